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
    for (key, label, prefix) in [
        (
            "entity",
            "entity-read-by-id",
            "/v1/identity/entity/id/".to_string(),
        ),
        (
            "group",
            "group-read-by-id",
            "/v1/identity/group/id/".to_string(),
        ),
        (
            "alias",
            "entity-read-alias-by-id",
            "/v1/identity/entity-alias/id/".to_string(),
        ),
        ("serial", "pki-read-cert", format!("/v1/{PKI}/cert/")),
        (
            "group_alias",
            "group-read-alias-by-id",
            "/v1/identity/group-alias/id/".to_string(),
        ),
        (
            "mfa_totp",
            "mfa-read-totp-method",
            "/v1/identity/mfa/method/totp/".to_string(),
        ),
        (
            "mfa_duo",
            "mfa-read-duo-method",
            "/v1/identity/mfa/method/duo/".to_string(),
        ),
        (
            "mfa_okta",
            "mfa-read-okta-method",
            "/v1/identity/mfa/method/okta/".to_string(),
        ),
        (
            "mfa_pingid",
            "mfa-read-ping-id-method",
            "/v1/identity/mfa/method/pingid/".to_string(),
        ),
    ] {
        ids.insert(key, from(label, &prefix));
    }
    // The recording replaced the root token with this one.
    ids.insert("token", "hvs.conformance-root".to_string());
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
    let mut tour = Tour::new(Mode::Replay(server));
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
