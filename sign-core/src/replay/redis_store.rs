//! The Redis [`ReplayStore`] (cargo feature `redis`): one store for a fleet of web servers.

use std::fmt;
use std::time::{Duration, SystemTime};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{BoxFuture, Recorded, ReplayStore, StoreError};

/// A [`ReplayStore`] on Redis, shared by every web server of a fleet: what one server recorded,
/// the others see. Each key is written with `SET <prefix><key> 1 NX PX <ttl>`, atomic on the
/// server, so two servers receiving the same callback at once get one first delivery between
/// them.
///
/// It runs on the `redis` crate's tokio connection manager: after a Redis restart or a dropped
/// connection the next calls reconnect by themselves (the calls made while Redis is down answer
/// [`StoreError::Unavailable`]), without rebuilding anything. Errors never carry the URL, so a
/// password in it never reaches a log.
///
/// ```no_run
/// # async fn run() -> Result<(), sign_core::replay::StoreError> {
/// use sign_core::replay::{RedisStore, ReplayGuard};
/// let store = RedisStore::connect("redis://127.0.0.1:6379/0").await?.with_prefix("shop-a:");
/// let guard = ReplayGuard::new(store); // give the same guard to every verifier
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisStore {
    manager: ConnectionManager,
    prefix: String,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// The default key prefix.
    pub const DEFAULT_PREFIX: &'static str = "paysdk:";

    /// Connects to `url` (`redis://host:port[/db]`, `rediss://…` is not built in), answering
    /// [`StoreError::Unavailable`] when the server cannot be reached within about two seconds.
    pub async fn connect(url: &str) -> Result<RedisStore, StoreError> {
        let client = redis::Client::open(url).map_err(|e| {
            StoreError::Unavailable(format!("invalid Redis URL ({})", e.category()))
        })?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        let manager = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(unavailable)?;
        Ok(RedisStore {
            manager,
            prefix: Self::DEFAULT_PREFIX.to_owned(),
        })
    }

    /// Sets the key prefix (default `paysdk:`), e.g. to keep two shops on one Redis apart.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The key prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }
}

fn unavailable(e: redis::RedisError) -> StoreError {
    // `RedisError`'s Display can carry the address; keep to what kind of failure it was.
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connection_refusal() {
        "connection refused"
    } else if e.is_connection_dropped() || e.is_io_error() {
        "connection lost"
    } else {
        e.category()
    };
    StoreError::Unavailable(format!("Redis: {what}"))
}

impl ReplayStore for RedisStore {
    fn record<'a>(
        &'a self,
        key: &'a str,
        now: SystemTime,
        expires_at: SystemTime,
    ) -> BoxFuture<'a, Result<Recorded, StoreError>> {
        Box::pin(async move {
            let ttl = match expires_at.duration_since(now) {
                Ok(ttl) if !ttl.is_zero() => ttl,
                // Nothing to keep: a message this old cannot pass the window again.
                _ => return Ok(Recorded::First),
            };
            // Round up, so Redis never forgets a key before `expires_at`.
            let ms = u64::try_from(ttl.as_micros().div_ceil(1000)).unwrap_or(u64::MAX);
            let mut conn = self.manager.clone();
            let reply: Option<String> = redis::cmd("SET")
                .arg(format!("{}{key}", self.prefix))
                .arg(1)
                .arg("NX")
                .arg("PX")
                .arg(ms)
                .query_async(&mut conn)
                .await
                .map_err(unavailable)?;
            Ok(match reply {
                Some(_) => Recorded::First,
                None => Recorded::Seen,
            })
        })
    }

    fn forget<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let mut conn = self.manager.clone();
            let _: i64 = redis::cmd("DEL")
                .arg(format!("{}{key}", self.prefix))
                .query_async(&mut conn)
                .await
                .map_err(unavailable)?;
            Ok(())
        })
    }
}
