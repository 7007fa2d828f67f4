//! Refunds.

use reqwest::Method;
use sign_core::policy::Idempotency;

use crate::client::{Op, Request};
use crate::error::Error;
use crate::models::{RefundRequest, RefundResponse};
use crate::once::{send_once, Settled};
use crate::validate;
use crate::Client;

/// `POST /api/v1/order/refund`.
pub const PATH_REFUND: &str = "/api/v1/order/refund";

const REFUND: Op = Op {
    name: "refund",
    method: Method::POST,
    idempotency: Idempotency::NonIdempotent,
    if_unknown: "it is safe to repeat the call with the same out_refund_no, which LJPay treats as the same refund",
};

/// Refund operations, borrowed from a [`Client`] by [`Client::refunds`].
#[derive(Debug, Clone, Copy)]
pub struct Refunds<'a> {
    client: &'a Client,
}

impl<'a> Refunds<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Refunds { client }
    }

    /// Requests a refund.
    ///
    /// Repeated automatically only when it certainly did not take effect (no connection, or
    /// `RATE_LIMITED`). When the request was sent but no answer came back (timeout, connection
    /// lost, or a 5xx), returns [`Error::OutcomeUnknown`] with the `out_refund_no` as its
    /// reference: the spec has no refund lookup, so the SDK cannot settle it; repeat the call
    /// with the same `out_refund_no`, which the payment centre treats as the same refund.
    ///
    /// ```
    /// # #[cfg(feature = "testing")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use ljpay_sdk::{Channel, CreateOrderRequest, Error, RefundRequest, RefundStatus};
    /// let sim = ljpay_sdk::testing::Simulator::start().await;
    /// let client = sim.client();
    /// client.orders().create(&CreateOrderRequest::new("B-1001", 1000, Channel::AlipayQr, "tea")).await?;
    /// sim.mark_paid("B-1001")?;
    /// let req = RefundRequest::new("B-1001", "R-1001-1", 500).reason("damaged");
    /// match client.refunds().create(&req).await {
    ///     Ok(refund) => assert_eq!(refund.status, RefundStatus::Success),
    ///     Err(Error::OutcomeUnknown { .. }) => { /* repeat later with the same out_refund_no */ }
    ///     Err(e) => return Err(e.into()),
    /// }
    /// # Ok(()) }
    /// # #[cfg(not(feature = "testing"))]
    /// # fn main() {}
    /// ```
    pub async fn create(&self, req: &RefundRequest) -> Result<RefundResponse, Error> {
        validate::refund(req)?;
        let body = serde_json::to_vec(req).map_err(|e| Error::Validation {
            field: "reason",
            reason: format!("cannot be serialized: {e}"),
        })?;
        let request = Request {
            op: &REFUND,
            reference: &req.out_refund_no,
            path: PATH_REFUND.into(),
            body: Some(body.into()),
        };
        // The spec has no refund lookup: an unknown outcome stays unknown.
        let no_lookup: Option<fn() -> std::future::Ready<Settled<RefundResponse>>> = None;
        send_once(
            self.client,
            &request,
            |b| serde_json::from_slice::<RefundResponse>(b),
            |r| r,
            |_| false,
            no_lookup,
        )
        .await
    }
}
