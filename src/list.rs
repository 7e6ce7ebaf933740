//! OpenBao's list shapes: paginated `LIST` ([`ListPage`], [`ListPages`]) and the recursive
//! `SCAN`.
//!
//! What OpenBao 2.7.2 does (measured with curl on a dev server, 2026-12-06; fixtures in
//! `tests/fixtures/openbao/`):
//! - `LIST …?after=<key>&limit=<n>` (or `GET …?list=true&after=…&limit=…`) answers at most `n`
//!   keys, in order, strictly after `after`; a page past the last key is a `404` with
//!   `{"errors":[]}`, like a missing folder; a `limit` of `0` or less is "no limit". Endpoints
//!   that page: KV v2 `metadata/` and `detailed-metadata/`, KV v1, userpass users, transit keys
//!   (and others whose storage pages). Endpoints that do not ignore both parameters and say so in
//!   a warning (`Endpoint ignored these unrecognized parameters: [after limit]`): `sys/policies/acl`,
//!   `auth/token/accessors`, `auth/token/roles`, `sys/namespaces`, `sys/leases/lookup`. Vault
//!   ignores both everywhere. [`ListPages`] stops when a page is short or longer than asked (a
//!   server that ignored the limit gave everything at once), so it ends on any server.
//! - `SCAN …` (or `GET …?scan=true`) lists every key under a folder, recursively (`sub/deep/x`),
//!   folders themselves left out; a folder with nothing under it answers `200` with no keys.
//!   Served by KV v1, KV v2 `metadata/` and `detailed-metadata/`, `sys/namespaces`; other
//!   endpoints answer `405 unsupported operation`. It does not page (`after`/`limit` are ignored).
//!   The keys are not sorted.

use serde::Deserialize;

use crate::envelope::Envelope;
use crate::operation::Operation;
use crate::{Client, Error};

/// One page of a paginated `LIST` (OpenBao 2.0+): at most [`limit`](ListPage::with_limit) keys,
/// those after the key [`after`](ListPage::with_after).
///
/// Send it with any list call through [`Client::with_list_page`] (generated list operations,
/// [`Client::request`] with `LIST`, the KV helpers), or with [`Kv2::list_page`](crate::kv::Kv2::list_page);
/// walk every page with [`ListPages`]. Servers and endpoints that do not page ignore it and
/// answer every key (see the [module docs](self) for which do).
///
/// ```no_run
/// # async fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
/// use hashivault::ListPage;
/// let kv = client.kv2("secret");
/// let first = kv.list_page("app", &ListPage::new().with_limit(100)).await?;
/// if let Some(last) = first.last() {
///     let next = ListPage::new().with_limit(100).with_after(last.as_str());
///     let second = kv.list_page("app", &next).await?;
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListPage {
    after: Option<String>,
    limit: Option<u32>,
}

impl ListPage {
    /// The first page, without a limit (set one with [`ListPage::with_limit`]).
    pub fn new() -> Self {
        ListPage::default()
    }

    /// Only keys after this one (the last key of the page before); sent as `after`.
    pub fn with_after(mut self, key: impl Into<String>) -> Self {
        self.after = Some(key.into());
        self
    }

    /// At most this many keys; sent as `limit` (OpenBao reads `0` as "no limit").
    pub fn with_limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// The key the page starts after.
    pub fn after(&self) -> Option<&str> {
        self.after.as_deref()
    }

    /// The most keys the page holds.
    pub fn limit(&self) -> Option<u32> {
        self.limit
    }

    /// Appends `after` and `limit` to a list request's query.
    pub(crate) fn append_to(&self, url: &mut url::Url) {
        if self.after.is_none() && self.limit.is_none() {
            return;
        }
        let mut pairs = url.query_pairs_mut();
        if let Some(after) = &self.after {
            pairs.append_pair("after", after);
        }
        if let Some(limit) = self.limit {
            pairs.append_pair("limit", &limit.to_string());
        }
    }
}

/// The `keys` of a list or scan answer.
#[derive(Deserialize)]
pub(crate) struct Keys {
    #[serde(default, deserialize_with = "crate::envelope::null_as_default")]
    pub(crate) keys: Vec<String>,
}

/// What a [`ListPages`] lists.
#[derive(Clone, Debug)]
pub(crate) enum Target {
    /// A helper's list operation (`KV_V2_LIST`) at `mount`, `folder`.
    Operation {
        operation: &'static Operation,
        mount: String,
        folder: String,
    },
    /// A path as sent, listed with `GET ?list=true` (or `LIST`).
    Path(String),
}

impl Target {
    /// One list call with `page`: the keys, or none on `404` (a missing folder, a page past the
    /// end).
    async fn list(&self, client: &Client, page: &ListPage) -> Result<Vec<String>, Error> {
        let client = client.with_list_page(page);
        let result: Result<Envelope<Keys>, Error> = match self {
            Target::Operation {
                operation,
                mount,
                folder,
            } => {
                client
                    .call_operation(operation, &[mount, folder], &[], None::<&()>)
                    .await
            }
            Target::Path(path) => {
                client
                    .request_json(
                        reqwest::Method::GET,
                        path,
                        &[("list", "true".to_string())],
                        None::<&()>,
                        "request",
                    )
                    .await
            }
        };
        keys_or_empty(result)
    }
}

/// The keys of a list or scan answer; an empty list on `404`.
pub(crate) fn keys_or_empty(result: Result<Envelope<Keys>, Error>) -> Result<Vec<String>, Error> {
    match result {
        Ok(env) => Ok(env.data.map(|k| k.keys).unwrap_or_default()),
        Err(e) if e.is_not_found() => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// Walks a paginated `LIST` page by page (OpenBao 2.0+): each page asks for `limit` keys after
/// the last key of the page before. Made by [`Kv2::list_pages`](crate::kv::Kv2::list_pages),
/// [`Kv1::list_pages`](crate::kv::Kv1::list_pages) or [`Client::list_pages`].
///
/// It ends after a page shorter than `limit`, an empty page (OpenBao's `404` past the last key),
/// or a page longer than `limit`: a server or endpoint that does not page (Vault, OpenBao's
/// `sys/policies/acl`) answers every key at once, and that is then the only page. When such a
/// server has exactly `limit` keys, the second request answers them again (`after` ignored): a
/// page that does not start after the last key seen ends the walk, so no key is given twice.
///
/// ```no_run
/// # async fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
/// let mut pages = client.kv2("secret").list_pages("app", 500);
/// while let Some(keys) = pages.next_page().await? {
///     for key in keys {
///         println!("app/{key}");
///     }
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct ListPages {
    client: Client,
    target: Target,
    limit: u32,
    after: Option<String>,
    done: bool,
}

impl ListPages {
    /// Pages of `limit` keys (a limit of `0` is taken as `1`).
    pub(crate) fn new(client: Client, target: Target, limit: u32) -> Self {
        ListPages {
            client,
            target,
            limit: limit.max(1),
            after: None,
            done: false,
        }
    }

    /// The pages of a KV helper's list `operation` of `mount`, under `folder`.
    pub(crate) fn of_operation(
        client: &Client,
        operation: &'static Operation,
        mount: &str,
        folder: &str,
        limit: u32,
    ) -> Self {
        let target = Target::Operation {
            operation,
            mount: mount.to_string(),
            folder: folder.to_string(),
        };
        ListPages::new(client.clone(), target, limit)
    }

    /// The next page's keys, or `None` after the last page.
    pub async fn next_page(&mut self) -> Result<Option<Vec<String>>, Error> {
        if self.done {
            return Ok(None);
        }
        let mut page = ListPage::new().with_limit(self.limit);
        if let Some(after) = &self.after {
            page = page.with_after(after.as_str());
        }
        let keys = self.target.list(&self.client, &page).await?;
        // OpenBao answers the keys strictly after `after`, in order: a page that starts at or
        // before it comes from a server that ignored `after`, and repeats what was given.
        if let (Some(after), Some(first)) = (&self.after, keys.first()) {
            if first <= after {
                self.done = true;
                return Ok(None);
            }
        }
        let limit = self.limit as usize;
        if keys.len() != limit {
            self.done = true;
        }
        if keys.is_empty() {
            return Ok(None);
        }
        self.after = keys.last().cloned();
        Ok(Some(keys))
    }

    /// Every key of every page, in order.
    pub async fn all(mut self) -> Result<Vec<String>, Error> {
        let mut out = Vec::new();
        while let Some(keys) = self.next_page().await? {
            out.extend(keys);
        }
        Ok(out)
    }
}

impl Client {
    /// A client whose list requests carry `page`'s `after` and `limit` (OpenBao's paginated
    /// `LIST`): every generated list operation, [`Client::request`] with `LIST`, the KV helpers'
    /// `list`. Other requests are sent as before. It shares the pool, token and settings.
    ///
    /// ```no_run
    /// # async fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
    /// use hashivault::{reqwest::Method, ListPage};
    /// let page = client.with_list_page(&ListPage::new().with_after("k05").with_limit(5));
    /// let keys: hashivault::Envelope = page
    ///     .request(Method::from_bytes(b"LIST").unwrap(), "secret/metadata/app", None::<&()>)
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_list_page(&self, page: &ListPage) -> Client {
        let page = (page.after.is_some() || page.limit.is_some()).then(|| page.clone());
        self.with_context(|c| c.list_page = page)
    }

    /// Walks the keys under `path` (a path as sent, as for [`Client::request`]) `limit` at a
    /// time with OpenBao's paginated `LIST`; see [`ListPages`].
    ///
    /// ```no_run
    /// # async fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
    /// let users = client.list_pages("auth/userpass/users", 100).all().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn list_pages(&self, path: &str, limit: u32) -> ListPages {
        ListPages::new(self.clone(), Target::Path(path.to_string()), limit)
    }

    /// Every key under `path`, recursively (OpenBao 2.2+'s `SCAN`, sent as `GET ?scan=true`, or
    /// `SCAN` with [`ListMethod::ListVerb`](crate::ListMethod::ListVerb)): `a`, `sub/b`,
    /// `sub/deep/c`, folders left out, in the server's order. A path with nothing under it gives
    /// an empty list; an endpoint that does not scan is an error (`405`, and Vault's answer to a
    /// request it does not know). `path` is a path as sent, as for [`Client::request`]. The KV
    /// helpers have their own: [`Kv2::scan`](crate::kv::Kv2::scan).
    ///
    /// ```no_run
    /// # async fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
    /// for key in client.scan("secret/metadata/app").await? {
    ///     println!("app/{key}");
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn scan(&self, path: &str) -> Result<Vec<String>, Error> {
        let result = self
            .request_json(
                reqwest::Method::GET,
                path,
                &[("scan", "true".to_string())],
                None::<&()>,
                "scan",
            )
            .await;
        keys_or_empty(result)
    }

    /// `SCAN` with a helper's list operation (`KV_V2_LIST`): its URL with `scan=true` for
    /// `list=true`.
    pub(crate) async fn scan_operation(
        &self,
        operation: &'static Operation,
        name: &'static str,
        mount: &str,
        folder: &str,
    ) -> Result<Vec<String>, Error> {
        let mut url = self.operation_url(operation, &[&mount, &folder])?;
        if url.query() != Some("list=true") {
            return Err(Error::invalid(format!(
                "{operation} is not a list operation"
            )));
        }
        url.set_query(None);
        let op = crate::transport::Op {
            name,
            answers: operation.answers,
        };
        let result = async {
            let response = self
                .send_to(
                    reqwest::Method::GET,
                    url,
                    &[("scan", "true".to_string())],
                    None::<&()>,
                    None,
                    op,
                )
                .await?;
            let response = crate::client::success_or_error(response)?;
            crate::transport::decode_answer::<Envelope<Keys>>(response, name).await
        }
        .await;
        keys_or_empty(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_adds_only_what_is_set() {
        let mut url = url::Url::parse("http://h/v1/secret/metadata/a/?list=true").unwrap();
        ListPage::new().append_to(&mut url);
        assert_eq!(url.query(), Some("list=true"));
        ListPage::new()
            .with_after("k 05/&x")
            .with_limit(5)
            .append_to(&mut url);
        assert_eq!(
            url.query(),
            Some("list=true&after=k+05%2F%26x&limit=5"),
            "the key is escaped as a query value"
        );
        let page = ListPage::new().with_limit(3);
        assert_eq!((page.after(), page.limit()), (None, Some(3)));
    }
}
