"""Secrets of the channel tests' fake platforms. The channel stack they talk to (action
server, Rasa server with socket.io, REST, Slack and Messenger, and the demo page) is the
`stack` set-up of tests/conftest.py."""

from __future__ import annotations

SLACK_SIGNING_SECRET = "test-slack-signing-secret"
MESSENGER_APP_SECRET = "test-messenger-app-secret"
MESSENGER_VERIFY_TOKEN = "test-verify-token"
API_TOKEN = "test-channels-api-token"
