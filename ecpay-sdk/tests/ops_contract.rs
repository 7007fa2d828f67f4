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

mod common;

use std::time::Duration;

use chrono::NaiveDate;
use ecpay_sdk::aio::{
    CaptureRequest, CreditTradeRequest, ExecStatus, FileEncoding, FundingDateType,
    FundingFileRequest, MediaDateType, PeriodActionKind, PeriodActionRequest, PeriodInfoRequest,
    TradeFileRequest,
};
use ecpay_sdk::{Client, Credentials, Error, ErrorCode, RetryPolicy};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

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

#[tokio::test]
async fn period_info_is_signed_decoded_and_retried_re_signed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/Cashier/QueryCreditCardPeriodInfo"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/Cashier/QueryCreditCardPeriodInfo"))
        .respond_with(ResponseTemplate::new(200).set_body_string(PERIOD_INFO_JSON))
        .with_priority(2)
        .mount(&server)
        .await;
    let info = client(&server)
        .aio()
        .query_period_info("SUB20260101001")
        .await
        .expect("period info");
    assert_eq!(info.exec_status, ExecStatus::Running);
    assert_eq!(
        (info.total_success_times, info.total_success_amount),
        (2, 598)
    );
    assert_eq!(info.exec_log.len(), 2);
    assert_eq!(
        info.exec_log[1].amount, 299,
        "a number sent as a string decodes"
    );
    assert_eq!(info.exec_log[1].gwsr, "11111112");
    let reqs = server.received_requests().await.expect("recorded");
    assert_eq!(reqs.len(), 2, "one retry after the 503");
    for (i, r) in reqs.iter().enumerate() {
        assert_signed(
            &format!("period info attempt {}", i + 1),
            r,
            &[
                ("MerchantID", Some("3002607")),
                ("MerchantTradeNo", Some("SUB20260101001")),
                ("TimeStamp", None),
                ("PlatformID", Some("")),
            ],
        );
    }
}

#[tokio::test]
async fn period_info_platform_id_is_signed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/Cashier/QueryCreditCardPeriodInfo"))
        .respond_with(ResponseTemplate::new(200).set_body_string(PERIOD_INFO_JSON))
        .mount(&server)
        .await;
    let mut req = PeriodInfoRequest::new("SUB20260101001");
    req.platform_id = Some("3002599".into());
    client(&server)
        .aio()
        .query_period_info(req)
        .await
        .expect("info");
    let reqs = server.received_requests().await.expect("recorded");
    assert_signed(
        "platform",
        &reqs[0],
        &[
            ("MerchantID", Some("3002607")),
            ("MerchantTradeNo", Some("SUB20260101001")),
            ("TimeStamp", None),
            ("PlatformID", Some("3002599")),
        ],
    );
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
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/Cashier/CreditCardPeriodAction"))
            .respond_with(answer)
            .mount(&server)
            .await;
        let r = client(&server)
            .aio()
            .period_action(&PeriodActionRequest::new("SUB1", PeriodActionKind::Cancel))
            .await;
        assert!(check(&r), "case {name}: {r:?}");
        let reqs = server.received_requests().await.expect("recorded");
        assert_eq!(reqs.len(), 1, "case {name}: sent exactly once");
        assert_signed(
            name,
            &reqs[0],
            &[
                ("MerchantID", Some("3002607")),
                ("MerchantTradeNo", Some("SUB1")),
                ("Action", Some("Cancel")),
                ("TimeStamp", None),
                ("PlatformID", Some("")),
            ],
        );
    }
}

#[tokio::test]
async fn period_action_reauth_wire_value() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/Cashier/CreditCardPeriodAction"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string("MerchantID=3002607&MerchantTradeNo=SUB1&RtnCode=1&RtnMsg=OK"),
        )
        .mount(&server)
        .await;
    client(&server)
        .aio()
        .period_action(&PeriodActionRequest::new("SUB1", PeriodActionKind::ReAuth))
        .await
        .expect("reauth");
    let reqs = server.received_requests().await.expect("recorded");
    assert_eq!(
        form(&reqs[0])
            .iter()
            .find(|(k, _)| k == "Action")
            .map(|(_, v)| v.as_str()),
        Some("ReAuth")
    );
}

#[tokio::test]
async fn credit_trade_is_signed_and_decoded() {
    // Answer shape from `?p=2894`: RtnMsg empty on success, RtnValue with the authorisation
    // and its close_data.
    let body = r#"{"RtnMsg":"","RtnValue":{"TradeID":"11111111","amount":"299","clsamt":"199","authtime":"2026/01/01 10:00:00",
    "status":"已關帳","close_data":[{"status":"已關帳","amount":"299","sno":"1","datetime":"2026/01/02 20:15:00"},
    {"status":"已關帳","amount":"-100","sno":"2","datetime":"2026/01/03 20:15:00"}]}}"#;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/CreditDetail/QueryTrade/V2"))
        .respond_with(ResponseTemplate::new(200).set_body_string(body))
        .mount(&server)
        .await;
    let req = CreditTradeRequest {
        credit_refund_id: 11111111,
        credit_amount: 299,
        credit_check_code: 59997889,
    };
    let t = client(&server)
        .aio()
        .query_credit_trade(&req)
        .await
        .expect("trade");
    assert_eq!((t.amount, t.closed_amount), (299, 199));
    assert_eq!(t.close_data[1].amount, -100);
    assert_eq!(t.status, "已關帳");
    let reqs = server.received_requests().await.expect("recorded");
    assert_signed(
        "credit trade",
        &reqs[0],
        &[
            ("MerchantID", Some("3002607")),
            ("CreditRefundId", Some("11111111")),
            ("CreditAmount", Some("299")),
            ("CreditCheckCode", Some("59997889")),
        ],
    );
}

#[tokio::test]
async fn credit_trade_errors_are_typed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/CreditDetail/QueryTrade/V2"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(r#"{"RtnMsg":"error_nopay","RtnValue":""}"#),
        )
        .mount(&server)
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
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/Cashier/Capture"))
            .respond_with(answer)
            .mount(&server)
            .await;
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
        let reqs = server.received_requests().await.expect("recorded");
        assert_eq!(reqs.len(), 1, "case {name}: sent exactly once");
        assert_signed(
            name,
            &reqs[0],
            &[
                ("MerchantID", Some("3002607")),
                ("MerchantTradeNo", Some("ORD1")),
                ("CaptureAMT", Some("900")),
                ("UserRefundAMT", Some("100")),
                ("PlatformID", Some("3002599")),
                ("Remark", Some("partial")),
            ],
        );
    }
}

#[tokio::test]
async fn trade_file_is_signed_and_decoded() {
    let csv = include_bytes!("fixtures/trade_no_aio.csv");
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/PaymentMedia/TradeNoAio"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(csv.to_vec()))
        .mount(&server)
        .await;
    let d1 = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
    let d2 = NaiveDate::from_ymd_opt(2026, 1, 31).expect("date");
    let mut req = TradeFileRequest::new(MediaDateType::Paid, d1, d2);
    req.payment_type = Some("01".into());
    req.payment_status = Some(1);
    let file = client(&server).aio().trade_file(&req).await.expect("file");
    assert_eq!(file.rows.len(), 3);
    assert_eq!(file.rows[0].merchant_trade_no, "ORD20260101001");
    let reqs = server.received_requests().await.expect("recorded");
    assert_signed(
        "trade file",
        &reqs[0],
        &[
            ("MerchantID", Some("3002607")),
            ("DateType", Some("2")),
            ("BeginDate", Some("2026-01-01")),
            ("EndDate", Some("2026-01-31")),
            ("PaymentType", Some("01")),
            ("PaymentStatus", Some("1")),
            ("MediaFormated", Some("1")),
        ],
    );
}

#[tokio::test]
async fn funding_file_big5_is_signed_and_decoded() {
    let csv = include_bytes!("fixtures/funding_recon_big5.csv");
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/CreditDetail/FundingReconDetail"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(csv.to_vec()))
        .mount(&server)
        .await;
    let d = NaiveDate::from_ymd_opt(2026, 1, 2).expect("date");
    let mut req = FundingFileRequest::new(FundingDateType::Enter, d, d);
    req.encoding = FileEncoding::Big5;
    let file = client(&server)
        .aio()
        .funding_file(&req)
        .await
        .expect("file");
    assert_eq!(file.rows.len(), 2);
    assert_eq!(file.rows[1].amount, -299, "a refund is negative");
    let reqs = server.received_requests().await.expect("recorded");
    assert_signed(
        "funding file",
        &reqs[0],
        &[
            ("MerchantID", Some("3002607")),
            ("PayDateType", Some("enter")),
            ("StartDate", Some("2026-01-02")),
            ("EndDate", Some("2026-01-02")),
        ],
    );
}

#[tokio::test]
async fn nothing_is_sent_when_a_rule_is_broken() {
    let server = MockServer::start().await;
    let c = client(&server);
    let aio = c.aio();
    let d = NaiveDate::from_ymd_opt(2026, 1, 2).expect("date");
    let cases: Vec<(&str, Result<(), Error>, &str)> = vec![
        (
            "trade no",
            aio.query_period_info("SUB-1").await.map(|_| ()),
            "MerchantTradeNo",
        ),
        (
            "platform id",
            aio.query_period_info(PeriodInfoRequest {
                merchant_trade_no: "S1".into(),
                platform_id: Some("x".into()),
            })
            .await
            .map(|_| ()),
            "PlatformID",
        ),
        (
            "capture zero",
            aio.capture(&CaptureRequest::new("O1", 0, 0))
                .await
                .map(|_| ()),
            "CaptureAMT",
        ),
        (
            "credit amount",
            aio.query_credit_trade(&CreditTradeRequest {
                credit_refund_id: 1,
                credit_amount: 0,
                credit_check_code: 1,
            })
            .await
            .map(|_| ()),
            "CreditAmount",
        ),
        (
            "dates reversed",
            aio.funding_file(&FundingFileRequest::new(
                FundingDateType::Fund,
                d,
                d.pred_opt().expect("day"),
            ))
            .await
            .map(|_| ()),
            "EndDate",
        ),
    ];
    for (name, r, field) in cases {
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
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/ApplePay/CreateServerOrder/V2"))
            .respond_with(answer)
            .mount(&server)
            .await;
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
        let reqs = server.received_requests().await.expect("recorded");
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
            &[
                ("MerchantID", Some("3002607")),
                ("MerchantTradeNo", Some("AP20260101001")),
                ("MerchantTradeDate", Some("2026/01/01 12:00:00")),
                ("TotalAmount", Some("100")),
                ("CurrencyCode", Some("TWD")),
                ("ItemName", Some("Tea")),
                ("PlatformID", Some("")),
                ("TradeDesc", Some("Apple Pay order")),
                ("TradeType", Some("2")),
            ],
        );
    }
}

#[tokio::test]
async fn create_trade_posts_the_checkout_fields_signed() {
    use ecpay_sdk::aio::CheckoutRequest;
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
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/SP/CreateTrade"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::Value::Object(body)))
        .mount(&server)
        .await;
    let req = CheckoutRequest::new(
        "SP20260101001",
        "2026/01/01 12:00:00",
        500,
        "desc",
        "Item",
        "https://shop.example.com/r",
    );
    let t = client(&server)
        .aio()
        .create_trade(&req)
        .await
        .expect("created");
    assert_eq!(t.sp_token, "F0E1D2C3B4A5");
    let reqs = server.received_requests().await.expect("recorded");
    assert_eq!(reqs.len(), 1);
    assert_signed(
        "create trade",
        &reqs[0],
        &[
            ("MerchantID", Some("3002607")),
            ("MerchantTradeNo", Some("SP20260101001")),
            ("MerchantTradeDate", Some("2026/01/01 12:00:00")),
            ("PaymentType", Some("aio")),
            ("TotalAmount", Some("500")),
            ("TradeDesc", Some("desc")),
            ("ItemName", Some("Item")),
            ("ReturnURL", Some("https://shop.example.com/r")),
            ("ChoosePayment", Some("ALL")),
            ("EncryptType", Some("1")),
        ],
    );
}
