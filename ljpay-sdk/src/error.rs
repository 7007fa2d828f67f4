//! The crate's one error type.

use serde_json::{Map, Value};
pub use sign_core::policy::ErrorKind;

use crate::models::ErrorCode;

/// How many characters of a response body an error keeps.
pub(crate) const SNIPPET_CHARS: usize = 256;

/// Cuts a response body short for an error message.
pub(crate) fn snippet(body: &[u8]) -> String {
    sign_core::sdk_error::body_snippet(body, SNIPPET_CHARS)
}

sign_core::sdk_error! {
    /// Everything that can go wrong in this crate.
    ///
    /// The variants from `Config` to `StoreUnavailable` are the ones every SDK crate of this
    /// workspace shares (the same names, fields and messages, see [`sign_core::sdk_error`]); the
    /// rest are LJPay's own. [`Error::kind`] says what to do about it: retry later, wait for the
    /// rate limit, look a money-moving call up before repeating it, fix the call, or never act
    /// on a message.
    ///
    /// [`sign_core::sdk_error`]: mod@sign_core::sdk_error
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
    pub enum Error {
        gateway: "LJPay",
        validation_field: &'static str,
        transport_source: reqwest::Error,
        mismatch_hint: "check that the path and query passed in are the request target exactly \
                        as received (with any proxy prefix and the original percent-encoding), \
                        that the raw body is unmodified, and that the secret is the one of this \
                        site",
        operation: "`create_order`, `cancel_order` or `refund`",
        reference: "`biz_order_no`, or `out_refund_no` for a refund",
        rate_limited: {
            /// HTTP status of the last answer (429, or the status of a `RATE_LIMITED` answer).
            status: u16,
            /// The server's message.
            message: String,
        } => " (HTTP {status}): {message}",
        own {
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

            /// A webhook nonce was seen before: a captured webhook sent again. Refuse it.
            #[error("webhook nonce was already used (replayed message)")]
            Replayed,

            /// The payment centre answered with a status and a body that is not an
            /// `ErrorResponse` (for example a proxy's HTML page or a redirect, which is never
            /// followed).
            #[error("unexpected HTTP status {status} from LJPay; body: {body_snippet}")]
            UnexpectedStatus {
                /// HTTP status.
                status: u16,
                /// The start of the body.
                body_snippet: String,
            },


        }
    }

    /// How to treat this error (one classification for the four SDK crates).
    ///
    /// ```
    /// use ljpay_sdk::{Error, ErrorKind};
    /// let e = Error::Validation { field: "amount_fen", reason: "minimum 1: is 0".into() };
    /// assert_eq!(e.kind(), ErrorKind::Caller);
    /// assert_eq!(Error::Replayed.kind(), ErrorKind::Rejected);
    /// ```
    kind {
        Self::Api { status, .. } | Self::UnexpectedStatus { status, .. } if *status >= 500 => {
            ErrorKind::Transient
        }
        Self::Api { .. } | Self::UnexpectedStatus { .. } => ErrorKind::Caller,
        Self::Replayed => ErrorKind::Rejected,
    }
}

impl Error {
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
