//! The ECPay-ops operations end to end against the simulator (feature `testing`): a monthly
//! subscription (checkout with a periodic plan, first payment, a renewal whose signed
//! `PeriodReturnURL` notice `webhook::PeriodRenewal` verifies, the plan queried and
//! cancelled), a capture, a credit trade looked up by its gwsr, and both reconciliation files
//! (served in Big5, as ECPay serves them to the official Node SDK).
#![cfg(feature = "testing")]

use chrono::NaiveDate;
use ecpay_sdk::aio::{
    CaptureRequest, CheckoutRequest, CreditMode, CreditOptions, CreditTradeRequest, ExecStatus,
    FundingDateType, FundingFileRequest, MediaDateType, Payment, PeriodActionKind,
    PeriodActionRequest, PeriodType, PeriodicPlan, TradeDate, TradeFileRequest,
};
use ecpay_sdk::testing::{SimPlanStatus, Simulator};
use ecpay_sdk::webhook::{Delivery, PeriodRenewal};
use ecpay_sdk::{Error, ErrorCode};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn subscription(no: &str, period_return_url: &str) -> CheckoutRequest {
    let mut r = CheckoutRequest::new(
        no,
        TradeDate::now_taiwan(),
        299,
        "Monthly plan",
        "Coffee subscription",
        "https://shop.example.com/ecpay/return",
    );
    r.payment = Payment::Credit(CreditOptions {
        mode: CreditMode::Periodic(PeriodicPlan {
            period_amount: 299,
            period_type: PeriodType::Month,
            frequency: 1,
            exec_times: 12,
            period_return_url: Some(period_return_url.into()),
        }),
        ..Default::default()
    });
    r
}

async fn merchant() -> MockServer {
    let m = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("1|OK"))
        .mount(&m)
        .await;
    m
}

#[tokio::test]
async fn monthly_subscription_lifecycle() {
    let sim = Simulator::start().await;
    let shop = merchant().await;
    let client = sim.client();
    let no = "SUB20260101001";
    let form = client
        .aio()
        .checkout(&subscription(no, &format!("{}/ecpay/period", shop.uri())))
        .expect("signed");
    assert!(sim.submit(&form).await.expect("submitted").accepted);
    sim.set_callback_url(format!("{}/ecpay/return", shop.uri()));
    assert!(sim.pay(no).await.expect("first payment").acknowledged());

    let info = client
        .aio()
        .query_period_info(no)
        .await
        .expect("plan after payment");
    assert_eq!(
        (
            info.exec_status.clone(),
            info.total_success_times,
            info.exec_log.len()
        ),
        (ExecStatus::Running, 1, 1)
    );
    assert_eq!(info.period_amount, 299);

    let reply = sim.renew(no).await.expect("renewal delivered");
    assert!(reply.acknowledged());
    let reqs = shop.received_requests().await.expect("recorded");
    let body = &reqs.last().expect("the renewal notice").body;
    let verifier = sim.verifier();
    let renewal: PeriodRenewal = verifier
        .verify_period_renewal(body)
        .expect("verified renewal");
    assert_eq!(
        (
            renewal.merchant_trade_no.as_str(),
            renewal.amount,
            renewal.total_success_times
        ),
        (no, 299, 2)
    );
    assert_eq!((renewal.first_auth_amount, renewal.exec_times), (299, 12));
    assert!(renewal.is_paid());
    let first = verifier
        .verify_and_record_as::<PeriodRenewal>(body, std::time::SystemTime::now())
        .await
        .expect("recorded");
    assert_eq!(first.delivery, Delivery::First);
    sim.redeliver(no).await.expect("re-delivered");
    let reqs = shop.received_requests().await.expect("recorded");
    let again = verifier
        .verify_and_record_as::<PeriodRenewal>(
            &reqs.last().expect("re-delivery").body,
            std::time::SystemTime::now(),
        )
        .await
        .expect("recorded again");
    assert_eq!(
        again.delivery,
        Delivery::Repeat,
        "ECPay's duplicate delivery is recognised"
    );

    let info = client
        .aio()
        .query_period_info(no)
        .await
        .expect("plan after renewal");
    assert_eq!(
        (info.total_success_times, info.total_success_amount),
        (2, 598)
    );
    assert_eq!(
        info.exec_log[1].gwsr, renewal.gwsr,
        "the log names the renewal's gwsr"
    );

    let trade = client
        .aio()
        .query_credit_trade(&CreditTradeRequest {
            credit_refund_id: renewal.gwsr.parse().expect("numeric gwsr"),
            credit_amount: 299,
            credit_check_code: 1,
        })
        .await
        .expect("credit trade");
    assert_eq!((trade.amount, trade.status.as_str()), (299, "已授權"));

    let cancelled = client
        .aio()
        .period_action(&PeriodActionRequest::new(no, PeriodActionKind::Cancel))
        .await
        .expect("cancelled");
    assert_eq!(cancelled.rtn_code, 1);
    assert_eq!(
        sim.plan(no).map(|p| p.status),
        Some(SimPlanStatus::Cancelled)
    );
    let info = client
        .aio()
        .query_period_info(no)
        .await
        .expect("plan after cancel");
    assert_eq!(info.exec_status, ExecStatus::Cancelled);
    let again = client
        .aio()
        .period_action(&PeriodActionRequest::new(no, PeriodActionKind::Cancel))
        .await;
    assert!(
        matches!(
            again,
            Err(Error::Api {
                code: ErrorCode::Rtn(_),
                ..
            })
        ),
        "{again:?}"
    );
    assert!(
        sim.renew(no).await.is_err(),
        "a cancelled plan is not charged"
    );
}

#[tokio::test]
async fn declined_renewal_is_reauthorised() {
    let sim = Simulator::start().await;
    let shop = merchant().await;
    let client = sim.client();
    let no = "SUB20260101002";
    let form = client
        .aio()
        .checkout(&subscription(no, &format!("{}/p", shop.uri())))
        .expect("signed");
    assert!(sim.submit(&form).await.expect("submitted").accepted);
    sim.set_callback_url(format!("{}/r", shop.uri()));
    sim.pay(no).await.expect("paid");
    sim.renew_declined(no)
        .await
        .expect("declined notice delivered");
    let reqs = shop.received_requests().await.expect("recorded");
    let declined = sim
        .verifier()
        .verify_period_renewal(&reqs.last().expect("notice").body)
        .expect("a declined renewal still verifies");
    assert!(!declined.is_paid());
    client
        .aio()
        .period_action(&PeriodActionRequest::new(no, PeriodActionKind::ReAuth))
        .await
        .expect("re-authorised");
    let info = client.aio().query_period_info(no).await.expect("info");
    assert_eq!(info.total_success_times, 2);
}

#[tokio::test]
async fn capture_and_files() {
    let sim = Simulator::start().await;
    let shop = merchant().await;
    let client = sim.client();
    let no = "CAP20260101001";
    let mut req = CheckoutRequest::new(
        no,
        TradeDate::now_taiwan(),
        1000,
        "desc",
        "Item",
        "https://shop.example.com/r",
    );
    req.payment = Payment::Credit(CreditOptions::default());
    assert!(
        sim.submit(&client.aio().checkout(&req).expect("signed"))
            .await
            .expect("submitted")
            .accepted
    );
    sim.set_callback_url(shop.uri());
    sim.pay(no).await.expect("paid");

    let wrong = client.aio().capture(&CaptureRequest::new(no, 900, 0)).await;
    assert!(
        matches!(wrong, Err(Error::Api { .. })),
        "amounts must add up: {wrong:?}"
    );
    let ok = client
        .aio()
        .capture(&CaptureRequest::new(no, 900, 100))
        .await
        .expect("captured");
    assert_eq!(ok.merchant_trade_no, no);
    assert!(!ok.allocation_date.is_empty());
    assert_eq!(sim.captures().len(), 1);

    let today = chrono::Utc::now().date_naive();
    let file = client
        .aio()
        .trade_file(&TradeFileRequest::new(MediaDateType::Paid, today, today))
        .await
        .expect("trade file (Big5, decoded automatically)");
    let row = file
        .rows
        .iter()
        .find(|r| r.merchant_trade_no == no)
        .expect("the order's row");
    assert_eq!(
        (row.amount, row.handling_charge, row.net_amount),
        (1000, Some(28), Some(972))
    );

    let sub = "SUB20260101003";
    let form = client
        .aio()
        .checkout(&subscription(sub, "https://shop.example.com/p"))
        .expect("signed");
    assert!(sim.submit(&form).await.expect("submitted").accepted);
    sim.pay(sub).await.expect("paid");
    sim.renew(sub).await.expect("renewed");
    let d = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
    let funding = client
        .aio()
        .funding_file(&FundingFileRequest::new(
            FundingDateType::Enter,
            d,
            today.max(d),
        ))
        .await
        .expect("funding file");
    assert_eq!(funding.rows.len(), 2, "first charge and renewal");
    assert!(funding
        .rows
        .iter()
        .all(|r| r.amount == 299 && r.funded_amount == 290));
}

#[tokio::test]
async fn ops_routes_check_the_signature() {
    let sim = Simulator::start().await;
    let bad = ecpay_sdk::Client::builder()
        .base_url(sim.base_url())
        .credentials(ecpay_sdk::Credentials::new(
            "3002607",
            "wrongkeywrongkey",
            "wrongivwrongivxx",
        ))
        .build()
        .expect("client");
    let r = bad.aio().query_period_info("SUB1").await;
    assert!(matches!(r, Err(Error::Decode { .. })), "{r:?}");
    let today = chrono::Utc::now().date_naive();
    let f = bad
        .aio()
        .trade_file(&TradeFileRequest::new(MediaDateType::Paid, today, today))
        .await;
    assert!(matches!(f, Err(Error::Decode { .. })), "{f:?}");
}

#[tokio::test]
async fn server_order_and_create_trade() {
    use ecpay_sdk::aio::{ServerOrderRequest, ServerTradeType};
    let sim = Simulator::start().await;
    let client = sim.client();
    let req = ServerOrderRequest::new(
        "AP20260101001",
        TradeDate::now_taiwan(),
        150,
        "Tea",
        "Apple Pay order",
        ServerTradeType::InApp,
        r#"{"paymentData":{"version":"EC_v1"}}"#,
    );
    let order = client
        .aio()
        .create_server_order(&req)
        .await
        .expect("charged");
    assert_eq!(
        (order.merchant_trade_no.as_str(), order.trade_amt),
        ("AP20260101001", 150)
    );
    assert_eq!(
        sim.order("AP20260101001").map(|o| o.total_amount),
        Some(150)
    );
    let again = client.aio().create_server_order(&req).await;
    assert!(
        matches!(
            again,
            Err(Error::Api {
                code: ErrorCode::Rtn(10200047),
                ..
            })
        ),
        "{again:?}"
    );

    let trade = CheckoutRequest::new(
        "SP20260101001",
        TradeDate::now_taiwan(),
        500,
        "desc",
        "Item",
        "https://shop.example.com/r",
    );
    let created = client.aio().create_trade(&trade).await.expect("created");
    assert!(created.sp_token.starts_with("SP"));
    assert!(sim.order("SP20260101001").is_some());
    let dup = client.aio().create_trade(&trade).await;
    assert!(matches!(dup, Err(Error::Api { .. })), "{dup:?}");
}
