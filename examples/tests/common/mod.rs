#![allow(dead_code)] // each test binary uses its own subset
//! Running a CLI binary from an async test while an in-process simulator keeps serving.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `bin` with `env` and `args`, feeding `stdin`, on a blocking thread.
pub async fn run(bin: &str, env: &[(&str, String)], args: &[&str], stdin: &[u8]) -> Output {
    let mut cmd = Command::new(bin);
    cmd.args(args)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let stdin = stdin.to_vec();
    tokio::task::spawn_blocking(move || {
        let mut child = cmd.spawn().expect("spawn the CLI");
        // A CLI that refuses its arguments exits without reading stdin: a closed pipe is fine.
        if let Err(e) = child.stdin.take().expect("stdin").write_all(&stdin) {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "write stdin: {e}");
        }
        child.wait_with_output().expect("wait for the CLI")
    })
    .await
    .expect("join")
}

/// The exit code (-1 when killed by a signal).
pub fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

/// Asserts success and parses stdout as JSON.
pub fn json(out: &Output) -> serde_json::Value {
    assert_eq!(
        code(out),
        0,
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

/// Asserts a failure with `expected` exit code, nothing on stdout, and returns stderr.
pub fn failure(out: &Output, expected: i32) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        code(out),
        expected,
        "stderr: {stderr}\nstdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        out.stdout.is_empty(),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    stderr
}
