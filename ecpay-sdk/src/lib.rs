//! Rust SDK for ECPay (綠界科技): AIO payments plus the two ECPay merchant APIs.
//!
//! | module | what |
//! |---|---|
//! | [`aio`] | `/Cashier/AioCheckOut/V5` checkout form (typed params for every `ChoosePayment`, ECPay's field rules, signed ordered fields, auto-submitting HTML form), `QueryTradeInfo/V5`, `QueryPaymentInfo`, `CreditDetail/DoAction` and the other operations of the table below |
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
//! ## Every operation of ECPay's official AIO SDKs
//! The official Node SDK (`ecpay_aio_nodejs`, `ECpayPayment.xml`) and PHP SDK (`ECPayAIO_PHP`,
//! `ECPay.Payment.Integration.php`) operation by operation, with the ECPay page each follows
//! (developers.ecpay.com.tw `?p=`), this crate's method, the `ecpay` CLI subcommand and the
//! test that pins it (`tests/ops_table.rs` checks that every official operation has a row and
//! every row's test exists). Stage hosts are `payment-stage` / `vendor-stage.ecpay.com.tw`,
//! production `payment` / `vendor.ecpay.com.tw`; calls marked *once* are never repeated after a
//! request that may have reached ECPay ([`Error::OutcomeUnknown`]).
//!
//! | official SDK operation | ECPay page | this crate | CLI | test |
//! |---|---|---|---|---|
//! | `AioCheckOut` (PHP `CheckOut`, `CheckOutString`) | `?p=2864` | [`aio::Aio::checkout`] | `checkout` | `tests/conformance.rs::p2902_typed_checkout_produces_the_published_check_mac_value` |
//! | e-invoice extension (`InvoiceMark=Y`) | `?p=2864`, e-invoice doc V2.2.15 | [`aio::CheckoutRequest::invoice`] | — (library) | `tests/invoice_published.rs::checkout_posts_the_published_encodings_and_signs_them` |
//! | `CheckOutFeedback` (ReturnURL / OrderResultURL) | `?p=2878` | [`webhook::Verifier::verify_and_record`] | `verify-callback` | `tests/simulator.rs::redelivery_is_the_same_signed_callback_and_reads_as_repeat` |
//! | PeriodReturnURL notice | `?p=5631` | [`webhook::Verifier::verify_period_renewal`] | `verify-callback --kind period` | `tests/ops_simulator.rs::monthly_subscription_lifecycle` |
//! | `QueryTradeInfo` (with `PlatformID`) | `?p=2890` | [`aio::Aio::query_trade_info`] | `query-trade` | `tests/aio_contract.rs::query_trade_info_sends_signed_form_and_verifies_answer` |
//! | `QueryPaymentInfo` (with `PlatformID`) | `?p=5615` | [`aio::Aio::query_payment_info`] | `query-payment-info` | `tests/aio_contract.rs::query_payment_info_atm` |
//! | `QueryCreditCardPeriodInfo` (PHP `QueryPeriodCreditCardTradeInfo`) | `?p=2892` | [`aio::Aio::query_period_info`] | `period-info` | `tests/ops_contract.rs::period_info_is_signed_decoded_and_retried_re_signed` |
//! | `CreditCardPeriodAction` (`ReAuth`, `Cancel`) *once* | `?p=2900` | [`aio::Aio::period_action`] | `period-action` | `tests/ops_contract.rs::period_action_table` |
//! | `DoAction` (C/R/E/N) *once* | `?p=16567` | [`aio::Aio::do_action`] | `do-action` | `tests/aio_contract.rs::do_action_5xx_is_outcome_unknown_and_not_retried` |
//! | `QueryTradeV2` (PHP `QueryTrade`) | `?p=2894` | [`aio::Aio::query_credit_trade`] | `credit-trade` | `tests/ops_contract.rs::credit_trade_is_signed_and_decoded` |
//! | `Capture` (PHP `AioCapture`) *once* | Node `ECpayPayment.xml` | [`aio::Aio::capture`] | `capture` | `tests/ops_contract.rs::capture_is_signed_and_never_repeated` |
//! | `TradeNoAio` (vendor host, CSV) | `?p=16599` | [`aio::Aio::trade_file`] | `trade-file` | `tests/ops_contract.rs::trade_file_is_signed_and_decoded` |
//! | `FundingReconDetail` (CSV) | `?p=2898` | [`aio::Aio::funding_file`] | `funding-file` | `tests/ops_contract.rs::funding_file_big5_is_signed_and_decoded` |
//! | `CreateServerOrder` (Apple Pay) *once* | Node `ECpayPayment.xml` | [`aio::Aio::create_server_order`] | `server-order` | `tests/ops_contract.rs::server_order_signs_all_but_the_encrypted_token` |
//! | PHP `CreateTrade` (站內付 `SP/CreateTrade`) *once* | PHP `ECPay_CreateTrade` | [`aio::Aio::create_trade`] | `create-trade` | `tests/ops_contract.rs::create_trade_posts_the_checkout_fields_signed` |
//!
//! ### `ChoosePayment`: what was checked (December 2026)
//! [`aio::PaymentMethod`] has every value ECPay documents in what could be read: `Credit`,
//! `WebATM`, `ATM`, `CVS`, `BARCODE`, `ALL` (AIO pages `?p=2864`, `?p=2862`, `?p=41284`,
//! `?p=11031`, `?p=2856`, `?p=2874`); `ApplePay`, `TWQR`, `BNPL` (the AIO overview `?p=16427`
//! lists "Credit Cards, Apple Pay, TWQR, WebATM, ATM, CVS, BARCODE, BNPL"; TWQR's page
//! `?p=37503`; the Node SDK's `ECpayPayment.xml` has `ApplePay`; ECPay's current PHP SDK
//! `ECPay/SDK_PHP` has `CreateTwqrOrder.php` and `CreateBnplOrder.php`); and `WeiXin` (WeChat
//! Pay), which no ECPay developer page read here shows (the stored `?p=2864` text ends before
//! its `ChoosePayment` list, and `?p=16427` does not name it) but ECPay's `SDK_PHP` sends in
//! `example/Payment/Aio/CreateWeiXinOrder.php` (added 2025-08-01, "增加微信支付"), with only
//! the common fields. `DigitalPayment` is on no ECPay page read here and in no official SDK
//! (Node `ECpayPayment.xml`; PHP `ECPayAIO_PHP` `ECPay_PaymentMethod`, which has `ALL`,
//! `Credit`, `WebATM`, `ATM`, `CVS`, `BARCODE`, `GooglePay`; `SDK_PHP`'s `example/Payment/Aio`),
//! so it is not modelled: [`aio::PaymentMethod::parse`] refuses it and `extra` cannot carry a
//! `ChoosePayment`. Third-party notes cite an ECPay page for it (`?p=5679`, with
//! `ChooseSubPayment` `Jkopay`/`iPASS`) that could not be read here; a new value is a new
//! [`aio::PaymentMethod`] variant. Tests: `tests/choose_payment.rs`.
//!
//! ### `PlatformID`
//! Sent, and covered by CheckMacValue, by every operation whose ECPay page or official SDK
//! takes it: checkout and PHP `CreateTrade` ([`aio::CheckoutRequest::platform_id`]),
//! `QueryTradeInfo` (`?p=2890`) and `QueryPaymentInfo` (`?p=5615`) through
//! [`aio::TradeQuery`] (sent empty for an ordinary merchant, as both pages ask),
//! `QueryCreditCardPeriodInfo`, `CreditCardPeriodAction` and `Capture` (sent empty likewise),
//! `DoAction` (left out when unset, as PHP's `ECPay_DoAction` sends it), `CreateServerOrder`
//! (required by the Node SDK, may be empty). `QueryTrade/V2`, `TradeNoAio` and `FundingReconDetail` take none (their pages list
//! none; the Node SDK deletes it before sending them) and send none. A value must be 7 to 10
//! digits (the Node SDK's `^(\d{7,10}|)$`), checked before sending. Tests:
//! `tests/platform_id.rs`, one table row per operation.
//!
//! ### E-invoice encoding
//! The marked invoice fields are encoded as ECPay's own published examples show them
//! (「綠界科技電子發票介接技術文件」 V2.2.15, which ECPay ships in `ECPay/ECPayAIO_PHP`
//! `EInvoiceSDK/`): .NET `UrlEncode`, letters keeping their case. The official SDKs lowercase
//! the letters too; the CheckMacValue is the same either way (see [`aio::invoice`]).
//! `tests/invoice_published.rs` pins ECPay's example values and says where each is printed.
//! The FundingReconDetail columns are the ones ECPay's `?p=16604` lists (序號, 授權單號, 授權碼,
//! 訂單編號, 交易日期, 請款日期, 交易金額, 服務費(%數), 撥款金額; `tests/recon.rs`); the
//! TradeNoAio page `?p=16599` could be read only up to its request fields, so its column names
//! still come from the official SDKs and the back office's file, not from a published list.

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

/// The README's examples, compiled and run as doc tests.
#[cfg(all(doctest, feature = "testing"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
