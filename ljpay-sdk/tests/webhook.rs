//! Webhook verification: used from an axum handler, every failure mode, and property tests
//! for the sign/verify pair. Webhooks are signed here with the test's own HMAC (`common`).

mod common;

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Request, StatusCode, Uri};
use axum::routing::post;
use axum::Router;
use common::{expected_signature, SECRET, SITE};
use ljpay_sdk::webhook::{self, WebhookConfig};
use ljpay_sdk::{Channel, Error, OrderStatus};
use proptest::prelude::*;
use sign_core::VerifyError;
use tower::ServiceExt as _;

const NONCE: &str = "00112233445566778899aabbccddeeff";

fn signed_headers(path: &str, body: &[u8], ts: i64, nonce: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("x-pay-site", SITE.parse().unwrap());
    h.insert("x-pay-timestamp", ts.to_string().parse().unwrap());
    h.insert("x-pay-nonce", nonce.parse().unwrap());
    let sig = expected_signature(SECRET, "POST", path, &ts.to_string(), nonce, SITE, body);
    h.insert("x-pay-signature", sig.parse().unwrap());
    h
}

const BODY: &str = r#"{"event":"order.paid","order_no":"lp_1","biz_order_no":"B-1","channel":"alipay_qr","status":"PAID","amount_fen":1000,"paid_amount_fen":1000,"refunded_fen":0,"channel_trade_no":"T1","paid_at":"2026-11-22T02:00:00Z","metadata":{"n":1.50,"big":123456789012345678901234567890,"s":"梨"}}"#;

/// A merchant's webhook endpoint, as a merchant would write it with axum.
async fn ljpay_webhook(
    State(config): State<Arc<WebhookConfig>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let target = uri.path_and_query().map_or("/", |p| p.as_str());
    match webhook::verify(&method, target, &headers, &body, &config) {
        Ok(event) => (
            StatusCode::OK,
            format!("{} {}", event.biz_order_no, event.status),
        ),
        Err(e) => (StatusCode::UNAUTHORIZED, e.to_string()),
    }
}

fn app() -> Router {
    let config = Arc::new(WebhookConfig::new(SITE, SECRET));
    Router::new()
        .route("/hooks/ljpay", post(ljpay_webhook))
        .with_state(config)
}

async fn call(app: &Router, target: &str, headers: HeaderMap, body: &str) -> (StatusCode, String) {
    let mut req = Request::builder().method("POST").uri(target);
    for (k, v) in &headers {
        req = req.header(k, v);
    }
    let resp = app
        .clone()
        .oneshot(req.body(Body::from(body.to_owned())).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 16)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test]
async fn axum_handler_accepts_a_signed_webhook_once() {
    let app = app();
    let now = chrono::Utc::now().timestamp();
    let target = "/hooks/ljpay?from=ljpay";
    let headers = signed_headers(target, BODY.as_bytes(), now, NONCE);
    let (status, text) = call(&app, target, headers.clone(), BODY).await;
    assert_eq!((status, text.as_str()), (StatusCode::OK, "B-1 PAID"));
    // The same delivery replayed is refused.
    let (status, text) = call(&app, target, headers.clone(), BODY).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(text.contains("already used"), "{text}");
    // A forged body is refused.
    let forged = BODY.replace("1000", "1");
    let fresh = signed_headers(target, BODY.as_bytes(), now, &"1".repeat(32));
    let (status, _) = call(&app, target, fresh, &forged).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The query is part of what is signed.
    let fresh = signed_headers(target, BODY.as_bytes(), now, &"2".repeat(32));
    let (status, _) = call(&app, "/hooks/ljpay?from=evil", fresh, BODY).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[test]
fn event_fields_metadata_untouched_and_extras_kept() {
    let config = WebhookConfig::new(SITE, SECRET);
    let now = 1_800_000_000;
    let h = signed_headers("/cb", BODY.as_bytes(), now, NONCE);
    let ev = webhook::verify_at("post", "/cb", &h, BODY.as_bytes(), &config, now).unwrap();
    assert_eq!(ev.order_no, "lp_1");
    assert_eq!(ev.status, OrderStatus::Paid);
    assert_eq!(ev.channel, Some(Channel::AlipayQr));
    assert_eq!(ev.amount_fen, Some(1000));
    assert_eq!(ev.paid_amount_fen, Some(1000));
    assert_eq!(ev.refunded_fen, Some(0));
    assert_eq!(ev.channel_trade_no.as_deref(), Some("T1"));
    assert_eq!(
        ev.paid_at.unwrap().to_rfc3339(),
        "2026-11-22T02:00:00+00:00"
    );
    // byte for byte, including `1.50` and a number no f64/i64 can hold
    assert_eq!(
        ev.metadata.unwrap().get(),
        r#"{"n":1.50,"big":123456789012345678901234567890,"s":"梨"}"#
    );
    assert_eq!(ev.extra["event"], "order.paid");
    assert!(!ev.extra.contains_key("order_no"));
}

#[test]
fn failures_are_typed() {
    let config = WebhookConfig::new(SITE, SECRET).with_tolerance_secs(300);
    let now = 1_800_000_000;
    let body = BODY.as_bytes();
    let verify = |h: &HeaderMap, body: &[u8], now: i64| {
        webhook::verify_at("POST", "/cb", h, body, &config, now)
    };
    let sig_err = |r: Result<_, Error>| match r {
        Err(Error::Signature(e)) => e,
        other => panic!("expected a signature error, got {other:?}"),
    };

    // Missing header.
    for name in [
        "x-pay-site",
        "x-pay-timestamp",
        "x-pay-nonce",
        "x-pay-signature",
    ] {
        let mut h = signed_headers("/cb", body, now, NONCE);
        h.remove(name);
        assert!(matches!(
            sig_err(verify(&h, body, now)),
            VerifyError::MissingField(_)
        ));
    }
    // Outside the tolerance, both ways; inside at the edge.
    let h = signed_headers("/cb", body, now - 301, &"a".repeat(32));
    assert!(matches!(
        sig_err(verify(&h, body, now)),
        VerifyError::Expired { .. }
    ));
    let h = signed_headers("/cb", body, now + 301, &"b".repeat(32));
    assert!(matches!(
        sig_err(verify(&h, body, now)),
        VerifyError::Expired { .. }
    ));
    let h = signed_headers("/cb", body, now - 300, &"c".repeat(32));
    assert!(verify(&h, body, now).is_ok());
    // Another site's webhook.
    let mut h = signed_headers("/cb", body, now, &"d".repeat(32));
    h.insert("x-pay-site", "other-site".parse().unwrap());
    assert!(verify(&h, body, now).is_err());
    // Wrong secret.
    let wrong = WebhookConfig::new(SITE, "not-the-secret");
    let h = signed_headers("/cb", body, now, &"e".repeat(32));
    assert!(matches!(
        sig_err(webhook::verify_at("POST", "/cb", &h, body, &wrong, now)),
        VerifyError::Mismatch
    ));
    // A signed body that is not an event.
    let junk = br#"{"hello":"world"}"#;
    let h = signed_headers("/cb", junk, now, &"f".repeat(32));
    assert!(matches!(
        verify(&h, junk, now),
        Err(Error::WebhookPayload { .. })
    ));
}

#[test]
fn sign_headers_helper_matches_the_independent_signature() {
    let h = webhook::sign_headers(
        &SECRET.into(),
        SITE,
        "POST",
        "/cb?x=1",
        BODY.as_bytes(),
        1_800_000_000,
        NONCE,
    );
    let expected = signed_headers("/cb?x=1", BODY.as_bytes(), 1_800_000_000, NONCE);
    assert_eq!(h, expected);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn round_trip_and_any_one_byte_change_fails(
        biz in "[A-Za-z0-9_-]{1,40}",
        amount in 1i64..1_000_000_000,
        path in "/[a-z]{1,10}(\\?[a-z]=[0-9]{1,3})?",
        flip_at in any::<prop::sample::Index>(),
        flip_bits in 1u8..=255,
    ) {
        let body = format!(r#"{{"order_no":"lp_1","biz_order_no":"{biz}","status":"PAID","amount_fen":{amount}}}"#);
        let now = 1_800_000_000;
        let config = WebhookConfig::new(SITE, SECRET);
        let h = webhook::sign_headers(&SECRET.into(), SITE, "POST", &path, body.as_bytes(), now, NONCE);
        let ev = webhook::verify_at("POST", &path, &h, body.as_bytes(), &config, now).unwrap();
        prop_assert_eq!(&ev.biz_order_no, &biz);
        prop_assert_eq!(ev.amount_fen, Some(amount));

        let mut tampered = body.clone().into_bytes();
        let i = flip_at.index(tampered.len());
        tampered[i] ^= flip_bits;
        let fresh = WebhookConfig::new(SITE, SECRET);
        let r = webhook::verify_at("POST", &path, &h, &tampered, &fresh, now);
        prop_assert!(matches!(r, Err(Error::Signature(VerifyError::Mismatch))));

        // A one-byte change in the signed path fails as well.
        let mut other_path = path.clone().into_bytes();
        let j = flip_at.index(other_path.len());
        other_path[j] = if other_path[j] == b'z' { b'y' } else { b'z' };
        let other_path = String::from_utf8(other_path).unwrap();
        let r = webhook::verify_at("POST", &other_path, &h, body.as_bytes(), &fresh, now);
        prop_assert!(r.is_err());
    }
}
