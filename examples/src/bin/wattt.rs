//! `wattt`: a command-line client for the Wattt merchant API (wattt-sdk).
//!
//! Reads `WATTT_BASE_URL`, `WATTT_UID`, `WATTT_SECRET`. Success prints JSON on stdout (exit 0);
//! an API error exits 2 with the server's message on stderr; a validation or usage error exits
//! 3; a failed notification verification exits 4; anything else (transport, outcome unknown …)
//! exits 1.

use std::io::Read;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use rust_decimal::Decimal;
use serde::Serialize;
use wattt_sdk::{
    notify, CallbackKind, CallbackRetryRequest, Client, CollectionLookup, CollectionRequest, Error,
    PaymentLinkAmountRequest, PaymentLinkRequest, PayoutLookup, PayoutRequest, Secret,
};

#[derive(Parser)]
#[command(name = "wattt", about = "Wattt merchant API client", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct LinkArgs {
    #[arg(long)]
    merchant_order_no: String,
    #[arg(long)]
    member_no: String,
    #[arg(long)]
    member_name: String,
    #[arg(long)]
    notify_url: String,
    #[arg(long)]
    channel: Option<String>,
    #[arg(long)]
    member_account: Option<String>,
    #[arg(long)]
    member_phone: Option<String>,
    #[arg(long)]
    member_email: Option<String>,
    #[arg(long)]
    payer_name: Option<String>,
    #[arg(long)]
    payer_bank_name: Option<String>,
    #[arg(long)]
    payer_bank_code: Option<String>,
    #[arg(long)]
    payer_account_no: Option<String>,
    #[arg(long)]
    return_url: Option<String>,
}

#[derive(Args)]
#[group(required = true, multiple = false)]
struct CollectionKey {
    #[arg(long)]
    orderid: Option<String>,
    #[arg(long)]
    merchant_order_no: Option<String>,
}

#[derive(Args)]
#[group(required = true, multiple = false)]
struct PayoutKey {
    #[arg(long)]
    serial_no: Option<String>,
    #[arg(long)]
    merchant_order_no: Option<String>,
}

#[derive(Args)]
#[group(required = true, multiple = false)]
struct RetryKey {
    #[arg(long)]
    orderid: Option<String>,
    #[arg(long)]
    serial_no: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Available payment channels.
    Channels,
    /// The merchant's fixed amounts and custom range.
    Amounts,
    /// A payment link (redirect).
    Link(LinkArgs),
    /// A payment link for a chosen amount (checked against `amounts` first).
    LinkAmount {
        #[command(flatten)]
        link: LinkArgs,
        #[arg(long)]
        amount: i64,
    },
    /// Create a collection.
    Collect {
        #[arg(long)]
        orderid: String,
        #[arg(long)]
        amount: Decimal,
        #[arg(long)]
        notify_url: Option<String>,
    },
    /// Query a collection.
    CollectionStatus(CollectionKey),
    /// Create a payout.
    Payout {
        #[arg(long)]
        serial_no: String,
        #[arg(long)]
        amount: Decimal,
        #[arg(long)]
        payee_name: String,
        #[arg(long)]
        payee_bank: Option<String>,
        #[arg(long)]
        payee_account: Option<String>,
        #[arg(long)]
        notify_url: Option<String>,
    },
    /// Query a payout.
    PayoutStatus(PayoutKey),
    /// The merchant balance.
    Balance,
    /// The bank list.
    Banks {
        /// Filter by bank code or name.
        #[arg(long)]
        q: Option<String>,
    },
    /// Ask Wattt to resend a notification.
    RetryCallback {
        #[arg(long = "type", value_parser = ["collection", "payout"])]
        kind: String,
        #[command(flatten)]
        key: RetryKey,
    },
    /// Verify a notification body read from stdin (JSON or form-encoded).
    VerifyNotify {
        #[arg(long, env = "WATTT_SECRET", hide_env_values = true)]
        secret: String,
    },
}

enum Failure {
    Api(String),
    Validation(String),
    Verification(String),
    Other(String),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        match e {
            Error::Api { .. } => Failure::Api(e.to_string()),
            Error::Validation { .. } | Error::Config(_) => Failure::Validation(e.to_string()),
            Error::Signature(_) | Error::Notification(_) => Failure::Verification(e.to_string()),
            other => Failure::Other(other.to_string()),
        }
    }
}

fn client() -> Result<Client, Failure> {
    let var =
        |k: &str| std::env::var(k).map_err(|_| Failure::Validation(format!("{k} is not set")));
    Ok(Client::builder()
        .base_url(var("WATTT_BASE_URL")?)
        .credentials(var("WATTT_UID")?, Secret::new(var("WATTT_SECRET")?))
        .build()?)
}

fn print<T: Serialize>(v: &T) -> Result<(), Failure> {
    use std::io::Write;
    let s = serde_json::to_string_pretty(v).map_err(|e| Failure::Other(e.to_string()))?;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{s}") {
        // A closed pipe (`| head`) is the reader's choice, not a failure.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::Other(format!("cannot write stdout: {e}")))
        }
        _ => Ok(()),
    }
}

fn link_request(a: &LinkArgs) -> PaymentLinkRequest {
    let mut r = PaymentLinkRequest::new(
        &a.merchant_order_no,
        &a.member_no,
        &a.member_name,
        &a.notify_url,
    );
    r.channel = a.channel.clone();
    r.member_account = a.member_account.clone();
    r.member_phone = a.member_phone.clone();
    r.member_email = a.member_email.clone();
    r.payer_name = a.payer_name.clone();
    r.payer_bank_name = a.payer_bank_name.clone();
    r.payer_bank_code = a.payer_bank_code.clone();
    r.payer_account_no = a.payer_account_no.clone();
    r.return_url = a.return_url.clone();
    r
}

fn link_amount_request(a: &LinkArgs, amount: i64) -> PaymentLinkAmountRequest {
    let mut r = PaymentLinkAmountRequest::new(
        &a.merchant_order_no,
        amount,
        &a.member_no,
        &a.member_name,
        &a.notify_url,
    );
    r.channel = a.channel.clone();
    r.member_account = a.member_account.clone();
    r.member_phone = a.member_phone.clone();
    r.member_email = a.member_email.clone();
    r.payer_name = a.payer_name.clone();
    r.payer_bank_name = a.payer_bank_name.clone();
    r.payer_bank_code = a.payer_bank_code.clone();
    r.payer_account_no = a.payer_account_no.clone();
    r.return_url = a.return_url.clone();
    r
}

fn print_link(link: &wattt_sdk::PaymentLink) -> Result<(), Failure> {
    let url = link.payment_url()?;
    print(&serde_json::json!({ "payment_url": url, "response": link }))
}

async fn run(cmd: Command) -> Result<(), Failure> {
    match cmd {
        Command::VerifyNotify { secret } => {
            let mut body = Vec::new();
            std::io::stdin()
                .read_to_end(&mut body)
                .map_err(|e| Failure::Other(format!("cannot read stdin: {e}")))?;
            let n = notify::verify(&body, &Secret::new(secret))?;
            let kind = match n.kind {
                notify::NotificationKind::Collection => "collection",
                notify::NotificationKind::Payout => "payout",
                _ => "unknown",
            };
            print(&serde_json::json!({ "verified": true, "kind": kind, "notification": n }))
        }
        Command::Channels => print(&client()?.payment_links().channels().await?),
        Command::Amounts => print(&client()?.payment_links().amounts().await?),
        Command::Link(a) => print_link(&client()?.payment_links().create(&link_request(&a)).await?),
        Command::LinkAmount { link, amount } => {
            let req = link_amount_request(&link, amount);
            req.to_fields()?; // validate before any network call
            let c = client()?;
            let amounts = c.payment_links().amounts().await?;
            print_link(
                &c.payment_links()
                    .create_for_amount_checked(&req, &amounts)
                    .await?,
            )
        }
        Command::Collect {
            orderid,
            amount,
            notify_url,
        } => {
            let mut req = CollectionRequest::new(orderid, amount);
            req.notify_url = notify_url;
            print(&client()?.collections().create(&req).await?)
        }
        Command::CollectionStatus(CollectionKey {
            orderid,
            merchant_order_no,
        }) => {
            let lookup = match (orderid, merchant_order_no) {
                (Some(o), _) => CollectionLookup::OrderId(o),
                (None, Some(m)) => CollectionLookup::MerchantOrderNo(m),
                (None, None) => {
                    return Err(Failure::Validation(
                        "--orderid or --merchant-order-no is required".into(),
                    ))
                }
            };
            print(&client()?.collections().status(&lookup).await?)
        }
        Command::Payout {
            serial_no,
            amount,
            payee_name,
            payee_bank,
            payee_account,
            notify_url,
        } => {
            let mut req = PayoutRequest::new(serial_no, amount, payee_name);
            req.payee_bank = payee_bank;
            req.payee_account = payee_account;
            req.notify_url = notify_url;
            print(&client()?.payouts().create(&req).await?)
        }
        Command::PayoutStatus(PayoutKey {
            serial_no,
            merchant_order_no,
        }) => {
            let lookup = match (serial_no, merchant_order_no) {
                (Some(s), _) => PayoutLookup::SerialNo(s),
                (None, Some(m)) => PayoutLookup::MerchantOrderNo(m),
                (None, None) => {
                    return Err(Failure::Validation(
                        "--serial-no or --merchant-order-no is required".into(),
                    ))
                }
            };
            print(&client()?.payouts().status(&lookup).await?)
        }
        Command::Balance => print(&client()?.balance().await?),
        Command::Banks { q } => print(&client()?.banks(q.as_deref()).await?),
        Command::RetryCallback {
            kind,
            key: RetryKey { orderid, serial_no },
        } => {
            let kind: CallbackKind = kind.parse()?;
            let req = CallbackRetryRequest::from_parts(kind, orderid, serial_no);
            req.to_fields()?;
            print(&client()?.callbacks().retry(&req).await?)
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 3 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Api(m)) => {
            eprintln!("{m}");
            ExitCode::from(2)
        }
        Err(Failure::Validation(m)) => {
            eprintln!("{m}");
            ExitCode::from(3)
        }
        Err(Failure::Verification(m)) => {
            eprintln!("{m}");
            ExitCode::from(4)
        }
        Err(Failure::Other(m)) => {
            eprintln!("{m}");
            ExitCode::from(1)
        }
    }
}
