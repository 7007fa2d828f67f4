//! Webhooks the platform sends to the merchant (`POST /payments/webhook/octopus`
//! in the spec): verification, the typed event, and the acknowledgement body.
//!
//! Contract (DESIGN.md "Octopus"): `X-Octopus-Signature =
//! hex(hmac_sha256(webhook_secret, raw_body))`, compared in constant time, and
//! `X-Octopus-Timestamp` (RFC 3339) within the tolerance (default 300 s).
//!
//! ```
//! use octopus_sdk::webhook;
//! use sign_core::Secret;
//! let secret = Secret::new("whsec");
//! let body = br#"{"eventType":"payment.completed","transactionId":"oct_1","orderId":"o1","status":"SUCCESS","amount":100.00,"currency":"HKD","timestamp":"2024-01-01T00:05:00Z","merchantId":"m1"}"#;
//! let now = "2024-01-01T00:05:10Z".parse().unwrap();
//! let headers = webhook::sign(body, &secret, now);
//! let event = webhook::verify_at(&headers, body, &secret, now).unwrap();
//! assert_eq!(event.event_type, webhook::WebhookEventType::PaymentCompleted);
//! assert_eq!(event.amount.to_string(), "100.00");
//! let ack = webhook::ack_body();
//! assert_eq!(ack, r#"{"success":true,"message":"Webhook處理成功"}"#);
//! ```

use chrono::{DateTime, Utc};
use http::{HeaderMap, HeaderValue};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sign_core::octopus::{HEADER_SIGNATURE, HEADER_TIMESTAMP};
use sign_core::{Secret, VerifyError};

use crate::error::{snippet, Error, Result};
use crate::models::{default_currency, wire_enum};

/// Default timestamp tolerance in seconds.
pub const DEFAULT_TOLERANCE_SECS: u64 = 300;

wire_enum! {
    /// The webhook's `eventType`.
    WebhookEventType {
        /// `payment.completed`.
        PaymentCompleted = "payment.completed",
        /// `payment.failed`.
        PaymentFailed = "payment.failed",
        /// `payment.cancelled`.
        PaymentCancelled = "payment.cancelled",
        /// `payment.refunded`.
        PaymentRefunded = "payment.refunded",
        /// `payment.expired`.
        PaymentExpired = "payment.expired",
    }
}

wire_enum! {
    /// The Octopus transaction status carried by a webhook (`status`).
    TransactionStatus {
        /// `SUCCESS`.
        Success = "SUCCESS",
        /// `FAILED`.
        Failed = "FAILED",
        /// `PENDING`.
        Pending = "PENDING",
        /// `CANCELLED`.
        Cancelled = "CANCELLED",
        /// `EXPIRED`.
        Expired = "EXPIRED",
    }
}

/// A verified webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebhookEvent {
    /// Event type (unknown types kept).
    pub event_type: WebhookEventType,
    /// Octopus transaction id.
    #[serde(default)]
    pub transaction_id: Option<String>,
    /// The order concerned.
    pub order_id: String,
    /// Octopus status (unknown values kept).
    pub status: TransactionStatus,
    /// Amount (exact decimal).
    #[serde(with = "crate::money")]
    pub amount: Decimal,
    /// Currency (`HKD` when absent).
    #[serde(default = "default_currency")]
    pub currency: String,
    /// Event time (from the body).
    #[serde(default)]
    pub timestamp: Option<DateTime<Utc>>,
    /// Merchant id.
    #[serde(default)]
    pub merchant_id: Option<String>,
}

/// Verification options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifyOptions {
    /// Largest accepted distance between `X-Octopus-Timestamp` and now.
    pub tolerance_secs: u64,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        Self {
            tolerance_secs: DEFAULT_TOLERANCE_SECS,
        }
    }
}

/// Verifies a webhook against the clock and decodes its event.
///
/// Errors: [`Error::Signature`] (missing/malformed header, mismatch, outside
/// the tolerance) or [`Error::Decode`] (verified, but not a webhook event).
pub fn verify(headers: &HeaderMap, raw_body: &[u8], secret: &Secret) -> Result<WebhookEvent> {
    verify_at(headers, raw_body, secret, Utc::now())
}

/// [`verify`] at a given time (for tests and replays).
pub fn verify_at(
    headers: &HeaderMap,
    raw_body: &[u8],
    secret: &Secret,
    now: DateTime<Utc>,
) -> Result<WebhookEvent> {
    verify_with(headers, raw_body, secret, now, VerifyOptions::default())
}

/// [`verify`] with explicit time and options.
pub fn verify_with(
    headers: &HeaderMap,
    raw_body: &[u8],
    secret: &Secret,
    now: DateTime<Utc>,
    options: VerifyOptions,
) -> Result<WebhookEvent> {
    let signature = header(headers, HEADER_SIGNATURE)?;
    let timestamp = header(headers, HEADER_TIMESTAMP)?;
    verify_parts(raw_body, secret, signature, timestamp, now, options)
}

/// Verification from the header values themselves (for frameworks that do
/// not use `http::HeaderMap`, and the CLI).
pub fn verify_parts(
    raw_body: &[u8],
    secret: &Secret,
    signature: Option<&str>,
    timestamp: Option<&str>,
    now: DateTime<Utc>,
    options: VerifyOptions,
) -> Result<WebhookEvent> {
    sign_core::octopus::verify_webhook(
        secret,
        raw_body,
        signature,
        timestamp,
        now,
        options.tolerance_secs,
    )?;
    serde_json::from_slice(raw_body).map_err(|e| Error::Decode {
        status: 0,
        reason: format!("verified webhook body is not a webhook event: {e}"),
        body_snippet: snippet(raw_body),
    })
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>> {
    let mut values = headers.get_all(name).iter();
    let first = values.next();
    if values.next().is_some() {
        return Err(Error::Signature(VerifyError::Malformed {
            field: name.to_owned(),
            reason: "header appears more than once".into(),
        }));
    }
    match first {
        None => Ok(None),
        Some(v) => v.to_str().map(Some).map_err(|_| {
            Error::Signature(VerifyError::Malformed {
                field: name.to_owned(),
                reason: "not visible ASCII".into(),
            })
        }),
    }
}

/// The acknowledgement the platform expects in the webhook response body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebhookAck {
    /// Always `true` for an acknowledgement.
    pub success: bool,
    /// Message.
    pub message: String,
}

impl WebhookAck {
    /// The spec's acknowledgement, `{"success":true,"message":"Webhook處理成功"}`.
    pub fn success() -> Self {
        Self::with_message("Webhook處理成功")
    }

    /// An acknowledgement with another message.
    pub fn with_message(message: impl Into<String>) -> Self {
        Self {
            success: true,
            message: message.into(),
        }
    }
}

/// The acknowledgement body as JSON text (respond with status 200 and
/// `Content-Type: application/json`).
pub fn ack_body() -> String {
    String::from(r#"{"success":true,"message":"Webhook處理成功"}"#)
}

/// Test helper: the headers the platform would send with `raw_body` at `at`.
pub fn sign(raw_body: &[u8], secret: &Secret, at: DateTime<Utc>) -> HeaderMap {
    let mut h = HeaderMap::new();
    let sig = sign_core::octopus::webhook_signature(secret, raw_body);
    let ts = sign_core::octopus::format_timestamp(at);
    h.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(v) = HeaderValue::from_str(&sig) {
        h.insert(HEADER_SIGNATURE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&ts) {
        h.insert(HEADER_TIMESTAMP, v);
    }
    h
}
