//! Typed answers of `QueryTradeInfo/V5`, `QueryPaymentInfo` and `CreditDetail/DoAction`.
//!
//! Field names follow ECPay's "查詢訂單" (`?p=2890`), "查詢取號結果" and "信用卡請退款功能"
//! pages, and ECPay's PHP SDK (`ECPay_QueryTradeInfo`, `ECPay_DoAction`).

use std::borrow::Cow;
use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::aio::wire;
use crate::client::Credentials;
use crate::error::{Error, Result};
use crate::webhook::{FormPairs, PaymentInfo, PaymentTypeCode, Taken};

/// Path of QueryTradeInfo V5.
pub const QUERY_TRADE_INFO_PATH: &str = "/Cashier/QueryTradeInfo/V5";
/// Path of QueryPaymentInfo.
pub const QUERY_PAYMENT_INFO_PATH: &str = "/Cashier/QueryPaymentInfo";
/// Path of the credit card DoAction.
pub const DO_ACTION_PATH: &str = "/CreditDetail/DoAction";

/// Field names of a QueryTradeInfo V5 answer (ECPay `?p=2890`, with the credit card details
/// ECPay adds), used to read a value that holds `&name=` (see [`crate::aio::parse_raw_pairs`]).
pub(crate) const TRADE_INFO_FIELDS: &[&str] = &[
    "MerchantID",
    "MerchantTradeNo",
    "StoreID",
    "TradeNo",
    "TradeAmt",
    "PaymentDate",
    "PaymentType",
    "HandlingCharge",
    "PaymentTypeChargeFee",
    "TradeDate",
    "TradeStatus",
    "ItemName",
    "CustomField1",
    "CustomField2",
    "CustomField3",
    "CustomField4",
    "CheckMacValue",
    "gwsr",
    "process_date",
    "auth_code",
    "amount",
    "stage",
    "stast",
    "staed",
    "eci",
    "card4no",
    "card6no",
    "red_dan",
    "red_de_amt",
    "red_ok_amt",
    "red_yet",
    "PeriodType",
    "Frequency",
    "ExecTimes",
    "PeriodAmount",
    "TotalSuccessTimes",
    "TotalSuccessAmount",
    "ATMAccBank",
    "ATMAccNo",
    "WebATMAccBank",
    "WebATMAccNo",
    "WebATMBankName",
    "PaymentNo",
    "PayFrom",
    "ExecStatus",
    "RtnCode",
    "RtnMsg",
];

/// Field names of a QueryPaymentInfo answer (ECPay 查詢取號結果).
pub(crate) const PAYMENT_INFO_FIELDS: &[&str] = &[
    "MerchantID",
    "MerchantTradeNo",
    "StoreID",
    "RtnCode",
    "RtnMsg",
    "TradeNo",
    "TradeAmt",
    "PaymentType",
    "TradeDate",
    "ExpireDate",
    "BankCode",
    "vAccount",
    "PaymentNo",
    "Barcode1",
    "Barcode2",
    "Barcode3",
    "CustomField1",
    "CustomField2",
    "CustomField3",
    "CustomField4",
    "CheckMacValue",
];

/// Parameters of `QueryTradeInfo/V5` (`?p=2890`) and `QueryPaymentInfo` (`?p=5615`): both
/// pages take `MerchantID`, `MerchantTradeNo`, `TimeStamp` and `PlatformID`, signed in
/// `CheckMacValue`.
///
/// `PlatformID` is sent on every call, empty for an ordinary merchant: both pages ask
/// ordinary merchants to send it empty (一般特店或平台商本身介接,則參數請帶放空值), and the
/// official Node SDK's `query_trade_info` does the same. A platform's sub-merchant sets it to
/// the platform's MerchantID (7 to 10 digits, the Node SDK's pattern `^(\d{7,10}|)$`).
///
/// ```
/// use ecpay_sdk::aio::TradeQuery;
/// let q = TradeQuery::new("T20260101001").platform("3002599");
/// assert!(q.validate().is_ok());
/// assert!(TradeQuery::new("T1").platform("x").validate().is_err());
/// assert!(TradeQuery::from("T-1").validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct TradeQuery {
    /// `MerchantTradeNo` of the checkout.
    pub merchant_trade_no: String,
    /// `PlatformID`: only for a platform's sub-merchant (the platform's MerchantID).
    pub platform_id: Option<String>,
}

impl TradeQuery {
    /// The query of one trade, for an ordinary merchant.
    pub fn new(merchant_trade_no: impl Into<String>) -> Self {
        Self {
            merchant_trade_no: merchant_trade_no.into(),
            platform_id: None,
        }
    }

    /// The same query sent by a platform's sub-merchant (`PlatformID`).
    pub fn platform(mut self, platform_id: impl Into<String>) -> Self {
        self.platform_id = Some(platform_id.into());
        self
    }

    /// Checks ECPay's rules without sending.
    pub fn validate(&self) -> Result<()> {
        self.checked_platform_id().map(|_| ())
    }

    /// `PlatformID` as sent, once every rule is checked.
    fn checked_platform_id(&self) -> Result<&str> {
        wire::check_trade_no(&self.merchant_trade_no)?;
        wire::check_platform_id(self.platform_id.as_deref())
    }

    /// The unsigned fields of one attempt (a fresh `TimeStamp` each call), borrowed from the
    /// query: only the `TimeStamp` is built.
    ///
    /// ```
    /// let q = ecpay_sdk::aio::TradeQuery::new("T1");
    /// let f = q.fields("3002607")?;
    /// assert_eq!(f[0], ("MerchantID", "3002607".into()));
    /// assert_eq!(f[3], ("PlatformID", "".into()));
    /// # Ok::<(), ecpay_sdk::Error>(())
    /// ```
    pub fn fields<'a>(&'a self, merchant_id: &'a str) -> Result<Vec<(&'static str, Cow<'a, str>)>> {
        let platform = self.checked_platform_id()?;
        Ok(vec![
            ("MerchantID", merchant_id.into()),
            ("MerchantTradeNo", self.merchant_trade_no.as_str().into()),
            ("TimeStamp", wire::timestamp().into()),
            ("PlatformID", platform.into()),
        ])
    }
}

impl From<&str> for TradeQuery {
    fn from(no: &str) -> Self {
        Self::new(no)
    }
}

impl From<&String> for TradeQuery {
    fn from(no: &String) -> Self {
        Self::new(no.as_str())
    }
}

impl From<String> for TradeQuery {
    fn from(no: String) -> Self {
        Self::new(no)
    }
}

/// `TradeStatus` of a queried trade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
#[non_exhaustive]
pub enum TradeStatus {
    /// `0`: not paid (yet).
    Unpaid,
    /// `1`: paid.
    Paid,
    /// `10200095`: payment failed.
    Failed,
    /// Any other value (e.g. an error code), kept.
    Other(String),
}

impl From<&str> for TradeStatus {
    fn from(s: &str) -> Self {
        match s {
            "0" => Self::Unpaid,
            "1" => Self::Paid,
            "10200095" => Self::Failed,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl std::fmt::Display for TradeStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unpaid => f.write_str("unpaid"),
            Self::Paid => f.write_str("paid"),
            Self::Failed => f.write_str("failed"),
            Self::Other(o) => write!(f, "status {o}"),
        }
    }
}

impl From<TradeStatus> for String {
    fn from(s: TradeStatus) -> String {
        match s {
            TradeStatus::Unpaid => "0".into(),
            TradeStatus::Paid => "1".into(),
            TradeStatus::Failed => "10200095".into(),
            TradeStatus::Other(o) => o,
        }
    }
}

/// A verified QueryTradeInfo V5 answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TradeInfo {
    /// `MerchantID`
    pub merchant_id: String,
    /// `MerchantTradeNo`
    pub merchant_trade_no: String,
    /// `StoreID`
    pub store_id: String,
    /// `TradeNo`
    pub trade_no: String,
    /// `TradeAmt`
    pub trade_amt: u64,
    /// `PaymentDate` (empty when unpaid)
    pub payment_date: String,
    /// `PaymentType`
    pub payment_type: PaymentTypeCode,
    /// `HandlingCharge`
    pub handling_charge: Option<Decimal>,
    /// `PaymentTypeChargeFee`
    pub payment_type_charge_fee: Option<Decimal>,
    /// `TradeDate`
    pub trade_date: String,
    /// `TradeStatus`
    pub trade_status: TradeStatus,
    /// `ItemName`
    pub item_name: String,
    /// `CustomField1`..`CustomField4`
    pub custom_fields: [String; 4],
    /// Every other field (credit card details such as `gwsr`, `auth_code`, `card4no`).
    pub extra: BTreeMap<String, String>,
}

impl TradeInfo {
    /// Reads a raw QueryTradeInfo V5 answer body as ECPay sends it (see
    /// [`crate::aio::parse_raw_pairs`]): its CheckMacValue must verify and name this merchant.
    ///
    /// ```
    /// use ecpay_sdk::{aio::TradeInfo, Credentials};
    /// let e = TradeInfo::verify_raw("RtnCode=10200047&RtnMsg=Cant not find the trade data.", &Credentials::stage()).unwrap_err();
    /// assert!(matches!(e, ecpay_sdk::Error::Api { .. }));
    /// ```
    pub fn verify_raw(body: &str, credentials: &Credentials) -> Result<Self> {
        Self::decode(crate::aio::read_signed_raw(
            200,
            body,
            credentials,
            TRADE_INFO_FIELDS,
        )?)
    }

    /// Verified pairs (each name once) into the answer.
    pub(crate) fn decode(pairs: FormPairs<'_>) -> Result<Self> {
        let mut t = Taken::from_unique(pairs, "QueryTradeInfo answer");
        Ok(Self {
            merchant_id: t.req("MerchantID")?,
            merchant_trade_no: t.req("MerchantTradeNo")?,
            store_id: t.opt("StoreID"),
            trade_no: t.opt("TradeNo"),
            trade_amt: t.opt_amount("TradeAmt")?,
            payment_date: t.opt("PaymentDate"),
            payment_type: PaymentTypeCode(t.opt("PaymentType")),
            handling_charge: t.decimal("HandlingCharge")?,
            payment_type_charge_fee: t.decimal("PaymentTypeChargeFee")?,
            trade_date: t.opt("TradeDate"),
            trade_status: TradeStatus::from(t.req("TradeStatus")?.as_str()),
            item_name: t.opt("ItemName"),
            custom_fields: t.custom_fields(),
            extra: t.rest(),
        })
    }
}

impl PaymentInfo {
    /// Reads a raw QueryPaymentInfo answer body as ECPay sends it; its CheckMacValue must
    /// verify and name this merchant.
    ///
    /// ```
    /// use ecpay_sdk::{aio::PaymentInfo, Credentials};
    /// assert!(PaymentInfo::verify_raw("MerchantID=3002607&CheckMacValue=00", &Credentials::stage()).is_err());
    /// ```
    pub fn verify_raw(body: &str, credentials: &Credentials) -> Result<Self> {
        let pairs = crate::aio::read_signed_raw(200, body, credentials, PAYMENT_INFO_FIELDS)?;
        crate::webhook::decode_payment_info(crate::aio::owned(pairs), "QueryPaymentInfo answer")
    }
}

/// A credit card `Action` of `CreditDetail/DoAction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CreditAction {
    /// `C`: close (關帳), i.e. capture for settlement.
    Close,
    /// `R`: refund (退刷) after closing.
    Refund,
    /// `E`: cancel (取消) a close before settlement.
    Cancel,
    /// `N`: abandon (放棄) the authorisation.
    Abandon,
}

impl CreditAction {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Close => "C",
            Self::Refund => "R",
            Self::Cancel => "E",
            Self::Abandon => "N",
        }
    }
}

/// Parameters of `CreditDetail/DoAction`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoActionRequest {
    /// `MerchantTradeNo`
    pub merchant_trade_no: String,
    /// `TradeNo`: ECPay's trade number.
    pub trade_no: String,
    /// `Action`
    pub action: CreditAction,
    /// `TotalAmount`: the amount to close or refund.
    pub total_amount: u64,
    /// `PlatformID`: only for a platform's sub-merchant (7 to 10 digits, checked before
    /// sending); left out of the form when `None`, as ECPay's PHP SDK sends `DoAction`.
    pub platform_id: Option<String>,
}

impl DoActionRequest {
    /// The signed fields, after ECPay's rules are checked (nothing is sent when one is broken).
    pub(crate) fn fields(&self, merchant_id: &str) -> Result<Vec<(String, String)>> {
        wire::check_trade_no(&self.merchant_trade_no)?;
        if self.trade_no.is_empty() || self.trade_no.len() > 20 {
            return Err(Error::validation("TradeNo", "must be 1 to 20 characters"));
        }
        if self.total_amount == 0 {
            return Err(Error::validation(
                "TotalAmount",
                "must be a positive integer",
            ));
        }
        let mut f = vec![
            ("MerchantID".into(), merchant_id.to_owned()),
            ("MerchantTradeNo".into(), self.merchant_trade_no.clone()),
            ("TradeNo".into(), self.trade_no.clone()),
            ("Action".into(), self.action.as_str().to_owned()),
            ("TotalAmount".into(), self.total_amount.to_string()),
        ];
        if let Some(p) = &self.platform_id {
            f.push((
                "PlatformID".into(),
                wire::check_platform_id(Some(p))?.to_owned(),
            ));
        }
        Ok(f)
    }
}

/// A DoAction answer with `RtnCode == 1` (anything else is returned as an error).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DoActionResult {
    /// `MerchantID`
    pub merchant_id: String,
    /// `MerchantTradeNo`
    pub merchant_trade_no: String,
    /// `TradeNo`
    pub trade_no: String,
    /// `RtnCode`
    pub rtn_code: i64,
    /// `RtnMsg`
    pub rtn_msg: String,
}

impl DoActionResult {
    /// Decodes ECPay's DoAction answer (a form: `MerchantID=…&RtnCode=1&RtnMsg=…`);
    /// `RtnCode` other than 1 is [`Error::Api`], no integer `RtnCode` is [`Error::Decode`].
    ///
    /// ```
    /// use ecpay_sdk::aio::DoActionResult;
    /// let r = DoActionResult::decode(200, b"MerchantID=3002607&MerchantTradeNo=T3&TradeNo=2601011000000003&RtnCode=1&RtnMsg=")?;
    /// assert_eq!(r.trade_no, "2601011000000003");
    /// assert!(DoActionResult::decode(200, b"MerchantID=3002607&RtnCode=10200121&RtnMsg=x").is_err());
    /// # Ok::<(), ecpay_sdk::Error>(())
    /// ```
    pub fn decode(status: u16, body: &[u8]) -> Result<Self> {
        let text = String::from_utf8_lossy(body);
        let pairs: FormPairs<'_> = url::form_urlencoded::parse(text.trim().as_bytes()).collect();
        let rtn_code = wire::rtn_code(&pairs, &text, "DoAction")?;
        let get = |k: &str| wire::field(&pairs, k).unwrap_or_default().to_owned();
        let rtn_msg = get("RtnMsg");
        if rtn_code != 1 {
            return Err(wire::api_error(status, rtn_code, &rtn_msg));
        }
        Ok(DoActionResult {
            merchant_id: get("MerchantID"),
            merchant_trade_no: get("MerchantTradeNo"),
            trade_no: get("TradeNo"),
            rtn_code,
            rtn_msg,
        })
    }
}
