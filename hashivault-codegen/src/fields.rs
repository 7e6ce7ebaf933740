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
//! - [`lenient_answer_fields`]: answers decode as leniently as Vault and its plugins write them.
//!   Every field of an answer struct (the `…Response` types, the helper schemas of
//!   [`ALWAYS_PRESENT`] and every struct nested in them) decodes through a lenient decoder
//!   (`src/lenient/shape.rs`: `Reader`): numeric strings for integers, `"true"` for
//!   booleans, `"1h"` for an integer duration ([`is_duration_name`]), `""` for an empty list or
//!   object. A value of another shape in an optional field is `None` and kept in the struct's
//!   `extra` under its own name (the struct's own `Deserialize`, written by
//!   `serde_impls::lean_serde_impls` from these attributes, puts it there); in a field the caller
//!   cannot do without (listed in
//!   [`ALWAYS_PRESENT`], or required by the spec) it is an error. The rule is stated in
//!   `src/lenient.rs`.

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
    /// Answer fields decoded through `hashivault::lenient::answer_*` (every field of every answer
    /// struct but `extra` and free-form JSON values).
    pub answer_fields: usize,
    /// Of those, the fields the caller cannot do without: a wrong shape is an error.
    pub answer_required: usize,
    /// Answer structs whose `extra` takes back their wrong-shaped fields.
    pub answer_extras: usize,
    /// Structs whose serde derives became lean impls (`serde_impls::lean_serde_impls`).
    pub lean_serde: usize,
}

/// Applies both rewrites to the generated file.
pub fn rewrite_fields(file: &mut syn::File) -> FieldRewrites {
    let mut stats = FieldRewrites::default();
    unnamed_fields_as_secret_maps(file, &mut stats);
    lenient_request_fields(file, &mut stats);
    always_present_fields(file, &mut stats);
    lenient_answer_fields(file, &mut stats);
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
/// (marked `hashivault::envelope::empty_as_none` here, decoded by
/// `hashivault::lenient::answer::opt_nonempty` after [`lenient_answer_fields`]).
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
    let segments: Vec<String> = crate::path_idents(&p.path);
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

pub(crate) fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
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
pub(crate) fn types_items(file: &mut syn::File) -> Option<&mut Vec<syn::Item>> {
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

/// Whether an integer answer field holds a duration in seconds, by its wire name: Vault's TTLs
/// (`ttl`, `token_ttl`, `explicit_max_ttl`, `secret_id_ttl`, ...), `lease_duration`, `period` /
/// `token_period`, and the `…_duration` / `…_timeout` / `…_interval` seconds of plugins. Such a
/// field also takes a Go duration string (`"1h"`, `"30m"`, `"90s"`).
pub fn is_duration_name(name: &str) -> bool {
    name == "ttl"
        || name == "period"
        || name.ends_with("_ttl")
        || name.ends_with("_period")
        || name.ends_with("_duration")
        || name.ends_with("_timeout")
        || name.ends_with("_interval")
}

/// The generated structs that are (part of) an answer: the `…Response` types, the helper
/// schemas of [`ALWAYS_PRESENT`] and [`EMPTY_AS_NONE`], and every struct a field of one of them
/// names (at any depth), request bodies excepted.
fn answer_structs(items: &[syn::Item]) -> std::collections::BTreeSet<String> {
    use std::collections::{BTreeMap, BTreeSet};
    let structs: BTreeMap<String, &syn::ItemStruct> = items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(st) => Some((st.ident.to_string(), st)),
            _ => None,
        })
        .collect();
    let mut answers: BTreeSet<String> = structs
        .keys()
        .filter(|name| {
            is_answer(name)
                || !always_present(name).is_empty()
                || EMPTY_AS_NONE.iter().any(|(s, _)| s == name)
        })
        .cloned()
        .collect();
    let mut todo: Vec<String> = answers.iter().cloned().collect();
    while let Some(name) = todo.pop() {
        let named: Vec<String> = structs[&name]
            .fields
            .iter()
            .flat_map(|field| {
                let text = field.ty.to_token_stream().to_string();
                text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .filter(|word| !word.is_empty())
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect();
        for nested in named {
            if structs.contains_key(&nested)
                && !is_request_body(&nested)
                && answers.insert(nested.clone())
            {
                todo.push(nested);
            }
        }
    }
    answers
}

/// The name a field has on the wire (its `rename`, or its identifier).
fn wire_name(field: &syn::Field) -> Option<String> {
    serde_rename(&field.attrs).or_else(|| field.ident.as_ref().map(ToString::to_string))
}

/// The prefix of the answer decoders' names in the `deserialize_with` attributes this pass
/// writes. They are an intermediate form: `serde_impls::lean_serde_impls` turns each into a call
/// of the `crate::lenient::shape::Reader` method of the same name (`opt::<_, _, 3>` is
/// `r.opt(3)`) and removes the attributes, so the library has no functions of these names.
const ANSWER: &str = "crate::lenient::answer";

/// The `hashivault::lenient::answer_*` function family of an answer field's (inner) type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AnswerKind {
    /// Integers, booleans, floats, strings, lists of strings: `AnswerScalar` types.
    Scalar,
    /// An integer that is a duration in seconds.
    Secs,
    /// Any other type: decoded as itself, `""` is none.
    Value,
    /// A type of its own that takes scalars only (`VaultDuration`, `Sensitive`, an enum of
    /// names): an object or array is a wrong shape, kept like a scalar one.
    Atom,
}

fn answer_kind(inner: &syn::Type, wire_name: &str, atoms: &[String]) -> AnswerKind {
    let text = inner.to_token_stream().to_string().replace(' ', "");
    if text == "::std::vec::Vec<::std::string::String>" || text == "Vec<String>" {
        // SQL statements hold commas: never split, decoded as an array.
        return if wire_name.ends_with("statements") {
            AnswerKind::Value
        } else {
            AnswerKind::Scalar
        };
    }
    match last_ident(inner).as_deref() {
        Some("i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64")
            if is_duration_name(wire_name) =>
        {
            AnswerKind::Secs
        }
        Some("i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "f64" | "bool") => {
            AnswerKind::Scalar
        }
        Some("String") if text.ends_with("std::string::String") || text == "String" => {
            AnswerKind::Scalar
        }
        Some("VaultDuration" | "Sensitive") => AnswerKind::Atom,
        Some(name) if atoms.iter().any(|a| a == name) => AnswerKind::Atom,
        _ => AnswerKind::Value,
    }
}

/// Whether a field's `#[serde(...)]` attributes hold the key `key` (`default`, `flatten`), as a
/// key: not inside a string (`deserialize_with = "…null_as_default"`, `rename = "default_x"`).
fn has_serde_key(attrs: &[syn::Attribute], key: &str) -> bool {
    attrs.iter().any(|attr| {
        let mut found = false;
        if attr.path().is_ident("serde") {
            let _ = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident(key) {
                    found = true;
                }
                if meta.input.peek(syn::Token![=]) {
                    meta.value()?.parse::<syn::Expr>()?;
                }
                Ok(())
            });
        }
        found
    })
}

fn is_json_value(ty: &syn::Type) -> bool {
    let syn::Type::Path(p) = ty else { return false };
    let segments: Vec<String> = crate::path_idents(&p.path);
    segments == ["serde_json", "Value"]
}

/// Whether a `#[serde(...)]` attribute names `path` as its `deserialize_with`.
fn deserializes_with(attr: &syn::Attribute, path: &str) -> bool {
    attr.path().is_ident("serde")
        && attr
            .meta
            .require_list()
            .is_ok_and(|list| list.tokens.to_string().contains(&format!("\"{path}\"")))
}

/// Gives every field of every answer struct (see [`answer_structs`]) its
/// `hashivault::lenient::answer_*` decoding, and its `extra` the kept wrong-shaped fields (see
/// the module docs). A field already decoded by another function than `null_as_default` (KV's
/// `deletion_time`) is left as it is; `null_as_default` (an [`ALWAYS_PRESENT`] field) is replaced
/// by the `answer_required*` function of the field's type.
pub fn lenient_answer_fields(file: &mut syn::File, stats: &mut FieldRewrites) {
    let Some(items) = types_items(file) else {
        return;
    };
    let answers = answer_structs(items);
    // typify's enums of names (not `untagged`: those may take objects).
    let atoms: Vec<String> = items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Enum(en) if !has_serde_key(&en.attrs, "untagged") => {
                Some(en.ident.to_string())
            }
            _ => None,
        })
        .collect();
    for item in items.iter_mut() {
        let syn::Item::Struct(st) = item else {
            continue;
        };
        let name = st.ident.to_string();
        if !answers.contains(&name) {
            continue;
        }
        let syn::Fields::Named(fields) = &mut st.fields else {
            continue;
        };
        let has_extra = fields.named.iter().any(|f| {
            f.ident.as_ref().is_some_and(|i| i == EXTRA_FIELD)
                && has_serde_flag(&f.attrs, "flatten")
        });
        let plain = always_present(&name);
        // The field's index in the struct's table of wire names (`extra` left out).
        let mut next_index = 0;
        for field in fields.named.iter_mut() {
            if has_serde_flag(&field.attrs, "flatten") {
                continue;
            }
            let Some(wire) = wire_name(field) else {
                continue;
            };
            let index = next_index;
            next_index += 1;
            let always = field
                .ident
                .as_ref()
                .is_some_and(|i| plain.contains(&i.to_string().as_str()));
            let null_as_default = "hashivault::envelope::null_as_default";
            let empty_as_none = "hashivault::envelope::empty_as_none";
            if let Some(i) = field
                .attrs
                .iter()
                .position(|a| deserializes_with(a, empty_as_none))
            {
                // `EMPTY_AS_NONE`: `""` is `None`, and a wrong shape is kept like any other.
                let keep = if has_extra {
                    index.to_string()
                } else {
                    "{ crate::lenient::answer::NOT_KEPT }".to_string()
                };
                let function = format!("{ANSWER}::opt_nonempty::<_, {keep}>");
                field.attrs[i] = syn::parse_quote!(#[serde(default, deserialize_with = #function)]);
                stats.answer_fields += 1;
                continue;
            }
            if has_serde_flag(&field.attrs, "deserialize_with")
                && !field
                    .attrs
                    .iter()
                    .any(|a| deserializes_with(a, null_as_default))
            {
                continue;
            }
            // `null_as_default`'s attribute carried `rename` and `default`: kept below.
            let replaced = field
                .attrs
                .iter()
                .position(|a| deserializes_with(a, null_as_default));
            let rename = replaced.and_then(|i| serde_rename(&field.attrs[i..=i]));
            if let Some(i) = replaced {
                field.attrs.remove(i);
            }
            let had_default = replaced.is_some() || has_serde_key(&field.attrs, "default");
            let (optional, inner) = match option_inner(&field.ty) {
                Some(inner) => (true, inner.clone()),
                None => (false, field.ty.clone()),
            };
            let required = !optional && (always || !had_default);
            if is_json_value(&inner) {
                // A free-form JSON value takes every shape (and `""` is a value there).
                continue;
            }
            let kind = answer_kind(&inner, &wire, &atoms);
            let keep = if has_extra {
                index.to_string()
            } else {
                "{ crate::lenient::answer::NOT_KEPT }".to_string()
            };
            let function = match (kind, optional, required) {
                (AnswerKind::Scalar, true, _) => format!("{ANSWER}::opt::<_, _, {keep}>"),
                (AnswerKind::Secs, true, _) => format!("{ANSWER}::opt_secs::<_, _, {keep}>"),
                (AnswerKind::Value, true, _) => format!("{ANSWER}::opt_any::<_, _, {keep}>"),
                (AnswerKind::Atom, true, _) => format!("{ANSWER}::opt_atom::<_, _, {keep}>"),
                (AnswerKind::Atom, false, true) => format!("{ANSWER}::required_atom"),
                (AnswerKind::Atom, false, false) => {
                    format!("{ANSWER}::default_atom::<_, _, {keep}>")
                }
                (AnswerKind::Scalar, false, true) => format!("{ANSWER}::required"),
                (AnswerKind::Secs, false, true) => format!("{ANSWER}::required_secs"),
                (AnswerKind::Value, false, true) => format!("{ANSWER}::required_any"),
                (AnswerKind::Scalar, false, false) => {
                    format!("{ANSWER}::or_default::<_, _, {keep}>")
                }
                (AnswerKind::Secs, false, false) => {
                    format!("{ANSWER}::default_secs::<_, _, {keep}>")
                }
                (AnswerKind::Value, false, false) => {
                    format!("{ANSWER}::default_any::<_, _, {keep}>")
                }
            };
            if required {
                stats.answer_required += 1;
            }
            stats.answer_fields += 1;
            // With `deserialize_with`, serde fills a missing field only when told `default`: it
            // joins the field's `skip_serializing_if` attribute, or the `rename`.
            let needs_default =
                (optional || had_default) && !has_serde_key(&field.attrs, "default");
            let skip = field
                .attrs
                .iter()
                .position(|a| has_serde_key(std::slice::from_ref(a), "skip_serializing_if"));
            let (default_here, rename) = match (needs_default, skip, rename) {
                (true, Some(i), rename) => {
                    let syn::Meta::List(list) = &field.attrs[i].meta else {
                        unreachable!("has a key")
                    };
                    let tokens = &list.tokens;
                    field.attrs[i] = syn::parse_quote!(#[serde(default, #tokens)]);
                    (false, rename)
                }
                (needs_default, _, rename) => (needs_default, rename),
            };
            field.attrs.push(match (rename, default_here) {
                (Some(rename), true) => syn::parse_quote!(#[serde(rename = #rename, default, deserialize_with = #function)]),
                (Some(rename), false) => syn::parse_quote!(#[serde(rename = #rename, deserialize_with = #function)]),
                (None, true) => syn::parse_quote!(#[serde(default, deserialize_with = #function)]),
                (None, false) => syn::parse_quote!(#[serde(deserialize_with = #function)]),
            });
        }
        if has_extra {
            stats.answer_extras += 1;
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

    fn answer_file() -> syn::File {
        syn::parse_quote! {
            pub mod types {
                pub struct AppRoleReadRoleResponse {
                    #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                    pub token_ttl: ::std::option::Option<i64>,
                    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                    pub bind_secret_id: ::std::option::Option<bool>,
                    #[serde(rename = "type", default, skip_serializing_if = "::std::option::Option::is_none")]
                    pub type_: ::std::option::Option<::std::string::String>,
                    #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                    pub token_policies: ::std::option::Option<::std::vec::Vec<::std::string::String>>,
                    #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                    pub nested: ::std::option::Option<AppRoleReadRoleResponseNested>,
                    #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                    pub free: ::std::option::Option<::serde_json::Value>,
                    #[serde(default, skip_serializing_if = "::std::vec::Vec::is_empty")]
                    pub creation_statements: ::std::vec::Vec<::std::string::String>,
                    pub required_id: ::std::string::String,
                    #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                    pub period: ::std::option::Option<::hashivault::VaultDuration>,
                    #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                    pub key_type: ::std::option::Option<KeyType>,
                    #[serde(flatten)]
                    pub extra: hashivault::SecretMap,
                }
                pub enum KeyType { Rsa, Ec }
                pub struct AppRoleReadRoleResponseNested {
                    #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                    pub count: ::std::option::Option<u64>,
                }
                pub struct TokenLookUpSelfResponse {
                    #[serde(rename = "type", default, deserialize_with = "hashivault::envelope::null_as_default")]
                    pub type_: ::std::string::String,
                    #[serde(default, deserialize_with = "hashivault::envelope::null_as_default")]
                    pub ttl: i64,
                    #[serde(default, deserialize_with = "hashivault::envelope::null_as_default")]
                    pub policies: ::std::vec::Vec<::std::string::String>,
                    #[serde(default, deserialize_with = "hashivault::envelope::empty_as_none")]
                    pub deletion_time: ::std::option::Option<::std::string::String>,
                    #[serde(flatten)]
                    pub extra: hashivault::SecretMap,
                }
                pub struct UserpassWriteUserRequest {
                    #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                    pub token_ttl: ::std::option::Option<i64>,
                }
            }
        }
    }

    #[test]
    fn answer_fields_decode_leniently_and_keep_wrong_shapes() {
        let mut file = answer_file();
        let mut stats = FieldRewrites::default();
        lenient_answer_fields(&mut file, &mut stats);
        let code = file.to_token_stream().to_string();
        let attrs = |field: &str| {
            let at = code
                .find(&format!("pub {field} :"))
                .unwrap_or_else(|| panic!("{field}: {code}"));
            let before = &code[..at];
            let start = before.rfind("pub ").map_or(0, |i| i);
            before[start..].to_string()
        };
        assert!(
            attrs("token_ttl").contains("crate::lenient::answer::opt_secs::<_, _, 0>"),
            "{code}"
        );
        assert!(
            attrs("bind_secret_id").contains("# [serde (default , skip_serializing_if = \"::std::option::Option::is_none\")] # [serde (deserialize_with = \"crate::lenient::answer::opt::<_, _, 1>\")]"),
            "`default` joins `skip_serializing_if`, the new attribute holds the function only: {code}"
        );
        assert!(
            attrs("type_").contains("crate::lenient::answer::opt::<_, _, 2>"),
            "{code}"
        );
        assert!(
            attrs("token_policies").contains("crate::lenient::answer::opt::<_, _, 3>"),
            "{code}"
        );
        assert!(
            attrs("nested").contains("crate::lenient::answer::opt_any::<_, _, 4>"),
            "{code}"
        );
        assert!(
            !attrs("free").contains("deserialize_with"),
            "a JSON value takes every shape: {code}"
        );
        assert!(
            attrs("creation_statements").contains("crate::lenient::answer::default_any::<_, _, 6>"),
            "statements are not split at commas: {code}"
        );
        assert!(
            attrs("required_id")
                .contains("# [serde (deserialize_with = \"crate::lenient::answer::required\")]"),
            "a field the spec requires stays required (no `default`): {code}"
        );
        assert!(
            attrs("period").contains("crate::lenient::answer::opt_atom::<_, _, 8>")
                && attrs("key_type").contains("crate::lenient::answer::opt_atom::<_, _, 9>"),
            "a duration and an enum of names take scalars only: {code}"
        );
        assert!(
            !code.contains("AnswerFields") && !attrs("extra").contains("deserialize_with"),
            "`extra` is filled by the struct's own impl (`serde_impls`): {code}"
        );
        // A struct named in an answer is an answer; it has no `extra`, so nothing is kept.
        assert!(
            attrs("count").contains(
                "crate::lenient::answer::opt::<_, _, { crate::lenient::answer::NOT_KEPT }>"
            ),
            "{code}"
        );
        // Always-present fields: `null_as_default` becomes the required function, `rename` and
        // `default` kept; `empty_as_none` becomes `opt_nonempty` (a wrong shape kept too).
        assert!(code.contains("# [serde (rename = \"type\" , default , deserialize_with = \"crate::lenient::answer::required\")] pub type_ : :: std :: string :: String"), "{code}");
        assert!(code.contains("# [serde (default , deserialize_with = \"crate::lenient::answer::required_secs\")] pub ttl : i64"), "{code}");
        assert!(code.contains("# [serde (default , deserialize_with = \"crate::lenient::answer::required\")] pub policies"), "{code}");
        assert!(code.contains("# [serde (default , deserialize_with = \"crate::lenient::answer::opt_nonempty::<_, 3>\")] pub deletion_time"), "{code}");
        assert!(
            !code.contains("null_as_default") && !code.contains("empty_as_none"),
            "{code}"
        );
        // Request bodies are not answers.
        let request = &code[code.find("pub struct UserpassWriteUserRequest").unwrap()..];
        assert!(!request.contains("answer_"), "{request}");
        assert_eq!(
            (
                stats.answer_fields,
                stats.answer_required,
                stats.answer_extras
            ),
            (14, 4, 2),
            "{stats:?}"
        );
    }

    #[test]
    fn answer_structs_are_closed_over_nesting() {
        let file: syn::File = syn::parse_quote! {
            pub mod types {
                pub struct MountsListResponse(pub ::std::collections::HashMap<::std::string::String, MountsListResponseValue>);
                pub struct MountsListResponseValue { pub config: ::std::option::Option<MountConfig> }
                pub struct MountConfig { pub ttl: ::std::option::Option<i64> }
                pub struct KvV2VersionMetadata { pub version: u64 }
                pub struct MountsEnableRequest { pub config: ::std::option::Option<MountConfig> }
                pub struct Unrelated { pub x: i64 }
            }
        };
        let syn::Item::Mod(m) = &file.items[0] else {
            unreachable!()
        };
        let answers = answer_structs(&m.content.as_ref().unwrap().1);
        let answers: Vec<&str> = answers.iter().map(String::as_str).collect();
        assert_eq!(
            answers,
            [
                "KvV2VersionMetadata",
                "MountConfig",
                "MountsListResponse",
                "MountsListResponseValue"
            ]
        );
    }

    #[test]
    fn duration_names() {
        for name in [
            "ttl",
            "token_ttl",
            "explicit_max_ttl",
            "lease_duration",
            "period",
            "token_period",
            "request_timeout",
            "tidy_interval",
        ] {
            assert!(is_duration_name(name), "{name}");
        }
        for name in ["num_uses", "max_versions", "version", "ttl_count", "port"] {
            assert!(!is_duration_name(name), "{name}");
        }
    }
}
