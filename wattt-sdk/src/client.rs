//! Transport: the client, its builder, retries, signing and the `{ok, message, data}` envelope.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;
use serde_json::{Map, Value};
use sign_core::Secret;
use tracing::Instrument;
use url::Url;

use crate::error::{snippet, Error, Result};
use crate::signer::{Signer, WatttSign};

/// The server listed in the spec (`https://api-test.wattt.asia`, described there as the merchant
/// API host). The SDK never falls back to it silently: pass it to
/// [`ClientBuilder::base_url`] yourself.
pub const SPEC_SERVER_URL: &str = "https://api-test.wattt.asia";

/// Default cap on a response body (1 MiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 1 << 20;

/// One operation of the Wattt merchant API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Operation {
    /// The SDK's name for it (used in errors and traces).
    pub name: &'static str,
    /// HTTP method, upper-case.
    pub method: &'static str,
    /// Path below the base URL.
    pub path: &'static str,
    /// Whether the SDK retries it on transport errors and 5xx (queries only).
    pub retried: bool,
}

/// Every operation of the spec, with the path the client calls.
pub mod ops {
    use super::Operation;

    const fn op(
        name: &'static str,
        method: &'static str,
        path: &'static str,
        retried: bool,
    ) -> Operation {
        Operation {
            name,
            method,
            path,
            retried,
        }
    }

    /// `POST /api/v1/merchant/payment-channels`
    pub const PAYMENT_CHANNELS: Operation = op(
        "payment_channels",
        "POST",
        "/api/v1/merchant/payment-channels",
        true,
    );
    /// `POST /api/v1/merchant/payment-amounts`
    pub const PAYMENT_AMOUNTS: Operation = op(
        "payment_amounts",
        "POST",
        "/api/v1/merchant/payment-amounts",
        true,
    );
    /// `POST /api/v1/merchant/payment-links/amount`
    pub const PAYMENT_LINK_AMOUNT: Operation = op(
        "create_payment_link_for_amount",
        "POST",
        "/api/v1/merchant/payment-links/amount",
        false,
    );
    /// `POST /api/v1/merchant/payment-links`
    pub const PAYMENT_LINK: Operation = op(
        "create_payment_link",
        "POST",
        "/api/v1/merchant/payment-links",
        false,
    );
    /// `POST /api/v1/merchant/collections`
    pub const CREATE_COLLECTION: Operation = op(
        "create_collection",
        "POST",
        "/api/v1/merchant/collections",
        false,
    );
    /// `POST /api/v1/merchant/collections/status`
    pub const COLLECTION_STATUS: Operation = op(
        "collection_status",
        "POST",
        "/api/v1/merchant/collections/status",
        true,
    );
    /// `POST /api/v1/merchant/payouts`
    pub const CREATE_PAYOUT: Operation =
        op("create_payout", "POST", "/api/v1/merchant/payouts", false);
    /// `POST /api/v1/merchant/payouts/status`
    pub const PAYOUT_STATUS: Operation = op(
        "payout_status",
        "POST",
        "/api/v1/merchant/payouts/status",
        true,
    );
    /// `POST /api/v1/merchant/balance`
    pub const BALANCE: Operation = op("balance", "POST", "/api/v1/merchant/balance", true);
    /// `GET /api/v1/merchant/banks`
    pub const BANKS: Operation = op("banks", "GET", "/api/v1/merchant/banks", true);
    /// `POST /api/v1/merchant/callbacks/retry`
    pub const CALLBACK_RETRY: Operation = op(
        "retry_callback",
        "POST",
        "/api/v1/merchant/callbacks/retry",
        false,
    );
}

/// All operations the client implements (the spec-coverage test compares this with the spec).
pub const OPERATIONS: &[Operation] = &[
    ops::PAYMENT_CHANNELS,
    ops::PAYMENT_AMOUNTS,
    ops::PAYMENT_LINK_AMOUNT,
    ops::PAYMENT_LINK,
    ops::CREATE_COLLECTION,
    ops::COLLECTION_STATUS,
    ops::CREATE_PAYOUT,
    ops::PAYOUT_STATUS,
    ops::BALANCE,
    ops::BANKS,
    ops::CALLBACK_RETRY,
];

/// Retry policy for queries (status, balance, banks, channels, amounts).
///
/// Creating a collection or payout is never retried, whatever this says; payment links and
/// callback retries are not retried either (each creates something on the server).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in total, including the first (1 = no retry).
    pub max_attempts: u32,
    /// Backoff before the first retry; doubled for each further one.
    pub initial_backoff: Duration,
    /// Cap on one backoff.
    pub max_backoff: Duration,
    /// No retry starts once this much time has passed since the first attempt began.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    /// 3 attempts, 200 ms doubling to at most 2 s, with jitter, no retry after 60 s.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(2),
            max_elapsed: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn disabled() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// This policy with `n` attempts in total (at least 1).
    pub fn with_max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// This policy with another backoff (initial, cap).
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// This policy with another bound on the total time spent retrying.
    pub fn with_max_elapsed(mut self, max: Duration) -> Self {
        self.max_elapsed = max;
        self
    }

    /// The sleep before retry number `retry` (1-based): exponential, capped, with jitter in
    /// `[50%, 100%]` of the nominal value.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let factor = 1u32
            .checked_shl(retry.saturating_sub(1))
            .unwrap_or(u32::MAX);
        let nominal = self
            .initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff);
        let jitter = rand::thread_rng().gen_range(0.5..=1.0);
        nominal.mul_f64(jitter)
    }
}

/// Builder for [`Client`].
///
/// ```
/// let client = wattt_sdk::Client::builder()
///     .base_url("https://api-test.wattt.asia")
///     .credentials("ABCDE", "secret")
///     .build()?;
/// # Ok::<(), wattt_sdk::Error>(())
/// ```
#[must_use]
pub struct ClientBuilder {
    base_url: Option<String>,
    uid: Option<String>,
    signer: Option<Arc<dyn Signer>>,
    http: Option<reqwest::Client>,
    connect_timeout: Duration,
    timeout: Duration,
    retry: RetryPolicy,
    max_body_bytes: usize,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("uid", &self.uid)
            .field("signer", &self.signer)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The API host, e.g. `https://api-test.wattt.asia`. HTTPS only; `http` is accepted for
    /// loopback hosts (tests, the simulator). A path prefix is kept.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The merchant `uid` and API secret; signs with the default contract ([`WatttSign`]).
    pub fn credentials(mut self, uid: impl Into<String>, secret: impl Into<Secret>) -> Self {
        self.uid = Some(uid.into());
        self.signer = Some(Arc::new(WatttSign::new(secret)));
        self
    }

    /// The merchant `uid` alone (use with [`ClientBuilder::signer`]).
    pub fn uid(mut self, uid: impl Into<String>) -> Self {
        self.uid = Some(uid.into());
        self
    }

    /// A custom signer in place of the default contract.
    pub fn signer(mut self, signer: impl Signer + 'static) -> Self {
        self.signer = Some(Arc::new(signer));
        self
    }

    /// Use this `reqwest::Client` (its redirect, timeout and TLS settings are then yours).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Connect timeout of the built-in HTTP client (default 10 s).
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }

    /// Total per-attempt timeout of the built-in HTTP client (default 30 s).
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    /// Retry policy for queries.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Cap on a response body (default [`DEFAULT_MAX_BODY_BYTES`]); a longer body is an error.
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.max_body_bytes = n;
        self
    }

    /// Check the configuration and build the client.
    pub fn build(self) -> Result<Client> {
        let raw = self
            .base_url
            .ok_or_else(|| Error::Config("base_url is required (no default host)".into()))?;
        let base = parse_base_url(&raw)?;
        let uid = self
            .uid
            .ok_or_else(|| Error::Config("uid is required".into()))?;
        if uid.trim().is_empty() {
            return Err(Error::Config("uid must not be empty".into()));
        }
        let signer = self
            .signer
            .ok_or_else(|| Error::Config("a secret or a signer is required".into()))?;
        let http = match self.http {
            Some(h) => h,
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(self.connect_timeout)
                .timeout(self.timeout)
                .user_agent(concat!("wattt-sdk/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| Error::Config(format!("cannot build HTTP client: {e}")))?,
        };
        let urls = OPERATIONS.iter().map(|o| join(&base, o.path)).collect();
        Ok(Client {
            inner: Arc::new(Inner {
                urls,
                base,
                uid,
                signer,
                http,
                retry: self.retry,
                max_body_bytes: self.max_body_bytes,
            }),
        })
    }
}

fn parse_base_url(raw: &str) -> Result<Url> {
    let mut url =
        Url::parse(raw.trim()).map_err(|e| Error::Config(format!("base_url is not a URL: {e}")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Config("base_url must not carry userinfo".into()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config(
            "base_url must not carry a query or fragment".into(),
        ));
    }
    let host = url
        .host_str()
        .ok_or_else(|| Error::Config("base_url has no host".into()))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(host) => {}
        "http" => {
            return Err(Error::Config(
                "base_url must be https (http only for loopback hosts)".into(),
            ))
        }
        other => return Err(Error::Config(format!("unsupported scheme `{other}`"))),
    }
    let path = url.path().trim_end_matches('/').to_string();
    url.set_path(&path);
    Ok(url)
}

/// `base` + `path` (the base's own path prefix kept).
fn join(base: &Url, path: &str) -> Url {
    let mut u = base.clone();
    let p = format!("{}{}", base.path().trim_end_matches('/'), path);
    u.set_path(&p);
    u
}

fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

/// A Wattt merchant API client. Cheap to clone (one `Arc`), `Send + Sync`.
///
/// Its `Debug` output never shows the secret.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    base: Url,
    /// One pre-parsed URL per entry of [`OPERATIONS`].
    urls: Vec<Url>,
    uid: String,
    signer: Arc<dyn Signer>,
    http: reqwest::Client,
    retry: RetryPolicy,
    max_body_bytes: usize,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field("uid", &self.inner.uid)
            .field("signer", &self.inner.signer)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

/// A decoded `{ok: 1, message, data}` answer.
#[derive(Debug)]
pub(crate) struct Envelope {
    pub message: String,
    /// `data`, `Value::Null` when absent.
    pub data: Value,
    /// Top-level fields other than `ok`, `message`, `data`.
    pub rest: Map<String, Value>,
    pub body: Vec<u8>,
}

impl Client {
    /// Start building a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder {
            base_url: None,
            uid: None,
            signer: None,
            http: None,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }

    /// The configured merchant `uid`.
    pub fn uid(&self) -> &str {
        &self.inner.uid
    }

    /// The configured base URL.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    fn url(&self, op: &Operation) -> Url {
        match OPERATIONS.iter().position(|o| o.path == op.path) {
            Some(i) if i < self.inner.urls.len() => self.inner.urls[i].clone(),
            _ => join(&self.inner.base, op.path),
        }
    }

    /// Send `op` with these caller fields, retrying if the operation allows it.
    pub(crate) async fn call(
        &self,
        op: &Operation,
        fields: &Map<String, Value>,
    ) -> Result<Envelope> {
        let attempts = if op.retried {
            self.inner.retry.max_attempts.max(1)
        } else {
            1
        };
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            let result = self.attempt(op, fields).await;
            let pause = self.inner.retry.backoff(attempt);
            let in_time = started.elapsed() + pause < self.inner.retry.max_elapsed;
            match result {
                Err(e) if attempt < attempts && in_time && e.is_transient() => {
                    tracing::debug!(operation = op.name, attempt, error = %e, ?pause, "retrying");
                    tokio::time::sleep(pause).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// One signed attempt (fresh timestamp and sign every time).
    pub(crate) async fn attempt(
        &self,
        op: &Operation,
        fields: &Map<String, Value>,
    ) -> Result<Envelope> {
        let span = tracing::info_span!(
            "wattt.request",
            operation = op.name,
            method = op.method,
            path = op.path,
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        let fut = async {
            let timestamp = chrono::Utc::now().timestamp();
            let req = if op.method == "GET" {
                let ts = timestamp.to_string();
                let mut pairs: Vec<(&str, &str)> =
                    vec![("uid", self.inner.uid.as_str()), ("timestamp", &ts)];
                for (k, v) in fields {
                    if let Value::String(s) = v {
                        pairs.push((k.as_str(), s.as_str()));
                    }
                }
                let sign = self.inner.signer.sign_params(&pairs);
                pairs.push((sign_core::wattt::SIGN_FIELD, &sign));
                self.inner.http.get(self.url(op)).query(&pairs)
            } else {
                let mut body = fields.clone();
                body.insert("uid".into(), Value::String(self.inner.uid.clone()));
                body.insert("timestamp".into(), Value::from(timestamp));
                body.remove(sign_core::wattt::SIGN_FIELD);
                let sign = self.inner.signer.sign_json(&body);
                body.insert(sign_core::wattt::SIGN_FIELD.into(), Value::String(sign));
                let bytes = serde_json::to_vec(&body).map_err(|e| Error::Decode {
                    operation: op.name,
                    reason: format!("cannot encode request: {e}"),
                    body_snippet: String::new(),
                })?;
                self.inner
                    .http
                    .post(self.url(op))
                    .header(http::header::CONTENT_TYPE, "application/json")
                    .body(bytes)
            };
            let mut resp = req
                .header(http::header::ACCEPT, "application/json")
                .send()
                .await
                .map_err(|source| Error::Transport {
                    operation: op.name,
                    source: source.without_url(),
                })?;
            let status = resp.status().as_u16();
            tracing::Span::current().record("status", status);
            let mut body = Vec::new();
            while let Some(chunk) = resp.chunk().await.map_err(|source| Error::Transport {
                operation: op.name,
                source: source.without_url(),
            })? {
                if body.len() + chunk.len() > self.inner.max_body_bytes {
                    return Err(Error::BodyTooLarge {
                        operation: op.name,
                        limit: self.inner.max_body_bytes,
                    });
                }
                body.extend_from_slice(&chunk);
            }
            decode_envelope(op.name, status, body)
        };
        let out = fut.instrument(span.clone()).await;
        span.record("latency_ms", started.elapsed().as_millis() as u64);
        out
    }
}

/// Interpret a response body as the `{ok, message, data}` envelope.
pub(crate) fn decode_envelope(
    operation: &'static str,
    status: u16,
    body: Vec<u8>,
) -> Result<Envelope> {
    let success = (200..300).contains(&status);
    let parsed: Option<Map<String, Value>> = serde_json::from_slice(&body).ok();
    let Some(mut obj) = parsed else {
        return Err(if success {
            Error::Decode {
                operation,
                reason: "body is not a JSON object".into(),
                body_snippet: snippet(&body),
            }
        } else {
            Error::Http {
                operation,
                status,
                body_snippet: snippet(&body),
            }
        });
    };
    let ok = obj.remove("ok");
    let message = match obj.remove("message") {
        Some(Value::String(s)) => s,
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let Some(ok) = ok else {
        return Err(if success {
            Error::Decode {
                operation,
                reason: "envelope has no `ok` field".into(),
                body_snippet: snippet(&body),
            }
        } else {
            Error::Http {
                operation,
                status,
                body_snippet: snippet(&body),
            }
        });
    };
    let ok = ok_value(&ok);
    if ok != 1 || !success {
        return Err(Error::Api {
            operation,
            status,
            ok,
            message: snippet(message.as_bytes()),
        });
    }
    let data = obj.remove("data").unwrap_or(Value::Null);
    Ok(Envelope {
        message,
        data,
        rest: obj,
        body,
    })
}

fn ok_value(v: &Value) -> i64 {
    match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
            .unwrap_or(0),
        Value::String(s) => s.trim().parse().unwrap_or(0),
        Value::Bool(true) => 1,
        _ => 0,
    }
}

impl Envelope {
    /// Decode `data` (an absent or null `data` reads as `{}`).
    pub(crate) fn data_as<T: serde::de::DeserializeOwned>(
        &mut self,
        operation: &'static str,
    ) -> Result<T> {
        let v = match std::mem::take(&mut self.data) {
            Value::Null => Value::Object(Map::new()),
            other => other,
        };
        serde_json::from_value(v).map_err(|e| Error::Decode {
            operation,
            reason: format!("`data`: {e}"),
            body_snippet: snippet(&self.body),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_rules() {
        assert!(parse_base_url("https://api-test.wattt.asia").is_ok());
        assert!(parse_base_url("http://127.0.0.1:8080").is_ok());
        assert!(parse_base_url("http://localhost:1").is_ok());
        assert!(parse_base_url("http://[::1]:1").is_ok());
        assert!(parse_base_url("http://api-test.wattt.asia").is_err());
        assert!(parse_base_url("http://127.0.0.1.evil.com").is_err());
        assert!(parse_base_url("https://user:pw@api-test.wattt.asia").is_err());
        assert!(parse_base_url("https://api-test.wattt.asia?x=1").is_err());
        assert!(parse_base_url("ftp://api-test.wattt.asia").is_err());
        assert_eq!(
            parse_base_url("https://h.example/prefix/").unwrap().path(),
            "/prefix"
        );
    }

    #[test]
    fn operation_urls_keep_the_base_path_prefix() {
        let c = Client::builder()
            .base_url("https://h.example/gw/")
            .credentials("U", "S")
            .build()
            .unwrap();
        assert_eq!(
            c.url(&ops::BANKS).as_str(),
            "https://h.example/gw/api/v1/merchant/banks"
        );
        let c = Client::builder()
            .base_url("https://h.example")
            .credentials("U", "S")
            .build()
            .unwrap();
        assert_eq!(
            c.url(&ops::CREATE_PAYOUT).as_str(),
            "https://h.example/api/v1/merchant/payouts"
        );
    }

    #[test]
    fn envelope_rules() {
        let ok = decode_envelope(
            "t",
            200,
            br#"{"ok":1,"message":"success","data":{"a":1},"url":"u"}"#.to_vec(),
        )
        .unwrap();
        assert_eq!(ok.data, serde_json::json!({"a":1}));
        assert_eq!(ok.rest.get("url"), Some(&Value::from("u")));
        match decode_envelope("t", 200, br#"{"ok":0,"message":"sign error"}"#.to_vec()) {
            Err(Error::Api {
                ok: 0,
                status: 200,
                message,
                ..
            }) => assert_eq!(message, "sign error"),
            other => panic!("{other:?}"),
        }
        match decode_envelope("t", 422, br#"{"ok":1,"message":"odd"}"#.to_vec()) {
            Err(Error::Api { status: 422, .. }) => {}
            other => panic!("{other:?}"),
        }
        match decode_envelope("t", 502, b"<html>bad gateway</html>".to_vec()) {
            Err(Error::Http { status: 502, .. }) => {}
            other => panic!("{other:?}"),
        }
        match decode_envelope("t", 200, b"<html>".to_vec()) {
            Err(Error::Decode { .. }) => {}
            other => panic!("{other:?}"),
        }
        assert!(decode_envelope("t", 200, br#"{"ok":"1"}"#.to_vec()).is_ok());
        assert!(decode_envelope("t", 200, br#"{"ok":2}"#.to_vec()).is_err());
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy::default()
            .with_backoff(Duration::from_millis(100), Duration::from_millis(300));
        for _ in 0..20 {
            let b1 = p.backoff(1);
            assert!(b1 >= Duration::from_millis(50) && b1 <= Duration::from_millis(100));
            let b5 = p.backoff(5);
            assert!(b5 >= Duration::from_millis(150) && b5 <= Duration::from_millis(300));
        }
        assert_eq!(RetryPolicy::disabled().max_attempts, 1);
        assert_eq!(RetryPolicy::default().with_max_attempts(0).max_attempts, 1);
    }
}
