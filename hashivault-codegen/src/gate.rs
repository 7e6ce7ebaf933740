//! One generated file for every feature set: the union of all groups, each item gated by the
//! Cargo features of the groups that need it (`#[cfg(feature = "transit")]`,
//! `#[cfg(any(feature = "pki", feature = "transit"))]`).
//!
//! The gates are not computed by a reachability analysis of our own: the merged document is
//! generated once with no group (its items are needed by every build: ungated), once per group,
//! and once with every group (the file written). An item of the full generation is gated by the
//! groups whose generation has it. An item is compared by its text in every generation that has
//! it: one that differs (a type that typify names or shapes differently when other groups are
//! present) fails the generation, naming it, since a build of those features would not get the
//! code it got from the old per-feature generation.
//!
//! Items are named by module path and kind (`types::struct KvV2ReadResponse`), trait impls by
//! their header (`impl From<&KvV2ReadResponse> for KvV2ReadResponse`); the inherent
//! `impl Client` that holds one method per operation is compared method by method.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use quote::ToTokens;
use serde_json::Value;

use super::{groups, normalize, Generated, Selection};

/// The union of every group of Vault's (`text`) and OpenBao's (`openbao`) documents, as one
/// source file whose items are gated by feature (see the module docs); `normalized` is the
/// normalized document of every group.
pub fn generate_gated(
    text: &str,
    openbao: Option<&str>,
    overlays: &[Value],
) -> Result<Generated, String> {
    let doc = super::parse_document(text)?;
    let openbao = openbao.map(super::parse_document).transpose()?;
    let (merged, report, rows) = super::merge_union(doc, openbao, overlays)?;
    let group_names: BTreeSet<String> = merged
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(path, _)| groups::group_of(path))
        .collect();
    let generate = |selection: &Selection| {
        let mut scratch = normalize::Report::default();
        let spec = super::select(merged.clone(), selection, &mut scratch)?;
        super::generate_file(&spec, &rows)
    };
    let none = generate(&Selection::Groups(BTreeSet::new()))?;
    let mut per_group = Vec::new();
    for group in &group_names {
        let one = generate(&Selection::Groups(BTreeSet::from([group.clone()])))
            .map_err(|e| format!("group `{group}`: {e}"))?;
        per_group.push((group.clone(), one));
    }
    let mut all = generate(&Selection::All)?;
    let group_files: Vec<(String, &syn::File)> = per_group
        .iter()
        .map(|(g, one)| (g.clone(), &one.file))
        .collect();
    gate_file(&mut all.file, &none.file, &group_files)?;
    let mut ids: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (group, one) in &per_group {
        for id in &one.operations {
            ids.entry(id.clone()).or_default().push(group.clone());
        }
    }
    if let Some(id) = all.operations.iter().find(|id| !ids.contains_key(*id)) {
        return Err(format!(
            "operation `{id}` is generated with every group but with no group alone"
        ));
    }
    all.file.items.push(gated_operation_ids(&ids));
    Ok(all.finish(report, &rows))
}

/// `pub const OPERATION_IDS`, each id gated by its group.
fn gated_operation_ids(ids: &BTreeMap<String, Vec<String>>) -> syn::Item {
    let entries = ids.iter().map(|(id, groups)| {
        let cfg = cfg_of(groups);
        quote::quote! { #[cfg(#cfg)] #id }
    });
    syn::parse_quote! {
        /// The operation ids (as in Vault's document) of every operation this build generated.
        pub const OPERATION_IDS: &[&str] = &[#(#entries),*];
    }
}

/// `feature = "a"`, or `any(feature = "a", feature = "b")`.
fn cfg_of(groups: &[String]) -> proc_macro2::TokenStream {
    match groups {
        [one] => quote::quote! { feature = #one },
        many => quote::quote! { any(#(feature = #many),*) },
    }
}

/// How an item is compared and gated.
enum Shape<'a> {
    /// A module with a body: gated as a whole only when the no-group generation lacks it, its
    /// items one by one.
    Module(&'a [syn::Item]),
    /// `impl Client { ... }`: each method on its own.
    Members,
    /// Anything else, compared and gated whole.
    Whole,
}

/// The key of `item` among its module's items (`prefix`), and its shape.
fn classify<'a>(
    item: &'a syn::Item,
    prefix: &str,
    seen: &mut HashMap<String, usize>,
) -> (String, Shape<'a>) {
    let text = |t: &dyn ToTokens| t.to_token_stream().to_string();
    let (key, shape) = match item {
        syn::Item::Mod(m) => match &m.content {
            Some((_, items)) => (format!("mod {}", m.ident), Shape::Module(items)),
            None => (format!("mod {}", m.ident), Shape::Whole),
        },
        syn::Item::Impl(imp) => {
            let header = format!(
                "impl{} {}{}",
                text(&imp.generics),
                imp.trait_
                    .as_ref()
                    .map(|(bang, path, _)| format!(
                        "{}{} for ",
                        if bang.is_some() { "!" } else { "" },
                        text(path)
                    ))
                    .unwrap_or_default(),
                text(&imp.self_ty)
            );
            let client = imp.trait_.is_none()
                && prefix.is_empty()
                && matches!(&*imp.self_ty, syn::Type::Path(p) if p.path.is_ident("Client"));
            (header, if client { Shape::Members } else { Shape::Whole })
        }
        syn::Item::Struct(s) => (format!("struct {}", s.ident), Shape::Whole),
        syn::Item::Enum(e) => (format!("enum {}", e.ident), Shape::Whole),
        syn::Item::Union(u) => (format!("union {}", u.ident), Shape::Whole),
        syn::Item::Type(t) => (format!("type {}", t.ident), Shape::Whole),
        syn::Item::Const(c) => (format!("const {}", c.ident), Shape::Whole),
        syn::Item::Static(s) => (format!("static {}", s.ident), Shape::Whole),
        syn::Item::Fn(f) => (format!("fn {}", f.sig.ident), Shape::Whole),
        syn::Item::Trait(t) => (format!("trait {}", t.ident), Shape::Whole),
        other => (text(other), Shape::Whole),
    };
    let key = if prefix.is_empty() {
        key
    } else {
        format!("{prefix}::{key}")
    };
    let n = seen.entry(key.clone()).or_insert(0);
    *n += 1;
    let key = if *n > 1 { format!("{key} #{n}") } else { key };
    (key, shape)
}

fn member_key(prefix: &str, member: &syn::ImplItem) -> String {
    match member {
        syn::ImplItem::Fn(f) => format!("{prefix}::fn {}", f.sig.ident),
        other => format!("{prefix}::{}", other.to_token_stream()),
    }
}

/// Every item of a file by key, with its text (empty for modules and `impl Client` blocks).
fn collect(items: &[syn::Item], prefix: &str, out: &mut BTreeMap<String, String>) {
    let mut seen = HashMap::new();
    for item in items {
        let (key, shape) = classify(item, prefix, &mut seen);
        match shape {
            Shape::Module(inner) => {
                collect(inner, &key, out);
                out.insert(key, String::new());
            }
            Shape::Members => {
                let syn::Item::Impl(imp) = item else {
                    unreachable!()
                };
                for member in &imp.items {
                    out.insert(
                        member_key(&key, member),
                        member.to_token_stream().to_string(),
                    );
                }
                out.insert(key, String::new());
            }
            Shape::Whole => {
                out.insert(key, item.to_token_stream().to_string());
            }
        }
    }
}

/// Gates every item of `all` (the generation of every group) by the groups whose generation
/// (`groups`: group name and file) has it; items of `none` (the generation of no group) stay
/// ungated. Fails, naming the item, when an item's text differs between two generations, when
/// an item of `all` is in no generation, or when a group's generation has an item `all` lacks.
pub fn gate_file(
    all: &mut syn::File,
    none: &syn::File,
    groups: &[(String, &syn::File)],
) -> Result<(), String> {
    let mut base = BTreeMap::new();
    collect(&none.items, "", &mut base);
    let mut by_group = Vec::new();
    for (group, file) in groups {
        let mut items = BTreeMap::new();
        collect(&file.items, "", &mut items);
        by_group.push((group.as_str(), items));
    }
    let mut union = BTreeMap::new();
    collect(&all.items, "", &mut union);
    for (group, items) in &by_group {
        if let Some(key) = items.keys().find(|key| !union.contains_key(*key)) {
            return Err(format!(
                "gating: `{key}` is generated for group `{group}` alone but not with every group"
            ));
        }
    }
    if let Some(key) = base.keys().find(|key| !union.contains_key(*key)) {
        return Err(format!(
            "gating: `{key}` is generated with no group but not with every group"
        ));
    }
    let gate = |key: &str, text: &str| -> Result<Option<Vec<String>>, String> {
        let mut owners = Vec::new();
        for (group, items) in &by_group {
            if let Some(other) = items.get(key) {
                if other != text {
                    return Err(format!(
                        "gating: `{key}` differs between the generation of group `{group}` and \
                         the generation of every group; it cannot be gated by feature"
                    ));
                }
                owners.push(group.to_string());
            }
        }
        if let Some(other) = base.get(key) {
            if other != text {
                return Err(format!(
                    "gating: `{key}` differs between the generation of no group and the \
                     generation of every group; it cannot be gated by feature"
                ));
            }
            return Ok(None);
        }
        if owners.is_empty() {
            return Err(format!(
                "gating: `{key}` is generated with every group but with no group alone"
            ));
        }
        Ok(Some(owners))
    };
    gate_items(&mut all.items, "", &union, &gate)
}

type GateFn<'a> = dyn Fn(&str, &str) -> Result<Option<Vec<String>>, String> + 'a;

fn gate_items(
    items: &mut [syn::Item],
    prefix: &str,
    union: &BTreeMap<String, String>,
    gate: &GateFn<'_>,
) -> Result<(), String> {
    let mut seen = HashMap::new();
    for item in items.iter_mut() {
        let (key, shape) = classify(item, prefix, &mut seen);
        let whole = matches!(shape, Shape::Whole);
        let members = matches!(shape, Shape::Members);
        let owners = gate(&key, &union[&key])?;
        match item {
            syn::Item::Mod(m) if !whole => {
                if let Some((_, inner)) = &mut m.content {
                    gate_items(inner, &key, union, gate)?;
                }
                if let Some(owners) = owners {
                    add_gate(&mut m.attrs, &owners, true);
                }
            }
            syn::Item::Impl(imp) if members => {
                for member in &mut imp.items {
                    let member_key = member_key(&key, member);
                    if let Some(owners) = gate(&member_key, &union[&member_key])? {
                        if let syn::ImplItem::Fn(f) = member {
                            add_gate(&mut f.attrs, &owners, true);
                        } else {
                            return Err(format!(
                                "gating: `{member_key}` is not a method; cannot be gated"
                            ));
                        }
                    }
                }
                if let Some(owners) = owners {
                    add_gate(&mut imp.attrs, &owners, false);
                }
            }
            _ => {
                if let Some(owners) = owners {
                    let badge = !matches!(item, syn::Item::Impl(_) | syn::Item::Use(_));
                    if let Some(attrs) = attrs_mut(item) {
                        add_gate(attrs, &owners, badge);
                    } else {
                        return Err(format!("gating: `{key}` takes no attribute"));
                    }
                }
            }
        }
    }
    Ok(())
}

fn attrs_mut(item: &mut syn::Item) -> Option<&mut Vec<syn::Attribute>> {
    Some(match item {
        syn::Item::Const(i) => &mut i.attrs,
        syn::Item::Enum(i) => &mut i.attrs,
        syn::Item::ExternCrate(i) => &mut i.attrs,
        syn::Item::Fn(i) => &mut i.attrs,
        syn::Item::ForeignMod(i) => &mut i.attrs,
        syn::Item::Impl(i) => &mut i.attrs,
        syn::Item::Macro(i) => &mut i.attrs,
        syn::Item::Mod(i) => &mut i.attrs,
        syn::Item::Static(i) => &mut i.attrs,
        syn::Item::Struct(i) => &mut i.attrs,
        syn::Item::Trait(i) => &mut i.attrs,
        syn::Item::TraitAlias(i) => &mut i.attrs,
        syn::Item::Type(i) => &mut i.attrs,
        syn::Item::Union(i) => &mut i.attrs,
        syn::Item::Use(i) => &mut i.attrs,
        _ => return None,
    })
}

/// `#[cfg(...)]` first, and the docs.rs badge (`doc(cfg(...))`) unless the item has one.
fn add_gate(attrs: &mut Vec<syn::Attribute>, owners: &[String], badge: bool) {
    let cfg = cfg_of(owners);
    let has_badge = attrs
        .iter()
        .any(|a| a.to_token_stream().to_string().contains("docsrs"));
    if badge && !has_badge {
        attrs.insert(0, syn::parse_quote!(#[cfg_attr(docsrs, doc(cfg(#cfg)))]));
    }
    attrs.insert(0, syn::parse_quote!(#[cfg(#cfg)]));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(src: &str) -> syn::File {
        syn::parse_str(src).unwrap()
    }

    fn attrs_of(f: &syn::File, name: &str) -> String {
        let found = f.items.iter().find_map(|item| match item {
            syn::Item::Struct(s) if s.ident == name => Some(
                s.attrs
                    .iter()
                    .map(|a| a.to_token_stream().to_string())
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        });
        found.expect(name).join(" ")
    }

    #[test]
    fn items_get_the_features_of_the_groups_that_generate_them() {
        let none = file("pub struct Shared; impl Client { pub fn new() {} }");
        let a = file(
            "pub struct Shared; pub struct Both; pub struct OnlyA; \
             impl Client { pub fn new() {} pub fn op_a() {} }",
        );
        let b = file("pub struct Shared; pub struct Both; impl Client { pub fn new() {} }");
        let mut all = file(
            "pub struct Shared; pub struct Both; pub struct OnlyA; \
             impl Client { pub fn new() {} pub fn op_a() {} }",
        );
        gate_file(&mut all, &none, &[("a".into(), &a), ("b".into(), &b)]).unwrap();
        assert_eq!(
            attrs_of(&all, "Shared"),
            "",
            "needed by every build: ungated"
        );
        assert_eq!(
            attrs_of(&all, "Both"),
            "# [cfg (any (feature = \"a\" , feature = \"b\"))] \
             # [cfg_attr (docsrs , doc (cfg (any (feature = \"a\" , feature = \"b\"))))]"
        );
        assert_eq!(
            attrs_of(&all, "OnlyA"),
            "# [cfg (feature = \"a\")] # [cfg_attr (docsrs , doc (cfg (feature = \"a\")))]"
        );
        let code = prettyplease::unparse(&all);
        assert!(
            code.contains("impl Client {\n    pub fn new() {}\n    #[cfg(feature = \"a\")]"),
            "{code}"
        );
    }

    #[test]
    fn an_item_that_differs_between_generations_fails_naming_it() {
        let none = file("");
        let a = file("pub struct Clash { pub x: u8 }");
        let mut all = file("pub struct Clash { pub x: u16 }");
        let err = gate_file(&mut all, &none, &[("a".into(), &a)]).unwrap_err();
        assert!(
            err.contains("`struct Clash`") && err.contains("`a`"),
            "{err}"
        );
    }

    #[test]
    fn an_item_of_no_single_group_fails() {
        let none = file("");
        let a = file("pub mod types { pub struct A; }");
        let mut all = file("pub mod types { pub struct A; pub struct Orphan; }");
        let err = gate_file(&mut all, &none, &[("a".into(), &a)]).unwrap_err();
        assert!(err.contains("`mod types::struct Orphan`"), "{err}");
    }
}
