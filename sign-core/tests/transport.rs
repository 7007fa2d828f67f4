//! The shared transport against real sockets: what one attempt reports for each way a server can
//! answer (or not), and what the retry loop does with it. Expected values come from the
//! transport's contract in `sign_core::transport` and the retry rules of `sign_core::policy`.
#![cfg(feature = "http")]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sign_core::policy::{Attempt, Idempotency, RetryPolicy, Verdict};
use sign_core::transport::{Exchange, Transport, TransportConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A server that answers every connection once with `pieces` (raw HTTP/1.1 bytes, written with
/// a pause between them; answers that end the connection say `connection: close`, so that no
/// pooled connection is reused after the server dropped it), counting the requests it read.
async fn raw_server(pieces: Vec<Vec<u8>>, pause: Duration) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let seen = Arc::new(AtomicUsize::new(0));
    let count = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let pieces = pieces.clone();
            let count = count.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let _ = sock.read(&mut buf).await;
                count.fetch_add(1, Ordering::SeqCst);
                for p in pieces {
                    if sock.write_all(&p).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(pause).await;
                }
            });
        }
    });
    (url, seen)
}

fn transport(max_body: usize, timeout: Duration) -> Transport {
    TransportConfig::default()
        .max_body_bytes(max_body)
        .timeout(timeout)
        .build("transport-test/1")
        .unwrap()
}

fn fast_retries(n: u32) -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(n)
        .without_jitter()
        .with_backoff(Duration::from_millis(1), Duration::from_millis(1))
}

#[tokio::test]
async fn one_attempt_reports_each_way_a_server_answers() {
    let chunked = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
    let cases: Vec<(&str, Vec<Vec<u8>>, usize, &str)> = vec![
        (
            "a body in one piece is read whole",
            vec![b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello".to_vec()],
            1024,
            "answered 200 hello",
        ),
        (
            "a body in several chunks is joined",
            vec![
                chunked.clone(),
                b"3\r\nhel\r\n".to_vec(),
                b"2\r\nlo\r\n".to_vec(),
                b"0\r\n\r\n".to_vec(),
            ],
            1024,
            "answered 200 hello",
        ),
        (
            "a declared length above the cap is refused unread",
            vec![b"HTTP/1.1 200 OK\r\ncontent-length: 11\r\n\r\nhello world".to_vec()],
            10,
            "too large 200",
        ),
        (
            "a chunked body growing past the cap is refused",
            vec![
                chunked.clone(),
                b"6\r\nhello \r\n".to_vec(),
                b"5\r\nworld\r\n".to_vec(),
                b"0\r\n\r\n".to_vec(),
            ],
            10,
            "too large 200",
        ),
        (
            "a body exactly at the cap is read",
            vec![b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n0123456789".to_vec()],
            10,
            "answered 200 0123456789",
        ),
        (
            "a body cut short is lost, not answered",
            vec![b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial".to_vec()],
            1024,
            "lost",
        ),
        (
            "429 carries its Retry-After in seconds",
            vec![b"HTTP/1.1 429 Too Many\r\nretry-after: 7\r\ncontent-length: 0\r\n\r\n".to_vec()],
            1024,
            "answered 429  retry after 7s",
        ),
        (
            // A throttling proxy's HTML page can be large: it is still a 429 with its wait.
            "a 429 over the cap keeps its Retry-After and is throttled",
            vec![
                b"HTTP/1.1 429 Too Many\r\nretry-after: 7\r\ncontent-length: 11\r\n\r\nhello world"
                    .to_vec(),
            ],
            10,
            "too large 429 retry after 7s Throttled { retry_after: Some(7s) }",
        ),
        (
            "a 503 over the cap is a server error",
            vec![b"HTTP/1.1 503 Busy\r\ncontent-length: 11\r\n\r\nhello world".to_vec()],
            10,
            "too large 503 ServerError",
        ),
    ];
    for (name, pieces, cap, want) in cases {
        let (url, _) = raw_server(pieces, Duration::from_millis(5)).await;
        let t = transport(cap, Duration::from_secs(5));
        let got = match t.exchange(t.http().get(&url)).await {
            Exchange::Answered {
                status,
                retry_after,
                body,
            } => {
                let mut s = format!("answered {status} {}", String::from_utf8_lossy(&body));
                if let Some(d) = retry_after {
                    s.push_str(&format!(" retry after {}s", d.as_secs()));
                }
                s
            }
            x @ Exchange::TooLarge {
                status,
                retry_after,
            } => {
                let mut s = format!("too large {status}");
                if let Some(d) = retry_after {
                    s.push_str(&format!(" retry after {}s", d.as_secs()));
                }
                if status != 200 {
                    s.push_str(&format!(" {:?}", x.attempt()));
                }
                s
            }
            Exchange::Lost(_) => "lost".into(),
            Exchange::NotSent(_) => "not sent".into(),
            Exchange::TimedOut => "timed out".into(),
        };
        assert_eq!(got, want, "{name}");
    }
}

#[tokio::test]
async fn a_silent_server_times_out_and_a_closed_port_is_not_sent() {
    let (url, seen) = raw_server(
        vec![
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n".to_vec(),
            b"ok".to_vec(),
        ],
        Duration::from_secs(2),
    )
    .await;
    let t = transport(1024, Duration::from_millis(200));
    assert!(matches!(
        t.exchange(t.http().get(&url)).await,
        Exchange::TimedOut
    ));
    assert_eq!(
        seen.load(Ordering::SeqCst),
        1,
        "the request did reach the server"
    );

    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", closed.local_addr().unwrap());
    drop(closed);
    assert!(matches!(
        t.exchange(t.http().get(&url)).await,
        Exchange::NotSent(_)
    ));
}

#[tokio::test]
async fn the_loop_builds_every_attempt_afresh_and_never_repeats_a_write_that_may_have_landed() {
    let five_hundred =
        vec![b"HTTP/1.1 503 Busy\r\nconnection: close\r\ncontent-length: 0\r\n\r\n".to_vec()];
    // (case, idempotency, attempts allowed, expected verdict, expected requests made)
    let cases = [
        (
            "a query answered 5xx is retried to the end",
            Idempotency::Idempotent,
            3,
            Verdict::GiveUp,
            3,
        ),
        (
            "a write answered 5xx is sent once",
            Idempotency::NonIdempotent,
            3,
            Verdict::OutcomeUnknown,
            1,
        ),
    ];
    for (name, idempotency, attempts, want, made_want) in cases {
        let (url, seen) = raw_server(five_hundred.clone(), Duration::ZERO).await;
        let t = transport(1024, Duration::from_secs(5));
        let mut made = Vec::new();
        let (verdict, last) = t
            .send(
                idempotency,
                &fast_retries(attempts),
                |attempt| {
                    made.push(attempt);
                    Ok::<_, ()>(t.http().post(&url).body(format!("attempt {attempt}")))
                },
                |x| x.attempt(),
            )
            .await
            .unwrap();
        assert_eq!(verdict, want, "{name}");
        assert_eq!(
            made,
            (1..=made_want).collect::<Vec<u32>>(),
            "{name}: attempts built"
        );
        assert_eq!(
            seen.load(Ordering::SeqCst),
            made_want as usize,
            "{name}: requests received"
        );
        assert_eq!(last.status(), Some(503), "{name}");
    }
}

#[tokio::test]
async fn a_write_that_never_left_is_sent_again_and_an_error_of_make_stops_the_loop() {
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", closed.local_addr().unwrap());
    drop(closed);
    let t = transport(1024, Duration::from_secs(5));
    let (verdict, last) = t
        .send(
            Idempotency::NonIdempotent,
            &fast_retries(3),
            |_| Ok::<_, ()>(t.http().post(&url)),
            |x| x.attempt(),
        )
        .await
        .unwrap();
    assert_eq!(verdict, Verdict::GiveUp, "three attempts, none left");
    assert!(matches!(last, Exchange::NotSent(_)));

    let err = t
        .send(
            Idempotency::Idempotent,
            &fast_retries(3),
            |attempt| {
                if attempt == 1 {
                    Err("cannot sign")
                } else {
                    Ok(t.http().get(&url))
                }
            },
            |x| x.attempt(),
        )
        .await
        .unwrap_err();
    assert_eq!(err, "cannot sign");
}

#[tokio::test]
async fn a_gateway_rule_overrides_the_plain_classification() {
    // LJPay's final 502 (CHANNEL_API_ERROR) is an answer, not a server error: a write
    // answered so is final after one attempt, and its verdict is Done.
    let (url, seen) = raw_server(
        vec![
            b"HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\ncontent-length: 5\r\n\r\nfinal"
                .to_vec(),
        ],
        Duration::ZERO,
    )
    .await;
    let t = transport(1024, Duration::from_secs(5));
    let (verdict, _) = t
        .send(
            Idempotency::NonIdempotent,
            &fast_retries(3),
            |_| Ok::<_, ()>(t.http().post(&url)),
            |x| match x {
                Exchange::Answered { status: 502, .. } => Attempt::Answered,
                other => other.attempt(),
            },
        )
        .await
        .unwrap();
    assert_eq!(verdict, Verdict::Done);
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}
