//! The `sys/` endpoints every application uses, typed: health and seal status, and unwrap.
//!
//! Each helper sends its operation of [`crate::api::operations`] (see [`crate::operation`]).
//!
//! Everything else under `sys/` is in [`crate::api`] (features `sys` and `sys-admin`).

use secrecy::SecretString;
use serde::de::DeserializeOwned;

use crate::api::operations as ops;
use crate::api::types::ReadHealthStatusResponse;
use crate::envelope::Envelope;
use crate::{Client, Error};

/// `GET /v1/sys/health`: the node's state. Standby (429), DR secondary (472), performance
/// standby (473), not initialized (501) and sealed (503) are states, not errors: they come back
/// as `Ok` with the body.
///
/// The body is the generated [`ReadHealthStatusResponse`] (typed from real answers by
/// `spec/overlays/sys.json`; its fields are reachable through `Deref`: `health.sealed`), with the
/// HTTP status that carried it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Health {
    /// The HTTP status of the answer (`200`, or the state's code above).
    pub status: u16,
    /// The answer's body.
    pub node: ReadHealthStatusResponse,
}

impl std::ops::Deref for Health {
    type Target = ReadHealthStatusResponse;

    fn deref(&self) -> &ReadHealthStatusResponse {
        &self.node
    }
}

/// `GET /v1/sys/seal-status`: the generated type (Vault's document names its fields: `type_`,
/// `t` the unseal threshold, `n` the key shares, `progress`).
pub type SealStatus = crate::api::types::SealStatusResponse;

impl Client {
    /// The node's health. Every state Vault reports with a health body (standby, sealed, not
    /// initialized, ...) is `Ok`; only a failure to get an answer is an error.
    pub async fn sys_health(&self) -> Result<Health, Error> {
        let operation = &ops::READ_HEALTH_STATUS;
        let response = self.send_operation_any_status(operation).await?;
        let status = response.status().as_u16();
        // The node states `sys/health` documents are answers; any other status is an error.
        if !matches!(status, 200..=299 | 429 | 472 | 473 | 501 | 503) {
            return Err(crate::transport::answer_error(response));
        }
        let node: ReadHealthStatusResponse =
            crate::transport::decode_answer(response, operation.name).await?;
        Ok(Health { status, node })
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
