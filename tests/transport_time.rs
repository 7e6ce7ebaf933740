//! Time on the wire: the per-attempt timeout, the whole-call deadline, and which one fired.
//! Bounds are generous (the machine is shared): each test checks an order of magnitude, not
//! milliseconds.
// The API groups this file's calls use: empty without them (`scripts/feature-sets.sh`).
#![cfg(feature = "cubbyhole")]

mod transport_support;

use std::time::{Duration, Instant};

use hashivault::{Client, ClientBuilder, DeadlineReason};
use httpmock::prelude::*;
use serde_json::json;
use transport_support::{read_at, retries, serve, Reply};

async fn slow_server(delay: Duration) -> MockServer {
    let server = MockServer::start_async().await;
    server
        .mock_async(move |when, then| {
            when.method(GET).path("/v1/cubbyhole/slow");
            then.status(200)
                .json_body(json!({"data": {"k": "v"}}))
                .delay(delay);
        })
        .await;
    server
}

async fn read(client: &Client) -> Result<hashivault::Envelope, hashivault::Error> {
    read_at(client, "slow").await
}

/// A client of `url` with token `t`, set up by `setup`.
fn client_of(url: String, setup: impl FnOnce(ClientBuilder) -> ClientBuilder) -> Client {
    setup(Client::builder().address(url).token("t"))
        .build()
        .unwrap()
}

/// The error of a [`read`] that fails, and the time it took.
async fn failed_read(client: &Client) -> (hashivault::Error, Duration) {
    let started = Instant::now();
    let err = read(client).await.unwrap_err();
    (err, started.elapsed())
}

#[tokio::test]
async fn the_timeout_is_per_attempt_and_says_so() {
    let server = slow_server(Duration::from_secs(3)).await;
    let client = client_of(server.base_url(), |b| {
        b.timeout(Duration::from_millis(200))
            .retry_policy(retries(2))
    });
    let (err, elapsed) = failed_read(&client).await;
    assert!(err.is_timeout() && !err.is_deadline(), "{err}");
    assert!(err.to_string().contains("VAULT_CLIENT_TIMEOUT"), "{err}");
    // Three attempts of 200 ms each: at least 600 ms in all, each attempt cut at its timeout.
    assert!(elapsed >= Duration::from_millis(600), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(2900), "{elapsed:?}");
    eprintln!(
        "figures: timeout 200 ms per attempt, 3 attempts: {} ms in all",
        elapsed.as_millis()
    );
}

#[tokio::test]
async fn the_deadline_bounds_the_whole_call_and_says_so() {
    let server = slow_server(Duration::from_secs(3)).await;
    let client = client_of(server.base_url(), |b| {
        b.timeout(Duration::from_millis(200))
            .deadline(Duration::from_millis(500))
            .retry_policy(retries(10))
    });
    let (err, elapsed) = failed_read(&client).await;
    assert!(err.is_deadline() && err.is_timeout(), "{err}");
    let hashivault::Error::Deadline(deadline) = &err else {
        unreachable!()
    };
    assert_eq!(deadline.reason, DeadlineReason::Passed);
    assert!(
        deadline.attempts >= 2,
        "attempts of 200 ms, then the rest: {err}"
    );
    let shown = err.to_string();
    assert!(shown.contains("deadline of 0.500s"), "{shown}");
    assert!(shown.contains("cubbyhole_read"), "{shown}");
    assert!(elapsed >= Duration::from_millis(480), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(2500), "{elapsed:?}");
    let overrun = elapsed.saturating_sub(Duration::from_millis(500));
    eprintln!(
        "figures: deadline 500 ms (timeout 200 ms, up to 10 retries): failed after {} ms, {} attempts, overrun {} ms",
        elapsed.as_millis(),
        deadline.attempts,
        overrun.as_millis()
    );
}

#[tokio::test]
async fn a_deadline_shorter_than_the_timeout_cuts_the_attempt() {
    let server = slow_server(Duration::from_secs(5)).await;
    let client = client_of(server.base_url(), |b| {
        b.timeout(Duration::from_secs(30))
            .deadline(Duration::from_millis(300))
    });
    let (err, elapsed) = failed_read(&client).await;
    assert!(err.is_deadline(), "{err}");
    assert!(elapsed < Duration::from_millis(2500), "{elapsed:?}");
    eprintln!(
        "figures: deadline 300 ms under a 30 s timeout: failed after {} ms (overrun {} ms)",
        elapsed.as_millis(),
        elapsed
            .saturating_sub(Duration::from_millis(300))
            .as_millis()
    );
}

#[tokio::test]
async fn a_call_within_its_deadline_succeeds() {
    let server = slow_server(Duration::from_millis(50)).await;
    let client = client_of(server.base_url(), |b| b.deadline(Duration::from_secs(20)));
    assert_eq!(read(&client).await.unwrap().data.unwrap()["k"], "v");
}

#[tokio::test]
async fn a_stall_mid_answer_is_cut_by_the_timeout() {
    // Headers and part of the body, then nothing: the timeout covers reading the body.
    let head =
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{\"data\":".to_vec();
    let script = serve(vec![Reply::Stall(head, Duration::from_secs(10))]).await;
    for deadline in [false, true] {
        let client = client_of(script.url(), |b| {
            let b = b.retry_policy(retries(0));
            if deadline {
                b.deadline(Duration::from_millis(300))
            } else {
                b.timeout(Duration::from_millis(300))
            }
        });
        let (err, elapsed) = failed_read(&client).await;
        assert!(err.is_timeout(), "{err}");
        assert_eq!(err.is_deadline(), deadline, "says which fired: {err}");
        assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
        eprintln!(
            "figures: stall mid-answer, {} 300 ms: failed after {} ms",
            if deadline { "deadline" } else { "timeout" },
            elapsed.as_millis()
        );
    }
}

#[tokio::test]
async fn vault_client_timeout_sets_the_per_attempt_timeout() {
    let server = slow_server(Duration::from_secs(3)).await;
    let addr = server.base_url();
    let client = hashivault::ClientBuilder::from_env_with(move |name: &str| match name {
        "VAULT_ADDR" => Some(addr.clone()),
        "VAULT_CLIENT_TIMEOUT" => Some("1s".into()),
        "VAULT_MAX_RETRIES" => Some("0".into()),
        _ => None,
    })
    .unwrap()
    .build()
    .unwrap();
    let (err, elapsed) = failed_read(&client).await;
    assert!(err.is_timeout() && !err.is_deadline(), "{err}");
    assert!(elapsed >= Duration::from_millis(900), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(2900), "{elapsed:?}");
}
