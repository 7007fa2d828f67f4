//! Wattt `sign`: the SDK's default contract (the spec says only "computed with the API
//! Secret"; the rule below is the one these SDKs fix for it, and wattt-sdk puts it behind a
//! `Signer` trait so a merchant whose account signs otherwise can plug in their own).
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

use std::borrow::Cow;
use std::fmt::Write as _;

use md5::Md5;
use serde_json::value::RawValue;
use serde_json::{Map, Number, Value};
use smallvec::SmallVec;

use crate::compare::digest_matches;
use crate::error::{refuse_duplicates, required, VerifyError};
use crate::hmac_hex::{decode_hex, hex_into, hex_string, Sink};
use crate::pair::{with_collected, with_pairs};
use crate::{ParamPair, Secret};

/// The name of the signature field.
pub const SIGN_FIELD: &str = "sign";

/// A signed value as it is rendered into the base string, borrowed from its source.
#[derive(Clone, Copy)]
enum Text<'a> {
    Str(&'a str),
    Number(&'a Number),
    Bool(bool),
}

impl<'a> Text<'a> {
    fn of(value: &'a Value) -> Option<Self> {
        match value {
            Value::String(s) => Some(Self::Str(s)),
            Value::Number(n) => Some(Self::Number(n)),
            Value::Bool(b) => Some(Self::Bool(*b)),
            Value::Null | Value::Array(_) | Value::Object(_) => None,
        }
    }

    fn is_empty(self) -> bool {
        matches!(self, Self::Str(""))
    }
}

fn by_key<T>(a: &(&str, T), b: &(&str, T)) -> std::cmp::Ordering {
    a.0.as_bytes().cmp(b.0.as_bytes())
}

/// `md5(k1=v1&…&key=secret)` over fields already in key order, leaving out `sign` and
/// empty values; the base string goes straight into the hasher.
fn digest_sorted<'a>(
    fields: impl Iterator<Item = (&'a str, Text<'a>)>,
    secret: &Secret,
) -> [u8; 16] {
    let mut md5 = Sink::<Md5>::new();
    for (k, v) in fields.filter(|(k, v)| *k != SIGN_FIELD && !v.is_empty()) {
        md5.push(k.as_bytes());
        md5.push(b"=");
        match v {
            Text::Str(s) => md5.push(s.as_bytes()),
            // serde_json's own rendering (what `to_string` gives), written into the hasher.
            Text::Number(n) => {
                let _ = write!(md5, "{n}");
            }
            Text::Bool(b) => md5.push(if b { b"true" } else { b"false" }),
        }
        md5.push(b"&");
    }
    md5.push(b"key=");
    md5.push(secret.expose().as_bytes());
    md5.finish().into()
}

fn str_fields<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Iterator<Item = (&'a str, Text<'a>)> {
    pairs.iter().map(|(k, v)| (*k, Text::Str(v)))
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
    hex_string(&digest_json(object, &[], secret), false)
}

/// The `sign` of `object` with the fields of `set` put into it (each replacing a field of
/// its name), without building that object: what [`sign_json`] gives for a copy of `object`
/// into which each `(name, text)` was inserted as a string, or as a number whose JSON text is
/// `text` (the base string renders both alike). For a client that sends its caller's fields
/// plus per-request ones (`uid`, `timestamp`) and would otherwise copy the fields on every
/// request. A name repeated in `set` keeps its last text, as repeated inserts would.
///
/// ```
/// use serde_json::{json, Map, Value};
/// use sign_core::wattt;
/// let secret = "s".into();
/// let fields: Map<String, Value> = json!({"amount": 2500, "uid": "old"}).as_object().unwrap().clone();
/// let mut full = fields.clone();
/// full.insert("uid".into(), "m1".into());
/// full.insert("timestamp".into(), 1782347899.into());
/// let sign = wattt::sign_json_with(&fields, &[("timestamp", "1782347899"), ("uid", "m1")], &secret);
/// assert_eq!(sign.as_str(), wattt::sign_json(&full, &secret));
/// ```
pub fn sign_json_with(
    object: &Map<String, Value>,
    set: &[(&str, &str)],
    secret: &Secret,
) -> SignValue {
    SignValue(hex_lower16(&digest_json(object, set, secret)))
}

/// A `sign` value on the stack (32 lowercase hex digits), for a caller that writes it into a
/// body itself.
///
/// ```
/// let sign = sign_core::wattt::sign_json_with(&serde_json::Map::new(), &[("uid", "m1")], &"s".into());
/// assert_eq!(sign.as_str(), sign_core::wattt::sign_params([("uid", "m1")], &"s".into()));
/// assert_eq!(sign.as_bytes().len(), 32);
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SignValue([u8; 32]);

impl SignValue {
    /// The value as text.
    pub fn as_str(&self) -> &str {
        // ASCII hex digits by construction.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The value's bytes (ASCII).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for SignValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A signature is no secret, but it is not for logs either.
        f.write_str("SignValue(***)")
    }
}

fn hex_lower16(digest: &[u8; 16]) -> [u8; 32] {
    let (buf, _) = hex_into(digest, false);
    let mut out = [0u8; 32];
    out.copy_from_slice(&buf[..32]);
    out
}

/// Whether `names` are in strictly increasing byte order.
fn ascending<'a>(mut names: impl Iterator<Item = &'a str>) -> bool {
    let Some(mut prev) = names.next() else {
        return true;
    };
    for name in names {
        if prev.as_bytes() >= name.as_bytes() {
            return false;
        }
        prev = name;
    }
    true
}

/// Two field lists, each in strictly increasing byte order of names, merged into one in that
/// order; on a name in both, `over`'s field replaces `under`'s.
struct Merge<A: Iterator, B: Iterator> {
    under: std::iter::Peekable<A>,
    over: std::iter::Peekable<B>,
}

impl<'a, A, B> Iterator for Merge<A, B>
where
    A: Iterator<Item = (&'a str, Text<'a>)>,
    B: Iterator<Item = (&'a str, Text<'a>)>,
{
    type Item = (&'a str, Text<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let order = match (self.under.peek(), self.over.peek()) {
            (Some(u), Some(o)) => u.0.as_bytes().cmp(o.0.as_bytes()),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, _) => std::cmp::Ordering::Greater,
        };
        match order {
            std::cmp::Ordering::Less => self.under.next(),
            std::cmp::Ordering::Greater => self.over.next(),
            std::cmp::Ordering::Equal => {
                self.under.next();
                self.over.next()
            }
        }
    }
}

fn digest_json(object: &Map<String, Value>, set: &[(&str, &str)], secret: &Secret) -> [u8; 16] {
    let scalars = object
        .iter()
        .filter_map(|(k, v)| Text::of(v).map(|t| (k.as_str(), t)));
    let over = set.iter().map(|(k, v)| (*k, Text::Str(v)));
    // serde_json's default `Map` is a `BTreeMap`, already in byte order of names: merged as
    // they come, nothing gathered or sorted.
    if ascending(object.keys().map(String::as_str)) && ascending(set.iter().map(|(k, _)| *k)) {
        let merged = Merge {
            under: scalars.peekable(),
            over: over.peekable(),
        };
        return digest_sorted(merged, secret);
    }
    // Another order (serde_json's `preserve_order` keeps insertion order): gather and sort,
    // each name once (the last of `set` wins, and `set` wins over `object`).
    let kept = scalars.filter(|(k, _)| !set.iter().any(|(s, _)| s == k));
    let over = over
        .enumerate()
        .filter(|(i, (k, _))| !set[i + 1..].iter().any(|(s, _)| s == k))
        .map(|(_, field)| field);
    with_collected(kept.chain(over), ("", Text::Bool(false)), |fields| {
        fields.sort_by(by_key);
        digest_sorted(fields.iter().copied(), secret)
    })
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
    with_pairs(params, |pairs| {
        pairs.sort_by(by_key);
        hex_string(&digest_sorted(str_fields(pairs), secret), false)
    })
}

/// A JSON object's name, borrowed from the body unless it had to be unescaped (serde's own
/// `Cow<str>` always allocates). Reading a Wattt body field by field without copying the
/// names: the raw-body signature here and wattt-sdk's answer envelope both read with it.
///
/// ```
/// use std::borrow::Cow;
/// let sign_core::wattt::Key(plain) = serde_json::from_str(r#""orderid""#).unwrap();
/// assert!(matches!(plain, Cow::Borrowed("orderid")));
/// let sign_core::wattt::Key(escaped) = serde_json::from_str(r#""order\u0069d""#).unwrap();
/// assert_eq!(escaped, "orderid");
/// ```
pub struct Key<'a>(pub Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> serde::de::Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Fields a notification body holds on the stack (it has about ten).
const FIELDS: usize = 16;

/// A JSON object's top-level fields in order, duplicates kept (so they can be refused): each
/// name with its value's raw JSON text.
struct RawObject<'a>(SmallVec<[(Cow<'a, str>, &'a str); FIELDS]>);

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
                let mut fields = SmallVec::new();
                while let Some((Key(k), v)) = map.next_entry::<Key<'de>, &'de RawValue>()? {
                    fields.push((k, v.get()));
                }
                Ok(RawObject(fields))
            }
        }
        deserializer.deserialize_map(Fields(std::marker::PhantomData))
    }
}

/// A signed field of a raw body: name and value text, borrowed unless unescaped.
type Field<'a> = (Cow<'a, str>, Cow<'a, str>);

/// Runs `f` over the top-level scalar fields of a raw JSON object, sorted by name (byte
/// order), each with its value's text as written (strings unescaped), borrowed from the body
/// wherever nothing needed unescaping. A repeated name is refused before any value is read;
/// values are read in the body's order (so an error names the first bad one). The lists live
/// on the stack for a body of up to [`FIELDS`] fields.
fn with_raw_fields<R>(
    body: &[u8],
    f: impl FnOnce(&[Field<'_>]) -> Result<R, VerifyError>,
) -> Result<R, VerifyError> {
    let RawObject(raw) = serde_json::from_slice(body)
        .map_err(|_| VerifyError::malformed("body", "expected a JSON object"))?;
    refuse_duplicates(raw.iter().map(|(k, _)| k.as_ref()))?;
    let mut fields = SmallVec::<[Field<'_>; FIELDS]>::new();
    for (k, text) in raw {
        let rendered = match text.as_bytes().first() {
            // Nothing to unescape: the value is the text between the quotes.
            Some(b'"') if !text.bytes().any(|b| b == b'\\' || b < 0x20) => {
                Cow::Borrowed(&text[1..text.len() - 1])
            }
            Some(b'"') => Cow::Owned(
                serde_json::from_str::<String>(text)
                    .map_err(|_| VerifyError::malformed(&k, "invalid JSON string"))?,
            ),
            Some(b't' | b'f' | b'-' | b'0'..=b'9') => Cow::Borrowed(text),
            _ => continue, // null, object, array: not signed
        };
        fields.push((k, rendered));
    }
    // Names are unique (refused above), so an unstable sort gives the one order.
    fields.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    f(&fields)
}

/// The MD5 of sorted raw-body fields by the rule above.
fn fields_digest(fields: &[Field<'_>], secret: &Secret) -> [u8; 16] {
    digest_sorted(
        fields.iter().map(|(k, v)| (k.as_ref(), Text::Str(v))),
        secret,
    )
}

/// Signs a raw JSON object body, rendering numbers exactly as they are written in it
/// (`12.50` stays `12.50`).
///
/// ```
/// let s = sign_core::wattt::sign_json_body(br#"{"amount":12.50,"x":[1]}"#, &"s".into()).unwrap();
/// assert_eq!(s, sign_core::wattt::sign_params([("amount", "12.50")], &"s".into()));
/// ```
pub fn sign_json_body(body: &[u8], secret: &Secret) -> Result<String, VerifyError> {
    with_raw_fields(body, |fields| {
        Ok(hex_string(&fields_digest(fields, secret), false))
    })
}

/// The received `sign`, which must be 32 hex characters, as the 16 bytes it spells.
fn received_sign(received: Option<&str>) -> Result<[u8; 16], VerifyError> {
    let received = required(SIGN_FIELD, received)?;
    decode_hex(received)
        .ok_or_else(|| VerifyError::malformed(SIGN_FIELD, "expected 32 hex characters (MD5)"))
}

/// Verifies the `sign` inside a parsed JSON object (numbers as serde_json renders them; use
/// [`verify_json_body`] when you have the raw body).
pub fn verify_json(object: &Map<String, Value>, secret: &Secret) -> Result<(), VerifyError> {
    let received = received_sign(object.get(SIGN_FIELD).and_then(Value::as_str))?;
    digest_matches(&digest_json(object, &[], secret), &received)
}

/// Verifies the `sign` inside a raw JSON object body, numbers exactly as written.
///
/// ```
/// let s = sign_core::wattt::sign_json_body(br#"{"amount":12.50}"#, &"s".into()).unwrap();
/// let body = format!(r#"{{"amount":12.50,"sign":"{s}"}}"#);
/// assert!(sign_core::wattt::verify_json_body(body.as_bytes(), &"s".into()).is_ok());
/// ```
pub fn verify_json_body(body: &[u8], secret: &Secret) -> Result<(), VerifyError> {
    with_raw_fields(body, |fields| {
        let received = fields
            .iter()
            .find(|(k, _)| k == SIGN_FIELD)
            .map(|(_, v)| v.as_ref());
        let received = received_sign(received)?;
        digest_matches(&fields_digest(fields, secret), &received)
    })
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
    with_pairs(params, |pairs| {
        // Sorted once: a repeated key sits next to itself, and the base string needs the order.
        pairs.sort_by(by_key);
        if let Some(w) = pairs.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(VerifyError::malformed(w[0].0, "appears more than once"));
        }
        let received = pairs
            .iter()
            .find(|(k, _)| *k == SIGN_FIELD)
            .map(|(_, v)| *v);
        let received = received_sign(received)?;
        digest_matches(&digest_sorted(str_fields(pairs), secret), &received)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md5_hex(base: &str) -> String {
        use md5::Digest;
        Md5::digest(base.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// More fields than the stack list holds (it spills to the heap): the base string is the
    /// documented rule written out by hand, fields in byte order of their names, `sign`,
    /// empty values, null, object and array left out, strings unescaped.
    #[test]
    fn a_body_with_many_fields_signs_by_the_rule() {
        let mut body =
            String::from(r#"{"z\u0031":"a\"b","sign":"x","empty":"","n":null,"o":{},"a":[1]"#);
        let mut base = Vec::new();
        for i in (0..40).rev() {
            body.push_str(&format!(r#","f{i:02}":{i}.50"#));
            base.push(format!("f{i:02}={i}.50"));
        }
        body.push('}');
        base.sort();
        base.push(r#"z1=a"b"#.to_owned());
        let want = md5_hex(&format!("{}&key=s", base.join("&")));
        let secret = Secret::from("s");
        assert_eq!(sign_json_body(body.as_bytes(), &secret), Ok(want.clone()));
        let signed = body.replacen(r#""sign":"x""#, &format!(r#""sign":"{want}""#), 1);
        assert_eq!(verify_json_body(signed.as_bytes(), &secret), Ok(()));
    }

    /// `sign_json_with` against `sign_json` over the map it stands for (a copy of the object
    /// with each field of `set` inserted as a string, in order), on a table of objects with
    /// every JSON type (numbers as serde_json renders them), empty values, `sign` present,
    /// names sorting around and equal to those set, non-ASCII names; `set` in name order (the
    /// merge), out of it and with a repeated name (the gathering and sorting). Two rows are
    /// also checked against the documented rule written out by hand (MD5 from the md-5
    /// crate's `Digest`, not the signer's streaming sink).
    #[test]
    fn sign_json_with_signs_the_object_with_set_inserted() {
        use serde_json::json;
        let secret = Secret::from("the-api-secret");
        let objects = [
            json!({}),
            json!({"amount": 2500, "memo": "", "extra": {"x": 1}, "list": [1], "n": null, "e": 1e300}),
            json!({
                "a": 1.5, "sign": "stale", "signa": true, "timestamp": 7, "timestamp_": -3,
                "uid": "old", "uid0": u64::MAX, "z": "中文", "é": 0.25, "": "e",
            }),
            json!({"uid": {"not": "scalar"}, "timestamp": null, "b": false}),
        ];
        let sets: [&[(&str, &str)]; 7] = [
            &[],
            &[("timestamp", "1782347899"), ("uid", "ABCDE")],
            &[("uid", "ABCDE"), ("timestamp", "1782347899")],
            &[("a", "x"), ("uid", "u"), ("uid", "v")],
            &[("sign", "not signed"), ("zz", "")],
            &[("", "empty name"), ("é", "2")],
            &[("timestamp", "-9223372036854775808"), ("uid", "a\"b")],
        ];
        for object in &objects {
            let object = object.as_object().unwrap();
            for set in sets {
                let mut full = object.clone();
                for (k, v) in set {
                    full.insert((*k).to_owned(), Value::String((*v).to_owned()));
                }
                assert_eq!(
                    sign_json_with(object, set, &secret).as_str(),
                    sign_json(&full, &secret),
                    "{object:?} with {set:?}"
                );
            }
        }
        let empty = Map::new();
        assert_eq!(
            sign_json_with(&empty, sets[1], &secret).as_str(),
            md5_hex("timestamp=1782347899&uid=ABCDE&key=the-api-secret")
        );
        let object = objects[2].as_object().unwrap();
        assert_eq!(
            sign_json_with(object, sets[2], &secret).as_str(),
            md5_hex(
                "=e&a=1.5&signa=true&timestamp=1782347899&timestamp_=-3&uid=ABCDE\
                 &uid0=18446744073709551615&z=中文&é=0.25&key=the-api-secret"
            )
        );
    }

    /// A repeated name is refused before any value is read (so before the bad string of
    /// field `b`), and it is the first repeated name in byte order that is named.
    #[test]
    fn a_repeated_name_is_refused_first() {
        let secret = Secret::from("s");
        let body = br#"{"b":"\ud800","y":1,"x":1,"y":2,"x":2}"#;
        assert_eq!(
            verify_json_body(body, &secret),
            Err(VerifyError::malformed("x", "appears more than once"))
        );
        // Without the repeats, the lone surrogate (valid JSON text, no valid string) of the
        // first such field in the body is the error.
        let body = br#"{"c":"\udc00","b":"\ud800"}"#;
        assert_eq!(
            sign_json_body(body, &secret),
            Err(VerifyError::malformed("c", "invalid JSON string"))
        );
    }
}
