//! Live: secrets engines through the generated API (transit, PKI), on nested mounts.
#![cfg(all(feature = "sys", any(feature = "transit", feature = "pki")))]

mod common;

use hashivault::api::types;

use common::live::enable_engine as enable;

#[cfg(feature = "transit")]
#[tokio::test]
async fn transit_encrypt_decrypt() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let Some(client) = common::live_client("transit_encrypt_decrypt") else {
        return;
    };
    let mount = format!("{}/transit", common::unique("team"));
    enable(&client, &mount, "transit").await;
    let api = client.api();
    api.transit_create_key()
        .transit_mount_path(&mount)
        .name("orders")
        .body_map(|b| b.type_("aes256-gcm96".to_string()))
        .send()
        .await
        .unwrap();
    let plaintext = b64.encode(b"card 4111 1111 1111 1111");
    let encrypted = common::live::data(
        api.transit_encrypt()
            .transit_mount_path(&mount)
            .name("orders")
            .body_map(|b| b.plaintext(hashivault::Sensitive::from(&plaintext)))
            .send(),
    )
    .await;
    let ciphertext = encrypted.ciphertext.clone().unwrap();
    assert!(ciphertext.starts_with("vault:v1:"), "{ciphertext}");
    let decrypted = common::live::data(
        api.transit_decrypt()
            .transit_mount_path(&mount)
            .name("orders")
            .body_map(|b| b.ciphertext(ciphertext))
            .send(),
    )
    .await;
    let back = decrypted.plaintext.as_ref().unwrap().expose();
    assert_eq!(b64.decode(back).unwrap(), b"card 4111 1111 1111 1111");
}

#[cfg(feature = "pki")]
#[tokio::test]
async fn pki_root_role_issue() {
    let Some(client) = common::live_client("pki_root_role_issue") else {
        return;
    };
    let mount = format!("{}/pki", common::unique("team"));
    enable(&client, &mount, "pki").await;
    let api = client.api();
    let root = common::live::data(
        api.pki_generate_root()
            .pki_mount_path(&mount)
            .exported(types::PkiGenerateRootExported::Internal)
            .body_map(|b| {
                b.common_name("hashivault test root".to_string())
                    .key_type(types::PkiGenerateRootRequestKeyType::Ec)
                    .ttl(hashivault::VaultDuration::from("24h"))
            })
            .send(),
    )
    .await;
    assert!(root
        .certificate
        .unwrap()
        .starts_with("-----BEGIN CERTIFICATE-----"));
    api.pki_write_role()
        .pki_mount_path(&mount)
        .name("web")
        .body_map(|b| {
            b.allowed_domains(vec!["example.test".to_string()])
                .allow_subdomains(true)
                .max_ttl(hashivault::VaultDuration::from("1h"))
        })
        .send()
        .await
        .unwrap();
    let issued = common::live::data(
        api.pki_issue_with_role()
            .pki_mount_path(&mount)
            .role("web")
            .body_map(|b| {
                b.common_name("api.example.test".to_string())
                    .ttl(hashivault::VaultDuration::from("10m"))
            })
            .send(),
    )
    .await;
    assert!(issued.certificate.unwrap().contains("BEGIN CERTIFICATE"));
    assert!(issued.private_key.unwrap().expose().contains("PRIVATE KEY"));
    assert!(issued.serial_number.unwrap().contains(':'));
    assert!(!issued.ca_chain.unwrap_or_default().is_empty());
    // A name outside the role is a 400.
    let issue = api.pki_issue_with_role().pki_mount_path(&mount).role("web");
    let elsewhere = "evil.other.test".to_string();
    let refused = issue.body_map(|b| b.common_name(elsewhere)).send().await;
    assert!(refused.unwrap_err().is_invalid_request());
}
