//! The generated API on the wire: Vault's quirks (durations, empty dates, untyped bodies, 204s,
//! LIST, 404, health codes and PATCH), as the normalizer and the transport handle them.
#![allow(unused_imports, dead_code)]

mod common;

use common::wire::*;
use hashivault::api::types;
use hashivault::SecretMap;
use hashivault::Sensitive;
use hashivault::{Client, Envelope, ExposeSecret, VaultDuration};
use httpmock::prelude::*;
use httpmock::Mock;
use serde_json::{json, Map, Value};

/// `delete_version_after` is a Go duration string from OpenBao and Vault ("0s"), a number of
/// seconds from other servers: both decode to the same `VaultDuration`.
#[cfg(feature = "kv")]
#[tokio::test]
async fn quirk_duration_as_string_and_as_integer() {
    let server = MockServer::start_async().await;
    let as_string = fixture("kv-v2-read-configuration.json");
    let mut as_integer = as_string.clone();
    as_integer["data"]["delete_version_after"] = json!(3600);
    let mut as_text_hours = as_string.clone();
    as_text_hours["data"]["delete_version_after"] = json!("1h");
    let first = expect(&server, get("/v1/team/secret/config"), 200, Some(as_string)).await;
    let api_client = client(&server);
    let read = || async {
        api_client
            .api()
            .kv_v2_read_configuration()
            .kv_v2_mount_path("team/secret")
            .send()
            .await
            .unwrap()
            .into_inner()
            .data
            .unwrap()
    };
    let data: types::KvV2ReadConfigurationResponse = read().await;
    first.assert_async().await;
    first.delete_async().await;
    // Fields Vault always sends are plain values (`always_present_fields`).
    assert_eq!(data.delete_version_after, VaultDuration::Text(s("0s")));
    assert_eq!(data.delete_version_after.as_secs(), Some(0));
    assert!(!data.cas_required);
    assert_eq!(data.max_versions, 0);

    for (reply, secs) in [(as_integer, 3600), (as_text_hours, 3600)] {
        let mock = expect(&server, get("/v1/team/secret/config"), 200, Some(reply)).await;
        let data = read().await;
        mock.assert_async().await;
        assert_eq!(data.delete_version_after.as_secs(), Some(secs));
        mock.delete_async().await;
    }
}

/// The approle role read: OpenBao sends every TTL as an integer; a string answer decodes too.
#[cfg(feature = "auth-approle")]
#[tokio::test]
async fn quirk_approle_role_ttls_integer_and_string() {
    let server = MockServer::start_async().await;
    let mut reply = fixture("approle-read-role.json");
    // OpenBao 2.7.2 answers `secret_id_bound_cidrs: null`; see tests/api_null_fields.rs.
    reply["data"]["secret_id_bound_cidrs"] = json!([]);
    let mut strings = reply.clone();
    strings["data"]["token_ttl"] = json!("1h");
    strings["data"]["token_max_ttl"] = json!("2h");
    strings["data"]["secret_id_ttl"] = json!("10m");
    let api_client = client(&server);
    for (reply, ttl) in [
        (reply, VaultDuration::Seconds(3600)),
        (strings, VaultDuration::Text(s("1h"))),
    ] {
        let mock = expect(
            &server,
            get("/v1/auth/team/approle/role/ci"),
            200,
            Some(reply),
        )
        .await;
        let data: types::AppRoleReadRoleResponse = api_client
            .api()
            .app_role_read_role()
            .approle_mount_path("team/approle")
            .role_name("ci")
            .send()
            .await
            .unwrap()
            .into_inner()
            .data
            .unwrap();
        mock.assert_async().await;
        mock.delete_async().await;
        assert_eq!(data.token_ttl, Some(ttl));
        assert_eq!(data.token_max_ttl.unwrap().as_secs(), Some(7200));
        assert_eq!(data.secret_id_ttl.unwrap().as_secs(), Some(600));
        assert_eq!(data.token_policies, Some(vec![s("ci")]));
        assert_eq!(data.token_type.as_deref(), Some("default"));
    }
}

/// KV metadata: `deletion_time` is `""` for a live version, and the date-time fields are plain
/// strings, so it decodes.
#[cfg(feature = "kv")]
#[tokio::test]
async fn quirk_empty_date_time_decodes() {
    let mut reply = fixture("kv-v2-read-metadata.json");
    // OpenBao 2.7.2 answers `custom_metadata: null`; see tests/api_null_fields.rs.
    reply["data"]["custom_metadata"] = json!({"owner": "team-a"});
    let env = on_wire(
        get("/v1/team/secret/metadata/app/db"),
        200,
        Some(reply),
        |c| {
            c.api()
                .kv_v2_read_metadata()
                .kv_v2_mount_path("team/secret")
                .path("app/db")
                .send()
        },
    )
    .await
    .into_inner();
    let data: types::KvV2ReadMetadataResponse = env.data.unwrap();
    assert_eq!(data.current_version, 1);
    assert_eq!(data.delete_version_after, VaultDuration::Text(s("0s")));
    // Typed by the normalizer (`type_kv_v2_metadata_versions`).
    let versions = &data.versions;
    assert_eq!(versions["1"].deletion_time, None);
    assert!(!versions["1"].destroyed);
    assert_eq!(data.custom_metadata["owner"], "team-a");
    assert!(data.updated_time.starts_with("2026-"));
}

/// A 200 whose `data` the spec leaves untyped decodes as a JSON map.
#[cfg(feature = "kv")]
#[tokio::test]
async fn quirk_untyped_200_body_is_a_json_map() {
    let env = on_wire(
        Wire {
            method: PATCH,
            path: "/v1/team/secret/data/app/db",
            query: None,
            body: Some(json!({"data": {"password": "n3w"}})),
        },
        200,
        Some(fixture("kv-v2-patch.json")),
        |c| {
            c.api()
                .kv_v2_patch()
                .kv_v2_mount_path("team/secret")
                .path("app/db")
                .body(obj(json!({"data": {"password": "n3w"}})))
                .send()
        },
    )
    .await
    .into_inner();
    let data: Map<String, Value> = env.data.unwrap();
    assert_eq!(data["version"], 2);
    assert_eq!(data["deletion_time"], "");
    assert!(data["custom_metadata"].is_null());
}

/// A PATCH goes out as `application/merge-patch+json` (Vault refuses `application/json`).
#[cfg(feature = "kv")]
#[tokio::test]
async fn quirk_patch_is_sent_as_merge_patch_json() {
    let server = MockServer::start_async().await;
    let mock = call(PATCH, "/v1/team/secret/data/app/db")
        .header("content-type", "application/merge-patch+json")
        .vault_headers()
        .no_query()
        .body(json!({"data": {"password": "n3w"}, "options": {"cas": 1}}))
        .answers(&server, 200, fixture("kv-v2-patch.json"))
        .await;
    let env = client(&server)
        .api()
        .kv_v2_patch()
        .kv_v2_mount_path("team/secret")
        .path("app/db")
        .body(obj(
            json!({"data": {"password": "n3w"}, "options": {"cas": 1}}),
        ))
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    assert_eq!(env.request_id, "56822b2e-6258-87c1-8ab0-a9ec4149fa60");
}

/// A 204 (no body at all) decodes as an empty envelope.
#[cfg(feature = "sys")]
#[tokio::test]
async fn quirk_204_is_an_empty_envelope() {
    let response = on_wire(
        post(
            "/v1/sys/mounts/team/transit",
            json!({"type": "transit", "description": "team keys",
                   "config": {"default_lease_ttl": "1h"}}),
        ),
        204,
        None,
        |c| {
            c.api()
                .mounts_enable_secrets_engine()
                .path("team/transit")
                .body_map(|b| {
                    b.type_(s("transit"))
                        .description(s("team keys"))
                        .config(SecretMap::from(obj(json!({"default_lease_ttl": "1h"}))))
                })
                .send()
        },
    )
    .await;
    assert_eq!(response.status().as_u16(), 204);
    let env = response.into_inner();
    assert!(env.data.is_none() && env.auth.is_none() && env.wrap_info.is_none());
    assert_eq!(env.request_id, "");
    assert!(env.warnings.is_empty() && env.other.is_empty());
}

/// A LIST operation is `GET …/?list=true` on the wire; `keys` decode.
#[cfg(feature = "kv")]
#[tokio::test]
async fn quirk_list_sends_list_true_and_decodes_keys() {
    let env = on_wire(
        Wire {
            method: GET,
            path: "/v1/team/secret/metadata/app/",
            query: Some("list=true"),
            body: None,
        },
        200,
        Some(fixture("kv-v2-list.json")),
        |c| {
            c.api()
                .kv_v2_list()
                .kv_v2_mount_path("team/secret")
                .path("app")
                .send()
        },
    )
    .await
    .into_inner();
    let data: types::StandardListResponse = env.data.unwrap();
    assert_eq!(data.keys, Some(vec![s("api"), s("db")]));
}

/// A KV v2 read with `version` sends it as the only query parameter.
#[cfg(feature = "kv")]
#[tokio::test]
async fn quirk_kv_read_version_query() {
    let env = on_wire(
        Wire {
            method: GET,
            path: "/v1/team/secret/data/app/db",
            query: Some("version=1"),
            body: None,
        },
        200,
        Some(answer(json!({"data": {"user": "app"},
            "metadata": {"created_time": "2026-11-25T12:42:33.59941058Z", "custom_metadata": null,
                         "deletion_time": "", "destroyed": false, "version": 1}}))),
        |c| {
            c.api()
                .kv_v2_read()
                .kv_v2_mount_path("team/secret")
                .path("app/db")
                .version(1i64)
                .send()
        },
    )
    .await
    .into_inner();
    let data: types::KvV2ReadResponse = env.data.unwrap();
    assert_eq!(data.data.as_ref().unwrap()["user"], "app");
    // Typed by the normalizer (`type_kv_v2_version_metadata`), fields Vault always sends plain
    // (`codegen/fields.rs`: `always_present_fields`): `null` custom metadata is empty, an empty
    // `deletion_time` is `None`.
    let metadata: types::KvV2VersionMetadata = data.metadata.unwrap();
    assert_eq!(metadata.version, 1);
    assert!(!metadata.destroyed);
    assert_eq!(metadata.deletion_time, None);
    assert_eq!(metadata.created_time, "2026-11-25T12:42:33.59941058Z");
    assert!(metadata.custom_metadata.is_empty());
}

/// Vault's bare 404 `{"errors":[]}` is `is_not_found()`.
#[cfg(feature = "kv")]
#[tokio::test]
async fn quirk_404_with_empty_errors_is_not_found() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        get("/v1/team/secret/data/nope"),
        404,
        Some(fixture("not-found.json")),
    )
    .await;
    let err = client(&server)
        .api()
        .kv_v2_read()
        .kv_v2_mount_path("team/secret")
        .path("nope")
        .send()
        .await
        .unwrap_err();
    mock.assert_async().await;
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.status(), Some(404));
    assert!(err.messages().is_empty());
    let api = err.api().unwrap();
    assert_eq!(api.method, "GET");
    assert_eq!(api.path, "/v1/team/secret/data/nope");
}

/// `sys/health` answers 503 when sealed, 429 on a standby: statuses the operation documents as
/// its own answers. They come back as the typed answer with their status, not as errors.
#[cfg(feature = "sys")]
#[tokio::test]
async fn quirk_health_503_is_the_typed_answer() {
    let server = MockServer::start_async().await;
    let mut sealed = fixture("sys-health.json");
    sealed["sealed"] = json!(true);
    let mock = call(GET, "/v1/sys/health")
        .matching(|req| req.uri().query() == Some("standbyok=true"))
        .answers(&server, 503, sealed)
        .await;
    let answer = client(&server)
        .api()
        .read_health_status()
        .standbyok(true)
        .send()
        .await
        .expect("a documented status is an answer");
    mock.assert_async().await;
    assert_eq!(answer.status().as_u16(), 503);
    assert_eq!(answer.operation(), "read_health_status");
    assert!(answer.sealed);
    assert!(answer.initialized);
    assert_eq!(answer.version, "2.7.2");
}

/// A 503 of an operation that does not document it is an error, `is_sealed()`, with Vault's
/// message, through `?` as it is.
#[cfg(feature = "sys")]
#[tokio::test]
async fn quirk_undocumented_503_is_sealed() {
    let sealed = json!({"errors": ["Vault is sealed"]});
    let mounts = |c: Client| async move { c.api().mounts_list_secrets_engines().send().await };
    let err = try_on_wire(get("/v1/sys/mounts"), 503, Some(sealed), mounts)
        .await
        .unwrap_err();
    assert!(err.is_sealed(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "Vault answered 503 (Sealed) to GET /v1/sys/mounts (mounts_list_secrets_engines): Vault is sealed"
    );
}
