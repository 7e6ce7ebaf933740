//! One API from two documents: Vault's and OpenBao's, each normalized on its own
//! ([`crate::normalize::normalize`]), merged here into the document the generator sees.
//!
//! - **Same operation**: the same HTTP method on the same path, compared by [`match_key`]: path
//!   parameters count by position, not name (`/role/{name}` is `/role/{role}`), except the mount
//!   parameters, which name the plugin (`/{terraform_mount_path}/config` is not
//!   `/{kubernetes_mount_path}/config`); a trailing `/` does not count (Vault's document lists
//!   `GET /sys/policies/acl/?list=true`, OpenBao's `GET /sys/policies/acl?list=true`: the same
//!   LIST).
//! - **Served by both**: generated once, with Vault's operationId and path, and the union of both
//!   documents' query and header parameters and of the properties of their request and response
//!   schemas ([`merge_schema`]): never fewer than either document has. What OpenBao adds is
//!   optional (a Vault server does not know it). A Vault schema without properties (a free-form
//!   map) already carries every field, and is kept.
//! - **Served by one**: generated as that document has it, under the group of its path
//!   ([`crate::groups::group_of`]); OpenBao's component schemas it uses are copied in, renamed
//!   `Openbao<Name>` where Vault's document has a different schema of that name.
//! - **Names**: [`openbao_only_name`], the one rule for an OpenBao-only operation whose
//!   operationId Vault's document gives to another operation.
//! - **Docs**: every operation's description ends with the servers (and versions) that serve it
//!   ([`served_by_line`]).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::normalize::{Report, HTTP_METHODS};
use super::operations::lookup_key;

/// A server and the version of its document (`info.version`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Server {
    /// `Vault` or `OpenBao`.
    pub name: String,
    pub version: String,
}

impl Server {
    /// The server a document comes from: `OpenBao` when its `info.title` says so, else `Vault`.
    pub fn of(doc: &Value) -> Server {
        let title = doc
            .pointer("/info/title")
            .and_then(Value::as_str)
            .unwrap_or("");
        let name = if title.to_ascii_lowercase().contains("openbao") {
            "OpenBao"
        } else {
            "Vault"
        };
        let version = doc
            .pointer("/info/version")
            .and_then(Value::as_str)
            .unwrap_or("(unknown version)");
        Server {
            name: name.to_string(),
            version: version.to_string(),
        }
    }

    fn label(&self) -> String {
        format!("{} {}", self.name, self.version)
    }
}

/// The sentence that ends an operation's docs: `Served by Vault 1.15.0 and OpenBao 2.7.2.`,
/// `Served by OpenBao 2.7.2 only.`
pub fn served_by_line(servers: &[&Server]) -> String {
    match servers {
        [one] => format!("Served by {} only.", one.label()),
        many => {
            let labels: Vec<String> = many.iter().map(|s| s.label()).collect();
            format!("Served by {}.", labels.join(" and "))
        }
    }
}

/// What makes two operations the same: the method, and the path with its non-mount parameters
/// by position (`{}`), its mount parameters by name, no trailing `/`, and whether it is a LIST
/// (`?list=true`, see `normalize::list_operations_carry_their_query`).
pub fn match_key(method: &str, path: &str) -> String {
    format!("{} {}", method.to_ascii_lowercase(), path_key(path))
}

/// [`match_key`] without the method.
pub fn path_key(path: &str) -> String {
    let (base, list) = match path.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (path, String::new()),
    };
    let mut out = String::new();
    let mut rest = base;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| c + open) else {
            break;
        };
        out.push_str(&rest[..open]);
        let name = &rest[open + 1..close];
        if name.ends_with("_mount_path") {
            out.push_str(&rest[open..=close]);
        } else {
            out.push_str("{}");
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    while out.len() > 1 && out.ends_with('/') {
        out.pop();
    }
    out + &list
}

/// The name rule for an OpenBao-only operation whose operationId is already taken in the union
/// (by Vault's operation at another method or path: OpenBao's `GET /sys/raw` is `raw-read`, as
/// is Vault's `GET /sys/raw/{path}`; or by an earlier OpenBao-only one). Vault's operation keeps
/// its name; OpenBao's gets a suffix: the literal path segments it has beyond the other
/// operation's path (`jwt-write-role` at `/cel/role/{name}` is `jwt-write-role-cel`, as
/// `normalize::unique_operation_ids` names duplicates within one document), else `openbao`
/// (`raw-read-openbao`); numbered from 2 if that is taken too.
pub fn openbao_only_name(
    id: &str,
    path: &str,
    other_path: &str,
    taken: &dyn Fn(&str) -> bool,
) -> String {
    let other: BTreeSet<&str> = other_path.split(['/', '?']).collect();
    let extra: Vec<&str> = path
        .split('?')
        .next()
        .unwrap_or(path)
        .split('/')
        .filter(|s| !s.is_empty() && !s.starts_with('{') && !other.contains(s))
        .collect();
    let suffix = if extra.is_empty() {
        "openbao".to_string()
    } else {
        extra.join("-")
    };
    let mut name = format!("{id}-{suffix}");
    let mut n = 2;
    while taken(&name) {
        name = format!("{id}-{suffix}{n}");
        n += 1;
    }
    name
}

/// OpenBao names a mount parameter after the dev server's mount (`secret/` is KV v2,
/// `{secret_mount_path}`; `kv/` is KV v1, `{kv_mount_path}`) where Vault's document names the
/// plugin (`{kv_v2_mount_path}`, `{kv_v1_mount_path}`). Renamed to Vault's names, in paths and
/// parameters, before OpenBao's document is normalized: the KV steps of the normalizer then find
/// OpenBao's KV paths too, and its KV operations match Vault's. Runs on OpenBao's document only
/// (Vault's has no such parameters).
pub const OPENBAO_MOUNT_NAMES: &[(&str, &str)] = &[
    ("secret_mount_path", "kv_v2_mount_path"),
    ("kv_mount_path", "kv_v1_mount_path"),
];

/// The normalizer step of OpenBao's document for [`OPENBAO_MOUNT_NAMES`].
pub fn openbao_mount_parameter_names(doc: &mut Value, report: &mut Report) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let old = std::mem::take(paths);
    for (path, mut item) in old {
        let mut new_path = path.clone();
        for (from, to) in OPENBAO_MOUNT_NAMES {
            new_path = new_path.replace(&format!("{{{from}}}"), &format!("{{{to}}}"));
        }
        if new_path != path {
            rename_params(&mut item, OPENBAO_MOUNT_NAMES);
            report.note(
                "openbao_mount_parameter_names",
                format!("{path} -> {new_path}"),
            );
        }
        paths.insert(new_path, item);
    }
}

/// Renames the `in: path` parameters of a path item (its own and its operations').
fn rename_params(item: &mut Value, names: &[(&str, &str)]) {
    let mut lists: Vec<&mut Value> = Vec::new();
    if let Some(item) = item.as_object_mut() {
        for (key, value) in item.iter_mut() {
            if key == "parameters" {
                lists.push(value);
            } else if HTTP_METHODS.contains(&key.as_str()) {
                if let Some(p) = value.get_mut("parameters") {
                    lists.push(p);
                }
            }
        }
    }
    for list in lists {
        for param in list.as_array_mut().into_iter().flatten() {
            if param["in"] != "path" {
                continue;
            }
            let Some(name) = param["name"].as_str() else {
                continue;
            };
            if let Some((_, to)) = names.iter().find(|(from, _)| *from == name) {
                param["name"] = Value::String((*to).to_string());
            }
        }
    }
}

/// The path parameters of a template, in order.
fn template_params(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| c + open) else {
            break;
        };
        out.push(rest[open + 1..close].to_string());
        rest = &rest[close + 1..];
    }
    out
}

/// Copies OpenBao's component schemas into the union, renaming those whose name Vault's
/// document uses for a different schema.
struct Importer<'a> {
    source: &'a Map<String, Value>,
    names: BTreeMap<String, String>,
}

impl Importer<'_> {
    /// `value` with every `#/components/schemas/X` of OpenBao's document copied in.
    fn value(
        &mut self,
        value: &Value,
        target: &mut Map<String, Value>,
        report: &mut Report,
    ) -> Value {
        match value {
            Value::Object(map) => {
                let mut out = Map::new();
                for (key, v) in map {
                    if key == "$ref" {
                        if let Some(name) = v
                            .as_str()
                            .and_then(|r| r.strip_prefix("#/components/schemas/"))
                        {
                            let name = self.schema(name, target, report);
                            out.insert(
                                key.clone(),
                                Value::String(format!("#/components/schemas/{name}")),
                            );
                            continue;
                        }
                    }
                    out.insert(key.clone(), self.value(v, target, report));
                }
                Value::Object(out)
            }
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|v| self.value(v, target, report))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// The union's name of OpenBao's schema `name`, copied in on first use.
    fn schema(
        &mut self,
        name: &str,
        target: &mut Map<String, Value>,
        report: &mut Report,
    ) -> String {
        if let Some(done) = self.names.get(name) {
            return done.clone();
        }
        let Some(schema) = self.source.get(name) else {
            return name.to_string();
        };
        let new_name = match target.get(name) {
            None => name.to_string(),
            Some(existing) if existing == schema => {
                self.names.insert(name.to_string(), name.to_string());
                return name.to_string();
            }
            Some(_) => {
                let mut candidate = format!("Openbao{name}");
                let mut n = 2;
                while target.contains_key(&candidate) {
                    candidate = format!("Openbao{name}{n}");
                    n += 1;
                }
                report.note("union_schema_names", format!("{name} -> {candidate}"));
                candidate
            }
        };
        self.names.insert(name.to_string(), new_name.clone());
        target.insert(new_name.clone(), Value::Null);
        let copied = self.value(schema, target, report);
        target.insert(new_name.clone(), copied);
        new_name
    }
}

/// The schema a `$ref` names, or the inline schema itself.
fn resolve<'a>(schema: &'a Value, schemas: &'a Map<String, Value>) -> &'a Value {
    match schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        Some(name) => schemas.get(name).unwrap_or(schema),
        None => schema,
    }
}

/// Adds to the union's schema at `pointer` (in `doc`, resolved through `$ref`) the properties of
/// OpenBao's `theirs` it lacks; an `x-rust-type` wrapper (`hashivault::Envelope<T>`) is looked
/// through on both sides. Returns the names added.
fn merge_schema(
    doc: &mut Value,
    pointer: &str,
    theirs: &Value,
    importer: &mut Importer<'_>,
    report: &mut Report,
) -> Vec<String> {
    let Some(ours) = doc.pointer(pointer).cloned() else {
        return Vec::new();
    };
    let theirs = resolve(theirs, importer.source).clone();
    if let (Some(_), Some(inner)) = (
        ours.get("x-rust-type"),
        theirs.pointer("/x-rust-type/parameters/0"),
    ) {
        return merge_schema(
            doc,
            &format!("{pointer}/x-rust-type/parameters/0"),
            inner,
            importer,
            report,
        );
    }
    let target_pointer = match ours
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        Some(name) => format!(
            "/components/schemas/{}",
            name.replace('~', "~0").replace('/', "~1")
        ),
        None => pointer.to_string(),
    };
    let Some(their_props) = theirs.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    let our_has_props = doc
        .pointer(&target_pointer)
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
        .is_some_and(|p| !p.is_empty());
    if !our_has_props {
        // A free-form map (or no schema): it already holds every field.
        return Vec::new();
    }
    let mut missing = Vec::new();
    {
        let ours = doc
            .pointer(&target_pointer)
            .and_then(|s| s.get("properties"))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for (name, schema) in their_props {
            if !ours.contains_key(name) {
                missing.push((name.clone(), schema.clone()));
            }
        }
    }
    if missing.is_empty() {
        return Vec::new();
    }
    let mut imported = Vec::new();
    for (name, schema) in missing {
        let schemas = doc
            .pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut)
            .expect("a document with schemas");
        let value = importer.value(&schema, schemas, report);
        imported.push((name, value));
    }
    let Some(props) = doc
        .pointer_mut(&target_pointer)
        .and_then(|s| s.get_mut("properties"))
        .and_then(Value::as_object_mut)
    else {
        return Vec::new();
    };
    let mut added = Vec::new();
    for (name, value) in imported {
        props.insert(name.clone(), value);
        added.push(name);
    }
    added
}

/// `/paths/<path>/<method>` as a JSON pointer.
fn op_pointer(path: &str, method: &str) -> String {
    format!(
        "/paths/{}/{method}",
        path.replace('~', "~0").replace('/', "~1")
    )
}

/// The operations of a document: `(path, method)`.
fn operations(doc: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for method in item.as_object().into_iter().flat_map(|i| i.keys()) {
            if HTTP_METHODS.contains(&method.as_str()) {
                out.push((path.clone(), method.clone()));
            }
        }
    }
    out
}

/// What [`merge`] did, for the regen report and the tests.
#[derive(Clone, Debug, Default)]
pub struct Merged {
    /// operationIds served by both servers (Vault's names).
    pub both: Vec<String>,
    /// operationIds served by Vault only.
    pub vault_only: Vec<String>,
    /// operationIds served by OpenBao only (their union names).
    pub openbao_only: Vec<String>,
    /// `(OpenBao's id, the union's id)` of the OpenBao operations named apart from their
    /// document's id (a shared operation takes Vault's; [`openbao_only_name`]).
    pub renamed: Vec<(String, String)>,
}

/// Merges OpenBao's normalized document into Vault's (`doc`), as the module docs say.
pub fn merge(doc: &mut Value, openbao: &Value, report: &mut Report) -> Merged {
    let vault = Server::of(doc);
    let bao = Server::of(openbao);
    let mut merged = Merged::default();
    let empty = Map::new();
    let source = openbao
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut importer = Importer {
        source,
        names: BTreeMap::new(),
    };
    if doc.pointer("/components/schemas").is_none() {
        doc["components"] = serde_json::json!({"schemas": {}});
    }

    let ours = operations(doc);
    let mut by_key: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut path_by_key: BTreeMap<String, String> = BTreeMap::new();
    let mut taken: BTreeMap<String, String> = BTreeMap::new();
    for (path, method) in &ours {
        by_key
            .entry(match_key(method, path))
            .or_insert((path.clone(), method.clone()));
        path_by_key.entry(path_key(path)).or_insert(path.clone());
        if let Some(id) = doc
            .pointer(&format!("{}/operationId", op_pointer(path, method)))
            .and_then(Value::as_str)
        {
            taken.insert(lookup_key(id), path.clone());
        }
    }
    let mut served: BTreeMap<(String, String), Vec<&Server>> =
        ours.iter().map(|k| (k.clone(), vec![&vault])).collect();

    for (path, method) in operations(openbao) {
        let their_op = openbao
            .pointer(&op_pointer(&path, &method))
            .cloned()
            .unwrap_or_default();
        let their_id = their_op["operationId"].as_str().unwrap_or("").to_string();
        if let Some((our_path, our_method)) = by_key.get(&match_key(&method, &path)).cloned() {
            let ptr = op_pointer(&our_path, &our_method);
            let our_id = doc
                .pointer(&format!("{ptr}/operationId"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            if our_id != their_id {
                merged.renamed.push((their_id.clone(), our_id.clone()));
            }
            union_parameters(
                doc,
                &our_path,
                &ptr,
                &their_op,
                &mut importer,
                report,
                &our_id,
            );
            for (what, sub) in [
                ("request", "/requestBody/content/application~1json/schema"),
                (
                    "response",
                    "/responses/2XX/content/application~1json/schema",
                ),
            ] {
                if let Some(theirs) = their_op.pointer(sub) {
                    let added =
                        merge_schema(doc, &format!("{ptr}{sub}"), theirs, &mut importer, report);
                    if !added.is_empty() {
                        report.note(
                            "union_fields",
                            format!("{our_id} {what}: +{}", added.join(", +")),
                        );
                    }
                }
            }
            if their_op.get("requestBody").is_some()
                && doc.pointer(&format!("{ptr}/requestBody")).is_none()
            {
                let schemas = doc
                    .pointer_mut("/components/schemas")
                    .and_then(Value::as_object_mut)
                    .expect("schemas");
                let body = importer.value(&their_op["requestBody"], schemas, report);
                if let Some(op) = doc.pointer_mut(&ptr).and_then(Value::as_object_mut) {
                    op.insert("requestBody".into(), body);
                }
                report.note("union_fields", format!("{our_id}: OpenBao's request body"));
            }
            if let Some(list) = served.get_mut(&(our_path.clone(), our_method.clone())) {
                if !list.contains(&&bao) {
                    list.push(&bao);
                }
            }
            merged.both.push(our_id);
            continue;
        }

        // Served by OpenBao only.
        let pkey = path_key(&path);
        let target_path = path_by_key.get(&pkey).cloned().unwrap_or(path.clone());
        let mut id = their_id.clone();
        if let Some(other) = taken.get(&lookup_key(&id)).cloned() {
            let new_id = openbao_only_name(&id, &target_path, &other, &|n| {
                taken.contains_key(&lookup_key(n))
            });
            report.note(
                "openbao_only_name",
                format!("{id} -> {new_id} ({} {path})", method.to_uppercase()),
            );
            merged.renamed.push((id.clone(), new_id.clone()));
            id = new_id;
        }
        taken.insert(lookup_key(&id), target_path.clone());
        let schemas = doc
            .pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut)
            .expect("schemas");
        let mut op = importer.value(&their_op, schemas, report);
        op["operationId"] = Value::String(id.clone());
        let their_item = &openbao["paths"][&path];
        let paths = doc
            .get_mut("paths")
            .and_then(Value::as_object_mut)
            .expect("paths");
        if let Some(item) = paths.get_mut(&target_path).and_then(Value::as_object_mut) {
            // Vault's path item has the parameters, by Vault's names; OpenBao's by position.
            let declared: BTreeSet<String> = item
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|p| p["name"].as_str().map(str::to_string))
                .collect();
            let names: Vec<(String, String)> = template_params(&path)
                .into_iter()
                .zip(template_params(&target_path))
                .collect();
            let mut missing = Vec::new();
            for param in their_item
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let mut param = param.clone();
                if let Some((_, to)) = names.iter().find(|(from, _)| param["name"] == **from) {
                    param["name"] = Value::String(to.clone());
                }
                if param["in"] == "path" && !declared.contains(param["name"].as_str().unwrap_or(""))
                {
                    missing.push(param);
                }
            }
            if !missing.is_empty() {
                let list = op
                    .as_object_mut()
                    .expect("an operation")
                    .entry("parameters")
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Some(list) = list.as_array_mut() {
                    list.extend(missing);
                }
            }
            item.insert(method.clone(), op);
        } else {
            let mut item = Map::new();
            for key in ["parameters", "description"] {
                if let Some(v) = their_item.get(key) {
                    item.insert(key.to_string(), v.clone());
                }
            }
            item.insert(method.clone(), op);
            paths.insert(target_path.clone(), Value::Object(item));
            path_by_key.insert(pkey, target_path.clone());
        }
        served.insert((target_path.clone(), method.clone()), vec![&bao]);
        report.note(
            "union_openbao_only",
            format!("{id} ({} {target_path})", method.to_uppercase()),
        );
        merged.openbao_only.push(id);
    }

    for ((path, method), servers) in &served {
        let line = served_by_line(servers);
        let ptr = op_pointer(path, method);
        let Some(op) = doc.pointer_mut(&ptr).and_then(Value::as_object_mut) else {
            continue;
        };
        if servers.len() == 1 && servers[0] == &vault {
            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                merged.vault_only.push(id.to_string());
            }
        }
        let text = match op.get("description").and_then(Value::as_str) {
            Some(d) if !d.trim().is_empty() => format!("{}\n\n{line}", d.trim_end()),
            _ => line,
        };
        op.insert("description".into(), Value::String(text));
    }
    merged.both.sort();
    merged.vault_only.sort();
    merged.openbao_only.sort();
    merged
}

/// Adds OpenBao's query and header parameters that Vault's operation (or its path item) lacks,
/// optional.
#[allow(clippy::too_many_arguments)]
fn union_parameters(
    doc: &mut Value,
    our_path: &str,
    ptr: &str,
    their_op: &Value,
    importer: &mut Importer<'_>,
    report: &mut Report,
    our_id: &str,
) {
    let Some(theirs) = their_op.get("parameters").and_then(Value::as_array) else {
        return;
    };
    let path_ptr = format!("/paths/{}", our_path.replace('~', "~0").replace('/', "~1"));
    let mut known: BTreeSet<(String, String)> = BTreeSet::new();
    for list_ptr in [
        format!("{path_ptr}/parameters"),
        format!("{ptr}/parameters"),
    ] {
        for p in doc
            .pointer(&list_ptr)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            known.insert((
                p["name"].as_str().unwrap_or("").to_string(),
                p["in"].as_str().unwrap_or("").to_string(),
            ));
        }
    }
    let mut added = Vec::new();
    for p in theirs {
        let key = (
            p["name"].as_str().unwrap_or("").to_string(),
            p["in"].as_str().unwrap_or("").to_string(),
        );
        if key.1 == "path" || known.contains(&key) {
            continue;
        }
        let schemas = doc
            .pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut)
            .expect("schemas");
        let mut p = importer.value(p, schemas, report);
        p["required"] = Value::Bool(false);
        added.push((key.0.clone(), p));
        known.insert(key);
    }
    if added.is_empty() {
        return;
    }
    let Some(op) = doc.pointer_mut(ptr).and_then(Value::as_object_mut) else {
        return;
    };
    let list = op
        .entry("parameters")
        .or_insert_with(|| Value::Array(Vec::new()));
    let Some(list) = list.as_array_mut() else {
        return;
    };
    let names: Vec<String> = added.iter().map(|(n, _)| n.clone()).collect();
    list.extend(added.into_iter().map(|(_, p)| p));
    report.note(
        "union_parameters",
        format!("{our_id}: +{}", names.join(", +")),
    );
}
