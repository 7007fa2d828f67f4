//! Wattt `sign`: the SDK's default contract (the spec says only "computed with the API
//! Secret"; DESIGN.md fixes the rule, and wattt-sdk puts it behind a `Signer` trait).
//!
//! Take every top-level field except `sign` whose value is a string, number or boolean and is
//! not empty; render numbers exactly as written in the JSON that is sent, booleans as
//! `true`/`false`; sort by key (byte order);
//! `sign = hex(md5(k1=v1&k2=v2…&key=<secret>))`. Objects, arrays and nulls are sent but not
//! signed.
//!
//! ```
//! use serde_json::json;
//! use sign_core::{wattt, Secret};
//! let secret = Secret::from("s");
//! let mut body = json!({"uid": "m1", "amount": 2500, "extra": {"x": 1}, "memo": ""});
//! let map = body.as_object_mut().unwrap();
//! let sign = wattt::sign_json(map, &secret);
//! // Exactly md5("amount=2500&uid=m1&key=s"):
//! assert_eq!(sign, wattt::sign_params([("uid", "m1"), ("amount", "2500")], &secret));
//! map.insert("sign".into(), sign.into());
//! assert!(wattt::verify_json(map, &secret).is_ok());
//! ```

use md5::{Digest, Md5};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::compare::hex_signature_matches;
use crate::error::{refuse_duplicates, required, VerifyError};
use crate::hmac_hex::is_hex_of_len;
use crate::{ParamPair, Secret};

/// The name of the signature field.
pub const SIGN_FIELD: &str = "sign";

fn sign_sorted(mut pairs: Vec<(&str, std::borrow::Cow<'_, str>)>, secret: &Secret) -> String {
    pairs.retain(|(k, v)| *k != SIGN_FIELD && !v.is_empty());
    pairs.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut md5 = Md5::new();
    for (k, v) in &pairs {
        md5.update(k.as_bytes());
        md5.update(b"=");
        md5.update(v.as_bytes());
        md5.update(b"&");
    }
    md5.update(b"key=");
    md5.update(secret.expose().as_bytes());
    hex::encode(md5.finalize())
}

fn scalar_text(value: &Value) -> Option<std::borrow::Cow<'_, str>> {
    match value {
        Value::String(s) => Some(s.as_str().into()),
        Value::Number(n) => Some(n.to_string().into()),
        Value::Bool(b) => Some(if *b { "true" } else { "false" }.into()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// Signs a JSON object as serde_json will write it (numbers as `serde_json` renders them):
/// build the body as a `Map`, sign it, insert `sign`, send that map.
///
/// ```
/// let mut m = serde_json::Map::new();
/// m.insert("amount".into(), serde_json::json!(12.5));
/// assert_eq!(sign_core::wattt::sign_json(&m, &"s".into()), sign_core::wattt::sign_params([("amount", "12.5")], &"s".into()));
/// ```
pub fn sign_json(object: &Map<String, Value>, secret: &Secret) -> String {
    let pairs = object
        .iter()
        .filter_map(|(k, v)| scalar_text(v).map(|t| (k.as_str(), t)))
        .collect();
    sign_sorted(pairs, secret)
}

/// Signs a flat parameter map (form fields, query parameters); empty values and `sign` are
/// left out.
///
/// ```
/// let a = sign_core::wattt::sign_params([("b", "2"), ("a", "1"), ("c", "")], &"s".into());
/// let b = sign_core::wattt::sign_params([("a", "1"), ("b", "2")], &"s".into());
/// assert_eq!(a, b);
/// ```
pub fn sign_params<I>(params: I, secret: &Secret) -> String
where
    I: IntoIterator,
    I::Item: ParamPair,
{
    let owned: Vec<I::Item> = params.into_iter().collect();
    let pairs = owned
        .iter()
        .map(|p| (p.name(), std::borrow::Cow::Borrowed(p.value())))
        .collect();
    sign_sorted(pairs, secret)
}

/// A JSON object's top-level fields in order, duplicates kept (so they can be refused).
struct RawObject<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for RawObject<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Fields<'a> {
            type Value = RawObject<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<Self::Value, M::Error> {
                let mut fields = Vec::new();
                while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
                    fields.push(entry);
                }
                Ok(RawObject(fields))
            }
        }
        deserializer.deserialize_map(Fields(std::marker::PhantomData))
    }
}

/// Top-level fields of a raw JSON object, each with its value's raw text.
fn raw_fields(body: &[u8]) -> Result<Vec<(String, String)>, VerifyError> {
    let RawObject(fields) = serde_json::from_slice(body)
        .map_err(|_| VerifyError::malformed("body", "expected a JSON object"))?;
    refuse_duplicates(fields.iter().map(|(k, _)| k.as_str()))?;
    let mut out = Vec::with_capacity(fields.len());
    for (k, raw) in fields {
        let text = raw.get();
        let rendered = match text.as_bytes().first() {
            Some(b'"') => serde_json::from_str::<String>(text)
                .map_err(|_| VerifyError::malformed(&k, "invalid JSON string"))?,
            Some(b't' | b'f' | b'-' | b'0'..=b'9') => text.to_owned(),
            _ => continue, // null, object, array: not signed
        };
        out.push((k, rendered));
    }
    Ok(out)
}

/// Signs a raw JSON object body, rendering numbers exactly as they are written in it
/// (`12.50` stays `12.50`).
///
/// ```
/// let s = sign_core::wattt::sign_json_body(br#"{"amount":12.50,"x":[1]}"#, &"s".into()).unwrap();
/// assert_eq!(s, sign_core::wattt::sign_params([("amount", "12.50")], &"s".into()));
/// ```
pub fn sign_json_body(body: &[u8], secret: &Secret) -> Result<String, VerifyError> {
    Ok(sign_params(raw_fields(body)?, secret))
}

fn check(received: Option<&str>, expected: impl FnOnce() -> String) -> Result<(), VerifyError> {
    let received = required(SIGN_FIELD, received)?;
    if !is_hex_of_len(received, 32) {
        return Err(VerifyError::malformed(
            SIGN_FIELD,
            "expected 32 hex characters (MD5)",
        ));
    }
    hex_signature_matches(&expected(), received)
}

/// Verifies the `sign` inside a parsed JSON object (numbers as serde_json renders them; use
/// [`verify_json_body`] when you have the raw body).
pub fn verify_json(object: &Map<String, Value>, secret: &Secret) -> Result<(), VerifyError> {
    check(object.get(SIGN_FIELD).and_then(Value::as_str), || {
        sign_json(object, secret)
    })
}

/// Verifies the `sign` inside a raw JSON object body, numbers exactly as written.
///
/// ```
/// let s = sign_core::wattt::sign_json_body(br#"{"amount":12.50}"#, &"s".into()).unwrap();
/// let body = format!(r#"{{"amount":12.50,"sign":"{s}"}}"#);
/// assert!(sign_core::wattt::verify_json_body(body.as_bytes(), &"s".into()).is_ok());
/// ```
pub fn verify_json_body(body: &[u8], secret: &Secret) -> Result<(), VerifyError> {
    let fields = raw_fields(body)?;
    let received = fields
        .iter()
        .find(|(k, _)| k == SIGN_FIELD)
        .map(|(_, v)| v.as_str());
    check(received, || sign_params(&fields, secret))
}

/// Verifies the `sign` inside a flat parameter map (a form-encoded notification). Refuses a
/// map that repeats a key.
///
/// ```
/// let s = sign_core::wattt::sign_params([("a", "1")], &"s".into());
/// assert!(sign_core::wattt::verify_params([("a", "1"), ("sign", s.as_str())], &"s".into()).is_ok());
/// ```
pub fn verify_params<I>(params: I, secret: &Secret) -> Result<(), VerifyError>
where
    I: IntoIterator,
    I::Item: ParamPair,
{
    let owned: Vec<I::Item> = params.into_iter().collect();
    refuse_duplicates(owned.iter().map(ParamPair::name))?;
    let received = owned
        .iter()
        .find(|p| p.name() == SIGN_FIELD)
        .map(ParamPair::value);
    check(received, || {
        sign_params(owned.iter().map(|p| (p.name(), p.value())), secret)
    })
}
