//! The one transport every request goes through, generated or handwritten.
//!
//! [`Context`] is the generated client's inner value (progenitor's `with_inner_type`); its
//! `impl ClientHooks` replaces progenitor's `exec` so that each request, before it leaves:
//! - gets `X-Vault-Token` (marked sensitive), `X-Vault-Namespace`, `X-Vault-Request: true` and
//!   `X-Vault-Wrap-TTL` when asked for;
//! - is sent as `LIST` instead of `GET ?list=true` when the client is configured so;
//! - is sent as `application/merge-patch+json` when it is a `PATCH`;
//!
//! and then is retried with backoff on Vault's transient answers, follows a standby's `307` to
//! the active node, and has the body of a non-2xx answer parsed into an [`ApiError`] (carried to
//! [`crate::Error`] through the response's extensions). Each request is one `tracing` span.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use backon::BackoffBuilder;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{HeaderName, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, LOCATION};
use reqwest::{Method, Request, Response, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use tracing::Instrument;

use crate::error::ApiError;

const X_VAULT_TOKEN: HeaderName = HeaderName::from_static("x-vault-token");
const X_VAULT_NAMESPACE: HeaderName = HeaderName::from_static("x-vault-namespace");
const X_VAULT_REQUEST: HeaderName = HeaderName::from_static("x-vault-request");
const X_VAULT_WRAP_TTL: HeaderName = HeaderName::from_static("x-vault-wrap-ttl");

/// How the client sends Vault's list operations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ListMethod {
    /// `GET …?list=true`, as Vault's document says; what proxies and service meshes accept.
    #[default]
    GetWithQuery,
    /// The non-standard `LIST` verb, for servers that only accept it (RustyVault).
    ListVerb,
}

/// When and how often a request is retried.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Retries after the first attempt (Vault's CLI default: 2).
    pub max_retries: usize,
    /// The first backoff delay.
    pub min_delay: Duration,
    /// The longest backoff delay.
    pub max_delay: Duration,
    /// Whether `POST` (not idempotent in general) is retried too.
    pub retry_post: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            min_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(5),
            retry_post: false,
        }
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
#[derive(Clone)]
pub struct Context {
    pub(crate) token: Arc<TokenCell>,
    pub(crate) namespace: Option<HeaderValue>,
    pub(crate) wrap_ttl: Option<HeaderValue>,
    pub(crate) retry: Arc<RetryPolicy>,
    pub(crate) list_method: ListMethod,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("token", &self.token.get().map(|_| "<redacted>"))
            .field("namespace", &self.namespace)
            .field("wrap_ttl", &self.wrap_ttl)
            .field("retry", &self.retry)
            .field("list_method", &self.list_method)
            .finish()
    }
}

impl ClientHooks<Context> for crate::api::Client {
    async fn exec(&self, request: Request, info: &OperationInfo) -> reqwest::Result<Response> {
        self.inner()
            .execute(self.client(), request, info.operation_id)
            .await
    }
}

const MAX_REDIRECTS: usize = 10;

impl Context {
    /// Sends `request` as described in the module docs.
    pub(crate) async fn execute(
        &self,
        http: &reqwest::Client,
        mut request: Request,
        operation: &str,
    ) -> reqwest::Result<Response> {
        self.prepare(&mut request);
        let span = tracing::debug_span!(
            "vault.request",
            operation,
            method = %request.method(),
            path = request.url().path(),
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        // Without a subscriber that wants the span, no clock is read and nothing is recorded.
        let traced = !span.is_disabled();
        async move {
            let started = traced.then(Instant::now);
            let method = request.method().clone();
            let (result, attempts) = self.send_with_retries(http, request, operation).await;
            if let Some(started) = started {
                let span = tracing::Span::current();
                span.record("attempts", attempts);
                span.record("duration_ms", started.elapsed().as_millis() as u64);
                if let Ok(response) = &result {
                    span.record("status", response.status().as_u16());
                }
            }
            let response = result?;
            tracing::debug!("vault answered");
            finish_response(response, &method).await
        }
        .instrument(span)
        .await
    }

    /// Adds the headers and rewrites the request as the module docs say.
    fn prepare(&self, request: &mut Request) {
        let headers = request.headers_mut();
        headers.insert(X_VAULT_REQUEST, HeaderValue::from_static("true"));
        if !headers.contains_key(X_VAULT_TOKEN) {
            if let Some(token) = self.token.header() {
                headers.insert(X_VAULT_TOKEN, token);
            }
        }
        if let Some(ns) = &self.namespace {
            headers.insert(X_VAULT_NAMESPACE, ns.clone());
        }
        if let Some(ttl) = &self.wrap_ttl {
            headers.insert(X_VAULT_WRAP_TTL, ttl.clone());
        }
        if request.method() == Method::PATCH {
            request.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("application/merge-patch+json"),
            );
        }
        if self.list_method == ListMethod::ListVerb && request.method() == Method::GET {
            let url = request.url_mut();
            let is_list = |(k, v): &(std::borrow::Cow<'_, str>, std::borrow::Cow<'_, str>)| {
                k == "list" && v == "true"
            };
            if url.query_pairs().any(|pair| is_list(&pair)) {
                let pairs: Vec<(String, String)> = url
                    .query_pairs()
                    .filter(|pair| !is_list(pair))
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                if pairs.is_empty() {
                    url.set_query(None);
                } else {
                    url.query_pairs_mut().clear().extend_pairs(pairs);
                }
                *request.method_mut() =
                    Method::from_bytes(b"LIST").expect("LIST is a valid method");
            }
        }
    }

    /// Sends `request`, following `307`/`308` from a standby node to the active one and
    /// retrying Vault's transient answers with backoff; returns the last result and the number
    /// of attempts (redirect hops are not attempts).
    ///
    /// Redirects keep the method, body and headers (token included), as Vault's Go client does;
    /// other redirects are not followed. Before each send a [`Resend`] is kept, the template of
    /// the next hop or retry (none can follow when the body cannot be copied); for a bodiless
    /// request it costs no allocation.
    async fn send_with_retries(
        &self,
        http: &reqwest::Client,
        mut request: Request,
        operation: &str,
    ) -> (reqwest::Result<Response>, u32) {
        let retryable_method = match *request.method() {
            Method::POST => self.retry.retry_post,
            Method::PATCH => false,
            _ => true,
        };
        // An operation that documents a transient status as an answer of its own (sys/health's
        // node states) is never retried on status: `codegen/operations.rs` derives it.
        let status_retry_allowed = crate::operation::retries_on_status(operation);
        // Built at the first retry: most requests never need it.
        let mut delays: Option<Box<backon::ExponentialBackoff>> = None;
        let mut attempts = 1u32;
        let mut redirects = 0usize;
        loop {
            let spare = Resend::keep(&request);
            let result = http.execute(request).await;
            let Some(next) = spare else {
                return (result, attempts);
            };
            if let Ok(response) = &result {
                if is_redirect(response.status()) {
                    if redirects == MAX_REDIRECTS {
                        return (result, attempts);
                    }
                    let Some(target) = redirect_target(response) else {
                        return (result, attempts);
                    };
                    tracing::debug!(to = %target.origin().ascii_serialization(), "following redirect to the active node");
                    redirects += 1;
                    request = next.into_request(target);
                    continue;
                }
            }
            let transient = match &result {
                Ok(response) => status_retry_allowed && is_transient_status(response.status()),
                Err(e) => e.is_connect() || e.is_timeout(),
            };
            if !(transient && retryable_method) {
                return (result, attempts);
            }
            let delays = delays.get_or_insert_with(|| {
                Box::new(
                    backon::ExponentialBuilder::default()
                        .with_min_delay(self.retry.min_delay)
                        .with_max_delay(self.retry.max_delay)
                        .with_max_times(self.retry.max_retries)
                        .with_jitter()
                        .build(),
                )
            });
            let Some(delay) = delays.next() else {
                return (result, attempts);
            };
            // The URL the request was sent to (reqwest keeps it on answers and errors).
            let sent_to = match &result {
                Ok(response) => Some(response.url().clone()),
                Err(e) => e.url().cloned(),
            };
            let Some(url) = sent_to else {
                return (result, attempts);
            };
            drop(result);
            tracing::debug!(
                attempt = attempts,
                delay_ms = delay.as_millis() as u64,
                "retrying"
            );
            // Boxed, as the error path: only retries build it.
            Box::pin(tokio::time::sleep(delay)).await;
            attempts += 1;
            request = next.into_request(url);
        }
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
}

fn is_redirect(status: StatusCode) -> bool {
    status == StatusCode::TEMPORARY_REDIRECT || status == StatusCode::PERMANENT_REDIRECT
}

/// Where a redirect points, resolved against the URL of the request that got it.
fn redirect_target(response: &Response) -> Option<url::Url> {
    let location = response.headers().get(LOCATION)?.to_str().ok()?;
    response.url().join(location).ok()
}

/// Vault's transient answers: 412 (eventual consistency), 429, 500, 502, 503, 504.
fn is_transient_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 412 | 429 | 500 | 502 | 503 | 504)
}

/// Presents an empty 2xx body as `{}` (so `204 No Content` decodes as an empty envelope) and
/// parses a non-2xx body into an [`ApiError`] kept in the response's extensions.
async fn finish_response(response: Response, method: &Method) -> reqwest::Result<Response> {
    let status = response.status();
    if status.is_success() {
        let empty = status == StatusCode::NO_CONTENT
            || response
                .headers()
                .get(CONTENT_LENGTH)
                .is_some_and(|len| len.as_bytes() == b"0");
        if !empty {
            return Ok(response);
        }
        let mut headers = response.headers().clone();
        headers.remove(CONTENT_LENGTH);
        return Ok(rebuild(
            status,
            response.version(),
            headers,
            bytes::Bytes::from_static(b"{}"),
            None,
        ));
    }
    // Boxed: the body-reading future is only built for errors, so the future of every call
    // stays small.
    Box::pin(with_api_error(response, method)).await
}

/// A non-2xx response with its body read and parsed into an [`ApiError`].
async fn with_api_error(response: Response, method: &Method) -> reqwest::Result<Response> {
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    // The path of the request that got this answer (after any redirect: the same path).
    let path = response.url().path().to_string();
    let body = response.bytes().await?;
    let error = ApiError::from_body(status.as_u16(), method.as_str(), &path, &body);
    Ok(rebuild(status, version, headers, body, Some(error)))
}

/// Decodes a 2xx answer of a generated operation (in place of progenitor's
/// `ResponseValue::from_response`, by `codegen/requests.rs`): the same errors, and the headers
/// are moved into the value instead of copied.
pub(crate) async fn decode_response<T: serde::de::DeserializeOwned, E>(
    mut response: Response,
) -> Result<progenitor_client::ResponseValue<T>, progenitor_client::Error<E>> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let body = response
        .bytes()
        .await
        .map_err(progenitor_client::Error::ResponseBodyError)?;
    let inner = serde_json::from_slice(&body)
        .map_err(|e| progenitor_client::Error::InvalidResponsePayload(body, e))?;
    Ok(progenitor_client::ResponseValue::new(
        inner, status, headers,
    ))
}

/// A response with the given parts and a body already read (infallible, unlike a builder).
fn rebuild(
    status: StatusCode,
    version: http::Version,
    headers: reqwest::header::HeaderMap,
    body: bytes::Bytes,
    error: Option<ApiError>,
) -> Response {
    let mut rebuilt = http::Response::new(body);
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
