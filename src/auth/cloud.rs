//! Workload logins that fetch their identity from the cloud's metadata service: [`GcpInstance`]
//! (GCE) and [`AzureInstance`] (a VM's managed identity).
//!
//! The metadata requests do not go through the Vault transport: they use a small HTTP client of
//! their own, with no proxy (set [`GcpInstance::metadata_url`] / [`AzureInstance::metadata_url`]
//! to reach the service another way) and short timeouts. When nothing answers (connection
//! refused, a name that does not resolve, a timeout) the login fails at once with
//! [`Error::Config`] saying the code is not running on that cloud; the fetched JWT is never shown.
//! A metadata service that answers `429` or `5xx` (throttled, failing) gives an
//! [`Error::Transport`] instead: the token renewer retries that login with backoff, where a
//! configuration error stops it.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::login::{send_login, Login};
use crate::envelope::{AuthInfo, JsonMap};
use crate::error::{without_query, TransportError};
use crate::path::mount_url;
use crate::{Client, Error};

/// GCE's metadata server.
const GCP_METADATA: &str = "http://metadata.google.internal";
/// Azure's instance metadata service (IMDS).
const AZURE_METADATA: &str = "http://169.254.169.254";
/// The resource Vault's Azure auth expects tokens for by default.
const AZURE_RESOURCE: &str = "https://management.azure.com/";
/// How long connecting to the metadata service may take (it is on the host's own network).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// How long a metadata request may take in all.
const METADATA_TIMEOUT: Duration = Duration::from_secs(5);

/// GCP, `gce` role: fetches the instance's identity token from the metadata server
/// (`instance/service-accounts/<account>/identity?audience=…&format=full` with
/// `Metadata-Flavor: Google`) at every login, then `POST auth/<mount>/login` with `role` and
/// `jwt`. Default mount `gcp`.
///
/// The audience defaults to `http://vault/<role>`, as in Vault's GCE docs (the plugin accepts
/// any audience ending in `vault/<role>`).
///
/// ```no_run
/// # async fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
/// use hashivault::auth::GcpInstance;
/// let login = GcpInstance::new("gcp", "my-gce-role");
/// client.auth().login_as(&login).await?;
/// let renewer = client.auth().renewer().login(login).spawn();
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct GcpInstance {
    mount: String,
    role: String,
    audience: Option<String>,
    service_account: String,
    metadata_url: String,
}

impl GcpInstance {
    /// The instance's default service account, for `role`.
    pub fn new(mount: impl Into<String>, role: impl Into<String>) -> Self {
        GcpInstance {
            mount: mount.into(),
            role: role.into(),
            audience: None,
            service_account: "default".into(),
            metadata_url: GCP_METADATA.into(),
        }
    }

    /// Another audience (it must end in `vault/<role>`).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Another service account of the instance (its email), instead of `default`.
    pub fn service_account(mut self, account: impl Into<String>) -> Self {
        self.service_account = account.into();
        self
    }

    /// Another metadata server (default `http://metadata.google.internal`).
    pub fn metadata_url(mut self, url: impl Into<String>) -> Self {
        self.metadata_url = url.into();
        self
    }

    async fn identity_token(&self) -> Result<SecretString, Error> {
        let audience = match &self.audience {
            Some(audience) => audience.clone(),
            None => format!("http://vault/{}", self.role),
        };
        let base = self.metadata_url.trim_end_matches('/');
        let account = crate::path::encode_segment(&self.service_account);
        let url = format!("{base}/computeMetadata/v1/instance/service-accounts/{account}/identity");
        let request = metadata_client()?
            .get(&url)
            .header("Metadata-Flavor", "Google")
            .query(&[("audience", audience.as_str()), ("format", "full")]);
        let body = fetch(request, "GCP", "the metadata server", base).await?;
        let jwt = body.expose_secret().trim();
        if jwt.is_empty() {
            return Err(Error::Config(format!(
                "the GCP metadata server at {base} answered an empty identity token"
            )));
        }
        Ok(SecretString::from(jwt))
    }
}

impl Login for GcpInstance {
    async fn login(&self, client: &Client) -> Result<AuthInfo, Error> {
        let mount = mount_url(&self.mount)?;
        let jwt = self.identity_token().await?;
        let body = super::login::LoginBody([
            ("jwt", Some(jwt.expose_secret())),
            ("role", Some(self.role.as_str())),
        ]);
        send_login(client, &format!("{mount}/login"), &body).await
    }
}

/// Azure managed identity on a VM or scale set: fetches an access token from the instance
/// metadata service (`metadata/identity/oauth2/token?api-version=2018-02-01&resource=…` with
/// `Metadata: true`) and, unless given, the VM's `subscription_id`, `resource_group_name`,
/// `vm_name` / `vmss_name` (`metadata/instance?api-version=2021-02-01`) at every login, then
/// `POST auth/<mount>/login`. Default mount `azure`; resource `https://management.azure.com/`
/// (Vault's default `resource`).
///
/// ```no_run
/// # async fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
/// use hashivault::auth::AzureInstance;
/// let login = AzureInstance::new("azure", "my-role").client_id("a user-assigned identity");
/// client.auth().login_as(&login).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct AzureInstance {
    mount: String,
    role: String,
    resource: String,
    client_id: Option<String>,
    fields: VmFields,
    metadata_url: String,
}

/// What Vault's Azure login reads of the VM.
#[derive(Clone, Debug, Default)]
struct VmFields {
    subscription_id: Option<String>,
    resource_group_name: Option<String>,
    vm_name: Option<String>,
    vmss_name: Option<String>,
}

impl AzureInstance {
    /// The VM's system-assigned identity, for `role`.
    pub fn new(mount: impl Into<String>, role: impl Into<String>) -> Self {
        AzureInstance {
            mount: mount.into(),
            role: role.into(),
            resource: AZURE_RESOURCE.into(),
            client_id: None,
            fields: VmFields::default(),
            metadata_url: AZURE_METADATA.into(),
        }
    }

    /// Another resource (the mount's configured `resource`).
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resource = resource.into();
        self
    }

    /// A user-assigned identity, by its client id.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// The subscription, instead of the instance metadata's.
    pub fn subscription_id(mut self, id: impl Into<String>) -> Self {
        self.fields.subscription_id = Some(id.into());
        self
    }

    /// The resource group, instead of the instance metadata's.
    pub fn resource_group_name(mut self, name: impl Into<String>) -> Self {
        self.fields.resource_group_name = Some(name.into());
        self
    }

    /// The VM name, instead of the instance metadata's.
    pub fn vm_name(mut self, name: impl Into<String>) -> Self {
        self.fields.vm_name = Some(name.into());
        self
    }

    /// The scale set name, instead of the instance metadata's.
    pub fn vmss_name(mut self, name: impl Into<String>) -> Self {
        self.fields.vmss_name = Some(name.into());
        self
    }

    /// Another metadata service (default `http://169.254.169.254`).
    pub fn metadata_url(mut self, url: impl Into<String>) -> Self {
        self.metadata_url = url.into();
        self
    }

    async fn access_token(&self, base: &str) -> Result<SecretString, Error> {
        let mut query = vec![
            ("api-version", "2018-02-01"),
            ("resource", self.resource.as_str()),
        ];
        if let Some(client_id) = &self.client_id {
            query.push(("client_id", client_id.as_str()));
        }
        let request = metadata_client()?
            .get(format!("{base}/metadata/identity/oauth2/token"))
            .header("Metadata", "true")
            .query(&query);
        let body = fetch(
            request,
            "an Azure VM",
            "the instance metadata service",
            base,
        )
        .await?;
        let answer: Value = serde_json::from_str(body.expose_secret()).map_err(|_| {
            Error::Config(format!(
                "the Azure instance metadata service at {base} answered a token that is not JSON"
            ))
        })?;
        match answer.get("access_token").and_then(Value::as_str) {
            Some(token) if !token.is_empty() => Ok(SecretString::from(token)),
            _ => Err(Error::Config(format!(
                "the Azure instance metadata service at {base} answered no `access_token`"
            ))),
        }
    }

    /// The given VM fields, the missing ones read from the instance metadata.
    async fn vm_fields(&self, base: &str) -> Result<VmFields, Error> {
        let given = &self.fields;
        if given.subscription_id.is_some()
            && given.resource_group_name.is_some()
            && (given.vm_name.is_some() || given.vmss_name.is_some())
        {
            return Ok(given.clone());
        }
        let request = metadata_client()?
            .get(format!("{base}/metadata/instance"))
            .header("Metadata", "true")
            .query(&[("api-version", "2021-02-01")]);
        let body = fetch(
            request,
            "an Azure VM",
            "the instance metadata service",
            base,
        )
        .await?;
        let answer: Value = serde_json::from_str(body.expose_secret()).unwrap_or(Value::Null);
        let compute = |key: &str| {
            answer["compute"][key]
                .as_str()
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let fields = VmFields {
            subscription_id: given
                .subscription_id
                .clone()
                .or_else(|| compute("subscriptionId")),
            resource_group_name: given
                .resource_group_name
                .clone()
                .or_else(|| compute("resourceGroupName")),
            vm_name: given.vm_name.clone().or_else(|| compute("name")),
            vmss_name: given
                .vmss_name
                .clone()
                .or_else(|| compute("vmScaleSetName")),
        };
        if fields.subscription_id.is_none() || fields.resource_group_name.is_none() {
            return Err(Error::Config(format!(
                "the Azure instance metadata at {base} has no compute.subscriptionId or compute.resourceGroupName"
            )));
        }
        Ok(fields)
    }
}

impl Login for AzureInstance {
    async fn login(&self, client: &Client) -> Result<AuthInfo, Error> {
        let mount = mount_url(&self.mount)?;
        let base = self.metadata_url.trim_end_matches('/');
        let jwt = self.access_token(base).await?;
        let fields = self.vm_fields(base).await?;
        let mut body = JsonMap::new();
        body.insert("role".into(), self.role.as_str().into());
        body.insert("jwt".into(), jwt.expose_secret().into());
        for (key, value) in [
            ("subscription_id", fields.subscription_id),
            ("resource_group_name", fields.resource_group_name),
            ("vm_name", fields.vm_name),
            ("vmss_name", fields.vmss_name),
        ] {
            if let Some(value) = value {
                body.insert(key.into(), value.into());
            }
        }
        send_login(client, &format!("{mount}/login"), &body).await
    }
}

/// The HTTP client of the metadata requests: no proxy, short timeouts.
fn metadata_client() -> Result<reqwest::Client, Error> {
    reqwest::Client::builder()
        .no_proxy()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(METADATA_TIMEOUT)
        .build()
        .map_err(|e| Error::Config(format!("cannot build the metadata HTTP client: {e}")))
}

/// Sends a metadata request; its 2xx body (kept secret), or an error naming the cloud.
async fn fetch(
    request: reqwest::RequestBuilder,
    cloud: &str,
    service: &str,
    base: &str,
) -> Result<SecretString, Error> {
    let response = request.send().await.map_err(|e| {
        if e.is_builder() {
            return Error::Config(format!("the metadata URL {base} is not a valid URL"));
        }
        Error::Config(format!(
            "not running on {cloud}: {service} at {base} did not answer ({})",
            why(&e)
        ))
    })?;
    let status = response.status();
    if status.as_u16() == 429 || status.is_server_error() {
        // Busy or failing, not absent: the metadata services throttle (Azure's IMDS answers
        // 429 past a few requests a second) and fail now and then. A transport error, so the
        // token renewer retries the login with backoff instead of stopping for good.
        let address = without_query(response.url());
        if let Err(source) = response.error_for_status_ref() {
            return Err(Error::Transport(Box::new(TransportError {
                address,
                hint: "the metadata service is busy or failing; the login can be retried",
                operation: None,
                cut_off: false,
                status: Some(status.as_u16()),
                source: source.without_url(),
            })));
        }
    }
    let body = response.text().await.map_err(|e| {
        Error::Config(format!(
            "{service} at {base} did not finish its answer ({})",
            why(&e)
        ))
    })?;
    if !status.is_success() {
        // An error answer carries a message, never a token.
        let message: String = body.trim().chars().take(300).collect();
        return Err(Error::Config(format!(
            "{service} at {base} answered {status}: {message}"
        )));
    }
    Ok(SecretString::from(body))
}

/// Why a metadata request got no answer, in a few words (no URL, no query).
fn why(e: &reqwest::Error) -> String {
    let mut chain = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        chain.push_str(&format!(" {s} {s:?}"));
        source = s.source();
    }
    if e.is_timeout() {
        format!(
            "timed out: {}s to connect, {}s in all",
            CONNECT_TIMEOUT.as_secs(),
            METADATA_TIMEOUT.as_secs()
        )
    } else if chain.contains("dns error") || chain.contains("failed to lookup") {
        "the host name does not resolve".into()
    } else if chain.contains("Connection refused") || chain.contains("ConnectionRefused") {
        "connection refused".into()
    } else if e.is_connect() {
        "could not connect".into()
    } else {
        "the connection failed".into()
    }
}
