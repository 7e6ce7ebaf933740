//! Metrics through the [`metrics`](https://docs.rs/metrics) facade (feature `metrics`).
//!
//! With the feature on, every client records these into whatever recorder the application
//! installed (`metrics-exporter-prometheus`, ...; without one they cost a few loads). Requests
//! are counted by an [`Interceptor`] the builder adds after the
//! user's, so they see exactly what the seam sees: each request on the wire, every retry and
//! redirect hop, generated or handwritten.
//!
//! | name | kind | labels | what |
//! |---|---|---|---|
//! | `hashivault_requests_total` | counter | `operation`, `outcome` | every HTTP request sent (each attempt and hop) |
//! | `hashivault_retries_total` | counter | `operation` | attempts after the first (retries) |
//! | `hashivault_request_duration_seconds` | histogram | `operation` | from sending a request to its answer's headers (or its failure) |
//! | `hashivault_renewals_total` | counter | `watcher` (`token`, `lease`, `credentials`, `cert`), `outcome` (`renewed`, `failed`) | the token renewer's and the lease watchers' renewals, the certificate keepers' issues |
//! | `hashivault_logins_total` | counter | `outcome` (`ok`, `failed`) | the token renewer's logins |
//! | `hashivault_rotations_total` | counter | `watcher` (`credentials`), `outcome` (`fetched`, `failed`, `lost`) | a rotating secret's fetches of new credentials, and leases it lost |
//! | `hashivault_watcher_stops_total` | counter | `watcher` (`token`, `lease`, `kv`, `credentials`, `cert`), `reason` | a renewer stopped (`stopped`), a lease ended (`max_ttl`, `not_renewable`, `lost`), a KV watcher stopped (`refused`, `stopped`), a rotating secret refused (`refused`), a certificate keeper stopped (`refused`, `stopped`) or its certificate expired (`expired`, it goes on) |
//! | `hashivault_kv_watch_events_total` | counter | `event` (`updated`, `poll_failed`, `version_gone`, `missing`, `rejected`) | what the KV watchers ([`Kv2::watch`](crate::kv::Kv2::watch)) saw; their requests are in `hashivault_requests_total` (`kv_v2_read_metadata`, `kv_v2_read`) |
//!
//! `operation` is the operation's name ([`Operation::name`](crate::operation::Operation::name):
//! `kv_v2_read`; `request` for [`Client::request`](crate::Client::request)), `outcome` of a
//! request [`Outcome::label`](crate::intercept::Outcome::label): `2xx`, `3xx`, `4xx`, `5xx`,
//! `timeout`, `connect`, `error`. No label carries a path, token, lease id or value: their number
//! is bounded by the operations the application calls.

use metrics::{counter, histogram, SharedString};

use crate::auth::renew::RenewEvent;
use crate::intercept::{Answer, Interceptor, OutgoingRequest};
use crate::kv::{KvEvent, KvStopReason};
use crate::lease::{LeaseEvent, RotationEvent};

/// `hashivault_requests_total{operation, outcome}`.
pub const REQUESTS_TOTAL: &str = "hashivault_requests_total";
/// `hashivault_retries_total{operation}`.
pub const RETRIES_TOTAL: &str = "hashivault_retries_total";
/// `hashivault_request_duration_seconds{operation}`.
pub const REQUEST_DURATION_SECONDS: &str = "hashivault_request_duration_seconds";
/// `hashivault_renewals_total{watcher, outcome}`.
pub const RENEWALS_TOTAL: &str = "hashivault_renewals_total";
/// `hashivault_logins_total{outcome}`.
pub const LOGINS_TOTAL: &str = "hashivault_logins_total";
/// `hashivault_rotations_total{watcher, outcome}`.
pub const ROTATIONS_TOTAL: &str = "hashivault_rotations_total";
/// `hashivault_watcher_stops_total{watcher, reason}`.
pub const WATCHER_STOPS_TOTAL: &str = "hashivault_watcher_stops_total";
/// `hashivault_kv_watch_events_total{event}`.
pub const KV_WATCH_EVENTS_TOTAL: &str = "hashivault_kv_watch_events_total";

/// The interceptor every client gets with the feature.
pub(crate) struct RequestMetrics;

/// The operation's name as a label: the spec's `&'static str` when it is one (no allocation).
fn operation_label(name: &str) -> SharedString {
    match crate::operation::find(name) {
        Some(op) => SharedString::const_str(op.name),
        None if name == "request" => SharedString::const_str("request"),
        None => SharedString::from_owned(name.to_owned()),
    }
}

impl Interceptor for RequestMetrics {
    fn before_send(&self, request: &mut OutgoingRequest<'_>) {
        if request.attempt() > 1 && request.redirect() == 0 {
            counter!(RETRIES_TOTAL, "operation" => operation_label(request.operation()))
                .increment(1);
        }
    }

    fn after_answer(&self, answer: &Answer<'_>) {
        let operation = operation_label(answer.operation());
        counter!(
            REQUESTS_TOTAL,
            "operation" => operation.clone(),
            "outcome" => answer.outcome().label()
        )
        .increment(1);
        histogram!(REQUEST_DURATION_SECONDS, "operation" => operation)
            .record(answer.elapsed().as_secs_f64());
    }
}

/// Records what the token renewer did.
pub(crate) fn token_event(event: &RenewEvent) {
    match event {
        RenewEvent::Renewed { .. } => {
            counter!(RENEWALS_TOTAL, "watcher" => "token", "outcome" => "renewed").increment(1)
        }
        RenewEvent::RenewFailed { .. } => {
            counter!(RENEWALS_TOTAL, "watcher" => "token", "outcome" => "failed").increment(1)
        }
        RenewEvent::LoggedIn { .. } => counter!(LOGINS_TOTAL, "outcome" => "ok").increment(1),
        RenewEvent::LoginFailed { .. } => {
            counter!(LOGINS_TOTAL, "outcome" => "failed").increment(1)
        }
        RenewEvent::Stopped(_) => {
            counter!(WATCHER_STOPS_TOTAL, "watcher" => "token", "reason" => "stopped").increment(1)
        }
        _ => {}
    }
}

/// Records what a lease watcher did.
pub(crate) fn lease_event(event: &LeaseEvent) {
    let ended = |reason: &'static str| {
        counter!(WATCHER_STOPS_TOTAL, "watcher" => "lease", "reason" => reason).increment(1)
    };
    match event {
        LeaseEvent::Renewed { .. } => {
            counter!(RENEWALS_TOTAL, "watcher" => "lease", "outcome" => "renewed").increment(1)
        }
        LeaseEvent::RenewFailed { .. } => {
            counter!(RENEWALS_TOTAL, "watcher" => "lease", "outcome" => "failed").increment(1)
        }
        LeaseEvent::MaxTtlReached { .. } => ended("max_ttl"),
        LeaseEvent::NotRenewable { .. } => ended("not_renewable"),
        LeaseEvent::Lost(_) => ended("lost"),
    }
}

/// Records what a rotating secret did.
pub(crate) fn rotation_event(event: &RotationEvent) {
    let rotation = |outcome: &'static str| {
        counter!(ROTATIONS_TOTAL, "watcher" => "credentials", "outcome" => outcome).increment(1)
    };
    match event {
        RotationEvent::Rotated { .. } => rotation("fetched"),
        RotationEvent::FetchFailed { .. } => rotation("failed"),
        RotationEvent::Lost(_) => rotation("lost"),
        RotationEvent::Renewed { .. } => {
            counter!(RENEWALS_TOTAL, "watcher" => "credentials", "outcome" => "renewed")
                .increment(1)
        }
        RotationEvent::RenewFailed { .. } => {
            counter!(RENEWALS_TOTAL, "watcher" => "credentials", "outcome" => "failed").increment(1)
        }
        RotationEvent::Stopped(_) => {
            counter!(WATCHER_STOPS_TOTAL, "watcher" => "credentials", "reason" => "refused")
                .increment(1)
        }
        RotationEvent::Ending { .. } => {}
    }
}

/// Records what a KV watcher saw.
pub(crate) fn kv_event(event: &KvEvent) {
    let seen = |what: &'static str| counter!(KV_WATCH_EVENTS_TOTAL, "event" => what).increment(1);
    match event {
        KvEvent::Updated { .. } => seen("updated"),
        KvEvent::PollFailed { .. } => seen("poll_failed"),
        KvEvent::VersionGone { .. } => seen("version_gone"),
        KvEvent::Missing => seen("missing"),
        KvEvent::Rejected { .. } => seen("rejected"),
        KvEvent::Stopped(reason) => {
            let reason = match reason {
                KvStopReason::Refused(_) => "refused",
                _ => "stopped",
            };
            counter!(WATCHER_STOPS_TOTAL, "watcher" => "kv", "reason" => reason).increment(1)
        }
    }
}

/// Records what a certificate keeper did.
#[cfg(feature = "cert-keeper")]
pub(crate) fn cert_event(event: &crate::cert::CertEvent) {
    use crate::cert::{CertEvent, CertStop};
    let ended = |reason: &'static str| {
        counter!(WATCHER_STOPS_TOTAL, "watcher" => "cert", "reason" => reason).increment(1)
    };
    match event {
        CertEvent::Issued(_) => {
            counter!(RENEWALS_TOTAL, "watcher" => "cert", "outcome" => "renewed").increment(1)
        }
        CertEvent::IssueFailed { .. } => {
            counter!(RENEWALS_TOTAL, "watcher" => "cert", "outcome" => "failed").increment(1)
        }
        CertEvent::Expired { .. } => ended("expired"),
        CertEvent::Stopped(CertStop::Refused(_)) => ended("refused"),
        CertEvent::Stopped(_) => ended("stopped"),
    }
}
