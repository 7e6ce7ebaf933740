//! The `metrics` feature: request, retry and latency metrics from the seam, renewals and logins
//! from the renewers, read back from `metrics-util`'s debugging recorder.
#![cfg(all(feature = "metrics", feature = "testing"))]

use std::time::Duration;

use hashivault::api::operations as ops;
use hashivault::auth::AppRole;
use hashivault::kv::{KvEvent, KvStopReason, KvWatch};
use hashivault::lease::{Lease, LeaseEvent};
use hashivault::testing::mock::{MockAnswer, MockVault};
use hashivault::RetryPolicy;
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use metrics_util::MetricKind;
use serde_json::json;

/// One recorder for the test binary (the facade's is global); each test reads its own labels.
fn snapshotter() -> &'static Snapshotter {
    static SNAPSHOTTER: std::sync::OnceLock<Snapshotter> = std::sync::OnceLock::new();
    SNAPSHOTTER.get_or_init(|| {
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        recorder.install().expect("the only recorder");
        snapshotter
    })
}

type Key = (MetricKind, String, Vec<(String, String)>);

/// A metric's total: a counter's sum, a histogram's every value.
#[derive(Clone, Debug)]
enum Total {
    Counter(u64),
    Histogram(Vec<f64>),
    Gauge,
}

/// The metrics recorded so far: (kind, name, sorted labels, value). A snapshot of the debugging
/// recorder drains its counters and histograms, and tests run side by side: every snapshot is
/// added to one running total, which is what this returns.
fn read() -> Vec<(Key, Total)> {
    static TOTALS: std::sync::Mutex<Vec<(Key, Total)>> = std::sync::Mutex::new(Vec::new());
    let mut totals = TOTALS.lock().unwrap();
    for (key, _, _, value) in snapshotter().snapshot().into_vec() {
        let (kind, key) = key.into_parts();
        let mut labels: Vec<(String, String)> = key
            .labels()
            .map(|l| (l.key().to_string(), l.value().to_string()))
            .collect();
        labels.sort();
        let key = (kind, key.name().to_string(), labels);
        let value = match value {
            DebugValue::Counter(c) => Total::Counter(c),
            DebugValue::Histogram(v) => {
                Total::Histogram(v.into_iter().map(|v| v.into_inner()).collect())
            }
            DebugValue::Gauge(_) => Total::Gauge,
        };
        match totals.iter_mut().find(|(k, _)| *k == key) {
            None => totals.push((key, value)),
            Some((_, total)) => match (total, value) {
                (Total::Counter(t), Total::Counter(v)) => *t += v,
                (Total::Histogram(t), Total::Histogram(v)) => t.extend(v),
                (total, value) => *total = value,
            },
        }
    }
    totals.clone()
}

fn counter(name: &str, labels: &[(&str, &str)]) -> u64 {
    let mut want: Vec<(String, String)> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    want.sort();
    read()
        .into_iter()
        .filter(|((kind, n, l), _)| *kind == MetricKind::Counter && n == name && *l == want)
        .map(|(_, v)| match v {
            Total::Counter(c) => c,
            _ => 0,
        })
        .sum()
}

#[tokio::test]
async fn requests_retries_and_latency_by_operation_and_outcome() {
    snapshotter();
    let vault = MockVault::start().await.unwrap();
    vault.on(&ops::KV_V2_READ_METADATA).respond_seq([
        MockAnswer::error(503, ["standby"]),
        MockAnswer::recorded(&ops::KV_V2_READ_METADATA),
    ]);
    let client = vault
        .client_builder()
        .retry_policy(
            RetryPolicy::default()
                .with_min_delay(Duration::from_millis(5))
                .with_max_delay(Duration::from_millis(10)),
        )
        .build()
        .unwrap();
    client
        .api()
        .kv_v2_read_metadata()
        .kv_v2_mount_path("secret")
        .path("app")
        .send()
        .await
        .unwrap();
    let op = ("operation", "kv_v2_read_metadata");
    assert_eq!(
        counter("hashivault_requests_total", &[op, ("outcome", "5xx")]),
        1
    );
    assert_eq!(
        counter("hashivault_requests_total", &[op, ("outcome", "2xx")]),
        1
    );
    assert_eq!(counter("hashivault_retries_total", &[op]), 1);
    let latencies: Vec<f64> = read()
        .into_iter()
        .filter(|((kind, name, labels), _)| {
            *kind == MetricKind::Histogram
                && name == "hashivault_request_duration_seconds"
                && labels == &[("operation".to_string(), "kv_v2_read_metadata".to_string())]
        })
        .flat_map(|(_, v)| match v {
            Total::Histogram(values) => values,
            _ => Vec::new(),
        })
        .collect();
    assert_eq!(latencies.len(), 2, "{latencies:?}");
    assert!(
        latencies.iter().all(|s| *s > 0.0 && *s < 5.0),
        "{latencies:?}"
    );
    // No label holds the token or a path.
    for ((_, _, labels), _) in read() {
        for (_, value) in labels {
            assert!(
                !value.contains("mock-token") && !value.contains('/'),
                "{value}"
            );
        }
    }
}

#[tokio::test]
async fn renewals_and_logins_of_the_watchers() {
    snapshotter();
    let vault = MockVault::start().await.unwrap();
    // The renewer logs in (the recorded AppRole login: a 10 s token, renewed at ~6 s: not in
    // this test), then a lease watcher renews a 2 s lease once.
    vault
        .on(&ops::APP_ROLE_LOGIN)
        .respond(MockAnswer::recorded(&ops::APP_ROLE_LOGIN));
    vault.on(&ops::LEASES_RENEW_LEASE).respond(MockAnswer::json(
        200,
        json!({"lease_id": "database/creds/app/abc", "renewable": true, "lease_duration": 30,
               "data": null, "wrap_info": null, "warnings": null, "auth": null, "request_id": ""}),
    ));
    let client = hashivault::Client::builder()
        .address(vault.address())
        .build()
        .unwrap();
    let renewer = client
        .auth()
        .renewer()
        .login(AppRole::new("approle", "role", Some("secret-id".into())))
        .spawn();
    renewer.ready().await.unwrap();
    assert_eq!(counter("hashivault_logins_total", &[("outcome", "ok")]), 1);

    let lease = Lease::new("database/creds/app/abc", Duration::from_secs(2), true);
    let mut watcher = client.lease_watcher(lease).spawn();
    let event = tokio::time::timeout(Duration::from_secs(10), watcher.next_event())
        .await
        .unwrap();
    assert!(
        matches!(event, Some(LeaseEvent::Renewed { .. })),
        "{event:?}"
    );
    assert_eq!(
        counter(
            "hashivault_renewals_total",
            &[("watcher", "lease"), ("outcome", "renewed")]
        ),
        1
    );
    assert_eq!(vault.hits(&ops::LEASES_RENEW_LEASE), 1);
}

#[tokio::test]
async fn the_kv_watcher_counts_what_it_saw_without_paths() {
    snapshotter();
    let vault = MockVault::start().await.unwrap();
    let read = |version: u64| {
        MockAnswer::data(json!({
            "data": {"password": format!("s3cret-{version}")},
            "metadata": {"created_time": "2026-12-06T15:03:53.711747828Z", "custom_metadata": null,
                         "deletion_time": "", "destroyed": false, "version": version}
        }))
    };
    vault.on(&ops::KV_V2_READ).respond_seq([read(1), read(2)]);
    // Version 2 appears, then the token loses its permission.
    vault.on(&ops::KV_V2_READ_METADATA).respond_seq([
        MockAnswer::data(json!({
            "current_version": 2,
            "versions": {"2": {"created_time": "2026-12-06T15:03:53.711747828Z",
                               "deletion_time": "", "destroyed": false}}
        })),
        MockAnswer::error(403, ["permission denied"]),
    ]);
    let client = hashivault::Client::builder()
        .address(vault.address())
        .build()
        .unwrap();
    let options = KvWatch::default().with_interval(Duration::from_millis(20));
    let mut watcher = client
        .kv2("secret")
        .watch::<hashivault::JsonMap>("metrics/kv-watch", options)
        .await
        .unwrap();
    let mut seen = Vec::new();
    while let Some(event) = tokio::time::timeout(Duration::from_secs(10), watcher.next_event())
        .await
        .unwrap()
    {
        seen.push(event);
    }
    assert!(
        matches!(
            seen[..],
            [
                KvEvent::Updated { version: 2 },
                KvEvent::Stopped(KvStopReason::Refused(_))
            ]
        ),
        "{seen:?}"
    );
    assert_eq!(
        counter("hashivault_kv_watch_events_total", &[("event", "updated")]),
        1
    );
    assert_eq!(
        counter(
            "hashivault_watcher_stops_total",
            &[("watcher", "kv"), ("reason", "refused")]
        ),
        1
    );
    // No label names the path or a value.
    let labels = format!("{:?}", read_labels());
    assert!(
        !labels.contains("kv-watch") && !labels.contains("s3cret"),
        "{labels}"
    );
}

/// A certificate keeper's issue and its stop (the handle dropped), with `watcher="cert"`.
#[cfg(feature = "cert-keeper")]
#[tokio::test]
async fn issues_and_the_stop_of_a_certificate_keeper() {
    use hashivault::cert::{CertEvent, CertRequest};

    snapshotter();
    let vault = MockVault::start().await.unwrap();
    // The answer recorded from OpenBao 2.7.2 (tests/fixtures/pki/README.md), good for 30 s.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/pki/issue-web.json"
    );
    let mut issued: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    issued["data"]["expiration"] = json!(now + 30);
    vault
        .on(&ops::PKI_ISSUE_WITH_ROLE)
        .respond(MockAnswer::json(200, issued));
    let keeper = vault
        .client()
        .cert_keeper("pki", "web", CertRequest::new("localhost"))
        .spawn();
    keeper.ready().await.unwrap();
    assert_eq!(
        counter(
            "hashivault_renewals_total",
            &[("watcher", "cert"), ("outcome", "renewed")]
        ),
        1
    );
    let mut events = keeper.events();
    drop(keeper);
    while let Some(event) = events.next().await {
        assert!(matches!(event, CertEvent::Stopped(_)), "{event:?}");
    }
    assert_eq!(
        counter(
            "hashivault_watcher_stops_total",
            &[("watcher", "cert"), ("reason", "stopped")]
        ),
        1
    );
    assert_eq!(vault.hits(&ops::PKI_ISSUE_WITH_ROLE), 1);
}

fn read_labels() -> Vec<Vec<(String, String)>> {
    read()
        .into_iter()
        .map(|((_, _, labels), _)| labels)
        .collect()
}
