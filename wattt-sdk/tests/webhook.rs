//! Notification verification: JSON and form bodies, tampering, custom signers, empty secrets,
//! and duplicate delivery in memory and on a real Redis (a `redis-server` each test starts on a
//! free loopback port). Signatures here come from the independent implementation in
//! tests/common (md-5 directly, from the documented rule).

mod common;

use std::collections::HashMap;

use common::expected_sign;
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use std::time::{Duration, Instant, SystemTime};

use sign_core::replay::{MemoryStore, RedisStore, ReplayGuard};
use sign_core::testing::RedisServer;
use wattt_sdk::webhook::{Delivery, Verifier};
use wattt_sdk::{Error, NotificationKind, OrderStatus, Signer, VerifyError};

fn verifier(key: &str) -> Verifier {
    Verifier::new(key).unwrap()
}

const KEY: &str = "notify-secret";

fn signed(mut v: Value) -> Map<String, Value> {
    let m = v.as_object_mut().unwrap();
    let s = expected_sign(m, KEY);
    m.insert("sign".into(), s.into());
    m.clone()
}

#[test]
fn json_collection_notification() {
    let m = signed(json!({
        "type": "collection", "uid": "ABCDE", "orderid": "COL1", "merchant_order_no": "M1",
        "amount": 2500, "status": "success", "timestamp": 1782347899, "paid_at": "2026-05-23 12:00:00",
        "extra": {"a": [1, 2]}
    }));
    let body = serde_json::to_vec(&m).unwrap();
    let n = verifier(KEY).verify(&body).unwrap();
    assert_eq!(n.kind, NotificationKind::Collection);
    assert_eq!(n.orderid.as_deref(), Some("COL1"));
    assert_eq!(n.merchant_order_no.as_deref(), Some("M1"));
    assert_eq!(n.amount, Some(Decimal::from(2500)));
    assert_eq!(n.status, Some(OrderStatus::Success));
    assert_eq!(n.timestamp, Some(1782347899));
    assert_eq!(n.extra["paid_at"], "2026-05-23 12:00:00");
    assert_eq!(n.extra["extra"], json!({"a": [1, 2]}));
    assert!(!n.extra.contains_key("sign"));
    // Also accepted as an already-parsed object.
    assert_eq!(verifier(KEY).verify(&m).unwrap(), n);
}

#[test]
fn numbers_are_verified_as_written() {
    // "12.50" is signed as written: hashlib.md5(b"amount=12.50&serial_no=P1&key=notify-secret")
    let base = "amount=12.50&serial_no=P1&key=notify-secret";
    let sign = hex::encode(<md5::Md5 as md5::Digest>::digest(base.as_bytes()));
    let body = format!(r#"{{"serial_no":"P1","amount":12.50,"sign":"{sign}"}}"#);
    let n = verifier(KEY).verify(body.as_str()).unwrap();
    assert_eq!(n.kind, NotificationKind::Payout);
    assert_eq!(n.amount, Some(Decimal::new(125, 1)));
    // The same object re-rendered as 12.5 carries a different sign.
    let body2 = body.replace("12.50", "12.5");
    assert!(verifier(KEY).verify(body2.as_str()).is_err());
}

#[test]
fn form_payout_notification() {
    let mut fields: Vec<(String, String)> = vec![
        ("type".into(), "payout".into()),
        ("serial_no".into(), "PO1".into()),
        ("amount".into(), "3000.5".into()),
        ("status".into(), "failed".into()),
        ("reason".into(), "account closed".into()),
    ];
    let as_map: Map<String, Value> = fields
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    fields.push(("sign".into(), expected_sign(&as_map, KEY)));
    let body = serde_urlencoded::to_string(&fields).unwrap();
    let n = verifier(KEY).verify(body.as_str()).unwrap();
    assert_eq!(n.kind, NotificationKind::Payout);
    assert_eq!(n.serial_no.as_deref(), Some("PO1"));
    assert_eq!(n.amount, Some(Decimal::new(30005, 1)));
    assert_eq!(n.status, Some(OrderStatus::Failed));
    assert_eq!(n.extra["reason"], "account closed");

    let map: HashMap<String, String> = fields.iter().cloned().collect();
    assert_eq!(verifier(KEY).verify(&map).unwrap(), n);
    assert_eq!(verifier(KEY).verify(&fields[..]).unwrap(), n);
}

#[test]
fn tampering_and_wrong_secret_fail() {
    let m = signed(json!({"orderid": "COL1", "amount": 2500, "status": "success"}));
    let body = serde_json::to_string(&m).unwrap();
    assert!(matches!(
        verifier(KEY).verify(body.replace("2500", "25000").as_str()),
        Err(Error::Signature(VerifyError::Mismatch))
    ));
    assert!(matches!(
        verifier(KEY).verify(body.replace("success", "failed").as_str()),
        Err(Error::Signature(_))
    ));
    assert!(matches!(
        verifier("other").verify(body.as_str()),
        Err(Error::Signature(_))
    ));
    let mut unsigned = m.clone();
    unsigned.remove("sign");
    assert!(matches!(
        verifier(KEY).verify(&serde_json::to_vec(&unsigned).unwrap()),
        Err(Error::Signature(VerifyError::MissingField(_)))
    ));
    // Garbage bodies are errors, never panics.
    for junk in ["", "{", "[1,2]", "a=1&a=2", "\u{0}\u{1}"] {
        assert!(verifier(KEY).verify(junk).is_err(), "{junk:?}");
    }
}

#[test]
fn an_uppercase_sign_is_accepted() {
    let mut m = signed(json!({"orderid": "C", "amount": 1}));
    let up = m["sign"].as_str().unwrap().to_uppercase();
    m.insert("sign".into(), up.into());
    assert!(verifier(KEY)
        .verify(&serde_json::to_vec(&m).unwrap())
        .is_ok());
}

/// A different contract (sha256-free toy: sign = reversed default sign), to show `verify_with`.
#[derive(Debug)]
struct Reversed(wattt_sdk::WatttSign);

impl Signer for Reversed {
    fn sign_json(&self, fields: &Map<String, Value>) -> String {
        self.0.sign_json(fields).chars().rev().collect()
    }
    fn sign_params(&self, params: &[(&str, &str)]) -> String {
        self.0.sign_params(params).chars().rev().collect()
    }
}

#[test]
fn custom_signer_verification() {
    let signer = Reversed(wattt_sdk::WatttSign::new(KEY));
    let mut m = json!({"orderid": "C", "amount": 1})
        .as_object()
        .unwrap()
        .clone();
    let s = signer.sign_json(&m);
    m.insert("sign".into(), s.into());
    let body = serde_json::to_vec(&m).unwrap();
    let custom = Verifier::with_signer(Reversed(wattt_sdk::WatttSign::new(KEY)));
    assert!(custom.verify(&body).is_ok());
    assert!(
        verifier(KEY).verify(&body).is_err(),
        "default contract disagrees"
    );
    let mut bad = m.clone();
    bad.insert("amount".into(), 2.into());
    assert!(custom.verify(&bad).is_err());
}

/// Finding (issue 13, Wattt): "`verify_with` parses then re-renders numbers (`12.50` →
/// `12.5`), so a custom `Signer` fails where the default passes". Expected sign: md5 of
/// "amount=12.50&serial_no=P1&key=notify-secret" computed here with md-5, reversed by the toy
/// contract.
#[test]
fn a_custom_signer_gets_the_numbers_as_written() {
    let base = "amount=12.50&serial_no=P1&key=notify-secret";
    let default_sign = hex::encode(<md5::Md5 as md5::Digest>::digest(base.as_bytes()));
    let reversed: String = default_sign.chars().rev().collect();
    let body = format!(r#"{{"serial_no":"P1","amount":12.50,"sign":"{reversed}"}}"#);
    let custom = Verifier::with_signer(Reversed(wattt_sdk::WatttSign::new(KEY)));
    let n = custom.verify(body.as_str()).unwrap();
    assert_eq!(n.amount, Some(Decimal::new(1250, 2)));
    let default_body = format!(r#"{{"serial_no":"P1","amount":12.50,"sign":"{default_sign}"}}"#);
    assert!(
        verifier(KEY).verify(default_body.as_str()).is_ok(),
        "the default agrees"
    );
}

/// Finding (issue 10): `notify::verify` accepted an empty secret, so with the variable unset
/// anyone could forge a notification signed with an empty key.
#[test]
fn an_empty_secret_is_refused() {
    match Verifier::new("") {
        Err(Error::Config { field, .. }) => assert_eq!(field, "secret"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_timestamp_window_is_opt_in() {
    let m = signed(json!({"orderid": "C", "status": "success", "timestamp": 1_800_000_000}));
    let body = serde_json::to_vec(&m).unwrap();
    let at = |s: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(s);
    let cases: Vec<(&str, Verifier, u64, bool)> = vec![
        ("no window", verifier(KEY), 1_900_000_000, true),
        (
            "inside",
            verifier(KEY).with_tolerance(Duration::from_secs(300)),
            1_800_000_299,
            true,
        ),
        (
            "outside",
            verifier(KEY).with_tolerance(Duration::from_secs(300)),
            1_800_000_301,
            false,
        ),
    ];
    for (name, v, now, ok) in cases {
        let got = v.verify_at(&body, at(now));
        assert_eq!(got.is_ok(), ok, "{name}: {got:?}");
        if !ok {
            assert!(
                matches!(got, Err(Error::Signature(VerifyError::Expired { .. }))),
                "{name}"
            );
        }
    }
}

fn collection_body(orderid: &str, status: &str) -> Vec<u8> {
    let m =
        signed(json!({"type": "collection", "orderid": orderid, "amount": 2500, "status": status}));
    serde_json::to_vec(&m).unwrap()
}

#[tokio::test]
async fn event_keys_are_reference_and_status() {
    let v = verifier(KEY);
    let cases: Vec<(&str, Vec<u8>, &str, Delivery)> = vec![
        (
            "first delivery",
            collection_body("C1", "pending"),
            "wattt:event:orderid:C1:pending",
            Delivery::First,
        ),
        (
            "same event again",
            collection_body("C1", "pending"),
            "wattt:event:orderid:C1:pending",
            Delivery::Repeat,
        ),
        (
            "new status",
            collection_body("C1", "success"),
            "wattt:event:orderid:C1:success",
            Delivery::First,
        ),
        (
            "a payout with the same reference",
            serde_json::to_vec(&signed(json!({"serial_no": "C1", "status": "success"}))).unwrap(),
            "wattt:event:serial_no:C1:success",
            Delivery::First,
        ),
    ];
    for (name, body, key, delivery) in cases {
        let r = v.verify_and_record(&body).await.unwrap();
        assert_eq!(r.key, key, "{name}");
        assert_eq!(r.delivery, delivery, "{name}");
    }
    let no_status = serde_json::to_vec(&signed(json!({"orderid": "C2"}))).unwrap();
    assert!(matches!(
        v.verify_and_record(&no_status).await,
        Err(Error::Decode { .. })
    ));
    // A forged body is refused before anything is recorded.
    let forged = String::from_utf8(collection_body("C3", "success"))
        .unwrap()
        .replace("2500", "9999");
    assert!(matches!(
        v.verify_and_record(forged.as_str()).await,
        Err(Error::Signature(_))
    ));
    assert_eq!(
        v.verify_and_record(&collection_body("C3", "success"))
            .await
            .unwrap()
            .delivery,
        Delivery::First
    );
}

/// Issue 10: a full memory store fails closed: the delivery is refused as StoreUnavailable
/// (answer 503, Wattt delivers later), never accepted unrecorded.
#[tokio::test]
async fn a_full_memory_store_fails_closed() {
    let v = verifier(KEY).with_replay_guard(ReplayGuard::new(MemoryStore::with_capacity(1)));
    assert!(v
        .verify_and_record(&collection_body("C1", "success"))
        .await
        .unwrap()
        .is_first());
    match v.verify_and_record(&collection_body("C2", "success")).await {
        Err(Error::StoreUnavailable { reason }) => assert!(reason.contains("full"), "{reason}"),
        other => panic!("{other:?}"),
    }
    // The live key was not dropped to make room.
    assert_eq!(
        v.verify_and_record(&collection_body("C1", "success"))
            .await
            .unwrap()
            .delivery,
        Delivery::Repeat
    );
}

/// Issue 10: "two web servers" share one Redis: what one accepted, the other reports as a
/// repeat; Redis stopped gives StoreUnavailable; after a restart the same verifier works; the
/// event key lives in Redis at least the retention (PTTL read back).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_shares_deliveries_on_redis() {
    let mut redis = RedisServer::start().expect("redis-server is required: .ci/run installs it");
    let retention = Duration::from_secs(3 * 24 * 3600);
    let url = redis.url();
    let web_server = || {
        let url = url.clone();
        async move {
            let store = RedisStore::connect(&url).await.expect("Redis answers");
            verifier(KEY).with_replay_guard(ReplayGuard::new(store).with_event_retention(retention))
        }
    };
    let a = web_server().await;
    let b = web_server().await;

    let body = collection_body("C-fleet", "success");
    let recorded_at = Instant::now();
    let first = a.verify_and_record(&body).await.unwrap();
    assert_eq!(first.delivery, Delivery::First, "web server A");
    assert_eq!(
        b.verify_and_record(&body).await.unwrap().delivery,
        Delivery::Repeat,
        "web server B"
    );

    let pttl = redis
        .pttl(&format!("{}{}", RedisStore::DEFAULT_PREFIX, first.key))
        .unwrap();
    // Time since just before the SET, rounded up, plus Redis's 1 ms clock granularity: the
    // key must still have at least the rest of the retention to live.
    let elapsed = recorded_at.elapsed().as_micros().div_ceil(1000) as i64 + 1;
    assert!(
        pttl + elapsed >= retention.as_millis() as i64,
        "PTTL {pttl} ms + {elapsed} ms elapsed is shorter than the retention"
    );

    redis.stop();
    match a
        .verify_and_record(&collection_body("C-down", "success"))
        .await
    {
        Err(Error::StoreUnavailable { .. }) => {}
        other => panic!("Redis stopped: {other:?}"),
    }
    redis.restart().unwrap();
    let mut again = None;
    // The connection manager reconnects on its own; give it a moment.
    for _ in 0..50 {
        match a
            .verify_and_record(&collection_body("C-up", "success"))
            .await
        {
            Ok(r) => {
                again = Some(r);
                break;
            }
            Err(Error::StoreUnavailable { .. }) => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(e) => panic!("after restart: {e}"),
        }
    }
    assert_eq!(
        again.map(|r| r.delivery),
        Some(Delivery::First),
        "the same verifier works again"
    );
}
