//! Shared by the test files: the live server convention and unique names.
//!
//! Live tests read `VAULT_ADDR` and `VAULT_TOKEN`. Without them a live test prints why and
//! returns; with `HASHIVAULT_REQUIRE_LIVE=1` (set by `cargo xtask test` and CI) a missing server
//! is a failure, so a skip can never pass for a pass.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

/// A root client for the live server, or `None` (after printing why) when there is none.
pub fn live_client(test: &str) -> Option<hashivault::Client> {
    let addr = std::env::var("VAULT_ADDR").ok().filter(|v| !v.is_empty());
    let token = std::env::var("VAULT_TOKEN").ok().filter(|v| !v.is_empty());
    let required = std::env::var("HASHIVAULT_REQUIRE_LIVE").is_ok_and(|v| v == "1");
    match (addr, token) {
        (Some(addr), Some(token)) => Some(
            hashivault::Client::builder()
                .address(addr)
                .token(token)
                .build()
                .expect("a client for the live server"),
        ),
        _ if required => panic!(
            "{test}: HASHIVAULT_REQUIRE_LIVE=1 but VAULT_ADDR/VAULT_TOKEN are not set"
        ),
        _ => {
            eprintln!("SKIPPED {test}: no live server (set VAULT_ADDR and VAULT_TOKEN, or run `cargo xtask test`)");
            None
        }
    }
}

/// A name unique to this test run and call, for mounts, paths and policies.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}-{}-{n}-{nanos:x}", std::process::id())
}
