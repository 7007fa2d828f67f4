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
//! **Signing.** Every request carries `X-Pay-Site`, `X-Pay-Timestamp` (Unix seconds),
//! `X-Pay-Nonce` (32 random hex characters) and
//! `X-Pay-Signature: sha256=hex(hmac_sha256(secret, canonical))` where `canonical` is
//! `METHOD \n PATH_WITH_QUERY \n TIMESTAMP \n NONCE \n SITE_CODE \n hex(sha256(body))` and
//! `PATH_WITH_QUERY` is the request target exactly as sent (a base-URL path prefix and the
//! percent-encoding of path segments included). Every attempt, retries included, is signed
//! afresh with a new timestamp and nonce. Requests are validated against the spec before
//! anything is sent ([`validate`]).
//!
//! **Retries and money.** Queries are retried on connection errors, timeouts, 5xx and
//! `RATE_LIMITED` (a server's `Retry-After` is honoured within the policy's total budget).
//! Create, cancel and refund are repeated only when the request certainly did not take effect.
//! When their outcome is unknown, create and cancel look the order up by `biz_order_no` and
//! settle it (a create finds the order it made, [`CreateOrderOutcome::AlreadyExists`], or
//! another order under the same number, [`Error::Conflict`]); a refund has no lookup in the spec
//! and returns [`Error::OutcomeUnknown`], safe to repeat with the same `out_refund_no`.
//! [`Error::kind`] classifies every error.
//!
//! **Webhooks.** [`webhook::Verifier`] checks LJPay's signed webhooks (constant time, a 300 s
//! window), refuses a replayed nonce and tells a first delivery from a re-delivery through a
//! replay store shared by your web servers (in memory, or Redis for a fleet).
//!
//! **Testing.** With the `testing` feature, `testing::Simulator` runs an in-process LJPay for
//! your tests: it checks signatures like the real server, keeps orders and refunds, and
//! delivers signed webhooks to your handler.
//!
//! ```
//! # #[cfg(feature = "testing")]
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use ljpay_sdk::{Channel, Client, CreateOrderRequest, Instructions, RefundRequest};
//! # let sim = ljpay_sdk::testing::Simulator::start().await;
//! # std::env::set_var("LJPAY_SECRET", sim.secret().expose());
//! # let (base_url, site_code) = (sim.base_url(), sim.site_code().to_owned());
//!
//! let secret = std::env::var("LJPAY_SECRET")?; // never default a secret to ""
//! let client = Client::builder()
//!     .base_url(base_url) // "https://pay.ljmatrix.cn" in production
//!     .site_code(site_code)
//!     .secret(secret)
//!     .build()?;
//!
//! let req = CreateOrderRequest::new("B-1001", 1999, Channel::AlipayPc, "Pear tea x2")
//!     .return_url("https://shop.example/orders/B-1001");
//! let created = client.orders().create(&req).await?;
//! if let Some(Instructions::Redirect(r)) = created.instructions() {
//!     println!("send the browser to {}", r.redirect_url.as_deref().unwrap_or("(none)"));
//! }
//! # sim.mark_paid("B-1001")?;
//!
//! let order = client.orders().get_by_biz_order_no("B-1001").await?;
//! println!("{} is {}", order.order_no, order.status);
//!
//! let refund = client
//!     .refunds()
//!     .create(&RefundRequest::new("B-1001", "R-1001-1", 999))
//!     .await?;
//! println!("refund {}", refund.status);
//! # Ok(()) }
//! # #[cfg(not(feature = "testing"))]
//! # fn main() {}
//! ```
#![deny(missing_docs)]

mod client;
mod error;
pub mod models;
mod once;
mod orders;
mod refunds;
pub mod validate;
pub mod webhook;

#[cfg(feature = "testing")]
pub mod testing;

/// The README's examples, compiled and run as doc tests (they use the `testing` feature).
#[cfg(all(doctest, feature = "testing"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub use client::{Client, ClientBuilder, Environment, RetryPolicy};
pub use error::{Error, ErrorKind, Result};
pub use models::{
    CancelRequest, Channel, CreateOrderOutcome, CreateOrderRequest, CreateOrderResponse, ErrorCode,
    ErrorResponse, Fen, Instructions, JsapiInstructions, OrderInfo, OrderStatus, QrDecodeError,
    QrInstructions, RedirectInstructions, RefundRequest, RefundResponse, RefundStatus,
};
pub use orders::{
    encode_path_segment, Orders, PATH_BY_BIZ_NO, PATH_BY_PAY_NO, PATH_CANCEL, PATH_CREATE,
};
pub use refunds::{Refunds, PATH_REFUND};
pub use sign_core::Secret;
pub use webhook::{Verifier, WebhookEvent};
