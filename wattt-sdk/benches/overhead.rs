//! One signed SDK call (`balance`: build the body, sign, send, read the capped body, decode the
//! envelope and typed data) against the same request sent with bare reqwest (pre-built body,
//! bytes read), all to one local axum server. Each sample runs its calls inside one
//! `block_on`, as an async service would.
//!
//! Two references: `bare_reqwest` (a default `reqwest::Client`) and `bare_reqwest_hardened`
//! (the same timeouts and redirect policy the SDK's built-in client uses), so the SDK's own
//! overhead can be told from the cost of per-request timeouts. Target: SDK / bare below 1.10.
//! `sign_encode_decode_only` is the SDK's CPU work alone (sign, encode, decode, type).

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use tokio::runtime::Runtime;
use wattt_sdk::Client;

const ANSWER: &str = r#"{"ok":1,"message":"success","data":{"balance":"123456.78","available":120000.5,"frozen":0,"currency":"TWD"}}"#;
const BODY: &str =
    r#"{"sign":"0123456789abcdef0123456789abcdef","timestamp":1782347899,"uid":"ABCDE"}"#;

fn start_server(rt: &Runtime) -> String {
    rt.block_on(async {
        let app = axum::Router::new()
            .fallback(|| async { ([(http::header::CONTENT_TYPE, "application/json")], ANSWER) });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        format!("http://{addr}")
    })
}

async fn bare_call(http: &reqwest::Client, url: &str) {
    let r = http
        .post(url)
        .header("content-type", "application/json")
        .body(BODY)
        .send()
        .await
        .expect("send");
    criterion::black_box(r.bytes().await.expect("body"));
}

fn bench(c: &mut Criterion) {
    let rt = Runtime::new().expect("runtime");
    let base = start_server(&rt);
    let url = format!("{base}/api/v1/merchant/balance");
    let client = Client::builder()
        .base_url(&base)
        .credentials("ABCDE", "bench-secret")
        .build()
        .expect("client");
    let bare = reqwest::Client::new();
    let hardened = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");

    let mut g = c.benchmark_group("balance_call");
    g.bench_function("bare_reqwest", |b| {
        b.iter_custom(|n| {
            rt.block_on(async {
                let t = Instant::now();
                for _ in 0..n {
                    bare_call(&bare, &url).await;
                }
                t.elapsed()
            })
        })
    });
    g.bench_function("bare_reqwest_hardened", |b| {
        b.iter_custom(|n| {
            rt.block_on(async {
                let t = Instant::now();
                for _ in 0..n {
                    bare_call(&hardened, &url).await;
                }
                t.elapsed()
            })
        })
    });
    g.bench_function("wattt_sdk", |b| {
        b.iter_custom(|n| {
            rt.block_on(async {
                let t = Instant::now();
                for _ in 0..n {
                    criterion::black_box(client.balance().await.expect("balance"));
                }
                t.elapsed()
            })
        })
    });
    g.bench_function("sign_encode_decode_only", |b| {
        use wattt_sdk::Signer;
        let signer = wattt_sdk::WatttSign::new("bench-secret");
        b.iter(|| {
            let mut m = serde_json::Map::new();
            m.insert("uid".into(), "ABCDE".into());
            m.insert("timestamp".into(), chrono::Utc::now().timestamp().into());
            let s = signer.sign_json(&m);
            m.insert("sign".into(), s.into());
            let v = serde_json::to_vec(&m).expect("encode");
            criterion::black_box(v);
            let mut env: serde_json::Map<String, serde_json::Value> =
                serde_json::from_slice(ANSWER.as_bytes()).expect("decode");
            let d = env.remove("data").expect("data");
            let bal: wattt_sdk::Balance = serde_json::from_value(d).expect("typed");
            criterion::black_box(bal);
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
