//! `hashivault::api::OPERATION_IDS` against the specs: nothing lost between the two documents
//! (Vault's and OpenBao's) and the generated API.

#[allow(dead_code)]
/// Operations the normalizer adds (see codegen/normalize.rs).
const ADDED: &[&str] = &["kv-v2-patch", "kv-v2-patch-metadata"];
#[allow(dead_code)]
/// Operations of the document the normalizer drops. None: the only path it removes,
/// `/{kv_v2_mount_path}/^.*$`, has no operations.
const EXCLUDED: &[&str] = &[];

/// The operations of a raw document: `(operationId, METHOD, path)`.
#[cfg(feature = "full")]
fn document_operations(file: &str) -> Vec<(String, String, String, serde_json::Value)> {
    let path = format!("{}/spec/{file}", env!("CARGO_MANIFEST_DIR"));
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if !["get", "put", "post", "delete", "patch", "head", "options"]
                .contains(&method.as_str())
            {
                continue;
            }
            if let Some(id) = op["operationId"].as_str() {
                out.push((
                    id.to_string(),
                    method.to_uppercase(),
                    path.clone(),
                    op.clone(),
                ));
            }
        }
    }
    out
}

/// An operation's method and path as `hashivault_codegen::union::match_key` compares them:
/// non-mount parameters by position, no trailing `/`, a LIST (a `GET` with the required `list`
/// query parameter, or a path ending `?list=true`) marked; OpenBao's dev-server mount names
/// (`secret`, `kv`) read as Vault's (`kv_v2`, `kv_v1`).
#[cfg(feature = "full")]
fn same_operation_key(method: &str, path: &str, list: bool) -> String {
    let path = path
        .replace("{secret_mount_path}", "{kv_v2_mount_path}")
        .replace("{kv_mount_path}", "{kv_v1_mount_path}");
    let (base, query) = path.split_once('?').unwrap_or((&path, ""));
    let list = list || query == "list=true";
    let mut out = String::new();
    for (i, piece) in base.split('{').enumerate() {
        if i == 0 {
            out.push_str(piece);
            continue;
        }
        let (name, rest) = piece.split_once('}').unwrap();
        if name.ends_with("_mount_path") {
            out.push_str(&format!("{{{name}}}"));
        } else {
            out.push_str("{}");
        }
        out.push_str(rest);
    }
    let out = out.trim_end_matches('/');
    format!("{method} {out}{}", if list { " LIST" } else { "" })
}

/// The `full` build generates the union of both documents of `spec/`: every operation of
/// Vault's (by its id) and every operation of OpenBao's (by its method and path), and nothing
/// else.
#[cfg(feature = "full")]
#[test]
fn full_build_generates_every_operation_of_both_documents() {
    use std::collections::{BTreeMap, BTreeSet};

    let generated: BTreeSet<String> = hashivault::api::OPERATION_IDS
        .iter()
        .map(|s| (*s).to_string())
        .collect();
    assert_eq!(
        generated.len(),
        hashivault::api::OPERATION_IDS.len(),
        "OPERATION_IDS has duplicates"
    );

    // Vault's, by id (its names are kept).
    let mut vault: BTreeSet<String> = document_operations("openapi.json")
        .into_iter()
        .map(|(id, ..)| id)
        .collect();
    for id in ADDED {
        vault.insert((*id).to_string());
    }
    for id in EXCLUDED {
        vault.remove(*id);
    }
    let missing: Vec<_> = vault.difference(&generated).collect();
    assert!(
        missing.is_empty(),
        "{} operations of Vault's document are not generated: {missing:?}",
        missing.len()
    );

    // OpenBao's, by method and path.
    let by_key: BTreeMap<String, &str> = hashivault::api::operations::ALL
        .iter()
        .map(|op| (same_operation_key(op.method, op.path, false), op.id))
        .collect();
    let mut openbao_only = BTreeSet::new();
    let mut unserved = Vec::new();
    for (id, method, path, op) in document_operations("openbao-openapi.json") {
        let list = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|p| p["name"] == "list" && p["in"] == "query" && p["required"] == true);
        match by_key.get(&same_operation_key(&method, &path, list)) {
            Some(generated_id) if !vault.contains(*generated_id) => {
                openbao_only.insert(generated_id.to_string());
            }
            Some(_) => {}
            None => unserved.push(format!("{id} ({method} {path})")),
        }
    }
    assert!(
        unserved.is_empty(),
        "{} operations of OpenBao's document have no generated operation: {unserved:?}",
        unserved.len()
    );
    assert!(
        openbao_only.len() > 50,
        "OpenBao-only operations: {openbao_only:?}"
    );
    let extra: Vec<_> = generated
        .iter()
        .filter(|id| !vault.contains(*id) && !openbao_only.contains(*id))
        .collect();
    assert!(
        extra.is_empty(),
        "{} generated operations are in neither document: {extra:?}",
        extra.len()
    );
}

#[cfg(all(
    feature = "kv",
    feature = "auth-userpass",
    feature = "auth-approle",
    feature = "auth-token",
    feature = "sys"
))]
#[test]
fn default_features_generate_the_everyday_operations() {
    for id in [
        "kv-v2-read",
        "userpass-login",
        "app-role-login",
        "token-create",
        "read-health-status",
    ] {
        assert!(
            hashivault::api::OPERATION_IDS.contains(&id),
            "{id} is not generated"
        );
    }
    assert!(hashivault::api::OPERATION_IDS
        .windows(2)
        .all(|w| w[0] < w[1]));
}
