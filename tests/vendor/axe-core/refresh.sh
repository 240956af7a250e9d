#!/usr/bin/env bash
# Refresh the vendored axe-core (tests only: tests/web/axe.py injects axe.min.js into pages).
# Vendored so the accessibility checks run with no Node toolchain and no network.
set -euo pipefail
VERSION="${1:-4.14.1}"
dest="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "axe-core@$VERSION" --silent >/dev/null && tar xzf axe-core-*.tgz)
cp "$tmp/package/axe.min.js" "$tmp/package/LICENSE" "$tmp/package/LICENSE-3RD-PARTY.txt" "$dest/"
echo "axe-core $VERSION (npm), axe.min.js; licence MPL-2.0 (LICENSE), third-party notices in LICENSE-3RD-PARTY.txt" > "$dest/VERSION"
echo "vendored axe-core $VERSION into $dest"
