//! Realtime against a tiny raw Engine.IO v4 server written here on
//! tokio-tungstenite, which can do what a real server will not: stop pinging
//! without closing the socket, refuse connections, send frames byte for byte.
//!
//! Every connection announces `pingInterval` 100 ms and `pingTimeout` 100 ms,
//! so a client must count a silent transport as dead 200 ms after the last
//! ping (Engine.IO v4 protocol: "the client ... considers the connection
//! closed if it does not receive a ping within pingInterval + pingTimeout").
#![cfg(feature = "realtime")]

mod common;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use octopus_sdk::orders::CreateOrder;
use octopus_sdk::payments::CreatePayment;
use octopus_sdk::realtime::{RealtimeClient, RealtimeConfig, RealtimeEvent};
use octopus_sdk::testing::Simulator;
use octopus_sdk::PaymentStatus;
use serde_json::Value;
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::Message;

const PING_INTERVAL_MS: u64 = 100;
const PING_TIMEOUT_MS: u64 = 100;
/// pingInterval + pingTimeout, the protocol's deadline for a missing ping.
const DEAD_AFTER: Duration = Duration::from_millis(PING_INTERVAL_MS + PING_TIMEOUT_MS);

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    /// Pings every interval, like a real server.
    Healthy,
    /// Completes the handshake, then never pings nor closes (a frozen peer).
    Silent,
    /// Accepts the TCP connection and drops it.
    Refuse,
    /// Answers the namespace CONNECT with a CONNECT_ERROR.
    Reject,
}

#[derive(Default)]
struct State {
    /// Modes for the next connections, in order; `after` once it is empty.
    plan: Mutex<VecDeque<Mode>>,
    after: Mutex<Option<Mode>>,
    /// Connections that completed the namespace handshake.
    sessions: AtomicUsize,
    /// `(session index, room)` for every `joinPaymentRoom`, as received.
    joins: Mutex<Vec<(usize, Value)>>,
    pongs: AtomicUsize,
}

struct RawServer {
    url: String,
    state: Arc<State>,
    push: broadcast::Sender<Message>,
}

impl RawServer {
    async fn start(plan: &[Mode], after: Mode) -> Self {
        let state = Arc::new(State::default());
        state.plan.lock().unwrap().extend(plan);
        *state.after.lock().unwrap() = Some(after);
        let (push, _) = broadcast::channel(64);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        {
            let (state, push) = (state.clone(), push.clone());
            tokio::spawn(async move {
                while let Ok((tcp, _)) = listener.accept().await {
                    let mode = state
                        .plan
                        .lock()
                        .unwrap()
                        .pop_front()
                        .or(*state.after.lock().unwrap())
                        .unwrap_or(Mode::Healthy);
                    if mode == Mode::Refuse {
                        drop(tcp);
                        continue;
                    }
                    tokio::spawn(session(tcp, mode, state.clone(), push.subscribe()));
                }
            });
        }
        Self { url, state, push }
    }

    fn joins(&self) -> Vec<(usize, Value)> {
        self.state.joins.lock().unwrap().clone()
    }

    fn push(&self, frame: &str) {
        let _ = self.push.send(Message::text(frame.to_owned()));
    }

    fn config(&self) -> RealtimeConfig {
        let mut cfg = RealtimeConfig::new(&self.url);
        cfg.reconnect_delay_ms = (20, 100);
        cfg.connect_timeout = Duration::from_secs(3);
        cfg
    }
}

async fn session(
    tcp: tokio::net::TcpStream,
    mode: Mode,
    state: Arc<State>,
    mut push: broadcast::Receiver<Message>,
) {
    let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
        return;
    };
    let open = format!(
        r#"0{{"sid":"raw","upgrades":[],"pingInterval":{PING_INTERVAL_MS},"pingTimeout":{PING_TIMEOUT_MS},"maxPayload":1000000}}"#
    );
    if ws.send(Message::text(open)).await.is_err() {
        return;
    }
    // The namespace CONNECT, then its acknowledgement (Socket.IO v5 form).
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) if t.as_str() == "40" => break,
            Some(Ok(_)) => {}
            _ => return,
        }
    }
    if mode == Mode::Reject {
        let _ = ws
            .send(Message::text(r#"44{"message":"Not authorized"}"#))
            .await;
        return;
    }
    if ws.send(Message::text(r#"40{"sid":"ns"}"#)).await.is_err() {
        return;
    }
    let index = state.sessions.fetch_add(1, Ordering::SeqCst);
    let mut ping = tokio::time::interval(Duration::from_millis(PING_INTERVAL_MS));
    loop {
        tokio::select! {
            msg = ws.next() => match msg {
                Some(Ok(Message::Text(t))) => {
                    let t = t.as_str();
                    if t == "3" {
                        state.pongs.fetch_add(1, Ordering::SeqCst);
                    } else if let Some(body) = t.strip_prefix("42") {
                        if let Ok(Value::Array(v)) = serde_json::from_str::<Value>(body) {
                            if v.first() == Some(&Value::from("joinPaymentRoom")) {
                                let room = v.get(1).cloned().unwrap_or(Value::Null);
                                state.joins.lock().unwrap().push((index, room));
                            }
                        }
                    }
                }
                Some(Ok(_)) => {}
                _ => return,
            },
            _ = ping.tick(), if mode == Mode::Healthy => {
                if ws.send(Message::text("2")).await.is_err() {
                    return;
                }
            }
            frame = push.recv() => match frame {
                Ok(frame) => {
                    if ws.send(frame).await.is_err() {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return,
            },
        }
    }
}

async fn eventually(what: &str, within: Duration, mut f: impl FnMut() -> bool) {
    let end = Instant::now() + within;
    while Instant::now() < end {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn next_event(
    events: &mut (impl futures::Stream<Item = RealtimeEvent> + Unpin),
    within: Duration,
    mut want: impl FnMut(&RealtimeEvent) -> bool,
) -> RealtimeEvent {
    let fut = async {
        while let Some(ev) = events.next().await {
            if want(&ev) {
                return ev;
            }
        }
        panic!("the event stream ended");
    };
    tokio::time::timeout(within, fut)
        .await
        .expect("the awaited event")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_transport_is_detected_then_reconnected_and_rooms_rejoined() {
    let s = RawServer::start(&[Mode::Silent], Mode::Healthy).await;
    let rt = RealtimeClient::connect(s.config()).await.unwrap();
    let connected = Instant::now();
    let mut events = Box::pin(rt.events());
    rt.join_payment_room("p-silent").await.unwrap();
    eventually("the first join", Duration::from_secs(5), || {
        !s.joins().is_empty()
    })
    .await;

    next_event(&mut events, Duration::from_secs(5), |e| {
        matches!(e, RealtimeEvent::Close)
    })
    .await;
    let detected = connected.elapsed();
    // Not before the deadline the server announced (less the few ms between
    // the handshake and `connect` returning), and not long after it: the
    // socket itself was never closed, so only the heartbeat can have told.
    assert!(
        detected >= DEAD_AFTER - Duration::from_millis(50),
        "{detected:?}"
    );
    assert!(
        detected <= DEAD_AFTER + Duration::from_millis(1500),
        "{detected:?}"
    );
    assert!(!rt.is_open());

    next_event(&mut events, Duration::from_secs(5), |e| {
        matches!(e, RealtimeEvent::Open)
    })
    .await;
    eventually("the re-join", Duration::from_secs(5), || {
        s.joins().iter().any(|(i, _)| *i == 1)
    })
    .await;
    assert_eq!(
        s.joins(),
        [(0, Value::from("p-silent")), (1, Value::from("p-silent"))]
    );
    // The healthy server's pings are answered, so the connection holds.
    tokio::time::sleep(DEAD_AFTER * 3).await;
    assert!(rt.is_open());
    assert!(s.state.pongs.load(Ordering::SeqCst) >= 2);
    assert_eq!(s.state.sessions.load(Ordering::SeqCst), 2);
    rt.disconnect().await.unwrap();
}

async fn pending_payment(
    sim: &Simulator,
    realtime_url: &str,
    poll: Duration,
) -> (octopus_sdk::Client, String) {
    let c = sim
        .client_builder()
        .realtime_url(realtime_url)
        .poll_interval(poll)
        .build()
        .unwrap();
    let o = c
        .orders()
        .create(&CreateOrder::new("x", common::dec("8")))
        .await
        .unwrap();
    let p = c
        .payments()
        .create(&CreatePayment::new(&o.id, common::dec("8")))
        .await
        .unwrap();
    (c, p.id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_for_payment_polls_at_the_normal_interval_while_the_transport_is_dead() {
    // One silent session, then every reconnect refused: realtime stays down.
    let s = RawServer::start(&[Mode::Silent], Mode::Refuse).await;
    let sim = Simulator::start().await;
    let poll = Duration::from_millis(300);
    let (c, id) = pending_payment(&sim, &s.url, poll).await;
    let started = Instant::now();
    let waiter = {
        let (c, id) = (c.clone(), id.clone());
        tokio::spawn(async move {
            c.payments()
                .wait_for_payment(&id, Duration::from_secs(20))
                .await
        })
    };
    eventually("the waiter's join", Duration::from_secs(5), || {
        !s.joins().is_empty()
    })
    .await;
    // Past the heartbeat deadline: the transport is known dead by now.
    tokio::time::sleep(DEAD_AFTER + Duration::from_millis(400)).await;
    sim.simulate_payment(&id).await.unwrap();
    let paid_at = started.elapsed();
    let done = tokio::time::timeout(Duration::from_secs(10), waiter)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(done.status, PaymentStatus::Completed);
    // The simulator emits nothing on this socket, so only a poll can have
    // seen the payment. Every tenth interval (what an open socket gets) would
    // first look at 10 × 300 ms = 3 s; the normal interval looks within 300 ms.
    let seen_at = started.elapsed();
    assert!(
        seen_at < Duration::from_millis(2500),
        "paid at {paid_at:?}, seen at {seen_at:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_rejoins_its_room_after_a_dead_transport_and_hears_it_again() {
    let s = RawServer::start(&[Mode::Silent], Mode::Healthy).await;
    let sim = Simulator::start().await;
    // Polling so slow that only a realtime event can finish in time.
    let (c, id) = pending_payment(&sim, &s.url, Duration::from_secs(60)).await;
    let mut changes = c.payments().watch(&id);
    let first = changes.next().await.unwrap().unwrap();
    assert_eq!(first.status, PaymentStatus::Pending);
    let waiter = tokio::spawn(async move {
        while let Some(p) = changes.next().await {
            let p = p?;
            if p.status.is_final() {
                return Ok(p);
            }
        }
        Err(octopus_sdk::Error::Realtime {
            reason: "the watch ended".into(),
        })
    });
    eventually(
        "the re-join after the silent session",
        Duration::from_secs(5),
        || {
            s.joins()
                .iter()
                .any(|(i, room)| *i >= 1 && room.as_str() == Some(id.as_str()))
        },
    )
    .await;
    sim.simulate_payment(&id).await.unwrap();
    s.push(&format!(
        r#"42["paymentUpdate",{{"paymentId":"{id}","status":"completed","amount":8}}]"#
    ));
    let done = tokio::time::timeout(Duration::from_secs(5), waiter)
        .await
        .expect("the watch heard the update")
        .unwrap()
        .unwrap();
    assert_eq!(done.status, PaymentStatus::Completed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amounts_are_exact_and_bad_frames_are_skipped_on_the_wire() {
    let s = RawServer::start(&[], Mode::Healthy).await;
    let rt = RealtimeClient::connect(s.config()).await.unwrap();
    let mut events = Box::pin(rt.events());
    // Frames a server or a proxy might get wrong, then a good one. None may
    // end the session or stop the stream.
    for bad in [
        "",
        "4",
        "42",
        "42[",
        "42{}",
        "42[1,2]",
        "9zz",
        "451-[\"paymentUpdate\",{\"_placeholder\":true,\"num\":0}]",
        r#"42["paymentUpdate",{"paymentId":"p","status":"completed","amount":"abc"}]"#,
        r#"42["paymentUpdate"]"#,
        r#"42/other,["paymentUpdate",{"paymentId":"p","status":"completed"}]"#,
        r#"42["somethingNew",{"x":1}]"#,
    ] {
        s.push(bad);
    }
    let _ = s.push.send(Message::binary(vec![0xff, 0x00, 0x42]));
    // Written as the server would: `100.10`, which f64 would turn into 100.1.
    s.push(r#"42["paymentUpdate",{"paymentId":"p","status":"completed","amount":100.10,"currency":"HKD"}]"#);
    let ev = next_event(&mut events, Duration::from_secs(5), |e| {
        matches!(e, RealtimeEvent::PaymentUpdate(_))
    })
    .await;
    let RealtimeEvent::PaymentUpdate(u) = ev else {
        unreachable!()
    };
    assert_eq!(u.amount.map(|a| a.to_string()).as_deref(), Some("100.10"));
    assert!(rt.is_open());
    assert_eq!(s.state.sessions.load(Ordering::SeqCst), 1);
    rt.disconnect().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wss_goes_through_rustls_and_a_failed_handshake_is_an_error() {
    // A plain websocket server asked for TLS: rustls starts a handshake the
    // server cannot answer, which must surface as an error, not a panic.
    let s = RawServer::start(&[], Mode::Healthy).await;
    let mut cfg = s.config();
    cfg.url = s.url.replace("http://", "https://");
    cfg.reconnect = false;
    let e = RealtimeClient::connect(cfg).await.unwrap_err();
    assert!(matches!(e, octopus_sdk::Error::Realtime { .. }), "{e:?}");
    assert_eq!(s.state.sessions.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_namespace_is_an_error_naming_the_servers_reason() {
    // `44{"message":..}` is the CONNECT_ERROR form of the Socket.IO v5 protocol page.
    let s = RawServer::start(&[], Mode::Reject).await;
    let e = RealtimeClient::connect(s.config()).await.unwrap_err();
    assert!(matches!(e, octopus_sdk::Error::Realtime { .. }), "{e:?}");
    assert!(e.to_string().contains("Not authorized"), "{e}");
}
