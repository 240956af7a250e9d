#!/usr/bin/env bash
# Refresh the vendored Cytoscape.js build (the drawn co-offending network on
# /iom/network/) from the npm registry.
# Why vendored: `make demo` must work with only Python and pip, and the page's
# Content-Security-Policy allows only same-origin scripts, so the built file is
# committed with its version and licence. The minified ES module build has no
# dependencies; it is renamed .js so that every static server sends it as JavaScript
# (a module script needs that type). The page's own code is iom/static/iom/network.js.
set -euo pipefail
VERSION="${1:-3.35.0}"
here="$(cd "$(dirname "$0")/.." && pwd)"
dest="$here/src/saferleeds/web/static/vendor/cytoscape"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "cytoscape@$VERSION" --silent >/dev/null && tar xzf cytoscape-*.tgz)
rm -rf "$dest"; mkdir -p "$dest"
sed 's#//\# sourceMappingURL=.*##' "$tmp/package/dist/cytoscape.esm.min.mjs" > "$dest/cytoscape.esm.min.js"
cp "$tmp/package/LICENSE" "$dest/LICENCE"
echo "cytoscape $VERSION (npm), dist: cytoscape.esm.min.mjs as cytoscape.esm.min.js" > "$dest/VERSION"
echo "vendored cytoscape $VERSION into $dest"
