//! Standby redirects on the wire (`src/redirect.rs`): followed with method, body and token,
//! bounded, and retries sent to the node that answered.
// The API groups this file's calls use: empty without them (`scripts/feature-sets.sh`).
#![cfg(feature = "cubbyhole")]

mod common;

use hashivault::Client;
use httpmock::prelude::*;
use serde_json::{json, Value};

use common::wire::{call, client, fast_retries, TOKEN};

#[tokio::test]
async fn standby_redirect_is_followed_with_method_body_and_token() {
    let active = MockServer::start_async().await;
    let standby = MockServer::start_async().await;
    let landed = call(POST, "/v1/cubbyhole/app")
        .token(TOKEN)
        .body(json!({"k": "v"}))
        .answers(&active, 204, Value::Null)
        .await;
    let redirect = call(POST, "/v1/cubbyhole/app")
        .redirects_to(&standby, &active)
        .await;
    let body: serde_json::Map<String, Value> = serde_json::from_value(json!({"k": "v"})).unwrap();
    // Two loopback ports are two origins over plain http: followed by default
    // (tests/transport_redirects.rs has the policy).
    let answer = client(&standby)
        .api()
        .cubbyhole_write()
        .path("app")
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(
        answer.into_inner().data.is_none(),
        "a 204 is an empty envelope"
    );
    redirect.assert_async().await;
    landed.assert_async().await;
}

#[tokio::test]
async fn redirects_are_bounded_and_retries_go_to_the_node_that_answered() {
    // A node that redirects to itself: ten hops are followed, then "too many redirects (10)".
    let looping = MockServer::start_async().await;
    let hops = call(GET, "/v1/auth/token/lookup-self")
        .redirects_to(&looping, &looping)
        .await;
    let err = client(&looping).auth().lookup_self().await.unwrap_err();
    assert!(err.to_string().contains("too many redirects (10)"), "{err}");
    assert_eq!(hops.calls_async().await, 11, "the request and ten hops");

    // A standby redirects once; the active node is unavailable: the retries go to the active
    // node, not through the standby again.
    let active = MockServer::start_async().await;
    let standby = MockServer::start_async().await;
    let redirect = call(GET, "/v1/auth/token/lookup-self")
        .redirects_to(&standby, &active)
        .await;
    let unavailable = call(GET, "/v1/auth/token/lookup-self")
        .token(TOKEN)
        .answers(&active, 503, json!({"errors": ["Vault is sealed"]}))
        .await;
    let client = Client::builder()
        .address(standby.base_url())
        .token(TOKEN)
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
