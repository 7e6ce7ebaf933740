//! The one path check at every entry point, on the wire: each case of `tests/fixtures/path_cases.json`
//! through generated path parameters, KV paths and mounts, auth mounts, namespaces,
//! `Client::request` and `auth().login`. An accepted path reaches exactly the expected URL path
//! (so `userpass/login/%2e%2e/%2e%2e/sys/seal` never reaches `/v1/sys/seal`, and a `?` never
//! starts a query); a refused one is an `is_invalid_input()` error naming the reason, and no
//! request at all reaches the server.
// The API groups this file's calls use: empty without them (`scripts/feature-sets.sh`).
#![cfg(feature = "kv")]

mod common;

use common::wire::{any_request, call, client, read_kv2};
use hashivault::reqwest::Method;
use hashivault::{Client, Error, JsonMap};
use httpmock::prelude::*;
use serde::Deserialize;
use serde_json::{json, Value};

/// What an entry point does with an input (the table's outcome).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Expect {
    /// Sent, written like this.
    Sent(String),
    /// Refused before any request; the error says this.
    Refused(String),
}

/// One input of the table and what each form makes of it.
#[derive(Debug, Deserialize)]
struct Case {
    input: String,
    value: Expect,
    as_sent: Expect,
}

#[derive(Deserialize)]
struct Table {
    sections: Vec<Section>,
}

#[derive(Deserialize)]
struct Section {
    cases: Vec<Case>,
}

/// The table shared with `src/path.rs`'s unit tests, in order.
fn cases() -> Vec<Case> {
    let table: Table = serde_json::from_str(include_str!("fixtures/path_cases.json")).unwrap();
    table.sections.into_iter().flat_map(|s| s.cases).collect()
}

#[derive(Clone, Copy, Debug)]
enum Entry {
    GeneratedPath,
    GeneratedMount,
    Kv2Path,
    Kv2Mount,
    Kv1Path,
    AuthMount,
    Namespace,
    Request,
    Login,
}

const ENTRIES: [Entry; 9] = [
    Entry::GeneratedPath,
    Entry::GeneratedMount,
    Entry::Kv2Path,
    Entry::Kv2Mount,
    Entry::Kv1Path,
    Entry::AuthMount,
    Entry::Namespace,
    Entry::Request,
    Entry::Login,
];

impl Entry {
    /// What the case should do at this entry point.
    fn expect(self, case: &Case) -> &Expect {
        match self {
            Entry::Request | Entry::Login => &case.as_sent,
            _ => &case.value,
        }
    }

    /// The URL path a request for `written` goes to.
    fn url_path(self, written: &str) -> String {
        match self {
            Entry::GeneratedPath | Entry::Kv2Path => format!("/v1/secret/data/{written}"),
            Entry::GeneratedMount | Entry::Kv2Mount => format!("/v1/{written}/data/p"),
            Entry::Kv1Path => format!("/v1/kv/{written}"),
            Entry::AuthMount => format!("/v1/auth/{written}/login/alice"),
            Entry::Namespace => "/v1/sys/seal-status".to_string(),
            Entry::Request => format!("/v1/{written}"),
            // `login` trims its path's slashes itself (a login path is never a folder).
            Entry::Login => format!("/v1/auth/{}", written.trim_end_matches('/')),
        }
    }

    async fn call(self, client: &Client, input: &str) -> Result<(), Error> {
        match self {
            Entry::GeneratedPath => generated(client, "secret", input).await,
            Entry::GeneratedMount => generated(client, input, "p").await,
            Entry::Kv2Path => client.kv2("secret").read_json(input).await.map(drop),
            Entry::Kv2Mount => client.kv2(input).read_json("p").await.map(drop),
            Entry::Kv1Path => client.kv1("kv").read_json(input).await.map(drop),
            Entry::AuthMount => client.auth().userpass(input, "alice", "pw").await.map(drop),
            Entry::Namespace => {
                let client = client.with_namespace(input)?;
                client.sys_seal_status().await.map(drop)
            }
            Entry::Request => client
                .request::<JsonMap, ()>(Method::GET, input, None)
                .await
                .map(drop),
            Entry::Login => client.auth().login(input, &json!({})).await.map(drop),
        }
    }
}

async fn generated(client: &Client, mount: &str, path: &str) -> Result<(), Error> {
    read_kv2(client, mount, path).await.map(drop)
}

/// An answer every entry point decodes: a KV v2 read, a map, a login.
fn reply() -> serde_json::Value {
    json!({
        "request_id": "r", "lease_id": "", "renewable": false, "lease_duration": 0,
        "data": {"data": {}, "metadata": {"version": 1, "created_time": "2026-01-01T00:00:00Z",
            "deletion_time": "", "destroyed": false, "custom_metadata": null},
            "type": "shamir", "initialized": true, "sealed": false, "t": 1, "n": 1},
        "auth": {"client_token": "hvs.x", "accessor": "a", "policies": [], "token_policies": [],
            "metadata": null, "lease_duration": 0, "renewable": false, "entity_id": "",
            "token_type": "service", "orphan": true},
        "wrap_info": null, "warnings": null, "mount_type": ""
    })
}

#[tokio::test]
async fn every_entry_point_follows_the_one_table() {
    let server = MockServer::start_async().await;
    let client = client(&server);
    let cases = cases();
    let mut checked = 0;
    for entry in ENTRIES {
        // Accepted inputs reach exactly their URL (and a namespace its header).
        for case in &cases {
            let Expect::Sent(written) = entry.expect(case) else {
                continue;
            };
            let ns = case.input.trim().trim_matches('/');
            if matches!(entry, Entry::Namespace) && !ns.is_ascii() {
                // Accepted, sent as its UTF-8 bytes (HTTP's obs-text), which httpmock cannot
                // read back: the check itself is what this test is about.
                assert!(
                    client.with_namespace(&case.input).is_ok(),
                    "{:?}",
                    case.input
                );
                continue;
            }
            let path = entry.url_path(written);
            let mock = server
                .mock_async(|when, then| {
                    let when = when.path(path.as_str());
                    if matches!(entry, Entry::Namespace) {
                        when.header("x-vault-namespace", ns);
                    } else {
                        when.is_true(|req| req.uri().query().is_none());
                    }
                    then.status(200).json_body(reply());
                })
                .await;
            let result = entry.call(&client, &case.input).await;
            assert!(
                result.is_ok(),
                "{entry:?} {:?} to {path}: {result:?}",
                case.input
            );
            mock.assert_async().await;
            mock.delete_async().await;
            checked += 1;
        }
        // Refused inputs send nothing.
        let any = any_request().answers(&server, 200, reply()).await;
        for case in &cases {
            let Expect::Refused(reason) = entry.expect(case) else {
                continue;
            };
            if matches!(entry, Entry::Namespace) && case.input.trim_matches('/').is_empty() {
                // An empty namespace is no namespace (the root one).
                continue;
            }
            let err = entry.call(&client, &case.input).await.unwrap_err();
            assert!(err.is_invalid_input(), "{entry:?} {:?}: {err}", case.input);
            let text = err.to_string();
            assert!(
                text.contains(reason.as_str()),
                "{entry:?} {:?}: {text}",
                case.input
            );
            if case.input.len() > 3 {
                assert!(
                    !text.contains(case.input.as_str()),
                    "the value is not echoed: {text}"
                );
            }
            checked += 1;
        }
        assert_eq!(
            any.calls_async().await,
            0,
            "{entry:?}: a refused path was sent"
        );
        any.delete_async().await;
    }
    assert!(checked > ENTRIES.len() * cases.len() * 9 / 10, "{checked}");
}

#[tokio::test]
async fn encoded_dots_in_a_login_path_never_reach_sys_seal() {
    let server = MockServer::start_async().await;
    let any = any_request().answers(&server, 204, Value::Null).await;
    let client = client(&server);
    for path in [
        "userpass/login/%2e%2e/%2e%2e/sys/seal",
        "userpass/login/%2E%2E/%2E%2E/sys/seal",
        "userpass/login/.%2e/.%2e/sys/seal",
        "userpass/login/..%2F..%2Fsys%2Fseal",
    ] {
        let err = client.auth().login(path, &json!({})).await.unwrap_err();
        assert!(err.is_invalid_input(), "{path}: {err}");
        assert!(err.to_string().contains("login path"), "{err}");
        let err = client
            .request::<JsonMap, ()>(Method::PUT, path, None)
            .await
            .unwrap_err();
        assert!(err.is_invalid_input(), "{path}: {err}");
    }
    for path in ["../../sys/seal", "a/../../x", "%2e%2e/x"] {
        let err = client
            .request::<JsonMap, ()>(Method::GET, path, None)
            .await
            .unwrap_err();
        assert!(err.is_invalid_input(), "{path} leaves /v1: {err}");
    }
    assert_eq!(any.calls_async().await, 0);
}

#[tokio::test]
async fn a_question_mark_in_a_path_is_not_a_query() {
    let server = MockServer::start_async().await;
    let login = call(POST, "/v1/auth/userpass/login/bob%3Fx=1")
        .no_query()
        .answers(&server, 200, reply())
        .await;
    let raw = call(GET, "/v1/secret/data/a%3Flist=true%23frag")
        .no_query()
        .answers(&server, 200, reply())
        .await;
    let client = client(&server);
    client
        .auth()
        .login("userpass/login/bob?x=1", &json!({}))
        .await
        .unwrap();
    client
        .request::<JsonMap, ()>(Method::GET, "secret/data/a?list=true#frag", None)
        .await
        .unwrap();
    login.assert_async().await;
    raw.assert_async().await;
}
