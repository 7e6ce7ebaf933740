//! hashivault's main job, end to end against a real server.
//!
//! Run it with `cargo xtask demo` (starts a throwaway OpenBao dev server), or against your own
//! server with `VAULT_ADDR` and `VAULT_TOKEN` set: `cargo run --example quickstart`. It needs a
//! token allowed to enable auth methods and write policies (a dev server's root token), and KV v2
//! at `secret/` (as dev servers have).
//!
//! 1. writes, reads, lists and deletes secrets in KV v2, with a version history;
//! 2. enables userpass at a fresh mount, creates a user under a narrow policy;
//! 3. logs in as that user (the client captures the token);
//! 4. shows the permission-denied error the narrow policy gives;
//! 5. prints the token's own lookup.

use std::time::{SystemTime, UNIX_EPOCH};

use hashivault::{Client, Error};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct DbConfig {
    host: String,
    user: String,
    password: String,
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let admin = Client::from_env()?;
    let health = admin.sys_health().await?;
    println!(
        "connected to {} (version {}, sealed: {})",
        admin.address(),
        health.version,
        health.sealed
    );

    // A prefix of our own, so the example can run twice against the same server.
    let run = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let prefix = format!("quickstart-{run}");

    // 1. KV v2 at `secret/`: three versions of one secret, one more secret, a list, a delete.
    let kv = admin.kv2("secret");
    for (n, host) in ["db-1.internal", "db-2.internal", "db-3.internal"]
        .iter()
        .enumerate()
    {
        let written = kv
            .write(
                &format!("{prefix}/db"),
                &DbConfig {
                    host: host.to_string(),
                    user: "app".into(),
                    password: format!("s3cret-{n}"),
                },
            )
            .await?;
        println!("wrote {prefix}/db version {}", written.version);
    }
    kv.write(
        &format!("{prefix}/api"),
        &serde_json::json!({"key": "k-123"}),
    )
    .await?;

    let latest = kv.read::<DbConfig>(&format!("{prefix}/db")).await?;
    println!(
        "read {prefix}/db: host {} (version {}, written {})",
        latest.data.host, latest.metadata.version, latest.metadata.created_time
    );
    let first = kv
        .read_version::<DbConfig>(&format!("{prefix}/db"), 1)
        .await?;
    println!("version 1 had host {}", first.data.host);
    let metadata = kv.read_metadata(&format!("{prefix}/db")).await?;
    // Vault keys the versions by their number as text, in no order.
    let mut versions: Vec<u64> = metadata
        .versions
        .keys()
        .filter_map(|v| v.parse().ok())
        .collect();
    versions.sort_unstable();
    println!(
        "{prefix}/db has versions {versions:?}, current {}",
        metadata.current_version
    );
    println!("list {prefix}/: {:?}", kv.list(&prefix).await?);
    kv.delete_latest(&format!("{prefix}/api")).await?;
    match kv.read::<serde_json::Value>(&format!("{prefix}/api")).await {
        Err(e) if e.is_not_found() => println!("{prefix}/api is deleted: {e}"),
        Err(e) => return Err(e),
        Ok(_) => println!("{prefix}/api unexpectedly still readable"),
    }

    // 2. userpass at a fresh mount, a user who may only read `secret/data/<prefix>/db`.
    let mount = format!("{prefix}-userpass");
    let policy = format!("{prefix}-reader");
    admin
        .api()
        .auth_enable_method()
        .path(&mount)
        .body_map(|b| b.type_("userpass"))
        .send()
        .await?;
    admin
        .api()
        .policies_write_acl_policy()
        .name(&policy)
        .body_map(|b| {
            b.policy(format!(
                "path \"secret/data/{prefix}/db\" {{ capabilities = [\"read\"] }}\n"
            ))
        })
        .send()
        .await?;
    admin
        .api()
        .userpass_write_user()
        .userpass_mount_path(&mount)
        .username("alice")
        .body_map(|b| {
            b.password(hashivault::Sensitive::from("correct horse battery"))
                .token_policies(vec![policy.clone()])
                .token_ttl("15m")
        })
        .send()
        .await?;
    println!("enabled userpass at auth/{mount}/ and created alice under policy {policy}");

    // 3. Log in as alice: the new client keeps her token for every later call.
    let alice = Client::builder().address(admin.address()).build()?;
    let auth = alice
        .auth()
        .userpass(&mount, "alice", "correct horse battery")
        .await?;
    println!(
        "alice logged in: policies {:?}, ttl {}s, accessor {}",
        auth.policies, auth.lease_duration, auth.accessor
    );
    let mine = alice
        .kv2("secret")
        .read::<DbConfig>(&format!("{prefix}/db"))
        .await?;
    println!("alice reads {prefix}/db: host {}", mine.data.host);

    // 4. The narrow policy in action.
    match alice
        .kv2("secret")
        .write(
            &format!("{prefix}/db"),
            &serde_json::json!({"host": "evil"}),
        )
        .await
    {
        Err(e) if e.is_permission_denied() => println!("alice may not write: {e}"),
        Err(e) => return Err(e),
        Ok(_) => println!("alice unexpectedly wrote"),
    }

    // 5. The token's own lookup.
    let me = alice.auth().lookup_self().await?;
    println!(
        "alice's token: display name {}, policies {:?}, ttl {}s, renewable {}",
        me.display_name, me.policies, me.ttl, me.renewable
    );
    Ok(())
}
