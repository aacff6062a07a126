#!/usr/bin/env bash
# Vendor the web app's front-end packages from the npm registry into
# src/paperradar/web/static/vendor/, so installing paperradar needs no build
# step and no network. Re-run after changing a version below, then commit the
# result (the vendored files are part of the package).
#
#   bash scripts/vendor_static.sh
#
# What is copied, and only that:
#   htmx.org  -> vendor/htmx.min.js (+ LICENSE)
#   katex     -> vendor/katex/katex.min.js, katex.min.css, contrib/auto-render.min.js,
#                fonts/*.woff2 only (every browser that runs this app reads woff2;
#                the .woff/.ttf copies would triple the size) (+ LICENSE)
# htmx is pinned to the 2.x line: 4.x changed request and swap semantics.
set -euo pipefail

HTMX_VERSION="${HTMX_VERSION:-2.0.11}"
KATEX_VERSION="${KATEX_VERSION:-0.19.1}"

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/src/paperradar/web/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

fetch() {  # fetch NAME VERSION -> unpacked in $WORK/NAME/package
    mkdir -p "$WORK/$1"
    (cd "$WORK/$1" && npm pack --silent "$1@$2" >/dev/null && tar -xzf ./*.tgz)
}

fetch htmx.org "$HTMX_VERSION"
fetch katex "$KATEX_VERSION"

rm -rf "$DEST"
mkdir -p "$DEST/katex/fonts" "$DEST/katex/contrib"
cp "$WORK/htmx.org/package/dist/htmx.min.js" "$DEST/htmx.min.js"
cp "$WORK/htmx.org/package/LICENSE" "$DEST/htmx.LICENSE"
K="$WORK/katex/package/dist"
cp "$K/katex.min.js" "$K/katex.min.css" "$DEST/katex/"
cp "$K/contrib/auto-render.min.js" "$DEST/katex/contrib/"
cp "$K"/fonts/*.woff2 "$DEST/katex/fonts/"
cp "$WORK/katex/package/LICENSE" "$DEST/katex/LICENSE"
# The stylesheet names .woff2, .woff and .ttf for each font; keep only woff2
# so the browser never asks for a file we do not ship.
sed -i -E 's/,url\([^)]*\.woff\) format\("woff"\)//g; s/,url\([^)]*\.ttf\) format\("truetype"\)//g' \
    "$DEST/katex/katex.min.css"

cat > "$DEST/VERSIONS" <<EOT
htmx.org $HTMX_VERSION
katex $KATEX_VERSION
EOT
du -sh "$DEST"
