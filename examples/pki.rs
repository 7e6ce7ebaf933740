//! PKI: a root CA, a role, a certificate issued for `localhost`, and a TLS connection with it.
//!
//! Needs the `pki` feature. Run it with `cargo xtask demo pki` (starts a throwaway OpenBao dev
//! server), or against your own server with `VAULT_ADDR` and `VAULT_TOKEN` set:
//! `cargo run --example pki --features pki`. The token must be allowed to enable a secrets
//! engine (a dev server's root token).
//!
//! The issued certificate and key go straight into a rustls server on a loopback port; a rustls
//! client that trusts only the new root CA connects to it, and one that trusts nothing is
//! refused. It prints what it did, never the private key.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use hashivault::api::types::{
    PkiGenerateRootExported, PkiGenerateRootRequestKeyType, PkiWriteRoleRequestKeyType,
};
use hashivault::Client;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::{TlsAcceptor, TlsConnector};

type Error = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let client = Client::from_env()?;
    let api = client.api();
    let run = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let mount = format!("examples-pki-{run}");

    api.mounts_enable_secrets_engine()
        .path(&mount)
        .body_map(|b| b.type_("pki"))
        .send()
        .await?;
    println!("enabled pki at {mount}/");

    // 1. A root CA whose key never leaves Vault (`internal`).
    let root = api
        .pki_generate_root()
        .pki_mount_path(&mount)
        .exported(PkiGenerateRootExported::Internal)
        .body_map(|b| {
            b.common_name("hashivault example root")
                .key_type(PkiGenerateRootRequestKeyType::Ec)
                .ttl("24h")
        })
        .send()
        .await?
        .into_data()?;
    let root_pem = root.certificate.ok_or("no root certificate")?;
    println!(
        "generated root CA \"hashivault example root\" (serial {}, key kept in Vault: {})",
        root.serial_number.unwrap_or_default(),
        root.private_key.is_none()
    );

    // 2. A role for server certificates on localhost.
    api.pki_write_role()
        .pki_mount_path(&mount)
        .name("localhost-server")
        .body_map(|b| {
            b.allowed_domains(["localhost"])
                .allow_bare_domains(true)
                .allow_ip_sans(true)
                .key_type(PkiWriteRoleRequestKeyType::Ec)
                .server_flag(true)
                .max_ttl("1h")
        })
        .send()
        .await?;
    println!("created role localhost-server (localhost only, server certificates, max 1h)");

    // 3. Issue a certificate; Vault returns the key once and keeps no copy.
    let issued = api
        .pki_issue_with_role()
        .pki_mount_path(&mount)
        .role("localhost-server")
        .body_map(|b| b.common_name("localhost").ip_sans(["127.0.0.1"]).ttl("10m"))
        .send()
        .await?
        .into_data()?;
    let cert_pem = issued.certificate.ok_or("no certificate")?;
    let key = issued.private_key.ok_or("no private key")?;
    println!(
        "issued a certificate for localhost (serial {}, key type {}, expires at unix time {})",
        issued.serial_number.unwrap_or_default(),
        issued.private_key_type.unwrap_or_default(),
        issued.expiration.unwrap_or_default()
    );

    // 4. Use it: a rustls server with the issued certificate, a rustls client trusting the root.
    hashivault::install_crypto_provider();
    let chain = vec![CertificateDer::from_pem_slice(cert_pem.as_bytes())?];
    let key = PrivateKeyDer::from_pem_slice(key.expose().as_bytes())?;
    let server_config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let acceptor = TlsAcceptor::from(Arc::new(server_config));
    let server = tokio::spawn(async move {
        // Two connections: the trusting client, then the one that trusts nothing.
        for _ in 0..2 {
            let (tcp, _) = listener.accept().await?;
            if let Ok(mut tls) = acceptor.accept(tcp).await {
                tls.write_all(b"hello over TLS\n").await?;
                tls.shutdown().await?;
            }
        }
        Ok::<_, std::io::Error>(())
    });

    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from_pem_slice(root_pem.as_bytes())?)?;
    let trusting = TlsConnector::from(Arc::new(
        rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    ));
    let name = ServerName::try_from("localhost")?;
    let mut tls = trusting
        .connect(name.clone(), TcpStream::connect(addr).await?)
        .await?;
    let mut greeting = String::new();
    tls.read_to_string(&mut greeting).await?;
    let (_, session) = tls.get_ref();
    println!(
        "TLS to localhost:{} verified against the new root CA ({:?}): server says {:?}",
        addr.port(),
        session.protocol_version().ok_or("no protocol version")?,
        greeting.trim()
    );

    let untrusting = TlsConnector::from(Arc::new(
        rustls::ClientConfig::builder()
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth(),
    ));
    match untrusting
        .connect(name, TcpStream::connect(addr).await?)
        .await
    {
        Err(e) => println!("a client without the root CA is refused: {e}"),
        Ok(_) => println!("a client without the root CA unexpectedly connected"),
    }
    server.await??;

    api.mounts_disable_secrets_engine()
        .path(&mount)
        .send()
        .await?;
    println!("disabled {mount}/");
    Ok(())
}
