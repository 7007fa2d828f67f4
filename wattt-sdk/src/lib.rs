//! Rust SDK for the wattt payment gateway (being built; see the crate issue).
#![deny(missing_docs)]
