#!/usr/bin/env bash
# Refresh axe-core (the accessibility engine the browser suite injects with Playwright), vendored
# from the npm registry into tests/e2e/vendor/axe-core/. Tests only: it is not under static/, so
# the site never serves it. The files are committed: nothing is fetched when the tests run.
set -euo pipefail
cd "$(dirname "$0")/.."
AXE_CORE_VERSION=4.14.1
dest=tests/e2e/vendor/axe-core
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "axe-core@${AXE_CORE_VERSION}" >/dev/null && tar xzf axe-core-*.tgz)
mkdir -p "$dest"
rm -f "$dest"/*
cp "$tmp/package/axe.min.js" "$dest/axe.min.js"
cp "$tmp/package/LICENSE" "$dest/LICENSE"
echo "axe-core@${AXE_CORE_VERSION}" > "$dest/VERSION"
