//! The client on the wire: headers, overrides, login capture, retries, redirects, errors.

use std::time::Duration;

use hashivault::reqwest::Method;
use hashivault::{Client, ErrorKind, ListMethod, RetryPolicy};
use httpmock::prelude::*;
use serde_json::{json, Value};

fn fast_retries(max: usize) -> RetryPolicy {
    RetryPolicy {
        max_retries: max,
        min_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        retry_post: false,
    }
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .address(server.base_url())
        .token("hvs.root-token")
        .retry_policy(fast_retries(0))
        .build()
        .unwrap()
}

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

#[tokio::test]
async fn every_request_carries_token_and_request_headers_and_no_namespace_by_default() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/auth/token/lookup-self")
                .header("x-vault-token", "hvs.root-token")
                .header("x-vault-request", "true")
                .header_missing("x-vault-namespace")
                .header_missing("x-vault-wrap-ttl")
                .header_missing("api-version");
            then.status(200)
                .json_body(fixture("token-lookup-self.json"));
        })
        .await;
    let info = client(&server).auth().lookup_self().await.unwrap();
    mock.assert_async().await;
    assert_eq!(info.accessor, "0Qi3QhrAA9OsHYqkjQXhBU54");
    assert_eq!(info.policies, vec!["root".to_string()]);
}

#[tokio::test]
async fn without_a_token_no_token_header_is_sent() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/sys/health")
                .header_missing("x-vault-token");
            then.status(200).json_body(fixture("sys-health.json"));
        })
        .await;
    let client = Client::builder()
        .address(server.base_url())
        .build()
        .unwrap();
    assert!(!client.has_token());
    let health = client.sys_health().await.unwrap();
    mock.assert_async().await;
    assert!(!health.sealed && health.initialized);
    assert_eq!(health.version, "2.7.2");
}

#[tokio::test]
async fn namespace_and_per_call_overrides() {
    let server = MockServer::start_async().await;
    let base = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/sys/mounts")
                .header("x-vault-namespace", "team-a")
                .header("x-vault-token", "hvs.root-token");
            then.status(200).json_body(json!({"data": {}}));
        })
        .await;
    let child = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/sys/mounts")
                .header("x-vault-namespace", "team-a/child")
                .header("x-vault-token", "hvs.other");
            then.status(200).json_body(json!({"data": {}}));
        })
        .await;
    let client = Client::builder()
        .address(server.base_url())
        .token("hvs.root-token")
        .namespace("team-a")
        .retry_policy(fast_retries(0))
        .build()
        .unwrap();
    let _: hashivault::Envelope = client
        .request(Method::GET, "sys/mounts", None::<&()>)
        .await
        .unwrap();
    let other = client
        .with_namespace("team-a/child")
        .unwrap()
        .with_token("hvs.other")
        .unwrap();
    let _: hashivault::Envelope = other
        .request(Method::GET, "sys/mounts", None::<&()>)
        .await
        .unwrap();
    base.assert_async().await;
    child.assert_async().await;
    // The override did not change the original client's token.
    assert_eq!(
        hashivault::ExposeSecret::expose_secret(&client.token().unwrap()),
        "hvs.root-token"
    );
}

#[tokio::test]
async fn userpass_login_captures_the_token_for_the_generated_api() {
    let server = MockServer::start_async().await;
    let login = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/auth/userpass/login/alice")
                .header_missing("x-vault-token")
                .json_body(json!({"password": "s3cret pass"}));
            then.status(200).json_body(fixture("userpass-login.json"));
        })
        .await;
    let after = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/auth/token/lookup-self")
                .header("x-vault-token", "s.a2LxQJlzPGYto0DGAspjzhhr")
                .header("x-vault-request", "true")
                .header_missing("api-version");
            then.status(200)
                .json_body(fixture("token-lookup-self.json"));
        })
        .await;
    let client = Client::builder()
        .address(server.base_url())
        .retry_policy(fast_retries(0))
        .build()
        .unwrap();
    let shared = client.clone();
    let auth = client
        .auth()
        .userpass("userpass", "alice", "s3cret pass")
        .await
        .unwrap();
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
    let login = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/auth/team/approle/login")
                .json_body(json!({"role_id": "r-1", "secret_id": "s-1"}));
            then.status(200).json_body(fixture("userpass-login.json"));
        })
        .await;
    let client = client(&server);
    client
        .auth()
        .approle("/team/approle/", "r-1", Some("s-1".into()))
        .await
        .unwrap();
    login.assert_async().await;

    // The generated login operation through `login_with`.
    let generated = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/auth/approle/login")
                .json_body(json!({"role_id": "r-2", "secret_id": "s-2"}));
            then.status(200).json_body(fixture("userpass-login.json"));
        })
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

#[tokio::test]
async fn bad_input_is_refused_before_any_request() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200);
        })
        .await;
    let client = client(&server);
    assert!(client
        .auth()
        .userpass("", "alice", "pw")
        .await
        .unwrap_err()
        .is_invalid_input());
    assert!(client
        .auth()
        .userpass("userpass", "../x", "pw")
        .await
        .unwrap_err()
        .is_invalid_input());
    assert!(client
        .auth()
        .approle("auth/../sys", "r", None)
        .await
        .unwrap_err()
        .is_invalid_input());
    assert!(client
        .set_token("hvs.bad\n")
        .unwrap_err()
        .is_invalid_input());
    assert!(client
        .with_namespace("a/../b")
        .unwrap_err()
        .is_invalid_input());
    assert!(Client::builder().address("vault:8200").build().is_err());
    assert_eq!(any.calls_async().await, 0);
}

#[tokio::test]
async fn error_kinds_from_realistic_bodies() {
    let cases: &[(u16, Value, ErrorKind)] = &[
        (
            400,
            json!({"errors": ["check-and-set parameter did not match the current version"]}),
            ErrorKind::InvalidRequest,
        ),
        (
            401,
            json!({"errors": ["missing client token"]}),
            ErrorKind::Unauthorized,
        ),
        (
            403,
            json!({"errors": ["1 error occurred:\n\t* permission denied\n\n"]}),
            ErrorKind::Forbidden,
        ),
        (404, json!({"errors": []}), ErrorKind::InvalidPath),
        (
            405,
            json!({"errors": ["1 error occurred:\n\t* unsupported operation\n\n"]}),
            ErrorKind::UnsupportedOperation,
        ),
        (
            412,
            json!({"errors": ["required index state not present"]}),
            ErrorKind::PreconditionFailed,
        ),
        (
            429,
            json!({"errors": ["request path \"secret/data/x\": rate limit quota exceeded"]}),
            ErrorKind::RateLimitExceeded,
        ),
        (
            500,
            json!({"errors": ["internal error"]}),
            ErrorKind::InternalServerError,
        ),
        (
            501,
            json!({"errors": ["Vault is not initialized"]}),
            ErrorKind::NotInitialized,
        ),
        (
            502,
            json!({"errors": ["bad gateway"]}),
            ErrorKind::BadGateway,
        ),
        (
            503,
            json!({"errors": ["Vault is sealed"]}),
            ErrorKind::Sealed,
        ),
        (
            418,
            json!({"error": "RustyVault shape"}),
            ErrorKind::Unexpected,
        ),
    ];
    for (status, body, kind) in cases {
        let server = MockServer::start_async().await;
        server
            .mock_async(|when, then| {
                when.method(GET).path("/v1/cubbyhole/x");
                then.status(*status).json_body(body.clone());
            })
            .await;
        let err = client(&server)
            .api()
            .cubbyhole_read()
            .path("x")
            .send()
            .await
            .map_err(hashivault::Error::from)
            .unwrap_err();
        assert_eq!(err.kind(), Some(*kind), "status {status}");
        assert_eq!(err.status(), Some(*status));
        let api = err.api().unwrap();
        assert_eq!(api.method, "GET");
        assert_eq!(api.path, "/v1/cubbyhole/x");
        let expected: Vec<String> = match (body.get("errors"), body.get("error")) {
            // Go's multierror wrapping is unwrapped to its bullet.
            (Some(Value::Array(items)), _) => items
                .iter()
                .map(|v| {
                    let text = v.as_str().unwrap().trim();
                    match text.split_once("\n\t* ") {
                        Some((_, bullet)) => bullet.to_string(),
                        None => text.to_string(),
                    }
                })
                .collect(),
            (_, Some(Value::String(s))) => vec![s.clone()],
            _ => vec![],
        };
        assert_eq!(api.errors, expected, "status {status}");
        let shown = err.to_string();
        assert!(
            shown.contains(&status.to_string()) && shown.contains("/v1/cubbyhole/x"),
            "{shown}"
        );
        assert!(!shown.contains("hvs.root-token"));
    }
}

#[tokio::test]
async fn predicates_for_common_checks() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/v1/cubbyhole/missing");
            then.status(404).json_body(json!({"errors": []}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.path("/v1/cubbyhole/denied");
            then.status(403)
                .json_body(json!({"errors": ["permission denied"]}));
        })
        .await;
    let client = client(&server);
    let e = hashivault::Error::from(
        client
            .api()
            .cubbyhole_read()
            .path("missing")
            .send()
            .await
            .unwrap_err(),
    );
    assert!(e.is_not_found() && !e.is_permission_denied());
    assert!(e.messages().is_empty());
    let e = hashivault::Error::from(
        client
            .api()
            .cubbyhole_read()
            .path("denied")
            .send()
            .await
            .unwrap_err(),
    );
    assert!(e.is_permission_denied() && !e.is_not_found());
}

#[tokio::test]
async fn html_from_a_proxy_is_a_decode_error_saying_so() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/v1/cubbyhole/x");
            then.status(200)
                .header("content-type", "text/html")
                .body("<html><body>Proxy login required</body></html>");
        })
        .await;
    let err = client(&server)
        .api()
        .cubbyhole_read()
        .path("x")
        .send()
        .await
        .unwrap_err();
    let err = hashivault::Error::from_api(err, "cubbyhole-read");
    assert!(err.is_decode(), "{err:?}");
    let shown = err.to_string();
    // What the body looks like, never its bytes (a success body may hold secrets).
    assert!(
        shown.contains("cubbyhole-read") && shown.contains("HTML"),
        "{shown}"
    );
    assert!(!shown.contains("Proxy login"), "{shown}");
}

#[tokio::test]
async fn truncated_json_never_shows_the_secret() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/v1/cubbyhole/x");
            then.status(200)
                .body(r#"{"request_id":"1","data":{"password":"hunter2"#);
        })
        .await;
    let err = client(&server)
        .api()
        .cubbyhole_read()
        .path("x")
        .send()
        .await
        .unwrap_err();
    let err = hashivault::Error::from_api(err, "cubbyhole-read");
    let shown = format!("{err} {err:?}");
    assert!(err.is_decode());
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("truncated JSON"), "{shown}");
}

#[tokio::test]
async fn retries_transient_answers_for_idempotent_methods_only() {
    let server = MockServer::start_async().await;
    let get = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/cubbyhole/busy");
            then.status(503)
                .json_body(json!({"errors": ["Vault is sealed"]}));
        })
        .await;
    let post = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/cubbyhole/busy");
            then.status(502).json_body(json!({"errors": []}));
        })
        .await;
    let client = Client::builder()
        .address(server.base_url())
        .token("t")
        .retry_policy(fast_retries(2))
        .build()
        .unwrap();
    let err = hashivault::Error::from(
        client
            .api()
            .cubbyhole_read()
            .path("busy")
            .send()
            .await
            .unwrap_err(),
    );
    assert!(err.is_sealed());
    assert_eq!(get.calls_async().await, 3, "one attempt and two retries");
    let _ = client
        .api()
        .cubbyhole_write()
        .path("busy")
        .body(serde_json::Map::new())
        .send()
        .await;
    assert_eq!(
        post.calls_async().await,
        1,
        "POST is not retried by default"
    );

    let retry_post = Client::builder()
        .address(server.base_url())
        .token("t")
        .retry_policy(RetryPolicy {
            retry_post: true,
            ..fast_retries(1)
        })
        .build()
        .unwrap();
    let _ = retry_post
        .api()
        .cubbyhole_write()
        .path("busy")
        .body(serde_json::Map::new())
        .send()
        .await;
    assert_eq!(
        post.calls_async().await,
        3,
        "1 + 1 + 1 retry with the opt-in"
    );
}

#[tokio::test]
async fn a_retried_request_that_then_succeeds_returns_the_answer() {
    let server = MockServer::start_async().await;
    // 404 is not transient: not retried.
    let missing = server
        .mock_async(|when, then| {
            when.path("/v1/cubbyhole/gone");
            then.status(404).json_body(json!({"errors": []}));
        })
        .await;
    let client = Client::builder()
        .address(server.base_url())
        .token("t")
        .retry_policy(fast_retries(3))
        .build()
        .unwrap();
    let _ = client.api().cubbyhole_read().path("gone").send().await;
    assert_eq!(missing.calls_async().await, 1);
}

#[tokio::test]
async fn standby_redirect_is_followed_with_method_body_and_token() {
    let active = MockServer::start_async().await;
    let standby = MockServer::start_async().await;
    let target = format!("{}/v1/cubbyhole/app", active.base_url());
    let redirect = standby
        .mock_async(|when, then| {
            when.method(POST).path("/v1/cubbyhole/app");
            then.status(307).header("location", target.as_str());
        })
        .await;
    let landed = active
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/cubbyhole/app")
                .header("x-vault-token", "hvs.root-token")
                .json_body(json!({"k": "v"}));
            then.status(204);
        })
        .await;
    let body: serde_json::Map<String, Value> = serde_json::from_value(json!({"k": "v"})).unwrap();
    // Two loopback ports are two origins over plain http: followed only when opted in
    // (tests/transport_redirects.rs has the policy).
    let client = Client::builder()
        .address(standby.base_url())
        .token("hvs.root-token")
        .retry_policy(fast_retries(0))
        .redirects(hashivault::RedirectPolicy::default().allow_plain_http(true))
        .build()
        .unwrap();
    let answer = client
        .api()
        .cubbyhole_write()
        .path("app")
        .body(body)
        .send()
        .await
        .unwrap();
    redirect.assert_async().await;
    landed.assert_async().await;
    assert!(
        answer.into_inner().data.is_none(),
        "a 204 is an empty envelope"
    );
}

#[tokio::test]
async fn list_operations_use_the_query_or_the_list_verb() {
    let server = MockServer::start_async().await;
    let query = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/sys/policies/acl/")
                .is_true(|req| req.uri().query() == Some("list=true"));
            then.status(200)
                .json_body(json!({"data": {"keys": ["default", "root"]}}));
        })
        .await;
    let verb = server
        .mock_async(|when, then| {
            when.is_true(|req| req.method_str() == "LIST")
                .path("/v1/sys/policies/acl/")
                .is_true(|req| req.uri().query().is_none());
            then.status(200)
                .json_body(json!({"data": {"keys": ["default"]}}));
        })
        .await;
    let client = client(&server);
    let listed = client
        .api()
        .policies_list_acl_policies()
        .send()
        .await
        .unwrap()
        .into_inner();
    query.assert_async().await;
    assert_eq!(
        listed.data.unwrap().keys,
        Some(vec!["default".to_string(), "root".to_string()])
    );

    let rusty = Client::builder()
        .address(server.base_url())
        .token("t")
        .list_method(ListMethod::ListVerb)
        .build()
        .unwrap();
    rusty
        .api()
        .policies_list_acl_policies()
        .send()
        .await
        .unwrap();
    verb.assert_async().await;
}

#[tokio::test]
async fn wrapping_header_and_unwrap() {
    let server = MockServer::start_async().await;
    let wrapped = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/cubbyhole/app")
                .header("x-vault-wrap-ttl", "5m");
            then.status(200).json_body(fixture("wrapped.json"));
        })
        .await;
    let unwrap = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/sys/wrapping/unwrap")
                .header("x-vault-token", "s.C4BcjULMENEApJsurB6N9Q4O");
            then.status(200)
                .json_body(json!({"request_id": "2", "data": {"api_key": "abc"}}));
        })
        .await;
    let client = client(&server);
    let answer = client
        .with_wrap_ttl("5m")
        .unwrap()
        .api()
        .cubbyhole_read()
        .path("app")
        .send()
        .await
        .unwrap()
        .into_inner();
    wrapped.assert_async().await;
    let info = answer.wrap_info.expect("wrap_info");
    assert_eq!(info.ttl, 300);
    assert_eq!(info.creation_path, "cubbyhole/app");
    assert!(!format!("{info:?}").contains("s.C4BcjULMENEApJsurB6N9Q4O"));
    let inner: hashivault::Envelope = client.unwrap(&info.token).await.unwrap();
    unwrap.assert_async().await;
    assert_eq!(inner.data.unwrap()["api_key"], "abc");
}

#[tokio::test]
async fn health_states_are_answers_not_errors() {
    for (status, sealed, standby) in [(429, false, true), (503, true, false), (501, false, false)] {
        let server = MockServer::start_async().await;
        let mut body = fixture("sys-health.json");
        body["sealed"] = json!(sealed);
        body["standby"] = json!(standby);
        body["initialized"] = json!(status != 501);
        server
            .mock_async(|when, then| {
                when.method(GET).path("/v1/sys/health");
                then.status(status).json_body(body.clone());
            })
            .await;
        let health = client(&server).sys_health().await.unwrap();
        assert_eq!(health.status, status);
        assert_eq!(health.sealed, sealed);
        assert_eq!(health.standby, standby);
        // The generated operation hands the same body over in its error value.
        let err = client(&server)
            .api()
            .read_health_status()
            .send()
            .await
            .unwrap_err();
        match err {
            hashivault::api::Error::ErrorResponse(rv) => {
                assert_eq!(rv.status().as_u16(), status);
                assert_eq!(rv.into_inner()["sealed"], json!(sealed));
            }
            other => panic!("expected the typed health body, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn revoke_self_forgets_the_token_and_renew_self_reads_auth() {
    let server = MockServer::start_async().await;
    let renew = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/auth/token/renew-self")
                .json_body(json!({"increment": "1h"}));
            then.status(200).json_body(fixture("userpass-login.json"));
        })
        .await;
    let revoke = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/auth/token/revoke-self")
                .header("x-vault-token", "hvs.root-token");
            then.status(204);
        })
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
    server
        .mock_async(|when, then| {
            when.path("/v1/auth/token/lookup-self");
            then.status(403)
                .json_body(json!({"errors": ["permission denied"]}));
        })
        .await;
    assert!(!client(&server).auth().is_authenticated().await.unwrap());
}

#[tokio::test]
async fn connection_refused_names_the_address_and_a_hint() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::builder()
        .address(format!("http://{addr}"))
        .token("hvs.secret-token")
        .retry_policy(fast_retries(0))
        .build()
        .unwrap();
    let err = client.sys_health().await.unwrap_err();
    assert!(err.is_transport());
    let shown = err.to_string();
    assert!(shown.contains(&addr.to_string()), "{shown}");
    assert!(shown.contains("VAULT_ADDR"), "{shown}");
    assert!(!shown.contains("hvs.secret-token"));
}

#[tokio::test]
async fn secrets_never_reach_debug() {
    let builder = Client::builder()
        .address("http://127.0.0.1:1")
        .token("hvs.builder-secret");
    assert!(!format!("{builder:?}").contains("hvs.builder-secret"));
    let client = builder.build().unwrap();
    let shown = format!("{client:?}");
    assert!(!shown.contains("hvs.builder-secret"), "{shown}");
    assert!(shown.contains("<redacted>"));
}

#[tokio::test]
async fn every_login_helper_posts_its_methods_body_and_captures_the_token() {
    use hashivault::ExposeSecret;
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
            server
                .mock_async(|when, then| {
                    when.method(POST)
                        .path(*path)
                        .header_missing("x-vault-token")
                        .json_body(body.clone());
                    then.status(200).json_body(fixture("userpass-login.json"));
                })
                .await,
        );
    }
    let kerberos = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/auth/kerberos/login")
                .header("authorization", "Negotiate c3BuZWdv");
            then.status(200).json_body(fixture("userpass-login.json"));
        })
        .await;
    let fresh = || {
        Client::builder()
            .address(server.base_url())
            .build()
            .unwrap()
    };
    let extra = |v: Value| v.as_object().unwrap().clone();
    let logins: Vec<hashivault::Client> = (0..12).map(|_| fresh()).collect();
    logins[0].auth().ldap("ldap", "bob", "pw").await.unwrap();
    logins[1]
        .auth()
        .okta("okta", "bob", "pw", Some("123456".into()))
        .await
        .unwrap();
    logins[2]
        .auth()
        .radius("radius", "bob", "pw")
        .await
        .unwrap();
    logins[3]
        .auth()
        .jwt("jwt", Some("web"), "eyJ.jwt")
        .await
        .unwrap();
    logins[4]
        .auth()
        .kubernetes("kubernetes", "app", "eyJ.sa")
        .await
        .unwrap();
    logins[5].auth().gcp("gcp", "vm", "eyJ.gcp").await.unwrap();
    logins[6]
        .auth()
        .azure("azure", "vm", "eyJ.az", extra(json!({"vm_name": "vm-1"})))
        .await
        .unwrap();
    logins[7]
        .auth()
        .aws("aws", Some("ec2"), extra(json!({"pkcs7": "MIIB"})))
        .await
        .unwrap();
    logins[8].auth().cert("cert", Some("web")).await.unwrap();
    logins[9].auth().github("github", "ghp_x").await.unwrap();
    // Any other method, through the generic path.
    logins[10]
        .auth()
        .login(
            "oci/login/role1",
            &json!({"request_headers": {"host": ["x"]}}),
        )
        .await
        .unwrap();
    logins[11]
        .auth()
        .kerberos("kerberos", hashivault::SecretString::from("c3BuZWdv"))
        .await
        .unwrap();
    for mock in &mocks {
        mock.assert_async().await;
    }
    kerberos.assert_async().await;
    for client in &logins {
        assert_eq!(
            client.token().unwrap().expose_secret(),
            "s.a2LxQJlzPGYto0DGAspjzhhr"
        );
    }
}

#[tokio::test]
async fn a_login_answer_without_auth_is_a_clear_error() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/auth/userpass/login/alice");
            then.status(200)
                .json_body(json!({"request_id": "1", "data": null, "auth": null}));
        })
        .await;
    let client = Client::builder()
        .address(server.base_url())
        .build()
        .unwrap();
    let err = client
        .auth()
        .userpass("userpass", "alice", "pw")
        .await
        .unwrap_err();
    assert!(err.is_decode(), "{err:?}");
    assert!(err.to_string().contains("no `auth` block"), "{err}");
    assert!(!client.has_token());
}

#[tokio::test]
async fn retries_back_off_exponentially_within_the_cap() {
    let server = MockServer::start_async().await;
    let busy = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/cubbyhole/busy");
            then.status(429)
                .json_body(json!({"errors": ["rate limited"]}));
        })
        .await;
    let client = Client::builder()
        .address(server.base_url())
        .token("t")
        .retry_policy(RetryPolicy {
            max_retries: 3,
            min_delay: Duration::from_millis(40),
            max_delay: Duration::from_millis(100),
            retry_post: false,
        })
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = hashivault::Error::from(
        client
            .api()
            .cubbyhole_read()
            .path("busy")
            .send()
            .await
            .unwrap_err(),
    );
    let elapsed = started.elapsed();
    assert!(err.is_rate_limited());
    assert_eq!(busy.calls_async().await, 4, "one attempt and three retries");
    // Delays of at least 40, 80 and 100 (the cap) ms: 220 ms or more in all; jitter only adds,
    // and the cap keeps each delay under 2 × 100 ms.
    assert!(elapsed >= Duration::from_millis(220), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[tokio::test]
async fn request_timeout_applies_unless_turned_off() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/cubbyhole/slow");
            then.status(200)
                .json_body(json!({"data": {"k": "v"}}))
                .delay(Duration::from_millis(400));
        })
        .await;
    let strict = Client::builder()
        .address(server.base_url())
        .token("t")
        .timeout(Duration::from_millis(100))
        .retry_policy(fast_retries(0))
        .build()
        .unwrap();
    let err = hashivault::Error::from(
        strict
            .api()
            .cubbyhole_read()
            .path("slow")
            .send()
            .await
            .unwrap_err(),
    );
    assert!(err.is_timeout(), "{err}");
    assert!(err.to_string().contains("VAULT_CLIENT_TIMEOUT"), "{err}");

    let patient = Client::builder()
        .address(server.base_url())
        .token("t")
        .timeout(Duration::from_millis(100))
        .without_timeout()
        .build()
        .unwrap();
    let answer = patient
        .api()
        .cubbyhole_read()
        .path("slow")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.into_inner().data.unwrap()["k"], "v");
}

#[tokio::test]
async fn health_states_are_not_retried() {
    let server = MockServer::start_async().await;
    let mut body = fixture("sys-health.json");
    body["sealed"] = json!(true);
    let health = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/sys/health");
            then.status(503).json_body(body.clone());
        })
        .await;
    let client = Client::builder()
        .address(server.base_url())
        .retry_policy(fast_retries(2))
        .build()
        .unwrap();
    assert!(client.sys_health().await.unwrap().sealed);
    let _ = client.api().read_health_status().send().await;
    assert_eq!(health.calls_async().await, 2, "one call each, no retries");
}

#[tokio::test]
async fn generated_path_parameters_keep_slashes_escape_the_rest_and_cannot_leave_the_endpoint() {
    let server = MockServer::start_async().await;
    let read = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/team/secret/data/app/a%20b%3F/x%25y")
                .header_missing("api-version");
            then.status(200).json_body(fixture("kv/v2_read.json"));
        })
        .await;
    let client = client(&server);
    let answer = client
        .api()
        .kv_v2_read()
        .kv_v2_mount_path("/team/secret/")
        .path("/app/a b?/x%y")
        .send()
        .await
        .unwrap();
    read.assert_async().await;
    assert!(answer.into_inner().data.is_some());

    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).json_body(json!({}));
        })
        .await;
    for (mount, path, reason) in [
        ("secret", "../../sys/seal", "`..` segment"),
        ("secret", "app/./x", "`..` segment"),
        ("secret", "", "is empty"),
        ("secret", "a//b", "empty segment"),
        ("secret", "a\nb", "control character"),
        ("..", "app", "`..` segment"),
    ] {
        let err = client
            .api()
            .kv_v2_read()
            .kv_v2_mount_path(mount)
            .path(path)
            .send()
            .await
            .map_err(hashivault::Error::from)
            .unwrap_err();
        assert!(err.is_invalid_input(), "{mount:?} {path:?}: {err}");
        let text = err.to_string();
        assert!(text.contains("the path parameter `"), "{text}");
        assert!(text.contains(reason), "{path:?}: {text}");
        if path.len() > 3 {
            assert!(!text.contains(path), "the value is not echoed: {text}");
        }
    }
    // A required parameter never set is named.
    let err = client
        .api()
        .kv_v2_read()
        .path("app")
        .send()
        .await
        .map_err(hashivault::Error::from)
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err}");
    assert!(
        err.to_string()
            .contains("kv_v2_mount_path was not initialized"),
        "{err}"
    );
    assert_eq!(any.calls_async().await, 0);
}

#[tokio::test]
async fn redirects_are_bounded_and_retries_go_to_the_node_that_answered() {
    // A node that redirects to itself: ten hops are followed, then "too many redirects (10)".
    let looping = MockServer::start_async().await;
    let own = format!("{}/v1/auth/token/lookup-self", looping.base_url());
    let hops = looping
        .mock_async(|when, then| {
            when.method(GET).path("/v1/auth/token/lookup-self");
            then.status(307).header("location", own.as_str());
        })
        .await;
    let err = client(&looping).auth().lookup_self().await.unwrap_err();
    assert!(err.to_string().contains("too many redirects (10)"), "{err}");
    assert_eq!(hops.calls_async().await, 11, "the request and ten hops");

    // A standby redirects once; the active node is unavailable: the retries go to the active
    // node, not through the standby again.
    let active = MockServer::start_async().await;
    let standby = MockServer::start_async().await;
    let target = format!("{}/v1/auth/token/lookup-self", active.base_url());
    let redirect = standby
        .mock_async(|when, then| {
            when.method(GET).path("/v1/auth/token/lookup-self");
            then.status(307).header("location", target.as_str());
        })
        .await;
    let unavailable = active
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/auth/token/lookup-self")
                .header("x-vault-token", "hvs.root-token");
            then.status(503)
                .json_body(json!({"errors": ["Vault is sealed"]}));
        })
        .await;
    let client = Client::builder()
        .address(standby.base_url())
        .token("hvs.root-token")
        .retry_policy(fast_retries(2))
        .redirects(hashivault::RedirectPolicy::default().allow_plain_http(true))
        .build()
        .unwrap();
    let err = client.auth().lookup_self().await.unwrap_err();
    assert_eq!(err.status(), Some(503), "{err}");
    assert_eq!(redirect.calls_async().await, 1);
    assert_eq!(
        unavailable.calls_async().await,
        3,
        "the first attempt and two retries"
    );
}

#[tokio::test]
async fn a_generated_list_operation_lists_the_root_folder_with_an_empty_path() {
    let server = MockServer::start_async().await;
    let root = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/team/secret/metadata/")
                .query_param("list", "true");
            then.status(200).json_body(fixture("kv/v2_list_root.json"));
        })
        .await;
    let folder = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/team/secret/metadata/app/")
                .query_param("list", "true");
            then.status(200).json_body(fixture("kv/v2_list.json"));
        })
        .await;
    let client = client(&server);
    for (path, mock) in [("", &root), ("/app/", &folder), ("app", &folder)] {
        let keys = client
            .api()
            .kv_v2_list()
            .kv_v2_mount_path("team/secret")
            .path(path)
            .send()
            .await
            .unwrap()
            .into_inner()
            .data
            .and_then(|d| d.keys)
            .unwrap();
        assert!(!keys.is_empty(), "{path:?}");
        assert!(mock.calls_async().await > 0, "{path:?}");
    }
    assert_eq!(root.calls_async().await, 1);
    assert_eq!(folder.calls_async().await, 2);
    // The mount is not a folder: it may not be empty.
    let err = client
        .api()
        .kv_v2_list()
        .kv_v2_mount_path("")
        .path("app")
        .send()
        .await
        .map_err(hashivault::Error::from)
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err}");
}

#[tokio::test]
async fn a_retried_request_is_sent_again_whole() {
    let server = MockServer::start_async().await;
    // A bodiless read: every header and the query come back on each attempt.
    let read = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/team/secret/data/app")
                .query_param("version", "3")
                .header("x-vault-token", "hvs.root-token")
                .header("x-vault-request", "true")
                .header("x-vault-namespace", "ns1/team")
                .header("x-vault-wrap-ttl", "5m")
                .header("accept", "application/json");
            then.status(503)
                .json_body(json!({"errors": ["Vault is sealed"]}));
        })
        .await;
    let client = Client::builder()
        .address(server.base_url())
        .token("hvs.root-token")
        .retry_policy(fast_retries(2))
        .build()
        .unwrap()
        .with_namespace("ns1/team")
        .unwrap()
        .with_wrap_ttl("5m")
        .unwrap();
    let err = client
        .api()
        .kv_v2_read()
        .kv_v2_mount_path("team/secret")
        .path("app")
        .version(3i64)
        .send()
        .await
        .map_err(hashivault::Error::from)
        .unwrap_err();
    assert_eq!(err.status(), Some(503), "{err}");
    assert_eq!(read.calls_async().await, 3, "one attempt and two retries");

    // A write with a body (retried on opt-in): the body comes back too.
    let write = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/cubbyhole/app")
                .header("x-vault-token", "hvs.root-token")
                .header("content-type", "application/json")
                .json_body(json!({"k": "v"}));
            then.status(502).json_body(json!({"errors": []}));
        })
        .await;
    let client = Client::builder()
        .address(server.base_url())
        .token("hvs.root-token")
        .retry_policy(RetryPolicy {
            retry_post: true,
            ..fast_retries(2)
        })
        .build()
        .unwrap();
    let body: serde_json::Map<String, Value> = serde_json::from_value(json!({"k": "v"})).unwrap();
    let _ = client
        .api()
        .cubbyhole_write()
        .path("app")
        .body(body)
        .send()
        .await;
    assert_eq!(write.calls_async().await, 3);
}

#[tokio::test]
async fn connection_refused_is_retried_with_backoff() {
    // A port nobody listens on: every attempt is refused at once, so the time taken is the
    // backoff (at least 50 ms + 100 ms for two retries from a 50 ms minimum).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let policy = |max_retries| RetryPolicy {
        max_retries,
        min_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(200),
        retry_post: false,
    };
    for (retries, at_least) in [(0, Duration::ZERO), (2, Duration::from_millis(150))] {
        // (No upper bound: a loaded machine may be slow; the lower bound shows the backoff.)
        let client = Client::builder()
            .address(format!("http://127.0.0.1:{port}"))
            .token("t")
            .retry_policy(policy(retries))
            .build()
            .unwrap();
        let started = std::time::Instant::now();
        let err = client.auth().lookup_self().await.unwrap_err();
        let took = started.elapsed();
        assert!(err.is_transport(), "{err}");
        assert!(took >= at_least, "{retries} retries took {took:?}");
    }
}
