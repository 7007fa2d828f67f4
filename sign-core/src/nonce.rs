use std::fmt;

use rand::RngCore;

/// A fresh nonce, kept on the stack: 32 lowercase hex characters (128 random bits).
///
/// The bits come from [`rand::thread_rng`]: a ChaCha12 CSPRNG per thread, seeded from the
/// operating system's RNG and reseeded from it after every 64 KiB of output (and after a
/// `fork`), so a nonce stays unpredictable without a system call per nonce. LJPay and Octopus
/// both want one per request attempt; a retry gets a new one.
///
/// `Debug` and `Display` print it: a nonce is public (it is sent in a header), not a secret.
///
/// ```
/// let n = sign_core::Nonce::new();
/// assert_eq!(n.as_str().len(), 32);
/// assert!(n.as_str().bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
/// assert_ne!(n, sign_core::Nonce::new());
/// assert_eq!(n.to_string(), n.as_str());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Nonce {
    hex: [u8; 32],
}

impl Nonce {
    /// Draws a new nonce.
    ///
    /// ```
    /// let (a, b) = (sign_core::Nonce::new(), sign_core::Nonce::new());
    /// assert_ne!(a.as_str(), b.as_str());
    /// ```
    // `Default` would suggest a fixed value; a nonce is never the same twice.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Nonce {
        let mut bytes = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut bytes);
        let mut hex = [0u8; 32];
        // Infallible: the output is exactly twice the input.
        let _ = hex::encode_to_slice(bytes, &mut hex);
        Nonce { hex }
    }

    /// The 32 hex characters.
    ///
    /// ```
    /// let n = sign_core::Nonce::new();
    /// assert!(n.as_str().chars().all(|c| c.is_ascii_hexdigit()));
    /// ```
    pub fn as_str(&self) -> &str {
        // Hex digits are ASCII; the fallback is never taken.
        std::str::from_utf8(&self.hex).unwrap_or_default()
    }
}

impl fmt::Debug for Nonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Nonce").field(&self.as_str()).finish()
    }
}

impl fmt::Display for Nonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A fresh nonce as a `String`: 32 lowercase hex characters (128 bits), drawn as
/// [`Nonce::new`] draws them (a per-thread CSPRNG seeded and reseeded from the operating
/// system). Where a `&str` will do, [`Nonce`] saves the allocation.
///
/// LJPay and Octopus both want one per request attempt; a retry gets a new one.
///
/// ```
/// let n = sign_core::new_nonce();
/// assert_eq!(n.len(), 32);
/// assert!(n.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
/// assert_ne!(n, sign_core::new_nonce());
/// ```
pub fn new_nonce() -> String {
    Nonce::new().as_str().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_distinct_hex_across_threads() {
        let mut seen = std::collections::HashSet::new();
        let handles: Vec<_> = (0..4)
            .map(|_| std::thread::spawn(|| (0..500).map(|_| Nonce::new()).collect::<Vec<_>>()))
            .collect();
        for h in handles {
            for n in h.join().unwrap() {
                assert_eq!(n.as_str().len(), 32);
                assert!(n
                    .as_str()
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
                assert!(seen.insert(n), "a nonce repeated: {n}");
            }
        }
    }
}
