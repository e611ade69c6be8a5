#!/usr/bin/env bash
# Set everything up and run every test, or one tier of them:
#   ./scripts/test.sh [all|lint|unit|dialogue|integration] [pytest options]
#   lint         ruff (pyflakes errors) over the whole project, mypy over the neutral core
#   unit         tests with no trained model and no servers: the engine, the NLU components,
#                every action, the clinic's tools, the channels' units, the stores
#   dialogue     `rasa data validate`, the test stories and the held-out NLU evaluation
#                (needs the trained model)
#   integration  real Rasa and action servers on loopback: the safety suite, the simulated
#                runners, the channels, the web widget in Chromium, PostgreSQL, Redis, nginx
#   all          (the default; CI) lint, then every test in one pytest session
set -euo pipefail
cd "$(dirname "$0")/.."

tier=all
case "${1:-}" in
  all|lint|unit|dialogue|integration) tier=$1; shift ;;
esac

./scripts/setup.sh
lint() { .venv/bin/ruff check . && .venv/bin/mypy; }
case "$tier" in
  lint) lint ;;
  unit) .venv/bin/python -m pytest -m "not model and not servers" "$@" ;;
  dialogue)
    .venv/bin/python scripts/train.py >/dev/null
    .venv/bin/python -m pytest -m "model and not servers" "$@" ;;
  integration|all)
    ./scripts/setup_browser.sh  # npm packages of the web widget, and Chromium for its browser test
    .venv/bin/python scripts/train.py >/dev/null
    mkdir -p test-output
    ./scripts/setup_services.sh  # PostgreSQL and Redis answering, nginx installed (tests/persistence)
    if [ "$tier" = all ]; then
      lint
      .venv/bin/python -m pytest "$@"
    else
      .venv/bin/python -m pytest -m servers "$@"
    fi ;;
esac
