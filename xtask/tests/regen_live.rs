//! `cargo xtask regen` against a real dev server: `VAULT_ADDR` and `VAULT_TOKEN` (e.g.
//! `bao server -dev -dev-root-token-id=root`). Skipped with a message when they are unset, unless
//! `HASHIVAULT_REQUIRE_LIVE=1`, which makes a missing server a failure.

use xtask::regen;

/// The live server's address and token, or `None` (skip) when unset and not required.
fn live_server() -> Option<(String, String)> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (var("VAULT_ADDR"), var("VAULT_TOKEN")) {
        (Some(addr), Some(token)) => Some((addr, token)),
        _ if std::env::var("HASHIVAULT_REQUIRE_LIVE").as_deref() == Ok("1") => {
            panic!(
                "HASHIVAULT_REQUIRE_LIVE=1 but VAULT_ADDR or VAULT_TOKEN is unset: no live server"
            )
        }
        _ => {
            println!("skipped: VAULT_ADDR and VAULT_TOKEN are unset (no live server)");
            None
        }
    }
}

#[test]
fn live_server_serves_an_openapi_document_with_over_100_operations() {
    let Some((addr, token)) = live_server() else {
        return;
    };
    let text = regen::fetch::fetch_spec(&addr, &token).unwrap_or_else(|e| panic!("{e}"));
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(
        doc["openapi"]
            .as_str()
            .unwrap_or_default()
            .starts_with("3.0"),
        "{}",
        doc["openapi"]
    );
    let spec: openapiv3::OpenAPI = serde_json::from_value(doc.clone()).unwrap();
    let operations = spec.operations().count();
    assert!(operations > 100, "{operations} operations");
    assert_eq!(regen::canon::counts(&doc).1, operations);
    println!(
        "{} {}: {operations} operations",
        doc["info"]["title"], doc["info"]["version"]
    );
}
