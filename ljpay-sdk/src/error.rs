//! The crate's one error type.

use std::fmt;
use std::time::Duration;

use serde_json::{Map, Value};
pub use sign_core::policy::ErrorKind;
use sign_core::VerifyError;

use crate::models::ErrorCode;

/// How many characters of a response body an error keeps.
pub(crate) const SNIPPET_CHARS: usize = 256;

/// Cuts a response body short for an error message.
pub(crate) fn snippet(body: &[u8]) -> String {
    let head = &body[..body.len().min(SNIPPET_CHARS * 4)];
    let text = String::from_utf8_lossy(head);
    let mut out: String = text.chars().take(SNIPPET_CHARS).collect();
    if body.len() > out.len() {
        out.push('…');
    }
    out
}

/// Everything that can go wrong in this crate.
///
/// [`Error::kind`] says what to do about it: retry later, wait for the rate limit, look a
/// money-moving call up before repeating it, fix the call, or never act on a message.
///
/// ```
/// use ljpay_sdk::{Error, ErrorKind};
/// let e = Error::OutcomeUnknown {
///     operation: "create_order",
///     reference: "B-1001".into(),
///     reason: "the answer was lost".into(),
/// };
/// assert_eq!(e.kind(), ErrorKind::OutcomeUnknown);
/// assert!(e.to_string().contains("may or may not have taken effect"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client or verifier was configured wrongly (checked when it is built).
    #[error("configuration: `{field}` {reason}")]
    Config {
        /// The setting, as the builder names it.
        field: &'static str,
        /// What is wrong with it.
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
    #[error("LJPay answered {status} {code}: {message}")]
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

    /// The payment centre refused for rate (429 or `RATE_LIMITED`) and its wait did not fit the
    /// retry budget. Nothing was done; call again after `retry_after`.
    #[error("LJPay is rate limiting requests{}: {message}", RetryAfterText(*retry_after))]
    RateLimited {
        /// The server's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
        /// HTTP status of the last answer.
        status: u16,
        /// The server's message.
        message: String,
    },

    /// A money-moving call (create, cancel, refund) was sent, and the SDK could not learn
    /// whether it took effect (nor settle it by looking the order up).
    #[error(
        "{operation} for `{reference}` may or may not have taken effect ({reason}); look it up before repeating it"
    )]
    OutcomeUnknown {
        /// `create_order`, `cancel_order` or `refund`.
        operation: &'static str,
        /// The merchant reference: `biz_order_no`, or `out_refund_no` for a refund.
        reference: String,
        /// What happened, and what is safe to do next.
        reason: String,
    },

    /// A lookup after an unknown outcome found a record with the same merchant reference but
    /// another amount, channel or state: it is not this call's result.
    #[error("{operation} for `{reference}` conflicts with an existing record: {reason}")]
    Conflict {
        /// The operation whose outcome was being settled.
        operation: &'static str,
        /// The merchant reference (`biz_order_no`).
        reference: String,
        /// How the record differs from the request.
        reason: String,
    },

    /// A webhook failed verification (a header missing or malformed, a signature mismatch, a
    /// timestamp outside the window).
    #[error("signature verification failed: {}", SignatureText(.0))]
    Signature(VerifyError),

    /// A webhook nonce was seen before: a captured webhook sent again. Refuse it.
    #[error("webhook nonce was already used (replayed message)")]
    Replayed,

    /// The replay store did not answer: answer 503 so LJPay delivers again later. Never an
    /// accept, never a bad signature.
    #[error("replay store unavailable: {reason}")]
    StoreUnavailable {
        /// What the store said.
        reason: String,
    },

    /// An answer or a correctly signed webhook body could not be read (a field missing or
    /// malformed): distinct from a bad signature.
    #[error("could not decode {reason}; body: {body_snippet}")]
    Decode {
        /// What failed, and where.
        reason: String,
        /// The start of the body.
        body_snippet: String,
    },

    /// The payment centre answered with a status and a body that is not an `ErrorResponse`
    /// (for example a proxy's HTML page or a redirect, which is never followed).
    #[error("unexpected HTTP status {status} from LJPay; body: {body_snippet}")]
    UnexpectedStatus {
        /// HTTP status.
        status: u16,
        /// The start of the body.
        body_snippet: String,
    },

    /// An answer body was larger than the configured cap (`max_body_bytes`).
    #[error("LJPay answer body exceeds {limit} bytes")]
    BodyTooLarge {
        /// The cap, in bytes.
        limit: usize,
    },

    /// No complete answer within the per-attempt timeout (`timeout` of the builder).
    #[error("no complete answer from LJPay within {} ms", after.as_millis())]
    Timeout {
        /// The per-attempt timeout that ran out.
        after: Duration,
    },

    /// The request could not be sent, or a query failed after its retries.
    #[error("transport: {source}")]
    Transport {
        /// The cause.
        #[source]
        source: reqwest::Error,
    },
}

struct RetryAfterText(Option<Duration>);

impl fmt::Display for RetryAfterText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(d) => write!(f, " (retry after {} s)", d.as_secs()),
            None => Ok(()),
        }
    }
}

struct SignatureText<'a>(&'a VerifyError);

impl fmt::Display for SignatureText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            // What to check, without saying anything about the expected value.
            VerifyError::Mismatch => f.write_str(
                "signature does not match; check that the path and query passed in are the \
                 request target exactly as received (with any proxy prefix and the original \
                 percent-encoding), that the raw body is unmodified, and that the secret is the \
                 one of this site",
            ),
            other => write!(f, "{other}"),
        }
    }
}

impl From<VerifyError> for Error {
    fn from(e: VerifyError) -> Self {
        Error::Signature(e)
    }
}

impl Error {
    /// How to treat this error (one classification for the four SDK crates).
    ///
    /// ```
    /// use ljpay_sdk::{Error, ErrorKind};
    /// let e = Error::Validation { field: "amount_fen", reason: "minimum 1: is 0".into() };
    /// assert_eq!(e.kind(), ErrorKind::Caller);
    /// assert_eq!(Error::Replayed.kind(), ErrorKind::Rejected);
    /// ```
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Config { .. } | Error::Validation { .. } | Error::Conflict { .. } => {
                ErrorKind::Caller
            }
            Error::Api { status, .. } | Error::UnexpectedStatus { status, .. } => {
                if *status >= 500 {
                    ErrorKind::Transient
                } else {
                    ErrorKind::Caller
                }
            }
            Error::RateLimited { .. } => ErrorKind::Throttled,
            Error::OutcomeUnknown { .. } => ErrorKind::OutcomeUnknown,
            Error::Signature(_)
            | Error::Replayed
            | Error::Decode { .. }
            | Error::BodyTooLarge { .. } => ErrorKind::Rejected,
            Error::StoreUnavailable { .. } | Error::Transport { .. } | Error::Timeout { .. } => {
                ErrorKind::Transient
            }
        }
    }

    /// The API error code, if this is an [`Error::Api`].
    ///
    /// ```
    /// use ljpay_sdk::{Error, ErrorCode};
    /// let e = Error::Api { status: 404, code: ErrorCode::OrderNotFound, message: "no".into(), details: None };
    /// assert_eq!(e.code(), Some(&ErrorCode::OrderNotFound));
    /// ```
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            Error::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The HTTP status, if the server answered.
    ///
    /// ```
    /// let e = ljpay_sdk::Error::UnexpectedStatus { status: 418, body_snippet: String::new() };
    /// assert_eq!(e.status(), Some(418));
    /// ```
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. }
            | Error::UnexpectedStatus { status, .. }
            | Error::RateLimited { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// Shorthand for `Result<T, ljpay_sdk::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
