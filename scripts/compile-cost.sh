#!/usr/bin/env bash
# Compile cost of hashivault, side by side with vaultrs 0.8, on this machine, in one run.
#
# Prints, for clean builds in fresh target directories (as a user's first `cargo build`):
#   - a project depending on hashivault with default features,
#   - the same with `features = ["transit", "pki"]` beside the defaults (a typical service),
#   - the same with `features = ["full"]`,
#   - a project depending on vaultrs 0.8 (default features) and tokio,
# the wall time and peak memory (GNU time's maximum RSS of the whole cargo process tree), then
# the run time of hashivault's build script alone (debug, as users run it), `cargo doc
# --all-features --no-deps --offline`, and the size of `cargo package` (whose verify step builds
# the packaged crate as crates.io users and docs.rs get it).
#
# Usage: scripts/compile-cost.sh [--skip-full] [--builds-only] [--jobs N]
#   --builds-only: the clean builds and build.rs only (no `cargo doc`, no `cargo package`).
# The load average before and after is printed: other builds on the machine slow every row.
# Needs GNU time (`apt-get install time`) and network access to crates.io for the first fetch.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${COMPILE_COST_DIR:-/tmp/hashivault-compile-cost}
skip_full=false
builds_only=false
jobs=$(nproc)
while [ $# -gt 0 ]; do
    case "$1" in
        --skip-full) skip_full=true ;;
        --builds-only) builds_only=true ;;
        --jobs) jobs=$2; shift ;;
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
    local wall rss
    wall=$(grep 'Elapsed (wall clock)' "$log" | awk '{print $NF}')
    rss=$(grep 'Maximum resident set size' "$log" | awk '{print $NF}')
    printf '%-28s %10s %10.2f GB\n' "$label" "$wall" "$(awk -v k="$rss" 'BEGIN{print k/1048576}')"
}

project hv-default "hashivault = { path = \"$repo\" }"
project hv-transit-pki "hashivault = { path = \"$repo\", features = [\"transit\", \"pki\"] }"
project hv-full "hashivault = { path = \"$repo\", features = [\"full\"] }"
project vaultrs-peer 'vaultrs = "0.8"'

echo "clean builds on $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB; $(cargo --version)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-28s %10s %13s\n' build "wall" "peak memory"
measure vaultrs-0.8 "$work/vaultrs-peer"
measure hashivault-default "$work/hv-default"
measure hashivault-transit-pki "$work/hv-transit-pki"
$skip_full || measure hashivault-full "$work/hv-full"

# The build script alone, in the debug profile a user's build runs it in.
script=$(ls -t "$work"/target-hashivault-default/debug/build/hashivault-*/build-script-build | head -1)
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
echo "load average at the end of the builds: $(cut -d' ' -f1-3 /proc/loadavg)"
$builds_only && exit 0

start=$(date +%s.%N)
(cd "$repo" && CARGO_TARGET_DIR="$work/target-doc" cargo doc -q --all-features --no-deps --offline)
end=$(date +%s.%N)
printf '%-28s %9.2fs  (offline)\n' "cargo doc --all-features" "$(awk -v a="$start" -v b="$end" 'BEGIN{print b-a}')"

(cd "$repo" && CARGO_TARGET_DIR="$work/target-package" cargo package -q --allow-dirty -p hashivault)
crate=$(ls "$work"/target-package/package/hashivault-*.crate)
printf '%-28s %10s  (built from the package: ok)\n' "cargo package" "$(du -h "$crate" | cut -f1)"
