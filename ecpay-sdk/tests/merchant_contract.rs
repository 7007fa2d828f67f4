//! Contract tests for `POST /api/payment/ecpay/checkout` (`spec/ecpay-merchant-checkout.md`):
//! the camelCase request, the success envelope (the spec's example decodes; a correctly
//! signed answer verifies; a tampered one does not) and the `errorCode` failures.

mod common;

use ecpay_sdk::merchant::MerchantCheckoutRequest;
use ecpay_sdk::{Client, Credentials, Error, ErrorCode, RetryPolicy};
use serde_json::{json, Value};
use wiremock::matchers::{any, body_json, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SUCCESS: &str = include_str!("fixtures/merchant_success.json");
const FAILURE: &str = include_str!("fixtures/merchant_failure.json");

fn req() -> MerchantCheckoutRequest {
    MerchantCheckoutRequest {
        order_date: "2025/05/03 14:30:00".into(),
        order_item: "Item1".into(),
        shipping_type: "HOME".into(),
        payment_type: "Credit".into(),
        shopper_name: "王小明".into(),
        shopper_paid_amount: 1000,
        discount_total: 0,
        shipping_fee: 60,
        receiver_name: "王小明".into(),
        receiver_phone: "0912345678".into(),
        receiver_address: "台北市".into(),
        total_amount: 1000,
        item_name: "Item1#Item2".into(),
    }
}

fn wire_request() -> Value {
    json!({
        "orderDate": "2025/05/03 14:30:00", "orderItem": "Item1", "shippingType": "HOME",
        "paymentType": "Credit", "shopperName": "王小明", "shopperPaidAmount": 1000,
        "discountTotal": 0, "shippingFee": 60, "receiverName": "王小明",
        "receiverPhone": "0912345678", "receiverAddress": "台北市", "totalAmount": 1000,
        "itemName": "Item1#Item2"
    })
}

async fn setup(creds: Option<Credentials>) -> (MockServer, Client) {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(|r: &Request| {
            ResponseTemplate::new(599).set_body_string(format!("unexpected {} {}", r.method, r.url))
        })
        .with_priority(100)
        .mount(&server)
        .await;
    let mut b = Client::builder()
        .base_url("https://payment-stage.ecpay.com.tw")
        .api_base_url(server.uri())
        .retry_policy(RetryPolicy::disabled());
    if let Some(c) = creds {
        b = b.credentials(c);
    }
    (server, b.build().unwrap())
}

/// A success answer for the stage merchant, signed by the independent signer.
fn signed_success() -> Value {
    let fields = [
        ("MerchantID", "3002607"),
        ("MerchantTradeNo", "UniqueTradeNo12345"),
        ("MerchantTradeDate", "2025/05/03 14:30:00"),
        ("PaymentType", "aio"),
        ("TotalAmount", "1000"),
        ("TradeDesc", "Transaction Description"),
        ("ItemName", "Item1#Item2"),
        ("ReturnURL", "https://yourserver.com/payment/return"),
        ("ChoosePayment", "Credit"),
        ("EncryptType", "1"),
        ("StoreID", "Store123"),
        ("ClientBackURL", "https://yourclient.com/back"),
        ("OrderResultURL", "https://yourclient.com/result"),
        ("NeedExtraPaidInfo", "N"),
    ];
    let mac = common::cmv(&fields, common::KEY, common::IV);
    let mut data = serde_json::Map::new();
    for (k, v) in fields {
        let val = if k == "TotalAmount" || k == "EncryptType" {
            json!(v.parse::<i64>().unwrap())
        } else {
            json!(v)
        };
        data.insert(k.into(), val);
    }
    data.insert("CheckMacValue".into(), json!(mac));
    json!({"success": true, "data": data})
}

#[tokio::test]
async fn sends_camel_case_and_verifies_a_signed_answer() {
    let (server, client) = setup(Some(Credentials::stage())).await;
    Mock::given(method("POST"))
        .and(path("/api/payment/ecpay/checkout"))
        .and(header("content-type", "application/json"))
        .and(body_json(wire_request()))
        .respond_with(ResponseTemplate::new(200).set_body_json(signed_success()))
        .expect(1)
        .mount(&server)
        .await;
    let c = client.merchant().checkout(&req()).await.unwrap();
    assert!(c.verified);
    assert_eq!(c.params.total_amount, 1000);
    assert_eq!(c.params.extra.get("NeedExtraPaidInfo"), Some(&json!("N")));
    let html = client.merchant().render_form(&c);
    assert!(html.contains("action=\"https://payment-stage.ecpay.com.tw/Cashier/AioCheckOut/V5\""));
    assert!(html.contains("name=\"CheckMacValue\""));
    let signed = client.merchant().to_signed_checkout(&c);
    assert_eq!(
        signed.fields.last().map(|(k, _)| k.as_str()),
        Some("CheckMacValue")
    );
}

#[tokio::test]
async fn tampered_answer_fails_verification() {
    let (server, client) = setup(Some(Credentials::stage())).await;
    let mut v = signed_success();
    v["data"]["TotalAmount"] = json!(1);
    Mock::given(path("/api/payment/ecpay/checkout"))
        .respond_with(ResponseTemplate::new(200).set_body_json(v))
        .mount(&server)
        .await;
    let e = client.merchant().checkout(&req()).await.unwrap_err();
    assert!(matches!(e, Error::Signature(_)), "{e:?}");
}

#[tokio::test]
async fn spec_example_decodes_without_credentials_and_fails_with_them() {
    // The spec's example carries the placeholder `GeneratedCheckMacValue`.
    let (server, client) = setup(None).await;
    Mock::given(path("/api/payment/ecpay/checkout"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(SUCCESS, "application/json"))
        .mount(&server)
        .await;
    let c = client.merchant().checkout(&req()).await.unwrap();
    assert!(!c.verified);
    assert_eq!(c.params.merchant_id, "YourMerchantID");
    assert_eq!(
        c.params.item_url.as_deref(),
        Some("https://yourstore.com/item")
    );
    assert_eq!(c.params.encrypt_type, 1);

    let (server2, client2) = setup(Some(Credentials::stage())).await;
    Mock::given(path("/api/payment/ecpay/checkout"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(SUCCESS, "application/json"))
        .mount(&server2)
        .await;
    assert!(matches!(
        client2.merchant().checkout(&req()).await,
        Err(Error::Signature(_))
    ));
}

#[tokio::test]
async fn system_error_is_typed() {
    for status in [200u16, 500] {
        let (server, client) = setup(None).await;
        Mock::given(path("/api/payment/ecpay/checkout"))
            .respond_with(ResponseTemplate::new(status).set_body_raw(FAILURE, "application/json"))
            .expect(1)
            .mount(&server)
            .await;
        match client.merchant().checkout(&req()).await.unwrap_err() {
            Error::Api {
                status: s,
                code,
                message,
            } => {
                assert_eq!(s, status);
                assert_eq!(code, ErrorCode::SystemError);
                assert_eq!(message, "系統錯誤");
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn unknown_error_code_is_kept() {
    let (server, client) = setup(None).await;
    Mock::given(path("/api/payment/ecpay/checkout"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "success": false, "error": {"errorCode": "ORDER_LOCKED", "errorMessage": "locked"}
        })))
        .mount(&server)
        .await;
    let e = client.merchant().checkout(&req()).await.unwrap_err();
    assert!(
        matches!(e, Error::Api { code: ErrorCode::Other(ref c), .. } if c == "ORDER_LOCKED"),
        "{e:?}"
    );
}

#[tokio::test]
async fn html_error_page_is_an_api_error_with_a_short_body() {
    let (server, client) = setup(None).await;
    Mock::given(path("/api/payment/ecpay/checkout"))
        .respond_with(
            ResponseTemplate::new(502).set_body_string("<html>".to_string() + &"x".repeat(5000)),
        )
        .mount(&server)
        .await;
    match client.merchant().checkout(&req()).await.unwrap_err() {
        Error::Api {
            status: 502,
            message,
            ..
        } => assert!(message.chars().count() <= ecpay_sdk::BODY_SNIPPET_CHARS + 1),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn request_rules_are_checked_before_sending() {
    let (server, client) = setup(None).await;
    let cases: Vec<(MerchantCheckoutRequest, &str)> = vec![
        (
            MerchantCheckoutRequest {
                order_date: " ".into(),
                ..req()
            },
            "orderDate",
        ),
        (
            MerchantCheckoutRequest {
                item_name: "綠".repeat(401),
                ..req()
            },
            "itemName",
        ),
        (
            MerchantCheckoutRequest {
                shipping_fee: -1,
                ..req()
            },
            "shippingFee",
        ),
        (
            MerchantCheckoutRequest {
                total_amount: 0,
                ..req()
            },
            "totalAmount",
        ),
    ];
    for (r, field) in cases {
        match client.merchant().checkout(&r).await.unwrap_err() {
            Error::Validation { field: f, .. } => assert_eq!(f, field),
            other => panic!("{other:?}"),
        }
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[test]
fn request_serializes_to_the_spec_field_names() {
    assert_eq!(serde_json::to_value(req()).unwrap(), wire_request());
    let spec = include_str!("../spec/ecpay-merchant-checkout.md");
    for k in wire_request().as_object().unwrap().keys() {
        assert!(spec.contains(&format!("`{k}`")), "{k} not in the spec");
    }
}
