"""Slack through Rasa's own connector, with what the clinic needs on top.

Rasa's SlackInput already checks the signing secret (v0 HMAC-SHA256 over `v0:{ts}:{body}`,
constant-time compare) and rejects timestamps more than 5 minutes off. This subclass adds:

* SLACK_API_BASE: the Web API address replies are posted to (default https://slack.com/api/),
  so tests can point it at a loopback fake;
* buttons as Block Kit buttons (Rasa drops them all past 5; Slack takes 25 per actions block);
* long messages split at paragraph, line or sentence boundaries into section blocks of at
  most 3,000 characters and messages of at most 40,000 (Rasa sends one block, which Slack
  rejects past 3,000);
* text escaped for Slack (&, <, >), so a message can't form a mention or a link by accident;
* the URL-verification challenge answered as Slack documents ({"challenge": ...});
* an event Slack delivers twice (a retry) handled once;
* 401 for a request that is not signed, signed wrongly or too old;
* a message longer than `max_message_chars` (clinic/clinic.yml) answered with the bot's
  `utter_input_too_long` reply at once, without reaching Rasa, and a request body over the
  cap answered 413 without being parsed (bot/channels/limits.py).
"""

from __future__ import annotations

import json
import logging
import os
from collections import OrderedDict
from http import HTTPStatus
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.slack import SlackBot, SlackInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.limits import MessageLimit
from bot.channels.text import short_title, split_text

logger = logging.getLogger(__name__)

API_BASE_VARIABLE = "SLACK_API_BASE"
DEFAULT_API_BASE = "https://slack.com/api/"
SECTION_LIMIT = 3000  # characters in one section block's text
MESSAGE_LIMIT = 40000  # characters in one message
BLOCK_LIMIT = 50  # blocks in one message
BUTTONS_PER_BLOCK = 25  # elements in one actions block
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
_REMEMBERED_EVENTS = 1000


def api_base(env: Optional[Mapping[str, str]] = None) -> str:
    base = (os.environ if env is None else env).get(API_BASE_VARIABLE) or DEFAULT_API_BASE
    return base if base.endswith("/") else base + "/"


def escape(text: str) -> str:
    """Slack's three control characters, escaped as Slack asks."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _button_blocks(buttons: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
    elements = []
    for index, button in enumerate(buttons):
        element: Dict[Text, Any] = {
            "type": "button",
            "text": {"type": "plain_text", "text": short_title(button.get("title", ""), BUTTON_TEXT_LIMIT), "emoji": True},
            "action_id": f"screener_button_{index}",
        }
        if button.get("url"):
            element["url"] = button["url"]
        else:
            payload = str(button.get("payload", ""))
            if len(payload) > BUTTON_VALUE_LIMIT:
                logger.warning("Slack: button %r left out: its payload is too long", button.get("title"))
                continue
            element["value"] = payload
        elements.append(element)
    return [
        {"type": "actions", "elements": elements[start:start + BUTTONS_PER_BLOCK]}
        for start in range(0, len(elements), BUTTONS_PER_BLOCK)
    ]


def slack_messages(text: Text, buttons: Optional[List[Dict[Text, Any]]] = None) -> List[Dict[Text, Any]]:
    """The chat.postMessage arguments (`text` and `blocks`) for one bot message.

    The text is split into section blocks within Slack's limits; the buttons go in actions
    blocks at the end of the last message.
    """
    sections = split_text(escape(text or ""), SECTION_LIMIT)
    button_blocks = _button_blocks(buttons or [])
    messages: List[Dict[Text, Any]] = []
    current: List[str] = []

    def flush() -> None:
        if current:
            messages.append({
                "text": "\n\n".join(current),
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": part}} for part in current],
            })
            current.clear()

    for section in sections:
        too_long = sum(len(part) + 2 for part in current) + len(section) > MESSAGE_LIMIT
        if current and (too_long or len(current) >= BLOCK_LIMIT):
            flush()
        current.append(section)
    if current and len(current) + len(button_blocks) > BLOCK_LIMIT:
        flush()
    flush()
    if button_blocks:
        if not messages:
            messages.append({"text": "Please choose:", "blocks": []})
        messages[-1]["blocks"] = messages[-1]["blocks"] + button_blocks
    return messages


class ClinicSlackBot(SlackBot):
    """Slack output: Block Kit messages within Slack's limits, posted to SLACK_API_BASE."""

    def __init__(self, token: Text, slack_channel: Optional[Text] = None, thread_id: Optional[Text] = None,
                 proxy: Optional[Text] = None, base_url: Optional[Text] = None) -> None:
        super().__init__(token, slack_channel, thread_id, proxy)
        self.client = AsyncWebClient(token, proxy=proxy, base_url=base_url or api_base())

    async def _post_all(self, recipient_id: Text, messages: List[Dict[Text, Any]]) -> None:
        recipient = self.slack_channel or recipient_id
        for message in messages:
            await self._post_message(channel=recipient, **message)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._post_all(recipient_id, slack_messages(text))

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]],
                                     **kwargs: Any) -> None:
        await self._post_all(recipient_id, slack_messages(text, buttons))

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        block = {"type": "image", "image_url": image, "alt_text": kwargs.get("alt_text") or "illustration"}
        await self._post_all(recipient_id, [{"text": escape(image), "blocks": [block]}])


class ClinicSlackInput(SlackInput):
    """Slack input: Rasa's connector with the checks and limits described above."""

    @classmethod
    def name(cls) -> Text:
        return "slack"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.api_base = api_base()
        self._seen_events: "OrderedDict[str, None]" = OrderedDict()

    def get_output_channel(self, channel: Optional[Text] = None, thread_id: Optional[Text] = None) -> ClinicSlackBot:
        return ClinicSlackBot(self.slack_token, channel or self.slack_channel, thread_id, self.proxy,
                              base_url=self.api_base)

    def _seen_before(self, event_id: Optional[str]) -> bool:
        if not event_id:
            return False
        if event_id in self._seen_events:
            return True
        self._seen_events[event_id] = None
        while len(self._seen_events) > _REMEMBERED_EVENTS:
            self._seen_events.popitem(last=False)
        return False

    @staticmethod
    def _content_type(request: Request) -> str:
        return (request.headers.get("content-type") or "").split(";")[0].strip().lower()

    def get_metadata(self, request: Request) -> Dict[Text, Any]:
        """Rasa's metadata (reply channel, thread, users), also for "...; charset=utf-8" bodies."""
        kind = self._content_type(request)
        if kind == "application/json":
            slack_event = json.loads(request.body or b"{}")
            event = slack_event.get("event", {})
            users = list(slack_event.get("authed_users") or [])
            if not users and slack_event.get("authorizations"):
                users.append(slack_event["authorizations"][0].get("user_id"))
            return {"out_channel": event.get("channel"), "thread_id": event.get("thread_ts", event.get("ts")),
                    "users": users}
        if kind == "application/x-www-form-urlencoded":
            payload = json.loads(request.form["payload"][0])
            message = payload.get("message", {})
            user = payload.get("user", {}).get("id")
            return {"out_channel": payload.get("channel", {}).get("id"),
                    "thread_id": message.get("thread_ts", message.get("ts")), "users": [user] if user else []}
        return {}

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        limit = MessageLimit.configured()
        on_new_message = limit.guard(on_new_message)
        slack_webhook = Blueprint("slack_webhook", __name__)

        @slack_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @slack_webhook.route("/webhook", methods=["GET", "POST"], stream=True)
        @limit.capped_body
        async def webhook(request: Request) -> HTTPResponse:
            if not self.is_request_from_slack_authentic(request):
                logger.warning("Slack: refused a request without a valid signature")
                return response.text("invalid or missing signature", status=HTTPStatus.UNAUTHORIZED)

            kind = self._content_type(request)
            if kind == "application/json":
                try:
                    output = json.loads(request.body or b"{}")
                except ValueError:
                    return response.text("invalid JSON", status=HTTPStatus.BAD_REQUEST)
                if not isinstance(output, dict):
                    return response.text("invalid event", status=HTTPStatus.BAD_REQUEST)
                if output.get("type") == "url_verification":
                    return response.json({"challenge": output.get("challenge")})
                if self._seen_before(output.get("event_id")):
                    return response.text("", headers={"X-Slack-No-Retry": "1"})
                event = output.get("event") or {}
                if not self._is_user_message(output) or event.get("subtype") not in (None, "file_share", "thread_broadcast"):
                    return response.text("Bot message delivered.")
                metadata = self.get_metadata(request)
                if not self._is_supported_channel(output, metadata):
                    logger.warning("Slack: message on an unsupported channel: %s", metadata.get("out_channel"))
                    return response.text("channel not supported.")
                sender_id = event.get("user", "")
                conversation_id = self._get_conversation_id(
                    sender_id, metadata.get("out_channel"), metadata.get("thread_id"))
                return await self.process_message(
                    request, on_new_message,
                    text=self._sanitize_user_message(event.get("text", ""), metadata["users"]),
                    sender_id=conversation_id, metadata=metadata)

            if kind == "application/x-www-form-urlencoded":
                try:
                    payload = json.loads(request.form["payload"][0])
                except (KeyError, IndexError, TypeError, ValueError):
                    return response.text("invalid interaction", status=HTTPStatus.BAD_REQUEST)
                if self._is_interactive_message(payload):
                    text = self._get_interactive_response(payload["actions"][0])
                    if text is not None:
                        metadata = self.get_metadata(request)
                        conversation_id = self._get_conversation_id(
                            payload["user"]["id"], metadata.get("out_channel"), metadata.get("thread_id"))
                        return await self.process_message(request, on_new_message, text, conversation_id, metadata)
                    if payload["actions"][0]["type"] == "button":
                        return response.text("User clicked link button")
                return response.text("The input message could not be processed.", status=HTTPStatus.BAD_REQUEST)

            return response.text("Bot message delivered.")

        return slack_webhook
