//! Test helpers: an independent CheckMacValue written from ECPay's published steps
//! (developers.ecpay.com.tw `?p=2902`), sharing no code with sign-core.
#![allow(dead_code)]

use sha2::{Digest, Sha256};

pub const KEY: &str = "pwFHCqoQZGmho4w6";
pub const IV: &str = "EkRm7iFT261dpevs";

/// .NET `HttpUtility.UrlEncode`-style encoding as ECPay's table describes it.
pub fn dotnet_url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        let c = b as char;
        if c.is_ascii_alphanumeric() || "-_.!*()".contains(c) {
            out.push(c);
        } else if c == ' ' {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02x}"));
        }
    }
    out
}

/// ECPay's steps (1)-(6): sort case-insensitively, wrap in HashKey/HashIV, encode,
/// lowercase, SHA-256, uppercase hex.
pub fn encoded_string(pairs: &[(&str, &str)], key: &str, iv: &str) -> String {
    let mut p: Vec<(&str, &str)> = pairs
        .iter()
        .copied()
        .filter(|(k, _)| *k != "CheckMacValue")
        .collect();
    p.sort_by(|a, b| {
        a.0.to_lowercase()
            .cmp(&b.0.to_lowercase())
            .then(a.0.cmp(b.0))
    });
    let joined = p
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let raw = format!("HashKey={key}&{joined}&HashIV={iv}");
    dotnet_url_encode(&raw).to_lowercase()
}

pub fn cmv(pairs: &[(&str, &str)], key: &str, iv: &str) -> String {
    hex::encode_upper(Sha256::digest(encoded_string(pairs, key, iv).as_bytes()))
}

pub fn cmv_owned(pairs: &[(String, String)]) -> String {
    let b: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    cmv(&b, KEY, IV)
}

/// Signs pairs for the stage merchant and appends CheckMacValue (independent signer).
pub fn signed(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mac = cmv(pairs, KEY, IV);
    v.push(("CheckMacValue".into(), mac));
    v
}

/// Form-encodes pairs (as a browser or ECPay would POST them).
pub fn form(pairs: &[(String, String)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

pub fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}
