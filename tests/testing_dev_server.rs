//! `hashivault::testing::DevServer`: start, use, drop (no process left), two at once.
//!
//! These start real servers. Without a server binary (and no pip to install one) they print
//! `SKIPPED`; with `HASHIVAULT_REQUIRE_LIVE=1` (`cargo xtask test`, CI) they fail instead.
#![cfg(feature = "testing")]

use std::net::TcpStream;
use std::time::Duration;

use hashivault::testing::DevServer;
use hashivault::ExposeSecret;

fn required() -> bool {
    std::env::var("HASHIVAULT_REQUIRE_LIVE").is_ok_and(|v| v == "1")
}

/// `DevServer::start()`, or `None` after printing why when no server is required.
async fn start(test: &str) -> Option<DevServer> {
    match DevServer::start().await {
        Ok(server) => Some(server),
        Err(e) if required() => panic!("{test}: {e}"),
        Err(e) => {
            eprintln!("SKIPPED {test}: cannot start a dev server: {e}");
            None
        }
    }
}

fn process_exists(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

#[tokio::test]
async fn starts_answers_and_is_gone_after_drop() {
    let Some(server) = start("starts_answers_and_is_gone_after_drop").await else {
        return;
    };
    let address = server.address();
    assert!(address.starts_with("http://127.0.0.1:"), "{address}");
    assert_eq!(server.client().address(), address);
    assert!(server.version().contains('v'), "{}", server.version());
    let token = server.root_token().expose_secret().to_string();
    assert_eq!(token.len(), 32);
    assert!(
        !format!("{server:?}").contains(&token),
        "Debug shows the token"
    );

    // Use it: the client holds the root token, KV v2 is at secret/.
    let client = server.client();
    let health = client.sys_health().await.expect("sys/health");
    assert!(!health.sealed);
    let me = client.auth().lookup_self().await.expect("lookup-self");
    assert!(me.policies.iter().any(|p| p == "root"), "{:?}", me.policies);
    let kv = client.kv2("secret");
    kv.write("testing/config", &serde_json::json!({"db": "db-1"}))
        .await
        .expect("KV write");
    let read = kv
        .read::<serde_json::Value>("testing/config")
        .await
        .expect("KV read");
    assert_eq!(read.data["db"], "db-1");

    let pid = server.pid();
    let port: u16 = address.rsplit(':').next().unwrap().parse().unwrap();
    assert!(process_exists(pid));
    drop(server);
    assert!(
        !process_exists(pid),
        "server process {pid} still exists after drop"
    );
    assert!(
        TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(1)).is_err(),
        "port {port} still accepts connections after drop"
    );
}

#[tokio::test]
async fn two_servers_run_side_by_side() {
    let test = "two_servers_run_side_by_side";
    let (a, b) = tokio::join!(start(test), start(test));
    let (Some(a), Some(b)) = (a, b) else {
        return;
    };
    assert_ne!(a.address(), b.address());
    assert_ne!(a.pid(), b.pid());
    assert_ne!(
        a.root_token().expose_secret(),
        b.root_token().expose_secret()
    );

    // Separate servers: what one stores the other does not have, and one's token is refused by
    // the other.
    a.client()
        .kv2("secret")
        .write("only-in-a", &serde_json::json!({"x": "1"}))
        .await
        .expect("write to a");
    let err = b
        .client()
        .kv2("secret")
        .read::<serde_json::Value>("only-in-a")
        .await
        .expect_err("b has no such secret");
    assert!(err.is_not_found(), "{err}");
    let cross = b
        .client()
        .with_token(a.root_token().clone())
        .expect("client with a's token");
    let err = cross
        .auth()
        .lookup_self()
        .await
        .expect_err("a's token on b");
    assert!(err.is_permission_denied(), "{err}");

    let pids = (a.pid(), b.pid());
    drop(a);
    assert!(!process_exists(pids.0));
    assert!(
        process_exists(pids.1),
        "dropping one server stopped the other"
    );
    drop(b);
    assert!(!process_exists(pids.1));
}

#[test]
fn start_blocking_works_without_a_runtime() {
    let server = match DevServer::start_blocking() {
        Ok(server) => server,
        Err(e) if required() => panic!("{e}"),
        Err(e) => {
            eprintln!("SKIPPED start_blocking_works_without_a_runtime: {e}");
            return;
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let health = runtime
        .block_on(server.client().sys_health())
        .expect("sys/health");
    assert!(health.initialized);
}
