//! The crate's one error type.

use std::fmt;

pub use sign_core::policy::ErrorKind;

/// How many characters of a response body an error keeps.
pub(crate) const SNIPPET_CHARS: usize = 200;

/// Cut a response body short for an error message (on a character boundary).
pub(crate) fn snippet(body: &[u8]) -> String {
    sign_core::sdk_error::body_snippet(body, SNIPPET_CHARS)
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

sign_core::sdk_error! {
    /// Everything that can go wrong when talking to Wattt or checking one of its notifications.
    ///
    /// The variants from `Config` to `StoreUnavailable` are the ones every SDK crate of this
    /// workspace shares (the same names, fields and messages, see [`sign_core::sdk_error`]); the
    /// rest are Wattt's own. Only [`Error::OutcomeUnknown`] leaves open whether money moved,
    /// and it says so by its name. [`Error::kind`] sorts the variants for a caller. No variant
    /// ever carries the API secret or a signature (a `Transport` error's URL, which carries the
    /// signed query of `GET /banks`, is removed).
    ///
    /// [`sign_core::sdk_error`]: mod@sign_core::sdk_error
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
    pub enum Error {
        gateway: "Wattt",
        validation_field: &'static str,
        transport_source: reqwest::Error,
        mismatch_hint: "check that the API secret is this merchant's and that the \
                        notification is passed in as received",
        operation: "e.g. `create_collection`, `create_payout`",
        reference: "`orderid`, `serial_no` or `merchant_order_no`",
        rate_limited: {
            /// The operation.
            operation: &'static str,
        } => " in {operation}",
        own {
            /// Wattt refused the request: an envelope whose `ok` is not `1`, or a non-2xx
            /// status.
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
    kind {
        Self::Api { status, .. } if *status >= 500 => ErrorKind::Transient,
        Self::Api { .. } => ErrorKind::Caller,
    }
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
}

/// Shorthand for `Result<T, wattt_sdk::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn snippet_is_cut_on_char_boundary() {
        let kept = "測".repeat(SNIPPET_CHARS);
        assert_eq!(snippet("測".repeat(500).as_bytes()), format!("{kept}…"));
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
