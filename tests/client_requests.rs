//! Requests built from the operation table and the generated API on the wire: path parameters
//! (`src/path.rs`) and LIST operations (`src/operation.rs`, the transport's list method).
// The API groups this file's calls use: empty without them (`scripts/feature-sets.sh`).
#![cfg(all(feature = "kv", feature = "sys"))]

mod common;

use httpmock::prelude::*;
use serde_json::json;

use common::wire::{
    answers_recorded, any_request, at, call, client, list_call, list_verb_client, read_kv2,
    recorded,
};

#[tokio::test]
async fn generated_path_parameters_keep_slashes_escape_the_rest_and_cannot_leave_the_endpoint() {
    let server = MockServer::start_async().await;
    let read = call(GET, "/v1/team/secret/data/app/a%20b%3F/x%25y").header_missing("api-version");
    let read = answers_recorded(&server, read, "kv/v2_read.json").await;
    let client = client(&server);
    let answer = read_kv2(&client, "/team/secret/", "/app/a b?/x%y")
        .await
        .unwrap();
    read.assert_async().await;
    assert!(answer.into_inner().data.is_some());

    let any = any_request().answers(&server, 200, json!({})).await;
    for (mount, path, reason) in [
        ("secret", "../../sys/seal", "`..` segment"),
        ("secret", "app/./x", "`..` segment"),
        ("secret", "", "is empty"),
        ("secret", "a//b", "empty segment"),
        ("secret", "a\nb", "control character"),
        ("..", "app", "`..` segment"),
    ] {
        let err = read_kv2(&client, mount, path).await.unwrap_err();
        assert!(err.is_invalid_input(), "{mount:?} {path:?}: {err}");
        let text = err.to_string();
        assert!(
            text.starts_with("invalid input: kv_v2_read: the path parameter `"),
            "{text}"
        );
        assert!(text.contains(reason), "{path:?}: {text}");
        if path.len() > 3 {
            assert!(!text.contains(path), "the value is not echoed: {text}");
        }
    }
    // A required parameter never set is named.
    assert_eq!(
        refused(client.api().kv_v2_read().path("app").send()).await,
        "invalid input: kv_v2_read: `kv_v2_mount_path` was not set (call `.kv_v2_mount_path(..)` before `send()`)"
    );
    // An optional parameter's failed conversion names the operation too.
    let read = client
        .api()
        .kv_v2_read()
        .kv_v2_mount_path("secret")
        .path("app");
    assert_eq!(
        refused(read.version(u64::MAX).send()).await,
        "invalid input: kv_v2_read: conversion to `i64` for version failed"
    );
    assert_eq!(any.calls_async().await, 0);
}

/// The input error a generated call's `send()` refuses with (nothing sent), as printed.
async fn refused<T>(
    send: impl std::future::Future<Output = Result<T, hashivault::Error>>,
) -> String {
    match send.await {
        Ok(_) => panic!("sent, not refused"),
        Err(err) => {
            assert!(err.is_invalid_input(), "{err}");
            err.to_string()
        }
    }
}

/// A setter's failed conversion is reported by `send()` with the setter's text after the
/// operation, and nothing is sent (`hashivault-codegen/src/shared.rs`: the setters and checks as calls to `src/setter.rs`).
#[cfg(feature = "pki")]
#[tokio::test]
async fn a_setters_failed_conversion_is_reported_by_send() {
    let server = MockServer::start_async().await;
    let any = any_request().answers(&server, 200, json!({})).await;
    let client = client(&server);
    let generate = client.api().pki_generate_intermediate();
    assert_eq!(
        refused(generate.clone().pki_mount_path("pki").exported("neither-internal-nor-exported").send()).await,
        "invalid input: pki_generate_intermediate: conversion to `PkiGenerateIntermediateExported` for exported failed"
    );
    // A later valid value replaces the failed one.
    assert_eq!(
        refused(generate.exported("neither-internal-nor-exported").exported("internal").send()).await,
        "invalid input: pki_generate_intermediate: `pki_mount_path` was not set (call `.pki_mount_path(..)` before `send()`)"
    );
    assert_eq!(any.calls_async().await, 0);
}

/// A body missing a field the spec requires is refused by `send()` naming the operation, as a
/// missing path parameter is, and nothing is sent (`hashivault-codegen/src/shared.rs`:
/// `name_the_operation`).
#[cfg(feature = "auth-github")]
#[tokio::test]
async fn an_incomplete_body_is_refused_naming_the_operation() {
    let server = MockServer::start_async().await;
    let any = any_request().answers(&server, 204, json!({})).await;
    let configure = client(&server)
        .api()
        .github_configure()
        .github_mount_path("github");
    // Built field by field: the builder's own check.
    let partial = configure
        .clone()
        .body_map(|body| body.base_url("https://github.example"));
    assert_eq!(
        refused(partial.send()).await,
        "invalid input: github_configure: the body: no value supplied for organization"
    );
    // Given whole: the `body` setter's conversion.
    let whole = configure.body(hashivault::api::types::builder::GithubConfigureRequest::default());
    assert_eq!(
        refused(whole.send()).await,
        "invalid input: github_configure: conversion to `GithubConfigureRequest` for body failed: no value supplied for organization"
    );
    assert_eq!(any.calls_async().await, 0);
}

#[tokio::test]
async fn list_operations_use_the_query_or_the_list_verb() {
    let server = MockServer::start_async().await;
    let query = call(GET, "/v1/sys/policies/acl/")
        .matching(|req| req.uri().query() == Some("list=true"))
        .answers(&server, 200, json!({"data": {"keys": ["default", "root"]}}))
        .await;
    let verb = at("/v1/sys/policies/acl/")
        .matching(|req| req.method_str() == "LIST")
        .no_query()
        .answers(&server, 200, json!({"data": {"keys": ["default"]}}))
        .await;
    let client = client(&server);
    let listed = client
        .api()
        .policies_list_acl_policies()
        .send()
        .await
        .unwrap()
        .into_inner();
    query.assert_async().await;
    assert_eq!(
        listed.data.unwrap().keys,
        Some(vec!["default".to_string(), "root".to_string()])
    );

    let rusty = list_verb_client(&server);
    rusty
        .api()
        .policies_list_acl_policies()
        .send()
        .await
        .unwrap();
    verb.assert_async().await;
}

#[tokio::test]
async fn a_generated_list_operation_lists_the_root_folder_with_an_empty_path() {
    let server = MockServer::start_async().await;
    let root = list_call("/v1/team/secret/metadata/")
        .answers(&server, 200, recorded("kv/v2_list_root.json"))
        .await;
    let folder = list_call("/v1/team/secret/metadata/app/")
        .answers(&server, 200, recorded("kv/v2_list.json"))
        .await;
    let client = client(&server);
    for (path, mock) in [("", &root), ("/app/", &folder), ("app", &folder)] {
        let keys = client
            .api()
            .kv_v2_list()
            .kv_v2_mount_path("team/secret")
            .path(path)
            .send()
            .await
            .unwrap()
            .into_inner()
            .data
            .and_then(|d| d.keys)
            .unwrap();
        assert!(!keys.is_empty(), "{path:?}");
        assert!(mock.calls_async().await > 0, "{path:?}");
    }
    assert_eq!(root.calls_async().await, 1);
    assert_eq!(folder.calls_async().await, 2);
    // The mount is not a folder: it may not be empty.
    let err = client
        .api()
        .kv_v2_list()
        .kv_v2_mount_path("")
        .path("app")
        .send()
        .await
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err}");
}

/// What a call in flight holds, measured where its future is made (not polled): the generated
/// call's and the typed KV read's state. Each `async` level of the transport kept the request
/// (264 bytes) again and moved everything below it once more; a retry's template and wait were
/// kept beside the attempt in flight (`benches/README.md`, "A call's state"). The bounds have
/// room for a compiler's layout changes, not for a level more.
#[test]
fn a_call_in_flight_holds_its_request_once() {
    let client = hashivault::Client::builder()
        .address("http://127.0.0.1:8200")
        .token("t")
        .build()
        .unwrap();
    let generated = client
        .api()
        .kv_v2_read()
        .kv_v2_mount_path("secret")
        .path("app")
        .send();
    let typed = client.kv2("secret");
    let typed = typed.read::<serde_json::Value>("app");
    let (generated, typed) = (
        std::mem::size_of_val(&generated),
        std::mem::size_of_val(&typed),
    );
    assert!(
        generated <= 1_850,
        "the generated call's future: {generated} bytes"
    );
    assert!(typed <= 2_200, "kv2().read's future: {typed} bytes");
}
