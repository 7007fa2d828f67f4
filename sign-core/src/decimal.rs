//! Integers in decimal on the stack, for signed timestamps that go both into a signature and
//! into a header or body.

/// `n` in decimal, as `i64::to_string` (and serde_json, for a number) writes it, into `buf`
/// (20 bytes hold `i64::MIN`), without the formatting machinery or an allocation.
///
/// ```
/// let mut buf = [0u8; 20];
/// assert_eq!(sign_core::decimal(-1_700_000_000, &mut buf), "-1700000000");
/// assert_eq!(sign_core::decimal(i64::MIN, &mut buf), i64::MIN.to_string());
/// ```
pub fn decimal(n: i64, buf: &mut [u8; 20]) -> &str {
    let mut at = buf.len();
    let mut rest = n.unsigned_abs();
    loop {
        at -= 1;
        // A digit: always below 10.
        buf[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if n < 0 {
        at -= 1;
        buf[at] = b'-';
    }
    std::str::from_utf8(&buf[at..]).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::decimal;

    /// Against `i64::to_string` (the text both the LJPay and Wattt signatures were made of).
    #[test]
    fn decimal_is_to_string() {
        let mut buf = [0u8; 20];
        for n in [
            0,
            7,
            -1,
            9,
            10,
            -10,
            42,
            1_700_000_000,
            1_782_347_899,
            i64::MAX,
            i64::MIN,
        ] {
            assert_eq!(decimal(n, &mut buf), n.to_string());
        }
    }
}
