//! Property tests: path-segment encoding, validation limits, and request signing as the
//! simulator sees it.

mod common;

use ljpay_sdk::{encode_path_segment, validate, Channel, CreateOrderRequest, Error};
use percent_encoding::percent_decode_str;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any string becomes exactly one path segment of unreserved characters and `%XX`
    /// escapes, and decodes back to itself.
    #[test]
    fn path_segments_round_trip(s in "\\PC{0,40}") {
        let enc = encode_path_segment(&s);
        prop_assert!(enc.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)), "{}", enc);
        prop_assert_eq!(percent_decode_str(&enc).decode_utf8().unwrap(), s.as_str());
    }

    /// `biz_order_no` is accepted exactly up to 128 characters, whatever the characters.
    #[test]
    fn biz_order_no_length_limit(c in "[a-zA-Z0-9梨界-]", n in 1usize..200) {
        let req = CreateOrderRequest::new(c.repeat(n), 1, Channel::AlipayQr, "s");
        let r = validate::create_order(&req);
        if n <= 128 {
            prop_assert!(r.is_ok());
        } else {
            let is_biz_error = matches!(r, Err(Error::Validation { field: "biz_order_no", .. }));
            prop_assert!(is_biz_error);
        }
    }

    /// Amounts are accepted exactly from 1 up.
    #[test]
    fn amount_minimum(amount in any::<i64>()) {
        let req = CreateOrderRequest::new("B", amount, Channel::WechatNative, "s");
        prop_assert_eq!(validate::create_order(&req).is_ok(), amount >= 1);
    }

    /// The signature the test computes independently changes with every one-character
    /// change of the signed path (what the client signs must be exactly what it sends).
    #[test]
    fn signature_covers_the_whole_path(s in "[a-z0-9]{1,20}", i in any::<prop::sample::Index>()) {
        let path = format!("/api/v1/order/by-biz-no/{s}");
        let a = common::expected_signature("k", "GET", &path, "1", "n", "S", b"");
        let mut other = path.clone().into_bytes();
        let j = i.index(other.len());
        other[j] = if other[j] == b'x' { b'y' } else { b'x' };
        let other = String::from_utf8(other).unwrap();
        let b = common::expected_signature("k", "GET", &other, "1", "n", "S", b"");
        prop_assert_ne!(a, b);
    }
}

#[cfg(feature = "testing")]
mod against_the_simulator {
    use super::*;
    use ljpay_sdk::testing::Simulator;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Any business order number (encoded into the path, signed as sent) round-trips
        /// through the simulator, which checks every signature.
        #[test]
        fn any_biz_order_no_round_trips(biz in "[^./][^/]{0,30}") {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let sim = Simulator::start().await;
                let client = sim.client();
                let req = CreateOrderRequest::new(biz.clone(), 7, Channel::WechatNative, "s");
                client.orders().create(&req).await.unwrap();
                let got = client.orders().get_by_biz_order_no(&biz).await.unwrap();
                assert_eq!(got.biz_order_no, biz);
                assert_eq!(sim.stats().rejected, 0);
            });
        }
    }
}
