//! `tracing` output: one span per request with operation, method, path, status and duration;
//! never a token, a password or a secret value.
// The API groups this file's calls use: empty without them (`scripts/feature-sets.sh`).
#![cfg(all(feature = "auth-userpass", feature = "cubbyhole", feature = "sys"))]

mod common;

use common::wire::call;
use std::io::Write;
use std::sync::{Arc, Mutex};

use httpmock::prelude::*;
use serde_json::json;

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    /// A buffer that a TRACE subscriber (no colours) writes to, the default on this thread
    /// until the guard drops.
    fn capture() -> (Self, tracing::subscriber::DefaultGuard) {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        (buffer, tracing::subscriber::set_default(subscriber))
    }

    /// What was written so far.
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

#[tokio::test]
async fn request_spans_name_the_call_and_never_the_secrets() {
    let (buffer, _guard) = Buffer::capture();

    let server = MockServer::start_async().await;
    call(POST, "/v1/auth/userpass/login/alice").answers(&server, 200, json!({
                "auth": {"client_token": "s.TOKEN-FROM-LOGIN", "accessor": "acc", "lease_duration": 60}
            })).await;
    call(GET, "/v1/cubbyhole/app/config")
        .answers(
            &server,
            200,
            json!({"data": {"db_password": "SECRET-VALUE"}}),
        )
        .await;
    let client = common::wire::client_as(&server, "s.INITIAL-TOKEN");
    common::wire::alice_login(&client, "PASSWORD-123")
        .await
        .unwrap();
    let read = client
        .api()
        .cubbyhole_read()
        .path("app/config")
        .send()
        .await
        .unwrap();
    assert_eq!(
        read.into_inner().data.unwrap()["db_password"],
        "SECRET-VALUE"
    );

    let logs = buffer.text();
    assert!(logs.contains("vault.request"), "{logs}");
    assert!(
        logs.contains("operation=\"cubbyhole_read\"") || logs.contains("operation=cubbyhole_read"),
        "{logs}"
    );
    assert!(
        logs.contains("path=\"/v1/cubbyhole/app/config\"")
            || logs.contains("path=/v1/cubbyhole/app/config"),
        "{logs}"
    );
    assert!(logs.contains("status=200"), "{logs}");
    assert!(logs.contains("attempts=1"), "{logs}");
    assert!(logs.contains("duration_ms="), "{logs}");
    for secret in [
        "s.TOKEN-FROM-LOGIN",
        "s.INITIAL-TOKEN",
        "PASSWORD-123",
        "SECRET-VALUE",
    ] {
        assert!(
            !logs.contains(secret),
            "{secret} leaked into the logs:\n{logs}"
        );
    }
}

#[test]
fn generated_types_redact_credentials_in_debug() {
    use hashivault::api::types;
    let login = types::UserpassLoginRequest::builder()
        .password(hashivault::Sensitive::from("PASSWORD-IN-BODY"));
    let login = types::UserpassLoginRequest::try_from(login).unwrap();
    let shown = format!("{login:?}");
    assert!(!shown.contains("PASSWORD-IN-BODY"), "{shown}");
    assert_eq!(
        serde_json::to_value(&login).unwrap()["password"],
        "PASSWORD-IN-BODY"
    );

    let secret: types::AppRoleWriteSecretIdResponse = serde_json::from_value(serde_json::json!({
        "secret_id": "SECRET-ID-VALUE", "secret_id_accessor": "acc", "secret_id_ttl": 0
    }))
    .unwrap();
    let shown = format!("{secret:?}");
    assert!(
        !shown.contains("SECRET-ID-VALUE") && shown.contains("acc"),
        "{shown}"
    );
    assert_eq!(secret.secret_id.unwrap().expose(), "SECRET-ID-VALUE");
}

#[cfg(feature = "auth-aws")]
#[tokio::test]
async fn aws_iam_login_traces_hold_no_secret_session_token_or_signature() {
    // aws-sigv4 traces the canonical request, session token included: the login signs with no
    // subscriber, so even a TRACE subscriber sees only the client's own request span.
    let (buffer, _guard) = Buffer::capture();

    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/auth/aws/login");
            then.status(200).json_body(json!({
                "auth": {"client_token": "s.aws-login-token", "accessor": "acc", "lease_duration": 60}
            }));
        })
        .await;
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const SESSION_TOKEN: &str = "SESSIONTOKEN-EXAMPLE";
    let credentials = hashivault::auth::AwsCredentials::new(
        "AKIDEXAMPLE",
        SECRET,
        Some(SESSION_TOKEN.to_string()),
        None,
        "test",
    );
    let aws = hashivault::auth::AwsIam::new("aws", Some("dev-role"))
        .credentials(credentials)
        .signing_time(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_440_938_160));
    let client = common::wire::tokenless_client(&server);
    client.auth().login_as(&aws).await.unwrap();

    let logged = buffer.text();
    assert!(
        logged.contains("auth/aws/login"),
        "no request span: {logged}"
    );
    for secret in [
        SECRET,
        SESSION_TOKEN,
        "e826614f4ae98bb2",
        "Signature=",
        "s.aws-login-token",
    ] {
        assert!(!logged.contains(secret), "{secret} in {logged}");
    }
}
