//! Hostile input (issue 13): every parser and verifier of this crate that
//! reads network bytes — webhook bodies and headers, response envelopes,
//! error bodies, QR code data, listing pages and the walker's judgement — runs
//! against `sign_core::testing::fuzz_iterations()` mutated inputs each
//! (`Mutator`, seeded from valid signed samples), one `catch_unwind` per
//! input; a panic fails the test naming the target and the seed. The
//! `#[ignore]` test runs 1 000 000 inputs per target.
//!
//! Allocation the input can drive is capped where the bytes enter: response
//! bodies at `max_body_bytes` (1 MiB, `contract.rs`), webhook bodies at
//! `webhook::MAX_BODY_BYTES` (64 KiB, checked below), the walker's memory of
//! ids at `orders::MAX_LISTED`.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use octopus_sdk::testing::hostile;
use octopus_sdk::webhook::{self, Verifier};
use octopus_sdk::QrCode;
use sign_core::testing::{fuzz_iterations, Mutator};

const SECRET: &str = "whsec_hostile_77";

fn now() -> DateTime<Utc> {
    "2024-01-01T00:05:00Z".parse().unwrap()
}

/// A stable seed per target (FNV-1a of its name), so a reported seed replays.
fn base_seed(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Runs `check` on `n` mutations of `samples`; returns the time taken.
fn hammer(name: &str, samples: &[Vec<u8>], n: usize, check: &dyn Fn(&[u8])) -> Duration {
    let t0 = Instant::now();
    let mut panics = Vec::new();
    for i in 0..n {
        let seed = base_seed(name).wrapping_add(i as u64);
        let input = Mutator::new(seed).mutate(&samples[i % samples.len()]);
        if catch_unwind(AssertUnwindSafe(|| check(&input))).is_err() {
            panics.push(seed);
            if panics.len() >= 10 {
                break;
            }
        }
    }
    assert!(panics.is_empty(), "{name}: panicked for seeds {panics:?}");
    let took = t0.elapsed();
    eprintln!("hostile {name}: {n} inputs, 0 panics, {took:?}");
    took
}

fn webhook_samples() -> Vec<Vec<u8>> {
    let spec = common::example(common::ex::WEBHOOK_BODY);
    vec![
        spec.into_bytes(),
        br#"{"eventType":"payment.refunded","transactionId":null,"orderId":"o","status":"REFUNDED","amount":"12.5","currency":"HKD","timestamp":"2024-01-01T00:05:00Z"}"#.to_vec(),
        br#"{"eventType":"payment.processing","orderId":"o-2","status":"PENDING","amount":1e2,"timestamp":"2024-01-01T00:04:59+00:00","merchantId":"m"}"#.to_vec(),
    ]
}

fn envelope_samples() -> Vec<Vec<u8>> {
    [
        common::ex::CREATE_ORDER_RESP,
        common::ex::GET_ORDER_RESP,
        common::ex::UPDATE_ORDER_RESP,
        common::ex::CREATE_PAYMENT_RESP,
        common::ex::GET_PAYMENT_RESP,
        common::ex::ERROR_FORMAT,
        common::ex::VALIDATION_ERROR,
    ]
    .iter()
    .map(|&i| common::example(i).into_bytes())
    .collect()
}

fn page_samples() -> Vec<Vec<u8>> {
    vec![
        br#"{"success":true,"data":[{"id":"o1","amount":10.5,"currency":"HKD","status":"pending"},{"id":"o2","amount":"1.00","status":"completed","payment":{"id":"p","status":"pending"}}],"pagination":{"page":1,"limit":2,"total":7,"totalPages":4}}"#.to_vec(),
        br#"{"success":true,"data":[{"id":"o1","amount":1,"status":"pending"}],"pagination":{"page":1,"limit":2,"total":5}}"#.to_vec(),
        br#"{"success":true,"data":[{"id":"o1","amount":1,"status":"pending"},{"id":"o1","amount":1,"status":"pending"}]}"#.to_vec(),
    ]
}

fn qr_samples() -> Vec<Vec<u8>> {
    vec![
        br#"{"url":"https://www.online-octopus.com/oos/payment/?token=wG6YPjY","token":"wG6YPjY","merchantId":"demo_merchant_123","orderId":"550e8400","paymentId":"payment-uuid-123","amount":100,"currency":"HKD","timestamp":"2024-01-01T00:00:00Z"}"#.to_vec(),
        b"{\"url\":\"https://www.online-octopus.com/oos/payment/?token=wG6YPjY\",...}".to_vec(),
    ]
}

/// Every target with its samples and check, run `n` times each.
fn all_targets(n: usize) {
    let v = Verifier::new(SECRET).unwrap();
    let secret = SECRET.into();
    let hooks = webhook_samples();
    let header_samples: Vec<Vec<u8>> = hooks
        .iter()
        .map(|b| {
            format!(
                "{}\n2024-01-01T00:05:00Z",
                common::hmac_hex(SECRET.as_bytes(), &[b])
            )
            .into_bytes()
        })
        .collect();

    // The body as sent (mutations break the signature: the refusal path).
    hammer("webhook body, signature kept", &hooks, n, &|body| {
        let sig = common::hmac_hex(SECRET.as_bytes(), &[&hooks[0]]);
        let _ = v.verify_parts_at(body, Some(&sig), Some("2024-01-01T00:05:00Z"), now());
    });
    // The body re-signed after mutation: the JSON decode and window paths.
    hammer("webhook body, re-signed", &hooks, n, &|body| {
        let h = webhook::sign(body, &secret, now());
        if let Ok(e) = v.verify_at(&h, body, now()) {
            let _ = (e.event_key(), e.money().to_string());
        }
    });
    // The two header values ("signature\ntimestamp"), mutated.
    hammer("webhook headers", &header_samples, n, &|raw| {
        let text = String::from_utf8_lossy(raw);
        let (sig, ts) = text.split_once('\n').unwrap_or((&text, ""));
        let _ = v.verify_parts_at(&hooks[0], Some(sig), Some(ts), now());
    });
    let envelopes = envelope_samples();
    hammer("order envelope", &envelopes, n, &|b| {
        let _ = hostile::decode_order(200, b).map(|o| o.money().to_string());
    });
    hammer("payment envelope (write)", &envelopes, n, &|b| {
        if let Ok(p) = hostile::decode_payment(201, b) {
            let _ = p.qr_code_data.as_ref().map(|q| q.url().len());
        }
    });
    hammer("error body", &envelopes, n, &|b| {
        let _ = hostile::decode_error(409, b).to_string();
    });
    let pages = page_samples();
    hammer("listing page and walker", &pages, n, &|b| {
        let _ = hostile::judge_page(1, 2, b);
        let _ = hostile::judge_page(2, 2, b);
    });
    hammer("QR code data", &qr_samples(), n, &|b| {
        let q = QrCode::from_raw(String::from_utf8_lossy(b));
        let _ = (q.url().len(), q.data.map(|d| d.amount));
    });
}

#[test]
fn hostile_inputs_never_panic() {
    all_targets(fuzz_iterations());
}

#[test]
#[ignore = "long: 1 000 000 inputs per target"]
fn hostile_inputs_never_panic_a_million_each() {
    all_targets(1_000_000);
}

/// A webhook body past the cap is refused before any HMAC or JSON work.
#[test]
fn an_oversized_webhook_body_is_refused_unread() {
    let v = Verifier::new(SECRET).unwrap();
    let body = vec![b'{'; webhook::MAX_BODY_BYTES + 1];
    let sig = common::hmac_hex(SECRET.as_bytes(), &[&body]);
    let e = v
        .verify_parts_at(&body, Some(&sig), Some("2024-01-01T00:05:00Z"), now())
        .unwrap_err();
    assert!(
        matches!(&e, octopus_sdk::Error::Decode { reason, .. } if reason.contains("exceeds")),
        "{e:?}"
    );
}
