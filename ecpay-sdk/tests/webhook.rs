//! `webhook::Verifier`: the four callback kinds, decode errors kept apart from bad signatures,
//! and delivery records (first / repeat) in memory and in a real Redis shared by two
//! verifiers, as on a fleet of web servers. Callbacks are signed by the independent signer in
//! `common` (ECPay's published steps, no sign-core code).

mod common;

use std::time::{Duration, SystemTime};

use ecpay_sdk::webhook::{
    event_key, Delivery, PaymentInfo, PaymentResult, PeriodRenewal, ReplayGuard, Verifier,
};
use ecpay_sdk::{Credentials, Error, ErrorKind};
use sign_core::replay::{MemoryStore, RedisStore};
use sign_core::testing::RedisServer;
use sign_core::VerifyError;

fn payment() -> Vec<(&'static str, &'static str)> {
    vec![
        ("MerchantID", "3002607"),
        ("MerchantTradeNo", "WH0001"),
        ("StoreID", ""),
        ("RtnCode", "1"),
        ("RtnMsg", "交易成功"),
        ("TradeNo", "2601011000000001"),
        ("TradeAmt", "1200"),
        ("PaymentDate", "2026/01/01 12:00:00"),
        ("PaymentType", "Credit_CreditCard"),
        ("PaymentTypeChargeFee", "24"),
        ("TradeDate", "2026/01/01 11:59:00"),
        ("SimulatePaid", "0"),
    ]
}

/// A PeriodReturnURL notice with the fields of ECPay's 定期定額付款結果通知 page
/// (developers.ecpay.com.tw `?p=5631`).
fn renewal(gwsr: &'static str, times: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("MerchantID", "3002607"),
        ("MerchantTradeNo", "SUB0001"),
        ("StoreID", ""),
        ("RtnCode", "1"),
        ("RtnMsg", "授權成功"),
        ("PeriodType", "M"),
        ("Frequency", "1"),
        ("ExecTimes", "12"),
        ("Amount", "299"),
        ("Gwsr", gwsr),
        ("ProcessDate", "2026/02/01 03:00:00"),
        ("AuthCode", "777777"),
        ("FirstAuthAmount", "299"),
        ("TotalSuccessTimes", times),
        ("SimulatePaid", "0"),
        ("CustomField1", "plan-7"),
    ]
}

fn body(pairs: &[(&str, &str)]) -> Vec<u8> {
    let owned: Vec<(&str, &str)> = pairs.to_vec();
    common::form(&common::signed(&owned)).into_bytes()
}

fn without(
    pairs: &[(&'static str, &'static str)],
    field: &str,
) -> Vec<(&'static str, &'static str)> {
    pairs.iter().copied().filter(|(k, _)| *k != field).collect()
}

fn with(
    pairs: &[(&'static str, &'static str)],
    field: &str,
    value: &'static str,
) -> Vec<(&'static str, &'static str)> {
    pairs
        .iter()
        .map(|&(k, v)| if k == field { (k, value) } else { (k, v) })
        .collect()
}

fn verifier() -> Verifier {
    Verifier::new(Credentials::stage()).expect("stage credentials")
}

/// Finding (issue 13, PeriodReturnURL): renewals had no verifier, and the payment verifier
/// required TradeNo/TradeAmt/PaymentType and called their absence a bad signature, so every
/// renewal looked forged. A renewal now verifies into its own type with ECPay's fields.
#[test]
fn period_renewal_verifies_with_ecpays_fields() {
    let r: PeriodRenewal = verifier()
        .verify_period_renewal(&body(&renewal("11940001", "2")))
        .unwrap();
    assert_eq!(r.merchant_trade_no, "SUB0001");
    assert_eq!(r.gwsr, "11940001");
    assert_eq!(r.amount, 299);
    assert_eq!(r.first_auth_amount, 299);
    assert_eq!(r.total_success_times, 2);
    assert_eq!(r.exec_times, 12);
    assert_eq!(r.frequency, 1);
    assert_eq!(r.period_type, "M");
    assert_eq!(r.auth_code, "777777");
    assert_eq!(r.process_date, "2026/02/01 03:00:00");
    assert_eq!(r.custom_fields[0], "plan-7");
    assert!(r.is_paid());
    // The payment verifier still refuses it, but as a decode error, not as a forgery.
    let e = verifier()
        .verify(&body(&renewal("11940001", "2")))
        .unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e}");
}

/// Finding (issue 13): everywhere, a missing or malformed field is `Error::Decode`, distinct
/// from `Error::Signature`. Each case is correctly signed, so only the field is wrong.
#[test]
fn missing_or_malformed_fields_are_decode_errors() {
    type Check = fn(&Verifier, &[u8]) -> Result<(), Error>;
    let pay: Check = |v, b| v.verify(b).map(drop);
    let info: Check = |v, b| v.verify_payment_info(b).map(drop);
    let period: Check = |v, b| v.verify_period_renewal(b).map(drop);
    let order: Check = |v, b| v.verify_order_result(b).map(drop);
    let info_fields = vec![
        ("MerchantID", "3002607"),
        ("MerchantTradeNo", "WH0002"),
        ("RtnCode", "2"),
        ("TradeNo", "2601011000000002"),
        ("TradeAmt", "500"),
        ("PaymentType", "ATM_TAISHIN"),
        ("BankCode", "812"),
        ("vAccount", "9103522175887271"),
    ];
    type Case = (
        &'static str,
        Check,
        Vec<(&'static str, &'static str)>,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            "payment without TradeNo",
            pay,
            without(&payment(), "TradeNo"),
            "TradeNo",
        ),
        (
            "payment without TradeAmt",
            pay,
            without(&payment(), "TradeAmt"),
            "TradeAmt",
        ),
        (
            "payment without PaymentType",
            pay,
            without(&payment(), "PaymentType"),
            "PaymentType",
        ),
        (
            "payment RtnCode not a number",
            pay,
            with(&payment(), "RtnCode", "ok"),
            "RtnCode",
        ),
        (
            "payment TradeAmt negative",
            pay,
            with(&payment(), "TradeAmt", "-5"),
            "TradeAmt",
        ),
        (
            "payment fee not a number",
            pay,
            with(&payment(), "PaymentTypeChargeFee", "x"),
            "PaymentTypeChargeFee",
        ),
        (
            "payment without MerchantID",
            pay,
            without(&payment(), "MerchantID"),
            "MerchantID",
        ),
        (
            "order without TradeAmt",
            order,
            without(&payment(), "TradeAmt"),
            "TradeAmt",
        ),
        (
            "info without PaymentType",
            info,
            without(&info_fields, "PaymentType"),
            "PaymentType",
        ),
        (
            "info TradeAmt malformed",
            info,
            with(&info_fields, "TradeAmt", "5.5"),
            "TradeAmt",
        ),
        (
            "period without Gwsr",
            period,
            without(&renewal("1", "2"), "Gwsr"),
            "Gwsr",
        ),
        (
            "period empty Gwsr",
            period,
            with(&renewal("1", "2"), "Gwsr", ""),
            "Gwsr",
        ),
        (
            "period Amount malformed",
            period,
            with(&renewal("1", "2"), "Amount", "NT$299"),
            "Amount",
        ),
        (
            "period without TotalSuccessTimes",
            period,
            without(&renewal("1", "2"), "TotalSuccessTimes"),
            "TotalSuccessTimes",
        ),
        (
            "period without FirstAuthAmount",
            period,
            without(&renewal("1", "2"), "FirstAuthAmount"),
            "FirstAuthAmount",
        ),
    ];
    let v = verifier();
    for (name, check, fields, field) in cases {
        let e = check(&v, &body(&fields)).unwrap_err();
        match &e {
            Error::Decode { reason, .. } => {
                assert!(
                    reason.contains(&format!("`{field}`")),
                    "case {name}: {reason}"
                )
            }
            other => panic!("case {name}: expected Decode, got {other:?}"),
        }
        assert_eq!(e.kind(), ErrorKind::Rejected, "case {name}");
    }
}

#[test]
fn bad_signatures_are_signature_errors() {
    let good = String::from_utf8(body(&payment())).unwrap();
    let other_keys = {
        let pairs: Vec<(String, String)> = payment()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let b: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let mac = common::cmv(&b, "XXXXXXXXXXXXXXXX", "YYYYYYYYYYYYYYYY");
        let mut all = pairs.clone();
        all.push(("CheckMacValue".into(), mac));
        common::form(&all)
    };
    let cases: Vec<(&str, String)> = vec![
        (
            "amount changed",
            good.replace("TradeAmt=1200", "TradeAmt=12000"),
        ),
        (
            "no CheckMacValue",
            good.split("&CheckMacValue").next().unwrap().to_owned(),
        ),
        ("signed with other keys", other_keys),
        ("field repeated", format!("{good}&RtnCode=1")),
    ];
    for (name, b) in cases {
        let e = verifier().verify(b.as_bytes()).unwrap_err();
        assert!(matches!(e, Error::Signature(_)), "case {name}: {e:?}");
    }
    // The mismatch message says what to check, and nothing secret.
    let e = verifier()
        .verify(good.replace("TradeAmt=1200", "TradeAmt=1").as_bytes())
        .unwrap_err();
    assert!(matches!(e, Error::Signature(VerifyError::Mismatch)));
    let text = e.to_string();
    assert!(
        text.contains("MerchantID, HashKey and HashIV belong to the same merchant"),
        "{text}"
    );
    assert!(
        !text.contains(common::KEY) && !text.contains(common::IV),
        "{text}"
    );
}

/// Finding (issue 10): empty HashKey/HashIV/MerchantID are refused by the Verifier, naming
/// the field (with an empty key anyone could forge a callback).
#[test]
fn verifier_refuses_empty_credentials() {
    let cases = [
        ("MerchantID", Credentials::new("", "k", "v")),
        ("HashKey", Credentials::new("3002607", "", "v")),
        ("HashIV", Credentials::new("3002607", "k", "")),
    ];
    for (field, creds) in cases {
        let e = Verifier::new(creds).unwrap_err();
        assert!(
            matches!(e, Error::Config { field: f, .. } if f == field),
            "case {field}: {e}"
        );
    }
}

/// Event keys are the contract's: callback kind, MerchantTradeNo, TradeNo (Gwsr for a renewal),
/// RtnCode; two renewals of one plan are two events, a re-post of one is the same event.
#[tokio::test]
async fn each_kind_records_its_own_event_key() {
    let v = verifier();
    let p: PaymentResult = v.verify(&body(&payment())).unwrap();
    assert_eq!(
        event_key(&p),
        "ecpay:event:payment:WH0001:2601011000000001:1"
    );
    let r2 = v
        .verify_period_renewal(&body(&renewal("11940001", "2")))
        .unwrap();
    assert_eq!(event_key(&r2), "ecpay:event:period:SUB0001:11940001:1");

    let cases: Vec<(&str, Vec<u8>, Delivery)> = vec![
        (
            "first renewal",
            body(&renewal("11940001", "2")),
            Delivery::First,
        ),
        (
            "its re-post",
            body(&renewal("11940001", "2")),
            Delivery::Repeat,
        ),
        (
            "next renewal",
            body(&renewal("11940002", "3")),
            Delivery::First,
        ),
        (
            "payment of the plan's order",
            body(&payment()),
            Delivery::First,
        ),
    ];
    for (name, b, want) in cases {
        let got = if name.contains("renewal") || name.contains("re-post") {
            v.verify_period_renewal_and_record(&b)
                .await
                .map(|r| r.delivery)
        } else {
            v.verify_and_record(&b).await.map(|r| r.delivery)
        };
        assert_eq!(got.unwrap(), want, "case {name}");
    }
    // The browser's OrderResultURL copy is its own kind: not a repeat of the ReturnURL.
    let order = v
        .verify_order_result_and_record(&body(&payment()))
        .await
        .unwrap();
    assert_eq!(order.delivery, Delivery::First);
    assert!(order.key.starts_with("ecpay:event:order:"), "{}", order.key);
    let info: PaymentInfo = v
        .verify_payment_info(&body(&[
            ("MerchantID", "3002607"),
            ("MerchantTradeNo", "WH0003"),
            ("RtnCode", "10100073"),
            ("TradeNo", "2601011000000003"),
            ("TradeAmt", "80"),
            ("PaymentType", "CVS_CVS"),
            ("PaymentNo", "LLL123"),
        ]))
        .unwrap();
    assert_eq!(
        event_key(&info),
        "ecpay:event:payment-info:WH0003:2601011000000003:10100073"
    );
}

/// Finding (issue 10): a full memory store fails closed (`StoreUnavailable`), never accepting
/// an event it cannot record.
#[tokio::test]
async fn full_memory_store_fails_closed() {
    let v = verifier().with_replay_guard(ReplayGuard::new(MemoryStore::with_capacity(1)));
    assert_eq!(
        v.verify_and_record(&body(&payment()))
            .await
            .unwrap()
            .delivery,
        Delivery::First
    );
    let e = v
        .verify_period_renewal_and_record(&body(&renewal("11940001", "2")))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::StoreUnavailable { .. }), "{e:?}");
    assert_eq!(e.kind(), ErrorKind::Transient);
}

async fn redis_guard(server: &RedisServer) -> ReplayGuard {
    let store = RedisStore::connect(&server.url())
        .await
        .expect("connect to the test's redis-server");
    ReplayGuard::new(store.with_prefix("ecpay-test:"))
}

/// Issue 10: two verifiers ("two web servers") on one Redis. What one accepted, the other
/// reports as a repeat; Redis stopped is `StoreUnavailable`, and after a restart the same
/// verifiers work again; the keys live at least the retention (read back with `PTTL`).
#[tokio::test]
async fn fleet_on_one_redis() {
    let mut redis = RedisServer::start().expect("redis-server is required: .ci/run installs it");
    let retention = Duration::from_secs(3 * 24 * 3600);
    let a = verifier().with_replay_guard(redis_guard(&redis).await.with_event_retention(retention));
    let b = verifier().with_replay_guard(redis_guard(&redis).await.with_event_retention(retention));

    let first = a.verify_and_record(&body(&payment())).await.unwrap();
    assert_eq!(first.delivery, Delivery::First);
    let again = b.verify_and_record(&body(&payment())).await.unwrap();
    assert_eq!(
        again.delivery,
        Delivery::Repeat,
        "server B sees what server A accepted"
    );
    assert_eq!(again.key, first.key);

    let renewal_on_b = b
        .verify_period_renewal_and_record(&body(&renewal("11940001", "2")))
        .await
        .unwrap();
    assert_eq!(renewal_on_b.delivery, Delivery::First);
    let renewal_on_a = a
        .verify_period_renewal_and_record(&body(&renewal("11940001", "2")))
        .await
        .unwrap();
    assert_eq!(renewal_on_a.delivery, Delivery::Repeat);

    // TTLs in Redis are never shorter than the retention (less the seconds this test took).
    for key in [&first.key, &renewal_on_b.key] {
        let pttl = redis.pttl(&format!("ecpay-test:{key}")).unwrap();
        let floor = retention.as_millis() as i64 - 60_000;
        assert!(
            pttl >= floor && pttl <= retention.as_millis() as i64,
            "{key}: PTTL {pttl}"
        );
    }

    redis.stop();
    let e = a.verify_and_record(&body(&renewal("11940002", "3"))).await;
    // A renewal body on the payment verifier is a decode error before any store is asked;
    // the store is asked for a well-formed payment.
    assert!(matches!(e, Err(Error::Decode { .. })), "{e:?}");
    let e = a
        .verify_period_renewal_and_record(&body(&renewal("11940002", "3")))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::StoreUnavailable { .. }), "{e:?}");
    assert_eq!(e.kind(), ErrorKind::Transient);

    redis.restart().expect("restart redis-server");
    // Same verifiers, no rebuild: the connection manager reconnects. The data died with the
    // old process (no persistence), so the renewal is recorded afresh.
    let r = until_reconnected(&a, &body(&renewal("11940002", "3"))).await;
    assert_eq!(r, Delivery::First);
    let on_b = until_reconnected(&b, &body(&renewal("11940002", "3"))).await;
    assert_eq!(on_b, Delivery::Repeat);
}

/// Records a renewal, retrying while the verifier's connection manager reconnects (the
/// first call after a restart may still find the old connection gone).
async fn until_reconnected(v: &Verifier, b: &[u8]) -> Delivery {
    for _ in 0..50 {
        match v.verify_period_renewal_and_record(b).await {
            Ok(r) => return r.delivery,
            Err(Error::StoreUnavailable { .. }) => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(other) => panic!("after restart: {other:?}"),
        }
    }
    panic!("the verifier does not work again within 5 s of the Redis restart");
}

/// `verify_and_record_at`: the record's expiry counts from the given "now".
#[tokio::test]
async fn record_at_a_given_time() {
    let mut redis = RedisServer::start().expect("redis-server is required: .ci/run installs it");
    let v = verifier().with_replay_guard(
        redis_guard(&redis)
            .await
            .with_event_retention(Duration::from_secs(3600)),
    );
    let now = SystemTime::now();
    let r = v
        .verify_and_record_at(&body(&payment()), now)
        .await
        .unwrap();
    let pttl = redis.pttl(&format!("ecpay-test:{}", r.key)).unwrap();
    assert!((3_500_000..=3_600_000).contains(&pttl), "PTTL {pttl}");
    redis.stop();
}
