//! `docs/typed-answers.md`: the typed share over every operation that answers data, by group,
//! with the operations left untyped and why. Written by
//! `HASHIVAULT_WRITE_REPORT=1 cargo test --all-features --test api_conformance_replay
//! typed_answers_report`; without the variable that test fails when the file is not current.
//!
//! An operation answers data when it is a read (`GET`, LIST included), when the document (with
//! `spec/overlays/` applied) types its payload, when the tour recorded an answer of it with a
//! payload (`data` or `auth`), or when its operation id names an operation whose answer is data
//! ([`ANSWERING_WORDS`]: a login, a credential, a signature, a lookup, ...). It is typed when its
//! payload is a struct or a map of typed values ([`super::strict::is_typed`]), or when its answer
//! is the `auth` block (logins, token creation and renewal), which `hashivault::AuthInfo` types.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::Value;

use super::strict;

/// Words of an operation id (split at `-`) that say its answer is data. (`rotate`, `tidy`,
/// `write`, `configure`, `delete`, `revoke` do not: their answers are empty, or data only in
/// some groups.)
pub const ANSWERING_WORDS: &[&str] = &[
    "login",
    "generate",
    "creds",
    "issue",
    "sign",
    "encrypt",
    "decrypt",
    "reencrypt",
    "rewrap",
    "hmac",
    "hash",
    "random",
    "verify",
    "look",
    "create",
    "renew",
    "capabilities",
    "validate",
    "wrap",
    "unwrap",
    "decode",
    "introspect",
    "authorize",
    "authorization",
    "acme",
];

/// Writes whose answer is data although no word of their id says so.
const ANSWERING_IDS: &[&str] = &["oidc-provider-token"];

/// Operations whose answer is the `auth` block: typed by `hashivault::AuthInfo`.
const AUTH_WORDS: &[&str] = &["login"];
const AUTH_IDS: &[&str] = &[
    "token-create",
    "token-create-orphan",
    "token-create-against-role",
    "token-renew",
    "token-renew-self",
    "token-renew-accessor",
];

/// Operations whose answer is the envelope's own fields, typed by `hashivault::Envelope`: a
/// renewed lease (`lease_id`, `lease_duration`, `renewable`) or a wrapped answer (`wrap_info`).
const ENVELOPE_IDS: &[&str] = &[
    "leases-renew-lease",
    "leases-renew-lease2",
    "leases-renew-lease-with-id",
    "leases-renew-lease-with-id2",
    "wrap",
    "rewrap",
];

/// Groups (features) OpenBao 2.7.2 does not serve: its plugin catalog has no such auth method or
/// secrets engine (`GET /v1/sys/plugins/catalog` on the dev server: auth approle, cert, jwt,
/// kubernetes, oidc, userpass; secrets kubernetes, kv, pki, rabbitmq, ssh, totp, transit, and the
/// builtin database, cubbyhole, identity and token).
pub const NOT_IN_OPENBAO: &[&str] = &[
    "alicloud",
    "auth-alicloud",
    "auth-aws",
    "auth-azure",
    "auth-centrify",
    "auth-cf",
    "auth-gcp",
    "auth-github",
    "auth-kerberos",
    "auth-ldap",
    "auth-oci",
    "auth-okta",
    "auth-radius",
    "aws",
    "azure",
    "consul",
    "gcp",
    "gcpkms",
    "ldap",
    "mongodbatlas",
    "nomad",
    "terraform",
];

/// Why an operation of a group OpenBao serves stays untyped (beyond [`strict::UNTYPED`]).
pub const UNTYPED_WRITES: &[(&str, &str)] = &[
    ("unwrap", "the payload is whatever was wrapped: the caller's data"),
    ("kubernetes-generate-credentials", "needs a Kubernetes cluster (a service account token from its API), which this machine cannot run"),
    ("kubernetes-check-configuration", "needs a Kubernetes cluster (the pod's service environment)"),
    ("rabbit-mq-request-credentials", "needs a RabbitMQ broker's management API, which this machine does not run"),
    ("jwt-oidc-callback", "needs a browser's OIDC redirect (a code and the state of a login in progress)"),
    ("internal-generate-open-api-document-with-parameters", "the payload is an OpenAPI document (what `cargo xtask regen` reads), not a Vault object"),
    ("collect-in-flight-request-information", "a bare map keyed by request ids (the requests in flight at that instant)"),
    ("monitor", "streams the server's log lines (text), not JSON"),
    ("list-experimental-features", "not in OpenBao: 404 `unsupported path`"),
    ("read-replication-status", "Vault Enterprise replication, not in OpenBao: 404 `unsupported path`"),
];

/// Why an operation whose id contains a word stays untyped (beyond [`UNTYPED_WRITES`]).
const UNTYPED_BY_WORD: &[(&str, &str)] = &[
    ("pprof", "answers Go pprof profiles (bytes), not JSON"),
    ("acme", "ACME protocol requests (RFC 8555): JWS-signed bodies only an ACME client makes, answered in ACME's JSON; not toured"),
];

/// One line of the report: an operation, its group, whether it is typed, and why not.
struct Row {
    id: String,
    feature: String,
    typed: bool,
    reason: Option<String>,
}

/// The recorded answers: operation id to whether it carried a payload, and whether that
/// payload was the `auth` block.
fn recorded() -> BTreeMap<String, (bool, bool)> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(super::fixture_dir()).unwrap() {
        let path = entry.unwrap().path();
        let fixture: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let answer = &fixture["answer"];
        let data = answer.get("data").is_some_and(|d| !d.is_null())
            || answer
                .as_object()
                .is_some_and(|a| !a.contains_key("request_id"));
        let auth = answer.get("auth").is_some_and(Value::is_object)
            && answer.get("data").is_none_or(Value::is_null);
        let id = path.file_stem().unwrap().to_string_lossy().into_owned();
        out.insert(id, (data || auth, auth));
    }
    out
}

fn rows() -> Vec<Row> {
    let features = super::strict::feature_of_operations();
    let recorded = recorded();
    let known: BTreeMap<&str, &str> = strict::UNTYPED
        .iter()
        .chain(UNTYPED_WRITES)
        .copied()
        .collect();
    let mut rows = Vec::new();
    for (id, op) in strict::operations() {
        let request = format!("{} {}", op.method.to_uppercase(), op.path);
        let feature = features
            .get(&request)
            .cloned()
            .unwrap_or_else(|| "(no feature)".to_string());
        let words: BTreeSet<&str> = id.split('-').collect();
        let (answered, auth_recorded) = recorded.get(id).copied().unwrap_or((false, false));
        let typed_payload = strict::is_typed(&op.payload);
        let auth = auth_recorded
            || AUTH_IDS.contains(&id.as_str())
            || AUTH_WORDS.iter().any(|w| words.contains(w));
        let envelope = ENVELOPE_IDS.contains(&id.as_str());
        let answers = op.method == "get"
            || typed_payload
            || answered
            || auth
            || envelope
            || ANSWERING_IDS.contains(&id.as_str())
            || ANSWERING_WORDS.iter().any(|w| words.contains(w));
        // A DELETE whose document declares only `204` and which no recording contradicts, even
        // if a word of its id says data (`generate-root-token-delete` answers 204 on OpenBao
        // 2.7.2, measured; `mfa-delete-login-enforcement`). Not other methods: the documents
        // declare `204` for lease renewals, which answer the lease.
        if !answers || (op.method == "delete" && op.no_content && !answered) {
            continue;
        }
        let typed = typed_payload || auth || envelope;
        let by_word = UNTYPED_BY_WORD
            .iter()
            .find(|(w, _)| words.contains(w))
            .map(|(_, reason)| *reason);
        let reason = (!typed).then(|| {
            if let Some(reason) = known.get(id.as_str()) {
                reason.to_string()
            } else if id.starts_with("enterprise-stub-") {
                "Vault Enterprise only: OpenBao answers 404 `unsupported path`".to_string()
            } else if NOT_IN_OPENBAO.contains(&feature.as_str()) {
                "not in OpenBao 2.7.2 (no such plugin in its catalog): needs HashiCorp Vault \
                 or the external service, which this machine cannot run"
                    .to_string()
            } else if let Some(reason) = by_word {
                reason.to_string()
            } else {
                "not toured yet: OpenBao's dev server serves the group".to_string()
            }
        });
        rows.push(Row {
            id: id.clone(),
            feature,
            typed,
            reason,
        });
    }
    rows
}

/// The report's text, and `(typed, answering data)` over every group.
pub fn report() -> (String, usize, usize) {
    let rows = rows();
    let mut by_group: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for row in &rows {
        by_group.entry(row.feature.as_str()).or_default().push(row);
    }
    let typed = rows.iter().filter(|r| r.typed).count();
    let all = rows.len();
    let servable: Vec<&Row> = rows
        .iter()
        .filter(|r| !NOT_IN_OPENBAO.contains(&r.feature.as_str()))
        .filter(|r| !r.id.starts_with("enterprise-stub-"))
        .collect();
    let servable_typed = servable.iter().filter(|r| r.typed).count();
    let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
    let mut out = String::new();
    out.push_str(
        "# Typed answers\n\n\
         <!-- Generated by `HASHIVAULT_WRITE_REPORT=1 cargo test --all-features --test \
         api_conformance_replay typed_answers_report` (tests/conformance/report.rs): do not \
         edit by hand. -->\n\n\
         Which operations of `hashivault::api` answer a typed payload (a struct, or a map of \
         typed values) rather than a free-form map, over every operation that answers data: \
         the reads (`GET`, LIST included) and the writes whose answer is data (the document \
         types it, the conformance tour recorded one from OpenBao 2.7.2, or the operation id \
         says so: a login, credentials, a signature, a lookup, ...; see \
         `tests/conformance/report.rs`). An answer that is the `auth` block (logins, token \
         creation and renewal) is typed by `hashivault::AuthInfo`, one that is the envelope's \
         own fields (a renewed lease, a wrapped answer) by `hashivault::Envelope`. Payloads are typed by \
         Vault's document and by `spec/overlays/`, learned from the recorded answers of \
         `tests/live_conformance.rs` (`cargo xtask regen --learn-responses`).\n\n",
    );
    let _ = writeln!(
        out,
        "**Total: {typed} of {all} operations that answer data are typed ({:.1} %).** \
         In the groups OpenBao 2.7.2 serves (Enterprise stubs aside): {servable_typed} of {} \
         ({:.1} %).\n",
        pct(typed, all),
        servable.len(),
        pct(servable_typed, servable.len())
    );
    out.push_str("| Group | Answer data | Typed | Share | OpenBao 2.7.2 serves it |\n");
    out.push_str("|---|---:|---:|---:|---|\n");
    for (group, rows) in &by_group {
        let t = rows.iter().filter(|r| r.typed).count();
        let served = if NOT_IN_OPENBAO.contains(group) {
            "no"
        } else {
            "yes"
        };
        let _ = writeln!(
            out,
            "| `{group}` | {} | {t} | {:.0} % | {served} |",
            rows.len(),
            pct(t, rows.len())
        );
    }
    out.push_str("\n## Untyped operations, and why\n");
    for (group, rows) in &by_group {
        let untyped: Vec<&&Row> = rows.iter().filter(|r| !r.typed).collect();
        if untyped.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n### `{group}` ({} untyped)\n", untyped.len());
        // One line per reason shared by many operations, else one per operation.
        let mut by_reason: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for row in &untyped {
            by_reason
                .entry(row.reason.as_deref().unwrap_or_default())
                .or_default()
                .push(&row.id);
        }
        for (reason, ids) in by_reason {
            let ids: Vec<String> = ids.iter().map(|id| format!("`{id}`")).collect();
            let _ = writeln!(out, "- {}: {reason}", ids.join(", "));
        }
    }
    (out, typed, all)
}
