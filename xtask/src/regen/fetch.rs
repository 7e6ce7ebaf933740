//! Talking to a live Vault or OpenBao server: fetching its OpenAPI document and (`--mount-all`)
//! enabling every builtin plugin first.

use std::time::Duration;

use serde_json::{json, Value};

/// The document's endpoint, with every mount path as a parameter (`{kv_v2_mount_path}`).
pub const SPEC_ENDPOINT: &str = "/v1/sys/internal/specs/openapi?generic_mount_paths=true";

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(Duration::from_secs(10)))
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

/// A server's answer: status and body text.
struct Answer {
    status: u16,
    body: String,
}

fn request(
    method: &str,
    addr: &str,
    token: &str,
    endpoint: &str,
    body: Option<&Value>,
) -> Result<Answer, String> {
    let url = format!("{}{endpoint}", addr.trim_end_matches('/'));
    let builder = ureq::http::Request::builder()
        .method(method)
        .uri(&url)
        .header("X-Vault-Token", token)
        .header("X-Vault-Request", "true");
    let result = match body {
        Some(body) => agent().run(
            builder
                .header("Content-Type", "application/json")
                .body(body.to_string())
                .map_err(|e| format!("invalid server address {addr:?}: {e}"))?,
        ),
        None => agent().run(
            builder
                .body(())
                .map_err(|e| format!("invalid server address {addr:?}: {e}"))?,
        ),
    };
    let mut response = result.map_err(|e| unreachable_error(addr, &e))?;
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(256 * 1024 * 1024)
        .read_to_string()
        .map_err(|e| {
            format!(
                "cannot read the answer of {url}: {}",
                one_line(&e.to_string())
            )
        })?;
    Ok(Answer { status, body })
}

fn unreachable_error(addr: &str, error: &ureq::Error) -> String {
    let refused = match error {
        ureq::Error::Io(e) => e.kind() == std::io::ErrorKind::ConnectionRefused,
        ureq::Error::ConnectionFailed => true,
        _ => false,
    };
    if refused {
        format!("cannot reach the server at {addr}: connection refused (is it running? check VAULT_ADDR or --addr)")
    } else {
        format!(
            "cannot reach the server at {addr}: {}",
            one_line(&error.to_string())
        )
    }
}

/// Vault's `{"errors": [...]}` as one line, or the start of the body.
fn server_errors(body: &str) -> String {
    let errors = serde_json::from_str::<Value>(body).ok().and_then(|v| {
        let list = v.get("errors")?.as_array()?;
        Some(
            list.iter()
                .map(|e| e.as_str().map_or_else(|| e.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join("; "),
        )
    });
    let text = errors.unwrap_or_else(|| body.chars().take(200).collect());
    let text = one_line(&text);
    if text.is_empty() {
        "no error message".to_string()
    } else {
        text
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A one-line error for a non-2xx answer.
fn status_error(addr: &str, what: &str, answer: &Answer) -> String {
    let errors = server_errors(&answer.body);
    match answer.status {
        503 => format!(
            "the server at {addr} is sealed or unavailable (503: {errors}): unseal it and retry"
        ),
        403 => format!(
            "permission denied (403: {errors}): the token cannot {what}; check VAULT_TOKEN or --token"
        ),
        401 => format!("the server at {addr} wants a token (401: {errors}): set VAULT_TOKEN or --token"),
        status => format!("the server at {addr} answered {status} to {what}: {errors}"),
    }
}

/// Fetches the server's OpenAPI document (`GET` [`SPEC_ENDPOINT`]) and returns its text.
///
/// Only the transport and the status are checked here; the caller validates the document.
pub fn fetch_spec(addr: &str, token: &str) -> Result<String, String> {
    let answer = request("GET", addr, token, SPEC_ENDPOINT, None)?;
    if !(200..300).contains(&answer.status) {
        return Err(status_error(
            addr,
            "read sys/internal/specs/openapi",
            &answer,
        ));
    }
    // A proxy or a wrong address can answer 200 with an HTML page: say so in one line.
    if serde_json::from_str::<Value>(&answer.body).is_err() {
        let start: String = one_line(&answer.body).chars().take(60).collect();
        return Err(format!(
            "the server at {addr} did not send an OpenAPI document: the answer is not JSON (it starts {start:?})"
        ));
    }
    Ok(answer.body)
}

/// What `--mount-all` did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct MountOutcome {
    pub enabled: Vec<String>,
    pub already: Vec<String>,
    /// `(kind/name, why)`: catalog entries deliberately not mounted.
    pub skipped: Vec<(String, String)>,
    /// `(kind/name, the server's error)`.
    pub failed: Vec<(String, String)>,
}

impl MountOutcome {
    pub fn render(&self) -> String {
        let list = |names: &[String]| {
            if names.is_empty() {
                "none".to_string()
            } else {
                format!("{} ({})", names.len(), names.join(", "))
            }
        };
        let mut out = format!(
            "--mount-all: enabled {}; already mounted: {}",
            list(&self.enabled),
            list(&self.already)
        );
        for (name, why) in &self.skipped {
            out.push_str(&format!("\n--mount-all: skipped {name}: {why}"));
        }
        if self.failed.is_empty() {
            out.push_str("\n--mount-all: every other catalog plugin is mounted");
        } else {
            out.push_str(&format!(
                "\n--mount-all: could not enable {}:",
                self.failed.len()
            ));
            for (name, error) in &self.failed {
                out.push_str(&format!("\n  {name}: {error}"));
            }
        }
        out
    }
}

fn get_json(addr: &str, token: &str, endpoint: &str, what: &str) -> Result<Value, String> {
    let answer = request("GET", addr, token, endpoint, None)?;
    if !(200..300).contains(&answer.status) {
        return Err(status_error(addr, what, &answer));
    }
    serde_json::from_str(&answer.body).map_err(|e| {
        format!("the server at {addr} answered {endpoint} with something that is not JSON: {e}")
    })
}

/// The builtin plugin names of one catalog kind (`auth` or `secret`).
fn catalog_names(
    addr: &str,
    token: &str,
    catalog: &Value,
    kind: &str,
) -> Result<Vec<String>, String> {
    let data = &catalog["data"];
    // `detailed` (Vault 1.12+, OpenBao) says which plugins are builtin.
    if let Some(detailed) = data.get("detailed").and_then(Value::as_array) {
        let mut names: Vec<String> = detailed
            .iter()
            .filter(|p| {
                p["type"] == kind && p.get("builtin").and_then(Value::as_bool) != Some(false)
            })
            .filter_map(|p| p["name"].as_str().map(str::to_string))
            .collect();
        names.sort();
        names.dedup();
        return Ok(names);
    }
    if let Some(list) = data.get(kind).and_then(Value::as_array) {
        return Ok(list
            .iter()
            .filter_map(|n| n.as_str().map(str::to_string))
            .collect());
    }
    // Older servers: `LIST sys/plugins/catalog/<kind>`.
    let listed = get_json(
        addr,
        token,
        &format!("/v1/sys/plugins/catalog/{kind}?list=true"),
        "list the plugin catalog",
    )?;
    Ok(listed["data"]["keys"]
        .as_array()
        .map(|keys| {
            keys.iter()
                .filter_map(|n| n.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default())
}

/// Catalog names that are another name of a plugin already in the catalog: mounting them too
/// would list every operation of that plugin twice, under the same operationIds (`oidc` is the
/// `jwt` auth method; its document repeats `jwt-login` and the rest under `{oidc_mount_path}`).
pub const ALIASES: &[(&str, &str, &str)] = &[("auth", "oidc", "jwt")];

/// Enables every builtin auth method and secrets engine of the server's plugin catalog at its
/// default path (`auth/<name>/`, `<name>/`). Refuses anything but a dev server (in-memory storage).
///
/// Two adjustments to the catalog: [`ALIASES`] are skipped (when their plugin is listed), and the
/// `database` secrets engine is added when the catalog lists database plugins but not the engine
/// (OpenBao's catalog lists `mysql-database-plugin` and the rest, not `database`).
pub fn mount_all(addr: &str, token: &str) -> Result<MountOutcome, String> {
    let seal = get_json(addr, token, "/v1/sys/seal-status", "read sys/seal-status")?;
    if seal["sealed"] == true {
        return Err(format!(
            "the server at {addr} is sealed: unseal it and retry"
        ));
    }
    match seal.get("storage_type").and_then(Value::as_str) {
        Some("inmem") => {}
        other => {
            return Err(format!(
                "--mount-all refused: it mounts every plugin and is for dev servers only, but the server at {addr} has storage_type {} (a dev server has \"inmem\")",
                other.map_or_else(|| "(not reported)".to_string(), |s| format!("{s:?}"))
            ))
        }
    }
    let catalog = get_json(
        addr,
        token,
        "/v1/sys/plugins/catalog",
        "read the plugin catalog",
    )?;
    let auth_mounts = get_json(addr, token, "/v1/sys/auth", "list auth methods")?;
    let secret_mounts = get_json(addr, token, "/v1/sys/mounts", "list secrets engines")?;
    let mut outcome = MountOutcome::default();
    for (kind, mounts, prefix, endpoint) in [
        ("auth", &auth_mounts, "auth/", "/v1/sys/auth/"),
        ("secret", &secret_mounts, "", "/v1/sys/mounts/"),
    ] {
        let mut names = catalog_names(addr, token, &catalog, kind)?;
        let has_database_plugins = catalog["data"]["database"]
            .as_array()
            .is_some_and(|list| !list.is_empty());
        if kind == "secret" && has_database_plugins && !names.iter().any(|n| n == "database") {
            names.push("database".to_string());
            names.sort();
        }
        for name in names.clone() {
            let label = format!("{prefix}{name}");
            if let Some((_, _, of)) = ALIASES.iter().find(|(k, alias, of)| {
                *k == kind && *alias == name && names.iter().any(|n| n == of)
            }) {
                let why = format!(
                    "another name of `{of}`: its operations would repeat `{of}`'s operationIds"
                );
                outcome.skipped.push((label, why));
                continue;
            }
            let key = format!("{name}/");
            let mounted = mounts
                .get(&key)
                .or_else(|| mounts["data"].get(&key))
                .is_some();
            if mounted {
                outcome.already.push(label);
                continue;
            }
            let body = json!({"type": name});
            let answer = request(
                "POST",
                addr,
                token,
                &format!("{endpoint}{name}"),
                Some(&body),
            )?;
            if (200..300).contains(&answer.status) {
                outcome.enabled.push(label);
            } else {
                let error = format!("{}: {}", answer.status, server_errors(&answer.body));
                outcome.failed.push((label, error));
            }
        }
    }
    Ok(outcome)
}
