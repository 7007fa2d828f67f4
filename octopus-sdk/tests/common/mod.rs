//! Helpers shared by the integration tests.
#![allow(dead_code)]

use hmac::{Hmac, Mac};
use sha2::Sha256;
use wiremock::{Match, Request};

pub const TOKEN: &str = "test-token-7f3a";
pub const KEY: &str = "test-key-91bc";
pub const MERCHANT: &str = "demo_merchant_123";
pub const SECRET_KEY: &str = "merchant-secret-55d1";

/// A local HMAC-SHA256, independent of sign-core, for recomputing signatures.
pub fn hmac_hex(key: &[u8], parts: &[&[u8]]) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("hmac accepts any key length");
    for p in parts {
        m.update(p);
    }
    hex::encode(m.finalize().into_bytes())
}

/// The ```json blocks of the spec kept in the crate, in document order.
pub fn spec_json_blocks() -> Vec<String> {
    let spec = include_str!("../../spec/octopus-oepay-api.md");
    let mut out = Vec::new();
    let mut rest = spec;
    while let Some(i) = rest.find("```json\n") {
        let after = &rest[i + 8..];
        let end = after.find("```").expect("closed block");
        out.push(after[..end].to_owned());
        rest = &after[end + 3..];
    }
    out
}

/// Spec example blocks by meaning (indices into `spec_json_blocks`).
pub mod ex {
    pub const CREATE_ORDER_REQ: usize = 0;
    pub const CREATE_ORDER_RESP: usize = 1;
    pub const VALIDATION_ERROR: usize = 2;
    pub const GET_ORDER_RESP: usize = 3;
    pub const UPDATE_ORDER_REQ: usize = 4;
    pub const UPDATE_ORDER_RESP: usize = 5;
    pub const CREATE_PAYMENT_REQ: usize = 6;
    pub const CREATE_PAYMENT_RESP: usize = 7;
    pub const GET_PAYMENT_RESP: usize = 8;
    pub const UPDATE_STATUS_REQ: usize = 9;
    pub const UPDATE_STATUS_RESP: usize = 10;
    pub const SIMULATE_RESP: usize = 11;
    pub const WEBHOOK_BODY: usize = 12;
    pub const WEBHOOK_ACK: usize = 13;
    pub const ERROR_FORMAT: usize = 14;
}

pub fn example(i: usize) -> String {
    spec_json_blocks()[i].clone()
}

/// Matches a request carrying the platform's auth headers, with the
/// `X-Octopus-Signature` recomputed here from the DESIGN.md contract:
/// hex(hmac_sha256(secret_key, merchant_id + timestamp + nonce)).
pub struct Authenticated {
    pub signed: bool,
}

impl Match for Authenticated {
    fn matches(&self, r: &Request) -> bool {
        let h = |n: &str| {
            r.headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        if h("authorization").as_deref() != Some(&format!("Bearer {TOKEN}"))
            || h("x-api-key").as_deref() != Some(KEY)
        {
            return false;
        }
        if !self.signed {
            return h("x-octopus-signature").is_none();
        }
        let (Some(m), Some(ts), Some(nonce), Some(sig)) = (
            h("x-octopus-merchant-id"),
            h("x-octopus-timestamp"),
            h("x-octopus-nonce"),
            h("x-octopus-signature"),
        ) else {
            return false;
        };
        // RFC 3339 UTC, whole seconds, `Z`: e.g. 2024-01-01T00:00:00Z (20 chars).
        let ts_ok = ts.len() == 20
            && ts.ends_with('Z')
            && chrono::DateTime::parse_from_rfc3339(&ts).is_ok();
        let nonce_ok = nonce.len() == 32
            && nonce
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
        let expected = hmac_hex(
            SECRET_KEY.as_bytes(),
            &[m.as_bytes(), ts.as_bytes(), nonce.as_bytes()],
        );
        m == MERCHANT && ts_ok && nonce_ok && sig == expected
    }
}

pub fn client(base: &str) -> octopus_sdk::Client {
    builder(base).build().expect("valid test config")
}

pub fn builder(base: &str) -> octopus_sdk::ClientBuilder {
    octopus_sdk::Client::builder()
        .base_url(format!("{base}/api"))
        .environment(octopus_sdk::Environment::Sandbox)
        .api_token(TOKEN)
        .api_key(KEY)
        .merchant(MERCHANT, SECRET_KEY)
        .retry_policy(octopus_sdk::RetryPolicy::default().with_backoff(
            std::time::Duration::from_millis(1),
            std::time::Duration::from_millis(5),
        ))
}

pub fn dec(s: &str) -> octopus_sdk::Decimal {
    s.parse().expect("decimal literal")
}

pub fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).expect("valid JSON")
}
