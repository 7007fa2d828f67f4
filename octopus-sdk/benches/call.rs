//! One authenticated `GET /payments/{id}` through the SDK against the same call
//! made with bare reqwest (same headers, same signature, JSON decode), both on
//! a local wiremock server. Target: SDK overhead below 1.10x.

use criterion::{criterion_group, criterion_main, Criterion};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const BODY: &str = r#"{"success":true,"data":{"id":"payment-uuid-123","orderId":"550e8400-e29b-41d4-a716-446655440000","amount":100.00,"currency":"HKD","status":"completed","method":"octopus_qr","paymentToken":"wG6YPjY","qrCodeData":"{\"url\":\"https://www.online-octopus.com/oos/payment/?token=wG6YPjY\",\"token\":\"wG6YPjY\",\"merchantId\":\"demo_merchant_123\",\"orderId\":\"550e8400-e29b-41d4-a716-446655440000\",\"paymentId\":\"payment-uuid-123\",\"amount\":100,\"currency\":\"HKD\",\"timestamp\":\"2024-01-01T00:00:00Z\"}","octopusTransactionId":"oct_123456789","octopusResponse":"{\"status\":\"SUCCESS\",\"transactionId\":\"oct_123456789\",\"amount\":100,\"currency\":\"HKD\",\"timestamp\":\"2024-01-01T00:05:00Z\"}","failureReason":null,"createdAt":"2024-01-01T00:00:00Z","updatedAt":"2024-01-01T00:05:00Z","completedAt":"2024-01-01T00:05:00Z"}}"#;

async fn sdk_call(client: &octopus_sdk::Client) -> std::time::Duration {
    let t = std::time::Instant::now();
    let p = client.payments().get("payment-uuid-123").await.expect("ok");
    let d = t.elapsed();
    std::hint::black_box(p);
    d
}

async fn bare_call(
    http: &reqwest::Client,
    url: &str,
    secret: &sign_core::Secret,
) -> std::time::Duration {
    let t = std::time::Instant::now();
    let nonce = sign_core::new_nonce();
    let h = sign_core::octopus::auth_headers(secret, "m1", chrono::Utc::now(), &nonce);
    let mut req = http
        .get(url)
        .header("Authorization", "Bearer token")
        .header("X-API-Key", "key");
    for (k, v) in h.pairs() {
        req = req.header(k, v);
    }
    let bytes = req.send().await.expect("ok").bytes().await.expect("body");
    let v: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
    let d = t.elapsed();
    std::hint::black_box(v);
    d
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let server = rt.block_on(async {
        let s = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/api/payments/payment-uuid-123"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(BODY, "application/json"))
            .mount(&s)
            .await;
        s
    });
    let base = format!("{}/api", server.uri());
    let client = octopus_sdk::Client::builder()
        .base_url(base.clone())
        .environment(octopus_sdk::Environment::Sandbox)
        .api_token("token")
        .api_key("key")
        .merchant("m1", "secret")
        .build()
        .expect("client");
    let http = reqwest::Client::new();
    let secret = sign_core::Secret::new("secret");
    let url = format!("{base}/payments/payment-uuid-123");

    // Interleaved pairs: under a noisy, shared machine the load changes between
    // criterion's sequential groups, so also measure both calls alternately and
    // print the ratio of the medians.
    let (sdk_med, bare_med) = rt.block_on(async {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for i in 0..3000 {
            // Alternate which call goes first, so neither always follows the other.
            if i % 2 == 0 {
                a.push(sdk_call(&client).await);
                b.push(bare_call(&http, &url, &secret).await);
            } else {
                b.push(bare_call(&http, &url, &secret).await);
                a.push(sdk_call(&client).await);
            }
        }
        a.sort();
        b.sort();
        (a[a.len() / 2], b[b.len() / 2])
    });
    // Which client setting costs what (bare call, differently configured clients).
    let variants: Vec<(&str, reqwest::Client)> = vec![
        ("default", reqwest::Client::new()),
        (
            "timeout_30s",
            reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .build()
                .expect("client"),
        ),
        (
            "connect_timeout_10s",
            reqwest::Client::builder()
                .connect_timeout(std::time::Duration::from_secs(10))
                .build()
                .expect("client"),
        ),
        (
            "no_redirects",
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
        ),
    ];
    let meds = rt.block_on(async {
        let mut times: Vec<Vec<std::time::Duration>> = vec![Vec::new(); variants.len()];
        for i in 0..1500 {
            for k in 0..variants.len() {
                let j = (i + k) % variants.len();
                times[j].push(bare_call(&variants[j].1, &url, &secret).await);
            }
        }
        times
            .into_iter()
            .map(|mut t| {
                t.sort();
                t[t.len() / 2]
            })
            .collect::<Vec<_>>()
    });
    for ((name, _), m) in variants.iter().zip(meds) {
        println!("bare reqwest, {name}: median {m:?}");
    }
    println!(
        "interleaved medians: octopus_sdk {sdk_med:?}, bare_reqwest {bare_med:?}, ratio {:.3}",
        sdk_med.as_secs_f64() / bare_med.as_secs_f64()
    );

    let mut g = c.benchmark_group("get_payment");
    g.bench_function("octopus_sdk", |b| {
        b.to_async(&rt).iter(|| async {
            let p = client.payments().get("payment-uuid-123").await.expect("ok");
            std::hint::black_box(p);
        })
    });
    g.bench_function("bare_reqwest", |b| {
        b.to_async(&rt).iter(|| async {
            let nonce = sign_core::new_nonce();
            let a = sign_core::octopus::auth_headers(&secret, "m1", chrono::Utc::now(), &nonce);
            let mut req = http
                .get(&url)
                .header("Authorization", "Bearer token")
                .header("X-API-Key", "key");
            for (k, v) in a.pairs() {
                req = req.header(k, v);
            }
            let bytes = req.send().await.expect("ok").bytes().await.expect("body");
            let v: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
            std::hint::black_box(v);
        })
    });
    let hardened = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("client");
    g.bench_function("hardened_reqwest_typed", |b| {
        b.to_async(&rt).iter(|| async {
            let nonce = sign_core::new_nonce();
            let a = sign_core::octopus::auth_headers(&secret, "m1", chrono::Utc::now(), &nonce);
            let mut req = hardened
                .get(&url)
                .header("Authorization", "Bearer token")
                .header("X-API-Key", "key");
            for (k, v) in a.pairs() {
                req = req.header(k, v);
            }
            let bytes = req.send().await.expect("ok").bytes().await.expect("body");
            #[derive(serde::Deserialize)]
            struct Env {
                data: octopus_sdk::Payment,
            }
            let v: Env = serde_json::from_slice(&bytes).expect("json");
            std::hint::black_box(v.data);
        })
    });
    g.finish();

    // Decoding alone: the typed model (exact decimals, chrono times, nested
    // qrCodeData / octopusResponse parses) against a serde_json::Value.
    let mut d = c.benchmark_group("decode_payment");
    d.bench_function("typed", |b| {
        b.iter(|| {
            #[derive(serde::Deserialize)]
            struct Env {
                data: octopus_sdk::Payment,
            }
            let v: Env = serde_json::from_str(std::hint::black_box(BODY)).expect("json");
            std::hint::black_box(v.data);
        })
    });
    d.bench_function("value", |b| {
        b.iter(|| {
            let v: serde_json::Value =
                serde_json::from_str(std::hint::black_box(BODY)).expect("json");
            std::hint::black_box(v);
        })
    });
    d.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
