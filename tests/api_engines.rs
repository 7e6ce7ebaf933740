//! The generated API on the wire: the secrets engines, one feature group at a time.
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
use hashivault::SecretMap;
use hashivault::Sensitive;
use hashivault::{Client, Envelope, ExposeSecret, VaultDuration};
use httpmock::prelude::*;
use httpmock::Mock;
use serde_json::{json, Map, Value};

#[cfg(feature = "alicloud")]
#[tokio::test]
async fn alicloud_write_role_sends_durations_as_given() {
    let env = on_wire(
        post(
            "/v1/team/alicloud/role/ecs-reader",
            json!({"role_arn": "acs:ram::5138828231865461:role/hastrustedactors",
                   "ttl": "1h", "max_ttl": 7200}),
        ),
        204,
        None,
        |c| {
            c.api()
                .ali_cloud_write_role()
                .alicloud_mount_path("team/alicloud")
                .name("ecs-reader")
                .body_map(|b| {
                    b.role_arn(s("acs:ram::5138828231865461:role/hastrustedactors"))
                        .ttl(VaultDuration::from("1h"))
                        .max_ttl(VaultDuration::from(7200u64))
                })
                .send()
        },
    )
    .await;
    assert_eq!(env.status().as_u16(), 204);
    let env = env.into_inner();
    assert!(env.data.is_none() && env.auth.is_none());
    assert_eq!(env.request_id, "");
}

#[cfg(feature = "aws")]
#[tokio::test]
async fn aws_write_static_role_decodes_typed_data() {
    let env = on_wire(
        post(
            "/v1/team/aws/static-roles/deploy",
            json!({"username": "deploy-bot", "rotation_period": "24h"}),
        ),
        200,
        Some(answer(
            json!({"name": "deploy", "username": "deploy-bot", "rotation_period": 86400}),
        )),
        |c| {
            c.api()
                .aws_write_static_roles_name()
                .aws_mount_path("team/aws")
                .name("deploy")
                .body_map(|b| {
                    b.username(s("deploy-bot"))
                        .rotation_period(VaultDuration::from("24h"))
                })
                .send()
        },
    )
    .await
    .into_inner();
    let data: types::AwsWriteStaticRolesNameResponse = env.data.unwrap();
    assert_eq!(data.name.as_deref(), Some("deploy"));
    assert_eq!(data.username.as_deref(), Some("deploy-bot"));
    assert_eq!(data.rotation_period, Some(VaultDuration::Seconds(86400)));
}

#[cfg(feature = "azure")]
#[tokio::test]
async fn azure_write_role() {
    let roles = r#"[{"role_name":"Contributor","scope":"/subscriptions/sub-1"}]"#;
    let env = on_wire(
        post(
            "/v1/team/azure/roles/ci",
            json!({"azure_roles": roles, "ttl": 3600, "persist_app": false}),
        ),
        204,
        None,
        |c| {
            c.api()
                .azure_write_role()
                .azure_mount_path("team/azure")
                .name("ci")
                .body_map(|b| {
                    b.azure_roles(s(roles))
                        .ttl(VaultDuration::from(3600u64))
                        .persist_app(false)
                })
                .send()
        },
    )
    .await
    .into_inner();
    assert!(env.data.is_none());
}

#[cfg(feature = "consul")]
#[tokio::test]
async fn consul_generate_credentials_decodes_the_lease() {
    let env = on_wire(
        get("/v1/team/consul/creds/readonly"),
        200,
        Some(leased(
            "team/consul/creds/readonly/3hHb7Ymy0Z6w",
            2764800,
            json!({"accessor": "c0e1d2f3-0000-4000-8000-000000000001",
                   "token": "d1c2b3a4-0000-4000-8000-000000000002", "local": false}),
        )),
        |c| {
            c.api()
                .consul_generate_credentials()
                .consul_mount_path("team/consul")
                .role("readonly")
                .send()
        },
    )
    .await
    .into_inner();
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
    let env = common::wire::read_cubbyhole(&api_client, "app/cfg")
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
    let env = on_wire(post(
            "/v1/team/database/roles/readonly",
            json!({"db_name": "pg", "default_ttl": "1h", "max_ttl": 86400,
                   "creation_statements": ["CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}';"]}),
        ), 204, None, |c| c.api().database_write_role().database_mount_path("team/database").name("readonly").body_map(|b| { b.db_name(s("pg")).default_ttl(VaultDuration::from("1h")).max_ttl(VaultDuration::from(86400u64)).creation_statements(vec![s("CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}';", )]) }).send())
        .await.into_inner();
    assert!(env.data.is_none());
}

#[cfg(feature = "gcp")]
#[tokio::test]
async fn gcp_generate_roleset_key() {
    let env = on_wire(post(
            "/v1/team/gcp/roleset/deployer/key",
            json!({"key_algorithm": "KEY_ALG_RSA_2048", "key_type": "TYPE_GOOGLE_CREDENTIALS_FILE"}),
        ), 200, Some(leased(
            "team/gcp/roleset/deployer/key/8aN3Xr",
            3600,
            json!({"private_key_data": "ewogICJ0eXBlIjogInNlcnZpY2VfYWNjb3VudCIKfQ==",
                   "key_algorithm": "KEY_ALG_RSA_2048", "key_type": "TYPE_GOOGLE_CREDENTIALS_FILE"}),
        )), |c| c.api().google_cloud_generate_roleset_key().gcp_mount_path("team/gcp").roleset("deployer").body_map(|b| { b.key_algorithm(s("KEY_ALG_RSA_2048")).key_type(s("TYPE_GOOGLE_CREDENTIALS_FILE")) }).send())
        .await.into_inner();
    assert_eq!(env.lease_duration, 3600);
    assert_eq!(env.data.unwrap()["key_algorithm"], "KEY_ALG_RSA_2048");
}

#[cfg(feature = "gcpkms")]
#[tokio::test]
async fn gcpkms_encrypt() {
    let env = on_wire(
        post(
            "/v1/team/gcpkms/encrypt/orders",
            json!({"plaintext": "aGVsbG8=", "key_version": 2}),
        ),
        200,
        Some(answer(
            json!({"ciphertext": "CiQAuR0k...", "key_version": 2}),
        )),
        |c| {
            c.api()
                .google_cloud_kms_encrypt()
                .gcpkms_mount_path("team/gcpkms")
                .key("orders")
                .body_map(|b| b.plaintext(secret("aGVsbG8=")).key_version(2i64))
                .send()
        },
    )
    .await
    .into_inner();
    let data = env.data.unwrap();
    assert_eq!(data["ciphertext"], "CiQAuR0k...");
    assert_eq!(data["key_version"], 2);
}

#[cfg(feature = "identity")]
#[tokio::test]
async fn identity_entity_create() {
    let env = on_wire(
        post(
            "/v1/identity/entity",
            json!({"name": "alice", "policies": ["reader"], "metadata": {"team": "billing"}}),
        ),
        200,
        Some(fixture("identity-entity-create.json")),
        |c| {
            c.api()
                .entity_create()
                .body_map(|b| {
                    b.name(s("alice"))
                        .policies(vec![s("reader")])
                        .metadata(SecretMap::from(obj(json!({"team": "billing"}))))
                })
                .send()
        },
    )
    .await
    .into_inner();
    let data = env.data.unwrap();
    assert_eq!(
        data.id.as_deref(),
        Some("a07f38d7-ba5d-2ace-eb0c-d8480e7cb837")
    );
    assert_eq!(data.name.as_deref(), Some("alice"));
    assert!(data.aliases.is_none_or(|a| a.is_null()));
}

#[cfg(feature = "kubernetes")]
#[tokio::test]
async fn kubernetes_generate_credentials() {
    let env = on_wire(
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
        |c| {
            c.api()
                .kubernetes_generate_credentials()
                .kubernetes_mount_path("team/kubernetes")
                .name("deployer")
                .body_map(|b| {
                    b.kubernetes_namespace(s("apps"))
                        .ttl(VaultDuration::from("10m"))
                        .audiences(vec![s("api")])
                })
                .send()
        },
    )
    .await
    .into_inner();
    assert_eq!(env.lease_duration, 600);
    assert_eq!(env.data.unwrap()["service_account_namespace"], "apps");
}

#[cfg(feature = "kv")]
#[tokio::test]
async fn kv_v2_write_with_a_nested_mount_and_a_nested_path() {
    let env = on_wire(
        post(
            "/v1/team/secret/data/app/db",
            json!({"data": {"user": "app", "password": "s3cret"}, "options": {"cas": 0}}),
        ),
        200,
        Some(without_null_custom_metadata(fixture("kv-v2-write.json"))),
        |c| {
            c.api()
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
        },
    )
    .await
    .into_inner();
    assert_eq!(env.request_id, "8efa59b5-9a7f-baef-173a-66aefbbe4ecf");
    let data: types::KvV2VersionMetadata = env.data.unwrap();
    assert_eq!(data.version, 1);
    assert!(!data.destroyed);
    assert_eq!(data.deletion_time, None, "an empty deletion time is none");
    assert!(data.created_time.starts_with("2026-"));
}

#[cfg(feature = "ldap")]
#[tokio::test]
async fn ldap_library_check_out() {
    let env = on_wire(
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
        |c| {
            c.api()
                .ldap_library_check_out()
                .ldap_mount_path("team/ldap")
                .name("accounting")
                .body_map(|b| b.ttl(VaultDuration::from("1h")))
                .send()
        },
    )
    .await
    .into_inner();
    assert!(env.renewable);
    assert_eq!(
        env.data.unwrap()["service_account_name"],
        "fizz@example.com"
    );
}

#[cfg(feature = "mongodbatlas")]
#[tokio::test]
async fn mongodbatlas_write_role() {
    let env = on_wire(
        post(
            "/v1/team/mongodbatlas/roles/test-programmatic-key",
            json!({"organization_id": "5b23ff2f96e82130d0aaec13",
                   "roles": ["ORG_MEMBER"], "ttl": "2h"}),
        ),
        204,
        None,
        |c| {
            c.api()
                .mongo_db_atlas_write_role()
                .mongodbatlas_mount_path("team/mongodbatlas")
                .name("test-programmatic-key")
                .body_map(|b| {
                    b.organization_id(s("5b23ff2f96e82130d0aaec13"))
                        .roles(vec![s("ORG_MEMBER")])
                        .ttl(VaultDuration::from("2h"))
                })
                .send()
        },
    )
    .await
    .into_inner();
    assert!(env.data.is_none());
}

#[cfg(feature = "nomad")]
#[tokio::test]
async fn nomad_generate_credentials() {
    let env = on_wire(
        get("/v1/team/nomad/creds/monitoring"),
        200,
        Some(leased(
            "team/nomad/creds/monitoring/78ec3ef3-c806-1022-4aa8-1dbae39c760c",
            2764800,
            json!({"accessor_id": "c834ba40-8d84-b0c1-c084-3a31d3383c03",
                   "secret_id": "65af6f07-7f57-bb24-cdae-a27f86a894ce"}),
        )),
        |c| {
            c.api()
                .nomad_generate_credentials()
                .nomad_mount_path("team/nomad")
                .name("monitoring")
                .send()
        },
    )
    .await
    .into_inner();
    assert_eq!(
        env.data.unwrap()["accessor_id"],
        "c834ba40-8d84-b0c1-c084-3a31d3383c03"
    );
}

#[cfg(feature = "pki")]
#[tokio::test]
async fn pki_issue_with_role_decodes_typed_data() {
    let env = on_wire(
        post(
            "/v1/team/pki/issue/web",
            json!({"common_name": "api.example.com", "ttl": "24h", "alt_names": "www.example.com"}),
        ),
        200,
        Some(fixture("pki-issue-with-role.json")),
        |c| {
            c.api()
                .pki_issue_with_role()
                .pki_mount_path("team/pki")
                .role("web")
                .body_map(|b| {
                    b.common_name(s("api.example.com"))
                        .ttl(VaultDuration::from("24h"))
                        .alt_names(s("www.example.com"))
                })
                .send()
        },
    )
    .await
    .into_inner();
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
    let env = on_wire(
        get("/v1/team/rabbitmq/creds/producer"),
        200,
        Some(leased(
            "team/rabbitmq/creds/producer/2740df96-d1c2-7140-c406-77a137fa3ecf",
            2764800,
            json!({"username": "root-4b95bf47-281d-dcb5-8a60-9594f8056092",
                   "password": "e1b6c159-ca63-4c6a-3886-6639eae06c30"}),
        )),
        |c| {
            c.api()
                .rabbit_mq_request_credentials()
                .rabbitmq_mount_path("team/rabbitmq")
                .name("producer")
                .send()
        },
    )
    .await
    .into_inner();
    assert_eq!(
        env.data.unwrap()["username"],
        "root-4b95bf47-281d-dcb5-8a60-9594f8056092"
    );
}

#[cfg(feature = "ssh")]
#[tokio::test]
async fn ssh_sign_certificate() {
    let public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ0 user@host";
    let env = on_wire(
        post(
            "/v1/team/ssh/sign/ops",
            json!({"public_key": public_key, "valid_principals": "ubuntu", "ttl": "10m"}),
        ),
        200,
        Some(fixture("ssh-sign.json")),
        |c| {
            c.api()
                .ssh_sign_certificate()
                .ssh_mount_path("team/ssh")
                .role("ops")
                .body_map(|b| {
                    b.public_key(s(public_key))
                        .valid_principals(s("ubuntu"))
                        .ttl(VaultDuration::from("10m"))
                })
                .send()
        },
    )
    .await
    .into_inner();
    let data = env.data.unwrap();
    assert_eq!(data.serial_number.as_deref(), Some("f69b4e4d60e01365"));
    assert!(data
        .signed_key
        .as_deref()
        .unwrap()
        .starts_with("ssh-ed25519-cert-v01@openssh.com "));
}

#[cfg(feature = "terraform")]
#[tokio::test]
async fn terraform_generate_credentials() {
    let env = on_wire(
        get("/v1/team/terraform/creds/my-role"),
        200,
        Some(leased(
            "team/terraform/creds/my-role/WLJZb1CmWnbuNRkbmbXUVZLc",
            7200,
            json!({"token": "eXaMpLeToKeN.atlasv1.ZXhhbXBsZQ", "token_id": "at-123acbdfask"}),
        )),
        |c| {
            c.api()
                .terraform_cloud_generate_credentials()
                .terraform_mount_path("team/terraform")
                .name("my-role")
                .send()
        },
    )
    .await
    .into_inner();
    assert_eq!(env.lease_duration, 7200);
    assert_eq!(env.data.unwrap()["token_id"], "at-123acbdfask");
}

#[cfg(feature = "totp")]
#[tokio::test]
async fn totp_create_key() {
    let env = on_wire(
        post(
            "/v1/team/totp/keys/alice",
            json!({"generate": true, "issuer": "Example", "account_name": "alice@example.com"}),
        ),
        200,
        Some(fixture("totp-create-key.json")),
        |c| {
            c.api()
                .totp_create_key()
                .totp_mount_path("team/totp")
                .name("alice")
                .body_map(|b| {
                    b.generate(true)
                        .issuer(s("Example"))
                        .account_name(s("alice@example.com"))
                })
                .send()
        },
    )
    .await
    .into_inner();
    let data = env.data.unwrap();
    assert!(data
        .url
        .as_ref()
        .unwrap()
        .expose()
        .starts_with("otpauth://totp/Example:alice@example.com?"));
    assert!(!data.barcode.as_ref().unwrap().expose().is_empty());
    assert!(
        !format!("{data:?}").contains("otpauth"),
        "the TOTP secret stays out of Debug"
    );
}

#[cfg(feature = "transit")]
#[tokio::test]
async fn transit_encrypt() {
    let env = on_wire(
        post(
            "/v1/team/transit/encrypt/orders",
            json!({"plaintext": "aGVsbG8gd29ybGQ="}),
        ),
        200,
        Some(fixture("transit-encrypt.json")),
        |c| {
            c.api()
                .transit_encrypt()
                .transit_mount_path("team/transit")
                .name("orders")
                .body_map(|b| b.plaintext(secret("aGVsbG8gd29ybGQ=")))
                .send()
        },
    )
    .await
    .into_inner();
    let data = env.data.unwrap();
    assert!(data.ciphertext.as_deref().unwrap().starts_with("vault:v1:"));
    assert_eq!(data.key_version, Some(1));
}
