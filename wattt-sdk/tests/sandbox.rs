//! The tour's Wattt flow against a real host: ignored by default. It reads the variables the
//! `wattt` CLI reads and fails, naming them, when they are missing:
//!
//! ```text
//! WATTT_BASE_URL=… WATTT_UID=… WATTT_SECRET=… cargo test -p wattt-sdk --test sandbox -- --ignored
//! ```
//!
//! Paying and payouts need a real payer and real money, so the flow stops at creating a
//! payment link and a collection and reading them back, plus the balance and bank list.

use rust_decimal::Decimal;
use wattt_sdk::{Client, CollectionLookup, CollectionRequest, PaymentLinkAmountRequest};

fn client() -> Client {
    let var = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| panic!("set {name} to run the Wattt sandbox test"))
    };
    Client::builder()
        .base_url(var("WATTT_BASE_URL"))
        .credentials(var("WATTT_UID"), var("WATTT_SECRET"))
        .build()
        .expect("sandbox config")
}

#[tokio::test]
#[ignore = "talks to a real Wattt host; needs WATTT_BASE_URL, WATTT_UID, WATTT_SECRET"]
async fn link_and_collection_on_the_real_host() {
    let client = client();
    let reference = &sign_core::new_nonce()[..12];

    let amounts = client
        .payment_links()
        .amounts()
        .await
        .expect("payment amounts");
    let amount = *amounts
        .fixed_amounts
        .first()
        .expect("the merchant offers a fixed amount");
    amounts.check(amount).expect("a fixed amount is allowed");
    let req = PaymentLinkAmountRequest::new(
        format!("SBX{reference}"),
        amount,
        "SDK1",
        "SDK Sandbox",
        "https://example.com/notify",
    );
    let link = client
        .payment_links()
        .create_for_amount_checked(&req, &amounts)
        .await
        .expect("payment link");
    assert!(link.payment_url().expect("a URL").starts_with("http"));

    let orderid = format!("SBXC{reference}");
    client
        .collections()
        .create(&CollectionRequest::new(&orderid, Decimal::from(amount)))
        .await
        .expect("create collection");
    let status = client
        .collections()
        .status(&CollectionLookup::OrderId(orderid.clone()))
        .await
        .expect("status");
    assert_eq!(status.orderid.as_deref(), Some(orderid.as_str()));

    client.balance().await.expect("balance");
    assert!(!client.banks(None).await.expect("banks").banks.is_empty());
}
