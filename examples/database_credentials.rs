//! A service with dynamic database credentials: it logs in with AppRole, keeps its token alive,
//! gets PostgreSQL credentials from the database secrets engine, keeps their lease alive, and
//! rotates to new credentials when told to (max TTL reached, lease lost, token replaced).
//!
//! Run it with one command, against a throwaway OpenBao and PostgreSQL:
//!
//! ```text
//! cargo xtask demo database
//! ```
//!
//! It reads `VAULT_ADDR`, `VAULT_TOKEN` (an operator token, used once to set up AppRole and the
//! engine, as a deployment would have done) and `HASHIVAULT_POSTGRES_URL` (the superuser URL the
//! engine manages roles with); `DEMO_SECONDS` (default 40) is how long the service runs. Tokens
//! live 10 s (max 30 s) and credentials 10 s (max 20 s), so everything happens in a minute.

use std::str::FromStr;
use std::time::Duration;

use hashivault::auth::{AppRole, RenewEvent};
use hashivault::lease::{Lease, LeaseEvent, LeaseWatcher};
use hashivault::reqwest::Method;
use hashivault::{Client, ExposeSecret, JsonMap, SecretString};
use serde_json::json;

const APPROLE: &str = "approle";
const DATABASE: &str = "database";

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

#[tokio::main]
async fn main() -> Result<()> {
    let pg_url = std::env::var("HASHIVAULT_POSTGRES_URL")
        .map_err(|_| "set HASHIVAULT_POSTGRES_URL (or run `cargo xtask demo database`)")?;
    let pg = tokio_postgres::Config::from_str(&pg_url)?;
    let seconds: u64 = std::env::var("DEMO_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(40);

    // --- What an operator sets up once (with VAULT_TOKEN). -----------------------------------
    let operator = Client::from_env()?;
    let (role_id, secret_id) = set_up(&operator, &pg).await?;

    // --- The service: no token of its own, only its AppRole credentials. ----------------------
    let client = Client::builder().address(operator.address()).build()?;
    let renewer = client
        .auth()
        .renewer()
        .login(AppRole::new(APPROLE, role_id, Some(secret_id)))
        .spawn();
    renewer
        .ready()
        .await
        .map_err(|reason| format!("no token: {reason}"))?;
    // Token events from after the first login on.
    let mut token_events = renewer.subscribe();
    println!("service: logged in with AppRole");

    let (mut watcher, mut db, mut user) = fetch_credentials(&client, &pg).await?;
    let mut ticker = tokio::time::interval(Duration::from_secs(2));
    let deadline = tokio::time::sleep(Duration::from_secs(seconds));
    tokio::pin!(deadline);
    loop {
        let rotate = tokio::select! {
            _ = &mut deadline => break,
            _ = ticker.tick() => {
                let row = db.query_one("SELECT current_user::text, now()::text", &[]).await?;
                println!("service: query as {} at {}", row.get::<_, String>(0), row.get::<_, String>(1));
                false
            }
            event = watcher.next_event() => match event {
                Some(LeaseEvent::Renewed { ttl }) => {
                    println!("lease: renewed, {}s left", ttl.as_secs());
                    false
                }
                Some(LeaseEvent::RenewFailed { error, retry_in }) => {
                    println!("lease: renewal failed ({error}), retry in {retry_in:?}");
                    false
                }
                Some(LeaseEvent::MaxTtlReached { .. }) => {
                    println!("lease: max TTL reached: rotating credentials");
                    true
                }
                Some(other) => {
                    println!("lease: {other:?}: rotating credentials");
                    true
                }
                None => true,
            },
            event = token_events.recv() => match event {
                Ok(RenewEvent::LoggedIn { ttl }) => {
                    // The old token was revoked, and with it the leases it created.
                    println!("token: new login ({}s): rotating credentials", ttl.as_secs());
                    true
                }
                Ok(RenewEvent::Stopped(reason)) => return Err(format!("token: {reason}").into()),
                Ok(event) => {
                    println!("token: {event:?}");
                    false
                }
                Err(_) => false,
            },
        };
        if rotate {
            let old_user = user.clone();
            let (new_watcher, new_db, new_user) = fetch_credentials(&client, &pg).await?;
            // Dropping the old watcher revokes the old lease (and its PostgreSQL role).
            drop(std::mem::replace(&mut watcher, new_watcher));
            db = new_db;
            user = new_user;
            println!("service: rotated from {old_user} to {user}");
        }
    }

    // Shutting down: revoke the lease, stop renewing and revoke the token.
    watcher.revoke().await?;
    renewer.stop();
    client.auth().revoke_self().await?;
    println!("service: lease and token revoked, bye");
    Ok(())
}

/// Reads new credentials, watches their lease and connects with them.
async fn fetch_credentials(
    client: &Client,
    pg: &tokio_postgres::Config,
) -> Result<(LeaseWatcher, tokio_postgres::Client, String)> {
    let creds = client
        .api()
        .database_generate_credentials()
        .database_mount_path(DATABASE)
        .name("app")
        .send()
        .await?
        .into_inner();
    let lease = Lease::from_envelope(&creds).ok_or("the credentials have no lease")?;
    let data = creds.data.ok_or("the credentials have no data")?;
    // Typed from real answers (spec/overlays/database.json); the password is `Sensitive`.
    let user = data.username.unwrap_or_default();
    let password = SecretString::from(data.password.as_ref().map_or("", |p| p.expose()));
    println!(
        "service: new credentials {user}, lease {}s",
        lease.duration.as_secs()
    );
    let watcher = client.lease_watcher(lease).spawn();
    let mut config = pg.clone();
    config
        .user(&user)
        .password(password.expose_secret().as_bytes());
    let (db, connection) = config.connect(tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok((watcher, db, user))
}

/// AppRole role `app` (10 s tokens, max 30 s) allowed to read `database/creds/app`; the
/// database engine at `database/` with role `app` (10 s credentials, max 20 s). Returns the
/// role id and a secret id.
async fn set_up(operator: &Client, pg: &tokio_postgres::Config) -> Result<(String, SecretString)> {
    let api = operator.api();
    let policy = r#"
        path "database/creds/app" { capabilities = ["read"] }
        path "sys/leases/revoke" { capabilities = ["update"] }
    "#;
    let _: hashivault::Envelope<JsonMap> = operator
        .request(
            Method::POST,
            "sys/policies/acl/app",
            Some(&json!({ "policy": policy })),
        )
        .await?;
    api.auth_enable_method()
        .path(APPROLE)
        .body_map(|b| b.type_("approle"))
        .send()
        .await?;
    api.app_role_write_role()
        .approle_mount_path(APPROLE)
        .role_name("app")
        .body_map(|b| {
            b.token_policies(["app"])
                .token_ttl(10u64)
                .token_max_ttl(30u64)
        })
        .send()
        .await?;
    let role_id = api
        .app_role_read_role_id()
        .approle_mount_path(APPROLE)
        .role_name("app")
        .send()
        .await?
        .into_data()?
        .role_id
        .ok_or("no role id")?;
    let secret_id: SecretString = api
        .app_role_write_secret_id()
        .approle_mount_path(APPROLE)
        .role_name("app")
        .send()
        .await?
        .into_data()?
        .secret_id
        .ok_or("no secret id")?
        .into();

    api.mounts_enable_secrets_engine()
        .path(DATABASE)
        .body_map(|b| b.type_("database"))
        .send()
        .await?;
    let port = pg.get_ports().first().copied().unwrap_or(5432);
    let password = String::from_utf8(pg.get_password().unwrap_or_default().to_vec())?;
    let config = json!({
        "plugin_name": "postgresql-database-plugin",
        "connection_url": format!(
            "postgresql://{{{{username}}}}:{{{{password}}}}@127.0.0.1:{port}/postgres?sslmode=disable"
        ),
        "username": pg.get_user().unwrap_or("postgres"),
        "password": password,
        "allowed_roles": ["app"],
    });
    let _: hashivault::Envelope<JsonMap> = operator
        .request(Method::POST, "database/config/pg", Some(&config))
        .await?;
    api.database_write_role()
        .database_mount_path(DATABASE)
        .name("app")
        .body_map(|b| {
            b.db_name("pg")
                .creation_statements(vec![
                    "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';"
                        .to_string(),
                ])
                .default_ttl(10u64)
                .max_ttl(20u64)
        })
        .send()
        .await?;
    println!("operator: AppRole `app` and database role `app` set up");
    Ok((role_id, secret_id))
}
