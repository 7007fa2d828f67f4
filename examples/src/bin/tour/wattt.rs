//! Wattt: fetch amounts, create a payment link for an allowed amount, create a collection,
//! complete it, verify the notification, create a payout and query it, read the balance.

use rust_decimal::Decimal;
use wattt_sdk::testing::Simulator;
use wattt_sdk::{
    Client, CollectionRequest, PaymentLinkAmountRequest, PayoutLookup, PayoutRequest, Twd,
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
            |a| a.to_string(),
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
        |url| format!("{}: {url}", Twd(Decimal::from(amount))),
    )
    .await?;
    let orderid = reference("COL");
    let req = CollectionRequest::new(&orderid, Decimal::new(2_500, 0)).notify_url(&notify_url);
    flow.step(
        "create collection (NT$2,500)",
        async { Ok(client.collections().create(&req).await?) },
        |c| {
            format!(
                "{} {}",
                c.orderid.as_deref().unwrap_or("(no orderid in the answer)"),
                c.status
                    .as_ref()
                    .map_or("(no status)".to_owned(), |s| s.to_string())
            )
        },
    )
    .await?;
    Ok(orderid)
}

async fn simulated(flow: &mut Flow, merchant: &Merchant) -> Result<(), StepError> {
    let sim = Simulator::start().await;
    let client = sim.client();
    let verifier = sim.verifier().with_replay_guard(merchant.replay_guard());
    merchant.configure(|v| v.wattt = Some(verifier));

    let orderid = link_and_collect(flow, &client, merchant).await?;
    flow.step(
        "payer pays the collection (simulator notifies)",
        async {
            let d = sim.pay(&orderid).await?;
            if d.status != 200 {
                return Err(format!("merchant answered {}", d.status).into());
            }
            Ok(d)
        },
        |d| {
            format!(
                "notification posted to {}, merchant answered {}",
                d.url, d.body
            )
        },
    )
    .await?;
    flow.step(
        "verify notification (sign)",
        async {
            match merchant.next_callback().await? {
                Callback::Wattt(n) if n.orderid.as_deref() == Some(&orderid) => Ok(n),
                Callback::Wattt(n) => Err(format!(
                    "unexpected notification for {}",
                    n.orderid.as_deref().unwrap_or("(no orderid)")
                )
                .into()),
                _ => Err("a callback from another gateway arrived".into()),
            }
        },
        |n| {
            format!(
                "{} {} {}",
                n.kind,
                n.status
                    .as_ref()
                    .map_or("(no status)".to_owned(), |s| s.to_string()),
                n.amount
                    .map_or("(no amount)".to_owned(), |a| Twd(a).to_string())
            )
        },
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
        |p| {
            format!(
                "{} {}",
                p.serial_no
                    .as_deref()
                    .unwrap_or("(no serial_no in the answer)"),
                p.status
                    .as_ref()
                    .map_or("(no status)".to_owned(), |s| s.to_string())
            )
        },
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
        |p| {
            p.status
                .as_ref()
                .map_or("(no status)".to_owned(), |s| s.to_string())
        },
    )
    .await?;
    flow.step(
        "read balance",
        async { Ok(client.balance().await?) },
        balance,
    )
    .await?;
    Ok(())
}

fn balance(b: &wattt_sdk::Balance) -> String {
    b.balance
        .map_or("(no balance in the answer)".to_owned(), |a| {
            Twd(a).to_string()
        })
}

/// A variable the real-host run needs: set and not empty, else the step fails naming it (no
/// secret ever defaults to "").
fn required_var(name: &str) -> Result<String, StepError> {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => Ok(v),
        _ => Err(
            format!("{name} is not set (WATTT_BASE_URL is, so the real host was asked for)").into(),
        ),
    }
}

async fn real_host(flow: &mut Flow, merchant: &Merchant, base_url: &str) -> Result<(), StepError> {
    let client = Client::builder()
        .base_url(base_url)
        .credentials(required_var("WATTT_UID")?, required_var("WATTT_SECRET")?)
        .build()?;
    link_and_collect(flow, &client, merchant).await?;
    flow.step(
        "read balance (paying and payouts need a real payer: skipped)",
        async { Ok(client.balance().await?) },
        balance,
    )
    .await?;
    Ok(())
}
