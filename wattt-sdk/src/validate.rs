//! Checks run before any byte leaves the process.

use crate::error::{Error, Result};

/// Longest string the SDK sends in one field.
pub(crate) const MAX_FIELD_CHARS: usize = 255;

pub(crate) fn required(field: &'static str, v: &str) -> Result<()> {
    if v.trim().is_empty() {
        return Err(Error::validation(
            field,
            "is required and must not be empty",
        ));
    }
    optional(field, Some(v))
}

pub(crate) fn optional(field: &'static str, v: Option<&str>) -> Result<()> {
    if let Some(v) = v {
        if v.chars().count() > MAX_FIELD_CHARS {
            return Err(Error::validation(
                field,
                format!("must be at most {MAX_FIELD_CHARS} characters"),
            ));
        }
        if v.chars().any(|c| c.is_control()) {
            return Err(Error::validation(
                field,
                "must not contain control characters",
            ));
        }
    }
    Ok(())
}

pub(crate) fn url(field: &'static str, v: Option<&str>) -> Result<()> {
    let Some(v) = v else { return Ok(()) };
    optional(field, Some(v))?;
    let parsed = url::Url::parse(v)
        .map_err(|_| Error::validation(field, "must be an absolute http(s) URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(Error::validation(field, "must be an absolute http(s) URL"));
    }
    Ok(())
}

pub(crate) fn required_url(field: &'static str, v: &str) -> Result<()> {
    required(field, v)?;
    url(field, Some(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert!(required("f", "x").is_ok());
        assert!(matches!(
            required("f", "  "),
            Err(Error::Validation { field: "f", .. })
        ));
        assert!(required("f", &"x".repeat(256)).is_err());
        assert!(required("f", "a\nb").is_err());
        assert!(required_url("notify_url", "https://m.example/n").is_ok());
        assert!(required_url("notify_url", "m.example/n").is_err());
        assert!(required_url("notify_url", "ftp://m.example/n").is_err());
        assert!(url("return_url", None).is_ok());
    }
}
