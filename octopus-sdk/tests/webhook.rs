//! Webhook verification: the spec's example, hand-built vectors, the window
//! on the signed body's own timestamp (issue 10), delivery recording, and
//! property tests (round trip; any one-byte change fails). Signatures in the
//! fixtures are computed here with the `hmac` crate, not with the SDK.

mod common;

use chrono::{DateTime, Duration, Utc};
use http::{HeaderMap, HeaderValue};
use octopus_sdk::webhook::{self, TransactionStatus, Verifier, WebhookAck, WebhookEventType};
use octopus_sdk::{Error, Secret};
use proptest::prelude::*;
use sign_core::replay::{Delivery, MemoryStore, ReplayGuard};
use sign_core::VerifyError;

const SECRET: &str = "whsec_test_4b1d";

fn at() -> DateTime<Utc> {
    "2024-01-01T00:05:00Z".parse().unwrap()
}

fn verifier(secret: &str) -> Verifier {
    Verifier::new(secret).expect("non-empty secret")
}

/// Headers signed with the local HMAC (not the SDK's signer).
fn headers(body: &[u8], ts: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    let sig = common::hmac_hex(SECRET.as_bytes(), &[body]);
    h.insert("x-octopus-signature", HeaderValue::from_str(&sig).unwrap());
    h.insert("x-octopus-timestamp", HeaderValue::from_str(ts).unwrap());
    h
}

/// An event body whose signed `timestamp` is `ts`.
fn event_body(tx: &str, event: &str, ts: &str) -> String {
    format!(
        r#"{{"eventType":"{event}","transactionId":"{tx}","orderId":"o-1","status":"SUCCESS","amount":100.10,"currency":"HKD","timestamp":"{ts}","merchantId":"m"}}"#
    )
}

fn signature_error(name: &str, e: Error) -> VerifyError {
    match e {
        Error::Signature(v) => v,
        other => panic!("{name}: expected a signature error, got {other:?}"),
    }
}

#[test]
fn the_spec_example_verifies_and_decodes() {
    let body = common::example(common::ex::WEBHOOK_BODY);
    let h = headers(body.as_bytes(), "2024-01-01T00:05:00Z");
    let e = verifier(SECRET)
        .verify_at(&h, body.as_bytes(), at() + Duration::seconds(30))
        .unwrap();
    assert_eq!(e.event_type, WebhookEventType::PaymentCompleted);
    assert_eq!(e.transaction_id.as_deref(), Some("oct_123456789"));
    assert_eq!(e.order_id, "550e8400-e29b-41d4-a716-446655440000");
    assert_eq!(e.status, TransactionStatus::Success);
    assert_eq!(e.amount.to_string(), "100.00");
    assert_eq!(e.currency, "HKD");
    assert_eq!(e.timestamp, at());
    assert_eq!(e.merchant_id.as_deref(), Some("your_merchant_id"));
    assert_eq!(e.money().to_string(), "HK$100.00");
}

#[test]
fn hand_worked_vector() {
    // Vector: HMAC-SHA256(key "key", "The quick brown fox jumps over the lazy dog"),
    // the well-known RFC 2104 / Wikipedia example.
    let body = b"The quick brown fox jumps over the lazy dog";
    assert_eq!(
        common::hmac_hex(b"key", &[body]),
        "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    );
    let mut h = HeaderMap::new();
    h.insert(
        "x-octopus-signature",
        HeaderValue::from_static(
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
        ),
    );
    h.insert(
        "x-octopus-timestamp",
        HeaderValue::from_static("2024-01-01T00:05:00Z"),
    );
    // The signature verifies; the body is not an event, so it is a decode error.
    let e = verifier("key").verify_at(&h, body, at()).unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
}

#[test]
fn unknown_event_types_are_kept_and_ack_matches_the_spec() {
    let body = br#"{"eventType":"payment.disputed","orderId":"o","status":"HELD","amount":"1.50","timestamp":"2024-01-01T00:05:00Z"}"#;
    let h = headers(body, "2024-01-01T00:05:00Z");
    let e = verifier(SECRET).verify_at(&h, body, at()).unwrap();
    assert_eq!(
        e.event_type,
        WebhookEventType::Other("payment.disputed".into())
    );
    assert_eq!(e.status, TransactionStatus::Other("HELD".into()));
    assert_eq!(
        common::json(webhook::ACK),
        common::json(&common::example(common::ex::WEBHOOK_ACK))
    );
    assert_eq!(
        serde_json::to_string(&WebhookAck::success()).unwrap(),
        webhook::ACK
    );
}

/// Issue 13, Octopus: "Webhook event types the simulator itself sends
/// (`payment.processing`, `REFUNDED`) are not typed." The pairs are the ones
/// `testing.rs` `apply_status` sends.
#[test]
fn finding_13_the_simulators_event_types_are_typed() {
    let cases = [
        ("payment.processing", "PENDING"),
        ("payment.completed", "SUCCESS"),
        ("payment.failed", "FAILED"),
        ("payment.cancelled", "CANCELLED"),
        ("payment.refunded", "REFUNDED"),
    ];
    for (event, status) in cases {
        assert!(
            !matches!(
                WebhookEventType::from_wire(event),
                WebhookEventType::Other(_)
            ),
            "{event}: event type not typed"
        );
        assert!(
            !matches!(
                TransactionStatus::from_wire(status),
                TransactionStatus::Other(_)
            ),
            "{event}: status {status} not typed"
        );
    }
}

#[test]
fn failures_are_typed() {
    let body = common::example(common::ex::WEBHOOK_BODY);
    let b = body.as_bytes();
    let v = verifier(SECRET);
    let h = headers(b, "2024-01-01T00:05:00Z");
    let mut no_sig = h.clone();
    no_sig.remove("x-octopus-signature");
    let mut no_ts = h.clone();
    no_ts.remove("x-octopus-timestamp");
    let mut dup = h.clone();
    dup.append("x-octopus-signature", HeaderValue::from_static("00"));
    let is_expired = |e: &VerifyError| matches!(e, VerifyError::Expired { .. });
    let is_missing = |e: &VerifyError| matches!(e, VerifyError::MissingField(_));
    let is_malformed = |e: &VerifyError| matches!(e, VerifyError::Malformed { .. });
    let is_mismatch = |e: &VerifyError| *e == VerifyError::Mismatch;
    type Check = fn(&VerifyError) -> bool;
    let cases: Vec<(&str, &Verifier, &HeaderMap, DateTime<Utc>, Check)> = vec![
        (
            "301 s late (tolerance 300 s)",
            &v,
            &h,
            at() + Duration::seconds(301),
            is_expired,
        ),
        (
            "301 s early",
            &v,
            &h,
            at() - Duration::seconds(301),
            is_expired,
        ),
        ("missing signature header", &v, &no_sig, at(), is_missing),
        ("missing timestamp header", &v, &no_ts, at(), is_missing),
        ("duplicated signature header", &v, &dup, at(), is_malformed),
    ];
    let other = verifier("other");
    let wrong_secret: (&str, &Verifier, &HeaderMap, DateTime<Utc>, Check) =
        ("wrong secret", &other, &h, at(), is_mismatch);
    for (name, v, h, now, check) in cases.into_iter().chain([wrong_secret]) {
        let e = signature_error(name, v.verify_at(h, b, now).unwrap_err());
        assert!(check(&e), "{name}: got {e:?}");
    }
    assert!(
        v.verify_at(&h, b, at() + Duration::seconds(300)).is_ok(),
        "300 s is inside the window"
    );
}

/// Issue 10, Octopus: "`X-Octopus-Timestamp` is checked but not signed, the
/// body's own (signed) `timestamp` is never checked: a captured
/// `payment.completed` verifies forever with a fresh header." Each case
/// re-sends a body with a fresh header at `now`; the body's signed time
/// decides.
#[test]
fn finding_10_the_signed_body_timestamp_must_be_inside_the_window() {
    let now = at() + Duration::days(1);
    let fresh = sign_core::octopus::format_timestamp(now);
    // (case, body timestamp relative to now in seconds, refused)
    let cases = [
        ("captured a day ago, fresh header", -86_400, true),
        ("body 301 s old, fresh header", -301, true),
        ("body 301 s in the future", 301, true),
        ("body 300 s old", -300, false),
        ("body at now", 0, false),
    ];
    for (name, offset, refused) in cases {
        let body_ts = sign_core::octopus::format_timestamp(now + Duration::seconds(offset));
        let body = event_body("oct_1", "payment.completed", &body_ts);
        let h = headers(body.as_bytes(), &fresh);
        let got = verifier(SECRET).verify_at(&h, body.as_bytes(), now);
        if refused {
            let e = signature_error(name, got.unwrap_err());
            assert!(matches!(e, VerifyError::Expired { .. }), "{name}: {e:?}");
        } else {
            assert!(got.is_ok(), "{name}: {got:?}");
        }
    }
}

#[test]
fn a_body_without_its_timestamp_is_a_decode_error_not_an_accept() {
    let body = br#"{"eventType":"payment.completed","transactionId":"t","orderId":"o","status":"SUCCESS","amount":1}"#;
    let h = headers(body, "2024-01-01T00:05:00Z");
    let e = verifier(SECRET).verify_at(&h, body, at()).unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
}

#[test]
fn an_empty_secret_is_refused() {
    for secret in ["", String::new().as_str()] {
        let e = Verifier::new(secret).unwrap_err();
        assert!(
            matches!(
                e,
                Error::Config {
                    field: "webhook_secret",
                    ..
                }
            ),
            "{secret:?}: {e:?}"
        );
    }
}

#[tokio::test]
async fn a_redelivery_is_a_repeat_and_other_events_are_first() {
    let v = verifier(SECRET);
    let cases = [
        (
            "first delivery",
            "oct_1",
            "payment.completed",
            Delivery::First,
        ),
        (
            "re-delivery",
            "oct_1",
            "payment.completed",
            Delivery::Repeat,
        ),
        (
            "same transaction, next event",
            "oct_1",
            "payment.refunded",
            Delivery::First,
        ),
        (
            "another transaction",
            "oct_2",
            "payment.completed",
            Delivery::First,
        ),
    ];
    for (name, tx, event, want) in cases {
        let body = event_body(tx, event, "2024-01-01T00:05:00Z");
        let h = headers(body.as_bytes(), "2024-01-01T00:05:00Z");
        let got = v
            .verify_and_record_at(&h, body.as_bytes(), at())
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(got.delivery, want, "{name}");
        assert_eq!(
            got.key,
            format!("octopus:event:{tx}:{event}"),
            "{name}: the event key is transactionId + eventType"
        );
    }
}

#[tokio::test]
async fn a_full_memory_store_fails_closed() {
    let v = verifier(SECRET).with_replay_guard(ReplayGuard::new(MemoryStore::with_capacity(1)));
    let first = event_body("oct_1", "payment.completed", "2024-01-01T00:05:00Z");
    let h = headers(first.as_bytes(), "2024-01-01T00:05:00Z");
    v.verify_and_record_at(&h, first.as_bytes(), at())
        .await
        .unwrap();
    let second = event_body("oct_2", "payment.completed", "2024-01-01T00:05:00Z");
    let h = headers(second.as_bytes(), "2024-01-01T00:05:00Z");
    let e = v
        .verify_and_record_at(&h, second.as_bytes(), at())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::StoreUnavailable { .. }), "{e:?}");
    assert_eq!(e.kind(), octopus_sdk::ErrorKind::Transient);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn round_trip_and_any_byte_change_fails(
        order_id in "[a-z0-9-]{1,36}",
        cents in 1u64..10_000_000,
        flip_at in any::<prop::sample::Index>(),
        flip_bits in 1u8..=255,
        skew in -300i64..=300,
    ) {
        let body = format!(
            r#"{{"eventType":"payment.completed","orderId":"{order_id}","status":"SUCCESS","amount":{}.{:02},"currency":"HKD","timestamp":"2024-01-01T00:05:00Z"}}"#,
            cents / 100, cents % 100
        );
        let secret = Secret::new(SECRET);
        let v = verifier(SECRET);
        let now = at() + Duration::seconds(skew);
        let h = webhook::sign(body.as_bytes(), &secret, at());
        prop_assert_eq!(
            h["x-octopus-signature"].to_str().unwrap(),
            common::hmac_hex(SECRET.as_bytes(), &[body.as_bytes()]),
            "the helper signs as the contract says"
        );
        let e = v.verify_at(&h, body.as_bytes(), now).unwrap();
        prop_assert_eq!(&e.order_id, &order_id);
        prop_assert_eq!(e.amount * rust_decimal::Decimal::from(100), rust_decimal::Decimal::from(cents));

        // One byte of the body changed.
        let mut tampered = body.clone().into_bytes();
        let i = flip_at.index(tampered.len());
        tampered[i] ^= flip_bits;
        prop_assert!(matches!(
            v.verify_at(&h, &tampered, now),
            Err(Error::Signature(_))
        ));

        // One character of the signature changed.
        let sig = h["x-octopus-signature"].to_str().unwrap().to_owned();
        let j = flip_at.index(sig.len());
        let mut chars: Vec<char> = sig.chars().collect();
        chars[j] = if chars[j] == '0' { '1' } else { '0' };
        let mut h2 = h.clone();
        h2.insert("x-octopus-signature", HeaderValue::from_str(&chars.into_iter().collect::<String>()).unwrap());
        prop_assert!(matches!(
            v.verify_at(&h2, body.as_bytes(), now),
            Err(Error::Signature(_))
        ));
    }
}
