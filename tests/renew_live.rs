//! The token renewer against a real OpenBao with 10 s tokens: renewed once per period, the max
//! TTL reached, a new login that revokes the token it replaces.
// The API groups this file's calls use: empty without them (`scripts/feature-sets.sh`).
#![cfg(all(feature = "sys", feature = "auth-approle"))]

mod common;

use std::time::Duration;

use hashivault::auth::{AppRole, RenewEvent};
use hashivault::Client;

#[tokio::test]
async fn a_10s_approle_token_is_renewed_then_replaced_at_max_ttl() {
    let Some(root) = common::live_client("a_10s_approle_token_is_renewed_then_replaced_at_max_ttl")
    else {
        return;
    };
    let common::live::AppRoleSetup {
        mount,
        role_id,
        secret_id,
    } = common::live::approle_role(&root, "app", 10, Some(20)).await;

    let client = Client::builder().address(root.address()).build().unwrap();
    let login = AppRole::new(mount.clone(), role_id, Some(secret_id));
    let renewer = client.auth().renewer().login(login).spawn();
    renewer.ready().await.unwrap();
    // From after the first login on.
    let mut events = renewer.subscribe();
    let first = client.token().unwrap();

    // Renewed ~6.5 s in (10 s more), capped ~13 s in (7 s left of 20), new login ~17.5 s in.
    let started = std::time::Instant::now();
    let mut seen = Vec::new();
    tokio::time::timeout(Duration::from_secs(40), async {
        while let Ok(event) = events.recv().await {
            let logged_in = matches!(event, RenewEvent::LoggedIn { .. });
            seen.push((started.elapsed().as_secs_f64(), format!("{event:?}")));
            if logged_in {
                break;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no new login within 40 s: {seen:?}"));
    let kinds: Vec<&str> = seen
        .iter()
        .map(|(_, e)| e.split([' ', '(']).next().unwrap())
        .collect();
    assert_eq!(kinds, ["Renewed", "MaxTtlReached", "LoggedIn"], "{seen:?}");
    // One renewal per period: the first renewal after 6-6.7 s, not at once.
    assert!(seen[0].0 >= 5.5 && seen[0].0 <= 7.5, "{seen:?}");

    // The new token works; the one it replaced was revoked.
    assert!(client.auth().is_authenticated().await.unwrap());
    let old = client.with_token(first).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!old.auth().is_authenticated().await.unwrap());
    renewer.stop();
}
