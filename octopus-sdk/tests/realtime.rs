//! Realtime tests against a real Socket.IO v4 server (socketioxide, in process).
#![cfg(feature = "realtime")]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use octopus_sdk::orders::CreateOrder;
use octopus_sdk::payments::CreatePayment;
use octopus_sdk::realtime::{RealtimeClient, RealtimeConfig, RealtimeEvent};
use octopus_sdk::testing::Simulator;
use octopus_sdk::PaymentStatus;
use serde_json::Value;
use socketioxide::extract::{Data, SocketRef};
use socketioxide::handler::ConnectHandler;
use socketioxide::SocketIo;

struct Server {
    url: String,
    io: SocketIo,
    /// Every `joinPaymentRoom` argument, exactly as received.
    joins: Arc<Mutex<Vec<Value>>>,
    leaves: Arc<Mutex<Vec<Value>>>,
    task: tokio::task::JoinHandle<()>,
}

async fn server() -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    server_on(listener, SocketIo::builder()).await
}

/// A socketioxide server on `listener`, built from `builder` (heartbeat
/// settings), with the platform's two room events.
async fn server_on(
    listener: tokio::net::TcpListener,
    builder: socketioxide::SocketIoBuilder,
) -> Server {
    let (layer, io) = builder.build_layer();
    let joins = Arc::new(Mutex::new(Vec::new()));
    let leaves = Arc::new(Mutex::new(Vec::new()));
    {
        let joins = joins.clone();
        let leaves = leaves.clone();
        // Handlers are registered in a connect *middleware*: socketioxide sends
        // the CONNECT packet before it runs the connect handler, so handlers
        // registered there could miss an event emitted right after `open`.
        let register = move |s: SocketRef| {
            let joins = joins.clone();
            let leaves = leaves.clone();
            async move {
                s.on("joinPaymentRoom", move |s: SocketRef, Data::<Value>(id)| {
                    let joins = joins.clone();
                    async move {
                        if let Some(room) = id.as_str() {
                            s.join(room.to_owned());
                        }
                        joins.lock().unwrap().push(id);
                    }
                });
                s.on(
                    "leavePaymentRoom",
                    move |s: SocketRef, Data::<Value>(id)| {
                        let leaves = leaves.clone();
                        async move {
                            if let Some(room) = id.as_str() {
                                s.leave(room.to_owned());
                            }
                            leaves.lock().unwrap().push(id);
                        }
                    },
                );
                Ok::<(), std::io::Error>(())
            }
        };
        io.ns("/", { async |_: SocketRef| {} }.with(register));
    }
    let app = axum::Router::new().layer(layer);
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Server {
        url,
        io,
        joins,
        leaves,
        task,
    }
}

async fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    for _ in 0..200 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn next_payment_update(
    events: &mut (impl futures::Stream<Item = RealtimeEvent> + Unpin),
) -> octopus_sdk::realtime::PaymentUpdate {
    let fut = async {
        while let Some(ev) = events.next().await {
            if let RealtimeEvent::PaymentUpdate(u) = ev {
                return u;
            }
        }
        panic!("stream ended");
    };
    tokio::time::timeout(Duration::from_secs(5), fut)
        .await
        .expect("a paymentUpdate")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joins_as_json_strings_and_streams_typed_events() {
    let s = server().await;
    let rt = RealtimeClient::connect(RealtimeConfig::new(&s.url))
        .await
        .unwrap();
    assert!(rt.is_open());
    let mut events = Box::pin(rt.events());
    // A numeric-looking id must arrive as a JSON string.
    rt.join_payment_room("12345").await.unwrap();
    eventually("the join", || !s.joins.lock().unwrap().is_empty()).await;
    assert_eq!(s.joins.lock().unwrap()[0], Value::String("12345".into()));

    let data = serde_json::json!({
        "paymentId": "12345", "orderId": "o1", "status": "completed",
        "amount": 100.25, "currency": "HKD", "completedAt": "2024-01-01T00:05:00Z"
    });
    s.io.to("12345").emit("paymentUpdate", &data).await.unwrap();
    let u = next_payment_update(&mut events).await;
    assert_eq!(u.payment_id, "12345");
    assert_eq!(u.status, PaymentStatus::Completed);
    assert_eq!(u.amount, Some("100.25".parse().unwrap()));

    s.io.to("12345")
        .emit("orderUpdate", &serde_json::json!({"orderId": "o1", "status": "completed", "timestamp": "2024-01-01T00:05:00Z"}))
        .await
        .unwrap();
    let ev = tokio::time::timeout(Duration::from_secs(5), events.next())
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(ev, RealtimeEvent::OrderUpdate(ref o) if o.order_id == "o1"),
        "{ev:?}"
    );

    rt.leave_payment_room("12345").await.unwrap();
    eventually("the leave", || !s.leaves.lock().unwrap().is_empty()).await;
    assert_eq!(s.leaves.lock().unwrap()[0], Value::String("12345".into()));
    assert!(rt.rooms().is_empty());
    rt.disconnect().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rooms_are_rejoined_after_a_reconnect() {
    let s = server().await;
    let mut cfg = RealtimeConfig::new(&s.url);
    cfg.reconnect_delay_ms = (50, 200);
    let rt = RealtimeClient::connect(cfg).await.unwrap();
    let mut events = Box::pin(rt.events());
    rt.join_payment_room("p-1").await.unwrap();
    eventually("the first join", || !s.joins.lock().unwrap().is_empty()).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        s.joins.lock().unwrap().len(),
        1,
        "{:?}",
        s.joins.lock().unwrap()
    );
    // The server drops every socket; the client reconnects and must re-join.
    for sock in s.io.sockets() {
        sock.disconnect().unwrap();
    }
    eventually("the re-join", || s.joins.lock().unwrap().len() >= 2).await;
    assert!(s
        .joins
        .lock()
        .unwrap()
        .iter()
        .all(|v| v == &Value::String("p-1".into())));
    // And updates to the room arrive again.
    s.io.to("p-1")
        .emit(
            "paymentUpdate",
            &serde_json::json!({"paymentId": "p-1", "status": "failed"}),
        )
        .await
        .unwrap();
    let u = next_payment_update(&mut events).await;
    assert_eq!(u.status, PaymentStatus::Failed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_for_payment_listens_in_realtime() {
    let s = server().await;
    let sim = Simulator::start().await;
    let io = s.io.clone();
    let handle = tokio::runtime::Handle::current();
    sim.attach_realtime(move |room, event, data| {
        let io = io.clone();
        let (room, event) = (room.to_owned(), event.to_owned());
        handle.spawn(async move {
            let _ = io.to(room).emit(event, &data).await;
        });
    });
    // Polling so slow that only the realtime event can finish in time.
    let c = sim
        .client_builder()
        .realtime_url(&s.url)
        .poll_interval(Duration::from_secs(60))
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
    let waiter = {
        let c = c.clone();
        let id = p.id.clone();
        tokio::spawn(async move {
            c.payments()
                .wait_for_payment(&id, Duration::from_secs(20))
                .await
        })
    };
    eventually("the waiter's join", || !s.joins.lock().unwrap().is_empty()).await;
    c.payments().simulate(&p.id).await.unwrap();
    let done = tokio::time::timeout(Duration::from_secs(10), waiter)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(done.status, PaymentStatus::Completed);
    assert!(done.completed_at.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_for_payment_falls_back_to_polling() {
    let sim = Simulator::start().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = sim
        .client_builder()
        .realtime_url(format!("http://127.0.0.1:{closed}"))
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
    let waiter = {
        let c = c.clone();
        let id = p.id.clone();
        tokio::spawn(async move {
            c.payments()
                .wait_for_payment(&id, Duration::from_secs(20))
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    sim.simulate_payment(&p.id).await.unwrap();
    let done = tokio::time::timeout(Duration::from_secs(10), waiter)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(done.status, PaymentStatus::Completed);
}

#[tokio::test]
async fn connecting_to_nothing_is_a_realtime_error() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cfg = RealtimeConfig::new(format!("http://127.0.0.1:{closed}"));
    cfg.connect_timeout = Duration::from_secs(2);
    let e = RealtimeClient::connect(cfg).await.unwrap_err();
    assert!(matches!(e, octopus_sdk::Error::Realtime { .. }), "{e:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rooms_are_rejoined_after_a_server_restart() {
    let first = server().await;
    let addr = first.url.trim_start_matches("http://").to_owned();
    let mut cfg = RealtimeConfig::new(&first.url);
    cfg.reconnect_delay_ms = (50, 200);
    let rt = RealtimeClient::connect(cfg).await.unwrap();
    let mut events = Box::pin(rt.events());
    rt.join_payment_room("p-restart").await.unwrap();
    eventually("the first join", || !first.joins.lock().unwrap().is_empty()).await;

    // The whole server goes away (sockets closed, listener gone) ...
    first.io.close().await;
    first.task.abort();
    let _ = first.task.await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    // ... and a fresh one, knowing nothing of the client, comes up on the same port.
    let listener = tokio::net::TcpListener::bind(&addr).await.unwrap();
    let second = server_on(listener, SocketIo::builder()).await;
    eventually("the join on the new server", || {
        !second.joins.lock().unwrap().is_empty()
    })
    .await;
    assert_eq!(
        second.joins.lock().unwrap()[0],
        Value::String("p-restart".into())
    );
    second
        .io
        .to("p-restart")
        .emit(
            "paymentUpdate",
            &serde_json::json!({"paymentId": "p-restart", "status": "completed"}),
        )
        .await
        .unwrap();
    let u = next_payment_update(&mut events).await;
    assert_eq!(u.payment_id, "p-restart");
    rt.disconnect().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_update_of_100_10_decodes_exactly() {
    let s = server().await;
    let rt = RealtimeClient::connect(RealtimeConfig::new(&s.url))
        .await
        .unwrap();
    let mut events = Box::pin(rt.events());
    rt.join_payment_room("p-exact").await.unwrap();
    eventually("the join", || !s.joins.lock().unwrap().is_empty()).await;
    // Raw JSON text, so the server sends the digits `100.10` as written (a
    // `serde_json::Value` would hold the f64 100.1 and send `100.1`).
    let data = serde_json::value::RawValue::from_string(
        r#"{"paymentId":"p-exact","status":"completed","amount":100.10,"currency":"HKD"}"#.into(),
    )
    .unwrap();
    s.io.to("p-exact")
        .emit("paymentUpdate", &data)
        .await
        .unwrap();
    let u = next_payment_update(&mut events).await;
    // The expected value is the literal above: digits and scale both kept.
    assert_eq!(u.amount.map(|a| a.to_string()).as_deref(), Some("100.10"));
    rt.disconnect().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_and_undecodable_events_are_ignored() {
    let s = server().await;
    let rt = RealtimeClient::connect(RealtimeConfig::new(&s.url))
        .await
        .unwrap();
    let mut events = Box::pin(rt.events());
    rt.join_payment_room("p-u").await.unwrap();
    eventually("the join", || !s.joins.lock().unwrap().is_empty()).await;
    let room = || s.io.to("p-u");
    room()
        .emit("refundUpdate", &serde_json::json!({"refundId": "r1"}))
        .await
        .unwrap();
    room()
        .emit("paymentUpdate", &serde_json::json!({"status": 42}))
        .await
        .unwrap();
    room()
        .emit(
            "paymentUpdate",
            &serde_json::json!({"paymentId": "p-u", "status": "completed"}),
        )
        .await
        .unwrap();
    let mut seen = Vec::new();
    let fut = async {
        while let Some(ev) = events.next().await {
            match ev {
                RealtimeEvent::PaymentUpdate(u) => return u,
                RealtimeEvent::Open | RealtimeEvent::Close => {}
                other => seen.push(other),
            }
        }
        panic!("stream ended");
    };
    let u = tokio::time::timeout(Duration::from_secs(5), fut)
        .await
        .unwrap();
    assert_eq!(u.payment_id, "p-u");
    // Both came through as `Other`, in order, and the socket stayed open.
    assert!(
        matches!(&seen[..], [RealtimeEvent::Other { event: a, .. }, RealtimeEvent::Other { event: b, .. }] if a == "refundUpdate" && b == "paymentUpdate"),
        "{seen:?}"
    );
    assert!(rt.is_open());
    rt.disconnect().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pings_are_answered_within_the_servers_timeout() {
    // socketioxide closes a socket that misses one pong within pingTimeout.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let builder = SocketIo::builder()
        .ping_interval(Duration::from_millis(100))
        .ping_timeout(Duration::from_millis(100));
    let s = server_on(listener, builder).await;
    let rt = RealtimeClient::connect(RealtimeConfig::new(&s.url))
        .await
        .unwrap();
    let mut events = Box::pin(rt.events());
    // Ten intervals: ten pings that each had to be answered in time.
    let quiet = tokio::time::timeout(Duration::from_millis(1000), async {
        while let Some(ev) = events.next().await {
            if matches!(ev, RealtimeEvent::Close) {
                return ev;
            }
        }
        RealtimeEvent::Close
    })
    .await;
    assert!(quiet.is_err(), "the connection dropped: {quiet:?}");
    assert!(rt.is_open());
    assert_eq!(s.io.sockets().len(), 1);
    rt.disconnect().await.unwrap();
    eventually("the server to see the disconnect", || {
        s.io.sockets().is_empty()
    })
    .await;
}
