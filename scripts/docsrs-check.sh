#!/usr/bin/env bash
# Builds hashivault's docs the way docs.rs does and checks what docs.rs users rely on.
#
# docs.rs runs `cargo +nightly rustdoc` with the `[package.metadata.docs.rs]` settings of
# Cargo.toml: all features, `--cfg docsrs` (which turns on `doc(cfg(...))` feature badges), no
# network. This script does the same with the `nightly` toolchain when rustup has one. Without
# nightly it uses the stable toolchain with RUSTC_BOOTSTRAP=1 (which lets stable accept the
# nightly-only `doc_cfg` feature) and says so: the output is the same for what is checked here,
# but it is not docs.rs's exact compiler.
#
# Checks:
#   1. the build succeeds (warnings allowed; broken intra-doc links are errors);
#   2. every generated operation method of `hashivault::api::Client` carries its feature badge
#      ("Available on crate feature X only");
#   3. the crate's front page links the feature table and the per-feature operation index
#      (`hashivault::features`);
#   4. the build stays under docs.rs's limits: time (15 min), memory (6 GB), and the size of
#      the generated HTML (docs.rs has no hard size limit per crate but warns on very large
#      output; we print it and fail above 500 MB). Figures are printed.
#
# It uses its own target directory (target/docsrs) so the nightly artifacts don't mix with the
# stable ones. A cold run compiles every dependency with nightly: minutes (see README).
#
# Usage: scripts/docsrs-check.sh
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
target=${DOCSRS_TARGET_DIR:-$repo/target/docsrs}
doc=$target/doc/hashivault

if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    toolchain=(+nightly)
    how="nightly ($(rustc +nightly --version))"
else
    toolchain=()
    export RUSTC_BOOTSTRAP=1
    how="stable with RUSTC_BOOTSTRAP=1, NOT nightly ($(rustc --version)): no nightly toolchain installed"
fi
echo "docs.rs check: $how" >&2

# GNU time measures peak memory; without it the memory limit is not checked (and we say so).
timer=()
if [ -x /usr/bin/time ]; then
    timer=(/usr/bin/time -f '%M %e' -o)
else
    echo "docs.rs check: no GNU time (/usr/bin/time): peak memory NOT measured" >&2
fi
rm -rf "$target/doc"
log=$(mktemp)
trap 'rm -f "$log" "$log.time"' EXIT
start=$(date +%s)
# Links that do not resolve, that point at a private item (a dead link on docs.rs), or that spell
# out a target the label already names: errors.
if ! RUSTDOCFLAGS="--cfg docsrs -D rustdoc::broken_intra_doc_links -D rustdoc::private_intra_doc_links -D rustdoc::redundant_explicit_links" \
    ${timer[@]+"${timer[@]}" "$log.time"} \
    cargo ${toolchain[@]+"${toolchain[@]}"} doc --lib --no-deps --all-features --offline --target-dir "$target" \
    2> "$log"; then
    tail -40 "$log" >&2
    echo "FAIL: the docs.rs build failed" >&2
    exit 1
fi
peak_kb=0 wall=$(( $(date +%s) - start ))
[ -s "$log.time" ] && read -r peak_kb wall < "$log.time"
size_mb=$(du -sm "$target/doc" | cut -f1)
files=$(find "$target/doc" -type f | wc -l)
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# 2. Feature badges on every generated method. rustdoc writes each method as a
#    `<section id="method.NAME" ...>` and its badge as `<div class="stab portability">` right
#    after the signature; count methods and methods followed by a badge before the next method.
client_html=$doc/api/struct.Client.html
[ -f "$client_html" ] || fail "no $client_html"
if [ -f "$client_html" ]; then
    read -r methods badged missing <<<"$(python3 - "$client_html" <<'EOF'
import re, sys
html = open(sys.argv[1], encoding="utf-8").read()
# Only the inherent methods: trait implementations (Clone, Debug, ClientHooks, blanket impls)
# follow the "Trait Implementations" heading and carry no feature badge.
html = html.split('id="trait-implementations"')[0]
parts = re.split(r'<section id="method\.([A-Za-z0-9_]+)"', html)
# parts: [prefix, name1, body1, name2, body2, ...]
names = parts[1::2]
bodies = parts[2::2]
skip = {"new", "new_with_client", "baseurl", "client", "api_version", "inner"}
checked = [(n, b) for n, b in zip(names, bodies) if n not in skip]
badge = re.compile(r'class="stab portability".*?crate feature <code>[a-z0-9-]+</code>', re.S)
missing = [n for n, b in checked if not badge.search(b.split("</section>")[0] + b[:4000])]
print(len(checked), len(checked) - len(missing), ",".join(missing[:5]) or "-")
EOF
)"
    if [ "$methods" -lt 1000 ]; then
        fail "only $methods generated methods documented on api::Client (expected every operation, ~1000)"
    fi
    if [ "$badged" != "$methods" ]; then
        fail "$((methods - badged)) of $methods generated methods have no feature badge (e.g. $missing)"
    fi
fi

# 3. The front page links the feature table and the operation index.
index_html=$doc/index.html
grep -q 'id="feature-groups"' "$index_html" || fail "the crate docs have no \"Feature groups\" section"
grep -q 'href="features/index.html"' "$index_html" || fail "the crate docs do not link hashivault::features"
if [ -f "$doc/features/index.html" ]; then
    grep -q 'transit_create_key' "$doc/features/index.html" ||
        fail "hashivault::features does not list transit_create_key"
else
    fail "no hashivault::features page"
fi

# 4. Limits.
elapsed=$(( $(date +%s) - start ))
peak_mb=$((peak_kb / 1024))
[ "$elapsed" -le 900 ] || fail "the doc build took ${elapsed}s (docs.rs limit: 900 s)"
[ "$peak_mb" -le 6144 ] || fail "the doc build peaked at ${peak_mb} MB (docs.rs limit: 6 GB)"
[ "$size_mb" -le 500 ] || fail "the docs are ${size_mb} MB"

cat <<EOF
docs.rs check ($how):
  build time            ${wall} s (limit 900 s)
  peak memory           $([ "$peak_kb" -gt 0 ] && echo "${peak_mb} MB" || echo "not measured") (limit 6144 MB)
  output                ${size_mb} MB in ${files} files
  generated methods     ${methods:-0}, with feature badge: ${badged:-0}
EOF
if [ "$failures" -gt 0 ]; then
    echo "docs.rs check: $failures failure(s)" >&2
    exit 1
fi
echo "docs.rs check: ok"
