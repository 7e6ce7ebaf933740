//! Live: the certificate keeper (`hashivault::cert`) against a real OpenBao, with a real rustls
//! TLS server and client on loopback, both built once: the server's certificate and the
//! client's (mutual TLS) come from the keeper's resolver.
//!
//! A PKI role issues 20 s certificates. The keeper serves certificate A, then B after its
//! renewal (a new serial, same TLS configs, no restart). Then the OpenBao server is killed and
//! started again mid-life of B: while it is down (and then sealed) the keeper's issue requests
//! fail and the TLS server keeps handing out B, still valid; once the server is back and
//! unsealed the keeper issues C, before B expires, under the same root CA.
//!
//! The server is not a dev server: a dev server keeps everything in memory, so a restart would
//! lose the PKI mount, its CA and the token, and "renews after the restart" would mean nothing.
//! This test starts `bao server` with its storage on disk (integrated storage, raft, one node; OpenBao
//! 2.7 has no `file` storage) in a directory of its own, initializes it (one unseal key), and
//! restarts the same configuration on the same ports, unsealing it again: what an operator's
//! restart is. `HASHIVAULT_SERVER_BIN` (set by `cargo xtask test`) or
//! `bao` on PATH; without one the test says SKIPPED, or fails under `HASHIVAULT_REQUIRE_LIVE=1`.
#![cfg(feature = "cert-keeper")]

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use hashivault::cert::{CertEvent, CertKeeper, CertRequest, IssuedCert};
use hashivault::reqwest::Method;
use hashivault::{Client, Envelope};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::{TlsAcceptor, TlsConnector};

/// A `bao server` whose raft storage on disk survives its restarts.
struct Persistent {
    bin: String,
    dir: PathBuf,
    config: PathBuf,
    addr: String,
    child: Option<Child>,
    unseal_key: String,
    root_token: String,
}

impl Persistent {
    /// Started, initialized, unsealed and active; `None` when there is no binary (and no
    /// live server is required).
    async fn start(test: &str) -> Option<Persistent> {
        let required = std::env::var("HASHIVAULT_REQUIRE_LIVE").is_ok_and(|v| v == "1");
        let bin = std::env::var("HASHIVAULT_SERVER_BIN").unwrap_or_else(|_| "bao".to_string());
        if let Err(e) = Command::new(&bin).arg("version").output() {
            if required {
                panic!("{test}: cannot run {bin}: {e}");
            }
            eprintln!("SKIPPED {test}: no server binary ({bin}: {e})");
            return None;
        }
        let free = || {
            std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port()
        };
        let (port, cluster) = (free(), free());
        let dir = std::env::temp_dir().join(common::unique("hashivault-cert-keeper"));
        std::fs::create_dir_all(dir.join("data")).unwrap();
        let config = dir.join("server.hcl");
        std::fs::write(
            &config,
            format!(
                "storage \"raft\" {{\n  path = \"{}\"\n  node_id = \"keeper\"\n}}\n\
                 listener \"tcp\" {{\n  address = \"127.0.0.1:{port}\"\n  \
                 cluster_address = \"127.0.0.1:{cluster}\"\n  tls_disable = true\n}}\n\
                 api_addr = \"http://127.0.0.1:{port}\"\n\
                 cluster_addr = \"http://127.0.0.1:{cluster}\"\n",
                dir.join("data").display()
            ),
        )
        .unwrap();
        let mut server = Persistent {
            bin,
            dir,
            config,
            addr: format!("http://127.0.0.1:{port}"),
            child: None,
            unseal_key: String::new(),
            root_token: String::new(),
        };
        server.spawn();
        let init: Value = server
            .http(
                Method::PUT,
                "sys/init",
                json!({"secret_shares": 1, "secret_threshold": 1}),
            )
            .await;
        server.unseal_key = init["keys_base64"][0].as_str().unwrap().to_string();
        server.root_token = init["root_token"].as_str().unwrap().to_string();
        server.unseal().await;
        Some(server)
    }

    fn spawn(&mut self) {
        let log = std::fs::File::create(self.dir.join("server.log")).unwrap();
        let child = Command::new(&self.bin)
            .arg("server")
            .arg(format!("-config={}", self.config.display()))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("bao server");
        self.child = Some(child);
        let port: u16 = self.addr.rsplit(':').next().unwrap().parse().unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "bao did not listen in 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A plain HTTP call (init, unseal, health: no token).
    async fn http(&self, method: Method, path: &str, body: Value) -> Value {
        let answer = hashivault::reqwest::Client::new()
            .request(method, format!("{}/v1/{path}", self.addr))
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(answer.status().is_success(), "{path}: {}", answer.status());
        answer.json().await.unwrap()
    }

    /// Unseals and waits until the node is active (`sys/health` 200).
    async fn unseal(&self) {
        self.http(Method::PUT, "sys/unseal", json!({"key": self.unseal_key}))
            .await;
        for _ in 0..200 {
            let health = hashivault::reqwest::get(format!("{}/v1/sys/health", self.addr)).await;
            if health.is_ok_and(|h| h.status() == 200) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the server did not become active after unsealing");
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Started again from the same storage and unsealed.
    async fn restart(&mut self) {
        self.kill();
        self.spawn();
        self.unseal().await;
    }
}

impl Drop for Persistent {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn call(client: &Client, path: &str, body: Value) -> Envelope<Value> {
    client
        .request(Method::POST, path, Some(&body))
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A TLS server on loopback whose certificate comes from `keeper`, requiring a client
/// certificate under `roots`; each connection sends back the client's certificate it saw.
async fn tls_server(
    keeper: &CertKeeper,
    roots: Arc<rustls::RootCertStore>,
) -> (
    std::net::SocketAddr,
    mpsc::UnboundedReceiver<CertificateDer<'static>>,
) {
    let verifier = rustls::server::WebPkiClientVerifier::builder(roots)
        .build()
        .unwrap();
    let config = rustls::ServerConfig::builder()
        .with_client_cert_verifier(verifier)
        .with_cert_resolver(Arc::new(keeper.resolver()));
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (seen, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            match acceptor.accept(tcp).await {
                Ok(mut tls) => {
                    let client_cert = tls.get_ref().1.peer_certificates().unwrap()[0].clone();
                    let _ = seen.send(client_cert);
                    let _ = tls.write_all(b"hello").await;
                    let _ = tls.shutdown().await;
                }
                Err(e) => panic!("the TLS server refused a handshake: {e}"),
            }
        }
    });
    (addr, rx)
}

/// One handshake: the server's certificate the client saw, and the client's the server saw.
async fn handshake(
    connector: &TlsConnector,
    addr: std::net::SocketAddr,
    seen: &mut mpsc::UnboundedReceiver<CertificateDer<'static>>,
) -> (CertificateDer<'static>, CertificateDer<'static>) {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let mut tls = connector
        .connect(name, tcp)
        .await
        .expect("a verified handshake");
    let mut greeting = String::new();
    tls.read_to_string(&mut greeting).await.unwrap();
    assert_eq!(greeting, "hello");
    let server_cert = tls.get_ref().1.peer_certificates().unwrap()[0].clone();
    let client_cert = seen.recv().await.unwrap();
    (server_cert, client_cert)
}

/// The leaf the keeper serves now.
fn leaf(keeper: &CertKeeper) -> CertificateDer<'static> {
    keeper.current().expect("a certificate").cert[0].clone()
}

/// Reads events until the next `Issued` (printing the others); fails after `within`.
async fn next_issued(
    keeper: &mut CertKeeper,
    within: Duration,
    log: &mut Vec<String>,
    started: std::time::Instant,
) -> IssuedCert {
    tokio::time::timeout(within, async {
        loop {
            match keeper.next_event().await {
                Some(CertEvent::Issued(issued)) => {
                    log.push(format!(
                        "{:>6.2?} issued {}",
                        started.elapsed(),
                        issued.serial
                    ));
                    return issued;
                }
                Some(other) => log.push(format!("{:>6.2?} {other:?}", started.elapsed())),
                None => panic!("the keeper stopped: {log:#?}"),
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no new certificate in {within:?}: {log:#?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_renewed_certificates_across_a_server_restart_without_restarting_tls() {
    let test = "serves_renewed_certificates_across_a_server_restart_without_restarting_tls";
    // Before any HTTP client: reqwest's rustls needs the provider.
    hashivault::install_crypto_provider();
    let Some(mut server) = Persistent::start(test).await else {
        return;
    };
    let root = Client::builder()
        .address(&server.addr)
        .token(&server.root_token)
        .build()
        .unwrap();

    // A PKI engine with a root CA and a role for 20 s localhost certificates.
    call(
        &root,
        "sys/mounts/pki",
        json!({"type": "pki", "config": {"max_lease_ttl": "24h"}}),
    )
    .await;
    let ca = call(
        &root,
        "pki/root/generate/internal",
        json!({"common_name": "hashivault live root", "key_type": "ec", "ttl": "24h"}),
    )
    .await;
    let ca_pem = ca.data.unwrap()["certificate"]
        .as_str()
        .unwrap()
        .to_string();
    call(
        &root,
        "pki/roles/web",
        json!({
            "allowed_domains": ["localhost"],
            "allow_bare_domains": true,
            "allow_ip_sans": true,
            "key_type": "ec",
            "max_ttl": "20s",
        }),
    )
    .await;

    let request = CertRequest::new("localhost")
        .with_ip_sans(["127.0.0.1"])
        .with_ttl(Duration::from_secs(20));
    let t0 = std::time::Instant::now();
    let mut keeper = root.cert_keeper("pki", "web", request).spawn();
    let mut log = Vec::new();
    let a = next_issued(&mut keeper, Duration::from_secs(10), &mut log, t0).await;
    let a_der = leaf(&keeper);

    // One TLS server and one TLS client for the whole test, both served by the keeper.
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca_pem.as_bytes()).unwrap())
        .unwrap();
    let roots = Arc::new(roots);
    let (addr, mut seen) = tls_server(&keeper, roots.clone()).await;
    let mut client_config = rustls::ClientConfig::builder()
        .with_root_certificates(roots.clone())
        .with_client_cert_resolver(Arc::new(keeper.resolver()));
    // Full handshakes: a resumed TLS session carries the certificates of the one it resumes.
    client_config.resumption = rustls::client::Resumption::disabled();
    let connector = TlsConnector::from(Arc::new(client_config));

    assert_eq!(
        handshake(&connector, addr, &mut seen).await,
        (a_der.clone(), a_der.clone())
    );

    // The renewal at 2/3 of A's life: B, a new serial, served by the same configs.
    let b = next_issued(&mut keeper, Duration::from_secs(20), &mut log, t0).await;
    let b_der = leaf(&keeper);
    assert_ne!(a.serial, b.serial);
    assert_ne!(a_der, b_der);
    assert_eq!(
        handshake(&connector, addr, &mut seen).await,
        (b_der.clone(), b_der.clone())
    );

    // The server goes down in the middle of B's life.
    server.kill();
    log.push(format!("{:>6.2?} server killed", t0.elapsed()));
    let failed = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match keeper.next_event().await {
                Some(CertEvent::IssueFailed { error, retry_in }) => return (error, retry_in),
                other => log.push(format!("{:>6.2?} {other:?}", t0.elapsed())),
            }
        }
    })
    .await
    .expect("an issue request during the outage");
    log.push(format!(
        "{:>6.2?} issue failed: {} (retry in {:?})",
        t0.elapsed(),
        failed.0,
        failed.1
    ));
    // Still served during the outage, and still valid.
    assert!(SystemTime::now() < b.expiration);
    assert_eq!(
        handshake(&connector, addr, &mut seen).await,
        (b_der.clone(), b_der.clone())
    );
    assert_eq!(keeper.issued().unwrap().serial, b.serial);

    // Back, from the same storage (same CA, same role, same token), and unsealed.
    server.restart().await;
    log.push(format!(
        "{:>6.2?} server restarted and unsealed",
        t0.elapsed()
    ));
    let c = next_issued(&mut keeper, Duration::from_secs(20), &mut log, t0).await;
    let c_der = leaf(&keeper);
    assert!(
        SystemTime::now() < b.expiration,
        "B expired before C came: {log:#?}"
    );
    assert_ne!(c.serial, b.serial);
    assert_eq!(
        handshake(&connector, addr, &mut seen).await,
        (c_der.clone(), c_der)
    );
    println!("{}", log.join("\n"));
}
