//! One create-order round trip to a local axum server: the SDK (validate, serialize, sign,
//! send, cap and decode) against the same request sent with bare reqwest (serialize, send,
//! decode; no signing). Run: `cargo bench -p ljpay-sdk --bench roundtrip -- --quick`.

use std::time::{Duration, Instant};

use axum::routing::post;
use axum::Router;
use criterion::{criterion_group, criterion_main, Criterion};
use ljpay_sdk::{Channel, Client, CreateOrderRequest, CreateOrderResponse, RetryPolicy};

const ANSWER: &str = r#"{"order_no":"lp_1","biz_order_no":"B-1","channel":"wechat_native","amount_fen":1999,"expires_at":1763800000,"instructions":{"type":"QR","qr_data_url":"data:image/png;base64,iVBORw0KGgo=","raw_pay_url":"weixin://wxpay/bizpayurl?pr=1"}}"#;

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let base = rt.block_on(async {
        let app = Router::new().route(
            "/api/v1/order/create",
            post(|| async { ([("content-type", "application/json")], ANSWER) }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{addr}")
    });
    let req = CreateOrderRequest::new("B-1", 1999, Channel::WechatNative, "Pear tea x2")
        .client_ip("203.0.113.9");

    let client = Client::builder()
        .base_url(&base)
        .site_code("bench-site")
        .secret("bench-secret")
        .retry_policy(RetryPolicy::disabled())
        .build()
        .expect("client");
    let bare = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .expect("reqwest");
    let url = format!("{base}/api/v1/order/create");

    let mut group = c.benchmark_group("create_order_roundtrip");
    group.bench_function("ljpay_sdk", |b| {
        b.iter(|| {
            rt.block_on(async {
                let out = client.orders().create(&req).await.expect("created");
                assert_eq!(out.order_no(), "lp_1");
            })
        })
    });
    group.bench_function("bare_reqwest", |b| {
        b.iter(|| {
            rt.block_on(async {
                let body = serde_json::to_vec(&req).expect("json");
                let resp = bare
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .expect("sent");
                let bytes = resp.bytes().await.expect("body");
                let out: CreateOrderResponse = serde_json::from_slice(&bytes).expect("decoded");
                assert_eq!(out.order_no, "lp_1");
            })
        })
    });
    let secret = ljpay_sdk::Secret::from("bench-secret");
    group.bench_function("bare_reqwest_signed", |b| {
        b.iter(|| {
            rt.block_on(async {
                let body = serde_json::to_vec(&req).expect("json");
                let h = sign_core::ljpay::sign_request(
                    &secret,
                    "bench-site",
                    "POST",
                    "/api/v1/order/create",
                    &body,
                    chrono::Utc::now().timestamp(),
                    &sign_core::new_nonce(),
                );
                let mut rb = bare.post(&url).header("content-type", "application/json");
                for (k, v) in h.pairs() {
                    rb = rb.header(k, v);
                }
                let resp = rb.body(body).send().await.expect("sent");
                let bytes = resp.bytes().await.expect("body");
                let out: CreateOrderResponse = serde_json::from_slice(&bytes).expect("decoded");
                assert_eq!(out.order_no, "lp_1");
            })
        })
    });
    group.finish();

    // The SDK's own CPU work per call before sending: validate, serialize, nonce, sign.
    c.bench_function("create_order_prepare/validate_serialize_sign", |b| {
        b.iter(|| {
            ljpay_sdk::validate::create_order(&req).expect("valid");
            let body = serde_json::to_vec(&req).expect("json");
            sign_core::ljpay::sign_request(
                &secret,
                "bench-site",
                "POST",
                "/api/v1/order/create",
                &body,
                chrono::Utc::now().timestamp(),
                &sign_core::new_nonce(),
            )
        })
    });

    // Under a noisy machine the separate figures above drift with the load; this pairs each
    // SDK call with a bare call and reports the ratio of the summed times (same load for both).
    let mut sdk_total = Duration::ZERO;
    let mut bare_total = Duration::ZERO;
    c.bench_function("create_order_paired/ljpay_sdk_timed", |b| {
        b.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            for _ in 0..iters {
                let t = Instant::now();
                rt.block_on(async {
                    client.orders().create(&req).await.expect("created");
                });
                let sdk = t.elapsed();
                let t = Instant::now();
                rt.block_on(async {
                    let body = serde_json::to_vec(&req).expect("json");
                    let resp = bare
                        .post(&url)
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await
                        .expect("sent");
                    let bytes = resp.bytes().await.expect("body");
                    let _: CreateOrderResponse = serde_json::from_slice(&bytes).expect("decoded");
                });
                let plain = t.elapsed();
                timed += sdk;
                sdk_total += sdk;
                bare_total += plain;
            }
            timed
        })
    });
    if !bare_total.is_zero() {
        eprintln!(
            "paired create-order round trips: ljpay_sdk / bare_reqwest = {:.3}x",
            sdk_total.as_secs_f64() / bare_total.as_secs_f64()
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
