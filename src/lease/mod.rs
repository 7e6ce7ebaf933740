//! Keeping the lease of a dynamic secret alive (database or cloud credentials, ...), in the
//! spirit of Vault's lifetime watcher.
//!
//! A [`Lease`] comes from any answer with a `lease_id` ([`Lease::from_envelope`] takes the
//! generated API's `Envelope<T>` and the handwritten helpers' alike). [`Client::lease_watcher`]
//! renews it on the same schedule as the token renewer (see [`crate::auth::renew`]): at 2/3 of
//! what is left, minus up to 10 % jitter, never sooner than the 1 s floor, asking each time for
//! the lease's original duration (`POST sys/leases/renew`, operation `leases_renew_lease`).
//!
//! - Each renewal is reported ([`LeaseEvent::Renewed`]).
//! - A renewal that gives back less than asked has hit the lease's max TTL; a lease that is not
//!   renewable can't be extended at all. Either way the watcher reports
//!   [`LeaseEvent::MaxTtlReached`] / [`LeaseEvent::NotRenewable`] with the expiry, at once, so
//!   that the application fetches new credentials while the old ones still work, and renews no
//!   more.
//! - A lease Vault refuses (a `400`/`401`/`403` answered by Vault itself: revoked, expired, its
//!   token revoked) is [`LeaseEvent::Lost`]. Every other failure (Vault down, a failover's
//!   refused redirect, 5xx, 412, 429, a deadline) is retried with backoff, never past the
//!   expiry: the same rule as the token renewer's ([`crate::auth::renew`], "What stops a
//!   watcher").
//! - [`LeaseWatcher::revoke`] revokes it now (`POST sys/leases/revoke`); dropping the watcher
//!   revokes it in the background unless [`LeaseWatcherBuilder::revoke_on_drop`] is off.
//!
//! Events never wait for a reader (the oldest are dropped for a slow one); the current state is
//! in [`LeaseWatcher::status`]. The readers are owned ([`LeaseWatcher::events`],
//! [`LeaseWatcher::watch`]): another task can read them while the handle stays where the
//! watcher is stopped; dropping the handle ends the background task (readers see the end of the
//! channel and [`LeaseStatus::Stopped`]).
//!
//! ```no_run
//! # async fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
//! use hashivault::lease::{Lease, LeaseEvent};
//! // Or the generated `client.api().database_generate_credentials()` (feature `database`).
//! let creds: hashivault::Envelope = client
//!     .request(hashivault::reqwest::Method::GET, "database/creds/app", None::<&()>)
//!     .await?;
//! let lease = Lease::from_envelope(&creds).expect("dynamic credentials have a lease");
//! let mut watcher = client.lease_watcher(lease).spawn();
//! while let Some(event) = watcher.next_event().await {
//!     match event {
//!         LeaseEvent::MaxTtlReached { .. } | LeaseEvent::Lost(_) => break, // fetch new ones
//!         _ => {}
//!     }
//! }
//! watcher.revoke().await?;
//! # Ok(())
//! # }
//! ```
//!
//! To have new credentials fetched and handed over when renewal ends, use
//! [`Client::rotating_secret`] ([`rotating`]) instead.

pub mod rotating;

pub use rotating::{LeasedSecret, RotatingSecret, RotatingSecretBuilder, RotationEvent};

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, watch};
use tokio::time::Instant;

use crate::api::operations as ops;
use crate::auth::RenewSchedule;
use crate::watch::{self as engine, Engine, Events, Handle, Outcome, Renewal, Renews, Watched};
use crate::{Client, Envelope, Error, JsonMap};

/// A lease: its id, how long it lives, whether it can be renewed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    /// Vault's lease id (`database/creds/app/…`).
    pub id: String,
    /// How long it lives from when it was issued.
    pub duration: Duration,
    /// Whether it can be renewed.
    pub renewable: bool,
}

impl Lease {
    /// A lease from its parts.
    pub fn new(id: impl Into<String>, duration: Duration, renewable: bool) -> Self {
        Lease {
            id: id.into(),
            duration,
            renewable,
        }
    }

    /// The lease of an answer (generated or handwritten), `None` when it has none.
    pub fn from_envelope<T>(envelope: &Envelope<T>) -> Option<Lease> {
        if envelope.lease_id.is_empty() {
            return None;
        }
        Some(Lease::new(
            envelope.lease_id.clone(),
            Duration::from_secs(envelope.lease_duration),
            envelope.renewable,
        ))
    }
}

/// What a lease watcher did.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum LeaseEvent {
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
    /// The lease reached its max TTL: it ends at `expires_at`. Fetch new credentials. Renewal
    /// stops.
    MaxTtlReached {
        /// When the lease (and its credentials) end.
        expires_at: Instant,
    },
    /// The lease is not renewable: it ends at `expires_at`. Fetch new credentials before then.
    NotRenewable {
        /// When the lease ends.
        expires_at: Instant,
    },
    /// Vault no longer knows the lease (revoked, expired, or renewals failed until it expired).
    Lost(Arc<Error>),
}

/// The state of a watched lease, in [`LeaseWatcher::status`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum LeaseStatus {
    /// Being renewed; good until `expires_at` at least.
    Active {
        /// When it ends unless renewed.
        expires_at: Instant,
    },
    /// It can't be extended and ends at `expires_at`: time to fetch new credentials.
    Ending {
        /// When it ends.
        expires_at: Instant,
    },
    /// Gone (lost or revoked).
    Gone,
    /// No longer watched: the handle was dropped or stopped (a dropped handle revokes the lease
    /// unless [`LeaseWatcherBuilder::revoke_on_drop`] is off).
    Stopped,
}

/// How a [`LeaseWatcher`] is set up: [`Client::lease_watcher`].
#[derive(Debug)]
pub struct LeaseWatcherBuilder {
    client: Client,
    lease: Lease,
    schedule: RenewSchedule,
    revoke_on_drop: bool,
    capacity: usize,
}

impl LeaseWatcherBuilder {
    /// Another schedule.
    pub fn schedule(mut self, schedule: RenewSchedule) -> Self {
        self.schedule = schedule;
        self
    }

    /// Whether dropping the watcher revokes the lease in the background (default true).
    pub fn revoke_on_drop(mut self, revoke: bool) -> Self {
        self.revoke_on_drop = revoke;
        self
    }

    /// How many events are kept for a slow reader before the oldest are dropped (default 16).
    pub fn event_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// Starts watching on the current tokio runtime.
    pub fn spawn(self) -> LeaseWatcher {
        let expires_at = Instant::now() + self.lease.duration;
        let watched = Watching {
            client: self.client.clone(),
            lease: self.lease.clone(),
            expires_at,
        };
        let status = LeaseStatus::Active { expires_at };
        LeaseWatcher {
            client: self.client,
            lease: self.lease,
            revoke_on_drop: self.revoke_on_drop,
            revoked: false,
            handle: engine::spawn(watched, self.schedule, status, self.capacity),
        }
    }
}

impl Client {
    /// A watcher that keeps `lease` alive; see [`crate::lease`].
    pub fn lease_watcher(&self, lease: Lease) -> LeaseWatcherBuilder {
        LeaseWatcherBuilder {
            client: self.clone(),
            lease,
            schedule: RenewSchedule::default(),
            revoke_on_drop: true,
            capacity: 16,
        }
    }

    /// `POST sys/leases/revoke` (operation `leases_revoke_lease`): revokes a lease now.
    pub async fn revoke_lease(&self, lease_id: &str) -> Result<(), Error> {
        let mut body = JsonMap::new();
        body.insert("lease_id".into(), lease_id.into());
        self.send_operation(&ops::LEASES_REVOKE_LEASE, &[], &[], Some(&body))
            .await?;
        Ok(())
    }

    /// `POST sys/leases/renew` (operation `leases_renew_lease`): renews a lease, asking for
    /// `increment` (in seconds); returns the answer (its `lease_duration` is the new TTL).
    pub async fn renew_lease(
        &self,
        lease_id: &str,
        increment: Option<Duration>,
    ) -> Result<Envelope, Error> {
        let mut body = JsonMap::new();
        body.insert("lease_id".into(), lease_id.into());
        if let Some(increment) = increment {
            body.insert("increment".into(), increment.as_secs().into());
        }
        self.call_operation(&ops::LEASES_RENEW_LEASE, &[], &[], Some(&body))
            .await
    }
}

/// A background task that keeps a lease alive. Revokes it when dropped, unless turned off.
pub struct LeaseWatcher {
    client: Client,
    lease: Lease,
    revoke_on_drop: bool,
    revoked: bool,
    handle: Handle<LeaseEvent, LeaseStatus>,
}

impl fmt::Debug for LeaseWatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LeaseWatcher")
            .field("lease", &self.lease)
            .field("status", &self.handle.status())
            .finish_non_exhaustive()
    }
}

impl LeaseWatcher {
    /// The lease watched.
    pub fn lease(&self) -> &Lease {
        &self.lease
    }

    /// The next event; `None` once the watcher has stopped and every event was read.
    pub async fn next_event(&mut self) -> Option<LeaseEvent> {
        self.handle.next_event().await
    }

    /// Another reader of the events from now on, as tokio's receiver (owned).
    pub fn subscribe(&self) -> broadcast::Receiver<LeaseEvent> {
        self.handle.subscribe()
    }

    /// Another reader of the events from now on, owned: it can be moved to another task while
    /// this handle stays where the watcher is stopped. [`Events::next`] is `None` once the
    /// watcher has ended (stopped, dropped, or nothing more to renew).
    pub fn events(&self) -> Events<LeaseEvent> {
        Events::new(self.subscribe())
    }

    /// The current state.
    pub fn status(&self) -> LeaseStatus {
        self.handle.status()
    }

    /// A receiver of the state, to await changes (owned, like [`LeaseWatcher::events`]).
    pub fn watch(&self) -> watch::Receiver<LeaseStatus> {
        self.handle.watch()
    }

    /// Whether the background task has ended.
    pub fn is_finished(&self) -> bool {
        self.handle.is_finished()
    }

    /// Stops renewing and revokes the lease now.
    pub async fn revoke(mut self) -> Result<(), Error> {
        self.handle.stop();
        self.revoked = true;
        self.client.revoke_lease(&self.lease.id).await
    }

    /// Stops renewing and leaves the lease to expire on its own.
    pub fn stop(mut self) {
        self.handle.stop();
        self.revoked = true;
    }
}

impl Drop for LeaseWatcher {
    fn drop(&mut self) {
        // The task ends at its next poll (the readers see the end of the channel).
        self.handle.stop();
        if self.revoke_on_drop && !self.revoked {
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                let client = self.client.clone();
                let id = std::mem::take(&mut self.lease.id);
                runtime.spawn(async move {
                    if let Err(e) = client.revoke_lease(&id).await {
                        tracing::warn!(error = %e, "could not revoke a dropped lease");
                    }
                });
            }
        }
    }
}

/// What a lease watcher keeps alive.
struct Watching {
    client: Client,
    lease: Lease,
    /// When the lease ends as it was handed over.
    expires_at: Instant,
}

impl Renews for Watching {
    /// Asks for the lease's original duration each time.
    async fn renew(&self) -> Result<Renewal, Error> {
        let answer = self
            .client
            .renew_lease(&self.lease.id, Some(self.lease.duration))
            .await?;
        Ok(Renewal {
            ttl: Duration::from_secs(answer.lease_duration),
            renewable: answer.renewable,
        })
    }

    fn renew_failed(error: Arc<Error>, retry_in: Duration) -> LeaseEvent {
        LeaseEvent::RenewFailed { error, retry_in }
    }
}

impl Watched for Watching {
    type Event = LeaseEvent;
    type Status = LeaseStatus;

    fn trace(&self, event: &LeaseEvent) {
        tracing::debug!(lease = %self.lease.id, ?event, "lease watcher");
        crate::metrics::lease_event(event);
    }

    async fn run(engine: &Engine<Self>) {
        let mut expires_at = engine.watched.expires_at;
        if !engine.watched.lease.renewable {
            engine.ending(expires_at, LeaseEvent::NotRenewable { expires_at });
            return;
        }
        let granted = engine.watched.lease.duration;
        loop {
            let renewal = match engine.renew_before(expires_at).await {
                Outcome::Renewed(renewal) => renewal,
                Outcome::NotRenewable => {
                    engine.ending(expires_at, LeaseEvent::NotRenewable { expires_at });
                    return;
                }
                // Vault no longer knows it (400 "lease not found", 403 after its token went).
                Outcome::Refused(e) => return engine.lost(e),
                Outcome::Expired(_) => {
                    return engine.lost(Error::missing(
                        "the lease expired before it could be renewed",
                    ))
                }
            };
            let ttl = renewal.ttl;
            expires_at = Instant::now() + ttl;
            if ttl < granted {
                engine.ending(expires_at, LeaseEvent::MaxTtlReached { expires_at });
                return;
            }
            engine.set_status(LeaseStatus::Active { expires_at });
            engine.emit(LeaseEvent::Renewed { ttl });
            if !renewal.renewable {
                engine.ending(expires_at, LeaseEvent::NotRenewable { expires_at });
                return;
            }
        }
    }

    fn cancelled(engine: &Engine<Self>) {
        engine.set_status(LeaseStatus::Stopped);
    }
}

/// The lease's end events.
impl Engine<Watching> {
    fn ending(&self, expires_at: Instant, event: LeaseEvent) {
        self.set_status(LeaseStatus::Ending { expires_at });
        self.emit(event);
    }

    fn lost(&self, error: Error) {
        self.set_status(LeaseStatus::Gone);
        self.emit(LeaseEvent::Lost(Arc::new(error)));
    }
}
