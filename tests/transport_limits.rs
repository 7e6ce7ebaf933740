//! Bounded answers: the size limit, refused from `Content-Length` or cut off while read, so an
//! endless body cannot fill memory; and the client-side rate limit.
// The API groups this file's calls use: empty without them (`scripts/feature-sets.sh`).
#![cfg(feature = "cubbyhole")]

mod common;
mod transport_support;

use std::time::{Duration, Instant};

use common::wire::at;
use hashivault::{Client, RateLimit};
use httpmock::prelude::*;
use serde_json::json;
use transport_support::{answer, builder, read, serve, serve_raw, Reply};

fn client(url: &str, limit: Option<usize>) -> Client {
    let b = builder(url, "t", 0);
    match limit {
        Some(limit) => b.max_response_size(limit),
        None => b,
    }
    .build()
    .unwrap()
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused_unread() {
    let server = MockServer::start_async().await;
    let big = "a".repeat(4096);
    at("/v1/cubbyhole/x")
        .answers(&server, 200, json!({"data": {"blob": big}}))
        .await;
    let err = read(&client(&server.base_url(), Some(1024)))
        .await
        .unwrap_err();
    let hashivault::Error::TooLarge(e) = &err else {
        panic!("not too large: {err}");
    };
    assert_eq!(e.limit, 1024);
    assert!(e.declared.is_some_and(|n| n > 4096), "{e:?}");
    let shown = err.to_string();
    assert!(
        shown.contains("max_response_size") && shown.contains("1024"),
        "{shown}"
    );
    assert!(!shown.contains("aaaa"), "{shown}");
    // Under the default (32 MiB) the same answer is read.
    let ok = read(&client(&server.base_url(), None)).await.unwrap();
    assert_eq!(ok.data.unwrap()["blob"].as_str().unwrap().len(), 4096);
}

#[tokio::test]
async fn an_endless_body_is_cut_at_the_limit() {
    let head =
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
            .to_vec();
    let script = serve(vec![Reply::Endless(head)]).await;
    let limit = 1024 * 1024;
    let started = Instant::now();
    let err = read(&client(&script.url(), Some(limit))).await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(err.is_too_large(), "{err}");
    assert!(err.to_string().contains("went past"), "{err}");
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    // The server can only have written what the client read plus socket buffers.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let written = *script.written.lock().unwrap();
    assert!(
        written < 64 * 1024 * 1024,
        "the server wrote {written} bytes"
    );
    eprintln!(
        "figures: endless chunked body, limit 1 MiB: refused after {} ms; the server got {} KiB out before the client hung up",
        elapsed.as_millis(),
        written / 1024
    );
}

#[tokio::test]
async fn an_endless_error_body_is_cut_at_the_limit_too() {
    let head = b"HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    let script = serve(vec![Reply::Endless(head)]).await;
    let err = read(&client(&script.url(), Some(256 * 1024)))
        .await
        .unwrap_err();
    assert!(err.is_too_large(), "{err}");
}

#[tokio::test]
async fn a_chunked_answer_within_the_limit_is_read_whole() {
    let body = r#"{"request_id":"r","data":{"k":"v"}}"#;
    let raw = format!(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\n{}\r\n{:x}\r\n{}\r\n0\r\n\r\n",
        &body[..5],
        body.len() - 5,
        &body[5..]
    );
    let script = serve_raw(raw).await;
    let ok = read(&client(&script.url(), Some(1024))).await.unwrap();
    assert_eq!(ok.data.unwrap()["k"], "v");
    // And the handwritten path reads through the same limit.
    let over = serve(vec![answer(
        200,
        &[],
        &format!("{{\"data\":{{\"b\":\"{}\"}}}}", "x".repeat(2000)),
    )])
    .await;
    let err = client(&over.url(), Some(1024))
        .request::<hashivault::JsonMap, ()>(hashivault::reqwest::Method::GET, "cubbyhole/x", None)
        .await
        .unwrap_err();
    assert!(err.is_too_large(), "{err}");
}

/// A large answer arrives in many reads: it is put together in order, whole, whether its length
/// is declared (`Content-Length`) or not (chunked, as OpenBao sends any answer over 2 KiB), on
/// the generated path and the handwritten one alike.
#[tokio::test]
async fn a_large_answer_in_many_chunks_is_read_whole_both_ways() {
    // 3 MiB of a pattern that shows a chunk out of place or twice.
    let blob: String = (0..3 * 1024 * 1024 / 8)
        .map(|i| format!("{:07x},", i % 0x0fff_ffff))
        .collect();
    let body = format!(r#"{{"request_id":"r","data":{{"blob":"{blob}","n":1}}}}"#);
    let declared = answer(200, &[], &body);
    let mut chunked =
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
    for piece in body.as_bytes().chunks(7919) {
        chunked.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        chunked.extend_from_slice(piece);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    for reply in [declared, Reply::Raw(chunked)] {
        let script = serve(vec![reply]).await;
        let client = client(&script.url(), None);
        let generated = read(&client).await.unwrap().data.unwrap();
        let handwritten = transport_support::get_json(&client, "cubbyhole/x")
            .await
            .unwrap()
            .data
            .unwrap();
        for data in [generated, handwritten] {
            assert_eq!(data["n"], 1);
            assert!(data["blob"] == blob.as_str(), "the blob came back changed");
        }
    }
}

#[tokio::test]
async fn the_rate_limit_spaces_requests() {
    let server = MockServer::start_async().await;
    let hits = at("/v1/cubbyhole/x")
        .answers(&server, 200, json!({"data": {}}))
        .await;
    let client = Client::builder()
        .address(server.base_url())
        .token("t")
        .rate_limit(RateLimit::per_second(10.0).with_burst(1))
        .build()
        .unwrap();
    let started = Instant::now();
    for _ in 0..6 {
        read(&client).await.unwrap();
    }
    let elapsed = started.elapsed();
    assert_eq!(hits.calls_async().await, 6);
    // One at once, then five at 100 ms each.
    assert!(elapsed >= Duration::from_millis(450), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    eprintln!(
        "figures: rate limit 10/s burst 1: 6 requests in {} ms (floor 500 ms)",
        elapsed.as_millis()
    );

    // A wait past the deadline fails at once.
    let strict = Client::builder()
        .address(server.base_url())
        .token("t")
        .rate_limit(RateLimit::per_second(0.1).with_burst(1))
        .deadline(Duration::from_secs(1))
        .build()
        .unwrap();
    read(&strict).await.unwrap();
    let started = Instant::now();
    let err = read(&strict).await.unwrap_err();
    assert!(err.is_deadline(), "{err}");
    assert!(err.to_string().contains("rate limit"), "{err}");
    assert!(started.elapsed() < Duration::from_millis(500));
}

#[tokio::test]
async fn vault_rate_limit_is_read_from_the_environment() {
    let server = MockServer::start_async().await;
    at("/v1/cubbyhole/x")
        .answers(&server, 200, json!({"data": {}}))
        .await;
    let addr = server.base_url();
    let from = |limit: &'static str| {
        let addr = addr.clone();
        hashivault::ClientBuilder::from_env_with(move |name: &str| match name {
            "VAULT_ADDR" => Some(addr.clone()),
            "VAULT_RATE_LIMIT" => Some(limit.to_string()),
            _ => None,
        })
    };
    let client = from("5:1").unwrap().build().unwrap();
    let started = Instant::now();
    for _ in 0..3 {
        read(&client).await.unwrap();
    }
    assert!(
        started.elapsed() >= Duration::from_millis(350),
        "{:?}",
        started.elapsed()
    );
    for bad in ["fast", "0", "5:0", "5:x"] {
        let err = from(bad).unwrap_err();
        assert!(err.to_string().contains("VAULT_RATE_LIMIT"), "{err}");
    }
}
