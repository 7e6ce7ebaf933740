//! A service's Vault tasks with hashivault; `vaultrs.rs` beside it does the same with vaultrs 0.8,
//! and `scripts/service-lines.sh` counts both (code lines, comments and blank lines left out).
//! Tasks: an operator sets up an AppRole and a policy; the service logs in with it and keeps its
//! token alive, writes and reads its typed configuration in KV v2, updates it with
//! check-and-set, falls back to a default for a missing secret, lists its keys and reads its
//! token's TTL. Run: `VAULT_ADDR=… VAULT_TOKEN=… cargo run -p hashivault-bench --bin
//! service-hashivault`.

use hashivault::auth::AppRole;
use hashivault::Client;
use serde::{Deserialize, Serialize};

const POLICY: &str = r#"path "secret/*" { capabilities = ["create", "read", "update", "list"] }"#;

#[derive(Serialize, Deserialize, Debug, Default)]
struct Config {
    db_host: String,
    pool: u32,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let admin = Client::from_env()?;
    let mount = format!("svc-hashivault-{}", std::process::id());
    let api = admin.api();
    api.policies_write_acl_policy()
        .name("svc")
        .body_map(|b| b.policy(POLICY))
        .send()
        .await?;
    api.auth_enable_method()
        .path(&mount)
        .body_map(|b| b.type_("approle"))
        .send()
        .await?;
    api.app_role_write_role()
        .approle_mount_path(&mount)
        .role_name("app")
        .body_map(|b| b.token_policies(["svc"]).token_ttl("60s"))
        .send()
        .await?;
    let role_id = api
        .app_role_read_role_id()
        .approle_mount_path(&mount)
        .role_name("app");
    let role_id = role_id
        .send()
        .await?
        .into_data()?
        .role_id
        .ok_or("no role id")?;
    let secret_id = api
        .app_role_write_secret_id()
        .approle_mount_path(&mount)
        .role_name("app");
    let secret_id = secret_id
        .send()
        .await?
        .into_data()?
        .secret_id
        .ok_or("no secret id")?;

    let client = Client::builder().address(admin.address()).build()?;
    let login = AppRole::new(&mount, role_id, Some(secret_id.into()));
    let renewer = client.auth().renewer().login(login).spawn();
    renewer.ready().await?;

    let kv = client.kv2("secret");
    let written = kv
        .write(
            "svc/config",
            &Config {
                db_host: "db-1".into(),
                pool: 8,
            },
        )
        .await?;
    let config = kv.read::<Config>("svc/config").await?.data;
    kv.write_cas(
        "svc/config",
        &Config { pool: 16, ..config },
        written.version,
    )
    .await?;
    let fallback = match kv.read::<Config>("svc/missing").await {
        Ok(secret) => secret.data,
        Err(e) if e.is_not_found() => Config::default(),
        Err(e) => return Err(e.into()),
    };
    let keys = kv.list("svc").await?;
    let ttl = client.auth().lookup_self().await?.ttl;
    println!(
        "config v{} {:?}, fallback {fallback:?}, keys {keys:?}, ttl {ttl}s",
        written.version + 1,
        kv.read::<Config>("svc/config").await?.data
    );
    Ok(())
}
