#!/usr/bin/env bash
# Refresh the vendored GOV.UK accessible-autocomplete build from the npm registry (same
# approach as scripts/vendor-govuk.sh: built CSS/JS committed with their version, no
# Node at install). Used to make long selects searchable (the case list's area filter):
# web/init.js enhances every <select data-sl-autocomplete>; without JavaScript the
# select stays a grouped select.
set -euo pipefail
VERSION="${1:-3.0.1}"
here="$(cd "$(dirname "$0")/.." && pwd)"
dest="$here/src/saferleeds/web/static/vendor/accessible-autocomplete"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "accessible-autocomplete@$VERSION" --silent >/dev/null && tar xzf accessible-autocomplete-*.tgz)
rm -rf "$dest"; mkdir -p "$dest"
for f in accessible-autocomplete.min.js accessible-autocomplete.min.css; do
  sed -e 's|/\*# sourceMappingURL=[^*]*\*/||' -e 's|//# sourceMappingURL=.*$||' \
    "$tmp/package/dist/$f" > "$dest/$f"
done
cp "$tmp/package/LICENSE.txt" "$dest/LICENCE"
echo "accessible-autocomplete $VERSION (npm), built dist; licence MIT (Crown copyright, Government Digital Service; https://github.com/alphagov/accessible-autocomplete)" > "$dest/VERSION"
echo "vendored accessible-autocomplete $VERSION into $dest"
