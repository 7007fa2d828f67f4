//! Contract tests for every operation of the integration demo API
//! (`spec/ecpay-integration-demo.openapi.json`), on wiremock: method, path, query, request
//! body validated against the operation's request schema (jsonschema), every response model
//! decoded from fixtures that are themselves validated against the spec's response schema.

use ecpay_sdk::demo::{EventStatus, LocationItem, NotificationStatus, OrderRequest};
use ecpay_sdk::{Client, Error, RetryPolicy};
use serde_json::{json, Value};
use wiremock::matchers::{any, body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const SPEC: &str = include_str!("../spec/ecpay-integration-demo.openapi.json");
const EVENT: &str = include_str!("fixtures/event_record.json");
const CREATED: &str = include_str!("fixtures/create_order_response.json");
const CHECKOUT: &str = include_str!("fixtures/checkout_response.json");
const V422: &str = include_str!("fixtures/validation_422.json");

fn spec() -> Value {
    serde_json::from_str(SPEC).unwrap()
}

/// A validator for `#/components/schemas/{name}` with the spec's components in scope.
fn validator(name: &str) -> jsonschema::Validator {
    let s = spec();
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/components/schemas/{name}"),
        "components": s["components"],
    });
    jsonschema::validator_for(&schema).unwrap()
}

async fn setup() -> (MockServer, Client) {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(|r: &Request| {
            ResponseTemplate::new(599).set_body_string(format!("unexpected {} {}", r.method, r.url))
        })
        .with_priority(100)
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .api_base_url(server.uri())
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    (server, client)
}

/// Answers `ok` when the JSON body validates against the schema, else 598.
struct ValidatedBody {
    schema: &'static str,
    ok: ResponseTemplate,
}

impl Respond for ValidatedBody {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let Ok(v) = serde_json::from_slice::<Value>(&req.body) else {
            return ResponseTemplate::new(598).set_body_string("not JSON");
        };
        if validator(self.schema).is_valid(&v) {
            self.ok.clone()
        } else {
            ResponseTemplate::new(598)
                .set_body_string("request body does not match the spec schema")
        }
    }
}

fn json_fixture(s: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(s.to_owned(), "application/json")
}

#[test]
fn fixtures_match_the_spec_schemas() {
    for (schema, fixture) in [
        ("EventRecord", EVENT),
        ("CreateOrderResponse", CREATED),
        ("ECPayCheckoutResponse", CHECKOUT),
        ("HTTPValidationError", V422),
    ] {
        let v: Value = serde_json::from_str(fixture).unwrap();
        assert!(validator(schema).is_valid(&v), "{schema} fixture");
    }
}

#[test]
fn spec_examples_deserialize_into_models() {
    let s = spec();
    for (schema, model) in [
        ("OrderRequest", "order"),
        ("ECPayCheckoutRequest", "checkout"),
    ] {
        let mut obj = serde_json::Map::new();
        for (k, p) in s["components"]["schemas"][schema]["properties"]
            .as_object()
            .unwrap()
        {
            if let Some(ex) = p["examples"].get(0) {
                obj.insert(k.clone(), ex.clone());
            }
        }
        let v = Value::Object(obj);
        match model {
            "order" => {
                let o: OrderRequest = serde_json::from_value(v).unwrap();
                assert_eq!(o.source, "demo_store");
                assert_eq!(o.amount, 499);
                assert_eq!(o.currency, "TWD");
                o.validate().unwrap();
            }
            _ => {
                let c: ecpay_sdk::demo::CheckoutRequest = serde_json::from_value(v).unwrap();
                assert!(c.event_id.starts_with("evt_"));
            }
        }
    }
}

#[tokio::test]
async fn home_and_health() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<h1>Demo</h1>", "text/html"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/health"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"status": "ok", "version": "0.7.0"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(client.demo().home().await.unwrap(), "<h1>Demo</h1>");
    let h = client.demo().health().await.unwrap();
    assert_eq!(h.get("status").map(String::as_str), Some("ok"));
}

#[tokio::test]
async fn create_order_sends_a_spec_valid_body() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/api/integrations/orders"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "source": "demo_store", "order_id": "DEMO-1001", "customer_name": "Alex Chen",
            "customer_email": "alex@example.com", "amount": 499, "currency": "TWD"
        })))
        .respond_with(ValidatedBody {
            schema: "OrderRequest",
            ok: json_fixture(CREATED),
        })
        .expect(1)
        .mount(&server)
        .await;
    let r = client
        .demo()
        .create_order(&OrderRequest::new(
            "demo_store",
            "DEMO-1001",
            "Alex Chen",
            "alex@example.com",
            499,
        ))
        .await
        .unwrap();
    assert_eq!(r.status, EventStatus::PendingPayment);
    assert_eq!(r.mapped_payload.total_amount, 499);
}

#[tokio::test]
async fn invalid_order_is_refused_before_sending() {
    let (server, client) = setup().await;
    let bad = OrderRequest::new(
        "demo_store",
        "DEMO-1001",
        "Alex Chen",
        "alex@example.com",
        0,
    );
    let e = client.demo().create_order(&bad).await.unwrap_err();
    assert!(matches!(e, Error::Validation { ref field, .. } if field == "amount"));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn http_422_is_decoded_per_field() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/api/integrations/orders"))
        .respond_with(ResponseTemplate::new(422).set_body_raw(V422, "application/json"))
        .mount(&server)
        .await;
    let e = client
        .demo()
        .create_order(&OrderRequest::new(
            "demo_store",
            "DEMO-1001",
            "Alex Chen",
            "alex@example.com",
            499,
        ))
        .await
        .unwrap_err();
    match e {
        Error::ServerValidation { status, issues } => {
            assert_eq!(status, 422);
            assert_eq!(issues.len(), 3);
            assert_eq!(issues[0].location, "body.amount");
            assert_eq!(issues[0].kind, "greater_than");
            assert_eq!(issues[2].location, "body.items.0");
        }
        other => panic!("{other:?}"),
    }
    let parsed: ecpay_sdk::demo::HttpValidationError = serde_json::from_str(V422).unwrap();
    assert_eq!(parsed.detail[2].loc[2], LocationItem::Index(0));
}

#[tokio::test]
async fn forward_ecpay_return_posts_the_form() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/api/integrations/webhooks/ecpay/return"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("1|OK", "text/plain"))
        .expect(1)
        .mount(&server)
        .await;
    let ack = client
        .demo()
        .forward_ecpay_return("MerchantID=3002607&RtnCode=1")
        .await
        .unwrap();
    assert_eq!(ack, "1|OK");
    let req = &server.received_requests().await.unwrap()[0];
    assert_eq!(req.body, b"MerchantID=3002607&RtnCode=1");
}

#[tokio::test]
async fn get_event_escapes_the_path_and_keeps_fields() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path(
            "/api/integrations/events/evt_8f0b2c9e2e4d4f7a8e3a9f53b2bf0eb4",
        ))
        .respond_with(json_fixture(EVENT))
        .expect(1)
        .mount(&server)
        .await;
    let e = client
        .demo()
        .event("evt_8f0b2c9e2e4d4f7a8e3a9f53b2bf0eb4")
        .await
        .unwrap();
    assert_eq!(e.status, EventStatus::Paid);
    assert_eq!(e.notification_status, NotificationStatus::Sent);
    assert_eq!(e.rtn_code, Some(1));
    assert_eq!(e.message, None);
    // a path separator in an id is escaped, not followed
    Mock::given(method("GET"))
        .and(path("/api/integrations/events/a%2Fb"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({"detail": "Event not found"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    match client.demo().event("a/b").await.unwrap_err() {
        Error::Api {
            status: 404,
            message,
            ..
        } => assert_eq!(message, "Event not found"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn recent_events_limit_is_checked_and_sent() {
    let (server, client) = setup().await;
    let body = format!("{{\"events\": [{EVENT}]}}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert!(validator("RecentEventsResponse").is_valid(&v));
    Mock::given(method("GET"))
        .and(path("/api/integrations/events"))
        .and(query_param("limit", "20"))
        .respond_with(json_fixture(&body))
        .expect(1)
        .mount(&server)
        .await;
    let r = client.demo().recent_events(Some(20)).await.unwrap();
    assert_eq!(r.events.len(), 1);
    for bad in [0u8, 21] {
        assert!(matches!(
            client.demo().recent_events(Some(bad)).await,
            Err(Error::Validation { .. })
        ));
    }
    Mock::given(method("GET"))
        .and(path("/api/integrations/events"))
        .respond_with(|r: &Request| {
            if r.url.query().is_none() {
                ResponseTemplate::new(200).set_body_json(json!({"events": []}))
            } else {
                ResponseTemplate::new(598)
            }
        })
        .with_priority(2)
        .mount(&server)
        .await;
    assert!(client
        .demo()
        .recent_events(None)
        .await
        .unwrap()
        .events
        .is_empty());
}

#[tokio::test]
async fn create_checkout_sends_event_id() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/api/payments/ecpay/checkout"))
        .and(body_json(json!({"event_id": "evt_1"})))
        .respond_with(ValidatedBody {
            schema: "ECPayCheckoutRequest",
            ok: json_fixture(CHECKOUT),
        })
        .expect(1)
        .mount(&server)
        .await;
    let r = client.demo().create_checkout("evt_1").await.unwrap();
    assert_eq!(r.status, EventStatus::RedirectReady);
    assert!(r.ecpay_checkout_url.ends_with("/Cashier/AioCheckOut/V5"));
}

#[tokio::test]
async fn pages_are_text_and_urls_are_built() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/payments/ecpay/redirect/evt_1"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<form id=x></form>", "text/html"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/payments/ecpay/result"))
        .and(query_param("event_id", "evt_1"))
        .and(query_param("merchant_trade_no", "T 1&"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<p>result</p>", "text/html"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/payments/ecpay/result"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/payments/ecpay/back"))
        .and(query_param("event_id", "evt_1"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<p>back</p>", "text/html"))
        .expect(1)
        .mount(&server)
        .await;
    let d = client.demo();
    assert_eq!(
        d.redirect_page("evt_1").await.unwrap(),
        "<form id=x></form>"
    );
    assert_eq!(
        d.result_page(Some("evt_1"), Some("T 1&")).await.unwrap(),
        "<p>result</p>"
    );
    assert_eq!(
        d.post_result("RtnCode=1").await.unwrap(),
        json!({"ok": true})
    );
    assert_eq!(d.back_page(Some("evt_1")).await.unwrap(), "<p>back</p>");
    let base = server.uri();
    assert_eq!(
        d.redirect_page_url("evt 1").unwrap(),
        format!("{base}/payments/ecpay/redirect/evt%201")
    );
    assert_eq!(
        d.result_page_url(Some("evt_1"), Some("T 1&")).unwrap(),
        format!("{base}/payments/ecpay/result?event_id=evt_1&merchant_trade_no=T+1%26")
    );
    assert_eq!(
        d.back_page_url(None).unwrap(),
        format!("{base}/payments/ecpay/back")
    );
}

#[tokio::test]
async fn demo_calls_need_an_api_base_url() {
    let client = Client::builder()
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    assert!(matches!(
        client.demo().health().await,
        Err(Error::Config { .. })
    ));
}
