//! Lenient deserializers for fields the spec leaves loosely typed.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// `bool`, `0`/`1`, `"true"`/`"false"`/`"0"`/`"1"`/`"yes"`/`"no"`, null → `Option<bool>`.
pub(crate) fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    Ok(match v {
        Some(Value::Bool(b)) => Some(b),
        Some(Value::Number(n)) => n.as_f64().map(|f| f != 0.0),
        Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "y" | "on" => Some(true),
            "false" | "0" | "no" | "n" | "off" => Some(false),
            _ => None,
        },
        _ => None,
    })
}

/// Integer or integral string/float → `Option<i64>`.
pub(crate) fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    Ok(match v {
        Some(Value::Number(n)) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        }),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

/// String, or a number/bool rendered as text → `Option<String>` (ids are sometimes numeric).
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    Ok(match v {
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        _ => None,
    })
}

/// A list of integers (floats with no fraction and numeric strings accepted).
pub(crate) fn i64_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
    let v = Option::<Vec<Value>>::deserialize(d)?.unwrap_or_default();
    v.into_iter()
        .map(|x| {
            let n = match &x {
                Value::Number(n) => n
                    .as_i64()
                    .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            };
            n.ok_or_else(|| serde::de::Error::custom(format!("{x} is not an integer amount")))
        })
        .collect()
}

/// Wrap a bare array in `data` as `{key: array}`, so list answers decode either way.
pub(crate) fn wrap_list(data: &Value, key: &str) -> Value {
    match data {
        Value::Array(_) => {
            let mut m = serde_json::Map::new();
            m.insert(key.to_string(), data.clone());
            Value::Object(m)
        }
        Value::Null => Value::Object(serde_json::Map::new()),
        other => other.clone(),
    }
}

/// A `data` object being read into a typed model: each typed field is taken out by its wire
/// name; a value sent under another name the gateway uses for the same thing is copied and
/// left in place, so that every value the gateway sent stays readable (in `extra`) even when
/// several names arrive at once. No serde `alias`: an alias makes two names one field and
/// fails (or keeps one value) when both are present.
pub(crate) struct Fields(pub(crate) serde_json::Map<String, Value>);

impl Fields {
    fn take(&mut self, name: &str, others: &[&str]) -> Option<Value> {
        match self.0.remove(name) {
            Some(Value::Null) | None => others
                .iter()
                .find_map(|o| self.0.get(*o).filter(|v| !v.is_null()).cloned()),
            Some(v) => Some(v),
        }
    }

    /// A string (numbers and booleans rendered as text), under `name` or the first of `others`.
    pub(crate) fn string(&mut self, name: &str, others: &[&str]) -> Option<String> {
        match self.take(name, others)? {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A decimal amount (number, numeric string; `""` reads as absent).
    pub(crate) fn decimal(
        &mut self,
        name: &str,
        others: &[&str],
    ) -> Result<Option<rust_decimal::Decimal>, String> {
        match self.take(name, others) {
            None => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(v) => crate::money::decimal_from_value(&v)
                .map(Some)
                .ok_or_else(|| format!("`{name}` is not a decimal number: {v}")),
        }
    }

    /// A status (any value kept, see [`crate::OrderStatus`]).
    pub(crate) fn status(&mut self, name: &str) -> Option<crate::OrderStatus> {
        match self.take(name, &[])? {
            Value::String(s) => Some(crate::OrderStatus::from_wire(&s)),
            other => Some(crate::OrderStatus::Other(other.to_string())),
        }
    }

    /// A boolean in any of the lenient forms of [`opt_bool`].
    pub(crate) fn boolean(&mut self, name: &str) -> Option<bool> {
        self.take(name, &[])
            .and_then(|v| opt_bool(v).ok().flatten())
    }

    /// Everything not taken.
    pub(crate) fn rest(self) -> serde_json::Map<String, Value> {
        self.0
    }
}
