//! Logins that capture the token, the token's own endpoints, and keeping the token alive.
//!
//! Every login method is a type implementing [`Login`] ([`AppRole`], [`Userpass`],
//! [`Kubernetes`], ... one per auth method; see [below](#adding-a-login-method) for adding
//! one). [`AuthApi::login_as`] logs in with any of them and stores the token in the client (and
//! all its clones) for every later call, generated API included; the typed helpers
//! ([`AuthApi::approle`], [`AuthApi::userpass`], ...) are shorthands for it, and
//! [`AuthApi::renewer`] keeps the token alive and logs in again with the same value (see
//! [`renew`] for the schedule). Secret inputs are [`SecretString`]s. An auth method without a type
//! works through [`AuthApi::login`] (a path and a body) or [`AuthApi::login_with`] (a generated
//! login call). On a cloud VM, [`GcpInstance`] and [`AzureInstance`] fetch their identity JWT
//! from the metadata service themselves. Logins under login MFA: see [`mfa`] (a login that meets
//! an MFA requirement fails with [`Error::MfaRequired`], or gives a
//! [`LoginOutcome`] through [`AuthApi::login_or_mfa`]).
//!
//! # Adding a login method
//!
//! One type in one file: hold what the method needs and implement [`Login::login`], which
//! sends the request and returns the `auth` block without storing the token. Build the request
//! from the generated operation when the method's API group is a default feature (as
//! [`AppRole`] and [`Userpass`] do, with `client.api()`); the methods of feature-gated groups
//! send through the client's transport with [`send_login`], so the helper behaves the same
//! whichever features are enabled.
//!
//! ```no_run
//! use hashivault::auth::{send_login, Login};
//! use hashivault::{AuthInfo, Client, Error, ExposeSecret, SecretString};
//!
//! /// A plugin of our own at `auth/acme/login`.
//! struct Acme {
//!     api_key: SecretString,
//! }
//!
//! impl Login for Acme {
//!     async fn login(&self, client: &Client) -> Result<AuthInfo, Error> {
//!         let body = serde_json::json!({ "api_key": self.api_key.expose_secret() });
//!         send_login(client, "acme/login", &body).await
//!     }
//! }
//!
//! # async fn run(client: Client) -> Result<(), Error> {
//! let acme = Acme { api_key: "k-123".into() };
//! client.auth().login_as(&acme).await?;
//! let renewer = client.auth().renewer().login(acme).spawn();
//! # Ok(())
//! # }
//! ```
//!
//! ```no_run
//! # async fn run() -> Result<(), hashivault::Error> {
//! let client = hashivault::Client::builder().address("http://127.0.0.1:8200").build()?;
//! let auth = client.auth().approle("approle", "role-id", Some("secret-id".into())).await?;
//! println!("logged in, policies {:?}, ttl {}s", auth.policies, auth.lease_duration);
//! let me = client.auth().lookup_self().await?;
//! println!("token accessor {}", me.accessor);
//! # Ok(())
//! # }
//! ```

#[cfg(feature = "auth-aws")]
mod aws;
mod cloud;
mod login;
pub mod mfa;
pub mod renew;

use std::future::Future;

use secrecy::SecretString;
use serde::Serialize;

use crate::api::operations as ops;
use crate::envelope::{AuthInfo, Envelope, JsonMap};
use crate::{Client, Error};

#[cfg(feature = "auth-aws")]
pub use aws::{AwsCredentials, AwsIam, GET_CALLER_IDENTITY, GLOBAL_STS_ENDPOINT, SERVER_ID_HEADER};
pub use cloud::{AzureInstance, GcpInstance};
pub(crate) use login::DynLogin;
pub use login::{
    send_login, AppRole, Aws, Azure, Cert, Custom, Gcp, Github, Jwt, Kerberos, Kubernetes, Ldap,
    Login, Okta, Radius, ServiceAccountToken, Userpass,
};
pub use mfa::{
    LoginOutcome, MfaConstraint, MfaCredentials, MfaMethod, MfaRequirement, WithMfa, MFA_HEADER,
};
pub use renew::{RenewEvent, RenewSchedule, RenewerBuilder, StopReason, TokenRenewer, TokenStatus};

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

/// What `auth/token/lookup-self` says of a token: the generated
/// [`TokenLookUpSelfResponse`](crate::api::types::TokenLookUpSelfResponse), typed from real
/// answers (`spec/overlays/auth-token.json`): `accessor`, `policies`, `ttl` (seconds left, 0 for
/// a token without expiry), `creation_ttl`, `display_name`, `entity_id`, `expire_time`,
/// `issue_time`, `meta`, `num_uses`, `orphan`, `path`, `renewable`, `type_` (`service` or
/// `batch`), and `id`, the token itself, a [`Sensitive`](crate::Sensitive) that `Debug` never
/// shows.
pub type TokenInfo = crate::api::types::TokenLookUpSelfResponse;

/// The auth endpoints of a [`Client`]: `client.auth()`.
#[derive(Clone, Debug)]
pub struct AuthApi {
    client: Client,
}

impl Client {
    /// Login helpers and the token's own endpoints.
    pub fn auth(&self) -> AuthApi {
        AuthApi {
            client: self.clone(),
        }
    }
}

impl AuthApi {
    /// Logs in with `method` (any [`Login`]: the types of this module or one of your own) and
    /// stores the new token in the client and all its clones.
    pub async fn login_as(&self, method: &impl Login) -> Result<AuthInfo, Error> {
        let auth = method.login(&self.client).await?;
        self.client.set_token(auth.client_token.clone())?;
        Ok(auth)
    }

    /// Logs in at `auth/<path>` (e.g. `"userpass/login/alice"`) with `body`, stores the new token
    /// in the client and returns the `auth` block. Works for every auth method.
    pub async fn login<B: Serialize + ?Sized + Sync>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<AuthInfo, Error> {
        let auth = send_login(&self.client, path, body).await?;
        self.client.set_token(auth.client_token.clone())?;
        Ok(auth)
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
    pub async fn login_with<T>(
        &self,
        call: impl Future<Output = Result<crate::Response<Envelope<T>>, Error>>,
    ) -> Result<AuthInfo, Error> {
        let answer = call.await?;
        let operation = answer.operation();
        let auth = login::auth_of(answer.into_inner()).map_err(|e| e.with_operation(operation))?;
        self.client.set_token(auth.client_token.clone())?;
        Ok(auth)
    }

    /// Userpass ([`Userpass`]): `POST auth/<mount>/login/<username>` (default mount `userpass`).
    pub async fn userpass(
        &self,
        mount: &str,
        username: &str,
        password: impl Into<SecretString>,
    ) -> Result<AuthInfo, Error> {
        self.login_as(&Userpass::new(mount, username, password))
            .await
    }

    /// LDAP ([`Ldap`]): `POST auth/<mount>/login/<username>` (default mount `ldap`).
    pub async fn ldap(
        &self,
        mount: &str,
        username: &str,
        password: impl Into<SecretString>,
    ) -> Result<AuthInfo, Error> {
        self.login_as(&Ldap::new(mount, username, password)).await
    }

    /// Okta ([`Okta`]): `POST auth/<mount>/login/<username>` (default mount `okta`); `totp` when
    /// the organisation requires it.
    pub async fn okta(
        &self,
        mount: &str,
        username: &str,
        password: impl Into<SecretString>,
        totp: Option<SecretString>,
    ) -> Result<AuthInfo, Error> {
        self.login_as(&Okta::new(mount, username, password, totp))
            .await
    }

    /// RADIUS ([`Radius`]): `POST auth/<mount>/login/<username>` (default mount `radius`).
    pub async fn radius(
        &self,
        mount: &str,
        username: &str,
        password: impl Into<SecretString>,
    ) -> Result<AuthInfo, Error> {
        self.login_as(&Radius::new(mount, username, password)).await
    }

    /// AppRole ([`AppRole`]): `POST auth/<mount>/login` with `role_id` and `secret_id` (default
    /// mount `approle`; `secret_id` may be unneeded when the role does not bind it).
    pub async fn approle(
        &self,
        mount: &str,
        role_id: &str,
        secret_id: Option<SecretString>,
    ) -> Result<AuthInfo, Error> {
        self.login_as(&AppRole::new(mount, role_id, secret_id))
            .await
    }

    /// JWT or OIDC with a JWT ([`Jwt`]): `POST auth/<mount>/login` with `jwt` and an optional
    /// `role` (default mount `jwt`).
    pub async fn jwt(
        &self,
        mount: &str,
        role: Option<&str>,
        jwt: impl Into<SecretString>,
    ) -> Result<AuthInfo, Error> {
        self.login_as(&Jwt::new(mount, role.map(str::to_string), jwt))
            .await
    }

    /// Kubernetes ([`Kubernetes`]): `POST auth/<mount>/login` with `role` and the service
    /// account `jwt` (default mount `kubernetes`).
    pub async fn kubernetes(
        &self,
        mount: &str,
        role: &str,
        jwt: impl Into<SecretString>,
    ) -> Result<AuthInfo, Error> {
        self.login_as(&Kubernetes::new(mount, role, jwt)).await
    }

    /// Kubernetes from inside a pod: reads [`KUBERNETES_SERVICE_ACCOUNT_TOKEN`].
    pub async fn kubernetes_in_pod(&self, mount: &str, role: &str) -> Result<AuthInfo, Error> {
        self.login_as(&Kubernetes::in_pod(mount, role)).await
    }

    /// GCP ([`Gcp`], `iam` or `gce` with a signed JWT): `POST auth/<mount>/login` (default mount
    /// `gcp`).
    pub async fn gcp(
        &self,
        mount: &str,
        role: &str,
        jwt: impl Into<SecretString>,
    ) -> Result<AuthInfo, Error> {
        self.login_as(&Gcp::new(mount, role, jwt)).await
    }

    /// Azure managed identity ([`Azure`]): `POST auth/<mount>/login` with `role`, `jwt` and the
    /// optional VM fields (`subscription_id`, `resource_group_name`, `vm_name`, `vmss_name`,
    /// ...) in `extra` (default mount `azure`).
    pub async fn azure(
        &self,
        mount: &str,
        role: &str,
        jwt: impl Into<SecretString>,
        extra: JsonMap,
    ) -> Result<AuthInfo, Error> {
        self.login_as(&Azure::new(mount, role, jwt, extra)).await
    }

    /// AWS ([`Aws`]) IAM with a request the caller signed (`iam_http_request_method`,
    /// `iam_request_url`, `iam_request_body`, `iam_request_headers`, base64 as Vault wants), or
    /// EC2 with `pkcs7` / `identity` + `signature`: `POST auth/<mount>/login` (default `aws`).
    pub async fn aws(
        &self,
        mount: &str,
        role: Option<&str>,
        signed: JsonMap,
    ) -> Result<AuthInfo, Error> {
        self.login_as(&Aws::new(mount, role.map(str::to_string), &signed))
            .await
    }

    /// TLS certificate ([`Cert`]): `POST auth/<mount>/login`, authenticated by the client
    /// certificate the client was built with; `name` picks a certificate role (default mount
    /// `cert`).
    pub async fn cert(&self, mount: &str, name: Option<&str>) -> Result<AuthInfo, Error> {
        self.login_as(&Cert::new(mount, name.map(str::to_string)))
            .await
    }

    /// GitHub personal access token ([`Github`]): `POST auth/<mount>/login` (default mount
    /// `github`).
    pub async fn github(
        &self,
        mount: &str,
        token: impl Into<SecretString>,
    ) -> Result<AuthInfo, Error> {
        self.login_as(&Github::new(mount, token)).await
    }

    /// Kerberos ([`Kerberos`]): `POST auth/<mount>/login` with the SPNEGO token (base64) as
    /// `Authorization: Negotiate …` (default mount `kerberos`).
    pub async fn kerberos(
        &self,
        mount: &str,
        spnego_token: impl Into<SecretString>,
    ) -> Result<AuthInfo, Error> {
        self.login_as(&Kerberos::new(mount, spnego_token)).await
    }

    /// Uses `token` from now on, after checking it with `lookup-self`.
    pub async fn token(&self, token: impl Into<SecretString>) -> Result<TokenInfo, Error> {
        self.client.set_token(token.into())?;
        self.lookup_self().await
    }

    /// `GET auth/token/lookup-self` (operation `token-look-up-self`): what Vault knows of the
    /// current token.
    pub async fn lookup_self(&self) -> Result<TokenInfo, Error> {
        let env: Envelope<TokenInfo> = self
            .client
            .call_operation(&ops::TOKEN_LOOK_UP_SELF, &[], &[], None::<&()>)
            .await?;
        env.into_data()
    }

    /// `POST auth/token/renew-self` (operation `token-renew-self`), optionally asking for
    /// `increment` (`"1h"`).
    pub async fn renew_self(&self, increment: Option<&str>) -> Result<AuthInfo, Error> {
        let mut body = JsonMap::new();
        if let Some(increment) = increment {
            body.insert("increment".into(), increment.into());
        }
        let env: Envelope<JsonMap> = self
            .client
            .call_operation(&ops::TOKEN_RENEW_SELF, &[], &[], Some(&body))
            .await?;
        env.auth
            .map(|auth| *auth)
            .ok_or_else(|| Error::missing("the renew answer has no `auth` block"))
    }

    /// `POST auth/token/revoke-self` (operation `token-revoke-self`), then forgets the token.
    pub async fn revoke_self(&self) -> Result<(), Error> {
        self.client
            .send_operation(&ops::TOKEN_REVOKE_SELF, &[], &[], None::<&()>)
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
