#!/usr/bin/env bash
# Checks the MSRV declared in Cargo.toml (`rust-version`).
#
# With a toolchain of exactly that version installed (`rustup toolchain list`), it runs
# `cargo +VERSION check --all-features --lib --offline` in its own target directory: the real
# check. Without one (no toolchain download here), it says so and checks what can be checked
# without it:
#   - that `rust-version` is declared;
#   - that no dependency in Cargo.lock declares a `rust-version` newer than ours (from
#     `cargo metadata`), which would make our MSRV a lie;
#   - that the crate's edition is one the MSRV supports (2021: 1.56+, 2024: 1.85+).
# The second mode does NOT prove that our own code compiles with the MSRV (a newer std API
# would slip through); the output says which mode ran.
#
# Usage: scripts/msrv.sh
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
msrv=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml | head -1)
[ -n "$msrv" ] || { echo "FAIL: Cargo.toml declares no rust-version" >&2; exit 1; }

if rustup toolchain list 2>/dev/null | grep -q "^$msrv\(\.0\)\?-"; then
    echo "msrv: checking with the $msrv toolchain" >&2
    cargo "+$msrv" check --all-features --lib --offline --target-dir target/msrv
    echo "msrv: ok (compiled with $msrv)"
    exit 0
fi

echo "msrv: no $msrv toolchain installed; NOT compiling with $msrv, checking dependencies' declared rust-version instead" >&2
cargo metadata --format-version 1 --all-features | python3 -c '
import json, sys
msrv = tuple(int(x) for x in sys.argv[1].split("."))
meta = json.load(sys.stdin)
workspace = set(meta["workspace_members"])
ours = [p for p in meta["packages"] if p["name"] == "hashivault"][0]
edition_min = {"2015": (1, 0), "2018": (1, 31), "2021": (1, 56), "2024": (1, 85)}[ours["edition"]]
bad = []
if edition_min > msrv:
    bad.append("edition %s needs Rust %s" % (ours["edition"], edition_min))
# Only what hashivault itself pulls in (normal and build dependencies), not xtask or benches.
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
seen, todo = set(), [ours["id"]]
while todo:
    node = nodes[todo.pop()]
    for dep in node["deps"]:
        if all(k["kind"] == "dev" for k in dep["dep_kinds"]) and node["id"] == ours["id"]:
            continue
        if dep["pkg"] not in seen:
            seen.add(dep["pkg"])
            todo.append(dep["pkg"])
checked = 0
for p in meta["packages"]:
    if p["id"] not in seen or p["id"] in workspace:
        continue
    checked += 1
    rv = p.get("rust_version")
    if rv and tuple(int(x) for x in rv.split(".")[:3]) > msrv + (0,) * (3 - len(msrv)):
        bad.append("%s %s needs Rust %s" % (p["name"], p["version"], rv))
for line in bad:
    print("FAIL:", line, file=sys.stderr)
print(f"msrv {sys.argv[1]}: {checked} dependencies checked, {len(bad)} above the MSRV")
sys.exit(1 if bad else 0)
' "$msrv"
