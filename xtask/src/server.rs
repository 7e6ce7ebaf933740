//! `cargo xtask dev | test | demo`: a throwaway local OpenBao dev server.

pub fn run(command: &str, _args: &[String]) -> Result<(), String> {
    Err(format!("`{command}` is not written yet"))
}
