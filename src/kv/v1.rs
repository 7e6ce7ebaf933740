//! KV version 1: one unversioned value per path.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::v2::{list_keys, object};
use crate::api::operations as ops;
use crate::envelope::{DataOnly, JsonMap};
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
pub struct Kv1 {
    client: Client,
    mount: String,
}

impl Kv1 {
    pub(crate) fn new(client: Client, mount: &str) -> Self {
        Kv1 {
            client,
            mount: mount.trim_matches('/').to_string(),
        }
    }

    /// The mount path, without surrounding slashes.
    pub fn mount(&self) -> &str {
        &self.mount
    }

    /// Reads the secret into `T`: `GET <mount>/<path>`. A missing secret is an error with
    /// [`Error::is_not_found`] true.
    pub async fn read<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        let env: DataOnly<T> = self
            .client
            .call_operation(&ops::KV_V1_READ, &[&self.mount, &path], &[], None::<&()>)
            .await?;
        env.into_data()
    }

    /// [`Kv1::read`] into a JSON map: `read::<JsonMap>`, as on every KV handle (KV v1 keeps no
    /// versions, so there is no metadata beside the data).
    pub async fn read_json(&self, path: &str) -> Result<JsonMap, Error> {
        self.read(path).await
    }

    /// Writes (replaces) the secret: `POST <mount>/<path>`. `data` must serialize to a JSON
    /// object.
    pub async fn write<T: Serialize + ?Sized>(&self, path: &str, data: &T) -> Result<(), Error> {
        let body = object(data)?;
        self.client
            .send_operation(&ops::KV_V1_WRITE, &[&self.mount, &path], &[], Some(&body))
            .await?;
        Ok(())
    }

    /// The keys under `prefix` (`""` for the mount's root); folders end with `/`. An empty or
    /// missing folder gives an empty list.
    pub async fn list(&self, prefix: &str) -> Result<Vec<String>, Error> {
        list_keys(&self.client, &ops::KV_V1_LIST, &self.mount, prefix).await
    }

    /// One page of the keys under `prefix` (OpenBao's paginated `LIST`), as
    /// [`Kv2::list_page`](crate::kv::Kv2::list_page).
    pub async fn list_page(
        &self,
        prefix: &str,
        page: &crate::ListPage,
    ) -> Result<Vec<String>, Error> {
        list_keys(
            &self.client.with_list_page(page),
            &ops::KV_V1_LIST,
            &self.mount,
            prefix,
        )
        .await
    }

    /// Walks the keys under `prefix` `limit` at a time ([`ListPages`](crate::ListPages)).
    pub fn list_pages(&self, prefix: &str, limit: u32) -> crate::ListPages {
        crate::ListPages::of_operation(&self.client, &ops::KV_V1_LIST, &self.mount, prefix, limit)
    }

    /// Every key under `prefix`, recursively (OpenBao 2.2+'s `SCAN`), as
    /// [`Kv2::scan`](crate::kv::Kv2::scan).
    pub async fn scan(&self, prefix: &str) -> Result<Vec<String>, Error> {
        self.client
            .scan_operation(&ops::KV_V1_LIST, "kv_v1_scan", &self.mount, prefix)
            .await
    }

    /// Deletes the secret: `DELETE <mount>/<path>`. Deleting a missing secret succeeds.
    pub async fn delete(&self, path: &str) -> Result<(), Error> {
        self.client
            .send_operation(&ops::KV_V1_DELETE, &[&self.mount, &path], &[], None::<&()>)
            .await?;
        Ok(())
    }
}
