//! Secrets and signatures never reach traces. Alone in its test binary: tracing caches
//! callsite interest globally, so another test emitting spans without a subscriber could hide
//! events from this one.
#![cfg(feature = "testing")]

use std::io::Write;
use std::sync::{Arc, Mutex};

use rust_decimal::Decimal;
use wattt_sdk::testing::Simulator;
use wattt_sdk::CollectionRequest;

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn traces_carry_no_secret_and_no_sign() {
    let buf = Buf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sim = Simulator::start_with("SIMUID", "trace-secret-XYZ").await;
    let client = sim.client();
    client.balance().await.unwrap();
    client.banks(Some("008")).await.unwrap();
    client
        .collections()
        .create(&CollectionRequest::new("C-trace", Decimal::from(77)))
        .await
        .unwrap();
    // A failing retried call, so warn/debug paths run too.
    sim.inject_fault(
        wattt_sdk::ops::BALANCE,
        wattt_sdk::testing::Fault::ServerError,
    );
    client.balance().await.unwrap();

    let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("wattt.request"),
        "spans were recorded: {text}"
    );
    assert!(!text.contains("trace-secret-XYZ"));
    for req in sim.requests() {
        if let Some(sign) = req.body.get("sign").and_then(|s| s.as_str()) {
            assert!(!text.contains(sign), "sign leaked into traces");
        }
        for (k, v) in &req.query {
            if k == "sign" {
                assert!(!text.contains(v.as_str()), "sign leaked into traces");
            }
        }
    }
}
