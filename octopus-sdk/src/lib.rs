//! Rust SDK for the octopus payment gateway (being built; see the crate issue).
#![deny(missing_docs)]
