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
    let n = pairs.len();
    if n > INLINE {
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| full_order(pairs, a, b));
        return f(&order);
    }
    // A form's worth of fields sorts in arrays of 16 slots: every slot is written, and
    // the network needs them all.
    if n <= SMALL {
        in_order_inline::<SMALL, R>(pairs, f)
    } else {
        in_order_inline::<INLINE, R>(pairs, f)
    }
}

/// Step 1's order of the pairs at positions `a` and `b`: keys compared ASCII
/// case-insensitively, ties broken by the original key, then by position.
fn full_order(pairs: &[(&str, &str)], a: usize, b: usize) -> std::cmp::Ordering {
    let (x, y) = (pairs[a].0, pairs[b].0);
    cmp_ignore_ascii_case(x, y)
        .then_with(|| x.cmp(y))
        .then(a.cmp(&b))
}

/// Fields that the sorting network orders at once.
const SMALL: usize = 16;

/// [`in_order`] for at most `N` pairs, on the stack.
#[inline(always)]
fn in_order_inline<const N: usize, R>(pairs: &[(&str, &str)], f: impl FnOnce(&[usize]) -> R) -> R {
    let n = pairs.len().min(N);
    // Each key as one number: its first 7 bytes lowercased, then its position (< 48), so no
    // two are equal. Ordering those orders the keys as `full` does, except among keys whose
    // 7-byte prefixes are equal, which the pass below puts right. The unused slots hold the
    // largest number, so they sort last.
    let mut keys = [u64::MAX; N];
    for (i, (key, (name, _))) in keys.iter_mut().zip(pairs).enumerate() {
        *key = lowered_prefix7(name.as_bytes()) | i as u64;
    }
    // A sorting network: a fixed sequence of branch-free min/max steps, where the rank
    // count it replaced took n² compares (and an insertion sort mispredicts about once
    // per key).
    if let (0..=8, Some(first)) = (n, keys.first_chunk_mut::<8>()) {
        sort8(first);
    } else if let (9..=16, Some(first)) = (n, keys.first_chunk_mut::<16>()) {
        sort16(first);
    } else {
        keys[..n].sort_unstable();
    }
    let mut order = [0usize; N];
    for (slot, key) in order.iter_mut().zip(&keys[..n]) {
        *slot = (key & 0xff) as usize;
    }
    let keys = &keys[..n];
    let order = &mut order[..n];
    let mut start = 0;
    while start < n {
        let prefix = keys[start] >> 8;
        let same = keys[start..]
            .iter()
            .take_while(|&&key| key >> 8 == prefix)
            .count();
        if same > 1 {
            // Keys sharing a 7-byte prefix (`MerchantID`, `MerchantTradeNo`, …): their first
            // 16 bytes settle nearly all of them before the byte-by-byte comparison.
            insertion_sort(&mut order[start..start + same], |&a, &b| {
                let (x, y) = (pairs[a].0.as_bytes(), pairs[b].0.as_bytes());
                lowered_prefix(x)
                    .cmp(&lowered_prefix(y))
                    .then_with(|| full_order(pairs, a, b))
                    .is_lt()
            });
        }
        start += same.max(1);
    }
    f(order)
}

/// Orders `keys[a]` and `keys[b]` (`a < b`) without a branch.
macro_rules! exchange {
    ($keys:ident; $($a:literal $b:literal),* $(,)?) => {
        $(
            let (x, y) = ($keys[$a], $keys[$b]);
            $keys[$a] = x.min(y);
            $keys[$b] = x.max(y);
        )*
    };
}

/// Sorts the first eight keys: the optimal 19-step network (Knuth, TAOCP 5.3.4).
#[inline(always)]
fn sort8(keys: &mut [u64; 8]) {
    exchange!(keys;
        0 2, 1 3, 4 6, 5 7, 0 4, 1 5, 2 6, 3 7, 0 1, 2 3, 4 5, 6 7,
        2 4, 3 5, 1 4, 3 6, 1 2, 3 4, 5 6,
    );
}

/// Sorts the first sixteen keys: Green's 60-step network (Knuth, TAOCP 5.3.4).
#[inline(always)]
fn sort16(keys: &mut [u64; 16]) {
    exchange!(keys;
        0 13, 1 12, 2 15, 3 14, 4 8, 5 6, 7 11, 9 10,
        0 5, 1 7, 2 9, 3 4, 6 13, 8 14, 10 15, 11 12,
        0 1, 2 3, 4 5, 6 8, 7 9, 10 11, 12 13, 14 15,
        0 2, 1 3, 4 10, 5 11, 6 7, 8 9, 12 14, 13 15,
        1 2, 3 12, 4 6, 5 7, 8 10, 9 11, 13 14,
        1 4, 2 6, 5 8, 7 10, 9 13, 11 14,
        2 4, 3 6, 9 12, 11 13,
        3 5, 6 8, 7 9, 10 12,
        3 4, 5 6, 7 8, 9 10, 11 12,
        6 7, 8 9,
    );
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
