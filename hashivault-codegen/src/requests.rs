//! Rewrites of the request-building code progenitor writes in every operation's `send()`.
//!
//! progenitor's output is correct but pays, on every call, for things Vault does not need; the
//! benchmarks (`benches/`) and a profiler showed them. Each rewrite below is a named function on
//! the parsed output (never an edit of the generated text), with the Vault behaviour it serves:
//!
//! - [`drop_api_version_header`]: progenitor sends the document's `info.version` as an
//!   `api-version` header; Vault defines no such header.
//! - [`build_urls_with_checked_params`]: progenitor escapes `/` in path parameters as `%2F`; Vault's
//!   secret paths and nested mounts are `/`-separated. The URL is built in one pass by
//!   `crate::path::operation_url`, which keeps slashes literal and refuses a parameter that would
//!   change the endpoint (`..`, `.`, `//`, empty, control characters). A URL without parameters
//!   is `crate::path::fixed_url`. Both set the path of the client's base URL, parsed once, where
//!   reqwest parsed each request's whole text again (scheme, host through IDNA).
//! - [`unset_parameters_without_allocation`]: progenitor's operation builders start each required
//!   parameter as an allocated "was not initialized" message that the setter drops at once; the
//!   message is now made only when `send()` finds the parameter unset, and names the operation.
//! - [`query_param_when_set`]: progenitor adds every query parameter with reqwest's
//!   `RequestBuilder::query`, which rewrites the URL even for an optional parameter left unset
//!   (`None`: nothing is added); `crate::transport::query_param` skips those (KV v2's `version`
//!   on every read).
//!
//! The tail of `send()` (hooks, status match, decoding) is replaced whole by
//! `codegen/surface.rs`: it ends in the transport.

use syn::visit_mut::VisitMut;

/// What [`streamline_requests`] changed, for tests and the codegen report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RequestRewrites {
    /// `api-version` headers removed.
    pub api_version_headers: usize,
    /// Header maps left empty by that and removed with their `.headers(..)` call.
    pub empty_header_maps: usize,
    /// URLs with path parameters built by `crate::path::operation_url`.
    pub checked_urls: usize,
    /// URLs without path parameters built by `crate::path::fixed_url`.
    pub fixed_urls: usize,
    /// Path parameters still escaped by progenitor's `encode_path` (should be 0).
    pub unrewritten_path_params: usize,
    /// Required builder parameters whose "not initialized" message is made only when needed.
    pub lazy_unset_messages: usize,
    /// Query parameters added through `crate::transport::query_param` (skipped when unset).
    pub query_params: usize,
}

/// Applies every rewrite of this module to every function of the generated file.
pub fn streamline_requests(file: &mut syn::File) -> RequestRewrites {
    let mut visitor = Streamline::default();
    visitor.visit_file_mut(file);
    visitor.stats
}

#[derive(Default)]
struct Streamline {
    stats: RequestRewrites,
}

impl VisitMut for Streamline {
    fn visit_item_impl_mut(&mut self, imp: &mut syn::ItemImpl) {
        unset_parameters_without_allocation(imp, &mut self.stats);
        syn::visit_mut::visit_item_impl_mut(self, imp);
    }

    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        drop_api_version_header(block, &mut self.stats);
        for stmt in &mut block.stmts {
            build_urls_with_checked_params(stmt, &mut self.stats);
        }
        syn::visit_mut::visit_block_mut(self, block);
    }

    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, expr);
        query_param_when_set(expr, &mut self.stats);
    }

    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        if mac.path.is_ident("format") && mac.tokens.to_string().contains("encode_path") {
            self.stats.unrewritten_path_params += 1;
        }
        syn::visit_mut::visit_macro_mut(self, mac);
    }
}

/// Rewrites `<builder>.query(&progenitor_client::QueryParam::new(name, &value))` as
/// `crate::transport::query_param(<builder>, name, &value)`, which adds the same pairs, and
/// nothing (without touching the URL) when `value` is `None`. Other `.query(..)` calls are left
/// alone.
pub fn query_param_when_set(expr: &mut syn::Expr, stats: &mut RequestRewrites) {
    let syn::Expr::MethodCall(call) = expr else {
        return;
    };
    if call.method != "query" || call.args.len() != 1 {
        return;
    }
    let Some(syn::Expr::Reference(reference)) = call.args.first() else {
        return;
    };
    let syn::Expr::Call(new) = &*reference.expr else {
        return;
    };
    let syn::Expr::Path(func) = &*new.func else {
        return;
    };
    let func = quote::quote!(#func).to_string().replace(' ', "");
    if func != "progenitor_client::QueryParam::new" || new.args.len() != 2 {
        return;
    }
    let (receiver, name, value) = (&call.receiver, &new.args[0], &new.args[1]);
    let rewritten: syn::Expr =
        syn::parse_quote!(crate::transport::query_param(#receiver, #name, #value));
    *expr = rewritten;
    stats.query_params += 1;
}

/// Removes `header_map.append("api-version", ..)` from a block. progenitor adds it to every
/// request (`HeaderMap::with_capacity(n + 1)`, then the append); Vault has no such header. When
/// the map is left empty, its `let` and the `.headers(header_map)` call go too.
pub fn drop_api_version_header(block: &mut syn::Block, stats: &mut RequestRewrites) {
    let before = block.stmts.len();
    block.stmts.retain(|stmt| !is_api_version_append(stmt));
    let removed = before - block.stmts.len();
    if removed == 0 {
        return;
    }
    stats.api_version_headers += removed;
    let others = block.stmts.iter().any(appends_to_header_map);
    if others {
        // Keep the map; it is only sized one too large, which costs nothing.
        return;
    }
    let before = block.stmts.len();
    block.stmts.retain(|stmt| !declares_header_map(stmt));
    if before == block.stmts.len() {
        return;
    }
    stats.empty_header_maps += 1;
    let mut strip = StripHeadersCall;
    for stmt in &mut block.stmts {
        strip.visit_stmt_mut(stmt);
    }
}

fn is_api_version_append(stmt: &syn::Stmt) -> bool {
    let syn::Stmt::Expr(syn::Expr::MethodCall(call), _) = stmt else {
        return false;
    };
    call.method == "append"
        && is_ident_expr(&call.receiver, "header_map")
        && call
            .args
            .first()
            .is_some_and(|arg| quote::quote!(#arg).to_string().contains("\"api-version\""))
}

fn appends_to_header_map(stmt: &syn::Stmt) -> bool {
    let text = quote::quote!(#stmt).to_string();
    text.contains("header_map . append") || text.contains("header_map . insert")
}

fn declares_header_map(stmt: &syn::Stmt) -> bool {
    let syn::Stmt::Local(local) = stmt else {
        return false;
    };
    let syn::Pat::Ident(pat) = &local.pat else {
        return false;
    };
    pat.ident == "header_map"
}

fn is_ident_expr(expr: &syn::Expr, name: &str) -> bool {
    matches!(expr, syn::Expr::Path(p) if p.path.is_ident(name))
}

/// Replaces `<receiver>.headers(header_map)` with `<receiver>`.
struct StripHeadersCall;

impl VisitMut for StripHeadersCall {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        if let syn::Expr::MethodCall(call) = expr {
            if call.method == "headers"
                && call.args.len() == 1
                && is_ident_expr(&call.args[0], "header_map")
            {
                let receiver = std::mem::replace(&mut *call.receiver, syn::parse_quote!(()));
                *expr = receiver;
                self.visit_expr_mut(expr);
                return;
            }
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }
}

/// Rewrites `let url = format!("{}/{}/data/{}", client.baseurl, encode_path(&a.to_string()), ..);`
/// into `let url = crate::path::operation_url(&client.baseurl, &["/", "/data/", ""],
/// &[("a", &a), ..]).map_err(Error::InvalidRequest)?;`.
///
/// progenitor escapes `/` in a path parameter as `%2F`, but Vault's secret paths
/// (`secret/data/team/app`) and nested mounts (`team/kv`) are `/`-separated, and some proxies
/// refuse `%2F`. Keeping slashes literal also makes `..` a way out of the endpoint
/// (`path("../../sys/seal")`), so `operation_url` refuses such parameters; it writes the URL in
/// one allocation where progenitor made three per parameter.
pub fn build_urls_with_checked_params(stmt: &mut syn::Stmt, stats: &mut RequestRewrites) {
    let syn::Stmt::Local(local) = stmt else {
        return;
    };
    let syn::Pat::Ident(pat) = &local.pat else {
        return;
    };
    if pat.ident != "url" {
        return;
    }
    let Some(init) = &mut local.init else {
        return;
    };
    let syn::Expr::Macro(mac) = &*init.expr else {
        return;
    };
    if !mac.mac.path.is_ident("format") {
        return;
    }
    let Some((rewritten, fixed)) = checked_url_expr(&mac.mac) else {
        return;
    };
    *init.expr = rewritten;
    if fixed {
        stats.fixed_urls += 1;
    } else {
        stats.checked_urls += 1;
    }
}

/// The `operation_url` call for a `format!` of the base URL and escaped path parameters (or the
/// `fixed_url` call, `true`, for the base URL and a path alone), or `None` when the macro has
/// another shape (left as progenitor wrote it).
fn checked_url_expr(mac: &syn::Macro) -> Option<(syn::Expr, bool)> {
    use syn::punctuated::Punctuated;
    let args = mac
        .parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
        .ok()?;
    let mut args = args.into_iter();
    let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(template),
        ..
    }) = args.next()?
    else {
        return None;
    };
    let base = args.next()?;
    if quote::quote!(#base).to_string() != "client . baseurl" {
        return None;
    }
    let mut params = Vec::new();
    for arg in args {
        params.push(encoded_param(&arg)?);
    }
    let template = template.value();
    if params.is_empty() {
        let path = template.strip_prefix("{}")?;
        if path.contains(['{', '}']) {
            return None;
        }
        return Some((
            syn::parse_quote!(crate::path::fixed_url(&client.baseurl, #path)?),
            true,
        ));
    }
    let mut pieces = template.split("{}");
    // The template starts with the base URL's placeholder.
    if !pieces.next()?.is_empty() {
        return None;
    }
    let pieces: Vec<&str> = pieces.collect();
    if pieces.len() != params.len() + 1 || pieces.iter().any(|p| p.contains(['{', '}'])) {
        return None;
    }
    let names = params.iter().map(|p| p.to_string());
    let idents = params.iter();
    Some((
        syn::parse_quote! {
            crate::path::operation_url(
                &client.baseurl,
                &[#(#pieces),*],
                &[#((#names, &#idents as &dyn ::std::fmt::Display)),*],
            )
            .map_err(Error::InvalidRequest)?
        },
        false,
    ))
}

/// `x` in `encode_path(&x.to_string())`.
fn encoded_param(arg: &syn::Expr) -> Option<syn::Ident> {
    let syn::Expr::Call(call) = arg else {
        return None;
    };
    if !matches!(&*call.func, syn::Expr::Path(p) if p.path.is_ident("encode_path")) {
        return None;
    }
    let [syn::Expr::Reference(reference)] = call.args.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let syn::Expr::MethodCall(to_string) = &*reference.expr else {
        return None;
    };
    if to_string.method != "to_string" || !to_string.args.is_empty() {
        return None;
    }
    let syn::Expr::Path(p) = &*to_string.receiver else {
        return None;
    };
    p.path.get_ident().cloned()
}

/// In an operation builder (`impl X<'a> { fn new(client) -> Self { Self { p: Err("p was not
/// initialized".to_string()), .. } } .. fn send(self) { let p = p.map_err(Error::InvalidRequest)?; .. } }`),
/// starts each required parameter as `Err(String::new())` and makes the message in `send()` when
/// the error is still empty (a setter's conversion error is never empty). Saves an allocation and
/// a free per required parameter on every call. Builders of another shape are left alone; a
/// parameter is only rewritten when both places are found.
pub fn unset_parameters_without_allocation(imp: &mut syn::ItemImpl, stats: &mut RequestRewrites) {
    let operation = impl_type_name(imp).map(|name| snake_case(&name));
    let mut new_fn = None;
    let mut send_fn = None;
    for item in imp.items.iter_mut() {
        if let syn::ImplItem::Fn(f) = item {
            if f.sig.ident == "new" {
                new_fn = Some(f);
            } else if f.sig.ident == "send" {
                send_fn = Some(f);
            }
        }
    }
    let (Some(new_fn), Some(send_fn)) = (new_fn, send_fn) else {
        return;
    };
    let Some(syn::Stmt::Expr(syn::Expr::Struct(init), _)) = new_fn.block.stmts.last_mut() else {
        return;
    };
    for field in init.fields.iter_mut() {
        let syn::Member::Named(name) = &field.member else {
            continue;
        };
        if !is_err_of_message(&field.expr, &format!("{name} was not initialized")) {
            continue;
        }
        let message = match &operation {
            Some(op) => format!("{op}: `{name}` was not set (call `.{name}(..)` before `send()`)"),
            None => format!("`{name}` was not set"),
        };
        let Some(check) = send_fn
            .block
            .stmts
            .iter_mut()
            .find_map(|stmt| unwrapping_stmt(stmt, name))
        else {
            continue;
        };
        *check = syn::parse_quote! {
            #name.map_err(|e| Error::InvalidRequest(if e.is_empty() { #message.to_string() } else { e }))?
        };
        field.expr = syn::parse_quote!(Err(String::new()));
        stats.lazy_unset_messages += 1;
    }
}

/// The name of the type an `impl` is for (`KvV2Read` of `impl<'a> KvV2Read<'a>`).
fn impl_type_name(imp: &syn::ItemImpl) -> Option<String> {
    match &*imp.self_ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// A builder's name as its operation's method name: `KvV2Read` is `kv_v2_read`.
pub fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether `expr` is `Err("<message>".to_string())`.
fn is_err_of_message(expr: &syn::Expr, message: &str) -> bool {
    let syn::Expr::Call(call) = expr else {
        return false;
    };
    if !matches!(&*call.func, syn::Expr::Path(p) if p.path.is_ident("Err")) || call.args.len() != 1
    {
        return false;
    }
    let syn::Expr::MethodCall(to_string) = &call.args[0] else {
        return false;
    };
    to_string.method == "to_string"
        && matches!(&*to_string.receiver, syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) if s.value() == message)
}

/// The initializer of `let <name> = <name>.map_err(Error::InvalidRequest)?;`.
fn unwrapping_stmt<'a>(stmt: &'a mut syn::Stmt, name: &syn::Ident) -> Option<&'a mut syn::Expr> {
    let syn::Stmt::Local(local) = stmt else {
        return None;
    };
    if !matches!(&local.pat, syn::Pat::Ident(p) if p.ident == *name) {
        return None;
    }
    let init = local.init.as_mut()?;
    let expr = &init.expr;
    let text = quote::quote!(#expr).to_string().replace(' ', "");
    if text != format!("{name}.map_err(Error::InvalidRequest)?") {
        return None;
    }
    Some(&mut init.expr)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progenitor_send() -> syn::File {
        syn::parse_quote! {
            impl<'a> KvV2Read<'a> {
                pub fn new(client: &'a super::Client) -> Self {
                    Self {
                        client: client,
                        kv_v2_mount_path: Err("kv_v2_mount_path was not initialized".to_string()),
                        path: Err("path was not initialized".to_string()),
                        version: Ok(None),
                    }
                }
                pub async fn send(self) -> Result<ResponseValue<types::R>, Error<()>> {
                    let Self { client, kv_v2_mount_path, path } = self;
                    let kv_v2_mount_path = kv_v2_mount_path.map_err(Error::InvalidRequest)?;
                    let path = path.map_err(Error::InvalidRequest)?;
                    let url = format!(
                        "{}/{}/data/{}", client.baseurl, encode_path(&kv_v2_mount_path.to_string()),
                        encode_path(&path.to_string()),
                    );
                    let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
                    header_map.append(
                        ::reqwest::header::HeaderName::from_static("api-version"),
                        ::reqwest::header::HeaderValue::from_static(super::Client::api_version()),
                    );
                    #[allow(unused_mut)]
                    let mut request = client
                        .client
                        .get(url)
                        .header(::reqwest::header::ACCEPT, ::reqwest::header::HeaderValue::from_static("application/json"))
                        .headers(header_map)
                        .query(&progenitor_client::QueryParam::new("version", &version))
                        .build()?;
                    let result = client.exec(request, &info).await;
                    let response = result?;
                    match response.status().as_u16() {
                        200..=299 => ResponseValue::from_response(response).await,
                        _ => Err(Error::UnexpectedResponse(response)),
                    }
                }
            }
        }
    }

    #[test]
    fn a_progenitor_send_is_rewritten_whole() {
        let mut file = progenitor_send();
        let stats = streamline_requests(&mut file);
        assert_eq!(
            stats,
            RequestRewrites {
                api_version_headers: 1,
                empty_header_maps: 1,
                checked_urls: 1,
                fixed_urls: 0,
                unrewritten_path_params: 0,
                lazy_unset_messages: 2,
                query_params: 1,
            }
        );
        let code = prettyplease::unparse(&file);
        assert!(!code.contains("api-version"), "{code}");
        assert!(!code.contains("header_map"), "{code}");
        assert!(!code.contains("encode_path"), "{code}");
        let flat: String = code.split_whitespace().collect();
        assert!(
            flat.contains(r#"crate::path::operation_url(&client.baseurl,&["/","/data/",""],&[("kv_v2_mount_path",&kv_v2_mount_pathas&dyn::std::fmt::Display),("path",&pathas&dyn::std::fmt::Display),],)"#),
            "{code}"
        );
        assert!(flat.contains(".map_err(Error::InvalidRequest)?;"), "{code}");
        assert!(
            flat.contains("crate::transport::query_param(client.client.get(url).header(::reqwest::header::ACCEPT,::reqwest::header::HeaderValue::from_static(\"application/json\"),),\"version\",&version,).build()?;"),
            "{code}"
        );
        assert!(
            !flat.contains(".to_string()),"),
            "no message made in new(): {code}"
        );
        assert!(
            flat.contains("kv_v2_mount_path:Err(String::new()),"),
            "{code}"
        );
        assert!(
            flat.contains(r#"letpath=path.map_err(|e|Error::InvalidRequest(ife.is_empty(){"kv_v2_read:`path`wasnotset(call`.path(..)`before`send()`)".to_string()}else{e},))?;"#),
            "{code}"
        );
    }

    #[test]
    fn builder_names_are_method_names() {
        assert_eq!(snake_case("KvV2Read"), "kv_v2_read");
        assert_eq!(snake_case("TransitReadKey"), "transit_read_key");
    }

    #[test]
    fn other_headers_keep_their_map() {
        let mut block: syn::Block = syn::parse_quote!({
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(2usize);
            header_map.append(
                ::reqwest::header::HeaderName::from_static("api-version"),
                ::reqwest::header::HeaderValue::from_static(super::Client::api_version()),
            );
            header_map.append("x-vault-index", x_vault_index.to_string().try_into()?);
            let request = client.client.get(url).headers(header_map).build()?;
        });
        let mut stats = RequestRewrites::default();
        drop_api_version_header(&mut block, &mut stats);
        assert_eq!(stats.api_version_headers, 1);
        assert_eq!(stats.empty_header_maps, 0);
        let code = quote::quote!(#block).to_string();
        assert!(!code.contains("api-version"));
        assert!(code.contains(". headers (header_map)"));
        assert!(code.contains("x-vault-index"));
    }

    #[test]
    fn a_url_without_parameters_is_the_base_with_its_path() {
        let mut stmt: syn::Stmt =
            syn::parse_str(r#"let url = format!("{}/sys/health", client.baseurl,);"#).unwrap();
        let mut stats = RequestRewrites::default();
        build_urls_with_checked_params(&mut stmt, &mut stats);
        assert_eq!((stats.fixed_urls, stats.checked_urls), (1, 0));
        let flat: String = quote::quote!(#stmt)
            .to_string()
            .split_whitespace()
            .collect();
        assert_eq!(
            flat,
            r#"leturl=crate::path::fixed_url(&client.baseurl,"/sys/health")?;"#
        );
    }

    #[test]
    fn urls_of_other_shapes_are_left_alone() {
        for src in [
            r#"let url = format!("{}/{}/health", client.baseurl);"#,
            r#"let url = format!("{}/{}", other.baseurl, encode_path(&a.to_string()));"#,
            r#"let url = format!("{}/{}", client.baseurl, a);"#,
            r#"let other = format!("{}/{}", client.baseurl, encode_path(&a.to_string()));"#,
        ] {
            let mut stmt: syn::Stmt = syn::parse_str(src).unwrap();
            let mut stats = RequestRewrites::default();
            build_urls_with_checked_params(&mut stmt, &mut stats);
            assert_eq!(stats.checked_urls, 0, "{src}");
            assert!(
                quote::quote!(#stmt).to_string().contains("format !"),
                "{src}"
            );
        }
    }

    #[test]
    fn an_unrewritten_escape_is_counted() {
        let mut file: syn::File = syn::parse_quote! {
            fn f() {
                let other = format!("{}/{}", client.baseurl, encode_path(&a.to_string()));
            }
        };
        assert_eq!(streamline_requests(&mut file).unrewritten_path_params, 1);
    }
}
