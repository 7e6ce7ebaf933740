//! The transport's errors against a real OpenBao (`cargo xtask test` runs it with a dev server).
// The API groups this file's calls use: empty without them (`scripts/feature-sets.sh`).
#![cfg(feature = "cubbyhole")]

mod common;

use hashivault::reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn enabling_a_mount_twice_is_already_in_use() {
    let Some(client) = common::live_client("enabling_a_mount_twice_is_already_in_use") else {
        return;
    };
    let path = common::unique("inuse");
    let mut said = String::new();
    for (kind, body) in [
        ("mounts", json!({"type": "kv", "options": {"version": "1"}})),
        ("auth", json!({"type": "userpass"})),
    ] {
        let at = format!("sys/{kind}/{path}");
        let enable = || client.request::<hashivault::JsonMap, _>(Method::POST, &at, Some(&body));
        enable().await.unwrap();
        let err = enable().await.unwrap_err();
        assert!(err.is_already_in_use(), "{kind}: {err}");
        assert!(!err.is_invalid_request(), "{kind}: {err}");
        said = err.messages().join("; ");
    }
    eprintln!("OpenBao says: {said}");
    for kind in ["mounts", "auth"] {
        client
            .request::<hashivault::JsonMap, ()>(Method::DELETE, &format!("sys/{kind}/{path}"), None)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_call_without_a_token_says_so() {
    let Some(client) = common::live_client("a_call_without_a_token_says_so") else {
        return;
    };
    let anonymous = hashivault::Client::builder()
        .address(client.address())
        .build()
        .unwrap();
    let err = common::wire::read_cubbyhole(&anonymous, "x")
        .await
        .unwrap_err();
    assert!(err.is_permission_denied(), "{err}");
    assert!(err.to_string().contains("no token was set"), "{err}");
    assert_eq!(err.operation(), Some("cubbyhole_read"));
}
