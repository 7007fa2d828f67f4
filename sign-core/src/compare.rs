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
