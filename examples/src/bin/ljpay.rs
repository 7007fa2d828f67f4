//! `ljpay`: a command-line client for the LJPay payment centre.
//!
//! Configuration from the environment: `LJPAY_BASE_URL` (may carry a path prefix, for a
//! gateway in front), `LJPAY_SITE_CODE`, `LJPAY_SECRET`.
//!
//! Exit codes: 0 success (the typed response as JSON on stdout); 1 configuration, usage or
//! transport error; 2 API error (code and message on stderr); 3 validation error; 4 webhook
//! verification failed; 5 the call was sent but its outcome is unknown (the message says
//! what is safe to do next).

use std::io::Read as _;
use std::process::ExitCode;

use clap::{ArgGroup, Parser, Subcommand};
use ljpay_sdk::webhook::{self, WebhookConfig};
use ljpay_sdk::{
    Channel, Client, CreateOrderOutcome, CreateOrderRequest, Error, RefundRequest, Secret,
};

#[derive(Parser)]
#[command(
    name = "ljpay",
    about = "LJPay payment centre client (env: LJPAY_BASE_URL, LJPAY_SITE_CODE, LJPAY_SECRET)",
    after_help = "Exit codes: 0 ok, 1 config/usage/transport, 2 API error, 3 validation error, \
                  4 webhook verification failed, 5 outcome unknown"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a payment order.
    CreateOrder {
        /// Business order number.
        #[arg(long)]
        biz_order_no: String,
        /// Amount in fen (1/100 CNY).
        #[arg(long, allow_negative_numbers = true)]
        amount_fen: i64,
        /// Channel: wechat_native, wechat_jsapi, alipay_pc (= alipay_page), alipay_page,
        /// alipay_wap, alipay_qr.
        #[arg(long)]
        channel: String,
        /// Order subject.
        #[arg(long)]
        subject: String,
        /// Return URL (required for alipay_pc / alipay_page / alipay_wap).
        #[arg(long)]
        return_url: Option<String>,
        /// Payer openid (required for wechat_jsapi).
        #[arg(long)]
        payer_openid: Option<String>,
        /// Payer IP.
        #[arg(long)]
        client_ip: Option<String>,
    },
    /// Look an order up by business order number or payment-centre order number.
    #[command(group(ArgGroup::new("key").required(true).args(["biz_order_no", "order_no"])))]
    GetOrder {
        /// Business order number.
        #[arg(long)]
        biz_order_no: Option<String>,
        /// Payment-centre order number (lp_…).
        #[arg(long)]
        order_no: Option<String>,
    },
    /// Cancel an unpaid order.
    Cancel {
        /// Business order number.
        #[arg(long)]
        biz_order_no: String,
    },
    /// Refund (part of) a paid order.
    Refund {
        /// Business order number.
        #[arg(long)]
        biz_order_no: String,
        /// Merchant refund number (repeat it to retry the same refund safely).
        #[arg(long)]
        out_refund_no: String,
        /// Amount in fen.
        #[arg(long, allow_negative_numbers = true)]
        refund_fen: i64,
        /// Reason.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Verify a webhook: raw body on stdin, secret from LJPAY_SECRET.
    VerifyWebhook {
        /// The callback's path and query as received.
        #[arg(long)]
        path: String,
        /// X-Pay-Site.
        #[arg(long)]
        site: String,
        /// X-Pay-Timestamp.
        #[arg(long, allow_negative_numbers = true)]
        timestamp: String,
        /// X-Pay-Nonce.
        #[arg(long)]
        nonce: String,
        /// X-Pay-Signature (sha256=…).
        #[arg(long)]
        signature: String,
        /// HTTP method of the webhook.
        #[arg(long, default_value = "POST")]
        method: String,
    },
}

const EXIT_USAGE: u8 = 1;
const EXIT_API: u8 = 2;
const EXIT_VALIDATION: u8 = 3;
const EXIT_VERIFY: u8 = 4;
const EXIT_UNKNOWN: u8 = 5;

fn env(name: &str) -> Result<String, String> {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => Ok(v),
        _ => Err(format!("{name} is not set")),
    }
}

fn client() -> Result<Client, String> {
    Client::builder()
        .base_url(env("LJPAY_BASE_URL")?)
        .site_code(env("LJPAY_SITE_CODE")?)
        .secret(Secret::new(env("LJPAY_SECRET")?))
        .build()
        .map_err(|e| e.to_string())
}

fn print_json<T: serde::Serialize>(v: &T) -> ExitCode {
    match serde_json::to_string_pretty(v) {
        Ok(s) => {
            println!("{s}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot print the response: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn fail(e: &Error) -> ExitCode {
    match e {
        Error::Api { code, message, .. } => {
            eprintln!("{code}: {message}");
            ExitCode::from(EXIT_API)
        }
        Error::Validation { .. } => {
            eprintln!("validation error: {e}");
            ExitCode::from(EXIT_VALIDATION)
        }
        Error::Signature(_) | Error::WebhookPayload { .. } => {
            eprintln!("verification failed: {e}");
            ExitCode::from(EXIT_VERIFY)
        }
        e if e.is_outcome_unknown() => {
            eprintln!("outcome unknown: {e}");
            ExitCode::from(EXIT_UNKNOWN)
        }
        e => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

async fn run(command: Command) -> Result<ExitCode, String> {
    if let Command::VerifyWebhook {
        path,
        site,
        timestamp,
        nonce,
        signature,
        method,
    } = command
    {
        let secret = env("LJPAY_SECRET")?;
        // The expected site is LJPAY_SITE_CODE when set, else the one given.
        let expected_site = env("LJPAY_SITE_CODE").unwrap_or_else(|_| site.clone());
        let mut body = Vec::new();
        std::io::stdin()
            .read_to_end(&mut body)
            .map_err(|e| format!("cannot read the body from stdin: {e}"))?;
        let mut headers = axum::http::HeaderMap::new();
        for (name, value) in [
            ("x-pay-site", site),
            ("x-pay-timestamp", timestamp),
            ("x-pay-nonce", nonce),
            ("x-pay-signature", signature),
        ] {
            let value = value
                .parse()
                .map_err(|_| format!("{name}: not a valid header value"));
            match value {
                Ok(v) => {
                    headers.insert(name, v);
                }
                Err(msg) => {
                    eprintln!("verification failed: {msg}");
                    return Ok(ExitCode::from(EXIT_VERIFY));
                }
            }
        }
        let config = WebhookConfig::new(expected_site, secret);
        return Ok(
            match webhook::verify(&method, &path, &headers, &body, &config) {
                Ok(event) => print_json(&event),
                Err(e) => fail(&e),
            },
        );
    }

    let client = client()?;
    Ok(match command {
        Command::CreateOrder {
            biz_order_no,
            amount_fen,
            channel,
            subject,
            return_url,
            payer_openid,
            client_ip,
        } => {
            let channel = Channel::from_wire(&channel);
            if let Channel::Other(c) = &channel {
                eprintln!("validation error: invalid `channel`: unknown channel {c:?}");
                return Ok(ExitCode::from(EXIT_VALIDATION));
            }
            let mut req = CreateOrderRequest::new(biz_order_no, amount_fen, channel, subject);
            req.return_url = return_url;
            req.payer_openid = payer_openid;
            req.client_ip = client_ip;
            match client.orders().create(&req).await {
                Ok(CreateOrderOutcome::Created(created)) => print_json(&created),
                Ok(CreateOrderOutcome::AlreadyExists(order)) => {
                    eprintln!(
                        "note: the order already existed (found by biz_order_no after an unknown outcome)"
                    );
                    print_json(&order)
                }
                Ok(other) => print_json(&other),
                Err(e) => fail(&e),
            }
        }
        Command::GetOrder {
            biz_order_no,
            order_no,
        } => {
            let result = match (biz_order_no, order_no) {
                (Some(b), _) => client.orders().get_by_biz_order_no(&b).await,
                (None, Some(o)) => client.orders().get_by_order_no(&o).await,
                (None, None) => return Err("give --biz-order-no or --order-no".into()),
            };
            match result {
                Ok(order) => print_json(&order),
                Err(e) => fail(&e),
            }
        }
        Command::Cancel { biz_order_no } => match client.orders().cancel(&biz_order_no).await {
            Ok(()) => print_json(&serde_json::json!({
                "biz_order_no": biz_order_no,
                "canceled": true,
            })),
            Err(e) => fail(&e),
        },
        Command::Refund {
            biz_order_no,
            out_refund_no,
            refund_fen,
            reason,
        } => {
            let mut req = RefundRequest::new(biz_order_no, out_refund_no, refund_fen);
            req.reason = reason;
            match client.refunds().create(&req).await {
                Ok(r) => print_json(&r),
                Err(e) => fail(&e),
            }
        }
        Command::VerifyWebhook { .. } => ExitCode::from(EXIT_USAGE),
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(EXIT_USAGE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match run(cli.command).await {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}
