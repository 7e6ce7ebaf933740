//! The tour's second half: the answers of writes that return data (transit, token, SSH, PKI,
//! remount, capabilities, identity's creations, MFA TOTP secrets, the OIDC provider's
//! authorization-code flow, TOTP keys) and the groups OpenBao's dev server serves beyond the
//! first tour (Kubernetes secrets and auth, RabbitMQ, JWT/OIDC auth, cert auth, loggers, CORS,
//! policies, OpenBao's external keys and own reads).
//!
//! A write is sent twice in a live tour: raw (its answer is recorded, redacted) and through the
//! generated method (whose typed answer is checked against the raw one, strict at every depth).
//! The objects it needs are made by `tests/live_conformance.rs` (`create_write_objects`); a value
//! an earlier answer carries (a ciphertext, a signature, a migration id) is taken from that raw
//! answer, which a replay serves from the recording.

use std::collections::BTreeMap;

use hashivault::Client;
use serde_json::json;

use super::*;

/// Mount paths of the second half (fixed, so recorded answers replay on the same URLs).
pub const KUBERNETES: &str = "conformance-kubernetes";
pub const KUBERNETES_AUTH: &str = "conformance-kubernetes-auth";
pub const RABBITMQ: &str = "conformance-rabbitmq";
pub const OIDC_AUTH: &str = "conformance-oidc";
pub const CERT_AUTH: &str = "conformance-cert";
/// The transit mount behind OpenBao's external keys, and the name of their config and key.
pub const EXTERNAL_KEYS_TRANSIT: &str = "conformance-ek-transit";
pub const EXTERNAL_KEYS: &str = "conformance";
/// The mounts `sys/remount` moves (the raw call's, then the generated call's).
pub const REMOUNT_FROM: [&str; 2] = ["conformance-remount-a", "conformance-remount-c"];
pub const REMOUNT_TO: [&str; 2] = ["conformance-remount-b", "conformance-remount-d"];

/// An SSH public key the tour signs (its private half is not kept: test data).
pub const SSH_PUBLIC_KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKSg0+UmHcL6braUVHF1qFEELabrnYIk75hMv3KSceYf conformance";

/// A CSR for `www.conformance.test` (P-256) the tour has PKI sign (its key is not kept).
pub const CSR: &str = "-----BEGIN CERTIFICATE REQUEST-----
MIHaMIGBAgEAMB8xHTAbBgNVBAMMFHd3dy5jb25mb3JtYW5jZS50ZXN0MFkwEwYH
KoZIzj0CAQYIKoZIzj0DAQcDQgAEnGXThybNcRtQguxaiTWll3qcTa5TbAST/2uM
mbWOGI2YY70H6L3vJu75QpY8EBhwIJ7uDdhn/ceR3oEUPnDEfKAAMAoGCCqGSM49
BAMCA0gAMEUCICW8LGk/sRWcJ6AVxiX/uz0Sn8D+6ECBbj+x5hxDngPxAiEAucIV
4zouQm2nSgLnpgxhIV81PLXCTPXl+Q7pdioGebI=
-----END CERTIFICATE REQUEST-----
";

/// `conformance plaintext`, base64: what transit encrypts, hashes, signs.
pub const INPUT: &str = "Y29uZm9ybWFuY2UgcGxhaW50ZXh0";

/// A string of the last raw answer's `data` (the recorded one in a replay).
fn raw_data(tour: &Tour, key: &str) -> String {
    tour.raw["data"][key]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Every write answer and every read of the second half, through the generated methods.
pub async fn write_all(client: &Client, tour: &mut Tour, ids: &BTreeMap<&'static str, String>) {
    Box::pin(transit_writes(client, tour)).await;
    Box::pin(token_writes(client, tour, ids)).await;
    Box::pin(ssh_and_pki_writes(client, tour, ids)).await;
    Box::pin(plugin_reads(client, tour)).await;
    Box::pin(sys_writes_and_reads(client, tour, ids)).await;
    Box::pin(more_answers(client, tour)).await;
    Box::pin(identity_writes(client, tour, ids)).await;
    Box::pin(oidc_flow(client, tour, ids)).await;
    Box::pin(last_answers(client, tour)).await;
    Box::pin(openbao_reads(client, tour)).await;
}

async fn transit_writes(client: &Client, tour: &mut Tour) {
    let api = client.api();
    call!(
        tour,
        "transit-encrypt",
        "POST",
        format!("/v1/{TRANSIT}/encrypt/app"),
        TransitEncryptRequest,
        json!({"plaintext": INPUT}),
        api.transit_encrypt()
            .transit_mount_path(TRANSIT)
            .name("app")
    );
    let ciphertext = raw_data(tour, "ciphertext");
    call!(
        tour,
        "transit-decrypt",
        "POST",
        format!("/v1/{TRANSIT}/decrypt/app"),
        TransitDecryptRequest,
        json!({"ciphertext": ciphertext}),
        api.transit_decrypt()
            .transit_mount_path(TRANSIT)
            .name("app")
    );
    call!(
        tour,
        "transit-rewrap",
        "POST",
        format!("/v1/{TRANSIT}/rewrap/app"),
        TransitRewrapRequest,
        json!({"ciphertext": ciphertext}),
        api.transit_rewrap().transit_mount_path(TRANSIT).name("app")
    );
    call!(
        tour,
        "transit-generate-data-key",
        "POST",
        format!("/v1/{TRANSIT}/datakey/plaintext/app"),
        TransitGenerateDataKeyRequest,
        json!({"bits": 256}),
        api.transit_generate_data_key()
            .transit_mount_path(TRANSIT)
            .plaintext("plaintext")
            .name("app")
    );
    call!(
        tour,
        "transit-generate-random",
        "POST",
        format!("/v1/{TRANSIT}/random"),
        TransitGenerateRandomRequest,
        json!({"bytes": 16, "format": "hex"}),
        api.transit_generate_random().transit_mount_path(TRANSIT)
    );
    call!(
        tour,
        "transit-generate-random-with-bytes",
        "POST",
        format!("/v1/{TRANSIT}/random/24"),
        TransitGenerateRandomWithBytesRequest,
        json!({"format": "base64"}),
        api.transit_generate_random_with_bytes()
            .transit_mount_path(TRANSIT)
            .urlbytes("24")
    );
    call!(
        tour,
        "transit-generate-random-with-source",
        "POST",
        format!("/v1/{TRANSIT}/random/platform"),
        TransitGenerateRandomWithSourceRequest,
        json!({"bytes": 16}),
        api.transit_generate_random_with_source()
            .transit_mount_path(TRANSIT)
            .source("platform")
    );
    call!(
        tour,
        "transit-generate-random-with-source-and-bytes",
        "POST",
        format!("/v1/{TRANSIT}/random/all/8"),
        TransitGenerateRandomWithSourceAndBytesRequest,
        json!({}),
        api.transit_generate_random_with_source_and_bytes()
            .transit_mount_path(TRANSIT)
            .source("all")
            .urlbytes("8")
    );
    call!(
        tour,
        "transit-hash",
        "POST",
        format!("/v1/{TRANSIT}/hash"),
        TransitHashRequest,
        json!({"input": INPUT, "algorithm": "sha2-256"}),
        api.transit_hash().transit_mount_path(TRANSIT)
    );
    call!(
        tour,
        "transit-hash-with-algorithm",
        "POST",
        format!("/v1/{TRANSIT}/hash/sha2-512"),
        TransitHashWithAlgorithmRequest,
        json!({"input": INPUT, "format": "base64"}),
        api.transit_hash_with_algorithm()
            .transit_mount_path(TRANSIT)
            .urlalgorithm("sha2-512")
    );
    call!(
        tour,
        "transit-generate-hmac",
        "POST",
        format!("/v1/{TRANSIT}/hmac/app"),
        TransitGenerateHmacRequest,
        json!({"input": INPUT}),
        api.transit_generate_hmac()
            .transit_mount_path(TRANSIT)
            .name("app")
    );
    call!(
        tour,
        "transit-generate-hmac-with-algorithm",
        "POST",
        format!("/v1/{TRANSIT}/hmac/app/sha2-512"),
        TransitGenerateHmacWithAlgorithmRequest,
        json!({"input": INPUT}),
        api.transit_generate_hmac_with_algorithm()
            .transit_mount_path(TRANSIT)
            .name("app")
            .urlalgorithm("sha2-512")
    );
    call!(
        tour,
        "transit-sign",
        "POST",
        format!("/v1/{TRANSIT}/sign/signer"),
        TransitSignRequest,
        json!({"input": INPUT}),
        api.transit_sign()
            .transit_mount_path(TRANSIT)
            .name("signer")
    );
    let signature = raw_data(tour, "signature");
    call!(
        tour,
        "transit-verify",
        "POST",
        format!("/v1/{TRANSIT}/verify/signer"),
        TransitVerifyRequest,
        json!({"input": INPUT, "signature": signature}),
        api.transit_verify()
            .transit_mount_path(TRANSIT)
            .name("signer")
    );
    call!(
        tour,
        "transit-sign-with-algorithm",
        "POST",
        format!("/v1/{TRANSIT}/sign/wrapper/sha2-256"),
        TransitSignWithAlgorithmRequest,
        json!({"input": INPUT, "signature_algorithm": "pss"}),
        api.transit_sign_with_algorithm()
            .transit_mount_path(TRANSIT)
            .name("wrapper")
            .urlalgorithm("sha2-256")
    );
    let signature = raw_data(tour, "signature");
    call!(
        tour,
        "transit-verify-with-algorithm",
        "POST",
        format!("/v1/{TRANSIT}/verify/wrapper/sha2-256"),
        TransitVerifyWithAlgorithmRequest,
        json!({"input": INPUT, "signature": signature, "signature_algorithm": "pss"}),
        api.transit_verify_with_algorithm()
            .transit_mount_path(TRANSIT)
            .name("wrapper")
            .urlalgorithm("sha2-256")
    );
}

/// Token creation, lookup and renewal: the answers are the `auth` block (typed by
/// `hashivault::AuthInfo`) or a lookup's `data`. The child token and its accessor are made by
/// the setup; every token and accessor is redacted in the recordings.
async fn token_writes(client: &Client, tour: &mut Tour, ids: &BTreeMap<&'static str, String>) {
    let api = client.api();
    let id = |k: &str| ids.get(k).cloned().unwrap_or_default();
    call!(
        tour,
        "token-create",
        "POST",
        "/v1/auth/token/create".to_string(),
        TokenCreateRequest,
        json!({"policies": ["default"], "ttl": "1h", "meta": {"purpose": "conformance"}, "display_name": "conformance"}),
        api.token_create()
    );
    call!(
        tour,
        "token-create-orphan",
        "POST",
        "/v1/auth/token/create-orphan".to_string(),
        TokenCreateOrphanRequest,
        json!({"policies": ["default"], "ttl": "1h"}),
        api.token_create_orphan()
    );
    call!(
        tour,
        "token-create-against-role",
        "POST",
        "/v1/auth/token/create/conformance".to_string(),
        TokenCreateAgainstRoleRequest,
        json!({"policies": ["default"]}),
        api.token_create_against_role().role_name("conformance")
    );
    call!(
        tour,
        "token-look-up",
        "POST",
        "/v1/auth/token/lookup".to_string(),
        TokenLookUpRequest,
        json!({"token": id("child_token")}),
        api.token_look_up()
    );
    call!(
        tour,
        "token-look-up-self2",
        "POST",
        "/v1/auth/token/lookup-self".to_string(),
        TokenLookUpSelf2Request,
        json!({}),
        api.token_look_up_self2()
    );
    call!(
        tour,
        "token-look-up-accessor",
        "POST",
        "/v1/auth/token/lookup-accessor".to_string(),
        TokenLookUpAccessorRequest,
        json!({"accessor": id("child_accessor")}),
        api.token_look_up_accessor()
    );
    call!(
        tour,
        "token-renew",
        "POST",
        "/v1/auth/token/renew".to_string(),
        TokenRenewRequest,
        json!({"token": id("child_token"), "increment": "1h"}),
        api.token_renew()
    );
    call!(
        tour,
        "token-renew-accessor",
        "POST",
        "/v1/auth/token/renew-accessor".to_string(),
        TokenRenewAccessorRequest,
        json!({"accessor": id("child_accessor"), "increment": "1h"}),
        api.token_renew_accessor()
    );
    // As the child token itself (the root token has no lease to renew).
    let child = client
        .with_token(hashivault::SecretString::from(id("child_token")))
        .unwrap();
    tour.user = Some(id("child_token"));
    call!(
        tour,
        "token-renew-self",
        "POST",
        "/v1/auth/token/renew-self".to_string(),
        TokenRenewSelfRequest,
        json!({"increment": "1h"}),
        child.api().token_renew_self()
    );
    tour.user = None;
}

/// SSH one-time passwords and certificates, PKI issue and sign.
async fn ssh_and_pki_writes(
    client: &Client,
    tour: &mut Tour,
    ids: &BTreeMap<&'static str, String>,
) {
    let api = client.api();
    let id = |k: &str| ids.get(k).cloned().unwrap_or_default();
    call!(
        tour,
        "ssh-generate-credentials",
        "POST",
        format!("/v1/{SSH}/creds/otp"),
        SshGenerateCredentialsRequest,
        json!({"ip": "127.0.0.1", "username": "ops"}),
        api.ssh_generate_credentials()
            .ssh_mount_path(SSH)
            .role("otp")
    );
    // A one-time password verifies once: the raw call and the generated one each use their own.
    call!(
        tour,
        "ssh-verify-otp",
        "POST",
        format!("/v1/{SSH}/verify"),
        SshVerifyOtpRequest,
        json!({"otp": id("otp_raw")}),
        json!({"otp": id("otp_typed")}),
        api.ssh_verify_otp().ssh_mount_path(SSH)
    );
    call!(
        tour,
        "ssh-sign-certificate",
        "POST",
        format!("/v1/{SSH}/sign/ops"),
        SshSignCertificateRequest,
        json!({"public_key": SSH_PUBLIC_KEY, "valid_principals": "ops", "cert_type": "user", "ttl": "10m"}),
        api.ssh_sign_certificate().ssh_mount_path(SSH).role("ops")
    );
    call!(
        tour,
        "ssh-issue-certificate",
        "POST",
        format!("/v1/{SSH}/issue/ops"),
        SshIssueCertificateRequest,
        json!({"key_type": "ed25519", "valid_principals": "ops", "cert_type": "user", "ttl": "10m"}),
        api.ssh_issue_certificate().ssh_mount_path(SSH).role("ops")
    );

    call!(
        tour,
        "pki-issue-with-role",
        "POST",
        format!("/v1/{PKI}/issue/web"),
        PkiIssueWithRoleRequest,
        json!({"common_name": "www.conformance.test", "ttl": "1h"}),
        api.pki_issue_with_role().pki_mount_path(PKI).role("web")
    );
    call!(
        tour,
        "pki-issuer-issue-with-role",
        "POST",
        format!("/v1/{PKI}/issuer/default/issue/web"),
        PkiIssuerIssueWithRoleRequest,
        json!({"common_name": "api.conformance.test", "ttl": "1h"}),
        api.pki_issuer_issue_with_role()
            .pki_mount_path(PKI)
            .issuer_ref("default")
            .role("web")
    );
    call!(
        tour,
        "pki-sign-with-role",
        "POST",
        format!("/v1/{PKI}/sign/web"),
        PkiSignWithRoleRequest,
        json!({"csr": CSR, "common_name": "www.conformance.test", "ttl": "1h"}),
        api.pki_sign_with_role().pki_mount_path(PKI).role("web")
    );
    call!(
        tour,
        "pki-issuer-sign-with-role",
        "POST",
        format!("/v1/{PKI}/issuer/default/sign/web"),
        PkiIssuerSignWithRoleRequest,
        json!({"csr": CSR, "common_name": "www.conformance.test", "ttl": "1h"}),
        api.pki_issuer_sign_with_role()
            .pki_mount_path(PKI)
            .issuer_ref("default")
            .role("web")
    );
    call!(
        tour,
        "pki-sign-verbatim",
        "POST",
        format!("/v1/{PKI}/sign-verbatim"),
        PkiSignVerbatimRequest,
        json!({"csr": CSR, "ttl": "1h"}),
        api.pki_sign_verbatim().pki_mount_path(PKI)
    );
}

/// Kubernetes secrets and auth, RabbitMQ, JWT/OIDC auth and cert auth: their configurations,
/// roles and lists (none needs the external service: the setup writes them unverified), and the
/// OIDC authorization URL.
async fn plugin_reads(client: &Client, tour: &mut Tour) {
    let api = client.api();
    read!(
        tour,
        "kubernetes-read-configuration",
        format!("/v1/{KUBERNETES}/config"),
        api.kubernetes_read_configuration()
            .kubernetes_mount_path(KUBERNETES)
    );
    read!(
        tour,
        "kubernetes-read-role",
        format!("/v1/{KUBERNETES}/roles/app"),
        api.kubernetes_read_role()
            .kubernetes_mount_path(KUBERNETES)
            .name("app")
    );
    read!(
        tour,
        "kubernetes-list-roles",
        format!("/v1/{KUBERNETES}/roles/?list=true"),
        api.kubernetes_list_roles()
            .kubernetes_mount_path(KUBERNETES)
    );
    read!(
        tour,
        "kubernetes-read-auth-configuration",
        format!("/v1/auth/{KUBERNETES_AUTH}/config"),
        api.kubernetes_read_auth_configuration()
            .kubernetes_mount_path(KUBERNETES_AUTH)
    );
    read!(
        tour,
        "kubernetes-read-auth-role",
        format!("/v1/auth/{KUBERNETES_AUTH}/role/app"),
        api.kubernetes_read_auth_role()
            .kubernetes_mount_path(KUBERNETES_AUTH)
            .name("app")
    );
    read!(
        tour,
        "kubernetes-list-auth-roles",
        format!("/v1/auth/{KUBERNETES_AUTH}/role/?list=true"),
        api.kubernetes_list_auth_roles()
            .kubernetes_mount_path(KUBERNETES_AUTH)
    );

    read!(
        tour,
        "rabbit-mq-read-lease-configuration",
        format!("/v1/{RABBITMQ}/config/lease"),
        api.rabbit_mq_read_lease_configuration()
            .rabbitmq_mount_path(RABBITMQ)
    );
    read!(
        tour,
        "rabbit-mq-read-role",
        format!("/v1/{RABBITMQ}/roles/app"),
        api.rabbit_mq_read_role()
            .rabbitmq_mount_path(RABBITMQ)
            .name("app")
    );
    read!(
        tour,
        "rabbit-mq-list-roles",
        format!("/v1/{RABBITMQ}/roles/?list=true"),
        api.rabbit_mq_list_roles().rabbitmq_mount_path(RABBITMQ)
    );

    read!(
        tour,
        "jwt-read-configuration",
        format!("/v1/auth/{OIDC_AUTH}/config"),
        api.jwt_read_configuration().jwt_mount_path(OIDC_AUTH)
    );
    read!(
        tour,
        "jwt-read-role",
        format!("/v1/auth/{OIDC_AUTH}/role/conformance"),
        api.jwt_read_role()
            .jwt_mount_path(OIDC_AUTH)
            .name("conformance")
    );
    read!(
        tour,
        "jwt-list-roles",
        format!("/v1/auth/{OIDC_AUTH}/role/?list=true"),
        api.jwt_list_roles().jwt_mount_path(OIDC_AUTH)
    );
    call!(
        tour,
        "jwt-oidc-request-authorization-url",
        "POST",
        format!("/v1/auth/{OIDC_AUTH}/oidc/auth_url"),
        JwtOidcRequestAuthorizationUrlRequest,
        json!({"role": "conformance", "redirect_uri": "http://127.0.0.1:8250/oidc/callback"}),
        api.jwt_oidc_request_authorization_url()
            .jwt_mount_path(OIDC_AUTH)
    );

    read!(
        tour,
        "cert-read-configuration",
        format!("/v1/auth/{CERT_AUTH}/config"),
        api.cert_read_configuration().cert_mount_path(CERT_AUTH)
    );
    read!(
        tour,
        "cert-read-certificate",
        format!("/v1/auth/{CERT_AUTH}/certs/web"),
        api.cert_read_certificate()
            .cert_mount_path(CERT_AUTH)
            .name("web")
    );
    read!(
        tour,
        "cert-list-certificates",
        format!("/v1/auth/{CERT_AUTH}/certs/?list=true"),
        api.cert_list_certificates().cert_mount_path(CERT_AUTH)
    );
    read!(
        tour,
        "cert-read-crl",
        format!("/v1/auth/{CERT_AUTH}/crls/conformance"),
        api.cert_read_crl()
            .cert_mount_path(CERT_AUTH)
            .name("conformance")
    );
    read!(
        tour,
        "cert-list-crls",
        format!("/v1/auth/{CERT_AUTH}/crls/?list=true"),
        api.cert_list_crls().cert_mount_path(CERT_AUTH)
    );
}

/// sys: remount and its status, capabilities, loggers, CORS, the ACL and password policies.
async fn sys_writes_and_reads(
    client: &Client,
    tour: &mut Tour,
    ids: &BTreeMap<&'static str, String>,
) {
    let api = client.api();
    let id = |k: &str| ids.get(k).cloned().unwrap_or_default();
    // A root token generation's encoded token, decoded with its OTP (made by the setup with the
    // dev server's unseal key; both are redacted in the recording, and so is the answer's token).
    if matches!(tour.mode, Mode::Live { .. }) && id("root_otp").is_empty() {
        eprintln!(
            "conformance_tour: no HASHIVAULT_UNSEAL_KEY (cargo xtask test exports the dev \
             server's): `decode` not toured (no root token generation)"
        );
    } else {
        call!(
            tour,
            "decode",
            "POST",
            "/v1/sys/decode-token".to_string(),
            DecodeRequest,
            json!({"encoded_token": id("root_encoded_token"), "otp": id("root_otp")}),
            api.decode()
        );
    }
    // Two logins under login MFA (made by the setup), each completed with the TOTP passcode of
    // its user's secret, computed now (the answer's token and accessor are redacted).
    let validate = |request: &str, secret: &str| json!({"mfa_request_id": id(request), "mfa_payload": {id("mfa_login_method"): [crate::common::totp::now(&id(secret))]}});
    call!(
        tour,
        "mfa-validate",
        "POST",
        "/v1/sys/mfa/validate".to_string(),
        MfaValidateRequest,
        validate("mfa_request_raw", "mfa_secret_raw"),
        validate("mfa_request_typed", "mfa_secret_typed"),
        api.mfa_validate()
    );
    // A move runs once: the raw call and the generated one each move their own mount.
    call!(
        tour,
        "remount",
        "POST",
        "/v1/sys/remount".to_string(),
        RemountRequest,
        json!({"from": REMOUNT_FROM[0], "to": REMOUNT_TO[0]}),
        json!({"from": REMOUNT_FROM[1], "to": REMOUNT_TO[1]}),
        api.remount()
    );
    let migration = raw_data(tour, "migration_id");
    read!(
        tour,
        "remount-status",
        format!("/v1/sys/remount/status/{migration}"),
        api.remount_status().migration_id(migration.clone())
    );
    let paths = json!([format!("{KV2}/data/app/db"), "sys/mounts"]);
    call!(
        tour,
        "query-token-self-capabilities",
        "POST",
        "/v1/sys/capabilities-self".to_string(),
        QueryTokenSelfCapabilitiesRequest,
        json!({"paths": paths}),
        api.query_token_self_capabilities()
    );
    call!(
        tour,
        "query-token-capabilities",
        "POST",
        "/v1/sys/capabilities".to_string(),
        QueryTokenCapabilitiesRequest,
        json!({"token": id("child_token"), "paths": paths}),
        api.query_token_capabilities()
    );
    call!(
        tour,
        "query-token-accessor-capabilities",
        "POST",
        "/v1/sys/capabilities-accessor".to_string(),
        QueryTokenAccessorCapabilitiesRequest,
        json!({"accessor": id("child_accessor"), "paths": paths}),
        api.query_token_accessor_capabilities()
    );

    read!(
        tour,
        "loggers-read-verbosity-level",
        "/v1/sys/loggers".to_string(),
        api.loggers_read_verbosity_level()
    );
    read!(
        tour,
        "loggers-read-verbosity-level-for",
        "/v1/sys/loggers/core".to_string(),
        api.loggers_read_verbosity_level_for().name("core")
    );
    read!(
        tour,
        "cors-read-configuration",
        "/v1/sys/config/cors".to_string(),
        api.cors_read_configuration()
    );

    read!(
        tour,
        "policies-list-acl-policies",
        "/v1/sys/policies/acl/?list=true".to_string(),
        api.policies_list_acl_policies()
    );
    read!(
        tour,
        "policies-list-acl-policies2",
        "/v1/sys/policy".to_string(),
        api.policies_list_acl_policies2()
    );
    read!(
        tour,
        "policies-list-acl-policies3",
        "/v1/sys/policy/?list=true".to_string(),
        api.policies_list_acl_policies3()
    );
    read!(
        tour,
        "policies-read-acl-policy2",
        "/v1/sys/policy/default".to_string(),
        api.policies_read_acl_policy2().name("default")
    );
    read!(
        tour,
        "policies-read-password-policy",
        "/v1/sys/policies/password/conformance".to_string(),
        api.policies_read_password_policy().name("conformance")
    );
    read!(
        tour,
        "policies-list-password-policies",
        "/v1/sys/policies/password/?list=true".to_string(),
        api.policies_list_password_policies()
    );
    read!(
        tour,
        "policies-generate-password-from-password-policy",
        "/v1/sys/policies/password/conformance/generate".to_string(),
        api.policies_generate_password_from_password_policy()
            .name("conformance")
    );
}

/// Key creation, TOTP validation, identity lookups, ACME's configuration write, and sys's
/// metrics, sanitized configuration, locked users and audited request headers.
async fn more_answers(client: &Client, tour: &mut Tour) {
    let api = client.api();
    call!(
        tour,
        "transit-create-key",
        "POST",
        format!("/v1/{TRANSIT}/keys/created"),
        TransitCreateKeyRequest,
        json!({"type": "aes256-gcm96", "exportable": false}),
        api.transit_create_key()
            .transit_mount_path(TRANSIT)
            .name("created")
    );
    call!(
        tour,
        "totp-validate-code",
        "POST",
        format!("/v1/{TOTP}/code/ann"),
        TotpValidateCodeRequest,
        // A code is checked once per period: the raw call and the generated one send their own.
        json!({"code": "000000"}),
        json!({"code": "111111"}),
        api.totp_validate_code().totp_mount_path(TOTP).name("ann")
    );
    call!(
        tour,
        "entity-look-up",
        "POST",
        "/v1/identity/lookup/entity".to_string(),
        EntityLookUpRequest,
        json!({"name": "conformance-ann"}),
        api.entity_look_up()
    );
    call!(
        tour,
        "group-look-up",
        "POST",
        "/v1/identity/lookup/group".to_string(),
        GroupLookUpRequest,
        json!({"name": "conformance-devs"}),
        api.group_look_up()
    );
    call!(
        tour,
        "pki-configure-acme",
        "POST",
        format!("/v1/{PKI}/config/acme"),
        PkiConfigureAcmeRequest,
        json!({"enabled": true}),
        api.pki_configure_acme().pki_mount_path(PKI)
    );
    read_bare!(
        tour,
        "metrics",
        "/v1/sys/metrics".to_string(),
        api.metrics()
    );
    read!(
        tour,
        "read-sanitized-configuration-state",
        "/v1/sys/config/state/sanitized".to_string(),
        api.read_sanitized_configuration_state()
    );
    read!(
        tour,
        "locked-users-list",
        "/v1/sys/locked-users".to_string(),
        api.locked_users_list()
    );
    read!(
        tour,
        "auditing-list-request-headers",
        "/v1/sys/config/auditing/request-headers".to_string(),
        api.auditing_list_request_headers()
    );
    read!(
        tour,
        "auditing-read-request-header-information",
        "/v1/sys/config/auditing/request-headers/X-Conformance".to_string(),
        api.auditing_read_request_header_information()
            .header("X-Conformance")
    );
}

/// MFA methods of every kind the tour creates (fake credentials: nothing calls Duo, Okta or
/// PingID; the PingID settings file holds fake values).
pub fn mfa_methods() -> [(&'static str, &'static str, serde_json::Value); 4] {
    [
        (
            "mfa-create-totp-method",
            "totp",
            json!({"issuer": "conformance", "period": 30, "key_size": 20, "algorithm": "SHA256", "digits": 6}),
        ),
        (
            "mfa-create-duo-method",
            "duo",
            json!({"secret_key": "fake-secret", "integration_key": "fake-ikey", "api_hostname": "api-1234.duosecurity.com", "push_info": "x=y", "use_passcode": true, "username_format": "{{identity.entity.name}}"}),
        ),
        (
            "mfa-create-okta-method",
            "okta",
            json!({"org_name": "conformance-org", "api_token": "fake-token", "base_url": "okta.com", "username_format": "{{identity.entity.name}}"}),
        ),
        (
            "mfa-create-ping-id-method",
            "pingid",
            json!({"settings_file_base64": "dXNlX2Jhc2U2NF9rZXk9ZmFsc2UKdXNlX3NpZ25hdHVyZT10cnVlCnRva2VuPVptRnJaUzEwYjJ0bGJnPT0KaWRwX3VybD1odHRwczovL2lkcHhueWwzbS5waW5naWRlbnRpdHkuY29tL3BpbmdpZApvcmdfYWxpYXM9Y29uZm9ybWFuY2Utb3JnCmFkbWluX3VybD1odHRwczovL2lkcHhueWwzbS5waW5naWRlbnRpdHkuY29tL3BpbmdpZAphdXRoZW50aWNhdG9yX3VybD1odHRwczovL2F1dGhlbnRpY2F0b3IucGluZ29uZS5jb20vcGluZ2lkL3BwbQo=", "username_format": "{{identity.entity.name}}"}),
        ),
    ]
}

/// Identity's creations (an entity, a group, aliases by the current and the legacy paths, MFA
/// methods of every kind) and the TOTP secrets of an MFA method (the user's own, an admin's for
/// an entity). Each runs once per name: the raw call and the generated one make their own objects
/// (`create_typed_objects` in `tests/live_conformance.rs` removes an earlier tour's first).
async fn identity_writes(client: &Client, tour: &mut Tour, ids: &BTreeMap<&'static str, String>) {
    let api = client.api();
    let id = |k: &str| ids.get(k).cloned().unwrap_or_default();
    call!(
        tour,
        "entity-create",
        "POST",
        "/v1/identity/entity".to_string(),
        EntityCreateRequest,
        json!({"name": "conformance-created-raw", "policies": ["dev"], "metadata": {"team": "ops"}}),
        json!({"name": "conformance-created-typed", "policies": ["dev"], "metadata": {"team": "ops"}}),
        api.entity_create()
    );
    call!(
        tour,
        "group-create",
        "POST",
        "/v1/identity/group".to_string(),
        GroupCreateRequest,
        json!({"name": "conformance-created-raw", "policies": ["dev"], "metadata": {"team": "ops"}}),
        json!({"name": "conformance-created-typed", "policies": ["dev"], "metadata": {"team": "ops"}}),
        api.group_create()
    );
    // An entity has one alias per auth mount: each path makes its aliases on its own mount.
    call!(
        tour,
        "entity-create-alias",
        "POST",
        "/v1/identity/entity-alias".to_string(),
        EntityCreateAliasRequest,
        json!({"name": "conformance-alias-raw", "canonical_id": id("alias_target_raw"), "mount_accessor": id("accessor_userpass"), "custom_metadata": {"team": "ops"}}),
        json!({"name": "conformance-alias-typed", "canonical_id": id("alias_target_typed"), "mount_accessor": id("accessor_userpass"), "custom_metadata": {"team": "ops"}}),
        api.entity_create_alias()
    );
    call!(
        tour,
        "alias-create",
        "POST",
        "/v1/identity/alias".to_string(),
        AliasCreateRequest,
        json!({"name": "conformance-alias-raw", "canonical_id": id("alias_target_raw"), "mount_accessor": id("accessor_approle")}),
        json!({"name": "conformance-alias-typed", "canonical_id": id("alias_target_typed"), "mount_accessor": id("accessor_approle")}),
        api.alias_create()
    );
    // OpenBao 2.7.2 answers the legacy persona path with a new entity (`id`, `name`,
    // `aliases`), named as the persona (measured): names of their own.
    call!(
        tour,
        "persona-create",
        "POST",
        "/v1/identity/persona".to_string(),
        PersonaCreateRequest,
        json!({"name": "conformance-persona-raw", "entity_id": id("alias_target_raw"), "mount_accessor": id("accessor_cert")}),
        json!({"name": "conformance-persona-typed", "entity_id": id("alias_target_typed"), "mount_accessor": id("accessor_cert")}),
        api.persona_create()
    );
    call!(
        tour,
        "group-create-alias",
        "POST",
        "/v1/identity/group-alias".to_string(),
        GroupCreateAliasRequest,
        json!({"name": "conformance-galias-raw", "canonical_id": id("galias_target_raw"), "mount_accessor": id("accessor_userpass")}),
        json!({"name": "conformance-galias-typed", "canonical_id": id("galias_target_typed"), "mount_accessor": id("accessor_userpass")}),
        api.group_create_alias()
    );
    let [totp, duo, okta, pingid] = mfa_methods();
    call!(
        tour,
        "mfa-create-totp-method",
        "POST",
        "/v1/identity/mfa/method/totp".to_string(),
        MfaCreateTotpMethodRequest,
        totp.2,
        api.mfa_create_totp_method()
    );
    call!(
        tour,
        "mfa-create-duo-method",
        "POST",
        "/v1/identity/mfa/method/duo".to_string(),
        MfaCreateDuoMethodRequest,
        duo.2,
        api.mfa_create_duo_method()
    );
    call!(
        tour,
        "mfa-create-okta-method",
        "POST",
        "/v1/identity/mfa/method/okta".to_string(),
        MfaCreateOktaMethodRequest,
        okta.2,
        api.mfa_create_okta_method()
    );
    call!(
        tour,
        "mfa-create-ping-id-method",
        "POST",
        "/v1/identity/mfa/method/pingid".to_string(),
        MfaCreatePingIdMethodRequest,
        pingid.2,
        api.mfa_create_ping_id_method()
    );
    // A TOTP secret is made once per entity and method: the raw call and the generated one use
    // their own method (made by the setup). The secret is the test server's (test data).
    call!(
        tour,
        "mfa-admin-generate-totp-secret",
        "POST",
        "/v1/identity/mfa/method/totp/admin-generate".to_string(),
        MfaAdminGenerateTotpSecretRequest,
        json!({"method_id": id("mfa_gen_raw"), "entity_id": id("entity")}),
        json!({"method_id": id("mfa_gen_typed"), "entity_id": id("entity")}),
        api.mfa_admin_generate_totp_secret()
    );
    // As the user (its token has an entity; the root token has none).
    let user = client
        .with_token(hashivault::SecretString::from(id("user_token")))
        .unwrap();
    tour.user = Some(id("user_token"));
    call!(
        tour,
        "mfa-generate-totp-secret",
        "POST",
        "/v1/identity/mfa/method/totp/generate".to_string(),
        MfaGenerateTotpSecretRequest,
        json!({"method_id": id("mfa_gen_raw")}),
        json!({"method_id": id("mfa_gen_typed")}),
        user.api().mfa_generate_totp_secret()
    );
    tour.user = None;
}

/// The OIDC provider's authorization-code flow on the dev server's own provider: the user's
/// authorization (the `POST` form), the code's exchange for tokens with the client's credentials
/// (each of the two calls with its own code, made by the setup: a code is used once), and the
/// introspection of an identity token.
async fn oidc_flow(client: &Client, tour: &mut Tour, ids: &BTreeMap<&'static str, String>) {
    let api = client.api();
    let id = |k: &str| ids.get(k).cloned().unwrap_or_default();
    let user = client
        .with_token(hashivault::SecretString::from(id("user_token")))
        .unwrap();
    tour.user = Some(id("user_token"));
    call_bare!(
        tour,
        "oidc-provider-authorize-with-parameters",
        "POST",
        "/v1/identity/oidc/provider/conformance/authorize".to_string(),
        OidcProviderAuthorizeWithParametersRequest,
        json!({"client_id": id("oidc_client_id"), "scope": "openid conformance", "redirect_uri": "http://127.0.0.1:8251/callback", "response_type": "code", "state": "conformance-state", "nonce": "conformance-nonce"}),
        user.api()
            .oidc_provider_authorize_with_parameters()
            .name("conformance")
    );
    tour.user = None;
    let token = |code: &str| json!({"grant_type": "authorization_code", "code": id(code), "redirect_uri": "http://127.0.0.1:8251/callback", "scope": "openid conformance", "client_id": id("oidc_client_id"), "client_secret": id("oidc_client_secret")});
    call_bare!(
        tour,
        "oidc-provider-token",
        "POST",
        "/v1/identity/oidc/provider/conformance/token".to_string(),
        OidcProviderTokenRequest,
        token("oidc_code_raw"),
        token("oidc_code_typed"),
        api.oidc_provider_token().name("conformance")
    );
    call_bare!(
        tour,
        "oidc-introspect",
        "POST",
        "/v1/identity/oidc/introspect".to_string(),
        OidcIntrospectRequest,
        json!({"token": id("oidc_id_token")}),
        api.oidc_introspect()
    );
}

/// A TOTP key's creation (its secret: the test server's), a CSR for a transit key, and OpenBao's
/// external keys (a config of the `transit` KMS plugin, backed by this server's own transit).
async fn last_answers(client: &Client, tour: &mut Tour) {
    let api = client.api();
    call!(
        tour,
        "totp-create-key",
        "POST",
        format!("/v1/{TOTP}/keys/created"),
        TotpCreateKeyRequest,
        json!({"generate": true, "issuer": "conformance", "account_name": "created@conformance.test", "qr_size": 100}),
        api.totp_create_key().totp_mount_path(TOTP).name("created")
    );
    call!(
        tour,
        "transit-generate-csr-for-key",
        "POST",
        format!("/v1/{TRANSIT}/keys/wrapper/csr"),
        TransitGenerateCsrForKeyRequest,
        json!({}),
        api.transit_generate_csr_for_key()
            .transit_mount_path(TRANSIT)
            .name("wrapper")
    );
    read!(
        tour,
        "external-keys-read-configs",
        format!("/v1/sys/external-keys/configs/{EXTERNAL_KEYS}"),
        api.external_keys_read_configs().config(EXTERNAL_KEYS)
    );
    read!(
        tour,
        "external-keys-read-keys",
        format!("/v1/sys/external-keys/configs/{EXTERNAL_KEYS}/keys/{EXTERNAL_KEYS}"),
        api.external_keys_read_keys()
            .config(EXTERNAL_KEYS)
            .key(EXTERNAL_KEYS)
    );
}

/// OpenBao's own reads (the union's, issue #22 item 1): KV's detailed metadata listing, the ACL
/// policies' detailed listings and the request inspection (the caller's token and its accessor
/// in its `req` are redacted in the recording).
async fn openbao_reads(client: &Client, tour: &mut Tour) {
    let api = client.api();
    read!(
        tour,
        "kv-scan-detailed-metadata-path",
        format!("/v1/{KV2}/detailed-metadata/app?list=true"),
        api.kv_scan_detailed_metadata_path()
            .kv_v2_mount_path(KV2)
            .path("app")
    );
    read!(
        tour,
        "system-list-policies-detailed-acl",
        "/v1/sys/policies/detailed/acl?list=true".to_string(),
        api.system_list_policies_detailed_acl()
    );
    read!(
        tour,
        "system-list-policies-detailed-acl-name",
        "/v1/sys/policies/detailed/acl/conformance-oidc?list=true".to_string(),
        api.system_list_policies_detailed_acl_name()
            .name("conformance-oidc")
    );
    read!(
        tour,
        "internal-inspect-request",
        "/v1/sys/internal/inspect/request".to_string(),
        api.internal_inspect_request()
    );
}
