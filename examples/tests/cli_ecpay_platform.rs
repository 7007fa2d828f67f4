//! `ecpay query-trade` / `query-payment-info --platform-id`: the flag reaches the wire as the
//! signed `PlatformID` field ECPay documents on both queries (developers.ecpay.com.tw ?p=2890 and
//! ?p=5615: a platform's sub-merchant sends the platform's MerchantID), and a malformed one is
//! refused before anything is sent (exit 3).

mod common;

use common::failure;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn ecpay(base_url: &str, args: &[&str]) -> std::process::Output {
    let env: Vec<(&str, String)> = vec![
        ("ECPAY_MERCHANT_ID", "3002607".into()),
        ("ECPAY_HASH_KEY", "pwFHCqoQZGmho4w6".into()),
        ("ECPAY_HASH_IV", "EkRm7iFT261dpevs".into()),
        ("ECPAY_ENV", "stage".into()),
        ("ECPAY_AIO_BASE_URL", base_url.into()),
    ];
    common::run(env!("CARGO_BIN_EXE_ecpay"), &env, args, b"").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn platform_id_is_sent_signed_on_both_queries_and_checked_before_sending() {
    for sub in ["query-trade", "query-payment-info"] {
        let server = MockServer::start().await;
        // Whatever ECPay answers, the request is what this test is about.
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_string("TradeStatus=1"))
            .mount(&server)
            .await;
        let _ = ecpay(
            &server.uri(),
            &[sub, "--trade-no", "PLAT0001", "--platform-id", "3002599"],
        )
        .await;
        let sent = server.received_requests().await.expect("recorded");
        assert_eq!(sent.len(), 1, "{sub}: one request");
        let form: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&sent[0].body).expect("a form");
        let field = |name: &str| {
            form.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(field("PlatformID"), Some("3002599"), "{sub}: {form:?}");
        assert_eq!(field("MerchantTradeNo"), Some("PLAT0001"), "{sub}");
        assert!(field("CheckMacValue").is_some(), "{sub}: signed");

        let before = server.received_requests().await.expect("recorded").len();
        let err = failure(
            &ecpay(
                &server.uri(),
                &[sub, "--trade-no", "PLAT0001", "--platform-id", "not-digits"],
            )
            .await,
            3,
        );
        assert!(err.contains("PlatformID"), "{sub}: names the field: {err}");
        let after = server.received_requests().await.expect("recorded").len();
        assert_eq!(
            before, after,
            "{sub}: nothing sent for a malformed PlatformID"
        );
    }
}
