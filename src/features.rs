//! # Operations by feature
//!
#![doc = include_str!("../docs/operations.md")]
