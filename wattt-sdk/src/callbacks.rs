//! Callback retry (回調重送).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::operation::ops;
use crate::validate;

/// Which kind of notification to resend (`type`).
///
/// ```
/// assert_eq!("payout".parse::<wattt_sdk::CallbackKind>()?.to_string(), "payout");
/// # Ok::<(), wattt_sdk::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CallbackKind {
    /// A collection's notification (needs `orderid`).
    Collection,
    /// A payout's notification (needs `serial_no`).
    Payout,
}

impl CallbackKind {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            CallbackKind::Collection => "collection",
            CallbackKind::Payout => "payout",
        }
    }
}

impl std::fmt::Display for CallbackKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for CallbackKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "collection" => Ok(CallbackKind::Collection),
            "payout" => Ok(CallbackKind::Payout),
            _ => Err(Error::validation(
                "type",
                "must be `collection` or `payout`",
            )),
        }
    }
}

/// Request of `POST /callbacks/retry` (spec `CallbackRetryRequest`).
///
/// ```
/// let sent = wattt_sdk::CallbackRetryRequest::payout("PO1").to_fields()?;
/// assert_eq!(serde_json::Value::Object(sent), serde_json::json!({"type": "payout", "serial_no": "PO1"}));
/// # Ok::<(), wattt_sdk::Error>(())
/// ```
///
/// `type` must match the reference: `collection` with `orderid`, `payout` with `serial_no`.
/// The constructors build matching pairs; a hand-built mismatch is refused before sending.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallbackRetryRequest {
    /// `type`.
    pub kind: CallbackKind,
    /// The collection's `orderid` (with `Collection`).
    pub orderid: Option<String>,
    /// The payout's `serial_no` (with `Payout`).
    pub serial_no: Option<String>,
}

impl CallbackRetryRequest {
    /// Resend a collection's notification.
    pub fn collection(orderid: impl Into<String>) -> Self {
        CallbackRetryRequest {
            kind: CallbackKind::Collection,
            orderid: Some(orderid.into()),
            serial_no: None,
        }
    }

    /// Resend a payout's notification.
    pub fn payout(serial_no: impl Into<String>) -> Self {
        CallbackRetryRequest {
            kind: CallbackKind::Payout,
            orderid: None,
            serial_no: Some(serial_no.into()),
        }
    }

    /// A request from parts (as a CLI gets them); checked when sent.
    pub fn from_parts(
        kind: CallbackKind,
        orderid: Option<String>,
        serial_no: Option<String>,
    ) -> Self {
        CallbackRetryRequest {
            kind,
            orderid,
            serial_no,
        }
    }

    /// Validate and give the JSON fields sent (before `uid`, `timestamp`, `sign`).
    pub fn to_fields(&self) -> Result<Map<String, Value>> {
        let mut m = Map::new();
        m.insert("type".into(), self.kind.as_str().into());
        match self.kind {
            CallbackKind::Collection => {
                if self.serial_no.is_some() {
                    return Err(Error::validation(
                        "serial_no",
                        "must not be set when type is `collection` (use orderid)",
                    ));
                }
                let id = self.orderid.as_deref().ok_or_else(|| {
                    Error::validation("orderid", "is required when type is `collection`")
                })?;
                validate::required("orderid", id)?;
                m.insert("orderid".into(), id.into());
            }
            CallbackKind::Payout => {
                if self.orderid.is_some() {
                    return Err(Error::validation(
                        "orderid",
                        "must not be set when type is `payout` (use serial_no)",
                    ));
                }
                let id = self.serial_no.as_deref().ok_or_else(|| {
                    Error::validation("serial_no", "is required when type is `payout`")
                })?;
                validate::required("serial_no", id)?;
                m.insert("serial_no".into(), id.into());
            }
        }
        Ok(m)
    }
}

/// Answer of a callback retry (the spec leaves `data` open).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CallbackRetryResult {
    /// The server's `message`.
    #[serde(default)]
    pub message: String,
    /// `data`, as sent.
    #[serde(default)]
    pub data: Map<String, Value>,
}

/// Handler for callback retries.
#[derive(Debug, Clone, Copy)]
pub struct Callbacks<'a> {
    client: &'a Client,
}

impl<'a> Callbacks<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Callbacks { client }
    }

    /// `POST /callbacks/retry`: ask Wattt to resend a notification. Not sent twice: an unclear
    /// outcome is [`Error::OutcomeUnknown`] (asking again later is harmless: a repeated
    /// notification is reported as [`Delivery::Repeat`](sign_core::replay::Delivery) by
    /// [`Verifier::verify_and_record`](crate::webhook::Verifier::verify_and_record)).
    pub async fn retry(&self, req: &CallbackRetryRequest) -> Result<CallbackRetryResult> {
        let op = ops::CALLBACK_RETRY;
        let fields = req.to_fields()?;
        let reference = req
            .orderid
            .as_deref()
            .or(req.serial_no.as_deref())
            .unwrap_or_default();
        let mut env = self.client.send(&op, &fields, reference).await?;
        let data = env.data_from_map::<Map<String, Value>>(op.name)?;
        Ok(CallbackRetryResult {
            message: env.message,
            data,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_must_match_reference() {
        assert!(CallbackRetryRequest::collection("C1").to_fields().is_ok());
        assert!(CallbackRetryRequest::payout("P1").to_fields().is_ok());
        let bad = [
            (
                CallbackRetryRequest::from_parts(CallbackKind::Collection, None, Some("P1".into())),
                "serial_no",
            ),
            (
                CallbackRetryRequest::from_parts(CallbackKind::Payout, Some("C1".into()), None),
                "orderid",
            ),
            (
                CallbackRetryRequest::from_parts(CallbackKind::Collection, None, None),
                "orderid",
            ),
            (
                CallbackRetryRequest::from_parts(CallbackKind::Payout, None, None),
                "serial_no",
            ),
            (CallbackRetryRequest::collection(""), "orderid"),
        ];
        for (req, field) in bad {
            match req.to_fields() {
                Err(Error::Validation { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{other:?}"),
            }
        }
    }
}
