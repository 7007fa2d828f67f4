//! The Redis replay store against a real `redis-server` that each test starts on a free loopback
//! port (Debian's package; `.ci/run` installs it, so these never skip).
#![cfg(all(feature = "redis", feature = "testing"))]

use std::time::{Duration, SystemTime};

use sign_core::replay::{
    Delivery, GuardError, Recorded, RedisStore, ReplayGuard, ReplayStore, StoreError,
};
use sign_core::testing::RedisServer;

fn redis() -> RedisServer {
    RedisServer::start().expect("redis-server is required: .ci/run installs it")
}

async fn store(server: &RedisServer) -> RedisStore {
    RedisStore::connect(&server.url())
        .await
        .expect("connect to the test's redis-server")
}

#[tokio::test]
async fn two_web_servers_share_what_they_saw() {
    let server = redis();
    // Two guards on two connections: two web servers behind one load balancer.
    let a = ReplayGuard::new(store(&server).await);
    let b = ReplayGuard::new(store(&server).await);
    let now = SystemTime::now();

    let event = ReplayGuard::event_key("wattt", &["COL-1", "success"]);
    assert_eq!(a.record_delivery(&event, now).await, Ok(Delivery::First));
    assert_eq!(b.record_delivery(&event, now).await, Ok(Delivery::Repeat));

    let nonce = ReplayGuard::nonce_key("ljpay", &["site", "00ff"]);
    let until = now + Duration::from_secs(300);
    assert_eq!(b.check_nonce(&nonce, now, until).await, Ok(()));
    assert_eq!(
        a.check_nonce(&nonce, now, until).await,
        Err(GuardError::Replayed)
    );
}

#[tokio::test]
async fn concurrent_first_deliveries_yield_exactly_one_first() {
    let server = redis();
    let stores = [store(&server).await, store(&server).await];
    let now = SystemTime::now();
    let until = now + Duration::from_secs(60);
    for round in 0..50 {
        let key = format!("race-{round}");
        let (x, y) = tokio::join!(
            stores[0].record(&key, now, until),
            stores[1].record(&key, now, until)
        );
        let firsts = [x, y].iter().filter(|r| **r == Ok(Recorded::First)).count();
        assert_eq!(firsts, 1, "round {round}: SET NX must be atomic");
    }
}

#[tokio::test]
async fn keys_live_at_least_as_long_as_the_window() {
    let server = redis();
    let s = store(&server).await.with_prefix("shop-a:");
    let guard = ReplayGuard::new(s).with_event_retention(Duration::from_secs(7 * 24 * 3600));
    let now = SystemTime::now();

    // An LJPay nonce accepted with a 900 s window must be kept ≥ 900 s (the finding of issue 10:
    // the old in-memory store forgot it after 300 s).
    let nonce = ReplayGuard::nonce_key("ljpay", &["site", "abc"]);
    guard
        .check_nonce(&nonce, now, now + Duration::from_secs(900))
        .await
        .expect("first nonce");
    let pttl = server.pttl(&format!("shop-a:{nonce}")).expect("PTTL");
    // Redis counts down from the moment of the SET; allow the test's own few ms.
    assert!(pttl > 899_000 && pttl <= 900_000, "nonce PTTL {pttl} ms");

    let event = ReplayGuard::event_key("ecpay", &["aio", "M1", "T1", "1"]);
    guard.record_delivery(&event, now).await.expect("event");
    let pttl = server.pttl(&format!("shop-a:{event}")).expect("PTTL");
    assert!(pttl > 7 * 24 * 3600 * 1000 - 1000, "event PTTL {pttl} ms");
    // Nothing was written without the prefix.
    assert_eq!(server.pttl(&event).expect("PTTL"), -2);
}

#[tokio::test]
async fn stopped_redis_is_unavailable_and_the_same_store_recovers_after_restart() {
    let mut server = redis();
    let guard = ReplayGuard::new(store(&server).await);
    let now = SystemTime::now();
    assert_eq!(
        guard.record_delivery("before", now).await,
        Ok(Delivery::First)
    );

    server.stop();
    let down = guard.record_delivery("during", now).await;
    assert!(
        matches!(
            down,
            Err(GuardError::Unavailable(StoreError::Unavailable(_)))
        ),
        "while Redis is down: {down:?}"
    );

    server.restart().expect("restart redis-server");
    // The connection manager reconnects in the background: the same guard works again within a
    // few attempts, without being rebuilt.
    let mut result = guard.record_delivery("after", now).await;
    for _ in 0..50 {
        if result.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        result = guard.record_delivery("after", now).await;
    }
    assert_eq!(result, Ok(Delivery::First), "after the restart");
    // The restarted server keeps no data (no persistence): "before" is first again there.
    assert_eq!(
        guard.record_delivery("before", now).await,
        Ok(Delivery::First)
    );
}

#[tokio::test]
async fn unreachable_redis_is_unavailable_without_leaking_the_url() {
    let mut server = redis();
    let url = format!("redis://:hunter2-secret@127.0.0.1:{}/0", server.port());
    server.stop();
    let started = std::time::Instant::now();
    let err = RedisStore::connect(&url)
        .await
        .expect_err("nothing listens");
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    assert!(!err.to_string().contains("hunter2"), "password in {err}");
    assert!(
        !format!("{err:?}").contains("hunter2"),
        "password in {err:?}"
    );
    // Bounded: the CLI maps this to exit 6 and must not hang.
    assert!(started.elapsed() < Duration::from_secs(15));
}

#[tokio::test]
async fn forget_lets_the_event_be_first_again() {
    let server = redis();
    let guard = ReplayGuard::new(store(&server).await);
    let now = SystemTime::now();
    let key = ReplayGuard::event_key("octopus", &["tx-9", "payment.completed"]);
    assert_eq!(guard.record_delivery(&key, now).await, Ok(Delivery::First));
    guard.forget(&key).await.expect("forget");
    assert_eq!(guard.record_delivery(&key, now).await, Ok(Delivery::First));
}
