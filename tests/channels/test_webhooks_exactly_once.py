"""Slack retries, Meta redelivers, runners click twice: one answer each time, on two Rasa
servers that share Redis and PostgreSQL (bot/channels/dedup.py).

The servers (tests/servers.py) run the Slack and Messenger channels on the project's own
stores: conversations in one PostgreSQL database, conversation locks and the channels'
delivery ids in one Redis. Each platform event is posted straight to a server, a copy to
each; replies reach the loopback fake of the platforms (fake_platforms.py). The first tests
need no server: the tags, the stale-click rule and the memory and Redis stores on their own.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import threading
import time
from types import SimpleNamespace
from typing import Dict, List, Optional

import pytest

from bot.channels.dedup import Deliveries, moved_on_reply, question_moved_on, question_tag, tag_buttons, untag
from bot.channels.identity import messenger_sender, slack_sender
from tests.channels.test_platforms import (EMERGENCY_FLAGS, QUIET, SLACK_TEAM, URGENT_FLAGS, buttons_of,
                                           messenger_event, send_messenger, send_slack, slack_button_click,
                                           slack_event)
from tests.persistence.conftest import redis_or_fail
from tests.servers import BotServers

MOVED_ON = moved_on_reply()
NONE_OF_THESE = "None of these"
START = "Start & keep answers"
_names = itertools.count()


def name(prefix: str) -> str:
    return f"{prefix}{os.getpid()}X{next(_names)}"


def server_with_redis(client) -> SimpleNamespace:
    """What Deliveries reads of a Rasa server: its agent's lock store's Redis."""
    return SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(lock_store=SimpleNamespace(redis=client))))


# ---------------------------------------------------------------------------------- without servers
def test_buttons_are_tagged_with_their_bot_message_and_untagged_on_the_way_back():
    buttons = [{"title": "None of these", "payload": "/deny"}, {"title": "Book", "url": "https://x.example"}]
    tagged = tag_buttons(buttons, 1733500000.123456)
    assert tagged[0]["payload"] == "q:1733500000.123456|/deny" and tagged[1] == buttons[1]
    assert untag(tagged[0]["payload"]) == ("1733500000.123456", "/deny")
    assert untag("/deny") == (None, "/deny")
    assert untag('/inform{"side":"left"}') == (None, '/inform{"side":"left"}')
    assert tag_buttons(buttons, None) == buttons  # no bot message (sent outside a turn): as they are


def test_a_late_click_on_a_red_flag_button_is_never_stale():
    # a red flag counts wherever and whenever it is said: its click goes on, untagged
    tagged = tag_buttons([{"title": "Chest pain/fainting", "payload": '/inform{"red_flag": "chest_symptoms"}'}], 17.5)
    assert untag(tagged[0]["payload"]) == (None, '/inform{"red_flag": "chest_symptoms"}')


def _bot(stamp: float, buttons: bool = True) -> Dict:
    data = {"buttons": [{"title": "x", "payload": "/x"}] if buttons else []}
    return {"event": "bot", "timestamp": stamp, "data": data}


def _slot(value: Optional[str]) -> Dict:
    return {"event": "slot", "name": "requested_slot", "value": value}


USER = {"event": "user", "text": "..."}


def test_a_click_counts_only_while_its_question_is_still_asked():
    welcome, emergency, urgent, urgent_again = 1.0, 2.0, 3.0, 4.0
    events = [_bot(welcome), USER, _slot("rf_emergency"), _bot(emergency, buttons=False), _bot(emergency)]
    assert not question_moved_on(events, question_tag(emergency))
    assert question_moved_on(events, question_tag(welcome))  # the screen has started since
    events += [USER, _slot("rf_urgent_care"), _bot(urgent)]
    assert question_moved_on(events, question_tag(emergency))  # "None of these" twice
    assert not question_moved_on(events, question_tag(urgent))
    assert question_moved_on(events, question_tag(9.0))  # not in this conversation (session)
    # the same question asked again (after "what do you mean?"): its older buttons still count
    events += [USER, _bot(3.5, buttons=False), _bot(urgent_again)]
    assert not any(question_moved_on(events, question_tag(stamp)) for stamp in (urgent, urgent_again))
    # outside a form only the latest buttons count
    ended = events + [USER, _slot(None), _bot(5.0), USER, _bot(6.0)]
    assert question_moved_on(ended, question_tag(5.0)) and not question_moved_on(ended, question_tag(6.0))
    assert question_moved_on(events + [{"event": "restart"}], question_tag(urgent))


def test_without_redis_a_repeat_is_caught_in_memory_until_it_expires():
    deliveries = Deliveries("Test", seen_seconds=0.2)

    async def twice() -> List[bool]:
        return [await deliveries.first_time(None, "slack:event:Ev1") for _ in range(2)]

    assert asyncio.run(twice()) == [True, False]
    time.sleep(0.3)
    assert asyncio.run(twice())[0] is True


def test_with_redis_a_repeat_is_caught_by_the_other_server():
    client = redis_or_fail()
    first, second = (server_with_redis(client), Deliveries("Test")), (server_with_redis(client), Deliveries("Test"))
    delivery = f"test:{name('dup')}"

    async def both() -> List[bool]:
        return [await deliveries.first_time(app, delivery) for app, deliveries in (first, second, first)]

    assert asyncio.run(both()) == [True, False, False]
    assert 3500 < client.ttl(f"screener:seen:{delivery}") <= 3600  # remembered for an hour, then gone


def test_with_redis_a_conversation_is_handled_by_one_server_at_a_time():
    client = redis_or_fail()
    servers = [(server_with_redis(client), Deliveries("Test")) for _ in range(2)]
    conversation, log = name("conversation-"), []

    async def both() -> None:
        async def turn(label: str) -> None:
            log.append(f"{label} starts")
            await asyncio.sleep(0.3)
            log.append(f"{label} ends")

        async def nothing() -> None:
            raise AssertionError("no click here")

        await asyncio.gather(*(deliveries.handle(app, conversation, None, None, lambda i=i: turn(str(i)), nothing)
                               for i, (app, deliveries) in enumerate(servers)))

    asyncio.run(both())
    assert [entry.split()[1] for entry in log] == ["starts", "ends", "starts", "ends"], log
    assert client.keys(f"*{conversation}*") == []  # nothing left behind


def test_a_failed_background_turn_is_logged_without_the_message(caplog):
    said = "my email is " + "jo.runner@example.com"  # not on the raising line, which the log quotes

    async def fail() -> None:
        raise ValueError(said)

    async def run() -> None:
        deliveries = Deliveries("Test")
        deliveries.start(fail())
        await asyncio.sleep(0.05)

    with caplog.at_level(logging.ERROR, logger="bot.channels.dedup"):
        asyncio.run(run())
    assert "ValueError" in caplog.text and "jo.runner" not in caplog.text


# ---------------------------------------------------------------------------------- two Rasa servers
# `replicas` (tests/conftest.py): two Rasa servers on PostgreSQL and Redis with Slack and Messenger


def user_texts(servers: BotServers, conversation_id: str) -> List[str]:
    """The runner's messages in the conversation (its stored id, e.g. slack_sender(SLACK_TEAM,
    user) or messenger_sender(psid)), as each server reads it."""
    trackers = [servers.conversation_tracker(conversation_id, via=servers.rasa_url(i)) for i in (0, 1)]
    texts = [[event["text"] for event in tracker["events"] if event["event"] == "user"] for tracker in trackers]
    assert texts[0] == texts[1]
    return texts[0]


def at_once(*sends) -> list:
    """Run the sends (functions) at the same moment; their results in order."""
    results: Dict[int, object] = {}
    barrier = threading.Barrier(len(sends))

    def run(index: int, send) -> None:
        barrier.wait()
        results[index] = send()

    threads = [threading.Thread(target=run, args=(i, send)) for i, send in enumerate(sends)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    return [results.get(i) for i in range(len(sends))]


# ---------------------------------------------------------------------------------- Slack
def slack_buttons_posts(fake, channel: str, seen: int = 0) -> List[Dict]:
    return [post for post in fake.slack_posts(channel)[seen:] if buttons_of(post)]


def slack_texts(fake, channel: str, seen: int = 0) -> List[str]:
    return [post["body"]["text"] for post in fake.slack_posts(channel)[seen:]]


def click(servers, index: int, channel: str, user: str, question: Dict, title: str, response_url: str = None):
    body = slack_button_click(channel, user, buttons_of(question)[title], title,
                              message={"text": question["body"]["text"], "blocks": question["body"]["blocks"]},
                              response_url=response_url)
    return send_slack(servers.rasa_url(index), body, content_type="application/x-www-form-urlencoded")


def slack_at_the_red_flags(servers, fake, channel: str, user: str) -> Dict:
    """A Slack conversation started on one server and the screen on the other; the post that
    asks the emergency red flags."""
    assert send_slack(servers.rasa_url(0), slack_event(channel, user, "hi"))[0] == 200
    welcome = fake.wait_for(lambda: slack_buttons_posts(fake, channel))[-1]
    seen = len(fake.slack_posts(channel))
    assert click(servers, 1, channel, user, welcome, START)[0] == 200
    emergency = fake.wait_for(lambda: slack_buttons_posts(fake, channel, seen))[-1]
    assert len(buttons_of(emergency)) == 2 + EMERGENCY_FLAGS
    return emergency


@pytest.mark.servers
@pytest.mark.parametrize("retry", [{}, {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"}],
                         ids=["delivered-again", "slack-retry"])
def test_a_slack_event_delivered_to_both_servers_is_answered_once(replicas, fake_platforms, retry):
    channel, user = name("D0TWICE"), name("U0TWICE")
    body = slack_event(channel, user, "hi")
    assert send_slack(replicas.rasa_url(0), body)[0] == 200
    assert send_slack(replicas.rasa_url(1), body, headers=retry)[0] == 200
    assert fake_platforms.wait_for(lambda: slack_buttons_posts(fake_platforms, channel))
    time.sleep(QUIET)
    assert sum("runner screener" in text for text in slack_texts(fake_platforms, channel)) == 1
    assert len(slack_buttons_posts(fake_platforms, channel)) == 1
    assert user_texts(replicas, slack_sender(SLACK_TEAM, user)) == ["hi"]


@pytest.mark.servers
def test_a_double_click_on_none_of_these_in_slack_answers_only_that_group(replicas, fake_platforms):
    channel, user = name("D0DOUBLE"), name("U0DOUBLE")
    emergency = slack_at_the_red_flags(replicas, fake_platforms, channel, user)
    seen = len(fake_platforms.slack_posts(channel))
    statuses = at_once(lambda: click(replicas, 0, channel, user, emergency, NONE_OF_THESE)[0],
                       lambda: click(replicas, 1, channel, user, emergency, NONE_OF_THESE)[0])
    assert statuses == [200, 200]
    fake_platforms.wait_for(lambda: MOVED_ON in slack_texts(fake_platforms, channel, seen)
                            and slack_buttons_posts(fake_platforms, channel, seen))
    time.sleep(QUIET)
    questions = slack_buttons_posts(fake_platforms, channel, seen)
    assert [len(buttons_of(post)) for post in questions] == [2 + URGENT_FLAGS]  # the next group, asked once
    assert slack_texts(fake_platforms, channel, seen).count(MOVED_ON) == 1
    conversation = slack_sender(SLACK_TEAM, user)
    assert user_texts(replicas, conversation)[-1:] == ["/deny"]
    assert user_texts(replicas, conversation).count("/deny") == 1
    slots = replicas.conversation_tracker(conversation)["slots"]
    assert slots["rf_emergency"] == ["none"] and slots["rf_urgent_care"] is None


@pytest.mark.servers
def test_slack_buttons_once_answered_show_the_answer_and_a_late_click_changes_nothing(replicas, fake_platforms):
    channel, user = name("D0STALE"), name("U0STALE")
    emergency = slack_at_the_red_flags(replicas, fake_platforms, channel, user)
    seen = len(fake_platforms.slack_posts(channel))
    response_url = fake_platforms.slack_response_url(channel)
    assert click(replicas, 0, channel, user, emergency, NONE_OF_THESE, response_url)[0] == 200
    fake_platforms.wait_for(lambda: slack_buttons_posts(fake_platforms, channel, seen))
    [replaced] = fake_platforms.slack_replacements(channel)
    assert replaced["replace_original"] is True
    assert [block["type"] for block in replaced["blocks"]] == ["section", "context"]  # no buttons left
    assert replaced["blocks"][0] == emergency["body"]["blocks"][0]  # the question stays
    assert replaced["blocks"][1]["elements"][0]["text"] == "*Your answer:* None of these"

    conversation = slack_sender(SLACK_TEAM, user)
    before = replicas.conversation_tracker(conversation)["events"]
    seen = len(fake_platforms.slack_posts(channel))
    assert click(replicas, 1, channel, user, emergency, NONE_OF_THESE)[0] == 200  # the old message, later
    assert fake_platforms.wait_for(lambda: slack_texts(fake_platforms, channel, seen)) == [MOVED_ON]
    time.sleep(QUIET)
    assert slack_texts(fake_platforms, channel, seen) == [MOVED_ON]
    assert replicas.conversation_tracker(conversation)["events"] == before  # nothing changed
    assert replicas.conversation_tracker(conversation)["slots"]["rf_urgent_care"] is None


# ---------------------------------------------------------------------------------- Messenger
def quick_replies(fake, sender: str, seen: int = 0) -> List[Dict]:
    return [m for m in fake.messenger_messages(sender)[seen:] if m["body"]["message"].get("quick_replies")]


def messenger_texts(fake, sender: str, seen: int = 0) -> List[str]:
    return [m["body"]["message"].get("text") for m in fake.messenger_messages(sender)[seen:]]


def tap(message: Dict, title: str, sender: str, mid: Optional[str] = None) -> bytes:
    payload = {reply["title"]: reply["payload"] for reply in message["body"]["message"]["quick_replies"]}[title]
    return messenger_event(sender, title, quick_reply=payload, mid=mid)


@pytest.mark.servers
def test_a_messenger_message_delivered_to_both_servers_is_answered_once(replicas, fake_platforms):
    sender = name("PSID-TWICE-")
    body = messenger_event(sender, "hi")
    assert send_messenger(replicas.rasa_url(0), body) == (200, "success")
    assert send_messenger(replicas.rasa_url(1), body) == (200, "success")
    assert fake_platforms.wait_for(lambda: quick_replies(fake_platforms, sender))
    time.sleep(QUIET)
    assert sum("runner screener" in (text or "") for text in messenger_texts(fake_platforms, sender)) == 1
    assert len(quick_replies(fake_platforms, sender)) == 1
    assert user_texts(replicas, messenger_sender(sender)) == ["hi"]


@pytest.mark.servers
def test_the_webhooks_answer_before_the_turn_is_done(replicas, fake_platforms):
    """Meta delivers a message again when its webhook has no answer within 20 s: the answer
    must not wait for the turn. The platforms' APIs are made slow, so a webhook that waits
    for the turn's replies takes seconds."""
    sender, channel, user = name("PSID-SLOW-"), name("D0SLOW"), name("U0SLOW")
    fake_platforms.delay = 2.0
    try:
        started = time.monotonic()
        assert send_messenger(replicas.rasa_url(0), messenger_event(sender, "hi")) == (200, "success")
        messenger_took = time.monotonic() - started
        started = time.monotonic()
        assert send_slack(replicas.rasa_url(1), slack_event(channel, user, "hi"))[0] == 200
        slack_took = time.monotonic() - started
    finally:
        fake_platforms.delay = 0.0
    assert messenger_took < 1.5 and slack_took < 1.5, (messenger_took, slack_took)
    assert fake_platforms.wait_for(lambda: quick_replies(fake_platforms, sender), timeout=60)
    assert fake_platforms.wait_for(lambda: slack_buttons_posts(fake_platforms, channel), timeout=60)


@pytest.mark.servers
def test_a_repeated_none_of_these_in_messenger_answers_only_that_group(replicas, fake_platforms):
    sender = name("PSID-DOUBLE-")
    assert send_messenger(replicas.rasa_url(0), messenger_event(sender, "hi"))[0] == 200
    welcome = fake_platforms.wait_for(lambda: quick_replies(fake_platforms, sender))[-1]
    seen = len(fake_platforms.messenger_messages(sender))
    assert send_messenger(replicas.rasa_url(1), tap(welcome, START, sender))[0] == 200
    emergency = fake_platforms.wait_for(lambda: quick_replies(fake_platforms, sender, seen))[-1]
    assert len(emergency["body"]["message"]["quick_replies"]) == 2 + EMERGENCY_FLAGS

    seen = len(fake_platforms.messenger_messages(sender))
    none = tap(emergency, NONE_OF_THESE, sender)  # one tap, delivered to both servers at once
    assert at_once(lambda: send_messenger(replicas.rasa_url(0), none),
                   lambda: send_messenger(replicas.rasa_url(1), none)) == [(200, "success")] * 2
    urgent = fake_platforms.wait_for(lambda: quick_replies(fake_platforms, sender, seen))
    time.sleep(QUIET)
    assert [len(m["body"]["message"]["quick_replies"]) for m in quick_replies(fake_platforms, sender, seen)] == \
        [2 + URGENT_FLAGS], urgent
    assert MOVED_ON not in messenger_texts(fake_platforms, sender, seen)

    conversation = messenger_sender(sender)
    before = replicas.conversation_tracker(conversation)["events"]
    seen = len(fake_platforms.messenger_messages(sender))
    assert send_messenger(replicas.rasa_url(1), tap(emergency, NONE_OF_THESE, sender))[0] == 200  # tapped again
    assert fake_platforms.wait_for(lambda: messenger_texts(fake_platforms, sender, seen)) == [MOVED_ON]
    time.sleep(QUIET)
    assert messenger_texts(fake_platforms, sender, seen) == [MOVED_ON]
    assert replicas.conversation_tracker(conversation)["events"] == before
    slots = replicas.conversation_tracker(conversation)["slots"]
    assert slots["rf_emergency"] == ["none"] and slots["rf_urgent_care"] is None
    assert user_texts(replicas, conversation).count("/deny") == 1
