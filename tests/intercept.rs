//! The interceptor seam on the wire: every attempt and hop of generated calls, helpers and
//! `Client::request`, with the operation's name; headers added; secrets redacted.
#![cfg(all(feature = "testing", feature = "kv"))]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hashivault::api::operations as ops;
use hashivault::intercept::{Answer, Interceptor, Outcome, OutgoingRequest};
use hashivault::reqwest::header::{HeaderName, HeaderValue};
use hashivault::reqwest::Method;
use hashivault::testing::mock::{MockAnswer, MockVault};
use hashivault::{Client, RetryPolicy};
use serde_json::{json, Value};

use common::wire::read_kv2;

#[derive(Default)]
struct Log {
    sent: Mutex<Vec<String>>,
    answers: Mutex<Vec<(String, u32, u32, Outcome)>>,
}

struct Recorder(Arc<Log>);

impl Interceptor for Recorder {
    fn before_send(&self, request: &mut OutgoingRequest<'_>) {
        request.insert_header(
            HeaderName::from_static("x-team"),
            HeaderValue::from_static("billing"),
        );
        self.0.sent.lock().unwrap().push(format!(
            "{} {} {} attempt {} hop {} token {:?} | {:?}",
            request.operation(),
            request.method(),
            request.path(),
            request.attempt(),
            request.redirect(),
            request.header("x-vault-token"),
            request,
        ));
    }

    fn after_answer(&self, answer: &Answer<'_>) {
        self.0.answers.lock().unwrap().push((
            answer.operation().to_string(),
            answer.attempt(),
            answer.redirect(),
            answer.outcome(),
        ));
    }
}

fn secret_answer() -> MockAnswer {
    MockAnswer::data(json!({
        "data": {"host": "db-1"},
        "metadata": {"created_time": "", "deletion_time": "", "destroyed": false, "version": 1}
    }))
}

async fn setup() -> (MockVault, Arc<Log>, Client) {
    let vault = MockVault::start().await.unwrap();
    let log = Arc::new(Log::default());
    let client = Client::builder()
        .address(vault.address())
        .token("s.TOP-SECRET-TOKEN")
        .retry_policy(
            RetryPolicy::default()
                .with_min_delay(Duration::from_millis(5))
                .with_max_delay(Duration::from_millis(10)),
        )
        .interceptor(Recorder(log.clone()))
        .build()
        .unwrap();
    (vault, log, client)
}

#[tokio::test]
async fn every_attempt_and_hop_is_seen_with_its_operation() {
    let (vault, log, client) = setup().await;
    vault
        .on(&ops::KV_V2_READ)
        .param("path", "moved")
        .respond(MockAnswer::status(307).header("location", "/v1/secret/data/app"));
    vault
        .on(&ops::KV_V2_READ)
        .respond_seq([MockAnswer::error(503, ["standby"]), secret_answer()]);
    // A helper: 307 (hop 0), then the retried 503 and the 200 at the target.
    client.kv2("secret").read::<Value>("moved").await.unwrap();
    // A generated call and a raw request.
    read_kv2(&client, "secret", "app").await.unwrap();
    let _: hashivault::Envelope = client
        .request(Method::GET, "secret/data/app", None::<&()>)
        .await
        .unwrap();

    let answers = log.answers.lock().unwrap().clone();
    let ok = Outcome::Answered(hashivault::reqwest::StatusCode::OK);
    let code = |c: u16| Outcome::Answered(hashivault::reqwest::StatusCode::from_u16(c).unwrap());
    assert_eq!(
        answers,
        [
            ("kv_v2_read".into(), 1, 0, code(307)),
            ("kv_v2_read".into(), 1, 1, code(503)),
            ("kv_v2_read".into(), 2, 0, ok),
            ("kv_v2_read".into(), 1, 0, ok),
            ("request".into(), 1, 0, ok),
        ]
    );
    assert_eq!(log.sent.lock().unwrap().len(), 5);
    // The header the hook added reached the wire on each request (the mock counts them).
    assert_eq!(vault.calls().len(), 5);
    assert_eq!(code(503).label(), "5xx");
}

#[tokio::test]
async fn added_headers_reach_the_wire() {
    // httpmock checks the header itself.
    let server = httpmock::MockServer::start_async().await;
    let read = server
        .mock_async(|when, then| {
            when.method("GET")
                .path("/v1/secret/data/app")
                .header("x-team", "billing");
            then.status(200).json_body(json!({
                "data": {"data": {"a": 1}, "metadata": {"created_time": "", "deletion_time": "",
                         "destroyed": false, "version": 1}}
            }));
        })
        .await;
    let log = Arc::new(Log::default());
    let client = Client::builder()
        .address(server.base_url())
        .token("s.TOP-SECRET-TOKEN")
        .interceptor(Recorder(log.clone()))
        .build()
        .unwrap();
    client.kv2("secret").read::<Value>("app").await.unwrap();
    read_kv2(&client, "secret", "app").await.unwrap();
    read.assert_calls_async(2).await;
}

#[tokio::test]
async fn hooks_see_no_token_and_no_body_unless_they_ask() {
    struct Raw(Arc<Mutex<Vec<String>>>);
    impl Interceptor for Raw {
        fn before_send(&self, request: &mut OutgoingRequest<'_>) {
            let shown: Vec<String> = request.headers().map(|(n, v)| format!("{n}={v}")).collect();
            let raw = request.raw_exposing_secrets();
            let token = raw.headers()["x-vault-token"].to_str().unwrap().to_string();
            let body = raw
                .body()
                .and_then(|b| b.as_bytes())
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            self.0
                .lock()
                .unwrap()
                .push(format!("shown {shown:?} raw {token} {body}"));
        }
    }
    let (vault, log, _) = setup().await;
    let raw = Arc::new(Mutex::new(Vec::new()));
    let client = Client::builder()
        .address(vault.address())
        .token("s.TOP-SECRET-TOKEN")
        .interceptor(Recorder(log.clone()))
        .interceptor(Raw(raw.clone()))
        .build()
        .unwrap();
    vault
        .on(&ops::USERPASS_LOGIN)
        .respond(MockAnswer::recorded(&ops::APP_ROLE_LOGIN));
    common::wire::alice_login(&client, "pa55-s3cret")
        .await
        .unwrap();
    let sent = log.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].starts_with("userpass_login POST /v1/auth/userpass/login/alice attempt 1 hop 0 token Some(\"<redacted>\")"), "{}", sent[0]);
    assert!(sent[0].contains("has_body: true"), "{}", sent[0]);
    for line in &sent {
        assert!(!line.contains("TOP-SECRET"), "{line}");
        assert!(!line.contains("pa55"), "{line}");
    }
    // The second hook saw the first's header, redacted the token in `headers()`, and only
    // `raw_exposing_secrets` showed token and body.
    let raw = raw.lock().unwrap().clone();
    assert!(raw[0].contains("x-vault-token=<redacted>"), "{}", raw[0]);
    assert!(raw[0].contains("x-team=billing"), "{}", raw[0]);
    assert!(raw[0].contains("raw s.TOP-SECRET-TOKEN"), "{}", raw[0]);
    assert!(raw[0].contains("pa55-s3cret"), "{}", raw[0]);
}

#[tokio::test]
async fn a_failure_without_answer_is_seen_per_attempt() {
    // Nothing listens on the port: each attempt fails to connect.
    let addr = common::wire::closed_address();
    let log = Arc::new(Log::default());
    let client = Client::builder()
        .address(&addr)
        .retry_policy(common::retries(1, 1, 2))
        .interceptor(Recorder(log.clone()))
        .build()
        .unwrap();
    client.sys_health().await.unwrap_err();
    let answers = log.answers.lock().unwrap().clone();
    let outcomes: Vec<_> = answers.iter().map(|a| (a.1, a.3.label())).collect();
    assert_eq!(outcomes, [(1, "connect"), (2, "connect")]);
    assert_eq!(answers[0].0, "read_health_status");
}
