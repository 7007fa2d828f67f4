//! Hostile input (issue 13): every parser and verifier of ecpay-sdk that reads network bytes
//! runs against `sign_core::testing::fuzz_iterations()` mutated inputs each (20 000 by
//! default; `FUZZ_ITERATIONS` overrides), seeded from valid signed samples, and an ignored
//! long run does 1 000 000 each (`cargo test -p ecpay-sdk --all-features --test hostile --
//! --ignored`). Each input runs under `catch_unwind`; a panic fails the test naming the
//! target and the mutator seed that reproduces it.
//!
//! Signed targets run twice: on the mutated bytes as they are (the signature must refuse any
//! change of data), and "re-signed" (the mutated pairs signed again with the merchant's keys)
//! so that the decoders behind the signature see the
//! hostile values too. Allocation is bounded by the input: the client caps every answer body
//! (`max_body_bytes`, 1 MiB by default) before any of these parsers runs, and an ambiguous raw
//! answer is read at most 32 ways.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use ecpay_sdk::aio::{
    parse_raw_pairs, CaptureResult, CreditTrade, FileEncoding, FundingFile, PaymentInfo,
    PeriodActionResult, PeriodInfo, TradeFile, TradeInfo,
};
use ecpay_sdk::merchant::MerchantCheckout;
use ecpay_sdk::webhook::{self, Verifier};
use ecpay_sdk::{demo, Credentials};
use sign_core::testing::{fuzz_iterations, Mutator};

type Target = Box<dyn Fn(&[u8])>;

fn stage() -> Credentials {
    Credentials::stage()
}

fn form_of(pairs: &[(&str, &str)]) -> Vec<u8> {
    common::form(&common::signed(pairs)).into_bytes()
}

fn raw_join(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The mutated pairs signed again, so the decoders see hostile values behind a good MAC.
fn resign_form(input: &[u8]) -> Vec<u8> {
    let pairs: Vec<(String, String)> = webhook::parse_form(input)
        .into_iter()
        .filter(|(k, _)| k != "CheckMacValue")
        .collect();
    let b: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    common::form(&common::signed(&b)).into_bytes()
}

fn resign_raw(input: &[u8]) -> String {
    let text = String::from_utf8_lossy(input);
    let pairs: Vec<(String, String)> = parse_raw_pairs(&text)
        .into_iter()
        .filter(|(k, _)| k != "CheckMacValue")
        .collect();
    let b: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    raw_join(&common::signed(&b))
}

fn payment() -> Vec<(&'static str, &'static str)> {
    vec![
        ("MerchantID", "3002607"),
        ("MerchantTradeNo", "HOST0001"),
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
        ("CustomField1", "a&b=c"),
    ]
}

fn info() -> Vec<(&'static str, &'static str)> {
    vec![
        ("MerchantID", "3002607"),
        ("MerchantTradeNo", "HOST0002"),
        ("RtnCode", "2"),
        ("RtnMsg", "Get VirtualAccount Succeeded"),
        ("TradeNo", "2601011000000002"),
        ("TradeAmt", "500"),
        ("PaymentType", "ATM_TAISHIN"),
        ("TradeDate", "2026/01/01 11:59:00"),
        ("BankCode", "812"),
        ("vAccount", "9103522175887271"),
        ("ExpireDate", "2026/01/04"),
    ]
}

fn renewal() -> Vec<(&'static str, &'static str)> {
    vec![
        ("MerchantID", "3002607"),
        ("MerchantTradeNo", "SUB0001"),
        ("RtnCode", "1"),
        ("RtnMsg", "授權成功"),
        ("PeriodType", "M"),
        ("Frequency", "1"),
        ("ExecTimes", "12"),
        ("Amount", "299"),
        ("Gwsr", "11940001"),
        ("ProcessDate", "2026/02/01 03:00:00"),
        ("AuthCode", "777777"),
        ("FirstAuthAmount", "299"),
        ("TotalSuccessTimes", "2"),
        ("SimulatePaid", "0"),
    ]
}

fn trade_answer() -> String {
    raw_join(&common::signed(&[
        ("CustomField1", "x&TradeAmt=1"),
        ("HandlingCharge", "5"),
        ("ItemName", "Tea&Cake#A+B x 1"),
        ("MerchantID", "3002607"),
        ("MerchantTradeNo", "HOST0003"),
        ("PaymentDate", "2026/01/01 10:01:00"),
        ("PaymentType", "Credit_CreditCard"),
        ("PaymentTypeChargeFee", "5"),
        ("TradeAmt", "300"),
        ("TradeDate", "2026/01/01 10:00:00"),
        ("TradeNo", "2601011000000001"),
        ("TradeStatus", "1"),
    ]))
}

/// The pairs a callback body carries, ASCII-lowercased: ECPay's CheckMacValue is computed
/// over the lowercased URL-encoding (developers.ecpay.com.tw `?p=2902`, step 5), so it
/// authenticates names and values only up to ASCII case — a case change is not a change of
/// data the signature can see.
fn data_of(body: &[u8]) -> Vec<(String, String)> {
    let mut p: Vec<(String, String)> = webhook::parse_form(body)
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_ascii_lowercase()))
        .collect();
    p.sort();
    p
}

/// A verifier of one callback kind on raw mutated bytes: any body it accepts carries exactly
/// the seed's data (the signature refuses every change of data).
fn signed_callback(seed: Vec<u8>, check: fn(&Verifier, &[u8]) -> bool) -> Target {
    let v = Verifier::new(stage()).expect("stage credentials");
    let want = data_of(&seed);
    Box::new(move |input| {
        if check(&v, input) {
            assert_eq!(data_of(input), want, "a changed body verified");
        }
    })
}

fn resigned_callback(check: fn(&Verifier, &[u8]) -> bool) -> Target {
    let v = Verifier::new(stage()).expect("stage credentials");
    Box::new(move |input| {
        let _ = check(&v, &resign_form(input));
    })
}

fn targets() -> Vec<(&'static str, Vec<Vec<u8>>, Target)> {
    let pay: fn(&Verifier, &[u8]) -> bool = |v, b| v.verify(b).is_ok();
    let order: fn(&Verifier, &[u8]) -> bool = |v, b| v.verify_order_result(b).is_ok();
    let pinfo: fn(&Verifier, &[u8]) -> bool = |v, b| v.verify_payment_info(b).is_ok();
    let period: fn(&Verifier, &[u8]) -> bool = |v, b| v.verify_period_renewal(b).is_ok();
    let json_seeds = |items: &[serde_json::Value]| -> Vec<Vec<u8>> {
        items
            .iter()
            .map(|v| serde_json::to_vec(v).expect("JSON"))
            .collect()
    };
    let event = serde_json::json!({
        "event_id": "evt_1", "source": "demo_store", "status": "paid", "target_system": "ecpay",
        "mapped_payload": {"external_order_id": "DEMO-1", "client_name": "Alex", "client_email": "a@b.co",
            "total_amount": 499, "currency": "TWD", "source_platform": "demo_store"},
        "payment_page_url": "http://x/p", "merchant_trade_no": "M1", "ecpay_trade_no": "T1",
        "payment_type": "Credit_CreditCard", "rtn_code": 1, "rtn_msg": "ok", "last_event_type": "x",
        "message": "m", "notification_status": "sent", "notification_channel": "email",
        "notification_sent_at": "2026-01-01T10:00:00Z", "notification_last_error": null,
        "created_at": "2026-01-01T10:00:00Z", "updated_at": "2026-01-01T10:00:00Z"
    });
    let merchant_ok = {
        let pairs = [
            ("MerchantID", "3002607"),
            ("MerchantTradeNo", "HOST0004"),
            ("MerchantTradeDate", "2025/05/03 14:30:00"),
            ("PaymentType", "aio"),
            ("TotalAmount", "1000"),
            ("TradeDesc", "d"),
            ("ItemName", "Item1#Item2"),
            ("ReturnURL", "https://s.example/r"),
            ("ChoosePayment", "Credit"),
            ("EncryptType", "1"),
        ];
        let signed = common::signed(&pairs);
        let mut data = serde_json::Map::new();
        for (k, v) in &signed {
            let val = match k.as_str() {
                "TotalAmount" | "EncryptType" => serde_json::json!(v.parse::<i64>().unwrap_or(0)),
                _ => serde_json::json!(v),
            };
            data.insert(k.clone(), val);
        }
        serde_json::json!({"success": true, "data": data})
    };
    let merchant_err = serde_json::json!({"success": false, "error": {"errorCode": "SYSTEM_ERROR", "errorMessage": "系統錯誤"}});
    let period_info = br#"{"MerchantID":"3002607","MerchantTradeNo":"SUB1","TradeNo":"2601011000000001","RtnCode":1,"PeriodType":"M","Frequency":1,"ExecTimes":12,"PeriodAmount":299,"amount":299,"gwsr":11111111,"process_date":"2026/01/01 10:00:00","auth_code":"777777","card4no":"2222","card6no":"431195","TotalSuccessTimes":1,"TotalSuccessAmount":299,"ExecStatus":"1","ExecLog":[{"RtnCode":1,"amount":299,"gwsr":11111111,"process_date":"2026/01/01 10:00:00","auth_code":"777777","TradeNo":"2601011000000001"}]}"#.to_vec();
    let credit_trade = r#"{"RtnMsg":"","RtnValue":{"TradeID":"11111111","amount":"299","clsamt":"299","authtime":"2026/01/01 10:00:00","status":"已關帳","close_data":[{"status":"已關帳","amount":"299","sno":"1","datetime":"2026/01/02 20:15:00"}]}}"#.as_bytes().to_vec();
    let trade_csv = "特店訂單編號,綠界訂單編號,交易日期,付款方式,交易金額,交易手續費,撥款金額\r\nORD1,2601011000000001,2026/01/01 10:00:00,信用卡,\"1,200\",34,1166\r\n".as_bytes().to_vec();
    let funding_csv = "序號,授權單號,授權碼,訂單編號,交易日期,請款日期,交易金額,撥款金額\n1,11111111,777777,ORD1,20260101,20260102,-299,-291\n".as_bytes().to_vec();
    let creds = stage();
    let creds2 = stage();
    let creds3 = stage();
    let creds4 = stage();
    vec![
        ("ReturnURL callback", vec![form_of(&payment())], signed_callback(form_of(&payment()), pay)),
        ("ReturnURL callback, re-signed", vec![form_of(&payment())], resigned_callback(pay)),
        ("OrderResultURL post", vec![form_of(&payment())], signed_callback(form_of(&payment()), order)),
        ("OrderResultURL post, re-signed", vec![form_of(&payment())], resigned_callback(order)),
        ("PaymentInfoURL callback", vec![form_of(&info())], signed_callback(form_of(&info()), pinfo)),
        ("PaymentInfoURL callback, re-signed", vec![form_of(&info())], resigned_callback(pinfo)),
        ("PeriodReturnURL callback", vec![form_of(&renewal())], signed_callback(form_of(&renewal()), period)),
        ("PeriodReturnURL callback, re-signed", vec![form_of(&renewal())], resigned_callback(period)),
        (
            "QueryTradeInfo raw answer",
            vec![trade_answer().into_bytes()],
            Box::new(move |i| {
                let _ = TradeInfo::verify_raw(&String::from_utf8_lossy(i), &creds);
            }),
        ),
        (
            "QueryTradeInfo raw answer, re-signed",
            vec![trade_answer().into_bytes()],
            Box::new(move |i| {
                let _ = TradeInfo::verify_raw(&resign_raw(i), &creds2);
            }),
        ),
        (
            "QueryPaymentInfo raw answer, re-signed",
            vec![raw_join(&common::signed(&info())).into_bytes()],
            Box::new(move |i| {
                let _ = PaymentInfo::verify_raw(&resign_raw(i), &creds3);
            }),
        ),
        (
            "merchant checkout envelope",
            json_seeds(&[merchant_ok, merchant_err]),
            Box::new(move |i| {
                let text = String::from_utf8_lossy(i);
                let _ = MerchantCheckout::from_answer(200, &text, Some(&creds4));
                let _ = MerchantCheckout::from_answer(500, &text, None);
            }),
        ),
        (
            "integration demo JSON answers",
            json_seeds(&[
                event.clone(),
                serde_json::json!({"events": [event]}),
                serde_json::json!({"detail": [{"loc": ["body", "amount", 0], "msg": "m", "type": "t", "input": 0, "ctx": {"gt": 0}}]}),
                serde_json::json!({"event_id": "e", "status": "s", "merchant_trade_no": "M", "payment_page_url": "u", "ecpay_checkout_url": "c"}),
            ]),
            Box::new(|i| {
                let _ = serde_json::from_slice::<demo::EventRecord>(i);
                let _ = serde_json::from_slice::<demo::RecentEventsResponse>(i);
                let _ = serde_json::from_slice::<demo::HttpValidationError>(i);
                let _ = serde_json::from_slice::<demo::CheckoutResponse>(i);
                let _ = serde_json::from_slice::<demo::CreateOrderResponse>(i);
            }),
        ),
        ("QueryCreditCardPeriodInfo JSON", vec![period_info], Box::new(|i| {
            let _ = PeriodInfo::decode(i);
        })),
        ("CreditDetail/QueryTrade/V2 JSON", vec![credit_trade], Box::new(|i| {
            let _ = CreditTrade::decode(200, i);
        })),
        (
            "raw k=v answers (period action, capture, DoAction)",
            vec![
                b"MerchantID=3002607&MerchantTradeNo=SUB1&RtnCode=1&RtnMsg=OK".to_vec(),
                b"MerchantID=3002607&MerchantTradeNo=ORD1&TradeNo=2601011000000001&RtnCode=1&RtnMsg=OK&AllocationDate=2026/01/05".to_vec(),
            ],
            Box::new(|i| {
                let _ = PeriodActionResult::decode(200, i);
                let _ = CaptureResult::decode(200, i);
                let _ = parse_raw_pairs(&String::from_utf8_lossy(i));
            }),
        ),
        ("TradeNoAio CSV", vec![trade_csv], Box::new(|i| {
            let _ = TradeFile::decode(i, FileEncoding::Auto);
            let _ = TradeFile::decode(i, FileEncoding::Big5);
        })),
        ("FundingReconDetail CSV", vec![funding_csv], Box::new(|i| {
            let _ = FundingFile::decode(i, FileEncoding::Auto);
        })),
    ]
}

fn run(iterations: usize) {
    // Seeds sanity: every signed sample verifies as it is (else the run proves nothing).
    let v = Verifier::new(stage()).unwrap();
    assert!(v.verify(&form_of(&payment())).is_ok());
    assert!(v.verify_payment_info(&form_of(&info())).is_ok());
    assert!(v.verify_period_renewal(&form_of(&renewal())).is_ok());
    assert!(TradeInfo::verify_raw(&trade_answer(), &stage()).is_ok());

    let mut report = Vec::new();
    for (t, (name, seeds, target)) in targets().into_iter().enumerate() {
        let started = Instant::now();
        for i in 0..iterations {
            let seed = ((t as u64) << 40) ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let mut m = Mutator::new(seed);
            let mut input = m.mutate(&seeds[i % seeds.len()]);
            // Deeper inputs now and then: mutations of mutations.
            for _ in 0..(i % 3) {
                input = m.mutate(&input);
            }
            let outcome = catch_unwind(AssertUnwindSafe(|| target(&input)));
            assert!(
                outcome.is_ok(),
                "{name}: panicked on input {i} (Mutator::new({seed:#x})): {:?}",
                String::from_utf8_lossy(&input)
            );
        }
        report.push(format!(
            "{name}: {iterations} inputs in {:.2?}",
            started.elapsed()
        ));
    }
    eprintln!("{}", report.join("\n"));
}

#[test]
fn hostile_inputs_short_run() {
    run(fuzz_iterations());
}

#[test]
#[ignore = "long run: 1 000 000 inputs per target"]
fn hostile_inputs_million_each() {
    run(1_000_000);
}
