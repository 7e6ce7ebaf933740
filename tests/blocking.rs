//! `hashivault::blocking`: the async surface driven by `.wait()` from plain threads, and a clear
//! error (no panic, no request) inside an async context. Answers are OpenBao 2.7.2's
//! (`tests/fixtures/`, recorded for the KV and sys tests).
#![cfg(feature = "blocking")]

use httpmock::prelude::*;
use httpmock::Mock;
use serde_json::Value;

use hashivault::blocking::Wait;
use hashivault::Client;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .address(server.base_url())
        .token("t")
        .max_retries(0)
        .build()
        .unwrap()
}

/// A mock of `GET path` (with the token `t` of [`client`] when `token`) answering `status`
/// with the JSON text `body`.
fn answers<'a>(
    server: &'a MockServer,
    path: &str,
    token: bool,
    status: u16,
    body: impl Into<String>,
) -> Mock<'a> {
    server.mock(|when, then| {
        let when = when.method(GET).path(path);
        if token {
            when.header("x-vault-token", "t");
        }
        then.status(status)
            .header("content-type", "application/json")
            .body(body.into());
    })
}

/// The KV v2 secret at `secret/<path>`, read with `.wait()`.
fn read_secret(
    client: &Client,
    path: &str,
) -> Result<hashivault::kv::Secret<Value>, hashivault::Error> {
    client.kv2("secret").read::<Value>(path).wait()
}

#[cfg(feature = "cubbyhole")]
#[test]
fn handwritten_helpers_and_generated_operations_block_from_a_plain_thread() {
    let server = MockServer::start();
    let read = answers(
        &server,
        "/v1/secret/data/app/db",
        true,
        200,
        fixture("kv/v2_read"),
    );
    let health = answers(&server, "/v1/sys/health", false, 200, fixture("sys-health"));
    let cubbyhole = answers(
        &server,
        "/v1/cubbyhole/app/config",
        true,
        200,
        r#"{"request_id":"1","lease_id":"","renewable":false,"lease_duration":0,"data":{"k":"v"},"wrap_info":null,"warnings":null,"auth":null}"#,
    );
    let client = client(&server);

    let secret = read_secret(&client, "app/db").expect("KV read");
    assert_eq!(secret.metadata.version, 2);
    assert_eq!(secret.data["user"], "admin");
    assert!(!client.sys_health().wait().expect("health").sealed);
    let answer = client
        .api()
        .cubbyhole_read()
        .path("app/config")
        .send()
        .wait()
        .expect("generated cubbyhole read")
        .into_inner();
    assert_eq!(answer.data.unwrap()["k"], "v");
    read.assert_calls(1);
    health.assert_calls(1);
    cubbyhole.assert_calls(1);
}

#[test]
fn errors_come_back_as_hashivault_errors() {
    let server = MockServer::start();
    answers(
        &server,
        "/v1/secret/data/missing",
        false,
        404,
        fixture("kv/not_found"),
    );
    let err = read_secret(&client(&server), "missing").expect_err("404");
    assert!(err.is_not_found(), "{err}");
}

#[test]
fn many_threads_wait_at_once_on_one_client() {
    let server = MockServer::start();
    let health = answers(&server, "/v1/sys/health", false, 200, fixture("sys-health"));
    let client = client(&server);
    std::thread::scope(|scope| {
        for _ in 0..8 {
            let client = client.clone();
            scope.spawn(move || {
                for _ in 0..5 {
                    client.sys_health().wait().expect("health");
                }
            });
        }
    });
    health.assert_calls(40);
}

#[test]
fn spawn_runs_background_work_on_the_internal_runtime() {
    // `tokio::spawn` outside a runtime would panic; through `spawn` it runs on the internal
    // runtime's worker, also while no thread is waiting.
    let (tx, rx) = std::sync::mpsc::channel();
    hashivault::blocking::spawn(|| {
        tokio::spawn(async move {
            tokio::task::yield_now().await;
            tx.send(42).unwrap();
        })
    })
    .unwrap();
    assert_eq!(
        rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap(),
        42
    );
}

#[tokio::test]
async fn inside_an_async_context_wait_is_an_error_not_a_panic() {
    let server = MockServer::start_async().await;
    let any = server.mock(|when, then| {
        when.any_request();
        then.status(200).body("{}");
    });
    let client = client(&server);
    let err = read_secret(&client, "app/db").expect_err("wait inside a runtime");
    assert!(err.is_invalid_input(), "{err}");
    assert!(err.to_string().contains("use `.await`"), "{err}");
    let err = hashivault::blocking::spawn(|| ()).expect_err("spawn inside a runtime");
    assert!(err.is_invalid_input(), "{err}");
    any.assert_calls(0);
}
