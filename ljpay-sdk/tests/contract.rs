//! Contract tests on wiremock: every operation's method, path, four headers, signature
//! (recomputed in `common` with hmac/sha2 directly) and JSON body; decoding of every documented
//! answer and error.

mod common;

use chrono::TimeZone;
use common::*;
use ljpay_sdk::{
    Channel, Client, CreateOrderOutcome, CreateOrderRequest, Error, ErrorCode, Instructions,
    OrderStatus, RefundRequest, RefundStatus,
};
use serde_json::json;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Hand-worked vectors, computed with Python 3's `hmac`/`hashlib` (an implementation
/// independent of both sign-core and the test helper):
/// `hmac.new(b'test-secret', canonical.encode(), hashlib.sha256).hexdigest()`.
#[test]
fn helper_matches_python_vectors() {
    assert_eq!(
        expected_signature(
            "test-secret",
            "POST",
            "/api/v1/order/cancel",
            "1700000000",
            "0123456789abcdef0123456789abcdef",
            "site-1",
            br#"{"biz_order_no":"B-1"}"#,
        ),
        "sha256=789c87ff054be9d99b401ca4989f22388f181f9e063f85699811738d54bc33ed"
    );
    assert_eq!(
        expected_signature(
            "test-secret",
            "GET",
            "/api/v1/order/by-biz-no/A%2FB",
            "1700000000",
            "ffffffffffffffffffffffffffffffff",
            "site-1",
            b"",
        ),
        "sha256=a25c5c39810395b3aa379ae744b6b7ff900bf587b0661b7dd764b5d62648903d"
    );
    // sign-core agrees with the same vector.
    let h = sign_core::ljpay::sign_request(
        &"test-secret".into(),
        "site-1",
        "POST",
        "/api/v1/order/cancel",
        br#"{"biz_order_no":"B-1"}"#,
        1_700_000_000,
        "0123456789abcdef0123456789abcdef",
    );
    assert_eq!(
        h.signature,
        "sha256=789c87ff054be9d99b401ca4989f22388f181f9e063f85699811738d54bc33ed"
    );
}

async fn server() -> MockServer {
    let s = MockServer::start().await;
    mount_catch_all(&s).await;
    s
}

#[tokio::test]
async fn create_order_request_and_qr_answer() {
    let s = server().await;
    let png_b64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
    Mock::given(method("POST"))
        .and(path("/api/v1/order/create"))
        .and(SignedCorrectly)
        .and(body_json(json!({
            "biz_order_no": "B-1001",
            "amount_fen": 1999,
            "currency": "CNY",
            "channel": "wechat_native",
            "subject": "梨茶 x2",
            "client_ip": "203.0.113.9",
            "metadata": {"cart": [1, 2], "big": 12345678901234567u64}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "order_no": "lp_abc",
            "biz_order_no": "B-1001",
            "channel": "wechat_native",
            "amount_fen": 1999,
            "expires_at": 1_763_800_000,
            "instructions": {
                "type": "QR",
                "qr_data_url": format!("data:image/png;base64,{png_b64}"),
                "raw_pay_url": "weixin://wxpay/bizpayurl?pr=abc"
            },
            "new_field": "kept"
        })))
        .expect(1)
        .mount(&s)
        .await;
    let client = client_for(&s);
    let mut meta = serde_json::Map::new();
    meta.insert("cart".into(), json!([1, 2]));
    meta.insert("big".into(), json!(12345678901234567u64));
    let req = CreateOrderRequest::new("B-1001", 1999, Channel::WechatNative, "梨茶 x2")
        .currency("CNY")
        .client_ip("203.0.113.9")
        .metadata(meta);
    let out = client.orders().create(&req).await.expect("created");
    let CreateOrderOutcome::Created(created) = out else {
        panic!("expected Created, got {out:?}")
    };
    assert_eq!(created.order_no, "lp_abc");
    assert_eq!(
        created.expires_at,
        Some(chrono::Utc.timestamp_opt(1_763_800_000, 0).unwrap())
    );
    assert_eq!(created.extra["new_field"], "kept");
    let Some(Instructions::Qr(qr)) = &created.instructions else {
        panic!("expected QR instructions")
    };
    assert_eq!(
        qr.raw_pay_url.as_deref(),
        Some("weixin://wxpay/bizpayurl?pr=abc")
    );
    let png = qr.png_bytes().expect("png");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(png.len(), 70);

    let reqs = s.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1);
    assert_signed(&reqs[0], SITE, SECRET);
    assert_eq!(
        header(&reqs[0], "content-type"),
        Some("application/json"),
        "JSON body is labelled"
    );
}

#[tokio::test]
async fn create_order_redirect_and_jsapi_answers() {
    let s = server().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/order/create"))
        .and(SignedCorrectly)
        .and(body_json(json!({
            "biz_order_no": "B-2", "amount_fen": 1, "channel": "alipay_page",
            "subject": "s", "return_url": "https://shop.example/r"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "order_no": "lp_2", "biz_order_no": "B-2",
            "instructions": {"type": "REDIRECT", "redirect_url": "https://alipay.example/pay?x=1"}
        })))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/order/create"))
        .and(SignedCorrectly)
        .and(body_json(json!({
            "biz_order_no": "B-3", "amount_fen": 5, "channel": "wechat_jsapi",
            "subject": "s", "payer_openid": "o-123"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "order_no": "lp_3", "biz_order_no": "B-3",
            "instructions": {"type": "JSAPI", "jsapi_params": {"appId": "wx1", "package": "prepay_id=9"}}
        })))
        .expect(1)
        .mount(&s)
        .await;
    let client = client_for(&s);
    let out = client
        .orders()
        .create(
            &CreateOrderRequest::new("B-2", 1, Channel::AlipayPage, "s")
                .return_url("https://shop.example/r"),
        )
        .await
        .unwrap();
    match out.instructions() {
        Some(Instructions::Redirect(r)) => assert_eq!(
            r.redirect_url.as_deref(),
            Some("https://alipay.example/pay?x=1")
        ),
        other => panic!("expected REDIRECT, got {other:?}"),
    }
    let out = client
        .orders()
        .create(&CreateOrderRequest::new("B-3", 5, Channel::WechatJsapi, "s").payer_openid("o-123"))
        .await
        .unwrap();
    match out.instructions() {
        Some(Instructions::Jsapi(j)) => {
            assert_eq!(j.jsapi_params.as_ref().unwrap()["package"], "prepay_id=9")
        }
        other => panic!("expected JSAPI, got {other:?}"),
    }
}

#[tokio::test]
async fn queries_encode_the_path_and_sign_it_encoded() {
    let s = server().await;
    let info = json!({
        "order_no": "lp_9", "biz_order_no": "A/B 1梨", "channel": "alipay_pc",
        "status": "PARTIAL_REFUNDED", "amount_fen": 1000, "paid_amount_fen": 1000,
        "refunded_fen": 300, "channel_trade_no": "2026112200001",
        "created_at": "2026-11-22T10:00:00+08:00", "paid_at": "2026-11-22T02:01:02Z"
    });
    Mock::given(method("GET"))
        .and(path("/api/v1/order/by-biz-no/A%2FB%201%E6%A2%A8"))
        .and(SignedCorrectly)
        .respond_with(ResponseTemplate::new(200).set_body_json(info.clone()))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/order/by-pay-no/lp_9"))
        .and(SignedCorrectly)
        .respond_with(ResponseTemplate::new(200).set_body_json(info))
        .expect(1)
        .mount(&s)
        .await;
    let client = client_for(&s);
    let by_biz = client
        .orders()
        .get_by_biz_order_no("A/B 1梨")
        .await
        .unwrap();
    let by_no = client.orders().get_by_order_no("lp_9").await.unwrap();
    assert_eq!(by_biz, by_no);
    assert_eq!(by_biz.status, OrderStatus::PartialRefunded);
    assert_eq!(by_biz.channel, Some(Channel::AlipayPc));
    assert_eq!(
        by_biz.channel.as_ref().unwrap().route(),
        Channel::AlipayPage
    );
    assert_eq!(
        by_biz.created_at,
        Some(chrono::Utc.with_ymd_and_hms(2026, 11, 22, 2, 0, 0).unwrap())
    );
    assert_eq!(
        by_biz.paid_at,
        Some(chrono::Utc.with_ymd_and_hms(2026, 11, 22, 2, 1, 2).unwrap())
    );
    for r in s.received_requests().await.unwrap() {
        assert_signed(&r, SITE, SECRET);
        assert!(r.body.is_empty(), "GET has no body");
    }
}

#[tokio::test]
async fn cancel_and_refund_requests() {
    let s = server().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/order/cancel"))
        .and(SignedCorrectly)
        .and(body_json(json!({"biz_order_no": "B-7"})))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/order/refund"))
        .and(SignedCorrectly)
        .and(body_json(json!({
            "biz_order_no": "B-7", "out_refund_no": "R-1", "refund_fen": 250, "reason": "broken"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "refund_no": "lpr_1", "out_refund_no": "R-1", "status": "PROCESSING",
            "refund_fen": 250, "channel_refund_id": "wx-r-1"
        })))
        .expect(1)
        .mount(&s)
        .await;
    let client = client_for(&s);
    client.orders().cancel("B-7").await.expect("canceled");
    let r = client
        .refunds()
        .create(&RefundRequest::new("B-7", "R-1", 250).reason("broken"))
        .await
        .unwrap();
    assert_eq!(r.status, RefundStatus::Processing);
    assert_eq!(r.refund_no.as_deref(), Some("lpr_1"));
    assert_eq!(r.channel_refund_id.as_deref(), Some("wx-r-1"));
    for r in s.received_requests().await.unwrap() {
        assert_signed(&r, SITE, SECRET);
    }
}

#[tokio::test]
async fn base_url_path_prefix_is_sent_and_signed() {
    let s = server().await;
    Mock::given(method("GET"))
        .and(path("/gw/ljpay/api/v1/order/by-pay-no/lp_1"))
        .and(SignedCorrectly)
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "order_no": "lp_1", "biz_order_no": "B", "status": "PAID"
        })))
        .expect(1)
        .mount(&s)
        .await;
    let client = Client::builder()
        .base_url(format!("{}/gw/ljpay/", s.uri()))
        .site_code(SITE)
        .secret(SECRET)
        .build()
        .unwrap();
    let o = client.orders().get_by_order_no("lp_1").await.unwrap();
    assert_eq!(o.status, OrderStatus::Paid);
    let reqs = s.received_requests().await.unwrap();
    assert_eq!(reqs[0].url.path(), "/gw/ljpay/api/v1/order/by-pay-no/lp_1");
    assert_signed(&reqs[0], SITE, SECRET);
}

/// Every documented (operation, status) pair of the spec decodes into `Error::Api`.
#[tokio::test]
async fn every_documented_error_is_typed() {
    let cases: [(&str, &str, u16, &str); 11] = [
        ("POST", "/api/v1/order/create", 400, "INVALID_REQUEST"),
        ("POST", "/api/v1/order/create", 401, "INVALID_SIGNATURE"),
        (
            "POST",
            "/api/v1/order/create",
            409,
            "DUPLICATE_PENDING_ORDER",
        ),
        ("POST", "/api/v1/order/create", 502, "CHANNEL_API_ERROR"),
        ("GET", "/api/v1/order/by-biz-no/B-1", 404, "ORDER_NOT_FOUND"),
        (
            "GET",
            "/api/v1/order/by-pay-no/lp_1",
            404,
            "ORDER_NOT_FOUND",
        ),
        ("POST", "/api/v1/order/cancel", 400, "ORDER_ALREADY_PAID"),
        ("POST", "/api/v1/order/cancel", 404, "ORDER_NOT_FOUND"),
        (
            "POST",
            "/api/v1/order/refund",
            400,
            "REFUND_AMOUNT_EXCEEDED",
        ),
        ("POST", "/api/v1/order/refund", 400, "ORDER_NOT_REFUNDABLE"),
        ("POST", "/api/v1/order/refund", 404, "ORDER_NOT_FOUND"),
    ];
    for (m, p, status, code) in cases {
        let s = server().await;
        let mut body = error_body(code);
        body["details"] = json!({"field": "x"});
        Mock::given(method(m))
            .and(path(p))
            .and(SignedCorrectly)
            .respond_with(ResponseTemplate::new(status).set_body_json(body))
            .expect(1)
            .mount(&s)
            .await;
        let client = client_for(&s);
        let err = match p {
            "/api/v1/order/create" => client
                .orders()
                .create(&CreateOrderRequest::new("B-1", 1, Channel::AlipayQr, "s"))
                .await
                .map(|_| ())
                .unwrap_err(),
            "/api/v1/order/by-biz-no/B-1" => client
                .orders()
                .get_by_biz_order_no("B-1")
                .await
                .map(|_| ())
                .unwrap_err(),
            "/api/v1/order/by-pay-no/lp_1" => client
                .orders()
                .get_by_order_no("lp_1")
                .await
                .map(|_| ())
                .unwrap_err(),
            "/api/v1/order/cancel" => client.orders().cancel("B-1").await.unwrap_err(),
            _ => client
                .refunds()
                .create(&RefundRequest::new("B-1", "R-1", 1))
                .await
                .map(|_| ())
                .unwrap_err(),
        };
        match &err {
            Error::Api {
                status: st,
                code: c,
                message,
                details,
            } => {
                assert_eq!(*st, status, "{m} {p}");
                assert_eq!(c.as_str(), code);
                assert!(!matches!(c, ErrorCode::Other(_)), "{code} is typed");
                assert!(message.contains(code));
                assert_eq!(details.as_ref().unwrap()["field"], "x");
            }
            other => panic!("{m} {p} {status}: expected Api, got {other:?}"),
        }
        assert_eq!(err.code().map(|c| c.as_str()), Some(code));
        assert!(!err.is_outcome_unknown());
    }
}

#[tokio::test]
async fn undocumented_status_and_non_json_bodies() {
    let s = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/order/by-pay-no/teapot"))
        .respond_with(
            ResponseTemplate::new(418).set_body_string("<html>I'm a teapot</html>".repeat(50)),
        )
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/order/by-pay-no/garbled"))
        .respond_with(ResponseTemplate::new(200).set_body_string("not json"))
        .expect(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/order/by-pay-no/wrongshape"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"order_no": 5})))
        .expect(1)
        .mount(&s)
        .await;
    let client = client_for(&s);
    match client.orders().get_by_order_no("teapot").await.unwrap_err() {
        Error::UnexpectedStatus {
            status,
            body_snippet,
        } => {
            assert_eq!(status, 418);
            assert!(body_snippet.starts_with("<html>I'm a teapot"));
            assert!(body_snippet.chars().count() <= 257, "body cut short");
        }
        other => panic!("expected UnexpectedStatus, got {other:?}"),
    }
    match client
        .orders()
        .get_by_order_no("garbled")
        .await
        .unwrap_err()
    {
        Error::Decode {
            status,
            body_snippet,
            ..
        } => {
            assert_eq!(status, 200);
            assert_eq!(body_snippet, "not json");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    assert!(matches!(
        client.orders().get_by_order_no("wrongshape").await,
        Err(Error::Decode { .. })
    ));
}

#[tokio::test]
async fn oversized_body_is_an_error() {
    let s = server().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(10_000)))
        .mount(&s)
        .await;
    let client = Client::builder()
        .base_url(s.uri())
        .site_code(SITE)
        .secret(SECRET)
        .max_body_bytes(1000)
        .build()
        .unwrap();
    assert!(matches!(
        client.orders().get_by_order_no("x").await,
        Err(Error::BodyTooLarge { limit: 1000 })
    ));
}

#[tokio::test]
async fn validation_errors_send_nothing() {
    let s = server().await;
    let client = client_for(&s);
    let e = client
        .orders()
        .create(&CreateOrderRequest::new("B", 0, Channel::AlipayQr, "s"))
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        Error::Validation {
            field: "amount_fen",
            ..
        }
    ));
    let e = client
        .orders()
        .create(&CreateOrderRequest::new("B", 10, Channel::AlipayWap, "s"))
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid `return_url`: required for channel alipay_wap"
    );
    let e = client.orders().get_by_biz_order_no("..").await.unwrap_err();
    assert!(matches!(
        e,
        Error::Validation {
            field: "biz_order_no",
            ..
        }
    ));
    let e = client
        .orders()
        .get_by_biz_order_no(&"b".repeat(129))
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        Error::Validation {
            field: "biz_order_no",
            ..
        }
    ));
    let e = client
        .refunds()
        .create(&RefundRequest::new("B", "R", -1))
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        Error::Validation {
            field: "refund_fen",
            ..
        }
    ));
    assert!(s.received_requests().await.unwrap().is_empty());
}

#[test]
fn configuration_is_checked() {
    let build = |url: &str| {
        Client::builder()
            .base_url(url)
            .site_code(SITE)
            .secret(SECRET)
            .build()
    };
    assert!(build("https://pay.ljmatrix.cn").is_ok());
    assert!(build("http://127.0.0.1:8080/prefix").is_ok());
    assert!(build("http://localhost:1").is_ok());
    for bad in [
        "http://pay.ljmatrix.cn",
        "https://user:pw@pay.ljmatrix.cn",
        "https://pay.ljmatrix.cn/?x=1",
        "ftp://pay.ljmatrix.cn",
        "not a url",
    ] {
        assert!(
            matches!(build(bad), Err(Error::Config { .. })),
            "{bad} must be refused"
        );
    }
    assert!(matches!(
        Client::builder().site_code(SITE).secret(SECRET).build(),
        Err(Error::Config { .. })
    ));
    assert!(matches!(
        Client::builder()
            .base_url("https://pay.ljmatrix.cn")
            .secret(SECRET)
            .build(),
        Err(Error::Config { .. })
    ));
    assert!(matches!(
        Client::builder()
            .base_url("https://pay.ljmatrix.cn")
            .site_code(SITE)
            .secret("")
            .build(),
        Err(Error::Config { .. })
    ));
}

#[test]
fn debug_output_never_shows_the_secret() {
    let secret = "super-secret-key-material-4242";
    let client = Client::builder()
        .base_url("https://pay.ljmatrix.cn")
        .site_code(SITE)
        .secret(secret)
        .build()
        .unwrap();
    let shown = format!("{client:?} {client:#?}");
    assert!(!shown.contains(secret), "{shown}");
    assert!(shown.contains("Secret(***)"));
    let builder = Client::builder().secret(secret);
    assert!(!format!("{builder:?}").contains(secret));
    let wh = ljpay_sdk::WebhookConfig::new(SITE, secret);
    assert!(!format!("{wh:?}").contains(secret));
}

#[test]
fn client_is_send_sync_and_cheap_to_clone() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<Client>();
}

#[test]
fn errors_are_send_sync_and_static() {
    fn assert_bounds<T: Send + Sync + 'static + std::error::Error>() {}
    assert_bounds::<Error>();
}
