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
    /// A redirect was refused by the [`RedirectPolicy`](crate::RedirectPolicy), or there were
    /// too many.
    Redirect(Box<RedirectError>),
    /// The call's deadline ([`ClientBuilder::deadline`](crate::ClientBuilder::deadline)) passed,
    /// or a wait Vault asked for (`Retry-After`) would pass it.
    Deadline(Box<DeadlineError>),
    /// The answer is larger than
    /// [`ClientBuilder::max_response_size`](crate::ClientBuilder::max_response_size).
    TooLarge(Box<TooLargeError>),
    /// A login that Vault answered with an MFA requirement instead of a token: complete it
    /// with [`AuthApi::mfa_validate`](crate::auth::AuthApi::mfa_validate) (see
    /// [`Error::mfa_requirement`]) or log in with the passcodes at once
    /// ([`WithMfa`](crate::auth::WithMfa)).
    MfaRequired(Box<MfaRequiredError>),
}

/// What kind of non-2xx answer Vault gave, named as hvac names its exceptions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// 400: the request was malformed or a check-and-set did not match.
    InvalidRequest,
    /// 400 saying the path is already in use: a secrets engine or auth method is already
    /// enabled there (`path is already in use at kv/`).
    AlreadyInUse,
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
    /// 503 saying the server is overloaded (Vault's adaptive overload protection or request
    /// limiter: `Vault server temporarily overloaded`, `overloaded, try again later`).
    Overloaded,
    /// 431: the request's header fields are too large for the server.
    HeadersTooLarge,
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
            431 => ErrorKind::HeadersTooLarge,
            500 => ErrorKind::InternalServerError,
            501 => ErrorKind::NotInitialized,
            502 => ErrorKind::BadGateway,
            503 => ErrorKind::Sealed,
            _ => ErrorKind::Unexpected,
        }
    }

    /// The kind of an answer: its status, made specific by Vault's message where the status
    /// alone is ambiguous (a 400 saying a path is already in use is [`ErrorKind::AlreadyInUse`],
    /// a 503 saying the server is overloaded [`ErrorKind::Overloaded`]).
    pub fn from_answer(status: u16, messages: &[String]) -> Self {
        let kind = ErrorKind::from_status(status);
        let in_use = |m: &String| m.contains("already in use") || m.contains("existing mount at");
        if kind == ErrorKind::InvalidRequest && messages.iter().any(in_use) {
            return ErrorKind::AlreadyInUse;
        }
        if kind == ErrorKind::Sealed && messages.iter().any(|m| m.contains("overloaded")) {
            return ErrorKind::Overloaded;
        }
        kind
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
    /// The URL of the node that answered (scheme, host, port, path; no query).
    pub url: String,
    /// The operation (the generated method's name, `kv_v2_read`, also when a handwritten helper sent it), when known.
    pub operation: Option<String>,
    /// Whether the request was sent without a token (a 401/403 then says so).
    pub without_token: bool,
    /// The whole JSON body, when it was JSON (a KV v2 read of a deleted version carries its
    /// metadata here). Not shown by `Debug` or `Display`.
    pub body: Option<Value>,
    /// An overloaded answer ([`ErrorKind::Overloaded`]) that was not retried because the retry
    /// budget the client shares with its clones was spent ([`crate::RetryBudget`]).
    pub retry_budget_spent: bool,
    /// For a `431`: the largest header the request sent, by name and size (never its value).
    pub largest_header: Option<LargestHeader>,
    /// OpenBao answered `X-Vault-Inline-Auth-Failed: true`: the inline authentication of the
    /// call ([`Client::with_inline_auth`](crate::Client::with_inline_auth)) was refused, not the
    /// call itself.
    pub inline_auth_failed: bool,
}

/// The largest header of a request a server refused with `431`: its name and the size of its
/// value in bytes. The value itself is never kept (it may be the token).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LargestHeader {
    /// The header's name, lowercase (`x-vault-token`).
    pub name: String,
    /// The size of its value, in bytes.
    pub bytes: usize,
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
            kind: ErrorKind::from_answer(status, &errors),
            errors,
            method: method.to_string(),
            path: path.to_string(),
            url: String::new(),
            operation: None,
            without_token: false,
            body: json,
            retry_budget_spent: false,
            largest_header: None,
            inline_auth_failed: false,
        }
    }

    /// Names the URL (without its query) and the operation.
    pub(crate) fn at(mut self, url: &url::Url, operation: &str) -> Self {
        self.url = without_query(url);
        self.operation = Some(operation.to_string());
        self
    }
}

/// A URL as errors show it: no query, no credentials.
pub(crate) fn without_query(url: &url::Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.to_string()
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
            .field("url", &self.url)
            .field("operation", &self.operation)
            .field("without_token", &self.without_token)
            .field("retry_budget_spent", &self.retry_budget_spent)
            .field("largest_header", &self.largest_header)
            .field("inline_auth_failed", &self.inline_auth_failed)
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
        if let Some(op) = &self.operation {
            write!(f, " ({op})")?;
        }
        if !self.errors.is_empty() {
            write!(f, ": {}", self.errors.join("; "))?;
        }
        if self.inline_auth_failed {
            f.write_str(" (the inline authentication failed: the login path refused the X-Vault-Inline-Auth-* parameters)")?;
        }
        if self.without_token && matches!(self.status, 401 | 403) {
            f.write_str(" (no token was set on this client: set VAULT_TOKEN, call ClientBuilder::token, or log in)")?;
        }
        if (200..300).contains(&self.status) {
            f.write_str(" (an error in a success answer)")?;
        }
        if self.retry_budget_spent {
            f.write_str(" (not retried: the retry budget for overloaded answers, shared by this client and its clones, is spent; see RetryBudget)")?;
        }
        if self.status == 431 {
            f.write_str(" (the request's header fields are too large for the server")?;
            if let Some(largest) = &self.largest_header {
                write!(
                    f,
                    "; the largest sent was {} ({} bytes)",
                    largest.name, largest.bytes
                )?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// No answer from the server, or only a busy or failing service's ([`TransportError::status`]).
#[derive(Debug)]
#[non_exhaustive]
pub struct TransportError {
    /// The address the request went to (scheme, host, port, path; no query).
    pub address: String,
    /// A hint at the usual cause.
    pub hint: &'static str,
    /// The operation, when known.
    pub operation: Option<String>,
    /// Whether Vault had begun answering: the answer was cut off while it was read.
    pub cut_off: bool,
    /// The answer's status when the server answered only to say it is busy or failing (a cloud
    /// metadata service's `429` or `503`, which a login retries); `None` without an answer.
    pub status: Option<u16>,
    /// The underlying error.
    pub source: reqwest::Error,
}

impl TransportError {
    pub(crate) fn new(source: reqwest::Error) -> Self {
        let address = source
            .url()
            .map(without_query)
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
        } else if source.is_body() || source.is_decode() {
            "the answer was cut off: the connection broke while Vault's answer was being read"
        } else {
            "the connection failed before Vault answered"
        };
        TransportError {
            address,
            hint,
            operation: None,
            cut_off: source.is_body() || source.is_decode(),
            status: None,
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
        if let Some(op) = &self.operation {
            write!(f, "{op}: ")?;
        }
        // reqwest's own text is the error's source, printed after it by `{e:#}` (anyhow) or any
        // chain walker; writing it here too printed it twice there.
        match self.status {
            Some(status) => write!(f, "{status} from {}: {}", self.address, self.hint),
            None if self.cut_off => {
                write!(f, "incomplete answer from {}: {}", self.address, self.hint)
            }
            None => write!(f, "no answer from {}: {}", self.address, self.hint),
        }
    }
}

/// A 2xx answer that could not be decoded.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DecodeError {
    /// The operation, when known (`kv_v2_read`).
    pub operation: Option<String>,
    /// The URL that answered (no query), when known.
    pub url: Option<String>,
    /// What went wrong: the field (`data.metadata.version`), serde's message with any value
    /// from the body taken out, and what the body looks like. Never a value from the body.
    pub reason: String,
    /// Always `None` since a success answer's bytes are never shown (kept for compatibility).
    pub body_start: Option<String>,
    /// The body's length in bytes.
    pub body_len: usize,
}

impl DecodeError {
    #[cfg(test)]
    pub(crate) fn from_serde(
        operation: Option<&str>,
        body: &[u8],
        err: &serde_json::Error,
    ) -> Self {
        Self::new(operation, None, None, body, err)
    }

    /// The error for `err`, with `field` the path serde was at (`data.version`) when known.
    pub(crate) fn new(
        operation: Option<&str>,
        url: Option<String>,
        field: Option<String>,
        body: &[u8],
        err: &serde_json::Error,
    ) -> Self {
        let category = match err.classify() {
            serde_json::error::Category::Io => "read error",
            serde_json::error::Category::Syntax => "not valid JSON",
            serde_json::error::Category::Data => "JSON of an unexpected shape",
            serde_json::error::Category::Eof => "truncated JSON",
        };
        let mut reason = category.to_string();
        if let Some(field) = field.filter(|f| !f.is_empty() && f != ".") {
            reason.push_str(&format!(" at `{field}`"));
        }
        if err.classify() == serde_json::error::Category::Data {
            reason.push_str(": ");
            reason.push_str(&without_values(&err.to_string()));
        }
        reason.push_str(&format!(" (line {} column {})", err.line(), err.column()));
        if let Some(looks) = looks_like(body) {
            reason.push_str("; the body ");
            reason.push_str(looks);
        }
        if is_wrapped(body) {
            reason.push_str("; the answer is response-wrapped (it has `wrap_info`, no `data`): read it with Client::unwrap");
        }
        DecodeError {
            operation: operation.map(str::to_string),
            url,
            reason,
            body_start: None,
            body_len: body.len(),
        }
    }
}

/// serde's message without the values it quotes: `invalid type: string "hunter2", expected
/// u64 at line 1 column 9` becomes `invalid type: string, expected u64`.
fn without_values(message: &str) -> String {
    let message = match message.rfind(" at line ") {
        Some(at) => &message[..at],
        None => message,
    };
    let mut out = String::new();
    let mut rest = message;
    // Everything quoted (`…`, "…") before ", expected" is a value from the body; the expected
    // part names types and fields only.
    let (head, tail) = match rest.find(", expected") {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if head.starts_with("missing field") || head.starts_with("duplicate field") {
        return message.to_string();
    }
    rest = head;
    while let Some(i) = rest.find(['`', '"']) {
        out.push_str(rest[..i].trim_end());
        let quote = rest.as_bytes()[i] as char;
        match rest[i + 1..].find(quote) {
            Some(end) => rest = &rest[i + 1 + end + 1..],
            None => rest = "",
        }
    }
    out.push_str(rest);
    out.push_str(tail);
    out
}

/// What a body that failed to decode looks like, without showing any of it.
fn looks_like(body: &[u8]) -> Option<&'static str> {
    let bom = body.starts_with(&[0xef, 0xbb, 0xbf]);
    let rest = if bom { &body[3..] } else { body };
    let first = rest.iter().find(|b| !b.is_ascii_whitespace());
    Some(match (bom, first) {
        (_, None) if body.is_empty() => return None,
        (true, _) => "starts with a byte-order mark",
        (false, Some(b'<')) => {
            "looks like an HTML or XML page (a proxy or login page in front of Vault?)"
        }
        (false, Some(b'{' | b'[' | b'"')) => return None,
        _ => "is not JSON",
    })
}

/// Whether a body is a response-wrapped envelope (`wrap_info` set).
fn is_wrapped(body: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Wrapped {
        wrap_info: Option<serde::de::IgnoredAny>,
    }
    serde_json::from_slice::<Wrapped>(body).is_ok_and(|w| w.wrap_info.is_some())
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the answer")?;
        if let Some(op) = &self.operation {
            write!(f, " to {op}")?;
        }
        if let Some(url) = &self.url {
            write!(f, " from {url}")?;
        }
        write!(f, " could not be decoded: {}", self.reason)?;
        if self.body_len > 0 {
            write!(f, " ({} bytes)", self.body_len)?;
        }
        Ok(())
    }
}

/// A redirect that was not followed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RedirectError {
    /// The redirect status (307, 308).
    pub status: u16,
    /// Why it was not followed.
    pub reason: crate::RedirectRefusal,
    /// The origin of the node that sent it.
    pub from: String,
    /// The origin it pointed to (scheme, host, port only).
    pub to: String,
    /// The operation, when known.
    pub operation: Option<String>,
}

impl fmt::Display for RedirectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(op) = &self.operation {
            write!(f, "{op}: ")?;
        }
        match self.reason {
            crate::RedirectRefusal::TooMany(n) => write!(
                f,
                "too many redirects ({n}): the last, a {} from {}, pointed to {}",
                self.status, self.from, self.to
            ),
            reason => write!(
                f,
                "refused to follow the {} redirect from {} to {}: {reason}",
                self.status, self.from, self.to
            ),
        }
    }
}

/// Why a call ran out of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeadlineReason {
    /// The deadline passed while an attempt was under way (or before one could start).
    Passed,
    /// Vault asked to wait (`Retry-After`) longer than the time left.
    RetryAfter(std::time::Duration),
    /// The client-side rate limit would have held the request past the deadline.
    RateLimit(std::time::Duration),
}

/// A call that ran out of time: see [`Error::Deadline`].
#[derive(Debug)]
#[non_exhaustive]
pub struct DeadlineError {
    /// What ran out.
    pub reason: DeadlineReason,
    /// The limit: the call's deadline, or, without one, the longest `Retry-After` hashivault
    /// waits (60 s).
    pub limit: std::time::Duration,
    /// Whether `limit` is a deadline the caller set (`false`: the 60 s `Retry-After` cap).
    pub is_deadline: bool,
    /// How long the call had run.
    pub elapsed: std::time::Duration,
    /// The attempts sent.
    pub attempts: u32,
    /// The operation, when known.
    pub operation: Option<String>,
    /// The URL of the last attempt (no query).
    pub url: String,
    /// The last answer or failure, when there was one.
    pub last: Option<Box<Error>>,
}

impl fmt::Display for DeadlineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(op) = &self.operation {
            write!(f, "{op}: ")?;
        }
        let limit = self.limit.as_secs_f64();
        match self.reason {
            DeadlineReason::Passed => write!(
                f,
                "the call's deadline of {limit:.3}s passed (after {} attempt(s), {:.3}s) at {}",
                self.attempts,
                self.elapsed.as_secs_f64(),
                self.url
            )?,
            DeadlineReason::RetryAfter(wait) if self.is_deadline => write!(
                f,
                "Vault asked to retry after {:.3}s (Retry-After), past the call's deadline of {limit:.3}s ({:.3}s elapsed, {} attempt(s)) at {}",
                wait.as_secs_f64(),
                self.elapsed.as_secs_f64(),
                self.attempts,
                self.url
            )?,
            DeadlineReason::RetryAfter(wait) => write!(
                f,
                "Vault asked to retry after {:.3}s (Retry-After), longer than the {limit:.0}s hashivault waits without a deadline (set ClientBuilder::deadline to wait longer) at {}",
                wait.as_secs_f64(),
                self.url
            )?,
            DeadlineReason::RateLimit(wait) => write!(
                f,
                "the client's rate limit (VAULT_RATE_LIMIT) would hold the request {:.3}s, past the call's deadline of {limit:.3}s",
                wait.as_secs_f64()
            )?,
        }
        if let Some(last) = &self.last {
            write!(f, "; the last answer: {last}")?;
        }
        Ok(())
    }
}

/// An answer larger than the client accepts.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TooLargeError {
    /// The limit in bytes.
    pub limit: usize,
    /// The size the answer declared (`Content-Length`), when it did.
    pub declared: Option<u64>,
    /// The URL that answered (no query), when known.
    pub url: Option<String>,
    /// The operation, when known.
    pub operation: Option<String>,
}

impl fmt::Display for TooLargeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(op) = &self.operation {
            write!(f, "{op}: ")?;
        }
        f.write_str("the answer")?;
        if let Some(url) = &self.url {
            write!(f, " from {url}")?;
        }
        match self.declared {
            Some(len) => write!(f, " is {len} bytes, over")?,
            None => f.write_str(" went past")?,
        }
        write!(
            f,
            " the client's limit of {} bytes (ClientBuilder::max_response_size); it was not read further",
            self.limit
        )
    }
}

/// A login that needs multi-factor authentication: see [`Error::MfaRequired`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MfaRequiredError {
    /// What Vault asks for (its `mfa_request_id` hidden in `Debug`).
    pub requirement: crate::auth::MfaRequirement,
    /// The login operation, when known.
    pub operation: Option<String>,
}

impl fmt::Display for MfaRequiredError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(op) = &self.operation {
            write!(f, "{op}: ")?;
        }
        f.write_str("the login needs multi-factor authentication (")?;
        for (i, (enforcement, constraint)) in self.requirement.mfa_constraints.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{enforcement}: one of")?;
            for method in &constraint.any {
                write!(f, " {}", method.type_)?;
                if !method.name.is_empty() {
                    write!(f, " `{}`", method.name)?;
                }
                write!(f, " ({})", method.id)?;
            }
        }
        f.write_str("): complete it with AuthApi::mfa_validate, or log in with WithMfa")
    }
}

/// The error a size-limited body stream yields; found again in a `reqwest::Error`'s sources.
#[derive(Debug)]
pub(crate) struct BodyTooLarge {
    pub(crate) limit: usize,
}

impl fmt::Display for BodyTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the answer went past the limit of {} bytes", self.limit)
    }
}

impl std::error::Error for BodyTooLarge {}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) => e.fmt(f),
            Error::Transport(e) => e.fmt(f),
            Error::Decode(e) => e.fmt(f),
            Error::InvalidInput(msg) => write!(f, "invalid input: {msg}"),
            Error::Config(msg) => write!(f, "invalid configuration: {msg}"),
            Error::Redirect(e) => e.fmt(f),
            Error::Deadline(e) => e.fmt(f),
            Error::TooLarge(e) => e.fmt(f),
            Error::MfaRequired(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(e) => Some(&e.source),
            // The last answer is already in the deadline's text ("the last answer: ..."): its
            // source comes next, so each cause is printed once.
            Error::Deadline(e) => e.last.as_deref().and_then(|last| last.source()),
            _ => None,
        }
    }
}

impl Error {
    pub(crate) fn missing(what: &str) -> Self {
        Error::Decode(Box::new(DecodeError {
            operation: None,
            url: None,
            reason: what.to_string(),
            body_start: None,
            body_len: 0,
        }))
    }

    /// The error of an envelope without `data`, saying so when it was response-wrapped.
    pub(crate) fn missing_data(wrapped: bool) -> Self {
        if wrapped {
            Error::missing("the answer is response-wrapped (it has `wrap_info`, no `data`): read it with Client::unwrap")
        } else {
            Error::missing("the response has no `data` block")
        }
    }

    /// A `reqwest` failure: a transport error, or [`Error::TooLarge`] when the size limit cut
    /// the body.
    pub(crate) fn from_reqwest(e: reqwest::Error) -> Self {
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            if let Some(big) = s.downcast_ref::<BodyTooLarge>() {
                return Error::TooLarge(Box::new(TooLargeError {
                    limit: big.limit,
                    declared: None,
                    url: e.url().map(without_query),
                    operation: None,
                }));
            }
            source = s.source();
        }
        Error::Transport(Box::new(TransportError::new(e)))
    }

    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        Error::InvalidInput(msg.into())
    }

    /// Names the operation on an error that does not name one yet.
    pub(crate) fn with_operation(self, operation: &str) -> Self {
        self.name_operation(operation, false)
    }

    fn name_operation(mut self, operation: &str, replace: bool) -> Self {
        let slot = match &mut self {
            Error::Api(e) => &mut e.operation,
            Error::Transport(e) => &mut e.operation,
            Error::Decode(e) => &mut e.operation,
            Error::Redirect(e) => &mut e.operation,
            Error::Deadline(e) => &mut e.operation,
            Error::TooLarge(e) => &mut e.operation,
            Error::MfaRequired(e) => &mut e.operation,
            Error::InvalidInput(_) | Error::Config(_) => return self,
        };
        if replace || slot.is_none() {
            *slot = Some(operation.to_string());
        }
        self
    }

    /// The operation the error happened in, when known (`kv_v2_read`).
    pub fn operation(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.operation.as_deref(),
            Error::Transport(e) => e.operation.as_deref(),
            Error::Decode(e) => e.operation.as_deref(),
            Error::Redirect(e) => e.operation.as_deref(),
            Error::Deadline(e) => e.operation.as_deref(),
            Error::TooLarge(e) => e.operation.as_deref(),
            Error::MfaRequired(e) => e.operation.as_deref(),
            Error::InvalidInput(_) | Error::Config(_) => None,
        }
    }

    /// The Vault error, when Vault answered with a non-2xx status (or a 2xx carrying
    /// `errors`).
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

    /// The kind of Vault's answer, when it answered. Each kind but
    /// [`ErrorKind::Unexpected`] has one predicate below that is exactly
    /// `kind() == Some(that kind)`.
    pub fn kind(&self) -> Option<ErrorKind> {
        self.api().map(|e| e.kind)
    }

    /// The messages of Vault's `errors` array (empty when there were none).
    pub fn messages(&self) -> &[String] {
        self.api().map_or(&[], |e| e.errors.as_slice())
    }

    /// [`ErrorKind::InvalidPath`] (404): nothing at that path (including Vault's bare
    /// `{"errors":[]}`).
    pub fn is_not_found(&self) -> bool {
        self.kind() == Some(ErrorKind::InvalidPath)
    }

    /// [`ErrorKind::Forbidden`] (403): the token's policies do not allow this (or no token
    /// was set: [`ApiError::without_token`]).
    pub fn is_permission_denied(&self) -> bool {
        self.kind() == Some(ErrorKind::Forbidden)
    }

    /// [`ErrorKind::Unauthorized`] (401): no token, or a token Vault rejects.
    pub fn is_unauthorized(&self) -> bool {
        self.kind() == Some(ErrorKind::Unauthorized)
    }

    /// [`ErrorKind::InvalidRequest`] (400): the request was malformed (a 400 saying the path
    /// is already in use is [`Error::is_already_in_use`] instead).
    pub fn is_invalid_request(&self) -> bool {
        self.kind() == Some(ErrorKind::InvalidRequest)
    }

    /// [`ErrorKind::AlreadyInUse`] (400): a secrets engine or auth method is already enabled
    /// at that path. Enabling idempotently: treat it as success after checking the mount.
    pub fn is_already_in_use(&self) -> bool {
        self.kind() == Some(ErrorKind::AlreadyInUse)
    }

    /// [`ErrorKind::UnsupportedOperation`] (405).
    pub fn is_unsupported_operation(&self) -> bool {
        self.kind() == Some(ErrorKind::UnsupportedOperation)
    }

    /// [`ErrorKind::PreconditionFailed`] (412): a consistency precondition failed.
    pub fn is_precondition_failed(&self) -> bool {
        self.kind() == Some(ErrorKind::PreconditionFailed)
    }

    /// [`ErrorKind::RateLimitExceeded`] (429): rate limited.
    pub fn is_rate_limited(&self) -> bool {
        self.kind() == Some(ErrorKind::RateLimitExceeded)
    }

    /// [`ErrorKind::InternalServerError`] (500).
    pub fn is_internal_server_error(&self) -> bool {
        self.kind() == Some(ErrorKind::InternalServerError)
    }

    /// [`ErrorKind::NotInitialized`] (501).
    pub fn is_not_initialized(&self) -> bool {
        self.kind() == Some(ErrorKind::NotInitialized)
    }

    /// [`ErrorKind::BadGateway`] (502).
    pub fn is_bad_gateway(&self) -> bool {
        self.kind() == Some(ErrorKind::BadGateway)
    }

    /// [`ErrorKind::Sealed`] (503): Vault is sealed (or down for maintenance).
    pub fn is_sealed(&self) -> bool {
        self.kind() == Some(ErrorKind::Sealed)
    }

    /// [`ErrorKind::Overloaded`] (503 saying the server is overloaded).
    pub fn is_overloaded(&self) -> bool {
        self.kind() == Some(ErrorKind::Overloaded)
    }

    /// A KV v2 check-and-set mismatch: an [`ErrorKind::InvalidRequest`] with Vault's
    /// `check-and-set parameter did not match the current version` (also for `cas` 0 on a
    /// secret that exists).
    pub fn is_cas_mismatch(&self) -> bool {
        self.is_invalid_request()
            && self
                .messages()
                .iter()
                .any(|m| m.contains("check-and-set") && m.contains("did not match"))
    }

    /// A KV v2 write without `cas` where the secret or mount requires one: an
    /// [`ErrorKind::InvalidRequest`] with Vault's `check-and-set parameter required for this
    /// call`.
    pub fn is_cas_required(&self) -> bool {
        self.is_invalid_request()
            && self
                .messages()
                .iter()
                .any(|m| m.contains("check-and-set") && m.contains("required"))
    }

    /// The server gave no (whole) answer: connection, DNS, TLS, per-attempt timeout, a body cut
    /// off.
    pub fn is_transport(&self) -> bool {
        matches!(self, Error::Transport(_))
    }

    /// Out of time: an attempt's timeout ([`ClientBuilder::timeout`](crate::ClientBuilder::timeout))
    /// or the call's deadline ([`Error::is_deadline`]).
    pub fn is_timeout(&self) -> bool {
        match self {
            Error::Transport(e) => e.source.is_timeout(),
            Error::Deadline(_) => true,
            _ => false,
        }
    }

    /// The call's deadline passed, or a `Retry-After` or rate-limit wait would pass it.
    pub fn is_deadline(&self) -> bool {
        matches!(self, Error::Deadline(_))
    }

    /// A redirect was refused, or there were too many.
    pub fn is_redirect(&self) -> bool {
        matches!(self, Error::Redirect(_))
    }

    /// The answer was over the size limit.
    pub fn is_too_large(&self) -> bool {
        matches!(self, Error::TooLarge(_))
    }

    /// A 2xx body could not be decoded.
    pub fn is_decode(&self) -> bool {
        matches!(self, Error::Decode(_))
    }

    /// The caller's input was refused before sending.
    pub fn is_invalid_input(&self) -> bool {
        matches!(self, Error::InvalidInput(_))
    }

    /// A login answered with an MFA requirement instead of a token ([`Error::MfaRequired`]).
    pub fn is_mfa_required(&self) -> bool {
        matches!(self, Error::MfaRequired(_))
    }

    /// The pending MFA requirement of [`Error::MfaRequired`], to complete with
    /// [`AuthApi::mfa_validate`](crate::auth::AuthApi::mfa_validate).
    pub fn mfa_requirement(&self) -> Option<&crate::auth::MfaRequirement> {
        match self {
            Error::MfaRequired(e) => Some(&e.requirement),
            _ => None,
        }
    }

    /// A request reqwest could not build (a header value that is not one); its message, not the
    /// request's content.
    // Called by generated send()s only: none in a build without an API group.
    #[allow(dead_code)]
    #[cold]
    pub(crate) fn unbuildable(e: reqwest::Error) -> Self {
        let reason = if e.is_builder() {
            "a header or URL value is not valid"
        } else {
            "the request could not be built"
        };
        Error::InvalidInput(format!("cannot build the request: {reason}"))
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
        assert!(e.to_string().contains("HTML"), "{e}");
        assert!(!e.to_string().contains("Bad Gateway"), "{e}");
        // A byte-order mark before JSON: said, and the JSON never shown.
        let bom = "\u{feff}{\"data\":{\"password\":\"hunter2\"}}".as_bytes();
        let err = serde_json::from_slice::<crate::Envelope>(bom).unwrap_err();
        let e = DecodeError::from_serde(None, bom, &err);
        let shown = format!("{e} {e:?}");
        assert!(
            shown.contains("byte-order mark") && !shown.contains("hunter2"),
            "{shown}"
        );
    }

    #[test]
    fn a_wrapped_body_that_fails_to_decode_says_it_is_wrapped() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct NeedsData {
            data: serde_json::Map<String, Value>,
        }
        let body = br#"{"data":null,"wrap_info":{"token":"hvs.wrapped-secret","ttl":300}}"#;
        let err = serde_json::from_slice::<NeedsData>(body).unwrap_err();
        let e = DecodeError::from_serde(Some("kv-v2-read"), body, &err);
        let shown = format!("{e} {e:?}");
        assert!(shown.contains("response-wrapped"), "{shown}");
        assert!(!shown.contains("hvs.wrapped-secret"), "{shown}");
    }

    #[test]
    fn serde_messages_lose_their_values() {
        assert_eq!(
            without_values("invalid type: string \"hunter2\", expected u64 at line 1 column 9"),
            "invalid type: string, expected u64"
        );
        assert_eq!(
            without_values("invalid value: integer `42`, expected a boolean"),
            "invalid value: integer, expected a boolean"
        );
        assert_eq!(
            without_values("unknown variant `s3cret`, expected one of `a`, `b`"),
            "unknown variant, expected one of `a`, `b`"
        );
        assert_eq!(
            without_values("missing field `data`"),
            "missing field `data`"
        );
    }

    #[test]
    fn each_kind_has_one_predicate_that_matches_it_alone() {
        type Predicate = fn(&Error) -> bool;
        let predicates: [(ErrorKind, Predicate); 12] = [
            (ErrorKind::InvalidRequest, Error::is_invalid_request),
            (ErrorKind::AlreadyInUse, Error::is_already_in_use),
            (ErrorKind::Unauthorized, Error::is_unauthorized),
            (ErrorKind::Forbidden, Error::is_permission_denied),
            (ErrorKind::InvalidPath, Error::is_not_found),
            (
                ErrorKind::UnsupportedOperation,
                Error::is_unsupported_operation,
            ),
            (ErrorKind::PreconditionFailed, Error::is_precondition_failed),
            (ErrorKind::RateLimitExceeded, Error::is_rate_limited),
            (
                ErrorKind::InternalServerError,
                Error::is_internal_server_error,
            ),
            (ErrorKind::NotInitialized, Error::is_not_initialized),
            (ErrorKind::BadGateway, Error::is_bad_gateway),
            (ErrorKind::Sealed, Error::is_sealed),
        ];
        let answers: [(u16, &[u8]); 14] = [
            (400, br#"{"errors":["bad"]}"#),
            (400, br#"{"errors":["path is already in use at kv/"]}"#),
            (401, b"{}"),
            (403, b"{}"),
            (404, b"{}"),
            (405, b"{}"),
            (412, b"{}"),
            (429, b"{}"),
            (500, b"{}"),
            (501, b"{}"),
            (502, b"{}"),
            (503, b"{}"),
            (418, b"{}"),
            (200, br#"{"errors":["x"]}"#),
        ];
        for (status, body) in answers {
            let e = Error::Api(Box::new(ApiError::from_body(status, "GET", "/v1/x", body)));
            let kind = e.kind().unwrap();
            for (k, predicate) in &predicates {
                assert_eq!(predicate(&e), *k == kind, "{status} {kind:?} vs {k:?}");
            }
        }
        let in_use = ApiError::from_body(
            400,
            "POST",
            "/v1/sys/auth/userpass",
            br#"{"errors":["path is already in use at auth/userpass/"]}"#,
        );
        assert_eq!(in_use.kind, ErrorKind::AlreadyInUse);
    }
}
