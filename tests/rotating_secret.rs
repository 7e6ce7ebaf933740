//! Rotating dynamic credentials (`hashivault::lease::rotating`) on the wire, in paused time (see
//! `renew_schedule.rs` for how): the fetch, renewals of its lease, new credentials fetched at
//! 2/3 of what is left once the max TTL caps renewal, a lost lease replaced at once, a fetch
//! retried while Vault cannot answer and stopped when it refuses, the credentials never shown.
//! Answers: `tests/fixtures/renew/` (recorded from OpenBao 2.7.2's database engine).

mod common;

use std::time::Duration;

use hashivault::lease::{RotatingSecret, RotatingSecretBuilder, RotationEvent};
use hashivault::reqwest::Method;
use hashivault::{Client, Sensitive};
use httpmock::prelude::*;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::time::Instant;

use common::paused::{
    assert_calls, called_once_in_background, dropped_then_calls, events, exact, lease_renew,
    lease_renewed_answer, lease_revoke, near_ms as near, paused_client, renew_fixture as fixture,
    sealed_answer, sealed_waits, Phase,
};
use common::wire::call;

const FIRST: &str = "database/creds/app/hbddL9I35uds8pseTvUVI5H0";
const SECOND: &str = "database/creds/app/Qm1bJk6xhwB3zXUxKXcQ0d4N";
const TOKEN: &str = "s.app";

#[derive(Deserialize)]
struct DbCreds {
    username: String,
    password: Sensitive,
}

/// The recorded `database/creds/app` answer with `lease` for `ttl` seconds and `user`.
fn creds(lease: &str, ttl: u64, renewable: bool, user: &str) -> Value {
    let mut v = fixture("database-creds.json");
    v["lease_id"] = json!(lease);
    v["lease_duration"] = json!(ttl);
    v["renewable"] = json!(renewable);
    v["data"]["username"] = json!(user);
    v
}

/// `GET /v1/database/creds/app` with the client's token.
fn creds_read() -> common::wire::Call {
    call(GET, "/v1/database/creds/app").token(TOKEN)
}

/// Mocks [`creds_read`] during `phase` `p`, answered with renewable credentials ([`creds`]).
async fn issued<'a>(
    server: &'a MockServer,
    phase: &Phase,
    p: usize,
    lease: &str,
    ttl: u64,
    user: &str,
) -> httpmock::Mock<'a> {
    creds_read()
        .during(phase, p)
        .answers(server, 200, creds(lease, ttl, true, user))
        .await
}

/// Vault's 403 answer of a token without the right.
fn permission_denied() -> Value {
    json!({"errors": ["1 error occurred:\n\t* permission denied\n\n"]})
}

/// Mocks [`creds_read`] at any time, answered with [`FIRST`] for 60 s.
async fn first_issued(server: &MockServer) -> httpmock::Mock<'_> {
    creds_read()
        .answers(server, 200, creds(FIRST, 60, true, "v-app-first"))
        .await
}

/// `POST sys/leases/renew` of [`FIRST`] for `ttl` seconds, with the client's token.
fn renew_first(ttl: u64) -> common::wire::Call {
    lease_renew(FIRST, Some(ttl)).token(TOKEN)
}

/// Credentials from `database/creds/app` through `Client::request`, on the exact schedule, left
/// alone when dropped.
fn rotating(client: &Client) -> RotatingSecretBuilder<DbCreds> {
    client
        .rotating_secret(|client| async move {
            client
                .request::<DbCreds, ()>(Method::GET, "database/creds/app", None)
                .await
        })
        .schedule(exact())
        .revoke_on_drop(false)
}

/// Pauses the clock and starts [`rotating`]: the handle and the instant it started at.
fn start_rotating(client: &Client) -> (RotatingSecret<DbCreds>, Instant) {
    tokio::time::pause();
    let start = Instant::now();
    (rotating(client).spawn(), start)
}

/// Reads the first event and asserts it is the first credentials' `Rotated`.
async fn first_rotation(secret: &mut RotatingSecret<DbCreds>, start: Instant) {
    let seen = events(secret, start, 1).await;
    assert!(matches!(
        seen[0].1,
        RotationEvent::Rotated { generation: 1, .. }
    ));
}

/// A mock server, a [`paused_client`] of it with [`TOKEN`], and a [`Phase`] for its mocks.
async fn serve() -> (MockServer, Client, Phase) {
    let server = MockServer::start_async().await;
    let client = paused_client(&server, Some(TOKEN));
    (server, client, Phase::default())
}

#[tokio::test]
async fn credentials_are_renewed_then_rotated_before_their_max_ttl() {
    let (server, client, phase) = serve().await;
    let first = issued(&server, &phase, 0, FIRST, 9, "v-app-first").await;
    let full = renew_first(9)
        .during(&phase, 0)
        .answers(&server, 200, lease_renewed_answer(FIRST, 9))
        .await;
    let capped = renew_first(9)
        .during(&phase, 1)
        .answers(&server, 200, lease_renewed_answer(FIRST, 5))
        .await;
    let second = issued(&server, &phase, 2, SECOND, 9, "v-app-second").await;
    let (mut secret, start) = start_rotating(&client);
    let gen1 = secret.ready().await.unwrap();
    assert_eq!(gen1.generation(), 1);
    assert_eq!(gen1.lease().id, FIRST);
    assert_eq!(gen1.data().username, "v-app-first");
    let mut changes = secret.watch();
    changes.borrow_and_update();

    let seen = events(&mut secret, start, 2).await;
    assert!(
        matches!(&seen[0].1, RotationEvent::Rotated { generation: 1, lease_id, .. } if lease_id == FIRST),
        "{seen:?}"
    );
    // 2/3 of 9 s: renewed for the full 9 s.
    assert!(near(seen[1].0, 6000, 1), "{seen:?}");
    assert!(matches!(seen[1].1, RotationEvent::Renewed { ttl } if ttl == Duration::from_secs(9)));
    phase.set(1);
    // At 12 s the renewal gives 5 s (the max TTL): new credentials at 2/3 of those 5 s.
    let seen = events(&mut secret, start, 1).await;
    assert!(near(seen[0].0, 12000, 2), "{seen:?}");
    let RotationEvent::Ending {
        expires_at,
        rotate_at,
    } = seen[0].1
    else {
        panic!("{seen:?}");
    };
    assert_eq!((expires_at - start).as_secs(), 17);
    // New credentials at 2/3 of the 5 s left: 1.667 s before the end.
    assert_eq!((expires_at - rotate_at).as_millis(), 1666);
    phase.set(2);
    let seen = events(&mut secret, start, 1).await;
    assert!(near(seen[0].0, 15333, 3), "{seen:?}");
    assert!(
        matches!(&seen[0].1, RotationEvent::Rotated { generation: 2, lease_id, .. } if lease_id == SECOND),
        "{seen:?}"
    );
    // The receiver saw the change; the first credentials are still whole where they are held.
    assert!(changes.has_changed().unwrap());
    let gen2 = changes.borrow_and_update().clone().unwrap();
    assert_eq!(gen2.generation(), 2);
    assert_eq!(gen2.data().username, "v-app-second");
    assert_eq!(secret.current().unwrap().lease().id, SECOND);
    assert_eq!(gen1.data().password.expose(), "S9L-dBxGGF3stc6c13sO");
    let calls = [(&first, 1), (&full, 1), (&capped, 1), (&second, 1)];
    dropped_then_calls(secret, &calls).await;
}

#[tokio::test]
async fn a_lost_lease_is_replaced_at_once() {
    let (server, client, phase) = serve().await;
    let first = issued(&server, &phase, 0, FIRST, 30, "v-app-first").await;
    let lost = renew_first(30)
        .answers(&server, 400, json!({"errors": ["lease not found"]}))
        .await;
    let second = issued(&server, &phase, 1, SECOND, 30, "v-app-second").await;
    let (mut secret, start) = start_rotating(&client);
    first_rotation(&mut secret, start).await;
    phase.set(1);
    let seen = events(&mut secret, start, 2).await;
    // At 20 s (2/3 of 30 s) Vault no longer knows the lease: new credentials at once.
    assert!(near(seen[0].0, 20_000, 1), "{seen:?}");
    let RotationEvent::Lost(e) = &seen[0].1 else {
        panic!("{seen:?}");
    };
    assert!(e.is_invalid_request(), "{e:?}");
    assert!(near(seen[1].0, 20_000, 1), "{seen:?}");
    assert!(matches!(
        seen[1].1,
        RotationEvent::Rotated { generation: 2, .. }
    ));
    dropped_then_calls(secret, &[(&first, 1), (&lost, 1), (&second, 1)]).await;
}

#[tokio::test]
async fn a_fetch_is_retried_while_vault_is_sealed_and_stops_when_refused() {
    let (server, client, phase) = serve().await;
    let sealed = creds_read()
        .answers_during(&server, (&phase, 0), (503, sealed_answer()))
        .await;
    let denied = creds_read()
        .answers_during(&server, (&phase, 1), (403, permission_denied()))
        .await;
    let (mut secret, start) = start_rotating(&client);
    // Backoff 1 s, 2 s, 4 s (no jitter): one request per wait, no storm.
    let seen = events(&mut secret, start, 3).await;
    let waits = sealed_waits(&seen, |e| match e {
        RotationEvent::FetchFailed { error, retry_in } => Some((error, *retry_in)),
        _ => None,
    });
    assert_eq!(waits, [1, 2, 4]);
    assert!(near(seen[2].0, 3000, 2), "{seen:?}");
    phase.set(1);
    let seen = events(&mut secret, start, 2).await;
    assert_eq!(seen.len(), 1, "the task ends after Stopped: {seen:?}");
    assert!(near(seen[0].0, 7000, 3), "{seen:?}");
    let RotationEvent::Stopped(e) = &seen[0].1 else {
        panic!("{seen:?}");
    };
    assert!(e.is_permission_denied(), "{e:?}");
    let err = secret.ready().await.unwrap_err();
    assert!(err.is_permission_denied(), "{err:?}");
    assert!(secret.current().is_none());
    tokio::time::resume();
    assert_calls(&[(&sealed, 3), (&denied, 1)]).await;
}

#[tokio::test]
async fn an_answer_without_a_lease_stops_at_once() {
    let (server, client, _) = serve().await;
    let mut static_creds = creds("", 0, false, "v-static");
    static_creds["lease_id"] = json!("");
    let read = creds_read().answers(&server, 200, static_creds).await;
    let secret = rotating(&client).spawn();
    let err = secret.ready().await.unwrap_err();
    assert!(err.is_invalid_input(), "{err:?}");
    assert!(err.to_string().contains("no lease"), "{err}");
    assert_eq!(read.calls_async().await, 1);
}

#[tokio::test]
async fn debug_and_events_never_show_the_credentials() {
    let (server, client, _) = serve().await;
    first_issued(&server).await;
    let mut secret = rotating(&client).spawn();
    let current = secret.ready().await.unwrap();
    let event = secret.next_event().await.unwrap();
    let shown = format!("{current:?} {secret:?} {event:?}");
    assert!(!shown.contains("S9L-dBxGGF3stc6c13sO"), "{shown}");
    assert!(!shown.contains("v-app-first"), "{shown}");
    assert!(shown.contains(FIRST), "the lease id is shown: {shown}");
}

#[tokio::test]
async fn dropping_the_handle_revokes_the_current_lease_and_ends_the_task() {
    let (server, client, _) = serve().await;
    first_issued(&server).await;
    let revoke = lease_revoke(FIRST)
        .token(TOKEN)
        .answers(&server, 204, Value::Null)
        .await;
    let secret = client
        .rotating_secret(|client| async move {
            client
                .request::<DbCreds, ()>(Method::GET, "database/creds/app", None)
                .await
        })
        .spawn();
    secret.ready().await.unwrap();
    let mut events = secret.events();
    drop(secret);
    // The readers see the end; the revocation runs in the background (real time, bounded).
    assert!(tokio::time::timeout(Duration::from_secs(5), events.next())
        .await
        .unwrap()
        .is_none());
    called_once_in_background(&revoke).await;
}

#[tokio::test]
async fn rotate_now_fetches_new_credentials_at_once() {
    let (server, client, phase) = serve().await;
    let first = issued(&server, &phase, 0, FIRST, 60, "v-app-first").await;
    let second = issued(&server, &phase, 1, SECOND, 60, "v-app-second").await;
    let (mut secret, start) = start_rotating(&client);
    first_rotation(&mut secret, start).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    phase.set(1);
    secret.rotate_now();
    let seen = events(&mut secret, start, 1).await;
    // At once, not at the scheduled renewal (40 s): no renewal was sent.
    assert!(near(seen[0].0, 5000, 1), "{seen:?}");
    assert!(
        matches!(&seen[0].1, RotationEvent::Rotated { generation: 2, lease_id, .. } if lease_id == SECOND),
        "{seen:?}"
    );
    dropped_then_calls(secret, &[(&first, 1), (&second, 1)]).await;
}
