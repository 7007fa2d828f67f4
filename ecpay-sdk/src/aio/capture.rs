//! `Cashier/Capture`: a platform merchant's capture of a held trade (Node SDK
//! `ECpayPayment.xml` `Capture`, PHP `ECPay_AioCapture`; ECPay's platform-merchant
//! "請款/撥款" page). `CaptureAMT` is paid to the sub-merchant, `UserRefundAMT` returned to the
//! payer. ECPay answers raw `k=v&…` pairs; a `CheckMacValue`, when present, is verified.

use serde::Serialize;

use crate::aio::wire;
use crate::aio::{parse_raw_pairs, Aio};
use crate::error::{Error, Result};

/// Path of `Cashier/Capture` (payment host).
pub const CAPTURE_PATH: &str = "/Cashier/Capture";
const OPERATION: &str = "Capture";

/// `Capture` parameters.
///
/// ```
/// use ecpay_sdk::aio::CaptureRequest;
/// let mut req = CaptureRequest::new("ORD20260101001", 900, 100);
/// req.remark = Some("partial".into());
/// assert!(req.fields("3002607").is_ok());
/// assert!(CaptureRequest::new("ORD20260101001", 0, 0).fields("3002607").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaptureRequest {
    /// `MerchantTradeNo`
    pub merchant_trade_no: String,
    /// `CaptureAMT`: TWD paid to the merchant (0 or more).
    pub capture_amount: u64,
    /// `UserRefundAMT`: TWD returned to the payer (0 or more).
    pub user_refund_amount: u64,
    /// `PlatformID`: the platform's MerchantID when capturing for a sub-merchant.
    pub platform_id: Option<String>,
    /// `Remark`: String(30).
    pub remark: Option<String>,
}

impl CaptureRequest {
    /// A capture of `capture_amount`, returning `user_refund_amount` to the payer.
    pub fn new(
        merchant_trade_no: impl Into<String>,
        capture_amount: u64,
        user_refund_amount: u64,
    ) -> Self {
        Self {
            merchant_trade_no: merchant_trade_no.into(),
            capture_amount,
            user_refund_amount,
            platform_id: None,
            remark: None,
        }
    }

    /// The unsigned fields after checking the rules of the official SDKs.
    pub fn fields(&self, merchant_id: &str) -> Result<Vec<(String, String)>> {
        wire::check_trade_no(&self.merchant_trade_no)?;
        if self.capture_amount == 0 && self.user_refund_amount == 0 {
            return Err(Error::validation(
                "CaptureAMT",
                "CaptureAMT and UserRefundAMT are both 0: nothing to capture",
            ));
        }
        for (name, v) in [
            ("CaptureAMT", self.capture_amount),
            ("UserRefundAMT", self.user_refund_amount),
        ] {
            if v > i32::MAX as u64 {
                return Err(Error::validation(name, "must fit ECPay's Int"));
            }
        }
        let platform = wire::check_platform_id(self.platform_id.as_deref())?.to_owned();
        let mut f = vec![
            ("MerchantID".into(), merchant_id.to_owned()),
            ("MerchantTradeNo".into(), self.merchant_trade_no.clone()),
            ("CaptureAMT".into(), self.capture_amount.to_string()),
            ("UserRefundAMT".into(), self.user_refund_amount.to_string()),
            ("PlatformID".into(), platform),
        ];
        if let Some(r) = &self.remark {
            if r.chars().count() > 30 || r.chars().any(char::is_control) {
                return Err(Error::validation(
                    "Remark",
                    "at most 30 characters, no control characters",
                ));
            }
            f.push(("Remark".into(), r.clone()));
        }
        Ok(f)
    }
}

/// A successful `Capture` answer (`RtnCode=1`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaptureResult {
    /// `MerchantID`
    pub merchant_id: String,
    /// `MerchantTradeNo`
    pub merchant_trade_no: String,
    /// `TradeNo`
    pub trade_no: String,
    /// `RtnCode` (1).
    pub rtn_code: i64,
    /// `RtnMsg`
    pub rtn_msg: String,
    /// `AllocationDate`: when the captured amount is paid out.
    pub allocation_date: String,
}

impl CaptureResult {
    /// Decodes ECPay's raw answer; `RtnCode` other than 1 is [`Error::Api`].
    ///
    /// ```
    /// let r = ecpay_sdk::aio::CaptureResult::decode(200, b"MerchantID=3002607&MerchantTradeNo=ORD1&TradeNo=2601011000000001&RtnCode=1&RtnMsg=OK&AllocationDate=2026/01/05")?;
    /// assert_eq!(r.allocation_date, "2026/01/05");
    /// # Ok::<(), ecpay_sdk::Error>(())
    /// ```
    pub fn decode(status: u16, body: &[u8]) -> Result<Self> {
        let text = String::from_utf8_lossy(body);
        let pairs = parse_raw_pairs(&text);
        let code = wire::rtn_code(&pairs, &text, "Capture")?;
        let msg = wire::field(&pairs, "RtnMsg").unwrap_or_default().to_owned();
        if code != 1 {
            return Err(wire::api_error(status, code, &msg));
        }
        let get = |k: &str| wire::field(&pairs, k).unwrap_or_default().to_owned();
        Ok(Self {
            merchant_id: get("MerchantID"),
            merchant_trade_no: get("MerchantTradeNo"),
            trade_no: get("TradeNo"),
            rtn_code: code,
            rtn_msg: msg,
            allocation_date: get("AllocationDate"),
        })
    }
}

impl Aio<'_> {
    /// `Cashier/Capture`: moves money, so it is sent once and never retried; an unclear
    /// outcome is [`Error::OutcomeUnknown`]: look the trade up before repeating it.
    pub async fn capture(&self, req: &CaptureRequest) -> Result<CaptureResult> {
        wire::post_once(
            self.client,
            CAPTURE_PATH,
            OPERATION,
            &req.merchant_trade_no,
            |merchant_id| req.fields(merchant_id),
            CaptureResult::decode,
        )
        .await
    }
}
