//! Verifying what ECPay POSTs to the merchant: `ReturnURL` (server-to-server payment
//! result), `OrderResultURL` (the browser's copy of the result) and `PaymentInfoURL`
//! (ATM/CVS/BARCODE payment code issued).
//!
//! These are pure functions over the raw form body, so any web framework can call them.
//! Field names follow ECPay's "付款結果通知" (`?p=2878`) and "取號結果通知" pages.
//!
//! ```
//! use ecpay_sdk::aio::callback::{self, ACK};
//! use ecpay_sdk::Credentials;
//! # let body = ecpay_sdk::aio::callback::sign_form(&[("MerchantID","3002607"),("MerchantTradeNo","T1"),("RtnCode","1"),("RtnMsg","交易成功"),("TradeNo","2501010000000001"),("TradeAmt","100"),("PaymentDate","2025/01/01 12:00:00"),("PaymentType","Credit_CreditCard"),("TradeDate","2025/01/01 11:59:00"),("SimulatePaid","0")], &Credentials::stage());
//! let result = callback::verify_payment_result(body.as_bytes(), &Credentials::stage())?;
//! assert!(result.is_paid());
//! // reply to ECPay with exactly:
//! assert_eq!(ACK, "1|OK");
//! # Ok::<(), ecpay_sdk::Error>(())
//! ```

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;
use sign_core::ecpay::{self, HashAlgorithm};
use sign_core::VerifyError;

use crate::aio::checkout::PaymentMethod;
use crate::client::Credentials;
use crate::error::{Error, Result};

/// The exact body to answer ECPay's `ReturnURL` / `PaymentInfoURL` POST with.
pub const ACK: &str = "1|OK";

/// `RtnCode` of a successful payment.
pub const RTN_PAID: i64 = 1;
/// `RtnCode` of an ATM virtual account issued.
pub const RTN_ATM_ISSUED: i64 = 2;
/// `RtnCode` of a CVS code or BARCODE issued.
pub const RTN_CVS_ISSUED: i64 = 10_100_073;

/// ECPay's `PaymentType` as sent back, e.g. `Credit_CreditCard`, `ATM_TAISHIN`, `CVS_CVS`.
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

/// A verified payment result (`ReturnURL` or `OrderResultURL`).
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

/// Parses an `application/x-www-form-urlencoded` body into ordered pairs.
pub fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// Verifies the `CheckMacValue` of received pairs and that they name this merchant.
pub fn verify_pairs(
    pairs: &[(String, String)],
    credentials: &Credentials,
    context: &str,
) -> Result<()> {
    ecpay::verify(
        pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        credentials.hash_key(),
        credentials.hash_iv(),
        HashAlgorithm::Sha256,
    )
    .map_err(|e| Error::signature(context, e))?;
    match pairs.iter().find(|(k, _)| k == "MerchantID") {
        Some((_, id)) if id == credentials.merchant_id() => Ok(()),
        Some(_) => Err(Error::signature(
            context,
            VerifyError::Malformed {
                field: "MerchantID".into(),
                reason: "names another merchant".into(),
            },
        )),
        None => Err(Error::signature(
            context,
            VerifyError::MissingField("MerchantID".into()),
        )),
    }
}

/// Signs pairs into a form body (what ECPay would POST). For tests and simulators.
pub fn sign_form<K: AsRef<str>, V: AsRef<str>>(
    pairs: &[(K, V)],
    credentials: &Credentials,
) -> String {
    let mac = ecpay::check_mac_value(
        pairs.iter().map(|(k, v)| (k.as_ref(), v.as_ref())),
        credentials.hash_key(),
        credentials.hash_iv(),
        HashAlgorithm::Sha256,
    );
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if k.as_ref() != ecpay::CHECK_MAC_VALUE {
            s.append_pair(k.as_ref(), v.as_ref());
        }
    }
    s.append_pair(ecpay::CHECK_MAC_VALUE, &mac);
    s.finish()
}

pub(crate) struct Taken {
    map: BTreeMap<String, String>,
    context: &'static str,
}

impl Taken {
    pub(crate) fn new(pairs: Vec<(String, String)>, context: &'static str) -> Self {
        let mut map: BTreeMap<String, String> = pairs.into_iter().collect();
        map.remove(ecpay::CHECK_MAC_VALUE);
        Self { map, context }
    }

    pub(crate) fn opt(&mut self, k: &str) -> String {
        self.map.remove(k).unwrap_or_default()
    }

    pub(crate) fn req(&mut self, k: &str) -> Result<String> {
        self.map
            .remove(k)
            .ok_or_else(|| Error::signature(self.context, VerifyError::MissingField(k.to_owned())))
    }

    pub(crate) fn int(&mut self, k: &str) -> Result<i64> {
        let v = self.req(k)?;
        v.trim()
            .parse()
            .map_err(|_| malformed(self.context, k, "not an integer"))
    }

    pub(crate) fn amount(&mut self, k: &str) -> Result<u64> {
        let v = self.req(k)?;
        v.trim()
            .parse()
            .map_err(|_| malformed(self.context, k, "not a non-negative integer"))
    }

    pub(crate) fn opt_amount(&mut self, k: &str) -> Result<u64> {
        match self.map.remove(k) {
            None => Ok(0),
            Some(v) if v.trim().is_empty() => Ok(0),
            Some(v) => v
                .trim()
                .parse()
                .map_err(|_| malformed(self.context, k, "not a non-negative integer")),
        }
    }

    pub(crate) fn decimal(&mut self, k: &str) -> Result<Option<Decimal>> {
        match self.map.remove(k) {
            None => Ok(None),
            Some(v) if v.trim().is_empty() => Ok(None),
            Some(v) => v
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| malformed(self.context, k, "not a number")),
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
        self.map
    }
}

fn malformed(context: &str, field: &str, reason: &str) -> Error {
    Error::Decode {
        status: 200,
        reason: format!("{context}: `{field}` {reason}"),
        body_snippet: String::new(),
    }
}

/// Decodes verified pairs into a [`PaymentResult`] (no verification here).
pub(crate) fn decode_payment_result(
    pairs: Vec<(String, String)>,
    context: &'static str,
) -> Result<PaymentResult> {
    let mut t = Taken::new(pairs, context);
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
        simulate_paid: t.opt("SimulatePaid") == "1",
        custom_fields: t.custom_fields(),
        extra: t.rest(),
    })
}

/// Decodes verified pairs into a [`PaymentInfo`].
pub(crate) fn decode_payment_info(
    pairs: Vec<(String, String)>,
    context: &'static str,
) -> Result<PaymentInfo> {
    let mut t = Taken::new(pairs, context);
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

/// Verifies a `ReturnURL` POST body and returns the typed result. Answer ECPay with [`ACK`]
/// once the result is stored (even for a failed payment: the ack only confirms receipt).
pub fn verify_payment_result(body: &[u8], credentials: &Credentials) -> Result<PaymentResult> {
    let pairs = parse_form(body);
    verify_pairs(&pairs, credentials, "ReturnURL callback")?;
    decode_payment_result(pairs, "ReturnURL callback")
}

/// Verifies an `OrderResultURL` POST body (same fields as `ReturnURL`, sent via the browser:
/// show it to the customer, but fulfil on the `ReturnURL` result or a query).
pub fn verify_order_result(body: &[u8], credentials: &Credentials) -> Result<PaymentResult> {
    let pairs = parse_form(body);
    verify_pairs(&pairs, credentials, "OrderResultURL post")?;
    decode_payment_result(pairs, "OrderResultURL post")
}

/// Verifies a `PaymentInfoURL` POST body (ATM/CVS/BARCODE code issued).
pub fn verify_payment_info(body: &[u8], credentials: &Credentials) -> Result<PaymentInfo> {
    let pairs = parse_form(body);
    verify_pairs(&pairs, credentials, "PaymentInfoURL callback")?;
    decode_payment_info(pairs, "PaymentInfoURL callback")
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

    #[test]
    fn verifies_and_types() {
        let body = sign_form(&paid(), &Credentials::stage());
        let r = verify_payment_result(body.as_bytes(), &Credentials::stage()).unwrap();
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
        let e = verify_payment_result(body.as_bytes(), &Credentials::stage()).unwrap_err();
        assert!(matches!(e, Error::Signature { .. }));
    }

    #[test]
    fn tampered_refused_and_duplicate_refused() {
        let body = sign_form(&paid(), &Credentials::stage());
        let tampered = body.replace("TradeAmt=100", "TradeAmt=900");
        assert!(verify_payment_result(tampered.as_bytes(), &Credentials::stage()).is_err());
        let dup = format!("{body}&RtnCode=1");
        assert!(verify_payment_result(dup.as_bytes(), &Credentials::stage()).is_err());
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
        let info = verify_payment_info(body.as_bytes(), &Credentials::stage()).unwrap();
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
