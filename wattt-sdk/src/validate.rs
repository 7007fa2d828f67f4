//! Checks run before any byte leaves the process.
//!
//! Only rules with a source are enforced, each named where it is checked:
//! * a field the spec lists under `required` must be present and not blank
//!   (spec `components.schemas.*.required`);
//! * `notify_url`, `return_url` and `reverse_url` must be absolute `http(s)` URLs: Wattt posts
//!   to them or sends the member there (spec descriptions of those fields; the spec's examples
//!   are all absolute `https` URLs). No length limit: the spec states none.
//!
//! The spec gives no length limits and no e-mail shape, so none are checked.

use crate::error::{Error, Result};

/// A field the spec's schema marks `required`: present and not blank.
pub(crate) fn required(field: &'static str, v: &str) -> Result<()> {
    if v.trim().is_empty() {
        return Err(Error::validation(
            field,
            "is required and must not be empty",
        ));
    }
    Ok(())
}

/// A URL Wattt posts to or redirects to: absolute `http`/`https`.
pub(crate) fn url(field: &'static str, v: Option<&str>) -> Result<()> {
    let Some(v) = v else { return Ok(()) };
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
        assert!(required_url("notify_url", "https://m.example/n").is_ok());
        assert!(required_url("notify_url", "m.example/n").is_err());
        assert!(required_url("notify_url", "ftp://m.example/n").is_err());
        assert!(url("return_url", None).is_ok());
    }

    /// Finding (issue 13, Wattt): "limits the spec does not state (255 characters on URLs, an
    /// e-mail shape) refuse valid requests". The spec (spec/wattt-merchant.openapi.json) has
    /// no `maxLength` anywhere, so a long but valid URL is accepted.
    #[test]
    fn no_length_limit_the_spec_does_not_state() {
        let long = format!("https://merchant.example.com/notify?{}", "q=1&".repeat(200));
        assert!(long.len() > 255);
        assert!(required_url("notify_url", &long).is_ok());
        assert!(required("member_name", &"測".repeat(300)).is_ok());
    }
}
