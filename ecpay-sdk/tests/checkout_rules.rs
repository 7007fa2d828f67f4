//! Issue 13, "Field rules" (ECPay): each test names the finding it pins and fails on the code
//! before its fix. Rules and the pages they come from are in `aio/checkout.rs` comments.

use ecpay_sdk::aio::{
    BnplOptions, CheckoutRequest, CreditMode, CreditOptions, Payment, PeriodType, PeriodicPlan,
    TradeDate, UnionPay,
};
use ecpay_sdk::{Credentials, Error};

fn base() -> CheckoutRequest {
    CheckoutRequest::new(
        "T20260101000001",
        "2026/01/01 12:00:00",
        3000,
        "desc",
        "A#B",
        "https://shop.example.com/return",
    )
}

fn field_of(r: Result<(), Error>) -> Option<String> {
    match r {
        Ok(()) => None,
        Err(Error::Validation { field, .. }) => Some(field),
        Err(other) => Some(format!("unexpected error: {other}")),
    }
}

/// Finding: "refuse special characters ECPay forbids in TradeDesc/ItemName" (ECPay: 請勿帶入
/// 特殊字元; no HTML tags; `%26`/`%3C` break its API). Before the fix all of these were signed.
#[test]
fn special_characters_in_trade_desc_and_item_name() {
    let cases: &[(&str, &str, &str, Option<&str>)] = &[
        ("tag in TradeDesc", "<b>sale</b>", "A#B", Some("TradeDesc")),
        ("gt in TradeDesc", "a > b", "A#B", Some("TradeDesc")),
        ("tag in ItemName", "desc", "Tea#<script>", Some("ItemName")),
        (
            "escaped amp in ItemName",
            "desc",
            "Tea%26Cake",
            Some("ItemName"),
        ),
        ("escaped lt in TradeDesc", "x%3cy", "A#B", Some("TradeDesc")),
        (
            "a raw ampersand is accepted",
            "Tea & Cake",
            "Tea&Cake#Mug",
            None,
        ),
        (
            "Chinese and punctuation accepted",
            "訂單 #1001 (網購)",
            "鍵盤 x 1#滑鼠",
            None,
        ),
    ];
    for (name, desc, items, want) in cases {
        let mut r = base();
        r.trade_desc = (*desc).into();
        r.item_name = (*items).into();
        assert_eq!(field_of(r.validate()).as_deref(), *want, "case {name}");
    }
}

/// Finding: "accept `30N` installments". Before the fix `30N` could not be expressed (the
/// extra map refuses the modelled `CreditInstallment`).
#[test]
fn thirty_n_installments() {
    let cases: Vec<(&str, CreditMode, bool, Result<&str, &str>)> = vec![
        ("30N alone", CreditMode::OneTime, true, Ok("30N")),
        (
            "30N beside 3,6",
            CreditMode::Installments(vec![3, 6]),
            true,
            Ok("3,6,30N"),
        ),
        (
            "plain installments unchanged",
            CreditMode::Installments(vec![3, 6, 30]),
            false,
            Ok("3,6,30"),
        ),
        (
            "30N with a periodic plan refused",
            CreditMode::Periodic(PeriodicPlan {
                period_amount: 3000,
                period_type: PeriodType::Month,
                frequency: 1,
                exec_times: 12,
                period_return_url: None,
            }),
            true,
            Err("CreditInstallment"),
        ),
    ];
    for (name, mode, flexible, want) in cases {
        let mut r = base();
        r.payment = Payment::Credit(CreditOptions {
            mode,
            flexible_30n: flexible,
            ..Default::default()
        });
        let got = r
            .sign(&Credentials::stage(), "https://h.example")
            .map(|s| s.field("CreditInstallment").unwrap_or_default().to_owned());
        match (got, want) {
            (Ok(v), Ok(w)) => assert_eq!(v, w, "case {name}"),
            (Err(Error::Validation { field, .. }), Err(w)) => assert_eq!(field, w, "case {name}"),
            (got, want) => panic!("case {name}: got {got:?}, want {want:?}"),
        }
    }
}

/// Finding: "accept BNPL's `PaymentInfoURL`/`ClientRedirectURL`". Before the fix BNPL had no
/// way to send them (typed fields missing, `extra` refused them as another method's).
#[test]
fn bnpl_urls_are_sent() {
    let mut r = base();
    r.payment = Payment::Bnpl(BnplOptions {
        payment_info_url: Some("https://shop.example.com/bnpl/info".into()),
        client_redirect_url: Some("https://shop.example.com/bnpl/back".into()),
    });
    let s = r
        .sign(&Credentials::stage(), "https://h.example")
        .expect("signed");
    assert_eq!(s.field("ChoosePayment"), Some("BNPL"));
    assert_eq!(
        s.field("PaymentInfoURL"),
        Some("https://shop.example.com/bnpl/info")
    );
    assert_eq!(
        s.field("ClientRedirectURL"),
        Some("https://shop.example.com/bnpl/back")
    );
    let mut bad = r.clone();
    bad.payment = Payment::Bnpl(BnplOptions {
        payment_info_url: Some("not a url".into()),
        client_redirect_url: None,
    });
    assert_eq!(field_of(bad.validate()).as_deref(), Some("PaymentInfoURL"));
}

/// Finding: "refuse UnionPay with a periodic plan". Before the fix `UnionPay=1` was signed
/// beside `PeriodAmount`.
#[test]
fn union_pay_with_a_periodic_plan() {
    let plan = PeriodicPlan {
        period_amount: 3000,
        period_type: PeriodType::Month,
        frequency: 1,
        exec_times: 12,
        period_return_url: None,
    };
    let cases: Vec<(&str, CreditMode, Option<UnionPay>, Option<&str>)> = vec![
        (
            "only UnionPay, periodic",
            CreditMode::Periodic(plan.clone()),
            Some(UnionPay::Only),
            Some("UnionPay"),
        ),
        (
            "selectable, periodic",
            CreditMode::Periodic(plan.clone()),
            Some(UnionPay::Selectable),
            Some("UnionPay"),
        ),
        (
            "hidden, periodic",
            CreditMode::Periodic(plan),
            Some(UnionPay::Hidden),
            None,
        ),
        (
            "only UnionPay, one-time",
            CreditMode::OneTime,
            Some(UnionPay::Only),
            None,
        ),
    ];
    for (name, mode, union_pay, want) in cases {
        let mut r = base();
        r.payment = Payment::Credit(CreditOptions {
            mode,
            union_pay,
            ..Default::default()
        });
        assert_eq!(field_of(r.validate()).as_deref(), want, "case {name}");
    }
}

/// Issue 12: the trade date as a time, with a "now in Taiwan" constructor; a malformed text
/// is still refused naming the field.
#[test]
fn trade_date_now_in_taiwan() {
    let mut r = base();
    r.merchant_trade_date = TradeDate::now_taiwan();
    assert!(r.validate().is_ok());
    let taipei = chrono::Utc::now() + chrono::Duration::hours(8);
    let sent = r.merchant_trade_date.to_naive().expect("a time");
    assert!(
        (taipei.naive_utc() - sent).num_seconds().abs() <= 5,
        "UTC+8 wall clock"
    );
    r.merchant_trade_date = "2026-01-01 12:00:00".into();
    assert_eq!(field_of(r.validate()).as_deref(), Some("MerchantTradeDate"));
}
