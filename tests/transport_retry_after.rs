//! `Retry-After` on `429` and `503`: the wait Vault asks for, within the deadline, and a clear
//! error at once when it would pass the deadline. Gaps are measured on a loopback server, with
//! generous bounds.
// The API groups this file's calls use: empty without them (`scripts/feature-sets.sh`).
#![cfg(feature = "cubbyhole")]

mod common;
mod transport_support;

use std::time::{Duration, Instant, SystemTime};

use hashivault::{Client, DeadlineReason};
use transport_support::{answer, builder, read, serve};

const OK: &str = r#"{"request_id":"r","data":{"k":"v"}}"#;

fn client(url: &str, deadline: Option<Duration>) -> Client {
    let mut b = builder(url, "t", 3);
    if let Some(d) = deadline {
        b = b.deadline(d);
    }
    b.build().unwrap()
}

#[tokio::test]
async fn retry_after_seconds_is_waited_for() {
    for status in [429, 503] {
        let script = serve(vec![
            answer(status, &[("Retry-After", "1")], r#"{"errors":["busy"]}"#),
            answer(200, &[], OK),
        ])
        .await;
        let answer = read(&client(&script.url(), Some(Duration::from_secs(10))))
            .await
            .unwrap();
        assert_eq!(answer.data.unwrap()["k"], "v");
        let gaps = script.gaps();
        assert_eq!(gaps.len(), 1, "one retry");
        // The backoff alone would be 1–5 ms.
        assert!(gaps[0] >= Duration::from_millis(950), "{gaps:?}");
        assert!(gaps[0] < Duration::from_secs(4), "{gaps:?}");
        eprintln!(
            "figures: {status} Retry-After: 1 -> retry gap {} ms (backoff alone 1-5 ms)",
            gaps[0].as_millis()
        );
    }
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_waited_for() {
    let when = httpdate_in(Duration::from_secs(3));
    let script = serve(vec![
        answer(
            503,
            &[("Retry-After", &when)],
            r#"{"errors":["Vault is sealed"]}"#,
        ),
        answer(200, &[], OK),
    ])
    .await;
    read(&client(&script.url(), None)).await.unwrap();
    let gaps = script.gaps();
    // The date has whole seconds: between 2 and 3 s from the first answer.
    assert!(gaps[0] >= Duration::from_millis(1500), "{gaps:?}");
    assert!(gaps[0] < Duration::from_secs(6), "{gaps:?}");
    eprintln!(
        "figures: 503 Retry-After: <HTTP date 3 s ahead> -> retry gap {} ms",
        gaps[0].as_millis()
    );
}

fn httpdate_in(d: Duration) -> String {
    // RFC 7231 IMF-fixdate, formatted by hand to keep the test free of a date crate.
    let secs = (SystemTime::now() + d)
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let days = secs / 86400;
    let (h, m, s) = ((secs / 3600) % 24, (secs / 60) % 60, secs % 60);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    let (year, month, day) = common::civil_from_days(days as i64);
    let mon = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(month - 1) as usize];
    format!("{weekday}, {day:02} {mon} {year} {h:02}:{m:02}:{s:02} GMT")
}

#[tokio::test]
async fn a_retry_after_past_the_deadline_fails_at_once() {
    let script = serve(vec![
        answer(
            429,
            &[("Retry-After", "30")],
            r#"{"errors":["rate limit quota exceeded"]}"#,
        ),
        answer(200, &[], OK),
    ])
    .await;
    let started = Instant::now();
    let err = read(&client(&script.url(), Some(Duration::from_secs(2))))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    let hashivault::Error::Deadline(deadline) = &err else {
        panic!("not a deadline error: {err}");
    };
    assert_eq!(
        deadline.reason,
        DeadlineReason::RetryAfter(Duration::from_secs(30))
    );
    let shown = err.to_string();
    assert!(
        shown.contains("Retry-After") && shown.contains("deadline"),
        "{shown}"
    );
    assert!(
        shown.contains("rate limit quota exceeded"),
        "keeps Vault's answer: {shown}"
    );
    assert!(
        deadline
            .last
            .as_ref()
            .is_some_and(|last| last.is_rate_limited()),
        "{err:?}"
    );
    assert_eq!(script.hits().len(), 1, "no retry");
    assert!(
        elapsed < Duration::from_secs(1),
        "at once, not at the deadline: {elapsed:?}"
    );
    eprintln!(
        "figures: Retry-After 30 s under a 2 s deadline: failed after {} ms, 1 attempt (overrun 0)",
        elapsed.as_millis()
    );
}

#[tokio::test]
async fn without_a_deadline_a_very_long_retry_after_fails_at_once() {
    let script = serve(vec![answer(
        503,
        &[("Retry-After", "3600")],
        r#"{"errors":["maintenance"]}"#,
    )])
    .await;
    let started = Instant::now();
    let err = read(&client(&script.url(), None)).await.unwrap_err();
    assert!(err.is_deadline(), "{err}");
    assert!(err.to_string().contains("without a deadline"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(script.hits().len(), 1);
}

#[tokio::test]
async fn health_states_with_retry_after_are_answers_not_waits() {
    let body = r#"{"initialized":true,"sealed":true,"standby":true,"server_time_utc":0,"version":"2.7.2"}"#;
    let script = serve(vec![answer(503, &[("Retry-After", "30")], body)]).await;
    let started = Instant::now();
    let health = client(&script.url(), None).sys_health().await.unwrap();
    assert!(health.sealed);
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(script.hits().len(), 1);
}
