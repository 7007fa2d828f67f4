//! Building, validating and signing an AIO checkout form, and rendering its HTML.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ecpay_sdk::aio::{CheckoutRequest, CreditMode, CreditOptions, Payment};
use ecpay_sdk::Credentials;

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

fn bench(c: &mut Criterion) {
    let creds = Credentials::stage();
    let action = "https://payment-stage.ecpay.com.tw/Cashier/AioCheckOut/V5";
    let req = request();
    c.bench_function("checkout: validate + sign", |b| {
        b.iter(|| black_box(&req).sign(&creds, action).map(|s| s.fields.len()))
    });
    c.bench_function("checkout: validate + sign + html", |b| {
        b.iter(|| {
            black_box(&req)
                .sign(&creds, action)
                .map(|s| s.to_html().len())
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
