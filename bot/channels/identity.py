"""Whose conversation a message joins: every sender id carries its channel.

    web:<session>          the web widget; the session id is issued and signed by the server
                           (bot/channels/socketio.py), never chosen by the browser
    slack:<team>:<user>    Slack, from the signed event's workspace and user (direct messages only)
    fb:<psid>              Messenger, the page-scoped id of the signed webhook's sender
    rest:<id>              REST, whatever id the integration sends, always prefixed

Each connector makes the id here from what it has checked (a platform's signature, a
session the server signed, the REST token), so a message can only ever reach a conversation
of its own channel: a REST client that sends "web:abc" or a Slack user id talks in
"rest:web:abc" or "rest:U123", never in that runner's conversation. The conversation id is
what the tracker store, the clinic's records (`actions/records`), the locks and
`scripts/clinic.sh forget SENDER_ID` see. No Rasa import here.
"""

from __future__ import annotations

from typing import Optional

WEB = "web"
SLACK = "slack"
MESSENGER = "fb"
REST = "rest"
SEPARATOR = ":"


def web_sender(session: str) -> str:
    return f"{WEB}{SEPARATOR}{session}"


def slack_sender(team: str, user: str) -> str:
    return f"{SLACK}{SEPARATOR}{team}{SEPARATOR}{user}"


def messenger_sender(psid: str) -> str:
    return f"{MESSENGER}{SEPARATOR}{psid}"


def rest_sender(client_id: str) -> str:
    return f"{REST}{SEPARATOR}{client_id}"


def platform_id(sender_id: Optional[str], channel: str) -> Optional[str]:
    """What follows `<channel>:` in a sender id (for Slack, `<team>:<user>`); None for another
    channel's id."""
    prefix = channel + SEPARATOR
    if sender_id and sender_id.startswith(prefix):
        return sender_id[len(prefix):]
    return None
