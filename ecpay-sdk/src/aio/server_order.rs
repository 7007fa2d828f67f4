//! `ApplePay/CreateServerOrder/V2`: an Apple Pay payment created from the merchant's server
//! with the payer's `PaymentToken`, as the official Node SDK has it (`ECpayPayment.xml`
//! `CreateServerOrder`, `query_client.js` `create_server_order`; ECPay's Apple Pay page for
//! platform merchants, whose `PlatformID` it requires, empty for ordinary merchants).
//!
//! The Node SDK signs every field except `PaymentToken`, then sends the token AES-128-CBC
//! encrypted with the merchant's HashKey (key) and HashIV (IV), PKCS#7, base64. (PHP's
//! `ECPay.Payment.Applepay.php` signs the token in clear before encrypting it; this crate
//! follows the Node SDK.) The JSON answer's `CheckMacValue`, when present, is verified over
//! its other fields, as PHP's `process_return` does.

use aes::cipher::{block_padding::Pkcs7, BlockEncryptMut, KeyIvInit};
use base64::Engine as _;
use serde::Serialize;
use serde_json::Value;

use crate::aio::trade_date::TradeDate;
use crate::aio::wire::{self, Host, Repeat};
use crate::aio::Aio;
use crate::client::Credentials;
use crate::error::{Error, Result};

/// Path of `ApplePay/CreateServerOrder/V2` (payment host).
pub const SERVER_ORDER_PATH: &str = "/ApplePay/CreateServerOrder/V2";
const OPERATION: &str = "CreateServerOrder";

/// `TradeType`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ServerTradeType {
    /// `1`: in an app.
    InApp,
    /// `2`: on the web.
    Web,
}

/// `CreateServerOrder` parameters.
///
/// ```
/// use ecpay_sdk::aio::{ServerOrderRequest, ServerTradeType};
/// let req = ServerOrderRequest::new("AP20260101001", "2026/01/01 12:00:00", 100, "Tea", "desc",
///     ServerTradeType::Web, r#"{"paymentData":{}}"#);
/// let f = req.signed_fields("3002607")?;
/// assert!(f.iter().all(|(k, _)| k != "PaymentToken"), "the token is not signed");
/// # Ok::<(), ecpay_sdk::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerOrderRequest {
    /// `MerchantTradeNo`
    pub merchant_trade_no: String,
    /// `MerchantTradeDate`
    pub merchant_trade_date: TradeDate,
    /// `TotalAmount` in TWD.
    pub total_amount: u64,
    /// `CurrencyCode` (`TWD`).
    pub currency_code: String,
    /// `ItemName`: String(200).
    pub item_name: String,
    /// `TradeDesc`: String(200).
    pub trade_desc: String,
    /// `TradeType`
    pub trade_type: ServerTradeType,
    /// `PlatformID`: the platform's MerchantID, sent empty when `None`.
    pub platform_id: Option<String>,
    /// `PaymentToken`: Apple Pay's payment token JSON, as the payer's device gave it.
    pub payment_token: String,
}

impl ServerOrderRequest {
    /// A TWD order.
    pub fn new(
        merchant_trade_no: impl Into<String>,
        merchant_trade_date: impl Into<TradeDate>,
        total_amount: u64,
        item_name: impl Into<String>,
        trade_desc: impl Into<String>,
        trade_type: ServerTradeType,
        payment_token: impl Into<String>,
    ) -> Self {
        Self {
            merchant_trade_no: merchant_trade_no.into(),
            merchant_trade_date: merchant_trade_date.into(),
            total_amount,
            currency_code: "TWD".into(),
            item_name: item_name.into(),
            trade_desc: trade_desc.into(),
            trade_type,
            platform_id: None,
            payment_token: payment_token.into(),
        }
    }

    /// The fields that are signed (every field but `PaymentToken`), after checking the Node
    /// SDK's rules.
    pub fn signed_fields(&self, merchant_id: &str) -> Result<Vec<(String, String)>> {
        let no = &self.merchant_trade_no;
        if no.len() < 4
            || no.len() > 20
            || !no.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(Error::validation(
                "MerchantTradeNo",
                "must be 4 to 20 letters, digits or `_`",
            ));
        }
        if self.merchant_trade_date.to_naive().is_none() {
            return Err(Error::validation(
                "MerchantTradeDate",
                "format yyyy/MM/dd HH:mm:ss",
            ));
        }
        if self.total_amount == 0 || self.total_amount > i32::MAX as u64 {
            return Err(Error::validation(
                "TotalAmount",
                "must be a positive integer",
            ));
        }
        let cc = &self.currency_code;
        if cc.len() < 2 || cc.len() > 20 || !cc.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Error::validation("CurrencyCode", "2 to 20 letters (TWD)"));
        }
        for (field, v) in [
            ("ItemName", &self.item_name),
            ("TradeDesc", &self.trade_desc),
        ] {
            if v.trim().is_empty() || v.chars().count() > 200 || v.chars().any(char::is_control) {
                return Err(Error::validation(
                    field,
                    "1 to 200 characters, no control characters",
                ));
            }
        }
        if self.payment_token.trim().is_empty() {
            return Err(Error::validation(
                "PaymentToken",
                "required (Apple Pay's payment token)",
            ));
        }
        let platform = wire::check_platform_id(self.platform_id.as_deref())?.to_owned();
        Ok(vec![
            ("MerchantID".into(), merchant_id.to_owned()),
            ("MerchantTradeNo".into(), no.clone()),
            (
                "MerchantTradeDate".into(),
                self.merchant_trade_date.as_str().to_owned(),
            ),
            ("TotalAmount".into(), self.total_amount.to_string()),
            ("CurrencyCode".into(), cc.clone()),
            ("ItemName".into(), self.item_name.clone()),
            ("PlatformID".into(), platform),
            ("TradeDesc".into(), self.trade_desc.clone()),
            (
                "TradeType".into(),
                match self.trade_type {
                    ServerTradeType::InApp => "1",
                    ServerTradeType::Web => "2",
                }
                .into(),
            ),
        ])
    }
}

/// The token as the Node SDK sends it: AES-128-CBC (key HashKey, IV HashIV), PKCS#7, base64.
///
/// ```
/// use ecpay_sdk::{aio::server_order::encrypt_token, Credentials};
/// // Expected: Node's crypto.createCipheriv('aes-128-cbc', HashKey, HashIV) on the same text.
/// assert_eq!(encrypt_token("abc", &Credentials::stage())?.len(), 24);
/// # Ok::<(), ecpay_sdk::Error>(())
/// ```
pub fn encrypt_token(token: &str, creds: &Credentials) -> Result<String> {
    let key = creds.hash_key().expose().as_bytes();
    let iv = creds.hash_iv().expose().as_bytes();
    let enc = cbc::Encryptor::<aes::Aes128>::new_from_slices(key, iv)
        .map_err(|_| Error::config("credentials", "AES-128 needs a 16-byte HashKey and HashIV"))?;
    let sealed = enc.encrypt_padded_vec_mut::<Pkcs7>(token.as_bytes());
    Ok(base64::engine::general_purpose::STANDARD.encode(sealed))
}

/// A successful `CreateServerOrder` answer (`RtnCode=1`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerOrder {
    /// `MerchantID`
    pub merchant_id: String,
    /// `MerchantTradeNo`
    pub merchant_trade_no: String,
    /// `TradeNo`
    pub trade_no: String,
    /// `TradeAmt` in TWD.
    pub trade_amt: i64,
    /// `RtnCode` (1).
    pub rtn_code: i64,
    /// `RtnMsg`
    pub rtn_msg: String,
    /// `PaymentDate`
    pub payment_date: String,
    /// Every other field as ECPay sent it.
    pub extra: std::collections::BTreeMap<String, String>,
}

/// A JSON answer (`CreateServerOrder`, `CreateTrade`) whose `CheckMacValue`, when present,
/// verified and whose `RtnCode` is 1; another `RtnCode` is ECPay's typed API error.
struct SignedJson<'a> {
    v: Value,
    text: std::borrow::Cow<'a, str>,
    /// Every field as text, as ECPay signed it.
    pairs: Vec<(String, String)>,
    code: i64,
    msg: String,
}

impl<'a> SignedJson<'a> {
    fn read(status: u16, body: &'a [u8], creds: &Credentials, what: &str) -> Result<Self> {
        let text = String::from_utf8_lossy(body);
        let v: Value = serde_json::from_slice(body)
            .map_err(|e| Error::decode(format!("{what} answer is not JSON: {e}"), &text))?;
        let Value::Object(map) = &v else {
            return Err(Error::decode(
                format!("{what} answer is not a JSON object"),
                &text,
            ));
        };
        let pairs: Vec<(String, String)> = map
            .keys()
            .map(|k| (k.clone(), wire::json_text(&v, k)))
            .collect();
        wire::verify_if_signed(&pairs, creds)?;
        let code = wire::json_int(&v, "RtnCode", &text)?;
        let msg = wire::json_text(&v, "RtnMsg");
        if code != 1 {
            return Err(wire::api_error(status, code, &msg));
        }
        Ok(Self {
            v,
            text,
            pairs,
            code,
            msg,
        })
    }
}

impl ServerOrder {
    /// Decodes the JSON answer and verifies its `CheckMacValue` when present.
    ///
    /// ```
    /// let body = br#"{"RtnCode":1,"RtnMsg":"OK","MerchantID":"3002607","MerchantTradeNo":"AP1","TradeNo":"2601011000000001","TradeAmt":100}"#;
    /// let o = ecpay_sdk::aio::ServerOrder::decode(200, body, &ecpay_sdk::Credentials::stage())?;
    /// assert_eq!(o.trade_amt, 100);
    /// # Ok::<(), ecpay_sdk::Error>(())
    /// ```
    pub fn decode(status: u16, body: &[u8], creds: &Credentials) -> Result<Self> {
        let SignedJson {
            v,
            text,
            pairs,
            code,
            msg,
        } = SignedJson::read(status, body, creds, "CreateServerOrder")?;
        let known = [
            "MerchantID",
            "MerchantTradeNo",
            "TradeNo",
            "TradeAmt",
            "RtnCode",
            "RtnMsg",
            "PaymentDate",
            "CheckMacValue",
        ];
        Ok(Self {
            merchant_id: wire::json_text(&v, "MerchantID"),
            merchant_trade_no: wire::json_text(&v, "MerchantTradeNo"),
            trade_no: wire::json_text(&v, "TradeNo"),
            trade_amt: wire::json_int_opt(&v, "TradeAmt", &text)?.unwrap_or(0),
            rtn_code: code,
            rtn_msg: msg,
            payment_date: wire::json_text(&v, "PaymentDate"),
            extra: pairs
                .into_iter()
                .filter(|(k, _)| !known.contains(&k.as_str()))
                .collect(),
        })
    }
}

impl Aio<'_> {
    /// `ApplePay/CreateServerOrder/V2`: charges an Apple Pay token. Sent once, never retried;
    /// an unclear outcome is [`Error::OutcomeUnknown`]: query the trade before repeating it.
    pub async fn create_server_order(&self, req: &ServerOrderRequest) -> Result<ServerOrder> {
        let creds = self.client.require_credentials()?.clone();
        req.signed_fields(creds.merchant_id())?;
        let token = encrypt_token(&req.payment_token, &creds)?;
        let answer = wire::post_with(
            self.client,
            Host::Payment,
            SERVER_ORDER_PATH,
            OPERATION,
            &req.merchant_trade_no,
            Repeat::Never,
            || req.signed_fields(creds.merchant_id()).unwrap_or_default(),
            vec![("PaymentToken".into(), token.clone())],
        )
        .await?;
        ServerOrder::decode(answer.status, &answer.body, &creds).map_err(|e| match e {
            // Sent and not repeatable: an unreadable answer says nothing about the charge.
            Error::Decode { reason, .. } => Error::OutcomeUnknown {
                operation: OPERATION,
                reference: req.merchant_trade_no.clone(),
                reason,
            },
            other => other,
        })
    }
}

/// Path of 站內付 `SP/CreateTrade` (payment host): the PHP SDK's `ECPay_CreateTrade`.
pub const CREATE_TRADE_PATH: &str = "/SP/CreateTrade";

/// A successful `SP/CreateTrade` answer: the `SPToken` the payment page embeds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreatedTrade {
    /// `MerchantID`
    pub merchant_id: String,
    /// `MerchantTradeNo`
    pub merchant_trade_no: String,
    /// `RtnCode` (1).
    pub rtn_code: i64,
    /// `RtnMsg`
    pub rtn_msg: String,
    /// `SPToken`
    pub sp_token: String,
}

impl CreatedTrade {
    /// Decodes the JSON answer; its `CheckMacValue` is verified when present, as PHP's
    /// `ECPay_CreateTrade` verifies it on success.
    ///
    /// ```
    /// let body = br#"{"RtnCode":"1","RtnMsg":"Success","MerchantID":"3002607","MerchantTradeNo":"SP1","SPToken":"ABC123"}"#;
    /// let t = ecpay_sdk::aio::CreatedTrade::decode(200, body, &ecpay_sdk::Credentials::stage())?;
    /// assert_eq!(t.sp_token, "ABC123");
    /// # Ok::<(), ecpay_sdk::Error>(())
    /// ```
    pub fn decode(status: u16, body: &[u8], creds: &Credentials) -> Result<Self> {
        let SignedJson {
            v, text, code, msg, ..
        } = SignedJson::read(status, body, creds, "CreateTrade")?;
        let token = wire::json_text(&v, "SPToken");
        if token.is_empty() {
            return Err(Error::decode("CreateTrade answer has no SPToken", &text));
        }
        Ok(Self {
            merchant_id: wire::json_text(&v, "MerchantID"),
            merchant_trade_no: wire::json_text(&v, "MerchantTradeNo"),
            rtn_code: code,
            rtn_msg: msg,
            sp_token: token,
        })
    }
}

impl Aio<'_> {
    /// 站內付 `SP/CreateTrade` (PHP SDK `ECPay_CreateTrade`): creates the order server-side
    /// from the same checkout parameters (checked by the same rules) and returns its
    /// `SPToken`. It creates an order, so it is sent once; an unclear outcome is
    /// [`Error::OutcomeUnknown`]: query the trade before repeating it.
    pub async fn create_trade(&self, req: &crate::aio::CheckoutRequest) -> Result<CreatedTrade> {
        const OP: &str = "CreateTrade";
        let creds = self.client.require_credentials()?.clone();
        req.to_fields(creds.merchant_id())?;
        let answer = wire::post(
            self.client,
            Host::Payment,
            CREATE_TRADE_PATH,
            OP,
            &req.merchant_trade_no,
            Repeat::Never,
            || req.to_fields(creds.merchant_id()).unwrap_or_default(),
        )
        .await?;
        CreatedTrade::decode(answer.status, &answer.body, &creds).map_err(|e| match e {
            Error::Decode { reason, .. } => Error::OutcomeUnknown {
                operation: OP,
                reference: req.merchant_trade_no.clone(),
                reason,
            },
            other => other,
        })
    }
}
