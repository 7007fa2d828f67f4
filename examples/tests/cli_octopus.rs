//! The `octopus` CLI end to end against the in-process platform simulator: success prints the
//! typed `data` as JSON and exits 0; an API error exits 2; a validation error 3; a failed
//! verification 4.

mod common;

use common::{failure, json};
use octopus_sdk::testing::Simulator;

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_webhook_accepts_a_signed_body_and_refuses_a_tampered_one() {
    let sim = Simulator::start().await;
    let body = br#"{"eventType":"payment.completed","transactionId":"oct_1","orderId":"o-1","status":"success","amount":100,"currency":"HKD","timestamp":"2024-01-01T00:05:00Z","merchantId":"m"}"#;
    let secret = sim.webhook_secret().expose().to_owned();
    let timestamp = sign_core::octopus::format_timestamp(chrono::Utc::now());
    let signature = sign_core::octopus::webhook_signature(sim.webhook_secret(), body);
    let args = [
        "verify-webhook",
        "--secret",
        &secret,
        "--timestamp",
        &timestamp,
        "--signature",
        &signature,
    ];

    let event = json(&octopus(&sim, "sandbox", &args, body).await);
    assert_eq!(event["orderId"], "o-1");

    let tampered = String::from_utf8_lossy(body).replace("\"amount\":100", "\"amount\":1");
    failure(
        &octopus(&sim, "sandbox", &args, tampered.as_bytes()).await,
        4,
    );
}
