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
//! 2.7 has no `file` storage: [`common::PersistentServer`]), initialized with one unseal key, and
//! restarts the same configuration on the same ports, unsealing it again: what an operator's
//! restart is. `HASHIVAULT_SERVER_BIN` (set by `cargo xtask test`) or
//! `bao` on PATH; without one the test says SKIPPED, or fails under `HASHIVAULT_REQUIRE_LIVE=1`.
#![cfg(feature = "cert-keeper")]

mod common;

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

use common::PersistentServer;

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
    let Some(mut server) = PersistentServer::start(test).await else {
        return;
    };
    let root = Client::builder()
        .address(&server.addr)
        .token(server.token.as_str())
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
    server.stop();
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
