//! The examples `cargo xtask demo NAME` runs, and what `cargo xtask test` checks each one prints.
//!
//! One row per example: its name (`examples/NAME.rs`), the Cargo features it needs, and lines
//! its output must contain for the example to have done what it claims. `cargo xtask test` runs
//! every row against the dev server after `cargo test`, and also checks that no output contains
//! the server's token or a secret value the examples write (they all contain `s3cret`).

/// One example.
#[derive(Debug)]
pub struct Example {
    /// The name `cargo xtask demo NAME` takes.
    pub name: &'static str,
    /// The example target, `examples/<file>.rs` (often the same as `name`).
    pub file: &'static str,
    /// Features beyond the default ones.
    pub features: &'static [&'static str],
    /// Substrings the output must contain, each proving one claim of the example.
    pub expect: &'static [&'static str],
    /// Whether it needs the throwaway PostgreSQL (`HASHIVAULT_POSTGRES_URL`).
    pub postgres: bool,
    /// Whether `demo` builds it as a binary of `demo/` (package `hashivault-demo`, the same
    /// file) instead of an example of the library: an example target builds every
    /// dev-dependency of the library first, which a new user's first run does not need.
    pub own_package: bool,
}

/// Every example, `quickstart` (the default of `cargo xtask demo`) first.
pub const EXAMPLES: &[Example] = &[
    Example {
        name: "quickstart",
        file: "quickstart",
        features: &[],
        expect: &[
            "connected to http://127.0.0.1:",
            "version 3",
            "version 1 had host db-1.internal",
            "/api is deleted",
            "alice logged in: policies",
            "alice reads",
            "alice may not write",
            "alice's token: display name",
        ],
        postgres: false,
        own_package: true,
    },
    Example {
        name: "kv",
        file: "kv",
        features: &[],
        expect: &[
            "set metadata of",
            "version 3\n",
            "check-and-set against version 1 refused",
            "check-and-set against version 3 wrote version 4",
            "patched owner: version 5 has owner team-b",
            "version 1 still readable: owner team-a",
            "soft-deleted version 2 (deletion_time 20",
            "undeleted version 2: readable again",
            "destroyed version 1: its data is gone",
            "soft-deleted the latest version",
            "metadata: current_version 5, oldest_version 1, max_versions 5, custom_metadata {\"owner\": \"team-a\"}",
            "  version 1: destroyed\n  version 2: live\n  version 3: live\n  version 4: live\n  version 5: deleted",
            "subkeys of version 3: [\"key\", \"owner\"]",
            "deleted all metadata and versions of",
        ],
        postgres: false,
        own_package: false,
    },
    Example {
        name: "kv_watch",
        file: "kv_watch",
        features: &[],
        expect: &[
            "operator: wrote version 1 of examples-kv-watch-",
            "service: started with version 1: pool_size 8, password 10 characters",
            "service: now at version 2: pool_size 8, password 10 characters",
            "watcher: picked up version 2",
            "service: now at version 3: pool_size 16, password 10 characters",
            "watcher: picked up version 3",
            "watcher: version 3 is gone (destroyed: false); still serving version 3",
            "service: KvWatcher { mount: \"secret\", path: \"examples-kv-watch-",
            "service: watcher dropped, follower ended after versions [2, 3]",
            "operator: deleted examples-kv-watch-",
        ],
        postgres: false,
        own_package: false,
    },
    Example {
        name: "approle_service",
        file: "approle_service",
        features: &[],
        expect: &[
            "operator: enabled approle at auth/",
            "operator: generated a secret id, response-wrapped (wrapping token ttl 120s, path auth/",
            "service: unwrapped the secret id",
            "service: a second unwrap is refused",
            "service: logged in with approle: policies [\"default\", \"examples-approle-",
            "service: read its config (version 1): database_url postgres://db.internal:5432/billing, max_connections 16, password 18 characters",
            "service: renewer renewed the token (ttl 6s)\nservice: renewer renewed the token (ttl 6s)",
            "service: token still valid after 2 renewals",
            "service: revoked its token on shutdown",
        ],
        postgres: false,
        own_package: false,
    },
    Example {
        name: "interceptors",
        file: "interceptors",
        features: &[],
        expect: &[
            "audit: -> kv_v2_write POST /v1/secret/data/examples-interceptors-",
            "(attempt 1, source billing-service, token <redacted>)",
            "audit: <- kv_v2_write 2xx in ",
            "audit: -> kv_v2_read GET /v1/secret/data/examples-interceptors-",
            "audit: -> mounts_list_secrets_engines GET /v1/sys/mounts",
            "read version 1",
            "requests sent: 4, retries: 0",
        ],
        postgres: false,
        own_package: false,
    },
    Example {
        name: "transit",
        file: "transit",
        features: &["transit"],
        expect: &[
            "created keys orders (aes256-gcm96) and releases (ed25519)",
            "encrypted 40 bytes: ciphertext vault:v1:…",
            "decrypted: 40 bytes, equal to the original: true",
            "rotated orders and rewrapped: vault:v1 -> vault:v2",
            "the rewrapped ciphertext decrypts to the original: true",
            "signed 38 bytes with releases: signature vault:v1",
            "verify the signed input: valid true",
            "verify a tampered input: valid false",
            "disabled examples-transit-",
        ],
        postgres: false,
        own_package: false,
    },
    Example {
        name: "pki",
        file: "pki",
        features: &["pki"],
        expect: &[
            "generated root CA \"hashivault example root\" (serial ",
            "key kept in Vault: true)",
            "created role localhost-server",
            "issued a certificate for localhost (serial ",
            "key type ec,",
            "verified against the new root CA (TLSv1_3): server says \"hello over TLS\"",
            "a client without the root CA is refused: invalid peer certificate: UnknownIssuer",
            "disabled examples-pki-",
        ],
        postgres: false,
        own_package: false,
    },
    Example {
        name: "cert_keeper",
        file: "cert_keeper",
        features: &["cert-keeper"],
        expect: &[
            "enabled pki at examples-cert-keeper-",
            "created role web (localhost, 10 s certificates)",
            "keeper: issued serial ",
            ": verified, the keeper's certificate: true",
            "keeper: renewed, new serial ",
            "(different: true)",
            "the same TLS server now serves the new certificate: true",
            "dropped the keeper: its task ended, no more requests",
            "disabled examples-cert-keeper-",
        ],
        postgres: false,
        own_package: false,
    },
    Example {
        name: "blocking",
        file: "blocking",
        features: &["blocking"],
        expect: &[
            "connected to http://127.0.0.1:",
            "version 1: region \"eu-1\"",
            // The tests before it mount more engines, some sorting before `cubbyhole/`.
            "generated mounts_list_secrets_engines: ",
            " cubbyhole/ ",
            " secret/ ",
            "4 threads read version [1, 1, 1, 1]",
            "deleted examples-blocking-",
        ],
        postgres: false,
        own_package: false,
    },
    Example {
        name: "database",
        file: "database_credentials",
        features: &["database"],
        expect: &[
            "operator: AppRole `app` and database role `app` set up",
            "service: logged in with AppRole",
            "service: new credentials",
            "service: query as",
            "lease: renewed",
            "service: rotated from",
            " queries, 0 failed, over ",
            "service: lease and token revoked, bye",
        ],
        postgres: true,
        own_package: false,
    },
];

/// The example called `name`.
pub fn find(name: &str) -> Option<&'static Example> {
    EXAMPLES.iter().find(|e| e.name == name)
}

/// The names, for usage messages.
pub fn names() -> String {
    EXAMPLES
        .iter()
        .map(|e| e.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `cargo run` arguments for `example`: `--example NAME [--features A,B]`, or `--package
/// hashivault-demo --bin NAME` for one of `demo/`.
pub fn cargo_args(example: &Example) -> Vec<String> {
    let mut args = if example.own_package {
        ["--package", "hashivault-demo", "--bin", example.file]
            .map(String::from)
            .to_vec()
    } else {
        vec!["--example".to_string(), example.file.to_string()]
    };
    if !example.features.is_empty() {
        args.push("--features".into());
        args.push(example.features.join(","));
    }
    args
}

/// Checks an example's output: every expected line is there, and no `forbidden` string (the
/// server token, secret values) is.
pub fn check_output(example: &Example, output: &str, forbidden: &[&str]) -> Result<(), String> {
    let missing: Vec<&str> = example
        .expect
        .iter()
        .copied()
        .filter(|line| !output.contains(line))
        .collect();
    let leaked: Vec<&str> = forbidden
        .iter()
        .copied()
        .filter(|secret| !secret.is_empty() && output.contains(secret))
        .collect();
    if missing.is_empty() && leaked.is_empty() {
        return Ok(());
    }
    let mut message = format!("example `{}`:", example.name);
    for line in missing {
        message.push_str(&format!("\n  output lacks {line:?}"));
    }
    if !leaked.is_empty() {
        message.push_str(&format!(
            "\n  output shows {} secret value(s) (token or written secret)",
            leaked.len()
        ));
    }
    Err(message)
}

/// Strings no example may print: the token, and the marker every written secret value carries,
/// and PEM private keys.
pub fn forbidden(token: &str) -> Vec<&str> {
    vec![token, "s3cret", "PRIVATE KEY"]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_files_exist() {
        let root = crate::project_root();
        for (i, example) in EXAMPLES.iter().enumerate() {
            assert!(
                EXAMPLES[..i].iter().all(|e| e.name != example.name),
                "{} twice",
                example.name
            );
            let file = root.join("examples").join(format!("{}.rs", example.file));
            assert!(file.exists(), "{} is missing", file.display());
            assert!(
                !example.expect.is_empty(),
                "{} checks nothing",
                example.name
            );
        }
        assert_eq!(EXAMPLES[0].name, "quickstart");
    }

    #[test]
    fn cargo_args_name_features() {
        assert_eq!(
            cargo_args(find("transit").unwrap()),
            ["--example", "transit", "--features", "transit"]
        );
        assert_eq!(cargo_args(find("kv").unwrap()), ["--example", "kv"]);
        assert_eq!(
            cargo_args(find("quickstart").unwrap()),
            ["--package", "hashivault-demo", "--bin", "quickstart"]
        );
        assert!(find("nope").is_none());
    }

    #[test]
    fn output_check_reports_missing_lines_and_leaks() {
        let example = Example {
            name: "t",
            file: "t",
            features: &[],
            expect: &["did a", "did b"],
            postgres: false,
            own_package: false,
        };
        assert_eq!(check_output(&example, "did a\ndid b\n", &["tok"]), Ok(()));
        let err = check_output(&example, "did a\n", &["tok"]).unwrap_err();
        assert!(err.contains("lacks \"did b\""), "{err}");
        let err = check_output(&example, "did a\ndid b tok\n", &["tok", ""]).unwrap_err();
        assert!(err.contains("1 secret value"), "{err}");
        assert!(
            !err.contains("tok\""),
            "the message must not repeat the secret: {err}"
        );
    }
}
