//! The `ecpay` CLI end to end: ECPay's published checkout example, the simulator's queries,
//! callbacks and credit card actions, delivery records in memory and in a real Redis, and the
//! exit codes (0 success, 1 configuration, 2 API error, 3 validation, 4 verification, 5
//! outcome unknown, 6 replay store unavailable).

mod common;

use common::{failure, json};
use ecpay_sdk::testing::Simulator;

const STAGE: [(&str, &str); 3] = [
    ("ECPAY_MERCHANT_ID", "3002607"),
    ("ECPAY_HASH_KEY", "pwFHCqoQZGmho4w6"),
    ("ECPAY_HASH_IV", "EkRm7iFT261dpevs"),
];

async fn ecpay(base_url: Option<&str>, args: &[&str], stdin: &[u8]) -> std::process::Output {
    ecpay_with(base_url, &[], args, stdin).await
}

async fn ecpay_with(
    base_url: Option<&str>,
    extra_env: &[(&'static str, &str)],
    args: &[&str],
    stdin: &[u8],
) -> std::process::Output {
    let mut env: Vec<(&str, String)> = STAGE.iter().map(|(k, v)| (*k, v.to_string())).collect();
    env.push(("ECPAY_ENV", "stage".into()));
    for (k, v) in extra_env {
        env.retain(|(n, _)| n != k);
        env.push((k, v.to_string()));
    }
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

fn signed_body(pairs: &[(&str, &str)]) -> String {
    ecpay_sdk::webhook::sign_form(pairs, &ecpay_sdk::Credentials::stage())
}

fn renewal_body(gwsr: &str) -> String {
    // Fields of ECPay's 定期定額付款結果通知 (developers.ecpay.com.tw `?p=5631`).
    signed_body(&[
        ("MerchantID", "3002607"),
        ("MerchantTradeNo", "SUB0001"),
        ("RtnCode", "1"),
        ("RtnMsg", "授權成功"),
        ("PeriodType", "M"),
        ("Frequency", "1"),
        ("ExecTimes", "12"),
        ("Amount", "299"),
        ("Gwsr", gwsr),
        ("ProcessDate", "2026/02/01 03:00:00"),
        ("AuthCode", "777777"),
        ("FirstAuthAmount", "299"),
        ("TotalSuccessTimes", "2"),
        ("SimulatePaid", "0"),
    ])
}

fn payment_body() -> String {
    signed_body(&[
        ("MerchantID", "3002607"),
        ("MerchantTradeNo", "CLI0001"),
        ("RtnCode", "1"),
        ("RtnMsg", "交易成功"),
        ("TradeNo", "2601011000000001"),
        ("TradeAmt", "1200"),
        ("PaymentType", "Credit_CreditCard"),
        ("SimulatePaid", "0"),
    ])
}

fn info_body() -> String {
    signed_body(&[
        ("MerchantID", "3002607"),
        ("MerchantTradeNo", "CLI0002"),
        ("RtnCode", "2"),
        ("TradeNo", "2601011000000002"),
        ("TradeAmt", "500"),
        ("PaymentType", "ATM_TAISHIN"),
        ("BankCode", "812"),
        ("vAccount", "9103522175887271"),
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_callback_every_kind() {
    let cases: Vec<(&str, String, &str, serde_json::Value)> = vec![
        (
            "payment",
            payment_body(),
            "trade_amt",
            serde_json::json!(1200),
        ),
        (
            "order",
            payment_body(),
            "trade_amt",
            serde_json::json!(1200),
        ),
        (
            "payment-info",
            info_body(),
            "trade_amt",
            serde_json::json!(500),
        ),
        (
            "period",
            renewal_body("11940001"),
            "gwsr",
            serde_json::json!("11940001"),
        ),
    ];
    for (kind, body, field, want) in cases {
        let out = ecpay(None, &["verify-callback", "--kind", kind], body.as_bytes()).await;
        let v = json(&out);
        assert_eq!(v[field], want, "kind {kind}: {v}");
        assert_eq!(v["delivery"], "first", "kind {kind}");
        assert!(
            v["event_key"]
                .as_str()
                .unwrap_or_default()
                .starts_with(&format!("ecpay:event:{kind}:")),
            "kind {kind}: {v}"
        );
    }
    // A renewal is not a payment result: a decode error (exit 4), not a crash or a success.
    let stderr = failure(
        &ecpay(
            None,
            &["verify-callback", "--kind", "payment"],
            renewal_body("1").as_bytes(),
        )
        .await,
        4,
    );
    assert!(stderr.contains("TradeNo"), "{stderr}");
}

/// Issue 10 on the CLI: two processes ("two web servers") on one Redis — the second run of
/// the same callback prints `"delivery": "repeat"`; an unreachable store exits 6; an empty
/// key exits 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_callback_records_deliveries_in_redis() {
    let mut redis = sign_core::testing::RedisServer::start()
        .expect("redis-server is required: .ci/run installs it");
    let url = redis.url();
    let body = renewal_body("11940009");
    let args = [
        "verify-callback",
        "--kind",
        "period",
        "--replay-store",
        url.as_str(),
    ];
    let first = json(&ecpay(None, &args, body.as_bytes()).await);
    assert_eq!(first["delivery"], "first");
    let again = json(
        &ecpay_with(
            None,
            &[("PAYMENT_REPLAY_STORE", url.as_str())],
            &["verify-callback", "--kind", "period"],
            body.as_bytes(),
        )
        .await,
    );
    assert_eq!(again["delivery"], "repeat", "{again}");
    assert_eq!(again["event_key"], first["event_key"]);

    redis.stop();
    let stderr = failure(&ecpay(None, &args, body.as_bytes()).await, 6);
    assert!(stderr.starts_with("replay store unavailable"), "{stderr}");

    let stderr = failure(
        &ecpay(
            None,
            &["verify-callback", "--replay-store", "sqlite://x"],
            body.as_bytes(),
        )
        .await,
        1,
    );
    assert!(stderr.contains("--replay-store"), "{stderr}");
    let stderr = failure(
        &ecpay(
            None,
            &["--hash-key", "", "verify-callback"],
            body.as_bytes(),
        )
        .await,
        1,
    );
    assert!(stderr.contains("ECPAY_HASH_KEY is empty"), "{stderr}");
}

/// A server that answers every request with `502 Bad Gateway` (DoAction's unknown outcome).
async fn bad_gateway() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                let _ = sock.read(&mut buf).await;
                let _ = sock
                    .write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn do_action_and_query_payment_info_against_the_simulator() {
    let sim = Simulator::start().await;
    let base = sim.base_url();
    // Callbacks go back to the simulator's own demo route (any answer will do here).
    sim.set_callback_url(format!("{base}/api/integrations/webhooks/ecpay/return"));
    let mut args = checkout_args("CLIDO0001", "2026/11/22 10:00:00");
    args.extend(["--choose-payment", "Credit", "--json"]);
    let fields = json(&ecpay(Some(&base), &args, b"").await);
    let pairs: Vec<(String, String)> = fields
        .as_object()
        .expect("object")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
        .collect();
    let accepted = sim.submit_checkout(&pairs).await.expect("submit");
    let trade_no = accepted.trade_no.expect("TradeNo");
    sim.pay("CLIDO0001").await.expect("pay");

    let act = |action: &'static str, amount: &'static str| {
        vec![
            "do-action".to_owned(),
            "--merchant-trade-no".into(),
            "CLIDO0001".into(),
            "--trade-no".into(),
            trade_no.clone(),
            "--action".into(),
            action.into(),
            "--amount".into(),
            amount.into(),
        ]
    };
    let run = |a: Vec<String>, base: String| async move {
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        ecpay(Some(&base), &refs, b"").await
    };
    let closed = json(&run(act("C", "30000"), base.clone()).await);
    assert_eq!(closed["rtn_code"], 1);
    // Refund more than the trade: ECPay's refusal is an API error.
    failure(&run(act("R", "99999"), base.clone()).await, 2);
    // Nothing sent for an amount of zero.
    failure(&run(act("R", "0"), base.clone()).await, 3);
    // A 502 says nothing about whether the refund ran: exit 5, naming what to do.
    let stderr = failure(&run(act("R", "30000"), bad_gateway().await).await, 5);
    assert!(stderr.starts_with("outcome unknown"), "{stderr}");
    assert!(
        stderr.contains("CLIDO0001") && stderr.contains("look it up"),
        "{stderr}"
    );

    // query-payment-info: an ATM order's virtual account.
    let mut args = checkout_args("CLIATM0001", "2026/11/22 10:00:00");
    args.extend(["--choose-payment", "ATM", "--json"]);
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
            &["query-payment-info", "--trade-no", "CLIATM0001"],
            b"",
        )
        .await,
    );
    assert_eq!(info["code"]["kind"], "atm", "{info}");
    assert_eq!(info["code"]["bank_code"], "812", "{info}");
    failure(
        &ecpay(
            Some(&base),
            &["query-payment-info", "--trade-no", "NOPE0001"],
            b"",
        )
        .await,
        2,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_without_merchant_keys_is_refused() {
    type Case = (
        &'static str,
        Vec<(&'static str, &'static str)>,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            "stage keys on production",
            vec![("ECPAY_ENV", "production")],
            "3002607",
        ),
        (
            "empty keys on production",
            vec![
                ("ECPAY_ENV", "production"),
                ("ECPAY_MERCHANT_ID", ""),
                ("ECPAY_HASH_KEY", ""),
                ("ECPAY_HASH_IV", ""),
            ],
            "MERCHANT_ID",
        ),
    ];
    for (name, env, says) in cases {
        let out = ecpay_with(
            None,
            &env,
            &checkout_args("PROD1", "2026/01/01 00:00:00"),
            b"",
        )
        .await;
        let stderr = failure(&out, 1);
        assert!(stderr.contains(says), "case {name}: {stderr}");
    }
}

/// Moved from the binary's own unit tests (now that it is built on `examples::cli`): every
/// demo and merchant subcommand runs against the simulator; an unknown event is exit 2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_and_merchant_subcommands_run_against_the_simulator() {
    let sim = Simulator::start().await;
    let base = sim.base_url();
    let created = json(
        &ecpay(
            Some(&base),
            &[
                "demo-create-order",
                "--source",
                "demo_store",
                "--order-id",
                "DEMO-1",
                "--customer-name",
                "Alex",
                "--customer-email",
                "a@b.co",
                "--amount",
                "499",
            ],
            b"",
        )
        .await,
    );
    let id = created["event_id"].as_str().expect("event_id").to_owned();
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("demo-events", vec!["demo-events", "--limit", "5"]),
        ("demo-checkout", vec!["demo-checkout", "--event-id", &id]),
        ("demo-event", vec!["demo-event", "--event-id", &id]),
        (
            "merchant-checkout",
            vec![
                "merchant-checkout",
                "--order-date",
                "2025/05/03 14:30:00",
                "--order-item",
                "I",
                "--shipping-type",
                "HOME",
                "--payment-type",
                "Credit",
                "--shopper-name",
                "A",
                "--shopper-paid-amount",
                "10",
                "--discount-total",
                "0",
                "--shipping-fee",
                "0",
                "--receiver-name",
                "A",
                "--receiver-phone",
                "0912",
                "--receiver-address",
                "T",
                "--total-amount",
                "10",
                "--item-name",
                "I",
            ],
        ),
    ];
    for (name, args) in cases {
        let out = ecpay(Some(&base), &args, b"").await;
        assert_eq!(
            common::code(&out),
            0,
            "case {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let _: serde_json::Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("case {name}: {e}"));
    }
    failure(
        &ecpay(
            Some(&base),
            &["demo-event", "--event-id", "evt_missing"],
            b"",
        )
        .await,
        2,
    );
}
