//! A scripted loopback HTTP/1.1 server for the transport tests: each connection gets the next
//! reply of a script (the last one repeats), every request's head and arrival time is kept, and
//! replies can stall, stop half-way or never end, which httpmock cannot do.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hashivault::{Client, ClientBuilder, Envelope, Error, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Retries with delays of a few milliseconds, so a test of the retry rules runs at once.
pub fn retries(max: usize) -> RetryPolicy {
    let ms = Duration::from_millis;
    RetryPolicy::default()
        .with_max_retries(max)
        .with_min_delay(ms(1))
        .with_max_delay(ms(5))
}

/// A client builder for `url` with `token` and [`retries`]`(max)`.
pub fn builder(url: &str, token: &str, max: usize) -> ClientBuilder {
    Client::builder()
        .address(url)
        .token(token)
        .retry_policy(retries(max))
}

/// The read the transport tests send: the generated `cubbyhole_read` of `path`.
pub async fn read_at(client: &Client, path: &str) -> Result<Envelope, Error> {
    let answer = client.api().cubbyhole_read().path(path).send().await;
    answer.map(|r| r.into_inner())
}

/// `GET /v1/<path>` through `Client::request`, the untyped way.
pub async fn get_json(client: &Client, path: &str) -> Result<Envelope, Error> {
    let method = hashivault::reqwest::Method::GET;
    client
        .request::<hashivault::JsonMap, ()>(method, path, None)
        .await
}

/// [`read_at`] of `cubbyhole/x`.
pub async fn read(client: &Client) -> Result<Envelope, Error> {
    read_at(client, "x").await
}

/// What the server does with one connection.
#[derive(Clone, Debug)]
pub enum Reply {
    /// Writes these bytes, then closes.
    Raw(Vec<u8>),
    /// Writes these bytes, waits, then closes (a stall mid-answer).
    Stall(Vec<u8>, Duration),
    /// Writes the head, then chunks of 64 KiB forever (until the client goes away).
    Endless(Vec<u8>),
}

/// A complete answer with `Content-Length`, `Connection: close` and extra headers.
pub fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut head = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    head.push_str(body);
    Reply::Raw(head.into_bytes())
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Hit {
    pub at: Instant,
    pub head: String,
}

pub struct Script {
    pub addr: SocketAddr,
    pub hits: Arc<Mutex<Vec<Hit>>>,
    /// Bytes written by `Endless` replies.
    pub written: Arc<Mutex<u64>>,
}

impl Script {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    /// Gaps between consecutive requests.
    pub fn gaps(&self) -> Vec<Duration> {
        let hits = self.hits();
        hits.windows(2).map(|w| w[1].at - w[0].at).collect()
    }
}

/// Starts the server on a free loopback port.
/// [`serve`] of one answer, `raw` as sent.
pub async fn serve_raw(raw: impl AsRef<[u8]>) -> Script {
    serve(vec![Reply::Raw(raw.as_ref().to_vec())]).await
}

pub async fn serve(script: Vec<Reply>) -> Script {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(Mutex::new(Vec::new()));
    let written = Arc::new(Mutex::new(0u64));
    let (h, w) = (hits.clone(), written.clone());
    tokio::spawn(async move {
        let mut n = 0usize;
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let reply = script[n.min(script.len() - 1)].clone();
            n += 1;
            let (h, w) = (h.clone(), w.clone());
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|x| x == b"\r\n\r\n") {
                    match socket.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(k) => buf.extend_from_slice(&chunk[..k]),
                    }
                }
                h.lock().unwrap().push(Hit {
                    at: Instant::now(),
                    head: String::from_utf8_lossy(&buf).into_owned(),
                });
                match reply {
                    Reply::Raw(bytes) => {
                        let _ = socket.write_all(&bytes).await;
                        let _ = socket.shutdown().await;
                    }
                    Reply::Stall(bytes, wait) => {
                        let _ = socket.write_all(&bytes).await;
                        let _ = socket.flush().await;
                        tokio::time::sleep(wait).await;
                    }
                    Reply::Endless(head) => {
                        if socket.write_all(&head).await.is_err() {
                            return;
                        }
                        let data = vec![b'a'; 64 * 1024];
                        let frame = [
                            format!("{:x}\r\n", data.len()).into_bytes(),
                            data,
                            b"\r\n".to_vec(),
                        ]
                        .concat();
                        loop {
                            if socket.write_all(&frame).await.is_err() {
                                return;
                            }
                            *w.lock().unwrap() += frame.len() as u64;
                        }
                    }
                }
            });
        }
    });
    Script {
        addr,
        hits,
        written,
    }
}
