#![doc = include_str!("../README.md")]
//!
//! # Which API do I use
//!
//! 1. **A handwritten helper** when there is one: [`Client::kv2`] / [`Client::kv`] for secrets,
//!    [`Client::auth`] for logins (the client keeps the token) and the token's own endpoints,
//!    [`auth::AuthApi::renewer`] to keep it alive, [`Client::sys_health`], and
//!    [`Client::unwrap`] / [`Client::with_wrap_ttl`] for response wrapping. They are typed,
//!    work with any set of features, and their errors have predicates
//!    ([`Error::is_not_found`], [`Error::is_permission_denied`], ...).
//! 2. **A generated operation** for everything else: `client.api().OPERATION()` with one
//!    builder method per parameter, then `.send().await`; typed request and answer bodies
//!    ([`api::types`]). Each API group is a Cargo feature (see [Feature groups](#feature-groups)): [`features`] lists every operation
//!    under the feature that enables it (look there when the compiler says "no method named
//!    `transit_create_key`").
//! 3. **A raw request** for what the spec lacks (custom plugins, new endpoints):
//!    [`Client::request`] with a method and a path under `/v1/`, through the same transport,
//!    token, retries and errors.
//!
//! Synchronous code: the `blocking` feature (module `hashivault::blocking`: `.wait()` where
//! async code writes `.await`). Tests against a real server: the `testing` feature (module
//! `hashivault::testing`: a throwaway OpenBao dev server and a client for it); tests without a
//! process: `hashivault::testing::mock` (canned answers by operation, through the real client).
//! Hooks on every request (a header, a count, an audit line): [`intercept`]; metrics: the
//! `metrics` feature.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

// The generated code names this crate's own types (`hashivault::Envelope`) by crate path.
extern crate self as hashivault;

pub mod api;
pub mod auth;
#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod blocking;
#[cfg(feature = "cert-keeper")]
#[cfg_attr(docsrs, doc(cfg(feature = "cert-keeper")))]
pub mod cert;
mod client;
mod connect;
mod env;
mod envelope;
mod error;
pub mod features;
pub mod inline_auth;
pub mod intercept;
pub mod kv;
pub mod lease;
pub mod lenient;
pub mod list;
#[cfg(feature = "metrics")]
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub mod metrics;
// Without the feature the renewers' metric calls compile to nothing.
#[cfg(not(feature = "metrics"))]
mod metrics {
    pub(crate) fn token_event(_: &crate::auth::renew::RenewEvent) {}
    pub(crate) fn lease_event(_: &crate::lease::LeaseEvent) {}
    pub(crate) fn rotation_event(_: &crate::lease::RotationEvent) {}
    pub(crate) fn kv_event(_: &crate::kv::KvEvent) {}
    #[cfg(feature = "cert-keeper")]
    pub(crate) fn cert_event(_: &crate::cert::CertEvent) {}
}
pub mod operation;
mod path;
mod ratelimit;
mod redirect;
mod response;
pub mod setter;
pub mod sys;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
mod tls;
mod transport;
mod watch;

pub use client::{Client, ClientBuilder, DEFAULT_ADDRESS};
pub use envelope::{AuthInfo, Envelope, JsonMap, SecretMap, Sensitive, VaultDuration, WrapInfo};
pub use error::{
    ApiError, DeadlineError, DeadlineReason, DecodeError, Error, ErrorKind, LargestHeader,
    MfaRequiredError, RedirectError, TooLargeError, TransportError,
};
pub use inline_auth::{InlineAuth, InlineAuthOperation};
pub use list::{ListPage, ListPages};
pub use ratelimit::RateLimit;
pub use redirect::{RedirectPolicy, RedirectRefusal};
pub use response::Response;
pub use tls::install_crypto_provider;
pub use transport::{
    Context, ListMethod, NamespaceMode, RetryBudget, RetryPolicy, DEFAULT_MAX_RESPONSE_SIZE,
    MAX_RETRY_AFTER_WITHOUT_DEADLINE,
};

/// The HTTP client hashivault is built on, for [`ClientBuilder::http_client`] and
/// [`ClientBuilder::proxy`].
pub use reqwest;
/// The secret string type tokens are kept in.
pub use secrecy::{ExposeSecret, SecretString};
