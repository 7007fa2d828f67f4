//! Typed, signed client for the Wattt (沃特嚴選) merchant API, spec version 2.7.0.
//!
//! * [`Client`] covers all 11 operations of the spec: payment channels and amounts, payment
//!   links ([`PaymentLinks`]), collections ([`Collections`]), payouts ([`Payouts`]), balance,
//!   bank list and callback retry ([`Callbacks`]). `uid`, `timestamp` and `sign` are filled in
//!   by the client, never by the caller.
//! * Every answer is the `{ok, message, data}` envelope: `ok == 1` gives typed data, anything
//!   else is [`Error::Api`] carrying the server's message. Where the spec leaves `data` open,
//!   the fields a merchant needs are typed and the rest is kept in an `extra` map.
//! * Money is [`rust_decimal::Decimal`] in the API and a JSON number on the wire.
//! * `sign` uses the workspace's documented contract ([`WatttSign`], from sign-core) behind the
//!   [`Signer`] trait. The body is built as a JSON object, signed, and exactly that object is
//!   sent ("sign what you send").
//! * Queries are retried with backoff and jitter on transport errors and 5xx. Creating a
//!   collection or payout is never retried: if its outcome is unclear the client looks it up by
//!   `orderid` / `serial_no`, and otherwise returns [`Error::OutcomeUnknown`].
//! * [`notify::verify`] checks notifications (JSON or form bodies).
//! * The `testing` feature adds [`testing::Simulator`], an in-process Wattt.
//!
//! Decisions where the spec is silent: status values are read leniently into [`OrderStatus`]
//! (unknown ones kept); amounts accept at most two decimal places; payment-link and
//! callback-retry calls are not retried either (each creates something server-side); the
//! payer-account compatibility fields are filled for both payment-link operations.
//!
//! ```no_run
//! use rust_decimal::Decimal;
//! use wattt_sdk::{Client, CollectionRequest, CollectionLookup, PaymentLinkAmountRequest};
//!
//! # async fn run() -> Result<(), wattt_sdk::Error> {
//! let client = Client::builder()
//!     .base_url("https://api-test.wattt.asia")
//!     .credentials("ABCDE", std::env::var("WATTT_SECRET").unwrap_or_default())
//!     .build()?;
//!
//! // Offer the merchant's amounts, then create a link for the one the member picked.
//! let amounts = client.payment_links().amounts().await?;
//! let req = PaymentLinkAmountRequest::new("TP1", 5000, "U10001", "Amy", "https://m.example/notify")
//!     .payer_account_no("008123456789");
//! let link = client.payment_links().create_for_amount_checked(&req, &amounts).await?;
//! println!("send the member to {}", link.payment_url()?);
//!
//! // A collection, then its status.
//! let c = client
//!     .collections()
//!     .create(&CollectionRequest::new("COL1", Decimal::new(2500, 0)))
//!     .await?;
//! let s = client.collections().status(&CollectionLookup::OrderId("COL1".into())).await?;
//! println!("{:?} {:?}", c.status, s.status);
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod account;
mod callbacks;
mod client;
mod collections;
mod de;
mod error;
mod money;
pub mod notify;
mod payment_links;
mod payouts;
mod signer;
mod status;
mod validate;

#[cfg(feature = "testing")]
pub mod testing;

pub use account::{Balance, Bank, BankList};
pub use callbacks::{CallbackKind, CallbackRetryRequest, CallbackRetryResult, Callbacks};
pub use client::{
    ops, Client, ClientBuilder, Operation, RetryPolicy, DEFAULT_MAX_BODY_BYTES, OPERATIONS,
    SPEC_SERVER_URL,
};
pub use collections::{Collection, CollectionLookup, CollectionRequest, Collections};
pub use error::{Error, Result};
pub use money::MAX_SCALE;
pub use notify::{Notification, NotificationKind};
pub use payment_links::{
    account_last5, PaymentAmounts, PaymentChannel, PaymentChannels, PaymentLink,
    PaymentLinkAmountRequest, PaymentLinkData, PaymentLinkRequest, PaymentLinks,
};
pub use payouts::{Payout, PayoutLookup, PayoutRequest, Payouts};
pub use rust_decimal::Decimal;
pub use sign_core::{Secret, VerifyError};
pub use signer::{Signer, WatttSign};
pub use status::OrderStatus;

impl Client {
    /// Payment channels, amounts and payment links.
    pub fn payment_links(&self) -> PaymentLinks<'_> {
        PaymentLinks::new(self)
    }

    /// Collections: create and query.
    pub fn collections(&self) -> Collections<'_> {
        Collections::new(self)
    }

    /// Payouts: create and query.
    pub fn payouts(&self) -> Payouts<'_> {
        Payouts::new(self)
    }

    /// Callback retry.
    pub fn callbacks(&self) -> Callbacks<'_> {
        Callbacks::new(self)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn client_is_send_sync_clone() {
        fn check<T: Send + Sync + Clone + 'static>() {}
        check::<crate::Client>();
        fn error<T: std::error::Error + Send + Sync + 'static>() {}
        error::<crate::Error>();
    }
}
