//! Real OpenBao 2.7.2 answers with `null` where the spec says object or array.
//!
//! Vault and OpenBao send `null` for an empty map or list (`custom_metadata: null` on every KV v2
//! write and read-metadata of a secret without custom metadata; `secret_id_bound_cidrs: null` on
//! an AppRole role without CIDRs). The normalizer's `nullable_response_containers` step makes
//! such response fields `Option`s, so these answers decode, with `None` for the `null`.
// The API groups this file's calls use: empty without them (`scripts/feature-sets.sh`).
#![cfg(feature = "auth-approle")]
#![allow(unused_imports, dead_code)]

mod common;

use common::wire::{approle_read_role, call, client, fixture};

use hashivault::api::types;
use hashivault::Client;
use httpmock::prelude::*;
use serde_json::Value;

/// A write's `custom_metadata: null` decodes as an empty map.
#[cfg(feature = "kv")]
#[tokio::test]
async fn kv_v2_write_decodes_the_real_openbao_answer() {
    let server = MockServer::start_async().await;
    call(POST, "/v1/secret/data/app/db")
        .answers(&server, 200, fixture("kv-v2-write.json"))
        .await;
    let result = client(&server)
        .api()
        .kv_v2_write()
        .kv_v2_mount_path("secret")
        .path("app/db")
        .body_map(|b| b.data(hashivault::SecretMap::new()))
        .send()
        .await;
    let env = result
        .expect("a real OpenBao kv-v2-write answer decodes")
        .into_inner();
    // The write answers the version's metadata (`type_kv_v2_version_metadata`).
    let data: types::KvV2VersionMetadata = env.data.unwrap();
    assert_eq!(data.version, 1);
    assert!(data.custom_metadata.is_empty());
}

/// `KvV2ReadMetadataResponse.custom_metadata: null` decodes as an empty map.
#[cfg(feature = "kv")]
#[tokio::test]
async fn kv_v2_read_metadata_decodes_the_real_openbao_answer() {
    let server = MockServer::start_async().await;
    call(GET, "/v1/secret/metadata/app/db")
        .answers(&server, 200, fixture("kv-v2-read-metadata.json"))
        .await;
    let env = client(&server)
        .api()
        .kv_v2_read_metadata()
        .kv_v2_mount_path("secret")
        .path("app/db")
        .send()
        .await
        .expect("a real OpenBao kv-v2-read-metadata answer decodes")
        .into_inner();
    let data: types::KvV2ReadMetadataResponse = env.data.unwrap();
    // Fields Vault always sends are plain (`always_present_fields`): `null` is the empty map.
    assert_eq!(data.current_version, 1);
    assert!(data.custom_metadata.is_empty());
}

/// `AppRoleReadRoleResponse.secret_id_bound_cidrs: null` decodes as `None`.
#[cfg(feature = "auth-approle")]
#[tokio::test]
async fn approle_read_role_decodes_the_real_openbao_answer() {
    let env = approle_read_role(fixture("approle-read-role.json"))
        .await
        .expect("a real OpenBao app-role-read-role answer decodes")
        .into_inner();
    let data: types::AppRoleReadRoleResponse = env.data.unwrap();
    assert!(data.secret_id_bound_cidrs.is_none());
    assert_eq!(data.token_ttl.and_then(|d| d.as_secs()), Some(3600));
}
