//! Strict mode at every depth, and the typed share of the groups.
//!
//! `cargo xtask codegen` checks in the normalized document the bindings were generated from
//! (overlays applied, every group) beside the generated code. [`unnamed_fields`] walks a real answer beside the schema the
//! generated type of its operation comes from, and names every field, at any depth, that would
//! land in a generated struct's `extra` map instead of a named field (`data.keys.1.foo`). At the
//! top level the tour checks that this walk agrees with the generated struct's own `extra`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::{Map, Value};

/// The normalized document of the generated API (every group).
pub fn normalized() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        serde_json::from_str(include_str!("../../src/generated/normalized-openapi.json"))
            .expect("`cargo xtask codegen` writes the normalized document as JSON")
    })
}

/// One generated read operation: its path (`?list=true` included) and payload schema.
pub struct ReadOperation {
    /// The HTTP method, lower case (`get` for a read or a LIST).
    pub method: String,
    pub path: String,
    /// The payload schema: the envelope's `data`, or the whole body for a bare answer.
    pub payload: Value,
    /// Whether the 2xx body is bare (not Vault's envelope).
    pub bare: bool,
    /// Whether the document declares only `204 No Content` as its success (the normalizer keeps
    /// the declared codes in the `2XX` description: `204: No Content`).
    pub no_content: bool,
}

/// Every `GET` operation of the normalized document, by operation id.
pub fn read_operations() -> &'static BTreeMap<String, ReadOperation> {
    static OPS: OnceLock<BTreeMap<String, ReadOperation>> = OnceLock::new();
    OPS.get_or_init(|| operations_of(&["get"]))
}

/// Every operation of the normalized document (reads and writes), by operation id.
pub fn operations() -> &'static BTreeMap<String, ReadOperation> {
    static OPS: OnceLock<BTreeMap<String, ReadOperation>> = OnceLock::new();
    OPS.get_or_init(|| operations_of(&["get", "post", "put", "patch", "delete"]))
}

fn operations_of(methods: &[&str]) -> BTreeMap<String, ReadOperation> {
    let mut ops = BTreeMap::new();
    for (path, item) in normalized()["paths"].as_object().into_iter().flatten() {
        for method in methods {
            let Some(op) = item.get(*method) else {
                continue;
            };
            let Some(id) = op["operationId"].as_str() else {
                continue;
            };
            let schema = op
                .pointer("/responses/2XX/content/application~1json/schema")
                .cloned()
                .unwrap_or(Value::Null);
            let envelope = schema.pointer("/x-rust-type/path").and_then(Value::as_str)
                == Some("hashivault::Envelope");
            let no_content = op
                .pointer("/responses/2XX/description")
                .and_then(Value::as_str)
                .is_some_and(|d| d.split("; ").all(|code| code.starts_with("204:")));
            let (payload, bare) = if envelope {
                (schema["x-rust-type"]["parameters"][0].clone(), false)
            } else {
                (schema, true)
            };
            ops.insert(
                id.to_string(),
                ReadOperation {
                    method: method.to_string(),
                    path: path.clone(),
                    payload,
                    bare,
                    no_content,
                },
            );
        }
    }
    ops
}

/// Follows `$ref`s to the component schema.
fn resolve(schema: &Value) -> &Value {
    let mut schema = schema;
    for _ in 0..32 {
        let Some(name) = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
        else {
            break;
        };
        schema = &normalized()["components"]["schemas"][name];
    }
    schema
}

/// An `additionalProperties` that types its values (a map), not the catch-all `{}`/`true` that
/// becomes a struct's `extra`.
fn typed_values(schema: &Value) -> Option<&Value> {
    match schema.get("additionalProperties") {
        Some(Value::Object(ap)) if !ap.is_empty() => Some(&schema["additionalProperties"]),
        _ => None,
    }
}

/// Whether a payload schema is typed: a struct (named fields) or a map of typed values. A
/// free-form map (`JsonMap`, `SecretMap`) is not.
pub fn is_typed(schema: &Value) -> bool {
    let schema = resolve(schema);
    if schema.get("x-rust-type").is_some() {
        return false;
    }
    schema
        .get("properties")
        .and_then(Value::as_object)
        .is_some_and(|p| !p.is_empty())
        || typed_values(schema).is_some_and(|v| is_typed(v) || v.get("type").is_some())
}

/// The fields of `value` the generated types built from `schema` do not name, at every depth,
/// each as its place under `place`.
pub fn unnamed_fields(schema: &Value, value: &Value, place: &str, out: &mut Vec<String>) {
    let schema = resolve(schema);
    if schema.get("x-rust-type").is_some() {
        // A crate type (SecretMap, VaultDuration, ...): it keeps what it is given.
        return;
    }
    match value {
        Value::Object(fields) => object_fields(schema, fields, place, out),
        Value::Array(items) => {
            if let Some(item) = schema.get("items") {
                for (i, v) in items.iter().enumerate() {
                    unnamed_fields(item, v, &format!("{place}.{i}"), out);
                }
            }
        }
        _ => {}
    }
}

fn object_fields(schema: &Value, fields: &Map<String, Value>, place: &str, out: &mut Vec<String>) {
    let props = schema.get("properties").and_then(Value::as_object);
    let values = typed_values(schema);
    if props.is_none() && values.is_none() {
        // Free-form: a map that keeps everything.
        return;
    }
    for (key, v) in fields {
        let here = format!("{place}.{key}");
        match (props.and_then(|p| p.get(key)), values) {
            (Some(field), _) => unnamed_fields(field, v, &here, out),
            (None, Some(values)) => unnamed_fields(values, v, &here, out),
            (None, None) => out.push(here),
        }
    }
}

/// The feature of each `GET` path, from `docs/operations.md` (checked against the spec by
/// `tests/api_operations.rs`).
pub fn feature_of_paths() -> BTreeMap<String, String> {
    feature_of_operations()
        .into_iter()
        .filter_map(|(request, feature)| Some((request.strip_prefix("GET ")?.to_string(), feature)))
        .collect()
}

/// The feature of every operation (`METHOD /path`), from `docs/operations.md`.
pub fn feature_of_operations() -> BTreeMap<String, String> {
    let text = include_str!("../../docs/operations.md");
    let mut feature = String::new();
    let mut out = BTreeMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("## Feature `") {
            feature = rest.trim_end_matches('`').to_string();
        } else if let Some((_, request)) = line.split_once(" | `") {
            let request = request.trim_end_matches(['`', '|', ' ']);
            if request.split_once(' ').is_some_and(|(m, p)| {
                m.chars().all(|c| c.is_ascii_uppercase()) && p.starts_with('/')
            }) {
                out.insert(request.to_string(), feature.clone());
            }
        }
    }
    out
}

/// The groups whose read payloads issue #11 wants typed: the default features (read from
/// `Cargo.toml`, less the TLS stacks), and transit, pki, ssh, totp, identity and database.
pub fn target_groups() -> Vec<String> {
    let manifest = include_str!("../../Cargo.toml");
    let line = manifest
        .lines()
        .find(|l| l.starts_with("default = ["))
        .expect("Cargo.toml has a default feature list");
    let mut groups: Vec<String> = line
        .trim_start_matches("default = [")
        .trim_end_matches(']')
        .split(',')
        .map(|f| f.trim().trim_matches('"').to_string())
        .filter(|f| !f.is_empty() && f != "rustls" && f != "native-tls")
        .collect();
    groups.extend(["transit", "pki", "ssh", "totp", "identity", "database"].map(String::from));
    groups
}

/// The typed share of the target groups' read operations: `(typed, all, untyped ids)`.
pub fn target_share() -> (usize, usize, Vec<String>) {
    let features = feature_of_paths();
    let targets = target_groups();
    let (mut typed, mut all, mut untyped) = (0, 0, Vec::new());
    for (id, op) in read_operations() {
        let Some(feature) = features.get(&op.path) else {
            continue;
        };
        if !targets.contains(feature) {
            continue;
        }
        all += 1;
        if is_typed(&op.payload) {
            typed += 1;
        } else {
            untyped.push(id.clone());
        }
    }
    (typed, all, untyped)
}

/// The read operations of the [`target_groups`] whose payload stays a free-form map, and why (sorted
/// by operation id). Measured against OpenBao 2.7.2 (the tour, and the setups of
/// `tests/live_conformance.rs`).
pub const UNTYPED: &[(&str, &str)] = &[
    ("cubbyhole-read", "the payload is the caller's secret, keyed by the caller's names (`SecretMap`)"),
    ("enterprise-stub-read-policies-egp-name", "Vault Enterprise only (Sentinel): OpenBao answers 404 `unsupported path`"),
    ("enterprise-stub-read-policies-rgp-name", "Vault Enterprise only (Sentinel): OpenBao answers 404 `unsupported path`"),
    ("internal-client-activity-export", "the activity log is not in OpenBao: 404 `unsupported path`"),
    ("internal-client-activity-read-configuration", "the activity log is not in OpenBao: 404 `unsupported path`"),
    ("internal-client-activity-report-counts", "the activity log is not in OpenBao: 404 `unsupported path`"),
    ("internal-client-activity-report-counts-this-month", "the activity log is not in OpenBao: 404 `unsupported path`"),
    ("internal-count-requests", "removed from Vault and OpenBao: 404 `The functionality has been removed on this path`"),
    ("internal-generate-open-api-document", "the payload is an OpenAPI document (what `cargo xtask regen` reads), not a Vault object"),
    ("kv-v1-read", "the payload is the caller's secret, keyed by the caller's names (`SecretMap`; `kv1(mount).read::<T>()` decodes it into the caller's type)"),
    ("oidc-provider-user-info", "needs an OAuth access token in `Authorization: Bearer` and no Vault token (with `X-Vault-Token` too, OpenBao 2.7.2 answers `invalid_token`: \"access token must be sent as a Bearer token\"; measured 2026-12-06): the document declares neither, so the generated method cannot send it"),
    ("pki-query-ocsp-with-get-req", "answers DER bytes (`application/ocsp-response`), not JSON"),
    ("pki-read-acme-new-nonce", "answers 204 with no body: the nonce is the `Replay-Nonce` header"),
    ("pki-read-issuer-issuer_ref-acme-new-nonce", "answers 204 with no body: the nonce is the `Replay-Nonce` header"),
    ("pki-read-issuer-issuer_ref-roles-role-acme-new-nonce", "answers 204 with no body: the nonce is the `Replay-Nonce` header"),
    ("pki-read-roles-role-acme-new-nonce", "answers 204 with no body: the nonce is the `Replay-Nonce` header"),
    ("ssh-get-issuer", "answers the issuer's public key as `text/plain` (`ssh-rsa AAAA...`; OpenBao 2.7.2, which alone serves it, measured), not JSON"),
    ("ssh-read-public-key", "answers the CA's public key as `text/plain`, not JSON"),
];
