//! Webhook verification: used from an axum handler, every failure mode, replay and duplicate
//! delivery in memory, and property tests for the sign/verify pair. Webhooks are signed here
//! with the test's own HMAC (`common`), not with the code under test.

mod common;

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Request, StatusCode, Uri};
use axum::routing::post;
use axum::Router;
use common::{expected_signature, SECRET, SITE};
use ljpay_sdk::webhook::{self, Delivery, ReplayGuard, Verifier, ACK};
use ljpay_sdk::{Channel, Error, ErrorKind, OrderStatus};
use proptest::prelude::*;
use sign_core::replay::MemoryStore;
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

fn verifier() -> Verifier {
    Verifier::new(SITE, SECRET).expect("non-empty site and secret")
}

/// A merchant's webhook endpoint, as a merchant would write it with axum.
async fn ljpay_webhook(
    State(verifier): State<Arc<Verifier>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let target = uri.path_and_query().map_or("/", |p| p.as_str());
    match verifier
        .verify_and_record(&method, target, &headers, &body)
        .await
    {
        Ok(got) => (
            StatusCode::OK,
            format!(
                "{} {} {} {ACK}",
                got.event.biz_order_no, got.event.status, got.delivery
            ),
        ),
        Err(e) if e.kind() == ErrorKind::Transient => {
            (StatusCode::SERVICE_UNAVAILABLE, e.to_string())
        }
        Err(e) => (StatusCode::UNAUTHORIZED, e.to_string()),
    }
}

fn app() -> Router {
    Router::new()
        .route("/hooks/ljpay", post(ljpay_webhook))
        .with_state(Arc::new(verifier()))
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
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::OK, "B-1 PAID first success")
    );
    // The same delivery replayed is refused.
    let (status, text) = call(&app, target, headers.clone(), BODY).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(text.contains("already used"), "{text}");
    // LJPay's re-delivery of the same event, freshly signed, is acknowledged as a repeat.
    let again = signed_headers(target, BODY.as_bytes(), now, &"3".repeat(32));
    let (status, text) = call(&app, target, again, BODY).await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::OK, "B-1 PAID repeat success")
    );
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
    let now = 1_800_000_000;
    let h = signed_headers("/cb", BODY.as_bytes(), now, NONCE);
    let ev = verifier()
        .verify_at("post", "/cb", &h, BODY.as_bytes(), now)
        .unwrap();
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
    let config = verifier().with_tolerance(Duration::from_secs(300));
    let now = 1_800_000_000;
    let body = BODY.as_bytes();
    let verify =
        |h: &HeaderMap, body: &[u8], now: i64| config.verify_at("POST", "/cb", h, body, now);
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
    let wrong = Verifier::new(SITE, "not-the-secret").unwrap();
    let h = signed_headers("/cb", body, now, &"e".repeat(32));
    assert!(matches!(
        sig_err(wrong.verify_at("POST", "/cb", &h, body, now)),
        VerifyError::Mismatch
    ));
    // A signed body that is not an event: a decode error, distinct from a bad signature.
    let junk = br#"{"hello":"world"}"#;
    let h = signed_headers("/cb", junk, now, &"f".repeat(32));
    let e = verify(&h, junk, now).unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
    assert_eq!(e.kind(), ErrorKind::Rejected);
}

/// Finding (issue 13, LJPay): a signature mismatch must say what to check, revealing nothing.
/// The most common cause is passing a route pattern or a decoded path instead of the request
/// target exactly as received.
#[test]
fn a_mismatch_says_to_pass_the_request_target_as_received_and_reveals_nothing() {
    let now = 1_800_000_000;
    let body = BODY.as_bytes();
    let h = signed_headers("/cb?from=ljpay", body, now, NONCE);
    let e = verifier()
        .verify_at("POST", "/cb", &h, body, now)
        .unwrap_err();
    let text = e.to_string();
    assert!(
        matches!(e, Error::Signature(VerifyError::Mismatch)),
        "{e:?}"
    );
    assert!(text.contains("path and query"), "{text}");
    assert!(text.contains("exactly as received"), "{text}");
    // Neither the secret nor the signature the SDK expected (recomputed here) appears.
    let expected = expected_signature(SECRET, "POST", "/cb", &now.to_string(), NONCE, SITE, body);
    for secret_ish in [SECRET, &expected[7..], &expected[7..20]] {
        assert!(!text.contains(secret_ish), "{text}");
        assert!(!format!("{e:?}").contains(secret_ish));
    }
}

#[test]
fn empty_site_or_secret_is_refused() {
    for (name, site, secret, field) in [
        ("empty secret", SITE, "", "secret"),
        ("empty site", "", SECRET, "site_code"),
    ] {
        match Verifier::new(site, secret) {
            Err(Error::Config { field: f, .. }) => assert_eq!(f, field, "case `{name}`"),
            other => panic!("case `{name}`: expected Config, got {other:?}"),
        }
    }
}

/// Finding (issue 10, LJPay): `with_tolerance_secs(900)` widened the window while the nonce
/// store forgot nonces after 300 s, so the same signed webhook was accepted again at T+301.
#[tokio::test]
async fn a_900_s_window_refuses_the_replay_at_t_plus_301() {
    let v = verifier().with_tolerance(Duration::from_secs(900));
    let t = 1_800_000_000;
    let h = signed_headers("/cb", BODY.as_bytes(), t, NONCE);
    let first = v
        .verify_and_record_at("POST", "/cb", &h, BODY.as_bytes(), t)
        .await;
    assert_eq!(first.map(|r| r.delivery).ok(), Some(Delivery::First));
    for later in [t + 301, t + 899, t + 900] {
        // Still inside the window (the pure check passes) ...
        assert!(
            v.verify_at("POST", "/cb", &h, BODY.as_bytes(), later)
                .is_ok(),
            "T+{}",
            later - t
        );
        // ... so the nonce must still be remembered.
        let r = v
            .verify_and_record_at("POST", "/cb", &h, BODY.as_bytes(), later)
            .await;
        assert!(matches!(r, Err(Error::Replayed)), "T+{}: {r:?}", later - t);
    }
    // Past the window it is stale, whatever the store says.
    let r = v
        .verify_and_record_at("POST", "/cb", &h, BODY.as_bytes(), t + 901)
        .await;
    assert!(
        matches!(r, Err(Error::Signature(VerifyError::Expired { .. }))),
        "{r:?}"
    );
}

#[tokio::test]
async fn deliveries_are_keyed_by_order_status_and_refund_number() {
    let v = verifier();
    let now = 1_800_000_000;
    let paid = br#"{"order_no":"lp_9","biz_order_no":"B-9","status":"PAID"}"#.as_slice();
    let refund1 = br#"{"order_no":"lp_9","biz_order_no":"B-9","status":"PARTIAL_REFUNDED","refund_no":"lpr_1"}"#.as_slice();
    let refund2 = br#"{"order_no":"lp_9","biz_order_no":"B-9","status":"PARTIAL_REFUNDED","refund_no":"lpr_2"}"#.as_slice();
    let cases: [(&str, &[u8], Delivery, &str); 5] = [
        ("paid", paid, Delivery::First, "ljpay:event:lp_9:PAID"),
        (
            "paid again, re-signed",
            paid,
            Delivery::Repeat,
            "ljpay:event:lp_9:PAID",
        ),
        (
            "first refund",
            refund1,
            Delivery::First,
            "ljpay:event:lp_9:PARTIAL_REFUNDED:lpr_1",
        ),
        (
            "second refund, same status",
            refund2,
            Delivery::First,
            "ljpay:event:lp_9:PARTIAL_REFUNDED:lpr_2",
        ),
        (
            "first refund again",
            refund1,
            Delivery::Repeat,
            "ljpay:event:lp_9:PARTIAL_REFUNDED:lpr_1",
        ),
    ];
    for (i, (name, body, want, key)) in cases.into_iter().enumerate() {
        let nonce = format!("{i:032x}");
        let h = signed_headers("/cb", body, now, &nonce);
        let got = v
            .verify_and_record_at("POST", "/cb", &h, body, now)
            .await
            .unwrap_or_else(|e| panic!("case `{name}`: {e}"));
        assert_eq!(got.delivery, want, "case `{name}`");
        assert_eq!(got.key, key, "case `{name}`");
    }
}

/// A full in-memory store refuses rather than forgetting a live key: the webhook is not
/// accepted, and the error says the store is unavailable (answer 503), not that it is forged.
#[tokio::test]
async fn a_full_memory_store_fails_closed() {
    let v = verifier().with_replay_guard(ReplayGuard::new(MemoryStore::with_capacity(1)));
    let now = 1_800_000_000;
    let h = signed_headers("/cb", BODY.as_bytes(), now, NONCE);
    // The nonce takes the one slot; recording the delivery finds the store full.
    let r = v
        .verify_and_record_at("POST", "/cb", &h, BODY.as_bytes(), now)
        .await;
    match r {
        Err(e @ Error::StoreUnavailable { .. }) => {
            assert!(e.to_string().contains("full"), "{e}");
            assert_eq!(e.kind(), ErrorKind::Transient);
        }
        other => panic!("expected StoreUnavailable, got {other:?}"),
    }
    let h2 = signed_headers("/cb", BODY.as_bytes(), now, &"9".repeat(32));
    assert!(matches!(
        v.verify_and_record_at("POST", "/cb", &h2, BODY.as_bytes(), now)
            .await,
        Err(Error::StoreUnavailable { .. })
    ));
}

#[test]
fn sign_headers_helper_matches_the_independent_signature() {
    let parts = webhook::RequestParts {
        site_code: SITE,
        method: "POST",
        path_with_query: "/cb?x=1",
        body: BODY.as_bytes(),
        timestamp: 1_800_000_000,
        nonce: NONCE,
    };
    let h = webhook::sign_headers(&parts, &SECRET.into());
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
        let config = verifier();
        let parts = webhook::RequestParts {
            site_code: SITE,
            method: "POST",
            path_with_query: &path,
            body: body.as_bytes(),
            timestamp: now,
            nonce: NONCE,
        };
        let h = webhook::sign_headers(&parts, &SECRET.into());
        let ev = config.verify_at("POST", &path, &h, body.as_bytes(), now).unwrap();
        prop_assert_eq!(&ev.biz_order_no, &biz);
        prop_assert_eq!(ev.amount_fen, Some(amount));

        let mut tampered = body.clone().into_bytes();
        let i = flip_at.index(tampered.len());
        tampered[i] ^= flip_bits;
        let fresh = verifier();
        let r = fresh.verify_at("POST", &path, &h, &tampered, now);
        prop_assert!(matches!(r, Err(Error::Signature(VerifyError::Mismatch))));

        // A one-byte change in the signed path fails as well.
        let mut other_path = path.clone().into_bytes();
        let j = flip_at.index(other_path.len());
        other_path[j] = if other_path[j] == b'z' { b'y' } else { b'z' };
        let other_path = String::from_utf8(other_path).unwrap();
        let r = fresh.verify_at("POST", &other_path, &h, body.as_bytes(), now);
        prop_assert!(matches!(r, Err(Error::Signature(VerifyError::Mismatch))));
    }
}
