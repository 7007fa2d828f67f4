//! The request policy every SDK client follows, written once: when to retry, how long to wait,
//! how to read `Retry-After`, which base URLs are acceptable, and how an error is classified.
//!
//! Pure data and functions: no HTTP client and no clock of its own (callers pass "now" where a
//! decision depends on it). Each SDK crate's single send path asks [`RetryPolicy::decide`] after
//! every attempt and re-signs the next attempt itself, so a retried request always carries a
//! fresh timestamp and nonce.
//!
//! The retry loop is this crate's rather than `backon`'s or `backoff`'s: the decision needs
//! three inputs those crates do not model (whether the call is idempotent, whether the request
//! may have been sent, and the server's `Retry-After` measured against a total budget), and
//! `backoff` is unmaintained. What the loop must never do is fixed here, in one place:
//!
//! - a call whose outcome is unknown (it may have been sent, and no answer came, or the answer
//!   was a 5xx) is retried only when it is idempotent (a query); otherwise the verdict is
//!   [`Verdict::OutcomeUnknown`], and the SDK settles it by a lookup or reports it;
//! - a throttled attempt waits at least what the server asked for, and gives up with
//!   [`Verdict::Throttled`] when that wait would overrun the total budget.
//!
//! ```
//! use std::time::Duration;
//! use sign_core::policy::{Attempt, Idempotency, RetryPolicy, Verdict};
//!
//! let policy = RetryPolicy::default().without_jitter();
//! // A create that timed out after the request was written: never retried.
//! let v = policy.decide(Idempotency::NonIdempotent, 1, Duration::ZERO, &Attempt::MaybeSent);
//! assert_eq!(v, Verdict::OutcomeUnknown);
//! // The same fault on a query: retried after the first backoff.
//! let v = policy.decide(Idempotency::Idempotent, 1, Duration::ZERO, &Attempt::MaybeSent);
//! assert_eq!(v, Verdict::RetryAfter(Duration::from_millis(200)));
//! ```

use std::fmt;
use std::time::{Duration, SystemTime};

use rand::Rng as _;

/// When and how often a call is retried.
///
/// Backoff before attempt `n + 1` is drawn uniformly from `0..=min(max_backoff,
/// initial_backoff × 2^(n-1))` ("full jitter"); no attempt starts once `max_elapsed` has passed
/// since the first one, and no wait is started that would end after it.
///
/// ```
/// use std::time::Duration;
/// use sign_core::policy::RetryPolicy;
///
/// let p = RetryPolicy::default().with_max_attempts(5).with_max_elapsed(Duration::from_secs(30));
/// assert_eq!(p.max_attempts, 5);
/// assert_eq!(RetryPolicy::disabled().max_attempts, 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in total, including the first (at least 1).
    pub max_attempts: u32,
    /// Backoff cap before the second attempt; doubles for each later one.
    pub initial_backoff: Duration,
    /// Upper bound of one backoff (a server's `Retry-After` may ask for longer and is honoured).
    pub max_backoff: Duration,
    /// Total time budget: no attempt starts, and no wait is begun that would end, after this much
    /// time since the first attempt.
    pub max_elapsed: Duration,
    /// Full jitter on (the default); off, every backoff is its cap, which tests use to pin timings.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    /// 3 attempts, 200 ms doubling up to 2 s, 15 s in total, jittered.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(2),
            max_elapsed: Duration::from_secs(15),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries.
    ///
    /// ```
    /// use std::time::Duration;
    /// use sign_core::policy::{Attempt, Idempotency, RetryPolicy, Verdict};
    /// let v = RetryPolicy::disabled().decide(Idempotency::Idempotent, 1, Duration::ZERO, &Attempt::NotSent);
    /// assert_eq!(v, Verdict::GiveUp);
    /// ```
    pub fn disabled() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Sets the number of attempts (values below 1 count as 1).
    ///
    /// ```
    /// assert_eq!(sign_core::policy::RetryPolicy::default().with_max_attempts(0).max_attempts, 1);
    /// ```
    pub fn with_max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Sets the first backoff cap and the largest one (raised to `initial` if below it).
    ///
    /// ```
    /// use std::time::Duration;
    /// let p = sign_core::policy::RetryPolicy::default()
    ///     .with_backoff(Duration::from_millis(10), Duration::from_millis(40));
    /// assert_eq!(p.max_backoff, Duration::from_millis(40));
    /// ```
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// Sets the total time budget.
    ///
    /// ```
    /// use std::time::Duration;
    /// let p = sign_core::policy::RetryPolicy::default().with_max_elapsed(Duration::from_secs(3));
    /// assert_eq!(p.max_elapsed, Duration::from_secs(3));
    /// ```
    pub fn with_max_elapsed(mut self, d: Duration) -> Self {
        self.max_elapsed = d;
        self
    }

    /// Turns jitter off: every backoff equals its cap (for tests that pin timings).
    ///
    /// ```
    /// use std::time::Duration;
    /// let p = sign_core::policy::RetryPolicy::default().without_jitter();
    /// assert_eq!(p.backoff(2), Duration::from_millis(400));
    /// ```
    pub fn without_jitter(mut self) -> Self {
        self.jitter = false;
        self
    }

    /// The cap of the backoff before attempt `attempt + 1` (`attempt` ≥ 1 is the attempt that
    /// just failed): `initial_backoff × 2^(attempt-1)`, at most `max_backoff`.
    ///
    /// ```
    /// use std::time::Duration;
    /// let p = sign_core::policy::RetryPolicy::default();
    /// assert_eq!(p.backoff_cap(1), Duration::from_millis(200));
    /// assert_eq!(p.backoff_cap(30), Duration::from_secs(2));
    /// ```
    pub fn backoff_cap(&self, attempt: u32) -> Duration {
        let exp = 1u32 << attempt.saturating_sub(1).min(20);
        self.initial_backoff
            .saturating_mul(exp)
            .min(self.max_backoff)
    }

    /// The backoff before attempt `attempt + 1`: uniform in `0..=backoff_cap(attempt)` with
    /// jitter on, the cap itself with it off.
    ///
    /// ```
    /// let p = sign_core::policy::RetryPolicy::default();
    /// assert!(p.backoff(1) <= p.backoff_cap(1));
    /// ```
    pub fn backoff(&self, attempt: u32) -> Duration {
        let cap = self.backoff_cap(attempt);
        if !self.jitter || cap.is_zero() {
            return cap;
        }
        let nanos = u64::try_from(cap.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rand::thread_rng().gen_range(0..=nanos))
    }

    /// What to do after attempt number `attempt` (1 for the first) of a call of kind `kind`,
    /// `elapsed` after the first attempt started, ended as `outcome`.
    ///
    /// The table (`Q`: idempotent, `W`: not idempotent):
    ///
    /// | outcome | Q | W |
    /// |---|---|---|
    /// | [`Attempt::Answered`] | done | done |
    /// | [`Attempt::NotSent`] | retry | retry |
    /// | [`Attempt::Throttled`] | retry after max(`Retry-After`, backoff) | same |
    /// | [`Attempt::MaybeSent`], [`Attempt::ServerError`] | retry | outcome unknown |
    ///
    /// A retry that the attempt count or the budget does not allow is [`Verdict::GiveUp`]
    /// ([`Verdict::Throttled`] for a throttled attempt).
    ///
    /// ```
    /// use std::time::Duration;
    /// use sign_core::policy::{Attempt, Idempotency, RetryPolicy, Verdict};
    /// let p = RetryPolicy::default().without_jitter();
    /// let asked = Attempt::Throttled { retry_after: Some(Duration::from_secs(30)) };
    /// // 30 s does not fit the 15 s budget: give up at once, carrying the server's value.
    /// assert_eq!(
    ///     p.decide(Idempotency::Idempotent, 1, Duration::ZERO, &asked),
    ///     Verdict::Throttled { retry_after: Some(Duration::from_secs(30)) },
    /// );
    /// ```
    pub fn decide(
        &self,
        kind: Idempotency,
        attempt: u32,
        elapsed: Duration,
        outcome: &Attempt,
    ) -> Verdict {
        let wait = match (outcome, kind) {
            (Attempt::Answered, _) => return Verdict::Done,
            (Attempt::MaybeSent | Attempt::ServerError, Idempotency::NonIdempotent) => {
                return Verdict::OutcomeUnknown
            }
            (Attempt::Throttled { retry_after }, _) => {
                let give_up = Verdict::Throttled {
                    retry_after: *retry_after,
                };
                if attempt >= self.max_attempts {
                    return give_up;
                }
                let wait = self.backoff(attempt).max(retry_after.unwrap_or_default());
                if elapsed.saturating_add(wait) > self.max_elapsed {
                    return give_up;
                }
                return Verdict::RetryAfter(wait);
            }
            (Attempt::NotSent | Attempt::MaybeSent | Attempt::ServerError, _) => {
                self.backoff(attempt)
            }
        };
        if attempt >= self.max_attempts || elapsed.saturating_add(wait) > self.max_elapsed {
            Verdict::GiveUp
        } else {
            Verdict::RetryAfter(wait)
        }
    }
}

/// Whether repeating a call can do harm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// A query (or a request the server deduplicates): safe to send again whatever happened.
    Idempotent,
    /// Moves money or changes state (create, refund, payout, capture, cancel): sent again only
    /// when the first attempt certainly had no effect.
    NonIdempotent,
}

/// How one attempt ended, as far as the retry decision is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The request certainly never reached the server (connection refused, DNS failure, TLS
    /// handshake failure, a request that could not be built).
    NotSent,
    /// The request may have been processed and no complete answer came (timeout or reset after
    /// the request was written, a body cut short).
    MaybeSent,
    /// The server answered that it refused the request for rate (429, or a gateway's
    /// rate-limit code): nothing was done.
    Throttled {
        /// The server's `Retry-After`, when it sent one ([`parse_retry_after`]).
        retry_after: Option<Duration>,
    },
    /// The server answered 5xx: for a state-changing call the outcome is unknown.
    ServerError,
    /// A final answer (2xx, or a 4xx that retrying would not change).
    Answered,
}

/// The decision after one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The answer is final: decode it.
    Done,
    /// Sign the request afresh and send it again after this wait.
    RetryAfter(Duration),
    /// Stop and report the last error (attempts or budget used up).
    GiveUp,
    /// Stop: the server keeps throttling and its wait does not fit the budget.
    Throttled {
        /// The server's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },
    /// Stop: a state-changing call may have taken effect. Settle by lookup or report it.
    OutcomeUnknown,
}

/// How a caller should treat an SDK error: one classification shared by the four crates, each
/// of whose `Error::kind()` returns it.
///
/// ```
/// use sign_core::policy::ErrorKind;
/// assert!(ErrorKind::Transient.is_retryable());
/// assert!(!ErrorKind::OutcomeUnknown.is_retryable());
/// assert_eq!(ErrorKind::OutcomeUnknown.to_string(), "outcome unknown");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Nothing happened, and the same call later may succeed (connection refused, a query's
    /// timeout or 5xx, a replay store that did not answer).
    Transient,
    /// The gateway refused for rate; wait for its `Retry-After` before calling again.
    Throttled,
    /// A state-changing call may or may not have taken effect: look it up before repeating it.
    OutcomeUnknown,
    /// Retrying the same call will not help: fix the request, the configuration or the data
    /// (validation, configuration, a gateway's refusal, a conflicting record).
    Caller,
    /// A callback or a gateway answer failed verification or could not be read (forged,
    /// tampered, stale, replayed, malformed): never act on it.
    Rejected,
}

impl ErrorKind {
    /// Whether the same call may simply be made again later.
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorKind::Transient | ErrorKind::Throttled)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::Transient => "transient",
            ErrorKind::Throttled => "throttled",
            ErrorKind::OutcomeUnknown => "outcome unknown",
            ErrorKind::Caller => "caller error",
            ErrorKind::Rejected => "rejected",
        })
    }
}

/// Reads a `Retry-After` value: delay-seconds (`"30"`) or an HTTP-date
/// (`"Wed, 21 Oct 2015 07:28:00 GMT"`, RFC 9110 §10.2.3), measured from `now`. A date in the
/// past is a zero wait; anything else unreadable is `None`.
///
/// ```
/// use std::time::{Duration, SystemTime, UNIX_EPOCH};
/// use sign_core::policy::parse_retry_after;
///
/// let now = UNIX_EPOCH + Duration::from_secs(1_445_412_450); // 2015-10-21 07:27:30 UTC
/// assert_eq!(parse_retry_after("30", now), Some(Duration::from_secs(30)));
/// assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now), Some(Duration::from_secs(30)));
/// assert_eq!(parse_retry_after("soon", now), None);
/// ```
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // More digits than a u64 holds is still "a very long time".
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A gateway base URL that passed the rules every client applies when it is built: `https`
/// only (`http` only to a loopback host, for simulators), no user info, no query or fragment.
/// A path prefix is kept (a gateway behind a proxy path) without its trailing `/`.
///
/// ```
/// use sign_core::policy::BaseUrl;
///
/// let u = BaseUrl::parse("https://gw.example/ljpay/").unwrap();
/// assert_eq!(u.origin(), "https://gw.example");
/// assert_eq!(u.prefix(), "/ljpay");
/// assert_eq!(u.join("/api/v1/order/create"), "https://gw.example/ljpay/api/v1/order/create");
/// assert!(BaseUrl::parse("http://127.0.0.1:8080").is_ok());
/// assert!(BaseUrl::parse("http://pay.example").is_err());
/// assert!(BaseUrl::parse("https://user:pw@pay.example").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    origin: String,
    prefix: String,
    /// The base parsed once, so that a request URL is built without parsing its host (IDNA
    /// included) again on every call.
    parsed: url::Url,
}

impl BaseUrl {
    /// Checks `raw` against the rules and splits it into origin and prefix.
    pub fn parse(raw: &str) -> Result<BaseUrl, BaseUrlError> {
        let url = url::Url::parse(raw).map_err(|e| BaseUrlError::NotAUrl(e.to_string()))?;
        let host = url.host().ok_or(BaseUrlError::NoHost)?;
        let loopback = match host {
            url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
            url::Host::Ipv4(ip) => ip.is_loopback(),
            url::Host::Ipv6(ip) => ip.is_loopback(),
        };
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            "http" => return Err(BaseUrlError::PlainHttp),
            other => return Err(BaseUrlError::Scheme(other.to_owned())),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(BaseUrlError::UserInfo);
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(BaseUrlError::QueryOrFragment);
        }
        Ok(BaseUrl {
            origin: url.origin().ascii_serialization(),
            prefix: url.path().trim_end_matches('/').to_owned(),
            parsed: url,
        })
    }

    /// `scheme://host[:port]`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The path prefix without trailing `/` (empty when there is none).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Origin, prefix and `path` (which starts with `/`) as one URL string.
    pub fn join(&self, path: &str) -> String {
        let mut s = String::with_capacity(self.origin.len() + self.prefix.len() + path.len());
        s.push_str(&self.origin);
        s.push_str(&self.prefix);
        s.push_str(path);
        s
    }

    /// Prefix and `path_and_query` (which starts with `/`, already percent-encoded) as a parsed
    /// URL: the same URL as parsing [`BaseUrl::join`], without parsing the origin again.
    ///
    /// ```
    /// use sign_core::policy::BaseUrl;
    /// let base = BaseUrl::parse("https://gw.example/ljpay").unwrap();
    /// let url = base.url("/api/v1/order/query?order_no=A%201");
    /// assert_eq!(url.as_str(), "https://gw.example/ljpay/api/v1/order/query?order_no=A%201");
    /// assert_eq!(url, url::Url::parse(&base.join("/api/v1/order/query?order_no=A%201")).unwrap());
    /// ```
    pub fn url(&self, path_and_query: &str) -> url::Url {
        // Resolved against the parsed base, the origin is copied, not parsed (no IDNA), in two
        // allocations. Only for a target the parser reads as `set_path`/`set_query` would
        // (no fragment, no backslash, no `//` that would name a host, nothing to strip or
        // escape); any other goes the long way.
        // The prefix (a parsed path: `/`-led when not empty) comes first, so it is the one that
        // must not start with `//`: resolved, `//evil.example/api` names the host evil.example.
        let head = if self.prefix.is_empty() {
            path_and_query
        } else {
            &self.prefix
        };
        let plain = path_and_query.starts_with('/')
            && !head.starts_with("//")
            && path_and_query
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b'#' && b != b'\\');
        if plain {
            let resolved = if self.prefix.is_empty() {
                url::Url::options()
                    .base_url(Some(&self.parsed))
                    .parse(path_and_query)
            } else {
                let mut full = String::with_capacity(self.prefix.len() + path_and_query.len());
                full.push_str(&self.prefix);
                full.push_str(path_and_query);
                url::Url::options()
                    .base_url(Some(&self.parsed))
                    .parse(&full)
            };
            if let Ok(url) = resolved {
                return url;
            }
        }
        self.url_by_parts(path_and_query)
    }

    fn url_by_parts(&self, path_and_query: &str) -> url::Url {
        let (path, query) = match path_and_query.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (path_and_query, None),
        };
        let mut url = self.parsed.clone();
        if self.prefix.is_empty() {
            url.set_path(path);
        } else {
            let mut full = String::with_capacity(self.prefix.len() + path.len());
            full.push_str(&self.prefix);
            full.push_str(path);
            url.set_path(&full);
        }
        url.set_query(query);
        url
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.origin, self.prefix)
    }
}

/// Why a base URL was refused. The text completes "base_url …".
///
/// ```
/// let e = sign_core::policy::BaseUrl::parse("ftp://x.example").unwrap_err();
/// assert_eq!(e.to_string(), "scheme `ftp` is not https");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BaseUrlError {
    /// Not a URL at all.
    #[error("is not a URL: {0}")]
    NotAUrl(String),
    /// No host.
    #[error("has no host")]
    NoHost,
    /// `http` to a host that is not loopback.
    #[error("must use https (http is allowed only for a loopback host)")]
    PlainHttp,
    /// Another scheme.
    #[error("scheme `{0}` is not https")]
    Scheme(String),
    /// `user:password@` in the URL.
    #[error("must not carry user info")]
    UserInfo,
    /// `?query` or `#fragment` in the URL.
    #[error("must not carry a query or fragment")]
    QueryOrFragment,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> RetryPolicy {
        RetryPolicy::default().without_jitter()
    }

    const MS: fn(u64) -> Duration = Duration::from_millis;

    /// `url` (resolved against the parsed base) gives the very URL the old way gave
    /// (`set_path` and `set_query` on a clone) and parsing `join` gives, for plain targets and
    /// for every kind the fast path leaves to the old way.
    #[test]
    fn url_is_the_joined_url_for_every_target() {
        let bases = [
            "http://127.0.0.1:4000",
            "https://gw.example/ljpay/",
            "https://pay.ljmatrix.cn",
            "https://b\u{fc}cher.example/a/b",
            "http://[::1]:8080/p",
            // A prefix that starts with `//`: resolved as it stands, it would name a host.
            "https://gw.example//evil.example/",
        ];
        let targets = [
            "/api/v1/order/create",
            "/api/v1/order/query?order_no=A%201",
            "/api/payments/payment-uuid-123",
            "/a/../b/./c?x=1&y=%2F",
            "/%2e%2e/x",
            "/q?",
            "/",
            "/a b?c d",
            "/x#frag",
            "/x\\y",
            "//evil.example/x",
            "/t\tab",
            "/\u{e4}?\u{e4}=1",
            "/p?q='\"<>`",
            "/p:q@r;s=t",
        ];
        for base in bases {
            let b = BaseUrl::parse(base).unwrap();
            for t in targets {
                assert_eq!(b.url(t), b.url_by_parts(t), "{base} + {t}");
                assert_eq!(
                    b.url(t).as_str(),
                    b.url_by_parts(t).as_str(),
                    "{base} + {t}"
                );
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn url_matches_the_old_way(path in "/[ -~]{0,40}") {
            for base in ["http://127.0.0.1:4000", "https://gw.example/ljpay"] {
                let b = BaseUrl::parse(base).unwrap();
                let (fast, old) = (b.url(&path), b.url_by_parts(&path));
                proptest::prop_assert_eq!(fast.as_str(), old.as_str());
            }
        }
    }

    /// The decision table of `decide`, one row per case; expected values follow the rules in
    /// DESIGN.md ("never retry a call whose outcome is unknown", Retry-After within the budget).
    #[test]
    fn decision_table() {
        use Idempotency::{Idempotent as Q, NonIdempotent as W};
        let thr = |s: Option<u64>| Attempt::Throttled {
            retry_after: s.map(Duration::from_secs),
        };
        let cases: Vec<(&str, Idempotency, u32, Duration, Attempt, Verdict)> = vec![
            (
                "answered query",
                Q,
                1,
                MS(0),
                Attempt::Answered,
                Verdict::Done,
            ),
            (
                "answered write",
                W,
                1,
                MS(0),
                Attempt::Answered,
                Verdict::Done,
            ),
            (
                "query not sent",
                Q,
                1,
                MS(0),
                Attempt::NotSent,
                Verdict::RetryAfter(MS(200)),
            ),
            (
                "write not sent",
                W,
                1,
                MS(0),
                Attempt::NotSent,
                Verdict::RetryAfter(MS(200)),
            ),
            (
                "query maybe sent",
                Q,
                2,
                MS(0),
                Attempt::MaybeSent,
                Verdict::RetryAfter(MS(400)),
            ),
            (
                "write maybe sent",
                W,
                1,
                MS(0),
                Attempt::MaybeSent,
                Verdict::OutcomeUnknown,
            ),
            (
                "query 5xx",
                Q,
                1,
                MS(0),
                Attempt::ServerError,
                Verdict::RetryAfter(MS(200)),
            ),
            (
                "write 5xx",
                W,
                1,
                MS(0),
                Attempt::ServerError,
                Verdict::OutcomeUnknown,
            ),
            (
                "write 5xx last attempt",
                W,
                3,
                MS(0),
                Attempt::ServerError,
                Verdict::OutcomeUnknown,
            ),
            (
                "attempts used up",
                Q,
                3,
                MS(0),
                Attempt::NotSent,
                Verdict::GiveUp,
            ),
            (
                "budget used up",
                Q,
                1,
                Duration::from_secs(15),
                Attempt::NotSent,
                Verdict::GiveUp,
            ),
            (
                "throttled, no value",
                W,
                1,
                MS(0),
                thr(None),
                Verdict::RetryAfter(MS(200)),
            ),
            (
                "throttled 1 s",
                Q,
                1,
                MS(0),
                thr(Some(1)),
                Verdict::RetryAfter(Duration::from_secs(1)),
            ),
            (
                "throttled 30 s, 15 s budget",
                Q,
                1,
                MS(0),
                thr(Some(30)),
                Verdict::Throttled {
                    retry_after: Some(Duration::from_secs(30)),
                },
            ),
            (
                "throttled, last attempt",
                Q,
                3,
                MS(0),
                thr(Some(1)),
                Verdict::Throttled {
                    retry_after: Some(Duration::from_secs(1)),
                },
            ),
            (
                "throttled 10 s at 6 s",
                W,
                1,
                Duration::from_secs(6),
                thr(Some(10)),
                Verdict::Throttled {
                    retry_after: Some(Duration::from_secs(10)),
                },
            ),
        ];
        for (name, kind, attempt, elapsed, outcome, want) in cases {
            assert_eq!(
                p().decide(kind, attempt, elapsed, &outcome),
                want,
                "case `{name}`"
            );
        }
    }

    #[test]
    fn retry_after_is_not_capped_by_max_backoff() {
        // max_backoff is 2 s; the server's 5 s must be honoured, not clamped.
        let v = p().decide(
            Idempotency::Idempotent,
            1,
            MS(0),
            &Attempt::Throttled {
                retry_after: Some(Duration::from_secs(5)),
            },
        );
        assert_eq!(v, Verdict::RetryAfter(Duration::from_secs(5)));
    }

    #[test]
    fn jittered_backoff_stays_within_cap_and_varies() {
        let p = RetryPolicy::default().with_backoff(MS(100), MS(800));
        let draws: Vec<Duration> = (0..200).map(|_| p.backoff(3)).collect();
        assert!(draws.iter().all(|d| *d <= MS(400)), "above the cap");
        // Full jitter: the draws spread over the range; 200 draws all equal would mean none.
        let min = draws.iter().min().copied().unwrap_or_default();
        let max = draws.iter().max().copied().unwrap_or_default();
        assert!(max - min > MS(100), "draws do not spread: {min:?}..{max:?}");
        assert!(p.backoff_cap(10) == MS(800));
    }

    #[test]
    fn retry_after_forms() {
        // RFC 9110 §10.2.3 gives both forms; the date is RFC 9110's own example value.
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        let cases = [
            ("120", Some(Duration::from_secs(120))),
            (" 0 ", Some(Duration::ZERO)),
            ("Sun, 06 Nov 1994 08:49:37 GMT", Some(Duration::ZERO)),
            (
                "Sun, 06 Nov 1994 08:50:37 GMT",
                Some(Duration::from_secs(60)),
            ),
            ("Sun, 06 Nov 1994 08:00:00 GMT", Some(Duration::ZERO)),
            ("-5", None),
            ("1.5", None),
            ("", None),
            ("tomorrow", None),
            (
                "99999999999999999999999",
                Some(Duration::from_secs(u64::MAX)),
            ),
        ];
        for (raw, want) in cases {
            assert_eq!(parse_retry_after(raw, now), want, "Retry-After `{raw}`");
        }
    }

    #[test]
    fn base_url_rules() {
        let ok = [
            ("https://pay.example", "https://pay.example", ""),
            ("https://pay.example/", "https://pay.example", ""),
            ("https://gw.example/a/b/", "https://gw.example", "/a/b"),
            ("http://localhost:9/x", "http://localhost:9", "/x"),
            ("http://[::1]:80", "http://[::1]", ""), // the default port is dropped
            ("HTTP://127.0.0.2:81", "http://127.0.0.2:81", ""),
        ];
        for (raw, origin, prefix) in ok {
            let u = BaseUrl::parse(raw).unwrap_or_else(|e| panic!("`{raw}` refused: {e}"));
            assert_eq!((u.origin(), u.prefix()), (origin, prefix), "`{raw}`");
        }
        let bad = [
            ("http://pay.example", BaseUrlError::PlainHttp),
            ("http://localhost.evil.example", BaseUrlError::PlainHttp),
            ("http://127.0.0.1@evil.example", BaseUrlError::PlainHttp),
            ("https://u:p@pay.example", BaseUrlError::UserInfo),
            ("https://u@pay.example", BaseUrlError::UserInfo),
            ("https://pay.example/?a=1", BaseUrlError::QueryOrFragment),
            ("https://pay.example/#f", BaseUrlError::QueryOrFragment),
            ("ftp://pay.example", BaseUrlError::Scheme("ftp".into())),
        ];
        for (raw, want) in bad {
            assert_eq!(BaseUrl::parse(raw), Err(want), "`{raw}`");
        }
        assert!(matches!(
            BaseUrl::parse("not a url"),
            Err(BaseUrlError::NotAUrl(_))
        ));
    }

    #[test]
    fn a_request_url_is_the_url_parsing_the_joined_string_gives() {
        // The reference is `url::Url::parse(base.join(..))`, what every client did per call
        // before `BaseUrl::url` let it skip parsing the origin again.
        let cases = [
            ("https://pay.example", "/api/v1/order/create"),
            (
                "https://gw.example/ljpay/",
                "/api/v1/order/query?order_no=A%201&x=%E4%B8%AD",
            ),
            ("https://gw.example/a/b", "/api/orders/o-1/refunds"),
            ("http://127.0.0.1:8080", "/Cashier/QueryTradeInfo/V5"),
            ("https://xn--fsq.example/p", "/x/../y/./z?q"),
            ("https://pay.example", "/path with space/%zz/é?a=b c"),
            // The base's host, not the prefix's first segment read as one.
            ("https://gw.example//evil.example/", "/api/orders"),
        ];
        for (base, path) in cases {
            let b = BaseUrl::parse(base).unwrap();
            let want = url::Url::parse(&b.join(path)).unwrap();
            assert_eq!(b.url(path), want, "{base} + {path}");
        }
    }
}
