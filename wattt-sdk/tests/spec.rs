//! The spec kept in the crate (spec/wattt-merchant.openapi.json) against the client.

mod common;

use std::collections::BTreeSet;

use common::{example_of, spec, validate_against};
use serde_json::{json, Value};
use wattt_sdk::{PaymentAmounts, PaymentLink, OPERATIONS};

#[test]
fn every_spec_operation_has_a_client_method_and_vice_versa() {
    let spec = spec();
    let mut in_spec = BTreeSet::new();
    for (p, item) in spec["paths"].as_object().unwrap() {
        for m in item.as_object().unwrap().keys() {
            in_spec.insert((m.to_uppercase(), p.clone()));
        }
    }
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
    assert_eq!(in_spec.len(), 11);
}

#[test]
fn only_queries_are_retried() {
    for op in OPERATIONS {
        let creates = [
            "create_collection",
            "create_payout",
            "create_payment_link",
            "create_payment_link_for_amount",
            "retry_callback",
        ];
        assert_eq!(op.retried, !creates.contains(&op.name), "{}", op.name);
    }
}

#[test]
fn spec_examples_decode_into_the_typed_models() {
    let spec = spec();
    let schemas = &spec["components"]["schemas"];

    let amounts = example_of(&schemas["PaymentAmountsResponse"], &spec);
    let a: PaymentAmounts = serde_json::from_value(amounts["data"].clone()).unwrap();
    assert_eq!(a.fixed_amounts, vec![1000, 2000, 3000, 5000, 8000, 10000]);
    assert_eq!(a.allow_custom, Some(true));
    assert!(
        a.extra.is_empty(),
        "all example fields are typed: {:?}",
        a.extra
    );

    let mut link = example_of(&schemas["PaymentLinkResponse"], &spec);
    let obj = link.as_object_mut().unwrap();
    obj.remove("ok");
    obj.remove("message");
    let l: PaymentLink = serde_json::from_value(link).unwrap();
    assert!(
        l.extra.is_empty() && l.data.extra.is_empty(),
        "all example fields are typed"
    );
    assert_eq!(l.amount, Some(5000));
    assert_eq!(l.data.expires_at.as_deref(), Some("2026-05-23 12:30:00"));
    assert!(l.payment_url().unwrap().contains("/sky/purchase/wait/"));
}

#[test]
fn request_examples_validate_and_schema_check_is_not_vacuous() {
    let spec = spec();
    for name in [
        "SignedUidRequest",
        "PaymentLinkRequest",
        "PaymentLinkAmountRequest",
        "CollectionRequest",
        "CollectionStatusRequest",
        "PayoutRequest",
        "PayoutStatusRequest",
        "CallbackRetryRequest",
    ] {
        let ex = example_of(&spec["components"]["schemas"][name], &spec);
        validate_against(name, &ex).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut missing = ex.clone();
        missing.as_object_mut().unwrap().remove("uid");
        assert!(
            validate_against(name, &missing).is_err(),
            "{name} requires uid"
        );
    }
    let bad =
        json!({"uid": "A", "timestamp": "1782347899", "sign": "x", "orderid": "C", "amount": 1});
    assert!(
        validate_against("CollectionRequest", &bad).is_err(),
        "timestamp must be an integer"
    );
    let bad = json!({"uid": "A", "timestamp": 1, "sign": "x", "type": "refund"});
    assert!(validate_against("CallbackRetryRequest", &bad).is_err());
    let _ = Value::Null;
}
