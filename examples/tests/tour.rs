//! The tour end to end: all four gateways against their simulators, through the real
//! binary, and a failing gateway turning the exit code non-zero.

use std::process::{Command, Output};

const REAL_HOST_VARS: [&str; 5] = [
    "ECPAY_ENV",
    "ECPAY_AIO_BASE_URL",
    "LJPAY_BASE_URL",
    "OCTOPUS_BASE_URL",
    "WATTT_BASE_URL",
];

fn tour(env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tour"));
    for var in REAL_HOST_VARS {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied())
        .output()
        .expect("run the tour")
}

fn summary_row<'a>(stdout: &'a str, gateway: &str) -> &'a str {
    stdout
        .lines()
        .skip_while(|l| !l.starts_with("gateway "))
        .find(|l| l.starts_with(gateway))
        .unwrap_or_else(|| panic!("no summary row for {gateway} in:\n{stdout}"))
}

#[test]
fn every_gateway_completes_its_flow_against_its_simulator() {
    let out = tour(&[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "stdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!stdout.contains('✘'), "{stdout}");
    // Text for people: no Rust `Debug` of an Option or a struct anywhere in the output.
    for debug in ["Some(", "None", "{ "] {
        assert!(
            !stdout.contains(debug),
            "`{debug}` in the tour's output:\n{stdout}"
        );
    }
    for (gateway, steps) in [("ECPay", 11), ("LJPay", 7), ("Octopus", 7), ("Wattt", 8)] {
        let row = summary_row(&stdout, gateway);
        assert!(row.contains("simulator"), "{row}");
        assert!(row.contains(&format!("{steps}/{steps}")), "{row}");
        assert!(row.trim_end().ends_with("ok"), "{row}");
    }
    // The flows did what they say: the callbacks were verified and acknowledged.
    for line in [
        "merchant answered \"1|OK\"",
        "verify webhook (X-Pay-* signature, window, nonce)",
        "receive paymentUpdate",
        "verify notification (sign)",
        // LJPay re-delivers its webhook: acknowledged, recorded as a repeat, not processed twice.
        "not processed twice",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in:\n{stdout}");
    }
}

#[test]
fn a_failing_gateway_fails_the_tour_and_the_summary_names_the_host() {
    // Nothing listens on port 9 (discard) here: LJPay's first call cannot connect.
    let out = tour(&[
        ("LJPAY_BASE_URL", "http://127.0.0.1:9"),
        ("LJPAY_SITE_CODE", "s"),
        ("LJPAY_SECRET", "k"),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    let row = summary_row(&stdout, "LJPay");
    assert!(row.contains("real host http://127.0.0.1:9"), "{row}");
    assert!(row.contains("0/1") && row.contains("FAILED"), "{row}");
    // The other gateways still ran on their simulators and passed.
    assert!(summary_row(&stdout, "Wattt").trim_end().ends_with("ok"));
}
