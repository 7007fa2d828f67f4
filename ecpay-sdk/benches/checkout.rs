//! Building, validating and signing an AIO checkout form, and rendering its HTML; reading a
//! signed QueryTradeInfo answer (verify + decode), with heap allocations counted per call.
//!
//! `cargo bench -p ecpay-sdk --bench checkout` prints, after criterion's timings, the heap
//! allocations of one call of each case (a counting global allocator). With
//! `ECPAY_BENCH_ITERS=N` it skips criterion and runs each case `N` times, for
//! `valgrind --tool=callgrind`: instructions per call are the difference between a run with
//! `N` and one with `0`, divided by `N`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ecpay_sdk::aio::{CheckoutRequest, CreditMode, CreditOptions, Payment, TradeInfo, TradeQuery};
use ecpay_sdk::Credentials;

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn request() -> CheckoutRequest {
    let mut r = CheckoutRequest::new(
        "BENCH20260101000001",
        "2026/01/01 12:00:00",
        3000,
        "促銷方案 benchmark",
        "Apple iphone 15#保護殼#充電線",
        "https://shop.example.com/ecpay/return",
    );
    r.order_result_url = Some("https://shop.example.com/ecpay/result".into());
    r.custom_fields[0] = Some("cart-42".into());
    r.payment = Payment::Credit(CreditOptions {
        mode: CreditMode::Installments(vec![3, 6, 12]),
        ..Default::default()
    });
    r
}

/// The QueryTradeInfo answer of `examples/benches/concurrency.rs` (raw `k=v&…`, as ECPay
/// sends it), signed with the public stage keys.
fn trade_info_answer(creds: &Credentials) -> String {
    let fields = [
        ("MerchantID", "3002607"),
        ("MerchantTradeNo", "M1"),
        ("StoreID", ""),
        ("TradeNo", "2601011000000001"),
        ("TradeAmt", "3000"),
        ("PaymentDate", "2026/01/01 10:01:00"),
        ("PaymentType", "Credit_CreditCard"),
        ("HandlingCharge", "0"),
        ("PaymentTypeChargeFee", "0"),
        ("TradeDate", "2026/01/01 10:00:00"),
        ("TradeStatus", "1"),
        ("ItemName", "Tea"),
    ];
    let mac = sign_core::ecpay::check_mac_value(
        fields,
        creds.hash_key(),
        creds.hash_iv(),
        sign_core::ecpay::HashAlgorithm::Sha256,
    );
    let mut body: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
    body.push(format!("CheckMacValue={mac}"));
    body.join("&")
}

type Case<'a> = (&'static str, Box<dyn Fn() -> usize + 'a>);

fn cases<'a>(
    creds: &'a Credentials,
    req: &'a CheckoutRequest,
    answer: &'a str,
    query: &'a TradeQuery,
) -> Vec<Case<'a>> {
    let action = "https://payment-stage.ecpay.com.tw/Cashier/AioCheckOut/V5";
    vec![
        (
            "checkout: validate + sign",
            Box::new(move || {
                black_box(req)
                    .sign(creds, action)
                    .map_or(0, |s| s.fields.len())
            }),
        ),
        (
            "checkout: validate + sign + html",
            Box::new(move || {
                black_box(req)
                    .sign(creds, action)
                    .map_or(0, |s| s.to_html().len())
            }),
        ),
        (
            "query: TradeQuery fields",
            Box::new(move || {
                black_box(query)
                    .fields(creds.merchant_id())
                    .map_or(0, |f| f.len())
            }),
        ),
        (
            "query answer: verify + decode",
            Box::new(move || {
                TradeInfo::verify_raw(black_box(answer), creds).map_or(0, |t| t.trade_amt as usize)
            }),
        ),
    ]
}

fn bench(c: &mut Criterion) {
    let creds = Credentials::stage();
    let req = request();
    let answer = trade_info_answer(&creds);
    let query = TradeQuery::new("M1");
    let cases = cases(&creds, &req, &answer, &query);
    if let Some(n) = std::env::var("ECPAY_BENCH_ITERS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
    {
        for (_, f) in &cases {
            for _ in 0..n {
                black_box(f());
            }
        }
        return;
    }
    for (name, f) in &cases {
        c.bench_function(name, |b| b.iter(f));
    }
    println!("\nHeap allocations per call:");
    for (name, f) in &cases {
        let before = ALLOCATIONS.load(Ordering::Relaxed);
        black_box(f());
        println!(
            "| {name} | {} |",
            ALLOCATIONS.load(Ordering::Relaxed) - before
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
