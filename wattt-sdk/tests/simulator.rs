//! End-to-end against the `testing` simulator.
#![cfg(feature = "testing")]

use rust_decimal::Decimal;
use serde_json::Map;
use wattt_sdk::testing::{Fault, NotifyFormat, Simulator};
use wattt_sdk::webhook::{Delivery, Verifier};
use wattt_sdk::{
    ops, ApiCode, Bank, CallbackKind, CallbackRetryRequest, Client, CollectionLookup,
    CollectionRequest, Error, ErrorKind, NotificationKind, OrderStatus, PaymentAmounts,
    PaymentLinkAmountRequest, PaymentLinkRequest, PayoutLookup, PayoutRequest, RetryPolicy,
};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn merchant() -> MockServer {
    let m = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("success"))
        .mount(&m)
        .await;
    m
}

async fn notifications(m: &MockServer, p: &str) -> Vec<Vec<u8>> {
    m.received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == p)
        .map(|r| r.body)
        .collect()
}

#[tokio::test]
async fn collection_flow_with_signed_json_notification() {
    let sim = Simulator::start().await;
    let shop = merchant().await;
    let client = sim.client();
    let before = sim.balance();
    let notify_url = format!("{}/notify/collection", shop.uri());
    let c = client
        .collections()
        .create(
            &CollectionRequest::new("COL1", Decimal::new(250050, 2))
                .merchant_order_no("M1")
                .notify_url(&notify_url),
        )
        .await
        .unwrap();
    assert_eq!(c.status, Some(OrderStatus::Pending));
    assert_eq!(c.amount, Some(Decimal::new(250050, 2)));

    let d = sim.pay("COL1").await.unwrap();
    assert_eq!(d.status, 200);
    assert_eq!(d.body, "success");
    let bodies = notifications(&shop, "/notify/collection").await;
    assert_eq!(bodies.len(), 1);
    let n = sim.verifier().verify(&bodies[0]).unwrap();
    assert_eq!(n.kind, NotificationKind::Collection);
    assert_eq!(n.orderid.as_deref(), Some("COL1"));
    assert_eq!(n.merchant_order_no.as_deref(), Some("M1"));
    assert_eq!(n.amount, Some(Decimal::new(250050, 2)));
    assert_eq!(n.status, Some(OrderStatus::Success));
    assert!(Verifier::new("wrong").unwrap().verify(&bodies[0]).is_err());

    let s = client
        .collections()
        .status(&CollectionLookup::MerchantOrderNo("M1".into()))
        .await
        .unwrap();
    assert_eq!(s.status, Some(OrderStatus::Success));
    assert_eq!(sim.balance(), before + Decimal::new(250050, 2));

    // Duplicate orderid is refused by the server.
    let dup = client
        .collections()
        .create(&CollectionRequest::new("COL1", Decimal::ONE))
        .await;
    assert!(matches!(dup, Err(Error::Api { status: 422, .. })));
}

#[tokio::test]
async fn payout_failure_goes_to_reverse_url_as_form_and_refunds() {
    let sim = Simulator::start().await;
    sim.set_balance(Decimal::from(5000));
    sim.set_notify_format(NotifyFormat::Form);
    let shop = merchant().await;
    let client = sim.client();
    let req = PayoutRequest::new("PO1", Decimal::from(3000), "王小明")
        .payee_bank_account("中國信託", "822123456789012")
        .notify_url(format!("{}/notify/payout", shop.uri()))
        .reverse_url(format!("{}/notify/payout-failed", shop.uri()));
    let p = client.payouts().create(&req).await.unwrap();
    assert_eq!(p.status, Some(OrderStatus::Processing));
    assert_eq!(
        client.balance().await.unwrap().balance,
        Some(Decimal::from(2000))
    );

    // Not enough left for another.
    let again = client
        .payouts()
        .create(&PayoutRequest::new("PO2", Decimal::from(3000), "A"))
        .await;
    assert!(
        matches!(again, Err(Error::Api { ref message, .. }) if message.contains("insufficient"))
    );

    sim.complete_payout("PO1", OrderStatus::Failed)
        .await
        .unwrap();
    let bodies = notifications(&shop, "/notify/payout-failed").await;
    assert_eq!(bodies.len(), 1);
    assert!(!bodies[0].starts_with(b"{"), "form encoded");
    let n = sim.verifier().verify(&bodies[0]).unwrap();
    assert_eq!(n.kind, NotificationKind::Payout);
    assert_eq!(n.serial_no.as_deref(), Some("PO1"));
    assert_eq!(n.status, Some(OrderStatus::Failed));
    assert_eq!(sim.balance(), Decimal::from(5000));
    let s = client
        .payouts()
        .status(&PayoutLookup::SerialNo("PO1".into()))
        .await
        .unwrap();
    assert_eq!(s.status, Some(OrderStatus::Failed));
}

#[tokio::test]
async fn wrong_secret_gets_a_sign_error() {
    let sim = Simulator::start().await;
    let client = Client::builder()
        .base_url(sim.base_url())
        .credentials(sim.uid(), "not-the-secret")
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    match client.balance().await {
        Err(Error::Api {
            status: 422,
            code: ApiCode::Refused,
            message,
            ..
        }) => assert!(message.contains("sign"), "{message}"),
        other => panic!("{other:?}"),
    }
    match client.banks(None).await {
        Err(Error::Api { message, .. }) => assert!(message.contains("sign")),
        other => panic!("{other:?}"),
    }
    let wrong_uid = Client::builder()
        .base_url(sim.base_url())
        .credentials("OTHER", sim.secret().clone())
        .build()
        .unwrap();
    assert!(
        matches!(wrong_uid.balance().await, Err(Error::Api { ref message, .. }) if message.contains("uid"))
    );
}

#[tokio::test]
async fn stale_timestamp_is_refused() {
    let sim = Simulator::start().await;
    let mut body = Map::new();
    body.insert("uid".into(), sim.uid().into());
    body.insert(
        "timestamp".into(),
        (chrono::Utc::now().timestamp() - 1000).into(),
    );
    let sign = sign_core::wattt::sign_json(&body, sim.secret());
    body.insert("sign".into(), sign.into());
    let resp = reqwest::Client::new()
        .post(format!("{}{}", sim.base_url(), ops::BALANCE.path))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["ok"], 0);
    assert!(v["message"].as_str().unwrap().contains("timestamp"));
}

#[tokio::test]
async fn amounts_links_and_paying_a_link() {
    let sim = Simulator::start().await;
    sim.set_amounts(PaymentAmounts::fixed([100, 200]));
    let shop = merchant().await;
    let client = sim.client();
    let amounts = client.payment_links().amounts().await.unwrap();
    assert_eq!(amounts.fixed_amounts, vec![100, 200]);
    assert_eq!(amounts.allow_custom, Some(false));

    let notify_url = format!("{}/notify/link", shop.uri());
    let refused = PaymentLinkAmountRequest::new("TP0", 150, "U1", "Amy", &notify_url);
    assert!(matches!(
        client
            .payment_links()
            .create_for_amount_checked(&refused, &amounts)
            .await,
        Err(Error::Validation {
            field: "amount",
            ..
        })
    ));
    // Unchecked, the server refuses it too.
    assert!(matches!(
        client.payment_links().create_for_amount(&refused).await,
        Err(Error::Api { .. })
    ));

    let req = PaymentLinkAmountRequest::new("TP1", 200, "U1", "Amy", &notify_url)
        .payer_account_no("008123456789");
    let link = client
        .payment_links()
        .create_for_amount_checked(&req, &amounts)
        .await
        .unwrap();
    assert!(link.payment_url().unwrap().starts_with(&sim.base_url()));
    assert_eq!(link.amount_mode.as_deref(), Some("fixed"));
    let recorded = sim.payment_links();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].request["payer_account_last5"], "56789");

    let d = sim.pay_payment_link("TP1", None).await.unwrap();
    let n = sim.verifier().verify(&d.sent).unwrap();
    assert_eq!(n.merchant_order_no.as_deref(), Some("TP1"));
    assert_eq!(n.amount, Some(Decimal::from(200)));

    let redirect = client
        .payment_links()
        .create(&PaymentLinkRequest::new("TP2", "U1", "Amy", &notify_url))
        .await
        .unwrap();
    assert!(redirect.payment_url().is_ok());
}

#[tokio::test]
async fn lost_creation_answer_is_recovered_by_lookup() {
    let sim = Simulator::start().await;
    let client = sim.client();
    sim.inject_fault(ops::CREATE_COLLECTION, Fault::ProcessThenServerError);
    let c = client
        .collections()
        .create(&CollectionRequest::new("C-lost", Decimal::from(10)))
        .await
        .unwrap();
    assert_eq!(c.orderid.as_deref(), Some("C-lost"));
    assert_eq!(sim.collections().len(), 1, "created exactly once");

    sim.inject_fault(ops::CREATE_PAYOUT, Fault::ProcessThenGarbage);
    let p = client
        .payouts()
        .create(&PayoutRequest::new("P-lost", Decimal::from(10), "A"))
        .await
        .unwrap();
    assert_eq!(p.serial_no.as_deref(), Some("P-lost"));
    assert_eq!(sim.payouts().len(), 1);

    // Fails before processing and the lookup finds nothing: outcome unknown, nothing created.
    sim.inject_fault(ops::CREATE_PAYOUT, Fault::ServerError);
    let err = client
        .payouts()
        .create(&PayoutRequest::new("P-none", Decimal::from(10), "A"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown, "{err:?}");
    assert!(sim.payout("P-none").is_none());
    let creates = sim
        .requests()
        .iter()
        .filter(|r| r.path == ops::CREATE_PAYOUT.path)
        .count();
    assert_eq!(creates, 2, "never retried");

    // Queries are retried through a transient 500.
    sim.inject_fault(ops::BALANCE, Fault::ServerError);
    assert!(client.balance().await.is_ok());
}

#[tokio::test]
async fn channels_banks_and_callback_retry() {
    let sim = Simulator::start().await;
    let client = sim.client();
    assert!(client
        .payment_links()
        .channels()
        .await
        .unwrap()
        .channels
        .iter()
        .any(|c| c.code.as_deref() == Some("sky_coin")));
    sim.set_banks(vec![
        Bank::new("008", "華南銀行"),
        Bank::new("822", "中國信託"),
    ]);
    let all = client.banks(None).await.unwrap();
    assert_eq!(all.banks.len(), 2);
    let some = client.banks(Some("822")).await.unwrap();
    assert_eq!(some.banks.len(), 1);
    assert_eq!(some.banks[0].name.as_deref(), Some("中國信託"));

    client
        .collections()
        .create(&CollectionRequest::new("C1", Decimal::ONE))
        .await
        .unwrap();
    client
        .callbacks()
        .retry(&CallbackRetryRequest::collection("C1"))
        .await
        .unwrap();
    assert_eq!(
        sim.callback_retries(),
        vec![(CallbackKind::Collection, "C1".to_string())]
    );
    assert!(client
        .callbacks()
        .retry(&CallbackRetryRequest::payout("nope"))
        .await
        .is_err());
    assert!(format!("{sim:?}").contains("Secret(***)"));
    assert!(!format!("{sim:?}").contains(sim.secret().expose()));
}

#[tokio::test]
async fn unknown_paths_answer_not_found() {
    let sim = Simulator::start().await;
    let r = reqwest::get(format!("{}/api/v1/merchant/nope", sim.base_url()))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
}

/// The simulator's vocabulary end to end: pay, the merchant's reply, a re-delivery that the
/// verifier reports as a repeat; paying with nowhere to deliver is an error.
#[tokio::test]
async fn pay_and_redeliver_are_first_then_repeat() {
    let sim = Simulator::start().await;
    let shop = merchant().await;
    let client = sim.client();
    client
        .collections()
        .create(&CollectionRequest::new("C-none", Decimal::from(100)))
        .await
        .unwrap();
    match sim.pay("C-none").await {
        Err(Error::Config { field, .. }) => assert_eq!(field, "callback_url"),
        other => panic!("no callback URL: {other:?}"),
    }
    sim.set_callback_url(format!("{}/notify", shop.uri()));
    client
        .collections()
        .create(&CollectionRequest::new("C-1", Decimal::from(100)))
        .await
        .unwrap();
    let first = sim.pay("C-1").await.unwrap();
    assert_eq!((first.status, first.body.as_str()), (200, "success"));
    let again = sim.redeliver("C-1").await.unwrap();
    assert_eq!(again.sent, first.sent, "the same signed notification");
    let verifier = sim.verifier();
    let a = verifier.verify_and_record(&first.sent).await.unwrap();
    let b = verifier.verify_and_record(&again.sent).await.unwrap();
    assert_eq!(
        (a.delivery, b.delivery),
        (Delivery::First, Delivery::Repeat)
    );
    assert_eq!(a.key, "wattt:event:orderid:C-1:success");
    assert!(sim.redeliver("never-paid").await.is_err());
}

/// Finding (issue 13, Wattt): the simulator answers `payment-links/amount` like a server that
/// signs only its schema's fields; the SDK's fully populated request passes it.
#[tokio::test]
async fn amount_links_pass_a_server_that_knows_only_the_schema() {
    let sim = Simulator::start().await;
    let mut req = PaymentLinkAmountRequest::new("TP-s", 1000, "U1", "Amy", "https://m.example/n")
        .payer_account_no("008123456789")
        .channel("sky_coin");
    req.member_account = Some("acct".into());
    req.member_phone = Some("0912345678".into());
    req.payer_bank_name = Some("華南銀行".into());
    req.payer_bank_code = Some("008".into());
    req.return_url = Some("https://m.example/r".into());
    req.extra = serde_json::json!({"k": 1}).as_object().cloned();
    sim.client()
        .payment_links()
        .create_for_amount(&req)
        .await
        .unwrap();
    // The same server refuses a body with a field outside the schema.
    let mut body = Map::new();
    body.insert("uid".into(), sim.uid().into());
    body.insert("timestamp".into(), chrono::Utc::now().timestamp().into());
    for (k, v) in [
        ("merchant_order_no", "TP-x"),
        ("member_no", "U1"),
        ("member_name", "A"),
        ("notify_url", "https://m.example/n"),
        ("payerAccountNumber", "008123456789"),
    ] {
        body.insert(k.into(), v.into());
    }
    body.insert("amount".into(), 1000.into());
    let sign = sign_core::wattt::sign_json(&body, sim.secret());
    body.insert("sign".into(), sign.into());
    let resp = reqwest::Client::new()
        .post(format!(
            "{}{}",
            sim.base_url(),
            ops::PAYMENT_LINK_AMOUNT.path
        ))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
}
