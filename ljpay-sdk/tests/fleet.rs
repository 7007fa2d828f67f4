//! Webhook verification on a fleet of web servers sharing one real Redis (a `redis-server` this
//! test starts on a free loopback port; `.ci/run` installs Debian's package). Webhooks are
//! signed with the test's own HMAC (`common`).

mod common;

use std::time::Duration;

use common::{expected_signature, SECRET, SITE};
use http::HeaderMap;
use ljpay_sdk::webhook::{Delivery, ReplayGuard, Verifier};
use ljpay_sdk::{Error, ErrorKind};
use sign_core::replay::RedisStore;
use sign_core::testing::RedisServer;

const BODY: &[u8] = br#"{"order_no":"lp_7","biz_order_no":"B-7","status":"PAID","amount_fen":100}"#;
const PATH: &str = "/hooks/ljpay";

fn signed(ts: i64, nonce: &str) -> HeaderMap {
    let sig = expected_signature(SECRET, "POST", PATH, &ts.to_string(), nonce, SITE, BODY);
    let mut h = HeaderMap::new();
    for (k, v) in [
        ("x-pay-site", SITE.to_owned()),
        ("x-pay-timestamp", ts.to_string()),
        ("x-pay-nonce", nonce.to_owned()),
        ("x-pay-signature", sig),
    ] {
        h.insert(k, v.parse().expect("header value"));
    }
    h
}

fn redis() -> RedisServer {
    RedisServer::start().expect("redis-server is required: .ci/run installs it")
}

/// One web server's verifier: its own connection to the shared Redis.
async fn web_server(redis: &RedisServer, window: Duration) -> Verifier {
    let store = RedisStore::connect(&redis.url())
        .await
        .expect("Redis answers");
    Verifier::new(SITE, SECRET)
        .expect("non-empty secret")
        .with_tolerance(window)
        .with_replay_guard(ReplayGuard::new(store))
}

#[tokio::test]
async fn two_web_servers_share_one_redis() {
    let redis = redis();
    let a = web_server(&redis, Duration::from_secs(300)).await;
    let b = web_server(&redis, Duration::from_secs(300)).await;
    let now = chrono::Utc::now().timestamp();
    let first = signed(now, "0123456789abcdef0123456789abcdef");

    let got = a
        .verify_and_record("POST", PATH, &first, BODY)
        .await
        .expect("first delivery");
    assert_eq!(got.delivery, Delivery::First);
    // A captured copy of what `a` accepted, sent to `b`: the same nonce is a replay.
    let replay = b.verify_and_record("POST", PATH, &first, BODY).await;
    assert!(matches!(replay, Err(Error::Replayed)), "{replay:?}");
    // LJPay re-delivering the event to `b`, freshly signed: a repeat, acknowledged and not
    // processed twice.
    let again = signed(now, "fedcba9876543210fedcba9876543210");
    let got = b
        .verify_and_record("POST", PATH, &again, BODY)
        .await
        .expect("re-delivery");
    assert_eq!(got.delivery, Delivery::Repeat);
    assert_eq!(got.key, "ljpay:event:lp_7:PAID");
}

#[tokio::test]
async fn redis_keys_live_at_least_as_long_as_the_window() {
    let redis = redis();
    let window = Duration::from_secs(900);
    let v = web_server(&redis, window).await;
    let now = chrono::Utc::now().timestamp();
    let nonce = "00112233445566778899aabbccddeeff";
    v.verify_and_record_at("POST", PATH, &signed(now, nonce), BODY, now)
        .await
        .expect("first delivery");
    // Key names: RedisStore's default prefix + sign-core's nonce and event keys.
    let prefix = RedisStore::DEFAULT_PREFIX;
    let nonce_ttl = redis
        .pttl(&format!("{prefix}ljpay:nonce:{SITE}:{nonce}"))
        .expect("PTTL");
    let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
    assert!(
        nonce_ttl >= window_ms,
        "nonce kept {nonce_ttl} ms, window {window_ms} ms"
    );
    let event_ttl = redis
        .pttl(&format!("{prefix}ljpay:event:lp_7:PAID"))
        .expect("PTTL");
    let retention_ms =
        i64::try_from(ReplayGuard::DEFAULT_EVENT_RETENTION.as_millis()).unwrap_or(i64::MAX);
    // Redis counts down from the TTL the store set; allow the seconds this test has run.
    assert!(
        event_ttl > retention_ms - 60_000 && event_ttl <= retention_ms,
        "event kept {event_ttl} ms, retention {retention_ms} ms"
    );
}

#[tokio::test]
async fn redis_stopped_mid_test_is_store_unavailable_then_the_same_verifier_recovers() {
    let mut redis = redis();
    let v = web_server(&redis, Duration::from_secs(300)).await;
    let now = chrono::Utc::now().timestamp();
    let ok = v
        .verify_and_record("POST", PATH, &signed(now, &"1".repeat(32)), BODY)
        .await;
    assert!(ok.is_ok(), "{ok:?}");

    redis.stop();
    let down = v
        .verify_and_record("POST", PATH, &signed(now, &"2".repeat(32)), BODY)
        .await;
    match down {
        Err(e @ Error::StoreUnavailable { .. }) => {
            assert_eq!(e.kind(), ErrorKind::Transient, "answer 503: LJPay retries");
        }
        other => panic!("expected StoreUnavailable, got {other:?}"),
    }

    redis.restart().expect("redis-server restarts");
    // The same verifier (and store) reconnects by itself; the restarted Redis is empty, so
    // the event is first again.
    let mut last = None;
    for _ in 0..50 {
        match v
            .verify_and_record("POST", PATH, &signed(now, &sign_core::new_nonce()), BODY)
            .await
        {
            Ok(got) => {
                last = Some(got.delivery);
                break;
            }
            Err(Error::StoreUnavailable { .. }) => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(e) => panic!("unexpected error after restart: {e}"),
        }
    }
    assert_eq!(last, Some(Delivery::First), "works again after the restart");
}
