//! ECPay AIO (全方位金流): checkout form, callbacks, queries and credit card actions.
//!
//! Reference: ECPay's published AIO documentation (developers.ecpay.com.tw, 全方位金流 API
//! 技術文件) and ECPay's official SDKs (`ECPay/ECPayAIO_PHP`, `ECPay/SDK_PHP`); each module
//! names the pages it follows.

pub mod callback;
pub mod checkout;
pub mod query;

pub use callback::{PaymentCode, PaymentInfo, PaymentResult, PaymentTypeCode, ACK};
pub use checkout::{
    AllOptions, AtmOptions, BarcodeOptions, CheckoutRequest, CreditMode, CreditOptions, CvsOptions,
    Language, Payment, PaymentMethod, PeriodType, PeriodicPlan, SignedCheckout, UnionPay,
};
pub use query::{CreditAction, DoActionRequest, DoActionResult, TradeInfo, TradeStatus};

use sign_core::ecpay::{self, HashAlgorithm};

use crate::client::{Client, Idempotency, RawResponse};
use crate::error::{snippet, Error, ErrorCode, Result};

/// Parses the body of a QueryTradeInfo / QueryPaymentInfo answer the way ECPay's own PHP SDK
/// does: `&`-separated `key=value` pairs whose values are sent raw (a space is a space and
/// `+` is a plus sign), with `%xx` sequences decoded.
pub fn parse_raw_pairs(body: &str) -> Vec<(String, String)> {
    body.trim()
        .split('&')
        .filter(|s| !s.is_empty())
        .map(|seg| {
            let (k, v) = seg.split_once('=').unwrap_or((seg, ""));
            let dec = |s: &str| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (dec(k), dec(v))
        })
        .collect()
}

/// The AIO handler, borrowed from a [`Client`] by [`Client::aio`].
#[derive(Debug, Clone, Copy)]
pub struct Aio<'a> {
    client: &'a Client,
}

impl Client {
    /// AIO calls.
    pub fn aio(&self) -> Aio<'_> {
        Aio { client: self }
    }
}

impl Aio<'_> {
    /// The full `/Cashier/AioCheckOut/V5` URL the form posts to.
    pub fn checkout_url(&self) -> String {
        self.client.aio_url(checkout::CHECKOUT_PATH)
    }

    /// Checks the request against ECPay's rules and signs it.
    ///
    /// ```
    /// use ecpay_sdk::{Client, Credentials, Environment, aio::CheckoutRequest};
    /// let client = Client::builder().environment(Environment::Stage).credentials(Credentials::stage()).build()?;
    /// let req = CheckoutRequest::new("T1", "2026/01/01 00:00:00", 100, "desc", "item", "https://shop.example/return");
    /// let form = client.aio().checkout(&req)?;
    /// assert_eq!(form.action, "https://payment-stage.ecpay.com.tw/Cashier/AioCheckOut/V5");
    /// # Ok::<(), ecpay_sdk::Error>(())
    /// ```
    pub fn checkout(&self, req: &checkout::CheckoutRequest) -> Result<SignedCheckout> {
        let creds = self.client.require_credentials()?;
        req.sign(creds, self.checkout_url())
    }

    /// Verifies a `ReturnURL` POST body; answer ECPay with [`ACK`].
    pub fn verify_payment_result(&self, body: &[u8]) -> Result<PaymentResult> {
        callback::verify_payment_result(body, self.client.require_credentials()?)
    }

    /// Verifies an `OrderResultURL` POST body.
    pub fn verify_order_result(&self, body: &[u8]) -> Result<PaymentResult> {
        callback::verify_order_result(body, self.client.require_credentials()?)
    }

    /// Verifies a `PaymentInfoURL` POST body; answer ECPay with [`ACK`].
    pub fn verify_payment_info(&self, body: &[u8]) -> Result<PaymentInfo> {
        callback::verify_payment_info(body, self.client.require_credentials()?)
    }

    fn signed_form(&self, mut fields: Vec<(String, String)>) -> Result<Vec<(String, String)>> {
        let creds = self.client.require_credentials()?;
        let mac = ecpay::check_mac_value(
            fields.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            creds.hash_key(),
            creds.hash_iv(),
            HashAlgorithm::Sha256,
        );
        fields.push((ecpay::CHECK_MAC_VALUE.into(), mac));
        Ok(fields)
    }

    async fn post_signed(
        &self,
        operation: &str,
        path: &str,
        idem: Idempotency,
        fields: impl Fn() -> Vec<(String, String)>,
    ) -> Result<RawResponse> {
        let url = self.client.aio_url(path);
        self.client
            .send(operation, idem, || {
                let form = self.signed_form(fields())?;
                Ok(self.client.http().post(&url).form(&form))
            })
            .await
    }

    /// `QueryTradeInfo/V5`: the trade's state, with the answer's CheckMacValue verified.
    /// Retried on transport errors and 5xx (re-signed with a fresh `TimeStamp`).
    pub async fn query_trade_info(&self, merchant_trade_no: &str) -> Result<TradeInfo> {
        let creds = self.client.require_credentials()?.clone();
        check_trade_no(merchant_trade_no)?;
        let resp = self
            .post_signed(
                "QueryTradeInfo",
                query::QUERY_TRADE_INFO_PATH,
                Idempotency::Safe,
                || {
                    vec![
                        ("MerchantID".into(), creds.merchant_id().to_owned()),
                        ("MerchantTradeNo".into(), merchant_trade_no.to_owned()),
                        (
                            "TimeStamp".into(),
                            chrono::Utc::now().timestamp().to_string(),
                        ),
                    ]
                },
            )
            .await?;
        let pairs = signed_answer(&resp)?;
        callback::verify_pairs(&pairs, &creds, "QueryTradeInfo response")?;
        TradeInfo::decode(pairs)
    }

    /// `QueryPaymentInfo`: the ATM account / CVS code / barcodes issued for a trade.
    pub async fn query_payment_info(&self, merchant_trade_no: &str) -> Result<PaymentInfo> {
        let creds = self.client.require_credentials()?.clone();
        check_trade_no(merchant_trade_no)?;
        let resp = self
            .post_signed(
                "QueryPaymentInfo",
                query::QUERY_PAYMENT_INFO_PATH,
                Idempotency::Safe,
                || {
                    vec![
                        ("MerchantID".into(), creds.merchant_id().to_owned()),
                        ("MerchantTradeNo".into(), merchant_trade_no.to_owned()),
                        (
                            "TimeStamp".into(),
                            chrono::Utc::now().timestamp().to_string(),
                        ),
                    ]
                },
            )
            .await?;
        let pairs = signed_answer(&resp)?;
        callback::verify_pairs(&pairs, &creds, "QueryPaymentInfo response")?;
        callback::decode_payment_info(pairs, "QueryPaymentInfo response")
    }

    /// `CreditDetail/DoAction`: close, refund, cancel or abandon a credit card trade.
    ///
    /// Never retried. If the connection fails after the request may have been sent, the
    /// error is [`Error::OutcomeUnknown`]: query the trade before trying again.
    pub async fn do_action(&self, req: &DoActionRequest) -> Result<DoActionResult> {
        let creds = self.client.require_credentials()?.clone();
        check_trade_no(&req.merchant_trade_no)?;
        if req.trade_no.is_empty() || req.trade_no.len() > 20 {
            return Err(Error::validation("TradeNo", "1 to 20 characters"));
        }
        if req.total_amount == 0 {
            return Err(Error::validation(
                "TotalAmount",
                "must be a positive integer",
            ));
        }
        let operation = format!("DoAction {}", req.action.as_str());
        let resp = self
            .post_signed(
                &operation,
                query::DO_ACTION_PATH,
                Idempotency::MovesMoney,
                || {
                    let mut f = vec![
                        ("MerchantID".into(), creds.merchant_id().to_owned()),
                        ("MerchantTradeNo".into(), req.merchant_trade_no.clone()),
                        ("TradeNo".into(), req.trade_no.clone()),
                        ("Action".into(), req.action.as_str().to_owned()),
                        ("TotalAmount".into(), req.total_amount.to_string()),
                    ];
                    if let Some(p) = &req.platform_id {
                        f.push(("PlatformID".into(), p.clone()));
                    }
                    f
                },
            )
            .await?;
        if resp.status != 200 {
            return Err(Error::Api {
                status: resp.status,
                code: ErrorCode::Other(format!("HTTP {}", resp.status)),
                message: snippet(&resp.body),
            });
        }
        let pairs = callback::parse_form(resp.body.trim().as_bytes());
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let rtn_code = match get("RtnCode").and_then(|v| v.trim().parse::<i64>().ok()) {
            Some(c) => c,
            None => {
                return Err(Error::decode(
                    resp.status,
                    "DoAction answer has no integer RtnCode",
                    &resp.body,
                ))
            }
        };
        let rtn_msg = get("RtnMsg").unwrap_or_default();
        if rtn_code != 1 {
            return Err(Error::Api {
                status: resp.status,
                code: ErrorCode::Rtn(rtn_code),
                message: snippet(&rtn_msg),
            });
        }
        Ok(DoActionResult {
            merchant_id: get("MerchantID").unwrap_or_default(),
            merchant_trade_no: get("MerchantTradeNo").unwrap_or_default(),
            trade_no: get("TradeNo").unwrap_or_default(),
            rtn_code,
            rtn_msg,
        })
    }
}

fn check_trade_no(v: &str) -> Result<()> {
    if v.is_empty() || v.len() > 20 || !v.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::validation(
            "MerchantTradeNo",
            "1 to 20 letters and digits",
        ));
    }
    Ok(())
}

/// Turns a query answer into pairs, or an API error when ECPay answered without a signature.
fn signed_answer(resp: &RawResponse) -> Result<Vec<(String, String)>> {
    if resp.status != 200 {
        return Err(Error::Api {
            status: resp.status,
            code: ErrorCode::Other(format!("HTTP {}", resp.status)),
            message: snippet(&resp.body),
        });
    }
    let pairs = parse_raw_pairs(&resp.body);
    if pairs.iter().any(|(k, _)| k == ecpay::CHECK_MAC_VALUE) {
        return Ok(pairs);
    }
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let code = get("RtnCode")
        .or_else(|| get("TradeStatus"))
        .and_then(|c| c.trim().parse::<i64>().ok())
        .map(ErrorCode::Rtn)
        .unwrap_or_else(|| ErrorCode::Other("unsigned answer".into()));
    Err(Error::Api {
        status: resp.status,
        code,
        message: snippet(get("RtnMsg").unwrap_or(&resp.body)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_pairs_keep_plus_and_space() {
        let p = parse_raw_pairs("A=1+2&B=2025/01/01 12:00:00&C=%E7%B6%A0&D=");
        assert_eq!(p[0].1, "1+2");
        assert_eq!(p[1].1, "2025/01/01 12:00:00");
        assert_eq!(p[2].1, "綠");
        assert_eq!(p[3].1, "");
    }
}
