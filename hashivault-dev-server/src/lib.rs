//! A throwaway OpenBao (or Vault) dev server: finding or installing the binary ([`binary`]),
//! starting it on a free loopback port and always stopping it ([`process`]), and the bit of
//! HTTP/1.1 that waits for it ([`http`]).
//!
//! The machinery behind `hashivault::testing` (the library's `testing` feature) and
//! `cargo xtask dev | test | demo`; std only. Not a stable API: use `hashivault::testing`.

pub mod binary;
pub mod http;
pub mod process;

use std::sync::atomic::AtomicBool;

/// Checked by every start-up wait; `cargo xtask` sets it on Ctrl-C / SIGTERM, the library never.
pub static INTERRUPTED: AtomicBool = AtomicBool::new(false);
