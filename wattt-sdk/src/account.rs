//! Balance and bank list (tag "Query").

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::{ops, Client};
use crate::error::Result;
use crate::money::{de_opt_decimal, ser_opt_decimal};
use crate::payment_links::decode_err;
use crate::validate;

/// The merchant's balance (`POST /balance`; typed fields plus `extra`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Balance {
    /// Total balance.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de_opt_decimal",
        serialize_with = "ser_opt_decimal"
    )]
    pub balance: Option<Decimal>,
    /// Available for payouts.
    #[serde(
        default,
        alias = "available_balance",
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de_opt_decimal",
        serialize_with = "ser_opt_decimal"
    )]
    pub available: Option<Decimal>,
    /// Frozen / pending settlement.
    #[serde(
        default,
        alias = "frozen_balance",
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de_opt_decimal",
        serialize_with = "ser_opt_decimal"
    )]
    pub frozen: Option<Decimal>,
    /// Currency.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_string"
    )]
    pub currency: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One bank of the bank list.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Bank {
    /// Bank code (read from `code` or `bank_code`), e.g. `008`.
    #[serde(
        default,
        alias = "bank_code",
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_string"
    )]
    pub code: Option<String>,
    /// Bank name (read from `name` or `bank_name`).
    #[serde(
        default,
        alias = "bank_name",
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt_string"
    )]
    pub name: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
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
        let mut env = self.call(&op, &Map::new()).await?;
        env.data_as(op.name)
    }

    /// `GET /banks?uid&timestamp&sign[&q]`: the bank list, optionally filtered by code or name.
    /// Retried on transient errors.
    pub async fn banks(&self, q: Option<&str>) -> Result<BankList> {
        let op = ops::BANKS;
        let mut fields = Map::new();
        if let Some(q) = q.filter(|q| !q.is_empty()) {
            validate::optional("q", Some(q))?;
            fields.insert("q".into(), Value::String(q.to_string()));
        }
        let env = self.call(&op, &fields).await?;
        let data = crate::de::wrap_list(&env.data, "banks");
        serde_json::from_value(data).map_err(|e| decode_err(op.name, e, &env.body))
    }
}
