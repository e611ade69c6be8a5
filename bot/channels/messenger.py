"""Facebook Messenger through Rasa's own connector, with what the clinic needs on top.

Rasa's FacebookInput checks only the legacy SHA-1 `X-Hub-Signature` (not with a constant-time
compare), answers 200 to a request it refused, and posts replies with a blocking HTTP client
to a fixed, long-retired Graph API version. This subclass:

* checks `X-Hub-Signature-256` (HMAC-SHA256 with the app secret), or the SHA-1
  `X-Hub-Signature` when only that is sent, in constant time, and answers 403 otherwise;
* answers the webhook verification only to the right verify token (403 otherwise);
* posts replies without blocking the server (aiohttp), to MESSENGER_GRAPH_URL (default
  https://graph.facebook.com/v21.0), with an appsecret_proof;
* sends buttons as quick replies (at most 13, titles shortened to 20 characters at word
  boundaries) instead of dropping them all when there are more than 3;
* splits messages longer than 2,000 characters at paragraph, line or sentence boundaries;
* handles every message in a batched delivery, not only the first;
* answers the webhook at once and handles the messages in the background (Meta redelivers
  after 20 s without an answer), each message id (`mid`) once even when it is delivered
  again to this server or another, and each conversation's messages one at a time
  (bot/channels/dedup.py);
* tags each quick reply with its bot message: a tap on a question that has moved on gets
  `utter_question_moved_on` and changes nothing;
* answers a message longer than `max_message_chars` (clinic/clinic.yml) with the bot's
  `utter_input_too_long` reply at once, without it reaching Rasa, and a request body over
  the cap with 413, without parsing it (bot/channels/limits.py);
* puts each runner in the conversation `fb:<psid>` (bot/channels/identity.py), the
  page-scoped id of the signed webhook's sender; replies go to that psid.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from http import HTTPStatus
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Text

import aiohttp
from fbmessenger import MessengerClient
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.facebook import FacebookInput, Messenger, MessengerBot
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.dedup import Deliveries, log_failure, moved_on_reply, tag_buttons, untag
from bot.channels.identity import MESSENGER, messenger_sender, platform_id
from bot.channels.limits import MessageLimit
from bot.channels.text import split_text, unique_titles

logger = logging.getLogger(__name__)

GRAPH_URL_VARIABLE = "MESSENGER_GRAPH_URL"
DEFAULT_GRAPH_URL = "https://graph.facebook.com/v21.0"
TEXT_LIMIT = 2000
QUICK_REPLY_LIMIT = 13
QUICK_REPLY_TITLE_LIMIT = 20
QUICK_REPLY_PAYLOAD_LIMIT = 1000
_TIMEOUT = aiohttp.ClientTimeout(total=20)


def graph_url(env: Optional[Mapping[str, str]] = None) -> str:
    return ((os.environ if env is None else env).get(GRAPH_URL_VARIABLE) or DEFAULT_GRAPH_URL).rstrip("/")


def signature_is_valid(app_secret: Optional[str], body: bytes, headers: Mapping[str, str]) -> bool:
    """True when the body carries Meta's signature made with the app secret.

    X-Hub-Signature-256 is checked when present (a wrong one is never rescued by a right
    SHA-1); otherwise the SHA-1 X-Hub-Signature is.
    """
    if not app_secret:
        return False
    header, algorithm = headers.get("X-Hub-Signature-256"), "sha256"
    if header is None:
        header, algorithm = headers.get("X-Hub-Signature"), "sha1"
    if not header:
        return False
    prefix, _, signature = header.strip().partition("=")
    if prefix.lower() != algorithm or not signature:
        return False
    expected = hmac.new(app_secret.encode("utf-8"), body or b"", getattr(hashlib, algorithm)).hexdigest()
    return hmac.compare_digest(expected.encode("ascii"), signature.strip().lower().encode("utf-8", "replace"))


def messenger_messages(text: Text, buttons: Optional[List[Dict[Text, Any]]] = None) -> List[Dict[Text, Any]]:
    """The Send API `message` objects for one bot message: text pieces, quick replies on the last."""
    pieces = split_text(text or "", TEXT_LIMIT)
    quick_buttons = [
        button for button in (buttons or [])
        if button.get("payload") and not button.get("url") and len(str(button["payload"])) <= QUICK_REPLY_PAYLOAD_LIMIT
    ]
    if len(quick_buttons) > QUICK_REPLY_LIMIT:
        logger.warning("Messenger: only the first %s of %s buttons fit as quick replies",
                       QUICK_REPLY_LIMIT, len(quick_buttons))
        quick_buttons = quick_buttons[:QUICK_REPLY_LIMIT]
    messages: List[Dict[Text, Any]] = [{"text": piece} for piece in pieces]
    if quick_buttons:
        if not messages:
            messages.append({"text": "Please choose:"})
        titles = unique_titles([button.get("title", "") for button in quick_buttons], QUICK_REPLY_TITLE_LIMIT)
        messages[-1]["quick_replies"] = [
            {"content_type": "text", "title": title, "payload": str(button["payload"])}
            for title, button in zip(titles, quick_buttons)
        ]
    return messages


class ClinicMessengerBot(MessengerBot):
    """Messenger output: non-blocking posts to the configured Graph API address."""

    @classmethod
    def name(cls) -> Text:
        return "facebook"

    def __init__(self, page_access_token: Text, app_secret: Optional[Text] = None,
                 graph_api_url: Optional[Text] = None) -> None:
        client = MessengerClient(page_access_token)
        client.graph_url = graph_api_url or graph_url()  # for any method of Rasa's still used
        super().__init__(client)
        self.page_access_token = page_access_token
        self.app_secret = app_secret
        self.graph_api_url = client.graph_url

    def _auth_params(self) -> Dict[str, str]:
        params = {"access_token": self.page_access_token}
        if self.app_secret:
            params["appsecret_proof"] = hmac.new(
                self.app_secret.encode("utf-8"), self.page_access_token.encode("utf-8"), hashlib.sha256
            ).hexdigest()
        return params

    async def _post(self, body: Dict[Text, Any]) -> None:
        url = f"{self.graph_api_url}/me/messages"
        try:
            async with aiohttp.ClientSession(timeout=_TIMEOUT) as session:
                async with session.post(url, params=self._auth_params(), json=body) as reply:
                    if reply.status >= 400:
                        logger.error("Messenger: the Send API answered %s: %s", reply.status, (await reply.text())[:500])
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            logger.error("Messenger: could not reach the Send API at %s: %s", self.graph_api_url, error)

    @staticmethod
    def _psid(recipient_id: Text) -> Text:
        """The runner's page-scoped id, from the conversation id `fb:<psid>` (or the psid itself)."""
        return platform_id(recipient_id, MESSENGER) or recipient_id

    async def _send_messages(self, recipient_id: Text, messages: List[Dict[Text, Any]]) -> None:
        for message in messages:
            await self._post({"messaging_type": "RESPONSE", "recipient": {"id": self._psid(recipient_id)},
                              "message": message})

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._send_messages(recipient_id, messenger_messages(text))

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]],
                                     **kwargs: Any) -> None:
        await self._send_messages(recipient_id, messenger_messages(text, tag_buttons(buttons, kwargs.get("timestamp"))))

    async def send_quick_replies(self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]],
                                 **kwargs: Any) -> None:
        await self._send_messages(
            recipient_id, messenger_messages(text, tag_buttons(quick_replies, kwargs.get("timestamp"))))

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self._send_messages(recipient_id, [{"attachment": {"type": "image", "payload": {"url": image}}}])

    async def send_action(self, recipient_id: Text, sender_action: Text) -> None:
        await self._post({"recipient": {"id": self._psid(recipient_id)}, "sender_action": sender_action})


class ClinicMessenger(Messenger):
    """Rasa's webhook-event parser, replying through ClinicMessengerBot; each message once."""

    def __init__(self, page_access_token: Text, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                 app_secret: Optional[Text] = None, graph_api_url: Optional[Text] = None,
                 deliveries: Optional[Deliveries] = None, app: Optional[Sanic] = None,
                 moved_on: Optional[Text] = None) -> None:
        super().__init__(page_access_token, on_new_message)
        self.page_access_token = page_access_token
        self.app_secret = app_secret
        self.graph_api_url = graph_api_url
        self.deliveries = deliveries or Deliveries("Messenger")
        self.app = app
        self.moved_on = moved_on or moved_on_reply()

    async def handle(self, payload: Dict, metadata: Optional[Dict[Text, Any]]) -> None:
        for entry in payload.get("entry") or []:
            for message in entry.get("messaging") or []:
                self.last_message = message
                if message.get("message"):
                    await self.message(message, metadata)
                elif message.get("postback"):
                    await self.postback(message, metadata)

    async def _handle_user_message(self, text: Text, sender_id: Text, metadata: Optional[Dict[Text, Any]]) -> None:
        # Rasa's parser has put the delivery being handled in last_message.
        delivery = self.last_message or {}
        mid = (delivery.get("message") or delivery.get("postback") or {}).get("mid")
        tag = None
        if self._is_quick_reply_message(delivery) or delivery.get("postback"):
            tag, text = untag(text)
        if not sender_id:
            logger.warning("Messenger: a message without its sender was dropped")
            return
        out_channel = ClinicMessengerBot(self.page_access_token, self.app_secret, self.graph_api_url)
        conversation_id = messenger_sender(sender_id)

        async def pass_on() -> None:
            await out_channel.send_action(sender_id, sender_action="mark_seen")
            await out_channel.send_action(sender_id, sender_action="typing_on")
            try:
                await self.on_new_message(
                    UserMessage(text, out_channel, conversation_id, input_channel=self.name(), metadata=metadata))
            finally:
                await out_channel.send_action(sender_id, sender_action="typing_off")

        async def say_moved_on() -> None:
            await out_channel.send_text_message(sender_id, self.moved_on)

        try:
            await self.deliveries.handle(self.app, conversation_id, mid and f"messenger:mid:{mid}", tag, pass_on,
                                         say_moved_on)
        except Exception as error:  # noqa: BLE001 - one bad turn must not stop the rest of the delivery
            log_failure("Messenger", error)


class ClinicMessengerInput(FacebookInput):
    """Messenger input: Rasa's connector with the checks and limits described above."""

    @classmethod
    def name(cls) -> Text:
        return "facebook"

    def __init__(self, fb_verify: Text, fb_secret: Text, fb_access_token: Text) -> None:
        super().__init__(fb_verify, fb_secret, fb_access_token)
        self.graph_api_url = graph_url()
        self.deliveries = Deliveries("Messenger")

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        limit = MessageLimit.configured()
        on_new_message = limit.guard(on_new_message)
        moved_on = moved_on_reply()
        fb_webhook = Blueprint("fb_webhook", __name__)

        @fb_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @fb_webhook.route("/webhook", methods=["GET"])
        async def token_verification(request: Request) -> HTTPResponse:
            token = request.args.get("hub.verify_token") or ""
            if (request.args.get("hub.mode") == "subscribe" and self.fb_verify
                    and hmac.compare_digest(token.encode("utf-8"), str(self.fb_verify).encode("utf-8"))):
                return response.text(request.args.get("hub.challenge") or "")
            logger.warning("Messenger: webhook verification with a wrong verify token")
            return response.text("invalid verify token", status=HTTPStatus.FORBIDDEN)

        @fb_webhook.route("/webhook", methods=["POST"], stream=True)
        @limit.capped_body
        async def webhook(request: Request) -> HTTPResponse:
            if not signature_is_valid(self.fb_secret, request.body, request.headers):
                logger.warning("Messenger: refused a request without a valid signature")
                return response.text("invalid or missing signature", status=HTTPStatus.FORBIDDEN)
            try:
                payload = request.json
            except Exception:  # noqa: BLE001 - Sanic raises its own error type for bad JSON
                payload = None
            if not isinstance(payload, dict) or payload.get("object") != "page":
                return response.text("not a page event", status=HTTPStatus.BAD_REQUEST)
            messenger = ClinicMessenger(self.fb_access_token, on_new_message, self.fb_secret, self.graph_api_url,
                                        self.deliveries, request.app, moved_on)
            # Answered at once: Meta delivers the whole batch again when the answer takes 20 s.
            self.deliveries.start(messenger.handle(payload, self.get_metadata(request)))
            return response.text("success")

        return fb_webhook

    def get_output_channel(self) -> ClinicMessengerBot:
        return ClinicMessengerBot(self.fb_access_token, self.fb_secret, self.graph_api_url)
