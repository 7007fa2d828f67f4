//! Balance and bank list (tag "Query").

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::Client;
use crate::de::Fields;
use crate::error::Result;
use crate::money::ser_opt_decimal;
use crate::operation::ops;

/// The merchant's balance (`POST /balance`; typed fields plus `extra`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(try_from = "Map<String, Value>")]
#[non_exhaustive]
pub struct Balance {
    /// Total balance.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_opt_decimal"
    )]
    pub balance: Option<Decimal>,
    /// Available for payouts.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_opt_decimal"
    )]
    pub available: Option<Decimal>,
    /// Frozen / pending settlement.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_opt_decimal"
    )]
    pub frozen: Option<Decimal>,
    /// Currency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One bank of the bank list.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(try_from = "Map<String, Value>")]
#[non_exhaustive]
pub struct Bank {
    /// Bank code (read from `code` or `bank_code`), e.g. `008`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Bank name (read from `name` or `bank_name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl TryFrom<Map<String, Value>> for Balance {
    type Error = String;
    fn try_from(m: Map<String, Value>) -> std::result::Result<Self, String> {
        let mut f = Fields(m);
        Ok(Balance {
            balance: f.decimal("balance", &[])?,
            available: f.decimal("available", &["available_balance"])?,
            frozen: f.decimal("frozen", &["frozen_balance"])?,
            currency: f.string("currency", &[]),
            extra: f.rest(),
        })
    }
}

impl TryFrom<Map<String, Value>> for Bank {
    type Error = String;
    fn try_from(m: Map<String, Value>) -> std::result::Result<Self, String> {
        let mut f = Fields(m);
        Ok(Bank {
            code: f.string("code", &["bank_code"]),
            name: f.string("name", &["bank_name"]),
            extra: f.rest(),
        })
    }
}

impl Bank {
    /// A bank with this code and name.
    pub fn new(code: impl Into<String>, name: impl Into<String>) -> Self {
        Bank {
            code: Some(code.into()),
            name: Some(name.into()),
            extra: Map::new(),
        }
    }
}

/// Answer of `GET /banks`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BankList {
    /// The banks (from `data.banks`, or `data` itself when it is a list).
    #[serde(default)]
    pub banks: Vec<Bank>,
    /// Every other field of `data`.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Client {
    /// `POST /balance`: the merchant's balance. Retried on transient errors.
    pub async fn balance(&self) -> Result<Balance> {
        let op = ops::BALANCE;
        let mut env = self.send(&op, &Map::new(), "").await?;
        env.data_from_map(op.name)
    }

    /// `GET /banks?uid&timestamp&sign[&q]`: the bank list, optionally filtered by code or name.
    /// Retried on transient errors.
    pub async fn banks(&self, q: Option<&str>) -> Result<BankList> {
        let op = ops::BANKS;
        let mut fields = Map::new();
        if let Some(q) = q.filter(|q| !q.is_empty()) {
            fields.insert("q".into(), Value::String(q.to_string()));
        }
        let env = self.send(&op, &fields, "").await?;
        env.list_as(op.name, "banks")
    }
}
