#!/usr/bin/env bash
# Refresh the front-end files vendored from the npm registry into static/vendor/.
# They are committed: nothing is fetched at run time or by `make run`.
set -euo pipefail
cd "$(dirname "$0")/.."
HTMX_VERSION=2.0.11
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "htmx.org@${HTMX_VERSION}" >/dev/null && tar xzf htmx.org-*.tgz)
cp "$tmp/package/dist/htmx.min.js" static/vendor/htmx/htmx.min.js
cp "$tmp/package/LICENSE" static/vendor/htmx/LICENSE
echo "htmx.org@${HTMX_VERSION}" > static/vendor/htmx/VERSION
