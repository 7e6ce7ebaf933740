//! An overloaded server and a request too large for it, on the wire (`src/transport/pipeline.rs`):
//! Vault's overload `503` is retried with backoff within the retry budget the client's clones
//! share, and fails fast once it is spent; a `431` names the largest header sent, never its
//! value.
// The API groups this file's calls use: empty without them (`scripts/feature-sets.sh`).
#![cfg(feature = "cubbyhole")]

mod common;
mod transport_support;

use std::time::Duration;

use hashivault::reqwest::Method;
use hashivault::{Client, DeadlineReason, ErrorKind, JsonMap, RetryBudget};
use httpmock::prelude::*;

use common::wire::{fast_retries, vault_headers, TOKEN};
use transport_support::{answer, serve};

/// What Vault's request limiter answers (`limits.ErrCapacity`).
const LIMITER: &str = r#"{"errors":["Vault server temporarily overloaded"]}"#;
/// What Vault's adaptive overload protection answers when a write could not be persisted.
const OVERLOADED: &str = r#"{"errors":["1 error occurred:\n\t* failed to persist accessor index entry: overloaded, try again later: internal error\n\n"]}"#;

fn client(url: &str, retries: usize, budget: RetryBudget) -> Client {
    Client::builder()
        .address(url)
        .token(TOKEN)
        .retry_policy(fast_retries(retries).with_overload_budget(budget))
        .build()
        .unwrap()
}

async fn read(client: &Client) -> Result<hashivault::Envelope<JsonMap>, hashivault::Error> {
    client
        .request::<JsonMap, ()>(Method::GET, "secret/data/app", None)
        .await
}

/// A mock answering every read of `secret/data/app` with `status` and `body`.
async fn answering<'a>(server: &'a MockServer, status: u16, body: &str) -> httpmock::Mock<'a> {
    let body = body.to_string();
    server
        .mock_async(move |when, then| {
            vault_headers(when.method(GET).path("/v1/secret/data/app"));
            then.status(status)
                .header("content-type", "application/json")
                .body(body);
        })
        .await
}

#[tokio::test]
async fn an_overloaded_answer_is_retried_then_succeeds() {
    let script = serve(vec![
        answer(503, &[], LIMITER),
        answer(503, &[], OVERLOADED),
        answer(200, &[], r#"{"data":{"v":"1"}}"#),
    ])
    .await;
    let client = client(&script.url(), 2, RetryBudget::default());
    let read = read(&client).await.unwrap();
    assert_eq!(read.data.unwrap()["v"], "1");
    let hits = script.hits();
    assert_eq!(hits.len(), 3, "one attempt and two retries");
    for hit in &hits {
        let head = hit.head.to_ascii_lowercase();
        assert!(
            head.starts_with("get /v1/secret/data/app http/1.1"),
            "{head}"
        );
        assert!(head.contains(&format!("x-vault-token: {TOKEN}")), "{head}");
        assert!(head.contains("x-vault-request: true"), "{head}");
    }
}

#[tokio::test]
async fn overload_past_the_budget_fails_fast_without_a_storm() {
    let server = MockServer::start_async().await;
    let overloaded = answering(&server, 503, LIMITER).await;
    // Three retries a call, two in the budget.
    let client = client(
        &server.base_url(),
        3,
        RetryBudget::new(2, Duration::from_secs(600)),
    );
    let err = read(&client).await.unwrap_err();
    assert_eq!(
        overloaded.calls_async().await,
        3,
        "one attempt, two retries"
    );
    assert!(err.is_overloaded(), "{err:?}");
    assert!(!err.is_sealed());
    let api = err.api().unwrap();
    assert_eq!((api.status, api.kind), (503, ErrorKind::Overloaded));
    assert!(api.retry_budget_spent);
    let shown = err.to_string();
    assert!(
        shown.contains("Vault answered 503 (Overloaded) to GET /v1/secret/data/app (request): Vault server temporarily overloaded"),
        "{shown}"
    );
    assert!(shown.contains("retry budget"), "{shown}");
    // Later calls: one request each, no retry.
    for calls in [4, 5, 6] {
        let err = read(&client).await.unwrap_err();
        assert!(err.api().unwrap().retry_budget_spent, "{err}");
        assert_eq!(overloaded.calls_async().await, calls);
    }
    // Other transient answers do not draw on it: a sealed node is still retried three times.
    let server = MockServer::start_async().await;
    let sealed = answering(&server, 503, r#"{"errors":["Vault is sealed"]}"#).await;
    let client = self::client(
        &server.base_url(),
        3,
        RetryBudget::new(0, Duration::from_secs(1)),
    );
    let err = read(&client).await.unwrap_err();
    assert!(err.is_sealed() && !err.api().unwrap().retry_budget_spent);
    assert_eq!(sealed.calls_async().await, 4);
}

#[tokio::test]
async fn clones_share_the_budget() {
    let server = MockServer::start_async().await;
    let overloaded = answering(&server, 503, OVERLOADED).await;
    let budget = RetryBudget::new(2, Duration::from_secs(600));
    let first = client(&server.base_url(), 2, budget);
    let clone = first.clone();
    let in_namespace = first.with_namespace("team").unwrap();
    assert!(read(&first).await.unwrap_err().is_overloaded());
    assert_eq!(
        overloaded.calls_async().await,
        3,
        "the budget's two retries"
    );
    for (n, client) in [(4, &clone), (5, &in_namespace)] {
        let err = read(client).await.unwrap_err();
        assert!(err.api().unwrap().retry_budget_spent, "{err}");
        assert_eq!(
            overloaded.calls_async().await,
            n,
            "spent by the first client"
        );
    }
    // A client built on its own has its own budget.
    let other = client(&server.base_url(), 2, budget);
    let err = read(&other).await.unwrap_err();
    assert!(!err.api().unwrap().retry_budget_spent, "{err}");
    assert_eq!(overloaded.calls_async().await, 8);
}

#[tokio::test]
async fn an_overloaded_answer_keeps_the_retry_after_and_deadline_rules() {
    let script = serve(vec![
        answer(503, &[("Retry-After", "1")], LIMITER),
        answer(200, &[], r#"{"data":{}}"#),
    ])
    .await;
    read(&client(&script.url(), 2, RetryBudget::default()))
        .await
        .unwrap();
    let gaps = script.gaps();
    assert!(gaps[0] >= Duration::from_millis(950), "{gaps:?}");

    let script = serve(vec![answer(503, &[("Retry-After", "30")], LIMITER)]).await;
    let client = Client::builder()
        .address(script.url())
        .token(TOKEN)
        .retry_policy(fast_retries(2))
        .deadline(Duration::from_secs(2))
        .build()
        .unwrap();
    let err = read(&client).await.unwrap_err();
    let hashivault::Error::Deadline(deadline) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        deadline.reason,
        DeadlineReason::RetryAfter(Duration::from_secs(30))
    );
    assert!(deadline.last.as_ref().unwrap().is_overloaded(), "{err}");
    assert_eq!(script.hits().len(), 1, "not retried past the deadline");
}

#[tokio::test]
async fn a_431_names_the_largest_header_never_its_value() {
    let server = MockServer::start_async().await;
    let token = format!("hvs.{}", "A".repeat(9000));
    let too_large = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/secret/data/app")
                .header("x-vault-token", token.as_str())
                .header("x-vault-request", "true");
            // Go's net/http, past its header limit.
            then.status(431)
                .header("content-type", "text/plain; charset=utf-8")
                .header("connection", "close")
                .body("431 Request Header Fields Too Large");
        })
        .await;
    let client = Client::builder()
        .address(server.base_url())
        .token(token.as_str())
        .retry_policy(fast_retries(2))
        .build()
        .unwrap();
    let err = read(&client).await.unwrap_err();
    assert_eq!(too_large.calls_async().await, 1, "not retried");
    let api = err.api().unwrap();
    assert_eq!((api.status, api.kind), (431, ErrorKind::HeadersTooLarge));
    let largest = api.largest_header.as_ref().unwrap();
    assert_eq!(
        (largest.name.as_str(), largest.bytes),
        ("x-vault-token", 9004)
    );
    let expected = "Vault answered 431 (HeadersTooLarge) to GET /v1/secret/data/app (request) (the request's header fields are too large for the server; the largest sent was x-vault-token (9004 bytes))";
    let shown = err.to_string();
    let debug = format!("{err:?}");
    let anyhow_shown = format!("{:#}", anyhow::Error::from(err));
    assert_eq!(shown, expected);
    assert_eq!(anyhow_shown, expected);
    for text in [&shown, &anyhow_shown, &debug] {
        assert!(!text.contains("AAAA"), "the token leaked: {text}");
    }
}
