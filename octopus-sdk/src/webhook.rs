//! Webhooks the platform sends to the merchant (`POST /payments/webhook/octopus`
//! in the spec): verification, duplicate-delivery detection, the typed event,
//! and the acknowledgement body.
//!
//! The contract, as this module applies it:
//!
//! - `X-Octopus-Signature = hex(hmac_sha256(webhook_secret, raw_body))`,
//!   compared in constant time. Only the raw body is signed.
//! - `X-Octopus-Timestamp` (RFC 3339) must lie within the tolerance (default
//!   300 s) of now — but the header is not signed, so it proves nothing on its
//!   own. The body's own `timestamp` is covered by the signature and must lie
//!   within the same window: a captured body re-sent later with a fresh header
//!   is refused as expired ([`sign_core::VerifyError::Expired`]).
//! - The platform re-sends a webhook until it is acknowledged. A verified
//!   event is recorded under its event key, `transactionId` + `eventType`
//!   (the order id stands in for a `transactionId` the event does not carry),
//!   for the replay guard's retention (7 days by default);
//!   [`Verifier::verify_and_record`] answers [`Delivery::First`](sign_core::replay::Delivery::First) the first
//!   time and [`Delivery::Repeat`](sign_core::replay::Delivery::Repeat) after, so the handler acknowledges a
//!   re-delivery without processing it twice. A store that does not answer is
//!   [`Error::StoreUnavailable`]: answer 503 and the platform tries again.
//!
//! ```
//! # async fn run() -> octopus_sdk::Result<()> {
//! use octopus_sdk::webhook::{self, Verifier};
//! use sign_core::replay::Delivery;
//!
//! let verifier = Verifier::new("whsec")?;
//! let now = "2024-01-01T00:05:10Z".parse().unwrap();
//! let body = br#"{"eventType":"payment.completed","transactionId":"oct_1","orderId":"o1","status":"SUCCESS","amount":100.00,"currency":"HKD","timestamp":"2024-01-01T00:05:00Z","merchantId":"m1"}"#;
//! let headers = webhook::sign(body, &"whsec".into(), now);
//! let got = verifier.verify_and_record_at(&headers, body, now).await?;
//! assert_eq!(got.delivery, Delivery::First);
//! assert_eq!(got.event.event_type, webhook::WebhookEventType::PaymentCompleted);
//! assert_eq!(got.event.money().to_string(), "HK$100.00");
//! // The platform delivers it again: acknowledge, do not process twice.
//! let again = verifier.verify_and_record_at(&headers, body, now).await?;
//! assert_eq!(again.delivery, Delivery::Repeat);
//! assert_eq!(webhook::ACK, r#"{"success":true,"message":"Webhook處理成功"}"#);
//! # Ok(()) }
//! # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
//! ```

use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use http::{HeaderMap, HeaderName, HeaderValue};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sign_core::octopus::{HmacKey, HEADER_SIGNATURE, HEADER_TIMESTAMP};
use sign_core::replay::{GuardError, Received, ReplayGuard};
use sign_core::{Secret, VerifyError};

use crate::error::{Error, Result};
use crate::models::{default_currency, wire_enum, Money};

/// Default timestamp tolerance (300 s).
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Largest webhook body read (64 KiB): the platform's events are a few hundred
/// bytes, and a larger body is refused before any work is done on it.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The acknowledgement body the platform expects (answer with status 200 and
/// `Content-Type: application/json`), from the spec's webhook section.
pub const ACK: &str = r#"{"success":true,"message":"Webhook處理成功"}"#;

/// The gateway name in replay-store keys.
const GATEWAY: &str = "octopus";

wire_enum! {
    /// The webhook's `eventType`.
    WebhookEventType {
        /// `payment.processing` (the simulator sends it for a payment moving to processing).
        PaymentProcessing = "payment.processing",
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
        /// `REFUNDED` (sent with `payment.refunded`).
        Refunded = "REFUNDED",
    }
}

/// A verified webhook.
///
/// ```
/// let e: octopus_sdk::webhook::WebhookEvent = serde_json::from_str(
///     r#"{"eventType":"payment.refunded","orderId":"o1","status":"REFUNDED","amount":"12.5","timestamp":"2024-01-01T00:00:00Z"}"#,
/// ).unwrap();
/// assert_eq!(e.status, octopus_sdk::webhook::TransactionStatus::Refunded);
/// assert_eq!(e.money().to_string(), "HK$12.50");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebhookEvent {
    /// Event type (unknown types kept).
    pub event_type: WebhookEventType,
    /// Octopus transaction id (absent before the platform has one).
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
    /// Event time, from the signed body: checked against the tolerance window.
    pub timestamp: DateTime<Utc>,
    /// Merchant id.
    #[serde(default)]
    pub merchant_id: Option<String>,
}

impl WebhookEvent {
    /// The amount with its currency, for people (`HK$100.00`).
    pub fn money(&self) -> Money {
        Money::new(self.amount, &self.currency)
    }

    /// The event key the delivery is recorded under: `transactionId` +
    /// `eventType`, or the order id + `eventType` when no transaction id is
    /// carried (the two forms cannot collide).
    ///
    /// ```
    /// let e: octopus_sdk::webhook::WebhookEvent = serde_json::from_str(
    ///     r#"{"eventType":"payment.completed","transactionId":"oct_1","orderId":"o1","status":"SUCCESS","amount":1,"timestamp":"2024-01-01T00:00:00Z"}"#,
    /// ).unwrap();
    /// assert_eq!(e.event_key(), "octopus:event:oct_1:payment.completed");
    /// ```
    pub fn event_key(&self) -> String {
        match &self.transaction_id {
            Some(tx) => ReplayGuard::event_key(GATEWAY, &[tx, self.event_type.as_str()]),
            None => ReplayGuard::event_key(
                GATEWAY,
                &["order", &self.order_id, self.event_type.as_str()],
            ),
        }
    }
}

/// Verifies the platform's webhooks and records their deliveries.
///
/// Clone-cheap; build one per process and share it (a fleet of web servers
/// shares deliveries through one Redis: [`Verifier::with_replay_guard`]).
///
/// ```
/// use octopus_sdk::{webhook::Verifier, Error};
/// assert!(matches!(Verifier::new(""), Err(Error::Config { field: "webhook_secret", .. })));
/// let v = Verifier::new("whsec").unwrap();
/// assert!(!format!("{v:?}").contains("whsec"));
/// ```
// Debug is derived: `HmacKey` prints as `HmacKey(***)`.
#[derive(Clone, Debug)]
pub struct Verifier {
    // The webhook secret keyed into HMAC once, here: keying it per webhook hashed two more
    // blocks each.
    key: HmacKey,
    tolerance: Duration,
    guard: ReplayGuard,
}

impl Verifier {
    /// A verifier for webhooks signed with `webhook_secret`, with an in-memory
    /// replay guard and the default 300 s tolerance. An empty secret is
    /// refused ([`Error::Config`] naming `webhook_secret`): anyone could sign
    /// with it.
    pub fn new(webhook_secret: impl Into<Secret>) -> Result<Verifier> {
        let secret = webhook_secret.into();
        if secret.is_empty() {
            return Err(Error::config("webhook_secret", "must not be empty"));
        }
        Ok(Verifier {
            key: HmacKey::new(&secret),
            tolerance: DEFAULT_TOLERANCE,
            guard: ReplayGuard::memory(),
        })
    }

    sign_core::replay_setters!(
        guard,
        r#"octopus_sdk::webhook::Verifier::new("whsec").unwrap()"#
    );
    sign_core::replay_setters!(
        tolerance: tolerance,
        Duration,
        "Both the `X-Octopus-Timestamp` header (unsigned) and the signed body's own `timestamp` must lie within it; the body's decides. Default 300 s.",
        r#"octopus_sdk::webhook::Verifier::new("whsec").unwrap()"#
    );

    /// Verifies a webhook against the clock and decodes its event; records
    /// nothing.
    ///
    /// Errors: [`Error::Signature`] (missing or malformed header, mismatch, a
    /// timestamp outside the tolerance) or [`Error::Decode`] (signed, but not
    /// a webhook event).
    pub fn verify(&self, headers: &HeaderMap, raw_body: &[u8]) -> Result<WebhookEvent> {
        self.verify_at(headers, raw_body, Utc::now())
    }

    /// [`Verifier::verify`] at a given time.
    ///
    /// ```
    /// use octopus_sdk::{webhook::{self, Verifier}, Error};
    /// use sign_core::VerifyError;
    /// let v = Verifier::new("whsec").unwrap();
    /// let body = br#"{"eventType":"payment.completed","transactionId":"t","orderId":"o","status":"SUCCESS","amount":1,"timestamp":"2024-01-01T00:00:00Z"}"#;
    /// // A captured body re-sent a day later with a fresh header: refused.
    /// let later = "2024-01-02T00:00:00Z".parse().unwrap();
    /// let headers = webhook::sign(body, &"whsec".into(), later);
    /// let e = v.verify_at(&headers, body, later).unwrap_err();
    /// assert!(matches!(e, Error::Signature(VerifyError::Expired { .. })), "{e}");
    /// ```
    pub fn verify_at(
        &self,
        headers: &HeaderMap,
        raw_body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<WebhookEvent> {
        let signature = header(headers, &SIGNATURE, HEADER_SIGNATURE)?;
        let timestamp = header(headers, &TIMESTAMP, HEADER_TIMESTAMP)?;
        self.verify_parts_at(raw_body, signature, timestamp, now)
    }

    /// Verification from the header values themselves (for frameworks that
    /// do not use `http::HeaderMap`, and the CLI).
    ///
    /// ```
    /// let v = octopus_sdk::webhook::Verifier::new("whsec").unwrap();
    /// let now = "2024-01-01T00:00:00Z".parse().unwrap();
    /// let body = br#"{"eventType":"payment.failed","orderId":"o","status":"FAILED","amount":1,"timestamp":"2024-01-01T00:00:00Z"}"#;
    /// let sig = sign_core::octopus::webhook_signature(&"whsec".into(), body);
    /// let e = v.verify_parts_at(body, Some(&sig), Some("2024-01-01T00:00:00Z"), now).unwrap();
    /// assert_eq!(e.status.to_string(), "FAILED");
    /// ```
    pub fn verify_parts_at(
        &self,
        raw_body: &[u8],
        signature: Option<&str>,
        timestamp: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<WebhookEvent> {
        if raw_body.len() > MAX_BODY_BYTES {
            return Err(Error::decode(
                0,
                format!("webhook body exceeds {MAX_BODY_BYTES} bytes"),
                &raw_body[..200],
            ));
        }
        let tolerance_secs = self.tolerance.as_secs();
        sign_core::octopus::verify_webhook_with(
            &self.key,
            raw_body,
            signature,
            timestamp,
            now,
            tolerance_secs,
        )?;
        let event: WebhookEvent = serde_json::from_slice(raw_body).map_err(|e| {
            Error::decode(
                0,
                format!("signed webhook body is not a webhook event: {e}"),
                raw_body,
            )
        })?;
        // The header is unsigned: the signed body's own time decides.
        let skew_secs = event.timestamp.timestamp().saturating_sub(now.timestamp());
        if skew_secs.unsigned_abs() > tolerance_secs {
            return Err(Error::Signature(VerifyError::Expired {
                skew_secs,
                tolerance_secs,
            }));
        }
        Ok(event)
    }

    /// Verifies, then records the delivery: [`Delivery::First`] the first
    /// time this event key is seen, [`Delivery::Repeat`] after (acknowledge
    /// it with [`ACK`], do not process it twice). A replay store that does
    /// not answer is [`Error::StoreUnavailable`] (answer 503).
    ///
    /// [`Delivery::First`]: sign_core::replay::Delivery::First
    /// [`Delivery::Repeat`]: sign_core::replay::Delivery::Repeat
    pub async fn verify_and_record(
        &self,
        headers: &HeaderMap,
        raw_body: &[u8],
    ) -> Result<Received<WebhookEvent>> {
        self.verify_and_record_at(headers, raw_body, Utc::now())
            .await
    }

    /// [`Verifier::verify_and_record`] at a given time.
    pub async fn verify_and_record_at(
        &self,
        headers: &HeaderMap,
        raw_body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Received<WebhookEvent>> {
        let event = self.verify_at(headers, raw_body, now)?;
        self.record(event, now).await
    }

    /// [`Verifier::verify_parts_at`], then records the delivery as
    /// [`Verifier::verify_and_record`] does.
    pub async fn verify_parts_and_record_at(
        &self,
        raw_body: &[u8],
        signature: Option<&str>,
        timestamp: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Received<WebhookEvent>> {
        let event = self.verify_parts_at(raw_body, signature, timestamp, now)?;
        self.record(event, now).await
    }

    async fn record(
        &self,
        event: WebhookEvent,
        now: DateTime<Utc>,
    ) -> Result<Received<WebhookEvent>> {
        let key = event.event_key();
        match self
            .guard
            .record_delivery(&key, SystemTime::from(now))
            .await
        {
            Ok(delivery) => Ok(Received::new(event, delivery, key)),
            Err(GuardError::Unavailable(e)) => Err(Error::StoreUnavailable {
                reason: e.to_string(),
            }),
            Err(other) => Err(Error::StoreUnavailable {
                reason: other.to_string(),
            }),
        }
    }
}

// Looked up by `HeaderName`: a `&str` name is parsed again on every lookup.
const SIGNATURE: HeaderName = HeaderName::from_static("x-octopus-signature");
const TIMESTAMP: HeaderName = HeaderName::from_static("x-octopus-timestamp");

fn header<'a>(headers: &'a HeaderMap, key: &HeaderName, name: &str) -> Result<Option<&'a str>> {
    let mut values = headers.get_all(key).iter();
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
///
/// ```
/// let ack = octopus_sdk::webhook::WebhookAck::success();
/// assert_eq!(serde_json::to_string(&ack).unwrap(), octopus_sdk::webhook::ACK);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebhookAck {
    /// Always `true` for an acknowledgement.
    pub success: bool,
    /// Message.
    pub message: String,
}

impl WebhookAck {
    /// The spec's acknowledgement, [`ACK`].
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

/// Test helper: the headers the platform would send with `raw_body` at `at`.
///
/// ```
/// let h = octopus_sdk::webhook::sign(b"{}", &"whsec".into(), chrono::Utc::now());
/// assert_eq!(h["x-octopus-signature"].len(), 64);
/// ```
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_are_sign_cores() {
        assert_eq!(SIGNATURE.as_str(), HEADER_SIGNATURE.to_ascii_lowercase());
        assert_eq!(TIMESTAMP.as_str(), HEADER_TIMESTAMP.to_ascii_lowercase());
    }

    #[test]
    fn ack_matches_the_struct() {
        assert_eq!(
            serde_json::to_string(&WebhookAck::success()).unwrap(),
            ACK,
            "the const and the struct give the spec's body"
        );
    }
}
