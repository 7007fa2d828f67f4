//! ECPay: build and sign a checkout, submit it, pay, verify the ReturnURL callback,
//! acknowledge `1|OK`, confirm with QueryTradeInfo.

use ecpay_sdk::aio::{CheckoutRequest, TradeStatus};
use ecpay_sdk::testing::Simulator;
use ecpay_sdk::{Client, Credentials, Environment};

use crate::merchant::{Callback, Merchant};
use crate::ui::{Flow, Report, StepError, Target};

pub async fn run(merchant: &Merchant) -> Report {
    // A real host when the CLI's variables say so (`ECPAY_ENV=stage` uses the public stage merchant).
    let real = std::env::var("ECPAY_ENV")
        .ok()
        .or_else(|| std::env::var("ECPAY_AIO_BASE_URL").ok());
    let target = real.clone().map_or(Target::Simulator, Target::RealHost);
    let mut flow = Flow::new("ECPay", target);
    let outcome = match real {
        Some(_) => real_host(&mut flow, merchant).await,
        None => simulated(&mut flow, merchant).await,
    };
    flow.finish(outcome)
}

fn trade_no() -> String {
    // At most 20 letters and digits.
    format!("TOUR{}", chrono::Utc::now().format("%y%m%d%H%M%S%3f"))
}

fn request(merchant: &Merchant, trade_no: &str) -> CheckoutRequest {
    // MerchantTradeDate is Taiwan time (UTC+8).
    let now = chrono::Utc::now() + chrono::Duration::hours(8);
    CheckoutRequest::new(
        trade_no,
        now.format("%Y/%m/%d %H:%M:%S").to_string(),
        2_980,
        "台北信義門市線上訂單",
        "珍珠奶茶禮盒 x 2#手工鳳梨酥 12入 x 1",
        merchant.url("/ecpay/return"),
    )
}

async fn simulated(flow: &mut Flow, merchant: &Merchant) -> Result<(), StepError> {
    let sim = Simulator::start().await;
    let client = sim.client()?;
    merchant.configure(|v| v.ecpay = Some(sim.credentials()));
    let trade_no = trade_no();

    let form = flow
        .step(
            "build and sign checkout (NT$2,980, ALL)",
            async { Ok(client.aio().checkout(&request(merchant, &trade_no))?) },
            |f| format!("{} signed fields, POST to {}", f.fields.len(), f.action),
        )
        .await?;
    flow.step(
        "submit the form to the cashier",
        async {
            let answer = sim.submit(&form).await?;
            if !answer.accepted {
                return Err(format!(
                    "refused: {:?} {:?}",
                    answer.error_code, answer.error_message
                )
                .into());
            }
            Ok(answer)
        },
        |a| format!("accepted, TradeNo {}", a.trade_no.as_deref().unwrap_or("?")),
    )
    .await?;
    let delivery = flow
        .step(
            "payer pays (simulator POSTs ReturnURL)",
            async { Ok(sim.pay(&trade_no).await?) },
            |d| format!("{} fields posted to {}", d.fields.len(), d.url),
        )
        .await?;
    flow.step(
        "verify ReturnURL callback (CheckMacValue)",
        async {
            match merchant.next_callback().await? {
                Callback::Ecpay(r) if r.merchant_trade_no == trade_no && r.is_paid() => Ok(r),
                Callback::Ecpay(r) => Err(format!(
                    "unexpected result for {}: RtnCode {}",
                    r.merchant_trade_no, r.rtn_code
                )
                .into()),
                _ => Err("a callback from another gateway arrived".into()),
            }
        },
        |r| format!("paid NT${} by {}", r.trade_amt, r.payment_type.as_str()),
    )
    .await?;
    flow.step(
        "acknowledge with 1|OK",
        async {
            if delivery.acknowledged() {
                Ok(delivery.ack_body.clone())
            } else {
                Err(format!("merchant answered {:?}", delivery.ack_body).into())
            }
        },
        |b| format!("merchant answered {b:?}"),
    )
    .await?;
    flow.step(
        "confirm with QueryTradeInfo",
        async {
            let info = client.aio().query_trade_info(&trade_no).await?;
            if info.trade_status != TradeStatus::Paid {
                return Err(format!("TradeStatus {:?}", info.trade_status).into());
            }
            Ok(info)
        },
        |i| format!("{} {:?}, NT${}", i.trade_no, i.trade_status, i.trade_amt),
    )
    .await?;
    Ok(())
}

async fn real_host(flow: &mut Flow, merchant: &Merchant) -> Result<(), StepError> {
    let env = match std::env::var("ECPAY_ENV").as_deref() {
        Ok("production") => Environment::Production,
        _ => Environment::Stage,
    };
    let credentials = match (
        std::env::var("ECPAY_MERCHANT_ID"),
        std::env::var("ECPAY_HASH_KEY"),
        std::env::var("ECPAY_HASH_IV"),
    ) {
        (Ok(id), Ok(key), Ok(iv)) => Credentials::new(id, key, iv),
        _ => Credentials::stage(),
    };
    let mut builder = Client::builder().environment(env).credentials(credentials);
    if let Ok(url) = std::env::var("ECPAY_AIO_BASE_URL") {
        builder = builder.aio_base_url(url);
    }
    let client = builder.build()?;
    let trade_no = trade_no();
    flow.step(
        "build and sign checkout",
        async { Ok(client.aio().checkout(&request(merchant, &trade_no))?) },
        |f| {
            format!(
                "{} fields for {} (open the HTML form in a browser to pay)",
                f.fields.len(),
                f.action
            )
        },
    )
    .await?;
    flow.step(
        "QueryTradeInfo",
        async { Ok(client.aio().query_trade_info(&trade_no).await?) },
        |i| {
            format!(
                "{:?} (unsubmitted order; paying needs a browser)",
                i.trade_status
            )
        },
    )
    .await?;
    Ok(())
}
