use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Lowercase hex of a 32-byte digest, without per-character allocation.
pub(crate) fn hex32(digest: &[u8]) -> [u8; 64] {
    let mut out = [0u8; 64];
    // A 32-byte digest always fits 64 hex digits; anything else leaves zeros that can
    // never match a received signature.
    let _ = hex::encode_to_slice(digest, &mut out);
    out
}

/// Lowercase hex of HMAC-SHA256(key, message); the message may come in several parts, so
/// callers need not build it in memory first.
pub(crate) fn hmac_sha256_hex(key: &[u8], parts: &[&[u8]]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    for part in parts {
        mac.update(part);
    }
    hex32(&mac.finalize().into_bytes())
        .iter()
        .map(|&b| b as char)
        .collect()
}

/// Whether `s` is exactly `len` lowercase-or-uppercase hex characters.
pub(crate) fn is_hex_of_len(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit())
}
