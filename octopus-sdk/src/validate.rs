//! Checks run before any byte leaves the process. Each failure names the wire
//! field and the rule.

use rust_decimal::Decimal;

use crate::error::{Error, Result};

/// Amount: greater than 0, at most 2 decimal places.
pub(crate) fn amount(field: &str, value: &Decimal) -> Result<()> {
    if *value <= Decimal::ZERO {
        return Err(Error::validation(
            field,
            format!("must be greater than 0 (got {value})"),
        ));
    }
    if value.normalize().scale() > 2 {
        return Err(Error::validation(
            field,
            format!("must have at most 2 decimal places (got {value})"),
        ));
    }
    Ok(())
}

/// Non-negative amount with at most 2 decimals (filters).
pub(crate) fn amount_filter(field: &str, value: &Decimal) -> Result<()> {
    if value.is_sign_negative() {
        return Err(Error::validation(field, "must not be negative"));
    }
    if value.normalize().scale() > 2 {
        return Err(Error::validation(
            field,
            "must have at most 2 decimal places",
        ));
    }
    Ok(())
}

/// Currency: three upper-case ASCII letters (ISO 4217 shape).
pub(crate) fn currency(field: &str, value: &str) -> Result<()> {
    if value.len() == 3 && value.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(Error::validation(
            field,
            format!("must be a 3-letter upper-case ISO 4217 code such as HKD (got {value:?})"),
        ))
    }
}

/// E-mail: `local@domain.tld` shape, no spaces, at most 254 characters.
pub(crate) fn email(field: &str, value: &str) -> Result<()> {
    let bad = || {
        Error::validation(
            field,
            format!("must look like an e-mail address (got {value:?})"),
        )
    };
    if value.len() > 254 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let (local, domain) = value.split_once('@').ok_or_else(bad)?;
    if local.is_empty() || domain.contains('@') || local.len() > 64 {
        return Err(bad());
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2
        || labels
            .iter()
            .any(|l| l.is_empty() || l.starts_with('-') || l.ends_with('-'))
    {
        return Err(bad());
    }
    Ok(())
}

/// Non-empty after trimming.
pub(crate) fn non_empty(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        Err(Error::validation(field, "must not be empty"))
    } else {
        Ok(())
    }
}

/// An id used as a path segment: non-empty, no control characters, ≤ 128
/// characters (Unicode scalar values, as the error says, not bytes).
pub(crate) fn id(field: &str, value: &str) -> Result<()> {
    // `value.trim().is_empty()`, without walking in from both ends.
    if value.chars().all(char::is_whitespace) {
        return Err(Error::validation(field, "must not be empty"));
    }
    // A string has at most as many characters as bytes, so most ids need no
    // count; printable ASCII (nearly every id) has no control character, so
    // only other text is checked character by character.
    if value.len() > 128 && value.chars().count() > 128
        || !printable_ascii(value.as_bytes()) && value.chars().any(|c| c.is_control())
    {
        return Err(Error::validation(
            field,
            "must be at most 128 printable characters",
        ));
    }
    Ok(())
}

/// Whether every byte of `s` is printable ASCII (`20` to `7E`): in whole
/// blocks of 16 bytes, each checked without a branch (one vector compare),
/// then the few bytes left over one by one.
fn printable_ascii(s: &[u8]) -> bool {
    let printable = |b: u8| b.wrapping_sub(0x20) < 0x5f;
    let mut blocks = s.chunks_exact(16);
    let whole = blocks
        .by_ref()
        .all(|block| block.iter().fold(true, |ok, &b| ok & printable(b)));
    whole && blocks.remainder().iter().all(|&b| printable(b))
}

/// An absolute http(s) URL.
pub(crate) fn http_url(field: &str, value: &str) -> Result<()> {
    match url::Url::parse(value) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(()),
        _ => Err(Error::validation(
            field,
            format!("must be an absolute http(s) URL (got {value:?})"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn amounts() {
        assert!(amount("amount", &d("0.01")).is_ok());
        assert!(amount("amount", &d("100.00")).is_ok());
        assert!(amount("amount", &d("1.230")).is_ok()); // trailing zero only
        assert!(amount("amount", &d("0")).is_err());
        assert!(amount("amount", &d("-1")).is_err());
        match amount("amount", &d("1.001")) {
            Err(Error::Validation { field, reason }) => {
                assert_eq!(field, "amount");
                assert!(reason.contains("2 decimal"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }

    /// The id rule as its doc states it (the reference: trimmed empty, then
    /// more than 128 characters or any `char::is_control`).
    fn id_as_written(value: &str) -> std::result::Result<(), &'static str> {
        if value.trim().is_empty() {
            Err("must not be empty")
        } else if value.chars().count() > 128 || value.chars().any(|c| c.is_control()) {
            Err("must be at most 128 printable characters")
        } else {
            Ok(())
        }
    }

    fn id_reason(value: &str) -> std::result::Result<(), String> {
        match id("paymentId", value) {
            Ok(()) => Ok(()),
            Err(Error::Validation { field, reason }) => {
                assert_eq!(field, "paymentId");
                Err(reason)
            }
            Err(other) => panic!("{value:?}: {other:?}"),
        }
    }

    /// Accepted and refused ids, one row each, with the error text: against
    /// the rule as written (`id_as_written`) and the row's own expectation.
    #[test]
    fn ids() {
        const EMPTY: Option<&str> = Some("must not be empty");
        const BAD: Option<&str> = Some("must be at most 128 printable characters");
        let ascii_128 = "a".repeat(128);
        let ascii_129 = "a".repeat(129);
        let e_acute_65 = "\u{e9}".repeat(65); // 130 bytes, 65 characters
        let e_acute_128 = "\u{e9}".repeat(128); // 256 bytes, 128 characters
        let e_acute_129 = "\u{e9}".repeat(129);
        let emoji_128 = "\u{1f600}".repeat(128); // 512 bytes
        let control_last = format!("{}\u{1f}", "a".repeat(127));
        let rows: [(&str, Option<&str>); 33] = [
            ("payment-uuid-123", None),
            ("550e8400-e29b-41d4-a716-446655440000", None),
            ("a", None),
            (" padded ", None),
            ("a b", None),
            ("\u{e4}\u{20ac}\u{1f600}", None),
            ("a\u{a0}b", None),       // no-break space (C2 A0): not a control
            ("\u{100}\u{180}", None), // C4 80, C6 80: continuation 80 after another lead
            ("%/?#\\", None),
            (&ascii_128, None),
            (&e_acute_65, None),
            (&e_acute_128, None),
            (&emoji_128, None),
            ("", EMPTY),
            (" ", EMPTY),
            ("\t\n\r ", EMPTY),  // whitespace first, though also control
            ("\u{3000}", EMPTY), // ideographic space
            ("\u{2028}", EMPTY), // line separator: whitespace, not a control
            ("\u{85}", EMPTY),   // next line: whitespace and control
            ("a\u{0}", BAD),
            ("\u{1}a", BAD),
            ("a\tb", BAD),
            ("a\nb", BAD),
            ("a\u{1b}[31m", BAD),
            ("a\u{7f}", BAD),
            ("a\u{80}", BAD),
            ("a\u{85}b", BAD),
            ("a\u{9f}", BAD),
            ("\u{e9}\u{9f}", BAD),
            (&control_last, BAD),
            (&ascii_129, BAD),
            (&e_acute_129, BAD),
            (" a\u{0}", BAD),
        ];
        for (value, want) in rows {
            let want = want.map_or(Ok(()), |r| Err(r.to_owned()));
            assert_eq!(id_reason(value), want, "{value:?}");
            assert_eq!(
                id_as_written(value).map_err(str::to_owned),
                want,
                "{value:?}"
            );
        }
    }

    /// Every character (every Unicode scalar value), alone and between ASCII
    /// letters: `id` agrees with the rule as written, and the printable-ASCII
    /// test with `char`'s own (alone, after one letter, after a whole block).
    #[test]
    fn ids_every_character() {
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            for value in [format!("a{c}b"), c.to_string()] {
                let want = id_as_written(&value).map_err(str::to_owned);
                assert_eq!(id_reason(&value), want, "{c:?}");
            }
            let ascii = c.is_ascii() && !c.is_ascii_control();
            let long = format!("{}{c}", "a".repeat(16));
            for text in [c.to_string(), format!("a{c}"), long] {
                assert_eq!(printable_ascii(text.as_bytes()), ascii, "{c:?} in {text:?}");
            }
        }
    }

    #[test]
    fn currencies_emails_text() {
        assert!(currency("currency", "HKD").is_ok());
        for bad in ["hkd", "HK", "HKDD", "H1D", ""] {
            assert!(currency("currency", bad).is_err(), "{bad}");
        }
        for ok in ["a@b.co", "customer@example.com", "x.y+z@mail.example.hk"] {
            assert!(email("customerEmail", ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "a",
            "a@",
            "@b.com",
            "a@b",
            "a b@c.com",
            "a@@b.com",
            "a@b..com",
            "a@-b.com",
        ] {
            assert!(email("customerEmail", bad).is_err(), "{bad}");
        }
        assert!(non_empty("description", "  ").is_err());
        assert!(non_empty("description", "x").is_ok());
        assert!(http_url("returnUrl", "https://shop.example/ok").is_ok());
        assert!(http_url("returnUrl", "javascript:alert(1)").is_err());
    }
}
