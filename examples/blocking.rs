//! The blocking client: the same calls from a plain `fn main`, no async runtime of your own.
//!
//! Needs the `blocking` feature. Run it with `cargo xtask demo blocking` (starts a throwaway
//! OpenBao dev server), or against your own server with `VAULT_ADDR` and `VAULT_TOKEN` set:
//! `cargo run --example blocking --features blocking`. It needs KV v2 at `secret/`. It prints
//! what it did, never a token or secret value.

use std::time::{SystemTime, UNIX_EPOCH};

use hashivault::blocking::Wait;
use hashivault::{Client, Error};

fn main() -> Result<(), Error> {
    let client = Client::from_env()?;

    // Handwritten helpers.
    let health = client.sys_health().wait()?;
    println!(
        "connected to {} (version {}, sealed: {})",
        client.address(),
        health.version,
        health.sealed
    );
    let run = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let path = format!("examples-blocking-{run}/settings");
    let kv = client.kv2("secret");
    let written = kv
        .write(
            &path,
            &serde_json::json!({"api_key": "s3cret-api-key", "region": "eu-1"}),
        )
        .wait()?;
    println!("wrote {path} version {}", written.version);
    let read = kv.read::<serde_json::Value>(&path).wait()?;
    println!(
        "read {path} version {}: region {}",
        read.metadata.version, read.data["region"]
    );

    // A generated operation.
    let mounts = client.api().mounts_list_secrets_engines().send().wait()?;
    // A map from mount path to the typed mount (learned from real answers: spec/overlays).
    let data = mounts.into_data()?.0;
    let mut names: Vec<&String> = data.keys().collect();
    names.sort();
    let names: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
    println!("generated mounts_list_secrets_engines: {}", names.join(" "));

    // Several threads share one client.
    let versions: Vec<u64> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let client = client.clone();
                let path = path.clone();
                scope.spawn(move || {
                    client
                        .kv2("secret")
                        .read::<serde_json::Value>(&path)
                        .wait()
                        .map(|s| s.metadata.version)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("reader thread"))
            .collect::<Result<_, _>>()
    })?;
    println!("4 threads read version {:?}", versions);

    kv.delete_metadata(&path).wait()?;
    println!("deleted {path}");
    Ok(())
}
