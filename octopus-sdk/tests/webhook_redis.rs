//! Webhook deliveries recorded in a real Redis (issue 10): each test starts
//! its own `redis-server` on a free loopback port (`sign_core::testing`), so
//! two verifiers can play two web servers behind a load balancer. Signatures
//! are computed here with the `hmac` crate, not with the SDK.

mod common;

use std::time::Duration;

use chrono::{DateTime, Utc};
use http::{HeaderMap, HeaderValue};
use octopus_sdk::webhook::Verifier;
use octopus_sdk::Error;
use sign_core::replay::{Delivery, RedisStore, ReplayGuard};
use sign_core::testing::RedisServer;

const SECRET: &str = "whsec_redis_9a1f";

fn now() -> DateTime<Utc> {
    "2024-01-01T00:05:00Z".parse().unwrap()
}

fn signed(tx: &str) -> (HeaderMap, Vec<u8>) {
    let body = format!(
        r#"{{"eventType":"payment.completed","transactionId":"{tx}","orderId":"o-1","status":"SUCCESS","amount":100.10,"currency":"HKD","timestamp":"2024-01-01T00:05:00Z"}}"#
    );
    let mut h = HeaderMap::new();
    let sig = common::hmac_hex(SECRET.as_bytes(), &[body.as_bytes()]);
    h.insert("x-octopus-signature", HeaderValue::from_str(&sig).unwrap());
    h.insert(
        "x-octopus-timestamp",
        HeaderValue::from_static("2024-01-01T00:05:00Z"),
    );
    (h, body.into_bytes())
}

async fn verifier_on(redis: &RedisServer, retention: Duration) -> Verifier {
    let store = RedisStore::connect(&redis.url())
        .await
        .expect("the test's own redis answers")
        .with_prefix("octopus-test:");
    Verifier::new(SECRET)
        .unwrap()
        .with_replay_guard(ReplayGuard::new(store).with_event_retention(retention))
}

#[tokio::test]
async fn two_web_servers_share_one_redis() {
    let redis = RedisServer::start().expect("redis-server is required: .ci/run installs it");
    let week = ReplayGuard::DEFAULT_EVENT_RETENTION;
    let (a, b) = (
        verifier_on(&redis, week).await,
        verifier_on(&redis, week).await,
    );
    let (h, body) = signed("oct_fleet_1");
    // (case, which server, expected delivery)
    let cases = [
        ("server A accepts the first delivery", &a, Delivery::First),
        (
            "server B sees the re-delivery A accepted",
            &b,
            Delivery::Repeat,
        ),
        ("server A sees it again too", &a, Delivery::Repeat),
    ];
    for (name, v, want) in cases {
        let got = v
            .verify_and_record_at(&h, &body, now())
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(got.delivery, want, "{name}");
    }
}

#[tokio::test]
async fn redis_stopped_is_store_unavailable_and_a_restart_heals() {
    let mut redis = RedisServer::start().expect("redis-server is required: .ci/run installs it");
    let v = verifier_on(&redis, Duration::from_secs(3600)).await;
    let (h, body) = signed("oct_restart_1");
    assert_eq!(
        v.verify_and_record_at(&h, &body, now())
            .await
            .unwrap()
            .delivery,
        Delivery::First
    );
    redis.stop();
    let (h2, body2) = signed("oct_restart_2");
    let e = v
        .verify_and_record_at(&h2, &body2, now())
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::StoreUnavailable { .. }),
        "stopped: {e:?}"
    );
    assert_eq!(e.kind(), octopus_sdk::ErrorKind::Transient);
    // The pure check needs no store.
    assert!(
        v.verify_at(&h2, &body2, now()).is_ok(),
        "verify works without the store"
    );
    redis.restart().expect("restart on the same port");
    // The same verifier, not rebuilt: the connection manager reconnects.
    let mut last = None;
    for _ in 0..50 {
        match v.verify_and_record_at(&h2, &body2, now()).await {
            Ok(r) => {
                last = Some(Ok(r.delivery));
                break;
            }
            Err(e) => last = Some(Err(e)),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    match last {
        Some(Ok(d)) => assert_eq!(d, Delivery::First, "after restart (no persistence)"),
        other => panic!("after restart: {other:?}"),
    }
}

#[tokio::test]
async fn event_keys_live_in_redis_for_the_retention() {
    let redis = RedisServer::start().expect("redis-server is required: .ci/run installs it");
    // (case, retention)
    let cases = [
        (
            "default retention, 7 days",
            ReplayGuard::DEFAULT_EVENT_RETENTION,
        ),
        ("one hour", Duration::from_secs(3600)),
    ];
    for (i, (name, retention)) in cases.into_iter().enumerate() {
        let v = verifier_on(&redis, retention).await;
        let (h, body) = signed(&format!("oct_ttl_{i}"));
        let got = v.verify_and_record_at(&h, &body, now()).await.unwrap();
        let pttl = redis
            .pttl(&format!("octopus-test:{}", got.key))
            .expect("PTTL answers");
        let want = retention.as_millis() as i64;
        // Read back at once: at most the retention, and short of it only by the round trip.
        assert!(
            pttl <= want && pttl >= want - 5_000,
            "{name}: PTTL {pttl} ms for a {want} ms retention"
        );
        // Never shorter than the window a re-sent body could still pass (300 s).
        assert!(pttl >= 300_000, "{name}: PTTL {pttl} ms");
    }
}
