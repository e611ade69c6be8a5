"""The web widget's channel: Rasa's socket.io channel, limited to the clinic's own web origins.

Rasa's SocketIOInput turns socket.io's origin check off (`cors_allowed_origins=[]`), and a
browser applies no CORS to WebSockets, so any web page could talk to the bot through it. This
subclass lets only the origins in clinic/clinic.yml (`allowed_origins`) connect, the same list
the Rasa server's `--cors` gets.

It also orders a message that has an illustration the way the widget shows it best: the
instructions, then the picture, then the question with its buttons (rasa-webchat shows
buttons only on the last message, so a picture sent after them would hide them).

A message longer than `max_message_chars` (clinic/clinic.yml) gets the bot's
`utter_input_too_long` reply at once and never reaches Rasa; engine.io refuses a payload over
the body cap (bot/channels/limits.py).
"""

from __future__ import annotations

import json
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

import rasa.shared.utils.io
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from bot.channels.config import allowed_origins
from bot.channels.limits import MessageLimit

logger = logging.getLogger(__name__)


class ClinicSocketIOOutput(SocketIOOutput):
    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        image = message.get("image")
        if not image or not (message.get("text") or message.get("buttons") or message.get("quick_replies")):
            return await super().send_response(recipient_id, message)
        parts = [part for part in (message.get("text") or "").strip().split("\n\n") if part.strip()] or [""]
        for part in parts[:-1]:
            await self._send_message(recipient_id, {"text": part})
        await self.send_image_url(recipient_id, image)
        rest = {key: value for key, value in message.items() if key != "image"}
        rest["text"] = parts[-1]
        await super().send_response(recipient_id, rest)


class ClinicSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel; only the clinic's allowed origins may connect."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "ClinicSocketIOInput":
        channel = super().from_credentials(credentials)
        origins = (credentials or {}).get("cors_allowed_origins")
        channel.cors_allowed_origins = list(origins or [])
        return channel

    # Origins allowed to connect; empty means those in clinic/clinic.yml.
    cors_allowed_origins: List[Text] = []

    def get_output_channel(self) -> Optional[ClinicSocketIOOutput]:
        if self.sio is None:
            return super().get_output_channel()
        return ClinicSocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        limit = MessageLimit.configured()
        on_new_message = limit.guard(on_new_message)
        socketio_webhook = super().blueprint(on_new_message)
        sio = self.sio
        # A polling POST or a WebSocket message larger than this is refused by engine.io.
        sio.eio.max_http_buffer_size = limit.max_body
        origins = list(self.cors_allowed_origins) or allowed_origins()
        if origins:
            # engine.io refuses the handshake (polling and WebSocket) from any other origin.
            sio.eio.cors_allowed_origins = origins
            # The CORS headers themselves come from the Rasa server's --cors (Sanic-CORS, same
            # origins); engine.io adding its own would double them, which browsers refuse.
            sio.eio._cors_headers = lambda environ: []
        else:
            logger.warning("socket.io: clinic.yml lists no allowed_origins; any web page may connect")

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Dict) -> None:
            # Rasa's handler, replying through ClinicSocketIOOutput.
            if not isinstance(data, dict):
                return
            output_channel = ClinicSocketIOOutput(sio, self.bot_message_evt)
            if self.session_persistence:
                if not data.get("session_id"):
                    rasa.shared.utils.io.raise_warning(
                        "A message without a valid session_id was received and ignored.")
                    return
                sender_id = data["session_id"]
            else:
                sender_id = sid
            metadata = data.get(self.metadata_key, {})
            if isinstance(metadata, Text):
                metadata = json.loads(metadata)
            message = UserMessage(
                data.get("message", ""), output_channel, sender_id, input_channel=self.name(), metadata=metadata)
            await on_new_message(message)

        return socketio_webhook
