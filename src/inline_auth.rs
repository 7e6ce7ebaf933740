//! OpenBao's inline authentication (2.4+): a call that logs in by itself, with
//! `X-Vault-Inline-Auth-*` headers instead of a stored token.
//!
//! The headers, as OpenBao's `sdk/helper/consts` names them and a 2.7.2 dev server reads them
//! (checked with curl, 2026-12-06; `tests/fixtures/openbao/`):
//! - `X-Vault-Inline-Auth-Path`: the login path (`auth/userpass/login/alice`; it may start with a
//!   namespace, `ns1/auth/…`);
//! - `X-Vault-Inline-Auth-Parameter-<suffix>`: one per login parameter, the unpadded URL-safe
//!   base64 of the JSON object `{"key": <name>, "value": <value>}`; the suffix is ignored by the
//!   server (a repeated header fails the request), so the client writes the parameter's name when
//!   it is a plain token, else its index. Standard (padded) base64 is refused with a `500`;
//! - `X-Vault-Inline-Auth-Operation`: the login's operation, `update` (the default) or `read`;
//! - `X-Vault-Inline-Auth-Namespace`: the namespace of the login (default: the request's).
//!
//! The token the login makes is used for this one request and never stored: no storage write,
//! no lease, so a standby can serve it. A request that carries a token too is refused (`500`,
//! "cannot layer inline authentication with token authentication"): a client with inline
//! authentication never sends its token. A refused login answers its own error (`400 invalid
//! username or password` for userpass) with `X-Vault-Inline-Auth-Failed: true`
//! ([`ApiError::inline_auth_failed`](crate::ApiError::inline_auth_failed)).

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;

use crate::{Client, Error};

const PATH: HeaderName = HeaderName::from_static("x-vault-inline-auth-path");
const OPERATION: HeaderName = HeaderName::from_static("x-vault-inline-auth-operation");
const NAMESPACE: HeaderName = HeaderName::from_static("x-vault-inline-auth-namespace");
const PARAMETER_PREFIX: &str = "x-vault-inline-auth-parameter-";

/// The operation of an inline login (`X-Vault-Inline-Auth-Operation`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum InlineAuthOperation {
    /// `update`: a `POST` login, what almost every auth method serves (OpenBao's default, not
    /// sent).
    #[default]
    Update,
    /// `read`: a login served on `GET`.
    Read,
}

/// How a call logs in by itself on OpenBao 2.4+ (inline authentication): the login path and its
/// parameters, sent as `X-Vault-Inline-Auth-*` headers with every request of the client
/// [`Client::with_inline_auth`] makes, instead of a token. See the [module docs](self) for the
/// wire format.
///
/// Parameter values are credentials: they are kept only as header values marked sensitive, and
/// `Debug`, errors and traces show their names, never their values.
///
/// ```no_run
/// # async fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
/// use hashivault::InlineAuth;
/// let login = InlineAuth::new("auth/userpass/login/alice").parameter("password", "s3cret");
/// let alice = client.with_inline_auth(&login)?;
/// let secret = alice.kv2("secret").read_json("app/config").await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct InlineAuth {
    path: String,
    operation: InlineAuthOperation,
    namespace: Option<String>,
    /// `(name, header value)`: the value is the encoded parameter, marked sensitive.
    parameters: Vec<(String, HeaderValue)>,
    /// The first parameter refused (its name and why, never the value).
    refused: Option<String>,
}

impl fmt::Debug for InlineAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InlineAuth")
            .field("path", &self.path)
            .field("operation", &self.operation)
            .field("namespace", &self.namespace)
            .field("parameters", &ParameterNames(&self.parameters))
            .finish()
    }
}

/// Parameter names with their values redacted, for `Debug`.
struct ParameterNames<'a>(&'a [(String, HeaderValue)]);

impl fmt::Debug for ParameterNames<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(name, _)| (name, "<redacted>")))
            .finish()
    }
}

impl InlineAuth {
    /// A login at `path`, relative to `/v1/` (`auth/userpass/login/alice`,
    /// `auth/jwt/login`), with no parameters yet.
    pub fn new(path: impl Into<String>) -> Self {
        InlineAuth {
            path: path.into(),
            operation: InlineAuthOperation::Update,
            namespace: None,
            parameters: Vec::new(),
            refused: None,
        }
    }

    /// A login parameter (`password`, `jwt`, `role`, `role_id`, `secret_id`, …): any value that
    /// serializes to JSON, sent with its type. A name given twice keeps the last value.
    pub fn parameter(mut self, name: impl Into<String>, value: impl Serialize) -> Self {
        let name = name.into();
        #[derive(Serialize)]
        struct Parameter<'a, V> {
            key: &'a str,
            value: V,
        }
        let encoded = match serde_json::to_vec(&Parameter { key: &name, value }) {
            Ok(json) => base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json),
            Err(e) => {
                self.refused.get_or_insert_with(|| {
                    format!("the parameter `{name}` cannot be serialized: {e}")
                });
                return self;
            }
        };
        // URL-safe base64 is always a valid header value.
        let mut value = HeaderValue::from_str(&encoded).expect("base64 is a valid header value");
        value.set_sensitive(true);
        self.parameters.retain(|(n, _)| *n != name);
        self.parameters.push((name, value));
        self
    }

    /// The login's operation (default [`InlineAuthOperation::Update`]).
    pub fn with_operation(mut self, operation: InlineAuthOperation) -> Self {
        self.operation = operation;
        self
    }

    /// The namespace of the login (`X-Vault-Inline-Auth-Namespace`), when it differs from the
    /// request's: a user of `team-a` reading in `team-a/app`.
    pub fn with_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// The login path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The names of the parameters, in the order given.
    pub fn parameter_names(&self) -> impl Iterator<Item = &str> {
        self.parameters.iter().map(|(name, _)| name.as_str())
    }

    /// The headers, checked: the path as any login path, the namespace as any namespace.
    fn headers(&self) -> Result<InlineHeaders, Error> {
        if let Some(reason) = &self.refused {
            return Err(Error::invalid(format!("inline authentication: {reason}")));
        }
        let path = self.path.trim_start_matches('/');
        crate::path::check_as_sent(path, "inline authentication path")?;
        let path = HeaderValue::from_str(path).map_err(|_| {
            Error::invalid("the inline authentication path is not a valid header value")
        })?;
        let mut headers = vec![(PATH, path)];
        if self.operation == InlineAuthOperation::Read {
            headers.push((OPERATION, HeaderValue::from_static("read")));
        }
        if let Some(ns) = &self.namespace {
            if let Some(value) = crate::client::namespace_header(ns)? {
                headers.push((NAMESPACE, value));
            }
        }
        let mut suffixes: Vec<String> = Vec::new();
        for (i, (name, value)) in self.parameters.iter().enumerate() {
            // The server ignores the suffix; a name reads better in an audit log, an index is
            // always a valid and unique header name.
            let plain = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            let lower = name.to_ascii_lowercase();
            let suffix = if plain && !suffixes.contains(&lower) {
                lower
            } else {
                i.to_string()
            };
            let header = HeaderName::from_bytes(format!("{PARAMETER_PREFIX}{suffix}").as_bytes())
                .map_err(|_| Error::invalid("an inline authentication parameter name"))?;
            suffixes.push(suffix);
            headers.push((header, value.clone()));
        }
        Ok(InlineHeaders {
            login: self.path.clone(),
            names: self.parameters.iter().map(|(n, _)| n.clone()).collect(),
            headers,
        })
    }
}

/// The checked headers of an [`InlineAuth`], as the transport adds them.
#[derive(Clone)]
pub(crate) struct InlineHeaders {
    login: String,
    names: Vec<String>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl InlineHeaders {
    pub(crate) fn apply(&self, map: &mut HeaderMap) {
        for (name, value) in &self.headers {
            map.insert(name.clone(), value.clone());
        }
    }
}

impl fmt::Debug for InlineHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InlineAuth")
            .field("path", &self.login)
            .field("parameters", &self.names)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client whose requests log in by themselves (OpenBao 2.4+'s inline authentication): each
    /// carries `auth`'s `X-Vault-Inline-Auth-*` headers and no token. It shares the pool and
    /// settings, not the token: it has none, and a login through it is kept by it alone (and
    /// then not sent: the inline headers are). Refused before any request when a parameter
    /// could not be serialized, or the path or namespace fails the path check.
    ///
    /// ```no_run
    /// # async fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
    /// use hashivault::InlineAuth;
    /// let ci = client.with_inline_auth(
    ///     &InlineAuth::new("auth/jwt/login").parameter("role", "ci").parameter("jwt", "eyJ…"),
    /// )?;
    /// let keys = ci.kv2("secret").list("ci").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_inline_auth(&self, auth: &InlineAuth) -> Result<Client, Error> {
        let headers = auth.headers()?;
        let cell = Arc::new(crate::transport::TokenCell::default());
        Ok(self.with_context(|c| {
            c.inline_auth = Some(headers);
            c.token = cell;
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_encoded_as_openbao_reads_them() {
        // What `X-Vault-Inline-Auth-Parameter-password` carried in the request OpenBao 2.7.2
        // accepted (tests/fixtures/openbao/README.md).
        let auth = InlineAuth::new("auth/userpass/login/alice").parameter("password", "pw-alice");
        let headers = auth.headers().unwrap();
        let mut map = HeaderMap::new();
        headers.apply(&mut map);
        assert_eq!(map["x-vault-inline-auth-path"], "auth/userpass/login/alice");
        let value = &map["x-vault-inline-auth-parameter-password"];
        assert_eq!(value, "eyJrZXkiOiJwYXNzd29yZCIsInZhbHVlIjoicHctYWxpY2UifQ");
        assert!(value.is_sensitive());
        assert!(!map.contains_key("x-vault-inline-auth-operation"));
    }

    #[test]
    fn names_that_are_not_header_tokens_get_their_index() {
        let auth = InlineAuth::new("auth/x/login")
            .parameter("role", "a")
            .parameter("Role", "b")
            .parameter("a b", 3)
            .parameter("role", "c");
        let headers = auth.headers().unwrap();
        let names: Vec<&str> = headers.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "x-vault-inline-auth-path",
                "x-vault-inline-auth-parameter-role",
                "x-vault-inline-auth-parameter-1",
                "x-vault-inline-auth-parameter-2",
            ]
        );
        assert_eq!(
            auth.parameter_names().collect::<Vec<_>>(),
            ["Role", "a b", "role"]
        );
    }

    #[test]
    fn bad_paths_are_refused_without_the_values() {
        let err = InlineAuth::new("auth/../sys/x")
            .parameter("password", "hunter2")
            .headers()
            .unwrap_err();
        assert!(err.is_invalid_input());
        assert!(!err.to_string().contains("hunter2"));
        assert!(InlineAuth::new("").headers().is_err());
        // Non-ASCII is sent as UTF-8, as Go's server reads it.
        assert!(InlineAuth::new("auth/userpass/login/élan")
            .headers()
            .is_ok());
        let ns = InlineAuth::new("auth/a/login").with_namespace("a/../b");
        assert!(ns.headers().is_err());
    }
}
