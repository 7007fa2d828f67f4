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
    // On the stack for a notification's worth of keys: this runs on every verified callback.
    let mut keys: smallvec::SmallVec<[&str; 16]> = keys.collect();
    keys.sort_unstable();
    match keys.windows(2).find(|w| w[0] == w[1]) {
        Some(w) => Err(VerifyError::malformed(w[0], "appears more than once")),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule: any key named twice is refused, naming the key; a set of distinct keys passes.
    /// Sizes reach past the 16 keys kept on the stack (and past 48), with the two copies on either side.
    #[test]
    fn a_key_named_twice_is_refused_at_any_size() {
        let names: Vec<String> = (0..60).map(|i| format!("k{i:02}")).collect();
        let keys = |n: usize| names[..n].iter().map(String::as_str).collect::<Vec<_>>();
        for n in [0, 1, 2, 47, 48, 49, 60] {
            assert_eq!(
                refuse_duplicates(keys(n).into_iter()),
                Ok(()),
                "{n} distinct keys"
            );
        }
        for (n, twice) in [(2, 1), (48, 0), (49, 47), (60, 10), (60, 59)] {
            let mut ks = keys(n);
            ks.push(names[twice].as_str());
            assert_eq!(
                refuse_duplicates(ks.into_iter()),
                Err(VerifyError::malformed(
                    &names[twice],
                    "appears more than once"
                )),
                "{n} keys, k{twice:02} again"
            );
        }
    }
}
