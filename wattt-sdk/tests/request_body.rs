//! The request bodies a client with the default contract writes straight from the caller's
//! fields are, byte for byte, the bodies of the map path: the one a custom signer takes (the
//! client builds the full map, hands it to the signer, inserts `sign` and serializes that map),
//! and the only one before the direct path existed. The reference here is that path, reached
//! through the public API with a custom signer that signs as `WatttSign` does; the sign
//! itself is checked against the documented rule independently by tests/contract.rs.
//!
//! Every POST operation, with requests holding non-ASCII text, URLs, decimals, an `extra`
//! object, and a `uid` that needs JSON escaping; each through a client made by `credentials`,
//! by `.signer(WatttSign)` (both direct) and by the custom signer, against one wiremock server.

use std::sync::{Arc, Mutex};

use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use wattt_sdk::{
    CallbackRetryRequest, Client, CollectionLookup, CollectionRequest, PaymentLinkAmountRequest,
    PaymentLinkRequest, PayoutLookup, PayoutRequest, RetryPolicy, Signer, WatttSign,
};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "request-body-secret";

/// `WatttSign`'s signature through the custom-signer path; keeps each map it is handed.
#[derive(Debug)]
struct MapPath(WatttSign, Arc<Mutex<Vec<Map<String, Value>>>>);

impl Signer for MapPath {
    fn sign_json(&self, fields: &Map<String, Value>) -> String {
        self.1.lock().unwrap().push(fields.clone());
        self.0.sign_json(fields)
    }
    fn sign_params(&self, params: &[(&str, &str)]) -> String {
        self.0.sign_params(params)
    }
}

enum Call {
    Balance,
    Channels,
    Amounts,
    Link(PaymentLinkRequest),
    AmountLink(PaymentLinkAmountRequest),
    Collection(CollectionRequest),
    CollectionStatus(CollectionLookup),
    Payout(PayoutRequest),
    PayoutStatus(PayoutLookup),
    Retry(CallbackRetryRequest),
}

/// Makes the call; the server refuses it (`ok: 0`), so it is sent once and its answer is
/// not what this file checks.
async fn make(client: &Client, call: &Call) {
    let result = match call {
        Call::Balance => client.balance().await.map(drop),
        Call::Channels => client.payment_links().channels().await.map(drop),
        Call::Amounts => client.payment_links().amounts().await.map(drop),
        Call::Link(r) => client.payment_links().create(r).await.map(drop),
        Call::AmountLink(r) => client.payment_links().create_for_amount(r).await.map(drop),
        Call::Collection(r) => client.collections().create(r).await.map(drop),
        Call::CollectionStatus(l) => client.collections().status(l).await.map(drop),
        Call::Payout(r) => client.payouts().create(r).await.map(drop),
        Call::PayoutStatus(l) => client.payouts().status(l).await.map(drop),
        Call::Retry(r) => client.callbacks().retry(r).await.map(drop),
    };
    assert!(result.is_err(), "the server refuses every call");
}

fn calls() -> Vec<(&'static str, Call)> {
    let mut amount_link = PaymentLinkAmountRequest::new(
        "TP202605270001",
        5000,
        "U10001",
        "測試會員 \"VIP\"",
        "https://merchant.example.com/notify/collection?a=1&b=\\2",
    )
    .payer_account_no("008123456789")
    .channel("sky_coin");
    amount_link.payer_bank_name = Some("華南銀行".into());
    amount_link.extra = Some(
        json!({"campaign": "spring\n", "n": 1, "r": 0.5, "nested": {"z": [true, null]}})
            .as_object()
            .unwrap()
            .clone(),
    );
    let mut link = PaymentLinkRequest::new(
        "TP202605230001",
        "U10001",
        "測試會員",
        "https://merchant.example.com/notify/collection",
    )
    .payer_account_no("008-1234-56789");
    link.payee_account_number = Some("00000".into());
    link.return_url = Some("https://merchant.example.com/return".into());
    vec![
        ("balance", Call::Balance),
        ("payment channels", Call::Channels),
        ("payment amounts", Call::Amounts),
        ("payment link", Call::Link(link)),
        ("amount payment link", Call::AmountLink(amount_link)),
        (
            "create collection",
            Call::Collection(
                CollectionRequest::new("COL202605230001", Decimal::new(250000, 2))
                    .merchant_order_no("M-COL202605230001")
                    .notify_url("https://merchant.example.com/notify/collection"),
            ),
        ),
        (
            "collection status",
            Call::CollectionStatus(CollectionLookup::MerchantOrderNo("M-1".into())),
        ),
        (
            "create payout",
            Call::Payout(
                PayoutRequest::new("PO202605230001", Decimal::new(300050, 2), "王小明")
                    .payee_bank_account("中國信託", "822123456789012")
                    .notify_url("https://merchant.example.com/notify/payout")
                    .reverse_url("https://merchant.example.com/notify/payout-failed"),
            ),
        ),
        (
            "payout status",
            Call::PayoutStatus(PayoutLookup::SerialNo("PO1".into())),
        ),
        (
            "callback retry",
            Call::Retry(CallbackRetryRequest::payout("PO1")),
        ),
    ]
}

#[tokio::test]
async fn direct_bodies_are_the_map_path_bodies() {
    let server = MockServer::start().await;
    let mount = || {
        Mock::given(any()).respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(r#"{"ok":0,"message":"refused"}"#, "application/json"),
        )
    };
    let mut compared = 0;
    for uid in ["U10001", "商戶 \"1\" \\ 😀"] {
        let maps = Arc::new(Mutex::new(Vec::new()));
        let builder = || {
            Client::builder()
                .base_url(server.uri())
                .retry_policy(RetryPolicy::disabled())
        };
        let clients = [
            builder().credentials(uid, SECRET).build().unwrap(),
            builder()
                .uid(uid)
                .signer(WatttSign::new(SECRET))
                .build()
                .unwrap(),
            builder()
                .uid(uid)
                .signer(MapPath(WatttSign::new(SECRET), maps.clone()))
                .build()
                .unwrap(),
        ];
        for (name, call) in calls() {
            // The bodies carry the second they were made in: tried again when the three
            // calls straddle a second.
            for _ in 0..5 {
                server.reset().await;
                mount().mount(&server).await;
                maps.lock().unwrap().clear();
                for client in &clients {
                    make(client, &call).await;
                }
                let sent = server.received_requests().await.unwrap();
                assert_eq!(sent.len(), 3, "{name}: one request per client");
                let stamp = |body: &[u8]| {
                    serde_json::from_slice::<Map<String, Value>>(body).unwrap()["timestamp"]
                        .as_i64()
                        .unwrap()
                };
                let stamps: Vec<i64> = sent.iter().map(|r| stamp(&r.body)).collect();
                if stamps.iter().any(|s| *s != stamps[0]) {
                    continue;
                }
                let [by_credentials, by_signer, by_map] = [0, 1, 2].map(|i| &sent[i].body);
                let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
                assert_eq!(text(by_credentials), text(by_map), "{name}, uid {uid}");
                assert_eq!(text(by_signer), text(by_map), "{name}, uid {uid}");
                // What the custom signer was handed is what was sent, without `sign`.
                let mut sent: Map<String, Value> = serde_json::from_slice(by_map).unwrap();
                sent.remove("sign");
                assert_eq!(*maps.lock().unwrap(), vec![sent], "{name}, uid {uid}");
                compared += 1;
                break;
            }
        }
    }
    assert_eq!(compared, 2 * calls().len(), "every call compared");
}
