//! A service that follows its configuration in KV v2 as it changes, without restarting:
//! `Kv2::watch` polls the secret's metadata every interval (one request) and reads a new version
//! only when there is one; the service reads the current value from a `watch::Receiver`.
//!
//! Run it with `cargo xtask demo kv_watch` (starts a throwaway OpenBao dev server), or against
//! your own server with `VAULT_ADDR` and `VAULT_TOKEN` set: `cargo run --example kv_watch`. It
//! needs KV v2 at `secret/` (as dev servers have) and a token that may write there. It prints
//! what it did, never a secret value.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hashivault::kv::{KvEvent, KvWatch};
use hashivault::{Client, Error};
use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize, Deserialize)]
struct Config {
    database_url: String,
    password: String,
    pool_size: u32,
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let client = Client::from_env()?;
    let kv = client.kv2("secret");
    let run = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let path = format!("examples-kv-watch-{run}/config");
    let config = |pool_size: u32, password: &str| Config {
        database_url: "postgres://db.internal:5432/billing".into(),
        password: password.into(),
        pool_size,
    };

    // The operator writes the first version.
    kv.write(&path, &config(8, "s3cret-one")).await?;
    println!("operator: wrote version 1 of {path}");

    // The service watches it: every 500 ms (plus up to 10 % jitter).
    let interval = Duration::from_millis(500);
    let mut watcher = kv
        .watch::<Config>(&path, KvWatch::default().with_interval(interval))
        .await?;
    let mut current = watcher.watch();
    {
        let secret = current.borrow_and_update();
        println!(
            "service: started with version {}: pool_size {}, password {} characters",
            secret.metadata.version,
            secret.data.pool_size,
            secret.data.password.len()
        );
    }

    // The service's own task reacts to each new version (here: prints it).
    let follower = tokio::spawn(async move {
        let mut seen = Vec::new();
        // Ends when the watcher is dropped: the sender goes with its task.
        while current.changed().await.is_ok() {
            let secret = current.borrow_and_update();
            println!(
                "service: now at version {}: pool_size {}, password {} characters",
                secret.metadata.version,
                secret.data.pool_size,
                secret.data.password.len()
            );
            seen.push(secret.metadata.version);
        }
        seen
    });

    // The operator rotates the password, then resizes the pool.
    for (pool_size, password) in [(8, "s3cret-two"), (16, "s3cret-two")] {
        tokio::time::sleep(2 * interval).await;
        let written = kv.write(&path, &config(pool_size, password)).await?;
        println!("operator: wrote version {}", written.version);
        loop {
            match watcher.next_event().await {
                Some(KvEvent::Updated { version }) if version == written.version => {
                    println!("watcher: picked up version {version}");
                    break;
                }
                Some(KvEvent::Updated { .. }) => {}
                Some(other) => println!("watcher: {other:?}"),
                None => return Err(Error::Config("the watcher stopped".into())),
            }
        }
    }

    // A soft delete of the current version keeps the last good value.
    kv.delete_latest(&path).await?;
    println!("operator: soft-deleted the latest version");
    loop {
        match watcher.next_event().await {
            Some(KvEvent::VersionGone { version, destroyed }) => {
                println!(
                    "watcher: version {version} is gone (destroyed: {destroyed}); still serving version {}",
                    watcher.version()
                );
                break;
            }
            Some(other) => println!("watcher: {other:?}"),
            None => return Err(Error::Config("the watcher stopped".into())),
        }
    }

    // Shutdown: dropping the watcher stops its task; the follower sees the end.
    println!("service: {watcher:?}");
    drop(watcher);
    let seen = follower.await.expect("the follower task");
    println!("service: watcher dropped, follower ended after versions {seen:?}");

    kv.delete_metadata(&path).await?;
    println!("operator: deleted {path}");
    Ok(())
}
