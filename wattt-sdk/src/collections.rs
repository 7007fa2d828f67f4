//! Collections (收單): create and query.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::{ops, Client, Operation};
use crate::error::{Error, Result};
use crate::money::{amount_to_json, de_opt_decimal, ser_opt_decimal};
use crate::status::OrderStatus;
use crate::validate;

/// Handler for collections, borrowed from a [`Client`].
#[derive(Debug, Clone, Copy)]
pub struct Collections<'a> {
    client: &'a Client,
}

/// Request of `POST /collections` (spec `CollectionRequest`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CollectionRequest {
    /// The merchant's collection id (required; also the key for status lookups).
    pub orderid: String,
    /// The merchant's order number.
    pub merchant_order_no: Option<String>,
    /// Amount (> 0, at most 2 decimal places); sent as a JSON number.
    pub amount: Decimal,
    /// Where Wattt posts the result.
    pub notify_url: Option<String>,
}

impl CollectionRequest {
    /// A request with the required fields.
    pub fn new(orderid: impl Into<String>, amount: Decimal) -> Self {
        CollectionRequest {
            orderid: orderid.into(),
            merchant_order_no: None,
            amount,
            notify_url: None,
        }
    }

    /// Set `notify_url`.
    pub fn notify_url(mut self, url: impl Into<String>) -> Self {
        self.notify_url = Some(url.into());
        self
    }

    /// Set `merchant_order_no`.
    pub fn merchant_order_no(mut self, no: impl Into<String>) -> Self {
        self.merchant_order_no = Some(no.into());
        self
    }

    /// Validate and give the JSON fields sent (before `uid`, `timestamp`, `sign`).
    pub fn to_fields(&self) -> Result<Map<String, Value>> {
        validate::required("orderid", &self.orderid)?;
        validate::optional("merchant_order_no", self.merchant_order_no.as_deref())?;
        validate::url("notify_url", self.notify_url.as_deref())?;
        let mut m = Map::new();
        m.insert("orderid".into(), self.orderid.clone().into());
        if let Some(v) = &self.merchant_order_no {
            m.insert("merchant_order_no".into(), v.clone().into());
        }
        m.insert("amount".into(), amount_to_json("amount", self.amount)?);
        if let Some(v) = &self.notify_url {
            m.insert("notify_url".into(), v.clone().into());
        }
        Ok(m)
    }
}

/// Which collection to query (spec `CollectionStatusRequest`: by `orderid` or `merchant_order_no`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CollectionLookup {
    /// By the merchant's collection id.
    OrderId(String),
    /// By the merchant's order number.
    MerchantOrderNo(String),
}

impl CollectionLookup {
    fn to_fields(&self) -> Result<Map<String, Value>> {
        let (k, v) = match self {
            CollectionLookup::OrderId(v) => ("orderid", v),
            CollectionLookup::MerchantOrderNo(v) => ("merchant_order_no", v),
        };
        validate::required(k, v)?;
        let mut m = Map::new();
        m.insert(k.into(), v.clone().into());
        Ok(m)
    }
}

/// A collection as Wattt reports it (the spec leaves `data` open: the fields a merchant needs
/// are typed, everything else is kept in `extra`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Collection {
    /// The merchant's collection id.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_string"
    )]
    pub orderid: Option<String>,
    /// The merchant's order number.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_string"
    )]
    pub merchant_order_no: Option<String>,
    /// Wattt's own order number, when it sends one.
    #[serde(
        default,
        alias = "trade_no",
        alias = "system_order_no",
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_string"
    )]
    pub order_no: Option<String>,
    /// Amount.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de_opt_decimal",
        serialize_with = "ser_opt_decimal"
    )]
    pub amount: Option<Decimal>,
    /// Amount actually paid, when different.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de_opt_decimal",
        serialize_with = "ser_opt_decimal"
    )]
    pub paid_amount: Option<Decimal>,
    /// Fee charged.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de_opt_decimal",
        serialize_with = "ser_opt_decimal"
    )]
    pub fee: Option<Decimal>,
    /// Status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<OrderStatus>,
    /// Payment page, when the answer carries one.
    #[serde(
        default,
        alias = "url",
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_string"
    )]
    pub payment_url: Option<String>,
    /// Creation time, as sent.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_string"
    )]
    pub created_at: Option<String>,
    /// Payment time, as sent.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_string"
    )]
    pub paid_at: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl<'a> Collections<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Collections { client }
    }

    /// `POST /collections`: create a collection. **Never retried.**
    ///
    /// When the answer is lost or not trustworthy (timeout after sending, 5xx, undecodable
    /// body), the client looks the collection up by `orderid` and returns what it found (the
    /// lookup's record). If the lookup does not settle it, the error is
    /// [`Error::OutcomeUnknown`]: query again later with the same `orderid`; do not create it
    /// again under a new one. A definite refusal (`ok != 1` with a 2xx/4xx status) is
    /// [`Error::Api`] and nothing was created.
    pub async fn create(&self, req: &CollectionRequest) -> Result<Collection> {
        let lookup = CollectionLookup::OrderId(req.orderid.clone());
        create_once(
            self.client,
            &ops::CREATE_COLLECTION,
            &req.to_fields()?,
            &req.orderid,
            || self.status(&lookup),
        )
        .await
    }

    /// `POST /collections/status`: query a collection. Retried on transient errors.
    pub async fn status(&self, lookup: &CollectionLookup) -> Result<Collection> {
        let op = ops::COLLECTION_STATUS;
        let fields = lookup.to_fields()?;
        let mut env = self.client.call(&op, &fields).await?;
        env.data_as(op.name)
    }
}

/// Sends a create that must never happen twice, once. When its outcome is unclear, `look_up`
/// settles it: what it finds is returned, and if it finds nothing certain the error is
/// [`Error::OutcomeUnknown`] naming `reference` (the key to query with later).
pub(crate) async fn create_once<T, F, Fut>(
    client: &Client,
    op: &Operation,
    fields: &Map<String, Value>,
    reference: &str,
    look_up: F,
) -> Result<T>
where
    T: serde::de::DeserializeOwned,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let first = client
        .call(op, fields)
        .await
        .and_then(|mut env| env.data_as::<T>(op.name));
    match first {
        Ok(created) => Ok(created),
        Err(e) if !outcome_unclear(&e) => Err(e),
        Err(cause) => {
            tracing::warn!(operation = op.name, error = %cause, "creation outcome unclear; querying status");
            look_up().await.map_err(|lookup| Error::OutcomeUnknown {
                operation: op.name,
                reference: reference.to_owned(),
                cause: Box::new(cause),
                lookup: lookup.to_string(),
            })
        }
    }
}

/// Whether a failed creation may nevertheless have happened.
fn outcome_unclear(e: &Error) -> bool {
    match e {
        Error::Validation { .. } | Error::Config(_) => false,
        Error::Transport { source, .. } => !(source.is_connect() || source.is_builder()),
        Error::Api { status, .. } => *status >= 500,
        Error::Http { status, .. } => {
            *status >= 500 || *status == 408 || *status == 429 || *status < 400
        }
        Error::Decode { .. } | Error::BodyTooLarge { .. } => true,
        _ => true,
    }
}
