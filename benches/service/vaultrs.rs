//! The service of `hashivault.rs` beside it, with vaultrs 0.8 (same tasks, same output); see
//! there. vaultrs has no renewer: the service renews its token itself, in a task that sleeps
//! two thirds of the TTL. Run: `VAULT_ADDR=… VAULT_TOKEN=… cargo run -p hashivault-bench --bin
//! service-vaultrs`.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use vaultrs::api::auth::approle::requests::SetAppRoleRequest;
use vaultrs::api::kv2::requests::SetSecretRequestOptions;
use vaultrs::client::{Client, VaultClient, VaultClientSettingsBuilder};
use vaultrs::error::ClientError;
use vaultrs::{auth, kv2, sys, token};

const POLICY: &str = r#"path "secret/*" { capabilities = ["create", "read", "update", "list"] }"#;

#[derive(Serialize, Deserialize, Debug, Default)]
struct Config {
    db_host: String,
    pool: u32,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    hashivault::install_crypto_provider(); // not counted: the bench builds vaultrs without its TLS provider
    let address = std::env::var("VAULT_ADDR")?;
    let settings = VaultClientSettingsBuilder::default()
        .address(&address)
        .token(std::env::var("VAULT_TOKEN")?)
        .build()?;
    let admin = VaultClient::new(settings)?;
    let mount = format!("svc-vaultrs-{}", std::process::id());
    sys::policy::set(&admin, "svc", POLICY).await?;
    sys::auth::enable(&admin, &mount, "approle", None).await?;
    let mut role = SetAppRoleRequest::builder();
    role.token_policies(vec!["svc".to_string()])
        .token_ttl("60s");
    auth::approle::role::set(&admin, &mount, "app", Some(&mut role)).await?;
    let role_id = auth::approle::role::read_id(&admin, &mount, "app")
        .await?
        .role_id;
    let secret_id = auth::approle::role::secret::generate(&admin, &mount, "app", None).await?;

    let mut client = VaultClient::new(
        VaultClientSettingsBuilder::default()
            .address(&address)
            .build()?,
    )?;
    let auth = auth::approle::login(&client, &mount, &role_id, &secret_id.secret_id).await?;
    client.set_token(&auth.client_token);
    let renewing = VaultClient::new(
        VaultClientSettingsBuilder::default()
            .address(&address)
            .token(&auth.client_token)
            .build()?,
    )?;
    let mut ttl = auth.lease_duration;
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs((ttl * 2 / 3).max(1))).await;
            match token::renew_self(&renewing, None).await {
                Ok(renewed) => ttl = renewed.lease_duration,
                Err(e) => eprintln!("renewal failed: {e}"),
            }
        }
    });

    let written = kv2::set(
        &client,
        "secret",
        "svc/config",
        &Config {
            db_host: "db-1".into(),
            pool: 8,
        },
    )
    .await?;
    let config: Config = kv2::read(&client, "secret", "svc/config").await?;
    let cas = SetSecretRequestOptions {
        cas: written.version as u32,
    };
    kv2::set_with_options(
        &client,
        "secret",
        "svc/config",
        &Config { pool: 16, ..config },
        cas,
    )
    .await?;
    let fallback = match kv2::read::<Config>(&client, "secret", "svc/missing").await {
        Ok(config) => config,
        Err(ClientError::APIError { code: 404, .. }) => Config::default(),
        Err(e) => return Err(e.into()),
    };
    let keys = kv2::list(&client, "secret", "svc").await?;
    let ttl = token::lookup_self(&client).await?.ttl;
    println!(
        "config v{} {:?}, fallback {fallback:?}, keys {keys:?}, ttl {ttl}s",
        written.version + 1,
        kv2::read::<Config>(&client, "secret", "svc/config").await?
    );
    Ok(())
}
