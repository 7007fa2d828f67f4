use subtle::ConstantTimeEq;

use crate::hmac_hex::hex_into;

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

/// Longest hex signature folded on the stack (a 64-byte digest); longer ones are refused by
/// every caller's format check before they get here, and still compare correctly.
const STACK_HEX: usize = 128;

/// `s` lowercased into `buf`, or on the heap when it does not fit.
fn lowercased<'b>(s: &str, buf: &'b mut [u8; STACK_HEX], heap: &'b mut Vec<u8>) -> &'b [u8] {
    if s.len() <= STACK_HEX {
        let out = &mut buf[..s.len()];
        out.copy_from_slice(s.as_bytes());
        out.make_ascii_lowercase();
        out
    } else {
        *heap = s.to_ascii_lowercase().into_bytes();
        heap
    }
}

/// Checks a received hex signature against the expected one in constant time, whatever the
/// letter case of either.
pub(crate) fn hex_signature_matches(
    expected: &str,
    received: &str,
) -> Result<(), crate::VerifyError> {
    let (mut a, mut b) = ([0u8; STACK_HEX], [0u8; STACK_HEX]);
    let (mut heap_a, mut heap_b) = (Vec::new(), Vec::new());
    let expected = lowercased(expected, &mut a, &mut heap_a);
    let received = lowercased(received, &mut b, &mut heap_b);
    if constant_time_eq(expected, received) {
        Ok(())
    } else {
        Err(crate::VerifyError::Mismatch)
    }
}

/// Checks a received hex signature (either letter case) against a digest, in constant time
/// and without rendering the expected value as a string.
pub(crate) fn hex_digest_matches(digest: &[u8], received: &str) -> Result<(), crate::VerifyError> {
    let (expected, n) = hex_into(digest, false);
    let mut buf = [0u8; STACK_HEX];
    let mut heap = Vec::new();
    let received = lowercased(received, &mut buf, &mut heap);
    if constant_time_eq(&expected[..n], received) {
        Ok(())
    } else {
        Err(crate::VerifyError::Mismatch)
    }
}
