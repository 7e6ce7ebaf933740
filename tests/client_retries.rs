//! Retries on the wire (`src/transport.rs`): which answers and methods are retried, the backoff,
//! and a retried request sent again whole.

mod common;

use std::time::Duration;

use hashivault::{Client, RetryPolicy};
use httpmock::prelude::*;
use serde_json::{json, Value};

use common::wire::{fast_retries, recorded, TOKEN};

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
    let err = client
        .api()
        .cubbyhole_read()
        .path("busy")
        .send()
        .await
        .unwrap_err();
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
        .retry_policy(fast_retries(1).with_retry_post(true))
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
        .retry_policy(
            RetryPolicy::default()
                .with_max_retries(3)
                .with_min_delay(Duration::from_millis(40))
                .with_max_delay(Duration::from_millis(100)),
        )
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = client
        .api()
        .cubbyhole_read()
        .path("busy")
        .send()
        .await
        .unwrap_err();
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
async fn a_retried_request_is_sent_again_whole() {
    let server = MockServer::start_async().await;
    // A bodiless read: every header and the query come back on each attempt.
    let read = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/team/secret/data/app")
                .query_param("version", "3")
                .header("x-vault-token", TOKEN)
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
        .token(TOKEN)
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
        .unwrap_err();
    assert_eq!(err.status(), Some(503), "{err}");
    assert_eq!(read.calls_async().await, 3, "one attempt and two retries");

    // A write with a body (retried on opt-in): the body comes back too.
    let write = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/cubbyhole/app")
                .header("x-vault-token", TOKEN)
                .header("content-type", "application/json")
                .json_body(json!({"k": "v"}));
            then.status(502).json_body(json!({"errors": []}));
        })
        .await;
    let client = Client::builder()
        .address(server.base_url())
        .token(TOKEN)
        .retry_policy(fast_retries(2).with_retry_post(true))
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
    let policy = |max_retries| {
        RetryPolicy::default()
            .with_max_retries(max_retries)
            .with_min_delay(Duration::from_millis(50))
            .with_max_delay(Duration::from_millis(200))
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
