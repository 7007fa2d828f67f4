//! The merchant's side: an axum server on 127.0.0.1 that receives each gateway's callbacks,
//! verifies them with the SDK, hands the verified event to the waiting flow, and answers
//! what the gateway expects.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use tokio::sync::mpsc;

use crate::ui::StepError;

/// A verified callback, by gateway.
pub enum Callback {
    Ecpay(ecpay_sdk::aio::PaymentResult),
    Ljpay(ljpay_sdk::WebhookEvent),
    Octopus(octopus_sdk::webhook::WebhookEvent),
    Wattt(wattt_sdk::notify::Notification),
}

/// How each gateway's callbacks are verified; set by the flow before it triggers a payment.
#[derive(Default)]
pub struct Verifiers {
    pub ecpay: Option<ecpay_sdk::Credentials>,
    pub ljpay: Option<ljpay_sdk::WebhookConfig>,
    pub octopus: Option<sign_core::Secret>,
    pub wattt: Option<sign_core::Secret>,
}

struct Shared {
    verifiers: Mutex<Verifiers>,
    events: mpsc::UnboundedSender<Callback>,
}

pub struct Merchant {
    base_url: String,
    shared: Arc<Shared>,
    events: tokio::sync::Mutex<mpsc::UnboundedReceiver<Callback>>,
}

impl Merchant {
    pub async fn start() -> std::io::Result<Self> {
        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            verifiers: Mutex::new(Verifiers::default()),
            events: tx,
        });
        let app = Router::new()
            .route("/ecpay/return", post(ecpay_return))
            .route("/ljpay/webhook", post(ljpay_webhook))
            .route("/octopus/webhook", post(octopus_webhook))
            .route("/wattt/notify", post(wattt_notify))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            base_url,
            shared,
            events: tokio::sync::Mutex::new(rx),
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub fn configure(&self, f: impl FnOnce(&mut Verifiers)) {
        let mut v = self
            .shared
            .verifiers
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        f(&mut v);
    }

    /// The next verified callback, waiting at most five seconds.
    pub async fn next_callback(&self) -> Result<Callback, StepError> {
        let mut rx = self.events.lock().await;
        match tokio::time::timeout(Duration::from_secs(5), rx.recv()).await {
            Ok(Some(event)) => Ok(event),
            Ok(None) => Err("merchant server stopped".into()),
            Err(_) => Err("no verified callback arrived within 5 s".into()),
        }
    }
}

fn reject(gateway: &str, e: impl std::fmt::Display) -> Response {
    eprintln!("  ! merchant refused a {gateway} callback: {e}");
    (StatusCode::UNAUTHORIZED, "signature check failed").into_response()
}

async fn ecpay_return(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let creds = s
        .verifiers
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .ecpay
        .clone();
    let Some(creds) = creds else {
        return reject("ECPay", "not configured");
    };
    match ecpay_sdk::aio::callback::verify_payment_result(&body, &creds) {
        Ok(result) => {
            let _ = s.events.send(Callback::Ecpay(result));
            ecpay_sdk::aio::ACK.into_response()
        }
        Err(e) => reject("ECPay", e),
    }
}

async fn ljpay_webhook(
    State(s): State<Arc<Shared>>,
    method: Method,
    uri: OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let config = s
        .verifiers
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .ljpay
        .clone();
    let Some(config) = config else {
        return reject("LJPay", "not configured");
    };
    let target = uri.0.path_and_query().map_or("/", |pq| pq.as_str());
    match ljpay_sdk::webhook::verify(method.as_str(), target, &headers, &body, &config) {
        Ok(event) => {
            let _ = s.events.send(Callback::Ljpay(event));
            (StatusCode::OK, "success").into_response()
        }
        Err(e) => reject("LJPay", e),
    }
}

async fn octopus_webhook(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let secret = s
        .verifiers
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .octopus
        .clone();
    let Some(secret) = secret else {
        return reject("Octopus", "not configured");
    };
    match octopus_sdk::webhook::verify(&headers, &body, &secret) {
        Ok(event) => {
            let _ = s.events.send(Callback::Octopus(event));
            (
                [("content-type", "application/json")],
                octopus_sdk::webhook::ack_body(),
            )
                .into_response()
        }
        Err(e) => reject("Octopus", e),
    }
}

async fn wattt_notify(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let secret = s
        .verifiers
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .wattt
        .clone();
    let Some(secret) = secret else {
        return reject("Wattt", "not configured");
    };
    // JSON or form-encoded: the SDK tells them apart.
    match wattt_sdk::notify::verify(&body[..], &secret) {
        Ok(n) => {
            let _ = s.events.send(Callback::Wattt(n));
            "success".into_response()
        }
        Err(e) => reject("Wattt", e),
    }
}
