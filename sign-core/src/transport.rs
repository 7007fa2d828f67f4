//! The HTTP transport the four SDK clients share (cargo feature `http`): their five transport
//! settings, the hardened `reqwest` client they build, one attempt (sent under a per-attempt
//! timeout, its answer read up to a cap) and the retry loop that follows
//! [`RetryPolicy::decide`].
//!
//! Why this is here and not once per crate: the four clients did exactly this I/O, and their
//! copies had drifted apart (one timed attempts with tokio and read `Retry-After`, the others did
//! not). What stays per crate is what differs: how a request is signed, how an answer is
//! classified beyond the status (a gateway's rate-limit code in the body, LJPay's final 502) and
//! how an answer is decoded. [`policy`](crate::policy) stays pure; this module, like the Redis
//! store, is the I/O sign-core has only when a feature asks for it.
//!
//! ```
//! use std::time::Duration;
//! use sign_core::policy::{Idempotency, RetryPolicy, Verdict};
//! use sign_core::transport::{Exchange, TransportConfig};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let transport = TransportConfig::default()
//!     .timeout(Duration::from_millis(200))
//!     .retry_policy(RetryPolicy::disabled())
//!     .build("my-sdk/1.0")
//!     .unwrap();
//! // Nothing listens on port 9 of the loopback: the request certainly never left.
//! let (verdict, last) = transport
//!     .send(Idempotency::NonIdempotent, transport.retry_policy(), |_attempt| {
//!         Ok::<_, ()>(transport.http().post("http://127.0.0.1:9/pay"))
//!     }, |x| x.attempt())
//!     .await
//!     .unwrap();
//! assert_eq!(verdict, Verdict::GiveUp);
//! assert!(matches!(last, Exchange::NotSent(_)));
//! # }
//! ```

use std::fmt;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
pub use reqwest;
use tracing::Instrument as _;

use crate::policy::{parse_retry_after, Attempt, Idempotency, RetryPolicy, Verdict};

/// Time limit of one attempt, from sending to the last byte of the answer, unless configured.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Connect timeout of the client the transport builds, unless configured.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest answer body read, unless configured (1 MiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 1 << 20;

/// The five transport settings every SDK builder takes, before they are checked.
///
/// SDK builders hold one and expose its setters through [`transport_setters!`](crate::transport_setters).
///
/// ```
/// use std::time::Duration;
/// use sign_core::transport::TransportConfig;
/// let t = TransportConfig::default().timeout(Duration::from_secs(3)).build("sdk/1").unwrap();
/// assert_eq!(t.timeout(), Duration::from_secs(3));
/// assert_eq!(t.max_body_bytes(), sign_core::transport::DEFAULT_MAX_BODY_BYTES);
/// ```
#[derive(Default, Clone)]
pub struct TransportConfig {
    http: Option<reqwest::Client>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    max_body_bytes: Option<usize>,
}

impl fmt::Debug for TransportConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportConfig")
            .field("own_http_client", &self.http.is_some())
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

impl TransportConfig {
    /// Uses the caller's `reqwest::Client` (its redirect and connect settings then apply; the
    /// per-attempt timeout and the body cap still do).
    ///
    /// ```
    /// let t = sign_core::transport::TransportConfig::default()
    ///     .http_client(reqwest::Client::new())
    ///     .build("sdk/1")
    ///     .unwrap();
    /// # let _ = t;
    /// ```
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Time limit of one attempt, from sending to the last byte of the answer (default 10 s).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let t = sign_core::transport::TransportConfig::default().timeout(Duration::from_secs(2));
    /// assert_eq!(t.build("sdk/1").unwrap().timeout(), Duration::from_secs(2));
    /// ```
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = Some(d);
        self
    }

    /// Connect timeout of the client built here (default 5 s; not applied to a caller's own
    /// [`http_client`](TransportConfig::http_client)).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let t = sign_core::transport::TransportConfig::default().connect_timeout(Duration::from_secs(1));
    /// assert!(t.build("sdk/1").is_ok());
    /// ```
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = Some(d);
        self
    }

    /// Retry policy (default [`RetryPolicy::default`]: 3 attempts, 15 s budget).
    ///
    /// ```
    /// use sign_core::policy::RetryPolicy;
    /// let t = sign_core::transport::TransportConfig::default().retry_policy(RetryPolicy::disabled());
    /// assert_eq!(t.build("sdk/1").unwrap().retry_policy(), &RetryPolicy::disabled());
    /// ```
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Largest answer body read (default 1 MiB); a larger one is [`Exchange::TooLarge`].
    ///
    /// ```
    /// let t = sign_core::transport::TransportConfig::default().max_body_bytes(4096);
    /// assert_eq!(t.build("sdk/1").unwrap().max_body_bytes(), 4096);
    /// ```
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.max_body_bytes = Some(n);
        self
    }

    /// Builds the transport: the caller's client, or one that follows no redirect (a redirect
    /// of a signed POST would re-send it elsewhere), uses rustls and sends `user_agent`.
    ///
    /// ```
    /// let t = sign_core::transport::TransportConfig::default().build("my-sdk/0.1").unwrap();
    /// assert_eq!(t.timeout(), sign_core::transport::DEFAULT_TIMEOUT);
    /// ```
    pub fn build(self, user_agent: &'static str) -> Result<Transport, reqwest::Error> {
        let http = match self.http {
            Some(c) => c,
            None => reqwest::Client::builder()
                .use_rustls_tls()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
                .user_agent(user_agent)
                .build()?,
        };
        Ok(Transport {
            http,
            timeout: self.timeout.unwrap_or(DEFAULT_TIMEOUT),
            retry: self.retry.unwrap_or_default(),
            max_body_bytes: self.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES),
        })
    }
}

/// The five transport setters of an SDK builder, forwarded to its [`TransportConfig`] field,
/// each with its doc and an example that starts from `$builder` (an expression of the SDK).
///
/// ```
/// use sign_core::transport::TransportConfig;
/// /// A builder.
/// #[derive(Default)]
/// pub struct Builder { transport: TransportConfig }
/// impl Builder {
///     sign_core::transport_setters!(transport, "Builder::default()", "");
/// }
/// let b = Builder::default().timeout(std::time::Duration::from_secs(1)).max_body_bytes(10);
/// assert_eq!(b.transport.build("sdk/1").unwrap().max_body_bytes(), 10);
/// ```
#[macro_export]
macro_rules! transport_setters {
    ($field:ident, $builder:literal, $prelude:literal) => {
        /// Uses your own `reqwest::Client` (its redirect and connect settings then apply:
        /// configure it not to follow redirects). The per-attempt timeout and the body cap
        /// still apply.
        ///
        /// ```
        #[doc = $prelude]
        #[doc = concat!("let builder = ", $builder, ".http_client(reqwest::Client::new());")]
        /// ```
        pub fn http_client(mut self, client: $crate::transport::reqwest::Client) -> Self {
            self.$field = self.$field.http_client(client);
            self
        }

        /// Time limit of one attempt, from sending to the last byte of the answer (default
        /// 10 s), applied around each attempt, also with your own `http_client`.
        ///
        /// ```
        #[doc = $prelude]
        #[doc = concat!("let builder = ", $builder, ".timeout(std::time::Duration::from_secs(5));")]
        /// ```
        pub fn timeout(mut self, d: ::std::time::Duration) -> Self {
            self.$field = self.$field.timeout(d);
            self
        }

        /// Connect timeout (default 5 s; not applied to your own `http_client`).
        ///
        /// ```
        #[doc = $prelude]
        #[doc = concat!("let builder = ", $builder, ".connect_timeout(std::time::Duration::from_secs(2));")]
        /// ```
        pub fn connect_timeout(mut self, d: ::std::time::Duration) -> Self {
            self.$field = self.$field.connect_timeout(d);
            self
        }

        /// Retry policy (default: 3 attempts, full-jitter backoff, 15 s in total). A call that
        /// moves money is sent again only when its first attempt certainly never left.
        ///
        /// ```
        #[doc = $prelude]
        #[doc = concat!("let builder = ", $builder, ".retry_policy(sign_core::policy::RetryPolicy::default().with_max_attempts(2));")]
        /// ```
        pub fn retry_policy(mut self, policy: $crate::policy::RetryPolicy) -> Self {
            self.$field = self.$field.retry_policy(policy);
            self
        }

        /// Largest answer body read (default 1 MiB); a larger answer is an error, never read
        /// into memory.
        ///
        /// ```
        #[doc = $prelude]
        #[doc = concat!("let builder = ", $builder, ".max_body_bytes(64 * 1024);")]
        /// ```
        pub fn max_body_bytes(mut self, n: usize) -> Self {
            self.$field = self.$field.max_body_bytes(n);
            self
        }
    };
}

/// A built transport: the client, the per-attempt timeout, the retry policy and the body cap.
/// Cheap to clone (the `reqwest::Client` is an `Arc`).
#[derive(Clone)]
pub struct Transport {
    http: reqwest::Client,
    timeout: Duration,
    retry: RetryPolicy,
    max_body_bytes: usize,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish_non_exhaustive()
    }
}

/// How one attempt ended.
#[derive(Debug)]
pub enum Exchange {
    /// A complete answer within the cap.
    Answered {
        /// HTTP status.
        status: u16,
        /// The server's `Retry-After` (seconds or HTTP-date), when it sent one.
        retry_after: Option<Duration>,
        /// The whole body.
        body: Bytes,
    },
    /// The server answered with a body larger than the cap; it was not read.
    TooLarge {
        /// HTTP status.
        status: u16,
        /// The server's `Retry-After`, when it sent one (a throttling proxy's page can be large).
        retry_after: Option<Duration>,
    },
    /// The request certainly never reached the server (connection refused, DNS, TLS, a request
    /// that could not be built).
    NotSent(reqwest::Error),
    /// The request may have been processed and no complete answer came (reset after it was
    /// written, a body cut short).
    Lost(reqwest::Error),
    /// No complete answer within the per-attempt timeout (the request may have been processed).
    TimedOut,
}

impl Exchange {
    /// The plain classification for [`RetryPolicy::decide`]: 429 is throttled and 5xx a server
    /// error (whether the body was read or was over the cap), a lost or timed-out answer maybe
    /// sent, and any other answer too large to read an answer (it did reach the server: whether
    /// a write took effect is the gateway's to say when it maps the verdict). A gateway with
    /// more rules (a rate-limit code in the body) matches those first and falls back on this.
    ///
    /// ```
    /// use std::time::Duration;
    /// use sign_core::policy::Attempt;
    /// use sign_core::transport::Exchange;
    /// assert_eq!(Exchange::TooLarge { status: 200, retry_after: None }.attempt(), Attempt::Answered);
    /// let wait = Some(Duration::from_secs(7));
    /// assert_eq!(
    ///     Exchange::TooLarge { status: 429, retry_after: wait }.attempt(),
    ///     Attempt::Throttled { retry_after: wait },
    /// );
    /// assert_eq!(Exchange::TimedOut.attempt(), Attempt::MaybeSent);
    /// ```
    pub fn attempt(&self) -> Attempt {
        match self {
            Exchange::Answered {
                status: 429,
                retry_after,
                ..
            }
            | Exchange::TooLarge {
                status: 429,
                retry_after,
            } => Attempt::Throttled {
                retry_after: *retry_after,
            },
            Exchange::Answered { status, .. } | Exchange::TooLarge { status, .. }
                if *status >= 500 =>
            {
                Attempt::ServerError
            }
            Exchange::Answered { .. } | Exchange::TooLarge { .. } => Attempt::Answered,
            Exchange::NotSent(_) => Attempt::NotSent,
            Exchange::Lost(_) | Exchange::TimedOut => Attempt::MaybeSent,
        }
    }

    /// The HTTP status, when the server answered at all.
    ///
    /// ```
    /// use sign_core::transport::Exchange;
    /// assert_eq!(Exchange::TooLarge { status: 200, retry_after: None }.status(), Some(200));
    /// assert_eq!(Exchange::TimedOut.status(), None);
    /// ```
    pub fn status(&self) -> Option<u16> {
        match self {
            Exchange::Answered { status, .. } | Exchange::TooLarge { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl Transport {
    /// The HTTP client, to build requests with.
    ///
    /// ```
    /// let t = sign_core::transport::TransportConfig::default().build("sdk/1").unwrap();
    /// let _req = t.http().get("https://pay.example/api");
    /// ```
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Time limit of one attempt.
    ///
    /// ```
    /// let t = sign_core::transport::TransportConfig::default().build("sdk/1").unwrap();
    /// assert_eq!(t.timeout(), sign_core::transport::DEFAULT_TIMEOUT);
    /// ```
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The configured retry policy.
    ///
    /// ```
    /// let t = sign_core::transport::TransportConfig::default().build("sdk/1").unwrap();
    /// assert_eq!(t.retry_policy(), &sign_core::policy::RetryPolicy::default());
    /// ```
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The body cap.
    ///
    /// ```
    /// let t = sign_core::transport::TransportConfig::default().build("sdk/1").unwrap();
    /// assert_eq!(t.max_body_bytes(), 1 << 20);
    /// ```
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// One attempt: sends `request`, reads status, `Retry-After` and the body up to the cap, all
    /// within the per-attempt timeout.
    ///
    /// ```
    /// use sign_core::transport::{Exchange, TransportConfig};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let t = TransportConfig::default().build("sdk/1").unwrap();
    /// let x = t.exchange(t.http().get("http://127.0.0.1:9/")).await;
    /// assert!(matches!(x, Exchange::NotSent(_)));
    /// # }
    /// ```
    pub async fn exchange(&self, request: reqwest::RequestBuilder) -> Exchange {
        match tokio::time::timeout(self.timeout, self.read(request)).await {
            Ok(x) => x,
            Err(_) => Exchange::TimedOut,
        }
    }

    async fn read(&self, request: reqwest::RequestBuilder) -> Exchange {
        let mut resp = match request.send().await {
            Ok(r) => r,
            Err(e) if e.is_connect() || e.is_builder() => return Exchange::NotSent(e),
            Err(e) => return Exchange::Lost(e),
        };
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        let limit = self.max_body_bytes;
        if resp.content_length().is_some_and(|n| n > limit as u64) {
            return Exchange::TooLarge {
                status,
                retry_after,
            };
        }
        // Most answers arrive as one chunk: keep it as it is, copy only when there are more.
        let mut first: Option<Bytes> = None;
        let mut joined: Vec<u8> = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    let have = first.as_ref().map_or(0, Bytes::len) + joined.len();
                    if have + chunk.len() > limit {
                        return Exchange::TooLarge {
                            status,
                            retry_after,
                        };
                    }
                    match first.take() {
                        None if joined.is_empty() => first = Some(chunk),
                        None => joined.extend_from_slice(&chunk),
                        Some(f) => {
                            joined.reserve(f.len() + chunk.len());
                            joined.extend_from_slice(&f);
                            joined.extend_from_slice(&chunk);
                        }
                    }
                }
                Ok(None) => break,
                // A body cut short: the request was processed, the answer is lost.
                Err(e) => return Exchange::Lost(e),
            }
        }
        let body = first.unwrap_or_else(|| Bytes::from(joined));
        Exchange::Answered {
            status,
            retry_after,
            body,
        }
    }

    /// The retry loop: `make(attempt)` builds (and signs afresh) each attempt's request,
    /// [`Transport::exchange`] sends it, `classify` turns its end into an [`Attempt`], and
    /// `policy` decides. Returns the final verdict (never [`Verdict::RetryAfter`]) with the last
    /// attempt's exchange; an error of `make` stops the loop and is returned as it is.
    ///
    /// Each attempt is a `debug` event (attempt, status, latency) in the caller's span, and the
    /// span's `attempts`, `status` and `latency_ms` fields are recorded when it declares them.
    /// No header, URL or body is logged.
    ///
    /// ```
    /// use sign_core::policy::{Idempotency, RetryPolicy, Verdict};
    /// use sign_core::transport::TransportConfig;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let t = TransportConfig::default().build("sdk/1").unwrap();
    /// let policy = RetryPolicy::default().with_max_attempts(2).without_jitter()
    ///     .with_backoff(std::time::Duration::from_millis(1), std::time::Duration::from_millis(1));
    /// let mut made = 0;
    /// let (verdict, _) = t
    ///     .send(Idempotency::Idempotent, &policy, |_| {
    ///         made += 1;
    ///         Ok::<_, ()>(t.http().get("http://127.0.0.1:9/"))
    ///     }, |x| x.attempt())
    ///     .await
    ///     .unwrap();
    /// assert_eq!((verdict, made), (Verdict::GiveUp, 2)); // a query that never left is sent again
    /// # }
    /// ```
    pub async fn send<E>(
        &self,
        idempotency: Idempotency,
        policy: &RetryPolicy,
        mut make: impl FnMut(u32) -> Result<reqwest::RequestBuilder, E>,
        mut classify: impl FnMut(&Exchange) -> Attempt,
    ) -> Result<(Verdict, Exchange), E> {
        // The exchange is polled inside this future, and so inside the caller's span: it needs
        // no span of its own.
        let span = tracing::Span::current();
        let started = Instant::now();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let request = make(attempt)?;
            let t0 = if attempt == 1 {
                started
            } else {
                Instant::now()
            };
            let exchange = self.exchange(request).await;
            let latency_ms = u64::try_from(t0.elapsed().as_millis()).unwrap_or(u64::MAX);
            let status = exchange.status();
            // A disabled span drops what is recorded on it, after looking each field up by name.
            if !span.is_disabled() {
                span.record("attempts", attempt);
                span.record("latency_ms", latency_ms);
                if let Some(s) = status {
                    span.record("status", s);
                }
            }
            match &exchange {
                Exchange::NotSent(e) | Exchange::Lost(e) => {
                    tracing::debug!(attempt, latency_ms, error = failure(e), "attempt failed")
                }
                _ => tracing::debug!(attempt, latency_ms, status, "attempt"),
            }
            let outcome = classify(&exchange);
            match policy.decide(idempotency, attempt, started.elapsed(), &outcome) {
                Verdict::RetryAfter(wait) => {
                    tracing::debug!(
                        attempt,
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        "retrying"
                    );
                    tokio::time::sleep(wait).await;
                }
                verdict => return Ok((verdict, exchange)),
            }
        }
    }
}

/// Runs `fut` inside `span`, or as it is when no subscriber wants the span.
///
/// An instrumented future enters and leaves its span on every poll, which costs even when the
/// span is disabled; each SDK call is polled several times. The span's fields are still given
/// to a subscriber (or to `log`) when it is created.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let span = tracing::info_span!("my call", operation = "orders.get");
/// let n = sign_core::transport::in_span(span, async { 2 + 2 }).await;
/// assert_eq!(n, 4);
/// # }
/// ```
pub async fn in_span<F: std::future::Future>(span: tracing::Span, fut: F) -> F::Output {
    if span.is_disabled() {
        fut.await
    } else {
        fut.instrument(span).await
    }
}

/// Header values that change on every attempt (a timestamp, a nonce, a signature), written
/// side by side into one buffer: one allocation shared by all of them, each value a slice of
/// it, instead of one allocation each. `None` when one of them is no valid header value, or
/// when together they are longer than [`ATTEMPT_VALUES_MAX`] bytes.
///
/// ```
/// use sign_core::transport::attempt_header_values;
/// let [ts, sig] = attempt_header_values([b"1700000000", b"sha256=ab"]).unwrap();
/// assert_eq!((ts.to_str().unwrap(), sig.to_str().unwrap()), ("1700000000", "sha256=ab"));
/// assert!(attempt_header_values([b"ok", b"line\nbreak"]).is_none());
/// assert!(attempt_header_values([&[b'a'; 129][..]]).is_none());
/// ```
pub fn attempt_header_values<const N: usize>(
    values: [&[u8]; N],
) -> Option<[reqwest::header::HeaderValue; N]> {
    // A fixed array moved into the one `Bytes` owner: a `Vec` would cost a second allocation
    // when the first slice promotes it to shared.
    let mut buf = [0u8; ATTEMPT_VALUES_MAX];
    let mut ranges = [(); N].map(|_| 0..0);
    let mut at = 0;
    for (range, v) in ranges.iter_mut().zip(values) {
        buf.get_mut(at..at + v.len())?.copy_from_slice(v);
        *range = at..at + v.len();
        at = range.end;
    }
    let buf = Bytes::from_owner(buf);
    let parsed = ranges.map(|r| reqwest::header::HeaderValue::from_maybe_shared(buf.slice(r)).ok());
    if parsed.iter().any(Option::is_none) {
        return None;
    }
    // Every one is `Some` (checked just above).
    Some(parsed.map(|v| v.unwrap_or_else(|| reqwest::header::HeaderValue::from_static(""))))
}

/// The most bytes [`attempt_header_values`] takes in all: an RFC 3339 or decimal timestamp, a
/// 32-digit nonce and a 64-digit (or `sha256=`-prefixed) signature.
pub const ATTEMPT_VALUES_MAX: usize = 128;

/// What kind of transport failure `e` is, without its URL (a signed query string must not reach
/// a log) or its source chain.
fn failure(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the answer's body failed"
    } else if e.is_request() {
        "the request failed"
    } else {
        "transport error"
    }
}
