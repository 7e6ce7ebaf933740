//! The token renewer's schedule on the wire, in paused time: exact number and timing of
//! requests for short and long TTLs, the max-TTL cap, failures, revocation, slow readers.
//!
//! Time is paused (`tokio::time::pause`) after the mocks are set up, so sleeps take no real time
//! and every instant is exact. The HTTP client has no timers of its own (no timeouts, no pool
//! idle timer), so the paused clock only moves when the renewer sleeps. Answers change between
//! phases of a test through a shared counter read by the mocks' matchers, set by the test when it
//! sees an event (while the renewer sleeps).

mod common;

use std::time::Duration;

use hashivault::auth::{RenewEvent, StopReason, TokenStatus};
use httpmock::prelude::*;
use serde_json::json;
use tokio::time::Instant;

use common::paused::{
    approle, approle_login, approle_login_refused, assert_calls, assert_times, events_until, every,
    exact, exact_renewer, finish, logging_in, login_answer, looked_up, paused_client, relogging,
    renew_fixture as fixture, renew_self, renewed_answer, renewing, revoking, spawn_paused,
    spawn_renewer, times, Phase,
};

const OLD: &str = "s.OLDTOKEN";
const NEW: &str = "s.NEWTOKEN";

#[tokio::test]
async fn a_10s_token_is_renewed_once_per_period_at_two_thirds() {
    let server = MockServer::start_async().await;
    let lookup = looked_up(&server, OLD, 10, true).await;
    let renew = renewing(&server, OLD, 10).await;
    let (_client, mut renewer, start) = spawn_renewer(&server, Some(OLD), exact_renewer);
    // One minute of a 10 s token.
    let events = events_until(&mut renewer, start, |at, _| at >= Duration::from_secs(60)).await;
    // Every 6.667 s (2/3 of 10 s): 9 renewals in 60 s, one per renewal period.
    assert_times(&times(&events), &every(20_000.0 / 3.0, 9));
    assert!(events
        .iter()
        .all(|(_, e)| matches!(e, RenewEvent::Renewed { ttl } if *ttl == Duration::from_secs(10))));
    finish(renewer);
    assert_calls(&[(&lookup, 1), (&renew, 9)]).await;
}

#[tokio::test]
async fn a_1h_token_is_renewed_every_40_minutes() {
    let server = MockServer::start_async().await;
    let lookup = looked_up(&server, OLD, 3600, true).await;
    let renew = renewing(&server, OLD, 3600).await;
    let (_client, mut renewer, start) = spawn_renewer(&server, Some(OLD), exact_renewer);
    let events = events_until(&mut renewer, start, |at, _| {
        at >= Duration::from_secs(86_400)
    })
    .await;
    // 24 h of a 1 h token: 36 renewals, 2400 s apart.
    assert_times(&times(&events), &every(2_400_000.0, 36));
    finish(renewer);
    assert_calls(&[(&lookup, 1), (&renew, 36)]).await;
}

/// A 2 s token with a 5 s floor: the renewer never waits less than 5 s, so the token expires
/// first and is replaced by a login once per floor, never in a loop (the old renewer logged in
/// 59 times in 5 s for a 10 s token).
#[tokio::test]
async fn a_ttl_below_the_floor_gives_one_login_per_floor_not_a_loop() {
    let server = MockServer::start_async().await;
    looked_up(&server, OLD, 2, true).await;
    let renew = renewing(&server, OLD, 2).await;
    let renew_new = renew_self(NEW)
        .answers(&server, 200, renewed_answer(OLD, 2))
        .await;
    let login = logging_in(&server, NEW, 2).await;
    let client = paused_client(&server, Some(OLD));
    let schedule = exact().with_floor(Duration::from_secs(5));
    let (mut renewer, start) =
        spawn_paused(exact_renewer(&client).login(approle()).schedule(schedule));
    let events = events_until(&mut renewer, start, |at, _| at >= Duration::from_secs(60)).await;
    assert!(events
        .iter()
        .all(|(_, e)| matches!(e, RenewEvent::LoggedIn { .. })));
    assert_times(&times(&events), &every(5_000.0, 12));
    finish(renewer);
    // Expired tokens are not renewed (nor revoked): 12 logins in a minute, nothing else.
    assert_calls(&[(&renew, 0), (&renew_new, 0), (&login, 12)]).await;
}

#[tokio::test]
async fn jitter_spreads_renewals_within_ten_percent() {
    let server = MockServer::start_async().await;
    looked_up(&server, OLD, 100, true).await;
    renewing(&server, OLD, 100).await;
    let (_client, mut renewer, start) = spawn_renewer(&server, Some(OLD), |c| c.auth().renewer());
    let mut last = Duration::ZERO;
    let mut waits = Vec::new();
    for _ in 0..20 {
        renewer.next_event().await.unwrap();
        let at = start.elapsed();
        waits.push(at - last);
        last = at;
    }
    // 2/3 of 100 s minus up to 10 %: between 60 and 66.7 s, and not all the same.
    assert!(waits[1..]
        .iter()
        .all(|w| *w >= Duration::from_secs(60) && *w <= Duration::from_millis(66_668)));
    assert!(waits[1..].iter().any(|w| *w != waits[1]));
    finish(renewer);
}

#[tokio::test]
async fn a_renewal_capped_by_max_ttl_ends_renewal_without_a_login() {
    let server = MockServer::start_async().await;
    let phase = Phase::default();
    looked_up(&server, OLD, 10, true).await;
    let full = renew_self(OLD)
        .during(&phase, 0)
        .answers(&server, 200, renewed_answer(OLD, 10))
        .await;
    let mut capped_body = renewed_answer(OLD, 4);
    capped_body["warnings"] = json!([
        "TTL of \"10s\" exceeded the effective max_ttl of \"4s\"; TTL value is capped accordingly"
    ]);
    let capped = renew_self(OLD)
        .during(&phase, 1)
        .answers(&server, 200, capped_body)
        .await;
    let (_client, mut renewer, start) = spawn_renewer(&server, Some(OLD), exact_renewer);
    let events = events_until(&mut renewer, start, |_, e| {
        if matches!(e, RenewEvent::Renewed { .. }) {
            phase.set(1);
        }
        false
    })
    .await;
    assert_times(&times(&events), &every(20_000.0 / 3.0, 2));
    let RenewEvent::Stopped(StopReason::MaxTtlReached { expires_at }) = &events[1].1 else {
        panic!("{events:?}");
    };
    // The token stays good until then: 4 s after the capped renewal (itself at 13 333.3 ms or up
    // to 2 ms of timer rounding later, depending on where the paused clock started).
    assert_times(&[*expires_at - start], &[17_333.3]);
    assert!(renewer.ready().await.is_ok());
    assert!(matches!(renewer.status(), TokenStatus::Stopped(_)));
    finish(renewer);
    assert_calls(&[(&full, 1), (&capped, 1)]).await;
}

#[tokio::test]
async fn at_max_ttl_the_renewer_logs_in_again_and_revokes_the_old_token() {
    let server = MockServer::start_async().await;
    let phase = Phase::default();
    looked_up(&server, OLD, 10, true).await;
    let full = renew_self(OLD)
        .during(&phase, 0)
        .answers(&server, 200, renewed_answer(OLD, 10))
        .await;
    let capped = renew_self(OLD)
        .during(&phase, 1)
        .answers(&server, 200, renewed_answer(OLD, 4))
        .await;
    let login = logging_in(&server, NEW, 10).await;
    let revoke_old = revoking(&server, OLD).await;
    let revoke_new = revoking(&server, NEW).await;
    let renew_new = renew_self(NEW)
        .answers(&server, 200, renewed_answer(OLD, 10))
        .await;
    let (client, mut renewer, start) = spawn_renewer(&server, Some(OLD), relogging);
    let events = events_until(&mut renewer, start, |_, e| {
        if matches!(e, RenewEvent::Renewed { .. }) {
            phase.set(phase.get() + 1);
        }
        phase.get() >= 2
    })
    .await;
    let kinds: Vec<String> = events
        .iter()
        .map(|(_, e)| {
            format!("{e:?}")
                .split([' ', '('])
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(kinds, ["Renewed", "MaxTtlReached", "LoggedIn", "Renewed"]);
    // 2/3 of the 4 s left: a new login 2.667 s later, before the old token expires; the new
    // token is renewed on its own schedule.
    assert_times(&times(&events), &[6_666.7, 13_333.3, 16_000.0, 22_666.7]);
    assert_eq!(
        client
            .token()
            .map(|t| hashivault::ExposeSecret::expose_secret(&t).to_string()),
        Some(NEW.to_string())
    );
    finish(renewer);
    assert_calls(&[
        (&full, 1),
        (&capped, 1),
        (&login, 1),
        (&revoke_old, 1),
        (&revoke_new, 0),
        (&renew_new, 1),
    ])
    .await;
}

#[tokio::test]
async fn revoke_replaced_can_be_turned_off() {
    let server = MockServer::start_async().await;
    looked_up(&server, OLD, 10, false).await;
    let login = logging_in(&server, NEW, 10).await;
    let revoke_old = revoking(&server, OLD).await;
    let (_client, mut renewer, start) =
        spawn_renewer(&server, Some(OLD), |c| relogging(c).revoke_replaced(false));
    let events = events_until(&mut renewer, start, |_, e| {
        matches!(e, RenewEvent::LoggedIn { .. })
    })
    .await;
    // Not renewable: a new login at 2/3 of the TTL, no renewal tried.
    assert_times(&times(&events), &[6_666.7]);
    finish(renewer);
    assert_calls(&[(&login, 1), (&revoke_old, 0)]).await;
}

#[tokio::test]
async fn a_revoked_token_stops_the_renewer_without_a_login() {
    let server = MockServer::start_async().await;
    looked_up(&server, OLD, 10, true).await;
    let renew = renew_self(OLD)
        .answers(&server, 403, fixture("permission-denied.json"))
        .await;
    let (_client, mut renewer, start) = spawn_renewer(&server, Some(OLD), exact_renewer);
    let events = events_until(&mut renewer, start, |_, _| false).await;
    assert_times(&times(&events), &[6_666.7]);
    let RenewEvent::Stopped(StopReason::Revoked(e)) = &events[0].1 else {
        panic!("{events:?}");
    };
    assert!(e.is_permission_denied());
    assert!(renewer.ready().await.is_err());
    assert!(renewer.next_event().await.is_none());
    finish(renewer);
    assert_eq!(renew.calls_async().await, 1);
}

#[tokio::test]
async fn a_revoked_token_is_replaced_at_once_and_not_revoked_again() {
    let server = MockServer::start_async().await;
    looked_up(&server, OLD, 10, true).await;
    let renew = renew_self(OLD)
        .answers(&server, 403, fixture("permission-denied.json"))
        .await;
    let login = logging_in(&server, NEW, 10).await;
    let revoke_old = revoking(&server, OLD).await;
    let (_client, mut renewer, start) = spawn_renewer(&server, Some(OLD), relogging);
    let events = events_until(&mut renewer, start, |_, _| true).await;
    assert_times(&times(&events), &[6_666.7]);
    assert!(matches!(events[0].1, RenewEvent::LoggedIn { .. }));
    assert!(renewer.ready().await.is_ok());
    finish(renewer);
    assert_calls(&[(&renew, 1), (&login, 1), (&revoke_old, 0)]).await;
}

/// Vault answers 503 to everything from the first renewal on, for 30 s and more; it comes back
/// while the renewer waits after its fifth login.
#[tokio::test]
async fn an_outage_gives_a_handful_of_logins_with_backoff() {
    let server = MockServer::start_async().await;
    let phase = Phase::default();
    looked_up(&server, OLD, 10, true).await;
    let sealed = json!({"errors": ["Vault is sealed"]});
    let renew_down = renew_self(OLD).answers(&server, 503, sealed.clone()).await;
    let login_down = approle_login()
        .during(&phase, 0)
        .answers(&server, 503, sealed)
        .await;
    let login_up = approle_login()
        .during(&phase, 1)
        .answers(&server, 200, login_answer(NEW, 10))
        .await;
    // The old token is revoked best-effort; Vault is back by then.
    let revoke_old = revoking(&server, OLD).await;
    let (_client, mut renewer, start) = spawn_renewer(&server, Some(OLD), relogging);
    let events = events_until(&mut renewer, start, |at, e| {
        if at >= Duration::from_secs(25) {
            phase.set(1);
        }
        matches!(e, RenewEvent::LoggedIn { .. })
    })
    .await;
    let kinds: Vec<&str> = events
        .iter()
        .map(|(_, e)| match e {
            RenewEvent::RenewFailed { .. } => "renew failed",
            RenewEvent::LoginFailed { .. } => "login failed",
            RenewEvent::LoggedIn { .. } => "logged in",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "renew failed",
            "renew failed",
            "renew failed",
            "login failed",
            "login failed",
            "login failed",
            "login failed",
            "login failed",
            "logged in"
        ]
    );
    assert_times(
        &times(&events),
        &[
            // Renewals retried 1 s, then 2/3 of what is left (at least the 1 s floor) apart...
            6_666.7, 7_666.7, 9_222.2,
            // ...until the token has expired; then logins 1, 2, 4, 8, 16 s apart: five in the
            // 30 s after the outage began.
            10_222.2, 11_222.2, 13_222.2, 17_222.2, 25_222.2, 41_222.2,
        ],
    );
    assert!(matches!(renewer.status(), TokenStatus::Valid { .. }));
    finish(renewer);
    // No renewal is sent once the token has expired (at 10 s).
    assert_calls(&[(&renew_down, 3), (&login_down, 5), (&login_up, 1)]).await;
    // The old token had expired: nothing to revoke.
    assert_eq!(revoke_old.calls_async().await, 0);
}

#[tokio::test]
async fn a_login_refused_for_good_stops_with_login_failing() {
    let server = MockServer::start_async().await;
    let login = approle_login_refused(&server).await;
    let (_client, mut renewer, start) = spawn_renewer(&server, None, relogging);
    assert!(matches!(renewer.status(), TokenStatus::Pending));
    let events = events_until(&mut renewer, start, |_, _| false).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].0, Duration::ZERO);
    let RenewEvent::Stopped(StopReason::LoginFailing(e)) = &events[0].1 else {
        panic!("{events:?}");
    };
    assert!(e.is_invalid_request());
    assert!(matches!(
        renewer.ready().await,
        Err(StopReason::LoginFailing(_))
    ));
    finish(renewer);
    assert_eq!(login.calls_async().await, 1);
}

#[tokio::test]
async fn without_a_token_the_renewer_logs_in_first_and_ready_waits_for_it() {
    let server = MockServer::start_async().await;
    let login = logging_in(&server, NEW, 10).await;
    let renew = renew_self(NEW)
        .answers(&server, 200, renewed_answer(OLD, 10))
        .await;
    let client = paused_client(&server, None);
    tokio::time::pause();
    let renewer = relogging(&client).spawn();
    renewer.ready().await.unwrap();
    assert!(client.has_token());
    assert!(matches!(
        renewer.status(),
        TokenStatus::Valid {
            expires_at: Some(_)
        }
    ));
    finish(renewer);
    assert_calls(&[(&login, 1), (&renew, 0)]).await;
}

#[tokio::test]
async fn a_non_renewable_token_without_a_login_stops_at_once() {
    let server = MockServer::start_async().await;
    looked_up(&server, OLD, 10, false).await;
    let renew = renewing(&server, OLD, 10).await;
    let (_client, mut renewer, start) = spawn_renewer(&server, Some(OLD), exact_renewer);
    let events = events_until(&mut renewer, start, |_, _| false).await;
    assert_eq!(events[0].0, Duration::ZERO);
    assert!(matches!(
        events[0].1,
        RenewEvent::Stopped(StopReason::NotRenewable { .. })
    ));
    // Still good for its 10 s.
    assert!(renewer.ready().await.is_ok());
    finish(renewer);
    assert_eq!(renew.calls_async().await, 0);
}

#[tokio::test]
async fn a_token_without_expiry_needs_nothing() {
    let server = MockServer::start_async().await;
    looked_up(&server, OLD, 0, false).await;
    let (_client, mut renewer, start) = spawn_renewer(&server, Some(OLD), |c| c.auth().renewer());
    let events = events_until(&mut renewer, start, |_, _| false).await;
    assert!(matches!(
        events[0].1,
        RenewEvent::Stopped(StopReason::NoExpiry)
    ));
    assert!(renewer.ready().await.is_ok());
    finish(renewer);
}

#[tokio::test]
async fn an_event_reader_that_never_reads_does_not_stop_renewal() {
    let server = MockServer::start_async().await;
    looked_up(&server, OLD, 10, true).await;
    let renew = renewing(&server, OLD, 10).await;
    let client = paused_client(&server, Some(OLD));
    tokio::time::pause();
    let start = Instant::now();
    // Nobody reads the renewer's events (16 kept); the state is watched instead.
    let mut renewer = exact_renewer(&client).spawn();
    let mut status = renewer.watch();
    status.changed().await.unwrap();
    assert_eq!(start.elapsed(), Duration::ZERO, "the lookup");
    let mut seen = Vec::new();
    while seen.len() < 40 {
        status.changed().await.unwrap();
        seen.push(start.elapsed());
    }
    // 40 renewals 6.667 s apart: far past the 16 kept events.
    assert_times(&seen, &every(20_000.0 / 3.0, 40));
    // The slow reader gets the newest events kept, not the first ones.
    let first_kept = renewer.next_event().await.unwrap();
    assert!(matches!(first_kept, RenewEvent::Renewed { .. }));
    finish(renewer);
    assert_eq!(renew.calls_async().await, 40);
}
