//! Spec coverage, derived from the spec file kept in `spec/` (no hand-typed
//! counts): every endpoint the spec documents is called through the SDK and
//! must send exactly that method and path; every documented error code,
//! status and query parameter is typed; every example decodes into the models
//! exactly (amounts compared with the example's JSON text, never through f64).

use std::collections::{BTreeMap, BTreeSet};

use octopus_sdk::orders::{CreateOrder, ListOrders, UpdateOrder};
use octopus_sdk::payments::{CreatePayment, UpdatePaymentStatus};
use octopus_sdk::{ApiErrorCode, Client, Decimal, OrderStatus, PaymentStatus, RetryPolicy};
use serde_json::value::RawValue;
use wiremock::{Mock, MockServer, ResponseTemplate};

const SPEC: &str = include_str!("../spec/octopus-oepay-api.md");

/// The fenced blocks of one language, in document order.
fn blocks(lang: &str) -> Vec<&'static str> {
    let fence = format!("```{lang}\n");
    let mut out = Vec::new();
    let mut rest = SPEC;
    while let Some(i) = rest.find(&fence) {
        let after = &rest[i + fence.len()..];
        let end = after.find("```").expect("closed block");
        out.push(&after[..end]);
        rest = &after[end + 3..];
    }
    out
}

/// (METHOD, path) of every ```http block line that names an endpoint.
fn spec_endpoints() -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for block in blocks("http") {
        for line in block.lines() {
            let mut parts = line.split_whitespace();
            if let (Some(m), Some(p)) = (parts.next(), parts.next()) {
                if ["GET", "POST", "PATCH", "PUT", "DELETE"].contains(&m) {
                    out.insert((m.to_owned(), p.split('?').next().unwrap_or(p).to_owned()));
                }
            }
        }
    }
    out
}

/// The first-column `code` cells of the markdown table under `heading`.
fn table_codes(heading: &str) -> Vec<String> {
    // The heading as a whole line ("### 支付狀態", not "### 支付狀態更新事件").
    let line = format!("\n{heading}\n");
    let start = SPEC
        .find(&line)
        .unwrap_or_else(|| panic!("spec has no {heading}"));
    SPEC[start + line.len()..]
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| {
            let cell = l.split('|').nth(1)?.trim();
            cell.strip_prefix('`')?.strip_suffix('`').map(str::to_owned)
        })
        .collect()
}

const ID: &str = "ID1";

/// Calls the SDK operation that serves a spec endpoint. Adding an endpoint to
/// the spec without a row here fails `every_spec_endpoint_is_served`.
async fn call(c: &Client, method: &str, path: &str) -> Option<()> {
    let amount: Decimal = "1".parse().ok()?;
    let update = UpdateOrder {
        description: Some("d".into()),
        ..Default::default()
    };
    match (method, path) {
        ("POST", "/orders") => drop(c.orders().create(&CreateOrder::new("d", amount)).await),
        ("GET", "/orders/{orderId}") => drop(c.orders().get(ID).await),
        ("PATCH", "/orders/{orderId}") => drop(c.orders().update(ID, &update).await),
        ("GET", "/orders") => drop(c.orders().list(&ListOrders::default()).await),
        ("POST", "/payments") => drop(c.payments().create(&CreatePayment::new(ID, amount)).await),
        ("GET", "/payments/{paymentId}") => drop(c.payments().get(ID).await),
        ("PATCH", "/payments/{paymentId}/status") => drop(
            c.payments()
                .update_status(ID, &UpdatePaymentStatus::new(PaymentStatus::Completed))
                .await,
        ),
        ("POST", "/payments/{paymentId}/simulate") => drop(c.payments().simulate(ID).await),
        _ => return None,
    }
    Some(())
}

/// Every spec endpoint the merchant calls sends exactly its method and path
/// (path parameters filled in); the webhook endpoint, which the platform
/// calls, is served by `webhook::Verifier` (checked on the spec's example in
/// `every_example_decodes_exactly`).
#[tokio::test]
async fn every_spec_endpoint_is_served() {
    let endpoints = spec_endpoints();
    assert!(!endpoints.is_empty(), "no endpoint parsed from the spec");
    let s = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(404))
        .mount(&s)
        .await;
    let c = Client::builder()
        .base_url(format!("{}/api", s.uri()))
        .environment(octopus_sdk::Environment::Sandbox)
        .api_token("t")
        .api_key("k")
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let mut missing = Vec::new();
    for (method, path) in &endpoints {
        if path == "/payments/webhook/octopus" {
            continue;
        }
        s.reset().await;
        Mock::given(wiremock::matchers::any())
            .respond_with(ResponseTemplate::new(404))
            .mount(&s)
            .await;
        if call(&c, method, path).await.is_none() {
            missing.push(format!("{method} {path}"));
            continue;
        }
        let want = format!(
            "/api{}",
            path.replace("{orderId}", ID).replace("{paymentId}", ID)
        );
        let seen: Vec<_> = s
            .received_requests()
            .await
            .unwrap()
            .iter()
            .map(|r| format!("{} {}", r.method, r.url.path()))
            .collect();
        assert!(
            seen.first() == Some(&format!("{method} {want}")),
            "{method} {path}: the SDK sent {seen:?}"
        );
    }
    assert!(
        missing.is_empty(),
        "spec endpoints without an SDK operation: {missing:?}"
    );
}

/// Both error tables of the spec, against `ApiErrorCode::ALL`, in both directions.
#[test]
fn every_spec_error_code_is_typed() {
    let mut spec: BTreeSet<String> = table_codes("### 常見錯誤代碼").into_iter().collect();
    spec.extend(table_codes("### 八達通API錯誤代碼"));
    assert!(!spec.is_empty(), "no error code parsed from the spec");
    let typed: BTreeSet<String> = ApiErrorCode::ALL
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect();
    assert_eq!(spec, typed, "spec codes vs ApiErrorCode::ALL");
    for c in &spec {
        assert!(
            !matches!(ApiErrorCode::parse(c), ApiErrorCode::Other(_)),
            "{c} is not a typed code"
        );
    }
    // The documented status of each common code is the one the table gives.
    let start = SPEC.find("### 常見錯誤代碼").unwrap();
    for line in SPEC[start..].lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (code, status) = (cells[1].trim_matches('`'), cells[2]);
        let Ok(status) = status.parse::<u16>() else {
            break;
        };
        assert_eq!(
            ApiErrorCode::parse(code).documented_status(),
            Some(status),
            "{code}"
        );
    }
}

/// The spec's status tables, against the typed enums, in both directions.
#[test]
fn every_spec_status_is_typed() {
    let order: BTreeSet<String> = table_codes("### 訂單狀態").into_iter().collect();
    let typed: BTreeSet<String> = OrderStatus::ALL
        .iter()
        .map(|s| s.as_str().to_owned())
        .collect();
    assert_eq!(order, typed, "訂單狀態 vs OrderStatus::ALL");
    let payment: BTreeSet<String> = table_codes("### 支付狀態").into_iter().collect();
    let typed: BTreeSet<String> = PaymentStatus::ALL
        .iter()
        .map(|s| s.as_str().to_owned())
        .collect();
    assert_eq!(payment, typed, "支付狀態 vs PaymentStatus::ALL");
}

/// The query parameters of the spec's paging and filter tables are exactly
/// the names `ListOrders` sends when every field is set.
#[test]
fn every_spec_query_parameter_is_sent() {
    let mut spec: BTreeSet<String> = table_codes("### 分頁參數").into_iter().collect();
    spec.extend(table_codes("### 過濾參數"));
    let all = ListOrders {
        page: Some(1),
        limit: Some(1),
        sort: Some("createdAt".into()),
        order: Some(octopus_sdk::SortOrder::Desc),
        status: Some(OrderStatus::Pending),
        amount_min: Some(Decimal::ONE),
        amount_max: Some(Decimal::TEN),
        created_after: Some("2024-01-01T00:00:00Z".parse().unwrap()),
        created_before: Some("2024-02-01T00:00:00Z".parse().unwrap()),
    };
    let sent: BTreeSet<String> = all.to_query().iter().map(|(k, _)| k.to_string()).collect();
    assert_eq!(spec, sent, "spec query parameters vs ListOrders::to_query");
}

/// The raw JSON text of `key` in an object (no f64 on the way).
fn raw_field<'a>(obj: &'a BTreeMap<String, &'a RawValue>, key: &str) -> Option<&'a str> {
    obj.get(key).map(|r| r.get())
}

/// Every response example decodes into the model its endpoint returns, with
/// every amount equal to the example's own JSON text (`100.00` stays
/// `100.00`): decoded from the raw text, not re-rendered through
/// `serde_json::Value` (which reads numbers as f64 and would turn `100.00`
/// into `100.0`, the finding of issue 13 this replaces).
#[test]
fn every_example_decodes_exactly() {
    let json = blocks("json");
    // The response examples, by the heading of the section they follow.
    let section_of = |block: &str| {
        let at = SPEC.find(block).expect("block in spec");
        SPEC[..at]
            .rfind("\n### ")
            .map(|h| SPEC[h + 5..].lines().next().unwrap_or("").to_owned())
            .unwrap_or_default()
    };
    let mut decoded = 0;
    for block in &json {
        let section = section_of(block);
        let top: BTreeMap<String, &RawValue> =
            serde_json::from_str(block).unwrap_or_else(|e| panic!("{section}: {e}"));
        let Some(data) = top.get("data") else {
            // Requests, errors, the webhook body and its acknowledgement.
            if top.contains_key("eventType") {
                let e: octopus_sdk::webhook::WebhookEvent = serde_json::from_str(block)
                    .unwrap_or_else(|e| panic!("{section}: webhook body: {e}"));
                assert_eq!(
                    Some(e.amount.to_string().as_str()),
                    raw_field(&top, "amount"),
                    "{section}"
                );
                decoded += 1;
            }
            continue;
        };
        let fields: BTreeMap<String, &RawValue> = serde_json::from_str(data.get()).unwrap();
        let amount = raw_field(&fields, "amount");
        let got_amount = match section.as_str() {
            "創建訂單" | "獲取訂單" | "更新訂單" => {
                let o: octopus_sdk::Order =
                    serde_json::from_str(data.get()).unwrap_or_else(|e| panic!("{section}: {e}"));
                Some(o.amount.to_string())
            }
            "創建支付請求" | "獲取支付狀態" => {
                let p: octopus_sdk::Payment =
                    serde_json::from_str(data.get()).unwrap_or_else(|e| panic!("{section}: {e}"));
                Some(p.amount.to_string())
            }
            "更新支付狀態" | "模擬支付（測試用）" => {
                let c: octopus_sdk::PaymentStatusChange =
                    serde_json::from_str(data.get()).unwrap_or_else(|e| panic!("{section}: {e}"));
                assert_eq!(
                    Some(format!("\"{}\"", c.status).as_str()),
                    raw_field(&fields, "status"),
                    "{section}"
                );
                None
            }
            other => panic!("a response example in section {other:?} has no model here"),
        };
        assert_eq!(
            got_amount.as_deref(),
            amount,
            "{section}: amount decoded exactly"
        );
        decoded += 1;
    }
    assert!(decoded > 0, "no example decoded");
}

/// The spec's webhook example verifies through the SDK's verifier when
/// signed (here, with the `hmac` crate) by the contract's rule.
#[test]
fn the_webhook_endpoint_is_served_by_the_verifier() {
    use hmac::{Hmac, Mac};
    let body = blocks("json")
        .into_iter()
        .find(|b| b.contains("\"eventType\""))
        .expect("the spec's webhook body");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"whsec").unwrap();
    mac.update(body.as_bytes());
    let sig = hex::encode(mac.finalize().into_bytes());
    let now = "2024-01-01T00:05:00Z".parse().unwrap();
    let v = octopus_sdk::webhook::Verifier::new("whsec").unwrap();
    let e = v
        .verify_parts_at(
            body.as_bytes(),
            Some(&sig),
            Some("2024-01-01T00:05:00Z"),
            now,
        )
        .unwrap();
    assert_eq!(
        e.event_type,
        octopus_sdk::webhook::WebhookEventType::PaymentCompleted
    );
    assert!(spec_endpoints().contains(&("POST".into(), "/payments/webhook/octopus".into())));
}
