"""Slack and Messenger end to end: signed platform events posted to the running Rasa server
reach the bot, and its replies arrive at a loopback fake of the platform's API. Forged and
unsigned events are refused and get no reply. Long messages arrive split.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Dict, Optional, Tuple

import pytest
import yaml

from bot.channels.dedup import untag
from bot.channels.messenger import ClinicMessengerBot
from bot.channels.slack import ClinicSlackBot
from tests.channels.conftest import API_TOKEN, MESSENGER_APP_SECRET, MESSENGER_VERIFY_TOKEN, SLACK_SIGNING_SECRET
from tests.servers import rest_headers

pytestmark = pytest.mark.servers
QUIET = 3.0  # seconds to wait to be sure a refused event produced no reply


# each red-flag group's red flags, one button each (clinic/screening_rules.yml)
_GROUPS = {g["level"]: len(g["flags"]) for g in yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "clinic" / "screening_rules.yml").read_text())["red_flag_groups"]}
EMERGENCY_FLAGS, URGENT_FLAGS = _GROUPS["emergency"], _GROUPS["urgent_care"]


def post(url: str, body: bytes, headers: Dict[str, str]) -> Tuple[int, str]:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def get(url: str) -> Tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


# ---------------------------------------------------------------------------------- Slack
def slack_signature(body: bytes, timestamp: str, secret: str = SLACK_SIGNING_SECRET) -> str:
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return f"v0={digest}"


SLACK_TEAM = "T0CLINIC"  # the workspace of every test event (its conversations are slack:T0CLINIC:<user>)


def slack_event(channel: str, user: str, text: str) -> bytes:
    return json.dumps({
        "type": "event_callback", "team_id": SLACK_TEAM, "api_app_id": "A0SCREENER",
        "event_id": f"Ev{uuid.uuid4().hex[:10]}", "event_time": int(time.time()),
        "authorizations": [{"user_id": "U0BOT"}],
        "event": {"type": "message", "channel_type": "im", "channel": channel, "user": user, "text": text,
                  "ts": f"{time.time():.6f}"},
    }).encode()


def rasa_url(target) -> str:
    """The Rasa server's address: the channel stack's, or the one given."""
    return target if isinstance(target, str) else target.rasa_url


def send_slack(target, body: bytes, content_type: str = "application/json", signed: bool = True,
               timestamp: Optional[str] = None, secret: str = SLACK_SIGNING_SECRET,
               headers: Optional[Dict[str, str]] = None) -> Tuple[int, str]:
    timestamp = timestamp or str(int(time.time()))
    headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp, **(headers or {})}
    if signed:
        headers["X-Slack-Signature"] = slack_signature(body, timestamp, secret)
    return post(f"{rasa_url(target)}/webhooks/slack/webhook", body, headers)


def slack_button_click(channel: str, user: str, value: str, title: str = "", message: Optional[dict] = None,
                       response_url: Optional[str] = None) -> bytes:
    """A block_actions interaction; `message` is the clicked message as Slack sends it back."""
    payload = {"type": "block_actions", "team": {"id": SLACK_TEAM}, "user": {"id": user, "team_id": SLACK_TEAM},
               "channel": {"id": channel},
               "trigger_id": f"trigger-{uuid.uuid4().hex[:10]}",
               "message": {"ts": f"{time.time():.6f}", **(message or {})},
               "actions": [{"type": "button", "action_id": "screener_button_0", "value": value,
                            "text": {"type": "plain_text", "text": title}}]}
    if response_url:
        payload["response_url"] = response_url
    return urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()


def buttons_of(post_record) -> Dict[str, str]:
    """Title -> value of a Slack message's buttons, as sent (tagged with their question)."""
    return {element["text"]["text"]: element.get("value")
            for block in post_record["body"].get("blocks") or [] if block["type"] == "actions"
            for element in block["elements"]}


def answers_of(post_record) -> Dict[str, str]:
    """Title -> the payload a click passes on to Rasa."""
    return {title: untag(value)[1] for title, value in buttons_of(post_record).items()}


def test_slack_url_verification_is_answered(stack):
    status, text = send_slack(stack, json.dumps({"type": "url_verification", "challenge": "c-123"}).encode())
    assert status == 200 and json.loads(text) == {"challenge": "c-123"}


def test_slack_signed_message_gets_the_welcome_with_buttons_and_a_click_goes_on(stack, fake_platforms):
    channel, user = "D0SIGNED", "U0RUNNER"
    status, _ = send_slack(stack, slack_event(channel, user, "hi"))
    assert status == 200
    posts = fake_platforms.wait_for(lambda: fake_platforms.slack_posts(channel))
    assert posts, "no reply reached the fake Slack API"
    welcome = posts[-1]  # the long welcome first, then "Shall we start?" with the buttons
    assert welcome["headers"].get("Authorization") == "Bearer fake-slack-bot-token"
    assert any("runner screener" in post["body"]["text"] for post in posts)
    assert answers_of(welcome) == {"Start & keep answers": '/start_screening{"consent":"keep"}',
                                   "Start, keep nothing": '/start_screening{"consent":"dont_keep"}',
                                   "Not now": "/deny"}
    assert all(untag(value)[0] for value in buttons_of(welcome).values()), "each button names its question"
    assert all(len(b["text"]["text"]) <= 3000 for b in welcome["body"]["blocks"] if b["type"] == "section")

    seen = len(posts)
    status, _ = send_slack(stack, slack_button_click(channel, user, "/affirm"),
                           content_type="application/x-www-form-urlencoded")
    assert status == 200
    posts = fake_platforms.wait_for(lambda: fake_platforms.slack_posts(channel)[seen:])
    assert posts, "the button click got no reply"
    buttons = buttons_of(posts[-1])
    assert "None of these" in buttons and "Not sure" in buttons and len(buttons) == 2 + EMERGENCY_FLAGS

    seen += len(posts)
    assert send_slack(stack, slack_button_click(channel, user, buttons["None of these"]),
                      content_type="application/x-www-form-urlencoded")[0] == 200
    posts = fake_platforms.wait_for(lambda: fake_platforms.slack_posts(channel)[seen:])
    assert len(buttons_of(posts[-1])) == 2 + URGENT_FLAGS  # the second group: Rasa's own connector drops all past 5


def test_slack_forged_unsigned_and_stale_events_are_refused_without_a_reply(stack, fake_platforms):
    channel = "D0FORGED"
    body = slack_event(channel, "U0MALLORY", "hi")
    assert send_slack(stack, body, signed=False)[0] == 401
    assert send_slack(stack, body, secret="not-the-secret")[0] == 401
    stale = str(int(time.time()) - 600)
    assert send_slack(stack, body, timestamp=stale)[0] == 401
    click = slack_button_click(channel, "U0MALLORY", "/affirm")
    assert send_slack(stack, click, content_type="application/x-www-form-urlencoded", secret="wrong")[0] == 401
    time.sleep(QUIET)
    assert fake_platforms.slack_posts(channel) == []


def test_slack_retry_of_the_same_event_is_handled_once(stack, fake_platforms):
    channel = "D0RETRY"
    body = slack_event(channel, "U0RETRY", "hi")
    assert send_slack(stack, body)[0] == 200
    first = fake_platforms.wait_for(lambda: fake_platforms.slack_posts(channel))
    assert send_slack(stack, body)[0] == 200
    time.sleep(QUIET)
    assert len(fake_platforms.slack_posts(channel)) == len(first)


def test_slack_long_message_arrives_split_at_sentences(fake_platforms):
    sentence = "Keep your hips level when you land, and let your glutes do the work. "
    text = (sentence * 110).strip()  # about 7,600 characters
    bot = ClinicSlackBot("fake-slack-bot-token", base_url=fake_platforms.slack_api_base)
    asyncio.run(bot.send_text_with_buttons("D0LONG", text, [{"title": "Got it", "payload": "/affirm"}]))
    posts = fake_platforms.wait_for(lambda: fake_platforms.slack_posts("D0LONG"), settle=0.2)
    sections = [block["text"]["text"] for p in posts for block in p["body"]["blocks"] if block["type"] == "section"]
    assert len(sections) >= 3
    assert all(len(section) <= 3000 for section in sections)
    assert all(section.endswith("work.") for section in sections), "split at sentence ends, not mid-sentence"
    assert " ".join(sections) == text
    assert buttons_of(posts[-1]) == {"Got it": "/affirm"}  # no bot message to tag them with


# ---------------------------------------------------------------------------------- Messenger
def messenger_event(sender: str, text: str, quick_reply: Optional[str] = None, mid: Optional[str] = None) -> bytes:
    message = {"mid": mid or f"m_{uuid.uuid4().hex[:10]}", "text": text}
    if quick_reply:
        message["quick_reply"] = {"payload": quick_reply}
    return json.dumps({"object": "page", "entry": [{
        "id": "P0CLINIC", "time": int(time.time() * 1000),
        "messaging": [{"sender": {"id": sender}, "recipient": {"id": "P0CLINIC"},
                       "timestamp": int(time.time() * 1000), "message": message}],
    }]}).encode()


def send_messenger(target, body: bytes, sha256: Optional[str] = "right", sha1: Optional[str] = None) -> Tuple[int, str]:
    headers = {"Content-Type": "application/json"}
    for header, algorithm, which in (("X-Hub-Signature-256", hashlib.sha256, sha256),
                                     ("X-Hub-Signature", hashlib.sha1, sha1)):
        if which:
            secret = MESSENGER_APP_SECRET if which == "right" else "not-the-app-secret"
            prefix = "sha256" if algorithm is hashlib.sha256 else "sha1"
            headers[header] = f"{prefix}={hmac.new(secret.encode(), body, algorithm).hexdigest()}"
    return post(f"{rasa_url(target)}/webhooks/facebook/webhook", body, headers)


def test_messenger_webhook_verification_needs_the_verify_token(stack):
    base = f"{stack.rasa_url}/webhooks/facebook/webhook?hub.mode=subscribe&hub.challenge=4242&hub.verify_token="
    assert get(base + MESSENGER_VERIFY_TOKEN) == (200, "4242")
    assert get(base + "wrong-token")[0] == 403


def test_messenger_signed_message_gets_quick_replies_and_a_quick_reply_goes_on(stack, fake_platforms):
    sender = "PSID-SIGNED"
    status, text = send_messenger(stack, messenger_event(sender, "hi"))
    assert (status, text) == (200, "success")
    messages = fake_platforms.wait_for(lambda: fake_platforms.messenger_messages(sender))
    assert messages, "no reply reached the fake Send API"
    welcome = messages[-1]  # the long welcome first, then "Shall we start?" with quick replies
    assert welcome["query"]["access_token"] == "test-page-access-token"
    assert welcome["query"]["appsecret_proof"] == hmac.new(
        MESSENGER_APP_SECRET.encode(), b"test-page-access-token", hashlib.sha256).hexdigest()
    assert any("runner screener" in m["body"]["message"]["text"] for m in messages)
    quick = welcome["body"]["message"]["quick_replies"]
    assert [{**reply, "payload": untag(reply["payload"])[1]} for reply in quick] == [
        {"content_type": "text", "title": "Start & keep answers", "payload": '/start_screening{"consent":"keep"}'},
        {"content_type": "text", "title": "Start, keep nothing", "payload": '/start_screening{"consent":"dont_keep"}'},
        {"content_type": "text", "title": "Not now", "payload": "/deny"},
    ]
    assert all(untag(reply["payload"])[0] for reply in quick), "each quick reply names its question"

    seen = len(messages)
    assert send_messenger(stack, messenger_event(sender, "Start & keep answers", quick_reply='/start_screening{"consent":"keep"}'))[0] == 200
    messages = fake_platforms.wait_for(lambda: fake_platforms.messenger_messages(sender)[seen:])
    quick = messages[-1]["body"]["message"]["quick_replies"]
    titles = [reply["title"] for reply in quick]
    assert "None of these" in titles and len(quick) == 2 + EMERGENCY_FLAGS  # Rasa's own connector drops all past 3
    assert all(len(title) <= 20 for title in titles)
    assert all(len(m["body"]["message"]["text"]) <= 2000 for m in messages)


def test_messenger_forged_and_unsigned_events_are_refused_without_a_reply(stack, fake_platforms):
    sender = "PSID-FORGED"
    body = messenger_event(sender, "hi")
    assert send_messenger(stack, body, sha256=None)[0] == 403  # unsigned
    assert send_messenger(stack, body, sha256="wrong")[0] == 403
    assert send_messenger(stack, body, sha256="wrong", sha1="right")[0] == 403  # a right SHA-1 can't rescue it
    assert send_messenger(stack, body, sha256=None, sha1="wrong")[0] == 403
    time.sleep(QUIET)
    assert fake_platforms.messenger_messages(sender) == []


def test_messenger_legacy_sha1_signature_alone_is_accepted(stack, fake_platforms):
    sender = "PSID-SHA1"
    assert send_messenger(stack, messenger_event(sender, "hi"), sha256=None, sha1="right")[0] == 200
    assert fake_platforms.wait_for(lambda: fake_platforms.messenger_messages(sender))


def test_messenger_long_message_arrives_split_with_the_quick_replies_last(fake_platforms):
    paragraph = "Stand tall on one leg. Lift the other knee to hip height. Hold it for up to 30 seconds.\n"
    text = (paragraph * 60).strip()  # about 5,200 characters
    buttons = [{"title": f"Option number {n} with a long title", "payload": f"/inform{{\"number\":{n}}}"} for n in range(16)]
    bot = ClinicMessengerBot("test-page-access-token", MESSENGER_APP_SECRET, fake_platforms.messenger_graph_url)
    asyncio.run(bot.send_text_with_buttons("PSID-LONG", text, buttons))
    messages = fake_platforms.wait_for(lambda: fake_platforms.messenger_messages("PSID-LONG"), settle=0.2)
    texts = [m["body"]["message"]["text"] for m in messages]
    assert len(texts) == 3
    assert all(len(t) <= 2000 for t in texts)
    assert all(t.endswith("30 seconds.") for t in texts), "split at line ends, not mid-sentence"
    assert "\n".join(texts) == text
    assert all("quick_replies" not in m["body"]["message"] for m in messages[:-1])
    quick = messages[-1]["body"]["message"]["quick_replies"]
    assert len(quick) == 13
    assert all(len(q["title"]) <= 20 for q in quick)
    assert len({q["title"] for q in quick}) == 13


# ---------------------------------------------------------------------------------- server settings
def test_the_http_api_needs_the_token(stack):
    assert get(f"{stack.rasa_url}/status")[0] == 401
    assert get(f"{stack.rasa_url}/status?token={API_TOKEN}")[0] == 200


def test_cors_allows_only_the_clinic_origins(stack):
    def preflight(origin: str) -> Optional[str]:
        request = urllib.request.Request(f"{stack.rasa_url}/webhooks/rest/webhook", method="OPTIONS", headers={
            "Origin": origin, "Access-Control-Request-Method": "POST"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.headers.get("Access-Control-Allow-Origin")

    assert preflight(stack.web_origin) == stack.web_origin
    assert preflight("http://evil.example") is None

    def handshake(origin: str) -> Tuple[int, list]:
        request = urllib.request.Request(f"{stack.rasa_url}/socket.io/?EIO=4&transport=polling",
                                         headers={"Origin": origin})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, answer.headers.get_all("Access-Control-Allow-Origin") or []
        except urllib.error.HTTPError as error:
            return error.code, []

    assert handshake(stack.web_origin) == (200, [stack.web_origin])  # one header: browsers refuse two
    assert handshake("http://evil.example")[0] == 400


def test_rest_channel_answers_for_integrations(stack):
    status, text = post(f"{stack.rasa_url}/webhooks/rest/webhook",
                        json.dumps({"sender": "integration-1", "message": "hi"}).encode(),
                        {"Content-Type": "application/json", **rest_headers(stack.env)})
    assert status == 200
    replies = json.loads(text)
    assert any("runner screener" in reply.get("text", "") for reply in replies)
