//! How one call is sent: a loop of attempts, each going through these steps, in this order.
//!
//! 1. [`rate_limit`]: wait for the client-side rate limit ([`crate::RateLimit`]), within the
//!    deadline;
//! 2. [`deadline`]: stop when the deadline has passed, else bound the attempt by what is left
//!    (and, after it, [`Call::cut_by_deadline`]: a timeout the deadline set is
//!    [`Error::Deadline`]);
//! 3. [`attempt`]: send one HTTP request (every retry and every redirect hop is one);
//! 4. [`redirect`]: follow a `307`/`308` as the [`RedirectPolicy`] allows;
//! 5. [`classify`]: is the result final, transient, perhaps an overloaded server, or a request
//!    the server did not process ([`unprocessed`], sent again at once); [`is_transient`] is the
//!    one rule for "transient";
//! 6. [`retry_after`]: how long Vault asked to wait (`429`/`503`);
//! 7. [`backoff`] and [`wait`]: the next delay, and whether it fits the deadline;
//! 8. [`Budget`]: a retry of an overloaded server's answer is counted against the budget the
//!    client's clones share.
//!
//! [`send`] strings them together; [`Call`] is what a call carries between attempts.

use std::time::Duration;

use backon::BackoffBuilder;
use reqwest::header::{HeaderName, HeaderValue, LOCATION, RETRY_AFTER};
use reqwest::{Method, Request, Response, StatusCode};

use super::{
    with_api_error, Clock, Context, DeadlineBound, Finished, Op, RetryPolicy,
    MAX_RETRY_AFTER_WITHOUT_DEADLINE,
};
use crate::error::{
    without_query, ApiError, DeadlineError, DeadlineReason, Error, ErrorKind, LargestHeader,
    RedirectError,
};
use crate::ratelimit::Limiter;
use crate::redirect::{shown_origin, RedirectPolicy, RedirectRefusal};

/// Vault's transient statuses: 412 (eventual consistency), 429, 500, 502, 503, 504.
const TRANSIENT: [u16; 6] = [412, 429, 500, 502, 503, 504];

/// The one rule for a transient answer, which a retry may cure: a status of [`TRANSIENT`] that
/// the operation does not document as an answer of its own (`answers`: `sys/health`'s `503`
/// is the node's state, and a retry would only delay it).
///
/// The token renewer and the lease watcher retry a superset: every failure but Vault's own
/// refusal (`watch::vault_refused`), because they run for hours and a `404`, a refused
/// redirect or a deadline during a failover says nothing about their token or lease; a
/// transient answer is never a refusal (`transient_answers_are_never_refusals` below).
pub(crate) fn is_transient(status: u16, answers: &[u16]) -> bool {
    TRANSIENT.contains(&status) && !answers.contains(&status)
}

/// Sends `request` through the steps above, then settles the answer
/// ([`Context::after_send`]); the whole call in one state machine (called by
/// [`Context::execute`], which prepared the request; `traced`: a subscriber wants its span).
///
/// Redirects keep the method, body and headers (token included), as Vault's Go client does.
/// Before each send a [`Resend`] is kept, the template of the next hop or retry (none can
/// follow when the body cannot be copied); for a bodiless request it costs no allocation.
// The block keeps the request once: see the comment in it.
#[allow(clippy::manual_async_fn)]
pub(super) fn send<'a>(
    context: &'a Context,
    http: &'a reqwest::Client,
    mut request: Request,
    op: Op<'a>,
    without_token: bool,
    traced: bool,
) -> impl std::future::Future<Output = Result<Response, Error>> + Send + 'a {
    // Not an `async fn`, as `Context::execute`: the request is kept once in the state.
    async move {
        let started = traced.then(std::time::Instant::now);
        let mut call = Call::new(context, &request, op);
        let result = loop {
            let bound = match call.before(&mut request).await {
                Ok(bound) => bound,
                Err(e) => break Err(e),
            };
            // The attempt and what it decided, in a block: the retry template (`spare`, 480
            // bytes) and the `After` (624) end with it, so neither is kept in the call's state
            // across a retry's wait (`benches/README.md`, 2026-12-07).
            let retry = {
                let mut spare = Resend::keep(&request);
                let result = attempt(http, request, bound, &call).await;
                // The template by reference: moved out only for a hop or a retry (it is the
                // call's largest value, and most answers need neither). Boxed: only a retry
                // builds its future, so the call's own stays small.
                match call.after(result, &mut spare, bound.is_some()) {
                    After::Next(next) => Ok(next),
                    After::Retry(result, next, verdict) => {
                        Err(Box::pin(call.before_retry(result, next, verdict)))
                    }
                }
            };
            let next = match retry {
                Ok(next) => next,
                Err(retry) => retry.await,
            };
            match next {
                Next::Send(next) => request = next,
                Next::Done(result) => break result,
            }
        };
        let (method, name) = (&call.method, op.name);
        match context.after_send(result, method, call.attempts, started, without_token, name) {
            Finished::Done(result) => result,
            // Boxed, as the retry: the body-reading future is only built for errors.
            Finished::ReadError(response) => {
                let limit = context.settings.policy.max_response_size;
                Box::pin(with_api_error(response, method, without_token, name, limit)).await
            }
        }
    }
}

/// Step 3: sends one request, every attempt of every retry and redirect hop. The user's
/// interceptors (`src/intercept.rs`) see it here, after the retry template was kept (so a hook's
/// headers are not carried over), and its answer or failure. A response whose body is read
/// within what is left of the deadline is marked ([`DeadlineBound`]), so a timeout while reading
/// it says the deadline fired.
///
/// Not an `async fn`: the hooks run and the request goes to reqwest before the future is made,
/// so the future does not hold a copy of the request (it was copied into each level of the
/// call's state: `benches/README.md`, 2026-12-07).
fn attempt<'c>(
    http: &reqwest::Client,
    mut request: Request,
    bound: Option<DeadlineBound>,
    call: &'c Call<'_>,
) -> impl std::future::Future<Output = reqwest::Result<Response>> + Send + 'c {
    let hooks = &call.context.settings.interceptors;
    let (name, attempt, hop) = (call.op.name, call.attempts, call.hop);
    let sent = hooks.before_send(&mut request, name, attempt, hop);
    let pending = http.execute(request);
    async move {
        let mut result = pending.await;
        hooks.after_answer(sent, &result, name, attempt, hop);
        if let (Ok(response), Some(bound)) = (&mut result, bound) {
            response.extensions_mut().insert(bound);
        }
        result
    }
}

/// What one call carries from attempt to attempt.
struct Call<'a> {
    context: &'a Context,
    op: Op<'a>,
    method: Method,
    /// Whether the method may be sent twice: `POST` only with [`RetryPolicy::with_retry_post`],
    /// `PATCH` never. (`Operation::idempotent` describes operations; it is not read here.)
    retryable: bool,
    /// Read only when a deadline or rate limit needs it.
    clock: Option<Clock>,
    attempts: u32,
    /// Redirect hops followed in the whole call (the policy's limit).
    hops: usize,
    /// Redirect hops followed within the current attempt (what interceptors are shown).
    hop: usize,
    /// Built at the first retry: most calls never need it.
    delays: Option<Box<backon::ExponentialBackoff>>,
}

/// What [`Call::after`] decided: what follows, or a retry to wait for.
// Not boxed: `After` only passes from `after` to `send`, and a box would cost the allocation
// the retry's template avoids.
#[allow(clippy::large_enum_variant)]
enum After {
    Next(Next),
    Retry(reqwest::Result<Response>, Resend, Verdict),
}

/// What follows an attempt.
enum Next {
    Send(Request),
    Done(Result<Response, Error>),
}

fn done(result: reqwest::Result<Response>) -> Next {
    Next::Done(result.map_err(Error::from_reqwest))
}

impl<'a> Call<'a> {
    fn new(context: &'a Context, request: &Request, op: Op<'a>) -> Self {
        let policy = &*context.settings.policy;
        let retryable = match *request.method() {
            Method::POST => context.settings.retry.retry_post(),
            Method::PATCH => false,
            _ => true,
        };
        let clock = (policy.deadline.is_some() || policy.limiter.is_some()).then(|| {
            let started = tokio::time::Instant::now();
            Clock {
                started,
                deadline: policy.deadline.map(|d| (started + d, d)),
            }
        });
        Call {
            context,
            op,
            method: request.method().clone(),
            retryable,
            clock,
            attempts: 1,
            hops: 0,
            hop: 0,
            delays: None,
        }
    }

    /// Steps 1 and 2: the rate limit, then the deadline; the attempt's deadline mark.
    async fn before(&mut self, request: &mut Request) -> Result<Option<DeadlineBound>, Error> {
        let Some(clock) = self.clock else {
            return Ok(None);
        };
        let policy = &*self.context.settings.policy;
        if let Err(wait) = rate_limit(policy.limiter.as_ref(), &clock).await {
            let reason = DeadlineReason::RateLimit(wait);
            return Err(self.deadline_error(reason, self.attempts - 1, request.url(), None));
        }
        match deadline(clock.remaining(), policy.attempt_timeout) {
            Err(Passed) => {
                let reason = DeadlineReason::Passed;
                Err(self.deadline_error(reason, self.attempts - 1, request.url(), None))
            }
            Ok(None) => Ok(None),
            Ok(Some((timeout, bound))) => {
                *request.timeout_mut() = Some(timeout);
                let attempts = self.attempts;
                Ok(bound.then_some(DeadlineBound { clock, attempts }))
            }
        }
    }

    /// Steps 4 and 5, after an attempt: the next hop or the result, decided at once; or a
    /// retry to wait for ([`Call::before_retry`]). Not `async`: an answer that is final (most
    /// are) goes back without a future built for the retry's waits.
    fn after(
        &mut self,
        result: reqwest::Result<Response>,
        spare: &mut Option<Resend>,
        bound: bool,
    ) -> After {
        let mut result = match self.cut_by_deadline(result, bound) {
            Ok(result) => result,
            Err(e) => return After::Next(Next::Done(Err(e))),
        };
        if let Ok(response) = &mut result {
            if response.status() == StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE {
                mark_largest_header(response, spare.as_ref());
            }
            match redirect(response, &self.context.settings.policy.redirects, self.hops) {
                Hop::None => {}
                Hop::Refused(reason, to) => {
                    let error = redirect_error(response, reason, to, self.op.name);
                    return After::Next(Next::Done(Err(error)));
                }
                Hop::Follow(target) => {
                    let Some(next) = spare.take() else {
                        return After::Next(done(result));
                    };
                    tracing::debug!(to = %shown_origin(&target), "following redirect");
                    self.hops += 1;
                    self.hop += 1;
                    return After::Next(Next::Send(next.into_request(target)));
                }
            }
        }
        match classify(&result, self.retryable, self.op.answers) {
            Verdict::Final => After::Next(done(result)),
            verdict => match spare.take() {
                Some(next) => After::Retry(result, next, verdict),
                // No template (a body that cannot be copied): no retry.
                None => After::Next(done(result)),
            },
        }
    }

    /// Step 5 for a `503` (is the server overloaded? its body says), then [`Call::retry`].
    async fn before_retry(
        &mut self,
        mut result: reqwest::Result<Response>,
        next: Resend,
        verdict: Verdict,
    ) -> Next {
        let overloaded = match verdict {
            Verdict::Final | Verdict::Transient | Verdict::Unprocessed => false,
            Verdict::MaybeOverloaded => match self.read_error(result).await {
                Ok(response) => {
                    let overloaded = is_overloaded(&response);
                    result = Ok(response);
                    overloaded
                }
                Err(e) => return Next::Done(Err(e)),
            },
        };
        let at_once = verdict == Verdict::Unprocessed;
        self.retry(result, next, overloaded, at_once).await
    }

    /// Steps 6 to 8: waits and returns the retry, or the result when there is none. `at_once`:
    /// a request the server did not process is sent again without a wait (it still counts as
    /// a retry).
    async fn retry(
        &mut self,
        result: reqwest::Result<Response>,
        next: Resend,
        overloaded: bool,
        at_once: bool,
    ) -> Next {
        let Some(backoff) = backoff(&mut self.delays, &self.context.settings.retry) else {
            return done(result);
        };
        let backoff = if at_once { Duration::ZERO } else { backoff };
        // The URL the request was sent to (reqwest keeps it on answers and errors).
        let sent_to = match &result {
            Ok(response) => Some(response.url().clone()),
            Err(e) => e.url().cloned(),
        };
        let Some(url) = sent_to else {
            return done(result);
        };
        let asked = result.as_ref().ok().and_then(retry_after);
        let delay = match wait(
            asked,
            backoff,
            self.clock.as_ref().and_then(Clock::remaining),
        ) {
            Wait::Sleep(delay) => delay,
            Wait::LastStands => return done(result),
            Wait::TooLong(asked) => {
                // Vault said when to come back, and that is too late: fail now, not later.
                let last = Box::pin(self.last_error(result)).await;
                let reason = DeadlineReason::RetryAfter(asked);
                let error = self.deadline_error(reason, self.attempts, &url, Some(last));
                return Next::Done(Err(error));
            }
        };
        if overloaded && !self.context.settings.policy.overload_budget.withdraw() {
            tracing::debug!("overloaded: the retry budget is spent");
            return Next::Done(result.map(budget_spent).map_err(Error::from_reqwest));
        }
        drop(result);
        tracing::debug!(
            attempt = self.attempts,
            delay_ms = delay.as_millis() as u64,
            retry_after = asked.is_some(),
            overloaded,
            "retrying"
        );
        if !delay.is_zero() {
            // Boxed, as the error path: only retries build it.
            Box::pin(tokio::time::sleep(delay)).await;
        }
        self.attempts += 1;
        self.hop = 0;
        Next::Send(next.into_request(url))
    }

    /// Step 2, after the attempt: a timeout the deadline set (it was shorter than the
    /// attempt's own timeout) is [`Error::Deadline`].
    fn cut_by_deadline(
        &self,
        result: reqwest::Result<Response>,
        bound: bool,
    ) -> Result<reqwest::Result<Response>, Error> {
        match &result {
            Err(e) if bound && e.is_timeout() => {
                let url = e.url().cloned();
                let last = result.err().map(Error::from_reqwest);
                Err(match url {
                    Some(url) => {
                        self.deadline_error(DeadlineReason::Passed, self.attempts, &url, last)
                    }
                    None => last.expect("an error"),
                })
            }
            _ => Ok(result),
        }
    }

    /// A non-2xx answer with its body read into its [`ApiError`] (kept in its extensions).
    async fn read_error(&self, result: reqwest::Result<Response>) -> Result<Response, Error> {
        let response = result.map_err(Error::from_reqwest)?;
        let limit = self.context.settings.policy.max_response_size;
        with_api_error(response, &self.method, false, self.op.name, limit).await
    }

    /// The error of the answer (or failure) a retry would have replaced.
    async fn last_error(&self, result: reqwest::Result<Response>) -> Error {
        match self.read_error(result).await {
            Ok(mut response) => match response.extensions_mut().remove::<ApiError>() {
                Some(api) => Error::Api(Box::new(api)),
                None => Error::invalid("no error"),
            },
            Err(e) => e.with_operation(self.op.name),
        }
    }

    #[cold]
    fn deadline_error(
        &self,
        reason: DeadlineReason,
        attempts: u32,
        url: &url::Url,
        last: Option<Error>,
    ) -> Error {
        let clock = self.clock.unwrap_or(Clock {
            started: tokio::time::Instant::now(),
            deadline: None,
        });
        let (limit, is_deadline) = match clock.deadline {
            Some((_, limit)) => (limit, true),
            None => (MAX_RETRY_AFTER_WITHOUT_DEADLINE, false),
        };
        Error::Deadline(Box::new(DeadlineError {
            reason,
            limit,
            is_deadline,
            elapsed: clock.started.elapsed(),
            attempts,
            operation: Some(self.op.name.to_string()),
            url: without_query(url),
            last: last.map(Box::new),
        }))
    }
}

/// Step 1: takes a cell of the rate limit, waiting for one; `Err(wait)` when the next free cell
/// comes after the deadline.
async fn rate_limit(limiter: Option<&Limiter>, clock: &Clock) -> Result<(), Duration> {
    match limiter {
        Some(limiter) => limiter.acquire(clock.deadline.map(|(end, _)| end)).await,
        None => Ok(()),
    }
}

/// The deadline has passed.
#[derive(Debug, PartialEq)]
struct Passed;

/// Step 2: with `remaining` of the deadline, the attempt's timeout and whether it is the
/// deadline's (shorter than the attempt's own `attempt_timeout`); `None` without a deadline.
/// One timer for both limits.
fn deadline(
    remaining: Option<Duration>,
    attempt_timeout: Option<Duration>,
) -> Result<Option<(Duration, bool)>, Passed> {
    let Some(remaining) = remaining else {
        return Ok(None);
    };
    if remaining.is_zero() {
        return Err(Passed);
    }
    let attempt = attempt_timeout.unwrap_or(Duration::MAX);
    Ok(Some((remaining.min(attempt), remaining < attempt)))
}

/// What a redirect step decided.
#[derive(Debug, PartialEq)]
enum Hop {
    /// Not a redirect.
    None,
    Follow(url::Url),
    /// Refused, with the origin it pointed to as errors show it.
    Refused(RedirectRefusal, String),
}

/// Step 4: whether `response` is a `307`/`308` to follow after `hops` hops.
fn redirect(response: &Response, policy: &RedirectPolicy, hops: usize) -> Hop {
    let status = response.status();
    if status != StatusCode::TEMPORARY_REDIRECT && status != StatusCode::PERMANENT_REDIRECT {
        return Hop::None;
    }
    let location = response.headers().get(LOCATION);
    let target = location
        .and_then(|l| l.to_str().ok())
        .and_then(|l| response.url().join(l).ok());
    let Some(target) = target else {
        return Hop::Refused(RedirectRefusal::NoLocation, "(none)".into());
    };
    match policy.check(response.url(), &target, hops) {
        Ok(()) => Hop::Follow(target),
        Err(reason) => {
            tracing::debug!(to = %shown_origin(&target), %reason, "redirect refused");
            Hop::Refused(reason, shown_origin(&target))
        }
    }
}

#[cold]
fn redirect_error(
    response: &Response,
    reason: RedirectRefusal,
    to: String,
    operation: &str,
) -> Error {
    Error::Redirect(Box::new(RedirectError {
        status: response.status().as_u16(),
        reason,
        from: shown_origin(response.url()),
        to,
        operation: Some(operation.to_string()),
    }))
}

/// What a result is to the retry rules.
#[derive(Debug, PartialEq)]
enum Verdict {
    Final,
    Transient,
    /// A transient `503`: its body says whether the server is overloaded ([`is_overloaded`]).
    MaybeOverloaded,
    /// The server turned the request away before processing it ([`unprocessed`]): sent again
    /// at once, whatever its method.
    Unprocessed,
}

/// Step 5: a transient answer ([`is_transient`]) or failure to connect or in time, of a method
/// that may be sent twice, is retried; a request the server did not process ([`unprocessed`]),
/// whatever its method.
fn classify(result: &reqwest::Result<Response>, retryable: bool, answers: &[u16]) -> Verdict {
    let transient = match result {
        Ok(response) => is_transient(response.status().as_u16(), answers),
        Err(e) if unprocessed(e) => return Verdict::Unprocessed,
        Err(e) => e.is_connect() || e.is_timeout(),
    };
    match result {
        _ if !(transient && retryable) => Verdict::Final,
        Ok(response) if response.status() == StatusCode::SERVICE_UNAVAILABLE => {
            Verdict::MaybeOverloaded
        }
        _ => Verdict::Transient,
    }
}

/// Whether `e` is an HTTP/2 server turning the request away unprocessed (RFC 9113 §8.7): its
/// stream reset with `REFUSED_STREAM`, or a graceful `GOAWAY` (`NO_ERROR`) that left it out, as
/// a server shutting down or stepping down sends. Such a request may be sent again whatever its
/// method. (This was reqwest's own retry, which copied every request to be able to; the
/// client turns it off, `src/connect.rs`: one retry rule, here.)
fn unprocessed(e: &reqwest::Error) -> bool {
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        if let Some(h2) = cause.downcast_ref::<h2::Error>() {
            return h2.is_remote()
                && match h2.reason() {
                    Some(h2::Reason::REFUSED_STREAM) => h2.is_reset(),
                    Some(h2::Reason::NO_ERROR) => h2.is_go_away(),
                    _ => false,
                };
        }
        source = cause.source();
    }
    false
}

/// Whether a `503` (its body read, [`Call::read_error`]) says the server is overloaded:
/// [`ErrorKind::Overloaded`].
fn is_overloaded(response: &Response) -> bool {
    response
        .extensions()
        .get::<ApiError>()
        .is_some_and(|api| api.kind == ErrorKind::Overloaded)
}

/// Marks an overloaded answer that was not retried because the budget is spent.
#[cold]
fn budget_spent(mut response: Response) -> Response {
    if let Some(api) = response.extensions_mut().get_mut::<ApiError>() {
        api.retry_budget_spent = true;
    }
    response
}

/// Step 6: how long a `429` or `503` asks to wait (`Retry-After`: seconds or an HTTP date).
fn retry_after(response: &Response) -> Option<Duration> {
    if !matches!(response.status().as_u16(), 429 | 503) {
        return None;
    }
    let value = response.headers().get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Step 7: the next backoff delay (exponential, with jitter), `None` when the retries are
/// spent.
fn backoff(
    delays: &mut Option<Box<backon::ExponentialBackoff>>,
    policy: &RetryPolicy,
) -> Option<Duration> {
    let delays = delays.get_or_insert_with(|| {
        Box::new(
            backon::ExponentialBuilder::default()
                .with_min_delay(policy.min_delay())
                .with_max_delay(policy.max_delay())
                .with_max_times(policy.max_retries())
                .with_jitter()
                .build(),
        )
    });
    delays.next()
}

/// What to do before a retry.
#[derive(Debug, PartialEq)]
enum Wait {
    Sleep(Duration),
    /// No time for another attempt: the last answer stands.
    LastStands,
    /// Vault asked to wait this long, past the deadline (or past
    /// [`MAX_RETRY_AFTER_WITHOUT_DEADLINE`] without one).
    TooLong(Duration),
}

/// Step 7: the wait before a retry: what Vault `asked` (`Retry-After`), else the `backoff`,
/// checked against what is left of the deadline (`remaining`).
fn wait(asked: Option<Duration>, backoff: Duration, remaining: Option<Duration>) -> Wait {
    let delay = asked.unwrap_or(backoff);
    let too_long = match remaining {
        Some(left) => delay >= left,
        None => asked.is_some_and(|wait| wait > MAX_RETRY_AFTER_WITHOUT_DEADLINE),
    };
    match asked {
        Some(asked) if too_long => Wait::TooLong(asked),
        None if too_long => Wait::LastStands,
        _ => Wait::Sleep(delay),
    }
}

/// Step 8: the retries of overloaded answers a client and its clones may make, on `governor`
/// (as the rate limit): [`RetryBudget`](crate::RetryBudget)'s retries per window, refilled
/// evenly. Only an overloaded answer's retry touches it, so the happy path pays nothing.
/// (tower's `TpsBudget` earns retries from a deposit per request, a lock and a clock read on
/// every call; without deposits it is this fixed reserve, which `governor`, already the rate
/// limit's crate, keeps lock-free.)
/// `None`: a budget of zero retries.
pub(crate) struct Budget(Option<governor::DefaultDirectRateLimiter>);

impl Budget {
    pub(crate) fn new(budget: &crate::RetryBudget) -> Self {
        Budget(std::num::NonZeroU32::new(budget.retries()).map(|retries| {
            let period = (budget.window() / retries.get()).max(Duration::from_nanos(1));
            let quota = governor::Quota::with_period(period).expect("a period above zero");
            governor::RateLimiter::direct(quota.allow_burst(retries))
        }))
    }

    /// Takes one retry; `false` when the budget is spent (or is zero).
    fn withdraw(&self) -> bool {
        self.0
            .as_ref()
            .is_some_and(|limiter| limiter.check().is_ok())
    }
}

impl std::fmt::Debug for Budget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Budget")
    }
}

/// Names the largest header a `431` answer's request sent (by name and size, never its value),
/// for its [`ApiError`].
#[cold]
fn mark_largest_header(response: &mut Response, sent: Option<&Resend>) {
    let largest = sent.and_then(Resend::largest_header);
    if let Some((name, bytes)) = largest {
        let name = name.as_str().to_string();
        response
            .extensions_mut()
            .insert(LargestHeader { name, bytes });
    }
}

/// What a request is sent again from, for a retry or a redirect hop; its URL comes from the
/// answer or error it got.
///
/// A bodiless request (every read, list and delete: the hot path) is kept as its method, version,
/// timeout and up to [`INLINE_HEADERS`] headers held inline, so keeping it costs no allocation
/// (header names and values are shared, not copied). A request with a body, or with more headers,
/// is copied whole. (reqwest keeps a request's extensions to itself; the requests hashivault
/// builds have none.)
// The inline variant is the larger one on purpose: it is the common case, and boxing it would
// cost the allocation it exists to avoid.
#[allow(clippy::large_enum_variant)]
enum Resend {
    Bodiless {
        method: Method,
        version: http::Version,
        timeout: Option<Duration>,
        headers: [Option<(HeaderName, HeaderValue)>; INLINE_HEADERS],
    },
    Copy(Request),
}

/// Headers a bodiless request may have to be kept inline: ours (token, `X-Vault-Request`,
/// namespace, wrap TTL) and the caller's (`Accept`, or one extra header).
const INLINE_HEADERS: usize = 6;

impl Resend {
    /// The template of `request`'s next send, or `None` when its body cannot be copied.
    #[inline]
    fn keep(request: &Request) -> Option<Resend> {
        if request.body().is_some() || request.headers().len() > INLINE_HEADERS {
            return request.try_clone().map(Resend::Copy);
        }
        let mut headers: [Option<(HeaderName, HeaderValue)>; INLINE_HEADERS] = Default::default();
        for (slot, (name, value)) in headers.iter_mut().zip(request.headers()) {
            *slot = Some((name.clone(), value.clone()));
        }
        Some(Resend::Bodiless {
            method: request.method().clone(),
            version: request.version(),
            timeout: request.timeout().copied(),
            headers,
        })
    }

    /// The request to send to `url`.
    fn into_request(self, url: url::Url) -> Request {
        match self {
            Resend::Copy(mut request) => {
                *request.url_mut() = url;
                request
            }
            Resend::Bodiless {
                method,
                version,
                timeout,
                headers,
            } => {
                let mut request = Request::new(method, url);
                *request.version_mut() = version;
                *request.timeout_mut() = timeout;
                let map = request.headers_mut();
                for (name, value) in headers.into_iter().flatten() {
                    map.append(name, value);
                }
                request
            }
        }
    }

    /// The largest header kept (name and value size in bytes; the value is not kept).
    fn largest_header(&self) -> Option<(&HeaderName, usize)> {
        match self {
            Resend::Copy(request) => request
                .headers()
                .iter()
                .map(|(name, value)| (name, value.len()))
                .max_by_key(|h| h.1),
            Resend::Bodiless { headers, .. } => headers
                .iter()
                .flatten()
                .map(|(name, value)| (name, value.len()))
                .max_by_key(|h| h.1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::ResponseBuilderExt;

    fn answer(status: u16, headers: &[(&str, &str)]) -> Response {
        let mut builder = http::Response::builder()
            .status(status)
            .url(url::Url::parse("https://a:8200/v1/secret/data/x").unwrap());
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        Response::from(builder.body("").unwrap())
    }

    #[test]
    fn transient_is_one_rule() {
        for status in [412, 429, 500, 502, 503, 504] {
            assert!(is_transient(status, &[]), "{status}");
            assert!(
                !is_transient(status, &[429, 503, status]),
                "{status} documented"
            );
        }
        for status in [200, 307, 400, 401, 403, 404, 405, 431, 501] {
            assert!(!is_transient(status, &[]), "{status}");
        }
    }

    /// The watchers retry everything but `vault_refused`: a superset of what the transport
    /// retries.
    #[test]
    fn transient_answers_are_never_refusals() {
        for status in TRANSIENT {
            let body = br#"{"errors":["try again"]}"#;
            let api = ApiError::from_body(status, "GET", "/v1/x", body);
            let error = Error::Api(Box::new(api));
            assert!(!crate::watch::vault_refused(&error), "{status}");
        }
    }

    #[test]
    fn deadline_bounds_each_attempt() {
        let s = Duration::from_secs;
        assert_eq!(deadline(None, Some(s(30))), Ok(None));
        assert_eq!(deadline(Some(Duration::ZERO), Some(s(30))), Err(Passed));
        assert_eq!(deadline(Some(s(5)), Some(s(30))), Ok(Some((s(5), true))));
        assert_eq!(deadline(Some(s(50)), Some(s(30))), Ok(Some((s(30), false))));
        assert_eq!(deadline(Some(s(50)), None), Ok(Some((s(50), true))));
    }

    #[test]
    fn redirects_follow_the_policy() {
        let policy = RedirectPolicy::default();
        assert_eq!(redirect(&answer(200, &[]), &policy, 0), Hop::None);
        let to_b = answer(307, &[("location", "https://b:8200/v1/secret/data/x")]);
        let b = url::Url::parse("https://b:8200/v1/secret/data/x").unwrap();
        assert_eq!(redirect(&to_b, &policy, 0), Hop::Follow(b));
        let relative = answer(308, &[("location", "/v1/y")]);
        let y = url::Url::parse("https://a:8200/v1/y").unwrap();
        assert_eq!(redirect(&relative, &policy, 0), Hop::Follow(y));
        assert_eq!(
            redirect(&answer(307, &[]), &policy, 0),
            Hop::Refused(RedirectRefusal::NoLocation, "(none)".into())
        );
        let down = answer(307, &[("location", "http://b:8200/v1/x")]);
        assert_eq!(
            redirect(&down, &policy, 0),
            Hop::Refused(RedirectRefusal::Downgrade, "http://b:8200".into())
        );
        assert_eq!(
            redirect(&to_b, &policy, 10),
            Hop::Refused(RedirectRefusal::TooMany(10), "https://b:8200".into())
        );
    }

    #[test]
    fn classify_by_status_method_and_answers() {
        let ok = |status| Ok(answer(status, &[]));
        assert_eq!(classify(&ok(200), true, &[]), Verdict::Final);
        assert_eq!(classify(&ok(404), true, &[]), Verdict::Final);
        assert_eq!(classify(&ok(500), true, &[]), Verdict::Transient);
        assert_eq!(classify(&ok(429), true, &[]), Verdict::Transient);
        assert_eq!(classify(&ok(503), true, &[]), Verdict::MaybeOverloaded);
        assert_eq!(classify(&ok(503), true, &[503]), Verdict::Final);
        assert_eq!(
            classify(&ok(500), false, &[]),
            Verdict::Final,
            "POST, PATCH"
        );
    }

    #[test]
    fn overload_is_read_from_vaults_messages() {
        let overloaded = |body: &[u8]| {
            let mut response = answer(503, &[]);
            let api = ApiError::from_body(503, "PUT", "/v1/x", body);
            response.extensions_mut().insert(api);
            is_overloaded(&response)
        };
        assert!(overloaded(
            br#"{"errors":["Vault server temporarily overloaded"]}"#
        ));
        assert!(overloaded(
            br#"{"errors":["failed to persist accessor index entry: overloaded, try again later: internal error"]}"#
        ));
        assert!(!overloaded(br#"{"errors":["Vault is sealed"]}"#));
        assert!(!is_overloaded(&answer(503, &[])), "no body read");
    }

    #[test]
    fn retry_after_is_read_on_429_and_503() {
        let s = Duration::from_secs;
        assert_eq!(
            retry_after(&answer(429, &[("retry-after", "3")])),
            Some(s(3))
        );
        assert_eq!(
            retry_after(&answer(503, &[("retry-after", " 0 ")])),
            Some(s(0))
        );
        assert_eq!(retry_after(&answer(500, &[("retry-after", "3")])), None);
        assert_eq!(retry_after(&answer(429, &[("retry-after", "soon")])), None);
        let past = "Wed, 21 Oct 2015 07:28:00 GMT";
        assert_eq!(
            retry_after(&answer(503, &[("retry-after", past)])),
            Some(s(0))
        );
    }

    #[test]
    fn backoff_grows_and_ends() {
        let policy = RetryPolicy::default()
            .with_max_retries(3)
            .with_min_delay(Duration::from_millis(10))
            .with_max_delay(Duration::from_millis(40));
        let mut delays = None;
        let got: Vec<Duration> = std::iter::from_fn(|| backoff(&mut delays, &policy)).collect();
        assert_eq!(got.len(), 3);
        assert!(
            got.iter().all(|d| *d <= Duration::from_millis(80)),
            "{got:?}"
        );
        let mut none = None;
        assert_eq!(
            backoff(&mut none, &RetryPolicy::default().with_max_retries(0)),
            None
        );
    }

    #[test]
    fn waits_fit_the_deadline() {
        let (ms, s) = (Duration::from_millis, Duration::from_secs);
        assert_eq!(wait(None, ms(10), None), Wait::Sleep(ms(10)));
        assert_eq!(wait(Some(s(2)), ms(10), None), Wait::Sleep(s(2)));
        assert_eq!(wait(Some(s(61)), ms(10), None), Wait::TooLong(s(61)));
        assert_eq!(wait(Some(s(2)), ms(10), Some(s(1))), Wait::TooLong(s(2)));
        assert_eq!(wait(None, ms(10), Some(ms(5))), Wait::LastStands);
        assert_eq!(wait(None, ms(10), Some(s(1))), Wait::Sleep(ms(10)));
    }

    #[test]
    fn the_budget_is_spent_then_refills() {
        let budget = Budget::new(&crate::RetryBudget::new(2, Duration::from_millis(100)));
        assert!(budget.withdraw());
        assert!(budget.withdraw());
        assert!(!budget.withdraw(), "spent");
        std::thread::sleep(Duration::from_millis(60));
        assert!(budget.withdraw(), "one back after window / retries");
        let none = Budget::new(&crate::RetryBudget::new(0, Duration::from_secs(10)));
        assert!(!none.withdraw(), "a budget of zero retries none");
    }

    #[test]
    fn the_largest_header_is_named_never_shown() {
        let mut request = Request::new(Method::GET, "https://a/v1/x".parse().unwrap());
        let token = HeaderValue::from_str(&"s".repeat(5000)).unwrap();
        request.headers_mut().insert("x-vault-token", token);
        request
            .headers_mut()
            .insert("x-vault-request", HeaderValue::from_static("true"));
        let kept = Resend::keep(&request).unwrap();
        let (name, size) = kept.largest_header().unwrap();
        assert_eq!((name.as_str(), size), ("x-vault-token", 5000));
        let mut response = answer(431, &[]);
        mark_largest_header(&mut response, Some(&kept));
        let largest = response.extensions().get::<LargestHeader>().unwrap();
        assert_eq!(
            (largest.name.as_str(), largest.bytes),
            ("x-vault-token", 5000)
        );
    }
}
