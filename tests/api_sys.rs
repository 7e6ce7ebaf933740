//! The generated API on the wire: `sys` and `sys-admin`.
//!
//! Each test calls one representative operation of its group against httpmock and checks the
//! exact method, path (mount paths like `team/pki` keep their literal slashes), query string,
//! `X-Vault-Token` / `X-Vault-Request` headers and JSON body (`common::wire::expect`), then
//! decodes the envelope and its `data`. Answers come from a real OpenBao 2.7.2
//! (`tests/fixtures/api/`) where OpenBao has the engine, and are written in Vault's documented
//! envelope shape for the cloud plugins.
#![allow(unused_imports, dead_code)]

mod common;

use common::wire::*;
use hashivault::api::types;
use hashivault::Sensitive;
use hashivault::{Client, Envelope, ExposeSecret, VaultDuration};
use httpmock::prelude::*;
use httpmock::Mock;
use serde_json::{json, Map, Value};

#[cfg(feature = "sys")]
#[tokio::test]
async fn sys_generate_hash_with_algorithm_decodes_typed_data() {
    let env = on_wire(
        post(
            "/v1/sys/tools/hash/sha2-512",
            json!({"input": "aGVsbG8=", "format": "hex"}),
        ),
        200,
        Some(fixture("sys-generate-hash.json")),
        |c| {
            c.api()
                .generate_hash_with_algorithm()
                .urlalgorithm("sha2-512")
                .body_map(|b| b.input(s("aGVsbG8=")).format(s("hex")))
                .send()
        },
    )
    .await
    .into_inner();
    let data: types::GenerateHashWithAlgorithmResponse = env.data.unwrap();
    assert!(data.sum.unwrap().starts_with("9b71d224bd62f378"));
}

#[cfg(feature = "sys-admin")]
#[tokio::test]
async fn sys_admin_rate_limit_quota_read_decodes_typed_data() {
    let env = on_wire(
        get("/v1/sys/quotas/rate-limit/global"),
        200,
        Some(fixture("sys-quotas-rate-limit.json")),
        |c| c.api().rate_limit_quotas_read().name("global").send(),
    )
    .await
    .into_inner();
    let data: types::RateLimitQuotasReadResponse = env.data.unwrap();
    assert_eq!(data.name.as_deref(), Some("global"));
    assert_eq!(data.path.as_deref(), Some("team/secret/"));
    assert_eq!(data.rate, Some(100.0));
    assert_eq!(data.interval, Some(1));
    assert_eq!(data.type_.as_deref(), Some("rate-limit"));
}
