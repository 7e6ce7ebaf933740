//! A service with dynamic database credentials: it logs in with AppRole and keeps its token
//! alive, gets PostgreSQL credentials from the database secrets engine and keeps them fresh with
//! `Client::rotating_secret` (renewed, then new ones fetched before the old ones end), and swaps
//! its connection pool to each new set without dropping the queries in flight.
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
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use hashivault::auth::{AppRole, RenewEvent};
use hashivault::lease::{LeasedSecret, RotationEvent};
use hashivault::reqwest::Method;
use hashivault::{Client, ExposeSecret, JsonMap, SecretString};
use serde_json::json;

const APPROLE: &str = "approle";
const DATABASE: &str = "database";

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// What the service keeps of the engine's answer.
struct DbLogin {
    username: String,
    password: SecretString,
}

/// One connection per set of credentials, swapped as a whole: a query takes the current one
/// (an `Arc`), so a swap never cuts a query off; the old connection closes when its last query
/// ends.
struct Pool {
    pg: tokio_postgres::Config,
    current: RwLock<Arc<Connection>>,
}

struct Connection {
    db: tokio_postgres::Client,
    user: String,
}

impl Pool {
    async fn connect(pg: &tokio_postgres::Config, login: &DbLogin) -> Result<Arc<Connection>> {
        let mut config = pg.clone();
        config
            .user(&login.username)
            .password(login.password.expose_secret().as_bytes());
        let (db, connection) = config.connect(tokio_postgres::NoTls).await?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(Arc::new(Connection {
            db,
            user: login.username.clone(),
        }))
    }

    fn get(&self) -> Arc<Connection> {
        self.current.read().unwrap().clone()
    }

    /// Connects with the new credentials, then swaps; returns the user it replaced.
    async fn swap_to(&self, login: &DbLogin) -> Result<String> {
        let new = Pool::connect(&self.pg, login).await?;
        let old = std::mem::replace(&mut *self.current.write().unwrap(), new);
        Ok(old.user.clone())
    }
}

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
        // Vault revokes a token's leases with it: revoking the replaced token at a new login
        // would drop the PostgreSQL role of the credentials in use under the queries in flight.
        // Left to expire (a few seconds later, at its max TTL), it gives the pool time to move
        // to credentials issued under the new token (`rotate_now` below).
        .revoke_replaced(false)
        .spawn();
    renewer
        .ready()
        .await
        .map_err(|reason| format!("no token: {reason}"))?;
    // Token events from after the first login on.
    let mut token_events = renewer.subscribe();
    println!("service: logged in with AppRole");

    // Credentials kept fresh in the background; the service keeps the user name and password.
    let mut creds = client
        .rotating_secret(|client| async move {
            let answer = client
                .api()
                .database_generate_credentials()
                .database_mount_path(DATABASE)
                .name("app")
                .send()
                .await?
                .into_inner();
            // Typed from real answers (spec/overlays/database.json); the password is `Sensitive`.
            Ok(answer.map_data(|data| DbLogin {
                username: data.username.unwrap_or_default(),
                password: SecretString::from(data.password.as_ref().map_or("", |p| p.expose())),
            }))
        })
        .spawn();
    let first = creds.ready().await?;
    announce(&first);
    let pool = Arc::new(Pool {
        current: RwLock::new(Pool::connect(&pg, first.data()).await?),
        pg: pg.clone(),
    });

    // Each rotation: connect with the new credentials, then swap.
    let mut changes = creds.watch();
    changes.borrow_and_update();
    let swapper = tokio::spawn({
        let pool = pool.clone();
        async move {
            while changes.changed().await.is_ok() {
                let Some(new) = changes.borrow_and_update().clone() else {
                    continue;
                };
                announce(&new);
                match pool.swap_to(new.data()).await {
                    Ok(old) => println!(
                        "service: rotated from {old} to {} (queries in flight finish as {old})",
                        new.data().username
                    ),
                    Err(e) => println!("service: cannot connect with the new credentials: {e}"),
                }
            }
        }
    });

    // Four workers query all the time, each query taking 200 ms.
    let (done, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let workers: Vec<_> = (0..4)
        .map(|worker| {
            let (pool, done, failed) = (pool.clone(), done.clone(), failed.clone());
            tokio::spawn(async move {
                loop {
                    let conn = pool.get();
                    let sql = "SELECT current_user::text, now()::text, pg_sleep(0.2)::text";
                    match conn.db.query_one(sql, &[]).await {
                        Ok(row) => {
                            let n = done.fetch_add(1, Ordering::Relaxed);
                            if worker == 0 && n % 20 == 0 {
                                let (user, at): (String, String) = (row.get(0), row.get(1));
                                println!("service: query as {user} at {at}");
                            }
                        }
                        Err(e) => {
                            failed.fetch_add(1, Ordering::Relaxed);
                            println!("service: query as {} failed: {e}", conn.user);
                            tokio::time::sleep(Duration::from_millis(200)).await;
                        }
                    }
                }
            })
        })
        .collect();

    let deadline = tokio::time::sleep(Duration::from_secs(seconds));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            _ = &mut deadline => break,
            event = creds.next_event() => match event {
                Some(RotationEvent::Renewed { ttl }) => {
                    println!("lease: renewed, {}s left", ttl.as_secs());
                }
                Some(RotationEvent::Ending { rotate_at, .. }) => {
                    let wait = rotate_at.saturating_duration_since(tokio::time::Instant::now());
                    println!("lease: max TTL reached: new credentials in {}s", wait.as_secs());
                }
                Some(RotationEvent::Stopped(error)) => {
                    return Err(format!("credentials: {error}").into())
                }
                Some(RotationEvent::Rotated { .. }) => {}
                Some(other) => println!("lease: {other:?}"),
                None => return Err("the rotating secret ended".into()),
            },
            event = token_events.recv() => match event {
                Ok(RenewEvent::LoggedIn { ttl }) => {
                    // The old token's leases end with it: move to credentials of the new one.
                    println!("token: new login ({}s): new credentials now", ttl.as_secs());
                    creds.rotate_now();
                }
                Ok(RenewEvent::Stopped(reason)) => return Err(format!("token: {reason}").into()),
                Ok(event) => println!("token: {event:?}"),
                Err(_) => {}
            },
        }
    }

    // Shutting down: stop querying, revoke the lease (dropping the rotating secret does), stop
    // renewing and revoke the token.
    for worker in workers {
        worker.abort();
    }
    swapper.abort();
    let generations = creds.current().map_or(0, |c| c.generation());
    println!(
        "service: {} queries, {} failed, over {generations} sets of credentials",
        done.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed)
    );
    drop(creds);
    renewer.stop();
    tokio::time::sleep(Duration::from_millis(200)).await;
    client.auth().revoke_self().await?;
    println!("service: lease and token revoked, bye");
    Ok(())
}

fn announce(creds: &LeasedSecret<DbLogin>) {
    println!(
        "service: new credentials {} (generation {}), lease {}s",
        creds.data().username,
        creds.generation(),
        creds.lease().duration.as_secs()
    );
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
