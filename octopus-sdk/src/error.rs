//! The crate's one error type, and the platform's typed error codes.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Longest response-body excerpt kept in an error (characters).
pub(crate) const SNIPPET_CHARS: usize = 200;

/// Everything that can go wrong in this SDK.
///
/// Every variant says whether money may have moved: only
/// [`Error::OutcomeUnknown`] leaves that open, and it says so by its name.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A request was refused before any byte left the process.
    #[error("invalid `{field}`: {reason}")]
    Validation {
        /// The field (wire name) that broke a rule.
        field: String,
        /// The rule it broke.
        reason: String,
    },
    /// The client configuration is unusable (bad base URL, missing credential …).
    #[error("invalid configuration: {reason}")]
    Config {
        /// What is wrong.
        reason: String,
    },
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
    /// A webhook (or a signed message) failed verification.
    #[error("signature verification failed: {0}")]
    Signature(#[from] sign_core::VerifyError),
    /// The request could not be sent or its answer not received; it was not
    /// applied by the server (connect failure) or it is safe to repeat (reads).
    #[error("transport error: {source}")]
    Transport {
        /// The underlying transport error.
        #[source]
        source: reqwest::Error,
    },
    /// A state-changing request was sent but its result is unknown (timeout,
    /// connection lost, gateway error without a platform answer). The
    /// operation MAY have been applied: look the resource up before retrying.
    #[error("outcome of {operation} unknown: {reason}")]
    OutcomeUnknown {
        /// The operation, e.g. `orders.create`.
        operation: &'static str,
        /// Why the outcome is unknown.
        reason: String,
        /// The error that made it unknown, when there is one.
        #[source]
        source: Option<Box<Error>>,
    },
    /// A response body could not be decoded into the expected type.
    #[error("could not decode response (status {status}): {reason}; body starts {body_snippet:?}")]
    Decode {
        /// HTTP status code of the response.
        status: u16,
        /// Why decoding failed.
        reason: String,
        /// The start of the body (at most 200 characters).
        body_snippet: String,
    },
    /// The operation is not allowed in this environment (e.g. simulating a
    /// payment on a production client).
    #[error("{operation} is not allowed: {reason}")]
    NotAllowed {
        /// The operation refused.
        operation: &'static str,
        /// Why.
        reason: String,
    },
    /// Waiting for something (e.g. a payment's final status) took too long.
    #[error("timed out waiting for {what}")]
    Timeout {
        /// What was awaited.
        what: String,
    },
    /// The realtime (Socket.IO) connection failed.
    #[error("realtime connection error: {reason}")]
    Realtime {
        /// What failed.
        reason: String,
    },
}

impl Error {
    /// The platform's error code, when this is an [`Error::Api`] that carried one.
    pub fn api_code(&self) -> Option<&ApiErrorCode> {
        match self {
            Error::Api { code, .. } => code.as_ref(),
            _ => None,
        }
    }

    /// True when a state-changing call may or may not have been applied.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, Error::OutcomeUnknown { .. })
    }

    pub(crate) fn validation(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Validation {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn decode(status: u16, reason: impl fmt::Display, body: &[u8]) -> Self {
        Error::Decode {
            status,
            reason: reason.to_string(),
            body_snippet: snippet(body),
        }
    }
}

/// The first [`SNIPPET_CHARS`] characters of a body, lossily decoded.
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text.chars().take(SNIPPET_CHARS).collect();
    if text.chars().nth(SNIPPET_CHARS).is_some() {
        out.push('…');
    }
    out
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
