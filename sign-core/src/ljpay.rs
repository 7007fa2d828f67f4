//! LJPay request signatures: HMAC-SHA256 over a six-line canonical request.
//!
//! ```text
//! METHOD \n PATH_WITH_QUERY \n TIMESTAMP \n NONCE \n SITE_CODE \n hex(sha256(raw_body))
//! ```
//! sent as `X-Pay-Site`, `X-Pay-Timestamp`, `X-Pay-Nonce` and
//! `X-Pay-Signature: sha256=<hex>`. Webhooks from LJPay to the merchant are signed the same
//! way; [`verify_signature`] checks them (site, timestamp window, signature) and says until when
//! the nonce must be remembered, so that a replay store ([`crate::replay`]) can refuse a
//! replay for as long as the window would accept it.
//!
//! ```
//! use sign_core::{ljpay, Secret};
//! let secret = Secret::from("s3cr3t");
//! let body = br#"{"amount_fen":100}"#;
//! let h = ljpay::sign_request(&secret, "SITE1", "POST", "/api/v1/order/create", body, 1_700_000_000, "0123456789abcdef0123456789abcdef");
//! assert!(h.signature.starts_with("sha256="));
//!
//! let incoming = ljpay::IncomingHeaders {
//!     site: Some(&h.site), timestamp: Some(&h.timestamp), nonce: Some(&h.nonce), signature: Some(&h.signature),
//! };
//! let ok = ljpay::verify_signature(&secret, "SITE1", "POST", "/api/v1/order/create", &incoming, body, 1_700_000_010, 300).unwrap();
//! // Remember the nonce until the last instant the window would accept this request.
//! assert_eq!(ok.nonce_expires_unix, 1_700_000_311);
//! let tampered = ljpay::verify_signature(&secret, "SITE1", "POST", "/api/v1/order/create", &incoming, b"{}", 1_700_000_010, 300);
//! assert_eq!(tampered, Err(sign_core::VerifyError::Mismatch));
//! ```

use sha2::{Digest, Sha256};

use crate::compare::hex_signature_matches;
use crate::error::{check_window, required, VerifyError};
pub use crate::hmac_hex::HmacKey;
use crate::hmac_hex::{hex32, hmac_sha256, is_hex_of_len};
use crate::{constant_time_eq, Secret};

/// Header carrying the merchant site code.
pub const HEADER_SITE: &str = "X-Pay-Site";
/// Header carrying the Unix timestamp in seconds.
pub const HEADER_TIMESTAMP: &str = "X-Pay-Timestamp";
/// Header carrying the 32-hex-character nonce.
pub const HEADER_NONCE: &str = "X-Pay-Nonce";
/// Header carrying `sha256=<hex>`.
pub const HEADER_SIGNATURE: &str = "X-Pay-Signature";
/// Default accepted distance between a message's timestamp and now.
pub const DEFAULT_TOLERANCE_SECS: u64 = 300;

const SIGNATURE_PREFIX: &str = "sha256=";

/// Builds the canonical string that is signed. `method` is upper-cased here;
/// `path_with_query` must be the request target exactly as sent (including any base-URL
/// path prefix and percent-encoding); an empty body hashes as the empty string.
///
/// ```
/// let c = sign_core::ljpay::canonical_string("get", "/orders/A1?x=1", 42, "n", "S", b"");
/// assert_eq!(
///     c,
///     "GET\n/orders/A1?x=1\n42\nn\nS\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/// );
/// ```
pub fn canonical_string(
    method: &str,
    path_with_query: &str,
    timestamp: i64,
    nonce: &str,
    site_code: &str,
    body: &[u8],
) -> String {
    let mut method_buf = [0u8; METHOD_INLINE];
    let mut method_heap = String::new();
    let method = upper_method(method, &mut method_buf, &mut method_heap);
    let timestamp = timestamp.to_string();
    let body_hash = hex32(&Sha256::digest(body));
    let parts = canonical_parts(
        method,
        path_with_query,
        &timestamp,
        nonce,
        site_code,
        &body_hash,
    );
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        // Every piece is a `&str` or ASCII hex, so none of this is ever lossy.
        out.push_str(&String::from_utf8_lossy(part));
    }
    out
}

/// HTTP methods fit this, so upper-casing one needs no heap.
const METHOD_INLINE: usize = 16;

/// `method` upper-cased: as it is when it already is, else on the stack when short.
fn upper_method<'a>(
    method: &'a str,
    buf: &'a mut [u8; METHOD_INLINE],
    heap: &'a mut String,
) -> &'a str {
    if !method.bytes().any(|b| b.is_ascii_lowercase()) {
        return method;
    }
    if method.len() <= METHOD_INLINE {
        let out = &mut buf[..method.len()];
        out.copy_from_slice(method.as_bytes());
        out.make_ascii_uppercase();
        // ASCII upper-casing keeps UTF-8 valid.
        if let Ok(upper) = std::str::from_utf8(out) {
            return upper;
        }
    }
    *heap = method.to_ascii_uppercase();
    heap
}

/// The canonical request as the pieces that are signed, newlines included. `method` must
/// already be upper case; the timestamp goes in exactly as it was sent.
fn canonical_parts<'a>(
    method: &'a str,
    path_with_query: &'a str,
    timestamp: &'a str,
    nonce: &'a str,
    site_code: &'a str,
    body_hash_hex: &'a [u8; 64],
) -> [&'a [u8]; 11] {
    [
        method.as_bytes(),
        b"\n",
        path_with_query.as_bytes(),
        b"\n",
        timestamp.as_bytes(),
        b"\n",
        nonce.as_bytes(),
        b"\n",
        site_code.as_bytes(),
        b"\n",
        body_hash_hex,
    ]
}

/// The HMAC of the canonical request, fed to the MAC in pieces (no canonical string is
/// built: this runs on every request and every webhook).
fn mac_parts(
    key: &HmacKey,
    method: &str,
    path_with_query: &str,
    timestamp: &str,
    nonce: &str,
    site_code: &str,
    body: &[u8],
) -> [u8; 32] {
    let body_hash = hex32(&Sha256::digest(body));
    let mut method_buf = [0u8; METHOD_INLINE];
    let mut method_heap = String::new();
    let method = upper_method(method, &mut method_buf, &mut method_heap);
    let parts = canonical_parts(
        method,
        path_with_query,
        timestamp,
        nonce,
        site_code,
        &body_hash,
    );
    key.mac(&parts)
}

/// `sha256=<hex>` in the one allocation the returned header value needs.
fn prefixed(mac: &[u8; 32]) -> String {
    let hex = hex32(mac);
    let mut out = String::with_capacity(SIGNATURE_PREFIX.len() + hex.len());
    out.push_str(SIGNATURE_PREFIX);
    out.extend(hex.iter().map(|&b| char::from(b)));
    out
}

/// The `X-Pay-Signature` value for a canonical string: `sha256=<hex(hmac_sha256)>`.
///
/// ```
/// let s = sign_core::ljpay::signature(&"k".into(), "canonical");
/// assert!(s.starts_with("sha256=") && s.len() == 7 + 64);
/// ```
pub fn signature(secret: &Secret, canonical: &str) -> String {
    prefixed(&hmac_sha256(
        secret.expose().as_bytes(),
        &[canonical.as_bytes()],
    ))
}

/// The four header values of a signed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    /// `X-Pay-Site`.
    pub site: String,
    /// `X-Pay-Timestamp` (Unix seconds).
    pub timestamp: String,
    /// `X-Pay-Nonce`.
    pub nonce: String,
    /// `X-Pay-Signature` (`sha256=<hex>`).
    pub signature: String,
}

impl SignedHeaders {
    /// `(header name, value)` pairs, ready to add to a request.
    ///
    /// ```
    /// let h = sign_core::ljpay::sign_request(&"k".into(), "S", "GET", "/", b"", 1, "n");
    /// assert_eq!(h.pairs()[0], ("X-Pay-Site", "S"));
    /// ```
    pub fn pairs(&self) -> [(&'static str, &str); 4] {
        [
            (HEADER_SITE, &self.site),
            (HEADER_TIMESTAMP, &self.timestamp),
            (HEADER_NONCE, &self.nonce),
            (HEADER_SIGNATURE, &self.signature),
        ]
    }
}

/// Signs one request attempt. Each attempt (including a retry) needs a fresh `timestamp`
/// and `nonce` ([`crate::Nonce`]). The same as [`RequestParts::sign`] with these parts.
///
/// ```
/// let h = sign_core::ljpay::sign_request(&"k".into(), "S", "post", "/p", b"{}", 1_700_000_000, "ab");
/// assert_eq!(h.timestamp, "1700000000");
/// ```
pub fn sign_request(
    secret: &Secret,
    site_code: &str,
    method: &str,
    path_with_query: &str,
    body: &[u8],
    timestamp: i64,
    nonce: &str,
) -> SignedHeaders {
    RequestParts {
        site_code,
        method,
        path_with_query,
        body,
        timestamp,
        nonce,
    }
    .sign(secret)
}

/// What LJPay signs of one request attempt: the inputs of the canonical request. Each attempt
/// (including a retry) needs a fresh `timestamp` and `nonce` ([`crate::Nonce`]).
///
/// ```
/// use sign_core::ljpay::RequestParts;
/// let parts = RequestParts {
///     site_code: "S",
///     method: "POST",
///     path_with_query: "/api/v1/order/create",
///     body: b"{}",
///     timestamp: 1_700_000_000,
///     nonce: "ab",
/// };
/// let secret = "k".into();
/// let h = parts.sign(&secret);
/// assert_eq!((h.site.as_str(), h.nonce.as_str()), ("S", "ab"));
/// assert_eq!(parts.signature(&secret), h.signature);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestParts<'a> {
    /// The merchant site code (`X-Pay-Site`).
    pub site_code: &'a str,
    /// The HTTP method (upper-cased for signing).
    pub method: &'a str,
    /// The request target exactly as sent: any base-URL path prefix and percent-encoding
    /// included.
    pub path_with_query: &'a str,
    /// The raw body (empty for none).
    pub body: &'a [u8],
    /// Unix seconds (`X-Pay-Timestamp`, sent in decimal).
    pub timestamp: i64,
    /// `X-Pay-Nonce`.
    pub nonce: &'a str,
}

impl RequestParts<'_> {
    /// The four header values.
    ///
    /// ```
    /// let parts = sign_core::ljpay::RequestParts {
    ///     site_code: "S", method: "get", path_with_query: "/", body: b"", timestamp: 7, nonce: "n",
    /// };
    /// assert_eq!(parts.sign(&"k".into()).pairs()[1], ("X-Pay-Timestamp", "7"));
    /// ```
    pub fn sign(&self, secret: &Secret) -> SignedHeaders {
        SignedHeaders {
            site: self.site_code.to_owned(),
            timestamp: self.timestamp.to_string(),
            nonce: self.nonce.to_owned(),
            signature: self.signature(secret),
        }
    }

    /// Only the `X-Pay-Signature` value (`sha256=<hex>`): for a caller that already holds the
    /// site code, nonce and timestamp, in the one allocation the value needs.
    ///
    /// ```
    /// let parts = sign_core::ljpay::RequestParts {
    ///     site_code: "S", method: "GET", path_with_query: "/", body: b"", timestamp: 7, nonce: "n",
    /// };
    /// let s = parts.signature(&"k".into());
    /// assert!(s.starts_with("sha256=") && s.len() == 7 + 64);
    /// ```
    pub fn signature(&self, secret: &Secret) -> String {
        self.signature_with(&HmacKey::new(secret))
            .as_str()
            .to_owned()
    }

    /// [`signature`](RequestParts::signature) with a key made once ([`HmacKey`]), on the
    /// stack: what a client signing every request attempt uses.
    ///
    /// ```
    /// use sign_core::ljpay::{HmacKey, RequestParts};
    /// let key = HmacKey::new(&"k".into());
    /// let parts = RequestParts {
    ///     site_code: "S", method: "GET", path_with_query: "/", body: b"", timestamp: 7, nonce: "n",
    /// };
    /// assert_eq!(parts.signature_with(&key).as_str(), parts.signature(&"k".into()));
    /// ```
    pub fn signature_with(&self, key: &HmacKey) -> SignatureValue {
        let mut buf = [0u8; 20];
        let timestamp = crate::decimal(self.timestamp, &mut buf);
        SignatureValue::new(&mac_parts(
            key,
            self.method,
            self.path_with_query,
            timestamp,
            self.nonce,
            self.site_code,
            self.body,
        ))
    }
}

/// An `X-Pay-Signature` value (`sha256=<hex>`) on the stack, for a caller that builds its own
/// header value from it.
///
/// ```
/// let parts = sign_core::ljpay::RequestParts {
///     site_code: "S", method: "GET", path_with_query: "/", body: b"", timestamp: 7, nonce: "n",
/// };
/// let v = parts.signature_with(&sign_core::ljpay::HmacKey::new(&"k".into()));
/// assert!(v.as_str().starts_with("sha256=") && v.as_bytes().len() == 71);
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SignatureValue {
    buf: [u8; SIGNATURE_LEN],
}

/// `sha256=` and 64 hex digits.
const SIGNATURE_LEN: usize = SIGNATURE_PREFIX.len() + 64;

impl SignatureValue {
    fn new(mac: &[u8; 32]) -> Self {
        let mut buf = [0u8; SIGNATURE_LEN];
        buf[..SIGNATURE_PREFIX.len()].copy_from_slice(SIGNATURE_PREFIX.as_bytes());
        buf[SIGNATURE_PREFIX.len()..].copy_from_slice(&hex32(mac));
        SignatureValue { buf }
    }

    /// The value as text.
    pub fn as_str(&self) -> &str {
        // ASCII by construction.
        std::str::from_utf8(&self.buf).unwrap_or_default()
    }

    /// The value's bytes (ASCII).
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }
}

impl std::fmt::Debug for SignatureValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A signature is no secret, but it is not for logs either.
        f.write_str("SignatureValue(sha256=***)")
    }
}

/// The four `X-Pay-*` header values of an incoming request, as found (header lookup is the
/// caller's: HTTP header names are case-insensitive).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IncomingHeaders<'a> {
    /// `X-Pay-Site`.
    pub site: Option<&'a str>,
    /// `X-Pay-Timestamp`.
    pub timestamp: Option<&'a str>,
    /// `X-Pay-Nonce`.
    pub nonce: Option<&'a str>,
    /// `X-Pay-Signature`.
    pub signature: Option<&'a str>,
}

/// What [`verify_signature`] established about an incoming request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifiedRequest<'a> {
    /// The signed `X-Pay-Timestamp`, Unix seconds.
    pub timestamp: i64,
    /// The signed `X-Pay-Nonce`.
    pub nonce: &'a str,
    /// The signed `X-Pay-Site`.
    pub site: &'a str,
    /// Unix seconds until which the nonce must be remembered: the first second at which a
    /// request carrying it no longer passes the window (`max(timestamp, now) + tolerance + 1`:
    /// the window is inclusive and counted in whole seconds, so the request still passes
    /// throughout the second `timestamp + tolerance`).
    pub nonce_expires_unix: i64,
}

/// Verifies an incoming signed request (an LJPay webhook, or a request to a simulator) without
/// the nonce check: the caller records [`VerifiedRequest::nonce`] until
/// [`VerifiedRequest::nonce_expires_unix`] in its replay store (see [`crate::replay`]).
///
/// Checks, in order: all four headers present; the signature has the `sha256=<64 hex>`
/// form; the site code is `expected_site`; the timestamp is an integer within
/// `tolerance_secs` of `now_unix`; the signature matches (constant time). Only a request that
/// passed all of them should reach the nonce store, so forged requests cannot fill it.
///
/// ```
/// use sign_core::ljpay::{sign_request, verify_signature, IncomingHeaders};
/// let secret = "s3cret".into();
/// let h = sign_request(&secret, "site", "POST", "/hook", b"{}", 1_800_000_000, "00ff");
/// let pairs = h.pairs();
/// let get = |n: &str| pairs.iter().find(|(k, _)| *k == n).map(|(_, v)| *v);
/// let incoming = IncomingHeaders {
///     site: get("X-Pay-Site"), timestamp: get("X-Pay-Timestamp"),
///     nonce: get("X-Pay-Nonce"), signature: get("X-Pay-Signature"),
/// };
/// let v = verify_signature(&secret, "site", "POST", "/hook", &incoming, b"{}", 1_800_000_010, 900).unwrap();
/// assert_eq!(v.nonce_expires_unix, 1_800_000_911);
/// ```
#[allow(clippy::too_many_arguments)]
pub fn verify_signature<'a>(
    secret: &Secret,
    expected_site: &str,
    method: &str,
    path_with_query: &str,
    headers: &IncomingHeaders<'a>,
    body: &[u8],
    now_unix: i64,
    tolerance_secs: u64,
) -> Result<VerifiedRequest<'a>, VerifyError> {
    verify_signature_with(
        &HmacKey::new(secret),
        expected_site,
        method,
        path_with_query,
        headers,
        body,
        now_unix,
        tolerance_secs,
    )
}

/// [`verify_signature`] with a key made once ([`HmacKey`]): the same checks in the same order,
/// the signature compared in constant time, but the secret is not keyed into HMAC again for
/// every request (two of the compressions a short webhook costs). What a webhook verifier
/// that keeps its key uses.
///
/// ```
/// use sign_core::ljpay::{sign_request, verify_signature, verify_signature_with, HmacKey, IncomingHeaders};
/// let secret = "s3cret".into();
/// let key = HmacKey::new(&secret);
/// let h = sign_request(&secret, "site", "POST", "/hook", b"{}", 1_800_000_000, "00ff");
/// let incoming = IncomingHeaders {
///     site: Some(&h.site), timestamp: Some(&h.timestamp), nonce: Some(&h.nonce), signature: Some(&h.signature),
/// };
/// let v = verify_signature_with(&key, "site", "POST", "/hook", &incoming, b"{}", 1_800_000_010, 900).unwrap();
/// assert_eq!(Ok(v), verify_signature(&secret, "site", "POST", "/hook", &incoming, b"{}", 1_800_000_010, 900));
/// let tampered = verify_signature_with(&key, "site", "POST", "/hook", &incoming, b"{ }", 1_800_000_010, 900);
/// assert_eq!(tampered, Err(sign_core::VerifyError::Mismatch));
/// ```
#[allow(clippy::too_many_arguments)]
pub fn verify_signature_with<'a>(
    key: &HmacKey,
    expected_site: &str,
    method: &str,
    path_with_query: &str,
    headers: &IncomingHeaders<'a>,
    body: &[u8],
    now_unix: i64,
    tolerance_secs: u64,
) -> Result<VerifiedRequest<'a>, VerifyError> {
    let site = required(HEADER_SITE, headers.site)?;
    let timestamp = required(HEADER_TIMESTAMP, headers.timestamp)?;
    let nonce = required(HEADER_NONCE, headers.nonce)?;
    let received = required(HEADER_SIGNATURE, headers.signature)?;

    let received_hex = received
        .strip_prefix(SIGNATURE_PREFIX)
        .filter(|hex| is_hex_of_len(hex, 64))
        .ok_or_else(|| {
            VerifyError::malformed(HEADER_SIGNATURE, "expected `sha256=` and 64 hex characters")
        })?;
    if !constant_time_eq(site.as_bytes(), expected_site.as_bytes()) {
        return Err(VerifyError::malformed(
            HEADER_SITE,
            "not the configured site code",
        ));
    }
    let ts: i64 = timestamp
        .parse()
        .map_err(|_| VerifyError::malformed(HEADER_TIMESTAMP, "expected Unix seconds"))?;
    if nonce.len() > 128 {
        return Err(VerifyError::malformed(
            HEADER_NONCE,
            "longer than 128 characters",
        ));
    }
    check_window(ts, now_unix, tolerance_secs)?;

    let mac = mac_parts(key, method, path_with_query, timestamp, nonce, site, body);
    let expected = hex32(&mac);
    // hex32 writes ASCII hex digits only, so this is always UTF-8.
    let expected = std::str::from_utf8(&expected).map_err(|_| VerifyError::Mismatch)?;
    hex_signature_matches(expected, received_hex)?;
    let tolerance = i64::try_from(tolerance_secs).unwrap_or(i64::MAX);
    Ok(VerifiedRequest {
        timestamp: ts,
        nonce,
        site,
        nonce_expires_unix: ts.max(now_unix).saturating_add(tolerance).saturating_add(1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lean path signs the very canonical string `canonical_string` spells out.
    #[test]
    fn signature_is_the_hmac_of_the_canonical_string() {
        let secret = Secret::from("k");
        for timestamp in [1_700_000_000, -5, i64::MIN] {
            let parts = RequestParts {
                site_code: "S",
                method: "post",
                path_with_query: "/p?q=%20",
                body: b"{}",
                timestamp,
                nonce: "00ff",
            };
            let canonical = canonical_string("post", "/p?q=%20", timestamp, "00ff", "S", b"{}");
            assert_eq!(parts.signature(&secret), signature(&secret, &canonical));
            assert_eq!(parts.sign(&secret).timestamp, timestamp.to_string());
        }
    }
    /// The keyed verify decides every case as the secret's does, and accepts exactly the
    /// signature an independent HMAC (the `hmac` crate over the spec's six lines) gives.
    #[test]
    fn verify_with_key_is_verify_with_secret() {
        use hmac::{Hmac, Mac};
        use sha2::{Digest, Sha256};
        let secret = Secret::from("s3cret");
        let key = HmacKey::new(&secret);
        let body = br#"{"order_no":"lp_1"}"#;
        let (ts, nonce) = (1_800_000_000_i64, "00ff");
        // The spec's canonical request, written out here, not built by the code under test.
        let canonical = format!(
            "POST\n/hook?a=1\n{ts}\n{nonce}\nsite\n{}",
            hex::encode(Sha256::digest(body))
        );
        let mut mac = Hmac::<Sha256>::new_from_slice(b"s3cret").unwrap();
        mac.update(canonical.as_bytes());
        let good = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        let upper = format!("sha256={}", good[7..].to_ascii_uppercase());
        let flipped = format!("{}0", &good[..good.len() - 1]);
        let flipped = if flipped == good {
            format!("{}1", &good[..good.len() - 1])
        } else {
            flipped
        };
        let ts_s = ts.to_string();
        let long_nonce = "a".repeat(129);
        let sigs = [
            good.as_str(),
            upper.as_str(),
            flipped.as_str(),
            "sha256=zz",
            "md5=00",
        ];
        for signature in sigs.iter().map(|s| Some(*s)).chain([None]) {
            for site in [Some("site"), Some("other"), None] {
                for timestamp in [Some(ts_s.as_str()), Some("x"), None] {
                    for nonce in [Some(nonce), Some(long_nonce.as_str()), None] {
                        let h = IncomingHeaders {
                            site,
                            timestamp,
                            nonce,
                            signature,
                        };
                        for (method, now) in [
                            ("POST", ts + 10),
                            ("post", ts),
                            ("GET", ts),
                            ("POST", ts + 301),
                        ] {
                            let a = verify_signature(
                                &secret,
                                "site",
                                method,
                                "/hook?a=1",
                                &h,
                                body,
                                now,
                                300,
                            );
                            let b = verify_signature_with(
                                &key,
                                "site",
                                method,
                                "/hook?a=1",
                                &h,
                                body,
                                now,
                                300,
                            );
                            assert_eq!(a, b, "{h:?} {method} {now}");
                        }
                    }
                }
            }
        }
        let h = IncomingHeaders {
            site: Some("site"),
            timestamp: Some(&ts_s),
            nonce: Some(nonce),
            signature: Some(&good),
        };
        let v = verify_signature_with(&key, "site", "POST", "/hook?a=1", &h, body, ts + 10, 300);
        assert_eq!(v.map(|v| v.nonce_expires_unix), Ok(ts + 10 + 301));
        let bad = IncomingHeaders {
            signature: Some(&flipped),
            ..h
        };
        assert_eq!(
            verify_signature_with(&key, "site", "POST", "/hook?a=1", &bad, body, ts, 300),
            Err(VerifyError::Mismatch)
        );
    }
}
