//! `hashivault::api::operations`: one constant per operation of the whole normalized document
//! (every group, whatever the features), with what the handwritten layer and the transport need
//! to know of it, derived from the spec here rather than from names:
//!
//! - `method`, `path`, and the path split into `pieces` around its `params`, so a handwritten
//!   helper builds its URL from the operation (`crate::path::operation_url`, as the generated
//!   `send()` does);
//! - `answers`: the non-2xx statuses the operation documents as answers of its own (`sys/health`
//!   answers 429, 501, 503 as node states); the transport never retries those (its one rule for
//!   "transient" is in `src/transport/pipeline.rs`);
//! - `idempotent`: from the HTTP method (`GET`, `HEAD`, `PUT`, `DELETE`, `LIST`), the methods a
//!   retry cannot apply twice.
//!
//! The constants are sorted by id in `ALL` (see [`lookup_key`]), which `crate::operation::find`
//! searches.

use serde_json::Value;

/// One operation of the document, as the generated constant describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperationRow {
    pub id: String,
    pub method: String,
    pub path: String,
    pub pieces: Vec<String>,
    pub params: Vec<String>,
    pub answers: Vec<u16>,
    pub idempotent: bool,
}

impl OperationRow {
    /// The constant's name: the id in upper snake case (`kv-v2-read` is `KV_V2_READ`).
    pub fn const_name(&self) -> String {
        const_name(&self.id)
    }

    /// The generated method's name, the one name errors and traces give the operation
    /// (`kv-v2-read` is `kv_v2_read`); `generate` checks it against every generated `send()`.
    pub fn method_name(&self) -> String {
        const_name(&self.id).to_ascii_lowercase()
    }
}

/// The constant name of an operation id.
pub fn const_name(id: &str) -> String {
    let mut name: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name.insert(0, '_');
    }
    name
}

/// Every operation of a (normalized) document, sorted by id.
pub fn operation_rows(doc: &Value) -> Result<Vec<OperationRow>, String> {
    let mut rows = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return Ok(rows);
    };
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, op) in item {
            let method = method.to_ascii_uppercase();
            if !matches!(
                method.as_str(),
                "GET" | "PUT" | "POST" | "DELETE" | "PATCH" | "HEAD" | "OPTIONS"
            ) {
                continue;
            }
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let (pieces, params) = split_template(path)
                .ok_or_else(|| format!("operation {id}: unbalanced braces in {path}"))?;
            let documented = op
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flat_map(|r| r.keys())
                .filter_map(|code| code.parse::<u16>().ok());
            let mut answers: Vec<u16> = documented
                .filter(|code| !(200..300).contains(code))
                .collect();
            answers.sort_unstable();
            let idempotent = matches!(method.as_str(), "GET" | "HEAD" | "PUT" | "DELETE")
                || path.ends_with("?list=true");
            rows.push(OperationRow {
                id: id.to_string(),
                method,
                path: path.clone(),
                pieces,
                params,
                answers,
                idempotent,
            });
        }
    }
    rows.sort_by_key(|row| lookup_key(&row.id));
    for pair in rows.windows(2) {
        if pair[0].const_name() == pair[1].const_name() {
            return Err(format!(
                "operations {} and {} would have the same constant name",
                pair[0].id, pair[1].id
            ));
        }
    }
    Ok(rows)
}

/// The order of `ALL`: the id with `-` read as `_`, as `crate::operation::find` compares ids (the
/// transport names a generated call by progenitor's snake-case id, `kv_v2_read`).
pub fn lookup_key(id: &str) -> String {
    id.to_ascii_lowercase().replace('-', "_")
}

/// `/{a}/data/{b}` as pieces `["/", "/data/", ""]` around params `["a", "b"]`.
fn split_template(path: &str) -> Option<(Vec<String>, Vec<String>)> {
    let mut pieces = Vec::new();
    let mut params = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}')? + open;
        pieces.push(rest[..open].to_string());
        params.push(rest[open + 1..close].to_string());
        rest = &rest[close + 1..];
    }
    if rest.contains('}') {
        return None;
    }
    pieces.push(rest.to_string());
    Some((pieces, params))
}

/// `pub mod operations { .. }` for the generated file, as formatted source text.
///
/// Written as text rather than built with `quote!`, parsed into a `syn::Item` and printed by
/// prettyplease with the rest: a thousand constants (every operation, whatever the features) took
/// that path to a tenth of the build script's time for the default features (callgrind,
/// `scripts/compile-cost.sh`'s debug build script); as text they cost nothing measurable. The
/// strings are written with `{:?}`, a valid Rust string literal for any of them.
pub fn operations_source(rows: &[OperationRow]) -> String {
    use std::fmt::Write as _;
    fn list<T: std::fmt::Debug>(items: &[T]) -> String {
        let items: Vec<String> = items.iter().map(|item| format!("{item:?}")).collect();
        items.join(", ")
    }
    let mut out = String::with_capacity(rows.len() * 360 + 256);
    out.push_str(
        "/// Every operation of the generated API (Vault's and OpenBao's documents, all groups,\n\
         /// whatever the features): its method, path and retry rules, derived from the specs at\n\
         /// build time. See [`crate::operation`].\n\
         pub mod operations {\n    use crate::operation::Operation;\n",
    );
    for row in rows {
        let _ = write!(
            out,
            "    ///`{method} {path}`\n    pub const {name}: Operation = Operation {{\n        \
             id: {id:?},\n        name: {method_name:?},\n        method: {method:?},\n        \
             path: {path:?},\n        pieces: &[{pieces}],\n        params: &[{params}],\n        \
             answers: &[{answers}],\n        idempotent: {idempotent},\n    }};\n",
            method = row.method,
            path = row.path,
            name = row.const_name(),
            id = row.id,
            method_name = row.method_name(),
            pieces = list(&row.pieces),
            params = list(&row.params),
            answers = list(&row.answers),
            idempotent = row.idempotent,
        );
    }
    out.push_str("    /// Every constant of this module, sorted by id.\n    pub static ALL: &[&Operation] = &[\n");
    for row in rows {
        let _ = writeln!(out, "        &{},", row.const_name());
    }
    out.push_str("    ];\n}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_come_from_the_spec() {
        let doc = serde_json::json!({"paths": {
            "/sys/health": {"get": {"operationId": "read-health-status",
                "responses": {"200": {}, "429": {}, "503": {}}}},
            "/{kv_v2_mount_path}/data/{path}": {
                "get": {"operationId": "kv-v2-read", "responses": {"200": {}}},
                "post": {"operationId": "kv-v2-write", "responses": {"200": {}}},
                "parameters": []
            },
            "/{m}/metadata/{path}/?list=true": {"get": {"operationId": "kv-v2-list"}}
        }});
        let rows = operation_rows(&doc).unwrap();
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "kv-v2-list",
                "kv-v2-read",
                "kv-v2-write",
                "read-health-status"
            ]
        );
        let health = &rows[3];
        assert_eq!(health.answers, [429, 503], "health states are its answers");
        assert!(health.idempotent);
        assert_eq!(health.pieces, ["/sys/health"]);
        let read = &rows[1];
        assert!(read.answers.is_empty());
        assert_eq!(read.pieces, ["/", "/data/", ""]);
        assert_eq!(read.params, ["kv_v2_mount_path", "path"]);
        assert_eq!(read.const_name(), "KV_V2_READ");
        assert_eq!(read.method_name(), "kv_v2_read");
        assert!(!rows[2].idempotent, "POST");
        assert_eq!(rows[0].pieces, ["/", "/metadata/", "/?list=true"]);
        let code = operations_source(&rows);
        assert!(code.contains("pub const READ_HEALTH_STATUS"), "{code}");
        assert!(code.contains("answers: &[429, 503],"), "{code}");
        assert!(
            code.contains("pieces: &[\"/\", \"/data/\", \"\"],"),
            "{code}"
        );
        // Valid Rust: the module parses as one item.
        let module: syn::File = syn::parse_str(&code).expect("operations_source parses");
        assert_eq!(module.items.len(), 1);
    }

    #[test]
    fn const_names_are_identifiers() {
        assert_eq!(const_name("pki-read-issuer-der"), "PKI_READ_ISSUER_DER");
        assert_eq!(const_name("2fa"), "_2FA");
        assert!(split_template("/a}/b").is_none());
    }
}
