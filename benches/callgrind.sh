#!/usr/bin/env bash
# Instructions per request of each client's thread, under callgrind: a figure that does not move
# with machine load (wall-clock ratios do). For each client, N1 and N2 sequential requests of OP
# (N=200 and 1200 for the small answers; fewer for the 1 MiB reads and the 1,000-key list) to the
# in-process loopback server; the difference of the client thread's instruction counts divided
# by N2-N1 removes setup.
#
#   benches/callgrind.sh [OP]      # OP: kv (default), health, big, big-chunked, write, login, list
#   benches/callgrind.sh decode    # the small KV answer decoded alone (no request), by part
#   benches/callgrind.sh kv32      # the small read by 32 tasks, with callgrind's cache simulation
set -euo pipefail
op=${1:-kv}
repo=$(cd "$(dirname "$0")/.." && pwd)
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }
cargo build --release -p hashivault-bench --manifest-path "$repo/Cargo.toml" >&2
bin="$repo/target/release/hashivault-bench"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# `decode`: instructions per decode of the small KV read's answer and of its parts, into the
# type each client decodes them into (`hashivault-bench --decode`): the generated call's
# decoding told apart from the rest of its call. Whole program, N=1000 and 11000 decodes.
if [ "$op" = decode ]; then
  # Instructions per decode of WHAT (a `--decode` argument).
  per_decode() {
    local n1 n2
    valgrind --tool=callgrind --callgrind-out-file="$work/d.out" "$bin" --decode "$1" 1000 >/dev/null 2>&1
    n1=$(awk '/^summary:/ {print $2}' "$work/d.out")
    valgrind --tool=callgrind --callgrind-out-file="$work/d.out" "$bin" --decode "$1" 11000 >/dev/null 2>&1
    n2=$(awk '/^summary:/ {print $2}' "$work/d.out")
    echo $(( (n2 - n1) / 10000 ))
  }
  # Each part against serde's derive decoding it as the floor does: the whole answer into the
  # floor's typed struct and into the floor-map's (the generated call's map), `data` and
  # `data.metadata` into the floor's structs.
  printf '%-28s %14s %12s %8s\n' "part (serde derive as)" "serde derive" hashivault ratio
  for part in answer:floor answer:floor-map data:floor-map metadata:floor; do
    derive=$(per_decode "${part%%:*}-${part#*:}")
    ours=$(per_decode "${part%%:*}-api")
    printf '%-28s %14d %12d %7.3fx\n' "${part%%:*} (${part#*:})" "$derive" "$ours" \
      "$(awk -v a="$ours" -v f="$derive" 'BEGIN{print a/f}')"
  done
  # A larger generated answer, hashivault alone: a token lookup as OpenBao 2.7.2 sent it.
  printf '%-28s %14s %12d\n' "token lookup (recorded)" "" "$(per_decode token-lookup-api)"
  exit 0
fi
# `kv32`: the small read made by 32 tasks at once, as the 32-task cells, under callgrind's cache
# simulation: per read, the client thread's instructions and L1 data misses (each task's state has
# left the L1 by the time the task is polled again), an estimate of cycles (instructions + 8 per
# L1 miss, an L2 hit), and the server thread's instructions (what the client's requests cost the
# stand-in server, on the same cores). N=400 and 1600 reads.
if [ "$op" = kv32 ]; then
  printf '%-20s %12s %10s %10s %9s %12s\n' client "instr/read" "L1d miss" estimate "vs floor" "server instr"
  est_floor=
  for client in floor floor-map api kv kv-no-timeout vaultrs; do
    for n in 400 1600; do
      valgrind --tool=callgrind --cache-sim=yes --separate-threads=yes \
        --callgrind-out-file="$work/c.$n.out" "$bin" --profile "$client" kv "$n" 32 >/dev/null 2>&1
    done
    # summary: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw; thread 1 the client, 2 the server.
    read -r ir miss < <(awk '/^summary:/ {print $2, $6 + $7}' "$work/c.1600.out-01" "$work/c.400.out-01" |
      awk 'NR == 1 {i = $1; m = $2} NR == 2 {printf "%d %d\n", (i - $1) / 1200, (m - $2) / 1200}')
    server=$(awk '/^summary:/ {print $2}' "$work/c.1600.out-02" "$work/c.400.out-02" |
      awk 'NR == 1 {s = $1} NR == 2 {printf "%d\n", (s - $1) / 1200}')
    est=$(( ir + 8 * miss ))
    est_floor=${est_floor:-$est}
    printf '%-20s %12d %10d %10d %8.3fx %12d\n' "$client" "$ir" "$miss" "$est" \
      "$(awk -v a="$est" -v f="$est_floor" 'BEGIN{print a/f}')" "$server"
  done
  exit 0
fi
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
