//! Live: login MFA with TOTP against a real server (OpenBao's `identity/mfa`): a plain login
//! gives the MFA error, two-phase (`sys/mfa/validate`) and single-phase (`X-Vault-MFA`) logins
//! with computed TOTP codes give working tokens, a wrong passcode gives Vault's 403.
//!
//! Each user has an entity of its own: a TOTP passcode cannot be used twice in its period.

mod common;

use common::totp::now as totp;
use hashivault::auth::{LoginOutcome, MfaCredentials, Userpass, WithMfa};
use hashivault::reqwest::Method;
use hashivault::{Client, Envelope, ExposeSecret};
use serde_json::{json, Value};

fn fresh(client: &Client) -> Client {
    Client::builder().address(client.address()).build().unwrap()
}

/// A code that is not `code`.
fn wrong(code: &str) -> String {
    format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000)
}

async fn call(root: &Client, method: Method, path: &str, body: Option<Value>) -> Envelope {
    root.request(method, path, body.as_ref())
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A userpass mount with users under a TOTP login enforcement, each with a TOTP secret.
struct Setup {
    mount: String,
    method_id: String,
    method_name: String,
    enforcement: String,
    /// (user, password, base32 TOTP secret)
    users: Vec<(String, String, String)>,
}

async fn setup(root: &Client, users: &[&str]) -> Setup {
    let mount = common::unique("mfa-up");
    call(
        root,
        Method::POST,
        &format!("sys/auth/{mount}"),
        Some(json!({"type": "userpass"})),
    )
    .await;
    // A TOTP method of this test's own.
    let method_name = common::unique("totp").replace('-', "_");
    let created = call(
        root,
        Method::POST,
        "identity/mfa/method/totp",
        Some(json!({
            "method_name": method_name,
            "issuer": "hashivault",
            "period": 30,
            "digits": 6,
            "algorithm": "SHA1",
            "key_size": 20
        })),
    )
    .await;
    let method_id = created.data.unwrap()["method_id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut out = Vec::new();
    for user in users {
        let password = format!("pw-{}", common::unique(user));
        call(
            root,
            Method::POST,
            &format!("auth/{mount}/users/{user}"),
            Some(json!({"password": password, "token_policies": "default"})),
        )
        .await;
        // A first login (no enforcement yet) makes the user's entity.
        let auth = fresh(root)
            .auth()
            .userpass(&mount, user, password.as_str())
            .await
            .unwrap();
        let generated = call(
            root,
            Method::POST,
            "identity/mfa/method/totp/admin-generate",
            Some(json!({"method_id": method_id, "entity_id": auth.entity_id})),
        )
        .await;
        let url = generated.data.unwrap()["url"].as_str().unwrap().to_string();
        let secret = url
            .split(['?', '&'])
            .find_map(|p| p.strip_prefix("secret="))
            .expect("an otpauth URL with a secret")
            .to_string();
        out.push((user.to_string(), password, secret));
    }
    let mounts = call(root, Method::GET, "sys/auth", None).await;
    let accessor = mounts.data.unwrap()[&format!("{mount}/")]["accessor"]
        .as_str()
        .unwrap()
        .to_string();
    let enforcement = common::unique("enf");
    call(
        root,
        Method::POST,
        &format!("identity/mfa/login-enforcement/{enforcement}"),
        Some(json!({"mfa_method_ids": [method_id], "auth_method_accessors": [accessor]})),
    )
    .await;
    Setup {
        mount,
        method_id,
        method_name,
        enforcement,
        users: out,
    }
}

async fn teardown(root: &Client, s: &Setup) {
    let _ = root
        .request::<Value, ()>(
            Method::DELETE,
            &format!("identity/mfa/login-enforcement/{}", s.enforcement),
            None,
        )
        .await;
    let _ = root
        .request::<Value, ()>(Method::DELETE, &format!("sys/auth/{}", s.mount), None)
        .await;
}

#[tokio::test]
async fn plain_login_fails_with_the_requirement_and_two_phase_completes_it() {
    let Some(root) =
        common::live_client("plain_login_fails_with_the_requirement_and_two_phase_completes_it")
    else {
        return;
    };
    let s = setup(&root, &["alice"]).await;
    let (user, password, secret) = &s.users[0];
    let login = Userpass::new(&s.mount, user, password.as_str());
    let client = fresh(&root);

    // A plain login: the MFA error, nothing stored.
    let err = client.auth().login_as(&login).await.unwrap_err();
    assert!(err.is_mfa_required(), "{err:?}");
    assert!(!client.has_token());
    let requirement = err.mfa_requirement().unwrap();
    assert!(!requirement.mfa_request_id.expose_secret().is_empty());
    let constraint = &requirement.mfa_constraints[&s.enforcement];
    assert_eq!(constraint.any.len(), 1);
    let method = &constraint.any[0];
    assert_eq!(method.type_, "totp");
    assert_eq!(method.id, s.method_id);
    assert_eq!(method.name, s.method_name);
    assert!(method.uses_passcode);
    assert!(!format!("{err} {err:?}").contains(requirement.mfa_request_id.expose_secret()));

    // A wrong passcode: Vault's 403.
    let code = totp(secret);
    let bad = MfaCredentials::new().passcode(&s.method_id, wrong(&code));
    let err = client
        .auth()
        .mfa_validate(requirement, &bad)
        .await
        .unwrap_err();
    assert!(err.is_permission_denied(), "{err:?}");
    assert!(
        err.messages()
            .iter()
            .any(|m| m.contains("MFA credentials not supplied or incorrect")),
        "{err}"
    );
    assert!(!client.has_token());

    // Two-phase with the right code: a working token, captured.
    let LoginOutcome::MfaRequired(pending) = client.auth().login_or_mfa(&login).await.unwrap()
    else {
        panic!("expected an MFA requirement");
    };
    let good = MfaCredentials::new().passcode(&s.method_id, totp(secret));
    let auth = client.auth().mfa_validate(&pending, &good).await.unwrap();
    assert!(!auth.client_token.expose_secret().is_empty());
    assert_eq!(auth.metadata["username"], user.as_str());
    let me = client.auth().lookup_self().await.unwrap();
    assert_eq!(me.accessor, auth.accessor);
    assert_eq!(me.entity_id, auth.entity_id);
    teardown(&root, &s).await;
}

#[tokio::test]
async fn single_phase_logins_send_the_passcode_with_the_login() {
    let Some(root) = common::live_client("single_phase_logins_send_the_passcode_with_the_login")
    else {
        return;
    };
    let s = setup(&root, &["bob", "carol"]).await;

    // By method name.
    let (user, password, secret) = &s.users[0];
    let client = fresh(&root);
    let creds = MfaCredentials::new().passcode(&s.method_name, totp(secret));
    let with_mfa = WithMfa::new(Userpass::new(&s.mount, user, password.as_str()), creds);
    let auth = client.auth().login_as(&with_mfa).await.unwrap();
    assert_eq!(auth.metadata["username"], user.as_str());
    assert_eq!(
        client.auth().lookup_self().await.unwrap().accessor,
        auth.accessor
    );

    // A wrong passcode: Vault's 403; then by method id with the right one.
    let (user, password, secret) = &s.users[1];
    let client = fresh(&root);
    let code = totp(secret);
    let bad = WithMfa::new(
        Userpass::new(&s.mount, user, password.as_str()),
        MfaCredentials::new().passcode(&s.method_id, wrong(&code)),
    );
    let err = client.auth().login_as(&bad).await.unwrap_err();
    assert!(err.is_permission_denied(), "{err:?}");
    assert!(!client.has_token());
    assert!(!format!("{err} {err:?}").contains(&wrong(&code)));
    let good = WithMfa::new(
        Userpass::new(&s.mount, user, password.as_str()),
        MfaCredentials::new().passcode(&s.method_id, totp(secret)),
    );
    let auth = client.auth().login_as(&good).await.unwrap();
    assert_eq!(auth.metadata["username"], user.as_str());
    assert_eq!(
        client.auth().lookup_self().await.unwrap().accessor,
        auth.accessor
    );
    teardown(&root, &s).await;
}
