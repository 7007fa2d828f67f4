//! Key material never shows in Debug output, errors, or the simulator's Debug.

use ecpay_sdk::{Client, Credentials, Environment};

const KEY: &str = "KEYkeyKEYkey1234";
const IV: &str = "IVivIVivIVivIViv";

#[test]
fn client_debug_never_shows_keys() {
    let creds = Credentials::new("2000132", KEY, IV);
    let client = Client::builder()
        .environment(Environment::Production)
        .credentials(creds.clone())
        .api_base_url("https://api.example.com")
        .build()
        .unwrap();
    for shown in [
        format!("{client:?}"),
        format!("{client:#?}"),
        format!("{creds:?}"),
        format!("{:?}", client.credentials()),
    ] {
        assert!(!shown.contains(KEY), "{shown}");
        assert!(!shown.contains(IV), "{shown}");
        assert!(
            !shown.to_lowercase().contains(&KEY.to_lowercase()),
            "{shown}"
        );
    }
}

#[test]
fn verification_errors_never_show_keys_or_expected_mac() {
    let creds = Credentials::new("2000132", KEY, IV);
    let body = "MerchantID=2000132&RtnCode=1&CheckMacValue=0000000000000000000000000000000000000000000000000000000000000000";
    let e = ecpay_sdk::webhook::Verifier::new(creds.clone())
        .unwrap()
        .verify(body.as_bytes())
        .unwrap_err();
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains(KEY) && !shown.contains(IV), "{shown}");
    let expected = sign_core::ecpay::check_mac_value(
        [("MerchantID", "2000132"), ("RtnCode", "1")],
        creds.hash_key(),
        creds.hash_iv(),
        sign_core::ecpay::HashAlgorithm::Sha256,
    );
    assert!(!shown.contains(&expected), "{shown}");
}

#[cfg(feature = "testing")]
#[tokio::test]
async fn simulator_debug_never_shows_keys() {
    let sim = ecpay_sdk::testing::Simulator::start_with(Credentials::new("2000132", KEY, IV)).await;
    let shown = format!("{sim:?}");
    assert!(!shown.contains(KEY) && !shown.contains(IV), "{shown}");
}
