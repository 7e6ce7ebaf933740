#!/usr/bin/env bash
# Compile cost of hashivault, side by side with vaultrs 0.8, on this machine, in one run.
#
# Prints, for clean builds in fresh target directories (as a user's first `cargo build`):
#   - a project depending on hashivault with default features,
#   - the same with `features = ["transit", "pki"]` beside the defaults (a typical service),
#   - the same with `features = ["full"]`,
#   - a project depending on vaultrs 0.8 (default features) and tokio,
# the wall time, the CPU time (user + sys of the whole cargo process tree: less sensitive to
# other load on the machine than the wall time) and peak memory (GNU time's maximum RSS), then
# `cargo doc --all-features --no-deps --offline`, and the size of `cargo package` (whose verify
# step builds the packaged crate as crates.io users and docs.rs get it). The library has no build
# script (the generated API is checked in: `src/generated/api.rs`); for a checkout that has one,
# its run time alone is printed (debug, as users run it).
#
# Usage: scripts/compile-cost.sh [--skip-full] [--builds-only] [--jobs N] [--before DIR]
#   --builds-only: the clean builds and build.rs only (no `cargo doc`, no `cargo package`).
#   --before DIR: also build the hashivault projects from another checkout (say, a clone of main),
#     each row right before the same row of this checkout, in the same run.
# The load average before and after is printed: other builds on the machine slow every row.
# Needs GNU time (`apt-get install time`) and network access to crates.io for the first fetch.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${COMPILE_COST_DIR:-/tmp/hashivault-compile-cost}
skip_full=false
builds_only=false
before=
jobs=$(nproc)
while [ $# -gt 0 ]; do
    case "$1" in
        --skip-full) skip_full=true ;;
        --builds-only) builds_only=true ;;
        --jobs) jobs=$2; shift ;;
        --before) before=$(cd "$2" && pwd); shift ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
command -v /usr/bin/time >/dev/null || { echo "needs GNU time: apt-get install time" >&2; exit 1; }

mkdir -p "$work"
project() { # name, dependency lines
    local dir="$work/$1"
    mkdir -p "$dir/src"
    cat > "$dir/Cargo.toml" <<EOF
[package]
name = "$1"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
tokio = { version = "1", features = ["rt-multi-thread", "macros"] }
$2

[workspace]
EOF
    echo 'fn main() {}' > "$dir/src/main.rs"
    (cd "$dir" && cargo generate-lockfile -q && cargo fetch -q)
}

# A service that calls what it uses (the `transit` + `pki` build above calls nothing, which
# flatters code that is only compiled where it is called): `kv2().read` and 21 generated
# operations of the default groups, `transit` and `pki`, each sent and awaited.
service() { # name, hashivault dependency line
    project "$1" "$2
serde = { version = \"1\", features = [\"derive\"] }"
    cat > "$work/$1/src/main.rs" <<'RS'
#[derive(serde::Deserialize)]
struct Config {
    #[allow(dead_code)]
    url: String,
}

#[tokio::main]
async fn main() -> Result<(), hashivault::Error> {
    let vault = hashivault::Client::from_env()?;
    let config = vault.kv2("secret").read::<Config>("app/config").await?;
    drop(config);
    let api = vault.api();
    let (transit, pki) = ("transit", "pki");
    let ok = [
        api.read_health_status().send().await.is_ok(),
        api.seal_status().send().await.is_ok(),
        api.token_look_up_self().send().await.is_ok(),
        api.token_renew_self().send().await.is_ok(),
        api.app_role_login().approle_mount_path("approle").send().await.is_ok(),
        api.kv_v2_read().kv_v2_mount_path("secret").path("a").send().await.is_ok(),
        api.kv_v2_list().kv_v2_mount_path("secret").path("a/").send().await.is_ok(),
        api.transit_encrypt().transit_mount_path(transit).name("k")
            .body_map(|b| b.plaintext("aGVsbG8=".to_string())).send().await.is_ok(),
        api.transit_decrypt().transit_mount_path(transit).name("k").send().await.is_ok(),
        api.transit_read_key().transit_mount_path(transit).name("k").send().await.is_ok(),
        api.transit_create_key().transit_mount_path(transit).name("k").send().await.is_ok(),
        api.transit_rotate_key().transit_mount_path(transit).name("k").send().await.is_ok(),
        api.transit_sign().transit_mount_path(transit).name("k").send().await.is_ok(),
        api.transit_verify().transit_mount_path(transit).name("k").send().await.is_ok(),
        api.pki_issue_with_role().pki_mount_path(pki).role("web")
            .body_map(|b| b.common_name("a.example.com".to_string())).send().await.is_ok(),
        api.pki_sign_with_role().pki_mount_path(pki).role("web").send().await.is_ok(),
        api.pki_read_cert().pki_mount_path(pki).serial("01").send().await.is_ok(),
        api.pki_revoke().pki_mount_path(pki).send().await.is_ok(),
        api.pki_read_ca_chain_pem().pki_mount_path(pki).send().await.is_ok(),
        api.pki_list_roles().pki_mount_path(pki).send().await.is_ok(),
        api.pki_tidy().pki_mount_path(pki).send().await.is_ok(),
    ];
    println!("{ok:?}");
    Ok(())
}
RS
}

measure() { # label, dir, extra cargo args...
    local label=$1 dir=$2; shift 2
    local target="$work/target-$label"
    rm -rf "$target"
    local log="$work/$label.time"
    # COMPILE_COST_TIMINGS=1: also cargo's --timings report (target-LABEL/cargo-timings/).
    local timings=()
    [ -n "${COMPILE_COST_TIMINGS:-}" ] && timings=(--timings)
    (cd "$dir" && CARGO_TARGET_DIR="$target" /usr/bin/time -v cargo build -q -j "$jobs" "${timings[@]}" "$@" 2> "$log") || {
        echo "$label: build failed, see $log" >&2; tail -20 "$log" >&2; exit 1; }
    local wall rss cpu
    wall=$(grep 'Elapsed (wall clock)' "$log" | awk '{print $NF}')
    rss=$(grep 'Maximum resident set size' "$log" | awk '{print $NF}')
    cpu=$(awk -F': ' '/User time \(seconds\)|System time \(seconds\)/{t+=$2} END{printf "%.1f", t}' "$log")
    printf '%-36s %10s %9ss %10.2f GB\n' "$label" "$wall" "$cpu" "$(awk -v k="$rss" 'BEGIN{print k/1048576}')"
}

project hv-default "hashivault = { path = \"$repo\" }"
project hv-transit-pki "hashivault = { path = \"$repo\", features = [\"transit\", \"pki\"] }"
project hv-full "hashivault = { path = \"$repo\", features = [\"full\"] }"
service hv-service "hashivault = { path = \"$repo\", features = [\"transit\", \"pki\"] }"
project vaultrs-peer 'vaultrs = "0.8"'
if [ -n "$before" ]; then
    project hv-before-default "hashivault = { path = \"$before\" }"
    project hv-before-transit-pki "hashivault = { path = \"$before\", features = [\"transit\", \"pki\"] }"
    project hv-before-full "hashivault = { path = \"$before\", features = [\"full\"] }"
    service hv-before-service "hashivault = { path = \"$before\", features = [\"transit\", \"pki\"] }"
fi

echo "clean builds on $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB; $(cargo --version)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
[ -n "$before" ] && echo "before: $before ($(git -C "$before" log -1 --format=%h)); after: $repo ($(git -C "$repo" log -1 --format=%h))"
printf '%-36s %10s %10s %13s\n' build "wall" "CPU" "peak memory"
measure vaultrs-0.8 "$work/vaultrs-peer"
[ -n "$before" ] && measure before-hashivault-default "$work/hv-before-default"
measure hashivault-default "$work/hv-default"
[ -n "$before" ] && measure before-hashivault-transit-pki "$work/hv-before-transit-pki"
measure hashivault-transit-pki "$work/hv-transit-pki"
[ -n "$before" ] && measure before-hashivault-service "$work/hv-before-service"
measure hashivault-service-21-ops "$work/hv-service"
if ! $skip_full; then
    [ -n "$before" ] && measure before-hashivault-full "$work/hv-before-full"
    measure hashivault-full "$work/hv-full"
fi
[ -n "$before" ] && measure vaultrs-0.8-again "$work/vaultrs-peer"

# The build script alone (if the library has one), in the debug profile a user's build runs it in.
script=$(ls -t "$work"/target-{before-,}hashivault-default/debug/build/hashivault-*/build-script-build 2>/dev/null | head -1 || true)
[ -e "$repo/build.rs" ] || echo "build.rs: none"
if [ -z "$script" ]; then
    echo "load average at the end of the builds: $(cut -d' ' -f1-3 /proc/loadavg)"
    $builds_only && exit 0
else
script_repo=$repo
case "$script" in "$work"/target-before-*) script_repo=$before ;; esac
echo "build.rs of $script_repo:"
repo_saved=$repo
repo=$script_repo
out=$(mktemp -d)
start=$(date +%s.%N)
(cd "$repo" && OUT_DIR="$out" CARGO_MANIFEST_DIR="$repo" CARGO_FEATURE_DEFAULT=1 CARGO_FEATURE_SYS=1 \
    CARGO_FEATURE_KV=1 CARGO_FEATURE_CUBBYHOLE=1 CARGO_FEATURE_AUTH_TOKEN=1 CARGO_FEATURE_AUTH_USERPASS=1 \
    CARGO_FEATURE_AUTH_APPROLE=1 "$script" > /dev/null)
mid=$(date +%s.%N)
default_lines=$(wc -l < "$out/api.rs")
(cd "$repo" && OUT_DIR="$out" CARGO_MANIFEST_DIR="$repo" CARGO_FEATURE_FULL=1 "$script" > /dev/null)
end=$(date +%s.%N)
printf '%-28s %9.2fs  (%s lines generated)\n' "build.rs, default features" "$(awk -v a="$start" -v b="$mid" 'BEGIN{print b-a}')" "$default_lines"
printf '%-28s %9.2fs  (%s lines generated)\n' "build.rs, full" "$(awk -v a="$mid" -v b="$end" 'BEGIN{print b-a}')" "$(wc -l < "$out/api.rs")"
rm -rf "$out"
repo=$repo_saved
echo "load average at the end of the builds: $(cut -d' ' -f1-3 /proc/loadavg)"
$builds_only && exit 0
fi

start=$(date +%s.%N)
(cd "$repo" && CARGO_TARGET_DIR="$work/target-doc" cargo doc -q --all-features --no-deps --offline)
end=$(date +%s.%N)
printf '%-28s %9.2fs  (offline)\n' "cargo doc --all-features" "$(awk -v a="$start" -v b="$end" 'BEGIN{print b-a}')"

(cd "$repo" && CARGO_TARGET_DIR="$work/target-package" cargo package -q --allow-dirty -p hashivault)
crate=$(ls "$work"/target-package/package/hashivault-*.crate)
printf '%-28s %10s  (built from the package: ok)\n' "cargo package" "$(du -h "$crate" | cut -f1)"
