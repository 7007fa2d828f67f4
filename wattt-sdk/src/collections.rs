//! Collections (收單): create and query.

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

/// Handler for collections, borrowed from a [`Client`].
#[derive(Debug, Clone, Copy)]
pub struct Collections<'a> {
    client: &'a Client,
}

/// Request of `POST /collections` (spec `CollectionRequest`).
///
/// ```
/// use wattt_sdk::{CollectionRequest, Decimal};
/// let req = CollectionRequest::new("COL1", Decimal::new(250000, 2)).notify_url("https://m.example/n");
/// let sent = req.to_fields()?;
/// assert_eq!(serde_json::Value::Object(sent), serde_json::json!({
///     "orderid": "COL1", "amount": 2500, "notify_url": "https://m.example/n",
/// }));
/// # Ok::<(), wattt_sdk::Error>(())
/// ```
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
///
/// ```
/// let by_id = wattt_sdk::CollectionLookup::OrderId("COL1".into());
/// assert_ne!(by_id, wattt_sdk::CollectionLookup::MerchantOrderNo("COL1".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CollectionLookup {
    /// By the merchant's collection id.
    OrderId(String),
    /// By the merchant's order number.
    MerchantOrderNo(String),
}

impl CollectionLookup {
    fn reference(&self) -> &str {
        match self {
            CollectionLookup::OrderId(v) | CollectionLookup::MerchantOrderNo(v) => v,
        }
    }

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
///
/// Wattt may name one value several ways (`payment_url` or `url`; `order_no`, `trade_no` or
/// `system_order_no`): the typed field takes the first present, and the others stay in `extra`
/// with their own values, so an answer carrying all of them loses none.
///
/// ```
/// let c: wattt_sdk::Collection = serde_json::from_str(
///     r#"{"orderid":"C1","amount":2500,"status":"pending","url":"https://a","payment_url":"https://b"}"#,
/// )?;
/// assert_eq!(c.payment_url.as_deref(), Some("https://b"));
/// assert_eq!(c.extra["url"], "https://a");
/// assert_eq!(c.amount.map(|a| a.to_string()).as_deref(), Some("2500"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(try_from = "Map<String, Value>")]
#[non_exhaustive]
pub struct Collection {
    /// The merchant's collection id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orderid: Option<String>,
    /// The merchant's order number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merchant_order_no: Option<String>,
    /// Wattt's own order number (`order_no`, else `trade_no` or `system_order_no`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_no: Option<String>,
    /// Amount.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_opt_decimal"
    )]
    pub amount: Option<Decimal>,
    /// Amount actually paid, when different.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_opt_decimal"
    )]
    pub paid_amount: Option<Decimal>,
    /// Fee charged.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_opt_decimal"
    )]
    pub fee: Option<Decimal>,
    /// Status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<OrderStatus>,
    /// Payment page (`payment_url`, else `url`), when the answer carries one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_url: Option<String>,
    /// Creation time, as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Payment time, as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid_at: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl TryFrom<Map<String, Value>> for Collection {
    type Error = String;
    fn try_from(m: Map<String, Value>) -> Result<Self, String> {
        let mut f = Fields(m);
        Ok(Collection {
            orderid: f.string("orderid", &[]),
            merchant_order_no: f.string("merchant_order_no", &[]),
            order_no: f.string("order_no", &["trade_no", "system_order_no"]),
            amount: f.decimal("amount", &[])?,
            paid_amount: f.decimal("paid_amount", &[])?,
            fee: f.decimal("fee", &[])?,
            status: f.status("status"),
            payment_url: f.string("payment_url", &["url"]),
            created_at: f.string("created_at", &[]),
            paid_at: f.string("paid_at", &[]),
            extra: f.rest(),
        })
    }
}

impl<'a> Collections<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Collections { client }
    }

    /// `POST /collections`: create a collection. **Never sent twice.**
    ///
    /// When the answer is lost or not trustworthy (timeout after sending, 5xx, undecodable
    /// body), the client looks the collection up by `orderid`: a record of the same amount is
    /// returned; one of another amount is [`Error::Conflict`](crate::Error::Conflict); if the
    /// lookup does not settle it, the error is
    /// [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown): query again later with the same
    /// `orderid`, and do not create it again under a new one. A definite refusal (`ok != 1`
    /// with a 2xx/4xx status) is [`Error::Api`](crate::Error::Api) and nothing was created.
    pub async fn create(&self, req: &CollectionRequest) -> Result<Collection> {
        let lookup = CollectionLookup::OrderId(req.orderid.clone());
        let wanted = Twd(req.amount.normalize());
        create_once(
            self.client,
            &ops::CREATE_COLLECTION,
            &req.to_fields()?,
            &req.orderid,
            |found: &Collection| {
                let found_amount = found.amount.map(|a| Twd(a.normalize()));
                compare("amount", &wanted, found_amount.as_ref())
            },
            || self.status(&lookup),
        )
        .await
    }

    /// `POST /collections/status`: query a collection. Retried on transient errors.
    pub async fn status(&self, lookup: &CollectionLookup) -> Result<Collection> {
        let op = ops::COLLECTION_STATUS;
        let fields = lookup.to_fields()?;
        let mut env = self.client.send(&op, &fields, lookup.reference()).await?;
        env.data_from_map(op.name)
    }
}
