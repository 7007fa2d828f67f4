//! The client: its configuration (builder) and the one send path every operation goes through.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Map, Value};
use sign_core::policy::{parse_retry_after, Attempt, BaseUrl, Verdict};
use sign_core::Secret;
use tracing::Instrument;

use crate::error::{snippet, ApiCode, Error, Result};
use crate::operation::{Operation, OPERATIONS};
use crate::signer::{Signer, WatttSign};
pub use sign_core::policy::RetryPolicy;

/// The server listed in the spec (`https://api-test.wattt.asia`, described there as
/// "正式商戶 API Host", the merchant API host). [`Environment::Production`] is this host.
pub const SPEC_SERVER_URL: &str = "https://api-test.wattt.asia";

/// Default cap on a response body (1 MiB); a larger body is an error, never cut silently.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1 << 20;

/// Where the client sends requests, when not an explicit [`ClientBuilder::base_url`].
///
/// ```
/// assert_eq!(wattt_sdk::Environment::Production.base_url(), "https://api-test.wattt.asia");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Environment {
    /// The one host the spec lists ([`SPEC_SERVER_URL`]).
    Production,
}

impl Environment {
    /// The base URL of this environment.
    pub fn base_url(self) -> &'static str {
        match self {
            Environment::Production => SPEC_SERVER_URL,
        }
    }
}

/// Builder for [`Client`]. Every setting is checked by [`ClientBuilder::build`].
///
/// ```
/// use std::time::Duration;
/// use wattt_sdk::{Client, RetryPolicy};
/// let client = Client::builder()
///     .base_url("https://api-test.wattt.asia")
///     .credentials("ABCDE", "the-api-secret")
///     .timeout(Duration::from_secs(5))
///     .retry_policy(RetryPolicy::default().with_max_attempts(2))
///     .build()?;
/// assert_eq!(client.uid(), "ABCDE");
/// // An empty secret is refused, naming the field.
/// let e = Client::builder().base_url("https://api-test.wattt.asia").credentials("ABCDE", "").build();
/// assert!(matches!(e, Err(wattt_sdk::Error::Config { field: "secret", .. })));
/// # Ok::<(), wattt_sdk::Error>(())
/// ```
#[must_use]
pub struct ClientBuilder {
    base_url: Option<String>,
    uid: Option<String>,
    secret: Option<Secret>,
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
            .field("secret", &self.secret)
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

    /// The base URL of `env` (overridden by [`ClientBuilder::base_url`]).
    pub fn environment(self, env: Environment) -> Self {
        self.base_url(env.base_url())
    }

    /// The merchant `uid` and API secret; signs with the default contract ([`WatttSign`]).
    /// An empty secret is refused by [`ClientBuilder::build`].
    pub fn credentials(mut self, uid: impl Into<String>, secret: impl Into<Secret>) -> Self {
        self.uid = Some(uid.into());
        self.secret = Some(secret.into());
        self.signer = None;
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
        self.secret = None;
        self
    }

    /// Use this `reqwest::Client` (its redirect and TLS settings are then yours; the
    /// per-attempt [`ClientBuilder::timeout`] still applies).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Connect timeout of the built-in HTTP client (default 5 s).
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }

    /// Time one attempt may take, answer body included (default 10 s).
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    /// When and how often queries are retried (default [`RetryPolicy::default`]). A call that
    /// creates something is sent again only when an attempt certainly never reached Wattt.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Largest response body accepted (default [`DEFAULT_MAX_BODY_BYTES`]).
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.max_body_bytes = n;
        self
    }

    /// Check the configuration and build the client.
    pub fn build(self) -> Result<Client> {
        let raw = self
            .base_url
            .ok_or_else(|| Error::config("base_url", "is required"))?;
        let base = BaseUrl::parse(raw.trim()).map_err(|e| Error::config("base_url", e))?;
        let uid = self
            .uid
            .ok_or_else(|| Error::config("uid", "is required"))?;
        if uid.trim().is_empty() {
            return Err(Error::config("uid", "must not be empty"));
        }
        let signer: Arc<dyn Signer> = match (self.signer, self.secret) {
            (Some(s), _) => s,
            (None, Some(secret)) if secret.expose().is_empty() => {
                return Err(Error::config(
                    "secret",
                    "must not be empty (anyone could sign with an empty key)",
                ))
            }
            (None, Some(secret)) => Arc::new(WatttSign::new(secret)),
            (None, None) => return Err(Error::config("secret", "is required (or a signer)")),
        };
        if self.timeout.is_zero() {
            return Err(Error::config("timeout", "must be longer than zero"));
        }
        let http = match self.http {
            Some(h) => h,
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(self.connect_timeout)
                .user_agent(concat!("wattt-sdk/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| Error::config("http_client", format!("cannot be built: {e}")))?,
        };
        let urls = OPERATIONS.iter().map(|o| base.join(o.path)).collect();
        Ok(Client {
            inner: Arc::new(Inner {
                urls,
                base,
                uid,
                signer,
                http,
                timeout: self.timeout,
                retry: self.retry,
                max_body_bytes: self.max_body_bytes,
            }),
        })
    }
}

/// A Wattt merchant API client. Cheap to clone (one `Arc`), `Send + Sync`.
///
/// Its `Debug` output never shows the secret.
///
/// ```
/// let c = wattt_sdk::Client::builder()
///     .environment(wattt_sdk::Environment::Production)
///     .credentials("ABCDE", "s3cret-value")
///     .build()?;
/// assert!(!format!("{c:?}").contains("s3cret-value"));
/// # Ok::<(), wattt_sdk::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    base: BaseUrl,
    /// One URL per entry of [`OPERATIONS`].
    urls: Vec<String>,
    uid: String,
    signer: Arc<dyn Signer>,
    http: reqwest::Client,
    timeout: Duration,
    retry: RetryPolicy,
    max_body_bytes: usize,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.to_string())
            .field("uid", &self.inner.uid)
            .field("signer", &self.inner.signer)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

/// A decoded `{ok: 1, message, data}` answer.
#[derive(Debug)]
pub(crate) struct Envelope {
    /// The server's `message`.
    pub message: String,
    /// `data`, `Value::Null` when absent.
    pub data: Value,
    /// Top-level fields other than `ok`, `message`, `data`.
    pub rest: Map<String, Value>,
    pub body: Vec<u8>,
}

/// How one attempt ended: the retry policy's view of it, and what it gave.
struct Tried {
    outcome: Attempt,
    result: Result<Envelope>,
}

impl Client {
    /// Start building a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder {
            base_url: None,
            uid: None,
            secret: None,
            signer: None,
            http: None,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }

    /// The configured merchant `uid`.
    pub fn uid(&self) -> &str {
        &self.inner.uid
    }

    /// The configured base URL (origin and path prefix).
    pub fn base_url(&self) -> &BaseUrl {
        &self.inner.base
    }

    fn url(&self, op: &Operation) -> String {
        match OPERATIONS.iter().position(|o| o == op) {
            Some(i) => self.inner.urls[i].clone(),
            None => self.inner.base.join(op.path),
        }
    }

    /// The one send path: sign afresh, send, time, cap, classify, and let the retry policy
    /// decide. `reference` is the merchant reference an unknown outcome names.
    pub(crate) async fn send(
        &self,
        op: &Operation,
        fields: &Map<String, Value>,
        reference: &str,
    ) -> Result<Envelope> {
        let span = tracing::info_span!(
            "wattt.request",
            operation = op.name,
            method = op.method,
            path = op.path,
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        self.send_in_span(op, fields, reference)
            .instrument(span)
            .await
    }

    async fn send_in_span(
        &self,
        op: &Operation,
        fields: &Map<String, Value>,
        reference: &str,
    ) -> Result<Envelope> {
        let policy = &self.inner.retry;
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            let tried = self.attempt(op, fields).await;
            let span = tracing::Span::current();
            span.record("attempts", attempt);
            span.record("latency_ms", started.elapsed().as_millis() as u64);
            match policy.decide(op.idempotency, attempt, started.elapsed(), &tried.outcome) {
                Verdict::Done | Verdict::GiveUp => return tried.result,
                Verdict::RetryAfter(wait) => {
                    tracing::debug!(attempt, wait_ms = wait.as_millis() as u64, "retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Verdict::Throttled { retry_after } => {
                    return Err(Error::RateLimited {
                        retry_after,
                        operation: op.name,
                    })
                }
                Verdict::OutcomeUnknown => {
                    let reason = match tried.result {
                        Err(e) => e.to_string(),
                        Ok(_) => "the answer could not be trusted".to_owned(),
                    };
                    return Err(Error::OutcomeUnknown {
                        operation: op.name,
                        reference: reference.to_owned(),
                        reason,
                    });
                }
            }
        }
    }

    /// One signed attempt (fresh timestamp and sign every time), bounded by the timeout.
    async fn attempt(&self, op: &Operation, fields: &Map<String, Value>) -> Tried {
        let request = match self.request(op, fields) {
            Ok(r) => r,
            Err(e) => {
                return Tried {
                    outcome: Attempt::Answered,
                    result: Err(e),
                }
            }
        };
        let timeout = self.inner.timeout;
        match tokio::time::timeout(timeout, self.exchange(op, request)).await {
            Ok(tried) => tried,
            Err(_) => Tried {
                outcome: Attempt::MaybeSent,
                result: Err(Error::Timeout {
                    what: format!(
                        "the {} answer ({} ms per attempt)",
                        op.name,
                        timeout.as_millis()
                    ),
                }),
            },
        }
    }

    fn request(
        &self,
        op: &Operation,
        fields: &Map<String, Value>,
    ) -> Result<reqwest::RequestBuilder> {
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
            // Sign what is sent: this map is signed and then serialized unchanged.
            let sign = self.inner.signer.sign_json(&body);
            body.insert(sign_core::wattt::SIGN_FIELD.into(), Value::String(sign));
            let bytes = serde_json::to_vec(&body).map_err(|e| {
                Error::decode(format!("cannot encode the {} request: {e}", op.name), b"")
            })?;
            self.inner
                .http
                .post(self.url(op))
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(bytes)
        };
        Ok(req.header(http::header::ACCEPT, "application/json"))
    }

    async fn exchange(&self, op: &Operation, request: reqwest::RequestBuilder) -> Tried {
        let mut resp = match request.send().await {
            Ok(r) => r,
            Err(source) => {
                let outcome = if source.is_connect() || source.is_builder() {
                    Attempt::NotSent
                } else {
                    Attempt::MaybeSent
                };
                return Tried {
                    outcome,
                    result: Err(Error::Transport {
                        source: source.without_url(),
                    }),
                };
            }
        };
        let status = resp.status().as_u16();
        tracing::Span::current().record("status", status);
        if status == 429 {
            let retry_after = resp
                .headers()
                .get(http::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, SystemTime::now()));
            return Tried {
                outcome: Attempt::Throttled { retry_after },
                result: Err(Error::RateLimited {
                    retry_after,
                    operation: op.name,
                }),
            };
        }
        let limit = self.inner.max_body_bytes;
        let mut body = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > limit {
                        return Tried {
                            outcome: Attempt::Answered,
                            result: Err(Error::decode(
                                format!("the {} answer exceeds the {limit}-byte cap", op.name),
                                &body,
                            )),
                        };
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(source) => {
                    // A body cut short: the server may have acted on the request.
                    return Tried {
                        outcome: Attempt::MaybeSent,
                        result: Err(Error::Transport {
                            source: source.without_url(),
                        }),
                    };
                }
            }
        }
        let outcome = if status >= 500 {
            Attempt::ServerError
        } else {
            Attempt::Answered
        };
        Tried {
            outcome,
            result: decode_envelope(op.name, status, body),
        }
    }
}

/// Interpret a response body as the `{ok, message, data}` envelope.
pub(crate) fn decode_envelope(
    operation: &'static str,
    status: u16,
    body: Vec<u8>,
) -> Result<Envelope> {
    let success = (200..300).contains(&status);
    let no_envelope = |reason: &str, body: &[u8]| {
        if success {
            Error::decode(format!("{operation}: {reason}"), body)
        } else {
            Error::Api {
                status,
                code: ApiCode::NoEnvelope,
                message: snippet(body),
                operation,
            }
        }
    };
    let Ok(mut obj) = serde_json::from_slice::<Map<String, Value>>(&body) else {
        return Err(no_envelope("the body is not a JSON object", &body));
    };
    let Some(ok) = obj.remove("ok") else {
        return Err(no_envelope("the envelope has no `ok` field", &body));
    };
    let message = match obj.remove("message") {
        Some(Value::String(s)) => s,
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let ok = ok_value(&ok);
    if ok != 1 || !success {
        return Err(Error::Api {
            status,
            code: match ok {
                0 => ApiCode::Refused,
                n => ApiCode::Unexpected(n),
            },
            message: snippet(message.as_bytes()),
            operation,
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
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                    .map(|f| f as i64)
            })
            .unwrap_or(0),
        Value::String(s) => s.trim().parse().unwrap_or(0),
        Value::Bool(true) => 1,
        _ => 0,
    }
}

impl Envelope {
    /// Decode a list answer: `data` itself when it is a list (as `{key: data}`), else `data`.
    pub(crate) fn list_as<T: serde::de::DeserializeOwned>(
        &self,
        operation: &'static str,
        key: &str,
    ) -> Result<T> {
        let data = crate::de::wrap_list(&self.data, key);
        serde_json::from_value(data)
            .map_err(|e| Error::decode(format!("{operation} `data`: {e}"), &self.body))
    }

    /// Decode `data` (an absent or null `data` reads as `{}`).
    pub(crate) fn data_as<T: serde::de::DeserializeOwned>(
        &mut self,
        operation: &'static str,
    ) -> Result<T> {
        let v = match std::mem::take(&mut self.data) {
            Value::Null => Value::Object(Map::new()),
            other => other,
        };
        serde_json::from_value(v)
            .map_err(|e| Error::decode(format!("{operation} `data`: {e}"), &self.body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops;

    #[test]
    fn operation_urls_keep_the_base_path_prefix() {
        let cases = [
            (
                "https://h.example/gw/",
                ops::BANKS,
                "https://h.example/gw/api/v1/merchant/banks",
            ),
            (
                "https://h.example",
                ops::CREATE_PAYOUT,
                "https://h.example/api/v1/merchant/payouts",
            ),
        ];
        for (base, op, want) in cases {
            let c = Client::builder()
                .base_url(base)
                .credentials("U", "S")
                .build()
                .unwrap();
            assert_eq!(c.url(&op), want, "{base}");
        }
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
        let cases: Vec<(&str, u16, &[u8], &str)> = vec![
            (
                "ok 0 is a refusal",
                200,
                br#"{"ok":0,"message":"sign error"}"#,
                "api refused",
            ),
            ("4xx with ok 1", 422, br#"{"ok":1,"message":"odd"}"#, "api"),
            (
                "5xx html",
                502,
                b"<html>bad gateway</html>",
                "api no envelope",
            ),
            ("2xx html", 200, b"<html>", "decode"),
            ("ok 2", 200, br#"{"ok":2}"#, "api"),
        ];
        for (name, status, body, want) in cases {
            let got = decode_envelope("t", status, body.to_vec());
            let fits = match (&got, want) {
                (
                    Err(Error::Api {
                        code: ApiCode::Refused,
                        message,
                        ..
                    }),
                    "api refused",
                ) => message == "sign error",
                (
                    Err(Error::Api {
                        code: ApiCode::NoEnvelope,
                        status: 502,
                        ..
                    }),
                    "api no envelope",
                ) => true,
                (Err(Error::Api { status: s, .. }), "api") => *s == status,
                (Err(Error::Decode { .. }), "decode") => true,
                _ => false,
            };
            assert!(fits, "{name}: {got:?}");
        }
        assert!(decode_envelope("t", 200, br#"{"ok":"1"}"#.to_vec()).is_ok());
    }
}
