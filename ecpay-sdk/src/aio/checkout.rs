//! `/Cashier/AioCheckOut/V5`: typed checkout parameters, ECPay's field rules, signing and
//! the auto-submitting form.
//!
//! Field names, lengths and rules follow ECPay's published AIO documentation
//! (developers.ecpay.com.tw: `?p=2864` ALL, `?p=2862` Credit, `?p=2868` periodic,
//! `?p=41284` installments, `?p=11031` WebATM, `?p=2856` ATM, `?p=2874` CVS, BARCODE,
//! ApplePay, TWQR and BNPL pages) and ECPay's official PHP SDK (`ECPay/ECPayAIO_PHP`,
//! `ECPay.Payment.Integration.php`, whose `check_string` enforces the same lengths).

use chrono::NaiveDateTime;
use serde::Serialize;
use sign_core::ecpay::{self, HashAlgorithm};

pub use crate::aio::invoice::Invoice;
pub use crate::aio::trade_date::{TradeDate, TRADE_DATE_FORMAT};
use crate::client::Credentials;
use crate::error::{Error, Result};
use crate::html;

/// Path of the AIO checkout endpoint.
pub const CHECKOUT_PATH: &str = "/Cashier/AioCheckOut/V5";

/// Every field the crate models (wire names). [`CheckoutRequest::extra`] may not repeat one.
pub const MODELLED_FIELDS: &[&str] = &[
    "MerchantID",
    "MerchantTradeNo",
    "MerchantTradeDate",
    "PaymentType",
    "TotalAmount",
    "TradeDesc",
    "ItemName",
    "ReturnURL",
    "ChoosePayment",
    "EncryptType",
    "CheckMacValue",
    "StoreID",
    "ClientBackURL",
    "ItemURL",
    "Remark",
    "ChooseSubPayment",
    "OrderResultURL",
    "NeedExtraPaidInfo",
    "IgnorePayment",
    "PlatformID",
    "CustomField1",
    "CustomField2",
    "CustomField3",
    "CustomField4",
    "Language",
    "ExpireDate",
    "PaymentInfoURL",
    "ClientRedirectURL",
    "StoreExpireDate",
    "Desc_1",
    "Desc_2",
    "Desc_3",
    "Desc_4",
    "CreditInstallment",
    "Redeem",
    "UnionPay",
    "BindingCard",
    "MerchantMemberID",
    "PeriodAmount",
    "PeriodType",
    "Frequency",
    "ExecTimes",
    "PeriodReturnURL",
];

/// A `ChoosePayment` value (also used in `IgnorePayment`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum PaymentMethod {
    /// `Credit`: credit card (one-off, installments, periodic).
    Credit,
    /// `WebATM`
    WebAtm,
    /// `ATM`: virtual account.
    Atm,
    /// `CVS`: convenience store code.
    Cvs,
    /// `BARCODE`: convenience store barcode.
    Barcode,
    /// `ApplePay`
    ApplePay,
    /// `TWQR`
    Twqr,
    /// `BNPL`: buy now pay later (無卡分期).
    Bnpl,
    /// `WeiXin`: WeChat Pay (微信支付), as ECPay's official PHP SDK sends it
    /// (`ECPay/SDK_PHP` `example/Payment/Aio/CreateWeiXinOrder.php`, added 2025-08-01).
    WeiXin,
    /// `ALL`: the customer chooses on ECPay's page.
    All,
}

impl PaymentMethod {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Credit => "Credit",
            Self::WebAtm => "WebATM",
            Self::Atm => "ATM",
            Self::Cvs => "CVS",
            Self::Barcode => "BARCODE",
            Self::ApplePay => "ApplePay",
            Self::Twqr => "TWQR",
            Self::Bnpl => "BNPL",
            Self::WeiXin => "WeiXin",
            Self::All => "ALL",
        }
    }

    /// Parses a wire value (exact spelling, as ECPay compares it).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "Credit" => Self::Credit,
            "WebATM" => Self::WebAtm,
            "ATM" => Self::Atm,
            "CVS" => Self::Cvs,
            "BARCODE" => Self::Barcode,
            "ApplePay" => Self::ApplePay,
            "TWQR" => Self::Twqr,
            "BNPL" => Self::Bnpl,
            "WeiXin" => Self::WeiXin,
            "ALL" => Self::All,
            _ => return None,
        })
    }
}

impl std::fmt::Display for PaymentMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `Language` of ECPay's payment page (default Chinese when absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// `ENG`
    English,
    /// `KOR`
    Korean,
    /// `JPN`
    Japanese,
    /// `CHI` (simplified Chinese)
    SimplifiedChinese,
}

impl Language {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::English => "ENG",
            Self::Korean => "KOR",
            Self::Japanese => "JPN",
            Self::SimplifiedChinese => "CHI",
        }
    }
}

/// Periodic (定期定額) plan unit, `PeriodType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodType {
    /// `D`: Frequency 1..=365, ExecTimes 2..=999.
    Day,
    /// `M`: Frequency 1..=12, ExecTimes 2..=99.
    Month,
    /// `Y`: Frequency 1, ExecTimes 2..=9.
    Year,
}

impl Serialize for PeriodType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl PeriodType {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Day => "D",
            Self::Month => "M",
            Self::Year => "Y",
        }
    }

    /// Parses a wire value (`D`, `M`, `Y`).
    ///
    /// ```
    /// use ecpay_sdk::aio::PeriodType;
    /// assert_eq!(PeriodType::parse("M"), Some(PeriodType::Month));
    /// assert_eq!(PeriodType::parse("W"), None);
    /// ```
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "D" => Some(Self::Day),
            "M" => Some(Self::Month),
            "Y" => Some(Self::Year),
            _ => None,
        }
    }
}

/// A credit card periodic plan (定期定額, docs `?p=2868`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodicPlan {
    /// `PeriodAmount`: must equal `TotalAmount`.
    pub period_amount: u64,
    /// `PeriodType`.
    pub period_type: PeriodType,
    /// `Frequency`: how many units between charges.
    pub frequency: u16,
    /// `ExecTimes`: total number of charges.
    pub exec_times: u16,
    /// `PeriodReturnURL`: notified of each later charge.
    pub period_return_url: Option<String>,
}

/// How a credit card is charged.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CreditMode {
    /// One payment (一次付清).
    #[default]
    OneTime,
    /// Installments: `CreditInstallment`, periods among 3, 6, 12, 18, 24, 30 (and `30N`
    /// through [`CreditOptions::flexible_30n`]).
    Installments(Vec<u8>),
    /// Periodic charges.
    Periodic(PeriodicPlan),
}

/// `UnionPay` option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnionPay {
    /// `0`: UnionPay selectable on the page.
    Selectable,
    /// `1`: only UnionPay.
    Only,
    /// `2`: UnionPay hidden.
    Hidden,
}

/// Extension fields for `ChoosePayment=Credit`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CreditOptions {
    /// One-off, installments or periodic.
    pub mode: CreditMode,
    /// `Redeem=Y`: bonus points redemption (one-off only).
    pub redeem: bool,
    /// `UnionPay`.
    pub union_pay: Option<UnionPay>,
    /// `BindingCard=1` with `MerchantMemberID` (remember the card for this member).
    pub binding_member_id: Option<String>,
    /// Also offer `30N` in `CreditInstallment`: ECPay's 圓夢彈性分期 (30 periods, flexible),
    /// on its own or beside [`CreditMode::Installments`] (docs `?p=2866`, "信用卡分期付款").
    pub flexible_30n: bool,
}

/// Extension fields for `ChoosePayment=BNPL` (無卡分期, docs `?p=47919` BNPL page): ECPay
/// posts the application result to `PaymentInfoURL` and sends the browser to
/// `ClientRedirectURL`, as for ATM/CVS.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BnplOptions {
    /// `PaymentInfoURL`: String(200).
    pub payment_info_url: Option<String>,
    /// `ClientRedirectURL`: String(200).
    pub client_redirect_url: Option<String>,
}

/// Extension fields for `ChoosePayment=ATM` (docs `?p=2856`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AtmOptions {
    /// `ExpireDate`: days to pay, 1..=60 (ECPay's default 3).
    pub expire_days: Option<u8>,
    /// `PaymentInfoURL`: where ECPay posts the account number (String(200)).
    pub payment_info_url: Option<String>,
    /// `ClientRedirectURL`: where the browser goes after the number is issued.
    pub client_redirect_url: Option<String>,
}

/// Extension fields for `ChoosePayment=CVS` (docs `?p=2874`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CvsOptions {
    /// `StoreExpireDate` in minutes, 1..=86400 (60 days; ECPay's default 10080 = 7 days).
    pub store_expire_minutes: Option<u32>,
    /// `Desc_1`..`Desc_4`: lines printed on the store's receipt, String(20) each.
    pub descriptions: [Option<String>; 4],
    /// `PaymentInfoURL`.
    pub payment_info_url: Option<String>,
    /// `ClientRedirectURL`.
    pub client_redirect_url: Option<String>,
}

/// Extension fields for `ChoosePayment=BARCODE`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BarcodeOptions {
    /// `StoreExpireDate` in days, 1..=30 (ECPay's default 7).
    pub store_expire_days: Option<u8>,
    /// `Desc_1`..`Desc_4`, String(20) each.
    pub descriptions: [Option<String>; 4],
    /// `PaymentInfoURL`.
    pub payment_info_url: Option<String>,
    /// `ClientRedirectURL`.
    pub client_redirect_url: Option<String>,
}

/// Options for `ChoosePayment=ALL`: the customer picks; every method's extension may be set,
/// except CVS and BARCODE expiry together (both use `StoreExpireDate`, in other units).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AllOptions {
    /// `IgnorePayment`: methods hidden on the page (joined with `#`).
    pub ignore_payment: Vec<PaymentMethod>,
    /// Credit extension.
    pub credit: Option<CreditOptions>,
    /// ATM extension.
    pub atm: Option<AtmOptions>,
    /// CVS extension.
    pub cvs: Option<CvsOptions>,
    /// BARCODE extension.
    pub barcode: Option<BarcodeOptions>,
}

/// `ChoosePayment` with the extension fields that belong to it. A field of another method
/// cannot be expressed here; through [`CheckoutRequest::extra`] it is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)]
pub enum Payment {
    /// `Credit`
    Credit(CreditOptions),
    /// `WebATM` (no extension fields)
    WebAtm,
    /// `ATM`
    Atm(AtmOptions),
    /// `CVS`
    Cvs(CvsOptions),
    /// `BARCODE`
    Barcode(BarcodeOptions),
    /// `ApplePay` (no extension fields)
    ApplePay,
    /// `TWQR` (no extension fields)
    Twqr,
    /// `BNPL` (TotalAmount at least 3000)
    Bnpl(BnplOptions),
    /// `WeiXin` (no extension fields: the official PHP SDK's example sends only the common
    /// ones)
    WeiXin,
    /// `ALL`
    All(AllOptions),
}

impl Default for Payment {
    fn default() -> Self {
        Self::All(AllOptions::default())
    }
}

impl Payment {
    /// The `ChoosePayment` value.
    pub fn method(&self) -> PaymentMethod {
        match self {
            Self::Credit(_) => PaymentMethod::Credit,
            Self::WebAtm => PaymentMethod::WebAtm,
            Self::Atm(_) => PaymentMethod::Atm,
            Self::Cvs(_) => PaymentMethod::Cvs,
            Self::Barcode(_) => PaymentMethod::Barcode,
            Self::ApplePay => PaymentMethod::ApplePay,
            Self::Twqr => PaymentMethod::Twqr,
            Self::Bnpl(_) => PaymentMethod::Bnpl,
            Self::WeiXin => PaymentMethod::WeiXin,
            Self::All(_) => PaymentMethod::All,
        }
    }

    /// The payment with default options for a method.
    pub fn default_for(method: PaymentMethod) -> Self {
        match method {
            PaymentMethod::Credit => Self::Credit(CreditOptions::default()),
            PaymentMethod::WebAtm => Self::WebAtm,
            PaymentMethod::Atm => Self::Atm(AtmOptions::default()),
            PaymentMethod::Cvs => Self::Cvs(CvsOptions::default()),
            PaymentMethod::Barcode => Self::Barcode(BarcodeOptions::default()),
            PaymentMethod::ApplePay => Self::ApplePay,
            PaymentMethod::Twqr => Self::Twqr,
            PaymentMethod::Bnpl => Self::Bnpl(BnplOptions::default()),
            PaymentMethod::WeiXin => Self::WeiXin,
            PaymentMethod::All => Self::All(AllOptions::default()),
        }
    }
}

/// Extension field names owned by each method (for refusing misplaced `extra` fields).
fn owner_of(field: &str) -> Option<&'static [PaymentMethod]> {
    use PaymentMethod::*;
    Some(match field {
        "ExpireDate" => &[Atm],
        "StoreExpireDate" | "Desc_1" | "Desc_2" | "Desc_3" | "Desc_4" => &[Cvs, Barcode],
        "PaymentInfoURL" | "ClientRedirectURL" => &[Atm, Cvs, Barcode, Bnpl],
        "CreditInstallment" | "Redeem" | "UnionPay" | "BindingCard" | "MerchantMemberID"
        | "PeriodAmount" | "PeriodType" | "Frequency" | "ExecTimes" | "PeriodReturnURL" => {
            &[Credit]
        }
        "IgnorePayment" => &[All],
        _ => return None,
    })
}

/// Everything a merchant sends to `/Cashier/AioCheckOut/V5`, typed.
///
/// `MerchantID`, `PaymentType=aio` and `EncryptType=1` are added when signing.
///
/// ```
/// use ecpay_sdk::aio::{CheckoutRequest, Payment, AtmOptions};
/// use ecpay_sdk::Credentials;
///
/// let mut req = CheckoutRequest::new(
///     "ORDER20260101001",
///     "2026/01/01 12:00:00",
///     1200,
///     "Online store order",
///     "T-shirt x 2#Mug x 1",
///     "https://shop.example.com/ecpay/return",
/// );
/// req.payment = Payment::Atm(AtmOptions { expire_days: Some(5), ..Default::default() });
/// let signed = req.sign(&Credentials::stage(), "https://payment-stage.ecpay.com.tw/Cashier/AioCheckOut/V5")?;
/// assert_eq!(signed.field("ChoosePayment"), Some("ATM"));
/// assert_eq!(signed.field("CheckMacValue").map(str::len), Some(64));
/// assert!(signed.to_html().contains("__ecpayForm"));
/// # Ok::<(), ecpay_sdk::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CheckoutRequest {
    /// `MerchantTradeNo`: 1..=20 letters and digits, unique per merchant.
    pub merchant_trade_no: String,
    /// `MerchantTradeDate`: Taiwan time (build it with [`TradeDate::now_taiwan`]).
    pub merchant_trade_date: TradeDate,
    /// `TotalAmount`: positive integer TWD.
    pub total_amount: u64,
    /// `TradeDesc`: String(200), required.
    pub trade_desc: String,
    /// `ItemName`: String(400) characters, items separated by `#`.
    pub item_name: String,
    /// `ReturnURL`: String(200), where ECPay posts the payment result server-to-server.
    pub return_url: String,
    /// `ChoosePayment` with its extension fields.
    pub payment: Payment,
    /// `StoreID`: String(20).
    pub store_id: Option<String>,
    /// `ClientBackURL`: String(200), "back to shop" link on ECPay's page.
    pub client_back_url: Option<String>,
    /// `ItemURL`: String(200).
    pub item_url: Option<String>,
    /// `Remark`: String(100).
    pub remark: Option<String>,
    /// `ChooseSubPayment`: String(20), e.g. a bank for ATM.
    pub choose_sub_payment: Option<String>,
    /// `OrderResultURL`: String(200), where the browser posts the result (client side).
    pub order_result_url: Option<String>,
    /// `NeedExtraPaidInfo=Y`: ask for extra fields in the payment result.
    pub need_extra_paid_info: bool,
    /// `PlatformID`: String(10), platform merchants only.
    pub platform_id: Option<String>,
    /// `CustomField1`..`CustomField4`: String(50) each, echoed back in callbacks.
    pub custom_fields: [Option<String>; 4],
    /// `Language` of the payment page.
    pub language: Option<Language>,
    /// The e-invoice extension (`InvoiceMark=Y` and its fields, checked and encoded as the
    /// official SDKs do).
    pub invoice: Option<Invoice>,
    /// Escape hatch: parameters the crate does not model, signed and
    /// sent after the modelled ones. A name the crate models is refused, as is an extension
    /// field of another payment method.
    pub extra: Vec<(String, String)>,
}

impl CheckoutRequest {
    /// A request with the required fields and `ChoosePayment=ALL`.
    pub fn new(
        merchant_trade_no: impl Into<String>,
        merchant_trade_date: impl Into<TradeDate>,
        total_amount: u64,
        trade_desc: impl Into<String>,
        item_name: impl Into<String>,
        return_url: impl Into<String>,
    ) -> Self {
        Self {
            merchant_trade_no: merchant_trade_no.into(),
            merchant_trade_date: merchant_trade_date.into(),
            total_amount,
            trade_desc: trade_desc.into(),
            item_name: item_name.into(),
            return_url: return_url.into(),
            ..Self::default()
        }
    }

    /// Formats a date as `MerchantTradeDate` wants it.
    pub fn format_trade_date(at: NaiveDateTime) -> String {
        at.format(TRADE_DATE_FORMAT).to_string()
    }

    /// Joins item names with `#`, refusing a name that itself holds `#` or is empty.
    pub fn join_items<S: AsRef<str>>(items: &[S]) -> Result<String> {
        if items.is_empty() {
            return Err(Error::validation("ItemName", "at least one item"));
        }
        for i in items {
            let i = i.as_ref();
            if i.trim().is_empty() {
                return Err(Error::validation("ItemName", "an item name is empty"));
            }
            if i.contains('#') {
                return Err(Error::validation(
                    "ItemName",
                    "an item name contains `#`, the item separator",
                ));
            }
        }
        Ok(items
            .iter()
            .map(AsRef::as_ref)
            .collect::<Vec<_>>()
            .join("#"))
    }

    /// Checks every rule without signing.
    pub fn validate(&self) -> Result<()> {
        self.to_fields("0000000000").map(|_| ())
    }

    /// The unsigned fields in send order, after checking every rule.
    pub fn to_fields(&self, merchant_id: &str) -> Result<Vec<(String, String)>> {
        let mut f = Fields::default();
        check_id("MerchantID", merchant_id, 10)?;
        f.push("MerchantID", merchant_id);
        check_id("MerchantTradeNo", &self.merchant_trade_no, 20)?;
        f.push("MerchantTradeNo", &self.merchant_trade_no);
        check_trade_date(self.merchant_trade_date.as_str())?;
        f.push("MerchantTradeDate", self.merchant_trade_date.as_str());
        f.push("PaymentType", "aio");
        if self.total_amount == 0 {
            return Err(Error::validation(
                "TotalAmount",
                "must be a positive integer",
            ));
        }
        if self.total_amount > i32::MAX as u64 {
            return Err(Error::validation("TotalAmount", "must fit ECPay's Int"));
        }
        f.push("TotalAmount", &self.total_amount.to_string());
        check_text("TradeDesc", &self.trade_desc, 200, true)?;
        check_no_special("TradeDesc", &self.trade_desc)?;
        f.push("TradeDesc", &self.trade_desc);
        check_item_name(&self.item_name)?;
        f.push("ItemName", &self.item_name);
        check_url("ReturnURL", &self.return_url)?;
        f.push("ReturnURL", &self.return_url);
        let method = self.payment.method();
        f.push("ChoosePayment", method.as_str());
        f.push("EncryptType", "1");

        if let Some(v) = &self.store_id {
            check_id("StoreID", v, 20)?;
            f.push("StoreID", v);
        }
        if let Some(v) = &self.client_back_url {
            check_url("ClientBackURL", v)?;
            f.push("ClientBackURL", v);
        }
        if let Some(v) = &self.item_url {
            check_url("ItemURL", v)?;
            f.push("ItemURL", v);
        }
        if let Some(v) = &self.remark {
            check_text("Remark", v, 100, false)?;
            f.push("Remark", v);
        }
        if let Some(v) = &self.choose_sub_payment {
            check_text("ChooseSubPayment", v, 20, true)?;
            f.push("ChooseSubPayment", v);
        }
        if let Some(v) = &self.order_result_url {
            check_url("OrderResultURL", v)?;
            if v == &self.return_url {
                return Err(Error::validation(
                    "OrderResultURL",
                    "must differ from ReturnURL (ECPay's rule: server and client results go to different places)",
                ));
            }
            f.push("OrderResultURL", v);
        }
        if self.need_extra_paid_info {
            f.push("NeedExtraPaidInfo", "Y");
        }
        if let Some(v) = &self.platform_id {
            check_id("PlatformID", v, 10)?;
            f.push("PlatformID", v);
        }
        for (i, v) in self.custom_fields.iter().enumerate() {
            if let Some(v) = v {
                let name = [
                    "CustomField1",
                    "CustomField2",
                    "CustomField3",
                    "CustomField4",
                ][i];
                check_text(name, v, 50, false)?;
                f.push(name, v);
            }
        }
        if let Some(l) = self.language {
            f.push("Language", l.as_str());
        }

        match &self.payment {
            Payment::Credit(c) => push_credit(&mut f, c, self.total_amount)?,
            Payment::Atm(a) => push_atm(&mut f, a)?,
            Payment::Cvs(c) => push_cvs(&mut f, c)?,
            Payment::Barcode(b) => push_barcode(&mut f, b)?,
            Payment::Bnpl(_) if self.total_amount < 3000 => {
                return Err(Error::validation(
                    "TotalAmount",
                    "BNPL needs at least 3000 TWD",
                ));
            }
            Payment::Bnpl(b) => {
                push_offline_urls(&mut f, &b.payment_info_url, &b.client_redirect_url)?
            }
            Payment::All(all) => {
                if !all.ignore_payment.is_empty() {
                    if all.ignore_payment.contains(&PaymentMethod::All) {
                        return Err(Error::validation("IgnorePayment", "cannot hide ALL"));
                    }
                    let v = all
                        .ignore_payment
                        .iter()
                        .map(|m| m.as_str())
                        .collect::<Vec<_>>()
                        .join("#");
                    f.push("IgnorePayment", &v);
                }
                if let Some(c) = &all.credit {
                    push_credit(&mut f, c, self.total_amount)?;
                }
                let mut offline_urls: Vec<(&Option<String>, &Option<String>)> = Vec::new();
                if let Some(a) = &all.atm {
                    if let Some(d) = a.expire_days {
                        check_range("ExpireDate", d as u64, 1, 60)?;
                        f.push("ExpireDate", &d.to_string());
                    }
                    offline_urls.push((&a.payment_info_url, &a.client_redirect_url));
                }
                if all
                    .cvs
                    .as_ref()
                    .is_some_and(|c| c.store_expire_minutes.is_some())
                    && all
                        .barcode
                        .as_ref()
                        .is_some_and(|b| b.store_expire_days.is_some())
                {
                    return Err(Error::validation(
                        "StoreExpireDate",
                        "CVS (minutes) and BARCODE (days) expiry share one field; set only one with ALL",
                    ));
                }
                let mut descs: Option<&[Option<String>; 4]> = None;
                if let Some(c) = &all.cvs {
                    if let Some(m) = c.store_expire_minutes {
                        check_range("StoreExpireDate", m as u64, 1, 86_400)?;
                        f.push("StoreExpireDate", &m.to_string());
                    }
                    descs = Some(&c.descriptions);
                    offline_urls.push((&c.payment_info_url, &c.client_redirect_url));
                }
                if let Some(b) = &all.barcode {
                    if let Some(d) = b.store_expire_days {
                        check_range("StoreExpireDate", d as u64, 1, 30)?;
                        f.push("StoreExpireDate", &d.to_string());
                    }
                    if descs.is_some() && b.descriptions.iter().any(Option::is_some) {
                        return Err(Error::validation(
                            "Desc_1",
                            "set CVS or BARCODE descriptions, not both",
                        ));
                    }
                    if b.descriptions.iter().any(Option::is_some) {
                        descs = Some(&b.descriptions);
                    }
                    offline_urls.push((&b.payment_info_url, &b.client_redirect_url));
                }
                if let Some(d) = descs {
                    push_descs(&mut f, d)?;
                }
                push_shared_urls(&mut f, &offline_urls)?;
            }
            Payment::WebAtm | Payment::ApplePay | Payment::Twqr | Payment::WeiXin => {}
        }
        if let Some(inv) = &self.invoice {
            for (k, v) in inv.fields()? {
                f.0.push((k, v));
            }
        }

        for (k, v) in &self.extra {
            if k.is_empty() || !k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(Error::validation(
                    k,
                    "extra parameter names are letters, digits and `_`",
                ));
            }
            if let Some(owners) = owner_of(k) {
                if method != PaymentMethod::All && !owners.contains(&method) {
                    return Err(Error::validation(
                        k,
                        format!(
                            "belongs to ChoosePayment {}, not {}",
                            owners
                                .iter()
                                .map(|m| m.as_str())
                                .collect::<Vec<_>>()
                                .join("/"),
                            method
                        ),
                    ));
                }
            }
            if MODELLED_FIELDS.contains(&k.as_str()) {
                return Err(Error::validation(
                    k,
                    "is modelled by CheckoutRequest; set the typed field instead",
                ));
            }
            if f.0.iter().any(|(n, _)| n == k) {
                return Err(Error::validation(k, "given twice"));
            }
            f.push(k, v);
        }
        Ok(f.0)
    }

    /// Checks every rule, then signs: the ordered fields with `CheckMacValue` last, ready to
    /// POST to `action` (the full `/Cashier/AioCheckOut/V5` URL).
    pub fn sign(
        &self,
        credentials: &Credentials,
        action: impl Into<String>,
    ) -> Result<SignedCheckout> {
        let fields = self.to_fields(credentials.merchant_id())?;
        Ok(sign_fields(fields, credentials, action))
    }
}

/// Signs already-ordered fields as they are (no rule checks): appends `CheckMacValue`
/// (SHA-256). For parameter sets this crate does not model at all.
pub fn sign_fields(
    mut fields: Vec<(String, String)>,
    credentials: &Credentials,
    action: impl Into<String>,
) -> SignedCheckout {
    fields.retain(|(k, _)| k != ecpay::CHECK_MAC_VALUE);
    let mac = ecpay::check_mac_value(
        fields.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        credentials.hash_key(),
        credentials.hash_iv(),
        HashAlgorithm::Sha256,
    );
    fields.push((ecpay::CHECK_MAC_VALUE.to_owned(), mac));
    SignedCheckout {
        action: action.into(),
        fields,
    }
}

/// Signed checkout fields and the URL they are POSTed to by the customer's browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignedCheckout {
    /// The form's `action`: the full AIO checkout URL.
    pub action: String,
    /// The fields in send order, `CheckMacValue` last.
    pub fields: Vec<(String, String)>,
}

impl SignedCheckout {
    /// One field's value.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The auto-submitting HTML form, every attribute HTML-escaped.
    pub fn to_html(&self) -> String {
        html::auto_submit_form(&self.action, &self.fields)
    }

    /// The fields as one JSON object (insertion order kept by the caller's reading of `fields`).
    pub fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        for (k, v) in &self.fields {
            m.insert(k.clone(), serde_json::Value::String(v.clone()));
        }
        serde_json::Value::Object(m)
    }

    /// The fields as an `application/x-www-form-urlencoded` body (what a browser POSTs).
    pub fn to_form_body(&self) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.fields {
            s.append_pair(k, v);
        }
        s.finish()
    }
}

#[derive(Default)]
struct Fields(Vec<(String, String)>);

impl Fields {
    fn push(&mut self, k: &str, v: &str) {
        self.0.push((k.to_owned(), v.to_owned()));
    }
}

fn check_id(field: &str, v: &str, max: usize) -> Result<()> {
    if v.is_empty() {
        return Err(Error::validation(field, "required"));
    }
    if v.len() > max {
        return Err(Error::validation(
            field,
            format!("at most {max} characters"),
        ));
    }
    if !v.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::validation(field, "letters and digits only"));
    }
    Ok(())
}

fn check_text(field: &str, v: &str, max_chars: usize, required: bool) -> Result<()> {
    if required && v.trim().is_empty() {
        return Err(Error::validation(field, "required"));
    }
    if v.chars().count() > max_chars {
        return Err(Error::validation(
            field,
            format!("at most {max_chars} characters"),
        ));
    }
    if v.chars().any(|c| c.is_control()) {
        return Err(Error::validation(
            field,
            "control characters are not allowed",
        ));
    }
    Ok(())
}

/// ECPay's "請勿帶入特殊字元" (TradeDesc, docs `?p=2864`; ItemName, docs `?p=2864` FAQ) and
/// its API notes: parameter values may not carry HTML tags, and the escapes `%26` (`&`) and
/// `%3C` (`<`) break its API unless decoded first (docs `?p=2864`, ReturnURL notes). `&` itself
/// is accepted: the answers that echo it are parsed so that it survives.
const FORBIDDEN_CHARS: &[char] = &['<', '>'];

fn check_no_special(field: &str, v: &str) -> Result<()> {
    if let Some(c) = v.chars().find(|c| FORBIDDEN_CHARS.contains(c)) {
        return Err(Error::validation(
            field,
            format!("must not contain `{c}` (ECPay refuses HTML tags in parameter values)"),
        ));
    }
    let lower = v.to_ascii_lowercase();
    for esc in ["%26", "%3c"] {
        if lower.contains(esc) {
            return Err(Error::validation(
                field,
                format!(
                    "must not contain the escape `{}`; send the character itself",
                    esc.to_ascii_uppercase()
                ),
            ));
        }
    }
    Ok(())
}

fn check_item_name(v: &str) -> Result<()> {
    check_text("ItemName", v, 400, true)?;
    check_no_special("ItemName", v)?;
    if v.split('#').any(|i| i.trim().is_empty()) {
        return Err(Error::validation(
            "ItemName",
            "empty item between `#` separators",
        ));
    }
    Ok(())
}

fn check_trade_date(v: &str) -> Result<()> {
    if v.len() != 19 || NaiveDateTime::parse_from_str(v, TRADE_DATE_FORMAT).is_err() {
        return Err(Error::validation(
            "MerchantTradeDate",
            "format yyyy/MM/dd HH:mm:ss",
        ));
    }
    Ok(())
}

fn check_url(field: &str, v: &str) -> Result<()> {
    if v.is_empty() {
        return Err(Error::validation(field, "required"));
    }
    if v.len() > 200 {
        return Err(Error::validation(field, "at most 200 characters"));
    }
    match url::Url::parse(v) {
        Ok(u) if (u.scheme() == "https" || u.scheme() == "http") && u.host_str().is_some() => {
            if v.trim() != v {
                return Err(Error::validation(field, "leading or trailing whitespace"));
            }
            Ok(())
        }
        _ => Err(Error::validation(field, "an absolute http(s) URL")),
    }
}

fn check_range(field: &str, v: u64, lo: u64, hi: u64) -> Result<()> {
    if v < lo || v > hi {
        return Err(Error::validation(field, format!("must be {lo}..={hi}")));
    }
    Ok(())
}

fn push_descs(f: &mut Fields, d: &[Option<String>; 4]) -> Result<()> {
    for (i, v) in d.iter().enumerate() {
        if let Some(v) = v {
            let name = ["Desc_1", "Desc_2", "Desc_3", "Desc_4"][i];
            check_text(name, v, 20, false)?;
            f.push(name, v);
        }
    }
    Ok(())
}

fn push_offline_urls(
    f: &mut Fields,
    info: &Option<String>,
    redirect: &Option<String>,
) -> Result<()> {
    if let Some(v) = info {
        check_url("PaymentInfoURL", v)?;
        f.push("PaymentInfoURL", v);
    }
    if let Some(v) = redirect {
        check_url("ClientRedirectURL", v)?;
        f.push("ClientRedirectURL", v);
    }
    Ok(())
}

fn push_shared_urls(f: &mut Fields, urls: &[(&Option<String>, &Option<String>)]) -> Result<()> {
    let infos: Vec<&String> = urls.iter().filter_map(|u| u.0.as_ref()).collect();
    let redirects: Vec<&String> = urls.iter().filter_map(|u| u.1.as_ref()).collect();
    for (field, vals) in [
        ("PaymentInfoURL", &infos),
        ("ClientRedirectURL", &redirects),
    ] {
        if vals.windows(2).any(|w| w[0] != w[1]) {
            return Err(Error::validation(
                field,
                "ATM, CVS and BARCODE share this field; give one value",
            ));
        }
    }
    push_offline_urls(
        f,
        &infos.first().map(|s| s.to_string()),
        &redirects.first().map(|s| s.to_string()),
    )
}

fn push_atm(f: &mut Fields, a: &AtmOptions) -> Result<()> {
    if let Some(d) = a.expire_days {
        check_range("ExpireDate", d as u64, 1, 60)?;
        f.push("ExpireDate", &d.to_string());
    }
    push_offline_urls(f, &a.payment_info_url, &a.client_redirect_url)
}

fn push_cvs(f: &mut Fields, c: &CvsOptions) -> Result<()> {
    if let Some(m) = c.store_expire_minutes {
        check_range("StoreExpireDate", m as u64, 1, 86_400)?;
        f.push("StoreExpireDate", &m.to_string());
    }
    push_descs(f, &c.descriptions)?;
    push_offline_urls(f, &c.payment_info_url, &c.client_redirect_url)
}

fn push_barcode(f: &mut Fields, b: &BarcodeOptions) -> Result<()> {
    if let Some(d) = b.store_expire_days {
        check_range("StoreExpireDate", d as u64, 1, 30)?;
        f.push("StoreExpireDate", &d.to_string());
    }
    push_descs(f, &b.descriptions)?;
    push_offline_urls(f, &b.payment_info_url, &b.client_redirect_url)
}

fn push_credit(f: &mut Fields, c: &CreditOptions, total: u64) -> Result<()> {
    // `UnionPay` is a one-time-payment option: the Node SDK's `ECpayPayment.xml` files it under
    // `category="OneTime"` (beside `Redeem`), and ECPay's Credit page (`?p=2862`) offers
    // UnionPay cards for one-time payment only; a periodic plan cannot be charged to one.
    if matches!(c.mode, CreditMode::Periodic(_))
        && matches!(c.union_pay, Some(UnionPay::Selectable | UnionPay::Only))
    {
        return Err(Error::validation(
            "UnionPay",
            "UnionPay cannot be used with a periodic plan",
        ));
    }
    if c.flexible_30n && !matches!(c.mode, CreditMode::OneTime | CreditMode::Installments(_)) {
        return Err(Error::validation(
            "CreditInstallment",
            "30N cannot be combined with a periodic plan",
        ));
    }
    if c.flexible_30n && c.redeem {
        return Err(Error::validation(
            "Redeem",
            "cannot be combined with installments",
        ));
    }
    match &c.mode {
        CreditMode::OneTime if c.flexible_30n => f.push("CreditInstallment", "30N"),
        CreditMode::OneTime => {}
        CreditMode::Installments(periods) => {
            if periods.is_empty() {
                return Err(Error::validation(
                    "CreditInstallment",
                    "at least one period",
                ));
            }
            for p in periods {
                if ![3u8, 6, 12, 18, 24, 30].contains(p) {
                    return Err(Error::validation(
                        "CreditInstallment",
                        "periods are 3, 6, 12, 18, 24 or 30",
                    ));
                }
            }
            if c.redeem {
                return Err(Error::validation(
                    "Redeem",
                    "cannot be combined with installments",
                ));
            }
            let mut v = periods.iter().map(u8::to_string).collect::<Vec<_>>();
            if c.flexible_30n {
                v.push("30N".into());
            }
            f.push("CreditInstallment", &v.join(","));
        }
        CreditMode::Periodic(p) => {
            if c.redeem {
                return Err(Error::validation(
                    "Redeem",
                    "cannot be combined with a periodic plan",
                ));
            }
            if p.period_amount != total {
                return Err(Error::validation("PeriodAmount", "must equal TotalAmount"));
            }
            let (fmax, emax) = match p.period_type {
                PeriodType::Day => (365, 999),
                PeriodType::Month => (12, 99),
                PeriodType::Year => (1, 9),
            };
            check_range("Frequency", p.frequency as u64, 1, fmax)?;
            check_range("ExecTimes", p.exec_times as u64, 2, emax)?;
            f.push("PeriodAmount", &p.period_amount.to_string());
            f.push("PeriodType", p.period_type.as_str());
            f.push("Frequency", &p.frequency.to_string());
            f.push("ExecTimes", &p.exec_times.to_string());
            if let Some(u) = &p.period_return_url {
                check_url("PeriodReturnURL", u)?;
                f.push("PeriodReturnURL", u);
            }
        }
    }
    if c.redeem {
        f.push("Redeem", "Y");
    }
    if let Some(u) = c.union_pay {
        f.push(
            "UnionPay",
            match u {
                UnionPay::Selectable => "0",
                UnionPay::Only => "1",
                UnionPay::Hidden => "2",
            },
        );
    }
    if let Some(m) = &c.binding_member_id {
        check_text("MerchantMemberID", m, 30, true)?;
        f.push("BindingCard", "1");
        f.push("MerchantMemberID", m);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> CheckoutRequest {
        CheckoutRequest::new(
            "T20260101000001",
            "2026/01/01 12:00:00",
            100,
            "desc",
            "A#B",
            "https://shop.example.com/return",
        )
    }

    fn field_err(r: &CheckoutRequest) -> String {
        match r.validate() {
            Err(Error::Validation { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn trade_no_rules() {
        let mut r = base();
        r.merchant_trade_no = "A".repeat(21);
        assert_eq!(field_err(&r), "MerchantTradeNo");
        r.merchant_trade_no = "ABC-123".into();
        assert_eq!(field_err(&r), "MerchantTradeNo");
        r.merchant_trade_no = "A".repeat(20);
        assert!(r.validate().is_ok());
    }

    #[test]
    fn date_amount_item_url_rules() {
        let mut r = base();
        r.merchant_trade_date = "2026-01-01 12:00:00".into();
        assert_eq!(field_err(&r), "MerchantTradeDate");
        let mut r = base();
        r.total_amount = 0;
        assert_eq!(field_err(&r), "TotalAmount");
        let mut r = base();
        r.item_name = "綠".repeat(401);
        assert_eq!(field_err(&r), "ItemName");
        r.item_name = "綠".repeat(400);
        assert!(r.validate().is_ok());
        r.item_name = "A##B".into();
        assert_eq!(field_err(&r), "ItemName");
        let mut r = base();
        r.return_url = format!("https://x.example/{}", "a".repeat(190));
        assert_eq!(field_err(&r), "ReturnURL");
        r.return_url = "not a url".into();
        assert_eq!(field_err(&r), "ReturnURL");
    }

    #[test]
    fn misplaced_extension_refused() {
        let mut r = base();
        r.payment = Payment::Credit(CreditOptions::default());
        r.extra.push(("ExpireDate".into(), "3".into()));
        assert_eq!(field_err(&r), "ExpireDate");
        let mut r = base();
        r.payment = Payment::Atm(AtmOptions::default());
        r.extra.push(("CreditInstallment".into(), "3".into()));
        assert_eq!(field_err(&r), "CreditInstallment");
        let mut r = base();
        r.extra.push(("TotalAmount".into(), "1".into()));
        assert_eq!(field_err(&r), "TotalAmount");
        let mut r = base();
        r.extra.push(("InvoiceMark".into(), "N".into()));
        assert!(r.validate().is_ok());
    }

    #[test]
    fn periodic_rules() {
        let mut r = base();
        let plan = PeriodicPlan {
            period_amount: 100,
            period_type: PeriodType::Month,
            frequency: 1,
            exec_times: 12,
            period_return_url: None,
        };
        r.payment = Payment::Credit(CreditOptions {
            mode: CreditMode::Periodic(plan.clone()),
            ..Default::default()
        });
        assert!(r.validate().is_ok());
        r.payment = Payment::Credit(CreditOptions {
            mode: CreditMode::Periodic(PeriodicPlan {
                exec_times: 100,
                ..plan.clone()
            }),
            ..Default::default()
        });
        assert_eq!(field_err(&r), "ExecTimes");
        r.payment = Payment::Credit(CreditOptions {
            mode: CreditMode::Periodic(PeriodicPlan {
                period_amount: 99,
                ..plan
            }),
            ..Default::default()
        });
        assert_eq!(field_err(&r), "PeriodAmount");
    }

    #[test]
    fn html_escapes_every_attribute() {
        let mut r = base();
        // TradeDesc refuses `<` and `>` (ECPay's rule); Remark carries any text, so the
        // escaping is proven on it.
        r.remark = Some(r#"5" <script>alert('x')</script> & co"#.into());
        let signed = r
            .sign(&Credentials::stage(), "https://h.example/a?b=1&c=\"2\"")
            .unwrap();
        let html = signed.to_html();
        assert!(!html.contains("<script>alert"));
        assert!(html.contains("5&quot; &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co"));
        assert!(html.contains("action=\"https://h.example/a?b=1&amp;c=&quot;2&quot;\""));
    }

    #[test]
    fn field_order_is_stable_and_mac_last() {
        let signed = base()
            .sign(&Credentials::stage(), "https://h.example")
            .unwrap();
        let names: Vec<&str> = signed.fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "MerchantID",
                "MerchantTradeNo",
                "MerchantTradeDate",
                "PaymentType",
                "TotalAmount",
                "TradeDesc",
                "ItemName",
                "ReturnURL",
                "ChoosePayment",
                "EncryptType",
                "CheckMacValue"
            ]
        );
    }
}
