//! Held to the spec copy in `spec/ljpay.openapi.json`: every operation has a client method
//! (and calling it hits that operation), every request body the client sends validates against
//! the operation's request schema, and every enum of the spec is typed.

mod common;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use common::*;
use ljpay_sdk::{
    Channel, Client, CreateOrderRequest, ErrorCode, OrderStatus, RefundRequest, RefundStatus,
};
use serde_json::{json, Value};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn spec() -> Value {
    serde_json::from_str(include_str!("../spec/ljpay.openapi.json")).expect("spec is JSON")
}

type Call = for<'a> fn(&'a Client) -> Pin<Box<dyn Future<Output = ()> + 'a>>;

/// One entry per client method: the operation it implements and a call that exercises it
/// (with every optional field set, so the captured bodies are as full as they get).
fn methods() -> BTreeMap<(&'static str, &'static str), Call> {
    let mut m: BTreeMap<(&'static str, &'static str), Call> = BTreeMap::new();
    m.insert(("post", "/api/v1/order/create"), |c| {
        Box::pin(async move {
            let mut meta = serde_json::Map::new();
            meta.insert("k".into(), json!([1, {"x": null}]));
            let req = CreateOrderRequest::new("B-1", 100, Channel::AlipayWap, "s")
                .currency("CNY")
                .client_ip("198.51.100.7")
                .user_agent("Mozilla/5.0")
                .payer_openid("o-1")
                .return_url("https://shop.example/r")
                .metadata(meta);
            let _ = c.orders().create(&req).await;
        })
    });
    m.insert(("get", "/api/v1/order/by-biz-no/{biz_order_no}"), |c| {
        Box::pin(async move {
            let _ = c.orders().get_by_biz_order_no("B-1").await;
        })
    });
    m.insert(("get", "/api/v1/order/by-pay-no/{order_no}"), |c| {
        Box::pin(async move {
            let _ = c.orders().get_by_order_no("lp_1").await;
        })
    });
    m.insert(("post", "/api/v1/order/cancel"), |c| {
        Box::pin(async move {
            let _ = c.orders().cancel("B-1").await;
        })
    });
    m.insert(("post", "/api/v1/order/refund"), |c| {
        Box::pin(async move {
            let _ = c
                .refunds()
                .create(&RefundRequest::new("B-1", "R-1", 5).reason("r"))
                .await;
        })
    });
    m
}

/// `/api/v1/order/by-biz-no/{biz_order_no}` matches `/api/v1/order/by-biz-no/B-1`.
fn template_matches(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| (t.starts_with('{') && t.ends_with('}') && !p.is_empty()) || t == p)
}

fn operations(spec: &Value) -> Vec<(String, String, Value)> {
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                ops.push((method.clone(), path.clone(), op.clone()));
            }
        }
    }
    ops
}

#[tokio::test]
async fn every_spec_operation_has_a_method_that_calls_it() {
    let spec = spec();
    let methods = methods();
    let ops = operations(&spec);
    assert_eq!(ops.len(), 5, "the spec has five operations");
    let mut missing = Vec::new();
    for (method, path, _) in &ops {
        let Some(call) = methods.get(&(method.as_str(), path.as_str())) else {
            missing.push(format!("{} {path}", method.to_uppercase()));
            continue;
        };
        let server = MockServer::start().await;
        Mock::given(wiremock::matchers::any())
            .respond_with(ResponseTemplate::new(404).set_body_json(error_body("ORDER_NOT_FOUND")))
            .mount(&server)
            .await;
        call(&client_for(&server)).await;
        let reqs = server.received_requests().await.unwrap();
        assert!(!reqs.is_empty(), "{method} {path}: nothing was sent");
        let r = &reqs[0];
        assert_eq!(r.method.as_str().to_lowercase(), *method, "{path}");
        assert!(
            template_matches(path, r.url.path()),
            "{method} {path}: sent to {}",
            r.url.path()
        );
        assert_signed(r, SITE, SECRET);
    }
    assert!(
        missing.is_empty(),
        "operations without a method: {missing:?}"
    );
    // And no method for an operation that is not in the spec.
    for (m, p) in methods.keys() {
        assert!(
            ops.iter().any(|(om, op, _)| om == m && op == p),
            "{m} {p} is not in the spec"
        );
    }
}

/// The spec with a root `$ref` to one of its schemas, so `#/components/...` refs resolve.
fn schema_for(spec: &Value, reference: &str) -> Value {
    let mut root = spec.clone();
    root["$ref"] = json!(reference);
    root
}

#[tokio::test]
async fn captured_request_bodies_validate_against_the_spec() {
    let spec = spec();
    for (method, path, op) in operations(&spec) {
        let Some(reference) =
            op["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str()
        else {
            continue;
        };
        let validator = jsonschema::validator_for(&schema_for(&spec, reference))
            .unwrap_or_else(|e| panic!("{reference}: {e}"));
        let server = MockServer::start().await;
        Mock::given(wiremock::matchers::any())
            .respond_with(ResponseTemplate::new(404).set_body_json(error_body("ORDER_NOT_FOUND")))
            .mount(&server)
            .await;
        let call = methods()[&(method.as_str(), path.as_str())];
        call(&client_for(&server)).await;
        let reqs = server.received_requests().await.unwrap();
        let body: Value = serde_json::from_slice(&reqs[0].body).expect("JSON body");
        let errors: Vec<String> = validator
            .iter_errors(&body)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{path}: {body} -> {errors:?}");
        // The validator is not vacuous: a body missing a required field fails it.
        let mut broken = body.clone();
        broken.as_object_mut().unwrap().remove("biz_order_no");
        assert!(
            !validator.is_valid(&broken),
            "{path}: schema rejects a broken body"
        );
    }
}

fn enum_values(spec: &Value, name: &str) -> Vec<String> {
    spec["components"]["schemas"][name]["enum"]
        .as_array()
        .unwrap_or_else(|| panic!("{name} enum"))
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn every_spec_enum_value_is_typed_and_round_trips() {
    let spec = spec();
    macro_rules! check {
        ($ty:ident, $name:literal) => {{
            let values = enum_values(&spec, $name);
            assert_eq!(values.len(), $ty::ALL.len(), "{}", $name);
            for v in &values {
                let parsed: $ty = serde_json::from_value(json!(v)).unwrap();
                assert!(!matches!(parsed, $ty::Other(_)), "{} {v} is typed", $name);
                assert_eq!(serde_json::to_value(&parsed).unwrap(), json!(v));
            }
            let unknown: $ty = serde_json::from_value(json!("SOMETHING_NEW")).unwrap();
            assert_eq!(unknown, $ty::Other("SOMETHING_NEW".into()));
            assert_eq!(
                serde_json::to_value(&unknown).unwrap(),
                json!("SOMETHING_NEW")
            );
        }};
    }
    check!(Channel, "Channel");
    check!(OrderStatus, "OrderStatus");
    check!(RefundStatus, "RefundStatus");
    check!(ErrorCode, "ErrorCode");
    assert_eq!(enum_values(&spec, "ErrorCode").len(), 18);
}

#[test]
fn model_field_names_match_the_spec_schemas() {
    // Every property a response schema lists is a field the typed model knows (not left in
    // `extra`), checked by decoding an object carrying all of them.
    let spec = spec();
    let sample = |schema: &str| -> Value {
        let props = spec["components"]["schemas"][schema]["properties"]
            .as_object()
            .unwrap();
        let mut obj = serde_json::Map::new();
        for (k, p) in props {
            let v = match (p["type"].as_str(), p["$ref"].as_str(), p["format"].as_str()) {
                (Some("integer"), _, _) => json!(1_700_000_000),
                (Some("string"), _, Some("date-time")) => json!("2026-11-22T00:00:00Z"),
                (Some("string"), _, _) => json!("x"),
                (Some("object"), _, _) => json!({}),
                (_, Some(r), _) if r.ends_with("/Channel") => json!("alipay_qr"),
                (_, Some(r), _) if r.ends_with("/OrderStatus") => json!("PAID"),
                (_, Some(r), _) if r.ends_with("/RefundStatus") => json!("SUCCESS"),
                (_, Some(r), _) if r.ends_with("/Instructions") => {
                    json!({"type": "REDIRECT", "redirect_url": "https://x.example"})
                }
                other => panic!("{schema}.{k}: no sample for {other:?}"),
            };
            obj.insert(k.clone(), v);
        }
        Value::Object(obj)
    };
    let c: ljpay_sdk::CreateOrderResponse =
        serde_json::from_value(sample("CreateOrderResponse")).unwrap();
    assert!(c.extra.is_empty(), "unknown to the model: {:?}", c.extra);
    let o: ljpay_sdk::OrderInfo = serde_json::from_value(sample("OrderInfo")).unwrap();
    assert!(o.extra.is_empty(), "unknown to the model: {:?}", o.extra);
    let r: ljpay_sdk::RefundResponse = serde_json::from_value(sample("RefundResponse")).unwrap();
    assert!(r.extra.is_empty(), "unknown to the model: {:?}", r.extra);
    let e: ljpay_sdk::ErrorResponse = serde_json::from_value(json!({
        "code": "INVALID_AMOUNT", "message": "m", "details": {"a": 1}
    }))
    .unwrap();
    assert_eq!(e.code, ErrorCode::InvalidAmount);
    // The spec carries no `example`s; if one is added, this test should decode it.
    assert!(!include_str!("../spec/ljpay.openapi.json").contains("\"example"));
}
