//! KV version 2: versioned secrets, metadata, check-and-set, soft delete and destroy.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{json, Value};

use crate::api::operations as ops;
use crate::envelope::{null_as_default, DataOnly, Envelope, JsonMap, VaultDuration};
use crate::operation::Operation;
use crate::{Client, Error};

/// A KV v2 mount: `client.kv2("secret")`. Cheap to create; the mount is checked on each call.
///
/// Paths are relative to the mount (`"app/config"`, not `"secret/data/app/config"`); leading
/// and trailing slashes are ignored and each segment is escaped, so any name Vault accepts
/// round-trips. An empty path, a `.`/`..` segment, an empty segment or a control character is
/// refused before any request.
///
/// ```no_run
/// # async fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Db { user: String, password: String }
///
/// let kv = client.kv2("secret");
/// let written = kv.write("app/db", &Db { user: "app".into(), password: "s3cret".into() }).await?;
/// let secret = kv.read::<Db>("app/db").await?;
/// assert_eq!(secret.metadata.version, written.version);
/// println!("user {}", secret.data.user);
/// // Only if nobody wrote in between:
/// match kv.write_cas("app/db", &secret.data, secret.metadata.version).await {
///     Err(e) if e.is_cas_mismatch() => println!("someone else wrote first"),
///     other => { other?; }
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Kv2 {
    client: Client,
    mount: String,
}

/// A secret's data and the metadata of its version. `Debug` never shows `data`.
#[derive(Clone)]
#[non_exhaustive]
pub struct Secret<T = JsonMap> {
    /// The secret's key/value data.
    pub data: T,
    /// The version this data is, and when it was written.
    pub metadata: VersionMetadata,
}

impl<T> Secret<T> {
    /// The data, without the metadata.
    pub fn into_data(self) -> T {
        self.data
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secret")
            .field("data", &format_args!("<redacted>"))
            .field("metadata", &self.metadata)
            .finish()
    }
}

/// The metadata of one version, as a read, write or patch returns it: the generated
/// [`KvV2VersionMetadata`](crate::api::types::KvV2VersionMetadata) (`version`, `created_time`,
/// `deletion_time` (`None` when not scheduled; with `delete_version_after` set it is a time in
/// the future from the moment of writing, so it does not by itself mean the version is deleted
/// now), `destroyed`, `custom_metadata`).
pub type VersionMetadata = crate::api::types::KvV2VersionMetadata;

/// What a read found: see [`Kv2::read_outcome`] and [`Kv2::read_version_outcome`]. `Debug` never shows the data.
#[derive(Clone)]
pub enum ReadOutcome<T = JsonMap> {
    /// The version exists: its data and metadata.
    Found(Secret<T>),
    /// The version was soft-deleted ([`Kv2::undelete_versions`] brings it back).
    Deleted(VersionMetadata),
    /// The version was destroyed; its data is gone.
    Destroyed(VersionMetadata),
    /// No such secret or version ever existed (or all its metadata was deleted).
    NotFound,
}

impl<T> fmt::Debug for ReadOutcome<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadOutcome::Found(secret) => f.debug_tuple("Found").field(secret).finish(),
            ReadOutcome::Deleted(meta) => f.debug_tuple("Deleted").field(meta).finish(),
            ReadOutcome::Destroyed(meta) => f.debug_tuple("Destroyed").field(meta).finish(),
            ReadOutcome::NotFound => f.write_str("NotFound"),
        }
    }
}

impl<T> ReadOutcome<T> {
    /// The secret, when found.
    pub fn found(self) -> Option<Secret<T>> {
        match self {
            ReadOutcome::Found(secret) => Some(secret),
            _ => None,
        }
    }
}

/// A secret's metadata, `GET <mount>/metadata/<path>`: the generated
/// [`KvV2ReadMetadataResponse`](crate::api::types::KvV2ReadMetadataResponse) (`current_version`,
/// `oldest_version`, `max_versions`, `cas_required`, `delete_version_after`, `custom_metadata`,
/// the state of each version in `versions` by number, and OpenBao's
/// `current_metadata_version` / `metadata_cas_required`).
pub type SecretMetadata = crate::api::types::KvV2ReadMetadataResponse;

/// One version in [`SecretMetadata::versions`]: the generated
/// [`KvV2VersionInfo`](crate::api::types::KvV2VersionInfo) (`created_time`, `deletion_time`
/// as in [`VersionMetadata`], `destroyed`).
pub type VersionInfo = crate::api::types::KvV2VersionInfo;

/// The fields of a metadata update ([`Kv2::write_metadata`], [`Kv2::patch_metadata`]); only the
/// fields set are sent, the others keep their value.
///
/// ```
/// let update = hashivault::kv::MetadataUpdate::new()
///     .max_versions(10)
///     .delete_version_after("720h")
///     .custom_metadata("owner", "team-a");
/// ```
#[derive(Clone, Debug, Default, Serialize)]
#[non_exhaustive]
pub struct MetadataUpdate {
    /// Versions to keep (0: the mount's setting).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_versions: Option<u64>,
    /// Whether every write must give `cas`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cas_required: Option<bool>,
    /// Delete versions this long after writing them (`"0s"`: never).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_version_after: Option<VaultDuration>,
    /// Custom metadata. [`Kv2::write_metadata`] replaces the whole map with this one;
    /// [`Kv2::patch_metadata`] changes only these keys, and removes those set to `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_metadata: Option<BTreeMap<String, Option<String>>>,
}

impl MetadataUpdate {
    /// An update that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `max_versions`.
    pub fn max_versions(mut self, versions: u64) -> Self {
        self.max_versions = Some(versions);
        self
    }

    /// Sets `cas_required`.
    pub fn cas_required(mut self, required: bool) -> Self {
        self.cas_required = Some(required);
        self
    }

    /// Sets `delete_version_after` (`"720h"`, or seconds).
    pub fn delete_version_after(mut self, after: impl Into<VaultDuration>) -> Self {
        self.delete_version_after = Some(after.into());
        self
    }

    /// Sets one custom metadata key.
    pub fn custom_metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.custom_metadata
            .get_or_insert_with(BTreeMap::new)
            .insert(key.into(), Some(value.into()));
        self
    }

    /// Removes one custom metadata key (with [`Kv2::patch_metadata`]).
    pub fn remove_custom_metadata(mut self, key: impl Into<String>) -> Self {
        self.custom_metadata
            .get_or_insert_with(BTreeMap::new)
            .insert(key.into(), None);
        self
    }

    /// Clears the custom metadata (with [`Kv2::write_metadata`], which replaces the map).
    pub fn clear_custom_metadata(mut self) -> Self {
        self.custom_metadata = Some(BTreeMap::new());
        self
    }
}

/// The engine's configuration, `GET <mount>/config`: the generated
/// [`KvV2ReadConfigurationResponse`](crate::api::types::KvV2ReadConfigurationResponse)
/// (`max_versions`, `cas_required`, `delete_version_after`).
pub type KvConfig = crate::api::types::KvV2ReadConfigurationResponse;

/// The fields of a configuration update ([`Kv2::write_config`]); only the fields set are sent.
#[derive(Clone, Debug, Default, Serialize)]
#[non_exhaustive]
pub struct KvConfigUpdate {
    /// Versions kept per secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_versions: Option<u64>,
    /// Whether every write must give `cas`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cas_required: Option<bool>,
    /// Delete versions this long after writing them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delete_version_after: Option<VaultDuration>,
}

impl KvConfigUpdate {
    /// An update that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `max_versions`.
    pub fn max_versions(mut self, versions: u64) -> Self {
        self.max_versions = Some(versions);
        self
    }

    /// Sets `cas_required`.
    pub fn cas_required(mut self, required: bool) -> Self {
        self.cas_required = Some(required);
        self
    }

    /// Sets `delete_version_after`.
    pub fn delete_version_after(mut self, after: impl Into<VaultDuration>) -> Self {
        self.delete_version_after = Some(after.into());
        self
    }
}

/// A secret's keys without their values, `GET <mount>/subkeys/<path>`: the generated
/// [`KvV2ReadSubkeysResponse`](crate::api::types::KvV2ReadSubkeysResponse) (`subkeys`, a leaf
/// `null` and a nested object a map of its keys; `metadata`, of the version read).
pub type Subkeys = crate::api::types::KvV2ReadSubkeysResponse;

/// The answer of a typed read: `data` decoded straight into `T` (no map in between), the
/// metadata as the generated type.
#[derive(Deserialize)]
#[serde(bound(deserialize = "T: DeserializeOwned"))]
struct ReadData<T> {
    data: Option<T>,
    #[serde(default, deserialize_with = "null_as_default")]
    metadata: VersionMetadata,
}

impl Kv2 {
    pub(crate) fn new(client: Client, mount: &str) -> Self {
        Kv2 {
            client,
            mount: mount.trim_matches('/').to_string(),
        }
    }

    /// The mount path, without surrounding slashes.
    pub fn mount(&self) -> &str {
        &self.mount
    }

    /// Sends `operation` for the secret at `path` and decodes its answer's `data`.
    async fn call<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        operation: &Operation,
        path: &str,
        query: &[(&str, String)],
        body: Option<&B>,
    ) -> Result<T, Error> {
        let env: DataOnly<T> = self
            .client
            .call_operation(operation, &[&self.mount, &path], query, body)
            .await?;
        env.into_data()
    }

    /// Sends `operation` for the secret at `path`; its answer is not read.
    async fn send<B: Serialize + ?Sized>(
        &self,
        operation: &Operation,
        path: &str,
        body: Option<&B>,
    ) -> Result<(), Error> {
        self.client
            .send_operation(operation, &[&self.mount, &path], &[], body)
            .await?;
        Ok(())
    }

    /// Reads the latest version into `T`, wrapped in a [`Secret<T>`](Secret): your `T` is its
    /// `data` field (or [`Secret::into_data`]), the version's metadata its `metadata`. Where the
    /// compiler says "expected `T`, found `Secret<T>`", add `.data`:
    ///
    /// ```no_run
    /// # async fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
    /// #[derive(serde::Deserialize)]
    /// struct Db { host: String }
    /// let db: Db = client.kv2("secret").read::<Db>("app/db").await?.data;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// A version that was deleted or destroyed is an error with [`Error::is_not_found`] true
    /// (as for a path that never existed) and [`Error::kv_deleted_version`] giving its metadata;
    /// [`Kv2::read_outcome`] gives the four cases as an enum instead.
    pub async fn read<T: DeserializeOwned>(&self, path: &str) -> Result<Secret<T>, Error> {
        self.read_at(path, None).await
    }

    /// Reads version `version` into `T` (0 means the latest). Errors as [`Kv2::read`].
    pub async fn read_version<T: DeserializeOwned>(
        &self,
        path: &str,
        version: u64,
    ) -> Result<Secret<T>, Error> {
        self.read_at(path, Some(version)).await
    }

    /// [`Kv2::read`] into a JSON map: `read::<JsonMap>`, as on every KV handle.
    pub async fn read_json(&self, path: &str) -> Result<Secret<JsonMap>, Error> {
        self.read_at(path, None).await
    }

    /// Reads the latest version, telling apart a version that exists, one that was deleted, one
    /// that was destroyed, and a path that never existed (hvac's
    /// `raise_on_deleted_version=False`). Other failures are errors.
    ///
    /// ```no_run
    /// # async fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
    /// use hashivault::kv::ReadOutcome;
    /// match client.kv2("secret").read_outcome::<hashivault::JsonMap>("app/config").await? {
    ///     ReadOutcome::Found(secret) => println!("version {}", secret.metadata.version),
    ///     ReadOutcome::Deleted(meta) => println!("version {} was deleted", meta.version),
    ///     ReadOutcome::Destroyed(meta) => println!("version {} was destroyed", meta.version),
    ///     ReadOutcome::NotFound => println!("never written"),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn read_outcome<T: DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<ReadOutcome<T>, Error> {
        outcome(self.read_at(path, None).await)
    }

    /// [`Kv2::read_outcome`] of version `version` (0 means the latest), as [`Kv2::read_version`]
    /// is to [`Kv2::read`].
    pub async fn read_version_outcome<T: DeserializeOwned>(
        &self,
        path: &str,
        version: u64,
    ) -> Result<ReadOutcome<T>, Error> {
        outcome(self.read_at(path, Some(version)).await)
    }

    async fn read_at<T: DeserializeOwned>(
        &self,
        path: &str,
        version: Option<u64>,
    ) -> Result<Secret<T>, Error> {
        let query = version.map(|v| [("version", v.to_string())]);
        let query = query.as_ref().map_or(&[][..], |q| &q[..]);
        let read: ReadData<T> = self
            .call(&ops::KV_V2_READ, path, query, None::<&()>)
            .await?;
        let data = read
            .data
            .ok_or_else(|| Error::missing("the KV v2 read answer has no `data.data`"))?;
        Ok(Secret {
            data,
            metadata: read.metadata,
        })
    }

    /// Writes a new version (creating the secret if needed): `POST <mount>/data/<path>`. `data`
    /// must serialize to a JSON object. Returns the new version's metadata.
    pub async fn write<T: Serialize + ?Sized>(
        &self,
        path: &str,
        data: &T,
    ) -> Result<VersionMetadata, Error> {
        self.write_with(&ops::KV_V2_WRITE, path, data, None).await
    }

    /// Writes a new version only if the latest version is `cas` (0: only if the secret does not
    /// exist yet). A mismatch is an error with [`Error::is_cas_mismatch`] true.
    pub async fn write_cas<T: Serialize + ?Sized>(
        &self,
        path: &str,
        data: &T,
        cas: u64,
    ) -> Result<VersionMetadata, Error> {
        self.write_with(&ops::KV_V2_WRITE, path, data, Some(cas))
            .await
    }

    /// Changes only the keys in `data` (a JSON merge patch: a key set to `null` is removed),
    /// writing a new version: `PATCH <mount>/data/<path>`. The secret must exist (else not
    /// found; a deleted latest version is not found too, with [`Error::kv_deleted_version`]).
    /// A server without PATCH support (405) or a token without the `patch` capability (403)
    /// gives an error saying so.
    pub async fn patch<T: Serialize + ?Sized>(
        &self,
        path: &str,
        data: &T,
    ) -> Result<VersionMetadata, Error> {
        self.write_with(&ops::KV_V2_PATCH, path, data, None).await
    }

    /// [`Kv2::patch`] only if the latest version is `cas`.
    pub async fn patch_cas<T: Serialize + ?Sized>(
        &self,
        path: &str,
        data: &T,
        cas: u64,
    ) -> Result<VersionMetadata, Error> {
        self.write_with(&ops::KV_V2_PATCH, path, data, Some(cas))
            .await
    }

    async fn write_with<T: Serialize + ?Sized>(
        &self,
        operation: &Operation,
        path: &str,
        data: &T,
        cas: Option<u64>,
    ) -> Result<VersionMetadata, Error> {
        let data = object(data)?;
        let body = WriteBody {
            data: &data,
            options: cas.map(|cas| WriteOptions { cas }),
        };
        self.call(operation, path, &[], Some(&body))
            .await
            .map_err(|e| patch_hint(e, operation))
    }

    /// The keys under `prefix` (`""` for the mount's root); folders end with `/`. An empty or
    /// missing folder gives an empty list.
    pub async fn list(&self, prefix: &str) -> Result<Vec<String>, Error> {
        list_keys(&self.client, &ops::KV_V2_LIST, &self.mount, prefix).await
    }

    /// One page of the keys under `prefix` (OpenBao 2.0+'s paginated `LIST`: `after` and
    /// `limit`, see [`ListPage`](crate::ListPage)); a page past the last key is empty. A server
    /// that does not page (Vault) answers every key.
    ///
    /// ```no_run
    /// # async fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
    /// use hashivault::ListPage;
    /// let page = ListPage::new().with_after("k05").with_limit(5);
    /// let keys = client.kv2("secret").list_page("app", &page).await?; // k06 … k10
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list_page(
        &self,
        prefix: &str,
        page: &crate::ListPage,
    ) -> Result<Vec<String>, Error> {
        list_keys(
            &self.client.with_list_page(page),
            &ops::KV_V2_LIST,
            &self.mount,
            prefix,
        )
        .await
    }

    /// Walks the keys under `prefix` `limit` at a time ([`ListPages`](crate::ListPages)).
    ///
    /// ```no_run
    /// # async fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
    /// let mut pages = client.kv2("secret").list_pages("app", 100);
    /// while let Some(keys) = pages.next_page().await? {
    ///     println!("{} keys", keys.len());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn list_pages(&self, prefix: &str, limit: u32) -> crate::ListPages {
        crate::ListPages::of_operation(&self.client, &ops::KV_V2_LIST, &self.mount, prefix, limit)
    }

    /// Every key under `prefix`, recursively (OpenBao 2.2+'s `SCAN` of `<mount>/metadata/`):
    /// `a`, `sub/b`, `sub/deep/c`, folders left out, in the server's order; an empty or
    /// missing folder gives an empty list. Sent as `GET …?scan=true` (`SCAN` with
    /// [`ListMethod::ListVerb`](crate::ListMethod::ListVerb)); Vault does not serve it.
    ///
    /// ```no_run
    /// # async fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
    /// for key in client.kv2("secret").scan("").await? {
    ///     println!("{key}"); // every secret of the mount
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn scan(&self, prefix: &str) -> Result<Vec<String>, Error> {
        self.client
            .scan_operation(&ops::KV_V2_LIST, "kv_v2_scan", &self.mount, prefix)
            .await
    }

    /// Soft-deletes the latest version: `DELETE <mount>/data/<path>`. Deleting a path that does
    /// not exist succeeds.
    pub async fn delete_latest(&self, path: &str) -> Result<(), Error> {
        self.send(&ops::KV_V2_DELETE, path, None::<&()>).await
    }

    /// Soft-deletes the given versions: `POST <mount>/delete/<path>`.
    pub async fn delete_versions(&self, path: &str, versions: &[u64]) -> Result<(), Error> {
        self.versions_op(&ops::KV_V2_DELETE_VERSIONS, path, versions)
            .await
    }

    /// Restores soft-deleted versions: `POST <mount>/undelete/<path>`.
    pub async fn undelete_versions(&self, path: &str, versions: &[u64]) -> Result<(), Error> {
        self.versions_op(&ops::KV_V2_UNDELETE_VERSIONS, path, versions)
            .await
    }

    /// Destroys the data of the given versions for good: `POST <mount>/destroy/<path>`.
    pub async fn destroy_versions(&self, path: &str, versions: &[u64]) -> Result<(), Error> {
        self.versions_op(&ops::KV_V2_DESTROY_VERSIONS, path, versions)
            .await
    }

    async fn versions_op(
        &self,
        operation: &Operation,
        path: &str,
        versions: &[u64],
    ) -> Result<(), Error> {
        if versions.is_empty() {
            return Err(Error::invalid(format!(
                "{}: no version given",
                operation.name
            )));
        }
        let body = json!({ "versions": versions });
        self.send(operation, path, Some(&body)).await
    }

    /// The secret's metadata and the state of each version: `GET <mount>/metadata/<path>`.
    pub async fn read_metadata(&self, path: &str) -> Result<SecretMetadata, Error> {
        self.call(&ops::KV_V2_READ_METADATA, path, &[], None::<&()>)
            .await
    }

    /// Updates the metadata (creating it if the secret does not exist yet):
    /// `POST <mount>/metadata/<path>`. Fields not set keep their value; `custom_metadata`, when
    /// set, replaces the whole map.
    pub async fn write_metadata(&self, path: &str, update: &MetadataUpdate) -> Result<(), Error> {
        self.send(&ops::KV_V2_WRITE_METADATA, path, Some(update))
            .await
    }

    /// Patches the metadata: `PATCH <mount>/metadata/<path>`; `custom_metadata` keys are merged
    /// (a `None` value removes the key). The secret must exist.
    pub async fn patch_metadata(&self, path: &str, update: &MetadataUpdate) -> Result<(), Error> {
        let operation = &ops::KV_V2_PATCH_METADATA;
        self.send(operation, path, Some(update))
            .await
            .map_err(|e| patch_hint(e, operation))
    }

    /// Deletes the metadata and every version of the secret: `DELETE <mount>/metadata/<path>`.
    pub async fn delete_metadata(&self, path: &str) -> Result<(), Error> {
        self.send(
            &ops::KV_V2_DELETE_METADATA_AND_ALL_VERSIONS,
            path,
            None::<&()>,
        )
        .await
    }

    /// The latest version's keys without their values, `depth` levels deep (`None` or 0: all
    /// levels): `GET <mount>/subkeys/<path>`.
    pub async fn subkeys(&self, path: &str, depth: Option<u32>) -> Result<Subkeys, Error> {
        self.subkeys_at(path, None, depth).await
    }

    /// [`Kv2::subkeys`] of version `version`.
    pub async fn subkeys_version(
        &self,
        path: &str,
        version: u64,
        depth: Option<u32>,
    ) -> Result<Subkeys, Error> {
        self.subkeys_at(path, Some(version), depth).await
    }

    async fn subkeys_at(
        &self,
        path: &str,
        version: Option<u64>,
        depth: Option<u32>,
    ) -> Result<Subkeys, Error> {
        let mut query = Vec::new();
        if let Some(depth) = depth {
            query.push(("depth", depth.to_string()));
        }
        if let Some(version) = version {
            query.push(("version", version.to_string()));
        }
        self.call(&ops::KV_V2_READ_SUBKEYS, path, &query, None::<&()>)
            .await
    }

    /// The engine's configuration: `GET <mount>/config`.
    pub async fn read_config(&self) -> Result<KvConfig, Error> {
        let env: Envelope<KvConfig> = self
            .client
            .call_operation(
                &ops::KV_V2_READ_CONFIGURATION,
                &[&self.mount],
                &[],
                None::<&()>,
            )
            .await?;
        env.into_data()
    }

    /// Changes the engine's configuration: `POST <mount>/config`.
    pub async fn write_config(&self, update: &KvConfigUpdate) -> Result<(), Error> {
        self.client
            .send_operation(&ops::KV_V2_CONFIGURE, &[&self.mount], &[], Some(update))
            .await?;
        Ok(())
    }
}

impl Error {
    /// For a KV v2 read or patch of a version that was deleted or destroyed (Vault answers 404
    /// with the version's metadata): that metadata. `None` for any other error, including a
    /// path that never existed.
    ///
    /// ```no_run
    /// # async fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
    /// match client.kv2("secret").read_json("app/config").await {
    ///     Ok(secret) => println!("{} keys", secret.data.len()),
    ///     Err(e) => match e.kv_deleted_version() {
    ///         Some(meta) if meta.destroyed => println!("version {} destroyed", meta.version),
    ///         Some(meta) => println!("version {} deleted", meta.version),
    ///         None if e.is_not_found() => println!("never written"),
    ///         None => return Err(e),
    ///     },
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn kv_deleted_version(&self) -> Option<VersionMetadata> {
        let api = self.api()?;
        if api.status != 404 {
            return None;
        }
        let data = api.body.as_ref()?.get("data")?;
        // A read answers `data: {data: null, metadata: {...}}`; a patch answers the metadata
        // itself as `data`.
        let meta = match data.get("metadata") {
            Some(meta) if meta.is_object() => meta,
            _ => data,
        };
        if !meta.get("version").is_some_and(Value::is_u64) {
            return None;
        }
        let meta: VersionMetadata = serde_json::from_value(meta.clone()).ok()?;
        (meta.destroyed || meta.deletion_time.is_some()).then_some(meta)
    }

    /// Whether this is a KV v2 read or patch of a deleted or destroyed version (see
    /// [`Error::kv_deleted_version`]).
    pub fn is_kv_deleted_version(&self) -> bool {
        self.kv_deleted_version().is_some()
    }
}

/// The four cases of a read (see [`Kv2::read_outcome`]).
fn outcome<T>(read: Result<Secret<T>, Error>) -> Result<ReadOutcome<T>, Error> {
    match read {
        Ok(secret) => Ok(ReadOutcome::Found(secret)),
        Err(e) => match e.kv_deleted_version() {
            Some(meta) if meta.destroyed => Ok(ReadOutcome::Destroyed(meta)),
            Some(meta) => Ok(ReadOutcome::Deleted(meta)),
            None if e.is_not_found() => Ok(ReadOutcome::NotFound),
            None => Err(e),
        },
    }
}

/// Adds the likely cause to a refused PATCH (of a `PATCH` operation; others are left alone).
fn patch_hint(mut e: Error, operation: &Operation) -> Error {
    if operation.method != "PATCH" {
        return e;
    }
    if let Error::Api(api) = &mut e {
        let target = api.path.trim_start_matches("/v1/").to_string();
        match api.status {
            405 => api.errors.push(format!(
                "this server does not support PATCH on {target} (KV v2 patch needs Vault 1.9+ or OpenBao; a KV v1 mount never does): use write"
            )),
            403 => api.errors.push(format!(
                "a patch needs the `patch` capability on {target} in the token's policy"
            )),
            _ => {}
        }
    }
    e
}

/// Serializes secret data into its JSON text, refusing anything but a JSON object before any
/// request. The text goes into the body as it is: no `Value` tree of the secret is built and
/// copied again (issue #24, the write cell).
pub(crate) fn object<T: Serialize + ?Sized>(data: &T) -> Result<Box<RawValue>, Error> {
    let text = serde_json::value::to_raw_value(data)
        .map_err(|e| Error::invalid(format!("the secret data cannot be serialized: {e}")))?;
    // serde_json writes no whitespace before a value.
    if !text.get().starts_with('{') {
        return Err(Error::invalid(
            "the secret data must serialize to a JSON object (a map of keys)",
        ));
    }
    Ok(text)
}

/// The body of a KV v2 write or patch: `{"data": …, "options": {"cas": n}}`.
#[derive(Serialize)]
struct WriteBody<'a> {
    data: &'a RawValue,
    #[serde(skip_serializing_if = "Option::is_none")]
    options: Option<WriteOptions>,
}

#[derive(Serialize)]
struct WriteOptions {
    cas: u64,
}

/// A list operation (`<mount>/…/<folder>/?list=true`): the `keys`, or an empty list on 404.
pub(crate) async fn list_keys(
    client: &Client,
    operation: &Operation,
    mount: &str,
    folder: &str,
) -> Result<Vec<String>, Error> {
    let result: Result<Envelope<crate::list::Keys>, Error> = client
        .call_operation(operation, &[&mount, &folder], &[], None::<&()>)
        .await;
    crate::list::keys_or_empty(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_hides_data() {
        let secret = Secret {
            data: json!({"password": "hunter2"}),
            metadata: VersionMetadata {
                version: 3,
                ..Default::default()
            },
        };
        let shown = format!("{secret:?} {:?}", ReadOutcome::Found(secret.clone()));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("version: 3"), "{shown}");
    }

    #[test]
    fn metadata_update_sends_only_what_is_set() {
        let update = MetadataUpdate::new()
            .max_versions(3)
            .custom_metadata("a", "1")
            .remove_custom_metadata("b");
        assert_eq!(
            serde_json::to_value(&update).unwrap(),
            json!({"max_versions": 3, "custom_metadata": {"a": "1", "b": null}})
        );
        assert_eq!(
            serde_json::to_value(MetadataUpdate::new()).unwrap(),
            json!({})
        );
    }

    #[test]
    fn data_must_be_an_object() {
        assert!(object(&json!({"a": 1})).is_ok());
        assert!(object(&[1, 2]).unwrap_err().is_invalid_input());
        assert!(object("text").unwrap_err().is_invalid_input());
    }
}
