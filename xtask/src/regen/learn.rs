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
    let overlays = codegen::overlay::learn(&doc, &recorded);
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
    Ok(())
}
