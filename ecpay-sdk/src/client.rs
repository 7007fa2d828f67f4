//! Configuration (the builder) and the one send path every operation goes through.
//!
//! The I/O of an attempt (per-attempt timeout, body cap, `Retry-After`) and the retry loop are
//! [`sign_core::transport`], shared by the four SDK crates; the retry rule is
//! [`RetryPolicy::decide`]. What is ECPay's own: the `CheckMacValue` form, the answers kept as
//! text (a Big5 file keeps its bytes too), and which failure of which call is reported how.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use reqwest::header::{HeaderValue, CONTENT_TYPE};
use sign_core::ecpay::{self, HashAlgorithm};
pub(crate) use sign_core::policy::Idempotency;
pub use sign_core::policy::RetryPolicy;
use sign_core::policy::{BaseUrl, Verdict};
use sign_core::transport::{in_span, Exchange, Transport, TransportConfig};
pub use sign_core::transport::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMEOUT};
use sign_core::Secret;

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

const USER_AGENT: &str = concat!("ecpay-sdk-rust/", env!("CARGO_PKG_VERSION"));
const FORM: HeaderValue = HeaderValue::from_static("application/x-www-form-urlencoded");

/// Which ECPay AIO environment to talk to.
///
/// ```
/// assert_eq!(ecpay_sdk::Environment::Stage.aio_base_url(), "https://payment-stage.ecpay.com.tw");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// `https://payment-stage.ecpay.com.tw`
    Stage,
    /// `https://payment.ecpay.com.tw`
    Production,
}

impl Environment {
    /// The AIO host of this environment.
    ///
    /// ```
    /// assert_eq!(ecpay_sdk::Environment::Production.aio_base_url(), ecpay_sdk::PRODUCTION_AIO_URL);
    /// ```
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
///
/// ```
/// let c = ecpay_sdk::Credentials::new("3002607", "pwFHCqoQZGmho4w6", "EkRm7iFT261dpevs");
/// assert_eq!(c.merchant_id(), "3002607");
/// assert!(!format!("{c:?}").contains("pwFHCqoQZGmho4w6"));
/// ```
// Derived: `Secret`'s own Debug prints `Secret(***)`, so no key or IV reaches a log.
#[derive(Clone, Debug)]
pub struct Credentials {
    merchant_id: String,
    hash_key: Secret,
    hash_iv: Secret,
}

impl Credentials {
    /// Credentials from their parts (checked by [`ClientBuilder::build`] and
    /// [`crate::webhook::Verifier::new`]: none may be empty).
    ///
    /// ```
    /// # let (hash_key, hash_iv) = (String::from("key"), String::from("iv"));
    /// let c = ecpay_sdk::Credentials::new("2000132", hash_key, hash_iv);
    /// assert_eq!(c.merchant_id(), "2000132");
    /// ```
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

    /// ECPay's public stage merchant `3002607` (refused on production).
    ///
    /// ```
    /// assert!(ecpay_sdk::Credentials::stage().is_public_stage_merchant());
    /// ```
    pub fn stage() -> Self {
        Self::new(STAGE_MERCHANT_ID, STAGE_HASH_KEY, STAGE_HASH_IV)
    }

    /// The MerchantID.
    ///
    /// ```
    /// assert_eq!(ecpay_sdk::Credentials::stage().merchant_id(), "3002607");
    /// ```
    pub fn merchant_id(&self) -> &str {
        &self.merchant_id
    }

    /// The HashKey.
    ///
    /// ```
    /// assert_eq!(ecpay_sdk::Credentials::stage().hash_key().expose(), ecpay_sdk::STAGE_HASH_KEY);
    /// ```
    pub fn hash_key(&self) -> &Secret {
        &self.hash_key
    }

    /// The HashIV.
    ///
    /// ```
    /// assert_eq!(ecpay_sdk::Credentials::stage().hash_iv().expose(), ecpay_sdk::STAGE_HASH_IV);
    /// ```
    pub fn hash_iv(&self) -> &Secret {
        &self.hash_iv
    }

    /// Whether these are (or use any part of) ECPay's public stage merchant.
    ///
    /// ```
    /// let own = ecpay_sdk::Credentials::new("2000132", "5294y06JbISpM5x9", "v77hoKGq4kWxNNIS");
    /// assert!(!own.is_public_stage_merchant());
    /// ```
    pub fn is_public_stage_merchant(&self) -> bool {
        self.merchant_id == STAGE_MERCHANT_ID
            || self.hash_key.expose() == STAGE_HASH_KEY
            || self.hash_iv.expose() == STAGE_HASH_IV
    }

    /// Refuses an empty or malformed part with `Error::Config` naming it.
    pub(crate) fn check(&self) -> Result<()> {
        if self.merchant_id.is_empty() {
            return Err(Error::config("MerchantID", "must not be empty"));
        }
        let id = &self.merchant_id;
        if id.len() > 10 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Error::config(
                "MerchantID",
                "must be 1 to 10 letters or digits",
            ));
        }
        if self.hash_key.is_empty() {
            return Err(Error::config("HashKey", "must not be empty"));
        }
        if self.hash_iv.is_empty() {
            return Err(Error::config("HashIV", "must not be empty"));
        }
        Ok(())
    }

    /// `CheckMacValue` (SHA-256) of `pairs` under these keys.
    pub(crate) fn mac<K: AsRef<str>, V: AsRef<str>>(&self, pairs: &[(K, V)]) -> String {
        ecpay::check_mac_value(
            pairs.iter().map(|(k, v)| (k.as_ref(), v.as_ref())),
            &self.hash_key,
            &self.hash_iv,
            HashAlgorithm::Sha256,
        )
    }
}

pub(crate) struct Inner {
    pub(crate) transport: Transport,
    pub(crate) aio_base: BaseUrl,
    pub(crate) api_base: Option<BaseUrl>,
    pub(crate) credentials: Option<Credentials>,
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
            .field("base_url", &self.inner.aio_base.to_string())
            .field(
                "api_base_url",
                &self.inner.api_base.as_ref().map(BaseUrl::to_string),
            )
            .field("credentials", &self.inner.credentials)
            .field("retry", self.inner.transport.retry_policy())
            .finish()
    }
}

/// Builds a [`Client`]. Nothing defaults to production: without an environment or a base URL,
/// [`ClientBuilder::build`] fails.
///
/// ```
/// use std::time::Duration;
/// use ecpay_sdk::{Client, Credentials, Environment, RetryPolicy};
/// let client = Client::builder()
///     .environment(Environment::Stage)
///     .credentials(Credentials::stage())
///     .timeout(Duration::from_secs(5))
///     .retry_policy(RetryPolicy::default().with_max_attempts(2))
///     .build()?;
/// assert_eq!(client.base_url(), "https://payment-stage.ecpay.com.tw");
/// # Ok::<(), ecpay_sdk::Error>(())
/// ```
// Derived: the credentials and the transport settings print their own redacted Debug.
#[derive(Default, Debug)]
pub struct ClientBuilder {
    environment: Option<Environment>,
    base_url: Option<String>,
    api_base_url: Option<String>,
    credentials: Option<Credentials>,
    transport: TransportConfig,
}

impl ClientBuilder {
    /// Stage or production AIO host.
    ///
    /// ```
    /// let builder = ecpay_sdk::Client::builder().environment(ecpay_sdk::Environment::Stage);
    /// ```
    pub fn environment(mut self, env: Environment) -> Self {
        self.environment = Some(env);
        self
    }

    /// Overrides the AIO host (e.g. a simulator); wins over [`ClientBuilder::environment`].
    /// https only (http only to a loopback host), no user info, query or fragment.
    ///
    /// ```
    /// let builder = ecpay_sdk::Client::builder().base_url("http://127.0.0.1:8080");
    /// ```
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Base URL of the merchant's own APIs (integration demo and merchant checkout).
    ///
    /// ```
    /// let builder = ecpay_sdk::Client::builder().api_base_url("https://merchant.example.com");
    /// ```
    pub fn api_base_url(mut self, url: impl Into<String>) -> Self {
        self.api_base_url = Some(url.into());
        self
    }

    /// AIO credentials (needed for AIO calls and to verify merchant checkout answers).
    ///
    /// ```
    /// let builder = ecpay_sdk::Client::builder().credentials(ecpay_sdk::Credentials::stage());
    /// ```
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    sign_core::transport_setters!(transport, "ecpay_sdk::Client::builder()", "");

    /// Checks the configuration and builds the client.
    ///
    /// Refuses: no environment and no base URL; a base URL breaking the rules; an empty
    /// MerchantID, HashKey or HashIV; ECPay's public stage merchant on production.
    ///
    /// ```
    /// let e = ecpay_sdk::Client::builder().build().unwrap_err();
    /// assert!(matches!(e, ecpay_sdk::Error::Config { field: "environment", .. }));
    /// ```
    pub fn build(self) -> Result<Client> {
        let aio_raw = match (&self.base_url, self.environment) {
            (Some(u), _) => u.clone(),
            (None, Some(env)) => env.aio_base_url().to_owned(),
            (None, None) => {
                return Err(Error::config(
                    "environment",
                    "is not set: choose Environment::Stage or Production, or a base_url (no silent production default)",
                ))
            }
        };
        let aio_base =
            BaseUrl::parse(&aio_raw).map_err(|e| Error::config("base_url", e.to_string()))?;
        let api_base = self
            .api_base_url
            .as_deref()
            .map(|u| BaseUrl::parse(u).map_err(|e| Error::config("api_base_url", e.to_string())))
            .transpose()?;
        if let Some(c) = &self.credentials {
            c.check()?;
            let production = self.environment == Some(Environment::Production)
                || aio_base.origin() == PRODUCTION_AIO_URL;
            if production && c.is_public_stage_merchant() {
                return Err(Error::config(
                    "credentials",
                    "are ECPay's public stage merchant (3002607), which production refuses: set the merchant's own MerchantID, HashKey and HashIV",
                ));
            }
        }
        let transport = self
            .transport
            .build(USER_AGENT)
            .map_err(|e| Error::config("http_client", format!("could not be built: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                transport,
                aio_base,
                api_base,
                credentials: self.credentials,
            }),
        })
    }
}

/// An answer read in full (up to the cap): not 429, not 5xx.
#[derive(Debug)]
pub(crate) struct RawResponse {
    pub(crate) status: u16,
    pub(crate) body: String,
    /// The bytes as received, kept only when they are not UTF-8 (a Big5 reconciliation file).
    pub(crate) raw: Option<Vec<u8>>,
}

/// What one call is, for the send path: its name (in spans and errors), the merchant reference
/// an unknown outcome names, and whether repeating it can do harm.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Call<'a> {
    pub(crate) operation: &'static str,
    pub(crate) reference: &'a str,
    pub(crate) idempotency: Idempotency,
    /// Sent once whatever the policy says (a harmless call the server does not deduplicate).
    pub(crate) single: bool,
}

impl<'a> Call<'a> {
    /// A query or read: retried by the policy.
    pub(crate) fn query(operation: &'static str, reference: &'a str) -> Self {
        Call {
            operation,
            reference,
            idempotency: Idempotency::Idempotent,
            single: false,
        }
    }

    /// A call that moves no money but that the server may not deduplicate (the merchant
    /// APIs' creates): sent once, and its answer, 5xx included, decoded as it is.
    pub(crate) fn single(operation: &'static str, reference: &'a str) -> Self {
        Call {
            single: true,
            ..Call::query(operation, reference)
        }
    }

    /// A call that moves money or changes state: sent again only when the first attempt
    /// certainly never left.
    pub(crate) fn once(operation: &'static str, reference: &'a str) -> Self {
        Call {
            operation,
            reference,
            idempotency: Idempotency::NonIdempotent,
            single: false,
        }
    }

    fn unknown(&self, reason: String) -> Error {
        Error::OutcomeUnknown {
            operation: self.operation,
            reference: self.reference.to_owned(),
            reason,
        }
    }
}

impl Client {
    /// Starts a builder.
    ///
    /// ```
    /// let builder = ecpay_sdk::Client::builder();
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The AIO base URL in use.
    ///
    /// ```
    /// let c = ecpay_sdk::Client::builder().environment(ecpay_sdk::Environment::Stage).build()?;
    /// assert_eq!(c.base_url(), ecpay_sdk::STAGE_AIO_URL);
    /// # Ok::<(), ecpay_sdk::Error>(())
    /// ```
    pub fn base_url(&self) -> String {
        self.inner.aio_base.to_string()
    }

    /// The merchant API base URL, when configured.
    ///
    /// ```
    /// let c = ecpay_sdk::Client::builder().environment(ecpay_sdk::Environment::Stage).build()?;
    /// assert_eq!(c.api_base_url(), None);
    /// # Ok::<(), ecpay_sdk::Error>(())
    /// ```
    pub fn api_base_url(&self) -> Option<String> {
        self.inner.api_base.as_ref().map(BaseUrl::to_string)
    }

    /// The configured credentials, if any.
    ///
    /// ```
    /// let c = ecpay_sdk::Client::builder()
    ///     .environment(ecpay_sdk::Environment::Stage)
    ///     .credentials(ecpay_sdk::Credentials::stage())
    ///     .build()?;
    /// assert_eq!(c.credentials().map(|c| c.merchant_id()), Some("3002607"));
    /// # Ok::<(), ecpay_sdk::Error>(())
    /// ```
    pub fn credentials(&self) -> Option<&Credentials> {
        self.inner.credentials.as_ref()
    }

    pub(crate) fn require_credentials(&self) -> Result<&Credentials> {
        self.inner.credentials.as_ref().ok_or_else(|| {
            Error::config(
                "credentials",
                "are not set: AIO calls need the MerchantID, HashKey and HashIV",
            )
        })
    }

    pub(crate) fn aio_url(&self, path: &str) -> String {
        self.inner.aio_base.join(path)
    }

    pub(crate) fn api_url(&self, path: &str) -> Result<String> {
        let base = self
            .inner
            .api_base
            .as_ref()
            .ok_or_else(|| Error::config("api_base_url", "is not set: this call needs it"))?;
        Ok(base.join(path))
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        self.inner.transport.http()
    }

    /// POSTs an AIO form to `path` on the AIO host: `fields` is called for every attempt (so a
    /// `TimeStamp` in it is fresh) and signed with `CheckMacValue` each time, straight from
    /// the pairs as given (borrowed names and values need no copy).
    pub(crate) async fn send_signed_form<F, K, V>(
        &self,
        call: Call<'_>,
        path: &str,
        fields: F,
    ) -> Result<RawResponse>
    where
        F: Fn(&Credentials) -> Vec<(K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let creds = self.require_credentials()?;
        let url = self.inner.aio_base.url(path);
        let http = self.http();
        self.send(call, || {
            let form = fields(creds);
            let mac = creds.mac(&form);
            let mut req = reqwest::Request::new(reqwest::Method::POST, url.clone());
            req.headers_mut().insert(CONTENT_TYPE, FORM);
            *req.body_mut() = Some(Bytes::from(encode_form(&form, &mac)).into());
            Ok(reqwest::RequestBuilder::from_parts(http.clone(), req))
        })
        .await
    }

    /// The one send path: builds the request with `make` for every attempt and sends it
    /// through [`Transport::send`] (per-attempt timeout, body cap, [`RetryPolicy::decide`]).
    /// Returns the final answer (a 5xx only once the policy gave up on a call that is safe to
    /// repeat, for the operation to decode the gateway's error); a 429 beyond the budget is
    /// [`Error::RateLimited`]; a 5xx or a lost answer of a money-moving call is
    /// [`Error::OutcomeUnknown`].
    pub(crate) async fn send<F>(&self, call: Call<'_>, make: F) -> Result<RawResponse>
    where
        F: Fn() -> Result<reqwest::RequestBuilder>,
    {
        let span = tracing::info_span!(
            "ecpay.call",
            operation = call.operation,
            attempts = tracing::field::Empty,
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        in_span(span, self.send_in_span(call, make)).await
    }

    async fn send_in_span<F>(&self, call: Call<'_>, make: F) -> Result<RawResponse>
    where
        F: Fn() -> Result<reqwest::RequestBuilder>,
    {
        let t = &self.inner.transport;
        let disabled;
        let policy = if call.single {
            disabled = RetryPolicy::disabled();
            &disabled
        } else {
            t.retry_policy()
        };
        let (verdict, last) = t
            .send(call.idempotency, policy, |_| make(), Exchange::attempt)
            .await?;
        match verdict {
            Verdict::Throttled { retry_after } => Err(Error::RateLimited {
                retry_after,
                status: 429,
            }),
            Verdict::OutcomeUnknown => Err(call.unknown(describe(&last))),
            // Done or GiveUp (the loop never returns RetryAfter; a 429 always ends as
            // `Throttled`, above).
            _ => match last {
                Exchange::Answered { status, body, .. } => Ok(text(status, body)),
                Exchange::NotSent(source) | Exchange::Lost(source) => {
                    Err(Error::Transport { source })
                }
                Exchange::TimedOut => Err(Error::Timeout {
                    operation: call.operation,
                    after: t.timeout(),
                }),
                // A money-moving call whose answer cannot be read may have happened.
                Exchange::TooLarge { .. } if call.idempotency == Idempotency::NonIdempotent => {
                    Err(call.unknown(sign_core::sdk_error::over_cap_reason(
                        call.operation,
                        t.max_body_bytes(),
                    )))
                }
                Exchange::TooLarge { .. } => {
                    Err(Error::over_cap(call.operation, t.max_body_bytes()))
                }
            },
        }
    }
}

/// The form body and its `CheckMacValue` last, as `application/x-www-form-urlencoded` (what
/// `RequestBuilder::form` writes), into one `String` of exactly its length: `Bytes` takes a
/// buffer whose length is its capacity as it is, where any other needs one more allocation.
fn encode_form<K: AsRef<str>, V: AsRef<str>>(form: &[(K, V)], mac: &str) -> String {
    let pairs = || {
        form.iter()
            .map(|(k, v)| (k.as_ref(), v.as_ref()))
            .chain([(ecpay::CHECK_MAC_VALUE, mac)])
    };
    let encoded_len = |s: &str| -> usize {
        s.bytes()
            .map(|b| usize::from(FORM_WIDTH[usize::from(b)]))
            .sum()
    };
    // Each pair is `name=value`, with a `&` between pairs.
    let size: usize = pairs()
        .map(|(k, v)| encoded_len(k) + encoded_len(v) + 2)
        .sum();
    let mut out = Vec::with_capacity(size.saturating_sub(1));
    for (i, (k, v)) in pairs().enumerate() {
        if i > 0 {
            out.push(b'&');
        }
        push_form_encoded(&mut out, k);
        out.push(b'=');
        push_form_encoded(&mut out, v);
    }
    // Every byte written is ASCII, so this never falls back.
    String::from_utf8(out).unwrap_or_default()
}

/// How many bytes the form serializer writes for each byte: 1 for the bytes WHATWG's
/// `application/x-www-form-urlencoded` keeps (as `form_urlencoded::byte_serialize`) and for a
/// space (`+`), 3 for the rest (`%XX`).
const FORM_WIDTH: [u8; 256] = {
    let mut t = [3u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() || matches!(c, b'*' | b'-' | b'.' | b'_' | b' ') {
            t[b] = 1;
        }
        b += 1;
    }
    t
};

/// `s` form-encoded onto `out`: kept bytes as they are, a space as `+`, any other byte `%XX`
/// (upper-case hex). Runs of kept bytes (most of a request) are copied whole: `form_urlencoded`'s
/// iterator of slices costs several times more on a request's short values.
fn push_form_encoded(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut rest = s.as_bytes();
    loop {
        let run = rest
            .iter()
            .position(|&b| FORM_WIDTH[usize::from(b)] != 1 || b == b' ')
            .unwrap_or(rest.len());
        let (kept, tail) = rest.split_at(run);
        out.extend_from_slice(kept);
        let Some((&b, tail)) = tail.split_first() else {
            return;
        };
        if b == b' ' {
            out.push(b'+');
        } else {
            out.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
        }
        rest = tail;
    }
}

/// An answer as text; the bytes are kept beside it only when they are not UTF-8 (a Big5 file),
/// and the text is then lossy (decoding fails on the fields, as a decode error).
fn text(status: u16, body: Bytes) -> RawResponse {
    match String::from_utf8(Vec::from(body)) {
        Ok(body) => RawResponse {
            status,
            body,
            raw: None,
        },
        Err(e) => {
            let bytes = e.into_bytes();
            RawResponse {
                status,
                body: String::from_utf8_lossy(&bytes).into_owned(),
                raw: Some(bytes),
            }
        }
    }
}

/// Why a money-moving call's outcome is unknown, from its last attempt.
fn describe(last: &Exchange) -> String {
    match last {
        Exchange::Answered { status, .. } => format!("answered HTTP {status}"),
        Exchange::NotSent(e) | Exchange::Lost(e) => format!("no answer: {e}"),
        Exchange::TimedOut => "no answer within the timeout".into(),
        Exchange::TooLarge { .. } => "the answer exceeds the body cap".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked() {
        let cases = [
            ("https://payment.ecpay.com.tw", true),
            ("http://127.0.0.1:8080", true),
            ("http://localhost:1", true),
            ("http://payment.ecpay.com.tw", false),
            ("https://user:pw@payment.ecpay.com.tw", false),
            ("https://x.example?q=1", false),
            ("ftp://x.example", false),
        ];
        for (url, ok) in cases {
            let r = Client::builder().base_url(url).build();
            assert_eq!(r.is_ok(), ok, "case {url}: {r:?}");
            if let Err(e) = r {
                assert!(
                    matches!(
                        e,
                        Error::Config {
                            field: "base_url",
                            ..
                        }
                    ),
                    "case {url}: {e}"
                );
            }
        }
    }

    #[test]
    fn no_silent_production_default() {
        let e = Client::builder().build().unwrap_err();
        assert!(
            matches!(
                e,
                Error::Config {
                    field: "environment",
                    ..
                }
            ),
            "{e}"
        );
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

    /// Finding (issue 10): empty HashKey/HashIV/MerchantID are refused by the builder, naming
    /// the field; an over-long MerchantID too.
    #[test]
    fn bad_credentials_refused_naming_the_field() {
        let cases = [
            (
                "empty MerchantID",
                Credentials::new("", "k", "v"),
                "MerchantID",
            ),
            (
                "long MerchantID",
                Credentials::new("30026071234567", "k", "v"),
                "MerchantID",
            ),
            (
                "empty HashKey",
                Credentials::new("2000132", "", "v"),
                "HashKey",
            ),
            (
                "empty HashIV",
                Credentials::new("2000132", "k", ""),
                "HashIV",
            ),
        ];
        for (name, creds, field) in cases {
            let e = Client::builder()
                .environment(Environment::Stage)
                .credentials(creds)
                .build()
                .unwrap_err();
            assert!(
                matches!(e, Error::Config { field: f, .. } if f == field),
                "case {name}: {e}"
            );
        }
    }

    /// Finding (issue 13): a production client built with the public stage merchant is a
    /// configuration error at `build`, not a surprise at the first call.
    #[test]
    fn production_refuses_the_public_stage_merchant() {
        let cases = [
            (
                "environment",
                Client::builder().environment(Environment::Production),
            ),
            ("base url", Client::builder().base_url(PRODUCTION_AIO_URL)),
        ];
        for (name, b) in cases {
            let e = b.credentials(Credentials::stage()).build().unwrap_err();
            assert!(
                matches!(
                    e,
                    Error::Config {
                        field: "credentials",
                        ..
                    }
                ),
                "case {name}: {e}"
            );
            assert!(!e.to_string().contains(STAGE_HASH_KEY), "case {name}: {e}");
        }
        let own = Credentials::new("2000132", "5294y06JbISpM5x9", "v77hoKGq4kWxNNIS");
        assert!(Client::builder()
            .environment(Environment::Production)
            .credentials(own)
            .build()
            .is_ok());
    }

    /// The body written by hand is the one `RequestBuilder::form` wrote before (serde_urlencoded
    /// over the fields with `CheckMacValue` pushed last): the gateway recomputes the MAC over
    /// exactly these decoded pairs.
    #[test]
    fn form_body_is_what_reqwest_form_wrote() {
        let ascii: String = (0u8..128).map(char::from).collect();
        let ascii = ascii.as_str();
        let cases: [(&str, &[(&str, &str)]); 4] = [
            ("empty", &[]),
            (
                "query",
                &[
                    ("MerchantID", "3002607"),
                    ("MerchantTradeNo", "M1"),
                    ("TimeStamp", "1782347899"),
                ],
            ),
            (
                "escapes",
                &[
                    ("ItemName", "咖啡 x2#熱"),
                    ("ReturnURL", "https://shop.example/r?a=1&b=2"),
                    ("Remark", "100% *ok*~"),
                ],
            ),
            (
                "every ASCII byte",
                &[("All", ascii), ("Empty", ""), ("é n", "ü€𝄞")],
            ),
        ];
        for (name, pairs) in cases {
            let form: Vec<(String, String)> = pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            let mac = "0123456789ABCDEF";
            let mut old = form.clone();
            old.push((ecpay::CHECK_MAC_VALUE.into(), mac.into()));
            let want = serde_urlencoded::to_string(&old).unwrap();
            let body = encode_form(&form, mac);
            assert_eq!(body, want, "{name}");
            assert_eq!(body.capacity(), body.len(), "{name}: sized exactly");
        }
    }
}
