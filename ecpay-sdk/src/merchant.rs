//! The merchant checkout API (`spec/ecpay-merchant-checkout.md`):
//! `POST /api/payment/ecpay/checkout` with a camelCase JSON request. Success returns the AIO
//! parameters (typed, with `CheckMacValue`), which the SDK verifies when HashKey/HashIV are
//! configured and can render as the auto-submitting form; failure returns
//! `errorCode`/`errorMessage`, decoded into [`Error::Api`] with [`ErrorCode::SystemError`] or
//! the unknown code kept as [`ErrorCode::Other`].
//!
//! Decisions where the spec is silent: every request field is required and non-empty;
//! amounts are non-negative integers and `totalAmount` is positive (ECPay's `TotalAmount`
//! rule); `itemName` is at most 400 characters. The call is not retried (it creates a trade
//! number). `null` fields in `data` are left out of the signature check.
//!
//! The example talks to the merchant's deployed API, so it is compiled but not run
//! (`no_run`); the `testing` simulator serves the same route for tests.
//!
//! ```no_run
//! # async fn run() -> ecpay_sdk::Result<()> {
//! use ecpay_sdk::{Client, Credentials, Environment, merchant::MerchantCheckoutRequest};
//! let client = Client::builder()
//!     .environment(Environment::Stage)
//!     .credentials(Credentials::stage())
//!     .api_base_url("https://shop-api.example.com")
//!     .build()?;
//! let req = MerchantCheckoutRequest {
//!     order_date: "2025/05/03 14:30:00".into(),
//!     order_item: "Item1".into(),
//!     shipping_type: "HOME".into(),
//!     payment_type: "Credit".into(),
//!     shopper_name: "Alex".into(),
//!     shopper_paid_amount: 1000,
//!     discount_total: 0,
//!     shipping_fee: 0,
//!     receiver_name: "Alex".into(),
//!     receiver_phone: "0912345678".into(),
//!     receiver_address: "Taipei".into(),
//!     total_amount: 1000,
//!     item_name: "Item1#Item2".into(),
//! };
//! let checkout = client.merchant().checkout(&req).await?;
//! let html = client.merchant().render_form(&checkout);
//! # let _ = html; Ok(()) }
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::aio::SignedCheckout;
use crate::client::{Call, Client};
use crate::error::{snippet, Error, ErrorCode, Result};
use crate::html;
use crate::webhook;

/// Path of the operation.
pub const CHECKOUT_PATH: &str = "/api/payment/ecpay/checkout";

/// The request body (camelCase on the wire).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MerchantCheckoutRequest {
    /// `orderDate`
    pub order_date: String,
    /// `orderItem`
    pub order_item: String,
    /// `shippingType`
    pub shipping_type: String,
    /// `paymentType`
    pub payment_type: String,
    /// `shopperName`
    pub shopper_name: String,
    /// `shopperPaidAmount`
    pub shopper_paid_amount: i64,
    /// `discountTotal`
    pub discount_total: i64,
    /// `shippingFee`
    pub shipping_fee: i64,
    /// `receiverName`
    pub receiver_name: String,
    /// `receiverPhone`
    pub receiver_phone: String,
    /// `receiverAddress`
    pub receiver_address: String,
    /// `totalAmount`
    pub total_amount: i64,
    /// `itemName`: String(400), items separated by `#`.
    pub item_name: String,
}

impl MerchantCheckoutRequest {
    /// Checks the spec's rules (and the decisions in the module docs).
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [
            ("orderDate", &self.order_date),
            ("orderItem", &self.order_item),
            ("shippingType", &self.shipping_type),
            ("paymentType", &self.payment_type),
            ("shopperName", &self.shopper_name),
            ("receiverName", &self.receiver_name),
            ("receiverPhone", &self.receiver_phone),
            ("receiverAddress", &self.receiver_address),
            ("itemName", &self.item_name),
        ] {
            if v.trim().is_empty() {
                return Err(Error::validation(name, "required"));
            }
        }
        if self.item_name.chars().count() > 400 {
            return Err(Error::validation("itemName", "at most 400 characters"));
        }
        for (name, v) in [
            ("shopperPaidAmount", self.shopper_paid_amount),
            ("discountTotal", self.discount_total),
            ("shippingFee", self.shipping_fee),
        ] {
            if v < 0 {
                return Err(Error::validation(name, "must not be negative"));
            }
        }
        if self.total_amount <= 0 {
            return Err(Error::validation(
                "totalAmount",
                "must be a positive integer",
            ));
        }
        Ok(())
    }
}

/// The AIO parameters the merchant API returns in `data` (PascalCase, as ECPay names them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AioParams {
    /// `MerchantID`
    #[serde(rename = "MerchantID")]
    pub merchant_id: String,
    /// `MerchantTradeNo`
    #[serde(rename = "MerchantTradeNo")]
    pub merchant_trade_no: String,
    /// `MerchantTradeDate`
    #[serde(rename = "MerchantTradeDate")]
    pub merchant_trade_date: String,
    /// `PaymentType` (`aio`)
    #[serde(rename = "PaymentType")]
    pub payment_type: String,
    /// `TotalAmount`
    #[serde(rename = "TotalAmount")]
    pub total_amount: i64,
    /// `TradeDesc`
    #[serde(rename = "TradeDesc")]
    pub trade_desc: String,
    /// `ItemName`
    #[serde(rename = "ItemName")]
    pub item_name: String,
    /// `ReturnURL`
    #[serde(rename = "ReturnURL")]
    pub return_url: String,
    /// `ChoosePayment`
    #[serde(rename = "ChoosePayment")]
    pub choose_payment: String,
    /// `CheckMacValue`
    #[serde(rename = "CheckMacValue")]
    pub check_mac_value: String,
    /// `EncryptType` (1 = SHA-256)
    #[serde(rename = "EncryptType")]
    pub encrypt_type: i64,
    /// `StoreID`
    #[serde(rename = "StoreID", default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<String>,
    /// `ClientBackURL`
    #[serde(
        rename = "ClientBackURL",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub client_back_url: Option<String>,
    /// `ItemURL`
    #[serde(rename = "ItemURL", default, skip_serializing_if = "Option::is_none")]
    pub item_url: Option<String>,
    /// `Remark`
    #[serde(rename = "Remark", default, skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
    /// `OrderResultURL`
    #[serde(
        rename = "OrderResultURL",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub order_result_url: Option<String>,
    /// Any other AIO parameter the server added (signed too).
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl AioParams {
    /// The form fields: the modelled ones in ECPay's usual order, then the extras, with
    /// `CheckMacValue` last. `null` values are left out.
    pub fn fields(&self) -> Vec<(String, String)> {
        let mut f: Vec<(String, String)> = vec![
            ("MerchantID".into(), self.merchant_id.clone()),
            ("MerchantTradeNo".into(), self.merchant_trade_no.clone()),
            ("MerchantTradeDate".into(), self.merchant_trade_date.clone()),
            ("PaymentType".into(), self.payment_type.clone()),
            ("TotalAmount".into(), self.total_amount.to_string()),
            ("TradeDesc".into(), self.trade_desc.clone()),
            ("ItemName".into(), self.item_name.clone()),
            ("ReturnURL".into(), self.return_url.clone()),
            ("ChoosePayment".into(), self.choose_payment.clone()),
            ("EncryptType".into(), self.encrypt_type.to_string()),
        ];
        for (k, v) in [
            ("StoreID", &self.store_id),
            ("ClientBackURL", &self.client_back_url),
            ("ItemURL", &self.item_url),
            ("Remark", &self.remark),
            ("OrderResultURL", &self.order_result_url),
        ] {
            if let Some(v) = v {
                f.push((k.into(), v.clone()));
            }
        }
        for (k, v) in &self.extra {
            let s = match v {
                Value::Null => continue,
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            f.push((k.clone(), s));
        }
        f.push(("CheckMacValue".into(), self.check_mac_value.clone()));
        f
    }
}

/// A successful merchant checkout.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MerchantCheckout {
    /// The AIO parameters.
    pub params: AioParams,
    /// Whether the SDK verified `CheckMacValue` (credentials were configured).
    pub verified: bool,
}

#[derive(Deserialize)]
struct Envelope {
    success: bool,
    #[serde(default)]
    data: Option<Value>,
    #[serde(default)]
    error: Option<ApiError>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiError {
    #[serde(default)]
    error_code: String,
    #[serde(default)]
    error_message: String,
}

impl MerchantCheckout {
    /// Decodes the merchant checkout API's answer (its `success`/`data`/`error` envelope) and,
    /// with `credentials`, verifies the returned AIO parameters' CheckMacValue.
    ///
    /// ```
    /// use ecpay_sdk::merchant::MerchantCheckout;
    /// let e = MerchantCheckout::from_answer(500, r#"{"success":false,"error":{"errorCode":"SYSTEM_ERROR","errorMessage":"系統錯誤"}}"#, None).unwrap_err();
    /// assert!(matches!(e, ecpay_sdk::Error::Api { code: ecpay_sdk::ErrorCode::SystemError, .. }));
    /// ```
    pub fn from_answer(
        status: u16,
        body: &str,
        credentials: Option<&crate::Credentials>,
    ) -> Result<MerchantCheckout> {
        let env: Envelope = match serde_json::from_str(body) {
            Ok(e) => e,
            Err(e) if (200..300).contains(&status) => {
                return Err(Error::decode(e.to_string(), body))
            }
            Err(_) => {
                return Err(Error::Api {
                    status,
                    code: ErrorCode::Http(status),
                    message: snippet(body),
                })
            }
        };
        if !env.success || !(200..300).contains(&status) {
            let (code, message) = match env.error {
                Some(e) => (
                    ErrorCode::from_merchant_code(&e.error_code),
                    e.error_message,
                ),
                None => (ErrorCode::Http(status), snippet(body)),
            };
            return Err(Error::Api {
                status,
                code,
                message: snippet(&message),
            });
        }
        let data = env
            .data
            .ok_or_else(|| Error::decode("success without `data`", body))?;
        let params: AioParams =
            serde_json::from_value(data).map_err(|e| Error::decode(e.to_string(), body))?;
        let verified = match credentials {
            Some(creds) => {
                webhook::verify_pairs(&params.fields(), creds)?;
                true
            }
            None => false,
        };
        Ok(MerchantCheckout { params, verified })
    }
}

/// The merchant checkout handler, borrowed from a [`Client`] by [`Client::merchant`].
#[derive(Debug, Clone, Copy)]
pub struct Merchant<'a> {
    client: &'a Client,
}

impl Client {
    /// Merchant checkout API calls (needs `api_base_url`).
    pub fn merchant(&self) -> Merchant<'_> {
        Merchant { client: self }
    }
}

impl Merchant<'_> {
    /// `POST /api/payment/ecpay/checkout`.
    pub async fn checkout(&self, req: &MerchantCheckoutRequest) -> Result<MerchantCheckout> {
        req.validate()?;
        let url = self.client.api_url(CHECKOUT_PATH)?;
        let r = self
            .client
            .send(Call::single("merchant_checkout", ""), || {
                Ok(self.client.http().post(&url).json(req))
            })
            .await?;
        MerchantCheckout::from_answer(r.status, &r.body, self.client.credentials())
    }

    /// The parameters as signed checkout fields posting to this client's AIO checkout URL.
    pub fn to_signed_checkout(&self, checkout: &MerchantCheckout) -> SignedCheckout {
        SignedCheckout {
            action: self.client.aio().checkout_url(),
            fields: checkout.params.fields(),
        }
    }

    /// The auto-submitting HTML form (every attribute HTML-escaped).
    pub fn render_form(&self, checkout: &MerchantCheckout) -> String {
        html::auto_submit_form(&self.client.aio().checkout_url(), &checkout.params.fields())
    }
}
