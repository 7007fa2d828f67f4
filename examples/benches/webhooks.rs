//! Verified webhooks per second through an axum handler on loopback: the SDK's
//! `Verifier::verify_and_record` with the in-memory store and with the Redis store (a real
//! `redis-server` the bench starts on a free port), against the same handler answering without
//! verification. Every request is a distinct signed callback (new nonce, new event key), signed
//! before the timer starts, and posted by 64 concurrent tasks over one shared reqwest client.
//!
//! The bare handler does what a merchant's handler minimally must: it decodes the body into
//! the merchant's own typed struct of the fields it acts on (`serde_json` for the JSON
//! gateways, `serde_urlencoded` for ECPay's form, as axum's `Json`/`Form` extractors would),
//! and answers. It does not verify, so it does nothing the SDK path could skip.
//!
//! Allocations per callback are counted by a counting global allocator (a thread-local counter,
//! so the count costs no shared cache line): each handler's future is polled inside a wrapper
//! that adds what the polling thread allocated during each poll. Axum's extraction of headers
//! and body is the same for both routes and is not in the count.
//!
//! # How the ratios are measured
//!
//! The machine is shared (the posting client runs on the same two cores as the server, and
//! other builds come and go), so rates measured minutes apart are not comparable. The ratios
//! therefore come from **paired rounds**: one round posts `BATCH` (4 000) callbacks to each
//! of bare, memory, Redis and fresh memory (below) back to back (the order rotates from round
//! to round, so no side always runs first or last), each round gives its own ratios
//! `memory / bare` and `redis / bare`,
//! and the figure printed is the **median of the per-round ratios** over `WEBHOOKS_PAIRS`
//! rounds (default 15), with the lowest and highest round next to it. A burst of load hits
//! one round, both sides of it about alike, and the median ignores the few rounds it does
//! skew. The rates printed are the medians of each side's per-round rates.
//!
//! Next to the wall-clock ratio the table gives the **CPU ratio** of the memory store: the CPU
//! time the bench process (posting client and server) spent per bare round over what it
//! spent per memory round, read from Linux's per-thread `schedstat` (a round's CPU time does
//! not grow when another process takes the cores, its wall time does). It is what the
//! wall-clock ratio comes to on two cores of the bench's own, and it swings much less on a
//! loaded machine; the Redis server's CPU is another process's, so Redis has no CPU ratio.
//!
//! Bare and memory are two routes of one server (same listener, same connections, same
//! warm-up). The memory store of `/verified` lives for the whole run, so it grows by each
//! round's keys (LJPay records two per callback, nonce and event: about 130 000 keys by the
//! end); a second table runs a fourth side, `/fresh`, on the same server, whose verifiers use
//! a new memory store each round (what the in-process table does), and gives the process's
//! CPU microseconds per callback for bare, the grown store and the fresh one, so that the
//! HTTP gap reads in the same unit as the in-process "extra ns".
//!
//! Criterion's own timings (one sample = `BATCH` callbacks) run first, per target, for the
//! per-target confidence intervals; `WEBHOOKS_SKIP_CRITERION=1` leaves them out.
//!
//! The in-process table (no HTTP) is measured the same way: per gateway, `WEBHOOKS_PAIRS`
//! paired rounds of n distinct callbacks through the bare decode and through
//! `verify_and_record` (a fresh memory guard each round), alternating which goes first;
//! the nanoseconds are per-side medians and the ratio `sdk / bare` the median per round.
//! `WEBHOOKS_DIRECT_GROWN=1` keeps one guard over all rounds instead (the store grows by n
//! keys a round, 2n for LJPay), for the cost of a grown store without HTTP.
//! The two loops are the functions `bare_round` and `sdk_round` (never inlined), so that
//! `valgrind --tool=callgrind` gives the instructions of each: their inclusive cost divided by
//! n times the rounds.
//!
//! Results (issue 10), 2026-12-02 07:10 UTC, idle machine (load average under 2), three runs
//! of 15 paired rounds each with `WEBHOOKS_SKIP_CRITERION=1`, code `c9fd508`; memory / bare
//! with the store grown over the run, median of the per-round ratios:
//!
//! | gateway | memory, runs 1 / 2 / 3 | fresh store | Redis | start of the day (`215f46e`, 06:55, two runs) |
//! |---|---:|---:|---:|---:|
//! | LJPay | 0.911 / 0.915 / 0.917 | 0.912 / 0.921 / 0.929 | 0.56-0.58 | 0.892 / 0.918 |
//! | Octopus | 0.947 / 0.951 / 0.967 | 0.939-0.963 | 0.64-0.68 | 0.921 / 0.996 |
//! | Wattt | 0.946 / 0.930 / 0.939 | 0.932-0.945 | 0.63-0.64 | 0.944 / 0.947 |
//! | ECPay | 0.951 / 0.958 / 0.936 | 0.933-0.958 | 0.64-0.65 | 0.961 / 0.962 |
//!
//! In process (no HTTP), verify_and_record against the bare decode, ns per callback (bare /
//! SDK): LJPay 413-438 / 2145-2345, Octopus 579-621 / 1502-1570, Wattt 339-355 / 1357-1463,
//! ECPay 1019-1086 / 2190-2358.
//!
//! Run: `cargo bench -p examples --bench webhooks`. Target: ≥ 90 % of bare with the memory
//! store, ≥ 50 % with Redis. `WEBHOOKS_DIRECT=1` runs only the in-process table
//! (`WEBHOOKS_DIRECT=2000` sets n, default 20 000), `WEBHOOKS_GATEWAY=ecpay` (or ljpay,
//! octopus, wattt) keeps one gateway, `WEBHOOKS_PAIRS=n` sets the rounds. For callgrind:
//! `WEBHOOKS_DIRECT=2000 WEBHOOKS_PAIRS=1 WEBHOOKS_GATEWAY=ljpay valgrind --tool=callgrind
//! target/release/deps/webhooks-… --bench`, then `callgrind_annotate --inclusive=yes` and read
//! `bare_round` and `sdk_round`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use criterion::{criterion_group, criterion_main, Criterion};
use sign_core::replay::{MemoryStore, RedisStore, ReplayGuard};
use sign_core::Secret;

const TASKS: usize = 64;
const BATCH: usize = 4_000;
const SECRET: &str = "bench-webhook-secret";

/// Counts allocations per thread; see the module docs.
struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

fn count_one() {
    // `try_with`: the allocator also runs while thread-locals are torn down.
    let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
}

fn allocs_here() -> u64 {
    ALLOCS.try_with(Cell::get).unwrap_or(0)
}

// SAFETY: every call is forwarded to `System` unchanged; only a counter is bumped.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made inside the handlers, per side (bare, memory, redis, fresh memory).
static HANDLER_ALLOCS: [AtomicU64; SIDES] = [
    AtomicU64::new(0),
    AtomicU64::new(0),
    AtomicU64::new(0),
    AtomicU64::new(0),
];
const BARE: usize = 0;
const MEMORY: usize = 1;
const REDIS: usize = 2;
/// The memory store again, a new one each round (see the module docs).
const FRESH: usize = 3;
const SIDES: usize = 4;

/// Polls `f`, adding what each poll allocated on the polling thread to `HANDLER_ALLOCS[side]`.
async fn counted<F: Future>(side: usize, f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut n = 0u64;
    let out = std::future::poll_fn(|cx| {
        let before = allocs_here();
        let r = f.as_mut().poll(cx);
        n += allocs_here().wrapping_sub(before);
        r
    })
    .await;
    HANDLER_ALLOCS[side].fetch_add(n, Ordering::Relaxed);
    out
}

/// The merchant's own structs for the bare handler: the fields it acts on, owned.
mod merchant {
    use serde::Deserialize;

    #[derive(Deserialize)]
    #[allow(dead_code)]
    pub struct Ljpay {
        pub order_no: String,
        pub biz_order_no: String,
        pub status: String,
        pub channel: Option<String>,
        pub amount_fen: Option<i64>,
        pub paid_amount_fen: Option<i64>,
        pub paid_at: Option<i64>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    pub struct Octopus {
        pub event_type: String,
        pub transaction_id: Option<String>,
        pub order_id: String,
        pub status: String,
        pub amount: serde_json::Number,
        pub currency: String,
        pub timestamp: String,
        pub merchant_id: Option<String>,
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    pub struct Wattt {
        pub orderid: String,
        pub amount: serde_json::Number,
        pub status: String,
        pub uid: String,
        pub sign: String,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    #[allow(dead_code)]
    pub struct Ecpay {
        #[serde(rename = "MerchantID")]
        pub merchant_id: String,
        pub merchant_trade_no: String,
        pub rtn_code: i64,
        pub rtn_msg: String,
        pub trade_no: String,
        pub trade_amt: u64,
        pub payment_date: String,
        pub payment_type: String,
        pub trade_date: String,
        pub simulate_paid: String,
        pub check_mac_value: String,
    }
}

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

/// What a server's handlers share: the gateway, the verifiers of `/verified` and the side its
/// allocations count to, and the per-round verifiers of `/fresh`.
#[derive(Clone)]
struct App {
    gateway: Gateway,
    verifiers: Arc<Verifiers>,
    side: usize,
    fresh: Arc<Fresh>,
}

/// One set of verifiers per round, each over its own new memory store; `round` says which
/// one `/fresh` uses (set between rounds, never while one runs).
struct Fresh {
    per_round: Vec<Verifiers>,
    round: AtomicUsize,
}

async fn verified(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    let (gateway, v, side) = (app.gateway, app.verifiers, app.side);
    counted(side, async move {
        let first = verify_one(gateway, &v, &headers, &body).await;
        match first {
            Ok(true) => (StatusCode::OK, "ok").into_response(),
            // Every callback of the bench is distinct: a repeat or an error is a bench bug.
            _ => (StatusCode::INTERNAL_SERVER_ERROR, "not first").into_response(),
        }
    })
    .await
}

/// `/verified` over the round's fresh store.
async fn fresh(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    counted(FRESH, async move {
        let round = app.fresh.round.load(Ordering::Relaxed);
        let first = match app.fresh.per_round.get(round) {
            Some(v) => verify_one(app.gateway, v, &headers, &body).await,
            None => Err("no verifiers for this round".into()),
        };
        match first {
            Ok(true) => (StatusCode::OK, "ok").into_response(),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, "not first").into_response(),
        }
    })
    .await
}

/// The SDK path: `verify_and_record`; `Ok(true)` for a first delivery.
async fn verify_one(
    gateway: Gateway,
    v: &Verifiers,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<bool, String> {
    match gateway {
        Gateway::Ljpay => v
            .ljpay
            .verify_and_record("POST", "/verified", headers, body)
            .await
            .map(|r| r.is_first())
            .map_err(|e| e.to_string()),
        Gateway::Octopus => v
            .octopus
            .verify_and_record(headers, body)
            .await
            .map(|r| r.is_first())
            .map_err(|e| e.to_string()),
        Gateway::Wattt => v
            .wattt
            .verify_and_record(body)
            .await
            .map(|r| r.is_first())
            .map_err(|e| e.to_string()),
        Gateway::Ecpay => v
            .ecpay
            .verify_and_record(body)
            .await
            .map(|r| r.is_first())
            .map_err(|e| e.to_string()),
    }
}

/// The bare path: decode the body into the merchant's struct; `true` when it decoded.
fn decode_bare(gateway: Gateway, body: &[u8]) -> bool {
    match gateway {
        Gateway::Ljpay => serde_json::from_slice::<merchant::Ljpay>(body)
            .map(std::hint::black_box)
            .is_ok(),
        Gateway::Octopus => serde_json::from_slice::<merchant::Octopus>(body)
            .map(std::hint::black_box)
            .is_ok(),
        Gateway::Wattt => serde_json::from_slice::<merchant::Wattt>(body)
            .map(std::hint::black_box)
            .is_ok(),
        Gateway::Ecpay => serde_urlencoded::from_bytes::<merchant::Ecpay>(body)
            .map(std::hint::black_box)
            .is_ok(),
    }
}

async fn bare(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    counted(BARE, async move {
        std::hint::black_box(&headers);
        if decode_bare(app.gateway, &body) {
            (StatusCode::OK, "ok").into_response()
        } else {
            (StatusCode::INTERNAL_SERVER_ERROR, "not decoded").into_response()
        }
    })
    .await
}

/// A server with `/bare`, `/verified` and `/fresh` for `gateway`, the verifiers of
/// `/verified` on `guard`; `side` says where `/verified` counts its allocations; `/fresh`
/// has a new memory store for each of `rounds` rounds.
async fn server(
    gateway: Gateway,
    guard: ReplayGuard,
    side: usize,
    rounds: usize,
) -> (String, Arc<Fresh>) {
    let state = App {
        gateway,
        verifiers: Arc::new(Verifiers::new(guard)),
        side,
        fresh: Arc::new(Fresh {
            per_round: (0..rounds)
                .map(|_| Verifiers::new(ReplayGuard::memory()))
                .collect(),
            round: AtomicUsize::new(0),
        }),
    };
    let fresh_rounds = state.fresh.clone();
    let app = Router::new()
        .route("/bare", post(bare))
        .route("/verified", post(verified))
        .route("/fresh", post(fresh))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), fresh_rounds)
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

/// Paired rounds (see the module docs).
fn pairs() -> usize {
    env_usize("WEBHOOKS_PAIRS", 15)
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn spread(v: &[f64]) -> (f64, f64) {
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (lo, hi)
}

/// `calls` signed callbacks as the handler receives them.
fn prepared(g: Gateway, start: usize, n: usize) -> Vec<(HeaderMap, Bytes)> {
    (start..start + n)
        .map(|i| {
            let s = g.sign(i);
            let mut h = HeaderMap::new();
            for (k, v) in &s.headers {
                h.insert(*k, v.parse().expect("header value"));
            }
            (h, s.body)
        })
        .collect()
}

/// The bare decode of every callback, in a loop (not inlined: callgrind reads its cost).
#[inline(never)]
fn bare_round(g: Gateway, calls: &[(HeaderMap, Bytes)]) {
    for (h, body) in calls {
        std::hint::black_box(h);
        assert!(decode_bare(g, body), "bare decode");
    }
}

/// `verify_and_record` of every callback, in a loop (not inlined: callgrind reads its cost).
#[inline(never)]
fn sdk_round(
    g: Gateway,
    v: &Verifiers,
    calls: &[(HeaderMap, Bytes)],
    rt: &tokio::runtime::Runtime,
) {
    rt.block_on(async {
        for (h, body) in calls {
            assert_eq!(verify_one(g, v, h, body).await, Ok(true));
        }
    });
}

/// One gateway's in-process figures: per-side median ns and allocations per callback, and
/// the median of the per-round ratios sdk / bare.
struct Direct {
    bare_ns: f64,
    sdk_ns: f64,
    ratio: f64,
    ratio_spread: (f64, f64),
    bare_allocs: f64,
    sdk_allocs: f64,
}

/// In process, no HTTP: paired rounds of `n` distinct callbacks (see the module docs).
fn direct(g: Gateway, n: usize, start: usize) -> Direct {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let rounds = pairs();
    let (mut bare_ns, mut sdk_ns, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let (mut bare_allocs, mut sdk_allocs) = (0u64, 0u64);
    let grown = std::env::var_os("WEBHOOKS_DIRECT_GROWN")
        .is_some()
        .then(|| Verifiers::new(ReplayGuard::memory()));
    for round in 0..rounds {
        let calls = prepared(g, start + round * n, n);
        let fresh;
        let v = match &grown {
            Some(v) => v,
            None => {
                fresh = Verifiers::new(ReplayGuard::memory());
                &fresh
            }
        };
        let (mut b, mut s) = (0.0, 0.0);
        for side in [round % 2, 1 - round % 2] {
            let a0 = allocs_here();
            let t0 = Instant::now();
            if side == 0 {
                bare_round(g, &calls);
                b = t0.elapsed().as_nanos() as f64 / n as f64;
                bare_allocs += allocs_here() - a0;
            } else {
                sdk_round(g, v, &calls, &rt);
                s = t0.elapsed().as_nanos() as f64 / n as f64;
                sdk_allocs += allocs_here() - a0;
            }
        }
        bare_ns.push(b);
        sdk_ns.push(s);
        ratios.push(s / b);
    }
    let per_call = |a: u64| a as f64 / (rounds * n) as f64;
    Direct {
        bare_ns: median(&bare_ns),
        sdk_ns: median(&sdk_ns),
        ratio: median(&ratios),
        ratio_spread: spread(&ratios),
        bare_allocs: per_call(bare_allocs),
        sdk_allocs: per_call(sdk_allocs),
    }
}

fn gateways() -> Vec<Gateway> {
    let only = std::env::var("WEBHOOKS_GATEWAY").ok();
    [
        Gateway::Ljpay,
        Gateway::Octopus,
        Gateway::Wattt,
        Gateway::Ecpay,
    ]
    .into_iter()
    .filter(|g| only.as_deref().is_none_or(|o| o == g.name()))
    .collect()
}

fn print_direct(n: usize) {
    let rounds = pairs();
    println!("\nIn process, no HTTP ({n} distinct callbacks a round, {rounds} paired rounds):");
    println!(
        "| gateway | bare decode ns | verify_and_record ns | extra ns | sdk/bare (lo–hi) | allocs bare | allocs SDK |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (i, g) in gateways().into_iter().enumerate() {
        let d = direct(g, n, 1_000_000_000 + i * (rounds + 1) * n);
        println!(
            "| {} | {:.0} | {:.0} | {:.0} | {:.2} ({:.2}–{:.2}) | {:.1} | {:.1} |",
            g.name(),
            d.bare_ns,
            d.sdk_ns,
            d.sdk_ns - d.bare_ns,
            d.ratio,
            d.ratio_spread.0,
            d.ratio_spread.1,
            d.bare_allocs,
            d.sdk_allocs
        );
    }
}

/// CPU time run so far by this process's live threads (the posting client and the server
/// alike), in nanoseconds, from Linux's `/proc/self/task/*/schedstat`; `None` elsewhere.
fn process_cpu_ns() -> Option<u64> {
    let mut total = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let Ok(task) = task else { continue };
        // A thread that ended between the listing and the read is skipped.
        let Ok(stat) = std::fs::read_to_string(task.path().join("schedstat")) else {
            continue;
        };
        total += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total)
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

/// One gateway's HTTP figures from the paired rounds.
struct Paired {
    name: &'static str,
    /// Median rate per side (bare, memory, redis, fresh), callbacks per second.
    rates: [f64; SIDES],
    /// Median of the per-round ratios memory / bare and redis / bare, with lowest and highest.
    memory: (f64, f64, f64),
    /// The same from CPU time instead of wall time (see the module docs).
    memory_cpu: (f64, f64, f64),
    /// Memory over a new store each round / bare, wall and CPU.
    fresh: (f64, f64, f64),
    fresh_cpu: (f64, f64, f64),
    redis: (f64, f64, f64),
    /// Median CPU microseconds of the process per callback, per side (bare, memory, fresh).
    cpu_us: [f64; 3],
    /// Allocations per callback inside the handler, per side.
    allocs: [f64; SIDES],
    /// Keys the grown memory store holds at the end.
    grown_len: usize,
}

fn bench(c: &mut Criterion) {
    if let Some(v) = std::env::var_os("WEBHOOKS_DIRECT") {
        let n = v
            .to_str()
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|n| *n > 1)
            .unwrap_or(20_000);
        print_direct(n);
        return;
    }
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
    let skip_criterion = std::env::var_os("WEBHOOKS_SKIP_CRITERION").is_some();
    let rounds = pairs();

    let mut group = c.benchmark_group("webhooks_4000_per_sample");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    group.throughput(criterion::Throughput::Elements(BATCH as u64));
    let mut report = Vec::new();
    for g in gateways() {
        let grown = Arc::new(MemoryStore::new());
        // `/fresh` store 0 takes the warm-up, store r + 1 round r.
        let (memory, fresh) = rt.block_on(server(
            g,
            ReplayGuard::new(grown.clone()),
            MEMORY,
            rounds + 1,
        ));
        let redis_guard = rt.block_on(async {
            let store = RedisStore::connect(&redis.url())
                .await
                .expect("redis store");
            ReplayGuard::new(store.with_prefix(format!("bench:{}:", g.name())))
        });
        let (on_redis, _) = rt.block_on(server(g, redis_guard, REDIS, 0));
        let targets = [
            ("bare", format!("{memory}/bare")),
            ("memory", format!("{memory}/verified")),
            ("redis", format!("{on_redis}/verified")),
            ("fresh", format!("{memory}/fresh")),
        ];
        if !skip_criterion {
            for (side, url) in &targets[..FRESH] {
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
            rt.block_on(post_all(&http, &targets[FRESH].1, batch(g)));
        } else {
            // Criterion's warm-up stands in for this otherwise: connections, first inserts.
            for (_, url) in &targets {
                rt.block_on(post_all(&http, url, batch(g)));
            }
        }
        for a in &HANDLER_ALLOCS {
            a.store(0, Ordering::Relaxed);
        }
        let mut rates: [Vec<f64>; SIDES] = Default::default();
        let (mut mem_ratio, mut redis_ratio, mut cpu_ratio) = (Vec::new(), Vec::new(), Vec::new());
        let (mut fresh_ratio, mut fresh_cpu_ratio) = (Vec::new(), Vec::new());
        let mut cpu_us: [Vec<f64>; 3] = Default::default();
        for round in 0..rounds {
            fresh.round.store(round + 1, Ordering::Relaxed);
            let mut rate = [0.0; SIDES];
            let mut cpu = [None; SIDES];
            for k in 0..SIDES {
                let side = (round + k) % SIDES;
                let calls = batch(g);
                let cpu0 = process_cpu_ns();
                let d = rt.block_on(post_all(&http, &targets[side].1, calls));
                cpu[side] = cpu0
                    .zip(process_cpu_ns())
                    .and_then(|(a, b)| b.checked_sub(a))
                    .filter(|ns| *ns > 0);
                rate[side] = BATCH as f64 / d.as_secs_f64();
            }
            for side in 0..SIDES {
                rates[side].push(rate[side]);
            }
            mem_ratio.push(rate[MEMORY] / rate[BARE]);
            redis_ratio.push(rate[REDIS] / rate[BARE]);
            fresh_ratio.push(rate[FRESH] / rate[BARE]);
            // Callbacks per CPU-second, memory over bare: what the wall-clock ratio would be
            // on two cores of its own.
            if let (Some(b), Some(m), Some(f)) = (cpu[BARE], cpu[MEMORY], cpu[FRESH]) {
                cpu_ratio.push(b as f64 / m as f64);
                fresh_cpu_ratio.push(b as f64 / f as f64);
                for (us, ns) in cpu_us.iter_mut().zip([b, m, f]) {
                    us.push(ns as f64 / 1e3 / BATCH as f64);
                }
            }
        }
        let summary = |v: &[f64]| {
            let (lo, hi) = spread(v);
            (median(v), lo, hi)
        };
        let per_call = |side: usize| {
            HANDLER_ALLOCS[side].load(Ordering::Relaxed) as f64 / (rounds * BATCH) as f64
        };
        report.push(Paired {
            name: g.name(),
            rates: std::array::from_fn(|side| median(&rates[side])),
            memory: summary(&mem_ratio),
            memory_cpu: summary(&cpu_ratio),
            fresh: summary(&fresh_ratio),
            fresh_cpu: summary(&fresh_cpu_ratio),
            redis: summary(&redis_ratio),
            cpu_us: std::array::from_fn(|side| median(&cpu_us[side])),
            allocs: std::array::from_fn(per_call),
            grown_len: grown.len(),
        });
    }
    group.finish();
    println!(
        "\nVerified webhooks per second, {TASKS} posting tasks, {rounds} paired rounds of {BATCH} \
         per side (rates: per-side medians; ratios: median of the per-round ratios, lowest–highest);"
    );
    println!("allocations per callback inside the handler (bare / memory / redis):");
    println!("| gateway | bare/s | memory/s | memory ratio (lo–hi) | memory CPU ratio (lo–hi) | redis/s | redis ratio (lo–hi) | allocs bare / mem / redis |");
    println!("|---|---|---|---|---|---|---|---|");
    for p in &report {
        let [b, m, r, _] = p.rates;
        let [ab, am, ar, _] = p.allocs;
        println!(
            "| {} | {b:.0} | {m:.0} | {:.3} ({:.2}–{:.2}) | {:.3} ({:.2}–{:.2}) | {r:.0} | {:.3} ({:.2}–{:.2}) | {ab:.1} / {am:.1} / {ar:.1} |",
            p.name,
            p.memory.0,
            p.memory.1,
            p.memory.2,
            p.memory_cpu.0,
            p.memory_cpu.1,
            p.memory_cpu.2,
            p.redis.0,
            p.redis.1,
            p.redis.2
        );
    }
    println!(
        "\nThe memory store grown over the rounds (keys at the end) against a new one each round, \
         same server; CPU µs of the process per callback (per-side medians):"
    );
    println!("| gateway | grown keys | fresh ratio (lo–hi) | fresh CPU ratio (lo–hi) | CPU µs bare / grown / fresh | allocs fresh |");
    println!("|---|---|---|---|---|---|");
    for p in &report {
        let [b, m, f] = p.cpu_us;
        println!(
            "| {} | {} | {:.3} ({:.2}–{:.2}) | {:.3} ({:.2}–{:.2}) | {b:.1} / {m:.1} / {f:.1} | {:.1} |",
            p.name,
            p.grown_len,
            p.fresh.0,
            p.fresh.1,
            p.fresh.2,
            p.fresh_cpu.0,
            p.fresh_cpu.1,
            p.fresh_cpu.2,
            p.allocs[FRESH]
        );
    }
    print_direct(20_000);
}

criterion_group!(benches, bench);
criterion_main!(benches);
