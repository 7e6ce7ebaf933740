//! Login MFA (Vault's and OpenBao's `identity/mfa`): a login under an MFA enforcement answers
//! with an [`MfaRequirement`] instead of a token.
//!
//! - Two-phase: [`AuthApi::login_or_mfa`] gives a [`LoginOutcome`]; on
//!   [`LoginOutcome::MfaRequired`] ask the user, then [`AuthApi::mfa_validate`]
//!   (`POST sys/mfa/validate`) returns the real `auth` block and stores the token. A plain
//!   [`AuthApi::login_as`] fails with [`Error::MfaRequired`] instead, carrying the same
//!   requirement ([`Error::mfa_requirement`]); it never stores the empty token.
//! - Single-phase: [`WithMfa`] wraps any handwritten login and sends the passcodes with the login
//!   request itself, one `X-Vault-MFA: <method name or id>:<passcode>` header per method.
//!
//! Passcodes are [`SecretString`]s and never shown; the `mfa_request_id` is hidden in `Debug`
//! too (with a passcode it completes the login).
//!
//! ```no_run
//! use hashivault::auth::{LoginOutcome, MfaCredentials, Userpass, WithMfa};
//!
//! # async fn run(client: hashivault::Client, read_passcode: impl Fn() -> String) -> Result<(), hashivault::Error> {
//! let login = Userpass::new("userpass", "alice", "password");
//! // Two-phase: log in, then answer the requirement.
//! match client.auth().login_or_mfa(&login).await? {
//!     LoginOutcome::LoggedIn(auth) => println!("no MFA needed, ttl {}s", auth.lease_duration),
//!     LoginOutcome::MfaRequired(pending) => {
//!         let method = pending.methods().next().expect("a method to satisfy");
//!         let creds = MfaCredentials::new().passcode(&method.id, read_passcode());
//!         client.auth().mfa_validate(&pending, &creds).await?;
//!     }
//! }
//! // Single-phase: the passcode goes with the login request (by method name or id).
//! let creds = MfaCredentials::new().passcode("my_totp", read_passcode());
//! client.auth().login_as(&WithMfa::new(login, creds)).await?;
//! # Ok(())
//! # }
//! ```

use std::collections::BTreeMap;
use std::fmt;

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};

use super::{AuthApi, Login};
use crate::api::operations as ops;
use crate::envelope::{AuthInfo, Envelope, JsonMap};
use crate::{Client, Error};

/// The header of a single-phase MFA login.
pub const MFA_HEADER: &str = "X-Vault-MFA";

/// What a login under login MFA still needs: Vault's `auth.mfa_requirement`.
///
/// Every constraint (one per enforcement, by name) must be met, each by one of its methods.
/// `Debug` hides the request id.
#[derive(Clone, Deserialize)]
#[non_exhaustive]
pub struct MfaRequirement {
    /// The id of this pending login, sent back to `sys/mfa/validate`.
    #[serde(deserialize_with = "crate::lenient::answer_credential")]
    pub mfa_request_id: SecretString,
    /// The enforcements that apply, by name.
    #[serde(default, deserialize_with = "crate::envelope::null_as_default")]
    pub mfa_constraints: BTreeMap<String, MfaConstraint>,
}

impl MfaRequirement {
    /// Every method of every constraint.
    pub fn methods(&self) -> impl Iterator<Item = &MfaMethod> {
        self.mfa_constraints.values().flat_map(|c| c.any.iter())
    }
}

impl fmt::Debug for MfaRequirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MfaRequirement")
            .field("mfa_request_id", &"<redacted>")
            .field("mfa_constraints", &self.mfa_constraints)
            .finish()
    }
}

/// One enforcement's constraint: any one of these methods satisfies it.
#[derive(Clone, Debug, Deserialize)]
#[non_exhaustive]
pub struct MfaConstraint {
    /// The methods, one of which is needed.
    #[serde(default, deserialize_with = "crate::envelope::null_as_default")]
    pub any: Vec<MfaMethod>,
}

/// An MFA method a constraint accepts.
#[derive(Clone, Debug, Deserialize)]
#[non_exhaustive]
pub struct MfaMethod {
    /// `totp`, `duo`, `okta` or `pingid`.
    #[serde(rename = "type", default)]
    pub type_: String,
    /// The method id: the key of [`AuthApi::mfa_validate`]'s passcodes.
    #[serde(default)]
    pub id: String,
    /// Whether the method takes a passcode (`false`: a push the user approves).
    #[serde(default, deserialize_with = "lenient_bool")]
    pub uses_passcode: bool,
    /// The method's name (`method_name`), when it has one: usable in [`WithMfa`] instead of the id.
    #[serde(default, deserialize_with = "crate::envelope::null_as_default")]
    pub name: String,
}

fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or(false))
}

/// The passcodes for a login's MFA methods, by method id (for [`AuthApi::mfa_validate`]) or by
/// method name or id (for [`WithMfa`]). `Debug` shows the methods, never a passcode.
#[derive(Clone, Default)]
pub struct MfaCredentials {
    entries: Vec<(String, Option<SecretString>)>,
}

impl MfaCredentials {
    /// No passcodes yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A passcode (a TOTP code, ...) for `method`.
    pub fn passcode(
        mut self,
        method: impl Into<String>,
        passcode: impl Into<SecretString>,
    ) -> Self {
        self.entries.push((method.into(), Some(passcode.into())));
        self
    }

    /// `method` without a passcode: a push the user approves (Duo, Okta, PingID).
    pub fn push(mut self, method: impl Into<String>) -> Self {
        self.entries.push((method.into(), None));
        self
    }

    /// `sys/mfa/validate`'s `mfa_payload`: `{method: [passcode, ...]}` (`[]` for a push).
    fn payload(&self) -> JsonMap {
        let mut payload = JsonMap::new();
        for (method, passcode) in &self.entries {
            let codes = payload
                .entry(method.clone())
                .or_insert_with(|| serde_json::Value::Array(Vec::new()));
            if let (Some(code), serde_json::Value::Array(codes)) = (passcode, codes) {
                codes.push(code.expose_secret().into());
            }
        }
        payload
    }

    /// One `X-Vault-MFA` value per entry: `method:passcode`, or `method` for a push; marked
    /// sensitive.
    fn header_values(&self) -> Result<Vec<HeaderValue>, Error> {
        self.entries
            .iter()
            .map(|(method, passcode)| {
                if method.is_empty() || method.contains(':') {
                    return Err(Error::invalid(
                        "an MFA method name or id is empty or contains `:`",
                    ));
                }
                let text = match passcode {
                    Some(code) => format!("{method}:{}", code.expose_secret()),
                    None => method.clone(),
                };
                let mut value = HeaderValue::from_str(&text).map_err(|_| {
                    Error::invalid("an MFA method or passcode is not a valid header value")
                })?;
                value.set_sensitive(true);
                Ok(value)
            })
            .collect()
    }
}

impl fmt::Debug for MfaCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for (method, passcode) in &self.entries {
            match passcode {
                Some(_) => list.entry(&format_args!("{method}: <redacted>")),
                None => list.entry(&format_args!("{method}: push")),
            };
        }
        list.finish()
    }
}

/// What a login gave: a token, or an MFA requirement to complete. See
/// [`AuthApi::login_or_mfa`].
#[derive(Debug)]
// Returned once per login and matched at once: boxing the `auth` block would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum LoginOutcome {
    /// Logged in; the token is stored in the client.
    LoggedIn(AuthInfo),
    /// Vault wants MFA first: complete it with [`AuthApi::mfa_validate`].
    MfaRequired(MfaRequirement),
}

/// Any handwritten login sent with `X-Vault-MFA` headers: single-phase login MFA.
///
/// Covers every login whose request goes through the client's handwritten helpers (the types of
/// [`crate::auth`] and [`super::send_login`]); a login built on the generated API
/// ([`AuthApi::login_with`]) does not carry the headers. A passcode is used once: a renewer
/// logging in again with the same `WithMfa` is refused by Vault and stops.
#[derive(Clone, Debug)]
pub struct WithMfa<L> {
    login: L,
    credentials: MfaCredentials,
}

impl<L: Login> WithMfa<L> {
    /// `login`, sent with `credentials` (by method name or id).
    pub fn new(login: L, credentials: MfaCredentials) -> Self {
        WithMfa { login, credentials }
    }
}

impl<L: Login> Login for WithMfa<L> {
    async fn login(&self, client: &Client) -> Result<AuthInfo, Error> {
        let headers = self.credentials.header_values()?;
        self.login.login(&client.with_mfa_headers(headers)).await
    }
}

impl AuthApi {
    /// Logs in with `method` like [`AuthApi::login_as`], but gives an MFA requirement as
    /// [`LoginOutcome::MfaRequired`] instead of an error (two-phase login MFA).
    pub async fn login_or_mfa(&self, method: &impl Login) -> Result<LoginOutcome, Error> {
        match self.login_as(method).await {
            Ok(auth) => Ok(LoginOutcome::LoggedIn(auth)),
            Err(Error::MfaRequired(e)) => Ok(LoginOutcome::MfaRequired(e.requirement)),
            Err(e) => Err(e),
        }
    }

    /// `POST sys/mfa/validate` (operation `mfa-validate`): completes a login that answered
    /// `requirement`, with a passcode per method id (`[]` for a push), stores the new token and
    /// returns the `auth` block. A wrong passcode is Vault's 403.
    pub async fn mfa_validate(
        &self,
        requirement: &MfaRequirement,
        credentials: &MfaCredentials,
    ) -> Result<AuthInfo, Error> {
        let body = serde_json::json!({
            "mfa_request_id": requirement.mfa_request_id.expose_secret(),
            "mfa_payload": credentials.payload(),
        });
        let env: Envelope<JsonMap> = self
            .client
            .call_operation(&ops::MFA_VALIDATE, &[], &[], Some(&body))
            .await?;
        let auth =
            super::login::auth_of(env).map_err(|e| e.with_operation(ops::MFA_VALIDATE.name))?;
        self.client.set_token(auth.client_token.clone())?;
        Ok(auth)
    }
}
