//! httpmock helpers shared by the wire tests: a client for a mock server, Vault's envelope
//! shapes (`answer`, `leased`, `login`), and `expect`, which mocks one exact request (method,
//! path, query, token and request headers, body) and answers it.

use std::future::Future;

use hashivault::{Client, Envelope, ExposeSecret, RetryPolicy, Sensitive};
use httpmock::prelude::*;
use httpmock::Mock;
use serde_json::{json, Map, Value};

use super::paused::Phase;

pub const TOKEN: &str = "hvs.test";

pub fn client(server: &MockServer) -> Client {
    client_as(server, TOKEN)
}

/// [`client`], listing with the `LIST` verb (`ListMethod::ListVerb`) instead of `?list=true`.
pub fn list_verb_client(server: &MockServer) -> Client {
    Client::builder()
        .address(server.base_url())
        .token(TOKEN)
        .max_retries(0)
        .list_method(hashivault::ListMethod::ListVerb)
        .build()
        .unwrap()
}

/// A client for a mock server with `token` and no retries.
pub fn client_as(server: &MockServer, token: &str) -> Client {
    Client::builder()
        .address(server.base_url())
        .token(token)
        .max_retries(0)
        .build()
        .unwrap()
}

/// A client for a mock server with no token (a login's) and no retries.
pub fn tokenless_client(server: &MockServer) -> Client {
    Client::builder()
        .address(server.base_url())
        .retry_policy(fast_retries(0))
        .build()
        .unwrap()
}

/// A base URL where nothing listens (`http://127.0.0.1:PORT`, a port just bound and let go).
pub fn closed_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

/// Retries with delays of a few milliseconds, so a test of the retry rules runs at once.
pub fn fast_retries(max: usize) -> RetryPolicy {
    super::retries(max, 1, 5)
}

/// The headers every request of [`client`] carries: its token and `X-Vault-Request`.
pub fn vault_headers(when: httpmock::When) -> httpmock::When {
    when.header("x-vault-token", TOKEN)
        .header("x-vault-request", "true")
}

/// A recorded answer anywhere under `tests/fixtures/` (`sys-health.json`, `kv/v2_read.json`).
pub fn recorded(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A recorded KV answer, `tests/fixtures/kv/<name>.json`, as text (the wire tests answer it as
/// sent, byte for byte).
pub fn kv_fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/kv/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A recorded answer under `tests/fixtures/api/`.
pub fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/api/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// The generated `cubbyhole_read` of `path`, the plainest call there is (with the `cubbyhole`
/// group: the TLS-variant runs of `cargo xtask test` build this module without it).
#[cfg(feature = "cubbyhole")]
pub async fn read_cubbyhole(
    client: &Client,
    path: &str,
) -> Result<hashivault::Response<Envelope>, hashivault::Error> {
    client.api().cubbyhole_read().path(path).send().await
}

/// The generated `kv_v2_read` of `path` at `mount` (with the `kv` group).
#[cfg(feature = "kv")]
pub async fn read_kv2(
    client: &Client,
    mount: &str,
    path: &str,
) -> Result<
    hashivault::Response<Envelope<hashivault::api::types::KvV2ReadResponse>>,
    hashivault::Error,
> {
    client
        .api()
        .kv_v2_read()
        .kv_v2_mount_path(mount)
        .path(path)
        .send()
        .await
}

pub fn s(text: &str) -> String {
    text.to_string()
}

/// A credential for a generated body field (`Sensitive`: redacted in `Debug`).
pub fn secret(v: &str) -> Sensitive {
    Sensitive::from(v)
}

pub fn obj(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

/// A logical answer in Vault's envelope shape, with `data`.
pub fn answer(data: Value) -> Value {
    json!({
        "request_id": "0d0c1b9e-5c2f-4f0e-9f55-3d1a2b4c5d6e",
        "lease_id": "",
        "renewable": false,
        "lease_duration": 0,
        "data": data,
        "wrap_info": null,
        "warnings": null,
        "auth": null,
        "mount_type": ""
    })
}

/// A dynamic-secret answer: `data` with a lease.
pub fn leased(lease_id: &str, lease_duration: u64, data: Value) -> Value {
    let mut body = answer(data);
    body["lease_id"] = json!(lease_id);
    body["renewable"] = json!(true);
    body["lease_duration"] = json!(lease_duration);
    body
}

/// A login answer: no `data`, an `auth` block.
pub fn login(token: &str, policies: &[&str], metadata: Value) -> Value {
    let mut body = answer(Value::Null);
    body["auth"] = json!({
        "client_token": token,
        "accessor": "acc-7d1e0c",
        "policies": policies,
        "token_policies": policies,
        "metadata": metadata,
        "lease_duration": 3600,
        "renewable": true,
        "entity_id": "e-5a1c",
        "token_type": "service",
        "orphan": true,
        "mfa_requirement": null,
        "num_uses": 0
    });
    body
}

/// OpenBao 2.7.2 answers `custom_metadata: null`, which the generated types cannot decode yet
/// (see tests/api_null_fields.rs); the group tests use the answer with an empty map instead.
pub fn without_null_custom_metadata(mut reply: Value) -> Value {
    reply["data"]["custom_metadata"] = json!({});
    reply
}

/// The request a test expects on the wire.
pub struct Wire {
    pub method: httpmock::Method,
    pub path: &'static str,
    /// The exact query string, or `None` for no query at all.
    pub query: Option<&'static str>,
    /// The exact JSON body, or `None` for an empty body.
    pub body: Option<Value>,
}

pub fn post(path: &'static str, body: Value) -> Wire {
    Wire {
        method: POST,
        path,
        query: None,
        body: Some(body),
    }
}

pub fn get(path: &'static str) -> Wire {
    Wire {
        method: GET,
        path,
        query: None,
        body: None,
    }
}

/// Mocks `wire` exactly (method, path, query, token and request headers, body) and answers
/// `status` with `reply` (no body when `None`).
pub async fn expect<'a>(
    server: &'a MockServer,
    wire: Wire,
    status: u16,
    reply: Option<Value>,
) -> Mock<'a> {
    let Wire {
        method,
        path,
        query,
        body,
    } = wire;
    server
        .mock_async(move |when, then| {
            let when = when
                .method(method)
                .path(path)
                .header("x-vault-token", TOKEN)
                .header("x-vault-request", "true")
                .header_missing("x-vault-namespace")
                .is_true(move |req| req.uri().query() == query);
            match body {
                Some(body) => {
                    when.json_body(body);
                }
                None => {
                    when.is_true(|req| req.body().0.is_empty());
                }
            }
            let then = then.status(status);
            if let Some(reply) = reply {
                then.json_body(reply);
            }
        })
        .await
}

/// One call on the wire: a mock server that expects exactly `wire` (see [`expect`]) and answers
/// `status` with `reply`; `call` runs on a [`client`] of it; the request must have been made once.
pub async fn try_on_wire<T, F, Fut>(
    wire: Wire,
    status: u16,
    reply: Option<Value>,
    call: F,
) -> Result<hashivault::Response<T>, hashivault::Error>
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = Result<hashivault::Response<T>, hashivault::Error>>,
{
    let server = MockServer::start_async().await;
    let mock = expect(&server, wire, status, reply).await;
    let answer = call(client(&server)).await;
    mock.assert_async().await;
    answer
}

/// [`try_on_wire`] for a call that succeeds.
pub async fn on_wire<T, F, Fut>(
    wire: Wire,
    status: u16,
    reply: Option<Value>,
    call: F,
) -> hashivault::Response<T>
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = Result<hashivault::Response<T>, hashivault::Error>>,
{
    try_on_wire(wire, status, reply, call)
        .await
        .expect("the call succeeds")
}

/// A login on the wire: [`on_wire`] with `wire` answered by [`login`]`(token, policies,
/// metadata)`; returns the envelope, its auth block checked by [`assert_login`].
pub async fn login_on_wire<F, Fut>(
    wire: Wire,
    token: &str,
    policies: &[&str],
    metadata: Value,
    call: F,
) -> Envelope
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = Result<hashivault::Response<Envelope>, hashivault::Error>>,
{
    let reply = login(token, policies, metadata);
    let env = on_wire(wire, 200, Some(reply), call).await.into_inner();
    assert_login(&env, token, policies);
    env
}

/// The generated `app_role_read_role` of role `ci` at `approle`, answered 200 with `reply`.
#[cfg(feature = "auth-approle")]
pub async fn approle_read_role(
    reply: Value,
) -> Result<
    hashivault::Response<Envelope<hashivault::api::types::AppRoleReadRoleResponse>>,
    hashivault::Error,
> {
    try_on_wire(get("/v1/auth/approle/role/ci"), 200, Some(reply), |c| {
        c.api()
            .app_role_read_role()
            .approle_mount_path("approle")
            .role_name("ci")
            .send()
    })
    .await
}

/// The token of `tests/fixtures/userpass-login.json` (recorded), which a login stores.
pub const USERPASS_TOKEN: &str = "s.a2LxQJlzPGYto0DGAspjzhhr";

/// `client` holds `token` (after a login).
pub fn assert_token(client: &Client, token: &str) {
    assert_eq!(client.token().unwrap().expose_secret(), token);
}

pub fn assert_login(env: &Envelope, token: &str, policies: &[&str]) {
    assert!(env.data.is_none());
    let auth = env.auth.as_ref().expect("an auth block");
    assert_eq!(auth.client_token.expose_secret(), token);
    assert_eq!(auth.accessor, "acc-7d1e0c");
    assert_eq!(auth.policies, policies);
    assert_eq!(auth.lease_duration, 3600);
    assert!(auth.renewable && auth.orphan);
    assert_eq!(auth.token_type, "service");
}

/// A request a test mocks, built up from its method and path: the query parameters, headers,
/// `X-Vault-Token` and exact JSON body it must carry when given, and the phase it answers in.
pub struct Call {
    method: Option<httpmock::Method>,
    path: Option<String>,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    missing: Vec<String>,
    body: Option<Value>,
    phase: Option<(Phase, usize)>,
    checks: Vec<Check>,
    reply_headers: Vec<(String, String)>,
}

/// A condition on a request beyond its method, path, query, headers and body.
type Check = Box<dyn Fn(&httpmock::HttpMockRequest) -> bool + Send + Sync>;

/// `method path`, with any headers and body, in any phase.
pub fn call(method: httpmock::Method, path: impl Into<String>) -> Call {
    Call {
        method: Some(method),
        path: Some(path.into()),
        ..any_request()
    }
}

/// A userpass login of `user` at `userpass` with exactly `password`, sent without a token.
pub fn userpass_login(user: &str, password: &str) -> Call {
    call(POST, format!("/v1/auth/userpass/login/{user}"))
        .header_missing("x-vault-token")
        .body(json!({ "password": password }))
}

/// The login of `alice` with `password` at `userpass` (what [`userpass_login`] mocks).
pub async fn alice_login(
    client: &Client,
    password: &str,
) -> Result<hashivault::AuthInfo, hashivault::Error> {
    client.auth().userpass("userpass", "alice", password).await
}

/// A LIST as `GET path?list=true`.
pub fn list_call(path: impl Into<String>) -> Call {
    call(GET, path).query("list", "true")
}

/// `path` with any method.
pub fn at(path: impl Into<String>) -> Call {
    Call {
        path: Some(path.into()),
        ..any_request()
    }
}

/// Any request at all.
pub fn any_request() -> Call {
    Call {
        method: None,
        path: None,
        query: Vec::new(),
        headers: Vec::new(),
        missing: Vec::new(),
        body: None,
        phase: None,
        checks: Vec::new(),
        reply_headers: Vec::new(),
    }
}

/// A mock of any request at all, answered 500: for a call that must fail before it sends
/// anything (the mock's `calls_async()` stays 0).
pub async fn any_request_fails(server: &MockServer) -> Mock<'_> {
    any_request().answers(server, 500, Value::Null).await
}

/// Mocks `request` on `server`, answered 200 with the [`recorded`] answer `fixture`.
pub async fn answers_recorded<'a>(
    server: &'a MockServer,
    request: Call,
    fixture: &str,
) -> Mock<'a> {
    request.answers(server, 200, recorded(fixture)).await
}

/// What a mock answers: nothing, JSON, text as sent, or an HTML page (a proxy's).
pub enum Reply {
    Empty,
    Json(Value),
    Text(String),
    Html(String),
}

impl From<Value> for Reply {
    /// `Value::Null` is no body.
    fn from(value: Value) -> Self {
        match value {
            Value::Null => Reply::Empty,
            json => Reply::Json(json),
        }
    }
}

impl From<String> for Reply {
    fn from(text: String) -> Self {
        Reply::Text(text)
    }
}

impl From<&str> for Reply {
    fn from(text: &str) -> Self {
        Reply::Text(text.to_string())
    }
}

impl Call {
    /// Only with the query parameter `name=value`.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Only with the header `name: value`.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Only without the header `name`.
    pub fn header_missing(mut self, name: impl Into<String>) -> Self {
        self.missing.push(name.into());
        self
    }

    /// Only without the query parameter `name`.
    pub fn query_missing(self, name: &'static str) -> Self {
        self.matching(move |req| !req.query_params().iter().any(|(k, _)| k == name))
    }

    /// Only with no query string at all.
    pub fn no_query(self) -> Self {
        self.matching(|req| req.uri().query().is_none())
    }

    /// Only when `check` holds for the request.
    pub fn matching(
        mut self,
        check: impl Fn(&httpmock::HttpMockRequest) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.checks.push(Box::new(check));
        self
    }

    /// The answer carries the header `name: value`.
    pub fn reply_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.reply_headers.push((name.into(), value.into()));
        self
    }

    /// Only with this `X-Vault-Token`.
    pub fn token(self, token: &str) -> Self {
        self.header("x-vault-token", token)
    }

    /// Only with the headers of a [`client`]: its token and `X-Vault-Request`.
    pub fn vault_headers(self) -> Self {
        self.token(TOKEN).header("x-vault-request", "true")
    }

    /// Only with exactly this JSON body.
    pub fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Only while `phase` is at `n`.
    pub fn during(mut self, phase: &Phase, n: usize) -> Self {
        self.phase = Some((phase.clone(), n));
        self
    }

    /// [`Call::during`] `phase` (the counter and the phase), then [`Call::answers`].
    pub async fn answers_during<'a>(
        self,
        server: &'a MockServer,
        (phase, n): (&Phase, usize),
        answer: (u16, impl Into<Reply>),
    ) -> Mock<'a> {
        self.during(phase, n)
            .answers(server, answer.0, answer.1)
            .await
    }

    /// Mocks the request on `server`, answering `status` with `reply`.
    pub async fn answers(
        mut self,
        server: &MockServer,
        status: u16,
        reply: impl Into<Reply>,
    ) -> Mock<'_> {
        let reply = reply.into();
        let headers = std::mem::take(&mut self.reply_headers);
        server
            .mock_async(move |when, then| {
                self.when(when);
                let mut then = then.status(status);
                for (name, value) in headers {
                    then = then.header(name, value);
                }
                match reply {
                    Reply::Empty => {}
                    Reply::Json(json) => {
                        then.json_body(json);
                    }
                    Reply::Text(text) => {
                        then.body(text);
                    }
                    Reply::Html(text) => {
                        then.header("content-type", "text/html").body(text);
                    }
                }
            })
            .await
    }

    /// Mocks the request, answering `307` to the same path on `to` (a standby's redirect).
    pub async fn redirects_to<'a>(self, server: &'a MockServer, to: &MockServer) -> Mock<'a> {
        let path = self.path.clone().expect("a redirect of a path");
        let location = format!("{}{path}", to.base_url());
        server
            .mock_async(move |when, then| {
                self.when(when);
                then.status(307).header("location", location);
            })
            .await
    }

    fn when(self, mut when: httpmock::When) {
        if let Some(method) = self.method {
            when = when.method(method);
        }
        if let Some(path) = self.path {
            when = when.path(path);
        }
        for name in self.missing {
            when = when.header_missing(name);
        }
        for (name, value) in self.query {
            when = when.query_param(name, value);
        }
        for (name, value) in self.headers {
            when = when.header(name, value);
        }
        if let Some(body) = self.body {
            when = when.json_body(body);
        }
        for check in self.checks {
            when = when.is_true(check);
        }
        if let Some((phase, n)) = self.phase {
            when.is_true(phase.is(n));
        }
    }
}

/// Reads from `stream` until the end of an HTTP request's head (`\r\n\r\n`); `early` is the
/// message of the failure if the stream ends before.
pub async fn read_head<S: tokio::io::AsyncRead + Unpin>(stream: &mut S, early: &str) -> Vec<u8> {
    use tokio::io::AsyncReadExt;
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "{early}");
        head.extend_from_slice(&buf[..n]);
    }
    head
}
