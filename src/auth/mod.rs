//! Login helpers that capture the token, and the token's own endpoints.
//!
//! Every login goes through [`AuthApi::login`]: `POST /v1/auth/<mount>/<path>` with the method's
//! body, the `auth` block decoded as [`AuthInfo`], and its token stored in the client (and all its
//! clones) for every later call, generated API included. The typed helpers below are thin
//! wrappers; an auth method they don't name (or a new one in a regenerated spec) works through
//! [`AuthApi::login`] or [`AuthApi::login_with`] with no new code.
//!
//! ```no_run
//! # async fn run() -> Result<(), hashivault::Error> {
//! let client = hashivault::Client::builder().address("http://127.0.0.1:8200").build()?;
//! let auth = client.auth().approle("approle", "role-id", Some("secret-id")).await?;
//! println!("logged in, policies {:?}, ttl {}s", auth.policies, auth.lease_duration);
//! let me = client.auth().lookup_self().await?;
//! println!("token accessor {}", me.accessor);
//! # Ok(())
//! # }
//! ```

mod renew;

use std::future::Future;

use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::envelope::{AuthInfo, Envelope, JsonMap};
use crate::path::{check_as_sent, encode_segment, mount_url};
use crate::{Client, Error};

pub use renew::{LoginMethod, RenewEvent, RenewSchedule, TokenRenewer};

/// The default mount path of each auth method, as Vault enables them.
pub mod default_mount {
    /// `approle`
    pub const APPROLE: &str = "approle";
    /// `aws`
    pub const AWS: &str = "aws";
    /// `azure`
    pub const AZURE: &str = "azure";
    /// `cert`
    pub const CERT: &str = "cert";
    /// `gcp`
    pub const GCP: &str = "gcp";
    /// `github`
    pub const GITHUB: &str = "github";
    /// `jwt`
    pub const JWT: &str = "jwt";
    /// `kerberos`
    pub const KERBEROS: &str = "kerberos";
    /// `kubernetes`
    pub const KUBERNETES: &str = "kubernetes";
    /// `ldap`
    pub const LDAP: &str = "ldap";
    /// `oidc`
    pub const OIDC: &str = "oidc";
    /// `okta`
    pub const OKTA: &str = "okta";
    /// `radius`
    pub const RADIUS: &str = "radius";
    /// `userpass`
    pub const USERPASS: &str = "userpass";
}

/// Where a Kubernetes pod finds its service account token.
pub const KUBERNETES_SERVICE_ACCOUNT_TOKEN: &str =
    "/var/run/secrets/kubernetes.io/serviceaccount/token";

/// What `auth/token/lookup-self` says of a token. The token itself (`id`) is never decoded.
#[derive(Clone, Debug, Deserialize)]
#[non_exhaustive]
pub struct TokenInfo {
    /// The token's accessor.
    #[serde(default)]
    pub accessor: String,
    /// Policies attached to the token.
    #[serde(default, deserialize_with = "null_vec")]
    pub policies: Vec<String>,
    /// Seconds left to live (0 for a root token without expiry).
    #[serde(default)]
    pub ttl: i64,
    /// The TTL the token was created with.
    #[serde(default)]
    pub creation_ttl: i64,
    /// The display name (`token`, `userpass-alice`, ...).
    #[serde(default)]
    pub display_name: String,
    /// The identity entity.
    #[serde(default)]
    pub entity_id: String,
    /// When the token expires (RFC 3339), absent without expiry.
    #[serde(default)]
    pub expire_time: Option<String>,
    /// When the token was issued (RFC 3339).
    #[serde(default)]
    pub issue_time: Option<String>,
    /// Metadata attached at creation.
    #[serde(default)]
    pub meta: Option<std::collections::BTreeMap<String, String>>,
    /// Uses left, 0 for unlimited.
    #[serde(default)]
    pub num_uses: i64,
    /// Whether the token has no parent.
    #[serde(default)]
    pub orphan: bool,
    /// The path it was created at (`auth/userpass/login/alice`).
    #[serde(default)]
    pub path: String,
    /// Whether it can be renewed.
    #[serde(default)]
    pub renewable: bool,
    /// `service` or `batch`.
    #[serde(default, rename = "type")]
    pub token_type: String,
}

fn null_vec<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(d)?.unwrap_or_default())
}

/// The auth endpoints of a [`Client`]: `client.auth()`.
#[derive(Clone, Copy, Debug)]
pub struct AuthApi<'a> {
    client: &'a Client,
}

impl Client {
    /// Login helpers and the token's own endpoints.
    pub fn auth(&self) -> AuthApi<'_> {
        AuthApi { client: self }
    }
}

impl AuthApi<'_> {
    /// Logs in at `auth/<path>` (e.g. `"userpass/login/alice"`) with `body`, stores the new token
    /// in the client and returns the `auth` block. Works for every auth method.
    pub async fn login<B: Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<AuthInfo, Error> {
        let path = path.trim_matches('/');
        check_as_sent(path, "login path")?;
        if path.is_empty() {
            return Err(Error::invalid("the login path is empty"));
        }
        let env: Envelope<JsonMap> = self
            .client
            .request_json(
                Method::POST,
                &format!("auth/{path}"),
                &[],
                Some(body),
                "login",
            )
            .await?;
        self.capture(env)
    }

    /// Runs a login call of the generated API and stores the token it returns.
    ///
    /// ```no_run
    /// # async fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
    /// let api = client.api();
    /// let auth = client
    ///     .auth()
    ///     .login_with(
    ///         api.app_role_login()
    ///             .approle_mount_path("approle")
    ///             .body_map(|b| b.role_id("my-role".to_string()).secret_id(hashivault::Sensitive::from("my-secret")))
    ///             .send(),
    ///     )
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn login_with<T, E>(
        &self,
        call: impl Future<
            Output = Result<
                progenitor_client::ResponseValue<Envelope<T>>,
                progenitor_client::Error<E>,
            >,
        >,
    ) -> Result<AuthInfo, Error> {
        let env = call
            .await
            .map_err(|e| Error::from_api(e, "login"))?
            .into_inner();
        let Envelope { auth, .. } = env;
        let auth = auth.ok_or_else(|| Error::missing("the login answer has no `auth` block"))?;
        self.client.set_token(auth.client_token.clone())?;
        Ok(auth)
    }

    fn capture(&self, env: Envelope<JsonMap>) -> Result<AuthInfo, Error> {
        let auth = env
            .auth
            .ok_or_else(|| Error::missing("the login answer has no `auth` block"))?;
        if auth.client_token.expose_secret().is_empty() {
            return Err(Error::missing("the login answer has no client token"));
        }
        self.client.set_token(auth.client_token.clone())?;
        Ok(auth)
    }

    fn named(
        &self,
        mount: &str,
        username: &str,
        password: &str,
        kind: &str,
    ) -> Result<(String, Value), Error> {
        let mount = mount_url(mount)?;
        if username.is_empty() || username.contains('/') || username.chars().any(char::is_control) {
            return Err(Error::invalid(format!("invalid {kind} user name")));
        }
        Ok((
            format!("{mount}/login/{}", encode_segment(username)),
            json!({ "password": password }),
        ))
    }

    /// Userpass: `POST auth/<mount>/login/<username>` (default mount `userpass`).
    pub async fn userpass(
        &self,
        mount: &str,
        username: &str,
        password: &str,
    ) -> Result<AuthInfo, Error> {
        let (path, body) = self.named(mount, username, password, "userpass")?;
        self.login(&path, &body).await
    }

    /// LDAP: `POST auth/<mount>/login/<username>` (default mount `ldap`).
    pub async fn ldap(
        &self,
        mount: &str,
        username: &str,
        password: &str,
    ) -> Result<AuthInfo, Error> {
        let (path, body) = self.named(mount, username, password, "LDAP")?;
        self.login(&path, &body).await
    }

    /// Okta: `POST auth/<mount>/login/<username>` (default mount `okta`); `totp` when the
    /// organisation requires it.
    pub async fn okta(
        &self,
        mount: &str,
        username: &str,
        password: &str,
        totp: Option<&str>,
    ) -> Result<AuthInfo, Error> {
        let (path, mut body) = self.named(mount, username, password, "Okta")?;
        if let Some(totp) = totp {
            body["totp"] = Value::String(totp.to_string());
        }
        self.login(&path, &body).await
    }

    /// RADIUS: `POST auth/<mount>/login/<username>` (default mount `radius`).
    pub async fn radius(
        &self,
        mount: &str,
        username: &str,
        password: &str,
    ) -> Result<AuthInfo, Error> {
        let (path, body) = self.named(mount, username, password, "RADIUS")?;
        self.login(&path, &body).await
    }

    /// AppRole: `POST auth/<mount>/login` with `role_id` and `secret_id` (default mount
    /// `approle`; `secret_id` may be unneeded when the role does not bind it).
    pub async fn approle(
        &self,
        mount: &str,
        role_id: &str,
        secret_id: Option<&str>,
    ) -> Result<AuthInfo, Error> {
        let mount = mount_url(mount)?;
        let mut body = json!({ "role_id": role_id });
        if let Some(secret_id) = secret_id {
            body["secret_id"] = Value::String(secret_id.to_string());
        }
        self.login(&format!("{mount}/login"), &body).await
    }

    /// JWT or OIDC with a JWT: `POST auth/<mount>/login` with `jwt` and an optional `role`
    /// (default mount `jwt`).
    pub async fn jwt(&self, mount: &str, role: Option<&str>, jwt: &str) -> Result<AuthInfo, Error> {
        let mount = mount_url(mount)?;
        let mut body = json!({ "jwt": jwt });
        if let Some(role) = role {
            body["role"] = Value::String(role.to_string());
        }
        self.login(&format!("{mount}/login"), &body).await
    }

    /// Kubernetes: `POST auth/<mount>/login` with `role` and the service account `jwt` (default
    /// mount `kubernetes`).
    pub async fn kubernetes(&self, mount: &str, role: &str, jwt: &str) -> Result<AuthInfo, Error> {
        let mount = mount_url(mount)?;
        self.login(
            &format!("{mount}/login"),
            &json!({ "role": role, "jwt": jwt }),
        )
        .await
    }

    /// Kubernetes from inside a pod: reads [`KUBERNETES_SERVICE_ACCOUNT_TOKEN`].
    pub async fn kubernetes_in_pod(&self, mount: &str, role: &str) -> Result<AuthInfo, Error> {
        let jwt = std::fs::read_to_string(KUBERNETES_SERVICE_ACCOUNT_TOKEN).map_err(|e| {
            Error::Config(format!(
                "cannot read {KUBERNETES_SERVICE_ACCOUNT_TOKEN}: {e}"
            ))
        })?;
        self.kubernetes(mount, role, jwt.trim()).await
    }

    /// GCP (`iam` or `gce` with a signed JWT): `POST auth/<mount>/login` (default mount `gcp`).
    pub async fn gcp(&self, mount: &str, role: &str, jwt: &str) -> Result<AuthInfo, Error> {
        let mount = mount_url(mount)?;
        self.login(
            &format!("{mount}/login"),
            &json!({ "role": role, "jwt": jwt }),
        )
        .await
    }

    /// Azure managed identity: `POST auth/<mount>/login` with `role`, `jwt` and the optional
    /// VM fields (`subscription_id`, `resource_group_name`, `vm_name`, `vmss_name`, ...) in
    /// `extra` (default mount `azure`).
    pub async fn azure(
        &self,
        mount: &str,
        role: &str,
        jwt: &str,
        extra: JsonMap,
    ) -> Result<AuthInfo, Error> {
        let mount = mount_url(mount)?;
        let mut body = extra;
        body.insert("role".into(), role.into());
        body.insert("jwt".into(), jwt.into());
        self.login(&format!("{mount}/login"), &body).await
    }

    /// AWS IAM with a request the caller signed (`iam_http_request_method`,
    /// `iam_request_url`, `iam_request_body`, `iam_request_headers`, base64 as Vault wants), or
    /// EC2 with `pkcs7` / `identity` + `signature`: `POST auth/<mount>/login` (default `aws`).
    pub async fn aws(
        &self,
        mount: &str,
        role: Option<&str>,
        signed: JsonMap,
    ) -> Result<AuthInfo, Error> {
        let mount = mount_url(mount)?;
        let mut body = signed;
        if let Some(role) = role {
            body.insert("role".into(), role.into());
        }
        self.login(&format!("{mount}/login"), &body).await
    }

    /// TLS certificate: `POST auth/<mount>/login`, authenticated by the client certificate the
    /// client was built with; `name` picks a certificate role (default mount `cert`).
    pub async fn cert(&self, mount: &str, name: Option<&str>) -> Result<AuthInfo, Error> {
        let mount = mount_url(mount)?;
        let body = match name {
            Some(name) => json!({ "name": name }),
            None => json!({}),
        };
        self.login(&format!("{mount}/login"), &body).await
    }

    /// GitHub personal access token: `POST auth/<mount>/login` (default mount `github`).
    pub async fn github(&self, mount: &str, token: &str) -> Result<AuthInfo, Error> {
        let mount = mount_url(mount)?;
        self.login(&format!("{mount}/login"), &json!({ "token": token }))
            .await
    }

    /// Kerberos: `POST auth/<mount>/login` with the SPNEGO token (base64) as
    /// `Authorization: Negotiate …` (default mount `kerberos`).
    pub async fn kerberos(
        &self,
        mount: &str,
        spnego_token: &SecretString,
    ) -> Result<AuthInfo, Error> {
        let mount = mount_url(mount)?;
        let mut value = reqwest::header::HeaderValue::from_str(&format!(
            "Negotiate {}",
            spnego_token.expose_secret()
        ))
        .map_err(|_| Error::invalid("the SPNEGO token is not a valid header value"))?;
        value.set_sensitive(true);
        let response = self
            .client
            .send_with_header(
                Method::POST,
                &format!("auth/{mount}/login"),
                reqwest::header::AUTHORIZATION,
                value,
                "kerberos-login",
            )
            .await?;
        let bytes = response.bytes().await.map_err(Error::from_reqwest)?;
        let env: Envelope<JsonMap> = serde_json::from_slice(&bytes)
            .map_err(|e| Error::decode("kerberos-login", &bytes, &e))?;
        self.capture(env)
    }

    /// Uses `token` from now on, after checking it with `lookup-self`.
    pub async fn token(&self, token: impl Into<SecretString>) -> Result<TokenInfo, Error> {
        self.client.set_token(token.into())?;
        self.lookup_self().await
    }

    /// `GET auth/token/lookup-self`: what Vault knows of the current token.
    pub async fn lookup_self(&self) -> Result<TokenInfo, Error> {
        let env: Envelope<TokenInfo> = self
            .client
            .request_json(
                Method::GET,
                "auth/token/lookup-self",
                &[],
                None::<&()>,
                "token-lookup-self",
            )
            .await?;
        env.into_data()
    }

    /// `POST auth/token/renew-self`, optionally asking for `increment` (`"1h"`).
    pub async fn renew_self(&self, increment: Option<&str>) -> Result<AuthInfo, Error> {
        let body = match increment {
            Some(inc) => json!({ "increment": inc }),
            None => json!({}),
        };
        let env: Envelope<JsonMap> = self
            .client
            .request_json(
                Method::POST,
                "auth/token/renew-self",
                &[],
                Some(&body),
                "token-renew-self",
            )
            .await?;
        env.auth
            .ok_or_else(|| Error::missing("the renew answer has no `auth` block"))
    }

    /// `POST auth/token/revoke-self`, then forgets the token.
    pub async fn revoke_self(&self) -> Result<(), Error> {
        self.client
            .send(
                Method::POST,
                "auth/token/revoke-self",
                &[],
                None::<&()>,
                "token-revoke-self",
            )
            .await?;
        self.client.clear_token();
        Ok(())
    }

    /// Whether the current token is accepted (`lookup-self` succeeds). `false` on 401/403 or
    /// without a token; other failures are errors.
    pub async fn is_authenticated(&self) -> Result<bool, Error> {
        if !self.client.has_token() {
            return Ok(false);
        }
        match self.lookup_self().await {
            Ok(_) => Ok(true),
            Err(e) if e.is_permission_denied() || e.is_unauthorized() => Ok(false),
            Err(e) => Err(e),
        }
    }
}
