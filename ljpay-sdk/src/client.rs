//! Configuration (the builder) and the one send path every operation goes through.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderName, HeaderValue, ACCEPT, CONTENT_TYPE};
use reqwest::Method;
use sign_core::ljpay::HmacKey;
pub use sign_core::policy::RetryPolicy;
use sign_core::policy::{Attempt, BaseUrl, Idempotency, Verdict};
use sign_core::transport::{attempt_header_values, in_span, Exchange, Transport, TransportConfig};
use sign_core::Secret;

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
    ///
    /// ```
    /// let url = ljpay_sdk::Environment::Production.base_url();
    /// assert!(url.starts_with("https://"));
    /// ```
    pub fn base_url(&self) -> &'static str {
        match self {
            Environment::Production => "https://pay.ljmatrix.cn",
        }
    }
}

/// Sent as `User-Agent` by the client the builder makes (not by your own `http_client`).
const USER_AGENT: &str = concat!("ljpay-sdk/", env!("CARGO_PKG_VERSION"));

const SITE: HeaderName = HeaderName::from_static("x-pay-site");
const TIMESTAMP: HeaderName = HeaderName::from_static("x-pay-timestamp");
const NONCE: HeaderName = HeaderName::from_static("x-pay-nonce");
const SIGNATURE: HeaderName = HeaderName::from_static("x-pay-signature");
const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// The request targets that never change (no path parameter): their URLs are resolved once,
/// at `build()`, and cloned for each attempt instead of parsed again.
const FIXED_PATHS: [&str; 3] = [
    crate::orders::PATH_CREATE,
    crate::orders::PATH_CANCEL,
    crate::refunds::PATH_REFUND,
];

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
// `Debug` is derived: `Secret` prints as `Secret(***)`.
#[derive(Debug, Default)]
pub struct ClientBuilder {
    base_url: Option<String>,
    site_code: Option<String>,
    secret: Option<Secret>,
    transport: TransportConfig,
}

impl ClientBuilder {
    /// The payment centre's base URL. It may carry a path prefix (a gateway in front):
    /// `https://gw.example/ljpay` sends `POST /ljpay/api/v1/order/create`, and the prefix is
    /// part of the signed path. Only `https` is accepted, except `http` to a loopback host.
    ///
    /// ```
    /// let client = ljpay_sdk::Client::builder()
    ///     .base_url("https://gw.example/ljpay").site_code("s").secret("k").build().unwrap();
    /// assert_eq!(client.base_url(), "https://gw.example/ljpay");
    /// ```
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Uses a named environment's base URL.
    ///
    /// ```
    /// use ljpay_sdk::{Client, Environment};
    /// let client = Client::builder()
    ///     .environment(Environment::Production).site_code("s").secret("k").build().unwrap();
    /// assert_eq!(client.base_url(), Environment::Production.base_url());
    /// ```
    pub fn environment(mut self, env: Environment) -> Self {
        self.base_url = Some(env.base_url().to_owned());
        self
    }

    /// The site code sent as `X-Pay-Site` (visible ASCII).
    ///
    /// ```
    /// let client = ljpay_sdk::Client::builder()
    ///     .environment(ljpay_sdk::Environment::Production).site_code("my-site").secret("k")
    ///     .build().unwrap();
    /// assert_eq!(client.site_code(), "my-site");
    /// ```
    pub fn site_code(mut self, site_code: impl Into<String>) -> Self {
        self.site_code = Some(site_code.into());
        self
    }

    /// The site's HMAC secret (must not be empty).
    ///
    /// ```
    /// let secret = std::env::var("LJPAY_SECRET").unwrap_or_else(|_| "from-your-vault".into());
    /// let builder = ljpay_sdk::Client::builder().secret(secret);
    /// assert!(!format!("{builder:?}").contains("from-your-vault"));
    /// ```
    pub fn secret(mut self, secret: impl Into<Secret>) -> Self {
        self.secret = Some(secret.into());
        self
    }

    sign_core::transport_setters!(transport, "ljpay_sdk::Client::builder()", "");

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
        let site_invalid = || {
            config(
                "site_code",
                "must be non-empty visible ASCII (it is sent as a header)",
            )
        };
        if site_code.is_empty() || !site_code.chars().all(|c| c.is_ascii_graphic()) {
            return Err(site_invalid());
        }
        let site_header = HeaderValue::from_str(&site_code).map_err(|_| site_invalid())?;
        let secret = self.secret.ok_or_else(|| config("secret", "is required"))?;
        if secret.expose().is_empty() {
            return Err(config("secret", "must not be empty"));
        }
        let transport = self
            .transport
            .build(USER_AGENT)
            .map_err(|e| config("http_client", &format!("could not be built: {e}")))?;
        let fixed_urls = FIXED_PATHS.map(|p| base.url(p));
        let key = HmacKey::new(&secret);
        Ok(Client {
            inner: Arc::new(Inner {
                transport,
                base,
                fixed_urls,
                site_code,
                site_header,
                secret,
                key,
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
    transport: Transport,
    base: BaseUrl,
    /// `base.url(p)` for each of [`FIXED_PATHS`], in order.
    fixed_urls: [url::Url; FIXED_PATHS.len()],
    site_code: String,
    /// `site_code` as a header value, built once.
    site_header: HeaderValue,
    secret: Secret,
    /// `secret` keyed into HMAC-SHA256 once.
    key: HmacKey,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &format_args!("{}", self.inner.base))
            .field("site_code", &self.inner.site_code)
            .field("secret", &self.inner.secret)
            .field("retry", self.inner.transport.retry_policy())
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
    pub(crate) path: Cow<'a, str>,
    /// Shared by every attempt (a clone is a reference count, not a copy).
    pub(crate) body: Option<Bytes>,
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

/// Decodes a 2xx answer body.
pub(crate) type Decode<T> = fn(&[u8]) -> serde_json::Result<T>;

impl Client {
    /// Starts building a client.
    ///
    /// ```
    /// let builder = ljpay_sdk::Client::builder();
    /// assert!(builder.build().is_err()); // base URL, site code and secret are required
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Orders: create, query, cancel.
    ///
    /// ```
    /// let client = ljpay_sdk::Client::builder()
    ///     .environment(ljpay_sdk::Environment::Production).site_code("s").secret("k")
    ///     .build().unwrap();
    /// let _orders = client.orders();
    /// ```
    pub fn orders(&self) -> Orders<'_> {
        Orders::new(self)
    }

    /// Refunds.
    ///
    /// ```
    /// let client = ljpay_sdk::Client::builder()
    ///     .environment(ljpay_sdk::Environment::Production).site_code("s").secret("k")
    ///     .build().unwrap();
    /// let _refunds = client.refunds();
    /// ```
    pub fn refunds(&self) -> Refunds<'_> {
        Refunds::new(self)
    }

    /// The configured site code.
    ///
    /// ```
    /// let client = ljpay_sdk::Client::builder()
    ///     .environment(ljpay_sdk::Environment::Production).site_code("s-1").secret("k")
    ///     .build().unwrap();
    /// assert_eq!(client.site_code(), "s-1");
    /// ```
    pub fn site_code(&self) -> &str {
        &self.inner.site_code
    }

    /// The configured base URL (origin plus path prefix).
    ///
    /// ```
    /// let client = ljpay_sdk::Client::builder()
    ///     .base_url("http://127.0.0.1:8080/").site_code("s").secret("k").build().unwrap();
    /// assert_eq!(client.base_url(), "http://127.0.0.1:8080");
    /// ```
    pub fn base_url(&self) -> String {
        self.inner.base.to_string()
    }

    pub(crate) fn retry_policy(&self) -> &RetryPolicy {
        self.inner.transport.retry_policy()
    }

    /// The one send path: every attempt signed afresh and sent by the shared transport (timed,
    /// its body capped), classified with LJPay's rules, and its verdict acted on. A
    /// non-idempotent call whose outcome is unknown comes back as [`Error::OutcomeUnknown`]
    /// (the caller may settle it by a lookup); a 2xx body is decoded with `decode`.
    pub(crate) async fn send<T>(&self, req: &Request<'_>, decode: Decode<T>) -> Result<T, Error> {
        let span = tracing::debug_span!(
            "ljpay request",
            operation = req.op.name,
            reference = req.reference,
            method = req.op.method.as_str(),
            path = &*req.path,
            attempts = tracing::field::Empty,
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        in_span(span, self.send_attempts(req, decode)).await
    }

    async fn send_attempts<T>(&self, req: &Request<'_>, decode: Decode<T>) -> Result<T, Error> {
        let transport = &self.inner.transport;
        let idempotency = req.op.idempotency;
        // The decoded answer (or its error) of the latest attempt that was answered, so that a
        // body is decoded once.
        let mut answered: Option<Result<T, Error>> = None;
        let Ok((verdict, exchange)) = transport
            .send::<std::convert::Infallible>(
                idempotency,
                transport.retry_policy(),
                |_| Ok(self.request(req)),
                |x| match x {
                    Exchange::Answered {
                        status,
                        retry_after,
                        body,
                    } => {
                        let (attempt, result) =
                            self.answer(req, *status, *retry_after, body, decode);
                        answered = Some(result);
                        attempt
                    }
                    other => {
                        answered = None;
                        match other {
                            // A state-changing call answered at all (but for "slow down") may
                            // have taken effect.
                            Exchange::TooLarge { .. }
                                if idempotency == Idempotency::NonIdempotent
                                    && other.attempt() == Attempt::Answered =>
                            {
                                Attempt::MaybeSent
                            }
                            other => other.attempt(),
                        }
                    }
                },
            )
            .await;
        let result = match (answered, exchange) {
            (Some(result), _) => result,
            (None, Exchange::NotSent(e) | Exchange::Lost(e)) => Err(Error::Transport { source: e }),
            (None, Exchange::TimedOut) => Err(Error::Timeout {
                operation: req.op.name,
                after: transport.timeout(),
            }),
            (None, Exchange::TooLarge { .. }) => {
                Err(Error::over_cap(req.op.name, transport.max_body_bytes()))
            }
            (
                None,
                Exchange::Answered {
                    status,
                    retry_after,
                    body,
                },
            ) => self.answer(req, status, retry_after, &body, decode).1,
        };
        match verdict {
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
                Err(Error::RateLimited {
                    retry_after,
                    status,
                    message,
                })
            }
            Verdict::OutcomeUnknown => {
                let reason = match result {
                    Err(e) => e.to_string(),
                    Ok(_) => "the answer could not be read".to_owned(),
                };
                Err(req.outcome_unknown(reason))
            }
            // Done, GiveUp (`send` never returns RetryAfter).
            _ => result,
        }
    }

    /// One attempt's request, signed afresh (new timestamp and nonce) over exactly the request
    /// target that goes on the wire.
    fn request(&self, req: &Request<'_>) -> reqwest::RequestBuilder {
        let inner = &*self.inner;
        let url = match FIXED_PATHS.iter().position(|p| **p == *req.path) {
            Some(i) => inner.fixed_urls[i].clone(),
            None => inner.base.url(&req.path),
        };
        let target = &url[url::Position::BeforePath..];
        let body = req.body.as_deref().unwrap_or_default();
        // On the stack: the nonce and the timestamp go into the signature and their headers,
        // and the site code's header value was built once at `build()`.
        let nonce = sign_core::Nonce::new();
        // chrono's `Utc::now().timestamp()`, without building a calendar date first.
        let timestamp = sign_core::unix_seconds(std::time::SystemTime::now());
        let parts = sign_core::ljpay::RequestParts {
            site_code: &inner.site_code,
            method: req.op.method.as_str(),
            path_with_query: target,
            body,
            timestamp,
            nonce: nonce.as_str(),
        };
        let signature = parts.signature_with(&inner.key);
        // The decimal digits `RequestParts` signed.
        let mut digits = [0u8; 20];
        let digits = sign_core::decimal(timestamp, &mut digits);
        let mut request = reqwest::Request::new(req.op.method.clone(), url);
        let headers = request.headers_mut();
        // Room for ours, the client's defaults and hyper's (host, content-length) at once.
        headers.reserve(10);
        headers.insert(SITE, inner.site_header.clone());
        // Digits, hex and `sha256=`: always valid header values.
        let values = [
            digits.as_bytes(),
            nonce.as_str().as_bytes(),
            signature.as_bytes(),
        ];
        if let Some([ts, nonce, mut sig]) = attempt_header_values(values) {
            sig.set_sensitive(true);
            headers.insert(TIMESTAMP, ts);
            headers.insert(NONCE, nonce);
            headers.insert(SIGNATURE, sig);
        }
        headers.insert(ACCEPT, JSON);
        if let Some(b) = &req.body {
            headers.insert(CONTENT_TYPE, JSON);
            *request.body_mut() = Some(b.clone().into());
        }
        reqwest::RequestBuilder::from_parts(inner.transport.http().clone(), request)
    }

    /// LJPay's reading of an answer: a 2xx is decoded (an unreadable one may, for a call that
    /// changes state, have taken effect); `RATE_LIMITED` in any status is throttled; the
    /// documented 502 `CHANNEL_API_ERROR` is final; the rest as the shared classification says.
    fn answer<T>(
        &self,
        req: &Request<'_>,
        status: u16,
        retry_after: Option<Duration>,
        body: &[u8],
        decode: Decode<T>,
    ) -> (Attempt, Result<T, Error>) {
        let write = req.op.idempotency == Idempotency::NonIdempotent;
        if (200..300).contains(&status) {
            return match decode(body) {
                Ok(v) => (Attempt::Answered, Ok(v)),
                Err(e) => (
                    if write {
                        Attempt::MaybeSent
                    } else {
                        Attempt::Answered
                    },
                    Err(Error::Decode {
                        reason: format!("the {} answer (status {status}): {e}", req.op.name),
                        body_snippet: snippet(body),
                    }),
                ),
            };
        }
        let err = error_from(status, body);
        let code = err.code();
        let attempt = if status == 429 || code == Some(&ErrorCode::RateLimited) {
            Attempt::Throttled { retry_after }
        } else if status == 502 && code == Some(&ErrorCode::ChannelApiError) {
            // The spec documents 502 `CHANNEL_API_ERROR` (UpstreamError) as the answer when
            // WeChat or Alipay refused: a final answer, not a lost one.
            Attempt::Answered
        } else if status >= 500 {
            Attempt::ServerError
        } else {
            Attempt::Answered
        };
        (attempt, Err(err))
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
