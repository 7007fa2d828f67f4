//! Contract tests: every operation against wiremock. Each test asserts method, path, the body
//! (validated against the spec's request schema) and a `sign` recomputed independently
//! (tests/common), then decodes the fixture into the typed model.
//!
//! Fixtures (tests/fixtures): payment-amounts and payment-link answers are the spec's examples;
//! the others are plausible answers for the spec's open `data` objects, each with one unknown
//! field that must survive in `extra`.

mod common;

use common::{expected_sign, request_schema, validate_against, SECRET, UID};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use wattt_sdk::{
    CallbackRetryRequest, Client, CollectionLookup, CollectionRequest, Error, OrderStatus,
    PaymentLinkAmountRequest, PaymentLinkRequest, PayoutLookup, PayoutRequest, RetryPolicy,
};
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const BASE: &str = "/api/v1/merchant";

async fn server_with(m: &str, p: &str, body: &str) -> (MockServer, Client) {
    let server = MockServer::start().await;
    Mock::given(method(m))
        .and(path(format!("{BASE}{p}")))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body.to_string(), "application/json"))
        .expect(1)
        .named(format!("{m} {p}"))
        .mount(&server)
        .await;
    // Fails loudly (on drop) naming any request that was not expected.
    Mock::given(any())
        .respond_with(ResponseTemplate::new(418))
        .expect(0)
        .named("unexpected request")
        .with_priority(255)
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .credentials(UID, SECRET)
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    (server, client)
}

/// The one captured JSON body, checked: content type, uid, timestamp, sign, request schema.
async fn signed_body(server: &MockServer, p: &str) -> Map<String, Value> {
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1, "exactly one request");
    let req = &reqs[0];
    assert_eq!(req.method.as_str(), "POST");
    assert_eq!(req.url.path(), format!("{BASE}{p}"));
    assert_eq!(
        req.headers.get("content-type").unwrap().to_str().unwrap(),
        "application/json"
    );
    let body: Map<String, Value> = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(body["uid"], UID);
    let ts = body["timestamp"].as_i64().expect("timestamp is an integer");
    assert!((chrono::Utc::now().timestamp() - ts).abs() < 60);
    assert_eq!(body["sign"].as_str().unwrap(), expected_sign(&body, SECRET));
    let schema =
        request_schema("POST", &format!("{BASE}{p}")).expect("operation has a request schema");
    validate_against(&schema, &Value::Object(body.clone()))
        .unwrap_or_else(|e| panic!("{schema}: {e}"));
    body
}

#[tokio::test]
async fn payment_channels() {
    let (server, client) = server_with(
        "POST",
        "/payment-channels",
        include_str!("fixtures/channels.json"),
    )
    .await;
    let ch = client.payment_links().channels().await.unwrap();
    let body = signed_body(&server, "/payment-channels").await;
    assert_eq!(body.len(), 3, "only uid, timestamp, sign: {body:?}");
    assert_eq!(ch.channels.len(), 2);
    assert_eq!(ch.channels[0].code.as_deref(), Some("sky_coin"));
    assert_eq!(ch.channels[0].enabled, Some(true));
    assert_eq!(ch.channels[0].max_amount, Some(Decimal::new(30000, 0)));
    assert_eq!(ch.channels[0].extra["fee_rate"], "1.5");
    assert_eq!(ch.channels[1].code.as_deref(), Some("bank_transfer"));
    assert_eq!(ch.channels[1].enabled, Some(false));
    assert_eq!(ch.extra["updated_at"], "2026-05-23 12:00:00");
}

#[tokio::test]
async fn payment_amounts() {
    let (server, client) = server_with(
        "POST",
        "/payment-amounts",
        include_str!("fixtures/amounts.json"),
    )
    .await;
    let a = client.payment_links().amounts().await.unwrap();
    signed_body(&server, "/payment-amounts").await;
    assert_eq!(a.fixed_amounts, vec![1000, 2000, 3000, 5000, 8000, 10000]);
    assert_eq!(a.allow_custom, Some(true));
    assert_eq!(a.custom_min, Some(Decimal::from(1000)));
    assert_eq!(a.custom_max, Some(Decimal::from(30000)));
    assert_eq!(a.currency.as_deref(), Some("TWD"));
    assert_eq!(a.extra["note"], "kept");
    assert!(a.allows(30000) && !a.allows(30001));
}

#[tokio::test]
async fn payment_link_amount() {
    let (server, client) = server_with(
        "POST",
        "/payment-links/amount",
        include_str!("fixtures/payment_link.json"),
    )
    .await;
    let mut req = PaymentLinkAmountRequest::new(
        "TP202605270001",
        5000,
        "U10001",
        "測試會員",
        "https://merchant.example.com/notify/collection",
    )
    .payer_account_no("008123456789")
    .channel("sky_coin");
    req.payer_bank_name = Some("華南銀行".into());
    req.extra = Some(
        json!({"campaign": "spring", "n": 1})
            .as_object()
            .unwrap()
            .clone(),
    );
    let link = client
        .payment_links()
        .create_for_amount(&req)
        .await
        .unwrap();
    let body = signed_body(&server, "/payment-links/amount").await;
    assert_eq!(body["amount"], json!(5000));
    assert!(body["amount"].is_i64(), "amount is an integer on the wire");
    assert_eq!(body["merchant_order_no"], "TP202605270001");
    assert_eq!(body["payer_account_no"], "008123456789");
    assert_eq!(body["payer_account_last5"], "56789");
    assert_eq!(body["payerAccountNumber"], "008123456789");
    assert_eq!(body["payeeAccountNumber"], "56789");
    assert_eq!(body["extra"], json!({"campaign": "spring", "n": 1}));
    assert_eq!(
        link.payment_url().unwrap(),
        "https://coin.mpglobal.asia/sky/purchase/wait/07lcAEjhukIcS8BnRem3e1m4LMpRJ562zBR2Mouv8nHa8x8T"
    );
    assert_eq!(link.amount, Some(5000));
    assert_eq!(link.amount_mode.as_deref(), Some("fixed"));
    assert_eq!(
        link.data.third_party_session.as_deref(),
        Some("abc123def456ghi789jkl012")
    );
    assert_eq!(link.data.extra["qr"], "kept");
    assert_eq!(link.extra["trace_id"], "t-1");
}

#[tokio::test]
async fn payment_link_amount_checked_refuses_before_sending() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .credentials(UID, SECRET)
        .build()
        .unwrap();
    let amounts: wattt_sdk::PaymentAmounts =
        serde_json::from_value(json!({"fixed_amounts": [1000, 2000], "allow_custom": false}))
            .unwrap();
    let req = PaymentLinkAmountRequest::new("TP1", 1500, "U1", "A", "https://m.example/n");
    match client
        .payment_links()
        .create_for_amount_checked(&req, &amounts)
        .await
    {
        Err(Error::Validation {
            field: "amount", ..
        }) => {}
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn payment_link_redirect() {
    let (server, client) = server_with(
        "POST",
        "/payment-links",
        include_str!("fixtures/payment_link.json"),
    )
    .await;
    let mut req = PaymentLinkRequest::new(
        "TP202605230001",
        "U10001",
        "測試會員",
        "https://merchant.example.com/notify/collection",
    )
    .payer_account_no("008-1234-56789");
    req.payee_account_number = Some("00000".into());
    req.return_url = Some("https://merchant.example.com/return".into());
    let link = client.payment_links().create(&req).await.unwrap();
    let body = signed_body(&server, "/payment-links").await;
    assert_eq!(body["member_name"], "測試會員");
    assert_eq!(body["payerAccountNumber"], "008-1234-56789");
    assert_eq!(body["payeeAccountNumber"], "00000", "caller's value wins");
    assert_eq!(body["payer_account_last5"], "56789");
    assert_eq!(body["return_url"], "https://merchant.example.com/return");
    assert!(!body.contains_key("amount"));
    assert!(link
        .payment_url()
        .unwrap()
        .starts_with("https://coin.mpglobal.asia/"));
}

#[tokio::test]
async fn payment_link_without_any_url_is_an_error() {
    let (_server, client) = server_with(
        "POST",
        "/payment-links",
        r#"{"ok":1,"message":"success","data":{}}"#,
    )
    .await;
    let req = PaymentLinkRequest::new("TP1", "U1", "A", "https://m.example/n");
    let link = client.payment_links().create(&req).await.unwrap();
    assert!(matches!(link.payment_url(), Err(Error::MissingPaymentUrl)));
}

#[tokio::test]
async fn create_collection() {
    let (server, client) = server_with(
        "POST",
        "/collections",
        include_str!("fixtures/collection.json"),
    )
    .await;
    let req = CollectionRequest::new("COL202605230001", Decimal::new(250000, 2))
        .merchant_order_no("M-COL202605230001")
        .notify_url("https://merchant.example.com/notify/collection");
    let c = client.collections().create(&req).await.unwrap();
    let body = signed_body(&server, "/collections").await;
    // 2500.00 goes out as the number 2500 (and is signed as "2500").
    let raw = &server.received_requests().await.unwrap()[0].body;
    assert!(
        String::from_utf8_lossy(raw).contains("\"amount\":2500,")
            || String::from_utf8_lossy(raw).contains("\"amount\":2500}")
    );
    assert_eq!(body["orderid"], "COL202605230001");
    assert_eq!(c.orderid.as_deref(), Some("COL202605230001"));
    assert_eq!(c.amount, Some(Decimal::from(2500)));
    assert_eq!(c.status, Some(OrderStatus::Pending));
    assert_eq!(c.payment_url.as_deref(), Some("https://pay.example/c/1"));
    assert_eq!(c.extra["bank_account"], "kept");
}

#[tokio::test]
async fn create_collection_decimal_amount_is_signed_as_sent() {
    let (server, client) = server_with(
        "POST",
        "/collections",
        include_str!("fixtures/collection.json"),
    )
    .await;
    client
        .collections()
        .create(&CollectionRequest::new("C-dec", Decimal::new(1250, 2)))
        .await
        .unwrap();
    let body = signed_body(&server, "/collections").await;
    let raw = String::from_utf8(server.received_requests().await.unwrap()[0].body.clone()).unwrap();
    assert!(raw.contains("\"amount\":12.5"), "{raw}");
    assert_eq!(body["amount"].to_string(), "12.5");
}

#[tokio::test]
async fn collection_status_by_either_key() {
    for (lookup, key, val) in [
        (
            CollectionLookup::OrderId("COL202605230001".into()),
            "orderid",
            "COL202605230001",
        ),
        (
            CollectionLookup::MerchantOrderNo("M-COL202605230001".into()),
            "merchant_order_no",
            "M-COL202605230001",
        ),
    ] {
        let (server, client) = server_with(
            "POST",
            "/collections/status",
            include_str!("fixtures/collection.json"),
        )
        .await;
        let c = client.collections().status(&lookup).await.unwrap();
        let body = signed_body(&server, "/collections/status").await;
        assert_eq!(body[key], val);
        assert_eq!(body.len(), 4);
        assert_eq!(c.merchant_order_no.as_deref(), Some("M-COL202605230001"));
    }
}

#[tokio::test]
async fn create_payout() {
    let (server, client) =
        server_with("POST", "/payouts", include_str!("fixtures/payout.json")).await;
    let req = PayoutRequest::new("PO202605230001", Decimal::new(300050, 2), "王小明")
        .payee_bank_account("中國信託", "822123456789012")
        .notify_url("https://merchant.example.com/notify/payout")
        .reverse_url("https://merchant.example.com/notify/payout-failed");
    let p = client.payouts().create(&req).await.unwrap();
    let body = signed_body(&server, "/payouts").await;
    assert_eq!(body["amount"].to_string(), "3000.5");
    assert_eq!(body["payee_name"], "王小明");
    assert_eq!(
        body["reverse_url"],
        "https://merchant.example.com/notify/payout-failed"
    );
    assert_eq!(p.amount, Some(Decimal::new(300050, 2)));
    assert_eq!(p.fee, Some(Decimal::from(15)));
    assert_eq!(p.status, Some(OrderStatus::Processing));
    assert_eq!(p.extra["batch"], 7);
}

#[tokio::test]
async fn payout_status() {
    let (server, client) = server_with(
        "POST",
        "/payouts/status",
        include_str!("fixtures/payout.json"),
    )
    .await;
    let p = client
        .payouts()
        .status(&PayoutLookup::SerialNo("PO202605230001".into()))
        .await
        .unwrap();
    let body = signed_body(&server, "/payouts/status").await;
    assert_eq!(body["serial_no"], "PO202605230001");
    assert_eq!(p.serial_no.as_deref(), Some("PO202605230001"));
}

#[tokio::test]
async fn balance() {
    let (server, client) =
        server_with("POST", "/balance", include_str!("fixtures/balance.json")).await;
    let b = client.balance().await.unwrap();
    signed_body(&server, "/balance").await;
    assert_eq!(b.balance, Some(Decimal::new(12345678, 2)));
    assert_eq!(b.available, Some(Decimal::new(1200005, 1)));
    assert_eq!(b.frozen, Some(Decimal::new(345628, 2)));
    assert_eq!(b.extra["as_of"], "2026-05-23");
}

#[tokio::test]
async fn banks_sign_query_parameters() {
    let (server, client) = server_with("GET", "/banks", include_str!("fixtures/banks.json")).await;
    let banks = client.banks(Some("華南")).await.unwrap();
    let reqs = server.received_requests().await.unwrap();
    let req = &reqs[0];
    assert_eq!(req.method.as_str(), "GET");
    assert!(req.body.is_empty());
    let q: Map<String, Value> = req
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect();
    assert_eq!(q.len(), 4, "{q:?}");
    assert_eq!(q["uid"], UID);
    assert_eq!(q["q"], "華南");
    assert!(q["timestamp"].as_str().unwrap().parse::<i64>().is_ok());
    assert_eq!(q["sign"].as_str().unwrap(), expected_sign(&q, SECRET));
    assert_eq!(banks.banks.len(), 2);
    assert_eq!(banks.banks[0].code.as_deref(), Some("008"));
    assert_eq!(banks.banks[0].name.as_deref(), Some("華南銀行"));
    assert_eq!(banks.banks[0].extra["swift"], "HNBKTWTP");
    assert_eq!(banks.banks[1].name.as_deref(), Some("中國信託"));
}

#[tokio::test]
async fn callback_retry() {
    let (server, client) = server_with(
        "POST",
        "/callbacks/retry",
        include_str!("fixtures/callback_retry.json"),
    )
    .await;
    let r = client
        .callbacks()
        .retry(&CallbackRetryRequest::collection("COL202605230001"))
        .await
        .unwrap();
    let body = signed_body(&server, "/callbacks/retry").await;
    assert_eq!(body["type"], "collection");
    assert_eq!(body["orderid"], "COL202605230001");
    assert!(!body.contains_key("serial_no"));
    assert_eq!(r.message, "callback queued");

    let (server, client) = server_with(
        "POST",
        "/callbacks/retry",
        include_str!("fixtures/callback_retry.json"),
    )
    .await;
    client
        .callbacks()
        .retry(&CallbackRetryRequest::payout("PO1"))
        .await
        .unwrap();
    let body = signed_body(&server, "/callbacks/retry").await;
    assert_eq!(body["type"], "payout");
    assert_eq!(body["serial_no"], "PO1");
}

#[tokio::test]
async fn error_envelope_becomes_api_error() {
    for status in [200u16, 422] {
        let server = MockServer::start().await;
        Mock::given(path(format!("{BASE}/balance")))
            .respond_with(
                ResponseTemplate::new(status)
                    .set_body_raw(include_str!("fixtures/error_sign.json"), "application/json"),
            )
            .expect(1) // a 4xx / ok:0 answer is never retried
            .mount(&server)
            .await;
        let client = Client::builder()
            .base_url(server.uri())
            .credentials(UID, SECRET)
            .build()
            .unwrap();
        match client.balance().await {
            Err(Error::Api {
                status: s,
                ok: 0,
                message,
                operation,
            }) => {
                assert_eq!(s, status);
                assert_eq!(message, "sign error");
                assert_eq!(operation, "balance");
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn client_debug_never_shows_the_secret() {
    let client = Client::builder()
        .base_url("https://api-test.wattt.asia")
        .credentials(UID, "sEcReT-value-42")
        .build()
        .unwrap();
    let shown = format!("{client:?} {client:#?}");
    assert!(!shown.contains("sEcReT-value-42"), "{shown}");
    assert!(shown.contains("Secret(***)"));
}

#[test]
fn builder_refuses_bad_configuration() {
    assert!(matches!(
        Client::builder().credentials(UID, SECRET).build(),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        Client::builder()
            .base_url("http://api-test.wattt.asia")
            .credentials(UID, SECRET)
            .build(),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        Client::builder()
            .base_url("https://api-test.wattt.asia")
            .credentials("", SECRET)
            .build(),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        Client::builder()
            .base_url("https://api-test.wattt.asia")
            .uid(UID)
            .build(),
        Err(Error::Config(_))
    ));
}

#[test]
fn hand_worked_sign_vector() {
    // Vector from Python: hashlib.md5(b"amount=2500&notify_url=https://merchant.example.com/notify/collection&orderid=COL202605230001&timestamp=1782347899&uid=ABCDE&key=test-secret").hexdigest()
    let fields = json!({
        "uid": "ABCDE", "timestamp": 1782347899, "orderid": "COL202605230001", "amount": 2500,
        "notify_url": "https://merchant.example.com/notify/collection", "merchant_order_no": "",
        "extra": {"x": 1}
    });
    let fields = fields.as_object().unwrap();
    let want = "f96922b16817dc99117e65b4301368c2";
    assert_eq!(expected_sign(fields, "test-secret"), want);
    use wattt_sdk::Signer;
    assert_eq!(
        wattt_sdk::WatttSign::new("test-secret").sign_json(fields),
        want
    );
    // hashlib.md5(b"amount=12.5&flag=true&orderid=C&key=k").hexdigest()
    let f2 = json!({"amount": 12.5, "flag": true, "orderid": "C", "sign": "ignored"});
    assert_eq!(
        wattt_sdk::WatttSign::new("k").sign_json(f2.as_object().unwrap()),
        "5a2e3d94b20672c0978d6632b47a0b45"
    );
}
