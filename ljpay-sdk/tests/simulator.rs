//! The `testing` simulator: signature checks, state rules, webhooks.
#![cfg(feature = "testing")]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::routing::post;
use axum::Router;
use common::expected_signature;
use ljpay_sdk::testing::{Fault, Simulator};
use ljpay_sdk::webhook::{Delivery, Verifier, WebhookEvent, ACK};
use ljpay_sdk::{
    Channel, Client, CreateOrderOutcome, CreateOrderRequest, Error, ErrorCode, Instructions,
    OrderStatus, RefundRequest, RefundStatus,
};

fn code_of<T: std::fmt::Debug>(r: Result<T, Error>) -> (u16, ErrorCode) {
    match r {
        Err(Error::Api { status, code, .. }) => (status, code),
        other => panic!("expected an API error, got {other:?}"),
    }
}

type Received = Arc<Mutex<Vec<(WebhookEvent, Delivery)>>>;

/// A merchant webhook endpoint on 127.0.0.1 that verifies with the SDK and records events.
async fn merchant_endpoint(config: Verifier) -> (String, Received) {
    async fn handle(
        State((config, seen)): State<(Arc<Verifier>, Received)>,
        method: Method,
        uri: Uri,
        headers: HeaderMap,
        body: Bytes,
    ) -> (StatusCode, &'static str) {
        let target = uri.path_and_query().map_or("/", |p| p.as_str());
        match config
            .verify_and_record(&method, target, &headers, &body)
            .await
        {
            Ok(got) => {
                seen.lock().unwrap().push((got.event, got.delivery));
                (StatusCode::OK, ACK)
            }
            Err(Error::Replayed) => (StatusCode::UNAUTHORIZED, "replayed"),
            Err(_) => (StatusCode::UNAUTHORIZED, "refused"),
        }
    }
    let seen: Received = Arc::default();
    let app = Router::new()
        .route("/shop/ljpay-hook", post(handle))
        .with_state((Arc::new(config), seen.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/shop/ljpay-hook?src=sim"), seen)
}

#[tokio::test]
async fn order_lifecycle_with_webhook() {
    let sim = Simulator::start().await;
    let client = sim.client();
    let (hook_url, seen) = merchant_endpoint(sim.verifier()).await;
    sim.set_callback_url(&hook_url).unwrap();

    let mut meta = serde_json::Map::new();
    meta.insert("cart".into(), serde_json::json!({"sku": "tea", "qty": 2}));
    let req = CreateOrderRequest::new("B-100", 1000, Channel::WechatNative, "tea").metadata(meta);
    let created = client.orders().create(&req).await.unwrap();
    let CreateOrderOutcome::Created(created) = created else {
        panic!("expected Created")
    };
    let Some(Instructions::Qr(qr)) = &created.instructions else {
        panic!("QR for wechat_native")
    };
    assert!(qr.png_bytes().is_ok());
    assert!(created.expires_at.unwrap() > chrono::Utc::now());

    // A second pending order for the same business number: 409.
    assert_eq!(
        code_of(client.orders().create(&req).await),
        (409, ErrorCode::DuplicatePendingOrder)
    );
    // Not refundable while pending.
    assert_eq!(
        code_of(
            client
                .refunds()
                .create(&RefundRequest::new("B-100", "R-0", 1))
                .await
        ),
        (400, ErrorCode::OrderNotRefundable)
    );

    let reply = sim.pay("B-100").await.unwrap();
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (200, ACK),
        "merchant endpoint verified the webhook"
    );
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        let (ev, delivery) = &seen[0];
        assert_eq!(*delivery, Delivery::First);
        assert_eq!(ev.order_no, created.order_no);
        assert_eq!(ev.status, OrderStatus::Paid);
        assert_eq!(ev.paid_amount_fen, Some(1000));
        assert!(ev.paid_at.is_some());
        assert_eq!(
            ev.metadata.as_ref().unwrap().get(),
            r#"{"cart":{"qty":2,"sku":"tea"}}"#
        );
    }

    // A redelivery is freshly signed, so the merchant's replay protection lets it through,
    // and it is recognised as a repeat of the same event.
    let again = sim.redeliver(&created.order_no).await.unwrap();
    assert_eq!(again.status, 200);
    assert_eq!(seen.lock().unwrap().len(), 2);
    assert_eq!(seen.lock().unwrap()[1].1, Delivery::Repeat);
    // An attacker's replay of the captured delivery (same nonce) is refused.
    let replay = sim.replay_last_delivery(&created.order_no).await.unwrap();
    assert_eq!((replay.status, replay.body.as_str()), (401, "replayed"));
    assert_eq!(seen.lock().unwrap().len(), 2);

    let by_no = client
        .orders()
        .get_by_order_no(&created.order_no)
        .await
        .unwrap();
    assert_eq!(by_no.status, OrderStatus::Paid);
    assert_eq!(
        code_of(client.orders().create(&req).await),
        (409, ErrorCode::OrderAlreadyPaid)
    );
    assert_eq!(
        code_of(client.orders().cancel("B-100").await),
        (400, ErrorCode::OrderAlreadyPaid)
    );

    // Refunds: partial, idempotent repeat, exceeding, the rest.
    let r1 = client
        .refunds()
        .create(&RefundRequest::new("B-100", "R-1", 400))
        .await
        .unwrap();
    assert_eq!(r1.status, RefundStatus::Success);
    let again = client
        .refunds()
        .create(&RefundRequest::new("B-100", "R-1", 400))
        .await
        .unwrap();
    assert_eq!(
        again.refund_no, r1.refund_no,
        "same out_refund_no, same refund"
    );
    assert_eq!(
        client
            .orders()
            .get_by_biz_order_no("B-100")
            .await
            .unwrap()
            .status,
        OrderStatus::PartialRefunded
    );
    assert_eq!(
        code_of(
            client
                .refunds()
                .create(&RefundRequest::new("B-100", "R-2", 601))
                .await
        ),
        (400, ErrorCode::RefundAmountExceeded)
    );
    client
        .refunds()
        .create(&RefundRequest::new("B-100", "R-3", 600))
        .await
        .unwrap();
    let o = sim.order("B-100").unwrap();
    assert_eq!(o.status, OrderStatus::Refunded);
    assert_eq!(o.refunded_fen, 1000);
    assert_eq!(sim.refunds().len(), 2);
    assert_eq!(
        code_of(
            client
                .refunds()
                .create(&RefundRequest::new("B-404", "R-9", 1))
                .await
        ),
        (404, ErrorCode::OrderNotFound)
    );
}

#[tokio::test]
async fn cancel_instructions_and_reuse_after_cancel() {
    let sim = Simulator::start().await;
    let client = sim.client();
    let req = CreateOrderRequest::new("B-200", 50, Channel::AlipayPc, "s")
        .return_url("https://shop.example/back");
    let out = client.orders().create(&req).await.unwrap();
    assert!(matches!(
        out.instructions(),
        Some(Instructions::Redirect(_))
    ));
    client.orders().cancel("B-200").await.unwrap();
    assert_eq!(sim.order("B-200").unwrap().status, OrderStatus::Canceled);
    // Canceled orders free the business number.
    client.orders().create(&req).await.unwrap();
    assert_eq!(sim.orders().len(), 2);
    assert_eq!(
        code_of(client.orders().cancel("B-none").await),
        (404, ErrorCode::OrderNotFound)
    );
    let jsapi = client
        .orders()
        .create(&CreateOrderRequest::new("B-201", 50, Channel::WechatJsapi, "s").payer_openid("o1"))
        .await
        .unwrap();
    assert!(matches!(jsapi.instructions(), Some(Instructions::Jsapi(_))));
    // Paying a canceled order is PAY_AFTER_CLOSE.
    sim.expire("B-201").unwrap();
    sim.mark_paid("B-201").unwrap();
    assert_eq!(
        sim.order("B-201").unwrap().status,
        OrderStatus::PayAfterClose
    );
}

#[tokio::test]
async fn bad_credentials_get_the_spec_401_codes() {
    let sim = Simulator::start().await;
    let wrong_secret = sim.client_builder().secret("wrong").build().unwrap();
    assert_eq!(
        code_of(wrong_secret.orders().get_by_order_no("lp_x").await),
        (401, ErrorCode::InvalidSignature)
    );
    let wrong_site = sim.client_builder().site_code("nope").build().unwrap();
    assert_eq!(
        code_of(wrong_site.orders().get_by_order_no("lp_x").await),
        (401, ErrorCode::SiteNotFound)
    );

    // Hand-made requests: a stale timestamp, then a replayed nonce.
    let http = reqwest::Client::new();
    let path = "/api/v1/order/by-pay-no/lp_x";
    let send = |ts: i64, nonce: &'static str| {
        let sig = expected_signature(
            sim.secret().expose(),
            "GET",
            path,
            &ts.to_string(),
            nonce,
            sim.site_code(),
            b"",
        );
        http.get(format!("{}{path}", sim.base_url()))
            .header("X-Pay-Site", sim.site_code())
            .header("X-Pay-Timestamp", ts.to_string())
            .header("X-Pay-Nonce", nonce)
            .header("X-Pay-Signature", sig)
            .send()
    };
    let now = chrono::Utc::now().timestamp();
    let stale = send(now - 3600, "0123456789abcdef0123456789abcdef")
        .await
        .unwrap();
    assert_eq!(stale.status(), 401);
    let body: serde_json::Value = stale.json().await.unwrap();
    assert_eq!(body["code"], "EXPIRED_TIMESTAMP");

    let first = send(now, "fedcba9876543210fedcba9876543210").await.unwrap();
    assert_eq!(
        first.status(),
        404,
        "signed correctly; the order just is not there"
    );
    let replay = send(now, "fedcba9876543210fedcba9876543210").await.unwrap();
    assert_eq!(replay.status(), 401);
    let body: serde_json::Value = replay.json().await.unwrap();
    assert_eq!(body["code"], "REPLAYED_NONCE");

    let unsigned = http
        .get(format!("{}{path}", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 401);
    assert_eq!(sim.stats().rejected, 5);
}

#[tokio::test]
async fn lost_create_answer_never_makes_two_orders() {
    let sim = Simulator::start().await;
    let client = sim
        .client_builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    // The order is created, but the answer comes after the client gave up.
    sim.inject_fault(Fault::DelayAnswer(Duration::from_secs(2)));
    let out = client
        .orders()
        .create(&CreateOrderRequest::new(
            "B-300",
            10,
            Channel::AlipayQr,
            "s",
        ))
        .await
        .unwrap();
    assert!(
        matches!(out, CreateOrderOutcome::AlreadyExists(_)),
        "{out:?}"
    );
    assert_eq!(sim.orders().len(), 1);
    assert_eq!(out.order_no(), sim.orders()[0].order_no);

    // A 503 before processing: lookup says not found, the create is sent again.
    sim.inject_fault(Fault::Respond {
        status: 503,
        body: "maintenance".into(),
    });
    let out = client
        .orders()
        .create(&CreateOrderRequest::new(
            "B-301",
            10,
            Channel::AlipayQr,
            "s",
        ))
        .await
        .unwrap();
    assert!(matches!(out, CreateOrderOutcome::Created(_)));
    assert_eq!(sim.orders().len(), 2);
}

#[tokio::test]
async fn base_url_with_a_prefix_works_against_the_simulator() {
    let sim = Simulator::start().await;
    let client = Client::builder()
        .base_url(format!("{}/gateway", sim.base_url()))
        .site_code(sim.site_code())
        .secret(sim.secret().clone())
        .build()
        .unwrap();
    let out = client
        .orders()
        .create(&CreateOrderRequest::new(
            "B/1 x",
            10,
            Channel::WechatNative,
            "s",
        ))
        .await
        .unwrap();
    let o = client.orders().get_by_biz_order_no("B/1 x").await.unwrap();
    assert_eq!(o.order_no, out.order_no());
}

#[tokio::test]
async fn disabled_site_and_channel() {
    let sim = Simulator::start().await;
    let client = sim.client();
    sim.disable_channel(Channel::AlipayPage);
    let req = CreateOrderRequest::new("B-400", 10, Channel::AlipayPc, "s")
        .return_url("https://shop.example/r");
    assert_eq!(
        code_of(client.orders().create(&req).await),
        (400, ErrorCode::ChannelDisabled),
        "alipay_pc is the alipay_page route"
    );
    assert!(client
        .orders()
        .create(&CreateOrderRequest::new(
            "B-401",
            10,
            Channel::WechatNative,
            "s"
        ))
        .await
        .is_ok());
    sim.set_site_disabled(true);
    assert_eq!(
        code_of(client.orders().get_by_biz_order_no("B-401").await),
        (401, ErrorCode::SiteDisabled)
    );
    sim.set_site_disabled(false);
    assert!(client.orders().get_by_biz_order_no("B-401").await.is_ok());
}

#[tokio::test]
async fn pay_without_a_callback_url_is_an_error_and_changes_nothing() {
    let sim = Simulator::start().await;
    let client = sim.client();
    client
        .orders()
        .create(&CreateOrderRequest::new(
            "B-600",
            10,
            Channel::AlipayQr,
            "s",
        ))
        .await
        .unwrap();
    match sim.pay("B-600").await {
        Err(Error::Config { field, .. }) => assert_eq!(field, "callback_url"),
        other => panic!("expected a configuration error, got {other:?}"),
    }
    assert_eq!(sim.order("B-600").unwrap().status, OrderStatus::Pending);
    let (url, _) = merchant_endpoint(sim.verifier()).await;
    sim.set_callback_url(&url).unwrap();
    assert!(
        matches!(sim.redeliver("B-600").await, Err(Error::Validation { .. })),
        "nothing was delivered yet"
    );
    assert!(matches!(
        sim.pay("B-none").await,
        Err(Error::Api { status: 404, .. })
    ));
}

#[test]
fn simulator_can_be_shared_across_tasks() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Simulator>();
}

#[tokio::test]
async fn lost_cancel_answer_is_resolved_by_lookup() {
    let sim = Simulator::start().await;
    let client = sim
        .client_builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    client
        .orders()
        .create(&CreateOrderRequest::new(
            "B-500",
            10,
            Channel::AlipayQr,
            "s",
        ))
        .await
        .unwrap();
    sim.inject_fault(Fault::DelayAnswer(Duration::from_secs(2)));
    client
        .orders()
        .cancel("B-500")
        .await
        .expect("resolved as canceled");
    assert_eq!(sim.order("B-500").unwrap().status, OrderStatus::Canceled);

    // A 503 before processing: still pending, so the cancel is sent again.
    client
        .orders()
        .create(&CreateOrderRequest::new(
            "B-501",
            10,
            Channel::AlipayQr,
            "s",
        ))
        .await
        .unwrap();
    sim.inject_fault(Fault::Respond {
        status: 503,
        body: "busy".into(),
    });
    client
        .orders()
        .cancel("B-501")
        .await
        .expect("canceled on the repeat");
    assert_eq!(sim.order("B-501").unwrap().status, OrderStatus::Canceled);
}

/// Finding (issue 13, LJPay): after an unknown outcome the lookup returned whatever order had
/// the same `biz_order_no`, so an old expired order came back as this call's `Ok`. Here the
/// create is refused before processing (a 503), the lookup finds the old EXPIRED order, and the
/// SDK says it is another order.
#[tokio::test]
async fn an_old_expired_order_is_never_taken_for_this_create() {
    let sim = Simulator::start().await;
    let client = sim.client();
    let req = CreateOrderRequest::new("B-700", 10, Channel::AlipayQr, "s");
    let old = client.orders().create(&req).await.unwrap();
    sim.expire("B-700").unwrap();
    sim.inject_fault(Fault::Respond {
        status: 503,
        body: "maintenance".into(),
    });
    match client.orders().create(&req).await {
        Err(Error::Conflict {
            operation,
            reference,
            reason,
        }) => {
            assert_eq!((operation, reference.as_str()), ("create_order", "B-700"));
            assert!(reason.contains(old.order_no()), "{reason}");
            assert!(reason.contains("EXPIRED"), "{reason}");
        }
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert_eq!(sim.orders().len(), 1, "no second order was made");
}
