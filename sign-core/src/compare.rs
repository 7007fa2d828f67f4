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

/// Checks a received digest (already decoded from its hex) against the computed one in
/// constant time: the bytes are XOR-folded a word at a time, and only the folded word goes
/// through `subtle`, so 32 bytes cost four XORs and one optimisation barrier instead of one
/// barrier per byte.
pub(crate) fn digest_matches(expected: &[u8], received: &[u8]) -> Result<(), crate::VerifyError> {
    let mut diff = (expected.len() ^ received.len()) as u64;
    let (a, b) = (expected.chunks_exact(8), received.chunks_exact(8));
    let (tail_a, tail_b) = (a.remainder(), b.remainder());
    for (x, y) in a.zip(b) {
        diff |= word(x) ^ word(y);
    }
    for (x, y) in tail_a.iter().zip(tail_b) {
        diff |= u64::from(x ^ y);
    }
    if bool::from(diff.ct_eq(&0)) {
        Ok(())
    } else {
        Err(crate::VerifyError::Mismatch)
    }
}

fn word(bytes: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(bytes);
    u64::from_le_bytes(w)
}
