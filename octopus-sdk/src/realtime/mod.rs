//! Realtime payment and order updates over Socket.IO (cargo feature `realtime`).
//!
//! The platform pushes `paymentUpdate` and `orderUpdate`; a client joins one
//! room per payment (`joinPaymentRoom` / `leavePaymentRoom`). Built on
//! `rust_socketio` (async), with its known traps handled here:
//!
//! - `connect()` returns before the namespace handshake ends, so nothing is
//!   emitted before the `open` event: joins requested earlier are remembered
//!   and sent on `open` (upstream issue #502);
//! - rooms are lost on reconnect, so every `open` re-joins every room;
//! - a string id that looks numeric (`"12345"`) would be sent as a number
//!   unless wrapped as a JSON string, so ids are always sent as JSON strings;
//! - `rust_socketio` depends on OpenSSL, which is why this feature is optional.
//!
//! ```no_run
//! # async fn run(client: octopus_sdk::Client) -> octopus_sdk::Result<()> {
//! use futures::StreamExt;
//! use octopus_sdk::realtime::RealtimeEvent;
//! let rt = client.realtime().await?;
//! let mut events = rt.events();
//! rt.join_payment_room("payment-uuid-123").await?;
//! while let Some(ev) = events.next().await {
//!     if let RealtimeEvent::PaymentUpdate(u) = ev {
//!         println!("{} is now {}", u.payment_id, u.status);
//!     }
//! }
//! # Ok(()) }
//! ```

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::FutureExt;
use futures::stream::{self, BoxStream, StreamExt};
use rust_decimal::Decimal;
use rust_socketio::asynchronous::{Client as SioClient, ClientBuilder as SioBuilder};
use rust_socketio::Payload;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::{broadcast, Notify};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::models::{OrderStatus, PaymentStatus};

/// Event joining a payment's room.
pub const JOIN_PAYMENT_ROOM: &str = "joinPaymentRoom";
/// Event leaving a payment's room.
pub const LEAVE_PAYMENT_ROOM: &str = "leavePaymentRoom";
/// Server event: a payment changed.
pub const PAYMENT_UPDATE: &str = "paymentUpdate";
/// Server event: an order changed.
pub const ORDER_UPDATE: &str = "orderUpdate";

/// Data of a `paymentUpdate` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PaymentUpdate {
    /// Payment id.
    pub payment_id: String,
    /// Order id.
    #[serde(default)]
    pub order_id: Option<String>,
    /// New status.
    pub status: PaymentStatus,
    /// Amount.
    #[serde(default, with = "crate::money::option")]
    pub amount: Option<Decimal>,
    /// Currency.
    #[serde(default)]
    pub currency: Option<String>,
    /// Completion time.
    #[serde(default)]
    pub completed_at: Option<DateTime<Utc>>,
}

/// Data of an `orderUpdate` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrderUpdate {
    /// Order id.
    pub order_id: String,
    /// New status.
    pub status: OrderStatus,
    /// Time of the change.
    #[serde(default)]
    pub timestamp: Option<DateTime<Utc>>,
}

/// One realtime event.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RealtimeEvent {
    /// The namespace handshake finished (first connect or a reconnect);
    /// rooms were (re-)joined.
    Open,
    /// The connection closed (a reconnect may follow).
    Close,
    /// A `paymentUpdate`.
    PaymentUpdate(PaymentUpdate),
    /// An `orderUpdate`.
    OrderUpdate(OrderUpdate),
    /// Another event, or a known one whose data did not decode.
    Other {
        /// Event name.
        event: String,
        /// Its arguments.
        data: Vec<Value>,
    },
    /// An error reported by the socket.
    Error(String),
}

/// Realtime connection settings.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RealtimeConfig {
    /// Socket.IO server URL (e.g. `https://pay.example.com`).
    pub url: String,
    /// Namespace (default `/`).
    pub namespace: String,
    /// Reconnect automatically (default true).
    pub reconnect: bool,
    /// Reconnect backoff bounds in milliseconds (default 200 .. 5000).
    pub reconnect_delay_ms: (u64, u64),
    /// Longest wait for the connection to open (default 10 s).
    pub connect_timeout: Duration,
}

impl RealtimeConfig {
    /// Settings for `url` with the defaults.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            namespace: "/".into(),
            reconnect: true,
            reconnect_delay_ms: (200, 5000),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

struct Shared {
    config: RealtimeConfig,
    rooms: Mutex<BTreeSet<String>>,
    open: AtomicBool,
    opened: Notify,
    events: broadcast::Sender<RealtimeEvent>,
    socket: tokio::sync::Mutex<Option<SioClient>>,
    /// Set by `disconnect`: no more reconnects.
    manual: AtomicBool,
    /// A reconnect supervisor is running.
    reconnecting: AtomicBool,
}

impl Shared {
    fn rooms(&self) -> std::sync::MutexGuard<'_, BTreeSet<String>> {
        self.rooms.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn send(&self, ev: RealtimeEvent) {
        // No subscriber is fine.
        let _ = self.events.send(ev);
    }

    async fn socket(&self) -> Option<SioClient> {
        self.socket.lock().await.clone()
    }
}

/// A Socket.IO connection to the platform.
///
/// Reconnects on its own: after a transport loss (through `rust_socketio`) and
/// after the server closes the namespace (through a fresh connection, since
/// `rust_socketio` does not reconnect then); every `open` re-joins the rooms.
pub struct RealtimeClient {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for RealtimeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RealtimeClient")
            .field("url", &self.shared.config.url)
            .field("open", &self.is_open())
            .field("rooms", &*self.shared.rooms())
            .finish()
    }
}

/// The id as a one-element payload holding a JSON *string*, so that a
/// numeric-looking id is not sent as a number.
fn id_payload(id: &str) -> Payload {
    Payload::Text(vec![Value::String(id.to_owned())])
}

fn decode(event: &str, payload: Payload) -> RealtimeEvent {
    let data = match payload {
        Payload::Text(v) => v,
        Payload::Binary(_) => vec![],
        #[allow(deprecated)]
        Payload::String(s) => vec![serde_json::from_str(&s).unwrap_or(Value::String(s))],
    };
    // Re-read the JSON text so money goes through the exact-decimal path.
    let first = data.first().map(|v| v.to_string());
    let parsed = match (event, first.as_deref()) {
        (PAYMENT_UPDATE, Some(t)) => serde_json::from_str(t)
            .ok()
            .map(RealtimeEvent::PaymentUpdate),
        (ORDER_UPDATE, Some(t)) => serde_json::from_str(t).ok().map(RealtimeEvent::OrderUpdate),
        _ => None,
    };
    parsed.unwrap_or_else(|| RealtimeEvent::Other {
        event: event.to_owned(),
        data,
    })
}

/// A `rust_socketio` builder whose callbacks feed `shared` (held weakly, so
/// the socket does not keep the client alive).
fn sio_builder(shared: &Arc<Shared>) -> SioBuilder {
    let weak = Arc::downgrade(shared);
    let on_open = {
        let weak = weak.clone();
        move |_: Payload, socket: SioClient| {
            let weak = weak.clone();
            async move {
                let Some(shared) = weak.upgrade() else { return };
                let rooms: Vec<String> = {
                    let rooms = shared.rooms();
                    shared.open.store(true, Ordering::SeqCst);
                    rooms.iter().cloned().collect()
                };
                // Emitting is safe now: the namespace handshake is done.
                for room in rooms {
                    if let Err(e) = socket.emit(JOIN_PAYMENT_ROOM, id_payload(&room)).await {
                        tracing::warn!(error = %e, "re-joining a payment room failed");
                    }
                }
                shared.opened.notify_waiters();
                shared.send(RealtimeEvent::Open);
            }
            .boxed()
        }
    };
    let on_close = {
        let weak = weak.clone();
        move |_: Payload, _: SioClient| {
            let weak = weak.clone();
            async move {
                let Some(shared) = weak.upgrade() else { return };
                shared.open.store(false, Ordering::SeqCst);
                shared.send(RealtimeEvent::Close);
                if shared.config.reconnect
                    && !shared.manual.load(Ordering::SeqCst)
                    && !shared.reconnecting.swap(true, Ordering::SeqCst)
                {
                    tokio::spawn(supervise(Arc::downgrade(&shared)));
                }
            }
            .boxed()
        }
    };
    let on_error = {
        let weak = weak.clone();
        move |p: Payload, _: SioClient| {
            let weak = weak.clone();
            async move {
                let Some(shared) = weak.upgrade() else { return };
                let msg = match p {
                    Payload::Text(v) => v
                        .iter()
                        .map(|x| x.to_string())
                        .collect::<Vec<_>>()
                        .join(" "),
                    #[allow(deprecated)]
                    Payload::String(s) => s,
                    Payload::Binary(_) => "binary error payload".into(),
                };
                shared.send(RealtimeEvent::Error(msg));
            }
            .boxed()
        }
    };
    let on_any = move |event: rust_socketio::Event, p: Payload, _: SioClient| {
        let weak = weak.clone();
        async move {
            if let Some(shared) = weak.upgrade() {
                shared.send(decode(&String::from(event), p));
            }
        }
        .boxed()
    };
    let c = &shared.config;
    SioBuilder::new(c.url.clone())
        .namespace(c.namespace.clone())
        .reconnect(c.reconnect)
        .reconnect_on_disconnect(false)
        .reconnect_delay(c.reconnect_delay_ms.0, c.reconnect_delay_ms.1)
        .on("open", on_open)
        .on("close", on_close)
        .on("error", on_error)
        .on_any(on_any)
}

/// After the server closed the namespace: open a fresh connection, with backoff.
async fn supervise(weak: std::sync::Weak<Shared>) {
    let Some(first) = weak.upgrade().map(|s| s.config.reconnect_delay_ms) else {
        return;
    };
    let mut delay = Duration::from_millis(first.0);
    let max = Duration::from_millis(first.1.max(first.0));
    loop {
        tokio::time::sleep(delay).await;
        let Some(shared) = weak.upgrade() else { return };
        if shared.manual.load(Ordering::SeqCst) || shared.open.load(Ordering::SeqCst) {
            break;
        }
        if let Some(old) = shared.socket.lock().await.take() {
            let _ = old.disconnect().await;
        }
        let attempt = tokio::time::timeout(
            shared.config.connect_timeout,
            sio_builder(&shared).connect(),
        )
        .await;
        match attempt {
            Ok(Ok(sock)) => {
                *shared.socket.lock().await = Some(sock);
                break;
            }
            Ok(Err(e)) => tracing::debug!(error = %e, "realtime reconnect failed"),
            Err(_) => tracing::debug!("realtime reconnect timed out"),
        }
        delay = (delay * 2).min(max);
    }
    if let Some(shared) = weak.upgrade() {
        shared.reconnecting.store(false, Ordering::SeqCst);
    }
}

impl RealtimeClient {
    /// Connects to `config.url`; returns once the socket is open (the
    /// namespace handshake finished) or fails after `connect_timeout`.
    pub async fn connect(config: RealtimeConfig) -> Result<Self> {
        let (tx, _) = broadcast::channel(256);
        let timeout = config.connect_timeout;
        let url = config.url.clone();
        let shared = Arc::new(Shared {
            config,
            rooms: Mutex::new(BTreeSet::new()),
            open: AtomicBool::new(false),
            opened: Notify::new(),
            events: tx,
            socket: tokio::sync::Mutex::new(None),
            manual: AtomicBool::new(false),
            reconnecting: AtomicBool::new(false),
        });
        let opened = shared.opened.notified();
        tokio::pin!(opened);
        opened.as_mut().enable();
        let socket = tokio::time::timeout(timeout, sio_builder(&shared).connect())
            .await
            .map_err(|_| Error::Realtime {
                reason: format!("connecting to {url} timed out"),
            })?
            .map_err(|e| Error::Realtime {
                reason: format!("connecting to {url}: {e}"),
            })?;
        *shared.socket.lock().await = Some(socket);
        let client = Self {
            shared: shared.clone(),
        };
        if !client.is_open()
            && tokio::time::timeout(timeout, opened).await.is_err()
            && !client.is_open()
        {
            let _ = client.shutdown().await;
            return Err(Error::Realtime {
                reason: format!("{url} did not finish the Socket.IO handshake"),
            });
        }
        Ok(client)
    }

    /// True between an `open` and the next `close`.
    pub fn is_open(&self) -> bool {
        self.shared.open.load(Ordering::SeqCst)
    }

    /// The events, as a stream (each call subscribes anew; events before the
    /// call are not replayed; a slow consumer skips what it missed).
    pub fn events(&self) -> BoxStream<'static, RealtimeEvent> {
        let rx = self.shared.events.subscribe();
        stream::unfold(rx, |mut rx| async move {
            loop {
                match rx.recv().await {
                    Ok(ev) => return Some((ev, rx)),
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!(skipped = n, "realtime consumer lagged");
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        })
        .boxed()
    }

    /// Joins a payment's room. Remembered: sent now if the socket is open,
    /// else on the next `open`, and again after every reconnect.
    pub async fn join_payment_room(&self, payment_id: &str) -> Result<()> {
        crate::validate::id("paymentId", payment_id)?;
        let send_now = {
            let mut rooms = self.shared.rooms();
            rooms.insert(payment_id.to_owned());
            self.is_open()
        };
        if let (true, Some(socket)) = (send_now, self.shared.socket().await) {
            socket
                .emit(JOIN_PAYMENT_ROOM, id_payload(payment_id))
                .await
                .map_err(|e| Error::Realtime {
                    reason: format!("emitting {JOIN_PAYMENT_ROOM}: {e}"),
                })?;
        }
        Ok(())
    }

    /// Leaves a payment's room (and stops re-joining it).
    pub async fn leave_payment_room(&self, payment_id: &str) -> Result<()> {
        let was = self.shared.rooms().remove(payment_id);
        if let (true, true, Some(socket)) = (was, self.is_open(), self.shared.socket().await) {
            socket
                .emit(LEAVE_PAYMENT_ROOM, id_payload(payment_id))
                .await
                .map_err(|e| Error::Realtime {
                    reason: format!("emitting {LEAVE_PAYMENT_ROOM}: {e}"),
                })?;
        }
        Ok(())
    }

    /// The rooms this client keeps joined.
    pub fn rooms(&self) -> Vec<String> {
        self.shared.rooms().iter().cloned().collect()
    }

    /// Closes the connection.
    pub async fn disconnect(self) -> Result<()> {
        self.shutdown().await
    }

    async fn shutdown(&self) -> Result<()> {
        self.shared.manual.store(true, Ordering::SeqCst);
        self.shared.open.store(false, Ordering::SeqCst);
        match self.shared.socket.lock().await.take() {
            Some(s) => s.disconnect().await.map_err(|e| Error::Realtime {
                reason: format!("disconnecting: {e}"),
            }),
            None => Ok(()),
        }
    }
}

impl Client {
    /// Opens a realtime connection to the configured realtime URL (the base
    /// URL's origin unless [`crate::ClientBuilder::realtime_url`] was set).
    pub async fn realtime(&self) -> Result<RealtimeClient> {
        RealtimeClient::connect(self.realtime_config()).await
    }

    /// The realtime settings this client uses.
    pub fn realtime_config(&self) -> RealtimeConfig {
        RealtimeConfig::new(self.inner.realtime_url.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_looking_ids_stay_strings() {
        match id_payload("12345") {
            Payload::Text(v) => assert_eq!(serde_json::to_string(&v).unwrap(), r#"["12345"]"#),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn decodes_events() {
        let p = Payload::Text(vec![serde_json::json!({
            "paymentId": "p1", "orderId": "o1", "status": "completed", "amount": 100.5,
            "currency": "HKD", "completedAt": "2024-01-01T00:05:00Z"
        })]);
        match decode(PAYMENT_UPDATE, p) {
            RealtimeEvent::PaymentUpdate(u) => {
                assert_eq!(u.status, PaymentStatus::Completed);
                assert_eq!(u.amount, Some(Decimal::new(1005, 1)));
            }
            other => panic!("{other:?}"),
        }
        let o = Payload::Text(vec![
            serde_json::json!({"orderId": "o1", "status": "completed"}),
        ]);
        assert!(matches!(
            decode(ORDER_UPDATE, o),
            RealtimeEvent::OrderUpdate(_)
        ));
        let bad = Payload::Text(vec![serde_json::json!({"nope": 1})]);
        assert!(matches!(
            decode(PAYMENT_UPDATE, bad),
            RealtimeEvent::Other { .. }
        ));
    }
}
