//! Against a real LJPay host; ignored by default. Run with
//! `LJPAY_SANDBOX_BASE_URL=… LJPAY_SANDBOX_SITE_CODE=… LJPAY_SANDBOX_SECRET=… cargo test -p ljpay-sdk --test sandbox -- --ignored`.

use ljpay_sdk::{Client, ErrorCode};

#[tokio::test]
#[ignore = "talks to a real LJPay host; needs LJPAY_SANDBOX_* env vars"]
async fn unknown_order_is_not_found_on_the_real_host() {
    let (Ok(base), Ok(site), Ok(secret)) = (
        std::env::var("LJPAY_SANDBOX_BASE_URL"),
        std::env::var("LJPAY_SANDBOX_SITE_CODE"),
        std::env::var("LJPAY_SANDBOX_SECRET"),
    ) else {
        eprintln!("LJPAY_SANDBOX_* not set; skipping");
        return;
    };
    let client = Client::builder()
        .base_url(base)
        .site_code(site)
        .secret(secret)
        .build()
        .expect("sandbox config");
    let biz = format!("sdk-probe-{}", sign_core::new_nonce());
    let err = client
        .orders()
        .get_by_biz_order_no(&biz)
        .await
        .expect_err("a fresh number does not exist");
    assert_eq!(err.code(), Some(&ErrorCode::OrderNotFound), "{err}");
}
