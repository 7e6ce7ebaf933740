//! Live: `sys/` against a real server (health, seal status, mounts, auth methods, policies,
//! namespaces, wrapping). Each test works under its own unique names.
// The API groups this file's calls use: empty without them (`scripts/feature-sets.sh`).
#![cfg(all(feature = "cubbyhole", feature = "sys"))]

mod common;

use hashivault::reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn health_and_seal_status() {
    let Some(client) = common::live_client("health_and_seal_status") else {
        return;
    };
    let health = client.sys_health().await.unwrap();
    assert_eq!(health.status, 200);
    assert!(health.initialized && !health.sealed && !health.standby);
    assert!(!health.version.is_empty());
    let seal = client.sys_seal_status().await.unwrap();
    assert!(!seal.sealed && seal.initialized);
    assert_eq!(seal.type_, "shamir");
    assert_eq!(
        (seal.t, seal.n),
        (1, 1),
        "a dev server: one key share, threshold one"
    );
    // The generated operation answers the bare body too.
    let raw = client
        .api()
        .seal_status()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(!raw.sealed);
}

#[tokio::test]
async fn secrets_engines_enable_tune_list_disable() {
    let Some(client) = common::live_client("secrets_engines_enable_tune_list_disable") else {
        return;
    };
    let path = format!("{}/transit", common::unique("eng"));
    let api = client.api();
    api.mounts_enable_secrets_engine()
        .path(&path)
        .body_map(|b| {
            b.type_("transit".to_string())
                .description("live test".to_string())
        })
        .send()
        .await
        .unwrap();
    api.mounts_tune_configuration_parameters()
        .path(&path)
        .body_map(|b| {
            b.default_lease_ttl(hashivault::VaultDuration::from("1h"))
                .max_lease_ttl(hashivault::VaultDuration::from("2h"))
        })
        .send()
        .await
        .unwrap();
    let tune = common::live::data(api.mounts_read_tuning_information().path(&path).send()).await;
    assert_eq!(tune.default_lease_ttl, Some(3600));
    assert_eq!(tune.max_lease_ttl, Some(7200));
    assert_eq!(tune.description.as_deref(), Some("live test"));
    let mounts = common::live::data(api.mounts_list_secrets_engines().send()).await;
    let listed = format!("{path}/");
    assert_eq!(mounts[&listed].type_.as_deref(), Some("transit"));
    common::live::disable(&client, &path, true).await;
    let mounts = common::live::data(api.mounts_list_secrets_engines().send()).await;
    assert!(!mounts.contains_key(&listed));
}

#[tokio::test]
async fn auth_methods_enable_tune_list_disable() {
    let Some(client) = common::live_client("auth_methods_enable_tune_list_disable") else {
        return;
    };
    let path = format!("{}/userpass", common::unique("auth"));
    let api = client.api();
    common::live::enable_auth(&client, &path, "userpass").await;
    api.auth_tune_configuration_parameters()
        .path(&path)
        .body_map(|b| {
            b.default_lease_ttl(hashivault::VaultDuration::from("30m"))
                .listing_visibility("unauth".to_string())
        })
        .send()
        .await
        .unwrap();
    let tune = common::live::data(api.auth_read_tuning_information().path(&path).send()).await;
    assert_eq!(tune.default_lease_ttl, Some(1800));
    let methods = common::live::data(api.auth_list_enabled_methods().send()).await;
    let listed = format!("{path}/");
    assert_eq!(methods[&listed].type_.as_deref(), Some("userpass"));
    common::live::disable(&client, &path, false).await;
    let methods = common::live::data(api.auth_list_enabled_methods().send()).await;
    assert!(!methods.contains_key(&listed));
}

#[tokio::test]
async fn acl_policies_write_read_list_delete() {
    let Some(client) = common::live_client("acl_policies_write_read_list_delete") else {
        return;
    };
    let name = common::unique("policy");
    let hcl = "path \"secret/data/app/*\" {\n  capabilities = [\"read\"]\n}\n";
    let api = client.api();
    api.policies_write_acl_policy()
        .name(&name)
        .body_map(|b| b.policy(hcl.to_string()))
        .send()
        .await
        .unwrap();
    let read = common::live::data(api.policies_read_acl_policy().name(&name).send()).await;
    assert_eq!(read.policy.as_deref(), Some(hcl));
    let listed = common::live::data(api.policies_list_acl_policies().send()).await;
    assert!(listed.keys.unwrap_or_default().contains(&name));
    api.policies_delete_acl_policy()
        .name(&name)
        .send()
        .await
        .unwrap();
    let err = api
        .policies_read_acl_policy()
        .name(&name)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_not_found());
}

#[tokio::test]
async fn namespaces_isolate_secrets() {
    let Some(client) = common::live_client("namespaces_isolate_secrets") else {
        return;
    };
    let ns = common::unique("ns");
    common::request_ok(
        &client,
        Method::POST,
        &format!("sys/namespaces/{ns}"),
        json!({}),
    )
    .await;
    let inside = client.with_namespace(&ns).unwrap();
    inside
        .api()
        .mounts_enable_secrets_engine()
        .path("kv")
        .body_map(|b| {
            b.type_("kv".to_string()).options(
                serde_json::from_value::<hashivault::SecretMap>(json!({"version": "1"})).unwrap(),
            )
        })
        .send()
        .await
        .unwrap();
    let body: serde_json::Map<String, serde_json::Value> =
        serde_json::from_value(json!({"answer": "42"})).unwrap();
    let _: hashivault::Envelope = inside
        .request(Method::POST, "kv/app", Some(&body))
        .await
        .unwrap();
    let read: hashivault::Envelope = inside
        .request(Method::GET, "kv/app", None::<&()>)
        .await
        .unwrap();
    assert_eq!(read.data.unwrap()["answer"], "42");
    // Outside the namespace, that mount does not exist.
    let outside = client
        .request::<hashivault::JsonMap, ()>(Method::GET, "kv/app", None)
        .await
        .unwrap_err();
    assert!(
        outside
            .status()
            .is_some_and(|s| s == 404 || s == 403 || s == 400),
        "{outside}"
    );
}

#[tokio::test]
async fn wrapping_and_unwrap() {
    let Some(client) = common::live_client("wrapping_and_unwrap") else {
        return;
    };
    let path = common::unique("wrapped");
    let body: serde_json::Map<String, serde_json::Value> =
        serde_json::from_value(json!({"api_key": "k-123"})).unwrap();
    client
        .api()
        .cubbyhole_write()
        .path(&path)
        .body(body)
        .send()
        .await
        .unwrap();
    let wrapped = client
        .with_wrap_ttl("2m")
        .unwrap()
        .api()
        .cubbyhole_read()
        .path(&path)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(wrapped.data.is_none(), "a wrapped answer carries no data");
    let info = wrapped.wrap_info.expect("wrap_info");
    assert_eq!(info.ttl, 120);
    assert_eq!(info.creation_path, format!("cubbyhole/{path}"));
    let unwrapped: hashivault::Envelope = client.unwrap(&info.token).await.unwrap();
    assert_eq!(unwrapped.data.unwrap()["api_key"], "k-123");
    // A wrapping token works once.
    let again = client
        .unwrap::<hashivault::JsonMap>(&info.token)
        .await
        .unwrap_err();
    assert!(
        again.is_invalid_request() || again.is_permission_denied(),
        "{again}"
    );
}
