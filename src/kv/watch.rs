//! Following a KV v2 secret as it changes: [`Kv2::watch`].
//!
//! The third watcher on the engine of the token renewer and the lease watcher (`src/watch.rs`):
//! the same backoff, the same stop rule, the same events channel and drop-to-stop handle.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::{broadcast, watch};

use super::v2::{Kv2, Secret, SecretMetadata};
use crate::error::DecodeError;
use crate::watch::{self as engine, Engine, Events, Handle, RenewSchedule, Watched};
use crate::{Error, JsonMap};

/// How a [`KvWatcher`] polls: every [`KvWatch::interval`] plus up to [`KvWatch::jitter`] of it,
/// backing off after failures up to [`KvWatch::backoff_max`]. See [`Kv2::watch`].
///
/// ```
/// use std::time::Duration;
/// use hashivault::kv::KvWatch;
///
/// let options = KvWatch::default()
///     .with_interval(Duration::from_secs(10))
///     .with_jitter(0.2)
///     .with_backoff_max(Duration::from_secs(120));
/// assert_eq!(options.interval(), Duration::from_secs(10));
/// ```
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct KvWatch {
    interval: Duration,
    jitter: f64,
    backoff_max: Duration,
    capacity: usize,
}

impl Default for KvWatch {
    fn default() -> Self {
        KvWatch {
            interval: Duration::from_secs(30),
            jitter: 0.1,
            backoff_max: Duration::from_secs(300),
            capacity: 16,
        }
    }
}

impl KvWatch {
    /// The time between two polls (default 30 s; at least 1 ms).
    pub fn with_interval(mut self, interval: Duration) -> Self {
        self.interval = interval.max(Duration::from_millis(1));
        self
    }

    /// Up to this share of the interval is added to each wait at random, so that replicas started
    /// together spread out (default 0.1; clamped to 0..=1). 0 turns off all randomness, the
    /// backoff's included.
    pub fn with_jitter(mut self, jitter: f64) -> Self {
        self.jitter = jitter.clamp(0.0, 1.0);
        self
    }

    /// The longest wait between two polls after failures (default 5 min; never below the
    /// interval): the waits after consecutive failures are the interval, then twice, four times
    /// ... as long, up to this. With jitter on, each of these waits is lengthened by up to as
    /// much again at random (the engine's backoff jitter), never shortened.
    pub fn with_backoff_max(mut self, max: Duration) -> Self {
        self.backoff_max = max;
        self
    }

    /// How many events are kept for a slow reader before the oldest are dropped (default 16).
    pub fn with_event_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// See [`KvWatch::with_interval`].
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// See [`KvWatch::with_jitter`].
    pub fn jitter(&self) -> f64 {
        self.jitter
    }

    /// See [`KvWatch::with_backoff_max`].
    pub fn backoff_max(&self) -> Duration {
        self.backoff_max.max(self.interval)
    }

    /// The engine's schedule: no wait shorter than the interval, failures backed off from the
    /// interval up to `backoff_max`.
    fn schedule(&self) -> RenewSchedule {
        RenewSchedule::default()
            .with_fraction(1.0)
            .with_jitter(self.jitter)
            .with_floor(self.interval)
            .with_backoff(self.interval, self.backoff_max())
            .with_backoff_jitter(self.jitter > 0.0)
    }
}

/// What a [`KvWatcher`] did. Errors are shared (`Arc`) so that every reader gets the event; no
/// event carries secret data.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum KvEvent {
    /// A new version was read; [`KvWatcher::watch`]'s receivers hold it.
    Updated {
        /// The version now held.
        version: u64,
    },
    /// A poll failed (Vault down or sealed, a 5xx, a timeout, ...); the last value is kept and
    /// the poll is retried after `retry_in`.
    PollFailed {
        /// Why.
        error: Arc<Error>,
        /// When the next poll is made.
        retry_in: Duration,
    },
    /// The secret's current version was deleted or destroyed without a newer one: the last good
    /// value is kept, and polling goes on (a new version, or an undelete, is picked up).
    VersionGone {
        /// The version that is gone.
        version: u64,
        /// Destroyed (its data is gone for good) rather than soft-deleted.
        destroyed: bool,
    },
    /// The secret's metadata is gone (404: all its versions deleted with
    /// [`Kv2::delete_metadata`], or the mount is not there): the last good value is kept, and
    /// polling goes on.
    Missing,
    /// The current version does not decode into the watched type: the last good value is kept
    /// and that version is not read again (the next one is). The error names the field, never a
    /// value.
    Rejected {
        /// The version that was skipped.
        version: u64,
        /// Why it does not decode.
        error: Arc<Error>,
    },
    /// The watcher stopped. Always the last event.
    Stopped(KvStopReason),
}

/// Why a [`KvWatcher`] stopped.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum KvStopReason {
    /// Vault refused the token (a `400`/`401`/`403` answered by Vault itself: no `read`
    /// capability on the path, the token revoked); polling again would be refused the same way.
    Refused(Arc<Error>),
    /// The handle was dropped or [`KvWatcher::stop`] called.
    Cancelled,
}

impl Kv2 {
    /// Watches the secret at `path`: reads its latest version now (that read's error is
    /// returned: a path never written, a deleted latest version, no permission, Vault down),
    /// then polls its metadata in the background and reads a new version only when it changed.
    ///
    /// - Every [`KvWatch::interval`] plus up to [`KvWatch::jitter`] of it at random, one request:
    ///   `GET <mount>/metadata/<path>`. When its `current_version` differs from the version held,
    ///   a second one reads exactly that version: `GET <mount>/data/<path>?version=N`. Polls are
    ///   never closer together than the interval (jitter only adds), so a 30 s interval makes at
    ///   most 2 metadata reads a minute.
    /// - A failure that says nothing about the token (Vault down, sealed, a 5xx, `412`, `429`, a
    ///   timeout: the rule of the other watchers, see [`crate::auth::renew`], "What stops a
    ///   watcher") keeps the last value and is retried after the interval, then twice, four
    ///   times ... the interval, up to [`KvWatch::backoff_max`] ([`KvEvent::PollFailed`]): an
    ///   outage never makes more requests than steady polling, and fewer and fewer as it lasts.
    /// - A refusal by Vault itself (`400`/`401`/`403` with Vault's error body) stops the watcher
    ///   ([`KvStopReason::Refused`]); the receivers keep the last value.
    /// - A current version deleted or destroyed without a newer one keeps the last good value
    ///   ([`KvEvent::VersionGone`], once), so does metadata that is gone ([`KvEvent::Missing`])
    ///   and a version that does not decode into `T` ([`KvEvent::Rejected`], that version is
    ///   skipped); polling goes on in each case.
    ///
    /// Dropping the [`KvWatcher`] (or [`KvWatcher::stop`]) ends the background task at its next
    /// step; its receivers keep the last value and see the sender gone. `Debug` of the watcher,
    /// its events and [`Secret`] never shows the data.
    ///
    /// ```no_run
    /// # async fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
    /// use std::time::Duration;
    /// use hashivault::kv::KvWatch;
    ///
    /// #[derive(Clone, serde::Deserialize)]
    /// struct Config { url: String, password: String }
    ///
    /// let watcher = client
    ///     .kv2("secret")
    ///     .watch::<Config>("app/config", KvWatch::default().with_interval(Duration::from_secs(10)))
    ///     .await?;
    /// let mut config = watcher.watch();
    /// tokio::spawn(async move {
    ///     // Ends when the watcher is dropped.
    ///     while config.changed().await.is_ok() {
    ///         let secret = config.borrow_and_update();
    ///         println!("now at version {}: {}", secret.metadata.version, secret.data.url);
    ///     }
    /// });
    /// # Ok(())
    /// # }
    /// ```
    pub async fn watch<T: DeserializeOwned + Clone + Send + Sync + 'static>(
        &self,
        path: &str,
        options: KvWatch,
    ) -> Result<KvWatcher<T>, Error> {
        let first: Secret<JsonMap> = self.read(path).await?;
        let version = first.metadata.version;
        let first = Secret {
            data: decode::<T>(first.data)?,
            metadata: first.metadata,
        };
        let watched = Watching {
            kv: self.clone(),
            path: path.to_string(),
            interval: options.interval,
            version,
            data: PhantomData,
        };
        let handle = engine::spawn(watched, options.schedule(), first, options.capacity);
        Ok(KvWatcher {
            mount: self.mount().to_string(),
            path: path.to_string(),
            handle,
        })
    }
}

/// A background task that follows a KV v2 secret: [`Kv2::watch`]. Dropping it stops the task.
pub struct KvWatcher<T> {
    mount: String,
    path: String,
    handle: Handle<KvEvent, Secret<T>>,
}

impl<T: Clone> fmt::Debug for KvWatcher<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KvWatcher")
            .field("mount", &self.mount)
            .field("path", &self.path)
            .field("version", &self.version())
            .field("finished", &self.is_finished())
            .finish_non_exhaustive()
    }
}

impl<T: Clone> KvWatcher<T> {
    /// A receiver of the current secret (data and version metadata), to await new versions:
    /// owned, it can be moved to another task. Its `changed()` fails once the watcher has
    /// stopped (the last value stays readable).
    pub fn watch(&self) -> watch::Receiver<Secret<T>> {
        self.handle.watch()
    }

    /// The current secret (a clone).
    pub fn current(&self) -> Secret<T> {
        self.handle.status()
    }

    /// The version held now.
    pub fn version(&self) -> u64 {
        self.handle.watch().borrow().metadata.version
    }

    /// The next event; `None` once the watcher has stopped and every event was read.
    pub async fn next_event(&mut self) -> Option<KvEvent> {
        self.handle.next_event().await
    }

    /// Another reader of the events from now on, as tokio's receiver (owned).
    pub fn subscribe(&self) -> broadcast::Receiver<KvEvent> {
        self.handle.subscribe()
    }

    /// Another reader of the events from now on, owned (see [`Events`]).
    pub fn events(&self) -> Events<KvEvent> {
        Events::new(self.subscribe())
    }

    /// Whether the background task has ended.
    pub fn is_finished(&self) -> bool {
        self.handle.is_finished()
    }

    /// The mount watched.
    pub fn mount(&self) -> &str {
        &self.mount
    }

    /// The path watched, relative to the mount.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Stops the background task at its next step (as dropping the watcher does).
    pub fn stop(&self) {
        self.handle.stop();
    }
}

/// What one poll found.
enum Poll<T> {
    /// The held version is still current and live.
    Unchanged,
    /// A new version, read.
    New(Secret<T>),
    /// The current version is deleted or destroyed.
    Gone { version: u64, destroyed: bool },
    /// No metadata (404), or metadata without any version.
    Missing,
    /// The current version does not decode into `T`.
    Rejected { version: u64, error: Error },
}

/// The task's side: the secret polled.
struct Watching<T> {
    kv: Kv2,
    path: String,
    interval: Duration,
    /// The version held when the watcher started.
    version: u64,
    /// What the data decodes into.
    data: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned + Send + Sync + 'static> Watching<T> {
    /// One poll, `held` the version held now: the metadata, and the current version's data
    /// when it is another.
    async fn poll(&self, held: u64) -> Result<Poll<T>, Error> {
        let meta = match self.kv.read_metadata(&self.path).await {
            Ok(meta) => meta,
            Err(e) if e.is_not_found() => return Ok(Poll::Missing),
            Err(e) => return Err(e),
        };
        // An `i64` in the spec; never negative from Vault.
        let current = u64::try_from(meta.current_version).unwrap_or(0);
        if current == 0 {
            return Ok(Poll::Missing);
        }
        if let Some(destroyed) = gone(&meta, current) {
            return Ok(Poll::Gone {
                version: current,
                destroyed,
            });
        }
        if current == held {
            return Ok(Poll::Unchanged);
        }
        let read = match self.kv.read_version::<JsonMap>(&self.path, current).await {
            Ok(read) => read,
            // Deleted between the two requests.
            Err(e) => match e.kv_deleted_version() {
                Some(meta) => {
                    return Ok(Poll::Gone {
                        version: current,
                        destroyed: meta.destroyed,
                    })
                }
                None => return Err(e),
            },
        };
        match decode::<T>(read.data) {
            Ok(data) => Ok(Poll::New(Secret {
                data,
                metadata: read.metadata,
            })),
            Err(error) => Ok(Poll::Rejected {
                version: current,
                error,
            }),
        }
    }
}

impl<T: DeserializeOwned + Clone + Send + Sync + 'static> Watched for Watching<T> {
    type Event = KvEvent;
    type Status = Secret<T>;

    fn trace(&self, event: &KvEvent) {
        tracing::debug!(mount = %self.kv.mount(), path = %self.path, ?event, "kv watcher");
        crate::metrics::kv_event(event);
    }

    async fn run(engine: &Engine<Self>) {
        let watched = &engine.watched;
        // The version whose value is held, or was skipped (rejected): not read again.
        let mut held = watched.version;
        // What was reported last, so that a state seen on every poll is reported once.
        let mut reported: Option<(u64, &'static str)> = None;
        loop {
            tokio::time::sleep(engine.schedule.poll_wait(watched.interval)).await;
            let poll = engine
                .retry(
                    || watched.poll(held),
                    |error, retry_in| KvEvent::PollFailed { error, retry_in },
                )
                .await;
            let (state, event) = match poll {
                Ok(Poll::Unchanged) => {
                    reported = None;
                    continue;
                }
                Ok(Poll::New(secret)) => {
                    held = secret.metadata.version;
                    engine.set_status(secret);
                    reported = None;
                    engine.emit(KvEvent::Updated { version: held });
                    continue;
                }
                Ok(Poll::Gone { version, destroyed }) => (
                    (version, if destroyed { "destroyed" } else { "deleted" }),
                    KvEvent::VersionGone { version, destroyed },
                ),
                Ok(Poll::Missing) => ((0, "missing"), KvEvent::Missing),
                Ok(Poll::Rejected { version, error }) => {
                    held = version;
                    (
                        (version, "rejected"),
                        KvEvent::Rejected {
                            version,
                            error: Arc::new(error),
                        },
                    )
                }
                Err(e) => {
                    engine.emit(KvEvent::Stopped(KvStopReason::Refused(Arc::new(e))));
                    return;
                }
            };
            if reported != Some(state) {
                reported = Some(state);
                engine.emit(event);
            }
        }
    }

    fn cancelled(engine: &Engine<Self>) {
        engine.emit(KvEvent::Stopped(KvStopReason::Cancelled));
    }
}

/// `data` decoded into `T`; the error names the field and the expected type, never a value.
fn decode<T: DeserializeOwned>(data: JsonMap) -> Result<T, Error> {
    serde_path_to_error::deserialize::<_, T>(Value::Object(data)).map_err(|e| {
        let field = e.path().to_string();
        Error::Decode(Box::new(DecodeError::new(
            Some("kv_v2_read"),
            None,
            Some(format!("data.data.{field}")),
            b"",
            e.inner(),
        )))
    })
}

/// Whether `version` is gone (destroyed, or deleted now): `Some(destroyed)`, `None` when live.
fn gone(meta: &SecretMetadata, version: u64) -> Option<bool> {
    let info = meta.versions.get(&version.to_string())?;
    if info.destroyed {
        return Some(true);
    }
    // A deletion time in the future (`delete_version_after`) is a deletion to come.
    let deleted = info
        .deletion_time
        .as_deref()
        .filter(|t| !t.is_empty())
        .is_some_and(|t| unix_seconds(t).is_none_or(|at| at <= now_seconds()));
    deleted.then_some(false)
}

fn now_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The Unix time of an RFC 3339 UTC time as Vault writes it (`2026-12-06T15:03:53.890874547Z`),
/// to the second; `None` when it is not one.
fn unix_seconds(time: &str) -> Option<i64> {
    let b = time.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| time.get(range)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || !time.ends_with('Z') {
        return None;
    }
    // Days from the civil date (H. Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vault_times_read_as_unix_seconds() {
        assert_eq!(unix_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            unix_seconds("2026-12-06T15:03:53.890874547Z"),
            Some(1_796_569_433)
        );
        assert_eq!(unix_seconds("2000-02-29T12:00:00Z"), Some(951_825_600));
        assert_eq!(unix_seconds(""), None);
        assert_eq!(unix_seconds("2026-12-06 15:03:53"), None);
        assert_eq!(unix_seconds("2026-12-06T15:03:53+02:00"), None);
    }

    #[test]
    fn a_version_is_gone_when_destroyed_or_deleted_by_now() {
        let meta: SecretMetadata = serde_json::from_value(serde_json::json!({
            "current_version": 4,
            "versions": {
                "1": {"created_time": "2026-12-06T15:03:53Z", "deletion_time": "", "destroyed": true},
                "2": {"created_time": "2026-12-06T15:03:53Z", "deletion_time": "2026-12-06T15:03:54.1Z", "destroyed": false},
                "3": {"created_time": "2026-12-06T15:03:53Z", "deletion_time": "2999-01-01T00:00:00Z", "destroyed": false},
                "4": {"created_time": "2026-12-06T15:03:53Z", "deletion_time": "", "destroyed": false}
            }
        }))
        .unwrap();
        assert_eq!(gone(&meta, 1), Some(true));
        assert_eq!(gone(&meta, 2), Some(false));
        assert_eq!(gone(&meta, 3), None, "deletion scheduled, not done");
        assert_eq!(gone(&meta, 4), None);
        assert_eq!(gone(&meta, 5), None, "not listed");
    }

    #[test]
    fn decode_errors_name_the_field_not_the_value() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Db {
            port: u16,
        }
        let mut data = JsonMap::new();
        data.insert("port".into(), "s3cret-port".into());
        let e = decode::<Db>(data).unwrap_err();
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("data.data.port"), "{shown}");
    }
}
