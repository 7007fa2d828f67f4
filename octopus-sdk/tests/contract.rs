//! Contract tests on wiremock: every endpoint of the spec, asserting method,
//! path, headers, signature (recomputed locally) and body, and decoding every
//! documented response and error. Response fixtures are the spec's own
//! examples, read from the spec copy in `spec/`.

mod common;

use common::*;
use futures::TryStreamExt;
use octopus_sdk::orders::{CreateOrder, ListOrders, UpdateOrder};
use octopus_sdk::payments::{CreatePayment, UpdatePaymentStatus};
use octopus_sdk::{ApiErrorCode, Environment, Error, OrderStatus, PaymentStatus, SortOrder};
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn resp(status: u16, body: String) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body, "application/json")
}

/// Any request no mock expected fails loudly (404 with a message).
async fn server() -> MockServer {
    MockServer::start().await
}

#[tokio::test]
async fn create_order_matches_the_spec() {
    let s = server().await;
    let mut expected_body = json(&example(ex::CREATE_ORDER_REQ));
    Mock::given(method("POST"))
        .and(path("/api/orders"))
        .and(Authenticated { signed: true })
        .and(body_json(expected_body.clone()))
        .respond_with(resp(201, example(ex::CREATE_ORDER_RESP)))
        .expect(1)
        .mount(&s)
        .await;
    let meta = expected_body["metadata"].take();
    let req = CreateOrder::new("商品描述", dec("100.00"))
        .customer_email("customer@example.com")
        .customer_phone("+852 1234 5678")
        .metadata(meta.as_object().cloned().unwrap());
    let order = client(&s.uri()).orders().create(&req).await.unwrap();
    assert_eq!(order.id, "550e8400-e29b-41d4-a716-446655440000");
    assert_eq!(order.order_number.as_deref(), Some("ORD-ABC123DEF"));
    assert_eq!(order.amount, dec("100.00"));
    assert_eq!(order.currency, "HKD");
    assert_eq!(order.status, OrderStatus::Pending);
    assert_eq!(
        order.created_at.unwrap().to_rfc3339(),
        "2024-01-01T00:00:00+00:00"
    );
    assert_eq!(order.metadata.unwrap()["productId"], "PROD_001");
}

#[tokio::test]
async fn amounts_are_sent_as_exact_json_numbers() {
    let s = server().await;
    Mock::given(method("POST"))
        .and(path("/api/orders"))
        .respond_with(resp(201, example(ex::CREATE_ORDER_RESP)))
        .mount(&s)
        .await;
    client(&s.uri())
        .orders()
        .create(&CreateOrder::new("x", dec("0.10")))
        .await
        .unwrap();
    let reqs = s.received_requests().await.unwrap();
    let body = String::from_utf8(reqs[0].body.clone()).unwrap();
    assert!(body.contains(r#""amount":0.10"#), "{body}");
    assert_eq!(reqs[0].headers["content-type"], "application/json");
}

#[tokio::test]
async fn get_order_with_embedded_payment() {
    let s = server().await;
    Mock::given(method("GET"))
        .and(path("/api/orders/550e8400-e29b-41d4-a716-446655440000"))
        .and(Authenticated { signed: true })
        .respond_with(resp(200, example(ex::GET_ORDER_RESP)))
        .expect(1)
        .mount(&s)
        .await;
    let o = client(&s.uri())
        .orders()
        .get("550e8400-e29b-41d4-a716-446655440000")
        .await
        .unwrap();
    let p = o.payment.unwrap();
    assert_eq!(p.id, "payment-uuid");
    assert_eq!(p.status, PaymentStatus::Pending);
    assert_eq!(p.payment_token.as_deref(), Some("wG6YPjY"));
}

#[tokio::test]
async fn path_segments_are_percent_encoded() {
    let s = server().await;
    Mock::given(method("GET"))
        .and(path("/api/orders/a%2Fb%20c"))
        .respond_with(resp(200, example(ex::GET_ORDER_RESP)))
        .expect(1)
        .mount(&s)
        .await;
    client(&s.uri()).orders().get("a/b c").await.unwrap();
}

#[tokio::test]
async fn update_order_matches_the_spec() {
    let s = server().await;
    Mock::given(method("PATCH"))
        .and(path("/api/orders/550e8400-e29b-41d4-a716-446655440000"))
        .and(Authenticated { signed: true })
        .and(body_json(json(&example(ex::UPDATE_ORDER_REQ))))
        .respond_with(resp(200, example(ex::UPDATE_ORDER_RESP)))
        .expect(1)
        .mount(&s)
        .await;
    let mut meta = serde_json::Map::new();
    meta.insert("updatedField".into(), "new_value".into());
    let req = UpdateOrder {
        description: Some("更新的商品描述".into()),
        amount: Some(dec("150.00")),
        status: Some(OrderStatus::Confirmed),
        metadata: Some(meta),
    };
    let o = client(&s.uri())
        .orders()
        .update("550e8400-e29b-41d4-a716-446655440000", &req)
        .await
        .unwrap();
    assert_eq!(o.status, OrderStatus::Confirmed);
    assert_eq!(o.amount, dec("150"));
    assert!(o.created_at.is_none());
    assert_eq!(
        o.updated_at.unwrap().to_rfc3339(),
        "2024-01-01T00:05:00+00:00"
    );
}

fn order_json(id: usize) -> serde_json::Value {
    serde_json::json!({"id": format!("o{id}"), "amount": 10.5, "currency": "HKD", "status": "pending"})
}

#[tokio::test]
async fn list_orders_sends_paging_and_filters() {
    let s = server().await;
    let body = serde_json::json!({
        "success": true,
        "data": [order_json(1), order_json(2)],
        "pagination": {"page": 2, "limit": 2, "total": 7, "totalPages": 4}
    });
    Mock::given(method("GET"))
        .and(path("/api/orders"))
        .and(Authenticated { signed: true })
        .and(query_param("page", "2"))
        .and(query_param("limit", "2"))
        .and(query_param("sort", "createdAt"))
        .and(query_param("order", "asc"))
        .and(query_param("status", "pending"))
        .and(query_param("amount_min", "10"))
        .and(query_param("amount_max", "100.50"))
        .and(query_param("created_after", "2024-01-01T00:00:00Z"))
        .and(query_param("created_before", "2024-02-01T00:00:00Z"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(1)
        .mount(&s)
        .await;
    let params = ListOrders {
        page: Some(2),
        limit: Some(2),
        sort: Some("createdAt".into()),
        order: Some(SortOrder::Asc),
        status: Some(OrderStatus::Pending),
        amount_min: Some(dec("10")),
        amount_max: Some(dec("100.50")),
        created_after: Some("2024-01-01T00:00:00Z".parse().unwrap()),
        created_before: Some("2024-02-01T00:00:00Z".parse().unwrap()),
    };
    let page = client(&s.uri()).orders().list(&params).await.unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.items[1].id, "o2");
    assert_eq!(page.items[0].amount, dec("10.5"));
    let p = page.pagination.unwrap();
    assert_eq!((p.page, p.limit, p.total, p.total_pages), (2, 2, 7, 4));
}

#[tokio::test]
async fn walker_stops_at_total_pages() {
    let s = server().await;
    for page in 1..=3u32 {
        let body = serde_json::json!({
            "success": true,
            "data": [order_json(page as usize * 10), order_json(page as usize * 10 + 1)],
            "pagination": {"page": page, "limit": 2, "total": 6, "totalPages": 3}
        });
        Mock::given(method("GET"))
            .and(path("/api/orders"))
            .and(query_param("page", page.to_string()))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(1)
            .mount(&s)
            .await;
    }
    let params = ListOrders {
        limit: Some(2),
        ..Default::default()
    };
    let all: Vec<_> = client(&s.uri())
        .orders()
        .list_all(params)
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = all.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["o10", "o11", "o20", "o21", "o30", "o31"]);
}

#[tokio::test]
async fn walker_without_pagination_stops_at_a_short_page() {
    let s = server().await;
    let pages = [vec![1, 2, 3], vec![4, 5, 6], vec![7]];
    for (i, ids) in pages.iter().enumerate() {
        let body = serde_json::json!({
            "success": true,
            "data": ids.iter().map(|&n| order_json(n)).collect::<Vec<_>>(),
        });
        Mock::given(method("GET"))
            .and(path("/api/orders"))
            .and(query_param("page", (i + 1).to_string()))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(1)
            .mount(&s)
            .await;
    }
    let params = ListOrders {
        limit: Some(3),
        ..Default::default()
    };
    let all: Vec<_> = client(&s.uri())
        .orders()
        .list_all(params)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 7);
}

#[tokio::test]
async fn create_payment_matches_the_spec_and_parses_the_qr_code() {
    let s = server().await;
    Mock::given(method("POST"))
        .and(path("/api/payments"))
        .and(Authenticated { signed: true })
        .and(body_json(json(&example(ex::CREATE_PAYMENT_REQ))))
        .respond_with(resp(201, example(ex::CREATE_PAYMENT_RESP)))
        .expect(1)
        .mount(&s)
        .await;
    let req = CreatePayment::new("550e8400-e29b-41d4-a716-446655440000", dec("100.00"))
        .description("支付描述")
        .return_url("https://your-domain.com/payment-success")
        .cancel_url("https://your-domain.com/payment-cancel");
    let p = client(&s.uri()).payments().create(&req).await.unwrap();
    assert_eq!(p.id, "payment-uuid-123");
    assert_eq!(p.status, PaymentStatus::Pending);
    assert_eq!(p.payment_token.as_deref(), Some("wG6YPjY"));
    let qr = p.qr_code_data.unwrap();
    let d = qr.data.expect("spec example qrCodeData is valid JSON");
    assert_eq!(
        d.url,
        "https://www.online-octopus.com/oos/payment/?token=wG6YPjY"
    );
    assert_eq!(d.token.as_deref(), Some("wG6YPjY"));
    assert_eq!(d.merchant_id.as_deref(), Some("demo_merchant_123"));
    assert_eq!(
        d.order_id.as_deref(),
        Some("550e8400-e29b-41d4-a716-446655440000")
    );
    assert_eq!(d.payment_id.as_deref(), Some("payment-uuid-123"));
    assert_eq!(d.amount, Some(dec("100")));
    assert_eq!(d.currency.as_deref(), Some("HKD"));
    assert_eq!(
        d.timestamp.unwrap().to_rfc3339(),
        "2024-01-01T00:00:00+00:00"
    );
    assert!(p.octopus_response.is_none() && p.completed_at.is_none());
}

#[tokio::test]
async fn get_payment_parses_octopus_response() {
    let s = server().await;
    Mock::given(method("GET"))
        .and(path("/api/payments/payment-uuid-123"))
        .and(Authenticated { signed: true })
        .respond_with(resp(200, example(ex::GET_PAYMENT_RESP)))
        .expect(1)
        .mount(&s)
        .await;
    let p = client(&s.uri())
        .payments()
        .get("payment-uuid-123")
        .await
        .unwrap();
    assert_eq!(p.status, PaymentStatus::Completed);
    assert_eq!(p.octopus_transaction_id.as_deref(), Some("oct_123456789"));
    let r = p.octopus_response.unwrap().result.unwrap();
    assert_eq!(r.status.as_deref(), Some("SUCCESS"));
    assert_eq!(r.amount, Some(dec("100")));
    // The spec's example qrCodeData is cut short ("..."): kept raw, not parsed.
    let qr = p.qr_code_data.unwrap();
    assert!(qr.data.is_none());
    assert!(qr.raw.contains("wG6YPjY"));
    assert_eq!(
        p.completed_at.unwrap().to_rfc3339(),
        "2024-01-01T00:05:00+00:00"
    );
}

#[tokio::test]
async fn update_payment_status_matches_the_spec() {
    let s = server().await;
    let mut expected = json(&example(ex::UPDATE_STATUS_REQ));
    // The client skips a null failureReason instead of sending it.
    expected.as_object_mut().unwrap().remove("failureReason");
    Mock::given(method("PATCH"))
        .and(path("/api/payments/payment-uuid-123/status"))
        .and(Authenticated { signed: true })
        .and(body_json(expected))
        .respond_with(resp(200, example(ex::UPDATE_STATUS_RESP)))
        .expect(1)
        .mount(&s)
        .await;
    let mut req = UpdatePaymentStatus::new(PaymentStatus::Completed);
    req.octopus_transaction_id = Some("oct_123456789".into());
    req.octopus_response = Some("{\"status\":\"SUCCESS\",...}".into());
    let c = client(&s.uri())
        .payments()
        .update_status("payment-uuid-123", &req)
        .await
        .unwrap();
    assert_eq!(c.status, PaymentStatus::Completed);
    assert_eq!(c.octopus_transaction_id.as_deref(), Some("oct_123456789"));
}

#[tokio::test]
async fn simulate_matches_the_spec() {
    let s = server().await;
    Mock::given(method("POST"))
        .and(path("/api/payments/payment-uuid-123/simulate"))
        .and(Authenticated { signed: true })
        .respond_with(resp(200, example(ex::SIMULATE_RESP)))
        .expect(1)
        .mount(&s)
        .await;
    let c = client(&s.uri())
        .payments()
        .simulate("payment-uuid-123")
        .await
        .unwrap();
    assert_eq!(c.status, PaymentStatus::Completed);
    let r = c.octopus_response.unwrap();
    assert_eq!(r.result.unwrap().message.as_deref(), Some("模擬支付成功"));
}

#[tokio::test]
async fn simulate_is_refused_in_production() {
    let s = server().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&s)
        .await;
    let c = builder(&s.uri())
        .environment(Environment::Production)
        .build()
        .unwrap();
    let e = c.payments().simulate("p1").await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::NotAllowed {
                operation: "payments.simulate",
                ..
            }
        ),
        "{e:?}"
    );
    // And production is the default.
    let c = octopus_sdk::Client::builder()
        .base_url(format!("{}/api", s.uri()))
        .api_token(TOKEN)
        .api_key(KEY)
        .build()
        .unwrap();
    assert!(matches!(
        c.payments().simulate("p1").await,
        Err(Error::NotAllowed { .. })
    ));
}

#[tokio::test]
async fn without_merchant_credentials_no_signature_headers() {
    let s = server().await;
    Mock::given(method("GET"))
        .and(path("/api/payments/p1"))
        .and(Authenticated { signed: false })
        .respond_with(resp(200, example(ex::GET_PAYMENT_RESP)))
        .expect(1)
        .mount(&s)
        .await;
    let c = octopus_sdk::Client::builder()
        .base_url(format!("{}/api", s.uri()))
        .api_token(TOKEN)
        .api_key(KEY)
        .build()
        .unwrap();
    c.payments().get("p1").await.unwrap();
}

#[tokio::test]
async fn every_documented_error_code_decodes() {
    // Codes and statuses from the spec's 常見錯誤代碼 and 八達通API錯誤代碼 tables.
    let table: &[(&str, u16, ApiErrorCode)] = &[
        ("VALIDATION_ERROR", 422, ApiErrorCode::ValidationError),
        ("ORDER_NOT_FOUND", 404, ApiErrorCode::OrderNotFound),
        ("PAYMENT_NOT_FOUND", 404, ApiErrorCode::PaymentNotFound),
        ("INVALID_AMOUNT", 400, ApiErrorCode::InvalidAmount),
        (
            "PAYMENT_ALREADY_EXISTS",
            409,
            ApiErrorCode::PaymentAlreadyExists,
        ),
        ("OCTOPUS_API_ERROR", 502, ApiErrorCode::OctopusApiError),
        ("INSUFFICIENT_FUNDS", 402, ApiErrorCode::InsufficientFunds),
        ("PAYMENT_EXPIRED", 410, ApiErrorCode::PaymentExpired),
        ("INVALID_SIGNATURE", 401, ApiErrorCode::InvalidSignature),
        ("RATE_LIMIT_EXCEEDED", 429, ApiErrorCode::RateLimitExceeded),
        ("E001", 400, ApiErrorCode::InvalidMerchantId),
        ("E002", 401, ApiErrorCode::SignatureVerificationFailed),
        ("E003", 404, ApiErrorCode::OctopusPaymentNotFound),
        ("E004", 402, ApiErrorCode::InsufficientBalance),
        ("E005", 400, ApiErrorCode::NetworkError),
        ("E006", 410, ApiErrorCode::OctopusPaymentExpired),
        ("E007", 409, ApiErrorCode::DuplicatePayment),
        ("E008", 400, ApiErrorCode::SystemMaintenance),
        (
            "SOMETHING_NEW",
            418,
            ApiErrorCode::Other("SOMETHING_NEW".into()),
        ),
    ];
    assert_eq!(table.len() - 1, ApiErrorCode::ALL.len());
    let s = server().await;
    let c = builder(&s.uri())
        .retry_policy(octopus_sdk::RetryPolicy::disabled())
        .build()
        .unwrap();
    for (wire, status, code) in table {
        s.reset().await;
        let mut body = json(&example(ex::ERROR_FORMAT));
        body["code"] = (*wire).into();
        Mock::given(method("GET"))
            .and(path("/api/payments/x"))
            .respond_with(ResponseTemplate::new(*status).set_body_json(body))
            .expect(1)
            .mount(&s)
            .await;
        match c.payments().get("x").await {
            Err(Error::Api {
                status: st,
                code: Some(got),
                message,
                details,
            }) => {
                assert_eq!(&got, code);
                assert_eq!(st, *status);
                assert_eq!(message, "錯誤描述");
                assert_eq!(details.errors[0].field, "fieldName");
                assert_eq!(details.timestamp.as_deref(), Some("2024-01-01T00:00:00Z"));
                assert_eq!(details.path.as_deref(), Some("/api/endpoint"));
            }
            other => panic!("{wire}: {other:?}"),
        }
        if let Some(doc) = code.documented_status() {
            assert_eq!(doc, *status, "{wire}");
        }
    }
}

#[tokio::test]
async fn spec_validation_error_without_code() {
    let s = server().await;
    Mock::given(method("POST"))
        .and(path("/api/orders"))
        .respond_with(resp(422, example(ex::VALIDATION_ERROR)))
        .expect(1)
        .mount(&s)
        .await;
    let e = client(&s.uri())
        .orders()
        .create(&CreateOrder::new("x", dec("1")))
        .await
        .unwrap_err();
    match e {
        Error::Api {
            status: 422,
            code: None,
            message,
            details,
        } => {
            assert_eq!(message, "驗證失敗");
            assert_eq!(details.errors[0].field, "amount");
            assert_eq!(details.errors[0].message, "金額必須大於0");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn reads_retry_on_5xx_and_429_and_re_sign() {
    let s = server().await;
    Mock::given(method("GET"))
        .and(path("/api/payments/p1"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/payments/p1"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/payments/p1"))
        .and(Authenticated { signed: true })
        .respond_with(resp(200, example(ex::GET_PAYMENT_RESP)))
        .expect(1)
        .mount(&s)
        .await;
    client(&s.uri()).payments().get("p1").await.unwrap();
    let reqs = s.received_requests().await.unwrap();
    let nonces: std::collections::HashSet<_> = reqs
        .iter()
        .map(|r| r.headers["x-octopus-nonce"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(nonces.len(), 3, "every attempt carries a fresh nonce");
}

#[tokio::test]
async fn reads_give_up_after_max_attempts_and_4xx_is_not_retried() {
    let s = server().await;
    Mock::given(method("GET"))
        .and(path("/api/payments/p1"))
        .respond_with(ResponseTemplate::new(500))
        .expect(3)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/payments/p2"))
        .respond_with(ResponseTemplate::new(404).set_body_json(
            serde_json::json!({"success": false, "message": "支付記錄不存在", "code": "PAYMENT_NOT_FOUND"}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    let c = client(&s.uri());
    assert!(matches!(
        c.payments().get("p1").await,
        Err(Error::Api { status: 500, .. })
    ));
    assert_eq!(
        c.payments().get("p2").await.unwrap_err().api_code(),
        Some(&ApiErrorCode::PaymentNotFound)
    );
}

#[tokio::test]
async fn writes_are_not_retried_and_an_unclear_answer_is_outcome_unknown() {
    let s = server().await;
    Mock::given(method("POST"))
        .and(path("/api/orders"))
        .respond_with(ResponseTemplate::new(503).set_body_string("Service Unavailable"))
        .expect(1)
        .mount(&s)
        .await;
    let e = client(&s.uri())
        .orders()
        .create(&CreateOrder::new("x", dec("1")))
        .await
        .unwrap_err();
    assert!(e.is_outcome_unknown(), "{e:?}");
}

#[tokio::test]
async fn a_write_that_times_out_is_outcome_unknown() {
    let s = server().await;
    Mock::given(method("PATCH"))
        .and(path("/api/orders/o1"))
        .respond_with(
            resp(200, example(ex::UPDATE_ORDER_RESP))
                .set_delay(std::time::Duration::from_millis(1500)),
        )
        .expect(1)
        .mount(&s)
        .await;
    let c = builder(&s.uri())
        .timeout(std::time::Duration::from_millis(200))
        .build()
        .unwrap();
    let req = UpdateOrder {
        description: Some("d".into()),
        ..Default::default()
    };
    let e = c.orders().update("o1", &req).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::OutcomeUnknown {
                operation: "orders.update",
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn connection_refused_is_transport_not_unknown() {
    // Bind then drop a listener to get a closed local port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = builder(&format!("http://127.0.0.1:{port}"))
        .build()
        .unwrap();
    let e = c
        .orders()
        .create(&CreateOrder::new("x", dec("1")))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e:?}");
}

#[tokio::test]
async fn payment_already_exists_resolves_to_the_existing_payment() {
    let s = server().await;
    Mock::given(method("POST"))
        .and(path("/api/payments"))
        .respond_with(ResponseTemplate::new(409).set_body_json(
            serde_json::json!({"success": false, "message": "支付已存在", "code": "PAYMENT_ALREADY_EXISTS"}),
        ))
        .expect(1)
        .mount(&s)
        .await;
    let order = serde_json::json!({"success": true, "data": {
        "id": "550e8400-e29b-41d4-a716-446655440000", "amount": 100.00, "currency": "HKD", "status": "pending",
        "payment": {"id": "payment-uuid-123", "status": "pending", "paymentToken": "wG6YPjY"}}});
    Mock::given(method("GET"))
        .and(path("/api/orders/550e8400-e29b-41d4-a716-446655440000"))
        .respond_with(ResponseTemplate::new(200).set_body_json(order))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/payments/payment-uuid-123"))
        .respond_with(resp(200, example(ex::CREATE_PAYMENT_RESP)))
        .expect(1)
        .mount(&s)
        .await;
    let p = client(&s.uri())
        .payments()
        .create(&CreatePayment::new(
            "550e8400-e29b-41d4-a716-446655440000",
            dec("100"),
        ))
        .await
        .unwrap();
    assert_eq!(p.id, "payment-uuid-123");
}

#[tokio::test]
async fn payment_already_exists_with_another_amount_is_an_error() {
    let s = server().await;
    Mock::given(method("POST"))
        .and(path("/api/payments"))
        .respond_with(ResponseTemplate::new(409).set_body_json(
            serde_json::json!({"success": false, "message": "支付已存在", "code": "PAYMENT_ALREADY_EXISTS"}),
        ))
        .mount(&s)
        .await;
    let order = serde_json::json!({"success": true, "data": {
        "id": "550e8400-e29b-41d4-a716-446655440000", "amount": 100.00, "status": "pending",
        "payment": {"id": "payment-uuid-123", "status": "pending"}}});
    Mock::given(method("GET"))
        .and(path("/api/orders/550e8400-e29b-41d4-a716-446655440000"))
        .respond_with(ResponseTemplate::new(200).set_body_json(order))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/payments/payment-uuid-123"))
        .respond_with(resp(200, example(ex::CREATE_PAYMENT_RESP)))
        .mount(&s)
        .await;
    let e = client(&s.uri())
        .payments()
        .create(&CreatePayment::new(
            "550e8400-e29b-41d4-a716-446655440000",
            dec("99"),
        ))
        .await
        .unwrap_err();
    assert_eq!(e.api_code(), Some(&ApiErrorCode::PaymentAlreadyExists));
}

#[tokio::test]
async fn create_payment_with_unknown_outcome_looks_before_retrying() {
    let s = server().await;
    // The POST is applied but its answer is lost (timeout).
    Mock::given(method("POST"))
        .and(path("/api/payments"))
        .respond_with(
            resp(201, example(ex::CREATE_PAYMENT_RESP))
                .set_delay(std::time::Duration::from_millis(1500)),
        )
        .expect(1)
        .mount(&s)
        .await;
    let order = serde_json::json!({"success": true, "data": {
        "id": "550e8400-e29b-41d4-a716-446655440000", "amount": 100.00, "status": "pending",
        "payment": {"id": "payment-uuid-123", "status": "pending"}}});
    Mock::given(method("GET"))
        .and(path("/api/orders/550e8400-e29b-41d4-a716-446655440000"))
        .respond_with(ResponseTemplate::new(200).set_body_json(order))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/payments/payment-uuid-123"))
        .respond_with(resp(200, example(ex::CREATE_PAYMENT_RESP)))
        .expect(1)
        .mount(&s)
        .await;
    let c = builder(&s.uri())
        .timeout(std::time::Duration::from_millis(300))
        .build()
        .unwrap();
    let p = c
        .payments()
        .create(&CreatePayment::new(
            "550e8400-e29b-41d4-a716-446655440000",
            dec("100"),
        ))
        .await
        .unwrap();
    assert_eq!(p.id, "payment-uuid-123");
}

#[tokio::test]
async fn create_payment_unknown_and_no_payment_found_retries_once_more() {
    let s = server().await;
    Mock::given(method("POST"))
        .and(path("/api/payments"))
        .respond_with(ResponseTemplate::new(502).set_body_string("Bad Gateway"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/payments"))
        .respond_with(resp(201, example(ex::CREATE_PAYMENT_RESP)))
        .expect(1)
        .mount(&s)
        .await;
    let order = serde_json::json!({"success": true, "data": {
        "id": "550e8400-e29b-41d4-a716-446655440000", "amount": 100.00, "status": "pending"}});
    Mock::given(method("GET"))
        .and(path("/api/orders/550e8400-e29b-41d4-a716-446655440000"))
        .respond_with(ResponseTemplate::new(200).set_body_json(order))
        .expect(1)
        .mount(&s)
        .await;
    let p = client(&s.uri())
        .payments()
        .create(&CreatePayment::new(
            "550e8400-e29b-41d4-a716-446655440000",
            dec("100"),
        ))
        .await
        .unwrap();
    assert_eq!(p.id, "payment-uuid-123");
}

#[tokio::test]
async fn create_payment_unknown_and_lookup_failing_is_outcome_unknown() {
    let s = server().await;
    Mock::given(method("POST"))
        .and(path("/api/payments"))
        .respond_with(ResponseTemplate::new(504).set_body_string("Gateway Timeout"))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/orders/o1"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&s)
        .await;
    let e = client(&s.uri())
        .payments()
        .create(&CreatePayment::new("o1", dec("100")))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::OutcomeUnknown {
                operation: "payments.create",
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn invalid_requests_never_leave_the_process() {
    let s = server().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&s)
        .await;
    let c = client(&s.uri());
    let cases: Vec<(&str, Error)> = vec![
        (
            "amount",
            c.orders()
                .create(&CreateOrder::new("x", dec("0")))
                .await
                .unwrap_err(),
        ),
        (
            "amount",
            c.orders()
                .create(&CreateOrder::new("x", dec("1.005")))
                .await
                .unwrap_err(),
        ),
        (
            "description",
            c.orders()
                .create(&CreateOrder::new(" ", dec("1")))
                .await
                .unwrap_err(),
        ),
        (
            "currency",
            c.orders()
                .create(&CreateOrder::new("x", dec("1")).currency("hkd"))
                .await
                .unwrap_err(),
        ),
        (
            "customerEmail",
            c.orders()
                .create(&CreateOrder::new("x", dec("1")).customer_email("not-an-email"))
                .await
                .unwrap_err(),
        ),
        (
            "amount",
            c.payments()
                .create(&CreatePayment::new("o", dec("-5")))
                .await
                .unwrap_err(),
        ),
        (
            "returnUrl",
            c.payments()
                .create(&CreatePayment::new("o", dec("5")).return_url("nope"))
                .await
                .unwrap_err(),
        ),
        ("orderId", c.orders().get("").await.unwrap_err()),
        (
            "body",
            c.orders()
                .update("o", &UpdateOrder::default())
                .await
                .unwrap_err(),
        ),
        (
            "limit",
            c.orders()
                .list(&ListOrders {
                    limit: Some(0),
                    ..Default::default()
                })
                .await
                .unwrap_err(),
        ),
        (
            "status",
            c.payments()
                .update_status(
                    "p",
                    &UpdatePaymentStatus::new(PaymentStatus::Other("paid".into())),
                )
                .await
                .unwrap_err(),
        ),
    ];
    for (want, e) in cases {
        match e {
            Error::Validation { field, .. } => assert_eq!(field, want),
            other => panic!("{want}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn oversized_and_malformed_bodies_are_errors() {
    let s = server().await;
    Mock::given(method("GET"))
        .and(path("/api/payments/big"))
        .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(5000)))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/payments/bad"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string("{\"success\":true,\"data\":{\"id\":1}}"),
        )
        .mount(&s)
        .await;
    let c = builder(&s.uri()).max_body_bytes(1000).build().unwrap();
    match c.payments().get("big").await {
        Err(Error::Decode {
            reason,
            body_snippet,
            ..
        }) => {
            assert!(reason.contains("exceeds 1000 bytes"), "{reason}");
            assert!(body_snippet.chars().count() <= 201);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        c.payments().get("bad").await,
        Err(Error::Decode { status: 200, .. })
    ));
}

#[test]
fn debug_output_never_shows_secrets() {
    let c = builder("http://127.0.0.1:1").build().unwrap();
    let shown = format!("{c:?} {c:#?}");
    for secret in [TOKEN, KEY, SECRET_KEY] {
        assert!(!shown.contains(secret), "{shown}");
    }
    assert!(shown.contains(MERCHANT));
}

#[test]
fn configuration_is_checked() {
    let bad = |b: octopus_sdk::ClientBuilder| matches!(b.build(), Err(Error::Config { .. }));
    assert!(bad(octopus_sdk::Client::builder()
        .api_token("t")
        .api_key("k")));
    assert!(bad(builder("http://pay.example.com")));
    assert!(bad(octopus_sdk::Client::builder()
        .base_url("https://x.example/api")
        .api_key("k")));
    assert!(bad(octopus_sdk::Client::builder()
        .base_url("https://x.example/api")
        .api_token("t\n")
        .api_key("k")));
    assert!(!bad(builder("https://pay.example.com")));
}

#[tokio::test]
async fn a_read_that_times_out_is_retried_then_a_timeout() {
    let s = server().await;
    Mock::given(method("GET"))
        .and(path("/api/payments/slow"))
        .respond_with(
            resp(200, example(ex::GET_PAYMENT_RESP))
                .set_delay(std::time::Duration::from_millis(1500)),
        )
        .expect(2)
        .mount(&s)
        .await;
    let c = builder(&s.uri())
        .timeout(std::time::Duration::from_millis(100))
        .retry_policy(
            octopus_sdk::RetryPolicy::default()
                .with_max_attempts(2)
                .with_backoff(
                    std::time::Duration::from_millis(1),
                    std::time::Duration::from_millis(2),
                ),
        )
        .build()
        .unwrap();
    let e = c.payments().get("slow").await.unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
}
