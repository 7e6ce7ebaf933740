//! Live: TLS against a dev server with a CA of its own (`bao server -dev-tls`): the CA from a
//! file, from bytes and from the environment (`VAULT_CACERT`, `BAO_CACERT`, `VAULT_CACERT_BYTES`,
//! `VAULT_CAPATH`), an untrusted CA with its hint, skip-verify, and a TLS server name that
//! differs from the address (verified, and resolved per connection, not at build).
//!
//! Runs with the TLS stack the features select: rustls by default (and with `--all-features`),
//! native-tls with `--no-default-features --features native-tls,sys,auth-token` (`cargo xtask
//! test` runs both).

mod common;

use hashivault::{Client, ClientBuilder};

async fn wait_active(client: &Client) {
    for _ in 0..100 {
        if client.sys_health().await.is_ok_and(|h| h.status == 200) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the TLS dev server never became active");
}

/// The `sys/health` status through a client of `builder`.
async fn health(builder: ClientBuilder) -> u16 {
    builder.build().unwrap().sys_health().await.unwrap().status
}

#[tokio::test]
async fn tls_ca_skip_verify_and_server_name() {
    let Some(server) = common::own_server_with("tls_ca_skip_verify_and_server_name", true) else {
        return;
    };
    let ca = server.ca_file.clone().unwrap();

    // Trusted through the CA file.
    let trusted = Client::builder()
        .address(&server.addr)
        .token(&server.token)
        .ca_cert_file(&ca)
        .build()
        .unwrap();
    wait_active(&trusted).await;
    assert!(trusted.auth().is_authenticated().await.unwrap());

    // The same CA as bytes, and through VAULT_CACERT.
    let pem = std::fs::read(&ca).unwrap();
    let from_bytes = Client::builder().address(&server.addr).ca_cert_pem(pem);
    assert_eq!(health(from_bytes).await, 200);
    let pem_text = String::from_utf8(std::fs::read(&ca).unwrap()).unwrap();
    // A CA directory holding the CA and a file that is not a certificate (skipped).
    let ca_dir = std::env::temp_dir().join(common::unique("hashivault-capath"));
    std::fs::create_dir_all(&ca_dir).unwrap();
    std::fs::copy(&ca, ca_dir.join("ca.pem")).unwrap();
    std::fs::write(ca_dir.join("README"), "not a certificate").unwrap();
    let ca_dir = ca_dir.display().to_string();
    let ca_path = ca.display().to_string();
    for (name, value) in [
        ("VAULT_CACERT", ca_path.as_str()),
        ("BAO_CACERT", ca_path.as_str()),
        ("VAULT_CACERT_BYTES", pem_text.as_str()),
        ("BAO_CAPATH", ca_dir.as_str()),
    ] {
        let vars = [("BAO_ADDR", server.addr.as_str()), (name, value)];
        let from_env = ClientBuilder::from_env_with(|n| {
            vars.iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| v.to_string())
        })
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(
            from_env.sys_health().await.unwrap().status,
            200,
            "trusted through {name}"
        );
    }
    std::fs::remove_dir_all(&ca_dir).unwrap();

    // Untrusted: a transport error whose hint names the CA settings.
    let untrusted = Client::builder()
        .address(&server.addr)
        .max_retries(0)
        .build()
        .unwrap();
    let err = untrusted.sys_health().await.unwrap_err();
    assert!(err.is_transport(), "{err}");
    assert!(err.to_string().contains("VAULT_CACERT"), "{err}");

    // Skip-verify works (and is loud in the logs).
    let reckless = Client::builder()
        .address(&server.addr)
        .danger_skip_verify(true);
    assert_eq!(health(reckless).await, 200);

    // The certificate names `localhost`: reach 127.0.0.1 and verify the name `localhost`.
    let named = Client::builder()
        .address(&server.addr)
        .ca_cert_file(&ca)
        .tls_server_name("localhost")
        .build()
        .unwrap();
    assert_eq!(named.sys_health().await.unwrap().status, 200);
    assert_eq!(named.sys_health().await.unwrap().status, 200);

    // The name is really verified: one the certificate does not carry fails the handshake.
    let misnamed = Client::builder()
        .address(&server.addr)
        .ca_cert_file(&ca)
        .tls_server_name("not-in-the-certificate.example")
        .max_retries(0)
        .build()
        .unwrap();
    let err = misnamed.sys_health().await.unwrap_err();
    assert!(err.is_transport(), "{err}");

    // Nothing is resolved at build: a host that does not resolve builds fine, and fails only
    // when a request connects.
    let unresolvable = Client::builder()
        .address("https://vault.does-not-exist.invalid:8200")
        .ca_cert_file(&ca)
        .tls_server_name("localhost")
        .max_retries(0)
        .build()
        .unwrap();
    assert!(unresolvable.sys_health().await.unwrap_err().is_transport());

    // The same through VAULT_TLS_SERVER_NAME.
    let vars = [
        ("VAULT_ADDR", server.addr.clone()),
        ("VAULT_CACERT", ca.display().to_string()),
        ("VAULT_TLS_SERVER_NAME", "localhost".to_string()),
    ];
    let from_env = ClientBuilder::from_env_with(|n| {
        vars.iter().find(|(k, _)| *k == n).map(|(_, v)| v.clone())
    })
    .unwrap()
    .build()
    .unwrap();
    assert_eq!(from_env.sys_health().await.unwrap().status, 200);
}
