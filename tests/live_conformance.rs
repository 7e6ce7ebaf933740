//! The live conformance tour: on a real OpenBao dev server, mount every engine and auth method
//! that runs without external services, create realistic objects, call every read and list
//! operation and the writes whose answer is data (`tests/conformance/writes.rs`) through the
//! generated methods, and fail on a decode failure or on any field of a real answer that the
//! generated type does not name (strict mode).
//!
//! `HASHIVAULT_RECORD_CONFORMANCE=1` writes each raw answer to `tests/fixtures/conformance/`
//! with its provenance (server, version, date), which `tests/api_conformance_replay.rs` replays.
//! Record against a dev server whose root token is not `root` (the recorder replaces the token's
//! text everywhere) started with `-config=tests/conformance/audit.hcl` (an audit device to list),
//! with `HASHIVAULT_POSTGRES_URL` set (the database credentials).
//! The tour prints its figures (operations toured, decoded, typed, fields dropped).
// The tour spans the groups OpenBao serves, each gated on its own feature: it needs them all,
// which `full` turns on (and `cargo xtask test`, with `--all-features`, runs).
#![cfg(feature = "full")]

mod common;
mod conformance;

use std::collections::BTreeMap;

use conformance::*;
use serde_json::{json, Value};

/// A raw call for the tour's setup (the objects it reads); panics with Vault's answer on failure.
struct Setup {
    http: hashivault::reqwest::Client,
    addr: String,
    token: String,
}

impl Setup {
    async fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let method = hashivault::reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let answer = self
            .http
            .request(method, format!("{}/v1/{path}", self.addr))
            .header("X-Vault-Token", &self.token)
            .json(&body)
            .send()
            .await
            .expect("setup request");
        let status = answer.status();
        let text = answer.text().await.unwrap();
        assert!(status.is_success(), "setup {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Disables a mount left by an earlier tour on the same server (no error if absent).
    async fn fresh_mount(&self, kind: &str, path: &str, body: Value) {
        let base = if kind == "auth" {
            "sys/auth"
        } else {
            "sys/mounts"
        };
        let _ = self
            .http
            .delete(format!("{}/v1/{base}/{path}", self.addr))
            .header("X-Vault-Token", &self.token)
            .send()
            .await;
        self.call("POST", &format!("{base}/{path}"), body).await;
    }
}

/// Today's date (UTC) as `YYYY-MM-DD`, for provenance.
fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        / 86_400;
    let (y, m, d) = common::civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

async fn create_objects(s: &Setup) -> BTreeMap<&'static str, String> {
    let mut ids = BTreeMap::new();
    s.fresh_mount(
        "mounts",
        KV1,
        json!({"type": "kv", "options": {"version": "1"}}),
    )
    .await;
    s.fresh_mount(
        "mounts",
        KV2,
        json!({"type": "kv", "options": {"version": "2"}}),
    )
    .await;
    s.fresh_mount("mounts", TRANSIT, json!({"type": "transit"}))
        .await;
    s.fresh_mount(
        "mounts",
        PKI,
        json!({"type": "pki", "config": {"max_lease_ttl": "87600h"}}),
    )
    .await;
    s.fresh_mount("mounts", SSH, json!({"type": "ssh"})).await;
    s.fresh_mount("mounts", TOTP, json!({"type": "totp"})).await;
    s.fresh_mount("mounts", DATABASE, json!({"type": "database"}))
        .await;
    s.fresh_mount("auth", APPROLE, json!({"type": "approle"}))
        .await;
    s.fresh_mount("auth", USERPASS, json!({"type": "userpass"}))
        .await;

    s.call(
        "POST",
        &format!("{KV1}/app/db"),
        json!({"user": "app", "password": "kv1-s3cret"}),
    )
    .await;
    s.call(
        "POST",
        &format!("{KV2}/data/app/db"),
        json!({"data": {"user": "app", "password": "kv2-s3cret"}}),
    )
    .await;
    s.call(
        "POST",
        &format!("{KV2}/metadata/app/db"),
        json!({"custom_metadata": {"owner": "ops"}, "max_versions": 5}),
    )
    .await;
    s.call("POST", "cubbyhole/conformance", json!({"note": "hello"}))
        .await;
    s.call(
        "POST",
        "auth/token/roles/conformance",
        json!({"allowed_policies": "default", "orphan": true, "token_period": "1h"}),
    )
    .await;

    s.call("POST", &format!("auth/{APPROLE}/role/ci"), json!({"token_policies": "ci,default", "token_ttl": "1h", "token_max_ttl": "2h", "secret_id_ttl": "10m"})).await;
    s.call(
        "POST",
        &format!("auth/{APPROLE}/role/ci/secret-id"),
        json!({"metadata": "{\"env\":\"ci\"}"}),
    )
    .await;
    s.call(
        "POST",
        &format!("auth/{USERPASS}/users/ann"),
        json!({"password": "ann-pw", "token_policies": "dev", "token_ttl": 3600}),
    )
    .await;

    // A rerun updates the entity (204, no id in the answer): its id comes from a read by name.
    s.call(
        "POST",
        "identity/entity",
        json!({"name": "conformance-ann", "policies": ["dev"], "metadata": {"team": "ops"}}),
    )
    .await;
    let entity = s
        .call("GET", "identity/entity/name/conformance-ann", Value::Null)
        .await;
    let entity_id = entity["data"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let auths = s.call("GET", "sys/auth", Value::Null).await;
    let accessor = auths["data"][format!("{USERPASS}/")]["accessor"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let alias = s
        .call(
            "POST",
            "identity/entity-alias",
            json!({"name": "ann", "canonical_id": entity_id, "mount_accessor": accessor}),
        )
        .await;
    ids.insert(
        "alias",
        alias["data"]["id"].as_str().unwrap_or_default().to_string(),
    );
    s.call(
        "POST",
        "identity/group",
        json!({"name": "conformance-devs", "member_entity_ids": [entity_id], "policies": ["dev"]}),
    )
    .await;
    let group = s
        .call("GET", "identity/group/name/conformance-devs", Value::Null)
        .await;
    ids.insert(
        "group",
        group["data"]["id"].as_str().unwrap_or_default().to_string(),
    );
    ids.insert("entity", entity_id);

    s.call(
        "POST",
        &format!("{TRANSIT}/keys/app"),
        json!({"type": "aes256-gcm96", "exportable": true, "allow_plaintext_backup": true}),
    )
    .await;

    s.call("POST", &format!("{PKI}/root/generate/internal"), json!({"common_name": "conformance.test", "ttl": "87600h", "key_type": "ec", "key_bits": 256})).await;
    s.call("POST", &format!("{PKI}/roles/web"), json!({"allowed_domains": "conformance.test", "allow_subdomains": true, "max_ttl": "72h", "key_type": "ec", "key_bits": 256})).await;
    let issued = s
        .call(
            "POST",
            &format!("{PKI}/issue/web"),
            json!({"common_name": "www.conformance.test", "ttl": "1h"}),
        )
        .await;
    ids.insert(
        "serial",
        issued["data"]["serial_number"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    );

    s.call(
        "POST",
        &format!("{SSH}/config/ca"),
        json!({"generate_signing_key": true, "key_type": "ssh-ed25519"}),
    )
    .await;
    s.call("POST", &format!("{SSH}/roles/ops"), json!({"key_type": "ca", "allow_user_certificates": true, "allowed_users": "ops,deploy", "default_user": "ops", "ttl": "30m"})).await;

    s.call(
        "POST",
        &format!("{TOTP}/keys/ann"),
        json!({"generate": true, "issuer": "conformance", "account_name": "ann@conformance.test"}),
    )
    .await;

    s.call(
        "POST",
        &format!("{DATABASE}/config/pg"),
        json!({
            "plugin_name": "postgresql-database-plugin", "verify_connection": false,
            "allowed_roles": "readonly",
            "connection_url": "postgresql://{{username}}:{{password}}@127.0.0.1:1/postgres",
            "username": "vault", "password": "db-root-pw"
        }),
    )
    .await;
    s.call("POST", &format!("{DATABASE}/roles/readonly"), json!({
        "db_name": "pg", "default_ttl": "1h", "max_ttl": "24h",
        "creation_statements": ["CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';"]
    })).await;
    create_identity_objects(s, &mut ids).await;
    create_engine_objects(s).await;
    create_database_objects(s).await;
    create_write_objects(s, &mut ids).await;
    create_root_generation(s, &mut ids).await;
    create_mfa_logins(s, &mut ids).await;
    create_typed_objects(s, &mut ids).await;
    ids.insert("token", s.token.clone());
    ids
}

/// Identity: an entity alias (read through the legacy `alias` and `persona` paths too), an
/// external group with an alias, MFA methods of every kind (fake credentials: nothing calls Duo,
/// Okta or PingID) and a login enforcement on an entity no login uses, and OIDC: key, role,
/// assignment, scope, client and provider.
async fn create_identity_objects(s: &Setup, ids: &mut BTreeMap<&'static str, String>) {
    // A rerun updates the group (204): its id, and its alias if any, come from a read by name.
    s.call(
        "POST",
        "identity/group",
        json!({"name": "conformance-external", "type": "external", "metadata": {"source": "conformance"}}),
    )
    .await;
    let group = s
        .call(
            "GET",
            "identity/group/name/conformance-external",
            Value::Null,
        )
        .await;
    let group_id = group["data"]["id"].as_str().unwrap_or_default().to_string();
    // An alias left by an earlier tour points at the userpass mount that `fresh_mount` replaced
    // (its answer then lacks `mount_path` and `mount_type`): made anew on the current mount.
    if let Some(old) = group["data"]["alias"]["id"]
        .as_str()
        .filter(|id| !id.is_empty())
    {
        s.call(
            "DELETE",
            &format!("identity/group-alias/id/{old}"),
            Value::Null,
        )
        .await;
    }
    let auths = s.call("GET", "sys/auth", Value::Null).await;
    let accessor = auths["data"][format!("{USERPASS}/")]["accessor"].clone();
    let alias = s
        .call(
            "POST",
            "identity/group-alias",
            json!({"name": "conformance-external", "mount_accessor": accessor, "canonical_id": group_id}),
        )
        .await;
    let alias_id = alias["data"]["id"].as_str().unwrap_or_default().to_string();
    ids.insert("group_alias", alias_id);

    let methods: [(&'static str, &str, Value); 4] = [
        (
            "mfa_totp",
            "totp",
            json!({"issuer": "conformance", "period": 30, "key_size": 20, "algorithm": "SHA256", "digits": 6}),
        ),
        (
            "mfa_duo",
            "duo",
            json!({"secret_key": "fake-secret", "integration_key": "fake-ikey", "api_hostname": "api-1234.duosecurity.com", "push_info": "x=y", "use_passcode": true, "username_format": "{{identity.entity.name}}"}),
        ),
        (
            "mfa_okta",
            "okta",
            json!({"org_name": "conformance-org", "api_token": "fake-token", "base_url": "okta.com", "username_format": "{{identity.entity.name}}"}),
        ),
        // A PingID settings file of fake values (`use_signature`, `token`, `idp_url`, ...).
        (
            "mfa_pingid",
            "pingid",
            json!({"settings_file_base64": "dXNlX2Jhc2U2NF9rZXk9ZmFsc2UKdXNlX3NpZ25hdHVyZT10cnVlCnRva2VuPVptRnJaUzEwYjJ0bGJnPT0KaWRwX3VybD1odHRwczovL2lkcHhueWwzbS5waW5naWRlbnRpdHkuY29tL3BpbmdpZApvcmdfYWxpYXM9Y29uZm9ybWFuY2Utb3JnCmFkbWluX3VybD1odHRwczovL2lkcHhueWwzbS5waW5naWRlbnRpdHkuY29tL3BpbmdpZAphdXRoZW50aWNhdG9yX3VybD1odHRwczovL2F1dGhlbnRpY2F0b3IucGluZ29uZS5jb20vcGluZ2lkL3BwbQo=", "username_format": "{{identity.entity.name}}"}),
        ),
    ];
    for (key, kind, body) in methods {
        let made = s
            .call("POST", &format!("identity/mfa/method/{kind}"), body)
            .await;
        let id = made["data"]["method_id"].as_str().unwrap_or_default();
        ids.insert(key, id.to_string());
    }
    // Enforced on an entity no login of the tests uses, so no login needs MFA.
    s.call(
        "POST",
        "identity/entity",
        json!({"name": "conformance-mfa-only"}),
    )
    .await;
    let lonely = s
        .call(
            "GET",
            "identity/entity/name/conformance-mfa-only",
            Value::Null,
        )
        .await;
    s.call(
        "POST",
        "identity/mfa/login-enforcement/conformance",
        json!({"mfa_method_ids": [ids["mfa_totp"]], "identity_entity_ids": [lonely["data"]["id"]]}),
    )
    .await;

    s.call("POST", "identity/oidc/config", json!({"issuer": s.addr}))
        .await;
    s.call(
        "POST",
        "identity/oidc/key/conformance",
        json!({"algorithm": "RS256", "allowed_client_ids": ["*"], "verification_ttl": "24h", "rotation_period": "24h"}),
    )
    .await;
    s.call(
        "POST",
        "identity/oidc/role/conformance",
        json!({"key": "conformance", "ttl": "1h", "template": "{\"team\": {{identity.entity.metadata.team}} }"}),
    )
    .await;
    // A user whose token has an entity (made by its first login) with a policy that reads OIDC
    // tokens: what `identity/oidc/token/:name` and the provider's `authorize` need.
    // And makes its own TOTP secret of an MFA method (`mfa-generate-totp-secret`).
    s.call(
        "PUT",
        "sys/policies/acl/conformance-oidc",
        json!({"policy": "path \"identity/oidc/token/*\" { capabilities = [\"read\"] }\npath \"identity/mfa/method/totp/generate\" { capabilities = [\"update\"] }"}),
    )
    .await;
    s.call(
        "POST",
        &format!("auth/{USERPASS}/users/oidc-user"),
        json!({"password": "oidc-pw", "token_policies": "default"}),
    )
    .await;
    let login = s
        .call(
            "POST",
            &format!("auth/{USERPASS}/login/oidc-user"),
            json!({"password": "oidc-pw"}),
        )
        .await;
    let user_entity = login["auth"]["entity_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    s.call(
        "POST",
        &format!("identity/entity/id/{user_entity}"),
        json!({"policies": ["conformance-oidc"]}),
    )
    .await;
    ids.insert(
        "user_token",
        login["auth"]["client_token"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    );
    s.call(
        "POST",
        "identity/oidc/assignment/conformance",
        json!({"entity_ids": [ids["entity"], user_entity], "group_ids": [ids["group"]]}),
    )
    .await;
    s.call(
        "POST",
        "identity/oidc/scope/conformance",
        json!({"template": "{\"groups\": {{identity.entity.groups.names}} }", "description": "conformance scope"}),
    )
    .await;
    s.call(
        "POST",
        "identity/oidc/client/conformance",
        json!({"key": "conformance", "redirect_uris": ["http://127.0.0.1:8251/callback"], "assignments": ["conformance"], "id_token_ttl": "30m", "access_token_ttl": "1h", "client_type": "confidential"}),
    )
    .await;
    let client = s
        .call("GET", "identity/oidc/client/conformance", Value::Null)
        .await;
    ids.insert(
        "oidc_client_id",
        client["data"]["client_id"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    );
    s.call(
        "POST",
        "identity/oidc/provider/conformance",
        json!({"issuer": s.addr, "allowed_client_ids": [client["data"]["client_id"]], "scopes_supported": ["conformance"]}),
    )
    .await;
}

/// PKI's ACME (it needs the cluster path first), an SSH zero-address role, transit keys for a
/// BYOK export (an RSA destination, the exportable `app` as source), and a namespace.
async fn create_engine_objects(s: &Setup) {
    let base = format!("{}/v1/{PKI}", s.addr);
    s.call(
        "POST",
        &format!("{PKI}/config/cluster"),
        json!({"path": base, "aia_path": base}),
    )
    .await;
    s.call(
        "POST",
        &format!("{PKI}/config/acme"),
        json!({"enabled": true}),
    )
    .await;
    s.call(
        "POST",
        &format!("{SSH}/roles/otp"),
        json!({"key_type": "otp", "default_user": "ops", "cidr_list": "0.0.0.0/0"}),
    )
    .await;
    s.call(
        "POST",
        &format!("{SSH}/config/zeroaddress"),
        json!({"roles": ["otp"]}),
    )
    .await;
    s.call(
        "POST",
        &format!("{TRANSIT}/keys/wrapper"),
        json!({"type": "rsa-2048"}),
    )
    .await;
    // Kept from an earlier tour on the same server (a deleted namespace stays tainted a while).
    let existing = s
        .http
        .get(format!("{}/v1/sys/namespaces/{NAMESPACE}", s.addr))
        .header("X-Vault-Token", &s.token)
        .send()
        .await
        .expect("namespace read");
    if !existing.status().is_success() {
        s.call("POST", &format!("sys/namespaces/{NAMESPACE}"), json!({}))
            .await;
    }
}

/// A connection to the real PostgreSQL (`HASHIVAULT_POSTGRES_URL`) with a dynamic role and a
/// static role: the credentials reads need a database that answers.
async fn create_database_objects(s: &Setup) {
    let Some(pg) = common::live::postgres("conformance_tour (database credentials)") else {
        return;
    };
    let superuser = common::live::pg_connect(&pg)
        .await
        .expect("the superuser connects");
    superuser
        .batch_execute(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'conformance_static') \
             THEN CREATE ROLE conformance_static LOGIN PASSWORD 'to-be-rotated'; END IF; END $$;",
        )
        .await
        .expect("the static role's user");
    let password = String::from_utf8(pg.get_password().unwrap_or_default().to_vec()).unwrap();
    s.call(
        "POST",
        &format!("{DATABASE}/config/postgres"),
        json!({
            "plugin_name": "postgresql-database-plugin",
            "connection_url": format!(
                "postgresql://{{{{username}}}}:{{{{password}}}}@127.0.0.1:{}/postgres?sslmode=disable",
                common::live::pg_port(&pg)
            ),
            "username": pg.get_user().unwrap_or_default(),
            "password": password,
            "allowed_roles": "dynamic,static",
        }),
    )
    .await;
    s.call("POST", &format!("{DATABASE}/roles/dynamic"), json!({
        "db_name": "postgres", "default_ttl": "1h", "max_ttl": "24h",
        "creation_statements": ["CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';"]
    })).await;
    s.call(
        "POST",
        &format!("{DATABASE}/static-roles/static"),
        json!({"db_name": "postgres", "username": "conformance_static", "rotation_period": "24h"}),
    )
    .await;
}

/// What the tour's second half needs (`tests/conformance/writes.rs`): a signing key, a child
/// token, two SSH one-time passwords, the Kubernetes, RabbitMQ, OIDC and cert mounts configured
/// without their external services, mounts to move, CORS and a password policy.
async fn create_write_objects(s: &Setup, ids: &mut BTreeMap<&'static str, String>) {
    use conformance::writes::*;
    s.call(
        "POST",
        &format!("{TRANSIT}/keys/signer"),
        json!({"type": "ed25519"}),
    )
    .await;
    let child = s
        .call(
            "POST",
            "auth/token/create",
            json!({"policies": ["default"], "ttl": "1h", "display_name": "conformance-child"}),
        )
        .await;
    for (key, field) in [
        ("child_token", "client_token"),
        ("child_accessor", "accessor"),
    ] {
        let value = child["auth"][field].as_str().unwrap_or_default();
        ids.insert(key, value.to_string());
    }
    for key in ["otp_raw", "otp_typed"] {
        let creds = s
            .call(
                "POST",
                &format!("{SSH}/creds/otp"),
                json!({"ip": "127.0.0.1", "username": "ops"}),
            )
            .await;
        ids.insert(
            key,
            creds["data"]["key"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        );
    }

    // Kubernetes: configured with a host no cluster answers on (nothing calls it), trusting the
    // tour's PKI root as its CA.
    let ca = s.call("GET", &format!("{PKI}/cert/ca"), Value::Null).await;
    s.fresh_mount("mounts", KUBERNETES, json!({"type": "kubernetes"}))
        .await;
    s.call(
        "POST",
        &format!("{KUBERNETES}/config"),
        json!({"kubernetes_host": "https://127.0.0.1:6443", "service_account_jwt": "eyJhbGciOiJSUzI1NiJ9.e30.c2ln", "disable_local_ca_jwt": true}),
    )
    .await;
    s.call(
        "POST",
        &format!("{KUBERNETES}/roles/app"),
        json!({"allowed_kubernetes_namespaces": ["default"], "service_account_name": "app", "token_default_ttl": "1h", "extra_labels": {"team": "ops"}}),
    )
    .await;
    s.fresh_mount("auth", KUBERNETES_AUTH, json!({"type": "kubernetes"}))
        .await;
    s.call(
        "POST",
        &format!("auth/{KUBERNETES_AUTH}/config"),
        json!({"kubernetes_host": "https://127.0.0.1:6443", "kubernetes_ca_cert": ca["data"]["certificate"], "disable_local_ca_jwt": true}),
    )
    .await;
    s.call(
        "POST",
        &format!("auth/{KUBERNETES_AUTH}/role/app"),
        json!({"bound_service_account_names": ["app"], "bound_service_account_namespaces": ["default"], "token_policies": ["default"], "token_ttl": "1h", "audience": "openbao"}),
    )
    .await;

    // RabbitMQ: the connection is stored unverified (no broker here).
    s.fresh_mount("mounts", RABBITMQ, json!({"type": "rabbitmq"}))
        .await;
    s.call(
        "POST",
        &format!("{RABBITMQ}/config/connection"),
        json!({"connection_uri": "http://127.0.0.1:15672", "username": "guest", "password": "guest", "verify_connection": false}),
    )
    .await;
    s.call(
        "POST",
        &format!("{RABBITMQ}/config/lease"),
        json!({"ttl": 3600, "max_ttl": 7200}),
    )
    .await;
    s.call(
        "POST",
        &format!("{RABBITMQ}/roles/app"),
        json!({"tags": "management", "vhosts": "{\"/\": {\"configure\": \".*\", \"write\": \".*\", \"read\": \".*\"}}"}),
    )
    .await;

    // OIDC auth against this server's own OIDC provider (made by `create_identity_objects`).
    let client = s
        .call("GET", "identity/oidc/client/conformance", Value::Null)
        .await;
    s.fresh_mount("auth", OIDC_AUTH, json!({"type": "oidc"}))
        .await;
    s.call(
        "POST",
        &format!("auth/{OIDC_AUTH}/config"),
        json!({
            "oidc_discovery_url": format!("{}/v1/identity/oidc/provider/conformance", s.addr),
            "oidc_client_id": client["data"]["client_id"],
            "oidc_client_secret": client["data"]["client_secret"],
            "default_role": "conformance"
        }),
    )
    .await;
    s.call(
        "POST",
        &format!("auth/{OIDC_AUTH}/role/conformance"),
        json!({"role_type": "oidc", "user_claim": "sub", "allowed_redirect_uris": ["http://127.0.0.1:8250/oidc/callback"], "oidc_scopes": ["conformance"], "token_policies": ["default"], "token_ttl": "1h"}),
    )
    .await;

    // Cert auth trusting the tour's PKI root, with the root's CRL (one certificate revoked).
    let revoked = s
        .call(
            "POST",
            &format!("{PKI}/issue/web"),
            json!({"common_name": "revoked.conformance.test", "ttl": "1h"}),
        )
        .await;
    s.call(
        "POST",
        &format!("{PKI}/revoke"),
        json!({"serial_number": revoked["data"]["serial_number"]}),
    )
    .await;
    let crl = s.call("GET", &format!("{PKI}/cert/crl"), Value::Null).await;
    s.fresh_mount("auth", CERT_AUTH, json!({"type": "cert"}))
        .await;
    s.call(
        "POST",
        &format!("auth/{CERT_AUTH}/config"),
        json!({"enable_identity_alias_metadata": true}),
    )
    .await;
    s.call(
        "POST",
        &format!("auth/{CERT_AUTH}/certs/web"),
        json!({"certificate": ca["data"]["certificate"], "allowed_common_names": ["*.conformance.test"], "token_policies": ["default"], "token_ttl": "1h", "display_name": "web"}),
    )
    .await;
    s.call(
        "POST",
        &format!("auth/{CERT_AUTH}/crls/conformance"),
        json!({"crl": crl["data"]["certificate"]}),
    )
    .await;

    // sys: mounts to move (the targets of an earlier tour removed), CORS, a password policy.
    for (from, to) in REMOUNT_FROM.iter().zip(REMOUNT_TO) {
        let _ = s
            .http
            .delete(format!("{}/v1/sys/mounts/{to}", s.addr))
            .header("X-Vault-Token", &s.token)
            .send()
            .await;
        s.fresh_mount(
            "mounts",
            from,
            json!({"type": "kv", "options": {"version": "2"}}),
        )
        .await;
    }
    s.call(
        "POST",
        "sys/config/cors",
        json!({"enabled": true, "allowed_origins": ["http://127.0.0.1:8251"], "allowed_headers": ["X-Conformance"]}),
    )
    .await;
    s.call(
        "POST",
        "sys/config/auditing/request-headers/X-Conformance",
        json!({"hmac": true}),
    )
    .await;
    s.call(
        "POST",
        "sys/policies/password/conformance",
        json!({"policy": "length = 20\nrule \"charset\" {\n  charset = \"abcdefghijklmnopqrstuvwxyz0123456789\"\n}\n"}),
    )
    .await;
}

/// The dev server's unseal key (one share, threshold one), which `cargo xtask test` and
/// `cargo xtask dev` read from the server's log and export.
pub const UNSEAL_KEY_VAR: &str = "HASHIVAULT_UNSEAL_KEY";

/// A root token generation (OpenBao's `sys/generate-root-token`, with the server's OTP and the
/// unseal key), for `decode` (`sys/decode-token`): its encoded token and OTP go to `ids`. The
/// setup decodes the new root token once itself and revokes it: `decode` only XORs the two
/// values, it needs no live token. Without [`UNSEAL_KEY_VAR`], nothing (the tour says so).
async fn create_root_generation(s: &Setup, ids: &mut BTreeMap<&'static str, String>) {
    let Some(key) = std::env::var(UNSEAL_KEY_VAR).ok().filter(|k| !k.is_empty()) else {
        return;
    };
    try_delete(s, "sys/generate-root-token/attempt").await;
    let attempt = s
        .call("POST", "sys/generate-root-token/attempt", json!({}))
        .await;
    let otp = attempt["data"]["otp"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let nonce = attempt["data"]["nonce"].as_str().unwrap_or_default();
    let update = s
        .call(
            "POST",
            "sys/generate-root-token/update",
            json!({"key": key, "nonce": nonce}),
        )
        .await;
    assert_eq!(
        update["data"]["complete"],
        json!(true),
        "one share completes it"
    );
    let encoded = update["data"]["encoded_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let decoded = s
        .call(
            "POST",
            "sys/decode-token",
            json!({"encoded_token": encoded, "otp": otp}),
        )
        .await;
    let root = decoded["data"]["token"].as_str().unwrap_or_default();
    assert!(!root.is_empty(), "decode-token answers the new root token");
    s.call("POST", "auth/token/revoke", json!({"token": root}))
        .await;
    ids.insert("root_encoded_token", encoded);
    ids.insert("root_otp", otp);
}

/// Two logins under login MFA in progress, for `mfa-validate` (the raw call's and the generated
/// one's: a request id is used once): a userpass mount of their own under a login enforcement
/// of a TOTP method (SHA1) of its own, and two users, each with an entity (made by a first
/// login, before the enforcement) and that method's secret (`admin-generate`). `ids` gets each
/// login's `mfa_request_id`, the TOTP secret the tour computes the passcode from, and the
/// method's id.
async fn create_mfa_logins(s: &Setup, ids: &mut BTreeMap<&'static str, String>) {
    s.fresh_mount("auth", MFA_USERPASS, json!({"type": "userpass"}))
        .await;
    try_delete(s, "identity/mfa/login-enforcement/conformance-login").await;
    let method = s
        .call(
            "POST",
            "identity/mfa/method/totp",
            json!({"issuer": "conformance", "period": 30, "key_size": 20, "algorithm": "SHA1", "digits": 6}),
        )
        .await;
    let method_id = method["data"]["method_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let login = |user: &'static str| async move {
        s.call(
            "POST",
            &format!("auth/{MFA_USERPASS}/login/{user}"),
            json!({"password": "mfa-pw"}),
        )
        .await
    };
    let users = [
        ("mfa-raw", "mfa_request_raw", "mfa_secret_raw"),
        ("mfa-typed", "mfa_request_typed", "mfa_secret_typed"),
    ];
    for (user, _, secret_key) in users {
        s.call(
            "POST",
            &format!("auth/{MFA_USERPASS}/users/{user}"),
            json!({"password": "mfa-pw", "token_policies": "default"}),
        )
        .await;
        let first = login(user).await;
        let generated = s
            .call(
                "POST",
                "identity/mfa/method/totp/admin-generate",
                json!({"method_id": method_id, "entity_id": first["auth"]["entity_id"]}),
            )
            .await;
        let url = generated["data"]["url"].as_str().unwrap_or_default();
        let secret = url
            .split(['?', '&'])
            .find_map(|p| p.strip_prefix("secret="))
            .expect("an otpauth URL with a secret");
        ids.insert(secret_key, secret.to_string());
    }
    let auths = s.call("GET", "sys/auth", Value::Null).await;
    let accessor = auths["data"][format!("{MFA_USERPASS}/")]["accessor"].clone();
    s.call(
        "POST",
        "identity/mfa/login-enforcement/conformance-login",
        json!({"mfa_method_ids": [method_id], "auth_method_accessors": [accessor]}),
    )
    .await;
    for (user, request_key, _) in users {
        let pending = login(user).await;
        let request = pending["auth"]["mfa_requirement"]["mfa_request_id"]
            .as_str()
            .expect("a login under login MFA answers its requirement");
        ids.insert(request_key, request.to_string());
    }
    ids.insert("mfa_login_method", method_id);
}

/// A raw call whose failure does not matter (removing what an earlier tour left).
async fn try_delete(s: &Setup, path: &str) {
    let _ = s
        .http
        .delete(format!("{}/v1/{path}", s.addr))
        .header("X-Vault-Token", &s.token)
        .send()
        .await;
}

/// Whether the server serves OpenBao's external keys (`sys/external-keys/...`): OpenBao 2.7 and
/// later (2.6.1's document has no such path; Vault has none).
async fn serves_external_keys(s: &Setup) -> bool {
    let status = s.call("GET", "sys/seal-status", Value::Null).await;
    let version = status["version"].as_str().unwrap_or_default();
    !version.starts_with("1.") && common::release_at_least(version, (2, 7))
}

/// What `tests/conformance/writes.rs` creates anew each tour (identity's creations, MFA TOTP
/// secrets, the OIDC provider's token exchange) and OpenBao's external keys:
/// - the entities and groups of an earlier tour removed (their aliases with them), and two
///   entities and two external groups to alias (an entity has one alias per auth mount);
/// - two TOTP MFA methods (a secret is made once per entity and method);
/// - two authorization codes of the user (a code is exchanged once), the client's secret and an
///   identity token to introspect;
/// - a transit mount and key behind an external keys config of the `transit` KMS plugin, which
///   reaches this server with a token of a policy limited to that mount (never the root token).
async fn create_typed_objects(s: &Setup, ids: &mut BTreeMap<&'static str, String>) {
    for name in [
        "conformance-created-raw",
        "conformance-created-typed",
        "conformance-persona-raw",
        "conformance-persona-typed",
    ] {
        try_delete(s, &format!("identity/entity/name/{name}")).await;
        try_delete(s, &format!("identity/group/name/{name}")).await;
    }
    for (key, kind, name) in [
        ("alias_target_raw", "entity", "conformance-alias-raw"),
        ("alias_target_typed", "entity", "conformance-alias-typed"),
        ("galias_target_raw", "group", "conformance-galias-raw"),
        ("galias_target_typed", "group", "conformance-galias-typed"),
    ] {
        try_delete(s, &format!("identity/{kind}/name/{name}")).await;
        let body = if kind == "group" {
            json!({"name": name, "type": "external"})
        } else {
            json!({"name": name})
        };
        let made = s.call("POST", &format!("identity/{kind}"), body).await;
        let id = made["data"]["id"].as_str().unwrap_or_default();
        ids.insert(key, id.to_string());
    }
    let auths = s.call("GET", "sys/auth", Value::Null).await;
    for (key, mount) in [
        ("accessor_userpass", USERPASS),
        ("accessor_approle", APPROLE),
        ("accessor_cert", conformance::writes::CERT_AUTH),
    ] {
        let accessor = auths["data"][format!("{mount}/")]["accessor"]
            .as_str()
            .unwrap_or_default();
        ids.insert(key, accessor.to_string());
    }
    for key in ["mfa_gen_raw", "mfa_gen_typed"] {
        let made = s
            .call(
                "POST",
                "identity/mfa/method/totp",
                json!({"issuer": "conformance", "period": 30}),
            )
            .await;
        let id = made["data"]["method_id"].as_str().unwrap_or_default();
        ids.insert(key, id.to_string());
    }

    let client = s
        .call("GET", "identity/oidc/client/conformance", Value::Null)
        .await;
    let secret = client["data"]["client_secret"].as_str().unwrap_or_default();
    ids.insert("oidc_client_secret", secret.to_string());
    let user = Setup {
        http: s.http.clone(),
        addr: s.addr.clone(),
        token: ids["user_token"].clone(),
    };
    for key in ["oidc_code_raw", "oidc_code_typed"] {
        let code = user
            .call(
                "POST",
                "identity/oidc/provider/conformance/authorize",
                json!({"client_id": ids["oidc_client_id"], "scope": "openid conformance", "redirect_uri": "http://127.0.0.1:8251/callback", "response_type": "code", "state": "conformance-state", "nonce": "conformance-nonce"}),
            )
            .await;
        ids.insert(key, code["code"].as_str().unwrap_or_default().to_string());
    }
    let token = user
        .call("GET", "identity/oidc/token/conformance", Value::Null)
        .await;
    let token = token["data"]["token"].as_str().unwrap_or_default();
    ids.insert("oidc_id_token", token.to_string());

    use conformance::writes::{EXTERNAL_KEYS, EXTERNAL_KEYS_TRANSIT};
    if !serves_external_keys(s).await {
        return;
    }
    s.fresh_mount("mounts", EXTERNAL_KEYS_TRANSIT, json!({"type": "transit"}))
        .await;
    s.call(
        "POST",
        &format!("{EXTERNAL_KEYS_TRANSIT}/keys/{EXTERNAL_KEYS}"),
        json!({"type": "aes256-gcm96"}),
    )
    .await;
    s.call(
        "PUT",
        "sys/policies/acl/conformance-external-keys",
        json!({"policy": format!("path \"{EXTERNAL_KEYS_TRANSIT}/*\" {{ capabilities = [\"create\", \"read\", \"update\", \"list\"] }}")}),
    )
    .await;
    let kms = s
        .call(
            "POST",
            "auth/token/create-orphan",
            json!({"policies": ["conformance-external-keys"], "period": "24h", "display_name": "conformance-external-keys"}),
        )
        .await;
    s.call(
        "POST",
        &format!("sys/external-keys/configs/{EXTERNAL_KEYS}"),
        json!({"plugin": "transit", "address": s.addr, "mount_path": EXTERNAL_KEYS_TRANSIT, "token": kms["auth"]["client_token"]}),
    )
    .await;
    s.call(
        "POST",
        &format!("sys/external-keys/configs/{EXTERNAL_KEYS}/keys/{EXTERNAL_KEYS}"),
        json!({"name": EXTERNAL_KEYS, "version": 1}),
    )
    .await;
}

#[test]
fn conformance_tour() {
    on_a_big_stack(|| async {
        let Some(client) = common::live_client("conformance_tour") else {
            return;
        };
        let addr = std::env::var("VAULT_ADDR").unwrap();
        let token = std::env::var("VAULT_TOKEN").unwrap();
        let setup = Setup {
            http: hashivault::reqwest::Client::new(),
            addr: addr.clone(),
            token: token.clone(),
        };
        let status = setup.call("GET", "sys/seal-status", Value::Null).await;
        // OpenBao's versions are 2.x and later, Vault's 1.x; HASHIVAULT_SERVER_NAME overrides.
        let version = status["version"].as_str().unwrap_or_default().to_string();
        let server = std::env::var("HASHIVAULT_SERVER_NAME").unwrap_or_else(|_| {
            if version.starts_with("1.") {
                "Vault"
            } else {
                "OpenBao"
            }
            .to_string()
        });
        let provenance = json!({
            "server": server,
            "version": version,
            "date": today(),
            "recorded_by": "tests/live_conformance.rs (HASHIVAULT_RECORD_CONFORMANCE=1)"
        });
        let ids = create_objects(&setup).await;
        let record = std::env::var("HASHIVAULT_RECORD_CONFORMANCE").is_ok_and(|v| v == "1");
        let mut tour = Tour::new(Mode::Live {
            addr,
            token,
            record,
            provenance,
        });
        // OpenBao declares audit devices only in its configuration: a server started without
        // `tests/conformance/audit.hcl` lists none, and its empty list is not recorded over one.
        let audit = setup.call("GET", "sys/audit", Value::Null).await;
        if audit["data"].as_object().is_none_or(|d| d.is_empty()) {
            eprintln!(
                "conformance_tour: no audit device (start the server with \
                 -config=tests/conformance/audit.hcl): auditing-list-enabled-devices keeps its \
                 recorded answer"
            );
            tour.keep_recorded.push("auditing-list-enabled-devices");
        }
        if !serves_external_keys(&setup).await {
            tour.unserved
                .extend(["external-keys-read-configs", "external-keys-read-keys"]);
        }
        read_all(&client, &mut tour, &ids).await;
        writes::write_all(&client, &mut tour, &ids).await;
        let (figures, failures) = tour.summary();
        println!("{figures}");
        assert!(
            failures.is_empty(),
            "{} operation(s) lose data:\n{}",
            failures.len(),
            failures.join("\n")
        );
    })
}

/// A database connection configured through the generated method with the plugin's own
/// parameters in `extra` (accepted without connecting: `verify_connection: false`), read back
/// typed: OpenBao stored them.
#[tokio::test]
async fn database_connection_plugin_parameters_reach_openbao() {
    let Some(client) = common::live_client("database_connection_plugin_parameters_reach_openbao")
    else {
        return;
    };
    let mount = common::unique("conformance-db-extra");
    common::live::enable_engine(&client, &mount, "database").await;
    let body: hashivault::api::types::DatabaseConfigureConnectionRequest =
        serde_json::from_value(json!({
            "plugin_name": "postgresql-database-plugin",
            "verify_connection": "false",
            "allowed_roles": "readonly, app",
            "connection_url": "postgresql://{{username}}:{{password}}@127.0.0.1:1/postgres",
            "username": "vault-admin",
            "password": "never-shown",
            "max_open_connections": 3
        }))
        .unwrap();
    client
        .api()
        .database_configure_connection()
        .database_mount_path(&mount)
        .name("pg")
        .body(body)
        .send()
        .await
        .unwrap();
    let read = common::live::data(
        client
            .api()
            .database_read_connection_configuration()
            .database_mount_path(&mount)
            .name("pg")
            .send(),
    )
    .await;
    let details = read.connection_details.clone().unwrap();
    assert_eq!(
        details["connection_url"],
        "postgresql://{{username}}:{{password}}@127.0.0.1:1/postgres"
    );
    assert_eq!(details["username"], "vault-admin");
    assert_eq!(details["max_open_connections"], 3);
    assert!(
        details.get("password").is_none(),
        "OpenBao never returns the password"
    );
    assert_eq!(
        read.allowed_roles,
        Some(vec!["readonly".to_string(), "app".to_string()])
    );
    assert!(
        !format!("{read:?}").contains("vault-admin"),
        "details hidden in Debug"
    );
    let _ = client
        .api()
        .mounts_disable_secrets_engine()
        .path(&mount)
        .send()
        .await;
}
