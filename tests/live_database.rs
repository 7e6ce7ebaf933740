//! Real dynamic credentials end to end: the database secrets engine of the live OpenBao against
//! the PostgreSQL `cargo xtask test` starts (`HASHIVAULT_POSTGRES_URL`, see
//! `xtask/src/server/postgres.rs`). Needs the `database` feature (on under `--all-features`).
#![cfg(feature = "database")]

mod common;

use std::time::Duration;

use hashivault::lease::{Lease, LeaseEvent};
use hashivault::{Client, ExposeSecret};

use common::live::{pg_connect as connect, postgres};

/// Mounts the engine at a fresh path, points it at PostgreSQL, and makes role `app` with a
/// 10 s TTL and a 20 s max TTL.
async fn engine(root: &Client, pg: &tokio_postgres::Config) -> String {
    let mount = common::unique("db");
    common::live::database_engine(root, pg, &mount, 10, 20).await;
    mount
}

async fn role_exists(superuser: &tokio_postgres::Client, name: &str) -> bool {
    let row = superuser
        .query_one("SELECT count(*) FROM pg_roles WHERE rolname = $1", &[&name])
        .await
        .unwrap();
    row.get::<_, i64>(0) == 1
}

#[tokio::test]
async fn database_credentials_work_renew_reach_max_ttl_and_are_revoked() {
    let test = "database_credentials_work_renew_reach_max_ttl_and_are_revoked";
    let Some(root) = common::live_client(test) else {
        return;
    };
    let Some(pg) = postgres(test) else {
        return;
    };
    let superuser = connect(&pg).await.expect("the superuser connects");
    let mount = engine(&root, &pg).await;

    // Credentials through the generated API.
    let creds = root
        .api()
        .database_generate_credentials()
        .database_mount_path(&mount)
        .name("app")
        .send()
        .await
        .unwrap()
        .into_inner();
    let lease = Lease::from_envelope(&creds).expect("a lease");
    assert_eq!(lease.duration, Duration::from_secs(10));
    assert!(lease.renewable);
    let data = creds.data.unwrap();
    let username = data.username.clone().unwrap();
    let password = hashivault::SecretString::from(data.password.as_ref().unwrap().expose());

    // They work: PostgreSQL knows the role and lets it in.
    let mut as_app = pg.clone();
    as_app
        .user(&username)
        .password(password.expose_secret().as_bytes());
    let app = connect(&as_app)
        .await
        .expect("the dynamic credentials connect");
    let row = app
        .query_one("SELECT current_user::text", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), username);
    drop(app);
    assert!(role_exists(&superuser, &username).await);

    // The watcher renews the 10 s lease (about 6.5 s in), then hits the 20 s max TTL (about
    // 13 s in) and says so.
    let mut watcher = root.lease_watcher(lease).spawn();
    let mut seen = Vec::new();
    let started = std::time::Instant::now();
    let outcome = tokio::time::timeout(Duration::from_secs(40), async {
        while let Some(event) = watcher.next_event().await {
            seen.push((started.elapsed(), format!("{event:?}")));
            match event {
                LeaseEvent::Renewed { .. } => {}
                LeaseEvent::MaxTtlReached { expires_at } => return Ok(expires_at),
                other => return Err(format!("{other:?}")),
            }
        }
        Err("the watcher stopped".to_string())
    })
    .await
    .expect("the max TTL within 40 s");
    let expires_at = outcome.unwrap_or_else(|e| panic!("{e} after {seen:?}"));
    assert!(
        seen.len() >= 2 && seen[0].1.starts_with("Renewed"),
        "{seen:?}"
    );
    assert!(
        expires_at > tokio::time::Instant::now(),
        "reported before the end"
    );
    // Still good until then.
    connect(&as_app)
        .await
        .expect("still valid before the max TTL");

    // Revoked on request: the role is gone from PostgreSQL.
    watcher.revoke().await.unwrap();
    assert!(!role_exists(&superuser, &username).await);
    assert!(connect(&as_app).await.is_err());
}
