//! `cargo xtask regen` on the two real documents in `/work/shared/vault-spec/` (read at test time;
//! skipped with a message when that directory is absent), and the generator on OpenBao's.

use hashivault_codegen as codegen;
use xtask::{project_root, regen};

use std::path::Path;

use serde_json::Value;

use regen::diff;

const SHARED: &str = "/work/shared/vault-spec";
const VAULT: &str = "vault-1.15.0-openapi.json";
const OPENBAO: &str = "openbao-2.7.2-openapi.json";

/// The document's text, or `None` (and a message) when the shared directory is absent.
/// The real documents: `shared/vault-spec` beside the repository (as CI lays it), else
/// [`SHARED`]. Absent, the test prints why and returns, unless `HASHIVAULT_REQUIRE_LIVE=1`
/// (`cargo xtask test`, CI), where that is a failure.
fn real(name: &str) -> Option<String> {
    let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/vault-spec");
    let dir = [beside.as_path(), Path::new(SHARED)]
        .into_iter()
        .find(|d| d.is_dir());
    let Some(dir) = dir else {
        if std::env::var("HASHIVAULT_REQUIRE_LIVE").is_ok_and(|v| v == "1") {
            panic!(
                "the real documents are absent: neither {} nor {SHARED} exists",
                beside.display()
            );
        }
        println!("SKIPPED: {SHARED} is absent (the real Vault and OpenBao documents)");
        return None;
    };
    let path = dir.join(name);
    Some(std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn vault_document_validates_and_counts() {
    let Some(text) = real(VAULT) else { return };
    let doc = regen::canon::validate(&text).unwrap();
    assert_eq!(regen::canon::counts(&doc), (715, 1049, 559));
    let info =
        regen::readme::Provenance::of(&doc, &text, &regen::canon::canonical(&doc), String::new());
    assert_eq!(
        (info.title.as_str(), info.version.as_str()),
        ("HashiCorp Vault API", "1.15.0")
    );
    // The canonical form is a fixed point, and the file as published is not in it.
    let canonical = regen::canon::canonical(&doc);
    assert_ne!(canonical, text);
    assert_eq!(regen::canon::canonical(&parse(&canonical)), canonical);
    let report = diff::compare(&doc, &parse(&canonical));
    assert_eq!(
        report.counts(),
        "0 added, 0 removed, 0 renamed, 0 changed, 1049 unchanged"
    );
}

#[test]
fn checked_in_spec_is_the_vault_document_in_canonical_form() {
    let Some(text) = real(VAULT) else { return };
    let checked_in = std::fs::read_to_string(project_root().join(regen::SPEC_FILE)).unwrap();
    assert!(
        checked_in == regen::canon::canonical(&parse(&text)),
        "{} is not the canonical {VAULT}: run `cargo xtask regen --file {SHARED}/{VAULT}`",
        regen::SPEC_FILE
    );
}

#[test]
fn openbao_document_is_accepted_and_its_duplicate_operation_ids_reported() {
    let Some(text) = real(OPENBAO) else { return };
    let doc = regen::canon::validate(&text).unwrap();
    let duplicates = regen::canon::duplicate_ids(&doc);
    assert_eq!(duplicates.len(), 6, "{duplicates:?}");
    assert!(duplicates[0].starts_with("generate-root-token (GET /sys/generate-root-token/attempt, POST /sys/generate-root-token/attempt, DELETE /sys/generate-root-token/attempt)"), "{duplicates:?}");
    for id in [
        "jwt-delete-role",
        "jwt-login",
        "jwt-read-role",
        "jwt-write-role",
        "pki-list-certs",
    ] {
        assert!(
            duplicates.iter().any(|d| d.starts_with(id)),
            "{duplicates:?}"
        );
    }
    assert_eq!(regen::canon::counts(&parse(&text)), (503, 724, 545));
}

/// Vault 1.15.0 to OpenBao 2.7.2. Checked by hand with a Python rendering of the same three
/// matching passes: 568 operations share method and path (44 of them renamed); 49 more keep their
/// operationId at a new path (Vault's `GET /x/` LIST paths are OpenBao's `GET /x`); 13 are the KV
/// endpoints under another mount parameter (`{kv_v1_mount_path}` to `{kv_mount_path}`,
/// `{kv_v2_mount_path}` to `{secret_mount_path}`), all renamed. 1049 = 419 + 57 + 181 + 392 and
/// 724 = 94 + 57 + 181 + 392.
#[test]
fn change_report_from_vault_to_openbao() {
    let (Some(vault), Some(openbao)) = (real(VAULT), real(OPENBAO)) else {
        return;
    };
    let (old, new) = (parse(&vault), parse(&openbao));
    assert_eq!(diff::operations(&old).len(), 1049);
    assert_eq!(diff::operations(&new).len(), 724);
    let report = diff::compare(&old, &new);
    assert_eq!(
        report.counts(),
        "94 added, 419 removed, 57 renamed, 181 changed, 392 unchanged"
    );

    let renamed = |old_id: &str| {
        report
            .renamed
            .iter()
            .find(|p| p.old.id == old_id)
            .map(|p| p.new.id.as_str())
    };
    assert_eq!(renamed("kv-v2-read"), Some("kv-read-data-path"));
    assert_eq!(renamed("kv-v1-read"), Some("kv-read-path"));
    assert_eq!(
        renamed("token-look-up-self"),
        Some("token-look-up-self-get")
    );
    let path_moves = report
        .renamed
        .iter()
        .filter(|p| p.old.path != p.new.path)
        .count();
    assert_eq!(path_moves, 13);
    let moved = report
        .changed
        .iter()
        .filter(|p| p.old.path != p.new.path)
        .count();
    assert_eq!(moved, 49);
    assert!(report.removed.iter().any(|op| op.id == "kv-v2-list"));
    assert!(report.removed.iter().all(|op| op.id != "kv-v2-read"));

    // OpenBao's KV v2 at `secret/` is the `kv` group (`groups::group_of`); its own areas under
    // `sys/` are groups with a feature each (`sys-external-keys`, `sys-workflows`).
    let features = diff::cargo_features(&project_root()).unwrap();
    assert!(
        report.groups_without_feature(&features).is_empty(),
        "{:?}",
        report.groups_without_feature(&features)
    );
    assert!(!report.new_groups.contains_key("secret"));
    assert_eq!(report.new_groups["sys-external-keys"], 13);
    assert_eq!(report.new_groups["sys-workflows"], 6);
    let text = report.render(&features, &[]);
    assert!(!text.contains("[NO CARGO FEATURE]"), "{text}");

    // The reverse direction mirrors it.
    let back = diff::compare(&new, &old);
    assert_eq!(
        back.counts(),
        "419 added, 94 removed, 57 renamed, 181 changed, 392 unchanged"
    );
}

/// The same normalizer and generator accept OpenBao 2.7.2: a regen to another real document
/// needs no new build.rs. Its duplicate ids are renamed (7 operations), all 724 are generated.
#[test]
fn generator_accepts_openbao() {
    let Some(text) = real(OPENBAO) else { return };
    let generated = codegen::generate(&text, &codegen::Selection::All).unwrap();
    assert_eq!(generated.operations.len(), 724);
    assert_eq!(generated.report.count("unique_operation_ids"), 7);
    for renamed in [
        "jwt-login-cel",
        "pki-list-certs-detailed",
        "generate-root-token-write",
    ] {
        assert!(generated.operations.contains(renamed), "{renamed}");
    }
    // OpenBao's own quirk: its `seconds` durations are typed too.
    assert!(generated.report.count("type_durations") > 100);
    // Every operation's request code has the known shape the rewrites expect.
    let rewrites = generated.rewrites;
    assert_eq!(rewrites.api_version_headers, 724);
    assert_eq!(rewrites.unrewritten_path_params, 0);
}

/// Every operation generated from the checked-in document goes through each rewrite of
/// `hashivault_codegen::requests` and `surface`: no `api-version` header, no `%2F`-escaping
/// `format!` left, every `send()` ending in hashivault's transport with hashivault's error and
/// answer types, every builder owning its client. A progenitor upgrade that changes the shape of
/// its output fails here.
#[test]
fn every_generated_operation_is_streamlined() {
    let text = std::fs::read_to_string(project_root().join(regen::SPEC_FILE)).unwrap();
    let generated = codegen::generate(&text, &codegen::Selection::All).unwrap();
    let operations = generated.operations.len();
    let rewrites = generated.rewrites;
    assert_eq!(rewrites.api_version_headers, operations);
    assert_eq!(rewrites.empty_header_maps, operations);
    assert_eq!(rewrites.unrewritten_path_params, 0);
    assert!(rewrites.checked_urls > 800, "{rewrites:?}");
    // Every URL is the base URL with its path set: none is a text reqwest parses whole.
    assert_eq!(
        rewrites.checked_urls + rewrites.fixed_urls,
        operations,
        "{rewrites:?}"
    );
    let surface = generated.surface;
    assert_eq!(surface.sends, operations, "{surface:?}");
    assert_eq!(surface.unrewritten_sends, 0);
    assert_eq!(surface.owned_builders, operations, "{surface:?}");
    assert_eq!(surface.cloning_constructors, operations, "{surface:?}");
    assert!(surface.shared_base_url);
    // The eleven `sys/pprof` operations answer bytes, not JSON.
    assert_eq!(
        generated
            .code
            .matches("crate::transport::send_bytes_later(")
            .count(),
        11
    );
    // `sys/health` documents its node states (429, 472, 473, 501, 503) as answers: once in its
    // `send()`, once in its `Operation` row (`answers`, which helpers pass to the transport).
    assert_eq!(
        generated
            .code
            .matches("&[429u16, 472u16, 473u16, 501u16, 503u16]")
            .count(),
        1
    );
    assert_eq!(
        generated
            .code
            .matches("answers: &[429, 472, 473, 501, 503],")
            .count(),
        1
    );
    assert!(
        rewrites.lazy_unset_messages >= rewrites.checked_urls,
        "{rewrites:?}"
    );
    for gone in [
        "api-version",
        "encode_path(",
        "ResponseValue",
        "progenitor_client::Error",
        "Error<()>",
        "UnexpectedResponse",
        "client.exec(",
        "&'a super::Client",
        "was not initialized\".to_string())",
    ] {
        assert!(!generated.code.contains(gone), "{gone} is still generated");
    }
}
