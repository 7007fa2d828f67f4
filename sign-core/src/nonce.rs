use rand::RngCore;

/// A fresh nonce: 32 lowercase hex characters (128 bits) from the operating system's RNG.
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
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}
