//! The crate's one error type.

use sign_core::VerifyError;

/// How many characters of a response body an error keeps (the rest is cut off).
pub const BODY_SNIPPET_CHARS: usize = 200;

/// Cuts a response body short for an error message (on a character boundary).
pub(crate) fn snippet(body: &str) -> String {
    let mut out: String = body.chars().take(BODY_SNIPPET_CHARS).collect();
    if body.chars().count() > BODY_SNIPPET_CHARS {
        out.push('…');
    }
    out
}

/// A provider's error code, typed where the provider documents it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorCode {
    /// Merchant checkout API `errorCode = SYSTEM_ERROR` (系統錯誤).
    SystemError,
    /// An ECPay AIO `RtnCode` (or `TradeStatus`) that is not a success.
    Rtn(i64),
    /// Any other code, kept as the provider sent it.
    Other(String),
}

impl ErrorCode {
    /// Maps a merchant checkout API `errorCode` string.
    pub fn from_merchant_code(code: &str) -> Self {
        match code {
            "SYSTEM_ERROR" => Self::SystemError,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::SystemError => f.write_str("SYSTEM_ERROR"),
            Self::Rtn(c) => write!(f, "{c}"),
            Self::Other(s) => f.write_str(s),
        }
    }
}

/// One entry of a FastAPI `422 HTTPValidationError` from the integration demo API.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldIssue {
    /// Where the problem is, e.g. `body.amount` or `query.limit`.
    pub location: String,
    /// The server's message.
    pub message: String,
    /// The server's error type, e.g. `greater_than`.
    pub kind: String,
}

/// Everything that can go wrong.
///
/// Money-moving calls (credit card `DoAction`) whose request may have reached ECPay before
/// the connection failed return [`Error::OutcomeUnknown`], never a plain transport error:
/// query the trade before trying again.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter broke a documented rule; nothing was sent.
    #[error("invalid `{field}`: {reason}")]
    Validation {
        /// The field (wire name) at fault.
        field: String,
        /// The rule it broke.
        reason: String,
    },
    /// The client is not configured for this call (e.g. AIO call without HashKey/HashIV).
    #[error("configuration: {reason}")]
    Config {
        /// What is missing or wrong.
        reason: String,
    },
    /// The provider answered with an error.
    #[error("API error (HTTP {status}) code {code}: {message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// The provider's error code.
        code: ErrorCode,
        /// The provider's message (cut short).
        message: String,
    },
    /// The integration demo API refused the request with `422 HTTPValidationError`.
    #[error("request refused by the server (HTTP {status}): {}", .issues.iter().map(|i| format!("{}: {}", i.location, i.message)).collect::<Vec<_>>().join("; "))]
    ServerValidation {
        /// HTTP status (422).
        status: u16,
        /// One entry per field.
        issues: Vec<FieldIssue>,
    },
    /// A response or callback failed CheckMacValue verification (or names another merchant).
    #[error("signature verification failed for {context}: {source}")]
    Signature {
        /// What was being verified.
        context: String,
        /// Which check failed.
        #[source]
        source: VerifyError,
    },
    /// The request could not be sent, or no response arrived; nothing moved.
    #[error("transport error: {source}")]
    Transport {
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// A money-moving request may have reached ECPay but no answer came back: whether it
    /// took effect is unknown. Query the trade before retrying.
    #[error("outcome unknown for {operation} (query the trade before retrying): {source}")]
    OutcomeUnknown {
        /// The operation, e.g. `DoAction R`.
        operation: String,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// The response could not be decoded.
    #[error("could not decode response (HTTP {status}): {reason}; body starts: {body_snippet}")]
    Decode {
        /// HTTP status.
        status: u16,
        /// Why decoding failed.
        reason: String,
        /// The start of the body.
        body_snippet: String,
    },
    /// The response body was larger than the client's cap.
    #[error("response body exceeds the {limit}-byte cap")]
    BodyTooLarge {
        /// The cap in bytes.
        limit: usize,
    },
}

impl Error {
    pub(crate) fn validation(field: &str, reason: impl Into<String>) -> Self {
        Self::Validation {
            field: field.to_owned(),
            reason: reason.into(),
        }
    }

    pub(crate) fn signature(context: &str, source: VerifyError) -> Self {
        Self::Signature {
            context: context.to_owned(),
            source,
        }
    }

    pub(crate) fn decode(status: u16, reason: impl Into<String>, body: &str) -> Self {
        Self::Decode {
            status,
            reason: reason.into(),
            body_snippet: snippet(body),
        }
    }

    /// Whether retrying the same call could help (transport failures, 5xx, 429).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Transport { .. } => true,
            Self::Api { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_cuts_long_bodies_on_char_boundaries() {
        let body = "綠".repeat(500);
        let s = snippet(&body);
        assert_eq!(s.chars().count(), BODY_SNIPPET_CHARS + 1);
        assert!(s.ends_with('…'));
        assert_eq!(snippet("short"), "short");
    }

    #[test]
    fn merchant_codes_map() {
        assert_eq!(
            ErrorCode::from_merchant_code("SYSTEM_ERROR"),
            ErrorCode::SystemError
        );
        assert_eq!(
            ErrorCode::from_merchant_code("NEW_CODE"),
            ErrorCode::Other("NEW_CODE".into())
        );
    }
}
