//! The generated API on the wire, one feature group at a time.
//!
//! Each test calls one representative operation of its group against httpmock and checks the
//! exact method, path (mount paths like `team/pki` keep their literal slashes), query string,
//! `X-Vault-Token` / `X-Vault-Request` headers and JSON body, then decodes the envelope and its
//! `data`. Answers come from a real OpenBao 2.7.2 (`tests/fixtures/api/`) where OpenBao has the
//! engine, and are written in Vault's documented envelope shape for the cloud plugins.
//! The quirk tests at the end cover durations, empty dates, untyped bodies, 204s, LIST, 404,
//! health codes and PATCH.
#![allow(unused_imports, dead_code)]

use hashivault::api::types;
use hashivault::{Client, Envelope, ExposeSecret, VaultDuration};
use hashivault::{SecretMap, Sensitive};
use httpmock::prelude::*;
use httpmock::Mock;
use serde_json::{json, Map, Value};

const TOKEN: &str = "hvs.test";

fn client(server: &MockServer) -> Client {
    Client::builder()
        .address(server.base_url())
        .token(TOKEN)
        .max_retries(0)
        .build()
        .unwrap()
}

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/api/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn s(text: &str) -> String {
    text.to_string()
}

/// A credential for a generated body field (`Sensitive`: redacted in `Debug`).
fn secret(v: &str) -> Sensitive {
    Sensitive::from(v)
}

fn obj(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

/// A logical answer in Vault's envelope shape, with `data`.
fn answer(data: Value) -> Value {
    json!({
        "request_id": "0d0c1b9e-5c2f-4f0e-9f55-3d1a2b4c5d6e",
        "lease_id": "",
        "renewable": false,
        "lease_duration": 0,
        "data": data,
        "wrap_info": null,
        "warnings": null,
        "auth": null,
        "mount_type": ""
    })
}

/// A dynamic-secret answer: `data` with a lease.
fn leased(lease_id: &str, lease_duration: u64, data: Value) -> Value {
    let mut body = answer(data);
    body["lease_id"] = json!(lease_id);
    body["renewable"] = json!(true);
    body["lease_duration"] = json!(lease_duration);
    body
}

/// A login answer: no `data`, an `auth` block.
fn login(token: &str, policies: &[&str], metadata: Value) -> Value {
    let mut body = answer(Value::Null);
    body["auth"] = json!({
        "client_token": token,
        "accessor": "acc-7d1e0c",
        "policies": policies,
        "token_policies": policies,
        "metadata": metadata,
        "lease_duration": 3600,
        "renewable": true,
        "entity_id": "e-5a1c",
        "token_type": "service",
        "orphan": true,
        "mfa_requirement": null,
        "num_uses": 0
    });
    body
}

/// OpenBao 2.7.2 answers `custom_metadata: null`, which the generated types cannot decode yet
/// (see tests/api_known_bugs.rs); the group tests use the answer with an empty map instead.
fn without_null_custom_metadata(mut reply: Value) -> Value {
    reply["data"]["custom_metadata"] = json!({});
    reply
}

/// The request a test expects on the wire.
struct Wire {
    method: httpmock::Method,
    path: &'static str,
    /// The exact query string, or `None` for no query at all.
    query: Option<&'static str>,
    /// The exact JSON body, or `None` for an empty body.
    body: Option<Value>,
}

fn post(path: &'static str, body: Value) -> Wire {
    Wire {
        method: POST,
        path,
        query: None,
        body: Some(body),
    }
}

fn get(path: &'static str) -> Wire {
    Wire {
        method: GET,
        path,
        query: None,
        body: None,
    }
}

/// Mocks `wire` exactly (method, path, query, token and request headers, body) and answers
/// `status` with `reply` (no body when `None`).
async fn expect<'a>(
    server: &'a MockServer,
    wire: Wire,
    status: u16,
    reply: Option<Value>,
) -> Mock<'a> {
    let Wire {
        method,
        path,
        query,
        body,
    } = wire;
    server
        .mock_async(move |when, then| {
            let when = when
                .method(method)
                .path(path)
                .header("x-vault-token", TOKEN)
                .header("x-vault-request", "true")
                .header_missing("x-vault-namespace")
                .is_true(move |req| req.uri().query() == query);
            match body {
                Some(body) => {
                    when.json_body(body);
                }
                None => {
                    when.is_true(|req| req.body().0.is_empty());
                }
            }
            let then = then.status(status);
            if let Some(reply) = reply {
                then.json_body(reply);
            }
        })
        .await
}

fn assert_login(env: &Envelope, token: &str, policies: &[&str]) {
    assert!(env.data.is_none());
    let auth = env.auth.as_ref().expect("an auth block");
    assert_eq!(auth.client_token.expose_secret(), token);
    assert_eq!(auth.accessor, "acc-7d1e0c");
    assert_eq!(auth.policies, policies);
    assert_eq!(auth.lease_duration, 3600);
    assert!(auth.renewable && auth.orphan);
    assert_eq!(auth.token_type, "service");
}

// ---------------------------------------------------------------------------------------------
// Secrets engines
// ---------------------------------------------------------------------------------------------

#[cfg(feature = "alicloud")]
#[tokio::test]
async fn alicloud_write_role_sends_durations_as_given() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        post(
            "/v1/team/alicloud/role/ecs-reader",
            json!({"role_arn": "acs:ram::5138828231865461:role/hastrustedactors",
                   "ttl": "1h", "max_ttl": 7200}),
        ),
        204,
        None,
    )
    .await;
    let env = client(&server)
        .api()
        .ali_cloud_write_role()
        .alicloud_mount_path("team/alicloud")
        .name("ecs-reader")
        .body_map(|b| {
            b.role_arn(s("acs:ram::5138828231865461:role/hastrustedactors"))
                .ttl(VaultDuration::from("1h"))
                .max_ttl(VaultDuration::from(7200u64))
        })
        .send()
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(env.status().as_u16(), 204);
    let env = env.into_inner();
    assert!(env.data.is_none() && env.auth.is_none());
    assert_eq!(env.request_id, "");
}

#[cfg(feature = "aws")]
#[tokio::test]
async fn aws_write_static_role_decodes_typed_data() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        post(
            "/v1/team/aws/static-roles/deploy",
            json!({"username": "deploy-bot", "rotation_period": "24h"}),
        ),
        200,
        Some(answer(
            json!({"name": "deploy", "username": "deploy-bot", "rotation_period": 86400}),
        )),
    )
    .await;
    let env = client(&server)
        .api()
        .aws_write_static_roles_name()
        .aws_mount_path("team/aws")
        .name("deploy")
        .body_map(|b| {
            b.username(s("deploy-bot"))
                .rotation_period(VaultDuration::from("24h"))
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    let data: types::AwsWriteStaticRolesNameResponse = env.data.unwrap();
    assert_eq!(data.name.as_deref(), Some("deploy"));
    assert_eq!(data.username.as_deref(), Some("deploy-bot"));
    assert_eq!(data.rotation_period, Some(VaultDuration::Seconds(86400)));
}

#[cfg(feature = "azure")]
#[tokio::test]
async fn azure_write_role() {
    let server = MockServer::start_async().await;
    let roles = r#"[{"role_name":"Contributor","scope":"/subscriptions/sub-1"}]"#;
    let mock = expect(
        &server,
        post(
            "/v1/team/azure/roles/ci",
            json!({"azure_roles": roles, "ttl": 3600, "persist_app": false}),
        ),
        204,
        None,
    )
    .await;
    let env = client(&server)
        .api()
        .azure_write_role()
        .azure_mount_path("team/azure")
        .name("ci")
        .body_map(|b| {
            b.azure_roles(s(roles))
                .ttl(VaultDuration::from(3600u64))
                .persist_app(false)
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    assert!(env.data.is_none());
}

#[cfg(feature = "consul")]
#[tokio::test]
async fn consul_generate_credentials_decodes_the_lease() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        get("/v1/team/consul/creds/readonly"),
        200,
        Some(leased(
            "team/consul/creds/readonly/3hHb7Ymy0Z6w",
            2764800,
            json!({"accessor": "c0e1d2f3-0000-4000-8000-000000000001",
                   "token": "d1c2b3a4-0000-4000-8000-000000000002", "local": false}),
        )),
    )
    .await;
    let env = client(&server)
        .api()
        .consul_generate_credentials()
        .consul_mount_path("team/consul")
        .role("readonly")
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    assert_eq!(env.lease_id, "team/consul/creds/readonly/3hHb7Ymy0Z6w");
    assert!(env.renewable);
    assert_eq!(env.lease_duration, 2764800);
    let data = env.data.unwrap();
    assert_eq!(data["token"], "d1c2b3a4-0000-4000-8000-000000000002");
    assert_eq!(data["local"], false);
}

#[cfg(feature = "cubbyhole")]
#[tokio::test]
async fn cubbyhole_write_sends_the_map_and_read_decodes_it() {
    let server = MockServer::start_async().await;
    let write = expect(
        &server,
        post("/v1/cubbyhole/app/cfg", json!({"color": "blue", "size": 3})),
        204,
        None,
    )
    .await;
    let read = expect(
        &server,
        get("/v1/cubbyhole/app/cfg"),
        200,
        Some(fixture("cubbyhole-read.json")),
    )
    .await;
    let api_client = client(&server);
    api_client
        .api()
        .cubbyhole_write()
        .path("app/cfg")
        .body(obj(json!({"color": "blue", "size": 3})))
        .send()
        .await
        .unwrap();
    write.assert_async().await;
    let env = api_client
        .api()
        .cubbyhole_read()
        .path("app/cfg")
        .send()
        .await
        .unwrap()
        .into_inner();
    read.assert_async().await;
    assert_eq!(env.request_id, "abcd9ed9-646f-c665-8b3d-b74f817d5c11");
    let data = env.data.unwrap();
    assert_eq!(data["color"], "blue");
    assert_eq!(data["size"], 3);
}

#[cfg(feature = "database")]
#[tokio::test]
async fn database_write_role() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        post(
            "/v1/team/database/roles/readonly",
            json!({"db_name": "pg", "default_ttl": "1h", "max_ttl": 86400,
                   "creation_statements": ["CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}';"]}),
        ),
        204,
        None,
    )
    .await;
    let env = client(&server)
        .api()
        .database_write_role()
        .database_mount_path("team/database")
        .name("readonly")
        .body_map(|b| {
            b.db_name(s("pg"))
                .default_ttl(VaultDuration::from("1h"))
                .max_ttl(VaultDuration::from(86400u64))
                .creation_statements(vec![s(
                    "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}';",
                )])
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    assert!(env.data.is_none());
}

#[cfg(feature = "gcp")]
#[tokio::test]
async fn gcp_generate_roleset_key() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        post(
            "/v1/team/gcp/roleset/deployer/key",
            json!({"key_algorithm": "KEY_ALG_RSA_2048", "key_type": "TYPE_GOOGLE_CREDENTIALS_FILE"}),
        ),
        200,
        Some(leased(
            "team/gcp/roleset/deployer/key/8aN3Xr",
            3600,
            json!({"private_key_data": "ewogICJ0eXBlIjogInNlcnZpY2VfYWNjb3VudCIKfQ==",
                   "key_algorithm": "KEY_ALG_RSA_2048", "key_type": "TYPE_GOOGLE_CREDENTIALS_FILE"}),
        )),
    )
    .await;
    let env = client(&server)
        .api()
        .google_cloud_generate_roleset_key()
        .gcp_mount_path("team/gcp")
        .roleset("deployer")
        .body_map(|b| {
            b.key_algorithm(s("KEY_ALG_RSA_2048"))
                .key_type(s("TYPE_GOOGLE_CREDENTIALS_FILE"))
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    assert_eq!(env.lease_duration, 3600);
    assert_eq!(env.data.unwrap()["key_algorithm"], "KEY_ALG_RSA_2048");
}

#[cfg(feature = "gcpkms")]
#[tokio::test]
async fn gcpkms_encrypt() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        post(
            "/v1/team/gcpkms/encrypt/orders",
            json!({"plaintext": "aGVsbG8=", "key_version": 2}),
        ),
        200,
        Some(answer(
            json!({"ciphertext": "CiQAuR0k...", "key_version": 2}),
        )),
    )
    .await;
    let env = client(&server)
        .api()
        .google_cloud_kms_encrypt()
        .gcpkms_mount_path("team/gcpkms")
        .key("orders")
        .body_map(|b| b.plaintext(secret("aGVsbG8=")).key_version(2i64))
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    let data = env.data.unwrap();
    assert_eq!(data["ciphertext"], "CiQAuR0k...");
    assert_eq!(data["key_version"], 2);
}

#[cfg(feature = "identity")]
#[tokio::test]
async fn identity_entity_create() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        post(
            "/v1/identity/entity",
            json!({"name": "alice", "policies": ["reader"], "metadata": {"team": "billing"}}),
        ),
        200,
        Some(fixture("identity-entity-create.json")),
    )
    .await;
    let env = client(&server)
        .api()
        .entity_create()
        .body_map(|b| {
            b.name(s("alice"))
                .policies(vec![s("reader")])
                .metadata(SecretMap::from(obj(json!({"team": "billing"}))))
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    let data = env.data.unwrap();
    assert_eq!(data["id"], "a07f38d7-ba5d-2ace-eb0c-d8480e7cb837");
    assert_eq!(data["name"], "alice");
    assert!(data["aliases"].is_null());
}

#[cfg(feature = "kubernetes")]
#[tokio::test]
async fn kubernetes_generate_credentials() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        post(
            "/v1/team/kubernetes/creds/deployer",
            json!({"kubernetes_namespace": "apps", "ttl": "10m", "audiences": ["api"]}),
        ),
        200,
        Some(leased(
            "team/kubernetes/creds/deployer/Yq0N0x",
            600,
            json!({"service_account_name": "v-token-deployer-1700000000-abcd",
                   "service_account_namespace": "apps",
                   "service_account_token": "eyJhbGciOiJSUzI1NiJ9.e30.sig"}),
        )),
    )
    .await;
    let env = client(&server)
        .api()
        .kubernetes_generate_credentials()
        .kubernetes_mount_path("team/kubernetes")
        .name("deployer")
        .body_map(|b| {
            b.kubernetes_namespace(s("apps"))
                .ttl(VaultDuration::from("10m"))
                .audiences(vec![s("api")])
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    assert_eq!(env.lease_duration, 600);
    assert_eq!(env.data.unwrap()["service_account_namespace"], "apps");
}

#[cfg(feature = "kv")]
#[tokio::test]
async fn kv_v2_write_with_a_nested_mount_and_a_nested_path() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        post(
            "/v1/team/secret/data/app/db",
            json!({"data": {"user": "app", "password": "s3cret"}, "options": {"cas": 0}}),
        ),
        200,
        Some(without_null_custom_metadata(fixture("kv-v2-write.json"))),
    )
    .await;
    let env = client(&server)
        .api()
        .kv_v2_write()
        .kv_v2_mount_path("team/secret")
        .path("app/db")
        .body_map(|b| {
            b.data(SecretMap::from(obj(
                json!({"user": "app", "password": "s3cret"}),
            )))
            .options(SecretMap::from(obj(json!({"cas": 0}))))
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    assert_eq!(env.request_id, "8efa59b5-9a7f-baef-173a-66aefbbe4ecf");
    let data: types::KvV2WriteResponse = env.data.unwrap();
    assert_eq!(data.version, Some(1));
    assert_eq!(data.destroyed, Some(false));
    assert_eq!(data.deletion_time.as_deref(), Some(""));
    assert!(data.created_time.unwrap().starts_with("2026-"));
}

#[cfg(feature = "ldap")]
#[tokio::test]
async fn ldap_library_check_out() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        post(
            "/v1/team/ldap/library/accounting/check-out",
            json!({"ttl": "1h"}),
        ),
        200,
        Some(leased(
            "team/ldap/library/accounting/check-out/EpuS8cX7uEsDzOwW9kkKOyGW",
            3600,
            json!({"password": "?@09AZKh03hBORZPJcTDgLfntlHqxLy29tcQjPVThzuwWAx/Twx4a2ZcRQRqrZ1w",
                   "service_account_name": "fizz@example.com"}),
        )),
    )
    .await;
    let env = client(&server)
        .api()
        .ldap_library_check_out()
        .ldap_mount_path("team/ldap")
        .name("accounting")
        .body_map(|b| b.ttl(VaultDuration::from("1h")))
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    assert!(env.renewable);
    assert_eq!(
        env.data.unwrap()["service_account_name"],
        "fizz@example.com"
    );
}

#[cfg(feature = "mongodbatlas")]
#[tokio::test]
async fn mongodbatlas_write_role() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        post(
            "/v1/team/mongodbatlas/roles/test-programmatic-key",
            json!({"organization_id": "5b23ff2f96e82130d0aaec13",
                   "roles": ["ORG_MEMBER"], "ttl": "2h"}),
        ),
        204,
        None,
    )
    .await;
    let env = client(&server)
        .api()
        .mongo_db_atlas_write_role()
        .mongodbatlas_mount_path("team/mongodbatlas")
        .name("test-programmatic-key")
        .body_map(|b| {
            b.organization_id(s("5b23ff2f96e82130d0aaec13"))
                .roles(vec![s("ORG_MEMBER")])
                .ttl(VaultDuration::from("2h"))
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    assert!(env.data.is_none());
}

#[cfg(feature = "nomad")]
#[tokio::test]
async fn nomad_generate_credentials() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        get("/v1/team/nomad/creds/monitoring"),
        200,
        Some(leased(
            "team/nomad/creds/monitoring/78ec3ef3-c806-1022-4aa8-1dbae39c760c",
            2764800,
            json!({"accessor_id": "c834ba40-8d84-b0c1-c084-3a31d3383c03",
                   "secret_id": "65af6f07-7f57-bb24-cdae-a27f86a894ce"}),
        )),
    )
    .await;
    let env = client(&server)
        .api()
        .nomad_generate_credentials()
        .nomad_mount_path("team/nomad")
        .name("monitoring")
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    assert_eq!(
        env.data.unwrap()["accessor_id"],
        "c834ba40-8d84-b0c1-c084-3a31d3383c03"
    );
}

#[cfg(feature = "pki")]
#[tokio::test]
async fn pki_issue_with_role_decodes_typed_data() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        post(
            "/v1/team/pki/issue/web",
            json!({"common_name": "api.example.com", "ttl": "24h", "alt_names": "www.example.com"}),
        ),
        200,
        Some(fixture("pki-issue-with-role.json")),
    )
    .await;
    let env = client(&server)
        .api()
        .pki_issue_with_role()
        .pki_mount_path("team/pki")
        .role("web")
        .body_map(|b| {
            b.common_name(s("api.example.com"))
                .ttl(VaultDuration::from("24h"))
                .alt_names(s("www.example.com"))
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    let raw = fixture("pki-issue-with-role.json");
    let data: types::PkiIssueWithRoleResponse = env.data.unwrap();
    assert!(data
        .certificate
        .as_deref()
        .unwrap()
        .starts_with("-----BEGIN CERTIFICATE-----"));
    assert_eq!(data.ca_chain.as_ref().map(Vec::len), Some(1));
    assert_eq!(data.expiration, raw["data"]["expiration"].as_i64());
    assert_eq!(
        data.serial_number.as_deref(),
        raw["data"]["serial_number"].as_str()
    );
    assert_eq!(data.private_key_type.as_deref(), Some("rsa"));
}

#[cfg(feature = "rabbitmq")]
#[tokio::test]
async fn rabbitmq_request_credentials() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        get("/v1/team/rabbitmq/creds/producer"),
        200,
        Some(leased(
            "team/rabbitmq/creds/producer/2740df96-d1c2-7140-c406-77a137fa3ecf",
            2764800,
            json!({"username": "root-4b95bf47-281d-dcb5-8a60-9594f8056092",
                   "password": "e1b6c159-ca63-4c6a-3886-6639eae06c30"}),
        )),
    )
    .await;
    let env = client(&server)
        .api()
        .rabbit_mq_request_credentials()
        .rabbitmq_mount_path("team/rabbitmq")
        .name("producer")
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    assert_eq!(
        env.data.unwrap()["username"],
        "root-4b95bf47-281d-dcb5-8a60-9594f8056092"
    );
}

#[cfg(feature = "ssh")]
#[tokio::test]
async fn ssh_sign_certificate() {
    let server = MockServer::start_async().await;
    let public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ0 user@host";
    let mock = expect(
        &server,
        post(
            "/v1/team/ssh/sign/ops",
            json!({"public_key": public_key, "valid_principals": "ubuntu", "ttl": "10m"}),
        ),
        200,
        Some(fixture("ssh-sign.json")),
    )
    .await;
    let env = client(&server)
        .api()
        .ssh_sign_certificate()
        .ssh_mount_path("team/ssh")
        .role("ops")
        .body_map(|b| {
            b.public_key(s(public_key))
                .valid_principals(s("ubuntu"))
                .ttl(VaultDuration::from("10m"))
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    let data = env.data.unwrap();
    assert_eq!(data["serial_number"], "f69b4e4d60e01365");
    assert!(data["signed_key"]
        .as_str()
        .unwrap()
        .starts_with("ssh-ed25519-cert-v01@openssh.com "));
}

#[cfg(feature = "terraform")]
#[tokio::test]
async fn terraform_generate_credentials() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        get("/v1/team/terraform/creds/my-role"),
        200,
        Some(leased(
            "team/terraform/creds/my-role/WLJZb1CmWnbuNRkbmbXUVZLc",
            7200,
            json!({"token": "eXaMpLeToKeN.atlasv1.ZXhhbXBsZQ", "token_id": "at-123acbdfask"}),
        )),
    )
    .await;
    let env = client(&server)
        .api()
        .terraform_cloud_generate_credentials()
        .terraform_mount_path("team/terraform")
        .name("my-role")
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    assert_eq!(env.lease_duration, 7200);
    assert_eq!(env.data.unwrap()["token_id"], "at-123acbdfask");
}

#[cfg(feature = "totp")]
#[tokio::test]
async fn totp_create_key() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        post(
            "/v1/team/totp/keys/alice",
            json!({"generate": true, "issuer": "Example", "account_name": "alice@example.com"}),
        ),
        200,
        Some(fixture("totp-create-key.json")),
    )
    .await;
    let env = client(&server)
        .api()
        .totp_create_key()
        .totp_mount_path("team/totp")
        .name("alice")
        .body_map(|b| {
            b.generate(true)
                .issuer(s("Example"))
                .account_name(s("alice@example.com"))
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    let data = env.data.unwrap();
    assert!(data["url"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/Example:alice@example.com?"));
    assert!(!data["barcode"].as_str().unwrap().is_empty());
}

#[cfg(feature = "transit")]
#[tokio::test]
async fn transit_encrypt() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        post(
            "/v1/team/transit/encrypt/orders",
            json!({"plaintext": "aGVsbG8gd29ybGQ="}),
        ),
        200,
        Some(fixture("transit-encrypt.json")),
    )
    .await;
    let env = client(&server)
        .api()
        .transit_encrypt()
        .transit_mount_path("team/transit")
        .name("orders")
        .body_map(|b| b.plaintext(secret("aGVsbG8gd29ybGQ=")))
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    let data = env.data.unwrap();
    assert!(data["ciphertext"]
        .as_str()
        .unwrap()
        .starts_with("vault:v1:"));
    assert_eq!(data["key_version"], 1);
}

// ---------------------------------------------------------------------------------------------
// Auth methods
// ---------------------------------------------------------------------------------------------

#[cfg(feature = "auth-alicloud")]
#[tokio::test]
async fn auth_alicloud_login() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        post(
            "/v1/auth/team/alicloud/login",
            json!({"role": "dev-role", "identity_request_url": "aHR0cHM6Ly9zdHMuYWxpeXVuY3MuY29t",
                   "identity_request_headers": "eyJVc2VyLUFnZW50IjpbIkFsaWJhYmFDbG91ZCJdfQ=="}),
        ),
        200,
        Some(login(
            "s.ali",
            &["default", "dev"],
            json!({"role_name": "dev-role"}),
        )),
    )
    .await;
    let env = client(&server)
        .api()
        .ali_cloud_login()
        .alicloud_mount_path("team/alicloud")
        .body_map(|b| {
            b.role(s("dev-role"))
                .identity_request_url(s("aHR0cHM6Ly9zdHMuYWxpeXVuY3MuY29t"))
                .identity_request_headers(s("eyJVc2VyLUFnZW50IjpbIkFsaWJhYmFDbG91ZCJdfQ=="))
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    assert_login(&env, "s.ali", &["default", "dev"]);
    assert_eq!(env.auth.unwrap().metadata["role_name"], "dev-role");
}

#[cfg(feature = "auth-approle")]
#[tokio::test]
async fn auth_approle_write_secret_id_decodes_typed_data() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        post(
            "/v1/auth/team/approle/role/ci/secret-id",
            json!({"metadata": "{\"team\":\"build\"}", "ttl": "10m", "num_uses": 5}),
        ),
        200,
        Some(fixture("approle-write-secret-id.json")),
    )
    .await;
    let env = client(&server)
        .api()
        .app_role_write_secret_id()
        .approle_mount_path("team/approle")
        .role_name("ci")
        .body_map(|b| {
            b.metadata(s("{\"team\":\"build\"}"))
                .ttl(VaultDuration::from("10m"))
                .num_uses(5i64)
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    let data: types::AppRoleWriteSecretIdResponse = env.data.unwrap();
    assert_eq!(
        data.secret_id.as_ref().map(Sensitive::expose),
        Some("a0a506e0-7e6d-bba4-a16b-0385d25c23da")
    );
    assert_eq!(
        data.secret_id_accessor.as_deref(),
        Some("27986e76-c664-1509-c7b9-db8889af06e2")
    );
    assert_eq!(data.secret_id_num_uses, Some(0));
    assert_eq!(data.secret_id_ttl.and_then(|d| d.as_secs()), Some(600));
}

#[cfg(feature = "auth-aws")]
#[tokio::test]
async fn auth_aws_login() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        post(
            "/v1/auth/team/aws/login",
            json!({"role": "dev-role-iam", "iam_http_request_method": "POST",
                   "iam_request_url": "aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbS8=",
                   "iam_request_body": "QWN0aW9uPUdldENhbGxlcklkZW50aXR5",
                   "iam_request_headers": "eyJBdXRob3JpemF0aW9uIjpbIkFXUzQiXX0="}),
        ),
        200,
        Some(login(
            "s.aws",
            &["default", "dev"],
            json!({"account_id": "123456789012"}),
        )),
    )
    .await;
    let env = client(&server)
        .api()
        .aws_login()
        .aws_mount_path("team/aws")
        .body_map(|b| {
            b.role(s("dev-role-iam"))
                .iam_http_request_method(s("POST"))
                .iam_request_url(s("aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbS8="))
                .iam_request_body(s("QWN0aW9uPUdldENhbGxlcklkZW50aXR5"))
                .iam_request_headers(s("eyJBdXRob3JpemF0aW9uIjpbIkFXUzQiXX0="))
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    assert_login(&env, "s.aws", &["default", "dev"]);
}

#[cfg(feature = "auth-azure")]
#[tokio::test]
async fn auth_azure_login() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        post(
            "/v1/auth/team/azure/login",
            json!({"role": "dev-role", "jwt": "eyJ0eXAi.e30.sig", "subscription_id": "sub-1",
                   "resource_group_name": "rg", "vm_name": "vm-1"}),
        ),
        200,
        Some(login("s.azure", &["default"], json!({"vm_name": "vm-1"}))),
    )
    .await;
    let env = client(&server)
        .api()
        .azure_login()
        .azure_mount_path("team/azure")
        .body_map(|b| {
            b.role(s("dev-role"))
                .jwt(secret("eyJ0eXAi.e30.sig"))
                .subscription_id(s("sub-1"))
                .resource_group_name(s("rg"))
                .vm_name(s("vm-1"))
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    assert_login(&env, "s.azure", &["default"]);
}

#[cfg(feature = "auth-centrify")]
#[tokio::test]
async fn auth_centrify_login() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        post(
            "/v1/auth/team/centrify/login",
            json!({"username": "alice@example.com", "password": "pw", "mode": "cc"}),
        ),
        200,
        Some(login(
            "s.centrify",
            &["default"],
            json!({"username": "alice@example.com"}),
        )),
    )
    .await;
    let env = client(&server)
        .api()
        .centrify_login()
        .centrify_mount_path("team/centrify")
        .body_map(|b| {
            b.username(s("alice@example.com"))
                .password(secret("pw"))
                .mode(s("cc"))
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    assert_login(&env, "s.centrify", &["default"]);
}

#[cfg(feature = "auth-cert")]
#[tokio::test]
async fn auth_cert_login() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        post("/v1/auth/team/cert/login", json!({"name": "web"})),
        200,
        Some(login(
            "s.cert",
            &["web"],
            json!({"cert_name": "web", "common_name": "web.example.com"}),
        )),
    )
    .await;
    let env = client(&server)
        .api()
        .cert_login()
        .cert_mount_path("team/cert")
        .body_map(|b| b.name(s("web")))
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    assert_login(&env, "s.cert", &["web"]);
    assert_eq!(env.auth.unwrap().metadata["common_name"], "web.example.com");
}

#[cfg(feature = "auth-cf")]
#[tokio::test]
async fn auth_cf_login() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        post(
            "/v1/auth/team/cf/login",
            json!({"role": "test-role", "cf_instance_cert": "-----BEGIN CERTIFICATE-----",
                   "signing_time": "2024-01-01T00:00:00Z", "signature": "MEUCIQ"}),
        ),
        200,
        Some(login("s.cf", &["default"], json!({"app_id": "2d3e834a"}))),
    )
    .await;
    let env = client(&server)
        .api()
        .cloud_foundry_login()
        .cf_mount_path("team/cf")
        .body_map(|b| {
            b.role(s("test-role"))
                .cf_instance_cert(s("-----BEGIN CERTIFICATE-----"))
                .signing_time(s("2024-01-01T00:00:00Z"))
                .signature(s("MEUCIQ"))
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    assert_login(&env, "s.cf", &["default"]);
}

#[cfg(feature = "auth-gcp")]
#[tokio::test]
async fn auth_gcp_login() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        post(
            "/v1/auth/team/gcp/login",
            json!({"role": "dev-role", "jwt": "eyJhbGciOi.e30.sig"}),
        ),
        200,
        Some(login(
            "s.gcp",
            &["default", "dev"],
            json!({"service_account_email": "dev@p.iam.gserviceaccount.com"}),
        )),
    )
    .await;
    let env = client(&server)
        .api()
        .google_cloud_login()
        .gcp_mount_path("team/gcp")
        .body_map(|b| b.role(s("dev-role")).jwt(secret("eyJhbGciOi.e30.sig")))
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    assert_login(&env, "s.gcp", &["default", "dev"]);
}

#[cfg(feature = "auth-github")]
#[tokio::test]
async fn auth_github_login() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        post(
            "/v1/auth/team/github/login",
            json!({"token": "ghp_example"}),
        ),
        200,
        Some(login(
            "s.github",
            &["default", "dev"],
            json!({"org": "acme", "username": "alice"}),
        )),
    )
    .await;
    let env = client(&server)
        .api()
        .github_login()
        .github_mount_path("team/github")
        .body_map(|b| b.token(secret("ghp_example")))
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    assert_login(&env, "s.github", &["default", "dev"]);
    assert_eq!(env.auth.unwrap().metadata["org"], "acme");
}

#[cfg(feature = "auth-jwt")]
#[tokio::test]
async fn auth_jwt_oidc_request_authorization_url() {
    let server = MockServer::start_async().await;
    let url = "https://accounts.example.com/authorize?client_id=vault&state=st_1";
    let mock = expect(
        &server,
        post(
            "/v1/auth/team/oidc/oidc/auth_url",
            json!({"role": "web", "redirect_uri": "https://vault.example.com/ui/vault/auth/oidc/oidc/callback"}),
        ),
        200,
        Some(answer(json!({"auth_url": url}))),
    )
    .await;
    let env = client(&server)
        .api()
        .jwt_oidc_request_authorization_url()
        .jwt_mount_path("team/oidc")
        .body_map(|b| {
            b.role(s("web")).redirect_uri(s(
                "https://vault.example.com/ui/vault/auth/oidc/oidc/callback",
            ))
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    assert!(env.auth.is_none());
    assert_eq!(env.data.unwrap()["auth_url"], url);
}

#[cfg(feature = "auth-kerberos")]
#[tokio::test]
async fn auth_kerberos_write_group() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        post(
            "/v1/auth/team/kerberos/groups/engineers",
            json!({"policies": ["engineers", "default"]}),
        ),
        204,
        None,
    )
    .await;
    let env = client(&server)
        .api()
        .kerberos_write_group()
        .kerberos_mount_path("team/kerberos")
        .name("engineers")
        .body_map(|b| b.policies(vec![s("engineers"), s("default")]))
        .send()
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(env.status().as_u16(), 204);
    assert!(env.into_inner().data.is_none());
}

#[cfg(feature = "auth-kubernetes")]
#[tokio::test]
async fn auth_kubernetes_login() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        post(
            "/v1/auth/team/kubernetes/login",
            json!({"role": "app", "jwt": "eyJhbGciOiJSUzI1NiJ9.e30.sig"}),
        ),
        200,
        Some(login(
            "s.k8s",
            &["default", "app"],
            json!({"service_account_name": "app", "service_account_namespace": "apps"}),
        )),
    )
    .await;
    let env = client(&server)
        .api()
        .kubernetes_login()
        .kubernetes_mount_path("team/kubernetes")
        .body_map(|b| b.role(s("app")).jwt(secret("eyJhbGciOiJSUzI1NiJ9.e30.sig")))
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    assert_login(&env, "s.k8s", &["default", "app"]);
    assert_eq!(
        env.auth.unwrap().metadata["service_account_namespace"],
        "apps"
    );
}

#[cfg(feature = "auth-ldap")]
#[tokio::test]
async fn auth_ldap_login() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        post(
            "/v1/auth/team/ldap/login/mitchellh",
            json!({"password": "foo"}),
        ),
        200,
        Some(login(
            "s.ldap",
            &["admins", "default"],
            json!({"username": "mitchellh"}),
        )),
    )
    .await;
    let env = client(&server)
        .api()
        .ldap_login()
        .ldap_mount_path("team/ldap")
        .username("mitchellh")
        .body_map(|b| b.password(secret("foo")))
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    assert_login(&env, "s.ldap", &["admins", "default"]);
}

#[cfg(feature = "auth-oci")]
#[tokio::test]
async fn auth_oci_login() {
    let server = MockServer::start_async().await;
    let headers = r#"{"date":["Fri, 22 Aug 2019 21:02:19 GMT"],"(request-target)":["get /v1/auth/oci/login/devrole"]}"#;
    let mock = expect(
        &server,
        post(
            "/v1/auth/team/oci/login/devrole",
            json!({"request_headers": headers}),
        ),
        200,
        Some(login(
            "s.oci",
            &["default"],
            json!({"role_name": "devrole"}),
        )),
    )
    .await;
    let env = client(&server)
        .api()
        .oci_login()
        .oci_mount_path("team/oci")
        .role("devrole")
        .body_map(|b| b.request_headers(s(headers)))
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    assert_login(&env, "s.oci", &["default"]);
}

#[cfg(feature = "auth-okta")]
#[tokio::test]
async fn auth_okta_login() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        post(
            "/v1/auth/team/okta/login/fred@example.com",
            json!({"password": "hunter2", "totp": "123456"}),
        ),
        200,
        Some(login(
            "s.okta",
            &["default"],
            json!({"username": "fred@example.com"}),
        )),
    )
    .await;
    let env = client(&server)
        .api()
        .okta_login()
        .okta_mount_path("team/okta")
        .username("fred@example.com")
        .body_map(|b| b.password(secret("hunter2")).totp(s("123456")))
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    assert_login(&env, "s.okta", &["default"]);
}

#[cfg(feature = "auth-radius")]
#[tokio::test]
async fn auth_radius_login_with_username() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        post(
            "/v1/auth/team/radius/login/test-user",
            json!({"password": "pw"}),
        ),
        200,
        Some(login(
            "s.radius",
            &["default"],
            json!({"username": "test-user"}),
        )),
    )
    .await;
    let env = client(&server)
        .api()
        .radius_login_with_username()
        .radius_mount_path("team/radius")
        .urlusername("test-user")
        .body_map(|b| b.password(secret("pw")))
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    assert_login(&env, "s.radius", &["default"]);
}

#[cfg(feature = "auth-token")]
#[tokio::test]
async fn auth_token_create() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        post(
            "/v1/auth/token/create",
            json!({"policies": ["default"], "ttl": "1h", "meta": {"app": "billing"},
                   "display_name": "billing"}),
        ),
        200,
        Some(fixture("token-create.json")),
    )
    .await;
    let env = client(&server)
        .api()
        .token_create()
        .body_map(|b| {
            b.policies(vec![s("default")])
                .ttl(VaultDuration::from("1h"))
                .meta(SecretMap::from(obj(json!({"app": "billing"}))))
                .display_name(s("billing"))
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    let raw = fixture("token-create.json");
    assert!(env.data.is_none());
    let auth = env.auth.unwrap();
    assert_eq!(
        auth.client_token.expose_secret(),
        raw["auth"]["client_token"].as_str().unwrap()
    );
    assert_eq!(auth.policies, vec![s("default")]);
    assert_eq!(auth.lease_duration, 3600);
    assert_eq!(auth.metadata["app"], "billing");
    assert_eq!(auth.token_type, "service");
}

#[cfg(feature = "auth-userpass")]
#[tokio::test]
async fn auth_userpass_login() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        post(
            "/v1/auth/team/userpass/login/alice",
            json!({"password": "pw"}),
        ),
        200,
        Some(fixture("userpass-login.json")),
    )
    .await;
    let env = client(&server)
        .api()
        .userpass_login()
        .userpass_mount_path("team/userpass")
        .username("alice")
        .body_map(|b| b.password(secret("pw")))
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    let auth = env.auth.unwrap();
    assert_eq!(auth.policies, vec![s("default"), s("reader")]);
    assert_eq!(auth.metadata["username"], "alice");
    assert!(auth.renewable);
}

// ---------------------------------------------------------------------------------------------
// sys
// ---------------------------------------------------------------------------------------------

#[cfg(feature = "sys")]
#[tokio::test]
async fn sys_generate_hash_with_algorithm_decodes_typed_data() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        post(
            "/v1/sys/tools/hash/sha2-512",
            json!({"input": "aGVsbG8=", "format": "hex"}),
        ),
        200,
        Some(fixture("sys-generate-hash.json")),
    )
    .await;
    let env = client(&server)
        .api()
        .generate_hash_with_algorithm()
        .urlalgorithm("sha2-512")
        .body_map(|b| b.input(s("aGVsbG8=")).format(s("hex")))
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    let data: types::GenerateHashWithAlgorithmResponse = env.data.unwrap();
    assert!(data.sum.unwrap().starts_with("9b71d224bd62f378"));
}

#[cfg(feature = "sys-admin")]
#[tokio::test]
async fn sys_admin_rate_limit_quota_read_decodes_typed_data() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        get("/v1/sys/quotas/rate-limit/global"),
        200,
        Some(fixture("sys-quotas-rate-limit.json")),
    )
    .await;
    let env = client(&server)
        .api()
        .rate_limit_quotas_read()
        .name("global")
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    let data: types::RateLimitQuotasReadResponse = env.data.unwrap();
    assert_eq!(data.name.as_deref(), Some("global"));
    assert_eq!(data.path.as_deref(), Some("team/secret/"));
    assert_eq!(data.rate, Some(100.0));
    assert_eq!(data.interval, Some(1));
    assert_eq!(data.type_.as_deref(), Some("rate-limit"));
}

// ---------------------------------------------------------------------------------------------
// Quirks
// ---------------------------------------------------------------------------------------------

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
    assert_eq!(
        data.delete_version_after,
        Some(VaultDuration::Text(s("0s")))
    );
    assert_eq!(data.delete_version_after.unwrap().as_secs(), Some(0));
    assert_eq!(data.cas_required, Some(false));
    assert_eq!(data.max_versions, Some(0));

    for (reply, secs) in [(as_integer, 3600), (as_text_hours, 3600)] {
        let mock = expect(&server, get("/v1/team/secret/config"), 200, Some(reply)).await;
        let data = read().await;
        mock.assert_async().await;
        assert_eq!(data.delete_version_after.unwrap().as_secs(), Some(secs));
        mock.delete_async().await;
    }
}

/// The approle role read: OpenBao sends every TTL as an integer; a string answer decodes too.
#[cfg(feature = "auth-approle")]
#[tokio::test]
async fn quirk_approle_role_ttls_integer_and_string() {
    let server = MockServer::start_async().await;
    let mut reply = fixture("approle-read-role.json");
    // OpenBao 2.7.2 answers `secret_id_bound_cidrs: null`; see tests/api_known_bugs.rs.
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
    let server = MockServer::start_async().await;
    let mut reply = fixture("kv-v2-read-metadata.json");
    // OpenBao 2.7.2 answers `custom_metadata: null`; see tests/api_known_bugs.rs.
    reply["data"]["custom_metadata"] = json!({"owner": "team-a"});
    let mock = expect(
        &server,
        get("/v1/team/secret/metadata/app/db"),
        200,
        Some(reply),
    )
    .await;
    let env = client(&server)
        .api()
        .kv_v2_read_metadata()
        .kv_v2_mount_path("team/secret")
        .path("app/db")
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    let data: types::KvV2ReadMetadataResponse = env.data.unwrap();
    assert_eq!(data.current_version, Some(1));
    assert_eq!(
        data.delete_version_after,
        Some(VaultDuration::Text(s("0s")))
    );
    let versions = data.versions.as_ref().unwrap();
    assert_eq!(versions["1"]["deletion_time"], "");
    assert_eq!(versions["1"]["destroyed"], false);
    assert_eq!(data.custom_metadata.as_ref().unwrap()["owner"], "team-a");
    assert!(data.updated_time.unwrap().starts_with("2026-"));
}

/// A 200 whose `data` the spec leaves untyped decodes as a JSON map.
#[cfg(feature = "kv")]
#[tokio::test]
async fn quirk_untyped_200_body_is_a_json_map() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        Wire {
            method: PATCH,
            path: "/v1/team/secret/data/app/db",
            query: None,
            body: Some(json!({"data": {"password": "n3w"}})),
        },
        200,
        Some(fixture("kv-v2-patch.json")),
    )
    .await;
    let env = client(&server)
        .api()
        .kv_v2_patch()
        .kv_v2_mount_path("team/secret")
        .path("app/db")
        .body(obj(json!({"data": {"password": "n3w"}})))
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
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
    let mock = server
        .mock_async(|when, then| {
            when.method(PATCH)
                .path("/v1/team/secret/data/app/db")
                .header("content-type", "application/merge-patch+json")
                .header("x-vault-token", TOKEN)
                .header("x-vault-request", "true")
                .is_true(|req| req.uri().query().is_none())
                .json_body(json!({"data": {"password": "n3w"}, "options": {"cas": 1}}));
            then.status(200).json_body(fixture("kv-v2-patch.json"));
        })
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
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        post(
            "/v1/sys/mounts/team/transit",
            json!({"type": "transit", "description": "team keys",
                   "config": {"default_lease_ttl": "1h"}}),
        ),
        204,
        None,
    )
    .await;
    let response = client(&server)
        .api()
        .mounts_enable_secrets_engine()
        .path("team/transit")
        .body_map(|b| {
            b.type_(s("transit"))
                .description(s("team keys"))
                .config(SecretMap::from(obj(json!({"default_lease_ttl": "1h"}))))
        })
        .send()
        .await
        .unwrap();
    mock.assert_async().await;
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
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
        Wire {
            method: GET,
            path: "/v1/team/secret/metadata/app/",
            query: Some("list=true"),
            body: None,
        },
        200,
        Some(fixture("kv-v2-list.json")),
    )
    .await;
    let env = client(&server)
        .api()
        .kv_v2_list()
        .kv_v2_mount_path("team/secret")
        .path("app")
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    let data: types::StandardListResponse = env.data.unwrap();
    assert_eq!(data.keys, Some(vec![s("api"), s("db")]));
}

/// A KV v2 read with `version` sends it as the only query parameter.
#[cfg(feature = "kv")]
#[tokio::test]
async fn quirk_kv_read_version_query() {
    let server = MockServer::start_async().await;
    let mock = expect(
        &server,
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
    )
    .await;
    let env = client(&server)
        .api()
        .kv_v2_read()
        .kv_v2_mount_path("team/secret")
        .path("app/db")
        .version(1i64)
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    let data: types::KvV2ReadResponse = env.data.unwrap();
    assert_eq!(data.data.as_ref().unwrap()["user"], "app");
    // Typed by the normalizer (`type_kv_v2_version_metadata`), `null` custom metadata included.
    let metadata: types::KvV2VersionMetadata = data.metadata.unwrap();
    assert_eq!(metadata.version, Some(1));
    assert_eq!(metadata.destroyed, Some(false));
    assert_eq!(metadata.deletion_time.as_deref(), Some(""));
    assert_eq!(
        metadata.created_time.as_deref(),
        Some("2026-11-25T12:42:33.59941058Z")
    );
    assert!(metadata.custom_metadata.is_none());
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
    let err = hashivault::Error::from(err);
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.status(), Some(404));
    assert!(err.messages().is_empty());
    let api = err.api().unwrap();
    assert_eq!(api.method, "GET");
    assert_eq!(api.path, "/v1/team/secret/data/nope");
}

/// `sys/health` answers 503 when sealed: the body comes back typed in `ErrorResponse`.
#[cfg(feature = "sys")]
#[tokio::test]
async fn quirk_health_503_keeps_its_body() {
    let server = MockServer::start_async().await;
    let mut sealed = fixture("sys-health.json");
    sealed["sealed"] = json!(true);
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/sys/health")
                .is_true(|req| req.uri().query() == Some("standbyok=true"));
            then.status(503).json_body(sealed);
        })
        .await;
    let err = client(&server)
        .api()
        .read_health_status()
        .standbyok(true)
        .send()
        .await
        .unwrap_err();
    mock.assert_async().await;
    match err {
        hashivault::api::Error::ErrorResponse(rv) => {
            assert_eq!(rv.status().as_u16(), 503);
            let body = rv.into_inner();
            assert_eq!(body["sealed"], true);
            assert_eq!(body["initialized"], true);
            assert_eq!(body["version"], "2.7.2");
        }
        other => panic!("expected the typed 503 body, got {other:?}"),
    }
}

/// The health 503 as a `hashivault::Error` is `is_sealed()`.
#[cfg(feature = "sys")]
#[tokio::test]
async fn quirk_health_503_maps_to_sealed() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/sys/health");
            then.status(503)
                .json_body(json!({"initialized": true, "sealed": true, "standby": true}));
        })
        .await;
    let err = client(&server)
        .api()
        .read_health_status()
        .send()
        .await
        .unwrap_err();
    mock.assert_async().await;
    let err = hashivault::Error::from(err);
    assert!(err.is_sealed(), "{err:?}");
}
