//! Hostile input for the ECPay-ops parsers that read network bytes: the period info JSON, the
//! period action and capture raw answers, QueryTrade/V2 JSON, the CreateServerOrder and
//! CreateTrade JSON (signature checked), and both CSV files in every encoding. Each runs
//! `sign_core::testing::fuzz_iterations()` mutated inputs (seeded from valid samples) in the
//! normal run, 1 000 000 in the ignored one; any panic is reported with its seed. Allocation is
//! bounded by the input: the parsers hold at most a copy of the body per field.

use std::panic::{catch_unwind, AssertUnwindSafe};

use ecpay_sdk::aio::{
    CaptureResult, CreatedTrade, CreditTrade, FileEncoding, FundingFile, PeriodActionResult,
    PeriodInfo, ServerOrder, TradeFile,
};
use ecpay_sdk::Credentials;
use sign_core::testing::{fuzz_iterations, Mutator};

type Parser = fn(&[u8]);

fn parsers() -> Vec<(&'static str, &'static [u8], Parser)> {
    vec![
        (
            "period info",
            br#"{"MerchantID":"3002607","MerchantTradeNo":"S1","TradeNo":"1","RtnCode":1,"PeriodType":"M","Frequency":1,"ExecTimes":12,"PeriodAmount":299,"amount":299,"gwsr":1,"TotalSuccessTimes":1,"TotalSuccessAmount":299,"ExecStatus":"1","ExecLog":[{"RtnCode":1,"amount":"299","gwsr":1,"process_date":"2026/01/01 10:00:00","auth_code":"7","TradeNo":"1"}]}"#,
            |b| {
                let _ = PeriodInfo::decode(b);
            },
        ),
        (
            "period action",
            b"MerchantID=3002607&MerchantTradeNo=S1&RtnCode=1&RtnMsg=OK",
            |b| {
                let _ = PeriodActionResult::decode(200, b);
            },
        ),
        (
            "capture",
            b"MerchantID=3002607&MerchantTradeNo=O1&TradeNo=1&RtnCode=1&RtnMsg=OK&AllocationDate=2026/01/05",
            |b| {
                let _ = CaptureResult::decode(200, b);
            },
        ),
        (
            "credit trade",
            br#"{"RtnMsg":"","RtnValue":{"TradeID":"1","amount":"299","clsamt":"0","authtime":"x","status":"y","close_data":[{"status":"a","amount":"1","sno":"1","datetime":"d"}]}}"#,
            |b| {
                let _ = CreditTrade::decode(200, b);
            },
        ),
        (
            "server order",
            br#"{"RtnCode":1,"RtnMsg":"OK","MerchantID":"3002607","MerchantTradeNo":"AP1","TradeNo":"1","TradeAmt":100,"CheckMacValue":"00"}"#,
            |b| {
                let _ = ServerOrder::decode(200, b, &Credentials::stage());
            },
        ),
        (
            "create trade",
            br#"{"RtnCode":"1","RtnMsg":"OK","MerchantID":"3002607","MerchantTradeNo":"SP1","SPToken":"T"}"#,
            |b| {
                let _ = CreatedTrade::decode(200, b, &Credentials::stage());
            },
        ),
        ("trade file", include_bytes!("fixtures/trade_no_aio.csv"), |b| {
            for e in [FileEncoding::Auto, FileEncoding::Utf8, FileEncoding::Big5] {
                let _ = TradeFile::decode(b, e);
            }
        }),
        ("trade file big5", include_bytes!("fixtures/trade_no_aio_big5.csv"), |b| {
            let _ = TradeFile::decode(b, FileEncoding::Auto);
        }),
        ("funding file", include_bytes!("fixtures/funding_recon.csv"), |b| {
            for e in [FileEncoding::Auto, FileEncoding::Big5] {
                let _ = FundingFile::decode(b, e);
            }
        }),
    ]
}

fn run(iterations: usize) {
    for (seed, (name, sample, parse)) in parsers().into_iter().enumerate() {
        let seed = 0xEC9A_0000 + seed as u64;
        let mut m = Mutator::new(seed);
        let started = std::time::Instant::now();
        for i in 0..iterations {
            let input = m.mutate(sample);
            let r = catch_unwind(AssertUnwindSafe(|| parse(&input)));
            assert!(
                r.is_ok(),
                "{name}: panic at iteration {i} (Mutator seed {seed:#x}), input {:?}",
                String::from_utf8_lossy(&input)
            );
        }
        eprintln!(
            "{name}: {iterations} mutated inputs in {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn ops_parsers_survive_mutated_input() {
    run(fuzz_iterations());
}

#[test]
#[ignore = "long: 1 000 000 mutated inputs per parser"]
fn ops_parsers_survive_a_million_mutated_inputs() {
    run(1_000_000);
}
