//! `hashivault_codegen::union`: one API from Vault's and OpenBao's documents. Small documents
//! pin each rule; the checked-in `spec/` documents (Vault 1.15.0, OpenBao 2.7.2) check the whole
//! merge.

use std::collections::BTreeSet;

use hashivault_codegen::normalize::{normalize, Report};
use hashivault_codegen::union::{
    match_key, merge, openbao_mount_parameter_names, openbao_only_name, served_by_line, Server,
};
use hashivault_codegen::{generate_union, prepare_union, Selection};
use serde_json::{json, Value};

fn vault_doc() -> Value {
    json!({
        "openapi": "3.0.2",
        "info": {"title": "HashiCorp Vault API", "version": "1.15.0"},
        "paths": {
            "/auth/{jwt_mount_path}/role/{name}": {
                "parameters": [
                    {"name": "jwt_mount_path", "in": "path", "required": true, "schema": {"type": "string"}},
                    {"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}
                ],
                "post": {
                    "operationId": "jwt-write-role",
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/JwtWriteRoleRequest"}}}},
                    "responses": {"200": {"description": "OK"}}
                }
            },
            "/sys/raw/{path}": {
                "parameters": [{"name": "path", "in": "path", "required": true, "schema": {"type": "string"}}],
                "get": {"operationId": "raw-read", "responses": {"200": {"description": "OK"}}}
            },
            "/sys/policies/acl/": {
                "get": {
                    "operationId": "policies-list-acl-policies",
                    "parameters": [{"name": "list", "in": "query", "required": true, "schema": {"type": "string", "enum": ["true"]}}],
                    "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PoliciesListAclPoliciesResponse"}}}}}
                }
            }
        },
        "components": {"schemas": {
            "JwtWriteRoleRequest": {"type": "object", "properties": {"role_type": {"type": "string"}}},
            "PoliciesListAclPoliciesResponse": {"type": "object", "properties": {"keys": {"type": "array", "items": {"type": "string"}}}}
        }}
    })
}

fn openbao_doc() -> Value {
    json!({
        "openapi": "3.0.2",
        "info": {"title": "OpenBao API", "version": "2.7.2"},
        "paths": {
            // The same operation: another parameter name, OpenBao's extra field.
            "/auth/{jwt_mount_path}/role/{role}": {
                "parameters": [
                    {"name": "jwt_mount_path", "in": "path", "required": true, "schema": {"type": "string"}},
                    {"name": "role", "in": "path", "required": true, "schema": {"type": "string"}}
                ],
                "post": {
                    "operationId": "jwt-write-role",
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/JwtWriteRoleRequest"}}}},
                    "responses": {"200": {"description": "OK"}}
                }
            },
            // OpenBao only, and its id is Vault's `jwt-write-role`.
            "/auth/{jwt_mount_path}/cel/role/{name}": {
                "parameters": [
                    {"name": "jwt_mount_path", "in": "path", "required": true, "schema": {"type": "string"}},
                    {"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}
                ],
                "post": {
                    "operationId": "jwt-write-role",
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/JwtWriteRoleRequest"}}}},
                    "responses": {"200": {"description": "OK"}}
                }
            },
            // OpenBao only: Vault's `raw-read` is `GET /sys/raw/{path}`.
            "/sys/raw": {
                "get": {"operationId": "raw-read", "responses": {"200": {"description": "OK"}}}
            },
            // The same LIST, without the trailing `/`, with a paginating parameter Vault's lacks.
            "/sys/policies/acl": {
                "get": {
                    "operationId": "policies-list-acl-policies",
                    "parameters": [
                        {"name": "list", "in": "query", "required": true, "schema": {"type": "string", "enum": ["true"]}},
                        {"name": "limit", "in": "query", "required": true, "schema": {"type": "integer"}}
                    ],
                    "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PoliciesListAclPoliciesResponse"}}}}}
                }
            },
            // OpenBao's KV v2 mount parameter is the dev server's mount name.
            "/{secret_mount_path}/detailed-metadata/{path}": {
                "parameters": [
                    {"name": "secret_mount_path", "in": "path", "required": true, "schema": {"type": "string"}},
                    {"name": "path", "in": "path", "required": true, "schema": {"type": "string"}}
                ],
                "get": {"operationId": "kv-scan-detailed-metadata-path", "responses": {"200": {"description": "OK"}}}
            }
        },
        "components": {"schemas": {
            "JwtWriteRoleRequest": {"type": "object", "properties": {
                "role_type": {"type": "string"},
                "cel_program": {"$ref": "#/components/schemas/CelProgram"}
            }},
            "CelProgram": {"type": "object", "properties": {"expression": {"type": "string"}}},
            "PoliciesListAclPoliciesResponse": {"type": "object", "properties": {
                "keys": {"type": "array", "items": {"type": "string"}},
                "key_info": {"type": "object"}
            }}
        }}
    })
}

/// Both documents normalized as `prepare_union` does, then merged.
fn merged() -> (Value, hashivault_codegen::union::Merged, Report) {
    let mut vault = vault_doc();
    let mut report = normalize(&mut vault);
    let mut bao = openbao_doc();
    openbao_mount_parameter_names(&mut bao, &mut report);
    normalize(&mut bao);
    let merged = merge(&mut vault, &bao, &mut report);
    (vault, merged, report)
}

fn op<'a>(doc: &'a Value, path: &str, method: &str) -> &'a Value {
    let op = &doc["paths"][path][method];
    assert!(op.is_object(), "no {method} {path} in {:#}", doc["paths"]);
    op
}

#[test]
fn same_operation_is_method_and_path_with_renamed_parameters_and_no_trailing_slash() {
    assert_eq!(
        match_key("post", "/auth/{jwt_mount_path}/role/{name}"),
        match_key("post", "/auth/{jwt_mount_path}/role/{role}")
    );
    assert_eq!(
        match_key("get", "/sys/policies/acl/?list=true"),
        match_key("get", "/sys/policies/acl?list=true")
    );
    // Mount parameters name the plugin: another plugin's `config` is another operation.
    assert_ne!(
        match_key("get", "/{terraform_mount_path}/config"),
        match_key("get", "/{kubernetes_mount_path}/config")
    );
    // A LIST is not the read at the same path; another method is another operation.
    assert_ne!(
        match_key("get", "/sys/policies/acl?list=true"),
        match_key("get", "/sys/policies/acl")
    );
    assert_ne!(
        match_key("get", "/sys/raw/{path}"),
        match_key("post", "/sys/raw/{path}")
    );
}

#[test]
fn openbao_only_name_rule_suffixes_the_extra_segments_else_openbao() {
    let none = |_: &str| false;
    assert_eq!(
        openbao_only_name(
            "jwt-write-role",
            "/auth/{jwt_mount_path}/cel/role/{name}",
            "/auth/{jwt_mount_path}/role/{name}",
            &none
        ),
        "jwt-write-role-cel"
    );
    assert_eq!(
        openbao_only_name("raw-read", "/sys/raw", "/sys/raw/{path}", &none),
        "raw-read-openbao"
    );
    let taken = |n: &str| n == "raw-read-openbao";
    assert_eq!(
        openbao_only_name("raw-read", "/sys/raw", "/sys/raw/{path}", &taken),
        "raw-read-openbao2"
    );
}

#[test]
fn served_by_lines_name_the_servers_and_versions() {
    let vault = Server::of(&vault_doc());
    let bao = Server::of(&openbao_doc());
    assert_eq!(
        vault,
        Server {
            name: "Vault".into(),
            version: "1.15.0".into()
        }
    );
    assert_eq!(served_by_line(&[&bao]), "Served by OpenBao 2.7.2 only.");
    assert_eq!(served_by_line(&[&vault]), "Served by Vault 1.15.0 only.");
    assert_eq!(
        served_by_line(&[&vault, &bao]),
        "Served by Vault 1.15.0 and OpenBao 2.7.2."
    );
}

#[test]
fn an_operation_both_serve_is_generated_once_with_vaults_name_and_both_fields() {
    let (doc, merged, report) = merged();
    assert_eq!(
        merged.both,
        ["jwt-write-role", "policies-list-acl-policies"],
        "{merged:?}"
    );
    // No second path item for OpenBao's spelling of the same operations.
    assert!(doc["paths"]
        .get("/auth/{jwt_mount_path}/role/{role}")
        .is_none());
    assert!(doc["paths"].get("/sys/policies/acl?list=true").is_none());
    // Request fields: Vault's and OpenBao's, OpenBao's schema copied with it.
    let props = &doc["components"]["schemas"]["JwtWriteRoleRequest"]["properties"];
    assert_eq!(props["role_type"]["type"], "string");
    assert_eq!(
        props["cel_program"]["$ref"],
        "#/components/schemas/CelProgram"
    );
    assert!(doc["components"]["schemas"]["CelProgram"]["properties"]["expression"].is_object());
    // Response fields (through the envelope) and query parameters: OpenBao's, optional.
    assert!(
        doc["components"]["schemas"]["PoliciesListAclPoliciesResponse"]["properties"]["key_info"]
            .is_object()
    );
    let list = op(&doc, "/sys/policies/acl/?list=true", "get");
    let limit = list["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .expect("OpenBao's `limit`");
    assert_eq!(limit["required"], false, "a Vault server does not know it");
    assert!(list["description"]
        .as_str()
        .unwrap()
        .ends_with("Served by Vault 1.15.0 and OpenBao 2.7.2."));
    assert!(report.count("union_fields") >= 2, "{}", report.summary());
    assert_eq!(report.count("union_parameters"), 1);
}

#[test]
fn an_operation_one_serves_is_generated_with_its_server_in_the_docs_and_clashes_renamed() {
    let (doc, merged, report) = merged();
    assert_eq!(
        merged.openbao_only,
        [
            "jwt-write-role-cel",
            "kv-scan-detailed-metadata-path",
            "raw-read-openbao"
        ]
    );
    assert_eq!(merged.vault_only, ["raw-read"]);
    let cel = op(&doc, "/auth/{jwt_mount_path}/cel/role/{name}", "post");
    assert_eq!(cel["operationId"], "jwt-write-role-cel");
    assert!(cel["description"]
        .as_str()
        .unwrap()
        .ends_with("Served by OpenBao 2.7.2 only."));
    assert_eq!(
        op(&doc, "/sys/raw", "get")["operationId"],
        "raw-read-openbao"
    );
    let vault_raw = op(&doc, "/sys/raw/{path}", "get");
    assert_eq!(vault_raw["operationId"], "raw-read", "Vault keeps its name");
    assert!(vault_raw["description"]
        .as_str()
        .unwrap()
        .ends_with("Served by Vault 1.15.0 only."));
    // OpenBao's KV mount parameter under Vault's name: the `kv` group.
    let detailed = op(&doc, "/{kv_v2_mount_path}/detailed-metadata/{path}", "get");
    assert_eq!(detailed["operationId"], "kv-scan-detailed-metadata-path");
    assert_eq!(
        hashivault_codegen::groups::group_of("/{kv_v2_mount_path}/detailed-metadata/{path}"),
        "kv"
    );
    // `jwt-write-role-cel` is named by `normalize::unique_operation_ids` inside OpenBao's
    // document (the same rule); `raw-read-openbao` by `openbao_only_name`.
    assert_eq!(report.count("openbao_only_name"), 1, "{}", report.summary());
    assert_eq!(report.count("openbao_mount_parameter_names"), 1);
}

#[test]
fn an_openbao_schema_whose_name_vault_uses_differently_is_renamed() {
    let mut vault = vault_doc();
    vault["components"]["schemas"]["CelProgram"] = json!({"type": "string"});
    let mut report = normalize(&mut vault);
    let mut bao = openbao_doc();
    normalize(&mut bao);
    merge(&mut vault, &bao, &mut report);
    let schemas = &vault["components"]["schemas"];
    assert_eq!(
        schemas["CelProgram"],
        json!({"type": "string"}),
        "Vault's kept"
    );
    assert_eq!(
        schemas["JwtWriteRoleRequest"]["properties"]["cel_program"]["$ref"],
        "#/components/schemas/OpenbaoCelProgram"
    );
    assert!(schemas["OpenbaoCelProgram"]["properties"]["expression"].is_object());
}

#[test]
fn the_union_generates_one_method_per_operation() {
    let vault = vault_doc().to_string();
    let bao = openbao_doc().to_string();
    let generated = generate_union(&vault, Some(&bao), &[], &Selection::All).unwrap();
    let ids: Vec<&str> = generated.operations.iter().map(String::as_str).collect();
    assert_eq!(
        ids,
        [
            "jwt-write-role",
            "jwt-write-role-cel",
            "kv-scan-detailed-metadata-path",
            "policies-list-acl-policies",
            "raw-read",
            "raw-read-openbao"
        ]
    );
    for name in [
        "pub fn jwt_write_role_cel(",
        "pub fn kv_scan_detailed_metadata_path(",
        "pub fn raw_read_openbao(",
    ] {
        assert!(generated.code.contains(name), "{name}");
    }
    assert!(generated.code.contains("Served by OpenBao 2.7.2 only."));
    // With no OpenBao document, Vault's alone, as before.
    let alone = generate_union(&vault, None, &[], &Selection::All).unwrap();
    assert_eq!(alone.operations.len(), 3);
    assert!(!alone.code.contains("Served by"));
}

/// The checked-in documents: Vault 1.15.0 and OpenBao 2.7.2.
#[test]
fn the_checked_in_documents_merge_into_one_api() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let read = |file: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(root.join("spec").join(file)).unwrap())
            .unwrap()
    };
    let mut vault = read("openapi.json");
    let bao = read("openbao-openapi.json");
    let mut report = normalize(&mut vault);
    let vault_ids: BTreeSet<String> = hashivault_codegen::operations::operation_rows(&vault)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    let mut bao_normalized = bao.clone();
    openbao_mount_parameter_names(&mut bao_normalized, &mut report);
    normalize(&mut bao_normalized);
    let bao_count = hashivault_codegen::operations::operation_rows(&bao_normalized)
        .unwrap()
        .len();
    let merged = merge(&mut vault, &bao_normalized, &mut report);
    let rows = hashivault_codegen::operations::operation_rows(&vault).unwrap();
    let ids: BTreeSet<String> = rows.iter().map(|r| r.id.clone()).collect();
    assert!(
        vault_ids.is_subset(&ids),
        "every Vault operation, by its name"
    );
    assert_eq!(
        merged.both.len() + merged.openbao_only.len(),
        bao_count,
        "every OpenBao operation is shared or its own"
    );
    assert_eq!(ids.len(), vault_ids.len() + merged.openbao_only.len());
    println!(
        "both {}, Vault only {}, OpenBao only {}, renamed {}",
        merged.both.len(),
        merged.vault_only.len(),
        merged.openbao_only.len(),
        merged.renamed.len()
    );
    println!("OpenBao only: {:?}", merged.openbao_only);
    println!("named apart from OpenBao's id: {:?}", merged.renamed);
    for id in [
        "kv-scan-detailed-metadata-path",
        "rotate-attempt-read-progress",
        "generate-root-token",
        "namespaces-seal",
        "transit-soft-delete-key",
        "pki-list-certs-detailed",
        "jwt-write-role-cel",
        "external-keys-read-configs",
    ] {
        assert!(
            merged.openbao_only.iter().any(|o| o == id),
            "{id} is OpenBao-only: {:?}",
            merged.openbao_only
        );
    }
    // OpenBao's KV operations are Vault's (its names), the LISTs without their `/` too.
    for id in [
        "kv-v2-read",
        "kv-v2-patch",
        "kv-v1-read",
        "policies-list-acl-policies",
    ] {
        assert!(merged.both.iter().any(|b| b == id), "{id} is shared");
    }
    // The whole pipeline accepts the union.
    let (spec, _, rows) =
        prepare_union(read("openapi.json"), Some(bao), &[], &Selection::All).unwrap();
    assert_eq!(rows.len(), ids.len());
    assert_eq!(spec.operations().count(), ids.len());
}

/// OpenBao's reads that list when asked (an optional `list`, and `scan`) stay reads; its
/// LIST-or-SCAN endpoints (both required) are the LIST, without the `scan` that makes OpenBao
/// answer 400 (`?list=true&scan=true`, OpenBao 2.7.2 dev server, 2026-12-06).
#[test]
fn openbao_read_or_list_and_list_or_scan_quirks_are_normalized() {
    let list = json!({"name": "list", "in": "query", "required": true, "schema": {"type": "string", "enum": ["true"]}});
    let scan = json!({"name": "scan", "in": "query", "required": true, "schema": {"type": "string", "enum": ["true"]}});
    let optional = |name: &str| json!({"name": name, "in": "query", "schema": {"type": "string"}});
    let mut doc = json!({
        "openapi": "3.0.2",
        "info": {"title": "OpenBao API", "version": "2.7.2"},
        "paths": {
            "/{kv_mount_path}/{path}": {
                "parameters": [
                    {"name": "kv_mount_path", "in": "path", "required": true, "schema": {"type": "string"}},
                    {"name": "path", "in": "path", "required": true, "schema": {"type": "string"}}
                ],
                "get": {"operationId": "kv-read-path", "parameters": [optional("list"), optional("scan")],
                        "responses": {"200": {"description": "OK"}}}
            },
            "/{secret_mount_path}/detailed-metadata/{path}": {
                "parameters": [
                    {"name": "secret_mount_path", "in": "path", "required": true, "schema": {"type": "string"}},
                    {"name": "path", "in": "path", "required": true, "schema": {"type": "string"}}
                ],
                "get": {"operationId": "kv-scan-detailed-metadata-path", "parameters": [list.clone(), scan],
                        "responses": {"200": {"description": "OK"}}}
            },
            "/sys/policies/detailed/acl": {
                "parameters": [{"name": "list", "in": "query", "schema": {"type": "boolean"}}],
                "get": {"operationId": "system-list-policies-detailed-acl", "parameters": [list],
                        "responses": {"200": {"description": "OK"}}}
            }
        }
    });
    let mut report = Report::default();
    openbao_mount_parameter_names(&mut doc, &mut report);
    report.steps.extend(normalize(&mut doc).steps);
    let paths = doc["paths"].as_object().unwrap();
    let keys: Vec<&str> = paths.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "/sys/policies/detailed/acl?list=true",
            "/{kv_v1_mount_path}/{path}",
            "/{kv_v2_mount_path}/detailed-metadata/{path}?list=true"
        ]
    );
    let read = &paths["/{kv_v1_mount_path}/{path}"]["get"];
    assert_eq!(read["operationId"], "kv-read-path", "still the read");
    assert!(read
        .get("parameters")
        .is_none_or(|p| p.as_array().unwrap().is_empty()));
    let detailed = &paths["/{kv_v2_mount_path}/detailed-metadata/{path}?list=true"]["get"];
    assert!(
        detailed
            .get("parameters")
            .is_none_or(|p| p.as_array().unwrap().is_empty()),
        "no scan: {detailed}"
    );
    let item = &paths["/sys/policies/detailed/acl?list=true"];
    assert!(
        item.get("parameters")
            .is_none_or(|p| p.as_array().unwrap().is_empty()),
        "the path-level list is gone: {item}"
    );
    assert_eq!(report.count("read_or_list_is_the_read"), 1);
    assert_eq!(report.count("list_or_scan_is_the_list"), 2);
    assert_eq!(report.count("openbao_mount_parameter_names"), 2);
}
