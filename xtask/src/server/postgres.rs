//! A throwaway PostgreSQL for the database secrets engine's live test and demo.
//!
//! The binaries are Debian's `postgresql` package (`/usr/lib/postgresql/<version>/bin`),
//! installed with `apt-get install -y postgresql` when missing (as root, with apt). The cluster
//! is made with `initdb` in `target/tools/postgres-<port>/` (password auth for TCP, a random
//! superuser password), started with `pg_ctl` on a free port of 127.0.0.1, and stopped and
//! removed when the guard drops. PostgreSQL refuses to run as root: as root, every command runs
//! as the `postgres` user (else `nobody`) through `runuser`, and the directory is theirs.
//!
//! Its address goes to the tests as [`URL_VAR`]:
//! `postgresql://postgres:<password>@127.0.0.1:<port>/postgres`.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::process::{free_loopback_port, log_tail, random_token};

/// The variable the tests and the demo read the superuser URL from.
pub const URL_VAR: &str = "HASHIVAULT_POSTGRES_URL";

/// A running PostgreSQL; dropping it stops it and removes its directory.
#[derive(Debug)]
pub struct Postgres {
    bin: PathBuf,
    dir: PathBuf,
    run_as: Option<String>,
    pub port: u16,
    pub password: String,
}

impl Postgres {
    /// `postgresql://postgres:<password>@127.0.0.1:<port>/postgres`
    pub fn url(&self) -> String {
        format!(
            "postgresql://postgres:{}@127.0.0.1:{}/postgres",
            self.password, self.port
        )
    }

    /// Finds (or installs) PostgreSQL, makes a cluster under `tools` and starts it.
    pub fn start(tools: &Path) -> Result<Postgres, String> {
        let bin = match find_bin() {
            Some(bin) => bin,
            None => {
                install()?;
                find_bin().ok_or("PostgreSQL was installed but no initdb/pg_ctl was found under /usr/lib/postgresql/*/bin")?
            }
        };
        let run_as = run_as_user();
        let port = free_loopback_port()?;
        let password = random_token();
        let dir = tools.join(format!("postgres-{port}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let pwfile = dir.join("pwfile");
        std::fs::write(&pwfile, format!("{password}\n"))
            .map_err(|e| format!("cannot write {}: {e}", pwfile.display()))?;
        if let Some(user) = &run_as {
            run(Command::new("chown").args(["-R", user]).arg(&dir), "chown")?;
        }
        let pg = Postgres {
            bin,
            dir,
            run_as,
            port,
            password,
        };
        let data = pg.dir.join("data");
        pg.run_pg(
            "initdb",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-U".as_ref(),
                "postgres".as_ref(),
                "--auth-local=trust".as_ref(),
                "--auth-host=scram-sha-256".as_ref(),
                "--pwfile".as_ref(),
                pwfile.as_os_str(),
                "--no-sync".as_ref(),
            ],
        )?;
        let options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -k {} -c fsync=off",
            pg.dir.display()
        );
        let log = pg.dir.join("postgres.log");
        pg.run_pg(
            "pg_ctl",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-o".as_ref(),
                options.as_ref(),
                "-l".as_ref(),
                log.as_os_str(),
                "-w".as_ref(),
                "-t".as_ref(),
                "60".as_ref(),
                "start".as_ref(),
            ],
        )
        .map_err(|e| format!("{e}\n{}", log_tail(&log, 20)))?;
        Ok(pg)
    }

    fn run_pg(&self, tool: &str, args: &[&std::ffi::OsStr]) -> Result<(), String> {
        let exe = self.bin.join(tool);
        let mut command = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        command.args(args).current_dir(&self.dir);
        run(&mut command, tool)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = self.run_pg(
            "pg_ctl",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-m".as_ref(),
                "immediate".as_ref(),
                "-w".as_ref(),
                "stop".as_ref(),
            ],
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn run(command: &mut Command, what: &str) -> Result<(), String> {
    let out = command
        .output()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    Err(format!(
        "{what} failed ({}): {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ))
}

/// The newest `/usr/lib/postgresql/<version>/bin` with `initdb` and `pg_ctl`.
fn find_bin() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

/// `apt-get update && apt-get install -y postgresql`, as root.
fn install() -> Result<(), String> {
    if !is_root() {
        return Err("PostgreSQL (initdb, pg_ctl) is missing: install Debian's `postgresql` package (apt-get install postgresql)".into());
    }
    eprintln!("xtask: installing PostgreSQL (apt-get install -y postgresql)");
    run(Command::new("apt-get").arg("update"), "apt-get update")?;
    run(
        Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends", "postgresql"])
            .env("DEBIAN_FRONTEND", "noninteractive"),
        "apt-get install postgresql",
    )
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// As root: the `postgres` user if it exists, else `nobody`. Otherwise nobody else.
fn run_as_user() -> Option<String> {
    if !is_root() {
        return None;
    }
    let exists = |user: &str| {
        Command::new("id")
            .arg(user)
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    Some(
        if exists("postgres") {
            "postgres"
        } else {
            "nobody"
        }
        .to_string(),
    )
}
