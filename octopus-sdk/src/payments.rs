//! Payments: create (with de-duplication), get, update status (internal),
//! simulate (test environments only), and wait for a final status.

use std::time::{Duration, Instant};

use futures::stream::{self, BoxStream, StreamExt};

use reqwest::Method;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::client::{Call, Client, Environment};
use crate::error::{ApiErrorCode, Error, Result};
use crate::models::{default_currency, Payment, PaymentMethod, PaymentStatus, PaymentStatusChange};
use crate::validate;

/// Body of `POST /payments`.
///
/// ```
/// use octopus_sdk::payments::CreatePayment;
/// let req = CreatePayment::new("order-1", "100.00".parse().unwrap())
///     .return_url("https://shop.example/ok");
/// assert_eq!(
///     serde_json::to_string(&req).unwrap(),
///     r#"{"orderId":"order-1","amount":100.00,"currency":"HKD","method":"octopus_qr","returnUrl":"https://shop.example/ok"}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatePayment {
    /// The order to pay.
    pub order_id: String,
    /// Amount: > 0, at most 2 decimals.
    #[serde(with = "crate::money")]
    pub amount: Decimal,
    /// Currency, `HKD` by default.
    pub currency: String,
    /// Method, `octopus_qr`.
    pub method: PaymentMethod,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where the customer returns after paying.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_url: Option<String>,
    /// Where the customer returns after cancelling.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_url: Option<String>,
}

impl CreatePayment {
    /// An `octopus_qr` payment of `amount` HKD for `order_id`.
    pub fn new(order_id: impl Into<String>, amount: Decimal) -> Self {
        Self {
            order_id: order_id.into(),
            amount,
            currency: default_currency(),
            method: PaymentMethod::OctopusQr,
            description: None,
            return_url: None,
            cancel_url: None,
        }
    }

    /// Sets the currency.
    pub fn currency(mut self, c: impl Into<String>) -> Self {
        self.currency = c.into();
        self
    }

    /// Sets the description.
    pub fn description(mut self, d: impl Into<String>) -> Self {
        self.description = Some(d.into());
        self
    }

    /// Sets the return URL.
    pub fn return_url(mut self, u: impl Into<String>) -> Self {
        self.return_url = Some(u.into());
        self
    }

    /// Sets the cancel URL.
    pub fn cancel_url(mut self, u: impl Into<String>) -> Self {
        self.cancel_url = Some(u.into());
        self
    }

    /// Checks the spec's rules.
    pub fn validate(&self) -> Result<()> {
        validate::id("orderId", &self.order_id)?;
        validate::amount("amount", &self.amount)?;
        validate::currency("currency", &self.currency)?;
        if let PaymentMethod::Other(m) = &self.method {
            return Err(Error::validation(
                "method",
                format!("{m:?} is not supported; use octopus_qr"),
            ));
        }
        if let Some(d) = &self.description {
            validate::non_empty("description", d)?;
        }
        if let Some(u) = &self.return_url {
            validate::http_url("returnUrl", u)?;
        }
        if let Some(u) = &self.cancel_url {
            validate::http_url("cancelUrl", u)?;
        }
        Ok(())
    }
}

/// Body of `PATCH /payments/{id}/status` (an internal endpoint).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdatePaymentStatus {
    /// The new status.
    pub status: PaymentStatus,
    /// Octopus transaction id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub octopus_transaction_id: Option<String>,
    /// Octopus's raw response (a JSON string).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub octopus_response: Option<String>,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
}

impl UpdatePaymentStatus {
    /// A change to `status` with nothing else.
    pub fn new(status: PaymentStatus) -> Self {
        Self {
            status,
            octopus_transaction_id: None,
            octopus_response: None,
            failure_reason: None,
        }
    }

    /// Checks the status is a documented one.
    pub fn validate(&self) -> Result<()> {
        if let PaymentStatus::Other(s) = &self.status {
            return Err(Error::validation(
                "status",
                format!("{s:?} is not a documented payment status"),
            ));
        }
        if let Some(t) = &self.octopus_transaction_id {
            validate::non_empty("octopusTransactionId", t)?;
        }
        Ok(())
    }
}

/// The payments API, borrowed from a [`Client`] with [`Client::payments`].
#[derive(Debug, Clone, Copy)]
pub struct Payments<'a> {
    client: &'a Client,
}

impl Client {
    /// The payments API.
    pub fn payments(&self) -> Payments<'_> {
        Payments { client: self }
    }
}

impl Payments<'_> {
    /// `POST /payments` (answers 201), made safe to call again.
    ///
    /// - `PAYMENT_ALREADY_EXISTS` resolves to the order's existing payment
    ///   (when its amount and currency match the request; otherwise the API
    ///   error is returned).
    /// - When the outcome is unknown (timeout or connection lost after
    ///   sending, a 5xx), the order is looked up first: if it now has a live
    ///   payment of the requested amount and currency, that one is returned;
    ///   if it has none (or only a failed/cancelled one) the request is sent
    ///   again (within the retry policy's attempts); a live payment of another
    ///   amount returns the original error. If even the look-up fails the
    ///   error is [`Error::OutcomeUnknown`].
    pub async fn create(&self, req: &CreatePayment) -> Result<Payment> {
        req.validate()?;
        let body = serde_json::to_vec(req).map_err(|e| Error::validation("body", e.to_string()))?;
        let policy = self.client.inner.retry.clone();
        let started = Instant::now();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let result = self
                .client
                .call::<Payment>(Call {
                    op: "payments.create",
                    method: Method::POST,
                    segments: &["payments"],
                    query: vec![],
                    body: Some(body.clone()),
                    idempotent: false,
                })
                .await;
            let err = match result {
                Ok(p) => return Ok(p),
                Err(e) => e,
            };
            let can_retry = attempt < policy.max_attempts && started.elapsed() < policy.max_elapsed;
            match &err {
                Error::Api {
                    code: Some(ApiErrorCode::PaymentAlreadyExists),
                    ..
                } => {
                    return match self.existing_for_order(&req.order_id).await {
                        Ok(Some(p)) if p.amount == req.amount && p.currency == req.currency => {
                            tracing::info!(payment_id = %p.id, "payment already existed; returning it");
                            Ok(p)
                        }
                        _ => Err(err),
                    };
                }
                Error::OutcomeUnknown { .. } | Error::Api { status: 500.., .. } => {
                    match self.existing_for_order(&req.order_id).await {
                        Ok(Some(p)) if !matches!(p.status, PaymentStatus::Failed | PaymentStatus::Cancelled) => {
                            if p.amount == req.amount && p.currency == req.currency {
                                tracing::info!(payment_id = %p.id, "create outcome was unknown; found the payment");
                                return Ok(p);
                            }
                            // The order has a live payment, but not the one asked for.
                            return Err(err);
                        }
                        Ok(_) if can_retry => {}
                        Ok(_) => return Err(err),
                        Err(lookup) => {
                            return Err(Error::OutcomeUnknown {
                                operation: "payments.create",
                                reason: format!(
                                    "the create request may have been applied ({err}) and looking up the order's payment failed ({lookup})"
                                ),
                                source: Some(Box::new(err)),
                            })
                        }
                    }
                }
                // Not applied: the connection never opened, or the platform throttled us.
                Error::Transport { .. } | Error::Api { status: 429, .. } if can_retry => {}
                _ => return Err(err),
            }
            let delay = policy.delay(attempt, None);
            tokio::time::sleep(delay).await;
        }
    }

    /// The order's payment, if it has one (full record).
    async fn existing_for_order(&self, order_id: &str) -> Result<Option<Payment>> {
        let order = self.client.orders().get(order_id).await?;
        match order.payment {
            Some(p) => self.get(&p.id).await.map(Some),
            None => Ok(None),
        }
    }

    /// `GET /payments/{paymentId}`. Retried.
    pub async fn get(&self, payment_id: &str) -> Result<Payment> {
        validate::id("paymentId", payment_id)?;
        self.client
            .call(Call {
                op: "payments.get",
                method: Method::GET,
                segments: &["payments", payment_id],
                query: vec![],
                body: None,
                idempotent: true,
            })
            .await
    }

    /// `PATCH /payments/{paymentId}/status`.
    ///
    /// **Internal**: the spec documents this endpoint as for internal use (the
    /// platform's own Octopus integration). Merchants normally never call it;
    /// it is kept for platform operators and tests. Not retried.
    pub async fn update_status(
        &self,
        payment_id: &str,
        req: &UpdatePaymentStatus,
    ) -> Result<PaymentStatusChange> {
        validate::id("paymentId", payment_id)?;
        req.validate()?;
        let body = serde_json::to_vec(req).map_err(|e| Error::validation("body", e.to_string()))?;
        self.client
            .call(Call {
                op: "payments.update_status",
                method: Method::PATCH,
                segments: &["payments", payment_id, "status"],
                query: vec![],
                body: Some(body),
                idempotent: false,
            })
            .await
    }

    /// `POST /payments/{paymentId}/simulate`: marks the payment paid.
    ///
    /// **Test environments only.** A client built for
    /// [`Environment::Production`] (the default) refuses it with
    /// [`Error::NotAllowed`] before sending anything.
    pub async fn simulate(&self, payment_id: &str) -> Result<PaymentStatusChange> {
        if self.client.environment() == Environment::Production {
            return Err(Error::NotAllowed {
                operation: "payments.simulate",
                reason: "simulating a payment is for test environments only; build the client with Environment::Sandbox".into(),
            });
        }
        validate::id("paymentId", payment_id)?;
        self.client
            .call(Call {
                op: "payments.simulate",
                method: Method::POST,
                segments: &["payments", payment_id, "simulate"],
                query: vec![],
                body: None,
                idempotent: false,
            })
            .await
    }

    /// Waits until the payment reaches a final status
    /// ([`PaymentStatus::is_final`]) and returns it, or fails with
    /// [`Error::Timeout`].
    ///
    /// With the `realtime` feature it listens for `paymentUpdate` in the
    /// payment's room and falls back to polling `GET /payments/{id}` (every
    /// `poll_interval`) while the socket is unavailable; without it, it polls.
    /// See [`Payments::watch`].
    pub async fn wait_for_payment(&self, payment_id: &str, timeout: Duration) -> Result<Payment> {
        validate::id("paymentId", payment_id)?;
        let mut changes = self.watch(payment_id);
        let found = tokio::time::timeout(timeout, async {
            while let Some(p) = changes.next().await {
                let p = p?;
                if p.status.is_final() {
                    return Ok(p);
                }
            }
            Err(Error::Timeout {
                what: format!("payment {payment_id}: the watch ended before a final status"),
            })
        })
        .await;
        found.unwrap_or_else(|_| {
            Err(Error::Timeout {
                what: format!("payment {payment_id} to reach a final status"),
            })
        })
    }

    /// The payment each time its status changes (first its current state),
    /// ending after a final status. Every item is a fresh `GET /payments/{id}`.
    ///
    /// What triggers a look: with the `realtime` feature, a `paymentUpdate`
    /// for this payment (its room is joined, and re-joined after reconnects),
    /// a look after every reconnect, plus polling every `poll_interval` while
    /// the socket is closed (including a transport that went silent, once its
    /// heartbeat deadline passed) or could not be opened, and every tenth
    /// interval anyway; without the feature,
    /// polling every `poll_interval`. Transient read errors are retried on the
    /// next trigger; other errors end the stream after being yielded.
    pub fn watch(&self, payment_id: &str) -> BoxStream<'static, Result<Payment>> {
        let period = self.client.inner.poll_interval;
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let state = Watch {
            client: self.client.clone(),
            id: payment_id.to_owned(),
            last: None,
            done: false,
            first: true,
            ticks,
            #[cfg(feature = "realtime")]
            n: 0,
            #[cfg(feature = "realtime")]
            rt: None,
            #[cfg(feature = "realtime")]
            rt_tried: false,
        };
        stream::unfold(state, Watch::step).boxed()
    }
}

struct Watch {
    client: Client,
    id: String,
    last: Option<PaymentStatus>,
    done: bool,
    first: bool,
    ticks: tokio::time::Interval,
    #[cfg(feature = "realtime")]
    n: u64,
    #[cfg(feature = "realtime")]
    rt: Option<(
        crate::realtime::RealtimeClient,
        BoxStream<'static, crate::realtime::RealtimeEvent>,
    )>,
    #[cfg(feature = "realtime")]
    rt_tried: bool,
}

impl Watch {
    async fn step(mut self) -> Option<(Result<Payment>, Self)> {
        if self.done {
            return None;
        }
        loop {
            if self.first {
                self.first = false;
            } else {
                self.trigger().await;
            }
            match self.client.payments().get(&self.id).await {
                Ok(p) => {
                    let changed = self.last.as_ref() != Some(&p.status);
                    if p.status.is_final() {
                        self.done = true;
                        self.close().await;
                    }
                    if changed {
                        self.last = Some(p.status.clone());
                        return Some((Ok(p), self));
                    }
                    if self.done {
                        return None;
                    }
                }
                Err(Error::Transport { .. })
                | Err(Error::Timeout { .. })
                | Err(Error::Api {
                    status: 429 | 500..,
                    ..
                }) => {}
                Err(e) => {
                    self.done = true;
                    self.close().await;
                    return Some((Err(e), self));
                }
            }
        }
    }

    #[cfg(not(feature = "realtime"))]
    async fn trigger(&mut self) {
        self.ticks.tick().await;
    }

    #[cfg(not(feature = "realtime"))]
    async fn close(&mut self) {}

    #[cfg(feature = "realtime")]
    async fn close(&mut self) {
        if let Some((rt, _)) = self.rt.take() {
            let _ = rt.disconnect().await;
        }
    }

    #[cfg(feature = "realtime")]
    async fn trigger(&mut self) {
        use crate::realtime::{RealtimeClient, RealtimeEvent};
        if !self.rt_tried {
            self.rt_tried = true;
            let mut config = self.client.realtime_config();
            config.connect_timeout = config.connect_timeout.min(Duration::from_secs(5));
            match RealtimeClient::connect(config).await {
                Ok(rt) => {
                    let events = rt.events();
                    match rt.join_payment_room(&self.id).await {
                        Ok(()) => self.rt = Some((rt, events)),
                        Err(e) => {
                            tracing::info!(error = %e, "joining the payment room failed; polling")
                        }
                    }
                    // Look once right after joining: an earlier update is not replayed.
                    return;
                }
                Err(e) => tracing::info!(error = %e, "realtime unavailable; polling"),
            }
        }
        let Some((rt, events)) = self.rt.as_mut() else {
            self.ticks.tick().await;
            return;
        };
        let mut lost = false;
        loop {
            tokio::select! {
                ev = events.next() => match ev {
                    Some(RealtimeEvent::PaymentUpdate(u)) if u.payment_id == self.id => break,
                    // Back after a loss: an update sent meanwhile is not replayed.
                    Some(RealtimeEvent::Open) => break,
                    Some(_) => {}
                    None => {
                        lost = true;
                        break;
                    }
                },
                _ = self.ticks.tick() => {
                    self.n += 1;
                    // Counted down rather than `n % 10`: `is_multiple_of`, which
                    // clippy asks for, is newer than the workspace's rust-version.
                    if !rt.is_open() || self.n >= 10 {
                        self.n = 0;
                        break;
                    }
                }
            }
        }
        if lost {
            self.close().await;
        }
    }
}
