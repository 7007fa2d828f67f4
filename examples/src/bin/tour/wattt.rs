//! Wattt: fetch amounts, create a payment link for an allowed amount, create a collection,
//! complete it, verify the notification, create a payout and query it, read the balance.

use rust_decimal::Decimal;
use wattt_sdk::testing::Simulator;
use wattt_sdk::{
    Client, CollectionRequest, OrderStatus, PaymentLinkAmountRequest, PayoutLookup, PayoutRequest,
};

use crate::merchant::{Callback, Merchant};
use crate::ui::{Flow, Report, StepError, Target};

pub async fn run(merchant: &Merchant) -> Report {
    let real = std::env::var("WATTT_BASE_URL").ok();
    let target = real.clone().map_or(Target::Simulator, Target::RealHost);
    let mut flow = Flow::new("Wattt", target);
    let outcome = match real {
        Some(base_url) => real_host(&mut flow, merchant, &base_url).await,
        None => simulated(&mut flow, merchant).await,
    };
    flow.finish(outcome)
}

fn reference(prefix: &str) -> String {
    format!("{prefix}{}", chrono::Utc::now().format("%Y%m%d%H%M%S%3f"))
}

async fn link_and_collect(
    flow: &mut Flow,
    client: &Client,
    merchant: &Merchant,
) -> Result<String, StepError> {
    let amounts = flow
        .step(
            "fetch payment amounts",
            async { Ok(client.payment_links().amounts().await?) },
            |a| {
                format!(
                    "fixed {:?}, custom {:?}..={:?}",
                    a.fixed_amounts, a.custom_min, a.custom_max
                )
            },
        )
        .await?;
    let amount = amounts
        .fixed_amounts
        .first()
        .copied()
        .ok_or("the merchant offers no fixed amount")?;
    let notify_url = merchant.url("/wattt/notify");
    let req =
        PaymentLinkAmountRequest::new(reference("TL"), amount, "U10001", "王小明", &notify_url)
            .payer_account_no("008123456789");
    flow.step(
        "payment link for an allowed amount",
        async {
            let link = client
                .payment_links()
                .create_for_amount_checked(&req, &amounts)
                .await?;
            Ok(link.payment_url()?.to_string())
        },
        |url| format!("NT${amount}: {url}"),
    )
    .await?;
    let orderid = reference("COL");
    let req = CollectionRequest::new(&orderid, Decimal::new(2_500, 0)).notify_url(&notify_url);
    flow.step(
        "create collection (NT$2,500)",
        async { Ok(client.collections().create(&req).await?) },
        |c| format!("{} {:?}", c.orderid.as_deref().unwrap_or("?"), c.status),
    )
    .await?;
    Ok(orderid)
}

async fn simulated(flow: &mut Flow, merchant: &Merchant) -> Result<(), StepError> {
    let sim = Simulator::start().await;
    let client = sim.client();
    merchant.configure(|v| v.wattt = Some(sim.secret().clone()));

    let orderid = link_and_collect(flow, &client, merchant).await?;
    flow.step(
        "payer pays the collection (simulator notifies)",
        async {
            let d = sim
                .complete_collection(&orderid, OrderStatus::Success)
                .await?
                .ok_or("no notify_url")?;
            if d.status != 200 {
                return Err(format!("merchant answered {}", d.status).into());
            }
            Ok(d)
        },
        |d| format!("notification posted to {}", d.url),
    )
    .await?;
    flow.step(
        "verify notification (sign)",
        async {
            match merchant.next_callback().await? {
                Callback::Wattt(n) if n.orderid.as_deref() == Some(&orderid) => Ok(n),
                Callback::Wattt(n) => {
                    Err(format!("unexpected notification {:?}", n.orderid).into())
                }
                _ => Err("a callback from another gateway arrived".into()),
            }
        },
        |n| format!("{:?} {:?} NT${:?}", n.kind, n.status, n.amount),
    )
    .await?;
    payout_and_balance(flow, &client).await
}

async fn payout_and_balance(flow: &mut Flow, client: &Client) -> Result<(), StepError> {
    let serial = reference("PO");
    let req = PayoutRequest::new(&serial, Decimal::new(1_200, 0), "陳大文");
    flow.step(
        "create payout (NT$1,200)",
        async { Ok(client.payouts().create(&req).await?) },
        |p| format!("{} {:?}", p.serial_no.as_deref().unwrap_or("?"), p.status),
    )
    .await?;
    flow.step(
        "query payout",
        async {
            Ok(client
                .payouts()
                .status(&PayoutLookup::SerialNo(serial.clone()))
                .await?)
        },
        |p| format!("{:?}", p.status),
    )
    .await?;
    flow.step("read balance", async { Ok(client.balance().await?) }, |b| {
        format!("{:?}", b.balance)
    })
    .await?;
    Ok(())
}

async fn real_host(flow: &mut Flow, merchant: &Merchant, base_url: &str) -> Result<(), StepError> {
    let client = Client::builder()
        .base_url(base_url)
        .credentials(
            std::env::var("WATTT_UID").unwrap_or_default(),
            std::env::var("WATTT_SECRET").unwrap_or_default(),
        )
        .build()?;
    link_and_collect(flow, &client, merchant).await?;
    flow.step(
        "read balance (paying and payouts need a real payer: skipped)",
        async { Ok(client.balance().await?) },
        |b| format!("{:?}", b.balance),
    )
    .await?;
    Ok(())
}
