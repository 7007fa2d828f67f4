//! The tour's LJPay flow against a real host: ignored by default. It reads the variables the
//! `ljpay` CLI reads and fails, naming them, when they are missing:
//!
//! ```text
//! LJPAY_BASE_URL=… LJPAY_SITE_CODE=… LJPAY_SECRET=… cargo test -p ljpay-sdk --test sandbox -- --ignored
//! ```
//!
//! Paying needs a real payer, so the flow is create, query, and cancel the unpaid order.

use ljpay_sdk::{Channel, Client, CreateOrderRequest, ErrorCode, OrderStatus};

fn client() -> Client {
    let var = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| panic!("set {name} to run the LJPay sandbox test"))
    };
    Client::builder()
        .base_url(var("LJPAY_BASE_URL"))
        .site_code(var("LJPAY_SITE_CODE"))
        .secret(var("LJPAY_SECRET"))
        .build()
        .expect("sandbox config")
}

#[tokio::test]
#[ignore = "talks to a real LJPay host; needs LJPAY_BASE_URL, LJPAY_SITE_CODE, LJPAY_SECRET"]
async fn create_query_cancel_on_the_real_host() {
    let client = client();
    let biz = format!("sdk-sandbox-{}", &sign_core::new_nonce()[..12]);

    let unknown = client
        .orders()
        .get_by_biz_order_no(&biz)
        .await
        .expect_err("not created yet");
    assert_eq!(unknown.code(), Some(&ErrorCode::OrderNotFound), "{unknown}");

    let req = CreateOrderRequest::new(&biz, 1, Channel::WechatNative, "SDK sandbox test");
    let created = client.orders().create(&req).await.expect("create");
    assert!(created.instructions().is_some(), "payment instructions");

    let order = client
        .orders()
        .get_by_biz_order_no(&biz)
        .await
        .expect("query");
    assert_eq!(order.order_no, created.order_no());
    assert_eq!(order.status, OrderStatus::Pending);

    client.orders().cancel(&biz).await.expect("cancel");
    let order = client
        .orders()
        .get_by_biz_order_no(&biz)
        .await
        .expect("query after cancel");
    assert_eq!(order.status, OrderStatus::Canceled);
}
