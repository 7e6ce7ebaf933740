#!/usr/bin/env bash
# Instructions per request of each client's thread, under callgrind: a figure that does not move
# with machine load (wall-clock ratios do). For each client, N=200 and N=1200 sequential reads of
# the small KV v2 secret from the in-process loopback server; the difference of the client
# thread's instruction counts divided by 1000 removes setup.
#
#   benches/callgrind.sh [OP]      # OP: kv (default), health or big
set -euo pipefail
op=${1:-kv}
repo=$(cd "$(dirname "$0")/.." && pwd)
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }
cargo build --release -p hashivault-bench --manifest-path "$repo/Cargo.toml" >&2
bin="$repo/target/release/hashivault-bench"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
floor=
printf '%-16s %14s %10s\n' client "instr/request" "vs floor"
for client in floor api kv kv-no-timeout kv-noop-interceptor vaultrs; do
  declare -A ir=()
  for n in 200 1200; do
    valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$work/cg.$n.out" \
      "$bin" --profile "$client" "$op" "$n" >/dev/null 2>&1
    # Thread 1 is the client's runtime thread (the server runs on a thread of its own).
    ir[$n]=$(awk '/^summary:/ {print $2}' "$work/cg.$n.out-01")
  done
  per=$(( (ir[1200] - ir[200]) / 1000 ))
  floor=${floor:-$per}
  printf '%-16s %14d %9.2fx\n' "$client" "$per" "$(awk -v a="$per" -v f="$floor" 'BEGIN{print a/f}')"
done
