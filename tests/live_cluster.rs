//! Read-your-writes against a real 3-node OpenBao raft cluster.
//!
//! Needs `HASHIVAULT_CLUSTER_ADDRS` (comma-separated node addresses, the active node first)
//! and `HASHIVAULT_CLUSTER_TOKEN`, and a KV v1 mount at `kv/`; skipped without them (`cargo
//! xtask` does not start a cluster yet, so `HASHIVAULT_REQUIRE_LIVE` does not make this fail).

use std::time::Duration;

use hashivault::reqwest::Method;
use hashivault::{Client, RetryPolicy};
use serde_json::json;

fn cluster() -> Option<(Vec<String>, String)> {
    let addrs = std::env::var("HASHIVAULT_CLUSTER_ADDRS").ok()?;
    let token = std::env::var("HASHIVAULT_CLUSTER_TOKEN").ok()?;
    let addrs: Vec<String> = addrs.split(',').map(|a| a.trim().to_string()).collect();
    (addrs.len() >= 3).then_some((addrs, token))
}

fn node(addr: &str, token: &str, read_your_writes: bool) -> Client {
    Client::builder()
        .address(addr)
        .token(token)
        .read_your_writes(read_your_writes)
        .retry_policy(RetryPolicy {
            max_retries: 4,
            ..RetryPolicy::default()
        })
        .deadline(Duration::from_secs(15))
        .build()
        .unwrap()
}

/// Writes through one standby and reads through the other, `rounds` times; the stale reads.
async fn stale_reads(writer: &Client, reader: &Client, tag: &str, rounds: usize) -> usize {
    let mut stale = 0;
    for i in 0..rounds {
        let path = format!("kv/rw-{tag}-{i}");
        let _: hashivault::Envelope = writer
            .request(Method::POST, &path, Some(&json!({"v": i})))
            .await
            .unwrap();
        match reader
            .request::<hashivault::JsonMap, ()>(Method::GET, &path, None)
            .await
        {
            Ok(env) if env.data.as_ref().and_then(|d| d.get("v")) == Some(&json!(i)) => {}
            Ok(_) => stale += 1,
            Err(e) if e.is_not_found() => stale += 1,
            Err(e) => panic!("read {path}: {e}"),
        }
    }
    stale
}

#[tokio::test]
async fn read_your_writes_on_a_standby() {
    let Some((addrs, token)) = cluster() else {
        eprintln!("skipped: HASHIVAULT_CLUSTER_ADDRS / HASHIVAULT_CLUSTER_TOKEN not set");
        return;
    };
    let tag = std::process::id().to_string();
    let rounds = 40;
    // One client on a standby: its writes are forwarded to the active node, its reads served
    // by the standby itself.
    let mut figures = Vec::new();
    for standby in &addrs[1..] {
        let plain = node(standby, &token, false);
        let off = stale_reads(&plain, &plain, &format!("{tag}-off"), rounds).await;
        let consistent = node(standby, &token, true);
        let on = stale_reads(&consistent, &consistent, &format!("{tag}-on"), rounds).await;
        figures.push(format!(
            "{standby}: {off}/{rounds} stale without read_your_writes, {on}/{rounds} with it"
        ));
        assert_eq!(on, 0, "{figures:?}");
    }
    eprintln!(
        "figures: write then read through one standby: {}",
        figures.join("; ")
    );
}
