//! A throwaway 3-node OpenBao raft cluster on loopback, for the cluster live tests.
//!
//! The same binary as the dev server ([`super::binary`]) runs `server -config=…` three times,
//! each node with raft storage in `target/tools/cluster-<port>/nodeN/`, a plain-HTTP listener
//! on a free port of 127.0.0.1 (`api_addr`) and a cluster port (`cluster_addr`, raft and
//! request forwarding, TLS of the server's own), `disable_mlock = true`. Node 1 is initialised
//! with one key share, unsealed, and its autopilot told to promote new nodes after 1 s; nodes
//! 2 and 3 join it (`sys/storage/raft/join`) and are unsealed. The start waits (bounded) until
//! node 1 is active, the others standby, and all three are raft voters, then mounts KV v1 at
//! `kv/`. Dropping the guard kills the nodes and removes the directory (on Ctrl-C too: every
//! wait checks [`INTERRUPTED`] and the error drops the guard).
//!
//! The tests read it from [`ADDRS_VAR`] (node addresses, active first), [`TOKEN_VAR`] (the
//! root token) and [`PIDS_VAR`] (the node processes, same order: the failover test kills the
//! active one). What it takes to start a node again after a test killed it is exported too:
//! [`BIN_VAR`] (the server binary), [`CONFIGS_VAR`] (each node's config file, same order; a
//! node started again with it keeps its raft data and ports) and [`UNSEAL_KEY_VAR`] (the one
//! unseal key). The failover soak (`tests/live_soak.rs`) uses them to kill and restart the
//! active node round after round; nodes it started stop with it, so it runs last, alone.

use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::binary::ServerBin;
use super::process::log_tail;
use super::{http, INTERRUPTED};

/// Node addresses, comma-separated, the active node first.
pub const ADDRS_VAR: &str = "HASHIVAULT_CLUSTER_ADDRS";
/// The cluster's root token.
pub const TOKEN_VAR: &str = "HASHIVAULT_CLUSTER_TOKEN";
/// The node process ids, comma-separated, in the order of [`ADDRS_VAR`].
pub const PIDS_VAR: &str = "HASHIVAULT_CLUSTER_PIDS";
/// The server binary the nodes run (`<bin> server -config=<file>` starts one again).
pub const BIN_VAR: &str = "HASHIVAULT_CLUSTER_BIN";
/// Each node's config file, comma-separated, in the order of [`ADDRS_VAR`].
pub const CONFIGS_VAR: &str = "HASHIVAULT_CLUSTER_CONFIGS";
/// The unseal key (one share, threshold one) of a node started again.
pub const UNSEAL_KEY_VAR: &str = "HASHIVAULT_CLUSTER_UNSEAL_KEY";

/// Nodes in the cluster.
const NODES: usize = 3;
/// How long each start-up step may take (a node answering, init, joins, elections).
const STEP_TIMEOUT: Duration = Duration::from_secs(60);
/// Per-request timeout of the set-up calls.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// Lines of each node's log quoted in errors.
const LOG_TAIL_LINES: usize = 15;

/// One node: its process, ports and files.
#[derive(Debug)]
struct Node {
    child: Child,
    api: SocketAddr,
    log: PathBuf,
    config: PathBuf,
}

/// A running cluster. Dropping it kills every node and removes its directory.
#[derive(Debug)]
pub struct Cluster {
    nodes: Vec<Node>,
    dir: PathBuf,
    bin: PathBuf,
    pub token: String,
    unseal_key: String,
}

impl Cluster {
    /// Starts the cluster with `bin` under `tools` (see the module docs) and waits until it is
    /// ready: node 1 active, nodes 2 and 3 standby voters, KV v1 at `kv/`.
    pub fn start(bin: &ServerBin, tools: &Path) -> Result<Cluster, String> {
        let ports = free_ports(2 * NODES)?;
        let dir = tools.join(format!("cluster-{}", ports[0]));
        let _ = std::fs::remove_dir_all(&dir);
        let mut cluster = Cluster {
            nodes: Vec::new(),
            dir,
            bin: bin.path.clone(),
            token: String::new(),
            unseal_key: String::new(),
        };
        for i in 0..NODES {
            let node = cluster.spawn(bin, i, ports[2 * i], ports[2 * i + 1])?;
            cluster.nodes.push(node);
        }
        cluster.form()?;
        Ok(cluster)
    }

    /// `http://127.0.0.1:<port>` of every node, node 1 (the active one) first.
    pub fn urls(&self) -> Vec<String> {
        self.nodes
            .iter()
            .map(|n| format!("http://{}", n.api))
            .collect()
    }

    /// The node process ids, in the order of [`Cluster::urls`].
    pub fn pids(&self) -> Vec<u32> {
        self.nodes.iter().map(|n| n.child.id()).collect()
    }

    /// The environment the tests read: `(name, value)` for [`ADDRS_VAR`], [`TOKEN_VAR`],
    /// [`PIDS_VAR`], and for starting a node again [`BIN_VAR`], [`CONFIGS_VAR`],
    /// [`UNSEAL_KEY_VAR`].
    pub fn env(&self) -> [(&'static str, String); 6] {
        let pids: Vec<String> = self.pids().iter().map(u32::to_string).collect();
        let configs: Vec<String> = self
            .nodes
            .iter()
            .map(|n| n.config.display().to_string())
            .collect();
        [
            (ADDRS_VAR, self.urls().join(",")),
            (TOKEN_VAR, self.token.clone()),
            (PIDS_VAR, pids.join(",")),
            (BIN_VAR, self.bin.display().to_string()),
            (CONFIGS_VAR, configs.join(",")),
            (UNSEAL_KEY_VAR, self.unseal_key.clone()),
        ]
    }

    /// Some node process has exited: `(node number, status)`.
    pub fn exited(&mut self) -> Option<(usize, std::process::ExitStatus)> {
        self.nodes
            .iter_mut()
            .enumerate()
            .find_map(|(i, n)| n.child.try_wait().ok().flatten().map(|s| (i + 1, s)))
    }

    /// Writes node `i`'s config and starts it.
    fn spawn(&self, bin: &ServerBin, i: usize, api: u16, cluster: u16) -> Result<Node, String> {
        let name = format!("node{}", i + 1);
        let home = self.dir.join(&name);
        let raft = home.join("raft");
        std::fs::create_dir_all(&raft)
            .map_err(|e| format!("cannot create {}: {e}", raft.display()))?;
        let config = home.join("config.hcl");
        std::fs::write(&config, node_config(&name, &raft, api, cluster))
            .map_err(|e| format!("cannot write {}: {e}", config.display()))?;
        let log = home.join("server.log");
        let out =
            File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let err = out
            .try_clone()
            .map_err(|e| format!("cannot reuse {}: {e}", log.display()))?;
        let child = Command::new(&bin.path)
            .arg("server")
            .arg(format!("-config={}", config.display()))
            .env_remove("VAULT_ADDR")
            .env_remove("VAULT_TOKEN")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot start {} for {name}: {e}", bin.path.display()))?;
        Ok(Node {
            child,
            api: SocketAddr::from((Ipv4Addr::LOCALHOST, api)),
            log,
            config,
        })
    }

    /// Init, unseal, join, and wait for the roles; then mount `kv/`.
    fn form(&mut self) -> Result<(), String> {
        for i in 0..NODES {
            self.wait_health(i, "answering", |status| status == 501)?;
        }
        let init = self.call(
            0,
            "PUT",
            "/v1/sys/init",
            Some(json!({"secret_shares": 1, "secret_threshold": 1})),
        )?;
        let key = init["keys"][0]
            .as_str()
            .ok_or_else(|| self.failure(&format!("sys/init answered no key: {init}")))?
            .to_string();
        self.unseal_key = key.clone();
        self.token = init["root_token"]
            .as_str()
            .ok_or_else(|| self.failure("sys/init answered no root token"))?
            .to_string();
        let first = self.call(0, "PUT", "/v1/sys/unseal", Some(json!({ "key": key })))?;
        if first["sealed"] != false {
            return Err(self.failure(&format!("node1 still sealed: {first}")));
        }
        self.wait_health(0, "active", |status| status == 200)?;
        // New nodes become voters after autopilot's stabilization time (10 s by default).
        self.call(
            0,
            "POST",
            "/v1/sys/storage/raft/autopilot/configuration",
            Some(json!({"server_stabilization_time": "1s", "cleanup_dead_servers": false})),
        )?;
        let leader = format!("http://{}", self.nodes[0].api);
        for i in 1..NODES {
            let joined = self.call(
                i,
                "POST",
                "/v1/sys/storage/raft/join",
                Some(json!({"leader_api_addr": leader})),
            )?;
            if joined["joined"] != true {
                return Err(self.failure(&format!("node{} did not join: {joined}", i + 1)));
            }
            // A joined node unseals asynchronously (it then answers the leader's bootstrap
            // challenge): the answer still says sealed; the standby wait below sees the end.
            self.call(i, "PUT", "/v1/sys/unseal", Some(json!({ "key": key })))?;
        }
        for i in 1..NODES {
            // 429: an unsealed standby (473: a performance standby).
            self.wait_health(i, "standby", |status| status == 429 || status == 473)?;
        }
        self.wait_voters()?;
        self.call(
            0,
            "POST",
            "/v1/sys/mounts/kv",
            Some(json!({"type": "kv", "options": {"version": "1"}})),
        )?;
        for i in 0..NODES {
            self.wait_mounted(i)?;
        }
        Ok(())
    }

    /// Waits until node `i` routes `kv/` (a standby learns of a new mount a moment later):
    /// a missing key there is a plain 404, not "no handler for route".
    fn wait_mounted(&mut self, i: usize) -> Result<(), String> {
        let start = Instant::now();
        loop {
            self.check_alive()?;
            let answer = http::get(
                self.nodes[i].api,
                "/v1/kv/xtask-mount-probe",
                &[("X-Vault-Token", &self.token)],
                CALL_TIMEOUT,
            );
            let last = match answer {
                Ok(a) if a.status == 404 && !a.body.contains("no handler") => return Ok(()),
                Ok(a) => format!("{} {}", a.status, a.body.trim()),
                Err(e) => e.to_string(),
            };
            if start.elapsed() >= STEP_TIMEOUT {
                return Err(self.failure(&format!(
                    "node{} does not route kv/ within {}s (last: {last})",
                    i + 1,
                    STEP_TIMEOUT.as_secs()
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until node 1 lists all nodes as raft voters.
    fn wait_voters(&mut self) -> Result<(), String> {
        let start = Instant::now();
        loop {
            self.check_alive()?;
            let config = self.call(0, "GET", "/v1/sys/storage/raft/configuration", None)?;
            let servers = config["data"]["config"]["servers"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let voters = servers.iter().filter(|s| s["voter"] == true).count();
            if voters == NODES {
                return Ok(());
            }
            if start.elapsed() >= STEP_TIMEOUT {
                return Err(self.failure(&format!(
                    "{voters} of {NODES} raft voters after {}s: {}",
                    STEP_TIMEOUT.as_secs(),
                    Value::Array(servers)
                )));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Polls node `i`'s `sys/health` until its status code satisfies `ready`.
    fn wait_health(&mut self, i: usize, what: &str, ready: fn(u16) -> bool) -> Result<(), String> {
        let start = Instant::now();
        loop {
            self.check_alive()?;
            let addr = self.nodes[i].api;
            let last = match http::get(addr, "/v1/sys/health", &[], Duration::from_secs(2)) {
                Ok(answer) if ready(answer.status) => return Ok(()),
                Ok(answer) => format!("{} {}", answer.status, answer.body.trim()),
                Err(e) => e.to_string(),
            };
            if start.elapsed() >= STEP_TIMEOUT {
                return Err(self.failure(&format!(
                    "node{} not {what} within {}s (last sys/health: {last})",
                    i + 1,
                    STEP_TIMEOUT.as_secs()
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Fails if a node died or the user interrupted.
    fn check_alive(&mut self) -> Result<(), String> {
        if INTERRUPTED.load(Ordering::SeqCst) {
            return Err("interrupted while starting the cluster".into());
        }
        match self.exited() {
            Some((n, status)) => Err(self.failure(&format!("node{n} exited ({status})"))),
            None => Ok(()),
        }
    }

    /// A set-up call on node `i` with the root token (once known); its JSON answer, which must
    /// be 2xx.
    fn call(
        &self,
        i: usize,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let body = body.map(|b| b.to_string());
        let headers: &[(&str, &str)] = if self.token.is_empty() {
            &[]
        } else {
            &[("X-Vault-Token", &self.token)]
        };
        let answer = http::send(
            self.nodes[i].api,
            method,
            path,
            headers,
            body.as_deref(),
            CALL_TIMEOUT,
        )
        .map_err(|e| self.failure(&format!("{method} {path} on node{}: {e}", i + 1)))?;
        if !(200..300).contains(&answer.status) {
            return Err(self.failure(&format!(
                "{method} {path} on node{} answered {}: {}",
                i + 1,
                answer.status,
                answer.body.trim()
            )));
        }
        if answer.body.trim().is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&answer.body)
            .map_err(|e| self.failure(&format!("{method} {path}: not JSON ({e})")))
    }

    /// An error message with each node's log tail.
    fn failure(&self, what: &str) -> String {
        let mut message = format!("raft cluster in {}: {what}", self.dir.display());
        for (i, node) in self.nodes.iter().enumerate() {
            message.push_str(&format!(
                "\n--- node{} ({}) log {}, last {LOG_TAIL_LINES} lines ---\n{}",
                i + 1,
                node.api,
                node.log.display(),
                log_tail(&node.log, LOG_TAIL_LINES)
            ));
        }
        message
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            if let Ok(None) = node.child.try_wait() {
                let _ = node.child.kill();
            }
            let _ = node.child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The config file of one node. Nodes 2 and 3 join with `sys/storage/raft/join`.
fn node_config(name: &str, raft: &Path, api: u16, cluster: u16) -> String {
    format!(
        r#"storage "raft" {{
  path = "{raft}"
  node_id = "{name}"
  # Elections within about a second of a leader's death (Vault's default multiplier is 5).
  performance_multiplier = 1
}}

listener "tcp" {{
  address = "127.0.0.1:{api}"
  cluster_address = "127.0.0.1:{cluster}"
  tls_disable = true
}}

api_addr = "http://127.0.0.1:{api}"
cluster_addr = "https://127.0.0.1:{cluster}"
disable_mlock = true
ui = false
log_level = "info"
"#,
        raft = raft.display()
    )
}

/// `n` distinct free ports of 127.0.0.1 (all bound at once, then released).
fn free_ports(n: usize) -> Result<Vec<u16>, String> {
    let listeners = (0..n)
        .map(|_| {
            TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
                .map_err(|e| format!("cannot bind 127.0.0.1:0 to pick a port: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    listeners
        .iter()
        .map(|l| {
            l.local_addr()
                .map(|a| a.port())
                .map_err(|e| format!("cannot read the picked port: {e}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picked_ports_are_distinct() {
        let mut ports = free_ports(6).unwrap();
        ports.sort_unstable();
        ports.dedup();
        assert_eq!(ports.len(), 6);
    }

    #[test]
    fn config_names_the_node_ports_and_storage() {
        let config = node_config("node2", Path::new("/x/node2/raft"), 8300, 8301);
        for line in [
            r#"path = "/x/node2/raft""#,
            r#"node_id = "node2""#,
            r#"address = "127.0.0.1:8300""#,
            r#"cluster_address = "127.0.0.1:8301""#,
            "tls_disable = true",
            r#"api_addr = "http://127.0.0.1:8300""#,
            r#"cluster_addr = "https://127.0.0.1:8301""#,
            "disable_mlock = true",
        ] {
            assert!(config.contains(line), "{line} missing from\n{config}");
        }
    }

    /// The exported config files are the ones the nodes run with, and a node started again
    /// from one is the same node (same ports, same raft directory).
    #[test]
    fn env_names_what_restarts_a_node() {
        let dir = std::env::temp_dir().join(format!("xtask-cluster-env-{}", std::process::id()));
        let nodes = (0..NODES)
            .map(|i| {
                let home = dir.join(format!("node{}", i + 1));
                Node {
                    child: Command::new("true").spawn().unwrap(),
                    api: SocketAddr::from((Ipv4Addr::LOCALHOST, 8200 + 2 * i as u16)),
                    log: home.join("server.log"),
                    config: home.join("config.hcl"),
                }
            })
            .collect();
        let cluster = Cluster {
            nodes,
            dir: dir.clone(),
            bin: PathBuf::from("/opt/bao"),
            token: "root".into(),
            unseal_key: "key".into(),
        };
        let env: std::collections::HashMap<_, _> = cluster.env().into_iter().collect();
        assert_eq!(
            env[ADDRS_VAR],
            "http://127.0.0.1:8200,http://127.0.0.1:8202,http://127.0.0.1:8204"
        );
        assert_eq!(env[BIN_VAR], "/opt/bao");
        assert_eq!(env[UNSEAL_KEY_VAR], "key");
        let configs: Vec<&str> = env[CONFIGS_VAR].split(',').collect();
        assert_eq!(configs.len(), NODES);
        for (i, config) in configs.iter().enumerate() {
            assert!(
                config.ends_with(&format!("node{}/config.hcl", i + 1)),
                "{config}"
            );
        }
        assert_eq!(env[PIDS_VAR].split(',').count(), NODES);
        drop(cluster);
        assert!(!dir.exists());
    }

    /// Really starts a cluster with the project's server binary: roles, `kv/`, and a write
    /// through a standby read back from the active node; dropping the guard stops every node.
    #[test]
    fn live_cluster_forms_and_stops() {
        let tools = super::super::tools_dir();
        let bin = super::super::binary::resolve(&tools).expect("find or install a server binary");
        let cluster = Cluster::start(&bin, &tools).expect("start the cluster");
        let token = cluster.token.clone();
        let auth = [("X-Vault-Token", token.as_str())];
        let put = http::send(
            cluster.nodes[1].api,
            "PUT",
            "/v1/kv/xtask-probe",
            &auth,
            Some(r#"{"v":"1"}"#),
            CALL_TIMEOUT,
        )
        .unwrap();
        assert_eq!(put.status, 204, "{}", put.body);
        let get = http::get(
            cluster.nodes[0].api,
            "/v1/kv/xtask-probe",
            &auth,
            CALL_TIMEOUT,
        )
        .unwrap();
        assert_eq!(get.status, 200, "{}", get.body);
        assert!(get.body.contains(r#""v":"1""#), "{}", get.body);
        let (dir, pids) = (cluster.dir.clone(), cluster.pids());
        drop(cluster);
        assert!(!dir.exists(), "{} left behind", dir.display());
        #[cfg(target_os = "linux")]
        for pid in pids {
            assert!(
                !Path::new(&format!("/proc/{pid}")).exists(),
                "node pid {pid} still exists after the guard dropped"
            );
        }
    }
}
