//! A service's start-up with AppRole: the secret id arrives response-wrapped, the service unwraps
//! it, logs in, reads its typed configuration from KV v2 and keeps its token alive.
//!
//! Run it with `cargo xtask demo approle_service` (starts a throwaway OpenBao dev server), or
//! against your own server with `VAULT_ADDR` and `VAULT_TOKEN` set:
//! `cargo run --example approle_service`. The token must be allowed to enable auth methods and
//! write policies (a dev server's root token), and KV v2 must be at `secret/`.
//!
//! The first half plays the operator (or the deployment pipeline): it enables AppRole, writes a
//! policy and a role, stores the service's configuration, and hands the service its role id and
//! a *wrapping token* for a fresh secret id (so the secret id itself never passes through the
//! pipeline). The second half is the service: it knows only the server address, the role id and
//! the wrapping token. It prints what it did, never a token or secret value.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hashivault::auth::{RenewEvent, RenewSchedule};
use hashivault::{Client, SecretString};

type Error = Box<dyn std::error::Error>;
use serde::{Deserialize, Serialize};

/// The service's configuration, as stored in KV v2.
#[derive(Serialize, Deserialize)]
struct ServiceConfig {
    database_url: String,
    database_password: String,
    max_connections: u32,
}

/// What the pipeline hands the service.
struct Bootstrap {
    address: String,
    mount: String,
    role_id: String,
    wrapped_secret_id: SecretString,
    config_path: String,
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let bootstrap = operator_setup().await?;
    service_start(bootstrap).await
}

/// The operator's side: AppRole, a policy, a role with a short token TTL, the service's
/// configuration, and a response-wrapped secret id.
async fn operator_setup() -> Result<Bootstrap, Error> {
    let admin = Client::from_env()?;
    let run = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let mount = format!("examples-approle-{run}");
    let config_path = format!("examples-approle-{run}/config");
    let policy = format!("examples-approle-{run}-service");
    let role = "billing";

    admin
        .api()
        .auth_enable_method()
        .path(&mount)
        .body_map(|b| b.type_("approle"))
        .send()
        .await?;
    admin
        .api()
        .policies_write_acl_policy()
        .name(&policy)
        .body_map(|b| {
            b.policy(format!(
                "path \"secret/data/{config_path}\" {{ capabilities = [\"read\"] }}\n"
            ))
        })
        .send()
        .await?;
    // A short TTL, so the renewer has something to do while the example runs.
    admin
        .api()
        .app_role_write_role()
        .approle_mount_path(&mount)
        .role_name(role)
        .body_map(|b| {
            b.token_policies(vec![policy.clone()])
                .token_ttl("6s")
                .token_max_ttl("1h")
                .secret_id_num_uses(1)
        })
        .send()
        .await?;
    println!("operator: enabled approle at auth/{mount}/, role {role} under policy {policy}");

    admin
        .kv2("secret")
        .write(
            &config_path,
            &ServiceConfig {
                database_url: "postgres://db.internal:5432/billing".into(),
                database_password: "s3cret-db-password".into(),
                max_connections: 16,
            },
        )
        .await?;
    println!("operator: stored the service configuration at secret/{config_path}");

    let role_id = admin
        .api()
        .app_role_read_role_id()
        .approle_mount_path(&mount)
        .role_name(role)
        .send()
        .await?
        .into_data()?
        .role_id
        .ok_or("the role-id answer has no role_id")?;

    // The secret id, response-wrapped: the answer holds a single-use wrapping token only.
    let wrapped = admin
        .with_wrap_ttl("2m")?
        .api()
        .app_role_write_secret_id()
        .approle_mount_path(&mount)
        .role_name(role)
        .send()
        .await?
        .into_inner();
    let wrap = wrapped
        .wrap_info
        .ok_or("the secret-id answer was not wrapped")?;
    println!(
        "operator: generated a secret id, response-wrapped (wrapping token ttl {}s, path {})",
        wrap.ttl, wrap.creation_path
    );
    Ok(Bootstrap {
        address: admin.address().to_string(),
        mount,
        role_id,
        wrapped_secret_id: wrap.token,
        config_path,
    })
}

/// The service's side: unwrap, log in, read the configuration, keep the token alive.
async fn service_start(bootstrap: Bootstrap) -> Result<(), Error> {
    // No token: the service starts with the address only.
    let client = Client::builder().address(&bootstrap.address).build()?;

    let unwrapped = client
        .unwrap::<hashivault::api::types::AppRoleWriteSecretIdResponse>(
            &bootstrap.wrapped_secret_id,
        )
        .await?;
    let secret_id = unwrapped
        .data
        .and_then(|d| d.secret_id)
        .ok_or("the unwrapped answer has no secret_id")?;
    println!("service: unwrapped the secret id");
    // A wrapping token works once: whoever used it first, we would notice.
    match client
        .unwrap::<hashivault::JsonMap>(&bootstrap.wrapped_secret_id)
        .await
    {
        Err(e) => println!("service: a second unwrap is refused: {e}"),
        Ok(_) => println!("service: the wrapping token unexpectedly worked twice"),
    }

    let auth = client
        .auth()
        .approle(&bootstrap.mount, &bootstrap.role_id, Some(secret_id.into()))
        .await?;
    println!(
        "service: logged in with approle: policies {:?}, ttl {}s, renewable {}",
        auth.policies, auth.lease_duration, auth.renewable
    );

    let config = client
        .kv2("secret")
        .read::<ServiceConfig>(&bootstrap.config_path)
        .await?;
    println!(
        "service: read its config (version {}): database_url {}, max_connections {}, password {} characters",
        config.metadata.version,
        config.data.database_url,
        config.data.max_connections,
        config.data.database_password.len()
    );

    // Keep the token alive: renew at half its TTL. The secret id was single-use, so there is no
    // way to log in again; a real service would give the renewer a `Login` it can repeat
    // (`.login(AppRole::new(..))`).
    let mut renewer = client
        .auth()
        .renewer()
        .schedule(RenewSchedule::default().with_fraction(0.5))
        .spawn();
    let mut renewals = 0;
    while renewals < 2 {
        match tokio::time::timeout(Duration::from_secs(30), renewer.next_event()).await {
            Ok(Some(RenewEvent::Renewed { ttl })) => {
                renewals += 1;
                println!(
                    "service: renewer renewed the token (ttl {}s)",
                    ttl.as_secs()
                );
            }
            Ok(Some(other)) => {
                println!("service: renewer stopped early: {other:?}");
                break;
            }
            Ok(None) => break,
            Err(_) => {
                println!("service: no renewal within 30s");
                break;
            }
        }
    }
    renewer.stop();
    let me = client.auth().lookup_self().await?;
    println!(
        "service: token still valid after {renewals} renewals (ttl {}s)",
        me.ttl
    );
    client.auth().revoke_self().await?;
    println!("service: revoked its token on shutdown");
    Ok(())
}
