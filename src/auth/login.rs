//! The [`Login`] trait and one type per auth method.
//!
//! A login method is a value that knows how to send its login request: it implements
//! [`Login`], and from then on [`AuthApi::login_as`](super::AuthApi::login_as) logs in with it
//! (storing the token in the client) and [`RenewerBuilder::login`](super::RenewerBuilder::login)
//! logs in again with it when the token can no longer be renewed. Every login helper of
//! [`AuthApi`](super::AuthApi) is one of these types.
//!
//! Secret inputs (passwords, secret ids, JWTs, tokens) are [`SecretString`]s; a
//! [`Sensitive`](crate::Sensitive) value from a generated answer (an unwrapped `secret_id`)
//! converts into one without being exposed.
//!
//! How to add one: see [the module docs](super#adding-a-login-method).

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::Value;

use crate::api::operations as ops;
use crate::envelope::{AuthInfo, Envelope, JsonMap};
use crate::path::{check_as_sent, mount_url};
use crate::{Client, Error};

/// A way to log in. Implement it for a method of your own; see the [module docs](crate::auth).
pub trait Login: Send + Sync {
    /// Sends the login request with `client` and returns the new token's `auth` block. It must
    /// not store the token: [`AuthApi::login_as`](super::AuthApi::login_as) and the renewer do.
    fn login(&self, client: &Client) -> impl Future<Output = Result<AuthInfo, Error>> + Send;
}

impl<L: Login + ?Sized> Login for &L {
    fn login(&self, client: &Client) -> impl Future<Output = Result<AuthInfo, Error>> + Send {
        (**self).login(client)
    }
}

impl<L: Login + ?Sized> Login for std::sync::Arc<L> {
    fn login(&self, client: &Client) -> impl Future<Output = Result<AuthInfo, Error>> + Send {
        (**self).login(client)
    }
}

/// [`Login`] behind a pointer, for the renewer to hold any method.
pub(crate) trait DynLogin: Send + Sync {
    fn login_dyn<'a>(
        &'a self,
        client: &'a Client,
    ) -> Pin<Box<dyn Future<Output = Result<AuthInfo, Error>> + Send + 'a>>;
}

impl<L: Login> DynLogin for L {
    fn login_dyn<'a>(
        &'a self,
        client: &'a Client,
    ) -> Pin<Box<dyn Future<Output = Result<AuthInfo, Error>> + Send + 'a>> {
        Box::pin(self.login(client))
    }
}

/// Sends `POST auth/<path>` with `body` through the client's transport and returns the `auth`
/// block (the token is not stored). For login methods without a generated operation.
pub async fn send_login<B: Serialize + ?Sized + Sync>(
    client: &Client,
    path: &str,
    body: &B,
) -> Result<AuthInfo, Error> {
    let path = path.trim_matches('/');
    check_as_sent(path, "login path")?;
    if path.is_empty() {
        return Err(Error::invalid("the login path is empty"));
    }
    let env: Envelope<JsonMap> = client
        .request_json(
            Method::POST,
            &format!("auth/{path}"),
            &[],
            Some(body),
            "login",
        )
        .await?;
    auth_of(env).map_err(|e| e.with_operation("login"))
}

/// The `auth` block of a login answer, with a token in it; an MFA requirement (and no token)
/// is [`Error::MfaRequired`].
pub(crate) fn auth_of<T>(env: Envelope<T>) -> Result<AuthInfo, Error> {
    let mut auth = env
        .auth
        .ok_or_else(|| Error::missing("the login answer has no `auth` block"))?;
    if auth.client_token.expose_secret().is_empty() {
        if let Some(requirement) = auth.mfa_requirement.take() {
            return Err(Error::MfaRequired(Box::new(
                crate::error::MfaRequiredError {
                    requirement,
                    operation: None,
                },
            )));
        }
        return Err(Error::missing("the login answer has no client token"));
    }
    Ok(*auth)
}

/// A checked mount, slashes trimmed, for an operation's mount parameter.
fn mount_param(mount: &str) -> Result<&str, Error> {
    mount_url(mount)?;
    Ok(mount.trim_matches('/'))
}

/// A checked user name segment.
fn user_segment<'a>(username: &'a str, kind: &str) -> Result<&'a str, Error> {
    if username.is_empty() || username.contains('/') || username.chars().any(char::is_control) {
        return Err(Error::invalid(format!("invalid {kind} user name")));
    }
    Ok(username)
}

/// `POST auth/<mount>/login/<username>` with the password (and extra fields).
async fn named_login<B: Serialize + Sync>(
    client: &Client,
    mount: &str,
    username: &str,
    kind: &str,
    body: &B,
) -> Result<AuthInfo, Error> {
    let mount = mount_url(mount)?;
    let username = user_segment(username, kind)?;
    let path = format!("{mount}/login/{}", crate::path::encode_segment(username));
    send_login(client, &path, body).await
}

/// A login's body: its fields borrowed from the method and written straight into the request,
/// a `None` left out. No JSON value is built on the way, so a password, secret id or JWT is
/// not copied into one (a `serde_json::Value` is not zeroized when dropped) and a login makes
/// no allocation for its body but the request's own (issue #24, the login cell).
pub(crate) struct LoginBody<'a, const N: usize>(pub(crate) [(&'static str, Option<&'a str>); N]);

impl<const N: usize> Serialize for LoginBody<'_, N> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        for (name, value) in &self.0 {
            if let Some(value) = value {
                map.serialize_entry(name, value)?;
            }
        }
        map.end()
    }
}

/// A login method of a user name and a password, `POST auth/<mount>/login/<username>`: the
/// struct and its constructor ([`Userpass`], [`Ldap`] and [`Radius`] differ only in their docs),
/// and with `=> "Kind"` its [`Login`] through the raw transport (LDAP, RADIUS).
macro_rules! password_login {
    // With the method's name for errors: its `Login` sends the password with `named_login`.
    ($(#[$doc:meta])* $name:ident => $kind:literal) => {
        password_login! { $(#[$doc])* $name }

        impl Login for $name {
            async fn login(&self, client: &Client) -> Result<AuthInfo, Error> {
                let body = LoginBody([("password", Some(self.password.expose_secret()))]);
                named_login(client, &self.mount, &self.username, $kind, &body).await
            }
        }
    };
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        pub struct $name {
            mount: String,
            username: String,
            password: SecretString,
        }

        impl $name {
            /// A user and password.
            pub fn new(
                mount: impl Into<String>,
                username: impl Into<String>,
                password: impl Into<SecretString>,
            ) -> Self {
                $name {
                    mount: mount.into(),
                    username: username.into(),
                    password: password.into(),
                }
            }
        }
    };
}

/// AppRole: `POST auth/<mount>/login` with `role_id` and `secret_id` (generated
/// `app_role_login`). Default mount `approle`.
#[derive(Clone, Debug)]
pub struct AppRole {
    mount: String,
    role_id: String,
    secret_id: Option<SecretString>,
}

impl AppRole {
    /// `secret_id` may be `None` when the role does not bind one.
    pub fn new(
        mount: impl Into<String>,
        role_id: impl Into<String>,
        secret_id: Option<SecretString>,
    ) -> Self {
        AppRole {
            mount: mount.into(),
            role_id: role_id.into(),
            secret_id,
        }
    }
}

impl Login for AppRole {
    // `POST auth/<mount>/login` (`app-role-login` of the operation table): the same request with
    // any set of features.
    async fn login(&self, client: &Client) -> Result<AuthInfo, Error> {
        let mount = mount_param(&self.mount)?;
        let body = LoginBody([
            ("role_id", Some(self.role_id.as_str())),
            (
                "secret_id",
                self.secret_id.as_ref().map(|s| s.expose_secret()),
            ),
        ]);
        let env: Envelope<JsonMap> = client
            .call_operation(&ops::APP_ROLE_LOGIN, &[&mount], &[], Some(&body))
            .await?;
        auth_of(env).map_err(|e| e.with_operation(ops::APP_ROLE_LOGIN.name))
    }
}

password_login! {
    /// Userpass: `POST auth/<mount>/login/<username>` with the password (generated
    /// `userpass_login`). Default mount `userpass`.
    Userpass
}

impl Login for Userpass {
    // `POST auth/<mount>/login/<username>` (`userpass-login` of the operation table).
    async fn login(&self, client: &Client) -> Result<AuthInfo, Error> {
        let mount = mount_param(&self.mount)?;
        let username = user_segment(&self.username, "userpass")?;
        let body = LoginBody([("password", Some(self.password.expose_secret()))]);
        let env: Envelope<JsonMap> = client
            .call_operation(&ops::USERPASS_LOGIN, &[&mount, &username], &[], Some(&body))
            .await?;
        auth_of(env).map_err(|e| e.with_operation(ops::USERPASS_LOGIN.name))
    }
}

password_login! {
    /// LDAP: `POST auth/<mount>/login/<username>`. Default mount `ldap`.
    Ldap => "LDAP"
}

/// Okta: `POST auth/<mount>/login/<username>`, with a TOTP code when the organisation requires
/// one. Default mount `okta`.
#[derive(Clone, Debug)]
pub struct Okta {
    mount: String,
    username: String,
    password: SecretString,
    totp: Option<SecretString>,
}

impl Okta {
    /// A user and password, and a TOTP code if needed.
    pub fn new(
        mount: impl Into<String>,
        username: impl Into<String>,
        password: impl Into<SecretString>,
        totp: Option<SecretString>,
    ) -> Self {
        Okta {
            mount: mount.into(),
            username: username.into(),
            password: password.into(),
            totp,
        }
    }
}

impl Login for Okta {
    async fn login(&self, client: &Client) -> Result<AuthInfo, Error> {
        let body = LoginBody([
            ("password", Some(self.password.expose_secret())),
            ("totp", self.totp.as_ref().map(|t| t.expose_secret())),
        ]);
        named_login(client, &self.mount, &self.username, "Okta", &body).await
    }
}

password_login! {
    /// RADIUS: `POST auth/<mount>/login/<username>`. Default mount `radius`.
    Radius => "RADIUS"
}

/// JWT, or OIDC with a JWT: `POST auth/<mount>/login` with `jwt` and an optional `role`. Default
/// mount `jwt`.
#[derive(Clone, Debug)]
pub struct Jwt {
    mount: String,
    role: Option<String>,
    jwt: SecretString,
}

impl Jwt {
    /// A JWT, for `role` or the mount's default role.
    pub fn new(
        mount: impl Into<String>,
        role: Option<String>,
        jwt: impl Into<SecretString>,
    ) -> Self {
        Jwt {
            mount: mount.into(),
            role,
            jwt: jwt.into(),
        }
    }
}

impl Login for Jwt {
    async fn login(&self, client: &Client) -> Result<AuthInfo, Error> {
        let mount = mount_url(&self.mount)?;
        let body = LoginBody([
            ("jwt", Some(self.jwt.expose_secret())),
            ("role", self.role.as_deref()),
        ]);
        send_login(client, &format!("{mount}/login"), &body).await
    }
}

/// Where a Kubernetes login finds its service account token.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ServiceAccountToken {
    /// Read from this file at every login (the token is rotated by the kubelet).
    File(PathBuf),
    /// This token.
    Value(SecretString),
}

/// Kubernetes: `POST auth/<mount>/login` with `role` and the service account `jwt`. Default
/// mount `kubernetes`.
#[derive(Clone, Debug)]
pub struct Kubernetes {
    mount: String,
    role: String,
    jwt: ServiceAccountToken,
}

impl Kubernetes {
    /// With a service account token at hand.
    pub fn new(
        mount: impl Into<String>,
        role: impl Into<String>,
        jwt: impl Into<SecretString>,
    ) -> Self {
        Kubernetes {
            mount: mount.into(),
            role: role.into(),
            jwt: ServiceAccountToken::Value(jwt.into()),
        }
    }

    /// From inside a pod: reads [`KUBERNETES_SERVICE_ACCOUNT_TOKEN`](super::KUBERNETES_SERVICE_ACCOUNT_TOKEN)
    /// at every login.
    pub fn in_pod(mount: impl Into<String>, role: impl Into<String>) -> Self {
        Kubernetes::from_file(mount, role, super::KUBERNETES_SERVICE_ACCOUNT_TOKEN)
    }

    /// Reads the service account token from `path` at every login.
    pub fn from_file(
        mount: impl Into<String>,
        role: impl Into<String>,
        path: impl Into<PathBuf>,
    ) -> Self {
        Kubernetes {
            mount: mount.into(),
            role: role.into(),
            jwt: ServiceAccountToken::File(path.into()),
        }
    }
}

impl Login for Kubernetes {
    async fn login(&self, client: &Client) -> Result<AuthInfo, Error> {
        let mount = mount_url(&self.mount)?;
        let jwt = match &self.jwt {
            ServiceAccountToken::Value(jwt) => jwt.clone(),
            ServiceAccountToken::File(path) => std::fs::read_to_string(path)
                .map(|s| SecretString::from(s.trim()))
                .map_err(|e| Error::Config(format!("cannot read {}: {e}", path.display())))?,
        };
        let body = LoginBody([
            ("jwt", Some(jwt.expose_secret())),
            ("role", Some(self.role.as_str())),
        ]);
        send_login(client, &format!("{mount}/login"), &body).await
    }
}

/// GCP (`iam` or `gce` with a signed JWT): `POST auth/<mount>/login`. Default mount `gcp`.
#[derive(Clone, Debug)]
pub struct Gcp {
    mount: String,
    role: String,
    jwt: SecretString,
}

impl Gcp {
    /// A role and the signed JWT.
    pub fn new(
        mount: impl Into<String>,
        role: impl Into<String>,
        jwt: impl Into<SecretString>,
    ) -> Self {
        Gcp {
            mount: mount.into(),
            role: role.into(),
            jwt: jwt.into(),
        }
    }
}

impl Login for Gcp {
    async fn login(&self, client: &Client) -> Result<AuthInfo, Error> {
        let mount = mount_url(&self.mount)?;
        let body = LoginBody([
            ("jwt", Some(self.jwt.expose_secret())),
            ("role", Some(self.role.as_str())),
        ]);
        send_login(client, &format!("{mount}/login"), &body).await
    }
}

/// Azure managed identity: `POST auth/<mount>/login` with `role`, `jwt` and the optional VM
/// fields (`subscription_id`, `resource_group_name`, `vm_name`, `vmss_name`, ...). Default
/// mount `azure`.
#[derive(Clone, Debug)]
pub struct Azure {
    mount: String,
    role: String,
    jwt: SecretString,
    extra: JsonMap,
}

impl Azure {
    /// A role, the managed identity's JWT and the VM fields.
    pub fn new(
        mount: impl Into<String>,
        role: impl Into<String>,
        jwt: impl Into<SecretString>,
        extra: JsonMap,
    ) -> Self {
        Azure {
            mount: mount.into(),
            role: role.into(),
            jwt: jwt.into(),
            extra,
        }
    }
}

impl Login for Azure {
    async fn login(&self, client: &Client) -> Result<AuthInfo, Error> {
        let mount = mount_url(&self.mount)?;
        let mut body = self.extra.clone();
        body.insert("role".into(), self.role.as_str().into());
        body.insert("jwt".into(), self.jwt.expose_secret().into());
        send_login(client, &format!("{mount}/login"), &body).await
    }
}

/// AWS: IAM with a request the caller signed (`iam_http_request_method`, `iam_request_url`,
/// `iam_request_body`, `iam_request_headers`, base64 as Vault wants), or EC2 with `pkcs7` /
/// `identity` + `signature`: `POST auth/<mount>/login`. Default mount `aws`. The signed fields
/// are kept secret (a signed request is a credential for its lifetime).
#[derive(Clone, Debug)]
pub struct Aws {
    mount: String,
    role: Option<String>,
    signed: SecretString,
}

impl Aws {
    /// A role (or the mount's default) and the signed fields.
    pub fn new(mount: impl Into<String>, role: Option<String>, signed: &JsonMap) -> Self {
        Aws {
            mount: mount.into(),
            role,
            signed: SecretString::from(Value::Object(signed.clone()).to_string()),
        }
    }
}

impl Login for Aws {
    async fn login(&self, client: &Client) -> Result<AuthInfo, Error> {
        let mount = mount_url(&self.mount)?;
        let mut body: JsonMap = serde_json::from_str(self.signed.expose_secret())
            .map_err(|_| Error::invalid("the signed AWS fields are not a JSON object"))?;
        if let Some(role) = &self.role {
            body.insert("role".into(), role.as_str().into());
        }
        send_login(client, &format!("{mount}/login"), &body).await
    }
}

/// TLS certificate: `POST auth/<mount>/login`, authenticated by the client certificate the
/// client was built with; `name` picks a certificate role. Default mount `cert`.
#[derive(Clone, Debug)]
pub struct Cert {
    mount: String,
    name: Option<String>,
}

impl Cert {
    /// A certificate role, or any that matches.
    pub fn new(mount: impl Into<String>, name: Option<String>) -> Self {
        Cert {
            mount: mount.into(),
            name,
        }
    }
}

impl Login for Cert {
    async fn login(&self, client: &Client) -> Result<AuthInfo, Error> {
        let mount = mount_url(&self.mount)?;
        let body = LoginBody([("name", self.name.as_deref())]);
        send_login(client, &format!("{mount}/login"), &body).await
    }
}

/// GitHub personal access token: `POST auth/<mount>/login`. Default mount `github`.
#[derive(Clone, Debug)]
pub struct Github {
    mount: String,
    token: SecretString,
}

impl Github {
    /// A personal access token.
    pub fn new(mount: impl Into<String>, token: impl Into<SecretString>) -> Self {
        Github {
            mount: mount.into(),
            token: token.into(),
        }
    }
}

impl Login for Github {
    async fn login(&self, client: &Client) -> Result<AuthInfo, Error> {
        let mount = mount_url(&self.mount)?;
        let body = LoginBody([("token", Some(self.token.expose_secret()))]);
        send_login(client, &format!("{mount}/login"), &body).await
    }
}

/// Kerberos: `POST auth/<mount>/login` with the SPNEGO token (base64) as
/// `Authorization: Negotiate …`. Default mount `kerberos`.
#[derive(Clone, Debug)]
pub struct Kerberos {
    mount: String,
    spnego_token: SecretString,
}

impl Kerberos {
    /// A SPNEGO token, base64.
    pub fn new(mount: impl Into<String>, spnego_token: impl Into<SecretString>) -> Self {
        Kerberos {
            mount: mount.into(),
            spnego_token: spnego_token.into(),
        }
    }
}

impl Login for Kerberos {
    async fn login(&self, client: &Client) -> Result<AuthInfo, Error> {
        let mount = mount_url(&self.mount)?;
        let mut value = reqwest::header::HeaderValue::from_str(&format!(
            "Negotiate {}",
            self.spnego_token.expose_secret()
        ))
        .map_err(|_| Error::invalid("the SPNEGO token is not a valid header value"))?;
        value.set_sensitive(true);
        let response = client
            .send_with_header(
                Method::POST,
                &format!("auth/{mount}/login"),
                reqwest::header::AUTHORIZATION,
                value,
                "kerberos_login",
            )
            .await?;
        let env: Envelope<JsonMap> =
            crate::transport::decode_answer(response, "kerberos_login").await?;
        auth_of(env).map_err(|e| e.with_operation("kerberos_login"))
    }
}

/// Any method: `POST auth/<path>` with a JSON body that is kept secret.
#[derive(Clone, Debug)]
pub struct Custom {
    path: String,
    body: SecretString,
}

impl Custom {
    /// `path` is under `auth/` (`"my-plugin/login"`); `body` is serialized now and kept secret.
    pub fn new(path: impl Into<String>, body: &impl Serialize) -> Result<Self, Error> {
        let body = serde_json::to_string(body)
            .map_err(|e| Error::invalid(format!("the login body cannot be serialized: {e}")))?;
        Ok(Custom {
            path: path.into(),
            body: body.into(),
        })
    }
}

impl Login for Custom {
    async fn login(&self, client: &Client) -> Result<AuthInfo, Error> {
        let body: Value = serde_json::from_str(self.body.expose_secret())
            .map_err(|_| Error::invalid("the custom login body is not JSON"))?;
        send_login(client, &self.path, &body).await
    }
}
