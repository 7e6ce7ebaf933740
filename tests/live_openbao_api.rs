//! Live: operations only OpenBao serves, called through the generated API (`hashivault::api` is
//! the union of Vault's and OpenBao's documents, `hashivault_codegen::union`): KV v2's
//! `detailed-metadata` LIST, the root token generation (`sys/generate-root-token`) and the
//! keyring rotation config (`sys/rotate/keyring/config`).
//!
//! The answers asserted are what OpenBao 2.7.2's dev server gave (checked with curl,
//! 2026-12-06: `GET /v1/sys/generate-root-token/attempt` answers `data: {complete: false, otp:
//! "", otp_length: 26, progress: 0, required: 1, started: false}`, `GET
//! /v1/sys/rotate/keyring/config` answers `data: {enabled: true, interval: 0, max_operations:
//! 3865470566}`). A server that is not OpenBao 2.4+ (Vault serves none of these) is skipped
//! with a message, and fails under `HASHIVAULT_REQUIRE_LIVE=1`.
#![cfg(any(feature = "kv", feature = "sys-admin"))]

mod common;

use hashivault::Client;

/// The root client, when the server is OpenBao 2.4 or newer.
async fn openbao(test: &str) -> Option<Client> {
    common::live_openbao_client(test, (2, 4), "these operations are OpenBao 2.4+'s").await
}

/// `kv-scan-detailed-metadata-path` (OpenBao only): the keys under a prefix with each key's
/// metadata, in one LIST.
#[cfg(feature = "kv")]
#[tokio::test]
async fn kv_detailed_metadata_lists_keys_with_their_metadata() {
    let Some(client) = openbao("kv_detailed_metadata_lists_keys_with_their_metadata").await else {
        return;
    };
    let prefix = common::unique("detailed");
    let kv = client.kv2("secret");
    kv.write(&format!("{prefix}/a"), &serde_json::json!({"x": "1"}))
        .await
        .unwrap();
    kv.write(&format!("{prefix}/a"), &serde_json::json!({"x": "2"}))
        .await
        .unwrap();
    kv.write(&format!("{prefix}/dir/b"), &serde_json::json!({"y": "3"}))
        .await
        .unwrap();

    let sent = client
        .api()
        .kv_scan_detailed_metadata_path()
        .kv_v2_mount_path("secret")
        .path(&prefix)
        .send()
        .await
        .unwrap();
    let data = sent.into_inner().into_data().unwrap();
    assert_eq!(
        data.keys,
        Some(vec!["a".to_string(), "dir/".to_string()]),
        "LIST: the direct children"
    );
    let a = &data.key_info.as_ref().unwrap()["a"];
    assert_eq!(a["current_version"], 2, "{a}");
    assert_eq!(a["versions"]["1"]["destroyed"], false);
    assert!(a["versions"]["2"]["created_time"].is_string());

    // Its entry in the operation table.
    let op = hashivault::operation::find("kv-scan-detailed-metadata-path").unwrap();
    assert_eq!(op.method, "GET");
    assert_eq!(
        op.path, "/{kv_v2_mount_path}/detailed-metadata/{path}?list=true",
        "OpenBao's path (its document has no trailing `/` on LISTs), its KV mount named as Vault's"
    );
    for path in [&prefix, &format!("{prefix}/a"), &format!("{prefix}/dir/b")] {
        let _ = kv.delete_metadata(path).await;
    }
}

/// `generate-root-token` and `read-rotate-keyring-config` (OpenBao only), typed by OpenBao's
/// document.
#[cfg(feature = "sys-admin")]
#[tokio::test]
async fn root_token_generation_and_keyring_rotation_config_read() {
    let Some(client) = openbao("root_token_generation_and_keyring_rotation_config_read").await
    else {
        return;
    };
    let api = client.api();
    let attempt = common::live::data(api.generate_root_token().send()).await;
    assert_eq!(
        attempt.started,
        Some(false),
        "no attempt on a fresh dev server"
    );
    assert_eq!(attempt.complete, Some(false));
    assert_eq!(attempt.required, Some(1), "a dev server has one unseal key");
    assert_eq!(attempt.progress, Some(0));
    assert_eq!(attempt.otp_length, Some(26));

    let config = common::live::data(api.read_rotate_keyring_config().send()).await;
    assert_eq!(
        config.enabled,
        Some(true),
        "OpenBao rotates its keyring by default"
    );
    assert!(
        config.max_operations.is_some_and(|n| n > 1_000_000),
        "{:?}",
        config.max_operations
    );
}
