//! Notification verification: JSON and form bodies, tampering, custom signers.
//! Signatures here come from the independent implementation in tests/common.

mod common;

use std::collections::HashMap;

use common::expected_sign;
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use wattt_sdk::notify::{self, NotificationKind};
use wattt_sdk::{Error, OrderStatus, Secret, Signer, VerifyError};

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
    let n = notify::verify(&body, &Secret::new(KEY)).unwrap();
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
    assert_eq!(notify::verify(&m, &Secret::new(KEY)).unwrap(), n);
}

#[test]
fn numbers_are_verified_as_written() {
    // "12.50" is signed as written: hashlib.md5(b"amount=12.50&serial_no=P1&key=notify-secret")
    let base = "amount=12.50&serial_no=P1&key=notify-secret";
    let sign = hex::encode(<md5::Md5 as md5::Digest>::digest(base.as_bytes()));
    let body = format!(r#"{{"serial_no":"P1","amount":12.50,"sign":"{sign}"}}"#);
    let n = notify::verify(body.as_str(), &Secret::new(KEY)).unwrap();
    assert_eq!(n.kind, NotificationKind::Payout);
    assert_eq!(n.amount, Some(Decimal::new(125, 1)));
    // The same object re-rendered as 12.5 carries a different sign.
    let body2 = body.replace("12.50", "12.5");
    assert!(notify::verify(body2.as_str(), &Secret::new(KEY)).is_err());
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
    let n = notify::verify(body.as_str(), &Secret::new(KEY)).unwrap();
    assert_eq!(n.kind, NotificationKind::Payout);
    assert_eq!(n.serial_no.as_deref(), Some("PO1"));
    assert_eq!(n.amount, Some(Decimal::new(30005, 1)));
    assert_eq!(n.status, Some(OrderStatus::Failed));
    assert_eq!(n.extra["reason"], "account closed");

    let map: HashMap<String, String> = fields.iter().cloned().collect();
    assert_eq!(notify::verify(&map, &Secret::new(KEY)).unwrap(), n);
    assert_eq!(notify::verify(&fields[..], &Secret::new(KEY)).unwrap(), n);
}

#[test]
fn tampering_and_wrong_secret_fail() {
    let m = signed(json!({"orderid": "COL1", "amount": 2500, "status": "success"}));
    let body = serde_json::to_string(&m).unwrap();
    assert!(matches!(
        notify::verify(body.replace("2500", "25000").as_str(), &Secret::new(KEY)),
        Err(Error::Signature(VerifyError::Mismatch))
    ));
    assert!(matches!(
        notify::verify(
            body.replace("success", "failed").as_str(),
            &Secret::new(KEY)
        ),
        Err(Error::Signature(_))
    ));
    assert!(matches!(
        notify::verify(body.as_str(), &Secret::new("other")),
        Err(Error::Signature(_))
    ));
    let mut unsigned = m.clone();
    unsigned.remove("sign");
    assert!(matches!(
        notify::verify(&serde_json::to_vec(&unsigned).unwrap(), &Secret::new(KEY)),
        Err(Error::Signature(VerifyError::MissingField(_)))
    ));
    // Garbage bodies are errors, never panics.
    for junk in ["", "{", "[1,2]", "a=1&a=2", "\u{0}\u{1}"] {
        assert!(notify::verify(junk, &Secret::new(KEY)).is_err(), "{junk:?}");
    }
}

#[test]
fn an_uppercase_sign_is_accepted() {
    let mut m = signed(json!({"orderid": "C", "amount": 1}));
    let up = m["sign"].as_str().unwrap().to_uppercase();
    m.insert("sign".into(), up.into());
    assert!(notify::verify(&serde_json::to_vec(&m).unwrap(), &Secret::new(KEY)).is_ok());
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
    assert!(notify::verify_with(&body, &signer).is_ok());
    assert!(
        notify::verify(&body, &Secret::new(KEY)).is_err(),
        "default contract disagrees"
    );
    let mut bad = m.clone();
    bad.insert("amount".into(), 2.into());
    assert!(notify::verify_with(&bad, &signer).is_err());
}
