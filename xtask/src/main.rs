//! `cargo xtask`: hashivault's project automation, in plain Rust.
//!
//! - `cargo xtask codegen --dump DIR`: write the generated API (all groups, formatted) to DIR.
//! - `cargo xtask dev`, `cargo xtask test`, `cargo xtask demo`: a local OpenBao dev server
//!   (see `server.rs`).
//! - `cargo xtask regen`: refresh `spec/` and report what changed (see `regen.rs`).

#[path = "../../codegen/mod.rs"]
pub mod codegen;
mod codegen_cmd;
mod regen;
mod server;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, rest) = match args.split_first() {
        Some((command, rest)) => (command.as_str(), rest),
        None => ("help", &[][..]),
    };
    let result = match command {
        "codegen" => codegen_cmd::run(rest),
        "dev" | "test" | "demo" => server::run(command, rest),
        "regen" => regen::run(rest),
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
  test [CARGO TEST ARGS]             start the dev server and run every test, live ones included
  demo                               start the dev server and run examples/quickstart.rs against it
  demo database                      the same with PostgreSQL, for examples/database_credentials.rs
  regen [--file PATH | --addr URL --token T] [--mount-all] [--check] [--build]
                                     refresh spec/ from a server or a file and report what changed
  regen --learn-responses [--no-record]
                                     refresh spec/overlays/ from the live conformance tour's answers
";

/// The workspace root (where the library's Cargo.toml is).
pub fn project_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}
