//! Payouts (代付): create and query.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::Client;
use crate::create_once::{compare, create_once};
use crate::de::Fields;
use crate::error::Result;
use crate::money::{amount_to_json, ser_opt_decimal, Twd};
use crate::operation::ops;
use crate::status::OrderStatus;
use crate::validate;

/// Handler for payouts, borrowed from a [`Client`].
#[derive(Debug, Clone, Copy)]
pub struct Payouts<'a> {
    client: &'a Client,
}

/// Request of `POST /payouts` (spec `PayoutRequest`).
///
/// ```
/// use wattt_sdk::{Decimal, PayoutRequest};
/// let req = PayoutRequest::new("PO1", Decimal::new(300050, 2), "王小明")
///     .payee_bank_account("中國信託", "822123456789012");
/// let sent = req.to_fields()?;
/// assert_eq!(sent["amount"].to_string(), "3000.5");
/// assert_eq!(sent["payee_account"], "822123456789012");
/// # Ok::<(), wattt_sdk::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PayoutRequest {
    /// The merchant's payout serial number (required; the key for status lookups).
    pub serial_no: String,
    /// Amount (> 0, at most 2 decimal places); sent as a JSON number.
    pub amount: Decimal,
    /// Payee name (required).
    pub payee_name: String,
    /// Payee bank.
    pub payee_bank: Option<String>,
    /// Payee account number.
    pub payee_account: Option<String>,
    /// Where Wattt posts the result.
    pub notify_url: Option<String>,
    /// Where Wattt posts a failure / reversal.
    pub reverse_url: Option<String>,
}

impl PayoutRequest {
    /// A request with the required fields.
    pub fn new(
        serial_no: impl Into<String>,
        amount: Decimal,
        payee_name: impl Into<String>,
    ) -> Self {
        PayoutRequest {
            serial_no: serial_no.into(),
            amount,
            payee_name: payee_name.into(),
            payee_bank: None,
            payee_account: None,
            notify_url: None,
            reverse_url: None,
        }
    }

    /// Set payee bank and account.
    pub fn payee_bank_account(
        mut self,
        bank: impl Into<String>,
        account: impl Into<String>,
    ) -> Self {
        self.payee_bank = Some(bank.into());
        self.payee_account = Some(account.into());
        self
    }

    /// Set `notify_url`.
    pub fn notify_url(mut self, url: impl Into<String>) -> Self {
        self.notify_url = Some(url.into());
        self
    }

    /// Set `reverse_url`.
    pub fn reverse_url(mut self, url: impl Into<String>) -> Self {
        self.reverse_url = Some(url.into());
        self
    }

    /// Validate and give the JSON fields sent (before `uid`, `timestamp`, `sign`).
    pub fn to_fields(&self) -> Result<Map<String, Value>> {
        validate::required("serial_no", &self.serial_no)?;
        validate::required("payee_name", &self.payee_name)?;
        validate::url("notify_url", self.notify_url.as_deref())?;
        validate::url("reverse_url", self.reverse_url.as_deref())?;
        let mut m = Map::new();
        m.insert("serial_no".into(), self.serial_no.clone().into());
        m.insert("amount".into(), amount_to_json("amount", self.amount)?);
        m.insert("payee_name".into(), self.payee_name.clone().into());
        for (k, v) in [
            ("payee_bank", &self.payee_bank),
            ("payee_account", &self.payee_account),
            ("notify_url", &self.notify_url),
            ("reverse_url", &self.reverse_url),
        ] {
            if let Some(v) = v {
                m.insert(k.into(), v.clone().into());
            }
        }
        Ok(m)
    }
}

/// Which payout to query (spec `PayoutStatusRequest`).
///
/// ```
/// let lookup = wattt_sdk::PayoutLookup::SerialNo("PO1".into());
/// assert!(matches!(lookup, wattt_sdk::PayoutLookup::SerialNo(_)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PayoutLookup {
    /// By the merchant's serial number.
    SerialNo(String),
    /// By the merchant's order number.
    MerchantOrderNo(String),
}

impl PayoutLookup {
    fn reference(&self) -> &str {
        match self {
            PayoutLookup::SerialNo(v) | PayoutLookup::MerchantOrderNo(v) => v,
        }
    }

    fn to_fields(&self) -> Result<Map<String, Value>> {
        let (k, v) = match self {
            PayoutLookup::SerialNo(v) => ("serial_no", v),
            PayoutLookup::MerchantOrderNo(v) => ("merchant_order_no", v),
        };
        validate::required(k, v)?;
        let mut m = Map::new();
        m.insert(k.into(), v.clone().into());
        Ok(m)
    }
}

/// A payout as Wattt reports it (typed fields plus `extra`; `order_no` is read from
/// `order_no`, else `trade_no` or `system_order_no`, the others kept in `extra`).
///
/// ```
/// let p: wattt_sdk::Payout = serde_json::from_str(
///     r#"{"serial_no":"PO1","amount":"3000.50","status":"processing","payee_name":"王小明"}"#,
/// )?;
/// assert_eq!(p.status.map(|s| s.to_string()).as_deref(), Some("processing"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(try_from = "Map<String, Value>")]
#[non_exhaustive]
pub struct Payout {
    /// The merchant's serial number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_no: Option<String>,
    /// The merchant's order number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merchant_order_no: Option<String>,
    /// Wattt's own order number, when it sends one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_no: Option<String>,
    /// Amount.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_opt_decimal"
    )]
    pub amount: Option<Decimal>,
    /// Fee charged.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_opt_decimal"
    )]
    pub fee: Option<Decimal>,
    /// Status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<OrderStatus>,
    /// Payee name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payee_name: Option<String>,
    /// Payee bank.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payee_bank: Option<String>,
    /// Payee account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payee_account: Option<String>,
    /// Creation time, as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl TryFrom<Map<String, Value>> for Payout {
    type Error = String;
    fn try_from(m: Map<String, Value>) -> Result<Self, String> {
        let mut f = Fields(m);
        Ok(Payout {
            serial_no: f.string("serial_no", &[]),
            merchant_order_no: f.string("merchant_order_no", &[]),
            order_no: f.string("order_no", &["trade_no", "system_order_no"]),
            amount: f.decimal("amount", &[])?,
            fee: f.decimal("fee", &[])?,
            status: f.status("status"),
            payee_name: f.string("payee_name", &[]),
            payee_bank: f.string("payee_bank", &[]),
            payee_account: f.string("payee_account", &[]),
            created_at: f.string("created_at", &[]),
            extra: f.rest(),
        })
    }
}

impl Payout {
    /// What differs between this record and `req` (amount, payee name, payee account), for
    /// reconciling a lookup after an unclear create.
    fn differs_from(&self, req: &PayoutRequest) -> Option<String> {
        let wanted = Twd(req.amount.normalize());
        let found = self.amount.map(|a| Twd(a.normalize()));
        compare("amount", &wanted, found.as_ref())
            .or_else(|| compare("payee_name", &req.payee_name, self.payee_name.as_ref()))
            .or_else(|| match (&req.payee_account, &self.payee_account) {
                (Some(w), Some(f)) if w != f => {
                    Some(format!("its payee_account is {f}, this call's is {w}"))
                }
                _ => None,
            })
    }
}

impl<'a> Payouts<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Payouts { client }
    }

    /// `POST /payouts`: create a payout. **Never sent twice.**
    ///
    /// When the answer is lost or not trustworthy, the client looks the payout up by
    /// `serial_no`: a record with the same amount and payee is returned, one with another is
    /// [`Error::Conflict`](crate::Error::Conflict); if the lookup does not settle it, the error is
    /// [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown) (query again later with the same `serial_no`; never pay out
    /// again under a new one). A definite refusal is [`Error::Api`](crate::Error::Api).
    pub async fn create(&self, req: &PayoutRequest) -> Result<Payout> {
        let lookup = PayoutLookup::SerialNo(req.serial_no.clone());
        create_once(
            self.client,
            &ops::CREATE_PAYOUT,
            &req.to_fields()?,
            &req.serial_no,
            |found: &Payout| found.differs_from(req),
            || self.status(&lookup),
        )
        .await
    }

    /// `POST /payouts/status`: query a payout. Retried on transient errors.
    pub async fn status(&self, lookup: &PayoutLookup) -> Result<Payout> {
        let op = ops::PAYOUT_STATUS;
        let fields = lookup.to_fields()?;
        let mut env = self.client.send(&op, &fields, lookup.reference()).await?;
        env.data_from_map(op.name)
    }
}
