//! Retries for queries; never a blind retry for creation; status lookup on unknown outcome.

mod common;

use std::time::Duration;

use common::{SECRET, UID};
use rust_decimal::Decimal;
use wattt_sdk::{
    Client, CollectionLookup, CollectionRequest, Error, OrderStatus, PayoutRequest, RetryPolicy,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const COLLECTIONS: &str = "/api/v1/merchant/collections";
const COLLECTION_STATUS: &str = "/api/v1/merchant/collections/status";
const PAYOUTS: &str = "/api/v1/merchant/payouts";
const PAYOUT_STATUS: &str = "/api/v1/merchant/payouts/status";

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .credentials(UID, SECRET)
        .retry(
            RetryPolicy::default()
                .with_max_attempts(3)
                .with_backoff(Duration::from_millis(1), Duration::from_millis(5)),
        )
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap()
}

fn found(orderid: &str, status: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(serde_json::json!({
        "ok": 1, "message": "success",
        "data": {"orderid": orderid, "amount": 2500, "status": status}
    }))
}

#[tokio::test]
async fn queries_retry_on_5xx_then_succeed() {
    let server = MockServer::start().await;
    Mock::given(path(COLLECTION_STATUS))
        .respond_with(ResponseTemplate::new(502).set_body_string("bad gateway"))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(path(COLLECTION_STATUS))
        .respond_with(found("C1", "success"))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server)
        .collections()
        .status(&CollectionLookup::OrderId("C1".into()))
        .await
        .unwrap();
    assert_eq!(c.status, Some(OrderStatus::Success));
}

#[tokio::test]
async fn query_retries_are_bounded() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/merchant/balance"))
        .respond_with(ResponseTemplate::new(503).set_body_string("x".repeat(1000)))
        .expect(3)
        .mount(&server)
        .await;
    match client(&server).balance().await {
        Err(Error::Http {
            status: 503,
            body_snippet,
            ..
        }) => assert!(body_snippet.chars().count() <= 201),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/merchant/banks"))
        .respond_with(
            ResponseTemplate::new(422)
                .set_body_json(serde_json::json!({"ok": 0, "message": "sign error"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    assert!(matches!(
        client(&server).banks(None).await,
        Err(Error::Api { status: 422, .. })
    ));
}

#[tokio::test]
async fn create_collection_is_never_retried_and_looks_up_status_after_5xx() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(COLLECTIONS))
        .respond_with(ResponseTemplate::new(500).set_body_string("oops"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(COLLECTION_STATUS))
        .respond_with(found("C1", "pending"))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server)
        .collections()
        .create(&CollectionRequest::new("C1", Decimal::from(2500)))
        .await
        .unwrap();
    assert_eq!(c.orderid.as_deref(), Some("C1"));
    assert_eq!(c.status, Some(OrderStatus::Pending));
    let reqs = server.received_requests().await.unwrap();
    let lookup: serde_json::Value = serde_json::from_slice(&reqs[1].body).unwrap();
    assert_eq!(lookup["orderid"], "C1", "looked up by the same orderid");
}

#[tokio::test]
async fn create_collection_unknown_outcome_when_lookup_does_not_settle_it() {
    let server = MockServer::start().await;
    Mock::given(path(COLLECTIONS))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>proxy</html>"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(COLLECTION_STATUS))
        .respond_with(
            ResponseTemplate::new(422)
                .set_body_json(serde_json::json!({"ok": 0, "message": "order not found"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .collections()
        .create(&CollectionRequest::new("C9", Decimal::from(2500)))
        .await
        .unwrap_err();
    assert!(err.is_outcome_unknown());
    match err {
        Error::OutcomeUnknown {
            operation,
            reference,
            cause,
            lookup,
        } => {
            assert_eq!(operation, "create_collection");
            assert_eq!(reference, "C9");
            assert!(matches!(*cause, Error::Decode { .. }));
            assert!(lookup.contains("order not found"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn create_collection_timeout_triggers_lookup() {
    let server = MockServer::start().await;
    Mock::given(path(COLLECTIONS))
        .respond_with(found("C2", "pending").set_delay(Duration::from_secs(3)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(COLLECTION_STATUS))
        .respond_with(found("C2", "pending"))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server)
        .collections()
        .create(&CollectionRequest::new("C2", Decimal::from(2500)))
        .await
        .unwrap();
    assert_eq!(c.orderid.as_deref(), Some("C2"));
}

#[tokio::test]
async fn definite_refusal_is_returned_without_lookup() {
    let server = MockServer::start().await;
    Mock::given(path(PAYOUTS))
        .respond_with(
            ResponseTemplate::new(422)
                .set_body_json(serde_json::json!({"ok": 0, "message": "insufficient balance"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(PAYOUT_STATUS))
        .respond_with(found("x", "x"))
        .expect(0)
        .mount(&server)
        .await;
    let err = client(&server)
        .payouts()
        .create(&PayoutRequest::new("P1", Decimal::from(10), "Amy"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Api { status: 422, ref message, .. } if message == "insufficient balance")
    );
}

#[tokio::test]
async fn payout_unknown_outcome_after_failed_lookups() {
    let server = MockServer::start().await;
    Mock::given(path(PAYOUTS))
        .respond_with(ResponseTemplate::new(504))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(PAYOUT_STATUS))
        .respond_with(ResponseTemplate::new(503))
        .expect(3)
        .mount(&server)
        .await;
    let err = client(&server)
        .payouts()
        .create(&PayoutRequest::new("P2", Decimal::from(10), "Amy"))
        .await
        .unwrap_err();
    match &err {
        Error::OutcomeUnknown {
            operation: "create_payout",
            reference,
            ..
        } => assert_eq!(reference, "P2"),
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("safe to query"));
}

#[tokio::test]
async fn connection_refused_is_definitely_not_sent() {
    // Bind and drop a listener to get a closed local port.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = Client::builder()
        .base_url(format!("http://127.0.0.1:{port}"))
        .credentials(UID, SECRET)
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    let err = client
        .collections()
        .create(&CollectionRequest::new("C3", Decimal::from(1)))
        .await
        .unwrap_err();
    assert!(err.is_definitely_not_sent(), "{err:?}");
    assert!(!err.is_outcome_unknown());
}

#[tokio::test]
async fn oversized_body_is_an_error() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/merchant/balance"))
        .respond_with(ResponseTemplate::new(200).set_body_string(format!(
            "{{\"ok\":1,\"data\":{{\"pad\":\"{}\"}}}}",
            "x".repeat(5000)
        )))
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .credentials(UID, SECRET)
        .max_body_bytes(1024)
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    assert!(matches!(
        client.balance().await,
        Err(Error::BodyTooLarge { limit: 1024, .. })
    ));
}

#[tokio::test]
async fn validation_errors_send_nothing() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let c = client(&server);
    let cases: Vec<(Error, &str)> = vec![
        (
            c.collections()
                .create(&CollectionRequest::new("", Decimal::ONE))
                .await
                .unwrap_err(),
            "orderid",
        ),
        (
            c.collections()
                .create(&CollectionRequest::new("C", Decimal::ZERO))
                .await
                .unwrap_err(),
            "amount",
        ),
        (
            c.collections()
                .create(&CollectionRequest::new("C", Decimal::new(1001, 3)))
                .await
                .unwrap_err(),
            "amount",
        ),
        (
            c.collections()
                .create(&CollectionRequest::new("C", Decimal::ONE).notify_url("nope"))
                .await
                .unwrap_err(),
            "notify_url",
        ),
        (
            c.payouts()
                .create(&PayoutRequest::new("P", Decimal::ONE, " "))
                .await
                .unwrap_err(),
            "payee_name",
        ),
        (
            c.payouts()
                .create(&PayoutRequest::new("P", Decimal::new(-5, 0), "A"))
                .await
                .unwrap_err(),
            "amount",
        ),
        (
            c.collections()
                .status(&CollectionLookup::OrderId(String::new()))
                .await
                .unwrap_err(),
            "orderid",
        ),
    ];
    for (err, field) in cases {
        match err {
            Error::Validation { field: f, .. } => assert_eq!(f, field),
            other => panic!("{field}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn retries_stop_at_the_total_time_bound() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/merchant/balance"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .credentials(UID, SECRET)
        .retry(
            RetryPolicy::default()
                .with_max_attempts(5)
                .with_backoff(Duration::from_millis(50), Duration::from_millis(50))
                .with_max_elapsed(Duration::from_millis(10)),
        )
        .build()
        .unwrap();
    assert!(matches!(
        client.balance().await,
        Err(Error::Http { status: 503, .. })
    ));
}
