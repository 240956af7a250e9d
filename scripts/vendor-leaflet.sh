#!/usr/bin/env bash
# Refresh the vendored Leaflet build (the map page) from the npm registry.
# Why vendored: `make demo` must work with only Python and pip, and the page's
# Content-Security-Policy allows only same-origin scripts, styles and images, so the
# built JS and CSS and the few images the CSS refers to are committed with their
# version and licence. No tile server is used: the map draws shipped boundaries.
set -euo pipefail
VERSION="${1:-1.9.4}"
here="$(cd "$(dirname "$0")/.." && pwd)"
dest="$here/src/saferleeds/web/static/vendor/leaflet"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "leaflet@$VERSION" --silent >/dev/null && tar xzf leaflet-*.tgz)
rm -rf "$dest"; mkdir -p "$dest/images"
sed 's#//\# sourceMappingURL=.*##' "$tmp/package/dist/leaflet-src.esm.js" > "$dest/leaflet-src.esm.js"
cp "$tmp/package/dist/leaflet.css" "$dest/leaflet.css"
cp "$tmp/package/dist/images/"*.png "$dest/images/"
cp "$tmp/package/LICENSE" "$dest/LICENCE"
echo "leaflet $VERSION (npm), dist: leaflet-src.esm.js, leaflet.css, images/" > "$dest/VERSION"
echo "vendored leaflet $VERSION into $dest"
