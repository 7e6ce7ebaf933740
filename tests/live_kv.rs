//! The KV layer against a real Vault or OpenBao (`VAULT_ADDR`, `VAULT_TOKEN`; see
//! `tests/common`). Every test enables its own mounts, so the tests run in parallel on one server.
// The API groups this file's calls use: empty without them (`scripts/feature-sets.sh`).
#![cfg(feature = "kv")]

mod common;

use std::time::Duration;

use hashivault::kv::{Kv, KvConfigUpdate, MetadataUpdate, ReadOutcome};
use hashivault::reqwest::Method;
use hashivault::{Client, JsonMap};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Db {
    user: String,
    password: String,
}

fn db(user: &str, password: &str) -> Db {
    Db {
        user: user.into(),
        password: password.into(),
    }
}

/// Enables a KV mount of `version` at `path` and waits until it takes writes.
async fn enable_kv(client: &Client, path: &str, version: u8) {
    let _: hashivault::Envelope = client
        .request(
            Method::POST,
            &format!("sys/mounts/{path}"),
            Some(&json!({"type": "kv", "options": {"version": version.to_string()}})),
        )
        .await
        .unwrap_or_else(|e| panic!("enable {path}: {e}"));
    // A new KV v2 mount upgrades its storage before it accepts writes.
    let mut last = None;
    for _ in 0..50 {
        let result = match version {
            2 => client
                .kv2(path)
                .write("_ready", &json!({"ok": true}))
                .await
                .map(|_| ()),
            _ => client.kv1(path).write("_ready", &json!({"ok": true})).await,
        };
        match result {
            Ok(()) => {
                match version {
                    2 => client.kv2(path).delete_metadata("_ready").await.unwrap(),
                    _ => client.kv1(path).delete("_ready").await.unwrap(),
                }
                return;
            }
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("mount {path} never became ready: {last:?}");
}

async fn disable(client: &Client, path: &str) {
    let _ = client
        .request::<JsonMap, ()>(Method::DELETE, &format!("sys/mounts/{path}"), None)
        .await;
}

#[tokio::test]
async fn live_v2_write_read_versions_cas_patch() {
    let Some(client) = common::live_client("live_v2_write_read_versions_cas_patch") else {
        return;
    };
    let mount = common::unique("kv2-cas");
    enable_kv(&client, &mount, 2).await;
    let kv = client.kv2(&mount);

    let v1 = kv.write("app/db", &db("app", "one")).await.unwrap();
    assert_eq!(v1.version, 1);
    assert!(!v1.created_time.is_empty() && v1.deletion_time.is_none() && !v1.destroyed);

    // cas 0: only if absent.
    let err = kv.write_cas("app/db", &db("x", "x"), 0).await.unwrap_err();
    assert!(err.is_cas_mismatch(), "{err}");
    let fresh = kv.write_cas("app/fresh", &db("f", "f"), 0).await.unwrap();
    assert_eq!(fresh.version, 1);
    // cas N: only if N is the latest.
    let err = kv.write_cas("app/db", &db("x", "x"), 7).await.unwrap_err();
    assert!(err.is_cas_mismatch() && !err.is_cas_required(), "{err}");
    let v2 = kv.write_cas("app/db", &db("app", "two"), 1).await.unwrap();
    assert_eq!(v2.version, 2);

    let latest = kv.read::<Db>("/app/db/").await.unwrap();
    assert_eq!(latest.data, db("app", "two"));
    assert_eq!(latest.metadata.version, 2);
    assert!(!format!("{latest:?}").contains("two"));
    let first = kv.read_version::<Db>("app/db", 1).await.unwrap();
    assert_eq!(first.data, db("app", "one"));
    assert_eq!(
        (first.metadata.version, &first.metadata.created_time),
        (v1.version, &v1.created_time)
    );

    // Patch changes only the keys given; `null` removes a key.
    let v3 = kv
        .patch("app/db", &json!({"password": "three", "extra": "x"}))
        .await
        .unwrap();
    assert_eq!(v3.version, 3);
    let json = kv.read_json("app/db").await.unwrap();
    assert_eq!(json.data["user"], "app");
    assert_eq!(json.data["password"], "three");
    assert_eq!(json.data["extra"], "x");
    kv.patch("app/db", &json!({"extra": null})).await.unwrap();
    let json = kv.read_json("app/db").await.unwrap();
    assert!(!json.data.contains_key("extra"));
    assert_eq!(json.metadata.version, 4);
    let err = kv
        .patch_cas("app/db", &json!({"user": "y"}), 1)
        .await
        .unwrap_err();
    assert!(err.is_cas_mismatch(), "{err}");
    assert_eq!(
        kv.patch_cas("app/db", &json!({"user": "y"}), 4)
            .await
            .unwrap()
            .version,
        5
    );
    // Patching what does not exist is not found.
    assert!(kv
        .patch("app/none", &json!({"a": 1}))
        .await
        .unwrap_err()
        .is_not_found());

    assert_eq!(kv.list("").await.unwrap(), vec!["app/"]);
    assert_eq!(kv.list("app").await.unwrap(), vec!["db", "fresh"]);
    assert!(kv.list("app/missing/").await.unwrap().is_empty());
    disable(&client, &mount).await;
}

#[tokio::test]
async fn live_v2_delete_undelete_destroy() {
    let Some(client) = common::live_client("live_v2_delete_undelete_destroy") else {
        return;
    };
    let mount = common::unique("kv2-del");
    enable_kv(&client, &mount, 2).await;
    let kv = client.kv2(&mount);
    for n in 1..=3 {
        kv.write("s", &json!({"n": n})).await.unwrap();
    }

    // Never existed: not found, and no deleted-version metadata.
    let err = kv.read_json("never").await.unwrap_err();
    assert!(
        err.is_not_found() && err.kv_deleted_version().is_none(),
        "{err}"
    );
    assert!(matches!(
        kv.read_outcome::<JsonMap>("never").await.unwrap(),
        ReadOutcome::NotFound
    ));
    assert!(matches!(
        kv.read_version_outcome::<JsonMap>("s", 99).await.unwrap(),
        ReadOutcome::NotFound
    ));

    // Soft-delete the latest: not found, with its metadata.
    kv.delete_latest("s").await.unwrap();
    let err = kv.read_json("s").await.unwrap_err();
    assert!(err.is_not_found());
    let meta = err.kv_deleted_version().expect("deleted version metadata");
    assert_eq!(meta.version, 3);
    assert!(meta.deletion_time.is_some() && !meta.destroyed);
    assert!(
        matches!(kv.read_outcome::<JsonMap>("s").await.unwrap(), ReadOutcome::Deleted(m) if m.version == 3)
    );
    // A patch on a deleted latest version: not found, with the metadata too.
    let err = kv.patch("s", &json!({"n": 0})).await.unwrap_err();
    assert_eq!(
        err.kv_deleted_version().map(|m| m.version),
        Some(3),
        "{err}"
    );
    // Older versions still read.
    assert_eq!(
        kv.read_version::<JsonMap>("s", 2).await.unwrap().data["n"],
        2
    );

    kv.undelete_versions("s", &[3]).await.unwrap();
    assert_eq!(kv.read_json("s").await.unwrap().data["n"], 3);

    kv.delete_versions("s", &[1]).await.unwrap();
    let outcome = kv.read_version_outcome::<JsonMap>("s", 1).await.unwrap();
    assert!(
        matches!(outcome, ReadOutcome::Deleted(ref m) if m.version == 1),
        "{outcome:?}"
    );

    kv.destroy_versions("s", &[2]).await.unwrap();
    let err = kv.read_version::<JsonMap>("s", 2).await.unwrap_err();
    assert!(err.is_not_found());
    assert!(
        err.kv_deleted_version()
            .expect("destroyed metadata")
            .destroyed
    );
    assert!(
        matches!(kv.read_version_outcome::<JsonMap>("s", 2).await.unwrap(), ReadOutcome::Destroyed(m) if m.version == 2)
    );
    // Undeleting a destroyed version does not bring it back.
    kv.undelete_versions("s", &[2]).await.unwrap();
    assert!(matches!(
        kv.read_version_outcome::<JsonMap>("s", 2).await.unwrap(),
        ReadOutcome::Destroyed(_)
    ));

    let meta = kv.read_metadata("s").await.unwrap();
    assert_eq!(meta.current_version, 3);
    assert!(meta.versions["1"].deletion_time.is_some());
    assert!(meta.versions["2"].destroyed);
    assert!(meta.versions["3"].deletion_time.is_none());

    // Deleting what never existed succeeds, as Vault answers 204.
    kv.delete_latest("never").await.unwrap();
    disable(&client, &mount).await;
}

#[tokio::test]
async fn live_v2_metadata_subkeys_config() {
    let Some(client) = common::live_client("live_v2_metadata_subkeys_config") else {
        return;
    };
    let mount = common::unique("kv2-meta");
    enable_kv(&client, &mount, 2).await;
    let kv = client.kv2(&mount);

    // Metadata before any version.
    kv.write_metadata("m", &common::every_metadata_setting())
        .await
        .unwrap();
    let meta = kv.read_metadata("m").await.unwrap();
    assert_eq!(meta.max_versions, 5);
    assert!(meta.cas_required);
    assert_eq!(meta.delete_version_after.as_secs(), Some(3600));
    assert_eq!(
        meta.custom_metadata.get("owner").map(String::as_str),
        Some("ops")
    );
    assert_eq!(meta.current_version, 0);
    assert!(meta.versions.is_empty());
    // Metadata alone is not a secret.
    assert!(matches!(
        kv.read_outcome::<JsonMap>("m").await.unwrap(),
        ReadOutcome::NotFound
    ));

    // cas_required: a write without cas is refused, with cas it works.
    let err = kv.write("m", &json!({"a": 1})).await.unwrap_err();
    assert!(err.is_cas_required() && !err.is_cas_mismatch(), "{err}");
    let v1 = kv
        .write_cas("m", &json!({"a": {"b": {"c": 1}}, "d": 2}), 0)
        .await
        .unwrap();
    assert_eq!(
        v1.custom_metadata.get("env").map(String::as_str),
        Some("dev")
    );
    // delete_version_after schedules a deletion time at write: it is set but not yet passed.
    assert!(v1.deletion_time.is_some());
    assert!(kv.read_json("m").await.is_ok());

    // Update: only the given fields change.
    kv.write_metadata("m", &MetadataUpdate::new().max_versions(7))
        .await
        .unwrap();
    let meta = kv.read_metadata("m").await.unwrap();
    assert_eq!((meta.max_versions, meta.cas_required), (7, true));
    assert_eq!(meta.custom_metadata.len(), 2);
    // Patch: merge custom metadata, remove a key with None.
    kv.patch_metadata(
        "m",
        &MetadataUpdate::new()
            .cas_required(false)
            .remove_custom_metadata("env")
            .custom_metadata("team", "x"),
    )
    .await
    .unwrap();
    let meta = kv.read_metadata("m").await.unwrap();
    assert!(!meta.cas_required);
    let custom: std::collections::BTreeMap<_, _> = meta
        .custom_metadata
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(custom, [("owner", "ops"), ("team", "x")].into());
    // A write replaces the custom metadata when given.
    kv.write_metadata("m", &MetadataUpdate::new().custom_metadata("only", "me"))
        .await
        .unwrap();
    let meta = kv.read_metadata("m").await.unwrap();
    assert_eq!(
        meta.custom_metadata.keys().collect::<Vec<_>>(),
        vec!["only"]
    );

    // Subkeys: depth 0 is every level, 1 the top level only.
    let all = kv.subkeys("m", None).await.unwrap();
    assert_eq!(
        serde_json::Value::Object(all.subkeys.into_inner()),
        json!({"a": {"b": {"c": null}}, "d": null})
    );
    assert_eq!(all.metadata.version, 1);
    let top = kv.subkeys("m", Some(1)).await.unwrap();
    assert_eq!(
        serde_json::Value::Object(top.subkeys.into_inner()),
        json!({"a": null, "d": null})
    );
    kv.write("m", &json!({"z": 1})).await.unwrap();
    let old = kv.subkeys_version("m", 1, Some(2)).await.unwrap();
    assert_eq!(
        serde_json::Value::Object(old.subkeys.into_inner()),
        json!({"a": {"b": null}, "d": null})
    );
    assert!(kv.subkeys("none", None).await.unwrap_err().is_not_found());

    // Delete the metadata: every version is gone.
    kv.delete_metadata("m").await.unwrap();
    assert!(kv.read_metadata("m").await.unwrap_err().is_not_found());
    assert!(matches!(
        kv.read_version_outcome::<JsonMap>("m", 1).await.unwrap(),
        ReadOutcome::NotFound
    ));
    assert!(kv.list("").await.unwrap().is_empty());

    // Engine configuration.
    kv.write_config(
        &KvConfigUpdate::new()
            .max_versions(3)
            .cas_required(false)
            .delete_version_after("2h"),
    )
    .await
    .unwrap();
    let config = kv.read_config().await.unwrap();
    assert_eq!(config.max_versions, 3);
    assert!(!config.cas_required);
    assert_eq!(config.delete_version_after.as_secs(), Some(7200));
    for n in 0..5 {
        kv.write("capped", &json!({ "n": n })).await.unwrap();
    }
    let meta = kv.read_metadata("capped").await.unwrap();
    assert_eq!(
        meta.versions
            .keys()
            .map(String::as_str)
            .collect::<std::collections::BTreeSet<_>>(),
        ["3", "4", "5"].into()
    );
    disable(&client, &mount).await;
}

#[tokio::test]
async fn live_nested_mount_special_paths_and_discovery() {
    let Some(client) = common::live_client("live_nested_mount_special_paths_and_discovery") else {
        return;
    };
    let team = common::unique("team");
    let mount = format!("{team}/kv");
    enable_kv(&client, &mount, 2).await;
    let kv = client.kv2(&format!("/{mount}/"));

    let name = "a b/c%d?e#f/ü";
    kv.write(name, &json!({"k": "v"})).await.unwrap();
    let back = kv.read_json(&format!("/{name}/")).await.unwrap();
    assert_eq!(back.data["k"], "v");
    assert_eq!(kv.list("").await.unwrap(), vec!["a b/"]);
    assert_eq!(kv.list("a b").await.unwrap(), vec!["c%d?e#f/"]);
    assert_eq!(kv.list("a b/c%d?e#f").await.unwrap(), vec!["ü"]);
    kv.patch(name, &json!({"k2": "v2"})).await.unwrap();
    assert_eq!(kv.read_metadata(name).await.unwrap().current_version, 2);
    // A literal "%2F" in a name stays three characters, not a slash.
    kv.write("100%2F", &json!({"x": 1})).await.unwrap();
    assert!(kv.list("").await.unwrap().contains(&"100%2F".to_string()));
    assert_eq!(kv.read_json("100%2F").await.unwrap().data["x"], 1);

    // The generated API builds the same URLs: literal slashes, escaped names, the root folder
    // listed with an empty path, typed version metadata.
    let api = client.api();
    let read = common::live::data(
        api.kv_v2_read()
            .kv_v2_mount_path(format!("/{mount}/"))
            .path(name)
            .send(),
    )
    .await;
    assert_eq!(read.data.unwrap()["k2"], "v2");
    assert_eq!(read.metadata.unwrap().version, 2);
    for (folder, expected) in [("", "a b/"), ("a b/c%d?e#f", "ü")] {
        let keys = common::live::data(
            api.kv_v2_list()
                .kv_v2_mount_path(mount.as_str())
                .path(folder)
                .send(),
        )
        .await
        .keys
        .unwrap();
        assert!(keys.contains(&expected.to_string()), "{folder:?}: {keys:?}");
    }
    let err = api
        .kv_v2_read()
        .kv_v2_mount_path(mount.as_str())
        .path("../../sys/mounts")
        .send()
        .await
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err}");

    // Discovery: the CLI's way, through sys/internal/ui/mounts.
    let (found, rest) = client.kv_path(&format!("{mount}/{name}")).await.unwrap();
    assert!(matches!(found, Kv::V2(_)));
    assert_eq!(found.mount(), mount);
    assert_eq!(rest, name);
    let data: JsonMap = found.read(&rest).await.unwrap();
    assert_eq!(data["k2"], "v2");
    let found = client.kv(&mount).await.unwrap();
    assert_eq!((found.version(), found.mount()), (2, mount.as_str()));
    disable(&client, &mount).await;
}

#[tokio::test]
async fn live_kv1_mount() {
    let Some(client) = common::live_client("live_kv1_mount") else {
        return;
    };
    let mount = common::unique("kv1");
    enable_kv(&client, &mount, 1).await;
    let kv = client.kv1(&mount);

    kv.write("app/db", &db("u", "p")).await.unwrap();
    let back: Db = kv.read("/app/db").await.unwrap();
    assert_eq!(back, db("u", "p"));
    kv.write("app/db", &json!({"only": "this"})).await.unwrap();
    let json = kv.read_json("app/db").await.unwrap();
    assert_eq!(json.len(), 1, "a v1 write replaces the whole secret");
    let name = "a b/c%d?e#f/ü";
    kv.write(name, &json!({"k": "v"})).await.unwrap();
    assert_eq!(kv.read_json(name).await.unwrap()["k"], "v");
    assert_eq!(kv.list("").await.unwrap(), vec!["a b/", "app/"]);
    assert_eq!(kv.list("app/").await.unwrap(), vec!["db"]);
    assert!(kv.list("nothing").await.unwrap().is_empty());
    kv.delete("app/db").await.unwrap();
    assert!(kv.read_json("app/db").await.unwrap_err().is_not_found());
    kv.delete("app/db").await.unwrap();

    // Discovery finds v1, and the uniform Kv calls work on it.
    let (found, rest) = client.kv_path(&format!("{mount}/{name}")).await.unwrap();
    assert!(matches!(found, Kv::V1(_)));
    assert_eq!(rest, name);
    let data: JsonMap = found.read(&rest).await.unwrap();
    assert_eq!(data["k"], "v");
    found.write("x", &json!({"y": 1})).await.unwrap();
    assert!(found.list("").await.unwrap().contains(&"x".to_string()));
    found.delete("x").await.unwrap();

    // A KV v2 patch on a v1 mount: 405, said clearly.
    let err = client
        .kv2(&mount)
        .patch("x", &json!({"y": 2}))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(405), "{err}");
    assert!(err.to_string().contains("does not support PATCH"), "{err}");
    disable(&client, &mount).await;
}

#[tokio::test]
async fn live_patch_without_capability_is_explained() {
    let Some(client) = common::live_client("live_patch_without_capability_is_explained") else {
        return;
    };
    let mount = common::unique("kv2-acl");
    enable_kv(&client, &mount, 2).await;
    client
        .kv2(&mount)
        .write("s", &json!({"a": 1}))
        .await
        .unwrap();
    let policy = common::unique("kv-no-patch");
    let rules =
        format!("path \"{mount}/data/*\" {{ capabilities = [\"create\", \"read\", \"update\"] }}");
    let acl = format!("sys/policies/acl/{policy}");
    common::request_ok(&client, Method::PUT, &acl, json!({ "policy": rules })).await;
    let only = json!({"policies": [policy], "ttl": "5m", "no_default_policy": true});
    let created = common::request_ok(&client, Method::POST, "auth/token/create", only).await;
    let token = created.auth.expect("auth block").client_token;
    let limited = client.with_token(token).unwrap();
    let kv = limited.kv2(&mount);
    assert_eq!(kv.read_json("s").await.unwrap().data["a"], 1);
    let err = kv.patch("s", &json!({"a": 2})).await.unwrap_err();
    assert!(err.is_permission_denied(), "{err}");
    assert!(err.to_string().contains("`patch` capability"), "{err}");
    // Listing without the capability is an error, not an empty list.
    assert!(kv.list("").await.unwrap_err().is_permission_denied());
    disable(&client, &mount).await;
}
