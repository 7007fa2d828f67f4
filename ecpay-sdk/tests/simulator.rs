//! The `testing` simulator end to end: checkout form → simulated cashier → pay → signed
//! ReturnURL callback to a merchant endpoint → QueryTradeInfo → DoAction; plus the
//! simulator's ECPay-style refusals, and the demo and merchant mocks.

#![cfg(feature = "testing")]

mod common;

use ecpay_sdk::aio::{
    AtmOptions, CheckoutRequest, CreditAction, DoActionRequest, Payment, PaymentCode, TradeStatus,
};
use ecpay_sdk::demo::{EventStatus, OrderRequest};
use ecpay_sdk::merchant::MerchantCheckoutRequest;
use ecpay_sdk::testing::{SimOrderStatus, Simulator};
use ecpay_sdk::webhook::{Verifier, ACK};
use ecpay_sdk::{Credentials, Error, ErrorCode};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// A merchant's ReturnURL handler: verifies with the SDK and answers `1|OK`.
struct Merchant;

impl Respond for Merchant {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let verifier = Verifier::new(Credentials::stage()).expect("stage credentials");
        match verifier.verify(&req.body) {
            Ok(r) if r.is_paid() => ResponseTemplate::new(200).set_body_string(ACK),
            Ok(_) => ResponseTemplate::new(200).set_body_string("0|not paid"),
            Err(e) => ResponseTemplate::new(400).set_body_string(format!("0|{e}")),
        }
    }
}

fn request(no: &str, return_url: &str) -> CheckoutRequest {
    let mut r = CheckoutRequest::new(
        no,
        "2026/01/01 12:00:00",
        1200,
        "Sim order",
        "Tea#Cake",
        return_url,
    );
    r.custom_fields[0] = Some("cart-42".into());
    r
}

#[tokio::test]
async fn checkout_pay_callback_query_refund() {
    let sim = Simulator::start().await;
    let merchant = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/ecpay/return"))
        .respond_with(Merchant)
        .expect(1)
        .mount(&merchant)
        .await;
    let client = sim.client();

    let mut req = request("SIM0001", &format!("{}/ecpay/return", merchant.uri()));
    req.payment = Payment::Credit(Default::default());
    let form = client.aio().checkout(&req).unwrap();
    assert_eq!(form.action, sim.checkout_url());
    let accepted = sim.submit_checkout(&form.fields).await.unwrap();
    assert!(accepted.accepted, "{accepted:?}");
    let trade_no = accepted.trade_no.clone().unwrap();

    let before = client.aio().query_trade_info("SIM0001").await.unwrap();
    assert_eq!(before.trade_status, TradeStatus::Unpaid);

    let reply = sim.pay("SIM0001").await.unwrap();
    assert!(reply.acknowledged(), "{reply:?}");
    assert_eq!(reply.body, "1|OK");
    let delivery = sim.deliveries().pop().unwrap();
    // the callback verifies with the independent signer too
    let (body, mac) = delivery.fields.split_at(delivery.fields.len() - 1);
    assert_eq!(mac[0].1, common::cmv_owned(body));
    let result = sim
        .verifier()
        .verify(delivery.form_body.as_bytes())
        .unwrap();
    assert_eq!(result.trade_no, trade_no);
    assert_eq!(result.trade_amt, 1200);
    assert_eq!(result.custom_fields[0], "cart-42");

    let after = client.aio().query_trade_info("SIM0001").await.unwrap();
    assert_eq!(after.trade_status, TradeStatus::Paid);
    assert_eq!(after.trade_no, trade_no);
    assert!(!after.payment_date.is_empty());

    // close then refund
    let mut act = DoActionRequest {
        merchant_trade_no: "SIM0001".into(),
        trade_no: trade_no.clone(),
        action: CreditAction::Refund,
        total_amount: 1200,
        platform_id: None,
    };
    let e = client.aio().do_action(&act).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Api {
                code: ErrorCode::Rtn(_),
                ..
            }
        ),
        "refund before close: {e:?}"
    );
    act.action = CreditAction::Close;
    client.aio().do_action(&act).await.unwrap();
    act.action = CreditAction::Refund;
    client.aio().do_action(&act).await.unwrap();
    assert_eq!(
        sim.order("SIM0001").unwrap().status,
        SimOrderStatus::Refunded
    );

    // paying twice is refused
    assert!(sim.pay("SIM0001").await.is_err());
}

#[tokio::test]
async fn cashier_refuses_a_bad_check_mac_value_like_ecpay() {
    let sim = Simulator::start().await;
    let client = sim.client();
    let form = client
        .aio()
        .checkout(&request("SIM0002", "http://127.0.0.1:9/r"))
        .unwrap();
    let mut fields = form.fields.clone();
    for (k, v) in fields.iter_mut() {
        if k == "TotalAmount" {
            *v = "1".into();
        }
    }
    let r = sim.submit_checkout(&fields).await.unwrap();
    assert!(!r.accepted);
    assert_eq!(r.error_code.as_deref(), Some("10200073"));
    assert_eq!(r.error_message.as_deref(), Some("CheckMacValue Error"));
    assert!(sim.order("SIM0002").is_none());

    // a missing required field
    let no_item: Vec<(String, String)> = form
        .fields
        .iter()
        .filter(|(k, _)| k != "ItemName")
        .cloned()
        .collect();
    let r = sim.submit_checkout(&no_item).await.unwrap();
    assert!(!r.accepted);
    assert!(r.error_message.unwrap().contains("ItemName"));

    // signed with another merchant's keys
    let other = Credentials::new("3002607", "XXXXXXXXXXXXXXXX", "YYYYYYYYYYYYYYYY");
    let bad = request("SIM0003", "http://127.0.0.1:9/r")
        .sign(&other, sim.checkout_url())
        .unwrap();
    assert_eq!(
        sim.submit_checkout(&bad.fields)
            .await
            .unwrap()
            .error_code
            .as_deref(),
        Some("10200073")
    );

    // the same trade number twice
    assert!(sim.submit_checkout(&form.fields).await.unwrap().accepted);
    assert!(!sim.submit_checkout(&form.fields).await.unwrap().accepted);
}

#[tokio::test]
async fn atm_payment_info_is_delivered_and_queryable() {
    let sim = Simulator::start().await;
    let merchant = MockServer::start().await;
    Mock::given(path("/info"))
        .respond_with(|r: &Request| {
            let verifier = Verifier::new(Credentials::stage()).expect("stage credentials");
            match verifier.verify_payment_info(&r.body) {
                Ok(i) if i.is_issued() => ResponseTemplate::new(200).set_body_string("1|OK"),
                _ => ResponseTemplate::new(400),
            }
        })
        .expect(1)
        .mount(&merchant)
        .await;
    let client = sim.client();
    let mut req = request("SIM0004", "http://127.0.0.1:9/r");
    req.payment = Payment::Atm(AtmOptions {
        expire_days: Some(5),
        payment_info_url: Some(format!("{}/info", merchant.uri())),
        client_redirect_url: None,
    });
    let form = client.aio().checkout(&req).unwrap();
    assert!(sim.submit_checkout(&form.fields).await.unwrap().accepted);
    let d = sim.deliver_payment_info("SIM0004").await.unwrap();
    assert!(d.acknowledged());
    let info = client.aio().query_payment_info("SIM0004").await.unwrap();
    assert!(info.is_issued());
    assert!(matches!(info.code, PaymentCode::Atm { ref bank_code, .. } if bank_code == "812"));
    assert!(matches!(
        client.aio().query_payment_info("NOPE1").await,
        Err(Error::Api {
            code: ErrorCode::Rtn(10200047),
            ..
        })
    ));
}

#[tokio::test]
async fn demo_mock_full_tour() {
    let sim = Simulator::start().await;
    let client = sim.client();
    let demo = client.demo();
    assert_eq!(
        demo.health()
            .await
            .unwrap()
            .get("status")
            .map(String::as_str),
        Some("ok")
    );
    let created = demo
        .create_order(&OrderRequest::new(
            "demo_store",
            "DEMO-1001",
            "Alex Chen",
            "alex@example.com",
            499,
        ))
        .await
        .unwrap();
    let co = demo.create_checkout(&created.event_id).await.unwrap();
    assert_eq!(
        co.payment_page_url,
        demo.redirect_page_url(&created.event_id).unwrap()
    );
    let page = demo.redirect_page(&created.event_id).await.unwrap();
    assert!(page.contains("__ecpayForm"));
    // the browser submits the page's form to the cashier
    let fields: Vec<(String, String)> = page
        .lines()
        .filter(|l| l.starts_with("<input type=\"hidden\""))
        .filter_map(|l| {
            let name = l.split("name=\"").nth(1)?.split('"').next()?;
            let value = l.split("value=\"").nth(1)?.split('"').next()?;
            Some((name.to_owned(), value.replace("&amp;", "&")))
        })
        .collect();
    assert!(sim.submit_checkout(&fields).await.unwrap().accepted);
    let reply = sim.pay(&co.merchant_trade_no).await.unwrap();
    assert_eq!(reply.body, "1|OK");
    let d = sim.deliveries().pop().unwrap();
    let ev = demo.event(&created.event_id).await.unwrap();
    assert_eq!(ev.status, EventStatus::Paid);
    assert_eq!(ev.rtn_code, Some(1));
    assert_eq!(demo.recent_events(Some(1)).await.unwrap().events.len(), 1);
    assert!(demo
        .result_page(Some(&created.event_id), None)
        .await
        .unwrap()
        .contains("paid"));
    assert!(demo.back_page(None).await.unwrap().contains("Back"));
    assert!(demo.home().await.unwrap().contains("Demo"));
    let posted = demo.post_result(&d.form_body).await.unwrap();
    assert_eq!(posted["verified"], serde_json::json!(true));
}

#[tokio::test]
async fn demo_mock_answers_422_like_fastapi() {
    let sim = Simulator::start().await;
    // bypass client-side validation with a raw request
    let resp = reqwest::Client::new()
        .post(format!("{}/api/integrations/orders", sim.base_url()))
        .json(&serde_json::json!({"source": "d", "order_id": "DEMO-1", "customer_name": "Al", "customer_email": "a@b.co", "amount": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    let v: ecpay_sdk::demo::HttpValidationError = resp.json().await.unwrap();
    let locs: Vec<String> = v.detail.iter().map(|d| d.location()).collect();
    assert_eq!(locs, ["body.source", "body.amount"]);
    let client = sim.client();
    assert!(matches!(
        client.demo().event("evt_missing").await,
        Err(Error::Api { status: 404, .. })
    ));
}

#[tokio::test]
async fn merchant_mock_signs_and_fails_with_system_error() {
    let sim = Simulator::start().await;
    let client = sim.client();
    let req = MerchantCheckoutRequest {
        order_date: "2025/05/03 14:30:00".into(),
        order_item: "Item1".into(),
        shipping_type: "HOME".into(),
        payment_type: "Credit".into(),
        shopper_name: "Alex".into(),
        shopper_paid_amount: 500,
        discount_total: 0,
        shipping_fee: 0,
        receiver_name: "Alex".into(),
        receiver_phone: "0912345678".into(),
        receiver_address: "Taipei".into(),
        total_amount: 500,
        item_name: "Item1".into(),
    };
    let c = client.merchant().checkout(&req).await.unwrap();
    assert!(c.verified);
    assert_eq!(c.params.choose_payment, "Credit");
    // the returned parameters are accepted by the cashier
    let signed = client.merchant().to_signed_checkout(&c);
    assert!(sim.submit_checkout(&signed.fields).await.unwrap().accepted);

    let resp = reqwest::Client::new()
        .post(format!("{}/api/payment/ecpay/checkout", sim.base_url()))
        .json(&serde_json::json!({"totalAmount": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 500);
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["errorCode"], "SYSTEM_ERROR");
}

#[tokio::test]
async fn unknown_routes_fail_loudly() {
    let sim = Simulator::start().await;
    let resp = reqwest::get(format!("{}/nope", sim.base_url()))
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("no route for GET /nope"));
}

/// Finding (issue 13, "`&` inside a value"): checkout accepts `&` in ItemName/CustomField, and
/// ECPay echoes them raw in the QueryTradeInfo answer; a parser splitting on every `&` failed
/// the answer's CheckMacValue and a paid order read as a forgery. The simulator answers raw
/// like ECPay (its QueryTradeInfo body is `k=v&…` unescaped).
#[tokio::test]
async fn ampersand_in_values_survives_query_trade_info() {
    let sim = Simulator::start().await;
    let client = sim.client();
    let cases = [
        ("plain ampersand", "AMP0001", "Tea&Cake", "cart&1"),
        (
            "ampersand then name=",
            "AMP0002",
            "Tea&Cake=2#Mug",
            "a&TradeAmt=1",
        ),
    ];
    for (name, no, item, custom) in cases {
        let mut req = request(no, "https://shop.example/return");
        req.item_name = item.into();
        req.custom_fields[0] = Some(custom.into());
        let form = client.aio().checkout(&req).unwrap();
        assert!(sim.submit(&form).await.unwrap().accepted, "case {name}");
        let info = client.aio().query_trade_info(no).await;
        let info = info.unwrap_or_else(|e| panic!("case {name}: {e}"));
        assert_eq!(info.item_name, item, "case {name}");
        assert_eq!(info.custom_fields[0], custom, "case {name}");
        assert_eq!(info.trade_amt, 1200, "case {name}");
    }
}

/// The simulator's vocabulary: `pay` returns the merchant's reply, `redeliver` posts the same
/// signed callback again (ECPay's duplicate delivery), and a verifier recording deliveries
/// tells the two apart.
#[tokio::test]
async fn redelivery_is_the_same_signed_callback_and_reads_as_repeat() {
    let sim = Simulator::start().await;
    let merchant = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string(ACK))
        .mount(&merchant)
        .await;
    sim.set_callback_url(format!("{}/hook", merchant.uri()));
    let client = sim.client();
    let form = client
        .aio()
        .checkout(&request("RED0001", "https://shop.example/return"))
        .unwrap();
    assert!(sim.submit(&form).await.unwrap().accepted);
    assert!(sim.pay("RED0001").await.unwrap().acknowledged());
    assert!(sim.redeliver("RED0001").await.unwrap().acknowledged());
    let posted = merchant.received_requests().await.unwrap();
    assert_eq!(posted.len(), 2);
    assert_eq!(
        posted[0].body, posted[1].body,
        "the re-delivery is byte for byte the same"
    );
    assert_eq!(posted[0].url.path(), "/hook");

    let verifier = sim.verifier();
    let deliveries: Vec<_> = {
        let mut out = Vec::new();
        for p in &posted {
            out.push(verifier.verify_and_record(&p.body).await.unwrap().delivery);
        }
        out
    };
    use ecpay_sdk::webhook::Delivery;
    assert_eq!(deliveries, [Delivery::First, Delivery::Repeat]);

    // Nothing delivered yet for an unknown order: an error, never an empty success.
    assert!(sim.redeliver("NOPE0001").await.is_err());
}
