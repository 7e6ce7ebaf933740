//! The environment operators already set for Vault's and OpenBao's CLIs, read from one table,
//! [`VARIABLES`]. `docs/environment.md` (also the docs of [`ClientBuilder::from_env`]) shows the
//! same table; a test fails when the two differ (`HASHIVAULT_BLESS=1 cargo test --lib env`
//! rewrites the docs from the table).

use std::path::PathBuf;
use std::time::Duration;

use crate::client::{namespace_header, wrap_ttl_header};
use crate::error::Error;
use crate::ClientBuilder;

/// One variable: its two spellings, what it does, its CLI flag, what overrides it, and how it
/// sets the builder.
pub(crate) struct Variable {
    /// Vault's spelling, `VAULT_ADDR`.
    pub(crate) vault: &'static str,
    /// OpenBao's spelling, `BAO_ADDR`: read first, as OpenBao's CLI does.
    pub(crate) bao: &'static str,
    /// What it does, for the docs table (markdown).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) meaning: &'static str,
    /// The CLI flag doing the same, or `""`.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) cli: &'static str,
    /// Variables (Vault spelling) that make this one ignored when set.
    pub(crate) overridden_by: &'static [&'static str],
    /// The value is secret (a token, a key, a proxy URL with credentials): never in an error.
    pub(crate) secret: bool,
    pub(crate) apply: Apply,
}

/// How a variable's value reaches the builder.
pub(crate) enum Apply {
    /// Sets the builder from the value.
    Set(fn(ClientBuilder, &Setting, &Vars<'_>) -> Result<ClientBuilder, Error>),
}

/// A variable's value and the spelling it was read from (for error messages).
pub(crate) struct Setting {
    pub(crate) name: &'static str,
    pub(crate) value: String,
}

/// Every variable hashivault reads, in the order they are applied.
pub(crate) const VARIABLES: &[Variable] = &[
    Variable {
        vault: "VAULT_ADDR",
        bao: "BAO_ADDR",
        meaning: "The server's address: `https://host:8200`, or `unix:///path/agent.sock`. Default `https://127.0.0.1:8200`.",
        cli: "-address",
        overridden_by: &["VAULT_AGENT_ADDR"],
        secret: false,
        apply: Apply::Set(apply_address),
    },
    Variable {
        vault: "VAULT_AGENT_ADDR",
        bao: "BAO_AGENT_ADDR",
        meaning: "The address of a local Vault Agent / OpenBao Agent or Proxy; used instead of `VAULT_ADDR`.",
        cli: "-agent-address",
        overridden_by: &[],
        secret: false,
        apply: Apply::Set(apply_address),
    },
    Variable {
        vault: "VAULT_TOKEN",
        bao: "BAO_TOKEN",
        meaning: "The token (`X-Vault-Token`). Unset: the first non-empty file of `~/.bao-token`, `~/.vault-token`.",
        cli: "",
        overridden_by: &[],
        secret: true,
        apply: Apply::Set(apply_token),
    },
    Variable {
        vault: "VAULT_NAMESPACE",
        bao: "BAO_NAMESPACE",
        meaning: "The namespace (`X-Vault-Namespace`), e.g. `team-a/apps`.",
        cli: "-namespace",
        overridden_by: &[],
        secret: false,
        apply: Apply::Set(|b, s, _| {
            namespace_header(&s.value).map_err(|_| {
                config(s, "must be a namespace path such as team-a/apps (no empty or .. segments, no control characters)")
            })?;
            Ok(b.namespace(s.value.trim()))
        }),
    },
    Variable {
        vault: "VAULT_CACERT",
        bao: "BAO_CACERT",
        meaning: "A PEM file of CA certificates to trust, beside the system's.",
        cli: "-ca-cert",
        overridden_by: &[],
        secret: false,
        apply: Apply::Set(|b, s, _| Ok(b.ca_cert_file(s.value.trim()))),
    },
    Variable {
        vault: "VAULT_CACERT_BYTES",
        bao: "BAO_CACERT_BYTES",
        meaning: "CA certificates to trust, as PEM text in the variable itself.",
        cli: "",
        overridden_by: &["VAULT_CACERT"],
        secret: false,
        apply: Apply::Set(|b, s, _| {
            if !s.value.contains("-----BEGIN CERTIFICATE-----") {
                return Err(config(s, "must hold PEM certificates (-----BEGIN CERTIFICATE-----)"));
            }
            Ok(b.ca_cert_pem(s.value.as_bytes().to_vec()))
        }),
    },
    Variable {
        vault: "VAULT_CAPATH",
        bao: "BAO_CAPATH",
        meaning: "A directory of PEM CA certificate files to trust.",
        cli: "-ca-path",
        overridden_by: &["VAULT_CACERT", "VAULT_CACERT_BYTES"],
        secret: false,
        apply: Apply::Set(|b, s, _| Ok(b.ca_cert_dir(s.value.trim()))),
    },
    Variable {
        vault: "VAULT_CLIENT_CERT",
        bao: "BAO_CLIENT_CERT",
        meaning: "A PEM file with the client certificate, for TLS certificate auth; needs `VAULT_CLIENT_KEY`.",
        cli: "-client-cert",
        overridden_by: &[],
        secret: false,
        apply: Apply::Set(|b, s, vars| match vars.get("VAULT_CLIENT_KEY") {
            Some(key) => Ok(b.client_cert_files(s.value.trim(), key.value.trim())),
            None => Err(config(s, "is set without VAULT_CLIENT_KEY: set both")),
        }),
    },
    Variable {
        vault: "VAULT_CLIENT_KEY",
        bao: "BAO_CLIENT_KEY",
        meaning: "A PEM file with the client certificate's private key; needs `VAULT_CLIENT_CERT`.",
        cli: "-client-key",
        overridden_by: &[],
        secret: false,
        // Applied with VAULT_CLIENT_CERT; alone it is an error.
        apply: Apply::Set(|b, s, vars| match vars.get("VAULT_CLIENT_CERT") {
            Some(_) => Ok(b),
            None => Err(config(s, "is set without VAULT_CLIENT_CERT: set both")),
        }),
    },
    Variable {
        vault: "VAULT_CLIENT_CERT_BYTES",
        bao: "BAO_CLIENT_CERT_BYTES",
        meaning: "The client certificate as PEM text; needs `VAULT_CLIENT_KEY_BYTES`.",
        cli: "",
        overridden_by: &["VAULT_CLIENT_CERT", "VAULT_CLIENT_KEY"],
        secret: false,
        apply: Apply::Set(|b, s, vars| match vars.get("VAULT_CLIENT_KEY_BYTES") {
            Some(key) => {
                let mut pem = s.value.clone().into_bytes();
                pem.push(b'\n');
                pem.extend_from_slice(key.value.as_bytes());
                Ok(b.client_identity_pem(pem))
            }
            None => Err(config(s, "is set without VAULT_CLIENT_KEY_BYTES: set both")),
        }),
    },
    Variable {
        vault: "VAULT_CLIENT_KEY_BYTES",
        bao: "BAO_CLIENT_KEY_BYTES",
        meaning: "The client certificate's private key as PEM text; needs `VAULT_CLIENT_CERT_BYTES`.",
        cli: "",
        overridden_by: &["VAULT_CLIENT_CERT", "VAULT_CLIENT_KEY"],
        secret: true,
        apply: Apply::Set(|b, s, vars| match vars.get("VAULT_CLIENT_CERT_BYTES") {
            Some(_) => Ok(b),
            None => Err(config(s, "is set without VAULT_CLIENT_CERT_BYTES: set both")),
        }),
    },
    Variable {
        vault: "VAULT_SKIP_VERIFY",
        bao: "BAO_SKIP_VERIFY",
        meaning: "`true`: do not verify the server's certificate (logs a warning on every build). Never in production.",
        cli: "-tls-skip-verify",
        overridden_by: &[],
        secret: false,
        apply: Apply::Set(|b, s, _| Ok(b.danger_skip_verify(parse_bool(s)?))),
    },
    Variable {
        vault: "VAULT_TLS_SERVER_NAME",
        bao: "BAO_TLS_SERVER_NAME",
        meaning: "The name to verify in the server's certificate (and send as SNI) when it differs from the address's host.",
        cli: "-tls-server-name",
        overridden_by: &[],
        secret: false,
        apply: Apply::Set(|b, s, _| Ok(b.tls_server_name(s.value.trim()))),
    },
    Variable {
        vault: "VAULT_CLIENT_TIMEOUT",
        bao: "BAO_CLIENT_TIMEOUT",
        meaning: "The timeout of a request: `30s`, `2m`, or seconds (`30`). Default 60 s; `0` keeps the default.",
        cli: "",
        overridden_by: &[],
        secret: false,
        apply: Apply::Set(|b, s, _| {
            let secs = crate::VaultDuration::from(s.value.trim())
                .as_secs()
                .ok_or_else(|| config(s, "must be a duration such as 60s"))?;
            Ok(if secs == 0 {
                b
            } else {
                b.timeout(Duration::from_secs(secs))
            })
        }),
    },
    Variable {
        vault: "VAULT_MAX_RETRIES",
        bao: "BAO_MAX_RETRIES",
        meaning: "Retries after a transient failure (5xx, 429, connection errors). Default 2; `0` turns retries off.",
        cli: "",
        overridden_by: &[],
        secret: false,
        apply: Apply::Set(|b, s, _| {
            let n: usize = s
                .value
                .trim()
                .parse()
                .map_err(|_| config(s, "must be a whole number such as 2"))?;
            Ok(b.max_retries(n))
        }),
    },
    Variable {
        vault: "VAULT_WRAP_TTL",
        bao: "BAO_WRAP_TTL",
        meaning: "Response-wrap every answer for this long (`X-Vault-Wrap-TTL`), e.g. `5m`.",
        cli: "-wrap-ttl",
        overridden_by: &[],
        secret: false,
        apply: Apply::Set(|b, s, _| {
            wrap_ttl_header(&s.value).map_err(|_| config(s, "must be a duration such as 5m"))?;
            Ok(b.wrap_ttl(s.value.trim()))
        }),
    },
    Variable {
        vault: "VAULT_HTTP_PROXY",
        bao: "BAO_HTTP_PROXY",
        meaning: "A proxy for every request: `http://proxy:3128`. Unset: the system's `HTTPS_PROXY`/`NO_PROXY`.",
        cli: "",
        overridden_by: &["VAULT_PROXY_ADDR"],
        secret: true,
        apply: Apply::Set(apply_proxy),
    },
    Variable {
        vault: "VAULT_PROXY_ADDR",
        bao: "BAO_PROXY_ADDR",
        meaning: "The same as `VAULT_HTTP_PROXY` (its newer name).",
        cli: "",
        overridden_by: &[],
        secret: true,
        apply: Apply::Set(apply_proxy),
    },
    Variable {
        vault: "VAULT_DISABLE_REDIRECTS",
        bao: "BAO_DISABLE_REDIRECTS",
        meaning: "`true`: do not follow a standby's redirect to the active node.",
        cli: "-disable-redirects",
        overridden_by: &[],
        secret: false,
        apply: Apply::Set(|b, s, _| {
            Ok(if parse_bool(s)? {
                b.redirects(crate::RedirectPolicy::none())
            } else {
                b
            })
        }),
    },
    Variable {
        vault: "VAULT_RATE_LIMIT",
        bao: "BAO_RATE_LIMIT",
        meaning: "A client-side rate limit: `RATE[:BURST]` requests per second, e.g. `50:100`.",
        cli: "",
        overridden_by: &[],
        secret: false,
        apply: Apply::Set(|b, s, _| match crate::RateLimit::parse(&s.value) {
            Ok(limit) => Ok(b.rate_limit(limit)),
            Err(_) => Err(config(s, "must be RATE[:BURST] such as 50:100")),
        }),
    },
];

/// The token files read when no token variable is set, in order (under the home directory).
pub(crate) const TOKEN_FILES: &[&str] = &[".bao-token", ".vault-token"];

/// The variables as a lookup answers them: OpenBao's spelling first.
pub(crate) struct Vars<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
}

impl Vars<'_> {
    /// The variable with Vault spelling `vault` (see [`VARIABLES`]): the `BAO_` spelling when it
    /// is set, else the `VAULT_` one; `None` when unset or blank. A blank `BAO_` value hides
    /// the `VAULT_` one, as in OpenBao's CLI.
    pub(crate) fn get(&self, vault: &str) -> Option<Setting> {
        let var = VARIABLES.iter().find(|v| v.vault == vault)?;
        let (name, value) = match (self.lookup)(var.bao) {
            Some(value) => (var.bao, value),
            None => (var.vault, (self.lookup)(var.vault)?),
        };
        (!value.trim().is_empty()).then_some(Setting { name, value })
    }
}

impl ClientBuilder {
    /// A builder configured from the process environment: the variables Vault's and OpenBao's
    /// CLIs read, in the table below. Settings made on the builder afterwards override them.
    ///
    #[doc = include_str!("../docs/environment.md")]
    pub fn from_env() -> Result<ClientBuilder, Error> {
        ClientBuilder::from_env_with(|name| std::env::var(name).ok())
    }

    /// [`ClientBuilder::from_env`] reading through `lookup` instead of the process environment:
    /// for tests, or to take the variables from another source (a config file, a secret
    /// store). `lookup` is also asked for `HOME` (then `USERPROFILE`) to find the token files.
    ///
    /// ```
    /// # fn run() -> Result<(), hashivault::Error> {
    /// let vars = [("BAO_ADDR", "https://bao.internal:8200"), ("BAO_NAMESPACE", "team-a")];
    /// let client = hashivault::ClientBuilder::from_env_with(|name| {
    ///     vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    /// })?
    /// .build()?;
    /// assert_eq!(client.address(), "https://bao.internal:8200");
    /// # Ok(())
    /// # }
    /// # run().unwrap();
    /// ```
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<ClientBuilder, Error> {
        let vars = Vars { lookup: &lookup };
        let mut b = ClientBuilder::default();
        for var in VARIABLES {
            let Some(setting) = vars.get(var.vault) else {
                continue;
            };
            if var.overridden_by.iter().any(|o| vars.get(o).is_some()) {
                continue;
            }
            let Apply::Set(apply) = &var.apply;
            b = apply(b, &setting, &vars)?;
        }
        if vars.get("VAULT_TOKEN").is_none() {
            if let Some(token) = token_from_files(&lookup)? {
                b = b.token(token);
            }
        }
        Ok(b)
    }
}

fn apply_address(b: ClientBuilder, s: &Setting, _: &Vars<'_>) -> Result<ClientBuilder, Error> {
    crate::connect::parse_address(&s.value)
        .map_err(|e| Error::Config(format!("{}: {}", s.name, config_message(&e))))?;
    Ok(b.address(s.value.trim()))
}

fn apply_token(b: ClientBuilder, s: &Setting, _: &Vars<'_>) -> Result<ClientBuilder, Error> {
    let token = s.value.trim();
    crate::transport::token_header(&token.to_string().into()).map_err(|_| {
        config(
            s,
            "is not a valid token (whitespace or control characters inside it)",
        )
    })?;
    Ok(b.token(token))
}

fn apply_proxy(b: ClientBuilder, s: &Setting, _: &Vars<'_>) -> Result<ClientBuilder, Error> {
    let proxy = crate::connect::proxy_from_url(&s.value)
        .map_err(|e| Error::Config(format!("{}: {}", s.name, config_message(&e))))?;
    Ok(b.proxy(proxy))
}

/// The token in the first non-empty token file under the home directory.
fn token_from_files(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Option<String>, Error> {
    let Some(home) = lookup("HOME")
        .or_else(|| lookup("USERPROFILE"))
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
    else {
        return Ok(None);
    };
    for file in TOKEN_FILES {
        let path = home.join(file);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let token = text.trim();
        if token.is_empty() {
            continue;
        }
        crate::transport::token_header(&token.to_string().into()).map_err(|_| {
            Error::Config(format!(
                "{} does not hold a valid token (whitespace or control characters inside it)",
                path.display()
            ))
        })?;
        return Ok(Some(token.to_string()));
    }
    Ok(None)
}

/// `NAME <problem>`; a non-secret value is quoted after it.
fn config(s: &Setting, problem: &str) -> Error {
    let secret = VARIABLES
        .iter()
        .any(|v| (v.vault == s.name || v.bao == s.name) && v.secret);
    if secret {
        Error::Config(format!("{} {problem}", s.name))
    } else {
        Error::Config(format!("{} {problem}, not {:?}", s.name, s.value))
    }
}

fn config_message(e: &Error) -> String {
    match e {
        Error::Config(msg) => msg.clone(),
        other => other.to_string(),
    }
}

/// Vault's boolean spellings (Go's `strconv.ParseBool`, plus yes/no/on/off).
fn parse_bool(s: &Setting) -> Result<bool, Error> {
    match s.value.trim().to_ascii_lowercase().as_str() {
        "1" | "t" | "true" | "yes" | "on" => Ok(true),
        "0" | "f" | "false" | "no" | "off" => Ok(false),
        _ => Err(config(s, "must be true or false")),
    }
}

/// The markdown table of [`VARIABLES`], as `docs/environment.md` shows it.
#[cfg(test)]
fn markdown_table() -> String {
    let mut out = String::from(
        "| Variable | OpenBao spelling | What it does | CLI flag | Ignored when set |\n\
         |---|---|---|---|---|\n",
    );
    for var in VARIABLES {
        let meaning = var.meaning.to_string();
        let cli = if var.cli.is_empty() {
            "—".to_string()
        } else {
            format!("`{}`", var.cli)
        };
        let overridden = if var.overridden_by.is_empty() {
            "—".to_string()
        } else {
            var.overridden_by
                .iter()
                .map(|o| format!("`{o}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push_str(&format!(
            "| `{}` | `{}` | {meaning} | {cli} | {overridden} |\n",
            var.vault, var.bao
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const START: &str = "<!-- variables:start (generated from src/env.rs; HASHIVAULT_BLESS=1 cargo test --lib env rewrites it) -->\n";
    const END: &str = "<!-- variables:end -->";

    #[test]
    fn the_docs_table_is_the_variables_table() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/environment.md");
        let doc = std::fs::read_to_string(path).unwrap();
        let start = doc
            .find(START)
            .expect("the start marker in docs/environment.md")
            + START.len();
        let end = doc
            .find(END)
            .expect("the end marker in docs/environment.md");
        let table = markdown_table();
        if doc[start..end] != table {
            if std::env::var("HASHIVAULT_BLESS").is_ok_and(|v| v == "1") {
                std::fs::write(path, format!("{}{table}{}", &doc[..start], &doc[end..])).unwrap();
            } else {
                panic!(
                    "docs/environment.md does not list exactly the variables of src/env.rs \
                     (HASHIVAULT_BLESS=1 cargo test --lib env rewrites it); expected:\n{table}"
                );
            }
        }
        // Every row names one variable of the table, once.
        let doc = std::fs::read_to_string(path).unwrap();
        let (start, end) = (
            doc.find(START).unwrap() + START.len(),
            doc.find(END).unwrap(),
        );
        let rows: Vec<&str> = doc[start..end].lines().skip(2).collect();
        assert_eq!(rows.len(), VARIABLES.len());
        for (row, var) in rows.iter().zip(VARIABLES) {
            assert!(row.starts_with(&format!("| `{}` | `{}` |", var.vault, var.bao)));
        }
    }

    /// Every variable of the table, set alone (or with its pair), shows in the builder.
    #[test]
    fn every_variable_sets_the_builder() {
        let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        // (variable, the variables to set, what the builder's Debug then shows)
        type Sample<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
        let samples: &[Sample] = &[
            (
                "VAULT_ADDR",
                &[("VAULT_ADDR", "https://v:1")],
                "address: Some(\"https://v:1\")",
            ),
            (
                "VAULT_AGENT_ADDR",
                &[("BAO_AGENT_ADDR", "unix:///a.sock")],
                "address: Some(\"unix:///a.sock\")",
            ),
            (
                "VAULT_TOKEN",
                &[("VAULT_TOKEN", "t")],
                "token: Some(\"<redacted>\")",
            ),
            (
                "VAULT_NAMESPACE",
                &[("VAULT_NAMESPACE", "ns")],
                "namespace: Some(\"ns\")",
            ),
            (
                "VAULT_CACERT",
                &[("VAULT_CACERT", "/ca.pem")],
                "ca_files: [\"/ca.pem\"]",
            ),
            (
                "VAULT_CACERT_BYTES",
                &[("VAULT_CACERT_BYTES", pem)],
                "ca_pems: 1",
            ),
            (
                "VAULT_CAPATH",
                &[("VAULT_CAPATH", "/cas")],
                "ca_dir: Some(\"/cas\")",
            ),
            (
                "VAULT_CLIENT_CERT",
                &[("VAULT_CLIENT_CERT", "/c"), ("VAULT_CLIENT_KEY", "/k")],
                "files /c and /k",
            ),
            (
                "VAULT_CLIENT_KEY",
                &[("VAULT_CLIENT_CERT", "/c"), ("BAO_CLIENT_KEY", "/k2")],
                "files /c and /k2",
            ),
            (
                "VAULT_CLIENT_CERT_BYTES",
                &[
                    ("VAULT_CLIENT_CERT_BYTES", pem),
                    ("VAULT_CLIENT_KEY_BYTES", "k"),
                ],
                "<PEM bytes>",
            ),
            (
                "VAULT_CLIENT_KEY_BYTES",
                &[
                    ("VAULT_CLIENT_CERT_BYTES", pem),
                    ("BAO_CLIENT_KEY_BYTES", "k"),
                ],
                "<PEM bytes>",
            ),
            (
                "VAULT_SKIP_VERIFY",
                &[("VAULT_SKIP_VERIFY", "true")],
                "skip_verify: true",
            ),
            (
                "VAULT_TLS_SERVER_NAME",
                &[("VAULT_TLS_SERVER_NAME", "n")],
                "server_name: Some(\"n\")",
            ),
            (
                "VAULT_CLIENT_TIMEOUT",
                &[("VAULT_CLIENT_TIMEOUT", "7s")],
                "timeout: Some(7s)",
            ),
            (
                "VAULT_MAX_RETRIES",
                &[("VAULT_MAX_RETRIES", "7")],
                "max_retries: 7",
            ),
            (
                "VAULT_WRAP_TTL",
                &[("VAULT_WRAP_TTL", "7m")],
                "wrap_ttl: Some(\"7m\")",
            ),
            (
                "VAULT_HTTP_PROXY",
                &[("VAULT_HTTP_PROXY", "http://p:1")],
                "proxy: Some(",
            ),
            (
                "VAULT_PROXY_ADDR",
                &[("VAULT_PROXY_ADDR", "http://p:1")],
                "proxy: Some(",
            ),
            (
                "VAULT_DISABLE_REDIRECTS",
                &[("VAULT_DISABLE_REDIRECTS", "true")],
                "redirects: RedirectPolicy { scope: None",
            ),
            (
                "VAULT_RATE_LIMIT",
                &[("VAULT_RATE_LIMIT", "50:100")],
                "rate_limit: Some(RateLimit { rate: 50.0, burst: Some(100) })",
            ),
        ];
        for var in VARIABLES {
            let (_, vars, expected) = samples
                .iter()
                .find(|(name, _, _)| *name == var.vault)
                .unwrap_or_else(|| panic!("{}: no sample in this test", var.vault));
            let b = ClientBuilder::from_env_with(|n| {
                vars.iter()
                    .find(|(k, _)| *k == n)
                    .map(|(_, v)| v.to_string())
            })
            .unwrap_or_else(|e| panic!("{}: {e}", var.vault));
            let shown = format!("{b:?}");
            assert!(shown.contains(expected), "{}: {shown}", var.vault);
        }
    }

    #[test]
    fn the_table_is_consistent() {
        for (i, var) in VARIABLES.iter().enumerate() {
            assert_eq!(
                var.bao,
                format!("BAO_{}", var.vault.strip_prefix("VAULT_").unwrap()),
                "{}",
                var.vault
            );
            assert!(
                VARIABLES[..i].iter().all(|v| v.vault != var.vault),
                "{} twice",
                var.vault
            );
            for o in var.overridden_by {
                assert!(
                    VARIABLES.iter().any(|v| v.vault == *o),
                    "{}: unknown {o}",
                    var.vault
                );
            }
            assert!(var.cli.is_empty() || var.cli.starts_with('-'));
        }
    }
}
