//! Errors from realistic answers (`src/error.rs`): kinds, predicates, bodies that are not JSON, and
//! a refused connection; never a secret in what an error shows.
// The API groups this file's calls use: empty without them (`scripts/feature-sets.sh`).
#![cfg(feature = "cubbyhole")]

mod common;

use hashivault::{Client, ErrorKind};
use httpmock::prelude::*;
use serde_json::{json, Value};

use common::wire::{at, call, client, closed_address, fast_retries, TOKEN};

#[tokio::test]
async fn error_kinds_from_realistic_bodies() {
    let cases: &[(u16, Value, ErrorKind)] = &[
        (
            400,
            json!({"errors": ["check-and-set parameter did not match the current version"]}),
            ErrorKind::InvalidRequest,
        ),
        (
            401,
            json!({"errors": ["missing client token"]}),
            ErrorKind::Unauthorized,
        ),
        (
            403,
            json!({"errors": ["1 error occurred:\n\t* permission denied\n\n"]}),
            ErrorKind::Forbidden,
        ),
        (404, json!({"errors": []}), ErrorKind::InvalidPath),
        (
            405,
            json!({"errors": ["1 error occurred:\n\t* unsupported operation\n\n"]}),
            ErrorKind::UnsupportedOperation,
        ),
        (
            412,
            json!({"errors": ["required index state not present"]}),
            ErrorKind::PreconditionFailed,
        ),
        (
            429,
            json!({"errors": ["request path \"secret/data/x\": rate limit quota exceeded"]}),
            ErrorKind::RateLimitExceeded,
        ),
        (
            500,
            json!({"errors": ["internal error"]}),
            ErrorKind::InternalServerError,
        ),
        (
            501,
            json!({"errors": ["Vault is not initialized"]}),
            ErrorKind::NotInitialized,
        ),
        (
            502,
            json!({"errors": ["bad gateway"]}),
            ErrorKind::BadGateway,
        ),
        (
            503,
            json!({"errors": ["Vault is sealed"]}),
            ErrorKind::Sealed,
        ),
        (
            418,
            json!({"error": "RustyVault shape"}),
            ErrorKind::Unexpected,
        ),
    ];
    for (status, body, kind) in cases {
        let server = MockServer::start_async().await;
        call(GET, "/v1/cubbyhole/x")
            .answers(&server, *status, body.clone())
            .await;
        let err = common::wire::read_cubbyhole(&client(&server), "x")
            .await
            .unwrap_err();
        assert_eq!(err.kind(), Some(*kind), "status {status}");
        assert_eq!(err.status(), Some(*status));
        let api = err.api().unwrap();
        assert_eq!(api.method, "GET");
        assert_eq!(api.path, "/v1/cubbyhole/x");
        let expected: Vec<String> = match (body.get("errors"), body.get("error")) {
            // Go's multierror wrapping is unwrapped to its bullet.
            (Some(Value::Array(items)), _) => items
                .iter()
                .map(|v| {
                    let text = v.as_str().unwrap().trim();
                    match text.split_once("\n\t* ") {
                        Some((_, bullet)) => bullet.to_string(),
                        None => text.to_string(),
                    }
                })
                .collect(),
            (_, Some(Value::String(s))) => vec![s.clone()],
            _ => vec![],
        };
        assert_eq!(api.errors, expected, "status {status}");
        let shown = err.to_string();
        assert!(
            shown.contains(&status.to_string()) && shown.contains("/v1/cubbyhole/x"),
            "{shown}"
        );
        assert!(!shown.contains(TOKEN));
    }
}

#[tokio::test]
async fn predicates_for_common_checks() {
    let server = MockServer::start_async().await;
    at("/v1/cubbyhole/missing")
        .answers(&server, 404, json!({"errors": []}))
        .await;
    at("/v1/cubbyhole/denied")
        .answers(&server, 403, json!({"errors": ["permission denied"]}))
        .await;
    let client = client(&server);
    let e = common::wire::read_cubbyhole(&client, "missing")
        .await
        .unwrap_err();
    assert!(e.is_not_found() && !e.is_permission_denied());
    assert!(e.messages().is_empty());
    let e = common::wire::read_cubbyhole(&client, "denied")
        .await
        .unwrap_err();
    assert!(e.is_permission_denied() && !e.is_not_found());
}

#[tokio::test]
async fn html_from_a_proxy_is_a_decode_error_saying_so() {
    let server = MockServer::start_async().await;
    at("/v1/cubbyhole/x")
        .reply_header("content-type", "text/html")
        .answers(
            &server,
            200,
            "<html><body>Proxy login required</body></html>",
        )
        .await;
    let err = common::wire::read_cubbyhole(&client(&server), "x")
        .await
        .unwrap_err();
    assert!(err.is_decode(), "{err:?}");
    let shown = err.to_string();
    // What the body looks like, never its bytes (a success body may hold secrets).
    assert!(
        shown.contains("cubbyhole_read") && shown.contains("HTML"),
        "{shown}"
    );
    assert!(!shown.contains("Proxy login"), "{shown}");
}

#[tokio::test]
async fn truncated_json_never_shows_the_secret() {
    let server = MockServer::start_async().await;
    at("/v1/cubbyhole/x")
        .answers(
            &server,
            200,
            r#"{"request_id":"1","data":{"password":"hunter2"#,
        )
        .await;
    let err = common::wire::read_cubbyhole(&client(&server), "x")
        .await
        .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(err.is_decode());
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("truncated JSON"), "{shown}");
}

#[tokio::test]
async fn connection_refused_names_the_address_and_a_hint() {
    let addr = closed_address();
    let client = Client::builder()
        .address(&addr)
        .token("hvs.secret-token")
        .retry_policy(fast_retries(0))
        .build()
        .unwrap();
    let err = client.sys_health().await.unwrap_err();
    assert!(err.is_transport());
    let shown = err.to_string();
    assert!(
        shown.contains(addr.trim_start_matches("http://")),
        "{shown}"
    );
    assert!(shown.contains("VAULT_ADDR"), "{shown}");
    assert!(!shown.contains("hvs.secret-token"));
}
