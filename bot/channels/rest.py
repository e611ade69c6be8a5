"""REST, for the clinic's integrations: Rasa's REST channel with the message limits on top.

    POST /webhooks/rest/webhook   {"sender": "...", "message": "..."}   (as Rasa's `rest:`)

The same requests and answers as Rasa's RestInput (also `?stream=true`), and
(bot/channels/limits.py):

* a message longer than `max_message_chars` (clinic/clinic.yml) gets the bot's
  `utter_input_too_long` reply at once and never reaches Rasa: no NLU, nothing added to the
  conversation;
* a request body over the cap is answered 413 without being kept or parsed (Rasa's route
  reads any body into memory, up to Sanic's 100 MB, before its handler runs).

Unlike Rasa's, a failed turn is logged without the message's text.
"""

from __future__ import annotations

import logging
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Text, Union

import rasa.utils.endpoints
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from bot.channels.limits import MessageLimit

logger = logging.getLogger(__name__)


class ClinicRestInput(RestInput):
    """Rasa's REST channel; over-long messages and bodies never reach Rasa."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        limit = MessageLimit.configured()
        on_new_message = limit.guard(on_new_message)
        rest_webhook = Blueprint("clinic_rest_webhook", __name__)

        @rest_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @rest_webhook.route("/webhook", methods=["POST"], stream=True)
        @limit.capped_body
        async def receive(request: Request) -> Union[ResponseStream, HTTPResponse]:
            # Rasa's RestInput handler, after the body has been read within the cap.
            sender_id = await self._extract_sender(request)
            text = self._extract_message(request)
            input_channel = self._extract_input_channel(request)
            metadata = self.get_metadata(request)
            if rasa.utils.endpoints.bool_arg(request, "stream", default=False):
                return response.stream(
                    self.stream_response(on_new_message, text, sender_id, input_channel, metadata),
                    content_type="text/event-stream")
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(text, collector, sender_id, input_channel=input_channel,
                                                 metadata=metadata))
            except CancelledError:
                logger.error("REST: a message timed out")
            except Exception:  # noqa: BLE001 - as Rasa's: the runner gets what was said so far
                logger.exception("REST: could not handle a message")
            return response.json(collector.messages)

        return rest_webhook
