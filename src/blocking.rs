//! Blocking calls for synchronous code (feature `blocking`): CLIs, build scripts, services
//! without an async runtime.
//!
//! The surface is the async one: the same [`Client`](crate::Client), the same handwritten helpers and generated
//! operations. Put `.wait()` where async code puts `.await`:
//!
//! ```no_run
//! use hashivault::blocking::Wait;
//!
//! fn main() -> Result<(), hashivault::Error> {
//!     let client = hashivault::Client::from_env()?;
//!     // A handwritten helper.
//!     let secret = client.kv2("secret").read::<serde_json::Value>("app/db").wait()?;
//!     println!("version {}", secret.metadata.version);
//!     // A generated operation.
//!     let mounts = client.api().mounts_list_secrets_engines().send().wait()?;
//!     println!("{} mounts", mounts.into_inner().data.map_or(0, |m| m.len()));
//!     Ok(())
//! }
//! ```
//!
//! `.wait()` runs the call on one internal tokio runtime (a single worker thread, started on
//! first use, named `hashivault-blocking`) and blocks the calling thread until it is done; any
//! number of threads may wait at once. The runtime keeps the client's pooled connections alive
//! between calls. Use a client either with `.wait()` or inside your own runtime, not both: its
//! connections belong to the runtime that opened them.
//!
//! Inside an async context (a tokio runtime's thread), `.wait()` does not block or panic: it
//! returns an error of kind [`Error::is_invalid_input`] saying to `.await` instead.
//!
//! Background work that needs a runtime, such as
//! [`AuthApi::renewer`](crate::auth::AuthApi::renewer), runs on the internal runtime
//! with [`spawn`].

use std::future::IntoFuture;
use std::sync::OnceLock;

use crate::Error;

/// `.wait()`: runs a call to completion on the internal runtime. Implemented for every call of
/// the crate (anything awaitable whose error converts into [`Error`]).
pub trait Wait: IntoFuture + Sized {
    /// The value the call returns.
    type Value;

    /// Blocks until the call is done. Inside an async context: an error instead.
    fn wait(self) -> Result<Self::Value, Error>;
}

impl<F, T, E> Wait for F
where
    F: IntoFuture<Output = Result<T, E>>,
    E: Into<Error>,
{
    type Value = T;

    fn wait(self) -> Result<T, Error> {
        let runtime = runtime()?;
        runtime.block_on(self.into_future()).map_err(Into::into)
    }
}

/// Runs `task` in the background on the internal runtime, for APIs that spawn (the token
/// renewer). The closure runs inside the runtime; what it returns is handed back.
///
/// ```no_run
/// # fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
/// let renewer = hashivault::blocking::spawn(|| client.auth().renewer().spawn())?;
/// # Ok(())
/// # }
/// ```
pub fn spawn<T>(task: impl FnOnce() -> T) -> Result<T, Error> {
    let runtime = runtime()?;
    let _guard = runtime.enter();
    Ok(task())
}

/// The internal runtime, or the error for calls from inside an async context.
fn runtime() -> Result<&'static tokio::runtime::Runtime, Error> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::invalid(
            "a blocking call (`.wait()`) inside an async runtime would block its thread: \
             use `.await` there instead",
        ));
    }
    static RUNTIME: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("hashivault-blocking")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| Error::invalid(format!("cannot start the blocking runtime: {e}")))
}
