//! Rotating database credentials end to end: a real OpenBao (single-node raft, so that it can be
//! restarted with its data) with the database engine on the PostgreSQL `cargo xtask test` starts;
//! `Client::rotating_secret` keeps 15 s credentials (30 s max) fresh while workers query through
//! a pool that swaps to each new set; the server is killed right after the first credentials and
//! started again 11 s later, so that the first renewal (at 10 s) falls in the outage.
//!
//! Asserted: no query failed; the renewals that failed during the outage were retried and one
//! succeeded after the restart, before the lease ended; new credentials (a different PostgreSQL
//! role) were fetched before the max TTL, and the queries moved to them.
#![cfg(feature = "database")]

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use hashivault::lease::RotationEvent;
use hashivault::{Client, SecretString};

use common::live::{pg_connect, postgres};
use common::PersistentServer;

/// The database engine at `db/` pointed at PostgreSQL, role `app`: 15 s credentials, 30 s max.
async fn engine(root: &Client, pg: &tokio_postgres::Config) {
    common::live::database_engine(root, pg, "db", 15, 30).await;
}

struct Login {
    username: String,
    password: SecretString,
}

async fn connect(pg: &tokio_postgres::Config, login: &Login) -> Arc<tokio_postgres::Client> {
    use hashivault::ExposeSecret;
    let mut config = pg.clone();
    config
        .user(&login.username)
        .password(login.password.expose_secret().as_bytes());
    Arc::new(
        pg_connect(&config)
            .await
            .expect("the new credentials connect"),
    )
}

#[tokio::test]
async fn credentials_rotate_under_load_and_through_a_server_restart() {
    let test = "credentials_rotate_under_load_and_through_a_server_restart";
    let Some(pg) = postgres(test) else {
        return;
    };
    let Some(mut server) = PersistentServer::start(test).await else {
        return;
    };
    let root = server.root();
    engine(&root, &pg).await;

    let mut creds = root
        .rotating_secret(|client| async move {
            let answer = client
                .api()
                .database_generate_credentials()
                .database_mount_path("db")
                .name("app")
                .send()
                .await?
                .into_inner();
            Ok(answer.map_data(|data| Login {
                username: data.username.unwrap_or_default(),
                password: SecretString::from(data.password.as_ref().map_or("", |p| p.expose())),
            }))
        })
        .spawn();
    let first = creds.ready().await.expect("the first credentials");
    let pool = Arc::new(RwLock::new(connect(&pg, first.data()).await));
    let users = Arc::new(Mutex::new(vec![first.data().username.clone()]));

    // Swap the pool at each rotation.
    let mut changes = creds.watch();
    changes.borrow_and_update();
    let swapper = tokio::spawn({
        let (pool, users, pg) = (pool.clone(), users.clone(), pg.clone());
        async move {
            while changes.changed().await.is_ok() {
                let Some(new) = changes.borrow_and_update().clone() else {
                    continue;
                };
                let conn = connect(&pg, new.data()).await;
                users.lock().unwrap().push(new.data().username.clone());
                *pool.write().unwrap() = conn;
            }
        }
    });
    // Four workers query all the time (100 ms each), noting as whom.
    let (done, failed) = (
        Arc::new(AtomicU64::new(0)),
        Arc::new(Mutex::new(Vec::new())),
    );
    let ran_as = Arc::new(Mutex::new(std::collections::BTreeSet::new()));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (pool, done, failed, ran_as) =
                (pool.clone(), done.clone(), failed.clone(), ran_as.clone());
            tokio::spawn(async move {
                loop {
                    let conn = pool.read().unwrap().clone();
                    let sql = "SELECT current_user::text, pg_sleep(0.1)::text";
                    match conn.query_one(sql, &[]).await {
                        Ok(row) => {
                            ran_as.lock().unwrap().insert(row.get::<_, String>(0));
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) => {
                            failed.lock().unwrap().push(e.to_string());
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                    }
                }
            })
        })
        .collect();

    // The server goes down at once, for 11 s; events until the second generation.
    server.stop();
    let outage = tokio::time::sleep(Duration::from_secs(11));
    let mut seen = Vec::new();
    let run = tokio::time::timeout(Duration::from_secs(60), async {
        tokio::pin!(outage);
        let mut down = true;
        loop {
            let event = tokio::select! {
                _ = &mut outage, if down => {
                    server.restart().await;
                    seen.push("(server restarted)".to_string());
                    down = false;
                    continue;
                }
                event = creds.next_event() => event.expect("the rotating secret ended"),
            };
            seen.push(format!("{event:?}"));
            match event {
                RotationEvent::Rotated { generation, .. } if generation >= 2 => return,
                RotationEvent::Stopped(e) => panic!("stopped: {e}"),
                _ => {}
            }
        }
    })
    .await;
    assert!(run.is_ok(), "no second generation within 60 s: {seen:#?}");
    // Let the queries run on the newest credentials for a moment.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for worker in &workers {
        worker.abort();
    }
    swapper.abort();

    let failed = failed.lock().unwrap().clone();
    assert!(
        failed.is_empty(),
        "failed queries: {failed:?}; events {seen:#?}"
    );
    assert!(
        done.load(Ordering::Relaxed) > 50,
        "{}",
        done.load(Ordering::Relaxed)
    );
    let users = users.lock().unwrap().clone();
    assert!(users.len() >= 2, "{users:?}");
    let distinct: std::collections::BTreeSet<_> = users.iter().cloned().collect();
    assert_eq!(
        distinct.len(),
        users.len(),
        "a new role each time: {users:?}"
    );
    let ran_as = ran_as.lock().unwrap().clone();
    assert!(
        ran_as.iter().all(|u| distinct.contains(u)),
        "{ran_as:?} {users:?}"
    );
    assert!(
        ran_as.contains(&users[users.len() - 1]),
        "{ran_as:?} {users:?}"
    );
    // Renewals failed while the server was down (the first at 10 s), then one succeeded.
    let restart = seen.iter().position(|e| e == "(server restarted)").unwrap();
    let failed_renewal = seen.iter().position(|e| e.starts_with("RenewFailed"));
    let renewed = seen.iter().position(|e| e.starts_with("Renewed"));
    assert!(
        matches!((failed_renewal, renewed), (Some(f), Some(r)) if f < r && restart < r),
        "{seen:#?}"
    );
    assert!(!seen.iter().any(|e| e.starts_with("Lost")), "{seen:#?}");
    println!(
        "{} queries over {} credentials; events: {seen:#?}",
        done.load(Ordering::Relaxed),
        users.len()
    );
}
