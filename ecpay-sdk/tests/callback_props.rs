//! Property tests: a signed ReturnURL callback verifies; changing any one field's value,
//! dropping any field, or changing one character of the CheckMacValue fails.

mod common;

use ecpay_sdk::aio::callback::verify_payment_result;
use ecpay_sdk::Credentials;
use proptest::prelude::*;

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
        prop_assert!(r.is_err());
    }

    #[test]
    fn dropping_any_field_fails(idx in 0usize..14) {
        let mut pairs = base(100, "ok", "c");
        let i = idx % pairs.len();
        pairs.remove(i);
        prop_assert!(verify_payment_result(common::form(&pairs).as_bytes(), &Credentials::stage()).is_err());
    }

    #[test]
    fn other_keys_never_verify(key in "[A-Za-z0-9]{16}") {
        prop_assume!(key != common::KEY);
        let pairs = base(100, "ok", "c");
        let creds = Credentials::new("3002607", key.as_str(), common::IV);
        prop_assert!(verify_payment_result(common::form(&pairs).as_bytes(), &creds).is_err());
    }
}
