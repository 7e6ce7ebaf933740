//! Lean `Deserialize` and `Serialize` impls for the generated structs, instead of typify's
//! `#[derive(::serde::Deserialize, ::serde::Serialize)]` and the `#[serde(...)]` attributes the
//! other rewrites left on the fields (issue #24: the build's peak memory).
//!
//! Every generated struct with named fields has a flattened `extra` map (the fields the spec
//! does not name, `fields::unnamed_fields_as_secret_maps`). With `#[serde(flatten)]` serde's
//! derive buffers every key as `Content` and writes a field visitor per struct, and each
//! `deserialize_with` field is a wrapper type with its own `Deserialize` impl; the lenient
//! answer decoders needed a thread-local side channel to reach `extra`. Here each struct gets:
//!
//! - `impl Deserialize`: one line, `crate::lenient::shape::deserialize(d)`;
//! - `impl crate::lenient::shape::Shape`: its wire names and one `read` loop that calls the
//!   field's decoder on the shared `Reader` (`r.opt(3)`, `r.comma_list()`, `r.value()`),
//!   unknown keys and wrong-shaped answer fields going straight into `extra`;
//! - `impl Serialize`: its fields in declaration order through the shared `Writer` (`w.some(..)`
//!   for `skip_serializing_if = "Option::is_none"`), then `extra`.
//!
//! The decoders are the ones the attributes named (`fields::lenient_request_fields`,
//! `fields::lenient_answer_fields`): this pass only changes how they are called. An attribute it
//! does not know fails the generation rather than change what a type accepts. The shared code is
//! `src/lenient/shape.rs`.

use quote::{format_ident, quote};

use crate::fields::{option_inner, types_items, FieldRewrites, EXTRA_FIELD};

/// What a field's `#[serde(...)]` attributes say.
#[derive(Default, Debug)]
struct FieldAttrs {
    rename: Option<String>,
    default: bool,
    skip_if: Option<String>,
    with: Option<String>,
    flatten: bool,
}

fn field_attrs(attrs: &[syn::Attribute]) -> Result<FieldAttrs, String> {
    let mut out = FieldAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            let key = meta
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            match key.as_str() {
                "default" if !meta.input.peek(syn::Token![=]) => out.default = true,
                "flatten" => out.flatten = true,
                "rename" => out.rename = Some(meta.value()?.parse::<syn::LitStr>()?.value()),
                "skip_serializing_if" => {
                    out.skip_if = Some(meta.value()?.parse::<syn::LitStr>()?.value())
                }
                "deserialize_with" => {
                    out.with = Some(meta.value()?.parse::<syn::LitStr>()?.value())
                }
                _ => return Err(meta.error(format!("serde attribute `{key}`"))),
            }
            Ok(())
        })
        .map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// The `Reader` call of a field: the method and whether it takes the field's index (an
/// optional answer field, whose wrong-shaped value goes into `extra` under the field's name).
fn reader_call(with: Option<&str>) -> Result<(&'static str, bool), String> {
    let Some(path) = with else {
        return Ok(("value", false));
    };
    if let Some(name) = path.strip_prefix("hashivault::lenient::") {
        return match name {
            "comma_list" => Ok(("comma_list", false)),
            "opt_comma_list" => Ok(("opt_comma_list", false)),
            "int" => Ok(("int", false)),
            "opt_int" => Ok(("opt_int", false)),
            "bool" => Ok(("bool", false)),
            "opt_bool" => Ok(("opt_bool", false)),
            _ => Err(format!("unknown request decoder `{path}`")),
        };
    }
    let name = path
        .strip_prefix("crate::lenient::answer::")
        .ok_or_else(|| format!("unknown decoder `{path}`"))?;
    let base = name.split("::<").next().unwrap_or(name);
    if name.contains("NOT_KEPT") {
        return Err(format!("`{path}` in a struct with `extra`"));
    }
    match base {
        "opt" => Ok(("opt", true)),
        "or_default" => Ok(("or_default", true)),
        "opt_secs" => Ok(("opt_secs", true)),
        "default_secs" => Ok(("default_secs", true)),
        "opt_nonempty" => Ok(("opt_nonempty", true)),
        "opt_any" => Ok(("opt_any", true)),
        "default_any" => Ok(("default_any", true)),
        "opt_atom" => Ok(("opt_atom", true)),
        "default_atom" => Ok(("default_atom", true)),
        "required" => Ok(("required", false)),
        "required_secs" => Ok(("required_secs", false)),
        "required_any" => Ok(("required_any", false)),
        "required_atom" => Ok(("required_atom", false)),
        _ => Err(format!("unknown answer decoder `{path}`")),
    }
}

/// Whether a derive attribute names serde's derives; returns the derive without them.
fn without_serde_derives(attr: &syn::Attribute) -> Option<syn::Attribute> {
    if !attr.path().is_ident("derive") {
        return None;
    }
    let paths = attr
        .parse_args_with(syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
        .ok()?;
    let is_serde = |p: &syn::Path| {
        let segments: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        segments == ["serde", "Deserialize"] || segments == ["serde", "Serialize"]
    };
    if paths.iter().filter(|p| is_serde(p)).count() != 2 {
        return None;
    }
    let rest = paths.iter().filter(|p| !is_serde(p));
    Some(syn::parse_quote!(#[derive(#(#rest),*)]))
}

/// The impls of one struct, or `None` when it is not of the shape handled (serde derives, named
/// fields, a flattened `extra`, no container attribute).
fn lean_impls(st: &mut syn::ItemStruct) -> Result<Option<Vec<syn::Item>>, String> {
    let Some(derive_at) = st
        .attrs
        .iter()
        .position(|a| without_serde_derives(a).is_some())
    else {
        return Ok(None);
    };
    if st.attrs.iter().any(|a| a.path().is_ident("serde")) {
        return Ok(None);
    }
    let syn::Fields::Named(fields) = &st.fields else {
        return Ok(None);
    };
    let name = &st.ident;
    let mut parsed = Vec::new();
    let mut has_extra = false;
    for field in &fields.named {
        let attrs = field_attrs(&field.attrs).map_err(|e| format!("{name}: {e}"))?;
        let ident = field.ident.clone().expect("named");
        if attrs.flatten {
            if ident != EXTRA_FIELD || has_extra {
                return Err(format!("{name}: flattened field `{ident}`"));
            }
            has_extra = true;
            continue;
        }
        parsed.push((ident, attrs, option_inner(&field.ty).is_some()));
    }
    if !has_extra {
        return Ok(None);
    }
    // `src/lenient/shape.rs`: a struct's fields seen are the bits of a `u64`.
    if parsed.len() > 64 {
        return Err(format!("{name}: more than 64 fields"));
    }
    let wire: Vec<String> = parsed
        .iter()
        .map(|(ident, attrs, _)| attrs.rename.clone().unwrap_or_else(|| ident.to_string()))
        .collect();
    let expecting = format!("struct {name}");
    let mut lets = Vec::new();
    let mut arms = Vec::new();
    let mut members = Vec::new();
    let mut writes = Vec::new();
    for (i, ((ident, attrs, optional), wire)) in parsed.iter().zip(&wire).enumerate() {
        let local = format_ident!("f{i}");
        let (method, indexed) =
            reader_call(attrs.with.as_deref()).map_err(|e| format!("{name}.{ident}: {e}"))?;
        let method = format_ident!("{method}");
        let index = syn::Index::from(i);
        let call = if indexed {
            quote!(r.#method(#index))
        } else {
            quote!(r.#method())
        };
        // serde's derive: `default` gives a missing field its default, a missing `Option` read
        // by its own `Deserialize` is `None`; any other missing field is an error.
        let defaulted = attrs.default || (*optional && attrs.with.is_none());
        let pat = if i + 1 == parsed.len() {
            quote!(_)
        } else {
            quote!(#index)
        };
        if defaulted {
            lets.push(quote!(let mut #local = Default::default();));
            arms.push(quote!(#pat => #local = #call,));
            members.push(quote!(#ident: #local,));
        } else {
            lets.push(quote!(let mut #local = None;));
            if method == "value" {
                arms.push(quote!(#pat => #local = r.value_some(),));
            } else {
                arms.push(quote!(#pat => #local = Some(#call),));
            }
            members.push(quote!(#ident: r.need(#local, #index)?,));
        }
        writes.push(match attrs.skip_if.as_deref() {
            None => quote!(w.field(#wire, &self.#ident);),
            Some("::std::option::Option::is_none") => quote!(w.some(#wire, &self.#ident);),
            Some("::std::vec::Vec::is_empty") => quote!(w.nonempty(#wire, &self.#ident);),
            Some(path) => {
                let path: syn::Path = syn::parse_str(path).map_err(|e| e.to_string())?;
                quote!(if !#path(&self.#ident) { w.field(#wire, &self.#ident); })
            }
        });
    }
    let extra = format_ident!("{EXTRA_FIELD}");
    let read_loop = if parsed.is_empty() {
        quote!(while r.next().is_some() {})
    } else {
        quote!(while let Some(i) = r.next() { match i { #(#arms)* } })
    };
    let items: Vec<syn::Item> = vec![
        syn::parse_quote! {
            impl<'de> ::serde::Deserialize<'de> for #name {
                fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                    crate::lenient::shape::deserialize(d)
                }
            }
        },
        syn::parse_quote! {
            impl crate::lenient::shape::Shape for #name {
                const EXPECTING: &'static str = #expecting;
                const FIELDS: &'static [&'static str] = &[#(#wire),*];
                fn read<'de, A: ::serde::de::MapAccess<'de>>(
                    mut r: crate::lenient::shape::Reader<'de, A>,
                ) -> ::std::result::Result<Self, A::Error> {
                    #(#lets)*
                    #read_loop
                    let #extra = r.end()?;
                    Ok(Self { #(#members)* #extra })
                }
            }
        },
        syn::parse_quote! {
            impl ::serde::Serialize for #name {
                fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                    let mut w = crate::lenient::shape::Writer::new(s)?;
                    #(#writes)*
                    w.end(&self.#extra)
                }
            }
        },
    ];
    // The struct keeps its other derives and docs; its serde attributes are gone.
    st.attrs[derive_at] = without_serde_derives(&st.attrs[derive_at]).expect("checked");
    if let syn::Fields::Named(fields) = &mut st.fields {
        for field in &mut fields.named {
            field.attrs.retain(|a| !a.path().is_ident("serde"));
        }
    }
    Ok(Some(items))
}

/// Replaces the serde derives of every generated struct with a flattened `extra` by lean impls
/// (see the module docs), each written right after its struct.
pub fn lean_serde_impls(file: &mut syn::File, stats: &mut FieldRewrites) -> Result<(), String> {
    let Some(items) = types_items(file) else {
        return Ok(());
    };
    let mut out = Vec::with_capacity(items.len() * 2);
    for mut item in std::mem::take(items) {
        let impls = match &mut item {
            syn::Item::Struct(st) => lean_impls(st)?,
            _ => None,
        };
        out.push(item);
        if let Some(impls) = impls {
            stats.lean_serde += 1;
            out.extend(impls);
        }
    }
    *items = out;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    fn generated() -> syn::File {
        syn::parse_quote! {
            pub mod types {
                ///An answer.
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                pub struct KvV2VersionMetadata {
                    #[serde(default, deserialize_with = "crate::lenient::answer::required")]
                    pub created_time: ::std::string::String,
                    #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                    #[serde(deserialize_with = "crate::lenient::answer::opt_secs::<_, _, 1>")]
                    pub ttl: ::std::option::Option<i64>,
                    #[serde(rename = "type", default, skip_serializing_if = "::std::vec::Vec::is_empty")]
                    #[serde(deserialize_with = "crate::lenient::answer::or_default::<_, _, 2>")]
                    pub type_: ::std::vec::Vec<::std::string::String>,
                    #[serde(deserialize_with = "crate::lenient::answer::required_any")]
                    pub id: Nested,
                    #[serde(flatten)]
                    pub extra: hashivault::SecretMap,
                }
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                pub struct UserpassWriteUserRequest {
                    #[serde(default, skip_serializing_if = "::std::vec::Vec::is_empty")]
                    #[serde(deserialize_with = "hashivault::lenient::comma_list")]
                    pub token_policies: ::std::vec::Vec<::std::string::String>,
                    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                    pub password: ::std::option::Option<hashivault::Sensitive>,
                    pub name: ::std::string::String,
                    #[serde(flatten)]
                    pub extra: hashivault::SecretMap,
                }
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                #[serde(transparent)]
                pub struct Wrapped(pub ::std::string::String);
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                pub struct OnlyExtra {
                    #[serde(flatten)]
                    pub extra: hashivault::SecretMap,
                }
            }
        }
    }

    fn squash(text: &str) -> String {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn structs_with_extra_get_lean_impls_and_lose_their_serde_attributes() {
        let mut file = generated();
        let mut stats = FieldRewrites::default();
        lean_serde_impls(&mut file, &mut stats).unwrap();
        assert_eq!(stats.lean_serde, 3);
        let code = squash(&prettyplease::unparse(&file));
        assert!(
            code.contains("#[derive(Clone, Debug)] pub struct KvV2VersionMetadata"),
            "{code}"
        );
        assert!(
            code.contains("#[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)] #[serde(transparent)] pub struct Wrapped"),
            "a newtype keeps its derives: {code}"
        );
        assert_eq!(code.matches("#[serde(").count(), 1, "{code}");
        assert!(
            code.contains("crate::lenient::shape::deserialize(d)"),
            "{code}"
        );
        assert!(
            code.contains(r#"const EXPECTING: &'static str = "struct KvV2VersionMetadata";"#)
                && code.contains(r#"const FIELDS: &'static [&'static str] = &["created_time", "ttl", "type", "id"];"#),
            "wire names in declaration order: {code}"
        );
        for read in [
            "let mut f0 = Default::default();",
            "let mut f3 = None;",
            "0 => f0 = r.required(),",
            "1 => f1 = r.opt_secs(1),",
            "2 => f2 = r.or_default(2),",
            "_ => f3 = Some(r.required_any()),",
            "let extra = r.end()?; Ok(Self { created_time: f0, ttl: f1, type_: f2, id: r.need(f3, 3)?, extra, })",
        ] {
            assert!(code.contains(read), "{read}: {code}");
        }
        for write in [
            r#"w.field("created_time", &self.created_time);"#,
            r#"w.some("ttl", &self.ttl);"#,
            r#"w.nonempty("type", &self.type_);"#,
            r#"w.field("id", &self.id);"#,
            "w.end(&self.extra)",
        ] {
            assert!(code.contains(write), "{write}: {code}");
        }
        // A request body: its own lenient decoders, a missing `Option` is `None`, a missing
        // plain field an error.
        for read in [
            "0 => f0 = r.comma_list(),",
            "let mut f1 = Default::default();",
            "1 => f1 = r.value(),",
            "_ => f2 = r.value_some(),",
            "name: r.need(f2, 2)?",
        ] {
            assert!(code.contains(read), "{read}: {code}");
        }
        assert!(code.contains("while r.next().is_some() {}"), "{code}");
    }

    #[test]
    fn unknown_attributes_and_decoders_fail_the_generation() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize)]
                pub struct X {
                    #[serde(alias = "y")]
                    pub x: i64,
                    #[serde(flatten)]
                    pub extra: hashivault::SecretMap,
                }
            }
        };
        let err = lean_serde_impls(&mut file, &mut FieldRewrites::default()).unwrap_err();
        assert!(err.contains("alias"), "{err}");
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize)]
                pub struct X {
                    #[serde(deserialize_with = "hashivault::envelope::null_as_default")]
                    pub x: i64,
                    #[serde(flatten)]
                    pub extra: hashivault::SecretMap,
                }
            }
        };
        let err = lean_serde_impls(&mut file, &mut FieldRewrites::default()).unwrap_err();
        assert!(err.contains("null_as_default"), "{err}");
        let _ = file.to_token_stream();
    }

    /// A struct's fields seen are the bits of a `u64` (`src/lenient/shape.rs`): the generation
    /// fails past 64 fields instead of a reader that would misread the 65th.
    #[test]
    fn more_than_64_fields_fail_the_generation() {
        let with = |n: usize| -> syn::ItemStruct {
            let fields = (0..n).map(|i| quote::format_ident!("f{i}"));
            syn::parse_quote! {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                pub struct Wide {
                    #(pub #fields: ::std::option::Option<bool>,)*
                    #[serde(flatten)]
                    pub extra: hashivault::SecretMap,
                }
            }
        };
        assert!(lean_impls(&mut with(64)).unwrap().is_some());
        assert_eq!(
            lean_impls(&mut with(65)).unwrap_err(),
            "Wide: more than 64 fields"
        );
    }
}
