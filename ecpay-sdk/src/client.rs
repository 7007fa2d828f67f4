//! Transport: the client, its builder, base URLs, credentials and retries.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;
use sign_core::Secret;
use url::Url;

use crate::error::{Error, Result};

/// Stage AIO host.
pub const STAGE_AIO_URL: &str = "https://payment-stage.ecpay.com.tw";
/// Production AIO host.
pub const PRODUCTION_AIO_URL: &str = "https://payment.ecpay.com.tw";
/// Public stage merchant ID (ECPay's published test merchant).
pub const STAGE_MERCHANT_ID: &str = "3002607";
/// Public stage HashKey.
pub const STAGE_HASH_KEY: &str = "pwFHCqoQZGmho4w6";
/// Public stage HashIV.
pub const STAGE_HASH_IV: &str = "EkRm7iFT261dpevs";
/// Default cap on a response body.
pub const DEFAULT_MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Which ECPay AIO environment to talk to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// `https://payment-stage.ecpay.com.tw`
    Stage,
    /// `https://payment.ecpay.com.tw`
    Production,
}

impl Environment {
    /// The AIO host of this environment.
    pub fn aio_base_url(self) -> &'static str {
        match self {
            Self::Stage => STAGE_AIO_URL,
            Self::Production => PRODUCTION_AIO_URL,
        }
    }
}

/// A merchant's AIO credentials: MerchantID, HashKey, HashIV.
///
/// `Debug` never shows the key material.
#[derive(Clone)]
pub struct Credentials {
    merchant_id: String,
    hash_key: Secret,
    hash_iv: Secret,
}

impl Credentials {
    /// Credentials from their parts.
    pub fn new(
        merchant_id: impl Into<String>,
        hash_key: impl Into<Secret>,
        hash_iv: impl Into<Secret>,
    ) -> Self {
        Self {
            merchant_id: merchant_id.into(),
            hash_key: hash_key.into(),
            hash_iv: hash_iv.into(),
        }
    }

    /// ECPay's public stage merchant `3002607`.
    pub fn stage() -> Self {
        Self::new(STAGE_MERCHANT_ID, STAGE_HASH_KEY, STAGE_HASH_IV)
    }

    /// The MerchantID.
    pub fn merchant_id(&self) -> &str {
        &self.merchant_id
    }

    /// The HashKey.
    pub fn hash_key(&self) -> &Secret {
        &self.hash_key
    }

    /// The HashIV.
    pub fn hash_iv(&self) -> &Secret {
        &self.hash_iv
    }

    fn check(&self) -> Result<()> {
        let id = &self.merchant_id;
        if id.is_empty() || id.len() > 10 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Error::validation("MerchantID", "1 to 10 letters or digits"));
        }
        if self.hash_key.is_empty() || self.hash_iv.is_empty() {
            return Err(Error::Config {
                reason: "HashKey and HashIV must not be empty".into(),
            });
        }
        Ok(())
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("merchant_id", &self.merchant_id)
            .field("hash_key", &self.hash_key)
            .field("hash_iv", &self.hash_iv)
            .finish()
    }
}

/// Retry policy for calls that are safe to repeat (queries and reads).
///
/// Money-moving calls (`DoAction`) and creating calls are never retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Total attempts including the first (1 = no retry).
    pub max_attempts: u32,
    /// First backoff; doubled each attempt, with full jitter.
    pub initial_backoff: Duration,
    /// Upper bound of one backoff.
    pub max_backoff: Duration,
    /// Upper bound on the time spent across all attempts.
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
    /// No retries.
    pub fn disabled() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The default policy with another attempt count.
    pub fn with_max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// The policy with another initial backoff (tests use a millisecond).
    pub fn with_initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)));
        let cap = exp.min(self.max_backoff);
        let ms = cap.as_millis() as u64;
        Duration::from_millis(if ms == 0 {
            0
        } else {
            rand::thread_rng().gen_range(0..=ms)
        })
    }
}

/// Checks a base URL: https only (http only for loopback hosts), no userinfo, no query.
pub fn parse_base_url(field: &str, raw: &str) -> Result<Url> {
    let url = Url::parse(raw.trim_end_matches('/'))
        .map_err(|e| Error::validation(field, format!("not a URL: {e}")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::validation(field, "must not carry userinfo"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::validation(
            field,
            "must not carry a query or fragment",
        ));
    }
    let host = url.host_str().unwrap_or_default();
    match url.scheme() {
        "https" if !host.is_empty() => Ok(url),
        "http" if is_loopback(host) => Ok(url),
        "http" => Err(Error::validation(
            field,
            "http is only allowed for loopback hosts; use https",
        )),
        other => Err(Error::validation(
            field,
            format!("unsupported scheme `{other}`"),
        )),
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host == "[::1]"
        || host
            .parse::<std::net::IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) aio_base: Url,
    pub(crate) api_base: Option<Url>,
    pub(crate) credentials: Option<Credentials>,
    pub(crate) retry: RetryPolicy,
    pub(crate) max_body: usize,
}

/// The ECPay client: AIO cashier ([`Client::aio`]), the integration demo API
/// ([`Client::demo`]) and the merchant checkout API ([`Client::merchant`]).
///
/// Cheap to clone (an `Arc` inside), `Send + Sync`.
///
/// ```
/// use ecpay_sdk::{Client, Credentials, Environment};
/// let client = Client::builder()
///     .environment(Environment::Stage)
///     .credentials(Credentials::stage())
///     .api_base_url("https://merchant.example.com")
///     .build()?;
/// assert!(!format!("{client:?}").contains("pwFHCqoQZGmho4w6"));
/// # Ok::<(), ecpay_sdk::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("aio_base", &self.inner.aio_base.as_str())
            .field("api_base", &self.inner.api_base.as_ref().map(Url::as_str))
            .field("credentials", &self.inner.credentials)
            .field("retry", &self.inner.retry)
            .finish()
    }
}

/// Builds a [`Client`]. Nothing defaults to production: without an environment or AIO base
/// URL, [`ClientBuilder::build`] fails.
#[derive(Default)]
pub struct ClientBuilder {
    environment: Option<Environment>,
    aio_base_url: Option<String>,
    api_base_url: Option<String>,
    credentials: Option<Credentials>,
    http: Option<reqwest::Client>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    max_body: Option<usize>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("environment", &self.environment)
            .field("aio_base_url", &self.aio_base_url)
            .field("api_base_url", &self.api_base_url)
            .field("credentials", &self.credentials)
            .finish()
    }
}

impl ClientBuilder {
    /// Stage or production AIO host.
    pub fn environment(mut self, env: Environment) -> Self {
        self.environment = Some(env);
        self
    }

    /// Overrides the AIO host (e.g. a simulator); wins over [`ClientBuilder::environment`].
    pub fn aio_base_url(mut self, url: impl Into<String>) -> Self {
        self.aio_base_url = Some(url.into());
        self
    }

    /// Base URL of the merchant's own APIs (integration demo and merchant checkout).
    pub fn api_base_url(mut self, url: impl Into<String>) -> Self {
        self.api_base_url = Some(url.into());
        self
    }

    /// AIO credentials (needed for AIO calls and to verify merchant checkout answers).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Uses the caller's own `reqwest::Client` (it should not follow redirects).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Total timeout of one attempt (default 30 s).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = Some(d);
        self
    }

    /// Connect timeout (default 10 s).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = Some(d);
        self
    }

    /// Retry policy for safe calls.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Cap on a response body (default 2 MiB).
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.max_body = Some(n);
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client> {
        let aio_raw =
            match (&self.aio_base_url, self.environment) {
                (Some(u), _) => u.clone(),
                (None, Some(env)) => env.aio_base_url().to_owned(),
                (None, None) => return Err(Error::Config {
                    reason:
                        "choose an environment or an AIO base URL (no silent production default)"
                            .into(),
                }),
            };
        let aio_base = parse_base_url("aio_base_url", &aio_raw)?;
        let api_base = self
            .api_base_url
            .as_deref()
            .map(|u| parse_base_url("api_base_url", u))
            .transpose()?;
        if let Some(c) = &self.credentials {
            c.check()?;
        }
        let http = match self.http {
            Some(h) => h,
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(self.timeout.unwrap_or(Duration::from_secs(30)))
                .connect_timeout(self.connect_timeout.unwrap_or(Duration::from_secs(10)))
                .user_agent(concat!("ecpay-sdk-rust/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| Error::Config {
                    reason: format!("could not build the HTTP client: {e}"),
                })?,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                aio_base,
                api_base,
                credentials: self.credentials,
                retry: self.retry.unwrap_or_default(),
                max_body: self.max_body.unwrap_or(DEFAULT_MAX_BODY_BYTES),
            }),
        })
    }
}

/// A response read in full (up to the cap).
#[derive(Debug)]
pub(crate) struct RawResponse {
    pub(crate) status: u16,
    pub(crate) body: String,
}

/// Whether a request may be repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Idempotency {
    /// Queries and reads: retried by the policy.
    Safe,
    /// Creates something: not retried, transport errors are plain.
    Once,
    /// Moves money: not retried; a failure after sending is `OutcomeUnknown`.
    MovesMoney,
}

impl Client {
    /// Starts a builder.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The AIO base URL in use.
    pub fn aio_base_url(&self) -> &Url {
        &self.inner.aio_base
    }

    /// The merchant API base URL, when configured.
    pub fn api_base_url(&self) -> Option<&Url> {
        self.inner.api_base.as_ref()
    }

    /// The configured credentials, if any.
    pub fn credentials(&self) -> Option<&Credentials> {
        self.inner.credentials.as_ref()
    }

    pub(crate) fn require_credentials(&self) -> Result<&Credentials> {
        self.inner
            .credentials
            .as_ref()
            .ok_or_else(|| Error::Config {
                reason: "AIO calls need credentials (MerchantID, HashKey, HashIV)".into(),
            })
    }

    pub(crate) fn aio_url(&self, path: &str) -> String {
        join(&self.inner.aio_base, path)
    }

    pub(crate) fn api_url(&self, path: &str) -> Result<String> {
        let base = self.inner.api_base.as_ref().ok_or_else(|| Error::Config {
            reason: "this call needs api_base_url".into(),
        })?;
        Ok(join(base, path))
    }

    /// Sends a request built by `make` (called once per attempt, so signed requests are
    /// re-signed with a fresh timestamp), following the retry rule for `idem`.
    pub(crate) async fn send<F>(
        &self,
        operation: &str,
        idem: Idempotency,
        make: F,
    ) -> Result<RawResponse>
    where
        F: Fn() -> Result<reqwest::RequestBuilder>,
    {
        let policy = self.inner.retry;
        let attempts = if idem == Idempotency::Safe {
            policy.max_attempts.max(1)
        } else {
            1
        };
        let started = Instant::now();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let req = make()?;
            let span = tracing::info_span!("ecpay.call", operation, attempt);
            let _guard = span.enter();
            let t0 = Instant::now();
            let outcome = self.execute(req).await;
            match &outcome {
                Ok(r) => tracing::info!(
                    status = r.status,
                    latency_ms = t0.elapsed().as_millis() as u64,
                    "response"
                ),
                Err(e) => {
                    tracing::warn!(error = %e, latency_ms = t0.elapsed().as_millis() as u64, "failed")
                }
            }
            drop(_guard);
            let retryable = match &outcome {
                Ok(r) => r.status >= 500 || r.status == 429,
                Err(Error::Transport { .. }) => true,
                Err(_) => false,
            };
            if retryable && attempt < attempts && started.elapsed() < policy.max_elapsed {
                tokio::time::sleep(policy.backoff(attempt)).await;
                continue;
            }
            return match outcome {
                Err(Error::Transport { source }) if idem == Idempotency::MovesMoney => {
                    // A request that failed before connecting never reached ECPay.
                    if source.is_connect() || source.is_builder() {
                        Err(Error::Transport { source })
                    } else {
                        Err(Error::OutcomeUnknown {
                            operation: operation.to_owned(),
                            source,
                        })
                    }
                }
                other => other,
            };
        }
    }

    async fn execute(&self, req: reqwest::RequestBuilder) -> Result<RawResponse> {
        let mut resp = req
            .send()
            .await
            .map_err(|source| Error::Transport { source })?;
        let status = resp.status().as_u16();
        let limit = self.inner.max_body;
        if resp.content_length().is_some_and(|n| n as usize > limit) {
            return Err(Error::BodyTooLarge { limit });
        }
        let mut buf: Vec<u8> = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|source| Error::Transport { source })?
        {
            if buf.len() + chunk.len() > limit {
                return Err(Error::BodyTooLarge { limit });
            }
            buf.extend_from_slice(&chunk);
        }
        let body = String::from_utf8(buf).map_err(|e| {
            let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
            Error::decode(status, "body is not UTF-8", &lossy)
        })?;
        Ok(RawResponse { status, body })
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }
}

fn join(base: &Url, path: &str) -> String {
    format!("{}{}", base.as_str().trim_end_matches('/'), path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked() {
        assert!(parse_base_url("u", "https://payment.ecpay.com.tw").is_ok());
        assert!(parse_base_url("u", "http://127.0.0.1:8080").is_ok());
        assert!(parse_base_url("u", "http://localhost:1").is_ok());
        assert!(parse_base_url("u", "http://payment.ecpay.com.tw").is_err());
        assert!(parse_base_url("u", "https://user:pw@payment.ecpay.com.tw").is_err());
        assert!(parse_base_url("u", "https://x.example?q=1").is_err());
        assert!(parse_base_url("u", "ftp://x.example").is_err());
    }

    #[test]
    fn no_silent_production_default() {
        let e = Client::builder().build().unwrap_err();
        assert!(matches!(e, Error::Config { .. }));
    }

    #[test]
    fn debug_hides_secrets() {
        let c = Client::builder()
            .environment(Environment::Stage)
            .credentials(Credentials::stage())
            .build()
            .unwrap();
        let shown = format!("{c:?} {:?}", Credentials::stage());
        assert!(!shown.contains(STAGE_HASH_KEY));
        assert!(!shown.contains(STAGE_HASH_IV));
        assert!(shown.contains("3002607"));
    }

    #[test]
    fn bad_merchant_id_refused() {
        let e = Client::builder()
            .environment(Environment::Stage)
            .credentials(Credentials::new("30026071234567", "k", "v"))
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::Validation { ref field, .. } if field == "MerchantID"));
    }

    #[test]
    fn backoff_is_bounded() {
        let p = RetryPolicy::default();
        for a in 1..10 {
            assert!(p.backoff(a) <= p.max_backoff);
        }
    }
}
