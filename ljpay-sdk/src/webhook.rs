//! Verifying the webhooks LJPay sends to the merchant.
//!
//! LJPay signs a webhook exactly as a merchant signs an API request: HMAC-SHA256 with the
//! site's secret over
//! `METHOD \n PATH_WITH_QUERY \n TIMESTAMP \n NONCE \n SITE_CODE \n hex(sha256(raw_body))`,
//! sent in the four `X-Pay-Site`, `X-Pay-Timestamp`, `X-Pay-Nonce` and
//! `X-Pay-Signature: sha256=<hex>` headers. `PATH_WITH_QUERY` is the callback URL's path and
//! query as the request arrived (the request target, not a route pattern).
//!
//! A [`Verifier`] holds the site code, the secret, the timestamp window (300 s by default) and
//! a [`ReplayGuard`]:
//!
//! - [`Verifier::verify`] / [`Verifier::verify_at`] are pure: headers, window and signature
//!   (compared in constant time), then the typed [`WebhookEvent`]. No store is touched.
//! - [`Verifier::verify_and_record`] / [`Verifier::verify_and_record_at`] verify, then refuse a
//!   nonce seen before ([`Error::Replayed`]: a captured webhook sent again), keeping each nonce
//!   for as long as a request carrying it would pass the window, and then record the event key
//!   (`order_no` + `status`, plus the refund number when the body carries one) to tell a first
//!   delivery ([`Delivery::First`]: process it) from LJPay's re-delivery of the same event
//!   ([`Delivery::Repeat`]: acknowledge, do not process twice). A store that does not answer is
//!   [`Error::StoreUnavailable`]: answer 503, LJPay delivers again later.
//!
//! Several web servers behind a load balancer share one Redis through
//! `ReplayGuard::new(RedisStore::connect(url).await?)` (sign-core's `redis` feature), so what
//! one accepted, the others see.
//!
//! The spec does not describe the webhook body. The SDK expects a JSON object carrying the
//! order's fields as `OrderInfo` names them (`order_no`, `biz_order_no`, `status`, `amount_fen`,
//! `paid_amount_fen`, `refunded_fen`, `channel`, `channel_trade_no`, `paid_at`) plus the
//! `metadata` given at creation, returned byte for byte; every other field is kept in
//! [`WebhookEvent::extra`].
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), ljpay_sdk::Error> {
//! use ljpay_sdk::webhook::{self, Verifier};
//! use sign_core::replay::Delivery;
//!
//! let verifier = Verifier::new("my-site", "my-secret")?;
//! let body = br#"{"order_no":"lp_1","biz_order_no":"B-1","status":"PAID","amount_fen":100}"#;
//! let now = 1_700_000_000;
//! // What LJPay would send (tests can sign with the same helper):
//! let nonce = sign_core::new_nonce();
//! let parts = webhook::RequestParts {
//!     site_code: "my-site",
//!     method: "POST",
//!     path_with_query: "/hooks/ljpay",
//!     body,
//!     timestamp: now,
//!     nonce: &nonce,
//! };
//! let headers = webhook::sign_headers(&parts, &"my-secret".into());
//! let got = verifier.verify_and_record_at("POST", "/hooks/ljpay", &headers, body, now).await?;
//! assert_eq!(got.event.biz_order_no, "B-1");
//! assert_eq!(got.delivery, Delivery::First);
//! // The same request again is a replay.
//! let again = verifier.verify_and_record_at("POST", "/hooks/ljpay", &headers, body, now).await;
//! assert!(matches!(again, Err(ljpay_sdk::Error::Replayed)));
//! # Ok(()) }
//! ```

use std::fmt;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use http::{HeaderMap, HeaderName, HeaderValue};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
pub use sign_core::ljpay::RequestParts;
use sign_core::ljpay::{
    HmacKey, IncomingHeaders, VerifiedRequest, DEFAULT_TOLERANCE_SECS, HEADER_NONCE,
    HEADER_SIGNATURE, HEADER_SITE, HEADER_TIMESTAMP,
};
use sign_core::replay::GuardError;
pub use sign_core::replay::{Delivery, Received, ReplayGuard};
use sign_core::{Secret, VerifyError};

use crate::error::{snippet, Error};
use crate::models::{Channel, OrderStatus};

/// The body to answer a verified webhook with (first delivery or repeat): LJPay stops
/// re-delivering once it gets a 2xx.
pub const ACK: &str = "success";

/// The key prefix of LJPay's nonces and events in the replay store.
const GATEWAY: &str = "ljpay";

/// Verifies LJPay webhooks for one site: see the [module docs](self).
///
/// ```
/// use std::time::Duration;
/// use ljpay_sdk::webhook::{ReplayGuard, Verifier};
/// let verifier = Verifier::new("my-site", "my-secret")
///     .unwrap()
///     .with_tolerance(Duration::from_secs(900))
///     .with_replay_guard(ReplayGuard::memory());
/// assert_eq!(verifier.tolerance(), Duration::from_secs(900));
/// assert!(Verifier::new("my-site", "").is_err());
/// ```
// Debug is derived: `HmacKey` prints as `HmacKey(***)`.
#[derive(Clone, Debug)]
pub struct Verifier {
    site_code: String,
    // The secret keyed into HMAC once, here: keying it per webhook hashed two more blocks each.
    key: HmacKey,
    tolerance: Duration,
    guard: ReplayGuard,
}

impl Verifier {
    /// A verifier for `site_code`'s webhooks, with a 300 s window and an in-process
    /// [`ReplayGuard::memory`]. Refuses an empty site code or secret ([`Error::Config`]).
    pub fn new(site_code: impl Into<String>, secret: impl Into<Secret>) -> Result<Self, Error> {
        let site_code = site_code.into();
        let secret = secret.into();
        if site_code.is_empty() {
            return Err(Error::Config {
                field: "site_code",
                reason: "must not be empty".into(),
            });
        }
        if secret.expose().is_empty() {
            return Err(Error::Config {
                field: "secret",
                reason: "must not be empty".into(),
            });
        }
        Ok(Verifier {
            site_code,
            key: HmacKey::new(&secret),
            tolerance: Duration::from_secs(DEFAULT_TOLERANCE_SECS),
            guard: ReplayGuard::memory(),
        })
    }

    sign_core::replay_setters!(
        guard,
        r#"ljpay_sdk::webhook::Verifier::new("my-site", "my-secret").unwrap()"#
    );
    sign_core::replay_setters!(
        tolerance: tolerance,
        Duration,
        "LJPay's signed `X-Pay-Timestamp` must lie within it; each nonce is kept at least this long after the later of that timestamp and now, so no replay passes the window. Default 300 s.",
        r#"ljpay_sdk::webhook::Verifier::new("my-site", "my-secret").unwrap()"#
    );

    /// The site code.
    pub fn site_code(&self) -> &str {
        &self.site_code
    }

    /// [`Verifier::verify_at`] against the current time.
    ///
    /// ```
    /// use ljpay_sdk::webhook::{sign_headers, RequestParts, Verifier};
    /// let v = Verifier::new("my-site", "my-secret").unwrap();
    /// let now = chrono::Utc::now().timestamp();
    /// let body = br#"{"order_no":"lp_1","biz_order_no":"B-1","status":"PAID"}"#;
    /// let (site_code, method, nonce) = ("my-site", "POST", "ab12");
    /// let parts = RequestParts { site_code, method, path_with_query: "/cb?a=1", body, timestamp: now, nonce };
    /// let h = sign_headers(&parts, &"my-secret".into());
    /// assert!(v.verify("POST", "/cb?a=1", &h, body).is_ok());
    /// // The path is part of what is signed: pass the request target exactly as received.
    /// assert!(v.verify("POST", "/cb", &h, body).is_err());
    /// ```
    pub fn verify(
        &self,
        method: impl AsRef<str>,
        path_with_query: &str,
        headers: &HeaderMap,
        raw_body: &[u8],
    ) -> Result<WebhookEvent, Error> {
        self.verify_at(method, path_with_query, headers, raw_body, now_unix())
    }

    /// Checks headers, window and signature at `now_unix` (Unix seconds) and decodes the body.
    /// Pure: no nonce or delivery is recorded, so a replay passes; use
    /// [`Verifier::verify_and_record`] in a handler.
    ///
    /// ```
    /// use ljpay_sdk::webhook::{sign_headers, RequestParts, Verifier};
    /// let v = Verifier::new("my-site", "my-secret").unwrap();
    /// let body = br#"{"order_no":"lp_1","biz_order_no":"B-1","status":"PAID"}"#;
    /// let (site_code, method, path_with_query, nonce) = ("my-site", "POST", "/cb", "ab12");
    /// let parts = RequestParts { site_code, method, path_with_query, body, timestamp: 1_700_000_000, nonce };
    /// let h = sign_headers(&parts, &"my-secret".into());
    /// assert!(v.verify_at("POST", "/cb", &h, body, 1_700_000_300).is_ok());
    /// assert!(v.verify_at("POST", "/cb", &h, body, 1_700_000_301).is_err(), "outside 300 s");
    /// ```
    ///
    /// Returns [`Error::Signature`] when a header is missing or malformed, the timestamp is
    /// outside the window or the signature does not match, and [`Error::Decode`] when a
    /// correctly signed body is not a webhook event.
    pub fn verify_at(
        &self,
        method: impl AsRef<str>,
        path_with_query: &str,
        headers: &HeaderMap,
        raw_body: &[u8],
        now_unix: i64,
    ) -> Result<WebhookEvent, Error> {
        self.checked(
            method.as_ref(),
            path_with_query,
            headers,
            raw_body,
            now_unix,
        )
        .map(|(_, event)| event)
    }

    /// [`Verifier::verify_and_record_at`] against the current time.
    ///
    /// A fleet of web servers sharing one Redis (what one accepted, the others see):
    ///
    /// ```rust
    /// use std::sync::Arc;
    ///
    /// use axum::body::Bytes;
    /// use axum::extract::{OriginalUri, State};
    /// use axum::http::{HeaderMap, Method, StatusCode};
    /// use axum::routing::post;
    /// use axum::Router;
    /// use ljpay_sdk::webhook::{Delivery, ReplayGuard, Verifier, ACK};
    /// use ljpay_sdk::Error;
    /// use sign_core::replay::RedisStore;
    ///
    /// /// Every web server behind the load balancer runs this handler with a verifier on the same Redis.
    /// async fn ljpay_webhook(
    ///     State(verifier): State<Arc<Verifier>>,
    ///     method: Method,
    ///     OriginalUri(uri): OriginalUri,
    ///     headers: HeaderMap,
    ///     body: Bytes,
    /// ) -> (StatusCode, &'static str) {
    ///     // The request target exactly as received (path and query), which is what LJPay signed.
    ///     let target = uri.path_and_query().map_or("/", |pq| pq.as_str());
    ///     match verifier.verify_and_record(&method, target, &headers, &body).await {
    ///         Ok(got) if got.delivery == Delivery::First => {
    ///             // Process the event once: mark got.event.biz_order_no paid, ship the tea.
    ///             (StatusCode::OK, ACK)
    ///         }
    ///         // LJPay delivered this event before (to this server or another): acknowledge only.
    ///         Ok(_repeat) => (StatusCode::OK, ACK),
    ///         // Redis did not answer: neither accept nor refuse; LJPay delivers again later.
    ///         Err(Error::StoreUnavailable { .. }) => (StatusCode::SERVICE_UNAVAILABLE, "try again"),
    ///         // Forged, tampered, stale, or a replayed nonce: never reaches order logic.
    ///         Err(_) => (StatusCode::UNAUTHORIZED, "refused"),
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let redis = sign_core::testing::RedisServer::start()?;
    /// # std::env::set_var("REDIS_URL", redis.url());
    /// # std::env::set_var("LJPAY_SITE_CODE", "my-site");
    /// # std::env::set_var("LJPAY_SECRET", "my-secret");
    /// // Secrets from the environment: a missing one is an error, never a default.
    /// let site = std::env::var("LJPAY_SITE_CODE")?;
    /// let secret = std::env::var("LJPAY_SECRET")?;
    /// let store = RedisStore::connect(&std::env::var("REDIS_URL")?).await?;
    /// let verifier = Verifier::new(site, secret)?.with_replay_guard(ReplayGuard::new(store));
    /// let app = Router::new()
    ///     .route("/hooks/ljpay", post(ljpay_webhook))
    ///     .with_state(Arc::new(verifier));
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let url = format!("http://{}/hooks/ljpay?shop=1", listener.local_addr()?);
    /// tokio::spawn(async move { axum::serve(listener, app).await });
    /// # // LJPay delivers a signed webhook, then the same event again (freshly signed), and an
    /// # // attacker replays the first request as captured.
    /// # let body = br#"{"order_no":"lp_1","biz_order_no":"B-1","status":"PAID","amount_fen":12800}"#;
    /// # let http = reqwest::Client::new();
    /// # let send = |nonce: String| {
    /// #     let parts = ljpay_sdk::webhook::RequestParts { site_code: "my-site", method: "POST",
    /// #         path_with_query: "/hooks/ljpay?shop=1", body, timestamp: chrono::Utc::now().timestamp(),
    /// #         nonce: &nonce };
    /// #     let headers = ljpay_sdk::webhook::sign_headers(&parts, &"my-secret".into());
    /// #     http.post(&url).headers(headers).body(body.to_vec()).send()
    /// # };
    /// # let first = sign_core::new_nonce();
    /// # assert_eq!(send(first.clone()).await?.status(), 200);
    /// # assert_eq!(send(sign_core::new_nonce()).await?.status(), 200);
    /// # assert_eq!(send(first).await?.status(), 401);
    /// # Ok(()) }
    /// ```
    pub async fn verify_and_record(
        &self,
        method: impl AsRef<str>,
        path_with_query: &str,
        headers: &HeaderMap,
        raw_body: &[u8],
    ) -> Result<Received<WebhookEvent>, Error> {
        self.verify_and_record_at(method, path_with_query, headers, raw_body, now_unix())
            .await
    }

    /// Verifies at `now_unix`, refuses a nonce seen before ([`Error::Replayed`]), and records the
    /// event: [`Delivery::First`] the first time, [`Delivery::Repeat`] for a re-delivery.
    /// [`Error::StoreUnavailable`] when the store does not answer.
    pub async fn verify_and_record_at(
        &self,
        method: impl AsRef<str>,
        path_with_query: &str,
        headers: &HeaderMap,
        raw_body: &[u8],
        now_unix: i64,
    ) -> Result<Received<WebhookEvent>, Error> {
        let (verified, event) = self.checked(
            method.as_ref(),
            path_with_query,
            headers,
            raw_body,
            now_unix,
        )?;
        let now = unix_to_system(now_unix);
        let nonce_key = ReplayGuard::nonce_key(GATEWAY, &[verified.site, verified.nonce]);
        let until = unix_to_system(verified.nonce_expires_unix);
        let key = event.event_key();
        // The nonce first (a replay records no delivery), then the event; one lock in memory.
        let delivery = self
            .guard
            .check_nonce_and_record_delivery(&nonce_key, until, &key, now)
            .await
            .map_err(guard_error)?;
        Ok(Received::new(event, delivery, key))
    }

    /// Headers, window and signature, then the typed body.
    fn checked<'h>(
        &self,
        method: &str,
        path_with_query: &str,
        headers: &'h HeaderMap,
        raw_body: &[u8],
        now_unix: i64,
    ) -> Result<(VerifiedRequest<'h>, WebhookEvent), Error> {
        // Signed upper case; a caller's `post` is copied only when it is not already.
        let method: std::borrow::Cow<'_, str> = if method.bytes().any(|b| b.is_ascii_lowercase()) {
            method.to_ascii_uppercase().into()
        } else {
            method.into()
        };
        let verified = self.check(&method, path_with_query, headers, raw_body, now_unix)?;
        Ok((verified, WebhookEvent::from_json(raw_body)?))
    }

    fn check<'h>(
        &self,
        method: &str,
        path_with_query: &str,
        headers: &'h HeaderMap,
        raw_body: &[u8],
        now_unix: i64,
    ) -> Result<VerifiedRequest<'h>, Error> {
        let incoming = IncomingHeaders {
            site: header(headers, &SITE, HEADER_SITE)?,
            timestamp: header(headers, &TIMESTAMP, HEADER_TIMESTAMP)?,
            nonce: header(headers, &NONCE, HEADER_NONCE)?,
            signature: header(headers, &SIGNATURE, HEADER_SIGNATURE)?,
        };
        Ok(sign_core::ljpay::verify_signature_with(
            &self.key,
            &self.site_code,
            method,
            path_with_query,
            &incoming,
            raw_body,
            now_unix,
            self.tolerance.as_secs(),
        )?)
    }
}

fn guard_error(e: GuardError) -> Error {
    match e {
        GuardError::Replayed => Error::Replayed,
        other => Error::StoreUnavailable {
            reason: other.to_string(),
        },
    }
}

fn now_unix() -> i64 {
    Utc::now().timestamp()
}

fn unix_to_system(secs: i64) -> SystemTime {
    match u64::try_from(secs) {
        Ok(s) => SystemTime::UNIX_EPOCH + Duration::from_secs(s),
        Err(_) => SystemTime::UNIX_EPOCH,
    }
}

/// A verified webhook: the order's state when LJPay sent it.
///
/// ```
/// let ev = ljpay_sdk::WebhookEvent::from_json(
///     br#"{"order_no":"lp_1","biz_order_no":"B-1","status":"PAID","paid_amount_fen":100,"event":"order.status"}"#,
/// ).unwrap();
/// assert_eq!(ev.paid_amount_fen, Some(100));
/// assert_eq!(ev.extra["event"], "order.status");
/// ```
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

/// The body in one pass: the known fields typed, every other one into `extra`. Rules as a
/// derived struct would apply them: a known field twice is an error, `order_no`, `biz_order_no`
/// and `status` are required, `null` is an absent optional field; an unknown field sent twice
/// keeps its last value.
struct Decoded(WebhookEvent);

/// A field name: one of the known ones (no copy), or another one (owned, for `extra`).
enum Field {
    OrderNo,
    BizOrderNo,
    Status,
    Channel,
    AmountFen,
    PaidAmountFen,
    RefundedFen,
    ChannelTradeNo,
    PaidAt,
    Metadata,
    Other(String),
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Field;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Field, E> {
                Ok(match v {
                    "order_no" => Field::OrderNo,
                    "biz_order_no" => Field::BizOrderNo,
                    "status" => Field::Status,
                    "channel" => Field::Channel,
                    "amount_fen" => Field::AmountFen,
                    "paid_amount_fen" => Field::PaidAmountFen,
                    "refunded_fen" => Field::RefundedFen,
                    "channel_trade_no" => Field::ChannelTradeNo,
                    "paid_at" => Field::PaidAt,
                    "metadata" => Field::Metadata,
                    other => Field::Other(other.to_owned()),
                })
            }
        }
        d.deserialize_identifier(V)
    }
}

/// `paid_at` through [`lenient_time`].
struct PaidAt(Option<DateTime<Utc>>);

impl<'de> Deserialize<'de> for PaidAt {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient_time(d).map(PaidAt)
    }
}

impl<'de> Deserialize<'de> for Decoded {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Decoded;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a webhook event object")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<Decoded, M::Error> {
                use serde::de::Error as _;
                fn once<T, E: serde::de::Error>(
                    slot: &mut Option<T>,
                    name: &'static str,
                    value: T,
                ) -> Result<(), E> {
                    match slot.replace(value) {
                        None => Ok(()),
                        Some(_) => Err(E::duplicate_field(name)),
                    }
                }
                let (mut order_no, mut biz_order_no, mut status) = (None, None, None);
                let (mut channel, mut amount_fen, mut paid_amount_fen, mut refunded_fen) =
                    (None, None, None, None);
                let (mut channel_trade_no, mut paid_at, mut metadata) = (None, None, None);
                let mut extra = Map::new();
                while let Some(field) = map.next_key::<Field>()? {
                    match field {
                        Field::OrderNo => once(&mut order_no, "order_no", map.next_value()?)?,
                        Field::BizOrderNo => {
                            once(&mut biz_order_no, "biz_order_no", map.next_value()?)?
                        }
                        Field::Status => once(&mut status, "status", map.next_value()?)?,
                        Field::Channel => once(&mut channel, "channel", map.next_value()?)?,
                        Field::AmountFen => once(&mut amount_fen, "amount_fen", map.next_value()?)?,
                        Field::PaidAmountFen => {
                            once(&mut paid_amount_fen, "paid_amount_fen", map.next_value()?)?
                        }
                        Field::RefundedFen => {
                            once(&mut refunded_fen, "refunded_fen", map.next_value()?)?
                        }
                        Field::ChannelTradeNo => {
                            once(&mut channel_trade_no, "channel_trade_no", map.next_value()?)?
                        }
                        Field::PaidAt => {
                            once(&mut paid_at, "paid_at", map.next_value::<PaidAt>()?.0)?
                        }
                        Field::Metadata => once(&mut metadata, "metadata", map.next_value()?)?,
                        Field::Other(name) => {
                            extra.insert(name, map.next_value()?);
                        }
                    }
                }
                Ok(Decoded(WebhookEvent {
                    order_no: order_no.ok_or_else(|| M::Error::missing_field("order_no"))?,
                    biz_order_no: biz_order_no
                        .ok_or_else(|| M::Error::missing_field("biz_order_no"))?,
                    status: status.ok_or_else(|| M::Error::missing_field("status"))?,
                    channel: channel.flatten(),
                    amount_fen: amount_fen.flatten(),
                    paid_amount_fen: paid_amount_fen.flatten(),
                    refunded_fen: refunded_fen.flatten(),
                    channel_trade_no: channel_trade_no.flatten(),
                    paid_at: paid_at.flatten(),
                    metadata: metadata.flatten(),
                    extra,
                }))
            }
        }
        d.deserialize_map(V)
    }
}

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
    /// The refund number, when the body carries one (`refund_no`, else `out_refund_no`).
    pub fn refund_no(&self) -> Option<&str> {
        ["refund_no", "out_refund_no"]
            .iter()
            .find_map(|k| self.extra.get(*k).and_then(Value::as_str))
    }

    /// The key this event's deliveries are recorded under: `order_no`, `status`, and the refund
    /// number when present. Two deliveries with the same key are one event.
    pub fn event_key(&self) -> String {
        let status = self.status.as_str();
        match self.refund_no() {
            Some(r) => ReplayGuard::event_key(GATEWAY, &[&self.order_no, status, r]),
            None => ReplayGuard::event_key(GATEWAY, &[&self.order_no, status]),
        }
    }

    /// Decodes a webhook body (without verifying it: use [`Verifier`]).
    ///
    /// ```
    /// let ev = ljpay_sdk::WebhookEvent::from_json(br#"{"order_no":"lp_1","biz_order_no":"B","status":"PAID"}"#).unwrap();
    /// assert_eq!(ev.event_key(), "ljpay:event:lp_1:PAID");
    /// assert!(ljpay_sdk::WebhookEvent::from_json(b"{}").is_err());
    /// ```
    pub fn from_json(raw_body: &[u8]) -> Result<Self, Error> {
        let bad = |e: serde_json::Error| Error::Decode {
            reason: format!("the webhook body: {e}"),
            body_snippet: snippet(raw_body),
        };
        serde_json::from_slice::<Decoded>(raw_body)
            .map(|d| d.0)
            .map_err(bad)
    }
}

// Looked up by `HeaderName`: a `&str` name is parsed again on every lookup.
const SITE: HeaderName = HeaderName::from_static("x-pay-site");
const TIMESTAMP: HeaderName = HeaderName::from_static("x-pay-timestamp");
const NONCE: HeaderName = HeaderName::from_static("x-pay-nonce");
const SIGNATURE: HeaderName = HeaderName::from_static("x-pay-signature");

fn header<'a>(
    headers: &'a HeaderMap,
    key: &HeaderName,
    name: &'static str,
) -> Result<Option<&'a str>, Error> {
    match headers.get(key) {
        None => Ok(None),
        Some(v) => v.to_str().map(Some).map_err(|_| {
            Error::Signature(VerifyError::Malformed {
                field: name.to_owned(),
                reason: "not visible ASCII".to_owned(),
            })
        }),
    }
}

/// Signs a webhook the way LJPay does and returns its four `X-Pay-*` headers: for tests of
/// your webhook endpoint, and for the simulator. `parts` is what LJPay signs (the same
/// [`RequestParts`] the client signs its requests with); the request target is the callback
/// URL's path and query exactly as the handler receives them.
///
/// ```
/// use ljpay_sdk::webhook::{sign_headers, RequestParts};
/// let parts = RequestParts {
///     site_code: "my-site",
///     method: "POST",
///     path_with_query: "/hooks/ljpay",
///     body: b"{}",
///     timestamp: 1_700_000_000,
///     nonce: "00ff",
/// };
/// let h = sign_headers(&parts, &"my-secret".into());
/// assert_eq!(h["x-pay-site"], "my-site");
/// assert!(h["x-pay-signature"].to_str().unwrap().starts_with("sha256="));
/// ```
pub fn sign_headers(parts: &RequestParts<'_>, secret: &Secret) -> HeaderMap {
    let signed = parts.sign(secret);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_are_sign_cores() {
        for (key, name) in [
            (&SITE, HEADER_SITE),
            (&TIMESTAMP, HEADER_TIMESTAMP),
            (&NONCE, HEADER_NONCE),
            (&SIGNATURE, HEADER_SIGNATURE),
        ] {
            assert_eq!(key.as_str(), name.to_ascii_lowercase());
        }
    }
}
