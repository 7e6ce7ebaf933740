//! `hashivault::api::OPERATION_IDS` against the spec: nothing lost between the document and the
//! generated API.

#[allow(dead_code)]
/// Operations the normalizer adds (see codegen/normalize.rs).
const ADDED: &[&str] = &["kv-v2-patch", "kv-v2-patch-metadata"];
#[allow(dead_code)]
/// Operations of the document the normalizer drops. None: the only path it removes,
/// `/{kv_v2_mount_path}/^.*$`, has no operations.
const EXCLUDED: &[&str] = &[];

#[cfg(feature = "full")]
#[test]
fn full_build_generates_every_operation_of_the_spec() {
    use std::collections::BTreeSet;

    let path = format!("{}/spec/openapi.json", env!("CARGO_MANIFEST_DIR"));
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut expected = BTreeSet::new();
    for item in doc["paths"].as_object().unwrap().values() {
        for (method, op) in item.as_object().unwrap() {
            if !["get", "put", "post", "delete", "patch", "head", "options"]
                .contains(&method.as_str())
            {
                continue;
            }
            if let Some(id) = op["operationId"].as_str() {
                expected.insert(id.to_string());
            }
        }
    }
    for id in ADDED {
        expected.insert((*id).to_string());
    }
    for id in EXCLUDED {
        expected.remove(*id);
    }
    let generated: BTreeSet<String> = hashivault::api::OPERATION_IDS
        .iter()
        .map(|s| (*s).to_string())
        .collect();
    assert_eq!(
        generated.len(),
        hashivault::api::OPERATION_IDS.len(),
        "OPERATION_IDS has duplicates"
    );
    let missing: Vec<_> = expected.difference(&generated).collect();
    let extra: Vec<_> = generated.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{} operations of the spec are not generated: {missing:?}\n{} generated operations are not in the spec: {extra:?}",
        missing.len(),
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
