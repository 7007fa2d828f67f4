//! Verifying the webhooks LJPay sends to the merchant.
//!
//! LJPay signs a webhook exactly as a merchant signs an API request (DESIGN.md, "LJPay request
//! signature"): the four `X-Pay-*` headers over the webhook's method, the callback URL's path and
//! query, and its raw body. [`verify`] checks them (constant time, a timestamp tolerance of 300 s
//! by default, and a replayed nonce is refused through sign-core's [`NonceStore`]) and returns a
//! typed [`WebhookEvent`]. It is a pure function over (method, path, headers, raw body), so any
//! web framework can call it; [`verify_at`] takes the clock as an argument.
//!
//! The spec does not describe the webhook body. The SDK expects a JSON object carrying the
//! order's fields as `OrderInfo` names them (`order_no`, `biz_order_no`, `status`, `amount_fen`,
//! `paid_amount_fen`, `refunded_fen`, `channel`, `channel_trade_no`, `paid_at`) plus the
//! `metadata` given at creation, returned byte for byte; every other field is kept in
//! [`WebhookEvent::extra`].
//!
//! ```
//! use ljpay_sdk::webhook::{self, WebhookConfig};
//! let config = WebhookConfig::new("my-site", "my-secret");
//! let body = br#"{"order_no":"lp_1","biz_order_no":"B-1","status":"PAID","amount_fen":100}"#;
//! let now = 1_700_000_000;
//! // What LJPay would send (tests can sign with the same helper):
//! let headers = webhook::sign_headers(
//!     &"my-secret".into(), "my-site", "POST", "/hooks/ljpay", body, now, &sign_core::new_nonce(),
//! );
//! let event = webhook::verify_at("POST", "/hooks/ljpay", &headers, body, &config, now).unwrap();
//! assert_eq!(event.biz_order_no, "B-1");
//! // The same delivery again is refused as a replay.
//! assert!(webhook::verify_at("POST", "/hooks/ljpay", &headers, body, &config, now).is_err());
//! ```

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use http::{HeaderMap, HeaderName, HeaderValue};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use sign_core::ljpay::{
    IncomingHeaders, MemoryNonceStore, NonceStore, DEFAULT_TOLERANCE_SECS, HEADER_NONCE,
    HEADER_SIGNATURE, HEADER_SITE, HEADER_TIMESTAMP,
};
use sign_core::{Secret, VerifyError};

use crate::error::{snippet, Error};
use crate::models::{Channel, OrderStatus};

/// What [`verify`] needs: site code, secret, tolerance and a nonce store.
#[derive(Clone)]
pub struct WebhookConfig {
    site_code: String,
    secret: Secret,
    tolerance_secs: u64,
    nonce_store: Arc<dyn NonceStore>,
}

impl fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("site_code", &self.site_code)
            .field("secret", &self.secret)
            .field("tolerance_secs", &self.tolerance_secs)
            .finish_non_exhaustive()
    }
}

impl WebhookConfig {
    /// A config with the default 300 s tolerance and an in-process [`MemoryNonceStore`]
    /// (use [`WebhookConfig::with_nonce_store`] when several processes receive webhooks).
    pub fn new(site_code: impl Into<String>, secret: impl Into<Secret>) -> Self {
        WebhookConfig {
            site_code: site_code.into(),
            secret: secret.into(),
            tolerance_secs: DEFAULT_TOLERANCE_SECS,
            nonce_store: Arc::new(MemoryNonceStore::default()),
        }
    }

    /// Sets the accepted distance between the webhook's timestamp and now.
    pub fn with_tolerance_secs(mut self, secs: u64) -> Self {
        self.tolerance_secs = secs;
        self
    }

    /// Uses a shared nonce store (Redis, a database…).
    pub fn with_nonce_store(mut self, store: Arc<dyn NonceStore>) -> Self {
        self.nonce_store = store;
        self
    }

    /// The site code.
    pub fn site_code(&self) -> &str {
        &self.site_code
    }
}

/// A verified webhook: the order's state when LJPay sent it.
#[derive(Debug, Clone, Serialize)]
pub struct WebhookEvent {
    /// Payment-centre order number.
    pub order_no: String,
    /// Business order number.
    pub biz_order_no: String,
    /// Order status.
    pub status: OrderStatus,
    /// Channel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    /// Amount in fen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_fen: Option<i64>,
    /// Amount paid in fen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid_amount_fen: Option<i64>,
    /// Amount refunded in fen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refunded_fen: Option<i64>,
    /// The channel's trade number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_trade_no: Option<String>,
    /// When the order was paid (RFC 3339 or Unix seconds on the wire).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid_at: Option<DateTime<Utc>>,
    /// The `metadata` given at creation, byte for byte as received.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Box<RawValue>>,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Deserialize)]
struct KnownFields {
    order_no: String,
    biz_order_no: String,
    status: OrderStatus,
    #[serde(default)]
    channel: Option<Channel>,
    #[serde(default)]
    amount_fen: Option<i64>,
    #[serde(default)]
    paid_amount_fen: Option<i64>,
    #[serde(default)]
    refunded_fen: Option<i64>,
    #[serde(default)]
    channel_trade_no: Option<String>,
    #[serde(default, deserialize_with = "lenient_time")]
    paid_at: Option<DateTime<Utc>>,
    #[serde(default)]
    metadata: Option<Box<RawValue>>,
}

const KNOWN: [&str; 10] = [
    "order_no",
    "biz_order_no",
    "status",
    "channel",
    "amount_fen",
    "paid_amount_fen",
    "refunded_fen",
    "channel_trade_no",
    "paid_at",
    "metadata",
];

fn lenient_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    use serde::de::Error as _;
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => DateTime::parse_from_rfc3339(&s)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|e| D::Error::custom(format!("paid_at: {e}"))),
        Some(Value::Number(n)) => n
            .as_i64()
            .and_then(|secs| DateTime::from_timestamp(secs, 0))
            .map(Some)
            .ok_or_else(|| D::Error::custom("paid_at: not a Unix time in seconds")),
        Some(_) => Err(D::Error::custom(
            "paid_at: expected an RFC 3339 string or Unix seconds",
        )),
    }
}

impl WebhookEvent {
    /// Decodes a webhook body (without verifying it: use [`verify`]).
    pub fn from_json(raw_body: &[u8]) -> Result<Self, Error> {
        let bad = |e: serde_json::Error| Error::WebhookPayload {
            reason: e.to_string(),
            body_snippet: snippet(raw_body),
        };
        let known: KnownFields = serde_json::from_slice(raw_body).map_err(bad)?;
        let mut extra: Map<String, Value> = serde_json::from_slice(raw_body).map_err(bad)?;
        for k in KNOWN {
            extra.remove(k);
        }
        Ok(WebhookEvent {
            order_no: known.order_no,
            biz_order_no: known.biz_order_no,
            status: known.status,
            channel: known.channel,
            amount_fen: known.amount_fen,
            paid_amount_fen: known.paid_amount_fen,
            refunded_fen: known.refunded_fen,
            channel_trade_no: known.channel_trade_no,
            paid_at: known.paid_at,
            metadata: known.metadata,
            extra,
        })
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<Option<&'a str>, Error> {
    match headers.get(name) {
        None => Ok(None),
        Some(v) => v.to_str().map(Some).map_err(|_| {
            Error::Signature(VerifyError::Malformed {
                field: name.to_owned(),
                reason: "not visible ASCII".to_owned(),
            })
        }),
    }
}

/// Verifies a webhook against the current time and decodes it.
///
/// `path_with_query` is the request target as received (the callback URL's path and query).
/// Returns [`Error::Signature`] when a header is missing or malformed, the signature does not
/// match, the timestamp is outside the tolerance, or the nonce was seen before; and
/// [`Error::WebhookPayload`] when a correctly signed body is not a webhook event.
pub fn verify(
    method: impl AsRef<str>,
    path_with_query: &str,
    headers: &HeaderMap,
    raw_body: &[u8],
    config: &WebhookConfig,
) -> Result<WebhookEvent, Error> {
    verify_at(
        method,
        path_with_query,
        headers,
        raw_body,
        config,
        Utc::now().timestamp(),
    )
}

/// [`verify`] with the clock given (`now_unix`, Unix seconds).
pub fn verify_at(
    method: impl AsRef<str>,
    path_with_query: &str,
    headers: &HeaderMap,
    raw_body: &[u8],
    config: &WebhookConfig,
    now_unix: i64,
) -> Result<WebhookEvent, Error> {
    let incoming = IncomingHeaders {
        site: header(headers, HEADER_SITE)?,
        timestamp: header(headers, HEADER_TIMESTAMP)?,
        nonce: header(headers, HEADER_NONCE)?,
        signature: header(headers, HEADER_SIGNATURE)?,
    };
    sign_core::ljpay::verify_request(
        &config.secret,
        &config.site_code,
        &method.as_ref().to_ascii_uppercase(),
        path_with_query,
        &incoming,
        raw_body,
        now_unix,
        config.tolerance_secs,
        config.nonce_store.as_ref(),
    )?;
    WebhookEvent::from_json(raw_body)
}

/// Signs a webhook the way LJPay does and returns its four `X-Pay-*` headers: for tests of
/// your webhook endpoint, and for the simulator.
pub fn sign_headers(
    secret: &Secret,
    site_code: &str,
    method: &str,
    path_with_query: &str,
    body: &[u8],
    timestamp: i64,
    nonce: &str,
) -> HeaderMap {
    let signed = sign_core::ljpay::sign_request(
        secret,
        site_code,
        method,
        path_with_query,
        body,
        timestamp,
        nonce,
    );
    let mut map = HeaderMap::new();
    for (name, value) in signed.pairs() {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            map.insert(n, v);
        }
    }
    map
}
