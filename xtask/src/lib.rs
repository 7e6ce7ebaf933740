//! `cargo xtask`'s commands as a library: the binary (`main.rs`) dispatches to them, the tests
//! (`tests/regen*.rs`) drive them.
//!
//! - [`server`]: `dev`, `test`, `demo` (a local OpenBao dev server; the process machinery is the
//!   `hashivault-dev-server` crate, shared with `hashivault::testing`).
//! - [`codegen_cmd`], [`regen`], [`compat`] (feature `codegen`): the generated API dumped for
//!   review, the operation index, the spec refresh, the compatibility matrix; the generator is
//!   the `hashivault-codegen` crate; `cargo xtask codegen` writes the library's checked-in
//!   `src/generated/api.rs`.

#[cfg(feature = "codegen")]
pub mod codegen_cmd;
#[cfg(feature = "codegen")]
pub mod compat;
#[cfg(feature = "codegen")]
pub mod regen;
pub mod server;

/// The workspace root (where the library's Cargo.toml is).
pub fn project_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}
