//! Transport: configuration, signing every attempt, retries, response decoding.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use rand::Rng as _;
use reqwest::Method;
use serde::de::DeserializeOwned;
use sign_core::Secret;
use url::Url;

use crate::error::{snippet, Error};
use crate::models::{ErrorCode, ErrorResponse};
use crate::orders::Orders;
use crate::refunds::Refunds;

/// Characters kept as they are in a path segment: RFC 3986 unreserved. Everything else is
/// percent-encoded, so a `biz_order_no` such as `A/B 1` stays one segment (`A%2FB%201`).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment (RFC 3986 unreserved characters stay).
pub fn encode_path_segment(segment: &str) -> String {
    utf8_percent_encode(segment, SEGMENT).to_string()
}

/// Where the payment centre lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Environment {
    /// `https://pay.ljmatrix.cn`, the only server the spec lists.
    Production,
}

impl Environment {
    /// The base URL.
    pub fn base_url(&self) -> &'static str {
        match self {
            Environment::Production => "https://pay.ljmatrix.cn",
        }
    }
}

/// When and how often calls are retried.
///
/// Queries (`GET`) are retried on transport errors, 5xx answers and `RATE_LIMITED` (or 429).
/// Create, cancel and refund are retried only when the request certainly did not take effect
/// (it never reached the server, or the server answered `RATE_LIMITED`); after an unknown
/// outcome a create first looks the order up by `biz_order_no` (see
/// [`Orders::create`](crate::Orders::create)). Every attempt is signed afresh with a new
/// timestamp and nonce. Backoff is exponential with full jitter, bounded by
/// `max_attempts` and `max_elapsed`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in total, including the first (at least 1).
    pub max_attempts: u32,
    /// Backoff before the second attempt; doubles each time.
    pub initial_backoff: Duration,
    /// Upper bound of one backoff.
    pub max_backoff: Duration,
    /// No new attempt starts after this much time since the first one.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    /// 3 attempts, 200 ms doubling up to 2 s, 15 s in total.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(2),
            max_elapsed: Duration::from_secs(15),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub fn disabled() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Sets the number of attempts (values below 1 count as 1).
    pub fn with_max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Sets the first and the largest backoff.
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// Sets the total time budget.
    pub fn with_max_elapsed(mut self, d: Duration) -> Self {
        self.max_elapsed = d;
        self
    }

    /// Backoff before attempt `attempt + 1` (`attempt` ≥ 1): full jitter over an exponential cap.
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let exp = 1u32 << attempt.saturating_sub(1).min(16);
        let cap = self
            .initial_backoff
            .saturating_mul(exp)
            .min(self.max_backoff);
        if cap.is_zero() {
            return cap;
        }
        let nanos = cap.as_nanos().min(u64::MAX as u128) as u64;
        Duration::from_nanos(rand::thread_rng().gen_range(nanos / 2..=nanos))
    }
}

/// Builds a [`Client`]. Base URL (or environment), site code and secret are required.
#[derive(Default)]
pub struct ClientBuilder {
    base_url: Option<String>,
    site_code: Option<String>,
    secret: Option<Secret>,
    http: Option<reqwest::Client>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    max_body_bytes: Option<usize>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("site_code", &self.site_code)
            .field("secret", &self.secret.as_ref().map(|_| "Secret(***)"))
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The payment centre's base URL. It may carry a path prefix (a gateway in front):
    /// `https://gw.example/ljpay` sends `POST /ljpay/api/v1/order/create`, and the prefix is
    /// part of the signed path. Only `https` is accepted, except `http` to a loopback host.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Uses a named environment's base URL.
    pub fn environment(mut self, env: Environment) -> Self {
        self.base_url = Some(env.base_url().to_owned());
        self
    }

    /// The site code sent as `X-Pay-Site`.
    pub fn site_code(mut self, site_code: impl Into<String>) -> Self {
        self.site_code = Some(site_code.into());
        self
    }

    /// The site's HMAC secret.
    pub fn secret(mut self, secret: impl Into<Secret>) -> Self {
        self.secret = Some(secret.into());
        self
    }

    /// Uses your own `reqwest::Client` (then `timeout`/`connect_timeout` here are not applied;
    /// configure it not to follow redirects).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Total timeout of one attempt (default 10 s).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = Some(d);
        self
    }

    /// Connect timeout (default 5 s).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = Some(d);
        self
    }

    /// Retry policy (default [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Largest response body accepted (default 1 MiB); a larger one is an error.
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.max_body_bytes = Some(n);
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let config = |reason: &str| Error::Config {
            reason: reason.to_owned(),
        };
        let raw = self
            .base_url
            .ok_or_else(|| config("base_url (or environment) is required"))?;
        let (origin, prefix) = parse_base_url(&raw)?;
        let site_code = self
            .site_code
            .ok_or_else(|| config("site_code is required"))?;
        if site_code.is_empty() || !site_code.chars().all(|c| c.is_ascii_graphic()) {
            return Err(config(
                "site_code must be non-empty visible ASCII (it is sent as a header)",
            ));
        }
        let secret = self.secret.ok_or_else(|| config("secret is required"))?;
        if secret.expose().is_empty() {
            return Err(config("secret must not be empty"));
        }
        let http = match self.http {
            Some(c) => c,
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(self.timeout.unwrap_or(Duration::from_secs(10)))
                .connect_timeout(self.connect_timeout.unwrap_or(Duration::from_secs(5)))
                .build()
                .map_err(|e| Error::Config {
                    reason: format!("could not build the HTTP client: {e}"),
                })?,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                origin,
                prefix,
                site_code,
                secret,
                retry: self.retry.unwrap_or_default(),
                max_body_bytes: self.max_body_bytes.unwrap_or(1 << 20),
            }),
        })
    }
}

/// Splits a base URL into `scheme://host[:port]` and a path prefix without trailing `/`.
fn parse_base_url(raw: &str) -> Result<(String, String), Error> {
    let bad = |reason: String| Error::Config { reason };
    let url = Url::parse(raw).map_err(|e| bad(format!("base_url is not a URL: {e}")))?;
    let host = url
        .host()
        .ok_or_else(|| bad("base_url has no host".into()))?;
    let loopback = match host {
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(bad(
                "base_url must use https (http is allowed only for a loopback host)".into(),
            ))
        }
        other => return Err(bad(format!("base_url scheme `{other}` is not https"))),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("base_url must not carry user info".into()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("base_url must not carry a query or fragment".into()));
    }
    let origin = url.origin().ascii_serialization();
    let prefix = url.path().trim_end_matches('/').to_owned();
    Ok((origin, prefix))
}

/// LJPay client. Cheap to clone (an `Arc` inside), `Send + Sync`.
///
/// ```no_run
/// # async fn run() -> Result<(), ljpay_sdk::Error> {
/// use ljpay_sdk::{Client, Environment};
/// let client = Client::builder()
///     .environment(Environment::Production)
///     .site_code("my-site")
///     .secret("my-secret")
///     .build()?;
/// let order = client.orders().get_by_biz_order_no("B-1001").await?;
/// println!("{:?}", order.status);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    origin: String,
    prefix: String,
    site_code: String,
    secret: Secret,
    retry: RetryPolicy,
    max_body_bytes: usize,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field(
                "base_url",
                &format_args!("{}{}", self.inner.origin, self.inner.prefix),
            )
            .field("site_code", &self.inner.site_code)
            .field("secret", &self.inner.secret)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

/// The raw outcome of one attempt that reached the server.
pub(crate) struct RawResponse {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
}

/// Why one attempt produced no response.
pub(crate) enum AttemptError {
    /// Certainly not processed: the connection was never made.
    NotSent(Error),
    /// Sent, but no complete answer: the server may have processed it.
    Unknown(Error),
}

impl Client {
    /// Starts building a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Orders: create, query, cancel.
    pub fn orders(&self) -> Orders<'_> {
        Orders::new(self)
    }

    /// Refunds.
    pub fn refunds(&self) -> Refunds<'_> {
        Refunds::new(self)
    }

    /// The configured site code.
    pub fn site_code(&self) -> &str {
        &self.inner.site_code
    }

    /// The configured base URL (origin plus path prefix).
    pub fn base_url(&self) -> String {
        format!("{}{}", self.inner.origin, self.inner.prefix)
    }

    pub(crate) fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// One signed attempt. `path` starts with `/api/…` and is already percent-encoded.
    #[tracing::instrument(name = "ljpay.request", skip_all, fields(method = %method, path = path))]
    pub(crate) async fn attempt(
        &self,
        method: Method,
        path: &str,
        body: Option<&[u8]>,
    ) -> Result<RawResponse, AttemptError> {
        let inner = &*self.inner;
        let full = format!("{}{}{}", inner.origin, inner.prefix, path);
        let url = Url::parse(&full).map_err(|e| {
            AttemptError::NotSent(Error::Validation {
                field: "path",
                reason: format!("does not form a valid URL: {e}"),
            })
        })?;
        // Sign exactly the request target that goes on the wire.
        let path_with_query = match url.query() {
            Some(q) => format!("{}?{}", url.path(), q),
            None => url.path().to_owned(),
        };
        let body_bytes = body.unwrap_or_default();
        let timestamp = chrono::Utc::now().timestamp();
        let nonce = sign_core::new_nonce();
        let signed = sign_core::ljpay::sign_request(
            &inner.secret,
            &inner.site_code,
            method.as_str(),
            &path_with_query,
            body_bytes,
            timestamp,
            &nonce,
        );
        let mut req = inner.http.request(method.clone(), url);
        for (name, value) in signed.pairs() {
            req = req.header(name, value);
        }
        req = req.header(reqwest::header::ACCEPT, "application/json");
        if let Some(b) = body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(b.to_vec());
        }
        let started = Instant::now();
        let mut resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(method = %method, path = %path_with_query, error = %e, "ljpay request failed");
                let err = Error::Transport { source: e };
                return Err(if is_not_sent(&err) {
                    AttemptError::NotSent(err)
                } else {
                    AttemptError::Unknown(err)
                });
            }
        };
        let status = resp.status().as_u16();
        let limit = inner.max_body_bytes;
        if resp.content_length().is_some_and(|n| n > limit as u64) {
            return Err(AttemptError::Unknown(Error::BodyTooLarge { limit }));
        }
        let mut buf = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if buf.len() + chunk.len() > limit {
                        return Err(AttemptError::Unknown(Error::BodyTooLarge { limit }));
                    }
                    buf.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Err(AttemptError::Unknown(Error::Transport { source: e })),
            }
        }
        tracing::debug!(
            method = %method,
            path = %path_with_query,
            status,
            latency_ms = started.elapsed().as_millis() as u64,
            "ljpay request"
        );
        Ok(RawResponse { status, body: buf })
    }

    /// A query: retried on transport errors, 5xx and `RATE_LIMITED`.
    pub(crate) async fn query<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        let policy = self.retry_policy();
        let started = Instant::now();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let result = match self.attempt(Method::GET, path, None).await {
                Ok(raw) => decode::<T>(&raw),
                Err(AttemptError::NotSent(e) | AttemptError::Unknown(e)) => Err(e),
            };
            match result {
                Ok(v) => return Ok(v),
                Err(e)
                    if e.is_transient()
                        && attempt < policy.max_attempts
                        && started.elapsed() < policy.max_elapsed =>
                {
                    tokio::time::sleep(policy.backoff(attempt)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

fn is_not_sent(err: &Error) -> bool {
    matches!(err, Error::Transport { source } if source.is_connect() || source.is_builder())
}

/// Whether an error means the server refused the request for rate (nothing was done).
pub(crate) fn is_rate_limited(err: &Error) -> bool {
    matches!(err, Error::Api { status, code, .. } if *status == 429 || *code == ErrorCode::RateLimited)
        || matches!(err, Error::UnexpectedStatus { status: 429, .. })
}

/// Turns a non-2xx answer into an error.
pub(crate) fn error_from(raw: &RawResponse) -> Error {
    match serde_json::from_slice::<ErrorResponse>(&raw.body) {
        Ok(er) => Error::Api {
            status: raw.status,
            code: er.code,
            message: er.message,
            details: er.details,
        },
        Err(_) => Error::UnexpectedStatus {
            status: raw.status,
            body_snippet: snippet(&raw.body),
        },
    }
}

/// Decodes a 2xx body into `T`, or the error of a non-2xx answer.
pub(crate) fn decode<T: DeserializeOwned>(raw: &RawResponse) -> Result<T, Error> {
    if !(200..300).contains(&raw.status) {
        return Err(error_from(raw));
    }
    serde_json::from_slice(&raw.body).map_err(|e| Error::Decode {
        status: raw.status,
        reason: e.to_string(),
        body_snippet: snippet(&raw.body),
    })
}
