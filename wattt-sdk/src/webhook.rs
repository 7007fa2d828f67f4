//! Verifying the notifications Wattt posts to `notify_url` / `reverse_url`.
//!
//! [`verify`] takes the raw body (JSON or `application/x-www-form-urlencoded`; detected by its
//! first non-blank byte), already-parsed form parameters, or a JSON object, checks `sign` with
//! the default contract in constant time, and returns a typed [`Notification`]. It is a pure
//! function: call it from any web framework.
//!
//! ```
//! use wattt_sdk::{notify, Secret};
//! let secret = Secret::new("s3cret");
//! // A body as Wattt would send it (signed here with the default contract).
//! let mut fields = serde_json::Map::new();
//! fields.insert("orderid".into(), "COL1".into());
//! fields.insert("amount".into(), 2500.into());
//! fields.insert("status".into(), "success".into());
//! let sign = sign_core::wattt::sign_json(&fields, &secret);
//! fields.insert("sign".into(), sign.into());
//! let body = serde_json::to_vec(&fields)?;
//!
//! let n = notify::verify(&body[..], &secret)?;
//! assert_eq!(n.kind, notify::NotificationKind::Collection);
//! assert_eq!(n.orderid.as_deref(), Some("COL1"));
//! assert!(notify::verify(&body[..], &Secret::new("other")).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, HashMap, HashSet};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sign_core::{Secret, VerifyError};

use crate::error::{Error, Result};
use crate::money::{de_opt_decimal, ser_opt_decimal};
use crate::signer::Signer;
use crate::status::OrderStatus;

/// A notification payload in one of the accepted shapes.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Payload<'a> {
    /// The raw request body: JSON object or form-encoded (auto-detected).
    Raw(&'a [u8]),
    /// An already-parsed JSON object. Numbers are then signed as serde_json re-renders them
    /// (`12.50` becomes `12.5`); pass the raw body ([`Payload::Raw`]) to verify numbers exactly
    /// as Wattt wrote them.
    Json(&'a Map<String, Value>),
    /// Already-parsed form parameters.
    Params(Vec<(String, String)>),
}

impl<'a> From<&'a [u8]> for Payload<'a> {
    fn from(b: &'a [u8]) -> Self {
        Payload::Raw(b)
    }
}
impl<'a> From<&'a Vec<u8>> for Payload<'a> {
    fn from(b: &'a Vec<u8>) -> Self {
        Payload::Raw(b)
    }
}
impl<'a> From<&'a str> for Payload<'a> {
    fn from(b: &'a str) -> Self {
        Payload::Raw(b.as_bytes())
    }
}
impl<'a> From<&'a String> for Payload<'a> {
    fn from(b: &'a String) -> Self {
        Payload::Raw(b.as_bytes())
    }
}
impl<'a> From<&'a Map<String, Value>> for Payload<'a> {
    fn from(m: &'a Map<String, Value>) -> Self {
        Payload::Json(m)
    }
}
impl<'a> From<&'a [(String, String)]> for Payload<'a> {
    fn from(p: &'a [(String, String)]) -> Self {
        Payload::Params(p.to_vec())
    }
}
impl<'a> From<&'a HashMap<String, String>> for Payload<'a> {
    fn from(p: &'a HashMap<String, String>) -> Self {
        Payload::Params(p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    }
}
impl<'a> From<&'a BTreeMap<String, String>> for Payload<'a> {
    fn from(p: &'a BTreeMap<String, String>) -> Self {
        Payload::Params(p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    }
}

/// What a notification is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum NotificationKind {
    /// A collection (has `orderid`, or `type: collection`).
    Collection,
    /// A payout (has `serial_no`, or `type: payout`).
    Payout,
    /// Neither could be told.
    #[default]
    Unknown,
}

/// A verified notification. Fields a merchant needs are typed; every other field (except
/// `sign`) is in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Notification {
    /// Collection or payout (from `type`, else from which reference is present).
    #[serde(skip)]
    pub kind: NotificationKind,
    /// The collection's `orderid`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_string"
    )]
    pub orderid: Option<String>,
    /// The payout's `serial_no`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_string"
    )]
    pub serial_no: Option<String>,
    /// The merchant's order number.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_string"
    )]
    pub merchant_order_no: Option<String>,
    /// Amount.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de_opt_decimal",
        serialize_with = "ser_opt_decimal"
    )]
    pub amount: Option<Decimal>,
    /// Status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<OrderStatus>,
    /// Merchant `uid`, when sent.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_string"
    )]
    pub uid: Option<String>,
    /// Unix `timestamp`, when sent (check its age yourself if you need to).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_i64"
    )]
    pub timestamp: Option<i64>,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Verify with the default contract (sign-core's Wattt rule) and this API secret.
pub fn verify<'a>(payload: impl Into<Payload<'a>>, secret: &Secret) -> Result<Notification> {
    match payload.into() {
        Payload::Raw(body) => {
            if looks_like_json(body) {
                // Numbers are signed exactly as written in the body.
                sign_core::wattt::verify_json_body(body, secret)?;
                let map: Map<String, Value> = serde_json::from_slice(body)
                    .map_err(|e| Error::Notification(format!("body is not a JSON object: {e}")))?;
                typed(map)
            } else {
                let params = parse_form(body)?;
                sign_core::wattt::verify_params(
                    params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                    secret,
                )?;
                typed(params_to_map(params))
            }
        }
        Payload::Json(map) => {
            sign_core::wattt::verify_json(map, secret)?;
            typed(map.clone())
        }
        Payload::Params(params) => {
            reject_duplicates(&params)?;
            sign_core::wattt::verify_params(
                params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                secret,
            )?;
            typed(params_to_map(params))
        }
    }
}

/// Verify with a custom [`Signer`] (for merchants on another signing contract). The expected
/// `sign` is recomputed with the signer and compared in constant time.
pub fn verify_with<'a>(
    payload: impl Into<Payload<'a>>,
    signer: &dyn Signer,
) -> Result<Notification> {
    let (map, expected) = match payload.into() {
        Payload::Raw(body) if looks_like_json(body) => {
            let map: Map<String, Value> = serde_json::from_slice(body)
                .map_err(|e| Error::Notification(format!("body is not a JSON object: {e}")))?;
            let mut unsigned = map.clone();
            unsigned.remove(sign_core::wattt::SIGN_FIELD);
            let expected = signer.sign_json(&unsigned);
            (map, expected)
        }
        Payload::Raw(body) => form_expected(parse_form(body)?, signer),
        Payload::Params(params) => {
            reject_duplicates(&params)?;
            form_expected(params, signer)
        }
        Payload::Json(map) => {
            let mut unsigned = map.clone();
            unsigned.remove(sign_core::wattt::SIGN_FIELD);
            let expected = signer.sign_json(&unsigned);
            (map.clone(), expected)
        }
    };
    let given = match map.get(sign_core::wattt::SIGN_FIELD) {
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            return Err(Error::Signature(VerifyError::Malformed {
                field: "sign".into(),
                reason: "not a string".into(),
            }))
        }
        None => return Err(Error::Signature(VerifyError::MissingField("sign".into()))),
    };
    if !sign_core::constant_time_eq(
        given.to_ascii_lowercase().as_bytes(),
        expected.to_ascii_lowercase().as_bytes(),
    ) {
        return Err(Error::Signature(VerifyError::Mismatch));
    }
    typed(map)
}

fn form_expected(
    params: Vec<(String, String)>,
    signer: &dyn Signer,
) -> (Map<String, Value>, String) {
    let pairs: Vec<(&str, &str)> = params
        .iter()
        .filter(|(k, _)| k != sign_core::wattt::SIGN_FIELD)
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let expected = signer.sign_params(&pairs);
    (params_to_map(params), expected)
}

fn looks_like_json(body: &[u8]) -> bool {
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

fn parse_form(body: &[u8]) -> Result<Vec<(String, String)>> {
    let params: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|e| Error::Notification(format!("body is neither JSON nor form-encoded: {e}")))?;
    if params.is_empty() {
        return Err(Error::Notification("empty body".into()));
    }
    reject_duplicates(&params)?;
    Ok(params)
}

fn reject_duplicates(params: &[(String, String)]) -> Result<()> {
    let mut seen = HashSet::new();
    for (k, _) in params {
        if !seen.insert(k.as_str()) {
            return Err(Error::Notification(format!(
                "field `{k}` appears more than once"
            )));
        }
    }
    Ok(())
}

fn params_to_map(params: Vec<(String, String)>) -> Map<String, Value> {
    params
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect()
}

fn typed(mut map: Map<String, Value>) -> Result<Notification> {
    map.remove(sign_core::wattt::SIGN_FIELD);
    let declared = match map.get("type") {
        Some(Value::String(t)) => match t.to_ascii_lowercase().as_str() {
            "collection" => Some(NotificationKind::Collection),
            "payout" => Some(NotificationKind::Payout),
            _ => None,
        },
        _ => None,
    };
    let mut n: Notification = serde_json::from_value(Value::Object(map))
        .map_err(|e| Error::Notification(format!("unexpected field shape: {e}")))?;
    n.kind = declared.unwrap_or(if n.serial_no.is_some() {
        NotificationKind::Payout
    } else if n.orderid.is_some() {
        NotificationKind::Collection
    } else {
        NotificationKind::Unknown
    });
    Ok(n)
}
