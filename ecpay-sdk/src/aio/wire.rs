//! What every ECPay-ops operation shares: its host, the signed form it posts, ECPay's field
//! rules used by more than one operation, and the shapes ECPay answers in (raw `k=v&…`, JSON,
//! CSV), read without panicking on any byte.

use serde_json::Value;
use sign_core::ecpay::{self, HashAlgorithm};

use crate::client::{Call, Client, Credentials, PRODUCTION_AIO_URL, STAGE_AIO_URL};
use crate::error::{Error, ErrorCode, Result, MERCHANT_TRADE_NO_RULE};

/// Stage host of the vendor back office (`TradeNoAio`, docs `?p=16599`).
pub const STAGE_VENDOR_URL: &str = "https://vendor-stage.ecpay.com.tw";
/// Production host of the vendor back office (`TradeNoAio`, docs `?p=16599`).
pub const PRODUCTION_VENDOR_URL: &str = "https://vendor.ecpay.com.tw";

/// Which ECPay host an operation lives on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Host {
    /// `payment(-stage).ecpay.com.tw`: the AIO host the client is configured with.
    Payment,
    /// `vendor(-stage).ecpay.com.tw`: derived from the AIO host (stage → stage, production →
    /// production); any other AIO base (a simulator) serves both.
    Vendor,
}

pub(crate) fn base_for(client: &Client, host: Host) -> String {
    let aio = client.base_url().trim_end_matches('/').to_owned();
    match host {
        Host::Payment => aio,
        Host::Vendor if aio == STAGE_AIO_URL => STAGE_VENDOR_URL.to_owned(),
        Host::Vendor if aio == PRODUCTION_AIO_URL => PRODUCTION_VENDOR_URL.to_owned(),
        Host::Vendor => aio,
    }
}

/// Appends `CheckMacValue` (SHA-256) to fields in send order.
pub(crate) fn sign(
    mut fields: Vec<(String, String)>,
    creds: &Credentials,
) -> Vec<(String, String)> {
    let mac = creds.mac(&fields);
    fields.push((ecpay::CHECK_MAC_VALUE.to_owned(), mac));
    fields
}

/// Verifies an answer's `CheckMacValue` when it carries one. ECPay signs some answers and not
/// others (each operation's docs say which); an answer that does carry one must verify.
pub(crate) fn verify_if_signed<K: AsRef<str>, V: AsRef<str>>(
    pairs: &[(K, V)],
    creds: &Credentials,
) -> Result<()> {
    if !pairs
        .iter()
        .any(|(k, _)| k.as_ref() == ecpay::CHECK_MAC_VALUE)
    {
        return Ok(());
    }
    ecpay::verify(
        pairs.iter().map(|(k, v)| (k.as_ref(), v.as_ref())),
        creds.hash_key(),
        creds.hash_iv(),
        HashAlgorithm::Sha256,
    )
    .map_err(Error::Signature)
}

/// ECPay's `MerchantTradeNo` rule (AioCheckOut V5 `?p=2864`: String(20), letters and digits
/// only), for every operation that takes one.
pub(crate) fn check_trade_no(v: &str) -> Result<()> {
    if v.is_empty() || v.len() > 20 || !v.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::validation("MerchantTradeNo", MERCHANT_TRADE_NO_RULE));
    }
    Ok(())
}

/// `PlatformID`: String(10), a platform merchant's own MerchantID (digits; docs `?p=2892`,
/// `?p=2900`; the Node SDK's pattern `^(\d{7,10}|)$`). `None` sends it empty, as the docs ask
/// of ordinary merchants.
pub(crate) fn check_platform_id(v: Option<&str>) -> Result<&str> {
    match v {
        None => Ok(""),
        Some(p) if (7..=10).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()) => Ok(p),
        Some(_) => Err(Error::validation(
            "PlatformID",
            "must be 7 to 10 digits (the platform's MerchantID)",
        )),
    }
}

/// A query date `yyyy-MM-dd` (docs `?p=16599`, `?p=16604`).
pub(crate) fn format_day(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Unix seconds for `TimeStamp` (ECPay accepts it within 3 minutes, docs `?p=2892`).
pub(crate) fn timestamp() -> String {
    chrono::Utc::now().timestamp().to_string()
}

/// One value of a raw `k=v&…` answer.
pub(crate) fn field<'a, K: AsRef<str>, V: AsRef<str>>(
    pairs: &'a [(K, V)],
    name: &str,
) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k.as_ref() == name)
        .map(|(_, v)| v.as_ref())
}

/// `RtnCode` of a raw answer as an integer, or a decode error naming the answer.
pub(crate) fn rtn_code<K: AsRef<str>, V: AsRef<str>>(
    pairs: &[(K, V)],
    body: &str,
    what: &str,
) -> Result<i64> {
    field(pairs, "RtnCode")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .ok_or_else(|| Error::decode(format!("{what} answer has no integer RtnCode"), body))
}

/// A non-success `RtnCode` as ECPay's typed API error.
pub(crate) fn api_error(status: u16, code: i64, message: &str) -> Error {
    Error::Api {
        status,
        code: ErrorCode::Rtn(code),
        message: crate::error::snippet(message),
    }
}

/// A JSON number ECPay may send as a number or as a string of digits.
pub(crate) fn json_int(v: &Value, name: &str, body: &str) -> Result<i64> {
    match v.get(name) {
        Some(Value::Number(n)) => n
            .as_i64()
            .ok_or_else(|| Error::decode(format!("`{name}` is not an integer"), body)),
        Some(Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map_err(|_| Error::decode(format!("`{name}` is not an integer"), body)),
        Some(_) => Err(Error::decode(format!("`{name}` is not an integer"), body)),
        None => Err(Error::decode(format!("`{name}` is missing"), body)),
    }
}

/// An optional JSON integer (absent or empty string: `None`).
pub(crate) fn json_int_opt(v: &Value, name: &str, body: &str) -> Result<Option<i64>> {
    match v.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(_) => json_int(v, name, body).map(Some),
    }
}

/// A JSON text ECPay may send as a string or a number (`gwsr`, `auth_code`).
pub(crate) fn json_text(v: &Value, name: &str) -> String {
    match v.get(name) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_id_rules() {
        let cases: &[(&str, Option<&str>, bool)] = &[
            ("absent is sent empty", None, true),
            ("seven digits", Some("3002599"), true),
            ("ten digits", Some("3002599000"), true),
            ("six digits", Some("300259"), false),
            ("letters", Some("30025AB"), false),
        ];
        for (name, v, ok) in cases {
            assert_eq!(check_platform_id(*v).is_ok(), *ok, "case {name}");
        }
    }

    #[test]
    fn json_numbers_as_numbers_or_strings() {
        let v: Value = serde_json::json!({"a": 5, "b": "7", "c": "x", "d": ""});
        assert_eq!(json_int(&v, "a", "").ok(), Some(5));
        assert_eq!(json_int(&v, "b", "").ok(), Some(7));
        assert!(json_int(&v, "c", "").is_err());
        assert_eq!(json_int_opt(&v, "d", "").ok(), Some(None));
        assert!(json_int(&v, "zz", "").is_err());
    }
}

/// Whether an operation may be repeated when its outcome is unclear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Repeat {
    /// A query or a file download: retried by the client's policy, re-signed every attempt.
    Safe,
    /// Changes something at ECPay (period action, capture, server order): sent once; an
    /// unclear outcome (no answer after sending, a 5xx) is `Error::OutcomeUnknown`.
    Never,
}

/// Raw answer of one operation.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    /// The body as UTF-8 (lossy: only used for messages and ASCII formats).
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Posts the signed form `fields()` (signed afresh for every attempt, so `TimeStamp` is fresh)
/// through the client's one send path. A 5xx or a lost answer of a [`Repeat::Never`] call is
/// `Error::OutcomeUnknown` there; here any other non-200 answer is ECPay's `Error::Api`.
pub(crate) async fn post(
    client: &Client,
    host: Host,
    path: &str,
    operation: &'static str,
    reference: &str,
    repeat: Repeat,
    fields: impl Fn() -> Vec<(String, String)>,
) -> Result<Answer> {
    post_with(
        client,
        host,
        path,
        operation,
        reference,
        repeat,
        fields,
        Vec::new(),
    )
    .await
}

/// A state-changing operation on the payment host, sent once ([`Repeat::Never`]): its
/// `fields(merchant_id)` are checked before anything is sent, a signed answer must verify, and
/// an answer that is not ECPay's (not HTTP 200: ECPay answers these calls with 200, so another
/// status came from something in front of it) or that `decode` cannot read is
/// `Error::OutcomeUnknown`: the call was sent, cannot be repeated, and such an answer says
/// nothing about whether it took effect.
pub(crate) async fn post_once<T>(
    client: &Client,
    path: &str,
    operation: &'static str,
    reference: &str,
    fields: impl Fn(&str) -> Result<Vec<(String, String)>>,
    decode: impl FnOnce(u16, &[u8]) -> Result<T>,
) -> Result<T> {
    let creds = client.require_credentials()?.clone();
    fields(creds.merchant_id())?;
    let unknown = |reason: String| Error::OutcomeUnknown {
        operation,
        reference: reference.to_owned(),
        reason,
    };
    let answer = post(
        client,
        Host::Payment,
        path,
        operation,
        reference,
        Repeat::Never,
        // Checked just above; the same request gives the same fields.
        || fields(creds.merchant_id()).unwrap_or_default(),
    )
    .await
    .map_err(|e| match e {
        Error::Api {
            code: ErrorCode::Http(status),
            ..
        } => unknown(format!("answered HTTP {status}")),
        other => other,
    })?;
    verify_if_signed(
        &crate::aio::borrowed_raw_pairs(&String::from_utf8_lossy(&answer.body)),
        &creds,
    )?;
    decode(answer.status, &answer.body).map_err(|e| match e {
        Error::Decode { reason, .. } => unknown(reason),
        other => other,
    })
}

/// [`post`] with `unsigned` fields appended after `CheckMacValue` (the Node SDK's
/// `CreateServerOrder` sends its encrypted `PaymentToken` so).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn post_with(
    client: &Client,
    host: Host,
    path: &str,
    operation: &'static str,
    reference: &str,
    repeat: Repeat,
    fields: impl Fn() -> Vec<(String, String)>,
    unsigned: Vec<(String, String)>,
) -> Result<Answer> {
    let creds = client.require_credentials()?;
    let url = format!("{}{}", base_for(client, host), path);
    let call = match repeat {
        Repeat::Safe => Call::query(operation, reference),
        Repeat::Never => Call::once(operation, reference),
    };
    let resp = client
        .send(call, || {
            let mut form = sign(fields(), creds);
            form.extend(unsigned.iter().cloned());
            Ok(client.http().post(&url).form(&form))
        })
        .await?;
    if resp.status != 200 {
        return Err(Error::Api {
            status: resp.status,
            code: ErrorCode::Http(resp.status),
            message: crate::error::snippet(&resp.body),
        });
    }
    Ok(Answer {
        status: resp.status,
        body: resp.raw.unwrap_or_else(|| resp.body.into_bytes()),
    })
}
