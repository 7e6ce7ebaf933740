#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

// The generated code names this crate's own types (`hashivault::Envelope`) by crate path.
extern crate self as hashivault;

pub mod api;
mod envelope;
mod transport;

pub use envelope::{Envelope, VaultDuration};
