//! The crate's one error type, and the platform's typed error codes.

use std::fmt;

pub use sign_core::policy::ErrorKind;

use serde::{Deserialize, Serialize};

/// Longest response-body excerpt kept in an error (characters).
pub(crate) const SNIPPET_CHARS: usize = 200;

sign_core::sdk_error! {
    /// Everything that can go wrong in this SDK.
    ///
    /// The variants from `Config` to `StoreUnavailable` are the ones every SDK crate of this
    /// workspace shares (the same names, fields and messages, see [`sign_core::sdk_error`]); the
    /// rest are the platform's own. Every variant says whether money may have moved: only
    /// [`Error::OutcomeUnknown`] leaves that open, and it says so by its name. [`Error::kind`]
    /// sorts them for a caller: retry later, wait, look it up, fix the call, or never act on it.
    ///
    /// [`sign_core::sdk_error`]: mod@sign_core::sdk_error
    ///
    /// ```
    /// use octopus_sdk::{Error, ErrorKind};
    /// let e = Error::OutcomeUnknown {
    ///     operation: "payments.create",
    ///     reference: "order-1".into(),
    ///     reason: "the request timed out after it was sent".into(),
    /// };
    /// assert_eq!(e.kind(), ErrorKind::OutcomeUnknown);
    /// assert!(e.to_string().contains("look it up before repeating it"));
    /// ```
    pub enum Error {
        gateway: "Octopus",
        validation_field: String,
        transport_source: reqwest::Error,
        mismatch_hint: "check that the webhook secret is this merchant's and that the raw body \
                        is passed in unmodified",
        operation: "e.g. `payments.create`",
        reference: "the merchant's order id",
        rate_limited: {
            /// HTTP status (429, or the status of a `RATE_LIMIT_EXCEEDED` answer).
            status: u16,
            /// The platform's message (cut short).
            message: String,
        } => " (HTTP {status}): {message}",
        own {
            /// The platform answered with an error envelope (or a non-2xx status).
            #[error("API error {status}{}: {message}", code.as_ref().map(|c| format!(" {c}")).unwrap_or_default())]
            Api {
                /// HTTP status code.
                status: u16,
                /// The platform's error code, when the body carried one.
                code: Option<ApiErrorCode>,
                /// The platform's message (cut short).
                message: String,
                /// Field errors, timestamp and path from the error body.
                details: Box<ApiErrorDetails>,
            },
            /// `orders.pages()` / `list_all()` stopped because the server made no progress (it
            /// echoed another page than the one asked for, repeated ids, or sent full pages past
            /// the walk's cap): the list would be wrong or endless, so no partial list is
            /// returned as complete.
            #[error("listing orders stopped at page {page}: {reason}")]
            Pagination {
                /// The page being read when the walk stopped.
                page: u32,
                /// What the server did.
                reason: String,
            },
            /// The operation is not allowed in this environment (e.g. simulating a payment on a
            /// production client).
            #[error("{operation} is not allowed: {reason}")]
            NotAllowed {
                /// The operation refused.
                operation: &'static str,
                /// Why.
                reason: String,
            },
            /// The realtime (Socket.IO) connection failed.
            #[error("realtime connection error: {reason}")]
            Realtime {
                /// What failed.
                reason: String,
            },
        }
    }

    /// How a caller should treat this error (one classification shared by the four SDK
    /// crates).
    ///
    /// ```
    /// use octopus_sdk::{Error, ErrorKind};
    /// let e = Error::Validation { field: "amount".into(), reason: "must be > 0".into() };
    /// assert_eq!(e.kind(), ErrorKind::Caller);
    /// let e = Error::StoreUnavailable { reason: "connection refused".into() };
    /// assert_eq!(e.kind(), ErrorKind::Transient);
    /// ```
    kind {
        Self::Realtime { .. } => ErrorKind::Transient,
        Self::Api { status, .. } if *status >= 500 => ErrorKind::Transient,
        Self::Pagination { .. } => ErrorKind::Rejected,
        Self::Api { .. } | Self::NotAllowed { .. } => ErrorKind::Caller,
    }
}

impl Error {
    /// The platform's error code, when this is an [`Error::Api`] that carried one.
    ///
    /// ```
    /// use octopus_sdk::{ApiErrorCode, Error};
    /// let e = Error::Validation { field: "x".into(), reason: "y".into() };
    /// assert_eq!(e.api_code(), None::<&ApiErrorCode>);
    /// ```
    pub fn api_code(&self) -> Option<&ApiErrorCode> {
        match self {
            Error::Api { code, .. } => code.as_ref(),
            _ => None,
        }
    }

    pub(crate) fn validation(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Validation {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn config(field: &'static str, reason: impl Into<String>) -> Self {
        Error::Config {
            field,
            reason: reason.into(),
        }
    }

    pub(crate) fn decode(status: u16, reason: impl fmt::Display, body: &[u8]) -> Self {
        Error::Decode {
            reason: if status == 0 {
                reason.to_string()
            } else {
                format!("HTTP {status}: {reason}")
            },
            body_snippet: snippet(body),
        }
    }
}

/// The first [`SNIPPET_CHARS`] characters of a body, lossily decoded.
pub(crate) fn snippet(body: &[u8]) -> String {
    sign_core::sdk_error::body_snippet(body, SNIPPET_CHARS)
}

/// The parts of an error body beyond its code and message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiErrorDetails {
    /// Per-field errors (`errors[]`).
    pub errors: Vec<FieldError>,
    /// The server's `timestamp`, as sent.
    pub timestamp: Option<String>,
    /// The server's `path`, as sent.
    pub path: Option<String>,
}

/// One entry of an error body's `errors[]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The offending field.
    #[serde(default)]
    pub field: String,
    /// What is wrong with it.
    #[serde(default)]
    pub message: String,
}

sign_core::wire_enum! {
    /// Error codes the platform documents (its common codes and the Octopus
    /// `E001`..`E008` codes). Unknown codes are kept in [`ApiErrorCode::Other`].
    ///
    /// ```
    /// use octopus_sdk::ApiErrorCode;
    /// assert_eq!(ApiErrorCode::from_wire("E007"), ApiErrorCode::DuplicatePayment);
    /// assert_eq!(ApiErrorCode::OrderNotFound.to_string(), "ORDER_NOT_FOUND");
    /// assert_eq!(ApiErrorCode::from_wire("E999").as_str(), "E999"); // kept as sent
    /// ```
    ApiErrorCode {
        /// `VALIDATION_ERROR` (422): the data failed validation.
        ValidationError = "VALIDATION_ERROR",
        /// `ORDER_NOT_FOUND` (404).
        OrderNotFound = "ORDER_NOT_FOUND",
        /// `PAYMENT_NOT_FOUND` (404).
        PaymentNotFound = "PAYMENT_NOT_FOUND",
        /// `INVALID_AMOUNT` (400).
        InvalidAmount = "INVALID_AMOUNT",
        /// `PAYMENT_ALREADY_EXISTS` (409): the order already has a payment.
        PaymentAlreadyExists = "PAYMENT_ALREADY_EXISTS",
        /// `OCTOPUS_API_ERROR` (502): the Octopus API failed upstream.
        OctopusApiError = "OCTOPUS_API_ERROR",
        /// `INSUFFICIENT_FUNDS` (402).
        InsufficientFunds = "INSUFFICIENT_FUNDS",
        /// `PAYMENT_EXPIRED` (410).
        PaymentExpired = "PAYMENT_EXPIRED",
        /// `INVALID_SIGNATURE` (401).
        InvalidSignature = "INVALID_SIGNATURE",
        /// `RATE_LIMIT_EXCEEDED` (429).
        RateLimitExceeded = "RATE_LIMIT_EXCEEDED",
        /// Octopus `E001`: invalid merchant ID.
        InvalidMerchantId = "E001",
        /// Octopus `E002`: signature verification failed.
        SignatureVerificationFailed = "E002",
        /// Octopus `E003`: payment record does not exist.
        OctopusPaymentNotFound = "E003",
        /// Octopus `E004`: insufficient balance.
        InsufficientBalance = "E004",
        /// Octopus `E005`: network error.
        NetworkError = "E005",
        /// Octopus `E006`: payment expired.
        OctopusPaymentExpired = "E006",
        /// Octopus `E007`: duplicate payment.
        DuplicatePayment = "E007",
        /// Octopus `E008`: system under maintenance.
        SystemMaintenance = "E008",
    }
}

impl ApiErrorCode {
    /// The HTTP status the spec's table of common codes gives this code; the Octopus `E…`
    /// codes (and unknown codes) document none.
    ///
    /// ```
    /// use octopus_sdk::ApiErrorCode;
    /// assert_eq!(ApiErrorCode::RateLimitExceeded.documented_status(), Some(429));
    /// assert_eq!(ApiErrorCode::NetworkError.documented_status(), None);
    /// ```
    pub fn documented_status(&self) -> Option<u16> {
        use ApiErrorCode::*;
        Some(match self {
            ValidationError => 422,
            OrderNotFound | PaymentNotFound => 404,
            InvalidAmount => 400,
            PaymentAlreadyExists => 409,
            OctopusApiError => 502,
            InsufficientFunds => 402,
            PaymentExpired => 410,
            InvalidSignature => 401,
            RateLimitExceeded => 429,
            _ => return None,
        })
    }

    /// The same as [`ApiErrorCode::from_wire`]: never fails, unknown codes become `Other`.
    ///
    /// ```
    /// use octopus_sdk::ApiErrorCode;
    /// assert_eq!(ApiErrorCode::parse("E001"), ApiErrorCode::InvalidMerchantId);
    /// ```
    pub fn parse(s: &str) -> Self {
        Self::from_wire(s)
    }
}

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::ApiErrorCode::{self, *};

    /// What the hand-written `codes!` enum gave, held for the `wire_enum!` one: wire value,
    /// `Display` (the wire value), documented status and a serde round trip. Expected values:
    /// the two error tables of `octopus-oepay-api.md` (常見錯誤代碼 with its HTTP column,
    /// 八達通API錯誤代碼 with none).
    #[test]
    fn codes_keep_wire_display_status_and_serde() {
        let table: &[(&str, ApiErrorCode, Option<u16>)] = &[
            ("VALIDATION_ERROR", ValidationError, Some(422)),
            ("ORDER_NOT_FOUND", OrderNotFound, Some(404)),
            ("PAYMENT_NOT_FOUND", PaymentNotFound, Some(404)),
            ("INVALID_AMOUNT", InvalidAmount, Some(400)),
            ("PAYMENT_ALREADY_EXISTS", PaymentAlreadyExists, Some(409)),
            ("OCTOPUS_API_ERROR", OctopusApiError, Some(502)),
            ("INSUFFICIENT_FUNDS", InsufficientFunds, Some(402)),
            ("PAYMENT_EXPIRED", PaymentExpired, Some(410)),
            ("INVALID_SIGNATURE", InvalidSignature, Some(401)),
            ("RATE_LIMIT_EXCEEDED", RateLimitExceeded, Some(429)),
            ("E001", InvalidMerchantId, None),
            ("E002", SignatureVerificationFailed, None),
            ("E003", OctopusPaymentNotFound, None),
            ("E004", InsufficientBalance, None),
            ("E005", NetworkError, None),
            ("E006", OctopusPaymentExpired, None),
            ("E007", DuplicatePayment, None),
            ("E008", SystemMaintenance, None),
            ("E009", Other("E009".into()), None),
            ("order_not_found", Other("order_not_found".into()), None),
        ];
        for (wire, code, status) in table {
            assert_eq!(&ApiErrorCode::parse(wire), code, "{wire}: parse");
            assert_eq!(code.as_str(), *wire, "{wire}: as_str");
            assert_eq!(code.to_string(), *wire, "{wire}: Display");
            assert_eq!(code.documented_status(), *status, "{wire}: status");
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(json, format!("\"{wire}\""), "{wire}: Serialize");
            let back: ApiErrorCode = serde_json::from_str(&json).unwrap();
            assert_eq!(&back, code, "{wire}: Deserialize");
        }
        let known = table.iter().filter(|(_, c, _)| !matches!(c, Other(_)));
        let listed: Vec<&ApiErrorCode> = known.map(|(_, c, _)| c).collect();
        assert_eq!(
            ApiErrorCode::ALL.iter().collect::<Vec<_>>(),
            listed,
            "ALL in spec order"
        );
    }
}
