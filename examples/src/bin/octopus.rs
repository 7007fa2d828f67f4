//! `octopus`: a command line for the Octopus O! ePay platform API, on the shared
//! `examples::cli` skeleton.
//!
//! Environment (flags of the same name override where they exist):
//! - `OCTOPUS_BASE_URL` (including the `/api` prefix), `OCTOPUS_API_TOKEN`, `OCTOPUS_API_KEY`;
//! - optionally `OCTOPUS_MERCHANT_ID` and `OCTOPUS_SECRET_KEY` (both or neither: then every
//!   request carries the `X-Octopus-*` signature);
//! - `OCTOPUS_ENVIRONMENT`: `production` (the default) or `sandbox` (`simulate-payment` is
//!   refused in production);
//! - `OCTOPUS_REALTIME_URL`: the Socket.IO server for `watch` (default: the base URL's origin);
//! - `OCTOPUS_WEBHOOK_SECRET`: the secret `verify-webhook` checks with;
//! - `PAYMENT_REPLAY_STORE`: where `verify-webhook` records deliveries (`memory` or
//!   `redis://host:port[/db]`).
//!
//! ```text
//! octopus simulator &                       # prints the exports for a local simulator
//! octopus create-order --amount 100.00 --description "Coffee"
//! octopus create-payment --order-id <ID> --amount 100.00
//! octopus get-payment <ID> --qr
//! octopus simulate-payment <ID>
//! octopus watch <ID>
//! printf '%s' "$BODY" | octopus verify-webhook --timestamp T --signature X [--replay-store redis://127.0.0.1:6379]
//! ```
//!
//! Success prints JSON on stdout and exits 0; the other exit codes are `examples::cli`'s
//! (1 configuration/transport, 2 API error, 3 validation, 4 verification failed, 5 outcome
//! unknown, 6 replay store unavailable), with one line on stderr.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use examples::cli::{self, Failure, ReplayStoreArg};
use futures::{StreamExt, TryStreamExt};
use octopus_sdk::orders::{CreateOrder, ListOrders, UpdateOrder};
use octopus_sdk::payments::{CreatePayment, UpdatePaymentStatus};
use octopus_sdk::webhook::Verifier;
use octopus_sdk::{Client, Environment, Error, OrderStatus, PaymentStatus};

#[derive(Parser)]
#[command(
    name = "octopus",
    version,
    about = "Octopus O! ePay platform command line (env: OCTOPUS_BASE_URL, OCTOPUS_API_TOKEN, \
             OCTOPUS_API_KEY, [OCTOPUS_MERCHANT_ID, OCTOPUS_SECRET_KEY, OCTOPUS_ENVIRONMENT])",
    after_help = cli::EXIT_CODES_HELP
)]
enum Command {
    /// Create an order (POST /orders).
    CreateOrder {
        /// Amount, e.g. 100.00 (at most 2 decimals).
        #[arg(long, allow_negative_numbers = true)]
        amount: String,
        /// Description.
        #[arg(long)]
        description: String,
        /// Customer e-mail.
        #[arg(long)]
        email: Option<String>,
        /// Customer phone.
        #[arg(long)]
        phone: Option<String>,
        /// Currency.
        #[arg(long, default_value = "HKD")]
        currency: String,
    },
    /// Get an order with its payment (GET /orders/{id}).
    GetOrder {
        /// Order id.
        id: String,
    },
    /// Update an order (PATCH /orders/{id}).
    UpdateOrder {
        /// Order id.
        id: String,
        /// New description.
        #[arg(long)]
        description: Option<String>,
        /// New amount.
        #[arg(long, allow_negative_numbers = true)]
        amount: Option<String>,
        /// New status (pending, confirmed, processing, completed, cancelled, failed).
        #[arg(long)]
        status: Option<String>,
    },
    /// List orders (GET /orders).
    ListOrders {
        /// Only this status.
        #[arg(long)]
        status: Option<String>,
        /// Page (1-based).
        #[arg(long)]
        page: Option<u32>,
        /// Page size.
        #[arg(long)]
        limit: Option<u32>,
        /// Walk every page and print all orders as one array (an error, not a partial list,
        /// when the platform does not advance pages).
        #[arg(long)]
        all: bool,
    },
    /// Create a payment for an order (POST /payments, method octopus_qr).
    CreatePayment {
        /// Order id.
        #[arg(long)]
        order_id: String,
        /// Amount (must match the order).
        #[arg(long, allow_negative_numbers = true)]
        amount: String,
        /// Currency.
        #[arg(long, default_value = "HKD")]
        currency: String,
        /// Description.
        #[arg(long)]
        description: Option<String>,
        /// Return URL after paying.
        #[arg(long)]
        return_url: Option<String>,
        /// Return URL after cancelling.
        #[arg(long)]
        cancel_url: Option<String>,
    },
    /// Get a payment (GET /payments/{id}).
    GetPayment {
        /// Payment id.
        id: String,
        /// Also draw the payment's QR code in the terminal (on stderr).
        #[arg(long)]
        qr: bool,
    },
    /// Update a payment's status (PATCH /payments/{id}/status; an internal endpoint).
    UpdatePaymentStatus {
        /// Payment id.
        id: String,
        /// New status (pending, processing, completed, failed, cancelled, refunded).
        #[arg(long)]
        status: String,
        /// Octopus transaction id.
        #[arg(long)]
        transaction_id: Option<String>,
        /// Failure reason.
        #[arg(long)]
        failure_reason: Option<String>,
    },
    /// Simulate a successful payment (test environments only; needs OCTOPUS_ENVIRONMENT=sandbox).
    SimulatePayment {
        /// Payment id.
        id: String,
    },
    /// Print the payment (one JSON line) each time its status changes, until it is final.
    /// Listens on Socket.IO and polls while the socket is unavailable.
    Watch {
        /// Payment id.
        payment_id: String,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 600)]
        timeout_secs: u64,
    },
    /// Verify a webhook (raw body on stdin) and record its delivery; prints the event with
    /// `"delivery": "first"` or `"repeat"`.
    VerifyWebhook {
        /// Webhook secret.
        #[arg(long, env = "OCTOPUS_WEBHOOK_SECRET", hide_env_values = true)]
        secret: Option<String>,
        /// `X-Octopus-Timestamp` header value.
        #[arg(long)]
        timestamp: String,
        /// `X-Octopus-Signature` header value.
        #[arg(long)]
        signature: String,
        /// Timestamp tolerance in seconds (for the header and the signed body's `timestamp`).
        #[arg(long, default_value_t = 300)]
        tolerance_secs: u64,
        #[command(flatten)]
        store: ReplayStoreArg,
    },
    /// Run a local simulator of the platform and print the environment to use it.
    Simulator {
        /// POST signed webhooks here.
        #[arg(long)]
        callback_url: Option<String>,
    },
}

fn client() -> Result<Client, Failure> {
    let environment = match cli::env_opt("OCTOPUS_ENVIRONMENT").as_deref() {
        None | Some("production") => Environment::Production,
        Some("sandbox") => Environment::Sandbox,
        Some(other) => {
            return Err(Failure::config(format!(
                "OCTOPUS_ENVIRONMENT must be production or sandbox, not `{other}`"
            )))
        }
    };
    let mut b = Client::builder()
        .base_url(cli::env("OCTOPUS_BASE_URL")?)
        .environment(environment)
        .api_token(cli::env("OCTOPUS_API_TOKEN")?)
        .api_key(cli::env("OCTOPUS_API_KEY")?);
    match (
        cli::env_opt("OCTOPUS_MERCHANT_ID"),
        cli::env_opt("OCTOPUS_SECRET_KEY"),
    ) {
        (Some(id), Some(key)) => b = b.merchant(id, key),
        (None, None) => {}
        _ => {
            return Err(Failure::config(
                "set both OCTOPUS_MERCHANT_ID and OCTOPUS_SECRET_KEY, or neither",
            ))
        }
    }
    if let Some(url) = cli::env_opt("OCTOPUS_REALTIME_URL") {
        b = b.realtime_url(url);
    }
    Ok(b.build()?)
}

fn amount(text: &str) -> Result<octopus_sdk::Decimal, Failure> {
    Ok(octopus_sdk::parse_amount(text)?)
}

fn order_status(s: &str) -> Result<OrderStatus, Failure> {
    match OrderStatus::from_wire(s) {
        OrderStatus::Other(_) => Err(Error::Validation {
            field: "status".into(),
            reason: format!("`{s}` is not an order status"),
        }
        .into()),
        ok => Ok(ok),
    }
}

fn draw_qr(url: &str) {
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(code) => {
            let art = code
                .render::<qrcode::render::unicode::Dense1x2>()
                .quiet_zone(true)
                .build();
            eprintln!("{art}\n{url}");
        }
        Err(e) => eprintln!("cannot draw a QR code: {e}"),
    }
}

async fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::CreateOrder {
            amount: a,
            description,
            email,
            phone,
            currency,
        } => {
            let mut req = CreateOrder::new(description, amount(&a)?).currency(currency);
            req.customer_email = email;
            req.customer_phone = phone;
            cli::print_json(&client()?.orders().create(&req).await?)
        }
        Command::GetOrder { id } => cli::print_json(&client()?.orders().get(&id).await?),
        Command::UpdateOrder {
            id,
            description,
            amount: a,
            status,
        } => {
            let req = UpdateOrder {
                description,
                amount: a.as_deref().map(amount).transpose()?,
                status: status.as_deref().map(order_status).transpose()?,
                metadata: None,
            };
            cli::print_json(&client()?.orders().update(&id, &req).await?)
        }
        Command::ListOrders {
            status,
            page,
            limit,
            all,
        } => {
            let params = ListOrders {
                status: status.as_deref().map(order_status).transpose()?,
                page,
                limit,
                ..Default::default()
            };
            let c = client()?;
            if all {
                let orders: Vec<_> = c.orders().list_all(params).try_collect().await?;
                cli::print_json(&orders)
            } else {
                let page = c.orders().list(&params).await?;
                cli::print_json(
                    &serde_json::json!({"data": page.items, "pagination": page.pagination}),
                )
            }
        }
        Command::CreatePayment {
            order_id,
            amount: a,
            currency,
            description,
            return_url,
            cancel_url,
        } => {
            let mut req = CreatePayment::new(order_id, amount(&a)?).currency(currency);
            req.description = description;
            req.return_url = return_url;
            req.cancel_url = cancel_url;
            cli::print_json(&client()?.payments().create(&req).await?)
        }
        Command::GetPayment { id, qr } => {
            let p = client()?.payments().get(&id).await?;
            if qr {
                match &p.qr_code_data {
                    Some(code) => draw_qr(code.url()),
                    None => eprintln!("payment {id} has no QR code data"),
                }
            }
            cli::print_json(&p)
        }
        Command::UpdatePaymentStatus {
            id,
            status,
            transaction_id,
            failure_reason,
        } => {
            let mut req = UpdatePaymentStatus::new(PaymentStatus::from_wire(&status));
            req.octopus_transaction_id = transaction_id;
            req.failure_reason = failure_reason;
            cli::print_json(&client()?.payments().update_status(&id, &req).await?)
        }
        Command::SimulatePayment { id } => {
            cli::print_json(&client()?.payments().simulate(&id).await?)
        }
        Command::Watch {
            payment_id,
            timeout_secs,
        } => {
            let c = client()?;
            let mut changes = c.payments().watch(&payment_id);
            let watch = async {
                while let Some(p) = changes.next().await {
                    let p = p?;
                    let line = serde_json::to_string(&p)
                        .map_err(|e| Failure::config(format!("cannot print the payment: {e}")))?;
                    println!("{line}");
                    if p.status.is_final() {
                        return Ok(());
                    }
                }
                Ok::<(), Failure>(())
            };
            tokio::time::timeout(Duration::from_secs(timeout_secs), watch)
                .await
                .map_err(|_| {
                    Failure::config(format!(
                        "payment {payment_id} not final after {timeout_secs} s"
                    ))
                })?
        }
        Command::VerifyWebhook {
            secret,
            timestamp,
            signature,
            tolerance_secs,
            store,
        } => {
            let secret = secret.ok_or_else(|| {
                Failure::config("OCTOPUS_WEBHOOK_SECRET (or --secret) is not set")
            })?;
            // An empty secret is refused here (exit 1), before the store is opened.
            let verifier =
                Verifier::new(secret)?.with_tolerance(Duration::from_secs(tolerance_secs));
            let verifier = verifier.with_replay_guard(store.open().await?);
            let body = cli::read_stdin()?;
            let received = verifier
                .verify_parts_and_record_at(
                    &body,
                    Some(signature.trim()),
                    Some(timestamp.trim()),
                    chrono::Utc::now(),
                )
                .await?;
            cli::print_received(&received)
        }
        Command::Simulator { callback_url } => {
            let sim = octopus_sdk::testing::Simulator::start().await;
            if let Some(url) = callback_url {
                sim.set_callback_url(url);
            }
            println!("export OCTOPUS_BASE_URL={}", sim.base_url());
            println!("export OCTOPUS_API_TOKEN={}", sim.api_token().expose());
            println!("export OCTOPUS_API_KEY={}", sim.api_key().expose());
            println!("export OCTOPUS_MERCHANT_ID={}", sim.merchant_id());
            println!("export OCTOPUS_SECRET_KEY={}", sim.secret_key().expose());
            println!(
                "export OCTOPUS_WEBHOOK_SECRET={}",
                sim.webhook_secret().expose()
            );
            println!("export OCTOPUS_ENVIRONMENT=sandbox");
            eprintln!("simulator running (test credentials above); stop with Ctrl-C");
            std::future::pending::<()>().await;
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    cli::main::<Command, _, _>(run)
}
