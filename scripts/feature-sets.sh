#!/usr/bin/env bash
# Every feature set users pick builds, with its tests: no API group at all, each default group
# alone, each TLS backend alone, `blocking` and `testing` alone, the default and `full`.
#
# The handwritten layer (client, errors, logins, KV, renewer, lease watcher, wrapping) sends only
# the operation table (`hashivault::api::operations`, generated whatever the features), never a
# group's generated method, so each set must compile. `cargo check` (no code generation past
# metadata) keeps this within CI's time; the sets share one target directory
# (`target/feature-sets`) so their dependencies are checked once per TLS stack. The test command
# (`cargo xtask test`) runs the library's tests with all features, the TLS tests with
# native-tls alone, and the http-only tests; this script adds the sets in between.
#
# Usage: scripts/feature-sets.sh            prints each set and its time, fails on the first error
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
export CARGO_TARGET_DIR="$repo/target/feature-sets"

sets=(
    ""                              # no TLS, no API group: an http-only client (Vault Agent)
    "rustls"                        # no API group
    "native-tls"                    # the platform's TLS alone, no API group
    "rustls,sys"
    "rustls,kv"
    "native-tls,kv"
    "rustls,cubbyhole"
    "rustls,auth-token"
    "rustls,auth-userpass"
    "rustls,auth-approle"
    "auth-aws"                      # auth::AwsIam: aws-sigv4, aws-config
    "cert-keeper"                   # hashivault::cert: pki + rustls, no dependency of its own
    "blocking"
    "testing"
    "metrics"                       # the metrics facade alone
    "default"
    "full"
)

started=$(date +%s)
for set in "${sets[@]}"; do
    t0=$(date +%s)
    # The library and its tests: a test file whose calls need API groups is empty without them
    # (`#![cfg(feature = ...)]`), so `cargo test` with any of these sets builds.
    if [ "$set" = "default" ]; then
        args=(--lib --tests)
    else
        args=(--lib --tests --no-default-features)
        [ -n "$set" ] && args+=(--features "$set")
    fi
    printf 'feature set %-22s ' "${set:-(none)}"
    if ! out=$(cargo check -p hashivault "${args[@]}" --message-format short 2>&1); then
        echo "FAILED"
        echo "$out" | grep -E '^(error|warning)' | head -40
        exit 1
    fi
    if echo "$out" | grep -q '^warning'; then
        echo "warnings:"
        echo "$out" | grep '^warning' | head -20
        exit 1
    fi
    echo "ok ($(( $(date +%s) - t0 )) s)"
done
echo "feature sets: ${#sets[@]} checked in $(( $(date +%s) - started )) s"
