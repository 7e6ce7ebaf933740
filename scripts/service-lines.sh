#!/usr/bin/env bash
# Lines of code of the same service written with hashivault and with vaultrs 0.8
# (benches/service/hashivault.rs and vaultrs.rs, both formatted by rustfmt): blank lines, comment
# lines and lines marked `// not counted` (bench-only set-up) are left out.
#
# Usage: scripts/service-lines.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
count() {
    grep -v -E '^\s*$|^\s*//|// not counted' "$1" | wc -l
}
h=$(count benches/service/hashivault.rs)
v=$(count benches/service/vaultrs.rs)
printf 'service lines of code: hashivault %d, vaultrs 0.8 %d (%+d)\n' "$h" "$v" "$((h - v))"
