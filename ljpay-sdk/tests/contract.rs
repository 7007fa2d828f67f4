//! Contract tests on wiremock: every operation's method, path, four headers, signature
//! (recomputed in `common` with hmac/sha2 directly) and JSON body; decoding of every documented
//! answer and error.

mod common;

use chrono::TimeZone;
use common::*;
use ljpay_sdk::{
    Channel, Client, CreateOrderOutcome, CreateOrderRequest, Error, ErrorCode, ErrorKind,
    Instructions, OrderStatus, RefundRequest, RefundStatus,
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

/// Each kind of instructions the spec's `Instructions.type` enum names, by channel: the request
/// body the client must send (the spec's `CreateOrderRequest` fields) and how the answer decodes.
#[tokio::test]
async fn create_order_instructions_by_type() {
    type Check = fn(&str, Option<&Instructions>);
    let cases: [(
        &str,
        CreateOrderRequest,
        serde_json::Value,
        serde_json::Value,
        Check,
    ); 2] = [
        (
            "REDIRECT for alipay_page",
            CreateOrderRequest::new("B-2", 1, Channel::AlipayPage, "s")
                .return_url("https://shop.example/r"),
            json!({"biz_order_no": "B-2", "amount_fen": 1, "channel": "alipay_page",
                   "subject": "s", "return_url": "https://shop.example/r"}),
            json!({"order_no": "lp_2", "biz_order_no": "B-2",
                   "instructions": {"type": "REDIRECT", "redirect_url": "https://alipay.example/pay?x=1"}}),
            |name, i| match i {
                Some(Instructions::Redirect(r)) => assert_eq!(
                    r.redirect_url.as_deref(),
                    Some("https://alipay.example/pay?x=1"),
                    "case `{name}`"
                ),
                other => panic!("case `{name}`: expected REDIRECT, got {other:?}"),
            },
        ),
        (
            "JSAPI for wechat_jsapi",
            CreateOrderRequest::new("B-3", 5, Channel::WechatJsapi, "s").payer_openid("o-123"),
            json!({"biz_order_no": "B-3", "amount_fen": 5, "channel": "wechat_jsapi",
                   "subject": "s", "payer_openid": "o-123"}),
            json!({"order_no": "lp_3", "biz_order_no": "B-3",
                   "instructions": {"type": "JSAPI", "jsapi_params": {"appId": "wx1", "package": "prepay_id=9"}}}),
            |name, i| match i {
                Some(Instructions::Jsapi(j)) => assert_eq!(
                    j.jsapi_params.as_ref().map(|p| p["package"].clone()),
                    Some(json!("prepay_id=9")),
                    "case `{name}`"
                ),
                other => panic!("case `{name}`: expected JSAPI, got {other:?}"),
            },
        ),
    ];
    for (name, req, wire, answer, check) in cases {
        let s = server().await;
        Mock::given(method("POST"))
            .and(path("/api/v1/order/create"))
            .and(SignedCorrectly)
            .and(body_json(wire))
            .respond_with(ResponseTemplate::new(200).set_body_json(answer))
            .expect(1)
            .named(name)
            .mount(&s)
            .await;
        let out = client_for(&s)
            .orders()
            .create(&req)
            .await
            .unwrap_or_else(|e| panic!("case `{name}`: {e}"));
        check(name, out.instructions());
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
                assert_eq!(c.as_str(), code, "{m} {p}");
                assert!(
                    !matches!(c, ErrorCode::Other(_)),
                    "{m} {p}: {code} is typed"
                );
                assert!(message.contains(code), "{m} {p}");
                assert_eq!(details.as_ref().unwrap()["field"], "x", "{m} {p}");
            }
            other => panic!("{m} {p} {status}: expected Api, got {other:?}"),
        }
        assert_eq!(err.code().map(|c| c.as_str()), Some(code), "{m} {p}");
        assert_ne!(err.kind(), ErrorKind::OutcomeUnknown, "{m} {p}");
    }
}

#[tokio::test]
async fn undocumented_status_and_non_json_bodies() {
    type Check = fn(&str, Error);
    let teapot = "<html>I'm a teapot</html>".repeat(50);
    let cases: [(&str, u16, String, Check); 3] = [
        ("teapot", 418, teapot, |name, e| match e {
            Error::UnexpectedStatus {
                status,
                body_snippet,
            } => {
                assert_eq!(status, 418, "case `{name}`");
                assert!(
                    body_snippet.starts_with("<html>I'm a teapot"),
                    "case `{name}`"
                );
                assert!(
                    body_snippet.chars().count() <= 257,
                    "case `{name}`: body cut short"
                );
            }
            other => panic!("case `{name}`: expected UnexpectedStatus, got {other:?}"),
        }),
        ("garbled", 200, "not json".into(), |name, e| match e {
            Error::Decode {
                reason,
                body_snippet,
            } => {
                assert!(reason.contains("status 200"), "case `{name}`: {reason}");
                assert_eq!(body_snippet, "not json", "case `{name}`");
            }
            other => panic!("case `{name}`: expected Decode, got {other:?}"),
        }),
        (
            "wrongshape",
            200,
            json!({"order_no": 5}).to_string(),
            |name, e| {
                assert!(matches!(e, Error::Decode { .. }), "case `{name}`: {e:?}");
                assert_eq!(e.kind(), ErrorKind::Rejected, "case `{name}`");
            },
        ),
    ];
    for (name, status, body, check) in cases {
        let s = server().await;
        Mock::given(method("GET"))
            .and(path(format!("/api/v1/order/by-pay-no/{name}")))
            .respond_with(ResponseTemplate::new(status).set_body_string(body))
            .expect(1)
            .mount(&s)
            .await;
        let e = client_for(&s)
            .orders()
            .get_by_order_no(name)
            .await
            .expect_err(name);
        check(name, e);
    }
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
    // One wording in the four crates (sign-core's `over_cap_reason`); it was `BodyTooLarge`.
    match client.orders().get_by_order_no("x").await {
        Err(Error::Decode { reason, .. }) => {
            assert_eq!(reason, "the get_order answer exceeds the 1000-byte cap")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn validation_errors_send_nothing() {
    let s = server().await;
    let client = client_for(&s);
    let o = client.orders();
    let long = "b".repeat(129);
    let cases: Vec<(&str, &str, Result<(), Error>)> = vec![
        (
            "amount 0",
            "amount_fen",
            o.create(&CreateOrderRequest::new("B", 0, Channel::AlipayQr, "s"))
                .await
                .map(|_| ()),
        ),
        (
            "alipay_wap without return_url",
            "return_url",
            o.create(&CreateOrderRequest::new("B", 10, Channel::AlipayWap, "s"))
                .await
                .map(|_| ()),
        ),
        // Finding (issue 13, LJPay): `Channel::Other(..)` passed validation and was sent.
        (
            "finding: unknown channel",
            "channel",
            o.create(&CreateOrderRequest::new(
                "B",
                10,
                Channel::Other("paypal".into()),
                "s",
            ))
            .await
            .map(|_| ()),
        ),
        (
            "`..` as a path segment",
            "biz_order_no",
            o.get_by_biz_order_no("..").await.map(|_| ()),
        ),
        (
            "biz_order_no of 129",
            "biz_order_no",
            o.get_by_biz_order_no(&long).await.map(|_| ()),
        ),
        (
            "negative refund",
            "refund_fen",
            client
                .refunds()
                .create(&RefundRequest::new("B", "R", -1))
                .await
                .map(|_| ()),
        ),
    ];
    for (name, field, result) in cases {
        match result {
            Err(e @ Error::Validation { .. }) => {
                assert!(
                    matches!(&e, Error::Validation { field: f, .. } if *f == field),
                    "case `{name}`: {e}"
                );
                assert_eq!(e.kind(), ErrorKind::Caller, "case `{name}`");
            }
            other => panic!("case `{name}`: expected a validation error, got {other:?}"),
        }
    }
    let e = o
        .create(&CreateOrderRequest::new("B", 10, Channel::AlipayWap, "s"))
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid `return_url`: required for channel alipay_wap"
    );
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
    for ok in [
        "https://pay.ljmatrix.cn",
        "http://127.0.0.1:8080/prefix",
        "http://localhost:1",
    ] {
        assert!(build(ok).is_ok(), "`{ok}` must be accepted");
    }
    for bad in [
        "http://pay.ljmatrix.cn",
        "https://user:pw@pay.ljmatrix.cn",
        "https://pay.ljmatrix.cn/?x=1",
        "ftp://pay.ljmatrix.cn",
        "not a url",
    ] {
        assert!(
            matches!(
                build(bad),
                Err(Error::Config {
                    field: "base_url",
                    ..
                })
            ),
            "{bad} must be refused"
        );
    }
    let base = || Client::builder().base_url("https://pay.ljmatrix.cn");
    let cases = [
        (
            "no base_url",
            "base_url",
            Client::builder().site_code(SITE).secret(SECRET).build(),
        ),
        ("no site_code", "site_code", base().secret(SECRET).build()),
        (
            "empty site_code",
            "site_code",
            base().site_code("").secret(SECRET).build(),
        ),
        ("no secret", "secret", base().site_code(SITE).build()),
        (
            "empty secret",
            "secret",
            base().site_code(SITE).secret("").build(),
        ),
    ];
    for (name, field, result) in cases {
        match result {
            Err(e @ Error::Config { .. }) => {
                assert!(
                    matches!(&e, Error::Config { field: f, .. } if *f == field),
                    "case `{name}`: {e}"
                );
                assert!(
                    e.to_string()
                        .starts_with(&format!("configuration: `{field}` ")),
                    "case `{name}`: {e}"
                );
            }
            other => panic!("case `{name}`: expected Config, got {other:?}"),
        }
    }
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
    let wh = ljpay_sdk::Verifier::new(SITE, secret).unwrap();
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
