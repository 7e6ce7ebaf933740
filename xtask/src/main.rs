//! `cargo xtask`: hashivault's project automation, in plain Rust.
//!
//! - `cargo xtask codegen --dump DIR`: write the generated API (all groups, formatted) to DIR.
//! - `cargo xtask dev`, `cargo xtask test`, `cargo xtask demo`: a local OpenBao dev server
//!   (see `server/mod.rs`).
//! - `cargo xtask regen`: refresh `spec/` and report what changed (see `regen/mod.rs`).
//! - `cargo xtask compat`: the live suite against every OpenBao release (see `compat.rs`).
//!
//! The commands are xtask's library (`lib.rs`); this binary parses the command line.
//!
//! The `cargo xtask` alias builds xtask without its `codegen` feature, so the server commands
//! never compile the code generator (progenitor, typify, syn, an HTTP client, TLS). `codegen` and
//! `regen` need it: without the feature they re-run xtask as
//! `cargo run -p xtask --features xtask/codegen -- COMMAND ARGS` (see `with_codegen`).

use std::process::ExitCode;

use xtask::server;
#[cfg(feature = "codegen")]
use xtask::{codegen_cmd, compat, regen};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, rest) = match args.split_first() {
        Some((command, rest)) => (command.as_str(), rest),
        None => ("help", &[][..]),
    };
    let result = match command {
        #[cfg(feature = "codegen")]
        "codegen" => codegen_cmd::run(rest),
        #[cfg(feature = "codegen")]
        "regen" => regen::run(rest),
        #[cfg(feature = "codegen")]
        "compat" => compat::run(rest),
        #[cfg(not(feature = "codegen"))]
        "codegen" | "regen" | "compat" => with_codegen(command, rest),
        "dev" | "test" | "demo" => server::run(command, rest),
        "help" | "--help" | "-h" => {
            println!("{}", HELP);
            Ok(())
        }
        other => Err(format!("unknown command `{other}`\n\n{HELP}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

const HELP: &str = "\
usage: cargo xtask <command>

commands:
  codegen --dump DIR [--spec FILE]   write the generated API (every group) to DIR/api.rs
  dev                                start a local OpenBao dev server, print its VAULT_ADDR/VAULT_TOKEN
  test [CARGO TEST ARGS]             start the dev server and run every test, live ones included,
                                     then (without ARGS) every example, checking its output
  demo [NAME] [ARGS]                 start the dev server and run examples/NAME.rs against it
                                     (default quickstart; `demo --list` lists them)
  regen [--file PATH | --addr URL --token T] [--mount-all] [--check] [--build]
                                     refresh spec/ from a server or a file and report what changed
  regen --learn-responses [--no-record]
                                     refresh spec/overlays/ from the live conformance tour's answers
  compat [VERSION...] [--out FILE]   run the live suite against each OpenBao release pip offers
                                     and write the compatibility table (docs/compatibility.md)
";

/// Run `cargo run -p xtask --features xtask/codegen -- COMMAND ARGS`: the commands that need the
/// code generator, built (once, then cached) in a second variant of this binary. The feature is
/// named with its package: under this workspace's resolver 1, a bare `--features codegen` would
/// apply to the package in the current directory (the library), which has no such feature.
#[cfg(any(test, not(feature = "codegen")))]
const CODEGEN_RUN: &[&str] = &[
    "run",
    "--package",
    "xtask",
    "--features",
    "xtask/codegen",
    "--",
];

#[cfg(not(feature = "codegen"))]
fn with_codegen(command: &str, args: &[String]) -> Result<(), String> {
    eprintln!("xtask: `{command}` needs the code generator: building xtask --features codegen");
    let status =
        std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .current_dir(xtask::project_root())
            .args(CODEGEN_RUN)
            .arg(command)
            .args(args)
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        std::process::exit(status.code().filter(|&c| c != 0).unwrap_or(1))
    }
}

#[cfg(test)]
mod tests {
    /// Under the workspace's resolver 1, `--features` without a package name applies to the
    /// package in the current directory (the library, which has no `codegen` feature): `cargo
    /// xtask regen` failed with "does not have the feature `codegen`".
    #[test]
    fn the_codegen_rerun_names_the_feature_with_its_package() {
        let at = super::CODEGEN_RUN
            .iter()
            .position(|a| *a == "--features")
            .unwrap();
        assert_eq!(super::CODEGEN_RUN[at + 1], "xtask/codegen");
        let manifest =
            std::fs::read_to_string(xtask::project_root().join("xtask/Cargo.toml")).unwrap();
        assert!(
            manifest.contains("\ncodegen = ["),
            "xtask declares the feature"
        );
    }
}
