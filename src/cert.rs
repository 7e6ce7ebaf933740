//! Keeping a PKI certificate fresh for rustls, with no restart (feature `cert-keeper`).
//!
//! [`Client::cert_keeper`] issues a certificate from a PKI role (`POST {mount}/issue/{role}`,
//! operation `pki_issue_with_role`), turns the answer's chain and private key into a rustls
//! [`CertifiedKey`], and issues the next one before it expires. A [`CertResolver`] (from
//! [`CertKeeper::resolver`]) hands the current certificate to rustls at every handshake: it is
//! both a [`ResolvesServerCert`] (`ServerConfig::builder().with_no_client_auth()
//! .with_cert_resolver(..)`) and a [`ResolvesClientCert`] (`ClientConfig::builder()
//! .with_root_certificates(..).with_client_cert_resolver(..)`), so a server or client built once
//! picks up each new certificate on its next handshake. (A resumed TLS session is not a new
//! handshake: it keeps the certificate of the session it resumes, until that session's ticket
//! lifetime ends.)
//!
//! # The schedule
//!
//! The keeper is a watcher of the engine the token renewer and lease watcher share (see
//! [`crate::auth::renew`]), with the same [`RenewSchedule`]:
//!
//! - A certificate is good until the answer's `expiration` (its `not_after`); the keeper issues
//!   the next one after [`RenewSchedule::fraction`] (2/3) of what is left, minus up to
//!   [`RenewSchedule::jitter`] (10 %) of that at random: a 10 s certificate is replaced every
//!   6.0–6.7 s, a 24 h one every 16–16.7 h. One request per certificate when all goes well.
//! - A failed issue (Vault down, sealed, restarting, a failover, 5xx, 429, a deadline) is
//!   retried with the backoff ([`RenewSchedule::backoff_min`] 1 s doubling up to
//!   [`RenewSchedule::backoff_max`] 60 s, each retry no later than 2/3 of what is left), with a
//!   [`CertEvent::IssueFailed`] each time. **The current certificate keeps being served** all
//!   that time. Should it expire first, the keeper says so ([`CertEvent::Expired`]) and goes on
//!   trying (the expired certificate stays in the resolver: a peer then reports an expired
//!   certificate rather than a handshake without one).
//! - A refusal by Vault itself (a `400`/`401`/`403` with Vault's JSON error body: the token may
//!   not issue on this role, a name the role does not allow) stops the keeper with
//!   [`CertEvent::Stopped`]([`CertStop::Refused`]); the resolver keeps the last certificate.
//! - Every request is at least [`RenewSchedule::floor`] (1 s) after the one before, however
//!   short the certificates or the clock skew: no loop issues faster than that.
//!
//! The certificate's life is read against this machine's clock (`expiration` is Unix time): a
//! certificate that is already past its `expiration` here is not served and counts as a failed
//! issue (retried with backoff).
//!
//! # Secrets
//!
//! The private key never appears in `Debug`, logs, errors, events or metrics: the PEM text and
//! its DER are held in `zeroize` wrappers and wiped once rustls has its
//! signing key; errors about a key that does not parse name the field, never its content.
//!
//! # Life
//!
//! Dropping the [`CertKeeper`] (or [`CertKeeper::stop`]) ends the background task at its next
//! step. The [`CertResolver`] does not keep the task alive: a TLS server holding it keeps
//! serving the last certificate, which is then no longer renewed.
//!
//! ```no_run
//! # async fn run(client: hashivault::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use std::time::Duration;
//! use hashivault::cert::CertRequest;
//!
//! let request = CertRequest::new("app.example.com")
//!     .with_alt_names(["app.internal"])
//!     .with_ttl(Duration::from_secs(24 * 3600));
//! let keeper = client.cert_keeper("pki", "web", request).spawn();
//! let first = keeper.ready().await?; // the first certificate is in
//! println!("serving serial {}", first.serial);
//!
//! hashivault::install_crypto_provider();
//! let config = rustls::ServerConfig::builder()
//!     .with_no_client_auth()
//!     .with_cert_resolver(Arc::new(keeper.resolver()));
//! // Hand `config` to tokio-rustls, hyper, axum-server, ... and keep `keeper` alive as long
//! // as the server: each handshake gets the newest certificate.
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustls::client::ResolvesClientCert;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::SignatureScheme;
use secrecy::zeroize::Zeroizing;
use tokio::sync::{broadcast, watch};
use tokio::time::Instant;

use crate::api::operations as ops;
use crate::api::types::PkiIssueWithRoleResponse;
use crate::watch::{self as engine, Engine, Handle, Outcome, Renewal, Renews, Watched};
pub use crate::watch::{Events, RenewSchedule};
use crate::{Client, Envelope, Error, JsonMap};

/// What to ask for in each issue request: the body of `POST {mount}/issue/{role}`. Built with
/// [`CertRequest::new`] and the `with_*` setters; the role decides what is allowed.
///
/// ```
/// use std::time::Duration;
/// use hashivault::cert::CertRequest;
///
/// let request = CertRequest::new("localhost")
///     .with_alt_names(["app.localhost"])
///     .with_ip_sans(["127.0.0.1"])
///     .with_ttl(Duration::from_secs(60));
/// assert_eq!(request.ttl(), Some(Duration::from_secs(60)));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CertRequest {
    common_name: String,
    alt_names: Vec<String>,
    ip_sans: Vec<String>,
    uri_sans: Vec<String>,
    ttl: Option<Duration>,
}

impl CertRequest {
    /// A request for `common_name`, with the role's TTL.
    pub fn new(common_name: impl Into<String>) -> Self {
        CertRequest {
            common_name: common_name.into(),
            alt_names: Vec::new(),
            ip_sans: Vec::new(),
            uri_sans: Vec::new(),
            ttl: None,
        }
    }

    /// DNS names (or emails) besides the common name (`alt_names`).
    pub fn with_alt_names<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.alt_names = names.into_iter().map(Into::into).collect();
        self
    }

    /// IP addresses (`ip_sans`).
    pub fn with_ip_sans<S: Into<String>>(mut self, ips: impl IntoIterator<Item = S>) -> Self {
        self.ip_sans = ips.into_iter().map(Into::into).collect();
        self
    }

    /// URIs (`uri_sans`).
    pub fn with_uri_sans<S: Into<String>>(mut self, uris: impl IntoIterator<Item = S>) -> Self {
        self.uri_sans = uris.into_iter().map(Into::into).collect();
        self
    }

    /// The life asked for (`ttl`, in seconds; capped by the role's `max_ttl`). Default: the
    /// role's `ttl`.
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// See [`CertRequest::new`].
    pub fn common_name(&self) -> &str {
        &self.common_name
    }

    /// See [`CertRequest::with_alt_names`].
    pub fn alt_names(&self) -> &[String] {
        &self.alt_names
    }

    /// See [`CertRequest::with_ip_sans`].
    pub fn ip_sans(&self) -> &[String] {
        &self.ip_sans
    }

    /// See [`CertRequest::with_uri_sans`].
    pub fn uri_sans(&self) -> &[String] {
        &self.uri_sans
    }

    /// See [`CertRequest::with_ttl`].
    pub fn ttl(&self) -> Option<Duration> {
        self.ttl
    }

    /// The JSON body: only what was set, plus `format: pem` (what the keeper parses).
    fn body(&self) -> JsonMap {
        let mut body = JsonMap::new();
        body.insert("common_name".into(), self.common_name.clone().into());
        if !self.alt_names.is_empty() {
            // A comma-separated string in the spec and in Vault's parser.
            body.insert("alt_names".into(), self.alt_names.join(",").into());
        }
        if !self.ip_sans.is_empty() {
            body.insert("ip_sans".into(), self.ip_sans.clone().into());
        }
        if !self.uri_sans.is_empty() {
            body.insert("uri_sans".into(), self.uri_sans.clone().into());
        }
        if let Some(ttl) = self.ttl {
            body.insert("ttl".into(), format!("{}s", ttl.as_secs().max(1)).into());
        }
        body.insert("format".into(), "pem".into());
        body
    }
}

/// What is known of an issued certificate (never its key).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct IssuedCert {
    /// Vault's serial number (`33:2f:81:…`).
    pub serial: String,
    /// The answer's `expiration` (the certificate's `not_after`).
    pub expiration: SystemTime,
    /// The same moment on tokio's clock, as the keeper schedules by it.
    pub expires_at: Instant,
}

/// What a certificate keeper did. Errors are shared (`Arc`) so that every reader gets the event.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum CertEvent {
    /// A new certificate is being served.
    Issued(IssuedCert),
    /// An issue request failed; it is retried after `retry_in` (the current certificate, if
    /// any, is still served).
    IssueFailed {
        /// Why.
        error: Arc<Error>,
        /// When the next attempt is made.
        retry_in: Duration,
    },
    /// The served certificate expired before a new one could be issued; the keeper goes on
    /// trying.
    Expired {
        /// The expired certificate's serial number.
        serial: String,
    },
    /// The keeper stopped. Always the last event.
    Stopped(CertStop),
}

/// Why a certificate keeper stopped.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum CertStop {
    /// Vault refused the request (400/401/403 with its error body): the token may not issue on
    /// this role, or the role does not allow the names asked for.
    Refused(Arc<Error>),
    /// The handle was dropped or [`CertKeeper::stop`] was called.
    Cancelled,
}

impl fmt::Display for CertStop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CertStop::Refused(e) => write!(f, "the certificate keeper stopped: {e}"),
            CertStop::Cancelled => f.write_str("the certificate keeper was stopped"),
        }
    }
}

/// The text includes the [`Error`], so `source()` is that error's own source: printing a chain
/// shows each cause once.
impl std::error::Error for CertStop {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CertStop::Refused(e) => e.source(),
            CertStop::Cancelled => None,
        }
    }
}

/// The state of a keeper, in [`CertKeeper::status`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum CertStatus {
    /// No certificate yet: the first one is being issued.
    Pending,
    /// Serving a certificate good until `expires_at`.
    Serving(IssuedCert),
    /// The served certificate expired; issuing a new one is being retried.
    Expired(IssuedCert),
    /// The keeper stopped (the resolver keeps the last certificate, if any).
    Stopped(CertStop),
}

/// The current certificate of a keeper, for rustls: a [`ResolvesServerCert`] and a
/// [`ResolvesClientCert`] that always return the newest certificate. Cheap to clone (one
/// shared slot); it does not keep the keeper's task alive. `Debug` shows the serial number,
/// never the key.
#[derive(Clone, Default)]
pub struct CertResolver {
    slot: Arc<RwLock<Option<Current>>>,
}

/// What the resolver serves.
#[derive(Clone)]
struct Current {
    key: Arc<CertifiedKey>,
    issued: IssuedCert,
}

impl CertResolver {
    fn read(&self) -> Option<Current> {
        self.slot
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn install(&self, current: Current) {
        *self
            .slot
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(current);
    }

    /// The certificate served now (chain and signing key), `None` before the first one.
    pub fn current(&self) -> Option<Arc<CertifiedKey>> {
        self.read().map(|c| c.key)
    }

    /// What is known of the certificate served now.
    pub fn issued(&self) -> Option<IssuedCert> {
        self.read().map(|c| c.issued)
    }
}

impl fmt::Debug for CertResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertResolver")
            .field("serving", &self.issued().map(|i| i.serial))
            .finish()
    }
}

impl ResolvesServerCert for CertResolver {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.current()
    }
}

impl ResolvesClientCert for CertResolver {
    fn resolve(&self, _: &[&[u8]], _: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        self.current()
    }

    fn has_certs(&self) -> bool {
        self.read().is_some()
    }
}

/// How a [`CertKeeper`] is set up: [`Client::cert_keeper`].
#[derive(Debug)]
pub struct CertKeeperBuilder {
    client: Client,
    mount: String,
    role: String,
    request: CertRequest,
    schedule: RenewSchedule,
    capacity: usize,
}

impl CertKeeperBuilder {
    /// Another schedule (the fraction of the certificate's life after which the next is issued,
    /// the jitter, the floor, the backoff).
    pub fn schedule(mut self, schedule: RenewSchedule) -> Self {
        self.schedule = schedule;
        self
    }

    /// How many events are kept for a slow reader before the oldest are dropped (default 16).
    pub fn event_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// Starts on the current tokio runtime: the first issue request goes out at once.
    pub fn spawn(self) -> CertKeeper {
        let resolver = CertResolver::default();
        let keeping = Keeping {
            client: self.client,
            mount: self.mount.clone(),
            role: self.role.clone(),
            request: self.request,
            resolver: resolver.clone(),
        };
        CertKeeper {
            mount: self.mount,
            role: self.role,
            resolver,
            handle: engine::spawn(keeping, self.schedule, CertStatus::Pending, self.capacity),
        }
    }
}

impl Client {
    /// A keeper of a certificate issued by the PKI role `role` of the engine at `mount`; see
    /// [`crate::cert`].
    pub fn cert_keeper(
        &self,
        mount: impl Into<String>,
        role: impl Into<String>,
        request: CertRequest,
    ) -> CertKeeperBuilder {
        CertKeeperBuilder {
            client: self.clone(),
            mount: mount.into(),
            role: role.into(),
            request,
            schedule: RenewSchedule::default(),
            capacity: 16,
        }
    }
}

/// A background task that keeps a certificate fresh; its [`CertResolver`] serves it to rustls.
/// Dropping it stops the task.
pub struct CertKeeper {
    mount: String,
    role: String,
    resolver: CertResolver,
    handle: Handle<CertEvent, CertStatus>,
}

impl fmt::Debug for CertKeeper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertKeeper")
            .field("mount", &self.mount)
            .field("role", &self.role)
            .field("status", &self.handle.status())
            .finish_non_exhaustive()
    }
}

impl CertKeeper {
    /// The resolver to give rustls (a clone of the keeper's: they share the slot).
    pub fn resolver(&self) -> CertResolver {
        self.resolver.clone()
    }

    /// The certificate served now, `None` before the first one.
    pub fn current(&self) -> Option<Arc<CertifiedKey>> {
        self.resolver.current()
    }

    /// What is known of the certificate served now.
    pub fn issued(&self) -> Option<IssuedCert> {
        self.resolver.issued()
    }

    /// Waits until a certificate is served (the first issue succeeded); `Err` when the keeper
    /// stopped first (Vault refused it, or it was stopped).
    pub async fn ready(&self) -> Result<IssuedCert, CertStop> {
        let mut status = self.handle.watch();
        let state = status
            .wait_for(|s| matches!(s, CertStatus::Serving(_) | CertStatus::Stopped(_)))
            .await
            .map(|s| s.clone());
        match state {
            Ok(CertStatus::Serving(issued)) => Ok(issued),
            Ok(CertStatus::Stopped(reason)) => Err(reason),
            _ => Err(CertStop::Cancelled),
        }
    }

    /// The next event; `None` once the keeper has stopped and every event was read.
    pub async fn next_event(&mut self) -> Option<CertEvent> {
        self.handle.next_event().await
    }

    /// Another reader of the events from now on, as tokio's receiver (owned).
    pub fn subscribe(&self) -> broadcast::Receiver<CertEvent> {
        self.handle.subscribe()
    }

    /// Another reader of the events from now on, owned (it can move to another task).
    pub fn events(&self) -> Events<CertEvent> {
        Events::new(self.subscribe())
    }

    /// The current state.
    pub fn status(&self) -> CertStatus {
        self.handle.status()
    }

    /// A receiver of the state, to await changes (owned).
    pub fn watch(&self) -> watch::Receiver<CertStatus> {
        self.handle.watch()
    }

    /// Whether the background task has ended.
    pub fn is_finished(&self) -> bool {
        self.handle.is_finished()
    }

    /// Stops issuing: the task ends at its next step with [`CertStop::Cancelled`]. The
    /// resolver keeps the last certificate. Dropping the keeper does the same.
    pub fn stop(&self) {
        self.handle.stop();
    }
}

/// What the keeper's task holds.
struct Keeping {
    client: Client,
    mount: String,
    role: String,
    request: CertRequest,
    resolver: CertResolver,
}

impl Keeping {
    /// One issue request; the new certificate goes into the resolver.
    async fn issue(&self) -> Result<Renewal, Error> {
        let body = self.request.body();
        let answer: Envelope<PkiIssueWithRoleResponse> = self
            .client
            .call_operation(
                &ops::PKI_ISSUE_WITH_ROLE,
                &[&self.mount, &self.role],
                &[],
                Some(&body),
            )
            .await?;
        let data = answer
            .data
            .ok_or_else(|| Error::missing_data(answer.wrap_info.is_some()))?;
        let current = certified(data)?;
        let ttl = current
            .issued
            .expiration
            .duration_since(SystemTime::now())
            .unwrap_or_default();
        if ttl.is_zero() {
            return Err(Error::missing(
                "pki_issue_with_role: the certificate is already past its `expiration` by this machine's clock",
            ));
        }
        let current = Current {
            issued: IssuedCert {
                expires_at: Instant::now() + ttl,
                ..current.issued
            },
            ..current
        };
        self.resolver.install(current);
        Ok(Renewal {
            ttl,
            renewable: true,
        })
    }
}

/// The rustls key of an issue answer. Errors name fields, never their content.
fn certified(data: PkiIssueWithRoleResponse) -> Result<Current, Error> {
    let missing = |what: &str| Error::missing(&format!("pki_issue_with_role: {what}"));
    // Wiped when dropped, whatever happens below.
    let key_pem = Zeroizing::new(
        data.private_key
            .ok_or_else(|| missing("the answer has no `private_key`"))?
            .into_inner(),
    );
    let cert_pem = data
        .certificate
        .ok_or_else(|| missing("the answer has no `certificate`"))?;
    let parse = |pem: &str, field: &str| {
        CertificateDer::from_pem_slice(pem.as_bytes())
            .map_err(|_| missing(&format!("`{field}` is not a PEM certificate")))
    };
    let leaf = parse(&cert_pem, "certificate")?;
    let mut chain = vec![leaf];
    let cas = match data.ca_chain {
        Some(chain) if !chain.is_empty() => chain,
        _ => data.issuing_ca.into_iter().collect(),
    };
    for ca in cas {
        let ca = parse(&ca, "ca_chain")?;
        if !chain.contains(&ca) {
            chain.push(ca);
        }
    }
    let key = Zeroizing::new(
        PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
            .map_err(|_| missing("`private_key` is not a PEM private key"))?,
    );
    let signing = rustls::crypto::ring::sign::any_supported_type(&key)
        .map_err(|_| missing("`private_key` is not a key rustls can sign with"))?;
    drop(key);
    drop(key_pem);
    let certified = CertifiedKey::new(chain, signing);
    if let Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) =
        certified.keys_match()
    {
        return Err(missing("`private_key` does not match `certificate`"));
    }
    let expiration = data
        .expiration
        .and_then(|secs| u64::try_from(secs).ok())
        .ok_or_else(|| missing("the answer has no `expiration`"))?;
    Ok(Current {
        key: Arc::new(certified),
        issued: IssuedCert {
            serial: data.serial_number.unwrap_or_default(),
            expiration: UNIX_EPOCH + Duration::from_secs(expiration),
            expires_at: Instant::now(),
        },
    })
}

/// A "renewal" is a new certificate.
impl Renews for Keeping {
    async fn renew(&self) -> Result<Renewal, Error> {
        self.issue().await
    }

    fn renew_failed(error: Arc<Error>, retry_in: Duration) -> CertEvent {
        CertEvent::IssueFailed { error, retry_in }
    }
}

impl Watched for Keeping {
    type Event = CertEvent;
    type Status = CertStatus;

    fn trace(&self, event: &CertEvent) {
        tracing::debug!(mount = %self.mount, role = %self.role, ?event, "cert keeper");
        crate::metrics::cert_event(event);
    }

    async fn run(engine: &Engine<Self>) {
        let keeping = &engine.watched;
        loop {
            // Nothing good to serve: issue at once, retrying what Vault did not refuse.
            let first = engine
                .retry(|| keeping.issue(), Keeping::renew_failed)
                .await;
            let mut renewal = match first {
                Ok(renewal) => renewal,
                Err(e) => return engine.refused(e),
            };
            loop {
                let expires_at = Instant::now() + renewal.ttl;
                if let Some(issued) = keeping.resolver.issued() {
                    engine.set_status(CertStatus::Serving(issued.clone()));
                    engine.emit(CertEvent::Issued(issued));
                }
                renewal = match engine.renew_before(expires_at).await {
                    Outcome::Renewed(renewal) => renewal,
                    Outcome::Refused(e) => return engine.refused(e),
                    // A 400 saying "cannot be renewed": a refusal like any other here.
                    Outcome::NotRenewable => {
                        return engine.refused(Error::missing(
                            "pki_issue_with_role: Vault says the certificate cannot be renewed",
                        ))
                    }
                    Outcome::Expired(_) => {
                        if let Some(issued) = keeping.resolver.issued() {
                            engine.set_status(CertStatus::Expired(issued.clone()));
                            engine.emit(CertEvent::Expired {
                                serial: issued.serial,
                            });
                        }
                        break;
                    }
                };
            }
        }
    }

    fn cancelled(engine: &Engine<Self>) {
        engine.stopped(CertStop::Cancelled);
    }
}

/// The keeper's end events.
impl Engine<Keeping> {
    fn stopped(&self, reason: CertStop) {
        self.set_status(CertStatus::Stopped(reason.clone()));
        self.emit(CertEvent::Stopped(reason));
    }

    fn refused(&self, error: Error) {
        self.stopped(CertStop::Refused(Arc::new(error)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_has_only_what_was_set() {
        let body = CertRequest::new("localhost").body();
        assert_eq!(
            serde_json::Value::Object(body),
            serde_json::json!({"common_name": "localhost", "format": "pem"})
        );
        let body = CertRequest::new("localhost")
            .with_alt_names(["a.localhost", "b.localhost"])
            .with_ip_sans(["127.0.0.1"])
            .with_uri_sans(["spiffe://x/y"])
            .with_ttl(Duration::from_millis(1500))
            .body();
        assert_eq!(
            serde_json::Value::Object(body),
            serde_json::json!({
                "common_name": "localhost",
                "alt_names": "a.localhost,b.localhost",
                "ip_sans": ["127.0.0.1"],
                "uri_sans": ["spiffe://x/y"],
                "ttl": "1s",
                "format": "pem",
            })
        );
    }

    #[test]
    fn an_empty_resolver_serves_nothing_and_shows_no_key() {
        let resolver = CertResolver::default();
        assert!(resolver.current().is_none());
        assert!(!ResolvesClientCert::has_certs(&resolver));
        assert_eq!(format!("{resolver:?}"), "CertResolver { serving: None }");
    }
}
