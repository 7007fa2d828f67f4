//! Typed Rust client for the Octopus O! ePay payment platform API.
//!
//! - [`Client`]: orders ([`Client::orders`]) and payments ([`Client::payments`]),
//!   with typed models ([`Order`], [`Payment`], [`QrCodeData`] …), money as
//!   [`rust_decimal::Decimal`] read from the exact JSON text (never `f64`),
//!   shown to people as [`Money`] (`HK$100.10`), times as `chrono` types.
//! - Every call carries `Authorization: Bearer`, `X-API-Key` and, when merchant
//!   credentials are set, the `X-Octopus-*` signature
//!   (`hex(hmac_sha256(secret_key, merchant_id + timestamp + nonce))`), fresh
//!   for every attempt.
//! - One send path and one retry rule ([`RetryPolicy`], shared with the other
//!   SDK crates through `sign-core`): queries are retried after faults, 5xx
//!   and 429; a state-changing call is sent again only when it certainly had
//!   no effect, and an unclear one is [`Error::OutcomeUnknown`] unless a
//!   lookup settles it. A `Retry-After` is honoured within the total budget,
//!   else [`Error::RateLimited`] carries it. [`Error::kind`] classifies every
//!   error.
//! - [`webhook`]: verify the platform's webhooks (signature over the raw body,
//!   the signed body's own timestamp inside the window) and tell a first
//!   delivery from a re-delivery, in memory or on Redis for a fleet.
//! - `realtime` feature: Socket.IO `paymentUpdate` / `orderUpdate` events.
//! - `testing` feature: an in-process simulator of the platform.
//!
//! Decisions where the spec is silent: `GET /orders` answers
//! `{success, data: [...], pagination: {page, limit, total, totalPages}}` and
//! a walk over all pages ([`orders::Orders::list_all`]) ends at
//! `page == totalPages` (or at a page shorter than `limit` without
//! `pagination`), refusing a server that makes no progress; creating answers
//! 201; amounts are sent as JSON numbers with their exact decimal text; the
//! default [`Environment`] is production (simulation refused).
//!
//! ```
//! # async fn run() -> octopus_sdk::Result<()> {
//! use octopus_sdk::{orders::CreateOrder, payments::CreatePayment, testing::Simulator};
//!
//! // Against the in-process simulator; for the platform itself use
//! // Client::builder().base_url(..).api_token(..).api_key(..).merchant(..).build()?
//! let sim = Simulator::start().await;
//! let client = sim.client();
//!
//! let amount = octopus_sdk::parse_amount("100.00")?;
//! let order = client.orders().create(&CreateOrder::new("Coffee", amount)).await?;
//! let payment = client
//!     .payments()
//!     .create(&CreatePayment::new(&order.id, amount).return_url("https://shop.example/done"))
//!     .await?;
//! if let Some(qr) = &payment.qr_code_data {
//!     println!("show this as a QR code: {}", qr.url());
//! }
//! client.payments().simulate(&payment.id).await?; // the payer pays (sandbox only)
//! let paid = client
//!     .payments()
//!     .wait_for_payment(&payment.id, std::time::Duration::from_secs(5))
//!     .await?;
//! assert_eq!(paid.status.to_string(), "completed");
//! println!("paid {}", paid.money());
//! # Ok(()) }
//! # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod client;
mod error;
mod models;
mod money;
mod validate;

pub mod orders;
pub mod payments;
pub mod webhook;

#[cfg(feature = "realtime")]
pub mod realtime;

#[cfg(feature = "testing")]
pub mod testing;

pub use client::{
    Client, ClientBuilder, Environment, MerchantCredentials, RetryPolicy, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMEOUT, HEADER_API_KEY,
};
pub use error::{ApiErrorCode, ApiErrorDetails, Error, ErrorKind, FieldError, Result};
pub use models::{
    Metadata, Money, OctopusResponse, OctopusResult, Order, OrderPayment, OrderStatus, Page,
    Pagination, Payment, PaymentMethod, PaymentStatus, PaymentStatusChange, QrCode, QrCodeData,
    SortOrder, DEFAULT_CURRENCY,
};
pub use money::parse_amount;
pub use rust_decimal::Decimal;
pub use sign_core::Secret;
