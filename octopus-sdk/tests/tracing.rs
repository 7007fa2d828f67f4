//! The SDK's traces carry method, path and status, never credentials,
//! signatures or bodies.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use octopus_sdk::orders::CreateOrder;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

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

#[tokio::test]
async fn traces_hold_no_secrets_or_bodies() {
    let buf = Buf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let s = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&s)
        .await;
    let c = client(&s.uri());
    let _ = c
        .orders()
        .create(
            &CreateOrder::new("secret-description-xyz", dec("1"))
                .customer_email("victim@example.com"),
        )
        .await;
    let _ = c.orders().get("o-1").await;
    let out = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(out.contains("octopus.request"), "{out}");
    assert!(out.contains("orders.get"), "{out}");
    for needle in [
        TOKEN,
        KEY,
        SECRET_KEY,
        "secret-description-xyz",
        "victim@example.com",
        "Bearer",
    ] {
        assert!(!out.contains(needle), "{needle} leaked into traces:\n{out}");
    }
    let reqs = s.received_requests().await.unwrap();
    let sig = reqs[0].headers["x-octopus-signature"].to_str().unwrap();
    assert!(!out.contains(sig), "signature leaked");
}
