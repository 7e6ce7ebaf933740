//! Rewrites that make the generated operations speak hashivault: one error type, one answer
//! type, owned builders. progenitor's runtime (`progenitor_client`) stays an implementation
//! detail; nothing of it is in a generated signature.
//!
//! - [`send_through_transport`]: progenitor's `send()` ends in `pre` / `exec` / `post` hooks and
//!   a `match` on the status that returns `progenitor_client::Error` (a transport failure had to
//!   ride in a stand-in response to survive that). The whole tail becomes one call,
//!   `crate::transport::send_json(&client, request, &info)` (or `send_bytes` for a body that is
//!   not JSON), which returns `Result<crate::Response<T>, crate::Error>`: the transport's own
//!   error as it was made, a non-2xx answer with Vault's messages, both naming the operation.
//!   The signature follows; the builder's input checks (`Error::InvalidRequest`) become
//!   `crate::Error::InvalidInput` naming the operation.
//! - [`builders_own_their_client`]: progenitor's builders borrow the client
//!   (`KvV2Read<'a> { client: &'a Client }`), so a builder cannot be stored or moved into
//!   `tokio::spawn`. They hold a clone instead (`'static`, `Send`): the client is a handful of
//!   reference counts (see [`client_shares_its_base_url`]).
//! - [`client_shares_its_base_url`]: the generated `Client`'s base URL is the handwritten
//!   `crate::path::BaseUrl` (shared, parsed once) instead of a `String`, so that a clone per call
//!   allocates nothing and a request's URL is not parsed whole again.
//! - [`imports_without_progenitor`]: the generated module re-exported progenitor's `Error`,
//!   `ResponseValue` and `ByteStream` (`hashivault::api::Error` was progenitor's); the module
//!   imports what it uses privately, and the builders use `crate::Error`.

use syn::visit_mut::VisitMut;

/// What [`make_one_surface`] changed, for tests and the codegen report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SurfaceRewrites {
    /// `send()`s that end in `crate::transport::send_json` / `send_bytes`.
    pub sends: usize,
    /// `send()`s of a shape [`send_through_transport`] does not know (should be 0: they would
    /// bypass the transport).
    pub unrewritten_sends: usize,
    /// `send()`s that build their request in a plain function and return the transport's
    /// future ([`send_without_a_coroutine`]): all of them.
    pub sync_sends: usize,
    /// Builders that own a client clone.
    pub owned_builders: usize,
    /// Client methods that hand a clone to their builder.
    pub cloning_constructors: usize,
    /// Whether the client's base URL became a `crate::path::BaseUrl`.
    pub shared_base_url: bool,
}

/// Applies every rewrite of this module to the generated file.
pub fn make_one_surface(file: &mut syn::File) -> SurfaceRewrites {
    let mut stats = SurfaceRewrites::default();
    imports_without_progenitor(file);
    client_shares_its_base_url(file, &mut stats);
    for item in &mut file.items {
        match item {
            syn::Item::Mod(module) if module.ident == "builder" => {
                let Some((_, items)) = &mut module.content else {
                    continue;
                };
                builder_imports(items);
                for item in items.iter_mut() {
                    builders_own_their_client(item, &mut stats);
                    if let syn::Item::Impl(imp) = item {
                        for member in &mut imp.items {
                            if let syn::ImplItem::Fn(f) = member {
                                if f.sig.ident == "send" {
                                    let before = stats.sends;
                                    send_through_transport(f, &mut stats);
                                    if stats.sends > before && send_without_a_coroutine(f) {
                                        stats.sync_sends += 1;
                                    }
                                }
                            }
                        }
                    }
                }
                InvalidInput.visit_item_mod_mut(module);
            }
            syn::Item::Impl(imp) if is_client_impl(imp) => {
                for member in &mut imp.items {
                    if let syn::ImplItem::Fn(f) = member {
                        if constructor_takes_a_clone(f) {
                            stats.cloning_constructors += 1;
                        }
                    }
                }
            }
            _ => {}
        }
    }
    stats
}

/// The names the generated `send()`s give their operation (`OperationInfo { operation_id: ".." }`),
/// which errors show; `generate` checks each is an operation's `method_name`.
pub fn sent_operation_names(file: &syn::File) -> Vec<String> {
    struct Names(Vec<String>);
    impl<'ast> syn::visit::Visit<'ast> for Names {
        fn visit_expr_struct(&mut self, st: &'ast syn::ExprStruct) {
            if st.path.is_ident("OperationInfo") {
                for field in &st.fields {
                    if let syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(name),
                        ..
                    }) = &field.expr
                    {
                        self.0.push(name.value());
                    }
                }
            }
            syn::visit::visit_expr_struct(self, st);
        }
    }
    let mut names = Names(Vec::new());
    syn::visit::Visit::visit_file(&mut names, file);
    names.0
}

fn is_client_impl(imp: &syn::ItemImpl) -> bool {
    imp.trait_.is_none() && matches!(&*imp.self_ty, syn::Type::Path(p) if p.path.is_ident("Client"))
}

/// Replaces the tail of a generated `send()` (from `client.pre(..)` to the final `match` on the
/// status) with one call of the transport, and its return type with hashivault's. A `send()` of
/// another shape is left alone and counted in [`SurfaceRewrites::unrewritten_sends`].
pub fn send_through_transport(send: &mut syn::ImplItemFn, stats: &mut SurfaceRewrites) {
    let Some(answer) = answer_type(&send.sig.output) else {
        stats.unrewritten_sends += 1;
        return;
    };
    let stmts = &send.block.stmts;
    let Some(pre) = stmts.iter().position(|s| is_hook_call(s, "pre")) else {
        stats.unrewritten_sends += 1;
        return;
    };
    // What progenitor writes after `pre`: exec, post, `let response = result?;`, the match
    // (compared as text but for the match's arms, whose text is most of the `send()`).
    fn flat(tokens: &impl quote::ToTokens) -> String {
        tokens.to_token_stream().to_string().replace(' ', "")
    }
    let tail: Vec<String> = stmts[pre..(pre + 4).min(stmts.len())]
        .iter()
        .map(flat)
        .collect();
    let status_match = match stmts.get(pre + 4) {
        Some(syn::Stmt::Expr(syn::Expr::Match(m), _)) if stmts.len() == pre + 5 => Some(m),
        _ => None,
    };
    let known = tail.len() == 4
        && tail[1] == "letresult=client.exec(request,&info).await;"
        && tail[2] == "client.post(&result,&info).await?;"
        && tail[3] == "letresponse=result?;";
    let Some(status_match) =
        status_match.filter(|m| known && flat(&m.expr) == "response.status().as_u16()")
    else {
        stats.unrewritten_sends += 1;
        return;
    };
    let answers = documented_statuses(status_match);
    let (call, output): (syn::Expr, syn::Type) = match answer {
        Answer::Bytes => (
            syn::parse_quote!(crate::transport::send_bytes(&client, request, &info).await),
            syn::parse_quote!(crate::Response<::bytes::Bytes>),
        ),
        Answer::Json(ty) => (
            syn::parse_quote!(
                crate::transport::send_json(&client, request, &info, &[#(#answers),*]).await
            ),
            syn::parse_quote!(crate::Response<#ty>),
        ),
    };
    send.block.stmts.truncate(pre);
    send.block.stmts.push(syn::Stmt::Expr(call, None));
    send.sig.output = syn::parse_quote!(-> ::std::result::Result<#output, crate::Error>);
    stats.sends += 1;
}

/// A `send()` that [`send_through_transport`] rewrote, `async fn send(self) -> R { ..;
/// crate::transport::send_json(&client, request, &info, &[..]).await }`, becomes a plain function
/// that builds the request and returns the transport's future:
///
/// ```text
/// #[inline]
/// pub fn send(self) -> impl Future<Output = R> {
///     let prepared = (move || -> Result<_, crate::Error> { ..; Ok((client, request, info)) })();
///     crate::transport::send_json_later(prepared, &[..])
/// }
/// ```
///
/// The caller's surface is the same (`async fn send(self) -> R` is `fn send(self) -> impl
/// Future<Output = R>`, `Send` and `'static` as before; the request is now built when `send()`
/// is called rather than when its future is first polled). What changes is rustc's work in the
/// library: an `async fn` per operation is a coroutine per operation (its state machine, the
/// await on the transport's future, `Send` checks), type-checked and borrow-checked for every
/// operation of the enabled groups whether or not the user calls it; the transport's future is
/// one generic function, instantiated per answer type only where a `send()` is called. The
/// function is `#[inline]`: like the coroutine's body before it, it is compiled to machine code
/// in the crate that calls it, not in the library. Returns whether it rewrote `send`.
pub fn send_without_a_coroutine(send: &mut syn::ImplItemFn) -> bool {
    if send.sig.asyncness.is_none() {
        return false;
    }
    let Some(syn::Stmt::Expr(syn::Expr::Await(awaited), None)) = send.block.stmts.last() else {
        return false;
    };
    let syn::Expr::Call(call) = &*awaited.base else {
        return false;
    };
    let syn::Expr::Path(callee) = &*call.func else {
        return false;
    };
    let callee: Vec<String> = crate::path_idents(&callee.path);
    let args: Vec<String> = call
        .args
        .iter()
        .map(|a| quote::quote!(#a).to_string().replace(' ', ""))
        .collect();
    let tail: syn::Expr = match callee.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["crate", "transport", "send_json"]
            if args.len() == 4 && args[..3] == ["&client", "request", "&info"] =>
        {
            let answers = &call.args[3];
            syn::parse_quote!(crate::transport::send_json_later(prepared, #answers))
        }
        ["crate", "transport", "send_bytes"]
            if args.len() == 3 && args[..3] == ["&client", "request", "&info"] =>
        {
            syn::parse_quote!(crate::transport::send_bytes_later(prepared))
        }
        _ => return false,
    };
    let syn::ReturnType::Type(_, output) = &send.sig.output else {
        return false;
    };
    let output = output.clone();
    let mut stmts = send.block.stmts.clone();
    stmts.pop();
    send.block = syn::parse_quote!({
        let prepared = (move || -> ::std::result::Result<_, crate::Error> {
            #(#stmts)*
            Ok((client, request, info))
        })();
        #tail
    });
    send.sig.asyncness = None;
    send.sig.output = syn::parse_quote!(-> impl ::std::future::Future<Output = #output>);
    send.attrs.push(syn::parse_quote!(#[inline]));
    true
}

/// The non-2xx statuses an operation documents as answers of its own (`sys/health`: `429` for a
/// standby, `472`/`473` for DR and performance standbys, `501` not initialized, `503` sealed):
/// the literal arms of progenitor's status `match`. They come back as a [`crate::Response`] of
/// the operation's answer type with that status, not as errors: the node's state is the answer.
fn documented_statuses(status_match: &syn::ExprMatch) -> Vec<u16> {
    status_match
        .arms
        .iter()
        .filter_map(|arm| match &arm.pat {
            syn::Pat::Lit(syn::ExprLit {
                lit: syn::Lit::Int(code),
                ..
            }) => code.base10_parse::<u16>().ok(),
            _ => None,
        })
        .filter(|code| !(200..300).contains(code))
        .collect()
}

enum Answer {
    /// `ResponseValue<ByteStream>`: a body that is not JSON, read whole.
    Bytes,
    /// `ResponseValue<T>`.
    Json(Box<syn::Type>),
}

/// `T` of `-> Result<ResponseValue<T>, Error<..>>`.
fn answer_type(output: &syn::ReturnType) -> Option<Answer> {
    let syn::ReturnType::Type(_, ty) = output else {
        return None;
    };
    let result = last_segment(ty, "Result")?;
    let syn::PathArguments::AngleBracketed(args) = &result.arguments else {
        return None;
    };
    let syn::GenericArgument::Type(ok) = args.args.first()? else {
        return None;
    };
    let value = last_segment(ok, "ResponseValue")?;
    let syn::PathArguments::AngleBracketed(args) = &value.arguments else {
        return None;
    };
    let syn::GenericArgument::Type(inner) = args.args.first()? else {
        return None;
    };
    if last_segment(inner, "ByteStream").is_some() {
        return Some(Answer::Bytes);
    }
    Some(Answer::Json(Box::new(inner.clone())))
}

fn last_segment<'a>(ty: &'a syn::Type, name: &str) -> Option<&'a syn::PathSegment> {
    let syn::Type::Path(p) = ty else {
        return None;
    };
    p.path.segments.last().filter(|s| s.ident == name)
}

/// `client.<hook>(..).await?;`
fn is_hook_call(stmt: &syn::Stmt, hook: &str) -> bool {
    let text = quote::quote!(#stmt).to_string().replace(' ', "");
    text.starts_with(&format!("client.{hook}("))
}

/// `Error::InvalidRequest` (progenitor's) becomes `Error::InvalidInput` (hashivault's): the
/// builder module imports `crate::Error` as `Error` ([`builder_imports`]).
struct InvalidInput;

impl VisitMut for InvalidInput {
    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        let names: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        if names == ["Error", "InvalidRequest"] {
            *path = syn::parse_quote!(Error::InvalidInput);
        }
        syn::visit_mut::visit_path_mut(self, path);
    }

    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        // `.build()?`: reqwest refuses a request it cannot build (a header value that is not one).
        if let syn::Expr::Try(attempt) = expr {
            if let syn::Expr::MethodCall(call) = &*attempt.expr {
                if call.method == "build" && call.args.is_empty() {
                    let inner = &attempt.expr;
                    *attempt.expr = syn::parse_quote!(#inner.map_err(crate::Error::unbuildable));
                }
            }
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }
}

/// The builder module's `use super::{.., Error, .., ResponseValue}` becomes the private imports
/// it needs and `crate::Error`.
fn builder_imports(items: &mut Vec<syn::Item>) {
    items.retain(|item| !matches!(item, syn::Item::Use(u) if quote::quote!(#u).to_string().contains("super :: {")));
    items.insert(
        0,
        syn::parse_quote! {
            #[allow(unused_imports)]
            use super::{encode_path, ClientInfo, OperationInfo, RequestBuilderExt};
        },
    );
    items.insert(
        1,
        syn::parse_quote!(
            use crate::Error;
        ),
    );
}

/// The generated module's `pub use progenitor_client::{ByteStream, ClientInfo, Error,
/// ResponseValue};` becomes a private import of what the generated code uses, and the
/// compile-time check that `Client: ClientHooks` goes (no hook is called any more:
/// [`send_through_transport`]).
pub fn imports_without_progenitor(file: &mut syn::File) {
    file.items.retain(|item| match item {
        syn::Item::Use(u) => !quote::quote!(#u).to_string().contains("progenitor_client"),
        syn::Item::Const(c) => !quote::quote!(#c)
            .to_string()
            .contains("assert_client_hooks"),
        _ => true,
    });
    file.items.insert(
        0,
        syn::parse_quote! {
            #[allow(unused_imports)]
            use progenitor_client::{encode_path, ClientInfo, OperationInfo, RequestBuilderExt};
        },
    );
}

/// `pub struct X<'a> { client: &'a super::Client, .. }` and `impl<'a> X<'a>` lose the lifetime;
/// the builder holds `super::Client` (its `new` takes one).
pub fn builders_own_their_client(item: &mut syn::Item, stats: &mut SurfaceRewrites) {
    match item {
        syn::Item::Struct(st) => {
            let borrows = st
                .fields
                .iter()
                .any(|f| f.ident.as_ref().is_some_and(|i| i == "client") && is_client_ref(&f.ty));
            if !borrows {
                return;
            }
            st.generics = syn::Generics::default();
            for field in st.fields.iter_mut() {
                if is_client_ref(&field.ty) {
                    field.ty = syn::parse_quote!(super::Client);
                }
            }
            stats.owned_builders += 1;
        }
        syn::Item::Impl(imp) => {
            let lifetime_only = !imp.generics.params.is_empty()
                && imp
                    .generics
                    .params
                    .iter()
                    .all(|p| matches!(p, syn::GenericParam::Lifetime(_)));
            if !lifetime_only {
                return;
            }
            imp.generics = syn::Generics::default();
            StripLifetimes.visit_type_mut(&mut imp.self_ty);
            for member in &mut imp.items {
                if let syn::ImplItem::Fn(f) = member {
                    for input in f.sig.inputs.iter_mut() {
                        if let syn::FnArg::Typed(arg) = input {
                            if is_client_ref(&arg.ty) {
                                *arg.ty = syn::parse_quote!(super::Client);
                            }
                        }
                    }
                }
            }
        }
        _ => {}
    }
}

/// `&'a super::Client`.
fn is_client_ref(ty: &syn::Type) -> bool {
    let syn::Type::Reference(r) = ty else {
        return false;
    };
    quote::quote!(#r.elem).to_string().replace(' ', "") == "super::Client"
        || matches!(&*r.elem, syn::Type::Path(p) if p.path.segments.len() == 2 && p.path.segments[0].ident == "super" && p.path.segments[1].ident == "Client")
}

/// Removes lifetime arguments (`X<'a>`, `X<'_>`) from the paths of a type.
struct StripLifetimes;

impl VisitMut for StripLifetimes {
    fn visit_path_segment_mut(&mut self, segment: &mut syn::PathSegment) {
        if let syn::PathArguments::AngleBracketed(args) = &segment.arguments {
            if args
                .args
                .iter()
                .all(|a| matches!(a, syn::GenericArgument::Lifetime(_)))
            {
                segment.arguments = syn::PathArguments::None;
            }
        }
        syn::visit_mut::visit_path_segment_mut(self, segment);
    }
}

/// `pub fn kv_v2_read(&self) -> builder::KvV2Read<'_> { builder::KvV2Read::new(self) }` becomes
/// `-> builder::KvV2Read { builder::KvV2Read::new(self.clone()) }`.
fn constructor_takes_a_clone(f: &mut syn::ImplItemFn) -> bool {
    let syn::ReturnType::Type(_, ty) = &mut f.sig.output else {
        return false;
    };
    let is_builder = matches!(&**ty, syn::Type::Path(p) if p.path.segments.first().is_some_and(|s| s.ident == "builder"));
    if !is_builder {
        return false;
    }
    let [syn::Stmt::Expr(syn::Expr::Call(call), None)] = &mut f.block.stmts[..] else {
        return false;
    };
    let [syn::Expr::Path(arg)] = &call.args.iter().collect::<Vec<_>>()[..] else {
        return false;
    };
    if !arg.path.is_ident("self") {
        return false;
    }
    call.args = syn::parse_quote!(self.clone());
    StripLifetimes.visit_type_mut(ty);
    true
}

/// The generated `Client { baseurl: String, .. }` keeps its base URL as a `crate::path::BaseUrl`:
/// shared, so a clone of the client (one per call, [`builders_own_their_client`]) allocates
/// nothing, and parsed once, so each operation's URL is the base with its path set
/// (`crate::path::operation_url`) instead of a text reqwest parses whole, scheme and host again.
pub fn client_shares_its_base_url(file: &mut syn::File, stats: &mut SurfaceRewrites) {
    for item in &mut file.items {
        match item {
            syn::Item::Struct(st) if st.ident == "Client" => {
                for field in st.fields.iter_mut() {
                    if field.ident.as_ref().is_some_and(|i| i == "baseurl") {
                        field.ty = syn::parse_quote!(crate::path::BaseUrl);
                        stats.shared_base_url = true;
                    }
                }
            }
            syn::Item::Impl(imp) if matches!(&*imp.self_ty, syn::Type::Path(p) if p.path.is_ident("Client")) =>
            {
                BaseUrl.visit_item_impl_mut(imp);
            }
            _ => {}
        }
    }
}

/// `baseurl: baseurl.to_string()` → `baseurl: BaseUrl::new(baseurl)`, `self.baseurl.as_str()` →
/// `&self.baseurl` (a `&str` through `Deref`).
struct BaseUrl;

impl VisitMut for BaseUrl {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        let text = quote::quote!(#expr).to_string().replace(' ', "");
        if text == "baseurl.to_string()" {
            *expr = syn::parse_quote!(crate::path::BaseUrl::new(baseurl));
            return;
        }
        if text == "self.baseurl.as_str()" {
            *expr = syn::parse_quote!(&self.baseurl);
            return;
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generated() -> syn::File {
        syn::parse_quote! {
            #[allow(unused_imports)]
            pub use progenitor_client::{ByteStream, ClientInfo, Error, ResponseValue};
            #[allow(unused_imports)]
            use progenitor_client::{encode_path, ClientHooks, OperationInfo, RequestBuilderExt};
            #[derive(Clone, Debug)]
            pub struct Client {
                pub(crate) baseurl: String,
                pub(crate) client: reqwest::Client,
                pub(crate) inner: crate::transport::Context,
            }
            impl Client {
                pub fn new_with_client(baseurl: &str, client: reqwest::Client, inner: crate::transport::Context) -> Self {
                    Self { baseurl: baseurl.to_string(), client, inner }
                }
            }
            impl ClientInfo<crate::transport::Context> for Client {
                fn baseurl(&self) -> &str {
                    self.baseurl.as_str()
                }
            }
            const _: () = {
                #[allow(dead_code)]
                fn assert_client_hooks() where Client: ClientHooks<crate::transport::Context> {}
            };
            impl Client {
                pub fn transit_read_key(&self) -> builder::TransitReadKey<'_> {
                    builder::TransitReadKey::new(self)
                }
            }
            pub mod builder {
                use super::types;
                #[allow(unused_imports)]
                use super::{encode_path, ByteStream, ClientInfo, ClientHooks, Error, OperationInfo, RequestBuilderExt, ResponseValue};
                #[derive(Debug, Clone)]
                pub struct TransitReadKey<'a> {
                    client: &'a super::Client,
                    name: Result<::std::string::String, String>,
                }
                impl<'a> TransitReadKey<'a> {
                    pub fn new(client: &'a super::Client) -> Self {
                        Self { client: client, name: Err(String::new()) }
                    }
                    pub async fn send(self) -> Result<ResponseValue<::hashivault::Envelope<types::TransitReadKeyResponse>>, Error<()>> {
                        let Self { client, name } = self;
                        let name = name.map_err(|e| Error::InvalidRequest(e))?;
                        #[allow(unused_mut)]
                        let mut request = client.client.get(url).build()?;
                        let info = OperationInfo { operation_id: "transit_read_key" };
                        client.pre(&mut request, &info).await?;
                        let result = client.exec(request, &info).await;
                        client.post(&result, &info).await?;
                        let response = result?;
                        match response.status().as_u16() {
                            200..=299 => crate::transport::decode_response(response, &info).await,
                            _ => Err(Error::UnexpectedResponse(response)),
                        }
                    }
                }
                pub struct PprofIndex<'a> {
                    client: &'a super::Client,
                }
                impl<'a> PprofIndex<'a> {
                    pub async fn send(self) -> Result<ResponseValue<ByteStream>, Error<()>> {
                        let Self { client } = self;
                        let mut request = client.client.get(url).build()?;
                        let info = OperationInfo { operation_id: "pprof_index" };
                        client.pre(&mut request, &info).await?;
                        let result = client.exec(request, &info).await;
                        client.post(&result, &info).await?;
                        let response = result?;
                        match response.status().as_u16() {
                            200..=299 => Ok(ResponseValue::stream(response)),
                            _ => Err(Error::UnexpectedResponse(response)),
                        }
                    }
                }
            }
        }
    }

    fn flat(file: &syn::File) -> String {
        prettyplease::unparse(file).split_whitespace().collect()
    }

    #[test]
    fn every_send_ends_in_the_transport_with_hashivault_types() {
        let mut file = generated();
        let stats = make_one_surface(&mut file);
        assert_eq!(
            sent_operation_names(&file),
            ["transit_read_key", "pprof_index"]
        );
        assert_eq!(
            stats,
            SurfaceRewrites {
                sends: 2,
                sync_sends: 2,
                unrewritten_sends: 0,
                owned_builders: 2,
                cloning_constructors: 1,
                shared_base_url: true,
            }
        );
        let code = flat(&file);
        for gone in [
            "client.pre(",
            "client.exec(",
            "client.post(",
            "ResponseValue",
            "ByteStream",
            "ClientHooks",
            "Error<()>",
            "InvalidRequest",
            "UnexpectedResponse",
            "'a",
            "'_",
            "baseurl.to_string()",
            "pubuseprogenitor_client",
            "asyncfn",
            ".await",
        ] {
            assert!(!code.contains(gone), "{gone} is still there: {code}");
        }
        for wanted in [
            "Output=::std::result::Result<crate::Response<::hashivault::Envelope<types::TransitReadKeyResponse>>,crate::Error,>,",
            "crate::transport::send_json_later(prepared,&[])}",
            "->impl::std::future::Future<Output=::std::result::Result<crate::Response<::bytes::Bytes>,crate::Error>,>",
            "crate::transport::send_bytes_later(prepared)}",
            "#[inline]pubfnsend(self,)->impl::std::future::Future<",
            "letprepared=(move||->::std::result::Result<_,crate::Error>{",
            "Ok((client,request,info))})();",
            "pubstructTransitReadKey{client:super::Client,",
            "implTransitReadKey{pubfnnew(client:super::Client)->Self",
            "pubfntransit_read_key(&self)->builder::TransitReadKey{builder::TransitReadKey::new(self.clone())}",
            "name.map_err(|e|Error::InvalidInput(e))?",
            ".build().map_err(crate::Error::unbuildable)?",
            "useprogenitor_client::{encode_path,ClientInfo,OperationInfo,RequestBuilderExt};",
            "usecrate::Error;",
            "pub(crate)baseurl:crate::path::BaseUrl,",
            "baseurl:crate::path::BaseUrl::new(baseurl),",
            "&self.baseurl",
        ] {
            assert!(code.contains(wanted), "{wanted} is missing: {code}");
        }
    }

    #[test]
    fn statuses_an_operation_documents_are_answers() {
        let mut send: syn::ImplItemFn = syn::parse_quote! {
            pub async fn send(self) -> Result<ResponseValue<types::ReadHealthStatusResponse>, Error<()>> {
                let info = OperationInfo { operation_id: "read_health_status" };
                client.pre(&mut request, &info).await?;
                let result = client.exec(request, &info).await;
                client.post(&result, &info).await?;
                let response = result?;
                match response.status().as_u16() {
                    200..=299 => crate::transport::decode_response(response, &info).await,
                    429u16 => Err(Error::ErrorResponse(crate::transport::decode_response(response, &info).await?)),
                    503u16 => Err(Error::ErrorResponse(crate::transport::decode_response(response, &info).await?)),
                    _ => Err(Error::UnexpectedResponse(response)),
                }
            }
        };
        let mut stats = SurfaceRewrites::default();
        send_through_transport(&mut send, &mut stats);
        assert_eq!(stats.sends, 1);
        let code: String = quote::quote!(#send)
            .to_string()
            .split_whitespace()
            .collect();
        assert!(
            code.contains(
                "crate::transport::send_json(&client,request,&info,&[429u16,503u16]).await"
            ),
            "{code}"
        );
    }

    #[test]
    fn a_send_of_another_shape_is_counted() {
        let mut send: syn::ImplItemFn = syn::parse_quote! {
            pub async fn send(self) -> Result<ResponseValue<types::X>, Error<()>> {
                let info = OperationInfo { operation_id: "x" };
                client.pre(&mut request, &info).await?;
                let response = client.exec(request, &info).await?;
                Ok(ResponseValue::new(response))
            }
        };
        let mut stats = SurfaceRewrites::default();
        send_through_transport(&mut send, &mut stats);
        assert_eq!(stats.unrewritten_sends, 1);
        assert_eq!(stats.sends, 0);
        assert!(quote::quote!(#send).to_string().contains("exec"));
    }
}
