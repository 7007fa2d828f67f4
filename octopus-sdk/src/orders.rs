//! Orders: create, get, update, list, and a stream over every page.

use std::collections::HashSet;

use chrono::{DateTime, SecondsFormat, Utc};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use reqwest::Method;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::client::{Call, Client};
use crate::error::{Error, Result};
use crate::models::{
    default_currency, Metadata, Money, Order, OrderStatus, Page, Pagination, SortOrder,
};
use crate::validate;

/// Default page size of `GET /orders` (spec).
pub const DEFAULT_LIMIT: u32 = 10;

/// Body of `POST /orders`.
///
/// ```
/// use octopus_sdk::orders::CreateOrder;
/// let req = CreateOrder::new("Coffee", "100.00".parse().unwrap()).customer_email("a@b.hk");
/// assert_eq!(
///     serde_json::to_string(&req).unwrap(),
///     r#"{"description":"Coffee","amount":100.00,"currency":"HKD","customerEmail":"a@b.hk"}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateOrder {
    /// Description (required, non-empty).
    pub description: String,
    /// Amount: > 0, at most 2 decimals.
    #[serde(with = "crate::money")]
    pub amount: Decimal,
    /// Currency, `HKD` by default.
    pub currency: String,
    /// Customer e-mail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_email: Option<String>,
    /// Customer phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_phone: Option<String>,
    /// Free-form metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

impl CreateOrder {
    /// An order of `amount` HKD.
    pub fn new(description: impl Into<String>, amount: Decimal) -> Self {
        Self {
            description: description.into(),
            amount,
            currency: default_currency(),
            customer_email: None,
            customer_phone: None,
            metadata: None,
        }
    }

    /// Sets the currency.
    pub fn currency(mut self, c: impl Into<String>) -> Self {
        self.currency = c.into();
        self
    }

    /// Sets the customer e-mail.
    pub fn customer_email(mut self, e: impl Into<String>) -> Self {
        self.customer_email = Some(e.into());
        self
    }

    /// Sets the customer phone.
    pub fn customer_phone(mut self, p: impl Into<String>) -> Self {
        self.customer_phone = Some(p.into());
        self
    }

    /// Sets the metadata.
    pub fn metadata(mut self, m: Metadata) -> Self {
        self.metadata = Some(m);
        self
    }

    /// Checks the spec's rules.
    pub fn validate(&self) -> Result<()> {
        validate::non_empty("description", &self.description)?;
        validate::amount("amount", &self.amount)?;
        validate::currency("currency", &self.currency)?;
        if let Some(e) = &self.customer_email {
            validate::email("customerEmail", e)?;
        }
        if let Some(p) = &self.customer_phone {
            validate::non_empty("customerPhone", p)?;
        }
        Ok(())
    }
}

/// Body of `PATCH /orders/{id}`: only the fields set are sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateOrder {
    /// New description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New amount.
    #[serde(skip_serializing_if = "Option::is_none", with = "crate::money::option")]
    pub amount: Option<Decimal>,
    /// New status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<OrderStatus>,
    /// New metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

impl UpdateOrder {
    /// Checks the spec's rules (and that something is being changed).
    pub fn validate(&self) -> Result<()> {
        if self.description.is_none()
            && self.amount.is_none()
            && self.status.is_none()
            && self.metadata.is_none()
        {
            return Err(Error::validation(
                "body",
                "set at least one of description, amount, status, metadata",
            ));
        }
        if let Some(d) = &self.description {
            validate::non_empty("description", d)?;
        }
        if let Some(a) = &self.amount {
            validate::amount("amount", a)?;
        }
        if let Some(OrderStatus::Other(s)) = &self.status {
            return Err(Error::validation(
                "status",
                format!("{s:?} is not a documented order status"),
            ));
        }
        Ok(())
    }
}

/// Query of `GET /orders`: paging (`page`, `limit`, `sort`, `order`) and
/// filters (`status`, `amount_min`, `amount_max`, `created_after`, `created_before`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListOrders {
    /// Page, 1-based (platform default 1).
    pub page: Option<u32>,
    /// Page size (platform default 10).
    pub limit: Option<u32>,
    /// Sort field (platform default `createdAt`).
    pub sort: Option<String>,
    /// Sort direction (platform default `desc`).
    pub order: Option<SortOrder>,
    /// Only orders with this status.
    pub status: Option<OrderStatus>,
    /// Minimum amount.
    pub amount_min: Option<Decimal>,
    /// Maximum amount.
    pub amount_max: Option<Decimal>,
    /// Created after this time.
    pub created_after: Option<DateTime<Utc>>,
    /// Created before this time.
    pub created_before: Option<DateTime<Utc>>,
}

impl ListOrders {
    /// Checks the ranges.
    pub fn validate(&self) -> Result<()> {
        if self.page == Some(0) {
            return Err(Error::validation("page", "must be at least 1"));
        }
        if self.limit == Some(0) {
            return Err(Error::validation("limit", "must be at least 1"));
        }
        if let Some(s) = &self.sort {
            validate::non_empty("sort", s)?;
        }
        if let Some(a) = &self.amount_min {
            validate::amount_filter("amount_min", a)?;
        }
        if let Some(a) = &self.amount_max {
            validate::amount_filter("amount_max", a)?;
        }
        if let (Some(lo), Some(hi)) = (self.amount_min, self.amount_max) {
            if lo > hi {
                return Err(Error::validation(
                    "amount_min",
                    "must not exceed amount_max",
                ));
            }
        }
        if let (Some(a), Some(b)) = (self.created_after, self.created_before) {
            if a > b {
                return Err(Error::validation(
                    "created_after",
                    "must not be later than created_before",
                ));
            }
        }
        Ok(())
    }

    /// The query pairs, in the spec's order, for the fields set.
    pub fn to_query(&self) -> Vec<(&'static str, String)> {
        let ts = |t: &DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
        let mut q = Vec::new();
        if let Some(v) = self.page {
            q.push(("page", v.to_string()));
        }
        if let Some(v) = self.limit {
            q.push(("limit", v.to_string()));
        }
        if let Some(v) = &self.sort {
            q.push(("sort", v.clone()));
        }
        if let Some(v) = &self.order {
            q.push(("order", v.to_string()));
        }
        if let Some(v) = &self.status {
            q.push(("status", v.to_string()));
        }
        if let Some(v) = &self.amount_min {
            q.push(("amount_min", v.to_string()));
        }
        if let Some(v) = &self.amount_max {
            q.push(("amount_max", v.to_string()));
        }
        if let Some(v) = &self.created_after {
            q.push(("created_after", ts(v)));
        }
        if let Some(v) = &self.created_before {
            q.push(("created_before", ts(v)));
        }
        q
    }
}

/// The orders API, borrowed from a [`Client`] with [`Client::orders`].
#[derive(Debug, Clone, Copy)]
pub struct Orders<'a> {
    client: &'a Client,
}

impl Client {
    /// The orders API.
    pub fn orders(&self) -> Orders<'_> {
        Orders { client: self }
    }
}

impl Orders<'_> {
    /// `POST /orders` (answers 201). Sent again only when it certainly did
    /// not reach the platform; an order has no merchant reference to look up,
    /// so an unknown outcome is [`Error::OutcomeUnknown`]: list recent orders
    /// before creating it again.
    /// ```
    /// # async fn run() -> octopus_sdk::Result<()> {
    /// use octopus_sdk::{orders::*, testing::Simulator, OrderStatus};
    /// let sim = Simulator::start().await;
    /// let client = sim.client();
    /// let order = client.orders().create(&CreateOrder::new("Tea", "25.50".parse().unwrap())).await?;
    /// assert_eq!(order.money().to_string(), "HK$25.50");
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// ```
    pub async fn create(&self, req: &CreateOrder) -> Result<Order> {
        req.validate()?;
        let body = serde_json::to_vec(req).map_err(|e| Error::validation("body", e.to_string()))?;
        let reference = format!("new order of {}", Money::new(req.amount, &req.currency));
        self.client
            .call(Call::write(
                "orders.create",
                Method::POST,
                &["orders"],
                Some(body),
                &reference,
            ))
            .await
    }

    /// `GET /orders/{orderId}`, with the order's payment embedded. Retried.
    /// ```
    /// # async fn run() -> octopus_sdk::Result<()> {
    /// use octopus_sdk::{orders::*, testing::Simulator, OrderStatus};
    /// let sim = Simulator::start().await;
    /// let client = sim.client();
    /// let order = client.orders().create(&CreateOrder::new("Tea", "25.50".parse().unwrap())).await?;
    /// assert_eq!(client.orders().get(&order.id).await?.id, order.id);
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// ```
    pub async fn get(&self, order_id: &str) -> Result<Order> {
        validate::id("orderId", order_id)?;
        self.client
            .call(Call::get("orders.get", &["orders", order_id], order_id))
            .await
    }

    /// `PATCH /orders/{orderId}`. The response carries only some fields.
    /// ```
    /// # async fn run() -> octopus_sdk::Result<()> {
    /// use octopus_sdk::{orders::*, testing::Simulator, OrderStatus};
    /// let sim = Simulator::start().await;
    /// let client = sim.client();
    /// let order = client.orders().create(&CreateOrder::new("Tea", "25.50".parse().unwrap())).await?;
    /// let change = UpdateOrder { status: Some(OrderStatus::Confirmed), ..Default::default() };
    /// assert_eq!(client.orders().update(&order.id, &change).await?.status, OrderStatus::Confirmed);
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// ```
    pub async fn update(&self, order_id: &str, req: &UpdateOrder) -> Result<Order> {
        validate::id("orderId", order_id)?;
        req.validate()?;
        let body = serde_json::to_vec(req).map_err(|e| Error::validation("body", e.to_string()))?;
        self.client
            .call(Call::write(
                "orders.update",
                Method::PATCH,
                &["orders", order_id],
                Some(body),
                order_id,
            ))
            .await
    }

    /// `GET /orders` with paging and filters: one page. Retried.
    /// ```
    /// # async fn run() -> octopus_sdk::Result<()> {
    /// use octopus_sdk::{orders::*, testing::Simulator, OrderStatus};
    /// let sim = Simulator::start().await;
    /// let client = sim.client();
    /// client.orders().create(&CreateOrder::new("Tea", "25.50".parse().unwrap())).await?;
    /// let page = client.orders().list(&ListOrders { limit: Some(5), ..Default::default() }).await?;
    /// assert_eq!(page.items.len(), 1);
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// ```
    pub async fn list(&self, params: &ListOrders) -> Result<Page<Order>> {
        params.validate()?;
        let mut call = Call::get("orders.list", &["orders"], "orders");
        call.query = params.to_query();
        let (items, pagination) = self.client.call_paged::<Vec<Order>>(call).await?;
        Ok(Page { items, pagination })
    }

    /// Every page of `GET /orders`, starting at `params.page` (or 1), as a
    /// stream of pages.
    ///
    /// The walk ends after the page where `page == totalPages` (or, when
    /// `totalPages` is absent, the page count `total / limit` gives), at an
    /// empty page, or — when the platform sends no usable `pagination` — at a
    /// page shorter than `limit`. It never loops and never passes a partial
    /// list off as complete: a server that echoes another page than the one
    /// asked for, repeats an order id, or still sends full pages after
    /// [`MAX_PAGES`] pages ends the stream with [`Error::Pagination`]. Any
    /// error ends the stream after being yielded.
    /// ```
    /// # async fn run() -> octopus_sdk::Result<()> {
    /// use octopus_sdk::{orders::*, testing::Simulator, OrderStatus};
    /// let sim = Simulator::start().await;
    /// let client = sim.client();
    /// use futures::TryStreamExt;
    /// for _ in 0..3 {
    ///     client.orders().create(&CreateOrder::new("Tea", "1".parse().unwrap())).await?;
    /// }
    /// let pages: Vec<_> = client.orders().pages(ListOrders { limit: Some(2), ..Default::default() }).try_collect().await?;
    /// assert_eq!(pages.len(), 2);
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// ```
    pub fn pages(&self, params: ListOrders) -> BoxStream<'static, Result<Page<Order>>> {
        let walk = Walk {
            client: self.client.clone(),
            page: params.page.unwrap_or(1),
            params,
            seen: HashSet::new(),
            read: 0,
        };
        stream::try_unfold(Some(walk), |state| async move {
            let Some(mut walk) = state else {
                return Ok(None);
            };
            let page = walk.next_page().await?;
            Ok(Some(match page {
                (got, true) => (got, None),
                (got, false) => (got, Some(walk)),
            }))
        })
        .boxed()
    }

    /// Every order matching `params`, across all pages (see [`Orders::pages`]).
    ///
    /// ```
    /// # async fn run() -> octopus_sdk::Result<()> {
    /// use futures::TryStreamExt;
    /// use octopus_sdk::{orders::ListOrders, testing::Simulator, OrderStatus};
    /// let sim = Simulator::start().await;
    /// for _ in 0..3 {
    ///     sim.insert_order("Tea", octopus_sdk::parse_amount("10")?, OrderStatus::Pending);
    /// }
    /// let params = ListOrders { status: Some(OrderStatus::Pending), limit: Some(2), ..Default::default() };
    /// let pending: Vec<_> = sim.client().orders().list_all(params).try_collect().await?;
    /// assert_eq!(pending.len(), 3);
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// ```
    pub fn list_all(&self, params: ListOrders) -> BoxStream<'static, Result<Order>> {
        self.pages(params)
            .map_ok(|page| stream::iter(page.items.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }
}

/// Most pages [`Orders::pages`] reads in one walk; a listing that still has
/// full pages after this many ends with [`Error::Pagination`].
pub const MAX_PAGES: u32 = 1_000;

/// The state of one walk over `GET /orders`.
struct Walk {
    client: Client,
    params: ListOrders,
    page: u32,
    /// Every id listed so far: a server that ignores `page` repeats them.
    seen: HashSet<String>,
    read: u32,
}

impl Walk {
    /// Reads the next page; `true` when it is the last.
    async fn next_page(&mut self) -> Result<(Page<Order>, bool)> {
        let page = self.page;
        let stuck = |reason: String| Error::Pagination { page, reason };
        if self.read >= MAX_PAGES {
            return Err(stuck(format!(
                "still full pages after {MAX_PAGES} pages; narrow the filters"
            )));
        }
        self.params.page = Some(page);
        let got = self.client.orders().list(&self.params).await?;
        self.read += 1;
        let asked = self.params.limit.unwrap_or(DEFAULT_LIMIT);
        let last = judge_page(page, asked, &got, &mut self.seen)?;
        self.page = page.saturating_add(1);
        Ok((got, last))
    }
}

/// Most distinct orders one walk remembers (to recognise a repeat); a listing
/// longer than this ends with [`Error::Pagination`] rather than growing
/// without bound.
pub const MAX_LISTED: usize = 1_000_000;

/// Whether page `page` (asked with `asked` per page) is the last one; an
/// error when the server made no progress. `seen` holds every id listed so
/// far.
pub(crate) fn judge_page(
    page: u32,
    asked: u32,
    got: &Page<Order>,
    seen: &mut HashSet<String>,
) -> Result<bool> {
    let stuck = |reason: String| Error::Pagination { page, reason };
    if let Some(p) = &got.pagination {
        if p.page != page {
            return Err(stuck(format!(
                "the platform answered page {} when asked for page {page}",
                p.page
            )));
        }
    }
    for o in &got.items {
        if seen.len() >= MAX_LISTED {
            return Err(stuck(format!(
                "more than {MAX_LISTED} orders; narrow the filters"
            )));
        }
        if !seen.insert(o.id.clone()) {
            return Err(stuck(format!(
                "order {} was already listed (the platform is not advancing pages)",
                o.id
            )));
        }
    }
    if got.items.is_empty() {
        return Ok(true);
    }
    Ok(match got.pagination.as_ref().and_then(page_count) {
        Some(n) => page >= n,
        None => {
            let limit = got.pagination.map_or(asked, |p| p.limit.max(1));
            got.items.len() < limit as usize
        }
    })
}

/// The number of pages a `pagination` block states: `totalPages`, else
/// `ceil(total / limit)`; `None` when it states neither (a listing with items
/// has at least one page, so a zero is "not stated").
fn page_count(p: &Pagination) -> Option<u32> {
    if p.total_pages > 0 {
        return Some(p.total_pages);
    }
    if p.total > 0 && p.limit > 0 {
        return u32::try_from(p.total.div_ceil(u64::from(p.limit))).ok();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_wire_form() {
        let q = ListOrders {
            page: Some(2),
            limit: Some(5),
            sort: Some("amount".into()),
            order: Some(SortOrder::Asc),
            status: Some(OrderStatus::Pending),
            amount_min: Some(Decimal::new(1000, 2)),
            amount_max: Some(Decimal::new(100, 0)),
            created_after: Some("2024-01-01T00:00:00Z".parse().unwrap()),
            created_before: None,
        };
        let s = serde_urlencoded::to_string(q.to_query()).unwrap();
        assert_eq!(
            s,
            "page=2&limit=5&sort=amount&order=asc&status=pending&amount_min=10.00&amount_max=100&created_after=2024-01-01T00%3A00%3A00Z"
        );
    }

    #[test]
    fn update_needs_a_field() {
        assert!(UpdateOrder::default().validate().is_err());
        let u = UpdateOrder {
            amount: Some(Decimal::new(15000, 2)),
            ..Default::default()
        };
        assert_eq!(serde_json::to_string(&u).unwrap(), r#"{"amount":150.00}"#);
    }
}
