//! `unix:///path/agent.sock` addresses: the client talks HTTP over the socket, as to a Vault
//! Agent or Proxy listening there.
#![cfg(all(unix, feature = "cubbyhole"))]

mod common;

use common::wire::read_head;
use tokio::io::AsyncWriteExt;
use tokio::net::UnixListener;

#[tokio::test]
async fn requests_go_over_the_unix_socket() {
    let path = std::env::temp_dir().join(format!("hashivault-agent-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path).unwrap();
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let head = read_head(&mut stream, "the client closed before sending a request").await;
        let body = br#"{"request_id":"r","data":{"keys":["a","b/"]}}"#;
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(answer.as_bytes()).await.unwrap();
        stream.write_all(body).await.unwrap();
        String::from_utf8(head).unwrap()
    });

    let client = hashivault::Client::builder()
        .address(format!("unix://{}", path.display()))
        .token("agent-token")
        .build()
        .unwrap();
    let listed = client
        .api()
        .cubbyhole_list()
        .path("team")
        .send()
        .await
        .unwrap();
    assert_eq!(
        listed.into_inner().data.unwrap().keys,
        Some(vec!["a".to_string(), "b/".to_string()])
    );

    let head = server.await.unwrap().to_ascii_lowercase();
    assert!(
        head.starts_with("get /v1/cubbyhole/team/?list=true http/1.1\r\n"),
        "{head}"
    );
    assert!(
        head.contains("\r\nx-vault-token: agent-token\r\n"),
        "{head}"
    );
    assert!(head.contains("\r\nx-vault-request: true\r\n"), "{head}");
    let _ = std::fs::remove_file(&path);
}
