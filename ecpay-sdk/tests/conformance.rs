//! Conformance of the checkout form against ECPay's published examples.
//!
//! Vectors:
//! - developers.ecpay.com.tw `?p=2902` (附錄 / 檢查碼機制): the AioCheckOut example with the
//!   stage merchant; the page publishes the lowercased encoded string of step (4), and the
//!   CheckMacValue `6C51C9E6…B840`.
//! - support.ecpay.com.tw `/16608` (全方位金流建立訂單範例): two published requests for
//!   merchant 3002607 with their CheckMacValues (`B251AD00…4940` in the JSON, `54B1661D…65D9`
//!   in the HTML form; they differ in MerchantTradeNo). Note the published ReturnURL starts
//!   with a space, which the signature covers.
//! - developers.ecpay.com.tw `?p=38242` (e-invoice 檢查碼機制): an MD5 example with other keys,
//!   result `50A276E71DAE26343013958B405EEEA0`.

mod common;

use ecpay_sdk::aio::checkout::sign_fields;
use ecpay_sdk::aio::{CheckoutRequest, Payment};
use ecpay_sdk::{Credentials, Secret};
use sign_core::ecpay::{check_mac_value, url_encode, HashAlgorithm};

const P2902_LOWER: &str = "hashkey%3dpwfhcqoqzgmho4w6%26choosepayment%3dall%26encrypttype%3d1%26itemname%3dapple+iphone+15%26merchantid%3d3002607%26merchanttradedate%3d2023%2f03%2f12+15%3a30%3a23%26merchanttradeno%3decpay20230312153023%26paymenttype%3daio%26returnurl%3dhttps%3a%2f%2fwww.ecpay.com.tw%2freceive.php%26totalamount%3d30000%26tradedesc%3d%e4%bf%83%e9%8a%b7%e6%96%b9%e6%a1%88%26hashiv%3dekrm7ift261dpevs";

fn p2902_request() -> CheckoutRequest {
    CheckoutRequest::new(
        "ecpay20230312153023",
        "2023/03/12 15:30:23",
        30000,
        "促銷方案",
        "Apple iphone 15",
        "https://www.ecpay.com.tw/receive.php",
    )
}

#[test]
fn p2902_encoded_string_matches_the_published_step_4() {
    let raw = "HashKey=pwFHCqoQZGmho4w6&ChoosePayment=ALL&EncryptType=1&ItemName=Apple iphone 15&MerchantID=3002607&MerchantTradeDate=2023/03/12 15:30:23&MerchantTradeNo=ecpay20230312153023&PaymentType=aio&ReturnURL=https://www.ecpay.com.tw/receive.php&TotalAmount=30000&TradeDesc=促銷方案&HashIV=EkRm7iFT261dpevs";
    assert_eq!(url_encode(raw).to_lowercase(), P2902_LOWER);
    // and our independent helper agrees with the page
    let pairs = [
        ("ChoosePayment", "ALL"),
        ("EncryptType", "1"),
        ("ItemName", "Apple iphone 15"),
        ("MerchantID", "3002607"),
        ("MerchantTradeDate", "2023/03/12 15:30:23"),
        ("MerchantTradeNo", "ecpay20230312153023"),
        ("PaymentType", "aio"),
        ("ReturnURL", "https://www.ecpay.com.tw/receive.php"),
        ("TotalAmount", "30000"),
        ("TradeDesc", "促銷方案"),
    ];
    assert_eq!(
        common::encoded_string(&pairs, common::KEY, common::IV),
        P2902_LOWER
    );
}

#[test]
fn p2902_typed_checkout_produces_the_published_check_mac_value() {
    let signed = p2902_request()
        .sign(
            &Credentials::stage(),
            "https://payment-stage.ecpay.com.tw/Cashier/AioCheckOut/V5",
        )
        .unwrap();
    assert_eq!(
        signed.field("CheckMacValue"),
        Some("6C51C9E6888DE861FD62FB1DD17029FC742634498FD813DC43D4243B5685B840")
    );
    // the form carries exactly the published parameters
    let mut names: Vec<&str> = signed.fields.iter().map(|(k, _)| k.as_str()).collect();
    names.sort();
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
            "TradeDesc"
        ]
    );
    assert!(matches!(p2902_request().payment, Payment::All(_)));
}

fn support_16608(trade_no: &str) -> Vec<(String, String)> {
    [
        ("MerchantID", "3002607"),
        ("MerchantTradeNo", trade_no),
        ("MerchantTradeDate", "2025/03/04 00:00:00"),
        ("PaymentType", "aio"),
        ("TotalAmount", "100"),
        ("TradeDesc", "訂單測試"),
        ("ItemName", "範例商品"),
        (
            "ReturnURL",
            " https://5569-211-23-76-78.ngrok-free.app/returnurl.php",
        ),
        ("ChoosePayment", "ALL"),
        ("EncryptType", "1"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

#[test]
fn support_16608_published_forms_sign_identically() {
    let action = "https://payment-stage.ecpay.com.tw/Cashier/AioCheckOut/V5";
    let a = sign_fields(
        support_16608("order20250304001"),
        &Credentials::stage(),
        action,
    );
    assert_eq!(
        a.field("CheckMacValue"),
        Some("B251AD005829A4072192E495BF484DCF3830D75382AB34DF46F8F3AA8F794940")
    );
    let b = sign_fields(
        support_16608("order202503040001"),
        &Credentials::stage(),
        action,
    );
    assert_eq!(
        b.field("CheckMacValue"),
        Some("54B1661DE89951772A94FD0F5639FE5CEDA91311CA42021FD8D9DD4170A965D9")
    );
}

#[test]
fn typed_checkout_refuses_the_published_leading_space_url() {
    // The support page's ReturnURL has a leading space; ECPay signs it as is, but the typed
    // builder refuses it as a likely mistake (the raw `sign_fields` keeps it, see above).
    let req = CheckoutRequest::new(
        "order20250304001",
        "2025/03/04 00:00:00",
        100,
        "訂單測試",
        "範例商品",
        " https://5569-211-23-76-78.ngrok-free.app/returnurl.php",
    );
    assert!(
        matches!(req.validate(), Err(ecpay_sdk::Error::Validation { field, .. }) if field == "ReturnURL")
    );
}

#[test]
fn p38242_md5_vector() {
    let pairs = [
        ("RtnCode", "1"),
        ("RtnMsg", ""),
        ("IA_Allow_No", "1909181313013546"),
        ("IA_Invoice_No", "UV11100019"),
        ("IA_Date", "2019-09-18 13:13:23"),
        ("IIS_Remain_Allowance_Amt", "0"),
    ];
    let mac = check_mac_value(
        pairs,
        &Secret::from("ejCk326UnaZWKisg"),
        &Secret::from("q9jcZX8Ib9LM8wYk"),
        HashAlgorithm::Md5,
    );
    assert_eq!(mac, "50A276E71DAE26343013958B405EEEA0");
}

#[test]
fn every_payment_method_signs_like_the_independent_signer() {
    use ecpay_sdk::aio::*;
    let methods = [
        Payment::Credit(CreditOptions {
            mode: CreditMode::Periodic(PeriodicPlan {
                period_amount: 3000,
                period_type: PeriodType::Month,
                frequency: 1,
                exec_times: 12,
                period_return_url: Some("https://shop.example.com/period".into()),
            }),
            ..Default::default()
        }),
        Payment::WebAtm,
        Payment::Atm(AtmOptions {
            expire_days: Some(7),
            payment_info_url: Some("https://shop.example.com/info".into()),
            client_redirect_url: None,
        }),
        Payment::Cvs(CvsOptions {
            store_expire_minutes: Some(1440),
            descriptions: [Some("第一行".into()), None, None, None],
            ..Default::default()
        }),
        Payment::Barcode(BarcodeOptions {
            store_expire_days: Some(3),
            ..Default::default()
        }),
        Payment::ApplePay,
        Payment::Twqr,
        Payment::Bnpl(Default::default()),
        Payment::All(AllOptions {
            ignore_payment: vec![PaymentMethod::Atm, PaymentMethod::Cvs],
            ..Default::default()
        }),
    ];
    for p in methods {
        let mut req = CheckoutRequest::new(
            "T20260101A1",
            "2026/01/01 08:00:00",
            3000,
            "desc & more",
            "A#B 綠",
            "https://shop.example.com/return",
        );
        req.language = Some(Language::English);
        req.custom_fields[3] = Some("x~y".into());
        // `<`/`>` are refused in TradeDesc (ECPay's rule); Remark still carries them to the signer.
        req.remark = Some("<more>".into());
        req.payment = p.clone();
        let signed = req
            .sign(&Credentials::stage(), "https://h.example")
            .unwrap();
        let (body, mac) = signed.fields.split_at(signed.fields.len() - 1);
        assert_eq!(mac[0].0, "CheckMacValue");
        assert_eq!(mac[0].1, common::cmv_owned(body), "{p:?}");
        assert_eq!(signed.field("ChoosePayment"), Some(p.method().as_str()));
    }
}
