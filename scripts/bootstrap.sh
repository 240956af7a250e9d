#!/usr/bin/env bash
# Create the virtual environment and install saferleeds with its test tools.
# Needs only Python 3.11+ and pip; installs Debian's python3-venv if venv is missing.
set -euo pipefail
PYTHON="${1:-python3}"
VENV="${2:-.venv}"
cd "$(dirname "$0")/.."

"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "saferleeds needs Python 3.11 or newer; $PYTHON is $("$PYTHON" --version 2>&1)" >&2
  exit 1
}
if [ ! -x "$VENV/bin/python" ]; then
  if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
    rm -rf "$VENV"
    echo "python venv module missing; installing Debian's python3-venv" >&2
    scripts/apt-install.sh python3-venv
    "$PYTHON" -m venv "$VENV"
  fi
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -e ".[dev]"
echo "saferleeds installed in $VENV"
