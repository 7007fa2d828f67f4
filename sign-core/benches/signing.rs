//! Our signing cost against the bare hash of the same bytes, so the overhead ratio can be
//! read off: `cargo bench -p sign-core`.

use std::hint::black_box;

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use sign_core::ecpay::{self, HashAlgorithm};
use sign_core::{ljpay, octopus, Secret};

/// A realistic AIO Credit checkout: 15 fields, Chinese item names, URLs.
fn aio_checkout() -> Vec<(&'static str, &'static str)> {
    vec![
        ("MerchantID", "3002607"),
        ("MerchantTradeNo", "TW20261122031452A1"),
        ("MerchantTradeDate", "2026/11/22 03:14:52"),
        ("PaymentType", "aio"),
        ("TotalAmount", "2980"),
        ("TradeDesc", "台北信義門市線上訂單"),
        (
            "ItemName",
            "珍珠奶茶禮盒 x 2#烏龍茶葉 300g x 1#手工鳳梨酥 12入 x 1#運費 x 1",
        ),
        (
            "ReturnURL",
            "https://shop.example.com.tw/api/payments/ecpay/return",
        ),
        ("ChoosePayment", "Credit"),
        ("EncryptType", "1"),
        (
            "ClientBackURL",
            "https://shop.example.com.tw/orders/TW20261122031452A1",
        ),
        (
            "OrderResultURL",
            "https://shop.example.com.tw/checkout/result?order=TW20261122031452A1",
        ),
        ("NeedExtraPaidInfo", "Y"),
        ("CustomField1", "會員編號 88123"),
        ("Language", ""),
    ]
}

fn body_1k() -> Vec<u8> {
    let mut body = br#"{"biz_order_no":"ORD-20261122-000123","amount_fen":12800,"channel":"wechat_native","subject":""#.to_vec();
    while body.len() < 1024 - 2 {
        body.extend_from_slice("商品".as_bytes());
    }
    body.truncate(1022);
    body.extend_from_slice(b"\"}");
    body
}

fn bench(c: &mut Criterion) {
    let (key, iv) = (
        Secret::from("pwFHCqoQZGmho4w6"),
        Secret::from("EkRm7iFT261dpevs"),
    );
    let params = aio_checkout();

    // The exact string CheckMacValue hashes, built independently of the code under test's
    // internals: sorted, sandwiched, encoded, lowercased.
    let mut sorted = params.clone();
    sorted.sort_by_key(|(k, _)| k.to_ascii_lowercase());
    let raw = format!(
        "HashKey={}&{}&HashIV={}",
        key.expose(),
        sorted
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&"),
        iv.expose()
    );
    let encoded = ecpay::url_encode(&raw).to_ascii_lowercase();

    let mut g = c.benchmark_group("ecpay");
    g.bench_function("check_mac_value_aio_15_params", |b| {
        b.iter(|| ecpay::check_mac_value(black_box(&params), &key, &iv, HashAlgorithm::Sha256))
    });
    g.bench_function("bare_sha256_of_encoded_string", |b| {
        b.iter(|| hex::encode_upper(Sha256::digest(black_box(encoded.as_bytes()))))
    });
    g.finish();

    let body = body_1k();
    let secret = Secret::from("ljpay-bench-secret");
    let bare_hmac = |bytes: &[u8]| {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes())
            .unwrap_or_else(|_| unreachable!());
        mac.update(bytes);
        hex::encode(mac.finalize().into_bytes())
    };

    let mut g = c.benchmark_group("hmac_1kib");
    g.bench_function("ljpay_sign_request", |b| {
        b.iter(|| {
            ljpay::sign_request(
                &secret,
                "SITE01",
                "POST",
                "/api/v1/orders",
                black_box(&body),
                1_763_781_292,
                "0123456789abcdef0123456789abcdef",
            )
        })
    });
    g.bench_function("octopus_webhook_signature", |b| {
        b.iter(|| octopus::webhook_signature(&secret, black_box(&body)))
    });
    let now = Utc
        .with_ymd_and_hms(2026, 11, 22, 3, 14, 52)
        .single()
        .unwrap_or_default();
    let sig = octopus::webhook_signature(&secret, &body);
    let ts = octopus::format_timestamp(now);
    g.bench_function("octopus_verify_webhook", |b| {
        b.iter(|| {
            octopus::verify_webhook(&secret, black_box(&body), Some(&sig), Some(&ts), now, 300)
        })
    });
    g.bench_function("bare_hmac_sha256", |b| {
        b.iter(|| bare_hmac(black_box(&body)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
