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

use crate::compare::digest_matches;
use crate::error::{required, VerifyError};
use crate::hmac_hex::{decode_hex, hex_string, padded_word, Sink, URL_ENCODE};
use crate::pair::{with_pairs, INLINE};
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
    let mut out = String::with_capacity(input.len() * 3);
    for &b in input.as_bytes() {
        let entry = &URL_ENCODE[usize::from(b)];
        for &c in &entry[..usize::from(entry[3])] {
            out.push(char::from(c));
        }
    }
    out
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
    with_pairs(params, |pairs| {
        in_order(pairs, |order| {
            let (digest, len) = digest_sorted(order, pairs, hash_key, hash_iv, algorithm);
            hex_string(&digest[..len], true)
        })
    })
}

/// Runs `f` over the indices of `pairs` in step 1's order: keys compared ASCII
/// case-insensitively, ties broken by the original key, then by position (so a key given
/// twice keeps its given order).
fn in_order<R>(pairs: &[(&str, &str)], f: impl FnOnce(&[usize]) -> R) -> R {
    let full = |a: usize, b: usize| {
        let (x, y) = (pairs[a].0, pairs[b].0);
        cmp_ignore_ascii_case(x, y)
            .then_with(|| x.cmp(y))
            .then(a.cmp(&b))
    };
    let n = pairs.len();
    if n > INLINE {
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| full(a, b));
        return f(&order);
    }
    // Each key as one number: its first 7 bytes lowercased, then its position (< 48), so no
    // two are equal. Ordering those orders the keys as `full` does, except among keys whose
    // 7-byte prefixes are equal, which the pass below puts right. The count below then takes
    // one 64-bit compare per pair, where a 16-byte prefix took two.
    let mut keys = [0u64; INLINE];
    for (i, (key, (name, _))) in keys.iter_mut().zip(pairs).enumerate() {
        *key = lowered_prefix7(name.as_bytes()) | i as u64;
    }
    let keys = &keys[..n];
    // Each key's rank is how many keys are smaller: a count with no branch on the data,
    // where an insertion sort mispredicts once per key.
    let mut order = [0usize; INLINE];
    for (i, key) in keys.iter().enumerate() {
        let rank = keys
            .iter()
            .map(|other| usize::from(other < key))
            .sum::<usize>();
        order[rank] = i;
    }
    let order = &mut order[..n];
    let mut start = 0;
    while start < n {
        let prefix = keys[order[start]] >> 8;
        let same = order[start..]
            .iter()
            .take_while(|&&i| keys[i] >> 8 == prefix)
            .count();
        if same > 1 {
            // Keys sharing a 7-byte prefix (`MerchantID`, `MerchantTradeNo`, …): their first
            // 16 bytes settle nearly all of them before the byte-by-byte comparison.
            insertion_sort(&mut order[start..start + same], |&a, &b| {
                let (x, y) = (pairs[a].0.as_bytes(), pairs[b].0.as_bytes());
                lowered_prefix(x)
                    .cmp(&lowered_prefix(y))
                    .then_with(|| full(a, b))
                    .is_lt()
            });
        }
        start += same.max(1);
    }
    f(order)
}

/// The first 7 bytes of `name`, ASCII-lowercased and zero-padded, as the top 56 bits of a
/// big-endian number (the low byte is left for the key's position).
#[inline(always)]
fn lowered_prefix7(name: &[u8]) -> u64 {
    let word = match name.first_chunk::<8>() {
        Some(word) => *word,
        None => padded_word(name, 0),
    };
    lowercase_word(u64::from_be_bytes(word)) & !0xff
}

/// The first 16 bytes of `name`, ASCII-lowercased and zero-padded, as a big-endian number.
fn lowered_prefix(name: &[u8]) -> u128 {
    let (hi, lo) = match name.len() {
        16.. => (be_word(&name[..8]), be_word(&name[8..16])),
        // The last eight bytes shifted left: what overlaps the first word falls off the top,
        // zeros come in at the bottom.
        9..=15 => {
            let tail = be_word(&name[name.len() - 8..]);
            (be_word(&name[..8]), tail << (8 * (16 - name.len())))
        }
        n => {
            let mut word = [0u8; 8];
            word[..n].copy_from_slice(name);
            (u64::from_be_bytes(word), 0)
        }
    };
    u128::from(lowercase_word(hi)) << 64 | u128::from(lowercase_word(lo))
}

fn be_word(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(bytes);
    u64::from_be_bytes(word)
}

/// ASCII-lowercases the eight bytes of `x`, leaving bytes >= 0x80 alone.
fn lowercase_word(x: u64) -> u64 {
    const LANES: u64 = 0x0101_0101_0101_0101;
    let seven = x & (0x7f * LANES);
    // High bit of each byte: at least `A`, and above `Z`, computed on the low seven bits
    // so no byte carries into the next.
    let at_least_a = seven + (0x80 - 0x41) * LANES;
    let above_z = seven + (0x7f - 0x5a) * LANES;
    let upper = at_least_a & !above_z & !x & (0x80 * LANES);
    x | (upper >> 2)
}

/// Stable, and for a form's worth of fields cheaper than the general sort's set-up.
fn insertion_sort<T: Copy>(items: &mut [T], less: impl Fn(&T, &T) -> bool) {
    for i in 1..items.len() {
        let item = items[i];
        let mut j = i;
        while j > 0 && less(&item, &items[j - 1]) {
            items[j] = items[j - 1];
            j -= 1;
        }
        items[j] = item;
    }
}

/// Steps 2-4 over the pairs in `order`: the pre-image is encoded and lowercased straight
/// into the hasher's input, never built as a string.
fn digest_sorted(
    order: &[usize],
    pairs: &[(&str, &str)],
    hash_key: &Secret,
    hash_iv: &Secret,
    algorithm: HashAlgorithm,
) -> ([u8; 32], usize) {
    let ordered = || order.iter().map(|&i| pairs[i]);
    let mut out = [0u8; 32];
    let len = match algorithm {
        HashAlgorithm::Sha256 => {
            let d = encode_into::<Sha256>(ordered(), hash_key, hash_iv);
            out.copy_from_slice(&d);
            32
        }
        HashAlgorithm::Md5 => {
            let d = encode_into::<Md5>(ordered(), hash_key, hash_iv);
            out[..16].copy_from_slice(&d);
            16
        }
    };
    (out, len)
}

fn encode_into<'a, D: Digest>(
    pairs: impl Iterator<Item = (&'a str, &'a str)>,
    hash_key: &Secret,
    hash_iv: &Secret,
) -> sha2::digest::Output<D> {
    let mut sink = Sink::<D>::new();
    sink.push(b"hashkey%3d");
    sink.push_encoded_lower(hash_key.expose());
    for (name, value) in pairs.filter(|(name, _)| *name != CHECK_MAC_VALUE) {
        sink.push_pair_encoded_lower(name, value);
    }
    sink.push(b"%26hashiv%3d");
    sink.push_encoded_lower(hash_iv.expose());
    sink.finish()
}

fn cmp_ignore_ascii_case(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|b| b.to_ascii_lowercase())
        .cmp(b.bytes().map(|b| b.to_ascii_lowercase()))
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
    with_pairs(params, |pairs| {
        // One sort serves both the duplicate check (equal keys end up side by side) and
        // the signature.
        in_order(pairs, |order| {
            let repeated = order
                .windows(2)
                .map(|w| (pairs[w[0]].0, pairs[w[1]].0))
                .find(|(a, b)| a == b);
            if let Some((name, _)) = repeated {
                return Err(VerifyError::malformed(name, "appears more than once"));
            }
            let received = pairs
                .iter()
                .find(|(name, _)| *name == CHECK_MAC_VALUE)
                .map(|(_, value)| *value);
            let received = required(CHECK_MAC_VALUE, received)?;
            // Checked and decoded once; the computed digest is compared as bytes.
            let mut given = [0u8; 32];
            let decoded = match algorithm {
                HashAlgorithm::Sha256 => decode_hex::<32>(received).map(|d| given = d),
                HashAlgorithm::Md5 => {
                    decode_hex::<16>(received).map(|d| given[..16].copy_from_slice(&d))
                }
            };
            if decoded.is_none() {
                return Err(VerifyError::malformed(
                    CHECK_MAC_VALUE,
                    match algorithm {
                        HashAlgorithm::Sha256 => "expected 64 hex characters (SHA-256)",
                        HashAlgorithm::Md5 => "expected 32 hex characters (MD5)",
                    },
                ));
            }
            let (digest, len) = digest_sorted(order, pairs, hash_key, hash_iv, algorithm);
            digest_matches(&digest[..len], &given[..len])
        })
    })
}
