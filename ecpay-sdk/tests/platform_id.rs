//! `PlatformID` on every operation, on wiremock: where ECPay takes it, it is sent and covered
//! by CheckMacValue (recomputed with the independent sha2 helper in `common`, ECPay's steps
//! `?p=2902`); where ECPay does not take it, it is not sent.
//!
//! Which operations take it, and where that is written:
//! - AioCheckOut `?p=2864` (and PHP `CreateTrade`, which posts the checkout fields), Node
//!   `ECpayPayment.xml` `AioCheckOut`;
//! - QueryTradeInfo `?p=2890` (English `?p=16579`) and QueryPaymentInfo `?p=5615` (English
//!   `?p=16594`): 「PlatformID String(10) 特約合作平台商代號 非必填 … 一般特店或平台商本身
//!   介接,則參數請帶放空值 … 專案合作平台商的特店使用時,則參數請帶平台商所綁的特店編號」;
//!   Node `QueryTradeInfo` (`^(\d{7,10}|)$`; its `query_trade_info` sends it empty for an
//!   ordinary merchant);
//! - QueryCreditCardPeriodInfo `?p=2892`, CreditCardPeriodAction `?p=2900`, DoAction, Capture,
//!   CreateServerOrder (required, may be empty): Node `ECpayPayment.xml`.
//! - Not taken: QueryTrade/V2 `?p=2894`, TradeNoAio `?p=16599`, FundingReconDetail
//!   `?p=2898`/`?p=16604` (their pages list no PlatformID; the Node SDK's `query_client.js`
//!   deletes it before sending `QueryTradeV2`, `TradeNoAio` and `FundingReconDetail`).

mod common;

use std::future::Future;
use std::pin::Pin;

use chrono::NaiveDate;
use ecpay_sdk::aio::{
    CaptureRequest, CheckoutRequest, CreditAction, CreditTradeRequest, DoActionRequest,
    FundingDateType, FundingFileRequest, MediaDateType, PeriodActionKind, PeriodActionRequest,
    PeriodInfoRequest, ServerOrderRequest, ServerTradeType, TradeFileRequest, TradeQuery,
};
use ecpay_sdk::{Client, Credentials, Error, RetryPolicy};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A platform's MerchantID (7 to 10 digits), as a sub-merchant sends it.
const PLATFORM: &str = "3002599";

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .credentials(Credentials::stage())
        .retry_policy(RetryPolicy::default().with_max_attempts(1))
        .build()
        .expect("client for the mock server")
}

/// Runs `call` against a mock that answers every POST to `route` with an unsigned error, and
/// returns the one form it received. The answer does not matter here: only what was sent.
async fn sent_form<F, Fut>(case: &str, route: &str, call: F) -> Vec<(String, String)>
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = ()>,
{
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(route))
        .respond_with(ResponseTemplate::new(200).set_body_string("RtnCode=10200047&RtnMsg=test"))
        .mount(&server)
        .await;
    call(client(&server)).await;
    let reqs = server.received_requests().await.expect("recorded");
    assert_eq!(reqs.len(), 1, "{case} ({route}): one request");
    assert_eq!(reqs[0].method.as_str(), "POST", "{case} ({route})");
    common::parse_form(&reqs[0].body)
}

/// `PlatformID` is `want` (absent when `None`) and the CheckMacValue, recomputed over every
/// field but `unsigned`, matches.
fn assert_platform(case: &str, form: &[(String, String)], want: Option<&str>, unsigned: &[&str]) {
    let got = form
        .iter()
        .filter(|(k, _)| k == "PlatformID")
        .map(|(_, v)| v.as_str())
        .collect::<Vec<_>>();
    assert_eq!(
        got,
        want.into_iter().collect::<Vec<_>>(),
        "{case}: PlatformID"
    );
    let signed: Vec<(String, String)> = form
        .iter()
        .filter(|(k, _)| !unsigned.contains(&k.as_str()))
        .cloned()
        .collect();
    let mac = form
        .iter()
        .find(|(k, _)| k == "CheckMacValue")
        .map(|(_, v)| v.clone());
    assert_eq!(
        mac,
        Some(common::cmv_owned(&signed)),
        "{case}: CheckMacValue covers PlatformID"
    );
}

/// One operation sent to the mock: what it sends is read from the one request received.
type Send = Box<dyn FnOnce(Client) -> Pin<Box<dyn Future<Output = ()>>>>;

fn send<F, Fut>(f: F) -> Send
where
    F: FnOnce(Client) -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    Box::new(move |c| Box::pin(f(c)))
}

/// One row: an operation, what `PlatformID` it sends (`None`: not sent), the fields outside
/// its signature, and for the queries the fields of their page in order.
struct Row {
    case: &'static str,
    route: &'static str,
    send: Send,
    platform_id: Option<&'static str>,
    unsigned: &'static [&'static str],
    fields: Option<(&'static [&'static str], &'static str)>,
}

/// The fields of `?p=2890` and `?p=5615`, in the order sent.
const QUERY_FIELDS: &[&str] = &[
    "MerchantID",
    "MerchantTradeNo",
    "TimeStamp",
    "PlatformID",
    "CheckMacValue",
];

fn rows() -> Vec<Row> {
    let d = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
    let row = |case, route, send, platform_id| Row {
        case,
        route,
        send,
        platform_id,
        unsigned: &[],
        fields: None,
    };
    vec![
        Row {
            fields: Some((QUERY_FIELDS, "?p=2890")),
            ..row(
                "QueryTradeInfo, sub-merchant",
                "/Cashier/QueryTradeInfo/V5",
                send(|c| async move {
                    let q = TradeQuery::new("T20260101001").platform(PLATFORM);
                    let _ = c.aio().query_trade_info(q).await;
                }),
                Some(PLATFORM),
            )
        },
        Row {
            fields: Some((QUERY_FIELDS, "?p=2890")),
            ..row(
                "QueryTradeInfo, ordinary merchant: sent empty, as ?p=2890 asks",
                "/Cashier/QueryTradeInfo/V5",
                send(|c| async move {
                    let _ = c
                        .aio()
                        .query_trade_info(TradeQuery::new("T20260101001"))
                        .await;
                }),
                Some(""),
            )
        },
        Row {
            fields: Some((QUERY_FIELDS, "?p=5615")),
            ..row(
                "QueryPaymentInfo, sub-merchant",
                "/Cashier/QueryPaymentInfo",
                send(|c| async move {
                    let q = TradeQuery::new("T2").platform(PLATFORM);
                    let _ = c.aio().query_payment_info(q).await;
                }),
                Some(PLATFORM),
            )
        },
        Row {
            fields: Some((QUERY_FIELDS, "?p=5615")),
            ..row(
                "QueryPaymentInfo, ordinary merchant: sent empty, as ?p=5615 asks",
                "/Cashier/QueryPaymentInfo",
                send(|c| async move {
                    let _ = c.aio().query_payment_info(TradeQuery::new("T2")).await;
                }),
                Some(""),
            )
        },
        row(
            "do action",
            "/CreditDetail/DoAction",
            send(|c| async move {
                let req = DoActionRequest {
                    merchant_trade_no: "T3".into(),
                    trade_no: "2601011000000003".into(),
                    action: CreditAction::Refund,
                    total_amount: 120,
                    platform_id: Some(PLATFORM.into()),
                };
                let _ = c.aio().do_action(&req).await;
            }),
            Some(PLATFORM),
        ),
        row(
            "period info",
            "/Cashier/QueryCreditCardPeriodInfo",
            send(|c| async move {
                let mut req = PeriodInfoRequest::new("SUB20260101001");
                req.platform_id = Some(PLATFORM.into());
                let _ = c.aio().query_period_info(req).await;
            }),
            Some(PLATFORM),
        ),
        row(
            "period action",
            "/Cashier/CreditCardPeriodAction",
            send(|c| async move {
                let mut req = PeriodActionRequest::new("SUB1", PeriodActionKind::Cancel);
                req.platform_id = Some(PLATFORM.into());
                let _ = c.aio().period_action(&req).await;
            }),
            Some(PLATFORM),
        ),
        row(
            "capture",
            "/Cashier/Capture",
            send(|c| async move {
                let mut req = CaptureRequest::new("ORD1", 900, 100);
                req.platform_id = Some(PLATFORM.into());
                let _ = c.aio().capture(&req).await;
            }),
            Some(PLATFORM),
        ),
        Row {
            // The encrypted PaymentToken is outside the signature (Node `CreateServerOrder`).
            unsigned: &["PaymentToken"],
            ..row(
                "server order",
                "/ApplePay/CreateServerOrder/V2",
                send(|c| async move {
                    let mut req = ServerOrderRequest::new(
                        "AP20260101001",
                        "2026/01/01 12:00:00",
                        100,
                        "Tea",
                        "Apple Pay order",
                        ServerTradeType::Web,
                        r#"{"paymentData":{"version":"EC_v1","data":"abc"}}"#,
                    );
                    req.platform_id = Some(PLATFORM.into());
                    let _ = c.aio().create_server_order(&req).await;
                }),
                Some(PLATFORM),
            )
        },
        row(
            "create trade",
            "/SP/CreateTrade",
            send(|c| async move {
                let _ = c
                    .aio()
                    .create_trade(&checkout_request("SP20260101PF1"))
                    .await;
            }),
            Some(PLATFORM),
        ),
        row(
            "QueryTrade/V2 (?p=2894)",
            "/CreditDetail/QueryTrade/V2",
            send(|c| async move {
                let req = CreditTradeRequest {
                    credit_refund_id: 11111111,
                    credit_amount: 299,
                    credit_check_code: 59997889,
                };
                let _ = c.aio().query_credit_trade(&req).await;
            }),
            None,
        ),
        row(
            "TradeNoAio (?p=16599)",
            "/PaymentMedia/TradeNoAio",
            send(move |c| async move {
                let req = TradeFileRequest::new(MediaDateType::Paid, d, d);
                let _ = c.aio().trade_file(&req).await;
            }),
            None,
        ),
        row(
            "FundingReconDetail (?p=2898)",
            "/CreditDetail/FundingReconDetail",
            send(move |c| async move {
                let req = FundingFileRequest::new(FundingDateType::Enter, d, d);
                let _ = c.aio().funding_file(&req).await;
            }),
            None,
        ),
    ]
}

/// Every operation sent over the wire: `PlatformID` signed where ECPay takes it, not sent
/// where it does not (the list and its sources are at the top of this file).
#[tokio::test]
async fn every_operation_sends_platform_id_where_ecpay_takes_it() {
    for r in rows() {
        let f = sent_form(r.case, r.route, r.send).await;
        assert_platform(r.case, &f, r.platform_id, r.unsigned);
        if let Some((fields, page)) = r.fields {
            let names: Vec<&str> = f.iter().map(|(k, _)| k.as_str()).collect();
            assert_eq!(names, fields, "{}: the fields of {page}", r.case);
        }
    }
}

fn checkout_request(no: &str) -> CheckoutRequest {
    let mut req = CheckoutRequest::new(
        no,
        "2026/01/01 12:00:00",
        500,
        "desc",
        "Item",
        "https://shop.example.com/r",
    );
    req.platform_id = Some(PLATFORM.into());
    req
}

#[tokio::test]
async fn checkout_signs_platform_id() {
    let server = MockServer::start().await;
    let form = client(&server)
        .aio()
        .checkout(&checkout_request("T20260101PF1"))
        .expect("signed");
    assert_platform("checkout", &form.fields, Some(PLATFORM), &[]);
}

#[tokio::test]
async fn a_malformed_platform_id_is_refused_before_sending() {
    // ECPay's rule: String(10), the platform's MerchantID; the Node SDK's `^(\d{7,10}|)$`.
    for bad in ["30025", "30025990123", "300259a", " 3002599"] {
        let server = MockServer::start().await;
        let c = client(&server);
        let aio = c.aio();
        let results = [
            (
                "QueryTradeInfo",
                aio.query_trade_info(TradeQuery::new("T1").platform(bad))
                    .await
                    .err(),
            ),
            (
                "QueryPaymentInfo",
                aio.query_payment_info(TradeQuery::new("T1").platform(bad))
                    .await
                    .err(),
            ),
            (
                "DoAction",
                aio.do_action(&DoActionRequest {
                    merchant_trade_no: "T1".into(),
                    trade_no: "2601011000000001".into(),
                    action: CreditAction::Close,
                    total_amount: 1,
                    platform_id: Some(bad.into()),
                })
                .await
                .err(),
            ),
        ];
        for (op, e) in results {
            assert!(
                matches!(&e, Some(Error::Validation { field, .. }) if field == "PlatformID"),
                "{op} with PlatformID {bad:?}: {e:?}"
            );
        }
        let reqs = server.received_requests().await.expect("recorded");
        assert!(reqs.is_empty(), "PlatformID {bad:?}: nothing was sent");
    }
}

#[tokio::test]
async fn the_simulator_accepts_a_signed_platform_id_on_both_queries() {
    // The simulator checks CheckMacValue over every field it receives, PlatformID included,
    // and answers the trade as ECPay does (it does not model platforms).
    let sim = ecpay_sdk::testing::Simulator::start().await;
    let client = sim.client();
    let mut req = CheckoutRequest::new(
        "SIMPF0001",
        "2026/01/01 12:00:00",
        500,
        "desc",
        "Item",
        "https://shop.example.com/r",
    );
    req.payment = ecpay_sdk::aio::Payment::Atm(Default::default());
    let form = client.aio().checkout(&req).expect("signed");
    let accepted = sim.submit_checkout(&form.fields).await.expect("submitted");
    assert!(accepted.accepted, "{accepted:?}");
    let info = client
        .aio()
        .query_trade_info(TradeQuery::new("SIMPF0001").platform(PLATFORM))
        .await
        .expect("trade info verified");
    assert_eq!(info.merchant_trade_no, "SIMPF0001");
    let code = client
        .aio()
        .query_payment_info(TradeQuery::new("SIMPF0001").platform(PLATFORM))
        .await
        .expect("payment info verified");
    assert!(code.is_issued(), "{code:?}");
}
