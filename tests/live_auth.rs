//! Live: tokens, userpass and AppRole login with token capture, a narrow policy's permission
//! denied, renew and revoke self, and the renewer, against a real server.
// The API groups this file's calls use: empty without them (`scripts/feature-sets.sh`).
#![cfg(all(feature = "auth-token", feature = "auth-userpass", feature = "sys"))]

mod common;

use std::time::Duration;

use hashivault::auth::{AppRole, RenewEvent, StopReason};
use hashivault::{Client, ExposeSecret, Sensitive};

fn fresh(client: &Client) -> Client {
    Client::builder().address(client.address()).build().unwrap()
}

#[tokio::test]
async fn token_create_lookup_renew_revoke() {
    let Some(client) = common::live_client("token_create_lookup_renew_revoke") else {
        return;
    };
    let api = client.api();
    let created = api
        .token_create()
        .body_map(|b| {
            b.policies(vec!["default".to_string()])
                .ttl(hashivault::VaultDuration::from("1h"))
                .display_name("live-test".to_string())
                .renewable(true)
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    let auth = created.auth.expect("token-create answers an auth block");
    assert_eq!(auth.lease_duration, 3600);
    assert!(auth.renewable);
    assert!(auth.policies.contains(&"default".to_string()));
    let token = auth.client_token.expose_secret().to_string();

    let looked = api
        .token_look_up()
        .body_map(|b| b.token(Sensitive::from(&token)))
        .send()
        .await
        .unwrap()
        .into_inner();
    let data = looked.data.unwrap();
    assert_eq!(data.display_name.as_deref(), Some("token-live-test"));
    assert_eq!(data.accessor.as_deref(), Some(auth.accessor.as_str()));

    let renewed = api
        .token_renew()
        .body_map(|b| {
            b.token(Sensitive::from(&token))
                .increment(hashivault::VaultDuration::from("2h"))
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    let renewed = renewed.auth.unwrap();
    assert!(renewed.lease_duration > 0);

    api.token_revoke()
        .body_map(|b| b.token(Sensitive::from(&token)))
        .send()
        .await
        .unwrap();
    let as_revoked = client.with_token(token).unwrap();
    assert!(!as_revoked.auth().is_authenticated().await.unwrap());
}

#[tokio::test]
async fn userpass_login_under_a_narrow_policy() {
    let Some(root) = common::live_client("userpass_login_under_a_narrow_policy") else {
        return;
    };
    let mount = common::unique("up");
    let prefix = common::unique("app");
    let policy = common::unique("reader");
    let api = root.api();
    common::live::enable_auth(&root, &mount, "userpass").await;
    let hcl = format!("path \"cubbyhole/*\" {{ capabilities = [\"read\"] }}\npath \"sys/mounts\" {{ capabilities = [\"deny\"] }}\npath \"secret/data/{prefix}/*\" {{ capabilities = [\"read\"] }}\n");
    api.policies_write_acl_policy()
        .name(&policy)
        .body_map(|b| b.policy(hcl))
        .send()
        .await
        .unwrap();
    api.userpass_write_user()
        .userpass_mount_path(&mount)
        .username("alice")
        .body_map(|b| {
            b.password(Sensitive::from("correct horse"))
                .token_policies(vec![policy.clone()])
                .token_ttl(hashivault::VaultDuration::from("20m"))
        })
        .send()
        .await
        .unwrap();

    let client = fresh(&root);
    let auth = client
        .auth()
        .userpass(&mount, "alice", "correct horse")
        .await
        .unwrap();
    assert!(client.has_token());
    assert_eq!(
        auth.metadata.get("username").map(String::as_str),
        Some("alice")
    );
    assert!(auth.token_policies.contains(&policy));
    assert_eq!(auth.lease_duration, 1200);
    let me = client.auth().lookup_self().await.unwrap();
    assert_eq!(me.display_name, format!("{mount}-alice"));
    assert!(me.policies.contains(&policy));
    // The captured token is what the generated API sends: sys/mounts is denied.
    let denied = common::live::mounts_denied(&client).await;
    assert!(denied.to_string().contains("permission denied"), "{denied}");

    let renewed = client.auth().renew_self(Some("10m")).await.unwrap();
    assert!(renewed.lease_duration <= 1200 && renewed.lease_duration > 0);
    client.auth().revoke_self().await.unwrap();
    assert!(!client.has_token());

    // A wrong password is a 400 from userpass.
    let wrong = fresh(&root)
        .auth()
        .userpass(&mount, "alice", "nope")
        .await
        .unwrap_err();
    assert!(
        wrong.is_invalid_request() || wrong.is_permission_denied(),
        "{wrong}"
    );
}

#[tokio::test]
async fn approle_login_captures_the_token() {
    let Some(root) = common::live_client("approle_login_captures_the_token") else {
        return;
    };
    // A generated answer's `Sensitive` goes to the login without being exposed.
    let common::live::AppRoleSetup {
        mount,
        role_id,
        secret_id,
    } = common::live::approle_role(&root, "ci", 600, None).await;

    let client = fresh(&root);
    let auth = client
        .auth()
        .approle(&mount, &role_id, Some(secret_id.clone()))
        .await
        .unwrap();
    assert_eq!(auth.lease_duration, 600);
    assert_eq!(
        auth.metadata.get("role_name").map(String::as_str),
        Some("ci")
    );
    assert!(client.auth().is_authenticated().await.unwrap());

    // The renewer keeps it alive (a 600 s token: the first renewal is 6-7 minutes away).
    let login = AppRole::new(mount.clone(), role_id.clone(), Some(secret_id));
    let renewer = client.auth().renewer().login(login).spawn();
    tokio::time::timeout(Duration::from_secs(20), renewer.ready())
        .await
        .expect("the renewer is ready within 20 s")
        .expect("a good token");
    renewer.stop();
}

#[tokio::test]
async fn renewer_reports_no_expiry_for_root() {
    let Some(root) = common::live_client("renewer_reports_no_expiry_for_root") else {
        return;
    };
    let mut renewer = root.auth().renewer().spawn();
    let event = tokio::time::timeout(Duration::from_secs(10), renewer.next_event())
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(event, RenewEvent::Stopped(StopReason::NoExpiry)),
        "{event:?}"
    );
}
