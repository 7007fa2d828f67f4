//! Exact JSON numbers for money.
//!
//! `serde_json` (without `arbitrary_precision`, which this workspace does not
//! enable) reads numbers as `f64`. Money fields are therefore read from the raw
//! JSON text (via [`serde_json::value::RawValue`]) and parsed straight into a
//! [`Decimal`], and written back as a JSON number with the decimal's exact text
//! (`100.00`), never through `f64`.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{de::Error as _, Deserialize, Deserializer, Serializer};
use serde_json::value::RawValue;

/// Parses a JSON number or numeric string (raw JSON text) into a decimal.
pub(crate) fn parse_decimal_text(raw: &str) -> Result<Decimal, String> {
    let raw = raw.trim();
    let text: std::borrow::Cow<'_, str> = if raw.starts_with('"') {
        let s: String = serde_json::from_str(raw).map_err(|e| e.to_string())?;
        s.into()
    } else {
        raw.into()
    };
    let text = text.trim();
    if text.contains(['e', 'E']) {
        Decimal::from_scientific(text).map_err(|e| format!("{text:?} is not a decimal: {e}"))
    } else {
        Decimal::from_str_exact(text).map_err(|e| format!("{text:?} is not a decimal: {e}"))
    }
}

/// Serialize a decimal as a JSON number with its exact text.
pub(crate) fn serialize<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    let raw = RawValue::from_string(value.to_string()).map_err(serde::ser::Error::custom)?;
    serde::Serialize::serialize(&raw, s)
}

/// Deserialize a decimal from a JSON number (exact text) or numeric string.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let raw = Box::<RawValue>::deserialize(d)?;
    parse_decimal_text(raw.get()).map_err(D::Error::custom)
}

/// `Option<Decimal>` twin of this module (null or absent is `None`).
pub(crate) mod option {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(
        value: &Option<Decimal>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => super::serialize(v, s),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Decimal>, D::Error> {
        let raw = Option::<Box<RawValue>>::deserialize(d)?;
        match raw {
            None => Ok(None),
            Some(r) if r.get().trim() == "null" => Ok(None),
            Some(r) => parse_decimal_text(r.get())
                .map(Some)
                .map_err(D::Error::custom),
        }
    }
}

/// Parses a user-typed amount (`"100"`, `"12.50"`) into a decimal.
///
/// ```
/// let a = octopus_sdk::parse_amount("12.50").unwrap();
/// assert_eq!(a.to_string(), "12.50");
/// ```
pub fn parse_amount(text: &str) -> crate::Result<Decimal> {
    Decimal::from_str(text.trim()).map_err(|e| {
        crate::Error::validation("amount", format!("{text:?} is not a decimal number: {e}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize)]
    struct M {
        #[serde(with = "super")]
        a: Decimal,
        #[serde(default, with = "super::option")]
        b: Option<Decimal>,
    }

    #[test]
    fn reads_exact_text_and_writes_numbers() {
        let m: M = serde_json::from_str(r#"{"a": 0.10, "b": null}"#).unwrap();
        assert_eq!(m.a.to_string(), "0.10");
        assert_eq!(m.b, None);
        let m: M = serde_json::from_str(r#"{"a": "19.99", "b": 1e2}"#).unwrap();
        assert_eq!(m.a.to_string(), "19.99");
        assert_eq!(m.b, Some(Decimal::new(100, 0)));
        let m: M = serde_json::from_str(r#"{"a": 123456789012345678.99}"#).unwrap();
        assert_eq!(m.a.to_string(), "123456789012345678.99");
        assert_eq!(
            serde_json::to_string(&M {
                a: Decimal::new(10000, 2),
                b: None
            })
            .unwrap(),
            r#"{"a":100.00,"b":null}"#
        );
        assert!(serde_json::from_str::<M>(r#"{"a": "abc"}"#).is_err());
        assert!(serde_json::from_str::<M>(r#"{"a": true}"#).is_err());
    }
}
