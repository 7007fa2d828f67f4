//! The README's Octopus examples, compiled (and the simulator one run) here so
//! that the text the README shows cannot rot. Keep them in step with the
//! README's "Verifying callbacks" and "Test your handler with the simulator".

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;

/// README "Verifying callbacks": a fleet of web servers sharing one Redis.
/// Not run here: it needs `REDIS_URL` and serves forever.
#[allow(dead_code)]
async fn verifying_callbacks_on_a_fleet() -> Result<(), Box<dyn std::error::Error>> {
    use octopus_sdk::webhook::{Verifier, ACK};
    use octopus_sdk::Error;
    use sign_core::replay::{Delivery, RedisStore, ReplayGuard};

    // Refuse to start without the secret (never default it to "").
    let secret = std::env::var("OCTOPUS_WEBHOOK_SECRET")?;
    // Every web server behind the load balancer records deliveries in the same Redis.
    let store = RedisStore::connect(&std::env::var("REDIS_URL")?)
        .await?
        .with_prefix("shop:");
    let verifier = Verifier::new(secret)?.with_replay_guard(ReplayGuard::new(store));

    let app = Router::new().route(
        "/octopus/webhook",
        post(move |headers: HeaderMap, body: Bytes| {
            let verifier = verifier.clone();
            async move {
                match verifier.verify_and_record(&headers, &body).await {
                    Ok(got) => {
                        if got.delivery == Delivery::First {
                            // Process got.event once (mark the order paid, …).
                        }
                        // First or repeat: acknowledge, so the platform stops re-sending.
                        (StatusCode::OK, ACK)
                    }
                    // Redis did not answer: 503, and the platform delivers it again later.
                    Err(Error::StoreUnavailable { .. }) => {
                        (StatusCode::SERVICE_UNAVAILABLE, "try again later")
                    }
                    // Forged, tampered, stale (a captured body re-sent later) or malformed.
                    Err(_) => (StatusCode::UNAUTHORIZED, "rejected"),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
    axum::serve(listener, app).await?;
    Ok(())
}

/// README "Test your handler with the simulator": from start to a verified
/// webhook, and the platform's re-delivery recognised as a repeat.
#[tokio::test]
async fn test_your_handler_with_the_simulator() -> Result<(), Box<dyn std::error::Error>> {
    use octopus_sdk::orders::CreateOrder;
    use octopus_sdk::payments::CreatePayment;
    use octopus_sdk::testing::Simulator;
    use octopus_sdk::webhook::ACK;
    use sign_core::replay::Delivery;

    let sim = Simulator::start().await;

    // The merchant's handler, verifying with the simulator's webhook secret.
    let verifier = sim.verifier();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let app = Router::new().route(
        "/octopus/webhook",
        post(move |headers: HeaderMap, body: Bytes| {
            let (verifier, tx) = (verifier.clone(), tx.clone());
            async move {
                match verifier.verify_and_record(&headers, &body).await {
                    Ok(got) => {
                        let _ = tx.send(got);
                        (StatusCode::OK, ACK)
                    }
                    Err(_) => (StatusCode::UNAUTHORIZED, "rejected"),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    sim.set_callback_url(format!("http://{}/octopus/webhook", listener.local_addr()?));
    tokio::spawn(async move { axum::serve(listener, app).await });

    // The shop creates an order and its payment.
    let client = sim.client();
    let amount = octopus_sdk::parse_amount("100.00")?;
    let order = client
        .orders()
        .create(&CreateOrder::new("Coffee", amount))
        .await?;
    client
        .payments()
        .create(&CreatePayment::new(&order.id, amount))
        .await?;

    // The payer pays: the signed webhook is delivered; this is the handler's reply.
    let reply = sim.pay(&order.id).await?;
    assert_eq!((reply.status, reply.body.as_str()), (200, ACK));
    let got = rx.recv().await.ok_or("no webhook")?;
    assert_eq!(got.delivery, Delivery::First);
    assert_eq!(got.event.order_id, order.id);
    assert_eq!(got.event.money().to_string(), "HK$100.00");

    // The platform sends the same webhook again: acknowledged, recognised as a repeat.
    sim.redeliver(&order.id).await?;
    let again = rx.recv().await.ok_or("no re-delivery")?;
    assert_eq!(again.delivery, Delivery::Repeat);
    Ok(())
}
