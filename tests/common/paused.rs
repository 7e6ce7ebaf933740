//! Helpers of the tests that run in paused time (`tokio::time::pause`, see
//! `tests/renew_schedule.rs`): a client with no timers of its own, a schedule without jitter, a
//! phase counter for the mocks, the recorded answers of `tests/fixtures/renew/`, the requests
//! of the renewer and the lease watcher ([`Call`]), and the event readers and time checks of
//! the three `renew_*` files.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hashivault::auth::{AppRole, RenewEvent, RenewSchedule, RenewerBuilder, TokenRenewer};
use hashivault::lease::{
    LeaseEvent, LeaseWatcher, LeaseWatcherBuilder, RotatingSecret, RotationEvent,
};
use hashivault::{Client, ClientBuilder};
use httpmock::prelude::*;

pub use super::wire::{call, Call};
use serde_json::{json, Value};
use tokio::time::Instant;

/// A recorded answer under `tests/fixtures/renew/`.
pub fn renew_fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/renew/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// A client for `server` whose HTTP client has no timeouts and no pool idle timer, so nothing
/// but the code under test moves the paused clock; no retries.
pub fn paused_client(server: &MockServer, token: Option<&str>) -> Client {
    paused_client_with(server, token, hashivault::RedirectPolicy::default())
}

/// [`paused_client`] with a redirect policy of its own.
pub fn paused_client_with(
    server: &MockServer,
    token: Option<&str>,
    policy: hashivault::RedirectPolicy,
) -> Client {
    let mut b = paused_builder(server).redirects(policy);
    if let Some(token) = token {
        b = b.token(token);
    }
    b.build().unwrap()
}

/// The builder of [`paused_client`]: `server`'s address, an HTTP client with no timeouts, no
/// pool idle timer and no redirects, no retries; no token.
pub fn paused_builder(server: &MockServer) -> ClientBuilder {
    hashivault::install_crypto_provider();
    let http = hashivault::reqwest::Client::builder()
        .redirect(hashivault::reqwest::redirect::Policy::none())
        .pool_idle_timeout(None)
        .build()
        .unwrap();
    Client::builder()
        .address(server.base_url())
        .max_retries(0)
        .http_client(http)
}

/// `lookup-self` (recorded) of a token with `ttl` left of `creation_ttl`.
pub fn lookup_answer(ttl: u64, creation_ttl: u64, renewable: bool) -> Value {
    let mut v = renew_fixture("lookup-self.json");
    v["data"]["ttl"] = json!(ttl);
    v["data"]["creation_ttl"] = json!(creation_ttl);
    v["data"]["renewable"] = json!(renewable);
    v
}

/// A `renew-self` answer (recorded) for `token`, giving `ttl`.
pub fn renewed_answer(token: &str, ttl: u64) -> Value {
    let mut v = renew_fixture("renew-self.json");
    v["auth"]["lease_duration"] = json!(ttl);
    v["auth"]["client_token"] = json!(token);
    v
}

/// An AppRole login answer (recorded) with `token` for `ttl`.
pub fn login_answer(token: &str, ttl: u64) -> Value {
    let mut v = renew_fixture("approle-login.json");
    v["auth"]["lease_duration"] = json!(ttl);
    v["auth"]["client_token"] = json!(token);
    v
}

/// A `sys/leases/renew` answer (recorded) for `lease`, giving `ttl`.
pub fn lease_renewed_answer(lease: &str, ttl: u64) -> Value {
    let mut v = renew_fixture("lease-renew.json");
    v["lease_id"] = json!(lease);
    v["lease_duration"] = json!(ttl);
    v
}

/// The 503 answer of a sealed Vault: `{"errors": ["Vault is sealed"]}`.
pub fn sealed_answer() -> Value {
    json!({"errors": ["Vault is sealed"]})
}

/// No jitter, so that every instant is exact.
pub fn exact() -> RenewSchedule {
    RenewSchedule::default()
        .with_jitter(0.0)
        .with_backoff_jitter(false)
}

/// A phase counter the mocks match on: the test moves to the next phase when it sees an event
/// (while the code under test sleeps), and the mocks of that phase answer from then on.
#[derive(Clone, Default)]
pub struct Phase(Arc<AtomicUsize>);

impl Phase {
    /// A matcher true while the phase is `p`.
    pub fn is(&self, p: usize) -> impl Fn(&HttpMockRequest) -> bool + Send + Sync + 'static {
        let phase = self.0.clone();
        move |_| phase.load(Ordering::SeqCst) == p
    }

    /// The phase now.
    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    /// Moves to phase `p`.
    pub fn set(&self, p: usize) {
        self.0.store(p, Ordering::SeqCst);
    }
}

/// The AppRole secret id of [`approle`].
pub const SECRET_ID: &str = "app-secret";

/// The login the renewer tests use: AppRole `app-role` at `approle`.
pub fn approle() -> AppRole {
    AppRole::new("approle", "app-role", Some(SECRET_ID.into()))
}

/// `GET auth/token/lookup-self` with `token`.
pub fn lookup_self(token: &str) -> Call {
    call(GET, "/v1/auth/token/lookup-self").token(token)
}

/// `POST auth/token/renew-self` with `token`, body `{}`.
pub fn renew_self(token: &str) -> Call {
    call(POST, "/v1/auth/token/renew-self")
        .token(token)
        .body(json!({}))
}

/// `POST auth/token/revoke-self` with `token`.
pub fn revoke_self(token: &str) -> Call {
    call(POST, "/v1/auth/token/revoke-self").token(token)
}

/// The login of [`approle`]: `POST auth/approle/login` with its role and secret id.
pub fn approle_login() -> Call {
    call(POST, "/v1/auth/approle/login")
        .body(json!({"role_id": "app-role", "secret_id": SECRET_ID}))
}

/// [`approle_login`] refused for good: 400 `invalid role or secret ID`, as Vault answers a
/// wrong secret id.
pub async fn approle_login_refused(server: &MockServer) -> httpmock::Mock<'_> {
    approle_login()
        .answers(
            server,
            400,
            json!({"errors": ["invalid role or secret ID"]}),
        )
        .await
}

/// Mocks [`lookup_self`] of `token`, answered with `ttl` left of `ttl` ([`lookup_answer`]).
pub async fn looked_up<'a>(
    server: &'a MockServer,
    token: &str,
    ttl: u64,
    renewable: bool,
) -> httpmock::Mock<'a> {
    let answer = lookup_answer(ttl, ttl, renewable);
    lookup_self(token).answers(server, 200, answer).await
}

/// Mocks [`renew_self`] of `token`, answered with `ttl` ([`renewed_answer`]).
pub async fn renewing<'a>(server: &'a MockServer, token: &str, ttl: u64) -> httpmock::Mock<'a> {
    let answer = renewed_answer(token, ttl);
    renew_self(token).answers(server, 200, answer).await
}

/// Mocks [`approle_login`], answered with `token` for `ttl` ([`login_answer`]).
pub async fn logging_in<'a>(server: &'a MockServer, token: &str, ttl: u64) -> httpmock::Mock<'a> {
    let answer = login_answer(token, ttl);
    approle_login().answers(server, 200, answer).await
}

/// Mocks [`revoke_self`] of `token`, answered 204.
pub async fn revoking<'a>(server: &'a MockServer, token: &str) -> httpmock::Mock<'a> {
    revoke_self(token).answers(server, 204, Value::Null).await
}

/// `POST sys/leases/renew` of `lease`, asking for `increment` seconds when given.
pub fn lease_renew(lease: &str, increment: Option<u64>) -> Call {
    let mut body = json!({"lease_id": lease});
    if let Some(increment) = increment {
        body["increment"] = json!(increment);
    }
    call(POST, "/v1/sys/leases/renew").body(body)
}

/// `POST sys/leases/revoke` of `lease`.
pub fn lease_revoke(lease: &str) -> Call {
    call(POST, "/v1/sys/leases/revoke").body(json!({"lease_id": lease}))
}

/// A renewer of `client`'s token on the [`exact`] schedule, without a login.
pub fn exact_renewer(client: &Client) -> RenewerBuilder {
    client.auth().renewer().schedule(exact())
}

/// [`exact_renewer`] with the [`approle`] login.
pub fn relogging(client: &Client) -> RenewerBuilder {
    exact_renewer(client).login(approle())
}

/// The builder of a renewer or a lease watcher.
pub trait Spawn {
    type Handle;
    fn spawn(self) -> Self::Handle;
}

impl Spawn for RenewerBuilder {
    type Handle = TokenRenewer;
    fn spawn(self) -> TokenRenewer {
        RenewerBuilder::spawn(self)
    }
}

impl Spawn for LeaseWatcherBuilder {
    type Handle = LeaseWatcher;
    fn spawn(self) -> LeaseWatcher {
        LeaseWatcherBuilder::spawn(self)
    }
}

/// A handle whose events the tests read: a renewer, a lease watcher, rotating credentials, a
/// KV watcher or a certificate keeper.
pub trait Events {
    type Event;
    /// The handle's `next_event`.
    fn next(&mut self) -> impl std::future::Future<Output = Option<Self::Event>>;
    /// Whether `event` ends the reading of [`events_until`] whatever it is told.
    fn stops(_event: &Self::Event) -> bool {
        false
    }
}

impl Events for TokenRenewer {
    type Event = RenewEvent;
    async fn next(&mut self) -> Option<RenewEvent> {
        self.next_event().await
    }
    fn stops(event: &RenewEvent) -> bool {
        matches!(event, RenewEvent::Stopped(_))
    }
}

impl Events for LeaseWatcher {
    type Event = LeaseEvent;
    async fn next(&mut self) -> Option<LeaseEvent> {
        self.next_event().await
    }
}

impl<T: Send + Sync + 'static> Events for RotatingSecret<T> {
    type Event = RotationEvent;
    async fn next(&mut self) -> Option<RotationEvent> {
        self.next_event().await
    }
}

impl<T: Clone> Events for hashivault::kv::KvWatcher<T> {
    type Event = hashivault::kv::KvEvent;
    async fn next(&mut self) -> Option<hashivault::kv::KvEvent> {
        self.next_event().await
    }
}

#[cfg(feature = "cert-keeper")]
impl Events for hashivault::cert::CertKeeper {
    type Event = hashivault::cert::CertEvent;
    async fn next(&mut self) -> Option<hashivault::cert::CertEvent> {
        self.next_event().await
    }
    fn stops(event: &hashivault::cert::CertEvent) -> bool {
        matches!(event, hashivault::cert::CertEvent::Stopped(_))
    }
}

/// Reads up to `n` events (fewer if they end), each with its paused-clock time since `start` in
/// whole milliseconds.
pub async fn events<H: Events>(handle: &mut H, start: Instant, n: usize) -> Vec<(u64, H::Event)> {
    let mut seen = Vec::new();
    while seen.len() < n {
        let Some(event) = handle.next().await else {
            break;
        };
        seen.push((
            (start.elapsed().as_secs_f64() * 1000.0).round() as u64,
            event,
        ));
    }
    seen
}

/// Whether `actual` ms is `expected` ms, give or take tokio's timer rounding (each of `sleeps`
/// sleeps ends on the next whole millisecond plus one).
pub fn near_ms(actual: u64, expected: u64, sleeps: u64) -> bool {
    actual >= expected && actual <= expected + 2 * sleeps
}

/// Pauses the clock and starts `watcher`: the handle and the instant it started at.
pub fn spawn_paused<B: Spawn>(watcher: B) -> (B::Handle, Instant) {
    tokio::time::pause();
    let start = Instant::now();
    (watcher.spawn(), start)
}

/// A [`paused_client`] of `server` with `token`, and the renewer `builder` makes of it
/// started by [`spawn_paused`].
pub fn spawn_renewer(
    server: &MockServer,
    token: Option<&str>,
    builder: impl FnOnce(&Client) -> RenewerBuilder,
) -> (Client, TokenRenewer, Instant) {
    let client = paused_client(server, token);
    let (renewer, start) = spawn_paused(builder(&client));
    (client, renewer, start)
}

/// Asserts how many times each mock was called.
pub async fn assert_calls(expected: &[(&httpmock::Mock<'_>, usize)]) {
    for (i, (mock, times)) in expected.iter().enumerate() {
        assert_eq!(mock.calls_async().await, *times, "mock {i} (from 0)");
    }
}

/// Waits (real time, up to 10 s) for `mock` to be called by a background task, then asserts it
/// was called once.
pub async fn called_once_in_background(mock: &httpmock::Mock<'_>) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while mock.calls_async().await == 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(mock.calls_async().await, 1);
}

/// Drops the renewer or watcher, lets real time run again (httpmock's own calls need it), and
/// [`assert_calls`].
pub async fn dropped_then_calls<H>(handle: H, expected: &[(&httpmock::Mock<'_>, usize)]) {
    drop(handle);
    tokio::time::resume();
    assert_calls(expected).await;
}

/// Reads events until `done` says so (or the handle [`Events::stops`] on it: a renewer's or a
/// keeper's `Stopped`), each with the paused-clock time since `start`.
pub async fn events_until<H: Events>(
    handle: &mut H,
    start: Instant,
    mut done: impl FnMut(Duration, &H::Event) -> bool,
) -> Vec<(Duration, H::Event)> {
    let mut seen = Vec::new();
    while let Some(event) = handle.next().await {
        let at = start.elapsed();
        let stop = done(at, &event) || H::stops(&event);
        seen.push((at, event));
        if stop {
            break;
        }
    }
    seen
}

/// The retry waits (whole seconds) of `seen`, every one a failure (`failure` gives its error and
/// wait) on a sealed Vault; panics on any other event.
pub fn sealed_waits<T, E: std::fmt::Debug>(
    seen: &[(T, E)],
    failure: impl Fn(&E) -> Option<(&Arc<hashivault::Error>, Duration)>,
) -> Vec<u64> {
    seen.iter()
        .map(|(_, e)| match failure(e) {
            Some((error, retry_in)) => {
                assert!(error.is_sealed(), "{error:?}");
                retry_in.as_secs()
            }
            None => panic!("{e:?}"),
        })
        .collect()
}

/// Milliseconds.
pub fn ms(at: Duration) -> f64 {
    at.as_secs_f64() * 1000.0
}

/// Whether `at` is `expected` ms, or up to 10 ms per sleep so far (`sleeps`) later: each sleep
/// ends on the next whole millisecond plus one, and while the paused runtime waits for the mock
/// server's answer (a real socket) tokio may advance its clock by a few milliseconds more.
pub fn near(at: Duration, expected: f64, sleeps: usize) -> bool {
    ms(at) >= expected - 0.01 && ms(at) <= expected + 10.0 * sleeps as f64 + 0.01
}

/// Asserts that the `i`-th time is `expected[i]` ms ([`near`], `i + 1` sleeps).
#[track_caller]
pub fn assert_times(actual: &[Duration], expected: &[f64]) {
    assert_eq!(
        actual.len(),
        expected.len(),
        "{actual:?} vs {expected:?} ms"
    );
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!(
            near(*a, *e, i + 1),
            "event {i}: at {} ms, expected {e} ms ({actual:?})",
            ms(*a)
        );
    }
}

/// The times of `events`.
pub fn times<E>(events: &[(Duration, E)]) -> Vec<Duration> {
    events.iter().map(|(at, _)| *at).collect()
}

/// `n` multiples of `step` ms, from `step`.
pub fn every(step: f64, n: usize) -> Vec<f64> {
    (1..=n).map(|i| step * i as f64).collect()
}

/// Stops the renewer and lets real time run again (httpmock's own calls need it).
pub fn finish(renewer: TokenRenewer) {
    renewer.stop();
    drop(renewer);
    tokio::time::resume();
}
