//! The skeleton the four gateway CLIs share: environment and flag loading, the exit codes, JSON
//! output, one-line errors and the `--replay-store` option. Each binary keeps only its
//! subcommands and maps its SDK's errors to a [`Failure`] (in `cli/<gateway>.rs`).
//!
//! Exit codes (the same in every binary):
//!
//! | code | meaning |
//! |---|---|
//! | 0 | ok: the result is JSON on stdout |
//! | 1 | configuration, usage or transport |
//! | 2 | the gateway answered with an error |
//! | 3 | validation: nothing was sent |
//! | 4 | verification failed: forged, tampered, stale or replayed |
//! | 5 | outcome unknown: a money-moving call may or may not have happened; look it up |
//! | 6 | replay store unavailable: try again later |
//!
//! Every non-zero exit prints exactly one line on stderr and nothing on stdout.

use std::fmt;
use std::future::Future;
use std::io::Read as _;
use std::process::ExitCode;

use serde::Serialize;
use sign_core::replay::{GuardError, Received, ReplayGuard};

/// The `after_help` of every gateway binary: the exit codes above, on one line.
pub const EXIT_CODES_HELP: &str = "Exit codes: 0 ok, 1 config/usage/transport, 2 API error, \
                                   3 validation error, 4 verification failed, 5 outcome unknown, \
                                   6 replay store unavailable";

/// Writes `impl From<$Error> for Failure` for one SDK crate's `Error`. The variants every SDK
/// crate shares (`sign_core::sdk_error`) map alike in every binary: `Config` 1, `Validation` 3,
/// `RateLimited` and `Conflict` 2 (the gateway answered), `Signature` and `Decode` 4 (a callback
/// or an answer that failed verification or could not be read is never acted on),
/// `OutcomeUnknown` 5, `StoreUnavailable` 6. The arms given map the crate's own variants;
/// anything else (transport, timeouts, variants added later) is 1. `message:` replaces the
/// error's `Display` on the stderr line.
macro_rules! sdk_failure {
    ($Error:ident { $($own:tt)* }) => {
        sdk_failure!($Error { $($own)* } message: |e: &$Error| e.to_string());
    };
    ($Error:ident { $($own:tt)* } message: $message:expr) => {
        impl From<$Error> for $crate::cli::Failure {
            fn from(e: $Error) -> Self {
                use $crate::cli::Exit;
                let exit = match &e {
                    $Error::Config { .. } => Exit::Config,
                    $Error::Validation { .. } => Exit::Validation,
                    $Error::RateLimited { .. } | $Error::Conflict { .. } => Exit::Api,
                    $Error::Signature(_) | $Error::Decode { .. } => Exit::Verification,
                    $Error::OutcomeUnknown { .. } => Exit::OutcomeUnknown,
                    $Error::StoreUnavailable { .. } => Exit::StoreUnavailable,
                    $($own)*
                    _ => Exit::Config,
                };
                let message: fn(&$Error) -> String = $message;
                $crate::cli::Failure::new(exit, message(&e))
            }
        }
    };
}

mod ecpay;
mod ljpay;
mod octopus;
mod wattt;

/// A non-zero exit, by meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 1: configuration, usage or transport.
    Config = 1,
    /// 2: the gateway answered with an error.
    Api = 2,
    /// 3: validation failed; nothing was sent.
    Validation = 3,
    /// 4: verification failed (forged, tampered, stale, replayed).
    Verification = 4,
    /// 5: a money-moving call may or may not have happened.
    OutcomeUnknown = 5,
    /// 6: the replay store did not answer.
    StoreUnavailable = 6,
}

impl Exit {
    /// The words that start the stderr line.
    fn label(self) -> &'static str {
        match self {
            Exit::Config => "error",
            Exit::Api => "API error",
            Exit::Validation => "validation error",
            Exit::Verification => "verification failed",
            Exit::OutcomeUnknown => "outcome unknown",
            Exit::StoreUnavailable => "replay store unavailable",
        }
    }
}

/// Why a command failed: its exit code and the one line printed on stderr.
///
/// ```
/// use examples::cli::{Exit, Failure};
/// let f = Failure::new(Exit::Validation, "invalid `amount`: must be positive\n(see --help)");
/// assert_eq!(f.to_string(), "validation error: invalid `amount`: must be positive (see --help)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The exit code.
    pub exit: Exit,
    /// The message (folded onto one line when printed).
    pub message: String,
}

impl Failure {
    /// A failure with exit code `exit`.
    pub fn new(exit: Exit, message: impl fmt::Display) -> Self {
        Failure {
            exit,
            message: message.to_string(),
        }
    }

    /// Exit 1: configuration, usage or transport.
    pub fn config(message: impl fmt::Display) -> Self {
        Self::new(Exit::Config, message)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let folded = self
            .message
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        // The store's own error already starts with the label: say it once.
        let label = self.exit.label();
        match folded.strip_prefix(label) {
            Some(rest) if rest.starts_with(": ") => f.write_str(&folded),
            _ => write!(f, "{label}: {folded}"),
        }
    }
}

impl From<GuardError> for Failure {
    fn from(e: GuardError) -> Self {
        match e {
            GuardError::Replayed => Failure::new(Exit::Verification, e),
            other => Failure::new(Exit::StoreUnavailable, other),
        }
    }
}

/// Parses the command line and runs `run` on a tokio runtime, turning its result into the exit
/// code and the one stderr line. `--help` and `--version` print and exit 0; a usage error is
/// one line and exit 1.
pub fn main<C, F, Fut>(run: F) -> ExitCode
where
    C: clap::Parser,
    F: FnOnce(C) -> Fut,
    Fut: Future<Output = Result<(), Failure>>,
{
    let cli = match C::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        // clap's text starts with its own "error: "; the line gets ours.
        Err(e) => {
            let text = e.to_string();
            let text = text.strip_prefix("error: ").unwrap_or(&text);
            return fail(&Failure::config(text));
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&Failure::config(format!("cannot start the runtime: {e}"))),
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => fail(&f),
    }
}

fn fail(f: &Failure) -> ExitCode {
    eprintln!("{f}");
    ExitCode::from(f.exit as u8)
}

/// A required environment variable: set and not empty, else exit 1 naming it.
///
/// ```
/// let e = examples::cli::env("EXAMPLES_CLI_DOC_UNSET_VARIABLE").unwrap_err();
/// assert_eq!(e.to_string(), "error: EXAMPLES_CLI_DOC_UNSET_VARIABLE is not set");
/// ```
pub fn env(name: &str) -> Result<String, Failure> {
    env_opt(name).ok_or_else(|| Failure::config(format!("{name} is not set")))
}

/// An optional environment variable (unset and empty are the same).
pub fn env_opt(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Prints `value` as pretty JSON on stdout.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::config(format!("cannot print the result: {e}")))?;
    println!("{text}");
    Ok(())
}

/// Prints a verified callback as JSON: the event's fields with a top-level `"delivery"`
/// (`"first"` or `"repeat"`) and `"event_key"`.
pub fn print_received<E: Serialize>(received: &Received<E>) -> Result<(), Failure> {
    print_json(&received_json(received)?)
}

/// The JSON [`print_received`] prints.
///
/// ```
/// use sign_core::replay::{Delivery, Received};
/// let r = Received::new(serde_json::json!({"order": "A1"}), Delivery::Repeat, "k".into());
/// let v = examples::cli::received_json(&r).unwrap();
/// assert_eq!(v["delivery"], "repeat");
/// assert_eq!(v["order"], "A1");
/// ```
pub fn received_json<E: Serialize>(received: &Received<E>) -> Result<serde_json::Value, Failure> {
    let event = serde_json::to_value(&received.event)
        .map_err(|e| Failure::config(format!("cannot print the event: {e}")))?;
    let mut object = match event {
        serde_json::Value::Object(map) => map,
        other => {
            let mut map = serde_json::Map::new();
            map.insert("event".into(), other);
            map
        }
    };
    object.insert("delivery".into(), received.delivery.as_str().into());
    object.insert("event_key".into(), received.key.clone().into());
    Ok(serde_json::Value::Object(object))
}

/// Reads the whole of stdin (a callback's raw body).
pub fn read_stdin() -> Result<Vec<u8>, Failure> {
    let mut body = Vec::new();
    std::io::stdin()
        .read_to_end(&mut body)
        .map_err(|e| Failure::config(format!("cannot read the body from stdin: {e}")))?;
    Ok(body)
}

/// The `--replay-store` option every verify subcommand takes.
#[derive(Debug, Clone, clap::Args)]
pub struct ReplayStoreArg {
    /// Where deliveries and nonces are recorded: `memory` (this process only) or
    /// `redis://host:port[/db]` (shared by a fleet).
    #[arg(
        long = "replay-store",
        env = "PAYMENT_REPLAY_STORE",
        default_value = "memory"
    )]
    pub replay_store: String,
}

impl ReplayStoreArg {
    /// Opens the store: exit 1 for a URL that is neither form, exit 6 when Redis does not
    /// answer.
    pub async fn open(&self) -> Result<ReplayGuard, Failure> {
        open_replay_store(&self.replay_store).await
    }
}

/// Opens a replay store from its URL (see [`ReplayStoreArg`]).
pub async fn open_replay_store(url: &str) -> Result<ReplayGuard, Failure> {
    if url == "memory" {
        return Ok(ReplayGuard::memory());
    }
    if url.starts_with("redis://") {
        let store = sign_core::replay::RedisStore::connect(url)
            .await
            .map_err(|e| Failure::new(Exit::StoreUnavailable, e))?;
        return Ok(ReplayGuard::new(store));
    }
    Err(Failure::config(
        "--replay-store must be `memory` or `redis://host:port[/db]`",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One of each variant every SDK crate shares, built with the crate `$sdk`'s `Error` (the
    /// type of `Validation`'s field and the fields of `RateLimited` differ), each with the
    /// exit code DESIGN.md gives it.
    macro_rules! shared_cases {
        ($sdk:ident, validation_field: $field:expr, rate_limited: { $($rate_limited:tt)* }) => {{
            use $sdk::Error;
            let cases: Vec<(&str, Error, Exit)> = vec![
                ("config", Error::Config { field: "key", reason: "is empty".into() }, Exit::Config),
                ("validation", Error::Validation { field: $field, reason: "x".into() }, Exit::Validation),
                ("rate limited", Error::RateLimited { retry_after: None, $($rate_limited)* }, Exit::Api),
                ("conflict", Error::Conflict { operation: "op", reference: "R1".into(), reason: "amount".into() }, Exit::Api),
                ("signature", Error::Signature(sign_core::VerifyError::Mismatch), Exit::Verification),
                ("decode", Error::Decode { reason: "no `id`".into(), body_snippet: "{}".into() }, Exit::Verification),
                ("outcome unknown", Error::OutcomeUnknown { operation: "op", reference: "R1".into(), reason: "HTTP 502".into() }, Exit::OutcomeUnknown),
                ("store", Error::StoreUnavailable { reason: "refused".into() }, Exit::StoreUnavailable),
            ];
            cases
                .into_iter()
                .map(|(name, e, exit)| (stringify!($sdk), name, Failure::from(e), exit))
                .collect::<Vec<_>>()
        }};
    }

    fn all_shared_cases() -> Vec<(&'static str, &'static str, Failure, Exit)> {
        [
            shared_cases!(ecpay_sdk, validation_field: "amount".into(), rate_limited: { status: 429 }),
            shared_cases!(ljpay_sdk, validation_field: "amount", rate_limited: { status: 429, message: "slow down".into() }),
            shared_cases!(octopus_sdk, validation_field: "amount".into(), rate_limited: { status: 429, message: "slow down".into() }),
            shared_cases!(wattt_sdk, validation_field: "amount", rate_limited: { operation: "balance" }),
        ]
        .concat()
    }

    /// The issue asks for the shared variants to be worded alike in the four crates: the same
    /// error gives the same stderr line whatever the gateway (the wording is
    /// `sign_core::sdk_error`'s; only `RateLimited` names the gateway and its own context, and
    /// `Signature` adds the gateway's hint of what to check).
    #[test]
    fn the_shared_variants_read_alike_in_every_crate() {
        let same: [(&str, &str); 6] = [
            ("config", "error: configuration: `key` is empty"),
            ("validation", "validation error: invalid `amount`: x"),
            ("conflict", "API error: op for `R1` conflicts with an existing record: amount"),
            ("decode", r#"verification failed: could not decode: no `id`; body starts "{}""#),
            (
                "outcome unknown",
                "outcome unknown: op for `R1` may or may not have taken effect (HTTP 502); look it \
                 up before repeating it",
            ),
            ("store", "replay store unavailable: refused"),
        ];
        let rate_limited: [(&str, &str); 4] = [
            (
                "ecpay_sdk",
                "API error: rate limited by ECPay (HTTP 429); it gave no Retry-After",
            ),
            (
                "ljpay_sdk",
                "API error: rate limited by LJPay (HTTP 429): slow down; it gave no Retry-After",
            ),
            (
                "octopus_sdk",
                "API error: rate limited by Octopus (HTTP 429): slow down; it gave no Retry-After",
            ),
            (
                "wattt_sdk",
                "API error: rate limited by Wattt in balance; it gave no Retry-After",
            ),
        ];
        for (sdk, name, f, _) in all_shared_cases() {
            let line = f.to_string();
            let want = match name {
                "rate limited" => rate_limited
                    .iter()
                    .find(|(s, _)| *s == sdk)
                    .map(|(_, w)| *w),
                "signature" => {
                    let start = "verification failed: signature verification failed: signature \
                                 does not match; check that ";
                    assert!(line.starts_with(start), "{sdk} {name}: {line}");
                    continue;
                }
                _ => same.iter().find(|(n, _)| *n == name).map(|(_, w)| *w),
            };
            assert_eq!(Some(line.as_str()), want, "{sdk} {name}");
        }
    }

    #[test]
    fn the_shared_variants_map_alike_in_every_binary() {
        let cases = all_shared_cases();
        assert_eq!(cases.len(), 4 * 8);
        for (sdk, name, f, exit) in cases {
            assert_eq!(f.exit, exit, "{sdk} {name}: {f}");
            let line = f.to_string();
            assert!(line.starts_with(exit.label()), "{sdk} {name}: {line}");
            assert!(
                !line.contains("Some(") && !line.contains('\n'),
                "{sdk} {name}: {line}"
            );
        }
    }
}
