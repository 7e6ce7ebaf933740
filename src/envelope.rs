//! Vault's response envelope and the value types the generated code names by path.

use std::fmt;
use std::marker::PhantomData;

use secrecy::SecretString;
use serde::de::{self, DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::lenient::{AnswerScalar, Got, Lenient, Lines, PayloadInto, Secs, Strict};

/// The JSON object type Vault's untyped `data` blocks decode to.
pub type JsonMap = Map<String, Value>;

/// Vault's response envelope: what every logical endpoint answers around its `data`.
///
/// The generated API returns `Envelope<T>` for every enveloped operation, with `T` the type the
/// spec gives `data` (a [`JsonMap`] where it gives none). Keys Vault sends beside the envelope
/// (the legacy copies `sys/mounts` adds, or a bare body from an endpoint outside Vault's logical
/// framework) are kept in [`Envelope::other`], so no part of a 2xx body is lost.
///
/// `Debug` shows the envelope's bookkeeping but never `data`, `auth`, wrapping tokens or the
/// values of `other`: they may hold secrets.
#[derive(Clone)]
#[non_exhaustive]
pub struct Envelope<T = JsonMap> {
    /// Vault's id for the request (empty for a `204`).
    pub request_id: String,
    /// The lease of a dynamic secret, empty otherwise.
    pub lease_id: String,
    /// Whether the lease can be renewed.
    pub renewable: bool,
    /// Lease duration in seconds.
    pub lease_duration: u64,
    /// The operation's payload.
    pub data: Option<T>,
    /// Present when the answer was response-wrapped (boxed: absent from most answers, it
    /// would make every envelope larger to move).
    pub wrap_info: Option<Box<WrapInfo>>,
    /// Warnings Vault attached to the answer.
    pub warnings: Vec<String>,
    /// Present on logins and token creation: the new token (boxed: absent from most answers,
    /// it would make every envelope larger to move; `env.auth.as_deref()` reads it).
    pub auth: Option<Box<AuthInfo>>,
    /// The type of the mount that answered (`kv`, `pki`, ...).
    pub mount_type: String,
    /// Any other top-level key of the body.
    pub other: JsonMap,
}

impl<T> Default for Envelope<T> {
    fn default() -> Self {
        Envelope {
            request_id: String::new(),
            lease_id: String::new(),
            renewable: false,
            lease_duration: 0,
            data: None,
            wrap_info: None,
            warnings: Vec::new(),
            auth: None,
            mount_type: String::new(),
            other: JsonMap::new(),
        }
    }
}

impl<T> Envelope<T> {
    /// The payload, or an error naming what was missing.
    pub fn into_data(self) -> Result<T, crate::Error> {
        self.data
            .ok_or_else(|| crate::Error::missing_data(self.wrap_info.is_some()))
    }

    /// The same answer with its payload turned into another type (the lease, auth and warnings
    /// kept): to keep only what a service needs of a generated answer.
    pub fn map_data<U>(self, f: impl FnOnce(T) -> U) -> Envelope<U> {
        Envelope {
            request_id: self.request_id,
            lease_id: self.lease_id,
            renewable: self.renewable,
            lease_duration: self.lease_duration,
            data: self.data.map(f),
            wrap_info: self.wrap_info,
            warnings: self.warnings,
            auth: self.auth,
            mount_type: self.mount_type,
            other: self.other,
        }
    }
}

impl<T> fmt::Debug for Envelope<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |present: bool| if present { "Some(<redacted>)" } else { "None" };
        f.debug_struct("Envelope")
            .field("request_id", &self.request_id)
            .field("lease_id", &self.lease_id)
            .field("renewable", &self.renewable)
            .field("lease_duration", &self.lease_duration)
            .field("data", &format_args!("{}", redacted(self.data.is_some())))
            .field("wrap_info", &self.wrap_info)
            .field("warnings", &self.warnings)
            .field("auth", &self.auth)
            .field("mount_type", &self.mount_type)
            .field("other", &self.other.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Envelope<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EnvelopeVisitor<T>(PhantomData<T>);

        impl<'de, T: DeserializeOwned> Visitor<'de> for EnvelopeVisitor<T> {
            type Value = Envelope<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Vault response object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut env = Envelope::<T>::default();
                let other = &mut env.other;
                while let Some(field) = map.next_key::<Field>()? {
                    match field {
                        Field::RequestId => {
                            env.request_id = lenient(&mut map, "request_id", other)?;
                        }
                        Field::LeaseId => env.lease_id = strict(&mut map)?,
                        Field::Renewable => env.renewable = strict(&mut map)?,
                        Field::LeaseDuration => {
                            env.lease_duration = strict::<_, Secs<u64>>(&mut map)?.0;
                        }
                        Field::Data => map.next_value_seed(PayloadInto(&mut env.data))?,
                        Field::WrapInfo => env.wrap_info = boxed_payload(&mut map)?,
                        Field::Warnings => {
                            env.warnings = lenient::<_, Lines>(&mut map, "warnings", other)?.0;
                        }
                        Field::Auth => env.auth = boxed_payload(&mut map)?,
                        Field::MountType => {
                            env.mount_type = lenient(&mut map, "mount_type", other)?
                        }
                        Field::Other(key) => {
                            let value: Value = map.next_value()?;
                            other.insert(key, value);
                        }
                    }
                }
                Ok(env)
            }
        }

        deserializer.deserialize_map(EnvelopeVisitor(PhantomData))
    }
}

/// A top-level key of the envelope, matched without allocating (only unknown keys are copied).
enum Field {
    RequestId,
    LeaseId,
    Renewable,
    LeaseDuration,
    Data,
    WrapInfo,
    Warnings,
    Auth,
    MountType,
    Other(String),
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_identifier(FieldVisitor::<true>)
    }
}

/// Reads an envelope key as a [`Field`]. `KEEP_UNKNOWN`: an unknown key's name is copied into
/// `Field::Other` (what [`Envelope`] keeps), or left empty (what [`DataOnly`] skips).
struct FieldVisitor<const KEEP_UNKNOWN: bool>;

impl<const KEEP_UNKNOWN: bool> Visitor<'_> for FieldVisitor<KEEP_UNKNOWN> {
    type Value = Field;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: de::Error>(self, key: &str) -> Result<Field, E> {
        Ok(match key {
            "request_id" => Field::RequestId,
            "lease_id" => Field::LeaseId,
            "renewable" => Field::Renewable,
            "lease_duration" => Field::LeaseDuration,
            "data" => Field::Data,
            "wrap_info" => Field::WrapInfo,
            "warnings" => Field::Warnings,
            "auth" => Field::Auth,
            "mount_type" => Field::MountType,
            other if KEEP_UNKNOWN => Field::Other(other.to_string()),
            _ => Field::Other(String::new()),
        })
    }
}

/// An envelope key for [`DataOnly`]: an unknown key is not copied.
struct KeyOnly(Field);

impl<'de> Deserialize<'de> for KeyOnly {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_identifier(FieldVisitor::<false>)
            .map(KeyOnly)
    }
}

/// An [`Envelope`] decoded for its `data` alone (the handwritten helpers that return only the
/// payload): the same answers decode and the same answers fail as with `Envelope<T>` (the
/// fields a lease depends on, `auth` and `wrap_info` are read as strictly), but what would only
/// be dropped is not kept: `request_id`, `mount_type`, `warnings` and unknown keys are skipped
/// without a copy.
pub(crate) struct DataOnly<T> {
    data: Option<T>,
    wrapped: bool,
}

impl<T> DataOnly<T> {
    /// The payload, or the error [`Envelope::into_data`] gives.
    pub(crate) fn into_data(self) -> Result<T, crate::Error> {
        self.data
            .ok_or_else(|| crate::Error::missing_data(self.wrapped))
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for DataOnly<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DataVisitor<T>(PhantomData<T>);

        impl<'de, T: DeserializeOwned> Visitor<'de> for DataVisitor<T> {
            type Value = DataOnly<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Vault response object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = DataOnly {
                    data: None,
                    wrapped: false,
                };
                while let Some(KeyOnly(field)) = map.next_key::<KeyOnly>()? {
                    match field {
                        // As `Envelope` reads them: these may fail the answer.
                        Field::LeaseId => drop(strict::<_, String>(&mut map)?),
                        Field::Renewable => {
                            strict::<_, bool>(&mut map)?;
                        }
                        Field::LeaseDuration => {
                            strict::<_, Secs<u64>>(&mut map)?;
                        }
                        Field::Data => map.next_value_seed(PayloadInto(&mut out.data))?,
                        Field::WrapInfo => {
                            out.wrapped = payload::<_, WrapInfo>(&mut map)?.is_some();
                        }
                        Field::Auth => drop(payload::<_, AuthInfo>(&mut map)?),
                        // Read leniently by `Envelope` (any shape decodes): skipped.
                        Field::RequestId | Field::MountType | Field::Warnings | Field::Other(_) => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(out)
            }
        }

        deserializer.deserialize_map(DataVisitor(PhantomData))
    }
}

/// `auth` or `wrap_info`, read as the envelope's payloads are.
fn payload<'de, A: MapAccess<'de>, P: DeserializeOwned>(
    map: &mut A,
) -> Result<Option<P>, A::Error> {
    let mut payload = None;
    map.next_value_seed(PayloadInto(&mut payload))?;
    Ok(payload)
}

/// [`payload`], boxed for the envelope (most answers have neither).
fn boxed_payload<'de, A: MapAccess<'de>, P: DeserializeOwned>(
    map: &mut A,
) -> Result<Option<Box<P>>, A::Error> {
    Ok(payload(map)?.map(Box::new))
}

/// Reads a field of the envelope that a lease depends on (`lease_id`, `renewable`,
/// `lease_duration`: the lease renewer schedules on them) in any of Vault's spellings; `null` is
/// the default, and a value of another shape fails the answer (the error names the field, never
/// the value).
#[inline(always)]
fn strict<'de, A: MapAccess<'de>, V: AnswerScalar + Default>(map: &mut A) -> Result<V, A::Error> {
    Ok(map.next_value::<Strict<V>>()?.0)
}

/// Reads a field of the envelope in any of Vault's spellings (`"3600"`, `"1h"`, `"true"`, `""`
/// for no warnings); `null` is the default, and a value of another shape is the default too,
/// kept in [`Envelope::other`] under the field's name.
#[inline(always)]
fn lenient<'de, A: MapAccess<'de>, V: AnswerScalar + Default>(
    map: &mut A,
    name: &str,
    other: &mut JsonMap,
) -> Result<V, A::Error> {
    Ok(match map.next_value::<Lenient<V>>()?.0 {
        Got::Value(value) => value,
        Got::Null => V::default(),
        Got::Wrong(raw) => {
            other.insert(name.to_string(), raw);
            V::default()
        }
    })
}

/// The `auth` block of a login or token creation.
///
/// `Debug` never shows [`AuthInfo::client_token`].
#[derive(Clone, Deserialize)]
#[non_exhaustive]
pub struct AuthInfo {
    /// The token to send as `X-Vault-Token` (a string: any other shape fails the answer).
    #[serde(deserialize_with = "crate::lenient::answer_credential")]
    pub client_token: SecretString,
    /// The token's accessor (safe to log; it cannot be used as the token).
    #[serde(default, deserialize_with = "or_default")]
    pub accessor: String,
    /// All policies attached to the token.
    #[serde(default, deserialize_with = "or_default")]
    pub policies: Vec<String>,
    /// Policies from the token itself.
    #[serde(default, deserialize_with = "or_default")]
    pub token_policies: Vec<String>,
    /// Policies inherited from the identity entity and groups.
    #[serde(default, deserialize_with = "or_default")]
    pub identity_policies: Vec<String>,
    /// Metadata the auth method attached (user name, role name, ...).
    #[serde(default, deserialize_with = "crate::lenient::answer_text_map")]
    pub metadata: std::collections::BTreeMap<String, String>,
    /// Time to live of the token, in seconds (`"1h"` decodes too; the renewer schedules on it,
    /// so a value of another shape fails the answer).
    #[serde(default, deserialize_with = "crate::lenient::answer::required_secs")]
    pub lease_duration: u64,
    /// Whether the token can be renewed (`"true"` decodes too; any other shape fails the answer).
    #[serde(default, deserialize_with = "crate::lenient::answer::required")]
    pub renewable: bool,
    /// The identity entity of the token.
    #[serde(default, deserialize_with = "or_default")]
    pub entity_id: String,
    /// `service` or `batch`.
    #[serde(default, deserialize_with = "or_default")]
    pub token_type: String,
    /// Whether the token has no parent.
    #[serde(default, deserialize_with = "or_default")]
    pub orphan: bool,
    /// Uses left, 0 for unlimited.
    #[serde(default, deserialize_with = "or_default")]
    pub num_uses: u64,
    /// What a login under Vault's login MFA still needs (then `client_token` is empty); `None`
    /// otherwise. The login helpers turn it into [`Error::MfaRequired`](crate::Error::MfaRequired).
    #[serde(default)]
    pub mfa_requirement: Option<crate::auth::MfaRequirement>,
}

impl fmt::Debug for AuthInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthInfo")
            .field("client_token", &"<redacted>")
            .field("accessor", &self.accessor)
            .field("policies", &self.policies)
            .field("token_policies", &self.token_policies)
            .field("identity_policies", &self.identity_policies)
            .field("metadata", &self.metadata)
            .field("lease_duration", &self.lease_duration)
            .field("renewable", &self.renewable)
            .field("entity_id", &self.entity_id)
            .field("token_type", &self.token_type)
            .field("orphan", &self.orphan)
            .field("num_uses", &self.num_uses)
            .field("mfa_requirement", &self.mfa_requirement)
            .finish()
    }
}

/// The `wrap_info` block of a response-wrapped answer.
///
/// `Debug` never shows [`WrapInfo::token`].
#[derive(Clone, Deserialize)]
#[non_exhaustive]
pub struct WrapInfo {
    /// The single-use wrapping token; pass it to `unwrap` (a string: any other shape fails the
    /// answer).
    #[serde(deserialize_with = "crate::lenient::answer_credential")]
    pub token: SecretString,
    /// The wrapping token's accessor.
    #[serde(default, deserialize_with = "or_default")]
    pub accessor: String,
    /// Seconds until the wrapping token expires.
    #[serde(default, deserialize_with = "secs_or_default")]
    pub ttl: u64,
    /// When the wrapping token was created (RFC 3339).
    #[serde(default, deserialize_with = "or_default")]
    pub creation_time: String,
    /// The path of the request that was wrapped.
    #[serde(default, deserialize_with = "or_default")]
    pub creation_path: String,
    /// The accessor of a wrapped token, when a token was wrapped.
    #[serde(default, deserialize_with = "or_default")]
    pub wrapped_accessor: String,
}

impl fmt::Debug for WrapInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WrapInfo")
            .field("token", &"<redacted>")
            .field("accessor", &self.accessor)
            .field("ttl", &self.ttl)
            .field("creation_time", &self.creation_time)
            .field("creation_path", &self.creation_path)
            .field("wrapped_accessor", &self.wrapped_accessor)
            .finish()
    }
}

/// A field of `auth` or `wrap_info` in any of Vault's spellings; a wrong shape is the default
/// (those blocks have no map to keep it in; the token itself is strict, `answer_credential`).
fn or_default<'de, D: Deserializer<'de>, V: AnswerScalar + Default>(
    deserializer: D,
) -> Result<V, D::Error> {
    crate::lenient::answer_or_default::<D, V>(deserializer)
}

/// [`or_default`] for a duration in seconds (`"1h"` too).
fn secs_or_default<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    crate::lenient::answer_secs_or_default::<D, u64>(deserializer)
}

/// A `null` (or missing) field as its type's default: Vault writes `null` for empty lists and maps.
pub(crate) fn null_as_default<'de, D, V>(deserializer: D) -> Result<V, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de> + Default,
{
    Ok(Option::<V>::deserialize(deserializer)?.unwrap_or_default())
}

/// A credential or secret value in a generated request or response type (a password, token,
/// secret id, private key, ...): the same JSON string on the wire, `<redacted>` in `Debug`.
///
/// ```
/// use hashivault::Sensitive;
/// let password = Sensitive::from("hunter2");
/// assert_eq!(format!("{password:?}"), "<redacted>");
/// assert_eq!(password.expose(), "hunter2");
/// assert_eq!(serde_json::to_string(&password).unwrap(), "\"hunter2\"");
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Sensitive(String);

impl Sensitive {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Sensitive(value.into())
    }

    /// The value. Keep it out of logs.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The value, owned.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Debug for Sensitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<String> for Sensitive {
    fn from(value: String) -> Self {
        Sensitive(value)
    }
}

impl From<&str> for Sensitive {
    fn from(value: &str) -> Self {
        Sensitive(value.to_string())
    }
}

impl From<&String> for Sensitive {
    fn from(value: &String) -> Self {
        Sensitive(value.clone())
    }
}

impl From<Sensitive> for SecretString {
    fn from(value: Sensitive) -> Self {
        SecretString::from(value.0)
    }
}

/// A JSON object in a generated type whose values may be secrets: a KV secret's `data`, a free-form
/// map of the spec, and the fields of a body or answer that the spec does not name (the `extra`
/// of every generated struct). The same JSON object on the wire; `Debug` shows its keys only.
///
/// It dereferences to [`JsonMap`], so reading and editing work as on a map:
///
/// ```
/// use hashivault::SecretMap;
/// let mut map = SecretMap::new();
/// map.insert("password".into(), "hunter2".into());
/// assert_eq!(map["password"], "hunter2");
/// assert_eq!(format!("{map:?}"), r#"{"password": <redacted>}"#);
/// assert_eq!(serde_json::to_string(&map).unwrap(), r#"{"password":"hunter2"}"#);
/// ```
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretMap(JsonMap);

impl SecretMap {
    /// An empty map.
    pub fn new() -> Self {
        SecretMap(JsonMap::new())
    }

    /// Whether the map has no entries (for `skip_serializing_if`).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The map, owned.
    pub fn into_inner(self) -> JsonMap {
        self.0
    }
}

impl std::ops::Deref for SecretMap {
    type Target = JsonMap;
    fn deref(&self) -> &JsonMap {
        &self.0
    }
}

impl std::ops::DerefMut for SecretMap {
    fn deref_mut(&mut self) -> &mut JsonMap {
        &mut self.0
    }
}

impl fmt::Debug for SecretMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.keys().map(|k| (k, format_args!("<redacted>"))))
            .finish()
    }
}

impl From<JsonMap> for SecretMap {
    fn from(map: JsonMap) -> Self {
        SecretMap(map)
    }
}

impl From<SecretMap> for JsonMap {
    fn from(map: SecretMap) -> Self {
        map.0
    }
}

impl TryFrom<Value> for SecretMap {
    type Error = &'static str;
    /// A JSON object; any other value is refused.
    fn try_from(value: Value) -> Result<Self, Self::Error> {
        match value {
            Value::Object(map) => Ok(SecretMap(map)),
            _ => Err("expected a JSON object"),
        }
    }
}

impl FromIterator<(String, Value)> for SecretMap {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        SecretMap(iter.into_iter().collect())
    }
}

impl PartialEq<JsonMap> for SecretMap {
    fn eq(&self, other: &JsonMap) -> bool {
        &self.0 == other
    }
}

/// A Vault duration: Vault sends the same field as a string (`"1h30m"`) in one answer and as a
/// number of seconds (`5400`) in another. Both decode; what the caller gives is sent as given.
///
/// ```
/// use hashivault::VaultDuration;
/// assert_eq!(VaultDuration::from("1h30m").as_secs(), Some(5400));
/// assert_eq!(VaultDuration::from(90u64).as_secs(), Some(90));
/// assert_eq!(serde_json::to_string(&VaultDuration::from("768h")).unwrap(), "\"768h\"");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum VaultDuration {
    /// A number of seconds.
    Seconds(i64),
    /// A Go duration string (`"72h"`, `"1h30m"`, `"10s"`) or any other text Vault sent.
    Text(String),
}

/// No duration: zero seconds (what Vault means by `"0s"` or a missing duration field).
impl Default for VaultDuration {
    fn default() -> Self {
        VaultDuration::Seconds(0)
    }
}

impl VaultDuration {
    /// The duration in whole seconds, when it is a number or a Go duration string.
    pub fn as_secs(&self) -> Option<u64> {
        match self {
            VaultDuration::Seconds(s) => u64::try_from(*s).ok(),
            VaultDuration::Text(text) => parse_go_duration(text),
        }
    }

    /// The duration as a [`std::time::Duration`], when it can be read.
    pub fn to_std(&self) -> Option<std::time::Duration> {
        self.as_secs().map(std::time::Duration::from_secs)
    }
}

/// Parses Go's duration syntax (`"1h30m"`, `"1.5h"`, `"300ms"`) or a bare number of seconds.
pub(crate) fn parse_go_duration(text: &str) -> Option<u64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(secs) = text.parse::<u64>() {
        return Some(secs);
    }
    let mut total = 0f64;
    let mut rest = text;
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if number_end == 0 {
            return None;
        }
        let value: f64 = rest[..number_end].parse().ok()?;
        rest = &rest[number_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_end] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            _ => return None,
        };
        total += value * scale;
        rest = &rest[unit_end..];
    }
    Some(total.round() as u64)
}

impl From<u64> for VaultDuration {
    fn from(secs: u64) -> Self {
        VaultDuration::Seconds(i64::try_from(secs).unwrap_or(i64::MAX))
    }
}

impl From<std::time::Duration> for VaultDuration {
    fn from(d: std::time::Duration) -> Self {
        VaultDuration::from(d.as_secs())
    }
}

impl From<&str> for VaultDuration {
    fn from(text: &str) -> Self {
        VaultDuration::Text(text.to_string())
    }
}

impl From<String> for VaultDuration {
    fn from(text: String) -> Self {
        VaultDuration::Text(text)
    }
}

impl fmt::Display for VaultDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VaultDuration::Seconds(s) => write!(f, "{s}s"),
            VaultDuration::Text(t) => f.write_str(t),
        }
    }
}

impl Serialize for VaultDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            VaultDuration::Seconds(s) => serializer.serialize_i64(*s),
            VaultDuration::Text(t) => serializer.serialize_str(t),
        }
    }
}

impl<'de> Deserialize<'de> for VaultDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DurationVisitor;
        impl Visitor<'_> for DurationVisitor {
            type Value = VaultDuration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration as seconds or as a string")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(VaultDuration::Seconds(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(VaultDuration::from(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(VaultDuration::Seconds(v.round() as i64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(VaultDuration::Text(v.to_string()))
            }
        }
        deserializer.deserialize_any(DurationVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `DataOnly<T>` (the KV helpers' reads) decodes and fails exactly where `Envelope<T>` does,
    /// and gives the same payload or the same missing-data error.
    #[test]
    fn data_only_agrees_with_the_envelope() {
        let bodies = [
            // Recorded shape of a KV v2 read (OpenBao 2.7.2): data with metadata.
            r#"{"request_id":"64e3e809-ed44-434c-5184-04db5feebc95","lease_id":"","renewable":false,"lease_duration":0,"data":{"data":{"a":"1"},"metadata":{"version":3}},"wrap_info":null,"warnings":null,"auth":null,"mount_type":"kv"}"#,
            r#"{"data":{"a":1},"warnings":["w"],"mount_type":7,"request_id":{"x":1},"extra":[1,2]}"#,
            r#"{"data":null,"wrap_info":{"token":"hvs.W","ttl":300,"creation_time":"2026-12-06T00:00:00Z"}}"#,
            r#"{"warnings":"one warning","lease_duration":"1h","renewable":"true"}"#,
            r#"{}"#,
            // Failures: a lease field of another shape, an auth without a string token, a
            // wrap_info that is not an object, a data that is not an object.
            r#"{"data":{"a":1},"lease_duration":[1]}"#,
            r#"{"data":{"a":1},"renewable":{"x":true}}"#,
            r#"{"data":{"a":1},"auth":{"client_token":5}}"#,
            r#"{"data":{"a":1},"wrap_info":7}"#,
            r#"{"data":[1]}"#,
            r#"{"data":{"a":1}"#,
        ];
        for body in bodies {
            let full = serde_json::from_str::<Envelope<JsonMap>>(body);
            let only = serde_json::from_str::<DataOnly<JsonMap>>(body);
            assert_eq!(full.is_ok(), only.is_ok(), "{body}");
            let (Ok(full), Ok(only)) = (full, only) else {
                continue;
            };
            match (full.into_data(), only.into_data()) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{body}"),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{body}"),
                (a, b) => panic!("{body}: {a:?} vs {b:?}"),
            }
        }
    }

    /// The payloads (`data`, `auth`, `wrap_info`), read into their place: `null` and `""` are
    /// none, an object is the payload, a scalar is an error naming its shape (never the value)
    /// unless the payload's type takes it (`Envelope<Value>`), an array is the type's error.
    #[test]
    fn payloads_by_shape() {
        let data = |body: &str| serde_json::from_str::<Envelope<JsonMap>>(body).map(|e| e.data);
        assert_eq!(data(r#"{"data":null}"#).unwrap(), None);
        assert_eq!(data(r#"{"data":""}"#).unwrap(), None);
        assert_eq!(data(r#"{"data":{"a":1}}"#).unwrap().unwrap()["a"], 1);
        // The last of a repeated key stands, as for every field.
        assert_eq!(data(r#"{"data":{"a":1},"data":null}"#).unwrap(), None);
        for (body, found) in [
            (r#"{"data":"hunter2"}"#, "a string"),
            (r#"{"data":7}"#, "a number"),
            (r#"{"data":true}"#, "a boolean"),
        ] {
            let err = data(body).unwrap_err().to_string();
            assert!(
                err.contains(&format!("expected an object, found {found}")),
                "{err}"
            );
            assert!(!err.contains("hunter2"), "{err}");
        }
        let any = serde_json::from_str::<Envelope<Value>>(r#"{"data":"text"}"#).unwrap();
        assert_eq!(any.data, Some(Value::from("text")));
        let wrapped: Envelope = serde_json::from_str(
            r#"{"data":null,"auth":"","wrap_info":{"token":"hvs.W","ttl":300}}"#,
        )
        .unwrap();
        assert!(wrapped.auth.is_none());
        assert_eq!(wrapped.wrap_info.unwrap().ttl, 300);
        let err = data(r#"{"data":["hunter2"]}"#).unwrap_err().to_string();
        assert!(
            err.contains("invalid type: sequence, expected a map"),
            "{err}"
        );
        let err = serde_json::from_str::<Envelope>(r#"{"auth":7}"#).unwrap_err();
        assert!(
            err.to_string()
                .contains("expected an object, found a number"),
            "{err}"
        );
    }

    #[test]
    fn envelope_keeps_data_auth_and_unknown_keys() {
        let body = r#"{"request_id":"r1","lease_id":"","renewable":false,"lease_duration":0,
            "data":{"a":1},"wrap_info":null,"warnings":null,"auth":null,"mount_type":"kv",
            "legacy":{"x":true}}"#;
        let env: Envelope = serde_json::from_str(body).unwrap();
        assert_eq!(env.request_id, "r1");
        assert_eq!(env.data.unwrap()["a"], 1);
        assert!(env.warnings.is_empty());
        assert_eq!(env.mount_type, "kv");
        assert_eq!(env.other["legacy"]["x"], true);
    }

    #[test]
    fn bare_body_lands_in_other() {
        let env: Envelope = serde_json::from_str(r#"{"initialized":true,"sealed":false}"#).unwrap();
        assert!(env.data.is_none());
        assert_eq!(env.other["sealed"], false);
    }

    #[test]
    fn debug_redacts_tokens_and_data() {
        let body = r#"{"data":{"password":"hunter2"},"auth":{"client_token":"s.tok3n","accessor":"acc"},
            "wrap_info":{"token":"s.wr4p","ttl":60}}"#;
        let env: Envelope = serde_json::from_str(body).unwrap();
        let shown = format!("{env:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("s.tok3n") && !shown.contains("s.wr4p")
        );
        assert!(shown.contains("acc"));
    }

    #[test]
    fn durations_decode_from_both_shapes() {
        let d: VaultDuration = serde_json::from_str("3600").unwrap();
        assert_eq!(d.as_secs(), Some(3600));
        let d: VaultDuration = serde_json::from_str("\"1h\"").unwrap();
        assert_eq!(d.as_secs(), Some(3600));
        assert_eq!(VaultDuration::from("1.5h").as_secs(), Some(5400));
        assert_eq!(VaultDuration::from("2h3m4s").as_secs(), Some(7384));
        assert_eq!(VaultDuration::from("soon").as_secs(), None);
        assert_eq!(VaultDuration::from("").as_secs(), None);
    }
}
