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
//!    [`RedirectPolicy::allow_hosts`] followed only to a listed host; by default followed;
//! 6. plain `http` → `http` to another origin (a standby of a plain-http cluster pointing at
//!    the active node) is followed, unless it leaves the loopback host (from `127.0.0.1`,
//!    `[::1]` or `localhost` to any other host); [`RedirectPolicy::allow_plain_http`]`(false)`
//!    refuses every such hop, `(true)` follows even those leaving loopback;
//! 7. after [`RedirectPolicy::with_max_redirects`] hops (default 10) the call fails with "too many
//!    redirects (N)".
//!
//! A refused redirect is an [`Error::Redirect`](crate::Error::Redirect) naming the reason and the
//! origin it pointed to (never its path or query, never a token).
//!
//! [`RedirectPolicy`] says why plain `http` between the nodes of a cluster is followed by
//! default.

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
///    [`RedirectPolicy::allow_hosts`] followed only to a listed host; by default followed;
/// 6. plain `http` → `http` to another origin is followed unless it leaves the loopback host;
///    [`RedirectPolicy::allow_plain_http`] `(false)` refuses every such hop, `(true)` follows
///    those leaving loopback too (see below for why);
/// 7. after [`RedirectPolicy::with_max_redirects`] hops (default 10) the call fails with "too many
///    redirects (N)".
///
/// A refused redirect is an [`Error::Redirect`](crate::Error::Redirect) naming the reason and
/// the origin it pointed to (never its path or query, never a token).
///
/// # Why plain `http` between nodes is followed
///
/// In a raft cluster whose listeners are plain `http` (a loopback test cluster, a cluster-internal
/// network, a sidecar), a standby that cannot forward a request answers `307` with the active
/// node's `api_addr`: another host or port, over `http`. Vault's Go client and CLI follow it; so
/// does this client, by default, because refusing it protects nothing:
///
/// - the client was configured with an `http://` address, so its token already crosses that
///   network in cleartext with every request; the next node is reached over the same kind of
///   network;
/// - the target is named by the node the token was just sent to, the same trust as following an
///   `https` redirect to another origin (which every policy but `same_origin` does);
/// - refusing it makes every failover a run of errors for a client whose node is a standby
///   (until that standby can forward again), while Vault's own tools keep working.
///
/// What stays refused is what would expose the token more than the configuration chose to:
/// `https` → `http` (always), and a plain-`http` hop that leaves the loopback host (a local
/// `http://127.0.0.1:8200` says "this token never leaves the machine"; a redirect to another
/// host over `http` would send it across the network in cleartext). Deployments that want no
/// cross-origin `http` at all use `allow_plain_http(false)`, [`RedirectPolicy::same_origin`] or
/// [`RedirectPolicy::allow_hosts`]. Whatever the policy, a refused redirect during a failover is
/// not fatal: it is an ordinary error the call's retries, the token renewer and the lease
/// watcher retry ([`crate::auth::renew`]).
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
#[non_exhaustive]
pub struct RedirectPolicy {
    scope: Scope,
    plain_http: PlainHttp,
    max: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Scope {
    None,
    SameOrigin,
    AnyOrigin,
    Hosts(Vec<String>),
}

/// Which plain `http` → `http` hops to another origin are followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PlainHttp {
    /// None (`allow_plain_http(false)`).
    Refused,
    /// Those that do not leave the loopback host (the default).
    UnlessLeavingLoopback,
    /// All (`allow_plain_http(true)`).
    Allowed,
}

/// The default number of hops followed.
pub const DEFAULT_MAX_REDIRECTS: usize = 10;

impl Default for RedirectPolicy {
    /// The same origin and other origins (a standby pointing at the active node): over `https`,
    /// or `http` → `http` unless the hop leaves the loopback host; never `https` → `http`.
    fn default() -> Self {
        RedirectPolicy {
            scope: Scope::AnyOrigin,
            plain_http: PlainHttp::UnlessLeavingLoopback,
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

    /// Plain `http` → `http` redirects to another origin. By default they are followed unless
    /// they leave the loopback host (see [`RedirectPolicy`] for why). `false` refuses
    /// them all (only `https` may lead to another origin); `true` also follows those leaving
    /// the loopback host (the token then crosses the network in cleartext). `https` → `http`
    /// is refused whatever this says.
    pub fn allow_plain_http(mut self, allow: bool) -> Self {
        self.plain_http = if allow {
            PlainHttp::Allowed
        } else {
            PlainHttp::Refused
        };
        self
    }

    /// The most hops followed in one call (default 10).
    pub fn with_max_redirects(mut self, max: usize) -> Self {
        self.max = max;
        self
    }

    /// The most hops followed in one call.
    pub fn max_redirects(&self) -> usize {
        self.max
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
            Scope::AnyOrigin | Scope::None => {}
        }
        if to.scheme() == "http" {
            match self.plain_http {
                PlainHttp::Refused => return Err(RedirectRefusal::PlainHttpOtherOrigin),
                PlainHttp::UnlessLeavingLoopback if is_loopback(from) && !is_loopback(to) => {
                    return Err(RedirectRefusal::PlainHttpLeavesLoopback)
                }
                PlainHttp::UnlessLeavingLoopback | PlainHttp::Allowed => {}
            }
        }
        Ok(())
    }
}

/// Whether `url`'s host is this machine's loopback: `localhost` (and `*.localhost`, RFC 6761),
/// `127.0.0.0/8`, `::1` (and `::ffff:127.x.y.z`).
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        None => false,
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
    /// Plain `http` to another origin, under [`RedirectPolicy::allow_plain_http`]`(false)`.
    PlainHttpOtherOrigin,
    /// Plain `http` from the loopback host to another host (the token would leave the machine
    /// in cleartext), without [`RedirectPolicy::allow_plain_http`]`(true)`.
    PlainHttpLeavesLoopback,
    /// More hops than [`RedirectPolicy::with_max_redirects`] allows.
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
                "it points to another origin over plain http and the policy refuses that (RedirectPolicy::allow_plain_http(false))",
            ),
            RedirectRefusal::PlainHttpLeavesLoopback => f.write_str(
                "it leads from the loopback host to another host over plain http, which would send the token across the network in cleartext (opt in with RedirectPolicy::allow_plain_http(true))",
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
        // Plain http between nodes of a plain-http cluster: followed by default.
        assert_eq!(p.check(&h, &u("http://b:8200/v1/x"), 0), Ok(()));
        assert_eq!(
            p.clone()
                .allow_plain_http(false)
                .check(&h, &u("http://b:8200/v1/x"), 0),
            Err(RedirectRefusal::PlainHttpOtherOrigin)
        );
        // ... unless it leaves the loopback host.
        let local = u("http://127.0.0.1:8200/v1/x");
        for inside in [
            "http://127.0.0.1:8202/v1/x",
            "http://127.0.0.2:8200/v1/x",
            "http://localhost:8200/v1/x",
            "http://vault.localhost:8200/v1/x",
            "http://[::1]:8200/v1/x",
            "http://[::ffff:127.0.0.1]:8200/v1/x",
        ] {
            assert_eq!(p.check(&local, &u(inside), 0), Ok(()), "{inside}");
        }
        for outside in [
            "http://10.0.0.5:8200/v1/x",
            "http://vault.internal:8200/v1/x",
            "http://localhost.example.com:8200/v1/x",
            "http://[::2]:8200/v1/x",
        ] {
            assert_eq!(
                p.check(&local, &u(outside), 0),
                Err(RedirectRefusal::PlainHttpLeavesLoopback),
                "{outside}"
            );
            assert_eq!(
                p.clone()
                    .allow_plain_http(true)
                    .check(&local, &u(outside), 0),
                Ok(()),
                "{outside}"
            );
        }
        assert_eq!(
            p.check(&u("http://[::1]:1/v1/x"), &u("http://b:1/v1/x"), 0),
            Err(RedirectRefusal::PlainHttpLeavesLoopback)
        );
        // Into the loopback host, or between other hosts: the token crossed that network anyway.
        assert_eq!(p.check(&h, &u("http://127.0.0.1:8200/v1/x"), 0), Ok(()));
        // Never a downgrade, whatever the policy says.
        assert_eq!(
            p.clone().allow_plain_http(true).check(
                &u("https://127.0.0.1:8200/v1/x"),
                &u("http://127.0.0.1:8202/v1/x"),
                0
            ),
            Err(RedirectRefusal::Downgrade)
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
