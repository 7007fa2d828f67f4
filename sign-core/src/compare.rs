use subtle::ConstantTimeEq;

/// Compares two byte strings in time that depends only on their lengths, never on where
/// they first differ, so a signature check leaks nothing about the expected value.
///
/// ```
/// assert!(sign_core::constant_time_eq(b"abc", b"abc"));
/// assert!(!sign_core::constant_time_eq(b"abc", b"abd"));
/// assert!(!sign_core::constant_time_eq(b"abc", b"ab"));
/// ```
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// Checks a received hex signature against the expected one in constant time, whatever the
/// letter case of either.
pub(crate) fn hex_signature_matches(
    expected: &str,
    received: &str,
) -> Result<(), crate::VerifyError> {
    let (expected, received) = (expected.to_ascii_lowercase(), received.to_ascii_lowercase());
    if constant_time_eq(expected.as_bytes(), received.as_bytes()) {
        Ok(())
    } else {
        Err(crate::VerifyError::Mismatch)
    }
}
