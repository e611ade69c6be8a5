#!/usr/bin/env bash
# The clinic's records: list, show and export screens, forget a runner, purge old data.
#   ./scripts/clinic.sh list | show ID | export --format csv|json [--out FILE]
#   ./scripts/clinic.sh forget SENDER_ID|--email ADDRESS|--phone NUMBER | purge [--dry-run]
#   ./scripts/clinic.sh migrate | downgrade REVISION | current
# Uses DATABASE_URL when set, else the SQLite file .rasa/screener.db (docs/deploy.md).
# ./scripts/clinic.sh --help lists every option.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m actions.records "$@"
