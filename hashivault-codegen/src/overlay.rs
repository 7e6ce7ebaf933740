//! Response overlays: what real servers answer, where Vault's document is silent or incomplete.
//!
//! 588 of the document's 1049 operations declare `200` with no schema, and the schemas it does
//! declare miss fields servers send (`token_strictly_bind_ip` on an AppRole role,
//! `current_metadata_version` on KV v2 metadata, `key_info` on identity lists, ...). The
//! conformance tour (`tests/live_conformance.rs`) records real answers under
//! `tests/fixtures/conformance/`; [`learn`] derives from them one overlay per API group
//! (`spec/overlays/<group>.json`, data like the spec, with the provenance of the answers), and
//! [`apply_overlays`] (a normalizer step, run before the others so the overlay's fields get the
//! same treatment as the document's) adds what they say:
//!
//! - `fields`: `{SchemaName: {field: schema}}`, properties a component schema lacks;
//! - `responses`: `{operationId: schema}`, the payload schema of an operation the document leaves
//!   untyped, added as the component `<OperationId>Response`.
//!
//! Learned schemas are plain: a string, integer, number, boolean, an array of the first item's
//! type, or a free-form object; a field seen with several types (or only as `null`) is left
//! free (`{}`, any JSON value: the most lenient type), and no field is required. A bare body
//! (`/sys/health`, OIDC discovery, an ACME directory: [`BARE_BODY_PATHS`]) is learned whole; a
//! payload keyed by the caller's names ([`NAME_KEYED_PAYLOADS`]) becomes a map of one learned
//! object; a secret's own keys ([`SECRET_PAYLOADS`]) are never learned.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Map, Value};

use super::normalize::{Report, BARE_BODY_PATHS, HTTP_METHODS};

/// Reads every `*.json` overlay of `dir`, sorted by name; no directory is no overlay.
pub fn load_dir(dir: &Path) -> Result<Vec<Value>, String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p)
                .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", p.display()))
        })
        .collect()
}

/// The component name of an operation's learned payload: `token-look-up-self` is
/// `TokenLookUpSelfResponse`.
pub fn response_schema_name(operation_id: &str) -> String {
    let mut name: String = operation_id
        .split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map_or(String::new(), |c| {
                c.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect();
    name.push_str("Response");
    name
}

/// Applies the overlays' `fields` and `responses` to the document (see the module docs). A field
/// the document already has and an operation the document already types are left as they are.
pub fn apply_overlays(doc: &mut Value, overlays: &[Value], report: &mut Report) {
    for overlay in overlays {
        if let Some(fields) = overlay.get("fields").and_then(Value::as_object) {
            for (schema_name, props) in fields {
                let Some(target) = doc
                    .pointer_mut(&format!("/components/schemas/{schema_name}"))
                    .and_then(Value::as_object_mut)
                else {
                    continue;
                };
                let target_props = target
                    .entry("properties")
                    .or_insert_with(|| json!({}))
                    .as_object_mut();
                let Some(target_props) = target_props else {
                    continue;
                };
                for (field, schema) in props.as_object().into_iter().flatten() {
                    if !target_props.contains_key(field) {
                        target_props.insert(field.clone(), schema.clone());
                        report.note("apply_overlays", format!("{schema_name}.{field}"));
                    }
                }
            }
        }
        if let Some(responses) = overlay.get("responses").and_then(Value::as_object) {
            for (operation_id, schema) in responses {
                type_untyped_response(doc, operation_id, schema, report);
            }
        }
    }
}

fn type_untyped_response(doc: &mut Value, operation_id: &str, schema: &Value, report: &mut Report) {
    let name = response_schema_name(operation_id);
    if doc
        .pointer(&format!("/components/schemas/{name}"))
        .is_some()
    {
        // The document already has a schema of that name: never retarget an operation to it.
        return;
    }
    let mut found = false;
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        'paths: for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, op) in item.iter_mut() {
                if !HTTP_METHODS.contains(&method.as_str())
                    || op.get("operationId").and_then(Value::as_str) != Some(operation_id)
                {
                    continue;
                }
                let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                    continue;
                };
                let typed = responses
                    .iter()
                    .filter(|(code, _)| code.starts_with('2'))
                    .any(|(_, r)| r.get("content").is_some());
                if typed {
                    return;
                }
                let description = responses
                    .get("200")
                    .and_then(|r| r.get("description"))
                    .cloned()
                    .unwrap_or_else(|| json!("OK"));
                responses.insert(
                    "200".into(),
                    json!({"description": description, "content": {"application/json": {
                        "schema": {"$ref": format!("#/components/schemas/{name}")}
                    }}}),
                );
                found = true;
                break 'paths;
            }
        }
    }
    if !found {
        return;
    }
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        schemas
            .entry(name.clone())
            .or_insert_with(|| schema.clone());
    }
    report.note("apply_overlays", format!("{operation_id} -> {name}"));
}

/// A schema for one JSON value (see the module docs).
pub fn infer(value: &Value) -> Value {
    match value {
        Value::Null => json!({}),
        Value::Bool(_) => json!({"type": "boolean"}),
        Value::Number(n) if n.is_f64() => json!({"type": "number", "format": "double"}),
        Value::Number(_) => json!({"type": "integer", "format": "int64"}),
        Value::String(_) => json!({"type": "string"}),
        Value::Array(items) => {
            let item = items.iter().find(|v| !v.is_null()).map_or(json!({}), infer);
            let item = if item.get("type") == Some(&json!("array")) {
                json!({})
            } else {
                item
            };
            json!({"type": "array", "items": item})
        }
        Value::Object(_) => json!({"type": "object"}),
    }
}

/// Two schemas learned for one field: the same, or free (`{}`).
fn merge(a: &Value, b: &Value) -> Value {
    if a == b || b == &json!({}) {
        a.clone()
    } else if a == &json!({}) {
        b.clone()
    } else {
        json!({})
    }
}

/// An object schema for a payload: every key, optional, with its inferred type.
pub fn infer_object(data: &Map<String, Value>) -> Value {
    let props: Map<String, Value> = data.iter().map(|(k, v)| (k.clone(), infer(v))).collect();
    json!({"type": "object", "description": "Learned from a real server's answers (spec/overlays).", "properties": props})
}

/// Operations whose payload is the caller's own secret (its keys are the caller's): they stay
/// free-form maps (`SecretMap` in the generated code), and the typed helpers
/// (`kv1(mount).read::<T>()`) are the way to a struct.
pub const SECRET_PAYLOADS: &[&str] = &["kv-v1-read", "cubbyhole-read"];

/// Operations whose payload is a map from names the caller chose (mount paths, audit device
/// paths) to one kind of object: learned as a map of one value schema, merged over every entry
/// of every answer, so the next server's mounts decode the same way.
pub const NAME_KEYED_PAYLOADS: &[&str] = &[
    "mounts-list-secrets-engines",
    "auth-list-enabled-methods",
    "auditing-list-enabled-devices",
];

/// A map schema for a name-keyed payload: each entry's object schema, merged field by field.
pub fn infer_name_keyed(data: &Map<String, Value>) -> Value {
    let mut props: Map<String, Value> = Map::new();
    for entry in data.values().filter_map(Value::as_object) {
        for (key, value) in entry {
            let learned = infer(value);
            let merged = match props.get(key) {
                Some(before) => merge(before, &learned),
                None => learned,
            };
            props.insert(key.clone(), merged);
        }
    }
    json!({
        "type": "object",
        "description": "Learned from a real server's answers (spec/overlays): one entry per name.",
        "additionalProperties": {"type": "object", "properties": props}
    })
}

/// One recorded answer: the operation id, the request path template's group, and the body.
pub struct Recorded {
    /// The operation id.
    pub operation_id: String,
    /// The answer's JSON body (an envelope).
    pub answer: Value,
    /// Where the answer came from (server, version, date).
    pub provenance: Value,
}

/// Derives one overlay per API group from recorded answers and the (raw) document: for an
/// operation the document types with a component schema, the fields the answer has and the
/// schema lacks; for an untyped one, the answer's payload schema.
pub fn learn(doc: &Value, recorded: &[Recorded]) -> BTreeMap<String, Value> {
    // Operation id to (group, response schema name, whether the body is bare).
    let mut ops: BTreeMap<&str, (String, Option<String>, bool)> = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if !HTTP_METHODS.contains(&method.as_str()) {
                continue;
            }
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let schema_ref = op["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(code, _)| code.starts_with('2'))
                .find_map(|(_, r)| {
                    r.pointer("/content/application~1json/schema/$ref")
                        .and_then(Value::as_str)
                        .and_then(|r| r.strip_prefix("#/components/schemas/"))
                        .map(str::to_string)
                });
            let bare = BARE_BODY_PATHS.contains(&path.as_str());
            ops.insert(id, (super::groups::group_of(path), schema_ref, bare));
        }
    }
    let mut overlays: BTreeMap<String, Value> = BTreeMap::new();
    for rec in recorded {
        let Some((group, schema_ref, bare)) = ops.get(rec.operation_id.as_str()) else {
            continue;
        };
        if SECRET_PAYLOADS.contains(&rec.operation_id.as_str()) {
            continue;
        }
        // A bare body (health, OIDC discovery, ACME directory) is the payload itself.
        let payload = if *bare {
            Some(&rec.answer)
        } else {
            rec.answer.get("data")
        };
        let Some(data) = payload.and_then(Value::as_object) else {
            continue;
        };
        let overlay = overlays.entry(group.clone()).or_insert_with(
            || json!({"group": group, "provenance": rec.provenance, "fields": {}, "responses": {}}),
        );
        match schema_ref {
            Some(name) => {
                let known = doc
                    .pointer(&format!("/components/schemas/{name}/properties"))
                    .and_then(Value::as_object);
                let fields = overlay["fields"]
                    .as_object_mut()
                    .expect("fields is an object")
                    .entry(name.clone())
                    .or_insert_with(|| json!({}));
                for (key, value) in data {
                    if known.is_some_and(|k| k.contains_key(key)) {
                        continue;
                    }
                    let learned = infer(value);
                    let merged = match fields.get(key) {
                        Some(before) => merge(before, &learned),
                        None => learned,
                    };
                    fields[key] = merged;
                }
                if fields.as_object().is_some_and(Map::is_empty) {
                    overlay["fields"].as_object_mut().unwrap().remove(name);
                }
            }
            // No entry (a dev server has no audit device): nothing to learn from.
            None if NAME_KEYED_PAYLOADS.contains(&rec.operation_id.as_str()) => {
                if !data.is_empty() {
                    overlay["responses"][&rec.operation_id] = infer_name_keyed(data);
                }
            }
            None => {
                overlay["responses"][&rec.operation_id] = infer_object(data);
            }
        }
    }
    overlays
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        json!({
            "paths": {
                "/auth/{approle_mount_path}/role/{role_name}": {"get": {"operationId": "app-role-read-role",
                    "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AppRoleReadRoleResponse"}}}}}}},
                "/auth/token/lookup-self": {"get": {"operationId": "token-look-up-self",
                    "responses": {"200": {"description": "OK"}}}}
            },
            "components": {"schemas": {"AppRoleReadRoleResponse": {"type": "object", "properties": {"token_ttl": {"type": "integer"}}}}}
        })
    }

    fn recorded() -> Vec<Recorded> {
        let provenance = json!({"server": "OpenBao", "version": "2.7.2", "date": "2026-12-02"});
        vec![
            Recorded {
                operation_id: "app-role-read-role".into(),
                answer: json!({"data": {"token_ttl": 3600, "token_strictly_bind_ip": false}}),
                provenance: provenance.clone(),
            },
            Recorded {
                operation_id: "token-look-up-self".into(),
                answer: json!({"data": {"id": "hvs.x", "ttl": 0, "policies": ["root"], "meta": null, "expire_time": null}}),
                provenance,
            },
        ]
    }

    #[test]
    fn learns_missing_fields_and_untyped_payloads() {
        let overlays = learn(&doc(), &recorded());
        assert_eq!(
            overlays.keys().collect::<Vec<_>>(),
            ["auth-approle", "auth-token"]
        );
        assert_eq!(
            overlays["auth-approle"]["fields"]["AppRoleReadRoleResponse"],
            json!({"token_strictly_bind_ip": {"type": "boolean"}}),
            "only the field the document lacks"
        );
        let learned = &overlays["auth-token"]["responses"]["token-look-up-self"];
        assert_eq!(
            learned["properties"]["ttl"],
            json!({"type": "integer", "format": "int64"})
        );
        assert_eq!(
            learned["properties"]["policies"],
            json!({"type": "array", "items": {"type": "string"}})
        );
        assert_eq!(learned["properties"]["meta"], json!({}), "null only: free");
        assert!(learned.get("required").is_none());
        assert_eq!(overlays["auth-token"]["provenance"]["version"], "2.7.2");
    }

    #[test]
    fn applying_adds_fields_and_types_untyped_operations_once() {
        let overlays: Vec<Value> = learn(&doc(), &recorded()).into_values().collect();
        let mut d = doc();
        let mut report = Report::default();
        apply_overlays(&mut d, &overlays, &mut report);
        apply_overlays(&mut d, &overlays, &mut report);
        assert_eq!(
            d["components"]["schemas"]["AppRoleReadRoleResponse"]["properties"]
                ["token_strictly_bind_ip"],
            json!({"type": "boolean"})
        );
        assert_eq!(
            d["paths"]["/auth/token/lookup-self"]["get"]["responses"]["200"]["content"]
                ["application/json"]["schema"]["$ref"],
            "#/components/schemas/TokenLookUpSelfResponse"
        );
        assert!(
            d["components"]["schemas"]["TokenLookUpSelfResponse"]["properties"]["id"].is_object()
        );
        assert_eq!(
            report.count("apply_overlays"),
            2,
            "the second run changes nothing"
        );
    }

    #[test]
    fn name_keyed_payloads_are_maps_and_bare_bodies_are_payloads() {
        let doc = json!({"paths": {
            "/sys/mounts": {"get": {"operationId": "mounts-list-secrets-engines", "responses": {"200": {"description": "OK"}}}},
            "/sys/health": {"get": {"operationId": "read-health-status", "responses": {"200": {"description": "OK"}}}},
            "/cubbyhole/{path}": {"get": {"operationId": "cubbyhole-read", "responses": {"200": {"description": "OK"}}}}
        }});
        let p = json!({"server": "OpenBao"});
        let recorded = [
            Recorded {
                operation_id: "mounts-list-secrets-engines".into(),
                answer: json!({"data": {
                    "secret/": {"type": "kv", "local": false, "options": {"version": "2"}},
                    "sys/": {"type": "system", "local": false, "options": null, "seal_wrap": true}
                }}),
                provenance: p.clone(),
            },
            Recorded {
                operation_id: "read-health-status".into(),
                answer: json!({"initialized": true, "sealed": false, "version": "2.7.2"}),
                provenance: p.clone(),
            },
            Recorded {
                operation_id: "cubbyhole-read".into(),
                answer: json!({"data": {"password": "s3cret"}}),
                provenance: p,
            },
        ];
        let overlays = learn(&doc, &recorded);
        let mounts = &overlays["sys"]["responses"]["mounts-list-secrets-engines"];
        assert!(
            mounts.get("properties").is_none(),
            "no mount path becomes a field"
        );
        assert_eq!(
            mounts["additionalProperties"]["properties"],
            json!({"type": {"type": "string"}, "local": {"type": "boolean"},
                   "options": {"type": "object"}, "seal_wrap": {"type": "boolean"}}),
            "merged over the entries; null options do not make the field free"
        );
        assert_eq!(
            overlays["sys"]["responses"]["read-health-status"]["properties"]["sealed"],
            json!({"type": "boolean"}),
            "a bare body is learned whole"
        );
        assert!(
            !overlays.contains_key("cubbyhole"),
            "a secret's own keys are never learned"
        );
    }

    #[test]
    fn conflicting_types_are_left_free() {
        assert_eq!(
            merge(&json!({"type": "string"}), &json!({"type": "integer"})),
            json!({})
        );
        assert_eq!(
            merge(&json!({}), &json!({"type": "string"})),
            json!({"type": "string"})
        );
    }
}
