//! Verifying what ECPay POSTs to the merchant, and telling a first delivery from a repeat.
//!
//! ECPay posts four kinds of callback, each an `application/x-www-form-urlencoded` body signed
//! with `CheckMacValue`:
//!
//! | URL | what | event |
//! |---|---|---|
//! | `ReturnURL` | server-to-server payment result (付款結果通知, `?p=2878`) | [`PaymentResult`] |
//! | `OrderResultURL` | the browser's copy of the result | [`PaymentResult`] |
//! | `PaymentInfoURL` | ATM account / CVS code / barcodes issued (取號結果通知, `?p=2880`) | [`PaymentInfo`] |
//! | `PeriodReturnURL` | a periodic plan's renewal (定期定額付款結果通知, `?p=5631`) | [`PeriodRenewal`] |
//!
//! ECPay re-posts `ReturnURL`, `PaymentInfoURL` and `PeriodReturnURL` until the merchant
//! answers exactly [`ACK`] (`1|OK`), so the same event can arrive several times. The
//! [`Verifier`]'s `verify_and_record` family verifies the signature, then records the event key
//! (callback kind, `MerchantTradeNo`, `TradeNo` — or `Gwsr` for a renewal — and `RtnCode`) in
//! its [`ReplayGuard`]: [`Delivery::First`] the first time, [`Delivery::Repeat`] after. A
//! repeat is answered with [`ACK`] again and not processed twice. A fleet of web servers shares
//! one Redis ([`sign_core::replay::RedisStore`]) so that what one server accepted, another
//! reports as a repeat. When the store does not answer the result is
//! [`Error::StoreUnavailable`]: answer a 5xx so that ECPay re-delivers later.
//!
//! A missing or malformed field is [`Error::Decode`]; a wrong `CheckMacValue`, or a callback
//! naming another merchant, is [`Error::Signature`].
//!
//! ```
//! # futures::executor::block_on(async {
//! use ecpay_sdk::webhook::{Verifier, ACK};
//! use ecpay_sdk::Credentials;
//! use sign_core::replay::Delivery;
//!
//! let verifier = Verifier::new(Credentials::stage())?;
//! # let body = ecpay_sdk::webhook::sign_form(&[("MerchantID","3002607"),("MerchantTradeNo","T1"),("RtnCode","1"),("RtnMsg","交易成功"),("TradeNo","2501010000000001"),("TradeAmt","100"),("PaymentDate","2025/01/01 12:00:00"),("PaymentType","Credit_CreditCard"),("TradeDate","2025/01/01 11:59:00"),("SimulatePaid","0")], &Credentials::stage());
//! let first = verifier.verify_and_record(body.as_bytes()).await?;
//! assert!(first.event.is_paid());
//! assert_eq!(first.delivery, Delivery::First);
//! // ECPay posts it again (our `1|OK` was lost): acknowledge, do not ship twice.
//! let again = verifier.verify_and_record(body.as_bytes()).await?;
//! assert_eq!(again.delivery, Delivery::Repeat);
//! assert_eq!(ACK, "1|OK");
//! # Ok::<(), ecpay_sdk::Error>(()) }).unwrap();
//! ```

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::SystemTime;

use rust_decimal::Decimal;
use serde::Serialize;
use sign_core::ecpay::{self, HashAlgorithm};
pub use sign_core::replay::{Delivery, Received, ReplayGuard};
use sign_core::replay::{GuardError, StoreError};
use sign_core::VerifyError;

use crate::aio::checkout::PaymentMethod;
use crate::client::Credentials;
use crate::error::{Error, Result};

/// The exact body to answer ECPay's `ReturnURL` / `PaymentInfoURL` / `PeriodReturnURL` POST
/// with, once the event is stored (whatever its `RtnCode`: the answer only confirms receipt).
pub const ACK: &str = "1|OK";

/// `RtnCode` of a successful payment.
pub const RTN_PAID: i64 = 1;
/// `RtnCode` of an ATM virtual account issued.
pub const RTN_ATM_ISSUED: i64 = 2;
/// `RtnCode` of a CVS code or BARCODE issued.
pub const RTN_CVS_ISSUED: i64 = 10_100_073;

/// The gateway name in event keys.
const GATEWAY: &str = "ecpay";

/// ECPay's `PaymentType` as sent back, e.g. `Credit_CreditCard`, `ATM_TAISHIN`, `CVS_CVS`.
///
/// ```
/// use ecpay_sdk::webhook::PaymentTypeCode;
/// use ecpay_sdk::aio::PaymentMethod;
/// assert_eq!(PaymentTypeCode("ATM_TAISHIN".into()).method(), Some(PaymentMethod::Atm));
/// assert_eq!(PaymentTypeCode("ATM_TAISHIN".into()).to_string(), "ATM_TAISHIN");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct PaymentTypeCode(pub String);

impl PaymentTypeCode {
    /// The payment method the code belongs to (by its prefix), if known.
    pub fn method(&self) -> Option<PaymentMethod> {
        let prefix = self.0.split('_').next().unwrap_or_default();
        PaymentMethod::parse(prefix).filter(|m| *m != PaymentMethod::All)
    }

    /// The raw value.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PaymentTypeCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A verified payment result (`ReturnURL` or `OrderResultURL`).
///
/// ```
/// # let body = ecpay_sdk::webhook::sign_form(&[("MerchantID","3002607"),("MerchantTradeNo","T1"),("RtnCode","1"),("RtnMsg","交易成功"),("TradeNo","2501010000000001"),("TradeAmt","100"),("PaymentDate","2025/01/01 12:00:00"),("PaymentType","Credit_CreditCard"),("TradeDate","2025/01/01 11:59:00"),("SimulatePaid","0")], &ecpay_sdk::Credentials::stage());
/// let v = ecpay_sdk::webhook::Verifier::new(ecpay_sdk::Credentials::stage())?;
/// let r = v.verify(body.as_bytes())?;
/// assert_eq!((r.trade_amt, r.is_paid()), (100, true));
/// # Ok::<(), ecpay_sdk::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentResult {
    /// `MerchantID`
    pub merchant_id: String,
    /// `MerchantTradeNo`
    pub merchant_trade_no: String,
    /// `StoreID`
    pub store_id: String,
    /// `RtnCode`: 1 is paid; anything else is not.
    pub rtn_code: i64,
    /// `RtnMsg`
    pub rtn_msg: String,
    /// `TradeNo`: ECPay's trade number.
    pub trade_no: String,
    /// `TradeAmt`
    pub trade_amt: u64,
    /// `PaymentDate`: `yyyy/MM/dd HH:mm:ss`.
    pub payment_date: String,
    /// `PaymentType`
    pub payment_type: PaymentTypeCode,
    /// `PaymentTypeChargeFee`
    pub payment_type_charge_fee: Option<Decimal>,
    /// `TradeDate`
    pub trade_date: String,
    /// `SimulatePaid=1`: a stage-back-office simulated payment; never ship goods for it.
    pub simulate_paid: bool,
    /// `CustomField1`..`CustomField4` as sent at checkout.
    pub custom_fields: [String; 4],
    /// Every other field (e.g. the credit card details of `NeedExtraPaidInfo=Y`).
    pub extra: BTreeMap<String, String>,
}

impl PaymentResult {
    /// Paid for real: `RtnCode == 1` and not a simulated payment.
    pub fn is_paid(&self) -> bool {
        self.rtn_code == RTN_PAID && !self.simulate_paid
    }
}

/// Payment code details of a `PaymentInfoURL` notice.
///
/// ```
/// use ecpay_sdk::webhook::PaymentCode;
/// let c = PaymentCode::Cvs { payment_no: "LLL123".into() };
/// assert_eq!(serde_json::to_value(&c).unwrap()["kind"], "cvs");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum PaymentCode {
    /// ATM virtual account: `BankCode`, `vAccount`.
    Atm {
        /// `BankCode`
        bank_code: String,
        /// `vAccount`
        v_account: String,
    },
    /// CVS payment code: `PaymentNo`.
    Cvs {
        /// `PaymentNo`
        payment_no: String,
    },
    /// BARCODE: `Barcode1`..`Barcode3`.
    Barcode {
        /// `Barcode1`
        barcode_1: String,
        /// `Barcode2`
        barcode_2: String,
        /// `Barcode3`
        barcode_3: String,
    },
    /// A payment type this crate does not know.
    Unknown,
}

/// A verified `PaymentInfoURL` notice (or `QueryPaymentInfo` answer).
///
/// ```
/// # let body = ecpay_sdk::webhook::sign_form(&[("MerchantID","3002607"),("MerchantTradeNo","T2"),("RtnCode","2"),("RtnMsg","Get VirtualAccount Succeeded"),("TradeNo","2501010000000002"),("TradeAmt","500"),("PaymentType","ATM_TAISHIN"),("TradeDate","2025/01/01 11:59:00"),("BankCode","812"),("vAccount","9103522175887271"),("ExpireDate","2025/01/04")], &ecpay_sdk::Credentials::stage());
/// let v = ecpay_sdk::webhook::Verifier::new(ecpay_sdk::Credentials::stage())?;
/// assert!(v.verify_payment_info(body.as_bytes())?.is_issued());
/// # Ok::<(), ecpay_sdk::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentInfo {
    /// `MerchantID`
    pub merchant_id: String,
    /// `MerchantTradeNo`
    pub merchant_trade_no: String,
    /// `StoreID`
    pub store_id: String,
    /// `RtnCode`: 2 (ATM) or 10100073 (CVS/BARCODE) when the code was issued.
    pub rtn_code: i64,
    /// `RtnMsg`
    pub rtn_msg: String,
    /// `TradeNo`
    pub trade_no: String,
    /// `TradeAmt`
    pub trade_amt: u64,
    /// `PaymentType`
    pub payment_type: PaymentTypeCode,
    /// `TradeDate`
    pub trade_date: String,
    /// `ExpireDate`: the deadline to pay.
    pub expire_date: String,
    /// The account number, code or barcodes.
    pub code: PaymentCode,
    /// `CustomField1`..`CustomField4`
    pub custom_fields: [String; 4],
    /// Every other field.
    pub extra: BTreeMap<String, String>,
}

impl PaymentInfo {
    /// Whether ECPay issued the payment code (`RtnCode` 2 for ATM, 10100073 for CVS/BARCODE).
    pub fn is_issued(&self) -> bool {
        match self.payment_type.method() {
            Some(PaymentMethod::Atm) => self.rtn_code == RTN_ATM_ISSUED,
            Some(PaymentMethod::Cvs | PaymentMethod::Barcode) => self.rtn_code == RTN_CVS_ISSUED,
            _ => false,
        }
    }
}

/// A verified `PeriodReturnURL` notice: one renewal (second and later authorisation) of a
/// periodic credit card plan. The first authorisation arrives at `ReturnURL` as a
/// [`PaymentResult`].
///
/// Fields per ECPay's "付款 / 定期定額付款結果通知" page (developers.ecpay.com.tw `?p=5631`;
/// English `?p=16549`): `MerchantID`, `MerchantTradeNo`, `StoreID`, `RtnCode`, `RtnMsg`,
/// `PeriodType`, `Frequency`, `ExecTimes`, `Amount`, `Gwsr`, `ProcessDate`, `AuthCode`,
/// `FirstAuthAmount`, `TotalSuccessTimes`, `SimulatePaid`, `CustomField1`..`4`,
/// `CheckMacValue`.
///
/// ```
/// # let body = ecpay_sdk::webhook::sign_form(&[("MerchantID","3002607"),("MerchantTradeNo","SUB1"),("RtnCode","1"),("RtnMsg","授權成功"),("PeriodType","M"),("Frequency","1"),("ExecTimes","12"),("Amount","299"),("Gwsr","11940001"),("ProcessDate","2026/02/01 03:00:00"),("AuthCode","777777"),("FirstAuthAmount","299"),("TotalSuccessTimes","2"),("SimulatePaid","0")], &ecpay_sdk::Credentials::stage());
/// let v = ecpay_sdk::webhook::Verifier::new(ecpay_sdk::Credentials::stage())?;
/// let r = v.verify_period_renewal(body.as_bytes())?;
/// assert_eq!((r.gwsr.as_str(), r.amount, r.total_success_times), ("11940001", 299, 2));
/// assert!(r.is_paid());
/// # Ok::<(), ecpay_sdk::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeriodRenewal {
    /// `MerchantID`
    pub merchant_id: String,
    /// `MerchantTradeNo`: the plan's order.
    pub merchant_trade_no: String,
    /// `StoreID`
    pub store_id: String,
    /// `RtnCode`: 1 is an authorisation that succeeded.
    pub rtn_code: i64,
    /// `RtnMsg`
    pub rtn_msg: String,
    /// `PeriodType`: `D`, `M` or `Y` as set at checkout.
    pub period_type: String,
    /// `Frequency` as set at checkout.
    pub frequency: u32,
    /// `ExecTimes`: how many times the plan runs, as set at checkout.
    pub exec_times: u32,
    /// `Amount`: this authorisation's amount.
    pub amount: u64,
    /// `Gwsr`: this authorisation's number (one per renewal).
    pub gwsr: String,
    /// `ProcessDate`: `yyyy/MM/dd HH:mm:ss`.
    pub process_date: String,
    /// `AuthCode`
    pub auth_code: String,
    /// `FirstAuthAmount`: the plan's first authorisation amount.
    pub first_auth_amount: u64,
    /// `TotalSuccessTimes`: authorisations that succeeded so far.
    pub total_success_times: u32,
    /// `SimulatePaid=1`: simulated; never ship for it.
    pub simulate_paid: bool,
    /// `CustomField1`..`CustomField4`
    pub custom_fields: [String; 4],
    /// Every other field.
    pub extra: BTreeMap<String, String>,
}

impl PeriodRenewal {
    /// This renewal was authorised for real: `RtnCode == 1` and not simulated.
    pub fn is_paid(&self) -> bool {
        self.rtn_code == RTN_PAID && !self.simulate_paid
    }
}

/// A callback kind the [`Verifier`] knows: how it is decoded and what its event key is.
///
/// Implemented by the four events; [`Verifier::verify_as`] and
/// [`Verifier::verify_and_record_as`] take any of them.
pub trait Callback: Sized + Serialize {
    /// The kind's name in event keys and messages: `payment`, `order`, `payment-info`, `period`.
    const KIND: &'static str;
    /// Decodes verified pairs (each name once: the signature check refused repeats).
    #[doc(hidden)]
    fn decode(pairs: FormPairs<'_>) -> Result<Self>;
    /// `MerchantTradeNo`, then `TradeNo` (or `Gwsr` for a renewal), then `RtnCode`.
    #[doc(hidden)]
    fn key_parts(&self) -> (&str, &str, i64);
}

/// Form pairs as received: borrowed from the body where nothing had to be unescaped.
pub type FormPairs<'a> = Vec<(Cow<'a, str>, Cow<'a, str>)>;

impl Callback for PaymentResult {
    const KIND: &'static str = "payment";
    fn decode(pairs: FormPairs<'_>) -> Result<Self> {
        payment_result(Taken::from_unique(pairs, "ReturnURL callback"))
    }
    fn key_parts(&self) -> (&str, &str, i64) {
        (&self.merchant_trade_no, &self.trade_no, self.rtn_code)
    }
}

/// The `OrderResultURL` post (the browser's copy of a [`PaymentResult`]): show it to the
/// customer, but fulfil on the `ReturnURL` result or a query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct OrderResult(pub PaymentResult);

impl Callback for OrderResult {
    const KIND: &'static str = "order";
    fn decode(pairs: FormPairs<'_>) -> Result<Self> {
        payment_result(Taken::from_unique(pairs, "OrderResultURL post")).map(OrderResult)
    }
    fn key_parts(&self) -> (&str, &str, i64) {
        self.0.key_parts()
    }
}

impl Callback for PaymentInfo {
    const KIND: &'static str = "payment-info";
    fn decode(pairs: FormPairs<'_>) -> Result<Self> {
        payment_info(Taken::from_unique(pairs, "PaymentInfoURL callback"))
    }
    fn key_parts(&self) -> (&str, &str, i64) {
        (&self.merchant_trade_no, &self.trade_no, self.rtn_code)
    }
}

impl Callback for PeriodRenewal {
    const KIND: &'static str = "period";
    fn decode(pairs: FormPairs<'_>) -> Result<Self> {
        period_renewal(Taken::from_unique(pairs, "PeriodReturnURL callback"))
    }
    fn key_parts(&self) -> (&str, &str, i64) {
        (&self.merchant_trade_no, &self.gwsr, self.rtn_code)
    }
}

/// Verifies ECPay's callbacks for one merchant and records their deliveries.
///
/// Cheap to clone; share one per process (or one per server of a fleet, all on one Redis).
///
/// ```
/// use ecpay_sdk::{webhook::Verifier, Credentials, Error};
/// let e = Verifier::new(Credentials::new("2000132", "", "v")).unwrap_err();
/// assert!(matches!(e, Error::Config { field: "HashKey", .. }));
/// ```
#[derive(Clone)]
pub struct Verifier {
    credentials: Credentials,
    guard: ReplayGuard,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("credentials", &self.credentials)
            .field("guard", &self.guard)
            .finish()
    }
}

impl Verifier {
    /// A verifier for the merchant's credentials, recording deliveries in memory
    /// ([`ReplayGuard::memory`]). Refuses an empty MerchantID, HashKey or HashIV with
    /// [`Error::Config`] naming it.
    pub fn new(credentials: Credentials) -> Result<Self> {
        credentials.check()?;
        Ok(Verifier {
            credentials,
            guard: ReplayGuard::memory(),
        })
    }

    sign_core::replay_setters!(
        guard,
        "ecpay_sdk::webhook::Verifier::new(ecpay_sdk::Credentials::stage()).unwrap()"
    );

    /// The merchant's credentials.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// Verifies a `ReturnURL` body (no store): answer ECPay with [`ACK`] once stored.
    pub fn verify(&self, body: &[u8]) -> Result<PaymentResult> {
        self.verify_as(body)
    }

    /// Verifies an `OrderResultURL` body (no store).
    pub fn verify_order_result(&self, body: &[u8]) -> Result<PaymentResult> {
        self.verify_as::<OrderResult>(body).map(|o| o.0)
    }

    /// Verifies a `PaymentInfoURL` body (no store).
    pub fn verify_payment_info(&self, body: &[u8]) -> Result<PaymentInfo> {
        self.verify_as(body)
    }

    /// Verifies a `PeriodReturnURL` body (no store).
    pub fn verify_period_renewal(&self, body: &[u8]) -> Result<PeriodRenewal> {
        self.verify_as(body)
    }

    /// Verifies a body of kind `E` (no store): the signature, that it names this merchant,
    /// then every field `E` needs.
    pub fn verify_as<E: Callback>(&self, body: &[u8]) -> Result<E> {
        let pairs = form_pairs(body);
        verify_pairs(&pairs, &self.credentials)?;
        E::decode(pairs)
    }

    /// Verifies a `ReturnURL` body and records its delivery.
    pub async fn verify_and_record(&self, body: &[u8]) -> Result<Received<PaymentResult>> {
        self.verify_and_record_as(body, SystemTime::now()).await
    }

    /// [`Verifier::verify_and_record`] at a given "now" (the record's expiry counts from it).
    pub async fn verify_and_record_at(
        &self,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Received<PaymentResult>> {
        self.verify_and_record_as(body, now).await
    }

    /// Verifies an `OrderResultURL` body and records its delivery.
    pub async fn verify_order_result_and_record(
        &self,
        body: &[u8],
    ) -> Result<Received<OrderResult>> {
        self.verify_and_record_as(body, SystemTime::now()).await
    }

    /// Verifies a `PaymentInfoURL` body and records its delivery.
    pub async fn verify_payment_info_and_record(
        &self,
        body: &[u8],
    ) -> Result<Received<PaymentInfo>> {
        self.verify_and_record_as(body, SystemTime::now()).await
    }

    /// Verifies a `PeriodReturnURL` body and records its delivery (keyed by `Gwsr`).
    pub async fn verify_period_renewal_and_record(
        &self,
        body: &[u8],
    ) -> Result<Received<PeriodRenewal>> {
        self.verify_and_record_as(body, SystemTime::now()).await
    }

    /// Verifies a body of kind `E` and records its event key until `now` plus the guard's
    /// event retention: [`Delivery::First`] or [`Delivery::Repeat`];
    /// [`Error::StoreUnavailable`] when the store does not answer.
    pub async fn verify_and_record_as<E: Callback>(
        &self,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Received<E>> {
        let event: E = self.verify_as(body)?;
        let key = event_key(&event);
        let delivery =
            self.guard
                .record_delivery(&key, now)
                .await
                .map_err(|e| Error::StoreUnavailable {
                    reason: match e {
                        GuardError::Unavailable(StoreError::Unavailable(why)) => why,
                        other => other.to_string(),
                    },
                })?;
        Ok(Received::new(event, delivery, key))
    }
}

/// The event key of a verified callback: `ecpay:event:` kind, `MerchantTradeNo`, `TradeNo`
/// (or `Gwsr`), `RtnCode`.
///
/// ```
/// # let body = ecpay_sdk::webhook::sign_form(&[("MerchantID","3002607"),("MerchantTradeNo","T1"),("RtnCode","1"),("TradeNo","2501010000000001"),("TradeAmt","100"),("PaymentType","Credit_CreditCard")], &ecpay_sdk::Credentials::stage());
/// let r = ecpay_sdk::webhook::Verifier::new(ecpay_sdk::Credentials::stage())?.verify(body.as_bytes())?;
/// assert_eq!(ecpay_sdk::webhook::event_key(&r), "ecpay:event:payment:T1:2501010000000001:1");
/// # Ok::<(), ecpay_sdk::Error>(())
/// ```
pub fn event_key<E: Callback>(event: &E) -> String {
    use std::io::Write as _;
    let (no, trade, rtn) = event.key_parts();
    // `RtnCode` as `i64::to_string` writes it, on the stack (20 bytes hold `i64::MIN`).
    let mut digits = [0u8; 20];
    let mut rest = &mut digits[..];
    let len = match write!(rest, "{rtn}") {
        Ok(()) => 20 - rest.len(),
        Err(_) => 0,
    };
    let rtn = std::str::from_utf8(&digits[..len]).unwrap_or_default();
    ReplayGuard::event_key(GATEWAY, &[E::KIND, no, trade, rtn])
}

/// Parses an `application/x-www-form-urlencoded` body into ordered pairs.
///
/// ```
/// assert_eq!(ecpay_sdk::webhook::parse_form(b"A=1&B=%E7%B6%A0"), vec![("A".into(), "1".into()), ("B".into(), "綠".into())]);
/// ```
pub fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// [`parse_form`] without the copies: a name or value is owned only where it had escapes.
fn form_pairs(body: &[u8]) -> FormPairs<'_> {
    let mut pairs = Vec::with_capacity(1 + body.iter().filter(|&&b| b == b'&').count());
    pairs.extend(url::form_urlencoded::parse(body));
    pairs
}

/// Verifies the `CheckMacValue` of received pairs and that they name this merchant.
pub(crate) fn verify_pairs<K: AsRef<str>, V: AsRef<str>>(
    pairs: &[(K, V)],
    credentials: &Credentials,
) -> Result<()> {
    ecpay::verify(
        pairs.iter().map(|(k, v)| (k.as_ref(), v.as_ref())),
        credentials.hash_key(),
        credentials.hash_iv(),
        HashAlgorithm::Sha256,
    )
    .map_err(Error::Signature)?;
    match pairs.iter().find(|(k, _)| k.as_ref() == "MerchantID") {
        Some((_, id)) if id.as_ref() == credentials.merchant_id() => Ok(()),
        Some(_) => Err(Error::Signature(VerifyError::Malformed {
            field: "MerchantID".into(),
            reason: "names another merchant".into(),
        })),
        None => Err(Error::decode("`MerchantID` is missing", "")),
    }
}

/// Signs pairs into a form body (what ECPay would POST). For tests and simulators.
///
/// ```
/// let body = ecpay_sdk::webhook::sign_form(&[("MerchantID", "3002607")], &ecpay_sdk::Credentials::stage());
/// assert!(body.starts_with("MerchantID=3002607&CheckMacValue="));
/// ```
pub fn sign_form<K: AsRef<str>, V: AsRef<str>>(
    pairs: &[(K, V)],
    credentials: &Credentials,
) -> String {
    let mac = credentials.mac(pairs);
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if k.as_ref() != ecpay::CHECK_MAC_VALUE {
            s.append_pair(k.as_ref(), v.as_ref());
        }
    }
    s.append_pair(ecpay::CHECK_MAC_VALUE, &mac);
    s.finish()
}

/// Takes fields out of verified pairs; every missing or malformed field is `Error::Decode`.
/// A handful of pairs: a linear search beats building a map, and a field stays borrowed from
/// the body until the event keeps it.
pub(crate) struct Taken<'a> {
    pairs: FormPairs<'a>,
    context: &'static str,
}

impl Taken<'static> {
    /// Owned pairs, as parsed answers arrive; a name given twice keeps its last value.
    pub(crate) fn new(pairs: Vec<(String, String)>, context: &'static str) -> Self {
        let mut unique: FormPairs<'static> = Vec::with_capacity(pairs.len());
        for (k, v) in pairs {
            match unique.iter_mut().find(|(name, _)| *name == k) {
                Some(slot) => slot.1 = Cow::Owned(v),
                None => unique.push((Cow::Owned(k), Cow::Owned(v))),
            }
        }
        Taken::from_unique(unique, context)
    }
}

impl<'a> Taken<'a> {
    /// Pairs whose names are unique (a verified callback: the signature check refuses repeats).
    pub(crate) fn from_unique(mut pairs: FormPairs<'a>, context: &'static str) -> Self {
        pairs.retain(|(k, _)| k != ecpay::CHECK_MAC_VALUE);
        Self { pairs, context }
    }

    fn bad(&self, field: &str, reason: &str) -> Error {
        Error::decode(format!("{}: `{field}` {reason}", self.context), "")
    }

    fn take(&mut self, k: &str) -> Option<Cow<'a, str>> {
        let at = self.pairs.iter().position(|(name, _)| name == k)?;
        Some(self.pairs.swap_remove(at).1)
    }

    pub(crate) fn opt(&mut self, k: &str) -> String {
        self.take(k).map(Cow::into_owned).unwrap_or_default()
    }

    /// Whether `k` is present with the value `1` (`SimulatePaid`).
    fn flag(&mut self, k: &str) -> bool {
        self.take(k).is_some_and(|v| v == "1")
    }

    fn required(&mut self, k: &str) -> Result<Cow<'a, str>> {
        match self.take(k) {
            Some(v) if !v.is_empty() => Ok(v),
            Some(_) => Err(self.bad(k, "is empty")),
            None => Err(self.bad(k, "is missing")),
        }
    }

    pub(crate) fn req(&mut self, k: &str) -> Result<String> {
        self.required(k).map(Cow::into_owned)
    }

    fn number<T: std::str::FromStr>(&mut self, k: &str, what: &str) -> Result<T> {
        let v = self.required(k)?;
        v.trim().parse().map_err(|_| self.bad(k, what))
    }

    pub(crate) fn int(&mut self, k: &str) -> Result<i64> {
        self.number(k, "is not an integer")
    }

    pub(crate) fn amount(&mut self, k: &str) -> Result<u64> {
        self.number(k, "is not a non-negative integer")
    }

    pub(crate) fn count(&mut self, k: &str) -> Result<u32> {
        self.number(k, "is not a non-negative integer")
    }

    pub(crate) fn opt_amount(&mut self, k: &str) -> Result<u64> {
        match self.take(k) {
            None => Ok(0),
            Some(v) if v.trim().is_empty() => Ok(0),
            Some(v) => v
                .trim()
                .parse()
                .map_err(|_| self.bad(k, "is not a non-negative integer")),
        }
    }

    pub(crate) fn decimal(&mut self, k: &str) -> Result<Option<Decimal>> {
        match self.take(k) {
            None => Ok(None),
            Some(v) if v.trim().is_empty() => Ok(None),
            Some(v) => v
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| self.bad(k, "is not a number")),
        }
    }

    pub(crate) fn custom_fields(&mut self) -> [String; 4] {
        [
            self.opt("CustomField1"),
            self.opt("CustomField2"),
            self.opt("CustomField3"),
            self.opt("CustomField4"),
        ]
    }

    pub(crate) fn rest(self) -> BTreeMap<String, String> {
        self.pairs
            .into_iter()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }
}

/// Decodes verified pairs into a [`PaymentResult`] (no verification here).
fn payment_result(mut t: Taken<'_>) -> Result<PaymentResult> {
    Ok(PaymentResult {
        merchant_id: t.req("MerchantID")?,
        merchant_trade_no: t.req("MerchantTradeNo")?,
        store_id: t.opt("StoreID"),
        rtn_code: t.int("RtnCode")?,
        rtn_msg: t.opt("RtnMsg"),
        trade_no: t.req("TradeNo")?,
        trade_amt: t.amount("TradeAmt")?,
        payment_date: t.opt("PaymentDate"),
        payment_type: PaymentTypeCode(t.req("PaymentType")?),
        payment_type_charge_fee: t.decimal("PaymentTypeChargeFee")?,
        trade_date: t.opt("TradeDate"),
        simulate_paid: t.flag("SimulatePaid"),
        custom_fields: t.custom_fields(),
        extra: t.rest(),
    })
}

/// Decodes verified pairs into a [`PaymentInfo`].
pub(crate) fn decode_payment_info(
    pairs: Vec<(String, String)>,
    context: &'static str,
) -> Result<PaymentInfo> {
    payment_info(Taken::new(pairs, context))
}

fn payment_info(mut t: Taken<'_>) -> Result<PaymentInfo> {
    let payment_type = PaymentTypeCode(t.req("PaymentType")?);
    let code = match payment_type.method() {
        Some(PaymentMethod::Atm) => PaymentCode::Atm {
            bank_code: t.opt("BankCode"),
            v_account: t.opt("vAccount"),
        },
        Some(PaymentMethod::Cvs) => PaymentCode::Cvs {
            payment_no: t.opt("PaymentNo"),
        },
        Some(PaymentMethod::Barcode) => PaymentCode::Barcode {
            barcode_1: t.opt("Barcode1"),
            barcode_2: t.opt("Barcode2"),
            barcode_3: t.opt("Barcode3"),
        },
        _ => PaymentCode::Unknown,
    };
    Ok(PaymentInfo {
        merchant_id: t.req("MerchantID")?,
        merchant_trade_no: t.req("MerchantTradeNo")?,
        store_id: t.opt("StoreID"),
        rtn_code: t.int("RtnCode")?,
        rtn_msg: t.opt("RtnMsg"),
        trade_no: t.opt("TradeNo"),
        trade_amt: t.amount("TradeAmt")?,
        payment_type,
        trade_date: t.opt("TradeDate"),
        expire_date: t.opt("ExpireDate"),
        code,
        custom_fields: t.custom_fields(),
        extra: t.rest(),
    })
}

/// Decodes verified pairs into a [`PeriodRenewal`] (fields of ECPay `?p=5631`).
fn period_renewal(mut t: Taken<'_>) -> Result<PeriodRenewal> {
    Ok(PeriodRenewal {
        merchant_id: t.req("MerchantID")?,
        merchant_trade_no: t.req("MerchantTradeNo")?,
        store_id: t.opt("StoreID"),
        rtn_code: t.int("RtnCode")?,
        rtn_msg: t.opt("RtnMsg"),
        period_type: t.opt("PeriodType"),
        frequency: t.count("Frequency")?,
        exec_times: t.count("ExecTimes")?,
        amount: t.amount("Amount")?,
        gwsr: t.req("Gwsr")?,
        process_date: t.opt("ProcessDate"),
        auth_code: t.opt("AuthCode"),
        first_auth_amount: t.amount("FirstAuthAmount")?,
        total_success_times: t.count("TotalSuccessTimes")?,
        simulate_paid: t.flag("SimulatePaid"),
        custom_fields: t.custom_fields(),
        extra: t.rest(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paid() -> Vec<(&'static str, &'static str)> {
        vec![
            ("MerchantID", "3002607"),
            ("MerchantTradeNo", "T1"),
            ("RtnCode", "1"),
            ("RtnMsg", "交易成功"),
            ("TradeNo", "2501010000000001"),
            ("TradeAmt", "100"),
            ("PaymentDate", "2025/01/01 12:00:00"),
            ("PaymentType", "Credit_CreditCard"),
            ("PaymentTypeChargeFee", "3"),
            ("TradeDate", "2025/01/01 11:59:00"),
            ("SimulatePaid", "0"),
            ("CustomField1", "c1"),
            ("card4no", "2222"),
        ]
    }

    fn verifier() -> Verifier {
        Verifier::new(Credentials::stage()).unwrap()
    }

    #[test]
    fn verifies_and_types() {
        let body = sign_form(&paid(), &Credentials::stage());
        let r = verifier().verify(body.as_bytes()).unwrap();
        assert!(r.is_paid());
        assert_eq!(r.trade_amt, 100);
        assert_eq!(r.payment_type.method(), Some(PaymentMethod::Credit));
        assert_eq!(r.custom_fields[0], "c1");
        assert_eq!(r.extra.get("card4no").map(String::as_str), Some("2222"));
        assert_eq!(r.payment_type_charge_fee, Some(Decimal::from(3)));
    }

    #[test]
    fn other_merchant_refused() {
        let mut p = paid();
        p[0].1 = "2000132";
        let body = sign_form(&p, &Credentials::stage());
        let e = verifier().verify(body.as_bytes()).unwrap_err();
        assert!(matches!(e, Error::Signature(_)), "{e}");
    }

    #[test]
    fn tampered_refused_and_duplicate_refused() {
        let body = sign_form(&paid(), &Credentials::stage());
        let tampered = body.replace("TradeAmt=100", "TradeAmt=900");
        assert!(matches!(
            verifier().verify(tampered.as_bytes()),
            Err(Error::Signature(VerifyError::Mismatch))
        ));
        let dup = format!("{body}&RtnCode=1");
        assert!(matches!(
            verifier().verify(dup.as_bytes()),
            Err(Error::Signature(_))
        ));
    }

    #[test]
    fn payment_info_atm() {
        let p = [
            ("MerchantID", "3002607"),
            ("MerchantTradeNo", "T2"),
            ("RtnCode", "2"),
            ("RtnMsg", "Get VirtualAccount Succeeded"),
            ("TradeNo", "2501010000000002"),
            ("TradeAmt", "500"),
            ("PaymentType", "ATM_TAISHIN"),
            ("TradeDate", "2025/01/01 11:59:00"),
            ("BankCode", "812"),
            ("vAccount", "9103522175887271"),
            ("ExpireDate", "2025/01/04"),
        ];
        let body = sign_form(&p, &Credentials::stage());
        let info = verifier().verify_payment_info(body.as_bytes()).unwrap();
        assert!(info.is_issued());
        assert_eq!(
            info.code,
            PaymentCode::Atm {
                bank_code: "812".into(),
                v_account: "9103522175887271".into()
            }
        );
    }
}
