//! Read-your-writes on the wire (on by default): the newest `X-Vault-Index` of a write goes with
//! later requests, with `X-Vault-Inconsistent: forward-active-node` (a lagging OpenBao 2.7.2
//! standby then forwards the read to the active node; without it, it answers `429` +
//! `Retry-After: 1`, measured on a 3-node raft cluster), and a node that answers `429` anyway is
//! asked again after the wait.
// The API groups this file's calls use: empty without them (`scripts/feature-sets.sh`).
#![cfg(feature = "cubbyhole")]

mod common;
mod transport_support;

use std::time::Duration;

use common::wire::call;
use hashivault::reqwest::Method;
use hashivault::Client;
use httpmock::prelude::*;
use serde_json::json;
use transport_support::{answer, builder, get_json, serve};

const INDEX: &str = "eyJjbHVzdGVyIjoiYyIsInZhbHVlIjoiMzUifQ==";

fn client(url: &str, on: bool) -> Client {
    builder(url, "t", 2).read_your_writes(on).build().unwrap()
}

#[tokio::test]
async fn a_writes_index_goes_with_later_reads_only_when_asked() {
    let server = MockServer::start_async().await;
    call(POST, "/v1/kv/a")
        .reply_header("X-Vault-Index", INDEX)
        .answers(&server, 204, serde_json::Value::Null)
        .await;
    let fresh = call(GET, "/v1/kv/a")
        .header("x-vault-index", INDEX)
        .header("x-vault-inconsistent", "forward-active-node")
        .answers(&server, 200, json!({"data": {"v": "1"}}))
        .await;
    let plain = call(GET, "/v1/kv/a")
        .header_missing("x-vault-index")
        .answers(&server, 404, json!({"errors": []}))
        .await;
    for on in [true, false] {
        let client = client(&server.base_url(), on);
        let _: hashivault::Envelope = client
            .request(Method::POST, "kv/a", Some(&json!({"v": "1"})))
            .await
            .unwrap();
        let read = get_json(&client, "kv/a").await;
        assert_eq!(read.is_ok(), on, "{read:?}");
        // Clones share the index.
        if on {
            let clone = client.with_namespace("").unwrap();
            get_json(&clone, "kv/a").await.unwrap();
        }
    }
    assert_eq!(fresh.calls_async().await, 2);
    assert_eq!(plain.calls_async().await, 1);
}

#[tokio::test]
async fn a_node_behind_the_index_is_asked_again_after_retry_after() {
    let script = serve(vec![
        answer(204, &[("X-Vault-Index", INDEX)], ""),
        answer(429, &[("Retry-After", "1")], r#"{"errors":[]}"#),
        answer(200, &[], r#"{"data":{"v":"1"}}"#),
    ])
    .await;
    let client = client(&script.url(), true);
    let _: hashivault::Envelope = client
        .request(Method::PUT, "kv/a", Some(&json!({"v": "1"})))
        .await
        .unwrap();
    let read = get_json(&client, "kv/a").await.unwrap();
    assert_eq!(read.data.unwrap()["v"], "1");
    let hits = script.hits();
    assert_eq!(hits.len(), 3);
    for hit in &hits[1..] {
        assert!(
            hit.head
                .to_ascii_lowercase()
                .contains(&format!("x-vault-index: {}", INDEX.to_ascii_lowercase())),
            "{}",
            hit.head
        );
    }
    let gaps = script.gaps();
    assert!(gaps[1] >= Duration::from_millis(950), "{gaps:?}");
    eprintln!("figures: read-your-writes: a node behind the index answered 429 Retry-After 1; asked again after {} ms, fresh read", gaps[1].as_millis());
}

/// A write answered with OpenBao's index for `value` (base64 of `{"cluster":…,"value":…}`, the
/// shape 2.7.2 sends).
fn openbao_index(value: u64) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .encode(format!(r#"{{"cluster":"35c1e0ba","value":"{value}"}}"#))
}

#[tokio::test]
async fn read_your_writes_is_on_by_default_and_asks_a_lagging_standby_to_forward() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/kv/a");
            then.status(204).header("X-Vault-Index", INDEX);
        })
        .await;
    let consistent = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/kv/a")
                .header("x-vault-index", INDEX)
                .header("x-vault-inconsistent", "forward-active-node");
            then.status(200).json_body(json!({"data": {"v": "1"}}));
        })
        .await;
    // No `read_your_writes` call: the default.
    let client = Client::builder()
        .address(server.base_url())
        .token("t")
        .build()
        .unwrap();
    let _: hashivault::Envelope = client
        .request(Method::POST, "kv/a", Some(&json!({"v": "1"})))
        .await
        .unwrap();
    let read = client
        .request::<hashivault::JsonMap, ()>(Method::GET, "kv/a", None)
        .await
        .unwrap();
    assert_eq!(read.data.unwrap()["v"], "1");
    assert_eq!(consistent.calls_async().await, 1);
}

#[tokio::test]
async fn a_server_that_sends_no_index_gets_no_consistency_headers() {
    let server = MockServer::start_async().await;
    // OpenBao 2.6's answer to a write: no X-Vault-Index (docs/compatibility.md).
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/kv/a");
            then.status(204);
        })
        .await;
    let bare = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/kv/a")
                .header_missing("x-vault-index")
                .header_missing("x-vault-inconsistent");
            then.status(200).json_body(json!({"data": {"v": "1"}}));
        })
        .await;
    let client = client(&server.base_url(), true);
    let _: hashivault::Envelope = client
        .request(Method::POST, "kv/a", Some(&json!({"v": "1"})))
        .await
        .unwrap();
    client
        .request::<hashivault::JsonMap, ()>(Method::GET, "kv/a", None)
        .await
        .unwrap();
    assert_eq!(bare.calls_async().await, 1);
}

#[tokio::test]
async fn an_older_index_answered_later_does_not_replace_a_newer_one() {
    let server = MockServer::start_async().await;
    let (newer, older) = (openbao_index(40), openbao_index(39));
    for (path, index) in [("/v1/kv/b", newer.clone()), ("/v1/kv/c", older.clone())] {
        server
            .mock_async(move |when, then| {
                when.method(POST).path(path);
                then.status(204).header("X-Vault-Index", index);
            })
            .await;
    }
    let read = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/kv/b")
                .header("x-vault-index", newer.as_str());
            then.status(200).json_body(json!({"data": {"v": "1"}}));
        })
        .await;
    let client = client(&server.base_url(), true);
    // Two writes whose answers come back out of order (as concurrent tasks' can): the second
    // answer carries the older index.
    for path in ["kv/b", "kv/c"] {
        let _: hashivault::Envelope = client
            .request(Method::POST, path, Some(&json!({"v": "1"})))
            .await
            .unwrap();
    }
    client
        .request::<hashivault::JsonMap, ()>(Method::GET, "kv/b", None)
        .await
        .unwrap();
    assert_eq!(read.calls_async().await, 1);
}
