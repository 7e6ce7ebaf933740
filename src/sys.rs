//! The `sys/` endpoints every application uses, typed: health and seal status, and unwrap.
//!
//! Each helper sends its operation of [`crate::api::operations`] (see [`crate::operation`]).
//!
//! Everything else under `sys/` is in [`crate::api`] (features `sys` and `sys-admin`).

use secrecy::SecretString;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::api::operations as ops;
use crate::envelope::Envelope;
use crate::{Client, Error};

/// `GET /v1/sys/health`: the node's state. Standby (429), DR secondary (472), performance
/// standby (473), not initialized (501) and sealed (503) are states, not errors: they come back
/// as `Ok` with the body.
#[derive(Clone, Debug, Deserialize)]
#[non_exhaustive]
pub struct Health {
    /// Whether Vault is initialized.
    #[serde(default)]
    pub initialized: bool,
    /// Whether Vault is sealed.
    #[serde(default)]
    pub sealed: bool,
    /// Whether this node is a standby.
    #[serde(default)]
    pub standby: bool,
    /// Whether this node is a performance standby.
    #[serde(default)]
    pub performance_standby: bool,
    /// Replication mode for performance replication.
    #[serde(default)]
    pub replication_performance_mode: String,
    /// Replication mode for disaster recovery.
    #[serde(default)]
    pub replication_dr_mode: String,
    /// Server time, Unix seconds.
    #[serde(default)]
    pub server_time_utc: u64,
    /// Server version.
    #[serde(default)]
    pub version: String,
    /// Cluster name (absent when sealed).
    #[serde(default)]
    pub cluster_name: String,
    /// Cluster id (absent when sealed).
    #[serde(default)]
    pub cluster_id: String,
    /// The HTTP status the node answered with.
    #[serde(skip)]
    pub status: u16,
}

/// `GET /v1/sys/seal-status`.
#[derive(Clone, Debug, Deserialize)]
#[non_exhaustive]
pub struct SealStatus {
    /// Seal type (`shamir`, `awskms`, ...).
    #[serde(default, rename = "type")]
    pub seal_type: String,
    /// Whether Vault is initialized.
    #[serde(default)]
    pub initialized: bool,
    /// Whether Vault is sealed.
    #[serde(default)]
    pub sealed: bool,
    /// Key shares needed to unseal.
    #[serde(default, rename = "t")]
    pub threshold: u32,
    /// Total key shares.
    #[serde(default, rename = "n")]
    pub shares: u32,
    /// Unseal progress.
    #[serde(default)]
    pub progress: u32,
    /// Server version.
    #[serde(default)]
    pub version: String,
    /// Storage backend type.
    #[serde(default)]
    pub storage_type: String,
}

impl Client {
    /// The node's health. Every state Vault reports with a health body (standby, sealed, not
    /// initialized, ...) is `Ok`; only a failure to get an answer is an error.
    pub async fn sys_health(&self) -> Result<Health, Error> {
        let operation = &ops::READ_HEALTH_STATUS;
        let response = self.send_operation_any_status(operation).await?;
        let status = response.status().as_u16();
        let path = response.url().path().to_string();
        let bytes = response.bytes().await.map_err(Error::from_reqwest)?;
        let mut health: Health = serde_json::from_slice(&bytes).map_err(|e| {
            if matches!(status, 200 | 429 | 472 | 473 | 501 | 503) {
                Error::decode(operation.id, &bytes, &e)
            } else {
                Error::Api(Box::new(crate::ApiError::from_body(
                    status,
                    operation.method,
                    &path,
                    &bytes,
                )))
            }
        })?;
        health.status = status;
        Ok(health)
    }

    /// The seal status.
    pub async fn sys_seal_status(&self) -> Result<SealStatus, Error> {
        self.call_operation(&ops::SEAL_STATUS, &[], &[], None::<&()>)
            .await
    }

    /// Reads a response-wrapped answer: `POST /v1/sys/wrapping/unwrap` with the wrapping token
    /// as `X-Vault-Token`. A wrapping token works once.
    pub async fn unwrap<T: DeserializeOwned>(
        &self,
        wrapping_token: &SecretString,
    ) -> Result<Envelope<T>, Error> {
        let unwrapper = self.with_token(wrapping_token.clone())?;
        unwrapper
            .call_operation(&ops::UNWRAP, &[], &[], None::<&()>)
            .await
    }
}
