//! The failover soak: a real 3-node OpenBao raft cluster whose active node is killed (`kill -9`)
//! and started again round after round, while tasks read and write through a round-robin TCP
//! balancer with a 10 s AppRole token kept alive by the renewer (renewals, and a new login at
//! the 30 s max TTL).
//!
//! Asserted: no acknowledged write lost (each one read back with its value at the end, from the
//! active node), no call past its deadline (plus a tolerance for a loaded machine), the renewer
//! still running with a good token (`lookup-self` through the balancer), a new leader and writes
//! after every kill. Printed: the errors the callers saw, by kind, and the figures.
//!
//! `#[ignore]`d: it takes about three minutes and kills nodes, so `cargo xtask test` runs it last,
//! alone, after the other tests (`cargo test --all-features --test live_soak -- --ignored`). It
//! reads the cluster of `cargo xtask dev --cluster` / `cargo xtask test`
//! (`xtask/src/server/cluster.rs`): `HASHIVAULT_CLUSTER_ADDRS`, `_TOKEN`, `_PIDS`, and to start a
//! killed node again `_BIN`, `_CONFIGS`, `_UNSEAL_KEY`. Without them it fails under
//! `HASHIVAULT_REQUIRE_LIVE=1`, else it says it skipped. Nodes it starts stop with it (the
//! cluster keeps a quorum only while the test runs: run it last). `HASHIVAULT_SOAK_ROUNDS`
//! (default 5) and `HASHIVAULT_SOAK_PERIOD_SECS` (default 30) change its length;
//! `HASHIVAULT_SOAK_READ_YOUR_WRITES=1` turns on `read_your_writes` for the tasks' client (off by
//! default, as in any client). With it on, OpenBao 2.7.2's standbys that lag behind the index
//! the client carries answer `429` (also to the renewer's `renew-self` and logins, which carry
//! it too); the renewer retries, but its 10 s token can expire before a renewal gets through,
//! and the callers see `403`s until the next login.

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hashivault::auth::{AppRole, Login, RenewEvent, TokenStatus};
use hashivault::reqwest::Method;
use hashivault::{Client, Envelope, Error, JsonMap};
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Reading and writing tasks.
const TASKS: usize = 16;
/// The deadline of every call, and how far past it a call may end on a loaded 2-core machine.
const CALL_DEADLINE: Duration = Duration::from_secs(5);
const DEADLINE_TOLERANCE: Duration = Duration::from_secs(1);
/// How long a killed node stays down before it is started again.
const DOWN_FOR: Duration = Duration::from_secs(3);
/// The pause of each task between two writes.
const PACE: Duration = Duration::from_millis(150);
/// Bound of each wait for the cluster (a leader, a node answering, unsealed).
const WAIT: Duration = Duration::from_secs(60);

/// The cluster from the environment.
struct Env {
    addrs: Vec<String>,
    token: String,
    pids: Vec<u32>,
    bin: PathBuf,
    configs: Vec<PathBuf>,
    unseal_key: String,
}

fn env(test: &str) -> Option<Env> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let required = std::env::var("HASHIVAULT_REQUIRE_LIVE").is_ok_and(|v| v == "1");
    let names = [
        "HASHIVAULT_CLUSTER_ADDRS",
        "HASHIVAULT_CLUSTER_TOKEN",
        "HASHIVAULT_CLUSTER_PIDS",
        "HASHIVAULT_CLUSTER_BIN",
        "HASHIVAULT_CLUSTER_CONFIGS",
        "HASHIVAULT_CLUSTER_UNSEAL_KEY",
    ];
    let values: Vec<Option<String>> = names.iter().map(|n| var(n)).collect();
    if values.iter().any(Option::is_none) {
        let missing: Vec<&str> = names
            .iter()
            .zip(&values)
            .filter(|(_, v)| v.is_none())
            .map(|(n, _)| *n)
            .collect();
        if required {
            panic!("{test}: HASHIVAULT_REQUIRE_LIVE=1 but {missing:?} are not set (run `cargo xtask test`, or `cargo xtask dev --cluster` and export what it prints)");
        }
        eprintln!("SKIPPED {test}: no cluster ({missing:?} not set; `cargo xtask dev --cluster` prints them)");
        return None;
    }
    let list = |v: &Option<String>| -> Vec<String> {
        v.as_deref()
            .unwrap_or_default()
            .split(',')
            .map(|s| s.trim().to_string())
            .collect()
    };
    let env = Env {
        addrs: list(&values[0]),
        token: values[1].clone().unwrap_or_default(),
        pids: list(&values[2])
            .iter()
            .map(|p| p.parse().expect("a pid in HASHIVAULT_CLUSTER_PIDS"))
            .collect(),
        bin: PathBuf::from(values[3].clone().unwrap_or_default()),
        configs: list(&values[4]).into_iter().map(PathBuf::from).collect(),
        unseal_key: values[5].clone().unwrap_or_default(),
    };
    assert!(env.addrs.len() >= 3, "a 3-node cluster expected");
    assert_eq!(env.addrs.len(), env.pids.len(), "one pid per node");
    assert_eq!(env.addrs.len(), env.configs.len(), "one config per node");
    Some(env)
}

fn knob(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A node's process: the one `cargo xtask` started (a pid), or one this test started again
/// (killed when the test ends, whatever way it ends).
enum Proc {
    Xtask(u32),
    Own(Child),
}

impl Proc {
    fn kill(&mut self) {
        match self {
            Proc::Xtask(pid) => {
                // Already gone is fine (a test before this one killed it).
                let _ = Command::new("kill")
                    .args(["-9", &pid.to_string()])
                    .stderr(Stdio::null())
                    .status();
            }
            Proc::Own(child) => {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Proc::Own(child) = self {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The cluster as the test drives it.
struct Cluster {
    env: Env,
    procs: Vec<Proc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Active,
    Standby,
    Sealed,
    Down,
}

impl Cluster {
    fn probe(addr: &str) -> Client {
        Client::builder()
            .address(addr)
            .max_retries(0)
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap()
    }

    /// A node's role from `sys/health` (200 active, 429 standby, 503 sealed).
    async fn role(&self, i: usize) -> Role {
        let answer = Self::probe(&self.env.addrs[i])
            .request::<serde_json::Value, ()>(Method::GET, "sys/health", None)
            .await;
        match answer {
            Ok(_) => Role::Active,
            Err(e) if matches!(e.status(), Some(429 | 473)) => Role::Standby,
            Err(e) if e.status().is_some() => Role::Sealed,
            Err(_) => Role::Down,
        }
    }

    async fn roles(&self) -> Vec<Role> {
        let mut roles = Vec::new();
        for i in 0..self.env.addrs.len() {
            roles.push(self.role(i).await);
        }
        roles
    }

    /// Waits (bounded) until one node is active and every other standby; the active one.
    async fn settled(&self) -> usize {
        let start = Instant::now();
        loop {
            let roles = self.roles().await;
            let active: Vec<usize> = (0..roles.len())
                .filter(|&i| roles[i] == Role::Active)
                .collect();
            if active.len() == 1
                && roles
                    .iter()
                    .all(|r| matches!(r, Role::Active | Role::Standby))
            {
                return active[0];
            }
            assert!(
                start.elapsed() < WAIT,
                "the cluster did not settle within {WAIT:?}: {roles:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits (bounded) for an active node other than `not`; how long it took.
    async fn new_leader(&self, not: usize, since: Instant) -> (usize, Duration) {
        loop {
            for i in (0..self.env.addrs.len()).filter(|&i| i != not) {
                if self.role(i).await == Role::Active {
                    return (i, since.elapsed());
                }
            }
            assert!(since.elapsed() < WAIT, "no new leader within {WAIT:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Starts node `i` again from its config, unseals it and waits until it is a standby (or
    /// active); how long that took.
    async fn restart(&mut self, i: usize) -> Duration {
        let start = Instant::now();
        let config = &self.env.configs[i];
        let log = config.with_file_name("server.log");
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap();
        let child = Command::new(&self.env.bin)
            .arg("server")
            .arg(format!("-config={}", config.display()))
            .env_remove("VAULT_ADDR")
            .env_remove("VAULT_TOKEN")
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("start {} again: {e}", self.env.bin.display()));
        // Replacing the handle kills nothing: the old process is gone.
        self.procs[i] = Proc::Own(child);
        let unseal = Self::probe(&self.env.addrs[i]);
        loop {
            match self.role(i).await {
                Role::Active | Role::Standby => return start.elapsed(),
                Role::Sealed => {
                    let _ = unseal
                        .request::<serde_json::Value, _>(
                            Method::PUT,
                            "sys/unseal",
                            Some(&json!({"key": self.env.unseal_key})),
                        )
                        .await;
                }
                Role::Down => {}
            }
            if let Proc::Own(child) = &mut self.procs[i] {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!(
                        "node{} exited at restart ({status}); log {}",
                        i + 1,
                        log.display()
                    );
                }
            }
            assert!(
                start.elapsed() < WAIT,
                "node{} not unsealed within {WAIT:?}; log {}",
                i + 1,
                log.display()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// A round-robin TCP balancer on loopback: each connection goes to the next backend that
/// accepts one (a dead backend is skipped); bytes are copied both ways until either side closes.
struct Balancer {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Balancer {
    async fn start(backends: Vec<SocketAddr>) -> Balancer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let next = Arc::new(AtomicUsize::new(0));
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    continue;
                };
                let backends = backends.clone();
                let first = next.fetch_add(1, Ordering::Relaxed);
                tokio::spawn(async move {
                    for k in 0..backends.len() {
                        let backend = backends[(first + k) % backends.len()];
                        let connect = TcpStream::connect(backend);
                        if let Ok(Ok(mut outbound)) =
                            tokio::time::timeout(Duration::from_millis(500), connect).await
                        {
                            let _ =
                                tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                            return;
                        }
                    }
                    // No backend alive: the connection closes.
                });
            }
        });
        Balancer { addr, task }
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The kind of an error as the count table shows it: never a token, a path's key or a value.
fn kind(e: &Error) -> String {
    if e.is_deadline() {
        return "deadline".into();
    }
    if e.is_redirect() {
        return "redirect refused".into();
    }
    if e.is_transport() {
        return if e.is_timeout() {
            "transport: attempt timeout".into()
        } else {
            "transport".into()
        };
    }
    if let Some(status) = e.status() {
        let message: String = e
            .messages()
            .first()
            .map(|m| m.chars().take(70).collect())
            .unwrap_or_else(|| "(no message)".into());
        return format!("{status} {message}");
    }
    if e.is_too_large() {
        return "too large".into();
    }
    if e.is_decode() {
        return "decode".into();
    }
    "other".into()
}

#[derive(Default)]
struct Seen {
    count: usize,
    first: Duration,
    last: Duration,
}

impl Tally {
    /// A call that took `took`: the longest so far, or an overrun of its deadline.
    fn took(&mut self, took: Duration) {
        self.max_call = self.max_call.max(took);
        if took > CALL_DEADLINE + DEADLINE_TOLERANCE {
            self.overruns.push(took);
        }
    }

    fn error(&mut self, what: &str, e: &Error, since: Instant) {
        let at = since.elapsed();
        let seen = self
            .errors
            .entry(format!("{what}: {}", kind(e)))
            .or_default();
        if seen.count == 0 {
            seen.first = at;
        }
        seen.count += 1;
        seen.last = at;
    }
}

#[derive(Default)]
struct Tally {
    /// (path, value) of every acknowledged write.
    acked: Vec<(String, u64)>,
    writes: usize,
    reads: usize,
    stale_reads: usize,
    /// By kind: how many, and when first and last seen (since the load started).
    errors: BTreeMap<String, Seen>,
    overruns: Vec<Duration>,
    max_call: Duration,
    /// When the last acknowledged write ended.
    last_ack: Option<Instant>,
}

/// One task: writes a new key, every third write reads back an earlier one of its own, until
/// `stop`.
async fn worker(
    client: Client,
    prefix: String,
    task: usize,
    stop: Arc<AtomicBool>,
    tally: Arc<Mutex<Tally>>,
    since: Instant,
) {
    let mut seq: u64 = 0;
    let mut mine: Vec<(String, u64)> = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        seq += 1;
        let path = format!("{prefix}/t{task}/{seq}");
        let started = Instant::now();
        let result: Result<Envelope, Error> = client
            .request(Method::PUT, &path, Some(&json!({ "v": seq })))
            .await;
        let took = started.elapsed();
        {
            let mut t = tally.lock().unwrap();
            t.writes += 1;
            t.took(took);
            match &result {
                Ok(_) => {
                    t.acked.push((path.clone(), seq));
                    t.last_ack = Some(Instant::now());
                }
                Err(e) => t.error("write", e, since),
            }
        }
        if result.is_ok() {
            mine.push((path, seq));
        }
        if seq.is_multiple_of(3) && !mine.is_empty() {
            let (path, v) = mine[fastrand_index(seq, mine.len())].clone();
            let started = Instant::now();
            let read = client
                .request::<JsonMap, ()>(Method::GET, &path, None)
                .await;
            let took = started.elapsed();
            let mut t = tally.lock().unwrap();
            t.reads += 1;
            t.took(took);
            match read {
                Ok(env) if env.data.as_ref().and_then(|d| d.get("v")) == Some(&json!(v)) => {}
                Ok(_) => t.stale_reads += 1,
                Err(e) if e.is_not_found() => t.stale_reads += 1,
                Err(e) => t.error("read", &e, since),
            }
        }
        tokio::time::sleep(PACE).await;
    }
}

/// A cheap spread of indexes without a random crate.
fn fastrand_index(seed: u64, len: usize) -> usize {
    (seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 33) as usize % len
}

/// Sets up an AppRole role with 10 s tokens (30 s max) allowed to read and write `prefix/*`
/// (KV v1 at `kv/`); its role id and secret id.
async fn approle(root: &Client, tag: &str, prefix: &str) -> (String, String, String) {
    let mount = format!("soak-{tag}");
    let policy = format!("soak-{tag}");
    common::request_ok(
        root,
        Method::POST,
        &format!("sys/auth/{mount}"),
        json!({"type": "approle"}),
    )
    .await;
    let rules = format!(r#"path "{prefix}/*" {{ capabilities = ["create", "update", "read"] }}"#);
    let acl = format!("sys/policies/acl/{policy}");
    common::request_ok(root, Method::PUT, &acl, json!({ "policy": rules })).await;
    common::request_ok(
        root,
        Method::POST,
        &format!("auth/{mount}/role/app"),
        json!({
            "token_policies": ["default", policy],
            "token_ttl": "10s",
            "token_max_ttl": "30s",
        }),
    )
    .await;
    let role_id = format!("auth/{mount}/role/app/role-id");
    let role: Envelope = root
        .request(Method::GET, &role_id, None::<&()>)
        .await
        .unwrap();
    let secret_id = format!("auth/{mount}/role/app/secret-id");
    let secret = common::request_ok(root, Method::POST, &secret_id, json!({})).await;
    let field = |env: &Envelope<JsonMap>, name: &str| {
        env.data
            .as_ref()
            .and_then(|d| d.get(name))
            .and_then(|v| v.as_str())
            .unwrap_or_else(|| panic!("no {name} in the answer"))
            .to_string()
    };
    (mount, field(&role, "role_id"), field(&secret, "secret_id"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the failover soak (~3 min, kills cluster nodes): `cargo xtask test` runs it last"]
async fn failover_soak_through_a_tcp_balancer() {
    let Some(env) = env("failover_soak_through_a_tcp_balancer") else {
        return;
    };
    let rounds = knob("HASHIVAULT_SOAK_ROUNDS", 5) as usize;
    let period = Duration::from_secs(knob("HASHIVAULT_SOAK_PERIOD_SECS", 30));
    // Off, as a client is by default. On, a standby that lags behind the index the client
    // carries answers 429 (OpenBao 2.7.2) to the renewer too: its token then expires between
    // logins and callers see 403s (see the module docs).
    let read_your_writes = knob("HASHIVAULT_SOAK_READ_YOUR_WRITES", 0) == 1;
    let soak_started = Instant::now();
    let procs = env.pids.iter().map(|&pid| Proc::Xtask(pid)).collect();
    let mut cluster = Cluster { env, procs };
    // A node killed by an earlier test (the failover test of live_cluster.rs) comes back first.
    for (i, role) in cluster.roles().await.into_iter().enumerate() {
        if role == Role::Down {
            let took = cluster.restart(i).await;
            eprintln!("soak: node{} was down; started again in {took:.1?}", i + 1);
        }
    }
    let active = cluster.settled().await;
    let root = Client::builder()
        .address(&cluster.env.addrs[active])
        .token(&cluster.env.token)
        .build()
        .unwrap();
    let tag = common::unique("soak");
    let prefix = format!("kv/{tag}");
    let (mount, role_id, secret_id) = approle(&root, &tag, &prefix).await;
    // Standbys answer a login from their own copy of the data: wait until every node has the
    // new role and secret id (a standby just started again may lag), so that the renewer's
    // first login through the balancer is not refused for that.
    for addr in &cluster.env.addrs {
        let node = Cluster::probe(addr);
        let start = Instant::now();
        let login = AppRole::new(
            mount.clone(),
            role_id.clone(),
            Some(secret_id.clone().into()),
        );
        while let Err(e) = login.login(&node).await {
            assert!(
                start.elapsed() < WAIT,
                "{addr} refuses the new role's login after {WAIT:?}: {e}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    let backends: Vec<SocketAddr> = cluster
        .env
        .addrs
        .iter()
        .map(|a| a.trim_start_matches("http://").parse().unwrap())
        .collect();
    let balancer = Balancer::start(backends).await;
    let client = Client::builder()
        .address(format!("http://{}", balancer.addr))
        .timeout(Duration::from_secs(2))
        .deadline(CALL_DEADLINE)
        .read_your_writes(read_your_writes)
        .retry_policy(common::retries(10, 100, 1000))
        .build()
        .unwrap();
    let renewer = client
        .auth()
        .renewer()
        .login(AppRole::new(mount, role_id, Some(secret_id.into())))
        .spawn();
    tokio::time::timeout(Duration::from_secs(30), renewer.ready())
        .await
        .expect("the first login within 30 s")
        .expect("the first login");
    let mut renew_events = renewer.events();
    let load_started = Instant::now();
    let renewals = tokio::spawn(async move {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        let mut logins = Vec::new();
        while let Some(event) = renew_events.next().await {
            if let RenewEvent::LoggedIn { .. } = event {
                logins.push(format!("{:.1?}", load_started.elapsed()));
            }
            let name = match &event {
                RenewEvent::RenewFailed { error, .. } => format!("RenewFailed ({})", kind(error)),
                RenewEvent::LoginFailed { error, .. } => format!("LoginFailed ({})", kind(error)),
                RenewEvent::Stopped(reason) => format!("Stopped ({reason})"),
                other => format!("{other:?}")
                    .split([' ', '(', '{'])
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            };
            *counts.entry(name).or_default() += 1;
        }
        (counts, logins)
    });

    let stop = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let workers: Vec<JoinHandle<()>> = (0..TASKS)
        .map(|task| {
            tokio::spawn(worker(
                client.clone(),
                prefix.clone(),
                task,
                stop.clone(),
                tally.clone(),
                load_started,
            ))
        })
        .collect();

    // The rounds: the active node killed, down a moment, started again and unsealed.
    let mut figures = Vec::new();
    let mut last_kill = load_started;
    for round in 1..=rounds {
        let due = load_started + period * round as u32 - period / 2;
        tokio::time::sleep(due.saturating_duration_since(Instant::now())).await;
        let active = cluster.settled().await;
        let acked_before = tally.lock().unwrap().acked.len();
        let killed_at = Instant::now();
        last_kill = killed_at;
        cluster.procs[active].kill();
        while cluster.role(active).await != Role::Down {
            assert!(
                killed_at.elapsed() < Duration::from_secs(10),
                "node{} still answers after it was killed: HASHIVAULT_CLUSTER_PIDS does not \
                 name its process (was it started again by hand?)",
                active + 1
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let (leader, elected_in) = cluster.new_leader(active, killed_at).await;
        tokio::time::sleep(DOWN_FOR.saturating_sub(killed_at.elapsed())).await;
        let rejoined_in = cluster.restart(active).await;
        figures.push(format!(
            "round {round}: at {:.1?} killed node{} (active), node{} elected in {elected_in:.1?}, node{} back \
             as standby {rejoined_in:.1?} after its restart; {} writes acked before the kill",
            killed_at - load_started,
            active + 1,
            leader + 1,
            active + 1,
            acked_before
        ));
    }
    // Load after the last round, then stop.
    tokio::time::sleep(period / 2).await;
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        tokio::time::timeout(CALL_DEADLINE * 3, w)
            .await
            .expect("a task stops within its calls' deadlines")
            .unwrap();
    }
    let load_time = load_started.elapsed();

    // The renewer kept going: still running, a good token through the balancer.
    let active = cluster.settled().await;
    assert!(
        !renewer.is_finished(),
        "the renewer stopped: {:?}",
        renewer.status()
    );
    assert!(
        matches!(renewer.status(), TokenStatus::Valid { .. }),
        "{:?}",
        renewer.status()
    );
    let info = client
        .auth()
        .lookup_self()
        .await
        .expect("lookup-self with the renewer's token");
    assert!(info.ttl > 0, "a live token");

    // Every acknowledged write, read back from the active node.
    let tally = std::mem::take(&mut *tally.lock().unwrap());
    let root = Client::builder()
        .address(&cluster.env.addrs[active])
        .token(&cluster.env.token)
        .deadline(Duration::from_secs(30))
        .build()
        .unwrap();
    let acked = Arc::new(tally.acked.clone());
    let checkers: Vec<JoinHandle<Vec<String>>> = (0..8)
        .map(|k| {
            let (root, acked) = (root.clone(), acked.clone());
            tokio::spawn(async move {
                let mut lost = Vec::new();
                for (path, v) in acked.iter().skip(k).step_by(8) {
                    let read = root.request::<JsonMap, ()>(Method::GET, path, None).await;
                    match read {
                        Ok(env)
                            if env.data.as_ref().and_then(|d| d.get("v")) == Some(&json!(v)) => {}
                        Ok(_) => lost.push(format!("{path}: another value")),
                        Err(e) => lost.push(format!("{path}: {}", kind(&e))),
                    }
                }
                lost
            })
        })
        .collect();
    let mut lost = Vec::new();
    for c in checkers {
        lost.extend(c.await.unwrap());
    }

    drop(renewer);
    let (renew_counts, logins) = tokio::time::timeout(Duration::from_secs(5), renewals)
        .await
        .expect("the event reader ends with the renewer")
        .unwrap();
    drop(balancer);

    let failed: usize = tally.errors.values().map(|s| s.count).sum();
    eprintln!("soak: {}", figures.join("\nsoak: "));
    eprintln!("soak: new logins of the renewer at {}", logins.join(", "));
    eprintln!("soak: errors the callers saw, by kind ({failed} failed calls):");
    eprintln!(
        "soak:   {:>6}  {:>8}  {:>8}  kind",
        "count", "first", "last"
    );
    for (k, s) in &tally.errors {
        eprintln!(
            "soak:   {:>6}  {:>8}  {:>8}  {k}",
            s.count,
            format!("{:.1?}", s.first),
            format!("{:.1?}", s.last)
        );
    }
    eprintln!("soak: renewer events: {renew_counts:?}");
    eprintln!(
        "figures: failover soak: {rounds} rounds ({period:?} apart), {TASKS} tasks through a TCP \
         balancer (read_your_writes {read_your_writes}) for {load_time:.0?}: {} writes ({} acked, {} lost), {} reads ({} stale), {failed} \
         failed calls, {} past the deadline {CALL_DEADLINE:?} (+{DEADLINE_TOLERANCE:?}), longest \
         call {:.2?}; renewer: {} renewals, {} logins; total {:.0?}",
        tally.writes,
        tally.acked.len(),
        lost.len(),
        tally.reads,
        tally.stale_reads,
        tally.overruns.len(),
        tally.max_call,
        renew_counts.get("Renewed").copied().unwrap_or(0),
        renew_counts.get("LoggedIn").copied().unwrap_or(0),
        soak_started.elapsed(),
    );
    assert!(
        lost.is_empty(),
        "acknowledged writes lost: {:?}",
        &lost[..lost.len().min(20)]
    );
    assert!(
        tally.overruns.is_empty(),
        "calls past their deadline: {:?}",
        tally.overruns
    );
    assert!(
        tally.last_ack.is_some_and(|t| t > last_kill),
        "no write acknowledged after the last kill"
    );
    assert!(
        renew_counts.get("LoggedIn").copied().unwrap_or(0) >= 1,
        "the 30 s max TTL forces new logins: {renew_counts:?}"
    );
    assert!(
        !renew_counts
            .keys()
            .any(|k| k.starts_with("Stopped (") && !k.contains("by its owner")),
        "{renew_counts:?}"
    );
}
