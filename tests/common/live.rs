//! Setups the live tests share (against the server of [`super::live_client`]).

use hashivault::{Client, SecretString, VaultDuration};

/// An AppRole mount of a test's own, with one role: what a login needs.
pub struct AppRoleSetup {
    /// The mount path (unique to the test run).
    pub mount: String,
    /// The role's `role_id`.
    pub role_id: String,
    /// A fresh `secret_id` of the role (from the generated answer's `Sensitive`, never exposed).
    pub secret_id: SecretString,
}

/// Enables AppRole at a unique mount, writes role `role` (policy `default`, tokens of `ttl`
/// seconds, at most `max_ttl` when given) and issues a secret id, through the generated API.
#[cfg(all(feature = "sys", feature = "auth-approle"))]
pub async fn approle_role(
    root: &Client,
    role: &str,
    ttl: u64,
    max_ttl: Option<u64>,
) -> AppRoleSetup {
    let mount = super::unique("ar");
    let api = root.api();
    api.auth_enable_method()
        .path(&mount)
        .body_map(|b| b.type_("approle".to_string()))
        .send()
        .await
        .unwrap();
    api.app_role_write_role()
        .approle_mount_path(&mount)
        .role_name(role)
        .body_map(|b| {
            let b = b
                .token_policies(vec!["default".to_string()])
                .token_ttl(VaultDuration::from(ttl));
            match max_ttl {
                Some(max) => b.token_max_ttl(VaultDuration::from(max)),
                None => b,
            }
        })
        .send()
        .await
        .unwrap();
    let role_id = api
        .app_role_read_role_id()
        .approle_mount_path(&mount)
        .role_name(role)
        .send()
        .await
        .unwrap()
        .into_inner()
        .into_data()
        .unwrap()
        .role_id
        .unwrap();
    let secret_id: SecretString = api
        .app_role_write_secret_id()
        .approle_mount_path(&mount)
        .role_name(role)
        .body_map(|b| b)
        .send()
        .await
        .unwrap()
        .into_inner()
        .into_data()
        .unwrap()
        .secret_id
        .unwrap()
        .into();
    AppRoleSetup {
        mount,
        role_id,
        secret_id,
    }
}
