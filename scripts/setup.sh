#!/usr/bin/env bash
# Create the virtual environment and install the pinned dependencies. Safe to re-run:
# it does nothing when the requirement files have not changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON_VERSION="$(cat .python-version)"
VENV=.venv
STAMP="$VENV/.installed"

find_python() {
  for candidate in "python${PYTHON_VERSION%.*}" "$HOME/.pyenv/versions/$PYTHON_VERSION/bin/python3"; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c "import sys; sys.exit(sys.version_info[:2] != (3, 10))" 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

wanted="$(cat requirements.txt requirements-dev.txt constraints.txt | sha256sum | cut -d' ' -f1)"
if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$wanted" ]; then
  echo "setup: virtual environment is up to date"
  exit 0
fi

if ! PY="$(find_python)"; then
  echo "setup: Python $PYTHON_VERSION is required (Rasa 3.6 does not run on newer Pythons)." >&2
  echo "       Install it with pyenv: pyenv install $PYTHON_VERSION" >&2
  exit 1
fi

echo "setup: creating $VENV with $($PY --version) and installing pinned packages (about 2-3 minutes)"
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip==24.0
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
  -r requirements.txt -r requirements-dev.txt -c constraints.txt
echo "$wanted" > "$STAMP"
echo "setup: done"
