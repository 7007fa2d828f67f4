//! Every `ChoosePayment` value ECPay documents, and where each is documented:
//! - `Credit`, `WebATM`, `ATM`, `CVS`, `BARCODE`, `ALL`: the AIO pages (`?p=2864` ALL,
//!   `?p=2862` and `?p=41284` Credit, `?p=11031` WebATM, `?p=2856` ATM, `?p=2874` CVS), the
//!   Node SDK's `ECpayPayment.xml`, PHP `ECPay_PaymentMethod`;
//! - `ApplePay`: the AIO overview (`?p=16427`: "Credit Cards, Apple Pay, TWQR, WebATM, ATM, CVS,
//!   BARCODE, BNPL"), Node `ECpayPayment.xml` (`<option>ApplePay</option>`);
//! - `TWQR`: `?p=37503` ("Set the ChoosePayment payment method to TWQR"), `?p=16427`, ECPay's
//!   PHP SDK `ECPay/SDK_PHP` `example/Payment/Aio/CreateTwqrOrder.php`;
//! - `BNPL`: `?p=16427`, `SDK_PHP` `CreateBnplOrder.php` (TotalAmount 3000, 「金額須大於2999」);
//! - `WeiXin`: `SDK_PHP` `example/Payment/Aio/CreateWeiXinOrder.php` (`'ChoosePayment' =>
//!   'WeiXin'`, commit b6e2edf of 2025-08-01 「增加微信支付」, CHANGELOG "Add the … CreateWeiXinOrder
//!   examples under Payment > AIO"). No ECPay developer page for it could be read here.
//! - `DigitalPayment`: on no ECPay page read here and in no official SDK (Node
//!   `ECpayPayment.xml`, PHP `ECPayAIO_PHP` `ECPay_PaymentMethod`, `SDK_PHP` examples), so it
//!   is not modelled and is refused rather than sent unchecked.

mod common;

use ecpay_sdk::aio::{AllOptions, CheckoutRequest, Payment, PaymentMethod, PaymentTypeCode};
use ecpay_sdk::Credentials;

const DOCUMENTED: &[(&str, PaymentMethod)] = &[
    ("Credit", PaymentMethod::Credit),
    ("WebATM", PaymentMethod::WebAtm),
    ("ATM", PaymentMethod::Atm),
    ("CVS", PaymentMethod::Cvs),
    ("BARCODE", PaymentMethod::Barcode),
    ("ApplePay", PaymentMethod::ApplePay),
    ("TWQR", PaymentMethod::Twqr),
    ("BNPL", PaymentMethod::Bnpl),
    ("WeiXin", PaymentMethod::WeiXin),
    ("ALL", PaymentMethod::All),
];

#[test]
fn every_documented_value_parses_and_prints_as_ecpay_spells_it() {
    for (wire, m) in DOCUMENTED {
        assert_eq!(PaymentMethod::parse(wire), Some(*m), "{wire}");
        assert_eq!(m.as_str(), *wire);
        assert_eq!(Payment::default_for(*m).method(), *m, "{wire}");
    }
    for undocumented in ["DigitalPayment", "weixin", "GooglePay", "AndroidPay", ""] {
        assert_eq!(PaymentMethod::parse(undocumented), None, "{undocumented:?}");
    }
}

#[test]
fn weixin_checkout_is_signed_with_the_common_fields_only() {
    // The fields of SDK_PHP's CreateWeiXinOrder.php: the common ones and ChoosePayment=WeiXin.
    let mut req = CheckoutRequest::new(
        "Test1735689600",
        "2026/01/01 12:00:00",
        100,
        "WeiXin交易描述範例",
        "範例商品一批 100 TWD x 1",
        "https://www.ecpay.com.tw/example/receive",
    );
    req.payment = Payment::WeiXin;
    let signed = req
        .sign(
            &Credentials::stage(),
            "https://payment-stage.ecpay.com.tw/Cashier/AioCheckOut/V5",
        )
        .expect("signed");
    assert_eq!(signed.field("ChoosePayment"), Some("WeiXin"));
    let mut names: Vec<&str> = signed.fields.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "CheckMacValue",
            "ChoosePayment",
            "EncryptType",
            "ItemName",
            "MerchantID",
            "MerchantTradeDate",
            "MerchantTradeNo",
            "PaymentType",
            "ReturnURL",
            "TotalAmount",
            "TradeDesc",
        ]
    );
    assert_eq!(
        signed.field("CheckMacValue").map(str::to_owned),
        Some(common::cmv_owned(&signed.fields)),
        "CheckMacValue recomputed with sha2"
    );
    // A field of another method is refused for WeiXin, as for the other methods without
    // extension fields.
    let mut bad = req.clone();
    bad.extra.push(("ExpireDate".into(), "3".into()));
    assert!(bad.validate().is_err());
}

#[test]
fn weixin_can_be_hidden_with_all_and_is_recognised_in_payment_type() {
    let mut req = CheckoutRequest::new(
        "T20260101WX1",
        "2026/01/01 12:00:00",
        100,
        "desc",
        "Item",
        "https://shop.example.com/r",
    );
    req.payment = Payment::All(AllOptions {
        ignore_payment: vec![PaymentMethod::WeiXin, PaymentMethod::Twqr],
        ..Default::default()
    });
    let signed = req
        .sign(
            &Credentials::stage(),
            "https://payment-stage.ecpay.com.tw/Cashier/AioCheckOut/V5",
        )
        .expect("signed");
    assert_eq!(signed.field("IgnorePayment"), Some("WeiXin#TWQR"));
    // A PaymentType names the method before `_` (`Credit_CreditCard`, `ATM_TAISHIN`, `?p=2878`).
    // `WeiXin_OPAY` / `TWQR_OPAY` are the values third-party notes attribute to ECPay's
    // PaymentType table; that table was not read here, only the prefix rule is relied on.
    assert_eq!(
        PaymentTypeCode("WeiXin_OPAY".into()).method(),
        Some(PaymentMethod::WeiXin)
    );
    assert_eq!(
        PaymentTypeCode("TWQR_OPAY".into()).method(),
        Some(PaymentMethod::Twqr)
    );
}
