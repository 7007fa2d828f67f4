//! Configuration (the builder) and the one send path every operation goes through.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use reqwest::Method;
pub use sign_core::policy::RetryPolicy;
use sign_core::policy::{parse_retry_after, Attempt, BaseUrl, Idempotency, Verdict};
use sign_core::Secret;
use tracing::Instrument as _;

use crate::error::{snippet, Error};
use crate::models::{ErrorCode, ErrorResponse};
use crate::orders::Orders;
use crate::refunds::Refunds;

/// Where the payment centre lives.
///
/// ```
/// assert_eq!(ljpay_sdk::Environment::Production.base_url(), "https://pay.ljmatrix.cn");
/// ```
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

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const DEFAULT_MAX_BODY: usize = 1 << 20;

/// Builds a [`Client`]. Base URL (or environment), site code and secret are required.
///
/// ```
/// use std::time::Duration;
/// use ljpay_sdk::{Client, Environment, RetryPolicy};
/// let client = Client::builder()
///     .environment(Environment::Production)
///     .site_code("my-site")
///     .secret("my-secret")
///     .timeout(Duration::from_secs(5))
///     .retry_policy(RetryPolicy::default().with_max_attempts(2))
///     .build()
///     .unwrap();
/// assert_eq!(client.base_url(), "https://pay.ljmatrix.cn");
/// ```
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

    /// The site's HMAC secret (must not be empty).
    pub fn secret(mut self, secret: impl Into<Secret>) -> Self {
        self.secret = Some(secret.into());
        self
    }

    /// Uses your own `reqwest::Client` (then `connect_timeout` here is not applied; configure
    /// it not to follow redirects). The per-attempt `timeout` still applies.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Timeout of one attempt, from sending to the last byte of the answer (default 10 s).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = Some(d);
        self
    }

    /// Connect timeout (default 5 s).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = Some(d);
        self
    }

    /// Retry policy (default [`RetryPolicy::default`]: 3 attempts, 15 s budget).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Largest answer body accepted (default 1 MiB); a larger one is [`Error::BodyTooLarge`].
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.max_body_bytes = Some(n);
        self
    }

    /// Checks the configuration and builds the client.
    ///
    /// ```
    /// let e = ljpay_sdk::Client::builder()
    ///     .base_url("https://pay.ljmatrix.cn").site_code("s").secret("").build().unwrap_err();
    /// assert_eq!(e.to_string(), "configuration: `secret` must not be empty");
    /// ```
    pub fn build(self) -> Result<Client, Error> {
        let config = |field: &'static str, reason: &str| Error::Config {
            field,
            reason: reason.to_owned(),
        };
        let raw = self
            .base_url
            .ok_or_else(|| config("base_url", "is required (or set an environment)"))?;
        let base = BaseUrl::parse(&raw).map_err(|e| config("base_url", &e.to_string()))?;
        let site_code = self
            .site_code
            .ok_or_else(|| config("site_code", "is required"))?;
        if site_code.is_empty() || !site_code.chars().all(|c| c.is_ascii_graphic()) {
            return Err(config(
                "site_code",
                "must be non-empty visible ASCII (it is sent as a header)",
            ));
        }
        let secret = self.secret.ok_or_else(|| config("secret", "is required"))?;
        if secret.expose().is_empty() {
            return Err(config("secret", "must not be empty"));
        }
        let http = match self.http {
            Some(c) => c,
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
                .build()
                .map_err(|e| config("http_client", &format!("could not be built: {e}")))?,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                site_code,
                secret,
                retry: self.retry.unwrap_or_default(),
                timeout: self.timeout.unwrap_or(DEFAULT_TIMEOUT),
                max_body_bytes: self.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY),
            }),
        })
    }
}

/// LJPay client. Cheap to clone (an `Arc` inside), `Send + Sync`.
///
/// ```
/// use ljpay_sdk::Client;
/// let client = Client::builder()
///     .base_url("https://gw.example/ljpay/")
///     .site_code("my-site")
///     .secret("my-secret")
///     .build()
///     .unwrap();
/// let copy = client.clone(); // shares the connection pool and the configuration
/// assert_eq!(copy.base_url(), "https://gw.example/ljpay");
/// assert!(!format!("{client:?}").contains("my-secret"));
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: BaseUrl,
    site_code: String,
    secret: Secret,
    retry: RetryPolicy,
    timeout: Duration,
    max_body_bytes: usize,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &format_args!("{}", self.inner.base))
            .field("site_code", &self.inner.site_code)
            .field("secret", &self.inner.secret)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

/// What kind of call an operation is: its name, method and whether repeating it is harmless.
pub(crate) struct Op {
    /// `create_order`, `get_order`, `cancel_order`, `refund`.
    pub(crate) name: &'static str,
    pub(crate) method: Method,
    pub(crate) idempotency: Idempotency,
    /// Appended to an outcome-unknown reason: what is safe to do next.
    pub(crate) if_unknown: &'static str,
}

/// One call: the operation, the merchant reference it concerns, its path and body.
pub(crate) struct Request<'a> {
    pub(crate) op: &'a Op,
    pub(crate) reference: &'a str,
    /// From `/api/…` on, already percent-encoded.
    pub(crate) path: String,
    pub(crate) body: Option<Vec<u8>>,
}

impl Request<'_> {
    pub(crate) fn outcome_unknown(&self, reason: impl fmt::Display) -> Error {
        let mut reason = reason.to_string();
        if !self.op.if_unknown.is_empty() {
            reason.push_str("; ");
            reason.push_str(self.op.if_unknown);
        }
        Error::OutcomeUnknown {
            operation: self.op.name,
            reference: self.reference.to_owned(),
            reason,
        }
    }
}

/// How one attempt ended before it was classified.
enum Raw {
    NotSent(Error),
    MaybeSent(Error),
    Answer {
        status: u16,
        body: Vec<u8>,
        retry_after: Option<Duration>,
    },
    TooLarge,
}

/// Decodes a 2xx answer body.
pub(crate) type Decode<T> = fn(&[u8]) -> serde_json::Result<T>;

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
        self.inner.base.to_string()
    }

    pub(crate) fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// The one send path: every attempt signed afresh, sent, timed, its body capped, classified
    /// for [`RetryPolicy::decide`], and its verdict acted on. A non-idempotent call whose
    /// outcome is unknown comes back as [`Error::OutcomeUnknown`] (the caller may settle it by a
    /// lookup); a 2xx body is decoded with `decode`.
    pub(crate) async fn send<T>(&self, req: &Request<'_>, decode: Decode<T>) -> Result<T, Error> {
        let span = tracing::debug_span!(
            "ljpay.call",
            operation = req.op.name,
            reference = req.reference,
            method = %req.op.method,
            path = %req.path,
        );
        self.send_attempts(req, decode).instrument(span).await
    }

    async fn send_attempts<T>(&self, req: &Request<'_>, decode: Decode<T>) -> Result<T, Error> {
        let policy = &self.inner.retry;
        let started = Instant::now();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let (outcome, result) = self.classify(req, self.attempt(req, attempt).await, decode);
            match policy.decide(req.op.idempotency, attempt, started.elapsed(), &outcome) {
                Verdict::Done | Verdict::GiveUp => return result,
                Verdict::RetryAfter(wait) => tokio::time::sleep(wait).await,
                Verdict::Throttled { retry_after } => {
                    let (status, message) = match result {
                        Err(Error::Api {
                            status, message, ..
                        }) => (status, message),
                        Err(Error::UnexpectedStatus {
                            status,
                            body_snippet,
                        }) => (status, body_snippet),
                        _ => (429, String::new()),
                    };
                    return Err(Error::RateLimited {
                        retry_after,
                        status,
                        message,
                    });
                }
                Verdict::OutcomeUnknown => {
                    let reason = match result {
                        Err(e) => e.to_string(),
                        Ok(_) => "the answer could not be read".to_owned(),
                    };
                    return Err(req.outcome_unknown(reason));
                }
            }
        }
    }

    fn classify<T>(
        &self,
        req: &Request<'_>,
        raw: Raw,
        decode: Decode<T>,
    ) -> (Attempt, Result<T, Error>) {
        let write = req.op.idempotency == Idempotency::NonIdempotent;
        match raw {
            Raw::NotSent(e) => (Attempt::NotSent, Err(e)),
            Raw::MaybeSent(e) => (Attempt::MaybeSent, Err(e)),
            Raw::TooLarge => {
                let e = Error::BodyTooLarge {
                    limit: self.inner.max_body_bytes,
                };
                // A state-changing call answered at all may have taken effect.
                (
                    if write {
                        Attempt::MaybeSent
                    } else {
                        Attempt::Answered
                    },
                    Err(e),
                )
            }
            Raw::Answer { status, body, .. } if (200..300).contains(&status) => {
                match decode(&body) {
                    Ok(v) => (Attempt::Answered, Ok(v)),
                    Err(e) => {
                        let e = Error::Decode {
                            reason: format!("the {} answer (status {status}): {e}", req.op.name),
                            body_snippet: snippet(&body),
                        };
                        (
                            if write {
                                Attempt::MaybeSent
                            } else {
                                Attempt::Answered
                            },
                            Err(e),
                        )
                    }
                }
            }
            Raw::Answer {
                status,
                body,
                retry_after,
            } => {
                let err = error_from(status, &body);
                let code = err.code();
                let outcome = if status == 429 || code == Some(&ErrorCode::RateLimited) {
                    Attempt::Throttled { retry_after }
                } else if status == 502 && code == Some(&ErrorCode::ChannelApiError) {
                    // The spec documents 502 `CHANNEL_API_ERROR` (UpstreamError) as the answer
                    // when WeChat or Alipay refused: a final answer, not a lost one.
                    Attempt::Answered
                } else if status >= 500 {
                    Attempt::ServerError
                } else {
                    Attempt::Answered
                };
                (outcome, Err(err))
            }
        }
    }

    /// One signed attempt within the per-attempt timeout.
    async fn attempt(&self, req: &Request<'_>, attempt: u32) -> Raw {
        let inner = &*self.inner;
        let full = inner.base.join(&req.path);
        let url = match url::Url::parse(&full) {
            Ok(u) => u,
            Err(e) => {
                return Raw::NotSent(Error::Validation {
                    field: "path",
                    reason: format!("does not form a valid URL: {e}"),
                })
            }
        };
        // Sign exactly the request target that goes on the wire.
        let target = match url.query() {
            Some(q) => format!("{}?{}", url.path(), q),
            None => url.path().to_owned(),
        };
        let body = req.body.as_deref().unwrap_or_default();
        let signed = sign_core::ljpay::sign_request(
            &inner.secret,
            &inner.site_code,
            req.op.method.as_str(),
            &target,
            body,
            chrono::Utc::now().timestamp(),
            &sign_core::new_nonce(),
        );
        let mut builder = inner.http.request(req.op.method.clone(), url);
        for (name, value) in signed.pairs() {
            builder = builder.header(name, value);
        }
        builder = builder.header(reqwest::header::ACCEPT, "application/json");
        if let Some(b) = &req.body {
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(b.clone());
        }
        let started = Instant::now();
        let raw = match tokio::time::timeout(inner.timeout, self.exchange(builder)).await {
            Ok(raw) => raw,
            Err(_) => Raw::MaybeSent(Error::Timeout {
                after: inner.timeout,
            }),
        };
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match &raw {
            Raw::Answer { status, .. } => {
                tracing::debug!(attempt, status, latency_ms, path = %target, "ljpay request")
            }
            Raw::NotSent(e) | Raw::MaybeSent(e) => {
                tracing::debug!(attempt, latency_ms, path = %target, error = %e, "ljpay request failed")
            }
            Raw::TooLarge => {
                tracing::debug!(attempt, latency_ms, path = %target, "ljpay answer too large")
            }
        }
        raw
    }

    async fn exchange(&self, builder: reqwest::RequestBuilder) -> Raw {
        let mut resp = match builder.send().await {
            Ok(r) => r,
            Err(e) if e.is_connect() || e.is_builder() => {
                return Raw::NotSent(Error::Transport { source: e })
            }
            Err(e) => return Raw::MaybeSent(Error::Transport { source: e }),
        };
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        let limit = self.inner.max_body_bytes;
        if resp.content_length().is_some_and(|n| n > limit as u64) {
            return Raw::TooLarge;
        }
        let mut body = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > limit {
                        return Raw::TooLarge;
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                // A body cut short: the request was processed, the answer is lost.
                Err(e) => return Raw::MaybeSent(Error::Transport { source: e }),
            }
        }
        Raw::Answer {
            status,
            body,
            retry_after,
        }
    }
}

/// The error of a non-2xx answer.
fn error_from(status: u16, body: &[u8]) -> Error {
    match serde_json::from_slice::<ErrorResponse>(body) {
        Ok(er) => Error::Api {
            status,
            code: er.code,
            message: er.message,
            details: er.details,
        },
        Err(_) => Error::UnexpectedStatus {
            status,
            body_snippet: snippet(body),
        },
    }
}
