//! The interceptor seam: hooks that see every request the client sends.
//!
//! Run it with `cargo xtask demo interceptors` (a throwaway OpenBao dev server), or against your
//! own server with `VAULT_ADDR` and `VAULT_TOKEN` set: `cargo run --example interceptors`. It
//! needs KV v2 at `secret/` (as dev servers have).
//!
//! Three interceptors on one client:
//! 1. a custom header on every request (`X-Request-Source: billing-service`);
//! 2. a request counter (requests on the wire, retries among them);
//! 3. an audit log line per request: operation, attempt, method, path, status, time; the token
//!    shows as `<redacted>` and no body is shown.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use hashivault::intercept::{Answer, Interceptor, OutgoingRequest};
use hashivault::reqwest::header::{HeaderName, HeaderValue};
use hashivault::{ClientBuilder, Error};

/// 1. Adds a header to every request.
struct RequestSource;

impl Interceptor for RequestSource {
    fn before_send(&self, request: &mut OutgoingRequest<'_>) {
        request.insert_header(
            HeaderName::from_static("x-request-source"),
            HeaderValue::from_static("billing-service"),
        );
    }
}

/// 2. Counts requests and retries (shared: the client gets an `Arc` clone, `main` reads it).
#[derive(Default)]
struct Counter {
    requests: AtomicU64,
    retries: AtomicU64,
}

impl Interceptor for Counter {
    fn before_send(&self, request: &mut OutgoingRequest<'_>) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if request.attempt() > 1 {
            self.retries.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// 3. One audit line per request (stdout here; a log or an audit sink in a service).
struct Audit;

impl Interceptor for Audit {
    fn before_send(&self, request: &mut OutgoingRequest<'_>) {
        println!(
            "audit: -> {} {} {} (attempt {}, source {}, token {})",
            request.operation(),
            request.method(),
            request.path(),
            request.attempt(),
            request.header("x-request-source").unwrap_or("-"),
            request.header("x-vault-token").unwrap_or("none"),
        );
    }

    fn after_answer(&self, answer: &Answer<'_>) {
        println!(
            "audit: <- {} {} in {} ms",
            answer.operation(),
            answer.outcome().label(),
            answer.elapsed().as_millis()
        );
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let counter = Arc::new(Counter::default());
    let client = ClientBuilder::from_env()?
        .interceptor(RequestSource)
        .interceptor(counter.clone())
        .interceptor(Audit)
        .build()?;

    let run = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let path = format!("examples-interceptors-{run}/config");
    let kv = client.kv2("secret");
    kv.write(&path, &serde_json::json!({"password": "s3cret-value"}))
        .await?;
    let secret = kv.read::<serde_json::Value>(&path).await?;
    println!("read version {}", secret.metadata.version);
    // A generated call goes through the same hooks.
    let mounts = client.api().mounts_list_secrets_engines().send().await?;
    println!("{} mounts", mounts.into_data()?.len());
    kv.delete_metadata(&path).await?;

    println!(
        "requests sent: {}, retries: {}",
        counter.requests.load(Ordering::Relaxed),
        counter.retries.load(Ordering::Relaxed)
    );
    Ok(())
}
