//! The KV watcher (`Kv2::watch`) on the wire, in paused time: the exact requests (one metadata
//! read per interval, a read of the new version by number only when it changed), the request
//! rate in steady state and during an outage (503 sealed, connection refused), a refusal that
//! stops it, a deleted version, the end of its task when the handle is dropped, and `Debug`
//! without secret data. Answers recorded from OpenBao 2.7.2 (`tests/fixtures/kv-watch/`).
//!
//! Time: the test never sleeps while the watcher has a request in flight; it waits for the
//! watcher's answers (an interceptor counts them) or events, so tokio's paused clock only moves
//! when the watcher itself sleeps and every instant below is exact (plus tokio's 1 ms timer
//! rounding per sleep).

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hashivault::intercept::{Answer, Interceptor, OutgoingRequest};
use hashivault::kv::{KvEvent, KvStopReason, KvWatch, KvWatcher};
use hashivault::Client;
use httpmock::prelude::*;
use serde_json::{json, Value};
use tokio::sync::watch;
use tokio::time::Instant;

use common::paused::{dropped_then_calls, events_until, paused_builder, sealed_waits, Phase};
use common::wire::call;

const TOKEN: &str = "s.app";
const META: &str = "/v1/secret/metadata/app/config";
const DATA: &str = "/v1/secret/data/app/config";

#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
struct Config {
    url: String,
    password: String,
}

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/kv-watch/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// The recorded metadata with `current` as its current version (versions 1..=current live).
fn metadata(current: u64) -> Value {
    let mut v = fixture("metadata.json");
    let info = v["data"]["versions"]["1"].clone();
    let versions: serde_json::Map<String, Value> = (1..=current)
        .map(|n| (n.to_string(), info.clone()))
        .collect();
    v["data"]["current_version"] = json!(current);
    v["data"]["versions"] = Value::Object(versions);
    v
}

/// The recorded read of version `n` (`url` `https://db-N`, `password` `s3cret-N`).
fn version(n: u64) -> Value {
    let mut v = fixture("read-version.json");
    v["data"]["data"] =
        json!({"url": format!("https://db-{n}"), "password": format!("s3cret-{n}")});
    v["data"]["metadata"]["version"] = json!(n);
    v
}

/// A request as [`Recorder::requests`] shows it: `GET path`.
fn get(path: &str) -> String {
    format!("GET {path}")
}

/// What the client sent (paused time since the recorder was made, method and path: an
/// interceptor sees no query, the mocks pin it), and how many answers (or failures) came back.
struct Recorder {
    start: Instant,
    sent: Mutex<Vec<(Duration, String)>>,
    answers: watch::Sender<usize>,
}

impl Recorder {
    fn new() -> Arc<Recorder> {
        Arc::new(Recorder {
            start: Instant::now(),
            sent: Mutex::new(Vec::new()),
            answers: watch::channel(0).0,
        })
    }

    /// Waits until `n` answers came back in all.
    async fn answers(&self, n: usize) {
        let mut rx = self.answers.subscribe();
        rx.wait_for(|seen| *seen >= n).await.unwrap();
    }

    fn sent(&self) -> Vec<(Duration, String)> {
        self.sent.lock().unwrap().clone()
    }

    /// The requests sent, as `METHOD /path`.
    fn requests(&self) -> Vec<String> {
        self.sent().into_iter().map(|(_, r)| r).collect()
    }

    /// The whole seconds (paused time) at which the requests were sent.
    fn seconds(&self) -> Vec<u64> {
        self.sent().iter().map(|(at, _)| at.as_secs()).collect()
    }
}

impl Interceptor for Recorder {
    fn before_send(&self, request: &mut OutgoingRequest<'_>) {
        let what = format!("{} {}", request.method(), request.path());
        self.sent.lock().unwrap().push((self.start.elapsed(), what));
    }

    fn after_answer(&self, _: &Answer<'_>) {
        self.answers.send_modify(|n| *n += 1);
    }
}

/// A client for `server` with no timers of its own (nothing but the watcher moves the paused
/// clock) and no retries, recording its requests.
fn client(server: &MockServer, recorder: &Arc<Recorder>) -> Client {
    paused_builder(server)
        .token(TOKEN)
        .interceptor(recorder.clone())
        .build()
        .unwrap()
}

/// A mock server, a [`Recorder`] and a [`client`] of both.
async fn serve() -> (MockServer, Arc<Recorder>, Client) {
    let server = MockServer::start_async().await;
    let recorder = Recorder::new();
    let client = client(&server, &recorder);
    (server, recorder, client)
}

/// Every 10 s exactly (no jitter), backing off up to 60 s.
fn every_10s() -> KvWatch {
    KvWatch::default()
        .with_interval(Duration::from_secs(10))
        .with_jitter(0.0)
        .with_backoff_max(Duration::from_secs(60))
}

/// `GET` of the metadata with the client's token.
fn meta() -> common::wire::Call {
    call(GET, META).token(TOKEN)
}

/// Mocks the first read (the latest version, no `version` query) answering version 1.
async fn first_read(server: &MockServer) -> httpmock::Mock<'_> {
    call(GET, DATA)
        .token(TOKEN)
        .no_query()
        .answers(server, 200, version(1))
        .await
}

/// Starts a watcher of `secret/app/config` in paused time.
async fn start(client: &Client) -> KvWatcher<Config> {
    tokio::time::pause();
    client
        .kv2("secret")
        .watch::<Config>("app/config", every_10s())
        .await
        .unwrap()
}

#[tokio::test]
async fn one_metadata_read_per_interval_and_the_new_version_read_by_number() {
    let (server, recorder, client) = serve().await;
    let phase = Phase::default();
    let latest = first_read(&server).await;
    let unchanged = meta()
        .no_query()
        .during(&phase, 0)
        .answers(&server, 200, metadata(1))
        .await;
    let changed = meta()
        .no_query()
        .during(&phase, 1)
        .answers(&server, 200, metadata(2))
        .await;
    // Only `?version=2`: any other query, or none, would not match (the `latest` mock takes
    // no query and is called once, by the first read).
    let second = call(GET, DATA)
        .token(TOKEN)
        .query("version", "2")
        .matching(|req| req.query_params().len() == 1)
        .answers(&server, 200, version(2))
        .await;

    let mut watcher = start(&client).await;
    let start = recorder.start;
    let mut config = watcher.watch();
    assert_eq!(watcher.version(), 1);
    assert_eq!(config.borrow().data.url, "https://db-1");

    // Unchanged: one metadata read every 10 s, nothing else.
    recorder.answers(4).await;
    assert_eq!(
        recorder.requests(),
        [get(DATA), get(META), get(META), get(META),]
    );
    assert_eq!(recorder.seconds(), [0, 10, 20, 30]);

    // Version 2 is written: the next poll reads it, by number, and hands it over.
    phase.set(1);
    let seen = events_until(&mut watcher, start, |_, _| true).await;
    assert!(
        matches!(seen[..], [(at, KvEvent::Updated { version: 2 })] if at.as_secs() == 40),
        "{seen:?}"
    );
    assert!(config.has_changed().unwrap());
    let secret = config.borrow_and_update().clone();
    assert_eq!(secret.metadata.version, 2);
    assert_eq!(
        secret.data,
        Config {
            url: "https://db-2".into(),
            password: "s3cret-2".into()
        }
    );

    // Unchanged again: back to one metadata read per interval.
    recorder.answers(8).await;
    assert_eq!(
        recorder.requests()[4..],
        [get(META), get(DATA), get(META), get(META),]
    );
    assert_eq!(recorder.seconds()[4..], [40, 40, 50, 60]);
    assert!(!config.has_changed().unwrap());
    // Steady state: 6 metadata reads a minute at a 10 s interval (7 requests in the first 60 s
    // of polling, one of them the read of version 2).
    let calls = [(&latest, 1), (&second, 1), (&unchanged, 3), (&changed, 3)];
    dropped_then_calls(watcher, &calls).await;
}

#[tokio::test]
async fn jitter_only_lengthens_the_wait() {
    let (server, recorder, client) = serve().await;
    first_read(&server).await;
    meta().answers(&server, 200, metadata(1)).await;
    tokio::time::pause();
    let options = every_10s().with_jitter(0.5);
    let watcher = client
        .kv2("secret")
        .watch::<Config>("app/config", options)
        .await
        .unwrap();
    recorder.answers(21).await;
    let at: Vec<Duration> = recorder.sent().iter().map(|(at, _)| *at).collect();
    let gaps: Vec<Duration> = at.windows(2).map(|w| w[1] - w[0]).collect();
    // Each wait is 10 to 15 s (plus the timer's millisecond), and they differ.
    for gap in &gaps {
        assert!(
            *gap >= Duration::from_secs(10) && *gap <= Duration::from_millis(15_010),
            "{gaps:?}"
        );
    }
    assert!(gaps.windows(2).any(|w| w[0] != w[1]), "{gaps:?}");
    drop(watcher);
    tokio::time::resume();
}

/// The times of the polls of an outage that starts after the first read and lasts 10 minutes:
/// the interval, then doubling up to the 60 s cap, never sooner than the interval. 12 requests
/// in 10 minutes (steady polling would make 60).
const OUTAGE_POLLS: [u64; 12] = [10, 20, 40, 80, 140, 200, 260, 320, 380, 440, 500, 560];

#[tokio::test]
async fn a_sealed_vault_is_polled_less_and_less_and_the_value_is_kept() {
    let (server, recorder, client) = serve().await;
    let phase = Phase::default();
    first_read(&server).await;
    let sealed = meta()
        .answers_during(&server, (&phase, 0), (503, fixture("sealed.json")))
        .await;
    meta()
        .answers_during(&server, (&phase, 1), (200, metadata(2)))
        .await;
    call(GET, DATA)
        .token(TOKEN)
        .query("version", "2")
        .answers(&server, 200, version(2))
        .await;
    let mut watcher = start(&client).await;
    let start = recorder.start;
    let config = watcher.watch();

    let failures = events_until(&mut watcher, start, |at, _| {
        at >= Duration::from_secs(OUTAGE_POLLS[11])
    })
    .await;
    let at: Vec<u64> = failures.iter().map(|(at, _)| at.as_secs()).collect();
    assert_eq!(at, OUTAGE_POLLS);
    let retry_in = sealed_waits(&failures, |e| match e {
        KvEvent::PollFailed { error, retry_in } => Some((error, *retry_in)),
        _ => None,
    });
    assert_eq!(retry_in, [10, 20, 40, 60, 60, 60, 60, 60, 60, 60, 60, 60]);
    assert_eq!(recorder.requests().len(), 1 + 12, "one request per poll");
    // The last good value stays.
    assert_eq!(config.borrow().metadata.version, 1);
    assert_eq!(config.borrow().data.password, "s3cret-1");

    // Vault is back: the next poll (60 s later) reads the new version; then every 10 s again.
    phase.set(1);
    let back = events_until(&mut watcher, start, |_, _| true).await;
    assert!(
        matches!(back[..], [(at, KvEvent::Updated { version: 2 })] if at.as_secs() == 620),
        "{back:?}"
    );
    recorder.answers(1 + 12 + 2 + 1).await;
    assert_eq!(recorder.seconds()[13..], [620, 620, 630]);
    assert_eq!(config.borrow().data.password, "s3cret-2");
    dropped_then_calls(watcher, &[(&sealed, 12)]).await;
}

/// A server that answers one request with `body` (`Connection: close`) and then stops
/// listening, so that every later connection is refused: its address.
async fn answers_once(body: Value) -> String {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        drop(listener);
        let request = common::wire::read_head(&mut socket, "the request ended early").await;
        let head = String::from_utf8_lossy(&request);
        assert!(head.starts_with(&format!("GET {DATA} ")), "{head}");
        let body = body.to_string();
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        socket.write_all(answer.as_bytes()).await.unwrap();
        socket.shutdown().await.unwrap();
    });
    addr
}

#[tokio::test]
async fn connection_refused_backs_off_the_same_way() {
    let recorder = Recorder::new();
    let addr = answers_once(version(1)).await;
    hashivault::install_crypto_provider();
    let http = hashivault::reqwest::Client::builder()
        .pool_idle_timeout(None)
        .build()
        .unwrap();
    let client = Client::builder()
        .address(addr)
        .token(TOKEN)
        .max_retries(0)
        .http_client(http)
        .interceptor(recorder.clone())
        .build()
        .unwrap();
    // The first read is answered; then nothing listens: every poll is refused at connect.
    let mut watcher = start(&client).await;
    let start = recorder.start;
    let failures = events_until(&mut watcher, start, |at, _| {
        at >= Duration::from_secs(OUTAGE_POLLS[11])
    })
    .await;
    let at: Vec<u64> = failures.iter().map(|(at, _)| at.as_secs()).collect();
    assert_eq!(at, OUTAGE_POLLS, "{failures:?}");
    for (_, event) in &failures {
        let KvEvent::PollFailed { error, .. } = event else {
            panic!("{event:?}");
        };
        assert!(error.is_transport(), "{error}");
    }
    assert_eq!(recorder.requests().len(), 1 + 12);
    assert_eq!(watcher.version(), 1);
    assert!(!watcher.is_finished());
    drop(watcher);
    tokio::time::resume();
}

#[tokio::test]
async fn a_refusal_stops_the_watcher_and_keeps_the_value() {
    let (server, recorder, client) = serve().await;
    first_read(&server).await;
    meta()
        .answers(&server, 403, fixture("permission-denied.json"))
        .await;
    let mut watcher = start(&client).await;
    let start = recorder.start;
    let mut config = watcher.watch();
    let seen = events_until(&mut watcher, start, |_, _| false).await;
    let [(at, KvEvent::Stopped(KvStopReason::Refused(error)))] = &seen[..] else {
        panic!("{seen:?}");
    };
    assert_eq!(at.as_secs(), 10);
    assert!(error.is_permission_denied(), "{error}");
    assert_eq!(recorder.requests().len(), 2, "no retry after a refusal");
    // The channel ended with the task; the last value stays readable.
    assert!(config.changed().await.is_err());
    assert_eq!(config.borrow().data.url, "https://db-1");
    assert!(watcher.is_finished());
    tokio::time::resume();
}

#[tokio::test]
async fn a_deleted_current_version_is_reported_once_and_the_value_kept() {
    let (server, recorder, client) = serve().await;
    let phase = Phase::default();
    // The first read gets version 2, which is then deleted; version 3 comes later.
    call(GET, DATA)
        .token(TOKEN)
        .no_query()
        .answers(&server, 200, version(2))
        .await;
    meta()
        .answers_during(
            &server,
            (&phase, 0),
            (200, fixture("metadata-deleted.json")),
        )
        .await;
    meta()
        .answers_during(&server, (&phase, 1), (200, metadata(3)))
        .await;
    let mut bad = version(3);
    bad["data"]["data"] = json!({"url": "https://db-3"});
    let third = call(GET, DATA)
        .token(TOKEN)
        .query("version", "3")
        .matching(|req| req.query_params().len() == 1)
        .answers(&server, 200, bad)
        .await;
    let mut watcher = start(&client).await;
    let start = recorder.start;

    let seen = events_until(&mut watcher, start, |_, _| true).await;
    assert!(
        matches!(seen[..], [(at, KvEvent::VersionGone { version: 2, destroyed: false })] if at.as_secs() == 10),
        "{seen:?}"
    );
    // Reported once; polled on at the interval.
    recorder.answers(5).await;
    assert_eq!(recorder.seconds(), [0, 10, 20, 30, 40]);
    assert_eq!(watcher.version(), 2);
    assert_eq!(watcher.current().data.password, "s3cret-2");

    // Version 3 lacks `password`: rejected once, not read again, version 2 kept.
    phase.set(1);
    let seen = events_until(&mut watcher, start, |_, _| true).await;
    let [(at, KvEvent::Rejected { version: 3, error })] = &seen[..] else {
        panic!("{seen:?}");
    };
    assert_eq!(at.as_secs(), 50);
    assert!(error.is_decode(), "{error}");
    assert!(error.to_string().contains("password"), "{error}");
    recorder.answers(8).await;
    assert_eq!(recorder.requests()[5..], [get(META), get(DATA), get(META),]);
    assert_eq!(watcher.current().metadata.version, 2);
    dropped_then_calls(watcher, &[(&third, 1)]).await;
}

#[tokio::test]
async fn dropping_the_watcher_ends_its_task() {
    let (server, recorder, client) = serve().await;
    first_read(&server).await;
    meta().answers(&server, 200, metadata(1)).await;
    let watcher = start(&client).await;
    let mut config = watcher.watch();
    let mut events = watcher.events();
    recorder.answers(3).await;
    drop(watcher);
    assert!(matches!(
        events.next().await,
        Some(KvEvent::Stopped(KvStopReason::Cancelled))
    ));
    assert!(events.next().await.is_none());
    // The sender lived in the task: it is gone.
    assert!(config.changed().await.is_err());
    // Ten minutes later, nothing more was sent.
    tokio::time::sleep(Duration::from_secs(600)).await;
    assert_eq!(recorder.requests().len(), 3);
    assert_eq!(config.borrow().metadata.version, 1);
    tokio::time::resume();
}

#[tokio::test]
async fn debug_shows_no_secret_data() {
    let (server, _recorder, client) = serve().await;
    first_read(&server).await;
    let watcher = start(&client).await;
    let shown = format!(
        "{watcher:?} {:?} {:?}",
        watcher.current(),
        *watcher.watch().borrow()
    );
    assert!(!shown.contains("s3cret"), "{shown}");
    assert!(shown.contains("app/config"), "{shown}");
    assert!(shown.contains("version: 1"), "{shown}");
    drop(watcher);
    tokio::time::resume();
}

#[tokio::test]
async fn a_path_that_cannot_be_read_fails_at_once() {
    let (server, recorder, client) = serve().await;
    call(GET, DATA)
        .token(TOKEN)
        .answers(&server, 404, json!({"errors": []}))
        .await;
    let error = client
        .kv2("secret")
        .watch::<Config>("app/config", every_10s())
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error}");
    assert_eq!(recorder.requests(), [get(DATA)]);
}
