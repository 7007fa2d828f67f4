//! The error vocabulary the four SDK crates share, written once.
//!
//! Every SDK crate has one `#[non_exhaustive]` thiserror `Error` enum. The variants a caller
//! meets in every crate (configuration, validation, rate limit, unknown outcome, conflict,
//! signature, decode, transport, timeout, replay store) have the same names, the same fields, the same
//! docs and the same wording of their message in all four; [`sdk_error!`](crate::sdk_error!)
//! writes them, with the classification [`ErrorKind`](crate::policy::ErrorKind) of each, so that
//! a crate's `error.rs` holds only what is its gateway's own: its typed API code, its extra
//! variants and their kind.
//!
//! The messages, for every crate (`{gateway}` is the crate's gateway, `{context}` and `{hint}`
//! the crate's own text, see the macro):
//!
//! | variant | message |
//! |---|---|
//! | `Config { field, reason }` | ``configuration: `{field}` {reason}`` |
//! | `Validation { field, reason }` | ``invalid `{field}`: {reason}`` |
//! | `RateLimited { retry_after, .. }` | `rate limited by {gateway}{context}; it asked to retry after {n} s` (or `; it gave no Retry-After`) |
//! | `OutcomeUnknown { operation, reference, reason }` | ``{operation} for `{reference}` may or may not have taken effect ({reason}); look it up before repeating it`` |
//! | `Conflict { operation, reference, reason }` | ``{operation} for `{reference}` conflicts with an existing record: {reason}`` |
//! | `Signature(VerifyError)` | `signature verification failed: {error}` (and `; {hint}` on a mismatch) |
//! | `Decode { reason, body_snippet }` | `could not decode: {reason}; body starts {body_snippet:?}` (quoted, escaped); an answer over the body cap: `the {operation} answer exceeds the {cap}-byte cap` |
//! | `Transport { source }` | `transport error: {source}` |
//! | `Timeout { operation, after }` | `{operation}: no complete answer from {gateway} within {ms} ms` |
//! | `StoreUnavailable { reason }` | `replay store unavailable: {reason}` |

use std::fmt;
use std::time::Duration;

use crate::VerifyError;

/// The start of a response body for an error message: at most `max_chars` characters, decoded
/// lossily, with `…` when something was cut off. Reads no more of `body` than it keeps.
///
/// ```
/// use sign_core::sdk_error::body_snippet;
/// assert_eq!(body_snippet(b"short", 200), "short");
/// assert_eq!(body_snippet("綠綠綠".as_bytes(), 2), "綠綠…");
/// assert_eq!(body_snippet(b"\xffok", 10), "\u{fffd}ok");
/// ```
pub fn body_snippet(body: &[u8], max_chars: usize) -> String {
    // A character is at most four bytes: one more character's bytes tell whether any is cut.
    let head = &body[..body
        .len()
        .min(max_chars.saturating_add(1).saturating_mul(4))];
    let text = String::from_utf8_lossy(head);
    let mut chars = text.chars();
    let mut out: String = chars.by_ref().take(max_chars).collect();
    if chars.next().is_some() || head.len() < body.len() {
        out.push('…');
    }
    out
}

/// Why an answer could not be read when it is longer than the body cap (the `reason` of the
/// `Decode` error every SDK crate gives for it).
///
/// ```
/// use sign_core::sdk_error::over_cap_reason;
/// assert_eq!(over_cap_reason("orders.get", 1000), "the orders.get answer exceeds the 1000-byte cap");
/// ```
pub fn over_cap_reason(operation: &str, cap: usize) -> String {
    format!("the {operation} answer exceeds the {cap}-byte cap")
}

/// The end of a `RateLimited` message: what the server asked for, never `Some(..)`.
///
/// ```
/// use std::time::Duration;
/// use sign_core::sdk_error::RetryAfterText;
/// assert_eq!(RetryAfterText(Some(Duration::from_secs(30))).to_string(), "it asked to retry after 30 s");
/// assert_eq!(RetryAfterText(None).to_string(), "it gave no Retry-After");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RetryAfterText(pub Option<Duration>);

impl fmt::Display for RetryAfterText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(d) => write!(f, "it asked to retry after {} s", d.as_secs()),
            None => f.write_str("it gave no Retry-After"),
        }
    }
}

/// A verification failure for a `Signature` message, with the crate's hint of what to check
/// after a mismatch (never anything about the expected value or the keys).
///
/// ```
/// use sign_core::{sdk_error::SignatureText, VerifyError};
/// let hint = "check the key";
/// assert_eq!(SignatureText(&VerifyError::Mismatch, hint).to_string(), "signature does not match; check the key");
/// let missing = VerifyError::MissingField("sign".into());
/// assert!(!SignatureText(&missing, hint).to_string().contains(hint));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct SignatureText<'a>(pub &'a VerifyError, pub &'static str);

impl fmt::Display for SignatureText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            VerifyError::Mismatch if !self.1.is_empty() => write!(f, "{}; {}", self.0, self.1),
            other => write!(f, "{other}"),
        }
    }
}

/// Writes an SDK crate's `Error` enum: the variants every crate shares (see the
/// [module](mod@crate::sdk_error)), then the crate's own, and `kind()` with the shared arms.
///
/// The input names, in this order: the gateway (for messages and docs), the type of
/// `Validation`'s `field`, the type of `Transport`'s `source`, the hint a signature mismatch
/// adds (`""` for none), what `operation` and `reference` are in this crate (docs of
/// `OutcomeUnknown` and `Conflict`), `RateLimited`'s fields beside `retry_after` with the text
/// they add to its message (a format string over those fields), the crate's own variants (with
/// their `#[error]`), and after the enum the docs of `kind()` and its arms for the crate's own
/// variants. The enum derives `Debug` and `thiserror::Error` (the crate depends on
/// `thiserror`) and is `#[non_exhaustive]`.
///
/// ```
/// use sign_core::policy::ErrorKind;
///
/// sign_core::sdk_error! {
///     /// Everything that can go wrong.
///     pub enum Error {
///         gateway: "Acme",
///         validation_field: &'static str,
///         transport_source: std::io::Error,
///         mismatch_hint: "check that the key is this merchant's",
///         operation: "`create`",
///         reference: "the order number",
///         rate_limited: {
///             /// HTTP status (429).
///             status: u16,
///         } => " (HTTP {status})",
///         own {
///             /// Acme refused the request.
///             #[error("Acme refused: {message}")]
///             Api {
///                 /// What it said.
///                 message: String,
///             },
///         }
///     }
///     /// How to treat this error.
///     kind {
///         Self::Api { .. } => ErrorKind::Caller,
///     }
/// }
///
/// let e = Error::RateLimited { retry_after: None, status: 429 };
/// assert_eq!(e.to_string(), "rate limited by Acme (HTTP 429); it gave no Retry-After");
/// assert_eq!(e.kind(), ErrorKind::Throttled);
/// let e = Error::Signature(sign_core::VerifyError::Mismatch);
/// assert_eq!(e.to_string(), "signature verification failed: signature does not match; check that the key is this merchant's");
/// assert_eq!(Error::Api { message: "no".into() }.kind(), ErrorKind::Caller);
/// ```
#[macro_export]
macro_rules! sdk_error {
    (
        $(#[$enum_attr:meta])*
        $vis:vis enum $Error:ident {
            gateway: $gateway:literal,
            validation_field: $field_ty:ty,
            transport_source: $transport:ty,
            mismatch_hint: $hint:literal,
            operation: $operation_doc:literal,
            reference: $reference_doc:literal,
            rate_limited: {
                $( $(#[$rl_attr:meta])* $rl_field:ident : $rl_ty:ty ),* $(,)?
            } => $rl_text:literal,
            own { $($own:tt)* }
        }
        $(#[$kind_attr:meta])*
        kind { $($kind:tt)* }
    ) => {
        $(#[$enum_attr])*
        #[derive(Debug, ::thiserror::Error)]
        #[non_exhaustive]
        $vis enum $Error {
            /// The client or verifier is configured wrongly (checked when it is built): a bad
            /// base URL, an empty credential, a missing setting.
            #[error("configuration: `{field}` {reason}")]
            Config {
                /// The setting at fault, as the builder names it.
                field: &'static str,
                /// What is wrong with it.
                reason: ::std::string::String,
            },

            /// A parameter broke a documented rule: nothing was sent.
            #[error("invalid `{field}`: {reason}")]
            Validation {
                /// The field at fault, as named on the wire.
                field: $field_ty,
                /// The rule it broke.
                reason: ::std::string::String,
            },

            #[doc = concat!(
                $gateway, " refused for rate and its `Retry-After` did not fit the retry ",
                "policy's budget (or the attempts were used up). Nothing was done: call again ",
                "after `retry_after`."
            )]
            #[error(
                "rate limited by {}{}; {}",
                $gateway,
                format_args!($rl_text),
                $crate::sdk_error::RetryAfterText(*retry_after)
            )]
            RateLimited {
                /// The server's `Retry-After` (seconds or HTTP-date), when it sent one.
                retry_after: ::std::option::Option<::std::time::Duration>,
                $( $(#[$rl_attr])* $rl_field: $rl_ty, )*
            },

            /// A money-moving call was sent and its result is unknown (a timeout, a lost
            /// connection, a 5xx, an unreadable answer), and no lookup settled it. It MAY have
            /// taken effect: look it up by `reference` before repeating it, and never repeat it
            /// under a new reference. Never retried by the SDK.
            #[error("{operation} for `{reference}` may or may not have taken effect ({reason}); look it up before repeating it")]
            OutcomeUnknown {
                #[doc = concat!("The operation: ", $operation_doc, ".")]
                operation: &'static str,
                #[doc = concat!("The merchant reference: ", $reference_doc, ".")]
                reference: ::std::string::String,
                /// What happened (and what the lookup said).
                reason: ::std::string::String,
            },

            /// A lookup after an unknown outcome found a record with the same merchant
            /// reference but another amount or state: it is not this call's success.
            #[error("{operation} for `{reference}` conflicts with an existing record: {reason}")]
            Conflict {
                #[doc = concat!("The operation whose outcome was being settled: ", $operation_doc, ".")]
                operation: &'static str,
                #[doc = concat!("The merchant reference: ", $reference_doc, ".")]
                reference: ::std::string::String,
                /// How the record differs from the request.
                reason: ::std::string::String,
            },

            #[doc = concat!(
                "A callback or a signed answer failed verification (a field or header missing ",
                "or malformed, a signature mismatch, a timestamp outside the window, another ",
                "merchant): never act on it. Says which check failed, never the expected value."
            )]
            #[error(
                "signature verification failed: {}",
                $crate::sdk_error::SignatureText(.0, $hint)
            )]
            Signature(#[from] $crate::VerifyError),

            /// An answer or a correctly signed callback could not be read (a field missing or
            /// malformed, not the expected format): distinct from a bad signature.
            #[error("could not decode: {reason}; body starts {body_snippet:?}")]
            Decode {
                /// What is missing or malformed, and where.
                reason: ::std::string::String,
                /// The start of the body (cut short).
                body_snippet: ::std::string::String,
            },

            /// The request could not be sent, or a query's answer did not arrive (a call that
            /// is safe to repeat; a money-moving call is `OutcomeUnknown` instead).
            #[error("transport error: {source}")]
            Transport {
                /// The underlying error.
                #[source]
                source: $transport,
            },

            #[doc = concat!(
                "No complete answer from ", $gateway, " within `after`, on every attempt, for a ",
                "call that is safe to repeat (a money-moving call is `OutcomeUnknown` instead); ",
                "or a wait for a state (a final payment status) that ran out."
            )]
            #[error("{operation}: no complete answer from {} within {} ms", $gateway, .after.as_millis())]
            Timeout {
                #[doc = concat!("The operation: ", $operation_doc, ".")]
                operation: &'static str,
                /// The time that ran out (the per-attempt timeout, or the wait's).
                after: ::std::time::Duration,
            },

            #[doc = concat!(
                "The replay store (memory or Redis) did not answer: answer the callback with a ",
                "5xx so that ", $gateway, " delivers it again later. Never an accept, never a ",
                "bad signature."
            )]
            #[error("replay store unavailable: {reason}")]
            StoreUnavailable {
                /// What the store said.
                reason: ::std::string::String,
            },

            $($own)*
        }

        impl $Error {
            /// The error for an answer longer than the client's body cap: one wording in
            /// every crate, naming the operation and the cap. (A money-moving call's caller
            /// turns it into `OutcomeUnknown`: the call may have taken effect.)
            pub(crate) fn over_cap(operation: &str, cap: usize) -> Self {
                Self::Decode {
                    reason: $crate::sdk_error::over_cap_reason(operation, cap),
                    body_snippet: ::std::string::String::new(),
                }
            }

            $(#[$kind_attr])*
            pub fn kind(&self) -> $crate::policy::ErrorKind {
                match self {
                    Self::Config { .. } | Self::Validation { .. } | Self::Conflict { .. } => {
                        $crate::policy::ErrorKind::Caller
                    }
                    Self::RateLimited { .. } => $crate::policy::ErrorKind::Throttled,
                    Self::OutcomeUnknown { .. } => $crate::policy::ErrorKind::OutcomeUnknown,
                    Self::Signature(_) | Self::Decode { .. } => $crate::policy::ErrorKind::Rejected,
                    Self::Transport { .. } | Self::Timeout { .. } | Self::StoreUnavailable { .. } => {
                        $crate::policy::ErrorKind::Transient
                    }
                    $($kind)*
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_cuts_on_a_char_boundary_and_marks_the_cut() {
        let cases: [(&str, &[u8], usize, &str); 5] = [
            ("short", b"short", 200, "short"),
            ("exactly the cap", b"abc", 3, "abc"),
            ("one over", b"abcd", 3, "abc\u{2026}"),
            ("empty", b"", 3, ""),
            ("multibyte", "測測測測".as_bytes(), 2, "測測\u{2026}"),
        ];
        for (name, body, max, want) in cases {
            assert_eq!(body_snippet(body, max), want, "case {name}");
        }
        let long = "綠".repeat(500);
        let s = body_snippet(long.as_bytes(), 200);
        assert_eq!(s.chars().count(), 201, "long");
        assert!(s.ends_with('…'), "long");
    }
}
