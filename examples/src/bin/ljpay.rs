//! `ljpay`: a command-line client for the LJPay payment centre.
//!
//! Configuration from the environment: `LJPAY_BASE_URL` (may carry a path prefix, for a
//! gateway in front), `LJPAY_SITE_CODE`, `LJPAY_SECRET`; `PAYMENT_REPLAY_STORE` (or
//! `--replay-store`) for `verify-webhook`.
//!
//! ```text
//! ljpay create-order --biz-order-no B-1 --amount-fen 12800 --channel wechat_native --subject tea
//! ljpay get-order --biz-order-no B-1
//! ljpay refund --biz-order-no B-1 --out-refund-no R-1 --refund-fen 5000
//! printf '%s' "$BODY" | ljpay verify-webhook --path '/hooks/ljpay?x=1' --site S \
//!     --timestamp T --nonce N --signature sha256=… --replay-store redis://127.0.0.1:6379/0
//! ```
//!
//! Exit codes (the same in every gateway CLI): 0 ok (JSON on stdout), 1 configuration, usage
//! or transport, 2 API error, 3 validation (nothing was sent), 4 verification failed (forged,
//! tampered, stale, replayed), 5 outcome unknown (look the order up before repeating), 6 replay
//! store unavailable. One line on stderr for every non-zero exit.

use std::process::ExitCode;

use clap::{ArgGroup, Parser};
use examples::cli::{self, Exit, Failure, ReplayStoreArg};
use ljpay_sdk::webhook::Verifier;
use ljpay_sdk::{Channel, Client, CreateOrderOutcome, CreateOrderRequest, RefundRequest};

#[derive(Parser)]
#[command(
    name = "ljpay",
    about = "LJPay payment centre client (env: LJPAY_BASE_URL, LJPAY_SITE_CODE, LJPAY_SECRET)",
    after_help = cli::EXIT_CODES_HELP
)]
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
    /// Verify a webhook and record it: raw body on stdin, site from LJPAY_SITE_CODE, secret
    /// from LJPAY_SECRET. Prints the event with "delivery": "first" or "repeat".
    VerifyWebhook {
        /// The request target exactly as received: the callback's path and query.
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
        #[command(flatten)]
        replay_store: ReplayStoreArg,
    },
}

fn client() -> Result<Client, Failure> {
    Ok(Client::builder()
        .base_url(cli::env("LJPAY_BASE_URL")?)
        .site_code(cli::env("LJPAY_SITE_CODE")?)
        .secret(cli::env("LJPAY_SECRET")?)
        .build()?)
}

async fn verify_webhook(
    path: String,
    headers: [(&'static str, String); 4],
    method: String,
    replay_store: ReplayStoreArg,
) -> Result<(), Failure> {
    // The expected site is the configured one, never the one the request claims.
    let site = cli::env("LJPAY_SITE_CODE")?;
    let secret = cli::env("LJPAY_SECRET")?;
    let verifier = Verifier::new(site, secret)?.with_replay_guard(replay_store.open().await?);
    let mut map = axum::http::HeaderMap::new();
    for (name, value) in headers {
        let value = value.parse().map_err(|_| {
            Failure::new(
                Exit::Verification,
                format!("{name}: not a valid header value"),
            )
        })?;
        map.insert(name, value);
    }
    let body = cli::read_stdin()?;
    let received = verifier
        .verify_and_record(&method, &path, &map, &body)
        .await?;
    cli::print_received(&received)
}

async fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::VerifyWebhook {
            path,
            site,
            timestamp,
            nonce,
            signature,
            method,
            replay_store,
        } => {
            let headers = [
                ("x-pay-site", site),
                ("x-pay-timestamp", timestamp),
                ("x-pay-nonce", nonce),
                ("x-pay-signature", signature),
            ];
            verify_webhook(path, headers, method, replay_store).await
        }
        Command::CreateOrder {
            biz_order_no,
            amount_fen,
            channel,
            subject,
            return_url,
            payer_openid,
            client_ip,
        } => {
            let mut req = CreateOrderRequest::new(
                biz_order_no,
                amount_fen,
                Channel::from_wire(&channel),
                subject,
            );
            req.return_url = return_url;
            req.payer_openid = payer_openid;
            req.client_ip = client_ip;
            match client()?.orders().create(&req).await? {
                CreateOrderOutcome::Created(created) => cli::print_json(&created),
                CreateOrderOutcome::AlreadyExists(order) => {
                    eprintln!(
                        "note: the order already existed (found by biz_order_no after an unknown outcome)"
                    );
                    cli::print_json(&order)
                }
                other => cli::print_json(&other),
            }
        }
        Command::GetOrder {
            biz_order_no,
            order_no,
        } => {
            let client = client()?;
            let order = match (biz_order_no, order_no) {
                (Some(b), _) => client.orders().get_by_biz_order_no(&b).await?,
                (None, Some(o)) => client.orders().get_by_order_no(&o).await?,
                (None, None) => return Err(Failure::config("give --biz-order-no or --order-no")),
            };
            cli::print_json(&order)
        }
        Command::Cancel { biz_order_no } => {
            client()?.orders().cancel(&biz_order_no).await?;
            cli::print_json(&serde_json::json!({
                "biz_order_no": biz_order_no,
                "canceled": true,
            }))
        }
        Command::Refund {
            biz_order_no,
            out_refund_no,
            refund_fen,
            reason,
        } => {
            let mut req = RefundRequest::new(biz_order_no, out_refund_no, refund_fen);
            req.reason = reason;
            cli::print_json(&client()?.refunds().create(&req).await?)
        }
    }
}

fn main() -> ExitCode {
    cli::main::<Command, _, _>(run)
}
