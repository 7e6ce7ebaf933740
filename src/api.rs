//! The generated Vault API: one method per operation of `spec/openapi.json`.
//!
//! Generated at build time by `build.rs` (the `hashivault-codegen` crate), never edited by hand.
//! Each method is a builder named after the operation id (`kv-v2-read` is
//! [`Client::kv_v2_read`]); its docs give the HTTP method, the path and Vault's description. Only
//! the operations of the enabled Cargo features are generated: see the crate docs for the groups.
//!
//! Every call goes through hashivault's transport (token, namespace, retries, error mapping) and
//! returns `Result<`[`crate::Response`]`<T>, `[`crate::Error`]`>`: the typed answer (for an
//! enveloped one, [`crate::Response::into_data`] gives the payload) or the one error type. Get
//! this client from [`crate::Client::api`] (a cheap clone; every builder owns one, so builders
//! are `'static` and `Send`):
//!
//! ```no_run
//! # async fn run() -> Result<(), hashivault::Error> {
//! let client = hashivault::Client::from_env()?;
//! let secret = client
//!     .api()
//!     .kv_v2_read()
//!     .kv_v2_mount_path("secret")
//!     .path("app/config")
//!     .send()
//!     .await?;
//! let data = secret.into_data()?;
//! println!("version {:?}", data.metadata.map(|m| m.version));
//! # Ok(())
//! # }
//! ```
#![allow(missing_docs, clippy::all, rustdoc::all, unused_imports)]

include!(concat!(env!("OUT_DIR"), "/api.rs"));
