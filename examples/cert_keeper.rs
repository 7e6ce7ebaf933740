//! A TLS server whose certificate Vault renews under it: `hashivault::cert::CertKeeper`.
//!
//! Needs the `cert-keeper` feature. Run it with `cargo xtask demo cert_keeper` (starts a
//! throwaway OpenBao dev server), or against your own server with `VAULT_ADDR` and
//! `VAULT_TOKEN` set: `cargo run --example cert_keeper --features cert-keeper`. The token must be
//! allowed to enable a secrets engine (a dev server's root token).
//!
//! It sets up a PKI engine with a role for 10 s certificates, starts a keeper, and builds one
//! rustls server whose certificate resolver is the keeper's. A client that trusts the root CA
//! connects three times: the first certificate, then after each renewal (at about 2/3 of the
//! life, 6–7 s) a new serial, from the same server, never restarted. It prints serial numbers,
//! never the private key.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hashivault::cert::{CertEvent, CertKeeper, CertRequest};
use hashivault::reqwest::Method;
use hashivault::{Client, Envelope};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::{TlsAcceptor, TlsConnector};

type Error = Box<dyn std::error::Error>;

async fn post(client: &Client, path: &str, body: Value) -> Result<Envelope<Value>, Error> {
    Ok(client.request(Method::POST, path, Some(&body)).await?)
}

/// Connects, and says whether the server's certificate is the keeper's current one.
async fn connect(
    connector: &TlsConnector,
    addr: std::net::SocketAddr,
    keeper: &CertKeeper,
) -> Result<bool, Error> {
    let tcp = TcpStream::connect(addr).await?;
    let mut tls = connector
        .connect(ServerName::try_from("localhost")?, tcp)
        .await?;
    let mut greeting = String::new();
    tls.read_to_string(&mut greeting).await?;
    let seen = tls
        .get_ref()
        .1
        .peer_certificates()
        .ok_or("no server certificate")?[0]
        .clone();
    let current = keeper.current().ok_or("no certificate")?;
    Ok(seen == current.cert[0])
}

/// Waits for the keeper's next certificate; prints what happened meanwhile.
async fn next_serial(keeper: &mut CertKeeper) -> Result<String, Error> {
    loop {
        match keeper.next_event().await.ok_or("the keeper stopped")? {
            CertEvent::Issued(issued) => return Ok(issued.serial),
            other => println!("keeper: {other:?}"),
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    hashivault::install_crypto_provider();
    let client = Client::from_env()?;
    let run = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let mount = format!("examples-cert-keeper-{run}");

    post(
        &client,
        &format!("sys/mounts/{mount}"),
        json!({"type": "pki"}),
    )
    .await?;
    println!("enabled pki at {mount}/");
    let root = post(
        &client,
        &format!("{mount}/root/generate/internal"),
        json!({"common_name": "hashivault keeper root", "key_type": "ec", "ttl": "1h"}),
    )
    .await?;
    let root_pem = root.data.as_ref().and_then(|d| d["certificate"].as_str());
    let root_pem = root_pem.ok_or("no root certificate")?.to_string();
    post(
        &client,
        &format!("{mount}/roles/web"),
        json!({
            "allowed_domains": ["localhost"],
            "allow_bare_domains": true,
            "allow_ip_sans": true,
            "key_type": "ec",
            "max_ttl": "10s",
        }),
    )
    .await?;
    println!("created role web (localhost, 10 s certificates)");

    // The keeper: a certificate now, the next at about 2/3 of its life.
    let request = CertRequest::new("localhost")
        .with_ip_sans(["127.0.0.1"])
        .with_ttl(Duration::from_secs(10));
    let mut keeper = client.cert_keeper(&mount, "web", request).spawn();
    let first = next_serial(&mut keeper).await?;
    println!("keeper: issued serial {first}");

    // One TLS server, built once, its certificate from the keeper at every handshake.
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(keeper.resolver()));
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        loop {
            let (tcp, _) = listener.accept().await?;
            if let Ok(mut tls) = acceptor.accept(tcp).await {
                tls.write_all(b"hello").await?;
                tls.shutdown().await?;
            }
        }
        #[allow(unreachable_code)]
        Ok::<_, std::io::Error>(())
    });
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from_pem_slice(root_pem.as_bytes())?)?;
    let mut client_config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    // A full handshake each time: a resumed TLS session keeps the certificate it began with.
    client_config.resumption = rustls::client::Resumption::disabled();
    let connector = TlsConnector::from(Arc::new(client_config));

    println!(
        "TLS to localhost:{}: verified, the keeper's certificate: {}",
        addr.port(),
        connect(&connector, addr, &keeper).await?
    );
    let mut serials = vec![first];
    for _ in 0..2 {
        let serial = next_serial(&mut keeper).await?;
        println!(
            "keeper: renewed, new serial {serial} (different: {})",
            !serials.contains(&serial)
        );
        println!(
            "the same TLS server now serves the new certificate: {}",
            connect(&connector, addr, &keeper).await?
        );
        serials.push(serial);
    }

    let mut events = keeper.events();
    drop(keeper);
    // The task's last event (stopped), then the end of the channel: the task is gone.
    while events.next().await.is_some() {}
    server.abort();
    println!("dropped the keeper: its task ended, no more requests");
    client
        .request::<Value, ()>(Method::DELETE, &format!("sys/mounts/{mount}"), None)
        .await?;
    println!("disabled {mount}/");
    Ok(())
}
