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

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::api::operations as ops;
use crate::auth::renew::{
    is_not_renewable, next_event, subscribe, until_cancelled, vault_refused, Events,
};
use crate::auth::RenewSchedule;
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
        let (events, first) = broadcast::channel(self.capacity);
        let expires_at = Instant::now() + self.lease.duration;
        let (status_tx, status) = watch::channel(LeaseStatus::Active { expires_at });
        let (cancel, cancelled) = watch::channel(false);
        let worker = Worker {
            client: self.client.clone(),
            lease: self.lease.clone(),
            schedule: self.schedule,
            events: events.clone(),
            status: status_tx,
        };
        let task = tokio::spawn(async move {
            if until_cancelled(worker.run(expires_at), cancelled).await {
                worker.status.send_replace(LeaseStatus::Stopped);
            }
        });
        LeaseWatcher {
            client: self.client,
            lease: self.lease,
            revoke_on_drop: self.revoke_on_drop,
            revoked: false,
            first,
            events: events.downgrade(),
            status,
            cancel,
            task,
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
    first: broadcast::Receiver<LeaseEvent>,
    /// Weak, so that the channel closes when the task ends.
    events: broadcast::WeakSender<LeaseEvent>,
    status: watch::Receiver<LeaseStatus>,
    /// Set (or dropped with the handle) to stop the task.
    cancel: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl fmt::Debug for LeaseWatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LeaseWatcher")
            .field("lease", &self.lease)
            .field("status", &*self.status.borrow())
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
        next_event(&mut self.first).await
    }

    /// Another reader of the events from now on, as tokio's receiver (owned).
    pub fn subscribe(&self) -> broadcast::Receiver<LeaseEvent> {
        subscribe(&self.events)
    }

    /// Another reader of the events from now on, owned: it can be moved to another task while
    /// this handle stays where the watcher is stopped. [`Events::next`] is `None` once the
    /// watcher has ended (stopped, dropped, or nothing more to renew).
    pub fn events(&self) -> Events<LeaseEvent> {
        Events::new(self.subscribe())
    }

    /// The current state.
    pub fn status(&self) -> LeaseStatus {
        self.status.borrow().clone()
    }

    /// A receiver of the state, to await changes (owned, like [`LeaseWatcher::events`]).
    pub fn watch(&self) -> watch::Receiver<LeaseStatus> {
        self.status.clone()
    }

    /// Whether the background task has ended.
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// Stops renewing and revokes the lease now.
    pub async fn revoke(mut self) -> Result<(), Error> {
        self.cancel.send_replace(true);
        self.revoked = true;
        self.client.revoke_lease(&self.lease.id).await
    }

    /// Stops renewing and leaves the lease to expire on its own.
    pub fn stop(mut self) {
        self.cancel.send_replace(true);
        self.revoked = true;
    }
}

impl Drop for LeaseWatcher {
    fn drop(&mut self) {
        // The task ends at its next poll (the readers see the end of the channel).
        self.cancel.send_replace(true);
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

fn remaining(expires_at: Instant) -> Duration {
    expires_at.saturating_duration_since(Instant::now())
}

struct Worker {
    client: Client,
    lease: Lease,
    schedule: RenewSchedule,
    events: broadcast::Sender<LeaseEvent>,
    status: watch::Sender<LeaseStatus>,
}

impl Worker {
    fn emit(&self, event: LeaseEvent) {
        tracing::debug!(lease = %self.lease.id, ?event, "lease watcher");
        crate::metrics::lease_event(&event);
        let _ = self.events.send(event);
    }

    fn ending(&self, expires_at: Instant, event: LeaseEvent) {
        self.status.send_replace(LeaseStatus::Ending { expires_at });
        self.emit(event);
    }

    fn lost(&self, error: Error) {
        self.status.send_replace(LeaseStatus::Gone);
        self.emit(LeaseEvent::Lost(Arc::new(error)));
    }

    async fn run(&self, mut expires_at: Instant) {
        if !self.lease.renewable {
            self.ending(expires_at, LeaseEvent::NotRenewable { expires_at });
            return;
        }
        let granted = self.lease.duration;
        loop {
            tokio::time::sleep(self.schedule.wait(remaining(expires_at))).await;
            let mut backoff = self.schedule.backoff();
            let answer = loop {
                if remaining(expires_at).is_zero() {
                    self.lost(Error::missing(
                        "the lease expired before it could be renewed",
                    ));
                    return;
                }
                match self.client.renew_lease(&self.lease.id, Some(granted)).await {
                    Ok(answer) => break answer,
                    Err(e) if is_not_renewable(&e) => {
                        self.ending(expires_at, LeaseEvent::NotRenewable { expires_at });
                        return;
                    }
                    // Vault no longer knows it (400 "lease not found", 403 after its token went).
                    Err(e) if vault_refused(&e) => {
                        self.lost(e);
                        return;
                    }
                    // Anything else says nothing about the lease: a failover, an outage.
                    Err(e) => {
                        let left = remaining(expires_at);
                        let retry_in = backoff
                            .next()
                            .unwrap_or(self.schedule.backoff_max)
                            .min(left.mul_f64(self.schedule.fraction))
                            .max(self.schedule.floor);
                        self.emit(LeaseEvent::RenewFailed {
                            error: Arc::new(e),
                            retry_in,
                        });
                        tokio::time::sleep(retry_in).await;
                    }
                }
            };
            let ttl = Duration::from_secs(answer.lease_duration);
            expires_at = Instant::now() + ttl;
            if ttl < granted {
                self.ending(expires_at, LeaseEvent::MaxTtlReached { expires_at });
                return;
            }
            self.status.send_replace(LeaseStatus::Active { expires_at });
            self.emit(LeaseEvent::Renewed { ttl });
            if !answer.renewable {
                self.ending(expires_at, LeaseEvent::NotRenewable { expires_at });
                return;
            }
        }
    }
}
