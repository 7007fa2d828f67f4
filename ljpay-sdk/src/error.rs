//! The crate's one error type.

use serde_json::{Map, Value};

use crate::models::ErrorCode;

/// How many characters of a response body an error keeps.
pub(crate) const SNIPPET_CHARS: usize = 256;

/// Cuts a response body short for an error message.
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text.chars().take(SNIPPET_CHARS).collect();
    if text.chars().count() > SNIPPET_CHARS {
        out.push('…');
    }
    out
}

/// Everything that can go wrong in this crate.
///
/// Money-moving calls never leave you guessing: when the SDK cannot tell whether a create or a
/// refund took effect, you get [`Error::OutcomeUnknown`] or [`Error::RefundOutcomeUnknown`],
/// never a plain transport error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client was configured wrongly (checked by [`ClientBuilder::build`](crate::ClientBuilder::build)).
    #[error("invalid configuration: {reason}")]
    Config {
        /// What is wrong.
        reason: String,
    },

    /// A request failed validation before anything was sent.
    #[error("invalid `{field}`: {reason}")]
    Validation {
        /// The field, as named on the wire.
        field: &'static str,
        /// The rule it breaks.
        reason: String,
    },

    /// The payment centre answered with an `ErrorResponse`.
    #[error("LJPay API error {status} {code}: {message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// Typed error code.
        code: ErrorCode,
        /// The server's message.
        message: String,
        /// The server's details, if any.
        details: Option<Map<String, Value>>,
    },

    /// The payment centre answered with a status the spec does not document for this operation
    /// and a body that is not an `ErrorResponse` (for example a proxy's HTML page).
    #[error("unexpected HTTP status {status} from LJPay; body: {body_snippet}")]
    UnexpectedStatus {
        /// HTTP status.
        status: u16,
        /// The start of the body.
        body_snippet: String,
    },

    /// A response body could not be decoded into the expected type.
    #[error("could not decode LJPay response (status {status}): {reason}; body: {body_snippet}")]
    Decode {
        /// HTTP status.
        status: u16,
        /// What failed.
        reason: String,
        /// The start of the body.
        body_snippet: String,
    },

    /// A response body was larger than the configured cap.
    #[error("LJPay response body exceeds {limit} bytes")]
    BodyTooLarge {
        /// The cap, in bytes.
        limit: usize,
    },

    /// The request failed before reaching the server (nothing happened there), or a query failed
    /// after its retries.
    #[error("transport error: {source}")]
    Transport {
        /// The cause.
        #[source]
        source: reqwest::Error,
    },

    /// A create or cancel was sent but the SDK could not learn whether it took effect (and, for a
    /// create, could not find the order by its business order number either). Look the order up
    /// with [`Orders::get_by_biz_order_no`](crate::Orders::get_by_biz_order_no) before acting.
    #[error(
        "outcome of {operation} for biz_order_no {biz_order_no:?} is unknown; look the order up before retrying: {source}"
    )]
    OutcomeUnknown {
        /// `create_order` or `cancel_order`.
        operation: &'static str,
        /// The business order number concerned.
        biz_order_no: String,
        /// The last failure.
        #[source]
        source: Box<Error>,
    },

    /// A refund was sent but the SDK could not learn whether it was accepted. It is safe to repeat
    /// the call with the same `out_refund_no`: the payment centre treats it as the same refund.
    #[error(
        "outcome of refund {out_refund_no:?} (biz_order_no {biz_order_no:?}) is unknown; it is safe to repeat the call with the same out_refund_no: {source}"
    )]
    RefundOutcomeUnknown {
        /// Business order number.
        biz_order_no: String,
        /// Merchant refund number to repeat the call with.
        out_refund_no: String,
        /// The failure.
        #[source]
        source: Box<Error>,
    },

    /// A correctly signed webhook whose body is not a webhook event.
    #[error("webhook body is not a webhook event: {reason}; body: {body_snippet}")]
    WebhookPayload {
        /// What failed.
        reason: String,
        /// The start of the body.
        body_snippet: String,
    },

    /// A webhook failed verification (bad or missing header, signature mismatch, timestamp outside
    /// the tolerance, or a replayed nonce).
    #[error("webhook verification failed: {0}")]
    Signature(#[from] sign_core::VerifyError),
}

impl Error {
    /// The API error code, if this is an [`Error::Api`].
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            Error::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The HTTP status, if the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. }
            | Error::UnexpectedStatus { status, .. }
            | Error::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether the SDK could not tell if a money-moving call took effect.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(
            self,
            Error::OutcomeUnknown { .. } | Error::RefundOutcomeUnknown { .. }
        )
    }

    /// Whether the error is transient (transport, 5xx, `RATE_LIMITED`): the kind queries retry.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Transport { .. } => true,
            Error::Api { status, code, .. } => {
                *status >= 500 || *status == 429 || *code == ErrorCode::RateLimited
            }
            Error::UnexpectedStatus { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}

/// Shorthand for `Result<T, ljpay_sdk::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
