//! Verified webhooks per second through an axum handler on loopback: the SDK's
//! `Verifier::verify_and_record` with the in-memory store and with the Redis store (a real
//! `redis-server` the bench starts on a free port), against the same handler answering without
//! verification. Every request is a distinct signed callback (new nonce, new event key), signed
//! before the timer starts, and posted by 64 concurrent tasks over one shared reqwest client.
//!
//! Run: `cargo bench -p examples --bench webhooks`. Target: ≥ 90 % of bare with the memory
//! store, ≥ 50 % with Redis. Besides criterion's timings (one sample = 4 000 callbacks) it
//! prints the paired ratios.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use criterion::{criterion_group, criterion_main, Criterion};
use sign_core::replay::{RedisStore, ReplayGuard};
use sign_core::Secret;

const TASKS: usize = 64;
const BATCH: usize = 4_000;
const SECRET: &str = "bench-webhook-secret";

/// One signed callback, ready to post.
#[derive(Clone)]
struct Signed {
    headers: Vec<(&'static str, String)>,
    body: Bytes,
}

/// How a gateway's callbacks are signed (as the gateway signs them) and verified.
#[derive(Clone, Copy)]
enum Gateway {
    Ljpay,
    Octopus,
    Wattt,
    Ecpay,
}

impl Gateway {
    fn name(self) -> &'static str {
        match self {
            Gateway::Ljpay => "ljpay",
            Gateway::Octopus => "octopus",
            Gateway::Wattt => "wattt",
            Gateway::Ecpay => "ecpay",
        }
    }

    /// Callback number `n`, signed with sign-core as the gateway would.
    fn sign(self, n: usize) -> Signed {
        let secret = Secret::from(SECRET);
        match self {
            Gateway::Ljpay => {
                let body = format!(
                    r#"{{"order_no":"lp_{n}","biz_order_no":"B-{n}","status":"PAID","channel":"wechat_native","amount_fen":1999,"paid_amount_fen":1999,"paid_at":1800000000}}"#
                );
                let nonce = sign_core::new_nonce();
                let h = sign_core::ljpay::sign_request(
                    &secret,
                    "bench-site",
                    "POST",
                    "/verified",
                    body.as_bytes(),
                    chrono::Utc::now().timestamp(),
                    &nonce,
                );
                Signed {
                    headers: h.pairs().iter().map(|(k, v)| (*k, v.to_string())).collect(),
                    body: body.into(),
                }
            }
            Gateway::Octopus => {
                let ts = sign_core::octopus::format_timestamp(chrono::Utc::now());
                let body = format!(
                    r#"{{"eventType":"payment.completed","transactionId":"tx-{n}","orderId":"o-{n}","status":"SUCCESS","amount":100.10,"currency":"HKD","timestamp":"{ts}","merchantId":"m1"}}"#
                );
                let sig = sign_core::octopus::webhook_signature(&secret, body.as_bytes());
                Signed {
                    headers: vec![("x-octopus-signature", sig), ("x-octopus-timestamp", ts)],
                    body: body.into(),
                }
            }
            Gateway::Wattt => {
                let mut obj = serde_json::Map::new();
                obj.insert("orderid".into(), format!("COL-{n}").into());
                obj.insert("amount".into(), 2500.into());
                obj.insert("status".into(), "success".into());
                obj.insert("uid".into(), "ABCDE".into());
                let sign = sign_core::wattt::sign_json(&obj, &secret);
                obj.insert("sign".into(), sign.into());
                Signed {
                    headers: vec![("content-type", "application/json".into())],
                    body: serde_json::to_vec(&obj).unwrap_or_default().into(),
                }
            }
            Gateway::Ecpay => {
                let (key, iv) = (
                    Secret::from("pwFHCqoQZGmho4w6"),
                    Secret::from("EkRm7iFT261dpevs"),
                );
                let trade = format!("M{n}");
                let fields = [
                    ("MerchantID", "3002607"),
                    ("MerchantTradeNo", trade.as_str()),
                    ("RtnCode", "1"),
                    ("RtnMsg", "交易成功"),
                    ("TradeNo", "2601011000000001"),
                    ("TradeAmt", "3000"),
                    ("PaymentDate", "2026/01/01 10:01:00"),
                    ("PaymentType", "Credit_CreditCard"),
                    ("TradeDate", "2026/01/01 10:00:00"),
                    ("SimulatePaid", "0"),
                ];
                let mac = sign_core::ecpay::check_mac_value(
                    fields,
                    &key,
                    &iv,
                    sign_core::ecpay::HashAlgorithm::Sha256,
                );
                let mut pairs: Vec<(&str, &str)> = fields.to_vec();
                pairs.push(("CheckMacValue", &mac));
                Signed {
                    headers: vec![("content-type", "application/x-www-form-urlencoded".into())],
                    body: serde_urlencoded::to_string(&pairs)
                        .unwrap_or_default()
                        .into(),
                }
            }
        }
    }
}

/// Each gateway's verifier over one guard.
struct Verifiers {
    ljpay: ljpay_sdk::webhook::Verifier,
    octopus: octopus_sdk::webhook::Verifier,
    wattt: wattt_sdk::webhook::Verifier,
    ecpay: ecpay_sdk::webhook::Verifier,
}

impl Verifiers {
    fn new(guard: ReplayGuard) -> Verifiers {
        Verifiers {
            ljpay: ljpay_sdk::webhook::Verifier::new("bench-site", SECRET)
                .expect("ljpay verifier")
                .with_replay_guard(guard.clone()),
            octopus: octopus_sdk::webhook::Verifier::new(SECRET)
                .expect("octopus verifier")
                .with_replay_guard(guard.clone()),
            wattt: wattt_sdk::webhook::Verifier::new(SECRET)
                .expect("wattt verifier")
                .with_replay_guard(guard.clone()),
            ecpay: ecpay_sdk::webhook::Verifier::new(ecpay_sdk::Credentials::stage())
                .expect("ecpay verifier")
                .with_replay_guard(guard),
        }
    }
}

async fn verified(
    State((gateway, v)): State<(Gateway, Arc<Verifiers>)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let first = match gateway {
        Gateway::Ljpay => v
            .ljpay
            .verify_and_record("POST", "/verified", &headers, &body)
            .await
            .map(|r| r.is_first())
            .map_err(|e| e.to_string()),
        Gateway::Octopus => v
            .octopus
            .verify_and_record(&headers, &body)
            .await
            .map(|r| r.is_first())
            .map_err(|e| e.to_string()),
        Gateway::Wattt => v
            .wattt
            .verify_and_record(&body[..])
            .await
            .map(|r| r.is_first())
            .map_err(|e| e.to_string()),
        Gateway::Ecpay => v
            .ecpay
            .verify_and_record(&body)
            .await
            .map(|r| r.is_first())
            .map_err(|e| e.to_string()),
    };
    match first {
        Ok(true) => (StatusCode::OK, "ok").into_response(),
        // Every callback of the bench is distinct: a repeat or an error is a bench bug.
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "not first").into_response(),
    }
}

async fn bare(headers: HeaderMap, body: Bytes) -> Response {
    std::hint::black_box((headers, body));
    (StatusCode::OK, "ok").into_response()
}

/// A server with `/bare` and `/verified` for `gateway`, its verifiers on `guard`.
async fn server(gateway: Gateway, guard: ReplayGuard) -> String {
    let state = (gateway, Arc::new(Verifiers::new(guard)));
    let app = Router::new()
        .route("/bare", post(bare))
        .route("/verified", post(verified))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

/// Posts `batch` to `url` from `TASKS` tasks; returns the elapsed time. Panics on any non-200.
async fn post_all(http: &reqwest::Client, url: &str, batch: Arc<Vec<Signed>>) -> Duration {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..TASKS {
        let (http, url, batch, next) = (http.clone(), url.to_owned(), batch.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(s) = batch.get(i) else { break };
                let mut req = http.post(&url).body(s.body.clone());
                for (k, v) in &s.headers {
                    req = req.header(*k, v);
                }
                let resp = req.send().await.expect("post callback");
                assert_eq!(resp.status(), 200, "callback {i} refused");
            }
        }));
    }
    for t in tasks {
        t.await.expect("poster task");
    }
    started.elapsed()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let redis = sign_core::testing::RedisServer::start()
        .expect("redis-server is required: .ci/run installs it");
    let http = reqwest::Client::new();
    let counter = AtomicUsize::new(0);
    let batch = |g: Gateway| {
        let start = counter.fetch_add(BATCH, Ordering::Relaxed);
        Arc::new(
            (start..start + BATCH)
                .map(|n| g.sign(n))
                .collect::<Vec<_>>(),
        )
    };

    let mut group = c.benchmark_group("webhooks_4000_per_sample");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    group.throughput(criterion::Throughput::Elements(BATCH as u64));
    let mut report = Vec::new();
    for g in [
        Gateway::Ljpay,
        Gateway::Octopus,
        Gateway::Wattt,
        Gateway::Ecpay,
    ] {
        let memory = rt.block_on(server(g, ReplayGuard::memory()));
        let redis_guard = rt.block_on(async {
            let store = RedisStore::connect(&redis.url())
                .await
                .expect("redis store");
            ReplayGuard::new(store.with_prefix(format!("bench:{}:", g.name())))
        });
        let on_redis = rt.block_on(server(g, redis_guard));
        let targets = [
            ("bare", format!("{memory}/bare")),
            ("memory", format!("{memory}/verified")),
            ("redis", format!("{on_redis}/verified")),
        ];
        for (side, url) in &targets {
            group.bench_function(format!("{}/{side}", g.name()), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let calls = batch(g);
                        total += rt.block_on(post_all(&http, url, calls));
                    }
                    total
                })
            });
        }
        // Three paired rounds for the ratios.
        let mut rates = [Vec::new(), Vec::new(), Vec::new()];
        for _ in 0..3 {
            for (i, (_, url)) in targets.iter().enumerate() {
                let calls = batch(g);
                let d = rt.block_on(post_all(&http, url, calls));
                rates[i].push(BATCH as f64 / d.as_secs_f64());
            }
        }
        let median = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let [mut b, mut m, mut r] = rates;
        report.push((g.name(), median(&mut b), median(&mut m), median(&mut r)));
    }
    group.finish();
    println!("\nVerified webhooks per second, {TASKS} posting tasks, 3 paired rounds (medians):");
    println!("| gateway | bare/s | memory/s | memory ratio | redis/s | redis ratio |");
    println!("|---|---|---|---|---|---|");
    for (name, b, m, r) in report {
        println!(
            "| {name} | {b:.0} | {m:.0} | {:.3} | {r:.0} | {:.3} |",
            m / b,
            r / b
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
