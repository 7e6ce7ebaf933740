//! OpenBao's request shapes on the wire: paginated `LIST` (`after`, `limit`), `SCAN`, the
//! namespace as a path prefix, inline authentication (`X-Vault-Inline-Auth-*`). Each test pins
//! the method, path, query and headers, and answers what OpenBao 2.7.2 answered
//! (`tests/fixtures/openbao/`, provenance in its README).

mod common;

use std::sync::{Arc, Mutex};

use hashivault::intercept::{Interceptor, OutgoingRequest};
#[cfg(feature = "kv")]
use hashivault::{reqwest::Method, Envelope};
use hashivault::{Client, InlineAuth, InlineAuthOperation, ListMethod, ListPage, NamespaceMode};
use httpmock::prelude::*;

use common::wire::{at, call, client, TOKEN};

/// A recorded answer of `tests/fixtures/openbao/`, as sent.
fn recorded(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/openbao/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn list_verb(server: &MockServer) -> Client {
    Client::builder()
        .address(server.base_url())
        .token(TOKEN)
        .max_retries(0)
        .list_method(ListMethod::ListVerb)
        .build()
        .unwrap()
}

fn keys(range: std::ops::RangeInclusive<u32>) -> Vec<String> {
    range.map(|i| format!("k{i:02}")).collect()
}

// ---- paginated LIST ----

#[tokio::test]
async fn a_page_is_the_list_query_with_after_and_limit() {
    let server = MockServer::start_async().await;
    let mock = call(GET, "/v1/secret/metadata/pg/")
        .vault_headers()
        .matching(|req| req.uri().query() == Some("list=true&after=k05&limit=5"))
        .answers(&server, 200, recorded("list_page2"))
        .await;
    let page = ListPage::new().with_after("k05").with_limit(5);
    let got = client(&server)
        .kv2("secret")
        .list_page("pg", &page)
        .await
        .unwrap();
    assert_eq!(got, keys(6..=10));
    mock.assert_async().await;
}

#[tokio::test]
async fn with_the_list_verb_a_page_is_list_with_after_and_limit() {
    let server = MockServer::start_async().await;
    let mock = at("/v1/secret/metadata/pg/")
        .vault_headers()
        .matching(|req| req.method_str() == "LIST")
        .matching(|req| req.uri().query() == Some("limit=5"))
        .answers(&server, 200, recorded("list_page1"))
        .await;
    let got = list_verb(&server)
        .kv2("secret")
        .list_page("pg", &ListPage::new().with_limit(5))
        .await
        .unwrap();
    assert_eq!(got, keys(1..=5));
    mock.assert_async().await;
}

#[tokio::test]
async fn pages_are_walked_until_a_short_page() {
    let server = MockServer::start_async().await;
    let first = call(GET, "/v1/secret/metadata/pg/")
        .matching(|req| req.uri().query() == Some("list=true&limit=5"))
        .answers(&server, 200, recorded("list_page1"))
        .await;
    let second = call(GET, "/v1/secret/metadata/pg/")
        .matching(|req| req.uri().query() == Some("list=true&after=k05&limit=5"))
        .answers(&server, 200, recorded("list_page2"))
        .await;
    let third = call(GET, "/v1/secret/metadata/pg/")
        .matching(|req| req.uri().query() == Some("list=true&after=k10&limit=5"))
        .answers(&server, 200, recorded("list_page3"))
        .await;
    let mut pages = client(&server).kv2("secret").list_pages("pg", 5);
    assert_eq!(pages.next_page().await.unwrap(), Some(keys(1..=5)));
    assert_eq!(pages.next_page().await.unwrap(), Some(keys(6..=10)));
    assert_eq!(
        pages.next_page().await.unwrap(),
        Some(vec!["k11".into(), "k12".into(), "sub/".into()])
    );
    // A short page was the last: no fourth request.
    assert_eq!(pages.next_page().await.unwrap(), None);
    first.assert_async().await;
    second.assert_async().await;
    third.assert_async().await;
}

#[tokio::test]
async fn a_full_last_page_ends_at_openbaos_404_past_the_end() {
    let server = MockServer::start_async().await;
    let first = call(GET, "/v1/kv/d/")
        .matching(|req| req.uri().query() == Some("list=true&limit=5"))
        .answers(&server, 200, recorded("list_page1"))
        .await;
    let past = call(GET, "/v1/kv/d/")
        .matching(|req| req.uri().query() == Some("list=true&after=k05&limit=5"))
        .answers(&server, 404, recorded("list_page_past_end"))
        .await;
    let all = client(&server)
        .kv1("kv")
        .list_pages("d", 5)
        .all()
        .await
        .unwrap();
    assert_eq!(all, keys(1..=5));
    first.assert_async().await;
    past.assert_async().await;
}

#[tokio::test]
async fn an_endpoint_that_ignores_the_limit_is_one_page() {
    // sys/policies/acl answers every policy whatever the limit (and warns): one request.
    let server = MockServer::start_async().await;
    let mock = call(GET, "/v1/sys/policies/acl")
        .vault_headers()
        .matching(|req| req.uri().query() == Some("list=true&limit=2"))
        .answers(&server, 200, recorded("list_unpaginated_policies"))
        .await;
    let all = client(&server)
        .list_pages("sys/policies/acl", 2)
        .all()
        .await
        .unwrap();
    assert_eq!(
        all,
        ["default", "p1", "p2", "p3", "p4", "shapes-reader", "root"]
    );
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_server_that_ignores_after_is_not_walked_twice() {
    // Exactly `limit` keys on a server that ignores both parameters (Vault): the second request
    // answers the same keys again, and the walk ends without repeating them.
    let server = MockServer::start_async().await;
    let mock = call(GET, "/v1/auth/userpass/users")
        .query("list", "true")
        .query("limit", "2")
        .answers(
            &server,
            200,
            serde_json::json!({"data": {"keys": ["alice", "bob"]}}),
        )
        .await;
    let all = client(&server)
        .list_pages("auth/userpass/users", 2)
        .all()
        .await
        .unwrap();
    assert_eq!(all, ["alice", "bob"]);
    mock.assert_calls_async(2).await;
}

#[cfg(feature = "kv")]
#[tokio::test]
async fn a_page_clone_pages_generated_and_raw_lists_and_nothing_else() {
    let server = MockServer::start_async().await;
    let generated = call(GET, "/v1/secret/metadata/pg/")
        .matching(|req| req.uri().query() == Some("list=true&after=k%2F+1&limit=2"))
        .answers(&server, 200, recorded("list_page1"))
        .await;
    let raw = at("/v1/secret/metadata/pg")
        .matching(|req| req.method_str() == "LIST")
        .matching(|req| req.uri().query() == Some("after=k%2F+1&limit=2"))
        .answers(&server, 200, recorded("list_page1"))
        .await;
    let read = call(GET, "/v1/secret/data/pg/k01")
        .no_query()
        .answers(&server, 200, recorded("inline_read"))
        .await;
    let base = client(&server);
    let paged = base.with_list_page(&ListPage::new().with_after("k/ 1").with_limit(2));
    assert_eq!(paged.context().list_page().and_then(|p| p.limit()), Some(2));
    let listed = paged
        .api()
        .kv_v2_list()
        .kv_v2_mount_path("secret")
        .path("pg")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);
    let _: Envelope = paged
        .request(
            Method::from_bytes(b"LIST").unwrap(),
            "secret/metadata/pg",
            None::<&()>,
        )
        .await
        .unwrap();
    // A read through the same clone carries no page.
    let _: Envelope = paged
        .request(Method::GET, "secret/data/pg/k01", None::<&()>)
        .await
        .unwrap();
    generated.assert_async().await;
    raw.assert_async().await;
    read.assert_async().await;
    assert!(
        base.context().list_page().is_none(),
        "the original is not paged"
    );
}

// ---- SCAN ----

#[tokio::test]
async fn scan_is_the_list_path_with_scan_true() {
    let server = MockServer::start_async().await;
    let mock = call(GET, "/v1/secret/metadata/pg/")
        .vault_headers()
        .matching(|req| req.uri().query() == Some("scan=true"))
        .answers(&server, 200, recorded("scan_kv2"))
        .await;
    let root = call(GET, "/v1/kv/")
        .matching(|req| req.uri().query() == Some("scan=true"))
        .answers(&server, 200, recorded("scan_kv1"))
        .await;
    let c = client(&server);
    let got = c.kv2("secret").scan("pg").await.unwrap();
    let mut want = keys(1..=12);
    want.extend(["sub/y".to_string(), "sub/deep/x".to_string()]);
    assert_eq!(got, want, "the server's order, folders left out");
    assert_eq!(c.kv1("kv").scan("").await.unwrap(), ["d/a", "d/b", "d/c"]);
    mock.assert_async().await;
    root.assert_async().await;
}

#[tokio::test]
async fn with_the_list_verb_scan_is_the_scan_verb() {
    let server = MockServer::start_async().await;
    let mock = at("/v1/secret/metadata/")
        .vault_headers()
        .matching(|req| req.method_str() == "SCAN")
        .no_query()
        .answers(&server, 200, recorded("scan_kv2"))
        .await;
    let raw = at("/v1/sys/namespaces")
        .matching(|req| req.method_str() == "SCAN")
        .no_query()
        .answers(&server, 200, recorded("scan_kv1"))
        .await;
    let c = list_verb(&server);
    assert_eq!(c.kv2("secret").scan("/").await.unwrap().len(), 14);
    assert_eq!(c.scan("sys/namespaces").await.unwrap().len(), 3);
    mock.assert_async().await;
    raw.assert_async().await;
}

#[tokio::test]
async fn scan_of_nothing_is_empty_and_of_an_endpoint_without_scan_an_error() {
    let server = MockServer::start_async().await;
    call(GET, "/v1/secret/metadata/nothere/")
        .matching(|req| req.uri().query() == Some("scan=true"))
        .answers(&server, 200, recorded("scan_missing"))
        .await;
    call(GET, "/v1/sys/policies/acl")
        .matching(|req| req.uri().query() == Some("scan=true"))
        .answers(&server, 405, recorded("scan_unsupported"))
        .await;
    let c = client(&server);
    assert!(c.kv2("secret").scan("nothere").await.unwrap().is_empty());
    let err = c.scan("sys/policies/acl").await.unwrap_err();
    let api = err.api().expect("Vault's answer");
    assert_eq!(api.status, 405);
    assert_eq!(api.operation.as_deref(), Some("scan"));
    assert_eq!(api.errors, ["unsupported operation"]);
}

// ---- namespaces in the path ----

#[cfg(feature = "kv")]
#[tokio::test]
async fn a_namespace_in_the_path_prefixes_every_request_and_sends_no_header() {
    let server = MockServer::start_async().await;
    // The helper's read and the generated one.
    let read = call(GET, "/v1/ns1/child/secret/data/app")
        .vault_headers()
        .header_missing("x-vault-namespace")
        .no_query()
        .answers(&server, 200, recorded("ns_path_read"))
        .await;
    let raw = call(GET, "/v1/ns1/child/sys/mounts")
        .header_missing("x-vault-namespace")
        .answers(&server, 200, recorded("scan_missing"))
        .await;
    let list = call(GET, "/v1/ns1/child/secret/metadata/")
        .header_missing("x-vault-namespace")
        .matching(|req| req.uri().query() == Some("list=true"))
        .answers(&server, 200, recorded("list_page1"))
        .await;
    let c = Client::builder()
        .address(server.base_url())
        .token(TOKEN)
        .max_retries(0)
        .namespace("/ns1/child/")
        .namespace_mode(NamespaceMode::Path)
        .build()
        .unwrap();
    assert_eq!(c.context().namespace(), Some("ns1/child"));
    assert_eq!(c.context().namespace_mode(), NamespaceMode::Path);
    let secret = c.kv2("secret").read_json("app").await.unwrap();
    assert_eq!(secret.data["where"], "ns1-by-path");
    c.api()
        .kv_v2_read()
        .kv_v2_mount_path("secret")
        .path("app")
        .send()
        .await
        .unwrap();
    let _: Envelope = c
        .request(Method::GET, "sys/mounts", None::<&()>)
        .await
        .unwrap();
    assert_eq!(c.kv2("secret").list("").await.unwrap(), keys(1..=5));
    read.assert_calls_async(2).await;
    raw.assert_async().await;
    list.assert_async().await;
}

#[tokio::test]
async fn the_namespace_mode_is_kept_by_clones_and_can_be_switched_back() {
    let server = MockServer::start_async().await;
    let by_path = call(GET, "/v1/team%20a/secret/data/app")
        .header_missing("x-vault-namespace")
        .answers(&server, 200, recorded("ns_path_read"))
        .await;
    let by_header = call(GET, "/v1/secret/data/app")
        .header("x-vault-namespace", "team a")
        .answers(&server, 200, recorded("ns_path_read"))
        .await;
    let c = client(&server)
        .with_namespace_mode(NamespaceMode::Path)
        .with_namespace("other")
        .unwrap()
        .with_namespace("team a")
        .unwrap();
    c.kv2("secret").read_json("app").await.unwrap();
    c.with_namespace_mode(NamespaceMode::Header)
        .kv2("secret")
        .read_json("app")
        .await
        .unwrap();
    by_path.assert_async().await;
    by_header.assert_async().await;
}

#[tokio::test]
async fn a_bad_namespace_is_refused_by_the_path_check_in_either_mode() {
    for ns in ["a/../b", "a//b", "a\nb", "."] {
        let built = Client::builder()
            .address("http://127.0.0.1:1")
            .namespace(ns)
            .namespace_mode(NamespaceMode::Path)
            .build();
        let err = built.unwrap_err();
        assert!(err.is_invalid_input(), "{ns:?}: {err}");
        assert!(err.to_string().contains("namespace"), "{err}");
        let c = Client::builder()
            .address("http://127.0.0.1:1")
            .build()
            .unwrap()
            .with_namespace_mode(NamespaceMode::Path);
        assert!(c.with_namespace(ns).unwrap_err().is_invalid_input());
    }
}

// ---- inline authentication ----

/// What an interceptor was shown of each request's headers.
#[derive(Default)]
struct Shown(Mutex<Vec<(String, String)>>);

impl Interceptor for Shown {
    fn before_send(&self, request: &mut OutgoingRequest<'_>) {
        let mut seen = self.0.lock().unwrap();
        for (name, value) in request.headers() {
            seen.push((name.to_string(), value.to_string()));
        }
    }
}

const ALICE_PASSWORD: &str = "pw-alice";
/// `X-Vault-Inline-Auth-Parameter-password` of the request OpenBao 2.7.2 accepted.
const ALICE_PARAMETER: &str = "eyJrZXkiOiJwYXNzd29yZCIsInZhbHVlIjoicHctYWxpY2UifQ";

#[tokio::test]
async fn inline_auth_sends_the_login_headers_and_no_token() {
    let server = MockServer::start_async().await;
    let mock = call(GET, "/v1/secret/data/pg/k01")
        .header("x-vault-request", "true")
        .header("x-vault-inline-auth-path", "auth/userpass/login/alice")
        .header("x-vault-inline-auth-parameter-password", ALICE_PARAMETER)
        .header_missing("x-vault-token")
        .header_missing("x-vault-inline-auth-operation")
        .header_missing("x-vault-inline-auth-namespace")
        .answers(&server, 200, recorded("inline_read"))
        .await;
    let shown = Arc::new(Shown::default());
    let root = Client::builder()
        .address(server.base_url())
        .token(TOKEN)
        .max_retries(0)
        .interceptor(shown.clone())
        .build()
        .unwrap();
    let login = InlineAuth::new("auth/userpass/login/alice").parameter("password", ALICE_PASSWORD);
    let alice = root.with_inline_auth(&login).unwrap();
    assert!(alice.context().has_inline_auth() && !alice.has_token());
    assert!(root.has_token(), "the original keeps its token");
    let secret = alice.kv2("secret").read_json("pg/k01").await.unwrap();
    assert_eq!(secret.data["v"], "01");
    mock.assert_async().await;
    // What a hook is shown: the parameter redacted, never the password or its encoding.
    let seen = shown.0.lock().unwrap().clone();
    let param = seen
        .iter()
        .find(|(n, _)| n == "x-vault-inline-auth-parameter-password")
        .expect("the parameter header");
    assert_eq!(param.1, "<redacted>");
    for shown in [
        format!("{seen:?}"),
        format!("{alice:?}"),
        format!("{login:?}"),
    ] {
        assert!(!shown.contains(ALICE_PASSWORD), "{shown}");
        assert!(!shown.contains(ALICE_PARAMETER), "{shown}");
    }
    assert!(format!("{login:?}").contains("password"), "names are shown");
}

#[tokio::test]
async fn inline_auth_carries_typed_values_operation_and_namespace() {
    let server = MockServer::start_async().await;
    // {"key":"role","value":"ci"} and {"key":"ttl","value":30}, unpadded URL-safe base64.
    let mock = call(GET, "/v1/ns1/secret/data/app")
        .header("x-vault-inline-auth-path", "auth/jwt/login")
        .header("x-vault-inline-auth-operation", "read")
        .header("x-vault-inline-auth-namespace", "ns1")
        .header(
            "x-vault-inline-auth-parameter-role",
            "eyJrZXkiOiJyb2xlIiwidmFsdWUiOiJjaSJ9",
        )
        .header(
            "x-vault-inline-auth-parameter-ttl",
            "eyJrZXkiOiJ0dGwiLCJ2YWx1ZSI6MzB9",
        )
        .header_missing("x-vault-token")
        .header_missing("x-vault-namespace")
        .answers(&server, 200, recorded("ns_path_read"))
        .await;
    let login = InlineAuth::new("/auth/jwt/login")
        .parameter("role", "ci")
        .parameter("ttl", 30)
        .with_operation(InlineAuthOperation::Read)
        .with_namespace("ns1/");
    let c = client(&server)
        .with_namespace("ns1")
        .unwrap()
        .with_namespace_mode(NamespaceMode::Path)
        .with_inline_auth(&login)
        .unwrap();
    c.kv2("secret").read_json("app").await.unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn a_refused_inline_login_says_so_without_the_password() {
    let server = MockServer::start_async().await;
    call(GET, "/v1/secret/data/pg/k01")
        .header_missing("x-vault-token")
        .reply_header("x-vault-inline-auth-failed", "true")
        .answers(&server, 400, recorded("inline_wrong_password"))
        .await;
    let c = client(&server)
        .with_inline_auth(
            &InlineAuth::new("auth/userpass/login/alice").parameter("password", "bad-pw-123"),
        )
        .unwrap();
    let err = c.kv2("secret").read_json("pg/k01").await.unwrap_err();
    let api = err.api().expect("Vault's answer");
    assert!(api.inline_auth_failed, "{err}");
    assert!(!api.without_token, "inline auth is a credential");
    let text = format!("{err} {err:?}");
    assert!(text.contains("inline authentication failed"), "{text}");
    assert!(text.contains("invalid username or password"), "{text}");
    assert!(!text.contains("bad-pw-123"), "{text}");
}

#[tokio::test]
async fn the_original_keeps_its_token_and_the_inline_clone_has_none() {
    let server = MockServer::start_async().await;
    let mock = call(GET, "/v1/secret/data/pg/k01")
        .vault_headers()
        .header_missing("x-vault-inline-auth-path")
        .answers(&server, 200, recorded("inline_read"))
        .await;
    let base = client(&server);
    let inline = base
        .with_inline_auth(&InlineAuth::new("auth/userpass/login/alice").parameter("password", "x"))
        .unwrap();
    assert!(!inline.has_token());
    // A token set on the inline clone (a login through it) is its own, and not sent.
    inline.set_token("hvs.other").unwrap();
    base.kv2("secret").read_json("pg/k01").await.unwrap();
    assert_eq!(
        hashivault::ExposeSecret::expose_secret(&base.token().unwrap()),
        TOKEN
    );
    mock.assert_async().await;
}

#[tokio::test]
async fn bad_inline_auth_is_refused_before_any_request() {
    let c = Client::builder()
        .address("http://127.0.0.1:1")
        .build()
        .unwrap();
    for login in [
        InlineAuth::new("auth/userpass/login/../../sys/seal"),
        InlineAuth::new(""),
        InlineAuth::new("auth/a/login").with_namespace("a//b"),
        InlineAuth::new("auth/a/login")
            .parameter("m", std::collections::HashMap::from([((1, 2), 3)])),
    ] {
        let err = c.with_inline_auth(&login).unwrap_err();
        assert!(err.is_invalid_input(), "{login:?}: {err}");
    }
}
