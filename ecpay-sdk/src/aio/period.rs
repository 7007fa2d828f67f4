//! Credit card periodic plans (定期定額) after checkout: `QueryCreditCardPeriodInfo` (the plan
//! and every execution, docs `?p=2892` / English `?p=16584`) and `CreditCardPeriodAction`
//! (`ReAuth`, `Cancel`, docs `?p=2900` / English `?p=16618`). Parameters follow those pages and
//! the official SDKs (Node `ECpayPayment.xml` `QueryCreditCardPeriodInfo` and
//! `CreditCardPeriodAction`; PHP `ECPay_QueryPeriodCreditCardTradeInfo`).
//!
//! ECPay answers the query with JSON that carries no `CheckMacValue` (the PHP SDK reads it with
//! `json_decode` and checks nothing), and the action with raw `k=v&…` pairs: a
//! `CheckMacValue`, when present, is verified.

use serde::Serialize;
use serde_json::Value;

use crate::aio::checkout::PeriodType;
use crate::aio::wire::{self, Host, Repeat};
use crate::aio::{parse_raw_pairs, Aio};
use crate::error::{Error, Result};

/// Path of `QueryCreditCardPeriodInfo` (payment host).
pub const QUERY_PERIOD_INFO_PATH: &str = "/Cashier/QueryCreditCardPeriodInfo";
/// Path of `CreditCardPeriodAction` (payment host).
pub const PERIOD_ACTION_PATH: &str = "/Cashier/CreditCardPeriodAction";
const OPERATION: &str = "CreditCardPeriodAction";

/// `QueryCreditCardPeriodInfo` parameters.
///
/// ```
/// use ecpay_sdk::aio::PeriodInfoRequest;
/// let req = PeriodInfoRequest::new("SUB20260101001");
/// assert!(req.validate().is_ok());
/// assert!(PeriodInfoRequest::new("SUB-1").validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct PeriodInfoRequest {
    /// `MerchantTradeNo` of the checkout that created the plan.
    pub merchant_trade_no: String,
    /// `PlatformID`: only for a platform's sub-merchant (the platform's MerchantID).
    pub platform_id: Option<String>,
}

impl PeriodInfoRequest {
    /// The query for one plan.
    pub fn new(merchant_trade_no: impl Into<String>) -> Self {
        Self {
            merchant_trade_no: merchant_trade_no.into(),
            platform_id: None,
        }
    }

    /// Checks ECPay's rules without sending.
    pub fn validate(&self) -> Result<()> {
        self.fields("0000000").map(|_| ())
    }

    /// The unsigned fields (without `TimeStamp`' freshness concerns: one per call).
    pub fn fields(&self, merchant_id: &str) -> Result<Vec<(String, String)>> {
        wire::check_trade_no(&self.merchant_trade_no)?;
        let platform = wire::check_platform_id(self.platform_id.as_deref())?.to_owned();
        Ok(vec![
            ("MerchantID".into(), merchant_id.to_owned()),
            ("MerchantTradeNo".into(), self.merchant_trade_no.clone()),
            ("TimeStamp".into(), wire::timestamp()),
            ("PlatformID".into(), platform),
        ])
    }
}

impl From<&str> for PeriodInfoRequest {
    fn from(no: &str) -> Self {
        Self::new(no)
    }
}

/// `ExecStatus` of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
#[non_exhaustive]
pub enum ExecStatus {
    /// `0`: cancelled (by `CreditCardPeriodAction` Cancel, or after six failed charges).
    Cancelled,
    /// `1`: running.
    Running,
    /// `2`: every charge done.
    Finished,
    /// Any other value, kept.
    Other(String),
}

impl ExecStatus {
    fn from_wire(s: &str) -> Self {
        match s {
            "0" => Self::Cancelled,
            "1" => Self::Running,
            "2" => Self::Finished,
            o => Self::Other(o.to_owned()),
        }
    }
}

impl From<ExecStatus> for String {
    fn from(s: ExecStatus) -> String {
        s.to_string()
    }
}

impl std::fmt::Display for ExecStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Cancelled => "cancelled",
            Self::Running => "running",
            Self::Finished => "finished",
            Self::Other(o) => o,
        })
    }
}

/// One charge of a plan (an `ExecLog` entry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeriodExecution {
    /// `RtnCode`: 1 for a successful authorisation.
    pub rtn_code: i64,
    /// `amount` in TWD.
    pub amount: i64,
    /// `gwsr`: the authorisation number (use it as `CreditRefundId`).
    pub gwsr: String,
    /// `process_date` (`yyyy/MM/dd HH:mm:ss`).
    pub process_date: String,
    /// `auth_code`.
    pub auth_code: String,
    /// `TradeNo` of this charge.
    pub trade_no: String,
}

/// A verified-shape `QueryCreditCardPeriodInfo` answer: the plan and its execution log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeriodInfo {
    /// `MerchantID`
    pub merchant_id: String,
    /// `MerchantTradeNo`
    pub merchant_trade_no: String,
    /// `TradeNo` of the first authorisation.
    pub trade_no: String,
    /// `RtnCode` of the first authorisation (1: authorised).
    pub rtn_code: i64,
    /// `PeriodType`, when ECPay sent a known one.
    pub period_type: Option<PeriodType>,
    /// `Frequency`
    pub frequency: i64,
    /// `ExecTimes`: charges the plan was set up for.
    pub exec_times: i64,
    /// `PeriodAmount` in TWD.
    pub period_amount: i64,
    /// `amount`: the first authorisation's amount in TWD.
    pub first_auth_amount: i64,
    /// `gwsr` of the first authorisation.
    pub gwsr: String,
    /// `process_date` of the first authorisation.
    pub process_date: String,
    /// `auth_code` of the first authorisation.
    pub auth_code: String,
    /// `card4no`: last four digits.
    pub card4no: String,
    /// `card6no`: first six digits.
    pub card6no: String,
    /// `TotalSuccessTimes`
    pub total_success_times: i64,
    /// `TotalSuccessAmount` in TWD.
    pub total_success_amount: i64,
    /// `ExecStatus`
    pub exec_status: ExecStatus,
    /// `ExecLog`: every charge so far, first included.
    pub exec_log: Vec<PeriodExecution>,
}

impl PeriodInfo {
    /// Decodes ECPay's JSON answer. ECPay sends numbers as numbers or as strings (both are
    /// accepted); a missing or malformed field is a decode error naming it.
    ///
    /// ```
    /// let body = r#"{"MerchantID":"3002607","MerchantTradeNo":"SUB1","TradeNo":"2601011000000001","RtnCode":1,
    ///   "PeriodType":"M","Frequency":1,"ExecTimes":12,"PeriodAmount":299,"amount":299,"gwsr":11111111,
    ///   "process_date":"2026/01/01 10:00:00","auth_code":"777777","card4no":"2222","card6no":"431195",
    ///   "TotalSuccessTimes":1,"TotalSuccessAmount":299,"ExecStatus":"1",
    ///   "ExecLog":[{"RtnCode":1,"amount":299,"gwsr":11111111,"process_date":"2026/01/01 10:00:00","auth_code":"777777","TradeNo":"2601011000000001"}]}"#;
    /// let info = ecpay_sdk::aio::PeriodInfo::decode(body.as_bytes())?;
    /// assert_eq!(info.exec_status.to_string(), "running");
    /// assert_eq!(info.exec_log[0].amount, 299);
    /// # Ok::<(), ecpay_sdk::Error>(())
    /// ```
    pub fn decode(body: &[u8]) -> Result<Self> {
        let text = String::from_utf8_lossy(body);
        let v: Value = serde_json::from_slice(body).map_err(|e| {
            Error::decode(
                format!("QueryCreditCardPeriodInfo answer is not JSON: {e}"),
                &text,
            )
        })?;
        if !v.is_object() {
            return Err(Error::decode(
                "QueryCreditCardPeriodInfo answer is not a JSON object",
                &text,
            ));
        }
        let t = &*text;
        let log = match v.get("ExecLog") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|e| {
                    Ok(PeriodExecution {
                        rtn_code: wire::json_int(e, "RtnCode", t)?,
                        amount: wire::json_int(e, "amount", t)?,
                        gwsr: wire::json_text(e, "gwsr"),
                        process_date: wire::json_text(e, "process_date"),
                        auth_code: wire::json_text(e, "auth_code"),
                        trade_no: wire::json_text(e, "TradeNo"),
                    })
                })
                .collect::<Result<Vec<_>>>()?,
            Some(_) => return Err(Error::decode("`ExecLog` is not a list", t)),
        };
        Ok(Self {
            merchant_id: wire::json_text(&v, "MerchantID"),
            merchant_trade_no: wire::json_text(&v, "MerchantTradeNo"),
            trade_no: wire::json_text(&v, "TradeNo"),
            rtn_code: wire::json_int(&v, "RtnCode", t)?,
            period_type: PeriodType::parse(&wire::json_text(&v, "PeriodType")),
            frequency: wire::json_int_opt(&v, "Frequency", t)?.unwrap_or(0),
            exec_times: wire::json_int_opt(&v, "ExecTimes", t)?.unwrap_or(0),
            period_amount: wire::json_int_opt(&v, "PeriodAmount", t)?.unwrap_or(0),
            first_auth_amount: wire::json_int_opt(&v, "amount", t)?.unwrap_or(0),
            gwsr: wire::json_text(&v, "gwsr"),
            process_date: wire::json_text(&v, "process_date"),
            auth_code: wire::json_text(&v, "auth_code"),
            card4no: wire::json_text(&v, "card4no"),
            card6no: wire::json_text(&v, "card6no"),
            total_success_times: wire::json_int_opt(&v, "TotalSuccessTimes", t)?.unwrap_or(0),
            total_success_amount: wire::json_int_opt(&v, "TotalSuccessAmount", t)?.unwrap_or(0),
            exec_status: ExecStatus::from_wire(&wire::json_text(&v, "ExecStatus")),
            exec_log: log,
        })
    }
}

/// `Action` of `CreditCardPeriodAction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PeriodActionKind {
    /// `ReAuth`: retry the latest failed charge (not testable on stage, says ECPay).
    ReAuth,
    /// `Cancel`: stop every later charge; a cancelled plan cannot be restarted.
    Cancel,
}

impl PeriodActionKind {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReAuth => "ReAuth",
            Self::Cancel => "Cancel",
        }
    }

    /// Parses `reauth`/`ReAuth`/`cancel`/`Cancel` (case-insensitive).
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "reauth" => Some(Self::ReAuth),
            "cancel" => Some(Self::Cancel),
            _ => None,
        }
    }
}

impl std::fmt::Display for PeriodActionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `CreditCardPeriodAction` parameters.
///
/// ```
/// use ecpay_sdk::aio::{PeriodActionKind, PeriodActionRequest};
/// let req = PeriodActionRequest::new("SUB20260101001", PeriodActionKind::Cancel);
/// let f = req.fields("3002607")?;
/// assert!(f.iter().any(|(k, v)| k == "Action" && v == "Cancel"));
/// # Ok::<(), ecpay_sdk::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeriodActionRequest {
    /// `MerchantTradeNo` of the plan.
    pub merchant_trade_no: String,
    /// `Action`
    pub action: PeriodActionKind,
    /// `PlatformID`: only for a platform's sub-merchant.
    pub platform_id: Option<String>,
}

impl PeriodActionRequest {
    /// An action on one plan.
    pub fn new(merchant_trade_no: impl Into<String>, action: PeriodActionKind) -> Self {
        Self {
            merchant_trade_no: merchant_trade_no.into(),
            action,
            platform_id: None,
        }
    }

    /// The unsigned fields after checking ECPay's rules.
    pub fn fields(&self, merchant_id: &str) -> Result<Vec<(String, String)>> {
        wire::check_trade_no(&self.merchant_trade_no)?;
        let platform = wire::check_platform_id(self.platform_id.as_deref())?.to_owned();
        Ok(vec![
            ("MerchantID".into(), merchant_id.to_owned()),
            ("MerchantTradeNo".into(), self.merchant_trade_no.clone()),
            ("Action".into(), self.action.as_str().to_owned()),
            ("TimeStamp".into(), wire::timestamp()),
            ("PlatformID".into(), platform),
        ])
    }
}

/// A successful `CreditCardPeriodAction` answer (`RtnCode=1`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeriodActionResult {
    /// `MerchantID`
    pub merchant_id: String,
    /// `MerchantTradeNo`
    pub merchant_trade_no: String,
    /// `RtnCode` (1).
    pub rtn_code: i64,
    /// `RtnMsg`
    pub rtn_msg: String,
}

impl PeriodActionResult {
    /// Decodes ECPay's raw `k=v&…` answer; `RtnCode` other than 1 is [`Error::Api`].
    ///
    /// ```
    /// let r = ecpay_sdk::aio::PeriodActionResult::decode(200, b"MerchantID=3002607&MerchantTradeNo=SUB1&RtnCode=1&RtnMsg=OK")?;
    /// assert_eq!(r.rtn_code, 1);
    /// # Ok::<(), ecpay_sdk::Error>(())
    /// ```
    pub fn decode(status: u16, body: &[u8]) -> Result<Self> {
        let text = String::from_utf8_lossy(body);
        let pairs = parse_raw_pairs(&text);
        let code = wire::rtn_code(&pairs, &text, "CreditCardPeriodAction")?;
        let msg = wire::field(&pairs, "RtnMsg").unwrap_or_default().to_owned();
        if code != 1 {
            return Err(wire::api_error(status, code, &msg));
        }
        Ok(Self {
            merchant_id: wire::field(&pairs, "MerchantID")
                .unwrap_or_default()
                .to_owned(),
            merchant_trade_no: wire::field(&pairs, "MerchantTradeNo")
                .unwrap_or_default()
                .to_owned(),
            rtn_code: code,
            rtn_msg: msg,
        })
    }
}

impl Aio<'_> {
    /// `QueryCreditCardPeriodInfo`: a periodic plan's state and every execution so far.
    /// Retried (re-signed with a fresh `TimeStamp`) like every query.
    ///
    /// ```no_run
    /// // no_run: talks to ECPay's stage host.
    /// # async fn run() -> Result<(), ecpay_sdk::Error> {
    /// use ecpay_sdk::{Client, Credentials, Environment};
    /// let client = Client::builder().environment(Environment::Stage).credentials(Credentials::stage()).build()?;
    /// let info = client.aio().query_period_info("SUB20260101001").await?;
    /// println!("{} of {} charges, {}", info.total_success_times, info.exec_times, info.exec_status);
    /// # Ok(()) }
    /// ```
    pub async fn query_period_info(&self, req: impl Into<PeriodInfoRequest>) -> Result<PeriodInfo> {
        let req = req.into();
        let creds = self.client.require_credentials()?.clone();
        req.fields(creds.merchant_id())?;
        let answer = wire::post(
            self.client,
            Host::Payment,
            QUERY_PERIOD_INFO_PATH,
            "QueryCreditCardPeriodInfo",
            &req.merchant_trade_no,
            Repeat::Safe,
            || req.fields(creds.merchant_id()).unwrap_or_default(),
        )
        .await?;
        let info = PeriodInfo::decode(&answer.body)?;
        if info.merchant_trade_no.is_empty() && info.rtn_code != 1 {
            // ECPay answers an unknown plan with an empty record and its error code.
            return Err(wire::api_error(
                answer.status,
                info.rtn_code,
                &answer.text(),
            ));
        }
        if !info.merchant_id.is_empty() && info.merchant_id != creds.merchant_id() {
            return Err(Error::decode(
                "answer names another MerchantID",
                &answer.text(),
            ));
        }
        Ok(info)
    }

    /// `CreditCardPeriodAction`: `ReAuth` or `Cancel` a periodic plan.
    ///
    /// Sent once, never retried: when the request may have reached ECPay and no usable answer
    /// came (no answer, a 5xx), the error is [`Error::OutcomeUnknown`]; query the plan with
    /// [`Aio::query_period_info`] before repeating it.
    pub async fn period_action(&self, req: &PeriodActionRequest) -> Result<PeriodActionResult> {
        wire::post_once(
            self.client,
            PERIOD_ACTION_PATH,
            OPERATION,
            &req.merchant_trade_no,
            |merchant_id| req.fields(merchant_id),
            PeriodActionResult::decode,
        )
        .await
    }
}
