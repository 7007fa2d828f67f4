//! The `ljpay` CLI end to end against the in-process LJPay simulator and a real `redis-server`:
//! success prints JSON and exits 0; configuration 1; an API error 2; a validation error 3; a
//! failed verification or a replayed nonce 4; an unreachable replay store 6. Webhooks are
//! signed with sign-core, whose LJPay signature ljpay-sdk's contract tests pin to vectors
//! computed with Python's `hmac`/`hashlib`.

mod common;

use common::{failure, json};
use ljpay_sdk::testing::Simulator;
use sign_core::testing::RedisServer;

struct Cli(Vec<(&'static str, String)>);

impl Cli {
    fn for_sim(sim: &Simulator) -> Self {
        Self(vec![
            ("LJPAY_BASE_URL", sim.base_url()),
            ("LJPAY_SITE_CODE", sim.site_code().to_owned()),
            ("LJPAY_SECRET", sim.secret().expose().to_owned()),
        ])
    }

    async fn run(&self, args: &[&str], stdin: &[u8]) -> std::process::Output {
        common::run(env!("CARGO_BIN_EXE_ljpay"), &self.0, args, stdin).await
    }

    /// The same configuration with `name` removed (or set to `value`).
    fn with(&self, name: &'static str, value: Option<&str>) -> Self {
        let mut env: Vec<_> = self.0.iter().filter(|(k, _)| *k != name).cloned().collect();
        if let Some(v) = value {
            env.push((name, v.to_owned()));
        }
        Self(env)
    }
}

fn sign(sim: &Simulator, path: &str, ts: i64, nonce: &str, body: &[u8]) -> String {
    sign_core::ljpay::sign_request(sim.secret(), sim.site_code(), "POST", path, body, ts, nonce)
        .signature
}

fn verify_args(sim: &Simulator, path: &str, body: &[u8], nonce: &str, store: &str) -> Vec<String> {
    let ts = chrono::Utc::now().timestamp();
    let sig = sign(sim, path, ts, nonce, body);
    [
        "verify-webhook",
        "--path",
        path,
        "--site",
        sim.site_code(),
        "--timestamp",
        &ts.to_string(),
        "--nonce",
        nonce,
        "--signature",
        &sig,
        "--replay-store",
        store,
    ]
    .map(String::from)
    .to_vec()
}

fn create(biz: &str, amount: &str, channel: &str) -> Vec<String> {
    [
        "create-order",
        "--biz-order-no",
        biz,
        "--amount-fen",
        amount,
        "--channel",
        channel,
        "--subject",
        "tea",
    ]
    .map(String::from)
    .to_vec()
}

fn refund(biz: &str, out_refund_no: &str, fen: &str) -> Vec<String> {
    [
        "refund",
        "--biz-order-no",
        biz,
        "--out-refund-no",
        out_refund_no,
        "--refund-fen",
        fen,
    ]
    .map(String::from)
    .to_vec()
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_lifecycle_and_exit_codes() {
    let sim = Simulator::start().await;
    let cli = Cli::for_sim(&sim);

    let created = json(
        &cli.run(&strs(&create("CLI-1", "1000", "wechat_native")), b"")
            .await,
    );
    let order_no = created["order_no"].as_str().expect("order_no").to_owned();
    assert_eq!(
        sim.order("CLI-1").map(|o| o.order_no),
        Some(order_no.clone())
    );

    let got = json(&cli.run(&["get-order", "--order-no", &order_no], b"").await);
    assert_eq!(got["biz_order_no"], "CLI-1");
    assert_eq!(got["status"], "PENDING");

    // Validation happens before anything is sent: amount_fen >= 1; return_url for alipay_pc.
    let requests_before = sim.stats().requests;
    let out = cli
        .run(&strs(&create("CLI-2", "0", "wechat_native")), b"")
        .await;
    assert!(failure(&out, 3).contains("amount_fen"));
    let out = cli
        .run(&strs(&create("CLI-2", "5", "alipay_pc")), b"")
        .await;
    assert!(failure(&out, 3).contains("return_url"));
    assert_eq!(
        sim.stats().requests,
        requests_before,
        "nothing reached the server"
    );

    // An unpaid order cannot be refunded: an API error with its code, exit 2.
    let out = cli.run(&strs(&refund("CLI-1", "R1", "100")), b"").await;
    assert!(failure(&out, 2).contains("ORDER_NOT_REFUNDABLE"));

    sim.mark_paid("CLI-1").expect("pay");
    let refunded = json(&cli.run(&strs(&refund("CLI-1", "R1", "100")), b"").await);
    assert_eq!(refunded["out_refund_no"], "R1");
    assert_eq!(sim.refunds().len(), 1);

    let out = cli.run(&["get-order", "--biz-order-no", "NOPE"], b"").await;
    assert!(failure(&out, 2).contains("ORDER_NOT_FOUND"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_webhook_accepts_a_signed_body_and_refuses_a_tampered_one() {
    let sim = Simulator::start().await;
    let cli = Cli::for_sim(&sim);
    let body = br#"{"order_no":"lp_1","biz_order_no":"B1","status":"PAID","amount_fen":100}"#;
    let now = chrono::Utc::now().timestamp();
    let nonce = sign_core::new_nonce();
    let h = sign_core::ljpay::sign_request(
        sim.secret(),
        sim.site_code(),
        "POST",
        "/hooks/ljpay?x=1",
        body,
        now,
        &nonce,
    );
    let args = [
        "verify-webhook",
        "--path",
        "/hooks/ljpay?x=1",
        "--site",
        &h.site,
        "--timestamp",
        &h.timestamp,
        "--nonce",
        &h.nonce,
        "--signature",
        &h.signature,
    ];

    let event = json(&cli.run(&args, body).await);
    assert_eq!(event["biz_order_no"], "B1");
    assert_eq!(event["status"], "PAID");

    let tampered = br#"{"order_no":"lp_1","biz_order_no":"B1","status":"PAID","amount_fen":999}"#;
    failure(&cli.run(&args, tampered).await, 4);
}

const BODY: &[u8] = br#"{"order_no":"lp_1","biz_order_no":"B1","status":"PAID","amount_fen":100}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_webhook_records_deliveries_in_redis_and_refuses_replays() {
    let sim = Simulator::start().await;
    let cli = Cli::for_sim(&sim);
    let redis = RedisServer::start().expect("redis-server is required: .ci/run installs it");
    let args = verify_args(
        &sim,
        "/hooks/ljpay?x=1",
        BODY,
        &"a".repeat(32),
        &redis.url(),
    );

    let first = json(&cli.run(&strs(&args), BODY).await);
    assert_eq!(first["delivery"], "first");
    assert_eq!(first["event_key"], "ljpay:event:lp_1:PAID");
    assert_eq!(first["biz_order_no"], "B1");
    // The same request again, in another process: the shared store knows the nonce.
    let stderr = failure(&cli.run(&strs(&args), BODY).await, 4);
    assert!(stderr.contains("replay"), "{stderr}");
    // LJPay's re-delivery, freshly signed: acknowledged as a repeat.
    let again = verify_args(
        &sim,
        "/hooks/ljpay?x=1",
        BODY,
        &"b".repeat(32),
        &redis.url(),
    );
    assert_eq!(
        json(&cli.run(&strs(&again), BODY).await)["delivery"],
        "repeat"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_webhook_exit_codes() {
    let sim = Simulator::start().await;
    let cli = Cli::for_sim(&sim);
    let mut redis = RedisServer::start().expect("redis-server is required: .ci/run installs it");
    let down = redis.url();
    redis.stop();
    let nonce = "c".repeat(32);
    let ok = verify_args(&sim, "/hooks/ljpay", BODY, &nonce, "memory");
    let cases: Vec<(&str, Cli, Vec<String>, i32, &str)> = vec![
        (
            "unreachable replay store",
            cli.with("_", None),
            verify_args(&sim, "/hooks/ljpay", BODY, &nonce, &down),
            6,
            "replay store",
        ),
        (
            "not a store URL",
            cli.with("_", None),
            verify_args(&sim, "/hooks/ljpay", BODY, &nonce, "mysql://x"),
            1,
            "--replay-store",
        ),
        // Finding (issue 13, LJPay): without LJPAY_SITE_CODE the CLI took the header's own
        // site as the expected one.
        (
            "finding: LJPAY_SITE_CODE unset",
            cli.with("LJPAY_SITE_CODE", None),
            ok.clone(),
            1,
            "LJPAY_SITE_CODE",
        ),
        (
            "empty secret",
            cli.with("LJPAY_SECRET", Some("")),
            ok.clone(),
            1,
            "LJPAY_SECRET",
        ),
        // Finding (issue 13, LJPay): a mismatch says to pass the request target as received.
        (
            "signed for another path",
            cli.with("_", None),
            verify_args(&sim, "/hooks/ljpay?x=1", BODY, &nonce, "memory")
                .into_iter()
                .map(|a| {
                    if a == "/hooks/ljpay?x=1" {
                        "/hooks/ljpay".to_owned()
                    } else {
                        a
                    }
                })
                .collect(),
            4,
            "exactly as received",
        ),
        (
            "another site",
            cli.with("LJPAY_SITE_CODE", Some("other-site")),
            ok.clone(),
            4,
            "site",
        ),
    ];
    for (name, cli, args, code, needle) in cases {
        let out = cli.run(&strs(&args), BODY).await;
        let stderr = failure(&out, code);
        assert!(stderr.contains(needle), "case `{name}`: {stderr}");
        assert_eq!(
            stderr.trim_end().lines().count(),
            1,
            "case `{name}`: one line: {stderr}"
        );
        assert!(
            !stderr.contains(sim.secret().expose()),
            "case `{name}`: secret on stderr"
        );
        assert!(!stderr.contains("Some("), "case `{name}`: {stderr}");
    }
    assert_eq!(json(&cli.run(&strs(&ok), BODY).await)["delivery"], "first");
}

/// Finding (issue 13, LJPay): an unknown channel passed validation and was sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_channel_is_a_validation_error_and_sends_nothing() {
    let sim = Simulator::start().await;
    let cli = Cli::for_sim(&sim);
    let out = cli.run(&strs(&create("CLI-9", "100", "paypal")), b"").await;
    assert!(failure(&out, 3).contains("channel"));
    assert_eq!(sim.stats().requests, 0);
}
