//! Starting a `bao server -dev` child on a free loopback port, and always stopping it.

use std::fs::File;
use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::binary::ServerBin;
use super::{http, INTERRUPTED};

/// How long the server may take to answer `sys/health` with 200.
pub const START_TIMEOUT: Duration = Duration::from_secs(30);
/// Attempts when the port picked turns out to be taken by the time the server binds it.
const START_ATTEMPTS: u32 = 3;
/// Lines of the server log quoted in errors.
const LOG_TAIL_LINES: usize = 30;

/// A free TCP port on 127.0.0.1 (bound to port 0, then released).
pub fn free_loopback_port() -> Result<u16, String> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| format!("cannot bind 127.0.0.1:0 to pick a port: {e}"))?;
    let port = listener
        .local_addr()
        .map_err(|e| format!("cannot read the picked port: {e}"))?
        .port();
    Ok(port)
}

/// A random root token: 32 lowercase hex digits (128 bits from `/dev/urandom`).
pub fn random_token() -> String {
    let mut bytes = [0u8; 16];
    let filled = File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .is_ok();
    if !filled {
        // No /dev/urandom (not Unix): std's per-process random hash keys, mixed with the time.
        use std::hash::{BuildHasher, Hasher};
        for half in bytes.chunks_mut(8) {
            let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
            hasher.write_u128(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default()
                    .as_nanos(),
            );
            half.copy_from_slice(&hasher.finish().to_le_bytes());
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The last `n` lines of a log file, for error messages.
pub fn log_tail(path: &Path, n: usize) -> String {
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(n)..].join("\n")
        }
        Err(e) => format!("(cannot read {}: {e})", path.display()),
    }
}

/// A running dev server. Dropping it kills and reaps the process.
#[derive(Debug)]
pub struct DevServer {
    child: Child,
    pub addr: SocketAddr,
    pub token: String,
    pub log: PathBuf,
}

impl DevServer {
    /// Start `bin server -dev` on a free loopback port with a random root token, logging to
    /// `log_dir/dev-server-<port>.log`, and wait until `sys/health` answers 200.
    pub fn start(bin: &ServerBin, log_dir: &Path) -> Result<DevServer, String> {
        std::fs::create_dir_all(log_dir)
            .map_err(|e| format!("cannot create {}: {e}", log_dir.display()))?;
        let mut attempt = 1;
        loop {
            let mut server = Self::spawn(bin, log_dir)?;
            match server.wait_healthy(START_TIMEOUT) {
                Ok(()) => return Ok(server),
                Err(StartError::PortTaken) if attempt < START_ATTEMPTS => {
                    eprintln!(
                        "xtask: port {} was taken meanwhile, retrying",
                        server.addr.port()
                    );
                    attempt += 1;
                }
                Err(StartError::PortTaken) => {
                    return Err(server.failure("could not bind a free port"))
                }
                Err(StartError::Other(e)) => return Err(server.failure(&e)),
            }
        }
    }

    fn spawn(bin: &ServerBin, log_dir: &Path) -> Result<DevServer, String> {
        let port = free_loopback_port()?;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let token = random_token();
        let log = log_dir.join(format!("dev-server-{port}.log"));
        let out =
            File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let err = out
            .try_clone()
            .map_err(|e| format!("cannot reuse {}: {e}", log.display()))?;
        let child = Command::new(&bin.path)
            .arg("server")
            .arg("-dev")
            .arg(format!("-dev-root-token-id={token}"))
            .arg(format!("-dev-listen-address={addr}"))
            // Don't write the token to ~/.vault-token (or any token helper).
            .arg("-dev-no-store-token")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.path.display()))?;
        Ok(DevServer {
            child,
            addr,
            token,
            log,
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `Some(status)` if the server process has exited.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// An error message with the log path and its tail.
    pub fn failure(&self, what: &str) -> String {
        format!(
            "dev server at {}: {what}\nserver log: {}\n--- last {LOG_TAIL_LINES} lines ---\n{}",
            self.url(),
            self.log.display(),
            log_tail(&self.log, LOG_TAIL_LINES)
        )
    }

    fn wait_healthy(&mut self, timeout: Duration) -> Result<(), StartError> {
        let start = Instant::now();
        loop {
            if let Some(status) = self.exited() {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                if log.contains("address already in use") {
                    return Err(StartError::PortTaken);
                }
                return Err(StartError::Other(format!(
                    "exited during start-up ({status})"
                )));
            }
            if INTERRUPTED.load(Ordering::SeqCst) {
                return Err(StartError::Other("interrupted during start-up".into()));
            }
            let last = match http::get(self.addr, "/v1/sys/health", &[], Duration::from_secs(2)) {
                Ok(response) if response.status == 200 => return Ok(()),
                Ok(response) => format!(
                    "sys/health answered {}: {}",
                    response.status,
                    response.body.trim()
                ),
                Err(e) => format!("sys/health: {e}"),
            };
            if start.elapsed() >= timeout {
                return Err(StartError::Other(format!(
                    "no 200 from /v1/sys/health within {}s (last: {last})",
                    timeout.as_secs()
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

enum StartError {
    PortTaken,
    Other(String),
}

impl Drop for DevServer {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picked_port_is_free_loopback() {
        let port = free_loopback_port().unwrap();
        assert_ne!(port, 0);
        // Released: it can be bound again on loopback right away.
        TcpListener::bind((Ipv4Addr::LOCALHOST, port)).unwrap();
    }

    #[test]
    fn token_is_32_lowercase_hex_and_random() {
        let a = random_token();
        let b = random_token();
        for token in [&a, &b] {
            assert_eq!(token.len(), 32, "{token}");
            assert!(
                token
                    .bytes()
                    .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)),
                "{token}"
            );
        }
        assert_ne!(a, b);
    }

    #[test]
    fn log_tail_keeps_the_last_lines() {
        let path = std::env::temp_dir().join(format!("xtask-log-tail-{}.log", std::process::id()));
        std::fs::write(&path, "1\n2\n3\n4\n").unwrap();
        assert_eq!(log_tail(&path, 2), "3\n4");
        assert_eq!(log_tail(&path, 10), "1\n2\n3\n4");
        std::fs::remove_file(&path).unwrap();
        assert!(log_tail(&path, 2).starts_with("(cannot read"));
    }
}
