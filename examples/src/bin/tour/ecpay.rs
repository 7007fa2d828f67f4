//! ECPay: build and sign a checkout, submit it, pay, verify the ReturnURL callback,
//! acknowledge `1|OK`, confirm with QueryTradeInfo; then a monthly subscription: checkout with a
//! periodic plan, the first payment, one renewal whose `PeriodReturnURL` notice is verified,
//! the plan queried and cancelled.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use ecpay_sdk::aio::{
    CheckoutRequest, CreditMode, CreditOptions, ExecStatus, Payment, PeriodActionKind,
    PeriodActionRequest, PeriodType, PeriodicPlan, TradeDate, TradeStatus,
};
use ecpay_sdk::testing::Simulator;
use ecpay_sdk::webhook::{PeriodRenewal, Verifier, ACK};
use ecpay_sdk::{Client, Credentials, Environment};
use sign_core::replay::Received;
use tokio::sync::mpsc;

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

fn trade_no(prefix: &str) -> String {
    // At most 20 letters and digits.
    format!("{prefix}{}", chrono::Utc::now().format("%y%m%d%H%M%S%3f"))
}

/// New Taiwan dollars as people read them: `NT$2,980`.
fn ntd(amount: impl Into<i128>) -> String {
    let n: i128 = amount.into();
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{}NT${out}", if n < 0 { "-" } else { "" })
}

fn request(merchant: &Merchant, trade_no: &str) -> CheckoutRequest {
    CheckoutRequest::new(
        trade_no,
        TradeDate::now_taiwan(),
        2_980,
        "台北信義門市線上訂單",
        "珍珠奶茶禮盒 x 2#手工鳳梨酥 12入 x 1",
        merchant.url("/ecpay/return"),
    )
}

fn subscription(merchant: &Merchant, trade_no: &str, period_return_url: String) -> CheckoutRequest {
    let mut r = CheckoutRequest::new(
        trade_no,
        TradeDate::now_taiwan(),
        299,
        "每月咖啡豆訂閱",
        "精品咖啡豆 250g x 1",
        merchant.url("/ecpay/return"),
    );
    r.payment = Payment::Credit(CreditOptions {
        mode: CreditMode::Periodic(PeriodicPlan {
            period_amount: 299,
            period_type: PeriodType::Month,
            frequency: 1,
            exec_times: 12,
            period_return_url: Some(period_return_url),
        }),
        ..Default::default()
    });
    r
}

struct PeriodHandler {
    verifier: Verifier,
    events: mpsc::UnboundedSender<Received<PeriodRenewal>>,
}

/// The merchant's `PeriodReturnURL`: verify and record the notice, hand a first delivery on,
/// answer `1|OK` (503 when the store cannot answer, so ECPay re-delivers later).
async fn period_return(
    State(h): State<Arc<PeriodHandler>>,
    body: Bytes,
) -> (StatusCode, &'static str) {
    match h
        .verifier
        .verify_and_record_as::<PeriodRenewal>(&body, std::time::SystemTime::now())
        .await
    {
        Ok(r) => {
            if r.is_first() {
                let _ = h.events.send(r);
            }
            (StatusCode::OK, ACK)
        }
        Err(ecpay_sdk::Error::StoreUnavailable { .. }) => {
            (StatusCode::SERVICE_UNAVAILABLE, "try again later")
        }
        Err(e) => {
            eprintln!("  ! merchant refused a PeriodReturnURL notice: {e}");
            (StatusCode::UNAUTHORIZED, "verification failed")
        }
    }
}

/// Starts the merchant's PeriodReturnURL endpoint; returns its URL and the verified notices.
async fn period_endpoint(
    verifier: Verifier,
) -> Result<(String, mpsc::UnboundedReceiver<Received<PeriodRenewal>>), StepError> {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = Router::new()
        .route("/ecpay/period", post(period_return))
        .with_state(Arc::new(PeriodHandler {
            verifier,
            events: tx,
        }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/ecpay/period", listener.local_addr()?);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((url, rx))
}

async fn simulated(flow: &mut Flow, merchant: &Merchant) -> Result<(), StepError> {
    let sim = Simulator::start().await;
    let client = sim.client();
    let verifier = sim.verifier().with_replay_guard(merchant.replay_guard());
    merchant.configure(|v| v.ecpay = Some(verifier.clone()));
    let no = trade_no("TOUR");

    let form = flow
        .step(
            "build and sign checkout (NT$2,980, ALL)",
            async { Ok(client.aio().checkout(&request(merchant, &no))?) },
            |f| format!("{} signed fields, POST to {}", f.fields.len(), f.action),
        )
        .await?;
    flow.step(
        "submit the form to the cashier",
        async {
            let answer = sim.submit(&form).await?;
            if !answer.accepted {
                return Err(format!(
                    "refused: {} {}",
                    answer.error_code.as_deref().unwrap_or("(no code)"),
                    answer.error_message.as_deref().unwrap_or("")
                )
                .into());
            }
            Ok(answer)
        },
        |a| {
            format!(
                "accepted, TradeNo {}",
                a.trade_no.as_deref().unwrap_or("(none)")
            )
        },
    )
    .await?;
    let reply = flow
        .step(
            "payer pays (simulator POSTs ReturnURL)",
            async { Ok(sim.pay(&no).await?) },
            |r| format!("merchant answered HTTP {} {}", r.status, r.body),
        )
        .await?;
    flow.step(
        "verify ReturnURL callback (CheckMacValue)",
        async {
            match merchant.next_callback().await? {
                Callback::Ecpay(r) if r.merchant_trade_no == no && r.is_paid() => Ok(r),
                Callback::Ecpay(r) => Err(format!(
                    "unexpected result for {}: RtnCode {}",
                    r.merchant_trade_no, r.rtn_code
                )
                .into()),
                _ => Err("a callback from another gateway arrived".into()),
            }
        },
        |r| format!("paid {} by {}", ntd(r.trade_amt), r.payment_type),
    )
    .await?;
    flow.step(
        "acknowledge with 1|OK",
        async {
            if reply.acknowledged() {
                Ok(reply.body.clone())
            } else {
                Err(format!("merchant answered HTTP {}: {}", reply.status, reply.body).into())
            }
        },
        |b| format!("merchant answered \"{b}\""),
    )
    .await?;
    flow.step(
        "confirm with QueryTradeInfo",
        async {
            let info = client.aio().query_trade_info(&no).await?;
            if info.trade_status != TradeStatus::Paid {
                return Err(format!("TradeStatus {}", info.trade_status).into());
            }
            Ok(info)
        },
        |i| format!("{} {}, {}", i.trade_no, i.trade_status, ntd(i.trade_amt)),
    )
    .await?;
    subscription_flow(flow, merchant, &sim, &client, verifier).await
}

async fn subscription_flow(
    flow: &mut Flow,
    merchant: &Merchant,
    sim: &Simulator,
    client: &Client,
    verifier: Verifier,
) -> Result<(), StepError> {
    let (period_url, mut renewals) = period_endpoint(verifier).await?;
    let sub = trade_no("SUB");
    flow.step(
        "subscription checkout (NT$299 monthly, 12 charges)",
        async {
            let form = client
                .aio()
                .checkout(&subscription(merchant, &sub, period_url.clone()))?;
            let answer = sim.submit(&form).await?;
            if !answer.accepted {
                return Err(format!(
                    "refused: {}",
                    answer.error_message.as_deref().unwrap_or("(no message)")
                )
                .into());
            }
            Ok(form)
        },
        |f| {
            format!(
                "{} signed fields, PeriodReturnURL {}",
                f.fields.len(),
                period_url
            )
        },
    )
    .await?;
    sim.set_callback_url(merchant.url("/ecpay/return"));
    flow.step(
        "first payment (ReturnURL verified)",
        async {
            let reply = sim.pay(&sub).await?;
            match merchant.next_callback().await? {
                Callback::Ecpay(r)
                    if r.merchant_trade_no == sub && r.is_paid() && reply.acknowledged() =>
                {
                    Ok(r)
                }
                Callback::Ecpay(r) => {
                    Err(format!("unexpected first payment: RtnCode {}", r.rtn_code).into())
                }
                _ => Err("a callback from another gateway arrived".into()),
            }
        },
        |r| format!("paid {} (charge 1 of 12)", ntd(r.trade_amt)),
    )
    .await?;
    sim.set_callback_url(period_url.clone());
    flow.step(
        "renewal (PeriodReturnURL notice verified)",
        async {
            let reply = sim.renew(&sub).await?;
            if !reply.acknowledged() {
                return Err(
                    format!("merchant answered HTTP {}: {}", reply.status, reply.body).into(),
                );
            }
            let r = tokio::time::timeout(std::time::Duration::from_secs(5), renewals.recv())
                .await
                .map_err(|_| "no verified renewal arrived within 5 s")?
                .ok_or("the PeriodReturnURL endpoint stopped")?;
            if r.event.merchant_trade_no != sub || !r.event.is_paid() {
                return Err(format!("unexpected renewal: RtnCode {}", r.event.rtn_code).into());
            }
            Ok(r)
        },
        |r| {
            format!(
                "{} authorised (gwsr {}), {} of {} charges, delivery {}",
                ntd(r.event.amount),
                r.event.gwsr,
                r.event.total_success_times,
                r.event.exec_times,
                r.delivery
            )
        },
    )
    .await?;
    flow.step(
        "query the plan (QueryCreditCardPeriodInfo)",
        async {
            let info = client.aio().query_period_info(sub.as_str()).await?;
            if info.exec_status != ExecStatus::Running || info.total_success_times != 2 {
                return Err(format!(
                    "plan {} with {} charges",
                    info.exec_status, info.total_success_times
                )
                .into());
            }
            Ok(info)
        },
        |i| {
            format!(
                "{}, {} of {} charges, {} collected",
                i.exec_status,
                i.total_success_times,
                i.exec_times,
                ntd(i.total_success_amount)
            )
        },
    )
    .await?;
    flow.step(
        "cancel the plan (CreditCardPeriodAction Cancel)",
        async {
            client
                .aio()
                .period_action(&PeriodActionRequest::new(
                    sub.as_str(),
                    PeriodActionKind::Cancel,
                ))
                .await?;
            let info = client.aio().query_period_info(sub.as_str()).await?;
            if info.exec_status != ExecStatus::Cancelled {
                return Err(format!("plan still {}", info.exec_status).into());
            }
            Ok(info)
        },
        |i| format!("plan {}, no further charges", i.exec_status),
    )
    .await?;
    Ok(())
}

/// Credentials from the CLI's variables: all three, or none on stage (the public stage
/// merchant). Production without its keys is refused, naming what is missing.
fn real_credentials(
    env: Environment,
    var: impl Fn(&str) -> Option<String>,
) -> Result<Credentials, StepError> {
    let vars = ["ECPAY_MERCHANT_ID", "ECPAY_HASH_KEY", "ECPAY_HASH_IV"];
    let values: Vec<Option<String>> = vars
        .iter()
        .map(|v| var(v).filter(|s| !s.is_empty()))
        .collect();
    let missing: Vec<&str> = vars
        .iter()
        .zip(&values)
        .filter(|(_, v)| v.is_none())
        .map(|(n, _)| *n)
        .collect();
    match (&values[0], &values[1], &values[2]) {
        (Some(id), Some(key), Some(iv)) => {
            Ok(Credentials::new(id.clone(), key.as_str(), iv.as_str()))
        }
        _ if env == Environment::Production => Err(format!(
            "ECPAY_ENV=production needs the merchant's own keys; not set: {}",
            missing.join(", ")
        )
        .into()),
        (None, None, None) => Ok(Credentials::stage()),
        _ => Err(format!(
            "set all of {}; not set: {}",
            vars.join(", "),
            missing.join(", ")
        )
        .into()),
    }
}

async fn real_host(flow: &mut Flow, merchant: &Merchant) -> Result<(), StepError> {
    let env = match std::env::var("ECPAY_ENV").as_deref() {
        Ok("production") => Environment::Production,
        _ => Environment::Stage,
    };
    let credentials = flow
        .step(
            "credentials from ECPAY_MERCHANT_ID, ECPAY_HASH_KEY, ECPAY_HASH_IV",
            async { real_credentials(env, |name| std::env::var(name).ok()) },
            |c| format!("MerchantID {}", c.merchant_id()),
        )
        .await?;
    let mut builder = Client::builder().environment(env).credentials(credentials);
    if let Ok(url) = std::env::var("ECPAY_AIO_BASE_URL") {
        builder = builder.base_url(url);
    }
    let client = builder.build()?;
    let no = trade_no("TOUR");
    flow.step(
        "build and sign checkout",
        async { Ok(client.aio().checkout(&request(merchant, &no))?) },
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
        async { Ok(client.aio().query_trade_info(&no).await?) },
        |i| {
            format!(
                "{} (unsubmitted order; paying needs a browser)",
                i.trade_status
            )
        },
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 13 finding: the tour fell back to the public stage merchant on production.
    #[test]
    fn production_without_keys_is_refused_naming_them() {
        type Case = (
            &'static str,
            Environment,
            &'static [(&'static str, &'static str)],
            Result<&'static str, &'static str>,
        );
        let all: &[(&str, &str)] = &[
            ("ECPAY_MERCHANT_ID", "2000132"),
            ("ECPAY_HASH_KEY", "k"),
            ("ECPAY_HASH_IV", "v"),
        ];
        let cases: &[Case] = &[
            (
                "production, none",
                Environment::Production,
                &[],
                Err("not set: ECPAY_MERCHANT_ID, ECPAY_HASH_KEY, ECPAY_HASH_IV"),
            ),
            (
                "production, no IV",
                Environment::Production,
                &[("ECPAY_MERCHANT_ID", "2000132"), ("ECPAY_HASH_KEY", "k")],
                Err("not set: ECPAY_HASH_IV"),
            ),
            (
                "production, all",
                Environment::Production,
                all,
                Ok("2000132"),
            ),
            (
                "stage, none: public stage merchant",
                Environment::Stage,
                &[],
                Ok("3002607"),
            ),
            (
                "stage, some",
                Environment::Stage,
                &[("ECPAY_HASH_KEY", "k")],
                Err("not set: ECPAY_MERCHANT_ID, ECPAY_HASH_IV"),
            ),
        ];
        for (name, env, set, want) in cases {
            let got = real_credentials(*env, |n| {
                set.iter()
                    .find(|(k, _)| *k == n)
                    .map(|(_, v)| (*v).to_owned())
            });
            match (got, want) {
                (Ok(c), Ok(id)) => assert_eq!(c.merchant_id(), *id, "case {name}"),
                (Err(e), Err(msg)) => assert!(e.to_string().contains(msg), "case {name}: {e}"),
                (got, want) => panic!(
                    "case {name}: got {:?}, want {want:?}",
                    got.map(|c| c.merchant_id().to_owned())
                        .map_err(|e| e.to_string())
                ),
            }
        }
    }

    #[test]
    fn ntd_groups_thousands() {
        let cases: &[(i64, &str)] = &[
            (0, "NT$0"),
            (299, "NT$299"),
            (2980, "NT$2,980"),
            (1234567, "NT$1,234,567"),
            (-100, "-NT$100"),
        ];
        for (n, want) in cases {
            assert_eq!(ntd(*n), *want, "case {n}");
        }
    }
}
