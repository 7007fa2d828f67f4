//! Typed, signed client for the Wattt (沃特嚴選) merchant API, spec version 2.7.0 (kept in the
//! crate as `spec/wattt-merchant.openapi.json`).
//!
//! * [`Client`] covers every operation of the spec: payment channels and amounts, payment
//!   links ([`PaymentLinks`]), collections ([`Collections`]), payouts ([`Payouts`]), balance,
//!   bank list and callback retry ([`Callbacks`]). `uid`, `timestamp` and `sign` are filled in
//!   by the client, never by the caller, and each request carries exactly the fields of its
//!   schema.
//! * Every answer is the `{ok, message, data}` envelope: `ok == 1` gives typed data, anything
//!   else is [`Error::Api`] carrying the server's message. Where the spec leaves `data` open,
//!   the fields a merchant needs are typed and the rest is kept in an `extra` map.
//! * Money is [`Decimal`] in the API and a JSON number on the wire; [`Twd`] shows it to people
//!   (`NT$2,500`).
//! * `sign`: the spec says only "computed with the API Secret". The SDK's default contract
//!   ([`WatttSign`]) takes every top-level field except `sign` whose value is a non-empty
//!   string, a number or a boolean, renders numbers exactly as they are sent, sorts by key
//!   (byte order) and computes `hex(md5(k1=v1&…&key=SECRET))`; objects and arrays (`extra`)
//!   are sent but not signed. A merchant on another contract plugs in a [`Signer`]. The body
//!   is built as a JSON object, signed, and exactly that object is sent.
//! * Retries: queries (status, balance, banks, channels, amounts) are retried with jittered
//!   backoff on connection failures, timeouts and 5xx, honouring `Retry-After` within the
//!   policy's budget ([`RetryPolicy`]), each attempt signed afresh. Anything that creates
//!   something (collection, payout, payment link, callback retry) is sent again only when an
//!   attempt certainly never reached Wattt. When its outcome is unclear, a collection or payout
//!   is looked up by `orderid` / `serial_no` and reconciled (same amount and payee, or
//!   [`Error::Conflict`]); otherwise the error is [`Error::OutcomeUnknown`]: look it up before
//!   repeating it.
//! * [`webhook::Verifier`] checks notifications (JSON or form bodies) and tells a first
//!   delivery from a re-delivery ([`webhook::Delivery`]), in memory or on Redis for a fleet.
//! * The `testing` feature adds `testing::Simulator`, an in-process Wattt.
//!
//! Decisions where the spec is silent: status values are read leniently into [`OrderStatus`]
//! (unknown ones kept); the notification acknowledgement is [`webhook::ACK`] (`success`).
//!
//! ```no_run
//! // no_run: it talks to Wattt's real host and needs the merchant's credentials.
//! use wattt_sdk::{Client, CollectionLookup, CollectionRequest, Decimal, Environment};
//! use wattt_sdk::{PaymentLinkAmountRequest, Twd};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let secret = std::env::var("WATTT_SECRET")?; // unset is an error, never an empty key
//! let client = Client::builder()
//!     .environment(Environment::Production)
//!     .credentials("ABCDE", secret)
//!     .build()?;
//!
//! // Offer the merchant's amounts, then create a link for the one the member picked.
//! let amounts = client.payment_links().amounts().await?;
//! println!("amounts: {amounts}");
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
//! if let (Some(amount), Some(status)) = (c.amount, s.status) {
//!     println!("{} is {status}", Twd(amount));
//! }
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod account;
mod callbacks;
mod client;
mod collections;
mod create_once;
mod de;
mod error;
mod money;
mod operation;
mod payment_links;
mod payouts;
mod signer;
mod status;
mod validate;
pub mod webhook;

#[cfg(feature = "testing")]
pub mod testing;

pub use account::{Balance, Bank, BankList};
pub use callbacks::{CallbackKind, CallbackRetryRequest, CallbackRetryResult, Callbacks};
pub use client::{
    Client, ClientBuilder, Environment, RetryPolicy, DEFAULT_MAX_BODY_BYTES, SPEC_SERVER_URL,
};
pub use collections::{Collection, CollectionLookup, CollectionRequest, Collections};
pub use error::{ApiCode, Error, ErrorKind, Result};
pub use money::Twd;
#[doc(hidden)]
pub use operation::decode_answer;
pub use operation::{ops, Operation, OPERATIONS};
pub use payment_links::{
    account_last5, PaymentAmounts, PaymentChannel, PaymentChannels, PaymentLink,
    PaymentLinkAmountRequest, PaymentLinkData, PaymentLinkRequest, PaymentLinks,
};
pub use payouts::{Payout, PayoutLookup, PayoutRequest, Payouts};
pub use rust_decimal::Decimal;
pub use sign_core::policy::Idempotency;
pub use sign_core::{Secret, VerifyError};
pub use signer::{Signer, WatttSign};
pub use status::OrderStatus;
pub use webhook::{Notification, NotificationKind};

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
        check::<crate::webhook::Verifier>();
        fn error<T: std::error::Error + Send + Sync + 'static>() {}
        error::<crate::Error>();
    }
}

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
