//! The client: its configuration (builder) and the one send path every operation goes through.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderValue, ACCEPT, CONTENT_TYPE};
use serde_json::{Map, Value};
use sign_core::policy::{Attempt, BaseUrl, Idempotency, Verdict};
use sign_core::transport::{in_span, Exchange, Transport, TransportConfig};
use sign_core::wattt::Key;
use sign_core::Secret;
use url::Url;

use crate::error::{snippet, ApiCode, Error, Result};
use crate::operation::{Operation, OPERATIONS};
use crate::signer::{Signer, WatttSign};
pub use sign_core::policy::RetryPolicy;
/// Default cap on a response body (1 MiB); a larger body is an error, never cut silently.
///
/// ```
/// assert_eq!(wattt_sdk::DEFAULT_MAX_BODY_BYTES, 1 << 20);
/// ```
pub use sign_core::transport::DEFAULT_MAX_BODY_BYTES;

/// The server listed in the spec (`https://api-test.wattt.asia`, described there as
/// "正式商戶 API Host", the merchant API host). [`Environment::Production`] is this host.
///
/// ```
/// assert_eq!(wattt_sdk::SPEC_SERVER_URL, wattt_sdk::Environment::Production.base_url());
/// ```
pub const SPEC_SERVER_URL: &str = "https://api-test.wattt.asia";

/// Sent as `User-Agent` by the client the builder makes (not by your own `http_client`).
const USER_AGENT: &str = concat!("wattt-sdk/", env!("CARGO_PKG_VERSION"));

const JSON: HeaderValue = HeaderValue::from_static("application/json");

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
    ///
    /// ```
    /// assert!(wattt_sdk::Environment::Production.base_url().starts_with("https://"));
    /// ```
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
// `Debug` is derived: `Secret` and every `Signer` keep key material out of it.
#[must_use]
#[derive(Debug, Default)]
pub struct ClientBuilder {
    base_url: Option<String>,
    uid: Option<String>,
    secret: Option<Secret>,
    /// The signer, with its secret when it is the default contract ([`WatttSign`]).
    signer: Option<(Arc<dyn Signer>, Option<Secret>)>,
    transport: TransportConfig,
}

impl ClientBuilder {
    /// The API host, e.g. `https://api-test.wattt.asia`. HTTPS only; `http` is accepted for
    /// loopback hosts (tests, the simulator). A path prefix is kept.
    ///
    /// ```
    /// let c = wattt_sdk::Client::builder()
    ///     .base_url("https://gw.example/wattt/").credentials("ABCDE", "s").build()?;
    /// assert_eq!(c.base_url().to_string(), "https://gw.example/wattt");
    /// # Ok::<(), wattt_sdk::Error>(())
    /// ```
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The base URL of `env` (overridden by [`ClientBuilder::base_url`]).
    ///
    /// ```
    /// use wattt_sdk::{Client, Environment};
    /// let c = Client::builder().environment(Environment::Production).credentials("ABCDE", "s").build()?;
    /// assert_eq!(c.base_url().to_string(), Environment::Production.base_url());
    /// # Ok::<(), wattt_sdk::Error>(())
    /// ```
    pub fn environment(self, env: Environment) -> Self {
        self.base_url(env.base_url())
    }

    /// The merchant `uid` and API secret; signs with the default contract ([`WatttSign`]).
    /// An empty secret is refused by [`ClientBuilder::build`].
    ///
    /// ```
    /// let secret = std::env::var("WATTT_SECRET").unwrap_or_else(|_| "from-your-vault".into());
    /// let builder = wattt_sdk::Client::builder().credentials("ABCDE", secret);
    /// assert!(!format!("{builder:?}").contains("from-your-vault"));
    /// ```
    pub fn credentials(mut self, uid: impl Into<String>, secret: impl Into<Secret>) -> Self {
        self.uid = Some(uid.into());
        self.secret = Some(secret.into());
        self.signer = None;
        self
    }

    /// The merchant `uid` alone (use with [`ClientBuilder::signer`]).
    ///
    /// ```
    /// let c = wattt_sdk::Client::builder()
    ///     .environment(wattt_sdk::Environment::Production)
    ///     .uid("ABCDE")
    ///     .signer(wattt_sdk::WatttSign::new("s"))
    ///     .build()?;
    /// assert_eq!(c.uid(), "ABCDE");
    /// # Ok::<(), wattt_sdk::Error>(())
    /// ```
    pub fn uid(mut self, uid: impl Into<String>) -> Self {
        self.uid = Some(uid.into());
        self
    }

    /// A custom signer in place of the default contract.
    ///
    /// ```
    /// let builder = wattt_sdk::Client::builder().uid("ABCDE").signer(wattt_sdk::WatttSign::new("s"));
    /// # let _ = builder;
    /// ```
    pub fn signer(mut self, signer: impl Signer + 'static) -> Self {
        // A `WatttSign` signs as `credentials` would: the client may then write its bodies
        // without building them as maps first (see `direct_body`).
        let default = (&signer as &dyn std::any::Any)
            .downcast_ref::<WatttSign>()
            .map(|s| s.secret().clone());
        self.signer = Some((Arc::new(signer), default));
        self.secret = None;
        self
    }

    sign_core::transport_setters!(transport, "wattt_sdk::Client::builder()", "");

    /// Check the configuration and build the client.
    ///
    /// ```
    /// let e = wattt_sdk::Client::builder().credentials("ABCDE", "s").build().unwrap_err();
    /// assert_eq!(e.to_string(), "configuration: `base_url` is required");
    /// ```
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
        let (signer, default_secret): (Arc<dyn Signer>, Option<Secret>) =
            match (self.signer, self.secret) {
                (Some(s), _) => s,
                (None, Some(secret)) if secret.expose().is_empty() => {
                    return Err(Error::config(
                        "secret",
                        "must not be empty (anyone could sign with an empty key)",
                    ))
                }
                (None, Some(secret)) => (Arc::new(WatttSign::new(secret.clone())), Some(secret)),
                (None, None) => return Err(Error::config("secret", "is required (or a signer)")),
            };
        let transport = self
            .transport
            .build(USER_AGENT)
            .map_err(|e| Error::config("http_client", format!("cannot be built: {e}")))?;
        if transport.timeout().is_zero() {
            return Err(Error::config("timeout", "must be longer than zero"));
        }
        let urls = OPERATIONS.iter().map(|o| base.url(o.path)).collect();
        let direct = match default_secret {
            Some(secret) if maps_are_sorted() => Some(Direct {
                secret,
                uid_json: serde_json::to_string(&uid)
                    .map_err(|e| Error::config("uid", format!("cannot be encoded: {e}")))?
                    .into_boxed_str(),
            }),
            _ => None,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                urls,
                base,
                uid,
                signer,
                direct,
                transport,
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
    /// One URL per entry of [`OPERATIONS`], parsed once.
    urls: Vec<Url>,
    uid: String,
    signer: Arc<dyn Signer>,
    /// Set when `signer` is the default contract: bodies are then written straight from the
    /// caller's fields (see [`direct_body`]).
    direct: Option<Direct>,
    transport: Transport,
}

/// What writing a body straight from the caller's fields takes: the default contract's
/// secret and the `uid` as JSON text (escaped once, here).
struct Direct {
    secret: Secret,
    uid_json: Box<str>,
}

/// Whether serde_json's `Map` iterates in byte order of names (its default `BTreeMap`; the
/// `preserve_order` feature, which any crate in a build can turn on, makes it keep insertion
/// order instead). Only then is the body written by merging the caller's fields with the
/// client's in name order the body that serializing the merged map gives.
fn maps_are_sorted() -> bool {
    let mut m = Map::new();
    m.insert("b".into(), Value::Null);
    m.insert("a".into(), Value::Null);
    m.keys().next().map(String::as_str) == Some("a")
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.to_string())
            .field("uid", &self.inner.uid)
            .field("signer", &self.inner.signer)
            .field("retry", self.inner.transport.retry_policy())
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
    pub body: Bytes,
}

impl Client {
    /// Start building a client.
    ///
    /// ```
    /// let e = wattt_sdk::Client::builder().build().unwrap_err();
    /// assert!(matches!(e, wattt_sdk::Error::Config { field: "base_url", .. }));
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The configured merchant `uid`.
    ///
    /// ```
    /// let c = wattt_sdk::Client::builder()
    ///     .environment(wattt_sdk::Environment::Production).credentials("ABCDE", "s").build()?;
    /// assert_eq!(c.uid(), "ABCDE");
    /// # Ok::<(), wattt_sdk::Error>(())
    /// ```
    pub fn uid(&self) -> &str {
        &self.inner.uid
    }

    /// The configured base URL (origin and path prefix).
    ///
    /// ```
    /// let c = wattt_sdk::Client::builder()
    ///     .base_url("http://127.0.0.1:8080/gw").credentials("ABCDE", "s").build()?;
    /// assert_eq!(c.base_url().prefix(), "/gw");
    /// # Ok::<(), wattt_sdk::Error>(())
    /// ```
    pub fn base_url(&self) -> &BaseUrl {
        &self.inner.base
    }

    fn url(&self, op: &Operation) -> Url {
        match OPERATIONS.iter().position(|o| o == op) {
            Some(i) => self.inner.urls[i].clone(),
            None => self.inner.base.url(op.path),
        }
    }

    /// The one send path: sign afresh, send through the shared transport (timed, capped),
    /// classify with Wattt's rules, and let the retry policy decide. `reference` is the
    /// merchant reference an unknown outcome names.
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
        in_span(span, self.send_in_span(op, fields, reference)).await
    }

    async fn send_in_span(
        &self,
        op: &Operation,
        fields: &Map<String, Value>,
        reference: &str,
    ) -> Result<Envelope> {
        let transport = &self.inner.transport;
        // How each attempt is made; a custom signer's body is prepared once for every
        // attempt (the caller's fields and `uid`: the map it is handed), the default
        // contract's needs no map.
        let mut attempts = match &self.inner.direct {
            _ if op.method == "GET" => Attempts::Get,
            Some(direct) => Attempts::Direct(direct),
            None => {
                let mut body = fields.clone();
                body.insert("uid".into(), Value::String(self.inner.uid.clone()));
                Attempts::Map(body)
            }
        };
        // The decoded answer of the latest attempt that was answered, decoded once.
        let mut answered: Option<Result<Envelope>> = None;
        let (verdict, exchange) = transport
            .send(
                op.idempotency,
                transport.retry_policy(),
                |_| match &mut attempts {
                    Attempts::Get => Ok(self.get(op, fields)),
                    Attempts::Map(body) => self.post(op, body),
                    Attempts::Direct(direct) => {
                        let bytes = direct_body(direct, &self.inner.uid, fields, now());
                        Ok(self.post_request(op, bytes))
                    }
                },
                |x| {
                    answered = match x {
                        Exchange::Answered {
                            status,
                            retry_after,
                            body,
                        } => Some(answer(op, *status, *retry_after, body)),
                        _ => None,
                    };
                    // A write answered with something unreadable (over the cap, or a 2xx that
                    // is no envelope) may have taken effect; a query's is a final answer.
                    let unreadable = matches!(x, Exchange::TooLarge { .. })
                        || matches!(answered, Some(Err(Error::Decode { .. })));
                    match x.attempt() {
                        Attempt::Answered
                            if unreadable && op.idempotency == Idempotency::NonIdempotent =>
                        {
                            Attempt::MaybeSent
                        }
                        other => other,
                    }
                },
            )
            .await?;
        let result = match (answered, exchange) {
            (Some(result), _) => result,
            (None, Exchange::NotSent(e) | Exchange::Lost(e)) => Err(Error::Transport {
                source: e.without_url(),
            }),
            (None, Exchange::TimedOut) => Err(Error::Timeout {
                operation: op.name,
                after: transport.timeout(),
            }),
            (None, Exchange::TooLarge { .. }) => {
                Err(Error::over_cap(op.name, transport.max_body_bytes()))
            }
            (
                None,
                Exchange::Answered {
                    status,
                    retry_after,
                    body,
                },
            ) => answer(op, status, retry_after, &body),
        };
        match verdict {
            Verdict::Throttled { retry_after } => Err(Error::RateLimited {
                retry_after,
                operation: op.name,
            }),
            Verdict::OutcomeUnknown => {
                let reason = match result {
                    Err(e) => e.to_string(),
                    Ok(_) => "the answer could not be trusted".to_owned(),
                };
                Err(Error::OutcomeUnknown {
                    operation: op.name,
                    reference: reference.to_owned(),
                    reason,
                })
            }
            // Done, GiveUp (`send` never returns RetryAfter).
            _ => result,
        }
    }

    /// One `GET` attempt: `uid`, a fresh `timestamp` and the string fields in the query,
    /// signed.
    fn get(&self, op: &Operation, fields: &Map<String, Value>) -> reqwest::RequestBuilder {
        let ts = now().to_string();
        let mut pairs: Vec<(&str, &str)> = Vec::with_capacity(fields.len() + 3);
        pairs.push(("uid", self.inner.uid.as_str()));
        pairs.push(("timestamp", &ts));
        for (k, v) in fields {
            if let Value::String(s) = v {
                pairs.push((k.as_str(), s.as_str()));
            }
        }
        let sign = self.inner.signer.sign_params(&pairs);
        pairs.push((sign_core::wattt::SIGN_FIELD, &sign));
        self.inner
            .transport
            .http()
            .get(self.url(op))
            .query(&pairs)
            .header(ACCEPT, JSON)
    }

    /// One `POST` attempt signed by a custom signer: `body` with a fresh `timestamp` and its
    /// `sign`.
    fn post(
        &self,
        op: &Operation,
        body: &mut Map<String, Value>,
    ) -> Result<reqwest::RequestBuilder> {
        let bytes = map_body(&*self.inner.signer, body, now()).map_err(|e| {
            Error::decode(format!("cannot encode the {} request: {e}", op.name), b"")
        })?;
        Ok(self.post_request(op, bytes))
    }

    fn post_request(&self, op: &Operation, bytes: Vec<u8>) -> reqwest::RequestBuilder {
        self.inner
            .transport
            .http()
            .post(self.url(op))
            .header(CONTENT_TYPE, JSON)
            .header(ACCEPT, JSON)
            .body(bytes)
    }
}

/// How a call's attempts are made.
enum Attempts<'a> {
    /// A query: fields in the URL.
    Get,
    /// A body signed by a custom signer: the map it signs, without the per-attempt fields.
    Map(Map<String, Value>),
    /// A body signed by the default contract, written straight from the fields.
    Direct(&'a Direct),
}

/// The clock in whole Unix seconds, the request's `timestamp`.
fn now() -> i64 {
    sign_core::unix_seconds(std::time::SystemTime::now())
}

/// A request object fits without the buffer growing (`to_vec` starts empty and reallocates
/// its way up on every attempt).
const BODY_CAPACITY: usize = 256;

/// The body of one attempt for a custom signer: `body` (the caller's fields and `uid`) with
/// `timestamp` set and any `sign` taken out is the map the signer signs; its `sign` is then
/// inserted and that map serialized unchanged, so what is signed is what is sent.
fn map_body(
    signer: &dyn Signer,
    body: &mut Map<String, Value>,
    timestamp: i64,
) -> serde_json::Result<Vec<u8>> {
    body.insert("timestamp".into(), Value::from(timestamp));
    body.remove(sign_core::wattt::SIGN_FIELD);
    let sign = signer.sign_json(body);
    body.insert(sign_core::wattt::SIGN_FIELD.into(), Value::String(sign));
    let mut bytes = Vec::with_capacity(BODY_CAPACITY);
    serde_json::to_writer(&mut bytes, &*body)?;
    Ok(bytes)
}

/// The body of one attempt for the default contract, written straight from the caller's
/// `fields`: the bytes [`map_body`] gives for `fields` with `uid` inserted and [`WatttSign`]
/// (the map it would build, serialized: `fields` in name order with `sign`, `timestamp` and
/// `uid` put in their places), without copying the fields into a map, allocating the three
/// names or the sign's text. Valid only where [`maps_are_sorted`].
fn direct_body(direct: &Direct, uid: &str, fields: &Map<String, Value>, timestamp: i64) -> Vec<u8> {
    let mut ts = [0u8; 20];
    let ts = sign_core::decimal(timestamp, &mut ts);
    let sign = sign_core::wattt::sign_json_with(
        fields,
        &[("timestamp", ts), ("uid", uid)],
        &direct.secret,
    );
    // In name order (byte order), the order the merge below needs: each name with the comma
    // before it (dropped for the first field written), quoted (it needs no escaping), and its
    // value's JSON text in two parts.
    let set: [SetField<'_>; 3] = [
        (
            sign_core::wattt::SIGN_FIELD,
            b",\"sign\":\"",
            [sign.as_bytes(), b"\""],
        ),
        ("timestamp", b",\"timestamp\":", [ts.as_bytes(), b""]),
        ("uid", b",\"uid\":", [direct.uid_json.as_bytes(), b""]),
    ];
    let mut out = Vec::with_capacity(BODY_CAPACITY);
    out.push(b'{');
    let write_set = |out: &mut Vec<u8>, (_, name, [a, b]): &SetField<'_>| {
        out.extend_from_slice(if out.len() == 1 { &name[1..] } else { name });
        out.extend_from_slice(a);
        out.extend_from_slice(b);
    };
    let mut rest = set.iter().peekable();
    for (name, value) in fields {
        while let Some(field) = rest.next_if(|(n, ..)| n.as_bytes() < name.as_bytes()) {
            write_set(&mut out, field);
        }
        if rest.peek().is_some_and(|(n, ..)| n == name) {
            continue; // replaced by the client's own, written after the next name
        }
        if out.len() > 1 {
            out.push(b',');
        }
        // Writing into a `Vec` cannot fail, nor can a `Value` or a string key.
        let _ = serde_json::to_writer(&mut out, name);
        out.push(b':');
        let _ = serde_json::to_writer(&mut out, value);
    }
    for field in rest {
        write_set(&mut out, field);
    }
    out.push(b'}');
    out
}

/// A field [`direct_body`] sets: its name, the name's JSON text after a comma, and the
/// value's JSON text in two parts.
type SetField<'a> = (&'static str, &'static [u8], [&'a [u8]; 2]);

/// Wattt's reading of an answer: 429 is the rate limit (its body is not read), anything else
/// the `{ok, message, data}` envelope.
fn answer(
    op: &Operation,
    status: u16,
    retry_after: Option<Duration>,
    body: &Bytes,
) -> Result<Envelope> {
    if status == 429 {
        return Err(Error::RateLimited {
            retry_after,
            operation: op.name,
        });
    }
    decode_envelope(op.name, status, body.clone())
}

/// Interpret a response body as the `{ok, message, data}` envelope.
pub(crate) fn decode_envelope(
    operation: &'static str,
    status: u16,
    body: Bytes,
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
    let Ok(TopLevel {
        ok,
        message,
        data,
        rest: obj,
    }) = serde_json::from_slice::<TopLevel>(&body)
    else {
        return Err(no_envelope("the body is not a JSON object", &body));
    };
    let Some(ok) = ok else {
        return Err(no_envelope("the envelope has no `ok` field", &body));
    };
    let message = match message {
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
    let data = data.unwrap_or(Value::Null);
    Ok(Envelope {
        message,
        data,
        rest: obj,
        body,
    })
}

/// A JSON object read as the envelope's three fields and the rest, in one pass: the same as
/// reading it into a `Map` and taking the three out (a repeated name keeps its last value), without
/// allocating their names or inserting and removing them.
struct TopLevel {
    ok: Option<Value>,
    message: Option<Value>,
    data: Option<Value>,
    rest: Map<String, Value>,
}

impl<'de> serde::Deserialize<'de> for TopLevel {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = TopLevel;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<TopLevel, A::Error> {
                let mut top = TopLevel {
                    ok: None,
                    message: None,
                    data: None,
                    rest: Map::new(),
                };
                while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
                    let slot = match &*key {
                        "ok" => &mut top.ok,
                        "message" => &mut top.message,
                        "data" => &mut top.data,
                        _ => {
                            let value = map.next_value()?;
                            top.rest.insert(key.into_owned(), value);
                            continue;
                        }
                    };
                    *slot = Some(map.next_value()?);
                }
                Ok(top)
            }
        }
        d.deserialize_map(Visitor)
    }
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

    /// [`Envelope::data_as`] for a model whose `Deserialize` is
    /// `#[serde(try_from = "Map<String, Value>")]`: an object `data` is handed to its `TryFrom`
    /// as it is, where `from_value` rebuilt the map key by key first (serde's `try_from` reads
    /// a `Map` and then calls the same `TryFrom`). The same result and the same error text
    /// (the `TryFrom` error goes through `serde_json::Error::custom`, as serde's `try_from`
    /// does); any other `data` takes `data_as` itself.
    pub(crate) fn data_from_map<T>(&mut self, operation: &'static str) -> Result<T>
    where
        T: serde::de::DeserializeOwned + TryFrom<Map<String, Value>>,
        T::Error: fmt::Display,
    {
        let map = match std::mem::take(&mut self.data) {
            Value::Object(m) => m,
            Value::Null => Map::new(),
            other => {
                self.data = other;
                return self.data_as(operation);
            }
        };
        T::try_from(map).map_err(|e| {
            let e = <serde_json::Error as serde::de::Error>::custom(e);
            Error::decode(format!("{operation} `data`: {e}"), &self.body)
        })
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

    /// `data_from_map` against `data_as` (the reading before it, kept for other models) on one
    /// table of answer bodies: valid, extra and alias fields, a repeated name, missing and null
    /// `data`, `data` of every wrong JSON type, fields of wrong types, and `ok` values (the
    /// envelope refuses those before `data` is read, the same for both). Each row must give the
    /// same model or the same error, text included; the second column says which rows a
    /// `Balance` is read from (its documented fields: `balance`, `available`, `frozen`, decimal
    /// or numeric text, `currency`, anything else kept in `extra`).
    #[test]
    fn data_from_map_reads_as_data_as_did() {
        fn both<T>(body: &str) -> (String, String)
        where
            T: serde::de::DeserializeOwned + TryFrom<Map<String, Value>> + fmt::Debug,
            T::Error: fmt::Display,
        {
            let read = |fast: bool| {
                let env = decode_envelope("op", 200, Bytes::from(body.to_owned()));
                format!(
                    "{:?}",
                    env.and_then(|mut e| if fast {
                        e.data_from_map::<T>("op")
                    } else {
                        e.data_as::<T>("op")
                    })
                )
            };
            (read(false), read(true))
        }
        let rows: &[(&str, bool)] = &[
            (
                r#"{"ok":1,"data":{"balance":"10.5","available":3,"frozen":"0","currency":"TWD"}}"#,
                true,
            ),
            (
                r#"{"ok":1,"data":{"balance":1,"zz":[1,{"a":null}],"aa":"x"},"extra":2}"#,
                true,
            ),
            (
                r#"{"ok":1,"data":{"available_balance":"2","frozen_balance":1,"amount":"7","status":"PAID"}}"#,
                true,
            ),
            (r#"{"ok":1,"data":{"balance":"1","balance":"2"}}"#, true),
            (r#"{"ok":1,"data":{"a\u0062c":1,"currency":5}}"#, true),
            (r#"{"ok":1}"#, true),
            (r#"{"ok":1,"data":null}"#, true),
            (r#"{"ok":"1","data":{}}"#, true),
            (r#"{"ok":true,"data":{}}"#, true),
            (r#"{"ok":1,"data":[]}"#, false),
            (r#"{"ok":1,"data":[{"balance":1}]}"#, false),
            (r#"{"ok":1,"data":"x"}"#, false),
            (r#"{"ok":1,"data":5}"#, false),
            (r#"{"ok":1,"data":true}"#, false),
            (r#"{"ok":1,"data":{"balance":"abc"}}"#, false),
            (r#"{"ok":1,"data":{"balance":[1]}}"#, false),
            (r#"{"ok":1,"data":{"amount":{"v":1}}}"#, true),
            (
                r#"{"ok":1,"data":{"balance":"x at line 1 column 2"}}"#,
                false,
            ),
            (
                r#"{"ok":1,"data":{"balance":"x at line 1 column 2"}"#,
                false,
            ),
            (r#"{"ok":0,"data":{"balance":1}}"#, false),
            (r#"{"ok":2,"data":{}}"#, false),
            (r#"{"message":"m","data":{}}"#, false),
            (r#"[1]"#, false),
        ];
        for (body, balance_ok) in rows {
            let (old, new) = both::<crate::Balance>(body);
            assert_eq!(old, new, "Balance: {body}");
            assert_eq!(
                old.starts_with("Ok("),
                *balance_ok,
                "Balance: {body} gave {old}"
            );
            let (old, new) = both::<crate::Collection>(body);
            assert_eq!(old, new, "Collection: {body}");
            let (old, new) = both::<crate::Payout>(body);
            assert_eq!(old, new, "Payout: {body}");
            let (old, new) = both::<Map<String, Value>>(body);
            assert_eq!(old, new, "Map: {body}");
        }
    }

    /// The body written straight from the fields against the body of the map path (the one
    /// a custom signer still takes, and the only one before): the fields with `uid` inserted,
    /// then `timestamp`, signed by `WatttSign`, `sign` inserted, serialized by serde_json.
    /// Every row must give the same bytes: fields of every JSON type (numbers integral,
    /// negative, `u64::MAX`, fractional, exponent), strings needing every kind of escape,
    /// names sorting around and equal to `sign`, `timestamp` and `uid` (the client's replace
    /// them), escaped and non-ASCII names; uids needing escapes; extreme timestamps. The bench
    /// call's body is also checked against bytes written out here, its sign an MD5 (md-5
    /// crate) of the base string by the documented rule.
    #[test]
    fn direct_body_is_the_map_body() {
        use serde_json::json;
        let field_sets = [
            json!({}),
            json!({"amount": 2500, "orderid": "A-1"}),
            json!({
                "a": 1, "s": "x", "sig": true, "sign": "stale", "signa": false, "t": null,
                "timestamp": 5, "timestamp_": 1.5, "u": [1, "two", {"3": null}],
                "uid": "someone else", "uid0": {"k": "v", "j": [true]}, "z": -7, "Z": 0, "": "e",
            }),
            json!({
                "big": u64::MAX, "neg": i64::MIN, "frac": 0.1, "exp": 1e300, "tiny": 5e-324,
                "zero": -0.0, "int_float": 12.0,
            }),
            json!({
                "q": "say \"hi\"", "bs": "a\\b", "ctl": "\u{1}\u{1f}\n\r\t\u{8}\u{c}",
                "uni": "中文 ☕ 😀", "sep": "\u{2028}\u{2029}", "slash": "</script>", "empty": "",
                "del": "\u{7f}",
            }),
            json!({"a\"b": 1, "é": "x", "中": 2, "\n": 3, "sign\u{0}": 4, "uie": 5, "uic": 6}),
            json!({"sign": {"nested": 1}, "uid": null, "timestamp": [1]}),
        ];
        let uids = ["ABCDE", "a\"b\\c\u{1}", "商戶 😀", "sign"];
        let stamps = [1_782_347_899, 0, -1, i64::MIN, i64::MAX];
        let signer = WatttSign::new("the-api-secret");
        let mut rows = 0;
        for fields in &field_sets {
            let fields = fields.as_object().unwrap();
            for uid in uids {
                let direct = Direct {
                    secret: "the-api-secret".into(),
                    uid_json: serde_json::to_string(uid).unwrap().into_boxed_str(),
                };
                for ts in stamps {
                    let mut map = fields.clone();
                    map.insert("uid".into(), Value::String(uid.to_owned()));
                    let want = map_body(&signer, &mut map, ts).unwrap();
                    let got = direct_body(&direct, uid, fields, ts);
                    assert_eq!(
                        String::from_utf8_lossy(&got),
                        String::from_utf8_lossy(&want),
                        "fields {fields:?}, uid {uid:?}, timestamp {ts}"
                    );
                    rows += 1;
                }
            }
        }
        assert_eq!(rows, 7 * 4 * 5);

        use md5::Digest;
        let sign = hex::encode(md5::Md5::digest(
            b"timestamp=1782347899&uid=ABCDE&key=the-api-secret",
        ));
        let direct = Direct {
            secret: "the-api-secret".into(),
            uid_json: r#""ABCDE""#.into(),
        };
        let body = direct_body(&direct, "ABCDE", &Map::new(), 1_782_347_899);
        assert_eq!(
            String::from_utf8(body).unwrap(),
            format!(r#"{{"sign":"{sign}","timestamp":1782347899,"uid":"ABCDE"}}"#)
        );
    }

    /// The default contract, by `credentials` or handed in as `WatttSign`, writes bodies
    /// directly; any other signer is handed the map.
    #[test]
    fn only_the_default_contract_writes_bodies_directly() {
        #[derive(Debug)]
        struct Custom(WatttSign);
        impl Signer for Custom {
            fn sign_json(&self, fields: &Map<String, Value>) -> String {
                self.0.sign_json(fields)
            }
            fn sign_params(&self, params: &[(&str, &str)]) -> String {
                self.0.sign_params(params)
            }
        }
        let builder = || Client::builder().base_url("https://h.example").uid("U");
        let by_credentials = builder().credentials("U", "S").build().unwrap();
        let by_signer = builder().signer(WatttSign::new("S")).build().unwrap();
        let custom = builder()
            .signer(Custom(WatttSign::new("S")))
            .build()
            .unwrap();
        assert!(by_credentials.inner.direct.is_some());
        assert!(by_signer.inner.direct.is_some());
        assert!(custom.inner.direct.is_none());
        // A signer set after credentials replaces them, and the other way round.
        let replaced = builder()
            .credentials("U", "S")
            .signer(Custom(WatttSign::new("S")))
            .build()
            .unwrap();
        assert!(replaced.inner.direct.is_none());
        let replaced = builder()
            .signer(Custom(WatttSign::new("S")))
            .credentials("U", "S")
            .build()
            .unwrap();
        assert!(replaced.inner.direct.is_some());
    }

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
            assert_eq!(c.url(&op).as_str(), want, "{base}");
        }
    }

    #[test]
    fn envelope_rules() {
        let ok = decode_envelope(
            "t",
            200,
            Bytes::from_static(br#"{"ok":1,"message":"success","data":{"a":1},"url":"u"}"#),
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
            let got = decode_envelope("t", status, Bytes::copy_from_slice(body));
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
        assert!(decode_envelope("t", 200, Bytes::from_static(br#"{"ok":"1"}"#)).is_ok());
    }

    /// The one-pass reading gives what reading a `Map` and taking the three fields out gave
    /// (the reference is that older reading, spelled out here), escaped names and repeated
    /// names included.
    #[test]
    fn top_level_reads_as_the_map_did() {
        let bodies: [&[u8]; 6] = [
            br#"{"ok":1,"message":"m","data":{"a":[1,2]},"url":"u","n":null}"#,
            br#"{"data":5,"ok":true}"#,
            br#"{"ok":1,"ok":0,"data":1,"data":{"b":2},"x":1,"x":2}"#,
            br#"{"\u006fk":1,"mess\u0061ge":"esc","r\u00e9st":1}"#,
            br#"{}"#,
            br#"{"ok":1,"message":{"nested":"object"}}"#,
        ];
        for body in bodies {
            let mut map: Map<String, Value> = serde_json::from_slice(body).unwrap();
            let (ok, message, data) = (map.remove("ok"), map.remove("message"), map.remove("data"));
            let top: TopLevel = serde_json::from_slice(body).unwrap();
            let body = String::from_utf8_lossy(body);
            assert_eq!(top.ok, ok, "{body}");
            assert_eq!(top.message, message, "{body}");
            assert_eq!(top.data, data, "{body}");
            assert_eq!(top.rest, map, "{body}");
        }
        for not_an_object in [&b"[1]"[..], b"1", b"<html>", b"{\"ok\":1} x"] {
            assert!(serde_json::from_slice::<TopLevel>(not_an_object).is_err());
        }
    }
}
