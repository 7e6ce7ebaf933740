//! KV v2 on the wire (`src/kv/v2.rs`): method, path, query, headers and body of every operation,
//! and the decoding of answers captured from a real OpenBao 2.7.2 (`tests/fixtures/kv/`).

mod common;

use hashivault::kv::{KvConfigUpdate, MetadataUpdate, ReadOutcome};
use httpmock::prelude::*;
use httpmock::Method as HttpMethod;
use serde::Deserialize;
use serde_json::{json, Value};

use common::wire::{call, client, kv_fixture, list_call, vault_headers};

#[derive(Deserialize)]
struct Login {
    user: String,
    password: String,
}

#[tokio::test]
async fn v2_read_latest_into_a_type() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            vault_headers(when)
                .method(GET)
                .path("/v1/secret/data/app/config")
                .query_param_missing("version");
            then.status(200).body(kv_fixture("v2_read"));
        })
        .await;
    let secret = client(&server)
        .kv2("secret")
        .read::<Login>("/app/config/")
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(secret.data.user, "admin");
    assert_eq!(secret.data.password, "s3cret");
    assert_eq!(secret.metadata.version, 2);
    assert_eq!(
        secret.metadata.created_time,
        "2026-11-25T12:36:49.792088898Z"
    );
    assert_eq!(secret.metadata.deletion_time, None);
    assert!(!secret.metadata.destroyed);
    assert!(secret.metadata.custom_metadata.is_empty());
    let shown = format!("{secret:?}");
    assert!(
        !shown.contains("s3cret") && !shown.contains("admin"),
        "{shown}"
    );
    assert!(shown.contains("version: 2"), "{shown}");
}

#[tokio::test]
async fn v2_read_version_and_json() {
    let server = MockServer::start_async().await;
    let mock = call(GET, "/v1/secret/data/app/config")
        .vault_headers()
        .query("version", "1")
        .answers(&server, 200, kv_fixture("v2_read_version1"))
        .await;
    let kv = client(&server);
    let kv = kv.kv2("secret");
    let secret = kv.read_version::<Login>("app/config", 1).await.unwrap();
    assert_eq!(secret.data.password, "hunter2");
    assert_eq!(secret.metadata.version, 1);
    let outcome = kv
        .read_version_outcome::<hashivault::JsonMap>("app/config", 1)
        .await
        .unwrap();
    let found = outcome.found().expect("found");
    assert_eq!(found.data["user"], "admin");
    mock.assert_calls_async(2).await;

    let latest = call(GET, "/v1/secret/data/app/config")
        .query_missing("version")
        .answers(&server, 200, kv_fixture("v2_read"))
        .await;
    let secret = kv.read_json("app/config").await.unwrap();
    latest.assert_async().await;
    assert_eq!(secret.metadata.version, 2);
    assert_eq!(secret.data["password"], "s3cret");
    assert!(!format!("{secret:?}").contains("s3cret"));
}

#[tokio::test]
async fn v2_write_and_check_and_set() {
    let server = MockServer::start_async().await;
    let plain = call(POST, "/v1/secret/data/app/config")
        .vault_headers()
        .header("content-type", "application/json")
        .body(json!({"data": {"user": "admin", "password": "hunter2"}}))
        .answers(&server, 200, kv_fixture("v2_write"))
        .await;
    let kv_client = client(&server);
    let kv = kv_client.kv2("secret");
    let meta = kv
        .write(
            "app/config",
            &json!({"user": "admin", "password": "hunter2"}),
        )
        .await
        .unwrap();
    plain.assert_async().await;
    assert_eq!(meta.version, 1);
    assert_eq!(meta.deletion_time, None);
    assert!(!meta.destroyed);

    let cas0 = call(POST, "/v1/secret/data/new")
        .body(json!({"data": {"a": 1}, "options": {"cas": 0}}))
        .answers(&server, 400, kv_fixture("v2_cas_mismatch"))
        .await;
    let err = kv.write_cas("new", &json!({"a": 1}), 0).await.unwrap_err();
    cas0.assert_async().await;
    assert!(err.is_cas_mismatch(), "{err}");
    assert!(!err.is_cas_required());
    assert!(err.is_invalid_request());
    assert!(
        err.to_string()
            .contains("check-and-set parameter did not match"),
        "{err}"
    );

    let required = call(POST, "/v1/secret/data/locked")
        .answers(&server, 400, kv_fixture("v2_cas_required"))
        .await;
    let err = kv.write("locked", &json!({"a": 1})).await.unwrap_err();
    required.assert_async().await;
    assert!(err.is_cas_required(), "{err}");
    assert!(!err.is_cas_mismatch(), "{err}");
}

#[tokio::test]
async fn v2_patch_sends_a_merge_patch() {
    let server = MockServer::start_async().await;
    let ok = server
        .mock_async(|when, then| {
            vault_headers(when)
                .method(HttpMethod::PATCH)
                .path("/v1/secret/data/app/config")
                .header("content-type", "application/merge-patch+json")
                .json_body(json!({"data": {"password": "patched", "old": null}}));
            then.status(200).body(kv_fixture("v2_write"));
        })
        .await;
    let cas = call(HttpMethod::PATCH, "/v1/secret/data/app/cas")
        .header("content-type", "application/merge-patch+json")
        .body(json!({"data": {"a": 1}, "options": {"cas": 4}}))
        .answers(&server, 200, kv_fixture("v2_write"))
        .await;
    let c = client(&server);
    let kv = c.kv2("secret");
    let meta = kv
        .patch("app/config", &json!({"password": "patched", "old": null}))
        .await
        .unwrap();
    assert_eq!(meta.version, 1);
    kv.patch_cas("app/cas", &json!({"a": 1}), 4).await.unwrap();
    ok.assert_async().await;
    cas.assert_async().await;
}

#[tokio::test]
async fn v2_patch_errors_say_why() {
    let server = MockServer::start_async().await;
    call(HttpMethod::PATCH, "/v1/old/data/x")
        .answers(&server, 405, kv_fixture("v1_patch_unsupported"))
        .await;
    call(HttpMethod::PATCH, "/v1/secret/data/denied")
        .answers(
            &server,
            403,
            r#"{"errors":["1 error occurred:\n\t* permission denied\n\n"]}"#,
        )
        .await;
    call(HttpMethod::PATCH, "/v1/secret/data/gone")
        .answers(&server, 404, kv_fixture("v2_patch_deleted"))
        .await;
    call(HttpMethod::PATCH, "/v1/secret/data/never")
        .answers(&server, 404, kv_fixture("not_found"))
        .await;
    let c = client(&server);
    let err = c.kv2("old").patch("x", &json!({"a": 1})).await.unwrap_err();
    assert_eq!(err.status(), Some(405));
    assert!(err.to_string().contains("does not support PATCH"), "{err}");
    let err = c
        .kv2("secret")
        .patch("denied", &json!({"a": 1}))
        .await
        .unwrap_err();
    assert!(err.is_permission_denied());
    assert!(err.to_string().contains("`patch` capability"), "{err}");
    let err = c
        .kv2("secret")
        .patch("gone", &json!({"a": 1}))
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    let meta = err.kv_deleted_version().expect("deleted version metadata");
    assert_eq!(meta.version, 3);
    assert!(meta.deletion_time.is_some());
    let err = c
        .kv2("secret")
        .patch("never", &json!({"a": 1}))
        .await
        .unwrap_err();
    assert!(err.is_not_found() && !err.is_kv_deleted_version());
}

#[tokio::test]
async fn v2_deleted_destroyed_and_missing_versions() {
    let server = MockServer::start_async().await;
    for (version, body) in [
        ("1", "v2_read_deleted"),
        ("2", "v2_read_destroyed"),
        ("9", "not_found"),
    ] {
        call(GET, "/v1/secret/data/app/config")
            .query("version", version)
            .answers(&server, 404, kv_fixture(body))
            .await;
    }
    call(GET, "/v1/secret/data/app/config")
        .query_missing("version")
        .answers(&server, 404, kv_fixture("v2_read_deleted_latest"))
        .await;
    call(GET, "/v1/secret/data/forbidden")
        .answers(&server, 403, r#"{"errors":["permission denied"]}"#)
        .await;
    let c = client(&server);
    let kv = c.kv2("secret");

    let err = kv.read_version::<Login>("app/config", 1).await.unwrap_err();
    assert!(err.is_not_found());
    let meta = err.kv_deleted_version().expect("deleted");
    assert_eq!(meta.version, 1);
    assert_eq!(
        meta.deletion_time.as_deref(),
        Some("2026-11-25T12:36:49.903370209Z")
    );
    assert!(!meta.destroyed);

    let err = kv.read_version::<Login>("app/config", 2).await.unwrap_err();
    let meta = err.kv_deleted_version().expect("destroyed");
    assert!(meta.destroyed && meta.version == 2);

    let err = kv.read_version::<Login>("app/config", 9).await.unwrap_err();
    assert!(err.is_not_found());
    assert!(err.kv_deleted_version().is_none());

    let err = kv.read_json("app/config").await.unwrap_err();
    assert_eq!(err.kv_deleted_version().map(|m| m.version), Some(3));

    let outcome = kv
        .read_version_outcome::<Login>("app/config", 1)
        .await
        .unwrap();
    assert!(matches!(outcome, ReadOutcome::Deleted(ref m) if m.version == 1));
    let outcome = kv
        .read_version_outcome::<Login>("app/config", 2)
        .await
        .unwrap();
    assert!(matches!(outcome, ReadOutcome::Destroyed(ref m) if m.version == 2));
    let outcome = kv
        .read_version_outcome::<Login>("app/config", 9)
        .await
        .unwrap();
    assert!(matches!(outcome, ReadOutcome::NotFound));
    let outcome = kv.read_outcome::<Login>("app/config").await.unwrap();
    assert!(matches!(outcome, ReadOutcome::Deleted(ref m) if m.version == 3));
    let err = kv.read_outcome::<Login>("forbidden").await.unwrap_err();
    assert!(err.is_permission_denied());
}

#[tokio::test]
async fn v2_list_keys_and_missing_folders() {
    let server = MockServer::start_async().await;
    let root = list_call("/v1/secret/metadata/")
        .vault_headers()
        .answers(&server, 200, kv_fixture("v2_list_root"))
        .await;
    let folder = list_call("/v1/secret/metadata/app/")
        .answers(&server, 200, kv_fixture("v2_list"))
        .await;
    let missing = list_call("/v1/secret/metadata/zzz/")
        .answers(&server, 404, kv_fixture("not_found"))
        .await;
    let c = client(&server);
    let kv = c.kv2("secret");
    assert_eq!(kv.list("").await.unwrap(), vec!["a b/", "deep/"]);
    assert_eq!(kv.list("/app/").await.unwrap(), vec!["app/"]);
    assert!(kv.list("zzz").await.unwrap().is_empty());
    root.assert_async().await;
    folder.assert_async().await;
    missing.assert_async().await;

    // A 403 is still an error.
    call(GET, "/v1/secret/metadata/secret-stuff/")
        .answers(&server, 403, r#"{"errors":["permission denied"]}"#)
        .await;
    assert!(kv
        .list("secret-stuff")
        .await
        .unwrap_err()
        .is_permission_denied());
}

#[tokio::test]
async fn v2_delete_undelete_destroy() {
    let server = MockServer::start_async().await;
    let latest = call(DELETE, "/v1/secret/data/app/config")
        .vault_headers()
        .answers(&server, 204, Value::Null)
        .await;
    let delete = call(POST, "/v1/secret/delete/app/config")
        .vault_headers()
        .body(json!({"versions": [1, 2]}))
        .answers(&server, 204, Value::Null)
        .await;
    let undelete = call(POST, "/v1/secret/undelete/app/config")
        .body(json!({"versions": [1]}))
        .answers(&server, 204, Value::Null)
        .await;
    let destroy = server
        .mock_async(|when, then| {
            // The spec's method (Vault accepts PUT too).
            when.method(POST)
                .path("/v1/secret/destroy/app/config")
                .json_body(json!({"versions": [2]}));
            then.status(204);
        })
        .await;
    let c = client(&server);
    let kv = c.kv2("secret");
    kv.delete_latest("app/config").await.unwrap();
    kv.delete_versions("app/config", &[1, 2]).await.unwrap();
    kv.undelete_versions("app/config", &[1]).await.unwrap();
    kv.destroy_versions("app/config", &[2]).await.unwrap();
    latest.assert_async().await;
    delete.assert_async().await;
    undelete.assert_async().await;
    destroy.assert_async().await;

    call(PUT, "/v1/secret/destroy/other")
        .answers(&server, 400, kv_fixture("v2_destroy_no_versions"))
        .await;
    let err = kv.destroy_versions("other", &[]).await.unwrap_err();
    assert!(
        err.is_invalid_input(),
        "an empty list is refused before sending: {err}"
    );
}

#[tokio::test]
async fn v2_metadata_read_write_patch_delete() {
    let server = MockServer::start_async().await;
    let read = call(GET, "/v1/secret/metadata/app/config")
        .vault_headers()
        .answers(&server, 200, kv_fixture("v2_metadata"))
        .await;
    let custom = call(GET, "/v1/secret/metadata/m1")
        .answers(&server, 200, kv_fixture("v2_metadata_custom"))
        .await;
    let write = call(POST, "/v1/secret/metadata/m1")
        .vault_headers()
        .body(json!({
            "max_versions": 5,
            "cas_required": true,
            "delete_version_after": "1h",
            "custom_metadata": {"owner": "ops", "env": "dev"}
        }))
        .answers(&server, 204, Value::Null)
        .await;
    let patch = call(HttpMethod::PATCH, "/v1/secret/metadata/m1")
        .header("content-type", "application/merge-patch+json")
        .body(json!({"max_versions": 7, "custom_metadata": {"env": null, "team": "x"}}))
        .answers(&server, 204, serde_json::Value::Null)
        .await;
    let delete = call(DELETE, "/v1/secret/metadata/m1")
        .answers(&server, 204, Value::Null)
        .await;
    let c = client(&server);
    let kv = c.kv2("secret");

    let meta = kv.read_metadata("app/config").await.unwrap();
    assert_eq!(meta.current_version, 3);
    assert_eq!(meta.versions.len(), 3);
    assert!(meta.versions["2"].destroyed);
    assert!(!meta.versions["1"].destroyed);
    assert_eq!(meta.versions["1"].deletion_time, None);
    assert_eq!(meta.delete_version_after.as_secs(), Some(0));
    assert!(meta.custom_metadata.is_empty());
    assert_eq!(meta.metadata_cas_required, Some(false));

    let meta = kv.read_metadata("m1").await.unwrap();
    assert!(meta.cas_required);
    assert_eq!(meta.max_versions, 7);
    assert_eq!(meta.delete_version_after.as_secs(), Some(3600));
    assert_eq!(meta.custom_metadata["owner"], "ops");
    assert_eq!(meta.custom_metadata["team"], "x");
    assert!(meta.versions.is_empty());

    kv.write_metadata("m1", &common::every_metadata_setting())
        .await
        .unwrap();
    kv.patch_metadata(
        "m1",
        &MetadataUpdate::new()
            .max_versions(7)
            .remove_custom_metadata("env")
            .custom_metadata("team", "x"),
    )
    .await
    .unwrap();
    kv.delete_metadata("m1").await.unwrap();
    for mock in [&read, &custom, &write, &patch, &delete] {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn v2_config_and_subkeys() {
    let server = MockServer::start_async().await;
    let read = call(GET, "/v1/team/kv/config")
        .vault_headers()
        .answers(&server, 200, kv_fixture("v2_config"))
        .await;
    let write = call(POST, "/v1/team/kv/config")
        .body(json!({"max_versions": 3, "cas_required": false, "delete_version_after": 7200}))
        .answers(&server, 204, Value::Null)
        .await;
    let subkeys = server
        .mock_async(|when, then| {
            vault_headers(when)
                .method(GET)
                .path("/v1/team/kv/subkeys/deep/x")
                .query_param("depth", "0")
                .query_param_missing("version");
            then.status(200).body(kv_fixture("v2_subkeys"));
        })
        .await;
    let subkeys_version = call(GET, "/v1/team/kv/subkeys/deep/x")
        .query("version", "1")
        .query_missing("depth")
        .answers(&server, 200, kv_fixture("v2_subkeys"))
        .await;
    let c = client(&server);
    let kv = c.kv2("team/kv");
    let config = kv.read_config().await.unwrap();
    assert_eq!(config.max_versions, 3);
    assert!(!config.cas_required);
    assert_eq!(config.delete_version_after.as_secs(), Some(7200));
    kv.write_config(
        &KvConfigUpdate::new()
            .max_versions(3)
            .cas_required(false)
            .delete_version_after(7200u64),
    )
    .await
    .unwrap();
    let keys = kv.subkeys("deep/x", Some(0)).await.unwrap();
    assert_eq!(
        keys.subkeys,
        json!({"a": {"b": {"c": null}}, "d": null})
            .as_object()
            .unwrap()
            .clone()
    );
    assert_eq!(keys.metadata.version, 1);
    kv.subkeys_version("deep/x", 1, None).await.unwrap();
    for mock in [&read, &write, &subkeys, &subkeys_version] {
        mock.assert_async().await;
    }
}
