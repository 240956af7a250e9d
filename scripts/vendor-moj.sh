#!/usr/bin/env bash
# Refresh the vendored MOJ Frontend build from the npm registry (same approach as
# scripts/vendor-govuk.sh: built CSS/JS committed with their version, no Node at install).
#
# Version: 8.0.1 is the newest release whose peer dependency allows govuk-frontend 5.x
# ("^5.11.2"); 9.0.0 and later need govuk-frontend ^6. Bump both together.
#
# The built CSS refers to its icons as url(/assets/images/...), a path this site does not
# serve: those references are made relative and the icons they name are copied alongside,
# so no request 404s. MOJ's logos, crest and touch icons are not copied (MOJ services only).
# The JS is vendored for completeness; the pages use only CSS patterns (timeline,
# sub-navigation, badge), so base.html loads the CSS alone.
set -euo pipefail
VERSION="${1:-8.0.1}"
here="$(cd "$(dirname "$0")/.." && pwd)"
dest="$here/src/saferleeds/web/static/vendor/moj-frontend"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "@ministryofjustice/frontend@$VERSION" --silent >/dev/null && tar xzf ministryofjustice-frontend-*.tgz)
peer="$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['peerDependencies']['govuk-frontend'])" "$tmp/package/package.json")"
rm -rf "$dest"; mkdir -p "$dest/images"
python3 - "$tmp/package/moj" "$dest" <<'PY'
import re, shutil, sys
from pathlib import Path
src, dest = Path(sys.argv[1]), Path(sys.argv[2])
css = (src / "moj-frontend.min.css").read_text(encoding="utf-8")
css = re.sub(r"@font-face\{[^}]*\}", "", css)
css = re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", css)
icons = sorted(set(re.findall(r"url\(/assets/images/([\w.-]+)\)", css)))
css = re.sub(r"url\(/assets/images/([\w.-]+)\)", r"url(images/\1)", css)
(dest / "moj-frontend.min.css").write_text(css, encoding="utf-8")
for name in icons:
    shutil.copyfile(src / "assets" / "images" / name, dest / "images" / name)
js = (src / "moj-frontend.min.js").read_text(encoding="utf-8")
js = re.sub(r"//# sourceMappingURL=\S*", "", js)
(dest / "moj-frontend.min.js").write_text(js, encoding="utf-8")
PY
python3 -c "import json,sys; p=json.load(open(sys.argv[1])); print(p[\"name\"], p[\"version\"], \"licence:\", p[\"license\"], \"(Crown copyright, Ministry of Justice; https://github.com/ministryofjustice/moj-frontend)\")" "$tmp/package/package.json" > "$dest/LICENCE"
echo "@ministryofjustice/frontend $VERSION (npm), built dist; peer govuk-frontend $peer; icon URLs made relative" > "$dest/VERSION"
echo "vendored @ministryofjustice/frontend $VERSION into $dest"
