//! Setters of generated request bodies that take what a caller writes.
//!
//! typify's body builders take `T: TryInto<FieldType>`, so an optional text field needs
//! `Some("transit".to_string())` or `"transit".to_string()`: `&str` is not `Into<Option<String>>`.
//! [`setters_take_field_values`] gives the setters of the field types callers write most
//! (`Option<String>`, `Vec<String>`, `Option<VaultDuration>`, `Option<Sensitive>`,
//! `Sensitive`) the bound `T: crate::setter::FieldValue<FieldType>`, which has impls for `&str`,
//! `String`, their `Option`s, arrays and `Vec`s of `&str`, seconds and `Duration`s
//! (`src/setter.rs`). Other setters (integers, booleans, enums, maps) keep typify's bound, which
//! already takes the plain value (`true`, `KeyType::Ec`).

use syn::visit_mut::VisitMut;

/// The field types whose setters take a `crate::setter::FieldValue`, as typify spells them.
pub const FIELD_VALUE_TYPES: &[&str] = &[
    "::std::option::Option<::std::string::String>",
    "::std::vec::Vec<::std::string::String>",
    "::std::option::Option<::hashivault::VaultDuration>",
    "::std::option::Option<::hashivault::Sensitive>",
    "::hashivault::Sensitive",
];

/// Rewrites every setter of the `types::builder` module whose field type is in
/// [`FIELD_VALUE_TYPES`]; returns how many.
pub fn setters_take_field_values(file: &mut syn::File) -> usize {
    let mut visitor = Setters(0);
    visitor.visit_file_mut(file);
    visitor.0
}

struct Setters(usize);

impl VisitMut for Setters {
    fn visit_impl_item_fn_mut(&mut self, f: &mut syn::ImplItemFn) {
        if field_value_setter(f) {
            self.0 += 1;
        }
    }
}

/// `pub fn name<T>(mut self, value: T) -> Self where T: TryInto<X>, T::Error: Display { self.name
/// = value.try_into().map_err(..); self }` with `X` in [`FIELD_VALUE_TYPES`] becomes `.. where
/// T: crate::setter::FieldValue<X> { self.name = Ok(value.into_field()); self }`.
fn field_value_setter(f: &mut syn::ImplItemFn) -> bool {
    let Some(target) = try_into_target(f) else {
        return false;
    };
    let flat = quote::quote!(#target).to_string().replace(' ', "");
    if !FIELD_VALUE_TYPES.contains(&flat.as_str()) {
        return false;
    }
    let [syn::Stmt::Expr(syn::Expr::Assign(assign), Some(_)), syn::Stmt::Expr(_, None)] =
        &mut f.block.stmts[..]
    else {
        return false;
    };
    let rhs = &assign.right;
    if !quote::quote!(#rhs)
        .to_string()
        .replace(' ', "")
        .starts_with("value.try_into().map_err(")
    {
        return false;
    }
    *assign.right = syn::parse_quote!(Ok(value.into_field()));
    f.sig.generics.where_clause =
        Some(syn::parse_quote!(where T: crate::setter::FieldValue<#target>));
    true
}

/// `X` of the setter's `where T: ::std::convert::TryInto<X>`.
fn try_into_target(f: &syn::ImplItemFn) -> Option<syn::Type> {
    let clause = f.sig.generics.where_clause.as_ref()?;
    let syn::WherePredicate::Type(first) = clause.predicates.first()? else {
        return None;
    };
    let syn::TypeParamBound::Trait(bound) = first.bounds.first()? else {
        return None;
    };
    let last = bound.path.segments.last()?;
    if last.ident != "TryInto" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(ty) => Some(ty.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_list_duration_and_secret_setters_take_field_values() {
        let mut file: syn::File = syn::parse_quote! {
            impl TransitCreateKeyRequest {
                pub fn type_<T>(mut self, value: T) -> Self
                where
                    T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                    T::Error: ::std::fmt::Display,
                {
                    self.type_ = value.try_into().map_err(|e| format!("error converting supplied value for type_: {e}"));
                    self
                }
                pub fn allowed_domains<T>(mut self, value: T) -> Self
                where
                    T: ::std::convert::TryInto<::std::vec::Vec<::std::string::String>>,
                    T::Error: ::std::fmt::Display,
                {
                    self.allowed_domains = value.try_into().map_err(|e| format!("{e}"));
                    self
                }
                pub fn ttl<T>(mut self, value: T) -> Self
                where
                    T: ::std::convert::TryInto<::std::option::Option<::hashivault::VaultDuration>>,
                    T::Error: ::std::fmt::Display,
                {
                    self.ttl = value.try_into().map_err(|e| format!("{e}"));
                    self
                }
                pub fn exportable<T>(mut self, value: T) -> Self
                where
                    T: ::std::convert::TryInto<::std::option::Option<bool>>,
                    T::Error: ::std::fmt::Display,
                {
                    self.exportable = value.try_into().map_err(|e| format!("{e}"));
                    self
                }
            }
        };
        assert_eq!(setters_take_field_values(&mut file), 3);
        let code: String = prettyplease::unparse(&file).split_whitespace().collect();
        assert!(
            code.contains("pubfntype_<T>(mutself,value:T)->SelfwhereT:crate::setter::FieldValue<::std::option::Option<::std::string::String>>,{self.type_=Ok(value.into_field());self}"),
            "{code}"
        );
        assert!(code.contains("crate::setter::FieldValue<::std::vec::Vec<::std::string::String>>"));
        assert!(code.contains(
            "crate::setter::FieldValue<::std::option::Option<::hashivault::VaultDuration>>"
        ));
        // A boolean keeps typify's bound: `true` is already `Into<Option<bool>>`.
        assert!(
            code.contains("T:::std::convert::TryInto<::std::option::Option<bool>>"),
            "{code}"
        );
    }
}
