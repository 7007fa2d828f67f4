//! An in-process ECPay on wiremock (feature `testing`).
//!
//! One server answers all three APIs the crate talks to:
//! - AIO: `/Cashier/AioCheckOut/V5` checks required fields and `CheckMacValue` and answers
//!   like ECPay when they are wrong (an HTML error page; `10200073 CheckMacValue Error` is
//!   ECPay's documented code, the other codes are the simulator's approximations);
//!   `/Cashier/QueryTradeInfo/V5` and `/Cashier/QueryPaymentInfo` answer from state, signed;
//!   `/CreditDetail/DoAction` closes/refunds/cancels/abandons credit trades.
//! - The integration demo API (stateful mock of every operation, with FastAPI-style 422s).
//! - The merchant checkout API (signed AIO parameters, or `SYSTEM_ERROR`).
//!
//! [`Simulator::pay`] marks an order paid and POSTs a correctly signed `ReturnURL` callback to
//! the merchant (to [`Simulator::set_callback_url`], else the order's `ReturnURL`), returning
//! the merchant's reply; [`Simulator::redeliver`] posts the same signed callback again, as
//! ECPay does until it reads `1|OK`. Raw `k=v&…` answers (QueryTradeInfo, QueryPaymentInfo)
//! are sent as ECPay sends them: values unescaped, an `&` inside a value included.
//!
//! A merchant's handler, tested end to end (a first delivery processed, the re-delivery
//! recognised):
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use axum::{extract::State, routing::post, Router};
//! use ecpay_sdk::aio::CheckoutRequest;
//! use ecpay_sdk::testing::Simulator;
//! use ecpay_sdk::webhook::{Delivery, Verifier, ACK};
//!
//! async fn return_url(State(v): State<Verifier>, body: axum::body::Bytes) -> (axum::http::StatusCode, &'static str) {
//!     match v.verify_and_record(&body).await {
//!         Ok(r) if r.delivery == Delivery::First => { /* mark the order paid */ (axum::http::StatusCode::OK, ACK) }
//!         Ok(_) => (axum::http::StatusCode::OK, ACK), // a re-delivery: already processed
//!         Err(e) if e.kind() == ecpay_sdk::ErrorKind::Transient => (axum::http::StatusCode::SERVICE_UNAVAILABLE, "retry"),
//!         Err(_) => (axum::http::StatusCode::BAD_REQUEST, "0|refused"),
//!     }
//! }
//!
//! let sim = Simulator::start().await;
//! let app = Router::new().route("/ecpay/return", post(return_url)).with_state(sim.verifier());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let addr = listener.local_addr()?;
//! tokio::spawn(async move { axum::serve(listener, app).await });
//! sim.set_callback_url(format!("http://{addr}/ecpay/return"));
//!
//! let client = sim.client();
//! let req = CheckoutRequest::new("T1", "2026/01/01 00:00:00", 100, "desc", "item", "https://shop.example/return");
//! let form = client.aio().checkout(&req)?;
//! assert!(sim.submit(&form).await?.accepted);
//! let reply = sim.pay("T1").await?; // POSTs the signed ReturnURL callback
//! assert_eq!((reply.status, reply.body.as_str()), (200, "1|OK"));
//! let again = sim.redeliver("T1").await?; // ECPay's duplicate delivery
//! assert!(again.acknowledged());
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use std::time::Duration;

use chrono::{Duration as ChronoDuration, NaiveDateTime, Utc};
use rand::Rng;
use serde_json::{json, Value};
use sign_core::ecpay::{self, HashAlgorithm};
use sign_core::testing::{SimServer, StateMutex};
use wiremock::matchers::{any, method, path, path_regex};
use wiremock::{Mock, Request, Respond, ResponseTemplate};

use crate::client::{Client, ClientBuilder, Credentials};
use crate::demo::{EventRecord, EventStatus, MappedOrder, NotificationStatus};
use crate::error::Error;
use crate::html;
use crate::webhook;
use crate::webhook::Verifier;

mod ops;
pub use ops::{SimCapture, SimExecution, SimPlan, SimPlanStatus};

/// Required fields of an AIO checkout POST.
pub const REQUIRED_CHECKOUT_FIELDS: &[&str] = &[
    "MerchantID",
    "MerchantTradeNo",
    "MerchantTradeDate",
    "PaymentType",
    "TotalAmount",
    "TradeDesc",
    "ItemName",
    "ReturnURL",
    "ChoosePayment",
    "EncryptType",
    "CheckMacValue",
];

/// State of a simulated order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SimOrderStatus {
    /// Created, not paid.
    Pending,
    /// Paid.
    Paid,
    /// Credit trade closed (`DoAction C`).
    Closed,
    /// Refunded (`DoAction R`).
    Refunded,
    /// Close cancelled (`DoAction E`).
    Cancelled,
    /// Authorisation abandoned (`DoAction N`).
    Abandoned,
}

/// A simulated order, as the checkout created it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimOrder {
    /// `MerchantTradeNo`
    pub merchant_trade_no: String,
    /// ECPay `TradeNo` the simulator assigned.
    pub trade_no: String,
    /// `TotalAmount`
    pub total_amount: u64,
    /// `ChoosePayment`
    pub choose_payment: String,
    /// `ItemName`
    pub item_name: String,
    /// `ReturnURL`
    pub return_url: String,
    /// `PaymentInfoURL`, if given.
    pub payment_info_url: Option<String>,
    /// `MerchantTradeDate` as sent.
    pub merchant_trade_date: String,
    /// Current state.
    pub status: SimOrderStatus,
    /// `PaymentDate` once paid.
    pub payment_date: Option<String>,
    /// `PaymentType` the payment will report.
    pub payment_type: String,
    /// The checkout fields as received (signature checked).
    pub fields: Vec<(String, String)>,
}

impl SimOrder {
    fn field(&self, k: &str) -> String {
        self.fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}

/// What the AIO checkout endpoint answered to a submitted form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimCheckout {
    /// HTTP status.
    pub status: u16,
    /// Whether the order was created.
    pub accepted: bool,
    /// The `TradeNo` assigned, when accepted.
    pub trade_no: Option<String>,
    /// ECPay-style error code, when refused (e.g. `10200073`).
    pub error_code: Option<String>,
    /// The error message, when refused (e.g. `CheckMacValue Error`).
    pub error_message: Option<String>,
    /// The page body.
    pub body: String,
}

/// The merchant's reply to a callback the simulator delivered.
///
/// ```
/// let r = ecpay_sdk::testing::CallbackReply { status: 200, body: "1|OK".into() };
/// assert!(r.acknowledged());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackReply {
    /// The merchant's HTTP status.
    pub status: u16,
    /// The merchant's answer body.
    pub body: String,
}

impl CallbackReply {
    /// Whether the merchant answered 200 with exactly `1|OK` (anything else: ECPay re-posts).
    pub fn acknowledged(&self) -> bool {
        self.status == 200 && self.body.trim() == webhook::ACK
    }
}

/// One callback the simulator POSTed to the merchant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimDelivery {
    /// The URL posted to.
    pub url: String,
    /// The signed fields posted.
    pub fields: Vec<(String, String)>,
    /// The form body posted.
    pub form_body: String,
    /// The merchant's HTTP status.
    pub status: u16,
    /// The merchant's answer body.
    pub ack_body: String,
}

impl SimDelivery {
    /// Whether the merchant answered exactly `1|OK`.
    pub fn acknowledged(&self) -> bool {
        self.ack_body.trim() == webhook::ACK
    }
}

fn unknown_order(no: &str) -> Error {
    Error::validation(
        "MerchantTradeNo",
        format!("`{no}` is not a simulated order"),
    )
}

#[derive(Debug, Clone)]
struct PaymentCode {
    fields: Vec<(String, String)>,
    rtn_code: &'static str,
    rtn_msg: &'static str,
}

#[derive(Default)]
struct State {
    ops: ops::OpsState,
    orders: BTreeMap<String, SimOrder>,
    codes: BTreeMap<String, PaymentCode>,
    deliveries: Vec<SimDelivery>,
    events: Vec<EventRecord>,
    seq: u64,
}

struct Shared {
    credentials: Credentials,
    base: String,
    state: StateMutex<State>,
}

impl Shared {
    fn sign(&self, pairs: &[(String, String)]) -> String {
        ecpay::check_mac_value(
            pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            self.credentials.hash_key(),
            self.credentials.hash_iv(),
            HashAlgorithm::Sha256,
        )
    }

    fn verify(&self, pairs: &[(String, String)]) -> bool {
        ecpay::verify(
            pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            self.credentials.hash_key(),
            self.credentials.hash_iv(),
            HashAlgorithm::Sha256,
        )
        .is_ok()
    }
}

fn taipei_now() -> NaiveDateTime {
    (Utc::now() + ChronoDuration::hours(8)).naive_utc()
}

fn fmt_dt(t: NaiveDateTime) -> String {
    t.format("%Y/%m/%d %H:%M:%S").to_string()
}

fn get<'a>(pairs: &'a [(String, String)], k: &str) -> Option<&'a str> {
    pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

fn digits(n: usize) -> String {
    let mut r = rand::thread_rng();
    (0..n)
        .map(|_| char::from(b'0' + r.gen_range(0..10u8)))
        .collect()
}

fn raw_join(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

#[derive(Clone, Copy)]
enum RouteKind {
    Checkout,
    QueryTradeInfo,
    QueryPaymentInfo,
    DoAction,
    DemoHome,
    DemoHealth,
    DemoCreateOrder,
    DemoReturn,
    DemoEvent,
    DemoEvents,
    DemoCheckout,
    DemoRedirect,
    DemoResultPost,
    DemoResultPage,
    DemoBack,
    MerchantCheckout,
    NotFound,
}

struct Route {
    shared: Arc<Shared>,
    kind: RouteKind,
}

impl Respond for Route {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let s = &self.shared;
        match self.kind {
            RouteKind::Checkout => checkout(s, req),
            RouteKind::QueryTradeInfo => query_trade_info(s, req),
            RouteKind::QueryPaymentInfo => query_payment_info(s, req),
            RouteKind::DoAction => do_action(s, req),
            RouteKind::DemoHome => html_page("<h1>API Integration Workflow Demo (simulated)</h1>"),
            RouteKind::DemoHealth => {
                ResponseTemplate::new(200).set_body_json(json!({"status": "ok"}))
            }
            RouteKind::DemoCreateOrder => demo_create_order(s, req),
            RouteKind::DemoReturn => demo_return(s, req),
            RouteKind::DemoEvent => demo_event(s, req),
            RouteKind::DemoEvents => demo_events(s, req),
            RouteKind::DemoCheckout => demo_checkout(s, req),
            RouteKind::DemoRedirect => demo_redirect(s, req),
            RouteKind::DemoResultPost => {
                let pairs = webhook::parse_form(&req.body);
                ResponseTemplate::new(200).set_body_json(json!({
                    "received": true,
                    "verified": s.verify(&pairs),
                    "merchant_trade_no": get(&pairs, "MerchantTradeNo"),
                }))
            }
            RouteKind::DemoResultPage => {
                let q: BTreeMap<String, String> = req.url.query_pairs().into_owned().collect();
                let id = q.get("event_id").cloned().unwrap_or_default();
                let status = s
                    .state
                    .lock()
                    .events
                    .iter()
                    .find(|e| e.event_id == id)
                    .map(|e| e.status.as_str().to_owned())
                    .unwrap_or_else(|| "unknown".into());
                html_page(&format!(
                    "<h1>Payment result</h1><p>event {}</p><p>status {}</p>",
                    html::escape(&id),
                    html::escape(&status)
                ))
            }
            RouteKind::DemoBack => html_page("<h1>Back to the shop</h1>"),
            RouteKind::MerchantCheckout => merchant_checkout(s, req),
            RouteKind::NotFound => ResponseTemplate::new(404).set_body_string(format!(
                "ECPay simulator: no route for {} {}",
                req.method,
                req.url.path()
            )),
        }
    }
}

fn html_page(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(
        format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>{body}</body></html>"
        ),
        "text/html; charset=utf-8",
    )
}

fn ecpay_error(code: &str, message: &str) -> ResponseTemplate {
    html_page(&format!(
        "<meta name=\"ecpay-sim-result\" content=\"error|{}|{}\"><div class=\"error\">{}|{}</div>",
        html::escape(code),
        html::escape(message),
        html::escape(code),
        html::escape(message)
    ))
}

fn checkout(s: &Shared, req: &Request) -> ResponseTemplate {
    let pairs = webhook::parse_form(&req.body);
    for f in REQUIRED_CHECKOUT_FIELDS {
        if get(&pairs, f).is_none_or(str::is_empty) {
            return ecpay_error("10200050", &format!("{f} Error: required"));
        }
    }
    if !s.verify(&pairs) {
        return ecpay_error("10200073", "CheckMacValue Error");
    }
    if get(&pairs, "MerchantID") != Some(s.credentials.merchant_id()) {
        return ecpay_error("10200049", "MerchantID Error");
    }
    let no = get(&pairs, "MerchantTradeNo")
        .unwrap_or_default()
        .to_owned();
    if no.len() > 20 || !no.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return ecpay_error("10200050", "MerchantTradeNo Error");
    }
    let amount: u64 = match get(&pairs, "TotalAmount").and_then(|v| v.parse().ok()) {
        Some(a) if a > 0 => a,
        _ => return ecpay_error("10200050", "TotalAmount Error"),
    };
    let date = get(&pairs, "MerchantTradeDate")
        .unwrap_or_default()
        .to_owned();
    if NaiveDateTime::parse_from_str(&date, "%Y/%m/%d %H:%M:%S").is_err() {
        return ecpay_error("10200050", "MerchantTradeDate Error");
    }
    if get(&pairs, "PaymentType") != Some("aio") || get(&pairs, "EncryptType") != Some("1") {
        return ecpay_error("10200050", "PaymentType or EncryptType Error");
    }
    let choose = get(&pairs, "ChoosePayment").unwrap_or_default().to_owned();
    let payment_type = match choose.as_str() {
        "Credit" | "ALL" => "Credit_CreditCard",
        "WebATM" => "WebATM_TAISHIN",
        "ATM" => "ATM_TAISHIN",
        "CVS" => "CVS_CVS",
        "BARCODE" => "BARCODE_BARCODE",
        "ApplePay" => "ApplePay",
        "TWQR" => "TWQR_OPAY",
        "BNPL" => "BNPL_URICH",
        _ => return ecpay_error("10200050", "ChoosePayment Error"),
    };
    let mut st = s.state.lock();
    if st.orders.contains_key(&no) {
        return ecpay_error("10200047", "MerchantTradeNo is duplicate");
    }
    st.seq += 1;
    let now = taipei_now();
    let trade_no = format!("{}{:06}", now.format("%y%m%d%H%M"), st.seq % 1_000_000);
    let code = match choose.as_str() {
        "ATM" => {
            let days: i64 = get(&pairs, "ExpireDate")
                .and_then(|v| v.parse().ok())
                .unwrap_or(3);
            Some(PaymentCode {
                fields: vec![
                    ("BankCode".into(), "812".into()),
                    ("vAccount".into(), digits(16)),
                    (
                        "ExpireDate".into(),
                        (now + ChronoDuration::days(days))
                            .format("%Y/%m/%d")
                            .to_string(),
                    ),
                ],
                rtn_code: "2",
                rtn_msg: "Get VirtualAccount Succeeded",
            })
        }
        "CVS" => {
            let mins: i64 = get(&pairs, "StoreExpireDate")
                .and_then(|v| v.parse().ok())
                .unwrap_or(10_080);
            Some(PaymentCode {
                fields: vec![
                    ("PaymentNo".into(), format!("LLL{}", digits(11))),
                    (
                        "ExpireDate".into(),
                        fmt_dt(now + ChronoDuration::minutes(mins)),
                    ),
                ],
                rtn_code: "10100073",
                rtn_msg: "Get CVS Code Succeeded.",
            })
        }
        "BARCODE" => {
            let days: i64 = get(&pairs, "StoreExpireDate")
                .and_then(|v| v.parse().ok())
                .unwrap_or(7);
            Some(PaymentCode {
                fields: vec![
                    ("PaymentNo".into(), String::new()),
                    (
                        "Barcode1".into(),
                        format!(
                            "{}{}",
                            (now + ChronoDuration::days(days)).format("%y%m%d"),
                            "643"
                        ),
                    ),
                    ("Barcode2".into(), digits(16)),
                    ("Barcode3".into(), digits(15)),
                    (
                        "ExpireDate".into(),
                        fmt_dt(now + ChronoDuration::days(days)),
                    ),
                ],
                rtn_code: "10100073",
                rtn_msg: "Get CVS Code Succeeded.",
            })
        }
        _ => None,
    };
    if let Some(c) = code {
        st.codes.insert(no.clone(), c);
    }
    let order = SimOrder {
        merchant_trade_no: no.clone(),
        trade_no: trade_no.clone(),
        total_amount: amount,
        choose_payment: choose,
        item_name: get(&pairs, "ItemName").unwrap_or_default().to_owned(),
        return_url: get(&pairs, "ReturnURL").unwrap_or_default().to_owned(),
        payment_info_url: get(&pairs, "PaymentInfoURL").map(str::to_owned),
        merchant_trade_date: date,
        status: SimOrderStatus::Pending,
        payment_date: None,
        payment_type: payment_type.into(),
        fields: pairs,
    };
    let body = format!(
        "<meta name=\"ecpay-sim-result\" content=\"accepted|{}\"><h1>ECPay (simulated) payment page</h1><p>Order {} — TWD {}</p><p>{}</p>",
        html::escape(&trade_no),
        html::escape(&no),
        amount,
        html::escape(&order.item_name)
    );
    st.orders.insert(no, order);
    html_page(&body)
}

#[allow(clippy::result_large_err)]
fn query_auth(s: &Shared, pairs: &[(String, String)]) -> Result<String, ResponseTemplate> {
    if !s.verify(pairs) {
        return Err(ResponseTemplate::new(200).set_body_string("CheckMacValue Error"));
    }
    if get(pairs, "MerchantID") != Some(s.credentials.merchant_id()) {
        return Err(
            ResponseTemplate::new(200).set_body_string("RtnCode=10200049&RtnMsg=MerchantID Error")
        );
    }
    let ts: i64 = get(pairs, "TimeStamp")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if (Utc::now().timestamp() - ts).abs() > 180 {
        return Err(
            ResponseTemplate::new(200).set_body_string("RtnCode=10200069&RtnMsg=TimeStamp Error")
        );
    }
    match get(pairs, "MerchantTradeNo") {
        Some(n) if !n.is_empty() => Ok(n.to_owned()),
        _ => Err(ResponseTemplate::new(200)
            .set_body_string("RtnCode=10200050&RtnMsg=MerchantTradeNo Error")),
    }
}

fn signed_raw(s: &Shared, mut pairs: Vec<(String, String)>) -> ResponseTemplate {
    let mac = s.sign(&pairs);
    pairs.push(("CheckMacValue".into(), mac));
    ResponseTemplate::new(200).set_body_string(raw_join(&pairs))
}

fn query_trade_info(s: &Shared, req: &Request) -> ResponseTemplate {
    let pairs = webhook::parse_form(&req.body);
    let no = match query_auth(s, &pairs) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let st = s.state.lock();
    let mid = s.credentials.merchant_id().to_owned();
    let out: Vec<(String, String)> = match st.orders.get(&no) {
        Some(o) => {
            let paid = o.status != SimOrderStatus::Pending;
            let fee = if paid {
                (o.total_amount * 2 / 100).to_string()
            } else {
                "0".into()
            };
            vec![
                ("CustomField1".into(), o.field("CustomField1")),
                ("CustomField2".into(), o.field("CustomField2")),
                ("CustomField3".into(), o.field("CustomField3")),
                ("CustomField4".into(), o.field("CustomField4")),
                ("HandlingCharge".into(), fee.clone()),
                ("ItemName".into(), o.item_name.clone()),
                ("MerchantID".into(), mid),
                ("MerchantTradeNo".into(), no.clone()),
                (
                    "PaymentDate".into(),
                    o.payment_date.clone().unwrap_or_default(),
                ),
                ("PaymentType".into(), o.payment_type.clone()),
                ("PaymentTypeChargeFee".into(), fee),
                ("StoreID".into(), o.field("StoreID")),
                ("TradeAmt".into(), o.total_amount.to_string()),
                ("TradeDate".into(), o.merchant_trade_date.clone()),
                ("TradeNo".into(), o.trade_no.clone()),
                (
                    "TradeStatus".into(),
                    if paid { "1".into() } else { "0".into() },
                ),
            ]
        }
        None => vec![
            ("MerchantID".into(), mid),
            ("MerchantTradeNo".into(), no.clone()),
            ("TradeAmt".into(), String::new()),
            ("TradeStatus".into(), "10200047".into()),
        ],
    };
    drop(st);
    signed_raw(s, out)
}

fn query_payment_info(s: &Shared, req: &Request) -> ResponseTemplate {
    let pairs = webhook::parse_form(&req.body);
    let no = match query_auth(s, &pairs) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let st = s.state.lock();
    match (st.orders.get(&no), st.codes.get(&no)) {
        (Some(o), Some(c)) => {
            let out = payment_info_fields(s, o, c);
            drop(st);
            signed_raw(s, out)
        }
        _ => ResponseTemplate::new(200)
            .set_body_string("RtnCode=10200047&RtnMsg=Cant not find the trade data."),
    }
}

fn payment_info_fields(s: &Shared, o: &SimOrder, c: &PaymentCode) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = vec![
        ("MerchantID".into(), s.credentials.merchant_id().to_owned()),
        ("MerchantTradeNo".into(), o.merchant_trade_no.clone()),
        ("StoreID".into(), o.field("StoreID")),
        ("RtnCode".into(), c.rtn_code.into()),
        ("RtnMsg".into(), c.rtn_msg.into()),
        ("TradeNo".into(), o.trade_no.clone()),
        ("TradeAmt".into(), o.total_amount.to_string()),
        ("PaymentType".into(), o.payment_type.clone()),
        ("TradeDate".into(), o.merchant_trade_date.clone()),
        ("CustomField1".into(), o.field("CustomField1")),
        ("CustomField2".into(), o.field("CustomField2")),
        ("CustomField3".into(), o.field("CustomField3")),
        ("CustomField4".into(), o.field("CustomField4")),
    ];
    out.extend(c.fields.iter().cloned());
    out
}

fn do_action(s: &Shared, req: &Request) -> ResponseTemplate {
    let pairs = webhook::parse_form(&req.body);
    let reply = |no: &str, trade: &str, code: &str, msg: &str| {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        ser.append_pair("MerchantID", s.credentials.merchant_id());
        ser.append_pair("MerchantTradeNo", no);
        ser.append_pair("TradeNo", trade);
        ser.append_pair("RtnCode", code);
        ser.append_pair("RtnMsg", msg);
        ResponseTemplate::new(200).set_body_string(ser.finish())
    };
    let no = get(&pairs, "MerchantTradeNo")
        .unwrap_or_default()
        .to_owned();
    let trade = get(&pairs, "TradeNo").unwrap_or_default().to_owned();
    if !s.verify(&pairs) {
        return reply(&no, &trade, "10200073", "CheckMacValue Error");
    }
    let mut st = s.state.lock();
    let Some(o) = st.orders.get_mut(&no) else {
        return reply(&no, &trade, "10200047", "Cant not find the trade data.");
    };
    if o.trade_no != trade {
        return reply(&no, &trade, "10200047", "TradeNo Error");
    }
    if !o.payment_type.starts_with("Credit") {
        return reply(&no, &trade, "10200115", "Not a credit card trade");
    }
    let amount: u64 = get(&pairs, "TotalAmount")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if amount == 0 || amount > o.total_amount {
        return reply(&no, &trade, "10200050", "TotalAmount Error");
    }
    let next = match (get(&pairs, "Action"), &o.status) {
        (Some("C"), SimOrderStatus::Paid) => SimOrderStatus::Closed,
        (Some("R"), SimOrderStatus::Closed) => SimOrderStatus::Refunded,
        (Some("E"), SimOrderStatus::Closed) => SimOrderStatus::Cancelled,
        (Some("N"), SimOrderStatus::Paid) => SimOrderStatus::Abandoned,
        (Some("C" | "R" | "E" | "N"), _) => {
            return reply(
                &no,
                &trade,
                "10200121",
                "Trade status does not allow this action",
            )
        }
        _ => return reply(&no, &trade, "10200050", "Action Error"),
    };
    o.status = next;
    reply(&no, &trade, "1", "")
}

fn validation_422(detail: Vec<Value>) -> ResponseTemplate {
    ResponseTemplate::new(422).set_body_json(json!({ "detail": detail }))
}

fn issue(loc: &[&str], msg: &str, kind: &str) -> Value {
    json!({"loc": loc, "msg": msg, "type": kind})
}

fn demo_create_order(s: &Shared, req: &Request) -> ResponseTemplate {
    let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
        return validation_422(vec![issue(&["body"], "JSON decode error", "json_invalid")]);
    };
    let mut detail = Vec::new();
    let str_field = |name: &str, min: usize, max: usize, detail: &mut Vec<Value>| -> String {
        match body.get(name).and_then(Value::as_str) {
            None => {
                detail.push(issue(&["body", name], "Field required", "missing"));
                String::new()
            }
            Some(v) => {
                let n = v.chars().count();
                if n < min {
                    detail.push(issue(
                        &["body", name],
                        &format!("String should have at least {min} characters"),
                        "string_too_short",
                    ));
                } else if n > max {
                    detail.push(issue(
                        &["body", name],
                        &format!("String should have at most {max} characters"),
                        "string_too_long",
                    ));
                }
                v.to_owned()
            }
        }
    };
    let source = str_field("source", 2, 50, &mut detail);
    let order_id = str_field("order_id", 3, 100, &mut detail);
    let name = str_field("customer_name", 2, 100, &mut detail);
    let email = str_field("customer_email", 0, 320, &mut detail);
    if !email.is_empty() && !crate::demo::is_email(&email) {
        detail.push(issue(
            &["body", "customer_email"],
            "value is not a valid email address",
            "value_error",
        ));
    }
    let amount = match body.get("amount").and_then(Value::as_i64) {
        Some(a) if a > 0 => a,
        Some(_) => {
            detail.push(issue(
                &["body", "amount"],
                "Input should be greater than 0",
                "greater_than",
            ));
            0
        }
        None => {
            detail.push(issue(&["body", "amount"], "Field required", "missing"));
            0
        }
    };
    let currency = body
        .get("currency")
        .and_then(Value::as_str)
        .unwrap_or("TWD")
        .to_owned();
    if currency.chars().count() != 3 {
        detail.push(issue(
            &["body", "currency"],
            "String should have 3 characters",
            "string_too_short",
        ));
    }
    if !detail.is_empty() {
        return validation_422(detail);
    }
    let mut st = s.state.lock();
    st.seq += 1;
    let event_id = format!("evt_{:032x}", rand::thread_rng().gen::<u128>());
    let now = Utc::now().to_rfc3339();
    let mapped = MappedOrder {
        external_order_id: order_id,
        client_name: name,
        client_email: email,
        total_amount: amount,
        currency: "TWD".into(),
        source_platform: source.clone(),
    };
    let rec = EventRecord {
        event_id: event_id.clone(),
        source,
        status: EventStatus::PendingPayment,
        target_system: "ecpay_stage".into(),
        mapped_payload: mapped.clone(),
        payment_page_url: None,
        merchant_trade_no: None,
        ecpay_trade_no: None,
        payment_type: None,
        rtn_code: None,
        rtn_msg: None,
        last_event_type: Some("order_received".into()),
        message: None,
        notification_status: NotificationStatus::Pending,
        notification_channel: None,
        notification_sent_at: None,
        notification_last_error: None,
        created_at: now.clone(),
        updated_at: now,
    };
    st.events.push(rec);
    ResponseTemplate::new(200).set_body_json(json!({
        "event_id": event_id,
        "status": "pending_payment",
        "target_system": "ecpay_stage",
        "mapped_payload": mapped,
        "next_step": "POST /api/payments/ecpay/checkout",
        "recent_lookup_url": format!("/api/integrations/events/{event_id}"),
    }))
}

fn not_found() -> ResponseTemplate {
    ResponseTemplate::new(404).set_body_json(json!({"detail": "Event not found"}))
}

fn last_segment(req: &Request) -> String {
    let seg = req.url.path().rsplit('/').next().unwrap_or_default();
    percent_encoding::percent_decode_str(seg)
        .decode_utf8_lossy()
        .into_owned()
}

fn demo_event(s: &Shared, req: &Request) -> ResponseTemplate {
    let id = last_segment(req);
    match s.state.lock().events.iter().find(|e| e.event_id == id) {
        Some(e) => ResponseTemplate::new(200).set_body_json(e),
        None => not_found(),
    }
}

fn demo_events(s: &Shared, req: &Request) -> ResponseTemplate {
    let q: BTreeMap<String, String> = req.url.query_pairs().into_owned().collect();
    let limit = match q.get("limit") {
        None => 5,
        Some(v) => match v.parse::<i64>() {
            Ok(l) if (1..=20).contains(&l) => l as usize,
            Ok(l) if l < 1 => {
                return validation_422(vec![issue(
                    &["query", "limit"],
                    "Input should be greater than or equal to 1",
                    "greater_than_equal",
                )])
            }
            Ok(_) => {
                return validation_422(vec![issue(
                    &["query", "limit"],
                    "Input should be less than or equal to 20",
                    "less_than_equal",
                )])
            }
            Err(_) => {
                return validation_422(vec![issue(
                    &["query", "limit"],
                    "Input should be a valid integer",
                    "int_parsing",
                )])
            }
        },
    };
    let events: Vec<EventRecord> = s
        .state
        .lock()
        .events
        .iter()
        .rev()
        .take(limit)
        .cloned()
        .collect();
    ResponseTemplate::new(200).set_body_json(json!({ "events": events }))
}

fn demo_checkout_fields(s: &Shared, e: &EventRecord, trade_no: &str) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = vec![
        ("MerchantID".into(), s.credentials.merchant_id().to_owned()),
        ("MerchantTradeNo".into(), trade_no.to_owned()),
        ("MerchantTradeDate".into(), fmt_dt(taipei_now())),
        ("PaymentType".into(), "aio".into()),
        (
            "TotalAmount".into(),
            e.mapped_payload.total_amount.to_string(),
        ),
        ("TradeDesc".into(), "Integration demo order".into()),
        (
            "ItemName".into(),
            format!("Order {}", e.mapped_payload.external_order_id),
        ),
        (
            "ReturnURL".into(),
            format!("{}/api/integrations/webhooks/ecpay/return", s.base),
        ),
        ("ChoosePayment".into(), "Credit".into()),
        ("EncryptType".into(), "1".into()),
        (
            "ClientBackURL".into(),
            format!("{}/payments/ecpay/back?event_id={}", s.base, e.event_id),
        ),
        (
            "OrderResultURL".into(),
            format!("{}/payments/ecpay/result", s.base),
        ),
        ("CustomField1".into(), e.event_id.chars().take(50).collect()),
    ];
    let mac = s.sign(&f);
    f.push(("CheckMacValue".into(), mac));
    f
}

fn demo_checkout(s: &Shared, req: &Request) -> ResponseTemplate {
    let id = serde_json::from_slice::<Value>(&req.body)
        .ok()
        .and_then(|v| v.get("event_id").and_then(Value::as_str).map(str::to_owned));
    let Some(id) = id else {
        return validation_422(vec![issue(
            &["body", "event_id"],
            "Field required",
            "missing",
        )]);
    };
    let mut st = s.state.lock();
    st.seq += 1;
    let seq = st.seq;
    let Some(e) = st.events.iter_mut().find(|e| e.event_id == id) else {
        return not_found();
    };
    let trade_no = e.merchant_trade_no.clone().unwrap_or_else(|| {
        format!(
            "DEMO{}{:04}",
            taipei_now().format("%y%m%d%H%M%S"),
            seq % 10_000
        )
    });
    let page = format!("{}/payments/ecpay/redirect/{}", s.base, id);
    e.status = EventStatus::RedirectReady;
    e.merchant_trade_no = Some(trade_no.clone());
    e.payment_page_url = Some(page.clone());
    e.last_event_type = Some("checkout_created".into());
    e.updated_at = Utc::now().to_rfc3339();
    ResponseTemplate::new(200).set_body_json(json!({
        "event_id": id,
        "status": "redirect_ready",
        "merchant_trade_no": trade_no,
        "payment_page_url": page,
        "ecpay_checkout_url": format!("{}/Cashier/AioCheckOut/V5", s.base),
    }))
}

fn demo_redirect(s: &Shared, req: &Request) -> ResponseTemplate {
    let id = last_segment(req);
    let st = s.state.lock();
    let Some(e) = st.events.iter().find(|e| e.event_id == id) else {
        return not_found();
    };
    let Some(no) = e.merchant_trade_no.clone() else {
        return not_found();
    };
    let fields = demo_checkout_fields(s, e, &no);
    drop(st);
    ResponseTemplate::new(200).set_body_raw(
        html::auto_submit_form(&format!("{}/Cashier/AioCheckOut/V5", s.base), &fields),
        "text/html; charset=utf-8",
    )
}

fn demo_return(s: &Shared, req: &Request) -> ResponseTemplate {
    let pairs = webhook::parse_form(&req.body);
    if !s.verify(&pairs) {
        return ResponseTemplate::new(200).set_body_string("0|CheckMacValue verify fail");
    }
    let no = get(&pairs, "MerchantTradeNo")
        .unwrap_or_default()
        .to_owned();
    let mut st = s.state.lock();
    if let Some(e) = st
        .events
        .iter_mut()
        .find(|e| e.merchant_trade_no.as_deref() == Some(no.as_str()))
    {
        let code: Option<i64> = get(&pairs, "RtnCode").and_then(|v| v.parse().ok());
        e.status = if code == Some(1) {
            EventStatus::Paid
        } else {
            EventStatus::PaymentFailed
        };
        e.rtn_code = code;
        e.rtn_msg = get(&pairs, "RtnMsg").map(str::to_owned);
        e.ecpay_trade_no = get(&pairs, "TradeNo").map(str::to_owned);
        e.payment_type = get(&pairs, "PaymentType").map(str::to_owned);
        e.last_event_type = Some("ecpay_return".into());
        e.notification_status = NotificationStatus::Disabled;
        e.updated_at = Utc::now().to_rfc3339();
    }
    ResponseTemplate::new(200).set_body_raw(webhook::ACK, "text/plain; charset=utf-8")
}

fn merchant_checkout(s: &Shared, req: &Request) -> ResponseTemplate {
    let system_error = || {
        ResponseTemplate::new(500).set_body_json(json!({
            "success": false,
            "error": {"errorCode": "SYSTEM_ERROR", "errorMessage": "系統錯誤"}
        }))
    };
    let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
        return system_error();
    };
    let strs = [
        "orderDate",
        "orderItem",
        "shippingType",
        "paymentType",
        "shopperName",
        "receiverName",
        "receiverPhone",
        "receiverAddress",
        "itemName",
    ];
    if strs.iter().any(|k| {
        body.get(*k)
            .and_then(Value::as_str)
            .is_none_or(|v| v.trim().is_empty())
    }) {
        return system_error();
    }
    let ints = [
        "shopperPaidAmount",
        "discountTotal",
        "shippingFee",
        "totalAmount",
    ];
    if ints
        .iter()
        .any(|k| body.get(*k).and_then(Value::as_i64).is_none())
    {
        return system_error();
    }
    let total = body.get("totalAmount").and_then(Value::as_i64).unwrap_or(0);
    if total <= 0 {
        return system_error();
    }
    let choose = body
        .get("paymentType")
        .and_then(Value::as_str)
        .filter(|p| crate::aio::PaymentMethod::parse(p).is_some())
        .unwrap_or("ALL")
        .to_owned();
    let mut st = s.state.lock();
    st.seq += 1;
    let no = format!(
        "MC{}{:04}",
        taipei_now().format("%y%m%d%H%M%S"),
        st.seq % 10_000
    );
    drop(st);
    let item = body
        .get("itemName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let pairs: Vec<(String, String)> = vec![
        ("MerchantID".into(), s.credentials.merchant_id().to_owned()),
        ("MerchantTradeNo".into(), no.clone()),
        ("MerchantTradeDate".into(), fmt_dt(taipei_now())),
        ("PaymentType".into(), "aio".into()),
        ("TotalAmount".into(), total.to_string()),
        ("TradeDesc".into(), "Merchant checkout".into()),
        ("ItemName".into(), item.clone()),
        (
            "ReturnURL".into(),
            format!("{}/api/integrations/webhooks/ecpay/return", s.base),
        ),
        ("ChoosePayment".into(), choose.clone()),
        ("EncryptType".into(), "1".into()),
        (
            "ClientBackURL".into(),
            format!("{}/payments/ecpay/back", s.base),
        ),
        (
            "OrderResultURL".into(),
            format!("{}/payments/ecpay/result", s.base),
        ),
    ];
    let mac = s.sign(&pairs);
    let mut data = serde_json::Map::new();
    for (k, v) in &pairs {
        let val = if k == "TotalAmount" || k == "EncryptType" {
            v.parse::<i64>().map(Value::from).unwrap_or(Value::Null)
        } else {
            Value::String(v.clone())
        };
        data.insert(k.clone(), val);
    }
    data.insert("CheckMacValue".into(), Value::String(mac));
    ResponseTemplate::new(200).set_body_json(json!({"success": true, "data": data}))
}

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
            .field("base_url", &self.shared.base)
            .field("credentials", &self.shared.credentials)
            .finish()
    }
}

/// The simulator's client configuration: AIO and API base URLs, credentials, a fast retry
/// policy.
fn client_builder(base: &str, credentials: &Credentials) -> ClientBuilder {
    Client::builder()
        .base_url(base)
        .api_base_url(base)
        .credentials(credentials.clone())
        .retry_policy(
            crate::RetryPolicy::default()
                .with_max_attempts(2)
                .with_backoff(Duration::from_millis(1), Duration::from_millis(1)),
        )
}

impl Simulator {
    /// Starts a simulator for ECPay's public stage merchant (`3002607`).
    pub async fn start() -> Self {
        Self::start_with(Credentials::stage()).await
    }

    /// Starts a simulator for the given merchant.
    ///
    /// # Panics
    ///
    /// When the builder or [`Verifier::new`] refuses `credentials` (an empty or malformed
    /// MerchantID, HashKey or HashIV): the simulator's configuration is checked here, once, so
    /// that [`Simulator::client`] and [`Simulator::verifier`] cannot fail afterwards.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let own = ecpay_sdk::Credentials::new("2000132", "5294y06JbISpM5x9", "v77hoKGq4kWxNNIS");
    /// let sim = ecpay_sdk::testing::Simulator::start_with(own).await;
    /// assert_eq!(sim.merchant_id(), "2000132");
    /// # }
    /// ```
    pub async fn start_with(credentials: Credentials) -> Self {
        let server = SimServer::start().await;
        let built = (
            client_builder(&server.base_url(), &credentials).build(),
            Verifier::new(credentials.clone()),
        );
        let (client, verifier) = match built {
            (Ok(c), Ok(v)) => (c, v),
            (Err(e), _) | (_, Err(e)) => {
                panic!("Simulator::start_with: the merchant's credentials are refused: {e}")
            }
        };
        let shared = Arc::new(Shared {
            credentials,
            base: server.base_url(),
            state: StateMutex::default(),
        });
        let routes: &[(&str, &str, bool, RouteKind)] = &[
            (
                "POST",
                "/Cashier/AioCheckOut/V5",
                false,
                RouteKind::Checkout,
            ),
            (
                "POST",
                "/Cashier/QueryTradeInfo/V5",
                false,
                RouteKind::QueryTradeInfo,
            ),
            (
                "POST",
                "/Cashier/QueryPaymentInfo",
                false,
                RouteKind::QueryPaymentInfo,
            ),
            ("POST", "/CreditDetail/DoAction", false, RouteKind::DoAction),
            ("GET", "/", false, RouteKind::DemoHome),
            ("GET", "/health", false, RouteKind::DemoHealth),
            (
                "POST",
                "/api/integrations/orders",
                false,
                RouteKind::DemoCreateOrder,
            ),
            (
                "POST",
                "/api/integrations/webhooks/ecpay/return",
                false,
                RouteKind::DemoReturn,
            ),
            (
                "GET",
                r"^/api/integrations/events/[^/]+$",
                true,
                RouteKind::DemoEvent,
            ),
            (
                "GET",
                "/api/integrations/events",
                false,
                RouteKind::DemoEvents,
            ),
            (
                "POST",
                "/api/payments/ecpay/checkout",
                false,
                RouteKind::DemoCheckout,
            ),
            (
                "GET",
                r"^/payments/ecpay/redirect/[^/]+$",
                true,
                RouteKind::DemoRedirect,
            ),
            (
                "POST",
                "/payments/ecpay/result",
                false,
                RouteKind::DemoResultPost,
            ),
            (
                "GET",
                "/payments/ecpay/result",
                false,
                RouteKind::DemoResultPage,
            ),
            ("GET", "/payments/ecpay/back", false, RouteKind::DemoBack),
            (
                "POST",
                "/api/payment/ecpay/checkout",
                false,
                RouteKind::MerchantCheckout,
            ),
        ];
        for (m, p, regex, kind) in routes {
            let route = Route {
                shared: shared.clone(),
                kind: *kind,
            };
            let mock = if *regex {
                Mock::given(method(*m)).and(path_regex(*p))
            } else {
                Mock::given(method(*m)).and(path(*p))
            };
            mock.respond_with(route)
                .with_priority(1)
                .mount(server.mock_server())
                .await;
        }
        ops::mount(server.mock_server(), &shared).await;
        Mock::given(any())
            .respond_with(Route {
                shared: shared.clone(),
                kind: RouteKind::NotFound,
            })
            .with_priority(100)
            .mount(server.mock_server())
            .await;
        Self {
            server,
            shared,
            client,
            verifier,
        }
    }

    /// Base URL (`http://127.0.0.1:PORT`): use it as both the AIO and the API base URL.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// The simulated `/Cashier/AioCheckOut/V5` URL.
    pub fn checkout_url(&self) -> String {
        format!("{}/Cashier/AioCheckOut/V5", self.base_url())
    }

    /// The merchant credentials the simulator checks signatures with.
    pub fn credentials(&self) -> Credentials {
        self.shared.credentials.clone()
    }

    /// The MerchantID.
    pub fn merchant_id(&self) -> &str {
        self.shared.credentials.merchant_id()
    }

    /// A client builder pointed at the simulator (AIO and API base URLs, credentials, a
    /// fast retry policy).
    pub fn client_builder(&self) -> ClientBuilder {
        client_builder(&self.base_url(), &self.shared.credentials)
    }

    /// A ready client pointed at the simulator (what [`Simulator::client_builder`] builds).
    /// Not a `Result`: the simulator's fixed configuration was checked when it started.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let sim = ecpay_sdk::testing::Simulator::start().await;
    /// let client = sim.client();
    /// assert_eq!(client.base_url(), sim.base_url());
    /// # }
    /// ```
    pub fn client(&self) -> Client {
        self.client.clone()
    }

    /// A callback verifier with the merchant's credentials. Every verifier this simulator hands
    /// out shares one in-memory replay guard, as one merchant's handlers share one store: a
    /// [`Simulator::redeliver`] is seen as a
    /// [`Delivery::Repeat`](crate::webhook::Delivery::Repeat) whichever of them checks it.
    /// Give one its own guard with [`Verifier::with_replay_guard`]. Not a `Result`: the
    /// credentials were checked when the simulator started.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use ecpay_sdk::aio::CheckoutRequest;
    /// use ecpay_sdk::testing::Simulator;
    /// use ecpay_sdk::webhook::{Delivery, ReplayGuard, ACK};
    /// use wiremock::{matchers::method, Mock, MockServer, ResponseTemplate};
    ///
    /// let sim = Simulator::start().await;
    /// assert!(sim.verifier().verify(b"MerchantID=3002607").is_err()); // not signed
    ///
    /// let shop = MockServer::start().await; // the merchant's ReturnURL
    /// let ack = ResponseTemplate::new(200).set_body_string(ACK);
    /// Mock::given(method("POST")).respond_with(ack).mount(&shop).await;
    /// sim.set_callback_url(format!("{}/ecpay/return", shop.uri()));
    /// let order = CheckoutRequest::new(
    ///     "DOC0001", "2026/01/01 12:00:00", 1200, "Tea", "Tea", "https://shop.example/back",
    /// );
    /// sim.submit(&sim.client().aio().checkout(&order)?).await?;
    /// sim.pay("DOC0001").await?;
    /// sim.redeliver("DOC0001").await?; // ECPay's duplicate delivery
    /// let posted = shop.received_requests().await.unwrap_or_default();
    ///
    /// // Two verifiers from the simulator, one guard: the re-delivery is a repeat.
    /// let first = sim.verifier().verify_and_record(&posted[0].body).await?;
    /// let again = sim.verifier().verify_and_record(&posted[1].body).await?;
    /// assert_eq!((first.delivery, again.delivery), (Delivery::First, Delivery::Repeat));
    /// // A verifier given a guard of its own has not seen it.
    /// let own = sim.verifier().with_replay_guard(ReplayGuard::memory());
    /// assert_eq!(own.verify_and_record(&posted[1].body).await?.delivery, Delivery::First);
    /// # Ok(()) }
    /// ```
    pub fn verifier(&self) -> Verifier {
        self.verifier.clone()
    }

    /// Where [`Simulator::pay`], [`Simulator::deliver_payment_info`] and
    /// [`Simulator::redeliver`] POST (instead of the URL the checkout named).
    pub fn set_callback_url(&self, url: impl Into<String>) {
        self.server.callbacks().set_url(url);
    }

    /// The URL set with [`Simulator::set_callback_url`], if any.
    fn callback_url(&self) -> Option<String> {
        self.server.callbacks().url()
    }

    /// POSTs checkout fields to the simulated AIO endpoint, as a browser submitting the form.
    pub async fn submit_checkout(&self, fields: &[(String, String)]) -> Result<SimCheckout, Error> {
        let resp = self
            .server
            .callbacks()
            .http()
            .post(self.checkout_url())
            .form(fields)
            .send()
            .await
            .map_err(|source| Error::Transport { source })?;
        let status = resp.status().as_u16();
        let body = resp
            .text()
            .await
            .map_err(|source| Error::Transport { source })?;
        let marker = body
            .split("name=\"ecpay-sim-result\" content=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or_default()
            .to_owned();
        let mut parts = marker.splitn(3, '|');
        let (accepted, trade_no, error_code, error_message) =
            match (parts.next(), parts.next(), parts.next()) {
                (Some("accepted"), Some(t), _) => (true, Some(t.to_owned()), None, None),
                (Some("error"), Some(c), m) => (false, None, Some(c.to_owned()), m.map(unescape)),
                _ => (false, None, None, None),
            };
        Ok(SimCheckout {
            status,
            accepted,
            trade_no,
            error_code,
            error_message,
            body,
        })
    }

    /// Submits a signed checkout (its fields) as a browser would.
    pub async fn submit(&self, form: &crate::aio::SignedCheckout) -> Result<SimCheckout, Error> {
        self.submit_checkout(&form.fields).await
    }

    /// The signed `ReturnURL` fields a successful payment of the order produces (without
    /// changing state or posting anything).
    pub fn payment_result_fields(
        &self,
        merchant_trade_no: &str,
    ) -> Result<Vec<(String, String)>, Error> {
        let st = self.shared.state.lock();
        let o = st
            .orders
            .get(merchant_trade_no)
            .ok_or_else(|| unknown_order(merchant_trade_no))?;
        let paid_at = o
            .payment_date
            .clone()
            .unwrap_or_else(|| fmt_dt(taipei_now()));
        Ok(self.result_fields(o, &paid_at))
    }

    fn result_fields(&self, o: &SimOrder, paid_at: &str) -> Vec<(String, String)> {
        let mut f: Vec<(String, String)> = vec![
            ("MerchantID".into(), self.merchant_id().to_owned()),
            ("MerchantTradeNo".into(), o.merchant_trade_no.clone()),
            ("StoreID".into(), o.field("StoreID")),
            ("RtnCode".into(), "1".into()),
            ("RtnMsg".into(), "交易成功".into()),
            ("TradeNo".into(), o.trade_no.clone()),
            ("TradeAmt".into(), o.total_amount.to_string()),
            ("PaymentDate".into(), paid_at.to_owned()),
            ("PaymentType".into(), o.payment_type.clone()),
            (
                "PaymentTypeChargeFee".into(),
                (o.total_amount * 2 / 100).to_string(),
            ),
            ("TradeDate".into(), o.merchant_trade_date.clone()),
            ("SimulatePaid".into(), "0".into()),
            ("CustomField1".into(), o.field("CustomField1")),
            ("CustomField2".into(), o.field("CustomField2")),
            ("CustomField3".into(), o.field("CustomField3")),
            ("CustomField4".into(), o.field("CustomField4")),
        ];
        let mac = self.shared.sign(&f);
        f.push(("CheckMacValue".into(), mac));
        f
    }

    /// The payer pays a pending order: marks it paid, POSTs the signed `ReturnURL` callback
    /// and returns the merchant's reply.
    pub async fn pay(&self, merchant_trade_no: &str) -> Result<CallbackReply, Error> {
        let (url, fields) = {
            let target = self.callback_url();
            let mut st = self.shared.state.lock();
            let o = st
                .orders
                .get_mut(merchant_trade_no)
                .ok_or_else(|| unknown_order(merchant_trade_no))?;
            if o.status != SimOrderStatus::Pending {
                return Err(Error::validation(
                    "MerchantTradeNo",
                    format!("`{merchant_trade_no}` is not pending"),
                ));
            }
            let paid_at = fmt_dt(taipei_now());
            o.status = SimOrderStatus::Paid;
            o.payment_date = Some(paid_at.clone());
            let o = o.clone();
            (
                target.unwrap_or_else(|| o.return_url.clone()),
                self.result_fields(&o, &paid_at),
            )
        };
        self.deliver(url, fields).await
    }

    /// Posts the last callback delivered for the order again, byte for byte (ECPay's
    /// re-delivery of an unacknowledged callback), and returns the merchant's reply.
    pub async fn redeliver(&self, merchant_trade_no: &str) -> Result<CallbackReply, Error> {
        let last = {
            let st = self.shared.state.lock();
            st.deliveries
                .iter()
                .rev()
                .find(|d| get(&d.fields, "MerchantTradeNo") == Some(merchant_trade_no))
                .cloned()
        };
        let d = last.ok_or_else(|| {
            Error::validation(
                "MerchantTradeNo",
                format!("no callback was delivered for `{merchant_trade_no}`"),
            )
        })?;
        self.deliver(d.url, d.fields).await
    }

    /// POSTs the signed `PaymentInfoURL` notice (ATM account / CVS code / barcodes issued).
    pub async fn deliver_payment_info(
        &self,
        merchant_trade_no: &str,
    ) -> Result<CallbackReply, Error> {
        let (url, mut fields) = {
            let target = self.callback_url();
            let st = self.shared.state.lock();
            let o = st
                .orders
                .get(merchant_trade_no)
                .ok_or_else(|| unknown_order(merchant_trade_no))?;
            let c = st.codes.get(merchant_trade_no);
            match (target.as_ref().or(o.payment_info_url.as_ref()), c) {
                (Some(u), Some(c)) => (u.clone(), payment_info_fields(&self.shared, o, c)),
                _ => {
                    return Err(Error::validation(
                        "PaymentInfoURL",
                        format!("`{merchant_trade_no}` has no PaymentInfoURL or no payment code"),
                    ))
                }
            }
        };
        let mac = self.shared.sign(&fields);
        fields.push(("CheckMacValue".into(), mac));
        self.deliver(url, fields).await
    }

    /// POSTs signed fields to `url` as ECPay posts a callback; records the delivery.
    pub(crate) async fn deliver(
        &self,
        url: String,
        fields: Vec<(String, String)>,
    ) -> Result<CallbackReply, Error> {
        if url.is_empty() {
            return Err(Error::config(
                "callback_url",
                "is not set: call set_callback_url or give the checkout a ReturnURL",
            ));
        }
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &fields {
            ser.append_pair(k, v);
        }
        let form_body = ser.finish();
        let form = "application/x-www-form-urlencoded";
        let sent = self
            .server
            .callbacks()
            .post(&url, form, Default::default(), form_body.clone());
        let reply = sent.await.map_err(|source| Error::Transport { source })?;
        let d = SimDelivery {
            url,
            fields,
            form_body,
            status: reply.status,
            ack_body: reply.body.clone(),
        };
        self.shared.state.lock().deliveries.push(d);
        Ok(CallbackReply {
            status: reply.status,
            body: reply.body,
        })
    }

    /// One order.
    pub fn order(&self, merchant_trade_no: &str) -> Option<SimOrder> {
        self.shared
            .state
            .lock()
            .orders
            .get(merchant_trade_no)
            .cloned()
    }

    /// Every order, by `MerchantTradeNo`.
    pub fn orders(&self) -> Vec<SimOrder> {
        self.shared.state.lock().orders.values().cloned().collect()
    }

    /// Every callback delivered so far.
    pub fn deliveries(&self) -> Vec<SimDelivery> {
        self.shared.state.lock().deliveries.clone()
    }

    /// The integration demo mock's events, oldest first.
    pub fn demo_events(&self) -> Vec<EventRecord> {
        self.shared.state.lock().events.clone()
    }

    /// Requests the server received (for contract assertions).
    pub async fn received_requests(&self) -> Vec<Request> {
        self.server.received_requests().await
    }
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}
