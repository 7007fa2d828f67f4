//! Rust SDK for ECPay (綠界科技): AIO payments plus the two ECPay merchant APIs.
//!
//! | module | what |
//! |---|---|
//! | [`aio`] | `/Cashier/AioCheckOut/V5` checkout form (typed params for every `ChoosePayment`, ECPay's field rules, signed ordered fields, auto-submitting HTML form), `ReturnURL`/`OrderResultURL`/`PaymentInfoURL` verification, `QueryTradeInfo/V5`, `QueryPaymentInfo`, `CreditDetail/DoAction` |
//! | [`demo`] | every operation of the integration demo API (`spec/ecpay-integration-demo.openapi.json`) |
//! | [`merchant`] | `POST /api/payment/ecpay/checkout` (`spec/ecpay-merchant-checkout.md`) |
//! | `testing` (feature) | an in-process ECPay simulator on wiremock |
//!
//! Signing is `sign_core::ecpay` (CheckMacValue, SHA-256, `EncryptType=1`); signatures are
//! compared in constant time there. Keys live in [`Secret`] and never print.
//!
//! Sources for the AIO rules: ECPay's developer site (全方位金流 API 技術文件: AioCheckOut V5
//! per payment method, 付款結果通知, 查詢訂單 `?p=2890`, 檢查碼機制 `?p=2902`) and ECPay's
//! official PHP SDK (`ECPay/ECPayAIO_PHP`). The conformance tests (`tests/conformance.rs`)
//! reproduce ECPay's published CheckMacValue examples.
//!
//! ## Decisions where the sources are silent
//! - Nothing defaults to production: a client needs an [`Environment`] or an AIO base URL.
//! - `Language` is modelled as a common field; `IgnorePayment` only with `ChoosePayment=ALL`
//!   (ECPay's PHP SDK drops it for other methods); with `ALL`, ATM/CVS/BARCODE share
//!   `PaymentInfoURL`/`ClientRedirectURL`/`StoreExpireDate`, so conflicting values are refused.
//! - `OrderResultURL` equal to `ReturnURL` is refused (ECPay asks for different places).
//! - BNPL requires `TotalAmount >= 3000` (ECPay's BNPL minimum).
//! - The QueryTradeInfo / QueryPaymentInfo answers are parsed as ECPay's PHP SDK parses them
//!   (values raw: a space is a space, `+` is a plus sign, `%xx` decoded) and their
//!   `CheckMacValue` must verify; an unsigned answer is an [`Error::Api`] with its `RtnCode`.
//! - `DoAction` is never retried; if the request may have reached ECPay and no answer came,
//!   the error is [`Error::OutcomeUnknown`]. Queries are retried (re-signed with a fresh
//!   `TimeStamp`) with exponential backoff and jitter.
//! - Callback verification also checks that `MerchantID` is the configured merchant.
//! - A callback answered with anything but `1|OK` is retried by ECPay; answer [`aio::ACK`]
//!   once the result is stored, whatever `RtnCode` says.
//!
//! ```
//! use ecpay_sdk::{Client, Credentials, Environment};
//! use ecpay_sdk::aio::{CheckoutRequest, CreditMode, CreditOptions, Payment};
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
//! // 2. ReturnURL: verify ECPay's POST, store the result, answer `1|OK`.
//! # let body = ecpay_sdk::aio::callback::sign_form(&[("MerchantID","3002607"),("MerchantTradeNo","ORD20260101001"),("RtnCode","1"),("RtnMsg","交易成功"),("TradeNo","2601011000000001"),("TradeAmt","3000"),("PaymentDate","2026/01/01 10:01:00"),("PaymentType","Credit_CreditCard"),("TradeDate","2026/01/01 10:00:00"),("SimulatePaid","0")], &Credentials::stage());
//! let result = client.aio().verify_payment_result(body.as_bytes())?;
//! assert!(result.is_paid() && result.trade_amt == 3000);
//! let reply = ecpay_sdk::aio::ACK; // "1|OK"
//! # let _ = reply;
//! # Ok::<(), ecpay_sdk::Error>(())
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

pub use client::{
    parse_base_url, Client, ClientBuilder, Credentials, Environment, RetryPolicy,
    DEFAULT_MAX_BODY_BYTES, PRODUCTION_AIO_URL, STAGE_AIO_URL, STAGE_HASH_IV, STAGE_HASH_KEY,
    STAGE_MERCHANT_ID,
};
pub use error::{Error, ErrorCode, FieldIssue, Result, BODY_SNIPPET_CHARS};
pub use sign_core::Secret;
