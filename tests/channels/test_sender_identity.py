"""Sender identity (issue 11, part 1): nobody can talk, or read, as another runner.

Each test tries one hijack and sees it refused:

* REST without the token, with a wrong one, or (no token set) from another machine through a
  proxy: refused. REST naming a web or Slack runner's id: its own `rest:` conversation, the
  runner's screen goes on untouched ("stop" included, which would delete a runner's records).
* socket.io with another runner's session id (as it shows in the records and logs), a forged
  or foreign signature: a new session, which hears nothing of the runner's conversation; a
  message naming the runner's own signed id still lands in the sender's session; a socket
  that never asked for a session is not heard at all.
* Slack: a mention in a public channel is not answered there (an ephemeral pointer to the
  direct message instead) and its text reaches no conversation; a click in a channel is
  ignored.
* nginx does not pass /webhooks/rest/ from another machine.

Also: a deleted conversation is announced to its widget (`conversation_deleted`), and a tab
that comes back with its own signed id carries on. The first tests need no server.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import re
import shutil
import socket
import threading
import time
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import pytest

from bot.channels import identity
from bot.channels.rest import ClinicRestInput, bearer_token_is, from_this_machine
from bot.channels.socketio import DELETED_EVENT, WebSessions
from tests.channels.conftest import API_TOKEN
from tests.servers import free_port
from tests.channels.test_platforms import (QUIET, SLACK_TEAM, URGENT_FLAGS, buttons_of, post, send_slack,
                                           slack_button_click, slack_event)

ROOT = Path(__file__).resolve().parents[2]
START_KEEP = '/start_screening{"consent":"keep"}'
START_DONT_KEEP = '/start_screening{"consent":"dont_keep"}'
NONE_OF_THESE = "None of these"
SIGNED_SESSION = re.compile(r"[0-9a-f]{32}\.[A-Za-z0-9_-]{43}")
STOPPED = "I've stopped the screen"


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


# ---------------------------------------------------------------------------------- without servers
def test_every_channel_prefixes_its_sender_ids():
    assert identity.web_sender("abc") == "web:abc"
    assert identity.slack_sender("T1", "U2") == "slack:T1:U2"
    assert identity.messenger_sender("123") == "fb:123"
    assert identity.rest_sender("web:abc") == "rest:web:abc"  # a REST client never names another channel's id
    assert identity.platform_id("slack:T1:U2", identity.SLACK) == "T1:U2"
    assert identity.platform_id("rest:slack:T1:U2", identity.SLACK) is None


def test_a_web_session_is_good_only_with_this_servers_signature():
    sessions = WebSessions(b"this server's secret")
    token = sessions.issue()
    session = token.partition(".")[0]
    assert SIGNED_SESSION.fullmatch(token) and sessions.session_of(token) == session
    assert sessions.issue() != token
    foreign = f"{session}.{WebSessions(b'another secret')._signature(session)}"
    for forged in (session, f"web:{session}", f"{session}.", f"{session}.{'A' * 43}", foreign,
                   token.upper(), token + "x", None, 42, {"session_id": token}):
        assert sessions.session_of(forged) is None, forged


def test_rest_without_a_token_takes_only_this_machine():
    from sanic.compat import Header

    assert from_this_machine("127.0.0.1", Header())
    assert from_this_machine("::1", Header())
    assert from_this_machine("127.0.0.1", Header([("X-Forwarded-For", "127.0.0.1")]))  # nginx on this machine
    assert not from_this_machine("192.0.2.7", Header())
    assert not from_this_machine("127.0.0.1", Header([("X-Forwarded-For", "203.0.113.9")]))
    assert not from_this_machine("127.0.0.1", Header([("X-Forwarded-For", "127.0.0.1, 203.0.113.9")]))
    assert not from_this_machine("127.0.0.1", Header([("X-Real-IP", "203.0.113.9")]))
    assert not from_this_machine("127.0.0.1", Header([("Forwarded", "for=203.0.113.9")]))


def test_rest_token_is_a_bearer_token():
    assert bearer_token_is("s3cret", "Bearer s3cret") and bearer_token_is("s3cret", "bearer  s3cret ")
    for header in (None, "", "s3cret", "Bearer", "Bearer s3cre", "Bearer s3cret2", "Basic s3cret", "Token s3cret"):
        assert not bearer_token_is("s3cret", header), header


def _rest_app_run(monkeypatch, token: Optional[str], requests: List[Dict[str, Any]]) -> tuple:
    """Rasa's REST route as this project makes it, in a bare Sanic app on a free port: the
    (status, body) of each request, and the conversations the messages went to."""
    import aiohttp
    from sanic import Sanic

    monkeypatch.setattr(Sanic, "test_mode", True)  # lets Sanic start more than one app in a process
    if token:
        monkeypatch.setenv("REST_CHANNEL_TOKEN", token)
    else:
        monkeypatch.delenv("REST_CHANNEL_TOKEN", raising=False)
    conversations: List[str] = []

    async def on_new_message(message) -> None:
        conversations.append(message.sender_id)
        await message.output_channel.send_text_message(message.sender_id, "heard")

    async def run() -> List[tuple]:
        app = Sanic(unique("rest_identity_"))
        app.blueprint(ClinicRestInput().blueprint(on_new_message), url_prefix="/webhooks/rest")
        port = free_port()
        server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
        await server.startup()
        answers = []
        try:
            async with aiohttp.ClientSession() as session:
                for request in requests:
                    async with session.post(f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                                            json=request.get("body", {"sender": "runner-7", "message": "hi"}),
                                            headers=request.get("headers", {})) as answer:
                        answers.append((answer.status, await answer.text()))
        finally:
            server.close()
            await server.wait_closed()
        return answers

    return asyncio.run(run()), conversations


def test_rest_with_the_token_set_refuses_a_request_without_it_or_with_a_wrong_one(monkeypatch):
    answers, conversations = _rest_app_run(monkeypatch, "the-rest-token", [
        {},
        {"headers": {"Authorization": "Bearer not-the-token"}},
        {"headers": {"Authorization": "the-rest-token"}},
        {"headers": {"Authorization": "Bearer the-rest-token"}},
    ])
    assert [status for status, _ in answers] == [401, 401, 401, 200]
    assert json.loads(answers[-1][1]) == [{"recipient_id": "runner-7", "text": "heard"}]  # as the client sent it
    assert conversations == ["rest:runner-7"]  # only the request with the token got through


def test_rest_without_the_token_set_refuses_a_client_behind_a_proxy(monkeypatch):
    answers, conversations = _rest_app_run(monkeypatch, None, [
        {"headers": {"X-Forwarded-For": "203.0.113.9"}},
        {"headers": {"X-Forwarded-For": "127.0.0.1, 203.0.113.9"}},
        {"body": {"message": "hi"}},  # no sender: not a conversation called "default" shared by all
        {"body": {"sender": "web:0123456789abcdef0123456789abcdef", "message": "hi"}},
    ])
    assert [status for status, _ in answers] == [403, 403, 400, 200]
    assert conversations == ["rest:web:0123456789abcdef0123456789abcdef"]


def test_the_nginx_template_passes_rest_only_from_this_machine():
    text = (ROOT / "deploy" / "nginx" / "screener.conf.template").read_text(encoding="utf-8")
    block = re.search(r"location /webhooks/rest/ \{(.*?)\n        \}", text, re.S)
    assert block, "no location for /webhooks/rest/"
    rules = [line.strip() for line in block.group(1).splitlines() if line.strip().startswith(("allow", "deny"))]
    assert rules == ["allow 127.0.0.0/8;", "allow ::1;", "deny all;"]


def _address_of_this_machine() -> Optional[str]:
    """An address of this machine that is not loopback (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_nginx_refuses_rest_from_another_machine():
    from deploy.nginx import Nginx, nginx_binary

    address = _address_of_this_machine()
    if not nginx_binary() or not address:
        pytest.skip("needs nginx and a network address other than loopback")
    reached: List[str] = []

    class Upstream(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            reached.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_POST = do_GET

    upstream = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    # listening on the machine's own address: a request to it comes from that address, not loopback
    nginx = Nginx([f"127.0.0.1:{upstream.server_address[1]}"], f"{address}:{free_port()}").start()

    def status(method: str, path: str) -> int:
        host, _, port = nginx.listen.rpartition(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        try:
            connection.request(method, path, body=b'{"sender": "x", "message": "hi"}' if method == "POST" else None)
            return connection.getresponse().status
        finally:
            connection.close()

    try:
        assert status("POST", "/webhooks/rest/webhook") == 403
        assert status("GET", "/webhooks/rest/") == 403
        assert reached == []
        assert status("POST", "/webhooks/slack/webhook") == 200  # the other channels still pass
        assert reached == ["/webhooks/slack/webhook"]
    finally:
        nginx.stop()
        shutil.rmtree(nginx.prefix, ignore_errors=True)
        upstream.shutdown()
        upstream.server_close()


# ---------------------------------------------------------------------------------- helpers with servers
def user_texts(stack, conversation_id: str) -> List[str]:
    """The runner's messages in a conversation, read through the token-protected HTTP API."""
    url = (f"{stack.rasa_url}/conversations/{urllib.parse.quote(conversation_id, safe=':')}/tracker"
           f"?token={API_TOKEN}")
    with urllib.request.urlopen(url, timeout=30) as answer:
        return [event.get("text") for event in json.loads(answer.read())["events"] if event["event"] == "user"]


def holding(stack, candidates: List[str], text: str) -> List[str]:
    """Which of these conversation ids hold a message `text` of the runner's."""
    return [candidate for candidate in dict.fromkeys(candidates) if text in user_texts(stack, candidate)]


def rest(stack, sender: str, message: str) -> int:
    body = json.dumps({"sender": sender, "message": message}).encode()
    status, _ = post(f"{stack.rasa_url}/webhooks/rest/webhook", body, {"Content-Type": "application/json"})
    return status


async def until(condition: Callable[[], Any], timeout: float = 30) -> Any:
    deadline = time.time() + timeout
    while not condition() and time.time() < deadline:
        await asyncio.sleep(0.1)
    return condition()


class Tab:
    """One browser tab's socket.io connection, as the widget (rasa-webchat) makes it."""

    def __init__(self, stack) -> None:
        import socketio

        self.stack = stack
        self.session: Optional[str] = None
        self.received: List[Dict[str, Any]] = []
        self.confirmed: List[str] = []
        self.deleted_after: List[int] = []  # how many bot messages had come when the deletion was announced
        self.client = socketio.AsyncClient(reconnection=False)
        self.client.on("bot_uttered", self.received.append)
        self.client.on("session_confirm", self.confirmed.append)
        self.client.on(DELETED_EVENT, lambda *_: self.deleted_after.append(len(self.received)))

    async def open(self, session_id: Optional[str] = None, ask: bool = True) -> Optional[str]:
        # polling: python-engineio's WebSocket client needs a newer aiohttp than Rasa pins
        await self.client.connect(self.stack.rasa_url, headers={"Origin": self.stack.web_origin},
                                  transports=["polling"])
        if not ask:
            return None
        await self.client.emit("session_request", {"session_id": session_id})
        assert await until(lambda: self.confirmed), "no session_confirm"
        self.session = self.confirmed[-1]
        return self.session

    async def say(self, text: str, session_id: Optional[str] = None, answered: bool = True) -> List[Dict[str, Any]]:
        """The bot's messages after `text` (the message names `session_id`, else the tab's own);
        when not `answered`, QUIET seconds without one are enough."""
        start = len(self.received)
        await self.client.emit("user_uttered", {"message": text, "session_id": session_id or self.session})
        if not await until(lambda: len(self.received) > start, timeout=30 if answered else QUIET):
            return []
        seen = -1
        while len(self.received) != seen:  # until the bot has finished the turn
            seen = len(self.received)
            await asyncio.sleep(1.5)
        return self.received[start:]

    async def close(self) -> None:
        await self.client.disconnect()


def quick_replies(messages: List[Dict[str, Any]]) -> Dict[str, str]:
    """Title -> payload of the last message's quick replies."""
    replies = next((m["quick_replies"] for m in reversed(messages) if m.get("quick_replies")), [])
    return {reply["title"]: reply["payload"] for reply in replies}


# ---------------------------------------------------------------------------------- REST against the Rasa server
@pytest.mark.servers
def test_rest_from_a_client_behind_a_proxy_is_refused_without_the_token(stack):
    body = json.dumps({"sender": unique("proxied-"), "message": "hi"}).encode()
    status, _ = post(f"{stack.rasa_url}/webhooks/rest/webhook", body,
                     {"Content-Type": "application/json", "X-Forwarded-For": "203.0.113.9"})
    assert status == 403
    assert rest(stack, unique("local-"), "hi") == 200  # this machine (tests, benchmarks, integrations on it)


@pytest.mark.servers
def test_rest_naming_a_web_runner_cannot_reach_their_conversation(stack):
    async def scenario():
        runner = Tab(stack)
        token = await runner.open()
        await runner.say("/greet")
        emergency = quick_replies(await runner.say(START_KEEP))
        session = token.partition(".")[0]
        names = [token, session, identity.web_sender(session)]
        for name in names:  # what an attacker could have seen: the widget's id, the records' id
            assert await asyncio.to_thread(rest, stack, name, "stop") == 200
        after = await runner.say(emergency[NONE_OF_THESE])
        await runner.close()
        return names, after

    names, after = asyncio.run(scenario())
    assert len(quick_replies(after)) == 2 + URGENT_FLAGS, "the runner's screen went on to the next question"
    runners = holding(stack, names, START_KEEP)
    assert runners == [names[2]], runners  # the runner's conversation is web:<session>
    assert "stop" not in user_texts(stack, runners[0])


@pytest.mark.servers
def test_rest_naming_a_slack_runner_cannot_reach_their_conversation(stack, fake_platforms):
    channel, user = unique("D0VICTIM"), unique("U0VICTIM")
    assert send_slack(stack, slack_event(channel, user, "hi"))[0] == 200
    welcome = fake_platforms.wait_for(lambda: [p for p in fake_platforms.slack_posts(channel) if buttons_of(p)])[-1]
    seen = len(fake_platforms.slack_posts(channel))
    click = slack_button_click(channel, user, buttons_of(welcome)["Start & keep answers"])
    assert send_slack(stack, click, content_type="application/x-www-form-urlencoded")[0] == 200
    emergency = fake_platforms.wait_for(
        lambda: [p for p in fake_platforms.slack_posts(channel)[seen:] if buttons_of(p)])[-1]

    names = [user, f"{SLACK_TEAM}:{user}", identity.slack_sender(SLACK_TEAM, user)]
    for name in names:  # a Slack user id is seen by the whole workspace
        assert rest(stack, name, "stop") == 200
    seen = len(fake_platforms.slack_posts(channel))
    click = slack_button_click(channel, user, buttons_of(emergency)[NONE_OF_THESE])
    assert send_slack(stack, click, content_type="application/x-www-form-urlencoded")[0] == 200
    after = fake_platforms.wait_for(lambda: [p for p in fake_platforms.slack_posts(channel)[seen:] if buttons_of(p)])
    assert after and len(buttons_of(after[-1])) == 2 + URGENT_FLAGS, "the runner's screen went on"
    runners = holding(stack, names, "hi")
    assert runners == [names[2]], runners
    assert "stop" not in user_texts(stack, runners[0])


# ---------------------------------------------------------------------------------- the web widget's sessions
@pytest.mark.servers
def test_a_socket_naming_another_runners_session_gets_a_new_one_and_hears_nothing(stack):
    async def scenario():
        runner = Tab(stack)
        token = await runner.open()
        await runner.say("/greet")
        session = token.partition(".")[0]
        foreign = f"{session}.{WebSessions(b'not this server').issue().partition('.')[2]}"
        claims = [session, identity.web_sender(session), f"{session}.{'A' * 43}", foreign,
                  token[:-1] + ("B" if token[-1] != "B" else "C")]
        attackers = [Tab(stack) for _ in claims]
        given = [await attacker.open(claim) for attacker, claim in zip(attackers, claims)]
        markers = [unique("attacker-") for _ in attackers]
        before_attack = len(runner.received)
        for attacker, marker in zip(attackers, markers):
            # in its own (new) session, even when the message names the runner's signed id
            await attacker.say(marker, session_id=token)
        crossed = runner.received[before_attack:]
        for attacker in attackers:
            attacker.received.clear()
        heard = await runner.say("what is overstriding")
        overheard = [attacker.received for attacker in attackers]
        for tab in [runner, *attackers]:
            await tab.close()
        return token, given, markers, crossed, heard, overheard

    token, given, markers, crossed, heard, overheard = asyncio.run(scenario())
    sessions = [new.partition(".")[0] for new in given]
    assert len(set(sessions) | {token.partition(".")[0]}) == len(given) + 1, "joined the runner's session"
    assert heard, "the runner still gets answers"
    assert overheard == [[]] * len(given), "another socket read the runner's replies"
    assert crossed == [], "the runner's conversation answered the attackers"
    assert all(SIGNED_SESSION.fullmatch(new) for new in [token, *given]), "issued and signed by the server"
    runner = identity.web_sender(token.partition(".")[0])
    assert not set(markers) & set(user_texts(stack, runner))
    for new, marker in zip(given, markers):
        assert user_texts(stack, identity.web_sender(new.partition(".")[0]))[-1:] == [marker]


@pytest.mark.servers
def test_a_socket_without_a_session_is_not_heard(stack):
    async def scenario():
        runner = Tab(stack)
        token = await runner.open()
        await runner.say("/greet")
        stranger = Tab(stack)
        await stranger.open(ask=False)
        marker = unique("stranger-")
        before = len(runner.received)
        answers = await stranger.say(marker, session_id=token, answered=False)  # names the runner's signed id
        crossed = runner.received[before:]
        for tab in (runner, stranger):
            await tab.close()
        return token, marker, answers, crossed

    token, marker, answers, crossed = asyncio.run(scenario())
    assert answers == [] and crossed == [], "a socket without a session talked in the runner's conversation"
    session = token.partition(".")[0]
    assert holding(stack, [token, session, identity.web_sender(session)], marker) == []


@pytest.mark.servers
def test_a_tab_that_comes_back_with_its_signed_session_carries_on(stack):
    async def scenario():
        first = Tab(stack)
        token = await first.open()
        await first.say("/greet")
        await first.say(START_KEEP)
        await first.close()
        again = Tab(stack)  # the page reloaded: the widget sends the id from its session storage
        confirmed = await again.open(token)
        await again.say("what is overstriding")
        await again.close()
        return token, confirmed

    token, confirmed = asyncio.run(scenario())
    assert confirmed == token
    assert user_texts(stack, identity.web_sender(token.partition(".")[0])) == [
        "/greet", START_KEEP, "what is overstriding"]


@pytest.mark.servers
def test_a_deleted_conversation_is_announced_to_its_widget(stack):
    async def scenario(consent: str):
        tab = Tab(stack)
        token = await tab.open()
        await tab.say("/greet")
        await tab.say(consent)
        replies = await tab.say("stop")
        await asyncio.sleep(1)
        await tab.close()
        return token, replies, tab.deleted_after, len(tab.received)

    token, replies, deleted_after, received = asyncio.run(scenario(START_DONT_KEEP))
    assert any(STOPPED in (reply.get("text") or "") for reply in replies), replies
    assert deleted_after == [received], "announced once, after the bot's last message"
    assert user_texts(stack, identity.web_sender(token.partition(".")[0])) == []  # nothing kept

    token, replies, deleted_after, _ = asyncio.run(scenario(START_KEEP))
    assert any(STOPPED in (reply.get("text") or "") for reply in replies), replies
    assert deleted_after == []  # kept with consent: nothing to forget
    assert "stop" in user_texts(stack, identity.web_sender(token.partition(".")[0]))


# ---------------------------------------------------------------------------------- Slack: direct messages only
def slack_mention(channel: str, user: str, text: str) -> bytes:
    return json.dumps({
        "type": "event_callback", "team_id": SLACK_TEAM, "api_app_id": "A0SCREENER",
        "event_id": f"Ev{uuid.uuid4().hex[:10]}", "event_time": int(time.time()),
        "authorizations": [{"user_id": "U0BOT"}],
        "event": {"type": "app_mention", "channel": channel, "user": user, "text": f"<@U0BOT> {text}",
                  "ts": f"{time.time():.6f}"},
    }).encode()


@pytest.mark.servers
def test_a_mention_in_a_channel_is_answered_only_to_the_runner_and_starts_nothing(stack, fake_platforms):
    channel, user = unique("C0PUBLIC"), unique("U0MENTION")
    said = "hi, my left knee hurts after long runs"
    assert send_slack(stack, slack_mention(channel, user, said))[0] == 200
    assert send_slack(stack, slack_mention(channel, user, said))[0] == 200  # another event, another pointer
    pointers = fake_platforms.wait_for(lambda: len(fake_platforms.slack_ephemerals(channel)) >= 2)
    time.sleep(QUIET)
    assert fake_platforms.slack_posts(channel) == [], "answered in the channel, for the whole workspace to read"
    assert pointers
    ephemerals = fake_platforms.slack_ephemerals(channel)
    assert [e["body"].get("user") for e in ephemerals] == [user, user]
    assert "direct message" in ephemerals[0]["body"]["text"]
    assert "app_redirect?app=A0SCREENER&team=T0CLINIC" in ephemerals[0]["body"]["text"]
    assert fake_platforms.slack_posts(user) == []  # no screen started anywhere
    assert holding(stack, [user, identity.slack_sender(SLACK_TEAM, user)], said) == []


@pytest.mark.servers
def test_a_click_in_a_channel_is_ignored(stack, fake_platforms):
    channel, user = unique("C0PUBLIC"), unique("U0CLICK")
    click = slack_button_click(channel, user, START_KEEP, "Start & keep answers")
    assert send_slack(stack, click, content_type="application/x-www-form-urlencoded")[0] == 200
    time.sleep(QUIET)
    assert fake_platforms.slack_posts(channel) == []
    assert holding(stack, [user, identity.slack_sender(SLACK_TEAM, user)], START_KEEP) == []
