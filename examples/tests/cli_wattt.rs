//! The `wattt` CLI end to end against the in-process Wattt simulator: success prints JSON
//! and exits 0; a configuration error (an empty secret) 1; an API error 2; a validation error
//! 3; a failed verification 4; an unreachable replay store 6 (a real `redis-server`, started
//! and then stopped by the test).

mod common;

use common::{failure, json};
use sign_core::testing::RedisServer;
use wattt_sdk::testing::Simulator;

async fn wattt(sim: &Simulator, args: &[&str], stdin: &[u8]) -> std::process::Output {
    let env = [
        ("WATTT_BASE_URL", sim.base_url()),
        ("WATTT_UID", sim.uid().to_owned()),
        ("WATTT_SECRET", sim.secret().expose().to_owned()),
    ];
    common::run(env!("CARGO_BIN_EXE_wattt"), &env, args, stdin).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_collections_payouts_and_exit_codes() {
    let sim = Simulator::start().await;

    let amounts = json(&wattt(&sim, &["amounts"], b"").await);
    assert!(
        amounts["fixed_amounts"]
            .as_array()
            .is_some_and(|a| !a.is_empty()),
        "{amounts}"
    );
    json(&wattt(&sim, &["balance"], b"").await);

    let created = json(
        &wattt(
            &sim,
            &["collect", "--orderid", "C-1", "--amount", "2500"],
            b"",
        )
        .await,
    );
    assert_eq!(created["orderid"], "C-1");
    assert!(
        sim.collection("C-1").is_some(),
        "the simulator holds the collection"
    );
    let status = json(&wattt(&sim, &["collection-status", "--orderid", "C-1"], b"").await);
    assert_eq!(status["orderid"], "C-1");

    // Validation before sending: a non-positive amount never reaches the server.
    let before = sim.requests().len();
    let stderr = failure(
        &wattt(
            &sim,
            &["collect", "--orderid", "C-2", "--amount", "-5"],
            b"",
        )
        .await,
        3,
    );
    assert!(stderr.contains("amount"), "{stderr}");
    assert_eq!(sim.requests().len(), before);

    let payout = [
        "payout",
        "--serial-no",
        "P-1",
        "--amount",
        "1200",
        "--payee-name",
        "陳大文",
    ];
    json(&wattt(&sim, &payout, b"").await);
    // The same serial number again is refused by the server: an API error.
    failure(&wattt(&sim, &payout, b"").await, 2);
    let status = json(&wattt(&sim, &["payout-status", "--serial-no", "P-1"], b"").await);
    assert_eq!(status["serial_no"], "P-1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_notify_accepts_a_signed_body_and_refuses_a_tampered_one() {
    let sim = Simulator::start().await;
    let secret = sim.secret().expose().to_owned();
    let mut fields = serde_json::Map::new();
    fields.insert("orderid".into(), "C-9".into());
    fields.insert("amount".into(), serde_json::json!(2500));
    fields.insert("status".into(), "success".into());
    let signed = sim.sign_notification(fields);
    let body = serde_json::to_vec(&signed).expect("json");

    let n = json(&wattt(&sim, &["verify-notify", "--secret", &secret], &body).await);
    assert_eq!(n["kind"], "collection");
    assert_eq!(n["orderid"], "C-9");
    assert_eq!(
        n["delivery"], "first",
        "a fresh process with a memory store"
    );
    assert_eq!(n["event_key"], "wattt:event:orderid:C-9:success");

    let tampered = String::from_utf8(body)
        .expect("utf-8")
        .replace("2500", "9500");
    failure(
        &wattt(
            &sim,
            &["verify-notify", "--secret", &secret],
            tampered.as_bytes(),
        )
        .await,
        4,
    );
}

async fn verify_notify_with(secret: &str, store: &str, body: &[u8]) -> std::process::Output {
    let env = [
        ("WATTT_SECRET", secret.to_owned()),
        ("PAYMENT_REPLAY_STORE", store.to_owned()),
    ];
    common::run(env!("CARGO_BIN_EXE_wattt"), &env, &["verify-notify"], body).await
}

/// Two runs of the CLI ("two web servers") sharing one Redis: the second reports a repeat.
/// Redis stopped: exit 6. An empty secret: exit 1, whatever the store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_notify_replay_store_and_empty_secret_exit_codes() {
    let sim = Simulator::start().await;
    let secret = sim.secret().expose().to_owned();
    let mut fields = serde_json::Map::new();
    fields.insert("serial_no".into(), "P-9".into());
    fields.insert("amount".into(), serde_json::json!(1200));
    fields.insert("status".into(), "success".into());
    let body = serde_json::to_vec(&sim.sign_notification(fields)).expect("json");

    let mut redis = RedisServer::start().expect("redis-server is required: .ci/run installs it");
    let url = redis.url();
    let first = json(&verify_notify_with(&secret, &url, &body).await);
    assert_eq!(first["delivery"], "first", "{first}");
    assert_eq!(first["kind"], "payout", "{first}");
    let second = json(&verify_notify_with(&secret, &url, &body).await);
    assert_eq!(second["delivery"], "repeat", "{second}");

    let cases: Vec<(&str, String, String, i32, &str)> = vec![
        (
            "empty secret",
            String::new(),
            "memory".into(),
            1,
            "WATTT_SECRET",
        ),
        (
            "bad store URL",
            secret.clone(),
            "mysql://x".into(),
            1,
            "replay-store",
        ),
    ];
    for (name, secret, store, code, says) in cases {
        let stderr = failure(&verify_notify_with(&secret, &store, &body).await, code);
        assert!(stderr.contains(says), "{name}: {stderr}");
        assert_eq!(
            stderr.trim_end().lines().count(),
            1,
            "{name}: one line: {stderr}"
        );
    }
    // An explicitly empty --secret is refused the same way.
    let out = common::run(
        env!("CARGO_BIN_EXE_wattt"),
        &[],
        &["verify-notify", "--secret", ""],
        &body,
    )
    .await;
    let stderr = failure(&out, 1);
    assert!(stderr.contains("secret"), "{stderr}");

    redis.stop();
    let stderr = failure(&verify_notify_with(&secret, &url, &body).await, 6);
    assert!(stderr.contains("replay store unavailable"), "{stderr}");
}
