//! Orders: create, query by either number, cancel.

use std::time::Instant;

use reqwest::Method;

use crate::client::{decode, encode_path_segment, error_from, is_rate_limited, AttemptError};
use crate::error::Error;
use crate::models::{
    CancelRequest, CreateOrderOutcome, CreateOrderRequest, CreateOrderResponse, ErrorCode,
    OrderInfo, OrderStatus,
};
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
    /// unknown (a timeout or a connection lost after sending, or a 5xx other than the
    /// documented 502), the order is first looked up by `biz_order_no`: if it is there it is
    /// returned as [`CreateOrderOutcome::AlreadyExists`], if the lookup says `ORDER_NOT_FOUND`
    /// the create is sent again (re-signed). A `DUPLICATE_PENDING_ORDER` answer after an unknown
    /// attempt is resolved the same way. If the SDK still cannot tell, it returns
    /// [`Error::OutcomeUnknown`].
    ///
    /// ```no_run
    /// # async fn run(client: ljpay_sdk::Client) -> Result<(), ljpay_sdk::Error> {
    /// use ljpay_sdk::{Channel, CreateOrderRequest, Instructions};
    /// let req = CreateOrderRequest::new("B-1001", 1999, Channel::WechatNative, "Pear tea");
    /// let outcome = client.orders().create(&req).await?;
    /// if let Some(Instructions::Qr(qr)) = outcome.instructions() {
    ///     let png = qr.png_bytes();
    /// }
    /// # Ok(()) }
    /// ```
    #[tracing::instrument(name = "ljpay.create_order", skip_all, fields(biz_order_no = %req.biz_order_no))]
    pub async fn create(&self, req: &CreateOrderRequest) -> Result<CreateOrderOutcome, Error> {
        validate::create_order(req)?;
        let body = serde_json::to_vec(req).map_err(|e| Error::Validation {
            field: "metadata",
            reason: format!("cannot be serialized: {e}"),
        })?;
        let policy = self.client.retry_policy().clone();
        let started = Instant::now();
        let mut attempt = 0u32;
        // The error of the latest attempt whose outcome is unknown, not yet resolved by a lookup.
        let mut unresolved: Option<Error> = None;
        // Whether any attempt so far had an unknown outcome.
        let mut had_unknown = false;
        loop {
            if let Some(unknown) = unresolved.take() {
                match self.get_by_biz_order_no(&req.biz_order_no).await {
                    Ok(order) => return Ok(CreateOrderOutcome::AlreadyExists(order)),
                    Err(Error::Api {
                        code: ErrorCode::OrderNotFound,
                        ..
                    }) => {
                        // Not there: safe to send the create again, if the budget allows.
                        if attempt >= policy.max_attempts || started.elapsed() >= policy.max_elapsed
                        {
                            return Err(outcome_unknown(req, unknown));
                        }
                    }
                    Err(_) => return Err(outcome_unknown(req, unknown)),
                }
            }
            attempt += 1;
            if attempt > 1 {
                tokio::time::sleep(policy.backoff(attempt - 1)).await;
            }
            let last_attempt =
                attempt >= policy.max_attempts || started.elapsed() >= policy.max_elapsed;
            match self
                .client
                .attempt(Method::POST, PATH_CREATE, Some(&body))
                .await
            {
                Err(AttemptError::NotSent(e)) => {
                    if last_attempt {
                        return Err(if had_unknown {
                            outcome_unknown(req, e)
                        } else {
                            e
                        });
                    }
                }
                Err(AttemptError::Unknown(e)) => {
                    had_unknown = true;
                    unresolved = Some(e);
                }
                Ok(raw) => match decode::<CreateOrderResponse>(&raw) {
                    Ok(created) => return Ok(CreateOrderOutcome::Created(created)),
                    Err(e) if is_rate_limited(&e) && !last_attempt => {}
                    Err(e @ Error::Api { status: 502, .. }) => return Err(e),
                    Err(
                        e @ Error::Api {
                            code: ErrorCode::DuplicatePendingOrder,
                            ..
                        },
                    ) if had_unknown => unresolved = Some(e),
                    // a 5xx, or a 2xx we cannot read: the order may exist
                    Err(e) if raw.status >= 500 || raw.status < 300 => {
                        had_unknown = true;
                        unresolved = Some(e);
                    }
                    Err(e) => {
                        return Err(if had_unknown && is_rate_limited(&e) {
                            outcome_unknown(req, e)
                        } else {
                            e
                        })
                    }
                },
            }
        }
    }

    /// Looks an order up by the business order number (retried on transient errors).
    pub async fn get_by_biz_order_no(&self, biz_order_no: &str) -> Result<OrderInfo, Error> {
        validate::biz_order_no(biz_order_no)?;
        validate::path_segment("biz_order_no", biz_order_no)?;
        let path = format!("{PATH_BY_BIZ_NO}{}", encode_path_segment(biz_order_no));
        self.client.query(&path).await
    }

    /// Looks an order up by the payment-centre order number (`lp_…`; retried on transient
    /// errors).
    pub async fn get_by_order_no(&self, order_no: &str) -> Result<OrderInfo, Error> {
        validate::path_segment("order_no", order_no)?;
        let path = format!("{PATH_BY_PAY_NO}{}", encode_path_segment(order_no));
        self.client.query(&path).await
    }

    /// Cancels an unpaid order.
    ///
    /// Repeated when it certainly did not take effect (no connection, `RATE_LIMITED`). When the
    /// outcome is unknown (timeout, connection lost, 5xx) the order is looked up: `CANCELED`
    /// counts as success, `PENDING` means the cancel did not happen and it is sent again (within
    /// the retry budget); otherwise [`Error::OutcomeUnknown`] is returned.
    #[tracing::instrument(name = "ljpay.cancel_order", skip_all, fields(biz_order_no = biz_order_no))]
    pub async fn cancel(&self, biz_order_no: &str) -> Result<(), Error> {
        validate::biz_order_no(biz_order_no)?;
        let body = serde_json::to_vec(&CancelRequest::new(biz_order_no)).map_err(|e| {
            Error::Validation {
                field: "biz_order_no",
                reason: format!("cannot be serialized: {e}"),
            }
        })?;
        let policy = self.client.retry_policy().clone();
        let started = Instant::now();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let last = attempt >= policy.max_attempts || started.elapsed() >= policy.max_elapsed;
            let unknown = |e| Error::OutcomeUnknown {
                operation: "cancel_order",
                biz_order_no: biz_order_no.to_owned(),
                source: Box::new(e),
            };
            let unsure = match self
                .client
                .attempt(Method::POST, PATH_CANCEL, Some(&body))
                .await
            {
                Err(AttemptError::NotSent(e)) if last => return Err(e),
                Err(AttemptError::NotSent(_)) => None,
                Err(AttemptError::Unknown(e)) => Some(e),
                Ok(raw) if (200..300).contains(&raw.status) => return Ok(()),
                Ok(raw) => {
                    let e = error_from(&raw);
                    if raw.status >= 500 {
                        Some(e)
                    } else if !is_rate_limited(&e) || last {
                        return Err(e);
                    } else {
                        None
                    }
                }
            };
            if let Some(e) = unsure {
                // Resolve by looking the order up: canceled means done; still pending means
                // the cancel did not take effect and may be sent again.
                match self.get_by_biz_order_no(biz_order_no).await {
                    Ok(order) if order.status == OrderStatus::Canceled => return Ok(()),
                    Ok(order) if order.status == OrderStatus::Pending && !last => {}
                    _ => return Err(unknown(e)),
                }
            }
            tokio::time::sleep(policy.backoff(attempt)).await;
        }
    }
}

fn outcome_unknown(req: &CreateOrderRequest, source: Error) -> Error {
    Error::OutcomeUnknown {
        operation: "create_order",
        biz_order_no: req.biz_order_no.clone(),
        source: Box::new(source),
    }
}
