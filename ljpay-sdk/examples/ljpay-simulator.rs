//! Runs the LJPay simulator on 127.0.0.1 for manual testing (for example with the `ljpay` CLI).
//!
//! ```text
//! LJPAY_SITE_CODE=sim-site LJPAY_SECRET=sim-secret cargo run -p ljpay-sdk --features testing --example ljpay-simulator
//! ```
//! Prints the base URL, then reads commands on stdin: `pay <order_no or biz_order_no>`,
//! `redeliver <order_no or biz_order_no>`, `webhook <url>`, `orders`, `quit`.

use std::io::BufRead as _;

use ljpay_sdk::testing::Simulator;

#[tokio::main]
async fn main() {
    let site = std::env::var("LJPAY_SITE_CODE").unwrap_or_else(|_| "sim-site".into());
    let secret = std::env::var("LJPAY_SECRET").unwrap_or_else(|_| "sim-secret".into());
    let sim = Simulator::start_with(site, secret).await;
    println!("LJPAY_BASE_URL={}", sim.base_url());
    println!("LJPAY_SITE_CODE={}", sim.site_code());
    let (tx, mut rx) = tokio::sync::mpsc::channel::<String>(8);
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines().map_while(Result::ok) {
            if tx.blocking_send(line).is_err() {
                break;
            }
        }
    });
    while let Some(line) = rx.recv().await {
        let mut parts = line.split_whitespace();
        match (parts.next(), parts.next()) {
            (Some("pay"), Some(key)) => match sim.pay(key).await {
                Ok(reply) => println!("paid; webhook answered {} {}", reply.status, reply.body),
                Err(ljpay_sdk::Error::Config { .. }) => match sim.mark_paid(key) {
                    Ok(o) => println!("{} is {} (no webhook URL set)", o.order_no, o.status),
                    Err(e) => println!("error: {e}"),
                },
                Err(e) => println!("error: {e}"),
            },
            (Some("redeliver"), Some(key)) => match sim.redeliver(key).await {
                Ok(reply) => println!(
                    "re-delivered; webhook answered {} {}",
                    reply.status, reply.body
                ),
                Err(e) => println!("error: {e}"),
            },
            (Some("webhook"), Some(url)) => match sim.set_callback_url(url) {
                Ok(()) => println!("webhook URL set"),
                Err(e) => println!("error: {e}"),
            },
            (Some("orders"), _) => {
                for o in sim.orders() {
                    println!(
                        "{} {} {} {}",
                        o.order_no,
                        o.biz_order_no,
                        o.status,
                        ljpay_sdk::Fen(o.amount_fen)
                    );
                }
            }
            (Some("quit"), _) => break,
            _ => println!("commands: pay <no>, redeliver <no>, webhook <url>, orders, quit"),
        }
    }
}
