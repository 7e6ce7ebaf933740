//! `cargo xtask regen`: canonical form, validation, the change report, the README section, the
//! command on a scratch workspace, and the live-server path against a mock server.

use xtask::{project_root, regen};

use std::path::{Path, PathBuf};

use httpmock::prelude::*;
use serde_json::{json, Value};

use regen::diff;

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn doc(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

/// A scratch workspace: the real root `Cargo.toml`, a small handwritten `src/`, a spec README
/// with provenance text, and `spec/openapi.json` = the old fixture, as it was checked in (not
/// canonical).
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("xtask-regen-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("spec")).unwrap();
        std::fs::create_dir_all(dir.join("src/generated")).unwrap();
        std::fs::copy(project_root().join("Cargo.toml"), dir.join("Cargo.toml")).unwrap();
        std::fs::write(dir.join("spec/openapi.json"), fixture("regen-old.json")).unwrap();
        std::fs::write(
            dir.join("spec/README.md"),
            "# spec\n\nProvenance and license text.\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("src/lib.rs"),
            "pub async fn read(c: &Client) {\n    let s = c.api().kv_v2_read().send().await;\n    c.api().read_health_status().send().await;\n    c.api()\n        .raw_delete()\n        .send();\n}\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("src/generated/api.rs"),
            "fn f(c: &C) { c.raw_delete(); }\n",
        )
        .unwrap();
        Scratch(dir)
    }
    fn path(&self) -> &Path {
        &self.0
    }
    fn root_arg(&self) -> String {
        self.0.display().to_string()
    }
    /// Every file under `spec/` with its bytes.
    fn spec_snapshot(&self) -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<_> = std::fs::read_dir(self.0.join("spec"))
            .unwrap()
            .map(|e| {
                let path = e.unwrap().path();
                (
                    path.file_name().unwrap().to_string_lossy().into_owned(),
                    std::fs::read(&path).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    }
    fn spec(&self) -> String {
        std::fs::read_to_string(self.0.join("spec/openapi.json")).unwrap()
    }
    fn readme(&self) -> String {
        std::fs::read_to_string(self.0.join("spec/README.md")).unwrap()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------- canonical form and validation

#[test]
fn canonical_form_sorts_keys_recursively_and_is_idempotent() {
    let value: Value = serde_json::from_str(
        r#"{"zeta": 1, "alpha": {"y": [ {"b": true, "a": null} ], "x": "\u003ctag\u003e"}, "Beta": 2.5}"#,
    )
    .unwrap();
    let text = regen::canon::canonical(&value);
    assert_eq!(
        text,
        "{\n  \"Beta\": 2.5,\n  \"alpha\": {\n    \"x\": \"<tag>\",\n    \"y\": [\n      {\n        \"a\": null,\n        \"b\": true\n      }\n    ]\n  },\n  \"zeta\": 1\n}\n"
    );
    let again = regen::canon::canonical(&serde_json::from_str(&text).unwrap());
    assert_eq!(again, text, "a second pass changes no byte");
}

#[test]
fn canonical_form_of_a_document_is_stable() {
    let text = regen::canon::canonical(&doc("regen-new.json"));
    assert!(text.ends_with("}\n") && !text.ends_with("\n\n"));
    assert!(
        text.starts_with("{\n  \"components\": {"),
        "keys sorted: {}",
        &text[..40]
    );
    assert!(
        text.contains("\n    \"/sys/health\": {"),
        "two-space indentation"
    );
    assert_eq!(
        regen::canon::canonical(&serde_json::from_str(&text).unwrap()),
        text
    );
}

#[test]
fn validation_accepts_a_small_document() {
    let doc = regen::canon::validate(&fixture("regen-old.json")).unwrap();
    assert_eq!(regen::canon::counts(&doc), (4, 4, 1));
}

#[test]
fn validation_rejects_what_is_not_a_usable_openapi_3_0_document() {
    let cases: &[(&str, &str)] = &[
        ("<html>proxy error</html>", "not JSON"),
        (r#"{"errors": ["permission denied"]}"#, "Vault error answer"),
        (r#"{"swagger": "2.0", "paths": {}}"#, "Swagger 2.0"),
        (
            r#"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}"#,
            "expected 3.0.x",
        ),
        (
            r#"{"openapi": "3.0.2", "paths": {}}"#,
            "does not parse as OpenAPI 3.0",
        ),
        (
            r#"{"openapi": "3.0.2", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"get": {"responses": {}}}}}"#,
            "1 operations have no operationId: GET /a",
        ),
    ];
    for (text, expected) in cases {
        let error = regen::canon::validate(text).unwrap_err();
        assert!(error.contains(expected), "{text}: {error}");
        assert!(!error.contains('\n'), "one line: {error}");
    }
}

#[test]
fn duplicate_operation_ids_are_reported_not_refused() {
    let text = r#"{"openapi": "3.0.2", "info": {"title": "t", "version": "1"}, "paths": {
        "/a": {"get": {"operationId": "x", "responses": {}}},
        "/b": {"post": {"operationId": "x", "responses": {}}}}}"#;
    let doc = regen::canon::validate(text).unwrap();
    assert_eq!(
        regen::canon::duplicate_ids(&doc),
        vec!["x (GET /a, POST /b)".to_string()]
    );
}

// ---------------------------------------------------------------- the change report

#[test]
fn change_report_classifies_added_removed_renamed_and_changed() {
    let report = diff::compare(&doc("regen-old.json"), &doc("regen-new.json"));
    let ids = |ops: &[diff::Op]| ops.iter().map(|o| o.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&report.added), ["oidc-callback"]);
    assert_eq!(report.added[0].group(), "auth-oidc");
    assert_eq!(ids(&report.removed), ["raw-delete"]);
    assert_eq!(report.removed[0].group(), "sys-admin");
    assert_eq!(report.renamed.len(), 1);
    assert_eq!(report.renamed[0].old.id, "kv-v2-read");
    assert_eq!(report.renamed[0].new.id, "kv-read-data-path");
    assert!(
        report.renamed[0].parts.is_empty(),
        "{:?}",
        report.renamed[0].parts
    );
    assert_eq!(report.changed.len(), 1);
    assert_eq!(report.changed[0].new.id, "pki-issue-with-role");
    assert_eq!(report.changed[0].parts, ["parameters"]);
    assert_eq!(report.unchanged, 1);
    assert_eq!(
        report.counts(),
        "1 added, 1 removed, 1 renamed, 1 changed, 1 unchanged"
    );

    let features = diff::cargo_features(&project_root()).unwrap();
    assert_eq!(report.groups_without_feature(&features), ["auth-oidc"]);
    let text = report.render(&features, &[]);
    assert!(
        text.contains("[auth-oidc] [new group] [NO CARGO FEATURE]: +1 -0 renamed 0 changed 0"),
        "{text}"
    );
    assert!(text.contains("[kv]: +0 -0 renamed 1 changed 0\n  ~ renamed kv-v2-read -> kv-read-data-path (GET /{kv_v2_mount_path}/data/{path})"), "{text}");
    assert!(text.contains("[pki]: +0 -0 renamed 0 changed 1\n  ~ changed pki-issue-with-role (POST /{pki_mount_path}/issue/{role}): parameters"), "{text}");
    assert!(
        text.contains(
            "[sys-admin]: +0 -1 renamed 0 changed 0\n  - raw-delete (DELETE /sys/raw/{path})"
        ),
        "{text}"
    );
    assert!(
        !text.contains("[sys]"),
        "unchanged groups are not listed: {text}"
    );
}

#[test]
fn change_report_of_a_document_against_itself_is_empty() {
    let report = diff::compare(&doc("regen-old.json"), &doc("regen-old.json"));
    assert_eq!(
        report.counts(),
        "0 added, 0 removed, 0 renamed, 0 changed, 4 unchanged"
    );
}

#[test]
fn a_new_mount_parameter_name_is_a_rename_not_removed_and_added() {
    // OpenBao's dev server mounts KV v2 at `secret/`: same endpoint, other parameter name.
    let old = json!({"paths": {
        "/{kv_v2_mount_path}/data/{path}": {"get": {"operationId": "kv-v2-read"}},
        "/{kv_v2_mount_path}/config": {"get": {"operationId": "kv-v2-read-configuration"}},
        "/{pki_mount_path}/config": {"get": {"operationId": "pki-read-config"}},
    }});
    let new = json!({"paths": {
        "/{secret_mount_path}/data/{path}": {"get": {"operationId": "kv-read-data-path"}},
        "/{secret_mount_path}/config": {"get": {"operationId": "kv-read-config"}},
        "/{pki_mount_path}/config": {"get": {"operationId": "pki-read-config"}},
    }});
    let report = diff::compare(&old, &new);
    assert_eq!(report.renamed.len(), 1);
    let pair = &report.renamed[0];
    assert_eq!(
        (pair.old.id.as_str(), pair.new.id.as_str()),
        ("kv-v2-read", "kv-read-data-path")
    );
    assert_eq!(pair.parts, ["path"]);
    // `GET /{}/config` is not unique in either document: no guess.
    assert_eq!(report.removed.len(), 1);
    assert_eq!(report.added.len(), 1);
    assert_eq!(report.unchanged, 1);
}

#[test]
fn an_operation_that_moved_keeps_its_name_and_is_changed() {
    let old = json!({"paths": {"/sys/a": {"get": {"operationId": "x", "description": "d"}}}});
    let new = json!({"paths": {"/sys/b": {"get": {"operationId": "x", "description": "d"}}}});
    let report = diff::compare(&old, &new);
    assert_eq!(
        report.counts(),
        "0 added, 0 removed, 0 renamed, 1 changed, 0 unchanged"
    );
    assert_eq!(report.changed[0].parts, ["path"]);
}

#[test]
fn path_item_parameters_count_as_the_operations() {
    let old = json!({"paths": {"/sys/a/{x}": {"parameters": [{"name": "x"}], "get": {"operationId": "a"}}}});
    let new = json!({"paths": {"/sys/a/{x}": {"parameters": [{"name": "x", "description": "d"}], "get": {"operationId": "a"}}}});
    let report = diff::compare(&old, &new);
    assert_eq!(report.changed[0].parts, ["path parameters"]);
}

#[test]
fn method_names_are_progenitors() {
    assert_eq!(diff::method_name("kv-v2-read"), "kv_v2_read");
    assert_eq!(diff::method_name("token-look-up-2"), "token_look_up_2");
    assert_eq!(
        diff::method_name("policies-list-acl-policies2"),
        "policies_list_acl_policies2"
    );
    assert_eq!(diff::method_name("readHealthStatus"), "read_health_status");
    assert_eq!(diff::method_name("type"), "type_");
}

#[test]
fn features_come_from_the_manifest_features_table() {
    let features = diff::cargo_features(&project_root()).unwrap();
    for f in [
        "sys",
        "sys-admin",
        "kv",
        "pki",
        "auth-approle",
        "full",
        "default",
    ] {
        assert!(features.contains(f), "{f}");
    }
    assert!(
        !features.contains("serde") && !features.contains("name"),
        "{features:?}"
    );
}

#[test]
fn handwritten_calls_of_removed_and_renamed_operations_are_named() {
    let scratch = Scratch::new("calls");
    let report = diff::compare(&doc("regen-old.json"), &doc("regen-new.json"));
    let calls = diff::handwritten_calls(scratch.path(), &report).unwrap();
    let found: Vec<_> = calls
        .iter()
        .map(|c| format!("{}:{}:{}", c.file, c.line, c.method))
        .collect();
    // `src/generated/` is generated code; `read_health_status` still exists.
    assert_eq!(
        found,
        ["src/lib.rs:2:kv_v2_read", "src/lib.rs:5:raw_delete"]
    );
    let text = report.render(&Default::default(), &calls);
    assert!(
        text.contains("src/lib.rs:2: .kv_v2_read( (renamed to kv_read_data_path)"),
        "{text}"
    );
    assert!(
        text.contains("src/lib.rs:5: .raw_delete( (removed)"),
        "{text}"
    );
}

// ---------------------------------------------------------------- spec/README.md

#[test]
fn readme_section_is_appended_once_then_replaced_in_place() {
    let info =
        regen::readme::Provenance::of(&doc("regen-new.json"), "", "{}\n", "file `x.json`".into());
    assert_eq!(info.title, "OpenBao API");
    assert_eq!(info.version, "2.7.2");
    assert_eq!(
        info.sha256,
        "ca3d163bab055381827226140568f3bef7eaac187cebd76878e0b63e9e442356"
    );
    let original = "# spec\n\nProvenance and license.\n";
    let once = regen::readme::update(original, &info);
    assert!(once.starts_with(original));
    assert_eq!(regen::readme::update(&once, &info), once, "idempotent");
    let with_tail = format!("{once}\n## Kept\ntext\n");
    let mut other = info.clone();
    other.version = "9.9.9".into();
    let replaced = regen::readme::update(&with_tail, &other);
    assert!(replaced.starts_with(original) && replaced.ends_with("\n## Kept\ntext\n"));
    assert!(replaced.contains("OpenBao API 9.9.9") && !replaced.contains("2.7.2"));
}

// ---------------------------------------------------------------- the command, from a file

#[test]
fn regen_from_a_file_writes_canonically_and_a_second_run_changes_no_byte() {
    let scratch = Scratch::new("file");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/regen-new.json");
    let run = || {
        regen::run(&args(&[
            "--root",
            &scratch.root_arg(),
            "--file",
            source.to_str().unwrap(),
            "--no-codegen",
        ]))
    };
    run().unwrap();
    let spec = scratch.spec();
    assert_eq!(spec, regen::canon::canonical(&doc("regen-new.json")));
    let readme = scratch.readme();
    assert!(
        readme.starts_with("# spec\n\nProvenance and license text.\n"),
        "{readme}"
    );
    assert!(readme.contains("- Server: OpenBao API 2.7.2"), "{readme}");
    assert!(
        readme.contains("- Source: file `regen-new.json`"),
        "{readme}"
    );
    assert!(
        readme.contains("4 paths, 4 operations, 1 component schemas"),
        "{readme}"
    );
    assert!(
        readme.contains(&regen::readme::sha256_hex(spec.as_bytes())),
        "{readme}"
    );

    let before = scratch.spec_snapshot();
    run().unwrap();
    assert_eq!(
        scratch.spec_snapshot(),
        before,
        "a regen of the same document changes no byte"
    );
    regen::run(&args(&[
        "--root",
        &scratch.root_arg(),
        "--file",
        source.to_str().unwrap(),
        "--check",
    ]))
    .unwrap();
}

#[test]
fn check_fails_on_a_stale_or_uncanonical_spec_and_writes_nothing() {
    let scratch = Scratch::new("check");
    let old = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/regen-old.json");
    let new = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/regen-new.json");
    let before = scratch.spec_snapshot();
    // Same document, but the checked-in file is as the server wrote it.
    let error = regen::run(&args(&[
        "--root",
        &scratch.root_arg(),
        "--file",
        old.to_str().unwrap(),
        "--check",
    ]))
    .unwrap_err();
    assert!(
        error.contains("not in canonical form") && !error.contains("differs"),
        "{error}"
    );
    let error = regen::run(&args(&[
        "--root",
        &scratch.root_arg(),
        "--file",
        new.to_str().unwrap(),
        "--check",
    ]))
    .unwrap_err();
    assert!(
        error.contains("not in canonical form") && error.contains("differs from the source"),
        "{error}"
    );
    assert_eq!(scratch.spec_snapshot(), before);
}

#[test]
fn options_take_the_environment_and_flags_override_it() {
    let env = |name: &str| match name {
        "VAULT_ADDR" => Some("http://env:8200".to_string()),
        "VAULT_TOKEN" => Some("env-token".to_string()),
        _ => None,
    };
    let options = regen::Options::parse(&[], env).unwrap();
    assert_eq!(
        options.source,
        regen::Source::Server {
            addr: "http://env:8200".into(),
            token: "env-token".into()
        }
    );
    let options =
        regen::Options::parse(&args(&["--addr", "http://flag:1", "--token", "t"]), env).unwrap();
    assert_eq!(
        options.source,
        regen::Source::Server {
            addr: "http://flag:1".into(),
            token: "t".into()
        }
    );
    assert!(options.codegen && !options.build && !options.check && !options.mount_all);
    let error = regen::Options::parse(&[], |_| None).unwrap_err();
    assert!(error.contains("VAULT_ADDR"), "{error}");
    assert!(regen::Options::parse(&args(&["--file", "x", "--mount-all"]), env).is_err());
    assert!(regen::Options::parse(&args(&["--frobnicate"]), env).is_err());
}

// ---------------------------------------------------------------- the live path, mocked

const SPEC_PATH: &str = "/v1/sys/internal/specs/openapi";

/// Serves `status` and `body` to exactly the request regen must send.
fn spec_mock<'a>(server: &'a MockServer, status: u16, body: &str) -> httpmock::Mock<'a> {
    server.mock(|when, then| {
        when.method(GET)
            .path(SPEC_PATH)
            .query_param("generic_mount_paths", "true")
            .query_param_count(".*", ".*", 1)
            .header("X-Vault-Token", "s.test-token")
            .header("X-Vault-Request", "true");
        then.status(status)
            .header("content-type", "application/json")
            .body(body);
    })
}

fn regen_live(scratch: &Scratch, server: &MockServer) -> Result<(), String> {
    regen::run(&args(&[
        "--root",
        &scratch.root_arg(),
        "--addr",
        &server.base_url(),
        "--token",
        "s.test-token",
        "--no-codegen",
    ]))
}

#[test]
fn live_fetch_sends_the_token_the_request_header_and_the_query() {
    let scratch = Scratch::new("live-ok");
    let server = MockServer::start();
    let mock = spec_mock(&server, 200, &fixture("regen-new.json"));
    regen_live(&scratch, &server).unwrap();
    mock.assert_calls(1);
    assert_eq!(
        scratch.spec(),
        regen::canon::canonical(&doc("regen-new.json"))
    );
    assert!(scratch
        .readme()
        .contains("- Source: a live server (with the mounts it had)"));
}

fn assert_live_error(name: &str, server: &MockServer, expected: &[&str]) {
    let scratch = Scratch::new(name);
    let before = scratch.spec_snapshot();
    let error = regen_live(&scratch, server).unwrap_err();
    for part in expected {
        assert!(error.contains(part), "{name}: {error}");
    }
    assert!(!error.contains('\n'), "{name}: one line: {error}");
    assert_eq!(scratch.spec_snapshot(), before, "{name}: spec/ untouched");
}

#[test]
fn live_connection_refused_is_one_clear_line() {
    let scratch = Scratch::new("refused");
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let before = scratch.spec_snapshot();
    let error = regen::run(&args(&[
        "--root",
        &scratch.root_arg(),
        "--addr",
        &format!("http://127.0.0.1:{port}"),
        "--token",
        "t",
    ]))
    .unwrap_err();
    assert!(
        error.contains("connection refused") && error.contains(&port.to_string()),
        "{error}"
    );
    assert!(!error.contains('\n'), "{error}");
    assert_eq!(scratch.spec_snapshot(), before);
}

#[test]
fn live_sealed_server_is_one_clear_line() {
    let server = MockServer::start();
    spec_mock(&server, 503, r#"{"errors":["Vault is sealed"]}"#);
    assert_live_error("sealed", &server, &["sealed", "503", "Vault is sealed"]);
}

#[test]
fn live_permission_denied_is_one_clear_line() {
    let server = MockServer::start();
    spec_mock(
        &server,
        403,
        r#"{"errors":["1 error occurred:\n\t* permission denied\n\n"]}"#,
    );
    assert_live_error(
        "forbidden",
        &server,
        &["permission denied (403", "VAULT_TOKEN"],
    );
}

#[test]
fn live_answer_that_is_not_openapi_is_one_clear_line() {
    let server = MockServer::start();
    spec_mock(
        &server,
        200,
        "<html>\n<body>Welcome to nginx</body>\n</html>\n",
    );
    assert_live_error(
        "html",
        &server,
        &["did not send an OpenAPI document", "not JSON"],
    );
    let server = MockServer::start();
    spec_mock(
        &server,
        200,
        r#"{"request_id": "x", "data": {"keys": ["a"]}}"#,
    );
    assert_live_error(
        "json",
        &server,
        &["not an OpenAPI 3.0 document", "no `openapi` field"],
    );
}

// ---------------------------------------------------------------- --mount-all, mocked

#[test]
fn mount_all_refuses_a_server_that_is_not_a_dev_server() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path("/v1/sys/seal-status");
        then.status(200)
            .json_body(json!({"sealed": false, "storage_type": "raft"}));
    });
    let post = server.mock(|when, then| {
        when.method(POST);
        then.status(204);
    });
    let error = regen::fetch::mount_all(&server.base_url(), "t").unwrap_err();
    assert!(
        error.contains("--mount-all refused") && error.contains("\"raft\""),
        "{error}"
    );
    post.assert_calls(0);
}

#[test]
fn mount_all_enables_each_catalog_plugin_at_its_default_path_and_names_failures() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path("/v1/sys/seal-status");
        then.status(200)
            .json_body(json!({"sealed": false, "storage_type": "inmem"}));
    });
    server.mock(|when, then| {
        when.method(GET)
            .path("/v1/sys/plugins/catalog")
            .header("X-Vault-Token", "t");
        then.status(200).json_body(json!({"data": {
        "auth": ["approle", "jwt", "oidc", "userpass"], "secret": ["kv", "pki", "rabbitmq"],
        "database": ["mysql-database-plugin"],
        "detailed": [
            {"builtin": true, "name": "approle", "type": "auth"},
            {"builtin": true, "name": "jwt", "type": "auth"},
            {"builtin": true, "name": "oidc", "type": "auth"},
            {"builtin": true, "name": "userpass", "type": "auth"},
            {"builtin": true, "name": "kv", "type": "secret"},
            {"builtin": true, "name": "pki", "type": "secret"},
            {"builtin": true, "name": "rabbitmq", "type": "secret"},
            {"builtin": false, "name": "custom", "type": "secret"},
            {"builtin": true, "name": "mysql-database-plugin", "type": "database"}
        ]}}));
    });
    server.mock(|when, then| {
        when.method(GET).path("/v1/sys/auth");
        then.status(200)
            .json_body(json!({"token/": {"type": "token"}, "userpass/": {"type": "userpass"}}));
    });
    server.mock(|when, then| {
        when.method(GET).path("/v1/sys/mounts");
        then.status(200)
            .json_body(json!({"data": {"secret/": {"type": "kv"}, "sys/": {"type": "system"}}}));
    });
    let approle = server.mock(|when, then| {
        when.method(POST)
            .path("/v1/sys/auth/approle")
            .json_body(json!({"type": "approle"}));
        then.status(204);
    });
    let jwt = server.mock(|when, then| {
        when.method(POST)
            .path("/v1/sys/auth/jwt")
            .json_body(json!({"type": "jwt"}));
        then.status(204);
    });
    let oidc = server.mock(|when, then| {
        when.method(POST).path("/v1/sys/auth/oidc");
        then.status(204);
    });
    let database = server.mock(|when, then| {
        when.method(POST)
            .path("/v1/sys/mounts/database")
            .json_body(json!({"type": "database"}));
        then.status(204);
    });
    let kv = server.mock(|when, then| {
        when.method(POST)
            .path("/v1/sys/mounts/kv")
            .json_body(json!({"type": "kv"}));
        then.status(204);
    });
    let pki = server.mock(|when, then| {
        when.method(POST)
            .path("/v1/sys/mounts/pki")
            .json_body(json!({"type": "pki"}));
        then.status(204);
    });
    server.mock(|when, then| {
        when.method(POST).path("/v1/sys/mounts/rabbitmq");
        then.status(400)
            .json_body(json!({"errors": ["plugin not found in the catalog: rabbitmq"]}));
    });
    let outcome = regen::fetch::mount_all(&server.base_url(), "t").unwrap();
    assert_eq!(
        outcome.enabled,
        ["auth/approle", "auth/jwt", "database", "kv", "pki"]
    );
    assert_eq!(outcome.already, ["auth/userpass"]);
    assert_eq!(outcome.skipped.len(), 1);
    assert_eq!(outcome.skipped[0].0, "auth/oidc");
    assert_eq!(
        outcome.failed,
        [(
            "rabbitmq".to_string(),
            "400: plugin not found in the catalog: rabbitmq".to_string()
        )]
    );
    approle.assert_calls(1);
    jwt.assert_calls(1);
    oidc.assert_calls(0);
    database.assert_calls(1);
    kv.assert_calls(1);
    pki.assert_calls(1);
    assert!(
        outcome
            .render()
            .contains("could not enable 1:\n  rabbitmq: 400"),
        "{}",
        outcome.render()
    );
}

#[test]
fn a_one_word_method_name_is_reported_as_a_possible_call() {
    let scratch = Scratch::new("one-word");
    std::fs::write(
        scratch.path().join("src/lib.rs"),
        "fn f() { let bytes = base64.decode(text); }\n",
    )
    .unwrap();
    let old = json!({"paths": {"/sys/decode-token": {"post": {"operationId": "decode"}}}});
    let report = diff::compare(&old, &json!({"paths": {}}));
    let calls = diff::handwritten_calls(scratch.path(), &report).unwrap();
    assert_eq!(calls.len(), 1);
    let text = report.render(&Default::default(), &calls);
    assert!(
        text.contains("src/lib.rs:1: .decode( (removed; maybe another type's method of that name)"),
        "{text}"
    );
}

// ---------------------------------------------------------------- two documents: --server

#[test]
fn server_flag_chooses_the_document_and_refuses_other_names() {
    let env = |_: &str| None;
    let file = |extra: &[&str]| {
        let mut list = vec!["--file", "x.json"];
        list.extend_from_slice(extra);
        regen::Options::parse(&args(&list), env)
    };
    let default = file(&[]).unwrap();
    assert_eq!(default.target, regen::Target::Vault);
    assert!(
        !default.target_given,
        "without --server: Vault's, as before"
    );
    let bao = file(&["--server", "openbao"]).unwrap();
    assert_eq!(bao.target, regen::Target::OpenBao);
    assert!(bao.target_given);
    assert_eq!(bao.target.spec_file(), "spec/openbao-openapi.json");
    let vault = file(&["--server", "vault"]).unwrap();
    assert_eq!(vault.target.spec_file(), "spec/openapi.json");
    let error = file(&["--server", "consul"]).unwrap_err();
    assert!(
        error.contains("`vault` or `openbao`, not `consul`"),
        "{error}"
    );
    assert!(file(&["--server"]).is_err(), "needs a value");
}

#[test]
fn regen_of_openbao_writes_its_own_document_and_section_and_leaves_vaults() {
    let scratch = Scratch::new("server-openbao");
    let new = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/regen-new.json");
    let old = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/regen-old.json");
    // Vault's section first, from Vault's (old) document.
    regen::run(&args(&[
        "--root",
        &scratch.root_arg(),
        "--server",
        "vault",
        "--file",
        old.to_str().unwrap(),
        "--no-codegen",
    ]))
    .unwrap();
    let vault_spec = scratch.spec();
    let vault_readme = scratch.readme();
    assert!(vault_readme.contains("- Server: HashiCorp Vault API 1.15.0"));

    let run = || {
        regen::run(&args(&[
            "--root",
            &scratch.root_arg(),
            "--server",
            "openbao",
            "--file",
            new.to_str().unwrap(),
            "--no-codegen",
        ]))
    };
    run().unwrap();
    let bao_path = scratch.path().join("spec/openbao-openapi.json");
    let bao_spec = std::fs::read_to_string(&bao_path).unwrap();
    assert_eq!(bao_spec, regen::canon::canonical(&doc("regen-new.json")));
    assert_eq!(scratch.spec(), vault_spec, "Vault's document is untouched");
    let readme = scratch.readme();
    let (begin, end) = regen::readme::markers(regen::Target::OpenBao);
    let section = &readme[readme.find(begin).unwrap()..readme.find(end).unwrap()];
    assert!(
        section.contains(
            "## Current `openbao-openapi.json` (written by `cargo xtask regen --server openbao`)"
        ),
        "{readme}"
    );
    assert!(section.contains("- Server: OpenBao API 2.7.2"), "{readme}");
    assert!(
        section.contains(&regen::readme::sha256_hex(bao_spec.as_bytes())),
        "{readme}"
    );
    assert!(
        readme.starts_with(&vault_readme),
        "Vault's section and the text before it are kept byte for byte:\n{readme}"
    );

    // A second run changes no byte; --check passes on it and fails on Vault's document.
    let before = scratch.spec_snapshot();
    run().unwrap();
    assert_eq!(scratch.spec_snapshot(), before);
    let check = |file: &Path| {
        regen::run(&args(&[
            "--root",
            &scratch.root_arg(),
            "--server",
            "openbao",
            "--file",
            file.to_str().unwrap(),
            "--check",
        ]))
    };
    check(&new).unwrap();
    // Vault's document given for OpenBao's slot: refused before anything is written.
    let error = check(&old).unwrap_err();
    assert!(
        error.contains("--server openbao but the document is Vault's"),
        "{error}"
    );
    assert_eq!(scratch.spec_snapshot(), before);
}

#[test]
fn server_flag_checks_the_documents_title_and_writes_nothing_on_a_mismatch() {
    let scratch = Scratch::new("server-mismatch");
    let new = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/regen-new.json");
    let before = scratch.spec_snapshot();
    let error = regen::run(&args(&[
        "--root",
        &scratch.root_arg(),
        "--server",
        "vault",
        "--file",
        new.to_str().unwrap(),
        "--no-codegen",
    ]))
    .unwrap_err();
    assert!(
        error.contains("--server vault but the document is OpenBao's")
            && error.contains("nothing written"),
        "{error}"
    );
    assert_eq!(scratch.spec_snapshot(), before);
}

#[test]
fn readme_sections_of_the_two_documents_are_replaced_independently() {
    let bao = regen::readme::Provenance::of(&doc("regen-new.json"), "", "{}\n", "x".into());
    let vault = regen::readme::Provenance::of(&doc("regen-old.json"), "", "{}\n", "y".into());
    let start = "# spec\n";
    let both = regen::readme::update_for(
        &regen::readme::update_for(start, &vault, regen::Target::Vault),
        &bao,
        regen::Target::OpenBao,
    );
    assert!(both.contains("- Server: HashiCorp Vault API 1.15.0"));
    assert!(both.contains("- Server: OpenBao API 2.7.2"));
    let mut newer = bao.clone();
    newer.version = "2.8.0".into();
    let updated = regen::readme::update_for(&both, &newer, regen::Target::OpenBao);
    assert!(
        updated.contains("- Server: OpenBao API 2.8.0") && !updated.contains("OpenBao API 2.7.2")
    );
    assert!(
        updated.contains("- Server: HashiCorp Vault API 1.15.0"),
        "Vault's kept"
    );
    assert_eq!(
        regen::readme::update_for(&updated, &newer, regen::Target::OpenBao),
        updated,
        "idempotent"
    );
}
