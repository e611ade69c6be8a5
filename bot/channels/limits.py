"""The longest message the bot takes, checked by every channel before any work is done.

A 200 KB message used to go through the whole NLU pipeline (featurizers, DIET, spaCy) before
the input guard (bot/nlu/input_guard.py) found it too long: 12-33 s of the Rasa server's only
event loop, while every other runner waited, gigabytes of memory and, in the end, a
"technical hiccup" (DIET ran out of memory). Now:

* `max_message_chars` in clinic/clinic.yml is the one setting. The channels and the NLU
  input guard both read it through core/clinic.py (the guard stays as the last line, for `rasa shell`
  and the HTTP API, which bypass the channels).
* Each channel wraps Rasa's `on_new_message` in `MessageLimit.guard`: a message over the
  limit gets the bot's own reply `utter_input_too_long` (its text read from domain.yml)
  straight back through the same output channel, and Rasa never sees it - no NLU, nothing
  added to the conversation, so the next message carries on from the same question.
* The HTTP channels read a request body only up to `max_body_bytes` and answer anything
  larger with 413, without keeping or parsing it (`capped_body`); the web widget's socket.io
  channel gives engine.io the same cap. nginx (deploy/nginx/) gets the same number.
"""

from __future__ import annotations

import functools
import logging
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Optional, Text

from bot.channels.config import DOMAIN, response_text
from core.clinic import ClinicConfigError, max_message_chars  # noqa: F401 (the setting is read in core)

if TYPE_CHECKING:  # Rasa and Sanic stay out of the import, for the NLU component and nginx
    from rasa.core.channels.channel import UserMessage
    from sanic.request import Request
    from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

REPLY = "utter_input_too_long"

# The request body cap. A message within the limit must never be refused by it, however it is
# written and whichever platform sends it: JSON spells a character in at most 12 bytes (an
# escaped surrogate pair), Slack sends the text twice (`text` and `blocks`), and the platform
# adds its envelope (ids, blocks, a batched delivery). Above that, a pasted text of up to
# 1 MiB still gets the clear reply; only a larger body is refused (413). 1 MiB is also
# Sanic's cap on a WebSocket message, so at the default all channels refuse at the same size.
BYTES_PER_CHAR = 2 * 12
ENVELOPE_BYTES = 64 * 1024
BODY_FLOOR_BYTES = 1024 * 1024


def max_body_bytes(max_chars: int) -> int:
    """The largest request body a channel reads, in bytes (see BYTES_PER_CHAR above)."""
    return max(BODY_FLOOR_BYTES, BYTES_PER_CHAR * max_chars + ENVELOPE_BYTES)


def too_long_reply(domain_path: Path = DOMAIN) -> Text:
    """The text of the domain's `utter_input_too_long` (its first variant)."""
    return response_text(REPLY, domain_path, ClinicConfigError)


class MessageLimit:
    """The limits one channel applies; read once, when the channel's routes are made."""

    def __init__(self, max_chars: int, reply: Text) -> None:
        self.max_chars = max_chars
        self.max_body = max_body_bytes(max_chars)
        self.reply = reply

    @classmethod
    def configured(cls) -> "MessageLimit":
        return cls(max_message_chars(), too_long_reply())

    def too_long(self, text: Optional[Text]) -> bool:
        return text is not None and len(text) > self.max_chars

    def guard(self, on_new_message: Callable[["UserMessage"], Awaitable[Any]]
              ) -> Callable[["UserMessage"], Awaitable[Any]]:
        """`on_new_message` for messages within the limit; the clear reply for the others."""

        async def handle(message: "UserMessage") -> Any:
            if not self.too_long(message.text):
                return await on_new_message(message)
            # The length only: a message's text never goes into a log.
            logger.info("%s: a message of %s characters answered with %s (limit %s)",
                        message.input_channel, len(message.text), REPLY, self.max_chars)
            await message.output_channel.send_text_message(message.sender_id, self.reply)
            return None

        return handle

    def capped_body(self, handler: Callable[..., Awaitable["HTTPResponse"]]
                    ) -> Callable[..., Awaitable["HTTPResponse"]]:
        """A route handler that first reads the body, up to `max_body` bytes; 413 past that.

        Use on a route declared with `stream=True`, so that Sanic leaves the body to it (a
        plain route has read the whole body, up to Sanic's 100 MB, before the handler runs).
        A body declared larger (Content-Length) is refused before a byte of it is read.
        """
        from sanic import response
        from sanic.exceptions import PayloadTooLarge

        @functools.wraps(handler)
        async def read_then_handle(request: "Request", *args: Any, **kwargs: Any) -> "HTTPResponse":
            request.stream.request_max_size = self.max_body
            try:
                await request.receive_body()
            except PayloadTooLarge:
                logger.warning("%s: refused a request body over %s bytes", request.path, self.max_body)
                # After the answer Sanic reads the rest of the body and throws it away (up to its
                # own 100 MB cap), so that the client reads the 413, not a reset connection.
                request.stream.request_max_size = request.app.config.REQUEST_MAX_SIZE
                return response.text(f"request body too large: the limit is {self.max_body} bytes",
                                     status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
            return await handler(request, *args, **kwargs)

        return read_then_handle
