//! The `octopus` CLI end to end against the in-process platform simulator: success prints the
//! typed `data` as JSON and exits 0; an API error exits 2; a validation error 3; a failed
//! verification 4; an unreachable replay store 6; an empty webhook secret 1. Webhook signatures
//! here come from `sign_core::octopus::webhook_signature`, which the SDK's own tests check
//! against an independent HMAC.

mod common;

use common::{failure, json};
use octopus_sdk::testing::Simulator;
use sign_core::testing::RedisServer;

async fn octopus(
    sim: &Simulator,
    environment: &str,
    args: &[&str],
    stdin: &[u8],
) -> std::process::Output {
    let env = [
        ("OCTOPUS_BASE_URL", sim.base_url()),
        ("OCTOPUS_API_TOKEN", sim.api_token().expose().to_owned()),
        ("OCTOPUS_API_KEY", sim.api_key().expose().to_owned()),
        ("OCTOPUS_MERCHANT_ID", sim.merchant_id().to_owned()),
        ("OCTOPUS_SECRET_KEY", sim.secret_key().expose().to_owned()),
        ("OCTOPUS_ENVIRONMENT", environment.to_owned()),
    ];
    common::run(env!("CARGO_BIN_EXE_octopus"), &env, args, stdin).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_payment_simulation_and_exit_codes() {
    let sim = Simulator::start().await;

    let order = json(
        &octopus(
            &sim,
            "sandbox",
            &[
                "create-order",
                "--amount",
                "100.00",
                "--description",
                "Coffee",
            ],
            b"",
        )
        .await,
    );
    let order_id = order["id"].as_str().expect("order id").to_owned();
    assert!(
        sim.order(&order_id).is_some(),
        "the simulator holds the order"
    );

    let payment = json(
        &octopus(
            &sim,
            "sandbox",
            &[
                "create-payment",
                "--order-id",
                &order_id,
                "--amount",
                "100.00",
            ],
            b"",
        )
        .await,
    );
    let payment_id = payment["id"].as_str().expect("payment id").to_owned();

    // Simulation is for test environments only: refused before sending in production (a
    // configuration error, exit 1).
    let before = sim.received_requests().await.len();
    let stderr = failure(
        &octopus(&sim, "production", &["simulate-payment", &payment_id], b"").await,
        1,
    );
    assert!(stderr.contains("Sandbox"), "{stderr}");
    assert_eq!(
        sim.received_requests().await.len(),
        before,
        "nothing reached the platform"
    );

    json(&octopus(&sim, "sandbox", &["simulate-payment", &payment_id], b"").await);
    let paid = json(&octopus(&sim, "sandbox", &["get-payment", &payment_id], b"").await);
    assert_eq!(paid["status"], "completed");

    let listed = json(&octopus(&sim, "sandbox", &["list-orders", "--all"], b"").await);
    assert!(
        listed
            .as_array()
            .is_some_and(|a| a.iter().any(|o| o["id"] == order_id.as_str())),
        "{listed}"
    );

    // Validation: more than two decimals never leaves the process; an unknown order is an API error.
    let stderr = failure(
        &octopus(
            &sim,
            "sandbox",
            &["create-order", "--amount", "1.005", "--description", "x"],
            b"",
        )
        .await,
        3,
    );
    assert!(stderr.contains("amount"), "{stderr}");
    let stderr = failure(
        &octopus(
            &sim,
            "sandbox",
            &["get-order", "00000000-0000-0000-0000-000000000000"],
            b"",
        )
        .await,
        2,
    );
    assert!(stderr.contains("ORDER_NOT_FOUND"), "{stderr}");
}

/// A body signed now (its own `timestamp` is the current time) and its header values.
fn signed_now(secret: &str, tx: &str) -> (Vec<u8>, String, String) {
    let timestamp = sign_core::octopus::format_timestamp(chrono::Utc::now());
    let body = format!(
        r#"{{"eventType":"payment.completed","transactionId":"{tx}","orderId":"o-1","status":"SUCCESS","amount":100.10,"currency":"HKD","timestamp":"{timestamp}","merchantId":"m"}}"#
    );
    let signature = sign_core::octopus::webhook_signature(&secret.into(), body.as_bytes());
    (body.into_bytes(), timestamp, signature)
}

fn verify_args<'a>(timestamp: &'a str, signature: &'a str, store: &'a str) -> Vec<&'a str> {
    vec![
        "verify-webhook",
        "--timestamp",
        timestamp,
        "--signature",
        signature,
        "--replay-store",
        store,
    ]
}

async fn verify(sim: &Simulator, secret: &str, args: &[&str], body: &[u8]) -> std::process::Output {
    let env = [
        ("OCTOPUS_WEBHOOK_SECRET", secret.to_owned()),
        ("OCTOPUS_ENVIRONMENT", "sandbox".to_owned()),
        ("OCTOPUS_BASE_URL", sim.base_url()),
    ];
    common::run(env!("CARGO_BIN_EXE_octopus"), &env, args, body).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_webhook_accepts_a_signed_body_and_refuses_a_tampered_one() {
    let sim = Simulator::start().await;
    let secret = sim.webhook_secret().expose().to_owned();
    let (body, timestamp, signature) = signed_now(&secret, "oct_1");
    let args = verify_args(&timestamp, &signature, "memory");

    let event = json(&verify(&sim, &secret, &args, &body).await);
    assert_eq!(event["orderId"], "o-1");
    assert_eq!(event["delivery"], "first");
    assert_eq!(event["event_key"], "octopus:event:oct_1:payment.completed");

    let tampered = String::from_utf8_lossy(&body).replace("\"amount\":100.10", "\"amount\":1");
    let stderr = failure(&verify(&sim, &secret, &args, tampered.as_bytes()).await, 4);
    assert!(stderr.contains("signature"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one stderr line: {stderr}");

    // A captured body re-sent with a fresh header: the signed body's own timestamp decides.
    let old = String::from_utf8_lossy(&body).replace(&timestamp, "2024-01-01T00:05:00Z");
    let old_sig = sign_core::octopus::webhook_signature(&secret.as_str().into(), old.as_bytes());
    let stderr = failure(
        &verify(
            &sim,
            &secret,
            &verify_args(&timestamp, &old_sig, "memory"),
            old.as_bytes(),
        )
        .await,
        4,
    );
    assert!(stderr.contains("tolerance"), "{stderr}");

    // An empty secret is a configuration error, before anything is read.
    let stderr = failure(&verify(&sim, "", &args, &body).await, 1);
    assert!(stderr.contains("webhook_secret"), "{stderr}");
}

/// Two runs of the CLI ("two web servers") sharing one real Redis: what the first accepted,
/// the second reports as a repeat; with Redis stopped the CLI exits 6.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_webhook_records_deliveries_in_redis_and_exits_6_without_it() {
    let sim = Simulator::start().await;
    let mut redis = RedisServer::start().expect("redis-server is required: .ci/run installs it");
    let url = redis.url();
    let secret = sim.webhook_secret().expose().to_owned();
    let (body, timestamp, signature) = signed_now(&secret, "oct_redis_1");
    let args = verify_args(&timestamp, &signature, &url);

    let first = json(&verify(&sim, &secret, &args, &body).await);
    assert_eq!(first["delivery"], "first");
    let second = json(&verify(&sim, &secret, &args, &body).await);
    assert_eq!(second["delivery"], "repeat");

    redis.stop();
    let stderr = failure(&verify(&sim, &secret, &args, &body).await, 6);
    assert!(stderr.contains("replay store"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one stderr line: {stderr}");
}
