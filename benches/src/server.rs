//! The loopback Vault stand-in: a raw HTTP/1.1 keep-alive responder on its own thread and its
//! own single-threaded tokio runtime (so its allocations are not counted, see `alloc.rs`).
//!
//! It answers fixed bodies shaped like real OpenBao/Vault answers:
//! - `GET /v1/secret/data/app/config`: a KV v2 read of a small secret (four string keys);
//! - `GET /v1/secret/data/big`: a KV v2 read of a 1 MiB secret (a PEM-like bundle);
//! - `GET /v1/secret/data/big-chunked`: the same 1 MiB read sent as OpenBao sends a large answer
//!   (`Transfer-Encoding: chunked`, the whole body in one chunk, no `Content-Length`);
//! - `POST /v1/secret/data/app/write`: a KV v2 write (the new version's metadata);
//! - `POST /v1/auth/approle/login`: an AppRole login (the `auth` block);
//! - `GET /v1/secret/metadata/dir/?list=true` (or `LIST`): a list of 1,000 keys;
//! - `GET /v1/sys/health`: an active, unsealed node;
//! - anything else: `404 {"errors":[]}`.
//!
//! The write, login and list bodies are as OpenBao 2.7.2 answered them (dev server, 2026-12-06).
//!
//! Requests without `X-Vault-Token` on `secret/` get `403`, as Vault does.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The mount and paths the benchmark reads.
pub const MOUNT: &str = "secret";
/// The small secret's path.
pub const SMALL_PATH: &str = "app/config";
/// The 1 MiB secret's path.
pub const BIG_PATH: &str = "big";
/// The 1 MiB secret, sent chunked.
pub const BIG_CHUNKED_PATH: &str = "big-chunked";
/// The secret the write cell writes.
pub const WRITE_PATH: &str = "app/write";
/// The folder the list cell lists (1,000 keys).
pub const LIST_PATH: &str = "dir";
/// Keys in the listed folder.
pub const LIST_KEYS: usize = 1000;
/// The AppRole mount and credentials of the login cell (fixed: the server does not check them).
pub const APPROLE_MOUNT: &str = "approle";
/// Size of the big secret's `bundle` value.
pub const BIG_VALUE_LEN: usize = 1 << 20;

/// The small secret, as `bao kv put secret/app/config ...` stores it.
pub const SMALL_SECRET: &str = r#"{"host":"db.internal.example","password":"s3cr3t-pa55w0rd-9f2c1e","port":"5432","username":"app"}"#;

/// A running server: its address and counters.
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    stats: Arc<Stats>,
    /// The CPU-time clock of the server's thread (`pthread_getcpuclockid`).
    clock: Option<libc::clockid_t>,
}

#[derive(Default)]
struct Stats {
    connections: AtomicU64,
    requests: AtomicU64,
}

impl Server {
    /// Connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.stats.connections.load(Relaxed)
    }

    /// Requests answered so far.
    pub fn requests(&self) -> u64 {
        self.stats.requests.load(Relaxed)
    }

    /// CPU time the server's thread has used so far (zero where the clock is not available).
    pub fn cpu_time(&self) -> std::time::Duration {
        // The server thread's CPU clock stays valid: the thread runs until the process exits.
        self.clock.map_or(std::time::Duration::ZERO, clock_time)
    }
}

/// The time of `clock` (a CPU-time clock: `CLOCK_THREAD_CPUTIME_ID`, or a thread's from
/// `pthread_getcpuclockid`); zero if it cannot be read.
pub fn clock_time(clock: libc::clockid_t) -> std::time::Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; an invalid clock id is an error return.
    if unsafe { libc::clock_gettime(clock, &mut ts) } != 0 {
        return std::time::Duration::ZERO;
    }
    std::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// A KV v2 read's answer with `secret_json` as its `data.data` (as a real server sends it).
pub fn kv_body(secret_json: &str, version: u32) -> String {
    format!(
        concat!(
            r#"{{"request_id":"64e3e809-ed44-434c-5184-04db5feebc95","lease_id":"","renewable":false,"#,
            r#""lease_duration":0,"data":{{"data":{},"metadata":{{"created_time":"2026-11-25T12:52:30.465826194Z","#,
            r#""custom_metadata":null,"deletion_time":"","destroyed":false,"version":{}}}}},"#,
            r#""wrap_info":null,"warnings":null,"auth":null,"mount_type":"kv"}}"#
        ),
        secret_json, version
    )
}

/// The 1 MiB secret: `{"format":"pem","bundle":"-----BEGIN CERTIFICATE-----\n…"}`, with a
/// JSON-escaped newline every 64 characters as in a real PEM bundle.
pub fn big_secret() -> String {
    let mut bundle = String::with_capacity(BIG_VALUE_LEN + BIG_VALUE_LEN / 32);
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut i = 0usize;
    let mut len = 0usize;
    while len < BIG_VALUE_LEN {
        if len % 65 == 64 {
            bundle.push_str("\\n");
        } else {
            bundle.push(alphabet[(i * 7 + i / 64) % 64] as char);
            i += 1;
        }
        len += 1;
    }
    format!(r#"{{"bundle":"{bundle}","format":"pem"}}"#)
}

/// A KV v2 write's answer (OpenBao 2.7.2: no `mount_type` on writes).
const WRITE_BODY: &str = r#"{"request_id":"a6cf0186-b825-bf1d-756e-86d7eeac5661","lease_id":"","renewable":false,"lease_duration":0,"data":{"created_time":"2026-12-06T18:18:28.982561549Z","custom_metadata":null,"deletion_time":"","destroyed":false,"version":4},"wrap_info":null,"warnings":null,"auth":null}"#;

/// An AppRole login's answer (OpenBao 2.7.2, role `app` with `token_policies=default,app`).
const LOGIN_BODY: &str = r#"{"request_id":"1d7f5ce2-36a0-2934-ebfa-4711c6fc0ada","lease_id":"","renewable":false,"lease_duration":0,"data":null,"wrap_info":null,"warnings":null,"auth":{"client_token":"s.eUtxcE7vfjWdmjXXpXrSvMxO","accessor":"EHb7llJur4BKh8CmTg7Lbavv","policies":["app","default"],"token_policies":["app","default"],"metadata":{"role_name":"app"},"lease_duration":3600,"renewable":true,"entity_id":"f423684c-69b7-3052-95f6-45b398898fad","token_type":"service","orphan":true,"mfa_requirement":null,"num_uses":0}}"#;

/// A list of [`LIST_KEYS`] keys, as OpenBao 2.7.2 answers `secret/metadata/dir/?list=true`.
pub fn list_body() -> String {
    let keys: Vec<String> = (0..LIST_KEYS).map(|i| format!("\"key-{i:04}\"")).collect();
    format!(
        r#"{{"request_id":"97f10cda-d1ee-e02a-37cc-8887801c6412","lease_id":"","renewable":false,"lease_duration":0,"data":{{"keys":[{}]}},"wrap_info":null,"warnings":null,"auth":null}}"#,
        keys.join(",")
    )
}

const HEALTH_BODY: &str = r#"{"initialized":true,"sealed":false,"standby":false,"performance_standby":false,"replication_performance_mode":"disabled","replication_dr_mode":"disabled","server_time_utc":1795611150,"version":"2.7.2","cluster_name":"vault-cluster-b60d34d0","cluster_id":"b7362a5f-13ec-57d4-c108-2d878f36726f"}"#;

fn response(status: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\nCache-Control: no-store\r\nContent-Type: application/json\r\n\
         Strict-Transport-Security: max-age=31536000; includeSubDomains\r\n\
         Date: Wed, 25 Nov 2026 12:52:30 GMT\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A `200` with the body in one chunk and no `Content-Length` (what OpenBao sends for an answer
/// larger than Go's 2 KiB chunking buffer).
fn chunked_response(body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nCache-Control: no-store\r\nContent-Type: application/json\r\n\
         Strict-Transport-Security: max-age=31536000; includeSubDomains\r\n\
         Date: Wed, 25 Nov 2026 12:52:30 GMT\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
        body.len()
    )
    .into_bytes()
}

struct Answers {
    small: Vec<u8>,
    big: Vec<u8>,
    big_chunked: Vec<u8>,
    write: Vec<u8>,
    login: Vec<u8>,
    list: Vec<u8>,
    health: Vec<u8>,
    not_found: Vec<u8>,
    forbidden: Vec<u8>,
}

/// Starts the server on a thread of its own; returns once it listens.
pub fn start() -> Server {
    let stats = Arc::new(Stats::default());
    let answers = Arc::new(Answers {
        small: response("200 OK", &kv_body(SMALL_SECRET, 3)),
        big: response("200 OK", &kv_body(&big_secret(), 1)),
        big_chunked: chunked_response(&kv_body(&big_secret(), 1)),
        write: response("200 OK", WRITE_BODY),
        login: response("200 OK", LOGIN_BODY),
        list: response("200 OK", &list_body()),
        health: response("200 OK", HEALTH_BODY),
        not_found: response("404 Not Found", r#"{"errors":[]}"#),
        forbidden: response("403 Forbidden", r#"{"errors":["permission denied"]}"#),
    });
    let (tx, rx) = std::sync::mpsc::channel();
    let thread_stats = stats.clone();
    let thread = std::thread::Builder::new()
        .name("loopback-vault".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_io()
                .build()
                .expect("server runtime");
            rt.block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
                let addr = listener.local_addr().expect("local addr");
                tx.send(format!("http://{addr}")).expect("send address");
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    thread_stats.connections.fetch_add(1, Relaxed);
                    tokio::spawn(serve(stream, answers.clone(), thread_stats.clone()));
                }
            });
        })
        .expect("spawn server thread");
    let address = rx.recv().expect("server address");
    let clock = {
        use std::os::unix::thread::JoinHandleExt;
        let mut clock: libc::clockid_t = 0;
        // SAFETY: the thread is running (it sent its address) and never exits; `clock` is a
        // valid, writable clockid_t.
        let rc = unsafe { libc::pthread_getcpuclockid(thread.as_pthread_t(), &mut clock) };
        (rc == 0).then_some(clock)
    };
    Server {
        address,
        stats,
        clock,
    }
}

/// Serves one keep-alive connection until the client closes it.
///
/// The request head is parsed once, by `httparse` (the parser hyper's servers use), so the
/// server's work per request is what a Rust HTTP server's is, whatever the client's headers.
/// (It searched the head byte by byte for its end and then for each header it reads: ~20
/// instructions per byte of head, so a client's 60 more bytes of headers, `User-Agent` and
/// `X-Vault-Request`, cost the server 1.5k instructions a read, on the same two cores as the
/// client: `benches/README.md`, "The loopback server's parser".)
async fn serve(mut stream: TcpStream, answers: Arc<Answers>, stats: Arc<Stats>) {
    let mut buf: Vec<u8> = Vec::with_capacity(8192);
    let mut chunk = [0u8; 8192];
    loop {
        // Read one request head (and skip any body by Content-Length).
        let (head_end, body_len, answer) = loop {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut request = httparse::Request::new(&mut headers);
            match request.parse(&buf) {
                Ok(httparse::Status::Complete(head_end)) => {
                    let body_len = header_value(request.headers, "content-length")
                        .and_then(|v| std::str::from_utf8(v).ok()?.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    break (head_end, body_len, route(&request, &answers));
                }
                Ok(httparse::Status::Partial) => {}
                Err(_) => return,
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        while buf.len() < head_end + body_len {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf.drain(..head_end + body_len);
        stats.requests.fetch_add(1, Relaxed);
        if stream.write_all(answer).await.is_err() {
            return;
        }
    }
}

fn route<'a>(request: &httparse::Request<'_, '_>, answers: &'a Answers) -> &'a [u8] {
    let method = request.method.unwrap_or_default().as_bytes();
    let target = request.path.unwrap_or_default().as_bytes();
    let path = target.split(|&b| b == b'?').next().unwrap_or_default();
    let token = header_value(request.headers, "x-vault-token").is_some();
    match (method, path) {
        (b"GET", b"/v1/sys/health") => &answers.health,
        (b"POST", b"/v1/auth/approle/login") => &answers.login,
        (_, _) if path.starts_with(b"/v1/secret/") && !token => &answers.forbidden,
        (b"GET", b"/v1/secret/data/app/config") => &answers.small,
        (b"GET", b"/v1/secret/data/big") => &answers.big,
        (b"GET", b"/v1/secret/data/big-chunked") => &answers.big_chunked,
        (b"POST" | b"PUT", b"/v1/secret/data/app/write") => &answers.write,
        (b"GET" | b"LIST", b"/v1/secret/metadata/dir" | b"/v1/secret/metadata/dir/")
            if method == b"LIST" || target.windows(9).any(|w| w == b"list=true") =>
        {
            &answers.list
        }
        _ => &answers.not_found,
    }
}

fn header_value<'a>(headers: &[httparse::Header<'a>], name: &str) -> Option<&'a [u8]> {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value)
}
