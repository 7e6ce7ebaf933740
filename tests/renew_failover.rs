//! The token renewer and the lease watcher through a failover, on the wire, in paused time (see
//! `renew_schedule.rs` for how): a standby's `307` (followed between plain-http nodes, or
//! refused by a stricter policy and retried), 5xx and 412 answers retried, never a stop; a
//! stopped renewer as an error; owned event readers; the lease helpers' requests.

mod common;

use std::time::Duration;

use hashivault::auth::{RenewEvent, StopReason, TokenStatus};
use hashivault::lease::{Lease, LeaseEvent, LeaseStatus};
use hashivault::{Client, RedirectPolicy};
use httpmock::prelude::*;
use serde_json::{json, Value};

use common::paused::{
    approle, approle_login, approle_login_refused, assert_calls, call, called_once_in_background,
    dropped_then_calls, events_until, exact, exact_renewer, lease_renew, lease_renewed_answer,
    lease_revoke, login_answer, looked_up, lookup_self, near, paused_client_with as paused,
    relogging, renew_fixture as fixture, renew_self, renewed_answer, renewing, spawn_paused, Phase,
    SECRET_ID,
};
use common::wire::{any_request, client_as, tokenless_client, Reply};

const TOKEN: &str = "s.FAILOVERTOKEN";
const LEASE: &str = "database/creds/app/3cbWfSYrMfFRrWWRKNXWsFUb";

/// The done rule of [`events_until`] for a failover: each failure moves `phase` on, so the next
/// request gets the next mocked answer; done at the first event `until` accepts.
fn failing_over(
    phase: &Phase,
    until: fn(&RenewEvent) -> bool,
) -> impl FnMut(Duration, &RenewEvent) -> bool + '_ {
    move |_, event| {
        if matches!(
            event,
            RenewEvent::RenewFailed { .. } | RenewEvent::LoginFailed { .. }
        ) {
            phase.set(phase.get() + 1);
        }
        until(event)
    }
}

/// A standby of a plain-http cluster answers the renewal with a `307` to the active node on
/// another port: the default policy follows it, with the token, and the renewal succeeds there.
#[tokio::test]
async fn a_standby_redirect_to_the_active_node_is_followed_between_plain_http_nodes() {
    let standby = MockServer::start_async().await;
    let active = MockServer::start_async().await;
    let lookup = looked_up(&standby, TOKEN, 10, true).await;
    let hop = call(POST, "/v1/auth/token/renew-self")
        .redirects_to(&standby, &active)
        .await;
    let renew = renewing(&active, TOKEN, 10).await;
    let client = paused(&standby, Some(TOKEN), RedirectPolicy::default());
    let (mut renewer, start) = spawn_paused(exact_renewer(&client));
    let event = renewer.next_event().await.unwrap();
    let at = start.elapsed();
    assert!(
        matches!(event, RenewEvent::Renewed { ttl } if ttl == Duration::from_secs(10)),
        "{event:?}"
    );
    assert!(near(at, 20_000.0 / 3.0, 1), "{at:?}");
    dropped_then_calls(renewer, &[(&lookup, 1), (&hop, 1)]).await;
    assert_eq!(renew.calls_async().await, 1, "renewed on the active node");
}

/// The failover that used to stop the renewer for good: the standby's `307` is refused by the
/// policy (`Error::Redirect`); the renewer retries with backoff and renews once the cluster
/// answers, never `Stopped`.
#[tokio::test]
async fn a_refused_redirect_during_a_failover_is_retried_not_fatal() {
    let standby = MockServer::start_async().await;
    let active = MockServer::start_async().await;
    let phase = Phase::default();
    looked_up(&standby, TOKEN, 10, true).await;
    let hop = call(POST, "/v1/auth/token/renew-self")
        .during(&phase, 0)
        .redirects_to(&standby, &active)
        .await;
    let down = renew_self(TOKEN)
        .during(&phase, 1)
        .answers(
            &standby,
            500,
            json!({"errors": ["local node not active but active cluster node not found"]}),
        )
        .await;
    let back = renew_self(TOKEN)
        .during(&phase, 2)
        .answers(&standby, 200, renewed_answer(TOKEN, 10))
        .await;
    let foreign = any_request()
        .answers(&active, 200, renewed_answer(TOKEN, 10))
        .await;
    let client = paused(&standby, Some(TOKEN), RedirectPolicy::same_origin());
    let (mut renewer, start) = spawn_paused(exact_renewer(&client));
    let seen = events_until(
        &mut renewer,
        start,
        failing_over(&phase, |e| matches!(e, RenewEvent::Renewed { .. })),
    )
    .await;
    assert_eq!(seen.len(), 3, "{seen:?}");
    let RenewEvent::RenewFailed { error, retry_in } = &seen[0].1 else {
        panic!("{seen:?}");
    };
    assert!(error.is_redirect(), "{error}");
    assert_eq!(*retry_in, Duration::from_secs(1));
    let RenewEvent::RenewFailed { error, .. } = &seen[1].1 else {
        panic!("{seen:?}");
    };
    assert_eq!(error.status(), Some(500), "{error}");
    assert!(matches!(seen[2].1, RenewEvent::Renewed { .. }), "{seen:?}");
    // 6.667 s, then 1 s of backoff (then min(2 s, 2/3 of what is left)).
    assert!(near(seen[0].0, 20_000.0 / 3.0, 1), "{seen:?}");
    assert!(near(seen[1].0, 20_000.0 / 3.0 + 1000.0, 2), "{seen:?}");
    assert!(matches!(renewer.status(), TokenStatus::Valid { .. }));
    // The refused origin saw no request (`foreign`).
    dropped_then_calls(renewer, &[(&hop, 1), (&down, 1), (&back, 1), (&foreign, 0)]).await;
}

/// A login answered by a refused redirect, then by a proxy's 502, is retried with backoff
/// until it succeeds: neither is `LoginFailing`.
#[tokio::test]
async fn a_login_failing_with_a_refused_redirect_or_5xx_is_retried() {
    let node = MockServer::start_async().await;
    let other = MockServer::start_async().await;
    let phase = Phase::default();
    let hop = call(POST, "/v1/auth/approle/login")
        .during(&phase, 0)
        .redirects_to(&node, &other)
        .await;
    let bad_gateway = approle_login()
        .during(&phase, 1)
        .answers(
            &node,
            502,
            Reply::Html("<html><body>502 Bad Gateway</body></html>".into()),
        )
        .await;
    let up = approle_login()
        .during(&phase, 2)
        .answers(&node, 200, login_answer(TOKEN, 3600))
        .await;
    let stolen = any_request()
        .answers(&other, 200, login_answer(TOKEN, 3600))
        .await;
    let client = paused(&node, None, RedirectPolicy::same_origin());
    let (mut renewer, start) = spawn_paused(relogging(&client));
    let seen = events_until(
        &mut renewer,
        start,
        failing_over(&phase, |e| matches!(e, RenewEvent::LoggedIn { .. })),
    )
    .await;
    let kinds: Vec<String> = seen
        .iter()
        .map(|(_, e)| match e {
            RenewEvent::LoginFailed { error, .. } if error.is_redirect() => "redirect".into(),
            RenewEvent::LoginFailed { error, .. } => format!("{:?}", error.status()),
            other => format!("{other:?}")
                .split([' ', '(', '{'])
                .next()
                .unwrap()
                .into(),
        })
        .collect();
    assert_eq!(kinds, ["redirect", "Some(502)", "LoggedIn"], "{seen:?}");
    // At once, then 1 s and 2 s of backoff.
    assert!(near(seen[0].0, 0.0, 1), "{seen:?}");
    assert!(near(seen[1].0, 1000.0, 2), "{seen:?}");
    assert!(near(seen[2].0, 3000.0, 3), "{seen:?}");
    renewer.ready().await.unwrap();
    assert_eq!(client.token().map(|_| ()), Some(()));
    // The secret id never went to the refused origin (`stolen`).
    dropped_then_calls(
        renewer,
        &[(&hop, 1), (&bad_gateway, 1), (&up, 1), (&stolen, 0)],
    )
    .await;
}

/// The lease watcher through the same failover: a 412 and a refused redirect are retried, the
/// lease is renewed, never `Lost`.
#[tokio::test]
async fn a_lease_renewal_failing_over_is_retried_not_lost() {
    let node = MockServer::start_async().await;
    let other = MockServer::start_async().await;
    let phase = Phase::default();
    let precondition = lease_renew(LEASE, Some(9))
        .token(TOKEN)
        .during(&phase, 0)
        .answers(
            &node,
            412,
            json!({"errors": ["required index state not present"]}),
        )
        .await;
    let hop = call(POST, "/v1/sys/leases/renew")
        .during(&phase, 1)
        .redirects_to(&node, &other)
        .await;
    let renew = lease_renew(LEASE, Some(9))
        .token(TOKEN)
        .during(&phase, 2)
        .answers(&node, 200, lease_renewed_answer(LEASE, 9))
        .await;
    let client = paused(&node, Some(TOKEN), RedirectPolicy::same_origin());
    let (mut watcher, start) = spawn_paused(
        client
            .lease_watcher(Lease::new(LEASE, Duration::from_secs(9), true))
            .schedule(exact())
            .revoke_on_drop(false),
    );
    let mut seen = Vec::new();
    while let Some(event) = watcher.next_event().await {
        let done = !matches!(event, LeaseEvent::RenewFailed { .. });
        if !done {
            phase.set(phase.get() + 1);
        }
        seen.push((start.elapsed(), event));
        if done {
            break;
        }
    }
    assert_eq!(seen.len(), 3, "{seen:?}");
    let LeaseEvent::RenewFailed { error, .. } = &seen[0].1 else {
        panic!("{seen:?}");
    };
    assert!(error.is_precondition_failed(), "{error}");
    let LeaseEvent::RenewFailed { error, .. } = &seen[1].1 else {
        panic!("{seen:?}");
    };
    assert!(error.is_redirect(), "{error}");
    assert!(matches!(seen[2].1, LeaseEvent::Renewed { ttl } if ttl == Duration::from_secs(9)));
    // 6 s, 1 s later, then 2/3 of the 2 s left.
    for (i, expected) in [6000.0, 7000.0, 7000.0 + 4000.0 / 3.0]
        .into_iter()
        .enumerate()
    {
        assert!(near(seen[i].0, expected, i + 1), "{seen:?}");
    }
    assert!(matches!(watcher.status(), LeaseStatus::Active { .. }));
    dropped_then_calls(watcher, &[(&precondition, 1), (&hop, 1), (&renew, 1)]).await;
}

/// `renewer.ready().await?` in a function returning a boxed error: the reason reads well and
/// shows neither the secret id nor the token.
#[tokio::test]
async fn a_stopped_renewer_is_an_error_that_reads_well() {
    async fn start(client: &Client) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let renewer = client.auth().renewer().login(approle()).spawn();
        renewer.ready().await?;
        Ok(())
    }
    let server = MockServer::start_async().await;
    let refused = approle_login_refused(&server).await;
    let client = tokenless_client(&server);
    let err = start(&client).await.unwrap_err();
    let shown = err.to_string();
    assert_eq!(
        shown,
        "the login is refused: Vault answered 400 (InvalidRequest) to POST \
         /v1/auth/approle/login (app_role_login): invalid role or secret ID",
    );
    assert!(!format!("{shown} {err:?}").contains(SECRET_ID), "{err:?}");
    let reason = err.downcast_ref::<StopReason>().expect("a StopReason");
    assert!(matches!(reason, StopReason::LoginFailing(e) if e.is_invalid_request()));
    assert_eq!(refused.calls_async().await, 1);

    // A revoked token without a login method: the token never shows.
    let lookup = lookup_self(TOKEN)
        .answers(&server, 403, fixture("permission-denied.json"))
        .await;
    let with_token = client_as(&server, TOKEN);
    let renewer = with_token.auth().renewer().spawn();
    let reason = renewer.ready().await.unwrap_err();
    let boxed: Box<dyn std::error::Error + Send + Sync> = reason.into();
    let shown = format!("{boxed} {boxed:?}");
    assert!(
        boxed
            .to_string()
            .starts_with("the token was revoked: Vault answered 403 (Forbidden) to GET"),
        "{boxed}"
    );
    assert!(!shown.contains(TOKEN), "{shown}");
    assert_eq!(lookup.calls_async().await, 1);
    assert_eq!(
        StopReason::Cancelled.to_string(),
        "the renewer was stopped by its owner"
    );
}

/// One task reads the events and the status while another holds the handle; dropping the
/// handle ends the background task: the reader sees `Stopped(Cancelled)` and the end, the
/// status says stopped.
#[tokio::test]
async fn events_are_read_elsewhere_and_dropping_the_handle_ends_the_task() {
    let server = MockServer::start_async().await;
    let lookup = looked_up(&server, TOKEN, 3600, true).await;
    let client = client_as(&server, TOKEN);
    let renewer = client.auth().renewer().spawn();
    renewer.ready().await.unwrap();
    let mut events = renewer.events();
    let mut status = renewer.watch();
    let reader = tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Some(event) = events.next().await {
            seen.push(event);
        }
        seen
    });
    let status_reader = tokio::spawn(async move {
        while status.changed().await.is_ok() {}
        // The sender is gone: the task has ended; its last word is the stop.
        let last = status.borrow().clone();
        last
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        !reader.is_finished(),
        "the reader waits while the renewer runs"
    );
    drop(renewer);
    let seen = tokio::time::timeout(Duration::from_secs(5), reader)
        .await
        .expect("the reader ends once the handle is dropped")
        .unwrap();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(
        matches!(seen[0], RenewEvent::Stopped(StopReason::Cancelled)),
        "{seen:?}"
    );
    let last = tokio::time::timeout(Duration::from_secs(5), status_reader)
        .await
        .expect("the status channel closes: no task outlives the handle")
        .unwrap();
    assert!(
        matches!(last, TokenStatus::Stopped(StopReason::Cancelled)),
        "{last:?}"
    );
    assert_eq!(lookup.calls_async().await, 1);

    // `stop()` on a kept handle does the same, and `is_finished` tells.
    let renewer = client.auth().renewer().spawn();
    renewer.ready().await.unwrap();
    let mut events = renewer.events();
    renewer.stop();
    assert!(matches!(
        events.next().await,
        Some(RenewEvent::Stopped(StopReason::Cancelled))
    ));
    assert!(events.next().await.is_none());
    tokio::time::timeout(Duration::from_secs(5), async {
        while !renewer.is_finished() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the task ended");
    assert!(matches!(
        renewer.status(),
        TokenStatus::Stopped(StopReason::Cancelled)
    ));
}

/// The same for a lease watcher: the reader sees the end, the status `Stopped`, and the dropped
/// handle revokes the lease (one `POST sys/leases/revoke` with its id).
#[tokio::test]
async fn lease_events_are_read_elsewhere_and_dropping_the_handle_ends_the_task() {
    let server = MockServer::start_async().await;
    let revoke = lease_revoke(LEASE)
        .token(TOKEN)
        .answers(&server, 204, Value::Null)
        .await;
    let client = client_as(&server, TOKEN);
    let watcher = client
        .lease_watcher(Lease::new(LEASE, Duration::from_secs(3600), true))
        .spawn();
    let mut events = watcher.events();
    let mut status = watcher.watch();
    let reader = tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Some(event) = events.next().await {
            seen.push(event);
        }
        seen
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!reader.is_finished());
    drop(watcher);
    let seen = tokio::time::timeout(Duration::from_secs(5), reader)
        .await
        .expect("the reader ends once the handle is dropped")
        .unwrap();
    assert!(seen.is_empty(), "{seen:?}");
    tokio::time::timeout(Duration::from_secs(5), async {
        while status.changed().await.is_ok() {}
    })
    .await
    .expect("the status channel closes: no task outlives the handle");
    assert!(matches!(*status.borrow(), LeaseStatus::Stopped));
    called_once_in_background(&revoke).await;
}

/// The lease helpers send the spec's operations: the exact method, path and body, and their
/// errors name the operation.
#[tokio::test]
async fn the_lease_helpers_send_the_spec_operations() {
    let server = MockServer::start_async().await;
    let without_increment = lease_renew(LEASE, None)
        .token(TOKEN)
        .answers(&server, 200, lease_renewed_answer(LEASE, 3600))
        .await;
    let with_increment = lease_renew(LEASE, Some(600))
        .token(TOKEN)
        .answers(&server, 200, lease_renewed_answer(LEASE, 600))
        .await;
    let revoke = lease_revoke(LEASE)
        .token(TOKEN)
        .answers(&server, 204, Value::Null)
        .await;
    let client = client_as(&server, TOKEN);
    let answer = client.renew_lease(LEASE, None).await.unwrap();
    assert_eq!(
        (answer.lease_id.as_str(), answer.lease_duration),
        (LEASE, 3600)
    );
    let answer = client
        .renew_lease(LEASE, Some(Duration::from_secs(600)))
        .await
        .unwrap();
    assert_eq!(answer.lease_duration, 600);
    client.revoke_lease(LEASE).await.unwrap();
    assert_calls(&[(&without_increment, 1), (&with_increment, 1), (&revoke, 1)]).await;

    let unknown = "database/creds/app/unknown";
    let lost = lease_renew(unknown, None)
        .token(TOKEN)
        .answers(&server, 400, json!({"errors": ["lease not found"]}))
        .await;
    let err = client.renew_lease(unknown, None).await.unwrap_err();
    assert!(err.is_invalid_request(), "{err}");
    assert_eq!(err.operation(), Some("leases_renew_lease"), "{err:?}");
    assert_eq!(err.messages(), ["lease not found"]);
    assert_eq!(lost.calls_async().await, 1);
}
