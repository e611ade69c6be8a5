#!/usr/bin/env bash
# Serve the demo clinic page with the screener widget, and the bot behind it, on this machine:
#   ./scripts/serve.sh            then open http://127.0.0.1:8080/
# Sets up (venv, npm packages), trains if needed, then starts the action server (5055), the
# Rasa server (5005; socket.io and REST, plus Slack/Messenger when their variables are set,
# see docs/channels.md) and the page (8080). Ctrl-C stops them all.
# Ports: RASA_PORT, ACTIONS_PORT, WEB_PORT. HTTP API: off unless RASA_API_TOKEN is set.
# Logs: in the directory it prints, with runners' words and contact details masked
# (deploy/logging.yml, added by bot.launch and actions.serve).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
./scripts/setup_web.sh
MODEL="$(.venv/bin/python scripts/train.py)"
exec .venv/bin/python -m bot.channels.stack --model "$MODEL" "$@"
