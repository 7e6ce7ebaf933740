//! Just enough HTTP/1.1 over a std `TcpStream` to talk to a loopback server: `sys/health`, and
//! the few JSON calls that set up a raft cluster (init, unseal, join, mount).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// A response: its status code and (de-chunked) body.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub body: String,
}

/// `GET path` on `addr` with `Connection: close` and extra `headers`, giving up after
/// `timeout` per step (connect, write, each read).
pub fn get(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
    timeout: Duration,
) -> std::io::Result<Response> {
    send(addr, "GET", path, headers, None, timeout)
}

/// `method path` on `addr` with a JSON `body` (if any), otherwise as [`get`].
pub fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
    timeout: Duration,
) -> std::io::Result<Response> {
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = body {
        request.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    request.push_str("Connection: close\r\n\r\n");
    request.push_str(body.unwrap_or_default());
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse_response(&raw).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// The status code of an HTTP/1.x status line such as `HTTP/1.1 200 OK`.
pub fn parse_status_line(line: &str) -> Result<u16, String> {
    let mut parts = line.trim_end_matches(['\r', '\n']).splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") {
        return Err(format!("not an HTTP/1.x status line: {line:?}"));
    }
    let code = parts.next().unwrap_or_default();
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("no status code in {line:?}"));
    }
    code.parse()
        .map_err(|_| format!("no status code in {line:?}"))
}

/// Split a whole response (read until close) into status and body.
pub fn parse_response(raw: &[u8]) -> Result<Response, String> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or("response ended before the end of its headers")?;
    let mut lines = head.split("\r\n");
    let status = parse_status_line(lines.next().unwrap_or_default())?;
    let chunked = lines.any(|line| {
        line.split_once(':').is_some_and(|(name, value)| {
            name.trim().eq_ignore_ascii_case("transfer-encoding")
                && value.to_ascii_lowercase().contains("chunked")
        })
    });
    let body = if chunked {
        dechunk(body)?
    } else {
        body.to_string()
    };
    Ok(Response { status, body })
}

fn dechunk(mut rest: &str) -> Result<String, String> {
    let mut out = String::new();
    loop {
        let (size_line, after) = rest.split_once("\r\n").ok_or("truncated chunk size")?;
        let size_hex = size_line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_hex, 16)
            .map_err(|_| format!("bad chunk size {size_hex:?}"))?;
        if size == 0 {
            return Ok(out);
        }
        let chunk = after.get(..size).ok_or("truncated chunk")?;
        out.push_str(chunk);
        rest = after[size..]
            .strip_prefix("\r\n")
            .ok_or("chunk without CRLF")?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_line_is_parsed() {
        assert_eq!(parse_status_line("HTTP/1.1 200 OK\r\n"), Ok(200));
        assert_eq!(
            parse_status_line("HTTP/1.0 503 Service Unavailable"),
            Ok(503)
        );
        assert_eq!(parse_status_line("HTTP/1.1 429"), Ok(429));
        assert!(parse_status_line("").is_err());
        assert!(parse_status_line("SSH-2.0-OpenSSH_9.6").is_err());
        assert!(parse_status_line("HTTP/1.1 2000 OK").is_err());
        assert!(parse_status_line("HTTP/1.1 OK 200").is_err());
    }

    #[test]
    fn response_with_content_length() {
        let raw = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{\"sealed\":false}";
        let response = parse_response(raw).unwrap();
        assert_eq!(response.status, 200);
        assert_eq!(response.body, "{\"sealed\":false}");
    }

    #[test]
    fn chunked_response() {
        let raw = b"HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"sea\r\na\r\nled\":true}\r\n0\r\n\r\n";
        let response = parse_response(raw).unwrap();
        assert_eq!(response.status, 503);
        assert_eq!(response.body, "{\"sealed\":true}");
    }

    #[test]
    fn truncated_response_is_an_error() {
        assert!(parse_response(b"HTTP/1.1 200 OK\r\nContent-Le").is_err());
    }
}
