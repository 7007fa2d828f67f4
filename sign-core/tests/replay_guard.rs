//! `ReplayGuard` over a `MemoryStore` (recognised by its type, answered under one lock) and
//! over any other store (boxed futures) gives the same answers.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use sign_core::replay::{
    BoxFuture, Delivery, GuardError, MemoryStore, Recorded, ReplayGuard, ReplayStore, StoreError,
};

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    futures::executor::block_on(f)
}

fn t(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000 + secs)
}

/// A store the guard cannot recognise as a `MemoryStore`: it takes the boxed-future path.
struct Opaque(MemoryStore);

impl ReplayStore for Opaque {
    fn record<'a>(
        &'a self,
        key: &'a str,
        now: SystemTime,
        expires_at: SystemTime,
    ) -> BoxFuture<'a, Result<Recorded, StoreError>> {
        self.0.record(key, now, expires_at)
    }

    fn forget<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        self.0.forget(key)
    }
}

/// A guard given an `Arc<MemoryStore>` records in that very store (it is recognised without
/// a trait method, and not copied).
#[test]
fn shared_memory_store_is_the_one_recorded_in() {
    let shared = Arc::new(MemoryStore::with_capacity(2));
    let g = ReplayGuard::new(shared.clone());
    assert_eq!(block_on(g.record_delivery("e", t(0))), Ok(Delivery::First));
    assert_eq!(shared.len(), 1);
    block_on(g.forget("e")).unwrap_or_default();
    assert!(shared.is_empty());
}

/// The one-lock path of `check_nonce_and_record_delivery` (memory) gives, step for step,
/// what the two calls give on any other store: the expected answers are those of the
/// two-call definition (`check_nonce`, then `record_delivery` only when the nonce was new) run
/// on `Opaque`, over a script with a first delivery, a replayed nonce (no event recorded), a
/// repeat under a new nonce, a forgotten event, expiry of both keys and a full store.
#[test]
fn combined_record_answers_as_the_two_calls() {
    let fast = ReplayGuard::new(MemoryStore::with_capacity(4))
        .with_event_retention(Duration::from_secs(100));
    let slow = ReplayGuard::new(Opaque(MemoryStore::with_capacity(4)))
        .with_event_retention(Duration::from_secs(100));
    let script: &[(&str, u64, &str, u64)] = &[
        ("n1", 10, "e1", 0),
        ("n1", 10, "e1", 1),
        ("n2", 10, "e1", 2),
        ("n3", 10, "e2", 3),
        ("n4", 10, "e3", 4),
        ("n5", 20, "e4", 5),
        ("n1", 30, "e1", 11),
        ("n6", 30, "e5", 12),
        ("n7", 200, "e1", 101),
        ("n8", 200, "e9", 150),
    ];
    let mut seen = Vec::new();
    block_on(async {
        for (i, &(nonce, until, event, now)) in script.iter().enumerate() {
            let want = match slow.check_nonce(nonce, t(now), t(until)).await {
                Ok(()) => slow.record_delivery(event, t(now)).await,
                Err(e) => Err(e),
            };
            let got = fast
                .check_nonce_and_record_delivery(nonce, t(until), event, t(now))
                .await;
            assert_eq!(got, want, "step {i}: {nonce} {event} at {now}");
            seen.push(got);
            if i == 2 {
                fast.forget("e1").await.unwrap_or_default();
                slow.forget("e1").await.unwrap_or_default();
            }
        }
    });
    // The script reached every kind of answer.
    assert!(seen.contains(&Ok(Delivery::First)));
    assert!(seen.contains(&Ok(Delivery::Repeat)));
    assert!(seen.contains(&Err(GuardError::Replayed)));
    assert!(seen
        .iter()
        .any(|r| matches!(r, Err(GuardError::Unavailable(StoreError::Full { .. })))));
}
