//! The conformance tour's recorded answers (`tests/fixtures/conformance/`, recorded from a real
//! OpenBao by `tests/live_conformance.rs`; provenance in each file) replayed through the generated
//! methods against httpmock: every payload decodes, and no field of a real answer is left
//! unnamed by its generated type (strict mode), with or without a server.
#![cfg(all(
    feature = "kv",
    feature = "cubbyhole",
    feature = "auth-token",
    feature = "auth-approle",
    feature = "auth-userpass",
    feature = "identity",
    feature = "transit",
    feature = "pki",
    feature = "ssh",
    feature = "totp",
    feature = "database",
    feature = "sys"
))]

mod conformance;

use std::collections::BTreeMap;

use conformance::*;
use serde_json::Value;

/// The ids the recorded answers were read with (entity, group, alias, certificate serial).
fn recorded_ids() -> BTreeMap<&'static str, String> {
    let from = |label: &str, prefix: &str| {
        let text = std::fs::read_to_string(fixture_dir().join(format!("{label}.json"))).unwrap();
        let fixture: Value = serde_json::from_str(&text).unwrap();
        let request = fixture["provenance"]["request"]
            .as_str()
            .unwrap()
            .to_string();
        request
            .strip_prefix(&format!("GET {prefix}"))
            .unwrap()
            .to_string()
    };
    let mut ids = BTreeMap::new();
    ids.insert(
        "entity",
        from("entity-read-by-id", "/v1/identity/entity/id/"),
    );
    ids.insert("group", from("group-read-by-id", "/v1/identity/group/id/"));
    ids.insert(
        "alias",
        from("entity-read-alias-by-id", "/v1/identity/entity-alias/id/"),
    );
    ids.insert("serial", from("pki-read-cert", &format!("/v1/{PKI}/cert/")));
    ids
}

#[tokio::test]
async fn recorded_answers_decode_with_every_field_named() {
    let server = httpmock::MockServer::start_async().await;
    let client = hashivault::Client::builder()
        .address(server.base_url())
        .token("hvs.conformance-root")
        .max_retries(0)
        .build()
        .unwrap();
    let ids = recorded_ids();
    let mut tour = Tour {
        mode: Mode::Replay(server),
        outcomes: Vec::new(),
    };
    read_all(&client, &mut tour, &ids).await;
    let (figures, failures) = tour.summary();
    println!("{figures}");
    let recorded = std::fs::read_dir(fixture_dir()).unwrap().count();
    assert_eq!(
        tour.outcomes.len(),
        recorded,
        "every recorded answer is replayed"
    );
    assert!(tour.outcomes.len() >= 70);
    assert!(
        failures.is_empty(),
        "{} operation(s) lose data:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
