//! Reliability: queries retry (re-signed each time), a create never makes two orders and never
//! takes another order for its own, a refund with an unknown outcome says so. Attempt counts
//! are pinned with `Mock::expect`; the expected outcomes follow the rule "never retry a call
//! whose outcome is unknown; settle it by a lookup" and the spec's error codes.
//!
//! One table ([`cases`]) and one loop; the cases that need their own server (a closed port,
//! a server that hangs up) follow it.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::*;
use ljpay_sdk::{
    Channel, Client, CreateOrderOutcome, CreateOrderRequest, Error, ErrorCode, ErrorKind,
    OrderInfo, RefundRequest, RefundResponse, RefundStatus, RetryPolicy,
};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn order_info(biz: &str) -> Value {
    json!({"order_no": "lp_1", "biz_order_no": biz, "status": "PENDING", "amount_fen": 100,
           "channel": "wechat_native"})
}

fn created(biz: &str) -> Value {
    json!({"order_no": "lp_new", "biz_order_no": biz, "amount_fen": 100})
}

fn create_req(biz: &str) -> CreateOrderRequest {
    CreateOrderRequest::new(biz, 100, Channel::WechatNative, "tea")
}

async fn server() -> MockServer {
    let s = MockServer::start().await;
    mount_catch_all(&s).await;
    s
}

/// One mocked answer.
struct Answer {
    method: &'static str,
    path: Option<&'static str>,
    status: u16,
    body: Body,
    /// Held back 2 s: with the impatient client's 300 ms timeout, an answer lost after the
    /// request took effect.
    delayed: bool,
    retry_after: Option<&'static str>,
    /// Answer only this many times (then lower-priority mocks answer).
    times: Option<u64>,
    /// How many requests this mock must get.
    expect: u64,
}

enum Body {
    None,
    Json(Value),
    Text(&'static str),
}

fn answer(method: &'static str, path: Option<&'static str>, status: u16, body: Body) -> Answer {
    Answer {
        method,
        path,
        status,
        body,
        delayed: false,
        retry_after: None,
        times: None,
        expect: 1,
    }
}

impl Answer {
    fn delayed(mut self) -> Self {
        self.delayed = true;
        self
    }
    fn once(mut self) -> Self {
        self.times = Some(1);
        self
    }
    fn expect(mut self, n: u64) -> Self {
        self.expect = n;
        self
    }
    fn retry_after(mut self, v: &'static str) -> Self {
        self.retry_after = Some(v);
        self
    }
}

#[derive(Clone, Copy)]
enum ClientKind {
    /// 1–5 ms backoff, 10 s timeout.
    Fast,
    /// 300 ms per-attempt timeout.
    Impatient,
    /// `RetryPolicy::disabled()`.
    NoRetries,
}

enum Call {
    Create(&'static str),
    Refund(&'static str),
    Cancel(&'static str),
    GetByOrderNo(&'static str),
    GetByBizNo(&'static str),
}

#[derive(Debug)]
enum Got {
    Created(CreateOrderOutcome),
    Refund(RefundResponse),
    Canceled,
    Order(OrderInfo),
}

type Check = fn(&str, Result<Got, Error>);

struct Case {
    name: &'static str,
    answers: Vec<Answer>,
    client: ClientKind,
    call: Call,
    check: Check,
    /// The methods of the requests received, in order, when the case pins them.
    sequence: Option<&'static [&'static str]>,
}

fn client(kind: ClientKind, s: &MockServer) -> Client {
    let b = Client::builder()
        .base_url(s.uri())
        .site_code(SITE)
        .secret(SECRET);
    match kind {
        ClientKind::Fast => b.retry_policy(fast_retry()),
        ClientKind::Impatient => b
            .timeout(Duration::from_millis(300))
            .retry_policy(fast_retry()),
        ClientKind::NoRetries => b.retry_policy(RetryPolicy::disabled()),
    }
    .build()
    .expect("valid config")
}

async fn run(call: &Call, c: &Client) -> Result<Got, Error> {
    match call {
        Call::Create(biz) => c.orders().create(&create_req(biz)).await.map(Got::Created),
        Call::Refund(out_no) => c
            .refunds()
            .create(&RefundRequest::new("B-1", *out_no, 10))
            .await
            .map(Got::Refund),
        Call::Cancel(biz) => c.orders().cancel(biz).await.map(|()| Got::Canceled),
        Call::GetByOrderNo(no) => c.orders().get_by_order_no(no).await.map(Got::Order),
        Call::GetByBizNo(biz) => c.orders().get_by_biz_order_no(biz).await.map(Got::Order),
    }
}

fn outcome_unknown(name: &str, r: Result<Got, Error>, op: &str, reference: &str) -> Error {
    let e = match r {
        Err(e) => e,
        Ok(got) => panic!("case `{name}`: expected OutcomeUnknown, got {got:?}"),
    };
    match &e {
        Error::OutcomeUnknown {
            operation,
            reference: r,
            ..
        } => {
            assert_eq!(*operation, op, "case `{name}`");
            assert_eq!(r, reference, "case `{name}`");
        }
        other => panic!("case `{name}`: expected OutcomeUnknown, got {other:?}"),
    }
    assert_eq!(e.kind(), ErrorKind::OutcomeUnknown, "case `{name}`");
    e
}

fn conflict(name: &str, r: Result<Got, Error>, needle: &str) {
    match r {
        Err(Error::Conflict {
            operation,
            reference,
            reason,
        }) => {
            assert_eq!(operation, "create_order", "case `{name}`");
            assert_eq!(reference, "B-11", "case `{name}`");
            assert!(reason.contains(needle), "case `{name}`: {reason}");
        }
        other => panic!("case `{name}`: expected Conflict, got {other:?}"),
    }
}

fn cases() -> Vec<Case> {
    use Body::{Json, Text};
    let create = Some("/api/v1/order/create");
    let refund = Some("/api/v1/order/refund");
    let cancel = Some("/api/v1/order/cancel");
    let lookup = |p: &'static str| Some(p);
    vec![
        Case {
            name: "query retries a rate limit but not a 404",
            answers: vec![
                answer(
                    "GET",
                    lookup("/api/v1/order/by-pay-no/lp_1"),
                    429,
                    Json(error_body("RATE_LIMITED")),
                )
                .once(),
                answer(
                    "GET",
                    lookup("/api/v1/order/by-pay-no/lp_1"),
                    200,
                    Json(order_info("B-1")),
                ),
            ],
            client: ClientKind::Fast,
            call: Call::GetByOrderNo("lp_1"),
            check: |n, r| match r {
                Ok(Got::Order(o)) => assert_eq!(o.order_no, "lp_1", "case `{n}`"),
                other => panic!("case `{n}`: expected the order, got {other:?}"),
            },
            sequence: Some(&["GET", "GET"]),
        },
        Case {
            name: "query 404 is final",
            answers: vec![answer(
                "GET",
                lookup("/api/v1/order/by-pay-no/lp_missing"),
                404,
                Json(error_body("ORDER_NOT_FOUND")),
            )],
            client: ClientKind::Fast,
            call: Call::GetByOrderNo("lp_missing"),
            check: |n, r| {
                let e = r.expect_err(n);
                assert_eq!(e.code(), Some(&ErrorCode::OrderNotFound), "case `{n}`");
            },
            sequence: Some(&["GET"]),
        },
        Case {
            name: "query by biz_order_no 404 is final",
            answers: vec![answer(
                "GET",
                lookup("/api/v1/order/by-biz-no/B-404"),
                404,
                Json(error_body("ORDER_NOT_FOUND")),
            )],
            client: ClientKind::Fast,
            call: Call::GetByBizNo("B-404"),
            check: |n, r| {
                let e = r.expect_err(n);
                assert_eq!(e.code(), Some(&ErrorCode::OrderNotFound), "case `{n}`");
                assert_eq!(e.kind(), ErrorKind::Caller, "case `{n}`");
            },
            sequence: Some(&["GET"]),
        },
        Case {
            name: "query gives up after max attempts",
            answers: vec![
                answer("GET", None, 500, Json(error_body("CHANNEL_API_ERROR"))).expect(3),
            ],
            client: ClientKind::Fast,
            call: Call::GetByOrderNo("lp_1"),
            check: |n, r| {
                let e = r.expect_err(n);
                assert_eq!(e.status(), Some(500), "case `{n}`");
                assert_eq!(e.kind(), ErrorKind::Transient, "case `{n}`");
            },
            sequence: None,
        },
        Case {
            name: "disabled retries mean one attempt",
            answers: vec![answer("GET", None, 503, Body::None)],
            client: ClientKind::NoRetries,
            call: Call::GetByOrderNo("lp_1"),
            check: |n, r| assert!(r.is_err(), "case `{n}`"),
            sequence: Some(&["GET"]),
        },
        Case {
            name: "query throttled beyond the budget carries Retry-After",
            answers: vec![
                answer("GET", None, 429, Json(error_body("RATE_LIMITED"))).retry_after("30")
            ],
            client: ClientKind::Fast,
            call: Call::GetByOrderNo("lp_1"),
            check: |n, r| match r {
                Err(Error::RateLimited {
                    retry_after,
                    status,
                    ..
                }) => {
                    // RFC 9110 §10.2.3 delay-seconds; 30 s does not fit the default 15 s budget.
                    assert_eq!(retry_after, Some(Duration::from_secs(30)), "case `{n}`");
                    assert_eq!(status, 429, "case `{n}`");
                }
                other => panic!("case `{n}`: expected RateLimited, got {other:?}"),
            },
            sequence: Some(&["GET"]),
        },
        Case {
            name: "redirects are not followed",
            answers: vec![Answer {
                body: Body::None,
                ..answer("GET", None, 302, Body::None)
            }],
            client: ClientKind::Fast,
            call: Call::GetByOrderNo("lp_1"),
            check: |n, r| {
                assert!(
                    matches!(r, Err(Error::UnexpectedStatus { status: 302, .. })),
                    "case `{n}`: {r:?}"
                )
            },
            sequence: Some(&["GET"]),
        },
        Case {
            name: "create with a lost answer returns the existing order",
            answers: vec![
                answer("POST", create, 200, Json(created("B-9"))).delayed(),
                answer(
                    "GET",
                    lookup("/api/v1/order/by-biz-no/B-9"),
                    200,
                    Json(order_info("B-9")),
                ),
            ],
            client: ClientKind::Impatient,
            call: Call::Create("B-9"),
            check: |n, r| match r {
                Ok(Got::Created(CreateOrderOutcome::AlreadyExists(o))) => {
                    assert_eq!(o.biz_order_no, "B-9", "case `{n}`")
                }
                other => panic!("case `{n}`: expected AlreadyExists, got {other:?}"),
            },
            sequence: Some(&["POST", "GET"]),
        },
        Case {
            name: "create after unknown and not found is sent again",
            answers: vec![
                Answer {
                    ..answer("POST", create, 504, Text("gateway timeout")).once()
                },
                answer("POST", create, 200, Json(created("B-5"))),
                answer(
                    "GET",
                    lookup("/api/v1/order/by-biz-no/B-5"),
                    404,
                    Json(error_body("ORDER_NOT_FOUND")),
                ),
            ],
            client: ClientKind::Fast,
            call: Call::Create("B-5"),
            check: |n, r| {
                assert!(
                    matches!(r, Ok(Got::Created(CreateOrderOutcome::Created(_)))),
                    "case `{n}`: {r:?}"
                )
            },
            sequence: Some(&["POST", "GET", "POST"]),
        },
        Case {
            name: "duplicate after unknown resolves to the existing order",
            answers: vec![
                answer("POST", create, 503, Body::None).once(),
                answer(
                    "POST",
                    create,
                    409,
                    Json(error_body("DUPLICATE_PENDING_ORDER")),
                ),
                // First lookup: not there yet (the first create is still in flight); second: there.
                answer(
                    "GET",
                    lookup("/api/v1/order/by-biz-no/B-6"),
                    404,
                    Json(error_body("ORDER_NOT_FOUND")),
                )
                .once(),
                answer(
                    "GET",
                    lookup("/api/v1/order/by-biz-no/B-6"),
                    200,
                    Json(order_info("B-6")),
                ),
            ],
            client: ClientKind::Fast,
            call: Call::Create("B-6"),
            check: |n, r| {
                assert!(
                    matches!(r, Ok(Got::Created(CreateOrderOutcome::AlreadyExists(_)))),
                    "case `{n}`: {r:?}"
                )
            },
            sequence: Some(&["POST", "GET", "POST", "GET"]),
        },
        Case {
            name: "create unresolvable is outcome unknown",
            answers: vec![
                answer("POST", create, 200, Body::None).delayed(),
                answer(
                    "GET",
                    lookup("/api/v1/order/by-biz-no/B-8"),
                    500,
                    Text("down"),
                )
                .expect(3),
            ],
            client: ClientKind::Impatient,
            call: Call::Create("B-8"),
            check: |n, r| {
                outcome_unknown(n, r, "create_order", "B-8");
            },
            sequence: None,
        },
        Case {
            name: "create rate limited is retried without a lookup",
            answers: vec![
                answer("POST", None, 429, Json(error_body("RATE_LIMITED"))).once(),
                answer("POST", None, 200, Json(created("B-4"))),
            ],
            client: ClientKind::Fast,
            call: Call::Create("B-4"),
            check: |n, r| {
                assert!(
                    matches!(r, Ok(Got::Created(CreateOrderOutcome::Created(_)))),
                    "case `{n}`: {r:?}"
                )
            },
            sequence: Some(&["POST", "POST"]),
        },
        Case {
            name: "create 2xx that cannot be read is settled by lookup",
            answers: vec![
                answer("POST", create, 200, Text("<html>proxy</html>")),
                answer(
                    "GET",
                    lookup("/api/v1/order/by-biz-no/B-10"),
                    200,
                    Json(order_info("B-10")),
                ),
            ],
            client: ClientKind::Fast,
            call: Call::Create("B-10"),
            check: |n, r| {
                assert!(
                    matches!(r, Ok(Got::Created(CreateOrderOutcome::AlreadyExists(_)))),
                    "case `{n}`: {r:?}"
                )
            },
            sequence: Some(&["POST", "GET"]),
        },
        // Finding (issue 13, LJPay): `AlreadyExists(order)` after an unknown outcome was returned
        // without comparing amount, channel or status, so an old expired order with the same
        // biz_order_no came back Ok. Each of the three differences is a Conflict.
        Case {
            name: "finding: an old EXPIRED order under the same biz_order_no is a conflict",
            answers: vec![
                answer("POST", create, 503, Body::None),
                answer(
                    "GET",
                    lookup("/api/v1/order/by-biz-no/B-11"),
                    200,
                    Json(
                        json!({"order_no": "lp_old", "biz_order_no": "B-11", "status": "EXPIRED",
                                "amount_fen": 100, "channel": "wechat_native"}),
                    ),
                ),
            ],
            client: ClientKind::Fast,
            call: Call::Create("B-11"),
            check: |n, r| conflict(n, r, "status EXPIRED"),
            sequence: Some(&["POST", "GET"]),
        },
        Case {
            name: "finding: another amount under the same biz_order_no is a conflict",
            answers: vec![
                answer("POST", create, 503, Body::None),
                answer(
                    "GET",
                    lookup("/api/v1/order/by-biz-no/B-11"),
                    200,
                    Json(
                        json!({"order_no": "lp_old", "biz_order_no": "B-11", "status": "PENDING",
                                "amount_fen": 5000, "channel": "wechat_native"}),
                    ),
                ),
            ],
            client: ClientKind::Fast,
            call: Call::Create("B-11"),
            check: |n, r| conflict(n, r, "amount_fen 5000"),
            sequence: Some(&["POST", "GET"]),
        },
        Case {
            name: "finding: another channel under the same biz_order_no is a conflict",
            answers: vec![
                answer("POST", create, 503, Body::None),
                answer(
                    "GET",
                    lookup("/api/v1/order/by-biz-no/B-11"),
                    200,
                    Json(
                        json!({"order_no": "lp_old", "biz_order_no": "B-11", "status": "PENDING",
                                "amount_fen": 100, "channel": "alipay_qr"}),
                    ),
                ),
            ],
            client: ClientKind::Fast,
            call: Call::Create("B-11"),
            check: |n, r| conflict(n, r, "channel alipay_qr"),
            sequence: Some(&["POST", "GET"]),
        },
        Case {
            name: "a found order without amount or channel does not settle it",
            answers: vec![
                answer("POST", create, 503, Body::None),
                answer(
                    "GET",
                    lookup("/api/v1/order/by-biz-no/B-12"),
                    200,
                    Json(json!({"order_no": "lp_1", "biz_order_no": "B-12", "status": "PENDING"})),
                ),
            ],
            client: ClientKind::Fast,
            call: Call::Create("B-12"),
            check: |n, r| {
                outcome_unknown(n, r, "create_order", "B-12");
            },
            sequence: Some(&["POST", "GET"]),
        },
        Case {
            name: "refund with a lost answer says it is safe to repeat",
            answers: vec![answer("POST", refund, 200, Body::None).delayed()],
            client: ClientKind::Impatient,
            call: Call::Refund("R-77"),
            check: |n, r| {
                let e = outcome_unknown(n, r, "refund", "R-77");
                assert!(e.to_string().contains("safe to repeat"), "case `{n}`: {e}");
            },
            sequence: Some(&["POST"]),
        },
        Case {
            name: "refund 5xx is outcome unknown and not repeated",
            answers: vec![answer("POST", refund, 503, Text("upstream down"))],
            client: ClientKind::Fast,
            call: Call::Refund("R-78"),
            check: |n, r| {
                outcome_unknown(n, r, "refund", "R-78");
            },
            sequence: Some(&["POST"]),
        },
        Case {
            name: "refund rate limited is retried",
            answers: vec![
                answer("POST", None, 429, Json(error_body("RATE_LIMITED"))).once(),
                answer("POST", None, 200, Json(json!({"status": "SUCCESS"}))),
            ],
            client: ClientKind::Fast,
            call: Call::Refund("R-79"),
            check: |n, r| match r {
                Ok(Got::Refund(r)) => assert_eq!(r.status, RefundStatus::Success, "case `{n}`"),
                other => panic!("case `{n}`: expected a refund, got {other:?}"),
            },
            sequence: Some(&["POST", "POST"]),
        },
        Case {
            name: "cancel with a lost answer and an unreadable lookup is outcome unknown",
            answers: vec![answer("POST", cancel, 200, Body::None).delayed()],
            client: ClientKind::Impatient,
            call: Call::Cancel("B-1"),
            check: |n, r| {
                outcome_unknown(n, r, "cancel_order", "B-1");
            },
            // The lookup hits the catch-all (599, a 5xx: retried three times).
            sequence: Some(&["POST", "GET", "GET", "GET"]),
        },
    ]
}

#[tokio::test]
async fn reliability_table() {
    for case in cases() {
        let s = server().await;
        for (i, a) in case.answers.iter().enumerate() {
            let mut resp = ResponseTemplate::new(a.status);
            resp = match &a.body {
                Body::None => resp,
                Body::Json(v) => resp.set_body_json(v),
                Body::Text(t) => resp.set_body_string(*t),
            };
            if a.status == 302 {
                resp = resp.insert_header("location", "https://evil.example/steal");
            }
            if let Some(v) = a.retry_after {
                resp = resp.insert_header("retry-after", v);
            }
            if a.delayed {
                resp = resp.set_delay(Duration::from_secs(2));
            }
            let mut mock = Mock::given(method(a.method)).and(SignedCorrectly);
            if let Some(p) = a.path {
                mock = mock.and(path(p));
            }
            let mut mock = mock.respond_with(resp);
            if let Some(n) = a.times {
                mock = mock.up_to_n_times(n);
            }
            // Earlier answers in the list win over later ones for the same route.
            mock.with_priority(u8::try_from(i + 1).unwrap_or(u8::MAX - 1))
                .expect(a.expect)
                .named(format!("{} answer #{i}", case.name))
                .mount(&s)
                .await;
        }
        let result = run(&case.call, &client(case.client, &s)).await;
        (case.check)(case.name, result);
        let reqs = s.received_requests().await.unwrap_or_default();
        for r in &reqs {
            assert_signed(r, SITE, SECRET);
        }
        if let Some(want) = case.sequence {
            let got: Vec<&str> = reqs.iter().map(|r| r.method.as_str()).collect();
            assert_eq!(got, want, "case `{}`: requests in order", case.name);
        }
        let nonces: HashSet<_> = reqs.iter().map(|r| header(r, "X-Pay-Nonce")).collect();
        assert_eq!(
            nonces.len(),
            reqs.len(),
            "case `{}`: a fresh nonce for every attempt",
            case.name
        );
        s.verify().await;
    }
}

#[tokio::test]
async fn a_repeated_create_sends_the_same_body_re_signed() {
    let s = server().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/order/create"))
        .respond_with(ResponseTemplate::new(504).set_body_string("gateway timeout"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&s)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/order/create"))
        .and(SignedCorrectly)
        .respond_with(ResponseTemplate::new(200).set_body_json(created("B-5")))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/order/by-biz-no/B-5"))
        .respond_with(ResponseTemplate::new(404).set_body_json(error_body("ORDER_NOT_FOUND")))
        .mount(&s)
        .await;
    client(ClientKind::Fast, &s)
        .orders()
        .create(&create_req("B-5"))
        .await
        .unwrap();
    let reqs = s.received_requests().await.unwrap();
    assert_ne!(
        header(&reqs[0], "X-Pay-Nonce"),
        header(&reqs[2], "X-Pay-Nonce")
    );
    assert_eq!(reqs[0].body, reqs[2].body, "same body on the repeat");
}

#[tokio::test]
async fn query_retries_5xx_and_resigns_every_attempt() {
    let s = server().await;
    Mock::given(method("GET"))
        .and(SignedCorrectly)
        .respond_with(ResponseTemplate::new(503).set_body_string("busy"))
        .up_to_n_times(2)
        .expect(2)
        .with_priority(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(SignedCorrectly)
        .respond_with(ResponseTemplate::new(200).set_body_json(order_info("B-1")))
        .expect(1)
        .mount(&s)
        .await;
    let o = client_for(&s)
        .orders()
        .get_by_biz_order_no("B-1")
        .await
        .unwrap();
    assert_eq!(o.order_no, "lp_1");
    let reqs = s.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 3);
    let nonces: HashSet<String> = reqs
        .iter()
        .map(|r| assert_signed(r, SITE, SECRET))
        .collect();
    assert_eq!(nonces.len(), 3, "a fresh nonce for every attempt");
}

#[tokio::test]
async fn create_to_a_closed_port_is_a_plain_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let client = Client::builder()
        .base_url(format!("http://127.0.0.1:{port}"))
        .site_code(SITE)
        .secret(SECRET)
        .retry_policy(fast_retry())
        .build()
        .unwrap();
    let e = client
        .orders()
        .create(&create_req("B-3"))
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Transport { .. }),
        "never sent, so no doubt: {e:?}"
    );
    assert_eq!(e.kind(), ErrorKind::Transient);
}

/// A server that reads the request and then drops the connection without answering.
async fn hang_up_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                use tokio::io::AsyncReadExt as _;
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                drop(sock);
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn connection_dropped_after_sending_is_outcome_unknown() {
    let base = hang_up_server().await;
    let client = Client::builder()
        .base_url(base)
        .site_code(SITE)
        .secret(SECRET)
        .retry_policy(fast_retry())
        .build()
        .unwrap();
    let e = client
        .refunds()
        .create(&RefundRequest::new("B-1", "R-80", 10))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::OutcomeUnknown {
                operation: "refund",
                ..
            }
        ),
        "{e:?}"
    );
    // The create cannot be resolved either (the lookup hangs up too): outcome unknown, not a
    // plain transport error.
    let e = client
        .orders()
        .create(&create_req("B-81"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::OutcomeUnknown {
                operation: "create_order",
                ..
            }
        ),
        "{e:?}"
    );
}
