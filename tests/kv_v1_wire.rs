//! KV v1 on the wire (`src/kv/v1.rs`), with answers captured from a real OpenBao 2.7.2
//! (`tests/fixtures/kv/`).

mod common;

use httpmock::prelude::*;
use serde::Deserialize;
use serde_json::{json, Value};

use common::wire::{call, client, kv_fixture, list_call};

#[tokio::test]
async fn v1_read_write_list_delete() {
    let server = MockServer::start_async().await;
    let read = call(GET, "/v1/kv1/app/db")
        .vault_headers()
        .answers(&server, 200, kv_fixture("v1_read"))
        .await;
    let write = call(POST, "/v1/kv1/app/db")
        .vault_headers()
        .body(json!({"user": "u", "ttl": "1h"}))
        .answers(&server, 204, Value::Null)
        .await;
    let list = list_call("/v1/kv1/app/")
        .answers(&server, 200, kv_fixture("v1_list"))
        .await;
    let list_missing = list_call("/v1/kv1/zz/")
        .answers(&server, 404, kv_fixture("not_found"))
        .await;
    let delete = call(DELETE, "/v1/kv1/app/db")
        .answers(&server, 204, Value::Null)
        .await;
    let missing = call(GET, "/v1/kv1/zz")
        .answers(&server, 404, kv_fixture("not_found"))
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
