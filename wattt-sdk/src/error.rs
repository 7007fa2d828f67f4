//! The crate's one error type.

use std::fmt;

/// How many characters of a response body an error keeps.
pub(crate) const SNIPPET_CHARS: usize = 200;

/// Cut a response body short for an error message (on a character boundary).
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text.chars().take(SNIPPET_CHARS).collect();
    if text.chars().nth(SNIPPET_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// Everything that can go wrong when talking to Wattt or checking one of its notifications.
///
/// No variant ever carries the API secret or a full signature.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A request was refused before any byte left the process.
    #[error("invalid `{field}`: {reason}")]
    Validation {
        /// The offending field, as named on the wire.
        field: &'static str,
        /// The rule that was broken.
        reason: String,
    },

    /// The client configuration is unusable (base URL, credentials …).
    #[error("invalid configuration: {0}")]
    Config(String),

    /// Wattt answered with an envelope whose `ok` is not `1`.
    #[error("wattt {operation} failed (HTTP {status}, ok={ok}): {message}")]
    Api {
        /// The operation, e.g. `create_collection`.
        operation: &'static str,
        /// The HTTP status of the answer.
        status: u16,
        /// The `ok` value of the envelope (`0` when it was absent or not a number).
        ok: i64,
        /// The server's `message`, cut short.
        message: String,
    },

    /// Wattt answered with a non-success HTTP status and no `{ok, message}` envelope.
    #[error("wattt {operation} answered HTTP {status}: {body_snippet}")]
    Http {
        /// The operation.
        operation: &'static str,
        /// The HTTP status.
        status: u16,
        /// The start of the response body.
        body_snippet: String,
    },

    /// The request could not be sent or its answer not read.
    #[error("transport error in wattt {operation}: {source}")]
    Transport {
        /// The operation.
        operation: &'static str,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },

    /// A response could not be decoded into the expected shape.
    #[error("cannot decode wattt {operation} response: {reason}; body starts: {body_snippet}")]
    Decode {
        /// The operation.
        operation: &'static str,
        /// What was wrong.
        reason: String,
        /// The start of the response body.
        body_snippet: String,
    },

    /// A response body was larger than the configured cap.
    #[error("wattt {operation} response exceeds {limit} bytes")]
    BodyTooLarge {
        /// The operation.
        operation: &'static str,
        /// The cap, in bytes.
        limit: usize,
    },

    /// A notification (or any signed payload) failed verification.
    #[error("signature verification failed: {0}")]
    Signature(#[from] sign_core::VerifyError),

    /// A notification could not be parsed (not JSON object, not form-encoded …).
    #[error("malformed notification: {0}")]
    Notification(String),

    /// A payment-link answer carried none of `url`, `redirect_url`, `payment_url`
    /// (top level or under `data`).
    #[error("payment-link response carries no payment URL")]
    MissingPaymentUrl,

    /// Creating a collection or payout may or may not have happened: the request was sent but
    /// no trustworthy answer came back, and a status lookup by the merchant's reference did not
    /// settle it either. Nothing was retried. It is safe to query the status later with
    /// `reference` (and never safe to blindly create again under a new reference).
    #[error(
        "outcome of wattt {operation} for `{reference}` is unknown (money may have moved); \
         safe to query its status later. cause: {cause}; status lookup: {lookup}"
    )]
    OutcomeUnknown {
        /// `create_collection` or `create_payout`.
        operation: &'static str,
        /// The `orderid` (collection) or `serial_no` (payout) to query with.
        reference: String,
        /// Why the creation answer was not trustworthy.
        #[source]
        cause: Box<Error>,
        /// What the status lookup said (its error, cut short).
        lookup: String,
    },
}

impl Error {
    pub(crate) fn validation(field: &'static str, reason: impl fmt::Display) -> Self {
        Error::Validation {
            field,
            reason: reason.to_string(),
        }
    }

    /// `true` when a query that failed this way may be retried (transport errors, HTTP 5xx,
    /// HTTP 429).
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Transport { .. } => true,
            Error::Http { status, .. } | Error::Api { status, .. } => {
                *status >= 500 || *status == 429
            }
            _ => false,
        }
    }

    /// `true` for [`Error::OutcomeUnknown`]: money may have moved, query before acting.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, Error::OutcomeUnknown { .. })
    }

    /// `true` when the error proves the request never reached Wattt's business logic
    /// (validation, configuration, connection refused).
    pub fn is_definitely_not_sent(&self) -> bool {
        match self {
            Error::Validation { .. } | Error::Config(_) => true,
            Error::Transport { source, .. } => source.is_connect() || source.is_builder(),
            _ => false,
        }
    }
}

/// Shorthand for `Result<T, wattt_sdk::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_is_cut_on_char_boundary() {
        let long = "測".repeat(500);
        let s = snippet(long.as_bytes());
        assert_eq!(s.chars().count(), SNIPPET_CHARS + 1);
        assert!(s.ends_with('…'));
        assert_eq!(snippet(b"short"), "short");
    }

    #[test]
    fn transient_classification() {
        let e = Error::Http {
            operation: "x",
            status: 503,
            body_snippet: String::new(),
        };
        assert!(e.is_transient());
        let e = Error::Api {
            operation: "x",
            status: 422,
            ok: 0,
            message: "sign error".into(),
        };
        assert!(!e.is_transient());
        assert!(!Error::MissingPaymentUrl.is_transient());
    }
}
