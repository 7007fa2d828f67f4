//! The `ljpay` CLI end to end against the in-process LJPay simulator: success prints JSON
//! and exits 0; an API error exits 2; a validation error 3; a failed verification 4.

mod common;

use common::{failure, json};
use ljpay_sdk::testing::Simulator;

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
