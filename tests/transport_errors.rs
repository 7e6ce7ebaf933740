//! Errors that say what happened (issue 12.6, 14.5): on the wire, with realistic bodies.
// The API groups this file's calls use: empty without them (`scripts/feature-sets.sh`).
#![cfg(feature = "cubbyhole")]

mod common;
mod transport_support;

use common::wire::call;
use hashivault::reqwest::Method;
use hashivault::{Client, ErrorKind};
use httpmock::prelude::*;
use serde_json::json;
use transport_support::{answer, builder, get_json, read, serve, serve_raw};

fn client(url: &str) -> Client {
    builder(url, "hvs.errors-token", 0).build().unwrap()
}

/// A server answering any request to `path` with `status` and `body`.
async fn serving(path: &'static str, status: u16, body: serde_json::Value) -> MockServer {
    let server = MockServer::start_async().await;
    server
        .mock_async(move |when, then| {
            when.path(path);
            then.status(status).json_body(body);
        })
        .await;
    server
}

/// [`serving`] at `cubbyhole/x`, what [`read`] reads.
async fn serving_x(status: u16, body: serde_json::Value) -> MockServer {
    serving("/v1/cubbyhole/x", status, body).await
}

/// The errors of `cubbyhole/x` read at `url` twice: by the generated call and by `request`.
async fn both_reads_fail(url: &str) -> [hashivault::Error; 2] {
    let generated = read(&client(url)).await.unwrap_err();
    let generic = get_json(&client(url), "cubbyhole/x").await.unwrap_err();
    [generated, generic]
}

#[tokio::test]
async fn a_success_status_with_errors_shows_vaults_message() {
    let server = serving_x(
        200,
        json!({"errors": ["1 error occurred:\n\t* plugin failed to respond\n\n"]}),
    )
    .await;
    for err in both_reads_fail(&server.base_url()).await {
        assert_eq!(err.status(), Some(200), "{err}");
        assert_eq!(err.messages(), ["plugin failed to respond"]);
        assert!(
            err.to_string().contains("plugin failed to respond"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn a_wrapped_answer_to_a_plain_read_says_it_is_wrapped() {
    let server = serving_x(
        200,
        json!({
            "request_id": "", "lease_id": "", "renewable": false, "lease_duration": 0,
            "data": null, "wrap_info": {"token": "hvs.wrapping-secret", "accessor": "a",
            "ttl": 300, "creation_time": "2026-12-02T14:00:00Z", "creation_path": "cubbyhole/x"},
            "warnings": null, "auth": null
        }),
    )
    .await;
    let envelope = read(&client(&server.base_url())).await.unwrap();
    let err = envelope.into_data().unwrap_err();
    assert!(err.to_string().contains("response-wrapped"), "{err}");
    assert!(!format!("{err} {err:?}").contains("hvs.wrapping-secret"));
}

#[tokio::test]
async fn a_body_cut_off_after_200_is_not_a_failure_before_the_answer() {
    let script = serve_raw(
        b"HTTP/1.1 200 OK\r\nContent-Length: 200\r\nConnection: close\r\n\r\n{\"data\":{\"k\":",
    )
    .await;
    for err in both_reads_fail(&script.url()).await {
        let shown = assert_cut_off(&err);
        assert!(!shown.contains("before Vault answered"), "{shown}");
    }
}

/// A body cut off after its head: a transport failure that says so, never decoded short.
fn assert_cut_off(err: &hashivault::Error) -> String {
    let shown = err.to_string();
    assert!(err.is_transport(), "{shown}");
    assert!(
        shown.contains("cut off") && shown.contains("incomplete answer"),
        "{shown}"
    );
    assert!(!err.is_decode(), "{shown}");
    shown
}

/// A large answer of declared length cut off after many reads (its chunks kept until the last,
/// then put together): a transport failure on both paths, never a shorter body decoded.
#[tokio::test]
async fn a_large_body_cut_off_after_many_chunks_is_a_failure_on_both_paths() {
    let sent = format!(r#"{{"data":{{"blob":"{}"#, "x".repeat(2 * 1024 * 1024));
    let mut raw = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        3 * 1024 * 1024
    )
    .into_bytes();
    raw.extend_from_slice(sent.as_bytes());
    let script = serve_raw(raw).await;
    for err in both_reads_fail(&script.url()).await {
        assert_cut_off(&err);
        // As an application prints it: the operation and the cut, with reqwest's cause after.
        let printed = format!("{:#}", anyhow::Error::from(err));
        eprintln!("{printed}");
        assert!(printed.contains("cut off"), "{printed}");
        // The address the answer came from, though hyper's body error does not carry it.
        assert!(printed.contains("/v1/cubbyhole/x"), "{printed}");
        assert!(!printed.contains("unknown address"), "{printed}");
    }
    // A read with a query: the address printed is the path's, the query left out.
    #[cfg(feature = "kv")]
    {
        let err = client(&script.url())
            .api()
            .kv_v2_read()
            .kv_v2_mount_path("secret")
            .path("x")
            .version(3)
            .send()
            .await
            .unwrap_err();
        assert_cut_off(&err);
        let printed = format!("{:#}", anyhow::Error::from(err));
        assert!(printed.contains("/v1/secret/data/x"), "{printed}");
        assert!(!printed.contains("version=3"), "{printed}");
    }
}

#[tokio::test]
async fn an_empty_200_decodes_the_same_with_or_without_content_length() {
    let with_length = serve(vec![answer(200, &[], "")]).await;
    let chunked = serve_raw(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n",
    )
    .await;
    let closed = serve_raw(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n").await;
    for script in [&with_length, &chunked, &closed] {
        let env = read(&client(&script.url())).await.unwrap();
        assert!(env.data.is_none());
        let env: hashivault::Envelope = client(&script.url())
            .request(Method::GET, "cubbyhole/x", None::<&()>)
            .await
            .unwrap();
        assert!(env.data.is_none());
    }
}

#[tokio::test]
async fn a_success_body_is_never_shown_even_after_a_byte_order_mark() {
    let body = "\u{feff}{\"data\":{\"password\":\"hunter2\"}}";
    let script = serve(vec![answer(
        200,
        &[("Content-Type", "application/json")],
        body,
    )])
    .await;
    for err in both_reads_fail(&script.url()).await {
        let shown = format!("{err} {err:?}");
        assert!(err.is_decode(), "{shown}");
        assert!(shown.contains("byte-order mark"), "{shown}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("password"),
            "{shown}"
        );
    }
}

#[tokio::test]
async fn generated_call_errors_keep_the_operation_and_url() {
    let server = serving_x(404, json!({"errors": []})).await;
    let err = read(&client(&server.base_url())).await.unwrap_err();
    assert_eq!(err.operation(), Some("cubbyhole_read"));
    let api = err.api().unwrap();
    assert_eq!(api.url, format!("{}/v1/cubbyhole/x", server.base_url()));
    assert!(err.to_string().contains("cubbyhole_read"), "{err}");

    // No answer at all: the operation and the address.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let err = read(&client(&addr)).await.unwrap_err();
    assert!(err.is_transport(), "{err}");
    assert_eq!(err.operation(), Some("cubbyhole_read"));
    assert!(err.to_string().contains(&addr), "{err}");

    // A decode error: the operation and the URL.
    let server = serving_x(200, json!({"data": "not a map"})).await;
    let err = read(&client(&server.base_url())).await.unwrap_err();
    let hashivault::Error::Decode(d) = &err else {
        panic!("{err}");
    };
    assert_eq!(d.operation.as_deref(), Some("cubbyhole_read"));
    assert_eq!(
        d.url.as_deref(),
        Some(format!("{}/v1/cubbyhole/x", server.base_url()).as_str())
    );
}

#[tokio::test]
async fn a_decode_error_names_the_field_and_type_without_the_value() {
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Counter {
        count: u64,
    }
    let server = serving(
        "/v1/custom/counter",
        200,
        json!({"data": {"count": "hunter2"}}),
    )
    .await;
    let err = client(&server.base_url())
        .request::<Counter, ()>(Method::GET, "custom/counter", None)
        .await
        .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("`data.count`"), "{shown}");
    assert!(
        shown.contains("invalid type: string, expected u64"),
        "{shown}"
    );
    assert!(!shown.contains("hunter2"), "{shown}");
}

#[tokio::test]
async fn a_403_without_a_token_says_no_token_was_set() {
    let server = serving_x(403, json!({"errors": ["permission denied"]})).await;
    let anonymous = Client::builder().address(server.base_url());
    let err = read(&anonymous.build().unwrap()).await.unwrap_err();
    assert!(err.is_permission_denied());
    assert!(err.to_string().contains("no token was set"), "{err}");
    let err = read(&client(&server.base_url())).await.unwrap_err();
    assert!(!err.to_string().contains("no token was set"), "{err}");
}

#[tokio::test]
async fn a_mount_already_in_use_has_its_own_kind() {
    let server = MockServer::start_async().await;
    call(POST, "/v1/sys/mounts/kv")
        .answers(
            &server,
            400,
            json!({"errors": ["path is already in use at kv/"]}),
        )
        .await;
    let err = client(&server.base_url())
        .request::<hashivault::JsonMap, _>(
            Method::POST,
            "sys/mounts/kv",
            Some(&json!({"type": "kv"})),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), Some(ErrorKind::AlreadyInUse), "{err}");
    assert!(err.is_already_in_use() && !err.is_invalid_request());
}

/// `Context::prepare` looks the token header up once (issue #24 item 2, 2026-12-07): a client
/// with a token sends it, once, with `X-Vault-Request`; one without sends none, and its `403`
/// says that the request carried no token.
#[tokio::test]
async fn the_token_is_sent_when_set_and_a_tokenless_403_says_so() {
    let server = MockServer::start_async().await;
    let with = call(GET, "/v1/cubbyhole/x")
        .token("hvs.errors-token")
        .header("x-vault-request", "true")
        .answers(
            &server,
            200,
            json!({"request_id": "1", "lease_id": "", "renewable": false,
                   "lease_duration": 0, "data": {"k": "v"}, "wrap_info": null,
                   "warnings": null, "auth": null, "mount_type": "cubbyhole"}),
        )
        .await;
    let read_back = read(&client(&server.base_url())).await.unwrap();
    with.assert_async().await;
    assert_eq!(read_back.data.unwrap()["k"], "v");

    let without = call(GET, "/v1/cubbyhole/y")
        .header_missing("x-vault-token")
        .header("x-vault-request", "true")
        .answers(&server, 403, json!({"errors": ["permission denied"]}))
        .await;
    let tokenless = Client::builder()
        .address(server.base_url())
        .build()
        .unwrap();
    let err = transport_support::read_at(&tokenless, "y")
        .await
        .unwrap_err();
    without.assert_async().await;
    let api = err.api().expect("Vault's answer");
    assert_eq!(api.status, 403, "{err}");
    assert!(api.without_token, "{err:?}");
}
