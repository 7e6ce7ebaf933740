//! Lenient decoding for the fields of generated request bodies: every spelling Vault's framework
//! accepts for a field type, decoded into the field's canonical Rust type.
//!
//! Vault's request fields are decoded by its `framework` package with weak typing: a
//! comma-string-slice field (`policies`, `token_bound_cidrs`, `allowed_roles`, ...) takes `"a,b"`
//! or `["a","b"]`, an integer takes `10` or `"10"`, a boolean `true` or `"true"`. A body read
//! from a configuration file written for Vault (YAML, JSON, the CLI's `key=value`) uses any of
//! them. `build.rs` puts these functions on the fields of every generated request body
//! (`codegen/fields.rs`, `lenient_request_fields`); what the client sends is always the canonical form (an array, a number,
//! a boolean), because serializing is unchanged.
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

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;

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
}
