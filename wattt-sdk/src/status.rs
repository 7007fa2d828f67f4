//! Order status as Wattt reports it.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Status of a collection or payout.
///
/// ```
/// use wattt_sdk::OrderStatus;
/// assert_eq!(OrderStatus::from_wire("PAID"), OrderStatus::Success);
/// assert_eq!(OrderStatus::from_wire("on_hold").to_string(), "on_hold"); // kept as sent
/// ```
///
/// The spec leaves the values open; the SDK recognises the common words (case-insensitive) and
/// keeps anything else, numbers included, in [`OrderStatus::Other`] instead of failing.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OrderStatus {
    /// Created, waiting for the payer / for processing (`pending`, `waiting`, `created`, `unpaid`).
    Pending,
    /// Being processed (`processing`, `in_progress`).
    Processing,
    /// Paid / paid out (`success`, `succeeded`, `paid`, `completed`, `done`).
    Success,
    /// Failed or rejected (`failed`, `fail`, `failure`, `rejected`, `error`).
    Failed,
    /// Cancelled or expired (`cancelled`, `canceled`, `expired`, `closed`).
    Cancelled,
    /// Reversed after success (`reversed`, `refunded`) — payouts sent to `reverse_url`.
    Reversed,
    /// Any other value, as sent.
    Other(String),
}

impl OrderStatus {
    /// Interpret a wire value.
    pub fn from_wire(s: &str) -> Self {
        Self::known(s).unwrap_or_else(|| OrderStatus::Other(s.to_string()))
    }

    /// A listed word (trimmed, ASCII case ignored), matched in a stack copy lowercased: no
    /// allocation for the values Wattt sends.
    fn known(s: &str) -> Option<Self> {
        let word = s.trim().as_bytes();
        // The longest listed word is `in_progress`; anything longer is no listed word.
        let mut buf = [0u8; 11];
        let lower = buf.get_mut(..word.len())?;
        for (to, from) in lower.iter_mut().zip(word) {
            *to = from.to_ascii_lowercase();
        }
        Some(match &*lower {
            b"pending" | b"waiting" | b"created" | b"unpaid" => OrderStatus::Pending,
            b"processing" | b"in_progress" => OrderStatus::Processing,
            b"success" | b"succeeded" | b"paid" | b"completed" | b"done" => OrderStatus::Success,
            b"failed" | b"fail" | b"failure" | b"rejected" | b"error" => OrderStatus::Failed,
            b"cancelled" | b"canceled" | b"expired" | b"closed" => OrderStatus::Cancelled,
            b"reversed" | b"refunded" => OrderStatus::Reversed,
            _ => return None,
        })
    }

    /// The wire word for this status (`Other` gives its original text).
    pub fn as_str(&self) -> &str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Processing => "processing",
            OrderStatus::Success => "success",
            OrderStatus::Failed => "failed",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Reversed => "reversed",
            OrderStatus::Other(s) => s,
        }
    }

    /// `true` once the status can no longer change in the normal flow.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            OrderStatus::Success
                | OrderStatus::Failed
                | OrderStatus::Cancelled
                | OrderStatus::Reversed
        )
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for OrderStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Any JSON value: a string through [`OrderStatus::from_wire`] (an unknown owned string kept
/// without a copy), anything else kept as its JSON text, written as `serde_json::Value` writes
/// it. Only an array or object (never a status Wattt sends) goes through a `Value`.
impl<'de> Deserialize<'de> for OrderStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Status;
        impl<'de> Visitor<'de> for Status {
            type Value = OrderStatus;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an order status")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<OrderStatus, E> {
                Ok(OrderStatus::from_wire(s))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<OrderStatus, E> {
                Ok(OrderStatus::known(&s).unwrap_or(OrderStatus::Other(s)))
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<OrderStatus, E> {
                Ok(OrderStatus::Other(b.to_string()))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<OrderStatus, E> {
                Ok(OrderStatus::Other(n.to_string()))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<OrderStatus, E> {
                Ok(OrderStatus::Other(n.to_string()))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<OrderStatus, E> {
                // `Value` holds a non-finite float (no JSON text has one) as `null`.
                Ok(OrderStatus::Other(match serde_json::Number::from_f64(n) {
                    Some(n) => n.to_string(),
                    None => "null".to_owned(),
                }))
            }
            fn visit_unit<E: de::Error>(self) -> Result<OrderStatus, E> {
                Ok(OrderStatus::Other("null".to_owned()))
            }
            fn visit_none<E: de::Error>(self) -> Result<OrderStatus, E> {
                self.visit_unit()
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<OrderStatus, D::Error> {
                d.deserialize_any(self)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<OrderStatus, A::Error> {
                let v = serde_json::Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
                Ok(OrderStatus::Other(v.to_string()))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<OrderStatus, A::Error> {
                let v = serde_json::Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(OrderStatus::Other(v.to_string()))
            }
        }
        d.deserialize_any(Status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_values_are_kept() {
        let s: OrderStatus = serde_json::from_str("\"SUCCESS\"").unwrap();
        assert_eq!(s, OrderStatus::Success);
        let s: OrderStatus = serde_json::from_str("\"on_hold\"").unwrap();
        assert_eq!(s, OrderStatus::Other("on_hold".into()));
        let s: OrderStatus = serde_json::from_str("3").unwrap();
        assert_eq!(s, OrderStatus::Other("3".into()));
        assert!(OrderStatus::Failed.is_final());
        assert!(!OrderStatus::Pending.is_final());
    }
}
