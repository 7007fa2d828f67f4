//! The crate's one error type.

use std::fmt;
use std::time::Duration;

pub use sign_core::policy::ErrorKind;

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

/// What Wattt's answer said about the refusal: the envelope's `ok` value, or that there was no
/// envelope at all.
///
/// ```
/// use wattt_sdk::ApiCode;
/// assert_eq!(ApiCode::Refused.to_string(), "ok=0");
/// assert_eq!(ApiCode::Unexpected(2).to_string(), "ok=2");
/// assert_eq!(ApiCode::NoEnvelope.to_string(), "no envelope");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiCode {
    /// `ok: 0` (or an `ok` that is not a number): Wattt refused the request.
    Refused,
    /// An `ok` value other than `0` and `1`.
    Unexpected(i64),
    /// A non-2xx answer without any `{ok, message}` envelope (a proxy's error page …).
    NoEnvelope,
}

impl fmt::Display for ApiCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiCode::Refused => f.write_str("ok=0"),
            ApiCode::Unexpected(n) => write!(f, "ok={n}"),
            ApiCode::NoEnvelope => f.write_str("no envelope"),
        }
    }
}

struct RetryAfterText(Option<Duration>);

impl fmt::Display for RetryAfterText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(d) => write!(f, "it asked to retry after {} s", d.as_secs()),
            None => f.write_str("it gave no Retry-After"),
        }
    }
}

/// Everything that can go wrong when talking to Wattt or checking one of its notifications.
///
/// Only [`Error::OutcomeUnknown`] leaves open whether money moved, and it says so by its name.
/// [`Error::kind`] sorts the variants for a caller. No variant ever carries the API secret or
/// a signature.
///
/// ```
/// use wattt_sdk::{Error, ErrorKind};
/// let e = Error::OutcomeUnknown {
///     operation: "create_payout",
///     reference: "PO1".into(),
///     reason: "the request timed out after it was sent".into(),
/// };
/// assert_eq!(e.kind(), ErrorKind::OutcomeUnknown);
/// assert!(e.to_string().contains("look it up before repeating it"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client or verifier configuration is unusable (base URL, an empty secret …).
    #[error("configuration: `{field}` {reason}")]
    Config {
        /// The setting at fault, e.g. `secret`.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// A request was refused before any byte left the process.
    #[error("invalid `{field}`: {reason}")]
    Validation {
        /// The offending field, as named on the wire.
        field: &'static str,
        /// The rule that was broken.
        reason: String,
    },

    /// Wattt refused the request: an envelope whose `ok` is not `1`, or a non-2xx status.
    #[error("API error {status} ({code}) in {operation}: {message}")]
    Api {
        /// The HTTP status of the answer.
        status: u16,
        /// The envelope's `ok` value, or [`ApiCode::NoEnvelope`].
        code: ApiCode,
        /// The server's `message` (or the start of the body), cut short.
        message: String,
        /// The operation, e.g. `create_collection`.
        operation: &'static str,
    },

    /// Wattt refused for rate (HTTP 429) and its `Retry-After` did not fit the retry policy's
    /// budget (or the attempts were used up). Nothing was done.
    #[error("rate limited by Wattt in {operation}; {}", RetryAfterText(*retry_after))]
    RateLimited {
        /// The server's `Retry-After` (seconds or HTTP-date), when sent.
        retry_after: Option<Duration>,
        /// The operation.
        operation: &'static str,
    },

    /// A state-changing request (collection, payout, payment link, callback retry) was sent
    /// but its result is unknown (timeout, connection lost, a 5xx, an unreadable answer) and no
    /// lookup settled it. It MAY have taken effect: look it up by `reference` before repeating
    /// it, and never repeat it under a new reference.
    #[error("outcome of {operation} for `{reference}` unknown: {reason}; the call may or may not have taken effect: look it up before repeating it")]
    OutcomeUnknown {
        /// The operation, e.g. `create_collection`.
        operation: &'static str,
        /// The merchant's reference (`orderid`, `serial_no`, `merchant_order_no`).
        reference: String,
        /// Why the outcome is unknown (and what the lookup said).
        reason: String,
    },

    /// A lookup after an unclear create found a record with the same merchant reference but
    /// another amount or payee: it is not this call's success.
    #[error("{operation} for `{reference}` conflicts with an existing record: {reason}")]
    Conflict {
        /// The operation, e.g. `create_payout`.
        operation: &'static str,
        /// The merchant's reference.
        reference: String,
        /// What differs.
        reason: String,
    },

    /// A notification (or any signed payload) failed verification: never act on it.
    #[error("signature verification failed: {0}")]
    Signature(#[from] sign_core::VerifyError),

    /// A body could not be decoded into the expected shape (a field missing or malformed, not
    /// JSON, too large): distinct from a bad signature.
    #[error("could not decode: {reason}; body starts {body_snippet:?}")]
    Decode {
        /// What was wrong (naming the operation for an answer).
        reason: String,
        /// The start of the body (at most 200 characters).
        body_snippet: String,
    },

    /// The request could not be sent, or a query's answer was not received.
    #[error("transport error: {source}")]
    Transport {
        /// The underlying error (its URL, which carries the signed query of `GET /banks`,
        /// removed).
        #[source]
        source: reqwest::Error,
    },

    /// A query's attempt took longer than the configured per-attempt timeout, every time.
    #[error("timed out waiting for {what}")]
    Timeout {
        /// What was awaited.
        what: String,
    },

    /// The replay store (memory or Redis) did not answer: answer the notification with 503 so
    /// Wattt delivers it again later.
    #[error("replay store unavailable: {reason}")]
    StoreUnavailable {
        /// What the store said.
        reason: String,
    },
}

impl Error {
    pub(crate) fn validation(field: &'static str, reason: impl fmt::Display) -> Self {
        Error::Validation {
            field,
            reason: reason.to_string(),
        }
    }

    pub(crate) fn config(field: &'static str, reason: impl fmt::Display) -> Self {
        Error::Config {
            field,
            reason: reason.to_string(),
        }
    }

    pub(crate) fn decode(reason: impl fmt::Display, body: &[u8]) -> Self {
        Error::Decode {
            reason: reason.to_string(),
            body_snippet: snippet(body),
        }
    }

    /// How a caller should treat this error (one classification shared by the four SDK
    /// crates): retry later, wait, look it up, fix the call, or never act on it.
    ///
    /// ```
    /// use wattt_sdk::{Error, ErrorKind};
    /// let e = Error::Validation { field: "amount", reason: "must be greater than 0".into() };
    /// assert_eq!(e.kind(), ErrorKind::Caller);
    /// let e = Error::StoreUnavailable { reason: "connection refused".into() };
    /// assert_eq!(e.kind(), ErrorKind::Transient);
    /// ```
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Transport { .. } | Error::Timeout { .. } | Error::StoreUnavailable { .. } => {
                ErrorKind::Transient
            }
            Error::Api { status, .. } if *status >= 500 => ErrorKind::Transient,
            Error::RateLimited { .. } => ErrorKind::Throttled,
            Error::OutcomeUnknown { .. } => ErrorKind::OutcomeUnknown,
            Error::Signature(_) | Error::Decode { .. } => ErrorKind::Rejected,
            Error::Config { .. }
            | Error::Validation { .. }
            | Error::Api { .. }
            | Error::Conflict { .. } => ErrorKind::Caller,
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
    fn kinds() {
        let api = |status| Error::Api {
            status,
            code: ApiCode::Refused,
            message: "sign error".into(),
            operation: "x",
        };
        let cases: Vec<(&str, Error, ErrorKind)> = vec![
            ("query 5xx", api(503), ErrorKind::Transient),
            ("refusal", api(422), ErrorKind::Caller),
            (
                "rate",
                Error::RateLimited {
                    retry_after: None,
                    operation: "x",
                },
                ErrorKind::Throttled,
            ),
            (
                "decode",
                Error::decode("no payment URL", b""),
                ErrorKind::Rejected,
            ),
            (
                "conflict",
                Error::Conflict {
                    operation: "x",
                    reference: "r".into(),
                    reason: "amount".into(),
                },
                ErrorKind::Caller,
            ),
        ];
        for (name, e, want) in cases {
            assert_eq!(e.kind(), want, "{name}");
        }
    }

    #[test]
    fn messages_never_print_option_debug() {
        let e = Error::RateLimited {
            retry_after: Some(Duration::from_secs(30)),
            operation: "balance",
        };
        assert_eq!(
            e.to_string(),
            "rate limited by Wattt in balance; it asked to retry after 30 s"
        );
        assert!(!e.to_string().contains("Some("));
        let e = Error::config("secret", "must not be empty");
        assert_eq!(e.to_string(), "configuration: `secret` must not be empty");
    }
}
