#!/usr/bin/env bash
# Refresh Swagger UI (the API docs at /api/v1/docs/), vendored from the npm registry into
# static/vendor/swagger-ui/. The files are committed: nothing is fetched at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
SWAGGER_UI_VERSION=5.35.0
dest=static/vendor/swagger-ui
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "swagger-ui-dist@${SWAGGER_UI_VERSION}" >/dev/null && tar xzf swagger-ui-dist-*.tgz)
mkdir -p "$dest"
rm -f "$dest"/*
# Only what the docs page loads: no source maps, no index.html (inline script), no standalone
# preset (its top bar logo is an SVG with an inline <style>, which the CSP blocks).
for file in swagger-ui.css swagger-ui-bundle.js favicon-32x32.png; do
  cp "$tmp/package/$file" "$dest/$file"
done
cp "$tmp/package/LICENSE" "$dest/LICENSE"
# The bundles end with a sourceMappingURL comment; the maps are not vendored.
sed -i '/^\/\/# sourceMappingURL=/d' "$dest/swagger-ui-bundle.js"
sed -i 's#/\*\# sourceMappingURL=[^*]*\*/##' "$dest/swagger-ui.css"
echo "swagger-ui-dist@${SWAGGER_UI_VERSION}" > "$dest/VERSION"
