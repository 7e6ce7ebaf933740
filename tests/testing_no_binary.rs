//! `hashivault::testing::DevServer` on a machine with no server binary and no pip: a clear
//! error saying what to install, no panic. (Its own test binary: it changes `PATH`.)
#![cfg(feature = "testing")]

#[test]
fn no_binary_and_no_pip_is_a_clear_error() {
    let empty = std::env::temp_dir().join(format!("hashivault-no-binary-{}", std::process::id()));
    std::fs::create_dir_all(empty.join("bin")).unwrap();
    // Nothing on PATH: no bao, no vault, no python3.
    std::env::set_var("PATH", empty.join("bin"));
    std::env::remove_var("HASHIVAULT_SERVER_BIN");
    let err = hashivault::testing::DevServer::builder()
        .cache_dir(empty.join("cache"))
        .start_blocking()
        .expect_err("nothing to start");
    let message = err.to_string();
    for hint in [
        "no `bao` or `vault` on PATH",
        "python3 -m pip",
        "HASHIVAULT_SERVER_BIN",
    ] {
        assert!(message.contains(hint), "{hint:?} missing from: {message}");
    }
    // Nothing was installed.
    assert!(!empty.join("cache").join("openbao-2.7.2").exists());
    std::fs::remove_dir_all(&empty).unwrap();
}
