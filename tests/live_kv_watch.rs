//! The KV watcher (`Kv2::watch`) against a real OpenBao, restarted in the middle.
//!
//! The dev server keeps everything in memory, so a restart would lose the secret: this test
//! starts a server of its own with raft storage ([`common::PersistentServer`]: initialised and
//! unsealed with one key share), from `HASHIVAULT_SERVER_BIN` (set by `cargo xtask test`) or
//! `bao` on PATH. Without either it prints why and returns, and fails under
//! `HASHIVAULT_REQUIRE_LIVE=1`, like the other live tests.
//!
//! It writes version 1 and watches it every 200 ms, writes version 2 and sees it within a
//! couple of intervals, then kills the server: during the outage the watcher keeps version 2
//! and backs off (its requests are counted), the server comes back sealed (503, retried), is
//! unsealed, version 3 is written and seen. Dropping the watcher ends its task.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hashivault::intercept::{Interceptor, OutgoingRequest};
use hashivault::kv::{KvEvent, KvStopReason, KvWatch};
use hashivault::Client;

use common::PersistentServer;
use serde_json::{json, Value};

#[derive(Clone, Debug, serde::Deserialize)]
struct Config {
    url: String,
    password: String,
}

/// Counts the requests the client sends, by operation.
#[derive(Default)]
struct Count {
    metadata: AtomicUsize,
    data: AtomicUsize,
}

impl Interceptor for Count {
    fn before_send(&self, request: &mut OutgoingRequest<'_>) {
        match request.operation() {
            "kv_v2_read_metadata" => self.metadata.fetch_add(1, Ordering::SeqCst),
            "kv_v2_read" => self.data.fetch_add(1, Ordering::SeqCst),
            _ => 0,
        };
    }
}

/// Retries `attempt` for up to 30 s (a raft node just unsealed answers 500 "local node not
/// active" for a moment).
async fn eventually<T>(
    what: &str,
    mut attempt: impl AsyncFnMut() -> Result<T, hashivault::Error>,
) -> T {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match attempt().await {
            Ok(value) => return value,
            Err(e) if Instant::now() < deadline => {
                eprintln!("{what}: {e}; again");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("{what}: {e}"),
        }
    }
}

fn config(n: u64) -> Value {
    json!({"url": format!("https://db-{n}.internal"), "password": format!("s3cret-{n}")})
}

/// Waits up to `within` for `current` to hold `version`; `what` is the failure's message.
async fn seen_within(
    current: &mut tokio::sync::watch::Receiver<hashivault::kv::Secret<Config>>,
    version: u64,
    within: Duration,
    what: &str,
) {
    tokio::time::timeout(within, current.wait_for(|s| s.metadata.version == version))
        .await
        .expect(what)
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watcher_follows_versions_across_a_server_restart() {
    let test = "live_kv_watch::the_watcher_follows_versions_across_a_server_restart";
    let Some(mut server) = PersistentServer::start(test).await else {
        return;
    };
    let root = Client::builder()
        .address(server.addr.clone())
        .token(server.token.clone())
        .build()
        .unwrap();
    eventually("mount kv v2 at secret/", async || {
        root.request::<Value, _>(
            hashivault::reqwest::Method::POST,
            "sys/mounts/secret",
            Some(&json!({"type": "kv", "options": {"version": "2"}})),
        )
        .await
        .map(drop)
    })
    .await;
    let kv = root.kv2("secret");
    kv.write("app/config", &config(1)).await.unwrap();

    let count = Arc::new(Count::default());
    let client = Client::builder()
        .address(server.addr.clone())
        .token(server.token.clone())
        .max_retries(0)
        .timeout(Duration::from_secs(2))
        .interceptor(count.clone())
        .build()
        .unwrap();
    let interval = Duration::from_millis(200);
    let options = KvWatch::default()
        .with_interval(interval)
        .with_jitter(0.1)
        .with_backoff_max(Duration::from_millis(800));
    let watcher = client
        .kv2("secret")
        .watch::<Config>("app/config", options)
        .await
        .unwrap();
    let mut events = watcher.events();
    let mut current = watcher.watch();
    assert_eq!(current.borrow().metadata.version, 1);
    assert_eq!(current.borrow().data.url, "https://db-1.internal");

    // Version 2: seen within a couple of intervals.
    let written = Instant::now();
    kv.write("app/config", &config(2)).await.unwrap();
    seen_within(
        &mut current,
        2,
        Duration::from_secs(2),
        "version 2 seen within 2 s",
    )
    .await;
    let seen_after = written.elapsed();
    assert_eq!(current.borrow().data.password, "s3cret-2");
    eprintln!("version 2 seen {seen_after:?} after it was written");
    assert!(seen_after < 4 * interval, "{seen_after:?}");

    // The server goes down for 3 s: the value is kept, polls back off.
    let before = count.metadata.load(Ordering::SeqCst);
    server.stop();
    let down = Duration::from_secs(3);
    tokio::time::sleep(down).await;
    let polls_down = count.metadata.load(Ordering::SeqCst) - before;
    eprintln!("{polls_down} metadata polls in a {down:?} outage at a {interval:?} interval");
    // Steady polling would make 15; backing off from 200 ms to 800 ms: 200, 400, 800, 800 ...
    assert!((2..=8).contains(&polls_down), "{polls_down}");
    assert_eq!(current.borrow().metadata.version, 2);
    assert!(!watcher.is_finished());

    // It comes back sealed (503, retried), is unsealed, and version 3 is written.
    // Sealed for 2 s: longer than the longest backoff (800 ms, jittered up to twice that).
    server.start_sealed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(current.borrow().metadata.version, 2);
    server.unseal().await;
    let kv = root.kv2("secret");
    eventually("write version 3", async || {
        kv.write("app/config", &config(3)).await
    })
    .await;
    let written = Instant::now();
    seen_within(
        &mut current,
        3,
        Duration::from_secs(10),
        "version 3 seen within 10 s of the restart",
    )
    .await;
    eprintln!(
        "version 3 seen {:?} after it was written",
        written.elapsed()
    );
    assert_eq!(current.borrow().data.url, "https://db-3.internal");

    // What the watcher reported: transport failures while down, a 503 while sealed, the
    // updates; nothing that shows a secret.
    drop(watcher);
    let mut seen = Vec::new();
    while let Some(event) = events.next().await {
        seen.push(event);
    }
    let shown = format!("{seen:?}");
    assert!(!shown.contains("s3cret"), "{shown}");
    let failed = |check: fn(&hashivault::Error) -> bool| {
        seen.iter()
            .any(|e| matches!(e, KvEvent::PollFailed { error, .. } if check(error)))
    };
    assert!(failed(hashivault::Error::is_transport), "{shown}");
    assert!(failed(hashivault::Error::is_sealed), "{shown}");
    let updates: Vec<u64> = seen
        .iter()
        .filter_map(|e| match e {
            KvEvent::Updated { version } => Some(*version),
            _ => None,
        })
        .collect();
    assert_eq!(updates, [2, 3]);
    assert!(
        matches!(seen.last(), Some(KvEvent::Stopped(KvStopReason::Cancelled))),
        "{shown}"
    );
    // The task ended with the handle: the receiver sees the sender gone.
    assert!(current.changed().await.is_err());
    assert_eq!(
        count.data.load(Ordering::SeqCst),
        1 + 2,
        "first read, then versions 2 and 3"
    );
}
