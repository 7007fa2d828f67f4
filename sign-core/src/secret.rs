use std::fmt;
use std::sync::Arc;

use zeroize::Zeroizing;

/// Key material: a HashKey, HashIV, API secret or webhook secret.
///
/// - `Debug` and `Display` print `Secret(***)`, so a secret inside a client, config or error
///   never reaches a log.
/// - The bytes are zeroized when the last clone is dropped; clones share one copy.
/// - There is deliberately no `Serialize`, `PartialEq` or `Deref`: reading the value takes an
///   explicit [`Secret::expose`].
///
/// ```
/// use sign_core::Secret;
/// let s = Secret::from("pwFHCqoQZGmho4w6");
/// assert_eq!(format!("{s:?} {s}"), "Secret(***) Secret(***)");
/// assert_eq!(s.expose(), "pwFHCqoQZGmho4w6");
/// ```
#[derive(Clone)]
pub struct Secret(Arc<Zeroizing<String>>);

impl Secret {
    /// Wraps key material.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Arc::new(Zeroizing::new(value.into())))
    }

    /// The key material itself. Call only where it is fed to a MAC or hash.
    pub fn expose(&self) -> &str {
        self.0.as_str()
    }

    /// Whether the secret is the empty string (a configuration mistake worth refusing).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = Secret::from(String::from("hunter2-very-secret"));
        for shown in [
            format!("{s:?}"),
            format!("{s}"),
            format!("{:#?}", Some(s.clone())),
        ] {
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(shown.contains("Secret(***)"), "{shown}");
        }
    }

    #[test]
    fn clones_share_one_copy() {
        let a = Secret::new("k");
        let b = a.clone();
        assert!(std::ptr::eq(a.expose().as_ptr(), b.expose().as_ptr()));
        assert!(!a.is_empty());
        assert!(Secret::new("").is_empty());
    }
}
