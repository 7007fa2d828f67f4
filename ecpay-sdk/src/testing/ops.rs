//! The simulator's side of the ECPay-ops operations, answering as ECPay answers:
//! `QueryCreditCardPeriodInfo` (unsigned JSON), `CreditCardPeriodAction` (raw `k=v&…`),
//! `CreditDetail/QueryTrade/V2` (unsigned JSON), `Cashier/Capture` (raw `k=v&…`),
//! `PaymentMedia/TradeNoAio` and `CreditDetail/FundingReconDetail` (Big5 CSV, as the official
//! Node SDK expects them). Every request's CheckMacValue is checked as for the other routes.
//!
//! Periodic plans come from the checkouts that carried `PeriodAmount`; the first execution is
//! the payment ([`Simulator::pay`]), later ones are [`Simulator::renew`], which POSTs the
//! signed `PeriodReturnURL` notice with the fields of ECPay's page `?p=5631` (the ones
//! `webhook::PeriodRenewal` decodes). Error codes other than `RtnCode=1` are the simulator's
//! approximations.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::{digits, fmt_dt, get, query_auth, raw_join, taipei_now, unknown_order, CallbackReply};
use super::{Shared, SimOrder, SimOrderStatus, Simulator, State};
use crate::error::Error;
use crate::webhook;

/// State of a simulated periodic plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SimPlanStatus {
    /// Charging on schedule (`ExecStatus=1`).
    Running,
    /// Cancelled (`ExecStatus=0`).
    Cancelled,
    /// Every charge done (`ExecStatus=2`).
    Finished,
}

/// One charge of a simulated plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimExecution {
    /// `gwsr`
    pub gwsr: String,
    /// `TradeNo` of this charge.
    pub trade_no: String,
    /// `amount` in TWD.
    pub amount: u64,
    /// `RtnCode` (1: authorised).
    pub rtn_code: i64,
    /// `process_date`
    pub process_date: String,
    /// `auth_code`
    pub auth_code: String,
}

/// A simulated periodic plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimPlan {
    /// `MerchantTradeNo` of the checkout.
    pub merchant_trade_no: String,
    /// `PeriodType`
    pub period_type: String,
    /// `Frequency`
    pub frequency: u32,
    /// `ExecTimes`
    pub exec_times: u32,
    /// `PeriodAmount`
    pub period_amount: u64,
    /// `PeriodReturnURL`, when the checkout gave one.
    pub period_return_url: Option<String>,
    /// Current state.
    pub status: SimPlanStatus,
    /// Every charge so far, first included.
    pub executions: Vec<SimExecution>,
}

/// One capture the simulator accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimCapture {
    /// `MerchantTradeNo`
    pub merchant_trade_no: String,
    /// `CaptureAMT`
    pub capture_amount: u64,
    /// `UserRefundAMT`
    pub user_refund_amount: u64,
}

/// What the ops routes keep beside the orders.
#[derive(Default)]
pub(super) struct OpsState {
    plans: BTreeMap<String, SimPlan>,
    captures: Vec<SimCapture>,
    trade_file: Option<Vec<u8>>,
    funding_file: Option<Vec<u8>>,
}

fn new_execution(o_trade_no: &str, amount: u64, at: String) -> SimExecution {
    SimExecution {
        gwsr: format!("1{}", digits(7)),
        trade_no: o_trade_no.to_owned(),
        amount,
        rtn_code: 1,
        process_date: at,
        auth_code: digits(6),
    }
}

/// The plan of a periodic checkout, created when first needed; the first execution appears
/// once the order is paid.
fn plan_of<'a>(st: &'a mut State, no: &str) -> Option<&'a mut SimPlan> {
    let order = st.orders.get(no)?.clone();
    let field = |k: &str| get(&order.fields, k).map(str::to_owned);
    let amount: u64 = field("PeriodAmount")?.parse().ok()?;
    let plan = st
        .ops
        .plans
        .entry(no.to_owned())
        .or_insert_with(|| SimPlan {
            merchant_trade_no: no.to_owned(),
            period_type: field("PeriodType").unwrap_or_default(),
            frequency: field("Frequency").and_then(|v| v.parse().ok()).unwrap_or(1),
            exec_times: field("ExecTimes").and_then(|v| v.parse().ok()).unwrap_or(1),
            period_amount: amount,
            period_return_url: field("PeriodReturnURL"),
            status: SimPlanStatus::Running,
            executions: Vec::new(),
        });
    if plan.executions.is_empty() && order.status != SimOrderStatus::Pending {
        let at = order
            .payment_date
            .clone()
            .unwrap_or_else(|| fmt_dt(taipei_now()));
        plan.executions
            .push(new_execution(&order.trade_no, order.total_amount, at));
    }
    Some(plan)
}

fn success_count(p: &SimPlan) -> u32 {
    p.executions.iter().filter(|e| e.rtn_code == 1).count() as u32
}

#[derive(Clone, Copy)]
enum OpsRoute {
    PeriodInfo,
    PeriodAction,
    CreditTrade,
    Capture,
    TradeFile,
    FundingFile,
    ServerOrder,
    CreateTrade,
}

struct Route {
    shared: Arc<Shared>,
    kind: OpsRoute,
}

impl Respond for Route {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let s = &self.shared;
        let pairs = webhook::parse_form(&req.body);
        match self.kind {
            OpsRoute::PeriodInfo => period_info(s, &pairs),
            OpsRoute::PeriodAction => period_action(s, &pairs),
            OpsRoute::CreditTrade => credit_trade(s, &pairs),
            OpsRoute::Capture => capture(s, &pairs),
            OpsRoute::TradeFile => trade_file(s, &pairs),
            OpsRoute::FundingFile => funding_file(s, &pairs),
            OpsRoute::ServerOrder => server_order(s, pairs),
            OpsRoute::CreateTrade => create_trade(s, req, &pairs),
        }
    }
}

/// Mounts the ops routes on the simulator's server.
pub(super) async fn mount(server: &MockServer, shared: &Arc<Shared>) {
    let routes = [
        ("/Cashier/QueryCreditCardPeriodInfo", OpsRoute::PeriodInfo),
        ("/Cashier/CreditCardPeriodAction", OpsRoute::PeriodAction),
        ("/CreditDetail/QueryTrade/V2", OpsRoute::CreditTrade),
        ("/Cashier/Capture", OpsRoute::Capture),
        ("/PaymentMedia/TradeNoAio", OpsRoute::TradeFile),
        ("/CreditDetail/FundingReconDetail", OpsRoute::FundingFile),
        ("/ApplePay/CreateServerOrder/V2", OpsRoute::ServerOrder),
        ("/SP/CreateTrade", OpsRoute::CreateTrade),
    ];
    for (p, kind) in routes {
        Mock::given(method("POST"))
            .and(path(p))
            .respond_with(Route {
                shared: shared.clone(),
                kind,
            })
            .with_priority(1)
            .mount(server)
            .await;
    }
}

/// Signature and MerchantID, for the operations without `TimeStamp`.
#[allow(clippy::result_large_err)]
fn auth_plain(s: &Shared, pairs: &[(String, String)]) -> Result<(), ResponseTemplate> {
    if !s.verify(pairs) {
        return Err(ResponseTemplate::new(200).set_body_string("CheckMacValue Error"));
    }
    if get(pairs, "MerchantID") != Some(s.credentials.merchant_id()) {
        return Err(ResponseTemplate::new(200).set_body_string("MerchantID Error"));
    }
    Ok(())
}

fn period_info(s: &Shared, pairs: &[(String, String)]) -> ResponseTemplate {
    let no = match query_auth(s, pairs) {
        Ok(no) => no,
        Err(r) => return r,
    };
    let mut st = s.state.lock();
    let order = st.orders.get(&no).cloned();
    let Some(plan) = plan_of(&mut st, &no).cloned() else {
        // ECPay answers an unknown plan with an empty record and a failure code.
        return ResponseTemplate::new(200).set_body_json(json!({
            "MerchantID": s.credentials.merchant_id(), "MerchantTradeNo": "", "TradeNo": "",
            "RtnCode": 0, "ExecLog": []
        }));
    };
    let first = plan.executions.first();
    let exec_status = match plan.status {
        SimPlanStatus::Cancelled => "0",
        SimPlanStatus::Running => "1",
        SimPlanStatus::Finished => "2",
    };
    let log: Vec<Value> = plan
        .executions
        .iter()
        .map(|e| {
            json!({"RtnCode": e.rtn_code, "amount": e.amount, "gwsr": e.gwsr.parse::<u64>().unwrap_or(0),
                   "process_date": e.process_date, "auth_code": e.auth_code, "TradeNo": e.trade_no})
        })
        .collect();
    let succeeded: Vec<&SimExecution> =
        plan.executions.iter().filter(|e| e.rtn_code == 1).collect();
    ResponseTemplate::new(200).set_body_json(json!({
        "MerchantID": s.credentials.merchant_id(),
        "MerchantTradeNo": plan.merchant_trade_no,
        "TradeNo": order.map(|o| o.trade_no).unwrap_or_default(),
        "RtnCode": if first.is_some() { 1 } else { 0 },
        "PeriodType": plan.period_type,
        "Frequency": plan.frequency,
        "ExecTimes": plan.exec_times,
        "PeriodAmount": plan.period_amount,
        "amount": first.map(|e| e.amount).unwrap_or(0),
        "gwsr": first.map(|e| e.gwsr.parse::<u64>().unwrap_or(0)).unwrap_or(0),
        "process_date": first.map(|e| e.process_date.clone()).unwrap_or_default(),
        "auth_code": first.map(|e| e.auth_code.clone()).unwrap_or_default(),
        "card4no": "2222",
        "card6no": "431195",
        "TotalSuccessTimes": succeeded.len(),
        "TotalSuccessAmount": succeeded.iter().map(|e| e.amount).sum::<u64>(),
        "ExecStatus": exec_status,
        "ExecLog": log,
    }))
}

fn raw_answer(
    s: &Shared,
    no: &str,
    code: i64,
    msg: &str,
    extra: &[(&str, String)],
) -> ResponseTemplate {
    let mut f: Vec<(String, String)> = vec![
        ("MerchantID".into(), s.credentials.merchant_id().to_owned()),
        ("MerchantTradeNo".into(), no.to_owned()),
    ];
    f.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    f.push(("RtnCode".into(), code.to_string()));
    f.push(("RtnMsg".into(), msg.to_owned()));
    ResponseTemplate::new(200).set_body_string(raw_join(&f))
}

fn period_action(s: &Shared, pairs: &[(String, String)]) -> ResponseTemplate {
    let no = match query_auth(s, pairs) {
        Ok(no) => no,
        Err(r) => return r,
    };
    let action = get(pairs, "Action").unwrap_or_default().to_owned();
    let mut st = s.state.lock();
    let Some(plan) = plan_of(&mut st, &no) else {
        return raw_answer(s, &no, 10100050, "Order not found", &[]);
    };
    match (action.as_str(), plan.status) {
        ("Cancel", SimPlanStatus::Running) => {
            plan.status = SimPlanStatus::Cancelled;
            raw_answer(s, &no, 1, "OK", &[])
        }
        ("Cancel", _) => raw_answer(s, &no, 10100248, "The plan is not running", &[]),
        ("ReAuth", SimPlanStatus::Running) => {
            let last_failed = plan.executions.last().is_some_and(|e| e.rtn_code != 1);
            if !last_failed {
                return raw_answer(
                    s,
                    &no,
                    10100249,
                    "The latest authorisation did not fail",
                    &[],
                );
            }
            let amount = plan.period_amount;
            if let Some(last) = plan.executions.last_mut() {
                last.rtn_code = 1;
                last.amount = amount;
            }
            raw_answer(s, &no, 1, "OK", &[])
        }
        ("ReAuth", _) => raw_answer(s, &no, 10100248, "The plan is not running", &[]),
        _ => raw_answer(s, &no, 10100050, "Action Error", &[]),
    }
}

fn credit_trade(s: &Shared, pairs: &[(String, String)]) -> ResponseTemplate {
    if let Err(r) = auth_plain(s, pairs) {
        return r;
    }
    let gwsr = get(pairs, "CreditRefundId").unwrap_or_default();
    let amount: u64 = get(pairs, "CreditAmount")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let st = s.state.lock();
    let found = st.ops.plans.values().find_map(|p| {
        p.executions.iter().find(|e| e.gwsr == gwsr).map(|e| {
            (
                e.clone(),
                st.orders
                    .get(&p.merchant_trade_no)
                    .map(|o| o.status.clone()),
            )
        })
    });
    let Some((e, status)) = found.filter(|(e, _)| e.amount == amount) else {
        return ResponseTemplate::new(200)
            .set_body_json(json!({"RtnMsg": "error_nopay", "RtnValue": ""}));
    };
    let (word, closed): (&str, u64) = match status {
        Some(SimOrderStatus::Closed) => ("已關帳", e.amount),
        Some(SimOrderStatus::Refunded) => ("已關帳", 0),
        Some(SimOrderStatus::Abandoned | SimOrderStatus::Cancelled) => ("已取消", 0),
        _ => ("已授權", 0),
    };
    ResponseTemplate::new(200).set_body_json(json!({
        "RtnMsg": "",
        "RtnValue": {"TradeID": e.gwsr, "amount": e.amount.to_string(), "clsamt": closed.to_string(),
                     "authtime": e.process_date, "status": word, "close_data": []}
    }))
}

fn capture(s: &Shared, pairs: &[(String, String)]) -> ResponseTemplate {
    if let Err(r) = auth_plain(s, pairs) {
        return r;
    }
    let no = get(pairs, "MerchantTradeNo").unwrap_or_default().to_owned();
    let cap: Option<u64> = get(pairs, "CaptureAMT").and_then(|v| v.parse().ok());
    let refund: Option<u64> = get(pairs, "UserRefundAMT").and_then(|v| v.parse().ok());
    let mut st = s.state.lock();
    let Some(order) = st.orders.get(&no).cloned() else {
        return raw_answer(s, &no, 10100050, "Order not found", &[]);
    };
    let (Some(cap), Some(refund)) = (cap, refund) else {
        return raw_answer(s, &no, 10100050, "CaptureAMT or UserRefundAMT Error", &[]);
    };
    if order.status != SimOrderStatus::Paid {
        return raw_answer(s, &no, 10100251, "The order is not paid", &[]);
    }
    if cap + refund != order.total_amount {
        return raw_answer(
            s,
            &no,
            10100252,
            "CaptureAMT + UserRefundAMT must equal TotalAmount",
            &[],
        );
    }
    st.ops.captures.push(SimCapture {
        merchant_trade_no: no.clone(),
        capture_amount: cap,
        user_refund_amount: refund,
    });
    let allocation = (taipei_now() + chrono::Duration::days(3))
        .format("%Y/%m/%d")
        .to_string();
    raw_answer(
        s,
        &no,
        1,
        "OK",
        &[("TradeNo", order.trade_no), ("AllocationDate", allocation)],
    )
}

fn big5_csv(text: &str) -> ResponseTemplate {
    let (bytes, _, _) = encoding_rs::BIG5.encode(text);
    ResponseTemplate::new(200).set_body_raw(bytes.into_owned(), "text/csv")
}

fn csv_cell(v: &str) -> String {
    if v.contains([',', '"', '\n']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.to_owned()
    }
}

fn trade_file(s: &Shared, pairs: &[(String, String)]) -> ResponseTemplate {
    if let Err(r) = auth_plain(s, pairs) {
        return r;
    }
    let st = s.state.lock();
    if let Some(b) = &st.ops.trade_file {
        return ResponseTemplate::new(200).set_body_raw(b.clone(), "text/csv");
    }
    let mut out = String::from("特店訂單編號,綠界訂單編號,交易日期,付款日期,付款方式,交易金額,交易手續費,撥款金額,付款狀態,撥款狀態,商品名稱\r\n");
    for o in st.orders.values() {
        out.push_str(&trade_row(o));
    }
    big5_csv(&out)
}

fn trade_row(o: &SimOrder) -> String {
    let paid = o.status != SimOrderStatus::Pending;
    // The simulator's fee: 2.75 % rounded, ECPay's published credit card rate.
    let fee = if paid {
        (o.total_amount * 275).div_ceil(10_000)
    } else {
        0
    };
    let cells = [
        o.merchant_trade_no.clone(),
        o.trade_no.clone(),
        o.merchant_trade_date.clone(),
        o.payment_date.clone().unwrap_or_default(),
        o.payment_type.clone(),
        o.total_amount.to_string(),
        if paid { fee.to_string() } else { String::new() },
        if paid {
            (o.total_amount - fee).to_string()
        } else {
            String::new()
        },
        if paid { "已付款" } else { "未付款" }.to_owned(),
        "未撥款".to_owned(),
        o.item_name.clone(),
    ];
    let mut line = cells
        .iter()
        .map(|c| csv_cell(c))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

fn funding_file(s: &Shared, pairs: &[(String, String)]) -> ResponseTemplate {
    if let Err(r) = auth_plain(s, pairs) {
        return r;
    }
    let st = s.state.lock();
    if let Some(b) = &st.ops.funding_file {
        return ResponseTemplate::new(200).set_body_raw(b.clone(), "text/csv");
    }
    let mut out = String::from(
        "序號,授權單號,授權碼,訂單編號,交易日期,請款日期,交易金額,服務費(%數),撥款金額\r\n",
    );
    let mut n = 0;
    for p in st.ops.plans.values() {
        for e in p.executions.iter().filter(|e| e.rtn_code == 1) {
            n += 1;
            let fee = (e.amount * 275).div_ceil(10_000);
            let day = e
                .process_date
                .get(..10)
                .unwrap_or_default()
                .replace('/', "");
            out.push_str(&format!(
                "{n},{},{},{},{day},{day},{},2.75,{}\r\n",
                e.gwsr,
                e.auth_code,
                p.merchant_trade_no,
                e.amount,
                e.amount - fee
            ));
        }
    }
    big5_csv(&out)
}

fn signed_json(s: &Shared, fields: Vec<(String, String)>) -> ResponseTemplate {
    let mac = s.sign(&fields);
    let mut m = serde_json::Map::new();
    for (k, v) in fields {
        m.insert(k, Value::String(v));
    }
    m.insert("CheckMacValue".into(), Value::String(mac));
    ResponseTemplate::new(200).set_body_json(Value::Object(m))
}

fn json_error(code: i64, msg: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"RtnCode": code, "RtnMsg": msg}))
}

/// `ApplePay/CreateServerOrder/V2`: the fields but `PaymentToken` are signed; the token is
/// AES-128-CBC under HashKey/HashIV and must hold JSON. A paid order is created.
fn server_order(s: &Shared, mut pairs: Vec<(String, String)>) -> ResponseTemplate {
    use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut, KeyIvInit};
    use base64::Engine as _;
    let Some(i) = pairs.iter().position(|(k, _)| k == "PaymentToken") else {
        return json_error(10200050, "PaymentToken Error");
    };
    let (_, sealed) = pairs.remove(i);
    if let Err(r) = auth_plain(s, &pairs) {
        return r;
    }
    let key = s.credentials.hash_key().expose().as_bytes();
    let iv = s.credentials.hash_iv().expose().as_bytes();
    let opened = base64::engine::general_purpose::STANDARD
        .decode(sealed.as_bytes())
        .ok()
        .and_then(|b| {
            cbc::Decryptor::<aes::Aes128>::new_from_slices(key, iv)
                .ok()?
                .decrypt_padded_vec_mut::<Pkcs7>(&b)
                .ok()
        })
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok());
    if opened.is_none() {
        return json_error(10200050, "PaymentToken could not be decrypted");
    }
    let no = get(&pairs, "MerchantTradeNo")
        .unwrap_or_default()
        .to_owned();
    let amount: u64 = get(&pairs, "TotalAmount")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut st = s.state.lock();
    if st.orders.contains_key(&no) {
        return json_error(10200047, "MerchantTradeNo is duplicate");
    }
    st.seq += 1;
    let now = taipei_now();
    let trade_no = format!("{}{:06}", now.format("%y%m%d%H%M"), st.seq % 1_000_000);
    let paid = fmt_dt(now);
    st.orders.insert(
        no.clone(),
        SimOrder {
            merchant_trade_no: no.clone(),
            trade_no: trade_no.clone(),
            total_amount: amount,
            choose_payment: "ApplePay".into(),
            item_name: get(&pairs, "ItemName").unwrap_or_default().to_owned(),
            return_url: String::new(),
            payment_info_url: None,
            merchant_trade_date: get(&pairs, "MerchantTradeDate")
                .unwrap_or_default()
                .to_owned(),
            status: SimOrderStatus::Paid,
            payment_date: Some(paid.clone()),
            payment_type: "ApplePay".into(),
            fields: pairs.clone(),
        },
    );
    drop(st);
    let f = |k: &str, v: String| (k.to_owned(), v);
    signed_json(
        s,
        vec![
            f("RtnCode", "1".into()),
            f("RtnMsg", "Succeeded".into()),
            f("MerchantID", s.credentials.merchant_id().to_owned()),
            f("MerchantTradeNo", no),
            f("TradeNo", trade_no),
            f("TradeAmt", amount.to_string()),
            f("PaymentDate", paid),
        ],
    )
}

/// 站內付 `SP/CreateTrade`: the checkout's rules, then a signed JSON answer with an `SPToken`.
fn create_trade(s: &Shared, req: &Request, pairs: &[(String, String)]) -> ResponseTemplate {
    let no = get(pairs, "MerchantTradeNo").unwrap_or_default().to_owned();
    let existed = s.state.lock().orders.contains_key(&no);
    let page = super::checkout(s, req);
    let created = !existed && s.state.lock().orders.contains_key(&no);
    if !created {
        drop(page);
        return json_error(10200050, "the checkout parameters were refused");
    }
    let f = |k: &str, v: String| (k.to_owned(), v);
    signed_json(
        s,
        vec![
            f("RtnCode", "1".into()),
            f("RtnMsg", "Success".into()),
            f("MerchantID", s.credentials.merchant_id().to_owned()),
            f("MerchantTradeNo", no),
            f("SPToken", format!("SP{}", digits(30))),
        ],
    )
}

impl Simulator {
    /// Runs the next charge of a periodic plan (the order must be paid and the plan running):
    /// records it and POSTs the signed `PeriodReturnURL` notice to the callback URL (set with
    /// [`Simulator::set_callback_url`], else the checkout's `PeriodReturnURL`), returning the
    /// merchant's reply. The plan finishes after `ExecTimes` charges.
    ///
    /// A merchant's `PeriodReturnURL` handler, tested from checkout to a verified renewal and
    /// its re-delivery:
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use axum::{body::Bytes, extract::State, http::StatusCode, routing::post, Router};
    /// use ecpay_sdk::aio::{CheckoutRequest, CreditMode, CreditOptions, Payment, PeriodType, PeriodicPlan, TradeDate};
    /// use ecpay_sdk::testing::Simulator;
    /// use ecpay_sdk::webhook::{Delivery, PeriodRenewal, Verifier, ACK};
    ///
    /// async fn period_return(State(v): State<Verifier>, body: Bytes) -> (StatusCode, &'static str) {
    ///     match v.verify_and_record_as::<PeriodRenewal>(&body, std::time::SystemTime::now()).await {
    ///         Ok(r) if r.delivery == Delivery::First => { /* extend the subscription */ (StatusCode::OK, ACK) }
    ///         Ok(_) => (StatusCode::OK, ACK), // ECPay re-delivered: already processed
    ///         Err(e) if e.kind() == ecpay_sdk::ErrorKind::Transient => (StatusCode::SERVICE_UNAVAILABLE, "retry"),
    ///         Err(_) => (StatusCode::BAD_REQUEST, "0|refused"),
    ///     }
    /// }
    ///
    /// async fn return_url(State(v): State<Verifier>, body: Bytes) -> (StatusCode, &'static str) {
    ///     match v.verify_and_record(&body).await {
    ///         Ok(_) => (StatusCode::OK, ACK), // the first charge: start the subscription once
    ///         Err(_) => (StatusCode::BAD_REQUEST, "0|refused"),
    ///     }
    /// }
    ///
    /// let sim = Simulator::start().await;
    /// let app = Router::new()
    ///     .route("/ecpay/return", post(return_url))
    ///     .route("/ecpay/period", post(period_return))
    ///     .with_state(sim.verifier());
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let shop = format!("http://{}", listener.local_addr()?);
    /// let url = format!("{shop}/ecpay/period");
    /// tokio::spawn(async move { axum::serve(listener, app).await });
    ///
    /// let client = sim.client();
    /// let mut req = CheckoutRequest::new("SUB1", TradeDate::now_taiwan(), 299, "Monthly plan", "Coffee", format!("{shop}/ecpay/return"));
    /// req.payment = Payment::Credit(CreditOptions {
    ///     mode: CreditMode::Periodic(PeriodicPlan { period_amount: 299, period_type: PeriodType::Month, frequency: 1, exec_times: 12, period_return_url: Some(url.clone()) }),
    ///     ..Default::default()
    /// });
    /// assert!(sim.submit(&client.aio().checkout(&req)?).await?.accepted);
    /// sim.pay("SUB1").await?; // the first charge goes to ReturnURL
    /// let reply = sim.renew("SUB1").await?; // the second to PeriodReturnURL
    /// assert_eq!((reply.status, reply.body.as_str()), (200, "1|OK"));
    /// assert!(sim.redeliver("SUB1").await?.acknowledged()); // recognised as a repeat
    /// let plan = client.aio().query_period_info("SUB1").await?;
    /// assert_eq!(plan.total_success_times, 2);
    /// # Ok(()) }
    /// ```
    pub async fn renew(&self, merchant_trade_no: &str) -> Result<CallbackReply, Error> {
        self.renew_with(merchant_trade_no, true).await
    }

    /// Like [`Simulator::renew`], with a charge the bank declined (`RtnCode` other than 1):
    /// the plan's latest execution fails, which `CreditCardPeriodAction ReAuth` can retry.
    ///
    /// A fleet of web servers verifying `PeriodReturnURL` notices with one Redis record, so a
    /// re-delivery that lands on another server still reads as a repeat (this example starts
    /// its own `redis-server` on a free loopback port):
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use ecpay_sdk::webhook::{sign_form, Delivery, PeriodRenewal, Verifier};
    /// use ecpay_sdk::Credentials;
    /// use sign_core::replay::{RedisStore, ReplayGuard};
    ///
    /// let redis = sign_core::testing::RedisServer::start()?;
    /// let server = |guard: ReplayGuard| Verifier::new(Credentials::stage()).map(|v| v.with_replay_guard(guard));
    /// let a = server(ReplayGuard::new(RedisStore::connect(&redis.url()).await?.with_prefix("shop:")))?;
    /// let b = server(ReplayGuard::new(RedisStore::connect(&redis.url()).await?.with_prefix("shop:")))?;
    ///
    /// let body = sign_form(&[("MerchantID", "3002607"), ("MerchantTradeNo", "SUB1"), ("RtnCode", "1"), ("RtnMsg", "OK"),
    ///     ("PeriodType", "M"), ("Frequency", "1"), ("ExecTimes", "12"), ("Amount", "299"), ("Gwsr", "11940001"),
    ///     ("ProcessDate", "2026/02/01 03:00:00"), ("AuthCode", "777777"), ("FirstAuthAmount", "299"),
    ///     ("TotalSuccessTimes", "2"), ("SimulatePaid", "0")], &Credentials::stage());
    /// let now = std::time::SystemTime::now();
    /// let first = a.verify_and_record_as::<PeriodRenewal>(body.as_bytes(), now).await?;
    /// let again = b.verify_and_record_as::<PeriodRenewal>(body.as_bytes(), now).await?;
    /// assert_eq!((first.delivery, again.delivery), (Delivery::First, Delivery::Repeat));
    /// # Ok(()) }
    /// ```
    pub async fn renew_declined(&self, merchant_trade_no: &str) -> Result<CallbackReply, Error> {
        self.renew_with(merchant_trade_no, false).await
    }

    async fn renew_with(&self, no: &str, approve: bool) -> Result<CallbackReply, Error> {
        let (url, fields) = {
            let target = self.callback_url();
            let mut st = self.shared.state.lock();
            let order = st
                .orders
                .get(no)
                .cloned()
                .ok_or_else(|| unknown_order(no))?;
            let plan = plan_of(&mut st, no).ok_or_else(|| {
                Error::validation("MerchantTradeNo", format!("`{no}` has no periodic plan"))
            })?;
            if plan.executions.is_empty() {
                return Err(Error::validation(
                    "MerchantTradeNo",
                    format!("`{no}` is not paid yet"),
                ));
            }
            if plan.status != SimPlanStatus::Running {
                return Err(Error::validation(
                    "MerchantTradeNo",
                    format!("the plan of `{no}` is not running"),
                ));
            }
            let mut e = new_execution(
                &format!("{}{:02}", &order.trade_no, plan.executions.len()),
                plan.period_amount,
                fmt_dt(taipei_now()),
            );
            if !approve {
                e.rtn_code = 10100112;
                e.auth_code = String::new();
            }
            plan.executions.push(e.clone());
            if success_count(plan) >= plan.exec_times {
                plan.status = SimPlanStatus::Finished;
            }
            let first = plan.executions.first().map(|f| f.amount).unwrap_or(0);
            let url = target
                .or_else(|| plan.period_return_url.clone())
                .unwrap_or_default();
            let custom = |i: usize| {
                get(&order.fields, &format!("CustomField{i}"))
                    .unwrap_or_default()
                    .to_owned()
            };
            let mut fields: Vec<(String, String)> = vec![
                (
                    "MerchantID".into(),
                    self.shared.credentials.merchant_id().to_owned(),
                ),
                ("MerchantTradeNo".into(), no.to_owned()),
                (
                    "StoreID".into(),
                    get(&order.fields, "StoreID").unwrap_or_default().to_owned(),
                ),
                ("RtnCode".into(), e.rtn_code.to_string()),
                (
                    "RtnMsg".into(),
                    if approve {
                        "交易成功"
                    } else {
                        "授權失敗"
                    }
                    .into(),
                ),
                ("PeriodType".into(), plan.period_type.clone()),
                ("Frequency".into(), plan.frequency.to_string()),
                ("ExecTimes".into(), plan.exec_times.to_string()),
                ("Amount".into(), e.amount.to_string()),
                ("Gwsr".into(), e.gwsr.clone()),
                ("ProcessDate".into(), e.process_date.clone()),
                ("AuthCode".into(), e.auth_code.clone()),
                ("FirstAuthAmount".into(), first.to_string()),
                ("TotalSuccessTimes".into(), success_count(plan).to_string()),
                ("SimulatePaid".into(), "0".into()),
                ("CustomField1".into(), custom(1)),
                ("CustomField2".into(), custom(2)),
                ("CustomField3".into(), custom(3)),
                ("CustomField4".into(), custom(4)),
            ];
            let mac = self.shared.sign(&fields);
            fields.push(("CheckMacValue".into(), mac));
            (url, fields)
        };
        self.deliver(url, fields).await
    }

    /// The periodic plan of a checkout, once it exists (the checkout carried `PeriodAmount`).
    pub fn plan(&self, merchant_trade_no: &str) -> Option<SimPlan> {
        let mut st = self.shared.state.lock();
        plan_of(&mut st, merchant_trade_no).cloned()
    }

    /// Captures the simulator accepted, in order.
    pub fn captures(&self) -> Vec<SimCapture> {
        self.shared.state.lock().ops.captures.clone()
    }

    /// Serves these bytes for `TradeNoAio` instead of the file built from the orders.
    pub fn set_trade_file(&self, bytes: impl Into<Vec<u8>>) {
        self.shared.state.lock().ops.trade_file = Some(bytes.into());
    }

    /// Serves these bytes for `FundingReconDetail` instead of the file built from the plans.
    pub fn set_funding_file(&self, bytes: impl Into<Vec<u8>>) {
        self.shared.state.lock().ops.funding_file = Some(bytes.into());
    }
}
