//! Octopus O! ePay: create an order and a payment, subscribe to realtime updates, simulate the
//! payment, receive `paymentUpdate`, verify the webhook, read the final status.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use octopus_sdk::orders::CreateOrder;
use octopus_sdk::payments::CreatePayment;
use octopus_sdk::realtime::{RealtimeClient, RealtimeConfig, RealtimeEvent};
use octopus_sdk::testing::Simulator;
use octopus_sdk::{Client, Environment, PaymentStatus};
use serde_json::Value;
use socketioxide::extract::{Data, SocketRef};
use socketioxide::handler::ConnectHandler;
use socketioxide::SocketIo;
use tokio::sync::Notify;

use crate::merchant::{Callback, Merchant};
use crate::ui::{Flow, Report, StepError, Target};

pub async fn run(merchant: &Merchant) -> Report {
    let real = std::env::var("OCTOPUS_BASE_URL").ok();
    let target = real.clone().map_or(Target::Simulator, Target::RealHost);
    let mut flow = Flow::new("Octopus", target);
    let outcome = match real {
        Some(base_url) => real_host(&mut flow, &base_url).await,
        None => simulated(&mut flow, merchant).await,
    };
    flow.finish(outcome)
}

/// The platform's Socket.IO side, for the simulator: clients join a room per payment and
/// the simulator's `paymentUpdate`s are emitted to that room.
struct Realtime {
    url: String,
    io: SocketIo,
    joined: Arc<Notify>,
}

async fn realtime_server() -> Result<Realtime, StepError> {
    let (layer, io) = SocketIo::new_layer();
    let joined = Arc::new(Notify::new());
    let on_join = joined.clone();
    // Handlers are registered in a connect middleware: socketioxide acknowledges the
    // namespace connection before its connect handler runs, so an event sent right after
    // `open` could otherwise arrive before the handler exists.
    let register = move |s: SocketRef| {
        let on_join = on_join.clone();
        async move {
            s.on("joinPaymentRoom", move |s: SocketRef, Data::<Value>(id)| {
                let on_join = on_join.clone();
                async move {
                    if let Some(room) = id.as_str() {
                        s.join(room.to_owned());
                    }
                    on_join.notify_one();
                }
            });
            s.on(
                "leavePaymentRoom",
                |s: SocketRef, Data::<Value>(id)| async move {
                    if let Some(room) = id.as_str() {
                        s.leave(room.to_owned());
                    }
                },
            );
            Ok::<(), std::io::Error>(())
        }
    };
    io.ns("/", { async |_: SocketRef| {} }.with(register));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        let _ = axum::serve(listener, axum::Router::new().layer(layer)).await;
    });
    Ok(Realtime { url, io, joined })
}

async fn create(flow: &mut Flow, client: &Client) -> Result<octopus_sdk::Payment, StepError> {
    let amount = octopus_sdk::parse_amount("100.00")?;
    let order = flow
        .step(
            "create order",
            async {
                Ok(client
                    .orders()
                    .create(&CreateOrder::new("Tour: 凍檸茶 x 4", amount))
                    .await?)
            },
            |o| format!("order {} for {}, {}", o.id, o.money(), o.status),
        )
        .await?;
    flow.step(
        "create payment (octopus_qr)",
        async {
            Ok(client
                .payments()
                .create(&CreatePayment::new(&order.id, amount))
                .await?)
        },
        |p| match &p.qr_code_data {
            Some(qr) => format!("payment {}, QR {}", p.id, qr.url()),
            None => format!("payment {}", p.id),
        },
    )
    .await
}

async fn simulated(flow: &mut Flow, merchant: &Merchant) -> Result<(), StepError> {
    let sim = Simulator::start().await;
    sim.set_callback_url(merchant.url("/octopus/webhook"));
    let verifier = sim.verifier().with_replay_guard(merchant.replay_guard());
    merchant.configure(|v| v.octopus = Some(verifier));
    let client = sim.client();
    let socket = realtime_server().await?;
    let io = socket.io.clone();
    sim.attach_realtime(move |room, event, data| {
        let (io, room, event) = (io.clone(), room.to_owned(), event.to_owned());
        tokio::spawn(async move {
            let _ = io.to(room).emit(event, &data).await;
        });
    });

    let payment = create(flow, &client).await?;
    let (rt, mut events) = flow
        .step(
            "subscribe to realtime updates (Socket.IO)",
            async {
                let rt = RealtimeClient::connect(RealtimeConfig::new(&socket.url)).await?;
                let events = rt.events();
                let joined = socket.joined.notified();
                rt.join_payment_room(&payment.id).await?;
                tokio::time::timeout(Duration::from_secs(5), joined)
                    .await
                    .map_err(|_| "the room join never reached the server")?;
                Ok((rt, Box::pin(events)))
            },
            |_| format!("joined room {}", payment.id),
        )
        .await?;
    flow.step(
        "simulate the payment",
        async { Ok(client.payments().simulate(&payment.id).await?) },
        |c| format!("payment {} is {}", c.id, c.status),
    )
    .await?;
    flow.step(
        "receive paymentUpdate",
        async {
            let wait = async {
                while let Some(event) = events.next().await {
                    if let RealtimeEvent::PaymentUpdate(u) = event {
                        if u.payment_id == payment.id {
                            return Ok(u);
                        }
                    }
                }
                Err::<_, StepError>("the realtime stream ended".into())
            };
            tokio::time::timeout(Duration::from_secs(5), wait)
                .await
                .map_err(|_| "no paymentUpdate within 5 s")?
        },
        |u| format!("{} is {}", u.payment_id, u.status),
    )
    .await?;
    let _ = rt.disconnect().await;
    flow.step(
        "verify webhook (X-Octopus-Signature)",
        async {
            match merchant.next_callback().await? {
                Callback::Octopus(e) if e.order_id == payment.order_id => Ok(e),
                Callback::Octopus(e) => {
                    Err(format!("unexpected webhook for order {}", e.order_id).into())
                }
                _ => Err("a callback from another gateway arrived".into()),
            }
        },
        |e| format!("{} ({}) for {}", e.event_type, e.status, e.money()),
    )
    .await?;
    flow.step(
        "read final status",
        async {
            let p = client.payments().get(&payment.id).await?;
            if p.status != PaymentStatus::Completed {
                return Err(format!("payment is {}", p.status).into());
            }
            Ok(p)
        },
        |p| format!("{} {}, paid {}", p.id, p.status, p.money()),
    )
    .await?;
    Ok(())
}

async fn real_host(flow: &mut Flow, base_url: &str) -> Result<(), StepError> {
    // A real host needs its credentials: name the missing ones rather than send empty ones.
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let (Some(token), Some(key)) = (var("OCTOPUS_API_TOKEN"), var("OCTOPUS_API_KEY")) else {
        return Err(
            "OCTOPUS_BASE_URL is set: set OCTOPUS_API_TOKEN and OCTOPUS_API_KEY too".into(),
        );
    };
    let mut builder = Client::builder()
        .base_url(base_url)
        .environment(Environment::Sandbox)
        .api_token(token)
        .api_key(key);
    if let (Some(id), Some(secret)) = (var("OCTOPUS_MERCHANT_ID"), var("OCTOPUS_SECRET_KEY")) {
        builder = builder.merchant(id, secret);
    }
    let client = builder.build()?;
    let payment = create(flow, &client).await?;
    flow.step(
        "read payment status",
        async { Ok(client.payments().get(&payment.id).await?) },
        |p| format!("{} {} (paying needs a real payer: skipped)", p.id, p.status),
    )
    .await?;
    Ok(())
}
