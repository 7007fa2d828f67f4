//! The word-at-a-time CheckMacValue encoder, its overlapping and padded tail words, the
//! 7-byte sort keys and the hex decoding of received signatures, each held byte for byte to
//! a plain reference written here from ECPay's documented rule (developer docs, "附錄 /
//! 檢查碼機制": sort case-insensitively, `HashKey=…&k=v…&HashIV=…`, .NET
//! `HttpUtility.UrlEncode`, lowercase, hash, uppercase hex). The reference shares no code
//! with the crate.

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use sign_core::ecpay::{self, HashAlgorithm};
use sign_core::{octopus, wattt, Secret, VerifyError};

mod common;
use common::{reference_check_mac_value, reference_encode, reference_wattt};

/// Text built from pieces that land on every path of the encoder: runs of plain bytes of
/// every length (whole words, tails, short values), every ASCII byte, and multibyte UTF-8
/// (2, 3 and 4 bytes, so CJK words and split characters both occur).
fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[A-Za-z0-9.-]{1,20}",
        2 => (0u8..0x80).prop_map(|b| char::from(b).to_string()),
        1 => "[ _!*()~'+%&=/:?#]{1,3}",
        1 => "[台北信義門市線上訂單珍珠奶茶]{1,9}",
        1 => any::<char>().prop_map(String::from),
        1 => "[é€😀]{1,3}",
    ];
    proptest::collection::vec(piece, 0..8).prop_map(|p| p.concat())
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z][A-Za-z0-9_]{0,20}",
        // Shared 7- and 16-byte prefixes, differing only in case or past the prefix.
        "(Merchant|merchant|MERCHANT)(Trade|ID|TradeNo|TradeDate|x)?[0-9]?",
        text(),
    ]
}

fn params() -> impl Strategy<Value = Vec<(String, String)>> {
    proptest::collection::vec((key(), text()), 0..20)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The prefix-rank sort: keys sharing 7 bytes, differing in case, repeated, or empty.
    #[test]
    fn wattt_sign_matches_reference(p in params(), secret in text()) {
        let s = Secret::from(secret.as_str());
        prop_assert_eq!(&wattt::sign_params(&p, &s), &reference_wattt(&p, &secret));
        let map: serde_json::Map<String, serde_json::Value> =
            p.iter().map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str()))).collect();
        let unique: Vec<(String, String)> =
            map.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_owned())).collect();
        prop_assert_eq!(&wattt::sign_json(&map, &s), &reference_wattt(&unique, &secret));
    }

    #[test]
    fn url_encode_matches_reference_byte_for_byte(s in text()) {
        prop_assert_eq!(ecpay::url_encode(&s), reference_encode(&s));
    }

    /// Every value, key and secret goes through the lowercasing word encoder, so a wrong
    /// byte anywhere in the pre-image changes the digest.
    #[test]
    fn check_mac_value_matches_reference(p in params(), k in text(), iv in text(), md5 in any::<bool>()) {
        let alg = if md5 { HashAlgorithm::Md5 } else { HashAlgorithm::Sha256 };
        let (key, ivs) = (Secret::from(k.as_str()), Secret::from(iv.as_str()));
        let expected = reference_check_mac_value(&p, &k, &iv, md5);
        prop_assert_eq!(&ecpay::check_mac_value(&p, &key, &ivs, alg), &expected);

        // Without repeated keys it verifies, in either letter case, and one digit off fails.
        let mut names: Vec<&str> = p.iter().map(|(k, _)| k.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        if names.len() == p.len() && !names.contains(&"CheckMacValue") {
            for given in [expected.clone(), expected.to_lowercase()] {
                let mut received = p.clone();
                received.push(("CheckMacValue".into(), given));
                prop_assert_eq!(ecpay::verify(&received, &key, &ivs, alg), Ok(()));
            }
            let mut wrong = expected.into_bytes();
            wrong[0] = if wrong[0] == b'0' { b'1' } else { b'0' };
            let mut received = p.clone();
            received.push(("CheckMacValue".into(), String::from_utf8(wrong).unwrap_or_default()));
            prop_assert_eq!(ecpay::verify(&received, &key, &ivs, alg), Err(VerifyError::Mismatch));
        }
    }

    /// A received signature is accepted exactly when it spells the MAC in hex of either case,
    /// reported as malformed exactly when it is not 64 (Octopus) or 32 (Wattt) hex digits.
    #[test]
    fn received_hex_is_decoded_like_a_case_insensitive_compare(
        body in proptest::collection::vec(any::<u8>(), 0..40),
        flips in proptest::collection::vec((0usize..64, 0u8..4), 0..3),
        len_delta in -1i32..=1,
    ) {
        let secret = Secret::from("whsec");
        let now = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).single().unwrap_or_default();
        let ts = octopus::format_timestamp(now);
        let sig = octopus::webhook_signature(&secret, &body);
        let mut given = sig.clone().into_bytes();
        for &(at, how) in &flips {
            given[at] = match how {
                0 => given[at].to_ascii_uppercase(),
                1 => b'g',
                2 => b'0',
                _ => b' ',
            };
        }
        match len_delta {
            -1 => { given.pop(); }
            1 => given.push(b'a'),
            _ => {}
        }
        let given = String::from_utf8(given).unwrap_or_default();
        let got = octopus::verify_webhook(&secret, &body, Some(&given), Some(&ts), now, 300);
        let is_hex = given.len() == 64 && given.bytes().all(|b| b.is_ascii_hexdigit());
        if !is_hex {
            prop_assert!(matches!(got, Err(VerifyError::Malformed { .. })), "{:?}", got);
        } else if given.eq_ignore_ascii_case(&sig) {
            prop_assert!(got.is_ok());
        } else {
            prop_assert_eq!(got, Err(VerifyError::Mismatch));
        }

        let w = Secret::from("wattt");
        let params = [("uid", "m1"), ("amount", "2500")];
        let sign = wattt::sign_params(params, &w);
        let short = &given[..given.len().min(32)];
        let verdict = wattt::verify_params([("uid", "m1"), ("amount", "2500"), ("sign", short)], &w);
        let short_hex = short.len() == 32 && short.bytes().all(|b| b.is_ascii_hexdigit());
        if !short_hex {
            prop_assert!(matches!(verdict, Err(VerifyError::Malformed { .. })), "{:?}", verdict);
        } else if short.eq_ignore_ascii_case(&sign) {
            prop_assert!(verdict.is_ok());
        } else {
            prop_assert_eq!(verdict, Err(VerifyError::Mismatch));
        }
    }
}

proptest! {
    // Cheap cases, and a network missing one exchange misorders only some inputs.
    #![proptest_config(ProptestConfig::with_cases(4096))]

    /// The sorting networks (up to 8 and up to 16 keys) and the general sort past 16, at and
    /// around each size: keys from a small pool that share 7-byte prefixes, differ only in
    /// case, repeat (kept in their given order), or are empty.
    #[test]
    fn sorting_network_sizes_match_reference(
        n in prop_oneof![Just(0usize), Just(1), Just(2), 7usize..=9, 15usize..=17, 18usize..=48, Just(49)],
        picks in proptest::collection::vec(0usize..16, 49),
        md5 in any::<bool>(),
    ) {
        const POOL: [&str; 16] = [
            "MerchantID", "merchantid", "MerchantTradeNo", "MerchantTradeDate", "Merchan",
            "MerchantX", "TotalAmount", "totalamount", "TradeDesc", "TradeDes", "ItemName",
            "A", "a", "", "CheckMacValue", "ChoosePayment",
        ];
        let p: Vec<(String, String)> = picks[..n]
            .iter()
            .enumerate()
            .map(|(i, &k)| (POOL[k].to_string(), i.to_string()))
            .collect();
        let (key, iv) = (Secret::from("k"), Secret::from("v"));
        let alg = if md5 { HashAlgorithm::Md5 } else { HashAlgorithm::Sha256 };
        prop_assert_eq!(
            ecpay::check_mac_value(&p, &key, &iv, alg),
            reference_check_mac_value(&p, "k", "v", md5)
        );
    }
}

/// Every ASCII byte, at every offset from a word boundary, inside plain runs of every
/// length, in keys, values and both secrets.
#[test]
fn every_ascii_byte_at_every_alignment_matches_reference() {
    for b in 0u8..0x80 {
        for before in 0..17 {
            for after in [0, 1, 7, 8, 9] {
                let v = format!(
                    "{}{}{}",
                    "Ab9.-".repeat(4).get(..before).unwrap_or(""),
                    char::from(b),
                    "Zz0-".repeat(3).get(..after).unwrap_or("")
                );
                let p = vec![(format!("K{v}"), v.clone()), ("Short".into(), "x".into())];
                assert_both_hashes_match_reference(
                    &p,
                    &v,
                    "iv",
                    &format!("byte {b:#04x}, {before} before, {after} after"),
                );
                assert_eq!(ecpay::url_encode(&v), reference_encode(&v));
            }
        }
    }
}

/// Every length from 0 to 17 (short values built from two overlapping loads, whole words,
/// overlapping tail words) of plain runs, of the bytes the fast paths leave to the table
/// (`~ * ! ( ) space %`, upper case), of multi-byte characters and of mixes, as keys, values
/// and secrets.
#[test]
fn every_length_of_every_kind_of_run_matches_reference() {
    let alphabets = ["aZ9.-", "~*!() %_'", "促銷方", "AbC~1 é", "x😀Y"];
    for alphabet in alphabets {
        let chars: Vec<char> = alphabet.chars().collect();
        for len in 0..18 {
            for start in 0..chars.len() {
                let mut v = String::new();
                for i in 0..len {
                    v.push(chars[(start + i) % chars.len()]);
                }
                // Cut at a byte length, on a character boundary, so short byte tails occur.
                let mut cut = len.min(v.len());
                while !v.is_char_boundary(cut) {
                    cut -= 1;
                }
                let v = &v[..cut];
                let p = vec![
                    (v.to_string(), v.to_string()),
                    ("K".to_string(), v.to_string()),
                ];
                assert_both_hashes_match_reference(&p, v, v, &format!("{v:?}"));
                assert_eq!(ecpay::url_encode(v), reference_encode(v), "{v:?}");
            }
        }
    }
}

/// Keys equal in their first 7 (or 16) bytes up to case, or one a prefix of another, keep
/// the documented order: case-insensitive, then by the key as given.
#[test]
fn keys_sharing_prefixes_sort_as_documented() {
    let names = [
        "MerchantTradeNo",
        "MerchantID",
        "merchantid",
        "MerchantTradeDate",
        "Merchan",
        "Merchant",
        "MERCHANT",
        "MerchantTradeDateX",
        "MerchantTradeDatex",
        "merchanttradedate",
        "A",
        "a",
        "",
        "Merchan\u{0}",
    ];
    let p: Vec<(String, String)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.to_string(), i.to_string()))
        .collect();
    assert_both_hashes_match_reference(&p, "k", "v", "keys sharing prefixes");
}

/// CheckMacValue with SHA-256 and with MD5 is the plain reference's (tests/common), for the
/// key and IV given as text.
fn assert_both_hashes_match_reference(p: &[(String, String)], key: &str, iv: &str, case: &str) {
    for (alg, md5) in [(HashAlgorithm::Sha256, false), (HashAlgorithm::Md5, true)] {
        assert_eq!(
            ecpay::check_mac_value(p, &Secret::from(key), &Secret::from(iv), alg),
            reference_check_mac_value(p, key, iv, md5),
            "{case}, md5 {md5}"
        );
    }
}
