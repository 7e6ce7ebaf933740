#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

// The generated code names this crate's own types (`hashivault::Envelope`) by crate path.
extern crate self as hashivault;

pub mod api;
pub mod auth;
mod client;
mod connect;
mod env;
mod envelope;
mod error;
pub mod kv;
pub mod lease;
pub mod lenient;
pub mod operation;
mod path;
mod ratelimit;
mod redirect;
pub mod sys;
mod tls;
mod transport;

pub use client::{Client, ClientBuilder, DEFAULT_ADDRESS};
pub use envelope::{AuthInfo, Envelope, JsonMap, SecretMap, Sensitive, VaultDuration, WrapInfo};
pub use error::{
    ApiError, DeadlineError, DeadlineReason, DecodeError, Error, ErrorKind, RedirectError,
    TooLargeError, TransportError,
};
pub use ratelimit::RateLimit;
pub use redirect::{RedirectPolicy, RedirectRefusal};
pub use transport::{
    Context, ListMethod, RetryPolicy, DEFAULT_MAX_RESPONSE_SIZE, MAX_RETRY_AFTER_WITHOUT_DEADLINE,
};
pub use tls::install_crypto_provider;

/// The HTTP client hashivault is built on, for [`ClientBuilder::http_client`] and
/// [`ClientBuilder::proxy`].
pub use reqwest;
/// The secret string type tokens are kept in.
pub use secrecy::{ExposeSecret, SecretString};
