//! Generated functions compiled to machine code where they are called, not in the library.
//!
//! rustc compiles every non-generic function of a library crate to machine code in the library
//! itself, called or not; generic and `#[inline]` functions only in the crates that use them.
//! The generated API has a few non-generic functions per operation and per body type
//! (`Client::OPERATION()`, the builder's `new`, a body's `builder()`, its builder's `Default`,
//! `TryFrom` and `From`, enums' `Display` and `FromStr`): ~1,650 functions for the default groups
//! with `transit` and `pki`, most of which a given service never calls. [`compiled_where_called`]
//! marks them `#[inline]` (issue #24: the library's build). `send()` is already `#[inline]`
//! (`surface::send_without_a_coroutine`).

use syn::visit_mut::VisitMut;

/// Adds `#[inline]` to every non-generic, non-`async` method of an impl without generics that
/// does not carry an `#[inline]` of its own; returns how many.
pub fn compiled_where_called(file: &mut syn::File) -> usize {
    let mut visitor = Lazy(0);
    visitor.visit_file_mut(file);
    visitor.0
}

struct Lazy(usize);

impl VisitMut for Lazy {
    fn visit_item_impl_mut(&mut self, imp: &mut syn::ItemImpl) {
        if !imp.generics.params.is_empty() {
            return;
        }
        for member in &mut imp.items {
            if let syn::ImplItem::Fn(f) = member {
                if f.sig.generics.params.is_empty()
                    && f.sig.asyncness.is_none()
                    && !f.attrs.iter().any(|a| a.path().is_ident("inline"))
                {
                    f.attrs.push(syn::parse_quote!(#[inline]));
                    self.0 += 1;
                }
            }
        }
    }

    fn visit_item_fn_mut(&mut self, _: &mut syn::ItemFn) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_generic_methods_are_inline_and_generic_ones_untouched() {
        let mut file: syn::File = syn::parse_quote! {
            impl Client {
                pub fn transit_read_key(&self) -> builder::TransitReadKey {
                    builder::TransitReadKey::new(self.clone())
                }
            }
            pub mod builder {
                impl TransitReadKey {
                    pub fn new(client: super::Client) -> Self { Self { client } }
                    pub fn name<V>(mut self, value: V) -> Self where V: Into<String> { self }
                    #[inline]
                    pub fn send(self) -> impl ::std::future::Future<Output = ()> { async {} }
                }
                impl ::std::convert::TryFrom<X> for Y {
                    type Error = String;
                    fn try_from(value: X) -> Result<Self, String> { Ok(Y) }
                }
                impl<'a> Borrowed<'a> {
                    pub fn get(&self) -> &str { "" }
                }
            }
        };
        assert_eq!(compiled_where_called(&mut file), 3);
        let code: String = prettyplease::unparse(&file).split_whitespace().collect();
        for wanted in [
            "#[inline]pubfntransit_read_key(&self)",
            "#[inline]pubfnnew(client:super::Client)",
            "#[inline]fntry_from(value:X)",
            "pubfnname<V>(mutself,value:V)",
            "impl<'a>Borrowed<'a>{pubfnget(&self)",
        ] {
            assert!(code.contains(wanted), "{wanted} is missing: {code}");
        }
        assert!(!code.contains("#[inline]pubfnname"), "{code}");
        assert!(!code.contains("#[inline]#[inline]"), "{code}");
        assert!(!code.contains("#[inline]pubfnget"), "{code}");
    }
}
