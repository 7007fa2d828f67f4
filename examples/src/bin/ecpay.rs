//! `ecpay`: a command line for the ECPay SDK (AIO checkout, callbacks, queries, credit card
//! actions, and the two merchant APIs), on the shared `examples::cli` skeleton.
//!
//! Environment (flags of the same name override):
//! - `ECPAY_ENV`: `stage` (default) or `production`;
//! - `ECPAY_MERCHANT_ID`, `ECPAY_HASH_KEY`, `ECPAY_HASH_IV`: credentials. On stage, with none of
//!   the three set, ECPay's public test merchant 3002607 is used; production requires all three;
//!   an empty value is refused (exit 1);
//! - `ECPAY_AIO_BASE_URL`: overrides the AIO host (e.g. a simulator);
//! - `ECPAY_API_BASE_URL`: base URL of the integration demo and merchant checkout APIs;
//! - `PAYMENT_REPLAY_STORE`: where `verify-callback` records deliveries (`memory` or
//!   `redis://host:port[/db]`).
//!
//! ```text
//! ecpay checkout --trade-no T1 --amount 100 --item-name 'Tea#Cake' --trade-desc Order --return-url https://shop.example/return [--choose-payment Credit] [--json]
//! ecpay verify-callback [--kind payment|order|payment-info|period] [--replay-store redis://127.0.0.1:6379] < body.txt
//! ecpay query-trade --trade-no T1 [--platform-id 3002599]
//! ecpay query-payment-info --trade-no T1 [--platform-id 3002599]
//! ecpay do-action --merchant-trade-no T1 --trade-no 2601011000000001 --action C --amount 100
//! ecpay period-info --trade-no SUB1  |  ecpay period-action --trade-no SUB1 --action reauth|cancel
//! ecpay credit-trade --credit-refund-id 11111111 --amount 299 --check-code 59997889
//! ecpay capture --trade-no T1 --capture-amount 900 --refund-amount 100 [--platform-id P] [--remark R]
//! ecpay trade-file --date-type paid|allocated|ordered --from 2026-01-01 --to 2026-01-31 [--encoding auto|utf8|big5]
//! ecpay funding-file --date-type fund|close|enter --from 2026-01-01 --to 2026-01-31 [--encoding auto|utf8|big5]
//! ecpay server-order --trade-no AP1 --amount 100 --item-name Tea --trade-desc Order --trade-type web|app < apple-pay-token.json
//! ecpay create-trade --trade-no SP1 --amount 100 --item-name Tea --trade-desc Order --return-url https://shop.example/return
//! ecpay demo-create-order --source demo_store --order-id DEMO-1 --customer-name 'Alex Chen' --customer-email alex@example.com --amount 499
//! ecpay demo-checkout --event-id evt_…   |  ecpay demo-event --event-id evt_…  |  ecpay demo-events --limit 5
//! ecpay merchant-checkout --order-date … --order-item … --shipping-type … --payment-type … --shopper-name … \
//!     --shopper-paid-amount … --discount-total … --shipping-fee … --receiver-name … --receiver-phone … \
//!     --receiver-address … --total-amount … --item-name …
//! ```
//!
//! Success prints JSON (or, for `checkout` without `--json`, the HTML form) on stdout and exits
//! 0; the other exit codes are `examples::cli`'s (1 configuration/transport, 2 API error,
//! 3 validation, 4 verification failed, 5 outcome unknown, 6 replay store unavailable), with one
//! line on stderr.

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use ecpay_sdk::aio::{
    CheckoutRequest, CreditAction, DoActionRequest, Payment, PaymentMethod, TradeDate, TradeQuery,
};
use ecpay_sdk::demo::OrderRequest;
use ecpay_sdk::merchant::MerchantCheckoutRequest;
use ecpay_sdk::webhook::Verifier;
use ecpay_sdk::{Client, Credentials, Environment, Error};
use examples::cli::{self, Failure, ReplayStoreArg};

#[derive(Parser)]
#[command(
    name = "ecpay",
    version,
    about = "ECPay AIO and merchant API command line",
    after_help = cli::EXIT_CODES_HELP
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
    #[value(alias = "return")]
    Payment,
    /// OrderResultURL (the browser's copy).
    #[value(alias = "order-result")]
    Order,
    /// PaymentInfoURL (ATM/CVS/BARCODE code issued).
    PaymentInfo,
    /// PeriodReturnURL (a periodic plan's renewal).
    Period,
}

#[derive(Clone, Copy, ValueEnum)]
enum ActionArg {
    /// Close (關帳).
    #[value(name = "C", alias = "c")]
    C,
    /// Refund (退刷).
    #[value(name = "R", alias = "r")]
    R,
    /// Cancel a close (取消).
    #[value(name = "E", alias = "e")]
    E,
    /// Abandon the authorisation (放棄).
    #[value(name = "N", alias = "n")]
    N,
}

/// The trade a query names, and the platform a platform's sub-merchant queries through.
#[derive(clap::Args)]
struct TradeQueryArgs {
    /// The MerchantTradeNo.
    #[arg(long)]
    trade_no: String,
    /// PlatformID: the platform's MerchantID, for a platform's sub-merchant (empty otherwise).
    #[arg(long)]
    platform_id: Option<String>,
}

impl TradeQueryArgs {
    fn into_query(self) -> TradeQuery {
        let q = TradeQuery::new(self.trade_no);
        match self.platform_id {
            Some(p) => q.platform(p),
            None => q,
        }
    }
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
        /// Credit, WebATM, ATM, CVS, BARCODE, ApplePay, TWQR, BNPL, WeiXin or ALL (default).
        #[arg(long, default_value = "ALL")]
        choose_payment: String,
        /// `yyyy/MM/dd HH:mm:ss` (default: now, Taiwan time).
        #[arg(long)]
        trade_date: Option<String>,
        /// Print the signed fields as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Verify a callback form body read from stdin and record its delivery; print the typed
    /// event as JSON with `"delivery": "first"|"repeat"`.
    VerifyCallback {
        #[arg(long, value_enum, default_value = "payment")]
        kind: CallbackKind,
        #[command(flatten)]
        store: ReplayStoreArg,
    },
    /// QueryTradeInfo/V5 (`--trade-no` is the MerchantTradeNo).
    QueryTrade {
        #[command(flatten)]
        query: TradeQueryArgs,
    },
    /// QueryPaymentInfo: the ATM account / CVS code / barcodes of a trade (`--trade-no` is the
    /// MerchantTradeNo).
    QueryPaymentInfo {
        #[command(flatten)]
        query: TradeQueryArgs,
    },
    /// CreditDetail/DoAction: close, refund, cancel or abandon a credit card trade (never
    /// retried; exit 5 when the outcome is unknown: query the trade before repeating it).
    DoAction {
        #[arg(long)]
        merchant_trade_no: String,
        /// ECPay's TradeNo.
        #[arg(long)]
        trade_no: String,
        #[arg(long, value_enum)]
        action: ActionArg,
        #[arg(long)]
        amount: u64,
    },
    /// QueryCreditCardPeriodInfo: a periodic plan and its executions (`--trade-no` is the
    /// MerchantTradeNo).
    PeriodInfo {
        #[arg(long)]
        trade_no: String,
    },
    /// CreditCardPeriodAction: `reauth` or `cancel` a periodic plan (never retried; exit 5 when
    /// the outcome is unknown: `period-info` before repeating it).
    PeriodAction {
        #[arg(long)]
        trade_no: String,
        /// `reauth` or `cancel`.
        #[arg(long)]
        action: String,
    },
    /// CreditDetail/QueryTrade/V2: one credit authorisation's close/refund state.
    CreditTrade {
        /// CreditRefundId: the authorisation's gwsr.
        #[arg(long)]
        credit_refund_id: u64,
        /// CreditAmount in TWD.
        #[arg(long)]
        amount: u64,
        /// CreditCheckCode from ECPay's back office.
        #[arg(long)]
        check_code: u64,
    },
    /// Cashier/Capture: a platform merchant's capture (never retried; exit 5 when the outcome
    /// is unknown).
    Capture {
        #[arg(long)]
        trade_no: String,
        #[arg(long)]
        capture_amount: u64,
        #[arg(long, default_value_t = 0)]
        refund_amount: u64,
        #[arg(long)]
        platform_id: Option<String>,
        #[arg(long)]
        remark: Option<String>,
    },
    /// PaymentMedia/TradeNoAio: download and decode the trade media file.
    TradeFile {
        /// `paid`, `allocated` or `ordered`.
        #[arg(long, default_value = "paid")]
        date_type: String,
        /// First day, `yyyy-MM-dd`.
        #[arg(long)]
        from: String,
        /// Last day, `yyyy-MM-dd`.
        #[arg(long)]
        to: String,
        /// `PaymentType` filter (`01` credit card …).
        #[arg(long)]
        payment_type: Option<String>,
        /// `auto`, `utf8` or `big5`.
        #[arg(long, default_value = "auto")]
        encoding: String,
    },
    /// CreditDetail/FundingReconDetail: download and decode the appropriation file.
    FundingFile {
        /// `fund`, `close` or `enter`.
        #[arg(long, default_value = "enter")]
        date_type: String,
        /// First day, `yyyy-MM-dd`.
        #[arg(long)]
        from: String,
        /// Last day, `yyyy-MM-dd`.
        #[arg(long)]
        to: String,
        /// `auto`, `utf8` or `big5`.
        #[arg(long, default_value = "auto")]
        encoding: String,
    },
    /// ApplePay/CreateServerOrder/V2: charge an Apple Pay token read from stdin (never
    /// retried; exit 5 when the outcome is unknown).
    ServerOrder {
        #[arg(long)]
        trade_no: String,
        #[arg(long)]
        amount: u64,
        #[arg(long)]
        item_name: String,
        #[arg(long)]
        trade_desc: String,
        /// `web` or `app`.
        #[arg(long, default_value = "web")]
        trade_type: String,
    },
    /// SP/CreateTrade: create the order server-side and print its SPToken (never retried;
    /// exit 5 when the outcome is unknown).
    CreateTrade {
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
        /// Credit, WebATM, ATM, CVS, BARCODE, ApplePay, TWQR, BNPL, WeiXin or ALL (default).
        #[arg(long, default_value = "ALL")]
        choose_payment: String,
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

/// The credentials the flags and environment name: all three, or (on stage only) none for
/// ECPay's public test merchant. An empty value is refused by the SDK's builder (exit 1).
fn credentials(cli: &Cli, env: Environment) -> Result<Option<Credentials>, Failure> {
    for (name, value) in [
        ("ECPAY_MERCHANT_ID", &cli.merchant_id),
        ("ECPAY_HASH_KEY", &cli.hash_key),
        ("ECPAY_HASH_IV", &cli.hash_iv),
    ] {
        if value.as_deref() == Some("") {
            return Err(Failure::config(format!("{name} is empty")));
        }
    }
    match (&cli.merchant_id, &cli.hash_key, &cli.hash_iv) {
        (Some(m), Some(k), Some(v)) => {
            Ok(Some(Credentials::new(m.clone(), k.as_str(), v.as_str())))
        }
        (None, None, None) if env == Environment::Stage => Ok(Some(Credentials::stage())),
        (None, None, None) => Err(Failure::config(
            "production needs ECPAY_MERCHANT_ID, ECPAY_HASH_KEY and ECPAY_HASH_IV",
        )),
        _ => Err(Failure::config(
            "set all of ECPAY_MERCHANT_ID, ECPAY_HASH_KEY and ECPAY_HASH_IV",
        )),
    }
}

fn environment(cli: &Cli) -> Environment {
    match cli.env {
        EnvArg::Stage => Environment::Stage,
        EnvArg::Production => Environment::Production,
    }
}

fn build_client(cli: &Cli) -> Result<Client, Failure> {
    let env = environment(cli);
    let mut b = Client::builder().environment(env);
    if let Some(u) = &cli.aio_base_url {
        b = b.base_url(u.clone());
    }
    if let Some(u) = &cli.api_base_url {
        b = b.api_base_url(u.clone());
    }
    if let Some(c) = credentials(cli, env)? {
        b = b.credentials(c);
    }
    Ok(b.build()?)
}

fn main() -> ExitCode {
    cli::main::<Cli, _, _>(run)
}

async fn run(cli: Cli) -> Result<(), Failure> {
    if let Command::VerifyCallback { kind, store } = &cli.command {
        // Verifying needs only the merchant's keys, not a client (no host is contacted).
        let creds = credentials(&cli, environment(&cli))?
            .ok_or_else(|| Failure::config("verify-callback needs the merchant's credentials"))?;
        return verify_callback(creds, *kind, store).await;
    }
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
                    reason: "one of Credit, WebATM, ATM, CVS, BARCODE, ApplePay, TWQR, BNPL, WeiXin, ALL"
                        .into(),
                })?;
            let date = trade_date.map_or_else(TradeDate::now_taiwan, TradeDate::from);
            let mut req =
                CheckoutRequest::new(trade_no, date, amount, trade_desc, item_name, return_url);
            req.payment = Payment::default_for(method);
            let form = client.aio().checkout(&req)?;
            if json {
                cli::print_json(&form.to_json())
            } else {
                print!("{}", form.to_html());
                Ok(())
            }
        }
        Command::VerifyCallback { .. } => Ok(()),
        Command::QueryTrade { query } => {
            cli::print_json(&client.aio().query_trade_info(query.into_query()).await?)
        }
        Command::QueryPaymentInfo { query } => {
            cli::print_json(&client.aio().query_payment_info(query.into_query()).await?)
        }
        Command::DoAction {
            merchant_trade_no,
            trade_no,
            action,
            amount,
        } => {
            let action = match action {
                ActionArg::C => CreditAction::Close,
                ActionArg::R => CreditAction::Refund,
                ActionArg::E => CreditAction::Cancel,
                ActionArg::N => CreditAction::Abandon,
            };
            let req = DoActionRequest {
                merchant_trade_no,
                trade_no,
                action,
                total_amount: amount,
                platform_id: None,
            };
            cli::print_json(&client.aio().do_action(&req).await?)
        }
        Command::PeriodInfo { trade_no } => {
            cli::print_json(&client.aio().query_period_info(trade_no.as_str()).await?)
        }
        Command::PeriodAction { trade_no, action } => {
            let kind = ops::PeriodActionKind::parse(&action)
                .ok_or_else(|| ops::invalid("Action", "reauth or cancel"))?;
            let req = ops::PeriodActionRequest::new(trade_no, kind);
            cli::print_json(&client.aio().period_action(&req).await?)
        }
        Command::CreditTrade {
            credit_refund_id,
            amount,
            check_code,
        } => {
            let req = ops::CreditTradeRequest {
                credit_refund_id,
                credit_amount: amount,
                credit_check_code: check_code,
            };
            cli::print_json(&client.aio().query_credit_trade(&req).await?)
        }
        Command::Capture {
            trade_no,
            capture_amount,
            refund_amount,
            platform_id,
            remark,
        } => {
            let mut req = ops::CaptureRequest::new(trade_no, capture_amount, refund_amount);
            req.platform_id = platform_id;
            req.remark = remark;
            cli::print_json(&client.aio().capture(&req).await?)
        }
        Command::TradeFile {
            date_type,
            from,
            to,
            payment_type,
            encoding,
        } => {
            let kind = match date_type.as_str() {
                "paid" => ops::MediaDateType::Paid,
                "allocated" => ops::MediaDateType::Allocated,
                "ordered" => ops::MediaDateType::Ordered,
                _ => return Err(ops::invalid("DateType", "paid, allocated or ordered").into()),
            };
            let mut req = ops::TradeFileRequest::new(
                kind,
                ops::day("BeginDate", &from)?,
                ops::day("EndDate", &to)?,
            );
            req.payment_type = payment_type;
            req.encoding = ops::encoding(&encoding)?;
            cli::print_json(&client.aio().trade_file(&req).await?)
        }
        Command::FundingFile {
            date_type,
            from,
            to,
            encoding,
        } => {
            let kind = ops::FundingDateType::parse(&date_type)
                .ok_or_else(|| ops::invalid("PayDateType", "fund, close or enter"))?;
            let mut req = ops::FundingFileRequest::new(
                kind,
                ops::day("StartDate", &from)?,
                ops::day("EndDate", &to)?,
            );
            req.encoding = ops::encoding(&encoding)?;
            cli::print_json(&client.aio().funding_file(&req).await?)
        }
        Command::ServerOrder {
            trade_no,
            amount,
            item_name,
            trade_desc,
            trade_type,
        } => {
            let kind = match trade_type.as_str() {
                "web" => ecpay_sdk::aio::ServerTradeType::Web,
                "app" => ecpay_sdk::aio::ServerTradeType::InApp,
                _ => return Err(ops::invalid("TradeType", "web or app").into()),
            };
            let token = String::from_utf8_lossy(cli::read_stdin()?.trim_ascii()).into_owned();
            let req = ecpay_sdk::aio::ServerOrderRequest::new(
                trade_no,
                TradeDate::now_taiwan(),
                amount,
                item_name,
                trade_desc,
                kind,
                token,
            );
            cli::print_json(&client.aio().create_server_order(&req).await?)
        }
        Command::CreateTrade {
            trade_no,
            amount,
            item_name,
            trade_desc,
            return_url,
            choose_payment,
        } => {
            let method = PaymentMethod::parse(&choose_payment).ok_or_else(|| {
                ops::invalid(
                    "ChoosePayment",
                    "one of Credit, WebATM, ATM, CVS, BARCODE, ApplePay, TWQR, BNPL, ALL",
                )
            })?;
            let mut req = CheckoutRequest::new(
                trade_no,
                TradeDate::now_taiwan(),
                amount,
                trade_desc,
                item_name,
                return_url,
            );
            req.payment = Payment::default_for(method);
            cli::print_json(&client.aio().create_trade(&req).await?)
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
            cli::print_json(&client.demo().create_order(&req).await?)
        }
        Command::DemoCheckout { event_id } => {
            cli::print_json(&client.demo().create_checkout(&event_id).await?)
        }
        Command::DemoEvent { event_id } => cli::print_json(&client.demo().event(&event_id).await?),
        Command::DemoEvents { limit } => {
            cli::print_json(&client.demo().recent_events(limit).await?)
        }
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
            cli::print_json(&client.merchant().checkout(&req).await?)
        }
    }
}

async fn verify_callback(
    creds: Credentials,
    kind: CallbackKind,
    store: &ReplayStoreArg,
) -> Result<(), Failure> {
    let verifier = Verifier::new(creds)?.with_replay_guard(store.open().await?);
    let raw = cli::read_stdin()?;
    // A body piped from a file usually ends with a newline that ECPay never sends.
    let body = raw.trim_ascii();
    match kind {
        CallbackKind::Payment => cli::print_received(&verifier.verify_and_record(body).await?),
        CallbackKind::Order => {
            cli::print_received(&verifier.verify_order_result_and_record(body).await?)
        }
        CallbackKind::PaymentInfo => {
            cli::print_received(&verifier.verify_payment_info_and_record(body).await?)
        }
        CallbackKind::Period => {
            cli::print_received(&verifier.verify_period_renewal_and_record(body).await?)
        }
    }
}

/// Flag parsing of the ECPay-ops subcommands (period, credit trade, capture, files).
mod ops {
    use ecpay_sdk::aio::FileEncoding;
    pub use ecpay_sdk::aio::{
        CaptureRequest, CreditTradeRequest, FundingDateType, FundingFileRequest, MediaDateType,
        PeriodActionKind, PeriodActionRequest, TradeFileRequest,
    };
    use ecpay_sdk::Error;

    pub fn invalid(field: &str, reason: &str) -> Error {
        Error::Validation {
            field: field.into(),
            reason: format!("must be {reason}"),
        }
    }

    pub fn day(field: &str, v: &str) -> Result<chrono::NaiveDate, Error> {
        chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map_err(|_| invalid(field, "a day, yyyy-MM-dd"))
    }

    pub fn encoding(v: &str) -> Result<FileEncoding, Error> {
        FileEncoding::parse(v).ok_or_else(|| invalid("encoding", "auto, utf8 or big5"))
    }
}
