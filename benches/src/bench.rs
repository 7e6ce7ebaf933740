//! hashivault's own cost beside the HTTP round trip, measured side by side with the floor (bare
//! `reqwest` + `serde_json`) and the peer (vaultrs 0.8), in one run, so that the figures are
//! ratios that hold on a noisy machine.
//!
//! ```text
//! cargo run --release -p hashivault-bench -- [--quick]
//! ```
//!
//! See `benches/README.md` for what is measured and how.

mod alloc;
mod server;

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hashivault::reqwest;
use serde::de::DeserializeOwned;
use serde::Deserialize;

#[global_allocator]
static GLOBAL: alloc::Counting = alloc::Counting;

/// `hashivault::Client` is cheap to clone and shareable across tasks and threads.
const _: () = {
    const fn assert_shareable<T: Clone + Send + Sync + 'static>() {}
    assert_shareable::<hashivault::Client>();
};

const TOKEN: &str = "hvs.CAESIBenchmarkTokenNotARealOne0123456789";

// ---------------------------------------------------------------------------------------------
// The secret's types, as an application declares them (floor and vaultrs parse into these).

#[derive(Deserialize, serde::Serialize)]
struct AppConfig {
    username: String,
    password: String,
    host: String,
    port: String,
}

#[derive(Deserialize)]
struct Bundle {
    bundle: String,
    format: String,
}

/// The floor's typed KV v2 answer: the whole envelope, typed.
#[derive(Deserialize)]
#[allow(dead_code)]
struct KvRead<T> {
    request_id: String,
    lease_id: String,
    renewable: bool,
    lease_duration: u64,
    data: KvData<T>,
    warnings: Option<Vec<String>>,
    #[serde(default)]
    mount_type: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct KvData<T> {
    data: T,
    metadata: KvMetadata,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct KvMetadata {
    created_time: String,
    custom_metadata: Option<std::collections::HashMap<String, String>>,
    deletion_time: String,
    destroyed: bool,
    version: u64,
}

/// The floor's typed answers of a write (the version's metadata), a login and a list.
#[derive(Deserialize)]
#[allow(dead_code)]
struct FloorEnvelope<T> {
    request_id: String,
    lease_id: String,
    renewable: bool,
    lease_duration: u64,
    data: Option<T>,
    warnings: Option<Vec<String>>,
    auth: Option<FloorAuth>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct FloorAuth {
    client_token: String,
    accessor: String,
    policies: Vec<String>,
    token_policies: Vec<String>,
    metadata: Option<std::collections::HashMap<String, String>>,
    lease_duration: u64,
    renewable: bool,
    entity_id: String,
    token_type: String,
    orphan: bool,
    num_uses: u64,
}

#[derive(Deserialize)]
struct FloorKeys {
    keys: Vec<String>,
}

/// The secret the write cell writes (the small secret's values).
fn write_secret() -> AppConfig {
    AppConfig {
        username: "app".into(),
        password: "s3cr3t-pa55w0rd-9f2c1e".into(),
        host: "db.internal.example".into(),
        port: "5432".into(),
    }
}

/// What a write returns for `check_same`: whether it made a version (a real server's version
/// grows with each write, so the number itself differs between clients).
fn written(version: u64) -> usize {
    usize::from(version > 0)
}

/// The AppRole credentials of the login cell: fixed for the loopback server, the dev server's
/// own for the end-to-end rows.
#[derive(Clone)]
struct AppRoleCreds {
    role_id: Arc<str>,
    secret_id: Arc<str>,
}

fn loopback_creds() -> AppRoleCreds {
    AppRoleCreds {
        role_id: Arc::from("7e118898-b0ba-542a-d992-07676a76f061"),
        secret_id: Arc::from("5a42711a-2f56-1f4e-e363-9c0be3f65579"),
    }
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct FloorHealth {
    initialized: bool,
    sealed: bool,
    standby: bool,
    version: String,
    cluster_name: String,
}

// ---------------------------------------------------------------------------------------------
// What is requested and by whom.

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Op {
    /// KV v2 read of the small secret.
    KvSmall,
    /// `sys/health`.
    Health,
    /// KV v2 read of the 1 MiB secret.
    KvBig,
    /// KV v2 read of the 1 MiB secret sent chunked, as OpenBao sends large answers.
    KvBigChunked,
    /// KV v2 write of the small secret.
    KvWrite,
    /// AppRole login.
    Login,
    /// KV v2 list of 1,000 keys.
    List,
}

impl Op {
    fn label(self) -> &'static str {
        match self {
            Op::KvSmall => "KV v2 read, small secret",
            Op::Health => "sys/health",
            Op::KvBig => "KV v2 read, 1 MiB secret",
            Op::KvBigChunked => "KV v2 read, 1 MiB secret, chunked",
            Op::KvWrite => "KV v2 write, small secret",
            Op::Login => "AppRole login",
            Op::List => "KV v2 list, 1,000 keys",
        }
    }
}

#[derive(Clone)]
enum Target {
    /// A bare `reqwest::Client` GET with `X-Vault-Token` and a typed `serde_json` parse; with
    /// `map` (`--profile floor-map` only), a small KV read decodes the secret into a
    /// `serde_json::Map`, the shape the generated call returns it in.
    Floor {
        http: reqwest::Client,
        base: Arc<str>,
        token: reqwest::header::HeaderValue,
        creds: AppRoleCreds,
        map: bool,
    },
    /// hashivault's generated `api` call (`sys_health()` for health: the generated operation
    /// has no response body in Vault's document).
    Hashivault(hashivault::Client, AppRoleCreds),
    /// hashivault's typed KV layer: `client.kv2(mount).read::<T>(path)`, and its label (the
    /// default client, or one built `without_timeout()`).
    HashivaultKv2(hashivault::Client, &'static str, AppRoleCreds),
    /// vaultrs 0.8: `kv2::read` and `sys::health`.
    Vaultrs(Arc<vaultrs::client::VaultClient>, AppRoleCreds),
}

impl Target {
    fn name(&self) -> &'static str {
        match self {
            Target::Floor { map: true, .. } => "floor, the secret as a serde_json::Map",
            Target::Floor { .. } => "floor: reqwest + serde_json",
            Target::Hashivault(..) => "hashivault (generated api)",
            Target::HashivaultKv2(_, label, _) => label,
            Target::Vaultrs(..) => "vaultrs 0.8",
        }
    }

    /// One request; returns the length of a field of the answer (checked equal for all).
    async fn call(&self, op: Op, mount: &str, path: &str) -> Result<usize, String> {
        match op {
            Op::KvWrite | Op::Login | Op::List => return self.call_more(op, mount, path).await,
            _ => {}
        }
        match self {
            Target::Floor {
                http,
                base,
                token,
                map: true,
                ..
            } if op == Op::KvSmall => {
                let url = format!("{base}/v1/{mount}/data/{path}");
                let r: KvRead<serde_json::Map<String, serde_json::Value>> =
                    floor_get(http, url, token).await?;
                Ok(small_secret_len(&r.data.data))
            }
            Target::Floor {
                http, base, token, ..
            } => match op {
                Op::KvSmall => {
                    let url = format!("{base}/v1/{mount}/data/{path}");
                    let r: KvRead<AppConfig> = floor_get(http, url, token).await?;
                    let s = r.data.data;
                    Ok(s.password.len() + s.username.len() + s.host.len() + s.port.len())
                }
                Op::KvBig | Op::KvBigChunked => {
                    let url = format!("{base}/v1/{mount}/data/{path}");
                    let r: KvRead<Bundle> = floor_get(http, url, token).await?;
                    Ok(r.data.data.bundle.len() + r.data.data.format.len())
                }
                Op::Health => {
                    let url = format!("{base}/v1/sys/health");
                    let h: FloorHealth = floor_get(http, url, token).await?;
                    Ok(h.version.len())
                }
                Op::KvWrite | Op::Login | Op::List => unreachable!("call_more"),
            },
            Target::Hashivault(c, _) => match op {
                Op::KvSmall => {
                    let m = hashivault_api_read(c, mount, path).await?;
                    Ok(small_secret_len(&m))
                }
                Op::KvBig | Op::KvBigChunked => {
                    let m = hashivault_api_read(c, mount, path).await?;
                    Ok(["bundle", "format"]
                        .iter()
                        .map(|k| m.get(*k).and_then(|v| v.as_str()).map_or(0, str::len))
                        .sum())
                }
                Op::Health => {
                    let h = c.sys_health().await.map_err(|e| e.to_string())?;
                    Ok(h.version.len())
                }
                Op::KvWrite | Op::Login | Op::List => unreachable!("call_more"),
            },
            Target::HashivaultKv2(c, _, _) => match op {
                Op::KvSmall => {
                    let s: AppConfig = hashivault_kv2_read(c, mount, path).await?;
                    Ok(s.password.len() + s.username.len() + s.host.len() + s.port.len())
                }
                Op::KvBig | Op::KvBigChunked => {
                    let b: Bundle = hashivault_kv2_read(c, mount, path).await?;
                    Ok(b.bundle.len() + b.format.len())
                }
                Op::Health => {
                    let h = c.sys_health().await.map_err(|e| e.to_string())?;
                    Ok(h.version.len())
                }
                Op::KvWrite | Op::Login | Op::List => unreachable!("call_more"),
            },
            Target::Vaultrs(c, _) => match op {
                Op::KvSmall => {
                    let s: AppConfig = vaultrs::kv2::read(c.as_ref(), mount, path)
                        .await
                        .map_err(|e| e.to_string())?;
                    Ok(s.password.len() + s.username.len() + s.host.len() + s.port.len())
                }
                Op::KvBig | Op::KvBigChunked => {
                    let b: Bundle = vaultrs::kv2::read(c.as_ref(), mount, path)
                        .await
                        .map_err(|e| e.to_string())?;
                    Ok(b.bundle.len() + b.format.len())
                }
                Op::Health => {
                    let h = vaultrs::sys::health(c.as_ref())
                        .await
                        .map_err(|e| e.to_string())?;
                    Ok(h.version.len())
                }
                Op::KvWrite | Op::Login | Op::List => unreachable!("call_more"),
            },
        }
    }

    /// The write, the login and the list: returns the new version, the accessor's length, the
    /// number of keys.
    async fn call_more(&self, op: Op, mount: &str, path: &str) -> Result<usize, String> {
        let creds = self.creds();
        match (self, op) {
            (
                Target::Floor {
                    http, base, token, ..
                },
                Op::KvWrite,
            ) => {
                #[derive(serde::Serialize)]
                struct Body<'a> {
                    data: &'a AppConfig,
                }
                let url = format!("{base}/v1/{mount}/data/{path}");
                let body = Body {
                    data: &write_secret(),
                };
                let request = http
                    .post(url)
                    .header("X-Vault-Token", token.clone())
                    .json(&body);
                let r: FloorEnvelope<KvMetadata> = floor_send(request).await?;
                Ok(written(r.data.map_or(0, |m| m.version)))
            }
            (Target::Floor { http, base, .. }, Op::Login) => {
                #[derive(serde::Serialize)]
                struct Body<'a> {
                    role_id: &'a str,
                    secret_id: &'a str,
                }
                let url = format!("{base}/v1/auth/{}/login", server::APPROLE_MOUNT);
                let body = Body {
                    role_id: &creds.role_id,
                    secret_id: &creds.secret_id,
                };
                let r: FloorEnvelope<serde::de::IgnoredAny> =
                    floor_send(http.post(url).json(&body)).await?;
                Ok(r.auth.map_or(0, |a| a.accessor.len()))
            }
            (
                Target::Floor {
                    http, base, token, ..
                },
                Op::List,
            ) => {
                let url = format!("{base}/v1/{mount}/metadata/{path}/?list=true");
                let r: FloorEnvelope<FloorKeys> = floor_get(http, url, token).await?;
                Ok(r.data.map_or(0, |d| d.keys.len()))
            }
            (Target::Hashivault(c, _), Op::KvWrite) => {
                // As a user of the generated API writes a struct: to a `SecretMap`, then sent.
                let data = serde_json::to_value(write_secret()).map_err(|e| e.to_string())?;
                let data = hashivault::SecretMap::try_from(data)?;
                let answer = c
                    .api()
                    .kv_v2_write()
                    .kv_v2_mount_path(mount)
                    .path(path)
                    .body_map(|b| b.data(data))
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(written(
                    answer.into_data().map_err(|e| e.to_string())?.version as u64,
                ))
            }
            (Target::Hashivault(c, _), Op::Login) => {
                let answer = c
                    .api()
                    .app_role_login()
                    .approle_mount_path(server::APPROLE_MOUNT)
                    .body_map(|b| {
                        b.role_id(creds.role_id.to_string())
                            .secret_id(hashivault::Sensitive::from(&*creds.secret_id))
                    })
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(answer
                    .into_auth()
                    .map_err(|e| e.to_string())?
                    .accessor
                    .len())
            }
            (Target::Hashivault(c, _), Op::List) => {
                let answer = c
                    .api()
                    .kv_v2_list()
                    .kv_v2_mount_path(mount)
                    .path(path)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                let keys = answer.into_data().map_err(|e| e.to_string())?.keys;
                Ok(keys.map_or(0, |k| k.len()))
            }
            (Target::HashivaultKv2(c, _, _), Op::KvWrite) => {
                let meta = c
                    .kv2(mount)
                    .write(path, &write_secret())
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(written(meta.version as u64))
            }
            (Target::HashivaultKv2(c, _, _), Op::Login) => {
                // Logs in and keeps the token in the client, as the helper does for users.
                let auth = c
                    .auth()
                    .approle(
                        server::APPROLE_MOUNT,
                        &creds.role_id,
                        Some(hashivault::SecretString::from(creds.secret_id.to_string())),
                    )
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(auth.accessor.len())
            }
            (Target::HashivaultKv2(c, _, _), Op::List) => {
                let keys = c.kv2(mount).list(path).await.map_err(|e| e.to_string())?;
                Ok(keys.len())
            }
            (Target::Vaultrs(c, _), Op::KvWrite) => {
                let meta = vaultrs::kv2::set(c.as_ref(), mount, path, &write_secret())
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(written(meta.version))
            }
            (Target::Vaultrs(c, _), Op::Login) => {
                let auth = vaultrs::auth::approle::login(
                    c.as_ref(),
                    server::APPROLE_MOUNT,
                    &creds.role_id,
                    &creds.secret_id,
                )
                .await
                .map_err(|e| e.to_string())?;
                Ok(auth.accessor.len())
            }
            (Target::Vaultrs(c, _), Op::List) => {
                let keys = vaultrs::kv2::list(c.as_ref(), mount, path)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(keys.len())
            }
            _ => unreachable!("call handles the reads"),
        }
    }

    fn creds(&self) -> &AppRoleCreds {
        match self {
            Target::Floor { creds, .. }
            | Target::Hashivault(_, creds)
            | Target::HashivaultKv2(_, _, creds)
            | Target::Vaultrs(_, creds) => creds,
        }
    }
}

async fn floor_get<T: DeserializeOwned>(
    http: &reqwest::Client,
    url: String,
    token: &reqwest::header::HeaderValue,
) -> Result<T, String> {
    floor_send(http.get(url).header("X-Vault-Token", token.clone())).await
}

async fn floor_send<T: DeserializeOwned>(request: reqwest::RequestBuilder) -> Result<T, String> {
    request
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| e.to_string())?
        .json::<T>()
        .await
        .map_err(|e| e.to_string())
}

/// The small secret's length read from its map, as a caller of the generated call reads it.
fn small_secret_len(m: &serde_json::Map<String, serde_json::Value>) -> usize {
    ["password", "username", "host", "port"]
        .iter()
        .map(|k| m.get(*k).and_then(|v| v.as_str()).map_or(0, str::len))
        .sum()
}

/// The generated operation, as the crate docs show it; returns the secret's `data` map.
async fn hashivault_api_read(
    c: &hashivault::Client,
    mount: &str,
    path: &str,
) -> Result<hashivault::JsonMap, String> {
    let answer = c
        .api()
        .kv_v2_read()
        .kv_v2_mount_path(mount)
        .path(path)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    answer
        .into_inner()
        .data
        .and_then(|d| d.data)
        .map(hashivault::SecretMap::into_inner)
        .ok_or_else(|| "no data in the answer".to_string())
}

/// The typed KV layer: `data.data` decoded straight into `T`.
async fn hashivault_kv2_read<T: DeserializeOwned>(
    c: &hashivault::Client,
    mount: &str,
    path: &str,
) -> Result<T, String> {
    c.kv2(mount)
        .read::<T>(path)
        .await
        .map(|s| s.data)
        .map_err(|e| e.to_string())
}

// ---------------------------------------------------------------------------------------------
// Construction.

fn build_floor(address: &str, token: &str, creds: &AppRoleCreds) -> Target {
    let mut token = reqwest::header::HeaderValue::from_str(token).expect("token header");
    token.set_sensitive(true);
    Target::Floor {
        http: reqwest::Client::new(),
        base: Arc::from(address),
        token,
        creds: creds.clone(),
        map: false,
    }
}

/// hashivault as users build it (with its 60 s whole-request timeout), or `without_timeout()`,
/// as the floor and vaultrs are built, to show in the same run what that timer costs.
fn build_hashivault(address: &str, token: &str, timeout: bool) -> hashivault::Client {
    let builder = hashivault::Client::builder().address(address).token(token);
    let builder = if timeout {
        builder
    } else {
        builder.without_timeout()
    };
    builder.build().expect("hashivault client")
}

fn build_vaultrs(address: &str, token: &str) -> vaultrs::client::VaultClient {
    let settings = vaultrs::client::VaultClientSettingsBuilder::default()
        .address(address)
        .token(token)
        .build()
        .expect("vaultrs settings");
    vaultrs::client::VaultClient::new(settings).expect("vaultrs client")
}

/// The floor with the generated call's answer shape (the small secret decoded into a
/// `serde_json::Map`): what the generated call adds over bare reqwest + serde_json, the answer
/// type aside (`benches/callgrind.sh`; a row of its own in the small read's cells).
fn floor_map(floor: &Target) -> Target {
    let mut floor = floor.clone();
    if let Target::Floor { map, .. } = &mut floor {
        *map = true;
    }
    floor
}

/// The floor, hashivault and vaultrs, in that order. hashivault is built first: its first build
/// installs rustls' ring provider process-wide, which the floor and vaultrs (built with
/// `rustls-no-provider`, the same reqwest features as hashivault) need too.
fn targets(address: &str, token: &str, creds: &AppRoleCreds) -> Vec<Target> {
    let hashivault = build_hashivault(address, token, true);
    vec![
        build_floor(address, token, creds),
        Target::Hashivault(hashivault.clone(), creds.clone()),
        Target::HashivaultKv2(
            hashivault,
            "hashivault helper (kv2(), auth())",
            creds.clone(),
        ),
        Target::HashivaultKv2(
            build_hashivault(address, token, false),
            "hashivault helper, no timeout",
            creds.clone(),
        ),
        Target::Vaultrs(Arc::new(build_vaultrs(address, token)), creds.clone()),
    ]
}

// ---------------------------------------------------------------------------------------------
// Measuring.

struct Config {
    quick: bool,
    /// `--only`: measure one operation against the loopback server.
    only: Option<Op>,
    rounds: usize,
    slice: Duration,
    /// Upper bound of requests in one slice, whatever the time.
    max_requests: u64,
    build_iterations: u32,
    build_time: Duration,
}

#[derive(Default, Clone, Copy)]
struct Sample {
    requests: u64,
    elapsed: Duration,
    /// CPU time of the client's thread (all its tasks run on it) over the slice.
    cpu: Duration,
    /// CPU time of the loopback server's thread over the slice (`None` against another server).
    server_cpu: Option<Duration>,
    alloc: alloc::Snapshot,
}

/// CPU time consumed so far by the calling thread.
fn thread_cpu_time() -> Duration {
    server::clock_time(libc::CLOCK_THREAD_CPUTIME_ID)
}

/// Minor page faults taken so far by the calling thread.
fn thread_minor_faults() -> u64 {
    // SAFETY: an all-zero rusage is valid; `getrusage` writes into the one passed.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable rusage; RUSAGE_THREAD is a constant Linux knows.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) };
    if rc != 0 {
        return 0;
    }
    usage.ru_minflt as u64
}

/// Runs `op` for one time slice with `concurrency` tasks sharing `target`.
async fn run_slice(
    target: &Target,
    op: Op,
    mount: &str,
    path: &str,
    concurrency: usize,
    cfg: &Config,
    server: Option<&server::Server>,
) -> Result<Sample, String> {
    // Untimed warm-up: opens the pool's connections (up to `concurrency`).
    let warm = (concurrency * 2) as u64;
    run_tasks(
        target,
        op,
        mount,
        path,
        concurrency,
        warm,
        Duration::from_secs(10),
    )
    .await?;

    let before = alloc::snapshot();
    let cpu_before = thread_cpu_time();
    let server_before = server.map(server::Server::cpu_time);
    let start = Instant::now();
    let requests = run_tasks(
        target,
        op,
        mount,
        path,
        concurrency,
        cfg.max_requests,
        cfg.slice,
    )
    .await?;
    let elapsed = start.elapsed();
    let cpu = thread_cpu_time().saturating_sub(cpu_before);
    let server_cpu = server
        .zip(server_before)
        .map(|(s, before)| s.cpu_time().saturating_sub(before));
    let alloc = alloc::snapshot().since(before);
    Ok(Sample {
        requests,
        elapsed,
        cpu,
        server_cpu,
        alloc,
    })
}

/// `concurrency` loops (inline when 1) until `max` requests or `time` has passed.
async fn run_tasks(
    target: &Target,
    op: Op,
    mount: &str,
    path: &str,
    concurrency: usize,
    max: u64,
    time: Duration,
) -> Result<u64, String> {
    let deadline = Instant::now() + time;
    if concurrency == 1 {
        let mut n = 0;
        while n < max && Instant::now() < deadline {
            std::hint::black_box(target.call(op, mount, path).await?);
            n += 1;
        }
        return Ok(n);
    }
    let issued = Arc::new(AtomicU64::new(0));
    let mount: Arc<str> = Arc::from(mount);
    let path: Arc<str> = Arc::from(path);
    let handles: Vec<_> = (0..concurrency)
        .map(|_| {
            let (target, issued, mount, path) =
                (target.clone(), issued.clone(), mount.clone(), path.clone());
            tokio::spawn(async move {
                let mut n = 0u64;
                while Instant::now() < deadline && issued.fetch_add(1, Relaxed) < max {
                    std::hint::black_box(target.call(op, &mount, &path).await?);
                    n += 1;
                }
                Ok::<u64, String>(n)
            })
        })
        .collect();
    let mut total = 0;
    for h in handles {
        total += h.await.map_err(|e| e.to_string())??;
    }
    Ok(total)
}

/// One measured cell: the best round's throughput (interference on a shared machine only ever
/// slows a round down, so the fastest round is the closest to the client's own speed); CPU time
/// and allocations over all slices.
#[derive(Clone)]
struct Cell {
    op: Op,
    concurrency: usize,
    client: &'static str,
    /// Requests per second of each round.
    round_rps: Vec<f64>,
    requests: u64,
    cpu: Duration,
    /// The loopback server's CPU time over the cell's slices (`None` against another server).
    server_cpu: Option<Duration>,
    allocs: u64,
    bytes: u64,
}

impl Cell {
    fn rps(&self) -> f64 {
        self.round_rps.iter().copied().fold(0.0, f64::max)
    }
    /// The median over the rounds of this client's throughput over the floor's in the same
    /// round: each round's slices are run one after the other, so a slow spell of the machine
    /// weighs on a round's clients alike, where the best rounds of two clients may come from
    /// different spells.
    fn median_round_ratio(&self, floor: &Cell) -> f64 {
        let mut ratios: Vec<f64> = self
            .round_rps
            .iter()
            .zip(&floor.round_rps)
            .map(|(rps, floor)| rps / floor)
            .collect();
        ratios.sort_by(f64::total_cmp);
        match ratios.len() {
            0 => f64::NAN,
            n if n % 2 == 1 => ratios[n / 2],
            n => (ratios[n / 2 - 1] + ratios[n / 2]) / 2.0,
        }
    }
    fn cpu_us_per_req(&self) -> f64 {
        self.cpu.as_secs_f64() * 1e6 / self.requests.max(1) as f64
    }
    fn server_cpu_us_per_req(&self) -> Option<f64> {
        self.server_cpu
            .map(|cpu| cpu.as_secs_f64() * 1e6 / self.requests.max(1) as f64)
    }
    fn allocs_per_req(&self) -> f64 {
        self.allocs as f64 / self.requests.max(1) as f64
    }
    fn bytes_per_req(&self) -> f64 {
        self.bytes as f64 / self.requests.max(1) as f64
    }
}

/// Measures every target on `op` at `concurrency`, in interleaved rounds (the order rotates
/// each round) so that background load hits all of them alike.
async fn measure(
    targets: &[Target],
    op: Op,
    mount: &str,
    path: &str,
    concurrency: usize,
    cfg: &Config,
    server: Option<&server::Server>,
) -> Result<Vec<Cell>, String> {
    let mut cells: Vec<Cell> = targets
        .iter()
        .map(|t| Cell {
            op,
            concurrency,
            client: t.name(),
            round_rps: Vec::new(),
            requests: 0,
            cpu: Duration::ZERO,
            server_cpu: server.map(|_| Duration::ZERO),
            allocs: 0,
            bytes: 0,
        })
        .collect();
    for round in 0..cfg.rounds {
        for k in 0..targets.len() {
            let i = (k + round) % targets.len();
            let s = run_slice(&targets[i], op, mount, path, concurrency, cfg, server).await?;
            let c = &mut cells[i];
            c.round_rps
                .push(s.requests as f64 / s.elapsed.as_secs_f64());
            c.requests += s.requests;
            c.cpu += s.cpu;
            if let (Some(total), Some(slice)) = (&mut c.server_cpu, s.server_cpu) {
                *total += slice;
            }
            c.allocs += s.alloc.allocs;
            c.bytes += s.alloc.bytes;
        }
    }
    Ok(cells)
}

/// Checks that every target reads the same answer before anything is timed.
async fn check_same(targets: &[Target], op: Op, mount: &str, path: &str) -> Result<(), String> {
    let mut seen = None;
    for t in targets {
        let v = t
            .call(op, mount, path)
            .await
            .map_err(|e| format!("{} failed on {}: {e}", t.name(), op.label()))?;
        match seen {
            None => seen = Some(v),
            Some(s) if s == v => {}
            Some(s) => {
                return Err(format!(
                    "{} read {v} bytes of {}, the floor {s}",
                    t.name(),
                    op.label()
                ))
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Construction cost and idle memory.

struct BuildRow {
    client: &'static str,
    micros: f64,
    allocs: f64,
    retained: i64,
}

fn measure_build(
    client: &'static str,
    cfg: &Config,
    mut build: impl FnMut() -> Box<dyn std::any::Any>,
) -> BuildRow {
    drop(build()); // one-time process-wide setup (TLS provider, statics) is not counted
    let before = alloc::snapshot();
    let start = Instant::now();
    let mut n = 0u32;
    while n < cfg.build_iterations && start.elapsed() < cfg.build_time {
        drop(std::hint::black_box(build()));
        n += 1;
    }
    let micros = start.elapsed().as_secs_f64() * 1e6 / f64::from(n);
    let allocs = alloc::snapshot().since(before).allocs as f64 / f64::from(n);
    let before = alloc::snapshot();
    let kept = build();
    let retained = alloc::snapshot().since(before).retained();
    drop(kept);
    BuildRow {
        client,
        micros,
        allocs,
        retained,
    }
}

// ---------------------------------------------------------------------------------------------
// Output.

fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let mut s = String::from("|");
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            let pad = w - c.chars().count();
            // Text columns left, numbers right.
            if i < 3 && !c.starts_with(|ch: char| ch.is_ascii_digit()) {
                let _ = write!(s, " {c}{} |", " ".repeat(pad));
            } else {
                let _ = write!(s, " {}{c} |", " ".repeat(pad));
            }
        }
        s.push('\n');
        s
    };
    let mut out = line(headers.iter().map(|h| h.to_string()).collect());
    out.push('|');
    for w in &widths {
        let _ = write!(out, "{}|", "-".repeat(w + 2));
    }
    out.push('\n');
    for r in rows {
        out.push_str(&line(r.clone()));
    }
    out
}

fn cell_rows(cells: &[Cell]) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for c in cells {
        let floor = cells
            .iter()
            .find(|f| f.op == c.op && f.concurrency == c.concurrency)
            .expect("the floor is measured first");
        let mode = if c.concurrency == 1 {
            "sequential".to_string()
        } else {
            format!("{} tasks", c.concurrency)
        };
        let us = 1e6 / c.rps();
        let floor_us = 1e6 / floor.rps();
        let is_floor = std::ptr::eq(c, floor);
        let delta = |value: f64| {
            if is_floor {
                "—".to_string()
            } else {
                format!("{value:+.1}")
            }
        };
        rows.push(vec![
            c.op.label().to_string(),
            mode,
            c.client.to_string(),
            format!("{:.0}", c.rps()),
            format!("{:.2}×", c.rps() / floor.rps()),
            format!("{:.2}×", c.median_round_ratio(floor)),
            format!("{us:.1}"),
            delta(us - floor_us),
            format!("{:.1}", c.cpu_us_per_req()),
            delta(c.cpu_us_per_req() - floor.cpu_us_per_req()),
            match (c.server_cpu_us_per_req(), floor.server_cpu_us_per_req()) {
                (Some(us), Some(floor_us)) if !is_floor => {
                    format!("{us:.1} ({:+.1})", us - floor_us)
                }
                (Some(us), _) => format!("{us:.1}"),
                (None, _) => "—".to_string(),
            },
            format!("{:.1}", c.allocs_per_req()),
            format!("{:+.1}", c.allocs_per_req() - floor.allocs_per_req()),
            human_bytes(c.bytes_per_req()),
        ]);
    }
    rows
}

const CELL_HEADERS: [&str; 14] = [
    "operation",
    "mode",
    "client",
    "req/s",
    "× floor",
    "× floor, median round",
    "µs/req",
    "Δµs vs floor",
    "client CPU µs/req",
    "Δ CPU µs",
    "server CPU µs/req (Δ)",
    "allocs/req",
    "Δallocs vs floor",
    "bytes/req",
];

fn human_bytes(b: f64) -> String {
    if b >= 1024.0 * 1024.0 {
        format!("{:.2} MiB", b / (1024.0 * 1024.0))
    } else if b >= 10.0 * 1024.0 {
        format!("{:.1} KiB", b / 1024.0)
    } else {
        format!("{b:.0} B")
    }
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

// ---------------------------------------------------------------------------------------------

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("usage: cargo run --release -p hashivault-bench -- [--quick] [--only kv|health|big|big-chunked|write|login|list]\n\n--only measures one operation against the loopback server (RESULTS.md is not written).\nWith VAULT_ADDR and VAULT_TOKEN set, also reads one KV v2 secret end to end from that\nserver (it writes secret/hashivault-bench/app-config first). Writes benches/RESULTS.md.");
        return;
    }
    if args.first().map(String::as_str) == Some("--profile") {
        return profile(&args[1..]);
    }
    if args.first().map(String::as_str) == Some("--decode") {
        return decode_only(&args[1..]);
    }
    const USAGE: &str =
        "usage: hashivault-bench [--quick] [--only kv|health|big|big-chunked|write|login|list]";
    let mut quick = false;
    let mut only = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            "--only" => {
                only = match rest.next().map(String::as_str) {
                    Some("kv") => Some(Op::KvSmall),
                    Some("health") => Some(Op::Health),
                    Some("big") => Some(Op::KvBig),
                    Some("big-chunked") => Some(Op::KvBigChunked),
                    Some("write") => Some(Op::KvWrite),
                    Some("login") => Some(Op::Login),
                    Some("list") => Some(Op::List),
                    _ => {
                        eprintln!("{USAGE}");
                        std::process::exit(2);
                    }
                }
            }
            bad => {
                eprintln!("unknown argument {bad:?}; {USAGE}");
                std::process::exit(2);
            }
        }
    }
    let cfg = if quick {
        Config {
            quick,
            only,
            rounds: 1,
            slice: Duration::from_millis(400),
            max_requests: 200_000,
            build_iterations: 100,
            build_time: Duration::from_millis(500),
        }
    } else {
        Config {
            quick,
            only,
            rounds: 7,
            slice: Duration::from_millis(600),
            max_requests: 1_000_000,
            build_iterations: 1000,
            build_time: Duration::from_secs(2),
        }
    };

    let server = server::start();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .on_thread_start(alloc::count_this_thread)
        .build()
        .expect("client runtime");
    alloc::count_this_thread(); // the runtime runs on this thread
    let started = Instant::now();
    let report = match rt.block_on(run(&server, &cfg, &args)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("benchmark failed: {e}");
            std::process::exit(1);
        }
    };
    let report = format!(
        "{report}\nWhole run: {:.0} s.\n",
        started.elapsed().as_secs_f64()
    );
    print!("{report}");
    if only.is_some() {
        eprintln!("--only: RESULTS.md left as it was");
        return;
    }
    let out = concat!(env!("CARGO_MANIFEST_DIR"), "/RESULTS.md");
    match std::fs::write(out, format!("# hashivault-bench results\n\n{report}")) {
        Ok(()) => eprintln!("written to {out}"),
        Err(e) => eprintln!("cannot write {out}: {e}"),
    }
}

/// An interceptor that does nothing: what the seam costs once a client has one.
struct NoopInterceptor;

impl hashivault::intercept::Interceptor for NoopInterceptor {}

/// `--profile CLIENT OP N [TASKS]`: N requests of one client and nothing else (sequential, or
/// made by TASKS concurrent tasks sharing the client, as the 32-task cells), for
/// `valgrind --tool=callgrind --separate-threads=yes` (see benches/README.md). CLIENT is
/// `floor`, `api`, `kv`, `kv-no-timeout`, `kv-noop-interceptor` (`kv` with one interceptor
/// that does nothing) or `vaultrs`; OP is `kv`, `health` or `big`.
/// `--decode WHAT N`: decodes the small KV read's answer (or a part of it) N times from one
/// buffer, no request made, into the type a client decodes it into: what `benches/callgrind.sh
/// decode` counts, to tell a client's decoding from the rest of its call. WHAT:
///
/// - `answer-floor`, `answer-floor-map`, `answer-api`: the whole answer, as the floor, the floor
///   with a map, and the generated call (`Envelope<KvV2ReadResponse>`) decode it;
/// - `data-floor-map`, `data-api`: its `data` object (`KvV2ReadResponse`);
/// - `metadata-floor`, `metadata-api`: its `data.metadata` object (`KvV2VersionMetadata`);
/// - `token-lookup-api`: a token lookup's answer as OpenBao 2.7.2 sent it (17 keys in `data`),
///   into the generated `Envelope<TokenLookUpSelfResponse>` (25 fields): a larger object.
fn decode_only(args: &[String]) {
    use hashivault::api::types::{KvV2ReadResponse, KvV2VersionMetadata, TokenLookUpSelfResponse};
    type Map = serde_json::Map<String, serde_json::Value>;
    let usage = "usage: hashivault-bench --decode answer-floor|answer-floor-map|answer-api|data-floor-map|data-api|metadata-floor|metadata-api|token-lookup-api N";
    let (what, n) = match args {
        [what, n] => match n.parse::<u64>() {
            Ok(n) => (what.as_str(), n),
            Err(_) => {
                eprintln!("{usage}");
                std::process::exit(2);
            }
        },
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    };
    let (answer, data, metadata) = decode_parts();
    fn times<T: DeserializeOwned>(n: u64, body: &str) {
        let body = std::hint::black_box(body.as_bytes());
        for _ in 0..n {
            std::hint::black_box(serde_json::from_slice::<T>(body).expect("decodes"));
        }
    }
    match what {
        "answer-floor" => times::<KvRead<AppConfig>>(n, &answer),
        "answer-floor-map" => times::<KvRead<Map>>(n, &answer),
        "answer-api" => times::<hashivault::Envelope<KvV2ReadResponse>>(n, &answer),
        "data-floor-map" => times::<KvData<Map>>(n, &data),
        "data-api" => times::<KvV2ReadResponse>(n, &data),
        "metadata-floor" => times::<KvMetadata>(n, &metadata),
        "metadata-api" => times::<KvV2VersionMetadata>(n, &metadata),
        "token-lookup-api" => {
            times::<hashivault::Envelope<TokenLookUpSelfResponse>>(n, &token_lookup_answer())
        }
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    }
}

/// The small KV read's answer, its `data` and its `data.metadata`, as JSON text (keys in the
/// order the server sends them: sorted, as Vault's Go encoder writes a map).
fn decode_parts() -> (String, String, String) {
    let answer = server::kv_body(server::SMALL_SECRET, 3);
    let value: serde_json::Value = serde_json::from_str(&answer).expect("the answer is JSON");
    let data = value["data"].to_string();
    let metadata = value["data"]["metadata"].to_string();
    (answer, data, metadata)
}

/// The answer of `GET /v1/auth/token/lookup-self` recorded from OpenBao 2.7.2 (provenance in
/// the fixture).
fn token_lookup_answer() -> String {
    let recorded: serde_json::Value = serde_json::from_str(include_str!(
        "../../tests/fixtures/conformance/token-look-up-self.json"
    ))
    .expect("the fixture is JSON");
    recorded["answer"].to_string()
}

fn profile(args: &[String]) {
    let usage =
        "usage: hashivault-bench --profile floor|floor-map|api|kv|kv-no-timeout|kv-noop-interceptor|vaultrs kv|health|big|big-chunked|write|login|list N [TASKS]";
    let (client, op, n, tasks) = match args {
        [client, op, n] => (client, op, n, None),
        [client, op, n, tasks] => (client, op, n, Some(tasks)),
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    };
    let tasks: usize = tasks.map_or(Ok(1), |t| t.parse()).unwrap_or_else(|_| {
        eprintln!("{usage}");
        std::process::exit(2);
    });
    let (op, path) = match op.as_str() {
        "kv" => (Op::KvSmall, server::SMALL_PATH),
        "health" => (Op::Health, ""),
        "big" => (Op::KvBig, server::BIG_PATH),
        "big-chunked" => (Op::KvBigChunked, server::BIG_CHUNKED_PATH),
        "write" => (Op::KvWrite, server::WRITE_PATH),
        "login" => (Op::Login, ""),
        "list" => (Op::List, server::LIST_PATH),
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    };
    let n: u64 = n.parse().unwrap_or_else(|_| {
        eprintln!("{usage}");
        std::process::exit(2);
    });
    let server = server::start();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    rt.block_on(async {
        let mut all = targets(&server.address, TOKEN, &loopback_creds());
        let intercepted = hashivault::Client::builder()
            .address(server.address.as_str())
            .token(TOKEN)
            .interceptor(NoopInterceptor)
            .build()
            .expect("hashivault client");
        all.push(Target::HashivaultKv2(
            intercepted,
            "hashivault helper, one no-op interceptor",
            loopback_creds(),
        ));
        let index = match client.as_str() {
            "floor" => 0,
            "api" => 1,
            "kv" => 2,
            "kv-no-timeout" => 3,
            "vaultrs" => 4,
            "kv-noop-interceptor" => 5,
            "floor-map" => {
                all.push(floor_map(&all[0]));
                all.len() - 1
            }
            _ => {
                eprintln!("{usage}");
                std::process::exit(2);
            }
        };
        let target = &all[index];
        let (cpu_before, faults_before) = (thread_cpu_time(), thread_minor_faults());
        if tasks > 1 {
            // N requests in all, by `tasks` tasks sharing the client (as the 32-task cells).
            let done = run_tasks(
                target,
                op,
                server::MOUNT,
                path,
                tasks,
                n,
                Duration::from_secs(3600),
            )
            .await
            .expect("request failed");
            assert_eq!(done, n, "every request made");
        } else {
            for _ in 0..n {
                std::hint::black_box(
                    target
                        .call(op, server::MOUNT, path)
                        .await
                        .expect("request failed"),
                );
            }
        }
        let cpu = thread_cpu_time().saturating_sub(cpu_before);
        let faults = thread_minor_faults().saturating_sub(faults_before);
        // The client thread's own figures (setup and the first connections included).
        eprintln!(
            "{n} requests done: client thread {:.1} µs CPU and {:.1} page faults per request",
            cpu.as_secs_f64() * 1e6 / n.max(1) as f64,
            faults as f64 / n.max(1) as f64,
        );
    });
}

async fn run(server: &server::Server, cfg: &Config, args: &[String]) -> Result<String, String> {
    let mut out = String::new();
    let env = match std::env::var("VAULT_ADDR") {
        Ok(a) if !a.is_empty() => format!("VAULT_ADDR={a} VAULT_TOKEN=<redacted> "),
        _ => String::new(),
    };
    let command = format!(
        "{env}cargo run --release -p hashivault-bench --{}",
        args.iter().map(|a| format!(" {a}")).collect::<String>()
    );
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let _ = writeln!(out, "Command: `{command}`  ");
    let _ = writeln!(
        out,
        "Machine: {cores} cores, {}, load average at start {}  ",
        cpu_model(),
        load_average()
    );
    let _ = writeln!(
        out,
        "Run: {} round(s) of {:.1} s per client and cell, clients interleaved (the order rotates each round); `req/s` and `× floor` are the best round; `× floor, median round` the median over the rounds of the client's throughput over the floor's in the same round; CPU time and allocations are over all rounds.  ",
        cfg.rounds,
        cfg.slice.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "Counted: CPU time of the client's runtime thread (every client task runs on it) and allocations made on it (and its blocking pool) while a slice runs; the loopback server runs in the same process on a thread of its own and is not counted. `bytes/req` is bytes requested from the allocator.{}\n",
        if cfg.quick { " **Quick run: indicative only.**" } else { "" }
    );

    // hashivault installs rustls' ring provider process-wide on its first build; the floor and
    // vaultrs (built with `rustls-no-provider`, the same reqwest features) need it too.
    drop(build_hashivault(&server.address, TOKEN, true));
    let addr = server.address.clone();
    let builds = [
        measure_build("floor: reqwest::Client::new()", cfg, || {
            Box::new(reqwest::Client::new())
        }),
        measure_build("hashivault: Client::builder()…build()", cfg, || {
            Box::new(build_hashivault(&addr, TOKEN, true))
        }),
        measure_build(
            "vaultrs 0.8: VaultClient::new(…), http:// address",
            cfg,
            || Box::new(build_vaultrs(&addr, TOKEN)),
        ),
        // vaultrs skips loading the trust roots for an http:// address; a real deployment is
        // https://, where it loads them as the others do (nothing is connected at build).
        measure_build(
            "vaultrs 0.8: VaultClient::new(…), https:// address",
            cfg,
            || Box::new(build_vaultrs("https://vault.example.invalid:8200", TOKEN)),
        ),
    ];

    // One pool shared by clones.
    let shared = build_hashivault(&server.address, TOKEN, true);
    let conns_before = server.connections();
    for _ in 0..16 {
        let clone = shared.clone();
        Target::Hashivault(clone, loopback_creds())
            .call(Op::KvSmall, server::MOUNT, server::SMALL_PATH)
            .await?;
    }
    let pool_conns = server.connections() - conns_before;
    drop(shared);

    // In-process loopback server.
    let targets = targets(&server.address, TOKEN, &loopback_creds());
    let mut cells = Vec::new();
    let requests_before = server.requests();
    for (op, path) in [
        (Op::KvSmall, server::SMALL_PATH),
        (Op::Health, ""),
        (Op::KvBig, server::BIG_PATH),
        (Op::KvBigChunked, server::BIG_CHUNKED_PATH),
        (Op::KvWrite, server::WRITE_PATH),
        (Op::Login, ""),
        (Op::List, server::LIST_PATH),
    ] {
        if cfg.only.is_some_and(|only| only != op) {
            continue;
        }
        // The small read also against the floor decoding the generated call's answer shape.
        let mut targets = targets.clone();
        if op == Op::KvSmall {
            targets.insert(1, floor_map(&targets[0]));
        }
        check_same(&targets, op, server::MOUNT, path).await?;
        for concurrency in [1, 32] {
            eprintln!("measuring {} with concurrency {concurrency}…", op.label());
            cells.extend(
                measure(
                    &targets,
                    op,
                    server::MOUNT,
                    path,
                    concurrency,
                    cfg,
                    Some(server),
                )
                .await?,
            );
        }
    }
    let served = server.requests() - requests_before;

    let _ = writeln!(out, "## Against an in-process loopback server\n");
    let _ = writeln!(
        out,
        "Fixed OpenBao-shaped answers over HTTP/1.1 keep-alive on 127.0.0.1 ({served} requests served). `× floor` is throughput relative to the floor in the same cell; `Δµs` and `Δallocs` are per request, over the floor.\n"
    );
    out.push_str(&table(&CELL_HEADERS, &cell_rows(&cells)));

    // End to end against a real server: the one at VAULT_ADDR, or a dev server started here.
    let _ = writeln!(out, "\n## End to end against a real server\n");
    if cfg.only.is_some() {
        let _ = writeln!(out, "Not run with `--only`.");
    } else {
        match e2e_server() {
            Ok((addr, token, started)) => match end_to_end(&addr, &token, cfg).await {
                Ok((version, cells)) => {
                    let origin = match &started {
                        Some(server) => format!(
                            "a dev server this run started (`{} server -dev`, as `cargo xtask dev` does)",
                            server.0.display()
                        ),
                        None => "the server at `VAULT_ADDR`".to_string(),
                    };
                    let _ = writeln!(
                        out,
                        "{version}, {origin}, on 127.0.0.1: a KV v2 read of one small secret, a KV v2 write of it, an AppRole login and a list of 1,000 keys (`secret/hashivault-bench/…`). The server's own cost is in every client's figure; `Δµs vs floor` is the part of a request that is the client's beyond the floor.\n"
                    );
                    out.push_str(&table(&CELL_HEADERS, &cell_rows(&cells)));
                }
                Err(e) => {
                    let _ = writeln!(out, "FAILED: the server at {addr} could not be used: {e}");
                    return Err(format!("end to end: {e}"));
                }
            },
            Err(e) => {
                let _ = writeln!(
                    out,
                    "SKIPPED: no server: VAULT_ADDR is not set and no dev server could be started ({e})."
                );
            }
        }
    }

    let _ = writeln!(out, "\n## Client construction and idle memory\n");
    let rows: Vec<Vec<String>> = builds
        .iter()
        .map(|b| {
            vec![
                b.client.to_string(),
                format!("{:.1}", b.micros),
                format!("{:.0}", b.allocs),
                human_bytes(b.retained as f64),
            ]
        })
        .collect();
    out.push_str(&table(
        &[
            "client",
            "µs per build",
            "allocs per build",
            "bytes retained by an idle client",
        ],
        &rows,
    ));
    let _ = writeln!(
        out,
        "\n`hashivault::Client: Clone + Send + Sync + 'static` (static assertion). 16 sequential reads through 16 clones of one client opened {pool_conns} connection(s): {}.",
        if pool_conns == 1 {
            "the clones share one connection pool"
        } else {
            "NOT one shared pool"
        }
    );
    Ok(out)
}

/// A dev server this run started (the binary, and the process: dropping it stops the server).
struct Started(
    std::path::PathBuf,
    #[allow(dead_code)] hashivault_dev_server::process::DevServer,
);

/// The end-to-end server: `VAULT_ADDR`/`VAULT_TOKEN` when set, else an OpenBao dev server
/// started as `cargo xtask dev` starts it (the binary from `HASHIVAULT_SERVER_BIN`, `PATH`, or
/// the pinned OpenBao installed into `target/tools`), stopped when the run ends.
fn e2e_server() -> Result<(String, String, Option<Started>), String> {
    if let (Ok(addr), Ok(token)) = (std::env::var("VAULT_ADDR"), std::env::var("VAULT_TOKEN")) {
        if !addr.is_empty() && !token.is_empty() {
            return Ok((addr, token, None));
        }
    }
    use hashivault_dev_server::{binary, process::DevServer};
    let tools = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("target")
        .join("tools");
    let bin = binary::resolve(&tools)?;
    eprintln!(
        "starting {} ({}) for the end-to-end rows…",
        bin.path.display(),
        bin.version
    );
    let server = DevServer::start(&bin, &tools)?;
    let (addr, token) = (server.url(), server.token.clone());
    Ok((addr, token, Some(Started(bin.path, server))))
}

/// Sends one setup request to the end-to-end server; an error status is an error unless listed.
async fn setup(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Option<serde_json::Value>,
    allowed: &[u16],
) -> Result<serde_json::Value, String> {
    let mut request = http.request(method, &url).header("X-Vault-Token", token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.map_err(|e| format!("{url}: {e}"))?;
    let status = response.status();
    let text = response.text().await.map_err(|e| e.to_string())?;
    if !status.is_success() && !allowed.contains(&status.as_u16()) {
        return Err(format!("{url}: {status}: {text}"));
    }
    Ok(serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))
}

/// A small read, a write, an AppRole login and a list of 1,000 keys from a real server,
/// sequential and 32 tasks.
async fn end_to_end(addr: &str, token: &str, cfg: &Config) -> Result<(String, Vec<Cell>), String> {
    use reqwest::Method;
    const PATH: &str = "hashivault-bench/app-config";
    const WRITE: &str = "hashivault-bench/write";
    const LIST: &str = "hashivault-bench/list";
    const ROLE: &str = "hashivault-bench";
    let addr = addr.trim_end_matches('/');
    let http = reqwest::Client::new();
    let v1 = format!("{addr}/v1");
    let mount = server::MOUNT;
    let secret: serde_json::Value =
        serde_json::from_str(server::SMALL_SECRET).map_err(|e| e.to_string())?;
    let data = serde_json::json!({ "data": secret });
    setup(
        &http,
        Method::POST,
        format!("{v1}/{mount}/data/{PATH}"),
        token,
        Some(data.clone()),
        &[],
    )
    .await?;
    // 1,000 keys to list (written 32 at a time).
    let mut writes = Vec::new();
    for i in 0..server::LIST_KEYS {
        let url = format!("{v1}/{mount}/data/{LIST}/key-{i:04}");
        writes.push(setup(
            &http,
            Method::POST,
            url,
            token,
            Some(data.clone()),
            &[],
        ));
        if writes.len() == 32 || i + 1 == server::LIST_KEYS {
            for w in std::mem::take(&mut writes) {
                w.await?;
            }
        }
    }
    // AppRole: the mount (400 when already enabled), a policy for the login's token (the helper
    // keeps it in the client, which then reads, writes and lists with it), a role, its ids.
    setup(
        &http,
        Method::POST,
        format!("{v1}/sys/auth/{}", server::APPROLE_MOUNT),
        token,
        Some(serde_json::json!({"type": "approle"})),
        &[400],
    )
    .await?;
    let policy =
        format!(r#"path "{mount}/*" {{ capabilities = ["create", "read", "update", "list"] }}"#);
    setup(
        &http,
        Method::PUT,
        format!("{v1}/sys/policies/acl/{ROLE}"),
        token,
        Some(serde_json::json!({ "policy": policy })),
        &[],
    )
    .await?;
    let role = format!("{v1}/auth/{}/role/{ROLE}", server::APPROLE_MOUNT);
    setup(
        &http,
        Method::POST,
        role.clone(),
        token,
        Some(serde_json::json!({"token_policies": ROLE, "token_ttl": "1h"})),
        &[],
    )
    .await?;
    let role_id = setup(
        &http,
        Method::GET,
        format!("{role}/role-id"),
        token,
        None,
        &[],
    )
    .await?;
    let secret_id = setup(
        &http,
        Method::POST,
        format!("{role}/secret-id"),
        token,
        None,
        &[],
    )
    .await?;
    let text = |v: &serde_json::Value, key: &str| -> Result<Arc<str>, String> {
        v["data"][key]
            .as_str()
            .map(Arc::from)
            .ok_or_else(|| format!("no {key} in the answer"))
    };
    let creds = AppRoleCreds {
        role_id: text(&role_id, "role_id")?,
        secret_id: text(&secret_id, "secret_id")?,
    };
    let health: FloorHealth = floor_get(
        &http,
        format!("{addr}/v1/sys/health"),
        &reqwest::header::HeaderValue::from_static(""),
    )
    .await?;
    let version = format!("OpenBao/Vault {}", health.version);
    let targets = targets(addr, token, &creds);
    let mut cells = Vec::new();
    for (op, path) in [
        (Op::KvSmall, PATH),
        (Op::KvWrite, WRITE),
        (Op::Login, ""),
        (Op::List, LIST),
    ] {
        check_same(&targets, op, mount, path).await?;
        for concurrency in [1, 32] {
            eprintln!(
                "measuring end to end: {} with concurrency {concurrency}…",
                op.label()
            );
            cells.extend(measure(&targets, op, mount, path, concurrency, cfg, None).await?);
        }
    }
    Ok((version, cells))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hashivault::api::types::{KvV2ReadResponse, KvV2VersionMetadata};

    /// What `--decode` decodes: each part is the answer's own, and the generated types and the
    /// floor's read the same values from it (so `callgrind.sh decode` compares like with like).
    #[test]
    fn the_decoded_parts_are_the_answer_s_and_read_alike() {
        let (answer, data, metadata) = decode_parts();
        assert!(answer.contains(&data) && data.contains(&metadata));
        assert!(data.starts_with(r#"{"data":{"host":"#), "{data}");
        let generated: hashivault::Envelope<KvV2ReadResponse> =
            serde_json::from_str(&answer).unwrap();
        let floor: KvRead<AppConfig> = serde_json::from_str(&answer).unwrap();
        let secret = generated.data.unwrap().data.unwrap();
        assert_eq!(secret["password"], floor.data.data.password.as_str());
        assert_eq!(secret.len(), 4);
        let meta: KvV2VersionMetadata = serde_json::from_str(&metadata).unwrap();
        let floor_meta: KvMetadata = serde_json::from_str(&metadata).unwrap();
        assert_eq!(
            (meta.version, meta.destroyed),
            (floor_meta.version, floor_meta.destroyed)
        );
        assert_eq!(meta.version, 3);
        assert!(meta.extra.is_empty());
        let data: KvV2ReadResponse = serde_json::from_str(&data).unwrap();
        assert_eq!(data.metadata.unwrap().created_time, floor_meta.created_time);
        let lookup: hashivault::Envelope<hashivault::api::types::TokenLookUpSelfResponse> =
            serde_json::from_str(&token_lookup_answer()).unwrap();
        let lookup = lookup.data.unwrap();
        assert!(
            lookup.extra.is_empty(),
            "every key is a field: {:?}",
            lookup.extra
        );
        assert!(!lookup.policies.is_empty());
    }
}
