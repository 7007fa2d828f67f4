//! `paysign` end to end: the binary, its stdin, stdout, stderr and exit code.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn paysign(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_paysign"))
        .args(args)
        .env_remove("PAYSIGN_SECRET")
        .env_remove("PAYSIGN_HASH_KEY")
        .env_remove("PAYSIGN_HASH_IV")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn paysign");
    // A CLI that refuses its arguments exits without reading stdin: a closed pipe is fine.
    if let Err(e) = child.stdin.take().expect("stdin").write_all(stdin) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "write stdin: {e}");
    }
    child.wait_with_output().expect("wait")
}

fn ok_line(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = String::from_utf8(out.stdout.clone()).expect("utf-8");
    assert_eq!(s.matches('\n').count(), 1, "one line: {s:?}");
    s.trim_end().to_string()
}

fn assert_fails_cleanly(out: &Output) {
    assert!(!out.status.success());
    assert!(
        out.stdout.is_empty(),
        "stdout: {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "one line on stderr: {err:?}"
    );
}

#[test]
fn ecpay_prints_the_published_checkmacvalue() {
    // ECPay developers ?p=2902 worked example (the sample file holds its params).
    let out = paysign(
        &[
            "ecpay",
            "--hash-key",
            "pwFHCqoQZGmho4w6",
            "--hash-iv",
            "EkRm7iFT261dpevs",
        ],
        include_bytes!("../samples/ecpay-aio.json"),
    );
    assert_eq!(
        ok_line(&out),
        "6C51C9E6888DE861FD62FB1DD17029FC742634498FD813DC43D4243B5685B840"
    );
}

#[test]
fn ecpay_md5_published_vector() {
    // ECPay developers ?p=38242 MD5 example.
    let body = br#"{"RtnCode":"1","RtnMsg":"","IA_Allow_No":"1909181313013546","IA_Invoice_No":"UV11100019","IA_Date":"2019-09-18 13:13:23","IIS_Remain_Allowance_Amt":"0"}"#;
    let out = paysign(
        &[
            "ecpay",
            "--hash-key",
            "ejCk326UnaZWKisg",
            "--hash-iv",
            "q9jcZX8Ib9LM8wYk",
            "--md5",
        ],
        body,
    );
    assert_eq!(ok_line(&out), "50A276E71DAE26343013958B405EEEA0");
}

#[test]
fn ljpay_octopus_and_wattt_match_reference_vectors() {
    // Vectors from sign-core/tests/vectors/reference.py (Python stdlib, independent).
    let out = paysign(
        &[
            "ljpay",
            "--secret",
            "ljpay-test-secret",
            "--site",
            "SITE01",
            "--method",
            "POST",
            "--path",
            "/api/v1/orders?x=1",
            "--timestamp",
            "1700000000",
            "--nonce",
            "0123456789abcdef0123456789abcdef",
        ],
        br#"{"biz_order_no":"B1","amount_fen":100}"#,
    );
    assert_eq!(
        ok_line(&out),
        "sha256=31e119de9e6dc39345b5c53ae9adc4a4eedc6607167c9ca884faf33fa0da95c1"
    );

    let out = paysign(
        &[
            "octopus-auth",
            "--secret",
            "oct-secret",
            "--merchant-id",
            "demo_merchant_123",
            "--timestamp",
            "2024-01-01T00:00:00Z",
            "--nonce",
            "abcdef0123456789abcdef0123456789",
        ],
        b"",
    );
    assert_eq!(
        ok_line(&out),
        "99296d6e938674c47493a086be43d0ddfd94ce43edb50901629c6addf02d8da2"
    );

    let body = br#"{"eventType":"payment.completed","transactionId":"oct_123456789","orderId":"550e8400-e29b-41d4-a716-446655440000","status":"completed","amount":100,"currency":"HKD","timestamp":"2024-01-01T00:05:00Z","merchantId":"demo_merchant_123"}"#;
    let out = paysign(&["octopus-webhook", "--secret", "whsec_test"], body);
    assert_eq!(
        ok_line(&out),
        "dac6574d8ba642d2814bfaac34650cfe85624eaf6d0d97273e48167d0c6f5a47"
    );

    let out = paysign(
        &["wattt", "--secret", "wattt-secret"],
        br#"{"uid":"M100","amount":12.50}"#,
    );
    assert_eq!(ok_line(&out), "57b51cb776100cbfed3f7686fd00d913");
}

#[test]
fn bad_input_fails_with_one_line_and_no_stdout() {
    let key = ["ecpay", "--hash-key", "k", "--hash-iv", "v"];
    for (args, stdin) in [
        (&key[..], &b"not json"[..]),
        (&key[..], &b"[1,2]"[..]),
        (&key[..], &br#"{"TotalAmount": 100}"#[..]),
        (&["ecpay", "--hash-key", "k"][..], &b"{}"[..]),
        (&["refund-everything"][..], &b""[..]),
        (&["wattt", "--secret", "s"][..], &b"{"[..]),
        (&["wattt", "--secret", "s"][..], &b"\"str\""[..]),
        (
            &[
                "ljpay",
                "--secret",
                "s",
                "--site",
                "c",
                "--method",
                "GET",
                "--path",
                "/",
                "--timestamp",
                "soon",
                "--nonce",
                "n",
            ][..],
            &b""[..],
        ),
        (
            &[
                "octopus-auth",
                "--secret",
                "s",
                "--merchant-id",
                "m",
                "--timestamp",
                "yesterday",
                "--nonce",
                "n",
            ][..],
            &b""[..],
        ),
    ] {
        assert_fails_cleanly(&paysign(args, stdin));
    }
    let out = paysign(&key, br#"{"TotalAmount": 100}"#);
    assert!(String::from_utf8_lossy(&out.stderr).contains("TotalAmount"));
}

#[test]
fn secrets_can_come_from_the_environment() {
    let out = Command::new(env!("CARGO_BIN_EXE_paysign"))
        .args([
            "octopus-auth",
            "--merchant-id",
            "demo_merchant_123",
            "--timestamp",
            "2024-01-01T00:00:00Z",
            "--nonce",
            "abcdef0123456789abcdef0123456789",
        ])
        .env("PAYSIGN_SECRET", "oct-secret")
        .output()
        .expect("run");
    assert_eq!(
        ok_line(&out),
        "99296d6e938674c47493a086be43d0ddfd94ce43edb50901629c6addf02d8da2"
    );
}
