//! Read-only calls against a real Wattt host. Ignored by default; run with
//! `WATTT_BASE_URL=… WATTT_UID=… WATTT_SECRET=… cargo test -p wattt-sdk --test sandbox -- --ignored`.
//! Nothing here creates collections or payouts.

use wattt_sdk::Client;

fn client() -> Option<Client> {
    let base = std::env::var("WATTT_BASE_URL").ok()?;
    let uid = std::env::var("WATTT_UID").ok()?;
    let secret = std::env::var("WATTT_SECRET").ok()?;
    Client::builder()
        .base_url(base)
        .credentials(uid, secret)
        .build()
        .ok()
}

#[tokio::test]
#[ignore = "talks to a real Wattt host; needs WATTT_BASE_URL, WATTT_UID, WATTT_SECRET"]
async fn sandbox_read_only_queries() {
    let Some(client) = client() else {
        eprintln!("WATTT_* not set; skipping");
        return;
    };
    let amounts = client
        .payment_links()
        .amounts()
        .await
        .expect("payment-amounts");
    println!("amounts: {amounts:?}");
    let channels = client
        .payment_links()
        .channels()
        .await
        .expect("payment-channels");
    println!("channels: {channels:?}");
    let balance = client.balance().await.expect("balance");
    println!("balance: {balance:?}");
    let banks = client.banks(None).await.expect("banks");
    println!("{} banks", banks.banks.len());
}
