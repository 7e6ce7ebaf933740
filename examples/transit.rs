//! Transit, encryption as a service: encrypt, decrypt, rotate and rewrap, sign and verify.
//!
//! Needs the `transit` feature. Run it with `cargo xtask demo transit` (starts a throwaway
//! OpenBao dev server), or against your own server with `VAULT_ADDR` and `VAULT_TOKEN` set:
//! `cargo run --example transit --features transit`. The token must be allowed to enable a
//! secrets engine (a dev server's root token). It prints what it did, never a plaintext.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use hashivault::{Client, Sensitive};

type Error = Box<dyn std::error::Error>;

/// A string field of a generated operation's answer (transit answers are untyped maps).
/// A field of a typed answer the example needs, or an error naming it.
fn required<T>(value: Option<T>, name: &str) -> Result<T, Error> {
    value.ok_or_else(|| format!("the answer has no `{name}`").into())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let client = Client::from_env()?;
    let api = client.api();
    let run = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let mount = format!("examples-transit-{run}");

    api.mounts_enable_secrets_engine()
        .path(&mount)
        .body_map(|b| b.type_("transit"))
        .send()
        .await?;
    println!("enabled transit at {mount}/");

    // An AES-256-GCM key for data, an Ed25519 key for signatures.
    api.transit_create_key()
        .transit_mount_path(&mount)
        .name("orders")
        .body_map(|b| b.type_("aes256-gcm96"))
        .send()
        .await?;
    api.transit_create_key()
        .transit_mount_path(&mount)
        .name("releases")
        .body_map(|b| b.type_("ed25519"))
        .send()
        .await?;
    println!("created keys orders (aes256-gcm96) and releases (ed25519)");

    // Encrypt: Vault never stores the data; the ciphertext names the key version (vault:v1:…).
    let plaintext = "card 4111-1111-1111-1111, s3cret-cvv 123";
    let encrypted = api
        .transit_encrypt()
        .transit_mount_path(&mount)
        .name("orders")
        .body_map(|b| b.plaintext(Sensitive::from(BASE64.encode(plaintext))))
        .send()
        .await?
        .into_inner();
    let ciphertext = required(encrypted.data.and_then(|d| d.ciphertext), "ciphertext")?;
    println!(
        "encrypted {} bytes: ciphertext {}:…",
        plaintext.len(),
        ciphertext.split(':').take(2).collect::<Vec<_>>().join(":")
    );

    let decrypted = api
        .transit_decrypt()
        .transit_mount_path(&mount)
        .name("orders")
        .body_map(|b| b.ciphertext(ciphertext.clone()))
        .send()
        .await?
        .into_inner();
    let round_trip =
        BASE64.decode(required(decrypted.data.and_then(|d| d.plaintext), "plaintext")?.expose())?;
    println!(
        "decrypted: {} bytes, equal to the original: {}",
        round_trip.len(),
        round_trip == plaintext.as_bytes()
    );

    // Rotate the key, then rewrap the old ciphertext to the new version without seeing the data.
    api.transit_rotate_key()
        .transit_mount_path(&mount)
        .name("orders")
        .send()
        .await?;
    let rewrapped = api
        .transit_rewrap()
        .transit_mount_path(&mount)
        .name("orders")
        .body_map(|b| b.ciphertext(ciphertext.clone()))
        .send()
        .await?
        .into_inner();
    let new_ciphertext = required(rewrapped.data.and_then(|d| d.ciphertext), "ciphertext")?;
    println!(
        "rotated orders and rewrapped: {} -> {}",
        ciphertext.split(':').take(2).collect::<Vec<_>>().join(":"),
        new_ciphertext
            .split(':')
            .take(2)
            .collect::<Vec<_>>()
            .join(":")
    );
    let again = api
        .transit_decrypt()
        .transit_mount_path(&mount)
        .name("orders")
        .body_map(|b| b.ciphertext(new_ciphertext))
        .send()
        .await?
        .into_inner();
    let again =
        BASE64.decode(required(again.data.and_then(|d| d.plaintext), "plaintext")?.expose())?;
    println!(
        "the rewrapped ciphertext decrypts to the original: {}",
        again == plaintext.as_bytes()
    );

    // Sign and verify.
    let release = b"hashivault-0.1.0.crate sha256 0123abcd";
    let signed = api
        .transit_sign()
        .transit_mount_path(&mount)
        .name("releases")
        .body_map(|b| b.input(BASE64.encode(release)))
        .send()
        .await?
        .into_inner();
    let signature = required(signed.data.and_then(|d| d.signature), "signature")?;
    println!(
        "signed {} bytes with releases: signature {}",
        release.len(),
        signature.split(':').take(2).collect::<Vec<_>>().join(":")
    );
    for (what, input) in [
        ("the signed input", &release[..]),
        (
            "a tampered input",
            &b"hashivault-0.1.0.crate sha256 ffffffff"[..],
        ),
    ] {
        let verified = api
            .transit_verify()
            .transit_mount_path(&mount)
            .name("releases")
            .body_map(|b| b.input(BASE64.encode(input)).signature(signature.clone()))
            .send()
            .await?
            .into_inner();
        let valid = required(verified.data.and_then(|d| d.valid), "valid")?;
        println!("verify {what}: valid {valid}");
    }

    api.mounts_disable_secrets_engine()
        .path(&mount)
        .send()
        .await?;
    println!("disabled {mount}/");
    Ok(())
}
