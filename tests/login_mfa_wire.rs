//! Login MFA on the wire (`src/auth/mfa.rs`): a login answered with `mfa_requirement` is an error
//! carrying it (no empty token stored) or a `LoginOutcome`; two-phase through `sys/mfa/validate`,
//! single-phase with `X-Vault-MFA` headers; passcodes and the request id never shown. Answers
//! recorded from OpenBao 2.7.2 (`tests/fixtures/mfa/README.md`).

mod common;

use hashivault::auth::{
    Jwt, LoginOutcome, MfaCredentials, RenewEvent, StopReason, Userpass, WithMfa,
};
use hashivault::ExposeSecret;
use httpmock::prelude::*;
use serde_json::{json, Value};

use common::wire::{
    alice_login, any_request_fails, assert_token, call, recorded, tokenless_client as client,
    userpass_login, USERPASS_TOKEN,
};

/// The recorded requirement's request id and TOTP method.
const REQUEST_ID: &str = "d779403f-c540-0d22-57d7-f4a0fadd2d49";
const METHOD_ID: &str = "44bc42c1-e7c2-d2d9-da93-40790bd23ad2";
const PASSWORD: &str = "pw-alice-0f3c";
const PASSCODE: &str = "492039";

fn mfa(name: &str) -> Value {
    recorded(&format!("mfa/{name}"))
}

/// The `X-Vault-MFA` values of a request, in order.
fn mfa_headers(req: &httpmock::HttpMockRequest) -> Vec<String> {
    req.headers_vec()
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("x-vault-mfa"))
        .map(|(_, value)| value.clone())
        .collect()
}

/// `POST auth/userpass/login/alice` with the password and no MFA header, answered with the
/// recorded MFA requirement.
async fn login_needing_mfa(server: &MockServer) -> httpmock::Mock<'_> {
    userpass_login("alice", PASSWORD)
        .header_missing("x-vault-mfa")
        .answers(server, 200, mfa("login-mfa-required.json"))
        .await
}

/// `login_or_mfa` as `alice` with [`PASSWORD`] at `userpass`.
async fn alice_login_or_mfa(
    client: &hashivault::Client,
) -> Result<LoginOutcome, hashivault::Error> {
    client
        .auth()
        .login_or_mfa(&Userpass::new("userpass", "alice", PASSWORD))
        .await
}

fn shown(e: &impl std::fmt::Debug) -> String {
    format!("{e:?}")
}

#[tokio::test]
async fn a_plain_login_meeting_mfa_is_an_error_carrying_the_requirement() {
    let server = MockServer::start_async().await;
    let login = login_needing_mfa(&server).await;
    let client = client(&server);
    let err = alice_login(&client, PASSWORD).await.unwrap_err();
    login.assert_async().await;
    assert!(err.is_mfa_required(), "{err:?}");
    assert!(!client.has_token(), "no empty token is stored");
    assert_eq!(err.operation(), Some("userpass_login"));
    assert_eq!(err.kind(), None);
    let requirement = err.mfa_requirement().expect("the pending requirement");
    assert_eq!(requirement.mfa_request_id.expose_secret(), REQUEST_ID);
    let constraint = &requirement.mfa_constraints["enf1"];
    assert_eq!(constraint.any.len(), 1);
    let method = &constraint.any[0];
    assert_eq!(
        (
            method.type_.as_str(),
            method.id.as_str(),
            method.uses_passcode,
            method.name.as_str()
        ),
        ("totp", METHOD_ID, true, "my_totp")
    );
    assert_eq!(requirement.methods().count(), 1);
    assert_eq!(
        err.to_string(),
        format!(
            "userpass_login: the login needs multi-factor authentication (enf1: one of totp `my_totp` ({METHOD_ID})): complete it with AuthApi::mfa_validate, or log in with WithMfa"
        )
    );
    // The request id completes the login with a passcode: never shown, nor the password.
    for text in [err.to_string(), shown(&err), shown(requirement)] {
        assert!(!text.contains(REQUEST_ID), "{text}");
        assert!(!text.contains(PASSWORD), "{text}");
    }
}

#[tokio::test]
async fn two_phase_login_through_sys_mfa_validate_stores_the_real_token() {
    let server = MockServer::start_async().await;
    let login = login_needing_mfa(&server).await;
    let validate = call(POST, "/v1/sys/mfa/validate")
        .header_missing("x-vault-token")
        .header_missing("x-vault-mfa")
        .no_query()
        .body(json!({
            "mfa_request_id": REQUEST_ID,
            "mfa_payload": { METHOD_ID: [PASSCODE] }
        }))
        .answers(&server, 200, mfa("validate.json"))
        .await;
    let after = call(GET, "/v1/auth/token/lookup-self")
        .header("x-vault-token", "s.uzMNQdNJjCcgoSpiduuWOxqb")
        .answers(&server, 200, recorded("token-lookup-self.json"))
        .await;
    let client = client(&server);
    let outcome = alice_login_or_mfa(&client).await.unwrap();
    login.assert_async().await;
    let LoginOutcome::MfaRequired(pending) = outcome else {
        panic!("expected an MFA requirement, got {outcome:?}");
    };
    assert!(!client.has_token());
    let method = pending.methods().next().unwrap();
    let creds = MfaCredentials::new().passcode(&method.id, PASSCODE);
    assert_eq!(shown(&creds), format!("[{METHOD_ID}: <redacted>]"));
    let auth = client.auth().mfa_validate(&pending, &creds).await.unwrap();
    validate.assert_async().await;
    assert_eq!(auth.accessor, "VipIyb5a68MuFNnkbIpvF8YM");
    assert_eq!(auth.entity_id, "22aa9865-7a6a-e3e1-17cb-000e53bfbaeb");
    assert_eq!(auth.metadata["username"], "alice");
    assert!(auth.mfa_requirement.is_none());
    // The token is captured like every login's.
    client.auth().lookup_self().await.unwrap();
    after.assert_async().await;
    assert!(!shown(&auth).contains("s.uzMNQdNJjCcgoSpiduuWOxqb"));
}

#[tokio::test]
async fn a_login_without_mfa_is_logged_in_through_login_or_mfa() {
    let server = MockServer::start_async().await;
    userpass_login("alice", PASSWORD)
        .answers(&server, 200, recorded("userpass-login.json"))
        .await;
    let client = client(&server);
    let outcome = alice_login_or_mfa(&client).await.unwrap();
    let LoginOutcome::LoggedIn(auth) = outcome else {
        panic!("expected a login, got {outcome:?}");
    };
    assert_eq!(auth.accessor, "m4XXVpWGa03oiJz6PXdCu3Dr");
    assert_token(&client, USERPASS_TOKEN);
}

#[tokio::test]
async fn a_wrong_passcode_is_vaults_403_and_stores_nothing() {
    let server = MockServer::start_async().await;
    login_needing_mfa(&server).await;
    call(POST, "/v1/sys/mfa/validate")
        .body(json!({
            "mfa_request_id": REQUEST_ID,
            "mfa_payload": { METHOD_ID: ["000000"] }
        }))
        .answers(&server, 403, mfa("validate-wrong-passcode.json"))
        .await;
    let client = client(&server);
    let err = alice_login(&client, PASSWORD).await.unwrap_err();
    let pending = err.mfa_requirement().unwrap().clone();
    let err = client
        .auth()
        .mfa_validate(
            &pending,
            &MfaCredentials::new().passcode(METHOD_ID, "000000"),
        )
        .await
        .unwrap_err();
    assert!(err.is_permission_denied(), "{err:?}");
    assert_eq!(err.operation(), Some("mfa_validate"));
    assert_eq!(
        err.messages(),
        [format!(
            "MFA credentials not supplied or incorrect; login MFA validation failed for methodID: [{METHOD_ID}]"
        )]
    );
    assert!(!client.has_token());
    let text = format!("{err} {err:?}");
    assert!(
        !text.contains("000000") && !text.contains(REQUEST_ID),
        "{text}"
    );
}

#[tokio::test]
async fn a_push_method_is_sent_as_an_empty_passcode_list() {
    let server = MockServer::start_async().await;
    login_needing_mfa(&server).await;
    let validate = call(POST, "/v1/sys/mfa/validate")
        .body(json!({
            "mfa_request_id": REQUEST_ID,
            "mfa_payload": { "duo-method-id": [], METHOD_ID: [PASSCODE] }
        }))
        .answers(&server, 200, mfa("validate.json"))
        .await;
    let client = client(&server);
    let Ok(LoginOutcome::MfaRequired(pending)) = alice_login_or_mfa(&client).await else {
        panic!("expected an MFA requirement");
    };
    let creds = MfaCredentials::new()
        .push("duo-method-id")
        .passcode(METHOD_ID, PASSCODE);
    assert_eq!(
        shown(&creds),
        format!("[duo-method-id: push, {METHOD_ID}: <redacted>]")
    );
    client.auth().mfa_validate(&pending, &creds).await.unwrap();
    validate.assert_async().await;
}

#[tokio::test]
async fn single_phase_sends_one_mfa_header_per_method_with_the_login_only() {
    let server = MockServer::start_async().await;
    let login = userpass_login("bob", "pw-bob")
        .matching(|req| {
            mfa_headers(req)
                == [
                    format!("my_totp:{PASSCODE}"),
                    format!("{METHOD_ID}:654321"),
                    "duo_push".to_string(),
                ]
        })
        .answers(&server, 200, mfa("login-with-header.json"))
        .await;
    let after = call(GET, "/v1/auth/token/lookup-self")
        .header("x-vault-token", "s.fKhoHX1Med3DlB4lu2Ugbiij")
        .header_missing("x-vault-mfa")
        .answers(&server, 200, recorded("token-lookup-self.json"))
        .await;
    let client = client(&server);
    let creds = MfaCredentials::new()
        .passcode("my_totp", PASSCODE)
        .passcode(METHOD_ID, "654321")
        .push("duo_push");
    let with_mfa = WithMfa::new(Userpass::new("userpass", "bob", "pw-bob"), creds);
    let text = shown(&with_mfa);
    assert!(
        !text.contains(PASSCODE) && !text.contains("654321") && !text.contains("pw-bob"),
        "{text}"
    );
    let auth = client.auth().login_as(&with_mfa).await.unwrap();
    login.assert_async().await;
    assert_eq!(auth.metadata["username"], "bob");
    // The client keeps the token, not the headers.
    client.auth().lookup_self().await.unwrap();
    after.assert_async().await;
}

#[tokio::test]
async fn single_phase_covers_logins_sent_with_send_login() {
    let server = MockServer::start_async().await;
    let login = call(POST, "/v1/auth/jwt/login")
        .body(json!({ "jwt": "eyJ.a.b", "role": "ci" }))
        .matching(|req| mfa_headers(req) == [format!("my_totp:{PASSCODE}")])
        .answers(&server, 200, mfa("login-with-header.json"))
        .await;
    let client = client(&server);
    let jwt = Jwt::new("jwt", Some("ci".into()), "eyJ.a.b");
    let creds = MfaCredentials::new().passcode("my_totp", PASSCODE);
    client
        .auth()
        .login_as(&WithMfa::new(jwt, creds))
        .await
        .unwrap();
    login.assert_async().await;
}

#[tokio::test]
async fn a_wrong_header_passcode_is_vaults_403() {
    let server = MockServer::start_async().await;
    call(POST, "/v1/auth/userpass/login/bob")
        .matching(|req| mfa_headers(req) == ["my_totp:000000"])
        .answers(&server, 403, mfa("login-wrong-header.json"))
        .await;
    let client = client(&server);
    let creds = MfaCredentials::new().passcode("my_totp", "000000");
    let err = client
        .auth()
        .login_as(&WithMfa::new(
            Userpass::new("userpass", "bob", "pw-bob"),
            creds,
        ))
        .await
        .unwrap_err();
    assert!(err.is_permission_denied(), "{err:?}");
    assert_eq!(err.messages(), ["permission denied"]);
    assert!(!client.has_token());
    assert!(!format!("{err} {err:?}").contains("000000"));
}

#[tokio::test]
async fn a_method_name_with_a_colon_is_refused_before_sending() {
    let server = MockServer::start_async().await;
    let any = any_request_fails(&server).await;
    let client = client(&server);
    let creds = MfaCredentials::new().passcode("a:b", PASSCODE);
    let err = client
        .auth()
        .login_as(&WithMfa::new(Userpass::new("userpass", "bob", "pw"), creds))
        .await
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err:?}");
    assert!(!err.to_string().contains(PASSCODE));
    assert_eq!(any.calls_async().await, 0);
}

/// The renewer's re-login meeting an MFA requirement stops it (a refusal, `vault_refused` in
/// `src/watch.rs`: retrying cannot pass MFA, and with a push method every retry would prompt
/// the user).
#[tokio::test]
async fn the_renewer_stops_on_a_login_that_needs_mfa() {
    let server = MockServer::start_async().await;
    login_needing_mfa(&server).await;
    let client = client(&server);
    let renewer = client
        .auth()
        .renewer()
        .login(Userpass::new("userpass", "alice", PASSWORD))
        .spawn();
    let mut events = renewer.events();
    let event = tokio::time::timeout(std::time::Duration::from_secs(5), events.next())
        .await
        .expect("an event");
    match event {
        Some(RenewEvent::Stopped(StopReason::LoginFailing(e))) => {
            assert!(e.is_mfa_required(), "{e:?}")
        }
        other => panic!("expected a stop, got {other:?}"),
    }
    assert!(!client.has_token());
}
