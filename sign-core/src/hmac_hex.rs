use crate::Secret;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

const LOWER_HEX: &[u8; 16] = b"0123456789abcdef";
const UPPER_HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Lowercase hex of a 32-byte digest, without per-character allocation.
pub(crate) fn hex32(digest: &[u8]) -> [u8; 64] {
    let mut out = [0u8; 64];
    // A 32-byte digest always fits 64 hex digits; anything else leaves zeros that can
    // never match a received signature.
    let _ = hex::encode_to_slice(digest, &mut out);
    out
}

/// Hex of a digest of at most 64 bytes into a stack buffer; returns the buffer and how much
/// of it is used.
pub(crate) fn hex_into(digest: &[u8], upper: bool) -> ([u8; 128], usize) {
    let table = if upper { UPPER_HEX } else { LOWER_HEX };
    let mut out = [0u8; 128];
    let n = digest.len().min(64);
    for (pair, &b) in out.chunks_exact_mut(2).zip(&digest[..n]) {
        pair[0] = table[usize::from(b >> 4)];
        pair[1] = table[usize::from(b & 0x0f)];
    }
    (out, 2 * n)
}

/// The one allocation a signing function that returns hex has to make.
pub(crate) fn hex_string(digest: &[u8], upper: bool) -> String {
    let (buf, n) = hex_into(digest, upper);
    // Only hex digits were written, so this is always valid UTF-8.
    std::str::from_utf8(&buf[..n])
        .unwrap_or_default()
        .to_owned()
}

/// HMAC-SHA256(key, message); the message may come in several parts, so callers need not
/// build it in memory first.
pub(crate) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    finish(keyed(key), parts)
}

/// Feeds `parts` to a keyed MAC and returns the tag.
fn finish(mut mac: Hmac<Sha256>, parts: &[&[u8]]) -> [u8; 32] {
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// A secret keyed into HMAC-SHA256 once: the inner and outer pad blocks are hashed when the
/// key is made, not again for every request (two of the compressions a short request costs).
/// Cheap to clone; a clone signs exactly as [`Secret`] does. The same type for LJPay and
/// Octopus (also at `sign_core::ljpay::HmacKey` and `sign_core::octopus::HmacKey`); its
/// `Debug` shows no key material.
///
/// ```
/// use sign_core::ljpay::{HmacKey, RequestParts};
/// let secret = "k".into();
/// let key = HmacKey::new(&secret);
/// let parts = RequestParts {
///     site_code: "S", method: "POST", path_with_query: "/p", body: b"{}", timestamp: 7, nonce: "n",
/// };
/// assert_eq!(parts.signature_with(&key).as_str(), parts.signature(&secret));
/// assert!(!format!("{key:?}").contains('k'));
/// ```
#[derive(Clone)]
pub struct HmacKey {
    mac: Hmac<Sha256>,
}

impl HmacKey {
    /// Keys HMAC-SHA256 with `secret`.
    ///
    /// ```
    /// let key = sign_core::ljpay::HmacKey::new(&"my-secret".into());
    /// # let _ = key;
    /// ```
    pub fn new(secret: &Secret) -> Self {
        HmacKey {
            mac: keyed(secret.expose().as_bytes()),
        }
    }

    /// HMAC-SHA256 of the concatenated `parts`.
    pub(crate) fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        finish(self.mac.clone(), parts)
    }
}

impl std::fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HmacKey(***)")
    }
}

fn keyed(key: &[u8]) -> Hmac<Sha256> {
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    }
}

/// Whether `s` is exactly `len` lowercase-or-uppercase hex characters.
pub(crate) fn is_hex_of_len(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Each byte's value as a hex digit (either case), or `0xff` when it is not one.
const HEX_VALUE: [u8; 256] = {
    let mut table = [0xffu8; 256];
    let mut i = 0;
    while i < 16 {
        table[LOWER_HEX[i] as usize] = i as u8;
        table[UPPER_HEX[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// The `N` bytes spelled by `s`, when it is exactly `2 * N` hex digits of either case (what
/// [`is_hex_of_len`] accepts), so a received signature is checked and decoded in one pass
/// and compared as bytes: the computed digest is never rendered as hex.
pub(crate) fn decode_hex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let s = s.as_bytes();
    if s.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    // Every digit's table value OR-ed together: above 0x0f exactly when one was not hex.
    let mut bad = 0u8;
    for (o, pair) in out.iter_mut().zip(s.chunks_exact(2)) {
        let (hi, lo) = (
            HEX_VALUE[usize::from(pair[0])],
            HEX_VALUE[usize::from(pair[1])],
        );
        bad |= hi | lo;
        *o = hi << 4 | (lo & 0x0f);
    }
    (bad <= 0x0f).then_some(out)
}

/// Bytes handed to the hasher at once: whole 64-byte blocks, so the hasher compresses them
/// straight from here instead of copying them into its own block buffer first.
const SINK_BLOCKS: usize = 8 * 64;

/// A hasher fed through a fixed stack buffer: the message is written in small pieces (an
/// escape here, a separator there) that would each cost a call into the hasher, and is
/// never built on the heap.
pub(crate) struct Sink<D> {
    hasher: D,
    len: usize,
    // Slack past the last block: the encoder writes whole table entries and words and keeps
    // what it needs.
    buf: [u8; SINK_BLOCKS + SLACK],
}

/// Per input byte, its `HttpUtility.UrlEncode` form lowercased (`[bytes…, length]`), so
/// encoding is one table load and one store per byte, with no branch on the byte's class.
const fn url_encode_table(lowercase: bool) -> [[u8; 4]; 256] {
    let mut table = [[0u8; 4]; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        table[i] = match b {
            b'A'..=b'Z' if lowercase => [b.to_ascii_lowercase(), 0, 0, 1],
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'!'
            | b'*'
            | b'('
            | b')' => [b, 0, 0, 1],
            b' ' => [b'+', 0, 0, 1],
            _ => [
                b'%',
                LOWER_HEX[(b >> 4) as usize],
                LOWER_HEX[(b & 0x0f) as usize],
                3,
            ],
        };
        i += 1;
    }
    table
}

/// .NET `HttpUtility.UrlEncode`.
pub(crate) const URL_ENCODE: [[u8; 4]; 256] = url_encode_table(false);
/// The same, lowercased in the same pass (CheckMacValue lowercases the encoded string).
const URL_ENCODE_LOWER: [[u8; 4]; 256] = url_encode_table(true);

impl<D: Digest> Sink<D> {
    pub(crate) fn new() -> Self {
        Self {
            hasher: D::new(),
            len: 0,
            buf: [0; SINK_BLOCKS + SLACK],
        }
    }

    /// Hands every whole block buffered so far to the hasher.
    fn flush_blocks(&mut self) {
        let whole = self.len / 64 * 64;
        self.hasher.update(&self.buf[..whole]);
        self.buf.copy_within(whole..self.len, 0);
        self.len -= whole;
    }

    /// Appends bytes as they are.
    #[inline(always)]
    pub(crate) fn push(&mut self, bytes: &[u8]) {
        // Separators and short literals: a fixed-size copy once inlined, no call.
        if bytes.len() <= SINK_BLOCKS - self.len {
            self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
            self.len += bytes.len();
        } else {
            self.push_long(bytes);
        }
    }

    #[inline(never)]
    fn push_long(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let room = SINK_BLOCKS - self.len;
            if room == 0 {
                self.flush_blocks();
                continue;
            }
            let (now, later) = bytes.split_at(room.min(bytes.len()));
            self.buf[self.len..self.len + now.len()].copy_from_slice(now);
            self.len += now.len();
            bytes = later;
        }
    }

    /// Appends `%26<name>%3d<value>`, both encoded and lowercased: one capacity check for
    /// the whole pair in the usual case where it fits.
    pub(crate) fn push_pair_encoded_lower(&mut self, name: &str, value: &str) {
        let worst = 6 + 3 * (name.len() + value.len());
        if worst > SINK_BLOCKS - self.len {
            self.push(b"%26");
            self.push_encoded_lower(name);
            self.push(b"%3d");
            self.push_encoded_lower(value);
            return;
        }
        let mut at = self.len;
        self.buf[at..at + 3].copy_from_slice(b"%26");
        at = encode_lower(&mut self.buf, at + 3, name.as_bytes());
        self.buf[at..at + 3].copy_from_slice(b"%3d");
        self.len = encode_lower(&mut self.buf, at + 3, value.as_bytes());
    }

    /// Appends `input` URL-encoded as .NET does and lowercased ([`URL_ENCODE_LOWER`]).
    pub(crate) fn push_encoded_lower(&mut self, input: &str) {
        let mut rest = input.as_bytes();
        loop {
            // Input bytes that fit even if every one of them is escaped, so the encoder
            // needs no capacity check of its own.
            let room = SINK_BLOCKS - self.len;
            if 3 * rest.len() <= room {
                self.len = encode_lower(&mut self.buf, self.len, rest);
                return;
            }
            let fits = room / 3;
            let (chunk, later) = rest.split_at(fits.min(rest.len()));
            self.len = encode_lower(&mut self.buf, self.len, chunk);
            rest = later;
            if rest.is_empty() {
                return;
            }
            self.flush_blocks();
        }
    }

    pub(crate) fn finish(mut self) -> sha2::digest::Output<D> {
        self.hasher.update(&self.buf[..self.len]);
        self.hasher.finalize()
    }
}

/// Encodes `bytes` into `buf` from `at`, lowercased; returns the new end. The caller leaves
/// room for three output bytes per input byte plus [`SLACK`].
#[inline(always)]
fn encode_lower(buf: &mut [u8], mut at: usize, bytes: &[u8]) -> usize {
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let (Some(&word), Some(out)) = (
            word.first_chunk::<8>(),
            buf[at..].first_chunk_mut::<SLACK>(),
        ) else {
            unreachable!("room for every word is reserved by the caller")
        };
        let w = u64::from_le_bytes(word);
        match plain_word_lowered(w) {
            // Eight bytes that need no escaping, lowercased at once.
            Some(lowered) => {
                out[..8].copy_from_slice(&lowered.to_le_bytes());
                at += 8;
            }
            None => at += encode_word(out, w),
        }
    }
    let tail = words.remainder();
    if tail.is_empty() {
        return at;
    }
    // The tail as one word when it needs no escaping. With a whole word before it, that is
    // the input's last eight bytes: if they are all plain, the ones already written came out
    // as themselves, so the word is written over them ending where the tail ends. A short
    // input is padded with `a` (plain, and its output is cut off).
    let (word, back) = match bytes.len().checked_sub(8) {
        Some(start) => (bytes[start..].first_chunk::<8>().copied(), 8 - tail.len()),
        None => (Some(padded_word(tail, b'a')), 0),
    };
    if let Some(lowered) = word.and_then(|w| plain_word_lowered(u64::from_le_bytes(w))) {
        buf[at - back..at - back + 8].copy_from_slice(&lowered.to_le_bytes());
        return at + tail.len();
    }
    for &b in tail {
        let entry = &URL_ENCODE_LOWER[usize::from(b)];
        buf[at..at + 4].copy_from_slice(entry);
        at += usize::from(entry[3]);
    }
    at
}

/// `bytes` (at most eight) as the start of a word, the rest filled with `fill`. Built from
/// two loads that overlap when the length is not a power of two, so it takes at most two
/// branches on the length (a byte loop mispredicts its exit; a copy of a variable length is
/// a call to `memcpy`).
#[inline(always)]
pub(crate) fn padded_word(bytes: &[u8], fill: u8) -> [u8; 8] {
    let n = bytes.len().min(8);
    let bytes = &bytes[..n];
    // An overlapping byte is OR-ed with itself, which leaves it as it is.
    let word =
        if let (Some(first), Some(last)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
            u64::from(u32::from_le_bytes(*first))
                | u64::from(u32::from_le_bytes(*last)) << (8 * (n - 4))
        } else if let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) {
            // One to three bytes: the first, the middle one and the last.
            u64::from(first)
                | u64::from(bytes[n / 2]) << (8 * (n / 2))
                | u64::from(last) << (8 * (n - 1))
        } else {
            0
        };
    // The bytes past the `n`th (none when `n` is 8).
    let past = u64::MAX.checked_shl(8 * n as u32).unwrap_or(0);
    (word | u64::from_le_bytes([fill; 8]) & past).to_le_bytes()
}

/// Eight bytes that need the table, byte by byte (kept out of line so the fast path stays
/// small).
#[inline(never)]
fn encode_word(out: &mut [u8; SLACK], w: u64) -> usize {
    let word = w.to_le_bytes();
    if w & HIGH_BITS == HIGH_BITS {
        // Eight bytes of multi-byte characters (CJK): all escaped, at fixed offsets, each
        // as one four-byte store of its table entry whose last byte the next one overwrites.
        for (k, &b) in word.iter().enumerate() {
            out[3 * k..3 * k + 4].copy_from_slice(&URL_ENCODE_LOWER[usize::from(b)]);
        }
        return 24;
    }
    let mut o = 0;
    for &b in &word {
        let entry = &URL_ENCODE_LOWER[usize::from(b)];
        out[o..o + 4].copy_from_slice(entry);
        // Never more than 3, which bounds `o` for the compiler too.
        o += usize::from(entry[3] & 3);
    }
    o
}

/// Bytes past the end of what an encoded word needs (24) that the encoder may scribble on.
const SLACK: usize = 32;

const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// Eight input bytes (little-endian) lowercased, when every one of them is a letter, digit,
/// `-` or `.`: those are kept by the encoding, and `| 0x20` lowercases the letters while
/// leaving the others as they are. `None` when any byte needs the table.
#[inline(always)]
fn plain_word_lowered(w: u64) -> Option<u64> {
    const LANES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = HIGH_BITS;
    if w & HIGH != 0 {
        return None;
    }
    // With every byte below 0x80 no addition carries into the next byte; a byte's high
    // bit then says whether it lies in [lo, hi].
    let within = |x: u64, lo: u64, hi: u64| {
        x.wrapping_add((0x80 - lo) * LANES) & !x.wrapping_add((0x7f - hi) * LANES) & HIGH
    };
    let lowered = w | (0x20 * LANES);
    // `| 0x20` maps exactly A-Z and a-z into a-z, so letters are tested on `lowered`;
    // digits and `-.` on the input itself.
    let plain = within(lowered, 0x61, 0x7a) | within(w, 0x30, 0x39) | within(w, 0x2d, 0x2e);
    (plain == HIGH).then_some(lowered)
}

impl<D: Digest> std::fmt::Write for Sink<D> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.push(s.as_bytes());
        Ok(())
    }
}
