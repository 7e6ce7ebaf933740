//! Dynamic credentials that stay fresh: fetched, kept alive, and fetched again before they end.
//!
//! [`Client::rotating_secret`] takes the call that issues the credentials (a generated
//! `database_generate_credentials().send()`, `Client::request`, any call answering a leased
//! envelope) and runs it in a background task on the watchers' engine:
//!
//! 1. **Fetch.** The call is made; a failure Vault did not refuse (down, sealed, a failover, a
//!    deadline) is retried with the schedule's backoff ([`RotationEvent::FetchFailed`]); a refusal
//!    (Vault's own `400`/`401`/`403`) stops the task ([`RotationEvent::Stopped`]). The answer must
//!    carry a lease.
//! 2. **Publish.** The new [`LeasedSecret`] replaces the current one in the receiver of
//!    [`RotatingSecret::watch`] ([`RotationEvent::Rotated`]). Code holding the previous one keeps
//!    it: in-flight work finishes with the credentials it started with, which stay good until
//!    their lease ends (they are not revoked).
//! 3. **Renew** the lease on the token renewer's schedule (2/3 of what is left, minus jitter),
//!    until a renewal is capped by the lease's max TTL or the lease is not renewable
//!    ([`RotationEvent::Ending`]): new credentials are then fetched at the same fraction of what is
//!    left, so that the old ones still work for the last third of their life. A lease Vault no
//!    longer knows (revoked, its token revoked, expired during an outage) is replaced at once
//!    ([`RotationEvent::Lost`]).
//!
//! [`RotatingSecret::rotate_now`] fetches new credentials at once (when the token renewer logged
//! in again, say: a token's leases end with it).
//!
//! Dropping the handle ends the task and revokes the current lease in the background, unless
//! [`RotatingSecretBuilder::revoke_on_drop`] is off. The credentials never appear in `Debug`,
//! events, logs or metrics (only the lease id and times do).
//!
//! ```no_run
//! # async fn run(client: hashivault::Client) -> Result<(), Box<dyn std::error::Error>> {
//! #[derive(serde::Deserialize)]
//! struct DbCreds {
//!     username: String,
//!     password: String,
//! }
//!
//! let creds = client
//!     .rotating_secret(|client| async move {
//!         let get = hashivault::reqwest::Method::GET;
//!         client.request::<DbCreds, ()>(get, "database/creds/app", None).await
//!     })
//!     .spawn();
//! let first = creds.ready().await?;
//! println!("connect as {}", first.data().username);
//! let mut changes = creds.watch();
//! while changes.changed().await.is_ok() {
//!     if let Some(new) = changes.borrow_and_update().clone() {
//!         println!("rotated: connect new sessions as {}", new.data().username);
//!     }
//! }
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use tokio::sync::{broadcast, watch, Notify};
use tokio::time::Instant;

use super::Lease;
use crate::auth::RenewSchedule;
use crate::watch::{
    self as engine, remaining, Engine, Events, Handle, Outcome, Renewal, Renews, Watched,
};
use crate::{Client, Envelope, Error, Response};

/// The call that issues new credentials, boxed.
type Fetch<T> = Arc<
    dyn Fn(Client) -> Pin<Box<dyn Future<Output = Result<Envelope<T>, Error>> + Send>>
        + Send
        + Sync,
>;

/// One set of credentials and its lease, as fetched. `Debug` shows the lease, never the data.
pub struct LeasedSecret<T> {
    data: T,
    lease: Lease,
    generation: u64,
    fetched_at: Instant,
}

impl<T> LeasedSecret<T> {
    /// The credentials (the answer's `data`).
    pub fn data(&self) -> &T {
        &self.data
    }

    /// Their lease as issued.
    pub fn lease(&self) -> &Lease {
        &self.lease
    }

    /// 1 for the first credentials, one more for each rotation.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// When they were fetched.
    pub fn fetched_at(&self) -> Instant {
        self.fetched_at
    }
}

impl<T> fmt::Debug for LeasedSecret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LeasedSecret")
            .field("lease", &self.lease)
            .field("generation", &self.generation)
            .field("data", &"<redacted>")
            .finish()
    }
}

/// What a [`RotatingSecret`] did. Carries lease ids and times, never credentials.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum RotationEvent {
    /// New credentials were fetched and published.
    Rotated {
        /// Their [`LeasedSecret::generation`].
        generation: u64,
        /// Their lease id.
        lease_id: String,
        /// When their lease ends unless renewed.
        expires_at: Instant,
    },
    /// Fetching failed; retried after `retry_in`. The current credentials (if any) stay.
    FetchFailed {
        /// Why.
        error: Arc<Error>,
        /// When the next attempt is made.
        retry_in: Duration,
    },
    /// The lease was renewed; it now lives this long.
    Renewed {
        /// The new TTL.
        ttl: Duration,
    },
    /// A renewal failed; it is retried after `retry_in`.
    RenewFailed {
        /// Why.
        error: Arc<Error>,
        /// When the next attempt is made.
        retry_in: Duration,
    },
    /// The lease can be renewed no more (max TTL, or not renewable): new credentials are fetched
    /// at `rotate_at`, before it ends at `expires_at`.
    Ending {
        /// When the current lease ends.
        expires_at: Instant,
        /// When new credentials are fetched.
        rotate_at: Instant,
    },
    /// Vault no longer knows the lease (revoked, its token revoked, or it expired while Vault was
    /// out of reach): new credentials are fetched at once.
    Lost(Arc<Error>),
    /// Vault refused to issue credentials (or the answer has no lease): the task has ended. The
    /// last credentials stay in [`RotatingSecret::current`] until their lease ends.
    Stopped(Arc<Error>),
}

/// How a [`RotatingSecret`] is set up: [`Client::rotating_secret`].
pub struct RotatingSecretBuilder<T> {
    client: Client,
    fetch: Fetch<T>,
    schedule: RenewSchedule,
    revoke_on_drop: bool,
    capacity: usize,
}

impl<T> fmt::Debug for RotatingSecretBuilder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RotatingSecretBuilder")
            .field("schedule", &self.schedule)
            .field("revoke_on_drop", &self.revoke_on_drop)
            .finish_non_exhaustive()
    }
}

impl<T: Send + Sync + 'static> RotatingSecretBuilder<T> {
    /// Another schedule: when to renew (and so when to rotate) and how to back off.
    pub fn schedule(mut self, schedule: RenewSchedule) -> Self {
        self.schedule = schedule;
        self
    }

    /// Whether dropping the handle revokes the current lease in the background (default true).
    pub fn revoke_on_drop(mut self, revoke: bool) -> Self {
        self.revoke_on_drop = revoke;
        self
    }

    /// How many events are kept for a slow reader before the oldest are dropped (default 16).
    pub fn event_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// Starts on the current tokio runtime: the first fetch happens at once.
    pub fn spawn(self) -> RotatingSecret<T> {
        let shared = Arc::new(Shared::default());
        let rotating = Rotating {
            client: self.client.clone(),
            fetch: self.fetch,
            shared: shared.clone(),
        };
        RotatingSecret {
            client: self.client,
            shared,
            revoke_on_drop: self.revoke_on_drop,
            handle: engine::spawn(rotating, self.schedule, None, self.capacity),
        }
    }
}

impl Client {
    /// Credentials issued by `fetch` and kept fresh: renewed, and fetched again before their
    /// lease ends; see [`crate::lease::rotating`]. `fetch` gets a clone of this client and
    /// returns the leased answer (an [`Envelope`] or a generated call's [`Response`]).
    pub fn rotating_secret<T, R, F, Fut>(&self, fetch: F) -> RotatingSecretBuilder<T>
    where
        T: Send + Sync + 'static,
        R: Into<Envelope<T>>,
        F: Fn(Client) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R, Error>> + Send + 'static,
    {
        let fetch: Fetch<T> = Arc::new(move |client| {
            let call = fetch(client);
            Box::pin(async move { call.await.map(Into::into) })
        });
        RotatingSecretBuilder {
            client: self.clone(),
            fetch,
            schedule: RenewSchedule::default(),
            revoke_on_drop: true,
            capacity: 16,
        }
    }
}

impl<T> From<Response<Envelope<T>>> for Envelope<T> {
    fn from(response: Response<Envelope<T>>) -> Self {
        response.into_inner()
    }
}

/// What the task and the handle share: the lease being renewed (for renewals and the revoke on
/// drop), why the task stopped, and the owner's call for new credentials now.
#[derive(Default)]
struct Shared {
    lease: Mutex<Option<Lease>>,
    stopped: Mutex<Option<Arc<Error>>>,
    rotate_now: Notify,
}

impl Shared {
    fn lease(&self) -> Option<Lease> {
        self.lease.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// Credentials kept fresh in a background task; see [`crate::lease::rotating`].
pub struct RotatingSecret<T> {
    client: Client,
    shared: Arc<Shared>,
    revoke_on_drop: bool,
    handle: Handle<RotationEvent, Option<Arc<LeasedSecret<T>>>>,
}

impl<T> fmt::Debug for RotatingSecret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RotatingSecret")
            .field("lease", &self.shared.lease())
            .field("finished", &self.handle.is_finished())
            .finish_non_exhaustive()
    }
}

impl<T: Send + Sync + 'static> RotatingSecret<T> {
    /// The first credentials, once fetched; or why there are none (the fetch was refused).
    /// While fetches fail with errors Vault did not refuse (down, sealed, an answer that does
    /// not decode into `T`), it keeps waiting, one [`RotationEvent::FetchFailed`] per attempt:
    /// bound it with `tokio::time::timeout` where start-up must not wait.
    pub async fn ready(&self) -> Result<Arc<LeasedSecret<T>>, Arc<Error>> {
        let mut rx = self.handle.watch();
        let current = rx.wait_for(Option::is_some).await.map(|c| c.clone());
        match current {
            Ok(Some(secret)) => Ok(secret),
            // The task ended before any credentials: it says why.
            _ => Err(self.stopped().unwrap_or_else(|| {
                Arc::new(Error::missing("the rotating secret stopped before a fetch"))
            })),
        }
    }

    /// The current credentials, if fetched yet.
    pub fn current(&self) -> Option<Arc<LeasedSecret<T>>> {
        self.handle.status()
    }

    /// A receiver of the credentials: `changed().await` wakes at each rotation. Owned: it can be
    /// moved to another task.
    pub fn watch(&self) -> watch::Receiver<Option<Arc<LeasedSecret<T>>>> {
        self.handle.watch()
    }

    /// The next event; `None` once the task has ended and every event was read.
    pub async fn next_event(&mut self) -> Option<RotationEvent> {
        self.handle.next_event().await
    }

    /// Another reader of the events from now on, owned.
    pub fn events(&self) -> Events<RotationEvent> {
        Events::new(self.handle.subscribe())
    }

    /// Another reader of the events from now on, as tokio's receiver.
    pub fn subscribe(&self) -> broadcast::Receiver<RotationEvent> {
        self.handle.subscribe()
    }

    /// Why the task stopped, when Vault refused to issue credentials.
    pub fn stopped(&self) -> Option<Arc<Error>> {
        self.shared
            .stopped
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Whether the background task has ended.
    pub fn is_finished(&self) -> bool {
        self.handle.is_finished()
    }

    /// Fetches new credentials now instead of at the scheduled time (the current ones are left
    /// to their lease). For example when the token renewer logged in again: Vault revokes a
    /// token's leases with it, so credentials issued under the old token end with it.
    pub fn rotate_now(&self) {
        self.shared.rotate_now.notify_one();
    }
}

impl<T> Drop for RotatingSecret<T> {
    fn drop(&mut self) {
        self.handle.stop();
        if !self.revoke_on_drop {
            return;
        }
        let Some(lease) = self.shared.lease() else {
            return;
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let client = self.client.clone();
            runtime.spawn(async move {
                if let Err(e) = client.revoke_lease(&lease.id).await {
                    tracing::warn!(error = %e, "could not revoke a dropped rotating secret's lease");
                }
            });
        }
    }
}

/// The task's side.
struct Rotating<T> {
    client: Client,
    fetch: Fetch<T>,
    shared: Arc<Shared>,
}

impl<T> Rotating<T> {
    /// One fetch: the leased answer, or an error (a refused one stops the task).
    async fn fetch_once(&self, generation: u64) -> Result<(LeasedSecret<T>, Instant), Error> {
        let answer = (self.fetch)(self.client.clone()).await?;
        let lease = Lease::from_envelope(&answer).ok_or_else(|| {
            Error::invalid(
                "the answer has no lease: a rotating secret needs dynamic (leased) credentials",
            )
        })?;
        // Refused like a missing lease (retrying would get the same answer).
        let data = answer.data.ok_or_else(|| {
            Error::invalid("the answer has no `data` (is the client response-wrapping?)")
        })?;
        let fetched_at = Instant::now();
        let expires_at = fetched_at + lease.duration;
        let secret = LeasedSecret {
            data,
            lease,
            generation,
            fetched_at,
        };
        Ok((secret, expires_at))
    }
}

impl<T: Send + Sync + 'static> Watched for Rotating<T> {
    type Event = RotationEvent;
    type Status = Option<Arc<LeasedSecret<T>>>;

    fn trace(&self, event: &RotationEvent) {
        tracing::debug!(?event, "rotating secret");
        crate::metrics::rotation_event(event);
    }

    async fn run(engine: &Engine<Self>) {
        let this = &engine.watched;
        let mut generation = 0;
        loop {
            generation += 1;
            let fetched = engine
                .retry(
                    || this.fetch_once(generation),
                    |error, retry_in| RotationEvent::FetchFailed { error, retry_in },
                )
                .await;
            let (secret, expires_at) = match fetched {
                Ok(fetched) => fetched,
                Err(e) => {
                    let e = Arc::new(e);
                    *this
                        .shared
                        .stopped
                        .lock()
                        .unwrap_or_else(|p| p.into_inner()) = Some(e.clone());
                    engine.emit(RotationEvent::Stopped(e));
                    return;
                }
            };
            let lease = secret.lease.clone();
            *this.shared.lease.lock().unwrap_or_else(|p| p.into_inner()) = Some(lease.clone());
            engine.set_status(Some(Arc::new(secret)));
            engine.emit(RotationEvent::Rotated {
                generation,
                lease_id: lease.id.clone(),
                expires_at,
            });
            let scheduled = async {
                if let Some(rotate_at) = keep_alive(engine, &lease, expires_at).await {
                    tokio::time::sleep_until(rotate_at).await;
                }
            };
            first_of(scheduled, this.shared.rotate_now.notified()).await;
        }
    }

    fn cancelled(_engine: &Engine<Self>) {
        // The last credentials stay readable until their lease ends.
    }
}

impl<T: Send + Sync + 'static> Renews for Rotating<T> {
    /// Renews the current lease, asking for its original duration.
    async fn renew(&self) -> Result<Renewal, Error> {
        let lease = self
            .shared
            .lease()
            .ok_or_else(|| Error::missing("no lease to renew"))?;
        let answer = self
            .client
            .renew_lease(&lease.id, Some(lease.duration))
            .await?;
        Ok(Renewal {
            ttl: Duration::from_secs(answer.lease_duration),
            renewable: answer.renewable,
        })
    }

    fn renew_failed(error: Arc<Error>, retry_in: Duration) -> RotationEvent {
        RotationEvent::RenewFailed { error, retry_in }
    }
}

/// Renews `lease` until it can be renewed no more: `Some(when to fetch new credentials)`, or
/// `None` to fetch them at once (the lease is lost).
async fn keep_alive<T: Send + Sync + 'static>(
    engine: &Engine<Rotating<T>>,
    lease: &Lease,
    mut expires_at: Instant,
) -> Option<Instant> {
    let ending = |expires_at: Instant| {
        let rotate_at = Instant::now() + engine.schedule.wait(remaining(expires_at));
        let rotate_at = rotate_at.min(expires_at);
        engine.emit(RotationEvent::Ending {
            expires_at,
            rotate_at,
        });
        Some(rotate_at)
    };
    if !lease.renewable {
        return ending(expires_at);
    }
    loop {
        let renewal = match engine.renew_before(expires_at).await {
            Outcome::Renewed(renewal) => renewal,
            Outcome::NotRenewable => return ending(expires_at),
            Outcome::Refused(e) => {
                engine.emit(RotationEvent::Lost(Arc::new(e)));
                return None;
            }
            Outcome::Expired(_) => {
                let e = Error::missing("the lease expired before it could be renewed");
                engine.emit(RotationEvent::Lost(Arc::new(e)));
                return None;
            }
        };
        expires_at = Instant::now() + renewal.ttl;
        if renewal.ttl < lease.duration || !renewal.renewable {
            return ending(expires_at);
        }
        engine.emit(RotationEvent::Renewed { ttl: renewal.ttl });
    }
}

/// Runs `a` and `b` until either ends; the other is dropped.
async fn first_of(a: impl Future<Output = ()>, b: impl Future<Output = ()>) {
    let (mut a, mut b) = (pin!(a), pin!(b));
    std::future::poll_fn(|cx| {
        if a.as_mut().poll(cx).is_ready() || b.as_mut().poll(cx).is_ready() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await
}
