//! `cargo xtask codegen`: the generated API as users compile it, for a reviewer to read.

use std::path::PathBuf;

use crate::codegen;

pub fn run(args: &[String]) -> Result<(), String> {
    let mut dump = None;
    let mut spec = crate::project_root().join("spec/openapi.json");
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--dump" => {
                dump = Some(PathBuf::from(
                    iter.next().ok_or("--dump needs a directory")?,
                ))
            }
            "--spec" => spec = PathBuf::from(iter.next().ok_or("--spec needs a file")?),
            other => return Err(format!("codegen: unknown argument `{other}`")),
        }
    }
    let dir = dump.ok_or("codegen: say where to write with --dump DIR")?;
    let text = std::fs::read_to_string(&spec)
        .map_err(|e| format!("cannot read {}: {e}", spec.display()))?;
    let overlays = codegen::overlay::load_dir(&crate::project_root().join("spec/overlays"))?;
    let generated = codegen::generate_with_overlays(&text, &overlays, &codegen::Selection::All)?;
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let out = dir.join("api.rs");
    std::fs::write(&out, &generated.code)
        .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!(
        "wrote {} ({} operations, {} lines)",
        out.display(),
        generated.operations.len(),
        generated.code.lines().count()
    );
    println!("normalizing steps:\n{}", generated.report.summary());
    println!("request rewrites: {:?}", generated.rewrites);
    println!("field rewrites: {:?}", generated.fields);
    Ok(())
}
