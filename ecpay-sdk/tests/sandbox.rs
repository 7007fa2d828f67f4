//! Against ECPay's real stage host: ignored by default; run with
//! `ECPAY_SANDBOX=1 cargo test -p ecpay-sdk --test sandbox -- --ignored`.

use ecpay_sdk::{Client, Credentials, Environment, Error};

#[tokio::test]
#[ignore = "talks to payment-stage.ecpay.com.tw"]
async fn stage_query_of_an_unknown_trade_is_answered() {
    if std::env::var("ECPAY_SANDBOX").is_err() {
        return;
    }
    let client = Client::builder()
        .environment(Environment::Stage)
        .credentials(Credentials::stage())
        .build()
        .unwrap();
    // An unknown trade: ECPay answers (signed or with an error code); either way not a
    // transport or decode failure.
    match client.aio().query_trade_info("NOSUCHTRADE0000001").await {
        Ok(info) => assert_eq!(info.merchant_trade_no, "NOSUCHTRADE0000001"),
        Err(Error::Api { .. }) => {}
        Err(other) => panic!("{other:?}"),
    }
}
