//! Code generation for `hashivault::api`: the library's build-dependency (`build.rs`) and the
//! generator of `cargo xtask codegen` / `regen` (xtask's `codegen` feature), one crate for both.
//!
//! The pipeline is: parse the document, [`normalize::normalize`] it (every Vault quirk is one named
//! step), keep the operations of the enabled [`groups`], run progenitor with
//! [`generator_settings`], rewrite its request-building code ([`requests`]: no `api-version`
//! header, URLs built in one checked pass), make every `send()` end in hashivault's transport with
//! hashivault's error and answer types and the builders own their client ([`surface`]), rewrite
//! per-item checks and conversions as calls to shared functions ([`shared`]), the generated
//! struct fields
//! ([`fields`]: unnamed fields kept, lenient request decoding), add the table of every
//! operation's method, path and retry rules ([`operations`]) and format the result.
//!
//! The rewrites match progenitor's and typify's output by its shape, so the generator is pinned
//! ([`GENERATOR`]); `tests/generator_shape.rs` fails, naming the rewrite, when the shape changes.

pub mod fields;
pub mod gate;
pub mod groups;
pub mod lazy;
pub mod normalize;
pub mod operations;
pub mod overlay;
pub mod requests;
pub mod serde_impls;
pub mod setters;
pub mod shared;
pub mod surface;
pub mod union;

use std::collections::BTreeSet;

use serde_json::Value;

/// The generator versions the rewrites were written against, each pinned with `=` (this crate's
/// Cargo.toml; `progenitor-client`, which the generated code calls, in the library's). Raise them
/// together, after `tests/generator_shape.rs` passes on the new output.
pub const GENERATOR: &[(&str, &str)] = &[
    ("progenitor", "0.15.1"),
    ("progenitor-impl", "0.15.1"),
    ("progenitor-client", "0.15.1"),
    ("typify", "0.8.0"),
    ("typify-impl", "0.8.0"),
];

/// What one generation run produced.
pub struct Generated {
    /// The formatted Rust source of the generated module.
    pub code: String,
    /// What the normalizing step changed, step by step.
    pub report: normalize::Report,
    /// Operation ids that were generated.
    pub operations: BTreeSet<String>,
    /// What the rewrites of progenitor's request code changed.
    pub rewrites: requests::RequestRewrites,
    /// What the rewrites to hashivault's error, answer and owned builders changed.
    pub surface: surface::SurfaceRewrites,
    /// Body setters that take a `crate::setter::FieldValue` ([`setters`]).
    pub setters: usize,
    pub shared: shared::SharedCalls,
    /// What the rewrites of the generated struct fields changed.
    pub fields: fields::FieldRewrites,
    /// The normalized document the code was generated from (overlays applied, the selected
    /// groups kept), as JSON: what the conformance tour's strict mode walks to find the fields a
    /// generated type does not name, at every depth.
    pub normalized: String,
}

/// Which API groups to generate.
#[derive(Clone, Debug)]
pub enum Selection {
    /// Every operation of the document (the `full` feature, and the xtask's dump).
    All,
    /// Only operations whose group is in this set.
    Groups(BTreeSet<String>),
}

impl Selection {
    /// Whether operations of `group` are kept.
    pub fn includes(&self, group: &str) -> bool {
        match self {
            Selection::All => true,
            Selection::Groups(set) => set.contains(group),
        }
    }
}

/// Parses the document text as JSON.
pub fn parse_document(text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| format!("the OpenAPI document is not valid JSON: {e}"))
}

/// Normalizes a raw document, keeps the selected groups, and returns it as typed OpenAPI.
pub fn prepare(
    doc: Value,
    selection: &Selection,
) -> Result<(openapiv3::OpenAPI, normalize::Report), String> {
    prepare_with_overlays(doc, &[], selection).map(|(spec, report, _)| (spec, report))
}

/// A prepared document: the typed OpenAPI of the selected groups, what normalizing changed, and
/// the [`operations::OperationRow`]s of the whole normalized document.
pub type Prepared = (
    openapiv3::OpenAPI,
    normalize::Report,
    Vec<operations::OperationRow>,
);

/// [`prepare`], after applying response overlays (`spec/overlays/*.json`, see [`overlay`]); with
/// the [`operations::OperationRow`]s of the whole normalized document (before the selection: the
/// handwritten layer and the transport use them whatever the features).
pub fn prepare_with_overlays(
    doc: Value,
    overlays: &[Value],
    selection: &Selection,
) -> Result<Prepared, String> {
    prepare_union(doc, None, overlays, selection)
}

/// [`prepare_with_overlays`] of the union of Vault's document (`doc`) and OpenBao's (see
/// [`union`]): each is normalized on its own (OpenBao's after
/// [`union::openbao_mount_parameter_names`]), the overlays applied to both, then OpenBao's is
/// merged into Vault's before the groups are selected.
pub fn prepare_union(
    doc: Value,
    openbao: Option<Value>,
    overlays: &[Value],
    selection: &Selection,
) -> Result<Prepared, String> {
    let (doc, mut report, rows) = merge_union(doc, openbao, overlays)?;
    let spec = select(doc, selection, &mut report)?;
    Ok((spec, report, rows))
}

/// The first half of [`prepare_union`]: both documents normalized and merged, before any group
/// is selected (what [`gate::generate_gated`] generates every group from), with the
/// [`operations::OperationRow`]s of the whole document.
pub fn merge_union(
    mut doc: Value,
    openbao: Option<Value>,
    overlays: &[Value],
) -> Result<(Value, normalize::Report, Vec<operations::OperationRow>), String> {
    let mut overlaid = normalize::Report::default();
    overlay::apply_overlays(&mut doc, overlays, &mut overlaid);
    let mut report = normalize::normalize(&mut doc);
    report.steps.extend(overlaid.steps);
    if let Some(mut openbao) = openbao {
        let mut own = normalize::Report::default();
        union::openbao_mount_parameter_names(&mut openbao, &mut own);
        overlay::apply_overlays(&mut openbao, overlays, &mut own);
        let normalized = normalize::normalize(&mut openbao);
        for (step, places) in own.steps.into_iter().chain(normalized.steps) {
            for place in places {
                report.note(step, format!("openbao: {place}"));
            }
        }
        union::merge(&mut doc, &openbao, &mut report);
    }
    let rows = operations::operation_rows(&doc)?;
    Ok((doc, report, rows))
}

/// The second half of [`prepare_union`]: keeps the selected groups of a merged document and
/// returns it as typed OpenAPI.
pub fn select(
    mut doc: Value,
    selection: &Selection,
    report: &mut normalize::Report,
) -> Result<openapiv3::OpenAPI, String> {
    groups::select_operations(&mut doc, selection, report);
    normalize::prune_unused_schemas(&mut doc, report);
    serde_json::from_value(doc)
        .map_err(|e| format!("the normalized document is not OpenAPI 3.0: {e}"))
}

/// Progenitor's settings for hashivault: the one place that holds them.
///
/// - builder interface (`client.kv_v2_read().kv_v2_mount_path("secret").path("a").send()`);
/// - an inner type, `crate::transport::Context`, so the transport reaches the token, namespace
///   and retry policy on every request;
/// - hooks `Expected`: the `send()` shape (`pre` / `exec` / `post`, then a status `match`) whose
///   tail [`surface::send_through_transport`] replaces with one call of the transport; a `send()`
///   it does not recognise fails the generation, so no request can bypass the transport.
pub fn generator_settings() -> progenitor::GenerationSettings {
    let mut settings = progenitor::GenerationSettings::default();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_inner_type(quote::quote! { crate::transport::Context })
        .with_hooks(progenitor::HooksMode::Expected)
        .with_crate("hashivault", progenitor::CrateVers::Any, None);
    settings
}

/// Runs the whole pipeline on a document's text and returns formatted Rust source.
pub fn generate(text: &str, selection: &Selection) -> Result<Generated, String> {
    generate_with_overlays(text, &[], selection)
}

/// [`generate`], with the response overlays of `spec/overlays/` ([`overlay::load_dir`]).
pub fn generate_with_overlays(
    text: &str,
    overlays: &[Value],
    selection: &Selection,
) -> Result<Generated, String> {
    generate_union(text, None, overlays, selection)
}

/// [`generate_with_overlays`] of the union of Vault's document (`text`) and OpenBao's
/// (`openbao`, see [`union`]).
pub fn generate_union(
    text: &str,
    openbao: Option<&str>,
    overlays: &[Value],
    selection: &Selection,
) -> Result<Generated, String> {
    let doc = parse_document(text)?;
    let openbao = openbao.map(parse_document).transpose()?;
    let (spec, report, rows) = prepare_union(doc, openbao, overlays, selection)?;
    let mut core = generate_file(&spec, &rows)?;
    core.file.items.push(operation_ids_const(&core.operations));
    Ok(core.finish(report, &rows))
}

/// What [`generate_file`] produced: the rewritten file, before the `OPERATION_IDS` constant and
/// the operations table are added and it is formatted.
pub struct GeneratedFile {
    pub file: syn::File,
    pub operations: BTreeSet<String>,
    pub rewrites: requests::RequestRewrites,
    pub surface: surface::SurfaceRewrites,
    pub setters: usize,
    pub shared: shared::SharedCalls,
    pub fields: fields::FieldRewrites,
    pub normalized: String,
}

impl GeneratedFile {
    /// Formats the file and appends the operations table of `rows`.
    pub fn finish(self, report: normalize::Report, rows: &[operations::OperationRow]) -> Generated {
        let mut code = prettyplease::unparse(&self.file);
        code.push_str(&operations::operations_source(rows));
        Generated {
            code,
            report,
            operations: self.operations,
            rewrites: self.rewrites,
            surface: self.surface,
            setters: self.setters,
            shared: self.shared,
            fields: self.fields,
            normalized: self.normalized,
        }
    }
}

/// Progenitor and the rewrites on a prepared document; `rows` are the whole document's
/// operations (the names a `send()` may give its operation).
pub fn generate_file(
    spec: &openapiv3::OpenAPI,
    rows: &[operations::OperationRow],
) -> Result<GeneratedFile, String> {
    let operations = operation_ids(spec);
    let normalized = serde_json::to_string(spec)
        .map_err(|e| format!("cannot serialize the normalized document: {e}"))?;
    let mut generator = progenitor::Generator::new(&generator_settings());
    let tokens = generator
        .generate_tokens(spec)
        .map_err(|e| format!("progenitor failed on the normalized document: {e}"))?;
    let mut file: syn::File = syn::parse2(tokens)
        .map_err(|e| format!("progenitor produced code that does not parse: {e}"))?;
    mark_features(&mut file);
    let fields = fields::rewrite_fields(&mut file);
    let rewrites = requests::streamline_requests(&mut file);
    if rewrites.unrewritten_path_params > 0 {
        return Err(format!(
            "{} generated URL(s) have a shape `requests::build_urls_with_checked_params` does not know; \
             their path parameters would be sent with `/` escaped",
            rewrites.unrewritten_path_params
        ));
    }
    let surface = surface::make_one_surface(&mut file);
    let setters = setters::setters_take_field_values(&mut file);
    let shared = shared::one_call_per_item(&mut file);
    lazy::compiled_where_called(&mut file);
    if surface.unrewritten_sends > 0 {
        return Err(format!(
            "{} generated send() function(s) have a shape `surface::send_through_transport` does not \
             know; they would bypass hashivault's transport and error type",
            surface.unrewritten_sends
        ));
    }
    if surface.sync_sends != surface.sends {
        return Err(format!(
            "{} generated send() function(s) have a shape `surface::send_without_a_coroutine` does \
             not know; they would stay one coroutine per operation",
            surface.sends - surface.sync_sends
        ));
    }
    let names: BTreeSet<String> = rows
        .iter()
        .map(operations::OperationRow::method_name)
        .collect();
    if let Some(stray) = surface::sent_operation_names(&file)
        .into_iter()
        .find(|name| !names.contains(name))
    {
        return Err(format!(
            "a generated send() names its operation `{stray}`, which is no operation's method_name: \
             errors would spell it differently from the handwritten helpers"
        ));
    }
    // Last: the other rewrites read the fields' `#[serde(...)]` attributes this one removes.
    let mut fields = fields;
    serde_impls::lean_serde_impls(&mut file, &mut fields)?;
    Ok(GeneratedFile {
        file,
        operations,
        rewrites,
        surface,
        setters,
        shared,
        fields,
        normalized,
    })
}

/// Marks each generated method with the Cargo feature of its group, for docs.rs
/// (`#[cfg_attr(docsrs, doc(cfg(feature = "kv")))]`), and its example as text. The group comes from the path progenitor
/// writes in the method's doc ("Sends a `GET` request to `/path`").
fn mark_features(file: &mut syn::File) {
    for item in &mut file.items {
        let syn::Item::Impl(imp) = item else { continue };
        let is_client = imp.trait_.is_none()
            && matches!(&*imp.self_ty, syn::Type::Path(p) if p.path.is_ident("Client"));
        if !is_client {
            continue;
        }
        for member in &mut imp.items {
            let syn::ImplItem::Fn(method) = member else {
                continue;
            };
            method.attrs.iter_mut().for_each(example_as_text);
            let Some(path) = method.attrs.iter().find_map(documented_path) else {
                continue;
            };
            let feature = groups::group_of(&path);
            method
                .attrs
                .push(syn::parse_quote!(#[cfg_attr(docsrs, doc(cfg(feature = #feature)))]));
        }
    }
}

/// progenitor shows each method's builder calls as an `ignore` code block: an illustration with
/// free variables, not a test. Marked `text`, rustdoc shows it the same and does not list 1000
/// ignored doctests.
fn example_as_text(attr: &mut syn::Attribute) {
    let syn::Meta::NameValue(nv) = &mut attr.meta else {
        return;
    };
    if !nv.path.is_ident("doc") {
        return;
    }
    let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(text),
        ..
    }) = &mut nv.value
    else {
        return;
    };
    let value = text.value();
    if value.contains("```ignore") {
        *text = syn::LitStr::new(&value.replace("```ignore", "```text"), text.span());
    }
}

/// The path in a "Sends a `METHOD` request to `/path`" doc line.
fn documented_path(attr: &syn::Attribute) -> Option<String> {
    let syn::Meta::NameValue(nv) = &attr.meta else {
        return None;
    };
    if !nv.path.is_ident("doc") {
        return None;
    }
    let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(text),
        ..
    }) = &nv.value
    else {
        return None;
    };
    let text = text.value();
    let rest = &text[text.find(" request to `")? + " request to `".len()..];
    Some(rest[..rest.find('`')?].to_string())
}

/// `pub const OPERATION_IDS`: the operation ids this build generated, sorted.
fn operation_ids_const(operations: &BTreeSet<String>) -> syn::Item {
    let ids = operations.iter();
    syn::parse_quote! {
        /// The operation ids (as in Vault's document) of every operation this build generated.
        pub const OPERATION_IDS: &[&str] = &[#(#ids),*];
    }
}

/// The operation ids of a (typed) document.
pub fn operation_ids(spec: &openapiv3::OpenAPI) -> BTreeSet<String> {
    spec.operations()
        .filter_map(|(_, _, op)| op.operation_id.clone())
        .collect()
}

/// The identifiers of `path`'s segments (`crate::setter::built` → `["crate", "setter", "built"]`),
/// to match a path whatever its generic arguments.
pub(crate) fn path_idents(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}
