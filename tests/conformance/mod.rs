//! The conformance tour, shared by `tests/live_conformance.rs` (against a real OpenBao) and
//! `tests/api_conformance_replay.rs` (its recorded answers, served by httpmock).
//!
//! [`read_all`] calls every read and list operation the tour's objects allow through the
//! generated methods. Each call's payload must decode; for a typed payload, every field of the
//! real answer must be named by the generated type (its `extra` map must be empty: strict mode).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use hashivault::api::types;
use hashivault::{Client, Envelope, JsonMap, SecretMap};
use serde_json::{json, Value};

/// Mount paths the tour uses (fixed, so recorded answers replay on the same URLs).
pub const KV1: &str = "conformance-kv1";
pub const KV2: &str = "conformance-kv2";
pub const TRANSIT: &str = "conformance-transit";
pub const PKI: &str = "conformance-pki";
pub const SSH: &str = "conformance-ssh";
pub const TOTP: &str = "conformance-totp";
pub const DATABASE: &str = "conformance-db";
pub const APPROLE: &str = "conformance-approle";
pub const USERPASS: &str = "conformance-userpass";

/// What a decoded payload tells the tour.
pub trait Payload {
    /// The keys of the answer the generated type does not name; `None` for an untyped payload.
    fn unnamed(&self) -> Option<Vec<String>>;
}

impl Payload for JsonMap {
    fn unnamed(&self) -> Option<Vec<String>> {
        None
    }
}

impl Payload for SecretMap {
    fn unnamed(&self) -> Option<Vec<String>> {
        None
    }
}

macro_rules! typed {
    ($($ty:ident),* $(,)?) => {
        $(impl Payload for types::$ty {
            fn unnamed(&self) -> Option<Vec<String>> {
                Some(self.extra.keys().cloned().collect())
            }
        })*
    };
}

typed!(
    KvV2ReadResponse,
    KvV2ReadMetadataResponse,
    KvV2ReadConfigurationResponse,
    KvV2ReadSubkeysResponse,
    StandardListResponse,
    AppRoleReadRoleResponse,
    AppRoleReadRoleIdResponse,
    AppRoleReadBindSecretIdResponse,
    AppRoleReadPoliciesResponse,
    AppRoleReadTokenNumUsesResponse,
    AppRoleReadTokenTtlResponse,
    PkiReadIssuerResponse,
    PkiReadKeyResponse,
    PkiReadRoleResponse,
    PkiListIssuersResponse,
    PkiListKeysResponse,
    PkiReadCertResponse,
    PkiReadCrlConfigurationResponse,
    PkiReadUrlsConfigurationResponse,
    PkiReadKeysConfigurationResponse,
    PkiReadAutoTidyConfigurationResponse,
    PkiReadClusterConfigurationResponse,
    PkiReadIssuersConfigurationResponse,
    PkiTidyStatusResponse,
    PkiReadCaChainPemResponse,
    PkiReadIssuerJsonResponse,
    PkiReadCertCaChainResponse,
    PkiReadCertCrlResponse,
    AuthReadConfigurationResponse,
    MountsReadConfigurationResponse,
    PoliciesReadAclPolicyResponse,
    // Typed by spec/overlays (learned from recorded answers).
    TokenLookUpSelfResponse,
    TokenReadRoleResponse,
    UserpassReadUserResponse,
    DatabaseReadConnectionConfigurationResponse,
    DatabaseReadRoleResponse,
    EntityReadAliasByIdResponse,
    EntityReadByIdResponse,
    EntityReadByNameResponse,
    GroupReadByIdResponse,
    GroupReadByNameResponse,
    OidcReadConfigurationResponse,
    OidcReadKeyResponse,
    SshReadCaConfigurationResponse,
    SshReadRoleResponse,
    TotpGenerateCodeResponse,
    TotpReadKeyResponse,
    TransitBackUpKeyResponse,
    TransitExportKeyResponse,
    TransitReadCacheConfigurationResponse,
    TransitReadKeyResponse,
    TransitReadKeysConfigurationResponse,
);

/// One operation's outcome.
#[derive(Debug)]
pub struct Outcome {
    pub label: &'static str,
    pub path: String,
    /// `Err` with the decode (or call) error.
    pub decoded: Result<(), String>,
    /// `None` when untyped.
    pub unnamed: Option<Vec<String>>,
}

/// How the tour runs.
pub enum Mode {
    /// Against a live server; `record` writes each raw answer under `tests/fixtures/conformance/`.
    Live {
        addr: String,
        token: String,
        record: bool,
        provenance: Value,
    },
    /// Against httpmock serving the recorded answers.
    Replay(httpmock::MockServer),
}

pub struct Tour {
    pub mode: Mode,
    pub outcomes: Vec<Outcome>,
}

/// Where the recorded answers live.
pub fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/conformance")
}

fn fixture_name(label: &str) -> PathBuf {
    fixture_dir().join(format!("{label}.json"))
}

impl Tour {
    /// Before a call: records the raw answer (live) or serves the recorded one (replay). `false`
    /// when a replay has no recording of this operation.
    pub async fn prepare(&mut self, label: &'static str, path: &str) -> bool {
        match &self.mode {
            Mode::Live {
                addr,
                token,
                record,
                provenance,
            } => {
                if *record {
                    let raw = hashivault::reqwest::Client::new()
                        .get(format!("{addr}{path}"))
                        .header("X-Vault-Token", token)
                        .send()
                        .await
                        .expect("raw read");
                    let status = raw.status().as_u16();
                    let text = raw
                        .text()
                        .await
                        .expect("raw body")
                        .replace(token, "hvs.conformance-root");
                    let answer: Value = if text.trim().is_empty() {
                        Value::Null
                    } else {
                        serde_json::from_str(&text).expect("a JSON answer")
                    };
                    let mut provenance = provenance.clone();
                    provenance["request"] = json!(format!("GET {path}"));
                    provenance["status"] = json!(status);
                    let fixture = json!({"provenance": provenance, "answer": answer});
                    std::fs::create_dir_all(fixture_dir()).unwrap();
                    std::fs::write(
                        fixture_name(label),
                        serde_json::to_string_pretty(&fixture).unwrap() + "\n",
                    )
                    .unwrap();
                }
                true
            }
            Mode::Replay(server) => {
                let Ok(text) = std::fs::read_to_string(fixture_name(label)) else {
                    return false;
                };
                let fixture: Value = serde_json::from_str(&text).unwrap();
                let status = fixture["provenance"]["status"].as_u64().unwrap_or(200) as u16;
                let answer = fixture["answer"].clone();
                let (bare, query) = match path.split_once('?') {
                    Some((bare, query)) => (bare.to_string(), Some(query.to_string())),
                    None => (path.to_string(), None),
                };
                server
                    .mock_async(move |when, then| {
                        let when = when
                            .method(httpmock::Method::GET)
                            .path(bare)
                            .header("x-vault-token", "hvs.conformance-root");
                        if let Some(query) = query {
                            let (k, v) = query.split_once('=').unwrap();
                            when.query_param(k, v);
                        }
                        then.status(status).json_body(answer);
                    })
                    .await;
                true
            }
        }
    }

    pub fn record<T: Payload, E: std::fmt::Display>(
        &mut self,
        label: &'static str,
        path: &str,
        result: Result<Envelope<T>, E>,
    ) {
        let (decoded, unnamed) = match result {
            Ok(env) => (Ok(()), env.data.as_ref().and_then(Payload::unnamed)),
            Err(e) => (Err(e.to_string()), None),
        };
        self.outcomes.push(Outcome {
            label,
            path: path.to_string(),
            decoded,
            unnamed,
        });
    }

    /// The figures the tour prints, and the operations that failed.
    pub fn summary(&self) -> (String, Vec<String>) {
        let toured = self.outcomes.len();
        let decoded = self.outcomes.iter().filter(|o| o.decoded.is_ok()).count();
        let typed = self.outcomes.iter().filter(|o| o.unnamed.is_some()).count();
        let dropped: usize = self
            .outcomes
            .iter()
            .filter_map(|o| o.unnamed.as_ref())
            .map(Vec::len)
            .sum();
        let mut failures = Vec::new();
        let mut untyped = Vec::new();
        for o in &self.outcomes {
            match (&o.decoded, &o.unnamed) {
                (Err(e), _) => {
                    failures.push(format!("{} ({}): decode failed: {e}", o.label, o.path))
                }
                (Ok(()), Some(keys)) if !keys.is_empty() => failures.push(format!(
                    "{} ({}): fields the generated type does not name: {keys:?}",
                    o.label, o.path
                )),
                (Ok(()), None) => untyped.push(o.label),
                _ => {}
            }
        }
        let (before, after, all) = typed_read_share();
        let text = format!(
            "conformance tour: operations toured {toured}, decoded {decoded}, typed {typed}, \
             fields dropped {dropped}\nuntyped (JsonMap) payloads: {}\n\
             typed payloads among the document's {all} read operations: {before} before \
             spec/overlays, {after} after",
            untyped.join(", ")
        );
        (text, failures)
    }
}

/// Calls one generated read operation: `read!(tour, "label", "/v1/path", builder)`.
macro_rules! read {
    ($tour:expr, $label:expr, $path:expr, $builder:expr) => {{
        let path: String = $path;
        if $tour.prepare($label, &path).await {
            let result = $builder.send().await.map(|r| r.into_inner());
            $tour.record($label, &path, result);
        }
    }};
}

/// Every read and list operation of the tour, through the generated methods.
pub async fn read_all(client: &Client, tour: &mut Tour, ids: &BTreeMap<&'static str, String>) {
    let api = client.api();
    let id = |k: &str| ids.get(k).cloned().unwrap_or_default();

    // KV v1 and v2.
    read!(
        tour,
        "kv-v1-read",
        format!("/v1/{KV1}/app/db"),
        api.kv_v1_read().kv_v1_mount_path(KV1).path("app/db")
    );
    read!(
        tour,
        "kv-v1-list",
        format!("/v1/{KV1}/app/?list=true"),
        api.kv_v1_list().kv_v1_mount_path(KV1).path("app")
    );
    read!(
        tour,
        "kv-v2-read",
        format!("/v1/{KV2}/data/app/db"),
        api.kv_v2_read().kv_v2_mount_path(KV2).path("app/db")
    );
    read!(
        tour,
        "kv-v2-read-metadata",
        format!("/v1/{KV2}/metadata/app/db"),
        api.kv_v2_read_metadata()
            .kv_v2_mount_path(KV2)
            .path("app/db")
    );
    read!(
        tour,
        "kv-v2-read-subkeys",
        format!("/v1/{KV2}/subkeys/app/db"),
        api.kv_v2_read_subkeys()
            .kv_v2_mount_path(KV2)
            .path("app/db")
    );
    read!(
        tour,
        "kv-v2-read-configuration",
        format!("/v1/{KV2}/config"),
        api.kv_v2_read_configuration().kv_v2_mount_path(KV2)
    );
    read!(
        tour,
        "kv-v2-list",
        format!("/v1/{KV2}/metadata/app/?list=true"),
        api.kv_v2_list().kv_v2_mount_path(KV2).path("app")
    );

    // Cubbyhole.
    read!(
        tour,
        "cubbyhole-read",
        "/v1/cubbyhole/conformance".to_string(),
        api.cubbyhole_read().path("conformance")
    );
    read!(
        tour,
        "cubbyhole-list",
        "/v1/cubbyhole/?list=true".to_string(),
        api.cubbyhole_list().path("")
    );

    // Token.
    read!(
        tour,
        "token-look-up-self",
        "/v1/auth/token/lookup-self".to_string(),
        api.token_look_up_self()
    );
    read!(
        tour,
        "token-list-roles",
        "/v1/auth/token/roles/?list=true".to_string(),
        api.token_list_roles()
    );
    read!(
        tour,
        "token-read-role",
        "/v1/auth/token/roles/conformance".to_string(),
        api.token_read_role().role_name("conformance")
    );
    read!(
        tour,
        "token-list-accessors",
        "/v1/auth/token/accessors/?list=true".to_string(),
        api.token_list_accessors()
    );

    // AppRole.
    read!(
        tour,
        "app-role-list-roles",
        format!("/v1/auth/{APPROLE}/role/?list=true"),
        api.app_role_list_roles().approle_mount_path(APPROLE)
    );
    read!(
        tour,
        "app-role-read-role",
        format!("/v1/auth/{APPROLE}/role/ci"),
        api.app_role_read_role()
            .approle_mount_path(APPROLE)
            .role_name("ci")
    );
    read!(
        tour,
        "app-role-read-role-id",
        format!("/v1/auth/{APPROLE}/role/ci/role-id"),
        api.app_role_read_role_id()
            .approle_mount_path(APPROLE)
            .role_name("ci")
    );
    read!(
        tour,
        "app-role-read-policies",
        format!("/v1/auth/{APPROLE}/role/ci/policies"),
        api.app_role_read_policies()
            .approle_mount_path(APPROLE)
            .role_name("ci")
    );
    read!(
        tour,
        "app-role-read-token-num-uses",
        format!("/v1/auth/{APPROLE}/role/ci/token-num-uses"),
        api.app_role_read_token_num_uses()
            .approle_mount_path(APPROLE)
            .role_name("ci")
    );
    read!(
        tour,
        "app-role-read-token-ttl",
        format!("/v1/auth/{APPROLE}/role/ci/token-ttl"),
        api.app_role_read_token_ttl()
            .approle_mount_path(APPROLE)
            .role_name("ci")
    );
    read!(
        tour,
        "app-role-list-secret-ids",
        format!("/v1/auth/{APPROLE}/role/ci/secret-id/?list=true"),
        api.app_role_list_secret_ids()
            .approle_mount_path(APPROLE)
            .role_name("ci")
    );

    // Userpass.
    read!(
        tour,
        "userpass-list-users",
        format!("/v1/auth/{USERPASS}/users/?list=true"),
        api.userpass_list_users().userpass_mount_path(USERPASS)
    );
    read!(
        tour,
        "userpass-read-user",
        format!("/v1/auth/{USERPASS}/users/ann"),
        api.userpass_read_user()
            .userpass_mount_path(USERPASS)
            .username("ann")
    );

    // Identity.
    read!(
        tour,
        "entity-list-by-id",
        "/v1/identity/entity/id/?list=true".to_string(),
        api.entity_list_by_id()
    );
    read!(
        tour,
        "entity-list-by-name",
        "/v1/identity/entity/name/?list=true".to_string(),
        api.entity_list_by_name()
    );
    read!(
        tour,
        "entity-read-by-id",
        format!("/v1/identity/entity/id/{}", id("entity")),
        api.entity_read_by_id().id(id("entity"))
    );
    read!(
        tour,
        "entity-read-by-name",
        "/v1/identity/entity/name/conformance-ann".to_string(),
        api.entity_read_by_name().name("conformance-ann")
    );
    read!(
        tour,
        "entity-list-aliases-by-id",
        "/v1/identity/entity-alias/id/?list=true".to_string(),
        api.entity_list_aliases_by_id()
    );
    read!(
        tour,
        "entity-read-alias-by-id",
        format!("/v1/identity/entity-alias/id/{}", id("alias")),
        api.entity_read_alias_by_id().id(id("alias"))
    );
    read!(
        tour,
        "group-list-by-id",
        "/v1/identity/group/id/?list=true".to_string(),
        api.group_list_by_id()
    );
    read!(
        tour,
        "group-list-by-name",
        "/v1/identity/group/name/?list=true".to_string(),
        api.group_list_by_name()
    );
    read!(
        tour,
        "group-read-by-id",
        format!("/v1/identity/group/id/{}", id("group")),
        api.group_read_by_id().id(id("group"))
    );
    read!(
        tour,
        "group-read-by-name",
        "/v1/identity/group/name/conformance-devs".to_string(),
        api.group_read_by_name().name("conformance-devs")
    );
    read!(
        tour,
        "oidc-read-configuration",
        "/v1/identity/oidc/config".to_string(),
        api.oidc_read_configuration()
    );
    read!(
        tour,
        "oidc-list-keys",
        "/v1/identity/oidc/key/?list=true".to_string(),
        api.oidc_list_keys()
    );
    read!(
        tour,
        "oidc-read-key",
        "/v1/identity/oidc/key/default".to_string(),
        api.oidc_read_key().name("default")
    );
    read!(
        tour,
        "oidc-read-public-keys",
        "/v1/identity/oidc/.well-known/keys".to_string(),
        api.oidc_read_public_keys()
    );

    // Transit.
    read!(
        tour,
        "transit-list-keys",
        format!("/v1/{TRANSIT}/keys/?list=true"),
        api.transit_list_keys().transit_mount_path(TRANSIT)
    );
    read!(
        tour,
        "transit-read-key",
        format!("/v1/{TRANSIT}/keys/app"),
        api.transit_read_key()
            .transit_mount_path(TRANSIT)
            .name("app")
    );
    read!(
        tour,
        "transit-read-keys-configuration",
        format!("/v1/{TRANSIT}/config/keys"),
        api.transit_read_keys_configuration()
            .transit_mount_path(TRANSIT)
    );
    read!(
        tour,
        "transit-read-cache-configuration",
        format!("/v1/{TRANSIT}/cache-config"),
        api.transit_read_cache_configuration()
            .transit_mount_path(TRANSIT)
    );
    read!(
        tour,
        "transit-export-key",
        format!("/v1/{TRANSIT}/export/encryption-key/app"),
        api.transit_export_key()
            .transit_mount_path(TRANSIT)
            .type_("encryption-key")
            .name("app")
    );
    read!(
        tour,
        "transit-back-up-key",
        format!("/v1/{TRANSIT}/backup/app"),
        api.transit_back_up_key()
            .transit_mount_path(TRANSIT)
            .name("app")
    );

    // PKI.
    read!(
        tour,
        "pki-list-issuers",
        format!("/v1/{PKI}/issuers/?list=true"),
        api.pki_list_issuers().pki_mount_path(PKI)
    );
    read!(
        tour,
        "pki-read-issuer",
        format!("/v1/{PKI}/issuer/default"),
        api.pki_read_issuer()
            .pki_mount_path(PKI)
            .issuer_ref("default")
    );
    read!(
        tour,
        "pki-list-keys",
        format!("/v1/{PKI}/keys/?list=true"),
        api.pki_list_keys().pki_mount_path(PKI)
    );
    read!(
        tour,
        "pki-read-key",
        format!("/v1/{PKI}/key/default"),
        api.pki_read_key().pki_mount_path(PKI).key_ref("default")
    );
    read!(
        tour,
        "pki-list-roles",
        format!("/v1/{PKI}/roles/?list=true"),
        api.pki_list_roles().pki_mount_path(PKI)
    );
    read!(
        tour,
        "pki-read-role",
        format!("/v1/{PKI}/roles/web"),
        api.pki_read_role().pki_mount_path(PKI).name("web")
    );
    read!(
        tour,
        "pki-list-certs",
        format!("/v1/{PKI}/certs/?list=true"),
        api.pki_list_certs().pki_mount_path(PKI)
    );
    read!(
        tour,
        "pki-read-cert",
        format!("/v1/{PKI}/cert/{}", id("serial")),
        api.pki_read_cert().pki_mount_path(PKI).serial(id("serial"))
    );
    read!(
        tour,
        "pki-read-crl-configuration",
        format!("/v1/{PKI}/config/crl"),
        api.pki_read_crl_configuration().pki_mount_path(PKI)
    );
    read!(
        tour,
        "pki-read-urls-configuration",
        format!("/v1/{PKI}/config/urls"),
        api.pki_read_urls_configuration().pki_mount_path(PKI)
    );
    read!(
        tour,
        "pki-read-keys-configuration",
        format!("/v1/{PKI}/config/keys"),
        api.pki_read_keys_configuration().pki_mount_path(PKI)
    );
    read!(
        tour,
        "pki-read-issuers-configuration",
        format!("/v1/{PKI}/config/issuers"),
        api.pki_read_issuers_configuration().pki_mount_path(PKI)
    );
    read!(
        tour,
        "pki-read-cluster-configuration",
        format!("/v1/{PKI}/config/cluster"),
        api.pki_read_cluster_configuration().pki_mount_path(PKI)
    );
    read!(
        tour,
        "pki-read-auto-tidy-configuration",
        format!("/v1/{PKI}/config/auto-tidy"),
        api.pki_read_auto_tidy_configuration().pki_mount_path(PKI)
    );
    read!(
        tour,
        "pki-tidy-status",
        format!("/v1/{PKI}/tidy-status"),
        api.pki_tidy_status().pki_mount_path(PKI)
    );

    // SSH.
    read!(
        tour,
        "ssh-list-roles",
        format!("/v1/{SSH}/roles/?list=true"),
        api.ssh_list_roles().ssh_mount_path(SSH)
    );
    read!(
        tour,
        "ssh-read-role",
        format!("/v1/{SSH}/roles/ops"),
        api.ssh_read_role().ssh_mount_path(SSH).role("ops")
    );
    read!(
        tour,
        "ssh-read-ca-configuration",
        format!("/v1/{SSH}/config/ca"),
        api.ssh_read_ca_configuration().ssh_mount_path(SSH)
    );

    // TOTP.
    read!(
        tour,
        "totp-list-keys",
        format!("/v1/{TOTP}/keys/?list=true"),
        api.totp_list_keys().totp_mount_path(TOTP)
    );
    read!(
        tour,
        "totp-read-key",
        format!("/v1/{TOTP}/keys/ann"),
        api.totp_read_key().totp_mount_path(TOTP).name("ann")
    );
    read!(
        tour,
        "totp-generate-code",
        format!("/v1/{TOTP}/code/ann"),
        api.totp_generate_code().totp_mount_path(TOTP).name("ann")
    );

    // Database (a connection OpenBao accepts without connecting: `verify_connection: false`).
    read!(
        tour,
        "database-list-connections",
        format!("/v1/{DATABASE}/config/?list=true"),
        api.database_list_connections()
            .database_mount_path(DATABASE)
    );
    read!(
        tour,
        "database-read-connection-configuration",
        format!("/v1/{DATABASE}/config/pg"),
        api.database_read_connection_configuration()
            .database_mount_path(DATABASE)
            .name("pg")
    );
    read!(
        tour,
        "database-list-roles",
        format!("/v1/{DATABASE}/roles/?list=true"),
        api.database_list_roles().database_mount_path(DATABASE)
    );
    read!(
        tour,
        "database-read-role",
        format!("/v1/{DATABASE}/roles/readonly"),
        api.database_read_role()
            .database_mount_path(DATABASE)
            .name("readonly")
    );

    // sys.
    read!(
        tour,
        "mounts-list-secrets-engines",
        "/v1/sys/mounts".to_string(),
        api.mounts_list_secrets_engines()
    );
    read!(
        tour,
        "mounts-read-configuration",
        format!("/v1/sys/mounts/{KV2}"),
        api.mounts_read_configuration().path(KV2)
    );
    read!(
        tour,
        "auth-list-enabled-methods",
        "/v1/sys/auth".to_string(),
        api.auth_list_enabled_methods()
    );
    read!(
        tour,
        "auth-read-configuration",
        format!("/v1/sys/auth/{APPROLE}"),
        api.auth_read_configuration().path(APPROLE)
    );
    read!(
        tour,
        "policies-read-acl-policy",
        "/v1/sys/policies/acl/default".to_string(),
        api.policies_read_acl_policy().name("default")
    );
}

/// The typed-payload share of the document's read operations (`GET`, LIST included), before
/// (Vault's document alone) and after `spec/overlays/`: `(typed before, typed after, all)`.
pub fn typed_read_share() -> (usize, usize, usize) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let spec: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("spec/openapi.json")).unwrap())
            .unwrap();
    let mut learned = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(root.join("spec/overlays")).unwrap() {
        let overlay: Value =
            serde_json::from_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap()).unwrap();
        for id in overlay["responses"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k)
        {
            learned.insert(id.clone());
        }
    }
    let (mut before, mut after, mut all) = (0, 0, 0);
    for item in spec["paths"].as_object().unwrap().values() {
        let Some(get) = item.get("get") else { continue };
        all += 1;
        let typed = get["responses"]
            .as_object()
            .into_iter()
            .flatten()
            .any(|(code, r)| code.starts_with('2') && r.get("content").is_some());
        let id = get["operationId"].as_str().unwrap_or_default();
        before += usize::from(typed);
        after += usize::from(typed || learned.contains(id));
    }
    (before, after, all)
}
