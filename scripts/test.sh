#!/usr/bin/env bash
# Set everything up and run every test: unit tests of the engine, the NLU component and
# every action; `rasa data validate`; the test stories; the held-out NLU evaluation; and
# end-to-end conversations against real Rasa and action servers on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
./scripts/setup_browser.sh  # npm packages of the web widget, and Chromium for its browser test
.venv/bin/python scripts/train.py >/dev/null
mkdir -p test-output
./scripts/setup_services.sh  # PostgreSQL and Redis answering, nginx installed (tests/persistence)
.venv/bin/python -m pytest "$@"
