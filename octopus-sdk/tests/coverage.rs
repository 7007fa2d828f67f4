//! Spec coverage: every endpoint the spec (kept in `spec/`) documents must be
//! mapped to a client method here, and every mapped method must exist (the
//! table holds function items, so a missing method fails to compile).

use std::collections::BTreeSet;

/// (METHOD, path) of every ```http block in the spec that names an endpoint.
fn spec_endpoints() -> BTreeSet<(String, String)> {
    let spec = include_str!("../spec/octopus-oepay-api.md");
    let mut out = BTreeSet::new();
    let mut rest = spec;
    while let Some(i) = rest.find("```http\n") {
        let after = &rest[i + 8..];
        let end = after.find("```").expect("closed block");
        for line in after[..end].lines() {
            let mut parts = line.split_whitespace();
            if let (Some(m), Some(p)) = (parts.next(), parts.next()) {
                if ["GET", "POST", "PATCH", "PUT", "DELETE"].contains(&m) {
                    out.insert((m.to_owned(), p.split('?').next().unwrap_or(p).to_owned()));
                }
            }
        }
        rest = &after[end + 3..];
    }
    out
}

#[test]
fn every_spec_endpoint_has_a_client_method() {
    use octopus_sdk::orders::Orders;
    use octopus_sdk::payments::Payments;
    // Referencing the methods as values proves they exist.
    let _ = (
        Orders::create,
        Orders::get,
        Orders::update,
        Orders::list,
        Orders::list_all,
        Payments::create,
        Payments::get,
        Payments::update_status,
        Payments::simulate,
        octopus_sdk::webhook::verify,
    );
    let covered: BTreeSet<(String, String)> = [
        ("POST", "/orders", "Orders::create"),
        ("GET", "/orders/{orderId}", "Orders::get"),
        ("PATCH", "/orders/{orderId}", "Orders::update"),
        ("GET", "/orders", "Orders::list / Orders::list_all"),
        ("POST", "/payments", "Payments::create"),
        ("GET", "/payments/{paymentId}", "Payments::get"),
        (
            "PATCH",
            "/payments/{paymentId}/status",
            "Payments::update_status",
        ),
        (
            "POST",
            "/payments/{paymentId}/simulate",
            "Payments::simulate",
        ),
        // Sent by the platform to the merchant: verified, not called.
        ("POST", "/payments/webhook/octopus", "webhook::verify"),
    ]
    .iter()
    .map(|(m, p, _)| (m.to_string(), p.to_string()))
    .collect();
    let spec = spec_endpoints();
    assert!(spec.len() >= 9, "spec parsing found only {spec:?}");
    let missing: Vec<_> = spec.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "spec endpoints without a client method: {missing:?}"
    );
    let stale: Vec<_> = covered.difference(&spec).collect();
    assert!(
        stale.is_empty(),
        "mapped endpoints not in the spec: {stale:?}"
    );
}

#[test]
fn every_spec_error_code_is_typed() {
    let spec = include_str!("../spec/octopus-oepay-api.md");
    let mut codes = Vec::new();
    for line in spec.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() > 2 {
            let c = cells[1].trim_matches('`');
            let is_code = cells[1].starts_with('`')
                && c.chars()
                    .all(|ch| ch.is_ascii_uppercase() || ch == '_' || ch.is_ascii_digit())
                && c.chars().any(|ch| ch.is_ascii_uppercase())
                && (c.contains('_') || (c.starts_with('E') && c.len() == 4));
            if is_code {
                codes.push(c.to_owned());
            }
        }
    }
    assert_eq!(codes.len(), 18, "{codes:?}");
    for c in codes {
        assert!(
            !matches!(
                octopus_sdk::ApiErrorCode::parse(&c),
                octopus_sdk::ApiErrorCode::Other(_)
            ),
            "{c} is not a typed code"
        );
    }
}

#[test]
fn every_spec_status_is_typed() {
    use octopus_sdk::{OrderStatus, PaymentStatus};
    for s in [
        "pending",
        "confirmed",
        "processing",
        "completed",
        "cancelled",
        "failed",
    ] {
        assert!(
            !matches!(OrderStatus::parse(s), OrderStatus::Other(_)),
            "{s}"
        );
    }
    for s in [
        "pending",
        "processing",
        "completed",
        "failed",
        "cancelled",
        "refunded",
    ] {
        assert!(
            !matches!(PaymentStatus::parse(s), PaymentStatus::Other(_)),
            "{s}"
        );
    }
}

#[test]
fn every_spec_response_example_decodes_into_the_models() {
    // Spot-check that each success example decodes as the model its endpoint returns.
    let spec = include_str!("../spec/octopus-oepay-api.md");
    let blocks: Vec<&str> = spec
        .split("```json\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .collect();
    let data = |i: usize| {
        serde_json::from_str::<serde_json::Value>(blocks[i]).unwrap()["data"].to_string()
    };
    for i in [1, 3, 5] {
        serde_json::from_str::<octopus_sdk::Order>(&data(i))
            .unwrap_or_else(|e| panic!("block {i}: {e}"));
    }
    for i in [7, 8] {
        serde_json::from_str::<octopus_sdk::Payment>(&data(i))
            .unwrap_or_else(|e| panic!("block {i}: {e}"));
    }
    for i in [10, 11] {
        serde_json::from_str::<octopus_sdk::PaymentStatusChange>(&data(i))
            .unwrap_or_else(|e| panic!("block {i}: {e}"));
    }
    serde_json::from_str::<octopus_sdk::webhook::WebhookEvent>(blocks[12]).unwrap();
}
