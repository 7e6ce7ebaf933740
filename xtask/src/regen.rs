//! `cargo xtask regen`: refresh `spec/` from a server or a file and report what changed.

pub fn run(_args: &[String]) -> Result<(), String> {
    Err("`regen` is not written yet".to_string())
}
