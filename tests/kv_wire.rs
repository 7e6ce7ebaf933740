//! The KV layer on the wire: method, path, query, headers and body of every operation, and the
//! decoding of answers captured from a real OpenBao 2.7.2 (`tests/fixtures/kv/`).

use httpmock::prelude::*;
use httpmock::Method as HttpMethod;
use serde::Deserialize;
use serde_json::{json, Value};

use hashivault::kv::{Kv, KvConfigUpdate, MetadataUpdate, ReadOutcome};
use hashivault::{Client, ListMethod};

fn client(server: &MockServer) -> Client {
    Client::builder()
        .address(server.base_url())
        .token("t")
        .max_retries(0)
        .build()
        .unwrap()
}

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/kv/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The headers every request carries.
fn vault_headers(when: httpmock::When) -> httpmock::When {
    when.header("x-vault-token", "t")
        .header("x-vault-request", "true")
}

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
            then.status(200).body(fixture("v2_read"));
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
    let mock = server
        .mock_async(|when, then| {
            vault_headers(when)
                .method(GET)
                .path("/v1/secret/data/app/config")
                .query_param("version", "1");
            then.status(200).body(fixture("v2_read_version1"));
        })
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

    let latest = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/secret/data/app/config")
                .query_param_missing("version");
            then.status(200).body(fixture("v2_read"));
        })
        .await;
    let secret = kv.read_json("app/config").await.unwrap();
    latest.assert_async().await;
    assert_eq!(secret.metadata.version, 2);
    assert_eq!(secret.data["password"], "s3cret");
    assert!(!format!("{secret:?}").contains("s3cret"));
}

#[tokio::test]
async fn special_characters_are_escaped_per_segment() {
    let server = MockServer::start_async().await;
    let read = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/team/kv/data/a%20b/c%25d%3Fe%23f/%C3%BC")
                .query_param_missing("version");
            then.status(200).body(fixture("v2_read"));
        })
        .await;
    let write = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/secret/data/a%20b/c%25d%3Fe%23f/%C3%BC")
                .json_body(json!({"data": {"k": "v"}}));
            then.status(200).body(fixture("v2_write"));
        })
        .await;
    let list = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/secret/metadata/a%20b/")
                .query_param("list", "true");
            then.status(200).body(r#"{"data":{"keys":["c%d?e#f/"]}}"#);
        })
        .await;
    let v1 = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/kv/a%20b/c%25d%3Fe%23f/%C3%BC");
            then.status(200).body(fixture("v1_read"));
        })
        .await;
    let c = client(&server);
    let name = "a b/c%d?e#f/ü";
    c.kv2("/team/kv/").read_json(name).await.unwrap();
    c.kv2("secret")
        .write(&format!("/{name}/"), &json!({"k": "v"}))
        .await
        .unwrap();
    assert_eq!(c.kv2("secret").list("a b").await.unwrap(), vec!["c%d?e#f/"]);
    c.kv1("kv").read_json(name).await.unwrap();
    read.assert_async().await;
    write.assert_async().await;
    list.assert_async().await;
    v1.assert_async().await;
}

#[tokio::test]
async fn v2_write_and_check_and_set() {
    let server = MockServer::start_async().await;
    let plain = server
        .mock_async(|when, then| {
            vault_headers(when)
                .method(POST)
                .path("/v1/secret/data/app/config")
                .header("content-type", "application/json")
                .json_body(json!({"data": {"user": "admin", "password": "hunter2"}}));
            then.status(200).body(fixture("v2_write"));
        })
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

    let cas0 = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/secret/data/new")
                .json_body(json!({"data": {"a": 1}, "options": {"cas": 0}}));
            then.status(400).body(fixture("v2_cas_mismatch"));
        })
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

    let required = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/secret/data/locked");
            then.status(400).body(fixture("v2_cas_required"));
        })
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
            then.status(200).body(fixture("v2_write"));
        })
        .await;
    let cas = server
        .mock_async(|when, then| {
            when.method(HttpMethod::PATCH)
                .path("/v1/secret/data/app/cas")
                .header("content-type", "application/merge-patch+json")
                .json_body(json!({"data": {"a": 1}, "options": {"cas": 4}}));
            then.status(200).body(fixture("v2_write"));
        })
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
    server
        .mock_async(|when, then| {
            when.method(HttpMethod::PATCH).path("/v1/old/data/x");
            then.status(405).body(fixture("v1_patch_unsupported"));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(HttpMethod::PATCH)
                .path("/v1/secret/data/denied");
            then.status(403)
                .body(r#"{"errors":["1 error occurred:\n\t* permission denied\n\n"]}"#);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(HttpMethod::PATCH).path("/v1/secret/data/gone");
            then.status(404).body(fixture("v2_patch_deleted"));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(HttpMethod::PATCH).path("/v1/secret/data/never");
            then.status(404).body(fixture("not_found"));
        })
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
        server
            .mock_async(|when, then| {
                when.method(GET)
                    .path("/v1/secret/data/app/config")
                    .query_param("version", version);
                then.status(404).body(fixture(body));
            })
            .await;
    }
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/secret/data/app/config")
                .query_param_missing("version");
            then.status(404).body(fixture("v2_read_deleted_latest"));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/secret/data/forbidden");
            then.status(403).body(r#"{"errors":["permission denied"]}"#);
        })
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
    let root = server
        .mock_async(|when, then| {
            vault_headers(when)
                .method(GET)
                .path("/v1/secret/metadata/")
                .query_param("list", "true");
            then.status(200).body(fixture("v2_list_root"));
        })
        .await;
    let folder = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/secret/metadata/app/")
                .query_param("list", "true");
            then.status(200).body(fixture("v2_list"));
        })
        .await;
    let missing = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/secret/metadata/zzz/")
                .query_param("list", "true");
            then.status(404).body(fixture("not_found"));
        })
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
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/secret/metadata/secret-stuff/");
            then.status(403).body(r#"{"errors":["permission denied"]}"#);
        })
        .await;
    assert!(kv
        .list("secret-stuff")
        .await
        .unwrap_err()
        .is_permission_denied());
}

#[tokio::test]
async fn list_with_the_list_verb() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.is_true(|req| req.method_str() == "LIST")
                .path("/v1/secret/metadata/app/")
                .query_param_missing("list");
            then.status(200).body(fixture("v2_list"));
        })
        .await;
    let c = Client::builder()
        .address(server.base_url())
        .token("t")
        .max_retries(0)
        .list_method(ListMethod::ListVerb)
        .build()
        .unwrap();
    assert_eq!(c.kv2("secret").list("app").await.unwrap(), vec!["app/"]);
    mock.assert_async().await;
}

#[tokio::test]
async fn v2_delete_undelete_destroy() {
    let server = MockServer::start_async().await;
    let latest = server
        .mock_async(|when, then| {
            vault_headers(when)
                .method(DELETE)
                .path("/v1/secret/data/app/config");
            then.status(204);
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            vault_headers(when)
                .method(POST)
                .path("/v1/secret/delete/app/config")
                .json_body(json!({"versions": [1, 2]}));
            then.status(204);
        })
        .await;
    let undelete = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/secret/undelete/app/config")
                .json_body(json!({"versions": [1]}));
            then.status(204);
        })
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

    server
        .mock_async(|when, then| {
            when.method(PUT).path("/v1/secret/destroy/other");
            then.status(400).body(fixture("v2_destroy_no_versions"));
        })
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
    let read = server
        .mock_async(|when, then| {
            vault_headers(when)
                .method(GET)
                .path("/v1/secret/metadata/app/config");
            then.status(200).body(fixture("v2_metadata"));
        })
        .await;
    let custom = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/secret/metadata/m1");
            then.status(200).body(fixture("v2_metadata_custom"));
        })
        .await;
    let write = server
        .mock_async(|when, then| {
            vault_headers(when)
                .method(POST)
                .path("/v1/secret/metadata/m1")
                .json_body(json!({
                    "max_versions": 5,
                    "cas_required": true,
                    "delete_version_after": "1h",
                    "custom_metadata": {"owner": "ops", "env": "dev"}
                }));
            then.status(204);
        })
        .await;
    let patch = server
        .mock_async(|when, then| {
            when.method(HttpMethod::PATCH)
                .path("/v1/secret/metadata/m1")
                .header("content-type", "application/merge-patch+json")
                .json_body(
                    json!({"max_versions": 7, "custom_metadata": {"env": null, "team": "x"}}),
                );
            then.status(204);
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method(DELETE).path("/v1/secret/metadata/m1");
            then.status(204);
        })
        .await;
    let c = client(&server);
    let kv = c.kv2("secret");

    let meta = kv.read_metadata("app/config").await.unwrap();
    assert_eq!(meta.current_version, 3);
    assert_eq!(meta.versions.len(), 3);
    assert!(meta.versions[&2].destroyed);
    assert!(!meta.versions[&1].destroyed);
    assert_eq!(meta.versions[&1].deletion_time, None);
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

    kv.write_metadata(
        "m1",
        &MetadataUpdate::new()
            .max_versions(5)
            .cas_required(true)
            .delete_version_after("1h")
            .custom_metadata("owner", "ops")
            .custom_metadata("env", "dev"),
    )
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
    let read = server
        .mock_async(|when, then| {
            vault_headers(when).method(GET).path("/v1/team/kv/config");
            then.status(200).body(fixture("v2_config"));
        })
        .await;
    let write = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/team/kv/config").json_body(
                json!({"max_versions": 3, "cas_required": false, "delete_version_after": 7200}),
            );
            then.status(204);
        })
        .await;
    let subkeys = server
        .mock_async(|when, then| {
            vault_headers(when)
                .method(GET)
                .path("/v1/team/kv/subkeys/deep/x")
                .query_param("depth", "0")
                .query_param_missing("version");
            then.status(200).body(fixture("v2_subkeys"));
        })
        .await;
    let subkeys_version = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/team/kv/subkeys/deep/x")
                .query_param("version", "1")
                .query_param_missing("depth");
            then.status(200).body(fixture("v2_subkeys"));
        })
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

#[tokio::test]
async fn v1_read_write_list_delete() {
    let server = MockServer::start_async().await;
    let read = server
        .mock_async(|when, then| {
            vault_headers(when).method(GET).path("/v1/kv1/app/db");
            then.status(200).body(fixture("v1_read"));
        })
        .await;
    let write = server
        .mock_async(|when, then| {
            vault_headers(when)
                .method(POST)
                .path("/v1/kv1/app/db")
                .json_body(json!({"user": "u", "ttl": "1h"}));
            then.status(204);
        })
        .await;
    let list = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/kv1/app/")
                .query_param("list", "true");
            then.status(200).body(fixture("v1_list"));
        })
        .await;
    let list_missing = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/kv1/zz/")
                .query_param("list", "true");
            then.status(404).body(fixture("not_found"));
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method(DELETE).path("/v1/kv1/app/db");
            then.status(204);
        })
        .await;
    let missing = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/kv1/zz");
            then.status(404).body(fixture("not_found"));
        })
        .await;
    let c = client(&server);
    let kv = c.kv1("kv1");
    #[derive(Deserialize)]
    struct Db {
        user: String,
        ttl: String,
    }
    let db: Db = kv.read("app/db").await.unwrap();
    assert_eq!((db.user.as_str(), db.ttl.as_str()), ("u", "1h"));
    assert_eq!(kv.read_json("app/db").await.unwrap()["user"], "u");
    kv.write("app/db", &json!({"user": "u", "ttl": "1h"}))
        .await
        .unwrap();
    assert_eq!(kv.list("app").await.unwrap(), vec!["db"]);
    assert!(kv.list("zz/").await.unwrap().is_empty());
    kv.delete("/app/db").await.unwrap();
    assert!(kv.read_json("zz").await.unwrap_err().is_not_found());
    read.assert_calls_async(2).await;
    for mock in [&write, &list, &list_missing, &delete, &missing] {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn kv_finds_the_mount_version_and_path() {
    let server = MockServer::start_async().await;
    for (path, body) in [
        (
            "/v1/sys/internal/ui/mounts/secret/foo/bar",
            "ui_mounts_secret",
        ),
        ("/v1/sys/internal/ui/mounts/team/kv/a/b", "ui_mounts_nested"),
        ("/v1/sys/internal/ui/mounts/kv1", "ui_mounts_kv1"),
    ] {
        server
            .mock_async(|when, then| {
                vault_headers(when).method(GET).path(path);
                then.status(200).body(fixture(body));
            })
            .await;
    }
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/sys/internal/ui/mounts/nomount/x");
            then.status(403).body(fixture("ui_mounts_missing"));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/sys/internal/ui/mounts/old/x");
            then.status(404).body(fixture("not_found"));
        })
        .await;
    let c = client(&server);

    let (kv, rest) = c.kv_path("/secret/foo/bar/").await.unwrap();
    assert!(matches!(kv, Kv::V2(_)));
    assert_eq!((kv.mount(), rest.as_str()), ("secret", "foo/bar"));
    let (kv, rest) = c.kv_path("team/kv/a/b").await.unwrap();
    assert_eq!(
        (kv.version(), kv.mount(), rest.as_str()),
        (2, "team/kv", "a/b")
    );
    let kv = c.kv("kv1").await.unwrap();
    assert!(matches!(kv, Kv::V1(ref v1) if v1.mount() == "kv1"));
    let err = c.kv("nomount/x").await.unwrap_err();
    assert!(err.is_permission_denied(), "{err}");
    let (kv, rest) = c.kv_path("old/x").await.unwrap();
    assert_eq!((kv.version(), kv.mount(), rest.as_str()), (1, "old", "x"));
    let kv = c.kv("old/x").await.unwrap();
    assert_eq!((kv.version(), kv.mount()), (1, "old/x"));
}

#[tokio::test]
async fn bad_input_is_refused_before_any_request() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(500);
        })
        .await;
    let c = client(&server);
    let data = json!({"a": 1});
    let mut errors = Vec::new();
    errors.push(c.kv2("").read_json("x").await.unwrap_err());
    errors.push(c.kv2("/").write("x", &data).await.unwrap_err());
    errors.push(c.kv2("team//kv").list("").await.unwrap_err());
    errors.push(c.kv2("secret").read_json("").await.unwrap_err());
    errors.push(c.kv2("secret").read_json("//").await.unwrap_err());
    errors.push(c.kv2("secret").read_json("a/../b").await.unwrap_err());
    errors.push(c.kv2("secret").write("a/./b", &data).await.unwrap_err());
    errors.push(c.kv2("secret").patch("a\nb", &data).await.unwrap_err());
    errors.push(c.kv2("secret").delete_latest("a\u{0}b").await.unwrap_err());
    errors.push(c.kv2("secret").list("../x").await.unwrap_err());
    errors.push(
        c.kv2("secret")
            .write("x", &json!(["not", "a", "map"]))
            .await
            .unwrap_err(),
    );
    errors.push(c.kv2("secret").delete_versions("x", &[]).await.unwrap_err());
    errors.push(c.kv2("se..cret/..").read_config().await.unwrap_err());
    errors.push(c.kv2("secret").read_metadata("a//b").await.unwrap_err());
    errors.push(c.kv1("").read_json("x").await.unwrap_err());
    errors.push(c.kv1("kv").write("", &data).await.unwrap_err());
    errors.push(c.kv1("kv").delete("..").await.unwrap_err());
    errors.push(c.kv("").await.unwrap_err());
    errors.push(c.kv_path("a/../b").await.unwrap_err());
    for e in &errors {
        assert!(e.is_invalid_input(), "{e}");
        assert!(!e.to_string().is_empty());
    }
    assert!(
        errors[3]
            .to_string()
            .contains("the path parameter `path` is empty"),
        "{}",
        errors[3]
    );
    assert!(
        errors[0]
            .to_string()
            .contains("the path parameter `kv_v2_mount_path` is empty"),
        "{}",
        errors[0]
    );
    assert!(errors[5].to_string().contains(".."), "{}", errors[5]);
    any.assert_calls_async(0).await;
}

#[tokio::test]
async fn fixtures_are_real_answers() {
    // Every fixture is JSON as the server sent it; the deleted-version ones carry the envelope.
    for name in [
        "v2_read_deleted",
        "v2_read_destroyed",
        "v2_read_deleted_latest",
    ] {
        let body: Value = serde_json::from_str(&fixture(name)).unwrap();
        assert!(body["data"]["data"].is_null(), "{name}");
        assert!(body["data"]["metadata"]["version"].is_u64(), "{name}");
    }
    let body: Value = serde_json::from_str(&fixture("not_found")).unwrap();
    assert_eq!(body, json!({"errors": []}));
}
