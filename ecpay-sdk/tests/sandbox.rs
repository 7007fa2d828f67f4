//! The tour's ECPay flow against ECPay's real stage host: ignored by default; it needs no
//! configuration (the public stage merchant 3002607), and uses `ECPAY_MERCHANT_ID`,
//! `ECPAY_HASH_KEY`, `ECPAY_HASH_IV` when they are set:
//!
//! ```text
//! cargo test -p ecpay-sdk -- --ignored
//! ```
//!
//! Paying needs a browser, so the flow is: sign a checkout, submit it to the stage cashier as
//! a browser would, then QueryTradeInfo (CheckMacValue of the answer verified) sees the order.

use ecpay_sdk::aio::{CheckoutRequest, TradeStatus};
use ecpay_sdk::{Client, Credentials, Environment};

#[tokio::test]
#[ignore = "talks to payment-stage.ecpay.com.tw"]
async fn checkout_then_query_on_the_stage_host() {
    let credentials = match (
        std::env::var("ECPAY_MERCHANT_ID"),
        std::env::var("ECPAY_HASH_KEY"),
        std::env::var("ECPAY_HASH_IV"),
    ) {
        (Ok(id), Ok(key), Ok(iv)) => Credentials::new(id, key, iv),
        _ => Credentials::stage(),
    };
    let client = Client::builder()
        .environment(Environment::Stage)
        .credentials(credentials)
        .build()
        .expect("stage client");

    let now = chrono::Utc::now() + chrono::Duration::hours(8);
    let trade_no = format!("SDK{}", now.format("%y%m%d%H%M%S%3f"));
    let req = CheckoutRequest::new(
        &trade_no,
        now.format("%Y/%m/%d %H:%M:%S").to_string(),
        100,
        "SDK sandbox test",
        "Sandbox item",
        "https://example.com/ecpay/return",
    );
    let form = client.aio().checkout(&req).expect("signed checkout");

    let page = reqwest::Client::new()
        .post(&form.action)
        .form(&form.fields)
        .send()
        .await
        .expect("cashier answers");
    assert!(page.status().is_success(), "{}", page.status());
    let html = page.text().await.expect("cashier page");
    assert!(
        !html.contains("CheckMacValue Error"),
        "the cashier refused the signature"
    );

    let info = client
        .aio()
        .query_trade_info(&trade_no)
        .await
        .expect("QueryTradeInfo, signature verified");
    assert_eq!(info.merchant_trade_no, trade_no);
    assert_eq!(info.trade_status, TradeStatus::Unpaid);
}
