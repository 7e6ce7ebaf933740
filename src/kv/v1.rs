//! KV version 1: one unversioned value per path.

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::v2::{list_keys, object};
use crate::envelope::{Envelope, JsonMap};
use crate::path::{folder_url, mount_kind_path, mount_url};
use crate::{Client, Error};

/// A KV v1 mount: `client.kv1("kv")`. Cheap to create; the mount is checked on each call.
///
/// Paths follow the rules of [`crate::kv::Kv2`]: relative to the mount, slashes around them
/// ignored, each segment escaped, bad paths refused before any request.
///
/// ```no_run
/// # async fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
/// let kv = client.kv1("kv");
/// kv.write("app/db", &serde_json::json!({"user": "app", "password": "s3cret"})).await?;
/// let data = kv.read_json("app/db").await?;
/// println!("keys: {:?}", data.keys().collect::<Vec<_>>());
/// println!("under app/: {:?}", kv.list("app").await?);
/// kv.delete("app/db").await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Kv1<'a> {
    client: &'a Client,
    mount: String,
}

impl<'a> Kv1<'a> {
    pub(crate) fn new(client: &'a Client, mount: &str) -> Self {
        Kv1 {
            client,
            mount: mount.trim_matches('/').to_string(),
        }
    }

    /// The mount path, without surrounding slashes.
    pub fn mount(&self) -> &str {
        &self.mount
    }

    fn url(&self, path: &str) -> Result<String, Error> {
        mount_kind_path(&self.mount, "", path)
    }

    /// Reads the secret into `T`: `GET <mount>/<path>`. A missing secret is an error with
    /// [`Error::is_not_found`] true.
    pub async fn read<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        let url = self.url(path)?;
        let env: Envelope<T> = self
            .client
            .request_json(Method::GET, &url, &[], None::<&()>, "kv-v1-read")
            .await?;
        env.into_data()
    }

    /// Reads the secret as a JSON map.
    pub async fn read_json(&self, path: &str) -> Result<JsonMap, Error> {
        self.read(path).await
    }

    /// Writes (replaces) the secret: `POST <mount>/<path>`. `data` must serialize to a JSON
    /// object.
    pub async fn write<T: Serialize + ?Sized>(&self, path: &str, data: &T) -> Result<(), Error> {
        let url = self.url(path)?;
        let body = object(data)?;
        self.client
            .send(Method::POST, &url, &[], Some(&body), "kv-v1-write")
            .await?;
        Ok(())
    }

    /// The keys under `prefix` (`""` for the mount's root); folders end with `/`. An empty or
    /// missing folder gives an empty list.
    pub async fn list(&self, prefix: &str) -> Result<Vec<String>, Error> {
        let url = format!("{}/{}", mount_url(&self.mount)?, folder_url(prefix)?);
        list_keys(self.client, &url, "kv-v1-list").await
    }

    /// Deletes the secret: `DELETE <mount>/<path>`. Deleting a missing secret succeeds.
    pub async fn delete(&self, path: &str) -> Result<(), Error> {
        let url = self.url(path)?;
        self.client
            .send(Method::DELETE, &url, &[], None::<&()>, "kv-v1-delete")
            .await?;
        Ok(())
    }
}
