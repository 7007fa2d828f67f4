//! The crate's one error type, in the vocabulary every SDK crate of this workspace shares.

pub use sign_core::policy::ErrorKind;
#[cfg(test)]
use sign_core::VerifyError;

/// How many characters of a response body an error keeps (the rest is cut off).
pub const BODY_SNIPPET_CHARS: usize = 200;

/// Cuts a response body short for an error message (on a character boundary).
pub(crate) fn snippet(body: &str) -> String {
    sign_core::sdk_error::body_snippet(body.as_bytes(), BODY_SNIPPET_CHARS)
}

/// A provider's error code, typed where the provider documents it.
///
/// ```
/// use ecpay_sdk::ErrorCode;
/// assert_eq!(ErrorCode::Rtn(10200047).to_string(), "10200047");
/// assert_eq!(ErrorCode::from_merchant_code("SYSTEM_ERROR"), ErrorCode::SystemError);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorCode {
    /// Merchant checkout API `errorCode = SYSTEM_ERROR` (系統錯誤).
    SystemError,
    /// An ECPay AIO `RtnCode` (or `TradeStatus`) that is not a success.
    Rtn(i64),
    /// An HTTP status without a code of ECPay's in the body.
    Http(u16),
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
            Self::Http(s) => write!(f, "HTTP {s}"),
            Self::Other(s) => f.write_str(s),
        }
    }
}

/// One entry of a FastAPI `422 HTTPValidationError` from the integration demo API.
///
/// ```
/// let i = ecpay_sdk::FieldIssue { location: "body.amount".into(), message: "too small".into(), kind: "greater_than".into() };
/// assert_eq!(i.location, "body.amount");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FieldIssue {
    /// Where the problem is, e.g. `body.amount` or `query.limit`.
    pub location: String,
    /// The server's message.
    pub message: String,
    /// The server's error type, e.g. `greater_than`.
    pub kind: String,
}

/// The one wording of ECPay's MerchantTradeNo rule, used wherever it is checked.
pub(crate) const MERCHANT_TRADE_NO_RULE: &str = "must be 1 to 20 letters (A-Z, a-z) and digits";

sign_core::sdk_error! {
    /// Everything that can go wrong.
    ///
    /// The variants from `Config` to `StoreUnavailable` are the ones every SDK crate of this
    /// workspace shares (the same names, fields and messages, see [`sign_core::sdk_error`]); the
    /// rest are ECPay's own. [`Error::kind`] classifies every variant: a money-moving call
    /// (`DoAction`) whose request may have reached ECPay with no usable answer is
    /// [`Error::OutcomeUnknown`], never transient.
    ///
    /// [`sign_core::sdk_error`]: mod@sign_core::sdk_error
    ///
    /// ```
    /// use ecpay_sdk::{Error, ErrorKind};
    /// let e = Error::OutcomeUnknown { operation: "DoAction", reference: "ORD1".into(), reason: "HTTP 502".into() };
    /// assert_eq!(e.kind(), ErrorKind::OutcomeUnknown);
    /// assert!(e.to_string().contains("look it up before repeating it"));
    /// ```
    pub enum Error {
        gateway: "ECPay",
        validation_field: String,
        transport_source: reqwest::Error,
        mismatch_hint: "check that the MerchantID, HashKey and HashIV belong to the same \
                        merchant (stage and production keys differ)",
        operation: "e.g. `DoAction`",
        reference: "`MerchantTradeNo`",
        rate_limited: {
            /// HTTP status (429).
            status: u16,
        } => " (HTTP {status})",
        own {
            /// ECPay (or the merchant API) answered with an error.
            #[error("API error (HTTP {status}) code {code}: {message}")]
            Api {
                /// HTTP status.
                status: u16,
                /// The provider's error code.
                code: ErrorCode,
                /// The provider's message (cut short).
                message: String,
            },
            /// The integration demo API refused the request with `422 HTTPValidationError` (one
            /// entry per field, which [`Error::Api`] cannot carry).
            #[error("request refused by the server (HTTP {status}): {}", .issues.iter().map(|i| format!("{}: {}", i.location, i.message)).collect::<Vec<_>>().join("; "))]
            ServerValidation {
                /// HTTP status (422).
                status: u16,
                /// One entry per field.
                issues: Vec<FieldIssue>,
            },
        }
    }

    /// How a caller should treat this error: retry later, wait for the server, look the call
    /// up, fix the request, or never act on the message.
    ///
    /// ```
    /// use ecpay_sdk::{Error, ErrorKind};
    /// let e = Error::Validation { field: "TotalAmount".into(), reason: "must be positive".into() };
    /// assert_eq!(e.kind(), ErrorKind::Caller);
    /// assert_eq!(Error::Signature(sign_core::VerifyError::Mismatch).kind(), ErrorKind::Rejected);
    /// ```
    kind {
        Self::ServerValidation { .. } => ErrorKind::Caller,
        // A 5xx reaches the caller only from a query whose retries ran out (a money-moving
        // call answered 5xx is `OutcomeUnknown`).
        Self::Api { status, .. } if *status >= 500 => ErrorKind::Transient,
        Self::Api { .. } => ErrorKind::Caller,
    }
}

impl Error {
    pub(crate) fn validation(field: &str, reason: impl Into<String>) -> Self {
        Self::Validation {
            field: field.to_owned(),
            reason: reason.into(),
        }
    }

    pub(crate) fn config(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Config {
            field,
            reason: reason.into(),
        }
    }

    pub(crate) fn decode(reason: impl Into<String>, body: &str) -> Self {
        Self::Decode {
            reason: reason.into(),
            body_snippet: snippet(body),
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
        let kept = "綠".repeat(BODY_SNIPPET_CHARS);
        assert_eq!(snippet(&"綠".repeat(500)), format!("{kept}…"));
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

    /// Finding (issue 13, LJPay/ECPay): a signature mismatch says what to check — that the
    /// MerchantID and keys belong to the same merchant — and reveals nothing secret.
    #[test]
    fn mismatch_message_names_what_to_check() {
        let text = Error::Signature(VerifyError::Mismatch).to_string();
        assert!(
            text.contains("MerchantID, HashKey and HashIV belong to the same merchant"),
            "{text}"
        );
        let missing = Error::Signature(VerifyError::MissingField("CheckMacValue".into()));
        assert!(!missing.to_string().contains("same merchant"), "{missing}");
    }

    #[test]
    fn kinds_table() {
        let cases: Vec<(&str, Error, ErrorKind)> = vec![
            (
                "config",
                Error::config("HashKey", "must not be empty"),
                ErrorKind::Caller,
            ),
            (
                "validation",
                Error::validation("TotalAmount", "x"),
                ErrorKind::Caller,
            ),
            (
                "api 4xx",
                Error::Api {
                    status: 200,
                    code: ErrorCode::Rtn(10200047),
                    message: String::new(),
                },
                ErrorKind::Caller,
            ),
            (
                "api 5xx (query out of retries)",
                Error::Api {
                    status: 503,
                    code: ErrorCode::Http(503),
                    message: String::new(),
                },
                ErrorKind::Transient,
            ),
            (
                "rate limited",
                Error::RateLimited {
                    retry_after: None,
                    status: 429,
                },
                ErrorKind::Throttled,
            ),
            (
                "outcome unknown",
                Error::OutcomeUnknown {
                    operation: "DoAction",
                    reference: "A".into(),
                    reason: "x".into(),
                },
                ErrorKind::OutcomeUnknown,
            ),
            (
                "signature",
                Error::Signature(VerifyError::Mismatch),
                ErrorKind::Rejected,
            ),
            ("decode", Error::decode("x", ""), ErrorKind::Rejected),
            (
                "store",
                Error::StoreUnavailable {
                    reason: "down".into(),
                },
                ErrorKind::Transient,
            ),
        ];
        for (name, e, want) in cases {
            assert_eq!(e.kind(), want, "case {name}: {e}");
        }
    }
}
