"""Input limits before any work (bot/channels/limits.py): a message longer than
`max_message_chars` (clinic/clinic.yml) gets the bot's clear reply at once on every channel,
nothing of it reaches the conversation, and the next ordinary message carries on from the
same question. A request body over the cap is refused with 413, by the Rasa server and by
nginx in front of it, which also limits each client's request rate.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import shutil
import threading
import time
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest
import yaml

from bot.channels.identity import rest_sender, web_sender
from bot.channels.slack import escape
from tests.channels.conftest import API_TOKEN
from tests.channels.test_platforms import QUIET, messenger_event, post, send_messenger, send_slack, slack_event
from tests.servers import conversation_url, rest_headers

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
REPLY = DOMAIN["responses"]["utter_input_too_long"][0]["text"]  # the bot's clear reply
START = '/start_screening{"consent":"dont_keep"}'
ANSWER = "no, none of those"  # an ordinary answer to the first safety question
LONG = "My knee hurts a bit after long runs and I am not sure why. " * 200  # about 12,000 characters


# ---------------------------------------------------------------------------------- one setting
def test_the_channels_and_the_nlu_guard_read_the_one_setting(tmp_path, monkeypatch):
    from bot.channels.limits import MessageLimit, max_message_chars
    from bot.nlu.input_guard import InputGuard, input_problem

    clinic = yaml.safe_load((ROOT / "clinic" / "clinic.yml").read_text(encoding="utf-8"))
    assert MessageLimit.configured().max_chars == clinic["max_message_chars"]
    clinic["max_message_chars"] = 40
    path = tmp_path / "clinic.yml"
    path.write_text(yaml.safe_dump(clinic), encoding="utf-8")
    monkeypatch.setenv("CLINIC_CONFIG", str(path))
    assert max_message_chars() == 40
    assert MessageLimit.configured().too_long("x" * 41) and not MessageLimit.configured().too_long("x" * 40)
    assert InputGuard({}).max_chars == 40
    assert input_problem("my knee hurts when I run down hills, mostly") == "too_long"


def test_the_channels_send_the_domains_reply():
    from bot.channels.limits import MessageLimit

    assert MessageLimit.configured().reply == REPLY


# ---------------------------------------------------------------------------------- REST
def rest(stack, sender: str, message: str) -> List[Dict[str, Any]]:
    status, text = post(f"{stack.rasa_url}/webhooks/rest/webhook",
                        json.dumps({"sender": sender, "message": message}).encode(),
                        {"Content-Type": "application/json", **rest_headers(stack.env)})
    assert status == 200, text
    return json.loads(text)


def events(stack, conversation_id: str) -> List[Dict[str, Any]]:
    """The events of a conversation by its stored id (rest_sender(sender), web_sender(session))."""
    url = f"{conversation_url(stack.rasa_url, conversation_id)}/tracker?token={API_TOKEN}"
    with urllib.request.urlopen(url, timeout=30) as answer:
        return json.loads(answer.read())["events"]


def at_first_question(stack, sender: str) -> None:
    rest(stack, sender, "hi")
    assert any(b["payload"] == "/deny" for r in rest(stack, sender, START) for b in r.get("buttons", []))


@pytest.fixture(scope="module")
def next_question(stack) -> List[str]:
    """What an ordinary answer to the first question gets, in a conversation without a long message."""
    sender = f"control-{uuid.uuid4().hex[:8]}"
    at_first_question(stack, sender)
    return [reply.get("text") for reply in rest(stack, sender, ANSWER)]


@pytest.mark.servers
@pytest.mark.parametrize("long_message", [LONG, (LONG * 17)[:200_000]], ids=["12k-characters", "200k-characters"])
def test_rest_over_long_message_gets_the_clear_reply_and_the_screen_goes_on(stack, next_question, long_message):
    sender = f"rest-long-{uuid.uuid4().hex[:8]}"
    at_first_question(stack, sender)
    before = events(stack, rest_sender(sender))
    assert before, "nothing stored under the conversation's id: the check below would check nothing"
    started = time.time()
    replies = rest(stack, sender, long_message)
    assert time.time() - started < 2
    assert replies == [{"recipient_id": sender, "text": REPLY}]
    assert events(stack, rest_sender(sender)) == before, "the long message must not touch the conversation"
    assert [reply.get("text") for reply in rest(stack, sender, ANSWER)] == next_question


@pytest.mark.servers
def test_rest_body_over_the_cap_is_refused_with_413(stack):
    sender = f"rest-huge-{uuid.uuid4().hex[:8]}"
    at_first_question(stack, sender)
    before = events(stack, rest_sender(sender))
    assert before, "nothing stored under the conversation's id: the check below would check nothing"
    body = json.dumps({"sender": sender, "message": "x" * (2 * 1024 * 1024)}).encode()
    request = urllib.request.Request(f"{stack.rasa_url}/webhooks/rest/webhook", data=body, method="POST",
                                     headers={"Content-Type": "application/json", **rest_headers(stack.env)})
    started = time.time()
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 413
    assert "too large" in refused.value.read().decode()
    assert time.time() - started < 2
    assert events(stack, rest_sender(sender)) == before


# ---------------------------------------------------------------------------------- the web widget (socket.io)
async def widget_turns(url: str, origin: str, session: Optional[str],
                       messages: List[str]) -> Tuple[str, List[List[Dict[str, Any]]]]:
    """The session the server confirmed and the bot's messages after each of `messages`, as
    the widget gets them. `session` is the signed id of an earlier `session_confirm` (the
    widget keeps it across reloads), or None for a new session (bot/channels/socketio.py)."""
    import socketio

    received: List[Dict[str, Any]] = []
    confirmed: List[str] = []
    client = socketio.AsyncClient()
    client.on("bot_uttered", lambda data: received.append(data))
    client.on("session_confirm", lambda data: confirmed.append(data))
    # polling: python-engineio's WebSocket client needs a newer aiohttp than Rasa pins
    await client.connect(url, headers={"Origin": origin}, transports=["polling"])
    try:
        await client.emit("session_request", {"session_id": session})
        deadline = time.time() + 30
        while not confirmed and time.time() < deadline:
            await asyncio.sleep(0.1)
        assert confirmed, "no session_confirm"
        session = confirmed[-1]
        turns = []
        for message in messages:
            received.clear()
            await client.emit("user_uttered", {"message": message, "session_id": session})
            deadline = time.time() + 30
            while not received and time.time() < deadline:
                await asyncio.sleep(0.1)
            seen = -1
            while len(received) != seen:  # until the bot has finished the turn
                seen = len(received)
                await asyncio.sleep(1.5)
            turns.append(list(received))
        return session, turns
    finally:
        await client.disconnect()


@pytest.mark.servers
def test_widget_over_long_message_gets_the_clear_reply_and_the_screen_goes_on(stack, next_question):
    sessions: List[str] = []  # the signed session id, reused on every reconnect as the widget does

    def turns(*messages: str) -> List[List[Dict[str, Any]]]:
        earlier = sessions[-1] if sessions else None
        session, replies = asyncio.run(widget_turns(stack.rasa_url, stack.web_origin, earlier, list(messages)))
        assert not sessions or session == sessions[-1], "the server did not carry the signed session on"
        sessions.append(session)
        return replies

    assert any("quick_replies" in message for message in turns("/greet", START)[-1])
    conversation = web_sender(sessions[0].partition(".")[0])  # the signed id is <session>.<signature>
    before = events(stack, conversation)
    assert before, "nothing stored under the conversation's id: the check below would check nothing"
    assert turns(LONG) == [[{"text": REPLY}]]
    assert events(stack, conversation) == before, "the long message must not touch the conversation"
    # the widget gets each paragraph as a message of its own
    assert "\n\n".join(message.get("text") for message in turns(ANSWER)[0]) == "\n\n".join(next_question)


# ---------------------------------------------------------------------------------- Slack and Messenger
@pytest.mark.servers
def test_slack_over_long_message_gets_the_clear_reply(stack, fake_platforms):
    channel, user = f"D0LONG{uuid.uuid4().hex[:6]}", f"U0LONG{uuid.uuid4().hex[:6]}"
    assert send_slack(stack, slack_event(channel, user, LONG))[0] == 200
    fake_platforms.wait_for(lambda: fake_platforms.slack_posts(channel))
    time.sleep(QUIET)
    assert [post["body"]["text"] for post in fake_platforms.slack_posts(channel)] == [escape(REPLY)]


@pytest.mark.servers
def test_messenger_over_long_message_gets_the_clear_reply(stack, fake_platforms):
    sender = f"PSID-LONG-{uuid.uuid4().hex[:6]}"
    assert send_messenger(stack, messenger_event(sender, LONG)) == (200, "success")
    fake_platforms.wait_for(lambda: fake_platforms.messenger_messages(sender))
    time.sleep(QUIET)
    assert [m["body"]["message"] for m in fake_platforms.messenger_messages(sender)] == [{"text": REPLY}]


# ---------------------------------------------------------------------------------- nginx in front
def test_nginx_caps_the_body_and_limits_each_client():
    from deploy.nginx import Nginx, nginx_binary
    from tests.servers import free_port

    if not nginx_binary():
        pytest.skip("nginx is not installed (scripts/setup_services.sh installs it)")

    class Upstream(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_POST = do_GET

    upstream = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    port = free_port()
    # its own temporary prefix: nginx's workers (user nobody under root) must reach its temp dirs
    nginx = Nginx([f"127.0.0.1:{upstream.server_address[1]}"], f"127.0.0.1:{port}").start()

    def status(method: str, path: str, source: str = "127.0.0.1", body: bytes = None) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", port, source_address=(source, 0), timeout=10)
        try:
            connection.request(method, path, body=body)
            return connection.getresponse().status
        finally:
            connection.close()

    try:
        from bot.channels.limits import MessageLimit

        cap = MessageLimit.configured().max_body
        assert status("POST", "/webhooks/rest/webhook", body=b"x" * cap) == 200
        assert status("POST", "/webhooks/rest/webhook", body=b"x" * (cap + 1)) == 413
        # one client (127.0.0.2: loopback itself is not limited) flooding gets 429 past the burst
        flood = [status("GET", "/webhooks/rest/", source="127.0.0.2") for _ in range(30)]
        assert flood[:10] == [200] * 10 and flood[-5:] == [429] * 5
        assert status("GET", "/webhooks/rest/", source="127.0.0.3") == 200  # another client is not
        # Slack and Messenger deliver every user's messages from their few addresses
        assert set(status("GET", "/webhooks/slack/", source="127.0.0.2") for _ in range(30)) == {200}
    finally:
        nginx.stop()
        shutil.rmtree(nginx.prefix, ignore_errors=True)
        upstream.shutdown()
        upstream.server_close()
