//! The client's configuration on the wire: the headers every request carries, the token and
//! namespace overrides, input refused before a request, and the request timeout (`src/client.rs`).
// The API groups this file's calls use: empty without them (`scripts/feature-sets.sh`).
#![cfg(feature = "cubbyhole")]

mod common;

use std::time::Duration;

use hashivault::reqwest::Method;
use hashivault::Client;
use httpmock::prelude::*;
use serde_json::{json, Value};

use common::wire::{
    answers_recorded, any_request, call, client, fast_retries, read_cubbyhole, recorded, TOKEN,
};

#[tokio::test]
async fn every_request_carries_token_and_request_headers_and_no_namespace_by_default() {
    let server = MockServer::start_async().await;
    let mock = call(GET, "/v1/auth/token/lookup-self")
        .token(TOKEN)
        .header("x-vault-request", "true")
        .header_missing("x-vault-namespace")
        .header_missing("x-vault-wrap-ttl")
        .header_missing("api-version")
        .answers(&server, 200, recorded("token-lookup-self.json"))
        .await;
    let info = client(&server).auth().lookup_self().await.unwrap();
    mock.assert_async().await;
    assert_eq!(info.accessor, "0Qi3QhrAA9OsHYqkjQXhBU54");
    assert_eq!(info.policies, vec!["root".to_string()]);
}

#[tokio::test]
async fn without_a_token_no_token_header_is_sent() {
    let server = MockServer::start_async().await;
    let health = call(GET, "/v1/sys/health").header_missing("x-vault-token");
    let mock = answers_recorded(&server, health, "sys-health.json").await;
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
    let base = call(GET, "/v1/sys/mounts")
        .header("x-vault-namespace", "team-a")
        .token(TOKEN)
        .answers(&server, 200, json!({"data": {}}))
        .await;
    let child = call(GET, "/v1/sys/mounts")
        .header("x-vault-namespace", "team-a/child")
        .token("hvs.other")
        .answers(&server, 200, json!({"data": {}}))
        .await;
    let client = Client::builder()
        .address(server.base_url())
        .token(TOKEN)
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
        TOKEN
    );
}

#[tokio::test]
async fn bad_input_is_refused_before_any_request() {
    let server = MockServer::start_async().await;
    let any = any_request().answers(&server, 200, Value::Null).await;
    let client = client(&server);
    let auth = client.auth();
    for (what, refused) in [
        ("an empty mount", auth.userpass("", "alice", "pw").await),
        ("a `..` user", auth.userpass("userpass", "../x", "pw").await),
        ("a `..` mount", auth.approle("auth/../sys", "r", None).await),
    ] {
        assert!(refused.unwrap_err().is_invalid_input(), "{what}");
    }
    let newline = client.set_token("hvs.bad\n");
    assert!(newline.unwrap_err().is_invalid_input());
    let dot_dot = client.with_namespace("a/../b");
    assert!(dot_dot.unwrap_err().is_invalid_input());
    assert!(Client::builder().address("vault:8200").build().is_err());
    assert_eq!(any.calls_async().await, 0);
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
    let err = read_cubbyhole(&strict, "slow").await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(err.to_string().contains("VAULT_CLIENT_TIMEOUT"), "{err}");

    let patient = Client::builder()
        .address(server.base_url())
        .token("t")
        .timeout(Duration::from_millis(100))
        .without_timeout()
        .build()
        .unwrap();
    let answer = read_cubbyhole(&patient, "slow").await.unwrap();
    assert_eq!(answer.into_inner().data.unwrap()["k"], "v");
}

/// A token or namespace that can never be sent is refused when it is set, naming the setting and
/// never the value; the client keeps its token when `set_token` refuses a new one.
#[tokio::test]
async fn unsendable_tokens_and_namespaces_are_refused_at_the_setting() {
    let refused =
        |b: hashivault::ClientBuilder| b.address("http://127.0.0.1:8200").build().unwrap_err();
    let err = refused(Client::builder().token("hvs.CAESIsecret\n"));
    assert!(err.is_invalid_input(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "invalid input: ClientBuilder::token: the token contains whitespace or a control character (a trailing newline from a file?)"
    );
    assert!(!format!("{err:?}").contains("CAESIsecret"));
    let err = refused(Client::builder().namespace("team-secret\r\nx-injected: 1"));
    assert!(err.is_invalid_input(), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("invalid input: ClientBuilder::namespace: "),
        "{err}"
    );
    assert!(!err.to_string().contains("secret"), "{err}");
    // The first refused setting is the one reported.
    let err = Client::builder()
        .namespace("a/../b")
        .token("")
        .build()
        .unwrap_err();
    assert!(
        err.to_string().contains("ClientBuilder::namespace"),
        "{err}"
    );

    let client = Client::builder()
        .address("http://127.0.0.1:8200")
        .token("hvs.good")
        .build()
        .unwrap();
    let err = client.set_token("hvs.bad token").unwrap_err();
    assert!(err.is_invalid_input());
    assert!(!err.to_string().contains("hvs.bad"), "{err}");
    assert_eq!(
        hashivault::ExposeSecret::expose_secret(&client.token().unwrap()),
        "hvs.good"
    );
    assert!(client.with_namespace("bad\nns").is_err());
}
