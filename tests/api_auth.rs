//! The generated API on the wire: the auth methods, one feature group at a time.
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

#[cfg(feature = "auth-alicloud")]
#[tokio::test]
async fn auth_alicloud_login() {
    let env = login_on_wire(
        post(
            "/v1/auth/team/alicloud/login",
            json!({"role": "dev-role", "identity_request_url": "aHR0cHM6Ly9zdHMuYWxpeXVuY3MuY29t",
                   "identity_request_headers": "eyJVc2VyLUFnZW50IjpbIkFsaWJhYmFDbG91ZCJdfQ=="}),
        ),
        "s.ali",
        &["default", "dev"],
        json!({"role_name": "dev-role"}),
        |c| {
            c.api()
                .ali_cloud_login()
                .alicloud_mount_path("team/alicloud")
                .body_map(|b| {
                    b.role(s("dev-role"))
                        .identity_request_url(s("aHR0cHM6Ly9zdHMuYWxpeXVuY3MuY29t"))
                        .identity_request_headers(s("eyJVc2VyLUFnZW50IjpbIkFsaWJhYmFDbG91ZCJdfQ=="))
                })
                .send()
        },
    )
    .await;
    assert_eq!(env.auth.unwrap().metadata["role_name"], "dev-role");
}

#[cfg(feature = "auth-approle")]
#[tokio::test]
async fn auth_approle_write_secret_id_decodes_typed_data() {
    let env = on_wire(
        post(
            "/v1/auth/team/approle/role/ci/secret-id",
            json!({"metadata": "{\"team\":\"build\"}", "ttl": "10m", "num_uses": 5}),
        ),
        200,
        Some(fixture("approle-write-secret-id.json")),
        |c| {
            c.api()
                .app_role_write_secret_id()
                .approle_mount_path("team/approle")
                .role_name("ci")
                .body_map(|b| {
                    b.metadata(s("{\"team\":\"build\"}"))
                        .ttl(VaultDuration::from("10m"))
                        .num_uses(5i64)
                })
                .send()
        },
    )
    .await
    .into_inner();
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
    login_on_wire(
        post(
            "/v1/auth/team/aws/login",
            json!({"role": "dev-role-iam", "iam_http_request_method": "POST",
                   "iam_request_url": "aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbS8=",
                   "iam_request_body": "QWN0aW9uPUdldENhbGxlcklkZW50aXR5",
                   "iam_request_headers": "eyJBdXRob3JpemF0aW9uIjpbIkFXUzQiXX0="}),
        ),
        "s.aws",
        &["default", "dev"],
        json!({"account_id": "123456789012"}),
        |c| {
            c.api()
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
        },
    )
    .await;
}

#[cfg(feature = "auth-azure")]
#[tokio::test]
async fn auth_azure_login() {
    login_on_wire(
        post(
            "/v1/auth/team/azure/login",
            json!({"role": "dev-role", "jwt": "eyJ0eXAi.e30.sig", "subscription_id": "sub-1",
                   "resource_group_name": "rg", "vm_name": "vm-1"}),
        ),
        "s.azure",
        &["default"],
        json!({"vm_name": "vm-1"}),
        |c| {
            c.api()
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
        },
    )
    .await;
}

#[cfg(feature = "auth-centrify")]
#[tokio::test]
async fn auth_centrify_login() {
    login_on_wire(
        post(
            "/v1/auth/team/centrify/login",
            json!({"username": "alice@example.com", "password": "pw", "mode": "cc"}),
        ),
        "s.centrify",
        &["default"],
        json!({"username": "alice@example.com"}),
        |c| {
            c.api()
                .centrify_login()
                .centrify_mount_path("team/centrify")
                .body_map(|b| {
                    b.username(s("alice@example.com"))
                        .password(secret("pw"))
                        .mode(s("cc"))
                })
                .send()
        },
    )
    .await;
}

#[cfg(feature = "auth-cert")]
#[tokio::test]
async fn auth_cert_login() {
    let env = login_on_wire(
        post("/v1/auth/team/cert/login", json!({"name": "web"})),
        "s.cert",
        &["web"],
        json!({"cert_name": "web", "common_name": "web.example.com"}),
        |c| {
            c.api()
                .cert_login()
                .cert_mount_path("team/cert")
                .body_map(|b| b.name(s("web")))
                .send()
        },
    )
    .await;
    assert_eq!(env.auth.unwrap().metadata["common_name"], "web.example.com");
}

#[cfg(feature = "auth-cf")]
#[tokio::test]
async fn auth_cf_login() {
    login_on_wire(
        post(
            "/v1/auth/team/cf/login",
            json!({"role": "test-role", "cf_instance_cert": "-----BEGIN CERTIFICATE-----",
                   "signing_time": "2024-01-01T00:00:00Z", "signature": "MEUCIQ"}),
        ),
        "s.cf",
        &["default"],
        json!({"app_id": "2d3e834a"}),
        |c| {
            c.api()
                .cloud_foundry_login()
                .cf_mount_path("team/cf")
                .body_map(|b| {
                    b.role(s("test-role"))
                        .cf_instance_cert(s("-----BEGIN CERTIFICATE-----"))
                        .signing_time(s("2024-01-01T00:00:00Z"))
                        .signature(s("MEUCIQ"))
                })
                .send()
        },
    )
    .await;
}

#[cfg(feature = "auth-gcp")]
#[tokio::test]
async fn auth_gcp_login() {
    login_on_wire(
        post(
            "/v1/auth/team/gcp/login",
            json!({"role": "dev-role", "jwt": "eyJhbGciOi.e30.sig"}),
        ),
        "s.gcp",
        &["default", "dev"],
        json!({"service_account_email": "dev@p.iam.gserviceaccount.com"}),
        |c| {
            c.api()
                .google_cloud_login()
                .gcp_mount_path("team/gcp")
                .body_map(|b| b.role(s("dev-role")).jwt(secret("eyJhbGciOi.e30.sig")))
                .send()
        },
    )
    .await;
}

#[cfg(feature = "auth-github")]
#[tokio::test]
async fn auth_github_login() {
    let env = login_on_wire(
        post(
            "/v1/auth/team/github/login",
            json!({"token": "ghp_example"}),
        ),
        "s.github",
        &["default", "dev"],
        json!({"org": "acme", "username": "alice"}),
        |c| {
            c.api()
                .github_login()
                .github_mount_path("team/github")
                .body_map(|b| b.token(secret("ghp_example")))
                .send()
        },
    )
    .await;
    assert_eq!(env.auth.unwrap().metadata["org"], "acme");
}

#[cfg(feature = "auth-jwt")]
#[tokio::test]
async fn auth_jwt_oidc_request_authorization_url() {
    let url = "https://accounts.example.com/authorize?client_id=vault&state=st_1";
    let env = on_wire(post(
            "/v1/auth/team/oidc/oidc/auth_url",
            json!({"role": "web", "redirect_uri": "https://vault.example.com/ui/vault/auth/oidc/oidc/callback"}),
        ), 200, Some(answer(json!({"auth_url": url}))), |c| c.api().jwt_oidc_request_authorization_url().jwt_mount_path("team/oidc").body_map(|b| { b.role(s("web")).redirect_uri(s("https://vault.example.com/ui/vault/auth/oidc/oidc/callback", )) }).send())
        .await.into_inner();
    assert!(env.auth.is_none());
    assert_eq!(env.data.unwrap().auth_url.as_deref(), Some(url));
}

#[cfg(feature = "auth-kerberos")]
#[tokio::test]
async fn auth_kerberos_write_group() {
    let env = on_wire(
        post(
            "/v1/auth/team/kerberos/groups/engineers",
            json!({"policies": ["engineers", "default"]}),
        ),
        204,
        None,
        |c| {
            c.api()
                .kerberos_write_group()
                .kerberos_mount_path("team/kerberos")
                .name("engineers")
                .body_map(|b| b.policies(vec![s("engineers"), s("default")]))
                .send()
        },
    )
    .await;
    assert_eq!(env.status().as_u16(), 204);
    assert!(env.into_inner().data.is_none());
}

#[cfg(feature = "auth-kubernetes")]
#[tokio::test]
async fn auth_kubernetes_login() {
    let env = login_on_wire(
        post(
            "/v1/auth/team/kubernetes/login",
            json!({"role": "app", "jwt": "eyJhbGciOiJSUzI1NiJ9.e30.sig"}),
        ),
        "s.k8s",
        &["default", "app"],
        json!({"service_account_name": "app", "service_account_namespace": "apps"}),
        |c| {
            c.api()
                .kubernetes_login()
                .kubernetes_mount_path("team/kubernetes")
                .body_map(|b| b.role(s("app")).jwt(secret("eyJhbGciOiJSUzI1NiJ9.e30.sig")))
                .send()
        },
    )
    .await;
    assert_eq!(
        env.auth.unwrap().metadata["service_account_namespace"],
        "apps"
    );
}

#[cfg(feature = "auth-ldap")]
#[tokio::test]
async fn auth_ldap_login() {
    login_on_wire(
        post(
            "/v1/auth/team/ldap/login/mitchellh",
            json!({"password": "foo"}),
        ),
        "s.ldap",
        &["admins", "default"],
        json!({"username": "mitchellh"}),
        |c| {
            c.api()
                .ldap_login()
                .ldap_mount_path("team/ldap")
                .username("mitchellh")
                .body_map(|b| b.password(secret("foo")))
                .send()
        },
    )
    .await;
}

#[cfg(feature = "auth-oci")]
#[tokio::test]
async fn auth_oci_login() {
    let headers = r#"{"date":["Fri, 22 Aug 2019 21:02:19 GMT"],"(request-target)":["get /v1/auth/oci/login/devrole"]}"#;
    login_on_wire(
        post(
            "/v1/auth/team/oci/login/devrole",
            json!({"request_headers": headers}),
        ),
        "s.oci",
        &["default"],
        json!({"role_name": "devrole"}),
        |c| {
            c.api()
                .oci_login()
                .oci_mount_path("team/oci")
                .role("devrole")
                .body_map(|b| b.request_headers(s(headers)))
                .send()
        },
    )
    .await;
}

#[cfg(feature = "auth-okta")]
#[tokio::test]
async fn auth_okta_login() {
    login_on_wire(
        post(
            "/v1/auth/team/okta/login/fred@example.com",
            json!({"password": "hunter2", "totp": "123456"}),
        ),
        "s.okta",
        &["default"],
        json!({"username": "fred@example.com"}),
        |c| {
            c.api()
                .okta_login()
                .okta_mount_path("team/okta")
                .username("fred@example.com")
                .body_map(|b| b.password(secret("hunter2")).totp(s("123456")))
                .send()
        },
    )
    .await;
}

#[cfg(feature = "auth-radius")]
#[tokio::test]
async fn auth_radius_login_with_username() {
    login_on_wire(
        post(
            "/v1/auth/team/radius/login/test-user",
            json!({"password": "pw"}),
        ),
        "s.radius",
        &["default"],
        json!({"username": "test-user"}),
        |c| {
            c.api()
                .radius_login_with_username()
                .radius_mount_path("team/radius")
                .urlusername("test-user")
                .body_map(|b| b.password(secret("pw")))
                .send()
        },
    )
    .await;
}

#[cfg(feature = "auth-token")]
#[tokio::test]
async fn auth_token_create() {
    let env = on_wire(
        post(
            "/v1/auth/token/create",
            json!({"policies": ["default"], "ttl": "1h", "meta": {"app": "billing"},
                   "display_name": "billing"}),
        ),
        200,
        Some(fixture("token-create.json")),
        |c| {
            c.api()
                .token_create()
                .body_map(|b| {
                    b.policies(vec![s("default")])
                        .ttl(VaultDuration::from("1h"))
                        .meta(SecretMap::from(obj(json!({"app": "billing"}))))
                        .display_name(s("billing"))
                })
                .send()
        },
    )
    .await
    .into_inner();
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
    let env = on_wire(
        post(
            "/v1/auth/team/userpass/login/alice",
            json!({"password": "pw"}),
        ),
        200,
        Some(fixture("userpass-login.json")),
        |c| {
            c.api()
                .userpass_login()
                .userpass_mount_path("team/userpass")
                .username("alice")
                .body_map(|b| b.password(secret("pw")))
                .send()
        },
    )
    .await
    .into_inner();
    let auth = env.auth.unwrap();
    assert_eq!(auth.policies, vec![s("default"), s("reader")]);
    assert_eq!(auth.metadata["username"], "alice");
    assert!(auth.renewable);
}
