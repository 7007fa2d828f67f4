//! Refunds.

use std::time::Instant;

use reqwest::Method;

use crate::client::{decode, is_rate_limited, AttemptError};
use crate::error::Error;
use crate::models::{RefundRequest, RefundResponse};
use crate::validate;
use crate::Client;

/// `POST /api/v1/order/refund`.
pub const PATH_REFUND: &str = "/api/v1/order/refund";

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
    /// lost, or a 5xx), returns [`Error::RefundOutcomeUnknown`]: repeat the call with the same
    /// `out_refund_no`, which the payment centre treats as the same refund.
    ///
    /// ```no_run
    /// # async fn run(client: ljpay_sdk::Client) -> Result<(), ljpay_sdk::Error> {
    /// use ljpay_sdk::{Error, RefundRequest};
    /// let req = RefundRequest::new("B-1001", "R-1001-1", 500).reason("damaged");
    /// match client.refunds().create(&req).await {
    ///     Ok(refund) => println!("{:?}", refund.status),
    ///     Err(Error::RefundOutcomeUnknown { .. }) => { /* repeat later with the same out_refund_no */ }
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    #[tracing::instrument(name = "ljpay.refund", skip_all, fields(biz_order_no = %req.biz_order_no, out_refund_no = %req.out_refund_no))]
    pub async fn create(&self, req: &RefundRequest) -> Result<RefundResponse, Error> {
        validate::refund(req)?;
        let body = serde_json::to_vec(req).map_err(|e| Error::Validation {
            field: "reason",
            reason: format!("cannot be serialized: {e}"),
        })?;
        let policy = self.client.retry_policy().clone();
        let started = Instant::now();
        let unknown = |e| Error::RefundOutcomeUnknown {
            biz_order_no: req.biz_order_no.clone(),
            out_refund_no: req.out_refund_no.clone(),
            source: Box::new(e),
        };
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let last = attempt >= policy.max_attempts || started.elapsed() >= policy.max_elapsed;
            match self
                .client
                .attempt(Method::POST, PATH_REFUND, Some(&body))
                .await
            {
                Err(AttemptError::NotSent(e)) if last => return Err(e),
                Err(AttemptError::NotSent(_)) => {}
                Err(AttemptError::Unknown(e)) => return Err(unknown(e)),
                Ok(raw) => match decode::<RefundResponse>(&raw) {
                    Ok(r) => return Ok(r),
                    Err(e) if is_rate_limited(&e) && !last => {}
                    // a 5xx, or a 2xx we cannot read: the refund may have been accepted
                    Err(e) if raw.status >= 500 || raw.status < 300 => return Err(unknown(e)),
                    Err(e) => return Err(e),
                },
            }
            tokio::time::sleep(policy.backoff(attempt)).await;
        }
    }
}
