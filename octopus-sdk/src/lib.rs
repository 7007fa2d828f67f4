//! Typed Rust client for the Octopus O! ePay payment platform API.
//!
//! - [`Client`]: orders ([`Client::orders`]) and payments ([`Client::payments`]),
//!   with typed models ([`Order`], [`Payment`], [`QrCodeData`] …), money as
//!   [`rust_decimal::Decimal`], times as `chrono` types.
//! - Every call carries `Authorization: Bearer`, `X-API-Key` and, when merchant
//!   credentials are set, the `X-Octopus-*` signature (fresh for every attempt).
//! - Errors are one [`Error`] enum; the platform's codes are [`ApiErrorCode`].
//!   Reads are retried with backoff; writes are not retried blindly, and an
//!   uncertain write says so ([`Error::OutcomeUnknown`]).
//! - [`webhook`]: verify the platform's webhooks and answer them.
//! - `realtime` feature: Socket.IO `paymentUpdate` / `orderUpdate` events.
//! - `testing` feature: an in-process simulator of the platform.
//!
//! Decisions where the spec is silent (see DESIGN.md): `GET /orders` answers
//! `{success, data: [...], pagination: {page, limit, total, totalPages}}`;
//! amounts are sent as JSON numbers with their exact decimal text; the default
//! [`Environment`] is production (simulation refused).
//!
//! ```no_run
//! # async fn run() -> octopus_sdk::Result<()> {
//! use octopus_sdk::{Client, Environment, orders::CreateOrder, payments::CreatePayment};
//!
//! let client = Client::builder()
//!     .base_url("https://pay.example.com/api")
//!     .environment(Environment::Sandbox)
//!     .api_token(std::env::var("OCTOPUS_API_TOKEN").unwrap_or_default())
//!     .api_key(std::env::var("OCTOPUS_API_KEY").unwrap_or_default())
//!     .merchant("merchant-1", "merchant-secret")
//!     .build()?;
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
//! let paid = client
//!     .payments()
//!     .wait_for_payment(&payment.id, std::time::Duration::from_secs(300))
//!     .await?;
//! println!("final status: {}", paid.status);
//! # Ok(()) }
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
    Client, ClientBuilder, Environment, MerchantCredentials, RetryPolicy, HEADER_API_KEY,
};
pub use error::{ApiErrorCode, ApiErrorDetails, Error, FieldError, Result};
pub use models::{
    Metadata, OctopusResponse, OctopusResult, Order, OrderPayment, OrderStatus, Page, Pagination,
    Payment, PaymentMethod, PaymentStatus, PaymentStatusChange, QrCode, QrCodeData, SortOrder,
    DEFAULT_CURRENCY,
};
pub use money::parse_amount;
pub use rust_decimal::Decimal;
pub use sign_core::Secret;
