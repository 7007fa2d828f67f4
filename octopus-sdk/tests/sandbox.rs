//! Against a real platform: `#[ignore]`d; run with
//! `OCTOPUS_BASE_URL=... OCTOPUS_API_TOKEN=... OCTOPUS_API_KEY=... cargo test -p octopus-sdk --test sandbox -- --ignored`
//! (plus `OCTOPUS_MERCHANT_ID` / `OCTOPUS_SECRET_KEY` when the platform requires signatures).

use octopus_sdk::orders::{CreateOrder, ListOrders};
use octopus_sdk::payments::CreatePayment;
use octopus_sdk::{Client, Environment};

fn client() -> Option<Client> {
    let base = std::env::var("OCTOPUS_BASE_URL").ok()?;
    let mut b = Client::builder()
        .base_url(base)
        .environment(Environment::Sandbox)
        .api_token(std::env::var("OCTOPUS_API_TOKEN").ok()?)
        .api_key(std::env::var("OCTOPUS_API_KEY").ok()?);
    if let (Ok(m), Ok(k)) = (
        std::env::var("OCTOPUS_MERCHANT_ID"),
        std::env::var("OCTOPUS_SECRET_KEY"),
    ) {
        b = b.merchant(m, k);
    }
    b.build().ok()
}

#[tokio::test]
#[ignore = "talks to a real platform; needs OCTOPUS_* env vars"]
async fn sandbox_order_and_payment() {
    let Some(c) = client() else {
        eprintln!("OCTOPUS_BASE_URL / OCTOPUS_API_TOKEN / OCTOPUS_API_KEY not set: skipped");
        return;
    };
    let amount = octopus_sdk::parse_amount("1.00").unwrap();
    let order = c
        .orders()
        .create(&CreateOrder::new("octopus-sdk sandbox test", amount))
        .await
        .unwrap();
    let got = c.orders().get(&order.id).await.unwrap();
    assert_eq!(got.id, order.id);
    let p = c
        .payments()
        .create(&CreatePayment::new(&order.id, amount))
        .await
        .unwrap();
    assert_eq!(c.payments().get(&p.id).await.unwrap().id, p.id);
    let page = c
        .orders()
        .list(&ListOrders {
            limit: Some(5),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(page.items.len() <= 5);
}
