#!/usr/bin/env bash
# Install Debian packages non-interactively (as root, or through sudo when available).
set -euo pipefail
[ "$#" -gt 0 ] || exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "need root to install: $* (run: sudo apt-get install -y $*)" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
# Update the package lists once per hour at most; a stale list fails to find packages.
stamp=/var/lib/apt/periodic/saferleeds-update
if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +60 2>/dev/null)" ]; then
  $SUDO apt-get update -qq
  $SUDO mkdir -p "$(dirname "$stamp")" && $SUDO touch "$stamp"
fi
$SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
