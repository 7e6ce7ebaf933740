//! OpenBao's request shapes on the wire: paginated `LIST` (`after`, `limit`), `SCAN`, the
//! namespace as a path prefix, inline authentication (`X-Vault-Inline-Auth-*`). Each test pins
//! the method, path, query and headers, and answers what OpenBao 2.7.2 answered
//! (`tests/fixtures/openbao/`, provenance in its README).

mod common;

use std::sync::{Arc, Mutex};

use hashivault::intercept::{Interceptor, OutgoingRequest};
#[cfg(feature = "kv")]
use hashivault::{reqwest::Method, Envelope};
use hashivault::{Client, InlineAuth, InlineAuthOperation, ListPage, NamespaceMode};
use httpmock::prelude::*;
use httpmock::Mock;

#[cfg(feature = "kv")]
use common::wire::read_kv2;
use common::wire::{at, call, client, list_verb_client, Call, TOKEN};

/// A recorded answer of `tests/fixtures/openbao/`, as sent.
fn recorded(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/openbao/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Mocks `request` on `server`, answering `status` with the recorded `fixture`.
async fn bao<'a>(server: &'a MockServer, status: u16, fixture: &str, request: Call) -> Mock<'a> {
    request.answers(server, status, recorded(fixture)).await
}

/// `GET path` with exactly the query string `query`.
fn get_q(path: &str, query: &'static str) -> Call {
    call(GET, path).matching(move |req| req.uri().query() == Some(query))
}

/// `path` with OpenBao's `verb` (`LIST`, `SCAN`) as the method.
fn verb(verb: &'static str, path: &str) -> Call {
    at(path).matching(move |req| req.method_str() == verb)
}

/// `request`, sent without `X-Vault-Namespace`.
fn no_ns_header(request: Call) -> Call {
    request.header_missing("x-vault-namespace")
}

/// Each of `mocks` was called exactly once.
async fn each_once(mocks: &[&Mock<'_>]) {
    for mock in mocks {
        mock.assert_async().await;
    }
}

/// `GET path` without `X-Vault-Token`.
fn tokenless(path: &str) -> Call {
    call(GET, path).header_missing("x-vault-token")
}

/// A raw [`Client::request`] without a body, which must succeed.
#[cfg(feature = "kv")]
async fn raw_request(client: &Client, method: Method, path: &str) {
    let _: Envelope = client.request(method, path, None::<&()>).await.unwrap();
}

const PG: &str = "/v1/secret/metadata/pg/";

/// One page of `pg` at the KV v2 mount `secret`.
async fn one_page(client: &Client, page: &ListPage) -> Vec<String> {
    client.kv2("secret").list_page("pg", page).await.unwrap()
}

fn keys(range: std::ops::RangeInclusive<u32>) -> Vec<String> {
    range.map(|i| format!("k{i:02}")).collect()
}

// ---- paginated LIST ----

#[tokio::test]
async fn a_page_is_the_list_query_with_after_and_limit() {
    let server = MockServer::start_async().await;
    let page2 = get_q(PG, "list=true&after=k05&limit=5").vault_headers();
    let mock = bao(&server, 200, "list_page2", page2).await;
    let page = ListPage::new().with_after("k05").with_limit(5);
    let got = one_page(&client(&server), &page).await;
    assert_eq!(got, keys(6..=10));
    mock.assert_async().await;
}

#[tokio::test]
async fn with_the_list_verb_a_page_is_list_with_after_and_limit() {
    let server = MockServer::start_async().await;
    let list = verb("LIST", PG).vault_headers();
    let limited = list.matching(|req| req.uri().query() == Some("limit=5"));
    let mock = bao(&server, 200, "list_page1", limited).await;
    let got = one_page(&list_verb_client(&server), &ListPage::new().with_limit(5)).await;
    assert_eq!(got, keys(1..=5));
    mock.assert_async().await;
}

#[tokio::test]
async fn pages_are_walked_until_a_short_page() {
    let server = MockServer::start_async().await;
    let first = bao(&server, 200, "list_page1", get_q(PG, "list=true&limit=5")).await;
    let second = get_q(PG, "list=true&after=k05&limit=5");
    let second = bao(&server, 200, "list_page2", second).await;
    let third = get_q(PG, "list=true&after=k10&limit=5");
    let third = bao(&server, 200, "list_page3", third).await;
    let mut pages = client(&server).kv2("secret").list_pages("pg", 5);
    assert_eq!(pages.next_page().await.unwrap(), Some(keys(1..=5)));
    assert_eq!(pages.next_page().await.unwrap(), Some(keys(6..=10)));
    assert_eq!(
        pages.next_page().await.unwrap(),
        Some(vec!["k11".into(), "k12".into(), "sub/".into()])
    );
    // A short page was the last: no fourth request.
    assert_eq!(pages.next_page().await.unwrap(), None);
    each_once(&[&first, &second, &third]).await;
}

#[tokio::test]
async fn a_full_last_page_ends_at_openbaos_404_past_the_end() {
    let server = MockServer::start_async().await;
    let first = get_q("/v1/kv/d/", "list=true&limit=5");
    let first = bao(&server, 200, "list_page1", first).await;
    let past = get_q("/v1/kv/d/", "list=true&after=k05&limit=5");
    let past = bao(&server, 404, "list_page_past_end", past).await;
    let all = client(&server)
        .kv1("kv")
        .list_pages("d", 5)
        .all()
        .await
        .unwrap();
    assert_eq!(all, keys(1..=5));
    each_once(&[&first, &past]).await;
}

#[tokio::test]
async fn an_endpoint_that_ignores_the_limit_is_one_page() {
    // sys/policies/acl answers every policy whatever the limit (and warns): one request.
    let server = MockServer::start_async().await;
    let policies = get_q("/v1/sys/policies/acl", "list=true&limit=2").vault_headers();
    let mock = bao(&server, 200, "list_unpaginated_policies", policies).await;
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
    let users = call(GET, "/v1/auth/userpass/users").query("list", "true");
    let alice_and_bob = serde_json::json!({"data": {"keys": ["alice", "bob"]}});
    let mock = users
        .query("limit", "2")
        .answers(&server, 200, alice_and_bob)
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
    let generated = get_q(PG, "list=true&after=k%2F+1&limit=2");
    let generated = bao(&server, 200, "list_page1", generated).await;
    let raw = verb("LIST", "/v1/secret/metadata/pg")
        .matching(|req| req.uri().query() == Some("after=k%2F+1&limit=2"));
    let raw = bao(&server, 200, "list_page1", raw).await;
    let read = call(GET, "/v1/secret/data/pg/k01").no_query();
    let read = bao(&server, 200, "inline_read", read).await;
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
    let list = Method::from_bytes(b"LIST").unwrap();
    raw_request(&paged, list, "secret/metadata/pg").await;
    // A read through the same clone carries no page.
    raw_request(&paged, Method::GET, "secret/data/pg/k01").await;
    each_once(&[&generated, &raw, &read]).await;
    assert!(
        base.context().list_page().is_none(),
        "the original is not paged"
    );
}

// ---- SCAN ----

#[tokio::test]
async fn scan_is_the_list_path_with_scan_true() {
    let server = MockServer::start_async().await;
    let scan = get_q(PG, "scan=true").vault_headers();
    let mock = bao(&server, 200, "scan_kv2", scan).await;
    let root = bao(&server, 200, "scan_kv1", get_q("/v1/kv/", "scan=true")).await;
    let c = client(&server);
    let got = c.kv2("secret").scan("pg").await.unwrap();
    let mut want = keys(1..=12);
    want.extend(["sub/y".to_string(), "sub/deep/x".to_string()]);
    assert_eq!(got, want, "the server's order, folders left out");
    assert_eq!(c.kv1("kv").scan("").await.unwrap(), ["d/a", "d/b", "d/c"]);
    each_once(&[&mock, &root]).await;
}

#[tokio::test]
async fn with_the_list_verb_scan_is_the_scan_verb() {
    let server = MockServer::start_async().await;
    let scan = verb("SCAN", "/v1/secret/metadata/").vault_headers();
    let mock = bao(&server, 200, "scan_kv2", scan.no_query()).await;
    let raw = verb("SCAN", "/v1/sys/namespaces").no_query();
    let raw = bao(&server, 200, "scan_kv1", raw).await;
    let c = list_verb_client(&server);
    assert_eq!(c.kv2("secret").scan("/").await.unwrap().len(), 14);
    assert_eq!(c.scan("sys/namespaces").await.unwrap().len(), 3);
    each_once(&[&mock, &raw]).await;
}

#[tokio::test]
async fn scan_of_nothing_is_empty_and_of_an_endpoint_without_scan_an_error() {
    let server = MockServer::start_async().await;
    let nothing = get_q("/v1/secret/metadata/nothere/", "scan=true");
    bao(&server, 200, "scan_missing", nothing).await;
    let unsupported = get_q("/v1/sys/policies/acl", "scan=true");
    bao(&server, 405, "scan_unsupported", unsupported).await;
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
    let read = no_ns_header(call(GET, "/v1/ns1/child/secret/data/app").vault_headers());
    let read = bao(&server, 200, "ns_path_read", read.no_query()).await;
    let raw = no_ns_header(call(GET, "/v1/ns1/child/sys/mounts"));
    let raw = bao(&server, 200, "scan_missing", raw).await;
    let list = no_ns_header(get_q("/v1/ns1/child/secret/metadata/", "list=true"));
    let list = bao(&server, 200, "list_page1", list).await;
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
    read_kv2(&c, "secret", "app").await.unwrap();
    raw_request(&c, Method::GET, "sys/mounts").await;
    assert_eq!(c.kv2("secret").list("").await.unwrap(), keys(1..=5));
    read.assert_calls_async(2).await;
    each_once(&[&raw, &list]).await;
}

#[tokio::test]
async fn the_namespace_mode_is_kept_by_clones_and_can_be_switched_back() {
    let server = MockServer::start_async().await;
    let by_path = no_ns_header(call(GET, "/v1/team%20a/secret/data/app"));
    let by_path = bao(&server, 200, "ns_path_read", by_path).await;
    let by_header = call(GET, "/v1/secret/data/app").header("x-vault-namespace", "team a");
    let by_header = bao(&server, 200, "ns_path_read", by_header).await;
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
    each_once(&[&by_path, &by_header]).await;
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
    let mock = tokenless("/v1/secret/data/pg/k01")
        .header("x-vault-request", "true")
        .header("x-vault-inline-auth-path", "auth/userpass/login/alice")
        .header("x-vault-inline-auth-parameter-password", ALICE_PARAMETER)
        .header_missing("x-vault-inline-auth-operation")
        .header_missing("x-vault-inline-auth-namespace");
    let mock = bao(&server, 200, "inline_read", mock).await;
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
    let mock = tokenless("/v1/ns1/secret/data/app")
        .header_missing("x-vault-namespace")
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
        );
    let mock = bao(&server, 200, "ns_path_read", mock).await;
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
    let refused =
        tokenless("/v1/secret/data/pg/k01").reply_header("x-vault-inline-auth-failed", "true");
    bao(&server, 400, "inline_wrong_password", refused).await;
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
    let with_token = call(GET, "/v1/secret/data/pg/k01").vault_headers();
    let with_token = with_token.header_missing("x-vault-inline-auth-path");
    let mock = bao(&server, 200, "inline_read", with_token).await;
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
