/// One `(name, value)` parameter, owned or borrowed, so signing functions accept
/// `[("a", "1")]`, `Vec<(String, String)>`, `&Vec<(String, String)>`, a `BTreeMap` or a
/// `HashMap` alike.
///
/// ```
/// use std::collections::BTreeMap;
/// use sign_core::{ecpay::{check_mac_value, HashAlgorithm}, Secret};
/// let (k, iv) = (Secret::from("k"), Secret::from("v"));
/// let owned = vec![("a".to_string(), "1".to_string())];
/// let map: BTreeMap<&str, &str> = [("a", "1")].into();
/// assert_eq!(
///     check_mac_value(&owned, &k, &iv, HashAlgorithm::Md5),
///     check_mac_value(&map, &k, &iv, HashAlgorithm::Md5),
/// );
/// ```
pub trait ParamPair {
    /// The parameter name.
    fn name(&self) -> &str;
    /// The parameter value.
    fn value(&self) -> &str;
}

impl<K: AsRef<str>, V: AsRef<str>> ParamPair for (K, V) {
    fn name(&self) -> &str {
        self.0.as_ref()
    }
    fn value(&self) -> &str {
        self.1.as_ref()
    }
}

impl<K: AsRef<str>, V: AsRef<str>> ParamPair for &(K, V) {
    fn name(&self) -> &str {
        self.0.as_ref()
    }
    fn value(&self) -> &str {
        self.1.as_ref()
    }
}
