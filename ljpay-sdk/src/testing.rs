//! An in-process LJPay payment centre for tests (`testing` feature), on wiremock.
//!
//! The [`Simulator`] checks every request the way the real server does: all four `X-Pay-*`
//! headers, the site code, the timestamp (300 s tolerance), the HMAC signature over the request
//! target as received, and a nonce never seen before; failures get the spec's 401 codes
//! (`INVALID_SIGNATURE`, `EXPIRED_TIMESTAMP`, `REPLAYED_NONCE`, `SITE_NOT_FOUND`). It keeps
//! orders and refunds in memory with the spec's status rules (409 `DUPLICATE_PENDING_ORDER` for
//! a second pending order with the same business number, 409 `ORDER_ALREADY_PAID`,
//! `ORDER_NOT_REFUNDABLE`, `REFUND_AMOUNT_EXCEEDED`, `INVALID_AMOUNT` …). [`Simulator::pay`] is
//! the payer paying: the order becomes `PAID` and a correctly signed webhook is POSTed to the
//! callback URL ([`Simulator::set_callback_url`]); [`Simulator::redeliver`] is LJPay delivering
//! the same event again.
//!
//! Routes are matched on the part of the path from `/api/v1/order/` on, so a client whose
//! base URL carries a path prefix works too (the prefix is still part of the signed path).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use ljpay_sdk::testing::Simulator;
//! use ljpay_sdk::{Channel, CreateOrderRequest, OrderStatus};
//!
//! let sim = Simulator::start().await;
//! let client = sim.client();
//! let req = CreateOrderRequest::new("B-1", 1000, Channel::WechatNative, "tea");
//! client.orders().create(&req).await?;
//! sim.mark_paid("B-1")?; // the state change alone; `pay` also delivers the webhook
//! let order = client.orders().get_by_biz_order_no("B-1").await?;
//! assert_eq!(order.status, OrderStatus::Paid);
//! // Without a callback URL there is nobody to deliver to: an error, not a silent success.
//! assert!(sim.pay("B-1").await.is_err());
//! # Ok(()) }
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use percent_encoding::percent_decode_str;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Map};
use sign_core::ljpay::{
    IncomingHeaders, DEFAULT_TOLERANCE_SECS, HEADER_NONCE, HEADER_SIGNATURE, HEADER_SITE,
    HEADER_TIMESTAMP,
};
use sign_core::replay::{MemoryStore, ReplayGuard, StoreError};
use sign_core::testing::{SimServer, StateMutex};
use sign_core::{Secret, VerifyError};
use url::Url;
use wiremock::matchers::any;
use wiremock::{Mock, Request, Respond, ResponseTemplate};

use crate::models::{Channel, ErrorCode, OrderInfo, OrderStatus, RefundResponse, RefundStatus};
use crate::webhook::{sign_headers, RequestParts, Verifier};
use crate::{Client, ClientBuilder, Error, RetryPolicy};

/// A 1×1 PNG, base64: the QR image the simulator hands out (the SDK only needs valid PNG data).
const PNG_1X1: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

/// How long a simulated order stays payable.
const ORDER_TTL_SECS: i64 = 15 * 60;

/// An order as the simulator keeps it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SimOrder {
    /// Payment-centre order number (`lp_…`).
    pub order_no: String,
    /// Business order number.
    pub biz_order_no: String,
    /// Channel as requested.
    pub channel: Channel,
    /// Status.
    pub status: OrderStatus,
    /// Amount in fen.
    pub amount_fen: i64,
    /// Paid amount in fen.
    pub paid_amount_fen: i64,
    /// Refunded so far in fen.
    pub refunded_fen: i64,
    /// Subject.
    pub subject: String,
    /// Channel trade number, once paid.
    pub channel_trade_no: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Expiry time.
    pub expires_at: DateTime<Utc>,
    /// Payment time.
    pub paid_at: Option<DateTime<Utc>>,
    /// `metadata` as received, raw JSON text.
    pub metadata: Option<String>,
}

impl SimOrder {
    /// The order as the query endpoints return it.
    pub fn to_order_info(&self) -> OrderInfo {
        OrderInfo {
            order_no: self.order_no.clone(),
            biz_order_no: self.biz_order_no.clone(),
            channel: Some(self.channel.clone()),
            status: self.status.clone(),
            amount_fen: Some(self.amount_fen),
            paid_amount_fen: Some(self.paid_amount_fen),
            refunded_fen: Some(self.refunded_fen),
            channel_trade_no: self.channel_trade_no.clone(),
            created_at: Some(self.created_at),
            paid_at: self.paid_at,
            extra: Map::new(),
        }
    }
}

/// A refund as the simulator keeps it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SimRefund {
    /// Payment-centre refund number (`lpr_…`).
    pub refund_no: String,
    /// Merchant refund number.
    pub out_refund_no: String,
    /// Business order number.
    pub biz_order_no: String,
    /// Amount in fen.
    pub refund_fen: i64,
    /// Status (always `SUCCESS` in the simulator).
    pub status: RefundStatus,
    /// Reason, if given.
    pub reason: Option<String>,
}

impl SimRefund {
    fn to_response(&self) -> RefundResponse {
        RefundResponse {
            refund_no: Some(self.refund_no.clone()),
            out_refund_no: Some(self.out_refund_no.clone()),
            status: self.status.clone(),
            refund_fen: Some(self.refund_fen),
            channel_refund_id: Some(format!("sim-{}", self.refund_no)),
            extra: Map::new(),
        }
    }
}

/// A fault the simulator applies to the next request that passes the signature check.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this status and body without processing the request.
    Respond {
        /// HTTP status.
        status: u16,
        /// Body.
        body: String,
    },
    /// Process the request normally but hold the answer back this long; with a shorter client
    /// timeout this is a request that took effect while the caller saw a timeout.
    DelayAnswer(Duration),
}

/// Counters of what the simulator received.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SimStats {
    /// Requests received.
    pub requests: u64,
    /// Requests refused with a 401 (signature, timestamp, nonce or site).
    pub rejected: u64,
}

/// The merchant's reply to a signed webhook the simulator delivered (the same type in every
/// SDK's simulator).
pub use sign_core::testing::CallbackReply;

/// One signed delivery, kept so it can be re-delivered or replayed.
#[derive(Debug, Clone)]
struct Delivered {
    order_no: String,
    body: String,
    timestamp: i64,
    nonce: String,
}

/// What can go wrong driving the simulator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// No order with that order number or business order number.
    #[error("no simulated order `{0}`")]
    OrderNotFound(String),
    /// The order cannot be paid in its status.
    #[error("order {order_no} is {status} and cannot be paid")]
    NotPayable {
        /// Order number.
        order_no: String,
        /// Its status.
        status: OrderStatus,
    },
    /// The callback URL is not a valid http(s) URL.
    #[error("invalid callback URL: {0}")]
    InvalidCallbackUrl(String),
}

#[derive(Default)]
struct State {
    orders: Vec<SimOrder>,
    refunds: Vec<SimRefund>,
    delivered: Vec<Delivered>,
    faults: VecDeque<Fault>,
    next_id: u64,
    stats: SimStats,
    site_disabled: bool,
    disabled_channels: Vec<Channel>,
}

struct Shared {
    site_code: String,
    secret: Secret,
    nonces: MemoryStore,
    state: StateMutex<State>,
}

/// An in-process LJPay. Dropping it stops the server. See [`Simulator::pay`] for a handler
/// tested from start to verified callback.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use ljpay_sdk::testing::{Fault, Simulator};
/// let sim = Simulator::start().await;
/// // The next signed request gets a 503 without being processed.
/// sim.inject_fault(Fault::Respond { status: 503, body: "maintenance".into() });
/// let e = sim.client().orders().get_by_order_no("lp_1").await.unwrap_err();
/// assert_eq!(e.status(), Some(404), "the query was retried after the 503");
/// assert_eq!(sim.stats().requests, 2);
/// # Ok(()) }
/// ```
pub struct Simulator {
    /// The mock server and the merchant's callback URL (the same in every SDK).
    server: SimServer,
    shared: Arc<Shared>,
    client: Client,
    verifier: Verifier,
}

/// The builder of the simulator's own clients: its URL and credentials, short backoffs.
fn client_builder(base_url: &str, shared: &Shared) -> ClientBuilder {
    Client::builder()
        .base_url(base_url)
        .site_code(shared.site_code.as_str())
        .secret(shared.secret.clone())
        .retry_policy(
            RetryPolicy::default()
                .with_backoff(Duration::from_millis(5), Duration::from_millis(20)),
        )
}

impl fmt::Debug for Simulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulator")
            .field("base_url", &self.server.base_url())
            .field("site_code", &self.shared.site_code)
            .field("secret", &self.shared.secret)
            .finish_non_exhaustive()
    }
}

impl Simulator {
    /// Starts a simulator on 127.0.0.1 with site code `sim-site` and a random secret.
    pub async fn start() -> Simulator {
        Simulator::start_with("sim-site", Secret::new(sign_core::new_nonce())).await
    }

    /// Starts a simulator with the given site code and secret.
    ///
    /// # Panics
    ///
    /// When the site code is not non-empty visible ASCII or the secret is empty: no client
    /// could talk to such a site (the panic carries the builder's [`Error::Config`] message).
    /// This is what lets [`Simulator::client`] and [`Simulator::verifier`] return their value
    /// directly.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sim = ljpay_sdk::testing::Simulator::start_with("shop-7", "a-test-secret").await;
    /// assert_eq!(sim.client().site_code(), "shop-7");
    /// # }
    /// ```
    pub async fn start_with(site_code: impl Into<String>, secret: impl Into<Secret>) -> Simulator {
        let shared = Arc::new(Shared {
            site_code: site_code.into(),
            secret: secret.into(),
            nonces: MemoryStore::new(),
            state: StateMutex::default(),
        });
        let server = SimServer::start().await;
        Mock::given(any())
            .respond_with(Responder(shared.clone()))
            .mount(server.mock_server())
            .await;
        let client = client_builder(&server.base_url(), &shared)
            .build()
            .unwrap_or_else(|e| panic!("Simulator::start_with: {e}"));
        let verifier = Verifier::new(shared.site_code.as_str(), shared.secret.clone())
            .unwrap_or_else(|e| panic!("Simulator::start_with: {e}"));
        Simulator {
            server,
            shared,
            client,
            verifier,
        }
    }

    /// The base URL to give a client (`http://127.0.0.1:<port>`).
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// The site code the simulator accepts.
    pub fn site_code(&self) -> &str {
        &self.shared.site_code
    }

    /// The site's secret.
    pub fn secret(&self) -> &Secret {
        &self.shared.secret
    }

    /// A client builder configured for this simulator, with short retry backoffs, to change a
    /// setting before building.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ljpay_sdk::Error> {
    /// let sim = ljpay_sdk::testing::Simulator::start().await;
    /// let client = sim.client_builder().max_body_bytes(64 * 1024).build()?;
    /// # let _ = client;
    /// # Ok(()) }
    /// ```
    pub fn client_builder(&self) -> ClientBuilder {
        client_builder(&self.base_url(), &self.shared)
    }

    /// A ready client for this simulator (short retry backoffs); every call shares one
    /// connection pool.
    ///
    /// Not a `Result`: the simulator's own configuration (a loopback `http` URL, its site code
    /// and secret) is fixed and checked when it starts, so there is nothing left to fail at
    /// run time. Adjust a setting with [`Simulator::client_builder`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sim = ljpay_sdk::testing::Simulator::start().await;
    /// let client = sim.client();
    /// assert_eq!(client.site_code(), sim.site_code());
    /// # }
    /// ```
    pub fn client(&self) -> Client {
        self.client.clone()
    }

    /// A webhook verifier with the merchant's site code and secret, as the merchant's handler
    /// builds it (300 s window, in-memory replay guard). Every verifier this simulator hands
    /// out shares one replay guard, as one merchant's handlers share one store: a
    /// [`Simulator::redeliver`] is seen as a
    /// [`Delivery::Repeat`](crate::webhook::Delivery::Repeat) whichever of them checks it.
    /// Give one its own guard with [`Verifier::with_replay_guard`].
    ///
    /// Not a `Result`, for the same reason as [`Simulator::client`]: the simulator's site code
    /// and secret were checked when it started and are never empty.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use ljpay_sdk::testing::Simulator;
    /// use ljpay_sdk::webhook::{Delivery, ReplayGuard, ACK};
    /// use ljpay_sdk::{Channel, CreateOrderRequest};
    /// use wiremock::{matchers::method, Mock, MockServer, ResponseTemplate};
    ///
    /// let sim = Simulator::start().await;
    /// let shop = MockServer::start().await; // the merchant's webhook endpoint
    /// let ack = ResponseTemplate::new(200).set_body_string(ACK);
    /// Mock::given(method("POST")).respond_with(ack).mount(&shop).await;
    /// sim.set_callback_url(&format!("{}/ljpay/webhook", shop.uri()))?;
    /// let order = CreateOrderRequest::new("B-DOC", 1000, Channel::WechatNative, "tea");
    /// sim.client().orders().create(&order).await?;
    /// sim.pay("B-DOC").await?;
    /// sim.redeliver("B-DOC").await?; // LJPay's duplicate delivery, freshly signed
    /// let posted = shop.received_requests().await.unwrap_or_default();
    /// let record = |verifier: ljpay_sdk::webhook::Verifier, i: usize| {
    ///     let p = posted[i].clone();
    ///     async move {
    ///         let r = verifier.verify_and_record("POST", p.url.path(), &p.headers, &p.body);
    ///         r.await.map(|received| received.delivery)
    ///     }
    /// };
    ///
    /// // Two verifiers from the simulator, one guard: the re-delivery is a repeat.
    /// assert_eq!(record(sim.verifier(), 0).await?, Delivery::First);
    /// assert_eq!(record(sim.verifier(), 1).await?, Delivery::Repeat);
    /// // A verifier given a guard of its own has not seen it.
    /// let own = sim.verifier().with_replay_guard(ReplayGuard::memory());
    /// assert_eq!(record(own, 1).await?, Delivery::First);
    /// # Ok(()) }
    /// ```
    pub fn verifier(&self) -> Verifier {
        self.verifier.clone()
    }

    /// Where [`Simulator::pay`] and [`Simulator::redeliver`] POST the signed webhook (the
    /// merchant's callback URL, path and query included).
    pub fn set_callback_url(&self, url: &str) -> Result<(), SimError> {
        let parsed = Url::parse(url).map_err(|e| SimError::InvalidCallbackUrl(e.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(SimError::InvalidCallbackUrl(format!(
                "scheme {} is not http(s)",
                parsed.scheme()
            )));
        }
        self.server.callbacks().set_url(parsed);
        Ok(())
    }

    /// Disables (or re-enables) the site: every signed request then gets 401 `SITE_DISABLED`.
    pub fn set_site_disabled(&self, disabled: bool) {
        self.shared.state.lock().site_disabled = disabled;
    }

    /// Disables a channel's route: creating an order on it gets 400 `CHANNEL_DISABLED`
    /// (`alipay_pc` and `alipay_page` are one route).
    pub fn disable_channel(&self, channel: Channel) {
        self.shared
            .state
            .lock()
            .disabled_channels
            .push(channel.route());
    }

    /// Queues a fault for the next request that passes the signature check.
    pub fn inject_fault(&self, fault: Fault) {
        self.shared.state.lock().faults.push_back(fault);
    }

    /// An order by payment-centre order number or (latest) business order number.
    pub fn order(&self, order_no_or_biz_no: &str) -> Option<SimOrder> {
        let st = self.shared.state.lock();
        find(&st, order_no_or_biz_no).map(|i| st.orders[i].clone())
    }

    /// All orders, oldest first.
    pub fn orders(&self) -> Vec<SimOrder> {
        self.shared.state.lock().orders.clone()
    }

    /// All refunds, oldest first.
    pub fn refunds(&self) -> Vec<SimRefund> {
        self.shared.state.lock().refunds.clone()
    }

    /// Request counters.
    pub fn stats(&self) -> SimStats {
        self.shared.state.lock().stats
    }

    /// Marks an order (by order number or business order number) paid in full, without
    /// delivering anything. A `CANCELED` or `EXPIRED` order becomes `PAY_AFTER_CLOSE`, as on the
    /// real centre. Returns the order as it now is.
    pub fn mark_paid(&self, order_no_or_biz_no: &str) -> Result<SimOrder, SimError> {
        let mut st = self.shared.state.lock();
        let i = find(&st, order_no_or_biz_no)
            .ok_or_else(|| SimError::OrderNotFound(order_no_or_biz_no.to_owned()))?;
        let order = &mut st.orders[i];
        order.status = match order.status {
            OrderStatus::Pending => OrderStatus::Paid,
            OrderStatus::Canceled | OrderStatus::Expired => OrderStatus::PayAfterClose,
            ref other => {
                return Err(SimError::NotPayable {
                    order_no: order.order_no.clone(),
                    status: other.clone(),
                })
            }
        };
        order.paid_amount_fen = order.amount_fen;
        order.paid_at = Some(Utc::now());
        order.channel_trade_no = Some(format!("sim{}", order.order_no));
        Ok(order.clone())
    }

    /// The payer pays: marks the order paid (see [`Simulator::mark_paid`]) and delivers the
    /// signed webhook to the callback URL, returning the merchant's reply. An error when no
    /// callback URL is set (checked before anything changes) or the order cannot be paid.
    ///
    /// Testing a merchant's webhook handler from start to verified callback:
    ///
    /// ```rust
    /// use std::sync::{Arc, Mutex};
    ///
    /// use axum::body::Bytes;
    /// use axum::extract::{OriginalUri, State};
    /// use axum::http::{HeaderMap, Method, StatusCode};
    /// use axum::routing::post;
    /// use axum::Router;
    /// use ljpay_sdk::testing::Simulator;
    /// use ljpay_sdk::webhook::{Delivery, Verifier, ACK};
    /// use ljpay_sdk::{Channel, CreateOrderRequest, OrderStatus};
    ///
    /// /// The handler under test: it records what it processed.
    /// type Processed = Arc<Mutex<Vec<(String, OrderStatus)>>>;
    ///
    /// async fn ljpay_webhook(
    ///     State((verifier, processed)): State<(Arc<Verifier>, Processed)>,
    ///     method: Method,
    ///     OriginalUri(uri): OriginalUri,
    ///     headers: HeaderMap,
    ///     body: Bytes,
    /// ) -> (StatusCode, &'static str) {
    ///     let target = uri.path_and_query().map_or("/", |pq| pq.as_str());
    ///     match verifier.verify_and_record(&method, target, &headers, &body).await {
    ///         Ok(got) => {
    ///             if got.delivery == Delivery::First {
    ///                 let mut done = processed.lock().unwrap_or_else(|p| p.into_inner());
    ///                 done.push((got.event.biz_order_no, got.event.status));
    ///             }
    ///             (StatusCode::OK, ACK)
    ///         }
    ///         Err(_) => (StatusCode::UNAUTHORIZED, "refused"),
    ///     }
    /// }
    ///
    /// #[tokio::main(flavor = "current_thread")]
    /// async fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     // 1. An in-process LJPay, and your handler on a loopback port, verifying with the
    ///     //    simulator's site code and secret.
    ///     let sim = Simulator::start().await;
    ///     let processed = Processed::default();
    ///     let app = Router::new()
    ///         .route("/hooks/ljpay", post(ljpay_webhook))
    ///         .with_state((Arc::new(sim.verifier()), processed.clone()));
    ///     let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     sim.set_callback_url(&format!("http://{}/hooks/ljpay", listener.local_addr()?))?;
    ///     tokio::spawn(async move { axum::serve(listener, app).await });
    ///
    ///     // 2. Your checkout creates an order with a ready client.
    ///     let client = sim.client();
    ///     let req = CreateOrderRequest::new("B-1001", 12_800, Channel::WechatNative, "Pear tea");
    ///     client.orders().create(&req).await?;
    ///
    ///     // 3. The payer pays: the simulator delivers a signed webhook; your handler answers.
    ///     let reply = sim.pay("B-1001").await?;
    ///     assert_eq!((reply.status, reply.body.as_str()), (200, ACK));
    ///
    ///     // 4. LJPay delivers the same event again: acknowledged, not processed twice.
    ///     let again = sim.redeliver("B-1001").await?;
    ///     assert_eq!(again.status, 200);
    ///     let done = processed.lock().unwrap_or_else(|p| p.into_inner()).clone();
    ///     assert_eq!(done, vec![("B-1001".to_string(), OrderStatus::Paid)]);
    ///     Ok(())
    /// }
    /// ```
    pub async fn pay(&self, order_no_or_biz_no: &str) -> Result<CallbackReply, Error> {
        let url = self.callback_url()?;
        let order = self.mark_paid(order_no_or_biz_no).map_err(sim_error)?;
        self.deliver(&url, order.order_no.clone(), webhook_body(&order))
            .await
    }

    /// LJPay's duplicate delivery: sends the last webhook delivered for this order again, the
    /// same event body freshly signed (a new timestamp and nonce), as LJPay does when the
    /// merchant did not acknowledge it. The merchant's handler should see
    /// [`Delivery::Repeat`](crate::webhook::Delivery::Repeat).
    pub async fn redeliver(&self, order_no_or_biz_no: &str) -> Result<CallbackReply, Error> {
        let url = self.callback_url()?;
        let last = self.last_delivery(order_no_or_biz_no)?;
        self.deliver(&url, last.order_no, last.body).await
    }

    /// An attacker's replay: sends the last webhook for this order again byte for byte, with
    /// its original headers (same nonce). The merchant's handler should refuse it
    /// ([`Error::Replayed`]).
    pub async fn replay_last_delivery(
        &self,
        order_no_or_biz_no: &str,
    ) -> Result<CallbackReply, Error> {
        let url = self.callback_url()?;
        let last = self.last_delivery(order_no_or_biz_no)?;
        self.post(&url, &last).await
    }

    /// Sends the webhook for an order in its current state, freshly signed: a status change
    /// the merchant has not seen yet (after a refund, say) or a repeat of an unchanged one.
    pub async fn send_webhook(&self, order_no_or_biz_no: &str) -> Result<CallbackReply, Error> {
        let url = self.callback_url()?;
        let order = self
            .order(order_no_or_biz_no)
            .ok_or_else(|| sim_error(SimError::OrderNotFound(order_no_or_biz_no.to_owned())))?;
        self.deliver(&url, order.order_no.clone(), webhook_body(&order))
            .await
    }

    fn callback_url(&self) -> Result<Url, Error> {
        // Set only through `set_callback_url`, which parsed it: it parses again.
        let url = self.server.callbacks().url();
        url.and_then(|u| Url::parse(&u).ok())
            .ok_or_else(|| Error::Config {
                field: "callback_url",
                reason: "is not set: call Simulator::set_callback_url first".into(),
            })
    }

    fn last_delivery(&self, key: &str) -> Result<Delivered, Error> {
        let st = self.shared.state.lock();
        let order_no = find(&st, key)
            .map(|i| st.orders[i].order_no.clone())
            .ok_or_else(|| sim_error(SimError::OrderNotFound(key.to_owned())))?;
        st.delivered
            .iter()
            .rev()
            .find(|d| d.order_no == order_no)
            .cloned()
            .ok_or_else(|| Error::Validation {
                field: "order_no",
                reason: format!("no webhook was delivered for {order_no} yet"),
            })
    }

    /// Marks a pending order `EXPIRED`.
    pub fn expire(&self, order_no_or_biz_no: &str) -> Result<(), SimError> {
        let mut st = self.shared.state.lock();
        let i = find(&st, order_no_or_biz_no)
            .ok_or_else(|| SimError::OrderNotFound(order_no_or_biz_no.to_owned()))?;
        if st.orders[i].status == OrderStatus::Pending {
            st.orders[i].status = OrderStatus::Expired;
        }
        Ok(())
    }

    async fn deliver(
        &self,
        url: &Url,
        order_no: String,
        body: String,
    ) -> Result<CallbackReply, Error> {
        let delivered = Delivered {
            order_no,
            body,
            timestamp: Utc::now().timestamp(),
            nonce: sign_core::new_nonce(),
        };
        self.shared.state.lock().delivered.push(delivered.clone());
        self.post(url, &delivered).await
    }

    async fn post(&self, url: &Url, d: &Delivered) -> Result<CallbackReply, Error> {
        let path_with_query = match url.query() {
            Some(q) => format!("{}?{}", url.path(), q),
            None => url.path().to_owned(),
        };
        let parts = RequestParts {
            site_code: &self.shared.site_code,
            method: "POST",
            path_with_query: &path_with_query,
            body: d.body.as_bytes(),
            timestamp: d.timestamp,
            nonce: &d.nonce,
        };
        let headers = sign_headers(&parts, &self.shared.secret);
        let callbacks = self.server.callbacks();
        let sent = callbacks.post(url.as_str(), "application/json", headers, d.body.clone());
        sent.await.map_err(|source| Error::Transport { source })
    }
}

/// A simulator-side refusal, in the SDK's vocabulary.
fn sim_error(e: SimError) -> Error {
    match e {
        SimError::OrderNotFound(key) => Error::Api {
            status: 404,
            code: ErrorCode::OrderNotFound,
            message: format!("no simulated order {key}"),
            details: None,
        },
        other => Error::Api {
            status: 400,
            code: ErrorCode::InvalidRequest,
            message: other.to_string(),
            details: None,
        },
    }
}

fn find(st: &State, key: &str) -> Option<usize> {
    st.orders
        .iter()
        .position(|o| o.order_no == key)
        .or_else(|| st.orders.iter().rposition(|o| o.biz_order_no == key))
}

fn webhook_body(order: &SimOrder) -> String {
    let mut v = json!({
        "event": "order.status",
        "order_no": order.order_no,
        "biz_order_no": order.biz_order_no,
        "channel": order.channel.as_str(),
        "status": order.status.as_str(),
        "amount_fen": order.amount_fen,
        "paid_amount_fen": order.paid_amount_fen,
        "refunded_fen": order.refunded_fen,
        "channel_trade_no": order.channel_trade_no,
        "paid_at": order.paid_at.map(|t| t.to_rfc3339()),
    })
    .to_string();
    // Append metadata as raw text, so it goes back byte for byte.
    if let Some(meta) = &order.metadata {
        v.pop();
        v.push_str(",\"metadata\":");
        v.push_str(meta);
        v.push('}');
    }
    v
}

struct Responder(Arc<Shared>);

fn error(status: u16, code: ErrorCode, message: impl Into<String>) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "code": code.as_str(),
        "message": message.into(),
    }))
}

fn ok_json<T: serde::Serialize>(v: &T) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(v)
}

impl Respond for Responder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let shared = &*self.0;
        shared.state.lock().stats.requests += 1;
        if let Some(resp) = check_signature(shared, req) {
            shared.state.lock().stats.rejected += 1;
            return resp;
        }
        if shared.state.lock().site_disabled {
            return error(401, ErrorCode::SiteDisabled, "site is disabled");
        }
        let fault = shared.state.lock().faults.pop_front();
        match fault {
            Some(Fault::Respond { status, body }) => {
                ResponseTemplate::new(status).set_body_raw(body.into_bytes(), "application/json")
            }
            Some(Fault::DelayAnswer(d)) => route(shared, req).set_delay(d),
            None => route(shared, req),
        }
    }
}

/// The rejection of a request that fails the signature checks, if it does.
fn check_signature(shared: &Shared, req: &Request) -> Option<ResponseTemplate> {
    let get = |name: &str| req.headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = get(HEADER_SITE) {
        if site != shared.site_code {
            return Some(error(401, ErrorCode::SiteNotFound, "unknown site"));
        }
    }
    let path_with_query = match req.url.query() {
        Some(q) => format!("{}?{}", req.url.path(), q),
        None => req.url.path().to_owned(),
    };
    let incoming = IncomingHeaders {
        site: get(HEADER_SITE),
        timestamp: get(HEADER_TIMESTAMP),
        nonce: get(HEADER_NONCE),
        signature: get(HEADER_SIGNATURE),
    };
    let now = Utc::now().timestamp();
    let verified = match sign_core::ljpay::verify_signature(
        &shared.secret,
        &shared.site_code,
        req.method.as_str(),
        &path_with_query,
        &incoming,
        &req.body,
        now,
        DEFAULT_TOLERANCE_SECS,
    ) {
        Ok(v) => v,
        Err(VerifyError::Expired { .. }) => {
            return Some(error(
                401,
                ErrorCode::ExpiredTimestamp,
                "timestamp out of window",
            ))
        }
        Err(other) => return Some(error(401, ErrorCode::InvalidSignature, other.to_string())),
    };
    let key = ReplayGuard::nonce_key("ljpay-sim", &[verified.site, verified.nonce]);
    let at = |secs: i64| {
        std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).unwrap_or(0))
    };
    match shared
        .nonces
        .record_sync(&key, at(now), at(verified.nonce_expires_unix))
    {
        Ok(sign_core::replay::Recorded::First) => None,
        Ok(_) => Some(error(401, ErrorCode::ReplayedNonce, "nonce already used")),
        Err(StoreError::Full { .. }) | Err(_) => {
            Some(error(429, ErrorCode::RateLimited, "too many requests"))
        }
    }
}

fn route(shared: &Shared, req: &Request) -> ResponseTemplate {
    let path = req.url.path();
    let Some(at) = path.find("/api/v1/order/") else {
        return error(404, ErrorCode::InvalidRequest, "no such route");
    };
    let rest = &path[at + "/api/v1/order/".len()..];
    let method = req.method.as_str();
    let segment = |prefix: &str| {
        rest.strip_prefix(prefix)
            .filter(|s| !s.contains('/'))
            .and_then(|s| percent_decode_str(s).decode_utf8().ok())
            .map(|s| s.into_owned())
    };
    match (method, rest) {
        ("POST", "create") => create(shared, &req.body),
        ("POST", "cancel") => cancel(shared, &req.body),
        ("POST", "refund") => refund(shared, &req.body),
        ("GET", _) if segment("by-biz-no/").is_some() => {
            let key = segment("by-biz-no/").unwrap_or_default();
            let st = shared.state.lock();
            match st.orders.iter().rev().find(|o| o.biz_order_no == key) {
                Some(o) => ok_json(&o.to_order_info()),
                None => error(404, ErrorCode::OrderNotFound, "order not found"),
            }
        }
        ("GET", _) if segment("by-pay-no/").is_some() => {
            let key = segment("by-pay-no/").unwrap_or_default();
            let st = shared.state.lock();
            match st.orders.iter().find(|o| o.order_no == key) {
                Some(o) => ok_json(&o.to_order_info()),
                None => error(404, ErrorCode::OrderNotFound, "order not found"),
            }
        }
        _ => error(404, ErrorCode::InvalidRequest, "no such route"),
    }
}

fn invalid(message: impl Into<String>) -> ResponseTemplate {
    error(400, ErrorCode::InvalidRequest, message)
}

fn too_long(field: &str, value: Option<&str>, max: usize) -> Option<ResponseTemplate> {
    value
        .filter(|v| v.chars().count() > max)
        .map(|_| invalid(format!("{field} longer than {max}")))
}

#[derive(Deserialize)]
struct CreateBody {
    biz_order_no: Option<String>,
    amount_fen: Option<i64>,
    channel: Option<String>,
    subject: Option<String>,
    client_ip: Option<String>,
    user_agent: Option<String>,
    payer_openid: Option<String>,
    return_url: Option<String>,
    metadata: Option<Box<RawValue>>,
}

fn create(shared: &Shared, body: &[u8]) -> ResponseTemplate {
    let Ok(b) = serde_json::from_slice::<CreateBody>(body) else {
        return invalid("body is not a CreateOrderRequest");
    };
    let (Some(biz), Some(amount), Some(channel), Some(subject)) =
        (b.biz_order_no, b.amount_fen, b.channel, b.subject)
    else {
        return invalid("biz_order_no, amount_fen, channel and subject are required");
    };
    let checks = [
        too_long("biz_order_no", Some(&biz), 128),
        too_long("subject", Some(&subject), 127),
        too_long("client_ip", b.client_ip.as_deref(), 64),
        too_long("user_agent", b.user_agent.as_deref(), 512),
        too_long("payer_openid", b.payer_openid.as_deref(), 128),
        too_long("return_url", b.return_url.as_deref(), 512),
    ];
    if let Some(resp) = checks.into_iter().flatten().next() {
        return resp;
    }
    if amount < 1 {
        return error(
            400,
            ErrorCode::InvalidAmount,
            "amount_fen must be at least 1",
        );
    }
    let channel = Channel::from_wire(&channel);
    if let Channel::Other(c) = &channel {
        return error(
            400,
            ErrorCode::ChannelNotImplemented,
            format!("channel {c} is not implemented"),
        );
    }
    if channel.requires_payer_openid() && b.payer_openid.is_none() {
        return invalid("payer_openid is required for wechat_jsapi");
    }
    if channel.requires_return_url() && b.return_url.is_none() {
        return invalid("return_url is required for this channel");
    }
    if let Some(m) = &b.metadata {
        if !m.get().trim_start().starts_with('{') {
            return invalid("metadata must be an object");
        }
    }
    let mut st = shared.state.lock();
    if st.disabled_channels.contains(&channel.route()) {
        return error(
            400,
            ErrorCode::ChannelDisabled,
            format!("channel {channel} is disabled"),
        );
    }
    for o in st.orders.iter().filter(|o| o.biz_order_no == biz) {
        if o.status == OrderStatus::Pending {
            return error(
                409,
                ErrorCode::DuplicatePendingOrder,
                "a pending order exists for this biz_order_no",
            );
        }
        if o.status.money_received() {
            return error(
                409,
                ErrorCode::OrderAlreadyPaid,
                "this biz_order_no is already paid",
            );
        }
    }
    st.next_id += 1;
    let order_no = format!("lp_sim{:08}", st.next_id);
    let now = Utc::now();
    let expires_at = now + chrono::Duration::seconds(ORDER_TTL_SECS);
    let instructions = match channel.route() {
        Channel::WechatNative | Channel::AlipayQr => json!({
            "type": "QR",
            "qr_data_url": format!("data:image/png;base64,{PNG_1X1}"),
            "raw_pay_url": if channel == Channel::WechatNative {
                format!("weixin://wxpay/bizpayurl?pr={order_no}")
            } else {
                format!("https://qr.alipay.com/{order_no}")
            },
        }),
        Channel::WechatJsapi => json!({
            "type": "JSAPI",
            "jsapi_params": {
                "appId": "wxsimulator",
                "timeStamp": now.timestamp().to_string(),
                "nonceStr": sign_core::new_nonce(),
                "package": format!("prepay_id=wx{order_no}"),
                "signType": "RSA",
                "paySign": "simulated",
            },
        }),
        _ => json!({
            "type": "REDIRECT",
            "redirect_url": format!("https://openapi.alipay.com/gateway.do?out_trade_no={order_no}"),
        }),
    };
    let order = SimOrder {
        order_no: order_no.clone(),
        biz_order_no: biz.clone(),
        channel: channel.clone(),
        status: OrderStatus::Pending,
        amount_fen: amount,
        paid_amount_fen: 0,
        refunded_fen: 0,
        subject,
        channel_trade_no: None,
        created_at: now,
        expires_at,
        paid_at: None,
        metadata: b.metadata.map(|m| m.get().to_owned()),
    };
    st.orders.push(order);
    ok_json(&json!({
        "order_no": order_no,
        "biz_order_no": biz,
        "channel": channel.as_str(),
        "amount_fen": amount,
        "expires_at": expires_at.timestamp(),
        "instructions": instructions,
    }))
}

#[derive(Deserialize)]
struct CancelBody {
    biz_order_no: Option<String>,
}

fn cancel(shared: &Shared, body: &[u8]) -> ResponseTemplate {
    let Some(biz) = serde_json::from_slice::<CancelBody>(body)
        .ok()
        .and_then(|b| b.biz_order_no)
    else {
        return invalid("biz_order_no is required");
    };
    let mut st = shared.state.lock();
    let Some(order) = st.orders.iter_mut().rev().find(|o| o.biz_order_no == biz) else {
        return error(404, ErrorCode::OrderNotFound, "order not found");
    };
    match order.status {
        OrderStatus::Pending | OrderStatus::Canceled => {
            order.status = OrderStatus::Canceled;
            ok_json(&json!({}))
        }
        ref s if s.money_received() => {
            error(400, ErrorCode::OrderAlreadyPaid, "order is already paid")
        }
        ref s => invalid(format!("order is {s} and cannot be canceled")),
    }
}

#[derive(Deserialize)]
struct RefundBody {
    biz_order_no: Option<String>,
    out_refund_no: Option<String>,
    refund_fen: Option<i64>,
    reason: Option<String>,
}

fn refund(shared: &Shared, body: &[u8]) -> ResponseTemplate {
    let Ok(b) = serde_json::from_slice::<RefundBody>(body) else {
        return invalid("body is not a RefundRequest");
    };
    let (Some(biz), Some(out_no), Some(fen)) = (b.biz_order_no, b.out_refund_no, b.refund_fen)
    else {
        return invalid("biz_order_no, out_refund_no and refund_fen are required");
    };
    let checks = [
        too_long("biz_order_no", Some(&biz), 128),
        too_long("out_refund_no", Some(&out_no), 128),
        too_long("reason", b.reason.as_deref(), 255),
    ];
    if let Some(resp) = checks.into_iter().flatten().next() {
        return resp;
    }
    if fen < 1 {
        return error(
            400,
            ErrorCode::InvalidAmount,
            "refund_fen must be at least 1",
        );
    }
    let mut st = shared.state.lock();
    if let Some(existing) = st.refunds.iter().find(|r| r.out_refund_no == out_no) {
        return if existing.biz_order_no == biz && existing.refund_fen == fen {
            ok_json(&existing.to_response())
        } else {
            invalid("out_refund_no was already used for another refund")
        };
    }
    let Some(i) = st.orders.iter().rposition(|o| o.biz_order_no == biz) else {
        return error(404, ErrorCode::OrderNotFound, "order not found");
    };
    let order = &st.orders[i];
    if !matches!(
        order.status,
        OrderStatus::Paid | OrderStatus::PartialRefunded | OrderStatus::PayAfterClose
    ) {
        return error(
            400,
            ErrorCode::OrderNotRefundable,
            format!("order is {}", order.status),
        );
    }
    if order.refunded_fen.saturating_add(fen) > order.paid_amount_fen {
        return error(
            400,
            ErrorCode::RefundAmountExceeded,
            format!(
                "refund of {fen} exceeds the refundable {}",
                order.paid_amount_fen - order.refunded_fen
            ),
        );
    }
    st.next_id += 1;
    let refund = SimRefund {
        refund_no: format!("lpr_sim{:08}", st.next_id),
        out_refund_no: out_no,
        biz_order_no: biz,
        refund_fen: fen,
        status: RefundStatus::Success,
        reason: b.reason,
    };
    let order = &mut st.orders[i];
    order.refunded_fen += fen;
    order.status = if order.refunded_fen == order.paid_amount_fen {
        OrderStatus::Refunded
    } else {
        OrderStatus::PartialRefunded
    };
    let resp = ok_json(&refund.to_response());
    st.refunds.push(refund);
    resp
}
