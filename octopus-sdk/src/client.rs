//! Configuration (the [`ClientBuilder`]) and the one send path every operation
//! goes through: sign afresh, send, time, cap the body, classify the attempt,
//! ask the retry policy, decode the envelope.
//!
//! The I/O of an attempt and the retry loop are [`sign_core::transport`], shared
//! by the four SDK crates; the retry rule is
//! [`sign_core::policy::RetryPolicy::decide`]: a query is retried after a
//! transport fault, a 5xx or a 429; a state-changing call is sent again only
//! when it certainly had no effect (the connection never opened, or the
//! platform throttled it), and a state-changing call whose outcome is unknown
//! becomes [`Error::OutcomeUnknown`] unless the operation settles it by a
//! lookup ([`crate::payments::Payments::create`] does). A `Retry-After`
//! (seconds or HTTP-date) is waited for when it fits the policy's total
//! budget; beyond it the call fails at once with [`Error::RateLimited`]
//! carrying the value. What is this crate's own: the `X-Octopus-*` signature,
//! the platform's `RATE_LIMIT_EXCEEDED` code, and the envelope.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use reqwest::header::{
    HeaderMap, HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT,
};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::value::RawValue;
use sign_core::octopus::HmacKey;
use sign_core::policy::{Attempt, BaseUrl, Idempotency, Verdict};
use sign_core::transport::{attempt_header_values, in_span, Exchange, Transport, TransportConfig};
use sign_core::unix_seconds;
use sign_core::Secret;
use url::Url;

pub use sign_core::policy::RetryPolicy;
pub use sign_core::transport::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMEOUT};

use crate::error::{snippet, ApiErrorCode, ApiErrorDetails, Error, FieldError, Result};
use crate::models::Pagination;

/// Header carrying the API key.
///
/// ```
/// assert_eq!(octopus_sdk::HEADER_API_KEY.to_ascii_lowercase(), "x-api-key");
/// ```
pub const HEADER_API_KEY: &str = "X-API-Key";

const USER_AGENT_VALUE: &str = concat!("octopus-sdk-rust/", env!("CARGO_PKG_VERSION"));
const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");
const API_KEY: HeaderName = HeaderName::from_static("x-api-key");
const MERCHANT_ID: HeaderName = HeaderName::from_static("x-octopus-merchant-id");
const TIMESTAMP: HeaderName = HeaderName::from_static("x-octopus-timestamp");
const NONCE: HeaderName = HeaderName::from_static("x-octopus-nonce");
const SIGNATURE: HeaderName = HeaderName::from_static("x-octopus-signature");

/// Which platform the client talks to. Decides what is allowed, not the URL
/// (the platform has no published hosts: the base URL is always explicit).
///
/// ```
/// assert_eq!(octopus_sdk::Environment::default(), octopus_sdk::Environment::Production);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Environment {
    /// The live platform. [`crate::payments::Payments::simulate`] is refused.
    /// This is the default, so that nothing test-only runs by accident.
    #[default]
    Production,
    /// A test platform (the simulator, a staging deployment): simulation allowed.
    Sandbox,
}

/// Merchant credentials for the `X-Octopus-*` request signature.
///
/// ```
/// let m = octopus_sdk::MerchantCredentials::new("m1", "secret");
/// assert!(!format!("{m:?}").contains("secret\""));
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct MerchantCredentials {
    /// Merchant id (`X-Octopus-Merchant-ID`).
    pub merchant_id: String,
    /// Secret key the signature is computed with.
    pub secret_key: Secret,
}

impl MerchantCredentials {
    /// Merchant id and secret key.
    ///
    /// ```
    /// let m = octopus_sdk::MerchantCredentials::new("m1", "secret");
    /// assert_eq!(m.merchant_id, "m1");
    /// ```
    pub fn new(merchant_id: impl Into<String>, secret_key: impl Into<Secret>) -> Self {
        MerchantCredentials {
            merchant_id: merchant_id.into(),
            secret_key: secret_key.into(),
        }
    }
}

impl fmt::Debug for MerchantCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MerchantCredentials")
            .field("merchant_id", &self.merchant_id)
            .field("secret_key", &self.secret_key)
            .finish()
    }
}

/// Builds a [`Client`]. Start with [`Client::builder`].
///
/// ```
/// use std::time::Duration;
/// use octopus_sdk::{Client, Error, RetryPolicy};
/// let client = Client::builder()
///     .base_url("https://pay.example.com/api")
///     .api_token("token")
///     .api_key("key")
///     .timeout(Duration::from_secs(5))
///     .retry_policy(RetryPolicy::default().with_max_attempts(2))
///     .build()
///     .unwrap();
/// assert_eq!(client.base_url().as_str(), "https://pay.example.com/api");
/// // An empty credential is refused, naming it.
/// let e = Client::builder().base_url("https://pay.example.com/api").api_token("").api_key("k").build();
/// assert!(matches!(e, Err(Error::Config { field: "api_token", .. })));
/// ```
#[derive(Default)]
pub struct ClientBuilder {
    base_url: Option<String>,
    environment: Environment,
    api_token: Option<Secret>,
    api_key: Option<Secret>,
    merchant: Option<MerchantCredentials>,
    transport: TransportConfig,
    poll_interval: Option<Duration>,
    realtime_url: Option<String>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("environment", &self.environment)
            .field("merchant", &self.merchant)
            .field("transport", &self.transport)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The API base URL, including its `/api` prefix if the platform has one
    /// (e.g. `https://pay.example.com/api`). Must be https, except for
    /// loopback; no user info, query or fragment.
    ///
    /// ```
    /// let builder = octopus_sdk::Client::builder().base_url("https://pay.example.com/api");
    /// ```
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Production (default) or sandbox.
    ///
    /// ```
    /// let builder = octopus_sdk::Client::builder().environment(octopus_sdk::Environment::Sandbox);
    /// ```
    pub fn environment(mut self, env: Environment) -> Self {
        self.environment = env;
        self
    }

    /// The API token (`Authorization: Bearer …`).
    ///
    /// ```
    /// # let token = String::from("token");
    /// let builder = octopus_sdk::Client::builder().api_token(token);
    /// ```
    pub fn api_token(mut self, token: impl Into<Secret>) -> Self {
        self.api_token = Some(token.into());
        self
    }

    /// The API key (`X-API-Key`).
    ///
    /// ```
    /// # let key = String::from("key");
    /// let builder = octopus_sdk::Client::builder().api_key(key);
    /// ```
    pub fn api_key(mut self, key: impl Into<Secret>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Merchant credentials: every request then carries the `X-Octopus-*`
    /// signature headers, signed afresh for every attempt.
    ///
    /// ```
    /// # let secret_key = String::from("merchant secret");
    /// let builder = octopus_sdk::Client::builder().merchant("m1", secret_key);
    /// ```
    pub fn merchant(
        mut self,
        merchant_id: impl Into<String>,
        secret_key: impl Into<Secret>,
    ) -> Self {
        self.merchant = Some(MerchantCredentials::new(merchant_id, secret_key));
        self
    }

    sign_core::transport_setters!(transport, "octopus_sdk::Client::builder()", "");

    /// Polling interval used by `wait_for_payment` (default 2 s).
    ///
    /// ```
    /// let builder = octopus_sdk::Client::builder().poll_interval(std::time::Duration::from_millis(500));
    /// ```
    pub fn poll_interval(mut self, t: Duration) -> Self {
        self.poll_interval = Some(t);
        self
    }

    /// The Socket.IO server URL for realtime updates (default: the base URL's
    /// origin, as in the spec's `io('https://your-api-domain.com')`).
    ///
    /// ```
    /// let builder = octopus_sdk::Client::builder().realtime_url("https://pay.example.com");
    /// ```
    pub fn realtime_url(mut self, url: impl Into<String>) -> Self {
        self.realtime_url = Some(url.into());
        self
    }

    /// Checks the configuration and builds the client. The headers that do not
    /// change per call (credentials, Accept, User-Agent, merchant id) are built
    /// here once.
    ///
    /// ```
    /// let client = octopus_sdk::Client::builder()
    ///     .base_url("https://pay.example.com/api")
    ///     .api_token("token")
    ///     .api_key("key")
    ///     .build();
    /// assert!(client.is_ok());
    /// ```
    pub fn build(self) -> Result<Client> {
        let raw = self.base_url.ok_or_else(|| {
            Error::config(
                "base_url",
                "is required (there is no default platform host)",
            )
        })?;
        let (base, base_url) = parse_base_url("base_url", &raw)?;
        let api_token = credential("api_token", self.api_token)?;
        let api_key = credential("api_key", self.api_key)?;
        let mut headers = HeaderMap::with_capacity(16);
        headers.insert(
            AUTHORIZATION,
            sensitive(
                HeaderValue::try_from(format!("Bearer {}", api_token.expose())),
                "api_token",
            )?,
        );
        headers.insert(
            API_KEY,
            sensitive(HeaderValue::from_str(api_key.expose()), "api_key")?,
        );
        headers.insert(ACCEPT, APPLICATION_JSON);
        // Also with a caller's own `http_client`, as before the shared transport.
        headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
        if let Some(m) = &self.merchant {
            if m.merchant_id.trim().is_empty() {
                return Err(Error::config("merchant_id", "must not be empty"));
            }
            if m.secret_key.is_empty() {
                return Err(Error::config("secret_key", "must not be empty"));
            }
            let id = HeaderValue::from_str(&m.merchant_id)
                .map_err(|_| Error::config("merchant_id", "must be printable ASCII"))?;
            headers.insert(MERCHANT_ID, id);
        }
        let headers = templates(headers, self.merchant.is_some());
        let request_base = with_room(base_url.clone());
        let collection_bases = COLLECTIONS
            .iter()
            .filter_map(|name| {
                let mut u = base_url.clone();
                u.path_segments_mut().ok()?.push(name);
                Some((*name, with_room(u)))
            })
            .collect();
        let realtime_url = match self.realtime_url {
            Some(u) => parse_base_url("realtime_url", &u)?.1,
            None => {
                let mut u = base_url.clone();
                u.set_path("/");
                u
            }
        };
        let transport = self
            .transport
            .build(USER_AGENT_VALUE)
            .map_err(|e| Error::config("http_client", format!("cannot be built: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                transport,
                base,
                base_url,
                request_base,
                collection_bases,
                headers,
                environment: self.environment,
                api_token,
                api_key,
                merchant_key: self.merchant.as_ref().map(|m| HmacKey::new(&m.secret_key)),
                merchant: self.merchant,
                poll_interval: self.poll_interval.unwrap_or(Duration::from_secs(2)),
                realtime_url,
            }),
        })
    }
}

/// A required credential: set, not empty, printable (it goes into a header).
fn credential(field: &'static str, value: Option<Secret>) -> Result<Secret> {
    let value = value.ok_or_else(|| Error::config(field, "is required"))?;
    if value.is_empty() {
        return Err(Error::config(field, "must not be empty"));
    }
    if value.expose().chars().any(|c| c.is_control()) {
        return Err(Error::config(field, "must be printable text"));
    }
    Ok(value)
}

/// A credential's header value, marked sensitive (kept out of reqwest's Debug).
fn sensitive<E>(
    value: std::result::Result<HeaderValue, E>,
    field: &'static str,
) -> Result<HeaderValue> {
    let mut v = value.map_err(|_| Error::config(field, "cannot be sent as a header"))?;
    v.set_sensitive(true);
    Ok(v)
}

/// The shared base-URL rules ([`BaseUrl::parse`]): the checked base that
/// request URLs are built from, and the same as a [`Url`] for
/// [`Client::base_url`].
fn parse_base_url(field: &'static str, raw: &str) -> Result<(BaseUrl, Url)> {
    let checked = BaseUrl::parse(raw.trim()).map_err(|e| Error::config(field, e.to_string()))?;
    let url = Url::parse(&checked.to_string()).map_err(|e| Error::config(field, e.to_string()))?;
    Ok((checked, url))
}

/// The Octopus O! ePay platform client. Cheap to clone, `Send + Sync`.
///
/// ```
/// # async fn run() -> octopus_sdk::Result<()> {
/// use octopus_sdk::{orders::CreateOrder, testing::Simulator};
/// let sim = Simulator::start().await;
/// let client = sim.client();
/// let order = client
///     .orders()
///     .create(&CreateOrder::new("Coffee beans", octopus_sdk::parse_amount("100.00")?))
///     .await?;
/// assert_eq!(order.status.to_string(), "pending");
/// # Ok(()) }
/// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) transport: Transport,
    base: BaseUrl,
    base_url: Url,
    /// `base_url` with a query of [`REQUEST_URL_ROOM`] bytes that every
    /// request URL removes first: a `Url` clone allocates exactly its length,
    /// so a clone of the bare base grew (a reallocation and a copy) as soon
    /// as the first segment was pushed; this one has the room already.
    request_base: Url,
    /// `request_base` with each of [`COLLECTIONS`] pushed, for the request
    /// URLs that start with it (all of them): one segment fewer to push.
    collection_bases: Vec<(&'static str, Url)>,
    /// Every request's fixed headers, cloned per attempt (a clone of a value
    /// is a reference count, not a copy): `[without a body, with one]`. Each
    /// already holds the names an attempt adds (`Content-Type`, then the
    /// signature's three, with empty values that every attempt replaces in
    /// place): a `HeaderMap` clone keeps only the length, so adding them to a
    /// clone grew it on every attempt. Same names, same order as before.
    headers: [HeaderMap; 2],
    pub(crate) environment: Environment,
    api_token: Secret,
    api_key: Secret,
    pub(crate) merchant: Option<MerchantCredentials>,
    /// The merchant's secret key keyed into HMAC-SHA256 once.
    merchant_key: Option<HmacKey>,
    pub(crate) poll_interval: Duration,
    #[cfg_attr(not(feature = "realtime"), allow(dead_code))]
    pub(crate) realtime_url: Url,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url.as_str())
            .field("environment", &self.inner.environment)
            .field("api_token", &self.inner.api_token)
            .field("api_key", &self.inner.api_key)
            .field("merchant", &self.inner.merchant)
            .field("retry", self.inner.transport.retry_policy())
            .finish()
    }
}

/// A request, described once and sent (and re-signed) per attempt.
pub(crate) struct Call<'a> {
    pub op: &'static str,
    pub method: Method,
    pub segments: &'a [&'a str],
    pub query: Vec<(&'static str, String)>,
    /// The JSON body; a clone per attempt is a reference count.
    pub body: Option<Bytes>,
    pub idempotency: Idempotency,
    /// The merchant's reference of the call, named in an unknown outcome.
    pub reference: &'a str,
}

impl<'a> Call<'a> {
    /// A query (`GET`): retried after any fault.
    pub fn get(op: &'static str, segments: &'a [&'a str], reference: &'a str) -> Self {
        Call {
            op,
            method: Method::GET,
            segments,
            query: Vec::new(),
            body: None,
            idempotency: Idempotency::Idempotent,
            reference,
        }
    }

    /// A state-changing call: sent again only when it certainly had no effect.
    pub fn write(
        op: &'static str,
        method: Method,
        segments: &'a [&'a str],
        body: Option<Vec<u8>>,
        reference: &'a str,
    ) -> Self {
        Call {
            op,
            method,
            segments,
            query: Vec::new(),
            body: body.map(Bytes::from),
            idempotency: Idempotency::NonIdempotent,
            reference,
        }
    }

    fn is_write(&self) -> bool {
        self.idempotency == Idempotency::NonIdempotent
    }

    fn unknown(&self, reason: impl Into<String>) -> Error {
        Error::OutcomeUnknown {
            operation: self.op,
            reference: self.reference.to_owned(),
            reason: reason.into(),
        }
    }

    /// The error of an attempt that got no complete answer.
    fn fault(&self, last: Exchange, limit: Duration) -> Error {
        match last {
            Exchange::NotSent(source) | Exchange::Lost(source) => Error::Transport { source },
            _ => Error::Timeout {
                operation: self.op,
                after: limit,
            },
        }
    }
}

/// A received response.
pub(crate) struct RawResponse {
    pub status: u16,
    pub body: Bytes,
    /// The body was longer than the cap (and was not read).
    pub too_long: bool,
}

#[derive(Deserialize)]
struct RawEnvelope<'a> {
    #[serde(default)]
    success: Option<bool>,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
    #[serde(default)]
    pagination: Option<Pagination>,
}

#[derive(Deserialize)]
struct TypedEnvelope<T> {
    #[serde(default)]
    success: Option<bool>,
    #[serde(default = "none")]
    data: Option<T>,
    #[serde(default)]
    pagination: Option<Pagination>,
}

fn none<T>() -> Option<T> {
    None
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    code: Option<ApiErrorCode>,
    #[serde(default)]
    errors: Option<Vec<FieldError>>,
    #[serde(default)]
    timestamp: Option<serde_json::Value>,
    #[serde(default)]
    path: Option<String>,
}

impl Client {
    /// Starts a builder.
    ///
    /// ```
    /// let builder = octopus_sdk::Client::builder();
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The configured environment.
    ///
    /// ```
    /// let c = octopus_sdk::Client::builder()
    ///     .base_url("https://pay.example.com/api").api_token("t").api_key("k").build().unwrap();
    /// assert_eq!(c.environment(), octopus_sdk::Environment::Production);
    /// ```
    pub fn environment(&self) -> Environment {
        self.inner.environment
    }

    /// The configured base URL.
    ///
    /// ```
    /// let c = octopus_sdk::Client::builder()
    ///     .base_url("https://pay.example.com/api").api_token("t").api_key("k").build().unwrap();
    /// assert_eq!(c.base_url().as_str(), "https://pay.example.com/api");
    /// ```
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// The request URL: the base, the percent-encoded segments, the query.
    fn url(&self, segments: &[&str], query: &[(&'static str, String)]) -> Result<Url> {
        if let Some(s) = segments.iter().find(|s| matches!(**s, "." | "..")) {
            return Err(dot_segment(s));
        }
        match self.pushed_url(segments, query) {
            Some(url) => Ok(url),
            None => self.url_as_before(segments, query),
        }
    }

    /// [`Client::url`] pushed onto a clone of the base parsed at `build` (its
    /// path is the prefix), so that neither the base nor the path is parsed
    /// again per call: `url`'s own segment encoding for an http(s) URL
    /// (`SPECIAL_PATH_SEGMENT`) is [`PATH_SEGMENT`] byte for byte, and its
    /// query serializer is the one [`Client::url_as_before`] writes with.
    /// `None` where `url` would write another URL than the old way: a tab,
    /// line feed or carriage return (`url` drops them, the old way encoded
    /// them), or a first empty segment followed by more on a base without
    /// prefix (`url` writes it into the base's `/`, the old way kept `//`).
    /// `url` skips `.` and `..`: [`Client::url`] refuses them first.
    fn pushed_url(&self, segments: &[&str], query: &[(&'static str, String)]) -> Option<Url> {
        let inner = &*self.inner;
        if inner.base_url.path() == "/" && segments.len() > 1 && segments[0].is_empty() {
            return None;
        }
        let dropped = |b: &u8| matches!(b, b'\t' | b'\n' | b'\r');
        if segments.iter().any(|s| s.as_bytes().iter().any(dropped)) {
            return None;
        }
        let (base, rest) = match segments.split_first() {
            Some((first, rest)) => match inner.collection_bases.iter().find(|b| b.0 == *first) {
                Some((_, base)) => (base, rest),
                None => (&inner.request_base, segments),
            },
            None => (&inner.request_base, segments),
        };
        let mut url = base.clone();
        // Truncated: the base (and collection) again, with the clone's room kept.
        url.set_query(None);
        // An http(s) URL always has a path to push onto (`build` checked the scheme).
        url.path_segments_mut().ok()?.extend(rest);
        if !query.is_empty() {
            let mut q = url.query_pairs_mut();
            for (k, v) in query {
                q.append_pair(k, v);
            }
        }
        Some(url)
    }

    /// The request URL as it was built before [`Client::url`] pushed segments:
    /// one path-and-query string, parsed against the base. Kept for the
    /// segments [`Client::pushed_url`] leaves to it, and as its test's
    /// reference.
    fn url_as_before(&self, segments: &[&str], query: &[(&'static str, String)]) -> Result<Url> {
        let mut pq = String::with_capacity(64);
        for s in segments {
            if matches!(*s, "." | "..") {
                return Err(dot_segment(s));
            }
            pq.push('/');
            pq.extend(percent_encoding::utf8_percent_encode(s, PATH_SEGMENT));
        }
        if !query.is_empty() {
            pq.push('?');
            let start = pq.len();
            let mut q = url::form_urlencoded::Serializer::for_suffix(&mut pq, start);
            for (k, v) in query {
                q.append_pair(k, v);
            }
            q.finish();
        }
        Ok(self.inner.base.url(&pq))
    }

    /// One attempt's request: the fixed headers, a fresh signature, the body.
    fn request(&self, call: &Call<'_>, url: &Url) -> Result<reqwest::RequestBuilder> {
        let inner = &*self.inner;
        let mut req = reqwest::Request::new(call.method.clone(), url.clone());
        *req.headers_mut() = inner.headers[usize::from(call.body.is_some())].clone();
        if let Some(body) = &call.body {
            *req.body_mut() = Some(body.clone().into());
        }
        if let (Some(m), Some(key)) = (&inner.merchant, &inner.merchant_key) {
            sign(req.headers_mut(), &m.merchant_id, key, SystemTime::now());
        }
        Ok(reqwest::RequestBuilder::from_parts(
            inner.transport.http().clone(),
            req,
        ))
    }

    /// The one send path: every operation goes through here.
    pub(crate) async fn send(&self, call: &Call<'_>) -> Result<RawResponse> {
        let url = self.url(call.segments, &call.query)?;
        let span = tracing::info_span!(
            "octopus.request",
            op = call.op,
            method = call.method.as_str(),
            path = url.path(),
            attempts = tracing::field::Empty,
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        in_span(span, self.send_to(call, &url)).await
    }

    async fn send_to(&self, call: &Call<'_>, url: &Url) -> Result<RawResponse> {
        let t = &self.inner.transport;
        let (verdict, last) = t
            .send(
                call.idempotency,
                t.retry_policy(),
                |_| self.request(call, url),
                classify,
            )
            .await?;
        match verdict {
            Verdict::Throttled { retry_after } => {
                let (status, message) = match &last {
                    Exchange::Answered { status, body, .. } => {
                        (*status, error_message(*status, body))
                    }
                    _ => (429, String::new()),
                };
                Err(Error::RateLimited {
                    retry_after,
                    status,
                    message,
                })
            }
            Verdict::OutcomeUnknown => Err(call.unknown(match last {
                Exchange::Answered { status, .. } | Exchange::TooLarge { status, .. } => {
                    format!("the platform answered HTTP {status}")
                }
                fault => format!(
                    "no complete answer after the request was sent ({})",
                    call.fault(fault, t.timeout())
                ),
            })),
            // Done or GiveUp (the loop never returns RetryAfter).
            _ => match last {
                Exchange::Answered { status, body, .. } => Ok(RawResponse {
                    status,
                    body,
                    too_long: false,
                }),
                Exchange::TooLarge { status, .. } => Ok(RawResponse {
                    status,
                    body: Bytes::new(),
                    too_long: true,
                }),
                fault => Err(call.fault(fault, t.timeout())),
            },
        }
    }

    /// Sends a call and decodes its envelope's `data`.
    pub(crate) async fn call<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T> {
        let resp = self.send(&call).await?;
        decode(&call, &resp, self.max_body_bytes()).map(|(t, _)| t)
    }

    /// Sends a call and decodes `data` and `pagination`.
    pub(crate) async fn call_paged<T: DeserializeOwned>(
        &self,
        call: Call<'_>,
    ) -> Result<(T, Option<Pagination>)> {
        let resp = self.send(&call).await?;
        decode(&call, &resp, self.max_body_bytes())
    }

    fn max_body_bytes(&self) -> usize {
        self.inner.transport.max_body_bytes()
    }
}

/// The first segment of the request URLs: the platform's two collections.
const COLLECTIONS: [&str; 2] = ["orders", "payments"];

/// `url` with a query of [`REQUEST_URL_ROOM`] bytes, for [`Inner::request_base`].
fn with_room(mut url: Url) -> Url {
    url.set_query(Some(&"x".repeat(REQUEST_URL_ROOM)));
    url
}

/// The bytes a request URL may take beyond the base before it has to grow:
/// a path of a 36-character id and more, and a listing's query.
const REQUEST_URL_ROOM: usize = 128;

/// A `.` or `..` segment, refused.
fn dot_segment(s: &str) -> Error {
    Error::validation("path", format!("a path segment must not be `{s}`"))
}

/// `url`'s percent-encode set for one path segment of an https URL.
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'#')
    .add(b'?')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%')
    .add(b'\\');

/// Adds the four `X-Octopus-*` headers of one attempt (fresh timestamp and
/// nonce); the merchant id is among the fixed headers already.
fn sign(h: &mut HeaderMap, merchant_id: &str, key: &HmacKey, now: SystemTime) {
    let secs = unix_seconds(now);
    let mut buf = [0u8; 20];
    let owned;
    let timestamp = match timestamp(secs, &mut buf) {
        Some(t) => t,
        None => match DateTime::<Utc>::from_timestamp(secs, 0) {
            Some(t) => {
                owned = sign_core::octopus::format_timestamp(t);
                owned.as_str()
            }
            // Beyond chrono's years (where `Utc::now` panicked): unsigned.
            None => return unsign(h),
        },
    };
    // On the stack, from the thread's CSPRNG: no system call and no `String` per attempt.
    let nonce = sign_core::Nonce::new();
    let signature =
        sign_core::octopus::auth_signature_with(key, merchant_id, timestamp, nonce.as_str());
    // An RFC 3339 time and hex: always valid header values.
    let values = [timestamp.as_bytes(), nonce.as_str().as_bytes(), &signature];
    if let Some([ts, nonce, mut sig]) = attempt_header_values(values) {
        sig.set_sensitive(true);
        // The templates hold the three names already (with empty values):
        // overwritten where they stand, in one walk over the few entries,
        // instead of three inserts that each hash the name and probe for it.
        let mut values = [Some(ts), Some(nonce), Some(sig)];
        for (name, v) in h.iter_mut() {
            let slot = if *name == TIMESTAMP {
                0
            } else if *name == NONCE {
                1
            } else if *name == SIGNATURE {
                2
            } else {
                continue;
            };
            if let Some(value) = values[slot].take() {
                *v = value;
            }
        }
        // Not in the map (not a template's): added as before.
        for (name, value) in [TIMESTAMP, NONCE, SIGNATURE].into_iter().zip(values) {
            if let Some(value) = value {
                h.insert(name, value);
            }
        }
    } else {
        unsign(h);
    }
}

/// Takes the signature's names out: never sent with the templates' empty values.
fn unsign(h: &mut HeaderMap) {
    for name in [TIMESTAMP, NONCE, SIGNATURE] {
        h.remove(name);
    }
}

/// The two per-attempt header templates of [`Inner::headers`]: `fixed`, then
/// `Content-Type` for a body, then (for a merchant) the signature's names, in
/// the order an attempt used to insert them.
fn templates(fixed: HeaderMap, signed: bool) -> [HeaderMap; 2] {
    [false, true].map(|body| {
        let mut h = HeaderMap::with_capacity(fixed.len() + 4);
        h.extend(fixed.iter().map(|(k, v)| (k.clone(), v.clone())));
        if body {
            h.insert(CONTENT_TYPE, APPLICATION_JSON);
        }
        if signed {
            for name in [TIMESTAMP, NONCE, SIGNATURE] {
                h.insert(name, HeaderValue::from_static(""));
            }
        }
        h
    })
}

/// The Unix time `secs` as [`sign_core::octopus::format_timestamp`] writes
/// it (`2024-01-01T00:00:00Z`), into `buf` instead of a new `String`; `None`
/// for a year beyond 0..=9999, which that format writes otherwise. The date
/// is the proleptic Gregorian one chrono computes, by the days-to-civil
/// arithmetic of H. Hinnant's `civil_from_days`
/// (<https://howardhinnant.github.io/date_algorithms.html>): chrono built a
/// calendar date and then took it apart field by field, each accessor
/// applying the UTC offset again. A `SystemTime` carries no leap second, so
/// neither did `Utc::now()`: the second is never `60`.
fn timestamp(secs: i64, buf: &mut [u8; 20]) -> Option<&str> {
    let (days, time) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Days since 0000-03-01, in 400-year eras of 146 097 days.
    let z = days + 719_468;
    let (era, doe) = (z.div_euclid(146_097), z.rem_euclid(146_097));
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    // Months from March: January and February belong to the next year.
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = era * 400 + yoe + i64::from(month <= 2);
    let year = u32::try_from(year).ok().filter(|y| *y <= 9999)?;
    // Each of these is below 10 000 (checked or by construction).
    let field = |n: i64| n as u32;
    let fields = [
        (0, 4, year),
        (5, 2, field(month)),
        (8, 2, field(day)),
        (11, 2, field(time / 3_600)),
        (14, 2, field(time / 60 % 60)),
        (17, 2, field(time % 60)),
    ];
    *buf = *b"0000-00-00T00:00:00Z";
    for (at, width, mut n) in fields {
        for i in (at..at + width).rev() {
            // `n % 10` is below 10.
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
        }
    }
    std::str::from_utf8(buf).ok()
}

/// What one attempt means for the retry decision: the plain rules (an answer
/// too long to read counts as an answer: it did reach the server, and decoding
/// then says whether a write may have taken effect), plus the platform's
/// `RATE_LIMIT_EXCEEDED` code on any error status.
fn classify(x: &Exchange) -> Attempt {
    match x {
        Exchange::Answered {
            status,
            retry_after,
            body,
        } if *status >= 400 && *status != 429 && is_rate_limit_code(body) => Attempt::Throttled {
            retry_after: *retry_after,
        },
        other => other.attempt(),
    }
}

fn is_rate_limit_code(body: &[u8]) -> bool {
    serde_json::from_slice::<ErrorBody>(body)
        .is_ok_and(|b| b.code == Some(ApiErrorCode::RateLimitExceeded))
}

fn error_message(status: u16, body: &[u8]) -> String {
    match api_error(status, body) {
        Error::Api { message, .. } => message,
        other => other.to_string(),
    }
}

/// Decodes an answered attempt: `data` (and `pagination`) of a 2xx envelope,
/// or the platform's error.
pub(crate) fn decode<T: DeserializeOwned>(
    call: &Call<'_>,
    resp: &RawResponse,
    cap: usize,
) -> Result<(T, Option<Pagination>)> {
    let status = resp.status;
    let body: &[u8] = &resp.body;
    // A state-changing call that reached the server but whose answer cannot be
    // read may have taken effect.
    let unreadable = |err: Error, why: &str| {
        if call.is_write() && (200..300).contains(&status) {
            call.unknown(format!("{why} ({err})"))
        } else {
            err
        }
    };
    if resp.too_long {
        let err = Error::over_cap(call.op, cap);
        return Err(unreadable(err, "the answer was too long to read"));
    }
    if (200..300).contains(&status) {
        // Happy path in one pass; anything unusual is re-read below for a precise error.
        if let Ok(TypedEnvelope {
            success: None | Some(true),
            data: Some(t),
            pagination,
        }) = serde_json::from_slice::<TypedEnvelope<T>>(body)
        {
            return Ok((t, pagination));
        }
        let env: RawEnvelope<'_> = match serde_json::from_slice(body) {
            Ok(e) => e,
            Err(e) => {
                let err = Error::decode(status, format!("not a JSON envelope: {e}"), body);
                return Err(unreadable(err, "the success answer could not be read"));
            }
        };
        if env.success == Some(false) {
            return Err(api_error(status, body));
        }
        let Some(data) = env.data else {
            let err = Error::decode(status, "envelope has no `data`", body);
            return Err(unreadable(err, "the success answer had no data"));
        };
        return match serde_json::from_str::<T>(data.get()) {
            Ok(t) => Ok((t, env.pagination)),
            Err(e) => {
                let err = Error::decode(
                    status,
                    format!("`data` does not match the model: {e}"),
                    body,
                );
                Err(unreadable(err, "the success answer could not be read"))
            }
        };
    }
    Err(api_error(status, body))
}

/// Decodes an error body into [`Error::Api`].
pub(crate) fn api_error(status: u16, body: &[u8]) -> Error {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(b) => Error::Api {
            status,
            code: b.code,
            message: b
                .message
                .map(|m| snippet(m.as_bytes()))
                .unwrap_or_else(|| format!("HTTP {status}")),
            details: Box::new(ApiErrorDetails {
                errors: b.errors.unwrap_or_default(),
                timestamp: b.timestamp.map(|t| match t {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                }),
                path: b.path,
            }),
        },
        Err(_) => Error::Api {
            status,
            code: None,
            message: if body.is_empty() {
                format!("HTTP {status} with an empty body")
            } else {
                format!("HTTP {status}: {}", snippet(body))
            },
            details: Box::default(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An attempt's headers, names in order and the fixed values: what `request` inserted into
    /// a clone of the fixed headers before the templates (ca60be4: the fixed four, the merchant
    /// id, `Content-Type` for a body, then timestamp, nonce, signature), with every signature
    /// value fresh (none of the templates' empty values left).
    #[test]
    fn attempt_headers_are_the_ones_inserted_before_the_templates() {
        let fixed = ["authorization", "x-api-key", "accept", "user-agent"];
        let sig = [
            "x-octopus-timestamp",
            "x-octopus-nonce",
            "x-octopus-signature",
        ];
        for merchant in [false, true] {
            let mut b = Client::builder()
                .base_url("https://pay.example.com/api")
                .api_token("tok")
                .api_key("key");
            if merchant {
                b = b.merchant("m-1", "secret");
            }
            let c = b.build().unwrap();
            for body in [false, true] {
                let call = if body {
                    Call::write("t", Method::POST, &["p"], Some(b"{}".to_vec()), "r")
                } else {
                    Call::get("t", &["p"], "r")
                };
                let url = c.url(call.segments, &call.query).unwrap();
                let req = c.request(&call, &url).unwrap().build().unwrap();
                let h = req.headers();
                let mut want: Vec<&str> = fixed.to_vec();
                if merchant {
                    want.push("x-octopus-merchant-id");
                }
                if body {
                    want.push("content-type");
                }
                if merchant {
                    want.extend(sig);
                }
                let got: Vec<&str> = h.keys().map(|k| k.as_str()).collect();
                assert_eq!(got, want, "merchant {merchant}, body {body}");
                assert_eq!(h.len(), want.len(), "one value a name");
                assert_eq!(h["authorization"], "Bearer tok");
                assert_eq!(h["x-api-key"], "key");
                assert_eq!(h["accept"], "application/json");
                if body {
                    assert_eq!(h["content-type"], "application/json");
                }
                if merchant {
                    assert_eq!(h["x-octopus-merchant-id"], "m-1");
                    assert_eq!(h["x-octopus-timestamp"].len(), 20);
                    assert_eq!(h["x-octopus-nonce"].len(), 32);
                    assert_eq!(h["x-octopus-signature"].len(), 64);
                }
            }
        }
    }

    fn client(base: &str) -> Client {
        Client::builder()
            .base_url(base)
            .api_token("tok")
            .api_key("key")
            .build()
            .unwrap()
    }

    /// Bases for the URL tests: with and without a prefix and a trailing
    /// slash (or two), a prefix that starts with `//` (a past bug sent such
    /// requests to the host `evil.example`), encoded and non-ASCII prefixes,
    /// an IDNA host, IPv4 and IPv6 loopback with ports.
    const URL_BASES: [&str; 13] = [
        "https://pay.example.com/api",
        "https://pay.example.com/api/",
        "https://pay.example.com/api//",
        "https://pay.example.com",
        "https://pay.example.com/",
        "https://gw.example//evil.example/",
        "https://gw.example//evil.example",
        "https://pay.example.com/a/b/",
        "https://pay.example.com/a%20b/%2e%2e/c/",
        "https://pay.example.com/\u{e4}/x y",
        "https://b\u{fc}cher.example/p",
        "http://127.0.0.1:8080/api",
        "http://[::1]:9",
    ];

    /// The request URL `url` builds (segments pushed onto the parsed base) is
    /// the one the old way built (`url_as_before`: the encoded path and query
    /// parsed against the base, as `url` did until issue 15), byte for byte
    /// and part for part, for every base and row; and the rows `pushed_url`
    /// leaves to the old way are exactly the ones `url` would write otherwise.
    #[test]
    fn url_pushes_the_url_it_parsed_before() {
        // (segments, query, pushed): `pushed` is false only for the rows
        // `pushed_url` documents (a tab, line feed or carriage return; a first
        // empty segment and more, left to the old way on a base without prefix).
        type Row<'a> = (&'a [&'a str], &'a [(&'static str, &'a str)], bool);
        let rows: &[Row] = &[
            (&["payments", "payment-uuid-123"], &[], true),
            (&["payments", "p-1", "simulate"], &[], true),
            (&["payments"], &[], true),
            (&["payments", ""], &[], true),
            (&["payments", "%2e%2e", "a/b?c#d e\u{e4}\\"], &[], true),
            (&["orders", "o-1"], &[("k", "v")], true),
            (&["paymentsx", "p"], &[], true),
            (&["Orders", "o"], &[], true),
            (
                &["orders", "550e8400-e29b-41d4-a716-446655440000", "status"],
                &[],
                true,
            ),
            (&["orders"], &[("page", "2"), ("status", "pending")], true),
            (
                &["orders"],
                &[("q", "a b&c=d+e%f/g?h#i"), ("x", "\u{e4}'\"<>`\\")],
                true,
            ),
            (&[], &[], true),
            (&[], &[("page", "1")], true),
            (&[""], &[], true),
            (&["%"], &[], true),
            (&["%2e"], &[], true),
            (&["%2e%2e"], &[], true),
            (&[".%2e", "%2E."], &[], true),
            (&["...", ". ", " .."], &[], true),
            (&["a/b", "/", "//"], &[], true),
            (&["a?b", "?"], &[("k", "v")], true),
            (&["a#b", "#"], &[], true),
            (&["a b", " "], &[], true),
            (&["\u{e4}\u{20ac}\u{1f600}", "\u{fc}"], &[], true),
            (&["a\\b", "\\"], &[], true),
            (&["\"<>`{}|^[]", "~!$&'()*+,;=:@"], &[], true),
            (&["\u{0}\u{1}\u{1f}\u{7f}", "\u{85}\u{9f}"], &[], true),
            (&["x", ""], &[], true),
            (&["x", "", "y"], &[], true),
            (&["x", "", ""], &[], true),
            (&["a\tb"], &[], false),
            (&["a\nb"], &[], false),
            (&["x", "\r"], &[], false),
        ];
        // A first empty segment and more: pushed only after a prefix.
        let leading_empty: &[Row] = &[(&["", "x"], &[], true), (&["", ""], &[], true)];
        let mut pushed_rows = 0;
        for base in URL_BASES {
            let c = client(base);
            let root = c.base_url().path() == "/";
            // The base with its room taken off is the base `url_as_before` resolves against.
            let mut bare = c.inner.request_base.clone();
            bare.set_query(None);
            assert_eq!(bare, *c.base_url(), "{base}");
            let names: Vec<&str> = c.inner.collection_bases.iter().map(|b| b.0).collect();
            assert_eq!(
                names, COLLECTIONS,
                "{base}: every collection's base was built"
            );
            for (i, &(segments, query, pushed)) in rows.iter().chain(leading_empty).enumerate() {
                let pushed = pushed && !(i >= rows.len() && root);
                let query: Vec<(&'static str, String)> =
                    query.iter().map(|(k, v)| (*k, v.to_string())).collect();
                let want = c.url_as_before(segments, &query).unwrap();
                let got = c.url(segments, &query).unwrap();
                let why = format!("{base} + {segments:?} ? {query:?}");
                assert_eq!(got.as_str(), want.as_str(), "{why}");
                assert_eq!(
                    (
                        got.scheme(),
                        got.host_str(),
                        got.port(),
                        got.path(),
                        got.query()
                    ),
                    (
                        want.scheme(),
                        want.host_str(),
                        want.port(),
                        want.path(),
                        want.query()
                    ),
                    "{why}"
                );
                assert_eq!(got.host_str(), c.base_url().host_str(), "{why}: same host");
                match c.pushed_url(segments, &query) {
                    Some(p) => {
                        assert!(pushed, "{why}: pushed");
                        assert_eq!(p.as_str(), want.as_str(), "{why}");
                        pushed_rows += 1;
                    }
                    None => {
                        assert!(!pushed, "{why}: left to the old way");
                        // The fallback is needed: pushed, `url` writes another URL.
                        let mut p = c.base_url().clone();
                        p.path_segments_mut().unwrap().extend(segments);
                        assert_ne!(p.path(), want.path(), "{why}: pushing would differ");
                    }
                }
            }
        }
        assert!(pushed_rows > 20 * URL_BASES.len(), "{pushed_rows}");
    }

    /// `.` and `..` are refused, by both ways, with the same error (`url`
    /// would drop them silently; the old parser climbed with them).
    #[test]
    fn url_refuses_dot_segments() {
        let c = client("https://pay.example.com/api");
        for segments in [
            &["."][..],
            &[".."],
            &["payments", ".."],
            &["..", "x"],
            &["x", ".", "y"],
        ] {
            for got in [c.url(segments, &[]), c.url_as_before(segments, &[])] {
                match got {
                    Err(Error::Validation { field, reason }) => {
                        assert_eq!(field, "path");
                        assert!(
                            reason.starts_with("a path segment must not be `."),
                            "{reason}"
                        );
                    }
                    other => panic!("{segments:?}: {other:?}"),
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]
        /// Any segments (printable ASCII, the characters that need encoding,
        /// controls, non-ASCII), after a collection's name or not, and query
        /// values: `url` is the old way's URL, or the same error.
        #[test]
        fn url_is_the_old_way_for_any_segments(
            base in proptest::sample::select(&URL_BASES[..]),
            first in proptest::option::of(proptest::sample::select(&["payments", "orders", "", "."][..])),
            segments in proptest::collection::vec("[ -~\t\n\r\u{0}\u{7f}\u{85}\u{e4}\u{1f600}%./\\\\?#]{0,12}", 0..5),
            query in proptest::collection::vec("[ -~\u{e4}\n]{0,12}", 0..3),
        ) {
            let c = client(base);
            let segments: Vec<&str> = first.into_iter().chain(segments.iter().map(String::as_str)).collect();
            let query: Vec<(&'static str, String)> = query.into_iter().map(|v| ("k", v)).collect();
            let want = c.url_as_before(&segments, &query).map(|u| u.to_string());
            let got = c.url(&segments, &query).map(|u| u.to_string());
            match (got, want) {
                (Ok(g), Ok(w)) => proptest::prop_assert_eq!(g, w),
                (Err(g), Err(w)) => proptest::prop_assert_eq!(g.to_string(), w.to_string()),
                (g, w) => proptest::prop_assert!(false, "{:?} vs {:?}", g, w),
            }
        }
    }

    /// Base-URL rules every client applies (https only, loopback
    /// http, no userinfo, no query), one row per case.
    #[test]
    fn base_url_rules() {
        let cases = [
            ("https with prefix", "https://pay.example.com/api", true),
            ("loopback v4", "http://127.0.0.1:8080/api", true),
            ("localhost", "http://localhost/api", true),
            ("loopback v6", "http://[::1]:9/api", true),
            ("plain http", "http://pay.example.com/api", false),
            ("userinfo", "https://user:pw@pay.example.com/api", false),
            ("query", "https://pay.example.com/api?x=1", false),
            ("ftp", "ftp://pay.example.com/", false),
            ("look-alike loopback", "http://127.0.0.1.evil.com/", false),
        ];
        for (name, raw, ok) in cases {
            let got = parse_base_url("base_url", raw);
            assert_eq!(got.is_ok(), ok, "{name}: {raw} gave {got:?}");
            if let Err(e) = got {
                assert!(
                    matches!(
                        e,
                        Error::Config {
                            field: "base_url",
                            ..
                        }
                    ),
                    "{name}: {e:?}"
                );
            }
        }
    }

    /// Replaces the test that pinned the old clamp of `Retry-After` to the 2 s
    /// backoff cap (issue 13, "tests that claim more than they check"): a
    /// 429's `Retry-After` is what the attempt reports to the policy, and the
    /// policy waits for it in full or gives up with it.
    #[test]
    fn a_429_reports_its_retry_after_unclamped() {
        let policy = RetryPolicy::default().without_jitter();
        // (case, status, body, Retry-After seconds, verdict)
        type Case<'a> = (&'a str, u16, &'a [u8], Option<u64>, Verdict);
        let cases: [Case; 4] = [
            (
                "429, 1 s fits the budget: waited in full",
                429,
                b"",
                Some(1),
                Verdict::RetryAfter(Duration::from_secs(1)),
            ),
            (
                "429, 30 s beyond the 15 s budget: give up with it",
                429,
                b"",
                Some(30),
                Verdict::Throttled {
                    retry_after: Some(Duration::from_secs(30)),
                },
            ),
            (
                "400 with RATE_LIMIT_EXCEEDED is throttling too",
                400,
                br#"{"success":false,"code":"RATE_LIMIT_EXCEEDED"}"#,
                Some(5),
                Verdict::RetryAfter(Duration::from_secs(5)),
            ),
            ("a 404 is an answer", 404, b"", None, Verdict::Done),
        ];
        for (name, status, body, secs, want) in cases {
            let x = Exchange::Answered {
                status,
                body: Bytes::from_static(body),
                retry_after: secs.map(Duration::from_secs),
            };
            let got = policy.decide(Idempotency::Idempotent, 1, Duration::ZERO, &classify(&x));
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn error_body_decodes() {
        let body = br#"{"success":false,"message":"m","code":"E007","errors":[{"field":"amount","message":"x"}],"timestamp":"2024-01-01T00:00:00Z","path":"/api/payments"}"#;
        match api_error(409, body) {
            Error::Api {
                status,
                code,
                message,
                details,
            } => {
                assert_eq!(status, 409);
                assert_eq!(code, Some(ApiErrorCode::DuplicatePayment));
                assert_eq!(message, "m");
                assert_eq!(details.errors[0].field, "amount");
                assert_eq!(details.path.as_deref(), Some("/api/payments"));
            }
            other => panic!("{other:?}"),
        }
    }

    /// The timestamp written into a stack buffer for a clock reading is the one
    /// sign-core's `format_timestamp` writes for chrono's reading of the same
    /// `SystemTime` (what `Utc::now()` gave before issue 15; the signature
    /// covers it byte for byte), or `None` exactly where that one is not 20
    /// bytes (a year beyond 0..=9999).
    #[test]
    fn timestamp_is_sign_cores() {
        use chrono::TimeZone as _;
        let at = |secs: i64, nanos: u32| Utc.timestamp_opt(secs, nanos).unwrap();
        let ymd = |y, m, d, hh, mm, ss| Utc.with_ymd_and_hms(y, m, d, hh, mm, ss).unwrap();
        let cases = [
            ("epoch", at(0, 0)),
            ("spec example", ymd(2024, 1, 1, 0, 0, 0)),
            ("end of a year", ymd(2025, 12, 31, 23, 59, 59)),
            ("sub-second dropped", at(1_767_225_599, 999_999_999)),
            ("year 9999", ymd(9999, 12, 31, 23, 59, 59)),
            ("year 10000 falls back", ymd(10000, 1, 1, 0, 0, 0)),
            // chrono's `:60`; a `SystemTime` has no leap second: the next second.
            ("leap second", at(1_483_228_799, 1_500_000_000)),
            ("leap day", ymd(2024, 2, 29, 23, 59, 59)),
            ("leap day of a 400th year", ymd(2000, 2, 29, 12, 0, 0)),
            ("no leap day in 2100", ymd(2100, 2, 28, 23, 59, 59)),
            ("1 March 2100", ymd(2100, 3, 1, 0, 0, 0)),
            ("1 March 1900", ymd(1900, 3, 1, 0, 0, 0)),
            ("a nanosecond before 1970", at(-1, 999_999_999)),
            ("a day and a half before 1970", at(-129_600, 0)),
            ("year 0", ymd(0, 1, 1, 0, 0, 0)),
            ("year -1 falls back", ymd(-1, 12, 31, 23, 59, 59)),
        ];
        for (name, t) in cases {
            check_timestamp(SystemTime::from(t)).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        // Every day of two whole 400-year cycles (all the leap-year rules), at
        // its last second.
        let (first, last) = (ymd(1600, 1, 1, 23, 59, 59), ymd(2400, 12, 31, 23, 59, 59));
        let mut day = first.timestamp();
        while day <= last.timestamp() {
            check_timestamp(SystemTime::from(at(day, 0))).unwrap();
            day += 86_400;
        }
        // The clock: the seconds between two chrono readings.
        let before = Utc::now().timestamp();
        let got = unix_seconds(SystemTime::now());
        let after = Utc::now().timestamp();
        assert!((before..=after).contains(&got), "{before} {got} {after}");
    }

    /// `timestamp(unix_seconds(t))` against chrono's reading of `t`.
    fn check_timestamp(t: SystemTime) -> std::result::Result<(), String> {
        let chrono = DateTime::<Utc>::from(t);
        if unix_seconds(t) != chrono.timestamp() {
            return Err(format!(
                "{t:?}: seconds {} vs {}",
                unix_seconds(t),
                chrono.timestamp()
            ));
        }
        let want = sign_core::octopus::format_timestamp(chrono);
        let mut buf = [0u8; 20];
        match timestamp(unix_seconds(t), &mut buf) {
            Some(got) if got == want => Ok(()),
            None if want.len() != 20 => Ok(()),
            got => Err(format!("{t:?}: {got:?} vs {want}")),
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]
        /// Any instant from before year 0 to after year 9999, to the nanosecond.
        #[test]
        fn timestamp_is_sign_cores_for_any_instant(
            secs in -62_167_219_200i64 - 86_400 * 800..253_402_300_800 + 86_400 * 800,
            nanos in 0u32..1_000_000_000,
        ) {
            let t = SystemTime::from(DateTime::<Utc>::from_timestamp(secs, nanos).unwrap());
            proptest::prop_assert_eq!(check_timestamp(t), Ok(()));
        }
    }

    /// `sign` overwrites the template's empty values in place, also with the
    /// fallback timestamp (`format_timestamp`'s, for year 10000), and adds
    /// the three names to a map that lacks them; the signature stays sensitive
    /// and is the one `auth_signature_with` computes over the sent values.
    #[test]
    fn sign_fills_the_templates_names() {
        use chrono::TimeZone as _;
        let key = HmacKey::new(&Secret::from("secret"));
        let times = [
            Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(10000, 1, 1, 0, 0, 0).unwrap(),
        ];
        let mut fixed = HeaderMap::new();
        fixed.insert(ACCEPT, APPLICATION_JSON);
        for t in times {
            let [_, template] = templates(fixed.clone(), true);
            for mut h in [template, fixed.clone()] {
                sign(&mut h, "m-1", &key, SystemTime::from(t));
                let names: Vec<&str> = h.keys().map(|k| k.as_str()).collect();
                assert_eq!(
                    names[names.len() - 3..],
                    [
                        "x-octopus-timestamp",
                        "x-octopus-nonce",
                        "x-octopus-signature"
                    ],
                    "{names:?}"
                );
                assert_eq!(h.len(), names.len(), "one value a name");
                let ts = h[TIMESTAMP].to_str().unwrap();
                assert_eq!(ts, sign_core::octopus::format_timestamp(t));
                let nonce = h[NONCE].to_str().unwrap();
                let want = sign_core::octopus::auth_signature_with(&key, "m-1", ts, nonce);
                assert_eq!(h[SIGNATURE].as_bytes(), &want[..]);
                assert!(h[SIGNATURE].is_sensitive());
            }
        }
    }
}
