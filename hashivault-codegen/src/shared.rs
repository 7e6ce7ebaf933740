//! Per-item checks and conversions of the generated operation surface as one call each.
//!
//! Every generated setter, every required-parameter check of a `send()` and every body
//! conversion carried its own closure and error formatting, which rustc type-checks and
//! borrow-checks once per item of the enabled groups, generic or not (issue #24: the peak of the
//! library's build). [`one_call_per_item`] replaces each of them with a call to one shared
//! function of `src/setter.rs`, with the same result and the same error text:
//!
//! - an operation builder's setter `value.try_into().map_err(|_| "conversion to .. failed"
//!   .to_string())` becomes `crate::setter::convert(value, "conversion to .. failed")`;
//! - an optional parameter's setter `value.try_into().map(Some).map_err(|_| "conversion to ..
//!   failed".to_string())` becomes `crate::setter::convert_some(value, "conversion to .. failed")`;
//! - its body setter `value.try_into().map(From::from).map_err(|s| format!("conversion to ..
//!   failed: {}", s))` becomes `crate::setter::convert_into::<T, _, _>(value, "conversion to ..
//!   failed")`;
//! - a body builder's setter `value.try_into().map_err(|e| format!("error converting supplied
//!   value for NAME: {e}"))` becomes `crate::setter::converted(value, "NAME")`;
//! - `send()`'s check `p.map_err(|e| Error::InvalidInput(if e.is_empty() { "..".to_string() }
//!   else { e }))` becomes `crate::setter::required(p, "..", "OPERATION_ID")`;
//! - `send()`'s body conversion `body.and_then(|v| T::try_from(v).map_err(|e| e.to_string()))
//!   .map_err(Error::InvalidInput)` becomes `crate::setter::built::<T, _>(body, "OPERATION_ID")`
//!   (the id of the `send()`'s `OperationInfo`, so that the error names the operation).
//!
//! - `send()`'s `#[allow(unused_mut)] let mut request = client.client.post(url).header(ACCEPT,
//!   HeaderValue::from_static("application/json")).json(&body).build()
//!   .map_err(crate::Error::unbuildable)?;` becomes `let request =
//!   crate::setter::request_with_body(&client.client, ::reqwest::Method::POST, url, &body)?;`
//!   (`crate::setter::request` without a body);
//! - `send()`'s `let prepared = (move || -> Result<_, crate::Error> { .. })();
//!   crate::transport::send_json_later(prepared, ..)` becomes a private method `prepare_request(self)
//!   -> crate::transport::Prepared { .. }` and `send_json_later(self.prepare_request(), ..)`:
//!   no closure per operation.
//!
//! Expressions of another shape are left alone.

use syn::visit_mut::VisitMut;

/// How many expressions of each shape [`one_call_per_item`] replaced.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SharedCalls {
    pub converts: usize,
    pub converts_some: usize,
    pub converts_into: usize,
    pub converted: usize,
    pub required: usize,
    pub built: usize,
    pub requests: usize,
    pub prepare_methods: usize,
}

/// Rewrites the whole file; returns the counts.
pub fn one_call_per_item(file: &mut syn::File) -> SharedCalls {
    let mut visitor = Shared(SharedCalls::default());
    visitor.visit_file_mut(file);
    visitor.0
}

struct Shared(SharedCalls);

impl VisitMut for Shared {
    fn visit_item_impl_mut(&mut self, imp: &mut syn::ItemImpl) {
        syn::visit_mut::visit_item_impl_mut(self, imp);
        if imp.trait_.is_some() {
            return;
        }
        let taken = imp
            .items
            .iter()
            .any(|i| matches!(i, syn::ImplItem::Fn(f) if f.sig.ident == "prepare_request"));
        if taken {
            return;
        }
        let mut prepare = None;
        for item in imp.items.iter_mut() {
            if let syn::ImplItem::Fn(send) = item {
                if send.sig.ident == "send" {
                    prepare = prepare_method(send);
                    break;
                }
            }
        }
        if let Some(prepare) = prepare {
            let at = imp
                .items
                .iter()
                .position(|i| matches!(i, syn::ImplItem::Fn(f) if f.sig.ident == "send"))
                .unwrap_or(imp.items.len());
            imp.items.insert(at, syn::ImplItem::Fn(prepare));
            self.0.prepare_methods += 1;
        }
    }

    fn visit_local_mut(&mut self, local: &mut syn::Local) {
        syn::visit_mut::visit_local_mut(self, local);
        if let Some(new) = request_builder(local) {
            *local = new;
            self.0.requests += 1;
        }
    }

    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, expr);
        if let Some(new) = self.replacement(expr) {
            *expr = new;
        }
    }
}

impl Shared {
    fn replacement(&mut self, expr: &syn::Expr) -> Option<syn::Expr> {
        let syn::Expr::MethodCall(map_err) = expr else {
            return None;
        };
        if map_err.method != "map_err" || map_err.args.len() != 1 {
            return None;
        }
        let arg = &map_err.args[0];
        let receiver = &*map_err.receiver;
        // `body.and_then(|v| T::try_from(v).map_err(|e| e.to_string())).map_err(Error::InvalidInput)`
        if is_path(arg, &["Error", "InvalidInput"]) {
            let (body, target) = body_conversion(receiver)?;
            self.0.built += 1;
            return Some(syn::parse_quote!(crate::setter::built::<#target, _>(#body)));
        }
        let syn::Expr::Closure(closure) = arg else {
            return None;
        };
        if closure.inputs.len() != 1 {
            return None;
        }
        let body = unblock(&closure.body);
        // `value.try_into()` of a setter.
        if is_value_try_into(receiver) {
            if let Some(message) = to_string_of_literal(body) {
                self.0.converts += 1;
                let message = tidy_type_names(&message.value());
                return Some(syn::parse_quote!(crate::setter::convert(value, #message)));
            }
            let text = format_literal(body)?;
            let name = text
                .strip_prefix("error converting supplied value for ")?
                .strip_suffix(": {e}")?;
            self.0.converted += 1;
            return Some(syn::parse_quote!(crate::setter::converted(value, #name)));
        }
        // `value.try_into().map(Some)` of an optional parameter's setter.
        if let syn::Expr::MethodCall(map) = receiver {
            if map.method == "map"
                && map.args.len() == 1
                && is_path(&map.args[0], &["Some"])
                && is_value_try_into(&map.receiver)
            {
                let message = to_string_of_literal(body)?;
                self.0.converts_some += 1;
                let message = tidy_type_names(&message.value());
                return Some(syn::parse_quote!(crate::setter::convert_some(value, #message)));
            }
        }
        // `value.try_into().map(From::from)` of a body setter.
        if let syn::Expr::MethodCall(map) = receiver {
            if map.method == "map"
                && map.args.len() == 1
                && is_path(&map.args[0], &["From", "from"])
                && is_value_try_into(&map.receiver)
            {
                let text = format_literal(body)?;
                let message = text.strip_suffix(": {}")?;
                if message.contains(['{', '}']) {
                    return None;
                }
                self.0.converts_into += 1;
                let message = tidy_type_names(message);
                // The target type is the setter's `V: TryInto<T>`; rustc infers it from there.
                return Some(syn::parse_quote!(crate::setter::convert_into(value, #message)));
            }
        }
        // `p.map_err(|e| Error::InvalidInput(if e.is_empty() { "..".to_string() } else { e }))`
        let syn::Expr::Path(param) = receiver else {
            return None;
        };
        let syn::Expr::Call(call) = body else {
            return None;
        };
        if !is_path(&call.func, &["Error", "InvalidInput"]) || call.args.len() != 1 {
            return None;
        }
        let syn::Expr::If(branch) = &call.args[0] else {
            return None;
        };
        let [syn::Stmt::Expr(then, None)] = &branch.then_branch.stmts[..] else {
            return None;
        };
        let message = to_string_of_literal(then)?;
        self.0.required += 1;
        Some(syn::parse_quote!(crate::setter::required(#param, #message)))
    }
}

/// `let request = crate::setter::request..(..)?;` for progenitor's `#[allow(unused_mut)] let mut
/// request = client.client.METHOD(url).header(ACCEPT, HeaderValue::from_static("application/json"))
/// [.json(&body)].build().map_err(crate::Error::unbuildable)?;`.
fn request_builder(local: &syn::Local) -> Option<syn::Local> {
    let syn::Pat::Ident(name) = &local.pat else {
        return None;
    };
    if name.ident != "request" {
        return None;
    }
    let init = &local.init.as_ref()?.expr;
    let flat = quote::quote!(#init)
        .to_string()
        .replace(' ', "")
        .replace(",)", ")");
    let rest = flat.strip_prefix("client.client.")?;
    let (method, rest) = rest.split_once(
        "(url).header(::reqwest::header::ACCEPT,::reqwest::header::HeaderValue::from_static(\"application/json\"))",
    )?;
    let method = match method {
        "get" => quote::quote!(GET),
        "post" => quote::quote!(POST),
        "put" => quote::quote!(PUT),
        "patch" => quote::quote!(PATCH),
        "delete" => quote::quote!(DELETE),
        _ => return None,
    };
    let rest = rest.strip_suffix(".build().map_err(crate::Error::unbuildable)?")?;
    let stmt: syn::Stmt = if rest.is_empty() {
        syn::parse_quote! {
            let request = crate::setter::request(&client.client, ::reqwest::Method::#method, url)?;
        }
    } else {
        let body = rest.strip_prefix(".json(&")?.strip_suffix(')')?;
        if body.is_empty() || !body.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        let body = syn::Ident::new(body, proc_macro2::Span::call_site());
        syn::parse_quote! {
            let request = crate::setter::request_with_body(&client.client, ::reqwest::Method::#method, url, &#body)?;
        }
    };
    match stmt {
        syn::Stmt::Local(local) => Some(local),
        _ => None,
    }
}

/// `send()`'s `let prepared = (move || -> Result<_, crate::Error> { BODY })(); CALL(prepared, ..)`
/// becomes `CALL(self.prepare_request(), ..)`; returns `fn prepare_request(self) ->
/// crate::transport::Prepared { BODY }`.
fn prepare_method(send: &mut syn::ImplItemFn) -> Option<syn::ImplItemFn> {
    let [syn::Stmt::Local(local), syn::Stmt::Expr(syn::Expr::Call(call), None)] =
        &mut send.block.stmts[..]
    else {
        return None;
    };
    if !matches!(&local.pat, syn::Pat::Ident(p) if p.ident == "prepared") {
        return None;
    }
    let syn::Expr::Call(invoked) = &*local.init.as_ref()?.expr else {
        return None;
    };
    if !invoked.args.is_empty() {
        return None;
    }
    let syn::Expr::Paren(paren) = &*invoked.func else {
        return None;
    };
    let syn::Expr::Closure(closure) = &*paren.expr else {
        return None;
    };
    if closure.capture.is_none() || !closure.inputs.is_empty() {
        return None;
    }
    let syn::Expr::Block(body) = &*closure.body else {
        return None;
    };
    let first = call.args.first_mut()?;
    if !is_path(first, &["prepared"]) {
        return None;
    }
    let mut block = body.block.clone();
    name_the_operation(&mut block);
    let prepare: syn::ImplItemFn = syn::parse_quote! {
        #[inline]
        fn prepare_request(self) -> crate::transport::Prepared #block
    };
    *first = syn::parse_quote!(self.prepare_request());
    send.block.stmts.remove(0);
    Some(prepare)
}

/// Gives each `crate::setter::built::<T, _>(body)` and `crate::setter::required(p, "..")` of a
/// `send()`'s block the operation's id (the `operation_id` of its `OperationInfo`), and turns each
/// `x.map_err(Error::InvalidInput)` into `crate::setter::named(x, "ID")`, so that an incomplete
/// body's error, a setter's failed conversion and a refused path parameter name the operation as
/// a missing parameter's does (`transit_encrypt: the body: no value supplied for plaintext`,
/// `pki_generate_intermediate: conversion to `PkiGenerateIntermediateExported` for exported
/// failed`). A block without an `OperationInfo` is left as it is.
fn name_the_operation(block: &mut syn::Block) {
    struct FindId(Option<syn::LitStr>);
    impl<'a> syn::visit::Visit<'a> for FindId {
        fn visit_expr_struct(&mut self, s: &'a syn::ExprStruct) {
            let is_info = s
                .path
                .segments
                .last()
                .is_some_and(|seg| seg.ident == "OperationInfo");
            for field in s.fields.iter().filter(|_| is_info) {
                let named = matches!(&field.member, syn::Member::Named(m) if m == "operation_id");
                if let (
                    true,
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(id),
                        ..
                    }),
                ) = (named, &field.expr)
                {
                    self.0 = Some(id.clone());
                }
            }
            syn::visit::visit_expr_struct(self, s);
        }
    }
    struct AddId(syn::LitStr);
    impl VisitMut for AddId {
        // `x.map_err(Error::InvalidInput)` (an optional parameter's conversion, the URL's path
        // check) becomes `crate::setter::named(x, "ID")`.
        fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, expr);
            let syn::Expr::MethodCall(m) = expr else {
                return;
            };
            if m.method != "map_err"
                || m.args.len() != 1
                || !is_path(&m.args[0], &["Error", "InvalidInput"])
            {
                return;
            }
            let receiver = &m.receiver;
            let id = &self.0;
            *expr = syn::parse_quote!(crate::setter::named(#receiver, #id));
        }
        fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
            syn::visit_mut::visit_expr_call_mut(self, call);
            let syn::Expr::Path(func) = &*call.func else {
                return;
            };
            let names: Vec<String> = crate::path_idents(&func.path);
            let arity = match names.as_slice() {
                [a, b, c] if a == "crate" && b == "setter" && c == "built" => 1,
                [a, b, c] if a == "crate" && b == "setter" && c == "required" => 2,
                _ => return,
            };
            if call.args.len() == arity {
                let id = &self.0;
                call.args.push(syn::parse_quote!(#id));
            }
        }
    }
    let mut find = FindId(None);
    syn::visit::Visit::visit_block(&mut find, block);
    if let Some(id) = find.0 {
        AddId(id).visit_block_mut(block);
    }
}

/// A conversion message's type as a user writes it: progenitor prints the type's tokens
/// (`:: std :: string :: String`, `:: hashivault :: SecretMap`); the message shows `String`,
/// `SecretMap`.
fn tidy_type_names(message: &str) -> String {
    let joined = message.replace(" :: ", "::").replace(":: ", "::");
    let mut out = joined.clone();
    for prefix in ["::std::string::", "::hashivault::", "::std::"] {
        out = out.replace(&format!("`{prefix}"), "`");
    }
    out
}

/// `e` of `{ e }`, else `expr`.
fn unblock(expr: &syn::Expr) -> &syn::Expr {
    match expr {
        syn::Expr::Block(b) if b.attrs.is_empty() && b.label.is_none() => {
            match &b.block.stmts[..] {
                [syn::Stmt::Expr(e, None)] => e,
                _ => expr,
            }
        }
        _ => expr,
    }
}

/// Whether `expr` is the path `names` (`Error::InvalidInput`).
fn is_path(expr: &syn::Expr, names: &[&str]) -> bool {
    let syn::Expr::Path(p) = expr else {
        return false;
    };
    p.qself.is_none()
        && p.path.segments.len() == names.len()
        && p.path.segments.iter().zip(names).all(|(s, n)| s.ident == n)
}

/// Whether `expr` is `value.try_into()`.
fn is_value_try_into(expr: &syn::Expr) -> bool {
    matches!(expr, syn::Expr::MethodCall(m)
        if m.method == "try_into" && m.args.is_empty() && is_path(&m.receiver, &["value"]))
}

/// `"text"` of `"text".to_string()`.
fn to_string_of_literal(expr: &syn::Expr) -> Option<syn::LitStr> {
    let syn::Expr::MethodCall(m) = expr else {
        return None;
    };
    if m.method != "to_string" || !m.args.is_empty() {
        return None;
    }
    match &*m.receiver {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.clone()),
        _ => None,
    }
}

/// The format string of `format!("..")` or `format!("..", s)` (a closure's body).
fn format_literal(expr: &syn::Expr) -> Option<String> {
    let syn::Expr::Macro(mac) = expr else {
        return None;
    };
    if !mac.mac.path.is_ident("format") {
        return None;
    }
    let args = mac
        .mac
        .parse_body_with(syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
        .ok()?;
    let first = args.first()?;
    let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(s),
        ..
    }) = first
    else {
        return None;
    };
    let text = s.value();
    let expected_args = if text.contains("{}") { 2 } else { 1 };
    (args.len() == expected_args).then_some(text)
}

/// `(body, T)` of `body.and_then(|v| T::try_from(v).map_err(|e| e.to_string()))`.
fn body_conversion(expr: &syn::Expr) -> Option<(syn::Expr, syn::Path)> {
    let syn::Expr::MethodCall(and_then) = expr else {
        return None;
    };
    if and_then.method != "and_then" || and_then.args.len() != 1 {
        return None;
    }
    let syn::Expr::Path(_) = &*and_then.receiver else {
        return None;
    };
    let syn::Expr::Closure(closure) = &and_then.args[0] else {
        return None;
    };
    let syn::Expr::MethodCall(map_err) = &*closure.body else {
        return None;
    };
    if map_err.method != "map_err" {
        return None;
    }
    let syn::Expr::Call(call) = &*map_err.receiver else {
        return None;
    };
    if call.args.len() != 1 || !is_path(&call.args[0], &["v"]) {
        return None;
    }
    let syn::Expr::Path(func) = &*call.func else {
        return None;
    };
    let mut target = func.path.clone();
    if target.segments.pop()?.value().ident != "try_from" {
        return None;
    }
    // Drop the trailing `::` left by the pop.
    let last = target.segments.pop()?.into_value();
    target.segments.push(last);
    Some(((*and_then.receiver).clone(), target))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(file: &syn::File) -> String {
        quote::quote!(#file).to_string().replace(' ', "")
    }

    #[test]
    fn setters_checks_and_body_conversions_become_one_call() {
        let mut file: syn::File = syn::parse_quote! {
            impl TransitEncrypt {
                pub fn name<V>(mut self, value: V) -> Self where V: std::convert::TryInto<String> {
                    self.name = value.try_into().map_err(|_| {
                        "conversion to `:: std :: string :: String` for name failed".to_string()
                    });
                    self
                }
                pub fn ttl<V>(mut self, value: V) -> Self where V: std::convert::TryInto<::std::string::String> {
                    self.ttl = value.try_into().map(Some).map_err(|_| {
                        "conversion to `:: std :: string :: String` for ttl failed".to_string()
                    });
                    self
                }
                pub fn body<V>(mut self, value: V) -> Self
                where
                    V: std::convert::TryInto<types::TransitEncryptRequest>,
                    <V as std::convert::TryInto<types::TransitEncryptRequest>>::Error: std::fmt::Display,
                {
                    self.body = value.try_into().map(From::from).map_err(|s| {
                        format!("conversion to `TransitEncryptRequest` for body failed: {}", s)
                    });
                    self
                }
                pub fn send(self) {
                    let prepared = (move || -> Result<_, crate::Error> {
                        let Self { client, name, body } = self;
                        let name = name.map_err(|e| Error::InvalidInput(if e.is_empty() {
                            "transit_encrypt: `name` was not set (call `.name(..)` before `send()`)".to_string()
                        } else {
                            e
                        }))?;
                        let body = body
                            .and_then(|v| types::TransitEncryptRequest::try_from(v).map_err(|e| e.to_string()))
                            .map_err(Error::InvalidInput)?;
                        #[allow(unused_mut)]
                        let mut request = client
                            .client
                            .post(url)
                            .header(
                                ::reqwest::header::ACCEPT,
                                ::reqwest::header::HeaderValue::from_static("application/json"),
                            )
                            .json(&body)
                            .build()
                            .map_err(crate::Error::unbuildable)?;
                        let info = OperationInfo {
                            operation_id: "transit_encrypt",
                        };
                        Ok((client, request, info))
                    })();
                    crate::transport::send_json_later(prepared, &[])
                }
            }
            impl TransitReadKey {
                pub fn send(self) {
                    let prepared = (move || -> Result<_, crate::Error> {
                        let Self { client } = self;
                        #[allow(unused_mut)]
                        let mut request = client
                            .client
                            .get(url)
                            .header(
                                ::reqwest::header::ACCEPT,
                                ::reqwest::header::HeaderValue::from_static("application/json"),
                            )
                            .build()
                            .map_err(crate::Error::unbuildable)?;
                        Ok((client, request, info))
                    })();
                    crate::transport::send_json_later(prepared, &[])
                }
            }
            impl TransitEncryptRequest {
                pub fn key_version<T>(mut self, value: T) -> Self
                where
                    T: ::std::convert::TryInto<::std::option::Option<i64>>,
                    T::Error: ::std::fmt::Display,
                {
                    self.key_version = value.try_into().map_err(|e| {
                        format!("error converting supplied value for key_version: {e}")
                    });
                    self
                }
            }
        };
        let counts = one_call_per_item(&mut file);
        assert_eq!(
            counts,
            SharedCalls {
                converts: 1,
                converts_some: 1,
                converts_into: 1,
                converted: 1,
                required: 1,
                built: 1,
                requests: 2,
                prepare_methods: 2,
            }
        );
        let code = flat(&file);
        for expected in [
            r#"self.name=crate::setter::convert(value,"conversion to `String` for name failed");"#,
            r#"self.ttl=crate::setter::convert_some(value,"conversion to `String` for ttl failed");"#,
            r#"self.body=crate::setter::convert_into(value,"conversion to `TransitEncryptRequest` for body failed");"#,
            r#"letname=crate::setter::required(name,"transit_encrypt: `name` was not set (call `.name(..)` before `send()`)","transit_encrypt")?;"#,
            r#"letbody=crate::setter::built::<types::TransitEncryptRequest,_>(body,"transit_encrypt")?;"#,
            r#"self.key_version=crate::setter::converted(value,"key_version");"#,
            r#"letrequest=crate::setter::request_with_body(&client.client,::reqwest::Method::POST,url,&body)?;"#,
            r#"letrequest=crate::setter::request(&client.client,::reqwest::Method::GET,url)?;"#,
            r#"#[inline]fnprepare_request(self)->crate::transport::Prepared{letSelf{client}=self;"#,
            r#"crate::transport::send_json_later(self.prepare_request(),&[])"#,
        ] {
            let expected = expected.replace(' ', "");
            assert!(code.contains(&expected), "{expected}\n{code}");
        }
        assert!(!code.contains("map_err"), "{code}");
        assert!(!code.contains("prepared"), "{code}");
    }

    #[test]
    fn conversion_messages_name_types_as_users_write_them() {
        for (progenitor, shown) in [
            (
                "conversion to `:: std :: string :: String` for name failed",
                "conversion to `String` for name failed",
            ),
            (
                "conversion to `:: hashivault :: SecretMap` for data failed",
                "conversion to `SecretMap` for data failed",
            ),
            (
                "conversion to `TransitEncryptRequest` for body failed",
                "conversion to `TransitEncryptRequest` for body failed",
            ),
            (
                "conversion to `i64` for version failed",
                "conversion to `i64` for version failed",
            ),
        ] {
            assert_eq!(tidy_type_names(progenitor), shown);
        }
    }

    #[test]
    fn other_shapes_are_left_alone() {
        let mut file: syn::File = syn::parse_quote! {
            fn f() {
                let a = value.try_into().map_err(|e| format!("something else: {e}"));
                let b = x.map_err(|e| Error::Other(e))?;
                let c = body.map_err(Error::InvalidInput)?;
            }
        };
        let before = flat(&file);
        assert_eq!(one_call_per_item(&mut file), SharedCalls::default());
        assert_eq!(flat(&file), before);
    }
}
