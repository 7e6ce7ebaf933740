//! Live: TLS against a dev server with a CA of its own (`bao server -dev-tls`): the CA from a
//! file, from bytes and from `VAULT_CACERT`, an untrusted CA with its hint, skip-verify, and a TLS
//! server name that differs from the address.

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
    let from_bytes = Client::builder()
        .address(&server.addr)
        .ca_cert_pem(pem)
        .build()
        .unwrap();
    assert_eq!(from_bytes.sys_health().await.unwrap().status, 200);
    let vars = [
        ("VAULT_ADDR", server.addr.clone()),
        ("VAULT_CACERT", ca.display().to_string()),
    ];
    let from_env = ClientBuilder::from_vars(
        |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        },
        None,
    )
    .unwrap()
    .build()
    .unwrap();
    assert_eq!(from_env.sys_health().await.unwrap().status, 200);

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
        .danger_skip_verify(true)
        .build()
        .unwrap();
    assert_eq!(reckless.sys_health().await.unwrap().status, 200);

    // The certificate names `localhost`: reach 127.0.0.1 and verify the name `localhost`.
    let named = Client::builder()
        .address(&server.addr)
        .ca_cert_file(&ca)
        .tls_server_name("localhost")
        .build()
        .unwrap();
    assert_eq!(named.sys_health().await.unwrap().status, 200);
}
