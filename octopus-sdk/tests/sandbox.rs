//! The tour's Octopus flow against a real (sandbox) platform: `#[ignore]`d; it reads the
//! variables the `octopus` CLI reads and fails, naming them, when they are missing:
//!
//! ```text
//! OCTOPUS_BASE_URL=... OCTOPUS_API_TOKEN=... OCTOPUS_API_KEY=... cargo test -p octopus-sdk --test sandbox -- --ignored
//! ```
//!
//! (plus `OCTOPUS_MERCHANT_ID` / `OCTOPUS_SECRET_KEY` when the platform requires signatures).
//! Order, payment, the sandbox's simulated payment, and the final status.

use octopus_sdk::orders::{CreateOrder, ListOrders};
use octopus_sdk::payments::CreatePayment;
use octopus_sdk::{Client, Environment};

fn client() -> Client {
    let var = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| panic!("set {name} to run the Octopus sandbox test"))
    };
    let mut b = Client::builder()
        .base_url(var("OCTOPUS_BASE_URL"))
        .environment(Environment::Sandbox)
        .api_token(var("OCTOPUS_API_TOKEN"))
        .api_key(var("OCTOPUS_API_KEY"));
    if let (Ok(m), Ok(k)) = (
        std::env::var("OCTOPUS_MERCHANT_ID"),
        std::env::var("OCTOPUS_SECRET_KEY"),
    ) {
        b = b.merchant(m, k);
    }
    b.build().expect("sandbox config")
}

#[tokio::test]
#[ignore = "talks to a real platform; needs OCTOPUS_* env vars"]
async fn sandbox_order_and_payment() {
    let c = client();
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
    c.payments().simulate(&p.id).await.unwrap();
    let paid = c.payments().get(&p.id).await.unwrap();
    assert_eq!(paid.status, octopus_sdk::PaymentStatus::Completed);
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
