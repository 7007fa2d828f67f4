//! End-to-end tests of the client against the `testing` simulator.

mod common;

use std::time::Duration;

use common::dec;
use futures::TryStreamExt;
use octopus_sdk::orders::{CreateOrder, ListOrders, UpdateOrder};
use octopus_sdk::payments::{CreatePayment, UpdatePaymentStatus};
use octopus_sdk::testing::{Fault, FaultKind, Simulator, SimulatorConfig};
use octopus_sdk::webhook::{self, TransactionStatus, WebhookEventType};
use octopus_sdk::{ApiErrorCode, Error, OrderStatus, PaymentStatus, SortOrder};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn full_flow_with_signed_webhook() {
    let sim = Simulator::start().await;
    let c = sim.client();
    // A merchant endpoint receiving the webhook.
    let merchant = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/webhook"))
        .respond_with(ResponseTemplate::new(200).set_body_string(webhook::ACK))
        .expect(1)
        .mount(&merchant)
        .await;
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

#[tokio::test]
async fn wrong_credentials_are_401() {
    let sim = Simulator::start().await;
    let wrong_token = sim.client_builder().api_token("nope").build().unwrap();
    let e = wrong_token.orders().get("x").await.unwrap_err();
    assert!(matches!(e, Error::Api { status: 401, .. }), "{e:?}");
    let wrong_key = sim.client_builder().api_key("nope").build().unwrap();
    assert!(matches!(
        wrong_key.orders().get("x").await,
        Err(Error::Api { status: 401, .. })
    ));
    let wrong_secret = sim
        .client_builder()
        .merchant(sim.merchant_id().to_owned(), "wrong-secret")
        .build()
        .unwrap();
    let e = wrong_secret.orders().get("x").await.unwrap_err();
    assert_eq!(e.api_code(), Some(&ApiErrorCode::InvalidSignature));
    let wrong_merchant = sim.client_builder().merchant("other", "x").build().unwrap();
    let e = wrong_merchant.orders().get("x").await.unwrap_err();
    assert_eq!(e.api_code(), Some(&ApiErrorCode::InvalidMerchantId));
    let unsigned = octopus_sdk::Client::builder()
        .base_url(sim.base_url())
        .api_token(sim.api_token().clone())
        .api_key(sim.api_key().clone())
        .build()
        .unwrap();
    let e = unsigned.orders().get("x").await.unwrap_err();
    assert_eq!(e.api_code(), Some(&ApiErrorCode::InvalidSignature));
    // And a right client reaches the handler (404 for an unknown order).
    let e = sim.client().orders().get("x").await.unwrap_err();
    assert_eq!(e.api_code(), Some(&ApiErrorCode::OrderNotFound));
}

#[tokio::test]
async fn signature_can_be_switched_off() {
    let mut cfg = SimulatorConfig::default();
    cfg.require_signature = false;
    let sim = Simulator::start_with(cfg).await;
    let c = sim.client();
    let o = c
        .orders()
        .create(&CreateOrder::new("x", dec("1")))
        .await
        .unwrap();
    let reqs = sim.received_requests().await;
    assert!(reqs[0].headers.get("x-octopus-signature").is_none());
    assert_eq!(sim.order(&o.id).unwrap().amount, dec("1"));
}

#[tokio::test]
async fn status_rules_and_error_codes() {
    let sim = Simulator::start().await;
    let c = sim.client();
    let order = c
        .orders()
        .create(&CreateOrder::new("x", dec("10")))
        .await
        .unwrap();
    // Payment amount must match the order.
    let e = c
        .payments()
        .create(&CreatePayment::new(&order.id, dec("9")))
        .await
        .unwrap_err();
    assert_eq!(e.api_code(), Some(&ApiErrorCode::InvalidAmount));
    // Unknown order.
    let e = c
        .payments()
        .create(&CreatePayment::new("missing", dec("9")))
        .await
        .unwrap_err();
    assert_eq!(e.api_code(), Some(&ApiErrorCode::OrderNotFound));
    let p = c
        .payments()
        .create(&CreatePayment::new(&order.id, dec("10")))
        .await
        .unwrap();
    // A second create resolves to the same payment (PAYMENT_ALREADY_EXISTS).
    let again = c
        .payments()
        .create(&CreatePayment::new(&order.id, dec("10")))
        .await
        .unwrap();
    assert_eq!(again.id, p.id);
    assert_eq!(sim.payments().len(), 1);
    // Amount cannot change once a payment exists.
    let e = c
        .orders()
        .update(
            &order.id,
            &UpdateOrder {
                amount: Some(dec("11")),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.api_code(), Some(&ApiErrorCode::InvalidAmount));
    // pending -> failed is allowed; failed -> completed is not.
    let mut fail = UpdatePaymentStatus::new(PaymentStatus::Failed);
    fail.failure_reason = Some("card declined".into());
    let ch = c.payments().update_status(&p.id, &fail).await.unwrap();
    assert_eq!(ch.status, PaymentStatus::Failed);
    assert_eq!(ch.failure_reason.as_deref(), Some("card declined"));
    let e = c.payments().simulate(&p.id).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Api {
                status: 422,
                code: Some(ApiErrorCode::ValidationError),
                ..
            }
        ),
        "{e:?}"
    );
    // After a failed payment a new one may be created.
    let p2 = c
        .payments()
        .create(&CreatePayment::new(&order.id, dec("10")))
        .await
        .unwrap();
    assert_ne!(p2.id, p.id);
    // An expired payment cannot be simulated.
    let o3 = c
        .orders()
        .create(&CreateOrder::new("z", dec("2")))
        .await
        .unwrap();
    let p3 = c
        .payments()
        .create(&CreatePayment::new(&o3.id, dec("2")))
        .await
        .unwrap();
    assert!(sim.expire_payment(&p3.id));
    let e = c.payments().simulate(&p3.id).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Api {
                status: 410,
                code: Some(ApiErrorCode::PaymentExpired),
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        c.payments()
            .get(&p3.id)
            .await
            .unwrap()
            .failure_reason
            .as_deref(),
        Some("expired")
    );
    let e = c.payments().get("nope").await.unwrap_err();
    assert_eq!(e.api_code(), Some(&ApiErrorCode::PaymentNotFound));
    // Completed orders cannot be updated.
    c.payments().simulate(&p2.id).await.unwrap();
    let e = c
        .orders()
        .update(
            &order.id,
            &UpdateOrder {
                description: Some("y".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.api_code(), Some(&ApiErrorCode::ValidationError));
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
    let o = c
        .orders()
        .create(&CreateOrder::new("x", dec("3")))
        .await
        .unwrap();
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
    let o = c
        .orders()
        .create(&CreateOrder::new("x", dec("3")))
        .await
        .unwrap();
    sim.inject(Fault::new(
        http::Method::POST,
        "/payments",
        FaultKind::StatusAfterApply(502),
    ));
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
    sim.inject(Fault::new(
        http::Method::POST,
        "/orders",
        FaultKind::StatusAfterApply(504),
    ));
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
    let o = c
        .orders()
        .create(&CreateOrder::new("x", dec("3")))
        .await
        .unwrap();
    let p = c
        .payments()
        .create(&CreatePayment::new(&o.id, dec("3")))
        .await
        .unwrap();
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
    let o2 = c
        .orders()
        .create(&CreateOrder::new("y", dec("4")))
        .await
        .unwrap();
    let p2 = c
        .payments()
        .create(&CreatePayment::new(&o2.id, dec("4")))
        .await
        .unwrap();
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
    let c = sim.client();
    let o = c
        .orders()
        .create(&CreateOrder::new("x", dec("3")))
        .await
        .unwrap();
    c.payments()
        .create(&CreatePayment::new(&o.id, dec("3")))
        .await
        .unwrap();
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

    let merchant = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(200).set_body_string(webhook::ACK))
        .expect(2)
        .mount(&merchant)
        .await;
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
