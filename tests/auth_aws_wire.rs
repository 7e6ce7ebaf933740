//! `auth::AwsIam` on the wire (`src/auth/aws.rs`, feature `auth-aws`): the exact login request
//! Vault receives for a `sts:GetCallerIdentity` request signed with fixed credentials at a fixed
//! time, and no credential in `Debug` or errors.
//!
//! The expected signatures were computed once, independently of aws-sigv4, by a 20-line Python
//! implementation of AWS's documented SigV4 algorithm (hashlib/hmac: canonical request, string
//! to sign, HMAC key chain `AWS4<secret>` → date → region → `sts` → `aws4_request`), which
//! first reproduced the SigV4 test suite's `get-vanilla` vector
//! (`5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31`, same keys and time).
//! The keys are AWS's documented example keys; the time is the test suite's
//! (2015-08-30T12:36:00Z). Any change in what is signed or how makes these tests fail.

#![cfg(feature = "auth-aws")]

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use hashivault::auth::{AwsCredentials, AwsIam};
use httpmock::prelude::*;
use serde_json::{json, Value};

use common::wire::tokenless_client as client;

const KEY_ID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const SESSION_TOKEN: &str = "SESSIONTOKEN-EXAMPLE";
/// 2015-08-30T12:36:00Z, `X-Amz-Date: 20150830T123600Z`.
const SIGNED_AT: u64 = 1_440_938_160;
const BODY_B64: &str = "QWN0aW9uPUdldENhbGxlcklkZW50aXR5JlZlcnNpb249MjAxMS0wNi0xNQ==";

fn signed_at() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(SIGNED_AT)
}

fn given(token: Option<&str>) -> AwsCredentials {
    AwsCredentials::new(KEY_ID, SECRET, token.map(str::to_string), None, "test")
}

/// A login at `mount` as `role` with the example keys (and `token`), signed at [`SIGNED_AT`].
fn example(mount: &str, role: Option<&str>, token: Option<&str>) -> AwsIam {
    AwsIam::new(mount, role)
        .credentials(given(token))
        .signing_time(signed_at())
}

fn login_answer() -> Value {
    json!({
        "auth": {
            "client_token": "s.aws-login-token",
            "accessor": "acc-aws",
            "policies": ["default", "aws-reader"],
            "token_policies": ["default", "aws-reader"],
            "metadata": {"account_id": "123456789012"},
            "lease_duration": 3600,
            "renewable": true,
            "entity_id": "",
            "token_type": "service",
            "orphan": true
        }
    })
}

/// Mocks `POST /v1/auth/<mount>/login` with exactly `body`, logs in, and checks the one hit.
async fn expect_login(aws: &AwsIam, mount: &str, body: Value) {
    let server = MockServer::start_async().await;
    let login = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/v1/auth/{mount}/login"))
                .header("content-type", "application/json")
                .header_missing("x-vault-token")
                .json_body(body);
            then.status(200).json_body(login_answer());
        })
        .await;
    let client = client(&server);
    let auth = client.auth().login_as(aws).await.unwrap();
    login.assert_async().await;
    assert_eq!(auth.accessor, "acc-aws");
    assert_eq!(auth.policies, vec!["default", "aws-reader"]);
    assert!(client.has_token());
}

fn decode(field: &str) -> String {
    String::from_utf8(BASE64.decode(field).unwrap()).unwrap()
}

#[test]
fn the_recorded_fields_decode_to_the_signed_request() {
    assert_eq!(
        decode(BODY_B64),
        "Action=GetCallerIdentity&Version=2011-06-15"
    );
    assert_eq!(
        decode("aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbS8="),
        "https://sts.amazonaws.com/"
    );
}

/// The headers Vault forwards to STS, exactly as sent (JSON of name -> [value], names sorted):
/// signed for `region` at [`SIGNED_AT`], `SignedHeaders=<signed>`, with `extra` (`"Name":["v"]`
/// pairs after `X-Amz-Date`).
fn sts_headers(region: &str, signed: &str, signature: &str, host: &str, extra: &str) -> String {
    format!(
        concat!(
            r#"{{"Authorization":["AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/{}/sts/aws4_request, "#,
            r#"SignedHeaders={}, "#,
            r#"Signature={}"],"#,
            r#""Content-Type":["application/x-www-form-urlencoded; charset=utf-8"],"#,
            r#""Host":["{}"],"#,
            r#""X-Amz-Date":["20150830T123600Z"]{}}}"#,
        ),
        region, signed, signature, host, extra
    )
}

/// Logs in with `aws` against a mock that expects exactly the login body of a request signed
/// with `headers` (see [`sts_headers`]) to `url`, with `role` when given.
async fn expect_signed(aws: &AwsIam, mount: &str, role: Option<&str>, url: &str, headers: &str) {
    let mut body = json!({
        "iam_http_request_method": "POST",
        "iam_request_url": BASE64.encode(url),
        "iam_request_body": BODY_B64,
        "iam_request_headers": BASE64.encode(headers),
    });
    if let Some(role) = role {
        body["role"] = json!(role);
    }
    expect_login(aws, mount, body).await;
}

const STS: &str = "https://sts.amazonaws.com/";

#[tokio::test]
async fn signs_get_caller_identity_with_the_server_id_header_byte_for_byte() {
    let aws = example("aws", Some("dev-role"), None).server_id("vault.example.com");
    let headers = sts_headers(
        "us-east-1",
        "content-type;host;x-amz-date;x-vault-aws-iam-server-id",
        "df234c45af42b105eae29dd0035133e7fadb800a3000a94bf0f44b08c7b38cbe",
        "sts.amazonaws.com",
        r#","X-Vault-AWS-IAM-Server-ID":["vault.example.com"]"#,
    );
    expect_signed(&aws, "aws", Some("dev-role"), STS, &headers).await;
}

#[tokio::test]
async fn without_a_server_id_no_such_header_is_signed_nor_a_role_sent() {
    let aws = example("aws-prod/", None, None);
    let headers = sts_headers(
        "us-east-1",
        "content-type;host;x-amz-date",
        "6fb20d31f734d876c5682fdd2678d194cf68b862755f83b7ba1373c0874be25c",
        "sts.amazonaws.com",
        "",
    );
    expect_signed(&aws, "aws-prod", None, STS, &headers).await;
}

#[tokio::test]
async fn a_session_token_is_signed_and_sent_to_vault_for_sts() {
    let aws = example("aws", Some("dev-role"), Some(SESSION_TOKEN));
    let headers = sts_headers(
        "us-east-1",
        "content-type;host;x-amz-date;x-amz-security-token",
        "e826614f4ae98bb2545e34609300ef15b5722704c24feca7e3f4fdc33f3e4f3c",
        "sts.amazonaws.com",
        r#","X-Amz-Security-Token":["SESSIONTOKEN-EXAMPLE"]"#,
    );
    expect_signed(&aws, "aws", Some("dev-role"), STS, &headers).await;
}

#[tokio::test]
async fn a_region_signs_for_its_regional_sts_endpoint() {
    let aws = example("aws", Some("dev-role"), None).region("eu-west-1");
    let url = "https://sts.eu-west-1.amazonaws.com/";
    assert_eq!(aws.request_url(), url);
    let headers = sts_headers(
        "eu-west-1",
        "content-type;host;x-amz-date",
        "d9ce7d87516e54d16bce0dfaec690a00a86d0c6a4505e7fbaf9081d93ffcbc1f",
        "sts.eu-west-1.amazonaws.com",
        "",
    );
    expect_signed(&aws, "aws", Some("dev-role"), url, &headers).await;
}

/// A provider of the caller's that fails.
#[derive(Debug)]
struct Failing;

impl aws_credential_types::provider::ProvideCredentials for Failing {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::ready(Err(
            aws_credential_types::provider::error::CredentialsError::provider_error(
                "vault role has no instance profile",
            ),
        ))
    }
}

#[tokio::test]
async fn no_credential_session_token_or_signature_in_debug_display_or_errors() {
    let signature_prefix = "df234c45af42"; // of the server-id request above
    let forbidden = [SECRET, SESSION_TOKEN, signature_prefix, "Signature="];
    let aws = example("aws", Some("dev-role"), Some(SESSION_TOKEN)).server_id("vault.example.com");
    let shown = format!(
        "{aws:?} {:?} {}",
        given(Some(SESSION_TOKEN)),
        given(Some(SESSION_TOKEN)).access_key_id()
    );
    for secret in forbidden {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(
        shown.contains("dev-role") && shown.contains("https://sts.amazonaws.com/"),
        "{shown}"
    );

    // Vault refuses the login: the error names the operation and status, not the request.
    let server = MockServer::start_async().await;
    let refused = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/auth/aws/login");
            then.status(400).json_body(
                json!({"errors": ["error making upstream request: received error code 403"]}),
            );
        })
        .await;
    let err = client(&server).auth().login_as(&aws).await.unwrap_err();
    refused.assert_async().await;
    let text = format!("{err} {err:?}");
    assert_eq!(err.status(), Some(400), "{text}");
    for secret in forbidden {
        assert!(!text.contains(secret), "{secret} in {text}");
    }

    // A provider that fails: a config error with the provider's reason, and no request sent.
    let server = MockServer::start_async().await;
    let any = common::wire::any_request_fails(&server).await;
    let err = client(&server)
        .auth()
        .login_as(&AwsIam::new("aws", None).credentials_provider(Failing))
        .await
        .unwrap_err();
    assert_eq!(any.calls_async().await, 0);
    assert!(matches!(err, hashivault::Error::Config(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "invalid configuration: AWS IAM login: cannot load AWS credentials: an error occurred while \
         loading credentials: vault role has no instance profile"
    );
}

#[tokio::test]
async fn no_credentials_in_the_default_chain_names_where_it_looked() {
    // Nothing in the environment or profile files, no container endpoint, instance metadata off
    // (no request leaves the machine). The only test of this file that reads the environment.
    for name in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ] {
        std::env::remove_var(name);
    }
    std::env::set_var("AWS_CONFIG_FILE", "/nonexistent/hashivault-test/config");
    std::env::set_var(
        "AWS_SHARED_CREDENTIALS_FILE",
        "/nonexistent/hashivault-test/credentials",
    );
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");

    let server = MockServer::start_async().await;
    let any = common::wire::any_request_fails(&server).await;
    let err = client(&server)
        .auth()
        .login_as(&AwsIam::new("aws", Some("dev-role")))
        .await
        .unwrap_err();
    assert_eq!(any.calls_async().await, 0);
    assert!(matches!(err, hashivault::Error::Config(_)), "{err:?}");
    let text = err.to_string();
    assert!(
        text.starts_with("invalid configuration: AWS IAM login: no AWS credentials found; looked in the environment (AWS_ACCESS_KEY_ID"),
        "{text}"
    );
    for place in [
        "~/.aws/credentials",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "IMDSv2",
    ] {
        assert!(text.contains(place), "{place} not in {text}");
    }
}
