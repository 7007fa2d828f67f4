//! Orders: create, query by either number, cancel.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::Method;
use sign_core::policy::Idempotency;

use crate::client::{Op, Request};
use crate::error::Error;
use crate::models::{
    CancelRequest, CreateOrderOutcome, CreateOrderRequest, CreateOrderResponse, ErrorCode,
    OrderInfo, OrderStatus,
};
use crate::once::{send_once, Settled};
use crate::validate;
use crate::Client;

/// `POST /api/v1/order/create`.
pub const PATH_CREATE: &str = "/api/v1/order/create";
/// `GET /api/v1/order/by-biz-no/{biz_order_no}`.
pub const PATH_BY_BIZ_NO: &str = "/api/v1/order/by-biz-no/";
/// `GET /api/v1/order/by-pay-no/{order_no}`.
pub const PATH_BY_PAY_NO: &str = "/api/v1/order/by-pay-no/";
/// `POST /api/v1/order/cancel`.
pub const PATH_CANCEL: &str = "/api/v1/order/cancel";

/// Characters kept as they are in a path segment: RFC 3986 unreserved. Everything else is
/// percent-encoded, so a `biz_order_no` such as `A/B 1` stays one segment (`A%2FB%201`).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment (RFC 3986 unreserved characters stay).
///
/// ```
/// assert_eq!(ljpay_sdk::encode_path_segment("A/B 1梨"), "A%2FB%201%E6%A2%A8");
/// ```
pub fn encode_path_segment(segment: &str) -> String {
    utf8_percent_encode(segment, SEGMENT).to_string()
}

const CREATE: Op = Op {
    name: "create_order",
    method: Method::POST,
    idempotency: Idempotency::NonIdempotent,
    if_unknown: "look the order up by biz_order_no before creating it again",
};

const GET: Op = Op {
    name: "get_order",
    method: Method::GET,
    idempotency: Idempotency::Idempotent,
    if_unknown: "",
};

const CANCEL: Op = Op {
    name: "cancel_order",
    method: Method::POST,
    idempotency: Idempotency::NonIdempotent,
    if_unknown: "look the order up by biz_order_no before canceling it again",
};

/// Order operations, borrowed from a [`Client`] by [`Client::orders`].
#[derive(Debug, Clone, Copy)]
pub struct Orders<'a> {
    client: &'a Client,
}

impl<'a> Orders<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Orders { client }
    }

    /// Creates a payment order.
    ///
    /// Never creates two orders for one call: the request is repeated only when it certainly
    /// did not take effect (no connection, or `RATE_LIMITED`). When the outcome of an attempt is
    /// unknown (a timeout or a connection lost after sending, a 5xx other than the documented
    /// 502 `CHANNEL_API_ERROR`, or a 2xx that cannot be read), the order is looked up by
    /// `biz_order_no`:
    ///
    /// - found, `PENDING` or `PAID`, with the requested amount and channel (route):
    ///   [`CreateOrderOutcome::AlreadyExists`];
    /// - found with another amount, channel or status (an old expired order under the same
    ///   number, say): [`Error::Conflict`], never this call's success;
    /// - `ORDER_NOT_FOUND`: the create is sent again, re-signed, within the retry budget.
    ///
    /// A `DUPLICATE_PENDING_ORDER` answer after an unknown attempt is settled the same way. If
    /// the SDK still cannot tell, it returns [`Error::OutcomeUnknown`].
    ///
    /// ```
    /// # #[cfg(feature = "testing")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use ljpay_sdk::{Channel, CreateOrderRequest, Instructions};
    /// let sim = ljpay_sdk::testing::Simulator::start().await;
    /// let client = sim.client();
    /// let req = CreateOrderRequest::new("B-1001", 1999, Channel::WechatNative, "Pear tea");
    /// let outcome = client.orders().create(&req).await?;
    /// if let Some(Instructions::Qr(qr)) = outcome.instructions() {
    ///     assert!(qr.png_bytes().is_ok());
    /// }
    /// # Ok(()) }
    /// # #[cfg(not(feature = "testing"))]
    /// # fn main() {}
    /// ```
    pub async fn create(&self, req: &CreateOrderRequest) -> Result<CreateOrderOutcome, Error> {
        validate::create_order(req)?;
        // A typical order fits without the buffer growing.
        let mut body = Vec::with_capacity(256);
        serde_json::to_writer(&mut body, req).map_err(|e| Error::Validation {
            field: "metadata",
            reason: format!("cannot be serialized: {e}"),
        })?;
        let request = Request {
            op: &CREATE,
            reference: &req.biz_order_no,
            path: PATH_CREATE.into(),
            body: Some(body.into()),
        };
        let settle = || async {
            match self.get_by_biz_order_no(&req.biz_order_no).await {
                Ok(order) => reconcile_create(req, order),
                Err(Error::Api {
                    code: ErrorCode::OrderNotFound,
                    ..
                }) => Settled::NotThere,
                Err(e) => Settled::Unclear(e.to_string()),
            }
        };
        send_once(
            self.client,
            &request,
            |b| serde_json::from_slice::<CreateOrderResponse>(b),
            CreateOrderOutcome::Created,
            |e| e.code() == Some(&ErrorCode::DuplicatePendingOrder),
            Some(settle),
        )
        .await
    }

    /// Looks an order up by the business order number (retried on transient errors).
    ///
    /// ```
    /// # #[cfg(feature = "testing")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sim = ljpay_sdk::testing::Simulator::start().await;
    /// let e = sim.client().orders().get_by_biz_order_no("B-404").await.unwrap_err();
    /// assert_eq!(e.code(), Some(&ljpay_sdk::ErrorCode::OrderNotFound));
    /// # Ok(()) }
    /// # #[cfg(not(feature = "testing"))]
    /// # fn main() {}
    /// ```
    pub async fn get_by_biz_order_no(&self, biz_order_no: &str) -> Result<OrderInfo, Error> {
        validate::biz_order_no(biz_order_no)?;
        validate::path_segment("biz_order_no", biz_order_no)?;
        self.get(PATH_BY_BIZ_NO, biz_order_no).await
    }

    /// Looks an order up by the payment-centre order number (`lp_…`; retried on transient
    /// errors).
    ///
    /// ```
    /// # #[cfg(feature = "testing")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sim = ljpay_sdk::testing::Simulator::start().await;
    /// let e = sim.client().orders().get_by_order_no("lp_404").await.unwrap_err();
    /// assert_eq!(e.status(), Some(404));
    /// # Ok(()) }
    /// # #[cfg(not(feature = "testing"))]
    /// # fn main() {}
    /// ```
    pub async fn get_by_order_no(&self, order_no: &str) -> Result<OrderInfo, Error> {
        validate::path_segment("order_no", order_no)?;
        self.get(PATH_BY_PAY_NO, order_no).await
    }

    async fn get(&self, prefix: &str, key: &str) -> Result<OrderInfo, Error> {
        let mut path = String::with_capacity(prefix.len() + key.len() * 3);
        path.push_str(prefix);
        path.extend(utf8_percent_encode(key, SEGMENT));
        let request = Request {
            op: &GET,
            reference: key,
            path: path.into(),
            body: None,
        };
        self.client
            .send(&request, |b| serde_json::from_slice::<OrderInfo>(b))
            .await
    }

    /// Cancels an unpaid order.
    ///
    /// Repeated when it certainly did not take effect (no connection, `RATE_LIMITED`). When the
    /// outcome is unknown (timeout, connection lost, 5xx) the order is looked up: `CANCELED`
    /// counts as success, `PENDING` means the cancel did not happen and it is sent again (within
    /// the retry budget); otherwise [`Error::OutcomeUnknown`] is returned.
    ///
    /// ```
    /// # #[cfg(feature = "testing")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use ljpay_sdk::{Channel, CreateOrderRequest, OrderStatus};
    /// let sim = ljpay_sdk::testing::Simulator::start().await;
    /// let client = sim.client();
    /// client.orders().create(&CreateOrderRequest::new("B-7", 100, Channel::AlipayQr, "tea")).await?;
    /// client.orders().cancel("B-7").await?;
    /// assert_eq!(client.orders().get_by_biz_order_no("B-7").await?.status, OrderStatus::Canceled);
    /// # Ok(()) }
    /// # #[cfg(not(feature = "testing"))]
    /// # fn main() {}
    /// ```
    pub async fn cancel(&self, biz_order_no: &str) -> Result<(), Error> {
        validate::biz_order_no(biz_order_no)?;
        let body = serde_json::to_vec(&CancelRequest::new(biz_order_no)).map_err(|e| {
            Error::Validation {
                field: "biz_order_no",
                reason: format!("cannot be serialized: {e}"),
            }
        })?;
        let request = Request {
            op: &CANCEL,
            reference: biz_order_no,
            path: PATH_CANCEL.into(),
            body: Some(body.into()),
        };
        let settle = || async {
            match self.get_by_biz_order_no(biz_order_no).await {
                Ok(order) if order.status == OrderStatus::Canceled => Settled::Done(()),
                Ok(order) if order.status == OrderStatus::Pending => Settled::NotThere,
                Ok(order) => Settled::Unclear(format!("the order is {}", order.status)),
                Err(e) => Settled::Unclear(e.to_string()),
            }
        };
        send_once(
            self.client,
            &request,
            |_| Ok(()),
            |()| (),
            |_| false,
            Some(settle),
        )
        .await
    }
}

/// Whether the order a lookup found is what this create would have made: same amount, same
/// channel route, and `PENDING` (or already `PAID` by a fast payer). Anything else under the
/// same `biz_order_no` is another order.
fn reconcile_create(req: &CreateOrderRequest, order: OrderInfo) -> Settled<CreateOrderOutcome> {
    let (Some(amount), Some(channel)) = (order.amount_fen, order.channel.as_ref()) else {
        return Settled::Unclear(format!(
            "order {} was found, but its answer lacks amount_fen or channel to compare",
            order.order_no
        ));
    };
    let mut differs = Vec::new();
    if amount != req.amount_fen {
        differs.push(format!(
            "amount_fen {amount} (this call asked for {})",
            req.amount_fen
        ));
    }
    if channel.route() != req.channel.route() {
        differs.push(format!(
            "channel {channel} (this call asked for {})",
            req.channel
        ));
    }
    if !matches!(order.status, OrderStatus::Pending | OrderStatus::Paid) {
        differs.push(format!("status {}", order.status));
    }
    if differs.is_empty() {
        Settled::Done(CreateOrderOutcome::AlreadyExists(order))
    } else {
        Settled::Conflict(format!(
            "order {} under this biz_order_no has {}",
            order.order_no,
            differs.join(", ")
        ))
    }
}
