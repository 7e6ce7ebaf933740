//! Answers decode as leniently as Vault and its plugins write them (`hashivault::lenient`,
//! "Answers"): the recorded OpenBao answers decode unchanged, the weak spellings of a field
//! (numeric strings, `"true"`, `"1h"`, `""` for a list or object, `warnings: ""`) decode to the
//! field's type, a wrong shape in an optional field is `None` and kept in `extra`, a wrong shape
//! in a field the caller cannot do without is an error that names the field's path and never
//! its value. Through the generated decode (httpmock) and through `serde_json::from_value`.
#![cfg(all(feature = "kv", feature = "auth-token", feature = "auth-approle"))]

mod common;

use common::wire::*;
use hashivault::api::types;
use hashivault::{Envelope, ExposeSecret, VaultDuration};
use httpmock::prelude::*;
use serde_json::{json, Value};

/// A recorded OpenBao 2.7.2 answer of the conformance tour (`tests/fixtures/conformance/`, with
/// its provenance: server, version, date, request).
fn conformance(label: &str) -> Value {
    let fixture = recorded(&format!("conformance/{label}.json"));
    assert_eq!(fixture["provenance"]["server"], "OpenBao", "{label}");
    fixture["answer"].clone()
}

/// The recorded answers decode as before: every field typed, nothing moved to `extra`.
#[test]
fn recorded_answers_decode_unchanged() {
    let raw = conformance("token-look-up-self");
    let env: Envelope<types::TokenLookUpSelfResponse> =
        serde_json::from_value(raw.clone()).unwrap();
    assert_eq!(env.request_id, raw["request_id"].as_str().unwrap());
    assert!(env.warnings.is_empty() && env.other.is_empty());
    let token = env.data.unwrap();
    assert_eq!(token.policies, ["root"]);
    assert_eq!(token.type_, "service");
    assert_eq!(
        token.creation_time,
        raw["data"]["creation_time"].as_i64().unwrap()
    );
    assert!(token.orphan);
    assert_eq!(token.ttl, 0);
    assert!(token.extra.keys().all(|k| !matches!(
        k.as_str(),
        "policies" | "type" | "ttl" | "orphan" | "accessor"
    )));

    let env: Envelope<types::AppRoleReadRoleResponse> =
        serde_json::from_value(conformance("app-role-read-role")).unwrap();
    let role = env.data.unwrap();
    let raw = conformance("app-role-read-role")["data"].clone();
    assert_eq!(
        role.token_ttl.unwrap().as_secs(),
        raw["token_ttl"].as_u64(),
        "{raw}"
    );
    assert!(role.extra.is_empty(), "{:?}", role.extra);

    let env: Envelope<types::KvV2ReadMetadataResponse> =
        serde_json::from_value(conformance("kv-v2-read-metadata")).unwrap();
    let meta = env.data.unwrap();
    assert!(meta.current_version >= 1);
    assert!(meta.extra.is_empty(), "{:?}", meta.extra);
    for version in meta.versions.values() {
        assert!(version.extra.is_empty(), "{:?}", version.extra);
    }

    let env: Envelope<types::KvV2ReadResponse> =
        serde_json::from_value(conformance("kv-v2-read")).unwrap();
    let read = env.data.unwrap();
    let metadata = read.metadata.unwrap();
    assert_eq!(metadata.version, 1);
    assert_eq!(metadata.deletion_time, None);
    assert!(metadata.extra.is_empty());
}

/// Vault's weak spellings, through the generated operation: an AppRole role read whose integers,
/// booleans and TTLs are strings and whose empty lists are `""`, in an envelope whose own fields
/// are strings too.
#[tokio::test]
async fn weak_spellings_decode_through_the_generated_operation() {
    let mut reply = fixture("approle-read-role.json");
    reply["renewable"] = json!("false");
    reply["lease_duration"] = json!("1h");
    reply["warnings"] = json!("");
    let data = &mut reply["data"];
    data["token_num_uses"] = json!("5");
    data["secret_id_num_uses"] = json!(" 7 ");
    data["bind_secret_id"] = json!("true");
    data["local_secret_ids"] = json!("0");
    data["token_ttl"] = json!("30m");
    data["token_max_ttl"] = json!("7200");
    data["token_policies"] = json!("ci, deploy");
    data["token_bound_cidrs"] = json!("");
    data["secret_id_bound_cidrs"] = json!(null);
    data["token_type"] = json!(12);
    let env = approle_read_role(reply).await.unwrap().into_inner();
    assert!(!env.renewable);
    assert_eq!(env.lease_duration, 3600);
    assert!(env.warnings.is_empty());
    assert!(env.other.is_empty(), "{:?}", env.other);
    let role = env.data.unwrap();
    assert_eq!(role.token_num_uses, Some(5));
    assert_eq!(role.secret_id_num_uses, Some(7));
    assert_eq!(role.bind_secret_id, Some(true));
    assert_eq!(role.local_secret_ids, Some(false));
    assert_eq!(role.token_ttl, Some(VaultDuration::Text(s("30m"))));
    assert_eq!(role.token_max_ttl.unwrap().as_secs(), Some(7200));
    assert_eq!(role.token_policies, Some(vec![s("ci"), s("deploy")]));
    assert_eq!(role.token_bound_cidrs, Some(vec![]));
    assert_eq!(role.secret_id_bound_cidrs, None);
    assert_eq!(role.token_type.as_deref(), Some("12"));
    assert!(role.extra.is_empty(), "{:?}", role.extra);
}

/// The token lookup's plain fields (`ALWAYS_PRESENT`) take the spellings too: integer TTLs as
/// numeric or duration strings, booleans as strings, `""` for the policies; the generated type
/// decoded on its own with `serde_json::from_value`.
#[test]
fn weak_spellings_decode_with_from_value() {
    let mut data = conformance("token-look-up-self")["data"].clone();
    data["ttl"] = json!("1h");
    data["creation_ttl"] = json!("86400");
    data["explicit_max_ttl"] = json!(0.0);
    data["num_uses"] = json!("3");
    data["orphan"] = json!("false");
    data["renewable"] = json!("t");
    data["creation_time"] = json!("1796293179");
    data["policies"] = json!("");
    let token: types::TokenLookUpSelfResponse = serde_json::from_value(data).unwrap();
    assert_eq!(token.ttl, 3600);
    assert_eq!(token.creation_ttl, 86400);
    assert_eq!(token.explicit_max_ttl, 0);
    assert_eq!(token.num_uses, 3);
    assert!(!token.orphan);
    assert!(token.renewable);
    assert_eq!(token.creation_time, 1796293179);
    assert!(token.policies.is_empty());
}

/// An optional field of a shape its type does not take is `None`, and its value is kept in the
/// struct's `extra` under its own name (re-serializing gives it back); the rest of the answer
/// decodes. At any depth: the KV metadata's versions are answer types too.
#[test]
fn wrong_shapes_in_optional_fields_are_kept_in_extra() {
    let mut reply = fixture("approle-read-role.json");
    reply["data"]["token_num_uses"] = json!({"unexpected": [1, 2]});
    reply["data"]["bind_secret_id"] = json!("maybe");
    reply["data"]["token_policies"] = json!(42);
    reply["data"]["token_ttl"] = json!([3600]);
    reply["data"]["token_bound_cidrs"] = json!(["10.0.0.0/8", {"cidr": "x"}]);
    let env: Envelope<types::AppRoleReadRoleResponse> =
        serde_json::from_value(reply.clone()).unwrap();
    let role = env.data.unwrap();
    assert_eq!(role.token_num_uses, None);
    assert_eq!(role.bind_secret_id, None);
    assert_eq!(role.token_policies, None);
    assert_eq!(role.token_ttl, None);
    assert_eq!(role.token_bound_cidrs, None);
    for key in [
        "token_num_uses",
        "bind_secret_id",
        "token_policies",
        "token_ttl",
        "token_bound_cidrs",
    ] {
        assert_eq!(role.extra[key], reply["data"][key], "{key}");
    }
    assert_eq!(role.token_max_ttl.as_ref().unwrap().as_secs(), Some(7200));
    let forwarded = serde_json::to_value(&role).unwrap();
    assert_eq!(forwarded["token_num_uses"], json!({"unexpected": [1, 2]}));
    assert_eq!(
        forwarded["token_bound_cidrs"],
        json!(["10.0.0.0/8", {"cidr": "x"}])
    );

    // Nested: a version's `deletion_time` is optional, `destroyed` always present.
    let mut reply = conformance("kv-v2-read-metadata");
    let first = reply["data"]["versions"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    reply["data"]["versions"][&first]["deletion_time"] = json!({"at": 1});
    reply["data"]["cas_required"] = json!("true");
    let env: Envelope<types::KvV2ReadMetadataResponse> = serde_json::from_value(reply).unwrap();
    let meta = env.data.unwrap();
    assert!(meta.cas_required);
    assert_eq!(meta.versions[&first].deletion_time, None);
    assert_eq!(
        meta.versions[&first].extra["deletion_time"],
        json!({"at": 1})
    );
    assert!(meta.extra.is_empty());
}

/// `""` where an object or list is expected is none: a nested answer, a map, the envelope's
/// `data`, `auth`, `wrap_info` and `warnings`.
#[test]
fn empty_strings_for_objects_and_lists() {
    let mut reply = conformance("kv-v2-read");
    reply["data"]["metadata"]["custom_metadata"] = json!("");
    reply["warnings"] = json!("");
    reply["auth"] = json!("");
    reply["wrap_info"] = json!("");
    let env: Envelope<types::KvV2ReadResponse> = serde_json::from_value(reply).unwrap();
    assert!(env.warnings.is_empty() && env.auth.is_none() && env.wrap_info.is_none());
    let read = env.data.unwrap();
    assert!(read.metadata.unwrap().custom_metadata.is_empty());

    let mut reply = conformance("kv-v2-read");
    reply["data"]["metadata"] = json!("");
    reply["warnings"] = json!(["one, with a comma", 2]);
    let env: Envelope<types::KvV2ReadResponse> = serde_json::from_value(reply).unwrap();
    assert_eq!(env.warnings, ["one, with a comma", "2"]);
    assert!(env.data.unwrap().metadata.is_none());

    let mut reply = conformance("kv-v2-read");
    reply["data"] = json!("");
    reply["warnings"] = json!("a single warning");
    let env: Envelope<types::KvV2ReadResponse> = serde_json::from_value(reply).unwrap();
    assert!(env.data.is_none());
    assert_eq!(env.warnings, ["a single warning"]);
}

/// The envelope's own fields: strings for numbers and booleans; a wrong shape is the default and
/// kept in `other`.
#[test]
fn envelope_fields_in_weak_spellings_and_wrong_shapes() {
    let mut reply = recorded("userpass-login.json");
    reply["lease_duration"] = json!("2764800");
    reply["renewable"] = json!("true");
    reply["auth"]["lease_duration"] = json!("768h");
    reply["auth"]["renewable"] = json!("true");
    reply["auth"]["num_uses"] = json!("0");
    reply["auth"]["orphan"] = json!({"odd": true});
    reply["auth"]["policies"] = json!("default,reader");
    reply["auth"]["metadata"] = json!({"username": "alice", "uid": 1001});
    let env: Envelope = serde_json::from_value(reply).unwrap();
    assert_eq!(env.lease_duration, 2764800);
    assert!(env.renewable);
    let auth = env.auth.unwrap();
    assert_eq!(
        auth.client_token.expose_secret(),
        "s.a2LxQJlzPGYto0DGAspjzhhr"
    );
    assert_eq!(auth.lease_duration, 768 * 3600);
    assert!(auth.renewable);
    assert_eq!(auth.policies, ["default", "reader"]);
    assert_eq!(auth.metadata["uid"], "1001");
    assert!(
        !auth.orphan,
        "a wrong shape in `auth` is the default (no map to keep it in)"
    );

    let mut reply = conformance("kv-v2-read");
    reply["request_id"] = json!({"weird": true});
    reply["mount_type"] = json!(["kv"]);
    reply["lease_id"] = json!(17);
    let env: Envelope = serde_json::from_value(reply).unwrap();
    assert_eq!(env.request_id, "");
    assert_eq!(env.lease_id, "17");
    assert_eq!(env.other["request_id"], json!({"weird": true}));
    assert_eq!(env.other["mount_type"], json!(["kv"]));
    assert!(env.data.is_some());

    // What a lease or a token is renewed on is strict: the error names the field.
    for (field, value) in [
        ("lease_duration", json!({"weird": true})),
        ("renewable", json!("perhaps")),
        ("lease_id", json!([SECRET])),
        ("auth.lease_duration", json!("forever")),
        ("auth.renewable", json!({"v": SECRET})),
    ] {
        let mut reply = recorded("userpass-login.json");
        match field.split_once('.') {
            Some((block, key)) => reply[block][key] = value,
            None => reply[field] = value,
        }
        let body = serde_json::to_vec(&reply).unwrap();
        let mut de = serde_json::Deserializer::from_slice(&body);
        let err = serde_path_to_error::deserialize::<_, Envelope>(&mut de).unwrap_err();
        assert_eq!(err.path().to_string(), field);
        assert!(!err.to_string().contains(SECRET), "{err}");
    }
}

/// A wrong-shaped value kept by an answer that then fails (a required field is wrong) does not
/// reach the next answer decoded on the same thread.
#[test]
fn a_failed_answer_leaves_nothing_for_the_next() {
    let mut bad = conformance("kv-v2-read");
    bad["data"]["metadata"]["deletion_time"] = json!({"leaked": "from-the-first-answer"});
    bad["data"]["metadata"]["version"] = json!("not a number");
    assert!(serde_json::from_value::<Envelope<types::KvV2ReadResponse>>(bad).is_err());
    let good: Envelope<types::KvV2ReadResponse> =
        serde_json::from_value(conformance("kv-v2-read")).unwrap();
    let metadata = good.data.unwrap().metadata.unwrap();
    assert!(metadata.extra.is_empty(), "{:?}", metadata.extra);
}

const SECRET: &str = "hvs.CAESIHunter2-do-not-log";

/// Shows an error in every form a caller may log it in, and checks none holds the secret.
fn assert_hides_secret(e: &hashivault::Error) -> String {
    for shown in [format!("{e}"), format!("{e:#}"), format!("{e:?}")] {
        assert!(!shown.contains(SECRET), "{shown}");
        assert!(!shown.contains("Hunter2"), "{shown}");
    }
    format!("{e}")
}

/// A field the caller cannot do without, of a wrong shape, fails the answer; the error names
/// the operation and the field's path, never the value (a hostile answer with a secret-looking
/// value in that field). The KV version's `version` through the KV helper.
#[tokio::test]
async fn required_field_of_a_wrong_shape_fails_naming_the_path_not_the_value() {
    let server = MockServer::start_async().await;
    let mut reply = conformance("kv-v2-read");
    reply["data"]["metadata"]["version"] = json!(SECRET);
    call(GET, "/v1/secret/data/app/db")
        .answers(&server, 200, reply.clone())
        .await;
    let err = client(&server)
        .kv2("secret")
        .read_json("app/db")
        .await
        .unwrap_err();
    assert!(err.is_decode(), "{err:?}");
    let shown = assert_hides_secret(&err);
    assert!(shown.contains("kv_v2_read"), "{shown}");
    assert!(shown.contains("data.metadata.version"), "{shown}");

    // The same through the generated operation, with the value in an object.
    let server = MockServer::start_async().await;
    let mut reply = conformance("kv-v2-read");
    reply["data"]["metadata"]["version"] = json!({"token": SECRET});
    call(GET, "/v1/secret/data/app/db")
        .answers(&server, 200, reply.clone())
        .await;
    let err = read_kv2(&client(&server), "secret", "app/db")
        .await
        .unwrap_err();
    let shown = assert_hides_secret(&err);
    assert!(shown.contains("data.metadata.version"), "{shown}");
}

/// A login answer whose `auth.client_token` is not a string fails, naming `auth.client_token`
/// and not the value; a hostile value in an optional field of a typed answer is kept, never
/// shown in `Debug`.
#[tokio::test]
async fn client_token_of_a_wrong_shape_fails_the_login() {
    let server = MockServer::start_async().await;
    let mut reply = recorded("userpass-login.json");
    reply["auth"]["client_token"] = json!({"id": SECRET});
    call(POST, "/v1/auth/userpass/login/alice")
        .answers(&server, 200, reply.clone())
        .await;
    let err = alice_login(&client(&server), "pw").await.unwrap_err();
    let shown = assert_hides_secret(&err);
    assert!(shown.contains("auth.client_token"), "{shown}");

    let mut reply = fixture("approle-read-role.json");
    reply["data"]["token_num_uses"] = json!({"leaked": SECRET});
    let env: Envelope<types::AppRoleReadRoleResponse> = serde_json::from_value(reply).unwrap();
    let role = env.data.unwrap();
    assert_eq!(role.extra["token_num_uses"]["leaked"], SECRET);
    let shown = format!("{role:?}");
    assert!(!shown.contains(SECRET), "{shown}");
}

/// Through `serde_json::from_value` on a generated type, a required field's error names the
/// field and not the value.
#[test]
fn required_field_error_from_value_hides_the_value() {
    let mut data = conformance("token-look-up-self")["data"].clone();
    data["num_uses"] = json!(SECRET);
    let err = serde_json::from_value::<types::TokenLookUpSelfResponse>(data).unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(shown.contains("expected an integer"), "{shown}");
}
