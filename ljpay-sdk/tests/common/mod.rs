//! Test helpers: an independent LJPay signature (hmac + sha2 directly, not sign-core) and
//! wiremock plumbing.
#![allow(dead_code)]

use std::time::Duration;

use hmac::{Hmac, Mac};
use ljpay_sdk::{Client, RetryPolicy};
use sha2::{Digest, Sha256};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

pub const SITE: &str = "site-1";
pub const SECRET: &str = "test-secret";

/// The LJPay request signature of the spec, written out again here so the tests do not trust the
/// code under test: `sha256=hex(hmac_sha256(secret, METHOD\nPATH\nTS\nNONCE\nSITE\nhex(sha256(body))))`.
pub fn expected_signature(
    secret: &str,
    method: &str,
    path_with_query: &str,
    ts: &str,
    nonce: &str,
    site: &str,
    body: &[u8],
) -> String {
    let canonical = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        method.to_ascii_uppercase(),
        path_with_query,
        ts,
        nonce,
        site,
        hex::encode(Sha256::digest(body))
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("hmac takes any key");
    mac.update(canonical.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

pub fn path_with_query(req: &Request) -> String {
    match req.url.query() {
        Some(q) => format!("{}?{}", req.url.path(), q),
        None => req.url.path().to_owned(),
    }
}

pub fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers.get(name).and_then(|v| v.to_str().ok())
}

/// Asserts the four headers and the signature of a captured request; returns the nonce.
pub fn assert_signed(req: &Request, site: &str, secret: &str) -> String {
    let got_site = header(req, "X-Pay-Site").expect("X-Pay-Site");
    assert_eq!(got_site, site);
    let ts = header(req, "X-Pay-Timestamp").expect("X-Pay-Timestamp");
    let ts_num: i64 = ts.parse().expect("timestamp is Unix seconds");
    let now = chrono::Utc::now().timestamp();
    assert!(
        (now - ts_num).abs() < 60,
        "timestamp {ts} is not now ({now})"
    );
    let nonce = header(req, "X-Pay-Nonce").expect("X-Pay-Nonce");
    assert_eq!(nonce.len(), 32, "nonce is 32 hex chars");
    assert!(nonce
        .bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    let sig = header(req, "X-Pay-Signature").expect("X-Pay-Signature");
    let expected = expected_signature(
        secret,
        req.method.as_str(),
        &path_with_query(req),
        ts,
        nonce,
        site,
        &req.body,
    );
    assert_eq!(sig, expected, "signature for {} {}", req.method, req.url);
    nonce.to_owned()
}

/// Matches only requests whose signature is right (the test's own HMAC).
pub struct SignedCorrectly;

impl Match for SignedCorrectly {
    fn matches(&self, req: &Request) -> bool {
        let (Some(ts), Some(nonce), Some(sig)) = (
            header(req, "X-Pay-Timestamp"),
            header(req, "X-Pay-Nonce"),
            header(req, "X-Pay-Signature"),
        ) else {
            return false;
        };
        header(req, "X-Pay-Site") == Some(SITE)
            && sig
                == expected_signature(
                    SECRET,
                    req.method.as_str(),
                    &path_with_query(req),
                    ts,
                    nonce,
                    SITE,
                    &req.body,
                )
    }
}

/// A lowest-priority mock that answers every request nothing else matched with a loud 599.
pub async fn mount_catch_all(server: &MockServer) {
    Mock::given(wiremock::matchers::any())
        .respond_with(|req: &Request| {
            ResponseTemplate::new(599).set_body_string(format!(
                "UNEXPECTED REQUEST (wrong route, body or signature): {} {}",
                req.method, req.url
            ))
        })
        .with_priority(u8::MAX)
        .mount(server)
        .await;
}

pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::default().with_backoff(Duration::from_millis(1), Duration::from_millis(5))
}

pub fn client_for(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .site_code(SITE)
        .secret(SECRET)
        .retry_policy(fast_retry())
        .build()
        .expect("valid config")
}

pub fn error_body(code: &str) -> serde_json::Value {
    serde_json::json!({"code": code, "message": format!("{code} from the test server")})
}
