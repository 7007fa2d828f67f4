//! Typed, signed client for the LJPay payment centre (梨界支付中心).
//!
//! Covers every operation of the spec kept in this crate (`spec/ljpay.openapi.json`):
//!
//! | Operation | Method |
//! |---|---|
//! | `POST /api/v1/order/create` | [`Orders::create`] |
//! | `GET /api/v1/order/by-biz-no/{biz_order_no}` | [`Orders::get_by_biz_order_no`] |
//! | `GET /api/v1/order/by-pay-no/{order_no}` | [`Orders::get_by_order_no`] |
//! | `POST /api/v1/order/cancel` | [`Orders::cancel`] |
//! | `POST /api/v1/order/refund` | [`Refunds::create`] |
//!
//! Every request is signed with sign-core's LJPay scheme (HMAC-SHA256 over method, path with
//! query, timestamp, nonce, site code and the body's SHA-256) and every attempt, retries
//! included, gets a fresh timestamp and nonce. Requests are validated against the spec before
//! anything is sent. Webhooks are verified by [`webhook::verify`]. With the `testing` feature,
//! `testing::Simulator` runs an in-process LJPay for your tests.
//!
//! Money-moving calls never leave you unsure: a create whose outcome is unknown is resolved by
//! looking the order up by `biz_order_no` (never two orders), and a refund whose outcome is
//! unknown returns [`Error::RefundOutcomeUnknown`], which says it is safe to repeat the call
//! with the same `out_refund_no`.
//!
//! ```no_run
//! use ljpay_sdk::{Channel, Client, CreateOrderRequest, Instructions, RefundRequest};
//!
//! # async fn run() -> Result<(), ljpay_sdk::Error> {
//! let client = Client::builder()
//!     .base_url("https://pay.ljmatrix.cn")
//!     .site_code("my-site")
//!     .secret(std::env::var("LJPAY_SECRET").unwrap_or_default())
//!     .build()?;
//!
//! let req = CreateOrderRequest::new("B-1001", 1999, Channel::AlipayPc, "Pear tea x2")
//!     .return_url("https://shop.example/orders/B-1001");
//! let created = client.orders().create(&req).await?;
//! if let Some(Instructions::Redirect(r)) = created.instructions() {
//!     println!("send the browser to {:?}", r.redirect_url);
//! }
//!
//! let order = client.orders().get_by_biz_order_no("B-1001").await?;
//! println!("{} is {}", order.order_no, order.status);
//!
//! let refund = client
//!     .refunds()
//!     .create(&RefundRequest::new("B-1001", "R-1001-1", 999))
//!     .await?;
//! println!("refund {:?}", refund.status);
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod client;
mod error;
pub mod models;
mod orders;
mod refunds;
pub mod validate;
pub mod webhook;

#[cfg(feature = "testing")]
pub mod testing;

pub use client::{encode_path_segment, Client, ClientBuilder, Environment, RetryPolicy};
pub use error::{Error, Result};
pub use models::{
    CancelRequest, Channel, CreateOrderOutcome, CreateOrderRequest, CreateOrderResponse, ErrorCode,
    ErrorResponse, Instructions, JsapiInstructions, OrderInfo, OrderStatus, QrDecodeError,
    QrInstructions, RedirectInstructions, RefundRequest, RefundResponse, RefundStatus,
};
pub use orders::{Orders, PATH_BY_BIZ_NO, PATH_BY_PAY_NO, PATH_CANCEL, PATH_CREATE};
pub use refunds::{Refunds, PATH_REFUND};
pub use sign_core::Secret;
pub use webhook::{WebhookConfig, WebhookEvent};
