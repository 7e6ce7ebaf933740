//! AWS IAM login that signs `sts:GetCallerIdentity` itself ([`AwsIam`], feature `auth-aws`).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde_json::json;
use tokio::sync::OnceCell;

pub use aws_credential_types::Credentials as AwsCredentials;

use super::login::{send_login, Login};
use crate::envelope::AuthInfo;
use crate::path::mount_url;
use crate::{Client, Error};

/// The STS endpoint Vault's `aws` method uses by default.
pub const GLOBAL_STS_ENDPOINT: &str = "https://sts.amazonaws.com/";
/// The body of the signed request.
pub const GET_CALLER_IDENTITY: &str = "Action=GetCallerIdentity&Version=2011-06-15";
/// The header that binds a signed request to one Vault (`iam_server_id_header_value`).
pub const SERVER_ID_HEADER: &str = "X-Vault-AWS-IAM-Server-ID";
const CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// Where the AWS credentials come from, as `Debug` shows it (never the values).
#[derive(Clone)]
enum Source {
    /// Given, or a provider of the caller's.
    Provider(&'static str, SharedCredentialsProvider),
    /// aws-config's default chain, built at the first login.
    DefaultChain(Arc<OnceCell<SharedCredentialsProvider>>),
}

/// AWS IAM: `POST auth/<mount>/login` with a `sts:GetCallerIdentity` request signed here with
/// SigV4 (`iam_http_request_method`, `iam_request_url`, `iam_request_body`,
/// `iam_request_headers`, base64 as Vault wants, and `role`). Default mount `aws`.
///
/// Credentials come from AWS's default chain (environment, profile, web identity, ECS/EKS
/// container, EC2 instance metadata with IMDSv2), read again at every login, unless given with
/// [`credentials`](Self::credentials) or [`credentials_provider`](Self::credentials_provider).
/// The request goes to `https://sts.amazonaws.com/` signed for `us-east-1`, as Vault expects by
/// default; [`region`](Self::region) picks a regional endpoint. `Debug` shows no credential.
///
/// ```no_run
/// use hashivault::auth::AwsIam;
///
/// # async fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
/// let aws = AwsIam::new("aws", Some("my-role")).server_id("vault.example.com");
/// let auth = client.auth().login_as(&aws).await?;
/// // Keep the token alive, logging in again with a fresh signature when needed.
/// let renewer = client.auth().renewer().login(aws).spawn();
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct AwsIam {
    mount: String,
    role: Option<String>,
    region: String,
    endpoint: Option<String>,
    server_id: Option<String>,
    source: Source,
    signing_time: Option<SystemTime>,
}

impl fmt::Debug for AwsIam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &self.source {
            Source::Provider(kind, _) => *kind,
            Source::DefaultChain(_) => "default chain",
        };
        f.debug_struct("AwsIam")
            .field("mount", &self.mount)
            .field("role", &self.role)
            .field("region", &self.region)
            .field("sts_endpoint", &self.request_url())
            .field("server_id", &self.server_id)
            .field("credentials", &source)
            .field("signing_time", &self.signing_time)
            .finish()
    }
}

impl AwsIam {
    /// `role` (or the mount's default role) at `auth/<mount>`, credentials from the default chain.
    pub fn new(mount: impl Into<String>, role: Option<&str>) -> Self {
        AwsIam {
            mount: mount.into(),
            role: role.map(str::to_string),
            region: "us-east-1".into(),
            endpoint: None,
            server_id: None,
            source: Source::DefaultChain(Arc::new(OnceCell::new())),
            signing_time: None,
        }
    }

    /// Signs with these credentials (`AwsCredentials::new(key_id, secret, session_token, None,
    /// "name")`).
    pub fn credentials(mut self, credentials: AwsCredentials) -> Self {
        self.source = Source::Provider("given", SharedCredentialsProvider::new(credentials));
        self
    }

    /// Asks `provider` for credentials at every login.
    pub fn credentials_provider(mut self, provider: impl ProvideCredentials + 'static) -> Self {
        self.source = Source::Provider("provider", SharedCredentialsProvider::new(provider));
        self
    }

    /// Signs for `region` and sends to its STS endpoint (`https://sts.<region>.amazonaws.com/`,
    /// unless [`sts_endpoint`](Self::sts_endpoint) is set); Vault's role or `sts_endpoint` must
    /// accept that region.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// The URL of the signed request (what Vault's mount has as `sts_endpoint`).
    pub fn request_url(&self) -> String {
        match &self.endpoint {
            Some(url) => url.clone(),
            None if self.region == "us-east-1" => GLOBAL_STS_ENDPOINT.into(),
            None => format!("https://sts.{}.amazonaws.com/", self.region),
        }
    }

    /// Signs a request to `url` instead (a VPC endpoint, a test STS; the mount's
    /// `sts_endpoint`).
    pub fn sts_endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// Signs the [`SERVER_ID_HEADER`] with this value (the mount's
    /// `iam_server_id_header_value`).
    pub fn server_id(mut self, value: impl Into<String>) -> Self {
        self.server_id = Some(value.into());
        self
    }

    /// Signs as of `time` instead of now: for tests (a signature is valid for 15 minutes).
    pub fn signing_time(mut self, time: SystemTime) -> Self {
        self.signing_time = Some(time);
        self
    }

    async fn load_credentials(&self) -> Result<AwsCredentials, Error> {
        let provider = match &self.source {
            Source::Provider(_, provider) => provider.clone(),
            Source::DefaultChain(cell) => cell
                .get_or_init(|| default_chain(self.region.clone()))
                .await
                .clone(),
        };
        provider
            .provide_credentials()
            .await
            .map_err(|e| credentials_error(&e, matches!(self.source, Source::DefaultChain(_))))
    }

    /// The login body: the signed request's four fields and the role.
    async fn body(&self) -> Result<serde_json::Value, Error> {
        let credentials = self.load_credentials().await?;
        let endpoint = self.request_url();
        let url = url::Url::parse(&endpoint)
            .map_err(|e| Error::Config(format!("AWS IAM login: invalid STS endpoint: {e}")))?;
        let host = match (url.host_str(), url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_string(),
            (None, _) => {
                return Err(Error::Config(
                    "AWS IAM login: the STS endpoint has no host".into(),
                ))
            }
        };
        let mut headers: BTreeMap<String, String> = BTreeMap::new();
        headers.insert("Host".into(), host);
        headers.insert("Content-Type".into(), CONTENT_TYPE.into());
        if let Some(id) = &self.server_id {
            headers.insert(SERVER_ID_HEADER.into(), id.clone());
        }

        let identity = credentials.into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("sts")
            .time(self.signing_time.unwrap_or_else(SystemTime::now))
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| Error::invalid(format!("AWS IAM login: cannot sign: {e}")))?
            .into();
        let signable = SignableRequest::new(
            "POST",
            url.as_str(),
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            SignableBody::Bytes(GET_CALLER_IDENTITY.as_bytes()),
        )
        .map_err(|e| Error::invalid(format!("AWS IAM login: cannot sign: {e}")))?;
        // aws-sigv4 traces the canonical request (the session token in it): signed with no
        // subscriber, so no log ever holds it.
        let signed =
            tracing::subscriber::with_default(tracing::subscriber::NoSubscriber::default(), || {
                sign(signable, &params)
            });
        let (instructions, _) = signed
            .map_err(|e| Error::invalid(format!("AWS IAM login: cannot sign: {e}")))?
            .into_parts();
        for (name, value) in instructions.headers() {
            headers.insert(canonical_name(name), value.to_string());
        }
        let headers: BTreeMap<String, Vec<String>> =
            headers.into_iter().map(|(k, v)| (k, vec![v])).collect();
        let headers = serde_json::to_vec(&headers)
            .map_err(|_| Error::invalid("AWS IAM login: the signed headers cannot be encoded"))?;

        let mut body = json!({
            "iam_http_request_method": "POST",
            "iam_request_url": BASE64.encode(url.as_str()),
            "iam_request_body": BASE64.encode(GET_CALLER_IDENTITY),
            "iam_request_headers": BASE64.encode(headers),
        });
        if let Some(role) = &self.role {
            body["role"] = role.as_str().into();
        }
        Ok(body)
    }
}

impl Login for AwsIam {
    async fn login(&self, client: &Client) -> Result<AuthInfo, Error> {
        let mount = mount_url(&self.mount)?;
        let body = self.body().await?;
        send_login(client, &format!("{mount}/login"), &body).await
    }
}

/// aws-config's default chain, its HTTP client (ECS, IMDS, STS for web identity) on rustls with
/// ring, the region given for STS.
async fn default_chain(region: String) -> SharedCredentialsProvider {
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let conf = aws_config::provider_config::ProviderConfig::default().with_http_client(http);
    let chain = aws_config::default_provider::credentials::DefaultCredentialsChain::builder()
        .region(aws_config::Region::new(region))
        .configure(conf)
        .build()
        .await;
    SharedCredentialsProvider::new(chain)
}

/// Where the default chain looks, for the error when it finds nothing.
const DEFAULT_CHAIN_PLACES: &str = "the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), \
     the profile files (AWS_PROFILE in AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE, default \
     ~/.aws/config and ~/.aws/credentials), web identity (AWS_WEB_IDENTITY_TOKEN_FILE, \
     AWS_ROLE_ARN), the ECS/EKS container endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, \
     AWS_CONTAINER_CREDENTIALS_FULL_URI) and EC2 instance metadata (IMDSv2)";

/// A credentials error as `Error::Config`: what went wrong and where the chain looked, no value.
fn credentials_error(e: &CredentialsError, chain: bool) -> Error {
    let mut text = match (e, chain) {
        (CredentialsError::CredentialsNotLoaded(_), true) => {
            format!("AWS IAM login: no AWS credentials found; looked in {DEFAULT_CHAIN_PLACES}")
        }
        _ => format!("AWS IAM login: cannot load AWS credentials: {e}"),
    };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    Error::Config(text)
}

/// `x-amz-date` as `X-Amz-Date`.
fn canonical_name(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}
