"""The embedded default (SQLite file, no set-up) with real servers: a conversation survives a
restart of the Rasa server, the action server's absence gets a clear reply, and a runner's
data is gone when they did not consent or asked for it to be deleted."""

from __future__ import annotations

import os
import subprocess

import pytest

from core.clinic import load_clinic
from tests.persistence.conftest import everything_about
from tests.persistence.helpers import TRY_AGAIN, Runner, start
from tests.servers import ROOT

pytestmark = [pytest.mark.model, pytest.mark.servers]
NOTHING = {"events": [], "screens": [], "contact_requests": [], "orphan screen_items": []}


@pytest.fixture(scope="module")
def bot(default_servers):
    return default_servers  # tests/conftest.py


def test_a_restarted_rasa_server_continues_the_conversation_where_it_stopped(bot):
    runner = Runner(bot, "restart")
    start(runner)
    runner.say("none of those")
    runner.say("no")
    bot.stop_rasa()
    bot.start_rasa()
    runner.say("nope, none")
    runner.expect("where")  # the next question after the red flags: nothing asked twice
    runner.say("my left knee hurts after long runs")
    runner.expect("0 to 10")
    slots = runner.tracker()["slots"]
    assert slots["rf_emergency"] == slots["rf_urgent_care"] == slots["rf_see_clinician"] == ["none"], runner.log
    assert slots["pain_areas"] == ["knee"] and slots["pain_side"] == "left" and slots["store_consent"] is True
    assert runner.user_messages() == runner.sent


def test_without_the_action_server_the_runner_is_told_to_try_again_and_the_screen_goes_on(bot):
    runner = Runner(bot, "no-actions")
    start(runner)
    runner.say("none of those")
    bot.kill_actions()
    try:
        runner.say("no")
        runner.expect(TRY_AGAIN)
        assert len(runner.last) == 1, runner.log
        runner.say("no")  # still down: the same clear reply, nothing else
        runner.expect(TRY_AGAIN)
    finally:
        bot.start_actions()
    runner.say("no")
    runner.expect("nearly done")  # the question after the one that failed
    runner.say("nope, none")
    runner.expect("where")
    slots = runner.tracker()["slots"]
    assert slots["rf_urgent_care"] == ["none"] and slots["rf_see_clinician"] == ["none"], runner.log


def test_a_runner_who_keeps_nothing_leaves_nothing_in_any_table(bot):
    runner = Runner(bot, "keep-nothing")
    start(runner, keep=False)
    runner.say("I get chest pain when I run hills")  # a red flag ends the screen with advice
    runner.expect(load_clinic()["emergency_number"], "nothing of this chat is kept")
    # the result stays with the runner while they talk: the contract slots can be read
    assert runner.slots()["triage"] == "emergency", runner.log
    # stored under this id until the end (else "nothing left" below would check nothing)
    assert everything_about(bot.database_url, runner.conversation_id)["events"], runner.log
    runner.say("bye")
    assert everything_about(bot.database_url, runner.conversation_id) == NOTHING, runner.log
    runner.say("hi")  # a new conversation from scratch
    runner.expect("not a diagnosis")


def test_the_clinic_deletes_a_runners_data_on_request(bot):
    runner = Runner(bot, "delete-me")
    start(runner, keep=True)
    runner.say("I get chest pain when I run hills")
    runner.expect("saved for the")
    stored = everything_about(bot.database_url, runner.conversation_id)
    assert stored["events"] and len(stored["screens"]) == 1, runner.log
    result = subprocess.run([str(ROOT / "scripts" / "clinic.sh"), "forget", runner.conversation_id, "--yes"],
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "DATABASE_URL": bot.database_url})
    assert result.returncode == 0, result.stderr
    assert "1 screens" in result.stdout
    assert everything_about(bot.database_url, runner.conversation_id) == NOTHING


def test_booking_contact_details_are_saved_but_never_logged(bot):
    name, email, phone = "Priya Marathon", "priya.marathon@example.com", "+44 20 7946 0958"
    runner = Runner(bot, "booking")
    runner.say("hi")
    runner.tap("Not now")
    runner.say("how do I book?")
    runner.expect("contact you")
    runner.say("yes please")
    runner.say(name)
    runner.say(f"it's {email} or {phone}")
    runner.say("weekday mornings")
    runner.expect("will be in touch")
    (request,) = everything_about(bot.database_url, runner.conversation_id)["contact_requests"]
    assert request["name"] == name and (request["email"] or request["phone"]), runner.log
    logs = "".join(path.read_text(errors="replace") for path in bot.workdir.glob("*.log"))
    for secret in (name, email, phone, "2079460958"):
        assert secret.lower() not in logs.lower(), f"{secret!r} is in the server logs"
