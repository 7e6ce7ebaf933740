//! What the setters of generated request bodies accept.
//!
//! A body builder's setter (`body_map(|b| b.type_("transit"))`) takes any [`FieldValue`] of its
//! field's type: for an optional text field a `&str`, a `String` or an `Option` of either; for a
//! duration `"1h"`, seconds or a [`std::time::Duration`]; for a list of strings an array or a
//! `Vec` of `&str` or `String`; for a credential (a [`Sensitive`]) a `&str` or `String`. So the
//! `Some(..)` and `.to_string()` a field's Rust type would otherwise ask for are not needed:
//!
//! ```no_run
//! # async fn run(client: hashivault::Client) -> Result<(), hashivault::Error> {
//! client
//!     .api()
//!     .pki_write_role()
//!     .pki_mount_path("pki")
//!     .name("web")
//!     .body_map(|b| b.allowed_domains(["example.com"]).allow_subdomains(true).max_ttl("72h"))
//!     .send()
//!     .await?;
//! # Ok(())
//! # }
//! ```
//!
//! `hashivault-codegen/src/setters.rs` puts this bound on the setters whose field has one of these
//! types; other setters keep typify's `TryInto` bound.

use std::time::Duration;

use crate::envelope::{Sensitive, VaultDuration};

/// A value a generated setter accepts for a field of type `T`.
pub trait FieldValue<T> {
    /// The field's value.
    fn into_field(self) -> T;
}

macro_rules! field_values {
    ($target:ty: $($source:ty => |$v:ident| $convert:expr),+ $(,)?) => {
        $(impl FieldValue<$target> for $source {
            fn into_field(self) -> $target {
                let $v = self;
                $convert
            }
        })+
    };
}

field_values!(Option<String>:
    &str => |v| Some(v.to_string()),
    &String => |v| Some(v.clone()),
    String => |v| Some(v),
    Option<String> => |v| v,
    Option<&str> => |v| v.map(str::to_string),
);

field_values!(Option<VaultDuration>:
    &str => |v| Some(VaultDuration::from(v)),
    String => |v| Some(VaultDuration::from(v)),
    u64 => |v| Some(VaultDuration::from(v)),
    Duration => |v| Some(VaultDuration::from(v)),
    VaultDuration => |v| Some(v),
    Option<VaultDuration> => |v| v,
);

field_values!(Option<Sensitive>:
    &str => |v| Some(Sensitive::from(v)),
    &String => |v| Some(Sensitive::from(v)),
    String => |v| Some(Sensitive::from(v)),
    Sensitive => |v| Some(v),
    Option<Sensitive> => |v| v,
);

field_values!(Sensitive:
    &str => |v| Sensitive::from(v),
    &String => |v| Sensitive::from(v),
    String => |v| Sensitive::from(v),
    Sensitive => |v| v,
);

field_values!(Vec<String>:
    Vec<String> => |v| v,
    Vec<&str> => |v| v.into_iter().map(str::to_string).collect(),
    &[&str] => |v| v.iter().map(|s| s.to_string()).collect(),
    &[String] => |v| v.to_vec(),
);

impl<const N: usize> FieldValue<Vec<String>> for [&str; N] {
    fn into_field(self) -> Vec<String> {
        self.iter().map(|s| s.to_string()).collect()
    }
}

impl<const N: usize> FieldValue<Vec<String>> for [String; N] {
    fn into_field(self) -> Vec<String> {
        self.into_iter().collect()
    }
}

// What the generated operation builders and body builders call (`hashivault-codegen/src/shared.rs`):
// one shared function per check or conversion instead of a closure and its error formatting in
// every setter and every `send()` (issue #24: the library's build). The error texts are those
// the generated code wrote inline before.

/// An operation builder's setter: the value converted, or `message`.
#[allow(dead_code)] // unused when no API group is enabled
pub(crate) fn convert<V: TryInto<T>, T>(value: V, message: &'static str) -> Result<T, String> {
    value.try_into().map_err(|_| message.to_string())
}

/// An operation builder's setter of an optional parameter: the value converted and set, or
/// `message`.
#[allow(dead_code)] // unused when no API group is enabled
pub(crate) fn convert_some<V: TryInto<T>, T>(
    value: V,
    message: &'static str,
) -> Result<Option<T>, String> {
    value.try_into().map(Some).map_err(|_| message.to_string())
}

/// An operation builder's `body` setter: the body converted and turned into its builder, or
/// `message: <the conversion's error>`.
#[allow(dead_code)] // unused when no API group is enabled
pub(crate) fn convert_into<V, T, B>(value: V, message: &'static str) -> Result<B, String>
where
    V: TryInto<T>,
    V::Error: std::fmt::Display,
    B: From<T>,
{
    match value.try_into() {
        Ok(v) => Ok(B::from(v)),
        Err(e) => Err(format!("{message}: {e}")),
    }
}

/// A body builder's setter of field `name`: the value converted, or the conversion's error.
#[allow(dead_code)] // unused when no API group is enabled
pub(crate) fn converted<V, T>(value: V, name: &'static str) -> Result<T, String>
where
    V: TryInto<T>,
    V::Error: std::fmt::Display,
{
    value
        .try_into()
        .map_err(|e| format!("error converting supplied value for {name}: {e}"))
}

/// `send()`'s check of a parameter: its value, its setter's conversion error after the
/// operation's id, or `unset` (which names the operation) when it was never set (an empty
/// error).
#[allow(dead_code)] // unused when no API group is enabled
pub(crate) fn required<T>(
    value: Result<T, String>,
    unset: &'static str,
    operation: &str,
) -> Result<T, crate::Error> {
    value.map_err(|e| {
        crate::Error::InvalidInput(if e.is_empty() {
            unset.to_string()
        } else {
            format!("{operation}: {e}")
        })
    })
}

/// `send()`'s other input errors (an optional parameter's failed conversion, a refused path
/// parameter), after the operation's id.
#[allow(dead_code)] // unused when no API group is enabled
pub(crate) fn named<T>(value: Result<T, String>, operation: &str) -> Result<T, crate::Error> {
    value.map_err(|e| crate::Error::InvalidInput(format!("{operation}: {e}")))
}

/// `send()`'s body: its builder built into the body, or the first error of either, naming the
/// operation: the `body` setter's (`github_configure: conversion to `GithubConfigureRequest` for
/// body failed: no value supplied for organization`), or the builder's
/// (`github_configure: the body: no value supplied for organization`).
#[allow(dead_code)] // unused when no API group is enabled
pub(crate) fn built<T, B>(body: Result<B, String>, operation: &str) -> Result<T, crate::Error>
where
    B: TryInto<T>,
    B::Error: std::fmt::Display,
{
    match body {
        Ok(builder) => builder
            .try_into()
            .map_err(|e| crate::Error::InvalidInput(format!("{operation}: the body: {e}"))),
        Err(e) => Err(crate::Error::InvalidInput(format!("{operation}: {e}"))),
    }
}

/// `send()`'s request without a body: `METHOD url`, `Accept: application/json`.
#[allow(dead_code)] // unused when no API group is enabled
pub(crate) fn request(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: url::Url,
) -> Result<reqwest::Request, crate::Error> {
    accepting_json(client.request(method, url))
        .build()
        .map_err(crate::Error::unbuildable)
}

/// `send()`'s request with a JSON body.
#[allow(dead_code)] // unused when no API group is enabled
pub(crate) fn request_with_body<B: serde::Serialize>(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: url::Url,
    body: &B,
) -> Result<reqwest::Request, crate::Error> {
    accepting_json(client.request(method, url))
        .json(body)
        .build()
        .map_err(crate::Error::unbuildable)
}

#[allow(dead_code)] // unused when no API group is enabled
fn accepting_json(request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    request.header(
        reqwest::header::ACCEPT,
        reqwest::header::HeaderValue::from_static("application/json"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take<T, V: FieldValue<T>>(v: V) -> T {
        v.into_field()
    }

    #[test]
    fn the_spellings_a_caller_writes() {
        let text: Option<String> = take("transit");
        assert_eq!(text.as_deref(), Some("transit"));
        let none: Option<String> = take(None::<&str>);
        assert_eq!(none, None);
        let ttl: Option<VaultDuration> = take("1h");
        assert_eq!(ttl.unwrap().as_secs(), Some(3600));
        let ttl: Option<VaultDuration> = take(Duration::from_secs(90));
        assert_eq!(ttl.unwrap().as_secs(), Some(90));
        let list: Vec<String> = take(["a.example", "b.example"]);
        assert_eq!(list, ["a.example", "b.example"]);
        let list: Vec<String> = take(&["x"][..]);
        assert_eq!(list, ["x"]);
        let secret: Option<Sensitive> = take("s3cret");
        assert!(!format!("{secret:?}").contains("s3cret"));
    }
}
