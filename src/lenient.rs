//! Lenient decoding: every spelling Vault writes for a field, decoded into the field's
//! canonical Rust type, for request bodies (what Vault's framework accepts) and for answers (what
//! Vault and its plugins send).
//!
//! # Request bodies
//!
//! Vault's request fields are decoded by its `framework` package with weak typing: a
//! comma-string-slice field (`policies`, `token_bound_cidrs`, `allowed_roles`, ...) takes `"a,b"`
//! or `["a","b"]`, an integer takes `10` or `"10"`, a boolean `true` or `"true"`. A body read
//! from a configuration file written for Vault (YAML, JSON, the CLI's `key=value`) uses any of
//! them. `hashivault-codegen` puts these functions on the fields of every generated request body
//! (`hashivault-codegen/src/fields.rs`: `lenient_request_fields`); what the client sends is
//! always the canonical form (an array, a number, a boolean), because serializing is unchanged.
//!
//! ```
//! let body: hashivault::api::types::UserpassWriteUserRequest = serde_json::from_value(
//!     serde_json::json!({"token_policies": "dev, ops", "token_num_uses": "3", "token_no_default_policy": "true"}),
//! ).unwrap();
//! assert_eq!(body.token_policies, ["dev", "ops"]);
//! assert_eq!(body.token_num_uses, Some(3));
//! assert_eq!(serde_json::to_value(&body).unwrap()["token_policies"], serde_json::json!(["dev", "ops"]));
//! ```
//!
//! Integers keep every digit: a string is parsed as an integer of the field's type, never through
//! a float, and a value out of the field's range is an error rather than a rounded number.
//!
//! # Answers
//!
//! Every field of a generated answer type (the `…Response` types, the helper types such as
//! `KvV2VersionMetadata`, and every type nested in them; `hashivault-codegen/src/fields.rs`:
//! `lenient_answer_fields`) and of [`Envelope`](crate::Envelope) itself decodes by these rules:
//!
//! | the field is | it also takes |
//! |---|---|
//! | an integer | a numeric string (`"10"`, exactly), an integral float (`10.0`) |
//! | an integer duration in seconds (`ttl`, `…_ttl`, `lease_duration`, `period`, `…_period`, `…_duration`, `…_timeout`, `…_interval`) | the above, and a Go duration string (`"1h"`, `"30m"`, `"1h30m"`) |
//! | a boolean | `"true"`/`"false"` (Go's `ParseBool` spellings), `0`/`1` |
//! | a string | a number or boolean, as its text |
//! | a list of strings | a comma-separated string (`"a,b"`), `""` as empty; numbers in it as text |
//! | a list, a map, a nested answer, a [`VaultDuration`](crate::VaultDuration), an enum | `""` as `None` (or empty) |
//! | the envelope's `warnings` | `""` or `null` as none, one string as one warning |
//! | the envelope's `lease_duration`, `wrap_info.ttl`, `auth.lease_duration` | a numeric string or a duration string |
//!
//! `null` (or a missing field) is `None`, or the type's default for a plain field.
//!
//! A value of a **shape the field's type does not take** (an object where a number is expected,
//! `"soon"` for a TTL, an array for a boolean, a name an enum does not know):
//!
//! - in an **optional** field (an `Option`, or a plain list or map with a default) it does not
//!   fail the answer: the field is `None` (or empty) and the value is kept, as it came, in the
//!   struct's `extra` map under the field's own name, so re-serializing the answer gives it back.
//!   In the envelope, a wrong-shaped `request_id`, `warnings` or `mount_type` is the default, its
//!   value kept in [`Envelope::other`](crate::Envelope::other).
//!   Each generated struct reads its own fields (`src/lenient/shape.rs`), so the value lands in
//!   the `extra` of the struct that names the field, at any depth, whether the type is decoded
//!   inside an [`Envelope`](crate::Envelope) or on its own (`serde_json::from_value::<types::X>`,
//!   a bare answer such as `sys/health`).
//! - in a field the caller **cannot do without** it is a decode error: the fields Vault's handlers
//!   always fill, which the generated types make plain values (`hashivault-codegen/src/fields.rs`:
//!   `ALWAYS_PRESENT`: the KV version metadata's `version`, `created_time` and `destroyed`, a
//!   secret's metadata, a token lookup, `sys/health`, ...), a field the spec marks required,
//!   [`AuthInfo::client_token`](crate::AuthInfo::client_token) and
//!   [`WrapInfo::token`](crate::WrapInfo::token) (a string, `""` included, and nothing else), and
//!   the envelope's `data`, `auth` and `wrap_info` (an object, or `null`/`""` for none), and the
//!   envelope's `lease_id`, `renewable` and `lease_duration` (the lease renewer schedules on
//!   them: `"true"` and `"1h"` decode, an object does not).
//!   So are `auth.lease_duration` and `auth.renewable` (the token renewer schedules on them);
//!   `auth` and `wrap_info`'s other fields have no map to keep a value in: a wrong shape there is
//!   the field's default.
//! - inside an object or array that decodes as a nested type, the nested type's own rules apply;
//!   an error there is an error of the answer.
//!
//! A decode error names the operation, the URL and the field's path (`data.metadata.version`),
//! never the value: these functions' messages name the shape found (`found a string`), and
//! serde's own messages lose what they quote (`hashivault::DecodeError`).
//!
//! ```
//! # #[cfg(feature = "auth-approle")] {
//! use hashivault::{api::types::AppRoleReadRoleResponse, Envelope};
//! let answer: Envelope<AppRoleReadRoleResponse> = serde_json::from_value(serde_json::json!({
//!     "request_id": "7c4d", "lease_id": "", "renewable": "false", "lease_duration": "0",
//!     "data": {"token_ttl": "1h", "token_num_uses": "3", "bind_secret_id": "true",
//!              "token_policies": "", "secret_id_num_uses": {"unexpected": true}},
//!     "wrap_info": null, "warnings": "", "auth": null, "mount_type": "approle"
//! })).unwrap();
//! let role = answer.data.unwrap();
//! assert_eq!(role.token_ttl.unwrap().as_secs(), Some(3600));
//! assert_eq!(role.token_num_uses, Some(3));
//! assert_eq!(role.bind_secret_id, Some(true));
//! assert_eq!(role.token_policies, Some(vec![]));
//! assert_eq!(role.secret_id_num_uses, None);
//! assert_eq!(role.extra["secret_id_num_uses"], serde_json::json!({"unexpected": true}));
//! assert!(answer.warnings.is_empty());
//! # }
//! ```

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::{
    self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};
use serde::Deserialize;
use serde_json::Value;

pub(crate) mod shape;

/// A comma-string-slice (Vault's `TypeCommaStringSlice`): an array of strings, or one string
/// split at commas with the spaces around each item trimmed (`""` is no item); `null` is empty.
pub fn comma_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    Ok(opt_comma_list(deserializer)?.unwrap_or_default())
}

/// [`comma_list`] for an optional field: `null` is `None`.
pub fn opt_comma_list<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<String>>, D::Error> {
    struct CommaList;
    impl<'de> Visitor<'de> for CommaList {
        type Value = Option<Vec<String>>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an array of strings or a comma-separated string")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
            ))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
            while let Some(item) = seq.next_element::<ScalarString>()? {
                items.push(item.0);
            }
            Ok(Some(items))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }
    deserializer.deserialize_any(CommaList)
}

/// An item of a string slice: Vault's weak decoding turns numbers and booleans into their text.
struct ScalarString(String);

impl<'de> Deserialize<'de> for ScalarString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = ScalarString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ScalarString, E> {
                Ok(ScalarString(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<ScalarString, E> {
                Ok(ScalarString(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ScalarString, E> {
                Ok(ScalarString(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ScalarString, E> {
                Ok(ScalarString(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<ScalarString, E> {
                Ok(ScalarString(v.to_string()))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// An integer (Vault's `TypeInt`): a JSON integer or a string holding one (`"10"`, `" 10 "`),
/// parsed exactly into the field's type; a value outside its range is an error.
pub fn int<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64> + FromStr,
{
    opt_int(deserializer)?.ok_or_else(|| de::Error::custom("expected an integer, found null"))
}

/// [`int`] for an optional field: `null` is `None`.
pub fn opt_int<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64> + FromStr,
{
    struct Int<T>(PhantomData<T>);
    impl<'de, T: TryFrom<i64> + TryFrom<u64> + FromStr> Visitor<'de> for Int<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an integer or a string holding one")
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            T::try_from(v)
                .map(Some)
                .map_err(|_| E::custom("integer out of range for the field"))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            T::try_from(v)
                .map(Some)
                .map_err(|_| E::custom("integer out of range for the field"))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            // JSON numbers like `3.0` that a YAML or JSON tool wrote for an integer.
            if v.fract() == 0.0 && v.abs() < 9_007_199_254_740_992.0 {
                self.visit_i64(v as i64)
            } else {
                Err(E::custom("expected an integer, found a fractional number"))
            }
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            v.trim()
                .parse::<T>()
                .map(Some)
                .map_err(|_| E::custom("expected an integer in the string"))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }
    deserializer.deserialize_any(Int(PhantomData))
}

/// A boolean (Vault's `TypeBool`): `true`/`false`, or the strings Go's `strconv.ParseBool`
/// accepts (`"true"`, `"TRUE"`, `"t"`, `"1"`, `"false"`, `"f"`, `"0"`, ...), or `0`/`1`.
pub fn bool<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    opt_bool(deserializer)?.ok_or_else(|| de::Error::custom("expected a boolean, found null"))
}

/// [`bool`](fn@bool) for an optional field: `null` is `None`.
pub fn opt_bool<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    struct Bool;
    impl<'de> Visitor<'de> for Bool {
        type Value = Option<bool>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a boolean or a string holding one")
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            match v {
                0 => Ok(Some(false)),
                1 => Ok(Some(true)),
                _ => Err(E::custom(
                    "expected a boolean, found a number other than 0 or 1",
                )),
            }
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            match v.trim() {
                "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(Some(true)),
                "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(Some(false)),
                _ => Err(E::custom("expected a boolean in the string")),
            }
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }
    deserializer.deserialize_any(Bool)
}

// ---------------------------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------------------------

/// The shape a field of an answer arrived in: a value of its type (in one of Vault's spellings),
/// `null` (or missing), or something else, kept as the JSON it was.
pub(crate) enum Got<T> {
    Value(T),
    Null,
    Wrong(Value),
}

/// A scalar type of an answer field and the spellings it accepts: the canonical JSON type first
/// (the fast path), then Vault's weak spellings. `None` is "not a spelling of this type".
pub(crate) trait AnswerScalar: Sized {
    /// What the field expects, for error messages (never a value).
    const EXPECTING: &'static str;
    fn from_i64(_: i64) -> Option<Self> {
        None
    }
    fn from_u64(_: u64) -> Option<Self> {
        None
    }
    fn from_f64(_: f64) -> Option<Self> {
        None
    }
    fn from_bool(_: bool) -> Option<Self> {
        None
    }
    fn from_str(_: &str) -> Option<Self> {
        None
    }
    fn from_string(v: String) -> Result<Self, String> {
        Self::from_str(&v).ok_or(v)
    }
    /// An array; the default refuses it (kept whole).
    fn from_seq<'de, A: SeqAccess<'de>>(seq: A) -> Result<Got<Self>, A::Error> {
        let raw = Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
        Ok(Got::Wrong(raw))
    }
}

macro_rules! answer_ints {
    ($($t:ty),*) => {$(
        impl AnswerScalar for $t {
            const EXPECTING: &'static str = "an integer or a string holding one";
            fn from_i64(v: i64) -> Option<Self> {
                <$t>::try_from(v).ok()
            }
            fn from_u64(v: u64) -> Option<Self> {
                <$t>::try_from(v).ok()
            }
            fn from_f64(v: f64) -> Option<Self> {
                (v.fract() == 0.0 && v.abs() < 9_007_199_254_740_992.0)
                    .then(|| <$t>::try_from(v as i64).ok())
                    .flatten()
            }
            fn from_str(v: &str) -> Option<Self> {
                v.trim().parse().ok()
            }
        }
    )*};
}
answer_ints!(i8, i16, i32, i64, u8, u16, u32, u64);

impl AnswerScalar for f64 {
    const EXPECTING: &'static str = "a number or a string holding one";
    fn from_i64(v: i64) -> Option<Self> {
        Some(v as f64)
    }
    fn from_u64(v: u64) -> Option<Self> {
        Some(v as f64)
    }
    fn from_f64(v: f64) -> Option<Self> {
        Some(v)
    }
    fn from_str(v: &str) -> Option<Self> {
        v.trim().parse().ok()
    }
}

impl AnswerScalar for bool {
    const EXPECTING: &'static str = "a boolean or a string holding one";
    fn from_bool(v: bool) -> Option<Self> {
        Some(v)
    }
    fn from_i64(v: i64) -> Option<Self> {
        match v {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
    fn from_u64(v: u64) -> Option<Self> {
        Self::from_i64(i64::try_from(v).ok()?)
    }
    fn from_str(v: &str) -> Option<Self> {
        match v.trim() {
            "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
            "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
            _ => None,
        }
    }
}

/// Text: a string, or a number or boolean as its JSON text (Vault's weak typing writes either).
impl AnswerScalar for String {
    const EXPECTING: &'static str = "a string";
    fn from_i64(v: i64) -> Option<Self> {
        Some(v.to_string())
    }
    fn from_u64(v: u64) -> Option<Self> {
        Some(v.to_string())
    }
    fn from_f64(v: f64) -> Option<Self> {
        Some(v.to_string())
    }
    fn from_bool(v: bool) -> Option<Self> {
        Some(v.to_string())
    }
    fn from_str(v: &str) -> Option<Self> {
        Some(v.to_string())
    }
    fn from_string(v: String) -> Result<Self, String> {
        Ok(v)
    }
}

/// A list of strings: an array of strings (numbers and booleans as their text), a
/// comma-separated string (Vault's `TypeCommaStringSlice`, items trimmed), `""` as no item.
impl AnswerScalar for Vec<String> {
    const EXPECTING: &'static str = "an array of strings or a comma-separated string";
    fn from_str(v: &str) -> Option<Self> {
        Some(
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        )
    }
    /// Decoded straight into the strings (a list of 1,000 keys makes no `Value` per key); the
    /// numbers and booleans are remembered as they came, so that an array that turns out not
    /// to be a list of strings is kept whole, as it came.
    fn from_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Got<Self>, A::Error> {
        let mut items: Vec<String> = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        let mut scalars: Vec<(usize, Value)> = Vec::new();
        while let Some(item) = seq.next_element::<ListItem>()? {
            match item {
                ListItem::Text(text) => items.push(text),
                ListItem::Scalar(raw) => {
                    items.push(raw.to_string());
                    scalars.push((items.len() - 1, raw));
                }
                ListItem::Other(raw) => {
                    // Not a list of strings: the whole array is kept as it came.
                    let mut scalars = scalars.into_iter().peekable();
                    let mut whole: Vec<Value> = items
                        .into_iter()
                        .enumerate()
                        .map(|(at, text)| match scalars.next_if(|(i, _)| *i == at) {
                            Some((_, raw)) => raw,
                            None => Value::String(text),
                        })
                        .collect();
                    whole.push(raw);
                    while let Some(rest) = seq.next_element::<Value>()? {
                        whole.push(rest);
                    }
                    return Ok(Got::Wrong(Value::Array(whole)));
                }
            }
        }
        Ok(Got::Value(items))
    }
}

/// An item of an answer's list of strings: a string, a number or boolean (as it came), or any
/// other value (the list is then not a list of strings).
enum ListItem {
    Text(String),
    Scalar(Value),
    Other(Value),
}

impl<'de> Deserialize<'de> for ListItem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ListItem;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ListItem, E> {
                Ok(ListItem::Text(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<ListItem, E> {
                Ok(ListItem::Text(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ListItem, E> {
                Ok(ListItem::Scalar(Value::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ListItem, E> {
                Ok(ListItem::Scalar(Value::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ListItem, E> {
                Ok(ListItem::Scalar(Value::from(v)))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<ListItem, E> {
                Ok(ListItem::Scalar(Value::Bool(v)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<ListItem, E> {
                Ok(ListItem::Other(Value::Null))
            }
            fn visit_none<E: de::Error>(self) -> Result<ListItem, E> {
                Ok(ListItem::Other(Value::Null))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<ListItem, A::Error> {
                Value::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(ListItem::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ListItem, A::Error> {
                Value::deserialize(de::value::MapAccessDeserializer::new(map)).map(ListItem::Other)
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A value of a map of strings: its text, or the JSON it was when it is an array or object.
enum TextOrRaw {
    Text(String),
    Raw(Value),
}

impl<'de> Deserialize<'de> for TextOrRaw {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match got::<D, String>(deserializer)? {
            Got::Value(text) => TextOrRaw::Text(text),
            Got::Null => TextOrRaw::Raw(Value::Null),
            Got::Wrong(raw) => TextOrRaw::Raw(raw),
        })
    }
}

/// A duration in seconds in an integer field (`ttl`, `lease_duration`, `token_ttl`, ...): a
/// number, a numeric string, or a Go duration string (`"1h"`, `"30m"`, `"1h30m"`), as
/// [`VaultDuration`](crate::VaultDuration) reads it.
#[derive(Default)]
pub(crate) struct Secs<T>(pub(crate) T);

impl<T: AnswerScalar + TryFrom<u64>> AnswerScalar for Secs<T> {
    const EXPECTING: &'static str = "a number of seconds or a duration string";
    fn from_i64(v: i64) -> Option<Self> {
        T::from_i64(v).map(Secs)
    }
    fn from_u64(v: u64) -> Option<Self> {
        T::from_u64(v).map(Secs)
    }
    fn from_f64(v: f64) -> Option<Self> {
        T::from_f64(v).map(Secs)
    }
    fn from_str(v: &str) -> Option<Self> {
        if let Some(n) = T::from_str(v) {
            return Some(Secs(n));
        }
        let secs = crate::envelope::parse_go_duration(v)?;
        T::try_from(secs).ok().map(Secs)
    }
}

struct GotVisitor<T>(PhantomData<T>);

impl<'de, T: AnswerScalar> Visitor<'de> for GotVisitor<T> {
    type Value = Got<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(T::from_bool(v).map_or_else(|| Got::Wrong(Value::Bool(v)), Got::Value))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(T::from_i64(v).map_or_else(|| Got::Wrong(Value::from(v)), Got::Value))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(T::from_u64(v).map_or_else(|| Got::Wrong(Value::from(v)), Got::Value))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(T::from_f64(v).map_or_else(|| Got::Wrong(Value::from(v)), Got::Value))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(T::from_str(v).map_or_else(|| Got::Wrong(Value::String(v.to_string())), Got::Value))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(T::from_string(v).map_or_else(|v| Got::Wrong(Value::String(v)), Got::Value))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Got::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Got::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        T::from_seq(seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let raw = Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(Got::Wrong(raw))
    }
}

#[inline]
fn got<'de, D: Deserializer<'de>, T: AnswerScalar>(deserializer: D) -> Result<Got<T>, D::Error> {
    deserializer.deserialize_any(GotVisitor(PhantomData))
}

/// Any other type of an answer field (a nested answer, a map, a list of objects, an enum, a
/// [`VaultDuration`](crate::VaultDuration), a [`SecretMap`](crate::SecretMap), ...): `""` is
/// "none", an object or array is decoded as the type (an error inside it is an error), a scalar
/// the type refuses is kept as it came.
struct ValueVisitor<T, const CONTAINER: bool>(PhantomData<T>);

impl<'de, T: Deserialize<'de>, const CONTAINER: bool> Visitor<'de> for ValueVisitor<T, CONTAINER> {
    type Value = Got<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value of the field's type")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(scalar(
            IntoDeserializer::<'de, E>::into_deserializer(v),
            || Value::Bool(v),
        ))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(scalar(
            IntoDeserializer::<'de, E>::into_deserializer(v),
            || Value::from(v),
        ))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(scalar(
            IntoDeserializer::<'de, E>::into_deserializer(v),
            || Value::from(v),
        ))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(scalar(
            IntoDeserializer::<'de, E>::into_deserializer(v),
            || Value::from(v),
        ))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v.is_empty() {
            return Ok(Got::Null);
        }
        Ok(scalar(de::value::StrDeserializer::<E>::new(v), || {
            Value::String(v.to_string())
        }))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        if v.is_empty() {
            return Ok(Got::Null);
        }
        match T::deserialize(de::value::StrDeserializer::<E>::new(&v)) {
            Ok(value) => Ok(Got::Value(value)),
            Err(_) => Ok(Got::Wrong(Value::String(v))),
        }
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Got::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Got::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        if !CONTAINER {
            let raw = Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
            return Ok(Got::Wrong(raw));
        }
        T::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Got::Value)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        if !CONTAINER {
            let raw = Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
            return Ok(Got::Wrong(raw));
        }
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Got::Value)
    }
}

/// A scalar given to a type that is not a scalar type of its own: decoded if the type takes it
/// (an enum's name, a duration's number), kept as it came if not.
fn scalar<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
    raw: impl FnOnce() -> Value,
) -> Got<T> {
    match T::deserialize(d) {
        Ok(value) => Got::Value(value),
        Err(_) => Got::Wrong(raw()),
    }
}

#[inline]
fn got_value<'de, D: Deserializer<'de>, T: Deserialize<'de>, const CONTAINER: bool>(
    deserializer: D,
) -> Result<Got<T>, D::Error> {
    deserializer.deserialize_any(ValueVisitor::<T, CONTAINER>(PhantomData))
}

/// Short names for the handwritten answer types (`Envelope`'s `auth` block).
pub(crate) mod answer {
    pub(crate) use super::{answer_required as required, answer_required_secs as required_secs};
}

/// A field of a handwritten answer type (`auth`, `wrap_info`) that is a plain value with a
/// default: Vault's spellings decode, `null`, missing or a wrong shape is the default (those
/// blocks have no map to keep it in).
#[inline]
pub(crate) fn answer_or_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: AnswerScalar + Default,
{
    Ok(match got(deserializer)? {
        Got::Value(value) => value,
        Got::Null | Got::Wrong(_) => T::default(),
    })
}

/// A scalar field the caller cannot do without (`hashivault-codegen/src/fields.rs`:
/// `ALWAYS_PRESENT`): Vault's spellings decode, `null` or missing is the default, any other shape
/// is an error naming the field (by its path) and never the value.
#[inline]
pub(crate) fn answer_required<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: AnswerScalar + Default,
{
    required(got(deserializer)?, T::EXPECTING)
}

/// [`answer_required`] for an integer field that is a duration in seconds.
#[inline]
pub(crate) fn answer_required_secs<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: AnswerScalar + TryFrom<u64> + Default,
{
    required(got::<D, Secs<T>>(deserializer)?, Secs::<T>::EXPECTING).map(|s: Secs<T>| s.0)
}

/// [`answer_or_default`] for an integer duration in seconds.
#[inline]
pub(crate) fn answer_secs_or_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: AnswerScalar + TryFrom<u64> + Default,
{
    Ok(answer_or_default::<D, Secs<T>>(deserializer)?.0)
}

/// A map of strings in an answer (an auth block's `metadata`): `null` and `""` are empty, a
/// number or boolean value is its text, an object or array value its JSON text.
pub(crate) fn answer_text_map<'de, D, M>(deserializer: D) -> Result<M, D::Error>
where
    D: Deserializer<'de>,
    M: Default + Extend<(String, String)>,
{
    struct TextMap<M>(PhantomData<M>);
    impl<'de, M: Default + Extend<(String, String)>> Visitor<'de> for TextMap<M> {
        type Value = M;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object of strings")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<M, A::Error> {
            let mut out = M::default();
            while let Some((key, value)) = map.next_entry::<String, TextOrRaw>()? {
                let text = match value {
                    TextOrRaw::Text(text) => text,
                    TextOrRaw::Raw(Value::Null) => String::new(),
                    TextOrRaw::Raw(raw) => raw.to_string(),
                };
                out.extend([(key, text)]);
            }
            Ok(out)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<M, E> {
            if v.is_empty() {
                Ok(M::default())
            } else {
                Err(E::custom("expected an object of strings, found a string"))
            }
        }
        fn visit_unit<E: de::Error>(self) -> Result<M, E> {
            Ok(M::default())
        }
        fn visit_none<E: de::Error>(self) -> Result<M, E> {
            Ok(M::default())
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<M, D::Error> {
            d.deserialize_any(self)
        }
    }
    deserializer.deserialize_any(TextMap(PhantomData))
}

/// A credential the answer is for (an auth block's `client_token`, a wrapping token): a string
/// (`null` is empty: Vault's MFA login answers `""`), anything else an error that never shows it.
pub(crate) fn answer_credential<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<secrecy::SecretString, D::Error> {
    let text = match got::<D, Credential>(deserializer)? {
        Got::Value(Credential(text)) => text,
        Got::Null => String::new(),
        Got::Wrong(raw) => {
            return Err(de::Error::custom(format_args!(
                "expected a token string, found {}",
                json_kind(&raw)
            )))
        }
    };
    Ok(secrecy::SecretString::from(text))
}

/// A string and nothing else (a number is not a token).
struct Credential(String);

impl AnswerScalar for Credential {
    const EXPECTING: &'static str = "a token string";
    fn from_str(v: &str) -> Option<Self> {
        Some(Credential(v.to_string()))
    }
    fn from_string(v: String) -> Result<Self, String> {
        Ok(Credential(v))
    }
}

/// Lines of text (the envelope's `warnings`): an array of strings, one string as one line, `""`
/// and `null` as none.
#[derive(Default)]
pub(crate) struct Lines(pub(crate) Vec<String>);

impl AnswerScalar for Lines {
    const EXPECTING: &'static str = "an array of strings";
    fn from_str(v: &str) -> Option<Self> {
        Some(Lines(if v.is_empty() {
            Vec::new()
        } else {
            vec![v.to_string()]
        }))
    }
    fn from_seq<'de, A: SeqAccess<'de>>(seq: A) -> Result<Got<Self>, A::Error> {
        Ok(match Vec::<String>::from_seq(seq)? {
            Got::Value(lines) => Got::Value(Lines(lines)),
            Got::Null => Got::Null,
            Got::Wrong(raw) => Got::Wrong(raw),
        })
    }
}

/// A field of the envelope read leniently: the value, or `Got::Null`, or the JSON of a shape the
/// type does not take (the envelope keeps it in `other`).
pub(crate) struct Lenient<T>(pub(crate) Got<T>);

impl<'de, T: AnswerScalar> Deserialize<'de> for Lenient<T> {
    #[inline(always)]
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        got(deserializer).map(Lenient)
    }
}

/// A field of the envelope read strictly: Vault's spellings, `null` as the default, any other
/// shape an error raised while the value is read (so the decode error names the field).
pub(crate) struct Strict<T>(pub(crate) T);

impl<'de, T: AnswerScalar + Default> Deserialize<'de> for Strict<T> {
    #[inline(always)]
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        required(got(deserializer)?, T::EXPECTING).map(Strict)
    }
}

/// The envelope's `data`, `auth` and `wrap_info`, read into their place: `null` and `""` are
/// `None`; an object decodes as `T` (a generated answer keeps its wrong-shaped optional fields in
/// its own `extra`); any other shape is an error (the caller asked for this payload).
///
/// A seed that writes the payload where it goes, not a value returned: the answer's largest part
/// (a KV read's `data` is 184 bytes) is then not copied out through each level of serde's calls
/// on its way to the envelope (issue #24).
pub(crate) struct PayloadInto<'a, T>(pub(crate) &'a mut Option<T>);

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for PayloadInto<'_, T> {
    type Value = ();
    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<T> PayloadInto<'_, T> {
    /// A scalar, as [`ValueVisitor`] reads it for a container type, put in place.
    fn settle<E: de::Error>(self, got: Result<Got<T>, E>) -> Result<(), E> {
        *self.0 = match got? {
            Got::Value(value) => Some(value),
            Got::Null => None,
            Got::Wrong(raw) => {
                return Err(E::custom(format_args!(
                    "expected an object, found {}",
                    json_kind(&raw)
                )))
            }
        };
        Ok(())
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for PayloadInto<'_, T> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }
    #[inline]
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        *self.0 = Some(T::deserialize(de::value::MapAccessDeserializer::new(map))?);
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        *self.0 = None;
        Ok(())
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        let got = ValueVisitor::<T, true>(PhantomData).visit_seq(seq);
        self.settle(got)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.settle(ValueVisitor::<T, true>(PhantomData).visit_bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.settle(ValueVisitor::<T, true>(PhantomData).visit_i64(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.settle(ValueVisitor::<T, true>(PhantomData).visit_u64(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.settle(ValueVisitor::<T, true>(PhantomData).visit_f64(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.settle(ValueVisitor::<T, true>(PhantomData).visit_str(v))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<(), E> {
        self.settle(ValueVisitor::<T, true>(PhantomData).visit_string(v))
    }
}

#[inline]
fn required<T: Default, E: de::Error>(got: Got<T>, expecting: &'static str) -> Result<T, E> {
    match got {
        Got::Value(value) => Ok(value),
        Got::Null => Ok(T::default()),
        // The value is not named: it may be a secret.
        Got::Wrong(raw) => Err(E::custom(format_args!(
            "expected {expecting}, found {}",
            json_kind(&raw)
        ))),
    }
}

/// What a JSON value is, without the value.
fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(s) if s.is_empty() => "an empty string",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Body {
        #[serde(default, deserialize_with = "super::comma_list")]
        list: Vec<String>,
        #[serde(default, deserialize_with = "super::opt_comma_list")]
        opt_list: Option<Vec<String>>,
        #[serde(default, deserialize_with = "super::opt_int")]
        num: Option<i64>,
        #[serde(default, deserialize_with = "super::opt_int")]
        small: Option<u8>,
        #[serde(default, deserialize_with = "super::opt_bool")]
        flag: Option<bool>,
    }

    fn body(value: serde_json::Value) -> Result<Body, serde_json::Error> {
        serde_json::from_value(value)
    }

    #[test]
    fn comma_lists_take_both_spellings() {
        let b = body(json!({"list": "a, b,,c ", "opt_list": ["x", "y,z", 3]})).unwrap();
        assert_eq!(b.list, ["a", "b", "c"]);
        assert_eq!(b.opt_list.unwrap(), ["x", "y,z", "3"]);
        let b = body(json!({"list": "", "opt_list": null})).unwrap();
        assert!(b.list.is_empty());
        assert!(b.opt_list.is_none());
        assert!(body(json!({"list": {"a": 1}})).is_err());
    }

    #[test]
    fn integers_from_numbers_and_strings_without_losing_digits() {
        assert_eq!(body(json!({"num": "42"})).unwrap().num, Some(42));
        assert_eq!(body(json!({"num": " -7 "})).unwrap().num, Some(-7));
        assert_eq!(
            body(json!({"num": "9007199254740993"})).unwrap().num,
            Some(9_007_199_254_740_993),
            "parsed as an integer, not through f64"
        );
        assert_eq!(body(json!({"num": i64::MAX})).unwrap().num, Some(i64::MAX));
        assert_eq!(body(json!({"num": 3.0})).unwrap().num, Some(3));
        assert!(body(json!({"num": 3.5})).is_err());
        assert!(body(json!({"num": "3h"})).is_err());
        assert!(
            body(json!({"small": 300})).is_err(),
            "out of range, not wrapped"
        );
        assert!(body(json!({"small": "300"})).is_err());
        assert_eq!(body(json!({"num": null})).unwrap().num, None);
    }

    #[test]
    fn booleans_from_go_spellings() {
        for (given, want) in [
            (json!(true), true),
            (json!("true"), true),
            (json!("T"), true),
            (json!("1"), true),
            (json!(1), true),
            (json!("false"), false),
            (json!("f"), false),
            (json!(0), false),
        ] {
            assert_eq!(body(json!({"flag": given})).unwrap().flag, Some(want));
        }
        assert!(body(json!({"flag": "yes"})).is_err());
        assert!(body(json!({"flag": 2})).is_err());
    }

    /// An answer struct as `hashivault-codegen/src/serde_impls.rs` writes it.
    #[derive(Debug, Default)]
    struct Answer {
        num: Option<i64>,
        ttl: Option<u64>,
        flag: Option<bool>,
        list: Option<Vec<String>>,
        nested: Option<Box<Answer>>,
        version: u64,
        type_: Option<String>,
        items: Vec<Answer>,
        extra: crate::SecretMap,
    }

    impl<'de> Deserialize<'de> for Answer {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            super::shape::deserialize(d)
        }
    }

    impl super::shape::Shape for Answer {
        const EXPECTING: &'static str = "struct Answer";
        const FIELDS: &'static [&'static str] = &[
            "num", "ttl", "flag", "list", "nested", "version", "type", "items",
        ];
        fn read<'de, A: serde::de::MapAccess<'de>>(
            mut r: super::shape::Reader<'de, A>,
        ) -> Result<Self, A::Error> {
            let mut f0 = Default::default();
            let mut f1 = Default::default();
            let mut f2 = Default::default();
            let mut f3 = Default::default();
            let mut f4 = Default::default();
            let mut f5 = Default::default();
            let mut f6 = Default::default();
            let mut f7 = Default::default();
            while let Some(i) = r.next() {
                match i {
                    0 => f0 = r.opt(0),
                    1 => f1 = r.opt_secs(1),
                    2 => f2 = r.opt(2),
                    3 => f3 = r.opt(3),
                    4 => f4 = r.opt_any(4),
                    5 => f5 = r.required(),
                    6 => f6 = r.opt(6),
                    _ => f7 = r.default_any(7),
                }
            }
            let extra = r.end()?;
            Ok(Self {
                num: f0,
                ttl: f1,
                flag: f2,
                list: f3,
                nested: f4,
                version: f5,
                type_: f6,
                items: f7,
                extra,
            })
        }
    }

    impl serde::Serialize for Answer {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut w = super::shape::Writer::new(s)?;
            w.some("num", &self.num);
            w.some("ttl", &self.ttl);
            w.some("flag", &self.flag);
            w.some("list", &self.list);
            w.some("nested", &self.nested);
            w.field("version", &self.version);
            w.some("type", &self.type_);
            w.nonempty("items", &self.items);
            w.end(&self.extra)
        }
    }

    /// A request body with a field it cannot do without (no `default`), as generated.
    #[derive(Debug)]
    struct Named {
        name: String,
        policies: Vec<String>,
        extra: crate::SecretMap,
    }

    impl<'de> Deserialize<'de> for Named {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            super::shape::deserialize(d)
        }
    }

    impl super::shape::Shape for Named {
        const EXPECTING: &'static str = "struct Named";
        const FIELDS: &'static [&'static str] = &["name", "policies"];
        fn read<'de, A: serde::de::MapAccess<'de>>(
            mut r: super::shape::Reader<'de, A>,
        ) -> Result<Self, A::Error> {
            let mut f0 = None;
            let mut f1 = Default::default();
            while let Some(i) = r.next() {
                match i {
                    0 => f0 = r.value_some(),
                    _ => f1 = r.comma_list(),
                }
            }
            let extra = r.end()?;
            Ok(Self {
                name: r.need(f0, 0)?,
                policies: f1,
                extra,
            })
        }
    }

    fn answer(value: serde_json::Value) -> Result<Answer, serde_json::Error> {
        serde_json::from_value(value)
    }

    #[test]
    fn answer_fields_take_vaults_spellings() {
        let a = answer(
            json!({"num": "42", "ttl": "1h30m", "flag": "true", "list": "a, b",
            "nested": {"ttl": 90, "version": "3"}, "version": 7.0}),
        )
        .unwrap();
        assert_eq!((a.num, a.ttl, a.flag), (Some(42), Some(5400), Some(true)));
        assert_eq!(a.list.unwrap(), ["a", "b"]);
        let nested = a.nested.unwrap();
        assert_eq!((nested.ttl, nested.version), (Some(90), 3));
        assert_eq!(a.version, 7);
        assert!(a.extra.is_empty());
        let a = answer(json!({"list": "", "nested": "", "ttl": "30m", "num": null})).unwrap();
        assert_eq!(a.list, Some(vec![]));
        assert!(a.nested.is_none() && a.num.is_none());
        assert_eq!((a.ttl, a.version), (Some(1800), 0));
    }

    #[test]
    fn lists_of_strings_decode_straight_and_are_kept_whole_otherwise() {
        let a = answer(json!({"list": ["a", 2, true, 1.5, "", "b"]})).unwrap();
        assert_eq!(a.list.unwrap(), ["a", "2", "true", "1.5", "", "b"]);
        assert!(a.extra.is_empty());
        // Not a list of strings once an item is null, an array or an object: kept as it came,
        // numbers and booleans before and after that item included.
        for raw in [
            json!(["a", 2, true, 1.5, "b", null, "c", 3]),
            json!([7, "x", false, ["y"]]),
            json!([{"y": 2}, 1, "z"]),
        ] {
            let a = answer(json!({ "list": raw.clone() })).unwrap();
            assert!(a.list.is_none());
            assert_eq!(a.extra["list"], raw);
        }
    }

    #[test]
    fn wrong_shapes_are_kept_at_their_depth_and_required_ones_fail() {
        let a = answer(
            json!({"num": {"x": 1}, "ttl": "soon", "flag": [true], "list": [1, {"y": 2}],
            "nested": {"num": "many", "version": 1}, "unnamed": 5,
            "items": [{"flag": "maybe"}, {"ttl": "1m"}]}),
        )
        .unwrap();
        assert_eq!(
            (a.num, a.ttl, a.flag, a.list.as_ref()),
            (None, None, None, None)
        );
        assert_eq!(a.extra["num"], json!({"x": 1}));
        assert_eq!(a.extra["ttl"], "soon");
        assert_eq!(a.extra["flag"], json!([true]));
        assert_eq!(a.extra["list"], json!([1, {"y": 2}]));
        assert_eq!(a.extra["unnamed"], 5);
        assert_eq!(a.extra.len(), 5, "{:?}", a.extra);
        let nested = a.nested.unwrap();
        assert_eq!(
            nested.extra["num"], "many",
            "kept by the nested struct, not its parent"
        );
        assert!(nested.num.is_none() && nested.version == 1);
        assert_eq!(
            a.items[0].extra["flag"], "maybe",
            "and by each item of a list"
        );
        assert_eq!((a.items[0].flag, a.items[1].ttl), (None, Some(60)));
        assert!(a.items[1].extra.is_empty());

        let err = answer(json!({"version": "hunter2"}))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("expected an integer") && !err.contains("hunter2"),
            "{err}"
        );
        assert!(answer(json!({"version": {"a": 1}})).is_err());
        let err = answer(json!({"nested": {"version": []}}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("expected an integer"), "{err}");
    }

    #[test]
    fn kept_values_need_no_enclosing_answer() {
        // Decoded on its own (not inside an `Envelope`), from text or from a `Value`.
        let a: Answer = serde_json::from_str(r#"{"num": {"x": 1}, "flag": true}"#).unwrap();
        assert!(a.num.is_none());
        assert_eq!(a.extra["num"], json!({"x": 1}));
        assert_eq!(a.flag, Some(true));
        // A decode that fails leaves nothing behind for the next one.
        assert!(answer(json!({"num": {"leak": 1}, "version": []})).is_err());
        let a = answer(json!({"flag": true})).unwrap();
        assert!(a.extra.is_empty(), "{:?}", a.extra);
    }

    /// Keys in any order (the lookup starts after the last field read: `shape::field_index`):
    /// reversed, interleaved with unknown keys, and a field seen again after others.
    #[test]
    fn keys_in_any_order_read_the_same() {
        let sorted: Answer =
            serde_json::from_str(r#"{"flag": true, "num": 1, "type": "t", "version": 2}"#).unwrap();
        let reversed: Answer = serde_json::from_str(
            r#"{"version": 2, "x": 0, "type": "t", "num": 1, "y": [], "flag": true}"#,
        )
        .unwrap();
        for a in [&sorted, &reversed] {
            assert_eq!(
                (a.num, a.flag, a.version, a.type_.as_deref()),
                (Some(1), Some(true), 2, Some("t"))
            );
        }
        assert_eq!(reversed.extra.len(), 2, "{:?}", reversed.extra);
        let err = serde_json::from_str::<Answer>(r#"{"version": 1, "num": 1, "version": 2}"#)
            .unwrap_err();
        assert!(
            err.to_string().starts_with("duplicate field `version`"),
            "{err}"
        );
    }

    #[test]
    fn unknown_keys_go_to_extra_as_they_came() {
        let a: Answer =
            serde_json::from_str(r#"{"version": 2, "b": [1, {"c": null}], "a": "x", "n": 1.5}"#)
                .unwrap();
        assert_eq!(a.version, 2);
        assert_eq!(
            serde_json::Value::Object(a.extra.into_inner()),
            json!({"a": "x", "b": [1, {"c": null}], "n": 1.5})
        );
    }

    #[test]
    fn missing_duplicate_and_null_are_serdes_errors() {
        let err = serde_json::from_value::<Named>(json!({"policies": "a,b"})).unwrap_err();
        assert_eq!(err.to_string(), "missing field `name`");
        let named: Named =
            serde_json::from_value(json!({"name": "n", "policies": "a, b"})).unwrap();
        assert_eq!(named.name, "n");
        assert_eq!(named.policies, ["a", "b"]);
        assert!(named.extra.is_empty());
        let named: Named = serde_json::from_value(json!({"name": "n", "x": 1})).unwrap();
        assert!(
            named.policies.is_empty(),
            "a missing defaulted field is its default"
        );
        assert_eq!(named.extra["x"], 1);

        let err = serde_json::from_str::<Answer>(r#"{"num": 1, "num": 2}"#).unwrap_err();
        assert_eq!(err.to_string(), "duplicate field `num` at line 1 column 16");
        let err = serde_json::from_str::<Named>(r#"{"name": "a", "name": "a"}"#).unwrap_err();
        assert!(
            err.to_string().starts_with("duplicate field `name`"),
            "{err}"
        );
        // An unknown key twice: the last one wins, as with serde's flattened map.
        let a: Answer = serde_json::from_str(r#"{"u": 1, "u": 2}"#).unwrap();
        assert_eq!(a.extra["u"], 2);

        let err = serde_json::from_str::<Answer>("null").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid type: null, expected struct Answer at line 1 column 4"
        );
        let err = serde_json::from_value::<Answer>(json!([1])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid type: sequence, expected struct Answer"
        );
        assert!(serde_json::from_str::<Option<Answer>>("null")
            .unwrap()
            .is_none());
    }

    #[test]
    fn serializing_skips_nones_renames_and_writes_extra_last() {
        let mut a =
            answer(json!({"type": "kv", "ttl": "1h", "x": {"y": 1}, "num": {"bad": 1}})).unwrap();
        a.items.push(Answer::default());
        let text = serde_json::to_string(&a).unwrap();
        assert_eq!(
            text,
            r#"{"ttl":3600,"version":0,"type":"kv","items":[{"version":0}],"num":{"bad":1},"x":{"y":1}}"#
        );
        // And back: the kept value decodes as it did.
        let b: Answer = serde_json::from_str(&text).unwrap();
        assert_eq!(b.extra["num"], json!({"bad": 1}));
        assert_eq!(
            (b.ttl, b.type_.as_deref(), b.items.len()),
            (Some(3600), Some("kv"), 1)
        );
    }

    #[test]
    fn decode_errors_name_the_field_path() {
        let text = r#"{"nested": {"items": [{"version": "hunter2"}]}}"#;
        let mut de = serde_json::Deserializer::from_str(text);
        let err = serde_path_to_error::deserialize::<_, Answer>(&mut de).unwrap_err();
        assert_eq!(err.path().to_string(), "nested.items[0].version");
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn generated_types_round_trip() {
        use crate::api::types::{KvV2ReadMetadataResponse, KvV2VersionMetadata};
        let meta: KvV2VersionMetadata = serde_json::from_value(json!({
            "created_time": "2026-01-01T00:00:00Z", "custom_metadata": null,
            "deletion_time": "", "destroyed": "false", "version": "3", "new": true
        }))
        .unwrap();
        assert_eq!((meta.version, meta.destroyed), (3, false));
        assert!(meta.deletion_time.is_none() && meta.custom_metadata.is_empty());
        assert_eq!(meta.extra["new"], true);
        assert_eq!(
            serde_json::to_value(&meta).unwrap(),
            json!({"created_time": "2026-01-01T00:00:00Z", "custom_metadata": {},
                   "deletion_time": null, "destroyed": false, "version": 3, "new": true})
        );
        // A nested answer keeps its own wrong-shaped field.
        let read: KvV2ReadMetadataResponse = serde_json::from_value(json!({
            "current_version": 1, "max_versions": 0, "oldest_version": 1,
            "versions": {"1": {"created_time": "t", "destroyed": false, "deletion_time": {"at": 5}}},
        }))
        .unwrap();
        let version = &read.versions["1"];
        assert!(version.deletion_time.is_none());
        assert_eq!(version.extra["deletion_time"], json!({"at": 5}));
        assert!(read.extra.is_empty());
        let err = serde_json::from_value::<KvV2VersionMetadata>(json!({"version": {}}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("expected an integer"), "{err}");
    }
}
