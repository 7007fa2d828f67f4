//! An in-process Wattt for tests and demos (`testing` feature), built on wiremock.
//!
//! The simulator checks `uid`, `timestamp` (±300 s) and `sign` the way the SDK's contract says
//! the server does, answering `422 {"ok":0,"message":"sign error"}` (or another message) when
//! they are wrong. It serves configurable amounts, channels and banks, keeps collections,
//! payouts and payment links with their status and the merchant balance. "The payer pays"
//! ([`Simulator::pay`]) marks a collection paid and POSTs a signed notification to its
//! `notify_url` (or the simulator's [`Simulator::set_callback_url`]), returning the merchant's
//! reply; [`Simulator::redeliver`] sends the very same notification again, as Wattt does until
//! it is acknowledged.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use wattt_sdk::testing::Simulator;
//! use wattt_sdk::{CollectionLookup, CollectionRequest, Decimal, OrderStatus};
//!
//! let sim = Simulator::start().await;
//! let client = sim.client();
//! client
//!     .collections()
//!     .create(&CollectionRequest::new("COL1", Decimal::new(2500, 0)))
//!     .await?;
//! // No notify_url and no callback URL: paying is an error, never a silent no-op.
//! assert!(sim.pay("COL1").await.is_err());
//! let c = client.collections().status(&CollectionLookup::OrderId("COL1".into())).await?;
//! assert_eq!(c.status, Some(OrderStatus::Success));
//! # Ok(()) }
//! ```

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use sign_core::replay::ReplayGuard;
use sign_core::testing::{SimServer, StateMutex};
use sign_core::Secret;
use wiremock::matchers::{method, path};
use wiremock::{Mock, Request, Respond, ResponseTemplate};

use crate::money::{amount_to_json, decimal_from_value};
use crate::operation::{ops, Operation};
use crate::webhook::Verifier;
use crate::{
    Bank, CallbackKind, Client, Error, OrderStatus, PaymentAmounts, PaymentChannel, RetryPolicy,
};

/// Default merchant `uid` of a simulator.
pub const DEFAULT_UID: &str = "SIMUID";
/// Accepted clock difference for `timestamp`, in seconds.
pub const TIMESTAMP_TOLERANCE_SECS: i64 = 300;

/// A fault to inject into the next request of one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer HTTP 500 without processing.
    ServerError,
    /// Process the request (create the order), then answer HTTP 500.
    ProcessThenServerError,
    /// Process the request, then answer a body that is not JSON.
    ProcessThenGarbage,
    /// Process the request, then answer after this delay (use with a short client timeout).
    ProcessThenDelay(Duration),
}

/// How notifications are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum NotifyFormat {
    /// `application/json` (default).
    #[default]
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
}

/// A collection as the simulator keeps it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SimCollection {
    /// `orderid`.
    pub orderid: String,
    /// `merchant_order_no`.
    pub merchant_order_no: Option<String>,
    /// Amount.
    pub amount: Decimal,
    /// Status.
    pub status: OrderStatus,
    /// `notify_url`.
    pub notify_url: Option<String>,
}

/// A payout as the simulator keeps it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SimPayout {
    /// `serial_no`.
    pub serial_no: String,
    /// Amount.
    pub amount: Decimal,
    /// Payee name.
    pub payee_name: String,
    /// Payee bank.
    pub payee_bank: Option<String>,
    /// Payee account.
    pub payee_account: Option<String>,
    /// Status.
    pub status: OrderStatus,
    /// `notify_url`.
    pub notify_url: Option<String>,
    /// `reverse_url`.
    pub reverse_url: Option<String>,
}

/// A payment link the simulator handed out.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SimPaymentLink {
    /// `merchant_order_no`.
    pub merchant_order_no: String,
    /// Amount (for `payment-links/amount`).
    pub amount: Option<i64>,
    /// The URL returned.
    pub url: String,
    /// `notify_url`.
    pub notify_url: String,
    /// The whole request body as received (signed fields, `extra`, compatibility fields …).
    pub request: Map<String, Value>,
}

/// One request the simulator received.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Path.
    pub path: String,
    /// Query parameters.
    pub query: Vec<(String, String)>,
    /// JSON body (`Null` for GET or a non-JSON body).
    pub body: Value,
}

/// The merchant's reply to a notification the simulator delivered.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CallbackReply {
    /// The merchant's HTTP status.
    pub status: u16,
    /// The merchant's answer body.
    pub body: String,
    /// Where the notification went.
    pub url: String,
    /// The notification's fields, `sign` included.
    pub notification: Map<String, Value>,
    /// The exact body sent.
    pub sent: Vec<u8>,
}

/// One delivered notification, kept to re-deliver it unchanged.
#[derive(Debug, Clone)]
struct Sent {
    url: String,
    fields: Map<String, Value>,
    body: Vec<u8>,
    content_type: &'static str,
}

fn unknown(reference: &str) -> Error {
    Error::validation(
        "reference",
        format!("the simulator holds no order `{reference}`"),
    )
}

#[derive(Debug)]
struct State {
    amounts: PaymentAmounts,
    channels: Vec<PaymentChannel>,
    banks: Vec<Bank>,
    balance: Decimal,
    collections: BTreeMap<String, SimCollection>,
    payouts: BTreeMap<String, SimPayout>,
    links: Vec<SimPaymentLink>,
    callback_retries: Vec<(CallbackKind, String)>,
    faults: VecDeque<(&'static str, Fault)>,
    requests: Vec<RecordedRequest>,
    notify_format: NotifyFormat,
    sent: BTreeMap<String, Sent>,
    seq: u64,
}

impl Default for State {
    fn default() -> Self {
        State {
            amounts: PaymentAmounts::fixed([1000, 2000, 3000, 5000, 8000, 10000])
                .with_custom(Decimal::from(1000), Decimal::from(30000)),
            channels: vec![
                PaymentChannel::new("sky_coin", "天空交易所"),
                PaymentChannel::new("bank_transfer", "銀行轉帳"),
            ],
            banks: vec![
                Bank::new("004", "臺灣銀行"),
                Bank::new("008", "華南銀行"),
                Bank::new("012", "台北富邦"),
                Bank::new("822", "中國信託"),
            ],
            balance: Decimal::from(100_000),
            collections: BTreeMap::new(),
            payouts: BTreeMap::new(),
            links: Vec::new(),
            callback_retries: Vec::new(),
            faults: VecDeque::new(),
            requests: Vec::new(),
            notify_format: NotifyFormat::Json,
            sent: BTreeMap::new(),
            seq: 0,
        }
    }
}

type Shared = Arc<StateMutex<State>>;

/// The simulator. Dropping it stops the server.
pub struct Simulator {
    /// The mock server and the merchant's callback URL (the same in every SDK).
    server: SimServer,
    state: Shared,
    uid: String,
    secret: Secret,
    /// The one replay guard every [`Simulator::verifier`] records into.
    guard: ReplayGuard,
}

impl fmt::Debug for Simulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulator")
            .field("base_url", &self.server.base_url())
            .field("uid", &self.uid)
            .field("secret", &self.secret)
            .finish_non_exhaustive()
    }
}

impl Simulator {
    /// Start with uid [`DEFAULT_UID`] and a random secret.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sim = wattt_sdk::testing::Simulator::start().await;
    /// assert!(sim.base_url().starts_with("http://127.0.0.1:"));
    /// # }
    /// ```
    pub async fn start() -> Self {
        Self::start_with(DEFAULT_UID, Secret::new(sign_core::new_nonce())).await
    }

    /// Start with this uid and secret.
    pub async fn start_with(uid: impl Into<String>, secret: impl Into<Secret>) -> Self {
        let server = SimServer::start().await;
        let state: Shared = Arc::new(StateMutex::default());
        let uid = uid.into();
        let secret = secret.into();
        for op in crate::OPERATIONS {
            let handler = Handler {
                state: state.clone(),
                uid: uid.clone(),
                secret: secret.clone(),
                op: *op,
                base: server.base_url(),
            };
            Mock::given(method(op.method))
                .and(path(op.path))
                .respond_with(handler)
                .with_priority(1)
                .mount(server.mock_server())
                .await;
        }
        Mock::given(wiremock::matchers::any())
            .respond_with(
                ResponseTemplate::new(404).set_body_json(json!({"ok": 0, "message": "not found"})),
            )
            .with_priority(200)
            .mount(server.mock_server())
            .await;
        Simulator {
            server,
            state,
            uid,
            secret,
            guard: ReplayGuard::memory(),
        }
    }

    /// Base URL to give the client (`http://127.0.0.1:PORT`).
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// The merchant uid it accepts.
    pub fn uid(&self) -> &str {
        &self.uid
    }

    /// The API secret it checks `sign` with.
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// A verifier with the merchant's secret, for the merchant's notification handler. Every
    /// verifier this simulator hands out shares one in-memory replay guard, as one merchant's
    /// handlers share one store: a [`Simulator::redeliver`] is seen as a
    /// [`Delivery::Repeat`](crate::webhook::Delivery::Repeat) whichever of them checks it.
    /// Give one its own guard with [`Verifier::with_replay_guard`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use wattt_sdk::testing::Simulator;
    /// use wattt_sdk::webhook::{Delivery, ReplayGuard};
    /// use wattt_sdk::{CollectionRequest, Decimal};
    /// use wiremock::{matchers::method, Mock, MockServer, ResponseTemplate};
    ///
    /// let sim = Simulator::start().await;
    /// let shop = MockServer::start().await; // the merchant's notify_url
    /// let ack = ResponseTemplate::new(200).set_body_string("success");
    /// Mock::given(method("POST")).respond_with(ack).mount(&shop).await;
    /// sim.set_callback_url(format!("{}/notify", shop.uri()));
    /// let order = CollectionRequest::new("C-DOC", Decimal::from(100));
    /// sim.client().collections().create(&order).await?;
    /// let first = sim.pay("C-DOC").await?.sent;
    /// let again = sim.redeliver("C-DOC").await?.sent; // Wattt's duplicate delivery
    ///
    /// // Two verifiers from the simulator, one guard: the re-delivery is a repeat.
    /// let a = sim.verifier().verify_and_record(&first).await?;
    /// let b = sim.verifier().verify_and_record(&again).await?;
    /// assert_eq!((a.delivery, b.delivery), (Delivery::First, Delivery::Repeat));
    /// // A verifier given a guard of its own has not seen it.
    /// let own = sim.verifier().with_replay_guard(ReplayGuard::memory());
    /// assert_eq!(own.verify_and_record(&again).await?.delivery, Delivery::First);
    /// # Ok(()) }
    /// ```
    pub fn verifier(&self) -> Verifier {
        Verifier::new(self.secret.clone())
            .unwrap_or_else(|e| unreachable!("the simulator's secret is never empty: {e}"))
            .with_replay_guard(self.guard.clone())
    }

    /// Where notifications go for orders created without a `notify_url` (or a link's).
    pub fn set_callback_url(&self, url: impl Into<String>) {
        self.server.callbacks().set_url(url);
    }

    /// A client for this simulator (fast retries: 3 attempts, 10–50 ms backoff).
    pub fn client(&self) -> Client {
        self.client_builder()
            .build()
            .unwrap_or_else(|e| unreachable!("simulator URL and credentials are valid: {e}"))
    }

    /// A client builder preset for this simulator, to adjust before building.
    pub fn client_builder(&self) -> crate::ClientBuilder {
        Client::builder()
            .base_url(self.base_url())
            .credentials(self.uid.clone(), self.secret.clone())
            .retry_policy(
                RetryPolicy::default()
                    .with_max_attempts(3)
                    .with_backoff(Duration::from_millis(10), Duration::from_millis(50)),
            )
    }

    /// Serve these amounts from `payment-amounts` (and enforce them on `payment-links/amount`).
    pub fn set_amounts(&self, amounts: PaymentAmounts) {
        self.state.lock().amounts = amounts;
    }

    /// Serve these channels.
    pub fn set_channels(&self, channels: Vec<PaymentChannel>) {
        self.state.lock().channels = channels;
    }

    /// Serve these banks.
    pub fn set_banks(&self, banks: Vec<Bank>) {
        self.state.lock().banks = banks;
    }

    /// Set the merchant balance (payouts draw on it, successful collections add to it).
    pub fn set_balance(&self, balance: Decimal) {
        self.state.lock().balance = balance;
    }

    /// Encode notifications as JSON (default) or form.
    pub fn set_notify_format(&self, format: NotifyFormat) {
        self.state.lock().notify_format = format;
    }

    /// Make the next request of `op` fail this way (faults queue up per operation).
    pub fn inject_fault(&self, op: Operation, fault: Fault) {
        self.state.lock().faults.push_back((op.path, fault));
    }

    /// Current balance.
    pub fn balance(&self) -> Decimal {
        self.state.lock().balance
    }

    /// A collection by `orderid`.
    pub fn collection(&self, orderid: &str) -> Option<SimCollection> {
        self.state.lock().collections.get(orderid).cloned()
    }

    /// All collections.
    pub fn collections(&self) -> Vec<SimCollection> {
        self.state.lock().collections.values().cloned().collect()
    }

    /// A payout by `serial_no`.
    pub fn payout(&self, serial_no: &str) -> Option<SimPayout> {
        self.state.lock().payouts.get(serial_no).cloned()
    }

    /// All payouts.
    pub fn payouts(&self) -> Vec<SimPayout> {
        self.state.lock().payouts.values().cloned().collect()
    }

    /// Payment links handed out, oldest first.
    pub fn payment_links(&self) -> Vec<SimPaymentLink> {
        self.state.lock().links.clone()
    }

    /// Callback retries requested, oldest first.
    pub fn callback_retries(&self) -> Vec<(CallbackKind, String)> {
        self.state.lock().callback_retries.clone()
    }

    /// Every request received, oldest first (signature failures included).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.lock().requests.clone()
    }

    /// The payer pays collection `orderid`: it becomes `success` (its amount added to the
    /// balance) and a signed notification is POSTed to its `notify_url`, else to the callback
    /// URL. Returns the merchant's reply; an error when there is no URL to deliver to.
    pub async fn pay(&self, orderid: &str) -> Result<CallbackReply, Error> {
        self.complete_collection(orderid, OrderStatus::Success)
            .await
    }

    /// Deliver the last notification sent for `reference` (an `orderid` or `serial_no`) again,
    /// byte for byte, as Wattt re-delivers an unacknowledged one.
    pub async fn redeliver(&self, reference: &str) -> Result<CallbackReply, Error> {
        let sent = self
            .state
            .lock()
            .sent
            .get(reference)
            .cloned()
            .ok_or_else(|| unknown(reference))?;
        self.post(sent).await
    }

    /// Set a collection's status and POST a signed notification to its `notify_url` (else the
    /// callback URL). A success adds the amount to the balance.
    pub async fn complete_collection(
        &self,
        orderid: &str,
        status: OrderStatus,
    ) -> Result<CallbackReply, Error> {
        let (fields, url, format) = {
            let fallback = self.server.callbacks().url();
            let mut st = self.state.lock();
            let format = st.notify_format;
            let c = st
                .collections
                .get_mut(orderid)
                .ok_or_else(|| unknown(orderid))?;
            let newly_paid = status == OrderStatus::Success && c.status != OrderStatus::Success;
            c.status = status;
            let c = c.clone();
            if newly_paid {
                st.balance += c.amount;
            }
            let url = c.notify_url.clone().or(fallback);
            (collection_notification(&self.uid, &c), url, format)
        };
        self.deliver(orderid, url, fields, format).await
    }

    /// Set a payout's status and POST a signed notification: to `notify_url`, or for a failed /
    /// reversed payout to `reverse_url` when set. A failure or reversal refunds the balance.
    pub async fn complete_payout(
        &self,
        serial_no: &str,
        status: OrderStatus,
    ) -> Result<CallbackReply, Error> {
        let (fields, url, format) = {
            let fallback = self.server.callbacks().url();
            let mut st = self.state.lock();
            let format = st.notify_format;
            let p = st
                .payouts
                .get_mut(serial_no)
                .ok_or_else(|| unknown(serial_no))?;
            let refund = matches!(status, OrderStatus::Failed | OrderStatus::Reversed)
                && !matches!(p.status, OrderStatus::Failed | OrderStatus::Reversed);
            let to_reverse = matches!(status, OrderStatus::Failed | OrderStatus::Reversed);
            p.status = status;
            let p = p.clone();
            if refund {
                st.balance += p.amount;
            }
            let url = if to_reverse {
                p.reverse_url.clone().or(p.notify_url.clone())
            } else {
                p.notify_url.clone()
            };
            (payout_notification(&self.uid, &p), url.or(fallback), format)
        };
        self.deliver(serial_no, url, fields, format).await
    }

    /// Pay a payment link: record a successful collection for its `merchant_order_no` (with a
    /// simulator `orderid`) and notify the link's `notify_url`. `amount` is needed for links
    /// made without one.
    pub async fn pay_payment_link(
        &self,
        merchant_order_no: &str,
        amount: Option<Decimal>,
    ) -> Result<CallbackReply, Error> {
        let (fields, url, format, orderid) = {
            let mut st = self.state.lock();
            let link = st
                .links
                .iter()
                .rev()
                .find(|l| l.merchant_order_no == merchant_order_no)
                .cloned()
                .ok_or_else(|| unknown(merchant_order_no))?;
            let amount = amount
                .or(link.amount.map(Decimal::from))
                .unwrap_or(Decimal::ZERO);
            st.seq += 1;
            let c = SimCollection {
                orderid: format!("SIMCOL{:06}", st.seq),
                merchant_order_no: Some(merchant_order_no.to_string()),
                amount,
                status: OrderStatus::Success,
                notify_url: Some(link.notify_url.clone()),
            };
            st.balance += amount;
            st.collections.insert(c.orderid.clone(), c.clone());
            (
                collection_notification(&self.uid, &c),
                Some(link.notify_url),
                st.notify_format,
                c.orderid,
            )
        };
        self.deliver(&orderid, url, fields, format).await
    }

    /// POST a notification for an existing collection or payout again (as a callback retry
    /// would), without changing its state.
    pub async fn resend_notification(
        &self,
        kind: CallbackKind,
        reference: &str,
    ) -> Result<CallbackReply, Error> {
        let (fields, url, format) = {
            let fallback = self.server.callbacks().url();
            let st = self.state.lock();
            match kind {
                CallbackKind::Collection => {
                    let c = st
                        .collections
                        .get(reference)
                        .ok_or_else(|| unknown(reference))?;
                    (
                        collection_notification(&self.uid, c),
                        c.notify_url.clone().or(fallback),
                        st.notify_format,
                    )
                }
                CallbackKind::Payout => {
                    let p = st
                        .payouts
                        .get(reference)
                        .ok_or_else(|| unknown(reference))?;
                    (
                        payout_notification(&self.uid, p),
                        p.notify_url.clone().or(fallback),
                        st.notify_format,
                    )
                }
            }
        };
        self.deliver(reference, url, fields, format).await
    }

    /// Sign these notification fields as the simulator does (adds `sign`).
    pub fn sign_notification(&self, mut fields: Map<String, Value>) -> Map<String, Value> {
        fields.remove(sign_core::wattt::SIGN_FIELD);
        let sign = sign_core::wattt::sign_json(&fields, &self.secret);
        fields.insert(sign_core::wattt::SIGN_FIELD.into(), Value::String(sign));
        fields
    }

    async fn deliver(
        &self,
        reference: &str,
        url: Option<String>,
        mut fields: Map<String, Value>,
        format: NotifyFormat,
    ) -> Result<CallbackReply, Error> {
        let url = url.ok_or_else(|| {
            Error::config(
                "callback_url",
                "is not set: create the order with a notify_url or call set_callback_url",
            )
        })?;
        fields.insert(
            "timestamp".into(),
            Value::from(chrono::Utc::now().timestamp()),
        );
        let (body, content_type) = match format {
            NotifyFormat::Json => {
                fields = self.sign_notification(fields);
                let body = serde_json::to_vec(&fields).map_err(|e| {
                    Error::decode(format!("cannot encode the notification: {e}"), b"")
                })?;
                (body, "application/json")
            }
            NotifyFormat::Form => {
                let mut pairs: Vec<(String, String)> = fields
                    .iter()
                    .filter_map(|(k, v)| match v {
                        Value::String(s) => Some((k.clone(), s.clone())),
                        Value::Number(n) => Some((k.clone(), n.to_string())),
                        Value::Bool(b) => Some((k.clone(), b.to_string())),
                        _ => None,
                    })
                    .collect();
                let sign = sign_core::wattt::sign_params(&pairs, &self.secret);
                pairs.push(("sign".into(), sign.clone()));
                fields.insert("sign".into(), Value::String(sign));
                let body = serde_urlencoded::to_string(&pairs).map_err(|e| {
                    Error::decode(format!("cannot encode the notification: {e}"), b"")
                })?;
                (body.into_bytes(), "application/x-www-form-urlencoded")
            }
        };
        let sent = Sent {
            url,
            fields,
            body,
            content_type,
        };
        self.state
            .lock()
            .sent
            .insert(reference.to_owned(), sent.clone());
        self.post(sent).await
    }

    async fn post(&self, sent: Sent) -> Result<CallbackReply, Error> {
        let callbacks = self.server.callbacks();
        let posted = callbacks.post(
            &sent.url,
            sent.content_type,
            Default::default(),
            sent.body.clone(),
        );
        let reply = posted.await.map_err(|source| Error::Transport { source })?;
        Ok(CallbackReply {
            status: reply.status,
            body: reply.body,
            url: sent.url,
            notification: sent.fields,
            sent: sent.body,
        })
    }
}

fn money(d: Decimal) -> Value {
    amount_to_json("amount", d).unwrap_or_else(|_| Value::String(d.to_string()))
}

fn collection_notification(uid: &str, c: &SimCollection) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("type".into(), "collection".into());
    m.insert("uid".into(), uid.into());
    m.insert("orderid".into(), c.orderid.clone().into());
    if let Some(no) = &c.merchant_order_no {
        m.insert("merchant_order_no".into(), no.clone().into());
    }
    m.insert("amount".into(), money(c.amount));
    m.insert("status".into(), c.status.as_str().into());
    m
}

fn payout_notification(uid: &str, p: &SimPayout) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("type".into(), "payout".into());
    m.insert("uid".into(), uid.into());
    m.insert("serial_no".into(), p.serial_no.clone().into());
    m.insert("amount".into(), money(p.amount));
    m.insert("status".into(), p.status.as_str().into());
    m
}

fn collection_json(c: &SimCollection) -> Value {
    json!({
        "orderid": c.orderid,
        "merchant_order_no": c.merchant_order_no,
        "amount": money(c.amount),
        "status": c.status.as_str(),
    })
}

fn payout_json(p: &SimPayout) -> Value {
    json!({
        "serial_no": p.serial_no,
        "amount": money(p.amount),
        "payee_name": p.payee_name,
        "payee_bank": p.payee_bank,
        "payee_account": p.payee_account,
        "status": p.status.as_str(),
    })
}

/// The properties of the spec's `PaymentLinkAmountRequest`.
const PAYMENT_LINK_AMOUNT_FIELDS: &[&str] = &[
    "uid",
    "timestamp",
    "sign",
    "channel",
    "merchant_order_no",
    "amount",
    "member_no",
    "member_account",
    "member_name",
    "member_phone",
    "payer_bank_name",
    "payer_bank_code",
    "payer_account_no",
    "payer_account_last5",
    "notify_url",
    "return_url",
    "extra",
];

struct Handler {
    state: Shared,
    uid: String,
    secret: Secret,
    op: Operation,
    base: String,
}

fn fail(status: u16, message: impl Into<String>) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"ok": 0, "message": message.into()}))
}

fn ok(data: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"ok": 1, "message": "success", "data": data}))
}

fn text<'a>(m: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    m.get(k)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

impl Respond for Handler {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let query: Vec<(String, String)> = request
            .url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let body_json: Option<Map<String, Value>> = serde_json::from_slice(&request.body).ok();
        let fault = {
            let mut st = self.state.lock();
            st.requests.push(RecordedRequest {
                method: request.method.to_string(),
                path: request.url.path().to_string(),
                query: query.clone(),
                body: body_json.clone().map(Value::Object).unwrap_or(Value::Null),
            });
            let pos = st.faults.iter().position(|(p, _)| *p == self.op.path);
            pos.and_then(|i| st.faults.remove(i)).map(|(_, f)| f)
        };
        if fault == Some(Fault::ServerError) {
            return ResponseTemplate::new(500).set_body_string("internal server error");
        }

        // Authentication: uid, timestamp, sign.
        let fields: Map<String, Value> = if self.op.method == "GET" {
            if let Err(e) = sign_core::wattt::verify_params(&query, &self.secret) {
                return fail(422, format!("sign error: {e}"));
            }
            query
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect()
        } else {
            let Some(map) = body_json else {
                return fail(422, "body must be a JSON object");
            };
            if let Err(e) = sign_core::wattt::verify_json_body(&request.body, &self.secret) {
                return fail(422, format!("sign error: {e}"));
            }
            map
        };
        if text(&fields, "uid") != Some(self.uid.as_str()) {
            return fail(422, "uid error");
        }
        let ts = match fields.get("timestamp") {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.parse().ok(),
            _ => None,
        };
        let now = chrono::Utc::now().timestamp();
        match ts {
            Some(t) if (now - t).abs() <= TIMESTAMP_TOLERANCE_SECS => {}
            _ => return fail(422, "timestamp error: missing or outside ±300 s"),
        }

        let answer = self.handle(&fields);
        match (fault, answer) {
            (Some(Fault::ProcessThenServerError), _) => {
                ResponseTemplate::new(500).set_body_string("internal server error")
            }
            (Some(Fault::ProcessThenGarbage), _) => {
                ResponseTemplate::new(200).set_body_string("<html>gateway hiccup</html>")
            }
            (Some(Fault::ProcessThenDelay(d)), r) => r.set_delay(d),
            (_, r) => r,
        }
    }
}

impl Handler {
    fn handle(&self, f: &Map<String, Value>) -> ResponseTemplate {
        let mut st = self.state.lock();
        match self.op {
            o if o == ops::PAYMENT_CHANNELS => ok(json!({ "channels": st.channels })),
            o if o == ops::PAYMENT_AMOUNTS => {
                let mut v = serde_json::to_value(&st.amounts).unwrap_or(Value::Null);
                if let Value::Object(m) = &mut v {
                    m.entry("payment_link_endpoint")
                        .or_insert_with(|| ops::PAYMENT_LINK_AMOUNT.path.into());
                }
                ok(v)
            }
            o if o == ops::PAYMENT_LINK || o == ops::PAYMENT_LINK_AMOUNT => {
                // Like a server that signs only the fields it knows: a field outside the
                // operation's schema makes the sign disagree.
                if o == ops::PAYMENT_LINK_AMOUNT {
                    if let Some(k) = f
                        .keys()
                        .find(|k| !PAYMENT_LINK_AMOUNT_FIELDS.contains(&k.as_str()))
                    {
                        return fail(422, format!("sign error (unknown field `{k}`)"));
                    }
                }
                for k in [
                    "merchant_order_no",
                    "member_no",
                    "member_name",
                    "notify_url",
                ] {
                    if text(f, k).is_none() {
                        return fail(422, format!("{k} is required"));
                    }
                }
                let amount = if o == ops::PAYMENT_LINK_AMOUNT {
                    let Some(a) = f.get("amount").and_then(Value::as_i64) else {
                        return fail(422, "amount must be an integer");
                    };
                    if !st.amounts.allows(a) {
                        return fail(422, format!("amount {a} is not allowed"));
                    }
                    Some(a)
                } else {
                    None
                };
                st.seq += 1;
                let token = format!("{}{:06}", &sign_core::new_nonce()[..16], st.seq);
                let url = format!("{}/sky/purchase/wait/{token}", self.base);
                let merchant_order_no =
                    text(f, "merchant_order_no").unwrap_or_default().to_string();
                st.links.push(SimPaymentLink {
                    merchant_order_no: merchant_order_no.clone(),
                    amount,
                    url: url.clone(),
                    notify_url: text(f, "notify_url").unwrap_or_default().to_string(),
                    request: f.clone(),
                });
                let mode = amount.map(|a| {
                    if st.amounts.fixed_amounts.contains(&a) {
                        "fixed"
                    } else {
                        "custom"
                    }
                });
                let body = json!({
                    "ok": 1,
                    "message": "success",
                    "url": url,
                    "redirect_url": url,
                    "payment_url": url,
                    "method": "GET",
                    "amount": amount,
                    "amount_mode": mode,
                    "data": {
                        "url": url,
                        "redirect_url": url,
                        "payment_url": url,
                        "wait_url": url,
                        "method": "GET",
                        "merchant_order_no": merchant_order_no,
                        "third_party_session": token,
                        "expires_at": (chrono::Utc::now() + chrono::Duration::minutes(30)).format("%Y-%m-%d %H:%M:%S").to_string(),
                    }
                });
                ResponseTemplate::new(200).set_body_json(body)
            }
            o if o == ops::CREATE_COLLECTION => {
                let Some(orderid) = text(f, "orderid") else {
                    return fail(422, "orderid is required");
                };
                let Some(amount) = f
                    .get("amount")
                    .and_then(decimal_from_value)
                    .filter(|a| *a > Decimal::ZERO)
                else {
                    return fail(422, "amount must be a positive number");
                };
                if st.collections.contains_key(orderid) {
                    return fail(422, format!("orderid {orderid} already exists"));
                }
                let c = SimCollection {
                    orderid: orderid.to_string(),
                    merchant_order_no: text(f, "merchant_order_no").map(str::to_string),
                    amount,
                    status: OrderStatus::Pending,
                    notify_url: text(f, "notify_url").map(str::to_string),
                };
                st.collections.insert(c.orderid.clone(), c.clone());
                ok(collection_json(&c))
            }
            o if o == ops::COLLECTION_STATUS => {
                let found = if let Some(id) = text(f, "orderid") {
                    st.collections.get(id)
                } else if let Some(no) = text(f, "merchant_order_no") {
                    st.collections
                        .values()
                        .find(|c| c.merchant_order_no.as_deref() == Some(no))
                } else {
                    return fail(422, "orderid or merchant_order_no is required");
                };
                match found {
                    Some(c) => ok(collection_json(c)),
                    None => fail(422, "order not found"),
                }
            }
            o if o == ops::CREATE_PAYOUT => {
                let Some(serial) = text(f, "serial_no") else {
                    return fail(422, "serial_no is required");
                };
                let Some(payee) = text(f, "payee_name") else {
                    return fail(422, "payee_name is required");
                };
                let Some(amount) = f
                    .get("amount")
                    .and_then(decimal_from_value)
                    .filter(|a| *a > Decimal::ZERO)
                else {
                    return fail(422, "amount must be a positive number");
                };
                if st.payouts.contains_key(serial) {
                    return fail(422, format!("serial_no {serial} already exists"));
                }
                if amount > st.balance {
                    return fail(422, "insufficient balance");
                }
                st.balance -= amount;
                let p = SimPayout {
                    serial_no: serial.to_string(),
                    amount,
                    payee_name: payee.to_string(),
                    payee_bank: text(f, "payee_bank").map(str::to_string),
                    payee_account: text(f, "payee_account").map(str::to_string),
                    status: OrderStatus::Processing,
                    notify_url: text(f, "notify_url").map(str::to_string),
                    reverse_url: text(f, "reverse_url").map(str::to_string),
                };
                st.payouts.insert(p.serial_no.clone(), p.clone());
                ok(payout_json(&p))
            }
            o if o == ops::PAYOUT_STATUS => {
                let found = if let Some(id) = text(f, "serial_no") {
                    st.payouts.get(id)
                } else if text(f, "merchant_order_no").is_some() {
                    None
                } else {
                    return fail(422, "serial_no or merchant_order_no is required");
                };
                match found {
                    Some(p) => ok(payout_json(p)),
                    None => fail(422, "payout not found"),
                }
            }
            o if o == ops::BALANCE => ok(json!({
                "balance": money_or_zero(st.balance),
                "available": money_or_zero(st.balance),
                "frozen": 0,
                "currency": "TWD",
            })),
            o if o == ops::BANKS => {
                let q = text(f, "q").map(str::to_lowercase);
                let banks: Vec<&Bank> = st
                    .banks
                    .iter()
                    .filter(|b| match &q {
                        None => true,
                        Some(q) => {
                            b.code
                                .as_deref()
                                .is_some_and(|c| c.to_lowercase().contains(q))
                                || b.name
                                    .as_deref()
                                    .is_some_and(|n| n.to_lowercase().contains(q))
                        }
                    })
                    .collect();
                ok(json!({ "banks": banks }))
            }
            o if o == ops::CALLBACK_RETRY => {
                let kind = match text(f, "type") {
                    Some("collection") => CallbackKind::Collection,
                    Some("payout") => CallbackKind::Payout,
                    _ => return fail(422, "type must be collection or payout"),
                };
                let (key, exists) = match kind {
                    CallbackKind::Collection => {
                        let id = text(f, "orderid");
                        (id, id.is_some_and(|i| st.collections.contains_key(i)))
                    }
                    CallbackKind::Payout => {
                        let id = text(f, "serial_no");
                        (id, id.is_some_and(|i| st.payouts.contains_key(i)))
                    }
                };
                let Some(key) = key else {
                    return fail(422, "reference is required for this type");
                };
                if !exists {
                    return fail(422, "order not found");
                }
                let key = key.to_string();
                st.callback_retries.push((kind, key.clone()));
                ok(json!({ "type": kind.as_str(), "reference": key, "queued": true }))
            }
            _ => fail(404, "not found"),
        }
    }
}

fn money_or_zero(d: Decimal) -> Value {
    if d <= Decimal::ZERO {
        Value::from(0)
    } else {
        money(d)
    }
}
