#!/usr/bin/env bash
# Instructions per request of each client's thread, under callgrind: a figure that does not move
# with machine load (wall-clock ratios do). For each client, N1 and N2 sequential requests of OP
# (N=200 and 1200 for the small answers; fewer for the 1 MiB reads and the 1,000-key list) to the
# in-process loopback server; the difference of the client thread's instruction counts divided
# by N2-N1 removes setup.
#
#   benches/callgrind.sh [OP]      # OP: kv (default), health, big, big-chunked, write, login, list
set -euo pipefail
op=${1:-kv}
repo=$(cd "$(dirname "$0")/.." && pwd)
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }
cargo build --release -p hashivault-bench --manifest-path "$repo/Cargo.toml" >&2
bin="$repo/target/release/hashivault-bench"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
floor=
case $op in
  big | big-chunked) n1=10 n2=60 ;;
  list) n1=50 n2=300 ;;
  *) n1=200 n2=1200 ;;
esac
# floor-map (small reads only): the floor decoding the secret into a `serde_json::Map`, the shape
# the generated call returns it in; the generated call's ratio to it is printed last.
clients=(floor api kv kv-no-timeout kv-noop-interceptor vaultrs)
[ "$op" = kv ] && clients=(floor floor-map api kv kv-no-timeout kv-noop-interceptor vaultrs)
printf '%-20s %14s %10s\n' client "instr/request" "vs floor"
declare -A per_client=()
for client in "${clients[@]}"; do
  declare -A ir=()
  for n in $n1 $n2; do
    valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$work/cg.$n.out" \
      "$bin" --profile "$client" "$op" "$n" >/dev/null 2>&1
    # Thread 1 is the client's runtime thread (the server runs on a thread of its own).
    ir[$n]=$(awk '/^summary:/ {print $2}' "$work/cg.$n.out-01")
  done
  per=$(( (ir[$n2] - ir[$n1]) / (n2 - n1) ))
  floor=${floor:-$per}
  per_client[$client]=$per
  printf '%-20s %14d %9.3fx\n' "$client" "$per" "$(awk -v a="$per" -v f="$floor" 'BEGIN{print a/f}')"
done
if [ -n "${per_client[floor-map]:-}" ]; then
  printf 'api vs floor-map (the same answer shape): %.3fx\n' \
    "$(awk -v a="${per_client[api]}" -v f="${per_client[floor-map]}" 'BEGIN{print a/f}')"
fi
