//! `CreditDetail/QueryTrade/V2`: one credit card authorisation's close/refund state, the call
//! a merchant makes before `DoAction` (docs `?p=2894` / English `?p=16589`; Node SDK
//! `QueryTradeV2`, PHP `ECPay_QueryTrade`). ECPay answers JSON without a `CheckMacValue`
//! (`{"RtnMsg": "", "RtnValue": {...}}`); on stage the call cannot be used (ECPay has no real
//! authorisations there), so the crate's sandbox test for it is ignored with that reason.

use serde::Serialize;
use serde_json::Value;

use crate::aio::wire::{self, Host, Repeat};
use crate::aio::Aio;
use crate::error::{Error, ErrorCode, Result};

/// Path of `CreditDetail/QueryTrade/V2` (payment host).
pub const CREDIT_TRADE_PATH: &str = "/CreditDetail/QueryTrade/V2";

/// `QueryTrade/V2` parameters (every one required, docs `?p=2894`).
///
/// ```
/// use ecpay_sdk::aio::CreditTradeRequest;
/// let req = CreditTradeRequest { credit_refund_id: 11111111, credit_amount: 299, credit_check_code: 59997889 };
/// assert!(req.fields("3002607").is_ok());
/// assert!(CreditTradeRequest { credit_amount: 0, ..req }.fields("3002607").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CreditTradeRequest {
    /// `CreditRefundId`: the authorisation number (`gwsr` of the payment result).
    pub credit_refund_id: u64,
    /// `CreditAmount` in TWD.
    pub credit_amount: u64,
    /// `CreditCheckCode`: the merchant check code shown in ECPay's back office.
    pub credit_check_code: u64,
}

impl CreditTradeRequest {
    /// The unsigned fields after checking ECPay's rules.
    pub fn fields(&self, merchant_id: &str) -> Result<Vec<(String, String)>> {
        if self.credit_refund_id == 0 {
            return Err(Error::validation(
                "CreditRefundId",
                "must be the positive gwsr of the authorisation",
            ));
        }
        if self.credit_amount == 0 || self.credit_amount > i32::MAX as u64 {
            return Err(Error::validation(
                "CreditAmount",
                "must be a positive integer TWD amount",
            ));
        }
        if self.credit_check_code == 0 {
            return Err(Error::validation(
                "CreditCheckCode",
                "must be the positive check code from ECPay's back office",
            ));
        }
        Ok(vec![
            ("MerchantID".into(), merchant_id.to_owned()),
            ("CreditRefundId".into(), self.credit_refund_id.to_string()),
            ("CreditAmount".into(), self.credit_amount.to_string()),
            ("CreditCheckCode".into(), self.credit_check_code.to_string()),
        ])
    }
}

/// One close/refund record of a credit trade (`close_data` entry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CloseRecord {
    /// `status`, as ECPay words it (要關帳, 已關帳, 已取消, 操作取消).
    pub status: String,
    /// `amount` in TWD (ECPay sends a refund as its own record).
    pub amount: i64,
    /// `sno`: the record's serial number.
    pub sno: String,
    /// `datetime`.
    pub datetime: String,
}

/// A `QueryTrade/V2` answer: authorisation and close/refund state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreditTrade {
    /// `TradeID`: the authorisation number.
    pub trade_id: String,
    /// `amount`: the authorised amount in TWD.
    pub amount: i64,
    /// `clsamt`: the amount closed so far, in TWD.
    pub closed_amount: i64,
    /// `authtime`
    pub auth_time: String,
    /// `status` as ECPay words it (已授權, 已關帳, 已取消, 未授權, 操作取消 …).
    pub status: String,
    /// `close_data`
    pub close_data: Vec<CloseRecord>,
}

impl CreditTrade {
    /// Decodes ECPay's JSON answer. A non-empty `RtnMsg` (`error_Stop`, `error_nopay`, `error`)
    /// is [`Error::Api`] with that message as its code.
    ///
    /// ```
    /// let body = r#"{"RtnMsg":"","RtnValue":{"TradeID":"11111111","amount":"299","clsamt":"299",
    ///   "authtime":"2026/01/01 10:00:00","status":"已關帳",
    ///   "close_data":[{"status":"已關帳","amount":"299","sno":"1","datetime":"2026/01/02 20:15:00"}]}}"#;
    /// let t = ecpay_sdk::aio::CreditTrade::decode(200, body.as_bytes())?;
    /// assert_eq!((t.amount, t.closed_amount, t.close_data.len()), (299, 299, 1));
    /// # Ok::<(), ecpay_sdk::Error>(())
    /// ```
    pub fn decode(status: u16, body: &[u8]) -> Result<Self> {
        let text = String::from_utf8_lossy(body);
        let t = &*text;
        let v: Value = serde_json::from_slice(body)
            .map_err(|e| Error::decode(format!("QueryTrade/V2 answer is not JSON: {e}"), t))?;
        let msg = wire::json_text(&v, "RtnMsg");
        if !msg.is_empty() {
            return Err(Error::Api {
                status,
                code: ErrorCode::Other(msg.clone()),
                message: crate::error::snippet(&msg),
            });
        }
        let rv = match v.get("RtnValue") {
            Some(o @ Value::Object(_)) => o,
            _ => {
                return Err(Error::decode(
                    "QueryTrade/V2 answer has no `RtnValue` object",
                    t,
                ))
            }
        };
        let close_data = match rv.get("close_data") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(s)) if s.is_empty() => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|c| {
                    Ok(CloseRecord {
                        status: wire::json_text(c, "status"),
                        amount: wire::json_int(c, "amount", t)?,
                        sno: wire::json_text(c, "sno"),
                        datetime: wire::json_text(c, "datetime"),
                    })
                })
                .collect::<Result<Vec<_>>>()?,
            Some(_) => return Err(Error::decode("`close_data` is not a list", t)),
        };
        Ok(Self {
            trade_id: wire::json_text(rv, "TradeID"),
            amount: wire::json_int(rv, "amount", t)?,
            closed_amount: wire::json_int_opt(rv, "clsamt", t)?.unwrap_or(0),
            auth_time: wire::json_text(rv, "authtime"),
            status: wire::json_text(rv, "status"),
            close_data,
        })
    }
}

impl Aio<'_> {
    /// `CreditDetail/QueryTrade/V2`: one credit authorisation's state, before a `DoAction`.
    /// Retried like every query. Production only (ECPay's stage host cannot answer it).
    pub async fn query_credit_trade(&self, req: &CreditTradeRequest) -> Result<CreditTrade> {
        let creds = self.client.require_credentials()?.clone();
        req.fields(creds.merchant_id())?;
        let reference = req.credit_refund_id.to_string();
        let answer = wire::post(
            self.client,
            Host::Payment,
            CREDIT_TRADE_PATH,
            "QueryTrade/V2",
            &reference,
            Repeat::Safe,
            || req.fields(creds.merchant_id()).unwrap_or_default(),
        )
        .await?;
        CreditTrade::decode(answer.status, &answer.body)
    }
}
