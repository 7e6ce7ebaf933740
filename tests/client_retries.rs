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

/// How the HTTP/2 server of [`h2_server`] turns away the first request it gets.
#[derive(Clone, Copy)]
enum TurnAway {
    /// Resets its stream with this reason.
    Reset(h2::Reason),
    /// Resets every stream, of every request, with `REFUSED_STREAM`.
    RefuseAll,
    /// A graceful `GOAWAY` (`NO_ERROR`) whose last stream is 0: the request was not processed.
    GoAway,
}

/// A request as an HTTP/2 server saw it: method, path and body.
type Seen = (String, String, Vec<u8>);

/// An HTTP/2 server on loopback (cleartext, prior knowledge: reqwest speaks HTTP/2 to Vault
/// over TLS, by ALPN; without TLS only so) that turns away the first request as `first` says
/// and answers every other `204`; the requests it got, in order.
async fn h2_server(first: TurnAway) -> (String, std::sync::Arc<std::sync::Mutex<Vec<Seen>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        let mut turn_away = Some(first);
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            let (reset, every) = match turn_away.take() {
                Some(TurnAway::GoAway) => {
                    let log = log.clone();
                    tokio::spawn(async move { go_away_unprocessed(socket, &log).await });
                    continue;
                }
                Some(TurnAway::Reset(reason)) => (Some(reason), false),
                Some(TurnAway::RefuseAll) => {
                    turn_away = Some(TurnAway::RefuseAll);
                    (Some(h2::Reason::REFUSED_STREAM), true)
                }
                None => (None, false),
            };
            let log = log.clone();
            tokio::spawn(async move { h2_answer(socket, reset, every, &log).await });
        }
    });
    (address, seen)
}

/// Serves one connection with the h2 crate: resets the first stream with `reset` if set (every
/// stream if `every`), and answers `204` to the others.
async fn h2_answer(
    socket: tokio::net::TcpStream,
    mut reset: Option<h2::Reason>,
    every: bool,
    log: &std::sync::Mutex<Vec<Seen>>,
) {
    let mut connection = h2::server::handshake(socket).await.unwrap();
    while let Some(Ok((request, mut respond))) = connection.accept().await {
        let (parts, mut body) = request.into_parts();
        let mut bytes = Vec::new();
        while let Some(Ok(chunk)) = body.data().await {
            let _ = body.flow_control().release_capacity(chunk.len());
            bytes.extend_from_slice(&chunk);
        }
        let path = parts.uri.path().to_string();
        log.lock()
            .unwrap()
            .push((parts.method.to_string(), path, bytes));
        match if every { reset } else { reset.take() } {
            Some(reason) => respond.send_reset(reason),
            None => {
                let answer = http::Response::builder().status(204).body(()).unwrap();
                respond.send_response(answer, true).unwrap();
            }
        }
    }
}

/// Serves one connection frame by frame (the h2 crate's server cannot send a `GOAWAY` that
/// leaves out a stream it read): at the request's `HEADERS`, a `GOAWAY` with last stream 0 and
/// `NO_ERROR`, as a server shutting down before it took the request. Logged as `GOAWAY`.
async fn go_away_unprocessed(mut socket: tokio::net::TcpStream, log: &std::sync::Mutex<Vec<Seen>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // A frame: 24-bit length, type, flags, stream 0 (RFC 9113 §4.1).
    fn frame(kind: u8, flags: u8, payload: &[u8]) -> Vec<u8> {
        let len = (payload.len() as u32).to_be_bytes();
        let mut out = vec![len[1], len[2], len[3], kind, flags, 0, 0, 0, 0];
        out.extend_from_slice(payload);
        out
    }
    const SETTINGS: u8 = 0x4;
    const HEADERS: u8 = 0x1;
    const GOAWAY: u8 = 0x7;
    let mut preface = [0u8; 24];
    socket.read_exact(&mut preface).await.unwrap();
    assert_eq!(&preface, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    socket.write_all(&frame(SETTINGS, 0, &[])).await.unwrap();
    loop {
        let mut head = [0u8; 9];
        socket.read_exact(&mut head).await.unwrap();
        let len = u32::from_be_bytes([0, head[0], head[1], head[2]]) as usize;
        let mut payload = vec![0u8; len];
        socket.read_exact(&mut payload).await.unwrap();
        match head[3] {
            // The client's settings, acknowledged.
            SETTINGS if head[4] & 1 == 0 => {
                socket.write_all(&frame(SETTINGS, 1, &[])).await.unwrap()
            }
            HEADERS => break,
            _ => {}
        }
    }
    log.lock()
        .unwrap()
        .push(("GOAWAY".into(), String::new(), Vec::new()));
    // Last stream 0, NO_ERROR: no request on this connection was processed.
    socket.write_all(&frame(GOAWAY, 0, &[0; 8])).await.unwrap();
    // Until the client closes the connection.
    let _ =
        tokio::time::timeout(Duration::from_secs(10), socket.read_to_end(&mut Vec::new())).await;
}

/// A client of the HTTP/2 server at `address`, through a reqwest client set as hashivault's own
/// (redirects and reqwest's retry off), that does not retry a POST and waits a minute before any
/// retry it makes.
fn h2_client(address: &str) -> Client {
    hashivault::install_crypto_provider();
    let http = reqwest::Client::builder()
        .http2_prior_knowledge()
        .redirect(reqwest::redirect::Policy::none())
        .retry(reqwest::retry::never().max_retries_per_request(0))
        .build()
        .unwrap();
    let slow = RetryPolicy::default()
        .with_max_retries(2)
        .with_min_delay(Duration::from_secs(60))
        .with_max_delay(Duration::from_secs(60));
    Client::builder()
        .address(address)
        .token(TOKEN)
        .http_client(http)
        .retry_policy(slow)
        .build()
        .unwrap()
}

/// The write `h2_client`'s calls make: a POST, which hashivault does not retry by default.
fn posted(seen: usize) -> Vec<Seen> {
    let one = (
        "POST".to_string(),
        "/v1/cubbyhole/app".to_string(),
        br#"{"k":"v"}"#.to_vec(),
    );
    vec![one; seen]
}

/// The write of [`posted`] by an [`h2_client`] of `address`, which must end in 20 s: well within
/// the minute any backoff wait of that client takes.
async fn write_within_backoff(address: &str) -> Result<(), hashivault::Error> {
    let client = h2_client(address);
    let written = write(&client, "app", json!({"k": "v"}));
    tokio::time::timeout(Duration::from_secs(20), written)
        .await
        .expect("no backoff wait")
}

#[tokio::test]
async fn a_request_an_http2_server_refused_unprocessed_is_sent_again_at_once() {
    // `REFUSED_STREAM` (RFC 9113 §8.7) and a graceful `GOAWAY`: the server did not process
    // the request, so even a POST is sent again, and at once (a backoff would wait a minute).
    for first in [
        TurnAway::Reset(h2::Reason::REFUSED_STREAM),
        TurnAway::GoAway,
    ] {
        let (address, seen) = h2_server(first).await;
        write_within_backoff(&address).await.unwrap();
        let mut expected = posted(2);
        if let TurnAway::GoAway = first {
            expected[0] = ("GOAWAY".into(), String::new(), Vec::new());
        }
        assert_eq!(*seen.lock().unwrap(), expected, "the same request, twice");
    }
}

#[tokio::test]
async fn a_server_refusing_every_stream_gets_the_retries_allowed_and_no_more() {
    // Sent again at once, but each time counted: one attempt and two retries, then the error.
    let (address, seen) = h2_server(TurnAway::RefuseAll).await;
    let err = write_within_backoff(&address).await.unwrap_err();
    assert!(err.is_transport(), "{err}");
    assert_eq!(
        *seen.lock().unwrap(),
        posted(3),
        "one attempt and two retries"
    );
}

#[tokio::test]
async fn a_stream_an_http2_server_reset_otherwise_is_not_sent_again() {
    // Reset with another reason, the server may have acted on the POST: not sent again.
    for reason in [h2::Reason::INTERNAL_ERROR, h2::Reason::CANCEL] {
        let (address, seen) = h2_server(TurnAway::Reset(reason)).await;
        let client = h2_client(&address);
        let err = write(&client, "app", json!({"k": "v"})).await.unwrap_err();
        assert!(err.is_transport(), "{err}");
        assert_eq!(*seen.lock().unwrap(), posted(1), "sent once");
    }
}
