//! The `ecpay` CLI's ECPay-ops subcommands end to end against the simulator: JSON on stdout
//! and the exit codes (0 ok, 2 API error, 3 validation, 5 outcome unknown), one line on stderr.

mod common;

use common::{failure, json};
use ecpay_sdk::aio::{
    CheckoutRequest, CreditMode, CreditOptions, Payment, PeriodType, PeriodicPlan, TradeDate,
};
use ecpay_sdk::testing::Simulator;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const STAGE: [(&str, &str); 3] = [
    ("ECPAY_MERCHANT_ID", "3002607"),
    ("ECPAY_HASH_KEY", "pwFHCqoQZGmho4w6"),
    ("ECPAY_HASH_IV", "EkRm7iFT261dpevs"),
];

async fn ecpay(base_url: &str, args: &[&str]) -> std::process::Output {
    let mut env: Vec<(&str, String)> = STAGE.iter().map(|(k, v)| (*k, v.to_string())).collect();
    env.push(("ECPAY_ENV", "stage".into()));
    env.push(("ECPAY_AIO_BASE_URL", base_url.into()));
    common::run(env!("CARGO_BIN_EXE_ecpay"), &env, args, b"").await
}

async fn shop() -> MockServer {
    let m = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("1|OK"))
        .mount(&m)
        .await;
    m
}

/// A paid monthly plan with one renewal; returns the renewal's gwsr.
async fn subscription(sim: &Simulator, shop: &MockServer, no: &str) -> String {
    let mut r = CheckoutRequest::new(
        no,
        TradeDate::now_taiwan(),
        299,
        "Monthly",
        "Coffee",
        "https://shop.example.com/r",
    );
    r.payment = Payment::Credit(CreditOptions {
        mode: CreditMode::Periodic(PeriodicPlan {
            period_amount: 299,
            period_type: PeriodType::Month,
            frequency: 1,
            exec_times: 12,
            period_return_url: None,
        }),
        ..Default::default()
    });
    let client = sim.client();
    assert!(
        sim.submit(&client.aio().checkout(&r).expect("signed"))
            .await
            .expect("submitted")
            .accepted
    );
    sim.set_callback_url(shop.uri());
    sim.pay(no).await.expect("paid");
    sim.renew(no).await.expect("renewed");
    sim.plan(no)
        .and_then(|p| p.executions.last().map(|e| e.gwsr.clone()))
        .expect("gwsr")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn period_info_and_action() {
    let sim = Simulator::start().await;
    let shop = shop().await;
    subscription(&sim, &shop, "SUBCLI0001").await;
    let base = sim.base_url();
    let info = json(&ecpay(&base, &["period-info", "--trade-no", "SUBCLI0001"]).await);
    assert_eq!(info["exec_status"], "running");
    assert_eq!(info["total_success_times"], 2);
    assert_eq!(info["exec_log"].as_array().map(Vec::len), Some(2));

    let done = json(
        &ecpay(
            &base,
            &[
                "period-action",
                "--trade-no",
                "SUBCLI0001",
                "--action",
                "cancel",
            ],
        )
        .await,
    );
    assert_eq!(done["rtn_code"], 1);
    let info = json(&ecpay(&base, &["period-info", "--trade-no", "SUBCLI0001"]).await);
    assert_eq!(info["exec_status"], "cancelled");

    let cases: &[(&str, &[&str], i32)] = &[
        (
            "cancel twice: API error",
            &[
                "period-action",
                "--trade-no",
                "SUBCLI0001",
                "--action",
                "cancel",
            ],
            2,
        ),
        (
            "unknown action: validation",
            &[
                "period-action",
                "--trade-no",
                "SUBCLI0001",
                "--action",
                "pause",
            ],
            3,
        ),
        (
            "bad trade no: validation",
            &["period-info", "--trade-no", "SUB-1"],
            3,
        ),
        (
            "unknown plan: API error",
            &["period-info", "--trade-no", "NOSUCHPLAN"],
            2,
        ),
    ];
    for (name, args, code) in cases {
        let line = failure(&ecpay(&base, args).await, *code);
        assert!(
            !line.contains("Some(") && !line.contains("None"),
            "case {name}: {line}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credit_trade_capture_and_files() {
    let sim = Simulator::start().await;
    let shop = shop().await;
    let gwsr = subscription(&sim, &shop, "SUBCLI0002").await;
    let base = sim.base_url();
    let trade = json(
        &ecpay(
            &base,
            &[
                "credit-trade",
                "--credit-refund-id",
                &gwsr,
                "--amount",
                "299",
                "--check-code",
                "1",
            ],
        )
        .await,
    );
    assert_eq!(trade["amount"], 299);

    let client = sim.client();
    let req = CheckoutRequest::new(
        "CAPCLI0001",
        TradeDate::now_taiwan(),
        1000,
        "d",
        "Item",
        "https://shop.example.com/r",
    );
    assert!(
        sim.submit(&client.aio().checkout(&req).expect("signed"))
            .await
            .expect("submitted")
            .accepted
    );
    sim.pay("CAPCLI0001").await.expect("paid");
    let cap = json(
        &ecpay(
            &base,
            &[
                "capture",
                "--trade-no",
                "CAPCLI0001",
                "--capture-amount",
                "900",
                "--refund-amount",
                "100",
            ],
        )
        .await,
    );
    assert_eq!(cap["merchant_trade_no"], "CAPCLI0001");

    let today = chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let file = json(&ecpay(&base, &["trade-file", "--from", &today, "--to", &today]).await);
    let rows = file["rows"].as_array().expect("rows");
    assert!(
        rows.iter()
            .any(|r| r["merchant_trade_no"] == "CAPCLI0001" && r["amount"] == 1000),
        "{file}"
    );
    let funding = json(
        &ecpay(
            &base,
            &[
                "funding-file",
                "--from",
                "2026-01-01",
                "--to",
                &today,
                "--encoding",
                "big5",
            ],
        )
        .await,
    );
    assert_eq!(funding["rows"].as_array().map(Vec::len), Some(2));

    let cases: &[(&str, &[&str], i32)] = &[
        (
            "capture not adding up: API error",
            &[
                "capture",
                "--trade-no",
                "CAPCLI0001",
                "--capture-amount",
                "1",
            ],
            2,
        ),
        (
            "capture nothing: validation",
            &[
                "capture",
                "--trade-no",
                "CAPCLI0001",
                "--capture-amount",
                "0",
            ],
            3,
        ),
        (
            "bad day: validation",
            &["trade-file", "--from", "2026/01/01", "--to", "2026-01-02"],
            3,
        ),
        (
            "bad date type: validation",
            &[
                "funding-file",
                "--date-type",
                "paid",
                "--from",
                "2026-01-01",
                "--to",
                "2026-01-02",
            ],
            3,
        ),
        (
            "bad encoding: validation",
            &[
                "funding-file",
                "--from",
                "2026-01-01",
                "--to",
                "2026-01-02",
                "--encoding",
                "latin1",
            ],
            3,
        ),
    ];
    for (name, args, code) in cases {
        let line = failure(&ecpay(&base, args).await, *code);
        assert!(!line.contains("Some("), "case {name}: {line}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn money_moving_ops_exit_5_on_an_unknown_outcome() {
    let gateway = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502))
        .mount(&gateway)
        .await;
    let cases: &[(&str, &[&str])] = &[
        (
            "period action",
            &["period-action", "--trade-no", "SUB1", "--action", "cancel"],
        ),
        (
            "capture",
            &["capture", "--trade-no", "ORD1", "--capture-amount", "100"],
        ),
    ];
    for (name, args) in cases {
        let line = failure(&ecpay(&gateway.uri(), args).await, 5);
        assert!(
            line.contains("look it up before repeating it"),
            "case {name}: {line}"
        );
    }
    assert_eq!(
        gateway.received_requests().await.expect("recorded").len(),
        2,
        "each sent once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_order_and_create_trade() {
    let sim = Simulator::start().await;
    let base = sim.base_url();
    let mut env: Vec<(&str, String)> = STAGE.iter().map(|(k, v)| (*k, v.to_string())).collect();
    env.push(("ECPAY_ENV", "stage".into()));
    env.push(("ECPAY_AIO_BASE_URL", base.clone()));
    let args = [
        "server-order",
        "--trade-no",
        "APCLI0001",
        "--amount",
        "150",
        "--item-name",
        "Tea",
        "--trade-desc",
        "Order",
        "--trade-type",
        "app",
    ];
    let token = br#"{"paymentData":{"version":"EC_v1"}}"#;
    let out = common::run(env!("CARGO_BIN_EXE_ecpay"), &env, &args, token).await;
    let order = json(&out);
    assert_eq!(order["trade_amt"], 150);
    let again = common::run(env!("CARGO_BIN_EXE_ecpay"), &env, &args, token).await;
    failure(&again, 2);

    let trade = json(
        &ecpay(
            &base,
            &[
                "create-trade",
                "--trade-no",
                "SPCLI0001",
                "--amount",
                "500",
                "--item-name",
                "Item",
                "--trade-desc",
                "Order",
                "--return-url",
                "https://shop.example.com/r",
            ],
        )
        .await,
    );
    assert!(
        trade["sp_token"]
            .as_str()
            .is_some_and(|t| t.starts_with("SP")),
        "{trade}"
    );
    let bad = ecpay(
        &base,
        &[
            "server-order",
            "--trade-no",
            "AP2",
            "--amount",
            "1",
            "--item-name",
            "T",
            "--trade-desc",
            "d",
            "--trade-type",
            "tv",
        ],
    )
    .await;
    failure(&bad, 3);
}
