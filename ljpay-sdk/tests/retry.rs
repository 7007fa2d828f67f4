//! Reliability: queries retry (re-signed each time), a create never makes two orders and never
//! takes another order for its own, a refund with an unknown outcome says so. Attempt counts
//! are pinned with `Mock::expect`; the expected outcomes follow the rule "never retry a call
//! whose outcome is unknown; settle it by a lookup" and the spec's error codes.
//!
//! One table ([`cases`]) and one loop; the cases that need their own server (a closed port,
//! a server that hangs up) are a second table ([`unreachable`]). Each row names itself in
//! every assertion message and in its mocks' names.

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

/// An order found under `B-11` with these fields (the create asked for 100 fen, WeChat Native).
fn found(status: &str, amount_fen: u64, channel: &str) -> Body {
    Body::Json(
        json!({"order_no": "lp_old", "biz_order_no": "B-11", "status": status,
                      "amount_fen": amount_fen, "channel": channel}),
    )
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
    path: Option<String>,
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

fn answer(method: &'static str, path: Option<String>, status: u16, body: Body) -> Answer {
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

/// An answer to any request with this method.
fn any_path(method: &'static str, status: u16, body: Body) -> Answer {
    answer(method, None, status, body)
}

fn to_create(status: u16, body: Body) -> Answer {
    answer("POST", Some("/api/v1/order/create".into()), status, body)
}

fn to_refund(status: u16, body: Body) -> Answer {
    answer("POST", Some("/api/v1/order/refund".into()), status, body)
}

fn to_cancel(status: u16, body: Body) -> Answer {
    answer("POST", Some("/api/v1/order/cancel".into()), status, body)
}

/// An answer to the lookup by LJPay's order number.
fn to_get_by_order_no(no: &str, status: u16, body: Body) -> Answer {
    let p = format!("/api/v1/order/by-pay-no/{no}");
    answer("GET", Some(p), status, body)
}

/// An answer to the lookup by the merchant's `biz_order_no`.
fn to_get_by_biz_no(biz: &str, status: u16, body: Body) -> Answer {
    let p = format!("/api/v1/order/by-biz-no/{biz}");
    answer("GET", Some(p), status, body)
}

impl Answer {
    fn delayed(mut self) -> Self {
        self.delayed = true;
        self
    }
    fn once(self) -> Self {
        self.times(1)
    }
    fn times(mut self, n: u64) -> Self {
        self.times = Some(n);
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

/// What a case must end with.
enum Want {
    /// `Ok(CreateOrderOutcome::Created(_))`.
    Created,
    /// `Ok(CreateOrderOutcome::AlreadyExists(_))`.
    AlreadyExists,
    /// `Error::OutcomeUnknown` for this operation and merchant reference.
    Unknown(&'static str, &'static str),
    /// `Error::OutcomeUnknown` for this operation (whatever the reference).
    UnknownOp(&'static str),
    /// `Error::Conflict` for `create_order` `B-11` whose reason names this difference.
    Conflict(&'static str),
    /// The case's own check.
    Check(Check),
}

struct Case {
    name: &'static str,
    answers: Vec<Answer>,
    client: ClientKind,
    call: Call,
    want: Want,
    /// The methods of the requests received, in order, when the case pins them.
    sequence: Option<&'static [&'static str]>,
    /// Two requests (by index) that must carry the same body under different nonces.
    repeat: Option<(usize, usize)>,
}

impl Case {
    fn new(name: &'static str, client: ClientKind, call: Call, want: Want) -> Self {
        Case {
            name,
            answers: Vec::new(),
            client,
            call,
            want,
            sequence: None,
            repeat: None,
        }
    }
    fn answers(mut self, answers: impl IntoIterator<Item = Answer>) -> Self {
        self.answers = answers.into_iter().collect();
        self
    }
    fn sequence(mut self, methods: &'static [&'static str]) -> Self {
        self.sequence = Some(methods);
        self
    }
    fn repeat(mut self, first: usize, again: usize) -> Self {
        self.repeat = Some((first, again));
        self
    }
}

fn client_at(base: String, kind: ClientKind) -> Client {
    let b = Client::builder()
        .base_url(base)
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

fn check(name: &str, want: &Want, r: Result<Got, Error>) {
    match want {
        Want::Created => assert!(
            matches!(r, Ok(Got::Created(CreateOrderOutcome::Created(_)))),
            "case `{name}`: {r:?}"
        ),
        Want::AlreadyExists => assert!(
            matches!(r, Ok(Got::Created(CreateOrderOutcome::AlreadyExists(_)))),
            "case `{name}`: {r:?}"
        ),
        Want::Unknown(op, reference) => {
            outcome_unknown(name, r, op, reference);
        }
        Want::UnknownOp(op) => assert!(
            matches!(&r, Err(Error::OutcomeUnknown { operation, .. }) if operation == op),
            "case `{name}`: {r:?}"
        ),
        Want::Conflict(needle) => conflict(name, r, needle),
        Want::Check(f) => f(name, r),
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

/// A create of `biz` answered 503 (it may have taken effect), then the lookup finds `found`.
fn lost_create_then_found(name: &'static str, biz: &'static str, found: Body, want: Want) -> Case {
    Case::new(name, ClientKind::Fast, Call::Create(biz), want)
        .answers([
            to_create(503, Body::None),
            to_get_by_biz_no(biz, 200, found),
        ])
        .sequence(&["POST", "GET"])
}

fn cases() -> Vec<Case> {
    use Body::{Json, Text};
    use ClientKind::{Fast, Impatient, NoRetries};
    use Want::{AlreadyExists, Check, Conflict, Created, Unknown};
    let rate_limited = || Json(error_body("RATE_LIMITED"));
    let not_found = || Json(error_body("ORDER_NOT_FOUND"));
    vec![
        Case::new(
            "query retries a rate limit but not a 404",
            Fast,
            Call::GetByOrderNo("lp_1"),
            Check(|n, r| match r {
                Ok(Got::Order(o)) => assert_eq!(o.order_no, "lp_1", "case `{n}`"),
                other => panic!("case `{n}`: expected the order, got {other:?}"),
            }),
        )
        .answers([
            to_get_by_order_no("lp_1", 429, rate_limited()).once(),
            to_get_by_order_no("lp_1", 200, Json(order_info("B-1"))),
        ])
        .sequence(&["GET", "GET"]),
        Case::new(
            "query 404 is final",
            Fast,
            Call::GetByOrderNo("lp_missing"),
            Check(|n, r| {
                let e = r.expect_err(n);
                assert_eq!(e.code(), Some(&ErrorCode::OrderNotFound), "case `{n}`");
            }),
        )
        .answers([to_get_by_order_no("lp_missing", 404, not_found())])
        .sequence(&["GET"]),
        Case::new(
            "query by biz_order_no 404 is final",
            Fast,
            Call::GetByBizNo("B-404"),
            Check(|n, r| {
                let e = r.expect_err(n);
                assert_eq!(e.code(), Some(&ErrorCode::OrderNotFound), "case `{n}`");
                assert_eq!(e.kind(), ErrorKind::Caller, "case `{n}`");
            }),
        )
        .answers([to_get_by_biz_no("B-404", 404, not_found())])
        .sequence(&["GET"]),
        Case::new(
            "query retries 5xx, re-signed every attempt",
            Fast,
            Call::GetByBizNo("B-1"),
            Check(|n, r| match r {
                Ok(Got::Order(o)) => assert_eq!(o.order_no, "lp_1", "case `{n}`"),
                other => panic!("case `{n}`: expected the order, got {other:?}"),
            }),
        )
        .answers([
            any_path("GET", 503, Text("busy")).times(2).expect(2),
            any_path("GET", 200, Json(order_info("B-1"))),
        ])
        .sequence(&["GET", "GET", "GET"]),
        Case::new(
            "query gives up after max attempts",
            Fast,
            Call::GetByOrderNo("lp_1"),
            Check(|n, r| {
                let e = r.expect_err(n);
                assert_eq!(e.status(), Some(500), "case `{n}`");
                assert_eq!(e.kind(), ErrorKind::Transient, "case `{n}`");
            }),
        )
        .answers([any_path("GET", 500, Json(error_body("CHANNEL_API_ERROR"))).expect(3)]),
        Case::new(
            "disabled retries mean one attempt",
            NoRetries,
            Call::GetByOrderNo("lp_1"),
            Check(|n, r| assert!(r.is_err(), "case `{n}`")),
        )
        .answers([any_path("GET", 503, Body::None)])
        .sequence(&["GET"]),
        Case::new(
            "query throttled beyond the budget carries Retry-After",
            Fast,
            Call::GetByOrderNo("lp_1"),
            Check(|n, r| match r {
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
            }),
        )
        .answers([any_path("GET", 429, rate_limited()).retry_after("30")])
        .sequence(&["GET"]),
        Case::new(
            "redirects are not followed",
            Fast,
            Call::GetByOrderNo("lp_1"),
            Check(|n, r| {
                assert!(
                    matches!(r, Err(Error::UnexpectedStatus { status: 302, .. })),
                    "case `{n}`: {r:?}"
                )
            }),
        )
        .answers([any_path("GET", 302, Body::None)])
        .sequence(&["GET"]),
        Case::new(
            "create with a lost answer returns the existing order",
            Impatient,
            Call::Create("B-9"),
            Check(|n, r| match r {
                Ok(Got::Created(CreateOrderOutcome::AlreadyExists(o))) => {
                    assert_eq!(o.biz_order_no, "B-9", "case `{n}`")
                }
                other => panic!("case `{n}`: expected AlreadyExists, got {other:?}"),
            }),
        )
        .answers([
            to_create(200, Json(created("B-9"))).delayed(),
            to_get_by_biz_no("B-9", 200, Json(order_info("B-9"))),
        ])
        .sequence(&["POST", "GET"]),
        // The repeat sends the same body, re-signed (a fresh nonce: checked for every case).
        Case::new(
            "create after unknown and not found is sent again",
            Fast,
            Call::Create("B-5"),
            Created,
        )
        .answers([
            to_create(504, Text("gateway timeout")).once(),
            to_create(200, Json(created("B-5"))),
            to_get_by_biz_no("B-5", 404, not_found()),
        ])
        .sequence(&["POST", "GET", "POST"])
        .repeat(0, 2),
        Case::new(
            "duplicate after unknown resolves to the existing order",
            Fast,
            Call::Create("B-6"),
            AlreadyExists,
        )
        .answers([
            to_create(503, Body::None).once(),
            to_create(409, Json(error_body("DUPLICATE_PENDING_ORDER"))),
            // First lookup: not there yet (the first create is still in flight); second: there.
            to_get_by_biz_no("B-6", 404, not_found()).once(),
            to_get_by_biz_no("B-6", 200, Json(order_info("B-6"))),
        ])
        .sequence(&["POST", "GET", "POST", "GET"]),
        Case::new(
            "create unresolvable is outcome unknown",
            Impatient,
            Call::Create("B-8"),
            Unknown("create_order", "B-8"),
        )
        .answers([
            to_create(200, Body::None).delayed(),
            to_get_by_biz_no("B-8", 500, Text("down")).expect(3),
        ]),
        Case::new(
            "create rate limited is retried without a lookup",
            Fast,
            Call::Create("B-4"),
            Created,
        )
        .answers([
            any_path("POST", 429, rate_limited()).once(),
            any_path("POST", 200, Json(created("B-4"))),
        ])
        .sequence(&["POST", "POST"]),
        Case::new(
            "create 2xx that cannot be read is settled by lookup",
            Fast,
            Call::Create("B-10"),
            AlreadyExists,
        )
        .answers([
            to_create(200, Text("<html>proxy</html>")),
            to_get_by_biz_no("B-10", 200, Json(order_info("B-10"))),
        ])
        .sequence(&["POST", "GET"]),
        // Finding (issue 13, LJPay): `AlreadyExists(order)` after an unknown outcome was returned
        // without comparing amount, channel or status, so an old expired order with the same
        // biz_order_no came back Ok. Each of the three differences is a Conflict.
        lost_create_then_found(
            "finding: an old EXPIRED order under the same biz_order_no is a conflict",
            "B-11",
            found("EXPIRED", 100, "wechat_native"),
            Conflict("status EXPIRED"),
        ),
        lost_create_then_found(
            "finding: another amount under the same biz_order_no is a conflict",
            "B-11",
            found("PENDING", 5000, "wechat_native"),
            Conflict("amount_fen 5000"),
        ),
        lost_create_then_found(
            "finding: another channel under the same biz_order_no is a conflict",
            "B-11",
            found("PENDING", 100, "alipay_qr"),
            Conflict("channel alipay_qr"),
        ),
        lost_create_then_found(
            "a found order without amount or channel does not settle it",
            "B-12",
            Json(json!({"order_no": "lp_1", "biz_order_no": "B-12", "status": "PENDING"})),
            Unknown("create_order", "B-12"),
        ),
        Case::new(
            "refund with a lost answer says it is safe to repeat",
            Impatient,
            Call::Refund("R-77"),
            Check(|n, r| {
                let e = outcome_unknown(n, r, "refund", "R-77");
                assert!(e.to_string().contains("safe to repeat"), "case `{n}`: {e}");
            }),
        )
        .answers([to_refund(200, Body::None).delayed()])
        .sequence(&["POST"]),
        Case::new(
            "refund 5xx is outcome unknown and not repeated",
            Fast,
            Call::Refund("R-78"),
            Unknown("refund", "R-78"),
        )
        .answers([to_refund(503, Text("upstream down"))])
        .sequence(&["POST"]),
        Case::new(
            "refund rate limited is retried",
            Fast,
            Call::Refund("R-79"),
            Check(|n, r| match r {
                Ok(Got::Refund(r)) => assert_eq!(r.status, RefundStatus::Success, "case `{n}`"),
                other => panic!("case `{n}`: expected a refund, got {other:?}"),
            }),
        )
        .answers([
            any_path("POST", 429, rate_limited()).once(),
            any_path("POST", 200, Json(json!({"status": "SUCCESS"}))),
        ])
        .sequence(&["POST", "POST"]),
        Case::new(
            "cancel with a lost answer and an unreadable lookup is outcome unknown",
            Impatient,
            Call::Cancel("B-1"),
            Unknown("cancel_order", "B-1"),
        )
        .answers([to_cancel(200, Body::None).delayed()])
        // The lookup hits the catch-all (599, a 5xx: retried three times).
        .sequence(&["POST", "GET", "GET", "GET"]),
    ]
}

async fn mount(s: &MockServer, case: &str, i: usize, a: &Answer) {
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
    if let Some(p) = &a.path {
        mock = mock.and(path(p.as_str()));
    }
    let mut mock = mock.respond_with(resp);
    if let Some(n) = a.times {
        mock = mock.up_to_n_times(n);
    }
    // Earlier answers in the list win over later ones for the same route.
    mock.with_priority(u8::try_from(i + 1).unwrap_or(u8::MAX - 1))
        .expect(a.expect)
        .named(format!("{case} answer #{i}"))
        .mount(s)
        .await;
}

#[tokio::test]
async fn reliability_table() {
    for case in cases() {
        let s = server().await;
        for (i, a) in case.answers.iter().enumerate() {
            mount(&s, case.name, i, a).await;
        }
        let result = run(&case.call, &client_at(s.uri(), case.client)).await;
        check(case.name, &case.want, result);
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
        if let Some((first, again)) = case.repeat {
            let (a, b) = (&reqs[first], &reqs[again]);
            let name = case.name;
            assert_ne!(
                header(a, "X-Pay-Nonce"),
                header(b, "X-Pay-Nonce"),
                "case `{name}`"
            );
            assert_eq!(a.body, b.body, "case `{name}`: same body on the repeat");
        }
        s.verify().await;
    }
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

/// A local port nothing listens on.
fn closed_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// The cases that need a server wiremock cannot be: a closed port (never sent, so no doubt)
/// and one that hangs up after reading the request (it may have taken effect).
#[tokio::test]
async fn unreachable() {
    let hang_up = hang_up_server().await;
    let rows: Vec<(&str, String, Call, Want)> = vec![
        (
            "create to a closed port is a plain transport error",
            closed_port(),
            Call::Create("B-3"),
            Want::Check(|n, r| {
                let e = r.expect_err(n);
                assert!(
                    matches!(e, Error::Transport { .. }),
                    "case `{n}`: never sent, so no doubt: {e:?}"
                );
                assert_eq!(e.kind(), ErrorKind::Transient, "case `{n}`");
            }),
        ),
        (
            "refund on a dropped connection is outcome unknown",
            hang_up.clone(),
            Call::Refund("R-80"),
            Want::UnknownOp("refund"),
        ),
        // The create cannot be resolved either (the lookup hangs up too): outcome unknown, not
        // a plain transport error.
        (
            "create on a dropped connection is outcome unknown",
            hang_up,
            Call::Create("B-81"),
            Want::UnknownOp("create_order"),
        ),
    ];
    for (name, base, call, want) in rows {
        check(
            name,
            &want,
            run(&call, &client_at(base, ClientKind::Fast)).await,
        );
    }
}
