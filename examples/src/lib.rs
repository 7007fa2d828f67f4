#![doc = include_str!("../../README.md")]
//!
//! This library target exists so that the README's snippets are compiled as doc tests; the
//! runnable programs are the binaries in `src/bin`.
#![deny(missing_docs)]
pub mod cli;
