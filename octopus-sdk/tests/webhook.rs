//! Webhook verification: the spec's example, hand-built vectors, and
//! property tests (round trip; any one-byte change fails).

mod common;

use chrono::{DateTime, Duration, Utc};
use http::{HeaderMap, HeaderValue};
use octopus_sdk::webhook::{self, TransactionStatus, WebhookAck, WebhookEventType};
use octopus_sdk::{Error, Secret};
use proptest::prelude::*;
use sign_core::VerifyError;

const SECRET: &str = "whsec_test_4b1d";

fn at() -> DateTime<Utc> {
    "2024-01-01T00:05:00Z".parse().unwrap()
}

/// Headers signed with the local HMAC (not the SDK's signer).
fn headers(body: &[u8], ts: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    let sig = common::hmac_hex(SECRET.as_bytes(), &[body]);
    h.insert("x-octopus-signature", HeaderValue::from_str(&sig).unwrap());
    h.insert("x-octopus-timestamp", HeaderValue::from_str(ts).unwrap());
    h
}

#[test]
fn the_spec_example_verifies_and_decodes() {
    let body = common::example(common::ex::WEBHOOK_BODY);
    let h = headers(body.as_bytes(), "2024-01-01T00:05:00Z");
    let e = webhook::verify_at(
        &h,
        body.as_bytes(),
        &Secret::new(SECRET),
        at() + Duration::seconds(30),
    )
    .unwrap();
    assert_eq!(e.event_type, WebhookEventType::PaymentCompleted);
    assert_eq!(e.transaction_id.as_deref(), Some("oct_123456789"));
    assert_eq!(e.order_id, "550e8400-e29b-41d4-a716-446655440000");
    assert_eq!(e.status, TransactionStatus::Success);
    assert_eq!(e.amount.to_string(), "100.00");
    assert_eq!(e.currency, "HKD");
    assert_eq!(e.timestamp, Some(at()));
    assert_eq!(e.merchant_id.as_deref(), Some("your_merchant_id"));
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
    let e = webhook::verify_at(&h, body, &Secret::new("key"), at()).unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
}

#[test]
fn unknown_event_types_are_kept_and_ack_matches_the_spec() {
    let body = br#"{"eventType":"payment.disputed","orderId":"o","status":"HELD","amount":"1.50"}"#;
    let h = headers(body, "2024-01-01T00:05:00Z");
    let e = webhook::verify_at(&h, body, &Secret::new(SECRET), at()).unwrap();
    assert_eq!(
        e.event_type,
        WebhookEventType::Other("payment.disputed".into())
    );
    assert_eq!(e.status, TransactionStatus::Other("HELD".into()));
    assert_eq!(
        common::json(&webhook::ack_body()),
        common::json(&common::example(common::ex::WEBHOOK_ACK))
    );
    assert_eq!(
        serde_json::to_string(&WebhookAck::success()).unwrap(),
        webhook::ack_body()
    );
}

#[test]
fn failures_are_typed() {
    let body = common::example(common::ex::WEBHOOK_BODY);
    let b = body.as_bytes();
    let s = Secret::new(SECRET);
    let h = headers(b, "2024-01-01T00:05:00Z");
    let sig = |e: Error| match e {
        Error::Signature(v) => v,
        other => panic!("{other:?}"),
    };
    // Too old / too far in the future (tolerance 300 s).
    let late = webhook::verify_at(&h, b, &s, at() + Duration::seconds(301)).unwrap_err();
    assert!(matches!(sig(late), VerifyError::Expired { .. }));
    let early = webhook::verify_at(&h, b, &s, at() - Duration::seconds(301)).unwrap_err();
    assert!(matches!(sig(early), VerifyError::Expired { .. }));
    assert!(webhook::verify_at(&h, b, &s, at() + Duration::seconds(300)).is_ok());
    // Wrong secret.
    let wrong = webhook::verify_at(&h, b, &Secret::new("other"), at()).unwrap_err();
    assert_eq!(sig(wrong), VerifyError::Mismatch);
    // Missing headers.
    let mut no_sig = h.clone();
    no_sig.remove("x-octopus-signature");
    assert!(matches!(
        sig(webhook::verify_at(&no_sig, b, &s, at()).unwrap_err()),
        VerifyError::MissingField(_)
    ));
    let mut no_ts = h.clone();
    no_ts.remove("x-octopus-timestamp");
    assert!(matches!(
        sig(webhook::verify_at(&no_ts, b, &s, at()).unwrap_err()),
        VerifyError::MissingField(_)
    ));
    // Duplicated signature header.
    let mut dup = h.clone();
    dup.append("x-octopus-signature", HeaderValue::from_static("00"));
    assert!(matches!(
        sig(webhook::verify_at(&dup, b, &s, at()).unwrap_err()),
        VerifyError::Malformed { .. }
    ));
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
            r#"{{"eventType":"payment.completed","orderId":"{order_id}","status":"SUCCESS","amount":{}.{:02},"currency":"HKD"}}"#,
            cents / 100, cents % 100
        );
        let secret = Secret::new(SECRET);
        let now = at() + Duration::seconds(skew);
        let h = webhook::sign(body.as_bytes(), &secret, at());
        let e = webhook::verify_at(&h, body.as_bytes(), &secret, now).unwrap();
        prop_assert_eq!(&e.order_id, &order_id);
        prop_assert_eq!(e.amount * rust_decimal::Decimal::from(100), rust_decimal::Decimal::from(cents));

        // One byte of the body changed.
        let mut tampered = body.clone().into_bytes();
        let i = flip_at.index(tampered.len());
        tampered[i] ^= flip_bits;
        prop_assert!(matches!(
            webhook::verify_at(&h, &tampered, &secret, now),
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
            webhook::verify_at(&h2, body.as_bytes(), &secret, now),
            Err(Error::Signature(_))
        ));
    }
}
