//! The tour: one real payment flow through each of the four gateways.
//!
//! ```text
//! cargo run -p examples --bin tour
//! ```
//!
//! With no configuration it starts each SDK's in-process simulator and a small merchant web
//! server on 127.0.0.1 that receives the gateways' callbacks and verifies them with the SDKs,
//! then runs, per gateway, the flow a merchant runs. A gateway whose real-host variables are
//! set (the same ones its CLI reads) runs against that host instead; steps that need a real
//! payer or a public callback URL are skipped there, and the summary says which host ran.
//! Callbacks are verified and their deliveries recorded (in memory, or in Redis when `REDIS_URL`
//! is set, as a fleet of web servers would share them): one gateway re-delivers a callback,
//! which the merchant acknowledges without processing it twice. Exits non-zero if any step fails.

mod ecpay;
mod ljpay;
mod merchant;
mod octopus;
mod ui;
mod wattt;

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    println!("Payment SDK tour: ECPay, LJPay, Octopus O! ePay, Wattt");
    let merchant = match merchant::Merchant::start().await {
        Ok(m) => m,
        Err(e) => {
            eprintln!("tour: cannot start the local merchant server: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "merchant callback server listening on {} (deliveries recorded in {})",
        merchant.base_url(),
        merchant.store()
    );

    let reports = vec![
        ecpay::run(&merchant).await,
        ljpay::run(&merchant).await,
        octopus::run(&merchant).await,
        wattt::run(&merchant).await,
    ];
    if ui::summary(&reports) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
