//! Payment channels, merchant amounts and payment links (tag "Payment Link").

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::{Client, Envelope};
use crate::de::Fields;
use crate::error::{Error, Result};
use crate::money::{de_opt_decimal, ser_opt_decimal, Twd};
use crate::operation::{ops, Operation};
use crate::validate;

/// Handler for the payment-link operations, borrowed from a [`Client`].
#[derive(Debug, Clone, Copy)]
pub struct PaymentLinks<'a> {
    client: &'a Client,
}

/// One payment channel (`code` read from `code`, else `channel`, which then stays in `extra`).
///
/// ```
/// let c = wattt_sdk::PaymentChannel::new("sky_coin", "天空交易所");
/// assert_eq!(c.to_string(), "天空交易所 (sky_coin)");
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(try_from = "Map<String, Value>")]
#[non_exhaustive]
pub struct PaymentChannel {
    /// Channel code to pass as `channel` (e.g. `sky_coin`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether the channel is open now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Smallest amount the channel takes.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_opt_decimal"
    )]
    pub min_amount: Option<Decimal>,
    /// Largest amount the channel takes.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_opt_decimal"
    )]
    pub max_amount: Option<Decimal>,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl TryFrom<Map<String, Value>> for PaymentChannel {
    type Error = String;
    fn try_from(m: Map<String, Value>) -> std::result::Result<Self, String> {
        let mut f = Fields(m);
        Ok(PaymentChannel {
            code: f.string("code", &["channel"]),
            name: f.string("name", &[]),
            enabled: f.boolean("enabled"),
            min_amount: f.decimal("min_amount", &[])?,
            max_amount: f.decimal("max_amount", &[])?,
            extra: f.rest(),
        })
    }
}

impl std::fmt::Display for PaymentChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.name, &self.code) {
            (Some(n), Some(c)) => write!(f, "{n} ({c})"),
            (Some(n), None) => f.write_str(n),
            (None, Some(c)) => f.write_str(c),
            (None, None) => f.write_str("unnamed channel"),
        }
    }
}

impl PaymentChannel {
    /// A channel with this code and name (for simulators and tests).
    pub fn new(code: impl Into<String>, name: impl Into<String>) -> Self {
        PaymentChannel {
            code: Some(code.into()),
            name: Some(name.into()),
            enabled: Some(true),
            ..Default::default()
        }
    }
}

/// Answer of `payment-channels` (the spec leaves `data` open).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentChannels {
    /// The channels (from `data.channels`, or `data` itself when it is a list).
    #[serde(default)]
    pub channels: Vec<PaymentChannel>,
    /// Every other field of `data`.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The merchant's allowed amounts (`payment-amounts`, spec `PaymentAmountsResponse.data`).
///
/// ```
/// use wattt_sdk::PaymentAmounts;
/// let amounts: PaymentAmounts = serde_json::from_str(
///     r#"{"currency":"TWD","fixed_amounts":[1000,2000],"allow_custom":true,"custom_min":1000,"custom_max":30000}"#,
/// )?;
/// assert!(amounts.allows(2000));
/// assert!(amounts.allows(1500));     // custom range
/// assert!(!amounts.allows(40000));
/// assert!(amounts.check(999).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentAmounts {
    /// Currency, e.g. `TWD`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_string"
    )]
    pub currency: Option<String>,
    /// Fixed amounts a member may pick.
    #[serde(default, deserialize_with = "crate::de::i64_list")]
    pub fixed_amounts: Vec<i64>,
    /// Whether a custom amount within `custom_min..=custom_max` is accepted.
    #[serde(default, deserialize_with = "crate::de::opt_bool")]
    pub allow_custom: Option<bool>,
    /// Smallest custom amount.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de_opt_decimal",
        serialize_with = "ser_opt_decimal"
    )]
    pub custom_min: Option<Decimal>,
    /// Largest custom amount.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de_opt_decimal",
        serialize_with = "ser_opt_decimal"
    )]
    pub custom_max: Option<Decimal>,
    /// Endpoint to create a link for a chosen amount.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_string"
    )]
    pub payment_link_endpoint: Option<String>,
    /// Every other field of `data`.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl PaymentAmounts {
    /// Fixed amounts only, no custom amounts.
    pub fn fixed(amounts: impl IntoIterator<Item = i64>) -> Self {
        PaymentAmounts {
            currency: Some("TWD".into()),
            fixed_amounts: amounts.into_iter().collect(),
            allow_custom: Some(false),
            ..Default::default()
        }
    }

    /// These fixed amounts plus a custom range.
    pub fn with_custom(mut self, min: Decimal, max: Decimal) -> Self {
        self.allow_custom = Some(true);
        self.custom_min = Some(min);
        self.custom_max = Some(max);
        self
    }

    /// Whether `amount` is allowed: one of `fixed_amounts`, or within `custom_min..=custom_max`
    /// when `allow_custom` (a missing bound does not limit). Non-positive amounts never are.
    pub fn allows(&self, amount: i64) -> bool {
        self.check(amount).is_ok()
    }

    /// Like [`PaymentAmounts::allows`], with an [`Error::Validation`] on `amount` that says why not.
    pub fn check(&self, amount: i64) -> Result<()> {
        if amount <= 0 {
            return Err(Error::validation("amount", "must be greater than 0"));
        }
        if self.fixed_amounts.contains(&amount) {
            return Ok(());
        }
        if self.allow_custom == Some(true) {
            let a = Decimal::from(amount);
            let above_min = self.custom_min.is_none_or(|m| a >= m);
            let below_max = self.custom_max.is_none_or(|m| a <= m);
            if above_min && below_max {
                return Ok(());
            }
            return Err(Error::validation(
                "amount",
                format!(
                    "{} is not one of the fixed amounts ({}) nor within the custom range {}",
                    Twd(Decimal::from(amount)),
                    self.fixed_list(),
                    self.custom_range()
                ),
            ));
        }
        Err(Error::validation(
            "amount",
            format!(
                "{} is not one of the fixed amounts ({}); custom amounts are not allowed",
                Twd(Decimal::from(amount)),
                self.fixed_list()
            ),
        ))
    }

    fn fixed_list(&self) -> String {
        if self.fixed_amounts.is_empty() {
            return "none".into();
        }
        self.fixed_amounts
            .iter()
            .map(|a| Twd(Decimal::from(*a)).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn custom_range(&self) -> String {
        let show =
            |d: Option<Decimal>, open: &str| d.map_or(open.to_owned(), |d| Twd(d).to_string());
        format!(
            "{} to {}",
            show(self.custom_min, "no minimum"),
            show(self.custom_max, "no maximum")
        )
    }
}

/// For people: `fixed NT$1,000, NT$2,000; custom NT$1,000 to NT$30,000`.
///
/// ```
/// use wattt_sdk::{Decimal, PaymentAmounts};
/// let a = PaymentAmounts::fixed([1000, 2000]).with_custom(Decimal::from(1000), Decimal::from(30000));
/// assert_eq!(a.to_string(), "fixed NT$1,000, NT$2,000; custom NT$1,000 to NT$30,000");
/// assert_eq!(PaymentAmounts::fixed([500]).to_string(), "fixed NT$500; no custom amounts");
/// ```
impl std::fmt::Display for PaymentAmounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "fixed {}; ", self.fixed_list())?;
        if self.allow_custom == Some(true) {
            write!(f, "custom {}", self.custom_range())
        } else {
            f.write_str("no custom amounts")
        }
    }
}

/// Request of `payment-links` (spec `PaymentLinkRequest`; `uid`, `timestamp`, `sign` are the
/// client's).
///
/// The payer's account goes in `payer_account_no`; unless set, the client fills the spec's
/// compatibility fields from it: `payerAccountNumber` (the full number), `payeeAccountNumber`
/// and `payer_account_last5` (its last five digits).
///
/// ```
/// use wattt_sdk::PaymentLinkRequest;
/// let req = PaymentLinkRequest::new("TP1", "U10001", "Amy", "https://m.example/notify")
///     .payer_account_no("008123456789");
/// let sent = req.to_fields()?;
/// assert_eq!(sent["payerAccountNumber"], "008123456789");
/// assert_eq!(sent["payeeAccountNumber"], "56789");
/// # Ok::<(), wattt_sdk::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[non_exhaustive]
pub struct PaymentLinkRequest {
    /// Channel code (e.g. `sky_coin`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// The merchant's order number (required).
    pub merchant_order_no: String,
    /// Member number (required).
    pub member_no: String,
    /// Member account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_account: Option<String>,
    /// Member name (required).
    pub member_name: String,
    /// Member phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_phone: Option<String>,
    /// Member e-mail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_email: Option<String>,
    /// Payer name (may equal `member_name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payer_name: Option<String>,
    /// Payer's bank name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payer_bank_name: Option<String>,
    /// Payer's bank code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payer_bank_code: Option<String>,
    /// Payer's full bank account number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payer_account_no: Option<String>,
    /// Last five digits of the payer's account (filled from `payer_account_no` if unset).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payer_account_last5: Option<String>,
    /// camelCase compatibility copy of the full account (filled if unset).
    #[serde(rename = "payerAccountNumber", skip_serializing_if = "Option::is_none")]
    pub payer_account_number: Option<String>,
    /// Compatibility field: the account's last five digits (filled if unset).
    #[serde(rename = "payeeAccountNumber", skip_serializing_if = "Option::is_none")]
    pub payee_account_number: Option<String>,
    /// Legacy bank-name field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_bank_name: Option<String>,
    /// Legacy account field (prefer `payer_account_no`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_bank_account: Option<String>,
    /// Where Wattt posts the result (required).
    pub notify_url: String,
    /// Where the member returns after paying.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_url: Option<String>,
    /// Free-form data, sent but not signed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra: Option<Map<String, Value>>,
}

impl PaymentLinkRequest {
    /// A request with the required fields.
    pub fn new(
        merchant_order_no: impl Into<String>,
        member_no: impl Into<String>,
        member_name: impl Into<String>,
        notify_url: impl Into<String>,
    ) -> Self {
        PaymentLinkRequest {
            merchant_order_no: merchant_order_no.into(),
            member_no: member_no.into(),
            member_name: member_name.into(),
            notify_url: notify_url.into(),
            ..Default::default()
        }
    }

    /// Set the payer's bank account number.
    pub fn payer_account_no(mut self, account: impl Into<String>) -> Self {
        self.payer_account_no = Some(account.into());
        self
    }

    /// Set the channel.
    pub fn channel(mut self, channel: impl Into<String>) -> Self {
        self.channel = Some(channel.into());
        self
    }

    fn validate(&self) -> Result<()> {
        validate::required("merchant_order_no", &self.merchant_order_no)?;
        validate::required("member_no", &self.member_no)?;
        validate::required("member_name", &self.member_name)?;
        validate::required_url("notify_url", &self.notify_url)?;
        validate::url("return_url", self.return_url.as_deref())
    }

    /// The JSON fields sent (before `uid`, `timestamp`, `sign`), compatibility fields filled.
    pub fn to_fields(&self) -> Result<Map<String, Value>> {
        self.validate()?;
        let mut m = to_map(self)?;
        fill_compat(&mut m, self.payer_account_no.as_deref(), true);
        Ok(m)
    }
}

/// Request of `payment-links/amount` (spec `PaymentLinkAmountRequest`): a link for an amount the
/// member already chose.
///
/// ```
/// use wattt_sdk::PaymentLinkAmountRequest;
/// let req = PaymentLinkAmountRequest::new("TP1", 5000, "U10001", "Amy", "https://m.example/notify")
///     .payer_account_no("008123456789");
/// let sent = req.to_fields()?;
/// assert_eq!(sent["payer_account_last5"], "56789");
/// assert!(!sent.contains_key("payerAccountNumber")); // not a field of this schema
/// # Ok::<(), wattt_sdk::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[non_exhaustive]
pub struct PaymentLinkAmountRequest {
    /// Channel code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// The merchant's order number (required).
    pub merchant_order_no: String,
    /// Amount, an integer (required, > 0; must match the merchant's amounts).
    pub amount: i64,
    /// Member number (required).
    pub member_no: String,
    /// Member account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_account: Option<String>,
    /// Member name (required).
    pub member_name: String,
    /// Member phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_phone: Option<String>,
    /// Payer's bank name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payer_bank_name: Option<String>,
    /// Payer's bank code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payer_bank_code: Option<String>,
    /// Payer's full bank account number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payer_account_no: Option<String>,
    /// Last five digits (filled from `payer_account_no` if unset).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payer_account_last5: Option<String>,
    /// Where Wattt posts the result (required).
    pub notify_url: String,
    /// Where the member returns after paying.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_url: Option<String>,
    /// Free-form data, sent but not signed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra: Option<Map<String, Value>>,
}

impl PaymentLinkAmountRequest {
    /// A request with the required fields.
    pub fn new(
        merchant_order_no: impl Into<String>,
        amount: i64,
        member_no: impl Into<String>,
        member_name: impl Into<String>,
        notify_url: impl Into<String>,
    ) -> Self {
        PaymentLinkAmountRequest {
            merchant_order_no: merchant_order_no.into(),
            amount,
            member_no: member_no.into(),
            member_name: member_name.into(),
            notify_url: notify_url.into(),
            ..Default::default()
        }
    }

    /// Set the payer's bank account number.
    pub fn payer_account_no(mut self, account: impl Into<String>) -> Self {
        self.payer_account_no = Some(account.into());
        self
    }

    /// Set the channel.
    pub fn channel(mut self, channel: impl Into<String>) -> Self {
        self.channel = Some(channel.into());
        self
    }

    fn validate(&self) -> Result<()> {
        validate::required("merchant_order_no", &self.merchant_order_no)?;
        if self.amount <= 0 {
            return Err(Error::validation("amount", "must be greater than 0"));
        }
        validate::required("member_no", &self.member_no)?;
        validate::required("member_name", &self.member_name)?;
        validate::required_url("notify_url", &self.notify_url)?;
        validate::url("return_url", self.return_url.as_deref())
    }

    /// The JSON fields sent (before `uid`, `timestamp`, `sign`): exactly the fields of the
    /// spec's `PaymentLinkAmountRequest`, with `payer_account_last5` filled from
    /// `payer_account_no` unless set. The camelCase compatibility fields of
    /// `PaymentLinkRequest` are not in this schema and are never sent here.
    pub fn to_fields(&self) -> Result<Map<String, Value>> {
        self.validate()?;
        let mut m = to_map(self)?;
        fill_compat(&mut m, self.payer_account_no.as_deref(), false);
        Ok(m)
    }
}

pub(crate) fn to_map<T: Serialize>(v: &T) -> Result<Map<String, Value>> {
    match serde_json::to_value(v) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(Error::validation(
            "request",
            "did not serialize to a JSON object",
        )),
    }
}

/// The last five digits of an account number (non-digits ignored); `None` when it has none.
pub fn account_last5(account: &str) -> Option<String> {
    let digits: Vec<char> = account.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.is_empty() {
        return None;
    }
    Some(digits[digits.len().saturating_sub(5)..].iter().collect())
}

fn fill_compat(m: &mut Map<String, Value>, account: Option<&str>, camel: bool) {
    let Some(account) = account.filter(|a| !a.trim().is_empty()) else {
        return;
    };
    let last5 = account_last5(account);
    if camel {
        m.entry("payerAccountNumber")
            .or_insert_with(|| Value::String(account.to_string()));
    }
    if let Some(l5) = last5 {
        if camel {
            m.entry("payeeAccountNumber")
                .or_insert_with(|| Value::String(l5.clone()));
        }
        m.entry("payer_account_last5").or_insert(Value::String(l5));
    }
}

/// `data` of a payment-link answer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentLinkData {
    /// Payment URL.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_string"
    )]
    pub url: Option<String>,
    /// Same as `url`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_string"
    )]
    pub redirect_url: Option<String>,
    /// Same as `url`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_string"
    )]
    pub payment_url: Option<String>,
    /// HTTP method for the redirect (`GET`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_string"
    )]
    pub method: Option<String>,
    /// The merchant's order number.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_string"
    )]
    pub merchant_order_no: Option<String>,
    /// Third-party session id.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_string"
    )]
    pub third_party_session: Option<String>,
    /// Expiry, as sent (e.g. `2026-05-23 12:30:00`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_string"
    )]
    pub expires_at: Option<String>,
    /// Wait-page short URL.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_string"
    )]
    pub wait_url: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Answer of `payment-links` and `payment-links/amount` (spec `PaymentLinkResponse`, minus the
/// envelope's `ok` and `message`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentLink {
    /// Payment URL.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_string"
    )]
    pub url: Option<String>,
    /// Same as `url`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_string"
    )]
    pub redirect_url: Option<String>,
    /// Same as `url`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_string"
    )]
    pub payment_url: Option<String>,
    /// HTTP method for the redirect.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_string"
    )]
    pub method: Option<String>,
    /// Amount (integer; `payment-links/amount` only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_i64"
    )]
    pub amount: Option<i64>,
    /// `fixed` or `custom`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_string"
    )]
    pub amount_mode: Option<String>,
    /// The `data` object.
    #[serde(default)]
    pub data: PaymentLinkData,
    /// Every other top-level field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl PaymentLink {
    /// The URL to send the member to: the first non-empty of `url`, `redirect_url`,
    /// `payment_url`, `data.url`, `data.redirect_url`, `data.payment_url`, `data.wait_url`.
    pub fn payment_url(&self) -> Result<&str> {
        [
            &self.url,
            &self.redirect_url,
            &self.payment_url,
            &self.data.url,
            &self.data.redirect_url,
            &self.data.payment_url,
            &self.data.wait_url,
        ]
        .into_iter()
        .filter_map(|u| u.as_deref())
        .find(|u| !u.trim().is_empty())
        .ok_or_else(|| {
            Error::decode(
                "the payment-link answer carries none of `url`, `redirect_url`, `payment_url`, \
                 `data.url`, `data.redirect_url`, `data.payment_url`, `data.wait_url`",
                b"",
            )
        })
    }
}

impl<'a> PaymentLinks<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        PaymentLinks { client }
    }

    /// `POST /payment-channels`: the channels open to the merchant. Retried on transient errors.
    pub async fn channels(&self) -> Result<PaymentChannels> {
        let op = ops::PAYMENT_CHANNELS;
        let env = self.client.send(&op, &Map::new(), "").await?;
        env.list_as(op.name, "channels")
    }

    /// `POST /payment-amounts`: fixed amounts and custom range. Retried on transient errors.
    pub async fn amounts(&self) -> Result<PaymentAmounts> {
        let op = ops::PAYMENT_AMOUNTS;
        let mut env = self.client.send(&op, &Map::new(), "").await?;
        env.data_as(op.name)
    }

    /// `POST /payment-links`: a redirect link to the payment page. Not sent twice: an unclear
    /// outcome is [`Error::OutcomeUnknown`] naming `merchant_order_no`.
    pub async fn create(&self, req: &PaymentLinkRequest) -> Result<PaymentLink> {
        let fields = req.to_fields()?;
        self.send_link(&ops::PAYMENT_LINK, &fields, &req.merchant_order_no)
            .await
    }

    /// `POST /payment-links/amount`: a short wait-page link for an amount already chosen.
    /// Not retried.
    pub async fn create_for_amount(&self, req: &PaymentLinkAmountRequest) -> Result<PaymentLink> {
        let fields = req.to_fields()?;
        self.send_link(&ops::PAYMENT_LINK_AMOUNT, &fields, &req.merchant_order_no)
            .await
    }

    /// Like [`PaymentLinks::create_for_amount`], but first refuses an amount that `amounts`
    /// (as fetched with [`PaymentLinks::amounts`]) does not allow, without sending anything.
    pub async fn create_for_amount_checked(
        &self,
        req: &PaymentLinkAmountRequest,
        amounts: &PaymentAmounts,
    ) -> Result<PaymentLink> {
        amounts.check(req.amount)?;
        self.create_for_amount(req).await
    }

    async fn send_link(
        &self,
        op: &Operation,
        fields: &Map<String, Value>,
        reference: &str,
    ) -> Result<PaymentLink> {
        let env = self.client.send(op, fields, reference).await?;
        link_from(op, env)
    }
}

/// A payment-link answer: its top-level fields and its `data` object.
pub(crate) fn link_from(op: &Operation, env: Envelope) -> Result<PaymentLink> {
    let mut top = env.rest;
    let data = match env.data {
        Value::Object(m) => Value::Object(m),
        _ => Value::Object(Map::new()),
    };
    top.insert("data".into(), data);
    serde_json::from_value(Value::Object(top))
        .map_err(|e| Error::decode(format!("{}: {e}", op.name), &env.body))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Finding (issue 13, Wattt): `/payment-links/amount` sent and signed `payerAccountNumber`,
    /// `payeeAccountNumber`, `member_email`, `payer_name`, which `PaymentLinkAmountRequest`
    /// (spec/wattt-merchant.openapi.json) does not have. The expected list is that schema's
    /// `properties` minus the client's own `uid`, `timestamp`, `sign`.
    #[test]
    fn amount_link_sends_only_its_schema_fields() {
        let schema_fields = [
            "channel",
            "merchant_order_no",
            "amount",
            "member_no",
            "member_account",
            "member_name",
            "member_phone",
            "payer_bank_name",
            "payer_bank_code",
            "payer_account_no",
            "payer_account_last5",
            "notify_url",
            "return_url",
            "extra",
        ];
        let mut req = PaymentLinkAmountRequest::new("M", 5000, "U", "A", "https://m.example/n")
            .payer_account_no("008123456789")
            .channel("sky_coin");
        req.member_account = Some("acct".into());
        req.member_phone = Some("0912".into());
        req.payer_bank_name = Some("華南銀行".into());
        req.payer_bank_code = Some("008".into());
        req.return_url = Some("https://m.example/r".into());
        req.extra = Some(Map::new());
        let m = req.to_fields().unwrap();
        for k in m.keys() {
            assert!(
                schema_fields.contains(&k.as_str()),
                "`{k}` is not in the schema"
            );
        }
        assert_eq!(m.len(), schema_fields.len(), "{m:?}");
        assert_eq!(m["payer_account_last5"], "56789");
    }

    #[test]
    fn last5() {
        assert_eq!(account_last5("008123456789").as_deref(), Some("56789"));
        assert_eq!(account_last5("008-1234-56789").as_deref(), Some("56789"));
        assert_eq!(account_last5("123").as_deref(), Some("123"));
        assert_eq!(account_last5("abc"), None);
    }

    #[test]
    fn compat_fields_are_filled_unless_set() {
        let req = PaymentLinkRequest::new("M1", "U1", "Amy", "https://m.example/n")
            .payer_account_no("008123456789");
        let m = req.to_fields().unwrap();
        assert_eq!(m["payerAccountNumber"], "008123456789");
        assert_eq!(m["payeeAccountNumber"], "56789");
        assert_eq!(m["payer_account_last5"], "56789");

        let mut req = req;
        req.payer_account_last5 = Some("99999".into());
        req.payer_account_number = Some("X".into());
        let m = req.to_fields().unwrap();
        assert_eq!(m["payer_account_last5"], "99999");
        assert_eq!(m["payerAccountNumber"], "X");
        assert_eq!(m["payeeAccountNumber"], "56789");

        let m = PaymentLinkRequest::new("M1", "U1", "Amy", "https://m.example/n")
            .to_fields()
            .unwrap();
        assert!(!m.contains_key("payerAccountNumber"));
    }

    #[test]
    fn payment_url_order_and_absence() {
        let mut l = PaymentLink::default();
        assert!(matches!(l.payment_url(), Err(Error::Decode { .. })));
        l.data.wait_url = Some("w".into());
        assert_eq!(l.payment_url().unwrap(), "w");
        l.data.payment_url = Some("d".into());
        assert_eq!(l.payment_url().unwrap(), "d");
        l.redirect_url = Some("".into());
        assert_eq!(l.payment_url().unwrap(), "d");
        l.redirect_url = Some("r".into());
        assert_eq!(l.payment_url().unwrap(), "r");
        l.url = Some("u".into());
        assert_eq!(l.payment_url().unwrap(), "u");
    }

    #[test]
    fn amount_rules() {
        let a = PaymentAmounts::fixed([1000, 2000]);
        assert!(a.allows(1000));
        assert!(!a.allows(1500));
        assert!(!a.allows(0));
        let a = a.with_custom(Decimal::from(1200), Decimal::from(1800));
        assert!(a.allows(1500));
        assert!(a.allows(1200) && a.allows(1800));
        assert!(!a.allows(1199) && !a.allows(1801));
        assert!(a.allows(2000));
        match a.check(5) {
            Err(Error::Validation {
                field: "amount",
                reason,
            }) => assert!(reason.contains("NT$1,200"), "{reason}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn validation_names_fields() {
        let cases: Vec<(PaymentLinkRequest, &str)> = vec![
            (
                PaymentLinkRequest::new("", "U", "A", "https://m.example/n"),
                "merchant_order_no",
            ),
            (
                PaymentLinkRequest::new("M", " ", "A", "https://m.example/n"),
                "member_no",
            ),
            (
                PaymentLinkRequest::new("M", "U", "", "https://m.example/n"),
                "member_name",
            ),
            (
                PaymentLinkRequest::new("M", "U", "A", "not a url"),
                "notify_url",
            ),
        ];
        for (req, field) in cases {
            match req.to_fields() {
                Err(Error::Validation { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: {other:?}"),
            }
        }
        // Finding (issue 13): the spec gives `member_email` as a plain string, no e-mail
        // shape; the SDK no longer refuses what Wattt may accept.
        let mut r = PaymentLinkRequest::new("M", "U", "A", "https://m.example/n");
        r.member_email = Some("member at example".into());
        assert!(r.to_fields().is_ok());
        let r = PaymentLinkAmountRequest::new("M", 0, "U", "A", "https://m.example/n");
        assert!(matches!(
            r.to_fields(),
            Err(Error::Validation {
                field: "amount",
                ..
            })
        ));
    }
}
