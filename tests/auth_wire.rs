//! The auth helpers on the wire (`src/auth/`): every login's method, path and body, the token
//! captured for later calls (generated API included), and the token's own endpoints.
// The API groups this file's calls use: empty without them (`scripts/feature-sets.sh`).
#![cfg(all(feature = "auth-approle", feature = "auth-token", feature = "sys"))]

mod common;

use hashivault::Client;
use httpmock::prelude::*;
use serde_json::{json, Value};

use common::wire::{
    alice_login, assert_token, at, call, client, fast_retries, recorded, tokenless_client,
    userpass_login, TOKEN, USERPASS_TOKEN,
};

#[tokio::test]
async fn userpass_login_captures_the_token_for_the_generated_api() {
    let server = MockServer::start_async().await;
    let login = userpass_login("alice", "s3cret pass")
        .answers(&server, 200, recorded("userpass-login.json"))
        .await;
    let after = call(GET, "/v1/auth/token/lookup-self")
        .token("s.a2LxQJlzPGYto0DGAspjzhhr")
        .header("x-vault-request", "true")
        .header_missing("api-version")
        .answers(&server, 200, recorded("token-lookup-self.json"))
        .await;
    let client = Client::builder()
        .address(server.base_url())
        .retry_policy(fast_retries(0))
        .build()
        .unwrap();
    let shared = client.clone();
    let auth = alice_login(&client, "s3cret pass").await.unwrap();
    login.assert_async().await;
    assert_eq!(auth.accessor, "m4XXVpWGa03oiJz6PXdCu3Dr");
    assert_eq!(
        auth.policies,
        vec!["default".to_string(), "reader".to_string()]
    );
    assert_eq!(auth.lease_duration, 2764800);
    assert!(auth.renewable);
    assert_eq!(
        auth.metadata.get("username").map(String::as_str),
        Some("alice")
    );
    // A clone made before the login sees the token; the generated API uses it too.
    shared.api().token_look_up_self().send().await.unwrap();
    after.assert_async().await;
    assert!(!format!("{auth:?}").contains("s.a2LxQJlzPGYto0DGAspjzhhr"));
}

#[tokio::test]
async fn approle_login_body_and_generic_login_with() {
    let server = MockServer::start_async().await;
    let login = call(POST, "/v1/auth/team/approle/login")
        .body(json!({"role_id": "r-1", "secret_id": "s-1"}))
        .answers(&server, 200, recorded("userpass-login.json"))
        .await;
    let client = client(&server);
    client
        .auth()
        .approle("/team/approle/", "r-1", Some("s-1".into()))
        .await
        .unwrap();
    login.assert_async().await;

    // The generated login operation through `login_with`.
    let generated = call(POST, "/v1/auth/approle/login")
        .body(json!({"role_id": "r-2", "secret_id": "s-2"}))
        .answers(&server, 200, recorded("userpass-login.json"))
        .await;
    client.clear_token();
    let auth = client
        .auth()
        .login_with(
            client
                .api()
                .app_role_login()
                .approle_mount_path("approle")
                .body_map(|b| {
                    b.role_id("r-2".to_string())
                        .secret_id(hashivault::Sensitive::from("s-2"))
                })
                .send(),
        )
        .await
        .unwrap();
    generated.assert_async().await;
    assert!(client.has_token());
    assert_eq!(auth.token_type, "service");
}

/// The optional fields of a login a caller leaves out are not sent, not even as `null`: an
/// AppRole without `secret_id` (a role that binds none), Okta without a TOTP, JWT without a
/// role (the mount's default), a certificate login without a role name. Each body is matched
/// whole.
#[tokio::test]
async fn optional_login_fields_left_out_are_not_sent() {
    let server = MockServer::start_async().await;
    let cases = [
        ("/v1/auth/approle/login", json!({"role_id": "r-3"})),
        ("/v1/auth/okta/login/bob", json!({"password": "pw"})),
        ("/v1/auth/jwt/login", json!({"jwt": "eyJ.jwt"})),
        ("/v1/auth/cert/login", json!({})),
    ];
    let mut mocks = Vec::new();
    for (path, body) in cases {
        mocks.push(
            call(POST, path)
                .body(body)
                .answers(&server, 200, recorded("userpass-login.json"))
                .await,
        );
    }
    let logins: Vec<hashivault::Client> = (0..4).map(|_| tokenless_client(&server)).collect();
    logins[0]
        .auth()
        .approle("approle", "r-3", None)
        .await
        .unwrap();
    logins[1]
        .auth()
        .okta("okta", "bob", "pw", None)
        .await
        .unwrap();
    logins[2].auth().jwt("jwt", None, "eyJ.jwt").await.unwrap();
    logins[3].auth().cert("cert", None).await.unwrap();
    for (mock, login) in mocks.iter().zip(&logins) {
        mock.assert_async().await;
        assert!(login.has_token());
    }
}

#[tokio::test]
async fn every_login_helper_posts_its_methods_body_and_captures_the_token() {
    let server = MockServer::start_async().await;
    let cases: Vec<(&str, Value)> = vec![
        ("/v1/auth/ldap/login/bob", json!({"password": "pw"})),
        (
            "/v1/auth/okta/login/bob",
            json!({"password": "pw", "totp": "123456"}),
        ),
        ("/v1/auth/radius/login/bob", json!({"password": "pw"})),
        (
            "/v1/auth/jwt/login",
            json!({"jwt": "eyJ.jwt", "role": "web"}),
        ),
        (
            "/v1/auth/kubernetes/login",
            json!({"jwt": "eyJ.sa", "role": "app"}),
        ),
        (
            "/v1/auth/gcp/login",
            json!({"jwt": "eyJ.gcp", "role": "vm"}),
        ),
        (
            "/v1/auth/azure/login",
            json!({"jwt": "eyJ.az", "role": "vm", "vm_name": "vm-1"}),
        ),
        (
            "/v1/auth/aws/login",
            json!({"role": "ec2", "pkcs7": "MIIB"}),
        ),
        ("/v1/auth/cert/login", json!({"name": "web"})),
        ("/v1/auth/github/login", json!({"token": "ghp_x"})),
        (
            "/v1/auth/oci/login/role1",
            json!({"request_headers": {"host": ["x"]}}),
        ),
    ];
    let mut mocks = Vec::new();
    for (path, body) in &cases {
        mocks.push(
            call(POST, *path)
                .header_missing("x-vault-token")
                .body(body.clone())
                .answers(&server, 200, recorded("userpass-login.json"))
                .await,
        );
    }
    let kerberos = call(POST, "/v1/auth/kerberos/login")
        .header("authorization", "Negotiate c3BuZWdv")
        .answers(&server, 200, recorded("userpass-login.json"))
        .await;
    let extra = |v: Value| v.as_object().unwrap().clone();
    let logins: Vec<hashivault::Client> = (0..12).map(|_| tokenless_client(&server)).collect();
    let auth = |i: usize| logins[i].auth();
    auth(0).ldap("ldap", "bob", "pw").await.unwrap();
    auth(1)
        .okta("okta", "bob", "pw", Some("123456".into()))
        .await
        .unwrap();
    auth(2).radius("radius", "bob", "pw").await.unwrap();
    auth(3).jwt("jwt", Some("web"), "eyJ.jwt").await.unwrap();
    auth(4)
        .kubernetes("kubernetes", "app", "eyJ.sa")
        .await
        .unwrap();
    auth(5).gcp("gcp", "vm", "eyJ.gcp").await.unwrap();
    auth(6)
        .azure("azure", "vm", "eyJ.az", extra(json!({"vm_name": "vm-1"})))
        .await
        .unwrap();
    auth(7)
        .aws("aws", Some("ec2"), extra(json!({"pkcs7": "MIIB"})))
        .await
        .unwrap();
    auth(8).cert("cert", Some("web")).await.unwrap();
    auth(9).github("github", "ghp_x").await.unwrap();
    // Any other method, through the generic path.
    auth(10)
        .login(
            "oci/login/role1",
            &json!({"request_headers": {"host": ["x"]}}),
        )
        .await
        .unwrap();
    auth(11)
        .kerberos("kerberos", hashivault::SecretString::from("c3BuZWdv"))
        .await
        .unwrap();
    for mock in &mocks {
        mock.assert_async().await;
    }
    kerberos.assert_async().await;
    for client in &logins {
        assert_token(client, USERPASS_TOKEN);
    }
}

#[tokio::test]
async fn a_login_answer_without_auth_is_a_clear_error() {
    let server = MockServer::start_async().await;
    call(POST, "/v1/auth/userpass/login/alice")
        .answers(
            &server,
            200,
            json!({"request_id": "1", "data": null, "auth": null}),
        )
        .await;
    let client = tokenless_client(&server);
    let err = alice_login(&client, "pw").await.unwrap_err();
    assert!(err.is_decode(), "{err:?}");
    assert!(err.to_string().contains("no `auth` block"), "{err}");
    assert!(!client.has_token());
}

#[tokio::test]
async fn revoke_self_forgets_the_token_and_renew_self_reads_auth() {
    let server = MockServer::start_async().await;
    let renew = call(POST, "/v1/auth/token/renew-self")
        .body(json!({"increment": "1h"}))
        .answers(&server, 200, recorded("userpass-login.json"))
        .await;
    let revoke = call(POST, "/v1/auth/token/revoke-self")
        .token(TOKEN)
        .answers(&server, 204, Value::Null)
        .await;
    let client = client(&server);
    let auth = client.auth().renew_self(Some("1h")).await.unwrap();
    renew.assert_async().await;
    assert_eq!(auth.lease_duration, 2764800);
    client.auth().revoke_self().await.unwrap();
    revoke.assert_async().await;
    assert!(!client.has_token());
    assert!(!client.auth().is_authenticated().await.unwrap());
}

#[tokio::test]
async fn is_authenticated_maps_403_to_false() {
    let server = MockServer::start_async().await;
    at("/v1/auth/token/lookup-self")
        .answers(&server, 403, json!({"errors": ["permission denied"]}))
        .await;
    assert!(!client(&server).auth().is_authenticated().await.unwrap());
}

/// `lookup-self` answers the token itself as `id`: `TokenInfo` (the generated type) keeps it as a
/// `Sensitive`, shown as `<redacted>` in `Debug`, and still readable on purpose.
#[tokio::test]
async fn token_info_hides_the_token_in_debug() {
    let server = MockServer::start_async().await;
    let mut body = recorded("token-lookup-self.json");
    body["data"]["id"] = json!("hvs.the-looked-up-token-itself");
    let mock = call(GET, "/v1/auth/token/lookup-self")
        .token(TOKEN)
        .answers(&server, 200, body)
        .await;
    let info = client(&server).auth().lookup_self().await.unwrap();
    mock.assert_async().await;
    let shown = format!("{info:?}");
    assert!(!shown.contains("the-looked-up-token-itself"), "{shown}");
    assert!(shown.contains("<redacted>") && shown.contains("0Qi3QhrAA9OsHYqkjQXhBU54"));
    assert_eq!(
        info.id.as_ref().map(|id| id.expose()),
        Some("hvs.the-looked-up-token-itself")
    );
}
