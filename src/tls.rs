//! TLS settings of a [`ClientBuilder`](crate::ClientBuilder): trusted CAs, the client identity,
//! skip-verify, the expected server name, and which TLS stack carries them.
//!
//! Two stacks, chosen by Cargo feature:
//! - `rustls` (default): rustls with the `ring` provider, trusting the platform's roots through
//!   `rustls-platform-verifier` plus the CAs configured here.
//! - `native-tls`: the platform's own TLS library (OpenSSL on Linux, Secure Transport on macOS,
//!   SChannel on Windows) and its trust store: corporate CAs installed in the system, FIPS builds.
//!
//! With both features on (as `--all-features` does), **rustls is used**. With neither, the
//! client speaks plain HTTP only: an `https://` address or a TLS setting is a
//! [`Error::Config`] at build time, naming the features to turn on.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::error::Error;

/// Whether this build has a TLS stack (`rustls` or `native-tls`).
pub(crate) const TLS_AVAILABLE: bool = cfg!(any(feature = "rustls", feature = "native-tls"));

/// The TLS stack this build uses: `"rustls"`, `"native-tls"`, or `"none"`.
pub(crate) const TLS_BACKEND: &str = if cfg!(feature = "rustls") {
    "rustls"
} else if cfg!(feature = "native-tls") {
    "native-tls"
} else {
    "none"
};

/// The TLS part of a builder. Nothing is read from disk until [`TlsConfig::apply`].
#[derive(Default)]
pub(crate) struct TlsConfig {
    pub(crate) ca_pems: Vec<Vec<u8>>,
    pub(crate) ca_files: Vec<PathBuf>,
    pub(crate) ca_dir: Option<PathBuf>,
    pub(crate) identity: Option<IdentitySource>,
    pub(crate) skip_verify: bool,
    pub(crate) server_name: Option<String>,
}

/// Where the client certificate and key come from.
#[cfg_attr(not(any(feature = "rustls", feature = "native-tls")), allow(dead_code))]
pub(crate) enum IdentitySource {
    /// PEM files: the certificate (chain) and the key.
    Files { cert: PathBuf, key: PathBuf },
    /// PEM bytes holding the certificate (chain) and the key, in any order.
    Pem(SecretBytes),
}

/// Bytes that may hold a private key: never shown.
#[cfg_attr(not(any(feature = "rustls", feature = "native-tls")), allow(dead_code))]
pub(crate) struct SecretBytes(pub(crate) Vec<u8>);

impl std::fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let identity = match &self.identity {
            Some(IdentitySource::Files { cert, key }) => {
                Some(format!("files {} and {}", cert.display(), key.display()))
            }
            Some(IdentitySource::Pem(_)) => Some("<PEM bytes>".to_string()),
            None => None,
        };
        f.debug_struct("TlsConfig")
            .field("backend", &TLS_BACKEND)
            .field("ca_pems", &self.ca_pems.len())
            .field("ca_files", &self.ca_files)
            .field("ca_dir", &self.ca_dir)
            .field("identity", &identity)
            .field("skip_verify", &self.skip_verify)
            .field("server_name", &self.server_name)
            .finish()
    }
}

impl TlsConfig {
    /// Whether any TLS setting was made (they need a TLS stack).
    fn is_configured(&self) -> bool {
        !self.ca_pems.is_empty()
            || !self.ca_files.is_empty()
            || self.ca_dir.is_some()
            || self.identity.is_some()
            || self.skip_verify
            || self.server_name.is_some()
    }

    /// Refuses a configuration this build cannot honour: an `https://` address or TLS settings
    /// without a TLS stack.
    pub(crate) fn check_available(&self, base: &str) -> Result<(), Error> {
        if TLS_AVAILABLE {
            return Ok(());
        }
        if base.starts_with("https://") {
            return Err(Error::Config(format!(
                "{base} is an https:// address, but hashivault was built without TLS: enable the \
                 `rustls` (default) or `native-tls` feature, or use an http:// address"
            )));
        }
        if self.is_configured() {
            return Err(Error::Config(
                "TLS settings (CA, client certificate, skip-verify, server name) need the \
                 `rustls` (default) or `native-tls` feature"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Selects the TLS stack and applies the CAs, the identity and skip-verify to `b`. Reads the
    /// CA and key files.
    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    pub(crate) fn apply(
        &self,
        mut b: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, Error> {
        // reqwest picks native-tls when both are compiled in; hashivault documents rustls.
        #[cfg(feature = "rustls")]
        {
            install_crypto_provider();
            b = b.tls_backend_rustls();
        }
        #[cfg(all(feature = "native-tls", not(feature = "rustls")))]
        {
            b = b.tls_backend_native();
        }
        let mut roots = Vec::new();
        for pem in &self.ca_pems {
            roots.extend(pem_certs(pem, "the CA PEM bytes")?);
        }
        for file in &self.ca_files {
            let pem = std::fs::read(file).map_err(|e| {
                Error::Config(format!("cannot read CA file {}: {e}", file.display()))
            })?;
            roots.extend(pem_certs(&pem, &file.display().to_string())?);
        }
        if let Some(dir) = &self.ca_dir {
            let entries = std::fs::read_dir(dir).map_err(|e| {
                Error::Config(format!("cannot read CA directory {}: {e}", dir.display()))
            })?;
            for entry in entries.flatten() {
                let path = entry.path();
                if !path.is_file() {
                    continue;
                }
                // Files without a certificate (keys, READMEs) are skipped.
                if let Ok(pem) = std::fs::read(&path) {
                    if pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
                        roots.extend(pem_certs(&pem, &path.display().to_string())?);
                    }
                }
            }
        }
        if !roots.is_empty() {
            b = b.tls_certs_merge(roots);
        }
        if let Some(identity) = &self.identity {
            b = b.identity(load_identity(identity)?);
        }
        if self.skip_verify {
            tracing::warn!("TLS verification is OFF (VAULT_SKIP_VERIFY): anyone on the path can read your secrets");
            b = b.tls_danger_accept_invalid_certs(true);
        }
        Ok(b)
    }

    /// Without a TLS stack there is nothing to apply ([`TlsConfig::check_available`] refused
    /// any TLS setting).
    #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
    pub(crate) fn apply(&self, b: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, Error> {
        Ok(b)
    }
}

#[cfg(any(feature = "rustls", feature = "native-tls"))]
fn pem_certs(pem: &[u8], source: &str) -> Result<Vec<reqwest::Certificate>, Error> {
    let certs = reqwest::Certificate::from_pem_bundle(pem)
        .map_err(|e| Error::Config(format!("{source} is not a PEM certificate bundle: {e}")))?;
    if certs.is_empty() {
        return Err(Error::Config(format!("{source} holds no certificate")));
    }
    Ok(certs)
}

/// The certificate PEM blocks and the private key PEM block of a buffer holding both.
#[cfg(any(feature = "rustls", feature = "native-tls", test))]
fn split_identity_pem(pem: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let text = String::from_utf8_lossy(pem);
    let (mut certs, mut key) = (String::new(), String::new());
    let mut rest = text.as_ref();
    while let Some(start) = rest.find("-----BEGIN ") {
        let block = &rest[start..];
        let label_end = block[11..].find("-----").map(|i| i + 11);
        let Some(label_end) = label_end else { break };
        let label = &block[11..label_end];
        let end_marker = format!("-----END {label}-----");
        let Some(end) = block.find(&end_marker).map(|i| i + end_marker.len()) else {
            break;
        };
        let target = if label.contains("PRIVATE KEY") {
            &mut key
        } else {
            &mut certs
        };
        target.push_str(&block[..end]);
        target.push('\n');
        rest = &block[end..];
    }
    (certs.into_bytes(), key.into_bytes())
}

#[cfg(any(feature = "rustls", feature = "native-tls"))]
fn load_identity(source: &IdentitySource) -> Result<reqwest::Identity, Error> {
    let (cert, key) = match source {
        IdentitySource::Files { cert, key } => {
            let cert_pem = std::fs::read(cert).map_err(|e| {
                Error::Config(format!(
                    "cannot read client certificate {}: {e}",
                    cert.display()
                ))
            })?;
            let key_pem = std::fs::read(key).map_err(|e| {
                Error::Config(format!("cannot read client key {}: {e}", key.display()))
            })?;
            (cert_pem, key_pem)
        }
        IdentitySource::Pem(SecretBytes(pem)) => split_identity_pem(pem),
    };
    if cert.is_empty() || key.is_empty() {
        return Err(Error::Config(
            "the client identity needs a PEM certificate and a PEM private key".into(),
        ));
    }
    #[cfg(feature = "rustls")]
    let identity = {
        let mut pem = cert;
        pem.push(b'\n');
        pem.extend_from_slice(&key);
        reqwest::Identity::from_pem(&pem)
    };
    #[cfg(all(feature = "native-tls", not(feature = "rustls")))]
    let identity = reqwest::Identity::from_pkcs8_pem(&cert, &key);
    // The key never appears in the message; reqwest's error text does not quote it either, but
    // it is not needed.
    identity.map_err(|_| {
        Error::Config(format!(
            "the client certificate and key are not a valid PEM pair for {TLS_BACKEND}{}",
            if TLS_BACKEND == "native-tls" {
                " (native-tls needs a PKCS#8 key: -----BEGIN PRIVATE KEY-----)"
            } else {
                ""
            }
        ))
    })
}

/// Connects to the address's host while verifying (and sending as SNI) another name, as
/// `VAULT_TLS_SERVER_NAME` does: the base URL carries the server name, and this resolver maps
/// that name back to the address's host, looked up **per connection** (never at build time, so
/// a DNS change or a host that does not resolve yet is fine). Other names (redirect targets)
/// resolve normally.
pub(crate) struct ServerNameResolver {
    /// The name in the URL and the certificate, lower case.
    server_name: String,
    /// Where to connect instead.
    target: url::Host<String>,
}

impl ServerNameResolver {
    /// For the base URL `base` (`https://host:port`): the resolver and the base URL to use
    /// (the same with `server_name` as host).
    pub(crate) fn for_base(base: &str, server_name: &str) -> Result<(Self, String), Error> {
        let mut url = url::Url::parse(base)
            .map_err(|e| Error::Config(format!("invalid address {base:?}: {e}")))?;
        let target = url
            .host()
            .ok_or_else(|| Error::Config(format!("invalid address {base:?}: no host")))?
            .to_owned();
        let name = server_name.trim().trim_end_matches('.');
        if name.is_empty() || name.parse::<std::net::IpAddr>().is_ok() {
            return Err(Error::Config(format!(
                "invalid TLS server name {server_name:?}: expected a DNS name such as vault.internal"
            )));
        }
        url.set_host(Some(name))
            .map_err(|e| Error::Config(format!("invalid TLS server name {server_name:?}: {e}")))?;
        if url
            .host()
            .is_some_and(|h| !matches!(h, url::Host::Domain(_)))
        {
            return Err(Error::Config(format!(
                "invalid TLS server name {server_name:?}: expected a DNS name such as vault.internal"
            )));
        }
        let mut renamed = url.to_string();
        while renamed.ends_with('/') {
            renamed.pop();
        }
        let resolver = ServerNameResolver {
            server_name: url.host_str().unwrap_or(name).to_ascii_lowercase(),
            target,
        };
        Ok((resolver, renamed))
    }
}

impl reqwest::dns::Resolve for ServerNameResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = if name.as_str().eq_ignore_ascii_case(&self.server_name) {
            self.target.clone()
        } else {
            url::Host::Domain(name.as_str().to_string())
        };
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = match host {
                url::Host::Ipv4(ip) => vec![SocketAddr::new(ip.into(), 0)],
                url::Host::Ipv6(ip) => vec![SocketAddr::new(ip.into(), 0)],
                url::Host::Domain(domain) => tokio::net::lookup_host((domain.as_str(), 0))
                    .await?
                    .collect(),
            };
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Installs rustls' `ring` provider as the process default, if no provider is installed yet.
///
/// hashivault builds reqwest with rustls and no bundled provider (ring builds faster than
/// aws-lc). Building a hashivault [`Client`](crate::Client) calls this itself; call it first
/// when you build your own `reqwest::Client` for
/// [`ClientBuilder::http_client`](crate::ClientBuilder::http_client), or reqwest panics for lack
/// of a provider. A no-op without the `rustls` feature.
pub fn install_crypto_provider() {
    #[cfg(feature = "rustls")]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            let _ = rustls::crypto::ring::default_provider().install_default();
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::dns::Resolve;

    #[test]
    fn identity_pem_is_split_into_certificates_and_key() {
        let pem = b"-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n\
                    -----BEGIN CERTIFICATE-----\nLEAF\n-----END CERTIFICATE-----\n\
                    -----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";
        let (certs, key) = split_identity_pem(pem);
        let certs = String::from_utf8(certs).unwrap();
        let key = String::from_utf8(key).unwrap();
        assert_eq!(
            certs,
            "-----BEGIN CERTIFICATE-----\nLEAF\n-----END CERTIFICATE-----\n\
             -----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n"
        );
        assert_eq!(
            key,
            "-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n"
        );
        let (certs, key) = split_identity_pem(b"no pem here");
        assert!(certs.is_empty() && key.is_empty());
    }

    #[test]
    fn the_server_name_goes_into_the_url_and_the_host_is_kept_for_connecting() {
        let (resolver, base) =
            ServerNameResolver::for_base("https://10.0.0.7:8200", "Vault.Internal").unwrap();
        assert_eq!(base, "https://vault.internal:8200");
        assert_eq!(resolver.server_name, "vault.internal");
        assert_eq!(
            resolver.target,
            url::Host::<String>::Ipv4([10, 0, 0, 7].into())
        );
        // A host that does not resolve is fine: nothing is looked up here.
        let (_, base) =
            ServerNameResolver::for_base("https://vault.does-not-exist.invalid", "localhost")
                .unwrap();
        assert_eq!(base, "https://localhost");
        assert!(ServerNameResolver::for_base("https://10.0.0.7", "10.0.0.8").is_err());
        assert!(ServerNameResolver::for_base("https://10.0.0.7", "").is_err());
        assert!(ServerNameResolver::for_base("https://10.0.0.7", "a b").is_err());
    }

    #[tokio::test]
    async fn the_resolver_maps_the_server_name_to_the_host_on_every_lookup() {
        let (resolver, _) =
            ServerNameResolver::for_base("https://127.0.0.1:8200", "vault.internal").unwrap();
        for _ in 0..2 {
            let name: reqwest::dns::Name = "VAULT.internal".parse().unwrap();
            let addrs: Vec<SocketAddr> = resolver.resolve(name).await.unwrap().collect();
            assert_eq!(addrs, vec!["127.0.0.1:0".parse().unwrap()]);
        }
        let (resolver, _) =
            ServerNameResolver::for_base("https://[::1]:8200", "vault.internal").unwrap();
        let name: reqwest::dns::Name = "vault.internal".parse().unwrap();
        let addrs: Vec<SocketAddr> = resolver.resolve(name).await.unwrap().collect();
        assert_eq!(addrs, vec!["[::1]:0".parse().unwrap()]);
        // Another name (a redirect to another node) resolves as itself.
        let name: reqwest::dns::Name = "localhost".parse().unwrap();
        let addrs: Vec<SocketAddr> = resolver.resolve(name).await.unwrap().collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()), "{addrs:?}");
        assert!(!addrs.is_empty());
    }
}
