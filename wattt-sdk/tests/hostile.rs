//! Hostile input (issue 13): every parser and verifier of this crate that reads network bytes
//! runs against mutated inputs seeded from valid, signed samples: notification bodies (JSON and
//! form, through the secret and the custom-signer verifiers, and the event key of whatever
//! decodes), and every operation's answer decoder (envelope and typed model). No input may
//! panic; each is run under `catch_unwind` and a panic reports the target, the seed and the
//! input. The short run (`fuzz_iterations()`, 20 000 per target by default) is a normal test;
//! `million_mutations_each` (ignored) runs 1 000 000 per target.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use serde_json::json;
use sign_core::testing::{fuzz_iterations, Mutator};
use wattt_sdk::webhook::{event_key, Verifier};
use wattt_sdk::{decode_answer, ops, Notification, Operation, Signer, WatttSign, OPERATIONS};

const KEY: &str = "hostile-secret";

fn signed_json(v: serde_json::Value) -> Vec<u8> {
    let mut m = v.as_object().cloned().expect("object");
    let sign = common::expected_sign(&m, KEY);
    m.insert("sign".into(), sign.into());
    serde_json::to_vec(&m).expect("json")
}

fn signed_form(pairs: &[(&str, &str)]) -> Vec<u8> {
    let map: serde_json::Map<String, serde_json::Value> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).into()))
        .collect();
    let mut all: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    all.push(("sign".into(), common::expected_sign(&map, KEY)));
    serde_urlencoded::to_string(&all)
        .expect("form")
        .into_bytes()
}

fn notification_seeds() -> Vec<Vec<u8>> {
    vec![
        signed_json(json!({"type": "collection", "uid": "ABCDE", "orderid": "COL1",
            "merchant_order_no": "M1", "amount": 2500, "status": "success",
            "timestamp": 1782347899, "extra": {"a": [1, 2]}})),
        signed_json(json!({"type": "payout", "serial_no": "PO1", "amount": 3000.5,
            "status": "failed", "reason": "帳戶已結清"})),
        br#"{"serial_no":"P1","amount":12.50,"status":"success","sign":"00000000000000000000000000000000"}"#.to_vec(),
        signed_form(&[("type", "payout"), ("serial_no", "PO1"), ("amount", "3000.5"), ("status", "reversed")]),
        signed_form(&[("orderid", "C&1"), ("amount", "1e3"), ("status", "paid")]),
    ]
}

fn answer_seeds() -> Vec<(Operation, Vec<u8>)> {
    let f = |s: &str| s.as_bytes().to_vec();
    let by_path = [
        (
            ops::PAYMENT_CHANNELS,
            f(include_str!("fixtures/channels.json")),
        ),
        (
            ops::PAYMENT_AMOUNTS,
            f(include_str!("fixtures/amounts.json")),
        ),
        (
            ops::PAYMENT_LINK_AMOUNT,
            f(include_str!("fixtures/payment_link.json")),
        ),
        (
            ops::PAYMENT_LINK,
            f(include_str!("fixtures/payment_link.json")),
        ),
        (
            ops::CREATE_COLLECTION,
            f(include_str!("fixtures/collection.json")),
        ),
        (
            ops::COLLECTION_STATUS,
            f(include_str!("fixtures/collection.json")),
        ),
        (ops::CREATE_PAYOUT, f(include_str!("fixtures/payout.json"))),
        (ops::PAYOUT_STATUS, f(include_str!("fixtures/payout.json"))),
        (ops::BALANCE, f(include_str!("fixtures/balance.json"))),
        (ops::BANKS, f(include_str!("fixtures/banks.json"))),
        (
            ops::CALLBACK_RETRY,
            f(include_str!("fixtures/callback_retry.json")),
        ),
    ];
    for op in OPERATIONS {
        assert!(
            by_path.iter().any(|(o, _)| o == op),
            "{}: no answer seed",
            op.name
        );
    }
    by_path.to_vec()
}

/// A toy custom contract, so that the signer path (numbers handed over as written) runs too.
#[derive(Debug)]
struct Reversed(WatttSign);

impl Signer for Reversed {
    fn sign_json(&self, fields: &serde_json::Map<String, serde_json::Value>) -> String {
        self.0.sign_json(fields).chars().rev().collect()
    }
    fn sign_params(&self, params: &[(&str, &str)]) -> String {
        self.0.sign_params(params).chars().rev().collect()
    }
}

/// Runs `check` on `n` mutations of each seed; panics (naming target, seed and input) if any
/// input panics. Returns how many inputs ran.
fn run(target: &str, seeds: &[Vec<u8>], n: usize, check: impl Fn(&[u8])) -> usize {
    let mut ran = 0;
    for (s, seed) in seeds.iter().enumerate() {
        let mutator_seed = 0x5EED_0000 + s as u64;
        let mut m = Mutator::new(mutator_seed);
        for i in 0..n.div_ceil(seeds.len()) {
            let input = m.mutate(seed);
            if catch_unwind(AssertUnwindSafe(|| check(&input))).is_err() {
                panic!(
                    "{target}: input {i} of Mutator::new({mutator_seed:#x}) panicked: {:?}",
                    String::from_utf8_lossy(&input)
                );
            }
            ran += 1;
        }
    }
    ran
}

fn all_targets(n: usize) {
    let secret = Verifier::new(KEY).expect("non-empty");
    let custom = Verifier::with_signer(Reversed(WatttSign::new(KEY)));
    let notifications = notification_seeds();
    let started = Instant::now();
    let mut report = Vec::new();
    report.push((
        "notification, secret verifier",
        run("notification, secret verifier", &notifications, n, |b| {
            let _ = secret.verify(b);
        }),
    ));
    report.push((
        "notification, custom signer",
        run("notification, custom signer", &notifications, n, |b| {
            let _ = custom.verify(b);
        }),
    ));
    // What a signed body may carry once the signature passed: decode and key it.
    report.push((
        "notification model and event key",
        run("notification model and event key", &notifications, n, |b| {
            if let Ok(n) = serde_json::from_slice::<Notification>(b) {
                let _ = event_key(&n);
            }
        }),
    ));
    for (op, seed) in answer_seeds() {
        let seeds = [seed];
        let ran = run(op.name, &seeds, n, |b| {
            for status in [200, 422, 502] {
                let _ = decode_answer(&op, status, b);
            }
        });
        report.push((op.name, ran));
    }
    let elapsed = started.elapsed();
    for (target, ran) in &report {
        println!("hostile: {target}: {ran} inputs, no panic");
    }
    println!(
        "hostile: {} targets, {} inputs in {:.1} s",
        report.len(),
        report.iter().map(|(_, r)| r).sum::<usize>(),
        elapsed.as_secs_f64()
    );
}

#[test]
fn mutated_inputs_never_panic() {
    all_targets(fuzz_iterations());
}

#[test]
#[ignore = "long run: 1 000 000 mutated inputs per target (cargo test -- --ignored)"]
fn million_mutations_each() {
    all_targets(1_000_000);
}
