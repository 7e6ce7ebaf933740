//! Read-your-writes on the wire: a write's `X-Vault-Index` goes with later requests, and a node
//! that has not caught up (OpenBao 2.7.2 answers `429` + `Retry-After: 1`, measured on a 3-node
//! raft cluster) is asked again after the wait.

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
