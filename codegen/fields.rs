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
//! - [`always_present_fields`]: the answers the handwritten helpers return (KV v2 version
//!   metadata, a secret's metadata, a token lookup, ...) have fields Vault's handlers always
//!   fill; they are plain values instead of `Option`s (a `null` or missing one is its type's
//!   default), and a KV v2 `deletion_time` of `""` (not scheduled) is `None`.
//! - [`answers_without_builders`]: typify writes a builder (`types::builder::X`, a setter per
//!   field and two conversions) for every struct, so that a request body can be built field by
//!   field (`body_map`). An answer is decoded, never built: the builders of the `…Response`
//!   types (and of the types nested in them) are a sixth of the generated code and of its
//!   compile time, and are dropped.

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
    /// Response fields made plain values (struct fields, builder fields and setters).
    pub always_present: usize,
    /// Answer types (`…Response`) whose builder was dropped.
    pub answer_builders_dropped: usize,
    /// `deletion_time` fields whose `""` decodes as `None`.
    pub empty_times: usize,
}

/// Applies both rewrites to the generated file.
pub fn rewrite_fields(file: &mut syn::File) -> FieldRewrites {
    let mut stats = FieldRewrites::default();
    unnamed_fields_as_secret_maps(file, &mut stats);
    lenient_request_fields(file, &mut stats);
    always_present_fields(file, &mut stats);
    answers_without_builders(file, &mut stats);
    stats
}

/// Whether a generated type is (part of) an answer: Vault's response schemas are named
/// `…Response` (the overlays' learned ones too), and typify names the types nested in them after
/// them (`MountsListSecretsEnginesResponseValue`). No request body refers to one.
fn is_answer(name: &str) -> bool {
    name.contains("Response")
}

/// The name of the type an item of `types` or `types::builder` is about: a struct's name, or an
/// impl's self type (`impl X`, `impl TryFrom<builder::X> for super::X`, `impl Default for X`).
fn item_type_name(item: &syn::Item) -> Option<String> {
    match item {
        syn::Item::Struct(st) => Some(st.ident.to_string()),
        syn::Item::Impl(imp) => impl_type_name(imp),
        _ => None,
    }
}

fn impl_type_name(imp: &syn::ItemImpl) -> Option<String> {
    match &*imp.self_ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// Drops the builders of answer types (see the module docs): every item of `types::builder`
/// about an answer type, and the `X::builder()` constructor in `types`.
pub fn answers_without_builders(file: &mut syn::File, stats: &mut FieldRewrites) {
    let Some(items) = types_items(file) else {
        return;
    };
    for item in items.iter_mut() {
        match item {
            syn::Item::Mod(builder) if builder.ident == "builder" => {
                let Some((_, inner)) = &mut builder.content else {
                    continue;
                };
                inner.retain(|item| {
                    let drop = item_type_name(item).is_some_and(|n| is_answer(&n));
                    if drop && matches!(item, syn::Item::Struct(_)) {
                        stats.answer_builders_dropped += 1;
                    }
                    !drop
                });
            }
            syn::Item::Impl(imp)
                if imp.trait_.is_none() && impl_type_name(imp).is_some_and(|n| is_answer(&n)) =>
            {
                imp.items.retain(
                    |member| !matches!(member, syn::ImplItem::Fn(f) if f.sig.ident == "builder"),
                );
            }
            _ => {}
        }
    }
    // An inherent impl left empty goes too.
    items.retain(|item| !matches!(item, syn::Item::Impl(imp) if imp.trait_.is_none() && imp.items.is_empty()));
}

/// The fields of the answers the handwritten helpers return that Vault's handlers always fill,
/// by generated struct: each becomes its plain type, decoded with
/// `hashivault::envelope::null_as_default` (Vault's Go handlers write `null` for an empty map
/// or list: `custom_metadata: null` on a KV v2 write, `policies: null` on a token without
/// policies). Measured against OpenBao 2.7.2 (`tests/fixtures/kv/`, `tests/fixtures/conformance/`):
/// the KV v2 `kvv2` plugin builds its version metadata, its metadata and its subkeys answer in
/// one place each, with every field; the token store's lookup answers every field below.
pub const ALWAYS_PRESENT: &[(&str, &[&str])] = &[
    (
        "KvV2VersionMetadata",
        &["version", "created_time", "destroyed", "custom_metadata"],
    ),
    ("KvV2VersionInfo", &["created_time", "destroyed"]),
    (
        "KvV2ReadMetadataResponse",
        &[
            "cas_required",
            "created_time",
            "updated_time",
            "current_version",
            "oldest_version",
            "max_versions",
            "custom_metadata",
            "versions",
            "delete_version_after",
        ],
    ),
    ("KvV2ReadSubkeysResponse", &["subkeys", "metadata"]),
    (
        "KvV2ReadConfigurationResponse",
        &["max_versions", "cas_required", "delete_version_after"],
    ),
    (
        "TokenLookUpSelfResponse",
        &[
            "accessor",
            "creation_time",
            "creation_ttl",
            "display_name",
            "entity_id",
            "explicit_max_ttl",
            "num_uses",
            "orphan",
            "path",
            "policies",
            "renewable",
            "ttl",
            "type_",
        ],
    ),
    // `sys/health` in every state (sealed and uninitialized nodes leave the cluster fields out)
    // and `sys/seal-status`, sealed or not (`tests/fixtures/conformance/`, `tests/fixtures/sys-health.json`).
    (
        "ReadHealthStatusResponse",
        &[
            "initialized",
            "sealed",
            "standby",
            "replication_performance_mode",
            "replication_dr_mode",
            "server_time_utc",
            "version",
        ],
    ),
    (
        "SealStatusResponse",
        &[
            "type_",
            "initialized",
            "sealed",
            "t",
            "n",
            "progress",
            "version",
        ],
    ),
];

/// Structs whose `deletion_time` is a time or `""`: KV v2 answers `"deletion_time": ""` for a
/// version that is not deleted and not scheduled for deletion, which decodes as `None`
/// (`hashivault::envelope::empty_as_none`).
pub const EMPTY_AS_NONE: &[(&str, &str)] = &[
    ("KvV2VersionMetadata", "deletion_time"),
    ("KvV2VersionInfo", "deletion_time"),
];

/// Applies [`ALWAYS_PRESENT`] and [`EMPTY_AS_NONE`] to `types` and `types::builder`: in the
/// struct, `Option<T>` becomes `T` with `#[serde(default, deserialize_with = null_as_default)]`
/// (a `rename` kept); in the builder, the field's `Result<Option<T>, _>` and the setter's bound
/// lose the `Option` too, so `TryFrom` and `From` between them still hold.
pub fn always_present_fields(file: &mut syn::File, stats: &mut FieldRewrites) {
    if let Some(items) = types_items(file) {
        let with_default: Vec<String> = items
            .iter()
            .filter_map(|item| match item {
                syn::Item::Impl(imp)
                    if imp.trait_.as_ref().is_some_and(|(_, path, _)| {
                        path.segments.last().is_some_and(|s| s.ident == "Default")
                    }) =>
                {
                    let syn::Type::Path(p) = &*imp.self_ty else {
                        return None;
                    };
                    p.path.segments.last().map(|s| s.ident.to_string())
                }
                _ => None,
            })
            .collect();
        for item in items {
            match item {
                syn::Item::Struct(st) => {
                    plain_struct_fields(st, stats);
                    // Every field now has a default (plain values, `Option`s, the `extra` map):
                    // the struct does too, for a missing nested answer (`metadata`).
                    let name = st.ident.to_string();
                    let derives_default = st.attrs.iter().any(|a| {
                        a.path().is_ident("derive")
                            && a.to_token_stream().to_string().contains("Default")
                    });
                    if !always_present(&name).is_empty()
                        && !derives_default
                        && !with_default.contains(&name)
                    {
                        st.attrs.push(syn::parse_quote!(#[derive(Default)]));
                    }
                }
                syn::Item::Mod(builder) if builder.ident == "builder" => {
                    let Some((_, items)) = &mut builder.content else {
                        continue;
                    };
                    for item in items {
                        plain_builder_fields(item);
                    }
                }
                _ => {}
            }
        }
    }
}

fn always_present(struct_name: &str) -> &'static [&'static str] {
    ALWAYS_PRESENT
        .iter()
        .find(|(name, _)| *name == struct_name)
        .map_or(&[], |(_, fields)| fields)
}

fn plain_struct_fields(st: &mut syn::ItemStruct, stats: &mut FieldRewrites) {
    let name = st.ident.to_string();
    let plain = always_present(&name);
    let syn::Fields::Named(fields) = &mut st.fields else {
        return;
    };
    for field in &mut fields.named {
        let Some(ident) = field.ident.as_ref().map(ToString::to_string) else {
            continue;
        };
        let empty_as_none = EMPTY_AS_NONE.contains(&(name.as_str(), ident.as_str()));
        if !empty_as_none && !plain.contains(&ident.as_str()) {
            continue;
        }
        let Some(inner) = option_inner(&field.ty).cloned() else {
            continue;
        };
        let rename = serde_rename(&field.attrs);
        field.attrs.retain(|a| !a.path().is_ident("serde"));
        let function = if empty_as_none {
            stats.empty_times += 1;
            "hashivault::envelope::empty_as_none"
        } else {
            field.ty = inner;
            stats.always_present += 1;
            "hashivault::envelope::null_as_default"
        };
        field.attrs.push(match rename {
            Some(rename) => syn::parse_quote!(
                #[serde(rename = #rename, default, deserialize_with = #function)]
            ),
            None => syn::parse_quote!(#[serde(default, deserialize_with = #function)]),
        });
    }
}

/// The `rename = "..."` of a field's `#[serde(...)]`, if any.
fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|attr| {
        if !attr.path().is_ident("serde") {
            return None;
        }
        let mut rename = None;
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                rename = Some(meta.value()?.parse::<syn::LitStr>()?.value());
            } else if meta.input.peek(syn::Token![=]) {
                meta.value()?.parse::<syn::Expr>()?;
            }
            Ok(())
        });
        rename
    })
}

/// The builder side of [`plain_struct_fields`]: the field's type and its setter's bound.
fn plain_builder_fields(item: &mut syn::Item) {
    match item {
        syn::Item::Struct(st) => {
            let plain = always_present(&st.ident.to_string());
            let syn::Fields::Named(fields) = &mut st.fields else {
                return;
            };
            for field in &mut fields.named {
                if field
                    .ident
                    .as_ref()
                    .is_some_and(|i| plain.contains(&i.to_string().as_str()))
                {
                    UnwrapOption.visit_type_mut(&mut field.ty);
                }
            }
        }
        syn::Item::Impl(imp) if imp.trait_.is_none() => {
            let syn::Type::Path(p) = &*imp.self_ty else {
                return;
            };
            let Some(name) = p.path.segments.last().map(|s| s.ident.to_string()) else {
                return;
            };
            let plain = always_present(&name);
            for member in &mut imp.items {
                let syn::ImplItem::Fn(method) = member else {
                    continue;
                };
                if plain.contains(&method.sig.ident.to_string().as_str()) {
                    UnwrapOption.visit_signature_mut(&mut method.sig);
                }
            }
        }
        _ => {}
    }
}

/// Replaces the first `Option<T>` met in a type (or signature) with `T`.
struct UnwrapOption;

impl VisitMut for UnwrapOption {
    fn visit_type_mut(&mut self, ty: &mut syn::Type) {
        if let Some(inner) = option_inner(ty).cloned() {
            *ty = inner;
            return;
        }
        syn::visit_mut::visit_type_mut(self, ty);
    }
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

/// The items of the generated `types` module (the structs typify generates, and `builder`).
fn types_items(file: &mut syn::File) -> Option<&mut Vec<syn::Item>> {
    file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(module) if module.ident == "types" => {
            module.content.as_mut().map(|(_, items)| items)
        }
        _ => None,
    })
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
    if let Some(items) = types_items(file) {
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

    #[test]
    fn always_present_fields_are_plain_in_struct_and_builder() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                pub struct KvV2VersionMetadata {
                    #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                    pub version: ::std::option::Option<u64>,
                    #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                    pub deletion_time: ::std::option::Option<::std::string::String>,
                    #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                    pub other: ::std::option::Option<i64>,
                }
                pub struct TokenLookUpSelfResponse {
                    #[serde(rename = "type", default, skip_serializing_if = "::std::option::Option::is_none")]
                    pub type_: ::std::option::Option<::std::string::String>,
                }
                pub mod builder {
                    pub struct KvV2VersionMetadata {
                        version: ::std::result::Result<::std::option::Option<u64>, ::std::string::String>,
                        deletion_time: ::std::result::Result<::std::option::Option<::std::string::String>, ::std::string::String>,
                    }
                    impl KvV2VersionMetadata {
                        pub fn version<T>(mut self, value: T) -> Self
                        where
                            T: ::std::convert::TryInto<::std::option::Option<u64>>,
                            T::Error: ::std::fmt::Display,
                        {
                            self
                        }
                    }
                }
            }
        };
        let mut stats = FieldRewrites::default();
        always_present_fields(&mut file, &mut stats);
        let code = file.to_token_stream().to_string();
        assert!(code.contains("# [serde (default , deserialize_with = \"hashivault::envelope::null_as_default\")] pub version : u64"), "{code}");
        assert!(code.contains("# [serde (default , deserialize_with = \"hashivault::envelope::empty_as_none\")] pub deletion_time : :: std :: option :: Option < :: std :: string :: String >"), "{code}");
        assert!(
            code.contains("pub other : :: std :: option :: Option < i64 >"),
            "a field not listed is left: {code}"
        );
        assert!(code.contains("# [serde (rename = \"type\" , default , deserialize_with = \"hashivault::envelope::null_as_default\")] pub type_ : :: std :: string :: String"), "{code}");
        assert!(
            code.contains(
                "version : :: std :: result :: Result < u64 , :: std :: string :: String >"
            ),
            "{code}"
        );
        assert!(
            code.contains("T : :: std :: convert :: TryInto < u64 >"),
            "{code}"
        );
        assert!(
            code.contains(
                "deletion_time : :: std :: result :: Result < :: std :: option :: Option"
            ),
            "{code}"
        );
        assert_eq!((stats.always_present, stats.empty_times), (2, 1));
    }

    #[test]
    fn answers_lose_their_builders_requests_keep_theirs() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                pub struct UserpassWriteUserRequest { pub password: Option<String> }
                impl UserpassWriteUserRequest {
                    pub fn builder() -> builder::UserpassWriteUserRequest { Default::default() }
                }
                pub struct MountsListResponse(pub ::std::collections::HashMap<String, MountsListResponseValue>);
                pub struct MountsListResponseValue { pub accessor: Option<String> }
                impl MountsListResponseValue {
                    pub fn builder() -> builder::MountsListResponseValue { Default::default() }
                }
                impl ::std::ops::Deref for MountsListResponse {
                    type Target = ::std::collections::HashMap<String, MountsListResponseValue>;
                    fn deref(&self) -> &Self::Target { &self.0 }
                }
                pub mod builder {
                    pub struct UserpassWriteUserRequest { password: Result<Option<String>, String> }
                    impl UserpassWriteUserRequest { pub fn password<T>(self, value: T) -> Self { self } }
                    pub struct MountsListResponseValue { accessor: Result<Option<String>, String> }
                    impl ::std::default::Default for MountsListResponseValue {
                        fn default() -> Self { Self { accessor: Ok(Default::default()) } }
                    }
                    impl MountsListResponseValue { pub fn accessor<T>(self, value: T) -> Self { self } }
                    impl ::std::convert::TryFrom<MountsListResponseValue> for super::MountsListResponseValue {
                        type Error = super::error::ConversionError;
                        fn try_from(value: MountsListResponseValue) -> Result<Self, Self::Error> { todo!() }
                    }
                    impl ::std::convert::From<super::MountsListResponseValue> for MountsListResponseValue {
                        fn from(value: super::MountsListResponseValue) -> Self { todo!() }
                    }
                }
            }
        };
        let mut stats = FieldRewrites::default();
        answers_without_builders(&mut file, &mut stats);
        let code = file.to_token_stream().to_string();
        assert_eq!(stats.answer_builders_dropped, 1);
        assert!(
            !code.contains("builder :: MountsListResponseValue"),
            "{code}"
        );
        assert!(!code.contains("fn accessor"), "{code}");
        assert!(
            code.contains("pub struct MountsListResponseValue"),
            "the type stays: {code}"
        );
        assert!(
            code.contains("impl :: std :: ops :: Deref for MountsListResponse"),
            "{code}"
        );
        assert!(
            code.contains("builder :: UserpassWriteUserRequest") && code.contains("fn password"),
            "a request keeps its builder: {code}"
        );
    }
}
