#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

// The generated code names this crate's own types (`hashivault::Envelope`) by crate path.
extern crate self as hashivault;

pub mod api;
pub mod auth;
mod client;
mod envelope;
mod error;
pub mod kv;
pub mod lenient;
mod path;
pub mod sys;
mod transport;

pub use client::{install_crypto_provider, Client, ClientBuilder, DEFAULT_ADDRESS};
pub use envelope::{AuthInfo, Envelope, JsonMap, SecretMap, Sensitive, VaultDuration, WrapInfo};
pub use error::{ApiError, DecodeError, Error, ErrorKind, TransportError};
pub use transport::{Context, ListMethod, RetryPolicy};

/// The HTTP client hashivault is built on, for [`ClientBuilder::http_client`] and
/// [`ClientBuilder::proxy`].
pub use reqwest;
/// The secret string type tokens are kept in.
pub use secrecy::{ExposeSecret, SecretString};
