//! The one transport every request goes through, generated or handwritten.
//!
//! [`Context`] is the generated client's inner value (progenitor's `with_inner_type`);
//! [`Context::execute`] sends every request, generated or handwritten, so that each request,
//! before it leaves:
//! - gets `X-Vault-Token` (marked sensitive) or, with inline authentication, the
//!   `X-Vault-Inline-Auth-*` headers instead; `X-Vault-Namespace` (unless the namespace is in the
//!   base URL, [`NamespaceMode::Path`]), `X-Vault-Request: true` and `X-Vault-Wrap-TTL` when
//!   asked for;
//! - gets a list page's `after` and `limit` when it lists and the client has one;
//! - is sent as `LIST` / `SCAN` instead of `GET ?list=true` / `?scan=true` when the client is
//!   configured so;
//! - is sent as `application/merge-patch+json` when it is a `PATCH`;
//! - waits for the client-side rate limit ([`crate::RateLimit`]), if one is set;
//!
//! and then:
//! - follows `307`/`308` as the [`RedirectPolicy`] allows (never `https` → `http`, never a
//!   scheme but `http`/`https`);
//! - is retried with backoff on Vault's transient answers ([`is_transient`]: never a status the
//!   operation documents as its own answer, such as `sys/health`'s states), after the
//!   `Retry-After` of a `429`/`503` when it has one; an overloaded server's `503` only within
//!   the retry budget the client's clones share ([`RetryBudget`]);
//! - is bounded in time: each attempt by the per-attempt timeout, the whole call (attempts,
//!   hops, waits) by the deadline, with one timer per attempt;
//! - has its body bounded by the size limit (refused from `Content-Length`, or cut off while
//!   read), an empty 2xx body presented as `{}`, and the body of a non-2xx answer parsed into an
//!   [`ApiError`].
//!
//! Failures reach the caller as [`crate::Error`], as they were made, with their operation and
//! URL: a non-2xx answer as its [`ApiError`] (parsed here, Vault's messages kept), a failure the
//! transport saw (no answer, a refused redirect, the deadline, a decode error) as its own
//! variant. Generated operations end in [`send_json_later`] / [`send_bytes_later`], the
//! handwritten layer in [`decode_answer`]. Each request is one `tracing` span.
//!
//! The sending itself (rate limit, deadline, the attempt, redirects, retry classification,
//! `Retry-After`, backoff, budget) is a pipeline of small named steps: `transport/pipeline.rs`.

mod pipeline;

#[cfg(test)]
pub(crate) use pipeline::is_transient;
pub(crate) use pipeline::Budget;

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use progenitor_client::OperationInfo;
use reqwest::header::{Entry, HeaderName, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use reqwest::{Method, Request, Response, ResponseBuilderExt, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use tracing::Instrument;

use crate::error::{
    without_query, ApiError, BodyTooLarge, DeadlineError, DeadlineReason, DecodeError, Error,
    LargestHeader, TooLargeError,
};
use crate::ratelimit::Limiter;
use crate::redirect::RedirectPolicy;

const X_VAULT_TOKEN: HeaderName = HeaderName::from_static("x-vault-token");
const X_VAULT_NAMESPACE: HeaderName = HeaderName::from_static("x-vault-namespace");
const X_VAULT_REQUEST: HeaderName = HeaderName::from_static("x-vault-request");
const X_VAULT_WRAP_TTL: HeaderName = HeaderName::from_static("x-vault-wrap-ttl");
const X_VAULT_INDEX: HeaderName = HeaderName::from_static("x-vault-index");

const X_VAULT_INCONSISTENT: HeaderName = HeaderName::from_static("x-vault-inconsistent");
/// OpenBao's answer header when an inline authentication (not the call) failed.
const X_VAULT_INLINE_AUTH_FAILED: &str = "x-vault-inline-auth-failed";

/// The newest `X-Vault-Index` the writes of this client (and its clones) got back, for
/// [`ClientBuilder::read_your_writes`](crate::ClientBuilder::read_your_writes).
#[derive(Debug, Default)]
pub(crate) struct IndexCell(RwLock<Option<KeptIndex>>);

/// An index as received, and its position when it is OpenBao's (parsed once, as it arrives).
#[derive(Debug)]
struct KeptIndex {
    value: HeaderValue,
    position: Option<(String, u64)>,
}

impl IndexCell {
    fn get(&self) -> Option<HeaderValue> {
        let kept = self.0.read().unwrap_or_else(|p| p.into_inner());
        kept.as_ref().map(|k| k.value.clone())
    }

    /// Keeps `value` unless the index kept is provably ahead of it: writes answered out of order
    /// (concurrent tasks, clones) must not move the client back to an older state. The new
    /// index is decoded before the lock is taken.
    fn set(&self, value: HeaderValue) {
        let position = index_position(&value);
        let mut kept = self.0.write().unwrap_or_else(|p| p.into_inner());
        if kept
            .as_ref()
            .is_some_and(|old| index_behind(position.as_ref(), old.position.as_ref()))
        {
            return;
        }
        *kept = Some(KeptIndex { value, position });
    }
}

/// Whether the index at `new` is provably older than the one at `old`: both are OpenBao's
/// (base64 of `{"cluster":"<id>","value":"<n>"}`, measured on 2.7.2) and of the same cluster,
/// with a smaller `n`. Any other pair (Vault's own encoding, another cluster) is not comparable,
/// and the newer answer wins.
fn index_behind(new: Option<&(String, u64)>, old: Option<&(String, u64)>) -> bool {
    match (new, old) {
        (Some((cluster_new, n_new)), Some((cluster_old, n_old))) => {
            cluster_new == cluster_old && n_new < n_old
        }
        _ => false,
    }
}

/// `(cluster, n)` of an OpenBao index, `None` for anything else.
fn index_position(value: &HeaderValue) -> Option<(String, u64)> {
    use base64::Engine as _;
    #[derive(serde::Deserialize)]
    struct Position {
        cluster: String,
        value: String,
    }
    let text = value.to_str().ok()?;
    let json = base64::engine::general_purpose::STANDARD
        .decode(text)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(text))
        .ok()?;
    let position: Position = serde_json::from_slice(&json).ok()?;
    Some((position.cluster, position.value.parse().ok()?))
}

/// How the client sends Vault's list operations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ListMethod {
    /// `GET …?list=true`, as Vault's document says; what proxies and service meshes accept.
    #[default]
    GetWithQuery,
    /// The non-standard `LIST` verb, for servers that only accept it (RustyVault).
    ListVerb,
}

/// How the client sends its namespace ([`ClientBuilder::namespace`](crate::ClientBuilder::namespace),
/// [`Client::with_namespace`](crate::Client::with_namespace)).
///
/// Both forms reach the same namespace on OpenBao (2.3+, measured on 2.7.2) and Vault
/// Enterprise: `X-Vault-Namespace: team/a` with `/v1/secret/data/x` is
/// `/v1/team/a/secret/data/x`. The path form suits proxies and audit tooling that only see URLs,
/// and requests whose headers cannot be set.
///
/// ```no_run
/// # fn run() -> Result<(), hashivault::Error> {
/// use hashivault::NamespaceMode;
/// let client = hashivault::Client::builder()
///     .address("https://bao.example.com:8200")
///     .namespace("team/a")
///     .namespace_mode(NamespaceMode::Path)
///     .build()?;
/// // Every request now goes to https://bao.example.com:8200/v1/team/a/...
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum NamespaceMode {
    /// The `X-Vault-Namespace` header (Vault's CLI does this).
    #[default]
    Header,
    /// A prefix of every request's path: `/v1/<namespace>/<path>`; no header.
    Path,
}

/// When and how often a request is retried.
///
/// ```
/// use std::time::Duration;
/// let policy = hashivault::RetryPolicy::default()
///     .with_max_retries(4)
///     .with_min_delay(Duration::from_millis(100))
///     .with_overload_budget(hashivault::RetryBudget::new(20, Duration::from_secs(10)));
/// assert_eq!(policy.max_retries(), 4);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RetryPolicy {
    max_retries: usize,
    min_delay: Duration,
    max_delay: Duration,
    retry_post: bool,
    overload_budget: RetryBudget,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            min_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(5),
            retry_post: false,
            overload_budget: RetryBudget::default(),
        }
    }
}

impl RetryPolicy {
    /// Retries after the first attempt (default 2, Vault's CLI default; `0` turns retries off).
    pub fn with_max_retries(mut self, retries: usize) -> Self {
        self.max_retries = retries;
        self
    }

    /// The first backoff delay (default 250 ms); later ones double, with jitter.
    pub fn with_min_delay(mut self, delay: Duration) -> Self {
        self.min_delay = delay;
        self
    }

    /// The longest backoff delay (default 5 s).
    pub fn with_max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// Whether `POST` (not idempotent in general) is retried too (default `false`; `PATCH`
    /// never is).
    pub fn with_retry_post(mut self, retry: bool) -> Self {
        self.retry_post = retry;
        self
    }

    /// How many retries of an overloaded server's answers the client and its clones may make
    /// (default [`RetryBudget::default`]).
    pub fn with_overload_budget(mut self, budget: RetryBudget) -> Self {
        self.overload_budget = budget;
        self
    }

    /// Retries after the first attempt.
    pub fn max_retries(&self) -> usize {
        self.max_retries
    }

    /// The first backoff delay.
    pub fn min_delay(&self) -> Duration {
        self.min_delay
    }

    /// The longest backoff delay.
    pub fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// Whether `POST` is retried.
    pub fn retry_post(&self) -> bool {
        self.retry_post
    }

    /// The retry budget for overloaded answers.
    pub fn overload_budget(&self) -> RetryBudget {
        self.overload_budget
    }
}

/// The retries of an overloaded server's `503` (Vault's adaptive overload protection, its
/// request limiter: [`ErrorKind::Overloaded`](crate::ErrorKind::Overloaded)) that a client and
/// its clones may make together: `retries` per `window`, refilled evenly. Each such retry is
/// also one of the call's [`RetryPolicy::max_retries`], after the backoff with jitter; once the
/// budget is spent, an overloaded answer is returned at once
/// ([`ApiError::retry_budget_spent`]), so many calls cannot turn an overload into a storm.
/// Other transient answers do not touch it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryBudget {
    retries: u32,
    window: Duration,
}

impl Default for RetryBudget {
    /// 10 retries per 10 s.
    fn default() -> Self {
        RetryBudget::new(10, Duration::from_secs(10))
    }
}

impl RetryBudget {
    /// `retries` per `window` (`0`: overloaded answers are never retried).
    pub fn new(retries: u32, window: Duration) -> Self {
        RetryBudget { retries, window }
    }

    /// The retries per window.
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// The window.
    pub fn window(&self) -> Duration {
        self.window
    }
}

/// The token cell shared by a client and its clones: a login through any of them is seen by all.
#[derive(Default)]
pub(crate) struct TokenCell(RwLock<Option<TokenHeader>>);

#[derive(Clone)]
pub(crate) struct TokenHeader {
    pub(crate) secret: SecretString,
    header: HeaderValue,
}

impl TokenCell {
    pub(crate) fn new(token: Option<SecretString>) -> Result<Self, crate::Error> {
        let cell = TokenCell::default();
        if let Some(token) = token {
            cell.set(token)?;
        }
        Ok(cell)
    }

    pub(crate) fn set(&self, token: SecretString) -> Result<(), crate::Error> {
        let header = token_header(&token)?;
        let mut guard = self.0.write().unwrap_or_else(|p| p.into_inner());
        *guard = Some(TokenHeader {
            secret: token,
            header,
        });
        Ok(())
    }

    pub(crate) fn clear(&self) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = None;
    }

    pub(crate) fn get(&self) -> Option<TokenHeader> {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn header(&self) -> Option<HeaderValue> {
        self.0
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|t| t.header.clone())
    }
}

/// Checks a token and makes its (sensitive) header value. A token with a newline or other
/// control character is refused before any request, without echoing it.
pub(crate) fn token_header(token: &SecretString) -> Result<HeaderValue, crate::Error> {
    let raw = token.expose_secret();
    if raw.is_empty() {
        return Err(crate::Error::invalid("the token is empty"));
    }
    if raw.chars().any(|c| c.is_control() || c == ' ') {
        return Err(crate::Error::invalid(
            "the token contains whitespace or a control character (a trailing newline from a file?)",
        ));
    }
    let mut header = HeaderValue::from_str(raw)
        .map_err(|_| crate::Error::invalid("the token is not a valid header value"))?;
    header.set_sensitive(true);
    Ok(header)
}

/// What a [`crate::Client`] adds to every request: its token, namespace, wrap TTL, retry policy
/// and list method. It is the generated [`crate::api::Client`]'s inner value (progenitor's
/// `ClientInfo::inner`), built only by [`crate::ClientBuilder::build`] and the `Client::with_*`
/// methods; read it with [`crate::Client::context`] and its accessors.
///
/// A clone is one reference count: the settings are shared by a client's clones, its handles
/// (`client.kv2(..)`) and every generated call's builder, and copied only by the `with_*`
/// methods that change them.
#[derive(Clone)]
pub struct Context {
    pub(crate) settings: Arc<Settings>,
}

/// The settings a [`Context`] shares. Copied whole by `Client::with_*`: what a copy must still
/// share with the client it came from (the token, which a login through any clone changes; the
/// policy's rate limiter, overload budget and read-your-writes index) is behind its own `Arc`.
#[derive(Clone)]
pub(crate) struct Settings {
    pub(crate) token: Arc<TokenCell>,
    pub(crate) namespace: Option<HeaderValue>,
    pub(crate) wrap_ttl: Option<HeaderValue>,
    pub(crate) retry: RetryPolicy,
    pub(crate) list_method: ListMethod,
    /// Whether `namespace` is sent as the header or as a path prefix (then in the base URL).
    pub(crate) namespace_mode: NamespaceMode,
    /// The `after`/`limit` query of every list request (`Client::with_list_page`).
    pub(crate) list_page: Option<crate::list::ListPage>,
    /// Inline authentication headers sent instead of the token (`Client::with_inline_auth`).
    pub(crate) inline_auth: Option<crate::inline_auth::InlineHeaders>,
    pub(crate) policy: Arc<Policy>,
    /// The user's hooks around each request sent (`ClientBuilder::interceptor`).
    pub(crate) interceptors: crate::intercept::Interceptors,
}

impl Context {
    pub(crate) fn new(settings: Settings) -> Context {
        Context {
            settings: Arc::new(settings),
        }
    }

    /// A copy with `edit` applied (the clients `Client::with_*` make); this one is unchanged.
    pub(crate) fn edited(&self, edit: impl FnOnce(&mut Settings)) -> Context {
        let mut settings = Settings::clone(&self.settings);
        edit(&mut settings);
        Context::new(settings)
    }
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("token", &self.settings.token.get().map(|_| "<redacted>"))
            .field("namespace", &self.settings.namespace)
            .field("namespace_mode", &self.settings.namespace_mode)
            .field("wrap_ttl", &self.settings.wrap_ttl)
            .field("retry", &self.settings.retry)
            .field("list_method", &self.settings.list_method)
            .field("list_page", &self.settings.list_page)
            .field("inline_auth", &self.settings.inline_auth)
            .field("policy", &self.settings.policy)
            .field("interceptors", &self.settings.interceptors.len())
            .finish()
    }
}

/// The longest `Retry-After` waited for when the call has no deadline.
pub const MAX_RETRY_AFTER_WITHOUT_DEADLINE: Duration = Duration::from_secs(60);

/// The default [`ClientBuilder::max_response_size`](crate::ClientBuilder::max_response_size):
/// 32 MiB.
pub const DEFAULT_MAX_RESPONSE_SIZE: usize = 32 * 1024 * 1024;

/// The transport settings a client and its clones share.
#[derive(Debug)]
pub(crate) struct Policy {
    pub(crate) redirects: RedirectPolicy,
    /// The per-attempt timeout the HTTP client was built with, when known.
    pub(crate) attempt_timeout: Option<Duration>,
    pub(crate) deadline: Option<Duration>,
    pub(crate) max_response_size: usize,
    pub(crate) limiter: Option<Limiter>,
    /// Set with `read_your_writes`: the index every request then carries.
    pub(crate) read_your_writes: Option<IndexCell>,
    /// The retries of overloaded answers left to the client and its clones.
    pub(crate) overload_budget: pipeline::Budget,
}

/// The operation a request belongs to, as the transport needs it: its name (errors, traces)
/// and the non-2xx statuses it documents as answers of its own, which are never retried
/// ([`is_transient`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Op<'a> {
    pub(crate) name: &'a str,
    pub(crate) answers: &'a [u16],
}

impl<'a> From<&'a crate::operation::Operation> for Op<'a> {
    fn from(operation: &'a crate::operation::Operation) -> Self {
        Op {
            name: operation.name,
            answers: operation.answers,
        }
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            redirects: RedirectPolicy::default(),
            attempt_timeout: None,
            deadline: None,
            max_response_size: DEFAULT_MAX_RESPONSE_SIZE,
            limiter: None,
            read_your_writes: None,
            overload_budget: pipeline::Budget::new(&RetryBudget::default()),
        }
    }
}

/// Where a call stands against its deadline.
#[derive(Clone, Copy)]
struct Clock {
    started: tokio::time::Instant,
    deadline: Option<(tokio::time::Instant, Duration)>,
}

impl Clock {
    fn remaining(&self) -> Option<Duration> {
        self.deadline
            .map(|(end, _)| end.saturating_duration_since(tokio::time::Instant::now()))
    }
}

pin_project_lite::pin_project! {
    /// A call's future ([`Context::execute`]), in its span when a subscriber wants it.
    #[project = TracedProjection]
    enum Traced<F> {
        Plain { #[pin] call: F },
        Spanned { #[pin] call: tracing::instrument::Instrumented<F> },
    }
}

impl<F: std::future::Future> std::future::Future for Traced<F> {
    type Output = F::Output;

    #[inline]
    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<F::Output> {
        match self.project() {
            TracedProjection::Plain { call } => call.poll(cx),
            TracedProjection::Spanned { call } => call.poll(cx),
        }
    }
}

impl Context {
    /// Sends `request` as described in the module docs: prepares it, makes its span, and returns
    /// [`pipeline::send`]'s future, the rest of the call in one state machine (the attempts, then
    /// [`Context::after_send`]). Called where the call is awaited (the token is read here).
    ///
    /// Not `async`: each `async` level kept the request (264 bytes) in its own state and moved
    /// the whole future below it once more (`execute` → `run` → `send` were three, then two;
    /// `benches/README.md`, 2026-12-07).
    #[inline(always)]
    pub(crate) fn execute<'a>(
        &'a self,
        http: &'a reqwest::Client,
        mut request: Request,
        op: Op<'a>,
    ) -> impl std::future::Future<Output = Result<Response, Error>> + Send + 'a {
        let operation = op.name;
        let without_token = self.prepare(&mut request);
        let span = tracing::debug_span!(
            "vault.request",
            operation,
            method = %request.method(),
            path = request.url().path(),
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        // Without a subscriber that wants the span, no clock is read, nothing is recorded and
        // the call is not instrumented: entering and leaving a disabled span on every poll is
        // work for no one (`benches/README.md`, issue #24).
        if span.is_disabled() {
            Traced::Plain {
                call: pipeline::send(self, http, request, op, without_token, false),
            }
        } else {
            Traced::Spanned {
                call: pipeline::send(self, http, request, op, without_token, true).instrument(span),
            }
        }
    }

    /// What follows the pipeline's last attempt ([`pipeline::send`], `started`: when the call
    /// began, if traced): the read-your-writes index of a write, the span's fields, the
    /// operation named in a failure; then the answer as [`Context::finish_response`] bounds it.
    fn after_send(
        &self,
        result: Result<Response, Error>,
        method: &Method,
        attempts: u32,
        started: Option<Instant>,
        without_token: bool,
        operation: &str,
    ) -> Finished {
        if let (Some(index), Ok(response)) = (&self.settings.policy.read_your_writes, &result) {
            // A write's index: later requests ask the node to have applied it (a read's header
            // is not looked up).
            if !matches!(*method, Method::GET | Method::HEAD) {
                if let Some(value) = response.headers().get(X_VAULT_INDEX) {
                    index.set(value.clone());
                }
            }
        }
        if let Some(started) = started {
            let span = tracing::Span::current();
            span.record("attempts", attempts);
            span.record("duration_ms", started.elapsed().as_millis() as u64);
            if let Ok(response) = &result {
                span.record("status", response.status().as_u16());
            }
        }
        let response = match result {
            Ok(response) => response,
            Err(e) => return Finished::Done(Err(e.with_operation(operation))),
        };
        tracing::debug!("vault answered");
        self.finish_response(response, method, without_token, operation)
    }

    /// Adds the headers and rewrites the request as the module docs say. Returns whether the
    /// request goes without a token (none set, no inline authentication).
    fn prepare(&self, request: &mut Request) -> bool {
        let headers = request.headers_mut();
        headers.insert(X_VAULT_REQUEST, HeaderValue::from_static("true"));
        let mut without_token = false;
        if let Some(inline) = &self.settings.inline_auth {
            // Instead of the token: OpenBao refuses a request carrying both.
            inline.apply(headers);
        } else if let Entry::Vacant(slot) = headers.entry(X_VAULT_TOKEN) {
            // One lookup for "is a token set by the caller?" and the insert.
            match self.settings.token.header() {
                Some(token) => {
                    slot.insert(token);
                }
                None => without_token = true,
            }
        }
        if let (Some(ns), NamespaceMode::Header) =
            (&self.settings.namespace, self.settings.namespace_mode)
        {
            headers.insert(X_VAULT_NAMESPACE, ns.clone());
        }
        if let Some(ttl) = &self.settings.wrap_ttl {
            headers.insert(X_VAULT_WRAP_TTL, ttl.clone());
        }
        if let Some(index) = &self.settings.policy.read_your_writes {
            if let Some(value) = index.get() {
                headers.insert(X_VAULT_INDEX, value);
                // A node that has not applied the index forwards the request to the active
                // node instead of answering `429` (OpenBao 2.7+, Vault Enterprise); a server that
                // ignores this header answers `429`/`412`, retried after `Retry-After`.
                headers.insert(
                    X_VAULT_INCONSISTENT,
                    HeaderValue::from_static("forward-active-node"),
                );
            }
        }
        if request.method() == Method::PATCH {
            request.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("application/merge-patch+json"),
            );
        }
        if let Some(page) = &self.settings.list_page {
            if is_list_request(request) {
                page.append_to(request.url_mut());
            }
        }
        if self.settings.list_method == ListMethod::ListVerb && request.method() == Method::GET {
            // `?list=true` is sent as `LIST`, `?scan=true` (OpenBao) as `SCAN`.
            for (flag, verb) in [("list", &b"LIST"[..]), ("scan", &b"SCAN"[..])] {
                let url = request.url_mut();
                let is_flag = |(k, v): &(std::borrow::Cow<'_, str>, std::borrow::Cow<'_, str>)| {
                    k == flag && v == "true"
                };
                if !url.query_pairs().any(|pair| is_flag(&pair)) {
                    continue;
                }
                let pairs: Vec<(String, String)> = url
                    .query_pairs()
                    .filter(|pair| !is_flag(pair))
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                if pairs.is_empty() {
                    url.set_query(None);
                } else {
                    url.query_pairs_mut().clear().extend_pairs(pairs);
                }
                *request.method_mut() = Method::from_bytes(verb).expect("a valid method");
                break;
            }
        }
        without_token
    }

    /// Presents an empty 2xx body as `{}` (so `204 No Content` and an empty chunked answer
    /// decode as an empty envelope), bounds a 2xx body to the size limit, and parses a non-2xx
    /// body into an [`ApiError`] kept in the response's extensions.
    /// Not `async`: a non-2xx body still to read is returned as [`Finished::ReadError`], for the
    /// caller to read in a future built (and boxed) on that path only.
    fn finish_response(
        &self,
        mut response: Response,
        method: &Method,
        without_token: bool,
        operation: &str,
    ) -> Finished {
        let status = response.status();
        let limit = self.settings.policy.max_response_size;
        if status.is_success() {
            let declared = if *method == Method::HEAD || status == StatusCode::NO_CONTENT {
                // hyper knows these have no body whatever `Content-Length` says: read the header.
                match response.headers().get(CONTENT_LENGTH) {
                    Some(len) => std::str::from_utf8(len.as_bytes())
                        .ok()
                        .and_then(|len| len.parse::<u64>().ok()),
                    None => None,
                }
            } else {
                // The `Content-Length` hyper parsed (and checked) for the body, without looking
                // the header up again.
                response.content_length()
            };
            return Finished::Done(match declared {
                // The common case: a small answer of known length, passed on as it is.
                Some(len) if len > 0 && len <= limit as u64 => Ok(response),
                Some(len) if len > 0 => Err(Error::TooLarge(Box::new(TooLargeError {
                    limit,
                    declared: Some(len),
                    url: Some(without_query(response.url())),
                    operation: Some(operation.to_string()),
                }))),
                _ if status == StatusCode::NO_CONTENT || declared == Some(0) => {
                    let mut headers = response.headers().clone();
                    headers.remove(CONTENT_LENGTH);
                    let url = response.url().clone();
                    Ok(rebuild(
                        status,
                        response.version(),
                        headers,
                        url,
                        bytes::Bytes::from_static(b"{}"),
                        None,
                    ))
                }
                // Unknown length (chunked): read through a limit; empty reads as `{}`.
                _ => Ok(limited(response, limit)),
            });
        }
        if let Some(api) = response.extensions_mut().get_mut::<ApiError>() {
            // Read by the pipeline (a 503 it checked for overload).
            api.without_token = without_token;
            return Finished::Done(Ok(response));
        }
        Finished::ReadError(response)
    }
}

/// What [`Context::finish_response`] decided.
enum Finished {
    Done(Result<Response, Error>),
    /// A non-2xx answer whose body is to be read into its [`ApiError`] ([`with_api_error`]).
    ReadError(Response),
}

/// Whether `request` lists: the `LIST` verb, or `GET` with `list=true`.
fn is_list_request(request: &Request) -> bool {
    match request.method().as_str() {
        "LIST" => true,
        "GET" => request
            .url()
            .query_pairs()
            .any(|(k, v)| k == "list" && v == "true"),
        _ => false,
    }
}

/// A 2xx response of unknown length whose body ends with an error past `limit` bytes, and reads
/// as `{}` when empty.
fn limited(response: Response, limit: usize) -> Response {
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    let url = response.url().clone();
    let bound = response.extensions().get::<DeadlineBound>().copied();
    let body = Limited {
        inner: Box::pin(response.bytes_stream()),
        seen: 0,
        limit,
        done: false,
    };
    let mut rebuilt = http::Response::builder()
        .status(status)
        .version(version)
        .url(url)
        .body(reqwest::Body::wrap_stream(body))
        .expect("parts of a valid response");
    *rebuilt.headers_mut() = headers;
    if let Some(bound) = bound {
        rebuilt.extensions_mut().insert(bound);
    }
    Response::from(rebuilt)
}

/// Marks a response whose body is read under the deadline's remaining time.
#[derive(Clone, Copy)]
struct DeadlineBound {
    clock: Clock,
    attempts: u32,
}

/// The error of a failed body read: [`Error::Deadline`] when the deadline cut it, else the
/// transport error (a timeout, or a body cut off).
#[cold]
pub(crate) fn body_error(e: reqwest::Error, response: &Response, operation: &str) -> Error {
    match response.extensions().get::<DeadlineBound>() {
        Some(bound) if e.is_timeout() => {
            let (limit, is_deadline) = match bound.clock.deadline {
                Some((_, limit)) => (limit, true),
                None => (MAX_RETRY_AFTER_WITHOUT_DEADLINE, false),
            };
            Error::Deadline(Box::new(DeadlineError {
                reason: DeadlineReason::Passed,
                limit,
                is_deadline,
                elapsed: bound.clock.started.elapsed(),
                attempts: bound.attempts,
                operation: Some(operation.to_string()),
                url: without_query(response.url()),
                last: Some(Box::new(Error::from_reqwest(e))),
            }))
        }
        _ => {
            // hyper's body errors carry no URL: the response's (without its query, as every
            // address an error shows), so the error names where the answer came from.
            let mut url = response.url().clone();
            url.set_query(None);
            Error::from_reqwest(e.with_url(url)).with_operation(operation)
        }
    }
}

type ByteStream =
    std::pin::Pin<Box<dyn futures_core::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>;

struct Limited {
    inner: ByteStream,
    seen: usize,
    limit: usize,
    done: bool,
}

impl futures_core::Stream for Limited {
    type Item = Result<bytes::Bytes, Box<dyn std::error::Error + Send + Sync>>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::task::Poll;
        if self.done {
            return Poll::Ready(None);
        }
        let next = match self.inner.as_mut().poll_next(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(next) => next,
        };
        Poll::Ready(match next {
            Some(Ok(chunk)) => {
                self.seen = self.seen.saturating_add(chunk.len());
                if self.seen > self.limit {
                    self.done = true;
                    // Dropping the stream closes the connection: nothing more is read.
                    self.inner = Box::pin(futures_empty());
                    Some(Err(Box::new(BodyTooLarge { limit: self.limit })))
                } else {
                    Some(Ok(chunk))
                }
            }
            Some(Err(e)) => {
                self.done = true;
                Some(Err(Box::new(e)))
            }
            None => {
                self.done = true;
                (self.seen == 0).then(|| Ok(bytes::Bytes::from_static(b"{}")))
            }
        })
    }
}

/// A stream that has ended.
fn futures_empty() -> impl futures_core::Stream<Item = reqwest::Result<bytes::Bytes>> + Send {
    struct Empty;
    impl futures_core::Stream for Empty {
        type Item = reqwest::Result<bytes::Bytes>;
        fn poll_next(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            std::task::Poll::Ready(None)
        }
    }
    Empty
}

/// A non-2xx response with its body read (up to `limit`) and parsed into an [`ApiError`].
async fn with_api_error(
    mut response: Response,
    method: &Method,
    without_token: bool,
    operation: &str,
    limit: usize,
) -> Result<Response, Error> {
    let status = response.status();
    let version = response.version();
    let headers = std::mem::take(response.headers_mut());
    let url = response.url().clone();
    let largest_header = response.extensions_mut().remove::<LargestHeader>();
    let mut body = bytes::BytesMut::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > limit {
                    return Err(Error::TooLarge(Box::new(TooLargeError {
                        limit,
                        declared: None,
                        url: Some(without_query(&url)),
                        operation: Some(operation.to_string()),
                    })));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => return Err(Error::from_reqwest(e).with_operation(operation)),
        }
    }
    let body = body.freeze();
    // The path of the request that got this answer (after any redirect: the same path).
    let mut error = ApiError::from_body(status.as_u16(), method.as_str(), url.path(), &body)
        .at(&url, operation);
    error.without_token = without_token;
    error.largest_header = largest_header;
    error.inline_auth_failed = headers
        .get(X_VAULT_INLINE_AUTH_FAILED)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"));
    Ok(rebuild(status, version, headers, url, body, Some(error)))
}

/// Reads a whole body (bounded by the transport: a declared length within the limit, or the
/// limiting stream) with at most one copy: a body of one chunk is returned as it came; a longer
/// one is kept as hyper hands its chunks and copied once, after the last chunk, into one buffer
/// of their total, as the floor's `collect` does. Never grown, so never copied twice; and copied
/// right before it is decoded, so the decoder reads it from the cache. A buffer of the declared
/// length allocated up front and filled as the chunks arrive cost less sequentially, but with
/// many answers read at once each one's body had left the cache by the time it was decoded:
/// about +250 µs of CPU per 1 MiB read at 32 tasks (`benches/README.md`, "Big answers at 32
/// tasks").
pub(crate) async fn read_body(response: &mut Response) -> reqwest::Result<bytes::Bytes> {
    // Exact for a body of declared length (hyper's size hint is its `Content-Length`), and for
    // a body the transport already read (an error's, or `{}`).
    let declared = response
        .content_length()
        .and_then(|len| usize::try_from(len).ok());
    let Some(first) = response.chunk().await? else {
        return Ok(bytes::Bytes::new());
    };
    if declared.is_some_and(|len| first.len() >= len) {
        return Ok(first);
    }
    let Some(second) = response.chunk().await? else {
        return Ok(first);
    };
    let mut total = first.len() + second.len();
    let mut chunks = vec![first, second];
    while let Some(chunk) = response.chunk().await? {
        total += chunk.len();
        chunks.push(chunk);
    }
    let mut body = bytes::BytesMut::with_capacity(total);
    for chunk in chunks {
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Reads a 2xx answer whole (bounded, see [`read_body`]) and decodes it as `T` ([`decode_json`]):
/// the one decode path of the handwritten layer (`Client::request` and the helpers' operations).
pub(crate) async fn decode_answer<T: serde::de::DeserializeOwned>(
    mut response: Response,
    operation: &str,
) -> Result<T, Error> {
    let bytes = read_body(&mut response)
        .await
        .map_err(|e| body_error(e, &response, operation))?;
    decode_json(
        &bytes,
        response.status().as_u16(),
        response.url(),
        operation,
    )
}

/// Decodes the body of a 2xx answer: Vault's `errors` in a success answer are an
/// [`Error::Api`]; a body that does not fit `T` is an [`Error::Decode`] naming the field and
/// the expected type (never a value).
pub(crate) fn decode_json<T: serde::de::DeserializeOwned>(
    body: &[u8],
    status: u16,
    url: &url::Url,
    operation: &str,
) -> Result<T, Error> {
    if errors_in_success(body) {
        let api = ApiError::from_body(status, "", url.path(), body);
        if !api.errors.is_empty() {
            return Err(Error::Api(Box::new(api.at(url, operation))));
        }
    }
    // An empty body (no `Content-Length`, nothing sent) reads as `{}`, as with one.
    let body = if body.is_empty() { &b"{}"[..] } else { body };
    serde_json::from_slice(body).map_err(|e| decode_error::<T>(body, &e, url, operation))
}

/// The decode error for `T`, with the path of the field serde stopped at (decoded again, on
/// the error path only).
#[cold]
fn decode_error<T: serde::de::DeserializeOwned>(
    body: &[u8],
    err: &serde_json::Error,
    url: &url::Url,
    operation: &str,
) -> Error {
    let mut de = serde_json::Deserializer::from_slice(body);
    let field = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) => Some(e.path().to_string()),
        Ok(_) => None,
    };
    Error::Decode(Box::new(DecodeError::new(
        Some(operation),
        Some(without_query(url)),
        field,
        body,
        err,
    )))
}

/// Whether a success body starts with Vault's error shape (`{"errors":`), checked on the first
/// bytes only.
fn errors_in_success(body: &[u8]) -> bool {
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    body[start..].starts_with(b"{\"errors\"")
}

/// A generated operation's request as its `send()` built it, or why it could not be built.
pub(crate) type Prepared = Result<(crate::api::Client, Request, OperationInfo), Error>;

/// What a generated `send()` returns (`hashivault-codegen/src/surface.rs`:
/// `send_without_a_coroutine`): the request is built in `send()` itself, a plain function, and
/// this future, generic over the answer only, sends it. An `async fn send()` per operation was
/// one coroutine per operation for rustc to type-check and borrow-check in the library, whatever
/// the caller uses (issue #24: peak memory of the build).
///
/// It sends the request ([`Context::execute`]) and decodes its 2xx answer as `T`
/// ([`decode_json`]), and the non-2xx statuses in `answers` (those the operation documents as
/// answers of its own: `sys/health`'s node states) the same way; any other non-2xx answer is
/// its [`ApiError`], a failure the transport's own error, each naming the operation. One
/// `async fn` from the prepared request to the decoded answer: each level more (it was
/// `send_json_later` → `send_json` → `fetch`) moved the request in and the answer out
/// (`benches/README.md`, 2026-12-07).
// Called by generated send()s only: none in a build without an API group.
#[allow(dead_code)]
pub(crate) async fn send_json_later<T: serde::de::DeserializeOwned>(
    prepared: Prepared,
    answers: &'static [u16],
) -> Result<crate::Response<T>, Error> {
    let (client, request, info) = prepared?;
    let op = Op {
        name: info.operation_id,
        answers,
    };
    let mut response = client.inner.execute(&client.client, request, op).await?;
    if undocumented(&response, answers) {
        return Err(answer_error(response));
    }
    let body = read_body(&mut response)
        .await
        .map_err(|e| body_error(e, &response, op.name))?;
    let status = response.status();
    let inner = decode_json(&body, status.as_u16(), response.url(), op.name)?;
    let headers = std::mem::take(response.headers_mut());
    Ok(crate::Response::new(inner, status, headers, op.name))
}

/// [`send_json_later`] for an answer that is not JSON: its body as read.
// Called by generated send()s only: none in a build without an API group.
#[allow(dead_code)]
pub(crate) async fn send_bytes_later(
    prepared: Prepared,
) -> Result<crate::Response<bytes::Bytes>, Error> {
    let (client, request, info) = prepared?;
    // The documented answers of an operation answering bytes, looked up (such operations are
    // rare: PEM and DER downloads) since their generated `send()` passes none.
    let answers = crate::operation::find(info.operation_id).map_or(&[][..], |op| op.answers);
    let op = Op {
        name: info.operation_id,
        answers,
    };
    let mut response = client.inner.execute(&client.client, request, op).await?;
    if undocumented(&response, answers) {
        return Err(answer_error(response));
    }
    let body = read_body(&mut response)
        .await
        .map_err(|e| body_error(e, &response, op.name))?;
    let headers = std::mem::take(response.headers_mut());
    Ok(crate::Response::new(
        body,
        response.status(),
        headers,
        op.name,
    ))
}

/// Whether an answer is neither a 2xx nor a status the operation documents as its own
/// (`answers`): then it is its error ([`answer_error`]: the body the transport read for it). A
/// check by reference: the answer is moved only when it is an error.
// Called by generated send()s only: none in a build without an API group.
#[allow(dead_code)]
#[inline]
fn undocumented(response: &Response, answers: &[u16]) -> bool {
    let status = response.status();
    !status.is_success() && !answers.contains(&status.as_u16())
}

/// A query parameter of a generated `send()` (`hashivault-codegen/src/requests.rs`:
/// `query_param_when_set`): added as progenitor's `QueryParam` adds it, and an optional one left
/// unset (`None`, which adds nothing) skipped without reqwest rewriting the URL for it.
// Called by generated send()s only: none in a build without an API group.
#[allow(dead_code)]
#[inline]
pub(crate) fn query_param<T: serde::Serialize>(
    builder: reqwest::RequestBuilder,
    name: &str,
    value: &T,
) -> reqwest::RequestBuilder {
    if value.serialize(IsNone).is_ok() {
        return builder;
    }
    builder.query(&progenitor_client::QueryParam::new(name, value))
}

/// A serializer that accepts `None` and refuses anything else: whether a value is `None`,
/// whatever its type.
struct IsNone;

/// What [`IsNone`] refuses: a value.
#[derive(Debug)]
struct Present;

impl std::fmt::Display for Present {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a value")
    }
}

impl std::error::Error for Present {}

impl serde::ser::Error for Present {
    fn custom<M: std::fmt::Display>(_: M) -> Self {
        Present
    }
}

macro_rules! present {
    ($($f:ident($($t:ty),*);)*) => {
        $(fn $f(self, $(_: $t),*) -> Result<(), Present> { Err(Present) })*
    };
}

impl serde::Serializer for IsNone {
    type Ok = ();
    type Error = Present;
    type SerializeSeq = serde::ser::Impossible<(), Present>;
    type SerializeTuple = serde::ser::Impossible<(), Present>;
    type SerializeTupleStruct = serde::ser::Impossible<(), Present>;
    type SerializeTupleVariant = serde::ser::Impossible<(), Present>;
    type SerializeMap = serde::ser::Impossible<(), Present>;
    type SerializeStruct = serde::ser::Impossible<(), Present>;
    type SerializeStructVariant = serde::ser::Impossible<(), Present>;

    fn serialize_none(self) -> Result<(), Present> {
        Ok(())
    }

    present! {
        serialize_bool(bool);
        serialize_i8(i8);
        serialize_i16(i16);
        serialize_i32(i32);
        serialize_i64(i64);
        serialize_u8(u8);
        serialize_u16(u16);
        serialize_u32(u32);
        serialize_u64(u64);
        serialize_f32(f32);
        serialize_f64(f64);
        serialize_char(char);
        serialize_str(&str);
        serialize_bytes(&[u8]);
        serialize_unit();
        serialize_unit_struct(&'static str);
        serialize_unit_variant(&'static str, u32, &'static str);
    }

    fn serialize_some<T: ?Sized + serde::Serialize>(self, _: &T) -> Result<(), Present> {
        Err(Present)
    }
    fn serialize_newtype_struct<T: ?Sized + serde::Serialize>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<(), Present> {
        Err(Present)
    }
    fn serialize_newtype_variant<T: ?Sized + serde::Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Present> {
        Err(Present)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Present> {
        Err(Present)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Present> {
        Err(Present)
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Present> {
        Err(Present)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Present> {
        Err(Present)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Present> {
        Err(Present)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Present> {
        Err(Present)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Present> {
        Err(Present)
    }
}

/// The error of a non-2xx answer [`Context::execute`] returned: the [`ApiError`] it parsed
/// (Vault's messages, method, path, operation), moved out of the response.
#[cold]
pub(crate) fn answer_error(mut response: Response) -> Error {
    match response.extensions_mut().remove::<ApiError>() {
        Some(api) => Error::Api(Box::new(api)),
        None => {
            let mut api =
                ApiError::from_body(response.status().as_u16(), "", response.url().path(), b"");
            api.url = without_query(response.url());
            Error::Api(Box::new(api))
        }
    }
}

/// A response with the given parts and a body already read (infallible, unlike a builder).
fn rebuild(
    status: StatusCode,
    version: http::Version,
    headers: reqwest::header::HeaderMap,
    url: url::Url,
    body: bytes::Bytes,
    error: Option<ApiError>,
) -> Response {
    let mut rebuilt = http::Response::builder()
        .url(url)
        .body(body)
        .expect("a response without parts to check");
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    if let Some(error) = error {
        rebuilt.extensions_mut().insert(error);
    }
    Response::from(rebuilt)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// OpenBao's index for `value` in `cluster`, as 2.7.2 sends it.
    fn openbao_index(cluster: &str, value: u64) -> HeaderValue {
        use base64::Engine as _;
        let json = format!(r#"{{"cluster":"{cluster}","value":"{value}"}}"#);
        HeaderValue::from_str(&base64::engine::general_purpose::STANDARD.encode(json)).unwrap()
    }

    #[test]
    fn the_newest_index_is_kept_when_writes_answer_out_of_order() {
        // Recorded from OpenBao 2.7.2 (a 3-node raft cluster, 2026-12-06): a write's index.
        let recorded = HeaderValue::from_static(
            "eyJjbHVzdGVyIjoiMzVjMWUwYmEtZGJiMC02ZDcxLTZiMDItM2Q0ZDI3N2E1YzlhIiwidmFsdWUiOiIzOSJ9",
        );
        assert_eq!(
            index_position(&recorded),
            Some(("35c1e0ba-dbb0-6d71-6b02-3d4d277a5c9a".to_string(), 39))
        );
        let cell = IndexCell::default();
        cell.set(recorded.clone());
        let cluster = "35c1e0ba-dbb0-6d71-6b02-3d4d277a5c9a";
        cell.set(openbao_index(cluster, 38));
        assert_eq!(
            cell.get(),
            Some(recorded.clone()),
            "an older index never wins"
        );
        cell.set(openbao_index(cluster, 40));
        assert_eq!(cell.get(), Some(openbao_index(cluster, 40)));
        // Not comparable: another cluster (a new cluster after a restore), Vault's encoding.
        cell.set(openbao_index("other", 1));
        assert_eq!(cell.get(), Some(openbao_index("other", 1)));
        let vault = HeaderValue::from_static("v1:AAAA");
        cell.set(vault.clone());
        assert_eq!(cell.get(), Some(vault.clone()));
        cell.set(openbao_index(cluster, 1));
        assert_eq!(cell.get(), Some(openbao_index(cluster, 1)));
    }

    #[test]
    fn an_unset_query_parameter_leaves_the_url_as_it_was() {
        let http = reqwest::Client::new();
        let url = |builder: reqwest::RequestBuilder| builder.build().unwrap().url().to_string();
        let base = "http://a:8200/v1/secret/data/x";
        let none: Option<i64> = None;
        assert_eq!(url(query_param(http.get(base), "version", &none)), base);
        assert_eq!(
            url(query_param(http.get(base), "version", &Some(3))),
            format!("{base}?version=3")
        );
        assert_eq!(
            url(query_param(http.get(base), "token", &"a b".to_string())),
            format!("{base}?token=a+b")
        );
        let listed = "http://a:8200/v1/secret/metadata/?list=true";
        assert_eq!(url(query_param(http.get(listed), "after", &none)), listed);
        // As progenitor's own `.query(..)` writes them.
        for value in [None, Some(7i64)] {
            let ours = url(query_param(http.get(base), "version", &value));
            let theirs = url(http
                .get(base)
                .query(&progenitor_client::QueryParam::new("version", &value)));
            assert_eq!(ours, theirs);
        }
    }

    #[test]
    fn tokens_with_control_characters_are_refused_without_echo() {
        let err = token_header(&SecretString::from("s.abc\n")).unwrap_err();
        assert!(err.is_invalid_input());
        assert!(!err.to_string().contains("s.abc"));
        assert!(token_header(&SecretString::from("")).is_err());
        let ok = token_header(&SecretString::from("hvs.CAES")).unwrap();
        assert!(ok.is_sensitive());
    }
}
