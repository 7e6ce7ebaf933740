//! Wire fidelity of the generated types: nothing a caller wrote or Vault sent disappears, input
//! is as lenient as Vault's framework, output is canonical, and secret values stay out of `Debug`.
//!
//! Answers are from a real OpenBao 2.7.2 where noted (`tests/fixtures/`), otherwise written in
//! Vault's envelope shape. Each test checks the exact request on the wire (httpmock).
// The API groups this file's calls use: empty without them (`scripts/feature-sets.sh`).
#![cfg(feature = "auth-approle")]
#![allow(unused_imports, dead_code)]

mod common;

use common::wire::{answer, approle_read_role, call, client, fixture, obj, TOKEN};

use hashivault::api::types;
use hashivault::{Client, SecretMap, VaultDuration};
use httpmock::prelude::*;
use serde_json::{json, Map, Value};

/// A database connection configured from a file written for Vault (as `vault write
/// database/config/pg @pg.json` takes it): the plugin's own parameters are not in the spec, and
/// must reach Vault all the same.
#[cfg(feature = "database")]
#[tokio::test]
async fn database_connection_config_sends_plugin_parameters_from_a_file() {
    let server = MockServer::start_async().await;
    let config_file = json!({
        "plugin_name": "postgresql-database-plugin",
        "allowed_roles": "readonly, app",
        "verify_connection": "false",
        "connection_url": "postgresql://{{username}}:{{password}}@db.internal:5432/app",
        "username": "vault",
        "password": "s3cr3t-root",
        "max_open_connections": 4
    });
    let on_the_wire = json!({
        "plugin_name": "postgresql-database-plugin",
        "allowed_roles": ["readonly", "app"],
        "verify_connection": false,
        "connection_url": "postgresql://{{username}}:{{password}}@db.internal:5432/app",
        "username": "vault",
        "password": "s3cr3t-root",
        "max_open_connections": 4
    });
    let mock = call(POST, "/v1/database/config/pg")
        .token(TOKEN)
        .body(on_the_wire.clone())
        .answers(&server, 204, Value::Null)
        .await;
    let body: types::DatabaseConfigureConnectionRequest =
        serde_json::from_value(config_file).unwrap();
    assert_eq!(body.allowed_roles, ["readonly", "app"]);
    assert_eq!(body.extra["username"], "vault");
    let shown = format!("{body:?}");
    assert!(!shown.contains("s3cr3t-root"), "{shown}");
    assert!(shown.contains("password"), "the key is shown: {shown}");
    client(&server)
        .api()
        .database_configure_connection()
        .database_mount_path("database")
        .name("pg")
        .body(body)
        .send()
        .await
        .unwrap();
    mock.assert_async().await;
}

/// The same connection built in code: the builder's `extra` takes the plugin's parameters.
#[cfg(feature = "database")]
#[tokio::test]
async fn database_connection_config_builder_sends_plugin_parameters() {
    let server = MockServer::start_async().await;
    let mock = call(POST, "/v1/team/db/config/pg")
        .token(TOKEN)
        .body(json!({
            "plugin_name": "postgresql-database-plugin",
            "allowed_roles": ["readonly"],
            "connection_url": "postgresql://{{username}}:{{password}}@localhost:5432/postgres",
            "username": "vault",
            "password": "pw"
        }))
        .answers(&server, 204, Value::Null)
        .await;
    client(&server)
        .api()
        .database_configure_connection()
        .database_mount_path("team/db")
        .name("pg")
        .body_map(|b| {
            b.plugin_name("postgresql-database-plugin".to_string())
                .allowed_roles(vec!["readonly".to_string()])
                .extra(obj(json!({
                    "connection_url": "postgresql://{{username}}:{{password}}@localhost:5432/postgres",
                    "username": "vault",
                    "password": "pw"
                })))
        })
        .send()
        .await
        .unwrap();
    mock.assert_async().await;
}

/// A builder that never sets `extra` still builds, and sends no extra key.
#[cfg(feature = "auth-userpass")]
#[tokio::test]
async fn a_body_without_extra_fields_sends_only_its_fields() {
    let server = MockServer::start_async().await;
    let mock = call(POST, "/v1/auth/userpass/users/ann")
        .body(json!({"password": "pw", "token_policies": ["dev"]}))
        .answers(&server, 204, Value::Null)
        .await;
    client(&server)
        .api()
        .userpass_write_user()
        .userpass_mount_path("userpass")
        .username("ann")
        .body_map(|b| {
            b.password(hashivault::Sensitive::from("pw"))
                .token_policies(vec!["dev".to_string()])
        })
        .send()
        .await
        .unwrap();
    mock.assert_async().await;
}

/// An answer with fields the spec does not name (a newer server's, or ones the spec forgot)
/// keeps them in `extra`, and re-serializing the payload gives them back. The answer is OpenBao
/// 2.7.2's (`tests/fixtures/api/approle-read-role.json`) plus a field of a future server.
#[cfg(feature = "auth-approle")]
#[tokio::test]
async fn unknown_answer_fields_are_kept_and_forwarded() {
    let mut reply = fixture("approle-read-role.json");
    reply["data"]["a_future_field"] = json!({"nested": [1, 2]});
    let data = reply["data"].clone();
    let read = approle_read_role(reply)
        .await
        .unwrap()
        .into_inner()
        .into_data()
        .unwrap();
    // OpenBao sends `token_strictly_bind_ip`, which Vault 1.15's document does not name; the
    // overlay learned from OpenBao (spec/overlays/auth-approle.json) names it.
    let unnamed: Vec<&String> = read.extra.keys().collect();
    assert_eq!(unnamed, ["a_future_field"]);
    assert_eq!(read.token_strictly_bind_ip, Some(false));
    assert_eq!(read.extra["a_future_field"], json!({"nested": [1, 2]}));
    let forwarded = serde_json::to_value(&read).unwrap();
    assert_eq!(forwarded["a_future_field"], data["a_future_field"]);
    assert_eq!(forwarded["token_policies"], data["token_policies"]);
    assert_eq!(forwarded["token_ttl"], data["token_ttl"]);
    assert_eq!(forwarded["token_strictly_bind_ip"], false);
}

/// Vault's spellings on input, canonical output: a comma-string, a numeric string, a boolean
/// string and a duration in seconds where the spec says string.
#[cfg(feature = "auth-token")]
#[tokio::test]
async fn lenient_input_is_sent_canonical() {
    let server = MockServer::start_async().await;
    let mock = call(POST, "/v1/auth/token/create")
        .body(json!({
            "policies": ["dev", "ops"],
            "num_uses": 3,
            "no_default_policy": true,
            "renewable": false,
            "ttl": 3600,
            "explicit_max_ttl": "24h"
        }))
        .answers(&server, 200, answer(Value::Null))
        .await;
    let body: types::TokenCreateRequest = serde_json::from_value(json!({
        "policies": "dev,ops", "num_uses": "3", "no_default_policy": "true",
        "renewable": "false", "ttl": 3600, "explicit_max_ttl": "24h"
    }))
    .unwrap();
    assert_eq!(
        body.ttl.as_ref().and_then(VaultDuration::as_secs),
        Some(3600)
    );
    client(&server)
        .api()
        .token_create()
        .body(body)
        .send()
        .await
        .unwrap();
    mock.assert_async().await;
}

/// Lenient, not lax: a value that is none of Vault's spellings is an error naming the field.
#[cfg(feature = "auth-token")]
#[test]
fn wrong_spellings_are_refused() {
    for bad in [
        json!({"num_uses": "three"}),
        json!({"no_default_policy": "yes"}),
        json!({"policies": {"a": 1}}),
        json!({"num_uses": 1.5}),
    ] {
        let err = serde_json::from_value::<types::TokenCreateRequest>(bad.clone()).unwrap_err();
        assert!(!err.to_string().is_empty(), "{bad}");
    }
}

/// A KV read's secret data, a free-form map, shows its keys but never its values in `Debug`.
#[cfg(feature = "kv")]
#[test]
fn kv_secret_data_is_hidden_in_debug() {
    let read: types::KvV2ReadResponse = serde_json::from_value(json!({
        "data": {"password": "hunter2", "api_key": "k-123"},
        "metadata": {"created_time": "2026-12-02T14:00:00Z", "custom_metadata": {"owner": "ann"},
                     "deletion_time": "", "destroyed": false, "version": 1}
    }))
    .unwrap();
    let shown = format!("{read:?}");
    assert!(
        !shown.contains("hunter2") && !shown.contains("k-123"),
        "{shown}"
    );
    assert!(
        shown.contains("password") && shown.contains("api_key"),
        "{shown}"
    );
    let data = read.data.unwrap();
    assert_eq!(data["password"], "hunter2");
    let write: types::KvV2WriteRequest =
        serde_json::from_value(json!({"data": {"token": "t0k"}, "options": {"cas": 1}})).unwrap();
    assert!(!format!("{write:?}").contains("t0k"));
}

/// A recorded OpenBao 2.7.2 answer's payload (`tests/fixtures/conformance/`).
fn recorded(label: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/conformance/{label}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    fixture["answer"]["data"].clone()
}

/// Secrets engines' credentials and key material, typed by the overlays, stay out of `Debug`:
/// a token lookup's `id` (the token), transit's exported keys and backups, a TOTP code.
#[cfg(all(feature = "auth-token", feature = "transit", feature = "totp"))]
#[test]
fn credentials_in_typed_answers_are_hidden_in_debug() {
    fn check<T: serde::de::DeserializeOwned + std::fmt::Debug>(label: &str, secret: &str) {
        let data = recorded(label);
        let value = data.pointer(secret).unwrap().as_str().unwrap().to_string();
        let typed: T = serde_json::from_value(data).unwrap();
        let shown = format!("{typed:?}");
        assert!(!shown.contains(&value), "{label}: {shown}");
    }
    check::<types::TokenLookUpSelfResponse>("token-look-up-self", "/id");
    check::<types::TransitExportKeyResponse>("transit-export-key", "/keys/1");
    check::<types::TransitBackUpKeyResponse>("transit-back-up-key", "/backup");
    check::<types::TotpGenerateCodeResponse>("totp-generate-code", "/code");
}
