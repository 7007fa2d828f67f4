//! Property tests: a signed ReturnURL callback verifies; changing any one field's value,
//! dropping any field, or changing one character of the CheckMacValue fails.

mod common;

use ecpay_sdk::webhook::{PaymentResult, Verifier};
use ecpay_sdk::{Credentials, Error};
use proptest::prelude::*;

fn verify_payment_result(body: &[u8], creds: &Credentials) -> Result<PaymentResult, Error> {
    Verifier::new(creds.clone())?.verify(body)
}

fn base(amount: u64, msg: &str, custom: &str) -> Vec<(String, String)> {
    let amt = amount.to_string();
    common::signed(&[
        ("MerchantID", "3002607"),
        ("MerchantTradeNo", "PROP0001"),
        ("StoreID", ""),
        ("RtnCode", "1"),
        ("RtnMsg", msg),
        ("TradeNo", "2601011000000009"),
        ("TradeAmt", &amt),
        ("PaymentDate", "2026/01/01 12:00:00"),
        ("PaymentType", "Credit_CreditCard"),
        ("PaymentTypeChargeFee", "0"),
        ("TradeDate", "2026/01/01 11:59:00"),
        ("SimulatePaid", "0"),
        ("CustomField1", custom),
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn signed_callbacks_verify(amount in 1u64..10_000_000, msg in "\\PC{0,20}", custom in "\\PC{0,30}") {
        let pairs = base(amount, &msg, &custom);
        let r = verify_payment_result(common::form(&pairs).as_bytes(), &Credentials::stage());
        prop_assert!(r.is_ok(), "{:?}", r);
        let r = r.unwrap();
        prop_assert_eq!(r.trade_amt, amount);
        prop_assert_eq!(&r.custom_fields[0], &custom);
    }

    #[test]
    fn tampering_any_field_fails(
        amount in 1u64..10_000_000,
        custom in "[a-z0-9]{0,10}",
        idx in 0usize..14,
        extra in "[A-Za-z0-9]{1,5}",
    ) {
        let mut pairs = base(amount, "交易成功", &custom);
        let i = idx % pairs.len();
        if pairs[i].0 == "CheckMacValue" {
            // flip one hex character
            let mut c: Vec<char> = pairs[i].1.chars().collect();
            c[0] = if c[0] == 'A' { 'B' } else { 'A' };
            pairs[i].1 = c.into_iter().collect();
        } else {
            pairs[i].1.push_str(&extra);
        }
        let r = verify_payment_result(common::form(&pairs).as_bytes(), &Credentials::stage());
        prop_assert!(matches!(r, Err(Error::Signature(_))), "{:?}", r);
    }

    #[test]
    fn dropping_any_field_fails(idx in 0usize..14) {
        let mut pairs = base(100, "ok", "c");
        let i = idx % pairs.len();
        pairs.remove(i);
        let r = verify_payment_result(common::form(&pairs).as_bytes(), &Credentials::stage());
        // Every field is covered by the CheckMacValue, so a dropped one is a bad signature.
        prop_assert!(matches!(r, Err(Error::Signature(_))), "{:?}", r);
    }

    #[test]
    fn other_keys_never_verify(key in "[A-Za-z0-9]{16}") {
        prop_assume!(key != common::KEY);
        let pairs = base(100, "ok", "c");
        let creds = Credentials::new("3002607", key.as_str(), common::IV);
        let r = verify_payment_result(common::form(&pairs).as_bytes(), &creds);
        prop_assert!(matches!(r, Err(Error::Signature(sign_core::VerifyError::Mismatch))), "{:?}", r);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any valid checkout signs to fields whose CheckMacValue the independent signer
    /// reproduces; changing one byte of any value breaks verification.
    #[test]
    fn checkout_forms_round_trip(
        no in "[A-Za-z0-9]{1,20}",
        amount in 1u64..100_000_000,
        // `<`, `>` and `%` escapes are ECPay-forbidden in TradeDesc/ItemName (checkout refuses
        // them before signing), so the valid inputs leave them out.
        desc in "[^<>%\\p{C}]{1,50}",
        items in proptest::collection::vec("[^#<>%\\p{C}]{1,20}", 1..5),
        idx in 0usize..10,
    ) {
        use ecpay_sdk::aio::CheckoutRequest;
        let item_name = CheckoutRequest::join_items(&items);
        prop_assume!(item_name.is_ok());
        let item_name = item_name.unwrap();
        prop_assume!(items.iter().all(|i| !i.trim().is_empty()) && !desc.trim().is_empty());
        let req = CheckoutRequest::new(no, "2026/02/28 23:59:59", amount, desc, item_name, "https://shop.example.com/r");
        prop_assume!(req.validate().is_ok()); // "any valid checkout": ECPay refuses `<`, `>`, `%26`, `%3C` in TradeDesc/ItemName
        let signed = req.sign(&Credentials::stage(), "https://h.example").unwrap();
        let (body, mac) = signed.fields.split_at(signed.fields.len() - 1);
        prop_assert_eq!(&mac[0].1, &common::cmv_owned(body));
        let mut tampered = signed.fields.clone();
        let i = idx % (tampered.len() - 1);
        tampered[i].1.push('x');
        let ok = sign_core::ecpay::verify(
            tampered.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            &ecpay_sdk::Secret::from(common::KEY),
            &ecpay_sdk::Secret::from(common::IV),
            sign_core::ecpay::HashAlgorithm::Sha256,
        );
        prop_assert!(ok.is_err());
    }
}
