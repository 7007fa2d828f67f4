//! `paysign`: compute the signature a gateway expects, to debug an integration by hand.
//!
//! ```text
//! echo '{"MerchantID":"3002607","TotalAmount":"100"}' | paysign ecpay --hash-key K --hash-iv V
//! printf '{"a":1}' | paysign ljpay --secret S --site C --method POST --path /api/v1/orders --timestamp 1700000000 --nonce N
//! paysign octopus-auth --secret S --merchant-id M --timestamp 2024-01-01T00:00:00Z --nonce N
//! printf '{"eventType":"payment.completed"}' | paysign octopus-webhook --secret S
//! echo '{"uid":"M1","amount":100}' | paysign wattt --secret S
//! ```
//!
//! The value alone is printed on one line. Bad input exits non-zero with one line on stderr
//! and nothing on stdout. Secrets may come from the environment instead of flags
//! (`PAYSIGN_SECRET`, `PAYSIGN_HASH_KEY`, `PAYSIGN_HASH_IV`) so they stay out of shell history.

use std::io::Read;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use sign_core::ecpay::{self, HashAlgorithm};
use sign_core::{ljpay, octopus, wattt, Secret};

#[derive(Parser)]
#[command(
    name = "paysign",
    version,
    about = "Compute payment gateway signatures for debugging"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// ECPay CheckMacValue of a JSON object of string params read from stdin.
    Ecpay {
        /// Merchant HashKey.
        #[arg(long, env = "PAYSIGN_HASH_KEY", hide_env_values = true)]
        hash_key: String,
        /// Merchant HashIV.
        #[arg(long, env = "PAYSIGN_HASH_IV", hide_env_values = true)]
        hash_iv: String,
        /// MD5 (EncryptType=0, logistics) instead of SHA-256.
        #[arg(long)]
        md5: bool,
    },
    /// LJPay `X-Pay-Signature` (`sha256=<hex>`) of the raw body read from stdin.
    Ljpay {
        /// Site secret.
        #[arg(long, env = "PAYSIGN_SECRET", hide_env_values = true)]
        secret: String,
        /// Site code (`X-Pay-Site`).
        #[arg(long)]
        site: String,
        /// HTTP method.
        #[arg(long)]
        method: String,
        /// Path and query exactly as sent, e.g. `/api/v1/orders?x=1`.
        #[arg(long)]
        path: String,
        /// Unix seconds (`X-Pay-Timestamp`).
        #[arg(long)]
        timestamp: i64,
        /// `X-Pay-Nonce`.
        #[arg(long)]
        nonce: String,
    },
    /// Octopus request `X-Octopus-Signature` (hex).
    OctopusAuth {
        /// Merchant secret key.
        #[arg(long, env = "PAYSIGN_SECRET", hide_env_values = true)]
        secret: String,
        /// `X-Octopus-Merchant-ID`.
        #[arg(long)]
        merchant_id: String,
        /// `X-Octopus-Timestamp`, exactly as sent (RFC 3339).
        #[arg(long)]
        timestamp: String,
        /// `X-Octopus-Nonce`.
        #[arg(long)]
        nonce: String,
    },
    /// Octopus webhook `X-Octopus-Signature` (hex) of the raw body read from stdin.
    OctopusWebhook {
        /// Webhook secret.
        #[arg(long, env = "PAYSIGN_SECRET", hide_env_values = true)]
        secret: String,
    },
    /// Wattt `sign` of a JSON object read from stdin (numbers signed as written).
    Wattt {
        /// API secret.
        #[arg(long, env = "PAYSIGN_SECRET", hide_env_values = true)]
        secret: String,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version go to stdout as usual.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => return fail(&one_line(&e.to_string())),
    };
    match run(cli.command) {
        Ok(value) => {
            println!("{value}");
            ExitCode::SUCCESS
        }
        Err(message) => fail(&message),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("paysign: {message}");
    ExitCode::from(2)
}

/// Clap's messages span several lines (usage, hints); keep what says what went wrong.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .filter(|l| !l.is_empty())
        .map(|l| l.trim_start_matches("error: "))
        .collect::<Vec<_>>()
        .join(" ")
}

fn stdin_bytes() -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    std::io::stdin()
        .read_to_end(&mut body)
        .map_err(|e| format!("cannot read stdin: {e}"))?;
    Ok(body)
}

fn stdin_object() -> Result<serde_json::Map<String, serde_json::Value>, String> {
    let body = stdin_bytes()?;
    match serde_json::from_slice(&body) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(_) => Err("stdin must be a JSON object".into()),
        Err(e) => Err(format!("stdin is not valid JSON: {e}")),
    }
}

fn run(command: Command) -> Result<String, String> {
    Ok(match command {
        Command::Ecpay {
            hash_key,
            hash_iv,
            md5,
        } => {
            let params = stdin_object()?
                .into_iter()
                .map(|(k, v)| match v {
                    serde_json::Value::String(s) => Ok((k, s)),
                    _ => Err(format!(
                        "param `{k}` must be a JSON string (ECPay params are strings)"
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?;
            let alg = if md5 {
                HashAlgorithm::Md5
            } else {
                HashAlgorithm::Sha256
            };
            ecpay::check_mac_value(
                &params,
                &Secret::from(hash_key),
                &Secret::from(hash_iv),
                alg,
            )
        }
        Command::Ljpay {
            secret,
            site,
            method,
            path,
            timestamp,
            nonce,
        } => {
            let body = stdin_bytes()?;
            ljpay::sign_request(
                &Secret::from(secret),
                &site,
                &method,
                &path,
                &body,
                timestamp,
                &nonce,
            )
            .signature
        }
        Command::OctopusAuth {
            secret,
            merchant_id,
            timestamp,
            nonce,
        } => {
            octopus::parse_timestamp(&timestamp).map_err(|e| e.to_string())?;
            octopus::auth_signature(&Secret::from(secret), &merchant_id, &timestamp, &nonce)
        }
        Command::OctopusWebhook { secret } => {
            octopus::webhook_signature(&Secret::from(secret), &stdin_bytes()?)
        }
        Command::Wattt { secret } => {
            let body = stdin_bytes()?;
            wattt::sign_json_body(&body, &Secret::from(secret)).map_err(|_| {
                match serde_json::from_slice::<serde_json::Value>(&body) {
                    Ok(_) => "stdin must be a JSON object without repeated keys".to_string(),
                    Err(e) => format!("stdin is not valid JSON: {e}"),
                }
            })?
        }
    })
}
