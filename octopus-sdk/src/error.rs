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

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $wire:literal, $status:expr; )*) => {
        /// Error codes the platform documents (its common codes and the Octopus
        /// `E001`..`E008` codes). Unknown codes are kept in [`ApiErrorCode::Other`].
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ApiErrorCode {
            $( $(#[$doc])* $variant, )*
            /// A code this SDK does not know, kept as sent.
            Other(String),
        }

        impl ApiErrorCode {
            /// Every documented code, in the spec's order.
            pub const ALL: &'static [ApiErrorCode] = &[$(ApiErrorCode::$variant),*];

            /// The wire form, e.g. `ORDER_NOT_FOUND`.
            pub fn as_str(&self) -> &str {
                match self {
                    $(ApiErrorCode::$variant => $wire,)*
                    ApiErrorCode::Other(s) => s,
                }
            }

            /// The HTTP status the spec documents for this code (the Octopus
            /// `E…` codes document none).
            pub fn documented_status(&self) -> Option<u16> {
                match self {
                    $(ApiErrorCode::$variant => $status,)*
                    ApiErrorCode::Other(_) => None,
                }
            }

            /// Parses a wire code; never fails (unknown codes become `Other`).
            pub fn parse(s: &str) -> Self {
                match s {
                    $($wire => ApiErrorCode::$variant,)*
                    other => ApiErrorCode::Other(other.to_owned()),
                }
            }
        }
    };
}

codes! {
    /// `VALIDATION_ERROR` (422): the data failed validation.
    ValidationError = "VALIDATION_ERROR", Some(422);
    /// `ORDER_NOT_FOUND` (404).
    OrderNotFound = "ORDER_NOT_FOUND", Some(404);
    /// `PAYMENT_NOT_FOUND` (404).
    PaymentNotFound = "PAYMENT_NOT_FOUND", Some(404);
    /// `INVALID_AMOUNT` (400).
    InvalidAmount = "INVALID_AMOUNT", Some(400);
    /// `PAYMENT_ALREADY_EXISTS` (409): the order already has a payment.
    PaymentAlreadyExists = "PAYMENT_ALREADY_EXISTS", Some(409);
    /// `OCTOPUS_API_ERROR` (502): the Octopus API failed upstream.
    OctopusApiError = "OCTOPUS_API_ERROR", Some(502);
    /// `INSUFFICIENT_FUNDS` (402).
    InsufficientFunds = "INSUFFICIENT_FUNDS", Some(402);
    /// `PAYMENT_EXPIRED` (410).
    PaymentExpired = "PAYMENT_EXPIRED", Some(410);
    /// `INVALID_SIGNATURE` (401).
    InvalidSignature = "INVALID_SIGNATURE", Some(401);
    /// `RATE_LIMIT_EXCEEDED` (429).
    RateLimitExceeded = "RATE_LIMIT_EXCEEDED", Some(429);
    /// Octopus `E001`: invalid merchant ID.
    InvalidMerchantId = "E001", None;
    /// Octopus `E002`: signature verification failed.
    SignatureVerificationFailed = "E002", None;
    /// Octopus `E003`: payment record does not exist.
    OctopusPaymentNotFound = "E003", None;
    /// Octopus `E004`: insufficient balance.
    InsufficientBalance = "E004", None;
    /// Octopus `E005`: network error.
    NetworkError = "E005", None;
    /// Octopus `E006`: payment expired.
    OctopusPaymentExpired = "E006", None;
    /// Octopus `E007`: duplicate payment.
    DuplicatePayment = "E007", None;
    /// Octopus `E008`: system under maintenance.
    SystemMaintenance = "E008", None;
}

impl fmt::Display for ApiErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ApiErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ApiErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(ApiErrorCode::parse(&s))
    }
}

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
