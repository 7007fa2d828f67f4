//! Contract tests of the ECPay-ops operations on wiremock: method, path, every signed field,
//! the CheckMacValue recomputed with the independent helper in `common` (sha2 directly, from
//! ECPay's published steps `?p=2902`), the answer decoded, and the retry rule per operation:
//! queries and file downloads retried (re-signed), period action / capture never repeated after
//! a request that may have reached ECPay (`Error::OutcomeUnknown`).
//!
//! Request fields come from the official Node SDK's `ECpayPayment.xml` and ECPay's pages
//! (`?p=2892` QueryCreditCardPeriodInfo, `?p=2900` CreditCardPeriodAction, `?p=2894`
//! QueryTrade/V2, `?p=16599` TradeNoAio, `?p=2898` FundingReconDetail, Node `Capture`). The
//! answers are built from the field lists those pages document.
//!
//! Operations that differ only in data are one table ([`cases`], run by [`rows`]); the tables of
//! answers to one write follow it. Every row names itself in every assertion message.

mod common;

use std::time::Duration;

use chrono::NaiveDate;
use ecpay_sdk::aio::{
    CaptureRequest, CreditTradeRequest, ExecStatus, FileEncoding, FundingDateType,
    FundingFileRequest, MediaDateType, PeriodActionKind, PeriodActionRequest, PeriodInfoRequest,
    TradeFileRequest,
};
use ecpay_sdk::{Client, Credentials, Error, ErrorCode, RetryPolicy};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// A server that gives these answers to `POST {at}`, in order (each but the last answers once).
async fn answering(at: &str, answers: Vec<ResponseTemplate>) -> MockServer {
    let server = MockServer::start().await;
    let last = answers.len();
    for (i, answer) in answers.into_iter().enumerate() {
        let mock = Mock::given(method("POST"))
            .and(path(at))
            .respond_with(answer);
        let mock = if i + 1 < last {
            mock.up_to_n_times(1)
        } else {
            mock
        };
        mock.with_priority(u8::try_from(i + 1).unwrap_or(u8::MAX))
            .mount(&server)
            .await;
    }
    server
}

/// The requests the server received, in order.
async fn sent(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.expect("recorded")
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .credentials(Credentials::stage())
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(2)
                .with_backoff(Duration::from_millis(1), Duration::from_millis(2)),
        )
        .timeout(Duration::from_millis(800))
        .build()
        .expect("client for the mock server")
}

fn form(req: &Request) -> Vec<(String, String)> {
    url::form_urlencoded::parse(&req.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The fields a request must carry, written as its form: `Name=value` pairs joined by `&`,
/// `Name=*` for a field that must be present with any value (a timestamp).
fn wire(form: &'static str) -> Vec<(&'static str, Option<&'static str>)> {
    form.split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, "*")) => (k, None),
            Some((k, v)) => (k, Some(v)),
            None => panic!("`{pair}` is not Name=value"),
        })
        .collect()
}

/// Asserts the request's field names (in any order) and recomputes its CheckMacValue.
fn assert_signed(case: &str, req: &Request, want: &[(&str, Option<&str>)]) {
    assert_eq!(req.method.as_str(), "POST", "case {case}");
    let f = form(req);
    let mut names: Vec<&str> = f.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    let mut expected: Vec<&str> = want
        .iter()
        .map(|(k, _)| *k)
        .chain(["CheckMacValue"])
        .collect();
    expected.sort_unstable();
    assert_eq!(names, expected, "case {case}: the signed field set");
    for (k, v) in want {
        let got = f.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        match v {
            Some(v) => assert_eq!(got, Some(*v), "case {case}: field {k}"),
            None => assert!(got.is_some(), "case {case}: field {k}"),
        }
    }
    let mac = f
        .iter()
        .find(|(k, _)| k == "CheckMacValue")
        .map(|(_, v)| v.clone());
    assert_eq!(
        mac,
        Some(common::cmv_owned(&f)),
        "case {case}: CheckMacValue recomputed with sha2"
    );
    if let Some((_, ts)) = f.iter().find(|(k, _)| k == "TimeStamp") {
        let ts: i64 = ts.parse().expect("TimeStamp is an integer");
        assert!(
            (chrono::Utc::now().timestamp() - ts).abs() <= 5,
            "case {case}: TimeStamp is now"
        );
    }
}

const PERIOD_INFO_JSON: &str = r#"{"MerchantID":"3002607","MerchantTradeNo":"SUB20260101001","TradeNo":"2601011000000001",
"RtnCode":1,"PeriodType":"M","Frequency":1,"ExecTimes":12,"PeriodAmount":299,"amount":299,"gwsr":11111111,
"process_date":"2026/01/01 10:00:00","auth_code":"777777","card4no":"2222","card6no":"431195",
"TotalSuccessTimes":2,"TotalSuccessAmount":598,"ExecStatus":"1","ExecLog":[
{"RtnCode":1,"amount":299,"gwsr":11111111,"process_date":"2026/01/01 10:00:00","auth_code":"777777","TradeNo":"2601011000000001"},
{"RtnCode":1,"amount":"299","gwsr":"11111112","process_date":"2026/02/01 10:00:00","auth_code":"777778","TradeNo":"2602011000000002"}]}"#;

/// An answer to QueryTrade/V2 in the shape `?p=2894` documents.
const CREDIT_TRADE_JSON: &str = r#"{"RtnMsg":"","RtnValue":{"TradeID":"11111111","amount":"299","clsamt":"199","authtime":"2026/01/01 10:00:00",
    "status":"已關帳","close_data":[{"status":"已關帳","amount":"299","sno":"1","datetime":"2026/01/02 20:15:00"},
    {"status":"已關帳","amount":"-100","sno":"2","datetime":"2026/01/03 20:15:00"}]}}"#;

/// One query or file download, with its request.
enum Op {
    PeriodInfo(PeriodInfoRequest),
    CreditTrade(CreditTradeRequest),
    TradeFile(TradeFileRequest),
    FundingFile(FundingFileRequest),
    CreateTrade(Box<ecpay_sdk::aio::CheckoutRequest>),
    Capture(CaptureRequest),
}

/// Runs `op`; the answer summarised as JSON, so that a row can state what it must be.
async fn run(op: &Op, c: &Client) -> Result<Value, Error> {
    let aio = c.aio();
    Ok(match op {
        Op::PeriodInfo(req) => {
            let info = aio.query_period_info(req.clone()).await?;
            json!({"running": info.exec_status == ExecStatus::Running,
                   "totals": [info.total_success_times, info.total_success_amount],
                   "log": info.exec_log.len(),
                   "log_1_amount": info.exec_log.get(1).map(|l| l.amount),
                   "log_1_gwsr": info.exec_log.get(1).map(|l| l.gwsr.clone())})
        }
        Op::CreditTrade(req) => {
            let t = aio.query_credit_trade(req).await?;
            json!({"amounts": [t.amount, t.closed_amount],
                   "close_1_amount": t.close_data.get(1).map(|d| d.amount), "status": t.status})
        }
        Op::TradeFile(req) => {
            let file = aio.trade_file(req).await?;
            json!({"rows": file.rows.len(),
                   "row_0_trade_no": file.rows.first().map(|r| r.merchant_trade_no.clone())})
        }
        Op::FundingFile(req) => {
            let file = aio.funding_file(req).await?;
            json!({"rows": file.rows.len(), "row_1_amount": file.rows.get(1).map(|r| r.amount)})
        }
        Op::CreateTrade(req) => json!({"sp_token": aio.create_trade(req).await?.sp_token}),
        Op::Capture(req) => json!({"allocation_date": aio.capture(req).await?.allocation_date}),
    })
}

/// An answer to `CreateTrade`, signed with the stage keys by the sha2 helper.
fn created_trade_answer() -> ResponseTemplate {
    let answer: Vec<(String, String)> = [
        ("RtnCode", "1"),
        ("RtnMsg", "Success"),
        ("MerchantID", "3002607"),
        ("MerchantTradeNo", "SP20260101001"),
        ("SPToken", "F0E1D2C3B4A5"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let mut body = serde_json::Map::new();
    for (k, v) in &answer {
        body.insert(k.clone(), v.clone().into());
    }
    body.insert("CheckMacValue".into(), common::cmv_owned(&answer).into());
    ResponseTemplate::new(200).set_body_json(Value::Object(body))
}

/// One row of [`cases`].
struct Case {
    name: &'static str,
    path: &'static str,
    /// ECPay's answers in order; one request per answer is expected.
    answers: Vec<ResponseTemplate>,
    op: Op,
    /// Every field sent and signed, as [`wire`] reads them.
    fields: &'static str,
    /// JSON pointers into the summarised answer and their expected values.
    decoded: Vec<(&'static str, Value)>,
}

fn cases() -> Vec<Case> {
    let ok = |body: &'static str| ResponseTemplate::new(200).set_body_string(body);
    let bytes = |body: &'static [u8]| ResponseTemplate::new(200).set_body_bytes(body.to_vec());
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
    let mut with_platform = PeriodInfoRequest::new("SUB20260101001");
    with_platform.platform_id = Some("3002599".into());
    let mut trade_file =
        TradeFileRequest::new(MediaDateType::Paid, date(2026, 1, 1), date(2026, 1, 31));
    trade_file.payment_type = Some("01".into());
    trade_file.payment_status = Some(1);
    let mut funding_file =
        FundingFileRequest::new(FundingDateType::Enter, date(2026, 1, 2), date(2026, 1, 2));
    funding_file.encoding = FileEncoding::Big5;
    vec![
        Case {
            name: "period info, retried re-signed after a 503",
            path: "/Cashier/QueryCreditCardPeriodInfo",
            answers: vec![ResponseTemplate::new(503), ok(PERIOD_INFO_JSON)],
            op: Op::PeriodInfo("SUB20260101001".into()),
            fields: "MerchantID=3002607&MerchantTradeNo=SUB20260101001&TimeStamp=*&PlatformID=",
            decoded: vec![
                ("/running", json!(true)),
                ("/totals", json!([2, 598])),
                ("/log", json!(2)),
                // A number sent as a string decodes.
                ("/log_1_amount", json!(299)),
                ("/log_1_gwsr", json!("11111112")),
            ],
        },
        Case {
            name: "period info, PlatformID signed",
            path: "/Cashier/QueryCreditCardPeriodInfo",
            answers: vec![ok(PERIOD_INFO_JSON)],
            op: Op::PeriodInfo(with_platform),
            fields: "MerchantID=3002607&MerchantTradeNo=SUB20260101001&TimeStamp=*&\
                PlatformID=3002599",
            decoded: vec![],
        },
        Case {
            name: "credit trade",
            path: "/CreditDetail/QueryTrade/V2",
            // Answer shape from `?p=2894`: RtnMsg empty on success, RtnValue with the
            // authorisation and its close_data.
            answers: vec![ok(CREDIT_TRADE_JSON)],
            op: Op::CreditTrade(CreditTradeRequest {
                credit_refund_id: 11111111,
                credit_amount: 299,
                credit_check_code: 59997889,
            }),
            fields: "MerchantID=3002607&CreditRefundId=11111111&CreditAmount=299&\
                CreditCheckCode=59997889",
            decoded: vec![
                ("/amounts", json!([299, 199])),
                ("/close_1_amount", json!(-100)),
                ("/status", json!("已關帳")),
            ],
        },
        Case {
            name: "trade file",
            path: "/PaymentMedia/TradeNoAio",
            answers: vec![bytes(include_bytes!("fixtures/trade_no_aio.csv"))],
            op: Op::TradeFile(trade_file),
            fields: "MerchantID=3002607&DateType=2&BeginDate=2026-01-01&EndDate=2026-01-31&\
                PaymentType=01&PaymentStatus=1&MediaFormated=1",
            decoded: vec![
                ("/rows", json!(3)),
                ("/row_0_trade_no", json!("ORD20260101001")),
            ],
        },
        Case {
            name: "funding file in Big5",
            path: "/CreditDetail/FundingReconDetail",
            answers: vec![bytes(include_bytes!("fixtures/funding_recon_big5.csv"))],
            op: Op::FundingFile(funding_file),
            fields: "MerchantID=3002607&PayDateType=enter&StartDate=2026-01-02&EndDate=2026-01-02",
            // A refund is negative.
            decoded: vec![("/rows", json!(2)), ("/row_1_amount", json!(-299))],
        },
        Case {
            name: "create trade",
            path: "/SP/CreateTrade",
            answers: vec![created_trade_answer()],
            op: Op::CreateTrade(Box::new(ecpay_sdk::aio::CheckoutRequest::new(
                "SP20260101001",
                "2026/01/01 12:00:00",
                500,
                "desc",
                "Item",
                "https://shop.example.com/r",
            ))),
            fields: "MerchantID=3002607&MerchantTradeNo=SP20260101001&\
                MerchantTradeDate=2026/01/01 12:00:00&PaymentType=aio&TotalAmount=500&\
                TradeDesc=desc&ItemName=Item&ReturnURL=https://shop.example.com/r&\
                ChoosePayment=ALL&EncryptType=1",
            decoded: vec![("/sp_token", json!("F0E1D2C3B4A5"))],
        },
    ]
}

/// Runs the rows of [`cases`] whose name starts with `operation`: every field signed
/// (CheckMacValue recomputed), one request per answer (a 503 is retried, re-signed), the
/// answer decoded. One test per operation, named as the crate docs' operations table cites it.
async fn rows(operation: &str) {
    let rows: Vec<Case> = cases()
        .into_iter()
        .filter(|c| c.name.starts_with(operation))
        .collect();
    if rows.is_empty() {
        panic!("no row for {operation}");
    }
    for case in rows {
        let name = case.name;
        let attempts = case.answers.len();
        let server = answering(case.path, case.answers).await;
        let got = run(&case.op, &client(&server))
            .await
            .unwrap_or_else(|e| panic!("case {name}: {e}"));
        for (pointer, want) in &case.decoded {
            assert_eq!(
                got.pointer(pointer),
                Some(want),
                "case {name}: answer at {pointer}: {got}"
            );
        }
        let reqs = sent(&server).await;
        assert_eq!(reqs.len(), attempts, "case {name}: one request per answer");
        for (i, r) in reqs.iter().enumerate() {
            assert_signed(&format!("{name}, attempt {}", i + 1), r, &wire(case.fields));
        }
    }
}

#[tokio::test]
async fn period_info_is_signed_decoded_and_retried_re_signed() {
    rows("period info").await;
}

#[tokio::test]
async fn credit_trade_is_signed_and_decoded() {
    rows("credit trade").await;
}

#[tokio::test]
async fn trade_file_is_signed_and_decoded() {
    rows("trade file").await;
}

#[tokio::test]
async fn funding_file_big5_is_signed_and_decoded() {
    rows("funding file").await;
}

#[tokio::test]
async fn create_trade_posts_the_checkout_fields_signed() {
    rows("create trade").await;
}

/// Each case: what ECPay answers the period action, and what the call returns.
#[tokio::test]
async fn period_action_table() {
    type Check = fn(&Result<ecpay_sdk::aio::PeriodActionResult, Error>) -> bool;
    let signed_bad = "MerchantID=3002607&MerchantTradeNo=SUB1&RtnCode=1&RtnMsg=OK&CheckMacValue=00";
    let cases: Vec<(&str, ResponseTemplate, Check)> = vec![
        (
            "success",
            ResponseTemplate::new(200)
                .set_body_string("MerchantID=3002607&MerchantTradeNo=SUB1&RtnCode=1&RtnMsg=OK"),
            |r| matches!(r, Ok(a) if a.rtn_code == 1 && a.merchant_trade_no == "SUB1"),
        ),
        (
            "refused",
            ResponseTemplate::new(200).set_body_string(
                "MerchantID=3002607&MerchantTradeNo=SUB1&RtnCode=10100248&RtnMsg=Cancelled",
            ),
            |r| {
                matches!(
                    r,
                    Err(Error::Api {
                        code: ErrorCode::Rtn(10100248),
                        ..
                    })
                )
            },
        ),
        (
            "502: outcome unknown, never repeated",
            ResponseTemplate::new(502),
            |r| matches!(r, Err(Error::OutcomeUnknown { operation: "CreditCardPeriodAction", reference, .. }) if reference == "SUB1"),
        ),
        (
            // Not ECPay's handler answering (it answers 200): a proxy's 404 or 403 says nothing
            // about whether the action ran, as DoAction has always treated it.
            "404 from in front of ECPay: outcome unknown, never repeated",
            ResponseTemplate::new(404).set_body_string("Not Found"),
            |r| matches!(r, Err(Error::OutcomeUnknown { operation: "CreditCardPeriodAction", reference, .. }) if reference == "SUB1"),
        ),
        (
            "no RtnCode: outcome unknown",
            ResponseTemplate::new(200).set_body_string("<html>busy</html>"),
            |r| matches!(r, Err(Error::OutcomeUnknown { .. })),
        ),
        (
            "signed answer that fails verification",
            ResponseTemplate::new(200).set_body_string(signed_bad),
            |r| matches!(r, Err(Error::Signature(_))),
        ),
        (
            "no answer within the timeout: outcome unknown",
            ResponseTemplate::new(200).set_delay(Duration::from_secs(3)),
            |r| matches!(r, Err(Error::OutcomeUnknown { .. })),
        ),
    ];
    for (name, answer, check) in cases {
        let server = answering("/Cashier/CreditCardPeriodAction", vec![answer]).await;
        let r = client(&server)
            .aio()
            .period_action(&PeriodActionRequest::new("SUB1", PeriodActionKind::Cancel))
            .await;
        assert!(check(&r), "case {name}: {r:?}");
        let reqs = sent(&server).await;
        assert_eq!(reqs.len(), 1, "case {name}: sent exactly once");
        assert_signed(
            name,
            &reqs[0],
            &wire("MerchantID=3002607&MerchantTradeNo=SUB1&Action=Cancel&TimeStamp=*&PlatformID="),
        );
    }
}

#[tokio::test]
async fn period_action_reauth_wire_value() {
    let server = answering(
        "/Cashier/CreditCardPeriodAction",
        vec![ResponseTemplate::new(200)
            .set_body_string("MerchantID=3002607&MerchantTradeNo=SUB1&RtnCode=1&RtnMsg=OK")],
    )
    .await;
    client(&server)
        .aio()
        .period_action(&PeriodActionRequest::new("SUB1", PeriodActionKind::ReAuth))
        .await
        .expect("reauth");
    let reqs = sent(&server).await;
    assert_eq!(
        form(&reqs[0])
            .iter()
            .find(|(k, _)| k == "Action")
            .map(|(_, v)| v.as_str()),
        Some("ReAuth")
    );
}

#[tokio::test]
async fn credit_trade_errors_are_typed() {
    let server = answering(
        "/CreditDetail/QueryTrade/V2",
        vec![
            ResponseTemplate::new(200).set_body_string(r#"{"RtnMsg":"error_nopay","RtnValue":""}"#)
        ],
    )
    .await;
    let req = CreditTradeRequest {
        credit_refund_id: 1,
        credit_amount: 1,
        credit_check_code: 1,
    };
    let e = client(&server)
        .aio()
        .query_credit_trade(&req)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Api { code: ErrorCode::Other(c), .. } if c == "error_nopay"),
        "{e}"
    );
}

#[tokio::test]
async fn capture_is_signed_and_never_repeated() {
    let cases: Vec<(&str, ResponseTemplate, bool)> = vec![
        (
            "success",
            ResponseTemplate::new(200).set_body_string(
                "MerchantID=3002607&MerchantTradeNo=ORD1&TradeNo=2601011000000001&RtnCode=1&RtnMsg=OK&AllocationDate=2026/01/05",
            ),
            true,
        ),
        ("500: outcome unknown", ResponseTemplate::new(500), false),
    ];
    for (name, answer, ok) in cases {
        let server = answering("/Cashier/Capture", vec![answer]).await;
        let mut req = CaptureRequest::new("ORD1", 900, 100);
        req.platform_id = Some("3002599".into());
        req.remark = Some("partial".into());
        let r = client(&server).aio().capture(&req).await;
        if ok {
            assert_eq!(
                r.as_ref().map(|c| c.allocation_date.as_str()).ok(),
                Some("2026/01/05"),
                "case {name}"
            );
        } else {
            assert!(
                matches!(&r, Err(Error::OutcomeUnknown { operation: "Capture", reference, .. }) if reference == "ORD1"),
                "case {name}: {r:?}"
            );
        }
        let reqs = sent(&server).await;
        assert_eq!(reqs.len(), 1, "case {name}: sent exactly once");
        assert_signed(
            name,
            &reqs[0],
            &wire(
                "MerchantID=3002607&MerchantTradeNo=ORD1&CaptureAMT=900&UserRefundAMT=100&\
                PlatformID=3002599&Remark=partial",
            ),
        );
    }
}

#[tokio::test]
async fn nothing_is_sent_when_a_rule_is_broken() {
    let server = MockServer::start().await;
    let c = client(&server);
    let d = NaiveDate::from_ymd_opt(2026, 1, 2).expect("date");
    let bad_platform = PeriodInfoRequest {
        merchant_trade_no: "S1".into(),
        platform_id: Some("x".into()),
    };
    let no_amount = CreditTradeRequest {
        credit_refund_id: 1,
        credit_amount: 0,
        credit_check_code: 1,
    };
    let reversed = FundingFileRequest::new(FundingDateType::Fund, d, d.pred_opt().expect("day"));
    let cases: Vec<(&str, Op, &str)> = vec![
        (
            "trade no",
            Op::PeriodInfo("SUB-1".into()),
            "MerchantTradeNo",
        ),
        ("platform id", Op::PeriodInfo(bad_platform), "PlatformID"),
        (
            "capture zero",
            Op::Capture(CaptureRequest::new("O1", 0, 0)),
            "CaptureAMT",
        ),
        ("credit amount", Op::CreditTrade(no_amount), "CreditAmount"),
        ("dates reversed", Op::FundingFile(reversed), "EndDate"),
    ];
    for (name, op, field) in cases {
        let r = run(&op, &c).await;
        assert!(
            matches!(&r, Err(Error::Validation { field: f, .. }) if f == field),
            "case {name}: {r:?}"
        );
    }
    assert!(
        server
            .received_requests()
            .await
            .expect("recorded")
            .is_empty(),
        "nothing was sent"
    );
}

/// The Apple Pay token as the official Node SDK encrypts it: `crypto.createCipheriv(
/// 'aes-128-cbc', HashKey, HashIV)` on this text with the stage keys, base64 (run with node).
const TOKEN: &str =
    r#"{"paymentData":{"version":"EC_v1","data":"abc"},"paymentMethod":{"network":"Visa"}}"#;
const TOKEN_NODE_AES: &str = "6xK91fS4ByXKwsQzinYdIjelOwjolg1X9u9uQDSBa4ylt00EwFeYWFrsLdwWnS+Ss8niqYO18Vpo9qtjgSoqWxADWxKxGBiZTNIMUENlFHftJOnWRCt+MwJQV0il5Guq";

#[tokio::test]
async fn server_order_signs_all_but_the_encrypted_token() {
    use ecpay_sdk::aio::{ServerOrderRequest, ServerTradeType};
    let answer_fields: Vec<(String, String)> = [
        ("MerchantID", "3002607"),
        ("MerchantTradeNo", "AP20260101001"),
        ("TradeNo", "2601011000000001"),
        ("TradeAmt", "100"),
        ("RtnCode", "1"),
        ("RtnMsg", "Succeeded"),
        ("PaymentDate", "2026/01/01 12:00:05"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let mac = common::cmv_owned(&answer_fields);
    let mut signed = serde_json::Map::new();
    for (k, v) in &answer_fields {
        let val = if k == "TradeAmt" || k == "RtnCode" {
            serde_json::Value::from(v.parse::<i64>().expect("int"))
        } else {
            serde_json::Value::from(v.clone())
        };
        signed.insert(k.clone(), val);
    }
    signed.insert("CheckMacValue".into(), mac.clone().into());
    let mut forged = signed.clone();
    forged.insert("TradeAmt".into(), 1.into());
    type Check = fn(&Result<ecpay_sdk::aio::ServerOrder, Error>) -> bool;
    let cases: Vec<(&str, ResponseTemplate, Check)> = vec![
        (
            "signed answer",
            ResponseTemplate::new(200).set_body_json(serde_json::Value::Object(signed)),
            |r| matches!(r, Ok(o) if o.trade_amt == 100 && o.trade_no == "2601011000000001"),
        ),
        (
            "tampered answer",
            ResponseTemplate::new(200).set_body_json(serde_json::Value::Object(forged)),
            |r| matches!(r, Err(Error::Signature(_))),
        ),
        ("502: outcome unknown", ResponseTemplate::new(502), |r| {
            matches!(
                r,
                Err(Error::OutcomeUnknown {
                    operation: "CreateServerOrder",
                    ..
                })
            )
        }),
    ];
    for (name, answer, check) in cases {
        let server = answering("/ApplePay/CreateServerOrder/V2", vec![answer]).await;
        let req = ServerOrderRequest::new(
            "AP20260101001",
            "2026/01/01 12:00:00",
            100,
            "Tea",
            "Apple Pay order",
            ServerTradeType::Web,
            TOKEN,
        );
        let r = client(&server).aio().create_server_order(&req).await;
        assert!(check(&r), "case {name}: {r:?}");
        let reqs = sent(&server).await;
        assert_eq!(reqs.len(), 1, "case {name}: sent once");
        let f = form(&reqs[0]);
        let token = f
            .iter()
            .find(|(k, _)| k == "PaymentToken")
            .map(|(_, v)| v.as_str());
        assert_eq!(
            token,
            Some(TOKEN_NODE_AES),
            "case {name}: token encrypted as the Node SDK does"
        );
        let without: Vec<(String, String)> = f
            .iter()
            .filter(|(k, _)| k != "PaymentToken")
            .cloned()
            .collect();
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(without.iter())
            .finish();
        let stripped = Request {
            body: body.into_bytes(),
            ..reqs[0].clone()
        };
        assert_signed(
            name,
            &stripped,
            &wire(
                "MerchantID=3002607&MerchantTradeNo=AP20260101001&\
                MerchantTradeDate=2026/01/01 12:00:00&TotalAmount=100&CurrencyCode=TWD&\
                ItemName=Tea&PlatformID=&TradeDesc=Apple Pay order&TradeType=2",
            ),
        );
    }
}
