//! API groups: one Cargo feature each, derived from an operation's path.
//!
//! The rule (so a regenerated spec needs no table edit for a new plugin):
//! - `/auth/token/...` is `auth-token`; `/auth/{NAME_mount_path}/...` is `auth-NAME`;
//! - `/{kv_v1_mount_path}/...` and `/{kv_v2_mount_path}/...` are `kv` (OpenBao's
//!   `{kv_mount_path}` too); any other `/{NAME_mount_path}/...` is `NAME`;
//! - `/sys/...` is `sys` for the endpoints every application uses (see [`SYS_CORE`]) and
//!   `sys-admin` for the rest (replication, MFA, pprof, raw storage, quotas, ...), except the
//!   areas only OpenBao has, each its own group ([`SYS_AREAS`]);
//! - any other fixed first segment (`identity`, `cubbyhole`) is its own group.
//!
//! Underscores become dashes, so `{gcpkms_mount_path}` is `gcpkms` and `{kv_v2_mount_path}` is `kv`.

use std::collections::BTreeMap;

use serde_json::Value;

use super::normalize::{Report, HTTP_METHODS};
use super::Selection;

/// Second segments of `/sys/...` that belong to the default `sys` group.
pub const SYS_CORE: &[&str] = &[
    "audit",
    "audit-hash",
    "auth",
    "capabilities",
    "capabilities-accessor",
    "capabilities-self",
    "ha-status",
    "health",
    "init",
    "internal",
    "key-status",
    "leader",
    "leases",
    "mounts",
    "namespaces",
    "policies",
    "policy",
    "remount",
    "renew",
    "revoke",
    "revoke-force",
    "revoke-prefix",
    "seal",
    "seal-status",
    "step-down",
    "tools",
    "unseal",
    "version-history",
    "wrapping",
];

/// Areas of `/sys/...` that OpenBao adds and Vault's document does not have, each its own
/// non-default group (rather than growing `sys-admin` by a new subsystem): `(second segment,
/// group)`. OpenBao's other additions under `sys/` belong to an area Vault has (`sys/rotate/...`
/// is key rotation, as `sys/rekey/...`: `sys-admin`; `sys/namespaces/{path}/seal`: `sys`).
pub const SYS_AREAS: &[(&str, &str)] = &[
    ("external-keys", "sys-external-keys"),
    ("workflows", "sys-workflows"),
];

/// The groups of the default feature set.
pub const DEFAULT_GROUPS: &[&str] = &[
    "sys",
    "kv",
    "cubbyhole",
    "auth-token",
    "auth-userpass",
    "auth-approle",
];

/// The group (Cargo feature name) of an operation at `path`.
pub fn group_of(path: &str) -> String {
    let mut segments = path.trim_start_matches('/').split('/');
    let first = segments.next().unwrap_or("");
    let second = segments.next().unwrap_or("");
    if first == "auth" {
        return match mount_param_name(second) {
            Some(name) => format!("auth-{}", feature_name(name)),
            None => format!("auth-{}", feature_name(second)),
        };
    }
    if first == "sys" {
        let area = second.split(['?', '{']).next().unwrap_or("");
        if let Some((_, group)) = SYS_AREAS.iter().find(|(a, _)| *a == area) {
            return (*group).to_string();
        }
        return if SYS_CORE.contains(&area) {
            "sys".to_string()
        } else {
            "sys-admin".to_string()
        };
    }
    match mount_param_name(first) {
        // OpenBao's document names KV's mounts after the dev server's (`secret/`, `kv/`).
        Some(name) if name == "kv" || name == "secret" || name.starts_with("kv_v") => {
            "kv".to_string()
        }
        Some(name) => feature_name(name),
        None => feature_name(first.split('?').next().unwrap_or(first)),
    }
}

/// `{approle_mount_path}` gives `approle`; anything else `None`.
fn mount_param_name(segment: &str) -> Option<&str> {
    segment
        .strip_prefix('{')?
        .strip_suffix('}')?
        .strip_suffix("_mount_path")
}

fn feature_name(raw: &str) -> String {
    raw.replace('_', "-").to_ascii_lowercase()
}

/// Every group in the document, with its number of operations.
pub fn groups_of(doc: &Value) -> BTreeMap<String, usize> {
    let mut groups = BTreeMap::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            let count = item
                .as_object()
                .map(|item| {
                    item.keys()
                        .filter(|k| HTTP_METHODS.contains(&k.as_str()))
                        .count()
                })
                .unwrap_or(0);
            *groups.entry(group_of(path)).or_insert(0) += count;
        }
    }
    groups
}

/// Removes the paths whose group is not selected.
pub fn select_operations(doc: &mut Value, selection: &Selection, report: &mut Report) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let before = paths.len();
    paths.retain(|path, _| selection.includes(&group_of(path)));
    let removed = before - paths.len();
    if removed > 0 {
        report.note(
            "select_operations",
            format!("{removed} paths outside the enabled feature groups"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_follow_the_mount_parameter() {
        assert_eq!(group_of("/auth/token/create"), "auth-token");
        assert_eq!(group_of("/auth/{approle_mount_path}/login"), "auth-approle");
        assert_eq!(group_of("/{kv_v2_mount_path}/data/{path}"), "kv");
        assert_eq!(group_of("/{kv_v1_mount_path}/{path}"), "kv");
        assert_eq!(group_of("/{kv_mount_path}/data/{path}"), "kv");
        assert_eq!(group_of("/{secret_mount_path}/data/{path}"), "kv");
        assert_eq!(group_of("/{gcpkms_mount_path}/keys"), "gcpkms");
        assert_eq!(group_of("/{pki_mount_path}/issue/{role}"), "pki");
        assert_eq!(group_of("/identity/entity"), "identity");
        assert_eq!(group_of("/cubbyhole/{path}"), "cubbyhole");
    }

    #[test]
    fn sys_splits_into_core_and_admin() {
        assert_eq!(group_of("/sys/health"), "sys");
        assert_eq!(group_of("/sys/mounts/{path}"), "sys");
        assert_eq!(group_of("/sys/policies/acl/?list=true"), "sys");
        assert_eq!(group_of("/sys/wrapping/unwrap"), "sys");
        assert_eq!(group_of("/sys/replication/status"), "sys-admin");
        assert_eq!(group_of("/sys/pprof/heap"), "sys-admin");
        // OpenBao's areas.
        assert_eq!(group_of("/sys/rotate/root/init"), "sys-admin");
        assert_eq!(group_of("/sys/namespaces/{path}/seal"), "sys");
        assert_eq!(
            group_of("/sys/external-keys/configs/{config}"),
            "sys-external-keys"
        );
        assert_eq!(group_of("/sys/workflows/manage/{path}"), "sys-workflows");
    }

    #[test]
    fn selection_keeps_only_enabled_groups() {
        let mut doc = serde_json::json!({"paths": {
            "/sys/health": {"get": {}},
            "/{pki_mount_path}/ca": {"get": {}},
            "/{kv_v2_mount_path}/data/{path}": {"get": {}, "post": {}},
        }});
        let selection = Selection::Groups(["kv".to_string()].into());
        let mut report = Report::default();
        select_operations(&mut doc, &selection, &mut report);
        let kept: Vec<_> = doc["paths"].as_object().unwrap().keys().cloned().collect();
        assert_eq!(kept, vec!["/{kv_v2_mount_path}/data/{path}".to_string()]);
        assert_eq!(groups_of(&doc)["kv"], 2);
    }
}
