//! Octopus O! ePay platform signatures.
//!
//! - Request auth (when merchant credentials are configured):
//!   `X-Octopus-Signature = hex(hmac_sha256(secret_key, merchant_id + timestamp + nonce))`
//!   with `X-Octopus-Timestamp` in RFC 3339 UTC to the second (`2024-01-01T00:00:00Z`) and a
//!   32-hex-character `X-Octopus-Nonce`.
//! - Webhooks: `X-Octopus-Signature = hex(hmac_sha256(webhook_secret, raw_body))`, accepted only
//!   while `X-Octopus-Timestamp` is inside the tolerance window.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use sign_core::{octopus, Secret};
//! let secret = Secret::from("whsec");
//! let body = br#"{"eventType":"payment.completed"}"#;
//! let sig = octopus::webhook_signature(&secret, body);
//! let now = Utc.with_ymd_and_hms(2024, 1, 1, 0, 1, 0).unwrap();
//! let sent = octopus::verify_webhook(&secret, body, Some(&sig), Some("2024-01-01T00:00:00Z"), now, 300);
//! assert!(sent.is_ok());
//! ```

use chrono::{DateTime, SecondsFormat, Utc};

use crate::compare::digest_matches;
use crate::error::{check_window, required, VerifyError};
pub use crate::hmac_hex::HmacKey;
use crate::hmac_hex::{decode_hex, hex32, hex_string, hmac_sha256};
use crate::Secret;

/// Header carrying the merchant id.
pub const HEADER_MERCHANT_ID: &str = "X-Octopus-Merchant-ID";
/// Header carrying the RFC 3339 UTC timestamp.
pub const HEADER_TIMESTAMP: &str = "X-Octopus-Timestamp";
/// Header carrying the request nonce.
pub const HEADER_NONCE: &str = "X-Octopus-Nonce";
/// Header carrying the hex HMAC-SHA256 signature.
pub const HEADER_SIGNATURE: &str = "X-Octopus-Signature";
/// Default accepted distance between a timestamp and now.
pub const DEFAULT_TOLERANCE_SECS: u64 = 300;

/// Formats a time as the platform's timestamp: RFC 3339, UTC, whole seconds, `Z`.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// let t = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
/// assert_eq!(sign_core::octopus::format_timestamp(t), "2024-01-01T00:00:00Z");
/// ```
pub fn format_timestamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Parses an `X-Octopus-Timestamp` (RFC 3339, any offset).
///
/// ```
/// let t = sign_core::octopus::parse_timestamp("2024-01-01T08:00:00+08:00").unwrap();
/// assert_eq!(sign_core::octopus::format_timestamp(t), "2024-01-01T00:00:00Z");
/// assert!(sign_core::octopus::parse_timestamp("yesterday").is_err());
/// ```
pub fn parse_timestamp(value: &str) -> Result<DateTime<Utc>, VerifyError> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            VerifyError::malformed(
                HEADER_TIMESTAMP,
                "expected an RFC 3339 time such as 2024-01-01T00:00:00Z",
            )
        })
}

/// `hex(hmac_sha256(secret_key, merchant_id + timestamp + nonce))`.
///
/// ```
/// let s = sign_core::octopus::auth_signature(&"key".into(), "m1", "2024-01-01T00:00:00Z", "n");
/// assert_eq!(s.len(), 64);
/// ```
pub fn auth_signature(
    secret_key: &Secret,
    merchant_id: &str,
    timestamp: &str,
    nonce: &str,
) -> String {
    hex_string(
        &auth_mac(&HmacKey::new(secret_key), merchant_id, timestamp, nonce),
        false,
    )
}

/// [`auth_signature`] with the secret key keyed once ([`HmacKey`]), as 64 lowercase hex
/// digits on the stack: what a client signing every request attempt uses.
///
/// ```
/// use sign_core::octopus::{auth_signature, auth_signature_with, HmacKey};
/// let secret = "key".into();
/// let hex = auth_signature_with(&HmacKey::new(&secret), "m1", "2024-01-01T00:00:00Z", "n");
/// assert_eq!(&hex[..], auth_signature(&secret, "m1", "2024-01-01T00:00:00Z", "n").as_bytes());
/// ```
pub fn auth_signature_with(
    key: &HmacKey,
    merchant_id: &str,
    timestamp: &str,
    nonce: &str,
) -> [u8; 64] {
    hex32(&auth_mac(key, merchant_id, timestamp, nonce))
}

fn auth_mac(key: &HmacKey, merchant_id: &str, timestamp: &str, nonce: &str) -> [u8; 32] {
    key.mac(&[
        merchant_id.as_bytes(),
        timestamp.as_bytes(),
        nonce.as_bytes(),
    ])
}

/// The four merchant-auth header values of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthHeaders {
    /// `X-Octopus-Merchant-ID`.
    pub merchant_id: String,
    /// `X-Octopus-Timestamp`.
    pub timestamp: String,
    /// `X-Octopus-Nonce`.
    pub nonce: String,
    /// `X-Octopus-Signature`.
    pub signature: String,
}

impl AuthHeaders {
    /// `(header name, value)` pairs, ready to add to a request.
    ///
    /// ```
    /// use chrono::Utc;
    /// let h = sign_core::octopus::auth_headers(&"k".into(), "m1", Utc::now(), "n");
    /// assert_eq!(h.pairs()[0], ("X-Octopus-Merchant-ID", "m1"));
    /// ```
    pub fn pairs(&self) -> [(&'static str, &str); 4] {
        [
            (HEADER_MERCHANT_ID, &self.merchant_id),
            (HEADER_TIMESTAMP, &self.timestamp),
            (HEADER_NONCE, &self.nonce),
            (HEADER_SIGNATURE, &self.signature),
        ]
    }
}

/// Signs one request attempt; a retry needs a new `now` and `nonce`.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// let now = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
/// let h = sign_core::octopus::auth_headers(&"k".into(), "m1", now, "n");
/// assert_eq!(h.timestamp, "2024-01-01T00:00:00Z");
/// ```
pub fn auth_headers(
    secret_key: &Secret,
    merchant_id: &str,
    now: DateTime<Utc>,
    nonce: &str,
) -> AuthHeaders {
    let timestamp = format_timestamp(now);
    let signature = auth_signature(secret_key, merchant_id, &timestamp, nonce);
    AuthHeaders {
        merchant_id: merchant_id.to_owned(),
        timestamp,
        nonce: nonce.to_owned(),
        signature,
    }
}

/// Verifies the merchant-auth headers of a request (what the platform, or a simulator, does).
///
/// ```
/// use chrono::Utc;
/// use sign_core::octopus::{auth_headers, verify_auth};
/// let now = Utc::now();
/// let h = auth_headers(&"k".into(), "m1", now, "n");
/// let ok = verify_auth(&"k".into(), Some("m1"), Some(&h.timestamp), Some("n"), Some(&h.signature), now, 300);
/// assert!(ok.is_ok());
/// ```
pub fn verify_auth(
    secret_key: &Secret,
    merchant_id: Option<&str>,
    timestamp: Option<&str>,
    nonce: Option<&str>,
    signature: Option<&str>,
    now: DateTime<Utc>,
    tolerance_secs: u64,
) -> Result<(), VerifyError> {
    let merchant_id = required(HEADER_MERCHANT_ID, merchant_id)?;
    let timestamp = required(HEADER_TIMESTAMP, timestamp)?;
    let nonce = required(HEADER_NONCE, nonce)?;
    let received = received_signature(signature)?;
    sent_within(timestamp, now, tolerance_secs)?;
    digest_matches(
        &auth_mac(&HmacKey::new(secret_key), merchant_id, timestamp, nonce),
        &received,
    )
}

/// The `X-Octopus-Signature` value, which must be 64 hex characters, as the 32 bytes it
/// spells: compared with the computed MAC as bytes, so that is never rendered as hex.
fn received_signature(signature: Option<&str>) -> Result<[u8; 32], VerifyError> {
    let received = required(HEADER_SIGNATURE, signature)?;
    decode_hex(received)
        .ok_or_else(|| VerifyError::malformed(HEADER_SIGNATURE, "expected 64 hex characters"))
}

/// The `X-Octopus-Timestamp` as a time, which must lie within `tolerance_secs` of `now`.
fn sent_within(
    timestamp: &str,
    now: DateTime<Utc>,
    tolerance_secs: u64,
) -> Result<DateTime<Utc>, VerifyError> {
    let sent = parse_timestamp(timestamp)?;
    check_window(sent.timestamp(), now.timestamp(), tolerance_secs)?;
    Ok(sent)
}

/// `hex(hmac_sha256(webhook_secret, raw_body))`.
///
/// ```
/// assert_eq!(sign_core::octopus::webhook_signature(&"k".into(), b"{}").len(), 64);
/// ```
pub fn webhook_signature(webhook_secret: &Secret, body: &[u8]) -> String {
    hex_string(&webhook_mac(webhook_secret, body), false)
}

fn webhook_mac(webhook_secret: &Secret, body: &[u8]) -> [u8; 32] {
    hmac_sha256(webhook_secret.expose().as_bytes(), &[body])
}

/// Verifies a webhook: the signature over the raw body (constant time) and the timestamp
/// inside `tolerance_secs` of `now`. Returns the time the platform says it sent it.
///
/// ```
/// use chrono::Utc;
/// use sign_core::{octopus, VerifyError};
/// let now = Utc::now();
/// let ts = octopus::format_timestamp(now);
/// let sig = octopus::webhook_signature(&"k".into(), b"{}");
/// assert!(octopus::verify_webhook(&"k".into(), b"{}", Some(&sig), Some(&ts), now, 300).is_ok());
/// assert_eq!(
///     octopus::verify_webhook(&"k".into(), b"{ }", Some(&sig), Some(&ts), now, 300),
///     Err(VerifyError::Mismatch)
/// );
/// ```
pub fn verify_webhook(
    webhook_secret: &Secret,
    body: &[u8],
    signature: Option<&str>,
    timestamp: Option<&str>,
    now: DateTime<Utc>,
    tolerance_secs: u64,
) -> Result<DateTime<Utc>, VerifyError> {
    verify_webhook_with(
        &HmacKey::new(webhook_secret),
        body,
        signature,
        timestamp,
        now,
        tolerance_secs,
    )
}

/// [`verify_webhook`] with the webhook secret keyed once ([`HmacKey`]): the same checks in the
/// same order, the signature compared in constant time, without keying the secret into HMAC
/// again for every webhook (two of the compressions a short body costs). What a webhook
/// verifier that keeps its key uses.
///
/// ```
/// use chrono::Utc;
/// use sign_core::{octopus, VerifyError};
/// let key = octopus::HmacKey::new(&"k".into());
/// let now = Utc::now();
/// let ts = octopus::format_timestamp(now);
/// let sig = octopus::webhook_signature(&"k".into(), b"{}");
/// assert!(octopus::verify_webhook_with(&key, b"{}", Some(&sig), Some(&ts), now, 300).is_ok());
/// assert_eq!(
///     octopus::verify_webhook_with(&key, b"{ }", Some(&sig), Some(&ts), now, 300),
///     Err(VerifyError::Mismatch)
/// );
/// ```
pub fn verify_webhook_with(
    key: &HmacKey,
    body: &[u8],
    signature: Option<&str>,
    timestamp: Option<&str>,
    now: DateTime<Utc>,
    tolerance_secs: u64,
) -> Result<DateTime<Utc>, VerifyError> {
    let received = received_signature(signature)?;
    let sent = sent_within(required(HEADER_TIMESTAMP, timestamp)?, now, tolerance_secs)?;
    digest_matches(&key.mac(&[body]), &received)?;
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    /// The keyed webhook verify decides every case as the secret's does, and accepts exactly
    /// the signature an independent HMAC (the `hmac` crate over the raw body) gives.
    #[test]
    fn verify_webhook_with_key_is_verify_webhook() {
        use hmac::{Hmac, Mac};
        use sha2::Sha256;
        let secret = Secret::from("whsec");
        let key = HmacKey::new(&secret);
        let body = br#"{"eventType":"payment.completed"}"#;
        let mut mac = Hmac::<Sha256>::new_from_slice(b"whsec").unwrap();
        mac.update(body);
        let good = hex::encode(mac.finalize().into_bytes());
        let upper = good.to_ascii_uppercase();
        let last = if good.ends_with('0') { "1" } else { "0" };
        let flipped = format!("{}{last}", &good[..63]);
        let now = Utc.with_ymd_and_hms(2024, 1, 1, 0, 1, 0).unwrap();
        let sigs = [
            Some(good.as_str()),
            Some(&upper),
            Some(&flipped),
            Some("zz"),
            None,
        ];
        let times = [
            Some("2024-01-01T00:00:00Z"),
            Some("2023-12-31T23:00:00Z"),
            Some("yesterday"),
            None,
        ];
        for signature in sigs {
            for timestamp in times {
                for b in [&body[..], b"{ }"] {
                    assert_eq!(
                        verify_webhook(&secret, b, signature, timestamp, now, 300),
                        verify_webhook_with(&key, b, signature, timestamp, now, 300),
                        "{signature:?} {timestamp:?}"
                    );
                }
            }
        }
        let sent = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let ts = Some("2024-01-01T00:00:00Z");
        assert_eq!(
            verify_webhook_with(&key, body, Some(&good), ts, now, 300),
            Ok(sent)
        );
        assert_eq!(
            verify_webhook_with(&key, body, Some(&flipped), ts, now, 300),
            Err(VerifyError::Mismatch)
        );
    }
}
