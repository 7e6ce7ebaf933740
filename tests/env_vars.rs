//! `ClientBuilder::from_env_with`: every variable of docs/environment.md, checked on the wire
//! (httpmock) where it changes a request, and through the builder otherwise; the precedence
//! of `BAO_*` over `VAULT_*` and between variables; bad values as clear `Error::Config`s that
//! never repeat a secret.

mod common;

use common::wire::{call, closed_address};
use std::collections::HashMap;

use hashivault::reqwest::Method;
use hashivault::{Client, ClientBuilder, Error, ExposeSecret};
use httpmock::prelude::*;
use serde_json::json;

/// A lookup over `vars` (and nothing else: no HOME unless given).
fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

fn from(vars: &[(&str, &str)]) -> Result<ClientBuilder, Error> {
    ClientBuilder::from_env_with(env(vars))
}

fn build(vars: &[(&str, &str)]) -> Client {
    from(vars).unwrap().build().unwrap()
}

fn config_error(vars: &[(&str, &str)]) -> String {
    let err = match from(vars) {
        Err(err) => err,
        Ok(builder) => builder.build().unwrap_err(),
    };
    assert!(
        matches!(err, Error::Config(_)),
        "not a Config error: {err:?}"
    );
    err.to_string()
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("hashivault-env-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn addr_token_namespace_and_wrap_ttl_reach_the_wire() {
    let server = MockServer::start_async().await;
    let mock = call(GET, "/v1/sys/mounts").token("hvs.from-env").header("x-vault-namespace", "team-a/apps").header("x-vault-wrap-ttl", "5m").header("x-vault-request", "true").answers(&server, 200, json!({
                "request_id": "r", "lease_id": "", "renewable": false, "lease_duration": 0,
                "data": null, "auth": null, "warnings": null,
                "wrap_info": {"token": "hvs.wrapped", "accessor": "a", "ttl": 300,
                              "creation_time": "2026-12-02T14:00:00Z", "creation_path": "sys/mounts"}
            })).await;
    for (addr, token, ns, ttl) in [
        (
            "VAULT_ADDR",
            "VAULT_TOKEN",
            "VAULT_NAMESPACE",
            "VAULT_WRAP_TTL",
        ),
        ("BAO_ADDR", "BAO_TOKEN", "BAO_NAMESPACE", "BAO_WRAP_TTL"),
    ] {
        let client = build(&[
            (addr, &server.base_url()),
            (token, "hvs.from-env\n"),
            (ns, "/team-a/apps/"),
            (ttl, "5m"),
        ]);
        let answer: hashivault::Envelope = client
            .request(Method::GET, "sys/mounts", None::<&()>)
            .await
            .unwrap();
        assert_eq!(answer.wrap_info.unwrap().ttl, 300);
    }
    mock.assert_calls_async(2).await;
}

#[tokio::test]
async fn max_retries_and_client_timeout() {
    let server = MockServer::start_async().await;
    let failing = call(GET, "/v1/sys/mounts")
        .answers(&server, 503, json!({"errors": ["Vault is sealed"]}))
        .await;
    let client = build(&[
        ("BAO_ADDR", &server.base_url()),
        ("BAO_MAX_RETRIES", "1"),
        ("VAULT_MAX_RETRIES", "5"),
        ("VAULT_TOKEN", "t"),
    ]);
    let err = client
        .request::<serde_json::Value, ()>(Method::GET, "sys/mounts", None)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    // One attempt and BAO_MAX_RETRIES=1 retry (VAULT_MAX_RETRIES=5 is hidden by the BAO_ one).
    failing.assert_calls_async(2).await;

    let shown = format!("{:?}", from(&[("VAULT_CLIENT_TIMEOUT", "2m")]).unwrap());
    assert!(shown.contains("timeout: Some(120s)"), "{shown}");
    let shown = format!("{:?}", from(&[("BAO_CLIENT_TIMEOUT", "45")]).unwrap());
    assert!(shown.contains("timeout: Some(45s)"), "{shown}");
    // 0 keeps the default, as in Vault's CLI.
    let shown = format!("{:?}", from(&[("VAULT_CLIENT_TIMEOUT", "0")]).unwrap());
    assert!(shown.contains("timeout: None"), "{shown}");
}

#[tokio::test]
async fn the_proxy_variables_send_through_the_proxy() {
    let proxy = MockServer::start_async().await;
    let through_proxy = call(GET, "/v1/sys/mounts")
        .header("host", "vault.example.invalid:8200")
        .token("t")
        .answers(&proxy, 200, json!({"data": {}}))
        .await;
    // A closed port: using it would fail.
    let dead = closed_address();
    for vars in [
        vec![("VAULT_HTTP_PROXY", proxy.base_url())],
        vec![("BAO_HTTP_PROXY", proxy.base_url())],
        vec![("VAULT_PROXY_ADDR", proxy.base_url())],
        // VAULT_PROXY_ADDR supersedes VAULT_HTTP_PROXY.
        vec![
            ("VAULT_HTTP_PROXY", dead.clone()),
            ("BAO_PROXY_ADDR", proxy.base_url()),
        ],
    ] {
        let mut vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        vars.extend([
            ("VAULT_ADDR", "http://vault.example.invalid:8200"),
            ("VAULT_TOKEN", "t"),
            ("VAULT_MAX_RETRIES", "0"),
        ]);
        let client = build(&vars);
        let _: hashivault::Envelope = client
            .request(Method::GET, "sys/mounts", None::<&()>)
            .await
            .unwrap_or_else(|e| panic!("{vars:?}: {e}"));
    }
    through_proxy.assert_calls_async(4).await;
}

#[test]
fn bao_spellings_come_first() {
    let client = build(&[
        ("VAULT_ADDR", "https://vault.example:8200"),
        ("BAO_ADDR", "https://bao.example:8200"),
        ("VAULT_TOKEN", "hvs.vault"),
        ("BAO_TOKEN", "s.bao"),
    ]);
    assert_eq!(client.address(), "https://bao.example:8200");
    assert_eq!(client.token().unwrap().expose_secret(), "s.bao");

    // Only the VAULT_ spelling: it is read.
    let client = build(&[("VAULT_ADDR", "https://vault.example:8200")]);
    assert_eq!(client.address(), "https://vault.example:8200");

    // A BAO_ variable set to an empty value hides its VAULT_ twin, as in OpenBao's CLI.
    let client = build(&[("VAULT_TOKEN", "hvs.vault"), ("BAO_TOKEN", "")]);
    assert!(!client.has_token());

    // The agent address wins over the server address, whatever the spellings.
    let client = build(&[
        ("BAO_ADDR", "https://bao.example:8200"),
        ("VAULT_AGENT_ADDR", "unix:///run/agent.sock"),
    ]);
    assert_eq!(client.address(), "unix:///run/agent.sock");
    let client = build(&[
        ("VAULT_ADDR", "https://vault.example:8200"),
        ("BAO_AGENT_ADDR", "http://127.0.0.1:8100"),
    ]);
    assert_eq!(client.address(), "http://127.0.0.1:8100");

    // Nothing set: the CLI's default address and no token.
    let client = build(&[]);
    assert_eq!(client.address(), hashivault::DEFAULT_ADDRESS);
    assert!(!client.has_token());
}

#[test]
fn token_files_bao_first_then_vault() {
    let home = temp_dir("home");
    let home_str = home.display().to_string();
    std::fs::write(home.join(".vault-token"), "hvs.from-vault-file\n").unwrap();
    let client = build(&[("HOME", &home_str)]);
    assert_eq!(
        client.token().unwrap().expose_secret(),
        "hvs.from-vault-file"
    );
    std::fs::write(home.join(".bao-token"), "s.from-bao-file\n").unwrap();
    let client = build(&[("HOME", &home_str)]);
    assert_eq!(client.token().unwrap().expose_secret(), "s.from-bao-file");
    // An empty ~/.bao-token is skipped.
    std::fs::write(home.join(".bao-token"), "\n").unwrap();
    let client = build(&[("HOME", &home_str)]);
    assert_eq!(
        client.token().unwrap().expose_secret(),
        "hvs.from-vault-file"
    );
    // USERPROFILE when HOME is unset (Windows).
    let client = build(&[("USERPROFILE", &home_str)]);
    assert!(client.has_token());
    // A variable beats the files.
    let client = build(&[("HOME", &home_str), ("VAULT_TOKEN", "hvs.var")]);
    assert_eq!(client.token().unwrap().expose_secret(), "hvs.var");
    // A token file with a token that cannot be sent: a Config error naming the file, not the token.
    std::fs::write(home.join(".bao-token"), "s.secret part\n").unwrap();
    let err = config_error(&[("HOME", &home_str)]);
    assert!(err.contains(".bao-token"), "{err}");
    assert!(!err.contains("s.secret"), "{err}");
    std::fs::remove_dir_all(&home).unwrap();
}

#[test]
fn tls_variables_configure_the_builder() {
    let dir = temp_dir("tls");
    let shown = |vars: &[(&str, &str)]| format!("{:?}", from(vars).unwrap());

    let s = shown(&[
        ("VAULT_CACERT", "/etc/ca.pem"),
        ("VAULT_CAPATH", "/etc/cas"),
    ]);
    assert!(s.contains("ca_files: [\"/etc/ca.pem\"]"), "{s}");
    // VAULT_CACERT wins over VAULT_CAPATH, as in Vault's CLI.
    assert!(s.contains("ca_dir: None"), "{s}");
    let s = shown(&[("BAO_CAPATH", "/etc/cas")]);
    assert!(s.contains("ca_dir: Some(\"/etc/cas\")"), "{s}");
    let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    let s = shown(&[("VAULT_CACERT_BYTES", pem)]);
    assert!(s.contains("ca_pems: 1"), "{s}");
    let s = shown(&[("VAULT_CACERT_BYTES", pem), ("BAO_CACERT", "/etc/ca.pem")]);
    assert!(s.contains("ca_pems: 0"), "{s}");

    let s = shown(&[
        ("VAULT_CLIENT_CERT", "/etc/c.pem"),
        ("BAO_CLIENT_KEY", "/etc/k.pem"),
    ]);
    assert!(
        s.contains("identity: Some(\"files /etc/c.pem and /etc/k.pem\")"),
        "{s}"
    );
    let s = shown(&[
        ("VAULT_CLIENT_CERT_BYTES", pem),
        (
            "VAULT_CLIENT_KEY_BYTES",
            "-----BEGIN PRIVATE KEY-----\nsecret-key-bytes\n",
        ),
    ]);
    assert!(s.contains("identity: Some(\"<PEM bytes>\")"), "{s}");
    assert!(!s.contains("secret-key-bytes"), "{s}");

    let s = shown(&[("VAULT_SKIP_VERIFY", "true")]);
    assert!(s.contains("skip_verify: true"), "{s}");
    let s = shown(&[("BAO_SKIP_VERIFY", "0"), ("VAULT_SKIP_VERIFY", "1")]);
    assert!(s.contains("skip_verify: false"), "{s}");
    let s = shown(&[("BAO_TLS_SERVER_NAME", "vault.internal")]);
    assert!(s.contains("server_name: Some(\"vault.internal\")"), "{s}");

    // Files are read at build: a missing CA file is a Config error naming it.
    let missing = dir.join("missing-ca.pem").display().to_string();
    let err = config_error(&[
        ("VAULT_ADDR", "https://127.0.0.1:8200"),
        ("VAULT_CACERT", &missing),
    ]);
    assert!(err.contains(&missing), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_values_are_config_errors_naming_the_variable_without_secrets() {
    const SECRET: &str = "hunter2-secret";
    let cases: &[(&str, String)] = &[
        ("VAULT_ADDR", "127.0.0.1:8200".into()),
        ("BAO_AGENT_ADDR", "ftp://agent".into()),
        ("VAULT_TOKEN", format!("hvs.{SECRET} with spaces")),
        ("BAO_TOKEN", format!("s.{SECRET}\u{1}")),
        ("VAULT_NAMESPACE", "a/../b".into()),
        ("BAO_CACERT_BYTES", "not a certificate".into()),
        ("VAULT_CLIENT_CERT", "/etc/cert-without-key.pem".into()),
        ("BAO_CLIENT_KEY", "/etc/key-without-cert.pem".into()),
        (
            "VAULT_CLIENT_CERT_BYTES",
            "-----BEGIN CERTIFICATE-----".into(),
        ),
        (
            "VAULT_CLIENT_KEY_BYTES",
            format!("-----BEGIN PRIVATE KEY-----{SECRET}"),
        ),
        ("VAULT_SKIP_VERIFY", "maybe".into()),
        ("VAULT_CLIENT_TIMEOUT", "soon".into()),
        ("BAO_MAX_RETRIES", "many".into()),
        ("VAULT_WRAP_TTL", "a while".into()),
        ("VAULT_HTTP_PROXY", format!("user:{SECRET}@proxy:3128")),
        ("BAO_PROXY_ADDR", format!("ftp://user:{SECRET}@proxy")),
    ];
    for (name, value) in cases {
        let err = config_error(&[(name, value)]);
        assert!(err.contains(name), "{name}: {err}");
        assert!(!err.contains(SECRET), "{name} leaked its value: {err}");
    }
    // Non-secret values are quoted, to show what was wrong.
    let err = config_error(&[("BAO_MAX_RETRIES", "many")]);
    assert!(err.contains("\"many\""), "{err}");
}

#[test]
fn settings_made_after_from_env_win() {
    let client = from(&[
        ("VAULT_ADDR", "https://vault.example:8200"),
        ("VAULT_TOKEN", "hvs.env"),
    ])
    .unwrap()
    .address("http://127.0.0.1:8200")
    .token("hvs.code")
    .build()
    .unwrap();
    assert_eq!(client.address(), "http://127.0.0.1:8200");
    assert_eq!(client.token().unwrap().expose_secret(), "hvs.code");
}
