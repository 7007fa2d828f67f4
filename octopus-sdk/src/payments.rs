//! Payments: create (with de-duplication), get, update status (internal),
//! simulate (test environments only), and wait for a final status.

use std::time::{Duration, Instant};

use futures::stream::{self, BoxStream, StreamExt};

use reqwest::Method;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::client::{Call, Client, Environment};
use crate::error::{ApiErrorCode, Error, Result};
use crate::models::{
    default_currency, Money, Payment, PaymentMethod, PaymentStatus, PaymentStatusChange,
};
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
    /// The platform keeps one live payment per order, so the order id is the
    /// merchant reference a lookup settles an unclear answer with:
    ///
    /// - `PAYMENT_ALREADY_EXISTS`: the order's existing payment is this call's
    ///   result only when it is `pending` or `completed` with the requested
    ///   amount and currency; anything else is [`Error::Conflict`].
    /// - An unknown outcome (timeout or connection lost after sending, a 5xx):
    ///   the order is looked up. A `pending` or `completed` payment of the
    ///   requested amount and currency is returned; none (or only a failed or
    ///   cancelled one) means the request had no effect, and it is sent again
    ///   within the retry policy's attempts and budget; another live payment
    ///   is [`Error::Conflict`]. If the lookup fails too, the error is
    ///   [`Error::OutcomeUnknown`].
    /// - 429: waited for within the policy's budget (its `Retry-After`
    ///   honoured), else [`Error::RateLimited`].
    ///
    /// ```
    /// # async fn run() -> octopus_sdk::Result<()> {
    /// use octopus_sdk::{orders::CreateOrder, payments::CreatePayment, testing::Simulator};
    /// let sim = Simulator::start().await;
    /// let client = sim.client();
    /// let amount = octopus_sdk::parse_amount("25.50")?;
    /// let order = client.orders().create(&CreateOrder::new("Tea", amount)).await?;
    /// let first = client.payments().create(&CreatePayment::new(&order.id, amount)).await?;
    /// // Asking again returns the same pending payment, not a second one.
    /// let again = client.payments().create(&CreatePayment::new(&order.id, amount)).await?;
    /// assert_eq!(first.id, again.id);
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// ```
    pub async fn create(&self, req: &CreatePayment) -> Result<Payment> {
        req.validate()?;
        let body = serde_json::to_vec(req).map_err(|e| Error::validation("body", e.to_string()))?;
        let policy = self.client.inner.transport.retry_policy();
        let started = Instant::now();
        let mut round = 0u32;
        loop {
            round += 1;
            let sent = self
                .client
                .call::<Payment>(Call::write(
                    "payments.create",
                    Method::POST,
                    &["payments"],
                    Some(body.clone()),
                    &req.order_id,
                ))
                .await;
            let err = match sent {
                Ok(p) => return Ok(p),
                Err(e) => e,
            };
            let already = matches!(
                &err,
                Error::Api {
                    code: Some(ApiErrorCode::PaymentAlreadyExists),
                    ..
                }
            );
            if !already && !matches!(err, Error::OutcomeUnknown { .. }) {
                return Err(err);
            }
            let found = match self.existing_for_order(&req.order_id).await {
                Ok(found) => found,
                Err(lookup) => {
                    return Err(Error::OutcomeUnknown {
                        operation: "payments.create",
                        reference: req.order_id.clone(),
                        reason: format!(
                            "{err}; looking up the order's payment failed too ({lookup})"
                        ),
                    })
                }
            };
            match reconcile(req, found) {
                Settled::Ours(p) => {
                    tracing::info!(payment_id = %p.id, "payments.create settled by lookup");
                    return Ok(*p);
                }
                Settled::Conflict(reason) => {
                    return Err(Error::Conflict {
                        operation: "payments.create",
                        reference: req.order_id.clone(),
                        reason,
                    })
                }
                Settled::NotApplied if already => {
                    return Err(Error::Conflict {
                        operation: "payments.create",
                        reference: req.order_id.clone(),
                        reason: "the platform answered PAYMENT_ALREADY_EXISTS but the order shows no live payment".into(),
                    })
                }
                Settled::NotApplied => {
                    let wait = policy.backoff(round);
                    if round >= policy.max_attempts
                        || started.elapsed().saturating_add(wait) > policy.max_elapsed
                    {
                        return Err(err);
                    }
                    tokio::time::sleep(wait).await;
                }
            }
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
    /// ```
    /// # async fn run() -> octopus_sdk::Result<()> {
    /// use octopus_sdk::{orders::CreateOrder, payments::*, testing::Simulator, PaymentStatus};
    /// let sim = Simulator::start().await;
    /// let client = sim.client();
    /// let amount = octopus_sdk::parse_amount("10")?;
    /// let order = client.orders().create(&CreateOrder::new("Tea", amount)).await?;
    /// let payment = client.payments().create(&CreatePayment::new(&order.id, amount)).await?;
    /// assert_eq!(client.payments().get(&payment.id).await?.status, PaymentStatus::Pending);
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// ```
    pub async fn get(&self, payment_id: &str) -> Result<Payment> {
        validate::id("paymentId", payment_id)?;
        self.client
            .call(Call::get(
                "payments.get",
                &["payments", payment_id],
                payment_id,
            ))
            .await
    }

    /// `PATCH /payments/{paymentId}/status`.
    ///
    /// **Internal**: the spec documents this endpoint as for internal use (the
    /// platform's own Octopus integration). Merchants normally never call it;
    /// it is kept for platform operators and tests. Not retried.
    /// ```
    /// # async fn run() -> octopus_sdk::Result<()> {
    /// use octopus_sdk::{orders::CreateOrder, payments::*, testing::Simulator, PaymentStatus};
    /// let sim = Simulator::start().await;
    /// let client = sim.client();
    /// let amount = octopus_sdk::parse_amount("10")?;
    /// let order = client.orders().create(&CreateOrder::new("Tea", amount)).await?;
    /// let payment = client.payments().create(&CreatePayment::new(&order.id, amount)).await?;
    /// let change = UpdatePaymentStatus::new(PaymentStatus::Failed);
    /// assert_eq!(client.payments().update_status(&payment.id, &change).await?.status, PaymentStatus::Failed);
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// ```
    pub async fn update_status(
        &self,
        payment_id: &str,
        req: &UpdatePaymentStatus,
    ) -> Result<PaymentStatusChange> {
        validate::id("paymentId", payment_id)?;
        req.validate()?;
        let body = serde_json::to_vec(req).map_err(|e| Error::validation("body", e.to_string()))?;
        self.client
            .call(Call::write(
                "payments.update_status",
                Method::PATCH,
                &["payments", payment_id, "status"],
                Some(body),
                payment_id,
            ))
            .await
    }

    /// `POST /payments/{paymentId}/simulate`: marks the payment paid.
    ///
    /// **Test environments only.** A client built for
    /// [`Environment::Production`] (the default) refuses it with
    /// [`Error::NotAllowed`] before sending anything.
    /// ```
    /// # async fn run() -> octopus_sdk::Result<()> {
    /// use octopus_sdk::{orders::CreateOrder, payments::*, testing::Simulator, PaymentStatus};
    /// let sim = Simulator::start().await;
    /// let client = sim.client();
    /// let amount = octopus_sdk::parse_amount("10")?;
    /// let order = client.orders().create(&CreateOrder::new("Tea", amount)).await?;
    /// let payment = client.payments().create(&CreatePayment::new(&order.id, amount)).await?;
    /// assert_eq!(client.payments().simulate(&payment.id).await?.status, PaymentStatus::Completed);
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// ```
    pub async fn simulate(&self, payment_id: &str) -> Result<PaymentStatusChange> {
        if self.client.environment() == Environment::Production {
            return Err(Error::NotAllowed {
                operation: "payments.simulate",
                reason: "simulating a payment is for test environments only; build the client with Environment::Sandbox".into(),
            });
        }
        validate::id("paymentId", payment_id)?;
        self.client
            .call(Call::write(
                "payments.simulate",
                Method::POST,
                &["payments", payment_id, "simulate"],
                None,
                payment_id,
            ))
            .await
    }

    /// Waits until the payment reaches a final status
    /// ([`PaymentStatus::is_final`]) and returns it, or fails with
    /// [`Error::Timeout`] when `timeout` runs out ([`Error::Realtime`] if the watch ends
    /// first).
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
            Err(Error::Realtime {
                reason: format!("the watch of payment {payment_id} ended before a final status"),
            })
        })
        .await;
        found.unwrap_or_else(|_| {
            Err(Error::Timeout {
                operation: "payments.wait_for_payment",
                after: timeout,
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

/// What a lookup says about a create whose answer was unclear.
enum Settled {
    /// The order's payment is the one asked for.
    Ours(Box<Payment>),
    /// The order has no live payment: the create had no effect.
    NotApplied,
    /// The order has a payment that is not this call's result.
    Conflict(String),
}

/// Only a `pending` or `completed` payment of the requested amount and
/// currency is the call's result (issue 13: "PAYMENT_ALREADY_EXISTS resolves
/// only to …").
fn reconcile(req: &CreatePayment, found: Option<Payment>) -> Settled {
    let Some(p) = found else {
        return Settled::NotApplied;
    };
    match p.status {
        PaymentStatus::Failed | PaymentStatus::Cancelled => Settled::NotApplied,
        PaymentStatus::Pending | PaymentStatus::Completed
            if p.amount == req.amount && p.currency == req.currency =>
        {
            Settled::Ours(Box::new(p))
        }
        PaymentStatus::Pending | PaymentStatus::Completed => Settled::Conflict(format!(
            "its payment {} is {} for {}, not {}",
            p.id,
            p.status,
            p.money(),
            Money::new(req.amount, &req.currency)
        )),
        _ => Settled::Conflict(format!(
            "its payment {} is {} (only a pending or completed payment can be this call's result)",
            p.id, p.status
        )),
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
                | Err(Error::RateLimited { .. })
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
