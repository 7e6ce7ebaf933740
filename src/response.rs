//! [`Response`]: what every generated operation's `send()` returns.

use std::fmt;
use std::ops::{Deref, DerefMut};

use reqwest::header::HeaderMap;
use reqwest::StatusCode;

use crate::envelope::{AuthInfo, Envelope, WrapInfo};
use crate::Error;

/// A 2xx answer of a generated operation: its decoded body (`T`), with the status, headers and
/// the operation's name.
///
/// One shape for every operation:
/// - an operation whose answer is Vault's envelope returns `Response<Envelope<D>>`, `D` the
///   payload's type: [`Response::into_data`] gives the payload in one step (or an error naming
///   the operation when the server sent none), and the envelope's `warnings`, `wrap_info`,
///   `auth`, `lease_id`, ... are read through `Deref`;
/// - an operation whose answer is a bare JSON body (`sys/health`, `sys/seal-status`, OIDC
///   discovery documents) returns `Response<T>` of that body;
/// - an operation whose answer is not JSON (`sys/pprof/*`) returns `Response<bytes::Bytes>`.
///
/// ```no_run
/// # async fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
/// let key = client
///     .api()
///     .transit_read_key()
///     .transit_mount_path("transit")
///     .name("orders")
///     .send()
///     .await?;
/// println!("warnings: {:?}", key.warnings);     // the envelope, through Deref
/// let key = key.into_data()?;                    // the typed payload
/// println!("latest version: {:?}", key.latest_version);
/// # Ok(())
/// # }
/// ```
///
/// `Debug` shows the status, the operation and the body's own `Debug` (generated types and the
/// envelope redact secrets); never the headers.
pub struct Response<T> {
    inner: T,
    status: StatusCode,
    headers: HeaderMap,
    operation: &'static str,
}

impl<T> Response<T> {
    // Called by generated send()s only: none in a build without an API group.
    #[allow(dead_code)]
    pub(crate) fn new(
        inner: T,
        status: StatusCode,
        headers: HeaderMap,
        operation: &'static str,
    ) -> Self {
        Response {
            inner,
            status,
            headers,
            operation,
        }
    }

    /// The decoded body.
    pub fn into_inner(self) -> T {
        self.inner
    }

    /// The HTTP status (a 2xx).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The answer's headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The operation that answered (`transit_read_key`), as errors name it.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The `X-Vault-Index` the server sent (a write's position in a cluster's log), if any.
    pub fn vault_index(&self) -> Option<&str> {
        self.headers
            .get("x-vault-index")
            .and_then(|v| v.to_str().ok())
    }

    /// The body, status and headers.
    pub fn into_parts(self) -> (T, StatusCode, HeaderMap) {
        (self.inner, self.status, self.headers)
    }

    /// The same answer with its body mapped.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            inner: f(self.inner),
            status: self.status,
            headers: self.headers,
            operation: self.operation,
        }
    }
}

impl<D> Response<Envelope<D>> {
    /// The payload (`data`), or an [`Error::Decode`] naming the operation when the answer has
    /// none (saying so when it was response-wrapped: read it with
    /// [`Client::unwrap`](crate::Client::unwrap)).
    pub fn into_data(self) -> Result<D, Error> {
        let operation = self.operation;
        self.inner
            .into_data()
            .map_err(|e| e.with_operation(operation))
    }

    /// The payload by reference; see [`Response::into_data`].
    pub fn data(&self) -> Result<&D, Error> {
        match &self.inner.data {
            Some(data) => Ok(data),
            None => {
                Err(Error::missing_data(self.inner.wrap_info.is_some())
                    .with_operation(self.operation))
            }
        }
    }

    /// The `auth` block of a login or token creation, or an error naming the operation.
    pub fn into_auth(self) -> Result<AuthInfo, Error> {
        let operation = self.operation;
        self.inner.auth.map(|auth| *auth).ok_or_else(|| {
            Error::missing("the answer has no `auth` block").with_operation(operation)
        })
    }

    /// The wrapping information of a response-wrapped answer.
    pub fn wrap_info(&self) -> Option<&WrapInfo> {
        self.inner.wrap_info.as_deref()
    }

    /// Warnings Vault attached to the answer.
    pub fn warnings(&self) -> &[String] {
        &self.inner.warnings
    }
}

impl<T> Deref for Response<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T> DerefMut for Response<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<T: fmt::Debug> fmt::Debug for Response<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("operation", &self.operation)
            .field("status", &self.status.as_u16())
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}
