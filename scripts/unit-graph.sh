#!/usr/bin/env bash
# Checks that the code generator stack is compiled once in the test command's build.
#
# `cargo xtask test` builds `cargo test --workspace --all-features`: xtask's `codegen` feature
# (`cargo xtask codegen`, the spec refresh, the normalizer's tests) uses progenitor, typify, syn,
# serde_json, ... (the library itself has no build script since the generated API is checked
# in). The workspace's Cargo.toml (resolver 1, package opt-levels) keeps each one unit; this
# script asks cargo for the unit graph of that build (no compiling: `--unit-graph`, nightly or
# RUSTC_BOOTSTRAP=1 as in docsrs-check.sh), prints the unit counts of the test command's build
# and of a first `cargo build --example quickstart`, and fails if any library is compiled
# twice (same package, different units).
#
# Usage: scripts/unit-graph.sh
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    cargo=(cargo +nightly)
else
    echo "unit-graph: no nightly toolchain, using stable with RUSTC_BOOTSTRAP=1" >&2
    export RUSTC_BOOTSTRAP=1
    cargo=(cargo)
fi

graph() { "${cargo[@]}" build --offline "$@" --unit-graph -Z unstable-options 2>/dev/null; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
graph --workspace --all-features --all-targets > "$work/test.json"
graph --example quickstart > "$work/quickstart.json"

python3 - "$work/test.json" "$work/quickstart.json" <<'PY'
import collections, json, sys
names = ["cargo test --workspace --all-features", "cargo build --example quickstart"]
twice = []
for name, path in zip(names, sys.argv[1:]):
    units = json.load(open(path))["units"]
    # A target is its package, name and kind (xtask's lib and bin are both named `xtask`).
    builds = collections.Counter(
        (unit["pkg_id"], unit["target"]["name"], tuple(unit["target"]["kind"]))
        for unit in units
        if unit["mode"] == "build" and unit["target"]["kind"] != ["custom-build"]
    )
    dups = sorted(pkg.split("#")[-1] for (pkg, _, _), n in builds.items() if n > 1)
    print(f"{name}: {len(units)} units, {len(dups)} libraries compiled twice")
    twice += [f"  twice in {name}: {pkg}" for pkg in dups]
if twice:
    print("\n".join(twice))
    print("unit-graph: a library (the generator stack?) is compiled twice; see Cargo.toml's [workspace]", file=sys.stderr)
    sys.exit(1)
PY
