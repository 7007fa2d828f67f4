//! What the SDK traces: method, path, status and latency of each attempt, never the secret,
//! the signature or the request body.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use ljpay_sdk::{Channel, CreateOrderRequest};
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn traces_carry_no_secret_signature_or_body() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let s = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "order_no": "lp_1", "biz_order_no": "B-trace"
        })))
        .mount(&s)
        .await;
    let client = client_for(&s);
    let subject = "very-private-subject-text";
    client
        .orders()
        .create(&CreateOrderRequest::new(
            "B-trace",
            5,
            Channel::AlipayQr,
            subject,
        ))
        .await
        .unwrap();
    let reqs = s.received_requests().await.unwrap();
    let signature = header(&reqs[0], "X-Pay-Signature").unwrap().to_owned();
    let hex = signature.trim_start_matches("sha256=");

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("ljpay request"), "{text}");
    assert!(text.contains("/api/v1/order/create"), "{text}");
    assert!(text.contains("status=200"), "{text}");
    // Recorded on the call's span (shown as the attempt event's context) when a subscriber
    // wants the span: the transport skips the recording only for a disabled span.
    assert!(text.contains("attempts=1"), "{text}");
    assert!(text.contains("B-trace"), "{text}");
    assert!(!text.contains(SECRET), "secret in traces: {text}");
    assert!(!text.contains(hex), "signature in traces: {text}");
    assert!(!text.contains(subject), "body in traces: {text}");
}
