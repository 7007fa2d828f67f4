//! Hostile input: every parser and verifier of this crate that reads network bytes runs against
//! mutated inputs (sign-core's deterministic `Mutator`, seeded from valid signed samples):
//! `fuzz_iterations()` each in the normal run (20 000 unless `FUZZ_ITERATIONS` says otherwise),
//! 1 000 000 each in the ignored long run. Zero panics: each input runs under `catch_unwind`,
//! and a panic names the target, the seed and the iteration, which reproduce it.
//!
//! Targets: the webhook verifier (headers, path and body of a signed webhook), the webhook body
//! decoder, every answer the client decodes (`OrderInfo`, `CreateOrderResponse` with its
//! `Instructions`, `RefundResponse`, `ErrorResponse`), and the QR `data:` URL decoder.
//! Allocation: every target reads only the bytes it is given (the client caps answer bodies
//! at `max_body_bytes` before any of these run), and nothing it allocates grows beyond a
//! constant factor of the input; the check below bounds the one amplifying step (base64 PNG).

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};

use common::{expected_signature, SECRET, SITE};
use http::{HeaderMap, HeaderValue};
use ljpay_sdk::webhook::Verifier;
use ljpay_sdk::{
    CreateOrderResponse, ErrorResponse, Instructions, OrderInfo, QrInstructions, RefundResponse,
    WebhookEvent,
};
use sign_core::testing::{fuzz_iterations, Mutator};

const NOW: i64 = 1_800_000_000;
const NONCE: &str = "00112233445566778899aabbccddeeff";
const PATH: &str = "/hooks/ljpay?from=ljpay";

const PNG_1X1: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

fn webhook_bodies() -> Vec<&'static [u8]> {
    vec![
        r#"{"event":"order.status","order_no":"lp_1","biz_order_no":"B-1","channel":"alipay_qr","status":"PAID","amount_fen":1000,"paid_amount_fen":1000,"refunded_fen":0,"channel_trade_no":"T1","paid_at":"2026-11-22T02:00:00Z","metadata":{"n":1.50,"s":"梨"}}"#.as_bytes(),
        br#"{"order_no":"lp_2","biz_order_no":"B-2","status":"PARTIAL_REFUNDED","refund_no":"lpr_1","paid_at":1763776800}"#,
    ]
}

fn answers() -> Vec<&'static [u8]> {
    vec![
        br#"{"order_no":"lp_9","biz_order_no":"A/B","channel":"alipay_pc","status":"PAID","amount_fen":1000,"paid_amount_fen":1000,"refunded_fen":300,"channel_trade_no":"2026","created_at":"2026-11-22T10:00:00+08:00","paid_at":"2026-11-22T02:01:02Z"}"#,
        br#"{"order_no":"lp_abc","biz_order_no":"B-1001","channel":"wechat_native","amount_fen":1999,"expires_at":1763800000,"instructions":{"type":"QR","qr_data_url":"data:image/png;base64,iVBORw0KGgo=","raw_pay_url":"weixin://wxpay/bizpayurl?pr=abc"}}"#,
        br#"{"order_no":"lp_3","biz_order_no":"B-3","instructions":{"type":"JSAPI","jsapi_params":{"appId":"wx1","package":"prepay_id=9"}}}"#,
        br#"{"refund_no":"lpr_1","out_refund_no":"R-1","status":"PROCESSING","refund_fen":250,"channel_refund_id":"wx-r-1"}"#,
        br#"{"code":"ORDER_NOT_FOUND","message":"order not found","details":{"field":"biz_order_no"}}"#,
    ]
}

/// Runs `target` on `iterations` mutations of the samples; panics naming the first input that
/// panicked. Returns how many inputs the target accepted (to show the mutations are not all
/// trivially refused).
fn hammer(
    name: &str,
    seed: u64,
    samples: &[Vec<u8>],
    iterations: usize,
    target: &dyn Fn(&[u8]) -> bool,
) -> usize {
    let mut m = Mutator::new(seed);
    let mut accepted = 0;
    for i in 0..iterations {
        let input = m.mutate(&samples[i % samples.len()]);
        match catch_unwind(AssertUnwindSafe(|| target(&input))) {
            Ok(true) => accepted += 1,
            Ok(false) => {}
            Err(_) => panic!(
                "{name}: panicked on iteration {i} of seed {seed}; input {:?}",
                String::from_utf8_lossy(&input)
            ),
        }
    }
    accepted
}

/// A webhook as bytes the mutator can reach everywhere: `path\nsite\nts\nnonce\nsig\nbody`.
fn signed_webhook(body: &[u8]) -> Vec<u8> {
    let sig = expected_signature(SECRET, "POST", PATH, &NOW.to_string(), NONCE, SITE, body);
    let mut out = format!("{PATH}\n{SITE}\n{NOW}\n{NONCE}\n{sig}\n").into_bytes();
    out.extend_from_slice(body);
    out
}

fn verify_mutated(verifier: &Verifier, input: &[u8]) -> bool {
    let mut parts = input.splitn(6, |b| *b == b'\n');
    let mut next = || parts.next().unwrap_or_default();
    let (path, site, ts, nonce, sig, body) = (next(), next(), next(), next(), next(), next());
    let mut headers = HeaderMap::new();
    for (name, value) in [
        ("x-pay-site", site),
        ("x-pay-timestamp", ts),
        ("x-pay-nonce", nonce),
        ("x-pay-signature", sig),
    ] {
        // A header a server would not have accepted never reaches a handler.
        if let Ok(v) = HeaderValue::from_bytes(value) {
            headers.insert(name, v);
        }
    }
    let path = String::from_utf8_lossy(path);
    verifier
        .verify_at("POST", &path, &headers, body, NOW)
        .is_ok()
}

fn run_all(iterations: usize) {
    let verifier = Verifier::new(SITE, SECRET).expect("verifier");
    let webhooks: Vec<Vec<u8>> = webhook_bodies().into_iter().map(signed_webhook).collect();
    // The unmutated samples verify: the harness starts from inputs that pass.
    for w in &webhooks {
        assert!(verify_mutated(&verifier, w), "sample verifies");
    }
    let started = std::time::Instant::now();
    let ok = hammer("webhook verify", 1, &webhooks, iterations, &|i| {
        verify_mutated(&verifier, i)
    });
    let bodies: Vec<Vec<u8>> = webhook_bodies().into_iter().map(<[u8]>::to_vec).collect();
    let decoded = hammer("webhook body", 2, &bodies, iterations, &|i| {
        WebhookEvent::from_json(i).is_ok()
    });
    let answers: Vec<Vec<u8>> = answers().into_iter().map(<[u8]>::to_vec).collect();
    let read = hammer("answers", 3, &answers, iterations, &|i| {
        let a = serde_json::from_slice::<OrderInfo>(i).is_ok();
        let b = serde_json::from_slice::<CreateOrderResponse>(i).is_ok();
        let c = serde_json::from_slice::<RefundResponse>(i).is_ok();
        let d = serde_json::from_slice::<ErrorResponse>(i).is_ok();
        let e = serde_json::from_slice::<Instructions>(i).is_ok();
        a || b || c || d || e
    });
    let qr_samples = vec![
        format!("data:image/png;base64,{PNG_1X1}").into_bytes(),
        b"DATA:IMAGE/PNG;BASE64,iVBORw0KGgo=".to_vec(),
    ];
    let pngs = hammer("qr data url", 4, &qr_samples, iterations, &|i| {
        let qr = QrInstructions {
            qr_data_url: Some(String::from_utf8_lossy(i).into_owned()),
            raw_pay_url: None,
            extra: Default::default(),
        };
        match qr.png_bytes() {
            Ok(png) => {
                // base64 shrinks: the decoded image is never larger than the input.
                assert!(
                    png.len() <= i.len(),
                    "PNG of {} bytes from {} input bytes",
                    png.len(),
                    i.len()
                );
                true
            }
            Err(_) => false,
        }
    });
    eprintln!(
        "hostile: {iterations} inputs per target, 4 targets, {:?}; accepted: verify {ok}, body {decoded}, answers {read}, qr {pngs}",
        started.elapsed()
    );
    // Not every mutation is refused: some keep the meaning (whitespace, an ignored field),
    // which shows the inputs reach past the first check.
    assert!(
        decoded > 0 && read > 0 && pngs > 0,
        "the mutations reach the parsers"
    );
}

#[test]
fn mutated_network_inputs_never_panic() {
    run_all(fuzz_iterations());
}

#[test]
#[ignore = "the long run: 1 000 000 mutated inputs per target (cargo test --release -- --ignored)"]
fn mutated_network_inputs_never_panic_long() {
    run_all(1_000_000);
}
