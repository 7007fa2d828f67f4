//! Decimal money on a JSON-number wire.

use std::str::FromStr;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::de::{self, Deserializer, Visitor};
use serde_json::{Number, Value};

use crate::error::{Error, Result};

/// An amount in New Taiwan dollars, for people: `NT$2,500`, `NT$3,000.50` (thousands
/// separated, cents shown only when there are any).
///
/// ```
/// use wattt_sdk::{Decimal, Twd};
/// assert_eq!(Twd(Decimal::new(2500, 0)).to_string(), "NT$2,500");
/// assert_eq!(Twd(Decimal::new(300050, 2)).to_string(), "NT$3,000.50");
/// assert_eq!(Twd(Decimal::new(125, 1)).to_string(), "NT$12.50");
/// assert_eq!(Twd(Decimal::new(1234567, 0)).to_string(), "NT$1,234,567");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Twd(pub Decimal);

impl std::fmt::Display for Twd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = self.0;
        let sign = if d.is_sign_negative() && !d.is_zero() {
            "-"
        } else {
            ""
        };
        let abs = d.abs();
        let whole = abs.trunc();
        let cents = abs - whole;
        let digits = whole.to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        if cents.is_zero() {
            write!(f, "{sign}NT${grouped}")
        } else {
            let cents = cents.round_dp(2).to_string();
            let cents = cents.trim_start_matches('0');
            let cents = format!("{cents:0<3}");
            write!(f, "{sign}NT${grouped}{cents}")
        }
    }
}

/// Turn a positive amount into the JSON number that is sent (and signed).
///
/// Whole amounts go out as integers (`2500`); others as the shortest float that reads back as
/// the same decimal (`12.5`). An amount that would not survive the trip through a JSON number
/// exactly is refused (the SDK signs what it sends). A non-positive amount is refused: it is no
/// collection or payout (the spec's own examples are positive; it states no other limit).
pub(crate) fn amount_to_json(field: &'static str, amount: Decimal) -> Result<Value> {
    if amount <= Decimal::ZERO {
        return Err(Error::validation(field, "must be greater than 0"));
    }
    let n = amount.normalize();
    if n.scale() == 0 {
        if let Some(i) = n.to_u64() {
            if i <= (1u64 << 53) {
                return Ok(Value::Number(Number::from(i)));
            }
        }
        return Err(Error::validation(field, "is too large"));
    }
    let f = n
        .to_f64()
        .ok_or_else(|| Error::validation(field, "is not representable as a JSON number"))?;
    let back = Decimal::from_str(&f.to_string()).ok();
    match (back, Number::from_f64(f)) {
        (Some(b), Some(num)) if b == n => Ok(Value::Number(num)),
        _ => Err(Error::validation(
            field,
            "is not exactly representable as a JSON number",
        )),
    }
}

/// Parse a decimal from a JSON number or a numeric string.
pub(crate) fn decimal_from_value(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => Decimal::from_str(&n.to_string())
            .ok()
            .or_else(|| Decimal::from_scientific(&n.to_string()).ok()),
        Value::String(s) => {
            let s = s.trim();
            Decimal::from_str(s)
                .ok()
                .or_else(|| Decimal::from_scientific(s).ok())
        }
        _ => None,
    }
}

struct OptDecimal;

impl<'de> Visitor<'de> for OptDecimal {
    type Value = Option<Decimal>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a decimal number, a numeric string or null")
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(OptDecimal)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(Decimal::from(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(Decimal::from(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        // `to_string` gives the shortest form that reads back as `v`, i.e. what was on the wire.
        let s = v.to_string();
        Decimal::from_str(&s)
            .or_else(|_| Decimal::from_scientific(&s))
            .map(Some)
            .map_err(|_| E::custom(format!("number {s} does not fit a decimal")))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let t = v.trim();
        if t.is_empty() {
            return Ok(None);
        }
        Decimal::from_str(t)
            .or_else(|_| Decimal::from_scientific(t))
            .map(Some)
            .map_err(|_| E::custom("string is not a decimal number"))
    }
}

/// `#[serde(deserialize_with)]` for `Option<Decimal>` fields: number, numeric string, `""` or null.
pub(crate) fn de_opt_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    d.deserialize_any(OptDecimal)
}

/// Serialize an `Option<Decimal>` as a JSON number (for `Serialize` on response models).
pub(crate) fn ser_opt_decimal<S: serde::Serializer>(
    v: &Option<Decimal>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match v {
        None => s.serialize_none(),
        Some(d) => {
            let n = d.normalize();
            if n.scale() == 0 {
                if let Some(i) = n.to_i64() {
                    return s.serialize_i64(i);
                }
            }
            match n.to_f64() {
                Some(f) => s.serialize_f64(f),
                None => s.serialize_str(&n.to_string()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_render_as_sent() {
        assert_eq!(
            amount_to_json("amount", Decimal::new(2500, 0)).unwrap(),
            serde_json::json!(2500)
        );
        assert_eq!(
            amount_to_json("amount", Decimal::new(250000, 2)).unwrap(),
            serde_json::json!(2500)
        );
        let v = amount_to_json("amount", Decimal::new(125, 1)).unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), "12.5");
        let v = amount_to_json("amount", Decimal::new(1999, 2)).unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), "19.99");
    }

    #[test]
    fn bad_amounts_are_refused() {
        // Finding (issue 13): limits the spec does not state are dropped; a third decimal place
        // is no longer refused (it reaches the wire exactly), so only non-positive amounts are.
        assert!(amount_to_json("amount", Decimal::new(1001, 3)).is_ok());
        for d in [Decimal::ZERO, Decimal::new(-1, 0)] {
            match amount_to_json("amount", d) {
                Err(Error::Validation { field, .. }) => assert_eq!(field, "amount"),
                other => panic!("{d}: {other:?}"),
            }
        }
    }

    #[test]
    fn lenient_decimal_parsing() {
        #[derive(serde::Deserialize)]
        struct T {
            #[serde(default, deserialize_with = "de_opt_decimal")]
            a: Option<Decimal>,
        }
        let p = |s: &str| serde_json::from_str::<T>(s).unwrap().a;
        assert_eq!(p(r#"{"a": 12.5}"#), Some(Decimal::new(125, 1)));
        assert_eq!(p(r#"{"a": "0.10"}"#), Some(Decimal::new(10, 2)));
        assert_eq!(p(r#"{"a": 3000}"#), Some(Decimal::new(3000, 0)));
        assert_eq!(p(r#"{"a": null}"#), None);
        assert_eq!(p(r#"{"a": ""}"#), None);
        assert_eq!(p(r#"{}"#), None);
        assert!(serde_json::from_str::<T>(r#"{"a": "abc"}"#).is_err());
    }
}
