//! Rewrites of the fields of the structs typify generates (in `types` and `types::builder`).
//!
//! The normalizer decides what a field is (`codegen/normalize.rs`); some Vault behaviours can
//! only be expressed on the Rust side, on the parsed output (never an edit of generated text):
//!
//! - [`unnamed_fields_as_secret_maps`]: the flattened `extra` map typify adds for
//!   `additionalProperties: {}` (see `normalize::keep_unnamed_fields`) becomes a
//!   `hashivault::SecretMap` (values hidden in `Debug`: a database plugin's `password` lands
//!   there), and its builder starts empty instead of "no value supplied for extra".
//! - [`lenient_request_fields`]: Vault's framework decodes request fields weakly
//!   (comma-string-slices from `"a,b"`, integers from `"10"`, booleans from `"true"`); the fields
//!   of every generated request body decode the same spellings through `hashivault::lenient`.
//!   Serializing is unchanged, so what the client sends is canonical.

use quote::ToTokens;
use syn::visit_mut::VisitMut;

/// The name typify gives the flattened map of a struct's unnamed fields.
pub const EXTRA_FIELD: &str = "extra";

/// What [`rewrite_fields`] changed, for tests and the codegen report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FieldRewrites {
    /// Structs (and their builders) whose `extra` map became a `hashivault::SecretMap`.
    pub extra_maps: usize,
    /// Builders whose `extra` starts as an empty map.
    pub extra_defaults: usize,
    /// Request fields decoded as comma-string-slices.
    pub comma_lists: usize,
    /// Request fields decoded as integers from numbers or numeric strings.
    pub ints: usize,
    /// Request fields decoded as booleans from booleans or their strings.
    pub bools: usize,
}

/// Applies both rewrites to the generated file.
pub fn rewrite_fields(file: &mut syn::File) -> FieldRewrites {
    let mut stats = FieldRewrites::default();
    unnamed_fields_as_secret_maps(file, &mut stats);
    lenient_request_fields(file, &mut stats);
    stats
}

/// Makes every `extra` field (typify's flattened map of unnamed fields) a `hashivault::SecretMap`
/// in the struct, its builder's field and its builder's setter bound, and starts the builder's
/// `extra` as `Ok(Default::default())`, so a builder that never sets it still builds.
pub fn unnamed_fields_as_secret_maps(file: &mut syn::File, stats: &mut FieldRewrites) {
    struct Visitor<'a>(&'a mut FieldRewrites);
    impl VisitMut for Visitor<'_> {
        fn visit_field_mut(&mut self, field: &mut syn::Field) {
            if field.ident.as_ref().is_some_and(|i| i == EXTRA_FIELD) {
                let mut swap = JsonMapToSecretMap(0);
                swap.visit_type_mut(&mut field.ty);
                if swap.0 > 0 && has_serde_flag(&field.attrs, "flatten") {
                    self.0.extra_maps += 1;
                }
            }
        }
        fn visit_impl_item_fn_mut(&mut self, method: &mut syn::ImplItemFn) {
            if method.sig.ident == EXTRA_FIELD {
                JsonMapToSecretMap(0).visit_signature_mut(&mut method.sig);
            }
            syn::visit_mut::visit_impl_item_fn_mut(self, method);
        }
        fn visit_field_value_mut(&mut self, fv: &mut syn::FieldValue) {
            let is_extra = matches!(&fv.member, syn::Member::Named(i) if i == EXTRA_FIELD);
            if is_extra && is_err_call(&fv.expr) {
                fv.expr = syn::parse_quote!(Ok(Default::default()));
                self.0.extra_defaults += 1;
            }
            syn::visit_mut::visit_field_value_mut(self, fv);
        }
    }
    Visitor(stats).visit_file_mut(file);
}

/// Replaces `::serde_json::Map<String, Value>` with `hashivault::SecretMap` in a type.
struct JsonMapToSecretMap(usize);

impl VisitMut for JsonMapToSecretMap {
    fn visit_type_mut(&mut self, ty: &mut syn::Type) {
        if is_json_map(ty) {
            *ty = syn::parse_quote!(hashivault::SecretMap);
            self.0 += 1;
            return;
        }
        syn::visit_mut::visit_type_mut(self, ty);
    }
}

fn is_json_map(ty: &syn::Type) -> bool {
    let syn::Type::Path(p) = ty else { return false };
    let segments: Vec<String> = p
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    segments == ["serde_json", "Map"]
}

fn is_err_call(expr: &syn::Expr) -> bool {
    let syn::Expr::Call(call) = expr else {
        return false;
    };
    matches!(&*call.func, syn::Expr::Path(p) if p.path.is_ident("Err"))
}

/// Whether a `#[serde(...)]` attribute of `attrs` holds `flag` (`flatten`, `deserialize_with`).
fn has_serde_flag(attrs: &[syn::Attribute], flag: &str) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("serde")
            && attr
                .meta
                .require_list()
                .is_ok_and(|list| list.tokens.to_string().contains(flag))
    })
}

/// A `hashivault::lenient` function and the counter of [`FieldRewrites`] it adds to.
type Lenient = (&'static str, fn(&mut FieldRewrites));

/// The lenient decoding a field's Rust type gets, if any.
fn lenient_function(field: &syn::Field) -> Option<Lenient> {
    let name = field.ident.as_ref()?.to_string();
    let (optional, inner) = match option_inner(&field.ty) {
        Some(inner) => (true, inner),
        None => (false, &field.ty),
    };
    let pick = |plain: &'static str, opt: &'static str| if optional { opt } else { plain };
    let text = inner.to_token_stream().to_string().replace(' ', "");
    if text == "::std::vec::Vec<::std::string::String>" || text == "Vec<String>" {
        // Vault's `TypeStringSlice` (SQL statements, which hold commas) is not split.
        if name.ends_with("statements") {
            return None;
        }
        return Some((
            pick(
                "hashivault::lenient::comma_list",
                "hashivault::lenient::opt_comma_list",
            ),
            |s| s.comma_lists += 1,
        ));
    }
    let last = last_ident(inner)?;
    match last.as_str() {
        "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" => Some((
            pick("hashivault::lenient::int", "hashivault::lenient::opt_int"),
            |s| s.ints += 1,
        )),
        "bool" => Some((
            pick("hashivault::lenient::bool", "hashivault::lenient::opt_bool"),
            |s| s.bools += 1,
        )),
        _ => None,
    }
}

fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(inner) => Some(inner),
        _ => None,
    }
}

fn last_ident(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    last.arguments.is_empty().then(|| last.ident.to_string())
}

/// Whether a generated struct is a request body: Vault's component schemas for bodies are named
/// `…Request`, progenitor names inline bodies `…Body`.
fn is_request_body(name: &str) -> bool {
    name.ends_with("Request") || name.ends_with("Body")
}

/// Gives every comma-string-slice, integer and boolean field of a generated request body (in
/// `types`, not its builder) the `hashivault::lenient` decoding of its type, unless it already
/// has a `deserialize_with`.
pub fn lenient_request_fields(file: &mut syn::File, stats: &mut FieldRewrites) {
    for item in &mut file.items {
        let syn::Item::Mod(module) = item else {
            continue;
        };
        if module.ident != "types" {
            continue;
        }
        let Some((_, items)) = &mut module.content else {
            continue;
        };
        for item in items {
            let syn::Item::Struct(st) = item else {
                continue;
            };
            if !is_request_body(&st.ident.to_string()) {
                continue;
            }
            let syn::Fields::Named(fields) = &mut st.fields else {
                continue;
            };
            for field in &mut fields.named {
                if has_serde_flag(&field.attrs, "deserialize_with")
                    || has_serde_flag(&field.attrs, "flatten")
                {
                    continue;
                }
                let Some((function, count)) = lenient_function(field) else {
                    continue;
                };
                // serde gives a missing `Option` field `None` on its own only without
                // `deserialize_with`; with it, `default` has to say so.
                let needs_default =
                    option_inner(&field.ty).is_some() && !has_serde_flag(&field.attrs, "default");
                field.attrs.push(if needs_default {
                    syn::parse_quote!(#[serde(default, deserialize_with = #function)])
                } else {
                    syn::parse_quote!(#[serde(deserialize_with = #function)])
                });
                count(stats);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generated() -> syn::File {
        syn::parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                pub struct UserpassWriteUserRequest {
                    #[serde(default, skip_serializing_if = "::std::vec::Vec::is_empty")]
                    pub token_policies: ::std::vec::Vec<::std::string::String>,
                    #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                    pub token_num_uses: ::std::option::Option<i64>,
                    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                    pub token_no_default_policy: ::std::option::Option<bool>,
                    #[serde(default, skip_serializing_if = "::std::vec::Vec::is_empty")]
                    pub creation_statements: ::std::vec::Vec<::std::string::String>,
                    #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                    pub password: ::std::option::Option<hashivault::Sensitive>,
                    #[serde(flatten)]
                    pub extra: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
                }
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                pub struct UserpassReadUserResponse {
                    #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                    pub token_num_uses: ::std::option::Option<i64>,
                    #[serde(flatten)]
                    pub extra: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
                }
                pub mod builder {
                    pub struct UserpassReadUserResponse {
                        token_num_uses: ::std::result::Result<::std::option::Option<i64>, ::std::string::String>,
                        extra: ::std::result::Result<::serde_json::Map<::std::string::String, ::serde_json::Value>, ::std::string::String>,
                    }
                    impl ::std::default::Default for UserpassReadUserResponse {
                        fn default() -> Self {
                            Self {
                                token_num_uses: Ok(Default::default()),
                                extra: Err("no value supplied for extra".to_string()),
                            }
                        }
                    }
                    impl UserpassReadUserResponse {
                        pub fn extra<T>(mut self, value: T) -> Self
                        where
                            T: ::std::convert::TryInto<::serde_json::Map<::std::string::String, ::serde_json::Value>>,
                            T::Error: ::std::fmt::Display,
                        {
                            self.extra = value.try_into().map_err(|e| format!("{e}"));
                            self
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn extra_maps_become_secret_maps_that_builders_start_empty() {
        let mut file = generated();
        let mut stats = FieldRewrites::default();
        unnamed_fields_as_secret_maps(&mut file, &mut stats);
        let code = file.to_token_stream().to_string();
        assert!(!code.contains("serde_json :: Map"), "{code}");
        assert_eq!(code.matches("hashivault :: SecretMap").count(), 4);
        assert!(code.contains("extra : Ok (Default :: default ())"));
        assert!(!code.contains("no value supplied for extra"));
        assert_eq!(stats.extra_maps, 2);
        assert_eq!(stats.extra_defaults, 1);
    }

    #[test]
    fn request_fields_decode_leniently_responses_do_not() {
        let mut file = generated();
        let mut stats = FieldRewrites::default();
        lenient_request_fields(&mut file, &mut stats);
        let code = file.to_token_stream().to_string();
        for function in [
            "hashivault::lenient::comma_list",
            "hashivault::lenient::opt_int",
            "hashivault::lenient::opt_bool",
        ] {
            assert_eq!(code.matches(function).count(), 1, "{function}: {code}");
        }
        assert!(
            code.contains(
                "# [serde (default , deserialize_with = \"hashivault::lenient::opt_bool\")]"
            ),
            "a missing optional field without `default` stays None: {code}"
        );
        assert_eq!(
            (stats.comma_lists, stats.ints, stats.bools),
            (1, 1, 1),
            "statements, secrets, extra and the response are left alone"
        );
    }
}
