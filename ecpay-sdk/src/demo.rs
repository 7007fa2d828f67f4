//! The "API Integration Workflow Demo" (`spec/ecpay-integration-demo.openapi.json`, v0.7.0):
//! every operation, typed models for every schema, the spec's constraints checked before
//! sending, `422 HTTPValidationError` decoded into [`Error::ServerValidation`], HTML pages
//! returned as text, and URL builders for the pages a browser is sent to.
//!
//! The example talks to a deployed demo API, so it is compiled but not run (`no_run`); the
//! `testing` simulator serves every operation for tests.
//!
//! ```no_run
//! # async fn run() -> ecpay_sdk::Result<()> {
//! use ecpay_sdk::{Client, Environment, demo::OrderRequest};
//! let client = Client::builder()
//!     .environment(Environment::Stage)
//!     .api_base_url("https://demo.example.com")
//!     .build()?;
//! let created = client.demo().create_order(&OrderRequest::new("demo_store", "DEMO-1001", "Alex Chen", "alex@example.com", 499)).await?;
//! let checkout = client.demo().create_checkout(&created.event_id).await?;
//! println!("send the browser to {}", checkout.payment_page_url);
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sign_core::wire_enum;

use crate::client::{Call, Client, RawResponse};
use crate::error::{snippet, Error, ErrorCode, FieldIssue, Result};

/// Every operation of the spec: `(method, path, operationId)`. The spec-coverage test holds
/// this list to the spec file.
pub const OPERATIONS: &[(&str, &str, &str)] = &[
    ("GET", "/", "home__get"),
    ("GET", "/health", "health_check_health_get"),
    (
        "POST",
        "/api/integrations/orders",
        "create_order_integration_api_integrations_orders_post",
    ),
    (
        "POST",
        "/api/integrations/webhooks/ecpay/return",
        "ecpay_return_callback_api_integrations_webhooks_ecpay_return_post",
    ),
    (
        "GET",
        "/api/integrations/events/{event_id}",
        "get_integration_event_api_integrations_events__event_id__get",
    ),
    (
        "GET",
        "/api/integrations/events",
        "get_recent_integration_events_api_integrations_events_get",
    ),
    (
        "POST",
        "/api/payments/ecpay/checkout",
        "create_ecpay_checkout_for_event_api_payments_ecpay_checkout_post",
    ),
    (
        "GET",
        "/payments/ecpay/redirect/{event_id}",
        "ecpay_redirect_page_payments_ecpay_redirect__event_id__get",
    ),
    (
        "POST",
        "/payments/ecpay/result",
        "ecpay_result_post_payments_ecpay_result_post",
    ),
    (
        "GET",
        "/payments/ecpay/result",
        "ecpay_result_page_payments_ecpay_result_get",
    ),
    (
        "GET",
        "/payments/ecpay/back",
        "ecpay_back_page_payments_ecpay_back_get",
    ),
];

wire_enum! {
    /// `EventRecord.status`.
    EventStatus {
        /// `pending_payment`
        PendingPayment = "pending_payment",
        /// `redirect_ready`
        RedirectReady = "redirect_ready",
        /// `payment_processing`
        PaymentProcessing = "payment_processing",
        /// `payment_callback_received`
        PaymentCallbackReceived = "payment_callback_received",
        /// `paid`
        Paid = "paid",
        /// `payment_failed`
        PaymentFailed = "payment_failed",
    }
}

wire_enum! {
    /// `EventRecord.notification_status` (default `pending`).
    NotificationStatus {
        /// `pending`
        Pending = "pending",
        /// `sent`
        Sent = "sent",
        /// `disabled`
        Disabled = "disabled",
        /// `failed`
        Failed = "failed",
        /// `not_applicable`
        NotApplicable = "not_applicable",
    }
}

#[allow(clippy::derivable_impls)]
impl Default for NotificationStatus {
    fn default() -> Self {
        Self::Pending
    }
}

/// `OrderRequest`: an order from a source platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRequest {
    /// 2..=50 characters.
    pub source: String,
    /// 3..=100 characters.
    pub order_id: String,
    /// 2..=100 characters.
    pub customer_name: String,
    /// An e-mail address.
    pub customer_email: String,
    /// Greater than 0.
    pub amount: i64,
    /// Three letters; `TWD` by default.
    #[serde(default = "default_currency")]
    pub currency: String,
}

fn default_currency() -> String {
    "TWD".into()
}

impl OrderRequest {
    /// A request in TWD.
    pub fn new(
        source: impl Into<String>,
        order_id: impl Into<String>,
        customer_name: impl Into<String>,
        customer_email: impl Into<String>,
        amount: i64,
    ) -> Self {
        Self {
            source: source.into(),
            order_id: order_id.into(),
            customer_name: customer_name.into(),
            customer_email: customer_email.into(),
            amount,
            currency: default_currency(),
        }
    }

    /// Checks the spec's constraints.
    pub fn validate(&self) -> Result<()> {
        len_between("source", &self.source, 2, 50)?;
        len_between("order_id", &self.order_id, 3, 100)?;
        len_between("customer_name", &self.customer_name, 2, 100)?;
        if !is_email(&self.customer_email) {
            return Err(Error::validation("customer_email", "not an e-mail address"));
        }
        if self.amount <= 0 {
            return Err(Error::validation("amount", "must be greater than 0"));
        }
        if self.currency.chars().count() != 3
            || !self.currency.chars().all(|c| c.is_ascii_alphabetic())
        {
            return Err(Error::validation("currency", "three letters"));
        }
        Ok(())
    }
}

fn len_between(field: &str, v: &str, min: usize, max: usize) -> Result<()> {
    let n = v.chars().count();
    if n < min || n > max {
        return Err(Error::validation(
            field,
            format!("length must be {min}..={max} characters"),
        ));
    }
    Ok(())
}

/// A pragmatic e-mail check (what pydantic's `EmailStr` accepts, roughly): one `@`, a
/// non-empty local part without spaces, a domain with a dot and no empty labels.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && !domain.contains('@')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        && domain.contains('.')
        && domain
            .split('.')
            .all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'))
        && domain
            .rsplit('.')
            .next()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_alphabetic()))
}

/// `MappedOrder`: the order as mapped for the target system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappedOrder {
    /// `external_order_id`
    pub external_order_id: String,
    /// `client_name`
    pub client_name: String,
    /// `client_email`
    pub client_email: String,
    /// `total_amount`
    pub total_amount: i64,
    /// `currency` (the spec fixes it to `TWD`)
    pub currency: String,
    /// `source_platform`
    pub source_platform: String,
}

/// `CreateOrderResponse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateOrderResponse {
    /// `event_id`
    pub event_id: String,
    /// `status` (always `pending_payment`)
    pub status: EventStatus,
    /// `target_system`
    pub target_system: String,
    /// `mapped_payload`
    pub mapped_payload: MappedOrder,
    /// `next_step`
    pub next_step: String,
    /// `recent_lookup_url`
    pub recent_lookup_url: String,
}

/// `ECPayCheckoutRequest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutRequest {
    /// `event_id`
    pub event_id: String,
}

/// `ECPayCheckoutResponse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutResponse {
    /// `event_id`
    pub event_id: String,
    /// `status` (always `redirect_ready`)
    pub status: EventStatus,
    /// `merchant_trade_no`
    pub merchant_trade_no: String,
    /// `payment_page_url`
    pub payment_page_url: String,
    /// `ecpay_checkout_url`
    pub ecpay_checkout_url: String,
}

/// `EventRecord`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRecord {
    /// `event_id`
    pub event_id: String,
    /// `source`
    pub source: String,
    /// `status`
    pub status: EventStatus,
    /// `target_system`
    pub target_system: String,
    /// `mapped_payload`
    pub mapped_payload: MappedOrder,
    /// `payment_page_url`
    #[serde(default)]
    pub payment_page_url: Option<String>,
    /// `merchant_trade_no`
    #[serde(default)]
    pub merchant_trade_no: Option<String>,
    /// `ecpay_trade_no`
    #[serde(default)]
    pub ecpay_trade_no: Option<String>,
    /// `payment_type`
    #[serde(default)]
    pub payment_type: Option<String>,
    /// `rtn_code`
    #[serde(default)]
    pub rtn_code: Option<i64>,
    /// `rtn_msg`
    #[serde(default)]
    pub rtn_msg: Option<String>,
    /// `last_event_type`
    #[serde(default)]
    pub last_event_type: Option<String>,
    /// `message`
    #[serde(default)]
    pub message: Option<String>,
    /// `notification_status`
    #[serde(default)]
    pub notification_status: NotificationStatus,
    /// `notification_channel`
    #[serde(default)]
    pub notification_channel: Option<String>,
    /// `notification_sent_at`
    #[serde(default)]
    pub notification_sent_at: Option<String>,
    /// `notification_last_error`
    #[serde(default)]
    pub notification_last_error: Option<String>,
    /// `created_at`
    pub created_at: String,
    /// `updated_at`
    pub updated_at: String,
}

/// `RecentEventsResponse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentEventsResponse {
    /// `events`
    pub events: Vec<EventRecord>,
}

/// One `loc` entry of a `ValidationError`: a name or an index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LocationItem {
    /// A field name.
    Name(String),
    /// An array index.
    Index(i64),
}

/// `ValidationError`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationError {
    /// `loc`
    pub loc: Vec<LocationItem>,
    /// `msg`
    pub msg: String,
    /// `type`
    #[serde(rename = "type")]
    pub kind: String,
    /// `input`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<serde_json::Value>,
    /// `ctx`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ctx: Option<serde_json::Map<String, serde_json::Value>>,
}

impl ValidationError {
    /// `loc` joined with dots, e.g. `body.amount`.
    pub fn location(&self) -> String {
        self.loc
            .iter()
            .map(|l| match l {
                LocationItem::Name(s) => s.clone(),
                LocationItem::Index(i) => i.to_string(),
            })
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// `HTTPValidationError`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct HttpValidationError {
    /// `detail`
    #[serde(default)]
    pub detail: Vec<ValidationError>,
}

/// The integration demo handler, borrowed from a [`Client`] by [`Client::demo`].
#[derive(Debug, Clone, Copy)]
pub struct Demo<'a> {
    client: &'a Client,
}

impl Client {
    /// Integration demo API calls (needs `api_base_url`).
    pub fn demo(&self) -> Demo<'_> {
        Demo { client: self }
    }
}

/// Everything but RFC 3986 unreserved characters is escaped in a path segment.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn seg(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, SEGMENT).to_string()
}

fn query(pairs: &[(&str, Option<&str>)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    let mut any = false;
    for (k, v) in pairs {
        if let Some(v) = v {
            s.append_pair(k, v);
            any = true;
        }
    }
    if any {
        format!("?{}", s.finish())
    } else {
        String::new()
    }
}

fn check_event_id(event_id: &str) -> Result<()> {
    if event_id.is_empty() {
        return Err(Error::validation("event_id", "required"));
    }
    Ok(())
}

impl Demo<'_> {
    /// URL of the redirect page (`GET /payments/ecpay/redirect/{event_id}`) a browser is sent
    /// to; it auto-submits to ECPay.
    pub fn redirect_page_url(&self, event_id: &str) -> Result<String> {
        check_event_id(event_id)?;
        self.client
            .api_url(&format!("/payments/ecpay/redirect/{}", seg(event_id)))
    }

    /// URL of the result page (`GET /payments/ecpay/result`).
    pub fn result_page_url(
        &self,
        event_id: Option<&str>,
        merchant_trade_no: Option<&str>,
    ) -> Result<String> {
        self.client.api_url(&format!(
            "/payments/ecpay/result{}",
            query(&[
                ("event_id", event_id),
                ("merchant_trade_no", merchant_trade_no)
            ])
        ))
    }

    /// URL of the back page (`GET /payments/ecpay/back`), ECPay's `ClientBackURL`.
    pub fn back_page_url(&self, event_id: Option<&str>) -> Result<String> {
        self.client.api_url(&format!(
            "/payments/ecpay/back{}",
            query(&[("event_id", event_id)])
        ))
    }

    async fn get(&self, operation: &'static str, path_and_query: &str) -> Result<RawResponse> {
        let url = self.client.api_url(path_and_query)?;
        self.client
            .send(Call::query(operation, path_and_query), || {
                Ok(self.client.http().get(&url))
            })
            .await
    }

    /// `GET /`: the home page, as HTML text.
    pub async fn home(&self) -> Result<String> {
        let r = self.get("home", "/").await?;
        text(r)
    }

    /// `GET /health`: a map of strings.
    pub async fn health(&self) -> Result<BTreeMap<String, String>> {
        let r = self.get("health", "/health").await?;
        json(r)
    }

    /// `POST /api/integrations/orders`: validates, then creates an order integration event.
    /// Not retried (the server may not deduplicate).
    pub async fn create_order(&self, req: &OrderRequest) -> Result<CreateOrderResponse> {
        req.validate()?;
        let url = self.client.api_url("/api/integrations/orders")?;
        let r = self
            .client
            .send(Call::single("create_order", &req.order_id), || {
                Ok(self.client.http().post(&url).json(req))
            })
            .await?;
        json(r)
    }

    /// `POST /api/integrations/webhooks/ecpay/return`: forwards an ECPay `ReturnURL` form body
    /// (e.g. one the simulator produced); returns the plain-text answer (`1|OK` when accepted).
    pub async fn forward_ecpay_return(&self, form_body: &str) -> Result<String> {
        let url = self
            .client
            .api_url("/api/integrations/webhooks/ecpay/return")?;
        let body = form_body.to_owned();
        let r = self
            .client
            .send(Call::single("ecpay_return_callback", ""), || {
                Ok(self
                    .client
                    .http()
                    .post(&url)
                    .header(
                        http::header::CONTENT_TYPE,
                        "application/x-www-form-urlencoded",
                    )
                    .body(body.clone()))
            })
            .await?;
        text(r)
    }

    /// `GET /api/integrations/events/{event_id}`.
    pub async fn event(&self, event_id: &str) -> Result<EventRecord> {
        check_event_id(event_id)?;
        let r = self
            .get(
                "get_event",
                &format!("/api/integrations/events/{}", seg(event_id)),
            )
            .await?;
        json(r)
    }

    /// `GET /api/integrations/events?limit=`: `limit` 1..=20 (server default 5).
    pub async fn recent_events(&self, limit: Option<u8>) -> Result<RecentEventsResponse> {
        if let Some(l) = limit {
            if !(1..=20).contains(&l) {
                return Err(Error::validation("limit", "must be 1..=20"));
            }
        }
        let l = limit.map(|l| l.to_string());
        let r = self
            .get(
                "recent_events",
                &format!(
                    "/api/integrations/events{}",
                    query(&[("limit", l.as_deref())])
                ),
            )
            .await?;
        json(r)
    }

    /// `POST /api/payments/ecpay/checkout`: prepares the ECPay checkout of an event.
    pub async fn create_checkout(&self, event_id: &str) -> Result<CheckoutResponse> {
        check_event_id(event_id)?;
        let url = self.client.api_url("/api/payments/ecpay/checkout")?;
        let body = CheckoutRequest {
            event_id: event_id.to_owned(),
        };
        let r = self
            .client
            .send(Call::single("create_checkout", ""), || {
                Ok(self.client.http().post(&url).json(&body))
            })
            .await?;
        json(r)
    }

    /// `GET /payments/ecpay/redirect/{event_id}`: the auto-submitting page, as HTML text.
    pub async fn redirect_page(&self, event_id: &str) -> Result<String> {
        check_event_id(event_id)?;
        let r = self
            .get(
                "redirect_page",
                &format!("/payments/ecpay/redirect/{}", seg(event_id)),
            )
            .await?;
        text(r)
    }

    /// `POST /payments/ecpay/result`: forwards an `OrderResultURL` form body; the spec leaves
    /// the answer's schema open, so it is returned as JSON.
    pub async fn post_result(&self, form_body: &str) -> Result<serde_json::Value> {
        let url = self.client.api_url("/payments/ecpay/result")?;
        let body = form_body.to_owned();
        let r = self
            .client
            .send(Call::single("result_post", ""), || {
                Ok(self
                    .client
                    .http()
                    .post(&url)
                    .header(
                        http::header::CONTENT_TYPE,
                        "application/x-www-form-urlencoded",
                    )
                    .body(body.clone()))
            })
            .await?;
        json(r)
    }

    /// `GET /payments/ecpay/result`: the result page, as HTML text.
    pub async fn result_page(
        &self,
        event_id: Option<&str>,
        merchant_trade_no: Option<&str>,
    ) -> Result<String> {
        let r = self
            .get(
                "result_page",
                &format!(
                    "/payments/ecpay/result{}",
                    query(&[
                        ("event_id", event_id),
                        ("merchant_trade_no", merchant_trade_no)
                    ])
                ),
            )
            .await?;
        text(r)
    }

    /// `GET /payments/ecpay/back`: the back page, as HTML text.
    pub async fn back_page(&self, event_id: Option<&str>) -> Result<String> {
        let r = self
            .get(
                "back_page",
                &format!("/payments/ecpay/back{}", query(&[("event_id", event_id)])),
            )
            .await?;
        text(r)
    }
}

fn check_status(r: &RawResponse) -> Result<()> {
    if (200..300).contains(&r.status) {
        return Ok(());
    }
    if r.status == 422 {
        if let Ok(v) = serde_json::from_str::<HttpValidationError>(&r.body) {
            return Err(Error::ServerValidation {
                status: r.status,
                issues: v
                    .detail
                    .iter()
                    .map(|d| FieldIssue {
                        location: d.location(),
                        message: d.msg.clone(),
                        kind: d.kind.clone(),
                    })
                    .collect(),
            });
        }
    }
    let message = serde_json::from_str::<serde_json::Value>(&r.body)
        .ok()
        .and_then(|v| {
            v.get("detail").map(|d| {
                d.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| d.to_string())
            })
        })
        .unwrap_or_else(|| r.body.clone());
    Err(Error::Api {
        status: r.status,
        code: ErrorCode::Http(r.status),
        message: snippet(&message),
    })
}

fn json<T: DeserializeOwned>(r: RawResponse) -> Result<T> {
    check_status(&r)?;
    serde_json::from_str(&r.body).map_err(|e| Error::decode(e.to_string(), &r.body))
}

fn text(r: RawResponse) -> Result<String> {
    check_status(&r)?;
    Ok(r.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_rules() {
        let ok = OrderRequest::new(
            "demo_store",
            "DEMO-1001",
            "Alex Chen",
            "alex@example.com",
            499,
        );
        assert!(ok.validate().is_ok());
        let cases: Vec<(OrderRequest, &str)> = vec![
            (
                OrderRequest {
                    source: "d".into(),
                    ..ok.clone()
                },
                "source",
            ),
            (
                OrderRequest {
                    source: "d".repeat(51),
                    ..ok.clone()
                },
                "source",
            ),
            (
                OrderRequest {
                    order_id: "DE".into(),
                    ..ok.clone()
                },
                "order_id",
            ),
            (
                OrderRequest {
                    customer_name: "A".into(),
                    ..ok.clone()
                },
                "customer_name",
            ),
            (
                OrderRequest {
                    customer_email: "alex.example.com".into(),
                    ..ok.clone()
                },
                "customer_email",
            ),
            (
                OrderRequest {
                    amount: 0,
                    ..ok.clone()
                },
                "amount",
            ),
            (
                OrderRequest {
                    currency: "TW".into(),
                    ..ok.clone()
                },
                "currency",
            ),
        ];
        for (req, field) in cases {
            match req.validate() {
                Err(Error::Validation { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: {other:?}"),
            }
        }
    }

    #[test]
    fn unknown_status_is_kept() {
        let s: EventStatus = serde_json::from_str("\"refunded\"").unwrap();
        assert_eq!(s, EventStatus::Other("refunded".into()));
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"refunded\"");
        let p: EventStatus = serde_json::from_str("\"paid\"").unwrap();
        assert_eq!(p, EventStatus::Paid);
    }

    #[test]
    fn emails() {
        assert!(is_email("a@b.co"));
        assert!(!is_email("a@b"));
        assert!(!is_email("a b@c.com"));
        assert!(!is_email("@c.com"));
        assert!(!is_email("a@@c.com"));
    }
}
