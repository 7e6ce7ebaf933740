//! Validating a document and writing it in canonical form.
//!
//! Canonical form: every object's keys sorted (by byte order, recursively), pretty JSON with
//! two-space indentation, one trailing newline. The keys are sorted here explicitly rather than
//! by relying on `serde_json::Map` being a `BTreeMap`: xtask builds `serde_json` with
//! `preserve_order`, under which a map keeps the document's order.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use hashivault_codegen::normalize::HTTP_METHODS;

/// The canonical text of a document.
pub fn canonical(doc: &Value) -> String {
    let mut text = serde_json::to_string_pretty(&sorted(doc)).expect("a JSON value serializes");
    text.push('\n');
    text
}

/// A copy of `value` whose objects hold their keys in sorted order.
pub fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let ordered: BTreeMap<&String, Value> =
                map.iter().map(|(k, v)| (k, sorted(v))).collect();
            let mut out = Map::new();
            for (key, child) in ordered {
                out.insert(key.clone(), child);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// One operation of a raw document: `(method, path, operation object)`.
pub fn raw_operations(doc: &Value) -> Vec<(&'static str, &str, &Value)> {
    let mut out = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in HTTP_METHODS {
                if let Some(op) = item.get(*method) {
                    out.push((*method, path.as_str(), op));
                }
            }
        }
    }
    out
}

/// Checks that `text` is an OpenAPI 3.0 document fit for the generator, and returns it parsed.
///
/// The document must be JSON, say `openapi: 3.0.x`, parse as OpenAPI 3.0 (`openapiv3`), and give
/// every operation a unique `operationId` (the generated method names). Errors are one line.
pub fn validate(text: &str) -> Result<Value, String> {
    const NOT: &str = "not an OpenAPI 3.0 document";
    let doc: Value = serde_json::from_str(text).map_err(|e| format!("{NOT}: not JSON ({e})"))?;
    let version = match doc.get("openapi") {
        Some(Value::String(v)) => v.clone(),
        Some(other) => return Err(format!("{NOT}: `openapi` is {other}")),
        None => {
            let hint = if doc.get("swagger").is_some() {
                " (it is Swagger 2.0)"
            } else if doc.get("errors").is_some() {
                " (it is a Vault error answer)"
            } else {
                ""
            };
            return Err(format!("{NOT}: it has no `openapi` field{hint}"));
        }
    };
    if !version.starts_with("3.0") {
        return Err(format!(
            "{NOT}: its `openapi` is {version:?}, expected 3.0.x"
        ));
    }
    serde_json::from_value::<openapiv3::OpenAPI>(doc.clone())
        .map_err(|e| format!("{NOT}: it does not parse as OpenAPI 3.0 ({e})"))?;

    let mut missing = Vec::new();
    for (method, path, op) in raw_operations(&doc) {
        let place = format!("{} {path}", method.to_uppercase());
        match op.get("operationId").and_then(Value::as_str) {
            Some(id) if !id.is_empty() => {}
            _ => missing.push(place),
        }
    }
    if !missing.is_empty() {
        return Err(format!(
            "invalid document: {} operations have no operationId: {}",
            missing.len(),
            abbreviate(&missing)
        ));
    }
    Ok(doc)
}

/// operationIds used by more than one operation (OpenBao 2.7.2 has six). Not an error: the
/// normalizer's `unique_operation_ids` step renames the extra ones; regen reports them.
pub fn duplicate_ids(doc: &Value) -> Vec<String> {
    let mut by_id: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (method, path, op) in raw_operations(doc) {
        if let Some(id) = op.get("operationId").and_then(Value::as_str) {
            by_id
                .entry(id)
                .or_default()
                .push(format!("{} {path}", method.to_uppercase()));
        }
    }
    by_id
        .iter()
        .filter(|(_, places)| places.len() > 1)
        .map(|(id, places)| format!("{id} ({})", places.join(", ")))
        .collect()
}

fn abbreviate(items: &[String]) -> String {
    const SHOWN: usize = 6;
    let mut text = items
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if items.len() > SHOWN {
        text.push_str(&format!("; and {} more", items.len() - SHOWN));
    }
    text
}

/// `(paths, operations, component schemas)` of a document.
pub fn counts(doc: &Value) -> (usize, usize, usize) {
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .map_or(0, Map::len);
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map_or(0, Map::len);
    (paths, raw_operations(doc).len(), schemas)
}
