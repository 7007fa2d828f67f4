//! `wattt`: a command-line client for the Wattt merchant API (wattt-sdk).
//!
//! Configuration from the environment: `WATTT_BASE_URL`, `WATTT_UID`, `WATTT_SECRET`;
//! `PAYMENT_REPLAY_STORE` (or `--replay-store`) for `verify-notify`.
//!
//! ```text
//! wattt amounts
//! wattt collect --orderid COL1 --amount 2500 --notify-url https://shop.example/notify
//! wattt payout --serial-no PO1 --amount 1200 --payee-name 陳大文
//! printf '%s' "$BODY" | wattt verify-notify --replay-store redis://127.0.0.1:6379/0
//! ```
//!
//! Exit codes (the same in every gateway CLI): 0 ok (JSON on stdout), 1 configuration, usage
//! or transport, 2 API error, 3 validation (nothing was sent), 4 verification failed, 5 outcome
//! unknown (look the order up before repeating), 6 replay store unavailable. One line on
//! stderr for every non-zero exit.

use std::process::ExitCode;

use clap::{Args, Parser};
use examples::cli::{self, Exit, Failure, ReplayStoreArg};
use rust_decimal::Decimal;
use wattt_sdk::webhook::Verifier;
use wattt_sdk::{
    CallbackKind, CallbackRetryRequest, Client, CollectionLookup, CollectionRequest,
    PaymentLinkAmountRequest, PaymentLinkRequest, PayoutLookup, PayoutRequest,
};

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

#[derive(Parser)]
#[command(
    name = "wattt",
    about = "Wattt merchant API client (env: WATTT_BASE_URL, WATTT_UID, WATTT_SECRET)",
    version,
    after_help = cli::EXIT_CODES_HELP
)]
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
        #[arg(long, allow_negative_numbers = true)]
        amount: i64,
    },
    /// Create a collection.
    Collect {
        #[arg(long)]
        orderid: String,
        #[arg(long, allow_negative_numbers = true)]
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
        #[arg(long, allow_negative_numbers = true)]
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
    /// Verify a notification body read from stdin (JSON or form-encoded) and record its
    /// delivery. Prints the notification with "delivery": "first" or "repeat".
    VerifyNotify {
        /// The API secret (default: WATTT_SECRET; never empty).
        #[arg(long, hide_env_values = true)]
        secret: Option<String>,
        #[command(flatten)]
        replay_store: ReplayStoreArg,
    },
}

fn client() -> Result<Client, Failure> {
    Ok(Client::builder()
        .base_url(cli::env("WATTT_BASE_URL")?)
        .credentials(cli::env("WATTT_UID")?, cli::env("WATTT_SECRET")?)
        .build()?)
}

async fn verify_notify(
    secret: Option<String>,
    replay_store: ReplayStoreArg,
) -> Result<(), Failure> {
    let secret = match secret {
        Some(s) => s,
        None => cli::env("WATTT_SECRET")?,
    };
    // An empty secret is a configuration error (exit 1) before anything is read or opened.
    let verifier = Verifier::new(secret)?;
    let verifier = verifier.with_replay_guard(replay_store.open().await?);
    let body = cli::read_stdin()?;
    let received = verifier.verify_and_record(&body).await?;
    cli::print_received(&received)
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
    r.payer_bank_name = a.payer_bank_name.clone();
    r.payer_bank_code = a.payer_bank_code.clone();
    r.payer_account_no = a.payer_account_no.clone();
    r.return_url = a.return_url.clone();
    r
}

fn print_link(link: &wattt_sdk::PaymentLink) -> Result<(), Failure> {
    let url = link.payment_url()?;
    cli::print_json(&serde_json::json!({ "payment_url": url, "response": link }))
}

async fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::VerifyNotify {
            secret,
            replay_store,
        } => verify_notify(secret, replay_store).await,
        Command::Channels => cli::print_json(&client()?.payment_links().channels().await?),
        Command::Amounts => cli::print_json(&client()?.payment_links().amounts().await?),
        Command::Link(a) => print_link(&client()?.payment_links().create(&link_request(&a)).await?),
        Command::LinkAmount { link, amount } => {
            if link.member_email.is_some() || link.payer_name.is_some() {
                return Err(Failure::new(
                    Exit::Validation,
                    "--member-email and --payer-name are not fields of payment-links/amount",
                ));
            }
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
            cli::print_json(&client()?.collections().create(&req).await?)
        }
        Command::CollectionStatus(CollectionKey {
            orderid,
            merchant_order_no,
        }) => {
            let lookup = match (orderid, merchant_order_no) {
                (Some(o), _) => CollectionLookup::OrderId(o),
                (None, Some(m)) => CollectionLookup::MerchantOrderNo(m),
                (None, None) => {
                    return Err(Failure::config("give --orderid or --merchant-order-no"))
                }
            };
            cli::print_json(&client()?.collections().status(&lookup).await?)
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
            cli::print_json(&client()?.payouts().create(&req).await?)
        }
        Command::PayoutStatus(PayoutKey {
            serial_no,
            merchant_order_no,
        }) => {
            let lookup = match (serial_no, merchant_order_no) {
                (Some(s), _) => PayoutLookup::SerialNo(s),
                (None, Some(m)) => PayoutLookup::MerchantOrderNo(m),
                (None, None) => {
                    return Err(Failure::config("give --serial-no or --merchant-order-no"))
                }
            };
            cli::print_json(&client()?.payouts().status(&lookup).await?)
        }
        Command::Balance => cli::print_json(&client()?.balance().await?),
        Command::Banks { q } => cli::print_json(&client()?.banks(q.as_deref()).await?),
        Command::RetryCallback {
            kind,
            key: RetryKey { orderid, serial_no },
        } => {
            let kind: CallbackKind = kind.parse()?;
            let req = CallbackRetryRequest::from_parts(kind, orderid, serial_no);
            req.to_fields()?;
            cli::print_json(&client()?.callbacks().retry(&req).await?)
        }
    }
}

fn main() -> ExitCode {
    cli::main::<Command, _, _>(run)
}
