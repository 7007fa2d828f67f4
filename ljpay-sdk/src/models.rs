//! Typed models for every schema of the LJPay spec (`spec/ljpay.openapi.json`).
//!
//! Requests are `Serialize` structs with a `new(required…)` constructor and optional fields
//! that are left out of the JSON when `None`. Responses keep fields the SDK does not know yet in
//! an `extra` map, and every enum keeps wire values it does not know in an `Other(String)`
//! variant instead of failing to decode.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use sign_core::wire_enum;

wire_enum! {
    /// Payment channel (`Channel` in the spec).
    ///
    /// `alipay_pc` and `alipay_page` are the same route: the spec says both go to Alipay's
    /// `alipay.trade.page.pay` (`alipay_pc` is the name merchants use, `alipay_page` the historic
    /// one). The SDK accepts and sends both unchanged; [`Channel::route`] maps both to
    /// [`Channel::AlipayPage`] when you need to compare routes.
    Channel {
        /// WeChat Pay native (QR code).
        WechatNative = "wechat_native",
        /// WeChat Pay JSAPI (inside WeChat; needs `payer_openid`).
        WechatJsapi = "wechat_jsapi",
        /// Alipay desktop page pay; the same route as `alipay_page`. Needs `return_url`.
        AlipayPc = "alipay_pc",
        /// Alipay desktop page pay (historic name of `alipay_pc`). Needs `return_url`.
        AlipayPage = "alipay_page",
        /// Alipay mobile web pay. Needs `return_url`.
        AlipayWap = "alipay_wap",
        /// Alipay QR code.
        AlipayQr = "alipay_qr",
    }
}

impl Channel {
    /// The route this channel is served by: `alipay_pc` and `alipay_page` both give
    /// [`Channel::AlipayPage`]; every other channel is its own route.
    pub fn route(&self) -> Channel {
        match self {
            Channel::AlipayPc => Channel::AlipayPage,
            other => other.clone(),
        }
    }

    /// Whether the spec requires `return_url` for this channel (`alipay_pc`, `alipay_page`,
    /// `alipay_wap`: Alipay sends the browser back there after paying).
    pub fn requires_return_url(&self) -> bool {
        matches!(
            self,
            Channel::AlipayPc | Channel::AlipayPage | Channel::AlipayWap
        )
    }

    /// Whether the spec requires `payer_openid` for this channel (`wechat_jsapi`).
    pub fn requires_payer_openid(&self) -> bool {
        matches!(self, Channel::WechatJsapi)
    }
}

/// An amount in fen (1/100 CNY), shown to people as yuan: `¥128.00`.
///
/// ```
/// use ljpay_sdk::Fen;
/// assert_eq!(Fen(12_800).to_string(), "¥128.00");
/// assert_eq!(Fen(5).to_string(), "¥0.05");
/// assert_eq!(Fen(-150).to_string(), "-¥1.50");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fen(pub i64);

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}¥{}.{:02}", abs / 100, abs % 100)
    }
}

wire_enum! {
    /// Status of an order (`OrderStatus` in the spec).
    OrderStatus {
        /// Created, waiting for the payer.
        Pending = "PENDING",
        /// Paid in full.
        Paid = "PAID",
        /// Payment failed.
        Failed = "FAILED",
        /// Refunded in full.
        Refunded = "REFUNDED",
        /// Refunded in part.
        PartialRefunded = "PARTIAL_REFUNDED",
        /// Canceled before payment.
        Canceled = "CANCELED",
        /// Expired before payment.
        Expired = "EXPIRED",
        /// The payer paid after the order had been closed (needs manual handling or a refund).
        PayAfterClose = "PAY_AFTER_CLOSE",
    }
}

impl OrderStatus {
    /// Whether money has been received for this order (`PAID`, `PARTIAL_REFUNDED`,
    /// `REFUNDED`, `PAY_AFTER_CLOSE`).
    pub fn money_received(&self) -> bool {
        matches!(
            self,
            OrderStatus::Paid
                | OrderStatus::PartialRefunded
                | OrderStatus::Refunded
                | OrderStatus::PayAfterClose
        )
    }
}

wire_enum! {
    /// Status of a refund (`RefundStatus` in the spec).
    RefundStatus {
        /// Accepted, not finished.
        Processing = "PROCESSING",
        /// Refunded.
        Success = "SUCCESS",
        /// Refund failed.
        Failed = "FAILED",
        /// The payment centre does not know yet; query again later.
        Unknown = "UNKNOWN",
    }
}

wire_enum! {
    /// Error code of an [`ErrorResponse`] (all 18 codes of the spec's `ErrorCode`).
    ErrorCode {
        /// The `X-Pay-Signature` did not match (401).
        InvalidSignature = "INVALID_SIGNATURE",
        /// `X-Pay-Timestamp` outside the server's tolerance (401).
        ExpiredTimestamp = "EXPIRED_TIMESTAMP",
        /// `X-Pay-Nonce` was used before (401).
        ReplayedNonce = "REPLAYED_NONCE",
        /// Unknown `X-Pay-Site` (401).
        SiteNotFound = "SITE_NOT_FOUND",
        /// The site is disabled (401).
        SiteDisabled = "SITE_DISABLED",
        /// Too many requests; retried by the SDK with backoff.
        RateLimited = "RATE_LIMITED",
        /// The request failed validation (400).
        InvalidRequest = "INVALID_REQUEST",
        /// The amount is not acceptable (400).
        InvalidAmount = "INVALID_AMOUNT",
        /// A pending order already exists for this business order number (409).
        DuplicatePendingOrder = "DUPLICATE_PENDING_ORDER",
        /// The order has already been paid (409).
        OrderAlreadyPaid = "ORDER_ALREADY_PAID",
        /// No such order (404).
        OrderNotFound = "ORDER_NOT_FOUND",
        /// The order cannot be refunded in its current status.
        OrderNotRefundable = "ORDER_NOT_REFUNDABLE",
        /// The refund would exceed the paid amount.
        RefundAmountExceeded = "REFUND_AMOUNT_EXCEEDED",
        /// The channel is disabled for this site.
        ChannelDisabled = "CHANNEL_DISABLED",
        /// The channel is not implemented.
        ChannelNotImplemented = "CHANNEL_NOT_IMPLEMENTED",
        /// The upstream channel (WeChat / Alipay) failed (502).
        ChannelApiError = "CHANNEL_API_ERROR",
        /// A webhook was invalid.
        WebhookInvalid = "WEBHOOK_INVALID",
        /// The callback URL is blocked.
        CallbackUrlBlocked = "CALLBACK_URL_BLOCKED",
    }
}

/// The error body of every non-2xx answer (`ErrorResponse` in the spec).
///
/// ```
/// let e: ljpay_sdk::ErrorResponse =
///     serde_json::from_str(r#"{"code":"ORDER_NOT_FOUND","message":"no such order"}"#).unwrap();
/// assert_eq!(e.code, ljpay_sdk::ErrorCode::OrderNotFound);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorResponse {
    /// Machine-readable code.
    pub code: ErrorCode,
    /// Human-readable message.
    pub message: String,
    /// Extra details, as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Map<String, Value>>,
}

/// Body of `POST /api/v1/order/create` (`CreateOrderRequest` in the spec).
///
/// ```
/// use ljpay_sdk::{Channel, CreateOrderRequest};
/// let req = CreateOrderRequest::new("B-1001", 1999, Channel::AlipayPc, "Pear tea x2")
///     .return_url("https://shop.example/orders/B-1001");
/// assert_eq!(serde_json::to_value(&req).unwrap()["amount_fen"], 1999);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateOrderRequest {
    /// Business (merchant) order number, at most 128 characters. The SDK's de-duplication
    /// after an unknown outcome relies on it.
    pub biz_order_no: String,
    /// Amount in fen (1/100 CNY), at least 1.
    pub amount_fen: i64,
    /// Currency; the server's default is `CNY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Payment channel.
    pub channel: Channel,
    /// Order subject, at most 127 characters.
    pub subject: String,
    /// Payer's IP, at most 64 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_ip: Option<String>,
    /// Payer's user agent, at most 512 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// Payer's WeChat openid, at most 128 characters; required for `wechat_jsapi`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_openid: Option<String>,
    /// Where Alipay sends the browser after paying, at most 512 characters; required for
    /// `alipay_pc`, `alipay_page` and `alipay_wap`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_url: Option<String>,
    /// Pass-through data, returned untouched in the webhook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
}

impl CreateOrderRequest {
    /// A request with the four required fields.
    pub fn new(
        biz_order_no: impl Into<String>,
        amount_fen: i64,
        channel: Channel,
        subject: impl Into<String>,
    ) -> Self {
        CreateOrderRequest {
            biz_order_no: biz_order_no.into(),
            amount_fen,
            currency: None,
            channel,
            subject: subject.into(),
            client_ip: None,
            user_agent: None,
            payer_openid: None,
            return_url: None,
            metadata: None,
        }
    }

    /// Sets `currency`.
    pub fn currency(mut self, v: impl Into<String>) -> Self {
        self.currency = Some(v.into());
        self
    }
    /// Sets `client_ip`.
    pub fn client_ip(mut self, v: impl Into<String>) -> Self {
        self.client_ip = Some(v.into());
        self
    }
    /// Sets `user_agent`.
    pub fn user_agent(mut self, v: impl Into<String>) -> Self {
        self.user_agent = Some(v.into());
        self
    }
    /// Sets `payer_openid`.
    pub fn payer_openid(mut self, v: impl Into<String>) -> Self {
        self.payer_openid = Some(v.into());
        self
    }
    /// Sets `return_url`.
    pub fn return_url(mut self, v: impl Into<String>) -> Self {
        self.return_url = Some(v.into());
        self
    }
    /// Sets `metadata`.
    pub fn metadata(mut self, v: Map<String, Value>) -> Self {
        self.metadata = Some(v);
        self
    }
}

/// Answer of `POST /api/v1/order/create` (`CreateOrderResponse` in the spec).
///
/// ```
/// let r: ljpay_sdk::CreateOrderResponse = serde_json::from_str(
///     r#"{"order_no":"lp_1","biz_order_no":"B-1","amount_fen":100,"expires_at":1763800000}"#,
/// ).unwrap();
/// assert_eq!(r.expires_at.unwrap().timestamp(), 1_763_800_000);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateOrderResponse {
    /// Payment-centre order number (`lp_…`).
    pub order_no: String,
    /// Business order number.
    pub biz_order_no: String,
    /// Channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    /// Amount in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_fen: Option<i64>,
    /// When the order expires (Unix seconds on the wire).
    #[serde(
        default,
        with = "chrono::serde::ts_seconds_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires_at: Option<DateTime<Utc>>,
    /// What to show the payer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<Instructions>,
    /// Fields this version of the SDK does not know, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Payment instructions (`Instructions` in the spec), by their `type`.
///
/// ```
/// use ljpay_sdk::Instructions;
/// let i: Instructions = serde_json::from_str(r#"{"type":"REDIRECT","redirect_url":"https://x.example"}"#).unwrap();
/// assert!(matches!(i, Instructions::Redirect(_)));
/// let new: Instructions = serde_json::from_str(r#"{"type":"APP","app_params":"x"}"#).unwrap();
/// assert!(matches!(new, Instructions::Other(_)), "unknown types are kept, not refused");
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Instructions {
    /// `type: QR`: show a QR code.
    Qr(QrInstructions),
    /// `type: REDIRECT`: send the browser to `redirect_url`.
    Redirect(RedirectInstructions),
    /// `type: JSAPI`: call WeChat's JSAPI with `jsapi_params`.
    Jsapi(JsapiInstructions),
    /// A `type` this SDK does not know (or none); the whole object as sent.
    Other(Value),
}

/// QR instructions.
///
/// ```
/// let qr: ljpay_sdk::QrInstructions = serde_json::from_str(r#"{"raw_pay_url":"weixin://x"}"#).unwrap();
/// assert_eq!(qr.raw_pay_url.as_deref(), Some("weixin://x"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QrInstructions {
    /// The QR code as a PNG `data:` URL (base64).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_data_url: Option<String>,
    /// The raw payment URL encoded in the QR code (`weixin://…` or similar).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_pay_url: Option<String>,
    /// Fields this version of the SDK does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Why [`QrInstructions::png_bytes`] failed.
///
/// ```
/// let qr = ljpay_sdk::QrInstructions { qr_data_url: None, raw_pay_url: None, extra: Default::default() };
/// assert_eq!(qr.png_bytes(), Err(ljpay_sdk::QrDecodeError::Missing));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QrDecodeError {
    /// The instructions carry no `qr_data_url`.
    #[error("qr_data_url is missing")]
    Missing,
    /// `qr_data_url` is not a `data:image/png;base64,` URL.
    #[error("qr_data_url is not a base64 PNG data URL")]
    NotPngDataUrl,
    /// The base64 payload is invalid.
    #[error("qr_data_url has invalid base64: {0}")]
    Base64(String),
    /// The decoded bytes do not start with the PNG signature.
    #[error("qr_data_url does not contain PNG data")]
    NotPng,
}

impl QrInstructions {
    /// Decodes `qr_data_url` (`data:image/png;base64,…`) into the PNG's bytes.
    ///
    /// ```
    /// # use ljpay_sdk::QrInstructions;
    /// let qr = QrInstructions {
    ///     qr_data_url: Some("data:image/png;base64,iVBORw0KGgo=".into()),
    ///     raw_pay_url: None,
    ///     extra: Default::default(),
    /// };
    /// assert_eq!(&qr.png_bytes().unwrap()[1..4], b"PNG");
    /// ```
    pub fn png_bytes(&self) -> Result<Vec<u8>, QrDecodeError> {
        use base64::Engine as _;
        let url = self.qr_data_url.as_deref().ok_or(QrDecodeError::Missing)?;
        let (head, payload) = url.split_once(',').ok_or(QrDecodeError::NotPngDataUrl)?;
        let head = head.trim().to_ascii_lowercase();
        let media = head
            .strip_prefix("data:")
            .ok_or(QrDecodeError::NotPngDataUrl)?;
        let mut parts = media.split(';');
        let mime = parts.next().unwrap_or_default();
        let is_base64 = parts.any(|p| p == "base64");
        if mime != "image/png" || !is_base64 {
            return Err(QrDecodeError::NotPngDataUrl);
        }
        let cleaned: String = payload.chars().filter(|c| !c.is_whitespace()).collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(cleaned.as_bytes())
            .map_err(|e| QrDecodeError::Base64(e.to_string()))?;
        if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Err(QrDecodeError::NotPng);
        }
        Ok(bytes)
    }
}

/// REDIRECT instructions.
///
/// ```
/// let r: ljpay_sdk::RedirectInstructions = serde_json::from_str(r#"{"redirect_url":"https://x.example"}"#).unwrap();
/// assert_eq!(r.redirect_url.as_deref(), Some("https://x.example"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RedirectInstructions {
    /// Where to send the payer's browser.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    /// Fields this version of the SDK does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// JSAPI instructions.
///
/// ```
/// let j: ljpay_sdk::JsapiInstructions = serde_json::from_str(r#"{"jsapi_params":{"appId":"wx1"}}"#).unwrap();
/// assert_eq!(j.jsapi_params.unwrap()["appId"], "wx1");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsapiInstructions {
    /// Parameters for WeChat's `WeixinJSBridge.invoke('getBrandWCPayRequest', …)`, as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jsapi_params: Option<Map<String, Value>>,
    /// Fields this version of the SDK does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Serialize for Instructions {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        fn tagged<T: Serialize>(ty: &str, v: &T) -> Result<Value, serde_json::Error> {
            let mut value = serde_json::to_value(v)?;
            if let Value::Object(map) = &mut value {
                map.insert("type".into(), Value::String(ty.into()));
            }
            Ok(value)
        }
        let value = match self {
            Instructions::Qr(q) => tagged("QR", q),
            Instructions::Redirect(r) => tagged("REDIRECT", r),
            Instructions::Jsapi(j) => tagged("JSAPI", j),
            Instructions::Other(v) => Ok(v.clone()),
        }
        .map_err(serde::ser::Error::custom)?;
        value.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Instructions {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        let ty = value.get("type").and_then(Value::as_str).map(str::to_owned);
        let strip = |mut v: Value| {
            if let Value::Object(m) = &mut v {
                m.remove("type");
            }
            v
        };
        let de = serde::de::Error::custom;
        Ok(match ty.as_deref() {
            Some("QR") => Instructions::Qr(serde_json::from_value(strip(value)).map_err(de)?),
            Some("REDIRECT") => {
                Instructions::Redirect(serde_json::from_value(strip(value)).map_err(de)?)
            }
            Some("JSAPI") => Instructions::Jsapi(serde_json::from_value(strip(value)).map_err(de)?),
            _ => Instructions::Other(value),
        })
    }
}

/// An order as the query endpoints return it (`OrderInfo` in the spec).
///
/// ```
/// use ljpay_sdk::{Fen, OrderInfo, OrderStatus};
/// let o: OrderInfo = serde_json::from_str(
///     r#"{"order_no":"lp_1","biz_order_no":"B-1","status":"PAID","amount_fen":12800}"#,
/// ).unwrap();
/// assert_eq!(o.status, OrderStatus::Paid);
/// assert_eq!(Fen(o.amount_fen.unwrap_or_default()).to_string(), "¥128.00");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderInfo {
    /// Payment-centre order number (`lp_…`).
    pub order_no: String,
    /// Business order number.
    pub biz_order_no: String,
    /// Channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    /// Status.
    pub status: OrderStatus,
    /// Amount in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_fen: Option<i64>,
    /// Amount paid, in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_amount_fen: Option<i64>,
    /// Amount refunded so far, in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refunded_fen: Option<i64>,
    /// The channel's trade number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_trade_no: Option<String>,
    /// When the order was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    /// When it was paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_at: Option<DateTime<Utc>>,
    /// Fields this version of the SDK does not know, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Body of `POST /api/v1/order/cancel` (`CancelRequest` in the spec).
///
/// ```
/// let c = ljpay_sdk::CancelRequest::new("B-1");
/// assert_eq!(serde_json::to_string(&c).unwrap(), r#"{"biz_order_no":"B-1"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelRequest {
    /// Business order number of the unpaid order to cancel.
    pub biz_order_no: String,
}

impl CancelRequest {
    /// A cancel request.
    pub fn new(biz_order_no: impl Into<String>) -> Self {
        CancelRequest {
            biz_order_no: biz_order_no.into(),
        }
    }
}

/// Body of `POST /api/v1/order/refund` (`RefundRequest` in the spec).
///
/// `out_refund_no` is the merchant's unique refund number: repeating a refund with the same
/// `out_refund_no` refers to the same refund.
///
/// ```
/// let r = ljpay_sdk::RefundRequest::new("B-1", "R-1", 500).reason("damaged");
/// assert_eq!(serde_json::to_value(&r).unwrap()["refund_fen"], 500);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRequest {
    /// Business order number, at most 128 characters.
    pub biz_order_no: String,
    /// Merchant refund number, unique, at most 128 characters.
    pub out_refund_no: String,
    /// Amount to refund in fen, at least 1.
    pub refund_fen: i64,
    /// Reason, at most 255 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl RefundRequest {
    /// A refund request with the required fields.
    pub fn new(
        biz_order_no: impl Into<String>,
        out_refund_no: impl Into<String>,
        refund_fen: i64,
    ) -> Self {
        RefundRequest {
            biz_order_no: biz_order_no.into(),
            out_refund_no: out_refund_no.into(),
            refund_fen,
            reason: None,
        }
    }

    /// Sets `reason`.
    pub fn reason(mut self, v: impl Into<String>) -> Self {
        self.reason = Some(v.into());
        self
    }
}

/// Answer of `POST /api/v1/order/refund` (`RefundResponse` in the spec).
///
/// ```
/// let r: ljpay_sdk::RefundResponse = serde_json::from_str(r#"{"status":"SUCCESS","refund_fen":500}"#).unwrap();
/// assert_eq!(r.status.to_string(), "SUCCESS");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefundResponse {
    /// Payment-centre refund number (`lpr_…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_no: Option<String>,
    /// Merchant refund number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_refund_no: Option<String>,
    /// Status.
    pub status: RefundStatus,
    /// Amount in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_fen: Option<i64>,
    /// The channel's refund id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_refund_id: Option<String>,
    /// Fields this version of the SDK does not know, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// What [`Orders::create`](crate::Orders::create) returns.
///
/// Normally `Created`. When the outcome of a create attempt was unknown (a timeout or a
/// connection lost after the request was sent), the SDK looks the order up by `biz_order_no`
/// before trying again; if the order is there it is returned as `AlreadyExists` (without
/// payment instructions, which only the create answer carries) and no second order is made.
/// Check its `status` and `amount_fen`: an order made earlier under the same business number is
/// returned the same way.
///
/// ```
/// use ljpay_sdk::{CreateOrderOutcome, OrderInfo};
/// let found: OrderInfo = serde_json::from_str(r#"{"order_no":"lp_1","biz_order_no":"B-1","status":"PENDING"}"#).unwrap();
/// let outcome = CreateOrderOutcome::AlreadyExists(found);
/// assert_eq!(outcome.order_no(), "lp_1");
/// assert!(outcome.instructions().is_none(), "only a create answer carries instructions");
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CreateOrderOutcome {
    /// The order was created by this call.
    Created(CreateOrderResponse),
    /// The order was already there (found by `biz_order_no` after an unknown outcome).
    AlreadyExists(OrderInfo),
}

impl CreateOrderOutcome {
    /// The payment-centre order number.
    pub fn order_no(&self) -> &str {
        match self {
            CreateOrderOutcome::Created(c) => &c.order_no,
            CreateOrderOutcome::AlreadyExists(o) => &o.order_no,
        }
    }
    /// The business order number.
    pub fn biz_order_no(&self) -> &str {
        match self {
            CreateOrderOutcome::Created(c) => &c.biz_order_no,
            CreateOrderOutcome::AlreadyExists(o) => &o.biz_order_no,
        }
    }
    /// The payment instructions, present only when this call created the order.
    pub fn instructions(&self) -> Option<&Instructions> {
        match self {
            CreateOrderOutcome::Created(c) => c.instructions.as_ref(),
            CreateOrderOutcome::AlreadyExists(_) => None,
        }
    }
    /// The create answer, if this call created the order.
    pub fn created(self) -> Option<CreateOrderResponse> {
        match self {
            CreateOrderOutcome::Created(c) => Some(c),
            CreateOrderOutcome::AlreadyExists(_) => None,
        }
    }
}

impl Serialize for CreateOrderOutcome {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(tag = "outcome", rename_all = "snake_case")]
        enum Repr<'a> {
            Created { order: &'a CreateOrderResponse },
            AlreadyExists { order: &'a OrderInfo },
        }
        match self {
            CreateOrderOutcome::Created(order) => Repr::Created { order },
            CreateOrderOutcome::AlreadyExists(order) => Repr::AlreadyExists { order },
        }
        .serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn request_wire_forms_are_pinned() {
        let req = CreateOrderRequest::new("B-1", 100, Channel::AlipayPc, "s")
            .return_url("https://x.example/r");
        assert_eq!(
            serde_json::to_value(&req).unwrap(),
            json!({"biz_order_no": "B-1", "amount_fen": 100, "channel": "alipay_pc",
                   "subject": "s", "return_url": "https://x.example/r"})
        );
        let refund = RefundRequest::new("B-1", "R-1", 5);
        assert_eq!(
            serde_json::to_value(&refund).unwrap(),
            json!({"biz_order_no": "B-1", "out_refund_no": "R-1", "refund_fen": 5})
        );
        assert_eq!(
            serde_json::to_value(CancelRequest::new("B-1")).unwrap(),
            json!({"biz_order_no": "B-1"})
        );
    }

    #[test]
    fn instructions_by_type_round_trip() {
        for v in [
            json!({"type": "QR", "qr_data_url": "data:image/png;base64,AA==", "raw_pay_url": "weixin://x"}),
            json!({"type": "REDIRECT", "redirect_url": "https://x.example"}),
            json!({"type": "JSAPI", "jsapi_params": {"appId": "wx"}}),
            json!({"type": "APP", "app_params": "new"}),
            json!({"qr_data_url": "no type"}),
        ] {
            let i: Instructions = serde_json::from_value(v.clone()).unwrap();
            assert_eq!(serde_json::to_value(&i).unwrap(), v);
        }
        let other: Instructions = serde_json::from_value(json!({"type": "APP"})).unwrap();
        assert!(matches!(other, Instructions::Other(_)));
    }

    #[test]
    fn png_bytes_rejects_what_is_not_a_png_data_url() {
        let qr = |url: &str| QrInstructions {
            qr_data_url: Some(url.into()),
            raw_pay_url: None,
            extra: Map::new(),
        };
        // base64 of the 8-byte PNG signature (RFC 2083): 89 50 4E 47 0D 0A 1A 0A
        assert!(qr("data:image/png;base64,iVBORw0KGgo=").png_bytes().is_ok());
        assert!(qr("DATA:IMAGE/PNG;BASE64,iVBORw0KGgo=").png_bytes().is_ok());
        assert_eq!(
            qr("data:image/jpeg;base64,iVBORw0KGgo=").png_bytes(),
            Err(QrDecodeError::NotPngDataUrl)
        );
        assert_eq!(
            qr("https://x.example/qr.png").png_bytes(),
            Err(QrDecodeError::NotPngDataUrl)
        );
        assert!(matches!(
            qr("data:image/png;base64,!!!").png_bytes(),
            Err(QrDecodeError::Base64(_))
        ));
        // "hello" is valid base64 content but not a PNG
        assert_eq!(
            qr("data:image/png;base64,aGVsbG8=").png_bytes(),
            Err(QrDecodeError::NotPng)
        );
        let none = QrInstructions {
            qr_data_url: None,
            raw_pay_url: None,
            extra: Map::new(),
        };
        assert_eq!(none.png_bytes(), Err(QrDecodeError::Missing));
    }

    #[test]
    fn channel_routes_and_status_helpers() {
        assert_eq!(Channel::AlipayPc.route(), Channel::AlipayPage);
        assert_eq!(Channel::AlipayPage.route(), Channel::AlipayPage);
        assert_ne!(Channel::AlipayPc, Channel::AlipayPage, "both kept as sent");
        assert!(OrderStatus::PartialRefunded.money_received());
        assert!(!OrderStatus::Canceled.money_received());
    }

    #[test]
    fn create_outcome_serializes_tagged() {
        let info: OrderInfo = serde_json::from_value(json!({
            "order_no": "lp_1", "biz_order_no": "B", "status": "PENDING"
        }))
        .unwrap();
        let v = serde_json::to_value(CreateOrderOutcome::AlreadyExists(info)).unwrap();
        assert_eq!(v["outcome"], "already_exists");
        assert_eq!(v["order"]["order_no"], "lp_1");
    }
}
