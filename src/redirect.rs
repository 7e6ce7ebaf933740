//! Which `307`/`308` redirects the transport follows: [`RedirectPolicy`].
//!
//! A Vault standby answers a request it cannot serve with a `307` to the active node's
//! `api_addr`. The request is sent again there whole (method, body, token), as Vault's Go client
//! does, so a redirect decides where the token and a login's password travel. The rules, checked
//! in this order for every hop:
//!
//! 1. a `Location` that is not `http:` or `https:` is refused before anything is sent;
//! 2. `https` → `http` is refused (a downgrade: the token would travel in cleartext);
//! 3. with [`RedirectPolicy::none`] (`VAULT_DISABLE_REDIRECTS`) nothing is followed;
//! 4. the same origin (scheme, host, port) is followed;
//! 5. another origin: refused by [`RedirectPolicy::same_origin`]; by
//!    [`RedirectPolicy::allow_hosts`] followed only to a listed host; and in every case followed
//!    only over `https`, unless [`RedirectPolicy::allow_plain_http`] opts in;
//! 6. after [`RedirectPolicy::max_redirects`] hops (default 10) the call fails with "too many
//!    redirects (N)".
//!
//! A refused redirect is an [`Error::Redirect`](crate::Error::Redirect) naming the reason and the
//! origin it pointed to (never its path or query, never a token).

use std::fmt;

use url::Url;

/// Which redirects the client follows. A redirect is sent again whole (method, body, token),
/// as Vault's Go client does; the rules, checked in this order for every hop:
///
/// 1. a `Location` that is not `http:` or `https:` is refused before anything is sent;
/// 2. `https` → `http` is refused (a downgrade: the token would travel in cleartext);
/// 3. with [`RedirectPolicy::none`] (`VAULT_DISABLE_REDIRECTS`) nothing is followed;
/// 4. the same origin (scheme, host, port) is followed;
/// 5. another origin: refused by [`RedirectPolicy::same_origin`]; by
///    [`RedirectPolicy::allow_hosts`] followed only to a listed host; and in every case followed
///    only over `https`, unless [`RedirectPolicy::allow_plain_http`] opts in;
/// 6. after [`RedirectPolicy::max_redirects`] hops (default 10) the call fails with "too many
///    redirects (N)".
///
///
/// A refused redirect is an [`Error::Redirect`](crate::Error::Redirect) naming the reason and
/// the origin it pointed to (never its path or query, never a token).
///
/// ```no_run
/// # fn run() -> Result<(), hashivault::Error> {
/// use hashivault::RedirectPolicy;
/// let client = hashivault::Client::builder()
///     .address("https://vault-0.internal:8200")
///     .redirects(RedirectPolicy::allow_hosts(["vault-1.internal", "vault-2.internal"]))
///     .build()?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedirectPolicy {
    scope: Scope,
    plain_http: bool,
    max: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Scope {
    None,
    SameOrigin,
    AnyHttpsOrigin,
    Hosts(Vec<String>),
}

/// The default number of hops followed.
pub const DEFAULT_MAX_REDIRECTS: usize = 10;

impl Default for RedirectPolicy {
    /// The same origin, and other origins over `https` (a standby pointing at the active node).
    fn default() -> Self {
        RedirectPolicy {
            scope: Scope::AnyHttpsOrigin,
            plain_http: false,
            max: DEFAULT_MAX_REDIRECTS,
        }
    }
}

impl RedirectPolicy {
    /// Follows nothing: a `307` is an error (Vault's CLI `VAULT_DISABLE_REDIRECTS`).
    pub fn none() -> Self {
        RedirectPolicy {
            scope: Scope::None,
            ..Self::default()
        }
    }

    /// Follows redirects to the same origin only.
    pub fn same_origin() -> Self {
        RedirectPolicy {
            scope: Scope::SameOrigin,
            ..Self::default()
        }
    }

    /// Follows redirects to the same origin and to these hosts (names or IP addresses, compared
    /// without case; any port).
    pub fn allow_hosts<I, S>(hosts: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        RedirectPolicy {
            scope: Scope::Hosts(
                hosts
                    .into_iter()
                    .map(|h| {
                        h.into()
                            .trim()
                            .trim_matches(['[', ']'])
                            .to_ascii_lowercase()
                    })
                    .collect(),
            ),
            ..Self::default()
        }
    }

    /// Also follows plain-`http` redirects to another origin (the token then travels in
    /// cleartext to another host). For test clusters on loopback; off by default.
    pub fn allow_plain_http(mut self, allow: bool) -> Self {
        self.plain_http = allow;
        self
    }

    /// The most hops followed in one call (default 10).
    pub fn max_redirects(mut self, max: usize) -> Self {
        self.max = max;
        self
    }

    /// Whether redirects are followed at all.
    pub fn follows_any(&self) -> bool {
        self.scope != Scope::None
    }

    /// Checks the hop from `from` to `to` after `hops` hops; `Ok` to follow it.
    pub(crate) fn check(&self, from: &Url, to: &Url, hops: usize) -> Result<(), RedirectRefusal> {
        if !matches!(to.scheme(), "http" | "https") {
            return Err(RedirectRefusal::NotHttp);
        }
        if from.scheme() == "https" && to.scheme() == "http" {
            return Err(RedirectRefusal::Downgrade);
        }
        if self.scope == Scope::None {
            return Err(RedirectRefusal::Disabled);
        }
        if hops >= self.max {
            return Err(RedirectRefusal::TooMany(self.max));
        }
        if from.origin() == to.origin() {
            return Ok(());
        }
        match &self.scope {
            Scope::SameOrigin => return Err(RedirectRefusal::OtherOrigin),
            Scope::Hosts(hosts) => {
                let host = to
                    .host_str()
                    .unwrap_or_default()
                    .trim_matches(['[', ']'])
                    .to_ascii_lowercase();
                if !hosts.contains(&host) {
                    return Err(RedirectRefusal::HostNotAllowed);
                }
            }
            Scope::AnyHttpsOrigin | Scope::None => {}
        }
        if to.scheme() == "http" && !self.plain_http {
            return Err(RedirectRefusal::PlainHttpOtherOrigin);
        }
        Ok(())
    }
}

/// Why a redirect was not followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedirectRefusal {
    /// Redirects are turned off (`RedirectPolicy::none`, `VAULT_DISABLE_REDIRECTS`).
    Disabled,
    /// The `Location` is not an `http:` or `https:` URL.
    NotHttp,
    /// From `https` to `http`: a protocol downgrade.
    Downgrade,
    /// Another origin, under [`RedirectPolicy::same_origin`].
    OtherOrigin,
    /// A host not in [`RedirectPolicy::allow_hosts`].
    HostNotAllowed,
    /// Plain `http` to another origin, without [`RedirectPolicy::allow_plain_http`].
    PlainHttpOtherOrigin,
    /// More hops than [`RedirectPolicy::max_redirects`].
    TooMany(usize),
    /// A redirect without a usable `Location` header.
    NoLocation,
}

impl fmt::Display for RedirectRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedirectRefusal::Disabled => {
                f.write_str("redirects are turned off (VAULT_DISABLE_REDIRECTS or RedirectPolicy::none)")
            }
            RedirectRefusal::NotHttp => f.write_str("it is not an http or https URL"),
            RedirectRefusal::Downgrade => {
                f.write_str("it goes from https to http (a downgrade would send the token in cleartext)")
            }
            RedirectRefusal::OtherOrigin => {
                f.write_str("it points to another origin and the policy is same-origin only")
            }
            RedirectRefusal::HostNotAllowed => {
                f.write_str("its host is not in the policy's allowed hosts")
            }
            RedirectRefusal::PlainHttpOtherOrigin => f.write_str(
                "it points to another origin over plain http (opt in with RedirectPolicy::allow_plain_http)",
            ),
            RedirectRefusal::TooMany(n) => write!(f, "too many redirects ({n})"),
            RedirectRefusal::NoLocation => f.write_str("it has no valid Location header"),
        }
    }
}

/// The origin of `url` as shown in errors: scheme, host and port, nothing else.
pub(crate) fn shown_origin(url: &Url) -> String {
    match url.origin() {
        url::Origin::Tuple(..) => url.origin().ascii_serialization(),
        url::Origin::Opaque(_) => format!("a {}: URL", url.scheme()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn the_rules_in_order() {
        let p = RedirectPolicy::default();
        let a = u("https://a:8200/v1/x");
        assert_eq!(p.check(&a, &u("https://a:8200/v1/y"), 0), Ok(()));
        assert_eq!(p.check(&a, &u("https://b:8200/v1/x"), 0), Ok(()));
        assert_eq!(
            p.check(&a, &u("http://a:8200/v1/x"), 0),
            Err(RedirectRefusal::Downgrade)
        );
        assert_eq!(
            p.check(&a, &u("file:///etc/passwd"), 0),
            Err(RedirectRefusal::NotHttp)
        );
        let h = u("http://a:8200/v1/x");
        assert_eq!(p.check(&h, &u("http://a:8200/v1/y"), 0), Ok(()));
        assert_eq!(
            p.check(&h, &u("http://b:8200/v1/x"), 0),
            Err(RedirectRefusal::PlainHttpOtherOrigin)
        );
        assert_eq!(
            p.clone()
                .allow_plain_http(true)
                .check(&h, &u("http://b:8200/v1/x"), 0),
            Ok(())
        );
        assert_eq!(p.check(&h, &u("https://b/v1/x"), 0), Ok(()));
        assert_eq!(
            p.check(&h, &u("http://a:8200/v1/y"), 10),
            Err(RedirectRefusal::TooMany(10))
        );
        assert_eq!(
            RedirectPolicy::none().check(&h, &u("http://a:8200/v1/y"), 0),
            Err(RedirectRefusal::Disabled)
        );
        assert_eq!(
            RedirectPolicy::same_origin().check(&a, &u("https://b/v1/x"), 0),
            Err(RedirectRefusal::OtherOrigin)
        );
        let hosts = RedirectPolicy::allow_hosts(["B", "[::1]"]);
        assert_eq!(hosts.check(&a, &u("https://b:9/v1/x"), 0), Ok(()));
        assert_eq!(hosts.check(&a, &u("https://[::1]:9/v1/x"), 0), Ok(()));
        assert_eq!(
            hosts.check(&a, &u("https://c/v1/x"), 0),
            Err(RedirectRefusal::HostNotAllowed)
        );
        assert_eq!(shown_origin(&u("https://b:9/v1/x?token=s")), "https://b:9");
        assert_eq!(shown_origin(&u("data:text/plain,x")), "a data: URL");
    }
}
