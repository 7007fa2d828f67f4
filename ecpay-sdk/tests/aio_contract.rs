//! wiremock contract tests for the AIO calls: QueryTradeInfo/V5, QueryPaymentInfo and
//! CreditDetail/DoAction. Requests are checked (method, path, content type, fields, a
//! CheckMacValue recomputed by the independent signer in `common`), answers are signed the
//! same independent way. Answer shapes follow ECPay's 查詢訂單 page (`?p=2890`) and the PHP
//! SDK's parsing (raw values, `+` kept).

mod common;

use std::time::Duration;

use ecpay_sdk::aio::{CreditAction, DoActionRequest, PaymentCode, TradeStatus};
use ecpay_sdk::{Client, Credentials, Error, ErrorCode, ErrorKind, RetryPolicy};
use wiremock::matchers::{any, header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

async fn setup() -> (MockServer, Client) {
    let server = MockServer::start().await;
    let client = Client::builder()
        .base_url(server.uri())
        .credentials(Credentials::stage())
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(3)
                .with_backoff(Duration::from_millis(1), Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    (server, client)
}

async fn catch_all(server: &MockServer) {
    Mock::given(any())
        .respond_with(|r: &Request| {
            ResponseTemplate::new(599).set_body_string(format!("unexpected {} {}", r.method, r.url))
        })
        .with_priority(100)
        .mount(server)
        .await;
}

/// Checks an incoming signed form and answers with a raw (ECPay-style) body.
struct SignedAnswer {
    answer: Vec<(String, String)>,
    expect: Vec<(&'static str, &'static str)>,
}

impl Respond for SignedAnswer {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let got = common::parse_form(&req.body);
        let (fields, mac): (Vec<_>, Vec<_>) =
            got.iter().cloned().partition(|(k, _)| k != "CheckMacValue");
        if mac.len() != 1 || mac[0].1 != common::cmv_owned(&fields) {
            return ResponseTemplate::new(200).set_body_string("CheckMacValue Error");
        }
        for (k, v) in &self.expect {
            if !fields.iter().any(|(n, x)| n == k && x == v) {
                return ResponseTemplate::new(598).set_body_string(format!("missing {k}={v}"));
            }
        }
        let ts: i64 = fields
            .iter()
            .find(|(k, _)| k == "TimeStamp")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        if (chrono::Utc::now().timestamp() - ts).abs() > 60 {
            return ResponseTemplate::new(598).set_body_string("bad TimeStamp");
        }
        let body = self
            .answer
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        ResponseTemplate::new(200).set_body_string(body)
    }
}

fn trade_answer(status: &str) -> Vec<(String, String)> {
    common::signed(&[
        ("CustomField1", ""),
        ("CustomField2", ""),
        ("CustomField3", ""),
        ("CustomField4", ""),
        ("HandlingCharge", "5"),
        ("ItemName", "A+B x 1"),
        ("MerchantID", "3002607"),
        ("MerchantTradeNo", "T20260101001"),
        ("PaymentDate", "2026/01/01 10:01:00"),
        ("PaymentType", "Credit_CreditCard"),
        ("PaymentTypeChargeFee", "5"),
        ("StoreID", ""),
        ("TradeAmt", "300"),
        ("TradeDate", "2026/01/01 10:00:00"),
        ("TradeNo", "2601011000000001"),
        ("TradeStatus", status),
    ])
}

#[tokio::test]
async fn query_trade_info_sends_signed_form_and_verifies_answer() {
    let (server, client) = setup().await;
    catch_all(&server).await;
    Mock::given(method("POST"))
        .and(path("/Cashier/QueryTradeInfo/V5"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .respond_with(SignedAnswer {
            answer: trade_answer("1"),
            expect: vec![
                ("MerchantID", "3002607"),
                ("MerchantTradeNo", "T20260101001"),
            ],
        })
        .expect(1)
        .mount(&server)
        .await;
    let info = client.aio().query_trade_info("T20260101001").await.unwrap();
    assert_eq!(info.trade_status, TradeStatus::Paid);
    assert_eq!(info.trade_amt, 300);
    assert_eq!(
        info.item_name, "A+B x 1",
        "a raw `+` is a plus sign, as ECPay's PHP SDK reads it"
    );
    assert_eq!(info.payment_date, "2026/01/01 10:01:00");
    assert_eq!(info.handling_charge, Some(5.into()));
}

#[tokio::test]
async fn query_trade_info_rejects_a_tampered_answer() {
    let (server, client) = setup().await;
    let mut answer = trade_answer("0");
    for (k, v) in answer.iter_mut() {
        if k == "TradeStatus" {
            *v = "1".into(); // flipped after signing
        }
    }
    Mock::given(path("/Cashier/QueryTradeInfo/V5"))
        .respond_with(SignedAnswer {
            answer,
            expect: vec![],
        })
        .mount(&server)
        .await;
    let e = client
        .aio()
        .query_trade_info("T20260101001")
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Signature(_)), "{e:?}");
}

#[tokio::test]
async fn query_trade_info_unsigned_error_answer_is_an_api_error() {
    let (server, client) = setup().await;
    Mock::given(path("/Cashier/QueryTradeInfo/V5"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string("RtnCode=10200047&RtnMsg=Cant not find the trade data."),
        )
        .mount(&server)
        .await;
    let e = client.aio().query_trade_info("T1").await.unwrap_err();
    match e {
        Error::Api { code, message, .. } => {
            assert_eq!(code, ErrorCode::Rtn(10200047));
            assert!(message.contains("Cant not find"));
        }
        other => panic!("{other:?}"),
    }
}

/// Finding (issue 13, "tests that claim more than they check"): this test was named
/// `…re_signed` but never looked at the retried requests. Now every attempt is recorded, its
/// CheckMacValue recomputed by the independent signer in `common`, and the `TimeStamp` of each
/// retry must be later than the one before (the backoff is pinned above one second so that a
/// fresh second-resolution TimeStamp is observable).
#[tokio::test]
async fn queries_are_retried_on_5xx_and_re_signed() {
    let server = MockServer::start().await;
    let client = Client::builder()
        .base_url(server.uri())
        .credentials(Credentials::stage())
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(3)
                .with_backoff(Duration::from_millis(1100), Duration::from_millis(1100))
                .without_jitter(),
        )
        .build()
        .unwrap();
    Mock::given(path("/Cashier/QueryTradeInfo/V5"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .expect(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/Cashier/QueryTradeInfo/V5"))
        .respond_with(SignedAnswer {
            answer: trade_answer("0"),
            expect: vec![],
        })
        .expect(1)
        .with_priority(2)
        .mount(&server)
        .await;
    let info = client.aio().query_trade_info("T20260101001").await.unwrap();
    assert_eq!(info.trade_status, TradeStatus::Unpaid);

    let attempts = server.received_requests().await.unwrap();
    assert_eq!(attempts.len(), 3);
    let mut stamps = Vec::new();
    let mut macs = Vec::new();
    for (i, req) in attempts.iter().enumerate() {
        let got = common::parse_form(&req.body);
        let (fields, mac): (Vec<_>, Vec<_>) =
            got.into_iter().partition(|(k, _)| k != "CheckMacValue");
        assert_eq!(mac.len(), 1, "attempt {i}");
        assert_eq!(
            mac[0].1,
            common::cmv_owned(&fields),
            "attempt {i} is signed over its own fields"
        );
        let ts: i64 = fields
            .iter()
            .find(|(k, _)| k == "TimeStamp")
            .and_then(|(_, v)| v.parse().ok())
            .expect("TimeStamp");
        stamps.push(ts);
        macs.push(mac[0].1.clone());
    }
    assert!(
        stamps.windows(2).all(|w| w[1] > w[0]),
        "fresh TimeStamp per attempt: {stamps:?}"
    );
    assert!(
        macs.windows(2).all(|w| w[1] != w[0]),
        "re-signed per attempt"
    );
}

#[tokio::test]
async fn query_payment_info_atm() {
    let (server, client) = setup().await;
    catch_all(&server).await;
    let answer = common::signed(&[
        ("MerchantID", "3002607"),
        ("MerchantTradeNo", "T2"),
        ("StoreID", ""),
        ("RtnCode", "2"),
        ("RtnMsg", "Get VirtualAccount Succeeded"),
        ("TradeNo", "2601011000000002"),
        ("TradeAmt", "500"),
        ("PaymentType", "ATM_TAISHIN"),
        ("TradeDate", "2026/01/01 10:00:00"),
        ("BankCode", "812"),
        ("vAccount", "9103522175887271"),
        ("ExpireDate", "2026/01/04"),
    ]);
    Mock::given(method("POST"))
        .and(path("/Cashier/QueryPaymentInfo"))
        .respond_with(SignedAnswer {
            answer,
            expect: vec![("MerchantTradeNo", "T2")],
        })
        .expect(1)
        .mount(&server)
        .await;
    let info = client.aio().query_payment_info("T2").await.unwrap();
    assert!(info.is_issued());
    assert_eq!(info.expire_date, "2026/01/04");
    assert!(
        matches!(info.code, PaymentCode::Atm { ref v_account, .. } if v_account == "9103522175887271")
    );
}

struct DoActionAnswer(&'static str);

impl Respond for DoActionAnswer {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let got = common::parse_form(&req.body);
        let (fields, mac): (Vec<_>, Vec<_>) =
            got.iter().cloned().partition(|(k, _)| k != "CheckMacValue");
        let ok = mac.len() == 1 && mac[0].1 == common::cmv_owned(&fields);
        let want = [
            ("MerchantID", "3002607"),
            ("MerchantTradeNo", "T3"),
            ("TradeNo", "2601011000000003"),
            ("Action", "R"),
            ("TotalAmount", "120"),
        ];
        let names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
        if !ok
            || names != want.iter().map(|(k, _)| *k).collect::<Vec<_>>()
            || !want
                .iter()
                .all(|(k, v)| fields.iter().any(|(a, b)| a == k && b == v))
        {
            return ResponseTemplate::new(200).set_body_string("MerchantID=3002607&MerchantTradeNo=T3&TradeNo=&RtnCode=10200073&RtnMsg=CheckMacValue+Error");
        }
        ResponseTemplate::new(200).set_body_string(format!(
            "MerchantID=3002607&MerchantTradeNo=T3&TradeNo=2601011000000003&RtnCode={}&RtnMsg=",
            self.0
        ))
    }
}

fn refund() -> DoActionRequest {
    DoActionRequest {
        merchant_trade_no: "T3".into(),
        trade_no: "2601011000000003".into(),
        action: CreditAction::Refund,
        total_amount: 120,
        platform_id: None,
    }
}

#[tokio::test]
async fn do_action_refund_succeeds() {
    let (server, client) = setup().await;
    catch_all(&server).await;
    Mock::given(method("POST"))
        .and(path("/CreditDetail/DoAction"))
        .respond_with(DoActionAnswer("1"))
        .expect(1)
        .mount(&server)
        .await;
    let r = client.aio().do_action(&refund()).await.unwrap();
    assert_eq!(r.rtn_code, 1);
    assert_eq!(r.trade_no, "2601011000000003");
}

#[tokio::test]
async fn do_action_failure_code_is_typed_and_not_retried() {
    let (server, client) = setup().await;
    Mock::given(path("/CreditDetail/DoAction"))
        .respond_with(DoActionAnswer("10200121"))
        .expect(1)
        .mount(&server)
        .await;
    let e = client.aio().do_action(&refund()).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Api {
                code: ErrorCode::Rtn(10200121),
                ..
            }
        ),
        "{e:?}"
    );
}

/// Finding (issue 13, "DoAction answered 5xx"): a 502 became `Api { status: 502 }`, which the
/// old `is_transient()` called retryable, so a merchant retrying refunded twice. The old test
/// here expected `Api` and pinned the bug. A 5xx says nothing about whether the refund ran:
/// it is `OutcomeUnknown`, never retried, never transient.
#[tokio::test]
async fn do_action_5xx_is_outcome_unknown_and_not_retried() {
    for status in [500u16, 502, 503, 504] {
        let (server, client) = setup().await;
        Mock::given(path("/CreditDetail/DoAction"))
            .respond_with(ResponseTemplate::new(status))
            .expect(1)
            .mount(&server)
            .await;
        let e = client.aio().do_action(&refund()).await.unwrap_err();
        match &e {
            Error::OutcomeUnknown {
                operation,
                reference,
                ..
            } => {
                assert_eq!(*operation, "DoAction", "HTTP {status}");
                assert_eq!(reference, "T3", "HTTP {status}");
            }
            other => panic!("HTTP {status}: {other:?}"),
        }
        assert_eq!(e.kind(), ErrorKind::OutcomeUnknown, "HTTP {status}");
        assert!(!e.kind().is_retryable(), "HTTP {status}");
        assert!(
            e.to_string().contains("look it up before repeating it"),
            "HTTP {status}: {e}"
        );
    }
}

/// An answer that cannot be read (no `RtnCode`) does not say whether the action ran either.
#[tokio::test]
async fn do_action_unreadable_answer_is_outcome_unknown() {
    let (server, client) = setup().await;
    Mock::given(path("/CreditDetail/DoAction"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>maintenance</html>"))
        .expect(1)
        .mount(&server)
        .await;
    let e = client.aio().do_action(&refund()).await.unwrap_err();
    assert!(matches!(e, Error::OutcomeUnknown { .. }), "{e:?}");
}

#[tokio::test]
async fn do_action_timeout_is_outcome_unknown() {
    let server = MockServer::start().await;
    let client = Client::builder()
        .base_url(server.uri())
        .credentials(Credentials::stage())
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    Mock::given(path("/CreditDetail/DoAction"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .expect(1)
        .mount(&server)
        .await;
    let e = client.aio().do_action(&refund()).await.unwrap_err();
    assert!(matches!(e, Error::OutcomeUnknown { .. }), "{e:?}");
}

#[tokio::test]
async fn do_action_unreachable_host_is_plain_transport() {
    // Nothing listens on port 9 of loopback: the request never left, so money did not move.
    let client = Client::builder()
        .base_url("http://127.0.0.1:9")
        .credentials(Credentials::stage())
        .build()
        .unwrap();
    let e = client.aio().do_action(&refund()).await.unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e:?}");
}

#[tokio::test]
async fn aio_calls_without_credentials_are_config_errors() {
    let client = Client::builder()
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    assert!(matches!(
        client.aio().query_trade_info("T1").await,
        Err(Error::Config { .. })
    ));
    assert!(matches!(
        ecpay_sdk::webhook::Verifier::new(Credentials::new("3002607", "", "x")),
        Err(Error::Config {
            field: "HashKey",
            ..
        })
    ));
}

#[tokio::test]
async fn oversized_answer_is_an_error() {
    let server = MockServer::start().await;
    let client = Client::builder()
        .base_url(server.uri())
        .credentials(Credentials::stage())
        .max_body_bytes(1024)
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    Mock::given(path("/Cashier/QueryTradeInfo/V5"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string("A=".to_string() + &"x".repeat(5000)),
        )
        .mount(&server)
        .await;
    let e = client.aio().query_trade_info("T1").await.unwrap_err();
    assert!(
        matches!(&e, Error::Decode { reason, .. } if reason.contains("1024-byte cap")),
        "{e:?}"
    );
}
