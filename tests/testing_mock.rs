//! `hashivault::testing::mock` as a user's unit tests use it: a service function against canned
//! answers keyed by operation, through the real client (retries, deadlines, errors).
#![cfg(all(feature = "testing", feature = "kv"))]

use std::time::Duration;

use hashivault::api::operations as ops;
use hashivault::operation::Operation;
use hashivault::testing::mock::{MockAnswer, MockVault, MOCK_TOKEN};
use hashivault::{Client, RetryPolicy};
use serde_json::{json, Value};

/// The user's code under test: its database host from KV (a helper), and the KV mount's
/// `max_versions` (a generated call).
async fn db_settings(client: &Client) -> Result<(String, u64), hashivault::Error> {
    let secret = client.kv2("secret").read::<Value>("app/db").await?;
    let host = secret.data["host"].as_str().unwrap_or("none").to_string();
    let config = client
        .api()
        .kv_v2_read_configuration()
        .kv_v2_mount_path("secret")
        .send()
        .await?
        .into_data()?;
    Ok((host, config.max_versions as u64))
}

fn kv_answer(data: Value, version: u64) -> MockAnswer {
    MockAnswer::data(json!({
        "data": data,
        "metadata": {"created_time": "2026-12-03T10:20:32Z", "custom_metadata": null,
                     "deletion_time": "", "destroyed": false, "version": version}
    }))
}

/// The KV v2 secret at `secret/<path>`.
async fn read_secret(
    client: &Client,
    path: &str,
) -> Result<hashivault::kv::Secret<Value>, hashivault::Error> {
    client.kv2("secret").read::<Value>(path).await
}

/// A mock answering every call of `operation` with `answer`.
async fn answering(operation: &'static Operation, answer: MockAnswer) -> MockVault {
    let vault = MockVault::start().await.unwrap();
    vault.on(operation).respond(answer);
    vault
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_min_delay(Duration::from_millis(5))
        .with_max_delay(Duration::from_millis(20))
}

#[tokio::test]
async fn a_service_function_against_canned_answers() {
    let vault = MockVault::start().await.unwrap();
    vault
        .on(&ops::KV_V2_READ)
        .param("kv_v2_mount_path", "secret")
        .param("path", "app/db")
        .respond(kv_answer(json!({"host": "db-1", "password": "pw"}), 3));
    vault
        .on(&ops::KV_V2_READ_CONFIGURATION)
        .respond(MockAnswer::recorded(&ops::KV_V2_READ_CONFIGURATION));

    let (host, max_versions) = db_settings(&vault.client()).await.unwrap();
    assert_eq!(host, "db-1");
    // The recorded OpenBao answer: the dev server's default.
    let recorded = hashivault::testing::mock::provenance(&ops::KV_V2_READ_CONFIGURATION).unwrap();
    assert!(recorded.contains("OpenBao"), "{recorded}");
    assert_eq!(max_versions, 0);

    let calls = vault.calls();
    let seen: Vec<_> = calls
        .iter()
        .map(|c| {
            (
                c.operation,
                c.method.as_str(),
                c.target.as_str(),
                c.with_token,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (Some("kv_v2_read"), "GET", "/v1/secret/data/app/db", true),
            (
                Some("kv_v2_read_configuration"),
                "GET",
                "/v1/secret/config",
                true
            ),
        ]
    );
    assert_eq!(vault.hits(&ops::KV_V2_READ), 1);
    assert_eq!(MOCK_TOKEN, "mock-token");
}

#[tokio::test]
async fn pinned_parameters_pick_the_rule_and_recorded_answers_decode() {
    let vault = MockVault::start().await.unwrap();
    vault
        .on(&ops::KV_V2_READ)
        .param("path", "other")
        .respond(kv_answer(json!({"host": "other"}), 1));
    vault
        .on(&ops::KV_V2_READ)
        .respond(MockAnswer::recorded(&ops::KV_V2_READ));
    let kv = vault.client().kv2("conformance-kv2");
    let recorded = kv.read::<Value>("app/db").await.unwrap();
    assert_eq!(recorded.data["user"], "app");
    assert_eq!(recorded.metadata.version, 1);
    let other = kv.read::<Value>("other").await.unwrap();
    assert_eq!(other.data["host"], "other");
    // A list is told from a read by its `list=true`.
    vault
        .on(&ops::KV_V2_LIST)
        .respond(MockAnswer::recorded(&ops::KV_V2_LIST));
    let keys = kv.list("app").await.unwrap();
    assert!(!keys.is_empty());
    assert_eq!(vault.hits(&ops::KV_V2_READ), 2);
    assert_eq!(vault.hits(&ops::KV_V2_LIST), 1);
}

#[tokio::test]
async fn an_error_status_is_vaults_error() {
    let vault = answering(
        &ops::KV_V2_WRITE,
        MockAnswer::error(403, ["permission denied"]),
    )
    .await;
    let err = vault
        .client()
        .kv2("secret")
        .write("app/db", &json!({"host": "db-2"}))
        .await
        .unwrap_err();
    assert!(err.is_permission_denied(), "{err}");
    let text = err.to_string();
    assert!(text.contains("403"), "{text}");
    assert!(text.contains("kv_v2_write"), "{text}");
    assert!(text.contains("permission denied"), "{text}");
}

#[tokio::test]
async fn a_503_then_a_200_is_retried_as_in_production() {
    let vault = MockVault::start().await.unwrap();
    vault.on(&ops::KV_V2_READ).respond_seq([
        MockAnswer::error(503, ["Vault is sealed"]),
        kv_answer(json!({"host": "db-1"}), 1),
    ]);
    let client = vault
        .client_builder()
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    let secret = read_secret(&client, "app/db").await.unwrap();
    assert_eq!(secret.data["host"], "db-1");
    assert_eq!(vault.hits(&ops::KV_V2_READ), 2);
    assert_eq!(vault.calls().len(), 2);

    // Without retries the 503 is the caller's error.
    let vault = answering(
        &ops::KV_V2_READ,
        MockAnswer::error(503, ["Vault is sealed"]),
    )
    .await;
    let client = vault.client_builder().max_retries(0).build().unwrap();
    let err = read_secret(&client, "app/db").await.unwrap_err();
    assert!(err.is_sealed(), "{err}");
    assert_eq!(vault.hits(&ops::KV_V2_READ), 1);
}

#[tokio::test]
async fn a_delay_past_the_deadline_is_a_deadline_error() {
    let vault = answering(
        &ops::KV_V2_READ,
        kv_answer(json!({"host": "db-1"}), 1).delay(Duration::from_millis(600)),
    )
    .await;
    let client = vault
        .client_builder()
        .deadline(Duration::from_millis(150))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = read_secret(&client, "app/db").await.unwrap_err();
    assert!(err.is_deadline(), "{err}");
    assert!(
        started.elapsed() < Duration::from_millis(550),
        "{:?}",
        started.elapsed()
    );
    // Within the deadline the same slow answer arrives.
    let client = vault
        .client_builder()
        .deadline(Duration::from_secs(5))
        .build()
        .unwrap();
    let secret = read_secret(&client, "app/db").await.unwrap();
    assert_eq!(secret.data["host"], "db-1");
}

#[tokio::test]
async fn an_unmatched_call_fails_naming_its_operation() {
    let vault = MockVault::start().await.unwrap();
    vault
        .on(&ops::KV_V2_READ)
        .param("path", "app/db")
        .respond(kv_answer(json!({}), 1));
    let err = read_secret(&vault.client(), "app/other").await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("no answer set for kv_v2_read (GET /v1/secret/data/app/other)"),
        "{text}"
    );
    assert!(
        text.contains("mock.on(&hashivault::api::operations::KV_V2_READ)"),
        "{text}"
    );
    assert_eq!(vault.calls()[0].operation, None);

    // A generated call, from a client the mock did not build: named from the spec's templates.
    #[cfg(feature = "transit")]
    {
        let client = Client::builder()
            .address(vault.address())
            .token("t")
            .build()
            .unwrap();
        let err = client
            .api()
            .transit_read_key()
            .transit_mount_path("transit")
            .name("orders")
            .send()
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("no answer set for transit_read_key"),
            "{text}"
        );
        assert!(text.contains("501"), "{text}");
    }
}
