//! The redirect policy on the wire: what is followed, what is refused, and that a refused
//! target never sees a request.
// The API groups this file's calls use: empty without them (`scripts/feature-sets.sh`).
#![cfg(feature = "cubbyhole")]

mod common;
mod transport_support;

use common::wire::{at, call};
use hashivault::{Client, RedirectPolicy, RedirectRefusal};
use httpmock::prelude::*;
use serde_json::json;
use transport_support::{builder, read_at as read};

const TOKEN: &str = "hvs.redirect-test-token";

fn client(server: &str, policy: RedirectPolicy) -> Client {
    builder(server, TOKEN, 0).redirects(policy).build().unwrap()
}

/// A node answering every request to `path` with a redirect to `location`.
async fn redirecting<'a>(server: &'a MockServer, path: &str, location: &str) -> httpmock::Mock<'a> {
    let redirect = at(path).reply_header("location", location);
    redirect.answers(server, 307, serde_json::Value::Null).await
}

async fn answering<'a>(server: &'a MockServer, path: &str) -> httpmock::Mock<'a> {
    let reply = json!({"request_id": "r", "data": {"k": "v"}});
    at(path).token(TOKEN).answers(server, 200, reply).await
}

fn refusal(err: &hashivault::Error) -> RedirectRefusal {
    match err {
        hashivault::Error::Redirect(e) => e.reason,
        other => panic!("not a redirect error: {other}"),
    }
}

/// The text of an error never carries the token, the target's path or its query.
fn assert_clean(err: &hashivault::Error) {
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(TOKEN), "{shown}");
    assert!(!shown.contains("/v1/cubbyhole/elsewhere"), "{shown}");
    assert!(!shown.contains("secret-query"), "{shown}");
}

/// Two nodes of a plain-http cluster: a standby's `307` to the active node on another port is
/// followed by default (method, path and token as sent), as Vault's Go client does; a policy
/// with `allow_plain_http(false)` refuses it before the other node sees anything.
#[tokio::test]
async fn plain_http_between_nodes_is_followed_unless_the_policy_refuses_it() {
    let standby = MockServer::start_async().await;
    let active = MockServer::start_async().await;
    let target = format!(
        "{}/v1/cubbyhole/elsewhere?x=secret-query",
        active.base_url()
    );
    let hop = redirecting(&standby, "/v1/cubbyhole/app", &target).await;
    let landed = call(GET, "/v1/cubbyhole/elsewhere")
        .query("x", "secret-query")
        .header("x-vault-token", TOKEN)
        .answers(&active, 200, json!({"request_id": "r", "data": {"k": "v"}}))
        .await;

    let answer = read(
        &client(&standby.base_url(), RedirectPolicy::default()),
        "app",
    )
    .await
    .unwrap();
    assert_eq!(answer.data.unwrap()["k"], "v");
    assert_eq!(hop.calls_async().await, 1);
    assert_eq!(landed.calls_async().await, 1, "followed, token included");

    let strict = client(
        &standby.base_url(),
        RedirectPolicy::default().allow_plain_http(false),
    );
    let err = read(&strict, "app").await.unwrap_err();
    assert_eq!(refusal(&err), RedirectRefusal::PlainHttpOtherOrigin);
    let shown = err.to_string();
    assert!(
        shown.contains(&active.base_url()),
        "names the target origin: {shown}"
    );
    assert!(
        shown.contains("allow_plain_http(false)"),
        "says which setting refused it: {shown}"
    );
    assert!(
        err.is_redirect() && err.operation() == Some("cubbyhole_read"),
        "{err:?}"
    );
    assert_clean(&err);
    assert_eq!(hop.calls_async().await, 2);
    assert_eq!(
        landed.calls_async().await,
        1,
        "the other node saw no request while refused"
    );
    eprintln!("figures: plain-http cross-origin redirects: followed 1 (default), refused 1 (allow_plain_http(false)); requests to the other node while refused: 0");
}

/// From the loopback host to another host over plain http, the token would leave the machine
/// in cleartext: refused by default, before anything is sent (the target name is reserved and
/// never resolves); `allow_plain_http(true)` would follow it.
#[tokio::test]
async fn plain_http_leaving_the_loopback_host_is_refused_by_default() {
    let local = MockServer::start_async().await;
    let hop = redirecting(
        &local,
        "/v1/cubbyhole/app",
        "http://vault-active.invalid:8200/v1/cubbyhole/app",
    )
    .await;
    let err = read(&client(&local.base_url(), RedirectPolicy::default()), "app")
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), RedirectRefusal::PlainHttpLeavesLoopback);
    let shown = err.to_string();
    assert!(
        shown.contains("http://vault-active.invalid:8200"),
        "{shown}"
    );
    assert!(shown.contains("allow_plain_http(true)"), "{shown}");
    assert_clean(&err);
    assert_eq!(hop.calls_async().await, 1);
}

#[tokio::test]
async fn schemes_other_than_http_and_https_are_refused_before_sending() {
    let node = MockServer::start_async().await;
    for location in [
        "file:///etc/passwd",
        "ftp://127.0.0.1:21/v1/x",
        "unix:///run/vault.sock",
        "javascript:alert(1)",
    ] {
        let hop = redirecting(&node, "/v1/cubbyhole/app", location).await;
        let err = read(&client(&node.base_url(), RedirectPolicy::default()), "app")
            .await
            .unwrap_err();
        assert_eq!(refusal(&err), RedirectRefusal::NotHttp, "{location}");
        assert!(!err.to_string().contains("passwd"), "{err}");
        assert_eq!(hop.calls_async().await, 1);
        hop.delete_async().await;
    }
}

#[tokio::test]
async fn same_origin_is_followed_by_default_and_other_origins_by_policy() {
    let node = MockServer::start_async().await;
    let other = MockServer::start_async().await;
    let own = format!("{}/v1/cubbyhole/elsewhere", node.base_url());
    redirecting(&node, "/v1/cubbyhole/app", &own).await;
    let here = answering(&node, "/v1/cubbyhole/elsewhere").await;
    for policy in [
        RedirectPolicy::default(),
        RedirectPolicy::same_origin(),
        RedirectPolicy::allow_hosts(["vault.example"]),
    ] {
        read(&client(&node.base_url(), policy), "app")
            .await
            .unwrap();
    }
    assert_eq!(
        here.calls_async().await,
        3,
        "same origin followed by every policy but none"
    );

    // Turned off: even the same origin is refused.
    let err = read(&client(&node.base_url(), RedirectPolicy::none()), "app")
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), RedirectRefusal::Disabled);
    assert!(err.to_string().contains("VAULT_DISABLE_REDIRECTS"), "{err}");
    assert_eq!(here.calls_async().await, 3);

    // Same-origin only: another origin is refused even when plain http is allowed.
    let target = format!("{}/v1/cubbyhole/elsewhere", other.base_url());
    redirecting(&node, "/v1/cubbyhole/away", &target).await;
    let there = answering(&other, "/v1/cubbyhole/elsewhere").await;
    let err = read(
        &client(
            &node.base_url(),
            RedirectPolicy::same_origin().allow_plain_http(true),
        ),
        "away",
    )
    .await
    .unwrap_err();
    assert_eq!(refusal(&err), RedirectRefusal::OtherOrigin);
    assert_clean(&err);
    assert_eq!(there.calls_async().await, 0);
}

#[tokio::test]
async fn allowed_hosts_are_followed_and_others_refused() {
    let node = MockServer::start_async().await;
    let listed = MockServer::start_async().await;
    let unlisted = MockServer::start_async().await;
    // `localhost` is listed; the unlisted node is addressed by IP, another host.
    let to_listed = format!("http://localhost:{}/v1/cubbyhole/elsewhere", listed.port());
    let to_unlisted = format!("{}/v1/cubbyhole/elsewhere", unlisted.base_url());
    redirecting(&node, "/v1/cubbyhole/a", &to_listed).await;
    redirecting(&node, "/v1/cubbyhole/b", &to_unlisted).await;
    let listed_hit = answering(&listed, "/v1/cubbyhole/elsewhere").await;
    let unlisted_hit = answering(&unlisted, "/v1/cubbyhole/elsewhere").await;
    let policy = RedirectPolicy::allow_hosts(["LOCALHOST"]).allow_plain_http(true);
    let client = client(&node.base_url(), policy);
    read(&client, "a").await.unwrap();
    let err = read(&client, "b").await.unwrap_err();
    assert_eq!(refusal(&err), RedirectRefusal::HostNotAllowed);
    assert_clean(&err);
    assert_eq!(listed_hit.calls_async().await, 1);
    assert_eq!(unlisted_hit.calls_async().await, 0);

    // Listed, but plain http to another origin refused by the policy.
    let strict = self::client(
        &node.base_url(),
        RedirectPolicy::allow_hosts(["localhost"]).allow_plain_http(false),
    );
    let err = read(&strict, "a").await.unwrap_err();
    assert_eq!(refusal(&err), RedirectRefusal::PlainHttpOtherOrigin);
    assert_eq!(listed_hit.calls_async().await, 1);
}

#[tokio::test]
async fn a_redirect_loop_ends_with_too_many_redirects() {
    let node = MockServer::start_async().await;
    let own = format!("{}/v1/cubbyhole/loop", node.base_url());
    let hops = redirecting(&node, "/v1/cubbyhole/loop", &own).await;
    let err = read(&client(&node.base_url(), RedirectPolicy::default()), "loop")
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), RedirectRefusal::TooMany(10));
    assert!(err.to_string().contains("too many redirects (10)"), "{err}");
    assert_eq!(hops.calls_async().await, 11, "the request and ten hops");

    let err = read(
        &client(
            &node.base_url(),
            RedirectPolicy::default().with_max_redirects(2),
        ),
        "loop",
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("too many redirects (2)"), "{err}");
    assert_eq!(hops.calls_async().await, 14);
    eprintln!(
        "figures: redirect loop: 10 hops followed, the 11th refused as \"too many redirects (10)\""
    );
}

#[tokio::test]
async fn a_redirect_without_location_is_a_clear_error() {
    let node = MockServer::start_async().await;
    at("/v1/cubbyhole/x")
        .answers(&node, 307, serde_json::Value::Null)
        .await;
    let err = read(&client(&node.base_url(), RedirectPolicy::default()), "x")
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), RedirectRefusal::NoLocation);
}

#[tokio::test]
async fn a_refused_redirect_of_a_login_never_sends_the_password_away() {
    let node = MockServer::start_async().await;
    let foreign = MockServer::start_async().await;
    at("/v1/auth/userpass/login/alice")
        .redirects_to(&node, &foreign)
        .await;
    let stolen = foreign
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).json_body(json!({}));
        })
        .await;
    let client = Client::builder()
        .address(node.base_url())
        .redirects(RedirectPolicy::same_origin())
        .build()
        .unwrap();
    let err = client
        .auth()
        .userpass("userpass", "alice", "s3cret-password")
        .await
        .unwrap_err();
    assert!(err.is_redirect(), "{err}");
    assert!(!format!("{err} {err:?}").contains("s3cret-password"));
    assert_eq!(stolen.calls_async().await, 0);
}

#[tokio::test]
async fn vault_disable_redirects_turns_following_off() {
    let node = MockServer::start_async().await;
    let own = format!("{}/v1/cubbyhole/elsewhere", node.base_url());
    redirecting(&node, "/v1/cubbyhole/app", &own).await;
    let here = answering(&node, "/v1/cubbyhole/elsewhere").await;
    let from = |off: &'static str| {
        let addr = node.base_url();
        hashivault::ClientBuilder::from_env_with(move |name: &str| match name {
            "VAULT_ADDR" => Some(addr.clone()),
            "VAULT_TOKEN" => Some(TOKEN.to_string()),
            "BAO_DISABLE_REDIRECTS" => Some(off.to_string()),
            _ => None,
        })
    };
    let off = from("true").unwrap().build().unwrap();
    let err = read(&off, "app").await.unwrap_err();
    assert_eq!(refusal(&err), RedirectRefusal::Disabled);
    assert_eq!(here.calls_async().await, 0);
    let on = from("false").unwrap().build().unwrap();
    read(&on, "app").await.unwrap();
    assert_eq!(here.calls_async().await, 1);
    assert!(from("maybe").is_err());
}
