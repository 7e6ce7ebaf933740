//! `cargo xtask regen --learn-responses`: refresh `spec/overlays/` from real answers.
//!
//! With a server (`VAULT_ADDR`/`VAULT_TOKEN`, e.g. from `cargo xtask dev`), it first runs the
//! conformance tour with recording on (`HASHIVAULT_RECORD_CONFORMANCE=1 cargo test --features
//! full --test live_conformance`), which writes `tests/fixtures/conformance/*.json`; with
//! `--no-record` it uses the answers already recorded. Then it derives one overlay per API group
//! (`codegen::overlay::learn`) and writes `spec/overlays/<group>.json`.

use std::path::Path;

use hashivault_codegen as codegen;

/// Runs the command in `root`; `record` runs the live tour first.
pub fn learn_responses(root: &Path, record: bool) -> Result<(), String> {
    if record {
        let status =
            std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
                .current_dir(root)
                .args(["test", "--features", "full", "--test", "live_conformance"])
                .env("HASHIVAULT_RECORD_CONFORMANCE", "1")
                .env("HASHIVAULT_REQUIRE_LIVE", "1")
                .status()
                .map_err(|e| format!("cannot run cargo test: {e}"))?;
        // The tour fails while fields are unnamed; its recordings are what this command needs.
        if !status.success() {
            eprintln!(
                "xtask: the tour reported unnamed fields or failures; learning from its recordings"
            );
        }
    }
    let spec_text = std::fs::read_to_string(root.join(super::SPEC_FILE))
        .map_err(|e| format!("cannot read the spec: {e}"))?;
    let doc = codegen::parse_document(&spec_text)?;
    let dir = root.join("tests/fixtures/conformance");
    let mut recorded = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .map_err(|e| {
            format!(
                "no recordings in {} ({e}): run with a server",
                dir.display()
            )
        })?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    entries.sort();
    for path in entries {
        let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
        let fixture: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        if fixture["provenance"]["status"].as_u64().unwrap_or(200) / 100 != 2 {
            continue;
        }
        let operation_id = path.file_stem().unwrap().to_string_lossy().into_owned();
        recorded.push(codegen::overlay::Recorded {
            operation_id,
            answer: fixture["answer"].clone(),
            provenance: fixture["provenance"].clone(),
        });
    }
    let mut overlays = codegen::overlay::learn(&doc, &recorded);
    // OpenBao's own operations (the union's, issue #22 item 1) are learned from its document,
    // whose ids they keep, and applied to it by `build.rs` before the union is made.
    let openbao_text = std::fs::read_to_string(root.join(super::OPENBAO_SPEC_FILE))
        .map_err(|e| format!("cannot read OpenBao's document: {e}"))?;
    let openbao = codegen::parse_document(&openbao_text)?;
    let in_vault = operation_ids(&doc);
    let openbao_only: Vec<codegen::overlay::Recorded> = recorded
        .iter()
        .filter(|r| !in_vault.contains(r.operation_id.as_str()))
        .map(|r| codegen::overlay::Recorded {
            operation_id: r.operation_id.clone(),
            answer: r.answer.clone(),
            provenance: r.provenance.clone(),
        })
        .collect();
    merge_overlays(
        &mut overlays,
        codegen::overlay::learn(&openbao, &openbao_only),
    );
    keyed_by_names(&mut overlays, &recorded);
    let out = root.join("spec/overlays");
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    for (group, overlay) in &overlays {
        let path = out.join(format!("{group}.json"));
        let fields: usize = overlay["fields"].as_object().map_or(0, |f| {
            f.values()
                .filter_map(|v| v.as_object())
                .map(|v| v.len())
                .sum()
        });
        let responses = overlay["responses"].as_object().map_or(0, |r| r.len());
        if fields + responses == 0 {
            let _ = std::fs::remove_file(&path);
            continue;
        }
        let text = serde_json::to_string_pretty(overlay).map_err(|e| e.to_string())? + "\n";
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        println!(
            "wrote {} ({fields} fields, {responses} response schemas)",
            path.display()
        );
    }
    // The overlays change the generated types: the checked-in API follows.
    crate::codegen_cmd::write_generated(root)
}

/// The operation ids of a document.
fn operation_ids(doc: &serde_json::Value) -> std::collections::BTreeSet<&str> {
    doc["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(_, item)| item.as_object().into_iter().flatten())
        .filter_map(|(_, op)| op.get("operationId").and_then(serde_json::Value::as_str))
        .collect()
}

/// Adds the fields and response schemas of `more` to `overlays`, group by group (a group's
/// provenance stays the first one's).
fn merge_overlays(
    overlays: &mut std::collections::BTreeMap<String, serde_json::Value>,
    more: std::collections::BTreeMap<String, serde_json::Value>,
) {
    for (group, overlay) in more {
        let Some(into) = overlays.get_mut(&group) else {
            overlays.insert(group, overlay);
            continue;
        };
        for key in ["fields", "responses"] {
            let Some(from) = overlay.get(key).and_then(serde_json::Value::as_object) else {
                continue;
            };
            let slot = into[key].as_object_mut();
            if let Some(slot) = slot {
                for (k, v) in from {
                    slot.entry(k.clone()).or_insert_with(|| v.clone());
                }
            } else {
                into[key] = serde_json::Value::Object(from.clone());
            }
        }
    }
}

/// Operations whose payload is keyed by names the caller or the server chose (loggers by their
/// names, capabilities by the paths asked about, an audited request header by its name, audit
/// devices by their paths): each
/// becomes a map of the values' learned type (an object's fields merged over the entries), never
/// a struct with a field per name.
pub const NAME_KEYED_VALUES: &[&str] = &[
    "loggers-read-verbosity-level",
    "loggers-read-verbosity-level-for",
    "query-token-self-capabilities",
    "query-token-capabilities",
    "query-token-accessor-capabilities",
    "auditing-read-request-header-information",
    // Audit devices by their paths (`conformance-audit/`).
    "auditing-list-enabled-devices",
];

/// Rewrites the learned payload of each [`NAME_KEYED_VALUES`] operation as a map of one value
/// schema (the values of every recorded entry agree, or the map's values stay free).
fn keyed_by_names(
    overlays: &mut std::collections::BTreeMap<String, serde_json::Value>,
    recorded: &[codegen::overlay::Recorded],
) {
    for rec in recorded {
        if !NAME_KEYED_VALUES.contains(&rec.operation_id.as_str()) {
            continue;
        }
        let Some(data) = rec
            .answer
            .get("data")
            .and_then(serde_json::Value::as_object)
        else {
            continue;
        };
        if data.values().all(serde_json::Value::is_object) {
            // Objects per name (an audited header's settings): one learned object schema.
            for overlay in overlays.values_mut() {
                if let Some(slot) = overlay
                    .get_mut("responses")
                    .and_then(|r| r.get_mut(&rec.operation_id))
                {
                    *slot = codegen::overlay::infer_name_keyed(data);
                }
            }
            continue;
        }
        let mut values = data.values().map(codegen::overlay::infer);
        let Some(first) = values.next() else { continue };
        let value = if values.all(|v| v == first) {
            first
        } else {
            serde_json::json!({})
        };
        for overlay in overlays.values_mut() {
            if let Some(slot) = overlay
                .get_mut("responses")
                .and_then(|r| r.get_mut(&rec.operation_id))
            {
                *slot = serde_json::json!({
                    "type": "object",
                    "description": "Learned from a real server's answers (spec/overlays): keyed by names.",
                    "additionalProperties": value,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn openbao_only_overlays_merge_into_their_group() {
        let mut overlays = std::collections::BTreeMap::new();
        overlays.insert(
            "sys".to_string(),
            json!({"group": "sys", "provenance": {"server": "OpenBao"}, "fields": {}, "responses": {"a": {"type": "object"}}}),
        );
        let mut more = std::collections::BTreeMap::new();
        more.insert(
            "sys".to_string(),
            json!({"group": "sys", "provenance": {}, "fields": {"S": {"x": {}}}, "responses": {"a": {}, "b": {"type": "object"}}}),
        );
        more.insert(
            "sys-external-keys".to_string(),
            json!({"group": "sys-external-keys", "responses": {"c": {}}}),
        );
        merge_overlays(&mut overlays, more);
        let sys = &overlays["sys"];
        assert_eq!(sys["responses"]["a"], json!({"type": "object"}), "kept");
        assert_eq!(sys["responses"]["b"], json!({"type": "object"}), "added");
        assert_eq!(sys["fields"]["S"], json!({"x": {}}));
        assert_eq!(sys["provenance"], json!({"server": "OpenBao"}));
        assert!(overlays.contains_key("sys-external-keys"), "a new group");
    }

    #[test]
    fn name_keyed_values_become_maps() {
        let mut overlays = std::collections::BTreeMap::new();
        overlays.insert(
            "sys".to_string(),
            json!({"responses": {"loggers-read-verbosity-level": {"type": "object", "properties": {"core": {"type": "string"}}}}}),
        );
        let recorded = [codegen::overlay::Recorded {
            operation_id: "loggers-read-verbosity-level".into(),
            answer: json!({"data": {"core": "info", "audit": "debug"}}),
            provenance: json!({"server": "OpenBao"}),
        }];
        keyed_by_names(&mut overlays, &recorded);
        let learned = &overlays["sys"]["responses"]["loggers-read-verbosity-level"];
        assert!(
            learned.get("properties").is_none(),
            "no logger name is a field"
        );
        assert_eq!(learned["additionalProperties"], json!({"type": "string"}));
    }
}
