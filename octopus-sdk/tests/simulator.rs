//! End-to-end tests of the client against the `testing` simulator.
//!
//! The setup every test repeats (an order, its payment, a merchant endpoint
//! taking webhooks) is in the helpers below; cases that differ only in data
//! are a table with the case name in every assertion message.

mod common;

use std::time::Duration;

use common::dec;
use futures::TryStreamExt;
use octopus_sdk::orders::{CreateOrder, ListOrders, UpdateOrder};
use octopus_sdk::payments::{CreatePayment, UpdatePaymentStatus};
use octopus_sdk::testing::{Fault, FaultKind, Simulator, SimulatorConfig};
use octopus_sdk::webhook::{self, TransactionStatus, WebhookEventType};
use octopus_sdk::{
    ApiErrorCode, Client, Error, Order, OrderStatus, Payment, PaymentStatus, SortOrder,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// An order for `amount`, created through the simulator's API.
async fn order(c: &Client, description: &str, amount: &str) -> Order {
    c.orders()
        .create(&CreateOrder::new(description, dec(amount)))
        .await
        .expect("the simulator creates the order")
}

/// A new order and its pending payment for the same amount.
async fn order_and_payment(c: &Client, description: &str, amount: &str) -> (Order, Payment) {
    let o = order(c, description, amount).await;
    let p = c
        .payments()
        .create(&CreatePayment::new(&o.id, dec(amount)))
        .await
        .expect("the simulator creates the payment");
    (o, p)
}

/// A merchant endpoint at `at` that acknowledges webhooks with `webhook::ACK`
/// and must receive exactly `deliveries` of them.
async fn merchant_endpoint(at: &str, deliveries: u64) -> MockServer {
    let merchant = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(at))
        .respond_with(ResponseTemplate::new(200).set_body_string(webhook::ACK))
        .expect(deliveries)
        .mount(&merchant)
        .await;
    merchant
}

/// The next POST to `at` takes effect, but its answer is lost: the client gets `status`.
fn lose_the_answer(sim: &Simulator, at: &str, status: u16) {
    sim.inject(Fault::new(
        http::Method::POST,
        at,
        FaultKind::StatusAfterApply(status),
    ));
}

/// Asserts that the call `step` failed with this API code.
fn assert_code<T: std::fmt::Debug>(step: &str, r: Result<T, Error>, want: ApiErrorCode) {
    let e = r.expect_err(step);
    assert_eq!(e.api_code(), Some(&want), "{step}: {e:?}");
}

/// Asserts that the call `step` failed as `Error::Api` with this status and code.
fn assert_refused<T: std::fmt::Debug>(
    step: &str,
    r: Result<T, Error>,
    status: u16,
    code: ApiErrorCode,
) {
    match r {
        Err(Error::Api {
            status: s, code: c, ..
        }) => {
            assert_eq!((s, c), (status, Some(code)), "{step}")
        }
        other => panic!("{step}: want Error::Api, got {other:?}"),
    }
}

#[tokio::test]
async fn full_flow_with_signed_webhook() {
    let sim = Simulator::start().await;
    let c = sim.client();
    let merchant = merchant_endpoint("/webhook", 1).await;
    sim.set_callback_url(format!("{}/webhook", merchant.uri()));

    let order = c
        .orders()
        .create(&CreateOrder::new("Tea", dec("25.50")).customer_email("a@b.hk"))
        .await
        .unwrap();
    assert_eq!(order.status, OrderStatus::Pending);
    let payment = c
        .payments()
        .create(&CreatePayment::new(&order.id, dec("25.50")))
        .await
        .unwrap();
    assert_eq!(payment.status, PaymentStatus::Pending);
    let qr = payment.qr_code_data.clone().unwrap().data.unwrap();
    assert_eq!(qr.payment_id.as_deref(), Some(payment.id.as_str()));
    assert_eq!(qr.amount, Some(dec("25.50")));

    let got = c.orders().get(&order.id).await.unwrap();
    assert_eq!(got.payment.unwrap().id, payment.id);

    let done = c.payments().simulate(&payment.id).await.unwrap();
    assert_eq!(done.status, PaymentStatus::Completed);
    assert!(done.octopus_transaction_id.unwrap().starts_with("sim_"));
    assert_eq!(
        c.orders().get(&order.id).await.unwrap().status,
        OrderStatus::Completed
    );

    // The webhook arrives signed; verify it with the SDK and recompute locally.
    let deliveries = sim.wait_for_webhooks(1, Duration::from_secs(5)).await;
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].status, Some(200));
    let reqs = merchant.received_requests().await.unwrap();
    let r = &reqs[0];
    let expected = common::hmac_hex(sim.webhook_secret().expose().as_bytes(), &[&r.body]);
    assert_eq!(r.headers["x-octopus-signature"], expected.as_str());
    let event = sim.verifier().verify(&r.headers, &r.body).unwrap();
    assert_eq!(event.event_type, WebhookEventType::PaymentCompleted);
    assert_eq!(event.status, TransactionStatus::Success);
    assert_eq!(event.order_id, order.id);
    assert_eq!(event.amount, dec("25.50"));
    assert_eq!(event.merchant_id.as_deref(), Some(sim.merchant_id()));
    assert_eq!(event.money().to_string(), "HK$25.50");

    // Final status via wait_for_payment (already final: returns at once).
    let p = c
        .payments()
        .wait_for_payment(&payment.id, Duration::from_secs(2))
        .await
        .unwrap();
    assert_eq!(p.status, PaymentStatus::Completed);
    assert!(p.completed_at.is_some());
}

/// What the simulator answers a client with these credentials.
enum Refusal {
    Status(u16),
    Code(ApiErrorCode),
}

#[tokio::test]
async fn wrong_credentials_are_401() {
    use Refusal::{Code, Status};
    let sim = Simulator::start().await;
    let b = || sim.client_builder();
    let unsigned = Client::builder()
        .base_url(sim.base_url())
        .api_token(sim.api_token().clone())
        .api_key(sim.api_key().clone())
        .build()
        .unwrap();
    let merchant = sim.merchant_id().to_owned();
    let cases: Vec<(&str, Client, Refusal)> = vec![
        (
            "wrong api token",
            b().api_token("nope").build().unwrap(),
            Status(401),
        ),
        (
            "wrong api key",
            b().api_key("nope").build().unwrap(),
            Status(401),
        ),
        (
            "wrong merchant secret",
            b().merchant(merchant, "wrong-secret").build().unwrap(),
            Code(ApiErrorCode::InvalidSignature),
        ),
        (
            "wrong merchant id",
            b().merchant("other", "x").build().unwrap(),
            Code(ApiErrorCode::InvalidMerchantId),
        ),
        ("unsigned", unsigned, Code(ApiErrorCode::InvalidSignature)),
        // And a right client reaches the handler (404 for an unknown order).
        (
            "right credentials",
            sim.client(),
            Code(ApiErrorCode::OrderNotFound),
        ),
    ];
    for (name, client, want) in cases {
        let e = client.orders().get("x").await.expect_err(name);
        match want {
            Status(s) => assert!(
                matches!(e, Error::Api { status, .. } if status == s),
                "{name}: {e:?}"
            ),
            Code(code) => assert_eq!(e.api_code(), Some(&code), "{name}"),
        }
    }
}

#[tokio::test]
async fn signature_can_be_switched_off() {
    let mut cfg = SimulatorConfig::default();
    cfg.require_signature = false;
    let sim = Simulator::start_with(cfg).await;
    let o = order(&sim.client(), "x", "1").await;
    let reqs = sim.received_requests().await;
    assert!(reqs[0].headers.get("x-octopus-signature").is_none());
    assert_eq!(sim.order(&o.id).unwrap().amount, dec("1"));
}

#[tokio::test]
async fn status_rules_and_error_codes() {
    let sim = Simulator::start().await;
    let c = sim.client();
    let pay = |order_id: &str, amount: &str| CreatePayment::new(order_id, dec(amount));
    let order = order(&c, "x", "10").await;
    let r = c.payments().create(&pay(&order.id, "9")).await;
    assert_code(
        "payment amount must match the order",
        r,
        ApiErrorCode::InvalidAmount,
    );
    let r = c.payments().create(&pay("missing", "9")).await;
    assert_code("unknown order", r, ApiErrorCode::OrderNotFound);
    let p = c.payments().create(&pay(&order.id, "10")).await.unwrap();
    // A second create resolves to the same payment (PAYMENT_ALREADY_EXISTS).
    let again = c.payments().create(&pay(&order.id, "10")).await.unwrap();
    assert_eq!(again.id, p.id);
    assert_eq!(sim.payments().len(), 1);
    let update = UpdateOrder {
        amount: Some(dec("11")),
        ..Default::default()
    };
    let r = c.orders().update(&order.id, &update).await;
    assert_code(
        "amount cannot change once a payment exists",
        r,
        ApiErrorCode::InvalidAmount,
    );
    // pending -> failed is allowed; failed -> completed is not.
    let mut fail = UpdatePaymentStatus::new(PaymentStatus::Failed);
    fail.failure_reason = Some("card declined".into());
    let ch = c.payments().update_status(&p.id, &fail).await.unwrap();
    assert_eq!(ch.status, PaymentStatus::Failed);
    assert_eq!(ch.failure_reason.as_deref(), Some("card declined"));
    let r = c.payments().simulate(&p.id).await;
    assert_refused("failed -> completed", r, 422, ApiErrorCode::ValidationError);
    // After a failed payment a new one may be created.
    let p2 = c.payments().create(&pay(&order.id, "10")).await.unwrap();
    assert_ne!(p2.id, p.id);
    // An expired payment cannot be simulated.
    let (_, p3) = order_and_payment(&c, "z", "2").await;
    assert!(sim.expire_payment(&p3.id));
    let r = c.payments().simulate(&p3.id).await;
    assert_refused(
        "simulate an expired payment",
        r,
        410,
        ApiErrorCode::PaymentExpired,
    );
    let expired = c.payments().get(&p3.id).await.unwrap();
    assert_eq!(expired.failure_reason.as_deref(), Some("expired"));
    let r = c.payments().get("nope").await;
    assert_code("unknown payment", r, ApiErrorCode::PaymentNotFound);
    c.payments().simulate(&p2.id).await.unwrap();
    let update = UpdateOrder {
        description: Some("y".into()),
        ..Default::default()
    };
    let r = c.orders().update(&order.id, &update).await;
    assert_code(
        "completed orders cannot be updated",
        r,
        ApiErrorCode::ValidationError,
    );
    // completed -> refunded.
    let r = c
        .payments()
        .update_status(&p2.id, &UpdatePaymentStatus::new(PaymentStatus::Refunded))
        .await
        .unwrap();
    assert_eq!(r.status, PaymentStatus::Refunded);
}

#[tokio::test]
async fn listing_filters_sorts_and_walks_every_page() {
    let sim = Simulator::start().await;
    let c = sim.client();
    for i in 1..=23u32 {
        let status = if i % 3 == 0 {
            OrderStatus::Cancelled
        } else {
            OrderStatus::Pending
        };
        sim.insert_order(&format!("o{i}"), rust_decimal::Decimal::from(i), status);
    }
    let all: Vec<_> = c
        .orders()
        .list_all(ListOrders {
            limit: Some(5),
            order: Some(SortOrder::Asc),
            ..Default::default()
        })
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 23);
    let descs: Vec<_> = all.iter().map(|o| o.description.clone().unwrap()).collect();
    assert_eq!(descs[0], "o1");
    assert_eq!(descs[22], "o23");
    // 23 orders, 5 a page: exactly 5 GETs.
    let gets = sim.received_requests().await.len();
    assert_eq!(gets, 5);

    let page = c
        .orders()
        .list(&ListOrders {
            status: Some(OrderStatus::Pending),
            amount_min: Some(dec("5")),
            amount_max: Some(dec("12")),
            sort: Some("amount".into()),
            order: Some(SortOrder::Desc),
            ..Default::default()
        })
        .await
        .unwrap();
    let amounts: Vec<_> = page.items.iter().map(|o| o.amount.to_string()).collect();
    assert_eq!(amounts, ["11", "10", "8", "7", "5"]);
    let p = page.pagination.unwrap();
    assert_eq!((p.page, p.limit, p.total, p.total_pages), (1, 10, 5, 1));
}

#[tokio::test]
async fn gets_retry_through_injected_faults() {
    let sim = Simulator::start().await;
    let c = sim.client();
    let o = order(&c, "x", "3").await;
    sim.inject(Fault::new(http::Method::GET, "/orders/", FaultKind::Status(503)).times(2));
    assert_eq!(c.orders().get(&o.id).await.unwrap().id, o.id);
    sim.inject(
        Fault::new(
            http::Method::GET,
            "/orders/",
            FaultKind::ApiError(429, "RATE_LIMIT_EXCEEDED".into()),
        )
        .times(5),
    );
    let e = c.orders().get(&o.id).await.unwrap_err();
    // Throttled on every attempt: the typed rate-limit error, no Retry-After sent.
    assert!(
        matches!(
            e,
            Error::RateLimited {
                retry_after: None,
                status: 429,
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn lost_create_payment_response_resolves_to_the_created_payment() {
    let sim = Simulator::start().await;
    let c = sim.client();
    let o = order(&c, "x", "3").await;
    lose_the_answer(&sim, "/payments", 502);
    let p = c
        .payments()
        .create(&CreatePayment::new(&o.id, dec("3")))
        .await
        .unwrap();
    assert_eq!(sim.payments().len(), 1, "no duplicate payment was created");
    assert_eq!(sim.payments()[0].id, p.id);
}

#[tokio::test]
async fn lost_create_order_response_is_outcome_unknown() {
    let sim = Simulator::start().await;
    let c = sim.client();
    lose_the_answer(&sim, "/orders", 504);
    let e = c
        .orders()
        .create(&CreateOrder::new("x", dec("3")))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), octopus_sdk::ErrorKind::OutcomeUnknown, "{e:?}");
    assert_eq!(sim.orders().len(), 1, "it was in fact applied");
}

#[tokio::test]
async fn wait_for_payment_polls_until_final() {
    let sim = Simulator::start().await;
    let c = sim.client();
    let (_, p) = order_and_payment(&c, "x", "3").await;
    let waiter = {
        let c = c.clone();
        let id = p.id.clone();
        tokio::spawn(async move {
            c.payments()
                .wait_for_payment(&id, Duration::from_secs(10))
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(120)).await;
    sim.simulate_payment(&p.id).await.unwrap();
    let done = waiter.await.unwrap().unwrap();
    assert_eq!(done.status, PaymentStatus::Completed);
    // And a timeout when nothing happens.
    let (_, p2) = order_and_payment(&c, "y", "4").await;
    let e = c
        .payments()
        .wait_for_payment(&p2.id, Duration::from_millis(150))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
}

/// The simulator's vocabulary (issue 14): `pay` delivers the signed webhook
/// and returns the merchant's reply; `redeliver` sends the same signed body
/// again; without a callback URL `pay` is an error, never a silent success.
#[tokio::test]
async fn pay_and_redeliver_return_the_merchants_reply() {
    let sim = Simulator::start().await;
    let (o, _) = order_and_payment(&sim.client(), "x", "3").await;
    let e = sim.pay(&o.id).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Config {
                field: "callback_url",
                ..
            }
        ),
        "{e:?}"
    );
    assert!(sim.webhook_deliveries().is_empty(), "nothing was delivered");

    let merchant = merchant_endpoint("/hook", 2).await;
    sim.set_callback_url(format!("{}/hook", merchant.uri()));
    let reply = sim.pay(&o.id).await.unwrap();
    assert_eq!((reply.status, reply.body.as_str()), (200, webhook::ACK));
    let again = sim.redeliver(&o.id).await.unwrap();
    assert_eq!(again.status, 200);

    let reqs = merchant.received_requests().await.unwrap();
    assert_eq!(reqs[0].body, reqs[1].body, "the same signed body");
    let v = sim.verifier();
    let first = v
        .verify_and_record(&reqs[0].headers, &reqs[0].body)
        .await
        .unwrap();
    let second = v
        .verify_and_record(&reqs[1].headers, &reqs[1].body)
        .await
        .unwrap();
    assert_eq!(first.delivery, sign_core::replay::Delivery::First);
    assert_eq!(second.delivery, sign_core::replay::Delivery::Repeat);
    assert_eq!(first.event.event_type, WebhookEventType::PaymentCompleted);
    assert_eq!(first.event.order_id, o.id);
}
