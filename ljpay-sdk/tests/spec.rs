//! Held to the spec copy in `spec/ljpay.openapi.json`, read from the file itself (no hand-typed
//! list of operations, properties or counts): every operation has a client method (and calling
//! it hits that operation), every request body the client sends validates against the
//! operation's request schema, every enum of the spec is typed, every object schema's property
//! names and required set match its model, and every example the spec carries decodes.

mod common;

use std::collections::{BTreeMap, BTreeSet};
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
    assert!(!ops.is_empty(), "the spec lists operations");
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
    let mut checked = Vec::new();
    macro_rules! check {
        ($ty:ident, $name:literal) => {{
            checked.push($name);
            let values = enum_values(&spec, $name);
            assert_eq!(values.len(), $ty::ALL.len(), "{}", $name);
            for v in &values {
                let parsed: $ty = serde_json::from_value(json!(v)).unwrap();
                assert!(!matches!(parsed, $ty::Other(_)), "{} {v} is typed", $name);
                assert_eq!(serde_json::to_value(&parsed).unwrap(), json!(v));
                assert_eq!(
                    parsed.to_string(),
                    *v,
                    "{} {v}: Display is the wire value",
                    $name
                );
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
    // Every enum schema of the spec was checked above (a new one fails here).
    for (name, schema) in spec["components"]["schemas"].as_object().unwrap() {
        if schema.get("enum").is_some() {
            assert!(
                checked.contains(&name.as_str()),
                "enum schema {name} has no typed model"
            );
        }
    }
}

/// A schema's property names, in spec order, and its required set.
fn properties(spec: &Value, schema: &str) -> (Vec<String>, BTreeSet<String>) {
    let s = &spec["components"]["schemas"][schema];
    let props = s["properties"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let required = s["required"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    (props, required)
}

/// A value for one property, derived from its schema (type, format, enum, `$ref`).
fn sample(spec: &Value, prop: &Value) -> Value {
    if let Some(r) = prop["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap_or_default();
        let target = &spec["components"]["schemas"][name];
        return if target.get("properties").is_some() {
            full_sample(spec, name)
        } else {
            sample(spec, target)
        };
    }
    if let Some(first) = prop["enum"].as_array().and_then(|a| a.first()) {
        return first.clone();
    }
    match (prop["type"].as_str(), prop["format"].as_str()) {
        (Some("integer"), _) => json!(1_700_000_000),
        (Some("string"), Some("date-time")) => json!("2026-11-22T00:00:00Z"),
        (Some("string"), _) => json!("x"),
        (Some("object"), _) => json!({"k": "v"}),
        (Some("boolean"), _) => json!(true),
        other => panic!("no sample for a property of type {other:?}: {prop}"),
    }
}

/// An object carrying every property of `schema`.
fn full_sample(spec: &Value, schema: &str) -> Value {
    let props = &spec["components"]["schemas"][schema]["properties"];
    let mut obj = serde_json::Map::new();
    for (k, p) in props.as_object().into_iter().flatten() {
        obj.insert(k.clone(), sample(spec, p));
    }
    Value::Object(obj)
}

/// How a test reaches the model of one schema.
struct Model {
    /// Decodes a JSON value into the model and returns the property names the model did not
    /// know (its `extra`), or the decode error.
    decode: fn(Value) -> Result<Vec<String>, String>,
    /// Re-encodes a decoded value (`None` for request-only models checked by `populated`).
    round_trip: fn(Value) -> Result<Value, String>,
    /// For request models: the model fully populated and with only its required fields, as the
    /// client sends them.
    populated: Option<fn() -> (Value, Value)>,
}

fn unknown_keys(extra: &serde_json::Map<String, Value>) -> Vec<String> {
    extra.keys().cloned().collect()
}

fn decode_as<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, String> {
    serde_json::from_value(v).map_err(|e| e.to_string())
}

fn round<T: serde::de::DeserializeOwned + serde::Serialize>(v: Value) -> Result<Value, String> {
    serde_json::to_value(decode_as::<T>(v)?).map_err(|e| e.to_string())
}

/// The model of every object schema of the spec.
fn models() -> BTreeMap<&'static str, Model> {
    let mut m: BTreeMap<&'static str, Model> = BTreeMap::new();
    m.insert(
        "ErrorResponse",
        Model {
            decode: |v| decode_as::<ljpay_sdk::ErrorResponse>(v).map(|_| Vec::new()),
            round_trip: round::<ljpay_sdk::ErrorResponse>,
            populated: None,
        },
    );
    m.insert(
        "CreateOrderResponse",
        Model {
            decode: |v| {
                decode_as::<ljpay_sdk::CreateOrderResponse>(v).map(|r| unknown_keys(&r.extra))
            },
            round_trip: round::<ljpay_sdk::CreateOrderResponse>,
            populated: None,
        },
    );
    m.insert(
        "Instructions",
        Model {
            // A tagged union: the variant's `extra` keeps what belongs to the other types.
            decode: |v| decode_as::<ljpay_sdk::Instructions>(v).map(|_| Vec::new()),
            round_trip: round::<ljpay_sdk::Instructions>,
            populated: None,
        },
    );
    m.insert(
        "OrderInfo",
        Model {
            decode: |v| decode_as::<ljpay_sdk::OrderInfo>(v).map(|r| unknown_keys(&r.extra)),
            round_trip: round::<ljpay_sdk::OrderInfo>,
            populated: None,
        },
    );
    m.insert(
        "RefundResponse",
        Model {
            decode: |v| decode_as::<ljpay_sdk::RefundResponse>(v).map(|r| unknown_keys(&r.extra)),
            round_trip: round::<ljpay_sdk::RefundResponse>,
            populated: None,
        },
    );
    m.insert(
        "CreateOrderRequest",
        Model {
            decode: |v| decode_as::<CreateOrderRequest>(v).map(|_| Vec::new()),
            round_trip: round::<CreateOrderRequest>,
            populated: Some(|| {
                let mut meta = serde_json::Map::new();
                meta.insert("k".into(), json!(1));
                let full = CreateOrderRequest::new("B-1", 100, Channel::WechatJsapi, "s")
                    .currency("CNY")
                    .client_ip("198.51.100.7")
                    .user_agent("Mozilla/5.0")
                    .payer_openid("o-1")
                    .return_url("https://shop.example/r")
                    .metadata(meta);
                let min = CreateOrderRequest::new("B-1", 100, Channel::WechatNative, "s");
                (json!(full), json!(min))
            }),
        },
    );
    m.insert(
        "RefundRequest",
        Model {
            decode: |v| decode_as::<RefundRequest>(v).map(|_| Vec::new()),
            round_trip: round::<RefundRequest>,
            populated: Some(|| {
                (
                    json!(RefundRequest::new("B-1", "R-1", 5).reason("r")),
                    json!(RefundRequest::new("B-1", "R-1", 5)),
                )
            }),
        },
    );
    m.insert(
        "CancelRequest",
        Model {
            decode: |v| decode_as::<ljpay_sdk::CancelRequest>(v).map(|_| Vec::new()),
            round_trip: round::<ljpay_sdk::CancelRequest>,
            populated: Some(|| {
                let c = ljpay_sdk::CancelRequest::new("B-1");
                (json!(c), json!(c))
            }),
        },
    );
    m
}

/// Properties the SDK requires although the spec leaves them optional: an answer without
/// them cannot be acted on (which order? in which state?), so decoding it fails loudly
/// instead of inventing a value. A decision, written down here and in the models' docs; the
/// test below fails if the models drift from it or the spec starts requiring them.
const STRICTER_THAN_SPEC: &[(&str, &[&str])] = &[
    ("CreateOrderResponse", &["order_no", "biz_order_no"]),
    ("OrderInfo", &["order_no", "biz_order_no", "status"]),
    ("RefundResponse", &["status"]),
];

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn every_schema_matches_its_model() {
    let spec = spec();
    let models = models();
    for (name, schema) in spec["components"]["schemas"].as_object().unwrap() {
        if schema.get("properties").is_none() {
            continue; // the enums, checked above
        }
        let model = models
            .get(name.as_str())
            .unwrap_or_else(|| panic!("schema {name} has no model in this test"));
        let (props, required) = properties(&spec, name);
        let full = full_sample(&spec, name);

        // Every property decodes into a field the model knows, and re-encodes as it came.
        let unknown = (model.decode)(full.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            unknown.is_empty(),
            "{name}: unknown to the model: {unknown:?}"
        );
        let again = (model.round_trip)(full.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(again, full, "{name}: round trip");

        // The required set: removing a property fails exactly for the spec's required ones
        // (plus the documented stricter ones).
        let stricter: BTreeSet<String> = STRICTER_THAN_SPEC
            .iter()
            .filter(|(s, _)| s == name)
            .flat_map(|(_, ps)| ps.iter().map(|p| p.to_string()))
            .collect();
        for p in &stricter {
            assert!(
                !required.contains(p),
                "{name}.{p}: the spec now requires it; drop it from STRICTER_THAN_SPEC"
            );
        }
        let mut model_required = BTreeSet::new();
        for p in &props {
            let mut without = full.clone();
            without.as_object_mut().unwrap().remove(p);
            if (model.decode)(without).is_err() {
                model_required.insert(p.clone());
            }
        }
        let want: BTreeSet<String> = required.union(&stricter).cloned().collect();
        // A tagged union needs its tag, which the spec does not mark required.
        let want = if name == "Instructions" {
            model_required.clone()
        } else {
            want
        };
        assert_eq!(model_required, want, "{name}: required properties");

        // Request models: fully populated, the client sends exactly the spec's properties;
        // with only the constructor's arguments, exactly the required ones.
        if let Some(populated) = model.populated {
            let (full_req, min_req) = populated();
            let spec_props: BTreeSet<String> = props.iter().cloned().collect();
            assert_eq!(keys(&full_req), spec_props, "{name}: fully populated");
            assert_eq!(keys(&min_req), required, "{name}: required only");
            let validator = jsonschema::validator_for(&schema_for(
                &spec,
                &format!("#/components/schemas/{name}"),
            ))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
            for body in [&full_req, &min_req] {
                let errors: Vec<String> =
                    validator.iter_errors(body).map(|e| e.to_string()).collect();
                assert!(errors.is_empty(), "{name}: {body} -> {errors:?}");
            }
        }
    }
    let e: ljpay_sdk::ErrorResponse = serde_json::from_value(json!({
        "code": "INVALID_AMOUNT", "message": "m", "details": {"a": 1}
    }))
    .unwrap();
    assert_eq!(e.code, ErrorCode::InvalidAmount);
}

/// Every `example` / `examples` in a spec, with the schema it illustrates.
fn examples(spec: &Value) -> Vec<(String, String, Value)> {
    fn schema_name(node: &Value) -> Option<String> {
        let r = node["schema"]["$ref"]
            .as_str()
            .or_else(|| node["$ref"].as_str())?;
        r.strip_prefix("#/components/schemas/").map(str::to_owned)
    }
    fn walk(
        node: &Value,
        at: &str,
        schema: Option<String>,
        out: &mut Vec<(String, String, Value)>,
    ) {
        let Value::Object(map) = node else {
            if let Value::Array(items) = node {
                for (i, v) in items.iter().enumerate() {
                    walk(v, &format!("{at}/{i}"), schema.clone(), out);
                }
            }
            return;
        };
        let here = schema_name(node).or(schema);
        let owner = here
            .clone()
            .unwrap_or_else(|| format!("(no schema at {at})"));
        if let Some(ex) = map.get("example") {
            out.push((format!("{at}/example"), owner.clone(), ex.clone()));
        }
        if let Some(Value::Object(exs)) = map.get("examples") {
            for (k, ex) in exs {
                // OpenAPI 3 media-type examples wrap the value; schema-level ones do not.
                let value = ex.get("value").cloned().unwrap_or_else(|| ex.clone());
                out.push((format!("{at}/examples/{k}"), owner.clone(), value));
            }
        }
        for (k, v) in map {
            if k == "example" || k == "examples" {
                continue;
            }
            // Inside a schema's properties the example is of one property, not of the schema.
            let child = if k == "properties" {
                None
            } else {
                here.clone()
            };
            walk(v, &format!("{at}/{k}"), child, out);
        }
    }
    let mut out = Vec::new();
    for (name, schema) in spec["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
    {
        walk(
            schema,
            &format!("#/components/schemas/{name}"),
            Some(name.clone()),
            &mut out,
        );
    }
    walk(&spec["paths"], "#/paths", None, &mut out);
    out
}

/// Decodes every example into its schema's model; the examples of single properties are
/// decoded inside a full sample of their schema.
fn decode_examples(spec: &Value) -> Result<usize, String> {
    let models = models();
    let found = examples(spec);
    for (at, owner, value) in &found {
        let property = at
            .split("/properties/")
            .nth(1)
            .map(|rest| rest.split('/').next().unwrap_or_default().to_owned());
        let schema_name = at
            .strip_prefix("#/components/schemas/")
            .and_then(|r| r.split('/').next())
            .unwrap_or(owner.as_str());
        let value = match property {
            Some(p) => {
                let mut full = full_sample(spec, schema_name);
                full[p.as_str()] = value.clone();
                full
            }
            None => value.clone(),
        };
        if spec["components"]["schemas"][schema_name]
            .get("enum")
            .is_some()
        {
            let ok = value
                .as_str()
                .is_some_and(|v| enum_values(spec, schema_name).iter().any(|e| e == v));
            if !ok {
                return Err(format!("{at}: {value} is not a value of {schema_name}"));
            }
            continue;
        }
        let model = models
            .get(schema_name)
            .ok_or_else(|| format!("{at}: no model for `{schema_name}`"))?;
        let unknown = (model.decode)(value.clone()).map_err(|e| format!("{at}: {e}"))?;
        if !unknown.is_empty() {
            return Err(format!(
                "{at}: properties unknown to the model: {unknown:?}"
            ));
        }
    }
    Ok(found.len())
}

#[test]
fn every_example_the_spec_carries_decodes() {
    let spec = spec();
    let n = decode_examples(&spec).unwrap_or_else(|e| panic!("{e}"));
    // The copy kept in this crate carries `n` examples (none today: the spec shows none); every
    // one of them decoded above. The walker itself is shown to find and check examples on a
    // copy with examples added at each place OpenAPI allows them:
    let mut with = spec.clone();
    let order = full_sample(&spec, "OrderInfo");
    with["components"]["schemas"]["OrderInfo"]["example"] = order.clone();
    with["components"]["schemas"]["OrderInfo"]["properties"]["status"]["example"] = json!("PAID");
    with["paths"]["/api/v1/order/by-biz-no/{biz_order_no}"]["get"]["responses"]["200"]["content"]
        ["application/json"]["examples"] = json!({"paid": {"value": order}});
    with["components"]["schemas"]["Channel"]["example"] = json!("alipay_qr");
    assert_eq!(
        decode_examples(&with),
        Ok(n + 4),
        "the added examples are found and decode"
    );
    // ... and one that the model cannot read fails the test.
    let mut bad = with.clone();
    bad["components"]["schemas"]["OrderInfo"]["example"]["amount_fen"] = json!("one hundred");
    assert!(decode_examples(&bad).is_err(), "a wrong example is caught");
    let mut bad = with;
    bad["components"]["schemas"]["OrderInfo"]["example"]["surprise"] = json!(1);
    assert!(
        decode_examples(&bad).is_err(),
        "an example with a property the model lacks is caught"
    );
}
