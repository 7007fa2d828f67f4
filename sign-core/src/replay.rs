//! Replay protection and duplicate-delivery detection for callbacks, shared by the four SDKs.
//!
//! Two different things, kept apart:
//!
//! - **Replay**: a request signed with a nonce (LJPay) arrives a second time. That is an
//!   attack, and [`ReplayGuard::check_nonce`] refuses it ([`GuardError::Replayed`]).
//! - **Duplicate delivery**: a gateway re-sends a callback until the merchant acknowledges it.
//!   A verified event whose key was recorded before comes back as [`Delivery::Repeat`]
//!   ([`ReplayGuard::record_delivery`]), so the handler acknowledges it again without
//!   processing it twice.
//!
//! Both rest on one [`ReplayStore`]: "record this key until `expires_at` unless present", async
//! and fallible. The verifier computes `expires_at` from its own window, so no store forgets a
//! nonce while a request carrying it would still pass the timestamp check, and event keys live
//! for [`ReplayGuard::with_event_retention`] (7 days by default: longer than any of the four
//! gateways keeps re-delivering). [`MemoryStore`] serves one process; for several web servers
//! behind a load balancer use the Redis store (cargo feature `redis`), so that what one server
//! accepted, the others see.
//!
//! A store that cannot answer is [`GuardError::Unavailable`]: the handler should answer 503 so
//! the gateway tries again later. It is never an accept and never a bad signature.
//!
//! ```
//! # futures::executor::block_on(async {
//! use std::time::{Duration, SystemTime};
//! use sign_core::replay::{Delivery, ReplayGuard};
//!
//! let guard = ReplayGuard::memory();
//! let now = SystemTime::now();
//! let key = ReplayGuard::event_key("wattt", &["COL-1", "success"]);
//! assert_eq!(guard.record_delivery(&key, now).await.unwrap(), Delivery::First);
//! assert_eq!(guard.record_delivery(&key, now).await.unwrap(), Delivery::Repeat);
//! # });
//! ```

use std::any::Any;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::future::Future;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher, RandomState};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

#[cfg(feature = "redis")]
mod redis_store;
#[cfg(feature = "redis")]
pub use redis_store::RedisStore;

/// A boxed future, so that [`ReplayStore`] can be used as `dyn ReplayStore`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a store answers to "record this key unless present".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// The key was not there; it is now, until its expiry.
    First,
    /// The key was already there (and not expired).
    Seen,
}

/// The store could not answer, so the message can be neither accepted nor refused as a replay.
///
/// ```
/// let e = sign_core::replay::StoreError::Full { capacity: 10 };
/// assert!(e.to_string().contains("full"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// An in-memory store holds `capacity` live keys. It refuses a new one rather than forget
    /// a live key (which would let that message be accepted again).
    #[error("replay store is full ({capacity} live keys); refusing rather than forgetting one")]
    Full {
        /// The store's capacity.
        capacity: usize,
    },
    /// The store did not answer (connection refused or lost, timeout, an error reply).
    #[error("replay store unavailable: {0}")]
    Unavailable(String),
}

/// Where replay and delivery keys are kept: one process ([`MemoryStore`]) or a fleet (Redis).
///
/// Implementations must make "record unless present" atomic: two web servers recording the
/// same key at the same moment get one [`Recorded::First`] between them.
pub trait ReplayStore: Send + Sync {
    /// Records `key` until `expires_at` unless it is present. `now` is the caller's clock, the
    /// same one `expires_at` was computed from (a store with its own expiry clock uses
    /// `expires_at - now` as the time to live).
    fn record<'a>(
        &'a self,
        key: &'a str,
        now: SystemTime,
        expires_at: SystemTime,
    ) -> BoxFuture<'a, Result<Recorded, StoreError>>;

    /// Removes `key`, so the next delivery of that event is [`Delivery::First`] again. For a
    /// handler whose processing failed after the delivery was recorded.
    fn forget<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;
}

impl<S: ReplayStore + ?Sized> ReplayStore for Arc<S> {
    fn record<'a>(
        &'a self,
        key: &'a str,
        now: SystemTime,
        expires_at: SystemTime,
    ) -> BoxFuture<'a, Result<Recorded, StoreError>> {
        (**self).record(key, now, expires_at)
    }

    fn forget<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        (**self).forget(key)
    }
}

/// Writes a callback verifier's replay and window setters once for the four SDKs, with the
/// same names, docs and examples in each: `with_replay_guard` and `replay_guard` over the
/// verifier's [`ReplayGuard`] field, and, for a verifier that checks a timestamp,
/// `with_tolerance` and `tolerance` over its window field (a `Duration`, or an
/// `Option<Duration>` for a window that is off until set). `$window` is one sentence saying
/// which timestamp the window applies to; `$verifier` builds a verifier in the examples.
///
/// ```
/// use std::time::Duration;
/// use sign_core::replay::ReplayGuard;
///
/// /// A verifier.
/// pub struct Verifier {
///     guard: ReplayGuard,
///     tolerance: Duration,
/// }
/// impl Verifier {
///     /// One.
///     pub fn new() -> Self {
///         Verifier { guard: ReplayGuard::memory(), tolerance: Duration::from_secs(300) }
///     }
///     sign_core::replay_setters!(guard, "Verifier::new()");
///     sign_core::replay_setters!(
///         tolerance: tolerance, Duration,
///         "The signed timestamp must lie within it of now.",
///         "Verifier::new()"
///     );
/// }
/// assert_eq!(Verifier::new().with_tolerance(Duration::from_secs(9)).tolerance(), Duration::from_secs(9));
/// ```
#[macro_export]
macro_rules! replay_setters {
    ($guard:ident, $verifier:literal) => {
        /// Records nonces and deliveries in `guard` instead of the default in-process
        /// [`ReplayGuard::memory`](sign_core::replay::ReplayGuard::memory). Give every web
        /// server of a fleet a guard over the same Redis store (sign-core's `redis` feature),
        /// so that what one server accepted, the others report as a repeat or a replay.
        ///
        /// ```
        /// use sign_core::replay::{MemoryStore, ReplayGuard};
        /// let guard = ReplayGuard::new(MemoryStore::with_capacity(10_000));
        #[doc = concat!("let verifier = ", $verifier, ".with_replay_guard(guard);")]
        /// # let _ = verifier;
        /// ```
        pub fn with_replay_guard(mut self, guard: $crate::replay::ReplayGuard) -> Self {
            self.$guard = guard;
            self
        }

        /// The replay guard nonces and deliveries are recorded in (for
        /// [`ReplayGuard::forget`](sign_core::replay::ReplayGuard::forget) after a failed
        /// processing).
        ///
        /// ```
        /// use std::time::Duration;
        /// use sign_core::replay::ReplayGuard;
        /// let guard = ReplayGuard::memory().with_event_retention(Duration::from_secs(3600));
        #[doc = concat!("let verifier = ", $verifier, ".with_replay_guard(guard);")]
        /// assert_eq!(verifier.replay_guard().event_retention(), Duration::from_secs(3600));
        /// ```
        pub fn replay_guard(&self) -> &$crate::replay::ReplayGuard {
            &self.$guard
        }
    };
    (tolerance: $field:ident, $ty:ty, $window:literal, $verifier:literal) => {
        /// Sets the timestamp window: the accepted distance between a callback's timestamp
        /// and now, in whole seconds, both ways.
        #[doc = $window]
        ///
        /// ```
        /// use std::time::Duration;
        #[doc = concat!("let verifier = ", $verifier, ".with_tolerance(Duration::from_secs(600));")]
        #[doc = concat!("let window: ", stringify!($ty), " = Duration::from_secs(600).into();")]
        /// assert_eq!(verifier.tolerance(), window);
        /// ```
        pub fn with_tolerance(mut self, tolerance: ::std::time::Duration) -> Self {
            self.$field = ::std::convert::From::from(tolerance);
            self
        }

        /// The timestamp window (see `with_tolerance`).
        ///
        /// ```
        /// use std::time::Duration;
        #[doc = concat!("let verifier = ", $verifier, ";")]
        #[doc = concat!("let window: ", stringify!($ty), " = verifier.tolerance();")]
        /// # let _ = window;
        /// ```
        pub fn tolerance(&self) -> $ty {
            self.$field
        }
    };
}

/// A bounded in-process store. Expired keys are dropped in expiry order as calls come in (no
/// scan of the whole store under the lock). When it holds `capacity` live keys it refuses new
/// ones with [`StoreError::Full`]: it fails closed and never forgets a live key.
///
/// One process only: several web servers each keeping their own `MemoryStore` each accept a
/// captured message once. Use the Redis store for a fleet.
///
/// ```
/// # futures::executor::block_on(async {
/// use std::time::{Duration, SystemTime};
/// use sign_core::replay::{MemoryStore, Recorded, ReplayStore, StoreError};
///
/// let store = MemoryStore::with_capacity(1);
/// let now = SystemTime::now();
/// let later = now + Duration::from_secs(60);
/// assert_eq!(store.record("a", now, later).await, Ok(Recorded::First));
/// assert_eq!(store.record("a", now, later).await, Ok(Recorded::Seen));
/// assert_eq!(store.record("b", now, later).await, Err(StoreError::Full { capacity: 1 }));
/// // Once "a" has expired there is room again.
/// assert_eq!(store.record("b", later, later + Duration::from_secs(1)).await, Ok(Recorded::First));
/// # });
/// ```
pub struct MemoryStore {
    capacity: usize,
    state: Mutex<MemoryState>,
}

#[derive(Default)]
struct MemoryState {
    by_key: HashMap<Stored, Expiry, BuildHasherDefault<Prehashed>>,
    /// Expiry order. Ties (keys recorded in the same second share an expiry) are broken by
    /// the insertion number, never by comparing the keys themselves.
    by_expiry: BTreeMap<Expiry, Stored>,
    inserted: u64,
    /// The keyed (SipHash, random per store) hash every key is hashed with once.
    hasher: RandomState,
}

/// A key with its hash, computed once when it is recorded. A store holding many keys grows
/// its table by rehashing every one of them under the lock; with the hash kept beside the
/// key that is a copy of 8 bytes per key, not SipHash over a key read from wherever it lies
/// in memory. The hash is still [`RandomState`]'s (keyed, so senders cannot aim keys at one
/// bucket); equality is the key's, so two keys with one hash stay two keys.
#[derive(Clone)]
struct Stored {
    hash: u64,
    key: Arc<str>,
}

impl PartialEq for Stored {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash && self.key == other.key
    }
}

impl Eq for Stored {}

impl Hash for Stored {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// The hasher of [`MemoryState::by_key`]: the table hashes only [`Stored`], whose hash is
/// already one, so it is passed through.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is reached (from `Stored::hash`); folded all the same rather than
        // dropped, should another type ever be hashed here.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// When a key expires, and its insertion number.
type Expiry = (SystemTime, u64);

/// Slots reserved on the first insert: a store in use skips its first rehashes, and the many
/// default stores that are built and replaced at once (`Verifier::new(..).with_replay_guard(..)`)
/// allocate nothing.
const FIRST_RESERVE: usize = 16 * 1024;

impl MemoryState {
    fn stored(&self, key: &str) -> Stored {
        Stored {
            hash: self.hasher.hash_one(key),
            key: Arc::from(key),
        }
    }

    /// Record unless present: one hash of the key (the entry API takes the owned key, which a
    /// first delivery, the common case, stores anyway).
    fn record(
        &mut self,
        key: &str,
        now: SystemTime,
        expires_at: SystemTime,
        capacity: usize,
    ) -> Result<Recorded, StoreError> {
        self.purge(now);
        let full = self.by_key.len() >= capacity;
        if self.by_key.capacity() == 0 {
            self.by_key.reserve(capacity.min(FIRST_RESERVE));
        }
        match self.by_key.entry(self.stored(key)) {
            Entry::Occupied(_) => Ok(Recorded::Seen),
            // Nothing to keep: a message this old cannot pass the window again.
            Entry::Vacant(_) if expires_at <= now => Ok(Recorded::First),
            Entry::Vacant(_) if full => Err(StoreError::Full { capacity }),
            Entry::Vacant(slot) => {
                let key = slot.key().clone();
                self.inserted += 1;
                let at = (expires_at, self.inserted);
                slot.insert(at);
                self.by_expiry.insert(at, key);
                Ok(Recorded::First)
            }
        }
    }

    fn purge(&mut self, now: SystemTime) {
        while let Some(first) = self.by_expiry.first_entry() {
            if first.key().0 > now {
                break;
            }
            let key = first.remove();
            self.by_key.remove(&key);
        }
    }

    fn remove(&mut self, key: &str) {
        if let Some(at) = self.by_key.remove(&self.stored(key)) {
            self.by_expiry.remove(&at);
        }
    }
}

impl MemoryStore {
    /// The default capacity: 1 000 000 keys (with keys of about 40 bytes, about 250 MB at the
    /// most: each key once, shared by the table, which holds its hash and expiry beside it,
    /// and the expiry order).
    pub const DEFAULT_CAPACITY: usize = 1_000_000;

    /// A store with [`MemoryStore::DEFAULT_CAPACITY`].
    pub fn new() -> Self {
        Self::with_capacity(Self::DEFAULT_CAPACITY)
    }

    /// A store that holds at most `capacity` live keys (at least 1).
    pub fn with_capacity(capacity: usize) -> Self {
        MemoryStore {
            capacity: capacity.max(1),
            state: Mutex::new(MemoryState::default()),
        }
    }

    /// Live and not yet purged keys.
    pub fn len(&self) -> usize {
        self.lock().by_key.len()
    }

    /// Whether the store holds no key.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryState> {
        // A panic while holding the lock cannot leave the maps inconsistent in a way that
        // accepts a replay (each operation is one insert or remove pair), so keep going.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// [`ReplayStore::record`] without the future, for synchronous callers (a simulator's
    /// request handler).
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use sign_core::replay::{MemoryStore, Recorded};
    /// let s = MemoryStore::new();
    /// let now = SystemTime::now();
    /// assert_eq!(s.record_sync("k", now, now + Duration::from_secs(1)), Ok(Recorded::First));
    /// ```
    pub fn record_sync(
        &self,
        key: &str,
        now: SystemTime,
        expires_at: SystemTime,
    ) -> Result<Recorded, StoreError> {
        self.lock().record(key, now, expires_at, self.capacity)
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("capacity", &self.capacity)
            .field("len", &self.len())
            .finish()
    }
}

impl ReplayStore for MemoryStore {
    fn record<'a>(
        &'a self,
        key: &'a str,
        now: SystemTime,
        expires_at: SystemTime,
    ) -> BoxFuture<'a, Result<Recorded, StoreError>> {
        let result = self.record_sync(key, now, expires_at);
        Box::pin(std::future::ready(result))
    }

    fn forget<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        self.lock().remove(key);
        Box::pin(std::future::ready(Ok(())))
    }
}

/// Whether a verified callback is the first delivery of its event or a re-delivery.
///
/// ```
/// use sign_core::replay::Delivery;
/// assert_eq!(Delivery::Repeat.to_string(), "repeat");
/// assert_eq!(serde_json::to_string(&Delivery::First).unwrap(), "\"first\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Delivery {
    /// First time this event was seen: process it, then acknowledge.
    First,
    /// Recorded before: acknowledge again, do not process twice.
    Repeat,
}

impl Delivery {
    /// `"first"` or `"repeat"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::First => "first",
            Delivery::Repeat => "repeat",
        }
    }
}

impl fmt::Display for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A verified callback and whether it was delivered before. Every SDK's `verify_and_record`
/// returns one.
///
/// ```
/// use sign_core::replay::{Delivery, Received};
/// let r = Received::new(42, Delivery::First, "k".into());
/// assert!(r.is_first());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Received<E> {
    /// The typed, verified event.
    pub event: E,
    /// First delivery or a repeat.
    pub delivery: Delivery,
    /// The event key it was recorded under (pass it to [`ReplayGuard::forget`] if processing
    /// a first delivery failed and the gateway should deliver it again as first).
    pub key: String,
}

impl<E> Received<E> {
    /// Builds one (for SDK crates and tests).
    pub fn new(event: E, delivery: Delivery, key: String) -> Self {
        Received {
            event,
            delivery,
            key,
        }
    }

    /// Whether this is the first delivery (process it).
    pub fn is_first(&self) -> bool {
        self.delivery == Delivery::First
    }
}

/// Why [`ReplayGuard`] did not let a message through.
///
/// ```
/// use sign_core::replay::{GuardError, StoreError};
/// assert_eq!(GuardError::Replayed.to_string(), "nonce was already used (replayed message)");
/// let e = GuardError::Unavailable(StoreError::Unavailable("connection refused".into()));
/// assert!(e.to_string().starts_with("replay store unavailable"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GuardError {
    /// The nonce was seen before: an attack, refuse it.
    #[error("nonce was already used (replayed message)")]
    Replayed,
    /// The store could not answer: answer 503 and let the gateway retry later.
    #[error(transparent)]
    Unavailable(#[from] StoreError),
}

/// Replay and delivery checks over one [`ReplayStore`], shared (cheaply cloned) by every
/// verifier in a process.
///
/// ```
/// # futures::executor::block_on(async {
/// use std::time::{Duration, SystemTime};
/// use sign_core::replay::{GuardError, ReplayGuard};
///
/// let guard = ReplayGuard::memory();
/// let now = SystemTime::now();
/// let key = ReplayGuard::nonce_key("ljpay", &["my-site", "0123abcd"]);
/// let until = now + Duration::from_secs(600);
/// assert_eq!(guard.check_nonce(&key, now, until).await, Ok(()));
/// assert_eq!(guard.check_nonce(&key, now, until).await, Err(GuardError::Replayed));
/// # });
/// ```
#[derive(Clone)]
pub struct ReplayGuard {
    backend: Backend,
    event_retention: Duration,
}

/// Where a guard records. A [`MemoryStore`] is kept as itself: its answer is there at once, so
/// a record is a plain call under its lock, with no boxed future to allocate and poll.
#[derive(Clone)]
enum Backend {
    Memory(Arc<MemoryStore>),
    Store(Arc<dyn ReplayStore>),
}

impl Backend {
    /// `store` as a [`Backend`]: a `MemoryStore` (or an `Arc` of one) is recognised by its type.
    fn of<S: ReplayStore + 'static>(store: S) -> Backend {
        let mut slot = Some(store);
        let any: &mut dyn Any = &mut slot;
        if let Some(memory) = any.downcast_mut::<Option<MemoryStore>>() {
            if let Some(memory) = memory.take() {
                return Backend::Memory(Arc::new(memory));
            }
        } else if let Some(memory) = any.downcast_mut::<Option<Arc<MemoryStore>>>() {
            if let Some(memory) = memory.take() {
                return Backend::Memory(memory);
            }
        }
        match slot {
            Some(store) => Backend::Store(Arc::new(store)),
            // Only the downcasts above take it out, and they return.
            None => Backend::Memory(Arc::new(MemoryStore::new())),
        }
    }
}

impl fmt::Debug for ReplayGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplayGuard")
            .field("event_retention", &self.event_retention)
            .finish_non_exhaustive()
    }
}

impl ReplayGuard {
    /// How long event keys are kept by default: 7 days.
    pub const DEFAULT_EVENT_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);

    /// A guard over `store`.
    pub fn new(store: impl ReplayStore + 'static) -> Self {
        ReplayGuard {
            backend: Backend::of(store),
            event_retention: Self::DEFAULT_EVENT_RETENTION,
        }
    }

    /// A guard over a fresh [`MemoryStore`] (one process).
    pub fn memory() -> Self {
        Self::new(MemoryStore::new())
    }

    /// How long an event key is remembered (default 7 days): set it to at least as long as the
    /// gateway keeps re-delivering an unacknowledged callback.
    pub fn with_event_retention(mut self, retention: Duration) -> Self {
        self.event_retention = retention;
        self
    }

    /// The configured event retention.
    pub fn event_retention(&self) -> Duration {
        self.event_retention
    }

    /// The key of an event: `gateway:event:` and the parts, each escaped so that no two
    /// different part lists give the same key (`:` and `%` are percent-encoded).
    ///
    /// ```
    /// use sign_core::replay::ReplayGuard;
    /// assert_eq!(ReplayGuard::event_key("octopus", &["tx-1", "payment.completed"]),
    ///            "octopus:event:tx-1:payment.completed");
    /// assert_ne!(ReplayGuard::event_key("x", &["a:b", "c"]), ReplayGuard::event_key("x", &["a", "b:c"]));
    /// ```
    pub fn event_key(gateway: &str, parts: &[&str]) -> String {
        key(gateway, "event", parts)
    }

    /// The key of a nonce: `gateway:nonce:` and the parts, escaped as in [`Self::event_key`].
    ///
    /// ```
    /// use sign_core::replay::ReplayGuard;
    /// assert_eq!(ReplayGuard::nonce_key("ljpay", &["site", "n1"]), "ljpay:nonce:site:n1");
    /// ```
    pub fn nonce_key(gateway: &str, parts: &[&str]) -> String {
        key(gateway, "nonce", parts)
    }

    /// Records a nonce until `expires_at` (the last instant a message carrying it would pass
    /// the verifier's window); a nonce seen before is [`GuardError::Replayed`].
    pub async fn check_nonce(
        &self,
        key: &str,
        now: SystemTime,
        expires_at: SystemTime,
    ) -> Result<(), GuardError> {
        match self.record(key, now, expires_at).await? {
            Recorded::First => Ok(()),
            Recorded::Seen => Err(GuardError::Replayed),
        }
    }

    /// Records an event key for the event retention: [`Delivery::First`] the first time,
    /// [`Delivery::Repeat`] after.
    pub async fn record_delivery(
        &self,
        key: &str,
        now: SystemTime,
    ) -> Result<Delivery, GuardError> {
        let until = now + self.event_retention;
        Ok(delivery(self.record(key, now, until).await?))
    }

    /// [`Self::check_nonce`], then (only when the nonce was new) [`Self::record_delivery`]:
    /// what a verifier of nonce-signed callbacks (LJPay) does with every message. A
    /// [`MemoryStore`] records both keys under one lock; any other store gets the two calls in
    /// that order, so the answers are the same: a replayed nonce is [`GuardError::Replayed`]
    /// and records no delivery, a store that cannot take the nonce is
    /// [`GuardError::Unavailable`] before the event is looked at.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// use std::time::{Duration, SystemTime};
    /// use sign_core::replay::{Delivery, GuardError, ReplayGuard};
    ///
    /// let guard = ReplayGuard::memory();
    /// let now = SystemTime::now();
    /// let until = now + Duration::from_secs(600);
    /// let event = ReplayGuard::event_key("ljpay", &["lp_1", "PAID"]);
    /// let (n1, n2) = (ReplayGuard::nonce_key("ljpay", &["s", "n1"]), ReplayGuard::nonce_key("ljpay", &["s", "n2"]));
    /// assert_eq!(guard.check_nonce_and_record_delivery(&n1, until, &event, now).await, Ok(Delivery::First));
    /// // The same request again: a replay. The event sent again with a new nonce: a repeat.
    /// assert_eq!(guard.check_nonce_and_record_delivery(&n1, until, &event, now).await, Err(GuardError::Replayed));
    /// assert_eq!(guard.check_nonce_and_record_delivery(&n2, until, &event, now).await, Ok(Delivery::Repeat));
    /// # });
    /// ```
    pub async fn check_nonce_and_record_delivery(
        &self,
        nonce_key: &str,
        nonce_expires_at: SystemTime,
        event_key: &str,
        now: SystemTime,
    ) -> Result<Delivery, GuardError> {
        let event_until = now + self.event_retention;
        if let Backend::Memory(memory) = &self.backend {
            let mut state = memory.lock();
            return match state.record(nonce_key, now, nonce_expires_at, memory.capacity)? {
                Recorded::Seen => Err(GuardError::Replayed),
                Recorded::First => Ok(delivery(state.record(
                    event_key,
                    now,
                    event_until,
                    memory.capacity,
                )?)),
            };
        }
        self.check_nonce(nonce_key, now, nonce_expires_at).await?;
        self.record_delivery(event_key, now).await
    }

    async fn record(
        &self,
        key: &str,
        now: SystemTime,
        expires_at: SystemTime,
    ) -> Result<Recorded, StoreError> {
        match &self.backend {
            Backend::Memory(memory) => memory.record_sync(key, now, expires_at),
            Backend::Store(store) => store.record(key, now, expires_at).await,
        }
    }

    /// Forgets an event key (see [`Received::key`]).
    pub async fn forget(&self, key: &str) -> Result<(), GuardError> {
        match &self.backend {
            Backend::Memory(memory) => memory.lock().remove(key),
            Backend::Store(store) => store.forget(key).await?,
        }
        Ok(())
    }
}

fn delivery(recorded: Recorded) -> Delivery {
    match recorded {
        Recorded::First => Delivery::First,
        Recorded::Seen => Delivery::Repeat,
    }
}

fn key(gateway: &str, kind: &str, parts: &[&str]) -> String {
    let escapes = |p: &str| p.bytes().filter(|b| matches!(b, b':' | b'%')).count();
    let len = gateway.len()
        + 1
        + kind.len()
        + parts
            .iter()
            .map(|p| 1 + p.len() + 2 * escapes(p))
            .sum::<usize>();
    let mut out = String::with_capacity(len);
    out.push_str(gateway);
    out.push(':');
    out.push_str(kind);
    for part in parts {
        out.push(':');
        // Runs between the two escaped bytes are copied whole; both are ASCII (never inside a
        // multi-byte character), so every split falls on a character boundary.
        // Searched byte by byte: a `char` pattern decodes every character of the part.
        let mut rest = *part;
        while let Some(at) = rest.bytes().position(|b| b == b':' || b == b'%') {
            out.push_str(&rest[..at]);
            out.push_str(if rest.as_bytes()[at] == b':' {
                "%3A"
            } else {
                "%25"
            });
            rest = &rest[at + 1..];
        }
        out.push_str(rest);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<F: Future>(f: F) -> F::Output {
        futures::executor::block_on(f)
    }

    fn t(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000 + secs)
    }

    #[test]
    fn memory_store_expires_in_order_and_fails_closed_when_full() {
        let s = MemoryStore::with_capacity(3);
        block_on(async {
            assert_eq!(s.record("a", t(0), t(10)).await, Ok(Recorded::First));
            assert_eq!(s.record("b", t(0), t(20)).await, Ok(Recorded::First));
            assert_eq!(s.record("c", t(0), t(30)).await, Ok(Recorded::First));
            // Full of live keys: refused, and no live key was dropped to make room.
            assert_eq!(
                s.record("d", t(5), t(40)).await,
                Err(StoreError::Full { capacity: 3 })
            );
            assert_eq!(s.record("a", t(5), t(40)).await, Ok(Recorded::Seen));
            // At t(10) "a" has expired (expiry is inclusive): room for one.
            assert_eq!(s.record("d", t(10), t(40)).await, Ok(Recorded::First));
            assert_eq!(
                s.record("a", t(10), t(40)).await,
                Err(StoreError::Full { capacity: 3 })
            );
            assert_eq!(s.record("b", t(19), t(40)).await, Ok(Recorded::Seen));
            assert_eq!(s.len(), 3);
            s.forget("b").await.unwrap_or_default();
            assert_eq!(s.record("b", t(19), t(40)).await, Ok(Recorded::First));
        });
    }

    /// Keys whose hashes are equal stay two keys: the table compares the keys, not only the
    /// hashes it was handed. The hashes are forced equal here (with the store's keyed hasher
    /// a collision cannot be chosen).
    #[test]
    fn equal_hashes_are_still_different_keys() {
        let stored = |key: &str| Stored {
            hash: 7,
            key: Arc::from(key),
        };
        let mut map: HashMap<Stored, u8, BuildHasherDefault<Prehashed>> = HashMap::default();
        map.insert(stored("a"), 1);
        map.insert(stored("b"), 2);
        assert_eq!(map.len(), 2);
        assert_eq!(map.get(&stored("a")), Some(&1));
        assert_eq!(map.get(&stored("b")), Some(&2));
        assert_eq!(map.get(&stored("c")), None);
    }

    /// A store grown well past its first table (16 Ki slots, then rehashed at about 28 Ki,
    /// 57 Ki and 114 Ki keys) still knows every live key, hashed once when recorded, and
    /// still expires them in order.
    #[test]
    fn grown_store_keeps_every_key_through_rehashes() {
        const N: u64 = 120_000;
        let s = MemoryStore::with_capacity(N as usize);
        let key = |i: u64| format!("g:event:{i}");
        for i in 0..N {
            assert_eq!(
                s.record_sync(&key(i), t(0), t(1 + i)),
                Ok(Recorded::First),
                "{i}"
            );
        }
        assert_eq!(
            s.record_sync("one more", t(0), t(N + 1)),
            Err(StoreError::Full {
                capacity: N as usize
            })
        );
        for i in (0..N).step_by(7) {
            assert_eq!(
                s.record_sync(&key(i), t(0), t(N)),
                Ok(Recorded::Seen),
                "{i}"
            );
        }
        // At t(N / 2) the keys expiring at t(1)..=t(N / 2) are gone, and only they.
        assert_eq!(
            s.record_sync(&key(N / 2 - 1), t(N / 2), t(N)),
            Ok(Recorded::First)
        );
        assert_eq!(s.len(), (N - N / 2 + 1) as usize);
        assert_eq!(
            s.record_sync(&key(N / 2), t(N / 2), t(N)),
            Ok(Recorded::Seen)
        );
        block_on(s.forget(&key(N - 1))).unwrap_or_default();
        assert_eq!(
            s.record_sync(&key(N - 1), t(N / 2), t(N)),
            Ok(Recorded::First)
        );
    }

    #[test]
    fn already_expired_key_is_first_and_not_kept() {
        let s = MemoryStore::with_capacity(1);
        block_on(async {
            assert_eq!(s.record("old", t(100), t(50)).await, Ok(Recorded::First));
            assert!(s.is_empty());
        });
    }

    #[test]
    fn guard_maps_store_answers() {
        let g = ReplayGuard::new(MemoryStore::with_capacity(1))
            .with_event_retention(Duration::from_secs(60));
        block_on(async {
            assert_eq!(g.record_delivery("e", t(0)).await, Ok(Delivery::First));
            assert_eq!(g.record_delivery("e", t(59)).await, Ok(Delivery::Repeat));
            // Retention is 60 s: after it, the same event is first again.
            assert_eq!(g.record_delivery("e", t(60)).await, Ok(Delivery::First));
            assert_eq!(
                g.check_nonce("n", t(61), t(100)).await,
                Err(GuardError::Unavailable(StoreError::Full { capacity: 1 }))
            );
        });
    }

    #[test]
    fn keys_escape_separators() {
        assert_eq!(ReplayGuard::event_key("g", &["a%3Ab"]), "g:event:a%253Ab");
        assert_ne!(
            ReplayGuard::event_key("g", &["a%3Ab"]),
            ReplayGuard::event_key("g", &["a:b"])
        );
        assert_ne!(
            ReplayGuard::event_key("g", &["a"]),
            ReplayGuard::nonce_key("g", &["a"])
        );
    }

    /// Event and nonce keys are stored in Redis across a fleet: a deploy that changed one
    /// byte would let a re-delivery through as `First`. Expected values written by hand from
    /// DESIGN.md (the parts per gateway) and the escaping rule above (`gateway:kind:part…`,
    /// `:` → `%3A`, `%` → `%25`, every other character as is).
    #[test]
    fn keys_pinned_byte_for_byte() {
        let pinned = [
            (
                ReplayGuard::event_key("ljpay", &["lp_1", "PAID"]),
                "ljpay:event:lp_1:PAID",
            ),
            (
                ReplayGuard::event_key("ljpay", &["lp_1", "PARTIAL_REFUNDED", "r:1%"]),
                "ljpay:event:lp_1:PARTIAL_REFUNDED:r%3A1%25",
            ),
            (
                ReplayGuard::nonce_key("ljpay", &["site:a", "00ff"]),
                "ljpay:nonce:site%3Aa:00ff",
            ),
            (
                ReplayGuard::event_key("octopus", &["order", "o:1", "payment.completed"]),
                "octopus:event:order:o%3A1:payment.completed",
            ),
            (
                ReplayGuard::event_key("wattt", &["serial_no", "P%1", "success"]),
                "wattt:event:serial_no:P%251:success",
            ),
            (
                ReplayGuard::event_key("ecpay", &["period", "訂單::1", "11940001", "-1"]),
                "ecpay:event:period:訂單%3A%3A1:11940001:-1",
            ),
            (ReplayGuard::event_key("g", &[]), "g:event"),
            (ReplayGuard::event_key("g", &["", "%:"]), "g:event::%25%3A"),
        ];
        for (got, want) in pinned {
            assert_eq!(got, want);
            assert_eq!(got.capacity(), got.len(), "sized once: {got}");
        }
    }

    /// The escaping as first written, one character at a time: the run-copying `key` must
    /// give the same bytes for every input.
    fn reference_key(gateway: &str, kind: &str, parts: &[&str]) -> String {
        let mut out = format!("{gateway}:{kind}");
        for part in parts {
            out.push(':');
            for c in part.chars() {
                match c {
                    ':' => out.push_str("%3A"),
                    '%' => out.push_str("%25"),
                    c => out.push(c),
                }
            }
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn key_matches_the_reference(parts in proptest::collection::vec("[a-z:%綠_.\\-]{0,12}", 0..5)) {
            let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
            proptest::prop_assert_eq!(
                ReplayGuard::event_key("ecpay", &parts),
                reference_key("ecpay", "event", &parts)
            );
            proptest::prop_assert_eq!(
                ReplayGuard::nonce_key("ljpay", &parts),
                reference_key("ljpay", "nonce", &parts)
            );
        }
    }
}
