//! One surface: a generated operation and a handwritten helper fail with the same
//! `hashivault::Error`, printed the way applications print it (`{e}`, and `{e:#}` through
//! anyhow), and their handles are owned (`'static`, `Send`).
//!
//! The 403 and 404 bodies are what OpenBao 2.7.2 answers (`bao server -dev`, a token without
//! the policy, and a path with nothing at it): `{"errors":["1 error occurred:\n\t* permission
//! denied\n\n"]}` and `{"errors":[]}`.
// The API groups this file's calls use: empty without them (`scripts/feature-sets.sh`).
#![cfg(all(feature = "cubbyhole", feature = "kv", feature = "sys"))]

mod common;

use std::time::Duration;

use common::wire::{call, client, closed_address, recorded, TOKEN};
use hashivault::{Client, Error};
use httpmock::prelude::*;
use serde_json::json;

const DENIED: &str = "{\"errors\":[\"1 error occurred:\\n\\t* permission denied\\n\\n\"]}";

/// A mock answering every request with `status` and `body`.
async fn answering(status: u16, body: &'static str) -> MockServer {
    let server = MockServer::start_async().await;
    server
        .mock_async(|_, then| {
            then.status(status)
                .header("content-type", "application/json")
                .body(body);
        })
        .await;
    server
}

/// The generated call of the example (`transit`), or the default features' `cubbyhole`.
async fn generated(client: &Client) -> Result<(), Error> {
    #[cfg(feature = "transit")]
    {
        client
            .api()
            .transit_read_key()
            .transit_mount_path("transit")
            .name("nope")
            .send()
            .await?;
    }
    #[cfg(not(feature = "transit"))]
    {
        client.api().cubbyhole_read().path("nope").send().await?;
    }
    Ok(())
}

#[cfg(feature = "transit")]
const GENERATED: (&str, &str) = ("/v1/transit/keys/nope", "transit_read_key");
#[cfg(not(feature = "transit"))]
const GENERATED: (&str, &str) = ("/v1/cubbyhole/nope", "cubbyhole_read");

async fn handwritten(client: &Client) -> Result<(), Error> {
    client.kv2("secret").read_json("app").await?;
    Ok(())
}

const HANDWRITTEN: (&str, &str) = ("/v1/secret/data/app", "kv_v2_read");

/// The errors of the same failing read through the generated API and the handwritten helper,
/// each with the path and operation it names.
async fn both_layers(client: &Client) -> [(Error, (&'static str, &'static str)); 2] {
    [
        (generated(client).await.unwrap_err(), GENERATED),
        (handwritten(client).await.unwrap_err(), HANDWRITTEN),
    ]
}

/// What an application prints: `{e}`, then `{e:#}` of the same error through anyhow, where
/// each cause is printed once (no error's text repeated by the one before it).
fn printed(e: impl std::error::Error + Send + Sync + 'static) -> (String, String) {
    let shown = e.to_string();
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    let e: anyhow::Error = e.into();
    let chained = format!("{e:#}");
    let mut expected = shown.clone();
    for cause in &causes {
        assert!(
            !shown.contains(cause.as_str()),
            "`{shown}` repeats its cause `{cause}`"
        );
        expected.push_str(": ");
        expected.push_str(cause);
    }
    assert_eq!(chained, expected);
    (shown, chained)
}

#[tokio::test]
async fn a_403_reads_the_same_from_both_layers() {
    let server = answering(403, DENIED).await;
    for (err, (path, op)) in both_layers(&client(&server)).await {
        assert!(err.is_permission_denied(), "{err:?}");
        assert_eq!(err.operation(), Some(op));
        let (shown, chained) = printed(err);
        let want =
            format!("Vault answered 403 (Forbidden) to GET {path} ({op}): permission denied");
        assert_eq!(shown, want);
        assert_eq!(chained, want, "no source to chain");
        assert!(!chained.contains(TOKEN));
    }
}

#[tokio::test]
async fn a_404_with_and_without_vaults_errors() {
    for (body, tail) in [
        ("{\"errors\":[]}", String::new()),
        (
            "{\"errors\":[\"no handler for route \\\"transit/keys/nope\\\"\"]}",
            ": no handler for route \"transit/keys/nope\"".to_string(),
        ),
    ] {
        let server = answering(404, body).await;
        for (err, (path, op)) in both_layers(&client(&server)).await {
            assert!(err.is_not_found(), "{err:?}");
            let (shown, _) = printed(err);
            assert_eq!(
                shown,
                format!("Vault answered 404 (InvalidPath) to GET {path} ({op}){tail}")
            );
        }
    }
}

/// A client of an address nothing listens on, without retries, and that address.
fn dead_server() -> (Client, String) {
    let addr = closed_address();
    let client = Client::builder()
        .address(&addr)
        .token(TOKEN)
        .max_retries(0)
        .build()
        .unwrap();
    (client, addr)
}

/// `needle` occurs once in `text`.
fn once(text: &str, needle: &str) {
    assert_eq!(text.matches(needle).count(), 1, "`{needle}` in {text}");
}

#[tokio::test]
async fn a_dead_server_is_a_transport_error_not_a_stand_in_status() {
    let (client, addr) = dead_server();
    for (err, (path, op)) in both_layers(&client).await {
        assert!(err.is_transport(), "{err:?}");
        assert_eq!(err.status(), None, "no stand-in status");
        let (shown, chained) = printed(err);
        let start = format!(
            "{op}: no answer from {addr}{path}: connection refused: is Vault running at VAULT_ADDR, and is the port right?"
        );
        assert!(shown.starts_with(&start), "{shown}");
        assert!(
            !shown.contains("599") && !shown.contains("no.url.provided"),
            "{shown}"
        );
        // anyhow's `{:#}` adds the causes reqwest gives (connection refused), once.
        assert!(chained.starts_with(&format!("{shown}: ")), "{chained}");
        once(&chained, "error sending request");
        once(&chained, "Connection refused");
    }
}

/// An error that holds a transport error (a renewer's stop, a certificate keeper's) prints its
/// text once with `{e}`, and reqwest's causes once after it with `{e:#}`.
#[tokio::test]
async fn errors_holding_a_transport_error_print_each_cause_once() {
    let (client, _) = dead_server();
    let [(err, _), _] = both_layers(&client).await;
    let err = std::sync::Arc::new(err);
    let transport = err.to_string();
    let (shown, chained) = printed(hashivault::auth::StopReason::Expired(err.clone()));
    assert_eq!(
        shown,
        format!("the token expired, renewals failing: {transport}")
    );
    once(&chained, "Connection refused");
    #[cfg(feature = "cert-keeper")]
    {
        let (shown, chained) = printed(hashivault::cert::CertStop::Refused(err));
        assert_eq!(
            shown,
            format!("the certificate keeper stopped: {transport}")
        );
        once(&chained, "Connection refused");
    }
}

/// A server that takes two seconds to answer.
async fn stalled() -> MockServer {
    let server = MockServer::start_async().await;
    server
        .mock_async(|_, then| {
            then.status(200)
                .delay(Duration::from_secs(2))
                .json_body(json!({}));
        })
        .await;
    server
}

#[tokio::test]
async fn a_timeout_and_a_deadline_name_the_operation() {
    let server = stalled().await;
    let of = |b: hashivault::ClientBuilder| b.token(TOKEN).max_retries(0).build().unwrap();
    let timeout = of(Client::builder()
        .address(server.base_url())
        .timeout(Duration::from_millis(200)));
    let deadline = of(Client::builder()
        .address(server.base_url())
        .deadline(Duration::from_millis(300)));
    for (err, (path, op)) in both_layers(&timeout).await {
        assert!(err.is_timeout() && err.is_transport(), "{err:?}");
        let (shown, _) = printed(err);
        let url = format!("{}{path}", server.base_url());
        assert!(
            shown.starts_with(&format!("{op}: no answer from {url}: ")),
            "{shown}"
        );
        assert!(shown.contains("VAULT_CLIENT_TIMEOUT"), "{shown}");
    }
    for (err, (path, op)) in both_layers(&deadline).await {
        assert!(err.is_deadline(), "{err:?}");
        let (shown, chained) = printed(err);
        let url = format!("{}{path}", server.base_url());
        assert!(
            shown.starts_with(&format!(
                "{op}: the call's deadline of 0.300s passed (after 1 attempt(s), "
            )),
            "{shown}"
        );
        assert!(
            shown.contains(&format!(
                ") at {url}; the last answer: no answer from {url}: the request timed out"
            )),
            "{shown}"
        );
        // The last answer is in the deadline's text; `{e:#}` goes on with reqwest's causes.
        assert!(chained.starts_with(&format!("{shown}: ")), "{chained}");
        once(&chained, "no answer from");
    }
}

#[tokio::test]
async fn an_answer_without_data_names_the_operation() {
    let server = MockServer::start_async().await;
    call(GET, "/v1/cubbyhole/app")
        .answers(
            &server,
            200,
            json!({
                "request_id": "7c0cbc55-7cf9-4ee3-8e1c-ae0b6a4d4c1c",
                "lease_id": "",
                "renewable": false,
                "lease_duration": 0,
                "data": null,
                "wrap_info": null,
                "warnings": ["a warning"],
                "auth": null,
                "mount_type": "cubbyhole"
            }),
        )
        .await;
    let answer = common::wire::read_cubbyhole(&client(&server), "app")
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    assert_eq!(answer.operation(), "cubbyhole_read");
    assert_eq!(answer.warnings(), ["a warning"]);
    assert!(answer.data().is_err());
    let err = answer.into_data().unwrap_err();
    assert!(err.is_decode());
    assert_eq!(
        err.to_string(),
        "the answer to cubbyhole_read could not be decoded: the response has no `data` block"
    );
}

/// Handles and builders own a client clone: stored in a struct, moved into `tokio::spawn`.
#[tokio::test]
async fn handles_and_builders_are_owned() {
    fn owned<T: Send + Sync + 'static>(_: &T) {}
    let server = MockServer::start_async().await;
    let read = call(GET, "/v1/secret/data/app")
        .token(TOKEN)
        .answers(&server, 200, recorded("kv/v2_read.json"))
        .await;
    let client = client(&server);
    struct Service {
        kv: hashivault::kv::Kv2,
        auth: hashivault::auth::AuthApi,
        api: hashivault::api::Client,
    }
    let service = Service {
        kv: client.kv2("secret"),
        auth: client.auth(),
        api: client.api(),
    };
    owned(&service.kv);
    owned(&service.auth);
    owned(&service.api);
    owned(&client.kv1("kv"));
    let builder = service
        .api
        .kv_v2_read()
        .kv_v2_mount_path("secret")
        .path("app");
    owned(&builder);
    drop(client);
    let generated = tokio::spawn(builder.send()).await.unwrap().unwrap();
    let kv = service.kv.clone();
    let helper = tokio::spawn(async move { kv.read_json("app").await })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        generated.into_data().unwrap().metadata.unwrap().version,
        helper.metadata.version
    );
    read.assert_calls_async(2).await;
}

/// A login through the generated operation: `into_auth()` gives the `auth` block (its token
/// hidden in `Debug`), the headers stay reachable (`vault_index()`), and `login_with` stores
/// the token in the client.
#[cfg(feature = "auth-userpass")]
#[tokio::test]
async fn a_generated_login_gives_its_auth_block_and_headers() {
    let server = MockServer::start_async().await;
    let login = call(POST, "/v1/auth/userpass/login/alice")
        .body(json!({"password": "pw-alice"}))
        .reply_header("x-vault-index", "v1:AAAAAQ")
        .answers(&server, 200, recorded("userpass-login.json"))
        .await;
    let client = client(&server);
    let send = || {
        client
            .api()
            .userpass_login()
            .userpass_mount_path("userpass")
            .username("alice")
            .body_map(|b| b.password("pw-alice"))
            .send()
    };
    let answer = send().await.unwrap();
    assert_eq!(answer.vault_index(), Some("v1:AAAAAQ"));
    assert_eq!(answer.operation(), "userpass_login");
    let auth = answer.into_auth().unwrap();
    assert_eq!(
        hashivault::ExposeSecret::expose_secret(&auth.client_token),
        "s.a2LxQJlzPGYto0DGAspjzhhr"
    );
    assert!(!format!("{auth:?}").contains("s.a2LxQJlzPGYto0DGAspjzhhr"));
    client.auth().login_with(send()).await.unwrap();
    assert_eq!(
        hashivault::ExposeSecret::expose_secret(&client.token().unwrap()),
        "s.a2LxQJlzPGYto0DGAspjzhhr"
    );
    login.assert_calls_async(2).await;
}
