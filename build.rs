//! Generates `hashivault::api` from `spec/openapi.json` (Vault's document) and
//! `spec/openbao-openapi.json` (OpenBao's) into `$OUT_DIR/api.rs`: one API, the union of both
//! (`hashivault_codegen::union`).
//!
//! The pipeline (normalize, select the enabled feature groups, progenitor, format) is the
//! `hashivault-codegen` crate, shared with `cargo xtask codegen`, so what a reviewer dumps is what
//! users compile.

use std::collections::BTreeSet;
use std::path::PathBuf;

use hashivault_codegen as codegen;

fn main() {
    println!("cargo:rerun-if-changed=spec/openapi.json");
    println!("cargo:rerun-if-changed=spec/openbao-openapi.json");
    println!("cargo:rerun-if-changed=spec/overlays");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo::rustc-check-cfg=cfg(docsrs)");

    let manifest_dir = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let spec_path = manifest_dir.join("spec/openapi.json");
    let text = std::fs::read_to_string(&spec_path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", spec_path.display()));

    let openbao_path = manifest_dir.join("spec/openbao-openapi.json");
    let openbao = std::fs::read_to_string(&openbao_path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", openbao_path.display()));

    let selection = selection_from_features();
    let overlays = codegen::overlay::load_dir(&manifest_dir.join("spec/overlays"))
        .unwrap_or_else(|e| panic!("{e}"));
    let generated = codegen::generate_union(&text, Some(&openbao), &overlays, &selection)
        .unwrap_or_else(|e| panic!("{e}"));

    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for (name, text) in [
        ("api.rs", &generated.code),
        // The document the code was generated from, for the conformance tour's strict mode.
        ("normalized-openapi.json", &generated.normalized),
    ] {
        let out = out_dir.join(name);
        std::fs::write(&out, text)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
    }
}

/// The groups whose `CARGO_FEATURE_*` variable cargo set; every group with `full`.
fn selection_from_features() -> codegen::Selection {
    if std::env::var_os("CARGO_FEATURE_FULL").is_some() {
        return codegen::Selection::All;
    }
    let groups: BTreeSet<String> = std::env::vars()
        .filter_map(|(key, _)| {
            key.strip_prefix("CARGO_FEATURE_")
                .map(|name| name.to_ascii_lowercase().replace('_', "-"))
        })
        .collect();
    codegen::Selection::Groups(groups)
}
