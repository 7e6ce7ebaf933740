//! KV v2 end to end: versions, check-and-set, patch, soft delete, undelete, destroy, metadata.
//!
//! Run it with `cargo xtask demo kv` (starts a throwaway OpenBao dev server), or against your own
//! server with `VAULT_ADDR` and `VAULT_TOKEN` set: `cargo run --example kv`. It needs KV v2 at
//! `secret/` (as dev servers have) and a token that may write there. It prints what it did, never
//! a secret value.

use std::time::{SystemTime, UNIX_EPOCH};

use hashivault::kv::{MetadataUpdate, ReadOutcome};
use hashivault::{Client, Error};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct ApiKey {
    key: String,
    owner: String,
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let client = Client::from_env()?;
    let kv = client.kv2("secret");
    let run = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let path = format!("examples-kv-{run}/api-key");

    // Metadata first: keep 5 versions and tag the secret, before any data exists.
    kv.write_metadata(
        &path,
        &MetadataUpdate::new()
            .max_versions(5)
            .custom_metadata("owner", "team-a"),
    )
    .await?;
    println!("set metadata of {path}: max_versions 5, custom_metadata owner=team-a");

    // Three versions.
    for n in 1..=3 {
        let written = kv
            .write(
                &path,
                &ApiKey {
                    key: format!("s3cret-key-{n}"),
                    owner: "team-a".into(),
                },
            )
            .await?;
        println!("wrote {path} version {}", written.version);
    }

    // Check-and-set: a write against a stale version is refused.
    match kv
        .write_cas(&path, &serde_json::json!({"key": "s3cret-stale"}), 1)
        .await
    {
        Err(e) => println!("check-and-set against version 1 refused: {e}"),
        Ok(v) => println!("check-and-set unexpectedly wrote version {}", v.version),
    }
    let cas = kv
        .write_cas(
            &path,
            &ApiKey {
                key: "s3cret-key-4".into(),
                owner: "team-a".into(),
            },
            3,
        )
        .await?;
    println!(
        "check-and-set against version 3 wrote version {}",
        cas.version
    );

    // Patch: merge one field into the latest version (a new version).
    let patched = kv
        .patch(&path, &serde_json::json!({"owner": "team-b"}))
        .await?;
    let latest = kv.read::<ApiKey>(&path).await?;
    println!(
        "patched owner: version {} has owner {} (key kept, {} characters)",
        patched.version,
        latest.data.owner,
        latest.data.key.len()
    );

    // An older version is still readable.
    let first = kv.read_version::<ApiKey>(&path, 1).await?;
    println!(
        "version 1 still readable: owner {}, written {}",
        first.data.owner, first.metadata.created_time
    );

    // Soft delete version 2, see it deleted, undelete it.
    kv.delete_versions(&path, &[2]).await?;
    match kv.read_version_outcome::<ApiKey>(&path, 2).await? {
        ReadOutcome::Deleted(meta) => println!(
            "soft-deleted version 2 (deletion_time {})",
            meta.deletion_time.unwrap_or_default()
        ),
        other => println!("version 2 after delete: unexpected {other:?}"),
    }
    kv.undelete_versions(&path, &[2]).await?;
    let back = kv.read_version::<ApiKey>(&path, 2).await?;
    println!(
        "undeleted version 2: readable again (owner {})",
        back.data.owner
    );

    // Destroy version 1 for good.
    kv.destroy_versions(&path, &[1]).await?;
    match kv.read_version_outcome::<ApiKey>(&path, 1).await? {
        ReadOutcome::Destroyed(_) => println!("destroyed version 1: its data is gone"),
        other => println!("version 1 after destroy: unexpected {other:?}"),
    }

    // Soft delete the latest version.
    kv.delete_latest(&path).await?;
    match kv.read::<ApiKey>(&path).await {
        Err(e) if e.is_kv_deleted_version() => println!("soft-deleted the latest version"),
        Err(e) => return Err(e),
        Ok(_) => println!("latest version unexpectedly still readable"),
    }

    // Metadata: every version and its state.
    let metadata = kv.read_metadata(&path).await?;
    println!(
        "metadata: current_version {}, oldest_version {}, max_versions {}, custom_metadata {:?}",
        metadata.current_version,
        metadata.oldest_version,
        metadata.max_versions,
        metadata.custom_metadata
    );
    // `versions` is keyed by the version number as a string, in no order: print them in order.
    let mut versions: Vec<_> = metadata.versions.iter().collect();
    versions.sort_by_key(|(version, _)| version.parse::<u64>().unwrap_or(u64::MAX));
    for (version, info) in versions {
        let state = if info.destroyed {
            "destroyed"
        } else if info.deletion_time.is_some() {
            "deleted"
        } else {
            "live"
        };
        println!("  version {version}: {state}");
    }

    // Subkeys: the shape of the secret without its values (of a live version).
    let keys = kv.subkeys_version(&path, 3, None).await?;
    println!(
        "subkeys of version 3: {:?}",
        keys.subkeys.keys().collect::<Vec<_>>()
    );

    // Delete everything: metadata and all versions.
    kv.delete_metadata(&path).await?;
    match kv.read_outcome::<ApiKey>(&path).await? {
        ReadOutcome::NotFound => println!("deleted all metadata and versions of {path}"),
        other => println!("after delete_metadata: unexpected {other:?}"),
    }
    Ok(())
}
