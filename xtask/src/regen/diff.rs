//! The change report: what a new document adds, removes, renames and changes, by feature group.
//!
//! Operations are matched in three passes:
//! 1. same method and path: the same operation (renamed if its `operationId` changed, changed if
//!    its object differs);
//! 2. left over on both sides, same `operationId`: the same operation at a new path (changed);
//! 3. left over on both sides, same method and path once the names of the path parameters are
//!    ignored (`/{kv_v2_mount_path}/data/{path}` and `/{secret_mount_path}/data/{path}`), when that
//!    shape is unique in each whole document: the same endpoint under another mount parameter
//!    (renamed if its `operationId` changed).
//!
//! Everything else is removed (old side) or added (new side). Operations are compared as plain
//! JSON (no `$ref` is resolved), with the path item's `parameters` counted as the operation's.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::canon::raw_operations;
use hashivault_codegen::groups::group_of;

/// One operation of a document.
#[derive(Debug, Clone, PartialEq)]
pub struct Op {
    pub method: String,
    pub path: String,
    pub id: String,
    /// The operation object, plus the path item's parameters under `x-path-parameters`.
    pub body: Value,
}

impl Op {
    pub fn group(&self) -> String {
        group_of(&self.path)
    }
    /// `GET /sys/health`.
    pub fn place(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }
    /// The generated method's name.
    pub fn method_name(&self) -> String {
        method_name(&self.id)
    }
}

/// An operation present on both sides.
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    pub old: Op,
    pub new: Op,
    /// What differs besides the operationId: `path`, `parameters`, `path parameters`,
    /// `request body`, `responses`, `description`, ... (sorted).
    pub parts: Vec<String>,
}

/// The change report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChangeReport {
    pub added: Vec<Op>,
    pub removed: Vec<Op>,
    /// Same operation, new operationId.
    pub renamed: Vec<Pair>,
    /// Same operationId, different operation object (or path).
    pub changed: Vec<Pair>,
    pub unchanged: usize,
    /// Groups of the new document, with their operation counts.
    pub new_groups: BTreeMap<String, usize>,
    /// Groups of the old document.
    pub old_groups: BTreeSet<String>,
}

/// A call of a generated method in the handwritten layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// Path relative to the workspace root, with `/` separators.
    pub file: String,
    pub line: usize,
    pub method: String,
}

/// Progenitor's method name for an operationId (`kv-v2-read` is `kv_v2_read`).
pub fn method_name(operation_id: &str) -> String {
    use heck::ToSnakeCase;
    let cleaned: String = operation_id
        .replace('\'', "")
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let mut name = cleaned.to_snake_case();
    if name.is_empty() {
        name = "x".to_string();
    }
    if !name.starts_with(|c: char| c.is_alphabetic() || c == '_') {
        name.insert(0, '_');
    }
    if RUST_KEYWORDS.contains(&name.as_str()) {
        name.push('_');
    }
    name
}

const RUST_KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe",
    "use", "where", "while", "abstract", "become", "box", "do", "final", "macro", "override",
    "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Every operation of a raw document.
pub fn operations(doc: &Value) -> Vec<Op> {
    raw_operations(doc)
        .into_iter()
        .map(|(method, path, op)| {
            let mut body = op.clone();
            if let (Some(params), Some(map)) =
                (doc["paths"][path].get("parameters"), body.as_object_mut())
            {
                map.insert("x-path-parameters".to_string(), params.clone());
            }
            Op {
                method: method.to_string(),
                path: path.to_string(),
                id: op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                body,
            }
        })
        .collect()
}

/// `/{kv_v2_mount_path}/data/{path}` becomes `/{}/data/{}`.
fn shape(method: &str, path: &str) -> String {
    let mut out = format!("{method} ");
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push('{');
            }
            '}' => {
                in_param = false;
                out.push('}');
            }
            _ if in_param => {}
            c => out.push(c),
        }
    }
    out
}

/// What differs between two operation objects, besides the operationId.
fn differing_parts(old: &Op, new: &Op) -> Vec<String> {
    let mut parts = BTreeSet::new();
    if old.path != new.path {
        parts.insert("path".to_string());
    }
    let empty = serde_json::Map::new();
    let a = old.body.as_object().unwrap_or(&empty);
    let b = new.body.as_object().unwrap_or(&empty);
    for key in a.keys().chain(b.keys()) {
        if key == "operationId" || a.get(key) == b.get(key) {
            continue;
        }
        let part = match key.as_str() {
            "x-path-parameters" => "path parameters",
            "requestBody" => "request body",
            other => other,
        };
        parts.insert(part.to_string());
    }
    parts.into_iter().collect()
}

/// Compares two raw documents.
pub fn compare(old_doc: &Value, new_doc: &Value) -> ChangeReport {
    let old = operations(old_doc);
    let new = operations(new_doc);
    let mut report = ChangeReport::default();
    for op in &new {
        *report.new_groups.entry(op.group()).or_insert(0) += 1;
    }
    report.old_groups = old.iter().map(Op::group).collect();

    let mut old_left: Vec<Option<&Op>> = old.iter().map(Some).collect();
    let mut new_left: Vec<Option<&Op>> = new.iter().map(Some).collect();
    let mut pairs: Vec<(&Op, &Op)> = Vec::new();

    // 1. Same method and path.
    let new_at: BTreeMap<(&str, &str), usize> = new
        .iter()
        .enumerate()
        .map(|(i, op)| ((op.method.as_str(), op.path.as_str()), i))
        .collect();
    for slot in old_left.iter_mut() {
        let op = slot.expect("all present");
        if let Some(&j) = new_at.get(&(op.method.as_str(), op.path.as_str())) {
            pairs.push((op, &new[j]));
            *slot = None;
            new_left[j] = None;
        }
    }

    // 2. Same operationId, unique among the leftovers of each side.
    let unique_ids = |side: &[Option<&Op>]| {
        let mut count: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for (i, op) in side.iter().enumerate() {
            if let Some(op) = op.filter(|op| !op.id.is_empty()) {
                let entry = count.entry(op.id.clone()).or_insert((0, i));
                entry.0 += 1;
            }
        }
        count
            .into_iter()
            .filter(|(_, (n, _))| *n == 1)
            .map(|(id, (_, i))| (id, i))
            .collect::<BTreeMap<_, _>>()
    };
    let old_ids = unique_ids(&old_left);
    let new_ids = unique_ids(&new_left);
    for (id, i) in &old_ids {
        if let Some(&j) = new_ids.get(id) {
            pairs.push((old_left[*i].expect("left"), new_left[j].expect("left")));
            old_left[*i] = None;
            new_left[j] = None;
        }
    }

    // 3. Same shape, unique in each whole document.
    let shape_counts = |ops: &[Op]| {
        let mut count: BTreeMap<String, usize> = BTreeMap::new();
        for op in ops {
            *count.entry(shape(&op.method, &op.path)).or_insert(0) += 1;
        }
        count
    };
    let old_shapes = shape_counts(&old);
    let new_shapes = shape_counts(&new);
    let new_by_shape: BTreeMap<String, usize> = new_left
        .iter()
        .enumerate()
        .filter_map(|(j, op)| op.map(|op| (shape(&op.method, &op.path), j)))
        .filter(|(s, _)| new_shapes.get(s) == Some(&1))
        .collect();
    for slot in old_left.iter_mut() {
        let Some(op) = *slot else { continue };
        let s = shape(&op.method, &op.path);
        if old_shapes.get(&s) != Some(&1) {
            continue;
        }
        if let Some(&j) = new_by_shape.get(&s) {
            if let Some(new_op) = new_left[j].take() {
                pairs.push((op, new_op));
                *slot = None;
            }
        }
    }

    for (old_op, new_op) in pairs {
        let parts = differing_parts(old_op, new_op);
        let pair = Pair {
            old: old_op.clone(),
            new: new_op.clone(),
            parts,
        };
        if old_op.id != new_op.id {
            report.renamed.push(pair);
        } else if !pair.parts.is_empty() {
            report.changed.push(pair);
        } else {
            report.unchanged += 1;
        }
    }
    report.removed = old_left.into_iter().flatten().cloned().collect();
    report.added = new_left.into_iter().flatten().cloned().collect();
    let key = |op: &Op| {
        (
            op.group(),
            op.id.clone(),
            op.path.clone(),
            op.method.clone(),
        )
    };
    report.added.sort_by_key(key);
    report.removed.sort_by_key(key);
    report.renamed.sort_by_key(|p| key(&p.new));
    report.changed.sort_by_key(|p| key(&p.new));
    report
}

/// The feature names of the root `Cargo.toml`'s `[features]` table.
pub fn cargo_features(root: &Path) -> Result<BTreeSet<String>, String> {
    let path = root.join("Cargo.toml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(parse_features(&text))
}

/// Feature names from a manifest's text: the keys of its `[features]` table.
pub fn parse_features(manifest: &str) -> BTreeSet<String> {
    let mut in_features = false;
    let mut out = BTreeSet::new();
    for line in manifest.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') && !line.starts_with(' ') && !line.starts_with('"') {
            in_features = trimmed == "[features]";
            continue;
        }
        if !in_features || line.starts_with([' ', '\t', '#', '"', ']']) {
            continue;
        }
        if let Some((key, _)) = trimmed.split_once('=') {
            let key = key.trim().trim_matches('"');
            if !key.is_empty() && key.chars().all(|c| c.is_alphanumeric() || "-_".contains(c)) {
                out.insert(key.to_string());
            }
        }
    }
    out
}

/// Calls (`.name(`) in the handwritten layer (`src/**/*.rs`, generated files excluded) of the
/// generated methods the report removes or renames, and the handwritten helpers that send an
/// operation the report removes, renames or changes (they name it as `ops::NAME`, the constant of
/// `hashivault::api::operations`; `src/operation.rs` lists them).
pub fn handwritten_calls(root: &Path, report: &ChangeReport) -> Result<Vec<Call>, String> {
    let names: BTreeSet<String> = report
        .removed
        .iter()
        .map(Op::method_name)
        .chain(report.renamed.iter().map(|p| p.old.method_name()))
        .collect();
    let constants: BTreeSet<String> = report
        .removed
        .iter()
        .chain(report.renamed.iter().map(|p| &p.old))
        .chain(report.changed.iter().map(|p| &p.old))
        .map(|op| const_name(&op.id))
        .collect();
    let mut files = Vec::new();
    collect_rust_files(&root.join("src"), &mut files)?;
    files.sort();
    let mut calls = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        if is_generated(&file, &text) {
            continue;
        }
        let relative = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        for (index, line) in text.lines().enumerate() {
            let called = names_called(line)
                .into_iter()
                .filter(|n| names.contains(*n));
            let sent = constants_named(line)
                .into_iter()
                .filter(|n| constants.contains(*n));
            for name in called.chain(sent) {
                calls.push(Call {
                    file: relative.clone(),
                    line: index + 1,
                    method: name.to_string(),
                });
            }
        }
    }
    Ok(calls)
}

/// The constant of an operation in `hashivault::api::operations` (`kv-v2-read` is `KV_V2_READ`).
fn const_name(id: &str) -> String {
    hashivault_codegen::operations::const_name(id)
}

/// The names `X` of every `ops::X` or `operations::X` in a line.
fn constants_named(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for prefix in ["ops::", "operations::"] {
        for (i, _) in line.match_indices(prefix) {
            let before = line[..i].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let rest = &line[i + prefix.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let name = &rest[..end];
            if !name.is_empty() && name.chars().all(|c| !c.is_ascii_lowercase()) {
                out.push(name);
            }
        }
    }
    out
}

/// The identifiers `x` of every `.x(` (or `.x::<`) in a line.
fn names_called(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for (i, _) in line.match_indices('.') {
        let rest = &line[i + 1..];
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if end > 0 && (rest[end..].starts_with('(') || rest[end..].starts_with("::<")) {
            out.push(&rest[..end]);
        }
    }
    out
}

fn collect_rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(format!("cannot list {}: {e}", dir.display())),
    };
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
            .path();
        if path.is_dir() {
            collect_rust_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// Generated code: a `generated` directory, or a file marked `@generated` near its top.
fn is_generated(path: &Path, text: &str) -> bool {
    path.components().any(|c| c.as_os_str() == "generated")
        || text.lines().take(5).any(|l| l.contains("@generated"))
}

impl ChangeReport {
    /// One line of counts.
    pub fn counts(&self) -> String {
        format!(
            "{} added, {} removed, {} renamed, {} changed, {} unchanged",
            self.added.len(),
            self.removed.len(),
            self.renamed.len(),
            self.changed.len(),
            self.unchanged
        )
    }

    /// Groups of the new document that the manifest has no feature for.
    pub fn groups_without_feature(&self, features: &BTreeSet<String>) -> Vec<String> {
        self.new_groups
            .keys()
            .filter(|g| !features.contains(*g))
            .cloned()
            .collect()
    }

    /// The report as text, grouped by feature group.
    pub fn render(&self, features: &BTreeSet<String>, calls: &[Call]) -> String {
        let mut out = format!("change report: {}\n", self.counts());
        #[derive(Default)]
        struct Lines {
            added: Vec<String>,
            removed: Vec<String>,
            renamed: Vec<String>,
            changed: Vec<String>,
        }
        let mut groups: BTreeMap<String, Lines> = BTreeMap::new();
        for op in &self.added {
            groups
                .entry(op.group())
                .or_default()
                .added
                .push(format!("{} ({})", op.id, op.place()));
        }
        for op in &self.removed {
            groups.entry(op.group()).or_default().removed.push(format!(
                "{} ({})",
                op.id,
                op.place()
            ));
        }
        for pair in &self.renamed {
            let mut line = format!("{} -> {} ({})", pair.old.id, pair.new.id, pair.new.place());
            if pair.old.path != pair.new.path {
                line.push_str(&format!(", was {}", pair.old.path));
            }
            if !pair.parts.is_empty() {
                line.push_str(&format!("; also changed: {}", pair.parts.join(", ")));
            }
            groups
                .entry(pair.new.group())
                .or_default()
                .renamed
                .push(line);
        }
        for pair in &self.changed {
            let mut line = format!(
                "{} ({}): {}",
                pair.new.id,
                pair.new.place(),
                pair.parts.join(", ")
            );
            if pair.old.path != pair.new.path {
                line.push_str(&format!(" (was {})", pair.old.place()));
            }
            groups
                .entry(pair.new.group())
                .or_default()
                .changed
                .push(line);
        }
        for (group, lines) in &groups {
            let mut flags = String::new();
            if self.new_groups.contains_key(group) && !self.old_groups.contains(group) {
                flags.push_str(" [new group]");
            }
            if self.new_groups.contains_key(group) && !features.contains(group) {
                flags.push_str(" [NO CARGO FEATURE]");
            }
            out.push_str(&format!(
                "\n[{group}]{flags}: +{} -{} renamed {} changed {}\n",
                lines.added.len(),
                lines.removed.len(),
                lines.renamed.len(),
                lines.changed.len()
            ));
            for (sign, list) in [
                ("+", &lines.added),
                ("-", &lines.removed),
                ("~ renamed", &lines.renamed),
                ("~ changed", &lines.changed),
            ] {
                for line in list {
                    out.push_str(&format!("  {sign} {line}\n"));
                }
            }
        }
        let missing = self.groups_without_feature(features);
        if !missing.is_empty() {
            out.push_str(&format!(
                "\nWARNING: groups with no Cargo feature in Cargo.toml [features] (add them, and to `full`): {}\n",
                missing.join(", ")
            ));
        }
        if !calls.is_empty() {
            out.push_str(
                "\nWARNING: the handwritten layer calls or sends removed, renamed or changed operations:\n",
            );
            for call in calls {
                let is_const = call.method.chars().all(|c| !c.is_ascii_lowercase());
                if is_const {
                    let what = self
                        .renamed
                        .iter()
                        .find(|p| const_name(&p.old.id) == call.method)
                        .map(|p| format!("renamed to {}", const_name(&p.new.id)))
                        .or_else(|| {
                            self.changed
                                .iter()
                                .find(|p| const_name(&p.old.id) == call.method)
                                .map(|p| format!("changed: {}", p.parts.join(", ")))
                        })
                        .unwrap_or_else(|| "removed".to_string());
                    out.push_str(&format!(
                        "  {}:{}: ops::{} ({what}; check the helper and src/operation.rs)\n",
                        call.file, call.line, call.method
                    ));
                    continue;
                }
                let what = self
                    .renamed
                    .iter()
                    .find(|p| p.old.method_name() == call.method)
                    .map(|p| format!("renamed to {}", p.new.method_name()))
                    .unwrap_or_else(|| "removed".to_string());
                // A one-word name (`decode`, `read`) may be another type's method.
                let what = if call.method.contains('_') {
                    what
                } else {
                    format!("{what}; maybe another type's method of that name")
                };
                out.push_str(&format!(
                    "  {}:{}: .{}( ({what})\n",
                    call.file, call.line, call.method
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod handwritten_tests {
    use super::*;

    fn op(method: &str, path: &str, id: &str) -> Op {
        Op {
            method: method.into(),
            path: path.into(),
            id: id.into(),
            body: Value::Null,
        }
    }

    #[test]
    fn constants_are_found_by_their_module() {
        assert_eq!(
            constants_named("    helper(&ops::KV_V2_READ, \"GET\", x), &operations::SEAL_STATUS"),
            ["KV_V2_READ", "SEAL_STATUS"]
        );
        assert!(constants_named("my_ops::KV_V2_READ ops::lower").is_empty());
    }

    #[test]
    fn helpers_of_a_changed_operation_are_reported() {
        let root = std::env::temp_dir().join(format!("hashivault-diff-{}", std::process::id()));
        std::fs::create_dir_all(root.join("src/kv")).unwrap();
        std::fs::write(
            root.join("src/kv/v2.rs"),
            "fn read() {\n    self.call(&ops::KV_V2_READ, path)\n}\n",
        )
        .unwrap();
        let old = op("get", "/{kv_v2_mount_path}/data/{path}", "kv-v2-read");
        let new = op("post", "/{kv_v2_mount_path}/data/{path}", "kv-v2-read");
        let report = ChangeReport {
            changed: vec![Pair {
                old,
                new,
                parts: vec!["method".into()],
            }],
            ..Default::default()
        };
        let calls = handwritten_calls(&root, &report).unwrap();
        std::fs::remove_dir_all(&root).unwrap();
        assert_eq!(
            calls,
            [Call {
                file: "src/kv/v2.rs".into(),
                line: 2,
                method: "KV_V2_READ".into(),
            }]
        );
        let text = report.render(&BTreeSet::new(), &calls);
        assert!(
            text.contains("src/kv/v2.rs:2: ops::KV_V2_READ (changed: method;"),
            "{text}"
        );
    }
}
