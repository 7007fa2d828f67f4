//! The spec kept in the crate (spec/wattt-merchant.openapi.json) against the SDK's code.
//!
//! Finding (issue 13): this file used to validate the spec's examples against the spec itself
//! without running any SDK code. Now everything below is read from the spec file — the list of
//! operations, each request schema's property names, required set and examples, each GET's
//! parameters, and each response schema's example — and compared with what the SDK actually
//! sends (captured by wiremock) and decodes. A spec change the models do not follow fails here.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{example_of, spec, validate_against};
use futures::future::BoxFuture;
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use wattt_sdk::{
    CallbackRetryRequest, Client, CollectionLookup, CollectionRequest, Error, Idempotency,
    PaymentAmounts, PaymentLink, PaymentLinkAmountRequest, PaymentLinkRequest, PayoutLookup,
    PayoutRequest, RetryPolicy, OPERATIONS,
};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The fields the client adds to every request itself.
const CLIENT_FIELDS: [&str; 3] = ["uid", "timestamp", "sign"];

/// `(METHOD, path)` of every operation in the spec file.
fn spec_operations(spec: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (p, item) in spec["paths"].as_object().expect("paths") {
        for m in item.as_object().expect("path item").keys() {
            out.insert((m.to_uppercase(), p.clone()));
        }
    }
    out
}

fn schema_ref(v: &Value) -> Option<String> {
    v["$ref"]
        .as_str()
        .and_then(|r| r.rsplit('/').next())
        .map(str::to_owned)
}

#[test]
fn every_spec_operation_is_a_client_operation_and_vice_versa() {
    let in_spec = spec_operations(&spec());
    let in_client: BTreeSet<(String, String)> = OPERATIONS
        .iter()
        .map(|o| (o.method.to_string(), o.path.to_string()))
        .collect();
    let missing: Vec<_> = in_spec.difference(&in_client).collect();
    assert!(
        missing.is_empty(),
        "spec operations without a client method: {missing:?}"
    );
    let extra: Vec<_> = in_client.difference(&in_spec).collect();
    assert!(
        extra.is_empty(),
        "client operations not in the spec: {extra:?}"
    );
}

#[test]
fn only_queries_are_idempotent() {
    let creates = [
        "create_collection",
        "create_payout",
        "create_payment_link",
        "create_payment_link_for_amount",
        "retry_callback",
    ];
    for op in OPERATIONS {
        let query = op.idempotency == Idempotency::Idempotent;
        assert_eq!(query, !creates.contains(&op.name), "{}", op.name);
    }
}

fn text(example: &Map<String, Value>, k: &str) -> String {
    example[k]
        .as_str()
        .unwrap_or_else(|| panic!("spec example `{k}` is a string"))
        .to_owned()
}

fn opt(example: &Map<String, Value>, k: &str) -> Option<String> {
    Some(text(example, k))
}

fn decimal(example: &Map<String, Value>, k: &str) -> Decimal {
    example[k].to_string().parse().expect("a decimal example")
}

type Call = Box<dyn FnOnce(Client) -> BoxFuture<'static, Result<(), Error>>>;

/// Calls that send each request schema fully populated from the spec's own example values
/// (plus `extra`, which has no example). Keyed by schema name; a schema of the spec with no
/// entry here fails `requests_are_exactly_their_schemas`.
fn calls_for(schema: &str, ex: &Map<String, Value>) -> Option<Vec<Call>> {
    let extra = json!({"note": "kept"}).as_object().cloned();
    let ex = ex.clone();
    let calls: Vec<Call> = match schema {
        "SignedUidRequest" => vec![
            Box::new(|c| Box::pin(async move { c.payment_links().channels().await.map(drop) })),
            Box::new(|c| Box::pin(async move { c.payment_links().amounts().await.map(drop) })),
            Box::new(|c| Box::pin(async move { c.balance().await.map(drop) })),
        ],
        "PaymentLinkRequest" => {
            let mut r = PaymentLinkRequest::new(
                text(&ex, "merchant_order_no"),
                text(&ex, "member_no"),
                text(&ex, "member_name"),
                text(&ex, "notify_url"),
            );
            r.channel = opt(&ex, "channel");
            r.member_account = opt(&ex, "member_account");
            r.member_phone = opt(&ex, "member_phone");
            r.member_email = opt(&ex, "member_email");
            r.payer_name = opt(&ex, "payer_name");
            r.payer_bank_name = opt(&ex, "payer_bank_name");
            r.payer_bank_code = opt(&ex, "payer_bank_code");
            r.payer_account_no = opt(&ex, "payer_account_no");
            r.payer_account_last5 = opt(&ex, "payer_account_last5");
            r.payer_account_number = opt(&ex, "payerAccountNumber");
            r.payee_account_number = opt(&ex, "payeeAccountNumber");
            r.member_bank_name = opt(&ex, "member_bank_name");
            r.member_bank_account = opt(&ex, "member_bank_account");
            r.return_url = opt(&ex, "return_url");
            r.extra = extra;
            vec![Box::new(move |c| {
                Box::pin(async move { c.payment_links().create(&r).await.map(drop) })
            })]
        }
        "PaymentLinkAmountRequest" => {
            let mut r = PaymentLinkAmountRequest::new(
                text(&ex, "merchant_order_no"),
                ex["amount"].as_i64().expect("integer amount"),
                text(&ex, "member_no"),
                text(&ex, "member_name"),
                text(&ex, "notify_url"),
            );
            r.channel = opt(&ex, "channel");
            r.member_account = opt(&ex, "member_account");
            r.member_phone = opt(&ex, "member_phone");
            r.payer_bank_name = opt(&ex, "payer_bank_name");
            r.payer_bank_code = opt(&ex, "payer_bank_code");
            r.payer_account_no = opt(&ex, "payer_account_no");
            r.payer_account_last5 = opt(&ex, "payer_account_last5");
            r.return_url = opt(&ex, "return_url");
            r.extra = extra;
            vec![Box::new(move |c| {
                Box::pin(async move { c.payment_links().create_for_amount(&r).await.map(drop) })
            })]
        }
        "CollectionRequest" => {
            let r = CollectionRequest::new(text(&ex, "orderid"), decimal(&ex, "amount"))
                .merchant_order_no(text(&ex, "merchant_order_no"))
                .notify_url(text(&ex, "notify_url"));
            vec![Box::new(move |c| {
                Box::pin(async move { c.collections().create(&r).await.map(drop) })
            })]
        }
        "CollectionStatusRequest" => {
            let a = CollectionLookup::OrderId(text(&ex, "orderid"));
            let b = CollectionLookup::MerchantOrderNo(text(&ex, "merchant_order_no"));
            vec![
                Box::new(move |c| {
                    Box::pin(async move { c.collections().status(&a).await.map(drop) })
                }),
                Box::new(move |c| {
                    Box::pin(async move { c.collections().status(&b).await.map(drop) })
                }),
            ]
        }
        "PayoutRequest" => {
            let r = PayoutRequest::new(
                text(&ex, "serial_no"),
                decimal(&ex, "amount"),
                text(&ex, "payee_name"),
            )
            .payee_bank_account(text(&ex, "payee_bank"), text(&ex, "payee_account"))
            .notify_url(text(&ex, "notify_url"))
            .reverse_url(text(&ex, "reverse_url"));
            vec![Box::new(move |c| {
                Box::pin(async move { c.payouts().create(&r).await.map(drop) })
            })]
        }
        "PayoutStatusRequest" => {
            let a = PayoutLookup::SerialNo(text(&ex, "serial_no"));
            let b = PayoutLookup::MerchantOrderNo(text(&ex, "merchant_order_no"));
            vec![
                Box::new(move |c| Box::pin(async move { c.payouts().status(&a).await.map(drop) })),
                Box::new(move |c| Box::pin(async move { c.payouts().status(&b).await.map(drop) })),
            ]
        }
        "CallbackRetryRequest" => {
            let a = CallbackRetryRequest::collection(text(&ex, "orderid"));
            let b = CallbackRetryRequest::payout(text(&ex, "serial_no"));
            vec![
                Box::new(move |c| Box::pin(async move { c.callbacks().retry(&a).await.map(drop) })),
                Box::new(move |c| Box::pin(async move { c.callbacks().retry(&b).await.map(drop) })),
            ]
        }
        _ => return None,
    };
    Some(calls)
}

async fn capturing_server() -> (MockServer, Client) {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"ok": 1, "message": "success", "data": {}})),
        )
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .credentials("ABCDE", "spec-secret")
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    (server, client)
}

/// For every operation of the spec with a JSON request body: the SDK, given the schema's own
/// example values, sends exactly the schema's property names (the union over the calls that
/// use the schema), every required property in each body, the example's values (an `enum`
/// property: one of its values), and each body validates against the schema.
#[tokio::test]
async fn requests_are_exactly_their_schemas() {
    let spec = spec();
    let schemas = &spec["components"]["schemas"];
    let mut checked = 0;
    for (method, p) in spec_operations(&spec) {
        let op = &spec["paths"][&p][method.to_lowercase()];
        let Some(name) = schema_ref(&op["requestBody"]["content"]["application/json"]["schema"])
        else {
            continue;
        };
        let schema = &schemas[&name];
        let properties: BTreeSet<String> = schema["properties"]
            .as_object()
            .expect("properties")
            .keys()
            .cloned()
            .collect();
        let required: BTreeSet<String> = schema["required"]
            .as_array()
            .expect("required")
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        let example = example_of(schema, &spec);
        let example = example.as_object().expect("an object example");
        let calls = calls_for(&name, example)
            .unwrap_or_else(|| panic!("{name}: the spec has a request schema the SDK never sends"));
        let (server, client) = capturing_server().await;
        for call in calls {
            call(client.clone())
                .await
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        let bodies: Vec<Map<String, Value>> = server
            .received_requests()
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.url.path() == p || name == "SignedUidRequest")
            .map(|r| serde_json::from_slice(&r.body).expect("a JSON body"))
            .collect();
        assert!(!bodies.is_empty(), "{method} {p}: nothing sent");
        let mut sent = BTreeSet::new();
        for body in &bodies {
            validate_against(&name, &Value::Object(body.clone()))
                .unwrap_or_else(|e| panic!("{method} {p} ({name}): {e}"));
            for k in &required {
                assert!(
                    body.contains_key(k),
                    "{method} {p}: required `{k}` not sent: {body:?}"
                );
            }
            for (k, v) in body {
                sent.insert(k.clone());
                if CLIENT_FIELDS.contains(&k.as_str()) || k == "extra" {
                    continue;
                }
                match schema["properties"][k]["enum"].as_array() {
                    Some(allowed) => assert!(allowed.contains(v), "{name}.{k}: {v} not in enum"),
                    None => assert_eq!(Some(v), example.get(k), "{name}.{k}: the example's value"),
                }
            }
        }
        assert_eq!(
            sent, properties,
            "{method} {p} ({name}): fields sent vs the schema"
        );
        checked += 1;
    }
    assert!(checked > 0, "no request schema found in the spec");
}

/// GET operations: the query carries the spec's parameters plus the client's own fields.
#[tokio::test]
async fn queries_carry_their_spec_parameters() {
    let spec = spec();
    for (method, p) in spec_operations(&spec)
        .into_iter()
        .filter(|(m, _)| m == "GET")
    {
        let params: BTreeSet<String> = spec["paths"][&p]["get"]["parameters"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x["name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let (server, client) = capturing_server().await;
        assert_eq!(
            p,
            wattt_sdk::ops::BANKS.path,
            "the only GET today is /banks"
        );
        client.banks(Some("008")).await.unwrap();
        let reqs = server.received_requests().await.unwrap();
        let got: BTreeSet<String> = reqs[0]
            .url
            .query_pairs()
            .map(|(k, _)| k.into_owned())
            .collect();
        let mut want = params.clone();
        want.extend(CLIENT_FIELDS.iter().map(|s| s.to_string()));
        assert_eq!(got, want, "{method} {p}");
    }
}

/// Every response example the spec carries decodes into the typed model and comes back out
/// unchanged: every value kept, none left untyped in `extra`.
#[test]
fn response_examples_decode_and_keep_every_value() {
    let spec = spec();
    let schemas = &spec["components"]["schemas"];
    let mut by_schema: BTreeMap<String, Value> = BTreeMap::new();
    for (method, p) in spec_operations(&spec) {
        let op = &spec["paths"][&p][method.to_lowercase()];
        let name = schema_ref(&op["responses"]["200"]["content"]["application/json"]["schema"])
            .unwrap_or_else(|| panic!("{method} {p}: no 200 schema"));
        let mut example = example_of(&schemas[&name], &spec);
        let obj = example.as_object_mut().expect("an object example");
        obj.remove("ok");
        obj.remove("message");
        by_schema.insert(name, example);
    }
    for (name, example) in by_schema {
        let back = match name.as_str() {
            "PaymentAmountsResponse" => {
                let a: PaymentAmounts = serde_json::from_value(example["data"].clone()).unwrap();
                assert!(a.extra.is_empty(), "{name}: untyped {:?}", a.extra);
                json!({ "data": serde_json::to_value(&a).unwrap() })
            }
            "PaymentLinkResponse" => {
                let l: PaymentLink = serde_json::from_value(example.clone()).unwrap();
                assert!(
                    l.extra.is_empty() && l.data.extra.is_empty(),
                    "{name}: untyped fields"
                );
                serde_json::to_value(&l).unwrap()
            }
            // `data` is open (`additionalProperties: true`) and carries no example.
            "BasicResponse" => example.clone(),
            other => panic!("response schema `{other}` has no model check here"),
        };
        assert_eq!(back, example, "{name}: decoded and serialized back");
    }
}

/// Finding (issue 13, Wattt): fields decoded with serde `alias` could lose values when the
/// gateway sends several names for one value. A payment link carrying `url`, `payment_url`
/// and `redirect_url` (each different here), and a collection carrying `payment_url` and
/// `url`, keep every value.
#[test]
fn several_names_for_one_value_keep_every_value() {
    let link: PaymentLink = serde_json::from_value(json!({
        "url": "https://a.example/u", "payment_url": "https://a.example/p",
        "redirect_url": "https://a.example/r",
        "data": {"url": "https://d.example/u", "payment_url": "https://d.example/p",
                 "redirect_url": "https://d.example/r", "wait_url": "https://d.example/w"}
    }))
    .unwrap();
    assert_eq!(link.url.as_deref(), Some("https://a.example/u"));
    assert_eq!(link.payment_url.as_deref(), Some("https://a.example/p"));
    assert_eq!(link.redirect_url.as_deref(), Some("https://a.example/r"));
    assert_eq!(link.data.url.as_deref(), Some("https://d.example/u"));
    assert_eq!(
        link.data.payment_url.as_deref(),
        Some("https://d.example/p")
    );
    assert_eq!(
        link.data.redirect_url.as_deref(),
        Some("https://d.example/r")
    );
    assert_eq!(link.data.wait_url.as_deref(), Some("https://d.example/w"));

    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "collection url and payment_url",
            json!({"orderid": "C1", "url": "https://u", "payment_url": "https://p", "redirect_url": "https://r"}),
            "collection",
        ),
        (
            "collection order_no, trade_no, system_order_no",
            json!({"orderid": "C1", "order_no": "O", "trade_no": "T", "system_order_no": "S"}),
            "collection",
        ),
        (
            "payout order numbers",
            json!({"serial_no": "P1", "order_no": "O", "trade_no": "T"}),
            "payout",
        ),
        (
            "bank code and bank_code",
            json!({"code": "008", "bank_code": "009", "name": "A", "bank_name": "B"}),
            "bank",
        ),
        (
            "balance available and available_balance",
            json!({"available": 1, "available_balance": 2, "frozen": 3, "frozen_balance": 4}),
            "balance",
        ),
        (
            "channel code and channel",
            json!({"code": "sky_coin", "channel": "bank_transfer"}),
            "channel",
        ),
    ];
    for (name, wire, model) in cases {
        let back = match model {
            "collection" => serde_json::to_value(
                serde_json::from_value::<wattt_sdk::Collection>(wire.clone()).unwrap(),
            ),
            "payout" => serde_json::to_value(
                serde_json::from_value::<wattt_sdk::Payout>(wire.clone()).unwrap(),
            ),
            "bank" => serde_json::to_value(
                serde_json::from_value::<wattt_sdk::Bank>(wire.clone()).unwrap(),
            ),
            "balance" => serde_json::to_value(
                serde_json::from_value::<wattt_sdk::Balance>(wire.clone()).unwrap(),
            ),
            _ => serde_json::to_value(
                serde_json::from_value::<wattt_sdk::PaymentChannel>(wire.clone()).unwrap(),
            ),
        }
        .unwrap();
        for (k, v) in wire.as_object().unwrap() {
            let kept = back.get(k).map(|b| {
                // Decimals come back as numbers whatever their wire form.
                b == v || b.as_f64().is_some() && b.as_f64() == v.as_f64()
            });
            assert_eq!(kept, Some(true), "{name}: `{k}` = {v} lost: {back}");
        }
    }
}

/// The schema validator used by the contract tests is not vacuous: it refuses a body missing
/// a required field and a mistyped one. (This checks the harness, not the SDK.)
#[test]
fn the_schema_validator_is_not_vacuous() {
    let bad = json!({"timestamp": 1, "sign": "x", "orderid": "C", "amount": 1});
    assert!(
        validate_against("CollectionRequest", &bad).is_err(),
        "uid is required"
    );
    let bad =
        json!({"uid": "A", "timestamp": "1782347899", "sign": "x", "orderid": "C", "amount": 1});
    assert!(
        validate_against("CollectionRequest", &bad).is_err(),
        "timestamp must be an integer"
    );
    let bad = json!({"uid": "A", "timestamp": 1, "sign": "x", "type": "refund"});
    assert!(validate_against("CallbackRetryRequest", &bad).is_err());
}
