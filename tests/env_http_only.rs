//! Built without a TLS feature (`--no-default-features --features sys`): the client speaks plain
//! HTTP only, and an `https://` address or a TLS setting is a clear `Error::Config` at build.
//! With a TLS feature on, this file is empty.
#![cfg(not(any(feature = "rustls", feature = "native-tls")))]

mod common;

use common::wire::call;
use hashivault::{Client, Error};
use httpmock::prelude::*;
use serde_json::json;

#[test]
fn https_addresses_and_tls_settings_are_refused_naming_the_features() {
    for builder in [
        Client::builder().address("https://vault.example:8200"),
        // The default address is https too.
        Client::builder(),
    ] {
        let err = builder.build().unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
        let shown = err.to_string();
        assert!(
            shown.contains("rustls") && shown.contains("native-tls"),
            "{shown}"
        );
    }
    let err = Client::builder()
        .address("http://127.0.0.1:8200")
        .ca_cert_file("/etc/ca.pem")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert!(err.to_string().contains("native-tls"), "{err}");
}

#[tokio::test]
async fn http_addresses_work() {
    let server = MockServer::start_async().await;
    let health = call(GET, "/v1/sys/health")
        .answers(
            &server,
            200,
            json!({
                "initialized": true, "sealed": false, "standby": false,
                "performance_standby": false, "replication_performance_mode": "disabled",
                "replication_dr_mode": "disabled", "server_time_utc": 1764684000,
                "version": "2.7.2", "cluster_name": "c", "cluster_id": "i"
            }),
        )
        .await;
    let client = Client::builder()
        .address(server.base_url())
        .build()
        .unwrap();
    assert!(!client.sys_health().await.unwrap().sealed);
    health.assert_async().await;
}
