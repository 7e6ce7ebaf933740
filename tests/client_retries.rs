//! Retries on the wire (`src/transport.rs`): which answers and methods are retried, the backoff,
//! and a retried request sent again whole.
// The API groups this file's calls use: empty without them (`scripts/feature-sets.sh`).
#![cfg(all(feature = "cubbyhole", feature = "kv", feature = "sys"))]

mod common;

use std::time::Duration;

use hashivault::{Client, RetryPolicy};
use httpmock::prelude::*;
use serde_json::{json, Value};

use common::retries as policy;
use common::wire::{call, closed_address, fast_retries, recorded, TOKEN};

/// A client of `server` with `token` (none when empty) and `policy`.
fn retrying(server: &MockServer, token: &str, policy: RetryPolicy) -> Client {
    let builder = Client::builder().address(server.base_url());
    let builder = if token.is_empty() {
        builder
    } else {
        builder.token(token)
    };
    builder.retry_policy(policy).build().unwrap()
}

/// `cubbyhole/busy` by `method`, answered `status` with Vault's `errors`.
async fn busy(
    server: &MockServer,
    method: httpmock::Method,
    status: u16,
    errors: Value,
) -> httpmock::Mock<'_> {
    let body = json!({ "errors": errors });
    call(method, "/v1/cubbyhole/busy")
        .answers(server, status, body)
        .await
}

async fn read(client: &Client, path: &str) -> Result<(), hashivault::Error> {
    client
        .api()
        .cubbyhole_read()
        .path(path)
        .send()
        .await
        .map(drop)
}

async fn write(client: &Client, path: &str, body: Value) -> Result<(), hashivault::Error> {
    let body: serde_json::Map<String, Value> = serde_json::from_value(body).unwrap();
    let answer = client
        .api()
        .cubbyhole_write()
        .path(path)
        .body(body)
        .send()
        .await;
    answer.map(drop)
}

#[tokio::test]
async fn retries_transient_answers_for_idempotent_methods_only() {
    let server = MockServer::start_async().await;
    let get = busy(&server, GET, 503, json!(["Vault is sealed"])).await;
    let post = busy(&server, POST, 502, json!([])).await;
    let client = retrying(&server, "t", fast_retries(2));
    let err = read(&client, "busy").await.unwrap_err();
    assert!(err.is_sealed());
    assert_eq!(get.calls_async().await, 3, "one attempt and two retries");
    let _ = write(&client, "busy", json!({})).await;
    assert_eq!(
        post.calls_async().await,
        1,
        "POST is not retried by default"
    );

    let retry_post = retrying(&server, "t", fast_retries(1).with_retry_post(true));
    let _ = write(&retry_post, "busy", json!({})).await;
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
    let missing = common::wire::at("/v1/cubbyhole/gone")
        .answers(&server, 404, json!({"errors": []}))
        .await;
    let client = retrying(&server, "t", fast_retries(3));
    let _ = read(&client, "gone").await;
    assert_eq!(missing.calls_async().await, 1);
}

#[tokio::test]
async fn retries_back_off_exponentially_within_the_cap() {
    let server = MockServer::start_async().await;
    let busy = busy(&server, GET, 429, json!(["rate limited"])).await;
    let client = retrying(&server, "t", policy(3, 40, 100));
    let started = std::time::Instant::now();
    let err = read(&client, "busy").await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(err.is_rate_limited());
    assert_eq!(busy.calls_async().await, 4, "one attempt and three retries");
    // Delays of at least 40, 80 and 100 (the cap) ms: 220 ms or more in all; jitter only adds,
    // and the cap keeps each delay under 2 × 100 ms.
    assert!(elapsed >= Duration::from_millis(220), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[tokio::test]
async fn health_states_are_not_retried() {
    let server = MockServer::start_async().await;
    let mut body = recorded("sys-health.json");
    body["sealed"] = json!(true);
    let health = call(GET, "/v1/sys/health")
        .answers(&server, 503, body)
        .await;
    let client = retrying(&server, "", fast_retries(2));
    assert!(client.sys_health().await.unwrap().sealed);
    let _ = client.api().read_health_status().send().await;
    assert_eq!(health.calls_async().await, 2, "one call each, no retries");
}

#[tokio::test]
async fn a_retried_request_is_sent_again_whole() {
    let server = MockServer::start_async().await;
    // A bodiless read: every header and the query come back on each attempt.
    let read = call(GET, "/v1/team/secret/data/app")
        .query("version", "3")
        .vault_headers()
        .header("x-vault-namespace", "ns1/team")
        .header("x-vault-wrap-ttl", "5m")
        .header("accept", "application/json")
        .answers(&server, 503, json!({"errors": ["Vault is sealed"]}))
        .await;
    let client = retrying(&server, TOKEN, fast_retries(2))
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
        .unwrap_err();
    assert_eq!(err.status(), Some(503), "{err}");
    assert_eq!(read.calls_async().await, 3, "one attempt and two retries");

    // A write with a body (retried on opt-in): the body comes back too.
    let posted = call(POST, "/v1/cubbyhole/app")
        .token(TOKEN)
        .header("content-type", "application/json")
        .body(json!({"k": "v"}))
        .answers(&server, 502, json!({"errors": []}))
        .await;
    let client = retrying(&server, TOKEN, fast_retries(2).with_retry_post(true));
    let _ = write(&client, "app", json!({"k": "v"})).await;
    assert_eq!(posted.calls_async().await, 3);
}

#[tokio::test]
async fn connection_refused_is_retried_with_backoff() {
    // A port nobody listens on: every attempt is refused at once, so the time taken is the
    // backoff (at least 50 ms + 100 ms for two retries from a 50 ms minimum).
    let addr = closed_address();
    for (retries, at_least) in [(0, Duration::ZERO), (2, Duration::from_millis(150))] {
        // (No upper bound: a loaded machine may be slow; the lower bound shows the backoff.)
        let client = Client::builder()
            .address(&addr)
            .token("t")
            .retry_policy(policy(retries, 50, 200))
            .build()
            .unwrap();
        let started = std::time::Instant::now();
        let err = client.auth().lookup_self().await.unwrap_err();
        let took = started.elapsed();
        assert!(err.is_transport(), "{err}");
        assert!(took >= at_least, "{retries} retries took {took:?}");
    }
}
