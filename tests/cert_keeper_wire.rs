//! The certificate keeper (`hashivault::cert`, feature `cert-keeper`) on the wire, in paused
//! time (see `renew_schedule.rs` for how): the exact issue request, the chain and key served to
//! rustls, a new certificate at 2/3 of each one's life (requests counted over simulated time),
//! backoff on 503 while the current certificate is still served, a refusal that stops it, the
//! end of the task when the handle is dropped, and no private key in `Debug`, events, errors or
//! traces.
//!
//! The answers are `tests/fixtures/pki/issue-web.json`, recorded from OpenBao 2.7.2 (see the
//! README there), with `expiration` patched to "now + TTL" by the wall clock: the keeper reads
//! `expiration` against `SystemTime`, which paused tokio time does not move, so every answer
//! gives the same TTL.
#![cfg(feature = "cert-keeper")]

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hashivault::auth::RenewSchedule;
use hashivault::cert::{CertEvent, CertKeeper, CertRequest, CertStatus, CertStop};
use hashivault::Client;
use httpmock::prelude::*;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{SignatureAlgorithm, SignatureScheme};
use serde_json::{json, Value};
use tokio::time::Instant;

use common::paused::{events_until, exact, paused_client, renew_fixture, sealed_answer, Phase};
use common::wire::{call, Call};

const TOKEN: &str = "s.CERTKEEPER";

/// One test at a time: tracing caches whether a call site is enabled, and a keeper's first event
/// on another test's thread (no subscriber there) while `no_private_key_in_debug_events_errors_or_traces`
/// sets its own can leave that test without the keeper's traces.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
const SERIAL: &str = "33:2f:81:20:d6:b0:07:8b:2a:c8:67:f7:58:da:70:cc:95:56:2d:54";

/// [`ONE_AT_A_TIME`]'s guard, a mock server and a [`Phase`] for its mocks.
async fn serial() -> (tokio::sync::MutexGuard<'static, ()>, MockServer, Phase) {
    let one = ONE_AT_A_TIME.lock().await;
    (one, MockServer::start_async().await, Phase::default())
}

/// The recorded issue answer.
fn recorded() -> Value {
    let path = format!(
        "{}/tests/fixtures/pki/issue-web.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The recorded answer, expiring `ttl` + 0.5 to `ttl` + 1 seconds from now (`expiration` is
/// whole seconds: this waits for the first half of a second, so that the answers given in the
/// next half second give more than `ttl`).
fn issued(ttl: u64) -> Value {
    loop {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        if now.subsec_millis() < 500 {
            break;
        }
        std::thread::sleep(Duration::from_millis(u64::from(1000 - now.subsec_millis())));
    }
    let mut v = recorded();
    v["data"]["expiration"] = json!(unix_now() + 1 + ttl);
    v
}

/// What the keeper asks for in these tests.
fn request() -> CertRequest {
    CertRequest::new("localhost")
        .with_alt_names(["app.localhost"])
        .with_ip_sans(["127.0.0.1"])
        .with_ttl(Duration::from_secs(30))
}

/// `POST /v1/pki/issue/web` with the client's token and exactly the body of [`request`].
fn issue() -> Call {
    call(POST, "/v1/pki/issue/web")
        .token(TOKEN)
        .header("x-vault-request", "true")
        .body(json!({
            "common_name": "localhost",
            "alt_names": "app.localhost",
            "ip_sans": ["127.0.0.1"],
            "ttl": "30s",
            "format": "pem",
        }))
}

/// Mocks [`issue`] during `phase` `p`, answered with a 30 s certificate ([`issued`]).
async fn issued_during<'a>(server: &'a MockServer, phase: &Phase, p: usize) -> httpmock::Mock<'a> {
    issue()
        .answers_during(server, (phase, p), (200, issued(30)))
        .await
}

/// A keeper of `client` on `schedule`, the clock paused from now: the handle and its start.
fn start_paused(client: &Client, schedule: RenewSchedule) -> (CertKeeper, Instant) {
    tokio::time::pause();
    let start = Instant::now();
    let keeper = client
        .cert_keeper("pki", "web", request())
        .schedule(schedule)
        .event_capacity(1024)
        .spawn();
    (keeper, start)
}

fn issued_times(events: &[(Duration, CertEvent)]) -> Vec<f64> {
    events
        .iter()
        .filter(|(_, e)| matches!(e, CertEvent::Issued(_)))
        .map(|(at, _)| at.as_secs_f64())
        .collect()
}

/// Stops the keeper and lets real time run again (httpmock's own calls need it).
fn finish(keeper: CertKeeper) {
    keeper.stop();
    drop(keeper);
    tokio::time::resume();
}

#[tokio::test]
async fn the_first_certificate_is_issued_with_the_exact_request_and_served_to_rustls() {
    let (_one, server, _) = serial().await;
    let mock = issue().answers(&server, 200, issued(30)).await;
    let client = paused_client(&server, Some(TOKEN));
    let keeper = client.cert_keeper("pki", "web", request()).spawn();

    let first = keeper.ready().await.expect("a certificate");
    assert_eq!(first.serial, SERIAL);
    let left = first.expiration.duration_since(SystemTime::now()).unwrap();
    assert!(
        left > Duration::from_secs(25) && left <= Duration::from_secs(31),
        "{left:?}"
    );
    assert!(matches!(keeper.status(), CertStatus::Serving(ref i) if i.serial == SERIAL));

    // The chain rustls gets: the leaf, then the CA of `ca_chain`; the key signs with ECDSA.
    let answer = recorded();
    let der = |pem: &Value| CertificateDer::from_pem_slice(pem.as_str().unwrap().as_bytes());
    let served = keeper.resolver().current().expect("served");
    assert_eq!(
        served.cert,
        [
            der(&answer["data"]["certificate"]).unwrap(),
            der(&answer["data"]["ca_chain"][0]).unwrap()
        ]
    );
    assert_eq!(served.key.algorithm(), SignatureAlgorithm::ECDSA);
    let signer = served
        .key
        .choose_scheme(&[SignatureScheme::ECDSA_NISTP256_SHA256])
        .expect("a P-256 key");
    assert!(!signer.sign(b"handshake transcript").unwrap().is_empty());
    // Both resolvers hand out the same key.
    let resolver = keeper.resolver();
    assert!(rustls::client::ResolvesClientCert::has_certs(&resolver));
    let client_side =
        rustls::client::ResolvesClientCert::resolve(&resolver, &[], &[]).expect("served");
    assert!(Arc::ptr_eq(&client_side, &served));

    assert_eq!(mock.calls_async().await, 1);
}

/// Issues with `schedule` for `secs` of paused time, the certificates living `ttl` s: the
/// seconds at which each was issued, how long each had to live then, and the requests.
async fn issues_over(ttl: u64, secs: u64, schedule: RenewSchedule) -> (Vec<f64>, Vec<f64>, usize) {
    let server = MockServer::start_async().await;
    let mock = issue().answers(&server, 200, issued(ttl)).await;
    let client = paused_client(&server, Some(TOKEN));
    let (mut keeper, start) = start_paused(&client, schedule);
    let events = events_until(&mut keeper, start, |at, _| at >= Duration::from_secs(secs)).await;
    assert!(
        events
            .iter()
            .all(|(_, e)| matches!(e, CertEvent::Issued(i) if i.serial == SERIAL)),
        "{events:?}"
    );
    let lives = events
        .iter()
        .filter_map(|(at, e)| match e {
            CertEvent::Issued(i) => Some((i.expires_at - (start + *at)).as_secs_f64()),
            _ => None,
        })
        .collect();
    finish(keeper);
    (issued_times(&events), lives, mock.calls_async().await)
}

#[tokio::test]
async fn a_new_certificate_at_two_thirds_of_each_life() {
    let _one = ONE_AT_A_TIME.lock().await;
    // 30 s certificates for 5 minutes, no jitter: one at 0, then every 20 s (2/3 of the 30 to
    // 31 s each has left when it comes).
    let (times, lives, calls) = issues_over(30, 300, exact()).await;
    assert_eq!(times.len(), 16, "{times:?}");
    assert!(times[0] < 0.01, "{times:?}");
    for (i, pair) in times.windows(2).enumerate() {
        let (gap, expected) = (pair[1] - pair[0], lives[i] * 2.0 / 3.0);
        assert!(
            (30.0..31.01).contains(&lives[i]) && gap >= expected && gap < expected + 0.01,
            "issue {} after {gap} s, expected {expected} s: {times:?}",
            i + 1
        );
    }
    assert_eq!(calls, 16);
    // The first, then 15 in 300 s of 30 s certificates: 1.5 per certificate lifetime.
    println!(
        "30 s certificates, exact schedule: {calls} requests in 300 s = the first + {:.2} per lifetime",
        (calls - 1) as f64 * 30.0 / 300.0
    );
}

#[tokio::test]
async fn the_default_schedule_replaces_a_certificate_at_60_to_67_percent_of_its_life() {
    let _one = ONE_AT_A_TIME.lock().await;
    // 1 h certificates for 10 hours with the default jitter.
    let (times, lives, calls) = issues_over(3600, 36_000, RenewSchedule::default()).await;
    assert_eq!(calls, times.len());
    for (i, pair) in times.windows(2).enumerate() {
        let share = (pair[1] - pair[0]) / lives[i];
        assert!(
            (0.6..=0.6667).contains(&share),
            "replaced after {share} of a {} s certificate",
            lives[i]
        );
    }
    // 10 h / 36–40 min: 15 to 17 replacements, plus the first.
    assert!((16..=18).contains(&calls), "{calls} requests: {times:?}");
    println!(
        "1 h certificates, default schedule: {calls} requests in 10 h = the first + {:.2} per lifetime",
        (calls - 1) as f64 / 10.0
    );
}

#[tokio::test]
async fn a_503_is_retried_with_backoff_while_the_certificate_is_still_served() {
    let (_one, server, phase) = serial().await;
    let ok = issued_during(&server, &phase, 0).await;
    let sealed = issue()
        .answers_during(&server, (&phase, 1), (503, sealed_answer()))
        .await;
    let back = issued_during(&server, &phase, 2).await;
    let client = paused_client(&server, Some(TOKEN));
    let (mut keeper, start) = start_paused(&client, exact());
    let resolver = keeper.resolver();

    // Vault goes away after the first certificate; it comes back after 120 s.
    let mut served_while_failing = Vec::new();
    let events = events_until(&mut keeper, start, |at, event| match event {
        CertEvent::Issued(_) if phase.get() == 0 => {
            phase.set(1);
            false
        }
        CertEvent::IssueFailed { .. } => {
            served_while_failing.push(resolver.issued().map(|i| i.serial));
            if at >= Duration::from_secs(120) {
                phase.set(2);
            }
            false
        }
        CertEvent::Issued(_) => true,
        _ => false,
    })
    .await;

    let failures: Vec<(f64, Duration)> = events
        .iter()
        .filter_map(|(at, e)| match e {
            CertEvent::IssueFailed { error, retry_in } => {
                assert_eq!(error.status(), Some(503), "{error}");
                Some((at.as_secs_f64(), *retry_in))
            }
            _ => None,
        })
        .collect();
    // Within the certificate's life: at 20 s (2/3 of 30), then after 1, 2, 4 s (then capped by
    // 2/3 of what is left).
    let first: Vec<u64> = failures.iter().take(3).map(|(_, r)| r.as_secs()).collect();
    assert_eq!(first, [1, 2, 4], "{failures:?}");
    assert!((20.0..20.8).contains(&failures[0].0), "{failures:?}");
    // No storm: never two requests less than the 1 s floor apart, and few over 5 minutes.
    for pair in failures.windows(2) {
        assert!(pair[1].0 - pair[0].0 >= 0.999, "{failures:?}");
    }
    assert!(failures.iter().all(|(_, r)| *r >= Duration::from_secs(1)));
    assert!(
        failures.len() <= 16,
        "{} requests: {failures:?}",
        failures.len()
    );
    // The certificate stayed in the resolver while it failed; it expired, the keeper said so
    // and went on.
    assert!(served_while_failing
        .iter()
        .all(|s| s.as_deref() == Some(SERIAL)));
    let expired_at = events
        .iter()
        .find_map(|(at, e)| {
            matches!(e, CertEvent::Expired { serial } if serial == SERIAL).then_some(*at)
        })
        .expect("an Expired event");
    assert!(
        (Duration::from_secs(29)..Duration::from_secs(32)).contains(&expired_at),
        "{expired_at:?}"
    );
    assert!(matches!(events.last(), Some((_, CertEvent::Issued(_)))));
    assert!(matches!(keeper.status(), CertStatus::Serving(_)));
    let failed = failures.len();
    finish(keeper);
    assert_eq!(ok.calls_async().await, 1);
    assert_eq!(sealed.calls_async().await, failed);
    assert_eq!(back.calls_async().await, 1);
    println!(
        "an outage of 2 minutes and more, 30 s certificates: {failed} failed requests, new certificate at {:?}",
        events.last().unwrap().0
    );
}

#[tokio::test]
async fn a_refusal_by_vault_stops_the_keeper_and_keeps_the_last_certificate() {
    let (_one, server, phase) = serial().await;
    let ok = issued_during(&server, &phase, 0).await;
    let denied = issue()
        .answers_during(
            &server,
            (&phase, 1),
            (403, renew_fixture("permission-denied.json")),
        )
        .await;
    let client = paused_client(&server, Some(TOKEN));
    let (mut keeper, start) = start_paused(&client, exact());
    let events = events_until(&mut keeper, start, |_, event| {
        if matches!(event, CertEvent::Issued(_)) {
            phase.set(1);
        }
        false
    })
    .await;
    assert_eq!(events.len(), 2, "{events:?}");
    let (at, CertEvent::Stopped(CertStop::Refused(error))) = &events[1] else {
        panic!("{events:?}");
    };
    assert!((20.0..20.8).contains(&at.as_secs_f64()), "{at:?}");
    assert_eq!(error.status(), Some(403));
    assert!(matches!(
        keeper.status(),
        CertStatus::Stopped(CertStop::Refused(_))
    ));
    assert_eq!(keeper.next_event().await.map(|_| ()), None);
    assert_eq!(keeper.issued().map(|i| i.serial).as_deref(), Some(SERIAL));
    // Nothing more is asked.
    tokio::time::sleep(Duration::from_secs(600)).await;
    finish(keeper);
    assert_eq!(ok.calls_async().await, 1);
    assert_eq!(denied.calls_async().await, 1);
}

#[tokio::test]
async fn a_refused_first_issue_fails_ready() {
    let (_one, server, _) = serial().await;
    let denied = issue()
        .answers(
            &server,
            400,
            json!({"errors": ["common name localhost not allowed by this role"]}),
        )
        .await;
    let client = paused_client(&server, Some(TOKEN));
    let keeper = client.cert_keeper("pki", "web", request()).spawn();
    match keeper.ready().await {
        Err(stop @ CertStop::Refused(_)) => {
            let CertStop::Refused(error) = &stop else {
                unreachable!()
            };
            assert_eq!(error.status(), Some(400));
            // An error of its own (`?` into Box<dyn Error>) whose text has Vault's refusal, so
            // it is not its source too: printed as a chain, the refusal shows once.
            let text = stop.to_string();
            assert!(
                text.starts_with("the certificate keeper stopped: "),
                "{text}"
            );
            assert!(text.contains("not allowed by this role"), "{text}");
            assert!(std::error::Error::source(&stop).is_none());
            let chained = format!("{:#}", anyhow::Error::from(stop.clone()));
            assert_eq!(chained, text);
        }
        other => panic!("{other:?}"),
    }
    assert!(keeper.current().is_none());
    assert_eq!(denied.calls_async().await, 1);
}

#[tokio::test]
async fn dropping_the_keeper_ends_its_task_and_its_requests() {
    let (_one, server, _) = serial().await;
    let mock = issue().answers(&server, 200, issued(30)).await;
    let client = paused_client(&server, Some(TOKEN));
    let (keeper, _) = start_paused(&client, exact());
    keeper.ready().await.unwrap();
    let resolver = keeper.resolver();
    let mut events = keeper.events();
    let status = keeper.watch();
    drop(keeper);
    assert!(matches!(
        events.next().await,
        Some(CertEvent::Stopped(CertStop::Cancelled))
    ));
    assert!(events.next().await.is_none(), "the channel closes");
    assert!(matches!(
        *status.borrow(),
        CertStatus::Stopped(CertStop::Cancelled)
    ));
    // Ten minutes later nothing more was asked; the resolver still has the last certificate
    // (it does not keep the task alive).
    tokio::time::sleep(Duration::from_secs(600)).await;
    tokio::time::resume();
    assert_eq!(mock.calls_async().await, 1);
    assert_eq!(resolver.issued().unwrap().serial, SERIAL);
}

/// The base64 of the recorded key, a line of it, and the PEM header: none may show.
fn key_pieces() -> Vec<String> {
    let key = recorded()["data"]["private_key"]
        .as_str()
        .unwrap()
        .to_string();
    let line = key.lines().nth(1).unwrap().to_string();
    vec![
        "PRIVATE KEY".into(),
        line[..24].to_string(),
        line[24..48].to_string(),
    ]
}

/// A tracing writer into a shared buffer.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_private_key_in_debug_events_errors_or_traces() {
    let _one = ONE_AT_A_TIME.lock().await;
    let traces = Buffer::default();
    let writer = traces.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start_async().await;
    let phase = Phase::default();
    issued_during(&server, &phase, 0).await;
    // Then a key that is not PEM, with a secret-looking line inside.
    let mut bad = issued(30);
    bad["data"]["private_key"] = json!(
        "-----BEGIN EC PRIVATE KEY-----\nNOTBASE64!!SECRETLINE\n-----END EC PRIVATE KEY-----"
    );
    issue().during(&phase, 1).answers(&server, 200, bad).await;
    let client = paused_client(&server, Some(TOKEN));
    let (mut keeper, start) = start_paused(&client, exact());
    let events = events_until(&mut keeper, start, |_, event| match event {
        CertEvent::Issued(_) => {
            phase.set(1);
            false
        }
        CertEvent::IssueFailed { .. } => true,
        _ => false,
    })
    .await;
    let CertEvent::IssueFailed { error, .. } = &events.last().unwrap().1 else {
        panic!("{events:?}");
    };
    assert!(
        error
            .to_string()
            .contains("`private_key` is not a PEM private key"),
        "{error}"
    );

    let mut shown = vec![
        format!("{keeper:?}"),
        format!("{:?}", keeper.resolver()),
        format!("{:?}", keeper.status()),
        format!("{:?}", keeper.issued()),
        format!("{events:?}"),
        format!("{error} {error:?}"),
    ];
    finish(keeper);
    shown.push(String::from_utf8(traces.0.lock().unwrap().clone()).unwrap());
    assert!(shown[5].contains("pki_issue_with_role"), "{}", shown[5]);
    assert!(shown[6].contains("cert keeper"), "no traces: {}", shown[6]);
    for text in &shown {
        for piece in key_pieces()
            .iter()
            .map(String::as_str)
            .chain(["SECRETLINE"])
        {
            assert!(!text.contains(piece), "{piece:?} in {text}");
        }
    }
}

#[tokio::test]
async fn a_certificate_already_expired_by_this_clock_is_not_served_and_backs_off() {
    let (_one, server, _) = serial().await;
    // A server clock far behind this one: every certificate is past its `expiration` here.
    let mut stale = recorded();
    stale["data"]["expiration"] = json!(unix_now() - 60);
    let mock = issue().answers(&server, 200, stale).await;
    let client = paused_client(&server, Some(TOKEN));
    let (mut keeper, start) = start_paused(&client, exact());
    let events = events_until(&mut keeper, start, |at, _| at >= Duration::from_secs(120)).await;
    let retries: Vec<u64> = events
        .iter()
        .map(|(_, e)| match e {
            CertEvent::IssueFailed { error, retry_in } => {
                assert!(
                    error.to_string().contains("already past its `expiration`"),
                    "{error}"
                );
                retry_in.as_secs()
            }
            other => panic!("{other:?}"),
        })
        .collect();
    // Exponential backoff, not a request per floor: at 0, 1, 3, 7, 15, 31, 63 and 123 s.
    assert_eq!(retries, [1, 2, 4, 8, 16, 32, 60, 60], "{events:?}");
    assert!(keeper.current().is_none());
    assert!(matches!(keeper.status(), CertStatus::Pending));
    finish(keeper);
    assert_eq!(mock.calls_async().await, 8);
}
