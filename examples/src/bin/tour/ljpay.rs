//! LJPay: create an order, show its QR, pay, verify the webhook, see LJPay's re-delivery
//! acknowledged without processing it twice, query, refund part.

use ljpay_sdk::testing::Simulator;
use ljpay_sdk::{
    Channel, Client, CreateOrderRequest, Fen, Instructions, OrderStatus, RefundRequest,
};

use crate::merchant::{Callback, Merchant};
use crate::ui::{Flow, Report, StepError, Target};

pub async fn run(merchant: &Merchant) -> Report {
    let real = std::env::var("LJPAY_BASE_URL").ok();
    let target = real.clone().map_or(Target::Simulator, Target::RealHost);
    let mut flow = Flow::new("LJPay", target);
    let outcome = match real {
        Some(base_url) => real_host(&mut flow, &base_url).await,
        None => simulated(&mut flow, merchant).await,
    };
    flow.finish(outcome)
}

fn biz_order_no() -> String {
    format!("TOUR-{}", chrono::Utc::now().format("%Y%m%d%H%M%S%3f"))
}

const AMOUNT: Fen = Fen(12_800);
const REFUND: Fen = Fen(5_000);

fn amount(fen: Option<i64>) -> String {
    fen.map_or_else(|| "an unstated amount".to_owned(), |f| Fen(f).to_string())
}

async fn create(flow: &mut Flow, client: &Client, biz: &str) -> Result<(), StepError> {
    let req = CreateOrderRequest::new(biz, AMOUNT.0, Channel::WechatNative, "珍珠奶茶禮盒 x 2");
    let created = flow
        .step(
            &format!("create order ({}, {AMOUNT})", req.channel),
            async { Ok(client.orders().create(&req).await?) },
            |o| format!("order {}", o.order_no()),
        )
        .await?;
    flow.step(
        "show payment instructions",
        async { Ok(created.instructions().cloned()) },
        |i| match i {
            Some(Instructions::Qr(qr)) => match qr.raw_pay_url.as_deref() {
                Some(url) => format!("scan to pay {url}\n{}", crate::ui::qr_block(url)),
                None => "QR code (PNG data URL)".to_string(),
            },
            Some(Instructions::Redirect(r)) => match r.redirect_url.as_deref() {
                Some(url) => format!("redirect the browser to {url}"),
                None => "redirect (no URL given)".to_string(),
            },
            Some(Instructions::Jsapi(_)) => "call WeChat's JSAPI with the parameters".to_string(),
            Some(_) => "instructions of a type this SDK does not know".to_string(),
            None => "none returned".to_string(),
        },
    )
    .await?;
    Ok(())
}

async fn simulated(flow: &mut Flow, merchant: &Merchant) -> Result<(), StepError> {
    let sim = Simulator::start().await;
    sim.set_callback_url(&merchant.url("/ljpay/webhook"))?;
    let verifier = sim.verifier().with_replay_guard(merchant.replay_guard());
    merchant.configure(|v| v.ljpay = Some(verifier));
    let client = sim.client();
    let biz = biz_order_no();

    create(flow, &client, &biz).await?;
    flow.step(
        "payer pays (simulator)",
        async {
            let reply = sim.pay(&biz).await?;
            if reply.status != 200 {
                return Err(format!("merchant answered the webhook with {}", reply.status).into());
            }
            Ok(reply)
        },
        |r| {
            format!(
                "webhook delivered, merchant answered {} {}",
                r.status, r.body
            )
        },
    )
    .await?;
    flow.step(
        "verify webhook (X-Pay-* signature, window, nonce)",
        async {
            match merchant.next_callback().await? {
                Callback::Ljpay(e) if e.biz_order_no == biz && e.status == OrderStatus::Paid => {
                    Ok(e)
                }
                Callback::Ljpay(e) => {
                    Err(format!("unexpected webhook for {} ({})", e.biz_order_no, e.status).into())
                }
                _ => Err("a callback from another gateway arrived".into()),
            }
        },
        |e| {
            format!(
                "{} is {}, paid {}",
                e.order_no,
                e.status,
                amount(e.paid_amount_fen)
            )
        },
    )
    .await?;
    flow.step(
        "LJPay delivers the same webhook again",
        async {
            let before = merchant.repeats();
            let reply = sim.redeliver(&biz).await?;
            if reply.status != 200 {
                return Err(
                    format!("merchant answered the re-delivery with {}", reply.status).into(),
                );
            }
            if merchant.repeats() != before + 1 {
                return Err("the re-delivery was not recognised as a repeat".into());
            }
            Ok(reply)
        },
        |r| {
            format!(
                "acknowledged ({} {}), not processed twice",
                r.status, r.body
            )
        },
    )
    .await?;
    flow.step(
        "query order",
        async {
            let order = client.orders().get_by_biz_order_no(&biz).await?;
            if order.status != OrderStatus::Paid {
                return Err(format!("order is {}, expected PAID", order.status).into());
            }
            Ok(order)
        },
        |o| format!("{} {}", o.order_no, o.status),
    )
    .await?;
    flow.step(
        &format!("refund part ({REFUND})"),
        async {
            Ok(client
                .refunds()
                .create(&RefundRequest::new(&biz, format!("{biz}-R1"), REFUND.0))
                .await?)
        },
        |r| format!("refund {} of {}", r.status, amount(r.refund_fen)),
    )
    .await?;
    Ok(())
}

async fn real_host(flow: &mut Flow, base_url: &str) -> Result<(), StepError> {
    let var = |name: &str| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("LJPAY_BASE_URL is set, so {name} must be set too"))
    };
    let client = Client::builder()
        .base_url(base_url)
        .site_code(var("LJPAY_SITE_CODE")?)
        .secret(var("LJPAY_SECRET")?)
        .build()?;
    let biz = biz_order_no();
    create(flow, &client, &biz).await?;
    flow.step(
        "query order",
        async { Ok(client.orders().get_by_biz_order_no(&biz).await?) },
        |o| {
            format!(
                "{} {} (paying needs a real payer: skipped)",
                o.order_no, o.status
            )
        },
    )
    .await?;
    flow.step(
        "cancel the unpaid order",
        async { Ok(client.orders().cancel(&biz).await?) },
        |_| "canceled",
    )
    .await?;
    Ok(())
}
