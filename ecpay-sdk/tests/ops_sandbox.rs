//! `#[ignore]` sandbox tests: the read-only ECPay-ops operations against ECPay's stage hosts
//! with the public stage merchant 3002607 (or `ECPAY_MERCHANT_ID`/`ECPAY_HASH_KEY`/
//! `ECPAY_HASH_IV`). Run with `cargo test -p ecpay-sdk --test ops_sandbox -- --ignored`.
//!
//! ECPay's pages say QueryTrade/V2 (`?p=2894`) and FundingReconDetail (`?p=2898`) cannot be
//! used on stage (no real authorisations) and TradeNoAio (`?p=16599`) answers only IPs set in
//! the back office: for those the test proves the signed request reached ECPay and its answer
//! was typed (an `Api` or `Decode` error is accepted, never a transport error or a panic).

use chrono::NaiveDate;
use ecpay_sdk::aio::{
    CreditTradeRequest, FundingDateType, FundingFileRequest, MediaDateType, TradeFileRequest,
};
use ecpay_sdk::{Client, Credentials, Environment, Error};

fn stage() -> Client {
    let creds = match (
        std::env::var("ECPAY_MERCHANT_ID"),
        std::env::var("ECPAY_HASH_KEY"),
        std::env::var("ECPAY_HASH_IV"),
    ) {
        (Ok(id), Ok(k), Ok(v)) => Credentials::new(id, k.as_str(), v.as_str()),
        _ => Credentials::stage(),
    };
    Client::builder()
        .environment(Environment::Stage)
        .credentials(creds)
        .build()
        .expect("stage client")
}

fn reached<T: std::fmt::Debug>(name: &str, r: Result<T, Error>) {
    match r {
        Ok(_) | Err(Error::Api { .. }) | Err(Error::Decode { .. }) => {}
        Err(e) => panic!("{name}: ECPay's stage host did not give a typed answer: {e}"),
    }
}

#[tokio::test]
#[ignore = "talks to payment-stage.ecpay.com.tw"]
async fn period_info_on_stage() {
    let r = stage().aio().query_period_info("NOSUCHPLAN0001").await;
    reached("QueryCreditCardPeriodInfo", r);
}

#[tokio::test]
#[ignore = "talks to payment-stage.ecpay.com.tw (ECPay: not usable on stage)"]
async fn credit_trade_on_stage() {
    let req = CreditTradeRequest {
        credit_refund_id: 1,
        credit_amount: 1,
        credit_check_code: 1,
    };
    reached(
        "QueryTrade/V2",
        stage().aio().query_credit_trade(&req).await,
    );
}

#[tokio::test]
#[ignore = "talks to vendor-stage.ecpay.com.tw (IP allow-list in ECPay's back office)"]
async fn trade_file_on_stage() {
    let d = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
    let req = TradeFileRequest::new(MediaDateType::Paid, d, d);
    reached("TradeNoAio", stage().aio().trade_file(&req).await);
}

#[tokio::test]
#[ignore = "talks to payment-stage.ecpay.com.tw (ECPay: not usable on stage)"]
async fn funding_file_on_stage() {
    let d = NaiveDate::from_ymd_opt(2026, 1, 2).expect("date");
    let req = FundingFileRequest::new(FundingDateType::Enter, d, d);
    reached("FundingReconDetail", stage().aio().funding_file(&req).await);
}
