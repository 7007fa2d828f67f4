//! Configuration (the [`ClientBuilder`]) and the one send path every operation
//! goes through: sign afresh, send, time, cap the body, classify the attempt,
//! ask the retry policy, decode the envelope.
//!
//! The retry rule is [`sign_core::policy::RetryPolicy::decide`], shared by the
//! four SDK crates: a query is retried after a transport fault, a 5xx or a
//! 429; a state-changing call is sent again only when it certainly had no
//! effect (the connection never opened, or the platform throttled it), and a
//! state-changing call whose outcome is unknown becomes
//! [`Error::OutcomeUnknown`] unless the operation settles it by a lookup
//! ([`crate::payments::Payments::create`] does). A `Retry-After` (seconds or
//! HTTP-date) is waited for when it fits the policy's total budget; beyond it
//! the call fails at once with [`Error::RateLimited`] carrying the value.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use chrono::Utc;
use reqwest::header::{
    HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER, USER_AGENT,
};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::value::RawValue;
use sign_core::policy::{parse_retry_after, Attempt, BaseUrl, Idempotency, Verdict};
use sign_core::Secret;
use tracing::Instrument as _;
use url::Url;

pub use sign_core::policy::RetryPolicy;

use crate::error::{snippet, ApiErrorCode, ApiErrorDetails, Error, FieldError, Result};
use crate::models::Pagination;

/// Header carrying the API key.
pub const HEADER_API_KEY: &str = "X-API-Key";

/// Default time limit of one attempt (headers and body).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default cap on a response body.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1 << 20;

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
    /// (e.g. `https://pay.example.com/api`). Must be https, except for
    /// loopback; no user info, query or fragment.
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
        self.merchant = Some(MerchantCredentials::new(merchant_id, secret_key));
        self
    }

    /// Use this `reqwest::Client` instead of the SDK's hardened one (your
    /// client's redirect and connect settings then apply; the per-attempt
    /// timeout and body cap still do).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Connect timeout (default 5 s).
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = Some(t);
        self
    }

    /// Time limit of one attempt, headers and body (default 10 s). Applied
    /// with `tokio::time::timeout` around each attempt (also with your own
    /// `http_client`): reqwest's own `timeout` measured ~25 µs slower per call.
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = Some(t);
        self
    }

    /// Retry policy (default: 3 attempts, 200 ms .. 2 s full-jitter backoff,
    /// 15 s in total). See the module docs for what is retried.
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
        let raw = self.base_url.ok_or_else(|| {
            Error::config(
                "base_url",
                "is required (there is no default platform host)",
            )
        })?;
        let base = parse_base_url("base_url", &raw)?;
        let api_token = credential("api_token", self.api_token)?;
        let api_key = credential("api_key", self.api_key)?;
        if let Some(m) = &self.merchant {
            if m.merchant_id.trim().is_empty() {
                return Err(Error::config("merchant_id", "must not be empty"));
            }
            if m.secret_key.is_empty() {
                return Err(Error::config("secret_key", "must not be empty"));
            }
            HeaderValue::from_str(&m.merchant_id)
                .map_err(|_| Error::config("merchant_id", "must be printable ASCII"))?;
        }
        let realtime_url = match self.realtime_url {
            Some(u) => parse_base_url("realtime_url", &u)?,
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
                .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
                .pool_idle_timeout(Duration::from_secs(90))
                .build()
                .map_err(|e| Error::config("http_client", format!("cannot be built: {e}")))?,
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
                max_body_bytes: self.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES),
                timeout: self.timeout.unwrap_or(DEFAULT_TIMEOUT),
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

/// The shared base-URL rules ([`BaseUrl::parse`]), kept as a [`Url`] for
/// percent-encoded path building.
fn parse_base_url(field: &'static str, raw: &str) -> Result<Url> {
    let checked = BaseUrl::parse(raw.trim()).map_err(|e| Error::config(field, e.to_string()))?;
    Url::parse(&checked.to_string()).map_err(|e| Error::config(field, e.to_string()))
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
    pub idempotency: Idempotency,
    /// The merchant's reference of the call, named in an unknown outcome.
    pub reference: String,
}

impl<'a> Call<'a> {
    /// A query (`GET`): retried after any fault.
    pub fn get(op: &'static str, segments: &'a [&'a str], reference: &str) -> Self {
        Call {
            op,
            method: Method::GET,
            segments,
            query: Vec::new(),
            body: None,
            idempotency: Idempotency::Idempotent,
            reference: reference.to_owned(),
        }
    }

    /// A state-changing call: sent again only when it certainly had no effect.
    pub fn write(
        op: &'static str,
        method: Method,
        segments: &'a [&'a str],
        body: Option<Vec<u8>>,
        reference: &str,
    ) -> Self {
        Call {
            op,
            method,
            segments,
            query: Vec::new(),
            body,
            idempotency: Idempotency::NonIdempotent,
            reference: reference.to_owned(),
        }
    }

    fn is_write(&self) -> bool {
        self.idempotency == Idempotency::NonIdempotent
    }

    fn unknown(&self, reason: impl Into<String>) -> Error {
        Error::OutcomeUnknown {
            operation: self.op,
            reference: self.reference.clone(),
            reason: reason.into(),
        }
    }
}

/// A received response.
pub(crate) struct RawResponse {
    pub status: u16,
    pub body: Vec<u8>,
    /// The body was longer than the cap (and `body` holds only the start).
    pub too_long: bool,
    pub retry_after: Option<Duration>,
}

/// How one attempt ended before the policy is asked.
enum Outcome {
    Response(RawResponse),
    /// No complete answer: the error to report, and whether the request may
    /// have reached the server.
    Fault {
        error: Error,
        maybe_sent: bool,
    },
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

    fn url(&self, segments: &[&str], query: &[(&'static str, String)]) -> Result<Url> {
        let mut url = self.inner.base.clone();
        {
            let mut segs = url
                .path_segments_mut()
                .map_err(|_| Error::config("base_url", "cannot carry a path"))?;
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
    fn headers(&self, has_body: bool) -> Result<HeaderMap> {
        let mut h = HeaderMap::new();
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", self.inner.api_token.expose()))
            .map_err(|_| Error::config("api_token", "cannot be sent as a header"))?;
        auth.set_sensitive(true);
        h.insert(AUTHORIZATION, auth);
        let mut key = HeaderValue::from_str(self.inner.api_key.expose())
            .map_err(|_| Error::config("api_key", "cannot be sent as a header"))?;
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
                let mut v = HeaderValue::from_str(value)
                    .map_err(|_| Error::config("merchant_id", "cannot be sent as a header"))?;
                v.set_sensitive(name == sign_core::octopus::HEADER_SIGNATURE);
                h.insert(name, v);
            }
        }
        Ok(h)
    }

    /// One attempt: send, read the capped body, all within the time limit.
    async fn attempt(&self, call: &Call<'_>, url: Url, headers: HeaderMap) -> Outcome {
        let limit = self.inner.timeout;
        match tokio::time::timeout(limit, self.exchange(call, url, headers)).await {
            Ok(Ok(r)) => Outcome::Response(r),
            Ok(Err(e)) => {
                let maybe_sent = !(e.is_connect() || e.is_builder());
                Outcome::Fault {
                    error: Error::Transport { source: e },
                    maybe_sent,
                }
            }
            Err(_) => Outcome::Fault {
                error: Error::Timeout {
                    what: format!(
                        "{} to answer (limit {} ms per attempt)",
                        call.op,
                        limit.as_millis()
                    ),
                },
                maybe_sent: true,
            },
        }
    }

    async fn exchange(
        &self,
        call: &Call<'_>,
        url: Url,
        headers: HeaderMap,
    ) -> std::result::Result<RawResponse, reqwest::Error> {
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
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        let cap = self.inner.max_body_bytes;
        let mut body = Vec::new();
        let mut too_long = false;
        while let Some(chunk) = resp.chunk().await? {
            if body.len() + chunk.len() > cap {
                body.extend_from_slice(&chunk[..cap.saturating_sub(body.len())]);
                too_long = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(RawResponse {
            status,
            body,
            too_long,
            retry_after,
        })
    }

    /// The one send path: every operation goes through here.
    pub(crate) async fn send(&self, call: &Call<'_>) -> Result<RawResponse> {
        let url = self.url(call.segments, &call.query)?;
        let policy = &self.inner.retry;
        let started = Instant::now();
        let path = call.segments.join("/");
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let span = tracing::info_span!(
                "octopus.request",
                op = call.op,
                method = %call.method,
                path = %path,
                attempt,
                status = tracing::field::Empty,
                latency_ms = tracing::field::Empty,
            );
            // Signed afresh (timestamp, nonce) for every attempt.
            let headers = self.headers(call.body.is_some())?;
            let t0 = Instant::now();
            let outcome = self
                .attempt(call, url.clone(), headers)
                .instrument(span.clone())
                .await;
            span.record("latency_ms", t0.elapsed().as_millis() as u64);
            let class = match &outcome {
                Outcome::Response(r) => {
                    span.record("status", r.status);
                    classify(r)
                }
                Outcome::Fault {
                    maybe_sent: false, ..
                } => Attempt::NotSent,
                Outcome::Fault { .. } => Attempt::MaybeSent,
            };
            if let Outcome::Fault { error, .. } = &outcome {
                tracing::debug!(parent: &span, error = %error, "attempt failed");
            }
            match policy.decide(call.idempotency, attempt, started.elapsed(), &class) {
                Verdict::RetryAfter(wait) => {
                    tracing::debug!(
                        parent: &span,
                        wait_ms = wait.as_millis() as u64,
                        "retrying"
                    );
                    tokio::time::sleep(wait).await;
                }
                Verdict::Done | Verdict::GiveUp => {
                    return match outcome {
                        Outcome::Response(r) => Ok(r),
                        Outcome::Fault { error, .. } => Err(error),
                    }
                }
                Verdict::Throttled { retry_after } => {
                    let (status, message) = match &outcome {
                        Outcome::Response(r) => (r.status, error_message(r.status, &r.body)),
                        Outcome::Fault { .. } => (429, String::new()),
                    };
                    return Err(Error::RateLimited {
                        retry_after,
                        status,
                        message,
                    });
                }
                Verdict::OutcomeUnknown => {
                    return Err(call.unknown(match &outcome {
                        Outcome::Response(r) => {
                            format!("the platform answered HTTP {}", r.status)
                        }
                        Outcome::Fault { error, .. } => {
                            format!("no complete answer after the request was sent ({error})")
                        }
                    }))
                }
            }
        }
    }

    /// Sends a call and decodes its envelope's `data`.
    pub(crate) async fn call<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T> {
        let resp = self.send(&call).await?;
        decode(&call, &resp, self.inner.max_body_bytes).map(|(t, _)| t)
    }

    /// Sends a call and decodes `data` and `pagination`.
    pub(crate) async fn call_paged<T: DeserializeOwned>(
        &self,
        call: Call<'_>,
    ) -> Result<(T, Option<Pagination>)> {
        let resp = self.send(&call).await?;
        decode(&call, &resp, self.inner.max_body_bytes)
    }
}

/// What one answered attempt means for the retry decision.
fn classify(r: &RawResponse) -> Attempt {
    if r.too_long {
        // The answer is there but unreadable: the call did reach the server.
        return if r.status >= 500 {
            Attempt::ServerError
        } else {
            Attempt::Answered
        };
    }
    if r.status == 429 || (r.status >= 400 && is_rate_limit_code(&r.body)) {
        return Attempt::Throttled {
            retry_after: r.retry_after,
        };
    }
    if r.status >= 500 {
        return Attempt::ServerError;
    }
    Attempt::Answered
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
    let body = resp.body.as_slice();
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
        let err = Error::decode(status, format!("response body exceeds {cap} bytes"), body);
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
            let r = RawResponse {
                status,
                body: body.to_vec(),
                too_long: false,
                retry_after: secs.map(Duration::from_secs),
            };
            let got = policy.decide(Idempotency::Idempotent, 1, Duration::ZERO, &classify(&r));
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
}
