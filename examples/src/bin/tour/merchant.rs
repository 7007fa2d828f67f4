//! The merchant's side: an axum server on 127.0.0.1 that receives each gateway's callbacks,
//! verifies and records them with the SDK's `webhook::Verifier`, hands each first delivery to
//! the waiting flow, and answers what the gateway expects. A re-delivery (the gateway did not see
//! the acknowledgement, or re-sends anyway) is acknowledged again and not processed twice.
//!
//! Deliveries are recorded in memory, or in Redis when `REDIS_URL` is set: the setup of a fleet
//! of web servers behind a load balancer, where every server shares one record.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use sign_core::replay::{Received, ReplayGuard};
use tokio::sync::mpsc;

use crate::ui::StepError;

/// A verified first delivery, by gateway.
pub enum Callback {
    Ecpay(ecpay_sdk::webhook::PaymentResult),
    Ljpay(ljpay_sdk::webhook::WebhookEvent),
    Octopus(octopus_sdk::webhook::WebhookEvent),
    Wattt(wattt_sdk::webhook::Notification),
}

/// Each gateway's verifier; set by the flow before it triggers a payment.
#[derive(Default)]
pub struct Verifiers {
    pub ecpay: Option<ecpay_sdk::webhook::Verifier>,
    pub ljpay: Option<ljpay_sdk::webhook::Verifier>,
    pub octopus: Option<octopus_sdk::webhook::Verifier>,
    pub wattt: Option<wattt_sdk::webhook::Verifier>,
}

struct Shared {
    verifiers: Mutex<Verifiers>,
    guard: ReplayGuard,
    events: mpsc::UnboundedSender<Callback>,
    repeats: AtomicUsize,
}

pub struct Merchant {
    base_url: String,
    store: &'static str,
    shared: Arc<Shared>,
    events: tokio::sync::Mutex<mpsc::UnboundedReceiver<Callback>>,
}

impl Merchant {
    /// Starts the server; deliveries go to Redis when `REDIS_URL` is set, else to memory.
    pub async fn start() -> Result<Self, String> {
        let (guard, store) = match std::env::var("REDIS_URL").ok().filter(|u| !u.is_empty()) {
            Some(url) => {
                let store = sign_core::replay::RedisStore::connect(&url)
                    .await
                    .map_err(|e| format!("REDIS_URL: {e}"))?
                    .with_prefix("tour:");
                (ReplayGuard::new(store), "Redis (REDIS_URL)")
            }
            None => (ReplayGuard::memory(), "memory"),
        };
        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            verifiers: Mutex::new(Verifiers::default()),
            guard,
            events: tx,
            repeats: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route("/ecpay/return", post(ecpay_return))
            .route("/ljpay/webhook", post(ljpay_webhook))
            .route("/octopus/webhook", post(octopus_webhook))
            .route("/wattt/notify", post(wattt_notify))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| e.to_string())?;
        let base_url = format!(
            "http://{}",
            listener.local_addr().map_err(|e| e.to_string())?
        );
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            base_url,
            store,
            shared,
            events: tokio::sync::Mutex::new(rx),
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Where deliveries are recorded, for people.
    pub fn store(&self) -> &'static str {
        self.store
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// The guard every verifier should record deliveries in (one record for the whole server).
    pub fn replay_guard(&self) -> ReplayGuard {
        self.shared.guard.clone()
    }

    /// Sets a verifier; the flow gives it [`Merchant::replay_guard`] first.
    pub fn configure(&self, f: impl FnOnce(&mut Verifiers)) {
        let mut v = self
            .shared
            .verifiers
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        f(&mut v);
    }

    /// Re-deliveries acknowledged without processing, so far.
    pub fn repeats(&self) -> usize {
        self.shared.repeats.load(Ordering::Relaxed)
    }

    /// The next verified first delivery, waiting at most five seconds.
    pub async fn next_callback(&self) -> Result<Callback, StepError> {
        let mut rx = self.events.lock().await;
        match tokio::time::timeout(Duration::from_secs(5), rx.recv()).await {
            Ok(Some(event)) => Ok(event),
            Ok(None) => Err("merchant server stopped".into()),
            Err(_) => Err("no verified callback arrived within 5 s".into()),
        }
    }
}

/// What the handler answers: the acknowledgement for a first delivery (after handing it to the
/// flow) and for a repeat (without); 503 when the store cannot answer, so the gateway retries
/// later; 401 for anything that failed verification.
fn answer<E>(
    s: &Shared,
    gateway: &str,
    result: Result<Received<E>, String>,
    unavailable: bool,
    wrap: impl FnOnce(E) -> Callback,
    ack: Response,
) -> Response {
    match result {
        Ok(r) if r.is_first() => {
            let _ = s.events.send(wrap(r.event));
            ack
        }
        Ok(_) => {
            s.repeats.fetch_add(1, Ordering::Relaxed);
            ack
        }
        Err(e) if unavailable => {
            eprintln!("  ! {gateway} callback deferred: {e}");
            (StatusCode::SERVICE_UNAVAILABLE, "try again later").into_response()
        }
        Err(e) => {
            eprintln!("  ! merchant refused a {gateway} callback: {e}");
            (StatusCode::UNAUTHORIZED, "verification failed").into_response()
        }
    }
}

fn not_configured(gateway: &str) -> Response {
    eprintln!("  ! merchant refused a {gateway} callback: no verifier configured");
    (StatusCode::UNAUTHORIZED, "not configured").into_response()
}

fn verifier<T: Clone>(s: &Shared, pick: impl FnOnce(&Verifiers) -> Option<&T>) -> Option<T> {
    let v = s.verifiers.lock().unwrap_or_else(|p| p.into_inner());
    pick(&v).cloned()
}

async fn ecpay_return(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let Some(v) = verifier(&s, |v| v.ecpay.as_ref()) else {
        return not_configured("ECPay");
    };
    let result = v.verify_and_record(&body).await;
    let unavailable = matches!(result, Err(ecpay_sdk::Error::StoreUnavailable { .. }));
    let ack = ecpay_sdk::webhook::ACK.into_response();
    answer(
        &s,
        "ECPay",
        result.map_err(|e| e.to_string()),
        unavailable,
        Callback::Ecpay,
        ack,
    )
}

async fn ljpay_webhook(
    State(s): State<Arc<Shared>>,
    method: Method,
    uri: OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(v) = verifier(&s, |v| v.ljpay.as_ref()) else {
        return not_configured("LJPay");
    };
    let target = uri.0.path_and_query().map_or("/", |pq| pq.as_str());
    let result = v
        .verify_and_record(method.as_str(), target, &headers, &body)
        .await;
    let unavailable = matches!(result, Err(ljpay_sdk::Error::StoreUnavailable { .. }));
    let ack = (StatusCode::OK, ljpay_sdk::webhook::ACK).into_response();
    answer(
        &s,
        "LJPay",
        result.map_err(|e| e.to_string()),
        unavailable,
        Callback::Ljpay,
        ack,
    )
}

async fn octopus_webhook(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(v) = verifier(&s, |v| v.octopus.as_ref()) else {
        return not_configured("Octopus");
    };
    let result = v.verify_and_record(&headers, &body).await;
    let unavailable = matches!(result, Err(octopus_sdk::Error::StoreUnavailable { .. }));
    let ack = (
        [("content-type", "application/json")],
        octopus_sdk::webhook::ACK,
    )
        .into_response();
    answer(
        &s,
        "Octopus",
        result.map_err(|e| e.to_string()),
        unavailable,
        Callback::Octopus,
        ack,
    )
}

async fn wattt_notify(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let Some(v) = verifier(&s, |v| v.wattt.as_ref()) else {
        return not_configured("Wattt");
    };
    // JSON or form-encoded: the SDK tells them apart.
    let result = v.verify_and_record(&body[..]).await;
    let unavailable = matches!(result, Err(wattt_sdk::Error::StoreUnavailable { .. }));
    let ack = wattt_sdk::webhook::ACK.into_response();
    answer(
        &s,
        "Wattt",
        result.map_err(|e| e.to_string()),
        unavailable,
        Callback::Wattt,
        ack,
    )
}
