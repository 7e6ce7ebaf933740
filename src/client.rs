//! [`Client`] and its [`ClientBuilder`]: configuration from code or the `VAULT_*` environment.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;
use reqwest::Method;
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::envelope::Envelope;
use crate::error::Error;
use crate::ratelimit::{Limiter, RateLimit};
use crate::redirect::RedirectPolicy;
use crate::transport::{token_header, Context, ListMethod, Policy, RetryPolicy, TokenCell};

/// Vault's CLI default address.
pub const DEFAULT_ADDRESS: &str = "https://127.0.0.1:8200";

/// The default per-attempt timeout (Vault's CLI: 60 s).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

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
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("address", &self.address)
            .field("context", &self.api.inner)
            .finish()
    }
}

impl Client {
    /// A builder with Vault's defaults.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the variables Vault's CLI reads: `VAULT_ADDR` (or
    /// `VAULT_AGENT_ADDR`), `VAULT_TOKEN` (else `~/.vault-token`), `VAULT_NAMESPACE`,
    /// `VAULT_CACERT`, `VAULT_CAPATH`, `VAULT_CLIENT_CERT`, `VAULT_CLIENT_KEY`,
    /// `VAULT_SKIP_VERIFY`, `VAULT_TLS_SERVER_NAME`, `VAULT_CLIENT_TIMEOUT`, `VAULT_MAX_RETRIES`,
    /// `VAULT_DISABLE_REDIRECTS`, `VAULT_RATE_LIMIT`.
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::from_env()?.build()
    }

    /// The generated API: one builder method per Vault operation of the enabled features.
    pub fn api(&self) -> &crate::api::Client {
        &self.api
    }

    /// The address requests go to (without `/v1`).
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Whether a token is set (it may still be expired; see
    /// [`AuthApi::lookup_self`](crate::auth::AuthApi::lookup_self)).
    pub fn has_token(&self) -> bool {
        self.api.inner.token.get().is_some()
    }

    /// The current token, for handing to another process. Keep it secret.
    pub fn token(&self) -> Option<SecretString> {
        self.api.inner.token.get().map(|t| t.secret)
    }

    /// Replaces the token used by this client and all its clones.
    pub fn set_token(&self, token: impl Into<SecretString>) -> Result<(), Error> {
        self.api.inner.token.set(token.into())
    }

    /// Forgets the token (this client and its clones).
    pub fn clear_token(&self) {
        self.api.inner.token.clear()
    }

    fn with_context(&self, f: impl FnOnce(&mut Context)) -> Client {
        let mut context = self.api.inner.clone();
        f(&mut context);
        Client {
            api: crate::api::Client::new_with_client(
                &self.api.baseurl,
                self.api.client.clone(),
                context,
            ),
            address: self.address.clone(),
        }
    }

    /// A client for another namespace (`X-Vault-Namespace`), sharing the pool and token.
    pub fn with_namespace(&self, namespace: &str) -> Result<Client, Error> {
        let header = namespace_header(namespace)?;
        Ok(self.with_context(|c| c.namespace = header))
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
        let ttl = ttl.trim();
        let header = HeaderValue::from_str(ttl)
            .ok()
            .filter(|_| !ttl.is_empty())
            .ok_or_else(|| Error::invalid("the wrap TTL must be a duration such as \"5m\""))?;
        Ok(self.with_context(|c| c.wrap_ttl = Some(header)))
    }

    /// Sends any request through the shared transport: for endpoints the spec lacks (custom
    /// plugins) and for the handwritten helpers. `path` is relative to `/v1/`.
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
        let mut response = self.send(method, path, query, body, operation).await?;
        let bytes = crate::transport::read_body(&mut response)
            .await
            .map_err(|e| crate::transport::body_error(e, &response, operation))?;
        crate::transport::decode_json(
            &bytes,
            response.status().as_u16(),
            response.url(),
            operation,
        )
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

    /// Sends a bodiless request and returns the response whatever its status.
    pub(crate) async fn send_any_status(
        &self,
        method: Method,
        path: &str,
        operation: &str,
    ) -> Result<reqwest::Response, Error> {
        self.send_raw(method, path, &[], None::<&()>, None, operation)
            .await
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

    async fn send_raw<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&B>,
        header: Option<(reqwest::header::HeaderName, HeaderValue)>,
        operation: &str,
    ) -> Result<reqwest::Response, Error> {
        let url = format!("{}/{}", self.api.baseurl, path.trim_start_matches('/'));
        let mut builder = self.api.client.request(method, url);
        if let Some((name, value)) = header {
            builder = builder.header(name, value);
        }
        if !query.is_empty() {
            builder = builder.query(query);
        }
        if let Some(body) = body {
            builder = builder.json(body);
        }
        let request = builder.build().map_err(|e| {
            Error::invalid(format!("cannot build the request for {operation}: {e}"))
        })?;
        self.api
            .inner
            .execute(&self.api.client, request, operation)
            .await
    }
}

/// The 2xx response, or the error the transport parsed from a non-2xx one.
fn success_or_error(response: reqwest::Response) -> Result<reqwest::Response, Error> {
    if response.status().is_success() {
        Ok(response)
    } else {
        Err(Error::from(
            progenitor_client::Error::<()>::UnexpectedResponse(response),
        ))
    }
}

fn namespace_header(namespace: &str) -> Result<Option<HeaderValue>, Error> {
    let ns = namespace.trim().trim_matches('/');
    if ns.is_empty() {
        return Ok(None);
    }
    if ns.chars().any(|c| c.is_control()) || ns.split('/').any(|s| s.is_empty() || s == "..") {
        return Err(Error::invalid(format!("invalid namespace {ns:?}")));
    }
    HeaderValue::from_str(ns)
        .map(Some)
        .map_err(|_| Error::invalid(format!("invalid namespace {ns:?}")))
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
    timeout: Option<Duration>,
    no_timeout: bool,
    ca_pems: Vec<Vec<u8>>,
    ca_files: Vec<PathBuf>,
    ca_dir: Option<PathBuf>,
    client_cert: Option<(PathBuf, PathBuf)>,
    client_identity_pem: Option<SecretVec>,
    skip_verify: bool,
    tls_server_name: Option<String>,
    proxy: Option<reqwest::Proxy>,
    http_client: Option<reqwest::Client>,
    retry: RetryPolicy,
    list_method: ListMethod,
    user_agent: Option<String>,
    redirects: RedirectPolicy,
    deadline: Option<Duration>,
    max_response_size: Option<usize>,
    rate_limit: Option<RateLimit>,
    read_your_writes: bool,
}

/// PEM bytes of a private key: never shown.
struct SecretVec(Vec<u8>);

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("address", &self.address)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("namespace", &self.namespace)
            .field("timeout", &self.timeout)
            .field("ca_files", &self.ca_files)
            .field("ca_dir", &self.ca_dir)
            .field("client_cert", &self.client_cert)
            .field("skip_verify", &self.skip_verify)
            .field("tls_server_name", &self.tls_server_name)
            .field("retry", &self.retry)
            .field("list_method", &self.list_method)
            .field("redirects", &self.redirects)
            .field("deadline", &self.deadline)
            .field("max_response_size", &self.max_response_size)
            .field("rate_limit", &self.rate_limit)
            .field("read_your_writes", &self.read_your_writes)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Reads the `VAULT_*` variables (see [`Client::from_env`]).
    pub fn from_env() -> Result<ClientBuilder, Error> {
        ClientBuilder::from_vars(|name| std::env::var(name).ok(), home_dir())
    }

    /// Reads the `VAULT_*` variables through `var`, and `~/.vault-token` under `home`.
    #[doc(hidden)]
    pub fn from_vars(
        var: impl Fn(&str) -> Option<String>,
        home: Option<PathBuf>,
    ) -> Result<ClientBuilder, Error> {
        let get = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let mut b = ClientBuilder::default();
        if let Some(addr) = get("VAULT_AGENT_ADDR").or_else(|| get("VAULT_ADDR")) {
            b = b.address(addr.trim());
        }
        match get("VAULT_TOKEN") {
            Some(token) => b = b.token(token.trim()),
            None => {
                if let Some(path) = home.map(|h| h.join(".vault-token")) {
                    if let Ok(token) = std::fs::read_to_string(&path) {
                        let token = token.trim();
                        if !token.is_empty() {
                            b = b.token(token);
                        }
                    }
                }
            }
        }
        if let Some(ns) = get("VAULT_NAMESPACE") {
            b = b.namespace(ns);
        }
        if let Some(file) = get("VAULT_CACERT") {
            b = b.ca_cert_file(file);
        }
        if let Some(dir) = get("VAULT_CAPATH") {
            b = b.ca_cert_dir(dir);
        }
        match (get("VAULT_CLIENT_CERT"), get("VAULT_CLIENT_KEY")) {
            (Some(cert), Some(key)) => b = b.client_cert_files(cert, key),
            (None, None) => {}
            _ => {
                return Err(Error::Config(
                    "VAULT_CLIENT_CERT and VAULT_CLIENT_KEY must be set together".into(),
                ))
            }
        }
        if let Some(skip) = get("VAULT_SKIP_VERIFY") {
            b = b.danger_skip_verify(parse_bool("VAULT_SKIP_VERIFY", &skip)?);
        }
        if let Some(name) = get("VAULT_TLS_SERVER_NAME") {
            b = b.tls_server_name(name);
        }
        if let Some(timeout) = get("VAULT_CLIENT_TIMEOUT") {
            let secs = crate::VaultDuration::from(timeout.trim())
                .as_secs()
                .ok_or_else(|| {
                    Error::Config(format!(
                        "VAULT_CLIENT_TIMEOUT must be a duration such as 60s, not {timeout:?}"
                    ))
                })?;
            b = b.timeout(Duration::from_secs(secs));
        }
        if let Some(off) = get("VAULT_DISABLE_REDIRECTS") {
            if parse_bool("VAULT_DISABLE_REDIRECTS", &off)? {
                b = b.redirects(RedirectPolicy::none());
            }
        }
        if let Some(limit) = get("VAULT_RATE_LIMIT") {
            b = b.rate_limit(RateLimit::parse(&limit).map_err(|e| {
                Error::Config(format!("VAULT_RATE_LIMIT must be rate[:burst]: {e}"))
            })?);
        }
        if let Some(retries) = get("VAULT_MAX_RETRIES") {
            let n: usize = retries.trim().parse().map_err(|_| {
                Error::Config(format!(
                    "VAULT_MAX_RETRIES must be a number, not {retries:?}"
                ))
            })?;
            b = b.max_retries(n);
        }
        Ok(b)
    }

    /// Vault's address, e.g. `https://vault.example.com:8200`, or `unix:///path/agent.sock` for
    /// a Vault Agent or Proxy listening on a unix socket.
    pub fn address(mut self, address: impl Into<String>) -> Self {
        self.address = Some(address.into());
        self
    }

    /// The token sent as `X-Vault-Token`.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(SecretString::from(token.into()));
        self
    }

    /// The namespace sent as `X-Vault-Namespace` (Vault Enterprise, OpenBao).
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// The timeout of each attempt (default 60 s; Vault's CLI `VAULT_CLIENT_TIMEOUT`): from
    /// sending the request to the last byte of the answer. Each retry and redirect hop gets a
    /// fresh one, so a call can take longer; bound the whole call with
    /// [`ClientBuilder::deadline`]. When it fires, the error is a transport error with
    /// [`Error::is_timeout`] true (naming `VAULT_CLIENT_TIMEOUT`).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
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

    /// Reads see this client's own writes on a cluster whose standbys serve reads (off by
    /// default). The `X-Vault-Index` a write gets back is sent with every later request of this
    /// client and its clones; a node that has not applied it yet answers `429` with
    /// `Retry-After` (OpenBao 2.7.2, measured) or `412` (Vault), and the request is retried
    /// there after the wait, within the retries and the deadline. OpenBao 2.7.2 does not honour
    /// `X-Vault-Inconsistent: forward-active-node`, so that header is not used.
    pub fn read_your_writes(mut self, on: bool) -> Self {
        self.read_your_writes = on;
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
        self.no_timeout = true;
        self
    }

    /// Trusts the CA certificates in this PEM file, beside the system's.
    pub fn ca_cert_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_files.push(path.into());
        self
    }

    /// Trusts every PEM certificate file in this directory (`VAULT_CAPATH`).
    pub fn ca_cert_dir(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_dir = Some(path.into());
        self
    }

    /// Trusts the CA certificates in these PEM bytes.
    pub fn ca_cert_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_pems.push(pem.into());
        self
    }

    /// A client certificate and key (PEM files), for TLS certificate auth.
    pub fn client_cert_files(mut self, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        self.client_cert = Some((cert.into(), key.into()));
        self
    }

    /// A client certificate and key as PEM bytes (both in one buffer).
    pub fn client_identity_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.client_identity_pem = Some(SecretVec(pem.into()));
        self
    }

    /// Skips TLS verification. Off by default; a warning is logged on every build with it on.
    pub fn danger_skip_verify(mut self, skip: bool) -> Self {
        self.skip_verify = skip;
        self
    }

    /// The name to expect in the server's certificate, when it differs from the address's host.
    pub fn tls_server_name(mut self, name: impl Into<String>) -> Self {
        self.tls_server_name = Some(name.into());
        self
    }

    /// A proxy for all requests.
    pub fn proxy(mut self, proxy: reqwest::Proxy) -> Self {
        self.proxy = Some(proxy);
        self
    }

    /// Uses this `reqwest::Client` as is (its TLS, proxy, timeout and pool settings); the TLS,
    /// proxy and timeout settings of this builder are then ignored. Call
    /// [`install_crypto_provider`] before building it. Keep redirects off
    /// (`redirect(Policy::none())`): hashivault follows Vault's `307`s itself.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Retries after a transient failure (default 2).
    pub fn max_retries(mut self, retries: usize) -> Self {
        self.retry.max_retries = retries;
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
        self.user_agent = Some(agent.into());
        self
    }

    /// Builds the client. Fails on an unreadable CA or key file, a bad address or token.
    pub fn build(self) -> Result<Client, Error> {
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
            None => self.build_http(base, unix_socket.as_deref())?,
        };
        let limiter = match self.rate_limit {
            Some(limit) => Some(
                Limiter::new(limit)
                    .map_err(|e| Error::Config(format!("invalid rate limit: {e}")))?,
            ),
            None => None,
        };
        let attempt_timeout = match (&self.http_client, self.no_timeout) {
            (None, false) => Some(self.timeout.unwrap_or(DEFAULT_TIMEOUT)),
            _ => None,
        };
        let context = Context {
            token,
            namespace,
            wrap_ttl: None,
            retry: Arc::new(self.retry.clone()),
            list_method: self.list_method,
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
                    .then(crate::transport::IndexCell::default),
            }),
        };
        let baseurl = format!("{}/v1", base.trim_end_matches('/'));
        Ok(Client {
            api: crate::api::Client::new_with_client(&baseurl, http, context),
            address: Arc::from(address.as_str()),
        })
    }

    fn build_http(
        &self,
        mut base: String,
        unix_socket: Option<&Path>,
    ) -> Result<(reqwest::Client, String), Error> {
        install_crypto_provider();
        let mut b = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .user_agent(
                self.user_agent
                    .clone()
                    .unwrap_or_else(|| format!("hashivault/{}", env!("CARGO_PKG_VERSION"))),
            );
        if !self.no_timeout {
            b = b.timeout(self.timeout.unwrap_or(DEFAULT_TIMEOUT));
        }
        for pem in &self.ca_pems {
            b = add_pem_certs(b, pem, "the CA PEM bytes")?;
        }
        for file in &self.ca_files {
            let pem = std::fs::read(file).map_err(|e| {
                Error::Config(format!("cannot read CA file {}: {e}", file.display()))
            })?;
            b = add_pem_certs(b, &pem, &file.display().to_string())?;
        }
        if let Some(dir) = &self.ca_dir {
            let entries = std::fs::read_dir(dir).map_err(|e| {
                Error::Config(format!("cannot read CA directory {}: {e}", dir.display()))
            })?;
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_file() {
                    if let Ok(pem) = std::fs::read(&path) {
                        if pem.windows(11).any(|w| w == b"-----BEGIN ") {
                            b = add_pem_certs(b, &pem, &path.display().to_string())?;
                        }
                    }
                }
            }
        }
        let identity_pem = match (&self.client_cert, &self.client_identity_pem) {
            (Some((cert, key)), _) => {
                let mut pem = std::fs::read(cert).map_err(|e| {
                    Error::Config(format!(
                        "cannot read client certificate {}: {e}",
                        cert.display()
                    ))
                })?;
                let key_pem = std::fs::read(key).map_err(|e| {
                    Error::Config(format!("cannot read client key {}: {e}", key.display()))
                })?;
                pem.push(b'\n');
                pem.extend_from_slice(&key_pem);
                Some(pem)
            }
            (None, Some(SecretVec(pem))) => Some(pem.clone()),
            (None, None) => None,
        };
        if let Some(pem) = identity_pem {
            let identity = reqwest::Identity::from_pem(&pem).map_err(|_| {
                Error::Config("the client certificate and key are not a valid PEM pair".into())
            })?;
            b = b.identity(identity);
        }
        if self.skip_verify {
            tracing::warn!("TLS verification is OFF (VAULT_SKIP_VERIFY): anyone on the path can read your secrets");
            b = b.tls_danger_accept_invalid_certs(true);
        }
        if let Some(name) = &self.tls_server_name {
            let url = url::Url::parse(&base)
                .map_err(|e| Error::Config(format!("invalid address {base:?}: {e}")))?;
            let host = url.host_str().unwrap_or_default().to_string();
            let port = url.port_or_known_default().unwrap_or(8200);
            let addrs: Vec<std::net::SocketAddr> =
                std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port))
                    .map_err(|e| Error::Config(format!("cannot resolve {host}: {e}")))?
                    .collect();
            b = b.resolve_to_addrs(name, &addrs);
            let mut renamed = url.clone();
            renamed
                .set_host(Some(name))
                .map_err(|e| Error::Config(format!("invalid TLS server name {name:?}: {e}")))?;
            base = renamed.to_string();
        }
        if let Some(proxy) = &self.proxy {
            b = b.proxy(proxy.clone());
        }
        #[cfg(unix)]
        if let Some(socket) = unix_socket {
            b = b.unix_socket(socket.to_path_buf());
        }
        #[cfg(not(unix))]
        if unix_socket.is_some() {
            return Err(Error::Config(
                "unix socket addresses need a unix platform".into(),
            ));
        }
        let client = b
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok((client, base))
    }
}

fn add_pem_certs(
    mut b: reqwest::ClientBuilder,
    pem: &[u8],
    source: &str,
) -> Result<reqwest::ClientBuilder, Error> {
    let certs = reqwest::Certificate::from_pem_bundle(pem)
        .map_err(|e| Error::Config(format!("{source} is not a PEM certificate bundle: {e}")))?;
    if certs.is_empty() {
        return Err(Error::Config(format!("{source} holds no certificate")));
    }
    for cert in certs {
        b = b.add_root_certificate(cert);
    }
    Ok(b)
}

/// Splits an address into the base URL and, for `unix://`, the socket path.
fn parse_address(address: &str) -> Result<(String, Option<PathBuf>), Error> {
    let address = address.trim();
    if let Some(path) = address.strip_prefix("unix://") {
        if path.is_empty() {
            return Err(Error::Config(
                "a unix:// address needs a socket path".into(),
            ));
        }
        return Ok(("http://localhost".to_string(), Some(PathBuf::from(path))));
    }
    let url = url::Url::parse(address).map_err(|e| {
        Error::Config(format!(
            "invalid Vault address {address:?}: {e} (expected e.g. https://127.0.0.1:8200)"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::Config(format!(
            "invalid Vault address {address:?}: the scheme must be http, https or unix"
        )));
    }
    if url.host_str().is_none() {
        return Err(Error::Config(format!(
            "invalid Vault address {address:?}: no host"
        )));
    }
    let mut base = url.to_string();
    while base.ends_with('/') {
        base.pop();
    }
    let base = base.strip_suffix("/v1").unwrap_or(&base).to_string();
    Ok((base, None))
}

fn parse_bool(name: &str, value: &str) -> Result<bool, Error> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "t" | "true" | "yes" | "on" => Ok(true),
        "0" | "f" | "false" | "no" | "off" => Ok(false),
        other => Err(Error::Config(format!(
            "{name} must be true or false, not {other:?}"
        ))),
    }
}

fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME").map(PathBuf::from)
}

/// Installs rustls' `ring` provider as the process default, if no provider is installed yet.
///
/// hashivault builds reqwest with rustls and no bundled provider (ring builds faster than
/// aws-lc). Building a hashivault [`Client`] calls this itself; call it first when you build your
/// own `reqwest::Client` for [`ClientBuilder::http_client`], or reqwest panics for lack of a
/// provider. A no-op without the `rustls` feature.
pub fn install_crypto_provider() {
    #[cfg(feature = "rustls")]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            let _ = rustls::crypto::ring::default_provider().install_default();
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(
            parse_address("http://127.0.0.1:8200/").unwrap().0,
            "http://127.0.0.1:8200"
        );
        assert_eq!(
            parse_address("https://v.example/v1").unwrap().0,
            "https://v.example"
        );
        let (base, sock) = parse_address("unix:///run/agent.sock").unwrap();
        assert_eq!(base, "http://localhost");
        assert_eq!(sock.unwrap(), PathBuf::from("/run/agent.sock"));
        assert!(parse_address("127.0.0.1:8200").is_err());
        assert!(parse_address("ftp://x").is_err());
    }

    #[test]
    fn namespaces_are_checked() {
        assert_eq!(namespace_header("/team/a/").unwrap().unwrap(), "team/a");
        assert!(namespace_header("").unwrap().is_none());
        assert!(namespace_header("a/../b").is_err());
        assert!(namespace_header("a\nb").is_err());
    }
}
