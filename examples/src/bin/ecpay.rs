//! `ecpay`: a command line for the ECPay SDK (AIO checkout, callbacks, queries, and the two
//! merchant APIs).
//!
//! Environment:
//! - `ECPAY_ENV`: `stage` (default) or `production`;
//! - `ECPAY_MERCHANT_ID`, `ECPAY_HASH_KEY`, `ECPAY_HASH_IV`: credentials (on stage, ECPay's
//!   public test merchant 3002607 is used when none are given; production requires them);
//! - `ECPAY_AIO_BASE_URL`: overrides the AIO host (e.g. a simulator);
//! - `ECPAY_API_BASE_URL`: base URL of the integration demo and merchant checkout APIs.
//!
//! ```text
//! ecpay checkout --trade-no T1 --amount 100 --item-name 'Tea#Cake' --trade-desc Order --return-url https://shop.example/return [--choose-payment Credit] [--json]
//! ecpay verify-callback < body.txt
//! ecpay query-trade --trade-no T1
//! ecpay demo-create-order --source demo_store --order-id DEMO-1 --customer-name 'Alex Chen' --customer-email alex@example.com --amount 499
//! ecpay demo-checkout --event-id evt_…   |  ecpay demo-event --event-id evt_…  |  ecpay demo-events --limit 5
//! ecpay merchant-checkout --order-date … --order-item … --shipping-type … --payment-type … --shopper-name … \
//!     --shopper-paid-amount … --discount-total … --shipping-fee … --receiver-name … --receiver-phone … \
//!     --receiver-address … --total-amount … --item-name …
//! ```
//!
//! Success prints JSON (or, for `checkout` without `--json`, the HTML form) on stdout and exits
//! 0. Exit 2: the API answered with an error (code and message on stderr); 3: a validation
//! error; 4: a signature failed verification; 1: anything else (configuration, transport).

use std::io::Read;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use ecpay_sdk::aio::{CheckoutRequest, Payment, PaymentMethod};
use ecpay_sdk::demo::OrderRequest;
use ecpay_sdk::merchant::MerchantCheckoutRequest;
use ecpay_sdk::{Client, Credentials, Environment, Error};

#[derive(Parser)]
#[command(
    name = "ecpay",
    version,
    about = "ECPay AIO and merchant API command line"
)]
struct Cli {
    /// `stage` or `production`.
    #[arg(long, env = "ECPAY_ENV", default_value = "stage")]
    env: EnvArg,
    /// MerchantID.
    #[arg(long, env = "ECPAY_MERCHANT_ID")]
    merchant_id: Option<String>,
    /// HashKey.
    #[arg(long, env = "ECPAY_HASH_KEY", hide_env_values = true)]
    hash_key: Option<String>,
    /// HashIV.
    #[arg(long, env = "ECPAY_HASH_IV", hide_env_values = true)]
    hash_iv: Option<String>,
    /// Overrides the AIO host.
    #[arg(long, env = "ECPAY_AIO_BASE_URL")]
    aio_base_url: Option<String>,
    /// Base URL of the integration demo and merchant checkout APIs.
    #[arg(long, env = "ECPAY_API_BASE_URL")]
    api_base_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum EnvArg {
    Stage,
    Production,
}

#[derive(Clone, Copy, ValueEnum)]
enum CallbackKind {
    /// ReturnURL (server-to-server payment result).
    Return,
    /// OrderResultURL (the browser's copy).
    OrderResult,
    /// PaymentInfoURL (ATM/CVS/BARCODE code issued).
    PaymentInfo,
}

#[derive(Subcommand)]
enum Command {
    /// Build and sign an AIO checkout; print the auto-submitting HTML form (or `--json`).
    Checkout {
        #[arg(long)]
        trade_no: String,
        #[arg(long)]
        amount: u64,
        #[arg(long)]
        item_name: String,
        #[arg(long)]
        trade_desc: String,
        #[arg(long)]
        return_url: String,
        /// Credit, WebATM, ATM, CVS, BARCODE, ApplePay, TWQR, BNPL or ALL (default).
        #[arg(long, default_value = "ALL")]
        choose_payment: String,
        /// `yyyy/MM/dd HH:mm:ss` (default: now, Taiwan time).
        #[arg(long)]
        trade_date: Option<String>,
        /// Print the signed fields as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Verify a callback form body read from stdin; print the typed result as JSON.
    VerifyCallback {
        #[arg(long, value_enum, default_value = "return")]
        kind: CallbackKind,
    },
    /// QueryTradeInfo/V5.
    QueryTrade {
        #[arg(long)]
        trade_no: String,
    },
    /// Integration demo: create an order integration.
    DemoCreateOrder {
        #[arg(long)]
        source: String,
        #[arg(long)]
        order_id: String,
        #[arg(long)]
        customer_name: String,
        #[arg(long)]
        customer_email: String,
        #[arg(long)]
        amount: i64,
        #[arg(long, default_value = "TWD")]
        currency: String,
    },
    /// Integration demo: create the ECPay checkout of an event.
    DemoCheckout {
        #[arg(long)]
        event_id: String,
    },
    /// Integration demo: one event.
    DemoEvent {
        #[arg(long)]
        event_id: String,
    },
    /// Integration demo: recent events.
    DemoEvents {
        #[arg(long)]
        limit: Option<u8>,
    },
    /// Merchant checkout API.
    MerchantCheckout {
        #[arg(long)]
        order_date: String,
        #[arg(long)]
        order_item: String,
        #[arg(long)]
        shipping_type: String,
        #[arg(long)]
        payment_type: String,
        #[arg(long)]
        shopper_name: String,
        #[arg(long)]
        shopper_paid_amount: i64,
        #[arg(long)]
        discount_total: i64,
        #[arg(long)]
        shipping_fee: i64,
        #[arg(long)]
        receiver_name: String,
        #[arg(long)]
        receiver_phone: String,
        #[arg(long)]
        receiver_address: String,
        #[arg(long)]
        total_amount: i64,
        #[arg(long)]
        item_name: String,
    },
}

fn exit_for(e: &Error) -> ExitCode {
    match e {
        Error::Api {
            status,
            code,
            message,
        } => {
            eprintln!("API error (HTTP {status}): {code}: {message}");
            ExitCode::from(2)
        }
        Error::ServerValidation { .. } => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
        Error::Validation { .. } => {
            eprintln!("{e}");
            ExitCode::from(3)
        }
        Error::Signature { .. } => {
            eprintln!("{e}");
            ExitCode::from(4)
        }
        other => {
            eprintln!("{other}");
            ExitCode::from(1)
        }
    }
}

fn build_client(cli: &Cli) -> Result<Client, Error> {
    let env = match cli.env {
        EnvArg::Stage => Environment::Stage,
        EnvArg::Production => Environment::Production,
    };
    let creds = match (&cli.merchant_id, &cli.hash_key, &cli.hash_iv) {
        (Some(m), Some(k), Some(v)) => Some(Credentials::new(m.clone(), k.as_str(), v.as_str())),
        (None, None, None) if matches!(env, Environment::Stage) => Some(Credentials::stage()),
        (None, None, None) => None,
        _ => {
            return Err(Error::Config {
                reason: "set all of ECPAY_MERCHANT_ID, ECPAY_HASH_KEY and ECPAY_HASH_IV".into(),
            })
        }
    };
    let mut b = Client::builder().environment(env);
    if let Some(u) = &cli.aio_base_url {
        b = b.aio_base_url(u.clone());
    }
    if let Some(u) = &cli.api_base_url {
        b = b.api_base_url(u.clone());
    }
    if let Some(c) = creds {
        b = b.credentials(c);
    }
    b.build()
}

fn print_json<T: serde::Serialize>(v: &T) -> Result<(), Error> {
    let s = serde_json::to_string_pretty(v).map_err(|e| Error::Config {
        reason: format!("could not render JSON: {e}"),
    })?;
    println!("{s}");
    Ok(())
}

async fn run(cli: Cli) -> Result<(), Error> {
    let client = build_client(&cli)?;
    match cli.command {
        Command::Checkout {
            trade_no,
            amount,
            item_name,
            trade_desc,
            return_url,
            choose_payment,
            trade_date,
            json,
        } => {
            let method =
                PaymentMethod::parse(&choose_payment).ok_or_else(|| Error::Validation {
                    field: "ChoosePayment".into(),
                    reason: "one of Credit, WebATM, ATM, CVS, BARCODE, ApplePay, TWQR, BNPL, ALL"
                        .into(),
                })?;
            let date = trade_date.unwrap_or_else(|| {
                CheckoutRequest::format_trade_date(
                    (chrono::Utc::now() + chrono::Duration::hours(8)).naive_utc(),
                )
            });
            let mut req =
                CheckoutRequest::new(trade_no, date, amount, trade_desc, item_name, return_url);
            req.payment = Payment::default_for(method);
            let form = client.aio().checkout(&req)?;
            if json {
                print_json(&form.to_json())?;
            } else {
                print!("{}", form.to_html());
            }
        }
        Command::VerifyCallback { kind } => {
            let mut body = Vec::new();
            std::io::stdin()
                .read_to_end(&mut body)
                .map_err(|e| Error::Config {
                    reason: format!("could not read stdin: {e}"),
                })?;
            let body = String::from_utf8_lossy(&body).trim().to_owned();
            match kind {
                CallbackKind::Return => {
                    print_json(&client.aio().verify_payment_result(body.as_bytes())?)?
                }
                CallbackKind::OrderResult => {
                    print_json(&client.aio().verify_order_result(body.as_bytes())?)?
                }
                CallbackKind::PaymentInfo => {
                    print_json(&client.aio().verify_payment_info(body.as_bytes())?)?
                }
            }
        }
        Command::QueryTrade { trade_no } => {
            print_json(&client.aio().query_trade_info(&trade_no).await?)?
        }
        Command::DemoCreateOrder {
            source,
            order_id,
            customer_name,
            customer_email,
            amount,
            currency,
        } => {
            let mut req =
                OrderRequest::new(source, order_id, customer_name, customer_email, amount);
            req.currency = currency;
            print_json(&client.demo().create_order(&req).await?)?
        }
        Command::DemoCheckout { event_id } => {
            print_json(&client.demo().create_checkout(&event_id).await?)?
        }
        Command::DemoEvent { event_id } => print_json(&client.demo().event(&event_id).await?)?,
        Command::DemoEvents { limit } => print_json(&client.demo().recent_events(limit).await?)?,
        Command::MerchantCheckout {
            order_date,
            order_item,
            shipping_type,
            payment_type,
            shopper_name,
            shopper_paid_amount,
            discount_total,
            shipping_fee,
            receiver_name,
            receiver_phone,
            receiver_address,
            total_amount,
            item_name,
        } => {
            let req = MerchantCheckoutRequest {
                order_date,
                order_item,
                shipping_type,
                payment_type,
                shopper_name,
                shopper_paid_amount,
                discount_total,
                shipping_fee,
                receiver_name,
                receiver_phone,
                receiver_address,
                total_amount,
                item_name,
            };
            print_json(&client.merchant().checkout(&req).await?)?
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => exit_for(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecpay_sdk::testing::Simulator;

    fn cli(sim: &Simulator, args: &[&str]) -> Cli {
        let base = sim.base_url();
        let mut all = vec![
            "ecpay",
            "--env",
            "stage",
            "--aio-base-url",
            &base,
            "--api-base-url",
            &base,
        ];
        all.extend_from_slice(args);
        Cli::try_parse_from(all).expect("arguments parse")
    }

    #[tokio::test]
    async fn every_subcommand_runs_against_the_simulator() {
        let sim = Simulator::start().await;
        let ok = [
            vec![
                "checkout",
                "--trade-no",
                "CLI1",
                "--amount",
                "100",
                "--item-name",
                "Tea",
                "--trade-desc",
                "d",
                "--return-url",
                "https://s.example/r",
                "--json",
            ],
            vec![
                "checkout",
                "--trade-no",
                "CLI2",
                "--amount",
                "100",
                "--item-name",
                "Tea",
                "--trade-desc",
                "d",
                "--return-url",
                "https://s.example/r",
                "--choose-payment",
                "ATM",
            ],
            vec!["demo-events", "--limit", "5"],
            vec![
                "merchant-checkout",
                "--order-date",
                "2025/05/03 14:30:00",
                "--order-item",
                "I",
                "--shipping-type",
                "HOME",
                "--payment-type",
                "Credit",
                "--shopper-name",
                "A",
                "--shopper-paid-amount",
                "10",
                "--discount-total",
                "0",
                "--shipping-fee",
                "0",
                "--receiver-name",
                "A",
                "--receiver-phone",
                "0912",
                "--receiver-address",
                "T",
                "--total-amount",
                "10",
                "--item-name",
                "I",
            ],
        ];
        for args in ok {
            let c = cli(&sim, &args);
            assert!(run(c).await.is_ok(), "{args:?}");
        }
        let c = cli(
            &sim,
            &[
                "demo-create-order",
                "--source",
                "demo_store",
                "--order-id",
                "DEMO-1",
                "--customer-name",
                "Alex",
                "--customer-email",
                "a@b.co",
                "--amount",
                "499",
            ],
        );
        assert!(run(c).await.is_ok());
        let id = sim.demo_events()[0].event_id.clone();
        assert!(run(cli(&sim, &["demo-checkout", "--event-id", &id]))
            .await
            .is_ok());
        assert!(run(cli(&sim, &["demo-event", "--event-id", &id]))
            .await
            .is_ok());
        // query-trade of an order the cashier accepted
        let client = sim.client().unwrap();
        let form = client
            .aio()
            .checkout(&CheckoutRequest::new(
                "CLI3",
                "2026/01/01 00:00:00",
                50,
                "d",
                "i",
                "https://s.example/r",
            ))
            .unwrap();
        assert!(sim.submit_checkout(&form.fields).await.unwrap().accepted);
        assert!(run(cli(&sim, &["query-trade", "--trade-no", "CLI3"]))
            .await
            .is_ok());
    }

    #[tokio::test]
    async fn exit_codes_follow_the_issue() {
        let sim = Simulator::start().await;
        let e = run(cli(
            &sim,
            &[
                "checkout",
                "--trade-no",
                "BAD-NO",
                "--amount",
                "1",
                "--item-name",
                "i",
                "--trade-desc",
                "d",
                "--return-url",
                "https://s.example/r",
            ],
        ))
        .await
        .unwrap_err();
        assert_eq!(exit_for(&e), ExitCode::from(3));
        let e = run(cli(&sim, &["demo-event", "--event-id", "evt_missing"]))
            .await
            .unwrap_err();
        assert_eq!(exit_for(&e), ExitCode::from(2));
        let sig = Error::Signature {
            context: "x".into(),
            source: sign_core::VerifyError::Mismatch,
        };
        assert_eq!(exit_for(&sig), ExitCode::from(4));
    }
}
