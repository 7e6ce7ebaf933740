//! `cargo xtask regen`: refresh `spec/` from a server or a file and report what changed.
//!
//! ```text
//! cargo xtask regen [--addr URL] [--token TOKEN] [--mount-all]   # from a live server
//! cargo xtask regen --file PATH                                  # from a file
//!     [--server vault|openbao] [--check] [--build] [--no-codegen] [--root DIR]
//! ```
//!
//! `spec/` holds two documents, refreshed independently: Vault's (`spec/openapi.json`, the
//! default) and OpenBao's (`spec/openbao-openapi.json`, `--server openbao`), each with its own
//! provenance section in `spec/README.md` and its own change report; the generated API is the
//! union of both (`hashivault_codegen::union`), checked in as `src/generated/api.rs`.
//!
//! The pipeline: fetch or read the document ([`fetch`]), validate it and write it canonically
//! ([`canon`]), print the change report against the checked-in spec ([`diff`]), record its
//! provenance in `spec/README.md` ([`readme`]), then regenerate the checked-in API from it
//! (`cargo xtask codegen`).
//! Nothing under `spec/` changes until the new document has been fetched and validated, and each
//! file is replaced atomically (temporary file, then rename).

pub mod canon;
pub mod diff;
pub mod fetch;
pub mod learn;
pub mod readme;

use std::path::{Path, PathBuf};

use hashivault_codegen as codegen;

/// The spec file (Vault's document), relative to the workspace root.
pub const SPEC_FILE: &str = "spec/openapi.json";
/// OpenBao's document, relative to the workspace root.
pub const OPENBAO_SPEC_FILE: &str = "spec/openbao-openapi.json";

/// Which of the two documents of `spec/` a regen refreshes (`--server`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Vault,
    OpenBao,
}

impl Target {
    /// `--server NAME`.
    pub fn parse(name: &str) -> Result<Target, String> {
        match name.to_ascii_lowercase().as_str() {
            "vault" => Ok(Target::Vault),
            "openbao" | "bao" => Ok(Target::OpenBao),
            other => Err(format!(
                "regen: --server is `vault` or `openbao`, not `{other}`\n\n{USAGE}"
            )),
        }
    }

    /// The document's file, relative to the workspace root.
    pub fn spec_file(self) -> &'static str {
        match self {
            Target::Vault => SPEC_FILE,
            Target::OpenBao => OPENBAO_SPEC_FILE,
        }
    }

    /// The server's name, as `hashivault_codegen::union::Server::of` reads a document's title.
    pub fn server_name(self) -> &'static str {
        match self {
            Target::Vault => "Vault",
            Target::OpenBao => "OpenBao",
        }
    }

    /// The other document of the union.
    pub fn other(self) -> Target {
        match self {
            Target::Vault => Target::OpenBao,
            Target::OpenBao => Target::Vault,
        }
    }
}
/// Its provenance notes, relative to the workspace root.
pub const SPEC_README: &str = "spec/README.md";

pub const USAGE: &str = "\
usage: cargo xtask regen [SOURCE] [OPTIONS]

source (one of):
  (default)          the live server at $VAULT_ADDR with $VAULT_TOKEN
  --addr URL         server address (overrides VAULT_ADDR)
  --token TOKEN      token (overrides VAULT_TOKEN)
  --mount-all        first enable every builtin auth method and secrets engine of the server's
                     plugin catalog at its default path (dev servers only)
  --file PATH        read the document from a file instead

options:
  --server NAME      which document of spec/ to refresh: `vault` (spec/openapi.json, the default)
                     or `openbao` (spec/openbao-openapi.json); given, the document's info.title
                     must name that server
  --check            write nothing; fail when the document is not canonical or differs
                     from the source
  --build            afterwards run `cargo build --all-features` (slow)
  --no-codegen       do not regenerate src/generated/ (`cargo xtask codegen` does it later)
  --root DIR         workspace root to work on (default: this repository)
  --learn-responses  instead: run the live conformance tour (recording its answers) and refresh
                     spec/overlays/ from them (--no-record: from the answers already recorded),
                     then regenerate src/generated/";

/// Where the new document comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    Server { addr: String, token: String },
}

/// Parsed command line.
#[derive(Debug, Clone)]
pub struct Options {
    pub source: Source,
    /// Which document (`--server`; Vault's when not given).
    pub target: Target,
    /// Whether `--server` was given (then the document must be that server's).
    pub target_given: bool,
    pub mount_all: bool,
    pub check: bool,
    pub build: bool,
    pub codegen: bool,
    pub root: PathBuf,
}

impl Options {
    /// Parses the arguments after `regen`; `env` looks up `VAULT_ADDR` and `VAULT_TOKEN`.
    pub fn parse(args: &[String], env: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let mut file = None;
        let mut addr = None;
        let mut token = None;
        let mut mount_all = false;
        let mut check = false;
        let mut build = false;
        let mut codegen = true;
        let mut root = None;
        let mut target = None;
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            let mut value = |flag: &str| {
                iter.next()
                    .cloned()
                    .ok_or_else(|| format!("regen: {flag} needs a value\n\n{USAGE}"))
            };
            match arg.as_str() {
                "--file" => file = Some(PathBuf::from(value("--file")?)),
                "--addr" => addr = Some(value("--addr")?),
                "--token" => token = Some(value("--token")?),
                "--root" => root = Some(PathBuf::from(value("--root")?)),
                "--server" => target = Some(Target::parse(&value("--server")?)?),
                "--mount-all" => mount_all = true,
                "--check" => check = true,
                "--build" => build = true,
                "--no-codegen" => codegen = false,
                "-h" | "--help" => return Err(USAGE.to_string()),
                other => return Err(format!("regen: unknown argument `{other}`\n\n{USAGE}")),
            }
        }
        let source = match file {
            Some(path) => {
                if addr.is_some() || token.is_some() || mount_all {
                    return Err(
                        "regen: --file cannot be combined with --addr, --token or --mount-all"
                            .to_string(),
                    );
                }
                Source::File(path)
            }
            None => {
                let addr = addr
                    .or_else(|| env("VAULT_ADDR"))
                    .filter(|a| !a.is_empty())
                    .ok_or(
                        "regen: no server: set VAULT_ADDR or pass --addr (or use --file PATH)",
                    )?;
                let token = token
                    .or_else(|| env("VAULT_TOKEN"))
                    .filter(|t| !t.is_empty())
                    .ok_or("regen: no token: set VAULT_TOKEN or pass --token")?;
                Source::Server { addr, token }
            }
        };
        Ok(Options {
            source,
            target: target.unwrap_or(Target::Vault),
            target_given: target.is_some(),
            mount_all,
            check,
            build,
            codegen,
            root: root.unwrap_or_else(crate::project_root),
        })
    }
}

/// `cargo xtask regen ARGS`.
pub fn run(args: &[String]) -> Result<(), String> {
    if args.iter().any(|a| a == "--learn-responses") {
        let record = !args.iter().any(|a| a == "--no-record");
        return learn::learn_responses(&crate::project_root(), record);
    }
    let options = Options::parse(args, |name| std::env::var(name).ok())?;
    regen(&options)
}

/// The whole command, on parsed options.
pub fn regen(options: &Options) -> Result<(), String> {
    // 1. The new document: nothing is written before it is fetched and validated.
    let (text, origin) = match &options.source {
        Source::File(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let name = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            (text, format!("file `{name}`"))
        }
        Source::Server { addr, token } => {
            if options.mount_all {
                let outcome = fetch::mount_all(addr, token)?;
                println!("{}", outcome.render());
            }
            let text = fetch::fetch_spec(addr, token)?;
            let how = if options.mount_all {
                "with every builtin plugin mounted (`--mount-all`)"
            } else {
                "with the mounts it had"
            };
            (text, format!("a live server ({how})"))
        }
    };
    let doc = canon::validate(&text)?;
    let spec_file = options.target.spec_file();
    let server = codegen::union::Server::of(&doc);
    if options.target_given && server.name != options.target.server_name() {
        return Err(format!(
            "regen: --server {} but the document is {}'s (`info.title` {:?}); nothing written",
            options.target.server_name().to_ascii_lowercase(),
            server.name,
            doc.pointer("/info/title")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("")
        ));
    }
    let duplicates = canon::duplicate_ids(&doc);
    if !duplicates.is_empty() {
        println!(
            "note: {} operationIds are used more than once; the normalizer's unique_operation_ids step renames the extra ones: {}",
            duplicates.len(),
            duplicates.join("; ")
        );
    }
    let new_text = canon::canonical(&doc);

    // 2. The current document and the change report.
    let spec_path = options.root.join(spec_file);
    let current_text = match std::fs::read_to_string(&spec_path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("cannot read {}: {e}", spec_path.display())),
    };
    let current_doc = match &current_text {
        Some(text) => Some(
            codegen::parse_document(text)
                .map_err(|e| format!("the checked-in {spec_file} cannot be compared: {e}"))?,
        ),
        None => None,
    };
    let empty = serde_json::json!({});
    let report = diff::compare(current_doc.as_ref().unwrap_or(&empty), &doc);
    let features = diff::cargo_features(&options.root)?;
    let calls = diff::handwritten_calls(&options.root, &report)?;
    println!("change report of {spec_file}:");
    println!("{}", report.render(&features, &calls));

    if options.check {
        return check(
            spec_file,
            current_text.as_deref(),
            current_doc.as_ref(),
            &new_text,
        );
    }

    // 3. Write the spec and its provenance notes.
    let info = readme::Provenance::of(&doc, &text, &new_text, origin);
    if current_text.as_deref() == Some(new_text.as_str()) {
        println!("{spec_file}: unchanged");
    } else {
        write_atomically(&spec_path, new_text.as_bytes())?;
        println!("{spec_file}: written ({} bytes)", new_text.len());
    }
    let readme_path = options.root.join(SPEC_README);
    let old_readme = std::fs::read_to_string(&readme_path).unwrap_or_default();
    let new_readme = readme::update_for(&old_readme, &info, options.target);
    if new_readme != old_readme {
        write_atomically(&readme_path, new_readme.as_bytes())?;
        println!("{SPEC_README}: provenance section updated");
    }
    println!("{}", info.summary());

    // 4. The normalizer and generator on the new document: the checked-in generated API
    //    (`cargo xtask codegen`), so a new endpoint reaches users with the refreshed spec.
    if options.codegen {
        crate::codegen_cmd::write_generated(&options.root).map_err(|e| {
            format!("{spec_file} was written, but the normalizer+generator fail on it: {e}")
        })?;
    }
    if options.build {
        cargo_build_all_features(&options.root)?;
    }
    Ok(())
}

/// `--check`: the checked-in spec must be canonical and equal to the source's.
fn check(
    spec_file: &str,
    current_text: Option<&str>,
    current_doc: Option<&serde_json::Value>,
    new_text: &str,
) -> Result<(), String> {
    let (Some(current_text), Some(current_doc)) = (current_text, current_doc) else {
        return Err(format!("check failed: {spec_file} does not exist"));
    };
    let mut problems = Vec::new();
    if canon::canonical(current_doc) != current_text {
        problems.push(format!("{spec_file} is not in canonical form"));
    }
    if current_text != new_text && canon::canonical(current_doc) != new_text {
        problems.push(format!("{spec_file} differs from the source"));
    }
    if problems.is_empty() {
        println!("check: {spec_file} is canonical and up to date");
        Ok(())
    } else {
        Err(format!(
            "check failed: {} (run `cargo xtask regen` without --check to fix)",
            problems.join("; ")
        ))
    }
}

/// Replaces `path` with `bytes` atomically: a temporary file in the same directory, then a rename.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.regen-{}.tmp", std::process::id()));
    let result = std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::File::open(&tmp)?.sync_all())
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!("cannot write {}: {e}", path.display()));
    }
    Ok(())
}

fn cargo_build_all_features(root: &Path) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    println!("running `cargo build --all-features` in {}", root.display());
    let status = std::process::Command::new(cargo)
        .args(["build", "--all-features"])
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo build --all-features` failed ({status})"))
    }
}
