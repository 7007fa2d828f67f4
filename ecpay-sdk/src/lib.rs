//! Rust SDK for ECPay (綠界科技): AIO payments plus the two ECPay merchant APIs.
//!
//! | module | what |
//! |---|---|
//! | [`aio`] | `/Cashier/AioCheckOut/V5` checkout form (typed params for every `ChoosePayment`, ECPay's field rules, signed ordered fields, auto-submitting HTML form), `QueryTradeInfo/V5`, `QueryPaymentInfo`, `CreditDetail/DoAction` |
//! | [`webhook`] | `ReturnURL`, `OrderResultURL`, `PaymentInfoURL` and `PeriodReturnURL` verification, with first/repeat delivery recorded in memory or Redis |
//! | [`demo`] | every operation of the integration demo API (`spec/ecpay-integration-demo.openapi.json`) |
//! | [`merchant`] | `POST /api/payment/ecpay/checkout` (`spec/ecpay-merchant-checkout.md`) |
//! | `testing` (feature) | an in-process ECPay simulator on wiremock |
//!
//! Signing is `sign_core::ecpay` (CheckMacValue, SHA-256, `EncryptType=1`); signatures are
//! compared in constant time there. Keys live in [`Secret`] and never print.
//!
//! Sources for the AIO rules: ECPay's developer site (全方位金流 API 技術文件: AioCheckOut V5
//! per payment method, 付款結果通知 `?p=2878`, 定期定額付款結果通知 `?p=5631`, 查詢訂單
//! `?p=2890`, 檢查碼機制 `?p=2902`) and ECPay's official PHP SDK (`ECPay/ECPayAIO_PHP`). The
//! conformance tests (`tests/conformance.rs`) reproduce ECPay's published CheckMacValue examples.
//!
//! ## The contract this crate keeps
//! - Nothing defaults to production: a client needs an [`Environment`] or a base URL, and a
//!   production client refuses ECPay's public stage merchant at [`ClientBuilder::build`].
//! - No empty MerchantID, HashKey or HashIV: the builder and [`webhook::Verifier::new`] refuse
//!   them with [`Error::Config`] naming the field.
//! - One send path: every attempt is signed afresh (a fresh `TimeStamp`), timed, its answer
//!   capped ([`ClientBuilder::max_body_bytes`]); queries are retried by the [`RetryPolicy`];
//!   `DoAction` is sent again only when the first attempt certainly never left, and when it may
//!   have reached ECPay with no readable answer (a timeout, a 5xx) the error is
//!   [`Error::OutcomeUnknown`]: query the trade before repeating it.
//! - [`Error::kind`] classifies every error ([`ErrorKind`]); a missing or malformed field is
//!   [`Error::Decode`], a bad `CheckMacValue` is [`Error::Signature`].
//! - The QueryTradeInfo / QueryPaymentInfo answers are parsed as ECPay's PHP SDK parses them
//!   (values raw: a space is a space, `+` is a plus sign, `%xx` decoded, an `&` inside a value
//!   kept) and their `CheckMacValue` must verify; an unsigned answer is an [`Error::Api`] with
//!   its `RtnCode`.
//! - Callback verification also checks that `MerchantID` is the configured merchant. ECPay
//!   re-posts a callback until it is answered [`webhook::ACK`] (`1|OK`): record deliveries with
//!   [`webhook::Verifier::verify_and_record`] and process only [`webhook::Delivery::First`].
//!
//! ## Decisions where the sources are silent
//! - `Language` is modelled as a common field; `IgnorePayment` only with `ChoosePayment=ALL`
//!   (ECPay's PHP SDK drops it for other methods); with `ALL`, ATM/CVS/BARCODE share
//!   `PaymentInfoURL`/`ClientRedirectURL`/`StoreExpireDate`, so conflicting values are refused.
//! - `OrderResultURL` equal to `ReturnURL` is refused (ECPay asks for different places).
//! - BNPL requires `TotalAmount >= 3000` (ECPay's BNPL minimum).
//!
//! ```
//! # futures::executor::block_on(async {
//! use ecpay_sdk::{Client, Credentials, Environment};
//! use ecpay_sdk::aio::{CheckoutRequest, CreditMode, CreditOptions, Payment};
//! use ecpay_sdk::webhook::{Delivery, Verifier, ACK};
//!
//! let client = Client::builder()
//!     .environment(Environment::Stage)
//!     .credentials(Credentials::stage())
//!     .build()?;
//!
//! // 1. Checkout: sign and hand the browser an auto-submitting form.
//! let mut req = CheckoutRequest::new(
//!     "ORD20260101001", "2026/01/01 10:00:00", 3000, "Order #1001",
//!     "Keyboard#Mouse", "https://shop.example.com/ecpay/return",
//! );
//! req.payment = Payment::Credit(CreditOptions { mode: CreditMode::Installments(vec![3, 6]), ..Default::default() });
//! let form = client.aio().checkout(&req)?;
//! let html: String = form.to_html();
//! assert!(html.contains("CreditInstallment"));
//!
//! // 2. ReturnURL: verify ECPay's POST, record it, store the result once, answer `1|OK`.
//! let verifier = Verifier::new(Credentials::stage())?;
//! # let body = ecpay_sdk::webhook::sign_form(&[("MerchantID","3002607"),("MerchantTradeNo","ORD20260101001"),("RtnCode","1"),("RtnMsg","交易成功"),("TradeNo","2601011000000001"),("TradeAmt","3000"),("PaymentDate","2026/01/01 10:01:00"),("PaymentType","Credit_CreditCard"),("TradeDate","2026/01/01 10:00:00"),("SimulatePaid","0")], &Credentials::stage());
//! let received = verifier.verify_and_record(body.as_bytes()).await?;
//! assert!(received.event.is_paid() && received.event.trade_amt == 3000);
//! assert_eq!(received.delivery, Delivery::First);
//! let reply = ACK; // "1|OK"
//! # let _ = reply;
//! # Ok::<(), ecpay_sdk::Error>(()) }).unwrap();
//! ```
#![deny(missing_docs)]

pub mod aio;
mod client;
pub mod demo;
mod error;
pub mod html;
pub mod merchant;
#[cfg(feature = "testing")]
pub mod testing;
pub mod webhook;

pub use client::{
    Client, ClientBuilder, Credentials, Environment, RetryPolicy, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMEOUT, PRODUCTION_AIO_URL, STAGE_AIO_URL, STAGE_HASH_IV,
    STAGE_HASH_KEY, STAGE_MERCHANT_ID,
};
pub use error::{Error, ErrorCode, ErrorKind, FieldIssue, Result, BODY_SNIPPET_CHARS};
pub use sign_core::Secret;
