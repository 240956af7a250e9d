#!/usr/bin/env bash
# System packages the test suite needs: Debian's Chromium (browser tests drive it through
# Playwright; no browser is downloaded) and a PostgreSQL server (the suite runs on it too).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
[ -x /usr/bin/chromium ] || need+=(chromium fonts-dejavu-core)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if [ "${#need[@]}" -gt 0 ]; then
  echo "installing system packages: ${need[*]}" >&2
  scripts/apt-install.sh "${need[@]}"
fi
# WeasyPrint (the JSA as PDF) needs Pango; pdftoppm (poppler-utils) checks its pages as PNGs.
ldconfig -p | grep -q libpangoft2-1.0 || scripts/apt-install.sh libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
command -v pdftoppm >/dev/null || scripts/apt-install.sh poppler-utils
# PySpark (linkage and analytics on Spark, local mode in tests) needs a Java runtime.
command -v java >/dev/null || scripts/apt-install.sh openjdk-17-jre-headless
# The deployment test checks the shipped reverse-proxy site with `nginx -t`.
[ -x /usr/sbin/nginx ] || scripts/apt-install.sh nginx-light
