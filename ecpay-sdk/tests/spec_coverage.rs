//! Spec coverage: every operation of the OpenAPI spec kept in the crate has a client method
//! (listed in `demo::OPERATIONS`, each exercised by `tests/demo_contract.rs`), every schema
//! has a model, and the merchant spec's operation is the one the client calls.

use std::collections::BTreeSet;

use serde_json::Value;

const SPEC: &str = include_str!("../spec/ecpay-integration-demo.openapi.json");
const MERCHANT_SPEC: &str = include_str!("../spec/ecpay-merchant-checkout.md");
const CONTRACT_TESTS: &str = include_str!("demo_contract.rs");

#[test]
fn every_operation_has_a_client_method() {
    let spec: Value = serde_json::from_str(SPEC).unwrap();
    let mut in_spec = BTreeSet::new();
    for (p, item) in spec["paths"].as_object().unwrap() {
        for (m, op) in item.as_object().unwrap() {
            in_spec.insert((
                m.to_uppercase(),
                p.clone(),
                op["operationId"].as_str().unwrap().to_owned(),
            ));
        }
    }
    let in_sdk: BTreeSet<(String, String, String)> = ecpay_sdk::demo::OPERATIONS
        .iter()
        .map(|(m, p, id)| (m.to_string(), p.to_string(), id.to_string()))
        .collect();
    assert_eq!(in_spec, in_sdk, "spec operations vs demo::OPERATIONS");
    assert_eq!(in_spec.len(), 11);
}

#[test]
fn every_operation_is_exercised_by_a_contract_test() {
    // each SDK method of the demo handler appears in the contract tests
    for m in [
        ".home()",
        ".health()",
        ".create_order(",
        ".forward_ecpay_return(",
        ".event(",
        ".recent_events(",
        ".create_checkout(",
        ".redirect_page(",
        ".post_result(",
        ".result_page(",
        ".back_page(",
    ] {
        assert!(CONTRACT_TESTS.contains(m), "{m} not exercised");
    }
}

#[test]
fn every_schema_has_a_model() {
    let spec: Value = serde_json::from_str(SPEC).unwrap();
    let schemas: BTreeSet<String> = spec["components"]["schemas"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let modelled: BTreeSet<String> = [
        (
            "CreateOrderResponse",
            std::any::type_name::<ecpay_sdk::demo::CreateOrderResponse>(),
        ),
        (
            "ECPayCheckoutRequest",
            std::any::type_name::<ecpay_sdk::demo::CheckoutRequest>(),
        ),
        (
            "ECPayCheckoutResponse",
            std::any::type_name::<ecpay_sdk::demo::CheckoutResponse>(),
        ),
        (
            "EventRecord",
            std::any::type_name::<ecpay_sdk::demo::EventRecord>(),
        ),
        (
            "HTTPValidationError",
            std::any::type_name::<ecpay_sdk::demo::HttpValidationError>(),
        ),
        (
            "MappedOrder",
            std::any::type_name::<ecpay_sdk::demo::MappedOrder>(),
        ),
        (
            "OrderRequest",
            std::any::type_name::<ecpay_sdk::demo::OrderRequest>(),
        ),
        (
            "RecentEventsResponse",
            std::any::type_name::<ecpay_sdk::demo::RecentEventsResponse>(),
        ),
        (
            "ValidationError",
            std::any::type_name::<ecpay_sdk::demo::ValidationError>(),
        ),
    ]
    .iter()
    .map(|(s, _)| s.to_string())
    .collect();
    assert_eq!(schemas, modelled);
}

#[test]
fn event_record_models_every_property() {
    let spec: Value = serde_json::from_str(SPEC).unwrap();
    let props: BTreeSet<String> = spec["components"]["schemas"]["EventRecord"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let fixture: Value = serde_json::from_str(include_str!("fixtures/event_record.json")).unwrap();
    let rec: ecpay_sdk::demo::EventRecord = serde_json::from_value(fixture).unwrap();
    let out: BTreeSet<String> = serde_json::to_value(rec)
        .unwrap()
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(props, out);
    // the enums carry every spec value
    for v in spec["components"]["schemas"]["EventRecord"]["properties"]["status"]["enum"]
        .as_array()
        .unwrap()
    {
        let s: ecpay_sdk::demo::EventStatus = serde_json::from_value(v.clone()).unwrap();
        assert!(!matches!(s, ecpay_sdk::demo::EventStatus::Other(_)), "{v}");
    }
    for v in spec["components"]["schemas"]["EventRecord"]["properties"]["notification_status"]
        ["enum"]
        .as_array()
        .unwrap()
    {
        let s: ecpay_sdk::demo::NotificationStatus = serde_json::from_value(v.clone()).unwrap();
        assert!(
            !matches!(s, ecpay_sdk::demo::NotificationStatus::Other(_)),
            "{v}"
        );
    }
}

#[test]
fn merchant_spec_operation_is_the_one_called() {
    assert!(MERCHANT_SPEC.contains("/api/payment/ecpay/checkout"));
    assert!(MERCHANT_SPEC.contains("| Method | POST"));
    assert_eq!(
        ecpay_sdk::merchant::CHECKOUT_PATH,
        "/api/payment/ecpay/checkout"
    );
    assert!(MERCHANT_SPEC.contains("SYSTEM_ERROR"));
}
