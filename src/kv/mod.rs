//! The KV secrets engine, versions 1 and 2, typed: `client.kv2("secret")`, `client.kv1("kv")`,
//! or `client.kv("secret").await?` to find the mount's version as Vault's CLI does.
//!
//! Secret data goes in and out as any `serde` type (or a [`JsonMap`]); answers are typed
//! ([`Secret`], [`VersionMetadata`], [`SecretMetadata`], ...) and `Debug` never shows secret
//! values. Paths are relative to the mount, may start or end with `/`, and reach Vault exactly as
//! given: `/` stays a separator, every other special character (space, `%`, `?`, `#`,
//! non-ASCII) is escaped. An empty path, a `.` or `..` segment, an empty segment (`a//b`) or a
//! control character is refused with [`Error::InvalidInput`] before any request.
//!
//! A read of a KV v2 version that was deleted or destroyed fails like a read of a path that
//! never existed ([`Error::is_not_found`]), and [`Error::kv_deleted_version`] tells them apart by
//! giving the deleted version's metadata; [`Kv2::read_outcome`] returns the cases as a
//! [`ReadOutcome`] instead.
//!
//! The same names mean the same thing on every handle: `read::<T>` reads into `T` (on KV v2, a
//! [`Secret<T>`] with the version's metadata), `read_json` is `read::<JsonMap>`, and a version is
//! chosen by a `_version` method beside the latest-version one (`read`/`read_version`,
//! `read_outcome`/`read_version_outcome`, `subkeys`/`subkeys_version`).
//!
//! ```no_run
//! # async fn run() -> Result<(), hashivault::Error> {
//! let client = hashivault::Client::from_env()?;
//! let kv = client.kv2("secret");
//! kv.write("app/config", &serde_json::json!({"url": "https://db", "password": "s3cret"})).await?;
//! kv.patch("app/config", &serde_json::json!({"password": "n3w"})).await?;
//! let secret = kv.read_json("app/config").await?;
//! println!("version {} has {} keys", secret.metadata.version, secret.data.len());
//! for key in kv.list("app").await? {
//!     println!("app/{key}");
//! }
//! # Ok(())
//! # }
//! ```

mod v1;
mod v2;
mod watch;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::api::operations as ops;
use crate::envelope::{Envelope, JsonMap};
use crate::{Client, Error};

pub use v1::Kv1;
pub use v2::{
    Kv2, KvConfig, KvConfigUpdate, MetadataUpdate, ReadOutcome, Secret, SecretMetadata, Subkeys,
    VersionInfo, VersionMetadata,
};
pub use watch::{KvEvent, KvStopReason, KvWatch, KvWatcher};

/// A KV mount of either version, as [`Client::kv`] found it.
#[derive(Clone, Debug)]
pub enum Kv {
    /// A KV version 1 mount.
    V1(Kv1),
    /// A KV version 2 mount.
    V2(Kv2),
}

impl Kv {
    /// 1 or 2.
    pub fn version(&self) -> u8 {
        match self {
            Kv::V1(_) => 1,
            Kv::V2(_) => 2,
        }
    }

    /// The mount path, without surrounding slashes.
    pub fn mount(&self) -> &str {
        match self {
            Kv::V1(kv) => kv.mount(),
            Kv::V2(kv) => kv.mount(),
        }
    }

    /// The KV v2 handle, if it is one.
    pub fn v2(&self) -> Option<&Kv2> {
        match self {
            Kv::V2(kv) => Some(kv),
            Kv::V1(_) => None,
        }
    }

    /// The KV v1 handle, if it is one.
    pub fn v1(&self) -> Option<&Kv1> {
        match self {
            Kv::V1(kv) => Some(kv),
            Kv::V2(_) => None,
        }
    }

    /// Reads the secret (v2: its latest version) into `T`.
    pub async fn read<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        match self {
            Kv::V1(kv) => kv.read(path).await,
            Kv::V2(kv) => kv.read(path).await.map(Secret::into_data),
        }
    }

    /// [`Kv::read`] into a JSON map: `read::<JsonMap>`, as on every KV handle.
    pub async fn read_json(&self, path: &str) -> Result<JsonMap, Error> {
        self.read(path).await
    }

    /// Writes the secret (v2: a new version).
    pub async fn write<T: Serialize + ?Sized>(&self, path: &str, data: &T) -> Result<(), Error> {
        match self {
            Kv::V1(kv) => kv.write(path, data).await,
            Kv::V2(kv) => kv.write(path, data).await.map(|_| ()),
        }
    }

    /// The keys under `prefix`; folders end with `/`; a missing folder gives an empty list.
    pub async fn list(&self, prefix: &str) -> Result<Vec<String>, Error> {
        match self {
            Kv::V1(kv) => kv.list(prefix).await,
            Kv::V2(kv) => kv.list(prefix).await,
        }
    }

    /// Deletes the secret (v2: soft-deletes its latest version).
    pub async fn delete(&self, path: &str) -> Result<(), Error> {
        match self {
            Kv::V1(kv) => kv.delete(path).await,
            Kv::V2(kv) => kv.delete_latest(path).await,
        }
    }
}

#[derive(Deserialize)]
struct MountInfo {
    #[serde(default)]
    path: String,
    #[serde(default)]
    options: Option<MountOptions>,
}

#[derive(Deserialize)]
struct MountOptions {
    #[serde(default)]
    version: Option<String>,
}

impl Client {
    /// The KV version 2 mount at `mount` (`"secret"`, or nested: `"team/kv"`).
    ///
    /// ```no_run
    /// # async fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
    /// let secret = client.kv2("secret").read_json("app/config").await?;
    /// println!("version {}", secret.metadata.version);
    /// # Ok(())
    /// # }
    /// ```
    pub fn kv2(&self, mount: &str) -> Kv2 {
        Kv2::new(self.clone(), mount)
    }

    /// The KV version 1 mount at `mount`.
    ///
    /// ```no_run
    /// # async fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
    /// let data = client.kv1("kv").read_json("app/config").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn kv1(&self, mount: &str) -> Kv1 {
        Kv1::new(self.clone(), mount)
    }

    /// The KV mount at `mount`, of the version Vault reports, as the CLI finds it:
    /// `GET sys/internal/ui/mounts/<mount>`; option `version` `"2"` is KV v2, anything else KV
    /// v1. The handle uses the mount path Vault answers, so `"secret/app/x"` gives `secret`
    /// (see [`Client::kv_path`] for the rest of the path). A 404 (a server without that
    /// endpoint) gives KV v1 at `mount`, as the CLI assumes.
    ///
    /// ```no_run
    /// # async fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
    /// use hashivault::kv::Kv;
    /// match client.kv("secret").await? {
    ///     Kv::V2(kv) => println!("v2: {:?}", kv.read_json("app").await?.metadata),
    ///     Kv::V1(kv) => println!("v1: {} keys", kv.read_json("app").await?.len()),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn kv(&self, mount: &str) -> Result<Kv, Error> {
        self.find_kv(mount, false).await.map(|(kv, _)| kv)
    }

    /// Splits a full path such as `"secret/app/config"` into its KV mount (found as
    /// [`Client::kv`] does) and the secret path inside it (`"app/config"`, possibly empty).
    /// On a 404 (a server without the endpoint) the first segment is taken as a KV v1 mount.
    ///
    /// ```no_run
    /// # async fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
    /// let (kv, path) = client.kv_path("team/kv/app/config").await?;
    /// let data: hashivault::JsonMap = kv.read(&path).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn kv_path(&self, full_path: &str) -> Result<(Kv, String), Error> {
        self.find_kv(full_path, true).await
    }

    async fn find_kv(&self, full_path: &str, split: bool) -> Result<(Kv, String), Error> {
        let full = full_path.trim_matches('/');
        let result: Result<Envelope<MountInfo>, Error> = self
            .call_operation(
                &ops::INTERNAL_UI_READ_MOUNT_INFORMATION,
                &[&full],
                &[],
                None::<&()>,
            )
            .await;
        let info = match result {
            Ok(env) => env.into_data()?,
            Err(e) if e.is_not_found() => {
                let (mount, rest) = match full.split_once('/') {
                    Some((mount, rest)) if split => (mount, rest),
                    _ => (full, ""),
                };
                return Ok((Kv::V1(Kv1::new(self.clone(), mount)), rest.to_string()));
            }
            Err(e) => return Err(e),
        };
        let mount = info.path.trim_matches('/');
        if mount.is_empty() {
            return Err(Error::missing("the mount information has no `path`"));
        }
        let rest = full
            .strip_prefix(mount)
            .filter(|r| r.is_empty() || r.starts_with('/'))
            .unwrap_or(full)
            .trim_matches('/')
            .to_string();
        let version = info.options.and_then(|o| o.version).unwrap_or_default();
        let kv = if version.trim() == "2" {
            Kv::V2(Kv2::new(self.clone(), mount))
        } else {
            Kv::V1(Kv1::new(self.clone(), mount))
        };
        Ok((kv, rest))
    }
}
