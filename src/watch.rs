//! The one engine behind the token renewer ([`crate::auth::renew`]), the lease watcher
//! ([`crate::lease`]) and the KV watcher ([`crate::kv::KvWatcher`]).
//!
//! A watcher is a [`Watched`] value (its own life: logins for the token, the end events for a
//! lease, polls for a KV secret; and, for what [`Renews`], what it renews and how a renewal
//! failure reads as an event) run by an [`Engine`], which owns what they share:
//!
//! - the schedule ([`RenewSchedule::wait`], [`RenewSchedule::poll_wait`]) and the backoff
//!   ([`RenewSchedule::backoff`]);
//! - the renewal loop ([`Engine::renew_before`]: wait, renew, retry what Vault did not refuse,
//!   never past the expiry) and the retry loop of other requests ([`Engine::retry`]);
//! - the stop rule: one call, [`classify`] (Vault's own 400/401/403 stop, everything else is
//!   retried);
//! - the task, its events channel and status, cancellation when the [`Handle`] is dropped, and
//!   [`Handle::is_finished`].

use std::fmt;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::Error;

/// When to renew and how to back off; see the [renewer's docs](crate::auth::renew) for how it
/// plays out. Built from [`RenewSchedule::default`] with the `with_*` setters:
///
/// ```
/// use std::time::Duration;
/// use hashivault::auth::RenewSchedule;
///
/// let schedule = RenewSchedule::default()
///     .with_fraction(0.5)
///     .with_backoff(Duration::from_secs(2), Duration::from_secs(30));
/// assert_eq!(schedule.fraction(), 0.5);
/// ```
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct RenewSchedule {
    fraction: f64,
    jitter: f64,
    floor: Duration,
    backoff_min: Duration,
    backoff_max: Duration,
    backoff_jitter: bool,
}

impl RenewSchedule {
    /// The share of the remaining TTL to wait before renewing (default 2/3).
    pub fn with_fraction(mut self, fraction: f64) -> Self {
        self.fraction = fraction;
        self
    }

    /// Up to this share of the wait is taken off at random (default 0.1; 0 for none).
    pub fn with_jitter(mut self, jitter: f64) -> Self {
        self.jitter = jitter;
        self
    }

    /// The shortest wait before any request (default 1 s).
    pub fn with_floor(mut self, floor: Duration) -> Self {
        self.floor = floor;
        self
    }

    /// The first retry delay after a failure, doubled per failure up to `max` (default 1 s to
    /// 60 s).
    pub fn with_backoff(mut self, min: Duration, max: Duration) -> Self {
        self.backoff_min = min;
        self.backoff_max = max;
        self
    }

    /// Whether retry delays get random jitter (default true).
    pub fn with_backoff_jitter(mut self, on: bool) -> Self {
        self.backoff_jitter = on;
        self
    }

    /// See [`RenewSchedule::with_fraction`].
    pub fn fraction(&self) -> f64 {
        self.fraction
    }

    /// See [`RenewSchedule::with_jitter`].
    pub fn jitter(&self) -> f64 {
        self.jitter
    }

    /// See [`RenewSchedule::with_floor`].
    pub fn floor(&self) -> Duration {
        self.floor
    }

    /// The first retry delay; see [`RenewSchedule::with_backoff`].
    pub fn backoff_min(&self) -> Duration {
        self.backoff_min
    }

    /// The longest retry delay; see [`RenewSchedule::with_backoff`].
    pub fn backoff_max(&self) -> Duration {
        self.backoff_max
    }

    /// See [`RenewSchedule::with_backoff_jitter`].
    pub fn backoff_jitter(&self) -> bool {
        self.backoff_jitter
    }
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

    /// The wait before the next poll of a watcher that reads every `interval` (the KV
    /// watcher): `interval` plus up to `jitter` of it at random, at least `floor`. Jitter only
    /// lengthens the wait, so polls are never closer together than `interval`.
    pub(crate) fn poll_wait(&self, interval: Duration) -> Duration {
        let jitter = self.jitter.clamp(0.0, 1.0) * fastrand::f64();
        interval.mul_f64(1.0 + jitter).max(self.floor)
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

/// What a failed request means to a watcher.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// Vault says the token or lease cannot be renewed (a 400).
    NotRenewable,
    /// Vault refused the credentials or the lease ([`vault_refused`]): give up on them.
    Refused,
    /// Says nothing about the credentials: retried with backoff.
    Transient,
}

/// The stop rule of both watchers, in one call.
pub(crate) fn classify(e: &Error) -> Failure {
    if is_not_renewable(e) {
        Failure::NotRenewable
    } else if vault_refused(e) {
        Failure::Refused
    } else {
        Failure::Transient
    }
}

/// Whether Vault refused the credentials or the lease, so that a watcher gives up on them (logs
/// in again, or stops) instead of retrying: a `400`, `401` or `403` answered by Vault itself,
/// with its JSON error body (`{"errors": [...]}`, or RustyVault's `{"error": ...}`), or input
/// the client refused before sending (it would be refused the same way every time).
///
/// Everything else says nothing about the credentials and is retried with backoff: a refused
/// redirect, `5xx` (sealed, a standby that cannot forward), `404`, `412`, `429` and any other
/// status, a deadline, a transport error, an answer too large or not Vault's (see
/// [`crate::auth::renew`], "What stops a watcher").
pub(crate) fn vault_refused(e: &Error) -> bool {
    match e {
        Error::Api(api) => {
            matches!(api.status, 400 | 401 | 403)
                && api.body.as_ref().is_some_and(|body| {
                    body.get("errors").is_some_and(serde_json::Value::is_array)
                        || body.get("error").is_some_and(serde_json::Value::is_string)
                })
        }
        // A login that needs MFA: a retry cannot pass it (and would prompt a push method again).
        Error::InvalidInput(_) | Error::Config(_) | Error::MfaRequired(_) => true,
        _ => false,
    }
}

/// A 400 saying the token or lease cannot be renewed.
pub(crate) fn is_not_renewable(e: &Error) -> bool {
    e.is_invalid_request()
        && e.messages()
            .iter()
            .any(|m| m.contains("not renewable") || m.contains("cannot be renewed"))
}

/// How long until `expires_at` (zero once passed).
pub(crate) fn remaining(expires_at: Instant) -> Duration {
    expires_at.saturating_duration_since(Instant::now())
}

/// What one renewal gave back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Renewal {
    /// The new TTL.
    pub ttl: Duration,
    /// Whether it can be renewed again.
    pub renewable: bool,
}

/// What an engine runs: the token, a lease, a KV secret ([`crate::kv::KvWatcher`]).
pub(crate) trait Watched: Send + Sync + Sized + 'static {
    /// What readers of [`Handle::events`] get.
    type Event: Clone + fmt::Debug + Send + 'static;
    /// What [`Handle::status`] holds.
    type Status: Clone + Send + Sync + 'static;

    /// Traces an event as it is sent.
    fn trace(&self, event: &Self::Event);

    /// The watcher's whole life, run in the engine's task until it ends or is cancelled.
    fn run(engine: &Engine<Self>) -> impl Future<Output = ()> + Send;

    /// The last status and event after the owner stopped the task.
    fn cancelled(engine: &Engine<Self>);
}

/// A watched value kept alive by renewals before an expiry (the token, a lease):
/// [`Engine::renew_before`].
pub(crate) trait Renews: Watched {
    /// One renewal request.
    fn renew(&self) -> impl Future<Output = Result<Renewal, Error>> + Send;

    /// The event of a renewal that failed and is retried after `retry_in`.
    fn renew_failed(error: Arc<Error>, retry_in: Duration) -> Self::Event;
}

/// The task's side: the watched value, the schedule, the events and status it sends.
pub(crate) struct Engine<W: Watched> {
    pub(crate) watched: W,
    pub(crate) schedule: RenewSchedule,
    events: broadcast::Sender<W::Event>,
    status: watch::Sender<W::Status>,
}

/// How a renewal loop ended.
pub(crate) enum Outcome {
    /// Renewed.
    Renewed(Renewal),
    /// Vault says it cannot be renewed.
    NotRenewable,
    /// Vault refused it.
    Refused(Error),
    /// It expired while renewals failed (the last failure, if any).
    Expired(Option<Arc<Error>>),
}

impl<W: Watched> Engine<W> {
    /// Sends an event; a channel without readers is fine (the watcher keeps going).
    pub(crate) fn emit(&self, event: W::Event) {
        self.watched.trace(&event);
        let _ = self.events.send(event);
    }

    /// Replaces the status.
    pub(crate) fn set_status(&self, status: W::Status) {
        self.status.send_replace(status);
    }

    /// Runs `attempt` until it succeeds or fails other than [`Failure::Transient`] (that error
    /// is returned), backing off between attempts with a `failed` event for each.
    pub(crate) async fn retry<T, F: Future<Output = Result<T, Error>>>(
        &self,
        mut attempt: impl FnMut() -> F,
        failed: impl Fn(Arc<Error>, Duration) -> W::Event,
    ) -> Result<T, Error> {
        let mut backoff = self.schedule.backoff();
        loop {
            match attempt().await {
                Ok(value) => return Ok(value),
                Err(e) if classify(&e) == Failure::Transient => {
                    let retry_in = backoff.next().unwrap_or(self.schedule.backoff_max);
                    self.emit(failed(Arc::new(e), retry_in));
                    tokio::time::sleep(retry_in).await;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

impl<W: Renews> Engine<W> {
    /// Waits [`RenewSchedule::wait`] of what is left until `expires_at`, then renews, retrying
    /// every [`Failure::Transient`] with backoff (each retry no later than `fraction` of what is
    /// left, at least the floor, with a [`Renews::renew_failed`] event) until it expires.
    pub(crate) async fn renew_before(&self, expires_at: Instant) -> Outcome {
        tokio::time::sleep(self.schedule.wait(remaining(expires_at))).await;
        let mut backoff = self.schedule.backoff();
        let mut last_error = None;
        loop {
            if remaining(expires_at).is_zero() {
                return Outcome::Expired(last_error);
            }
            let error = match self.watched.renew().await {
                Ok(renewal) => return Outcome::Renewed(renewal),
                Err(e) => match classify(&e) {
                    Failure::NotRenewable => return Outcome::NotRenewable,
                    Failure::Refused => return Outcome::Refused(e),
                    Failure::Transient => e,
                },
            };
            // Back off, but try once more before it expires when there is time.
            let left = remaining(expires_at);
            let retry_in = backoff
                .next()
                .unwrap_or(self.schedule.backoff_max)
                .min(left.mul_f64(self.schedule.fraction))
                .max(self.schedule.floor);
            let error = Arc::new(error);
            self.emit(W::renew_failed(error.clone(), retry_in));
            last_error = Some(error);
            tokio::time::sleep(retry_in).await;
        }
    }
}

/// Starts `watched` on the current tokio runtime: its [`Watched::run`] in a task that the
/// returned handle stops when dropped.
pub(crate) fn spawn<W: Watched>(
    watched: W,
    schedule: RenewSchedule,
    status: W::Status,
    capacity: usize,
) -> Handle<W::Event, W::Status> {
    let (events, first) = broadcast::channel(capacity);
    let (status_tx, status) = watch::channel(status);
    let (cancel, cancelled) = watch::channel(false);
    let engine = Engine {
        watched,
        schedule,
        events: events.clone(),
        status: status_tx,
    };
    let task = tokio::spawn(async move {
        if until_cancelled(W::run(&engine), cancelled).await {
            W::cancelled(&engine);
        }
    });
    Handle {
        first,
        events: events.downgrade(),
        status,
        cancel,
        task,
    }
}

/// The owner's side of a watcher's task: its readers, and the stop (also on drop).
pub(crate) struct Handle<E, S> {
    first: broadcast::Receiver<E>,
    /// Weak, so that the channel closes when the task ends.
    events: broadcast::WeakSender<E>,
    status: watch::Receiver<S>,
    /// Set (or dropped with the handle) to stop the task.
    cancel: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl<E: Clone, S: Clone> Handle<E, S> {
    /// The next event of the first reader; `None` once the task has ended and every event was
    /// read.
    pub(crate) async fn next_event(&mut self) -> Option<E> {
        next_event(&mut self.first).await
    }

    /// A new receiver of the events, or a closed one when the task has ended.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<E> {
        match self.events.upgrade() {
            Some(sender) => sender.subscribe(),
            // The task has ended: a receiver that is closed at once.
            None => broadcast::channel(1).1,
        }
    }

    /// The current status.
    pub(crate) fn status(&self) -> S {
        self.status.borrow().clone()
    }

    /// A receiver of the status.
    pub(crate) fn watch(&self) -> watch::Receiver<S> {
        self.status.clone()
    }

    /// Stops the task at its next step.
    pub(crate) fn stop(&self) {
        self.cancel.send_replace(true);
    }

    /// Whether the task has ended.
    pub(crate) fn is_finished(&self) -> bool {
        self.task.is_finished()
    }
}

impl<E, S> Drop for Handle<E, S> {
    fn drop(&mut self) {
        // The task sees the signal (or the sender gone) at its next poll and ends.
        self.cancel.send_replace(true);
    }
}

/// An owned reader of a renewer's or a lease watcher's events
/// ([`crate::auth::TokenRenewer::events`], [`crate::lease::LeaseWatcher::events`]): it borrows
/// nothing from the handle.
#[derive(Debug)]
pub struct Events<T> {
    rx: broadcast::Receiver<T>,
}

impl<T: Clone> Events<T> {
    pub(crate) fn new(rx: broadcast::Receiver<T>) -> Self {
        Events { rx }
    }

    /// The next event; `None` once the task has ended and every event was read. A reader that
    /// fell behind skips the events that were dropped.
    pub async fn next(&mut self) -> Option<T> {
        next_event(&mut self.rx).await
    }

    /// tokio's receiver underneath.
    pub fn into_receiver(self) -> broadcast::Receiver<T> {
        self.rx
    }
}

/// Runs `work` until it ends (`false`) or `cancel` is set or dropped (`true`); `work` is dropped
/// either way before this returns.
async fn until_cancelled(
    work: impl Future<Output = ()>,
    mut cancel: watch::Receiver<bool>,
) -> bool {
    let mut work = pin!(work);
    let mut signal = pin!(async move {
        // Set, or the handle holding the sender dropped.
        let _ = cancel.wait_for(|stop| *stop).await;
    });
    std::future::poll_fn(|cx| {
        if signal.as_mut().poll(cx).is_ready() {
            return Poll::Ready(true);
        }
        work.as_mut().poll(cx).map(|()| false)
    })
    .await
}

/// Receives the next event, skipping over those a slow reader lost.
async fn next_event<T: Clone>(rx: &mut broadcast::Receiver<T>) -> Option<T> {
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

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Mutex;

    use super::*;

    /// A watched value whose renewals answer from a script, noting when each was asked.
    struct Script {
        start: Instant,
        expires_in: Duration,
        answers: Mutex<VecDeque<Result<Renewal, Error>>>,
        asked: Mutex<Vec<Duration>>,
    }

    #[derive(Clone, Debug, PartialEq)]
    enum Event {
        Failed(Duration),
        Ended(&'static str),
    }

    const RENEWAL: Renewal = Renewal {
        ttl: Duration::from_secs(30),
        renewable: true,
    };

    fn transient() -> Error {
        Error::missing("no answer")
    }

    fn refused() -> Error {
        Error::invalid("refused the same way every time")
    }

    impl Renews for Script {
        async fn renew(&self) -> Result<Renewal, Error> {
            self.asked.lock().unwrap().push(self.start.elapsed());
            let next = self.answers.lock().unwrap().pop_front();
            match next {
                Some(answer) => answer,
                None => std::future::pending().await,
            }
        }

        fn renew_failed(_: Arc<Error>, retry_in: Duration) -> Event {
            Event::Failed(retry_in)
        }
    }

    impl Watched for Script {
        type Event = Event;
        type Status = &'static str;

        fn trace(&self, _: &Event) {}

        async fn run(engine: &Engine<Self>) {
            let expires_at = engine.watched.start + engine.watched.expires_in;
            let ended = match engine.renew_before(expires_at).await {
                Outcome::Renewed(_) => "renewed",
                Outcome::NotRenewable => "not renewable",
                Outcome::Refused(_) => "refused",
                Outcome::Expired(Some(_)) => "expired after failures",
                Outcome::Expired(None) => "expired",
            };
            engine.set_status(ended);
            engine.emit(Event::Ended(ended));
        }

        fn cancelled(engine: &Engine<Self>) {
            engine.set_status("cancelled");
        }
    }

    fn script(expires_in: u64, answers: Vec<Result<Renewal, Error>>) -> Script {
        Script {
            start: Instant::now(),
            expires_in: Duration::from_secs(expires_in),
            answers: Mutex::new(answers.into()),
            asked: Mutex::new(Vec::new()),
        }
    }

    /// No jitter: exact times.
    fn exact() -> RenewSchedule {
        RenewSchedule {
            jitter: 0.0,
            backoff_jitter: false,
            ..RenewSchedule::default()
        }
    }

    /// Runs `watched` to its end; the seconds at which it renewed, and its events.
    async fn run_to_end(watched: Script) -> (Vec<f64>, Vec<Event>) {
        let engine = Engine {
            watched,
            schedule: exact(),
            events: broadcast::channel(16).0,
            status: watch::channel("running").0,
        };
        let mut events = engine.events.subscribe();
        Script::run(&engine).await;
        let mut seen = Vec::new();
        while let Ok(event) = events.try_recv() {
            seen.push(event);
        }
        let asked = engine.watched.asked.lock().unwrap().clone();
        (asked.iter().map(Duration::as_secs_f64).collect(), seen)
    }

    #[tokio::test(start_paused = true)]
    async fn transient_failures_back_off_within_the_expiry() {
        let failures = (0..5).map(|_| Err(transient())).collect();
        let (asked, events) = run_to_end(script(30, failures)).await;
        // 2/3 of 30 s, then 1, 2, 4 s; then capped by 2/3 of what is left, at least the floor.
        assert_eq!(asked, [20.0, 21.0, 23.0, 27.0, 29.0]);
        let secs = |s| Event::Failed(Duration::from_secs(s));
        let mut expected: Vec<Event> = [1, 2, 4, 2, 1].into_iter().map(secs).collect();
        expected.push(Event::Ended("expired after failures"));
        assert_eq!(events, expected);
    }

    #[tokio::test(start_paused = true)]
    async fn a_renewal_after_a_failure_ends_the_loop() {
        let (asked, events) = run_to_end(script(30, vec![Err(transient()), Ok(RENEWAL)])).await;
        assert_eq!(asked, [20.0, 21.0]);
        assert_eq!(
            events,
            [
                Event::Failed(Duration::from_secs(1)),
                Event::Ended("renewed")
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_refusal_stops_at_once() {
        let (asked, events) = run_to_end(script(30, vec![Err(refused())])).await;
        assert_eq!(asked, [20.0]);
        assert_eq!(events, [Event::Ended("refused")]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_ttl_gone_by_the_first_wait_expires_unasked() {
        let (asked, events) = run_to_end(script(0, vec![Ok(RENEWAL)])).await;
        assert!(asked.is_empty(), "{asked:?}");
        assert_eq!(events, [Event::Ended("expired")]);
    }

    #[tokio::test(start_paused = true)]
    async fn retry_backs_off_until_success_and_stops_on_a_refusal() {
        let engine = Engine {
            watched: script(30, Vec::new()),
            schedule: exact(),
            events: broadcast::channel(16).0,
            status: watch::channel("running").0,
        };
        let mut events = engine.events.subscribe();
        let start = Instant::now();
        let attempts = Mutex::new(VecDeque::from([Err(transient()), Err(transient()), Ok(7)]));
        let value = engine
            .retry(
                || async { attempts.lock().unwrap().pop_front().unwrap() },
                |_, retry_in| Event::Failed(retry_in),
            )
            .await;
        assert_eq!(value.unwrap(), 7);
        assert_eq!(start.elapsed(), Duration::from_secs(3));
        assert_eq!(
            events.try_recv().unwrap(),
            Event::Failed(Duration::from_secs(1))
        );
        assert_eq!(
            events.try_recv().unwrap(),
            Event::Failed(Duration::from_secs(2))
        );

        let refusal = engine
            .retry(
                || async { Err::<(), _>(refused()) },
                |_, retry_in| Event::Failed(retry_in),
            )
            .await;
        assert!(refusal.unwrap_err().is_invalid_input());
        assert!(events.try_recv().is_err(), "no retry after a refusal");
    }

    #[tokio::test(start_paused = true)]
    async fn the_handle_reads_events_and_status_and_its_drop_cancels() {
        let mut handle = spawn(script(30, vec![Ok(RENEWAL)]), exact(), "running", 16);
        assert_eq!(handle.next_event().await, Some(Event::Ended("renewed")));
        assert_eq!(handle.status(), "renewed");
        // The task ended: the channel is closed, a new reader sees the end at once.
        assert_eq!(handle.next_event().await, None);
        assert!(handle.subscribe().try_recv().is_err());
        assert!(handle.is_finished());

        // A task that waits forever: dropping the handle cancels it.
        let handle = spawn(script(30, Vec::new()), exact(), "running", 16);
        let mut status = handle.watch();
        let mut events = Events::new(handle.subscribe());
        drop(handle);
        assert_eq!(events.next().await, None);
        status.changed().await.unwrap_or(());
        assert_eq!(*status.borrow(), "cancelled");
    }

    #[tokio::test(start_paused = true)]
    async fn stop_ends_the_task_with_the_cancelled_status() {
        let handle = spawn(script(30, Vec::new()), exact(), "running", 16);
        tokio::time::sleep(Duration::from_secs(25)).await;
        assert!(!handle.is_finished());
        handle.stop();
        let mut status = handle.watch();
        let _ = status.wait_for(|s| *s == "cancelled").await;
        while !handle.is_finished() {
            tokio::task::yield_now().await;
        }
        assert_eq!(handle.status(), "cancelled");
    }

    #[test]
    fn a_poll_wait_is_the_interval_plus_jitter_never_less() {
        let interval = Duration::from_secs(10);
        let jittered = RenewSchedule::default().with_jitter(0.2);
        let waits: Vec<Duration> = (0..200).map(|_| jittered.poll_wait(interval)).collect();
        assert!(waits
            .iter()
            .all(|w| *w >= interval && *w <= Duration::from_secs(12)));
        assert!(waits.iter().any(|w| *w > Duration::from_millis(10_500)));
        assert_eq!(exact().poll_wait(interval), interval);
        // The floor still holds.
        assert_eq!(
            exact().poll_wait(Duration::from_millis(10)),
            Duration::from_secs(1)
        );
    }

    #[test]
    fn only_vault_refusals_and_refused_input_stop() {
        assert_eq!(classify(&transient()), Failure::Transient);
        assert_eq!(classify(&refused()), Failure::Refused);
    }
}
