//! Live: each error kind a real server produces, decoded from its real body.
// The API groups this file's calls use: empty without them (`scripts/feature-sets.sh`).
#![cfg(all(feature = "auth-token", feature = "cubbyhole", feature = "sys"))]

mod common;

use hashivault::reqwest::Method;
use hashivault::{Client, ErrorKind, JsonMap};
use serde_json::json;

#[tokio::test]
async fn not_found_with_empty_errors() {
    let Some(client) = common::live_client("not_found_with_empty_errors") else {
        return;
    };
    let path = common::unique("missing");
    let err = common::wire::read_cubbyhole(&client, &path)
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(err.kind(), Some(ErrorKind::InvalidPath));
    let api = err.api().unwrap();
    assert_eq!(api.method, "GET");
    assert_eq!(api.path, format!("/v1/cubbyhole/{path}"));
    assert!(api.errors.is_empty(), "Vault's bare 404: {:?}", api.errors);
}

#[tokio::test]
async fn bad_request_carries_vaults_message() {
    let Some(client) = common::live_client("bad_request_carries_vaults_message") else {
        return;
    };
    let err = client
        .api()
        .policies_write_acl_policy()
        .name(common::unique("broken"))
        .body_map(|b| b.policy("path \"x\" { capabilities = [".to_string()))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_invalid_request(), "{err}");
    assert!(
        err.messages().iter().any(|m| m.contains("policy")),
        "{:?}",
        err.messages()
    );
}

#[tokio::test]
async fn unknown_path_is_unsupported_or_not_found() {
    let Some(client) = common::live_client("unknown_path_is_unsupported_or_not_found") else {
        return;
    };
    let err = client
        .request::<JsonMap, ()>(Method::GET, "sys/capabilities-self", None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), Some(ErrorKind::UnsupportedOperation), "{err}");
    assert!(err.messages()[0].contains("unsupported operation"));
}

#[tokio::test]
async fn permission_denied_for_a_token_without_policies() {
    let Some(root) = common::live_client("permission_denied_for_a_token_without_policies") else {
        return;
    };
    let limited = common::live::default_policy_client(&root, "5m").await;
    let err = common::live::mounts_denied(&limited).await;
    assert_eq!(err.status(), Some(403));
    // No token at all: 403 from Vault too (it does not say 401 for a missing token).
    let anonymous = Client::builder().address(root.address()).build().unwrap();
    let err = anonymous.auth().lookup_self().await.unwrap_err();
    assert!(err.is_permission_denied() || err.is_unauthorized(), "{err}");
}

#[tokio::test]
async fn sealed_server_answers_503_and_health_says_so() {
    let Some(server) = common::own_server("sealed_server_answers_503_and_health_says_so") else {
        return;
    };
    let client = Client::builder()
        .address(&server.addr)
        .token(&server.token)
        .max_retries(0)
        .build()
        .unwrap();
    // Wait for the dev server to be unsealed and active.
    let mut ready = false;
    for _ in 0..100 {
        if client.sys_health().await.is_ok_and(|h| h.status == 200) {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ready, "own dev server never became active");
    common::request_ok(
        &client,
        Method::POST,
        "secret/data/before-seal",
        json!({"data": {"k": "v"}}),
    )
    .await;
    client.api().seal().send().await.unwrap();
    let err = client
        .request::<JsonMap, ()>(Method::GET, "secret/data/before-seal", None)
        .await
        .unwrap_err();
    assert!(err.is_sealed(), "{err}");
    assert_eq!(err.status(), Some(503));
    assert!(
        err.messages().iter().any(|m| m.contains("sealed")),
        "{:?}",
        err.messages()
    );
    let health = client.sys_health().await.unwrap();
    assert_eq!(health.status, 503);
    assert!(health.sealed);
    let seal = client.sys_seal_status().await.unwrap();
    assert!(seal.sealed);
}
