//! KV v1 on the wire (`src/kv/v1.rs`), with answers captured from a real OpenBao 2.7.2
//! (`tests/fixtures/kv/`).

mod common;

use httpmock::prelude::*;
use serde::Deserialize;
use serde_json::json;

use common::wire::{client, kv_fixture, vault_headers};

#[tokio::test]
async fn v1_read_write_list_delete() {
    let server = MockServer::start_async().await;
    let read = server
        .mock_async(|when, then| {
            vault_headers(when).method(GET).path("/v1/kv1/app/db");
            then.status(200).body(kv_fixture("v1_read"));
        })
        .await;
    let write = server
        .mock_async(|when, then| {
            vault_headers(when)
                .method(POST)
                .path("/v1/kv1/app/db")
                .json_body(json!({"user": "u", "ttl": "1h"}));
            then.status(204);
        })
        .await;
    let list = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/kv1/app/")
                .query_param("list", "true");
            then.status(200).body(kv_fixture("v1_list"));
        })
        .await;
    let list_missing = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/kv1/zz/")
                .query_param("list", "true");
            then.status(404).body(kv_fixture("not_found"));
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method(DELETE).path("/v1/kv1/app/db");
            then.status(204);
        })
        .await;
    let missing = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/kv1/zz");
            then.status(404).body(kv_fixture("not_found"));
        })
        .await;
    let c = client(&server);
    let kv = c.kv1("kv1");
    #[derive(Deserialize)]
    struct Db {
        user: String,
        ttl: String,
    }
    let db: Db = kv.read("app/db").await.unwrap();
    assert_eq!((db.user.as_str(), db.ttl.as_str()), ("u", "1h"));
    assert_eq!(kv.read_json("app/db").await.unwrap()["user"], "u");
    kv.write("app/db", &json!({"user": "u", "ttl": "1h"}))
        .await
        .unwrap();
    assert_eq!(kv.list("app").await.unwrap(), vec!["db"]);
    assert!(kv.list("zz/").await.unwrap().is_empty());
    kv.delete("/app/db").await.unwrap();
    assert!(kv.read_json("zz").await.unwrap_err().is_not_found());
    read.assert_calls_async(2).await;
    for mock in [&write, &list, &list_missing, &delete, &missing] {
        mock.assert_async().await;
    }
}
