/// Why a signed message was rejected.
///
/// The variants say which check failed; none of them carries the expected signature or any
/// key material, so the error can be logged and returned to a client as it is.
///
/// ```
/// use sign_core::VerifyError;
/// let e = VerifyError::MissingField("X-Pay-Nonce".into());
/// assert_eq!(e.to_string(), "missing field or header `X-Pay-Nonce`");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// A field or header the scheme needs is absent (or empty).
    #[error("missing field or header `{0}`")]
    MissingField(String),
    /// A field or header is present but not in the form the scheme requires.
    #[error("malformed `{field}`: {reason}")]
    Malformed {
        /// The field or header name.
        field: String,
        /// The rule it broke.
        reason: String,
    },
    /// The signature does not match the message.
    #[error("signature does not match")]
    Mismatch,
    /// The timestamp is outside the accepted window around "now".
    #[error("timestamp is {skew_secs} s away from now, outside the {tolerance_secs} s tolerance")]
    Expired {
        /// Signed distance of the message's timestamp from now, in seconds (negative: in the past).
        skew_secs: i64,
        /// The tolerance that was applied, in seconds.
        tolerance_secs: u64,
    },
}

impl VerifyError {
    pub(crate) fn malformed(field: &str, reason: &str) -> Self {
        Self::Malformed {
            field: field.to_owned(),
            reason: reason.to_owned(),
        }
    }
}

/// Returns the value when it is present and non-empty, else `MissingField(name)`.
pub(crate) fn required<'a>(name: &str, value: Option<&'a str>) -> Result<&'a str, VerifyError> {
    match value {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(VerifyError::MissingField(name.to_owned())),
    }
}

/// Checks that `timestamp` lies within `tolerance_secs` of `now`, both in Unix seconds.
pub(crate) fn check_window(
    timestamp: i64,
    now: i64,
    tolerance_secs: u64,
) -> Result<(), VerifyError> {
    let skew_secs = timestamp.saturating_sub(now);
    if skew_secs.unsigned_abs() > tolerance_secs {
        return Err(VerifyError::Expired {
            skew_secs,
            tolerance_secs,
        });
    }
    Ok(())
}

/// Refuses a parameter set that names a key twice: a parser reading one occurrence and a
/// signature covering both could disagree about what was signed.
pub(crate) fn refuse_duplicates<'a>(
    keys: impl Iterator<Item = &'a str>,
) -> Result<(), VerifyError> {
    let mut keys: Vec<&str> = keys.collect();
    keys.sort_unstable();
    match keys.windows(2).find(|w| w[0] == w[1]) {
        Some(w) => Err(VerifyError::malformed(w[0], "appears more than once")),
        None => Ok(()),
    }
}
