//! Live: OpenBao's request shapes against a real server (`VAULT_ADDR`, `VAULT_TOKEN`; see
//! `tests/common`): paginated `LIST` over several pages, the recursive `SCAN`, a namespace given
//! by path, inline authentication of a userpass user (also inside a namespace).
//!
//! All four are served by OpenBao 2.6.1 and 2.7.2 (checked with curl, 2026-12-06; the releases
//! of `cargo xtask compat`). A server older than OpenBao 2.4 (or Vault) is skipped with a message,
//! and fails under `HASHIVAULT_REQUIRE_LIVE=1`: inline authentication came with 2.4.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hashivault::intercept::{Interceptor, OutgoingRequest};
use hashivault::reqwest::Method;
use hashivault::{
    Client, ClientBuilder, Envelope, InlineAuth, JsonMap, ListMethod, ListPage, NamespaceMode,
};
use serde_json::{json, Value};

/// The root client, when the server is OpenBao 2.4 or newer.
async fn openbao(test: &str) -> Option<Client> {
    common::live_openbao_client(test, (2, 4), "these shapes need OpenBao 2.4+").await
}

async fn call(client: &Client, method: Method, path: &str, body: Option<Value>) -> Envelope {
    client
        .request(method, path, body.as_ref())
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// [`call`] of `POST path` with `body`.
async fn post(client: &Client, path: &str, body: Value) -> Envelope {
    call(client, Method::POST, path, Some(body)).await
}

/// [`call`] of `PUT path` with `body`.
async fn put(client: &Client, path: &str, body: Value) -> Envelope {
    call(client, Method::PUT, path, Some(body)).await
}

/// A builder for a client of the same server with the same token as `root`.
fn same_server(root: &Client) -> ClientBuilder {
    Client::builder()
        .address(root.address())
        .token(hashivault::ExposeSecret::expose_secret(
            &root.token().unwrap(),
        ))
}

/// Mounts KV v2 at `mount` through `client` and waits until it takes writes.
async fn enable_kv2(client: &Client, mount: &str) {
    let kv2 = json!({"type": "kv", "options": {"version": "2"}});
    post(client, &format!("sys/mounts/{mount}"), kv2).await;
    let mut last = None;
    for _ in 0..50 {
        match client
            .kv2(mount)
            .write("_ready", &json!({"ok": true}))
            .await
        {
            Ok(_) => {
                client.kv2(mount).delete_metadata("_ready").await.unwrap();
                return;
            }
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("mount {mount} never became ready: {last:?}");
}

/// A new KV v2 mount (a unique name from `prefix`), [`fill`]ed with `n` keys.
async fn filled_mount(root: &Client, prefix: &str, n: u32) -> String {
    let mount = common::unique(prefix);
    enable_kv2(root, &mount).await;
    fill(root, &mount, n).await;
    mount
}

fn sorted(mut keys: Vec<String>) -> Vec<String> {
    keys.sort();
    keys
}

/// Writes `pg/k01` … `pg/k{n}`, `pg/sub/y` and `pg/sub/deep/x` into `mount`.
async fn fill(client: &Client, mount: &str, n: u32) {
    let kv = client.kv2(mount);
    for i in 1..=n {
        kv.write(&format!("pg/k{i:02}"), &json!({"v": i}))
            .await
            .unwrap();
    }
    kv.write("pg/sub/y", &json!({"v": "y"})).await.unwrap();
    kv.write("pg/sub/deep/x", &json!({"v": "x"})).await.unwrap();
}

#[tokio::test]
async fn live_paginated_list_walks_every_page() {
    let Some(root) = openbao("live_paginated_list_walks_every_page").await else {
        return;
    };
    let mount = filled_mount(&root, "pages", 12).await;
    let kv = root.kv2(&mount);
    let all = kv.list("pg").await.unwrap();
    assert_eq!(all.len(), 13, "{all:?}");

    let first = kv
        .list_page("pg", &ListPage::new().with_limit(5))
        .await
        .unwrap();
    assert_eq!(first, all[..5]);
    let second = kv
        .list_page("pg", &ListPage::new().with_limit(5).with_after("k05"))
        .await
        .unwrap();
    assert_eq!(second, all[5..10]);

    for client in [
        root.clone(),
        same_server(&root)
            .list_method(ListMethod::ListVerb)
            .build()
            .unwrap(),
    ] {
        let mut pages = client.kv2(&mount).list_pages("pg", 5);
        let mut sizes = Vec::new();
        let mut walked = Vec::new();
        while let Some(keys) = pages.next_page().await.unwrap() {
            sizes.push(keys.len());
            walked.extend(keys);
        }
        assert_eq!(sizes, [5, 5, 3], "{:?}", client.context().list_method());
        assert_eq!(walked, all);
    }

    // A last page that is full: the next one is past the end (OpenBao's 404), and empty.
    let exact = root.kv2(&mount).list_pages("pg", 13).all().await.unwrap();
    assert_eq!(exact, all);
    let past = kv
        .list_page("pg", &ListPage::new().with_limit(5).with_after("sub/"))
        .await
        .unwrap();
    assert!(past.is_empty());

    // A raw list through Client::list_pages, and an endpoint that does not page.
    let raw = root
        .list_pages(&format!("{mount}/metadata/pg"), 4)
        .all()
        .await
        .unwrap();
    assert_eq!(raw, all);
    let policies = root.list_pages("sys/policies/acl", 1).all().await.unwrap();
    assert!(
        policies.len() >= 2,
        "one page of every policy: {policies:?}"
    );
}

#[tokio::test]
async fn live_scan_lists_recursively() {
    let Some(root) = openbao("live_scan_lists_recursively").await else {
        return;
    };
    let mount = filled_mount(&root, "scan", 3).await;
    let want: Vec<String> = ["k01", "k02", "k03", "sub/deep/x", "sub/y"]
        .map(String::from)
        .to_vec();
    assert_eq!(sorted(root.kv2(&mount).scan("pg").await.unwrap()), want);
    let verb = same_server(&root)
        .list_method(ListMethod::ListVerb)
        .build()
        .unwrap();
    assert_eq!(sorted(verb.kv2(&mount).scan("pg/").await.unwrap()), want);
    let whole = sorted(root.kv2(&mount).scan("").await.unwrap());
    assert_eq!(whole.len(), 5);
    assert!(whole.iter().all(|k| k.starts_with("pg/")), "{whole:?}");
    assert!(root.kv2(&mount).scan("nothere").await.unwrap().is_empty());
    let raw = root
        .scan(&format!("{mount}/metadata/pg/sub"))
        .await
        .unwrap();
    assert_eq!(sorted(raw), ["deep/x", "y"]);

    let v1 = common::unique("scan1");
    post(&root, &format!("sys/mounts/{v1}"), json!({"type": "kv"})).await;
    for k in ["d/a", "d/e/f"] {
        root.kv1(&v1).write(k, &json!({"x": 1})).await.unwrap();
    }
    assert_eq!(
        sorted(root.kv1(&v1).scan("").await.unwrap()),
        ["d/a", "d/e/f"]
    );

    let err = root.scan("sys/policies/acl").await.unwrap_err();
    assert_eq!(err.api().map(|a| a.status), Some(405), "{err}");
}

/// The path and namespace header of every request, as an interceptor sees them.
#[derive(Default)]
struct Paths(Mutex<Vec<(String, Option<String>)>>);

impl Interceptor for Paths {
    fn before_send(&self, request: &mut OutgoingRequest<'_>) {
        let ns = request.header("x-vault-namespace").map(String::from);
        self.0
            .lock()
            .unwrap()
            .push((request.path().to_string(), ns));
    }
}

/// Makes namespace `ns` (and `ns/child`) with KV v2 at `secret/` in the child.
async fn namespaces(root: &Client, ns: &str) {
    call(root, Method::POST, &format!("sys/namespaces/{ns}"), None).await;
    let parent = root.with_namespace(ns).unwrap();
    call(&parent, Method::POST, "sys/namespaces/child", None).await;
    let child = root.with_namespace(&format!("{ns}/child")).unwrap();
    enable_kv2(&child, "secret").await;
}

#[tokio::test]
async fn live_namespace_by_path_reaches_the_same_namespace_as_the_header() {
    let Some(root) =
        openbao("live_namespace_by_path_reaches_the_same_namespace_as_the_header").await
    else {
        return;
    };
    let ns = common::unique("nsp");
    namespaces(&root, &ns).await;
    let paths = Arc::new(Paths::default());
    let by_path = same_server(&root)
        .namespace(format!("{ns}/child"))
        .namespace_mode(NamespaceMode::Path)
        .interceptor(paths.clone())
        .build()
        .unwrap();
    by_path
        .kv2("secret")
        .write("app", &json!({"where": "by-path"}))
        .await
        .unwrap();
    let by_header = root.with_namespace(&format!("{ns}/child")).unwrap();
    let read = by_header.kv2("secret").read_json("app").await.unwrap();
    assert_eq!(read.data["where"], "by-path");
    assert_eq!(by_path.kv2("secret").list("").await.unwrap(), ["app"]);
    // Nesting: the parent by path, the child by header, is the child too.
    let mixed = root
        .with_namespace(&ns)
        .unwrap()
        .with_namespace_mode(NamespaceMode::Path);
    let _: Envelope<JsonMap> = mixed
        .request(Method::GET, "child/secret/data/app", None::<&()>)
        .await
        .unwrap();
    let seen = paths.0.lock().unwrap().clone();
    assert!(!seen.is_empty());
    for (path, header) in &seen {
        assert!(
            path.starts_with(&format!("/v1/{ns}/child/")),
            "{path} carries the namespace"
        );
        assert_eq!(header, &None, "no X-Vault-Namespace with the path form");
    }
}

#[tokio::test]
async fn live_inline_auth_reads_without_a_stored_token() {
    let Some(root) = openbao("live_inline_auth_reads_without_a_stored_token").await else {
        return;
    };
    let mount = filled_mount(&root, "inline-kv", 6).await;
    let userpass = common::unique("inline-up");
    let enable = json!({"type": "userpass"});
    post(&root, &format!("sys/auth/{userpass}"), enable).await;
    let policy = common::unique("inline-pol");
    let rules = format!(
        "path \"{mount}/data/*\" {{ capabilities = [\"read\"] }}\n\
         path \"{mount}/metadata/*\" {{ capabilities = [\"list\", \"scan\"] }}"
    );
    let acl = json!({ "policy": rules });
    put(&root, &format!("sys/policies/acl/{policy}"), acl).await;
    let password = format!("pw-{}", common::unique("alice"));
    let user = json!({"password": password, "token_policies": policy});
    post(&root, &format!("auth/{userpass}/users/alice"), user).await;
    let login = InlineAuth::new(format!("auth/{userpass}/login/alice"))
        .parameter("password", password.as_str());
    let alice = root.with_inline_auth(&login).unwrap();
    let secret = alice.kv2(&mount).read_json("pg/k01").await.unwrap();
    assert_eq!(secret.data["v"], 1);
    let page = alice
        .kv2(&mount)
        .list_page("pg", &ListPage::new().with_limit(2))
        .await
        .unwrap();
    assert_eq!(page, ["k01", "k02"]);
    assert_eq!(alice.kv2(&mount).scan("pg").await.unwrap().len(), 8);
    assert!(!alice.has_token(), "no token is kept");
    // Outside alice's policy: the call is refused, not the login.
    let denied = alice
        .request::<JsonMap, ()>(Method::GET, "sys/mounts", None)
        .await
        .unwrap_err();
    assert!(denied.is_permission_denied(), "{denied}");
    assert!(!denied.api().unwrap().inline_auth_failed);

    let wrong = root
        .with_inline_auth(
            &InlineAuth::new(format!("auth/{userpass}/login/alice")).parameter("password", "nope"),
        )
        .unwrap();
    let err = wrong.kv2(&mount).read_json("pg/k01").await.unwrap_err();
    let api = err.api().expect("Vault's answer");
    assert!(api.inline_auth_failed, "{err}");
    assert_eq!(api.status, 400, "{err}");
    assert!(!err.to_string().contains(&password));
    assert!(!format!("{alice:?}{login:?}").contains(&password));
}

#[tokio::test]
async fn live_inline_auth_inside_a_namespace() {
    let Some(root) = openbao("live_inline_auth_inside_a_namespace").await else {
        return;
    };
    let ns = common::unique("nsi");
    namespaces(&root, &ns).await;
    let child_ns = format!("{ns}/child");
    let child = root.with_namespace(&child_ns).unwrap();
    child
        .kv2("secret")
        .write("app", &json!({"v": "child"}))
        .await
        .unwrap();
    // The user lives in the parent namespace; it reads in the child.
    let parent = root.with_namespace(&ns).unwrap();
    post(&parent, "sys/auth/userpass", json!({"type": "userpass"})).await;
    let rules = "path \"child/secret/data/*\" { capabilities = [\"read\"] }";
    put(
        &parent,
        "sys/policies/acl/child-reader",
        json!({"policy": rules}),
    )
    .await;
    let dave = json!({"password": "pw-dave-inline", "token_policies": "child-reader"});
    post(&parent, "auth/userpass/users/dave", dave).await;
    let login = InlineAuth::new("auth/userpass/login/dave")
        .parameter("password", "pw-dave-inline")
        .with_namespace(ns.as_str());
    for mode in [NamespaceMode::Header, NamespaceMode::Path] {
        let dave = Client::builder()
            .address(root.address())
            .namespace(child_ns.as_str())
            .namespace_mode(mode)
            .build()
            .unwrap()
            .with_inline_auth(&login)
            .unwrap();
        let read = dave.kv2("secret").read_json("app").await;
        let read = read.unwrap_or_else(|e| panic!("{mode:?}: {e}"));
        assert_eq!(read.data["v"], "child", "{mode:?}");
    }
}
