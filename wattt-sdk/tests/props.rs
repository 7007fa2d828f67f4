//! Property tests: sign/verify round trips, any one-byte change fails, amounts survive the wire.

mod common;

use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use wattt_sdk::{notify, CollectionRequest, Secret, Signer, WatttSign};

fn field_map() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map(
        "[a-z_]{1,10}",
        prop_oneof![
            "[ -~]{1,16}".prop_map(Value::String),
            any::<i32>().prop_map(Value::from),
            any::<bool>().prop_map(Value::from),
        ],
        1..8,
    )
    .prop_map(|m| m.into_iter().filter(|(k, _)| k != "sign").collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn json_round_trip_and_agrees_with_independent_sign(fields in field_map(), secret in "[A-Za-z0-9]{1,24}") {
        let sign = WatttSign::new(secret.clone()).sign_json(&fields);
        prop_assert_eq!(&sign, &common::expected_sign(&fields, &secret));
        let mut signed = fields.clone();
        signed.insert("sign".into(), sign.into());
        let body = serde_json::to_vec(&signed).unwrap();
        prop_assert!(notify::verify(&body, &Secret::new(secret.clone())).is_ok());
    }

    #[test]
    fn one_byte_change_fails(fields in field_map(), idx in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let secret = Secret::new("prop-secret");
        let mut signed = fields.clone();
        signed.insert("sign".into(), WatttSign::new("prop-secret").sign_json(&fields).into());
        let body = serde_json::to_vec(&signed).unwrap();
        let i = idx.index(body.len());
        prop_assume!(body[i] != byte);
        // Upper-casing a hex digit of `sign` is the one accepted change (sign is case-insensitive).
        prop_assume!(!(body[i].is_ascii_lowercase() && byte == body[i].to_ascii_uppercase()));
        let mut changed = body.clone();
        changed[i] = byte;
        // Either the body no longer parses, or what it says no longer matches the sign.
        // (Changing insignificant whitespace cannot happen: serde_json writes none.)
        let original = notify::verify(&body, &secret).unwrap();
        match notify::verify(&changed, &secret) {
            Err(_) => {}
            Ok(n) => prop_assert_ne!(n, original, "a changed body verified with the same content"),
        }
    }

    #[test]
    fn form_round_trip(fields in field_map()) {
        let pairs: Vec<(String, String)> = fields.iter().map(|(k, v)| (k.clone(), match v {
            Value::String(s) => s.clone(), other => other.to_string() })).collect();
        let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let sign = WatttSign::new("form-secret").sign_params(&refs);
        let mut all = pairs.clone();
        all.push(("sign".into(), sign));
        let body = serde_urlencoded::to_string(&all).unwrap();
        prop_assert!(notify::verify(body.as_str(), &Secret::new("form-secret")).is_ok());
        prop_assert!(notify::verify(body.as_str(), &Secret::new("form-secret2")).is_err());
    }

    #[test]
    fn amounts_reach_the_wire_exactly(units in 1i64..1_000_000_000_000, scale in 0u32..=2) {
        let amount = Decimal::new(units, scale);
        let fields = CollectionRequest::new("C", amount).to_fields().unwrap();
        let text = serde_json::to_string(&fields["amount"]).unwrap();
        let back: Decimal = text.parse().unwrap();
        prop_assert_eq!(back, amount.normalize());
    }
}
