//! ECPay CheckMacValue, as used by the AIO cashier (SHA-256, `EncryptType=1`) and by
//! logistics and older APIs (MD5).
//!
//! The algorithm (ECPay developer docs, "附錄 / 檢查碼機制", <https://developers.ecpay.com.tw/?p=2902>):
//! 1. drop `CheckMacValue`; sort the pairs by key, ASCII case-insensitively, ties broken by
//!    the original key (a stable sort keeps duplicates in their given order);
//! 2. `HashKey=<key>&k1=v1&…&HashIV=<iv>`;
//! 3. URL-encode as .NET `HttpUtility.UrlEncode` does ([`url_encode`]);
//! 4. lowercase, hash, uppercase hex.
//!
//! ```
//! use sign_core::{ecpay::{check_mac_value, HashAlgorithm}, Secret};
//! let (key, iv) = (Secret::from("pwFHCqoQZGmho4w6"), Secret::from("EkRm7iFT261dpevs"));
//! let mac = check_mac_value([("TradeDesc", "促銷方案"), ("TotalAmount", "30000")], &key, &iv, HashAlgorithm::Sha256);
//! assert!(mac.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()));
//! ```

use md5::Md5;
use sha2::{Digest, Sha256};

use crate::compare::hex_signature_matches;
use crate::error::{refuse_duplicates, required, VerifyError};
use crate::{ParamPair, Secret};

/// The name of the field that carries the signature.
pub const CHECK_MAC_VALUE: &str = "CheckMacValue";

/// The hash behind a CheckMacValue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum HashAlgorithm {
    /// SHA-256: AIO payments, `EncryptType=1`.
    #[default]
    Sha256,
    /// MD5: logistics and legacy APIs, `EncryptType=0`.
    Md5,
}

impl HashAlgorithm {
    /// The value of the AIO `EncryptType` field for this algorithm.
    ///
    /// ```
    /// assert_eq!(sign_core::ecpay::HashAlgorithm::Sha256.encrypt_type(), 1);
    /// ```
    pub fn encrypt_type(self) -> u8 {
        match self {
            Self::Sha256 => 1,
            Self::Md5 => 0,
        }
    }
}

/// URL-encodes the way .NET `HttpUtility.UrlEncode` does, which is what ECPay's server
/// computes with: bytes of `A-Z a-z 0-9 - _ . ! * ( )` stay, space becomes `+`, every other
/// byte of the UTF-8 encoding becomes `%xx` (lowercase hex, so `~` is `%7e`).
///
/// ```
/// use sign_core::ecpay::url_encode;
/// assert_eq!(url_encode("a b~!*()'"), "a+b%7e!*()%27");
/// assert_eq!(url_encode("促"), "%e4%bf%83");
/// ```
pub fn url_encode(input: &str) -> String {
    let mut out = Vec::with_capacity(input.len() * 3 / 2);
    push_url_encoded(&mut out, input, &KEEP);
    // Every byte written is ASCII.
    out.into_iter().map(char::from).collect()
}

/// Per input byte: the byte to write, or 0 for "write `%xx`".
const fn encoding_table(lowercase: bool) -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        table[i] = match b {
            b'A'..=b'Z' if lowercase => b.to_ascii_lowercase(),
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'!'
            | b'*'
            | b'('
            | b')' => b,
            b' ' => b'+',
            _ => 0,
        };
        i += 1;
    }
    table
}

/// .NET `HttpUtility.UrlEncode`.
const KEEP: [u8; 256] = encoding_table(false);
/// The same, lowercased in the same pass (CheckMacValue lowercases the encoded string).
const KEEP_LOWERCASED: [u8; 256] = encoding_table(true);

fn push_url_encoded(out: &mut Vec<u8>, input: &str, table: &[u8; 256]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &b in input.as_bytes() {
        match table[usize::from(b)] {
            0 => {
                out.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0x0f)]])
            }
            keep => out.push(keep),
        }
    }
}

/// Computes the CheckMacValue (uppercase hex) of `params`; a `CheckMacValue` among them is
/// ignored, so a received map can be passed as it is.
///
/// ```
/// use sign_core::{ecpay::{check_mac_value, HashAlgorithm}, Secret};
/// let (key, iv) = (Secret::from("k"), Secret::from("v"));
/// let a = check_mac_value([("B", "2"), ("a", "1")], &key, &iv, HashAlgorithm::Md5);
/// let b = check_mac_value([("a", "1"), ("B", "2"), ("CheckMacValue", "X")], &key, &iv, HashAlgorithm::Md5);
/// assert_eq!(a, b);
/// ```
pub fn check_mac_value<I>(
    params: I,
    hash_key: &Secret,
    hash_iv: &Secret,
    algorithm: HashAlgorithm,
) -> String
where
    I: IntoIterator,
    I::Item: ParamPair,
{
    let mut pairs: Vec<I::Item> = params
        .into_iter()
        .filter(|p| p.name() != CHECK_MAC_VALUE)
        .collect();
    pairs.sort_by(|a, b| {
        let (a, b) = (a.name(), b.name());
        cmp_ignore_ascii_case(a, b).then_with(|| a.cmp(b))
    });

    // Encoded and lowercased in one pass, straight into the bytes that are hashed.
    // Worst case (every byte escaped), so the buffer never grows while encoding.
    let input_len: usize = pairs
        .iter()
        .map(|p| p.name().len() + p.value().len() + 2)
        .sum();
    let mut encoded =
        Vec::with_capacity(32 + 3 * (input_len + hash_key.expose().len() + hash_iv.expose().len()));
    encoded.extend_from_slice(b"hashkey%3d");
    push_url_encoded(&mut encoded, hash_key.expose(), &KEEP_LOWERCASED);
    for pair in &pairs {
        encoded.extend_from_slice(b"%26");
        push_url_encoded(&mut encoded, pair.name(), &KEEP_LOWERCASED);
        encoded.extend_from_slice(b"%3d");
        push_url_encoded(&mut encoded, pair.value(), &KEEP_LOWERCASED);
    }
    encoded.extend_from_slice(b"%26hashiv%3d");
    push_url_encoded(&mut encoded, hash_iv.expose(), &KEEP_LOWERCASED);

    match algorithm {
        HashAlgorithm::Sha256 => hex::encode_upper(Sha256::digest(&encoded)),
        HashAlgorithm::Md5 => hex::encode_upper(Md5::digest(&encoded)),
    }
}

fn cmp_ignore_ascii_case(a: &str, b: &str) -> std::cmp::Ordering {
    // Keys share long exact prefixes (`MerchantTrade…`): skip those without lowercasing.
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let same = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[same..], &b[same..]);
    a.iter()
        .map(u8::to_ascii_lowercase)
        .cmp(b.iter().map(u8::to_ascii_lowercase))
}

/// Verifies the `CheckMacValue` carried inside a received parameter set (a ReturnURL,
/// OrderResultURL or PaymentInfoURL callback, or a QueryTradeInfo response).
///
/// Refuses a set that repeats a key, because a parser reading the first occurrence and a
/// signature covering both could disagree about what was signed. The received value is
/// compared case-insensitively (hex) and in constant time.
///
/// ```
/// use sign_core::{ecpay::{check_mac_value, verify, HashAlgorithm}, Secret, VerifyError};
/// let (key, iv) = (Secret::from("k"), Secret::from("v"));
/// let mac = check_mac_value([("RtnCode", "1")], &key, &iv, HashAlgorithm::Sha256);
/// assert!(verify([("RtnCode", "1"), ("CheckMacValue", mac.as_str())], &key, &iv, HashAlgorithm::Sha256).is_ok());
/// assert_eq!(
///     verify([("RtnCode", "0"), ("CheckMacValue", mac.as_str())], &key, &iv, HashAlgorithm::Sha256),
///     Err(VerifyError::Mismatch)
/// );
/// ```
pub fn verify<I>(
    params: I,
    hash_key: &Secret,
    hash_iv: &Secret,
    algorithm: HashAlgorithm,
) -> Result<(), VerifyError>
where
    I: IntoIterator,
    I::Item: ParamPair,
{
    let pairs: Vec<I::Item> = params.into_iter().collect();
    refuse_duplicates(pairs.iter().map(ParamPair::name))?;
    let received = pairs
        .iter()
        .find(|p| p.name() == CHECK_MAC_VALUE)
        .map(ParamPair::value);
    let received = required(CHECK_MAC_VALUE, received)?;
    let expected_len = match algorithm {
        HashAlgorithm::Sha256 => 64,
        HashAlgorithm::Md5 => 32,
    };
    if received.len() != expected_len || !received.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(VerifyError::malformed(
            CHECK_MAC_VALUE,
            if expected_len == 64 {
                "expected 64 hex characters (SHA-256)"
            } else {
                "expected 32 hex characters (MD5)"
            },
        ));
    }
    let expected = check_mac_value(
        pairs.iter().map(|p| (p.name(), p.value())),
        hash_key,
        hash_iv,
        algorithm,
    );
    hex_signature_matches(&expected, received)
}
