//! Keeping a token alive, in the spirit of Vault's lifetime watcher.
//!
//! # The schedule
//!
//! After every login or renewal the renewer knows how long the token has left (`ttl`) and waits
//! [`RenewSchedule::fraction`] of it (2/3 by default), shortened by a random share of up to
//! [`RenewSchedule::jitter`] (10 %) so that many replicas started together spread out, and never
//! less than [`RenewSchedule::floor`] (1 s): there is no zero wait, so no TTL, however short,
//! makes a hot loop. Then it renews (`POST auth/token/renew-self`).
//!
//! - A 10 s token is renewed every 6.0–6.7 s, a 1 h token every 36–40 min: one request per
//!   renewal period.
//! - A TTL below the floor is renewed once per floor (the token may expire in between; a login
//!   method then replaces it).
//! - A renewal that gives back less than the TTL the token was granted has hit the token's
//!   `max_ttl`: renewing again cannot help. With a login method the renewer logs in again at the
//!   same fraction of what is left ([`RenewEvent::MaxTtlReached`], then
//!   [`RenewEvent::LoggedIn`]); without one it stops with [`StopReason::MaxTtlReached`] (the token
//!   stays good until it expires).
//! - A token that is not renewable is handled the same way ([`StopReason::NotRenewable`]).
//! - A renewal refused by Vault itself (400/401/403 with Vault's JSON error body) means the
//!   token was revoked: log in again at once, or stop with [`StopReason::Revoked`].
//! - Any other renewal failure is retried with exponential backoff and jitter
//!   ([`RenewSchedule::backoff_min`], 1 s, doubling up to [`RenewSchedule::backoff_max`], 60 s),
//!   but no later than 2/3 of what is left (at least the floor); once the token has expired the
//!   renewer logs in again, or stops with [`StopReason::Expired`].
//! - Logins that fail are retried with the same backoff (1, 2, 4, 8, 16 s ...: five attempts in
//!   a 30 s outage). A login refused by Vault itself (400/401/403: wrong credentials, a secret
//!   id used up) stops the renewer with [`StopReason::LoginFailing`].
//!
//! # What stops a watcher, what is retried
//!
//! The renewer and the lease watcher ([`crate::lease`]) decide with one rule: they give up only
//! when **Vault refuses the credentials or the lease**, that is a `400`, `401` or `403` answered
//! by Vault itself (its JSON error body, `{"errors": [...]}`; a proxy's HTML 403 is not Vault
//! speaking), besides the "not renewable" and max-TTL cases above, and input the client refuses
//! before sending (it would be refused the same way every time). Everything else says nothing
//! about the credentials and is retried with the backoff above:
//!
//! | failure | why it is retried |
//! |---|---|
//! | a refused redirect ([`Error::Redirect`]) | a standby pointing at an active node the policy does not follow, or one that is gone |
//! | `5xx`, `503` sealed, a standby that cannot forward (`500`/`503` "active node not found") | a cluster mid-failover, restarting or sealed |
//! | `412`, `429`, `408`, `404`, any other status | consistency, rate limits, a mount a new leader has not loaded yet |
//! | [`Error::Deadline`], a transport error, a timeout | no (whole) answer |
//! | [`Error::TooLarge`], [`Error::Decode`] | an answer that is not Vault's (a proxy, a captive portal) |
//!
//! So a failover is never fatal: a renewer that sees a `307` it will not follow, or a node that
//! is down, keeps trying within the token's life and then logs in again.
//! - A re-login revokes the token it replaces (`revoke-self` with the old token) unless
//!   [`RenewerBuilder::revoke_replaced`] is turned off, so no login leaves a live token behind.
//!   Revoking a token also revokes the leases created with it: rotate those credentials after a
//!   [`RenewEvent::LoggedIn`] (or keep the old token with `revoke_replaced(false)`).
//! - A token without expiry (a root token) needs nothing: the renewer stops with
//!   [`StopReason::NoExpiry`] and the token stays good.
//!
//! # Events and status
//!
//! Events go to a broadcast channel that drops the oldest when a reader falls behind: sending
//! never waits, so a renewer whose events nobody reads keeps renewing. The current state is in a
//! [`tokio::sync::watch`] channel ([`TokenRenewer::status`], [`TokenRenewer::watch`]), and
//! [`TokenRenewer::ready`] waits until the token is good.
//!
//! The readers are owned: [`TokenRenewer::events`] (an [`Events`]) and [`TokenRenewer::watch`]
//! borrow nothing from the handle, so one task can read events while another part of the service
//! holds the [`TokenRenewer`]. Dropping the handle (or [`TokenRenewer::stop`]) stops the
//! background task at its next step: readers get [`RenewEvent::Stopped`] with
//! [`StopReason::Cancelled`], then the end of the channel, and the status becomes
//! [`TokenStatus::Stopped`]. No task outlives the handle.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use tokio::sync::{broadcast, watch};
use tokio::time::Instant;

use super::Login;
use crate::watch::{self as engine, remaining, Engine, Handle, Outcome, Renewal, Renews, Watched};
#[cfg(test)]
use crate::watch::{is_not_renewable, vault_refused};
pub use crate::watch::{Events, RenewSchedule};
use crate::{Client, Error};

/// What the renewer did. Errors are shared (`Arc`) so that every reader gets the event.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum RenewEvent {
    /// The token was renewed; it now lives this long.
    Renewed {
        /// The new TTL.
        ttl: Duration,
    },
    /// A new token was obtained with the login method (the one it replaces is revoked unless
    /// that was turned off).
    LoggedIn {
        /// The new token's TTL.
        ttl: Duration,
    },
    /// The token reached its max TTL; the renewer will log in again before it expires.
    MaxTtlReached {
        /// How long the token still lives.
        expires_in: Duration,
    },
    /// A renewal failed; it is retried after `retry_in`.
    RenewFailed {
        /// Why.
        error: Arc<Error>,
        /// When the next attempt is made.
        retry_in: Duration,
    },
    /// A login failed; it is retried after `retry_in`.
    LoginFailed {
        /// Why.
        error: Arc<Error>,
        /// When the next attempt is made.
        retry_in: Duration,
    },
    /// The renewer stopped. Always the last event.
    Stopped(StopReason),
}

/// Why a renewer stopped.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum StopReason {
    /// The token does not expire: nothing to keep alive. It stays good.
    NoExpiry,
    /// The token was revoked (or never valid): Vault refused it (400/401/403), and there is no
    /// login method.
    Revoked(Arc<Error>),
    /// The token is not renewable and there is no login method. It stays good until `expires_at`.
    NotRenewable {
        /// When the token expires.
        expires_at: Instant,
    },
    /// The token reached its max TTL and there is no login method. It stays good until
    /// `expires_at`.
    MaxTtlReached {
        /// When the token expires.
        expires_at: Instant,
    },
    /// Renewals failed until the token expired, and there is no login method.
    Expired(Arc<Error>),
    /// The login method was refused by Vault (400/401/403: wrong credentials, a secret id used
    /// up, ...). Failures that say nothing about the credentials (a node down, a refused
    /// redirect, 5xx) are retried, never this.
    LoginFailing(Arc<Error>),
    /// The handle was dropped or [`TokenRenewer::stop`] was called. The token is left as it is.
    Cancelled,
}

impl StopReason {
    /// Until when the token stays good after the renewer stopped: `Some(None)` for a token
    /// without expiry, `Some(Some(t))` until `t`, `None` when it is not good any more.
    pub fn good_until(&self) -> Option<Option<Instant>> {
        match self {
            StopReason::NoExpiry => Some(None),
            StopReason::NotRenewable { expires_at } | StopReason::MaxTtlReached { expires_at } => {
                Some(Some(*expires_at))
            }
            _ => None,
        }
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::NoExpiry => f.write_str("the token does not expire"),
            StopReason::Revoked(e) => write!(f, "the token was revoked: {e}"),
            StopReason::NotRenewable { .. } => {
                f.write_str("the token is not renewable and there is no login method")
            }
            StopReason::MaxTtlReached { .. } => {
                f.write_str("the token reached its max TTL and there is no login method")
            }
            StopReason::Expired(e) => write!(f, "the token expired, renewals failing: {e}"),
            StopReason::LoginFailing(e) => write!(f, "the login is refused: {e}"),
            StopReason::Cancelled => f.write_str("the renewer was stopped by its owner"),
        }
    }
}

/// A stopped renewer as an error, so that `renewer.ready().await?` works in any function
/// returning `Box<dyn std::error::Error + Send + Sync>` or `anyhow::Result`. The text includes
/// the [`Error`] when there was one, so `source()` is that error's own source (reqwest's, for a
/// transport error): printing a chain shows each cause once; match the variant for the
/// [`Error`] itself. Like [`Error`], it never shows a token or secret.
impl std::error::Error for StopReason {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StopReason::Revoked(e) | StopReason::Expired(e) | StopReason::LoginFailing(e) => {
                e.source()
            }
            _ => None,
        }
    }
}

/// The state of the renewer's token, in [`TokenRenewer::status`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum TokenStatus {
    /// No good token yet: the first lookup or login, or a new login after the token expired.
    Pending,
    /// The token is good; `expires_at` is `None` for a token without expiry.
    Valid {
        /// When the token expires, as far as the renewer knows.
        expires_at: Option<Instant>,
    },
    /// The renewer stopped (see [`StopReason::good_until`] for whether the token is still good).
    Stopped(StopReason),
}

/// How a [`TokenRenewer`] is set up: `client.auth().renewer()`.
pub struct RenewerBuilder {
    client: Client,
    login: Option<Arc<dyn super::DynLogin>>,
    schedule: RenewSchedule,
    revoke_replaced: bool,
    capacity: usize,
}

impl fmt::Debug for RenewerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RenewerBuilder")
            .field("login", &self.login.is_some())
            .field("schedule", &self.schedule)
            .field("revoke_replaced", &self.revoke_replaced)
            .finish_non_exhaustive()
    }
}

impl RenewerBuilder {
    /// Logs in again with `login` when the token can no longer be renewed (or at start, when the
    /// client has no good token).
    pub fn login(mut self, login: impl Login + 'static) -> Self {
        self.login = Some(Arc::new(login));
        self
    }

    /// Another schedule.
    pub fn schedule(mut self, schedule: RenewSchedule) -> Self {
        self.schedule = schedule;
        self
    }

    /// Whether a re-login revokes the token it replaces (default true).
    pub fn revoke_replaced(mut self, revoke: bool) -> Self {
        self.revoke_replaced = revoke;
        self
    }

    /// How many events are kept for a slow reader before the oldest are dropped (default 16).
    pub fn event_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// Starts the renewer on the current tokio runtime.
    pub fn spawn(self) -> TokenRenewer {
        let token = Token {
            client: self.client,
            login: self.login,
            revoke_replaced: self.revoke_replaced,
        };
        TokenRenewer {
            handle: engine::spawn(token, self.schedule, TokenStatus::Pending, self.capacity),
        }
    }
}

/// A background task that keeps the client's token alive. Stops when dropped.
///
/// The readers it hands out ([`TokenRenewer::events`], [`TokenRenewer::watch`]) are owned: they
/// can go to another task while this handle stays with the part of the service that decides
/// when to stop (see the [module docs](self)).
///
/// ```no_run
/// # async fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
/// use hashivault::auth::{AppRole, RenewEvent};
/// let login = AppRole::new("approle", "my-role", Some("my-secret".into()));
/// let mut renewer = client.auth().renewer().login(login).spawn();
/// renewer.ready().await.expect("a good token");
/// while let Some(event) = renewer.next_event().await {
///     if let RenewEvent::Stopped(reason) = event {
///         eprintln!("token can no longer be kept alive: {reason}");
///     }
/// }
/// # Ok(())
/// # }
/// ```
pub struct TokenRenewer {
    handle: Handle<RenewEvent, TokenStatus>,
}

impl fmt::Debug for TokenRenewer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenRenewer")
            .field("status", &self.handle.status())
            .field("finished", &self.handle.is_finished())
            .finish()
    }
}

impl TokenRenewer {
    /// The next event; `None` once the renewer has stopped and every event was read. A reader
    /// that fell behind skips the events that were dropped.
    pub async fn next_event(&mut self) -> Option<RenewEvent> {
        self.handle.next_event().await
    }

    /// Another reader of the events from now on, as tokio's receiver (owned: hand it to another
    /// task). [`TokenRenewer::events`] is the same with lag handling.
    pub fn subscribe(&self) -> broadcast::Receiver<RenewEvent> {
        self.handle.subscribe()
    }

    /// Another reader of the events from now on, owned: it can be moved to another task while
    /// this handle stays where the renewer is stopped. Its [`Events::next`] ends with
    /// [`RenewEvent::Stopped`], then `None`.
    ///
    /// ```no_run
    /// # async fn run(client: hashivault::Client) {
    /// use hashivault::auth::RenewEvent;
    /// let renewer = client.auth().renewer().spawn();
    /// let mut events = renewer.events();
    /// let logger = tokio::spawn(async move {
    ///     while let Some(event) = events.next().await {
    ///         if let RenewEvent::Stopped(reason) = event {
    ///             eprintln!("renewer stopped: {reason}");
    ///         }
    ///     }
    /// });
    /// // ... later, on shutdown:
    /// drop(renewer);
    /// logger.await.unwrap(); // it saw `Stopped(Cancelled)` and the end
    /// # }
    /// ```
    pub fn events(&self) -> Events<RenewEvent> {
        Events::new(self.subscribe())
    }

    /// The current state.
    pub fn status(&self) -> TokenStatus {
        self.handle.status()
    }

    /// A receiver of the state, to await changes (owned, like [`TokenRenewer::events`]). After
    /// the renewer stopped it holds [`TokenStatus::Stopped`] and `changed()` fails.
    pub fn watch(&self) -> watch::Receiver<TokenStatus> {
        self.handle.watch()
    }

    /// Waits until the token is good now: `Ok` at once when it is, else after the pending
    /// login; `Err` with the reason when the renewer stopped without a good token.
    pub async fn ready(&self) -> Result<(), StopReason> {
        let mut status = self.handle.watch();
        let state = status
            .wait_for(|s| !matches!(s, TokenStatus::Pending))
            .await
            .map(|s| s.clone());
        match state {
            Ok(TokenStatus::Valid { .. }) => Ok(()),
            Ok(TokenStatus::Stopped(reason)) => match reason.good_until() {
                Some(None) => Ok(()),
                Some(Some(t)) if Instant::now() < t => Ok(()),
                _ => Err(reason),
            },
            // The task is gone without a final state (aborted).
            _ => Err(StopReason::Expired(Arc::new(Error::missing(
                "the renewer was stopped",
            )))),
        }
    }

    /// Stops the renewer (the token is left as it is): the task ends at its next step, after
    /// sending [`RenewEvent::Stopped`] with [`StopReason::Cancelled`]. Dropping the handle does
    /// the same.
    pub fn stop(&self) {
        self.handle.stop();
    }

    /// Whether the background task has ended.
    pub fn is_finished(&self) -> bool {
        self.handle.is_finished()
    }
}

impl crate::auth::AuthApi {
    /// A renewer for the client's token; see [`RenewerBuilder`] and the
    /// [schedule](crate::auth::renew).
    pub fn renewer(&self) -> RenewerBuilder {
        RenewerBuilder {
            client: self.client.clone(),
            login: None,
            schedule: RenewSchedule::default(),
            revoke_replaced: true,
            capacity: 16,
        }
    }
}

/// The token as the renewer knows it.
#[derive(Clone, Copy)]
struct Held {
    /// `None`: no expiry.
    expires_at: Option<Instant>,
    /// The TTL it was granted at its last login (a renewal giving less has hit the max TTL).
    granted: Duration,
    renewable: bool,
    /// Renewing cannot extend it any more.
    capped: bool,
}

/// What the renewer keeps alive: the client's token, with the login that replaces it.
struct Token {
    client: Client,
    login: Option<Arc<dyn super::DynLogin>>,
    revoke_replaced: bool,
}

/// What to do next.
enum Step {
    /// Log in; `replace` is the old token to revoke afterwards, if any.
    Login { replace: Option<SecretString> },
    /// Keep going with this token.
    Hold(Held),
    /// Stop.
    Stop(StopReason),
}

impl Renews for Token {
    async fn renew(&self) -> Result<Renewal, Error> {
        let auth = self.client.auth().renew_self(None).await?;
        Ok(Renewal {
            ttl: Duration::from_secs(auth.lease_duration),
            renewable: auth.renewable,
        })
    }

    fn renew_failed(error: Arc<Error>, retry_in: Duration) -> RenewEvent {
        RenewEvent::RenewFailed { error, retry_in }
    }
}

impl Watched for Token {
    type Event = RenewEvent;
    type Status = TokenStatus;

    fn trace(&self, event: &RenewEvent) {
        tracing::debug!(?event, "token renewer");
        crate::metrics::token_event(event);
    }

    async fn run(engine: &Engine<Self>) {
        let mut step = engine.start().await;
        loop {
            step = match step {
                Step::Stop(reason) => {
                    engine.stop(reason);
                    return;
                }
                Step::Login { replace } => engine.login(replace).await,
                Step::Hold(held) => engine.hold(held).await,
            };
        }
    }

    fn cancelled(engine: &Engine<Self>) {
        engine.stop(StopReason::Cancelled);
    }
}

/// The token's life: lookup, renewals, logins.
impl Engine<Token> {
    fn stop(&self, reason: StopReason) {
        self.set_status(TokenStatus::Stopped(reason.clone()));
        self.emit(RenewEvent::Stopped(reason));
    }

    fn valid(&self, held: &Held) {
        self.set_status(TokenStatus::Valid {
            expires_at: held.expires_at,
        });
    }

    /// Finds out what the client's token is worth: `lookup-self`, retried with backoff until
    /// Vault answers or refuses the token.
    async fn start(&self) -> Step {
        let token = &self.watched;
        if !token.client.has_token() {
            return match token.login {
                Some(_) => Step::Login { replace: None },
                None => Step::Stop(StopReason::Revoked(Arc::new(Error::missing(
                    "the client has no token and no login method was given",
                )))),
            };
        }
        let lookup = self
            .retry(
                || async { token.client.auth().lookup_self().await },
                |error, retry_in| RenewEvent::RenewFailed { error, retry_in },
            )
            .await;
        match lookup {
            Ok(info) => {
                let ttl = Duration::from_secs(u64::try_from(info.ttl).unwrap_or(0));
                if ttl.is_zero() {
                    return Step::Stop(StopReason::NoExpiry);
                }
                let granted =
                    Duration::from_secs(u64::try_from(info.creation_ttl).unwrap_or(0)).max(ttl);
                let held = Held {
                    expires_at: Some(Instant::now() + ttl),
                    granted,
                    renewable: info.renewable,
                    capped: false,
                };
                self.valid(&held);
                Step::Hold(held)
            }
            Err(e) => match token.login {
                Some(_) => Step::Login { replace: None },
                None => Step::Stop(StopReason::Revoked(Arc::new(e))),
            },
        }
    }

    /// Waits, then renews the token (retrying every failure Vault did not refuse until it
    /// expires), or hands over to a login when renewing cannot help.
    async fn hold(&self, mut held: Held) -> Step {
        let token = &self.watched;
        let Some(expires_at) = held.expires_at else {
            return Step::Stop(StopReason::NoExpiry);
        };
        if !held.renewable || held.capped {
            if token.login.is_none() {
                return Step::Stop(if held.capped {
                    StopReason::MaxTtlReached { expires_at }
                } else {
                    StopReason::NotRenewable { expires_at }
                });
            }
            tokio::time::sleep(self.schedule.wait(remaining(expires_at))).await;
            return Step::Login {
                replace: token.client.token(),
            };
        }
        match self.renew_before(expires_at).await {
            Outcome::Renewed(renewal) => self.renewed(&mut held, renewal),
            Outcome::NotRenewable => {
                held.renewable = false;
                Step::Hold(held)
            }
            // A refused token needs no revoking.
            Outcome::Refused(_) | Outcome::Expired(_) if token.login.is_some() => {
                Step::Login { replace: None }
            }
            Outcome::Refused(e) => Step::Stop(StopReason::Revoked(Arc::new(e))),
            // Expired (renewals kept failing, or the floor outlasted a tiny TTL).
            Outcome::Expired(last) => Step::Stop(StopReason::Expired(last.unwrap_or_else(|| {
                Arc::new(Error::missing(
                    "the token expired before it could be renewed",
                ))
            }))),
        }
    }

    fn renewed(&self, held: &mut Held, renewal: Renewal) -> Step {
        let ttl = renewal.ttl;
        if ttl.is_zero() {
            return Step::Stop(StopReason::NoExpiry);
        }
        let expires_at = Instant::now() + ttl;
        held.expires_at = Some(expires_at);
        held.renewable = renewal.renewable;
        self.valid(held);
        if ttl < held.granted {
            held.capped = true;
            if self.watched.login.is_some() {
                self.emit(RenewEvent::MaxTtlReached { expires_in: ttl });
            }
        } else {
            held.granted = ttl;
            self.emit(RenewEvent::Renewed { ttl });
        }
        Step::Hold(*held)
    }

    /// Logs in, retrying with backoff every failure but Vault refusing the login; revokes
    /// `replace` afterwards.
    async fn login(&self, replace: Option<SecretString>) -> Step {
        let token = &self.watched;
        let Some(login) = &token.login else {
            return Step::Stop(StopReason::Revoked(Arc::new(Error::missing(
                "no login method was given",
            ))));
        };
        if replace.is_none() {
            // The old token is gone: nothing good until the login succeeds.
            self.set_status(TokenStatus::Pending);
        }
        let auth = match self
            .retry(
                || login.login_dyn(&token.client),
                |error, retry_in| RenewEvent::LoginFailed { error, retry_in },
            )
            .await
        {
            Ok(auth) => auth,
            Err(e) => return Step::Stop(StopReason::LoginFailing(Arc::new(e))),
        };
        if let Err(e) = token.client.set_token(auth.client_token.clone()) {
            return Step::Stop(StopReason::LoginFailing(Arc::new(e)));
        }
        let ttl = Duration::from_secs(auth.lease_duration);
        let held = Held {
            expires_at: (!ttl.is_zero()).then(|| Instant::now() + ttl),
            granted: ttl,
            renewable: auth.renewable,
            capped: false,
        };
        self.valid(&held);
        self.emit(RenewEvent::LoggedIn { ttl });
        if let (true, Some(old)) = (token.revoke_replaced, replace) {
            token.revoke(old).await;
        }
        Step::Hold(held)
    }
}

impl Token {
    /// Revokes a replaced token; a failure is logged, not fatal (it expires anyway).
    async fn revoke(&self, old: SecretString) {
        let result = match self.client.with_token(old) {
            Ok(old_client) => old_client.auth().revoke_self().await,
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            tracing::debug!(error = %e, "could not revoke the replaced token");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_waits_a_fraction_with_jitter_and_a_floor() {
        let s = RenewSchedule::default();
        for _ in 0..100 {
            let w = s.wait(Duration::from_secs(3600));
            assert!(
                w <= Duration::from_secs(2400) && w >= Duration::from_secs(2160),
                "{w:?}"
            );
        }
        assert_eq!(s.wait(Duration::ZERO), Duration::from_secs(1));
        assert_eq!(s.wait(Duration::from_millis(900)), Duration::from_secs(1));
        let exact = s.with_jitter(0.0);
        assert_eq!(exact.wait(Duration::from_secs(9)), Duration::from_secs(6));
    }

    /// The error a real call gets from `server` answering `status` with `body` (JSON when it
    /// parses, else sent as text).
    async fn answered(status: u16, body: &str) -> Error {
        let server = httpmock::MockServer::start_async().await;
        let body = body.to_string();
        server
            .mock_async(move |when, then| {
                when.method("POST").path("/v1/auth/token/renew-self");
                let then = then.status(status);
                if serde_json::from_str::<serde_json::Value>(&body).is_ok() {
                    then.header("content-type", "application/json").body(body);
                } else {
                    then.header("content-type", "text/html").body(body);
                }
            })
            .await;
        renew_at(&server.base_url(), |b| b).await
    }

    async fn renew_at(
        base: &str,
        configure: impl FnOnce(crate::ClientBuilder) -> crate::ClientBuilder,
    ) -> Error {
        crate::install_crypto_provider();
        let client = configure(
            Client::builder()
                .address(base)
                .token("s.predicate-test-token")
                .max_retries(0),
        )
        .build()
        .unwrap();
        client.auth().renew_self(None).await.unwrap_err()
    }

    /// One case per kind of failure, each produced by a real call on the wire: only Vault's
    /// own 400/401/403 (and input refused before sending) stop a watcher.
    #[tokio::test]
    async fn only_vault_refusing_the_credentials_stops_a_watcher() {
        let vault = |m: &str| format!(r#"{{"errors":["{m}"]}}"#);
        let mut cases: Vec<(&str, Error, bool)> = vec![
            (
                "400 from Vault",
                answered(400, &vault("invalid role or secret ID")).await,
                true,
            ),
            (
                "401 from Vault",
                answered(401, &vault("invalid token")).await,
                true,
            ),
            (
                "403 from Vault",
                answered(403, &vault("permission denied")).await,
                true,
            ),
            (
                "403 RustyVault",
                answered(403, r#"{"error":"permission denied"}"#).await,
                true,
            ),
            (
                "403 from a proxy (HTML)",
                answered(403, "<html>Forbidden</html>").await,
                false,
            ),
            ("404", answered(404, r#"{"errors":[]}"#).await, false),
            (
                "412",
                answered(412, &vault("required index state not present")).await,
                false,
            ),
            (
                "429",
                answered(429, &vault("request path \"x\": rate limit quota exceeded")).await,
                false,
            ),
            ("500", answered(500, &vault("internal error")).await, false),
            (
                "500 standby that cannot forward",
                answered(
                    500,
                    &vault("local node not active but active cluster node not found"),
                )
                .await,
                false,
            ),
            (
                "502",
                answered(502, "<html>Bad Gateway</html>").await,
                false,
            ),
            (
                "503 sealed",
                answered(503, &vault("Vault is sealed")).await,
                false,
            ),
            (
                "200 not JSON (decode)",
                answered(200, "<html>captive portal</html>").await,
                false,
            ),
        ];
        // A refused redirect: a standby pointing at another origin, under same-origin only.
        let standby = httpmock::MockServer::start_async().await;
        let active = httpmock::MockServer::start_async().await;
        let to = format!("{}/v1/auth/token/renew-self", active.base_url());
        standby
            .mock_async(move |when, then| {
                when.path("/v1/auth/token/renew-self");
                then.status(307).header("location", to);
            })
            .await;
        let redirect = renew_at(&standby.base_url(), |b| {
            b.redirects(crate::RedirectPolicy::same_origin())
        })
        .await;
        assert!(redirect.is_redirect(), "{redirect}");
        cases.push(("refused redirect", redirect, false));
        // A deadline: the node answers after the call's deadline.
        let slow = httpmock::MockServer::start_async().await;
        slow.mock_async(|when, then| {
            when.path("/v1/auth/token/renew-self");
            then.status(200)
                .delay(Duration::from_millis(500))
                .json_body(serde_json::json!({}));
        })
        .await;
        let deadline = renew_at(&slow.base_url(), |b| b.deadline(Duration::from_millis(100))).await;
        assert!(deadline.is_deadline(), "{deadline}");
        cases.push(("deadline", deadline, false));
        // An answer over the size limit.
        let big = httpmock::MockServer::start_async().await;
        big.mock_async(|when, then| {
            when.path("/v1/auth/token/renew-self");
            then.status(200).body("x".repeat(4096));
        })
        .await;
        let too_large = renew_at(&big.base_url(), |b| b.max_response_size(1024)).await;
        assert!(too_large.is_too_large(), "{too_large}");
        cases.push(("too large", too_large, false));
        // No answer: a port nobody listens on.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let gone = format!("http://{}", closed.local_addr().unwrap());
        drop(closed);
        let transport = renew_at(&gone, |b| b).await;
        assert!(transport.is_transport(), "{transport}");
        cases.push(("transport", transport, false));
        // Input refused before sending: the same every time.
        cases.push((
            "invalid input",
            Error::invalid("a path that leaves /v1"),
            true,
        ));

        let wrong: Vec<String> = cases
            .iter()
            .filter(|(_, e, refused)| vault_refused(e) != *refused)
            .map(|(what, e, refused)| format!("{what}: expected refused={refused}: {e}"))
            .collect();
        assert!(wrong.is_empty(), "{wrong:#?}");
        // The "not renewable" 400 is refused too (the renewer checks it first).
        let not_renewable = answered(400, &vault("lease is not renewable")).await;
        assert!(is_not_renewable(&not_renewable) && vault_refused(&not_renewable));
    }

    #[test]
    fn backoff_doubles_to_the_cap() {
        let s = RenewSchedule::default()
            .with_backoff_jitter(false)
            .with_backoff(Duration::from_secs(1), Duration::from_secs(10));
        let delays: Vec<u64> = s.backoff().take(6).map(|d| d.as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 10, 10]);
    }
}
