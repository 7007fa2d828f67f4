//! The e-invoice extension of checkout (`InvoiceMark=Y`): ECPay issues a B2C e-invoice when the
//! payment succeeds. Fields and rules follow the official SDKs, which check them before
//! signing: PHP `ECPay_Verification::check_invoiceString` (`ECPayAIO_PHP`) and the Node SDK's
//! `ECpayPayment.xml` `InvoiceMark` block, and ECPay's AIO e-invoice parameter list
//! (developers.ecpay.com.tw, 全方位金流 "電子發票介接相關參數").
//!
//! Encoding: the marked fields (`CustomerName`, `CustomerAddr`, `CustomerEmail`,
//! `InvoiceItemName`, `InvoiceItemWord`, `InvoiceRemark`) are URL-encoded before signing the
//! way ECPay's e-invoice document publishes them (「綠界科技電子發票介接技術文件」 V2.2.15,
//! shipped in `ECPay/ECPayAIO_PHP` `EInvoiceSDK/`; its example values and its URLEncode table's
//! 「.NET 編碼(ecpay)」 column): .NET `UrlEncode`, i.e. UTF-8 bytes as lowercase `%xx`, space as
//! `+`, letters, digits and `-_.!*()` kept. `"臺北市…(D棟)"` is sent as `…(D%e6%a3%9f)`, as ECPay's
//! example prints it. The official SDKs (PHP `strtolower(urlencode(..))`, Node
//! `encodeURIComponent(..).toLowerCase()`) lowercase the letters as well (`(d`), which changes
//! the text on the invoice; the CheckMacValue is the same either way (it lowercases its input),
//! so ECPay verifies this crate's form as it verifies theirs. The encoded text is what is
//! signed and posted; ECPay decodes it. Tests: `tests/invoice_published.rs` (ECPay's values),
//! `tests/invoice.rs` (the Node SDK's output, up to letter case).

use rust_decimal::Decimal;
use serde::Serialize;

use crate::error::{Error, Result};

/// The fields ECPay asks to be URL-encoded (and the official SDKs encode) before signing.
pub const ENCODED_FIELDS: &[&str] = &[
    "CustomerName",
    "CustomerAddr",
    "CustomerEmail",
    "InvoiceItemName",
    "InvoiceItemWord",
    "InvoiceRemark",
];

/// ECPay's encoding of a marked invoice field: .NET `UrlEncode` (lowercase hex escapes,
/// space as `+`, letters kept), as ECPay's e-invoice document prints its examples.
///
/// ```
/// use ecpay_sdk::aio::invoice::encode_field;
/// // ECPay's published examples (e-invoice document V2.2.15, CustomerName and CustomerAddr).
/// assert_eq!(encode_field("綠界科技"), "%e7%b6%a0%e7%95%8c%e7%a7%91%e6%8a%80");
/// assert_eq!(encode_field("-2 (D棟)"), "-2+(D%e6%a3%9f)");
/// assert_eq!(encode_field("Test Name 測試"), "Test+Name+%e6%b8%ac%e8%a9%a6");
/// ```
pub fn encode_field(v: &str) -> String {
    lower_hex_escapes(&sign_core::ecpay::url_encode(v))
}

/// Lowercases the two hex digits after each `%` and nothing else (a letter of the text
/// itself keeps its case).
fn lower_hex_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut hex_left = 0u8;
    for c in s.chars() {
        if hex_left > 0 {
            out.push(c.to_ascii_lowercase());
            hex_left -= 1;
        } else {
            out.push(c);
            if c == '%' {
                hex_left = 2;
            }
        }
    }
    out
}

/// `TaxType` (課稅類別).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TaxType {
    /// `1`: taxable (應稅).
    Taxable,
    /// `2`: zero rate (零稅率); needs a `ClearanceMark`.
    ZeroRate,
    /// `3`: tax free (免稅).
    Free,
    /// `9`: mixed taxable and tax-free items; each item carries its own tax type.
    Mixed,
}

impl TaxType {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Taxable => "1",
            Self::ZeroRate => "2",
            Self::Free => "3",
            Self::Mixed => "9",
        }
    }
}

/// `ClearanceMark` (通關方式), only with [`TaxType::ZeroRate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ClearanceMark {
    /// `1`: not through customs (非經海關出口).
    NotThroughCustoms,
    /// `2`: through customs (經海關出口).
    ThroughCustoms,
}

/// `InvType` (字軌類別).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum InvType {
    /// `07`: general tax rate (一般稅額).
    #[default]
    General,
    /// `08`: special tax rate (特種稅額).
    Special,
}

/// Where the invoice is stored (`CarruerType` and `CarruerNum`, ECPay's spelling).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub enum Carrier {
    /// No carrier (`CarruerType` empty).
    #[default]
    None,
    /// `1`: ECPay member carrier (no number).
    Member,
    /// `2`: citizen digital certificate: two letters and 14 digits.
    Citizen(String),
    /// `3`: mobile barcode: `/` and 7 of `0-9 A-Z a-z + - .`.
    Mobile(String),
}

/// One invoice line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvoiceItem {
    /// `InvoiceItemName` part (no `|`).
    pub name: String,
    /// `InvoiceItemCount` part.
    pub count: u32,
    /// `InvoiceItemWord` part: the unit (個, 組 …; no `|`).
    pub word: String,
    /// `InvoiceItemPrice` part: unit price in TWD.
    pub price: Decimal,
    /// `InvoiceItemTaxType` part: only with [`TaxType::Mixed`] (then required).
    pub tax_type: Option<TaxType>,
}

/// The e-invoice extension (`InvoiceMark=Y`).
///
/// ```
/// use ecpay_sdk::aio::invoice::{Invoice, InvoiceItem};
/// use rust_decimal::Decimal;
/// let mut inv = Invoice::new("INV20260101001", vec![InvoiceItem {
///     name: "鍵盤".into(), count: 1, word: "個".into(), price: Decimal::from(3000), tax_type: None,
/// }]);
/// inv.customer_email = Some("buyer@example.com".into());
/// let f = inv.fields()?;
/// assert!(f.contains(&("InvoiceMark".into(), "Y".into())));
/// assert!(f.contains(&("InvoiceItemName".into(), "%e9%8d%b5%e7%9b%a4".into())));
/// # Ok::<(), ecpay_sdk::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invoice {
    /// `RelateNumber`: the merchant's invoice reference, unique, String(30).
    pub relate_number: String,
    /// `CustomerID`: the merchant's customer number, String(20) of letters, digits, `_`.
    pub customer_id: Option<String>,
    /// `CustomerIdentifier`: the buyer's 8-digit business number (統一編號).
    pub customer_identifier: Option<String>,
    /// `CustomerName`: String(20); required when printing.
    pub customer_name: Option<String>,
    /// `CustomerAddr`: String(200); required when printing.
    pub customer_addr: Option<String>,
    /// `CustomerPhone`: String(20) digits; this or `CustomerEmail` required.
    pub customer_phone: Option<String>,
    /// `CustomerEmail`: String(200); this or `CustomerPhone` required.
    pub customer_email: Option<String>,
    /// `TaxType`
    pub tax_type: TaxType,
    /// `ClearanceMark`: required with [`TaxType::ZeroRate`], refused otherwise.
    pub clearance_mark: Option<ClearanceMark>,
    /// `CarruerType`/`CarruerNum`
    pub carrier: Carrier,
    /// `Donation=1` with this `LoveCode` (3 to 7 digits, or `X`/`x` and 2 to 6 digits).
    pub love_code: Option<String>,
    /// `Print=1`: print the invoice (required with a business number).
    pub print: bool,
    /// The lines (at least one).
    pub items: Vec<InvoiceItem>,
    /// `InvoiceRemark`
    pub remark: Option<String>,
    /// `DelayDay`: 0 (issue at once) to 15 days.
    pub delay_day: u8,
    /// `InvType`
    pub inv_type: InvType,
}

impl Invoice {
    /// A taxable, unprinted, undonated invoice without carrier.
    pub fn new(relate_number: impl Into<String>, items: Vec<InvoiceItem>) -> Self {
        Self {
            relate_number: relate_number.into(),
            customer_id: None,
            customer_identifier: None,
            customer_name: None,
            customer_addr: None,
            customer_phone: None,
            customer_email: None,
            tax_type: TaxType::Taxable,
            clearance_mark: None,
            carrier: Carrier::None,
            love_code: None,
            print: false,
            items,
            remark: None,
            delay_day: 0,
            inv_type: InvType::General,
        }
    }

    /// Checks every rule and returns the fields, `InvoiceMark=Y` first, the marked fields
    /// encoded as the official SDKs encode them.
    pub fn fields(&self) -> Result<Vec<(String, String)>> {
        let v = |field: &str, reason: &str| Err(Error::validation(field, reason));
        let rn = &self.relate_number;
        if rn.is_empty() || rn.chars().count() > 30 {
            return v("RelateNumber", "required, at most 30 characters");
        }
        if !rn
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-#$".contains(c))
        {
            return v("RelateNumber", "letters, digits and `_ - # $` only");
        }
        if let Some(id) = &self.customer_id {
            if id.len() > 20 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return v("CustomerID", "at most 20 letters, digits and `_`");
            }
        }
        let ident = self.customer_identifier.as_deref().unwrap_or("");
        let ident_ok = ident.len() == 8 && ident.bytes().all(|b| b.is_ascii_digit());
        if !ident.is_empty() && !ident_ok {
            return v("CustomerIdentifier", "8 digits (統一編號)");
        }
        let has_ident = !ident.is_empty();
        let donate = self.love_code.is_some();
        if has_ident && matches!(self.carrier, Carrier::Member | Carrier::Citizen(_)) {
            return v(
                "CarruerType",
                "with a business number the carrier cannot be a member or citizen carrier",
            );
        }
        if has_ident && donate {
            return v(
                "Donation",
                "an invoice with a business number cannot be donated",
            );
        }
        if has_ident && !self.print {
            return v("Print", "an invoice with a business number must be printed");
        }
        if donate && self.print {
            return v("Print", "a donated invoice is not printed");
        }
        let name = self.customer_name.as_deref().unwrap_or("");
        let addr = self.customer_addr.as_deref().unwrap_or("");
        if name.chars().count() > 20 {
            return v("CustomerName", "at most 20 characters");
        }
        if addr.chars().count() > 200 {
            return v("CustomerAddr", "at most 200 characters");
        }
        if self.print && name.trim().is_empty() {
            return v("CustomerName", "required when the invoice is printed");
        }
        if self.print && addr.trim().is_empty() {
            return v("CustomerAddr", "required when the invoice is printed");
        }
        let phone = self.customer_phone.as_deref().unwrap_or("");
        let email = self.customer_email.as_deref().unwrap_or("");
        let phone_ok = phone.len() <= 20 && phone.bytes().all(|b| b.is_ascii_digit());
        if !phone.is_empty() && !phone_ok {
            return v("CustomerPhone", "at most 20 digits");
        }
        if email.len() > 200 {
            return v("CustomerEmail", "at most 200 characters");
        }
        if phone.is_empty() && email.is_empty() {
            return v(
                "CustomerPhone",
                "CustomerPhone or CustomerEmail is required",
            );
        }
        match (self.tax_type, self.clearance_mark) {
            (TaxType::ZeroRate, None) => {
                return v("ClearanceMark", "required with TaxType 2 (zero rate)")
            }
            (t, Some(_)) if t != TaxType::ZeroRate => {
                return v("ClearanceMark", "only with TaxType 2 (zero rate)")
            }
            _ => {}
        }
        let (carrier_type, carrier_num) = match &self.carrier {
            Carrier::None => ("", String::new()),
            Carrier::Member => ("1", String::new()),
            Carrier::Citizen(n) => {
                let b = n.as_bytes();
                if !(b.len() == 16
                    && b[..2].iter().all(u8::is_ascii_alphabetic)
                    && b[2..].iter().all(u8::is_ascii_digit))
                {
                    return v(
                        "CarruerNum",
                        "a citizen certificate number is 2 letters and 14 digits",
                    );
                }
                ("2", n.clone())
            }
            Carrier::Mobile(n) => {
                let ok = n.len() == 8
                    && n.starts_with('/')
                    && n[1..]
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
                if !ok {
                    return v(
                        "CarruerNum",
                        "a mobile barcode is `/` and 7 of 0-9, A-Z, a-z, `+ - .`",
                    );
                }
                ("3", n.clone())
            }
        };
        if let Some(code) = &self.love_code {
            let b = code.as_bytes();
            let ok = match b.first() {
                Some(b'x' | b'X') => {
                    (3..=7).contains(&b.len()) && b[1..].iter().all(u8::is_ascii_digit)
                }
                _ => (3..=7).contains(&b.len()) && b.iter().all(u8::is_ascii_digit),
            };
            if !ok {
                return v("LoveCode", "3 to 7 digits, or `X` and 2 to 6 digits");
            }
        }
        if self.delay_day > 15 {
            return v("DelayDay", "0 to 15 days");
        }
        if self.items.is_empty() {
            return v("InvoiceItemName", "at least one invoice item");
        }
        let mut names = Vec::new();
        let mut counts = Vec::new();
        let mut words = Vec::new();
        let mut prices = Vec::new();
        let mut taxes = Vec::new();
        for it in &self.items {
            if it.name.trim().is_empty() || it.name.contains('|') {
                return v(
                    "InvoiceItemName",
                    "each item name is non-empty and has no `|`",
                );
            }
            if it.word.trim().is_empty() || it.word.contains('|') {
                return v("InvoiceItemWord", "each unit is non-empty and has no `|`");
            }
            if it.count == 0 {
                return v("InvoiceItemCount", "each count is positive");
            }
            if it.price.is_sign_negative() {
                return v("InvoiceItemPrice", "each price is 0 or more");
            }
            match (self.tax_type, it.tax_type) {
                (TaxType::Mixed, Some(t @ (TaxType::Taxable | TaxType::Free))) => {
                    taxes.push(t.as_str())
                }
                (TaxType::Mixed, _) => {
                    return v(
                        "InvoiceItemTaxType",
                        "with TaxType 9 every item is 1 (taxable) or 3 (tax free)",
                    )
                }
                (_, Some(_)) => return v("InvoiceItemTaxType", "only with TaxType 9 (mixed)"),
                (_, None) => {}
            }
            names.push(it.name.as_str());
            counts.push(it.count.to_string());
            words.push(it.word.as_str());
            prices.push(it.price.normalize().to_string());
        }
        if self.tax_type == TaxType::Mixed && !(taxes.contains(&"1") && taxes.contains(&"3")) {
            return v(
                "InvoiceItemTaxType",
                "TaxType 9 needs both taxable and tax-free items",
            );
        }
        let remark = self.remark.as_deref().unwrap_or("");
        if remark.chars().count() > 200 || remark.chars().any(char::is_control) {
            return v(
                "InvoiceRemark",
                "at most 200 characters, no control characters",
            );
        }
        let f = |k: &str, v: String| (k.to_owned(), v);
        Ok(vec![
            f("InvoiceMark", "Y".into()),
            f("RelateNumber", rn.clone()),
            f("CustomerID", self.customer_id.clone().unwrap_or_default()),
            f("CustomerIdentifier", ident.to_owned()),
            f("CustomerName", encode_field(name)),
            f("CustomerAddr", encode_field(addr)),
            f("CustomerPhone", phone.to_owned()),
            f("CustomerEmail", encode_field(email)),
            f(
                "ClearanceMark",
                match self.clearance_mark {
                    None => "",
                    Some(ClearanceMark::NotThroughCustoms) => "1",
                    Some(ClearanceMark::ThroughCustoms) => "2",
                }
                .into(),
            ),
            f("TaxType", self.tax_type.as_str().into()),
            f("CarruerType", carrier_type.into()),
            f("CarruerNum", carrier_num),
            // `0` as the Node SDK's XML and ECPay's B2C invoice API have it (PHP's constant says
            // `2`; ECPay documents 0/1).
            f("Donation", if donate { "1" } else { "0" }.into()),
            f("LoveCode", self.love_code.clone().unwrap_or_default()),
            f("Print", if self.print { "1" } else { "0" }.into()),
            f("InvoiceItemName", encode_field(&names.join("|"))),
            f("InvoiceItemCount", counts.join("|")),
            f("InvoiceItemWord", encode_field(&words.join("|"))),
            f("InvoiceItemPrice", prices.join("|")),
            f("InvoiceItemTaxType", taxes.join("|")),
            f("InvoiceRemark", encode_field(remark)),
            f("DelayDay", self.delay_day.to_string()),
            f(
                "InvType",
                match self.inv_type {
                    InvType::General => "07",
                    InvType::Special => "08",
                }
                .into(),
            ),
        ])
    }
}
