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

Sessions are the server's, not the browser's. Rasa's channel takes any `session_id` a browser
sends: it joins that session's room (and reads every reply in it) and talks in that
conversation. Here:

* the server issues each session id and signs it: `<id>.<signature>`, HMAC-SHA256 with
  WEB_SESSION_SECRET (the same on every Rasa server; without it, a random secret of this
  process, so sessions then last only as long as the process). The widget keeps the signed
  id in the tab's session storage and sends it again after a reload, and the conversation
  goes on;
* a `session_request` with an id this server did not sign (someone else's id as it shows in
  the clinic's records or logs, a made-up one, a forged signature) gets a new session instead;
* the socket joins only its own session's room, `web:<id>` (bot/channels/identity.py), and
  every message it sends is in that conversation, whatever `session_id` the message names; a
  socket that has not asked for a session is not heard;
* when a turn ends with the conversation deleted (stopped or said goodbye without consent to
  keep it: bot/stores.py), the session's sockets get `conversation_deleted` after the bot's
  replies, and the widget clears its session storage (bot/web/screener/screener.js).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Text

import rasa.shared.utils.io
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic

from bot.channels.config import allowed_origins
from bot.channels.identity import web_sender
from bot.channels.limits import MessageLimit

logger = logging.getLogger(__name__)

SECRET_VARIABLE = "WEB_SESSION_SECRET"
DELETED_EVENT = "conversation_deleted"  # screener.js listens for it
_SESSION_ID = re.compile(r"[0-9a-f]{32}")


class WebSessions:
    """Session ids issued and signed by this server: `<32 hex digits>.<HMAC-SHA256, base64url>`."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    @classmethod
    def configured(cls, env: Optional[Mapping[str, str]] = None) -> "WebSessions":
        secret = (os.environ if env is None else env).get(SECRET_VARIABLE)
        if not secret:
            logger.warning("socket.io: %s is not set: the widget's sessions are signed with a secret of this "
                           "process, so they end when it stops and no other Rasa server takes them", SECRET_VARIABLE)
            return cls(secrets.token_bytes(32))
        return cls(secret.encode("utf-8"))

    def _signature(self, session: str) -> str:
        digest = hmac.new(self._secret, f"web-session:{session}".encode("ascii"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")

    def issue(self) -> str:
        session = uuid.uuid4().hex
        return f"{session}.{self._signature(session)}"

    def session_of(self, token: Any) -> Optional[str]:
        """The session id in `token` when this server signed it; None for anything else."""
        if not isinstance(token, str):
            return None
        session, _, signature = token.partition(".")
        if not _SESSION_ID.fullmatch(session) or not signature:
            return None
        if not hmac.compare_digest(self._signature(session).encode("ascii"), signature.encode("utf-8", "replace")):
            return None
        return session


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
    """Rasa's socket.io channel; only the clinic's allowed origins may connect, and each socket
    only in the session this server signed for it."""

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
    sessions: Optional[WebSessions] = None
    _app: Optional[Sanic] = None

    def get_output_channel(self) -> Optional[ClinicSocketIOOutput]:
        if self.sio is None:
            return super().get_output_channel()
        return ClinicSocketIOOutput(self.sio, self.bot_message_evt)

    async def _conversation_deleted(self, sender_id: Text) -> bool:
        """Nothing is stored of the conversation after its turn: the tracker store deleted it."""
        agent = getattr(getattr(self._app, "ctx", None), "agent", None)
        store = getattr(agent, "tracker_store", None)
        if store is None:
            return False
        try:
            return await store.retrieve(sender_id) is None
        except Exception as error:  # noqa: BLE001 - a store that can't answer has deleted nothing we know of
            logger.warning("socket.io: could not look the conversation up after its turn (%s)", type(error).__name__)
            return False

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        limit = MessageLimit.configured()
        on_new_message = limit.guard(on_new_message)
        socketio_webhook = super().blueprint(on_new_message)
        sio = self.sio
        self.sessions = self.sessions or WebSessions.configured()

        @socketio_webhook.listener("before_server_start")
        async def remember_app(app: Sanic, _loop: Any) -> None:
            self._app = app

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

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            # Rasa's handler takes the browser's session_id as it is; here only one this server
            # signed goes on (with session_persistence; without it every request is a new session).
            claimed = data.get("session_id") if isinstance(data, dict) and self.session_persistence else None
            session = self.sessions.session_of(claimed)
            if session:
                token = claimed
            else:
                if claimed:
                    logger.info("socket.io: a session id this server did not sign was given a new session")
                token = self.sessions.issue()
                session = token.partition(".")[0]
            sender_id = web_sender(session)
            previous = (await sio.get_session(sid, namespace=self.namespace)).get("sender_id")
            if previous and previous != sender_id:
                sio.leave_room(sid, previous, namespace=self.namespace)
            await sio.save_session(sid, {"sender_id": sender_id}, namespace=self.namespace)
            sio.enter_room(sid, sender_id, namespace=self.namespace)
            await sio.emit("session_confirm", token, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Dict) -> None:
            # Rasa's handler, replying through ClinicSocketIOOutput, in the socket's own session
            # (not the one the message names).
            if not isinstance(data, dict):
                return
            sender_id = (await sio.get_session(sid, namespace=self.namespace)).get("sender_id")
            if not sender_id:
                rasa.shared.utils.io.raise_warning(
                    "A message from a socket without a session (no session_request) was ignored.")
                return
            output_channel = ClinicSocketIOOutput(sio, self.bot_message_evt)
            metadata = data.get(self.metadata_key, {})
            if isinstance(metadata, Text):
                metadata = json.loads(metadata)
            text = data.get("message", "")
            message = UserMessage(text, output_channel, sender_id, input_channel=self.name(), metadata=metadata)
            await on_new_message(message)
            if not limit.too_long(text) and await self._conversation_deleted(sender_id):
                await sio.emit(DELETED_EVENT, {}, room=sender_id, namespace=self.namespace)

        return socketio_webhook
