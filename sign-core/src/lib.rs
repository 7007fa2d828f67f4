//! Pure signing and verification for the four payment gateways this workspace serves.
//!
//! Every function here is deterministic given its inputs (the exceptions are [`new_nonce`]
//! and the jitter of [`policy::RetryPolicy::backoff`], which read a random number generator):
//! no network, no files, no clock. Callers pass "now" explicitly, so every check is testable
//! without a clock. The I/O sits behind cargo features, off by default: the Redis replay store
//! (`redis`) and the HTTP transport the four SDK clients share (`http`, module `transport`).
//!
//! | module | gateway | scheme |
//! |---|---|---|
//! | [`ecpay`] | ECPay AIO | CheckMacValue (.NET URL-encode, lowercase, SHA-256 or MD5) |
//! | [`ljpay`] | LJPay | HMAC-SHA256 over a six-line canonical request |
//! | [`octopus`] | Octopus O! ePay | HMAC-SHA256 auth headers and webhook body signature |
//! | [`wattt`] | Wattt | MD5 over sorted scalar fields plus `&key=` |
//!
//! Beside the schemes: [`policy`], the request policy every client follows (retries, backoff,
//! `Retry-After`, base-URL rules, error kinds), and [`replay`], replay protection and
//! duplicate-delivery detection over an in-memory or Redis store.
//!
//! Key material is held in [`Secret`], which never prints and is zeroized on drop.
//! Verification failures are a [`VerifyError`] that says which check failed without
//! echoing the expected signature or any key.
//!
//! ```
//! use sign_core::{ecpay::{self, HashAlgorithm}, Secret};
//!
//! let key = Secret::from("pwFHCqoQZGmho4w6");
//! let iv = Secret::from("EkRm7iFT261dpevs");
//! let params = [("MerchantID", "3002607"), ("TotalAmount", "100")];
//! let mac = ecpay::check_mac_value(params, &key, &iv, HashAlgorithm::Sha256);
//! assert_eq!(mac.len(), 64);
//!
//! let mut received = params.map(|(k, v)| (k.to_string(), v.to_string())).to_vec();
//! received.push(("CheckMacValue".into(), mac));
//! assert!(ecpay::verify(&received, &key, &iv, HashAlgorithm::Sha256).is_ok());
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod compare;
mod decimal;
mod error;
mod hmac_hex;
mod nonce;
mod pair;
mod secret;
mod unix_time;

pub mod ecpay;
pub mod ljpay;
pub mod octopus;
pub mod policy;
pub mod replay;
pub mod sdk_error;
#[cfg(feature = "testing")]
pub mod testing;
#[cfg(feature = "http")]
pub mod transport;
pub mod wattt;
pub mod wire_enum;

pub use compare::constant_time_eq;
pub use decimal::decimal;
pub use error::VerifyError;
pub use hmac_hex::HmacKey;
pub use nonce::{new_nonce, Nonce};
pub use pair::ParamPair;
pub use secret::Secret;
pub use unix_time::unix_seconds;

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
