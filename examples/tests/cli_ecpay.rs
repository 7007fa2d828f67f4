//! The `ecpay` CLI end to end: ECPay's published checkout example, the simulator's queries and
//! callbacks, and the exit codes (0 success, 2 API error, 3 validation, 4 verification).

mod common;

use common::{failure, json};
use ecpay_sdk::testing::Simulator;

const STAGE: [(&str, &str); 3] = [
    ("ECPAY_MERCHANT_ID", "3002607"),
    ("ECPAY_HASH_KEY", "pwFHCqoQZGmho4w6"),
    ("ECPAY_HASH_IV", "EkRm7iFT261dpevs"),
];

async fn ecpay(base_url: Option<&str>, args: &[&str], stdin: &[u8]) -> std::process::Output {
    let mut env: Vec<(&str, String)> = STAGE.iter().map(|(k, v)| (*k, v.to_string())).collect();
    env.push(("ECPAY_ENV", "stage".into()));
    if let Some(url) = base_url {
        env.push(("ECPAY_AIO_BASE_URL", url.into()));
        env.push(("ECPAY_API_BASE_URL", url.into()));
    }
    common::run(env!("CARGO_BIN_EXE_ecpay"), &env, args, stdin).await
}

fn checkout_args<'a>(trade_no: &'a str, date: &'a str) -> Vec<&'a str> {
    vec![
        "checkout",
        "--trade-no",
        trade_no,
        "--amount",
        "30000",
        "--item-name",
        "Apple iphone 15",
        "--trade-desc",
        "促銷方案",
        "--return-url",
        "https://www.ecpay.com.tw/receive.php",
        "--trade-date",
        date,
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkout_reproduces_ecpays_published_example() {
    // ECPay developers ?p=2902 (附錄 / 檢查碼機制): the AioCheckOut example and its CheckMacValue.
    let mut args = checkout_args("ecpay20230312153023", "2023/03/12 15:30:23");
    args.push("--json");
    let fields = json(&ecpay(None, &args, b"").await);
    assert_eq!(
        fields["CheckMacValue"],
        "6C51C9E6888DE861FD62FB1DD17029FC742634498FD813DC43D4243B5685B840"
    );

    let html = ecpay(
        None,
        &checkout_args("ecpay20230312153023", "2023/03/12 15:30:23"),
        b"",
    )
    .await;
    let html = String::from_utf8_lossy(&html.stdout);
    assert!(
        html.contains("<form")
            && html.contains("https://payment-stage.ecpay.com.tw/Cashier/AioCheckOut/V5"),
        "{html}"
    );

    // ECPay's rule: MerchantTradeNo is at most 20 letters and digits.
    let stderr = failure(
        &ecpay(
            None,
            &checkout_args("ORDER-WITH-DASHES", "2023/03/12 15:30:23"),
            b"",
        )
        .await,
        3,
    );
    assert!(stderr.contains("MerchantTradeNo"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_and_callback_verification_against_the_simulator() {
    let sim = Simulator::start_with(ecpay_sdk::Credentials::stage()).await;
    let base = sim.base_url();
    let mut args = checkout_args("CLI20261122001", "2026/11/22 10:00:00");
    args.push("--json");
    let fields = json(&ecpay(Some(&base), &args, b"").await);
    let pairs: Vec<(String, String)> = fields
        .as_object()
        .expect("object")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
        .collect();
    assert!(sim.submit_checkout(&pairs).await.expect("submit").accepted);

    let info = json(
        &ecpay(
            Some(&base),
            &["query-trade", "--trade-no", "CLI20261122001"],
            b"",
        )
        .await,
    );
    assert_eq!(info["merchant_trade_no"], "CLI20261122001");

    // The ReturnURL callback a payment produces verifies; one changed amount does not.
    let callback = sim.payment_result_fields("CLI20261122001").expect("fields");
    let body = serde_urlencoded::to_string(&callback).expect("form");
    let result = json(&ecpay(Some(&base), &["verify-callback"], body.as_bytes()).await);
    assert_eq!(result["rtn_code"], 1);
    assert_eq!(result["trade_amt"], 30000);
    let tampered = body.replace("TradeAmt=30000", "TradeAmt=30");
    assert_ne!(tampered, body);
    failure(
        &ecpay(Some(&base), &["verify-callback"], tampered.as_bytes()).await,
        4,
    );

    // Out of the spec's range: refused before sending.
    failure(
        &ecpay(Some(&base), &["demo-events", "--limit", "21"], b"").await,
        3,
    );
}
