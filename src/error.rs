//! One error type for every call: [`Error`].

use std::fmt;

use serde_json::Value;

/// Everything a hashivault call can fail with.
///
/// Match on the variant, or use the predicates (`is_not_found()`, `is_permission_denied()`, ...)
/// for the common checks. No variant ever holds the token or a secret value: the Vault error
/// messages, method and path are kept, bodies are summarised, not shown.
///
/// ```no_run
/// # async fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
/// match client.kv2("secret").read_json("app/config").await {
///     Ok(secret) => println!("version {}", secret.metadata.version),
///     Err(e) if e.is_not_found() => println!("no such secret"),
///     Err(e) => return Err(e),
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Vault answered with a status that is not 2xx.
    Api(Box<ApiError>),
    /// No answer: connection refused, DNS, TLS, timeout.
    Transport(Box<TransportError>),
    /// A 2xx answer whose body is not what the operation promises.
    Decode(Box<DecodeError>),
    /// The caller's input was refused before any request was sent.
    InvalidInput(String),
    /// The client could not be configured (bad address, unreadable CA file, ...).
    Config(String),
}

/// What kind of non-2xx answer Vault gave, named as hvac names its exceptions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// 400: the request was malformed or a check-and-set did not match.
    InvalidRequest,
    /// 401: no token, or a token Vault does not accept.
    Unauthorized,
    /// 403: permission denied.
    Forbidden,
    /// 404: no such path, or no secret at it.
    InvalidPath,
    /// 405: the endpoint does not support the method.
    UnsupportedOperation,
    /// 412: a consistency precondition failed (retry later).
    PreconditionFailed,
    /// 429: rate limited (or, from `sys/health`, a standby node).
    RateLimitExceeded,
    /// 500: an internal error.
    InternalServerError,
    /// 501: Vault is not initialized.
    NotInitialized,
    /// 502: a proxy in front of Vault failed.
    BadGateway,
    /// 503: Vault is sealed or down for maintenance.
    Sealed,
    /// Any other status.
    Unexpected,
}

impl ErrorKind {
    /// The kind of a status code.
    pub fn from_status(status: u16) -> Self {
        match status {
            400 => ErrorKind::InvalidRequest,
            401 => ErrorKind::Unauthorized,
            403 => ErrorKind::Forbidden,
            404 => ErrorKind::InvalidPath,
            405 => ErrorKind::UnsupportedOperation,
            412 => ErrorKind::PreconditionFailed,
            429 => ErrorKind::RateLimitExceeded,
            500 => ErrorKind::InternalServerError,
            501 => ErrorKind::NotInitialized,
            502 => ErrorKind::BadGateway,
            503 => ErrorKind::Sealed,
            _ => ErrorKind::Unexpected,
        }
    }
}

/// A non-2xx answer from Vault.
#[derive(Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// The status, named.
    pub kind: ErrorKind,
    /// The `errors` array Vault sent (or RustyVault's single `error`), possibly empty.
    pub errors: Vec<String>,
    /// The HTTP method of the request.
    pub method: String,
    /// The request path, without the query.
    pub path: String,
    /// The whole JSON body, when it was JSON (a KV v2 read of a deleted version carries its
    /// metadata here). Not shown by `Debug` or `Display`.
    pub body: Option<Value>,
}

impl ApiError {
    /// Builds the error for a response, from its status and body bytes.
    pub(crate) fn from_body(status: u16, method: &str, path: &str, body: &[u8]) -> Self {
        let json: Option<Value> = serde_json::from_slice(body).ok();
        let errors = match &json {
            Some(Value::Object(map)) => match (map.get("errors"), map.get("error")) {
                (Some(Value::Array(items)), _) => items
                    .iter()
                    .map(|v| match v {
                        Value::String(s) => clean_message(s),
                        other => other.to_string(),
                    })
                    .collect(),
                (_, Some(Value::String(single))) => vec![clean_message(single)],
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        ApiError {
            status,
            kind: ErrorKind::from_status(status),
            errors,
            method: method.to_string(),
            path: path.to_string(),
            body: json,
        }
    }
}

/// Vault wraps most messages in Go's multierror format (`"1 error occurred:\n\t* permission
/// denied\n\n"`); the bullets are what the caller wants to read.
fn clean_message(raw: &str) -> String {
    let trimmed = raw.trim();
    let first_line = trimmed.lines().next().unwrap_or("");
    if !(first_line.ends_with("error occurred:") || first_line.ends_with("errors occurred:")) {
        return trimmed.to_string();
    }
    let bullets: Vec<&str> = trimmed
        .lines()
        .skip(1)
        .filter_map(|line| line.trim().strip_prefix("* "))
        .collect();
    if bullets.is_empty() {
        trimmed.to_string()
    } else {
        bullets.join("; ")
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("status", &self.status)
            .field("kind", &self.kind)
            .field("errors", &self.errors)
            .field("method", &self.method)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Vault answered {} ({:?}) to {} {}",
            self.status, self.kind, self.method, self.path
        )?;
        if !self.errors.is_empty() {
            write!(f, ": {}", self.errors.join("; "))?;
        }
        Ok(())
    }
}

/// No answer from the server.
#[derive(Debug)]
#[non_exhaustive]
pub struct TransportError {
    /// The address the request went to (scheme, host, port, path; no query).
    pub address: String,
    /// A hint at the usual cause.
    pub hint: &'static str,
    /// The underlying error.
    pub source: reqwest::Error,
}

impl TransportError {
    pub(crate) fn new(source: reqwest::Error) -> Self {
        let address = source
            .url()
            .map(|u| {
                let mut u = u.clone();
                u.set_query(None);
                u.to_string()
            })
            .unwrap_or_else(|| "(unknown address)".to_string());
        let chain = error_chain(&source);
        let hint = if source.is_timeout() {
            "the request timed out: is the server overloaded, or is the timeout (VAULT_CLIENT_TIMEOUT) too short?"
        } else if chain.contains("certificate")
            || chain.contains("UnknownIssuer")
            || chain.contains("tls")
        {
            "TLS failed: is the server's CA trusted (VAULT_CACERT / VAULT_CAPATH), and does its name match (VAULT_TLS_SERVER_NAME)?"
        } else if chain.contains("Connection refused") || chain.contains("ConnectionRefused") {
            "connection refused: is Vault running at VAULT_ADDR, and is the port right?"
        } else if chain.contains("dns error") || chain.contains("failed to lookup") {
            "the host name does not resolve: check VAULT_ADDR"
        } else if chain.contains("invalid HTTP version")
            || chain.contains("InvalidContentLength")
            || chain.contains("record overflow")
            || chain.contains("InvalidMessage")
        {
            "the scheme looks wrong: an https:// address for an http server, or the reverse? check VAULT_ADDR"
        } else if source.is_connect() {
            "could not connect: check VAULT_ADDR and the network"
        } else {
            "the connection failed before Vault answered"
        };
        TransportError {
            address,
            hint,
            source,
        }
    }
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        out.push_str(": ");
        out.push_str(&s.to_string());
        out.push_str(&format!(" {s:?}"));
        src = s.source();
    }
    out
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no answer from {}: {} ({})",
            self.address, self.hint, self.source
        )
    }
}

/// A 2xx answer that could not be decoded.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DecodeError {
    /// The operation, when known (`kv-v2-read`).
    pub operation: Option<String>,
    /// What went wrong, without any value from the body.
    pub reason: String,
    /// The start of the body, only when it is not JSON (an HTML page from a proxy); a JSON body
    /// may hold secrets and is never shown.
    pub body_start: Option<String>,
    /// The body's length in bytes.
    pub body_len: usize,
}

impl DecodeError {
    pub(crate) fn from_serde(
        operation: Option<&str>,
        body: &[u8],
        err: &serde_json::Error,
    ) -> Self {
        let category = match err.classify() {
            serde_json::error::Category::Io => "read error",
            serde_json::error::Category::Syntax => "not valid JSON",
            serde_json::error::Category::Data => "JSON of an unexpected shape",
            serde_json::error::Category::Eof => "truncated JSON",
        };
        DecodeError {
            operation: operation.map(str::to_string),
            reason: format!("{category} at line {} column {}", err.line(), err.column()),
            body_start: body_start(body),
            body_len: body.len(),
        }
    }
}

/// The first characters of a body that is not JSON; `None` for JSON (which may hold secrets).
fn body_start(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') || trimmed.starts_with('"') {
        return None;
    }
    let start: String = trimmed.chars().take(80).collect();
    Some(start.replace(['\n', '\r'], " "))
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.operation {
            Some(op) => write!(f, "the answer to {op} could not be decoded: ")?,
            None => write!(f, "the answer could not be decoded: ")?,
        }
        write!(f, "{} ({} bytes)", self.reason, self.body_len)?;
        if let Some(start) = &self.body_start {
            write!(f, "; it starts with {start:?}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) => e.fmt(f),
            Error::Transport(e) => e.fmt(f),
            Error::Decode(e) => e.fmt(f),
            Error::InvalidInput(msg) => write!(f, "invalid input: {msg}"),
            Error::Config(msg) => write!(f, "invalid configuration: {msg}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(e) => Some(&e.source),
            _ => None,
        }
    }
}

impl Error {
    pub(crate) fn missing(what: &str) -> Self {
        Error::Decode(Box::new(DecodeError {
            operation: None,
            reason: what.to_string(),
            body_start: None,
            body_len: 0,
        }))
    }

    pub(crate) fn from_reqwest(e: reqwest::Error) -> Self {
        Error::Transport(Box::new(TransportError::new(e)))
    }

    pub(crate) fn decode(operation: &str, body: &[u8], e: &serde_json::Error) -> Self {
        Error::Decode(Box::new(DecodeError::from_serde(Some(operation), body, e)))
    }

    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        Error::InvalidInput(msg.into())
    }

    /// The Vault error, when Vault answered with a non-2xx status.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The HTTP status, when Vault answered.
    pub fn status(&self) -> Option<u16> {
        self.api().map(|e| e.status)
    }

    /// The kind of Vault's answer, when it answered.
    pub fn kind(&self) -> Option<ErrorKind> {
        self.api().map(|e| e.kind)
    }

    /// The messages of Vault's `errors` array (empty when there were none).
    pub fn messages(&self) -> &[String] {
        self.api().map_or(&[], |e| e.errors.as_slice())
    }

    /// 404: nothing at that path (including Vault's bare `{"errors":[]}`).
    pub fn is_not_found(&self) -> bool {
        self.kind() == Some(ErrorKind::InvalidPath)
    }

    /// 403: the token's policies do not allow this.
    pub fn is_permission_denied(&self) -> bool {
        self.kind() == Some(ErrorKind::Forbidden)
    }

    /// 401: no token, or a token Vault rejects.
    pub fn is_unauthorized(&self) -> bool {
        self.kind() == Some(ErrorKind::Unauthorized)
    }

    /// 400: the request was malformed.
    pub fn is_invalid_request(&self) -> bool {
        self.kind() == Some(ErrorKind::InvalidRequest)
    }

    /// 503: Vault is sealed (or down for maintenance).
    pub fn is_sealed(&self) -> bool {
        self.kind() == Some(ErrorKind::Sealed)
    }

    /// 429: rate limited.
    pub fn is_rate_limited(&self) -> bool {
        self.kind() == Some(ErrorKind::RateLimitExceeded)
    }

    /// A KV v2 check-and-set mismatch: 400 with Vault's `check-and-set parameter did not match
    /// the current version` (also for `cas` 0 on a secret that exists).
    pub fn is_cas_mismatch(&self) -> bool {
        self.is_invalid_request()
            && self
                .messages()
                .iter()
                .any(|m| m.contains("check-and-set") && m.contains("did not match"))
    }

    /// A KV v2 write without `cas` where the secret or mount requires one: 400 with Vault's
    /// `check-and-set parameter required for this call`.
    pub fn is_cas_required(&self) -> bool {
        self.is_invalid_request()
            && self
                .messages()
                .iter()
                .any(|m| m.contains("check-and-set") && m.contains("required"))
    }

    /// The server gave no answer (connection, DNS, TLS, timeout).
    pub fn is_transport(&self) -> bool {
        matches!(self, Error::Transport(_))
    }

    /// The request timed out.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Transport(e) if e.source.is_timeout())
    }

    /// A 2xx body could not be decoded.
    pub fn is_decode(&self) -> bool {
        matches!(self, Error::Decode(_))
    }

    /// The caller's input was refused before sending.
    pub fn is_invalid_input(&self) -> bool {
        matches!(self, Error::InvalidInput(_))
    }

    /// Converts an error of the generated API, naming the operation for decode errors.
    pub fn from_api<E>(err: progenitor_client::Error<E>, operation: &str) -> Self {
        match err {
            progenitor_client::Error::InvalidResponsePayload(bytes, e) => Error::Decode(Box::new(
                DecodeError::from_serde(Some(operation), &bytes, &e),
            )),
            other => Error::from(other),
        }
    }
}

impl<E> From<progenitor_client::Error<E>> for Error {
    fn from(err: progenitor_client::Error<E>) -> Self {
        use progenitor_client::Error as P;
        match err {
            P::InvalidRequest(msg) => Error::InvalidInput(msg),
            P::CommunicationError(e) | P::ResponseBodyError(e) | P::InvalidUpgrade(e) => {
                Error::Transport(Box::new(TransportError::new(e)))
            }
            P::ErrorResponse(rv) => Error::Api(Box::new(ApiError {
                status: rv.status().as_u16(),
                kind: ErrorKind::from_status(rv.status().as_u16()),
                errors: Vec::new(),
                method: String::new(),
                path: String::new(),
                body: None,
            })),
            P::InvalidResponsePayload(bytes, e) => {
                Error::Decode(Box::new(DecodeError::from_serde(None, &bytes, &e)))
            }
            P::UnexpectedResponse(resp) => match resp.extensions().get::<ApiError>() {
                Some(api) => Error::Api(Box::new(api.clone())),
                None => Error::Api(Box::new(ApiError::from_body(
                    resp.status().as_u16(),
                    "",
                    resp.url().path(),
                    b"",
                ))),
            },
            P::Custom(msg) => Error::InvalidInput(msg),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_follow_hvac() {
        let cases = [
            (400, ErrorKind::InvalidRequest),
            (401, ErrorKind::Unauthorized),
            (403, ErrorKind::Forbidden),
            (404, ErrorKind::InvalidPath),
            (405, ErrorKind::UnsupportedOperation),
            (412, ErrorKind::PreconditionFailed),
            (429, ErrorKind::RateLimitExceeded),
            (500, ErrorKind::InternalServerError),
            (501, ErrorKind::NotInitialized),
            (502, ErrorKind::BadGateway),
            (503, ErrorKind::Sealed),
            (418, ErrorKind::Unexpected),
        ];
        for (status, kind) in cases {
            assert_eq!(ErrorKind::from_status(status), kind, "{status}");
        }
    }

    #[test]
    fn multierror_messages_are_unwrapped() {
        assert_eq!(
            clean_message("1 error occurred:\n\t* permission denied\n\n"),
            "permission denied"
        );
        assert_eq!(
            clean_message("2 errors occurred:\n\t* a is bad\n\t* b is bad\n\n"),
            "a is bad; b is bad"
        );
        assert_eq!(clean_message("  Vault is sealed \n"), "Vault is sealed");
    }

    #[test]
    fn vault_and_rustyvault_error_bodies() {
        let e = ApiError::from_body(
            403,
            "GET",
            "/v1/secret/data/x",
            br#"{"errors":["1 error occurred:\n\t* permission denied\n\n"]}"#,
        );
        assert_eq!(e.errors, vec!["permission denied".to_string()]);
        let e = ApiError::from_body(404, "GET", "/v1/x", br#"{"errors":[]}"#);
        assert!(e.errors.is_empty());
        assert_eq!(e.kind, ErrorKind::InvalidPath);
        let e = ApiError::from_body(400, "POST", "/v1/x", br#"{"error":"bad thing"}"#);
        assert_eq!(e.errors, vec!["bad thing".to_string()]);
        let e = ApiError::from_body(502, "GET", "/v1/x", b"<html>bad gateway</html>");
        assert!(e.errors.is_empty() && e.body.is_none());
    }

    #[test]
    fn decode_errors_never_show_json_values() {
        let body = br#"{"data":{"password":"hunter2"},"lease_duration":"x"}"#;
        let err = serde_json::from_slice::<crate::Envelope>(body).unwrap_err();
        let e = Error::Decode(Box::new(DecodeError::from_serde(
            Some("kv-v2-read"),
            body,
            &err,
        )));
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("kv-v2-read"));
        let html = b"<html><body>502 Bad Gateway</body></html>";
        let err = serde_json::from_slice::<crate::Envelope>(html).unwrap_err();
        let e = DecodeError::from_serde(None, html, &err);
        assert!(e.to_string().contains("<html><body>502 Bad Gateway"), "{e}");
    }
}
