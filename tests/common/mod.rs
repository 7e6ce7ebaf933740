//! Shared by the test files: the live server convention and unique names.
//!
//! Live tests read `VAULT_ADDR` and `VAULT_TOKEN`. Without them a live test prints why and
//! returns; with `HASHIVAULT_REQUIRE_LIVE=1` (set by `cargo xtask test` and CI) a missing server
//! is a failure, so a skip can never pass for a pass.
#![allow(dead_code)]

pub mod live;
pub mod paused;
pub mod totp;
pub mod wire;

use std::sync::atomic::{AtomicU32, Ordering};

/// A root client for the live server, or `None` (after printing why) when there is none.
pub fn live_client(test: &str) -> Option<hashivault::Client> {
    let addr = std::env::var("VAULT_ADDR").ok().filter(|v| !v.is_empty());
    let token = std::env::var("VAULT_TOKEN").ok().filter(|v| !v.is_empty());
    let required = std::env::var("HASHIVAULT_REQUIRE_LIVE").is_ok_and(|v| v == "1");
    match (addr, token) {
        (Some(addr), Some(token)) => Some(
            hashivault::Client::builder()
                .address(addr)
                .token(token)
                .build()
                .expect("a client for the live server"),
        ),
        _ if required => {
            panic!("{test}: HASHIVAULT_REQUIRE_LIVE=1 but VAULT_ADDR/VAULT_TOKEN are not set")
        }
        _ => {
            eprintln!("SKIPPED {test}: no live server (set VAULT_ADDR and VAULT_TOKEN, or run `cargo xtask test`)");
            None
        }
    }
}

/// Whether `version` (`2.6.1`, `v2.7.0-beta…`) is `at_least` (major, minor) or newer.
pub fn release_at_least(version: &str, at_least: (u32, u32)) -> bool {
    let mut parts = version
        .trim_start_matches('v')
        .split(['.', '-', '+'])
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let major = parts.next().unwrap_or(0);
    let minor = parts.next().unwrap_or(0);
    (major, minor) >= at_least
}

/// The root client of the live server when it is OpenBao `at_least` (major, minor) or newer;
/// otherwise `None` after printing why `what` needs it (a failure under
/// `HASHIVAULT_REQUIRE_LIVE=1`).
pub async fn live_openbao_client(
    test: &str,
    at_least: (u32, u32),
    what: &str,
) -> Option<hashivault::Client> {
    let root = live_client(test)?;
    let version = root.sys_health().await.expect("sys/health").version.clone();
    if release_at_least(&version, at_least) {
        return Some(root);
    }
    let required = std::env::var("HASHIVAULT_REQUIRE_LIVE").is_ok_and(|v| v == "1");
    assert!(!required, "{test}: the server is {version}; {what}");
    eprintln!("SKIPPED {test}: the server is {version}; {what}");
    None
}

/// `max` retries, with delays from `min` to `max_delay` milliseconds.
pub fn retries(max: usize, min: u64, max_delay: u64) -> hashivault::RetryPolicy {
    hashivault::RetryPolicy::default()
        .with_max_retries(max)
        .with_min_delay(std::time::Duration::from_millis(min))
        .with_max_delay(std::time::Duration::from_millis(max_delay))
}

/// A raw [`hashivault::Client::request`] with a JSON `body`, which must succeed.
pub async fn request_ok(
    client: &hashivault::Client,
    method: hashivault::reqwest::Method,
    path: &str,
    body: serde_json::Value,
) -> hashivault::Envelope {
    client.request(method, path, Some(&body)).await.unwrap()
}

/// A name unique to this test run and call, for mounts, paths and policies.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}-{}-{n}-{nanos:x}", std::process::id())
}

/// Every setting of a KV v2 key's metadata at once (what the wire and live KV tests write):
/// 5 versions, check-and-set required, versions deleted after 1 h, custom `owner=ops`, `env=dev`.
pub fn every_metadata_setting() -> hashivault::kv::MetadataUpdate {
    hashivault::kv::MetadataUpdate::new()
        .max_versions(5)
        .cas_required(true)
        .delete_version_after("1h")
        .custom_metadata("owner", "ops")
        .custom_metadata("env", "dev")
}

/// The civil date `(year, month, day)` of `days` since 1970-01-01 (Howard Hinnant's
/// civil-from-days), so that tests need no date crate.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// A server of this test's own (for tests that seal it), started from `HASHIVAULT_SERVER_BIN`
/// (set by `cargo xtask test`) or `bao` on PATH; `None` (after printing why) when neither exists
/// and no live server is required.
pub struct OwnServer {
    child: std::process::Child,
    /// `http://127.0.0.1:PORT` (`https://` with TLS)
    pub addr: String,
    /// The root token.
    pub token: String,
    /// With TLS: the CA certificate (PEM file) the dev server made for itself.
    pub ca_file: Option<std::path::PathBuf>,
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The dev CA's directory is the test's own (`hashivault-tls-…` under the temp dir).
        if let Some(dir) = self.ca_file.as_ref().and_then(|ca| ca.parent()) {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

pub fn own_server(test: &str) -> Option<OwnServer> {
    own_server_with(test, false)
}

/// [`own_server`], with `-dev-tls` when `tls` (a CA and certificate of its own, for 127.0.0.1
/// and localhost).
pub fn own_server_with(test: &str, tls: bool) -> Option<OwnServer> {
    let required = std::env::var("HASHIVAULT_REQUIRE_LIVE").is_ok_and(|v| v == "1");
    let bin = std::env::var("HASHIVAULT_SERVER_BIN").unwrap_or_else(|_| "bao".to_string());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let token = unique("root");
    let cert_dir = std::env::temp_dir().join(unique("hashivault-tls"));
    let mut args = vec![
        "server".to_string(),
        "-dev".to_string(),
        "-dev-no-store-token".to_string(),
        format!("-dev-root-token-id={token}"),
        format!("-dev-listen-address=127.0.0.1:{port}"),
    ];
    if tls {
        std::fs::create_dir_all(&cert_dir).expect("a directory for the dev CA");
        args.push("-dev-tls".to_string());
        args.push(format!("-dev-tls-cert-dir={}", cert_dir.display()));
    }
    let child = std::process::Command::new(&bin)
        .args(&args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if child.is_err() {
        let _ = std::fs::remove_dir_all(&cert_dir);
    }
    let child = match child {
        Ok(child) => child,
        Err(e) if required => panic!("{test}: cannot start {bin}: {e}"),
        Err(e) => {
            eprintln!("SKIPPED {test}: cannot start a server of its own ({bin}: {e})");
            return None;
        }
    };
    let scheme = if tls { "https" } else { "http" };
    let server = OwnServer {
        child,
        addr: format!("{scheme}://127.0.0.1:{port}"),
        token,
        ca_file: tls.then(|| cert_dir.join("vault-ca.pem")),
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "{test}: {bin} did not listen in 30 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    if let Some(ca) = &server.ca_file {
        while !ca.exists() {
            assert!(
                std::time::Instant::now() < deadline,
                "{test}: no {} in 30 s",
                ca.display()
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
    Some(server)
}

/// A single-node OpenBao of this test's own with raft storage, so that it can be stopped and
/// started again with its data (a dev server keeps everything in memory): initialised with one
/// unseal key, unsealed, and unsealed again by [`PersistentServer::restart`]. Started from
/// `HASHIVAULT_SERVER_BIN` or `bao` on PATH; `None` (after printing why) when neither exists and
/// no live server is required. Stopped, and its directory removed, when dropped.
pub struct PersistentServer {
    child: Option<std::process::Child>,
    bin: String,
    dir: std::path::PathBuf,
    port: u16,
    unseal_key: String,
    /// `http://127.0.0.1:PORT`
    pub addr: String,
    /// The root token.
    pub token: String,
}

impl PersistentServer {
    pub async fn start(test: &str) -> Option<PersistentServer> {
        let required = std::env::var("HASHIVAULT_REQUIRE_LIVE").is_ok_and(|v| v == "1");
        let bin = std::env::var("HASHIVAULT_SERVER_BIN").unwrap_or_else(|_| "bao".to_string());
        let free = || {
            std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port()
        };
        let (port, cluster_port) = (free(), free());
        let dir = std::env::temp_dir().join(unique("hashivault-raft"));
        std::fs::create_dir_all(dir.join("data")).expect("a directory for the raft data");
        let config = format!(
            "storage \"raft\" {{\n  path = \"{data}\"\n  node_id = \"node1\"\n}}\n\
             listener \"tcp\" {{\n  address = \"127.0.0.1:{port}\"\n  cluster_address = \"127.0.0.1:{cluster_port}\"\n  tls_disable = true\n}}\n\
             api_addr = \"http://127.0.0.1:{port}\"\ncluster_addr = \"http://127.0.0.1:{cluster_port}\"\n",
            data = dir.join("data").display()
        );
        std::fs::write(dir.join("server.hcl"), config).expect("the server's config");
        let mut server = PersistentServer {
            child: None,
            bin,
            dir,
            port,
            unseal_key: String::new(),
            addr: format!("http://127.0.0.1:{port}"),
            token: String::new(),
        };
        if let Err(e) = server.spawn() {
            if required {
                panic!("{test}: cannot start {}: {e}", server.bin);
            }
            eprintln!(
                "SKIPPED {test}: cannot start a server of its own ({}: {e})",
                server.bin
            );
            return None;
        }
        let init: hashivault::Envelope<serde_json::Value> = server
            .unauthenticated()
            .request(
                hashivault::reqwest::Method::PUT,
                "sys/init",
                Some(&serde_json::json!({"secret_shares": 1, "secret_threshold": 1})),
            )
            .await
            .expect("sys/init");
        server.unseal_key = init.other["keys_base64"][0].as_str().unwrap().to_string();
        server.token = init.other["root_token"].as_str().unwrap().to_string();
        server.unseal().await;
        Some(server)
    }

    /// Stops the server (`SIGKILL`, as a crash), then starts it again on the same port and data,
    /// and unseals it; returns once it is the active node.
    pub async fn restart(&mut self) {
        self.stop();
        self.start_sealed();
        self.unseal().await;
    }

    /// Starts the stopped server again, sealed: [`PersistentServer::unseal`] opens it.
    pub fn start_sealed(&mut self) {
        self.spawn().expect("the server starts again");
    }

    /// Stops the server (`SIGKILL`); [`PersistentServer::restart`] would start it again.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the process and waits until it listens.
    fn spawn(&mut self) -> Result<(), String> {
        let log = std::fs::File::create(self.dir.join("server.log")).map_err(|e| e.to_string())?;
        let child = std::process::Command::new(&self.bin)
            .arg("server")
            .arg(format!("-config={}", self.dir.join("server.hcl").display()))
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| e.to_string())?;
        self.child = Some(child);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if std::time::Instant::now() > deadline {
                return Err(format!(
                    "it did not listen in 30 s (log in {})",
                    self.dir.display()
                ));
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Ok(())
    }

    /// Unseals with the one key and waits until `sys/health` says active (200).
    pub async fn unseal(&self) {
        let client = self.unauthenticated();
        let _: hashivault::Envelope<serde_json::Value> = client
            .request(
                hashivault::reqwest::Method::PUT,
                "sys/unseal",
                Some(&serde_json::json!({ "key": self.unseal_key })),
            )
            .await
            .expect("sys/unseal");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let health = client
                .request::<serde_json::Value, ()>(
                    hashivault::reqwest::Method::GET,
                    "sys/health",
                    None,
                )
                .await;
            if health.is_ok() {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "not active 30 s after unsealing: {health:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    fn unauthenticated(&self) -> hashivault::Client {
        hashivault::Client::builder()
            .address(&self.addr)
            .max_retries(0)
            .build()
            .expect("a client")
    }

    /// A client with the root token.
    pub fn root(&self) -> hashivault::Client {
        hashivault::Client::builder()
            .address(&self.addr)
            .token(self.token.as_str())
            .build()
            .expect("a client")
    }
}

impl Drop for PersistentServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
