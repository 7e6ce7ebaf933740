//! The `sys/` helpers on the wire (`src/sys.rs`): health states as answers, response wrapping and
//! unwrap.
// The API groups this file's calls use: empty without them (`scripts/feature-sets.sh`).
#![cfg(all(feature = "cubbyhole", feature = "sys"))]

mod common;

use httpmock::prelude::*;
use serde_json::json;

use common::wire::{call, client, recorded};

#[tokio::test]
async fn health_states_are_answers_not_errors() {
    for (status, sealed, standby) in [(429, false, true), (503, true, false), (501, false, false)] {
        let server = MockServer::start_async().await;
        let mut body = recorded("sys-health.json");
        body["sealed"] = json!(sealed);
        body["standby"] = json!(standby);
        body["initialized"] = json!(status != 501);
        call(GET, "/v1/sys/health")
            .answers(&server, status, body.clone())
            .await;
        let health = client(&server).sys_health().await.unwrap();
        assert_eq!(health.status, status);
        assert_eq!(health.sealed, sealed);
        assert_eq!(health.standby, standby);
        // The generated operation documents these statuses: the same typed answer.
        let answer = client(&server)
            .api()
            .read_health_status()
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), status);
        assert_eq!(answer.sealed, sealed);
        assert_eq!(answer.standby, standby);
    }
}

#[tokio::test]
async fn wrapping_header_and_unwrap() {
    let server = MockServer::start_async().await;
    let wrapped = call(GET, "/v1/cubbyhole/app")
        .header("x-vault-wrap-ttl", "5m")
        .answers(&server, 200, recorded("wrapped.json"))
        .await;
    let unwrap = call(POST, "/v1/sys/wrapping/unwrap")
        .token("s.C4BcjULMENEApJsurB6N9Q4O")
        .answers(
            &server,
            200,
            json!({"request_id": "2", "data": {"api_key": "abc"}}),
        )
        .await;
    let client = client(&server);
    let answer = client
        .with_wrap_ttl("5m")
        .unwrap()
        .api()
        .cubbyhole_read()
        .path("app")
        .send()
        .await
        .unwrap()
        .into_inner();
    wrapped.assert_async().await;
    let info = answer.wrap_info.expect("wrap_info");
    assert_eq!(info.ttl, 300);
    assert_eq!(info.creation_path, "cubbyhole/app");
    assert!(!format!("{info:?}").contains("s.C4BcjULMENEApJsurB6N9Q4O"));
    let inner: hashivault::Envelope = client.unwrap(&info.token).await.unwrap();
    unwrap.assert_async().await;
    assert_eq!(inner.data.unwrap()["api_key"], "abc");
}
