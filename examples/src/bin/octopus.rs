//! `octopus`: a command-line client for the Octopus O! ePay platform API.
//!
//! Configuration from the environment: `OCTOPUS_BASE_URL` (including the `/api` prefix),
//! `OCTOPUS_API_TOKEN`, `OCTOPUS_API_KEY`, optionally `OCTOPUS_MERCHANT_ID` and
//! `OCTOPUS_SECRET_KEY` (then every request carries the `X-Octopus-*` signature),
//! `OCTOPUS_ENVIRONMENT` (`production`, the default, or `sandbox`: `simulate-payment` is
//! refused in production) and `OCTOPUS_REALTIME_URL` (Socket.IO server for `watch`; by
//! default the base URL's origin).
//!
//! ```text
//! octopus simulator &                       # prints the exports for a local simulator
//! octopus create-order --amount 100.00 --description "Coffee"
//! octopus create-payment --order-id <ID> --amount 100.00
//! octopus get-payment <ID> --qr
//! octopus simulate-payment <ID>
//! octopus watch <ID>
//! printf '%s' "$BODY" | octopus verify-webhook --secret S --timestamp T --signature X
//! ```
//!
//! Exit codes: 0 success (the typed `data` as JSON on stdout); 1 configuration, usage or
//! transport error; 2 API error (code and message on stderr); 3 validation error; 4 webhook
//! verification failed; 5 the call was sent but its outcome is unknown (look the resource up
//! before retrying).

use std::io::Read as _;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use futures::StreamExt;
use octopus_sdk::orders::{CreateOrder, ListOrders, UpdateOrder};
use octopus_sdk::payments::{CreatePayment, UpdatePaymentStatus};
use octopus_sdk::webhook::{self, VerifyOptions};
use octopus_sdk::{Client, Environment, Error, OrderStatus, PaymentStatus, Secret};
use serde::Serialize;

#[derive(Parser)]
#[command(
    name = "octopus",
    about = "Octopus O! ePay platform client (env: OCTOPUS_BASE_URL, OCTOPUS_API_TOKEN, \
             OCTOPUS_API_KEY, [OCTOPUS_MERCHANT_ID, OCTOPUS_SECRET_KEY, OCTOPUS_ENVIRONMENT])",
    after_help = "Exit codes: 0 ok, 1 config/usage/transport, 2 API error, 3 validation error, \
                  4 webhook verification failed, 5 outcome unknown"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
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
        /// Currency (default HKD).
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
        /// Walk every page and print all orders as one array.
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
        /// Currency (default HKD).
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
    /// Verify a webhook: raw body on stdin; prints the typed event.
    VerifyWebhook {
        /// Webhook secret.
        #[arg(long, env = "OCTOPUS_WEBHOOK_SECRET", hide_env_values = true)]
        secret: String,
        /// `X-Octopus-Timestamp` header value.
        #[arg(long)]
        timestamp: String,
        /// `X-Octopus-Signature` header value.
        #[arg(long)]
        signature: String,
        /// Timestamp tolerance in seconds.
        #[arg(long, default_value_t = webhook::DEFAULT_TOLERANCE_SECS)]
        tolerance_secs: u64,
    },
    /// Run a local simulator of the platform and print the environment to use it.
    Simulator {
        /// POST signed webhooks here.
        #[arg(long)]
        webhook_url: Option<String>,
    },
}

/// A failure with its exit code.
struct Failure {
    code: u8,
    message: String,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let code = match &e {
            Error::Api { .. } => 2,
            Error::Validation { .. } => 3,
            Error::Signature(_) => 4,
            Error::OutcomeUnknown { .. } => 5,
            _ => 1,
        };
        let message = match &e {
            Error::Api {
                status,
                code,
                message,
                details,
            } => {
                let mut m = format!(
                    "API error {status} {}: {message}",
                    code.as_ref().map_or("(no code)", |c| c.as_str())
                );
                for f in &details.errors {
                    m.push_str(&format!("\n  {}: {}", f.field, f.message));
                }
                m
            }
            Error::OutcomeUnknown { .. } => {
                format!("{e}\nThe request may have been applied: look it up before retrying.")
            }
            _ => e.to_string(),
        };
        Failure { code, message }
    }
}

fn usage(message: impl Into<String>) -> Failure {
    Failure {
        code: 1,
        message: message.into(),
    }
}

fn env(name: &str) -> Result<String, Failure> {
    std::env::var(name).map_err(|_| usage(format!("{name} is not set")))
}

fn client() -> Result<Client, Failure> {
    let environment = match std::env::var("OCTOPUS_ENVIRONMENT").as_deref() {
        Err(_) | Ok("production") => Environment::Production,
        Ok("sandbox") => Environment::Sandbox,
        Ok(other) => {
            return Err(usage(format!(
                "OCTOPUS_ENVIRONMENT must be production or sandbox, not {other:?}"
            )))
        }
    };
    let mut b = Client::builder()
        .base_url(env("OCTOPUS_BASE_URL")?)
        .environment(environment)
        .api_token(env("OCTOPUS_API_TOKEN")?)
        .api_key(env("OCTOPUS_API_KEY")?);
    match (
        std::env::var("OCTOPUS_MERCHANT_ID"),
        std::env::var("OCTOPUS_SECRET_KEY"),
    ) {
        (Ok(id), Ok(key)) => b = b.merchant(id, key),
        (Err(_), Err(_)) => {}
        _ => {
            return Err(usage(
                "set both OCTOPUS_MERCHANT_ID and OCTOPUS_SECRET_KEY, or neither",
            ))
        }
    }
    if let Ok(url) = std::env::var("OCTOPUS_REALTIME_URL") {
        b = b.realtime_url(url);
    }
    Ok(b.build()?)
}

fn print<T: Serialize>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value).map_err(|e| usage(e.to_string()))?;
    println!("{text}");
    Ok(())
}

fn amount(text: &str) -> Result<octopus_sdk::Decimal, Failure> {
    Ok(octopus_sdk::parse_amount(text)?)
}

fn order_status(s: &str) -> Result<OrderStatus, Failure> {
    match OrderStatus::parse(s) {
        OrderStatus::Other(_) => Err(Error::Validation {
            field: "status".into(),
            reason: format!("{s:?} is not an order status"),
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

async fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
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
            print(&client()?.orders().create(&req).await?)
        }
        Command::GetOrder { id } => print(&client()?.orders().get(&id).await?),
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
            print(&client()?.orders().update(&id, &req).await?)
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
                let mut orders = Vec::new();
                let mut stream = c.orders().list_all(params);
                while let Some(o) = stream.next().await {
                    orders.push(o?);
                }
                print(&orders)
            } else {
                let page = c.orders().list(&params).await?;
                print(&serde_json::json!({"data": page.items, "pagination": page.pagination}))
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
            let p = client()?.payments().create(&req).await?;
            print(&p)
        }
        Command::GetPayment { id, qr } => {
            let p = client()?.payments().get(&id).await?;
            if qr {
                match &p.qr_code_data {
                    Some(code) => draw_qr(code.url()),
                    None => eprintln!("payment {id} has no QR code data"),
                }
            }
            print(&p)
        }
        Command::UpdatePaymentStatus {
            id,
            status,
            transaction_id,
            failure_reason,
        } => {
            let mut req = UpdatePaymentStatus::new(PaymentStatus::parse(&status));
            req.octopus_transaction_id = transaction_id;
            req.failure_reason = failure_reason;
            print(&client()?.payments().update_status(&id, &req).await?)
        }
        Command::SimulatePayment { id } => print(&client()?.payments().simulate(&id).await?),
        Command::Watch {
            payment_id,
            timeout_secs,
        } => {
            let c = client()?;
            let mut changes = c.payments().watch(&payment_id);
            let watch = async {
                while let Some(p) = changes.next().await {
                    let p = p?;
                    let line = serde_json::to_string(&p).map_err(|e| usage(e.to_string()))?;
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
                    usage(format!(
                        "payment {payment_id} not final after {timeout_secs} s"
                    ))
                })?
        }
        Command::VerifyWebhook {
            secret,
            timestamp,
            signature,
            tolerance_secs,
        } => {
            let mut body = Vec::new();
            std::io::stdin()
                .read_to_end(&mut body)
                .map_err(|e| usage(format!("reading stdin: {e}")))?;
            let mut options = VerifyOptions::default();
            options.tolerance_secs = tolerance_secs;
            let event = webhook::verify_parts(
                &body,
                &Secret::new(secret),
                Some(signature.trim()),
                Some(timestamp.trim()),
                chrono::Utc::now(),
                options,
            )
            .map_err(|e| match e {
                // A verified body that is not an event is still a failed verification here.
                Error::Decode { .. } => Failure {
                    code: 4,
                    message: e.to_string(),
                },
                other => other.into(),
            })?;
            print(&event)
        }
        Command::Simulator { webhook_url } => {
            let sim = octopus_sdk::testing::Simulator::start().await;
            if let Some(url) = webhook_url {
                sim.set_webhook_url(url);
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

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("{}", f.message);
            ExitCode::from(f.code)
        }
    }
}
