//! Helpers of the tests that run in paused time (`tokio::time::pause`, see
//! `tests/renew_schedule.rs`): a client with no timers of its own, a schedule without jitter, a
//! phase counter for the mocks, and the recorded answers of `tests/fixtures/renew/`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use hashivault::auth::RenewSchedule;
use hashivault::Client;
use httpmock::prelude::*;
use serde_json::{json, Value};

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
    hashivault::install_crypto_provider();
    let http = hashivault::reqwest::Client::builder()
        .redirect(hashivault::reqwest::redirect::Policy::none())
        .pool_idle_timeout(None)
        .build()
        .unwrap();
    let mut b = Client::builder()
        .address(server.base_url())
        .max_retries(0)
        .redirects(policy)
        .http_client(http);
    if let Some(token) = token {
        b = b.token(token);
    }
    b.build().unwrap()
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

/// No jitter, so that every instant is exact.
pub fn exact() -> RenewSchedule {
    RenewSchedule {
        jitter: 0.0,
        backoff_jitter: false,
        ..RenewSchedule::default()
    }
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
