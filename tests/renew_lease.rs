//! The lease watcher on the wire, in paused time (see `renew_schedule.rs` for how): renewals on
//! schedule with the lease's duration as increment, the max-TTL cap, a lease Vault lost,
//! revocation on request and on drop.

mod common;

use std::time::Duration;

use hashivault::lease::{Lease, LeaseEvent, LeaseStatus, LeaseWatcherBuilder};
use hashivault::reqwest::Method;
use hashivault::{Client, Envelope};
use httpmock::prelude::*;
use serde_json::{json, Value};

use common::paused::{
    assert_calls, called_once_in_background, dropped_then_calls, events, exact, lease_renew,
    lease_renewed_answer, lease_revoke, near_ms as near, paused_client, renew_fixture as fixture,
    spawn_paused, Phase,
};

const LEASE: &str = "database/creds/app/3cbWfSYrMfFRrWWRKNXWsFUb";

fn creds(ttl: u64, renewable: bool) -> Value {
    let mut v = fixture("database-creds.json");
    v["lease_id"] = json!(LEASE);
    v["lease_duration"] = json!(ttl);
    v["renewable"] = json!(renewable);
    v
}

/// Reads the credentials through the handwritten `request` (a generated call gives the same
/// `Envelope`), and its lease.
async fn read_creds(server: &MockServer, client: &Client, ttl: u64, renewable: bool) -> Lease {
    let read = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/database/creds/app");
            then.status(200).json_body(creds(ttl, renewable));
        })
        .await;
    let answer: Envelope = client
        .request(Method::GET, "database/creds/app", None::<&()>)
        .await
        .unwrap();
    read.assert_async().await;
    let lease = Lease::from_envelope(&answer).unwrap();
    assert_eq!(lease.id, LEASE);
    lease
}

/// A watcher of `lease` on the [`exact`] schedule that leaves the lease alone when dropped.
fn kept(client: &Client, lease: Lease) -> LeaseWatcherBuilder {
    client
        .lease_watcher(lease)
        .schedule(exact())
        .revoke_on_drop(false)
}

#[tokio::test]
async fn a_lease_is_renewed_on_schedule_until_its_max_ttl() {
    let server = MockServer::start_async().await;
    let client = paused_client(&server, Some("s.app"));
    let lease = read_creds(&server, &client, 9, true).await;
    let phase = Phase::default();
    let full = lease_renew(LEASE, Some(9))
        .token("s.app")
        .during(&phase, 0)
        .answers(&server, 200, lease_renewed_answer(LEASE, 9))
        .await;
    let capped = lease_renew(LEASE, Some(9))
        .token("s.app")
        .during(&phase, 1)
        .answers(&server, 200, lease_renewed_answer(LEASE, 5))
        .await;
    let revoke = lease_revoke(LEASE).answers(&server, 204, Value::Null).await;
    let (mut watcher, start) = spawn_paused(client.lease_watcher(lease).schedule(exact()));
    let first = events(&mut watcher, start, 1).await;
    // 2/3 of 9 s; the increment asked for is the lease's duration.
    assert!(near(first[0].0, 6000, 1), "{first:?}");
    assert!(matches!(first[0].1, LeaseEvent::Renewed { ttl } if ttl == Duration::from_secs(9)));
    phase.set(1);
    let second = events(&mut watcher, start, 1).await;
    assert!(near(second[0].0, 12000, 2), "{second:?}");
    let LeaseEvent::MaxTtlReached { expires_at } = second[0].1 else {
        panic!("{second:?}");
    };
    assert_eq!((expires_at - start).as_secs(), 17);
    assert!(matches!(watcher.status(), LeaseStatus::Ending { .. }));
    // Renewal stops there: the next event is none.
    assert!(watcher.next_event().await.is_none());
    tokio::time::resume();
    watcher.revoke().await.unwrap();
    assert_calls(&[(&full, 1), (&capped, 1), (&revoke, 1)]).await;
}

#[tokio::test]
async fn a_lease_vault_lost_is_reported() {
    let server = MockServer::start_async().await;
    let client = paused_client(&server, Some("s.app"));
    let lease = read_creds(&server, &client, 30, true).await;
    let renew = lease_renew(LEASE, Some(30))
        .token("s.app")
        .answers(&server, 400, json!({"errors": ["lease not found"]}))
        .await;
    let (mut watcher, start) = spawn_paused(kept(&client, lease));
    let seen = events(&mut watcher, start, 2).await;
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(near(seen[0].0, 20_000, 1), "{seen:?}");
    let LeaseEvent::Lost(e) = &seen[0].1 else {
        panic!("{seen:?}");
    };
    assert!(e.is_invalid_request());
    assert!(matches!(watcher.status(), LeaseStatus::Gone));
    dropped_then_calls(watcher, &[(&renew, 1)]).await;
}

#[tokio::test]
async fn renewal_failures_back_off_and_a_lease_that_expires_is_lost() {
    let server = MockServer::start_async().await;
    let client = paused_client(&server, Some("s.app"));
    let lease = read_creds(&server, &client, 9, true).await;
    let renew = lease_renew(LEASE, Some(9))
        .token("s.app")
        .answers(&server, 503, json!({"errors": ["Vault is sealed"]}))
        .await;
    let (mut watcher, start) = spawn_paused(kept(&client, lease));
    let seen = events(&mut watcher, start, 10).await;
    // 6 s, then 1 s later, then 2/3 of the 2 s left (1.333 s): past 9 s it is gone.
    let expected = [6000, 7000, 8333, 9333];
    assert_eq!(seen.len(), 4, "{seen:?}");
    for (i, ((t, _), e)) in seen.iter().zip(expected).enumerate() {
        assert!(near(*t, e, i as u64 + 1), "{seen:?}");
    }
    assert!(matches!(seen[3].1, LeaseEvent::Lost(_)));
    dropped_then_calls(watcher, &[(&renew, 3)]).await;
}

#[tokio::test]
async fn a_lease_that_is_not_renewable_is_reported_at_once() {
    let server = MockServer::start_async().await;
    let client = paused_client(&server, Some("s.app"));
    let lease = read_creds(&server, &client, 60, false).await;
    let renew = lease_renew(LEASE, Some(60))
        .token("s.app")
        .answers(&server, 200, lease_renewed_answer(LEASE, 60))
        .await;
    let (mut watcher, start) = spawn_paused(kept(&client, lease));
    let seen = events(&mut watcher, start, 2).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].0, 0);
    assert!(matches!(seen[0].1, LeaseEvent::NotRenewable { .. }));
    dropped_then_calls(watcher, &[(&renew, 0)]).await;
}

#[tokio::test]
async fn dropping_the_watcher_revokes_the_lease() {
    let server = MockServer::start_async().await;
    let client = paused_client(&server, Some("s.app"));
    let lease = read_creds(&server, &client, 60, true).await;
    let revoke = lease_revoke(LEASE).answers(&server, 204, Value::Null).await;
    let watcher = client.lease_watcher(lease).spawn();
    drop(watcher);
    // The revocation runs in the background: wait for it (real time, bounded).
    called_once_in_background(&revoke).await;
}

#[test]
fn answers_without_a_lease_have_none() {
    let answer: Envelope = serde_json::from_value(fixture("renew-self.json")).unwrap();
    assert!(Lease::from_envelope(&answer).is_none());
}
