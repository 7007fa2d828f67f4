//! Request signing behind a [`Signer`] trait.
//!
//! The spec says only that `sign` is "computed with the API Secret". The SDK's default,
//! [`WatttSign`], implements the workspace's documented contract (sign-core's `wattt` module):
//! take every top-level field except `sign` whose value is a non-empty string, a number or a
//! boolean; render numbers exactly as they are sent; sort by key (byte order);
//! `sign = hex(md5(k1=v1&k2=v2…&key=SECRET))`. Objects and arrays (e.g. `extra`) are sent but not
//! signed. A merchant whose contract differs can plug in their own [`Signer`].

use std::fmt;

use serde_json::{Map, Value};
use sign_core::Secret;

/// Computes Wattt's `sign` field.
///
/// The client builds the full request object (with `uid` and `timestamp` but without `sign`),
/// asks the signer for `sign`, inserts it and sends exactly that object.
///
/// Implementations must not print key material in their `Debug` output.
pub trait Signer: Send + Sync + fmt::Debug {
    /// The `sign` value for a JSON body (all top-level fields, `sign` absent).
    fn sign_json(&self, fields: &Map<String, Value>) -> String;

    /// The `sign` value for flat fields whose values are text exactly as on the wire: the
    /// query of `GET /banks`, a form-encoded notification, and the scalar fields of a JSON
    /// notification verified with [`Verifier::with_signer`](crate::webhook::Verifier::with_signer)
    /// (numbers as written: `12.50` stays `12.50`; objects and arrays left out).
    fn sign_params(&self, params: &[(&str, &str)]) -> String;
}

/// The default signer: sign-core's Wattt contract with the merchant's API secret.
///
/// ```
/// use wattt_sdk::{Signer, WatttSign};
/// let signer = WatttSign::new("my-secret");
/// let mut body = serde_json::Map::new();
/// body.insert("uid".into(), "ABCDE".into());
/// body.insert("timestamp".into(), 1782347899.into());
/// let sign = signer.sign_json(&body);
/// assert_eq!(sign.len(), 32);
/// assert!(!format!("{signer:?}").contains("my-secret"));
/// ```
#[derive(Clone)]
pub struct WatttSign {
    secret: Secret,
}

impl WatttSign {
    /// A signer with this API secret.
    pub fn new(secret: impl Into<Secret>) -> Self {
        WatttSign {
            secret: secret.into(),
        }
    }

    pub(crate) fn secret(&self) -> &Secret {
        &self.secret
    }
}

impl fmt::Debug for WatttSign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WatttSign")
            .field("secret", &self.secret)
            .finish()
    }
}

impl Signer for WatttSign {
    fn sign_json(&self, fields: &Map<String, Value>) -> String {
        sign_core::wattt::sign_json(fields, &self.secret)
    }

    fn sign_params(&self, params: &[(&str, &str)]) -> String {
        sign_core::wattt::sign_params(params.iter().copied(), &self.secret)
    }
}
