#!/usr/bin/env bash
# Set everything up and chat with the screener in the terminal (rasa shell).
# Creates the venv and installs (first time only), trains (only when data or config
# changed), starts the action server in the background and stops it when the shell exits.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
MODEL="$(.venv/bin/python scripts/train.py)"
.venv/bin/python -m actions.screening.validate >/dev/null

ACTIONS_PORT=5055  # endpoints.yml points here
LOG_DIR="${TMPDIR:-/tmp}"
ACTIONS_LOG="$LOG_DIR/screener-actions.log"
echo "run: starting the action server on port $ACTIONS_PORT (log: $ACTIONS_LOG)"
.venv/bin/python -m actions.serve --port "$ACTIONS_PORT" >"$ACTIONS_LOG" 2>&1 &
ACTIONS_PID=$!
trap 'kill "$ACTIONS_PID" 2>/dev/null; wait "$ACTIONS_PID" 2>/dev/null || true' EXIT

for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$ACTIONS_PORT/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$ACTIONS_PID" 2>/dev/null; then
    echo "run: the action server did not start; see $ACTIONS_LOG" >&2
    tail -20 "$ACTIONS_LOG" >&2
    exit 1
  fi
  sleep 1
done

echo "run: type 'hi' to start; buttons are numbered (type the number or your own words); /stop quits."
# bot/shell.py: rasa shell with buttons as a numbered list (no menu that Enter answers for
# you) and without the libraries' start-up warnings.
# Libraries print deprecation warnings (and the source lines under them) on stderr at
# start-up; only tracebacks and real errors get through. Both servers log through
# deploy/logging.yml (runners' words and contact details masked; actions.serve adds it itself).
TF_CPP_MIN_LOG_LEVEL=3 PYTHONWARNINGS=ignore .venv/bin/python -m bot.shell --model "$MODEL" \
  --logging-config-file deploy/logging.yml "$@" \
  2> >(grep --line-buffered -v -E "Warning|warn\(|^\s*$|^  [^F ]|^Implementing implicit|^e https://setuptools" >&2)
