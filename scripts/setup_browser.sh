#!/usr/bin/env bash
# What the browser test needs besides the venv: the widget's npm packages (scripts/setup_web.sh)
# and Debian's Chromium at /usr/bin/chromium (installed with apt-get when missing).
# Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup_web.sh
if [ ! -x /usr/bin/chromium ]; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "setup_browser: installing Chromium with apt-get"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
  else
    echo "setup_browser: /usr/bin/chromium is missing and apt-get is not available; the browser test will be skipped" >&2
  fi
fi
