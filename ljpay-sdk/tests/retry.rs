//! Reliability: queries retry (re-signed each time), a create never makes two orders, a refund
//! with an unknown outcome says so. Attempt counts are pinned with `Mock::expect`.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::*;
use ljpay_sdk::{
    Channel, Client, CreateOrderOutcome, CreateOrderRequest, Error, ErrorCode, RefundRequest,
};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn order_info(biz: &str) -> serde_json::Value {
    json!({"order_no": "lp_1", "biz_order_no": biz, "status": "PENDING", "amount_fen": 100})
}

fn created(biz: &str) -> serde_json::Value {
    json!({"order_no": "lp_new", "biz_order_no": biz, "amount_fen": 100})
}

/// A client whose attempts time out after 300 ms (the "lost answer" mocks wait 2 s).
fn impatient_client(s: &MockServer) -> Client {
    Client::builder()
        .base_url(s.uri())
        .site_code(SITE)
        .secret(SECRET)
        .timeout(Duration::from_millis(300))
        .retry(fast_retry())
        .build()
        .unwrap()
}

fn create_req(biz: &str) -> CreateOrderRequest {
    CreateOrderRequest::new(biz, 100, Channel::WechatNative, "tea")
}

async fn server() -> MockServer {
    let s = MockServer::start().await;
    mount_catch_all(&s).await;
    s
}

#[tokio::test]
async fn query_retries_5xx_and_resigns_every_attempt() {
    let s = server().await;
    Mock::given(method("GET"))
        .and(SignedCorrectly)
        .respond_with(ResponseTemplate::new(503).set_body_string("busy"))
        .up_to_n_times(2)
        .expect(2)
        .with_priority(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(SignedCorrectly)
        .respond_with(ResponseTemplate::new(200).set_body_json(order_info("B-1")))
        .expect(1)
        .mount(&s)
        .await;
    let o = client_for(&s)
        .orders()
        .get_by_biz_order_no("B-1")
        .await
        .unwrap();
    assert_eq!(o.order_no, "lp_1");
    let reqs = s.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 3);
    let nonces: HashSet<String> = reqs
        .iter()
        .map(|r| assert_signed(r, SITE, SECRET))
        .collect();
    assert_eq!(nonces.len(), 3, "a fresh nonce for every attempt");
}

#[tokio::test]
async fn query_retries_rate_limited_but_not_404() {
    let s = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/order/by-pay-no/lp_1"))
        .respond_with(ResponseTemplate::new(429).set_body_json(error_body("RATE_LIMITED")))
        .up_to_n_times(1)
        .expect(1)
        .with_priority(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/order/by-pay-no/lp_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(order_info("B-1")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/order/by-pay-no/lp_missing"))
        .respond_with(ResponseTemplate::new(404).set_body_json(error_body("ORDER_NOT_FOUND")))
        .expect(1)
        .mount(&s)
        .await;
    let client = client_for(&s);
    assert!(client.orders().get_by_order_no("lp_1").await.is_ok());
    let e = client
        .orders()
        .get_by_order_no("lp_missing")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(&ErrorCode::OrderNotFound));
}

#[tokio::test]
async fn query_gives_up_after_max_attempts() {
    let s = server().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500).set_body_json(error_body("CHANNEL_API_ERROR")))
        .expect(3)
        .mount(&s)
        .await;
    let e = client_for(&s)
        .orders()
        .get_by_order_no("lp_1")
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(500));
}

#[tokio::test]
async fn create_with_lost_answer_returns_the_existing_order() {
    let s = server().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/order/create"))
        .and(SignedCorrectly)
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(created("B-9"))
                .set_delay(Duration::from_secs(2)),
        )
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/order/by-biz-no/B-9"))
        .and(SignedCorrectly)
        .respond_with(ResponseTemplate::new(200).set_body_json(order_info("B-9")))
        .expect(1)
        .mount(&s)
        .await;
    let out = impatient_client(&s)
        .orders()
        .create(&create_req("B-9"))
        .await
        .unwrap();
    match out {
        CreateOrderOutcome::AlreadyExists(o) => assert_eq!(o.biz_order_no, "B-9"),
        other => panic!("expected AlreadyExists, got {other:?}"),
    }
}

#[tokio::test]
async fn create_after_unknown_and_not_found_is_sent_again() {
    let s = server().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/order/create"))
        .respond_with(ResponseTemplate::new(504).set_body_string("gateway timeout"))
        .up_to_n_times(1)
        .expect(1)
        .with_priority(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/order/create"))
        .and(SignedCorrectly)
        .respond_with(ResponseTemplate::new(200).set_body_json(created("B-5")))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/order/by-biz-no/B-5"))
        .respond_with(ResponseTemplate::new(404).set_body_json(error_body("ORDER_NOT_FOUND")))
        .expect(1)
        .mount(&s)
        .await;
    let out = client_for(&s)
        .orders()
        .create(&create_req("B-5"))
        .await
        .unwrap();
    assert!(matches!(out, CreateOrderOutcome::Created(_)));
    // The three requests, in order: create, lookup, create; the two creates differ in nonce.
    let reqs = s.received_requests().await.unwrap();
    let kinds: Vec<_> = reqs.iter().map(|r| r.method.as_str()).collect();
    assert_eq!(kinds, ["POST", "GET", "POST"]);
    assert_ne!(
        header(&reqs[0], "X-Pay-Nonce"),
        header(&reqs[2], "X-Pay-Nonce")
    );
    assert_eq!(reqs[0].body, reqs[2].body, "same body on the repeat");
}

#[tokio::test]
async fn create_duplicate_after_unknown_resolves_to_existing() {
    let s = server().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/order/create"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .with_priority(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/order/create"))
        .respond_with(
            ResponseTemplate::new(409).set_body_json(error_body("DUPLICATE_PENDING_ORDER")),
        )
        .expect(1)
        .mount(&s)
        .await;
    // First lookup: not there yet (the first create is still in flight); second: there.
    Mock::given(method("GET"))
        .and(path("/api/v1/order/by-biz-no/B-6"))
        .respond_with(ResponseTemplate::new(404).set_body_json(error_body("ORDER_NOT_FOUND")))
        .up_to_n_times(1)
        .expect(1)
        .with_priority(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/order/by-biz-no/B-6"))
        .respond_with(ResponseTemplate::new(200).set_body_json(order_info("B-6")))
        .expect(1)
        .mount(&s)
        .await;
    let out = client_for(&s)
        .orders()
        .create(&create_req("B-6"))
        .await
        .unwrap();
    assert!(matches!(out, CreateOrderOutcome::AlreadyExists(_)));
}

#[tokio::test]
async fn create_unresolvable_is_outcome_unknown() {
    let s = server().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/order/create"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/order/by-biz-no/B-8"))
        .respond_with(ResponseTemplate::new(500).set_body_string("down"))
        .expect(3)
        .mount(&s)
        .await;
    let e = impatient_client(&s)
        .orders()
        .create(&create_req("B-8"))
        .await
        .unwrap_err();
    assert!(e.is_outcome_unknown());
    match e {
        Error::OutcomeUnknown {
            operation,
            biz_order_no,
            ..
        } => {
            assert_eq!(operation, "create_order");
            assert_eq!(biz_order_no, "B-8");
        }
        other => panic!("expected OutcomeUnknown, got {other:?}"),
    }
}

#[tokio::test]
async fn create_rate_limited_is_retried_without_lookup() {
    let s = server().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).set_body_json(error_body("RATE_LIMITED")))
        .up_to_n_times(1)
        .expect(1)
        .with_priority(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(SignedCorrectly)
        .respond_with(ResponseTemplate::new(200).set_body_json(created("B-4")))
        .expect(1)
        .mount(&s)
        .await;
    let out = client_for(&s)
        .orders()
        .create(&create_req("B-4"))
        .await
        .unwrap();
    assert!(matches!(out, CreateOrderOutcome::Created(_)));
    assert_eq!(s.received_requests().await.unwrap().len(), 2, "no lookup");
}

#[tokio::test]
async fn create_to_a_closed_port_is_a_plain_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let client = Client::builder()
        .base_url(format!("http://127.0.0.1:{port}"))
        .site_code(SITE)
        .secret(SECRET)
        .retry(fast_retry())
        .build()
        .unwrap();
    let e = client
        .orders()
        .create(&create_req("B-3"))
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Transport { .. }),
        "never sent, so no doubt: {e:?}"
    );
}

#[tokio::test]
async fn refund_with_lost_answer_says_it_is_safe_to_repeat() {
    let s = server().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/order/refund"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .expect(1)
        .mount(&s)
        .await;
    let e = impatient_client(&s)
        .refunds()
        .create(&RefundRequest::new("B-1", "R-77", 10))
        .await
        .unwrap_err();
    assert!(e.is_outcome_unknown());
    assert!(e.to_string().contains("safe to repeat"), "{e}");
    match e {
        Error::RefundOutcomeUnknown {
            out_refund_no,
            biz_order_no,
            ..
        } => {
            assert_eq!(out_refund_no, "R-77");
            assert_eq!(biz_order_no, "B-1");
        }
        other => panic!("expected RefundOutcomeUnknown, got {other:?}"),
    }
}

#[tokio::test]
async fn refund_5xx_is_outcome_unknown_and_not_repeated() {
    let s = server().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/order/refund"))
        .respond_with(ResponseTemplate::new(503).set_body_string("upstream down"))
        .expect(1)
        .mount(&s)
        .await;
    let e = client_for(&s)
        .refunds()
        .create(&RefundRequest::new("B-1", "R-78", 10))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::RefundOutcomeUnknown { .. }), "{e:?}");
}

#[tokio::test]
async fn refund_rate_limited_is_retried() {
    let s = server().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).set_body_json(error_body("RATE_LIMITED")))
        .up_to_n_times(1)
        .expect(1)
        .with_priority(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "SUCCESS"})))
        .expect(1)
        .mount(&s)
        .await;
    let r = client_for(&s)
        .refunds()
        .create(&RefundRequest::new("B-1", "R-79", 10))
        .await
        .unwrap();
    assert_eq!(r.status, ljpay_sdk::RefundStatus::Success);
}

#[tokio::test]
async fn cancel_with_lost_answer_is_outcome_unknown() {
    let s = server().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/order/cancel"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .expect(1)
        .mount(&s)
        .await;
    let e = impatient_client(&s)
        .orders()
        .cancel("B-1")
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        Error::OutcomeUnknown {
            operation: "cancel_order",
            ..
        }
    ));
}

#[tokio::test]
async fn disabled_retries_mean_one_attempt() {
    let s = server().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&s)
        .await;
    let client = Client::builder()
        .base_url(s.uri())
        .site_code(SITE)
        .secret(SECRET)
        .retry(ljpay_sdk::RetryPolicy::disabled())
        .build()
        .unwrap();
    assert!(client.orders().get_by_order_no("lp_1").await.is_err());
}

/// A server that reads the request and then drops the connection without answering.
async fn hang_up_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                use tokio::io::AsyncReadExt as _;
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                drop(sock);
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn connection_dropped_after_sending_is_outcome_unknown() {
    let base = hang_up_server().await;
    let client = Client::builder()
        .base_url(base)
        .site_code(SITE)
        .secret(SECRET)
        .retry(fast_retry())
        .build()
        .unwrap();
    let e = client
        .refunds()
        .create(&RefundRequest::new("B-1", "R-80", 10))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::RefundOutcomeUnknown { .. }), "{e:?}");
    // The create cannot be resolved either (the lookup hangs up too): outcome unknown, not a
    // plain transport error.
    let e = client
        .orders()
        .create(&create_req("B-81"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::OutcomeUnknown {
                operation: "create_order",
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let s = server().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(302).insert_header("location", "https://evil.example/steal"),
        )
        .expect(1)
        .mount(&s)
        .await;
    let e = client_for(&s)
        .orders()
        .get_by_order_no("lp_1")
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::UnexpectedStatus { status: 302, .. }),
        "{e:?}"
    );
}
