//! Plain references for the signing tests, written from the documented rules and sharing no
//! code with the crate: what the fast paths are held to, byte for byte.

#![allow(dead_code)] // each test file uses its own subset

use sha2::Digest;

/// .NET `HttpUtility.UrlEncode`, as ECPay's CheckMacValue uses it: `A-Z a-z 0-9 - _ . ! * ( )`
/// kept, space to `+`, every other UTF-8 byte `%xx`.
pub fn reference_encode(raw: &str) -> String {
    let mut out = String::new();
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!*()".contains(&b) {
            out.push(char::from(b));
        } else if b == b' ' {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02x}"));
        }
    }
    out
}

/// CheckMacValue the obvious way, from ECPay's documented rule (developer docs, "附錄 /
/// 檢查碼機制", and DESIGN.md's four steps): drop `CheckMacValue`, sort case-insensitively
/// (ties by the original key), `HashKey=…&k=v…&HashIV=…`, encode, lowercase, hash, upper hex.
pub fn reference_check_mac_value(
    params: &[(String, String)],
    key: &str,
    iv: &str,
    md5: bool,
) -> String {
    let mut pairs: Vec<&(String, String)> = params
        .iter()
        .filter(|(k, _)| k != "CheckMacValue")
        .collect();
    pairs.sort_by(|a, b| {
        a.0.to_ascii_lowercase()
            .cmp(&b.0.to_ascii_lowercase())
            .then_with(|| a.0.cmp(&b.0))
    });
    let mut raw = format!("HashKey={key}");
    for (k, v) in pairs {
        raw.push_str(&format!("&{k}={v}"));
    }
    raw.push_str(&format!("&HashIV={iv}"));
    let lowered = reference_encode(&raw).to_ascii_lowercase();
    if md5 {
        hex::encode_upper(md5::Md5::digest(lowered.as_bytes()))
    } else {
        hex::encode_upper(sha2::Sha256::digest(lowered.as_bytes()))
    }
}

/// Wattt `sign` the plain way (DESIGN.md): drop `sign` and empty values, sort by key in
/// byte order (stable), `k=v&…&key=<secret>`, MD5, lowercase hex.
pub fn reference_wattt(params: &[(String, String)], secret: &str) -> String {
    let mut pairs: Vec<&(String, String)> = params
        .iter()
        .filter(|(k, v)| k != "sign" && !v.is_empty())
        .collect();
    pairs.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut base: String = pairs.iter().map(|(k, v)| format!("{k}={v}&")).collect();
    base.push_str(&format!("key={secret}"));
    hex::encode(md5::Md5::digest(base.as_bytes()))
}
