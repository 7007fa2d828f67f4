//! Reconciliation file decoding: one fixture per file type (UTF-8 and Big5 copies of the same
//! text, the Big5 bytes written by Python's `big5` codec, not by this crate), header lines
//! and totals, integer money, and a malformed row named by its line.
//!
//! Column titles follow ECPay's pages: FundingReconDetail `?p=2898`/`?p=16604` (序號, 授權單號,
//! 授權碼, 訂單編號, 交易日期, 請款日期, 交易金額, 服務費(%數), 撥款金額); TradeNoAio
//! `?p=16599` (the back office's trade media file).

use ecpay_sdk::aio::{FileEncoding, FundingFile, TradeFile};
use ecpay_sdk::Error;

#[test]
fn trade_file_utf8_and_big5_decode_alike() {
    let cases: &[(&str, &[u8], FileEncoding)] = &[
        (
            "utf-8 auto",
            include_bytes!("fixtures/trade_no_aio.csv"),
            FileEncoding::Auto,
        ),
        (
            "utf-8 explicit",
            include_bytes!("fixtures/trade_no_aio.csv"),
            FileEncoding::Utf8,
        ),
        (
            "big5 auto",
            include_bytes!("fixtures/trade_no_aio_big5.csv"),
            FileEncoding::Auto,
        ),
        (
            "big5 explicit",
            include_bytes!("fixtures/trade_no_aio_big5.csv"),
            FileEncoding::Big5,
        ),
    ];
    for (name, bytes, enc) in cases {
        let f = TradeFile::decode(bytes, *enc).unwrap_or_else(|e| panic!("case {name}: {e}"));
        assert_eq!(
            f.preamble,
            ["特店對帳媒體檔", "查詢期間,2026-01-01~2026-01-31"],
            "case {name}"
        );
        assert_eq!(f.rows.len(), 3, "case {name}");
        let r = &f.rows[0];
        assert_eq!(r.line, 5, "case {name}: the first row is on line 5");
        assert_eq!(r.merchant_trade_no, "ORD20260101001", "case {name}");
        assert_eq!(r.trade_no, "2601011000000001", "case {name}");
        assert_eq!(
            (r.amount, r.handling_charge, r.net_amount),
            (1200, Some(34), Some(1166)),
            "case {name}"
        );
        assert_eq!(r.payment_type, "信用卡", "case {name}");
        assert_eq!(
            r.columns.get("商品名稱").map(String::as_str),
            Some("Tea, Cake & Mug"),
            "case {name}"
        );
        assert_eq!(
            f.rows[1].merchant_trade_no, "00123",
            "case {name}: Excel's =\"…\" wrapper dropped"
        );
        assert_eq!(
            f.rows[2].handling_charge, None,
            "case {name}: an empty fee is absent"
        );
        assert_eq!(
            f.rows[2].columns.get("商品名稱").map(String::as_str),
            Some("He said \"hi\""),
            "case {name}"
        );
        assert_eq!(f.footer.len(), 1, "case {name}: the totals line");
    }
}

#[test]
fn funding_file_utf8_and_big5() {
    let cases: &[(&str, &[u8], FileEncoding)] = &[
        (
            "utf-8",
            include_bytes!("fixtures/funding_recon.csv"),
            FileEncoding::Auto,
        ),
        (
            "big5",
            include_bytes!("fixtures/funding_recon_big5.csv"),
            FileEncoding::Big5,
        ),
    ];
    for (name, bytes, enc) in cases {
        let f = FundingFile::decode(bytes, *enc).unwrap_or_else(|e| panic!("case {name}: {e}"));
        assert_eq!(f.rows.len(), 2, "case {name}");
        assert_eq!(
            (
                f.rows[0].gwsr.as_str(),
                f.rows[0].amount,
                f.rows[0].funded_amount
            ),
            ("11111111", 1200, 1167),
            "case {name}"
        );
        assert_eq!(
            (f.rows[1].amount, f.rows[1].funded_amount),
            (-299, -291),
            "case {name}: refund negative"
        );
        assert_eq!(f.rows[1].capture_date, "20260102", "case {name}");
        assert_eq!(
            f.rows[0].columns.get("服務費(%數)").map(String::as_str),
            Some("2.75"),
            "case {name}"
        );
    }
}

#[test]
fn malformed_rows_are_errors_naming_the_line() {
    let cases: &[(&str, &[u8], &str)] = &[
        (
            "bad amount",
            include_bytes!("fixtures/funding_recon_bad_amount.csv"),
            "line 3",
        ),
        (
            "short row",
            "序號,授權單號,授權碼,訂單編號,交易日期,請款日期,交易金額,撥款金額\n1,2,3\n".as_bytes(),
            "line 2",
        ),
        (
            "unclosed quote",
            "序號,授權單號,授權碼,訂單編號,交易日期,請款日期,交易金額,撥款金額\n1,\"2,3\n"
                .as_bytes(),
            "line 2",
        ),
        ("no header", "a,b,c\n1,2,3\n".as_bytes(), "no header line"),
    ];
    for (name, bytes, want) in cases {
        match FundingFile::decode(bytes, FileEncoding::Utf8) {
            Err(Error::Decode { reason, .. }) => {
                assert!(reason.contains(want), "case {name}: {reason}")
            }
            other => panic!("case {name}: expected a decode error, got {other:?}"),
        }
    }
}

#[test]
fn wrong_encoding_is_an_error_not_mojibake() {
    let big5 = include_bytes!("fixtures/funding_recon_big5.csv");
    assert!(matches!(
        FundingFile::decode(big5, FileEncoding::Utf8),
        Err(Error::Decode { .. })
    ));
}
