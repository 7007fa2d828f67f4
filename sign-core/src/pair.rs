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

/// Parameter sets up to this size are sorted on the stack; bigger ones (far beyond any
/// gateway's field list) spill to the heap.
pub(crate) const INLINE: usize = 48;

/// Runs `f` over `items` gathered into a mutable slice, on the stack when they fit.
pub(crate) fn with_collected<T: Copy, R>(
    items: impl IntoIterator<Item = T>,
    fill: T,
    f: impl FnOnce(&mut [T]) -> R,
) -> R {
    let mut items = items.into_iter();
    let mut inline = [fill; INLINE];
    let mut n = 0;
    for slot in inline.iter_mut() {
        match items.next() {
            Some(item) => {
                *slot = item;
                n += 1;
            }
            None => return f(&mut inline[..n]),
        }
    }
    match items.next() {
        None => f(&mut inline),
        Some(more) => {
            let mut all = inline.to_vec();
            all.push(more);
            all.extend(items);
            f(&mut all)
        }
    }
}

/// Runs `f` over the `(name, value)` views of `params`, kept (and sortable) on the stack
/// when there are at most [`INLINE`] of them: signing and verifying need several passes over
/// a parameter set that may arrive as a one-shot iterator, and that should cost no heap.
pub(crate) fn with_pairs<I, R>(params: I, f: impl FnOnce(&mut [(&str, &str)]) -> R) -> R
where
    I: IntoIterator,
    I::Item: ParamPair,
{
    let mut params = params.into_iter();
    let mut inline: [Option<I::Item>; INLINE] = std::array::from_fn(|_| None);
    let mut n = 0;
    for slot in inline.iter_mut() {
        *slot = params.next();
        if slot.is_none() {
            break;
        }
        n += 1;
    }
    if n == INLINE {
        let spilled: Vec<I::Item> = params.collect();
        if !spilled.is_empty() {
            let mut views: Vec<(&str, &str)> = inline
                .iter()
                .flatten()
                .chain(&spilled)
                .map(|p| (p.name(), p.value()))
                .collect();
            return f(&mut views);
        }
    }
    // A plain indexed copy: the iterator chain this replaced cost more than the sort. A
    // form's worth of fields gets a third of the array, since filling all of it with
    // placeholders cost as much as the copy.
    if n <= SMALL {
        let mut views = [("", ""); SMALL];
        for (view, item) in views.iter_mut().zip(inline[..n].iter().flatten()) {
            *view = (item.name(), item.value());
        }
        return f(&mut views[..n]);
    }
    let mut views = [("", ""); INLINE];
    for (view, item) in views.iter_mut().zip(inline[..n].iter().flatten()) {
        *view = (item.name(), item.value());
    }
    f(&mut views[..n])
}

/// The size of the first stack array of views.
const SMALL: usize = 16;
