//! Property tests: for every scheme, sign-then-verify succeeds, and changing any single byte
//! of the key, a value, the body or a header makes verification fail. And the streaming
//! encoders give exactly what a plain string-building reference written here gives.

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use sign_core::ecpay::{self, HashAlgorithm};
use sign_core::{ljpay, octopus, wattt, Secret, VerifyError};

mod common;
use common::{reference_check_mac_value, reference_wattt};

/// Arbitrary Unicode, biased towards the bytes the encoder treats specially: every escaped
/// ASCII punctuation, space, letters of both cases, multi-byte and 4-byte characters, and
/// long plain runs (which take the eight-bytes-at-a-time path).
fn unicode_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,40}",
        "[A-Za-z0-9.-]{0,70}",
        "[A-Za-z0-9 ~'_!*()%+&=/:?#促銷方案😀é\x00\x7f]{0,60}",
    ]
}

fn unicode_params() -> impl Strategy<Value = Vec<(String, String)>> {
    // Up to 60 pairs: past the 48 that are sorted on the stack, so the heap path is covered.
    // Keys include ones equal but for case, exact repeats and long shared prefixes.
    let key = prop_oneof![
        unicode_text(),
        "(Merchant|merchant|MERCHANT)(TradeNo|tradeno|TradeDate|ID)?[a-z]{0,20}",
        Just("CheckMacValue".to_string()),
        Just("sign".to_string()),
    ];
    proptest::collection::vec((key, unicode_text()), 0..60)
}

/// Replaces the byte at `idx % len` with a different printable ASCII byte. Printable ASCII
/// keeps the string valid UTF-8 only when the replaced byte is ASCII too, so the generators
/// below produce ASCII for the mutated parts and separate CJK cases are in tests/vectors.rs.
fn mutate(s: &str, idx: usize, delta: u8) -> String {
    let mut bytes = s.as_bytes().to_vec();
    let i = idx % bytes.len();
    let b = bytes[i];
    let mut n = b'!' + (b.wrapping_sub(b'!').wrapping_add(1 + delta % 93)) % 94;
    if n == b {
        n = if b == b'a' { b'b' } else { b'a' };
    }
    bytes[i] = n;
    String::from_utf8(bytes).unwrap_or_default()
}

fn ascii(min: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[ -~]{{{min},24}}")).unwrap()
}

fn params() -> impl Strategy<Value = Vec<(String, String)>> {
    proptest::collection::btree_map("[A-Za-z][A-Za-z0-9_]{0,11}", ascii(1), 1..8)
        .prop_map(|m| m.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn ecpay_fast_encoder_matches_string_building_reference(p in unicode_params(), key in unicode_text(), iv in unicode_text()) {
        let (k, v) = (Secret::new(key.clone()), Secret::new(iv.clone()));
        for (alg, md5) in [(HashAlgorithm::Sha256, false), (HashAlgorithm::Md5, true)] {
            prop_assert_eq!(
                ecpay::check_mac_value(&p, &k, &v, alg),
                reference_check_mac_value(&p, &key, &iv, md5)
            );
        }
        // The whole pre-image as one value: the public encoder against the same rules.
        let mut one = String::new();
        for b in key.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'!' | b'*' | b'(' | b')' => one.push(char::from(b)),
                b' ' => one.push('+'),
                _ => one.push_str(&format!("%{b:02x}")),
            }
        }
        prop_assert_eq!(ecpay::url_encode(&key), one);
    }

    /// One long value, shifted by a key of every length, so each kind of byte lands at every
    /// position of the encoder's 16-byte chunks, across its 256-byte passes and its 1 KiB
    /// buffer of encoded bytes.
    #[test]
    fn ecpay_chunked_encoder_matches_reference_at_every_alignment(
        lead in "[A-Za-z0-9]{0,40}",
        value in "[A-Za-z0-9 ./:&=~_*()!'%+促銷😀é]{0,700}",
        key in "[ -~]{0,20}",
        iv in "[ -~]{0,20}",
    ) {
        let p = vec![(lead.clone(), value.clone()), (format!("{lead}b"), value.clone())];
        let (k, v) = (Secret::new(key.clone()), Secret::new(iv.clone()));
        for (alg, md5) in [(HashAlgorithm::Sha256, false), (HashAlgorithm::Md5, true)] {
            prop_assert_eq!(
                ecpay::check_mac_value(&p, &k, &v, alg),
                reference_check_mac_value(&p, &key, &iv, md5)
            );
        }
    }

    #[test]
    fn ecpay_verify_accepts_exactly_the_reference_mac(p in unicode_params(), key in unicode_text(), iv in unicode_text(), md5 in any::<bool>()) {
        let alg = if md5 { HashAlgorithm::Md5 } else { HashAlgorithm::Sha256 };
        let p: Vec<(String, String)> = p.into_iter().filter(|(k, _)| k != "CheckMacValue").collect();
        let mut keys: Vec<&str> = p.iter().map(|(k, _)| k.as_str()).collect();
        keys.sort_unstable();
        let repeats = keys.windows(2).any(|w| w[0] == w[1]);
        let mut signed = p.clone();
        signed.push(("CheckMacValue".into(), reference_check_mac_value(&p, &key, &iv, md5).to_lowercase()));
        let result = ecpay::verify(&signed, &Secret::new(key), &Secret::new(iv), alg);
        if repeats {
            prop_assert!(matches!(result, Err(VerifyError::Malformed { .. })), "{:?}", result);
        } else {
            prop_assert_eq!(result, Ok(()));
        }
    }

    #[test]
    fn wattt_streaming_sign_matches_string_building_reference(p in unicode_params(), secret in unicode_text()) {
        let key = Secret::new(secret.clone());
        prop_assert_eq!(wattt::sign_params(&p, &key), reference_wattt(&p, &secret));
        let obj: serde_json::Map<String, serde_json::Value> = p.iter().map(|(k, v)| (k.clone(), v.clone().into())).collect();
        // A map keeps the last of repeated keys; the reference sees the same fields.
        let fields: Vec<(String, String)> = obj.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect();
        prop_assert_eq!(wattt::sign_json(&obj, &key), reference_wattt(&fields, &secret));
        let body = serde_json::to_vec(&obj).unwrap_or_default();
        prop_assert_eq!(wattt::sign_json_body(&body, &key), Ok(reference_wattt(&fields, &secret)));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn ecpay_roundtrip_and_tamper(p in params(), key in ascii(1), iv in ascii(1), md5 in any::<bool>(), which in 0..4usize, idx in any::<usize>(), delta in any::<u8>()) {
        let alg = if md5 { HashAlgorithm::Md5 } else { HashAlgorithm::Sha256 };
        let (k, v) = (Secret::new(key.clone()), Secret::new(iv.clone()));
        let mac = ecpay::check_mac_value(&p, &k, &v, alg);
        let mut signed = p.clone();
        signed.push(("CheckMacValue".into(), mac.clone()));
        prop_assert_eq!(ecpay::verify(&signed, &k, &v, alg), Ok(()));

        let i = idx % p.len();
        let (k2, v2, mut tampered) = (k.clone(), v.clone(), signed.clone());
        let (k2, v2) = match which {
            0 => (Secret::new(mutate(&key, idx, delta)), v2),
            1 => (k2, Secret::new(mutate(&iv, idx, delta))),
            2 => { tampered[i].1 = mutate(&tampered[i].1, idx, delta); (k2, v2) }
            _ => { tampered.last_mut().unwrap().1 = mutate(&mac, idx, delta); (k2, v2) }
        };
        // Lowercasing is part of the scheme, so a change of letter case alone in the key,
        // IV or a value does not change the MAC; every other change must.
        let case_only = match which {
            0 => mutate(&key, idx, delta).eq_ignore_ascii_case(&key),
            1 => mutate(&iv, idx, delta).eq_ignore_ascii_case(&iv),
            2 => tampered[i].1.eq_ignore_ascii_case(&p[i].1),
            _ => mutate(&mac, idx, delta).eq_ignore_ascii_case(&mac),
        };
        let result = ecpay::verify(&tampered, &k2, &v2, alg);
        if case_only {
            prop_assert_eq!(result, Ok(()));
        } else {
            prop_assert!(result.is_err());
        }
    }

    #[test]
    fn ljpay_roundtrip_and_tamper(secret in ascii(1), site in "[A-Z0-9]{1,10}", path in "/[a-z0-9/?=&%]{0,30}", body in proptest::collection::vec(any::<u8>(), 0..64), which in 0..6usize, idx in any::<usize>(), delta in any::<u8>()) {
        let key = Secret::new(secret.clone());
        let nonce = sign_core::new_nonce();
        let h = ljpay::sign_request(&key, &site, "POST", &path, &body, 1_000, &nonce);
        let verify = |key: &Secret, path: &str, body: &[u8], h: &ljpay::SignedHeaders| {
            let incoming = ljpay::IncomingHeaders { site: Some(&h.site), timestamp: Some(&h.timestamp), nonce: Some(&h.nonce), signature: Some(&h.signature) };
            ljpay::verify_signature(key, &site, "POST", path, &incoming, body, 1_000, 300).map(|_| ())
        };
        prop_assert_eq!(verify(&key, &path, &body, &h), Ok(()));

        let mut h2 = h.clone();
        let (mut key2, mut path2, mut body2) = (key.clone(), path.clone(), body.clone());
        match which {
            0 => key2 = Secret::new(mutate(&secret, idx, delta)),
            1 => h2.nonce = mutate(&h.nonce, idx, delta),
            2 => h2.timestamp = "1001".into(),
            3 => h2.signature = format!("sha256={}", mutate(&h.signature[7..], idx, delta)),
            4 => path2 = mutate(&path, idx, delta),
            _ => {
                if body2.is_empty() { body2.push(0) } else { let i = idx % body2.len(); body2[i] ^= 1 | delta; }
            }
        }
        let result = verify(&key2, &path2, &body2, &h2);
        let only_hex_case = which == 3 && h2.signature.eq_ignore_ascii_case(&h.signature);
        prop_assert!(result.is_err() || only_hex_case, "{:?}", result);
    }

    #[test]
    fn octopus_webhook_roundtrip_and_tamper(secret in ascii(1), body in proptest::collection::vec(any::<u8>(), 0..64), which in 0..3usize, idx in any::<usize>(), delta in any::<u8>()) {
        let key = Secret::new(secret.clone());
        let now = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).single().unwrap_or_default();
        let ts = octopus::format_timestamp(now);
        let sig = octopus::webhook_signature(&key, &body);
        prop_assert!(octopus::verify_webhook(&key, &body, Some(&sig), Some(&ts), now, 300).is_ok());
        let (key2, mut body2, mut sig2) = (key.clone(), body.clone(), sig.clone());
        let key2 = match which {
            0 => Secret::new(mutate(&secret, idx, delta)),
            1 => { if body2.is_empty() { body2.push(b' ') } else { let i = idx % body2.len(); body2[i] ^= 1 | delta; } key2 }
            _ => { sig2 = mutate(&sig, idx, delta); key2 }
        };
        let result = octopus::verify_webhook(&key2, &body2, Some(&sig2), Some(&ts), now, 300);
        prop_assert!(result.is_err() || (which == 2 && sig2.eq_ignore_ascii_case(&sig)));
    }

    #[test]
    fn octopus_auth_roundtrip_and_tamper(secret in ascii(1), merchant in "[a-z0-9_]{1,16}", which in 0..4usize, idx in any::<usize>(), delta in any::<u8>()) {
        let key = Secret::new(secret.clone());
        let now = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).single().unwrap_or_default();
        let nonce = sign_core::new_nonce();
        let h = octopus::auth_headers(&key, &merchant, now, &nonce);
        let check = |key: &Secret, h: &octopus::AuthHeaders| octopus::verify_auth(key, Some(&h.merchant_id), Some(&h.timestamp), Some(&h.nonce), Some(&h.signature), now, 300);
        prop_assert_eq!(check(&key, &h), Ok(()));
        let mut h2 = h.clone();
        let key2 = match which {
            0 => Secret::new(mutate(&secret, idx, delta)),
            1 => { h2.merchant_id = mutate(&merchant, idx, delta); key.clone() }
            2 => { h2.nonce = mutate(&nonce, idx, delta); key.clone() }
            _ => { h2.timestamp = "2024-01-01T00:00:01Z".into(); key.clone() }
        };
        prop_assert!(check(&key2, &h2).is_err());
    }

    #[test]
    fn wattt_roundtrip_and_tamper(p in params(), secret in ascii(1), which in 0..3usize, idx in any::<usize>(), delta in any::<u8>()) {
        let key = Secret::new(secret.clone());
        let p: Vec<(String, String)> = p.into_iter().filter(|(k, _)| k != "sign").collect();
        prop_assume!(!p.is_empty());
        let sign = wattt::sign_params(&p, &key);
        let mut signed = p.clone();
        signed.push(("sign".into(), sign.clone()));
        prop_assert_eq!(wattt::verify_params(&signed, &key), Ok(()));
        // The same fields as a JSON body verify too.
        let obj: serde_json::Map<String, serde_json::Value> = signed.iter().map(|(k, v)| (k.clone(), v.clone().into())).collect();
        prop_assert_eq!(wattt::verify_json_body(serde_json::to_string(&obj).unwrap_or_default().as_bytes(), &key), Ok(()));

        let i = idx % p.len();
        let mut tampered = signed.clone();
        let key2 = match which {
            0 => Secret::new(mutate(&secret, idx, delta)),
            1 => { tampered[i].1 = mutate(&tampered[i].1, idx, delta); key.clone() }
            _ => { tampered.last_mut().unwrap().1 = mutate(&sign, idx, delta); key.clone() }
        };
        let result = wattt::verify_params(&tampered, &key2);
        prop_assert!(result.is_err() || (which == 2 && tampered.last().unwrap().1.eq_ignore_ascii_case(&sign)), "{:?}", result);
    }
}

#[test]
fn ecpay_large_sets_and_shared_prefixes_match_reference() {
    // Past 48 pairs (heap) and past 255 (the general sort), with keys that share long
    // prefixes, differ only in case beyond 15 bytes, or repeat.
    for n in [47, 48, 49, 255, 256, 300] {
        let p: Vec<(String, String)> = (0..n)
            .map(|i| {
                let key = match i % 5 {
                    0 => format!("MerchantTradeNo{}", i % 7),
                    1 => format!("MERCHANTTRADENO{}", i % 3),
                    2 => format!("merchanttradeno{}x", i % 4),
                    3 => format!("K{i}"),
                    _ => "MerchantTradeNo".to_string(),
                };
                (key, format!("v{i} ~'促"))
            })
            .collect();
        let (k, v) = (Secret::new("key"), Secret::new("iv"));
        for (alg, md5) in [(HashAlgorithm::Sha256, false), (HashAlgorithm::Md5, true)] {
            assert_eq!(
                ecpay::check_mac_value(&p, &k, &v, alg),
                reference_check_mac_value(&p, "key", "iv", md5),
                "{n} pairs"
            );
        }
    }
}
