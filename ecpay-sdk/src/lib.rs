//! Rust SDK for the ecpay payment gateway (being built; see the crate issue).
#![deny(missing_docs)]
