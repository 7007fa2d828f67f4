//! Transport: the [`Client`], its builder, retries, authentication headers and
//! envelope decoding.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::header::{
    HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER, USER_AGENT,
};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::value::RawValue;
use sign_core::Secret;
use url::Url;

use crate::error::{snippet, ApiErrorCode, ApiErrorDetails, Error, FieldError, Result};
use crate::models::Pagination;

/// Header carrying the API key.
pub const HEADER_API_KEY: &str = "X-API-Key";

/// Which platform the client talks to. Decides what is allowed, not the URL
/// (the platform has no published hosts: the base URL is always explicit).
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
#[derive(Clone)]
pub struct MerchantCredentials {
    /// Merchant id (`X-Octopus-Merchant-ID`).
    pub merchant_id: String,
    /// Secret key the signature is computed with.
    pub secret_key: Secret,
}

impl fmt::Debug for MerchantCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MerchantCredentials")
            .field("merchant_id", &self.merchant_id)
            .field("secret_key", &self.secret_key)
            .finish()
    }
}

/// How reads (GET) are retried: transport errors, 5xx and 429, with exponential
/// backoff and jitter, bounded attempts and total time. State-changing calls
/// are never retried blindly (see [`crate::payments::Payments::create`] for the
/// one that looks before it retries).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in total, including the first (at least 1).
    pub max_attempts: u32,
    /// Delay before the first retry.
    pub initial_backoff: Duration,
    /// Longest delay between attempts (also caps `Retry-After`).
    pub max_backoff: Duration,
    /// No retry is started after this much time has passed.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(2),
            max_elapsed: Duration::from_secs(20),
        }
    }
}

impl RetryPolicy {
    /// One attempt only.
    pub fn disabled() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Same policy with `n` attempts in total.
    pub fn with_max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Same policy with other backoff bounds (tests use a few milliseconds).
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// The delay before retry number `retry` (1-based), with jitter in [50 %, 100 %].
    pub(crate) fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(ra) = retry_after {
            return ra.min(self.max_backoff);
        }
        let exp = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)));
        let capped = exp.min(self.max_backoff);
        let jitter: f64 = rand::Rng::gen_range(&mut rand::thread_rng(), 0.5..=1.0);
        capped.mul_f64(jitter)
    }
}

/// Builds a [`Client`]. Start with [`Client::builder`].
#[derive(Default)]
pub struct ClientBuilder {
    base_url: Option<String>,
    environment: Environment,
    api_token: Option<Secret>,
    api_key: Option<Secret>,
    merchant: Option<MerchantCredentials>,
    http: Option<reqwest::Client>,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    retry: RetryPolicy,
    max_body_bytes: Option<usize>,
    poll_interval: Option<Duration>,
    realtime_url: Option<String>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("environment", &self.environment)
            .field("merchant", &self.merchant)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The API base URL, including its `/api` prefix if the platform has one
    /// (e.g. `https://pay.example.com/api`). Must be https, except for loopback.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Production (default) or sandbox.
    pub fn environment(mut self, env: Environment) -> Self {
        self.environment = env;
        self
    }

    /// The API token (`Authorization: Bearer …`).
    pub fn api_token(mut self, token: impl Into<Secret>) -> Self {
        self.api_token = Some(token.into());
        self
    }

    /// The API key (`X-API-Key`).
    pub fn api_key(mut self, key: impl Into<Secret>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Merchant credentials: every request then carries the `X-Octopus-*`
    /// signature headers, signed afresh for every attempt.
    pub fn merchant(
        mut self,
        merchant_id: impl Into<String>,
        secret_key: impl Into<Secret>,
    ) -> Self {
        self.merchant = Some(MerchantCredentials {
            merchant_id: merchant_id.into(),
            secret_key: secret_key.into(),
        });
        self
    }

    /// Use this `reqwest::Client` instead of the SDK's hardened one (your
    /// client's redirect and timeout settings then apply).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Connect timeout (default 10 s).
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = Some(t);
        self
    }

    /// Total timeout per attempt, headers and body (default 30 s). Applied by
    /// the SDK around each attempt (also with your own `http_client`); reqwest's
    /// own `timeout` measured ~25 µs slower per call (see the bench).
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = Some(t);
        self
    }

    /// Retry policy for reads (default: 3 attempts, 200 ms .. 2 s backoff).
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Largest response body accepted (default 1 MiB); a longer one is an error.
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.max_body_bytes = Some(n);
        self
    }

    /// Polling interval used by `wait_for_payment` (default 2 s).
    pub fn poll_interval(mut self, t: Duration) -> Self {
        self.poll_interval = Some(t);
        self
    }

    /// The Socket.IO server URL for realtime updates (default: the base URL's
    /// origin, as in the spec's `io('https://your-api-domain.com')`).
    pub fn realtime_url(mut self, url: impl Into<String>) -> Self {
        self.realtime_url = Some(url.into());
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client> {
        let raw = self.base_url.ok_or_else(|| Error::Config {
            reason: "base_url is required (there is no default platform host)".into(),
        })?;
        let base = parse_base_url(&raw)?;
        let api_token = self.api_token.ok_or_else(|| Error::Config {
            reason: "api_token is required".into(),
        })?;
        let api_key = self.api_key.ok_or_else(|| Error::Config {
            reason: "api_key is required".into(),
        })?;
        for (name, s) in [("api_token", &api_token), ("api_key", &api_key)] {
            if s.is_empty() || s.expose().chars().any(|c| c.is_control()) {
                return Err(Error::Config {
                    reason: format!("{name} must be non-empty printable text"),
                });
            }
        }
        if let Some(m) = &self.merchant {
            if m.merchant_id.is_empty() || m.secret_key.is_empty() {
                return Err(Error::Config {
                    reason: "merchant_id and secret_key must be non-empty".into(),
                });
            }
            HeaderValue::from_str(&m.merchant_id).map_err(|_| Error::Config {
                reason: "merchant_id must be printable ASCII".into(),
            })?;
        }
        let realtime_url = match self.realtime_url {
            Some(u) => parse_base_url(&u)?,
            None => {
                let mut u = base.clone();
                u.set_path("/");
                u
            }
        };
        let http = match self.http {
            Some(h) => h,
            None => reqwest::Client::builder()
                .use_rustls_tls()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(self.connect_timeout.unwrap_or(Duration::from_secs(10)))
                .pool_idle_timeout(Duration::from_secs(90))
                .build()
                .map_err(|e| Error::Config {
                    reason: format!("cannot build the HTTP client: {e}"),
                })?,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                environment: self.environment,
                api_token,
                api_key,
                merchant: self.merchant,
                retry: self.retry,
                max_body_bytes: self.max_body_bytes.unwrap_or(1 << 20),
                timeout: self.timeout.unwrap_or(Duration::from_secs(30)),
                poll_interval: self.poll_interval.unwrap_or(Duration::from_secs(2)),
                realtime_url,
            }),
        })
    }
}

/// Accepts https, or http to a loopback host; no userinfo, query or fragment.
pub(crate) fn parse_base_url(raw: &str) -> Result<Url> {
    let bad = |reason: &str| Error::Config {
        reason: format!("base URL: {reason}"),
    };
    let url = Url::parse(raw.trim()).map_err(|e| bad(&e.to_string()))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not carry user info"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("must not carry a query or fragment"));
    }
    let host = url.host_str().ok_or_else(|| bad("has no host"))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(host) => {}
        "http" => return Err(bad("http is only allowed for loopback hosts; use https")),
        other => return Err(bad(&format!("unsupported scheme {other:?}"))),
    }
    Ok(url)
}

fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

/// The Octopus O! ePay platform client. Cheap to clone, `Send + Sync`.
///
/// ```no_run
/// # async fn run() -> octopus_sdk::Result<()> {
/// use octopus_sdk::{Client, Environment, orders::CreateOrder};
/// let client = Client::builder()
///     .base_url("https://pay.example.com/api")
///     .environment(Environment::Sandbox)
///     .api_token("token")
///     .api_key("key")
///     .build()?;
/// let order = client
///     .orders()
///     .create(&CreateOrder::new("Coffee beans", "100.00".parse().unwrap()))
///     .await?;
/// println!("{} {}", order.id, order.status);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) base: Url,
    pub(crate) environment: Environment,
    api_token: Secret,
    api_key: Secret,
    pub(crate) merchant: Option<MerchantCredentials>,
    pub(crate) retry: RetryPolicy,
    max_body_bytes: usize,
    timeout: Duration,
    pub(crate) poll_interval: Duration,
    #[cfg_attr(not(feature = "realtime"), allow(dead_code))]
    pub(crate) realtime_url: Url,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field("environment", &self.inner.environment)
            .field("api_token", &self.inner.api_token)
            .field("api_key", &self.inner.api_key)
            .field("merchant", &self.inner.merchant)
            .field("retry", &self.inner.retry)
            .finish()
    }
}

/// A request, described once and sent (and re-signed) per attempt.
pub(crate) struct Call<'a> {
    pub op: &'static str,
    pub method: Method,
    pub segments: &'a [&'a str],
    pub query: Vec<(&'static str, String)>,
    pub body: Option<Vec<u8>>,
    /// Reads: retried on transport errors, 5xx and 429.
    pub idempotent: bool,
}

/// Why one attempt produced no response.
enum AttemptError {
    Http(reqwest::Error),
    TimedOut(Duration),
}

impl std::fmt::Display for AttemptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttemptError::Http(e) => write!(f, "{e}"),
            AttemptError::TimedOut(t) => write!(f, "no complete response within {t:?}"),
        }
    }
}

/// A received response.
pub(crate) struct RawResponse {
    pub status: u16,
    pub body: Vec<u8>,
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
    success: Option<bool>,
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
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The configured environment.
    pub fn environment(&self) -> Environment {
        self.inner.environment
    }

    /// The configured base URL.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    pub(crate) fn url(&self, segments: &[&str], query: &[(&'static str, String)]) -> Result<Url> {
        let mut url = self.inner.base.clone();
        {
            let mut segs = url.path_segments_mut().map_err(|_| Error::Config {
                reason: "base URL cannot be a base".into(),
            })?;
            segs.pop_if_empty();
            for s in segments {
                segs.push(s);
            }
        }
        if !query.is_empty() {
            let mut q = url.query_pairs_mut();
            for (k, v) in query {
                q.append_pair(k, v);
            }
        }
        Ok(url)
    }

    /// The headers of one attempt (fresh timestamp and nonce each time).
    pub(crate) fn headers(&self, has_body: bool) -> Result<HeaderMap> {
        let mut h = HeaderMap::new();
        let cfg = |what: &str| Error::Config {
            reason: format!("{what} cannot be sent as a header"),
        };
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", self.inner.api_token.expose()))
            .map_err(|_| cfg("api_token"))?;
        auth.set_sensitive(true);
        h.insert(AUTHORIZATION, auth);
        let mut key =
            HeaderValue::from_str(self.inner.api_key.expose()).map_err(|_| cfg("api_key"))?;
        key.set_sensitive(true);
        h.insert(HEADER_API_KEY, key);
        h.insert(ACCEPT, HeaderValue::from_static("application/json"));
        h.insert(
            USER_AGENT,
            HeaderValue::from_static(concat!("octopus-sdk-rust/", env!("CARGO_PKG_VERSION"))),
        );
        if has_body {
            h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        if let Some(m) = &self.inner.merchant {
            let nonce = sign_core::new_nonce();
            let a =
                sign_core::octopus::auth_headers(&m.secret_key, &m.merchant_id, Utc::now(), &nonce);
            for (name, value) in a.pairs() {
                h.insert(name, HeaderValue::from_str(value).map_err(|_| cfg(name))?);
            }
        }
        Ok(h)
    }

    async fn send_once(
        &self,
        call: &Call<'_>,
        url: Url,
        headers: HeaderMap,
    ) -> std::result::Result<(RawResponse, Option<Duration>), AttemptError> {
        let limit = self.inner.timeout;
        match tokio::time::timeout(limit, self.send_inner(call, url, headers)).await {
            Ok(r) => r.map_err(AttemptError::Http),
            Err(_) => Err(AttemptError::TimedOut(limit)),
        }
    }

    async fn send_inner(
        &self,
        call: &Call<'_>,
        url: Url,
        headers: HeaderMap,
    ) -> std::result::Result<(RawResponse, Option<Duration>), reqwest::Error> {
        let mut req = self
            .inner
            .http
            .request(call.method.clone(), url)
            .headers(headers);
        if let Some(b) = &call.body {
            req = req.body(b.clone());
        }
        let mut resp = req.send().await?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await? {
            if body.len() + chunk.len() > self.inner.max_body_bytes {
                // Keep what fits; flagged below by the length check.
                body.extend_from_slice(
                    &chunk[..self.inner.max_body_bytes.saturating_sub(body.len())],
                );
                body.push(0);
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok((RawResponse { status, body }, retry_after))
    }

    /// Sends a call: reads are retried per the policy, writes are sent once.
    pub(crate) async fn execute(&self, call: &Call<'_>) -> Result<RawResponse> {
        let url = self.url(call.segments, &call.query)?;
        let policy = &self.inner.retry;
        let started = Instant::now();
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let span = tracing::info_span!(
                "octopus.request",
                op = call.op,
                method = %call.method,
                path = %call.segments.join("/"),
                attempt,
                status = tracing::field::Empty,
                latency_ms = tracing::field::Empty,
            );
            // Signed afresh (timestamp, nonce) for every attempt.
            let headers = self.headers(call.body.is_some())?;
            let t0 = Instant::now();
            let result = tracing::Instrument::instrument(
                self.send_once(call, url.clone(), headers),
                span.clone(),
            )
            .await;
            span.record("latency_ms", t0.elapsed().as_millis() as u64);
            let (retryable, retry_after) = match &result {
                Ok((r, ra)) => {
                    span.record("status", r.status);
                    (r.status >= 500 || r.status == 429, *ra)
                }
                Err(_) => (true, None),
            };
            match &result {
                Ok(_) => tracing::debug!(parent: &span, "response received"),
                Err(e) => tracing::debug!(parent: &span, error = %e, "request failed"),
            }
            if call.idempotent
                && retryable
                && attempt < policy.max_attempts
                && started.elapsed() < policy.max_elapsed
            {
                let delay = policy.delay(attempt, retry_after);
                tracing::debug!(
                    op = call.op,
                    attempt,
                    delay_ms = delay.as_millis() as u64,
                    "retrying"
                );
                tokio::time::sleep(delay).await;
                continue;
            }
            return match result {
                Ok((r, _)) => {
                    if r.body.len() > self.inner.max_body_bytes {
                        let e = Error::decode(
                            r.status,
                            format!("response body exceeds {} bytes", self.inner.max_body_bytes),
                            &r.body,
                        );
                        return Err(self.unknown_if_write(
                            call,
                            e,
                            "the response was too long to read",
                        ));
                    }
                    Ok(r)
                }
                Err(AttemptError::Http(e))
                    if call.idempotent || e.is_connect() || e.is_builder() =>
                {
                    Err(Error::Transport { source: e })
                }
                Err(AttemptError::Http(e)) => Err(Error::OutcomeUnknown {
                    operation: call.op,
                    reason: if e.is_timeout() {
                        "the request timed out after it was sent".into()
                    } else {
                        "the connection failed after the request was sent".into()
                    },
                    source: Some(Box::new(Error::Transport { source: e })),
                }),
                Err(AttemptError::TimedOut(t)) if call.idempotent => Err(Error::Timeout {
                    what: format!("{} to answer (limit {t:?} per attempt)", call.op),
                }),
                Err(AttemptError::TimedOut(t)) => Err(Error::OutcomeUnknown {
                    operation: call.op,
                    reason: format!("the request timed out after it was sent (limit {t:?})"),
                    source: None,
                }),
            };
        }
    }

    fn unknown_if_write(&self, call: &Call<'_>, e: Error, reason: &str) -> Error {
        if call.idempotent {
            e
        } else {
            Error::OutcomeUnknown {
                operation: call.op,
                reason: reason.into(),
                source: Some(Box::new(e)),
            }
        }
    }

    /// Sends a call and decodes its envelope's `data`.
    pub(crate) async fn call<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T> {
        let resp = self.execute(&call).await?;
        self.decode(&call, &resp).map(|(t, _)| t)
    }

    /// Sends a call and decodes `data` and `pagination`.
    pub(crate) async fn call_paged<T: DeserializeOwned>(
        &self,
        call: Call<'_>,
    ) -> Result<(T, Option<Pagination>)> {
        let resp = self.execute(&call).await?;
        self.decode(&call, &resp)
    }

    pub(crate) fn decode<T: DeserializeOwned>(
        &self,
        call: &Call<'_>,
        resp: &RawResponse,
    ) -> Result<(T, Option<Pagination>)> {
        let status = resp.status;
        let body = resp.body.as_slice();
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
                    return Err(self.unknown_if_write(
                        call,
                        err,
                        "the success response could not be read",
                    ));
                }
            };
            if env.success == Some(false) {
                return Err(api_error(status, body));
            }
            let data = match env.data {
                Some(d) => d,
                None => {
                    let err = Error::decode(status, "envelope has no `data`", body);
                    return Err(self.unknown_if_write(
                        call,
                        err,
                        "the success response had no data",
                    ));
                }
            };
            return match serde_json::from_str::<T>(data.get()) {
                Ok(t) => Ok((t, env.pagination)),
                Err(e) => {
                    let err = Error::decode(
                        status,
                        format!("`data` does not match the model: {e}"),
                        body,
                    );
                    Err(self.unknown_if_write(call, err, "the success response could not be read"))
                }
            };
        }
        let err = api_error(status, body);
        if !call.idempotent
            && matches!(status, 502..=504)
            && err.api_code().is_none()
            && !has_platform_body(body)
        {
            return Err(Error::OutcomeUnknown {
                operation: call.op,
                reason: format!("a gateway answered {status} without a platform error body"),
                source: Some(Box::new(err)),
            });
        }
        Err(err)
    }
}

fn has_platform_body(body: &[u8]) -> bool {
    serde_json::from_slice::<ErrorBody>(body)
        .map(|b| b.success.is_some() || b.message.is_some())
        .unwrap_or(false)
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

    #[test]
    fn base_url_rules() {
        assert!(parse_base_url("https://pay.example.com/api").is_ok());
        assert!(parse_base_url("http://127.0.0.1:8080/api").is_ok());
        assert!(parse_base_url("http://localhost/api").is_ok());
        assert!(parse_base_url("http://[::1]:9/api").is_ok());
        assert!(parse_base_url("http://pay.example.com/api").is_err());
        assert!(parse_base_url("https://user:pw@pay.example.com/api").is_err());
        assert!(parse_base_url("https://pay.example.com/api?x=1").is_err());
        assert!(parse_base_url("ftp://pay.example.com/").is_err());
        assert!(parse_base_url("http://127.0.0.1.evil.com/").is_err());
    }

    #[test]
    fn backoff_is_bounded_and_jittered() {
        let p = RetryPolicy::default()
            .with_backoff(Duration::from_millis(100), Duration::from_millis(300));
        for retry in 1..10 {
            let d = p.delay(retry, None);
            assert!(d <= Duration::from_millis(300), "{d:?}");
            assert!(d >= Duration::from_millis(50), "{d:?}");
        }
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(60))),
            Duration::from_millis(300)
        );
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
}
