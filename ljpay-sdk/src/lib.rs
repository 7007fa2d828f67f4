//! Rust SDK for the ljpay payment gateway (being built; see the crate issue).
#![deny(missing_docs)]
