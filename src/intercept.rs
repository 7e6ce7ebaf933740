//! The seam: hooks around every HTTP request a client sends.
//!
//! An [`Interceptor`] added with [`ClientBuilder::interceptor`](crate::ClientBuilder::interceptor)
//! sees every request of every call, generated or handwritten, each retry and each redirect hop
//! (one [`Interceptor::before_send`] and one [`Interceptor::after_answer`] per request on the
//! wire), with the operation's name ([`Operation::name`](crate::operation::Operation::name),
//! `kv_v2_read`; a [`Client::request`](crate::Client::request) has `request`) and the attempt
//! number. `before_send` may add, change or remove headers.
//!
//! What a hook is shown keeps secrets out: the token (`X-Vault-Token`) and every header marked
//! sensitive read as `<redacted>` through [`OutgoingRequest::header`] and `Debug`, and no body
//! is shown (a login's password, a response-wrapping token, a secret written). A hook that needs
//! them asks by name: [`OutgoingRequest::raw_exposing_secrets`] /
//! [`Answer::raw_exposing_secrets`].
//!
//! Hooks run inline on the request's task: keep them short and non-blocking (count, log, add a
//! header). A client without interceptors pays one empty check per request.
//!
//! ```no_run
//! use std::sync::atomic::{AtomicU64, Ordering};
//! use hashivault::intercept::{Answer, Interceptor, OutgoingRequest};
//!
//! #[derive(Default)]
//! struct Count(AtomicU64);
//!
//! impl Interceptor for Count {
//!     fn before_send(&self, request: &mut OutgoingRequest<'_>) {
//!         self.0.fetch_add(1, Ordering::Relaxed);
//!         request.insert_header(
//!             hashivault::reqwest::header::HeaderName::from_static("x-request-source"),
//!             hashivault::reqwest::header::HeaderValue::from_static("billing"),
//!         );
//!     }
//!     fn after_answer(&self, answer: &Answer<'_>) {
//!         eprintln!("{} attempt {}: {:?}", answer.operation(), answer.attempt(), answer.outcome());
//!     }
//! }
//!
//! # fn run() -> Result<(), hashivault::Error> {
//! let client = hashivault::Client::builder().interceptor(Count::default()).build()?;
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION};
use reqwest::{Method, Request, Response, StatusCode};

/// Hooks the client calls around each HTTP request it sends (see the [module docs](self)).
///
/// Both methods do nothing by default: implement the one you need.
pub trait Interceptor: Send + Sync + 'static {
    /// Called just before a request leaves (each attempt and each redirect hop anew, from the
    /// request as the client built it: a header inserted here is not carried to the next one).
    fn before_send(&self, request: &mut OutgoingRequest<'_>) {
        let _ = request;
    }

    /// Called when the request's answer arrives (status and headers; the body is read later by
    /// the call), or when it failed without one.
    fn after_answer(&self, answer: &Answer<'_>) {
        let _ = answer;
    }
}

/// A shared interceptor (keep an `Arc` to read what it gathered, pass a clone to the builder).
impl<T: Interceptor + ?Sized> Interceptor for Arc<T> {
    fn before_send(&self, request: &mut OutgoingRequest<'_>) {
        (**self).before_send(request);
    }

    fn after_answer(&self, answer: &Answer<'_>) {
        (**self).after_answer(answer);
    }
}

/// A request about to be sent, as an [`Interceptor`] sees it.
pub struct OutgoingRequest<'a> {
    request: &'a mut Request,
    operation: &'a str,
    attempt: u32,
    redirect: u32,
}

impl OutgoingRequest<'_> {
    /// The operation's name (`kv_v2_read`), `request` for a [`Client::request`](crate::Client::request).
    pub fn operation(&self) -> &str {
        self.operation
    }

    /// The attempt, from 1 (a retry is the next attempt; a redirect hop keeps the number).
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Redirects followed so far in this attempt's chain (0: the first hop).
    pub fn redirect(&self) -> u32 {
        self.redirect
    }

    /// The HTTP method (`LIST` when the client sends Vault's list verb).
    pub fn method(&self) -> &Method {
        self.request.method()
    }

    /// The URL's path (`/v1/secret/data/app`).
    pub fn path(&self) -> &str {
        self.request.url().path()
    }

    /// The URL without its query.
    pub fn url(&self) -> String {
        crate::error::without_query(self.request.url())
    }

    /// A header's value; `<redacted>` for the token, `Authorization` and any sensitive value,
    /// `None` when absent or not text.
    pub fn header(&self, name: &str) -> Option<&str> {
        shown(name, self.request.headers().get(name)?)
    }

    /// Every header, secrets as `<redacted>` (see [`OutgoingRequest::header`]).
    pub fn headers(&self) -> impl Iterator<Item = (&HeaderName, &str)> + '_ {
        self.request
            .headers()
            .iter()
            .filter_map(|(name, value)| Some((name, shown(name.as_str(), value)?)))
    }

    /// Whether the request has a body (never shown: see [`OutgoingRequest::raw_exposing_secrets`]).
    pub fn has_body(&self) -> bool {
        self.request.body().is_some()
    }

    /// Sets a header (replacing any value it had).
    pub fn insert_header(&mut self, name: HeaderName, value: HeaderValue) {
        self.request.headers_mut().insert(name, value);
    }

    /// Removes a header.
    pub fn remove_header(&mut self, name: &str) {
        self.request.headers_mut().remove(name);
    }

    /// The request itself, token and body included: for a hook that must see or change them
    /// (signing a body). Whatever it logs from here is the hook's responsibility.
    pub fn raw_exposing_secrets(&mut self) -> &mut Request {
        self.request
    }
}

impl fmt::Debug for OutgoingRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutgoingRequest")
            .field("operation", &self.operation)
            .field("attempt", &self.attempt)
            .field("redirect", &self.redirect)
            .field("method", self.method())
            .field("url", &self.url())
            .field("headers", &self.headers().collect::<Vec<_>>())
            .field("has_body", &self.has_body())
            .finish()
    }
}

/// What became of one request, as an [`Interceptor`] sees it.
pub struct Answer<'a> {
    result: Result<&'a Response, &'a reqwest::Error>,
    operation: &'a str,
    method: &'a Method,
    attempt: u32,
    redirect: u32,
    elapsed: Duration,
}

impl Answer<'_> {
    /// The operation's name (`kv_v2_read`).
    pub fn operation(&self) -> &str {
        self.operation
    }

    /// The attempt, from 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Redirects followed before this request in its attempt (0: the first hop).
    pub fn redirect(&self) -> u32 {
        self.redirect
    }

    /// The request's method.
    pub fn method(&self) -> &Method {
        self.method
    }

    /// From sending to the answer's headers (or the failure).
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// The status, when the server answered.
    pub fn status(&self) -> Option<StatusCode> {
        self.result.ok().map(Response::status)
    }

    /// The answer's status, or why there was none.
    pub fn outcome(&self) -> Outcome {
        match self.result {
            Ok(response) => Outcome::Answered(response.status()),
            Err(e) if e.is_timeout() => Outcome::TimedOut,
            Err(e) if e.is_connect() => Outcome::ConnectFailed,
            Err(_) => Outcome::Failed,
        }
    }

    /// The URL the request went to, without its query.
    pub fn url(&self) -> Option<String> {
        match self.result {
            Ok(response) => Some(crate::error::without_query(response.url())),
            Err(e) => e.url().map(crate::error::without_query),
        }
    }

    /// A header of the answer (`None` without an answer, or when not text).
    pub fn header(&self, name: &str) -> Option<&str> {
        shown(name, self.result.ok()?.headers().get(name)?)
    }

    /// The answer or error itself (a reqwest error's text has the full URL).
    pub fn raw_exposing_secrets(&self) -> Result<&Response, &reqwest::Error> {
        self.result
    }
}

impl fmt::Debug for Answer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Answer")
            .field("operation", &self.operation)
            .field("attempt", &self.attempt)
            .field("redirect", &self.redirect)
            .field("method", self.method)
            .field("outcome", &self.outcome())
            .field("elapsed", &self.elapsed)
            .finish()
    }
}

/// What became of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The server answered with this status.
    Answered(StatusCode),
    /// The attempt's timeout (or the call's deadline) passed before an answer.
    TimedOut,
    /// No connection could be made.
    ConnectFailed,
    /// Any other failure without an answer.
    Failed,
}

impl Outcome {
    /// A short label: `2xx`, `3xx`, `4xx`, `5xx`, `timeout`, `connect`, `error` (the `outcome`
    /// label of the `metrics` feature's counters).
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Answered(status) => match status.as_u16() {
                100..=199 => "1xx",
                200..=299 => "2xx",
                300..=399 => "3xx",
                400..=499 => "4xx",
                _ => "5xx",
            },
            Outcome::TimedOut => "timeout",
            Outcome::ConnectFailed => "connect",
            Outcome::Failed => "error",
        }
    }
}

/// A header value as hooks are shown it.
fn shown<'v>(name: &str, value: &'v HeaderValue) -> Option<&'v str> {
    if value.is_sensitive() || name.eq_ignore_ascii_case("x-vault-token") || name == AUTHORIZATION {
        return Some("<redacted>");
    }
    value.to_str().ok()
}

/// The interceptors of a client and its clones: `None` (the common case) costs one check per
/// request, no clock and no allocation.
#[derive(Clone, Default)]
pub(crate) struct Interceptors(Option<Arc<[Arc<dyn Interceptor>]>>);

/// What `before_send` keeps for `after_answer`.
pub(crate) struct Sent {
    started: Instant,
    method: Method,
}

impl Interceptors {
    pub(crate) fn new(list: Vec<Arc<dyn Interceptor>>) -> Self {
        Interceptors((!list.is_empty()).then(|| Arc::from(list)))
    }

    pub(crate) fn len(&self) -> usize {
        self.0.as_deref().map_or(0, <[_]>::len)
    }

    /// Runs every `before_send` on `request`; `None` (nothing to do) without interceptors.
    #[inline]
    pub(crate) fn before_send(
        &self,
        request: &mut Request,
        operation: &str,
        attempt: u32,
        redirect: usize,
    ) -> Option<Sent> {
        let list = self.0.as_deref()?;
        Some(before_send(list, request, operation, attempt, redirect))
    }

    /// Runs every `after_answer` on what became of the request `sent` stands for.
    #[inline]
    pub(crate) fn after_answer(
        &self,
        sent: Option<Sent>,
        result: &reqwest::Result<Response>,
        operation: &str,
        attempt: u32,
        redirect: usize,
    ) {
        if let (Some(list), Some(sent)) = (self.0.as_deref(), sent) {
            after_answer(list, sent, result, operation, attempt, redirect);
        }
    }
}

#[inline(never)]
fn before_send(
    list: &[Arc<dyn Interceptor>],
    request: &mut Request,
    operation: &str,
    attempt: u32,
    redirect: usize,
) -> Sent {
    let mut outgoing = OutgoingRequest {
        request,
        operation,
        attempt,
        redirect: u32::try_from(redirect).unwrap_or(u32::MAX),
    };
    for interceptor in list {
        interceptor.before_send(&mut outgoing);
    }
    Sent {
        method: outgoing.request.method().clone(),
        started: Instant::now(),
    }
}

#[inline(never)]
fn after_answer(
    list: &[Arc<dyn Interceptor>],
    sent: Sent,
    result: &reqwest::Result<Response>,
    operation: &str,
    attempt: u32,
    redirect: usize,
) {
    let answer = Answer {
        result: result.as_ref(),
        operation,
        method: &sent.method,
        attempt,
        redirect: u32::try_from(redirect).unwrap_or(u32::MAX),
        elapsed: sent.started.elapsed(),
    };
    for interceptor in list {
        interceptor.after_answer(&answer);
    }
}
