//! Keeping a token alive, in the spirit of Vault's lifetime watcher.

use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::{Client, Error};

/// How to log in again when the token can no longer be renewed. `Debug` shows no credential.
#[derive(Clone)]
#[non_exhaustive]
pub enum LoginMethod {
    /// Userpass at `mount`.
    Userpass {
        /// Mount path.
        mount: String,
        /// User name.
        username: String,
        /// Password.
        password: SecretString,
    },
    /// AppRole at `mount`.
    AppRole {
        /// Mount path.
        mount: String,
        /// Role id.
        role_id: String,
        /// Secret id.
        secret_id: Option<SecretString>,
    },
    /// Kubernetes at `mount`, reading the service account token from `jwt_path` at each login.
    Kubernetes {
        /// Mount path.
        mount: String,
        /// Role.
        role: String,
        /// Where the service account token is.
        jwt_path: std::path::PathBuf,
    },
    /// Any method: `POST auth/<path>` with this JSON body.
    Custom {
        /// Path under `auth/`.
        path: String,
        /// The JSON body, kept secret.
        body: SecretString,
    },
}

impl fmt::Debug for LoginMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoginMethod::Userpass {
                mount, username, ..
            } => f
                .debug_struct("Userpass")
                .field("mount", mount)
                .field("username", username)
                .field("password", &"<redacted>")
                .finish(),
            LoginMethod::AppRole { mount, role_id, .. } => f
                .debug_struct("AppRole")
                .field("mount", mount)
                .field("role_id", role_id)
                .field("secret_id", &"<redacted>")
                .finish(),
            LoginMethod::Kubernetes {
                mount,
                role,
                jwt_path,
            } => f
                .debug_struct("Kubernetes")
                .field("mount", mount)
                .field("role", role)
                .field("jwt_path", jwt_path)
                .finish(),
            LoginMethod::Custom { path, .. } => f
                .debug_struct("Custom")
                .field("path", path)
                .field("body", &"<redacted>")
                .finish(),
        }
    }
}

impl LoginMethod {
    /// Logs in with this method; returns the new token's TTL in seconds.
    pub async fn login(&self, client: &Client) -> Result<u64, Error> {
        let auth = client.auth();
        let info = match self {
            LoginMethod::Userpass {
                mount,
                username,
                password,
            } => {
                auth.userpass(mount, username, password.expose_secret())
                    .await?
            }
            LoginMethod::AppRole {
                mount,
                role_id,
                secret_id,
            } => {
                auth.approle(
                    mount,
                    role_id,
                    secret_id.as_ref().map(|s| s.expose_secret()),
                )
                .await?
            }
            LoginMethod::Kubernetes {
                mount,
                role,
                jwt_path,
            } => {
                let jwt = std::fs::read_to_string(jwt_path).map_err(|e| {
                    Error::Config(format!("cannot read {}: {e}", jwt_path.display()))
                })?;
                auth.kubernetes(mount, role, jwt.trim()).await?
            }
            LoginMethod::Custom { path, body } => {
                let body: serde_json::Value = serde_json::from_str(body.expose_secret())
                    .map_err(|_| Error::invalid("the custom login body is not JSON"))?;
                auth.login(path, &body).await?
            }
        };
        Ok(info.lease_duration)
    }
}

/// What the renewer did.
#[derive(Debug)]
#[non_exhaustive]
pub enum RenewEvent {
    /// The token was renewed; it now lives this many seconds.
    Renewed {
        /// New TTL in seconds.
        ttl: u64,
    },
    /// A new token was obtained with the login method.
    LoggedIn {
        /// New TTL in seconds.
        ttl: u64,
    },
    /// The token does not expire: nothing to do; the renewer stopped.
    NoExpiry,
    /// The renewer stopped: the token can no longer be renewed and there is no (working) login
    /// method. The error says why.
    Stopped(Error),
}

/// A background task that keeps the client's token alive. Stops when dropped.
///
/// ```no_run
/// # async fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
/// use hashivault::auth::{LoginMethod, RenewEvent};
/// let method = LoginMethod::AppRole {
///     mount: "approle".into(),
///     role_id: "my-role".into(),
///     secret_id: Some("my-secret".to_string().into()),
/// };
/// let mut renewer = client.auth().spawn_renewer(Some(method));
/// while let Some(event) = renewer.next_event().await {
///     if let RenewEvent::Stopped(e) = event {
///         eprintln!("token can no longer be kept alive: {e}");
///     }
/// }
/// # Ok(())
/// # }
/// ```
pub struct TokenRenewer {
    events: mpsc::Receiver<RenewEvent>,
    task: JoinHandle<()>,
}

impl fmt::Debug for TokenRenewer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenRenewer")
            .field("finished", &self.task.is_finished())
            .finish()
    }
}

impl TokenRenewer {
    /// The next event; `None` once the renewer has stopped.
    pub async fn next_event(&mut self) -> Option<RenewEvent> {
        self.events.recv().await
    }

    /// Stops the renewer.
    pub fn stop(&self) {
        self.task.abort();
    }
}

impl Drop for TokenRenewer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// When to renew: at `fraction` of the TTL, and at once when less than `min_remaining` is left.
#[derive(Clone, Copy, Debug)]
pub struct RenewSchedule {
    /// The share of the TTL to wait before renewing (default 2/3).
    pub fraction: f64,
    /// Renew at once below this many seconds left (default 300).
    pub min_remaining: u64,
}

impl Default for RenewSchedule {
    fn default() -> Self {
        RenewSchedule {
            fraction: 2.0 / 3.0,
            min_remaining: 300,
        }
    }
}

impl RenewSchedule {
    /// How long to wait before renewing a token with `ttl` seconds left.
    pub fn wait(&self, ttl: u64) -> Duration {
        if ttl < self.min_remaining {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(ttl as f64 * self.fraction)
        }
    }
}

impl crate::auth::AuthApi<'_> {
    /// Starts a background task (on the current tokio runtime) that renews the client's token
    /// ahead of expiry and, when it can no longer be renewed, logs in again with `relogin`.
    pub fn spawn_renewer(&self, relogin: Option<LoginMethod>) -> TokenRenewer {
        self.spawn_renewer_with(relogin, RenewSchedule::default())
    }

    /// [`AuthApi::spawn_renewer`](crate::auth::AuthApi::spawn_renewer) with a schedule of one's own.
    pub fn spawn_renewer_with(
        &self,
        relogin: Option<LoginMethod>,
        schedule: RenewSchedule,
    ) -> TokenRenewer {
        let (tx, rx) = mpsc::channel(16);
        let client = self.client.clone();
        let task = tokio::spawn(run(client, relogin, schedule, tx));
        TokenRenewer { events: rx, task }
    }
}

async fn run(
    client: Client,
    relogin: Option<LoginMethod>,
    schedule: RenewSchedule,
    tx: mpsc::Sender<RenewEvent>,
) {
    let (mut ttl, mut renewable) = match client.auth().lookup_self().await {
        Ok(info) => (u64::try_from(info.ttl).unwrap_or(0), info.renewable),
        Err(e) => match &relogin {
            Some(method) => match method.login(&client).await {
                Ok(ttl) => {
                    let _ = tx.send(RenewEvent::LoggedIn { ttl }).await;
                    (ttl, true)
                }
                Err(login_error) => {
                    let _ = tx.send(RenewEvent::Stopped(login_error)).await;
                    return;
                }
            },
            None => {
                let _ = tx.send(RenewEvent::Stopped(e)).await;
                return;
            }
        },
    };
    loop {
        if ttl == 0 {
            let _ = tx.send(RenewEvent::NoExpiry).await;
            return;
        }
        tokio::time::sleep(schedule.wait(ttl)).await;
        let renewed = if renewable {
            match client.auth().renew_self(None).await {
                // A renewal that no longer extends the token (its max TTL is near) is not enough.
                Ok(auth) if auth.lease_duration >= schedule.min_remaining => {
                    Some(auth.lease_duration)
                }
                Ok(_) => None,
                Err(e) if relogin.is_none() => {
                    let _ = tx.send(RenewEvent::Stopped(e)).await;
                    return;
                }
                Err(_) => None,
            }
        } else {
            None
        };
        if let Some(new_ttl) = renewed {
            ttl = new_ttl;
            if tx.send(RenewEvent::Renewed { ttl }).await.is_err() {
                return;
            }
            continue;
        }
        let Some(method) = &relogin else {
            let _ = tx
                .send(RenewEvent::Stopped(Error::missing(
                    "the token can no longer be renewed and no login method was given",
                )))
                .await;
            return;
        };
        match method.login(&client).await {
            Ok(new_ttl) => {
                ttl = new_ttl;
                renewable = true;
                if tx.send(RenewEvent::LoggedIn { ttl }).await.is_err() {
                    return;
                }
            }
            Err(e) => {
                let _ = tx.send(RenewEvent::Stopped(e)).await;
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_renews_at_two_thirds_and_at_once_when_short() {
        let s = RenewSchedule::default();
        assert_eq!(s.wait(3600), Duration::from_secs(2400));
        assert_eq!(s.wait(299), Duration::ZERO);
    }

    #[test]
    fn login_methods_hide_credentials() {
        let m = LoginMethod::Userpass {
            mount: "userpass".into(),
            username: "alice".into(),
            password: SecretString::from("hunter2"),
        };
        let shown = format!("{m:?}");
        assert!(!shown.contains("hunter2") && shown.contains("alice"));
    }
}
