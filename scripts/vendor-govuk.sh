#!/usr/bin/env bash
# Refresh the vendored GOV.UK Frontend build from the npm registry.
# Why vendored: `make demo` must work with only Python and pip; the built CSS/JS are
# committed with their version, so no Node toolchain is needed at install time.
# The GDS Transport font and the crown are for GOV.UK services only, so @font-face
# rules are removed (text falls back to Arial, as GOV.UK Frontend intends off GOV.UK).
set -euo pipefail
VERSION="${1:-5.14.0}"
here="$(cd "$(dirname "$0")/.." && pwd)"
dest="$here/src/saferleeds/web/static/vendor/govuk-frontend"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "govuk-frontend@$VERSION" --silent >/dev/null && tar xzf govuk-frontend-*.tgz)
rm -rf "$dest"; mkdir -p "$dest"
python3 - "$tmp/package/dist/govuk/govuk-frontend.min.css" "$dest/govuk-frontend.min.css" <<'PY'
import re, sys
css = open(sys.argv[1], encoding="utf-8").read()
css = re.sub(r"@font-face\{[^}]*\}", "", css)
css = re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", css)
open(sys.argv[2], "w", encoding="utf-8").write(css)
PY
sed 's#//\# sourceMappingURL=.*##' "$tmp/package/dist/govuk/govuk-frontend.min.js" > "$dest/govuk-frontend.min.js"
python3 -c "import json,sys; p=json.load(open(sys.argv[1])); print(p[\"name\"], p[\"version\"], \"licence:\", p[\"license\"], \"(Crown copyright, https://github.com/alphagov/govuk-frontend)\")" "$tmp/package/package.json" > "$dest/LICENCE"
echo "govuk-frontend $VERSION (npm), built dist; @font-face removed" > "$dest/VERSION"
echo "vendored govuk-frontend $VERSION into $dest"
