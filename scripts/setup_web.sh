#!/usr/bin/env bash
# Install the website widget's npm packages (bot/web/package-lock.json: rasa-webchat, and
# playwright-core and axe-core for the browser test) from the npm registry. Safe to re-run: it
# does nothing when the lock file has not changed since the last install. Needs Node.js 20 and npm.
set -euo pipefail
cd "$(dirname "$0")/../bot/web"

if ! command -v npm >/dev/null 2>&1; then
  echo "setup_web: npm is missing; install Node.js 20 (with npm) first" >&2
  exit 1
fi
STAMP=node_modules/.installed
wanted="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$wanted" ]; then
  echo "setup_web: npm packages are up to date"
  exit 0
fi
echo "setup_web: installing the widget's npm packages (npm ci, about 30 s)"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
echo "$wanted" > "$STAMP"
