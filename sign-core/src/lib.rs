//! Pure signing.
#![deny(missing_docs)]
