"""REST, for the clinic's integrations: Rasa's REST channel with a token, its own sender ids
and the message limits on top.

    POST /webhooks/rest/webhook   {"sender": "...", "message": "..."}   (as Rasa's `rest:`)
    Authorization: Bearer $REST_CHANNEL_TOKEN

The same requests and answers as Rasa's RestInput (also `?stream=true`), and:

* who may post (the channel is never open to the internet):
  - with REST_CHANNEL_TOKEN set, every request needs `Authorization: Bearer <that token>`
    (compared in constant time); anything else is answered 401;
  - without it, only this machine: the request must come straight from a loopback address,
    and any X-Forwarded-For / X-Real-IP it carries must name loopback too (a proxy on this
    machine passes the client's address on; nginx does, deploy/nginx/). Anything else is
    answered 403. `rasa shell`, the tests and the benchmarks post from loopback.
* the conversation is `rest:<sender>` (bot/channels/identity.py), whatever the sender says:
  a REST client can never post into, or read from, a web, Slack or Messenger runner's
  conversation. The answers name the sender as it was sent (`recipient_id`). A request
  without a sender is answered 400 (Rasa would put it in a conversation called "default",
  shared by every such client), and the input channel is always `rest` (Rasa takes any
  `input_channel` the body names).
* a message longer than `max_message_chars` (clinic/clinic.yml) gets the bot's
  `utter_input_too_long` reply at once and never reaches Rasa: no NLU, nothing added to the
  conversation; a request body over the cap is answered 413 without being kept or parsed
  (bot/channels/limits.py; Rasa's route reads any body into memory, up to Sanic's 100 MB,
  before its handler runs).

Unlike Rasa's, a failed turn is logged without the message's text.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from asyncio import CancelledError, Queue
from http import HTTPStatus
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Text, Union

import rasa.utils.endpoints
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import QueueOutputChannel, RestInput
from sanic import Blueprint, response
from sanic.compat import Header
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from bot.channels.identity import REST, platform_id, rest_sender
from bot.channels.limits import MessageLimit

logger = logging.getLogger(__name__)

TOKEN_VARIABLE = "REST_CHANNEL_TOKEN"
FORWARDED_FOR = ("x-forwarded-for", "x-real-ip")


def rest_token(env: Optional[Mapping[str, str]] = None) -> Optional[str]:
    return (os.environ if env is None else env).get(TOKEN_VARIABLE) or None


def _is_loopback(address: Optional[str]) -> bool:
    try:
        ip = ipaddress.ip_address((address or "").strip().strip("[]"))
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def from_this_machine(peer: Optional[str], headers: Header) -> bool:
    """The request came straight from loopback, or through a proxy on this machine on behalf
    of a loopback client (every X-Forwarded-For / X-Real-IP address is loopback)."""
    if not _is_loopback(peer) or headers.get("forwarded"):
        return False
    values = [value for name in FORWARDED_FOR for value in headers.getall(name, [])]
    return all(_is_loopback(address) for value in values for address in value.split(","))


def bearer_token_is(expected: str, authorization: Optional[str]) -> bool:
    scheme, _, given = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return False
    return hmac.compare_digest(given.strip().encode("utf-8"), expected.encode("utf-8"))


def refusal(request: Request, token: Optional[str]) -> Optional[HTTPResponse]:
    """Why this request may not post (an answer to send), or None when it may."""
    if token:
        if bearer_token_is(token, request.headers.get("authorization")):
            return None
        logger.warning("REST: refused a request without the right token")
        return response.text("a valid bearer token is needed", status=HTTPStatus.UNAUTHORIZED,
                             headers={"WWW-Authenticate": "Bearer"})
    if from_this_machine(request.ip, request.headers):
        return None
    logger.warning("REST: refused a request from another machine (REST_CHANNEL_TOKEN is not set)")
    return response.text(f"the REST channel takes requests from this machine only unless {TOKEN_VARIABLE} is set",
                         status=HTTPStatus.FORBIDDEN)


class _AsTheClientSent:
    """Answers name the sender as the client sent it, not as `rest:<sender>`."""

    async def _persist_message(self, message: Dict[Text, Any]) -> None:
        recipient = platform_id(message.get("recipient_id"), REST)
        if recipient is not None:
            message = {**message, "recipient_id": recipient}
        await super()._persist_message(message)  # type: ignore[misc]


class ClinicCollectingOutputChannel(_AsTheClientSent, CollectingOutputChannel):
    pass


class ClinicQueueOutputChannel(_AsTheClientSent, QueueOutputChannel):
    pass


class ClinicRestInput(RestInput):
    """Rasa's REST channel behind a token, in `rest:` conversations; over-long messages and
    bodies never reach Rasa."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @staticmethod
    async def on_message_wrapper(on_new_message: Callable[[UserMessage], Awaitable[Any]], text: Text, queue: Queue,
                                 sender_id: Text, input_channel: Text, metadata: Optional[Dict[Text, Any]]) -> None:
        # Rasa's, for ?stream=true, with answers that name the sender as it was sent.
        message = UserMessage(text, ClinicQueueOutputChannel(queue), sender_id, input_channel=input_channel,
                              metadata=metadata)
        await on_new_message(message)
        await queue.put("DONE")

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        limit = MessageLimit.configured()
        on_new_message = limit.guard(on_new_message)
        token = rest_token()
        if not token:
            logger.info("REST: %s is not set: the REST channel takes requests from this machine only",
                        TOKEN_VARIABLE)
        rest_webhook = Blueprint("clinic_rest_webhook", __name__)

        @rest_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @rest_webhook.route("/webhook", methods=["POST"], stream=True)
        @limit.capped_body
        async def receive(request: Request) -> Union[ResponseStream, HTTPResponse]:
            refused = refusal(request, token)
            if refused is not None:
                return refused
            # Rasa's RestInput handler, after the body has been read within the cap.
            try:
                client_id = await self._extract_sender(request)
            except Exception:  # noqa: BLE001 - Sanic raises its own error type for bad JSON
                client_id = None
            if isinstance(client_id, int) and not isinstance(client_id, bool):
                client_id = str(client_id)
            if not isinstance(client_id, str) or not client_id.strip():
                return response.text('a "sender" is needed', status=HTTPStatus.BAD_REQUEST)
            sender_id = rest_sender(client_id)
            text = self._extract_message(request)
            input_channel = self.name()
            metadata = self.get_metadata(request)
            if rasa.utils.endpoints.bool_arg(request, "stream", default=False):
                return response.stream(
                    self.stream_response(on_new_message, text, sender_id, input_channel, metadata),
                    content_type="text/event-stream")
            collector = ClinicCollectingOutputChannel()
            try:
                await on_new_message(UserMessage(text, collector, sender_id, input_channel=input_channel,
                                                 metadata=metadata))
            except CancelledError:
                logger.error("REST: a message timed out")
            except Exception:  # noqa: BLE001 - as Rasa's: the runner gets what was said so far
                logger.exception("REST: could not handle a message")
            return response.json(collector.messages)

        return rest_webhook
