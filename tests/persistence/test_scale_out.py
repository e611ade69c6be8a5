"""Two Rasa servers and the action server behind nginx, sharing the PostgreSQL tracker store
and the Redis lock store: one conversation across both servers stays one consistent
conversation, PostgreSQL going down gets a clear reply with nothing written half-way, and a
runner who keeps nothing leaves nothing in PostgreSQL or Redis."""

from __future__ import annotations

import threading

import pytest

from tests.persistence.conftest import REDIS_URL, everything_about, postgres_stopped
from tests.persistence.helpers import TRY_AGAIN, Runner, start

pytestmark = [pytest.mark.model, pytest.mark.servers]
NOTHING = {"events": [], "screens": [], "contact_requests": [], "orphan screen_items": []}


@pytest.fixture(scope="module")
def bot(replicas):
    return replicas  # tests/conftest.py: two Rasa servers behind nginx, PostgreSQL and Redis


def test_one_conversation_alternating_between_the_servers_stays_consistent(bot):
    first, second, balancer = bot.rasa_url(0), bot.rasa_url(1), bot.url
    runner = Runner(bot, "alternating")
    start(runner, via=first)
    steps = [("none of those", second, "a few more"), ("no", balancer, "nearly done"), ("nope, none", first, "where"),
             ("my left knee and shin get sore after long runs", second, "0 to 10"),
             ("about a 4", first, "harder work"), ("yes", second, "injur")]
    for message, via, expected in steps:
        runner.say(message, via=via)
        runner.expect(expected)
    for via in (first, second):
        assert runner.user_messages(via=via) == runner.sent  # none lost, none twice, in order
    slots = runner.tracker(via=second)["slots"]
    assert set(slots["pain_areas"]) == {"knee", "shin"} and slots["pain_severity"] == 4.0, runner.log


def test_messages_sent_at_once_to_both_servers_are_handled_one_after_the_other(bot):
    runner = Runner(bot, "at-once")
    start(runner)
    replies = {}

    def send(index: int, message: str) -> None:
        replies[index] = bot.say(runner.sender, message, via=bot.rasa_url(index))

    threads = [threading.Thread(target=send, args=(0, "none of those")), threading.Thread(target=send, args=(1, "no"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(replies.get(i) for i in (0, 1)), replies
    events = runner.tracker()["events"]
    users = [e["text"] for e in events if e["event"] == "user"]
    assert sorted(users[-2:]) == ["no", "none of those"] and len(users) == 4, users
    # each message was handled whole before the next: a reply follows each user message
    kinds = [e["event"] for e in events if e["event"] in ("user", "bot")]
    turns = [k for i, k in enumerate(kinds) if i == 0 or k != kinds[i - 1]]  # a reply may be several bubbles
    assert turns[-4:] == ["user", "bot", "user", "bot"], kinds
    assert runner.tracker()["slots"]["rf_urgent_care"] == ["none"]


def test_with_postgresql_down_the_runner_gets_a_clear_reply_and_nothing_is_half_written(bot):
    runner = Runner(bot, "db-down")
    start(runner, via=bot.url)
    runner.say("none of those")
    before = runner.tracker()["events"]
    with postgres_stopped():
        reply = bot.say(runner.sender, "no, and my email is jo.runner@example.com, +1 555 014 2000")
        assert TRY_AGAIN in " ".join(m.get("text", "") for m in reply).lower(), reply
        assert len(reply) == 1, reply
    assert runner.tracker()["events"] == before  # the failed turn left nothing behind
    runner.say("no", via=bot.rasa_url(1))  # back up: the same question, answered again
    runner.expect("nearly done")
    assert runner.user_messages() == runner.sent
    logs = "".join(path.read_text(errors="replace") for path in bot.workdir.glob("*.log"))
    assert "jo.runner@example.com" not in logs and "555 014 2000" not in logs


def test_a_runner_who_keeps_nothing_leaves_nothing_in_postgresql_or_redis(bot):
    import redis

    runner = Runner(bot, "keep-nothing")
    start(runner, keep=False, via=bot.rasa_url(1))
    runner.say("I get chest pain when I run hills", via=bot.rasa_url(0))
    runner.expect("nothing of this chat is kept")
    # stored under this id until the end (else "nothing left" below would check nothing)
    assert everything_about(bot.database_url, runner.conversation_id)["events"], runner.log
    runner.say("bye", via=bot.rasa_url(1))
    assert everything_about(bot.database_url, runner.conversation_id) == NOTHING, runner.log
    assert redis.Redis.from_url(REDIS_URL).keys(f"*{runner.conversation_id}*") == []


def test_when_one_rasa_server_stops_nginx_sends_everything_to_the_other(bot):
    runner = Runner(bot, "failover")
    start(runner, via=bot.url)
    bot.stop_rasa(0)
    for message, expected in (("none of those", "a few more"), ("no", "nearly done"), ("nope, none", "where")):
        runner.say(message)
        runner.expect(expected)
    assert runner.user_messages(via=bot.rasa_url(1)) == runner.sent
