//! Realtime payment and order updates over Socket.IO (cargo feature `realtime`).
//!
//! The platform pushes `paymentUpdate` and `orderUpdate`; a client joins one
//! room per payment (`joinPaymentRoom` / `leavePaymentRoom`).
//!
//! The client is this crate's own: Socket.IO v4 (protocol 5) over Engine.IO v4,
//! websocket transport only (no long-polling, no upgrade), on
//! `tokio-tungstenite` with rustls and the webpki roots, like every other
//! connection this workspace makes. What it does:
//!
//! - connects, waits for the Engine.IO `open` packet and the namespace's
//!   `CONNECT` acknowledgement, and only then emits: joins requested earlier
//!   are remembered and sent once the namespace is connected;
//! - answers every server ping, and counts the transport as dead when no ping
//!   arrives within the server's `pingInterval + pingTimeout`, even if the
//!   socket was never closed (a silent proxy, a frozen server);
//! - reconnects with jittered exponential backoff after any loss (a dead
//!   transport, a closed socket, the server closing the namespace) and re-joins
//!   every room after every connect;
//! - reads event arguments as raw JSON text, so an amount such as `100.10`
//!   becomes exactly that [`Decimal`], never an `f64`;
//! - sends ids as JSON strings, so an id that looks numeric (`"12345"`) is not
//!   sent as a number;
//! - ignores frames it does not understand (and never panics on them).
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

mod engineio;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::stream::{self, BoxStream, StreamExt};
use futures::SinkExt;
use rand::Rng;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;
use tokio::net::TcpStream;
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::models::{OrderStatus, PaymentStatus};

use engineio::Packet;

/// Event joining a payment's room.
pub const JOIN_PAYMENT_ROOM: &str = "joinPaymentRoom";
/// Event leaving a payment's room.
pub const LEAVE_PAYMENT_ROOM: &str = "leavePaymentRoom";
/// Server event: a payment changed.
pub const PAYMENT_UPDATE: &str = "paymentUpdate";
/// Server event: an order changed.
pub const ORDER_UPDATE: &str = "orderUpdate";

/// Data of a `paymentUpdate` event. The amount is read from the JSON text,
/// so `100.10` is exactly `100.10`.
///
/// ```
/// use octopus_sdk::realtime::PaymentUpdate;
/// let u: PaymentUpdate =
///     serde_json::from_str(r#"{"paymentId":"p1","status":"completed","amount":100.10}"#).unwrap();
/// assert_eq!(u.amount.unwrap().to_string(), "100.10");
/// ```
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
///
/// ```
/// use octopus_sdk::realtime::OrderUpdate;
/// let u: OrderUpdate = serde_json::from_str(r#"{"orderId":"o1","status":"completed"}"#).unwrap();
/// assert_eq!(u.order_id, "o1");
/// ```
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
///
/// ```
/// use octopus_sdk::realtime::RealtimeEvent;
/// fn describe(ev: &RealtimeEvent) -> String {
///     match ev {
///         RealtimeEvent::PaymentUpdate(u) => format!("{} is {}", u.payment_id, u.status),
///         RealtimeEvent::Close => "lost; reconnecting".into(),
///         other => format!("{other:?}"),
///     }
/// }
/// assert_eq!(describe(&RealtimeEvent::Close), "lost; reconnecting");
/// ```
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
        /// Its arguments. Being `serde_json::Value`s, numbers in here have
        /// been through `f64`; the typed events above keep amounts exact.
        data: Vec<Value>,
    },
    /// Why the connection was lost, or why a reconnect attempt failed (for
    /// people to read; the client keeps trying).
    Error(String),
}

/// Realtime connection settings.
///
/// ```
/// use std::time::Duration;
/// let mut config = octopus_sdk::realtime::RealtimeConfig::new("https://pay.example.com");
/// config.reconnect_delay_ms = (100, 2_000);
/// config.connect_timeout = Duration::from_secs(5);
/// assert_eq!(config.path, "/socket.io/");
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RealtimeConfig {
    /// Socket.IO server URL: `https://` or `http://` (or `wss://` / `ws://`),
    /// e.g. `https://pay.example.com`. Its path is replaced by [`Self::path`].
    pub url: String,
    /// Namespace (default `/`).
    pub namespace: String,
    /// The Engine.IO endpoint path (default `/socket.io/`, the servers' default).
    pub path: String,
    /// Reconnect automatically (default true).
    pub reconnect: bool,
    /// Reconnect backoff bounds in milliseconds (default 200 .. 5000): the
    /// n-th attempt in a row waits a random time between half and all of
    /// `min(first × 2^(n-1), max)`.
    pub reconnect_delay_ms: (u64, u64),
    /// Longest wait for one connection attempt, websocket and TLS handshake
    /// plus the Socket.IO namespace handshake (default 10 s).
    pub connect_timeout: Duration,
}

impl RealtimeConfig {
    /// Settings for `url` with the defaults.
    ///
    /// ```
    /// let config = octopus_sdk::realtime::RealtimeConfig::new("https://pay.example.com");
    /// assert_eq!(config.namespace, "/");
    /// assert!(config.reconnect);
    /// ```
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            namespace: "/".into(),
            path: "/socket.io/".into(),
            reconnect: true,
            reconnect_delay_ms: (200, 5000),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// Largest websocket message accepted. The platform's events are small; the
/// cap keeps a misbehaving server from making this process buffer without end.
const MAX_MESSAGE: usize = 1 << 20;

/// Longest wait for one frame to be written: a peer that stopped reading
/// must not hold the connection task past its heartbeat deadline.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

struct Shared {
    config: RealtimeConfig,
    rooms: Mutex<BTreeSet<String>>,
    /// Written only while `rooms` is locked, so that a join either sees the
    /// connection open (and sends) or lands in the set the next connect
    /// re-joins.
    open: AtomicBool,
    events: broadcast::Sender<RealtimeEvent>,
}

impl Shared {
    fn rooms(&self) -> std::sync::MutexGuard<'_, BTreeSet<String>> {
        self.rooms.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn send(&self, ev: RealtimeEvent) {
        // Nobody listening is fine.
        let _ = self.events.send(ev);
    }
}

/// A Socket.IO connection to the platform.
///
/// A task owned by this value keeps the connection: it answers pings, detects
/// a dead transport, reconnects with backoff and re-joins the rooms. Dropping
/// the value (or [`RealtimeClient::disconnect`]) ends it.
///
/// ```no_run
/// # async fn run() -> octopus_sdk::Result<()> {
/// use octopus_sdk::realtime::{RealtimeClient, RealtimeConfig};
/// let rt = RealtimeClient::connect(RealtimeConfig::new("https://pay.example.com")).await?;
/// rt.join_payment_room("payment-uuid-123").await?;
/// rt.disconnect().await?;
/// # Ok(()) }
/// ```
pub struct RealtimeClient {
    shared: Arc<Shared>,
    frames: mpsc::UnboundedSender<String>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
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

/// The typed event for one Socket.IO event.
fn decode(event: &str, args: &[Box<RawValue>]) -> RealtimeEvent {
    let first = args.first().map(|a| a.get());
    let parsed = match (event, first) {
        (PAYMENT_UPDATE, Some(t)) => serde_json::from_str(t)
            .ok()
            .map(RealtimeEvent::PaymentUpdate),
        (ORDER_UPDATE, Some(t)) => serde_json::from_str(t).ok().map(RealtimeEvent::OrderUpdate),
        _ => None,
    };
    parsed.unwrap_or_else(|| RealtimeEvent::Other {
        event: event.to_owned(),
        // Valid JSON already (the frame parser checked it), so `Null` is unreachable.
        data: args
            .iter()
            .map(|a| serde_json::from_str(a.get()).unwrap_or(Value::Null))
            .collect(),
    })
}

/// The websocket URL of the Engine.IO endpoint.
fn socket_url(config: &RealtimeConfig) -> Result<String> {
    let bad = |why: &str| Error::Realtime {
        reason: format!("realtime URL {}: {why}", config.url),
    };
    let mut url = url::Url::parse(&config.url).map_err(|e| bad(&e.to_string()))?;
    let scheme = match url.scheme() {
        "http" | "ws" => "ws",
        "https" | "wss" => "wss",
        _ => return Err(bad("the scheme must be https, http, wss or ws")),
    };
    url.set_scheme(scheme)
        .map_err(|()| bad("the scheme cannot be changed to a websocket one"))?;
    url.set_path(&config.path);
    url.set_query(Some(engineio::QUERY));
    url.set_fragment(None);
    Ok(url.into())
}

/// rustls with ring chosen explicitly: `ClientConfig::builder()` would panic
/// in a process that has both of rustls' providers compiled in.
fn tls() -> Result<Connector> {
    static CONFIG: OnceLock<std::result::Result<Arc<rustls::ClientConfig>, String>> =
        OnceLock::new();
    let config = CONFIG.get_or_init(|| {
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map(|b| Arc::new(b.with_root_certificates(roots).with_no_client_auth()))
        .map_err(|e| e.to_string())
    });
    match config {
        Ok(c) => Ok(Connector::Rustls(c.clone())),
        Err(e) => Err(Error::Realtime {
            reason: format!("TLS setup: {e}"),
        }),
    }
}

/// The heartbeat one connection keeps, from the server's `open` packet.
#[derive(Debug, Clone, Copy)]
struct Heartbeat {
    ping_interval: Duration,
    ping_timeout: Duration,
}

impl Heartbeat {
    /// The transport is dead if no ping has arrived by then.
    fn deadline(&self) -> tokio::time::Instant {
        tokio::time::Instant::now() + self.ping_interval + self.ping_timeout
    }
}

async fn write(ws: &mut Ws, frame: String) -> std::result::Result<(), String> {
    match tokio::time::timeout(WRITE_TIMEOUT, ws.send(Message::text(frame))).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!("writing: {e}")),
        Err(_) => Err("writing timed out".into()),
    }
}

/// The next text frame (tungstenite answers websocket-level pings itself).
async fn next_text(ws: &mut Ws) -> std::result::Result<String, String> {
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) => return Ok(t.as_str().to_owned()),
            Some(Ok(Message::Close(_))) | None => return Err("the server closed the socket".into()),
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(format!("reading: {e}")),
        }
    }
}

/// One connection attempt: websocket, Engine.IO `open`, namespace `CONNECT`.
async fn handshake(config: &RealtimeConfig) -> std::result::Result<(Ws, Heartbeat), String> {
    let url = socket_url(config).map_err(|e| e.to_string())?;
    let connector = if url.starts_with("wss:") {
        tls().map_err(|e| e.to_string())?
    } else {
        Connector::Plain
    };
    let ws_config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE));
    let (mut ws, _) = tokio_tungstenite::connect_async_tls_with_config(
        url,
        Some(ws_config),
        true,
        Some(connector),
    )
    .await
    .map_err(|e| format!("connecting to {}: {e}", config.url))?;
    let heartbeat = loop {
        match engineio::parse(&next_text(&mut ws).await?) {
            Ok(Packet::Open {
                ping_interval,
                ping_timeout,
            }) => {
                break Heartbeat {
                    ping_interval,
                    ping_timeout,
                }
            }
            Ok(Packet::Close) => return Err("the server closed the session".into()),
            Ok(_) | Err(_) => {}
        }
    };
    write(&mut ws, engineio::connect(&config.namespace)).await?;
    loop {
        match engineio::parse(&next_text(&mut ws).await?) {
            Ok(Packet::Connect { namespace }) if namespace == config.namespace => {
                return Ok((ws, heartbeat))
            }
            Ok(Packet::ConnectError { namespace, message }) if namespace == config.namespace => {
                // The server's text, cut short: it is not ours to log at length.
                let message: String = message.chars().take(200).collect();
                return Err(format!(
                    "the server refused namespace {namespace}: {message}"
                ));
            }
            Ok(Packet::Ping) => write(&mut ws, engineio::PONG.into()).await?,
            Ok(Packet::Close) => return Err("the server closed the session".into()),
            Ok(_) | Err(_) => {}
        }
    }
}

/// How a connected session ended.
enum End {
    /// Asked to stop: no reconnect.
    Stopped,
    /// Lost, for this reason: reconnect if configured.
    Lost(String),
}

async fn stopped(stop: &mut watch::Receiver<bool>) {
    // An error means the client was dropped: that is a stop too.
    let _ = stop.wait_for(|s| *s).await;
}

/// Runs one connected session until it ends.
async fn session(
    shared: &Shared,
    mut ws: Ws,
    heartbeat: Heartbeat,
    frames: &mut mpsc::UnboundedReceiver<String>,
    stop: &mut watch::Receiver<bool>,
    first: &mut Option<oneshot::Sender<Result<()>>>,
) -> End {
    let ns = shared.config.namespace.clone();
    // Frames queued for an earlier connection are stale; what they asked for
    // is in the room set, which is read right after.
    while frames.try_recv().is_ok() {}
    let joins: Vec<String> = {
        let rooms = shared.rooms();
        shared.open.store(true, Ordering::SeqCst);
        rooms
            .iter()
            .map(|r| engineio::event_with_id(&ns, JOIN_PAYMENT_ROOM, r))
            .collect()
    };
    for frame in joins {
        if let Err(e) = write(&mut ws, frame).await {
            return End::Lost(e);
        }
    }
    // Broadcast before `connect` returns, so a subscriber made after it sees
    // `Open` only for reconnects.
    shared.send(RealtimeEvent::Open);
    if let Some(tx) = first.take() {
        let _ = tx.send(Ok(()));
    }
    let dead = tokio::time::sleep_until(heartbeat.deadline());
    tokio::pin!(dead);
    loop {
        tokio::select! {
            () = stopped(stop) => {
                // Best effort: the server learns the client left on purpose.
                let _ = write(&mut ws, engineio::disconnect(&ns)).await;
                let _ = tokio::time::timeout(Duration::from_secs(1), ws.close(None)).await;
                return End::Stopped;
            }
            () = &mut dead => {
                let secs = (heartbeat.ping_interval + heartbeat.ping_timeout).as_secs_f64();
                return End::Lost(format!("no ping from the server within {secs:.3} s"));
            }
            frame = frames.recv() => match frame {
                Some(frame) => {
                    if let Err(e) = write(&mut ws, frame).await {
                        return End::Lost(e);
                    }
                }
                None => return End::Stopped,
            },
            msg = ws.next() => {
                let text = match msg {
                    Some(Ok(Message::Text(t))) => t,
                    Some(Ok(Message::Close(_))) | None => {
                        return End::Lost("the server closed the socket".into())
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => return End::Lost(format!("reading: {e}")),
                };
                match engineio::parse(text.as_str()) {
                    Ok(Packet::Ping) => {
                        dead.as_mut().reset(heartbeat.deadline());
                        if let Err(e) = write(&mut ws, engineio::PONG.into()).await {
                            return End::Lost(e);
                        }
                    }
                    Ok(Packet::Event { namespace, name, args }) if namespace == ns => {
                        shared.send(decode(&name, &args));
                    }
                    Ok(Packet::Disconnect { namespace }) if namespace == ns => {
                        return End::Lost("the server closed the namespace".into());
                    }
                    Ok(Packet::Close) => return End::Lost("the server closed the session".into()),
                    Ok(_) => {}
                    Err(e) => tracing::debug!(error = %e, "ignoring a realtime frame"),
                }
            }
        }
    }
}

/// Random wait before reconnect attempt `attempt` (1-based): between half and
/// all of the doubled delay, so clients that lost the server together do not
/// all come back in the same instant.
fn backoff((first, max): (u64, u64), attempt: u32) -> Duration {
    let max = max.max(first);
    let cap = first
        .saturating_mul(1u64 << attempt.saturating_sub(1).min(30))
        .min(max);
    Duration::from_millis(rand::thread_rng().gen_range(cap / 2..=cap))
}

/// The connection task: connect, run the session, back off, again.
async fn run(
    shared: Arc<Shared>,
    mut frames: mpsc::UnboundedReceiver<String>,
    mut stop: watch::Receiver<bool>,
    first: oneshot::Sender<Result<()>>,
) {
    let mut first = Some(first);
    let mut failures = 0u32;
    loop {
        let attempt = tokio::select! {
            () = stopped(&mut stop) => break,
            r = tokio::time::timeout(shared.config.connect_timeout, handshake(&shared.config)) => {
                r.unwrap_or_else(|_| Err(format!("connecting to {} timed out", shared.config.url)))
            }
        };
        match attempt {
            Ok((ws, heartbeat)) => {
                failures = 0;
                let end = session(&shared, ws, heartbeat, &mut frames, &mut stop, &mut first).await;
                {
                    let _rooms = shared.rooms();
                    shared.open.store(false, Ordering::SeqCst);
                }
                let reason = match end {
                    End::Stopped => {
                        shared.send(RealtimeEvent::Close);
                        break;
                    }
                    End::Lost(reason) => reason,
                };
                tracing::info!(reason = %reason, "realtime connection lost");
                shared.send(RealtimeEvent::Close);
                shared.send(RealtimeEvent::Error(reason));
                if let Some(tx) = first.take() {
                    // Lost while re-joining, before the first `open`.
                    let _ = tx.send(Err(Error::Realtime {
                        reason: "the connection was lost during the handshake".into(),
                    }));
                    break;
                }
            }
            Err(reason) => {
                if let Some(tx) = first.take() {
                    let _ = tx.send(Err(Error::Realtime { reason }));
                    break;
                }
                tracing::debug!(reason = %reason, "realtime reconnect failed");
                shared.send(RealtimeEvent::Error(reason));
            }
        }
        if !shared.config.reconnect {
            break;
        }
        failures = failures.saturating_add(1);
        let delay = backoff(shared.config.reconnect_delay_ms, failures);
        tokio::select! {
            () = stopped(&mut stop) => break,
            () = tokio::time::sleep(delay) => {}
        }
    }
}

impl RealtimeClient {
    /// Connects to `config.url`; returns once the socket is open (the
    /// namespace handshake finished) or fails after `connect_timeout` with
    /// [`Error::Realtime`].
    ///
    /// ```no_run
    /// # async fn run() -> octopus_sdk::Result<()> {
    /// use octopus_sdk::realtime::{RealtimeClient, RealtimeConfig};
    /// let rt = RealtimeClient::connect(RealtimeConfig::new("https://pay.example.com")).await?;
    /// assert!(rt.is_open());
    /// # Ok(()) }
    /// ```
    pub async fn connect(config: RealtimeConfig) -> Result<Self> {
        // Checked here so a bad URL is a configuration error now, not a
        // reconnect loop later.
        socket_url(&config)?;
        let (events, _) = broadcast::channel(256);
        let shared = Arc::new(Shared {
            config,
            rooms: Mutex::new(BTreeSet::new()),
            open: AtomicBool::new(false),
            events,
        });
        let (frames, frames_rx) = mpsc::unbounded_channel();
        let (stop, stop_rx) = watch::channel(false);
        let (first_tx, first_rx) = oneshot::channel();
        let task = tokio::spawn(run(shared.clone(), frames_rx, stop_rx, first_tx));
        let client = Self {
            shared,
            frames,
            stop,
            task: Some(task),
        };
        match first_rx.await {
            Ok(Ok(())) => Ok(client),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(Error::Realtime {
                reason: "the connection task ended before the handshake".into(),
            }),
        }
    }

    /// True between an `open` and the next `close` (a transport that went
    /// silent counts as closed once its heartbeat deadline passed).
    ///
    /// ```no_run
    /// # async fn run(rt: octopus_sdk::realtime::RealtimeClient) {
    /// if !rt.is_open() {
    ///     println!("reconnecting; poll meanwhile");
    /// }
    /// # }
    /// ```
    pub fn is_open(&self) -> bool {
        self.shared.open.load(Ordering::SeqCst)
    }

    /// The events, as a stream (each call subscribes anew; events before the
    /// call are not replayed; a slow consumer skips what it missed). The
    /// stream ends when the client is disconnected or dropped.
    ///
    /// ```no_run
    /// # async fn run(rt: octopus_sdk::realtime::RealtimeClient) {
    /// use futures::StreamExt;
    /// let mut events = rt.events();
    /// while let Some(ev) = events.next().await {
    ///     println!("{ev:?}");
    /// }
    /// # }
    /// ```
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
    ///
    /// ```no_run
    /// # async fn run(rt: octopus_sdk::realtime::RealtimeClient) -> octopus_sdk::Result<()> {
    /// rt.join_payment_room("payment-uuid-123").await?;
    /// assert_eq!(rt.rooms(), ["payment-uuid-123"]);
    /// # Ok(()) }
    /// ```
    pub async fn join_payment_room(&self, payment_id: &str) -> Result<()> {
        crate::validate::id("paymentId", payment_id)?;
        let mut rooms = self.shared.rooms();
        rooms.insert(payment_id.to_owned());
        if self.is_open() {
            self.emit(JOIN_PAYMENT_ROOM, payment_id)?;
        }
        Ok(())
    }

    /// Leaves a payment's room (and stops re-joining it).
    ///
    /// ```no_run
    /// # async fn run(rt: octopus_sdk::realtime::RealtimeClient) -> octopus_sdk::Result<()> {
    /// rt.leave_payment_room("payment-uuid-123").await?;
    /// assert!(rt.rooms().is_empty());
    /// # Ok(()) }
    /// ```
    pub async fn leave_payment_room(&self, payment_id: &str) -> Result<()> {
        let mut rooms = self.shared.rooms();
        if rooms.remove(payment_id) && self.is_open() {
            self.emit(LEAVE_PAYMENT_ROOM, payment_id)?;
        }
        Ok(())
    }

    /// Queues one event for the connection task (the caller holds the room
    /// lock, so the task cannot open or close in between).
    fn emit(&self, event: &str, id: &str) -> Result<()> {
        self.frames
            .send(engineio::event_with_id(
                &self.shared.config.namespace,
                event,
                id,
            ))
            .map_err(|_| Error::Realtime {
                reason: format!("emitting {event}: the connection task has ended"),
            })
    }

    /// The rooms this client keeps joined.
    ///
    /// ```no_run
    /// # async fn run(rt: octopus_sdk::realtime::RealtimeClient) {
    /// for room in rt.rooms() {
    ///     println!("in {room}");
    /// }
    /// # }
    /// ```
    pub fn rooms(&self) -> Vec<String> {
        self.shared.rooms().iter().cloned().collect()
    }

    /// Closes the connection (a Socket.IO `DISCONNECT`, then the websocket
    /// close) and ends the connection task.
    ///
    /// ```no_run
    /// # async fn run(rt: octopus_sdk::realtime::RealtimeClient) -> octopus_sdk::Result<()> {
    /// rt.disconnect().await?;
    /// # Ok(()) }
    /// ```
    pub async fn disconnect(mut self) -> Result<()> {
        self.stop.send_replace(true);
        if let Some(task) = self.task.take() {
            // The task gives the close handshake a second; more is a stuck peer.
            if tokio::time::timeout(Duration::from_secs(3), task)
                .await
                .is_err()
            {
                return Err(Error::Realtime {
                    reason: "disconnecting timed out".into(),
                });
            }
        }
        Ok(())
    }
}

impl Client {
    /// Opens a realtime connection to the configured realtime URL (the base
    /// URL's origin unless [`crate::ClientBuilder::realtime_url`] was set).
    ///
    /// ```no_run
    /// # async fn run(client: octopus_sdk::Client) -> octopus_sdk::Result<()> {
    /// let rt = client.realtime().await?;
    /// rt.join_payment_room("payment-uuid-123").await?;
    /// # Ok(()) }
    /// ```
    pub async fn realtime(&self) -> Result<RealtimeClient> {
        RealtimeClient::connect(self.realtime_config()).await
    }

    /// The realtime settings this client uses.
    ///
    /// ```no_run
    /// # fn run(client: octopus_sdk::Client) {
    /// let config = client.realtime_config();
    /// println!("realtime at {}", config.url);
    /// # }
    /// ```
    pub fn realtime_config(&self) -> RealtimeConfig {
        RealtimeConfig::new(self.inner.realtime_url.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(json: &str) -> Vec<Box<RawValue>> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn decodes_events() {
        // `100.10` kept with its scale shows the text was not read as f64.
        let args = raw(
            r#"[{"paymentId":"p1","orderId":"o1","status":"completed","amount":100.10,
                "currency":"HKD","completedAt":"2024-01-01T00:05:00Z"}]"#,
        );
        match decode(PAYMENT_UPDATE, &args) {
            RealtimeEvent::PaymentUpdate(u) => {
                assert_eq!(u.status, PaymentStatus::Completed);
                assert_eq!(u.amount.map(|a| a.to_string()).as_deref(), Some("100.10"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            decode(
                ORDER_UPDATE,
                &raw(r#"[{"orderId":"o1","status":"completed"}]"#)
            ),
            RealtimeEvent::OrderUpdate(_)
        ));
        assert!(matches!(
            decode(PAYMENT_UPDATE, &raw(r#"[{"nope":1}]"#)),
            RealtimeEvent::Other { .. }
        ));
        assert!(matches!(
            decode(PAYMENT_UPDATE, &[]),
            RealtimeEvent::Other { .. }
        ));
        match decode("somethingNew", &raw(r#"[1,"a"]"#)) {
            RealtimeEvent::Other { event, data } => {
                assert_eq!(event, "somethingNew");
                assert_eq!(data, [serde_json::json!(1), serde_json::json!("a")]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn websocket_urls() {
        // The endpoint and query are those of the Engine.IO v4 protocol page.
        let url = |u: &str| socket_url(&RealtimeConfig::new(u));
        assert_eq!(
            url("https://pay.example.com/api").unwrap(),
            "wss://pay.example.com/socket.io/?EIO=4&transport=websocket"
        );
        assert_eq!(
            url("http://127.0.0.1:8080").unwrap(),
            "ws://127.0.0.1:8080/socket.io/?EIO=4&transport=websocket"
        );
        assert!(url("ftp://pay.example.com").is_err());
        assert!(url("not a url").is_err());
    }

    #[test]
    fn backoff_doubles_within_bounds_with_jitter() {
        for attempt in 1..40 {
            let cap = (200u64 << (attempt - 1).min(30)).min(5000);
            let d = backoff((200, 5000), attempt).as_millis() as u64;
            assert!((cap / 2..=cap).contains(&d), "attempt {attempt}: {d} ms");
        }
        assert_eq!(backoff((0, 0), 3), Duration::ZERO);
        // Inverted bounds do not panic.
        let _ = backoff((500, 100), 2);
    }

    #[test]
    fn tls_uses_ring_without_a_process_default() {
        assert!(matches!(tls(), Ok(Connector::Rustls(_))));
    }
}
