//! [`Client`] and its [`ClientBuilder`]: configuration from code or the `VAULT_*` environment.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use progenitor_client::ClientInfo;
use reqwest::header::HeaderValue;
use reqwest::Method;
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::connect::{parse_address, ConnectConfig};
use crate::envelope::Envelope;
use crate::error::Error;
use crate::ratelimit::{Limiter, RateLimit};
use crate::redirect::RedirectPolicy;
use crate::tls::{IdentitySource, SecretBytes};
use crate::transport::{
    token_header, Context, ListMethod, NamespaceMode, Policy, RetryPolicy, Settings, TokenCell,
};

/// Vault's CLI default address.
pub const DEFAULT_ADDRESS: &str = "https://127.0.0.1:8200";

/// A Vault client: cheap to clone (clones share the connection pool and the token), `Send` and
/// `Sync`.
///
/// [`Client::api`] gives every generated operation; [`Client::kv2`], [`Client::kv1`] and
/// [`Client::auth`] the handwritten helpers. All go through one transport.
///
/// ```no_run
/// # async fn run() -> Result<(), hashivault::Error> {
/// let client = hashivault::Client::builder()
///     .address("https://vault.example.com:8200")
///     .token("hvs.example")
///     .namespace("team-a")
///     .build()?;
/// let health = client.sys_health().await?;
/// println!("sealed: {}", health.sealed);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    api: crate::api::Client,
    address: Arc<str>,
    /// The server's `/v1` URL; the generated client's base URL is this, or this and the
    /// namespace with [`NamespaceMode::Path`].
    v1: Arc<str>,
    /// `X-Vault-MFA` values the handwritten requests of this clone carry (`WithMfa`'s login).
    mfa: Option<Arc<[HeaderValue]>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("address", &self.address)
            .field("context", self.api.inner())
            .finish()
    }
}

impl Client {
    /// A builder with Vault's defaults.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the variables Vault's and OpenBao's CLIs read (`VAULT_ADDR` or
    /// `BAO_ADDR`, `VAULT_TOKEN` or `BAO_TOKEN`, …): the table is at
    /// [`ClientBuilder::from_env`].
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::from_env()?.build()
    }

    /// The generated API: one builder method per Vault operation of the enabled features. The
    /// generated client is a clone sharing this client's connections, token and settings (a few
    /// reference counts), and every builder it makes owns one too: both are `'static` and
    /// `Send`, to keep in a struct or move into `tokio::spawn`.
    ///
    /// ```no_run
    /// # async fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
    /// let read = client.api().kv_v2_read().kv_v2_mount_path("secret").path("app/config");
    /// let secret = tokio::spawn(read.send()).await.expect("the task ran")?.into_data()?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn api(&self) -> crate::api::Client {
        self.api.clone()
    }

    /// The generated client's base URL, borrowed ([`Client::api`] is an owned clone).
    pub(crate) fn base_url(&self) -> &crate::path::BaseUrl {
        &self.api.baseurl
    }

    /// The address requests go to (without `/v1`).
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Whether a token is set (it may still be expired; see
    /// [`AuthApi::lookup_self`](crate::auth::AuthApi::lookup_self)).
    pub fn has_token(&self) -> bool {
        self.api.inner().settings.token.get().is_some()
    }

    /// The current token, for handing to another process. Keep it secret.
    pub fn token(&self) -> Option<SecretString> {
        self.api.inner().settings.token.get().map(|t| t.secret)
    }

    /// Replaces the token used by this client and all its clones.
    pub fn set_token(&self, token: impl Into<SecretString>) -> Result<(), Error> {
        self.api.inner().settings.token.set(token.into())
    }

    /// Forgets the token (this client and its clones).
    pub fn clear_token(&self) {
        self.api.inner().settings.token.clear()
    }

    /// What this client adds to every request (token, namespace, wrap TTL, retries).
    pub fn context(&self) -> &Context {
        self.api.inner()
    }

    pub(crate) fn with_context(&self, f: impl FnOnce(&mut Settings)) -> Client {
        let context = self.api.inner().edited(f);
        let base = api_base(&self.v1, &context);
        Client {
            api: crate::api::Client::new_with_client(&base, self.api.client.clone(), context),
            address: self.address.clone(),
            v1: self.v1.clone(),
            mfa: self.mfa.clone(),
        }
    }

    /// A clone whose handwritten requests carry one `X-Vault-MFA` header per value
    /// (single-phase login MFA, [`crate::auth::WithMfa`]).
    pub(crate) fn with_mfa_headers(&self, values: Vec<HeaderValue>) -> Client {
        Client {
            mfa: Some(values.into()),
            ..self.clone()
        }
    }

    /// A client for another namespace, sharing the pool and token; sent as this client sends
    /// its namespace ([`NamespaceMode`]: `X-Vault-Namespace` by default).
    pub fn with_namespace(&self, namespace: &str) -> Result<Client, Error> {
        let header = namespace_header(namespace)?;
        Ok(self.with_context(|c| c.namespace = header))
    }

    /// A client that sends its namespace as `mode` says: with [`NamespaceMode::Path`], as the
    /// first segments of every request's path (`/v1/team/a/secret/data/x`) instead of the
    /// `X-Vault-Namespace` header. Sharing the pool and token.
    ///
    /// ```no_run
    /// # async fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
    /// use hashivault::NamespaceMode;
    /// let team = client.with_namespace("team/a")?.with_namespace_mode(NamespaceMode::Path);
    /// // GET /v1/team/a/secret/data/app/config, no X-Vault-Namespace header
    /// let secret = team.kv2("secret").read_json("app/config").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_namespace_mode(&self, mode: NamespaceMode) -> Client {
        self.with_context(|c| c.namespace_mode = mode)
    }

    /// A client that uses another token for its calls, sharing the pool; a login through it
    /// changes its own token only.
    pub fn with_token(&self, token: impl Into<SecretString>) -> Result<Client, Error> {
        let cell = Arc::new(TokenCell::new(Some(token.into()))?);
        Ok(self.with_context(|c| c.token = cell))
    }

    /// A client whose answers come response-wrapped (`X-Vault-Wrap-TTL`), for example `"5m"`;
    /// read the wrapped answer with [`Client::unwrap`].
    pub fn with_wrap_ttl(&self, ttl: &str) -> Result<Client, Error> {
        let header = wrap_ttl_header(ttl)?;
        Ok(self.with_context(|c| c.wrap_ttl = Some(header)))
    }

    /// Sends any request through the shared transport: for endpoints the spec lacks (custom
    /// plugins) and for the handwritten helpers. `path` is relative to `/v1/` and cannot leave it.
    ///
    /// `path` is sent as written, after one check (the one every path entering the client gets):
    /// leading slashes are dropped (a trailing one is kept); a `%XX` escape is kept; any other byte that is not
    /// allowed in a URL path (space, `?`, `#`, non-ASCII) is escaped, so `?` and `#` are part of
    /// the path, never a query or fragment; and a path that is empty, or has a `.` or `..`
    /// segment (also written `%2e`), an empty segment (`a//b`, also `%2F%2F`) or a control
    /// character (also `%0A`) is refused with [`Error::is_invalid_input`] before any request.
    ///
    /// ```no_run
    /// # async fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
    /// use hashivault::reqwest::Method;
    /// let answer: hashivault::Envelope = client
    ///     .request(Method::GET, "sys/mounts", None::<&()>)
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn request<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<Envelope<T>, Error> {
        self.request_json(method, path, &[], body, "request").await
    }

    /// Like [`Client::request`], with query parameters and an operation name for errors.
    pub(crate) async fn request_json<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&B>,
        operation: &str,
    ) -> Result<T, Error> {
        let response = self.send(method, path, query, body, operation).await?;
        crate::transport::decode_answer(response, operation).await
    }

    /// Sends a request and returns the 2xx response, or the mapped error.
    pub(crate) async fn send<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&B>,
        operation: &str,
    ) -> Result<reqwest::Response, Error> {
        let response = self
            .send_raw(method, path, query, body, None, operation)
            .await?;
        success_or_error(response)
    }

    /// Sends a bodiless request with one extra header; 2xx or the mapped error.
    pub(crate) async fn send_with_header(
        &self,
        method: Method,
        path: &str,
        name: reqwest::header::HeaderName,
        value: HeaderValue,
        operation: &str,
    ) -> Result<reqwest::Response, Error> {
        let response = self
            .send_raw(
                method,
                path,
                &[],
                None::<&()>,
                Some((name, value)),
                operation,
            )
            .await?;
        success_or_error(response)
    }

    /// Sends a request to `path` as sent (checked by [`crate::path::as_sent_url`]).
    async fn send_raw<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&B>,
        header: Option<(reqwest::header::HeaderName, HeaderValue)>,
        operation: &str,
    ) -> Result<reqwest::Response, Error> {
        let url = crate::path::as_sent_url(&self.api.baseurl, path, "request path")?;
        // A raw request documents no answers of its own: every transient status is retried.
        let operation = crate::transport::Op {
            name: operation,
            answers: &[],
        };
        self.send_to(method, url, query, body, header, operation)
            .await
    }

    /// Sends a request to a URL already checked, through the transport; any status.
    pub(crate) async fn send_to<B: Serialize + ?Sized>(
        &self,
        method: Method,
        url: url::Url,
        query: &[(&str, String)],
        body: Option<&B>,
        header: Option<(reqwest::header::HeaderName, HeaderValue)>,
        operation: crate::transport::Op<'_>,
    ) -> Result<reqwest::Response, Error> {
        let mut builder = self.api.client.request(method, url);
        if let Some((name, value)) = header {
            builder = builder.header(name, value);
        }
        for value in self.mfa.iter().flat_map(|values| values.iter()) {
            builder = builder.header(crate::auth::MFA_HEADER, value.clone());
        }
        if !query.is_empty() {
            builder = builder.query(query);
        }
        if let Some(body) = body {
            builder = builder.json(body);
        }
        let request = builder.build().map_err(|e| {
            Error::invalid(format!(
                "cannot build the request for {}: {e}",
                operation.name
            ))
        })?;
        self.api
            .inner
            .execute(&self.api.client, request, operation)
            .await
    }
}

impl Context {
    /// The namespace, if any (sent as [`Context::namespace_mode`] says).
    pub fn namespace(&self) -> Option<&str> {
        self.settings
            .namespace
            .as_ref()
            .and_then(|ns| ns.to_str().ok())
    }

    /// How the namespace is sent: as `X-Vault-Namespace` or as a path prefix.
    pub fn namespace_mode(&self) -> NamespaceMode {
        self.settings.namespace_mode
    }

    /// The `after`/`limit` of every list request (see [`Client::with_list_page`]), if any.
    pub fn list_page(&self) -> Option<&crate::ListPage> {
        self.settings.list_page.as_ref()
    }

    /// Whether requests log in inline ([`Client::with_inline_auth`]) instead of sending a
    /// token.
    pub fn has_inline_auth(&self) -> bool {
        self.settings.inline_auth.is_some()
    }

    /// The TTL sent as `X-Vault-Wrap-TTL` (see [`Client::with_wrap_ttl`]), if any.
    pub fn wrap_ttl(&self) -> Option<&str> {
        self.settings
            .wrap_ttl
            .as_ref()
            .and_then(|ttl| ttl.to_str().ok())
    }

    /// Whether a token is set (shared by the client and its clones).
    pub fn has_token(&self) -> bool {
        self.settings.token.get().is_some()
    }

    /// When requests are retried.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.settings.retry
    }

    /// How list operations are sent.
    pub fn list_method(&self) -> ListMethod {
        self.settings.list_method
    }
}

/// The 2xx response, or the error the transport parsed from a non-2xx one.
pub(crate) fn success_or_error(response: reqwest::Response) -> Result<reqwest::Response, Error> {
    if response.status().is_success() {
        Ok(response)
    } else {
        Err(crate::transport::answer_error(response))
    }
}

/// The `X-Vault-Wrap-TTL` value for `ttl` (`"5m"`, `"300"`), checked.
pub(crate) fn wrap_ttl_header(ttl: &str) -> Result<HeaderValue, Error> {
    let ttl = ttl.trim();
    HeaderValue::from_str(ttl)
        .ok()
        .filter(|_| !ttl.is_empty() && crate::VaultDuration::from(ttl).as_secs().is_some())
        .ok_or_else(|| Error::invalid("the wrap TTL must be a duration such as \"5m\""))
}

/// The generated client's base URL: `v1`, then the namespace with [`NamespaceMode::Path`].
fn api_base(v1: &str, context: &Context) -> String {
    let prefix = match (&context.settings.namespace, context.settings.namespace_mode) {
        (Some(ns), NamespaceMode::Path) => ns
            .to_str()
            .ok()
            .and_then(|ns| crate::path::namespace_prefix(ns).ok().flatten()),
        _ => None,
    };
    match prefix {
        Some(prefix) => format!("{v1}/{prefix}"),
        None => v1.to_string(),
    }
}

/// The `X-Vault-Namespace` value: checked by [`crate::path::namespace`].
pub(crate) fn namespace_header(namespace: &str) -> Result<Option<HeaderValue>, Error> {
    let Some(ns) = crate::path::namespace(namespace)? else {
        return Ok(None);
    };
    HeaderValue::from_str(ns)
        .map(Some)
        .map_err(|_| Error::invalid("the namespace is not a valid header value (non-ASCII?)"))
}

/// How a [`Client`] is configured. Every setting has Vault's default.
///
/// ```no_run
/// # fn run() -> Result<(), hashivault::Error> {
/// let client = hashivault::Client::builder()
///     .address("https://vault.internal:8200")
///     .ca_cert_file("/etc/vault/ca.pem")
///     .timeout(std::time::Duration::from_secs(10))
///     .max_retries(4)
///     .build()?;
/// # Ok(())
/// # }
/// ```
#[derive(Default)]
pub struct ClientBuilder {
    address: Option<String>,
    token: Option<SecretString>,
    namespace: Option<String>,
    namespace_mode: NamespaceMode,
    wrap_ttl: Option<String>,
    connect: ConnectConfig,
    http_client: Option<reqwest::Client>,
    retry: RetryPolicy,
    list_method: ListMethod,
    redirects: RedirectPolicy,
    deadline: Option<Duration>,
    max_response_size: Option<usize>,
    rate_limit: Option<RateLimit>,
    /// `None`: on (the default).
    read_your_writes: Option<bool>,
    interceptors: Vec<Arc<dyn crate::intercept::Interceptor>>,
    /// The first setting refused when it was set, returned by [`ClientBuilder::build`].
    refused: Option<Error>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("address", &self.address)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("namespace", &self.namespace)
            .field("namespace_mode", &self.namespace_mode)
            .field("wrap_ttl", &self.wrap_ttl)
            .field("connect", &self.connect)
            .field("retry", &self.retry)
            .field("list_method", &self.list_method)
            .field("redirects", &self.redirects)
            .field("deadline", &self.deadline)
            .field("max_response_size", &self.max_response_size)
            .field("rate_limit", &self.rate_limit)
            .field("read_your_writes", &self.read_your_writes.unwrap_or(true))
            .field("interceptors", &self.interceptors.len())
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Vault's address, e.g. `https://vault.example.com:8200`, or `unix:///path/agent.sock` for
    /// a Vault Agent or Proxy listening on a unix socket.
    pub fn address(mut self, address: impl Into<String>) -> Self {
        self.address = Some(address.into());
        self
    }

    /// The token sent as `X-Vault-Token`. A token that cannot be sent as a header value (empty,
    /// whitespace or a control character: a trailing newline from a file) is refused here, and
    /// [`ClientBuilder::build`] returns that error, naming the setting, never the value.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        let token = SecretString::from(token.into());
        if let Err(e) = token_header(&token) {
            self.refuse("token", e);
        }
        self.token = Some(token);
        self
    }

    /// The namespace sent as `X-Vault-Namespace` (Vault Enterprise, OpenBao). One that is not a
    /// valid namespace path or header value is refused here, as [`ClientBuilder::token`] is.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        let namespace = namespace.into();
        if let Err(e) = namespace_header(&namespace) {
            self.refuse("namespace", e);
        }
        self.namespace = Some(namespace);
        self
    }

    /// How the namespace is sent (default [`NamespaceMode::Header`]: `X-Vault-Namespace`);
    /// [`NamespaceMode::Path`] puts it before every request's path instead.
    pub fn namespace_mode(mut self, mode: NamespaceMode) -> Self {
        self.namespace_mode = mode;
        self
    }

    /// Keeps the first refused setting for [`ClientBuilder::build`], naming it.
    fn refuse(&mut self, setting: &str, error: Error) {
        if self.refused.is_none() {
            let reason = match error {
                Error::InvalidInput(reason) | Error::Config(reason) => reason,
                other => other.to_string(),
            };
            self.refused = Some(Error::InvalidInput(format!(
                "ClientBuilder::{setting}: {reason}"
            )));
        }
    }

    /// Response-wraps every answer of the client for this long (`X-Vault-Wrap-TTL`, for example
    /// `"5m"`), as `VAULT_WRAP_TTL` does for the CLI. Per client instead:
    /// [`Client::with_wrap_ttl`].
    pub fn wrap_ttl(mut self, ttl: impl Into<String>) -> Self {
        self.wrap_ttl = Some(ttl.into());
        self
    }

    /// The timeout of each attempt (default 60 s; Vault's CLI `VAULT_CLIENT_TIMEOUT`): from
    /// sending the request to the last byte of the answer. Each retry and redirect hop gets a
    /// fresh one, so a call can take longer; bound the whole call with
    /// [`ClientBuilder::deadline`]. When it fires, the error is a transport error with
    /// [`Error::is_timeout`] true (naming `VAULT_CLIENT_TIMEOUT`).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.connect.timeout = Some(timeout);
        self
    }

    /// The longest a whole call may take: every attempt, redirect hop, backoff delay,
    /// `Retry-After` wait and rate-limit wait included (default: none). An attempt is given the
    /// smaller of its [timeout](ClientBuilder::timeout) and the time left; a retry that could
    /// not start before the deadline is not made (the last answer is returned), and a
    /// `Retry-After` or rate-limit wait past it fails at once. When the deadline fires the error
    /// is [`Error::Deadline`] ([`Error::is_deadline`] and [`Error::is_timeout`] true), saying
    /// which wait or attempt it cut; the answer's body is read within the attempt's time too.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Which `307`/`308` redirects are followed (default: the same origin, and other origins
    /// over `https`; see [`RedirectPolicy`]). `VAULT_DISABLE_REDIRECTS=true` sets
    /// [`RedirectPolicy::none`].
    pub fn redirects(mut self, policy: RedirectPolicy) -> Self {
        self.redirects = policy;
        self
    }

    /// The largest answer body read, in bytes (default 32 MiB,
    /// [`DEFAULT_MAX_RESPONSE_SIZE`](crate::DEFAULT_MAX_RESPONSE_SIZE)). A larger answer is
    /// [`Error::TooLarge`]: refused from its `Content-Length`, or cut off when it passes the
    /// limit (a body without an end never fills memory).
    pub fn max_response_size(mut self, bytes: usize) -> Self {
        self.max_response_size = Some(bytes);
        self
    }

    /// Reads see this client's own writes on a cluster whose standbys serve reads (**on** by
    /// default; `false` turns it off).
    ///
    /// The newest `X-Vault-Index` the writes of this client and its clones got back is sent with
    /// every later request, with `X-Vault-Inconsistent: forward-active-node`: a standby that has
    /// not applied the write yet forwards the request to the active node (OpenBao 2.7+,
    /// measured on a 2.7.2 raft cluster; Vault Enterprise). A server that answers `429` +
    /// `Retry-After` or `412` instead is asked again after the wait, within the retries and the
    /// deadline. A server that sends no index costs nothing: no header is added. OpenBao 2.5 and
    /// 2.6 serve standby reads but send no index, so no client can read its writes there:
    /// configure `disable_standby_reads = true` on those servers (`docs/compatibility.md`).
    pub fn read_your_writes(mut self, on: bool) -> Self {
        self.read_your_writes = Some(on);
        self
    }

    /// A client-side rate limit shared by the client and its clones (Vault's CLI
    /// `VAULT_RATE_LIMIT`): every attempt waits for a free slot, within the deadline.
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// No whole-request timeout (the connect timeout stays). For callers that bound every call
    /// themselves (`tokio::time::timeout`, a deadline per job): it saves the timer reqwest sets
    /// per request, measurable at tens of thousands of requests per second. Without either, a
    /// stuck server hangs the call.
    pub fn without_timeout(mut self) -> Self {
        self.connect.no_timeout = true;
        self
    }

    /// Trusts the CA certificates in this PEM file, beside the system's.
    pub fn ca_cert_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.connect.tls.ca_files.push(path.into());
        self
    }

    /// Trusts every PEM certificate file in this directory (`VAULT_CAPATH`).
    pub fn ca_cert_dir(mut self, path: impl Into<PathBuf>) -> Self {
        self.connect.tls.ca_dir = Some(path.into());
        self
    }

    /// Trusts the CA certificates in these PEM bytes.
    pub fn ca_cert_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.connect.tls.ca_pems.push(pem.into());
        self
    }

    /// A client certificate and key (PEM files), for TLS certificate auth.
    pub fn client_cert_files(mut self, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        self.connect.tls.identity = Some(IdentitySource::Files {
            cert: cert.into(),
            key: key.into(),
        });
        self
    }

    /// A client certificate and key as PEM bytes (both in one buffer).
    pub fn client_identity_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.connect.tls.identity = Some(IdentitySource::Pem(SecretBytes(pem.into())));
        self
    }

    /// Skips TLS verification. Off by default; a warning is logged on every build with it on.
    pub fn danger_skip_verify(mut self, skip: bool) -> Self {
        self.connect.tls.skip_verify = skip;
        self
    }

    /// The name to expect in the server's certificate (and to send as SNI), when it differs from
    /// the address's host: the client still connects to the address's host, looked up on every
    /// new connection. Only for `https://` addresses. Requests carry the name as their `Host`,
    /// and a proxy is asked for the name, as with Vault's CLI.
    pub fn tls_server_name(mut self, name: impl Into<String>) -> Self {
        self.connect.tls.server_name = Some(name.into());
        self
    }

    /// A proxy for all requests (`VAULT_HTTP_PROXY`). Without one, reqwest's system proxy
    /// settings (`HTTPS_PROXY`, `NO_PROXY`) apply.
    pub fn proxy(mut self, proxy: reqwest::Proxy) -> Self {
        self.connect.proxy = Some(proxy);
        self
    }

    /// Uses this `reqwest::Client` as is (its TLS, proxy, timeout and pool settings); the TLS,
    /// proxy and timeout settings of this builder are then ignored. Call
    /// [`install_crypto_provider`](crate::install_crypto_provider) before building it. Keep redirects off
    /// (`redirect(Policy::none())`): hashivault follows Vault's `307`s itself. Turning reqwest's
    /// own retry off too (`retry(reqwest::retry::never().max_retries_per_request(0))`, as the
    /// client hashivault builds does) saves a copy of every request: hashivault's retries
    /// include the HTTP/2 refusals reqwest's retries.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Retries after a transient failure (default 2).
    pub fn max_retries(mut self, retries: usize) -> Self {
        self.retry = std::mem::take(&mut self.retry).with_max_retries(retries);
        self
    }

    /// The whole retry policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Sends list operations with the `LIST` verb instead of `GET ?list=true`.
    pub fn list_method(mut self, method: ListMethod) -> Self {
        self.list_method = method;
        self
    }

    /// The `User-Agent` header (default `hashivault/<version>`).
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.connect.user_agent = Some(agent.into());
        self
    }

    /// Adds an [`Interceptor`](crate::intercept::Interceptor): hooks that see every request
    /// the client (and its clones) sends, each retry and redirect hop, with the operation's
    /// name; its `before_send` may add headers. Interceptors run in the order added.
    ///
    /// ```no_run
    /// # fn run() -> Result<(), hashivault::Error> {
    /// use hashivault::intercept::{Answer, Interceptor};
    /// struct Audit;
    /// impl Interceptor for Audit {
    ///     fn after_answer(&self, a: &Answer<'_>) {
    ///         eprintln!("audit: {} attempt {} -> {}", a.operation(), a.attempt(), a.outcome().label());
    ///     }
    /// }
    /// let client = hashivault::Client::builder().interceptor(Audit).build()?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn interceptor(mut self, interceptor: impl crate::intercept::Interceptor) -> Self {
        self.interceptors.push(Arc::new(interceptor));
        self
    }

    /// The interceptors of the client: the user's, in order, then (feature `metrics`) the
    /// one recording [`crate::metrics`].
    fn interceptors(&self) -> Vec<Arc<dyn crate::intercept::Interceptor>> {
        #[allow(unused_mut)]
        let mut list = self.interceptors.clone();
        #[cfg(feature = "metrics")]
        list.push(Arc::new(crate::metrics::RequestMetrics));
        list
    }

    /// Builds the client. Fails on an unreadable CA or key file, a bad address or token.
    pub fn build(mut self) -> Result<Client, Error> {
        if let Some(refused) = self.refused.take() {
            return Err(refused);
        }
        let address = self
            .address
            .clone()
            .unwrap_or_else(|| DEFAULT_ADDRESS.to_string());
        let (base, unix_socket) = parse_address(&address)?;
        let token = Arc::new(TokenCell::new(self.token.clone())?);
        if let Some(token) = &self.token {
            token_header(token)?;
        }
        let namespace = match &self.namespace {
            Some(ns) => namespace_header(ns)?,
            None => None,
        };
        let (http, base) = match self.http_client.clone() {
            Some(client) => (client, base),
            None => self.connect.http_client(base, unix_socket.as_deref())?,
        };
        let wrap_ttl = match &self.wrap_ttl {
            Some(ttl) => Some(wrap_ttl_header(ttl)?),
            None => None,
        };
        let limiter = match self.rate_limit {
            Some(limit) => Some(
                Limiter::new(limit)
                    .map_err(|e| Error::Config(format!("invalid rate limit: {e}")))?,
            ),
            None => None,
        };
        let attempt_timeout = match (&self.http_client, self.connect.no_timeout) {
            (None, false) => Some(
                self.connect
                    .timeout
                    .unwrap_or(crate::connect::DEFAULT_TIMEOUT),
            ),
            _ => None,
        };
        let context = Context::new(Settings {
            token,
            namespace,
            wrap_ttl,
            retry: self.retry.clone(),
            list_method: self.list_method,
            namespace_mode: self.namespace_mode,
            list_page: None,
            inline_auth: None,
            policy: Arc::new(Policy {
                redirects: self.redirects.clone(),
                attempt_timeout,
                deadline: self.deadline,
                max_response_size: self
                    .max_response_size
                    .unwrap_or(crate::DEFAULT_MAX_RESPONSE_SIZE),
                limiter,
                read_your_writes: self
                    .read_your_writes
                    .unwrap_or(true)
                    .then(crate::transport::IndexCell::default),
                overload_budget: crate::transport::Budget::new(&self.retry.overload_budget()),
            }),
            interceptors: crate::intercept::Interceptors::new(self.interceptors()),
        });
        let v1 = format!("{}/v1", base.trim_end_matches('/'));
        let baseurl = api_base(&v1, &context);
        Ok(Client {
            api: crate::api::Client::new_with_client(&baseurl, http, context),
            address: Arc::from(address.as_str()),
            v1: Arc::from(v1.as_str()),
            mfa: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What hashivault relies on of the generated client (progenitor's `ClientInfo` trait and
    /// `new_with_client`), so a progenitor upgrade that changes it fails here rather than
    /// silently.
    #[test]
    fn the_generated_client_is_used_through_its_public_traits() {
        fn hooks<T: ClientInfo<Context> + Clone + Send + Sync + 'static>() {}
        hooks::<crate::api::Client>();
        let new: fn(&str, reqwest::Client, Context) -> crate::api::Client =
            crate::api::Client::new_with_client;
        let _ = new;
        let client = Client::builder()
            .address("http://127.0.0.1:8200/")
            .token("t")
            .namespace("team")
            .build()
            .unwrap();
        assert_eq!(client.api().baseurl(), "http://127.0.0.1:8200/v1");
        assert_eq!(client.context().namespace(), Some("team"));
        assert!(client.api().inner().has_token());
        let other = client.with_namespace("other").unwrap();
        assert_eq!(other.api().baseurl(), "http://127.0.0.1:8200/v1");
        assert_eq!(other.context().namespace(), Some("other"));
        assert_eq!(client.context().namespace(), Some("team"));
        let wrapped = other.with_wrap_ttl("5m").unwrap();
        assert_eq!(wrapped.context().wrap_ttl(), Some("5m"));
        assert_eq!(wrapped.context().retry_policy().max_retries(), 2);
        assert_eq!(wrapped.context().list_method(), ListMethod::GetWithQuery);
        other.clear_token();
        assert!(!client.context().has_token(), "clones share the token");
    }

    #[test]
    fn a_namespace_in_the_path_is_the_base_url() {
        let client = Client::builder()
            .address("http://127.0.0.1:8200")
            .namespace("/team a/b/")
            .namespace_mode(NamespaceMode::Path)
            .build()
            .unwrap();
        assert_eq!(
            client.api().baseurl(),
            "http://127.0.0.1:8200/v1/team%20a/b"
        );
        assert_eq!(client.context().namespace(), Some("team a/b"));
        let other = client.with_namespace("c").unwrap();
        assert_eq!(other.api().baseurl(), "http://127.0.0.1:8200/v1/c");
        let header = other.with_namespace_mode(NamespaceMode::Header);
        assert_eq!(header.api().baseurl(), "http://127.0.0.1:8200/v1");
        assert_eq!(header.context().namespace(), Some("c"));
        let root = other.with_namespace("").unwrap();
        assert_eq!(root.api().baseurl(), "http://127.0.0.1:8200/v1");
    }

    #[test]
    fn namespaces_are_checked() {
        assert_eq!(namespace_header("/team/a/").unwrap().unwrap(), "team/a");
        assert!(namespace_header("").unwrap().is_none());
        assert!(namespace_header("a/../b").is_err());
        assert!(namespace_header("a\nb").is_err());
    }
}
