//! One line per step, a spinner while a step waits, and the closing summary table.

use std::fmt::Display;
use std::future::Future;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// Any step failure, with its message kept for the summary.
pub type StepError = Box<dyn std::error::Error + Send + Sync>;

/// Where a gateway's flow ran.
#[derive(Debug, Clone)]
pub enum Target {
    Simulator,
    RealHost(String),
}

impl Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Simulator => f.write_str("simulator"),
            Target::RealHost(url) => write!(f, "real host {url}"),
        }
    }
}

/// The outcome of one gateway's flow.
pub struct Report {
    pub gateway: &'static str,
    pub target: Target,
    pub attempted: usize,
    pub passed: usize,
    pub failed: Option<String>,
    pub elapsed: Duration,
}

/// Runs the steps of one gateway and records how far they got.
pub struct Flow {
    gateway: &'static str,
    target: Target,
    started: Instant,
    attempted: usize,
    passed: usize,
}

impl Flow {
    pub fn new(gateway: &'static str, target: Target) -> Self {
        println!("\n== {gateway} ({target}) ==");
        Self {
            gateway,
            target,
            started: Instant::now(),
            attempted: 0,
            passed: 0,
        }
    }

    /// Runs one step under a spinner; prints `✔ label: detail` or `✘ label: error`.
    pub async fn step<T, D, F>(
        &mut self,
        label: &str,
        fut: F,
        detail: impl FnOnce(&T) -> D,
    ) -> Result<T, StepError>
    where
        F: Future<Output = Result<T, StepError>>,
        D: Display,
    {
        let spinner = ProgressBar::new_spinner();
        spinner.set_style(
            ProgressStyle::with_template("  {spinner} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        spinner.set_message(format!("{}: {label}", self.gateway));
        spinner.enable_steady_tick(Duration::from_millis(80));
        let started = Instant::now();
        self.attempted += 1;
        let result = fut.await;
        spinner.finish_and_clear();
        let ms = started.elapsed().as_millis();
        match &result {
            Ok(value) => {
                self.passed += 1;
                println!("  ✔ {label} ({ms} ms): {}", detail(value));
            }
            Err(e) => println!("  ✘ {label} ({ms} ms): {e}"),
        }
        result
    }

    pub fn finish(self, outcome: Result<(), StepError>) -> Report {
        Report {
            gateway: self.gateway,
            target: self.target,
            attempted: self.attempted,
            passed: self.passed,
            failed: outcome.err().map(|e| e.to_string()),
            elapsed: self.started.elapsed(),
        }
    }
}

/// Prints the summary table; returns whether every flow passed.
pub fn summary(reports: &[Report]) -> bool {
    println!(
        "\n{:<10} {:<28} {:>6} {:>10}  result",
        "gateway", "ran against", "steps", "time"
    );
    for r in reports {
        let result = match &r.failed {
            None => "ok".to_string(),
            Some(e) => format!("FAILED: {}", e.lines().next().unwrap_or_default()),
        };
        // A flow stops at its first failed step, so "passed/attempted".
        let steps = format!("{}/{}", r.passed, r.attempted);
        let target = r.target.to_string();
        println!(
            "{:<10} {:<28} {:>6} {:>8} ms  {result}",
            r.gateway,
            target.chars().take(28).collect::<String>(),
            steps,
            r.elapsed.as_millis()
        );
    }
    reports.iter().all(|r| r.failed.is_none())
}

/// A QR code drawn with Unicode half blocks, for a terminal.
pub fn qr_block(content: &str) -> String {
    match qrcode::QrCode::new(content.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::unicode::Dense1x2>()
            .quiet_zone(true)
            .build(),
        Err(e) => format!("(cannot draw QR: {e})"),
    }
}
