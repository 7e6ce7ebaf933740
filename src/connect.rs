//! How a client reaches Vault: the address (`http://`, `https://`, `unix://`), the timeouts,
//! the user agent, a proxy and the TLS settings ([`crate::tls`]), turned into the one
//! `reqwest::Client` the transport sends through.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::Error;
use crate::tls::{ServerNameResolver, TlsConfig};

/// The connection part of a [`ClientBuilder`](crate::ClientBuilder).
#[derive(Default)]
pub(crate) struct ConnectConfig {
    pub(crate) timeout: Option<Duration>,
    pub(crate) no_timeout: bool,
    pub(crate) proxy: Option<reqwest::Proxy>,
    pub(crate) user_agent: Option<String>,
    pub(crate) tls: TlsConfig,
}

impl std::fmt::Debug for ConnectConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectConfig")
            .field("timeout", &self.timeout)
            .field("no_timeout", &self.no_timeout)
            // A proxy URL may carry credentials: only whether one is set.
            .field("proxy", &self.proxy.as_ref().map(|_| "<set>"))
            .field("user_agent", &self.user_agent)
            .field("tls", &self.tls)
            .finish()
    }
}

/// Vault's CLI default request timeout.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

impl ConnectConfig {
    /// The HTTP client for `base` (from [`parse_address`]), and the base URL to send to (the
    /// TLS server name replaces the host when one is set).
    pub(crate) fn http_client(
        &self,
        base: String,
        unix_socket: Option<&Path>,
    ) -> Result<(reqwest::Client, String), Error> {
        self.tls.check_available(&base)?;
        // Redirects and retries are the pipeline's (`src/transport/pipeline.rs`). reqwest's own
        // retry (on by default, for HTTP/2 refusals, which the pipeline retries too) copies
        // every request's headers and extensions before sending it, in case: ~1.5k instructions
        // per call, 1.7 % of a small read (`benches/README.md`).
        let mut b = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never().max_retries_per_request(0))
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(
                self.user_agent
                    .clone()
                    .unwrap_or_else(|| format!("hashivault/{}", env!("CARGO_PKG_VERSION"))),
            );
        if !self.no_timeout {
            b = b.timeout(self.timeout.unwrap_or(DEFAULT_TIMEOUT));
        }
        b = self.tls.apply(b)?;
        let mut base = base;
        if let Some(name) = &self.tls.server_name {
            if base.starts_with("https://") && unix_socket.is_none() {
                let (resolver, renamed) = ServerNameResolver::for_base(&base, name)?;
                b = b.dns_resolver(resolver);
                base = renamed;
            }
        }
        if let Some(proxy) = &self.proxy {
            b = b.proxy(proxy.clone());
        }
        #[cfg(unix)]
        if let Some(socket) = unix_socket {
            b = b.unix_socket(socket.to_path_buf());
        }
        #[cfg(not(unix))]
        if unix_socket.is_some() {
            return Err(Error::Config(
                "unix socket addresses need a unix platform".into(),
            ));
        }
        let client = b
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok((client, base))
    }
}

/// A proxy URL (`VAULT_HTTP_PROXY`), checked; the URL may carry credentials, so an error never
/// repeats it.
pub(crate) fn proxy_from_url(url: &str) -> Result<reqwest::Proxy, Error> {
    let parsed = url::Url::parse(url.trim())
        .map_err(|e| Error::Config(format!("the proxy address is not a URL ({e})")))?;
    if !matches!(parsed.scheme(), "http" | "https") || !parsed.has_host() {
        return Err(Error::Config(
            "the proxy address must be an http://, https:// URL with a host".into(),
        ));
    }
    reqwest::Proxy::all(parsed.as_str())
        .map_err(|_| Error::Config("the proxy address is not usable".into()))
}

/// Splits an address into the base URL and, for `unix://`, the socket path.
pub(crate) fn parse_address(address: &str) -> Result<(String, Option<PathBuf>), Error> {
    let address = address.trim();
    if let Some(path) = address.strip_prefix("unix://") {
        if path.is_empty() {
            return Err(Error::Config(
                "a unix:// address needs a socket path".into(),
            ));
        }
        return Ok(("http://localhost".to_string(), Some(PathBuf::from(path))));
    }
    let url = url::Url::parse(address).map_err(|e| {
        Error::Config(format!(
            "invalid Vault address {address:?}: {e} (expected e.g. https://127.0.0.1:8200)"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::Config(format!(
            "invalid Vault address {address:?}: the scheme must be http, https or unix"
        )));
    }
    if url.host_str().is_none() {
        return Err(Error::Config(format!(
            "invalid Vault address {address:?}: no host"
        )));
    }
    let mut base = url.to_string();
    while base.ends_with('/') {
        base.pop();
    }
    let base = base.strip_suffix("/v1").unwrap_or(&base).to_string();
    Ok((base, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(
            parse_address("http://127.0.0.1:8200/").unwrap().0,
            "http://127.0.0.1:8200"
        );
        assert_eq!(
            parse_address("https://v.example/v1").unwrap().0,
            "https://v.example"
        );
        let (base, sock) = parse_address("unix:///run/agent.sock").unwrap();
        assert_eq!(base, "http://localhost");
        assert_eq!(sock.unwrap(), PathBuf::from("/run/agent.sock"));
        assert!(parse_address("127.0.0.1:8200").is_err());
        assert!(parse_address("ftp://x").is_err());
    }

    #[test]
    fn proxies_are_checked_without_repeating_the_url() {
        assert!(proxy_from_url("http://proxy.internal:3128").is_ok());
        assert!(proxy_from_url("https://user:pw@proxy.internal").is_ok());
        for bad in ["http://user:hunter2@", "ftp://user:hunter2@host", "hunter2"] {
            let err = proxy_from_url(bad).unwrap_err().to_string();
            assert!(!err.contains("hunter2"), "{err}");
            assert!(err.contains("proxy"), "{err}");
        }
    }
}
