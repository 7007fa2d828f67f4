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

/// An id used as a path segment: non-empty, no control characters, ≤ 128 chars.
pub(crate) fn id(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::validation(field, "must not be empty"));
    }
    if value.len() > 128 || value.chars().any(|c| c.is_control()) {
        return Err(Error::validation(
            field,
            "must be at most 128 printable characters",
        ));
    }
    Ok(())
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
