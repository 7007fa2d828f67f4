//! LJPay: create an order, show its QR, pay, verify the webhook, query, refund part.

use ljpay_sdk::testing::Simulator;
use ljpay_sdk::{Channel, Client, CreateOrderRequest, Instructions, OrderStatus, RefundRequest};

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

async fn create(flow: &mut Flow, client: &Client, biz: &str) -> Result<(), StepError> {
    let req = CreateOrderRequest::new(biz, 12_800, Channel::WechatNative, "珍珠奶茶禮盒 x 2");
    let created = flow
        .step(
            "create order (wechat_native, ¥128.00)",
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
            Some(Instructions::Redirect(r)) => format!("redirect to {:?}", r.redirect_url),
            Some(other) => format!("{other:?}"),
            None => "none returned".to_string(),
        },
    )
    .await?;
    Ok(())
}

async fn simulated(flow: &mut Flow, merchant: &Merchant) -> Result<(), StepError> {
    let sim = Simulator::start().await;
    sim.set_webhook_url(&merchant.url("/ljpay/webhook"))?;
    merchant.configure(|v| v.ljpay = Some(sim.webhook_config()));
    let client = sim.client()?;
    let biz = biz_order_no();

    create(flow, &client, &biz).await?;
    flow.step(
        "payer pays (simulator)",
        async {
            let delivery = sim
                .mark_paid(&biz)
                .await?
                .ok_or("simulator sent no webhook")?;
            if delivery.status != 200 {
                return Err(
                    format!("merchant answered the webhook with {}", delivery.status).into(),
                );
            }
            Ok(delivery)
        },
        |d| format!("webhook delivered, merchant answered {}", d.status),
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
                "{} is {}, paid {:?} fen",
                e.order_no, e.status, e.paid_amount_fen
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
        "refund part (¥50.00)",
        async {
            Ok(client
                .refunds()
                .create(&RefundRequest::new(&biz, format!("{biz}-R1"), 5_000))
                .await?)
        },
        |r| format!("refund {:?}", r.status),
    )
    .await?;
    Ok(())
}

async fn real_host(flow: &mut Flow, base_url: &str) -> Result<(), StepError> {
    let client = Client::builder()
        .base_url(base_url)
        .site_code(std::env::var("LJPAY_SITE_CODE").unwrap_or_default())
        .secret(std::env::var("LJPAY_SECRET").unwrap_or_default())
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
