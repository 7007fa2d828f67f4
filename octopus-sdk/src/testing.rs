//! An in-process simulator of the O! ePay platform, on `wiremock`
//! (cargo feature `testing`).
//!
//! It checks `Authorization: Bearer` and `X-API-Key` (401 otherwise) and, when
//! merchant credentials are configured (the default), the `X-Octopus-*`
//! signature (fresh timestamp within 300 s, unseen nonce); it keeps orders and
//! payments with the spec's status rules and error codes, paginates and
//! filters `GET /orders`, simulates payments, and POSTs a correctly signed
//! webhook to the configured URL.
//!
//! The vocabulary is the one every SDK crate's simulator uses:
//! [`Simulator::start`], [`Simulator::client`] (a ready client),
//! [`Simulator::verifier`] (a [`Verifier`] with the merchant's webhook
//! secret), [`Simulator::set_callback_url`], [`Simulator::pay`] ("the payer
//! pays": the payment completes and the signed webhook is delivered, returning
//! the merchant's reply) and [`Simulator::redeliver`] (the platform sending
//! the same webhook again).
//!
//! ```
//! # async fn run() -> octopus_sdk::Result<()> {
//! use octopus_sdk::{orders::CreateOrder, payments::CreatePayment, testing::Simulator};
//! let sim = Simulator::start().await;
//! let client = sim.client();
//! let amount = octopus_sdk::parse_amount("25.50")?;
//! let order = client.orders().create(&CreateOrder::new("Tea", amount)).await?;
//! client.payments().create(&CreatePayment::new(&order.id, amount)).await?;
//! // No callback URL yet: paying is refused rather than silently delivering nothing.
//! assert!(sim.pay(&order.id).await.is_err());
//! # Ok(()) }
//! # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
//! ```

use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use http::Method;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sign_core::testing::{Callbacks, SimServer, StateMutex};
use sign_core::Secret;
use tokio::sync::{mpsc, Notify};
use wiremock::{Mock, Request, Respond, ResponseTemplate};

use crate::client::{ClientBuilder, Environment, RetryPolicy, HEADER_API_KEY};
use crate::error::{Error, Result};
use crate::models::{
    Metadata, OctopusResponse, Order, OrderPayment, OrderStatus, Pagination, Payment,
    PaymentMethod, PaymentStatus, QrCode, QrCodeData,
};
use crate::webhook::Verifier;
use crate::Client;

/// Simulator credentials and behaviour.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SimulatorConfig {
    /// Expected bearer token.
    pub api_token: Secret,
    /// Expected API key.
    pub api_key: Secret,
    /// Merchant id; with `secret_key`, requests must carry a valid `X-Octopus-*` signature.
    pub merchant_id: String,
    /// Merchant secret key.
    pub secret_key: Secret,
    /// Whether the `X-Octopus-*` signature is required (default true).
    pub require_signature: bool,
    /// Secret webhooks are signed with.
    pub webhook_secret: Secret,
    /// Path prefix of the API (default `/api`).
    pub prefix: String,
}

impl Default for SimulatorConfig {
    fn default() -> Self {
        Self {
            api_token: Secret::new("sim-api-token"),
            api_key: Secret::new("sim-api-key"),
            merchant_id: "sim_merchant_001".into(),
            secret_key: Secret::new("sim-merchant-secret-key"),
            require_signature: true,
            webhook_secret: Secret::new("sim-webhook-secret"),
            prefix: "/api".into(),
        }
    }
}

/// A request failure the simulator should inject.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Fault {
    /// Only requests with this method (all when `None`).
    pub method: Option<Method>,
    /// Only requests whose path (after the prefix) starts with this.
    pub path_prefix: String,
    /// What to do.
    pub kind: FaultKind,
    /// How many matching requests it applies to.
    pub times: u32,
}

/// The kinds of [`Fault`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum FaultKind {
    /// Answer with this status and a plain-text body, without applying the request.
    Status(u16),
    /// Answer with a platform error envelope (status, code), without applying.
    ApiError(u16, String),
    /// Apply the request, then answer with this status and a plain-text body
    /// (a response lost on the way back).
    StatusAfterApply(u16),
    /// Apply the request, then answer normally after this delay.
    DelayAfterApply(Duration),
}

impl Fault {
    /// A fault on `method path_prefix`, once.
    pub fn new(method: Method, path_prefix: impl Into<String>, kind: FaultKind) -> Self {
        Self {
            method: Some(method),
            path_prefix: path_prefix.into(),
            kind,
            times: 1,
        }
    }

    /// Applies to the next `n` matching requests.
    pub fn times(mut self, n: u32) -> Self {
        self.times = n;
        self
    }
}

/// One webhook the simulator tried to deliver.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct WebhookDelivery {
    /// Target URL.
    pub url: String,
    /// Raw body sent.
    pub body: Vec<u8>,
    /// `X-Octopus-Signature` sent.
    pub signature: String,
    /// `X-Octopus-Timestamp` sent.
    pub timestamp: String,
    /// Response status, when the target answered.
    pub status: Option<u16>,
    /// Response body, when the target answered.
    pub reply_body: Option<String>,
    /// Transport error, when it did not.
    pub error: Option<String>,
}

#[derive(Default)]
struct State {
    orders: Vec<Order>,
    payments: Vec<Payment>,
    nonces: HashSet<String>,
    faults: Vec<Fault>,
    deliveries: Vec<WebhookDelivery>,
    /// The last webhook body per order id, for `redeliver`.
    last_callback: HashMap<String, Vec<u8>>,
    expired: HashSet<String>,
    seq: u64,
}

struct Shared {
    config: SimulatorConfig,
    /// Where webhooks go: the simulator's methods and its `simulate` route share it.
    callbacks: Callbacks,
    state: StateMutex<State>,
    webhooks: mpsc::UnboundedSender<WebhookJob>,
    delivered: Notify,
    #[cfg(feature = "realtime")]
    realtime: StateMutex<Option<socketio::Emitter>>,
}

struct WebhookJob {
    url: String,
    body: Vec<u8>,
    order_id: String,
}

/// The merchant's reply to a webhook the simulator delivered (the same type in every SDK's
/// simulator; the platform expects [`crate::webhook::ACK`]).
pub use sign_core::testing::CallbackReply;

/// The simulator. Dropping it stops the server.
pub struct Simulator {
    /// The mock server and the merchant's callback URL (the same in every SDK).
    server: SimServer,
    shared: Arc<Shared>,
    client: Client,
    verifier: Verifier,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}

impl Simulator {
    /// Starts a simulator with the default [`SimulatorConfig`].
    pub async fn start() -> Self {
        Self::start_with(SimulatorConfig::default()).await
    }

    /// Starts a simulator with `config`.
    ///
    /// # Panics
    /// When `config` holds an empty credential (a test's own mistake: the
    /// client and verifier it hands out refuse empty secrets).
    pub async fn start_with(config: SimulatorConfig) -> Self {
        let server = SimServer::start().await;
        let (tx, rx) = mpsc::unbounded_channel();
        let verifier = match Verifier::new(config.webhook_secret.clone()) {
            Ok(v) => v,
            Err(e) => panic!("SimulatorConfig: {e}"),
        };
        let shared = Arc::new(Shared {
            config,
            callbacks: server.callbacks().clone(),
            state: StateMutex::default(),
            webhooks: tx,
            delivered: Notify::new(),
            #[cfg(feature = "realtime")]
            realtime: StateMutex::new(None),
        });
        tokio::spawn(deliver_webhooks(Arc::downgrade(&shared), rx));
        Mock::given(wiremock::matchers::any())
            .respond_with(Platform(shared.clone()))
            .mount(server.mock_server())
            .await;
        let client = match client_builder(
            &format!("{}{}", server.base_url(), shared.config.prefix),
            &shared.config,
        )
        .build()
        {
            Ok(c) => c,
            Err(e) => panic!("SimulatorConfig: {e}"),
        };
        Self {
            server,
            shared,
            client,
            verifier,
        }
    }

    /// The API base URL to configure a client with, including the `/api` prefix.
    pub fn base_url(&self) -> String {
        format!("{}{}", self.server.base_url(), self.shared.config.prefix)
    }

    /// The server's origin (no prefix).
    pub fn origin(&self) -> String {
        self.server.base_url()
    }

    /// The configuration (credentials) in use.
    pub fn config(&self) -> &SimulatorConfig {
        &self.shared.config
    }

    /// The expected API token.
    pub fn api_token(&self) -> &Secret {
        &self.shared.config.api_token
    }

    /// The expected API key.
    pub fn api_key(&self) -> &Secret {
        &self.shared.config.api_key
    }

    /// The merchant id.
    pub fn merchant_id(&self) -> &str {
        &self.shared.config.merchant_id
    }

    /// The merchant secret key.
    pub fn secret_key(&self) -> &Secret {
        &self.shared.config.secret_key
    }

    /// The webhook secret.
    pub fn webhook_secret(&self) -> &Secret {
        &self.shared.config.webhook_secret
    }

    /// A client builder configured for this simulator (sandbox, credentials,
    /// short retry backoff), to change a setting before building.
    pub fn client_builder(&self) -> ClientBuilder {
        client_builder(&self.base_url(), &self.shared.config)
    }

    /// A ready client for this simulator (sandbox, its credentials).
    pub fn client(&self) -> Client {
        self.client.clone()
    }

    /// A webhook [`Verifier`] with the merchant's webhook secret, as the
    /// merchant's handler would build it. Every verifier this simulator hands
    /// out shares one in-memory replay guard, as one merchant's handlers share
    /// one store: a [`Simulator::redeliver`] is seen as a
    /// [`Delivery::Repeat`](sign_core::replay::Delivery::Repeat) whichever of
    /// them checks it. Give one its own guard with
    /// [`Verifier::with_replay_guard`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use octopus_sdk::orders::CreateOrder;
    /// use octopus_sdk::payments::CreatePayment;
    /// use octopus_sdk::{testing::Simulator, webhook::ACK, Decimal};
    /// use sign_core::replay::{Delivery, ReplayGuard};
    /// use wiremock::{matchers::method, Mock, MockServer, ResponseTemplate};
    ///
    /// let sim = Simulator::start().await;
    /// let shop = MockServer::start().await; // the merchant's webhook endpoint
    /// let ack = ResponseTemplate::new(200).set_body_string(ACK);
    /// Mock::given(method("POST")).respond_with(ack).mount(&shop).await;
    /// sim.set_callback_url(format!("{}/octopus/webhook", shop.uri()));
    /// let client = sim.client();
    /// let order = client.orders().create(&CreateOrder::new("tea", Decimal::from(3))).await?;
    /// client.payments().create(&CreatePayment::new(&order.id, Decimal::from(3))).await?;
    /// sim.pay(&order.id).await?;
    /// sim.redeliver(&order.id).await?; // the platform's duplicate delivery
    /// let posted = shop.received_requests().await.unwrap_or_default();
    /// let (p0, p1) = (&posted[0], &posted[1]);
    ///
    /// // Two verifiers from the simulator, one guard: the re-delivery is a repeat.
    /// let first = sim.verifier().verify_and_record(&p0.headers, &p0.body).await?;
    /// let again = sim.verifier().verify_and_record(&p1.headers, &p1.body).await?;
    /// assert_eq!((first.delivery, again.delivery), (Delivery::First, Delivery::Repeat));
    /// // A verifier given a guard of its own has not seen it.
    /// let own = sim.verifier().with_replay_guard(ReplayGuard::memory());
    /// let fresh = own.verify_and_record(&p1.headers, &p1.body).await?;
    /// assert_eq!(fresh.delivery, Delivery::First);
    /// # Ok(()) }
    /// ```
    pub fn verifier(&self) -> Verifier {
        self.verifier.clone()
    }

    /// Where webhooks are POSTed (none by default).
    pub fn set_callback_url(&self, url: impl Into<String>) {
        self.server.callbacks().set_url(url);
    }

    /// The payer pays: the payment of `reference` (an order id, or a payment
    /// id) completes, and the signed `payment.completed` webhook is delivered
    /// to the callback URL. Returns the merchant's reply.
    ///
    /// An error, never a silent success, when no callback URL is set, the
    /// payment cannot be paid, or the merchant could not be reached.
    ///
    /// ```
    /// # async fn run() -> octopus_sdk::Result<()> {
    /// use octopus_sdk::{orders::CreateOrder, payments::CreatePayment, testing::Simulator};
    /// let sim = Simulator::start().await;
    /// let merchant = wiremock::MockServer::start().await;
    /// wiremock::Mock::given(wiremock::matchers::any())
    ///     .respond_with(wiremock::ResponseTemplate::new(200).set_body_string(octopus_sdk::webhook::ACK))
    ///     .mount(&merchant)
    ///     .await;
    /// sim.set_callback_url(format!("{}/octopus/webhook", merchant.uri()));
    /// let client = sim.client();
    /// let amount = octopus_sdk::parse_amount("8")?;
    /// let order = client.orders().create(&CreateOrder::new("Tea", amount)).await?;
    /// client.payments().create(&CreatePayment::new(&order.id, amount)).await?;
    /// assert_eq!(sim.pay(&order.id).await?.status, 200);
    /// assert_eq!(sim.redeliver(&order.id).await?.body, octopus_sdk::webhook::ACK);
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// ```
    pub async fn pay(&self, reference: &str) -> Result<CallbackReply> {
        if self.shared.callbacks.url().is_none() {
            return Err(Error::Config {
                field: "callback_url",
                reason: "is not set: call Simulator::set_callback_url first".into(),
            });
        }
        let payment_id = self.resolve(reference)?;
        let (_, job) = self.complete(&payment_id)?;
        let Some(job) = job else {
            return Err(Error::Config {
                field: "callback_url",
                reason: "is not set: call Simulator::set_callback_url first".into(),
            });
        };
        self.deliver_now(job).await
    }

    /// The platform delivers the last webhook of `reference` (an order id or
    /// a payment id) again: the same signed body, with a fresh
    /// `X-Octopus-Timestamp`, as a platform re-sending an unacknowledged
    /// webhook does. Returns the merchant's reply.
    pub async fn redeliver(&self, reference: &str) -> Result<CallbackReply> {
        let order_id = self.order_of(reference).ok_or_else(|| {
            Error::validation("reference", format!("no order or payment {reference:?}"))
        })?;
        let (url, body) = {
            let url = self.shared.callbacks.url().ok_or_else(|| Error::Config {
                field: "callback_url",
                reason: "is not set: call Simulator::set_callback_url first".into(),
            })?;
            let st = self.shared.state.lock();
            let body = st.last_callback.get(&order_id).cloned().ok_or_else(|| {
                Error::validation(
                    "reference",
                    format!("no webhook was delivered for {reference:?} yet"),
                )
            })?;
            (url, body)
        };
        self.deliver_now(WebhookJob {
            url,
            body,
            order_id,
        })
        .await
    }

    /// The order id `reference` names (itself, or the order of a payment id).
    fn order_of(&self, reference: &str) -> Option<String> {
        let st = self.shared.state.lock();
        if st.orders.iter().any(|o| o.id == reference) {
            return Some(reference.to_owned());
        }
        st.payments
            .iter()
            .find(|p| p.id == reference)
            .map(|p| p.order_id.clone())
    }

    /// The payment `reference` names: a payment id, or the order's latest payment.
    fn resolve(&self, reference: &str) -> Result<String> {
        let st = self.shared.state.lock();
        if st.payments.iter().any(|p| p.id == reference) {
            return Ok(reference.to_owned());
        }
        st.payments
            .iter()
            .rev()
            .find(|p| p.order_id == reference)
            .map(|p| p.id.clone())
            .ok_or_else(|| {
                Error::validation(
                    "reference",
                    format!("no payment for order or payment {reference:?}: create one first"),
                )
            })
    }

    fn complete(&self, payment_id: &str) -> Result<(Payment, Option<WebhookJob>)> {
        let done = {
            let mut st = self.shared.state.lock();
            simulate(&self.shared, &mut st, payment_id)
        };
        let (payment, job) = done.map_err(|f| Error::NotAllowed {
            operation: "simulator.pay",
            reason: f.message,
        })?;
        #[cfg(feature = "realtime")]
        self.shared.emit_payment_update(&payment);
        Ok((payment, job))
    }

    async fn deliver_now(&self, job: WebhookJob) -> Result<CallbackReply> {
        let order_id = job.order_id.clone();
        let (d, reply) = deliver(&self.shared, job).await;
        self.shared.record(d, &order_id);
        reply.map_err(|source| Error::Transport { source })
    }

    /// Injects a fault.
    pub fn inject(&self, fault: Fault) {
        self.shared.state.lock().faults.push(fault);
    }

    /// Adds an order directly (no HTTP), e.g. to seed listings. Returns it.
    pub fn insert_order(&self, description: &str, amount: Decimal, status: OrderStatus) -> Order {
        let mut st = self.shared.state.lock();
        let order = new_order(
            &mut st,
            description.to_owned(),
            amount,
            "HKD".into(),
            None,
            None,
            None,
        );
        let mut order = order;
        order.status = status;
        st.orders.push(order.clone());
        order
    }

    /// Marks a payment paid, as `POST /payments/{id}/simulate` does, and
    /// delivers the webhook (awaited) when a callback URL is set. Returns the
    /// payment; [`Simulator::pay`] returns the merchant's reply instead.
    pub async fn simulate_payment(&self, payment_id: &str) -> Result<Payment> {
        let (payment, job) = self.complete(payment_id)?;
        if let Some(job) = job {
            let order_id = job.order_id.clone();
            let (d, _) = deliver(&self.shared, job).await;
            self.shared.record(d, &order_id);
        }
        Ok(payment)
    }

    /// Marks a pending payment as expired: it becomes `failed` (failure
    /// reason `expired`), and simulating it answers 410 `PAYMENT_EXPIRED`.
    pub fn expire_payment(&self, payment_id: &str) -> bool {
        let mut st = self.shared.state.lock();
        let Some(p) = st.payments.iter_mut().find(|p| p.id == payment_id) else {
            return false;
        };
        if p.status != PaymentStatus::Pending {
            return false;
        }
        p.status = PaymentStatus::Failed;
        p.failure_reason = Some("expired".into());
        p.updated_at = Some(now());
        let order_id = p.order_id.clone();
        if let Some(op) = st
            .orders
            .iter_mut()
            .find(|o| o.id == order_id)
            .and_then(|o| o.payment.as_mut())
        {
            op.status = PaymentStatus::Failed;
        }
        st.expired.insert(payment_id.to_owned());
        true
    }

    /// A stored order (with its payment embedded).
    pub fn order(&self, id: &str) -> Option<Order> {
        let st = self.shared.state.lock();
        st.orders.iter().find(|o| o.id == id).cloned()
    }

    /// A stored payment.
    pub fn payment(&self, id: &str) -> Option<Payment> {
        self.shared
            .state
            .lock()
            .payments
            .iter()
            .find(|p| p.id == id)
            .cloned()
    }

    /// All orders, in creation order.
    pub fn orders(&self) -> Vec<Order> {
        self.shared.state.lock().orders.clone()
    }

    /// All payments, in creation order.
    pub fn payments(&self) -> Vec<Payment> {
        self.shared.state.lock().payments.clone()
    }

    /// Webhooks delivered (or attempted) so far.
    pub fn webhook_deliveries(&self) -> Vec<WebhookDelivery> {
        self.shared.state.lock().deliveries.clone()
    }

    /// Waits until at least `n` webhooks were attempted, or `timeout`.
    pub async fn wait_for_webhooks(&self, n: usize, timeout: Duration) -> Vec<WebhookDelivery> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.delivered.notified();
            let got = self.webhook_deliveries();
            if got.len() >= n {
                return got;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.webhook_deliveries();
            }
        }
    }

    /// Every request the server received.
    pub async fn received_requests(&self) -> Vec<Request> {
        self.server.received_requests().await
    }
}

/// The client builder a simulator hands out.
fn client_builder(base_url: &str, c: &SimulatorConfig) -> ClientBuilder {
    let b = Client::builder()
        .base_url(base_url)
        .environment(Environment::Sandbox)
        .api_token(c.api_token.clone())
        .api_key(c.api_key.clone())
        .poll_interval(Duration::from_millis(50))
        .retry_policy(
            RetryPolicy::default()
                .with_backoff(Duration::from_millis(5), Duration::from_millis(20)),
        );
    if c.require_signature {
        b.merchant(c.merchant_id.clone(), c.secret_key.clone())
    } else {
        b
    }
}

impl Shared {
    /// Keeps a delivery (and its body for `redeliver`) and wakes waiters.
    fn record(&self, d: WebhookDelivery, order_id: &str) {
        let mut st = self.state.lock();
        st.last_callback.insert(order_id.to_owned(), d.body.clone());
        st.deliveries.push(d);
        drop(st);
        self.delivered.notify_waiters();
    }
}

async fn deliver_webhooks(
    shared: std::sync::Weak<Shared>,
    mut rx: mpsc::UnboundedReceiver<WebhookJob>,
) {
    while let Some(job) = rx.recv().await {
        let Some(s) = shared.upgrade() else { return };
        let order_id = job.order_id.clone();
        let (d, _) = deliver(&s, job).await;
        s.record(d, &order_id);
    }
}

/// Signs `job` with the webhook secret and POSTs it: the delivery as recorded, and the
/// merchant's reply.
async fn deliver(
    shared: &Shared,
    job: WebhookJob,
) -> (
    WebhookDelivery,
    std::result::Result<CallbackReply, reqwest::Error>,
) {
    let signature = sign_core::octopus::webhook_signature(&shared.config.webhook_secret, &job.body);
    let timestamp = sign_core::octopus::format_timestamp(Utc::now());
    let signed = [
        (sign_core::octopus::HEADER_SIGNATURE, &signature),
        (sign_core::octopus::HEADER_TIMESTAMP, &timestamp),
    ];
    // Both values are ASCII (hex, an RFC 3339 time) and both names constants: nothing is dropped.
    let headers = signed
        .into_iter()
        .filter_map(|(name, value)| {
            let name = http::HeaderName::from_bytes(name.as_bytes()).ok()?;
            Some((name, http::HeaderValue::from_str(value).ok()?))
        })
        .collect();
    let reply = shared
        .callbacks
        .post(&job.url, "application/json", headers, job.body.clone())
        .await;
    let (status, reply_body, error) = match &reply {
        Ok(r) => (Some(r.status), Some(r.body.clone()), None),
        Err(e) => (None, None, Some(e.to_string())),
    };
    let delivery = WebhookDelivery {
        url: job.url,
        body: job.body,
        signature,
        timestamp,
        status,
        reply_body,
        error,
    };
    (delivery, reply)
}

/// A platform error to answer with.
struct Failure {
    status: u16,
    code: Option<&'static str>,
    message: String,
    errors: Vec<(String, String)>,
}

impl Failure {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: Some(code),
            message: message.into(),
            errors: vec![],
        }
    }

    fn validation(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            status: 422,
            code: Some("VALIDATION_ERROR"),
            message: "驗證失敗".into(),
            errors: vec![(field.to_owned(), message)],
        }
    }

    fn into_response(self, path: &str) -> ResponseTemplate {
        let errors: Vec<_> = self
            .errors
            .into_iter()
            .map(|(field, message)| serde_json::json!({"field": field, "message": message}))
            .collect();
        let mut body = serde_json::json!({
            "success": false,
            "message": self.message,
            "timestamp": now_str(),
            "path": path,
        });
        if let Some(c) = self.code {
            body["code"] = c.into();
        }
        if !errors.is_empty() {
            body["errors"] = errors.into();
        }
        ResponseTemplate::new(self.status).set_body_json(body)
    }
}

#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    success: bool,
    data: &'a T,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pagination: Option<Pagination>,
}

fn ok<T: Serialize>(
    status: u16,
    data: &T,
    message: Option<&str>,
    pagination: Option<Pagination>,
) -> ResponseTemplate {
    let env = Envelope {
        success: true,
        data,
        message,
        pagination,
    };
    match serde_json::to_vec(&env) {
        Ok(b) => ResponseTemplate::new(status).set_body_raw(b, "application/json"),
        Err(e) => ResponseTemplate::new(500).set_body_string(e.to_string()),
    }
}

fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(0)
}

fn now_str() -> String {
    sign_core::octopus::format_timestamp(Utc::now())
}

fn uuid() -> String {
    let h = sign_core::new_nonce();
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

fn new_order(
    st: &mut State,
    description: String,
    amount: Decimal,
    currency: String,
    email: Option<String>,
    phone: Option<String>,
    metadata: Option<Metadata>,
) -> Order {
    st.seq += 1;
    let t = now();
    Order {
        id: uuid(),
        order_number: Some(format!("ORD-{:09}", st.seq)),
        description: Some(description),
        amount,
        currency,
        status: OrderStatus::Pending,
        customer_email: email,
        customer_phone: phone,
        metadata,
        created_at: Some(t),
        updated_at: Some(t),
        payment: None,
    }
}

struct Platform(Arc<Shared>);

impl Respond for Platform {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let full_path = req.url.path().to_owned();
        let shared = &self.0;
        let cfg = &shared.config;
        let Some(path) = full_path.strip_prefix(cfg.prefix.as_str()) else {
            return Failure::new(404, "NOT_FOUND", "no such endpoint").into_response(&full_path);
        };
        if let Some(f) = check_auth(shared, req) {
            return f.into_response(&full_path);
        }
        // Faults.
        let fault = {
            let mut st = shared.state.lock();
            let idx = st.faults.iter().position(|f| {
                f.times > 0
                    && f.method.as_ref().is_none_or(|m| *m == req.method)
                    && path.starts_with(&f.path_prefix)
            });
            idx.map(|i| {
                st.faults[i].times -= 1;
                let f = st.faults[i].kind.clone();
                if st.faults[i].times == 0 {
                    st.faults.remove(i);
                }
                f
            })
        };
        match &fault {
            Some(FaultKind::Status(s)) => {
                return ResponseTemplate::new(*s).set_body_string("upstream error")
            }
            Some(FaultKind::ApiError(s, code)) => {
                let body = serde_json::json!({"success": false, "message": "injected", "code": code, "path": full_path});
                return ResponseTemplate::new(*s).set_body_json(body);
            }
            _ => {}
        }
        let resp = route(shared, req, path, &full_path);
        match fault {
            Some(FaultKind::StatusAfterApply(s)) => {
                ResponseTemplate::new(s).set_body_string("bad gateway")
            }
            Some(FaultKind::DelayAfterApply(d)) => resp.set_delay(d),
            _ => resp,
        }
    }
}

fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers.get(name).and_then(|v| v.to_str().ok())
}

fn check_auth(shared: &Shared, req: &Request) -> Option<Failure> {
    let cfg = &shared.config;
    let bearer = header(req, "authorization").and_then(|v| v.strip_prefix("Bearer "));
    let key = header(req, HEADER_API_KEY);
    let token_ok = bearer.is_some_and(|b| {
        sign_core::constant_time_eq(b.as_bytes(), cfg.api_token.expose().as_bytes())
    });
    let key_ok = key.is_some_and(|k| {
        sign_core::constant_time_eq(k.as_bytes(), cfg.api_key.expose().as_bytes())
    });
    if !token_ok || !key_ok {
        return Some(Failure::new(
            401,
            "UNAUTHORIZED",
            "未授權: invalid API token or API key",
        ));
    }
    if !cfg.require_signature {
        return None;
    }
    use sign_core::octopus::{
        HEADER_MERCHANT_ID, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP,
    };
    let merchant = header(req, HEADER_MERCHANT_ID);
    if merchant.is_some_and(|m| m != cfg.merchant_id) {
        return Some(Failure::new(401, "E001", "無效的商戶ID"));
    }
    let nonce = header(req, HEADER_NONCE);
    if let Err(e) = sign_core::octopus::verify_auth(
        &cfg.secret_key,
        merchant,
        header(req, HEADER_TIMESTAMP),
        nonce,
        header(req, HEADER_SIGNATURE),
        Utc::now(),
        300,
    ) {
        return Some(Failure::new(
            401,
            "INVALID_SIGNATURE",
            format!("無效的簽名: {e}"),
        ));
    }
    let nonce = nonce.unwrap_or_default().to_owned();
    if !shared.state.lock().nonces.insert(nonce) {
        return Some(Failure::new(
            401,
            "INVALID_SIGNATURE",
            "無效的簽名: nonce already used",
        ));
    }
    None
}

fn route(shared: &Shared, req: &Request, path: &str, full_path: &str) -> ResponseTemplate {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let m = &req.method;
    let result = match (m.as_str(), segs.as_slice()) {
        ("POST", ["orders"]) => create_order(shared, req),
        ("GET", ["orders"]) => list_orders(shared, req),
        ("GET", ["orders", id]) => get_order(shared, id),
        ("PATCH", ["orders", id]) => update_order(shared, req, id),
        ("POST", ["payments"]) => create_payment(shared, req),
        ("GET", ["payments", id]) => get_payment(shared, id),
        ("PATCH", ["payments", id, "status"]) => update_payment_status(shared, req, id),
        ("POST", ["payments", id, "simulate"]) => simulate_http(shared, id),
        _ => Err(Failure::new(
            404,
            "NOT_FOUND",
            format!("no route for {m} {path}"),
        )),
    };
    result.unwrap_or_else(|f| f.into_response(full_path))
}

type Handled = std::result::Result<ResponseTemplate, Failure>;

fn parse_body<T: for<'de> Deserialize<'de>>(req: &Request) -> std::result::Result<T, Failure> {
    serde_json::from_slice(&req.body)
        .map_err(|e| Failure::validation("body", format!("invalid JSON body: {e}")))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrderIn {
    description: Option<String>,
    #[serde(default, with = "crate::money::option")]
    amount: Option<Decimal>,
    currency: Option<String>,
    customer_email: Option<String>,
    customer_phone: Option<String>,
    metadata: Option<Metadata>,
    status: Option<OrderStatus>,
}

fn check_amount(field: &str, a: &Option<Decimal>) -> std::result::Result<(), Failure> {
    match a {
        Some(a) if *a > Decimal::ZERO && a.normalize().scale() <= 2 => Ok(()),
        Some(_) => Err(Failure::validation(field, "金額必須大於0, 最多兩位小數")),
        None => Ok(()),
    }
}

fn create_order(shared: &Shared, req: &Request) -> Handled {
    let b: OrderIn = parse_body(req)?;
    let description = b.description.filter(|d| !d.trim().is_empty());
    let Some(description) = description else {
        return Err(Failure::validation("description", "描述不能為空"));
    };
    let Some(amount) = b.amount else {
        return Err(Failure::validation("amount", "金額必須大於0"));
    };
    check_amount("amount", &Some(amount))?;
    let currency = b.currency.unwrap_or_else(|| "HKD".into());
    if currency.len() != 3 || !currency.bytes().all(|c| c.is_ascii_uppercase()) {
        return Err(Failure::validation("currency", "無效的貨幣"));
    }
    if let Some(e) = &b.customer_email {
        if !e.contains('@') {
            return Err(Failure::validation("customerEmail", "無效的電郵"));
        }
    }
    let mut st = shared.state.lock();
    let order = new_order(
        &mut st,
        description,
        amount,
        currency,
        b.customer_email,
        b.customer_phone,
        b.metadata,
    );
    st.orders.push(order.clone());
    Ok(ok(201, &order, Some("訂單已創建"), None))
}

fn get_order(shared: &Shared, id: &str) -> Handled {
    let st = shared.state.lock();
    let order = st
        .orders
        .iter()
        .find(|o| o.id == id)
        .ok_or_else(|| Failure::new(404, "ORDER_NOT_FOUND", "訂單不存在"))?;
    Ok(ok(200, order, None, None))
}

fn update_order(shared: &Shared, req: &Request, id: &str) -> Handled {
    let b: OrderIn = parse_body(req)?;
    check_amount("amount", &b.amount)?;
    if let Some(d) = &b.description {
        if d.trim().is_empty() {
            return Err(Failure::validation("description", "描述不能為空"));
        }
    }
    if let Some(OrderStatus::Other(s)) = &b.status {
        return Err(Failure::validation("status", format!("未知的訂單狀態 {s}")));
    }
    let mut st = shared.state.lock();
    let order = st
        .orders
        .iter_mut()
        .find(|o| o.id == id)
        .ok_or_else(|| Failure::new(404, "ORDER_NOT_FOUND", "訂單不存在"))?;
    if order.status.is_final() {
        return Err(Failure::validation(
            "status",
            format!("訂單已{}, 不能更新", order.status),
        ));
    }
    if b.amount.is_some() && order.payment.is_some() {
        return Err(Failure::new(
            400,
            "INVALID_AMOUNT",
            "訂單已有支付, 不能更改金額",
        ));
    }
    if let Some(d) = b.description {
        order.description = Some(d);
    }
    if let Some(a) = b.amount {
        order.amount = a;
    }
    if let Some(s) = b.status {
        order.status = s;
    }
    if let Some(m) = b.metadata {
        order.metadata = Some(m);
    }
    order.updated_at = Some(now());
    // The PATCH response carries the fields the spec shows.
    let body = serde_json::json!({
        "id": order.id,
        "orderNumber": order.order_number,
        "description": order.description,
        "amount": serde_json::value::RawValue::from_string(order.amount.to_string()).ok(),
        "currency": order.currency,
        "status": order.status,
        "updatedAt": order.updated_at,
    });
    Ok(ok(200, &body, Some("訂單已更新"), None))
}

fn parse_time(field: &str, v: &str) -> std::result::Result<DateTime<Utc>, Failure> {
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| Failure::validation(field, "必須是 ISO 8601 時間"))
}

fn list_orders(shared: &Shared, req: &Request) -> Handled {
    let q: HashMap<String, String> = req.url.query_pairs().into_owned().collect();
    let num = |k: &str, default: u32| -> std::result::Result<u32, Failure> {
        match q.get(k) {
            None => Ok(default),
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| Failure::validation(k, "必須是正整數")),
        }
    };
    let page = num("page", 1)?;
    let limit = num("limit", 10)?.min(100);
    let dec = |k: &str| -> std::result::Result<Option<Decimal>, Failure> {
        q.get(k)
            .map(|v| Decimal::from_str(v).map_err(|_| Failure::validation(k, "必須是數字")))
            .transpose()
    };
    let amount_min = dec("amount_min")?;
    let amount_max = dec("amount_max")?;
    let after = q
        .get("created_after")
        .map(|v| parse_time("created_after", v))
        .transpose()?;
    let before = q
        .get("created_before")
        .map(|v| parse_time("created_before", v))
        .transpose()?;
    let status = q.get("status").map(|s| OrderStatus::from_wire(s));
    let sort = q.get("sort").map(String::as_str).unwrap_or("createdAt");
    let desc = match q.get("order").map(String::as_str) {
        None | Some("desc") => true,
        Some("asc") => false,
        Some(_) => return Err(Failure::validation("order", "必須是 asc 或 desc")),
    };
    let st = shared.state.lock();
    let mut items: Vec<(usize, &Order)> = st
        .orders
        .iter()
        .enumerate()
        .filter(|(_, o)| status.as_ref().is_none_or(|s| &o.status == s))
        .filter(|(_, o)| amount_min.is_none_or(|m| o.amount >= m))
        .filter(|(_, o)| amount_max.is_none_or(|m| o.amount <= m))
        .filter(|(_, o)| after.is_none_or(|t| o.created_at.is_some_and(|c| c >= t)))
        .filter(|(_, o)| before.is_none_or(|t| o.created_at.is_some_and(|c| c <= t)))
        .collect();
    match sort {
        "createdAt" => items.sort_by_key(|(i, o)| (o.created_at, *i)),
        "updatedAt" => items.sort_by_key(|(i, o)| (o.updated_at, *i)),
        "amount" => items.sort_by_key(|(i, o)| (o.amount, *i)),
        _ => return Err(Failure::validation("sort", "不支援的排序字段")),
    }
    if desc {
        items.reverse();
    }
    let total = items.len() as u64;
    let total_pages = total.div_ceil(u64::from(limit)) as u32;
    let start = (page as usize - 1).saturating_mul(limit as usize);
    let data: Vec<Order> = items
        .into_iter()
        .skip(start)
        .take(limit as usize)
        .map(|(_, o)| {
            let mut o = o.clone();
            o.payment = None;
            o
        })
        .collect();
    Ok(ok(
        200,
        &data,
        None,
        Some(Pagination::new(page, limit, total, total_pages)),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PaymentIn {
    order_id: Option<String>,
    #[serde(default, with = "crate::money::option")]
    amount: Option<Decimal>,
    currency: Option<String>,
    method: Option<PaymentMethod>,
    #[allow(dead_code)]
    description: Option<String>,
    return_url: Option<String>,
    cancel_url: Option<String>,
}

fn create_payment(shared: &Shared, req: &Request) -> Handled {
    let b: PaymentIn = parse_body(req)?;
    let order_id = b
        .order_id
        .ok_or_else(|| Failure::validation("orderId", "必填"))?;
    let amount = b
        .amount
        .ok_or_else(|| Failure::validation("amount", "必填"))?;
    check_amount("amount", &Some(amount))?;
    match &b.method {
        None | Some(PaymentMethod::OctopusQr) => {}
        Some(m) => {
            return Err(Failure::validation(
                "method",
                format!("不支援的支付方式 {m}"),
            ))
        }
    }
    for (f, u) in [("returnUrl", &b.return_url), ("cancelUrl", &b.cancel_url)] {
        if let Some(u) = u {
            if url::Url::parse(u).is_err() {
                return Err(Failure::validation(f, "無效的URL"));
            }
        }
    }
    let merchant_id = shared.config.merchant_id.clone();
    let mut st = shared.state.lock();
    let order = st
        .orders
        .iter()
        .find(|o| o.id == order_id)
        .ok_or_else(|| Failure::new(404, "ORDER_NOT_FOUND", "訂單不存在"))?
        .clone();
    if let Some(p) = &order.payment {
        if !matches!(p.status, PaymentStatus::Failed | PaymentStatus::Cancelled) {
            return Err(Failure::new(409, "PAYMENT_ALREADY_EXISTS", "支付已存在"));
        }
    }
    if order.status.is_final() {
        return Err(Failure::validation(
            "orderId",
            format!("訂單已{}", order.status),
        ));
    }
    let currency = b.currency.unwrap_or_else(|| order.currency.clone());
    if amount != order.amount || currency != order.currency {
        return Err(Failure::new(400, "INVALID_AMOUNT", "支付金額與訂單不符"));
    }
    let id = uuid();
    let token: String = sign_core::new_nonce()[..7].to_owned();
    let t = now();
    let qr = QrCodeData {
        url: format!("https://www.online-octopus.com/oos/payment/?token={token}"),
        token: Some(token.clone()),
        merchant_id: Some(merchant_id),
        order_id: Some(order_id.clone()),
        payment_id: Some(id.clone()),
        amount: Some(amount),
        currency: Some(currency.clone()),
        timestamp: Some(t),
    };
    let qr_raw = serde_json::to_string(&qr).unwrap_or_default();
    let payment = Payment {
        id: id.clone(),
        order_id: order_id.clone(),
        amount,
        currency,
        status: PaymentStatus::Pending,
        method: PaymentMethod::OctopusQr,
        payment_token: Some(token.clone()),
        qr_code_data: Some(QrCode::from_raw(qr_raw)),
        octopus_transaction_id: None,
        octopus_response: None,
        failure_reason: None,
        created_at: Some(t),
        updated_at: Some(t),
        completed_at: None,
    };
    st.payments.push(payment.clone());
    if let Some(o) = st.orders.iter_mut().find(|o| o.id == order_id) {
        o.payment = Some(OrderPayment {
            id,
            status: PaymentStatus::Pending,
            payment_token: Some(token),
        });
    }
    Ok(ok(201, &payment, Some("支付請求已創建"), None))
}

fn get_payment(shared: &Shared, id: &str) -> Handled {
    let st = shared.state.lock();
    let p = st
        .payments
        .iter()
        .find(|p| p.id == id)
        .ok_or_else(|| Failure::new(404, "PAYMENT_NOT_FOUND", "支付記錄不存在"))?;
    Ok(ok(200, p, None, None))
}

fn status_change(p: &Payment) -> serde_json::Value {
    serde_json::json!({
        "id": p.id,
        "status": p.status,
        "octopusTransactionId": p.octopus_transaction_id,
        "octopusResponse": p.octopus_response,
        "failureReason": p.failure_reason,
        "updatedAt": p.updated_at,
        "completedAt": p.completed_at,
    })
}

fn allowed(from: &PaymentStatus, to: &PaymentStatus) -> bool {
    use PaymentStatus::*;
    matches!(
        (from, to),
        (Pending, Processing | Completed | Failed | Cancelled)
            | (Processing, Completed | Failed | Cancelled)
            | (Completed, Refunded)
    )
}

/// Applies a status change; returns the payment and the webhook job.
fn apply_status(
    shared: &Shared,
    st: &mut State,
    id: &str,
    to: PaymentStatus,
    txn: Option<String>,
    response: Option<String>,
    failure: Option<String>,
) -> std::result::Result<(Payment, Option<WebhookJob>), Failure> {
    let cfg = &shared.config;
    let webhook_url = shared.callbacks.url();
    let p = st
        .payments
        .iter_mut()
        .find(|p| p.id == id)
        .ok_or_else(|| Failure::new(404, "PAYMENT_NOT_FOUND", "支付記錄不存在"))?;
    if !allowed(&p.status, &to) {
        return Err(Failure::validation(
            "status",
            format!("支付狀態不能從 {} 變為 {}", p.status, to),
        ));
    }
    let t = now();
    p.status = to.clone();
    p.updated_at = Some(t);
    if let Some(txn) = txn {
        p.octopus_transaction_id = Some(txn);
    }
    if let Some(r) = response {
        p.octopus_response = Some(OctopusResponse::from_raw(r));
    }
    if failure.is_some() {
        p.failure_reason = failure;
    }
    if to == PaymentStatus::Completed {
        p.completed_at = Some(t);
    }
    let payment = p.clone();
    if let Some(o) = st.orders.iter_mut().find(|o| o.id == payment.order_id) {
        if let Some(op) = &mut o.payment {
            if op.id == payment.id {
                op.status = to.clone();
            }
        }
        if to == PaymentStatus::Completed {
            o.status = OrderStatus::Completed;
        }
        o.updated_at = Some(t);
    }
    let (event, status) = match to {
        PaymentStatus::Completed => ("payment.completed", "SUCCESS"),
        PaymentStatus::Failed => ("payment.failed", "FAILED"),
        PaymentStatus::Cancelled => ("payment.cancelled", "CANCELLED"),
        PaymentStatus::Refunded => ("payment.refunded", "REFUNDED"),
        _ => ("payment.processing", "PENDING"),
    };
    let job = webhook_url.map(|url| WebhookJob {
        url,
        body: webhook_body(cfg, &payment, event, status),
        order_id: payment.order_id.clone(),
    });
    Ok((payment, job))
}

fn webhook_body(cfg: &SimulatorConfig, p: &Payment, event: &str, status: &str) -> Vec<u8> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Body<'a> {
        event_type: &'a str,
        transaction_id: Option<&'a str>,
        order_id: &'a str,
        status: &'a str,
        #[serde(with = "crate::money")]
        amount: Decimal,
        currency: &'a str,
        timestamp: String,
        merchant_id: &'a str,
    }
    serde_json::to_vec(&Body {
        event_type: event,
        transaction_id: p.octopus_transaction_id.as_deref(),
        order_id: &p.order_id,
        status,
        amount: p.amount,
        currency: &p.currency,
        timestamp: now_str(),
        merchant_id: &cfg.merchant_id,
    })
    .unwrap_or_default()
}

fn simulate(
    shared: &Shared,
    st: &mut State,
    id: &str,
) -> std::result::Result<(Payment, Option<WebhookJob>), FailureMsg> {
    if st.expired.contains(id) {
        let f = Failure::new(410, "PAYMENT_EXPIRED", "支付已過期");
        return Err(FailureMsg {
            message: f.message.clone(),
            failure: f,
        });
    }
    let txn = format!("sim_{}", &sign_core::new_nonce()[..9]);
    let resp = serde_json::json!({"status": "SUCCESS", "message": "模擬支付成功"}).to_string();
    apply_status(
        shared,
        st,
        id,
        PaymentStatus::Completed,
        Some(txn),
        Some(resp),
        None,
    )
    .map_err(|f| FailureMsg {
        message: f
            .errors
            .first()
            .map(|(_, m)| m.clone())
            .unwrap_or(f.message.clone()),
        failure: f,
    })
}

struct FailureMsg {
    message: String,
    failure: Failure,
}

fn simulate_http(shared: &Shared, id: &str) -> Handled {
    let (payment, job) = {
        let mut st = shared.state.lock();
        simulate(shared, &mut st, id).map_err(|f| f.failure)?
    };
    #[cfg(feature = "realtime")]
    shared.emit_payment_update(&payment);
    if let Some(job) = job {
        let _ = shared.webhooks.send(job);
    }
    Ok(ok(
        200,
        &status_change(&payment),
        Some("模擬支付完成"),
        None,
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusIn {
    status: Option<PaymentStatus>,
    octopus_transaction_id: Option<String>,
    octopus_response: Option<String>,
    failure_reason: Option<String>,
}

fn update_payment_status(shared: &Shared, req: &Request, id: &str) -> Handled {
    let b: StatusIn = parse_body(req)?;
    let to = b
        .status
        .ok_or_else(|| Failure::validation("status", "必填"))?;
    if let PaymentStatus::Other(s) = &to {
        return Err(Failure::validation("status", format!("未知的支付狀態 {s}")));
    }
    let (payment, job) = {
        let mut st = shared.state.lock();
        apply_status(
            shared,
            &mut st,
            id,
            to,
            b.octopus_transaction_id,
            b.octopus_response,
            b.failure_reason,
        )?
    };
    #[cfg(feature = "realtime")]
    shared.emit_payment_update(&payment);
    if let Some(job) = job {
        let _ = shared.webhooks.send(job);
    }
    Ok(ok(
        200,
        &status_change(&payment),
        Some("支付狀態已更新"),
        None,
    ))
}

#[cfg(feature = "realtime")]
mod socketio {
    //! Placeholder for realtime emission; see `Simulator::attach_realtime`.
    /// Emits realtime events.
    pub(crate) type Emitter = std::sync::Arc<dyn Fn(&str, &str, serde_json::Value) + Send + Sync>;
}

#[cfg(feature = "realtime")]
impl Shared {
    fn emit_payment_update(&self, p: &Payment) {
        let emitter = self.realtime.lock().clone();
        if let Some(emit) = emitter {
            let data = serde_json::json!({
                "paymentId": p.id,
                "orderId": p.order_id,
                "status": p.status,
                "amount": serde_json::value::RawValue::from_string(p.amount.to_string()).ok(),
                "currency": p.currency,
                "completedAt": p.completed_at,
            });
            emit(&p.id, "paymentUpdate", data);
        }
    }
}

#[cfg(feature = "realtime")]
impl Simulator {
    /// Attaches a realtime emitter: the simulator calls `emit(room, event,
    /// data)` with `paymentUpdate` for the payment's room whenever a payment
    /// changes (e.g. wire it to a `socketioxide` server's `io.to(room).emit`).
    pub fn attach_realtime(
        &self,
        emit: impl Fn(&str, &str, serde_json::Value) + Send + Sync + 'static,
    ) {
        *self.shared.realtime.lock() = Some(Arc::new(emit));
    }
}

/// Entry points for hostile-input tests: the crate's parsers of network bytes,
/// run on raw input without a server (the send path's decoding, the page
/// walker's judgement, the QR and webhook parsers are reachable publicly).
///
/// ```
/// use octopus_sdk::testing::hostile;
/// assert!(hostile::decode_order(200, b"{\"success\":true").is_err());
/// assert!(hostile::judge_page(1, 10, br#"{"success":true,"data":[]}"#).unwrap());
/// ```
pub mod hostile {
    use std::collections::HashSet;

    use crate::client::{api_error, decode, Call, RawResponse};
    use crate::error::{Error, Result};
    use crate::models::{Order, Page, Pagination, Payment};

    fn answer(status: u16, body: &[u8]) -> RawResponse {
        RawResponse {
            status,
            body: bytes::Bytes::copy_from_slice(body),
            too_long: false,
        }
    }

    /// An order envelope, as `orders.get` decodes it.
    pub fn decode_order(status: u16, body: &[u8]) -> Result<Order> {
        let call = Call::get("hostile.order", &[], "hostile");
        decode(&call, &answer(status, body), usize::MAX).map(|(o, _)| o)
    }

    /// A payment envelope, as `payments.create` (a write) decodes it.
    pub fn decode_payment(status: u16, body: &[u8]) -> Result<Payment> {
        let call = Call::write("hostile.payment", http::Method::POST, &[], None, "hostile");
        decode(&call, &answer(status, body), usize::MAX).map(|(p, _)| p)
    }

    /// A listing envelope, as `orders.list` decodes it.
    pub fn decode_orders(status: u16, body: &[u8]) -> Result<(Vec<Order>, Option<Pagination>)> {
        let call = Call::get("hostile.list", &[], "hostile");
        decode(&call, &answer(status, body), usize::MAX)
    }

    /// A listing page decoded and judged as the walker of `orders.pages()`
    /// does: `true` when it is the last page.
    pub fn judge_page(page: u32, limit: u32, body: &[u8]) -> Result<bool> {
        let (items, pagination) = decode_orders(200, body)?;
        crate::orders::judge_page(
            page,
            limit,
            &Page { items, pagination },
            &mut HashSet::new(),
        )
    }

    /// An error body, as every non-2xx answer is decoded.
    pub fn decode_error(status: u16, body: &[u8]) -> Error {
        api_error(status, body)
    }
}
