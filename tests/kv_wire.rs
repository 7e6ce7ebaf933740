//! What every KV handle shares, on the wire (`src/kv/mod.rs`): the mount's version found as the CLI
//! does, paths escaped per segment and refused before a request, the LIST verb, and the fixtures
//! (`tests/fixtures/kv/`) checked to be real answers.

mod common;

use hashivault::kv::Kv;
use httpmock::prelude::*;
use serde_json::{json, Value};

use common::wire::{any_request, at, call, client, kv_fixture, list_call, list_verb_client};

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
        call(GET, path)
            .vault_headers()
            .answers(&server, 200, kv_fixture(body))
            .await;
    }
    call(GET, "/v1/sys/internal/ui/mounts/nomount/x")
        .answers(&server, 403, kv_fixture("ui_mounts_missing"))
        .await;
    call(GET, "/v1/sys/internal/ui/mounts/old/x")
        .answers(&server, 404, kv_fixture("not_found"))
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
async fn special_characters_are_escaped_per_segment() {
    let server = MockServer::start_async().await;
    let read = call(GET, "/v1/team/kv/data/a%20b/c%25d%3Fe%23f/%C3%BC")
        .query_missing("version")
        .answers(&server, 200, kv_fixture("v2_read"))
        .await;
    let write = call(POST, "/v1/secret/data/a%20b/c%25d%3Fe%23f/%C3%BC")
        .body(json!({"data": {"k": "v"}}))
        .answers(&server, 200, kv_fixture("v2_write"))
        .await;
    let list = list_call("/v1/secret/metadata/a%20b/")
        .answers(&server, 200, r#"{"data":{"keys":["c%d?e#f/"]}}"#)
        .await;
    let v1 = call(GET, "/v1/kv/a%20b/c%25d%3Fe%23f/%C3%BC")
        .answers(&server, 200, kv_fixture("v1_read"))
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
async fn list_with_the_list_verb() {
    let server = MockServer::start_async().await;
    let mock = at("/v1/secret/metadata/app/")
        .matching(|req| req.method_str() == "LIST")
        .query_missing("list")
        .answers(&server, 200, kv_fixture("v2_list"))
        .await;
    let c = list_verb_client(&server);
    assert_eq!(c.kv2("secret").list("app").await.unwrap(), vec!["app/"]);
    mock.assert_async().await;
}

#[tokio::test]
async fn bad_input_is_refused_before_any_request() {
    let server = MockServer::start_async().await;
    let any = any_request().answers(&server, 500, Value::Null).await;
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
        let body: Value = serde_json::from_str(&kv_fixture(name)).unwrap();
        assert!(body["data"]["data"].is_null(), "{name}");
        assert!(body["data"]["metadata"]["version"].is_u64(), "{name}");
    }
    let body: Value = serde_json::from_str(&kv_fixture("not_found")).unwrap();
    assert_eq!(body, json!({"errors": []}));
}
