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
//! - A renewal refused with 401/403 means the token was revoked: log in again at once, or stop
//!   with [`StopReason::Revoked`].
//! - Any other renewal failure (Vault down, 5xx, 429) is retried with exponential backoff and
//!   jitter ([`RenewSchedule::backoff_min`], 1 s, doubling up to [`RenewSchedule::backoff_max`],
//!   60 s), but no later than 2/3 of what is left (at least the floor); once the token has
//!   expired the renewer logs in again, or stops with [`StopReason::Expired`].
//! - Logins that fail are retried with the same backoff (1, 2, 4, 8, 16 s ...: five attempts in
//!   a 30 s outage). A login refused for good (a 4xx other than 429: wrong credentials, a
//!   secret id used up) stops the renewer with [`StopReason::LoginFailing`].
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

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use secrecy::SecretString;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::Login;
use crate::envelope::AuthInfo;
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
    /// The token was revoked (or never valid): Vault refused it with 401/403, and there is no
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
    /// The login method was refused for good (wrong credentials, a secret id used up, ...).
    LoginFailing(Arc<Error>),
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

/// When to renew and how to back off; see the [module docs](self) for how it plays out.
#[derive(Clone, Copy, Debug)]
pub struct RenewSchedule {
    /// The share of the remaining TTL to wait before renewing (default 2/3).
    pub fraction: f64,
    /// Up to this share of the wait is taken off at random (default 0.1).
    pub jitter: f64,
    /// The shortest wait before any request (default 1 s).
    pub floor: Duration,
    /// The first retry delay after a failure (default 1 s); it doubles per failure.
    pub backoff_min: Duration,
    /// The longest retry delay (default 60 s).
    pub backoff_max: Duration,
    /// Whether retry delays get random jitter (default true).
    pub backoff_jitter: bool,
}

impl Default for RenewSchedule {
    fn default() -> Self {
        RenewSchedule {
            fraction: 2.0 / 3.0,
            jitter: 0.1,
            floor: Duration::from_secs(1),
            backoff_min: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
            backoff_jitter: true,
        }
    }
}

impl RenewSchedule {
    /// How long to wait before renewing something with `ttl` left: `fraction` of it, minus up
    /// to `jitter` of that at random, at least `floor`.
    pub fn wait(&self, ttl: Duration) -> Duration {
        let base = ttl.mul_f64(self.fraction.clamp(0.0, 1.0));
        let jitter = self.jitter.clamp(0.0, 1.0) * fastrand::f64();
        base.mul_f64(1.0 - jitter).max(self.floor)
    }

    /// The retry delays after consecutive failures (exponential, with jitter when enabled).
    pub fn backoff(&self) -> impl Iterator<Item = Duration> + Send {
        let mut builder = ExponentialBuilder::default()
            .with_min_delay(self.backoff_min.max(Duration::from_millis(1)))
            .with_max_delay(self.backoff_max.max(self.backoff_min))
            .with_factor(2.0)
            .without_max_times();
        if self.backoff_jitter {
            builder = builder.with_jitter();
        }
        let floor = self.floor;
        builder.build().map(move |d| d.max(floor))
    }
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
        let (events, first) = broadcast::channel(self.capacity);
        let (status_tx, status) = watch::channel(TokenStatus::Pending);
        let worker = Worker {
            client: self.client,
            login: self.login,
            schedule: self.schedule,
            revoke_replaced: self.revoke_replaced,
            events: events.clone(),
            status: status_tx,
        };
        let task = tokio::spawn(worker.run());
        TokenRenewer {
            first,
            events: events.downgrade(),
            status,
            task,
        }
    }
}

/// A background task that keeps the client's token alive. Stops when dropped.
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
    first: broadcast::Receiver<RenewEvent>,
    /// Weak, so that the channel closes when the task ends.
    events: broadcast::WeakSender<RenewEvent>,
    status: watch::Receiver<TokenStatus>,
    task: JoinHandle<()>,
}

impl fmt::Debug for TokenRenewer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenRenewer")
            .field("status", &*self.status.borrow())
            .field("finished", &self.task.is_finished())
            .finish()
    }
}

impl TokenRenewer {
    /// The next event; `None` once the renewer has stopped and every event was read. A reader
    /// that fell behind skips the events that were dropped.
    pub async fn next_event(&mut self) -> Option<RenewEvent> {
        next_event(&mut self.first).await
    }

    /// Another reader of the events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<RenewEvent> {
        match self.events.upgrade() {
            Some(sender) => sender.subscribe(),
            // The task has ended: a receiver that is closed at once.
            None => broadcast::channel(1).1,
        }
    }

    /// The current state.
    pub fn status(&self) -> TokenStatus {
        self.status.borrow().clone()
    }

    /// A receiver of the state, to await changes.
    pub fn watch(&self) -> watch::Receiver<TokenStatus> {
        self.status.clone()
    }

    /// Waits until the token is good now: `Ok` at once when it is, else after the pending
    /// login; `Err` with the reason when the renewer stopped without a good token.
    pub async fn ready(&self) -> Result<(), StopReason> {
        let mut status = self.status.clone();
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

    /// Stops the renewer (the token is left as it is).
    pub fn stop(&self) {
        self.task.abort();
    }
}

impl Drop for TokenRenewer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Receives the next event, skipping over those a slow reader lost.
pub(crate) async fn next_event<T: Clone>(rx: &mut broadcast::Receiver<T>) -> Option<T> {
    loop {
        match rx.recv().await {
            Ok(event) => return Some(event),
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::debug!(
                    missed = n,
                    "event reader fell behind; oldest events dropped"
                );
            }
            Err(broadcast::error::RecvError::Closed) => return None,
        }
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

/// Whether an error is Vault refusing the token itself.
fn is_token_refused(e: &Error) -> bool {
    e.is_unauthorized() || e.is_permission_denied()
}

/// Whether retrying can help: no answer, 5xx, 429, 408. A 4xx is the caller's to fix.
pub(crate) fn is_transient(e: &Error) -> bool {
    match e.status() {
        Some(status) => status >= 500 || status == 429 || status == 408,
        None => e.is_transport() || e.is_decode(),
    }
}

/// A 400 saying the token or lease cannot be renewed.
pub(crate) fn is_not_renewable(e: &Error) -> bool {
    e.is_invalid_request()
        && e.messages()
            .iter()
            .any(|m| m.contains("not renewable") || m.contains("cannot be renewed"))
}

fn remaining(expires_at: Instant) -> Duration {
    expires_at.saturating_duration_since(Instant::now())
}

struct Worker {
    client: Client,
    login: Option<Arc<dyn super::DynLogin>>,
    schedule: RenewSchedule,
    revoke_replaced: bool,
    events: broadcast::Sender<RenewEvent>,
    status: watch::Sender<TokenStatus>,
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

impl Worker {
    fn emit(&self, event: RenewEvent) {
        tracing::debug!(?event, "token renewer");
        // No receiver left is fine: the renewer keeps the token alive for the client's sake.
        let _ = self.events.send(event);
    }

    fn stop(&self, reason: StopReason) {
        self.status
            .send_replace(TokenStatus::Stopped(reason.clone()));
        self.emit(RenewEvent::Stopped(reason));
    }

    fn valid(&self, held: &Held) {
        self.status.send_replace(TokenStatus::Valid {
            expires_at: held.expires_at,
        });
    }

    async fn run(self) {
        let mut step = self.start().await;
        loop {
            step = match step {
                Step::Stop(reason) => {
                    self.stop(reason);
                    return;
                }
                Step::Login { replace } => self.login(replace).await,
                Step::Hold(held) => self.hold(held).await,
            };
        }
    }

    /// Finds out what the client's token is worth: `lookup-self`, retried with backoff while
    /// Vault does not answer.
    async fn start(&self) -> Step {
        if !self.client.has_token() {
            return match self.login {
                Some(_) => Step::Login { replace: None },
                None => Step::Stop(StopReason::Revoked(Arc::new(Error::missing(
                    "the client has no token and no login method was given",
                )))),
            };
        }
        let mut backoff = self.schedule.backoff();
        loop {
            match self.client.auth().lookup_self().await {
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
                    return Step::Hold(held);
                }
                Err(e) if is_transient(&e) => {
                    let retry_in = backoff.next().unwrap_or(self.schedule.backoff_max);
                    self.emit(RenewEvent::RenewFailed {
                        error: Arc::new(e),
                        retry_in,
                    });
                    tokio::time::sleep(retry_in).await;
                }
                Err(e) => {
                    return match self.login {
                        Some(_) => Step::Login { replace: None },
                        None => Step::Stop(StopReason::Revoked(Arc::new(e))),
                    }
                }
            }
        }
    }

    /// Waits, then renews the token (retrying transient failures until it expires), or hands
    /// over to a login when renewing cannot help.
    async fn hold(&self, mut held: Held) -> Step {
        let Some(expires_at) = held.expires_at else {
            return Step::Stop(StopReason::NoExpiry);
        };
        if !held.renewable || held.capped {
            if self.login.is_none() {
                return Step::Stop(if held.capped {
                    StopReason::MaxTtlReached { expires_at }
                } else {
                    StopReason::NotRenewable { expires_at }
                });
            }
            tokio::time::sleep(self.schedule.wait(remaining(expires_at))).await;
            return Step::Login {
                replace: self.client.token(),
            };
        }
        tokio::time::sleep(self.schedule.wait(remaining(expires_at))).await;
        let mut backoff = self.schedule.backoff();
        let mut last_error = None;
        loop {
            if remaining(expires_at).is_zero() {
                // Expired (renewals kept failing, or the floor outlasted a tiny TTL).
                return match (&self.login, last_error) {
                    (Some(_), _) => Step::Login { replace: None },
                    (None, Some(e)) => Step::Stop(StopReason::Expired(e)),
                    (None, None) => Step::Stop(StopReason::Expired(Arc::new(Error::missing(
                        "the token expired before it could be renewed",
                    )))),
                };
            }
            match self.client.auth().renew_self(None).await {
                Ok(auth) => return self.renewed(&mut held, auth),
                Err(e) if is_token_refused(&e) => {
                    return match self.login {
                        // A refused token needs no revoking.
                        Some(_) => Step::Login { replace: None },
                        None => Step::Stop(StopReason::Revoked(Arc::new(e))),
                    };
                }
                Err(e) if is_not_renewable(&e) => {
                    held.renewable = false;
                    return Step::Hold(held);
                }
                Err(e) => {
                    // Back off, but try once more before the token expires when there is time.
                    let left = remaining(expires_at);
                    let next = backoff.next().unwrap_or(self.schedule.backoff_max);
                    let retry_in = next
                        .min(left.mul_f64(self.schedule.fraction))
                        .max(self.schedule.floor);
                    let error = Arc::new(e);
                    self.emit(RenewEvent::RenewFailed {
                        error: error.clone(),
                        retry_in,
                    });
                    last_error = Some(error);
                    tokio::time::sleep(retry_in).await;
                }
            }
        }
    }

    fn renewed(&self, held: &mut Held, auth: AuthInfo) -> Step {
        let ttl = Duration::from_secs(auth.lease_duration);
        if ttl.is_zero() {
            return Step::Stop(StopReason::NoExpiry);
        }
        let expires_at = Instant::now() + ttl;
        held.expires_at = Some(expires_at);
        held.renewable = auth.renewable;
        self.valid(held);
        if ttl < held.granted {
            held.capped = true;
            if self.login.is_some() {
                self.emit(RenewEvent::MaxTtlReached { expires_in: ttl });
            }
        } else {
            held.granted = ttl;
            self.emit(RenewEvent::Renewed { ttl });
        }
        Step::Hold(*held)
    }

    /// Logs in, retrying transient failures with backoff; revokes `replace` afterwards.
    async fn login(&self, replace: Option<SecretString>) -> Step {
        let Some(login) = &self.login else {
            return Step::Stop(StopReason::Revoked(Arc::new(Error::missing(
                "no login method was given",
            ))));
        };
        if replace.is_none() {
            // The old token is gone: nothing good until the login succeeds.
            self.status.send_replace(TokenStatus::Pending);
        }
        let mut backoff = self.schedule.backoff();
        loop {
            match login.login_dyn(&self.client).await {
                Ok(auth) => {
                    if let Err(e) = self.client.set_token(auth.client_token.clone()) {
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
                    if let (true, Some(old)) = (self.revoke_replaced, replace) {
                        self.revoke(old).await;
                    }
                    return Step::Hold(held);
                }
                Err(e) if is_transient(&e) => {
                    let retry_in = backoff.next().unwrap_or(self.schedule.backoff_max);
                    self.emit(RenewEvent::LoginFailed {
                        error: Arc::new(e),
                        retry_in,
                    });
                    tokio::time::sleep(retry_in).await;
                }
                Err(e) => return Step::Stop(StopReason::LoginFailing(Arc::new(e))),
            }
        }
    }

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
        let exact = RenewSchedule { jitter: 0.0, ..s };
        assert_eq!(exact.wait(Duration::from_secs(9)), Duration::from_secs(6));
    }

    #[test]
    fn backoff_doubles_to_the_cap() {
        let s = RenewSchedule {
            backoff_jitter: false,
            backoff_max: Duration::from_secs(10),
            ..RenewSchedule::default()
        };
        let delays: Vec<u64> = s.backoff().take(6).map(|d| d.as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 10, 10]);
    }
}
