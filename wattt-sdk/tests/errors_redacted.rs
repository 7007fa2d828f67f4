//! Transport errors never echo the signed request URL.

use wattt_sdk::{Client, RetryPolicy};

#[tokio::test]
async fn transport_errors_do_not_echo_the_signed_query() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = Client::builder()
        .base_url(format!("http://127.0.0.1:{port}"))
        .credentials("U", "S")
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let err = client.banks(Some("008")).await.unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("sign="), "{shown}");
}
