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
* every request acknowledged at once and handled in the background; an event Slack
  delivers again (a retry, X-Slack-Retry-Num, to this server or another) handled once, and
  each conversation's messages one at a time (bot/channels/dedup.py);
* each button tagged with its bot message: a click on a question that has moved on gets
  `utter_question_moved_on` and changes nothing, and an answered message's buttons are
  replaced by the answer (`response_url`, `replace_original`), so they can't be clicked twice;
* 401 for a request that is not signed, signed wrongly or too old;
* a message longer than `max_message_chars` (clinic/clinic.yml) answered with the bot's
  `utter_input_too_long` reply at once, without reaching Rasa, and a request body over the
  cap answered 413 without being parsed (bot/channels/limits.py);
* screens in direct messages only, in the conversation `slack:<team>:<user>`
  (bot/channels/identity.py): a Slack user id is seen by the whole workspace and is the same
  in every channel, so it is never a conversation id on its own. A mention of the app in a
  channel is never answered in the channel, and its text never reaches Rasa: the runner alone
  gets an ephemeral message that points to the app's direct messages. A click on a button
  outside a direct message, and any other channel message, is ignored. Replies go only to the
  direct message the runner wrote in (Rasa's `slack_channel` setting, which sends every reply
  to one channel, is not used).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from http import HTTPStatus
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Text
from urllib.parse import quote

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.slack import SlackBot, SlackInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.errors import SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.channels.dedup import Deliveries, moved_on_reply, tag_buttons, untag
from bot.channels.identity import SLACK, platform_id, slack_sender
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
DIRECT_MESSAGE_PREFIX = "D"  # Slack's ids of direct-message channels start with D
DM_ONLY_TEXT = ("Hi! I only talk about running and soreness in a direct message, so that your answers stay "
                "between you and the clinic. {where} and say hi.")


def api_base(env: Optional[Mapping[str, str]] = None) -> str:
    base = (os.environ if env is None else env).get(API_BASE_VARIABLE) or DEFAULT_API_BASE
    return base if base.endswith("/") else base + "/"


def escape(text: str) -> str:
    """Slack's three control characters, escaped as Slack asks."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def is_direct_message(channel: Optional[str]) -> bool:
    return bool(channel) and str(channel).startswith(DIRECT_MESSAGE_PREFIX)


def dm_only_text(team: Optional[str], app_id: Optional[str]) -> str:
    """The ephemeral answer to a mention in a channel: where the screen happens instead."""
    if team and app_id:
        link = f"https://slack.com/app_redirect?app={quote(app_id, safe='')}&team={quote(team, safe='')}"
        where = f"<{link}|Open a direct message with me>"
    else:
        where = "Open a direct message with me (my Messages tab)"
    return DM_ONLY_TEXT.format(where=where)


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
        # The runner's direct message; without one (a message sent outside a turn), the user
        # of `slack:<team>:<user>`, which Slack delivers to the app's direct message.
        team_user = platform_id(recipient_id, SLACK)
        recipient = self.slack_channel or (team_user.partition(":")[2] if team_user else recipient_id)
        for message in messages:
            await self._post_message(channel=recipient, **message)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._post_all(recipient_id, slack_messages(text))

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]],
                                     **kwargs: Any) -> None:
        await self._post_all(recipient_id, slack_messages(text, tag_buttons(buttons, kwargs.get("timestamp"))))

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
        self.deliveries = Deliveries("Slack")

    def get_output_channel(self, channel: Optional[Text] = None, thread_id: Optional[Text] = None) -> ClinicSlackBot:
        # Never Rasa's `slack_channel`: replies go to the runner's direct message only.
        return ClinicSlackBot(self.slack_token, channel, thread_id, self.proxy, base_url=self.api_base)

    async def _point_to_dm(self, app: Any, delivery_id: str, channel: Text, user: Text, team: Optional[Text],
                           app_id: Optional[Text]) -> None:
        """An ephemeral message, seen by the runner alone, that points to the direct message."""
        if not await self.deliveries.first_time(app, delivery_id):
            return
        try:
            await self.get_output_channel(channel).client.chat_postEphemeral(
                channel=channel, user=user, text=dm_only_text(team, app_id))
        except (SlackClientError, OSError, asyncio.TimeoutError) as error:
            logger.warning("Slack: could not point a mention in a channel to the direct message (%s)",
                           type(error).__name__)

    def _user_message(self, text: Text, conversation_id: Text, metadata: Dict[Text, Any]) -> UserMessage:
        thread_id = metadata.get("thread_id") if self.use_threads else None
        return UserMessage(text, self.get_output_channel(metadata.get("out_channel"), thread_id), conversation_id,
                           input_channel=self.name(), metadata=metadata)

    async def _show_answer(self, payload: Dict[Text, Any], action: Dict[Text, Any]) -> None:
        """The clicked message again, with the runner's answer in place of its buttons."""
        url = payload.get("response_url")
        if not url:
            return
        message = payload.get("message") or {}
        answer = f"*Your answer:* {escape((action.get('text') or {}).get('text') or '')}"
        blocks = [block for block in message.get("blocks") or [] if block.get("type") != "actions"]
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": answer}]})
        try:
            reply = await AsyncWebhookClient(url, timeout=10, proxy=self.proxy).send(
                text=f"{message.get('text') or ''}\n{answer}".strip(), blocks=blocks, replace_original=True)
            if reply.status_code >= 400:
                logger.warning("Slack: the answered buttons could not be replaced (%s)", reply.status_code)
        except (SlackClientError, OSError, asyncio.TimeoutError) as error:
            logger.warning("Slack: the answered buttons could not be replaced (%s)", type(error).__name__)

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
        moved_on = moved_on_reply()
        slack_webhook = Blueprint("slack_webhook", __name__)

        def handle_in_background(request: Request, message: UserMessage, delivery_id: Optional[str],
                                 click: Optional[Dict[Text, Any]] = None) -> HTTPResponse:
            """Slack's answer at once (it retries after 3 s); the message is handled after it."""
            tag = None
            if click is not None:
                tag, message.text = untag(message.text)

            async def pass_on() -> None:
                if click is not None:
                    await self._show_answer(click, click["actions"][0])
                await on_new_message(message)

            async def say_moved_on() -> None:
                await message.output_channel.send_text_message(message.sender_id, moved_on)

            self.deliveries.start(self.deliveries.handle(
                request.app, message.sender_id, delivery_id, tag, pass_on, say_moved_on))
            return response.text("")

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
                event = output.get("event") or {}
                if not self._is_user_message(output) or event.get("subtype") not in (None, "file_share", "thread_broadcast"):
                    return response.text("Bot message delivered.")
                team, user = output.get("team_id") or event.get("team"), event.get("user")
                if not team or not user:
                    return response.text("an event without its workspace or user", status=HTTPStatus.BAD_REQUEST)
                metadata = self.get_metadata(request)
                channel = metadata.get("out_channel")
                # A retry carries the event_id of the first delivery, whichever server that reached.
                event_id = output.get("event_id") or f"{channel}:{event.get('ts')}"
                if not self._is_direct_message(output):
                    # Never answered in a channel: a mention gets an ephemeral pointer to the DM
                    # (a mention inside a DM also arrives as message.im, which is answered).
                    if self._is_app_mention(output) and channel and not is_direct_message(channel):
                        self.deliveries.start(self._point_to_dm(request.app, f"slack:event:{event_id}", channel, user,
                                                                team, output.get("api_app_id")))
                    return response.text("")
                conversation_id = slack_sender(team, user)
                text = self._sanitize_user_message(event.get("text", ""), metadata["users"])
                return handle_in_background(request, self._user_message(text, conversation_id, metadata),
                                            f"slack:event:{event_id}")

            if kind == "application/x-www-form-urlencoded":
                try:
                    payload = json.loads(request.form["payload"][0])
                except (KeyError, IndexError, TypeError, ValueError):
                    return response.text("invalid interaction", status=HTTPStatus.BAD_REQUEST)
                if self._is_interactive_message(payload):
                    action = payload["actions"][0]
                    text = self._get_interactive_response(action)
                    if text is not None:
                        metadata = self.get_metadata(request)
                        if not is_direct_message(metadata.get("out_channel")):
                            logger.info("Slack: a click outside a direct message was ignored")
                            return response.text("")
                        user = payload.get("user") or {}
                        team = (payload.get("team") or {}).get("id") or user.get("team_id")
                        if not team or not user.get("id"):
                            return response.text("a click without its workspace or user",
                                                 status=HTTPStatus.BAD_REQUEST)
                        conversation_id = slack_sender(team, user["id"])
                        trigger_id = payload.get("trigger_id")
                        return handle_in_background(request, self._user_message(text, conversation_id, metadata),
                                                    trigger_id and f"slack:action:{trigger_id}",
                                                    click=payload if action.get("type") == "button" else None)
                    if payload["actions"][0]["type"] == "button":
                        return response.text("User clicked link button")
                return response.text("The input message could not be processed.", status=HTTPStatus.BAD_REQUEST)

            return response.text("Bot message delivered.")

        return slack_webhook
