//! GCP (GCE) and Azure workload logins on the wire (`src/auth/cloud.rs`): the exact metadata
//! requests (method, path, query, the metadata header), then the exact login request to Vault with
//! the fetched JWT; a clear error when the metadata service does not answer; the JWT never in
//! `Debug`, `Display` or errors.
//!
//! The metadata answers follow Google's and Microsoft's documented shapes (GCE's identity
//! endpoint answers the JWT as text; IMDS answers JSON); the Vault answers are login envelopes
//! in OpenBao's shape with the metadata the GCP and Azure plugins attach (no cloud was at hand to
//! record them).

mod common;

use std::time::{Duration, Instant};

use hashivault::auth::{AzureInstance, GcpInstance};
use httpmock::prelude::*;
use serde_json::{json, Value};

use common::wire::{
    any_request_fails, at, call, closed_address as closed_port, tokenless_client as client, Call,
};

/// A JWT as the metadata services hand them out (header.claims.signature).
const JWT: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImFiYzEyMyJ9.eyJhdWQiOiJodHRwOi8vdmF1bHQvbXktZ2NlLXJvbGUifQ.c2lnbmF0dXJlLW9mLWdvb2dsZQ";

/// A login answer with the plugin's metadata.
fn login_answer(token: &str, metadata: Value) -> Value {
    json!({
        "request_id": "8f1c2e4a-3b5d-6e7f-8091-a2b3c4d5e6f7",
        "lease_id": "",
        "renewable": false,
        "lease_duration": 0,
        "data": null,
        "wrap_info": null,
        "warnings": null,
        "auth": {
            "client_token": token,
            "accessor": "hmdCkI6XyEHbWpgyUNLjZq3e",
            "policies": ["default", "web"],
            "token_policies": ["default", "web"],
            "metadata": metadata,
            "lease_duration": 2764800,
            "renewable": true,
            "entity_id": "7b3c1f0e-2d4a-5b6c-8e9f-0a1b2c3d4e5f",
            "token_type": "service",
            "orphan": true,
            "mfa_requirement": null,
            "num_uses": 0
        }
    })
}

/// GCE's identity token of service account `account`.
fn gce_identity(account: &str) -> Call {
    call(
        GET,
        format!("/computeMetadata/v1/instance/service-accounts/{account}/identity"),
    )
}

/// The error of a login with `method` that must fail.
async fn login_error(
    client: &hashivault::Client,
    method: &impl hashivault::auth::Login,
) -> hashivault::Error {
    client.auth().login_as(method).await.unwrap_err()
}

/// Logs in with `method` on a client of `vault`, which answers exactly `login` (once) with
/// [`login_answer`]`(token, metadata)`: the client then holds `token`, and neither the method nor
/// the answer shows the JWT in `Debug`; the answer's metadata is read whole.
async fn logs_in(
    vault: &MockServer,
    method: &(impl hashivault::auth::Login + std::fmt::Debug),
    token: &str,
    metadata: Value,
    login: Call,
) {
    let login = login
        .answers(vault, 200, login_answer(token, metadata.clone()))
        .await;
    let client = client(vault);
    let auth = client.auth().login_as(method).await.unwrap();
    login.assert_async().await;
    common::wire::assert_token(&client, token);
    no_jwt(&format!("{method:?} {auth:?}"));
    assert_eq!(serde_json::to_value(&auth.metadata).unwrap(), metadata);
}

fn no_jwt(text: &str) {
    assert!(!text.contains(JWT), "the JWT leaked: {text}");
}

#[tokio::test]
async fn gcp_fetches_the_identity_token_then_logs_in_with_it() {
    let metadata = MockServer::start_async().await;
    let vault = MockServer::start_async().await;
    let identity = gce_identity("default")
        .header("metadata-flavor", "Google")
        .matching(|req| {
            req.uri().query() == Some("audience=http%3A%2F%2Fvault%2Fmy-gce-role&format=full")
        })
        .reply_header("content-type", "text/html")
        .reply_header("metadata-flavor", "Google")
        .answers(&metadata, 200, JWT)
        .await;
    let gcp = GcpInstance::new("gcp", "my-gce-role").metadata_url(metadata.base_url());
    logs_in(
        &vault,
        &gcp,
        "s.GceLoginToken0001",
        json!({
            "role": "my-gce-role",
            "service_account_email": "web@project-123456.iam.gserviceaccount.com",
            "service_account_id": "111111111111111111111",
            "project_id": "project-123456",
            "zone": "europe-west1-b",
            "instance_name": "web-1"
        }),
        call(POST, "/v1/auth/gcp/login")
            .header_missing("x-vault-token")
            .header_missing("metadata-flavor")
            .body(json!({ "role": "my-gce-role", "jwt": JWT })),
    )
    .await;
    identity.assert_async().await;
}

#[tokio::test]
async fn gcp_audience_service_account_and_mount_can_be_set() {
    let metadata = MockServer::start_async().await;
    let vault = MockServer::start_async().await;
    let identity = metadata
        .mock_async(|when, then| {
            when.method(GET)
                // `@` is sent escaped (`%40`); httpmock matches the decoded path.
                .path("/computeMetadata/v1/instance/service-accounts/web@project-123456.iam.gserviceaccount.com/identity")
                .header("metadata-flavor", "Google")
                .is_true(|req| {
                    req.uri().query()
                        == Some("audience=https%3A%2F%2Fvault.example.com%2Fvault%2Fweb&format=full")
                });
            then.status(200).body(format!("{JWT}\n"));
        })
        .await;
    let gcp = GcpInstance::new("team/gcp", "web")
        .audience("https://vault.example.com/vault/web")
        .service_account("web@project-123456.iam.gserviceaccount.com")
        .metadata_url(format!("{}/", metadata.base_url()));
    logs_in(
        &vault,
        &gcp,
        "s.GceLoginToken0002",
        json!({"role": "web"}),
        call(POST, "/v1/auth/team/gcp/login").body(json!({ "role": "web", "jwt": JWT })),
    )
    .await;
    identity.assert_async().await;
}

#[tokio::test]
async fn gcp_off_cloud_says_so_and_never_calls_vault() {
    let vault = MockServer::start_async().await;
    let any = any_request_fails(&vault).await;
    let client = client(&vault);
    let base = closed_port();
    let err = login_error(&client, &GcpInstance::new("gcp", "r").metadata_url(&base)).await;
    assert!(matches!(err, hashivault::Error::Config(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("invalid configuration: not running on GCP: the metadata server at {base} did not answer (connection refused)")
    );
    let err = login_error(
        &client,
        &GcpInstance::new("gcp", "r").metadata_url("http://metadata.invalid"),
    )
    .await;
    assert_eq!(
        err.to_string(),
        "invalid configuration: not running on GCP: the metadata server at http://metadata.invalid did not answer (the host name does not resolve)"
    );
    assert_eq!(any.calls_async().await, 0);
    assert!(!client.has_token());
}

#[tokio::test]
async fn a_silent_metadata_server_times_out_quickly() {
    // Accepts the connection, never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            held.push(socket);
        }
    });
    let vault = MockServer::start_async().await;
    let started = Instant::now();
    let err = login_error(
        &client(&vault),
        &AzureInstance::new("azure", "r").metadata_url(&base),
    )
    .await;
    let took = started.elapsed();
    hold.abort();
    assert_eq!(
        err.to_string(),
        format!("invalid configuration: not running on an Azure VM: the instance metadata service at {base} did not answer (timed out: 1s to connect, 5s in all)")
    );
    assert!(
        took >= Duration::from_secs(5) && took < Duration::from_secs(8),
        "{took:?}"
    );
}

#[tokio::test]
async fn gcp_metadata_error_and_vault_refusal_never_show_the_jwt() {
    let metadata = MockServer::start_async().await;
    let vault = MockServer::start_async().await;
    let missing = gce_identity("nobody@x.iam.gserviceaccount.com")
        .answers(&metadata, 404, "Not Found\n")
        .await;
    let client = client(&vault);
    let base = metadata.base_url();
    let err = login_error(
        &client,
        &GcpInstance::new("gcp", "r")
            .service_account("nobody@x.iam.gserviceaccount.com")
            .metadata_url(&base),
    )
    .await;
    assert_eq!(
        err.to_string(),
        format!("invalid configuration: the metadata server at {base} answered 404 Not Found: Not Found")
    );
    missing.delete_async().await;
    metadata
        .mock_async(|when, then| {
            when.method(GET);
            then.status(200).body(JWT);
        })
        .await;
    call(POST, "/v1/auth/gcp/login")
        .answers(
            &vault,
            400,
            json!({
                "errors": ["at least one of the JWT claim 'aud' must end in \"vault/r\""]
            }),
        )
        .await;
    let err = login_error(&client, &GcpInstance::new("gcp", "r").metadata_url(&base)).await;
    assert!(err.is_invalid_request(), "{err:?}");
    no_jwt(&format!("{err} {err:?}"));
}

/// IMDS's token answer.
fn imds_token() -> Value {
    json!({
        "access_token": JWT,
        "client_id": "5a8b2c6d-1e3f-4a5b-9c7d-8e9f0a1b2c3d",
        "expires_in": "86399",
        "expires_on": "1796645917",
        "ext_expires_in": "86399",
        "not_before": "1796559217",
        "resource": "https://management.azure.com/",
        "token_type": "Bearer"
    })
}

/// IMDS's instance answer (`compute`, trimmed of what Vault does not read; `network` omitted).
fn imds_instance(vmss: &str) -> Value {
    json!({
        "compute": {
            "azEnvironment": "AzurePublicCloud",
            "location": "westeurope",
            "name": if vmss.is_empty() { "vm-web-1".to_string() } else { format!("{vmss}_3") },
            "osType": "Linux",
            "resourceGroupName": "rg-web",
            "resourceId": "/subscriptions/3c1e2f4a-5b6c-7d8e-9f0a-1b2c3d4e5f6a/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/vm-web-1",
            "subscriptionId": "3c1e2f4a-5b6c-7d8e-9f0a-1b2c3d4e5f6a",
            "vmId": "02aab8a4-74ef-476e-8182-f6d2ba4166a6",
            "vmScaleSetName": vmss,
            "vmSize": "Standard_D2s_v3",
            "zone": ""
        }
    })
}

/// The login body of role `web` on the VM of [`imds_instance`], with `fields` (the VM or scale
/// set) added.
fn azure_login(fields: Value) -> Value {
    let mut body = json!({
        "role": "web",
        "jwt": JWT,
        "subscription_id": "3c1e2f4a-5b6c-7d8e-9f0a-1b2c3d4e5f6a",
        "resource_group_name": "rg-web"
    });
    body.as_object_mut()
        .unwrap()
        .extend(common::wire::obj(fields));
    body
}

async fn imds<'a>(
    metadata: &'a MockServer,
    vmss: &'static str,
) -> (httpmock::Mock<'a>, httpmock::Mock<'a>) {
    let token = call(GET, "/metadata/identity/oauth2/token")
        .header("metadata", "true")
        .matching(|req| {
            req.uri().query()
                == Some("api-version=2018-02-01&resource=https%3A%2F%2Fmanagement.azure.com%2F")
        })
        .answers(metadata, 200, imds_token())
        .await;
    let instance = call(GET, "/metadata/instance")
        .header("metadata", "true")
        .matching(|req| req.uri().query() == Some("api-version=2021-02-01"))
        .answers(metadata, 200, imds_instance(vmss))
        .await;
    (token, instance)
}

#[tokio::test]
async fn azure_fetches_the_token_and_the_vm_then_logs_in() {
    let metadata = MockServer::start_async().await;
    let vault = MockServer::start_async().await;
    let (token, instance) = imds(&metadata, "").await;
    let azure = AzureInstance::new("azure", "web").metadata_url(metadata.base_url());
    logs_in(
        &vault,
        &azure,
        "s.AzureLoginToken01",
        json!({
            "role": "web",
            "resource_group_name": "rg-web",
            "subscription_id": "3c1e2f4a-5b6c-7d8e-9f0a-1b2c3d4e5f6a",
            "vm_name": "vm-web-1"
        }),
        call(POST, "/v1/auth/azure/login")
            .header_missing("metadata")
            .body(azure_login(json!({"vm_name": "vm-web-1"}))),
    )
    .await;
    token.assert_async().await;
    instance.assert_async().await;
}

#[tokio::test]
async fn azure_scale_set_sends_vmss_name() {
    let metadata = MockServer::start_async().await;
    let vault = MockServer::start_async().await;
    imds(&metadata, "vmss-web").await;
    logs_in(
        &vault,
        &AzureInstance::new("azure", "web").metadata_url(metadata.base_url()),
        "s.AzureLoginToken02",
        json!({"role": "web"}),
        call(POST, "/v1/auth/azure/login").body(azure_login(
            json!({"vm_name": "vmss-web_3", "vmss_name": "vmss-web"}),
        )),
    )
    .await;
}

#[tokio::test]
async fn azure_given_fields_and_identity_skip_the_instance_metadata() {
    let metadata = MockServer::start_async().await;
    let vault = MockServer::start_async().await;
    let token = call(GET, "/metadata/identity/oauth2/token").header("metadata", "true").matching(|req| {
                    req.uri().query()
                        == Some("api-version=2018-02-01&resource=https%3A%2F%2Fvault.example.com&client_id=5a8b2c6d-1e3f-4a5b-9c7d-8e9f0a1b2c3d")
                }).answers(&metadata, 200, imds_token()).await;
    let instance = at("/metadata/instance")
        .answers(&metadata, 500, serde_json::Value::Null)
        .await;
    let azure = AzureInstance::new("azure-prod", "web")
        .resource("https://vault.example.com")
        .client_id("5a8b2c6d-1e3f-4a5b-9c7d-8e9f0a1b2c3d")
        .subscription_id("sub-1")
        .resource_group_name("rg-1")
        .vmss_name("vmss-1")
        .metadata_url(metadata.base_url());
    logs_in(
        &vault,
        &azure,
        "s.AzureLoginToken03",
        json!({"role": "web"}),
        call(POST, "/v1/auth/azure-prod/login").body(json!({
            "role": "web",
            "jwt": JWT,
            "subscription_id": "sub-1",
            "resource_group_name": "rg-1",
            "vmss_name": "vmss-1"
        })),
    )
    .await;
    token.assert_async().await;
    assert_eq!(instance.calls_async().await, 0);
}

#[tokio::test]
async fn azure_off_cloud_and_imds_errors_are_clear() {
    let vault = MockServer::start_async().await;
    let client = client(&vault);
    let metadata = MockServer::start_async().await;
    at("/metadata/identity/oauth2/token")
        .answers(
            &metadata,
            400,
            json!({
                "error": "invalid_request",
                "error_description": "Identity not found"
            }),
        )
        .await;
    let (closed, served) = (closed_port(), metadata.base_url());
    for (base, expected) in [
        (&closed, format!("invalid configuration: not running on an Azure VM: the instance metadata service at {closed} did not answer (connection refused)")),
        (&served, format!("invalid configuration: the instance metadata service at {served} answered 400 Bad Request: {{\"error\":\"invalid_request\",\"error_description\":\"Identity not found\"}}")),
    ] {
        let azure = AzureInstance::new("azure", "web").metadata_url(base);
        assert_eq!(login_error(&client, &azure).await.to_string(), expected);
    }
    assert!(!client.has_token());
}

/// A throttled or failing metadata service (Azure's IMDS answers `429` past a few requests a
/// second; GCE's answers `503` now and then) is not "off the cloud": the login fails with a
/// transport error, which the token renewer retries with backoff instead of stopping.
#[tokio::test]
async fn a_busy_metadata_service_is_retried_by_the_renewer() {
    let metadata = MockServer::start_async().await;
    let vault = MockServer::start_async().await;
    let path = "/computeMetadata/v1/instance/service-accounts/default/identity";
    let busy = call(GET, path)
        .answers(&metadata, 503, "Service Unavailable\n")
        .await;
    let client = client(&vault);
    let gcp = GcpInstance::new("gcp", "r").metadata_url(metadata.base_url());
    let err = client.auth().login_as(&gcp).await.unwrap_err();
    assert!(matches!(err, hashivault::Error::Transport(_)), "{err:?}");
    // It answered: the status, not "no answer" (`{e}` is what most applications print).
    let shown = format!(
        "503 from {}{path}: the metadata service is busy or failing; the login can be retried",
        metadata.base_url()
    );
    assert_eq!(err.to_string(), shown);
    match &err {
        hashivault::Error::Transport(e) => assert_eq!(e.status, Some(503)),
        other => panic!("{other:?}"),
    }
    // The status is reqwest's error, the source: printed once, after the text, by `{e:#}`.
    let chained = format!("{:#}", anyhow::Error::from(err));
    assert_eq!(
        chained,
        format!("{shown}: HTTP status server error (503 Service Unavailable)")
    );

    // The renewer's first login meets the busy service, backs off, and logs in once it answers.
    let renewer = client.auth().renewer().login(gcp.clone()).spawn();
    while busy.calls_async().await < 2 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    busy.delete_async().await;
    call(GET, path).answers(&metadata, 200, JWT).await;
    let login = call(POST, "/v1/auth/gcp/login")
        .body(json!({ "role": "r", "jwt": JWT }))
        .answers(&vault, 200, login_answer("s.AfterTheBusySpell", json!({})))
        .await;
    tokio::time::timeout(Duration::from_secs(10), renewer.ready())
        .await
        .expect("the renewer kept trying")
        .expect("a good token");
    assert_eq!(login.calls_async().await, 1);
    common::wire::assert_token(&client, "s.AfterTheBusySpell");
}
