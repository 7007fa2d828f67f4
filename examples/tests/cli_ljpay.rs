//! The `ljpay` CLI end to end against the in-process LJPay simulator: success prints JSON
//! and exits 0; an API error exits 2; a validation error 3; a failed verification 4.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use ljpay_sdk::testing::Simulator;

struct Cli {
    base_url: String,
    site: String,
    secret: String,
}

impl Cli {
    fn for_sim(sim: &Simulator) -> Self {
        Self {
            base_url: sim.base_url(),
            site: sim.site_code().to_owned(),
            secret: sim.secret().expose().to_owned(),
        }
    }

    /// Runs the binary on a blocking thread so the simulator keeps serving.
    async fn run(&self, args: &[&str], stdin: &[u8]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ljpay"));
        cmd.args(args)
            .env("LJPAY_BASE_URL", &self.base_url)
            .env("LJPAY_SITE_CODE", &self.site)
            .env("LJPAY_SECRET", &self.secret)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let stdin = stdin.to_vec();
        tokio::task::spawn_blocking(move || {
            let mut child = cmd.spawn().expect("spawn ljpay");
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(&stdin)
                .expect("write stdin");
            child.wait_with_output().expect("wait")
        })
        .await
        .expect("join")
    }
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

fn json(out: &Output) -> serde_json::Value {
    assert_eq!(
        code(out),
        0,
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_lifecycle_and_exit_codes() {
    let sim = Simulator::start().await;
    let cli = Cli::for_sim(&sim);

    let created = json(
        &cli.run(
            &[
                "create-order",
                "--biz-order-no",
                "CLI-1",
                "--amount-fen",
                "1000",
                "--channel",
                "wechat_native",
                "--subject",
                "tea",
            ],
            b"",
        )
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
        .run(
            &[
                "create-order",
                "--biz-order-no",
                "CLI-2",
                "--amount-fen",
                "0",
                "--channel",
                "wechat_native",
                "--subject",
                "tea",
            ],
            b"",
        )
        .await;
    assert_eq!(code(&out), 3, "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("amount_fen"));
    let out = cli
        .run(
            &[
                "create-order",
                "--biz-order-no",
                "CLI-2",
                "--amount-fen",
                "5",
                "--channel",
                "alipay_pc",
                "--subject",
                "tea",
            ],
            b"",
        )
        .await;
    assert_eq!(code(&out), 3);
    assert_eq!(
        sim.stats().requests,
        requests_before,
        "nothing reached the server"
    );

    // An unpaid order cannot be refunded: an API error with its code, exit 2.
    let out = cli
        .run(
            &[
                "refund",
                "--biz-order-no",
                "CLI-1",
                "--out-refund-no",
                "R1",
                "--refund-fen",
                "100",
            ],
            b"",
        )
        .await;
    assert_eq!(code(&out), 2);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("ORDER_NOT_REFUNDABLE"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());

    sim.mark_paid("CLI-1").await.expect("pay");
    let refund = json(
        &cli.run(
            &[
                "refund",
                "--biz-order-no",
                "CLI-1",
                "--out-refund-no",
                "R1",
                "--refund-fen",
                "100",
            ],
            b"",
        )
        .await,
    );
    assert_eq!(refund["out_refund_no"], "R1");
    assert_eq!(sim.refunds().len(), 1);

    let out = cli.run(&["get-order", "--biz-order-no", "NOPE"], b"").await;
    assert_eq!(code(&out), 2);
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
    let out = cli.run(&args, tampered).await;
    assert_eq!(code(&out), 4);
    assert!(out.stdout.is_empty());
}
