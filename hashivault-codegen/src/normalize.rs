//! The normalizing step: Vault's OpenAPI document as progenitor can use it.
//!
//! Every fix is one named function that handles one behaviour of Vault (or OpenBao) and says so
//! in its comment. [`normalize`] runs them in order and returns a [`Report`] of what each changed,
//! which `cargo xtask regen` prints so a new quirk is seen at regen time.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

/// The HTTP methods an OpenAPI path item can hold.
pub const HTTP_METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The `format`s that typify understands and that Vault uses correctly.
const STANDARD_FORMATS: &[&str] = &[
    "int32", "int64", "uint64", "float", "double", "byte", "binary", "password", "uuid",
];

/// The crate-local type every duration field becomes (a string such as `"1h"` or seconds).
pub const DURATION_TYPE: &str = "hashivault::VaultDuration";
/// The crate-local type every credential or secret field becomes (redacted in `Debug`).
pub const SENSITIVE_TYPE: &str = "hashivault::Sensitive";
/// The crate-local type every free-form object and every struct's unnamed fields become (a JSON
/// object whose values `Debug` does not show).
pub const SECRET_MAP_TYPE: &str = "hashivault::SecretMap";

/// Property names whose string values are credentials or secrets, in Vault's documents.
pub const SENSITIVE_NAMES: &[&str] = &[
    "backup",
    "bindpass",
    "client_key",
    "client_secret",
    "client_token",
    "code",
    "credentials",
    "jwt",
    "otp",
    "passphrase",
    "password",
    "plaintext",
    "private_key",
    "private_key_data",
    "root_token",
    "secret",
    "secret_id",
    "secret_key",
    "token",
    "wrapping_token",
];

/// Properties that are secrets only in some schemas: (schema name prefix, property). A token
/// lookup's `id` is the token itself (`auth/token/lookup-self`, `lookup`, `lookup-accessor` do
/// not hide it; only the accessor lookup leaves it empty). An SSH OTP role's credentials answer
/// the one-time password as `key` (`ssh/creds/{role}`, learned into `spec/overlays/ssh.json`).
/// A TOTP key's creation and an MFA method's TOTP secret answer the shared secret inside `url`
/// (`otpauth://...?secret=`) and `barcode` (its QR code); the OIDC provider's token endpoint
/// answers an access token and an ID token (learned into `spec/overlays/totp.json`,
/// `identity.json`).
pub const SENSITIVE_IN_SCHEMA: &[(&str, &str)] = &[
    ("TokenLookUp", "id"),
    ("SshGenerateCredentialsResponse", "key"),
    ("TotpCreateKeyResponse", "url"),
    ("TotpCreateKeyResponse", "barcode"),
    ("MfaGenerateTotpSecretResponse", "url"),
    ("MfaGenerateTotpSecretResponse", "barcode"),
    ("MfaAdminGenerateTotpSecretResponse", "url"),
    ("MfaAdminGenerateTotpSecretResponse", "barcode"),
    ("OidcProviderTokenResponse", "access_token"),
    ("OidcProviderTokenResponse", "id_token"),
];

/// The crate-local generic type every enveloped 2xx body becomes.
pub const ENVELOPE_TYPE: &str = "hashivault::Envelope";

/// Paths whose 2xx body is not Vault's response envelope but a bare JSON object: the handlers
/// Vault registers outside its logical framework (health, seal status, leader, init, rekey and
/// root generation, metrics, in-flight requests, the OpenAPI document itself), and the documents
/// other standards define, which Vault's handlers write raw (`logical.HTTPRawBody`): OpenID
/// Connect discovery, JWKS and the OIDC provider's authorize, token and userinfo endpoints, and
/// ACME directories (RFC 8555). Measured against a real server (OpenBao 2.7.2,
/// `tests/fixtures/conformance/`): `GET /v1/sys/health` answers `{"initialized":true,...}` and
/// `GET /v1/identity/oidc/.well-known/keys` answers `{"keys":[...]}`, with no `request_id`.
pub const BARE_BODY_PATHS: &[&str] = &[
    "/identity/oidc/.well-known/openid-configuration",
    "/identity/oidc/.well-known/keys",
    "/identity/oidc/provider/{name}/.well-known/openid-configuration",
    "/identity/oidc/provider/{name}/.well-known/keys",
    "/identity/oidc/provider/{name}/authorize",
    "/identity/oidc/provider/{name}/token",
    "/identity/oidc/provider/{name}/userinfo",
    // `{"active":true}` (OpenBao 2.7.2, `tests/fixtures/conformance/oidc-introspect.json`).
    "/identity/oidc/introspect",
    "/{pki_mount_path}/acme/directory",
    "/{pki_mount_path}/issuer/{issuer_ref}/acme/directory",
    "/{pki_mount_path}/roles/{role}/acme/directory",
    "/{pki_mount_path}/issuer/{issuer_ref}/roles/{role}/acme/directory",
    "/sys/health",
    "/sys/seal-status",
    "/sys/leader",
    "/sys/init",
    "/sys/seal",
    "/sys/unseal",
    "/sys/step-down",
    "/sys/metrics",
    "/sys/in-flight-req",
    "/sys/internal/specs/openapi",
    "/sys/generate-root",
    "/sys/generate-root/attempt",
    "/sys/generate-root/update",
    "/sys/rekey/init",
    "/sys/rekey/update",
    "/sys/rekey/verify",
    "/sys/rekey/backup",
    "/sys/rekey/recovery-key-backup",
    "/sys/rekey-recovery-key/init",
    "/sys/rekey-recovery-key/update",
    "/sys/rekey-recovery-key/verify",
];

/// Path prefixes whose 2xx body is not JSON at all (Go's pprof profiles).
pub const BINARY_BODY_PREFIXES: &[&str] = &["/sys/pprof"];

/// What the normalizing step changed: per step, the places it touched.
#[derive(Default, Debug, Clone)]
pub struct Report {
    /// Step name to the list of places (operation ids, paths or schema names) it changed.
    pub steps: BTreeMap<&'static str, Vec<String>>,
}

impl Report {
    /// Records that `step` changed `place`.
    pub fn note(&mut self, step: &'static str, place: impl Into<String>) {
        self.steps.entry(step).or_default().push(place.into());
    }

    /// How many places `step` changed.
    pub fn count(&self, step: &str) -> usize {
        self.steps.get(step).map_or(0, Vec::len)
    }

    /// One line per step: its name and how many places it changed.
    pub fn summary(&self) -> String {
        self.steps
            .iter()
            .map(|(step, places)| format!("{step}: {}", places.len()))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Runs every fix, in order.
pub fn normalize(doc: &mut Value) -> Report {
    let mut report = Report::default();
    remove_regex_paths(doc, &mut report);
    unique_operation_ids(doc, &mut report);
    read_or_list_is_the_read(doc, &mut report);
    list_operations_carry_their_query(doc, &mut report);
    list_or_scan_is_the_list(doc, &mut report);
    copy_path_descriptions(doc, &mut report);
    add_kv_v2_patch_operations(doc, &mut report);
    add_kv_v2_read_version_parameter(doc, &mut report);
    type_kv_v2_version_metadata(doc, &mut report);
    type_kv_v2_metadata_versions(doc, &mut report);
    type_kv_v2_custom_metadata(doc, &mut report);
    add_health_query_parameters(doc, &mut report);
    merge_patch_bodies_as_json(doc, &mut report);
    for_each_schema(doc, &mut report, &mut |schema, place, report| {
        type_durations(schema, place, report);
        redact_secret_fields(schema, place, report);
        strip_nonstandard_formats(schema, place, report);
        move_defaults_into_docs(schema, place, report);
        type_plain_string_durations(schema, place, report);
        free_form_objects_hide_values(schema, place, report);
        keep_unnamed_fields(schema, place, report);
    });
    health_states_carry_the_body(doc, &mut report);
    nullable_response_containers(doc, &mut report);
    wrap_success_responses(doc, &mut report);
    doc_safe_descriptions(doc, &mut report);
    report
}

fn operations_mut(
    doc: &mut Value,
) -> impl Iterator<Item = (String, &'static str, &mut Map<String, Value>)> {
    doc.get_mut("paths")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|paths| paths.iter_mut())
        .flat_map(|(path, item)| {
            let path = path.clone();
            item.as_object_mut()
                .into_iter()
                .flat_map(|item| item.iter_mut())
                .filter_map(move |(method, op)| {
                    let method = HTTP_METHODS.iter().find(|m| **m == method.as_str())?;
                    Some((path.clone(), *method, op.as_object_mut()?))
                })
        })
}

fn operation_name(op: &Map<String, Value>, method: &str, path: &str) -> String {
    op.get("operationId")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| format!("{} {path}", method.to_uppercase()))
}

/// Vault 1.15 lists `/{kv_v2_mount_path}/^.*$`, a regular expression (the KV v2 catch-all for
/// paths of the v1 API) rather than a URL template: no client can call it. Removed (a documented
/// exclusion of the `full` build).
pub fn remove_regex_paths(doc: &mut Value, report: &mut Report) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let regex: Vec<String> = paths
        .keys()
        .filter(|p| p.contains(['^', '$', '*', '(', '|']))
        .cloned()
        .collect();
    for path in regex {
        paths.remove(&path);
        report.note("remove_regex_paths", path);
    }
}

/// OpenBao 2.7.2 gives one operationId to several operations: `jwt-login`, `jwt-read-role`,
/// `jwt-write-role` and `jwt-delete-role` to both `/auth/{jwt_mount_path}/...` and its `/cel/`
/// twin, `pki-list-certs` to `/certs` and `/certs/detailed`, and `generate-root-token` to the
/// `GET`, `POST` and `DELETE` of `/sys/generate-root-token/attempt`. The ids are the generated
/// method names, and progenitor refuses duplicates. The operation with the shortest path (then
/// `GET`, `POST`, `PUT`, `PATCH`, `DELETE`) keeps the id; each other one gets a suffix: the literal
/// path segments it has beyond the keeper's (`jwt-login-cel`, `pki-list-certs-detailed`), else its
/// method's verb (`generate-root-token-write`, `generate-root-token-delete`), numbered if taken.
pub fn unique_operation_ids(doc: &mut Value, report: &mut Report) {
    let mut by_id: BTreeMap<String, Vec<(String, &'static str)>> = BTreeMap::new();
    let mut taken = BTreeSet::new();
    for (path, method, op) in operations_mut(doc) {
        if let Some(id) = op.get("operationId").and_then(Value::as_str) {
            by_id
                .entry(id.to_string())
                .or_default()
                .push((path, method));
            taken.insert(id.to_string());
        }
    }
    let rank = |m: &str| {
        ["get", "post", "put", "patch", "delete"]
            .iter()
            .position(|x| *x == m)
            .unwrap_or(9)
    };
    let verb = |m: &str| match m {
        "get" => "read".to_string(),
        "post" | "put" => "write".to_string(),
        other => other.to_string(),
    };
    let mut renames = Vec::new();
    for (id, mut places) in by_id {
        if places.len() < 2 {
            continue;
        }
        places.sort_by_key(|(path, method)| (path.len(), path.clone(), rank(method)));
        let keeper = places[0].0.clone();
        let keeper_segments: BTreeSet<&str> = keeper.split('/').collect();
        for (path, method) in &places[1..] {
            let extra: Vec<&str> = path
                .split('/')
                .filter(|s| !s.is_empty() && !s.starts_with('{') && !keeper_segments.contains(s))
                .collect();
            let suffix = if extra.is_empty() {
                verb(method)
            } else {
                extra.join("-")
            };
            let mut new_id = format!("{id}-{suffix}");
            let mut n = 2;
            while taken.contains(&new_id) {
                new_id = format!("{id}-{suffix}{n}");
                n += 1;
            }
            taken.insert(new_id.clone());
            renames.push((path.clone(), *method, new_id));
        }
    }
    for (path, method, new_id) in renames {
        let Some(op) = doc
            .get_mut("paths")
            .and_then(|paths| paths.get_mut(&path))
            .and_then(|item| item.get_mut(method))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        let old = operation_name(op, method, &path);
        op.insert("operationId".into(), Value::String(new_id.clone()));
        report.note(
            "unique_operation_ids",
            format!("{old} -> {new_id} ({} {path})", method.to_uppercase()),
        );
    }
}

/// Vault's LIST operations are `GET` with a required `list=true` query parameter whose schema is
/// a one-value enum. Generated as a parameter, every caller would have to pass `.list(True)`, and a
/// caller who forgot would read instead of list. The parameter is removed and `?list=true` becomes
/// part of the operation's path (`/sys/policies/acl/?list=true`); the transport turns it into the
/// `LIST` verb for servers that need it.
pub fn list_operations_carry_their_query(doc: &mut Value, report: &mut Report) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let mut moves = Vec::new();
    for (path, item) in paths.iter_mut() {
        let Some(get) = item.get_mut("get").and_then(Value::as_object_mut) else {
            continue;
        };
        let Some(params) = get.get_mut("parameters").and_then(Value::as_array_mut) else {
            continue;
        };
        let before = params.len();
        params.retain(|p| !(p["name"] == "list" && p["in"] == "query"));
        if params.len() != before {
            moves.push(path.clone());
        }
    }
    for path in moves {
        let Some(Value::Object(mut item)) = paths.remove(&path) else {
            continue;
        };
        let get = item.remove("get").unwrap_or_default();
        let name = get["operationId"].as_str().unwrap_or(&path).to_string();
        let mut list_item = Map::new();
        if let Some(params) = item.get("parameters") {
            list_item.insert("parameters".into(), params.clone());
        }
        if let Some(desc) = item.get("description") {
            list_item.insert("description".into(), desc.clone());
        }
        list_item.insert("get".into(), get);
        let has_other_methods = item.keys().any(|k| HTTP_METHODS.contains(&k.as_str()));
        if has_other_methods {
            paths.insert(path.clone(), Value::Object(item));
        }
        paths.insert(format!("{path}?list=true"), Value::Object(list_item));
        report.note("list_operations_carry_their_query", name);
    }
}

/// OpenBao 2.7.2 documents nine reads that list when asked (`cubbyhole-read`, `kv-read-path`,
/// `raw-read`, `policies-read-acl-policy`, ...) with an optional `list` query parameter ("Return a
/// list if `true`"), three of them with an optional `scan` too; Vault's document has the LIST as
/// an operation of its own, with the parameter required. Left in place,
/// [`list_operations_carry_their_query`] would turn each read into a LIST and the read would be
/// lost. The optional parameters are removed: the operation is the read (the LIST is Vault's
/// operation at the same path).
pub fn read_or_list_is_the_read(doc: &mut Value, report: &mut Report) {
    for (path, method, op) in operations_mut(doc) {
        if method != "get" {
            continue;
        }
        let name = operation_name(op, method, &path);
        let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
            continue;
        };
        let before = params.len();
        params.retain(|p| {
            !((p["name"] == "list" || p["name"] == "scan")
                && p["in"] == "query"
                && p["required"] != Value::Bool(true))
        });
        if params.len() != before {
            report.note("read_or_list_is_the_read", name);
        }
    }
}

/// OpenBao documents its LIST-or-SCAN endpoints (`kv-scan-detailed-metadata-path`,
/// `namespaces-scan-namespaces`, `workflows-scan-workflows-manage`) with two required query
/// parameters, `list` and `scan`, each described as "must be set to `true` or else the other
/// must". Sent together they fail: OpenBao 2.7.2 answers `GET
/// /v1/secret/detailed-metadata/x?list=true&scan=true` with `400 {"errors":[]}` (checked against
/// a dev server, 2026-12-06), and as documented every caller would have to send both. After
/// [`list_operations_carry_their_query`] the operation is the LIST (its path ends
/// `?list=true`), so its `scan` parameter is removed; the recursive SCAN stays reachable as
/// `GET …?scan=true` (or the `SCAN` verb) through `Client::request`. OpenBao also declares a
/// second, optional boolean `list` on the path items of `sys/policies/detailed/acl[/{name}]`:
/// on a LIST's path item it is removed too (the path already says `list=true`).
pub fn list_or_scan_is_the_list(doc: &mut Value, report: &mut Report) {
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            if !path.ends_with("?list=true") {
                continue;
            }
            let Some(params) = item.get_mut("parameters").and_then(Value::as_array_mut) else {
                continue;
            };
            let before = params.len();
            params.retain(|p| !(p["name"] == "list" && p["in"] == "query"));
            if params.len() != before {
                report.note("list_or_scan_is_the_list", path.clone());
            }
        }
    }
    for (path, method, op) in operations_mut(doc) {
        if !path.ends_with("?list=true") {
            continue;
        }
        let name = operation_name(op, method, &path);
        let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
            continue;
        };
        let before = params.len();
        params.retain(|p| !(p["name"] == "scan" && p["in"] == "query"));
        if params.len() != before {
            report.note("list_or_scan_is_the_list", name);
        }
    }
}

/// Vault puts the description of an endpoint on the path item, where progenitor does not look;
/// operations without their own description get it, so every generated method is documented.
pub fn copy_path_descriptions(doc: &mut Value, report: &mut Report) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        let Some(desc) = item
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            if !HTTP_METHODS.contains(&method.as_str()) {
                continue;
            }
            let Some(op) = op.as_object_mut() else {
                continue;
            };
            if op
                .get("description")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                op.insert("description".into(), Value::String(desc.clone()));
                report.note("copy_path_descriptions", operation_name(op, method, ""));
            }
        }
    }
}

/// Vault 1.15's document has no `PATCH` operation: the KV v2 data and metadata endpoints accept
/// `PATCH` with `Content-Type: application/merge-patch+json` (only the given keys change), but the
/// document's generator omits it. Added as `kv-v2-patch` and `kv-v2-patch-metadata` where the
/// document lacks a `patch` on those paths (OpenBao's documents already have them).
pub fn add_kv_v2_patch_operations(doc: &mut Value, report: &mut Report) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, id, summary) in [
        (
            "/{kv_v2_mount_path}/data/{path}",
            "kv-v2-patch",
            "Patch the latest version of a secret: only the given keys change.",
        ),
        (
            "/{kv_v2_mount_path}/metadata/{path}",
            "kv-v2-patch-metadata",
            "Patch a secret's metadata: only the given fields change.",
        ),
    ] {
        let Some(item) = paths.get_mut(path).and_then(Value::as_object_mut) else {
            continue;
        };
        if item.contains_key("patch") {
            continue;
        }
        item.insert(
            "patch".into(),
            json!({
                "operationId": id,
                "summary": summary,
                "tags": ["secrets"],
                "requestBody": {
                    "required": true,
                    "content": {"application/merge-patch+json": {"schema": {"type": "object"}}}
                },
                "responses": {"200": {"description": "OK"}, "204": {"description": "No Content"}}
            }),
        );
        report.note("add_kv_v2_patch_operations", id);
    }
}

/// Vault's `PATCH` endpoints take a JSON merge patch (`application/merge-patch+json`, RFC 7386)
/// and refuse other content types; progenitor only generates JSON bodies. The body is declared
/// `application/json` here, and the transport sends every `PATCH` with the merge-patch content
/// type, which is what Vault requires of all of them.
pub fn merge_patch_bodies_as_json(doc: &mut Value, report: &mut Report) {
    for (path, method, op) in operations_mut(doc) {
        let name = operation_name(op, method, &path);
        let Some(content) = op
            .get_mut("requestBody")
            .and_then(|b| b.get_mut("content"))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        if let Some(media) = content.remove("application/merge-patch+json") {
            content.entry("application/json").or_insert(media);
            report.note("merge_patch_bodies_as_json", name);
        }
    }
}

/// The `parameters` array of the operation at `pointer` (created empty if absent); `None` when
/// the document has no such operation.
fn operation_parameters<'a>(doc: &'a mut Value, pointer: &str) -> Option<&'a mut Vec<Value>> {
    doc.pointer_mut(pointer)?
        .as_object_mut()?
        .entry("parameters")
        .or_insert_with(|| Value::Array(Vec::new()))
        .as_array_mut()
}

/// `kv-v2-read` reads a given version with `?version=N`, but Vault 1.15's document does not
/// declare the parameter. Added as an optional integer query parameter.
pub fn add_kv_v2_read_version_parameter(doc: &mut Value, report: &mut Report) {
    let Some(params) = operation_parameters(doc, "/paths/~1{kv_v2_mount_path}~1data~1{path}/get")
    else {
        return;
    };
    if params.iter().any(|p| p["name"] == "version") {
        return;
    }
    params.push(json!({
        "name": "version",
        "in": "query",
        "description": "The version to read; the latest when absent.",
        "required": false,
        "schema": {"type": "integer", "format": "int64"}
    }));
    report.note("add_kv_v2_read_version_parameter", "kv-v2-read");
}

/// The schema [`type_kv_v2_version_metadata`] adds.
pub const KV_V2_VERSION_METADATA: &str = "KvV2VersionMetadata";

/// KV v2's read (`<mount>/data/<path>`) and subkeys answers carry the metadata of the version
/// read, always the same five fields (Vault's `kvv2` plugin builds it in one place), but the
/// document declares `metadata` a free-form map. Typed as [`KV_V2_VERSION_METADATA`] (the
/// fields of the write answer), so callers read `metadata.version` instead of looking up a map
/// entry, and decoding builds no map. The write answer *is* that metadata: `kv-v2-write`
/// answers [`KV_V2_VERSION_METADATA`] too (its own `KvV2WriteResponse`, the same five fields,
/// is then unused), so one Vault object has one type.
pub fn type_kv_v2_version_metadata(doc: &mut Value, report: &mut Report) {
    let write_ref = json!({"$ref": "#/components/schemas/KvV2WriteResponse"});
    let has_metadata = doc
        .pointer(&format!("/components/schemas/{KV_V2_VERSION_METADATA}"))
        .is_some()
        || doc
            .pointer("/components/schemas/KvV2ReadResponse/properties/metadata")
            .is_some();
    if let Some(schema) = doc.pointer_mut(
        "/paths/~1{kv_v2_mount_path}~1data~1{path}/post/responses/200/content/application~1json/schema",
    ) {
        if has_metadata && *schema == write_ref {
            *schema = json!({"$ref": format!("#/components/schemas/{KV_V2_VERSION_METADATA}")});
            report.note("type_kv_v2_version_metadata", "kv-v2-write");
        }
    }
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let mut typed = false;
    for name in ["KvV2ReadResponse", "KvV2ReadSubkeysResponse"] {
        let Some(metadata) = schemas
            .get_mut(name)
            .and_then(|s| s.pointer_mut("/properties/metadata"))
        else {
            continue;
        };
        let free_form = metadata.get("$ref").is_none()
            && metadata["type"] == "object"
            && metadata.get("properties").is_none();
        if !free_form {
            continue;
        }
        *metadata = json!({"$ref": format!("#/components/schemas/{KV_V2_VERSION_METADATA}")});
        report.note("type_kv_v2_version_metadata", format!("{name}.metadata"));
        typed = true;
    }
    if typed {
        schemas
            .entry(KV_V2_VERSION_METADATA)
            .or_insert_with(|| {
                json!({
                    "type": "object",
                    "description": "The metadata of one version of a KV v2 secret.",
                    "properties": {
                        "created_time": {"type": "string", "format": "date-time", "description": "When this version was written (RFC 3339)."},
                        "custom_metadata": {"type": "object", "format": "map", "description": "The secret's custom metadata (all versions share it)."},
                        "deletion_time": {"type": "string", "description": "When this version was deleted (RFC 3339), or empty."},
                        "destroyed": {"type": "boolean", "description": "Whether this version was destroyed."},
                        "version": {"type": "integer", "format": "uint64", "description": "The version number (from 1)."}
                    }
                })
            });
    }
}

/// The schema [`type_kv_v2_metadata_versions`] adds.
pub const KV_V2_VERSION_INFO: &str = "KvV2VersionInfo";

/// KV v2's metadata read answers `versions`, a map from each version number still known (`"1"`,
/// `"2"`, ...) to that version's state (`created_time`, `deletion_time`, `destroyed`: Vault's
/// `kvv2` plugin writes the three for every version), but the document declares it a free-form
/// map. Typed as a map of [`KV_V2_VERSION_INFO`], so `versions["2"].destroyed` reads a field.
pub fn type_kv_v2_metadata_versions(doc: &mut Value, report: &mut Report) {
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let Some(versions) = schemas
        .get_mut("KvV2ReadMetadataResponse")
        .and_then(|s| s.pointer_mut("/properties/versions"))
    else {
        return;
    };
    let free_form = versions.get("additionalProperties").is_none()
        && versions["type"] == "object"
        && versions.get("properties").is_none();
    if !free_form {
        return;
    }
    *versions = json!({
        "type": "object",
        "description": "Every version still known, by number.",
        "additionalProperties": {"$ref": format!("#/components/schemas/{KV_V2_VERSION_INFO}")}
    });
    schemas.entry(KV_V2_VERSION_INFO).or_insert_with(|| {
        json!({
            "type": "object",
            "description": "The state of one version, in a KV v2 secret's metadata.",
            "properties": {
                "created_time": {"type": "string", "description": "When this version was written (RFC 3339)."},
                "deletion_time": {"type": "string", "description": "When this version was or will be deleted (RFC 3339), or empty."},
                "destroyed": {"type": "boolean", "description": "Whether this version was destroyed."}
            }
        })
    });
    report.note(
        "type_kv_v2_metadata_versions",
        "KvV2ReadMetadataResponse.versions",
    );
}

/// The answer schemas that carry a KV v2 secret's `custom_metadata`.
const KV_V2_CUSTOM_METADATA_SCHEMAS: &[&str] =
    &["KvV2ReadMetadataResponse", KV_V2_VERSION_METADATA];

/// A KV v2 secret's `custom_metadata` is a map of strings to strings (Vault's `kvv2` plugin
/// refuses any other value: "custom_metadata values must be strings"), but the document
/// declares it a free-form map (`format: map`) in its answers. Typed as a map of strings there,
/// so `custom_metadata["owner"]` is a `String`.
pub fn type_kv_v2_custom_metadata(doc: &mut Value, report: &mut Report) {
    for name in KV_V2_CUSTOM_METADATA_SCHEMAS {
        let Some(field) = doc.pointer_mut(&format!(
            "/components/schemas/{name}/properties/custom_metadata"
        )) else {
            continue;
        };
        let free_form = field["type"] == "object" && field.get("additionalProperties").is_none();
        if !free_form {
            continue;
        }
        let description = field.get("description").cloned();
        *field = json!({"type": "object", "additionalProperties": {"type": "string"}});
        if let Some(description) = description {
            field["description"] = description;
        }
        report.note(
            "type_kv_v2_custom_metadata",
            format!("{name}.custom_metadata"),
        );
    }
}

/// The schemas the handwritten helpers return (`src/kv/`, `src/auth/`, `src/sys.rs`): generated
/// whatever the enabled features, as the helpers work with any (see [`prune_unused_schemas`]).
pub const HELPER_SCHEMAS: &[&str] = &[
    KV_V2_VERSION_METADATA,
    KV_V2_VERSION_INFO,
    "KvV2ReadMetadataResponse",
    "KvV2ReadSubkeysResponse",
    "KvV2ReadConfigurationResponse",
    "TokenLookUpSelfResponse",
    "ReadHealthStatusResponse",
    "SealStatusResponse",
];

/// `sys/health` takes query parameters that choose the status code of each server state
/// (`standbyok`, `sealedcode`, ...), documented by Vault but missing from its document. Added,
/// optional, so a load balancer style check can ask for `200` in every state.
pub fn add_health_query_parameters(doc: &mut Value, report: &mut Report) {
    let Some(params) = operation_parameters(doc, "/paths/~1sys~1health/get") else {
        return;
    };
    let booleans = [
        (
            "standbyok",
            "Answer 200 rather than the standby code on a standby node.",
        ),
        (
            "perfstandbyok",
            "Answer 200 rather than the standby code on a performance standby.",
        ),
    ];
    let codes = [
        (
            "activecode",
            "Status code for an active, unsealed node (default 200).",
        ),
        (
            "standbycode",
            "Status code for an unsealed standby (default 429).",
        ),
        (
            "drsecondarycode",
            "Status code for a DR replication secondary (default 472).",
        ),
        (
            "performancestandbycode",
            "Status code for a performance standby (default 473).",
        ),
        ("sealedcode", "Status code for a sealed node (default 503)."),
        (
            "uninitcode",
            "Status code for an uninitialized node (default 501).",
        ),
    ];
    let mut added = false;
    for (name, description, schema) in booleans
        .iter()
        .map(|(n, d)| (n, d, json!({"type": "boolean"})))
        .chain(
            codes
                .iter()
                .map(|(n, d)| (n, d, json!({"type": "integer", "format": "int32"}))),
        )
    {
        if params.iter().any(|p| p["name"] == *name) {
            continue;
        }
        params.push(json!({"name": name, "in": "query", "required": false,
            "description": description, "schema": schema}));
        added = true;
    }
    if added {
        report.note("add_health_query_parameters", "read-health-status");
    }
}

/// A fix applied to one schema object: the schema, a name for the report, the report.
pub type SchemaFix<'a> = &'a mut dyn FnMut(&mut Map<String, Value>, &str, &mut Report);

/// Calls `f` on every schema object of the document (components, parameters, bodies, responses,
/// and every nested property, item and composition), with a name for the report.
pub fn for_each_schema(doc: &mut Value, report: &mut Report, f: SchemaFix<'_>) {
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in schemas.iter_mut() {
            visit_schema(schema, name, report, f);
        }
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (key, value) in item.iter_mut() {
            if key == "parameters" {
                visit_parameters(value, path, report, f);
            } else if HTTP_METHODS.contains(&key.as_str()) {
                let Some(op) = value.as_object_mut() else {
                    continue;
                };
                let name = operation_name(op, key, path);
                if let Some(params) = op.get_mut("parameters") {
                    visit_parameters(params, &name, report, f);
                }
                if let Some(content) = op
                    .get_mut("requestBody")
                    .and_then(|b| b.get_mut("content"))
                    .and_then(Value::as_object_mut)
                {
                    for media in content.values_mut() {
                        if let Some(schema) = media.get_mut("schema") {
                            visit_schema(schema, &name, report, f);
                        }
                    }
                }
                if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
                    for response in responses.values_mut() {
                        let Some(content) =
                            response.get_mut("content").and_then(Value::as_object_mut)
                        else {
                            continue;
                        };
                        for media in content.values_mut() {
                            if let Some(schema) = media.get_mut("schema") {
                                visit_schema(schema, &name, report, f);
                            }
                        }
                    }
                }
            }
        }
    }
}

fn visit_parameters(params: &mut Value, place: &str, report: &mut Report, f: SchemaFix<'_>) {
    for param in params.as_array_mut().into_iter().flatten() {
        if let Some(schema) = param.get_mut("schema") {
            visit_schema(schema, place, report, f);
        }
    }
}

fn visit_schema(schema: &mut Value, place: &str, report: &mut Report, f: SchemaFix<'_>) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    f(obj, place, report);
    if let Some(props) = obj.get_mut("properties").and_then(Value::as_object_mut) {
        for (prop, child) in props.iter_mut() {
            visit_schema(child, &format!("{place}.{prop}"), report, f);
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(child) = obj.get_mut(key) {
            visit_schema(child, place, report, f);
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for child in obj
            .get_mut(key)
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            visit_schema(child, place, report, f);
        }
    }
}

/// Vault marks durations with the non-standard formats `duration` (Vault) and `seconds`
/// (OpenBao). On the wire the same field is a string (`"1h"`) in one answer and an integer number
/// of seconds (`3600`) in another, so a plain `String` or `i64` fails half the time. Such fields
/// become [`DURATION_TYPE`], which accepts both and sends what the caller gave.
pub fn type_durations(schema: &mut Map<String, Value>, place: &str, report: &mut Report) {
    let format = schema.get("format").and_then(Value::as_str);
    if !matches!(format, Some("duration" | "seconds")) {
        return;
    }
    let is_array = schema.get("type").and_then(Value::as_str) == Some("array");
    if is_array {
        return;
    }
    schema.remove("format");
    schema.remove("type");
    schema.insert(
        "x-rust-type".into(),
        json!({"crate": "hashivault", "version": "*", "path": DURATION_TYPE}),
    );
    report.note("type_durations", place);
}

/// Passwords, tokens, secret ids, private keys and the like are plain strings in Vault's document,
/// so the generated request and response types would show them in `Debug` (and so in logs and
/// panic messages). String properties with a name in [`SENSITIVE_NAMES`] become
/// [`SENSITIVE_TYPE`]: the same JSON string on the wire, `<redacted>` in `Debug`.
pub fn redact_secret_fields(schema: &mut Map<String, Value>, place: &str, report: &mut Report) {
    let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for (name, prop) in props.iter_mut() {
        let in_schema = SENSITIVE_IN_SCHEMA
            .iter()
            .any(|(prefix, field)| place.starts_with(prefix) && name == field);
        if !SENSITIVE_NAMES.contains(&name.as_str()) && !in_schema {
            continue;
        }
        let Some(prop) = prop.as_object_mut() else {
            continue;
        };
        if prop.get("type").and_then(Value::as_str) != Some("string") {
            continue;
        }
        prop.remove("type");
        prop.remove("format");
        prop.insert(
            "x-rust-type".into(),
            json!({"crate": "hashivault", "version": "*", "path": SENSITIVE_TYPE}),
        );
        report.note("redact_secret_fields", format!("{place}.{name}"));
    }
}

/// Property names of durations: Vault declares `ttl`, `period`, `max_lease_ttl`,
/// `pause_duration`, `delta_rebuild_interval`, ... as framework durations (`TypeDurationSecond`).
fn is_duration_name(name: &str) -> bool {
    ["ttl", "period", "timeout", "interval", "duration"]
        .iter()
        .any(|word| name == *word || name.ends_with(&format!("_{word}")))
}

/// Some duration fields have no `duration` format in Vault's document, only `type: string`
/// (`token-create`'s `ttl`, `period` and `explicit_max_ttl`, mount tuning's `default_lease_ttl`,
/// PKI's `pause_duration` and `delta_rebuild_interval`), although Vault's framework decodes them
/// as durations and accepts `"1h"` or `3600`. String properties named like a duration (see
/// [`is_duration_name`]) become [`DURATION_TYPE`] too, so both spellings decode and a number of
/// seconds can be sent.
pub fn type_plain_string_durations(
    schema: &mut Map<String, Value>,
    place: &str,
    report: &mut Report,
) {
    let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for (name, prop) in props.iter_mut() {
        if !is_duration_name(name) {
            continue;
        }
        let Some(prop) = prop.as_object_mut() else {
            continue;
        };
        if prop.get("type").and_then(Value::as_str) != Some("string") || prop.contains_key("format")
        {
            continue;
        }
        prop.remove("type");
        prop.insert(
            "x-rust-type".into(),
            json!({"crate": "hashivault", "version": "*", "path": DURATION_TYPE}),
        );
        report.note("type_plain_string_durations", format!("{place}.{name}"));
    }
}

/// Vault declares the maps that carry user data as free-form objects (`type: object`, no
/// properties): a KV secret's `data`, a cubbyhole entry, transit's exported `keys`, a plugin's
/// `connection_details`. Their values are secrets as often as not, and a plain JSON map prints
/// them in `Debug`. Free-form objects become [`SECRET_MAP_TYPE`]: the same JSON object on the
/// wire, keys only in `Debug`. (Typed maps, `additionalProperties: {type: string}`, keep their
/// type.)
pub fn free_form_objects_hide_values(
    schema: &mut Map<String, Value>,
    place: &str,
    report: &mut Report,
) {
    let free_form = schema.get("type").and_then(Value::as_str) == Some("object")
        && !schema.contains_key("properties")
        && !schema.contains_key("x-rust-type")
        && schema
            .get("additionalProperties")
            .is_none_or(|extra| extra == &Value::Bool(true) || extra == &json!({}));
    if !free_form {
        return;
    }
    schema.remove("type");
    schema.remove("additionalProperties");
    schema.remove("nullable");
    schema.insert(
        "x-rust-type".into(),
        json!({"crate": "hashivault", "version": "*", "path": SECRET_MAP_TYPE}),
    );
    report.note("free_form_objects_hide_values", place);
}

/// Vault's document names only the fields Vault 1.15's handlers declare. Plugin pass-through
/// endpoints take more (`database/config/:name` forwards `connection_url`, `username`,
/// `password`, ... to the database plugin), newer servers answer with fields 1.15 did not have,
/// and some answers carry fields the document forgot. Every object schema with properties gets
/// `additionalProperties: {}`, from which typify generates a flattened `extra` map on the struct
/// (made a [`SECRET_MAP_TYPE`] by `codegen/fields.rs`): unknown keys of an answer are kept, and
/// keys put in `extra` are sent with the body.
pub fn keep_unnamed_fields(schema: &mut Map<String, Value>, place: &str, report: &mut Report) {
    if !schema.contains_key("properties") || schema.contains_key("additionalProperties") {
        return;
    }
    schema.insert("additionalProperties".into(), json!({}));
    report.note("keep_unnamed_fields", place);
}

/// Vault uses formats no OpenAPI tool knows: `map` and `kvpairs` on objects (typify panics on
/// `kvpairs`), `lowercase` on strings, and `date-time` on fields that arrive as empty strings
/// when unset (`"deletion_time": ""`), which a strict timestamp type rejects. These formats are
/// dropped: the fields stay objects and strings.
pub fn strip_nonstandard_formats(
    schema: &mut Map<String, Value>,
    place: &str,
    report: &mut Report,
) {
    let Some(format) = schema.get("format").and_then(Value::as_str) else {
        return;
    };
    if STANDARD_FORMATS.contains(&format) {
        return;
    }
    let format = format.to_string();
    schema.remove("format");
    report.note("strip_nonstandard_formats", format!("{place} ({format})"));
}

/// Vault's document gives defaults whose type disagrees with the schema (string fields that
/// default to `3600`, booleans that default to `"false"`), and defaults on a request field make a
/// generated client *send* them, which on Vault's update endpoints overwrites what the server
/// has. Defaults move into the field's description ("Default: `3600`"); the field stays optional.
pub fn move_defaults_into_docs(schema: &mut Map<String, Value>, place: &str, report: &mut Report) {
    let Some(default) = schema.remove("default") else {
        return;
    };
    let shown = match &default {
        Value::String(s) if s.is_empty() => return,
        Value::Null => return,
        other => other.to_string(),
    };
    let description = schema
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let joined = if description.is_empty() {
        format!("Default: `{shown}`.")
    } else {
        format!("{description}\n\nDefault: `{shown}`.")
    };
    schema.insert("description".into(), Value::String(joined));
    if !default_matches_type(&default, schema.get("type").and_then(Value::as_str)) {
        report.note(
            "move_defaults_into_docs",
            format!("{place} (mistyped {shown})"),
        );
    }
}

fn default_matches_type(default: &Value, ty: Option<&str>) -> bool {
    match ty {
        Some("string") => default.is_string(),
        Some("integer") => default.is_i64() || default.is_u64(),
        Some("number") => default.is_number(),
        Some("boolean") => default.is_boolean(),
        Some("array") => default.is_array(),
        Some("object") => default.is_object(),
        _ => true,
    }
}

/// `sys/health` answers 429 (standby), 472 (DR secondary), 473 (performance standby), 501 (not
/// initialized) and 503 (sealed) with the same health body as its 200: server states, not
/// failures. Those responses get the body schema, so the generated call hands the caller the
/// decoded body (in the error value) instead of dropping it.
pub fn health_states_carry_the_body(doc: &mut Value, report: &mut Report) {
    let Some(responses) = doc
        .pointer_mut("/paths/~1sys~1health/get/responses")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for code in ["429", "472", "473", "501", "503"] {
        let entry = responses
            .entry(code)
            .or_insert_with(|| json!({"description": "server state"}));
        entry["content"] = json!({"application/json": {"schema": {"type": "object"}}});
    }
    report.note("health_states_carry_the_body", "read-health-status");
}

/// Vault's Go handlers serialize an unset map or slice as `null` (`"custom_metadata": null` from
/// a KV v2 write, `"secret_id_bound_cidrs": null` from an AppRole role read) where the document says
/// object or array; a generated `Vec` or map field rejects `null`, and one such field fails the
/// decoding of the whole answer. Every array or object property of a schema a response uses is
/// marked `nullable`, so it decodes as an `Option` and `null` is `None`. Request schemas keep
/// plain containers (omitted when empty).
pub fn nullable_response_containers(doc: &mut Value, report: &mut Report) {
    let mut todo = Vec::new();
    let mut inline = Vec::new();
    for (path, method, op) in operations_mut(doc) {
        let name = operation_name(op, method, &path);
        let Some(responses) = op.get("responses").and_then(Value::as_object) else {
            continue;
        };
        for response in responses.values() {
            let schemas = response
                .get("content")
                .and_then(Value::as_object)
                .into_iter()
                .flat_map(|c| c.values())
                .filter_map(|media| media.get("schema"));
            for schema in schemas {
                collect_refs(schema, &mut todo);
                if schema.get("$ref").is_none() {
                    inline.push((path.clone(), method, name.clone()));
                }
            }
        }
    }
    let mut reached = BTreeSet::new();
    while let Some(name) = todo.pop() {
        if reached.insert(name.clone()) {
            if let Some(schema) = doc.pointer(&format!("/components/schemas/{name}")) {
                collect_refs(schema, &mut todo);
            }
        }
    }
    let mark = |schema: &mut Value, place: &str, report: &mut Report| {
        let mut changed = 0;
        mark_containers_nullable(schema, &mut changed);
        if changed > 0 {
            report.note(
                "nullable_response_containers",
                format!("{place} ({changed} fields)"),
            );
        }
    };
    for name in &reached {
        if let Some(schema) = doc.pointer_mut(&format!("/components/schemas/{name}")) {
            mark(schema, name, report);
        }
    }
    for (path, method, name) in inline {
        let pointer = format!(
            "/paths/{}/{method}/responses",
            path.replace('~', "~0").replace('/', "~1")
        );
        let Some(responses) = doc.pointer_mut(&pointer).and_then(Value::as_object_mut) else {
            continue;
        };
        for response in responses.values_mut() {
            let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) else {
                continue;
            };
            for media in content.values_mut() {
                if let Some(schema) = media.get_mut("schema") {
                    mark(schema, &name, report);
                }
            }
        }
    }
}

/// Marks the array and object properties under `schema` (recursively) `nullable`.
fn mark_containers_nullable(schema: &mut Value, changed: &mut usize) {
    let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for prop in props.values_mut() {
        let Some(obj) = prop.as_object_mut() else {
            continue;
        };
        let is_container = matches!(
            obj.get("type").and_then(Value::as_str),
            Some("array" | "object")
        );
        if is_container
            && !obj.contains_key("x-rust-type")
            && obj.get("nullable") != Some(&Value::Bool(true))
        {
            obj.insert("nullable".into(), Value::Bool(true));
            *changed += 1;
        }
        mark_containers_nullable(prop, changed);
    }
}

/// Vault answers every logical endpoint with an envelope (`request_id`, `lease_id`, `renewable`,
/// `lease_duration`, `data`, `wrap_info`, `warnings`, `auth`, `mount_type`), but the document's
/// response schemas describe only what sits under `data`; 588 operations declare `200` with no
/// schema at all (logins and `token-create` among them, whose answer is the `auth` block), some
/// declare `200` and `204` or `200` and `202`, and many declared `200` answer `204` in practice.
///
/// Every operation therefore gets one success response, `2XX`, whose body is
/// [`ENVELOPE_TYPE`]`<T>` with `T` the spec's schema (a JSON map when it has none). The transport
/// presents an empty 2xx body as `{}`, so a `204` decodes to an empty envelope. Operations in
/// [`BARE_BODY_PATHS`] answer a bare object and keep their schema unwrapped; those under
/// [`BINARY_BODY_PREFIXES`] answer bytes.
pub fn wrap_success_responses(doc: &mut Value, report: &mut Report) {
    for (path, method, op) in operations_mut(doc) {
        let name = operation_name(op, method, &path);
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            continue;
        };
        let success: Vec<String> = responses
            .keys()
            .filter(|code| code.starts_with('2'))
            .cloned()
            .collect();
        let mut inner = None;
        let mut descriptions = BTreeSet::new();
        for code in &success {
            let response = responses.remove(code).unwrap_or_default();
            if let Some(desc) = response.get("description").and_then(Value::as_str) {
                descriptions.insert(format!("{code}: {desc}"));
            }
            if inner.is_none() {
                inner = response
                    .get("content")
                    .and_then(Value::as_object)
                    .and_then(|c| c.values().find_map(|m| m.get("schema").cloned()));
            }
        }
        let inner = inner.unwrap_or_else(|| json!({"type": "object"}));
        let bare_path = path.split('?').next().unwrap_or(&path);
        let (media, schema) = if BINARY_BODY_PREFIXES
            .iter()
            .any(|p| bare_path.starts_with(p))
        {
            (
                "application/octet-stream",
                json!({"type": "string", "format": "binary"}),
            )
        } else if BARE_BODY_PATHS.contains(&bare_path) {
            ("application/json", inner)
        } else {
            (
                "application/json",
                json!({"x-rust-type": {
                    "crate": "hashivault", "version": "*", "path": ENVELOPE_TYPE,
                    "parameters": [inner]
                }}),
            )
        };
        let description = if descriptions.is_empty() {
            "Success".to_string()
        } else {
            descriptions.into_iter().collect::<Vec<_>>().join("; ")
        };
        responses.insert(
            "2XX".into(),
            json!({"description": description, "content": {media: {"schema": schema}}}),
        );
        report.note("wrap_success_responses", name);
    }
}

/// Vault's descriptions are Go help texts: lines indented by four or more spaces, which rustdoc
/// reads as Rust code blocks and compiles as doctests, and bare ``` fences. Lines are dedented and
/// fences marked `text`, so `cargo test --doc` and docs.rs show them as prose.
pub fn doc_safe_descriptions(doc: &mut Value, report: &mut Report) {
    fn fix(text: &str) -> Option<String> {
        let mut out = String::with_capacity(text.len());
        let mut in_fence = false;
        for line in text.lines() {
            let trimmed = line.trim();
            if trimmed.starts_with("```") {
                if in_fence {
                    out.push_str("```");
                } else {
                    out.push_str("```text");
                }
                in_fence = !in_fence;
            } else if in_fence {
                out.push_str(line);
            } else {
                out.push_str(trimmed);
            }
            out.push('\n');
        }
        if in_fence {
            out.push_str("```\n");
        }
        let out = out.trim_end().to_string();
        (out != text).then_some(out)
    }
    fn walk(value: &mut Value, changed: &mut usize) {
        match value {
            Value::Object(map) => {
                for (key, child) in map.iter_mut() {
                    if key == "description" || key == "summary" {
                        if let Value::String(s) = child {
                            if let Some(fixed) = fix(s) {
                                *s = fixed;
                                *changed += 1;
                            }
                            continue;
                        }
                    }
                    walk(child, changed);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| walk(v, changed)),
            _ => {}
        }
    }
    let mut changed = 0;
    walk(doc, &mut changed);
    if changed > 0 {
        report.note("doc_safe_descriptions", format!("{changed} descriptions"));
    }
}

/// Removes component schemas no remaining operation reaches, so a build with few feature groups
/// does not compile the types of the others (typify generates every component it is given). The
/// [`HELPER_SCHEMAS`] and what they reach are kept.
pub fn prune_unused_schemas(doc: &mut Value, report: &mut Report) {
    let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return;
    };
    let mut reached = BTreeSet::new();
    let mut todo: Vec<String> = HELPER_SCHEMAS.iter().map(|s| s.to_string()).collect();
    collect_refs(doc.get("paths").unwrap_or(&Value::Null), &mut todo);
    while let Some(name) = todo.pop() {
        if reached.insert(name.clone()) {
            if let Some(schema) = schemas.get(&name) {
                collect_refs(schema, &mut todo);
            }
        }
    }
    let unused: Vec<String> = schemas
        .keys()
        .filter(|k| !reached.contains(*k))
        .cloned()
        .collect();
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for name in &unused {
            schemas.remove(name);
        }
    }
    if !unused.is_empty() {
        report.note(
            "prune_unused_schemas",
            format!("{} schemas no enabled operation uses", unused.len()),
        );
    }
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                out.push(name.to_string());
            }
            map.values().for_each(|v| collect_refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod unique_operation_ids_tests {
    use super::*;

    #[test]
    fn duplicate_operation_ids_become_unique() {
        let mut doc = json!({"paths": {
            "/auth/{jwt_mount_path}/login": {"post": {"operationId": "jwt-login"}},
            "/auth/{jwt_mount_path}/cel/login": {"post": {"operationId": "jwt-login"}},
            "/sys/generate-root-token/attempt": {
                "get": {"operationId": "generate-root-token"},
                "post": {"operationId": "generate-root-token"},
                "delete": {"operationId": "generate-root-token"}
            },
            "/sys/health": {"get": {"operationId": "read-health-status"}}
        }});
        let mut report = Report::default();
        unique_operation_ids(&mut doc, &mut report);
        let id = |path: &str, method: &str| doc["paths"][path][method]["operationId"].clone();
        assert_eq!(id("/auth/{jwt_mount_path}/login", "post"), "jwt-login");
        assert_eq!(
            id("/auth/{jwt_mount_path}/cel/login", "post"),
            "jwt-login-cel"
        );
        assert_eq!(
            id("/sys/generate-root-token/attempt", "get"),
            "generate-root-token"
        );
        assert_eq!(
            id("/sys/generate-root-token/attempt", "post"),
            "generate-root-token-write"
        );
        assert_eq!(
            id("/sys/generate-root-token/attempt", "delete"),
            "generate-root-token-delete"
        );
        assert_eq!(id("/sys/health", "get"), "read-health-status");
        assert_eq!(report.count("unique_operation_ids"), 3);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_string_fields_become_sensitive() {
        let mut schema = json!({"type": "object", "properties": {
            "password": {"type": "string", "description": "The password."},
            "username": {"type": "string"},
            "token": {"type": "array", "items": {"type": "string"}}
        }});
        let mut report = Report::default();
        redact_secret_fields(
            schema.as_object_mut().unwrap(),
            "UserpassLoginRequest",
            &mut report,
        );
        let props = &schema["properties"];
        assert_eq!(props["password"]["x-rust-type"]["path"], SENSITIVE_TYPE);
        assert!(props["password"].get("type").is_none());
        assert_eq!(props["password"]["description"], "The password.");
        assert_eq!(props["username"]["type"], "string");
        assert_eq!(props["token"]["type"], "array");
        assert_eq!(
            report.steps["redact_secret_fields"],
            vec!["UserpassLoginRequest.password".to_string()]
        );
        let mut lookup = json!({"type": "object", "properties": {
            "id": {"type": "string"}, "accessor": {"type": "string"}
        }});
        redact_secret_fields(
            lookup.as_object_mut().unwrap(),
            "TokenLookUpSelfResponse",
            &mut report,
        );
        assert_eq!(
            lookup["properties"]["id"]["x-rust-type"]["path"],
            SENSITIVE_TYPE
        );
        assert_eq!(lookup["properties"]["accessor"]["type"], "string");
    }

    #[test]
    fn kv_v2_read_metadata_is_typed_once() {
        let map = json!({"type": "object", "format": "map"});
        let mut doc = json!({"components": {"schemas": {
            "KvV2ReadResponse": {"type": "object", "properties": {"data": map, "metadata": map}},
            "KvV2ReadSubkeysResponse": {"type": "object", "properties": {"subkeys": map, "metadata": map}},
            "KvV2WriteResponse": {"type": "object", "properties": {"version": {"type": "integer"}}}
        }}});
        let mut report = Report::default();
        type_kv_v2_version_metadata(&mut doc, &mut report);
        type_kv_v2_version_metadata(&mut doc, &mut report);
        let schemas = &doc["components"]["schemas"];
        let reference = json!({"$ref": "#/components/schemas/KvV2VersionMetadata"});
        assert_eq!(
            schemas["KvV2ReadResponse"]["properties"]["metadata"],
            reference
        );
        assert_eq!(
            schemas["KvV2ReadSubkeysResponse"]["properties"]["metadata"],
            reference
        );
        assert_eq!(
            schemas["KvV2ReadResponse"]["properties"]["data"], map,
            "data stays free-form"
        );
        let fields: Vec<&String> = schemas["KvV2VersionMetadata"]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(
            fields,
            [
                "created_time",
                "custom_metadata",
                "deletion_time",
                "destroyed",
                "version"
            ]
        );
        assert_eq!(
            report.count("type_kv_v2_version_metadata"),
            2,
            "the second run changes nothing"
        );
    }

    #[test]
    fn kv_v2_write_answers_the_version_metadata() {
        let write = json!({"$ref": "#/components/schemas/KvV2WriteResponse"});
        let map = json!({"type": "object", "format": "map"});
        let mut doc = json!({
            "paths": {"/{kv_v2_mount_path}/data/{path}": {"post": {"operationId": "kv-v2-write",
                "responses": {"200": {"content": {"application/json": {"schema": write}}}}}}},
            "components": {"schemas": {
                "KvV2ReadResponse": {"type": "object", "properties": {"data": map, "metadata": map}},
                "KvV2WriteResponse": {"type": "object", "properties": {"version": {"type": "integer"}}}
            }}
        });
        let mut report = Report::default();
        type_kv_v2_version_metadata(&mut doc, &mut report);
        assert_eq!(
            doc["paths"]["/{kv_v2_mount_path}/data/{path}"]["post"]["responses"]["200"]["content"]
                ["application/json"]["schema"],
            json!({"$ref": "#/components/schemas/KvV2VersionMetadata"})
        );
        assert_eq!(report.count("type_kv_v2_version_metadata"), 2);
    }

    #[test]
    fn kv_v2_metadata_versions_are_typed_once() {
        let mut doc = json!({"components": {"schemas": {
            "KvV2ReadMetadataResponse": {"type": "object", "properties": {
                "versions": {"type": "object", "format": "map"},
                "current_version": {"type": "integer", "format": "int64"}
            }}
        }}});
        let mut report = Report::default();
        type_kv_v2_metadata_versions(&mut doc, &mut report);
        type_kv_v2_metadata_versions(&mut doc, &mut report);
        let schemas = &doc["components"]["schemas"];
        assert_eq!(
            schemas["KvV2ReadMetadataResponse"]["properties"]["versions"]["additionalProperties"],
            json!({"$ref": "#/components/schemas/KvV2VersionInfo"})
        );
        let fields: Vec<&String> = schemas["KvV2VersionInfo"]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(fields, ["created_time", "deletion_time", "destroyed"]);
        assert_eq!(report.count("type_kv_v2_metadata_versions"), 1);
    }

    #[test]
    fn kv_v2_custom_metadata_is_a_map_of_strings() {
        let mut doc = json!({"components": {"schemas": {
            "KvV2ReadMetadataResponse": {"type": "object", "properties": {
                "custom_metadata": {"type": "object", "format": "map"}
            }},
            "KvV2WriteMetadataRequest": {"type": "object", "properties": {
                "custom_metadata": {"type": "object", "format": "kvpairs"}
            }}
        }}});
        let mut report = Report::default();
        type_kv_v2_custom_metadata(&mut doc, &mut report);
        type_kv_v2_custom_metadata(&mut doc, &mut report);
        let schemas = &doc["components"]["schemas"];
        assert_eq!(
            schemas["KvV2ReadMetadataResponse"]["properties"]["custom_metadata"],
            json!({"type": "object", "additionalProperties": {"type": "string"}})
        );
        assert_eq!(
            schemas["KvV2WriteMetadataRequest"]["properties"]["custom_metadata"]["format"],
            "kvpairs",
            "request bodies are left alone"
        );
        assert_eq!(report.count("type_kv_v2_custom_metadata"), 1);
    }

    #[test]
    fn helper_schemas_are_kept_without_their_operations() {
        let mut doc = json!({"paths": {}, "components": {"schemas": {
            "KvV2VersionMetadata": {"type": "object", "properties": {"custom": {"$ref": "#/components/schemas/Used"}}},
            "Used": {"type": "object"},
            "Unused": {"type": "object"}
        }}});
        let mut report = Report::default();
        prune_unused_schemas(&mut doc, &mut report);
        let kept: Vec<&String> = doc["components"]["schemas"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(kept, ["KvV2VersionMetadata", "Used"]);
    }

    #[test]
    fn response_containers_become_nullable_request_ones_do_not() {
        let mut doc = json!({
            "paths": {"/a": {"post": {
                "operationId": "a",
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Req"}}}},
                "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Resp"}}}}}
            }}},
            "components": {"schemas": {
                "Req": {"type": "object", "properties": {"tags": {"type": "array", "items": {"type": "string"}}}},
                "Resp": {"type": "object", "properties": {
                    "custom_metadata": {"type": "object"},
                    "cidrs": {"type": "array", "items": {"type": "string"}},
                    "version": {"type": "integer"},
                    "inner": {"$ref": "#/components/schemas/Inner"}
                }},
                "Inner": {"type": "object", "properties": {"keys": {"type": "array", "items": {"type": "string"}}}}
            }}
        });
        let mut report = Report::default();
        nullable_response_containers(&mut doc, &mut report);
        let schemas = &doc["components"]["schemas"];
        assert_eq!(
            schemas["Resp"]["properties"]["custom_metadata"]["nullable"],
            true
        );
        assert_eq!(schemas["Resp"]["properties"]["cidrs"]["nullable"], true);
        assert!(schemas["Resp"]["properties"]["version"]
            .get("nullable")
            .is_none());
        assert_eq!(schemas["Inner"]["properties"]["keys"]["nullable"], true);
        assert!(schemas["Req"]["properties"]["tags"]
            .get("nullable")
            .is_none());
        assert_eq!(report.count("nullable_response_containers"), 2);
    }
}

#[cfg(test)]
mod fidelity_tests {
    use super::*;

    fn run(mut schema: Value) -> (Value, Report) {
        let mut report = Report::default();
        let mut doc = json!({"components": {"schemas": {"S": schema.take()}}});
        for_each_schema(&mut doc, &mut report, &mut |schema, place, report| {
            type_plain_string_durations(schema, place, report);
            free_form_objects_hide_values(schema, place, report);
            keep_unnamed_fields(schema, place, report);
        });
        (doc["components"]["schemas"]["S"].clone(), report)
    }

    #[test]
    fn objects_with_properties_keep_unnamed_fields() {
        let (schema, report) = run(json!({"type": "object", "properties": {
            "plugin_name": {"type": "string"},
            "nested": {"type": "object", "properties": {"a": {"type": "integer"}}},
            "closed": {"type": "object", "properties": {"b": {"type": "integer"}}, "additionalProperties": false}
        }}));
        assert_eq!(schema["additionalProperties"], json!({}));
        assert_eq!(
            schema["properties"]["nested"]["additionalProperties"],
            json!({})
        );
        assert_eq!(
            schema["properties"]["closed"]["additionalProperties"], false,
            "a closed schema stays closed"
        );
        assert!(schema["properties"]["plugin_name"]
            .get("additionalProperties")
            .is_none());
        assert_eq!(report.count("keep_unnamed_fields"), 2);
    }

    #[test]
    fn free_form_objects_become_secret_maps_typed_maps_do_not() {
        let (schema, report) = run(json!({"type": "object", "properties": {
            "data": {"type": "object", "description": "The secret."},
            "open": {"type": "object", "additionalProperties": true},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}}
        }}));
        let props = &schema["properties"];
        assert_eq!(props["data"]["x-rust-type"]["path"], SECRET_MAP_TYPE);
        assert_eq!(props["data"]["description"], "The secret.");
        assert!(props["data"].get("type").is_none());
        assert_eq!(props["open"]["x-rust-type"]["path"], SECRET_MAP_TYPE);
        assert_eq!(props["labels"]["type"], "object");
        assert_eq!(report.count("free_form_objects_hide_values"), 2);
    }

    #[test]
    fn durations_typed_as_plain_strings_become_durations() {
        let (schema, report) = run(json!({"type": "object", "properties": {
            "ttl": {"type": "string"},
            "explicit_max_ttl": {"type": "string"},
            "pause_duration": {"type": "string"},
            "delta_rebuild_interval": {"type": "string"},
            "ttl_unit": {"type": "string"},
            "max_ttl": {"type": "integer"},
            "display_name": {"type": "string"}
        }}));
        let props = &schema["properties"];
        for name in [
            "ttl",
            "explicit_max_ttl",
            "pause_duration",
            "delta_rebuild_interval",
        ] {
            assert_eq!(props[name]["x-rust-type"]["path"], DURATION_TYPE, "{name}");
        }
        assert_eq!(props["ttl_unit"]["type"], "string");
        assert_eq!(props["max_ttl"]["type"], "integer");
        assert_eq!(props["display_name"]["type"], "string");
        assert_eq!(report.count("type_plain_string_durations"), 4);
    }
}
