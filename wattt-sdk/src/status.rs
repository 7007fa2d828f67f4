//! Order status as Wattt reports it.

use std::fmt;

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
        match s.trim().to_ascii_lowercase().as_str() {
            "pending" | "waiting" | "created" | "unpaid" => OrderStatus::Pending,
            "processing" | "in_progress" => OrderStatus::Processing,
            "success" | "succeeded" | "paid" | "completed" | "done" => OrderStatus::Success,
            "failed" | "fail" | "failure" | "rejected" | "error" => OrderStatus::Failed,
            "cancelled" | "canceled" | "expired" | "closed" => OrderStatus::Cancelled,
            "reversed" | "refunded" => OrderStatus::Reversed,
            _ => OrderStatus::Other(s.to_string()),
        }
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

impl<'de> Deserialize<'de> for OrderStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        Ok(match v {
            serde_json::Value::String(s) => OrderStatus::from_wire(&s),
            other => OrderStatus::Other(other.to_string()),
        })
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
