//! Retries for queries; never a blind retry for creation; status lookup on unknown outcome.

mod common;

use std::time::Duration;

use common::{SECRET, UID};
use rust_decimal::Decimal;
use wattt_sdk::{
    ApiCode, Client, CollectionLookup, CollectionRequest, Error, ErrorKind, OrderStatus,
    PaymentLinkRequest, PayoutRequest, RetryPolicy,
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
        .retry_policy(
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
        Err(Error::Api {
            status: 503,
            code: ApiCode::NoEnvelope,
            message,
            ..
        }) => assert!(message.chars().count() <= 201),
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
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
    match err {
        Error::OutcomeUnknown {
            operation,
            reference,
            reason,
        } => {
            assert_eq!(operation, "create_collection");
            assert_eq!(reference, "C9");
            assert!(reason.contains("could not decode"), "{reason}");
            assert!(reason.contains("order not found"), "{reason}");
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
    assert!(
        err.to_string().contains("look it up before repeating it"),
        "{err}"
    );
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
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let err = client
        .collections()
        .create(&CollectionRequest::new("C3", Decimal::from(1)))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(
        err.kind(),
        ErrorKind::Transient,
        "certainly not sent: safe to try again"
    );
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
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    match client.balance().await {
        Err(Error::Decode { reason, .. }) => assert!(reason.contains("1024"), "{reason}"),
        other => panic!("{other:?}"),
    }
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
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(5)
                .with_backoff(Duration::from_millis(50), Duration::from_millis(50))
                .with_max_elapsed(Duration::from_millis(10))
                .without_jitter(),
        )
        .build()
        .unwrap();
    assert!(matches!(
        client.balance().await,
        Err(Error::Api { status: 503, .. })
    ));
}

/// Finding (issue 13, Wattt): "create-once lookups return whatever record carries that
/// orderid / serial_no, without comparing amount or payee". Each case: the create answers 500
/// (outcome unknown), the lookup finds a record, and only a matching one is this call's result.
#[tokio::test]
async fn lookups_after_an_unclear_create_reconcile_amount_and_payee() {
    let coll = |amount: serde_json::Value| serde_json::json!({"orderid": "C1", "amount": amount, "status": "pending"});
    let pay = |amount: i64, payee: &str| serde_json::json!({"serial_no": "P1", "amount": amount, "payee_name": payee, "status": "processing"});
    let cases: Vec<(&str, &str, &str, serde_json::Value, bool)> = vec![
        (
            "collection, same amount",
            COLLECTIONS,
            COLLECTION_STATUS,
            coll(2500.into()),
            true,
        ),
        (
            "collection, same amount as a string",
            COLLECTIONS,
            COLLECTION_STATUS,
            coll("2500.00".into()),
            true,
        ),
        (
            "collection, other amount",
            COLLECTIONS,
            COLLECTION_STATUS,
            coll(2600.into()),
            false,
        ),
        (
            "collection, no amount",
            COLLECTIONS,
            COLLECTION_STATUS,
            serde_json::json!({"orderid": "C1"}),
            false,
        ),
        (
            "payout, same amount and payee",
            PAYOUTS,
            PAYOUT_STATUS,
            pay(10, "Amy"),
            true,
        ),
        (
            "payout, other amount",
            PAYOUTS,
            PAYOUT_STATUS,
            pay(11, "Amy"),
            false,
        ),
        (
            "payout, other payee",
            PAYOUTS,
            PAYOUT_STATUS,
            pay(10, "Bob"),
            false,
        ),
    ];
    for (name, create, status, record, matches) in cases {
        let server = MockServer::start().await;
        Mock::given(path(create))
            .respond_with(ResponseTemplate::new(500))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(path(status))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(
                    serde_json::json!({"ok": 1, "message": "success", "data": record}),
                ),
            )
            .expect(1)
            .mount(&server)
            .await;
        let c = client(&server);
        let got = if create == COLLECTIONS {
            c.collections()
                .create(&CollectionRequest::new("C1", Decimal::from(2500)))
                .await
                .map(|_| ())
        } else {
            c.payouts()
                .create(&PayoutRequest::new("P1", Decimal::from(10), "Amy"))
                .await
                .map(|_| ())
        };
        match (got, matches) {
            (Ok(()), true) => {}
            (
                Err(Error::Conflict {
                    reference, reason, ..
                }),
                false,
            ) => {
                assert!(
                    reference == "C1" || reference == "P1",
                    "{name}: {reference}"
                );
                assert!(!reason.is_empty(), "{name}");
            }
            (other, _) => panic!("{name}: {other:?}"),
        }
    }
}

/// A 429 whose Retry-After does not fit the budget (15 s by default) gives up at once with the
/// server's value; a payment link answered 5xx is an unknown outcome, never retried.
#[tokio::test]
async fn rate_limits_and_unknown_link_outcomes() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/merchant/balance"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "30"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/v1/merchant/payment-links"))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    match c.balance().await {
        Err(Error::RateLimited { retry_after, .. }) => {
            assert_eq!(retry_after, Some(Duration::from_secs(30)))
        }
        other => panic!("{other:?}"),
    }
    let req = PaymentLinkRequest::new("TP9", "U1", "Amy", "https://m.example/n");
    match c.payment_links().create(&req).await {
        Err(Error::OutcomeUnknown { reference, .. }) => assert_eq!(reference, "TP9"),
        other => panic!("{other:?}"),
    }
}

/// A write Wattt answered with a body the client cannot read (over the body cap, or a 2xx that
/// is not the `{ok, message, data}` envelope) may have taken effect: the link may exist. DESIGN.md
/// ("a non-idempotent call whose outcome is not known … is `OutcomeUnknown`") makes that
/// `OutcomeUnknown` naming the merchant reference, never a `Decode` error a caller would read as
/// "nothing happened". Sent once: a second attempt could create a second link.
#[tokio::test]
async fn unreadable_answer_to_a_write_is_outcome_unknown() {
    let over_cap = ResponseTemplate::new(200).set_body_string(format!(
        "{{\"ok\":1,\"data\":{{\"pad\":\"{}\"}}}}",
        "x".repeat(5000)
    ));
    let not_an_envelope = ResponseTemplate::new(200).set_body_string("<html>proxy</html>");
    for (case, answer) in [
        ("over the cap", over_cap),
        ("2xx not an envelope", not_an_envelope),
    ] {
        let server = MockServer::start().await;
        Mock::given(path("/api/v1/merchant/payment-links"))
            .respond_with(answer)
            .expect(1)
            .mount(&server)
            .await;
        let c = Client::builder()
            .base_url(server.uri())
            .credentials(UID, SECRET)
            .max_body_bytes(1024)
            .retry_policy(
                RetryPolicy::default()
                    .with_max_attempts(3)
                    .with_backoff(Duration::from_millis(1), Duration::from_millis(5)),
            )
            .build()
            .unwrap();
        let req = PaymentLinkRequest::new("TP10", "U1", "Amy", "https://m.example/n");
        match c.payment_links().create(&req).await {
            Err(e @ Error::OutcomeUnknown { .. }) => {
                assert_eq!(e.kind(), ErrorKind::OutcomeUnknown, "{case}");
                let Error::OutcomeUnknown { reference, .. } = e else {
                    unreachable!()
                };
                assert_eq!(reference, "TP10", "{case}");
            }
            other => panic!("{case}: {other:?}"),
        }
    }
}
