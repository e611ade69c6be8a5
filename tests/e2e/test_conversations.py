"""Whole conversations over the REST channel against the real Rasa and action servers.

Each test plays a runner from "hi" to the result, in free text or by tapping buttons, and
checks what the runner reads and the result contract in the conversation's slots.
"""

from __future__ import annotations

import pytest

from core.clinic import load_clinic
from tests.runner import Runner

pytestmark = [pytest.mark.model, pytest.mark.servers]

CLINIC = load_clinic()


@pytest.fixture(scope="module")
def bot(default_servers):
    return default_servers  # tests/conftest.py


def start(runner: Runner, keep: bool = True) -> None:
    """Welcome; with keep, the runner taps "Start & keep answers" (so the result can be
    read back from the tracker); without, they type their consent to go on."""
    runner.say("hi")
    runner.expect("not a diagnosis", CLINIC["emergency_number"])
    if keep:
        runner.tap("Start & keep answers")
    else:
        runner.say("yes please")
    runner.expect("chest pain")


def clear_red_flags(runner: Runner, answers=("none of those", "no", "nope, none"), keep: bool = True) -> None:
    start(runner, keep)
    for answer in answers:
        runner.say(answer)


def test_free_text_runner_reaches_gait_analysis_with_an_explained_result(bot):
    runner = Runner(bot, "free-text")
    clear_red_flags(runner, keep=False)
    runner.expect("where")
    runner.say("my left knee and shin get sore after long runs")
    runner.expect("0 to 10")
    runner.say("about a 4")
    runner.say("yeah it feels way harder than it used to")
    runner.say("I've had shin splints and runner's knee")
    runner.say("yes they keep coming back")
    runner.say("like 9 hours at a desk")
    runner.say("my coach said I overstride")
    runner.expect("self-check 1 of 3")
    runner.say("ok let's do it")
    runner.say("the left side was much harder")
    runner.say("mostly in the back of my thigh")
    runner.expect("self-check 2 of 3")
    runner.say("skip")
    runner.expect("self-check 3 of 3")
    runner.say("skip that one too")
    runner.expect("keep this screen")
    runner.say("yes you can keep it")
    runner.expect(CLINIC["booking_url"], "not a diagnosis")
    slots = runner.slots()
    assert slots["triage"] == "gait_analysis", runner.log
    assert {"pain_in_linked_area", "running_feels_harder", "injury_history", "prolonged_sitting",
            "activation_asymmetry", "activation_compensation", "overstriding"} <= set(slots["findings"]), runner.log
    assert set(slots["pain_areas"]) == {"knee", "shin"}
    assert slots["red_flags"] == []
    assert slots["screen_summary"]["triage"] == "gait_analysis"
    assert slots["screen_saved"] is True
    # Booking: the runner asks to be contacted and gives their details.
    runner.say("how do I book?")
    runner.expect(CLINIC["booking_url"], "contact you")
    runner.say("yes please")
    runner.expect("name")
    runner.say("Sam Lee")
    runner.say("sam@example")
    runner.expect("doesn't look like")
    runner.say("sam.lee@example.com")
    runner.say("weekday mornings")
    runner.expect("will be in touch")


def test_button_runner_with_all_three_checks(bot):
    runner = Runner(bot, "buttons")
    runner.say("/greet")
    runner.tap("Start & keep answers")
    for _ in range(3):
        runner.tap("None of these")
    runner.tap("Hip")
    runner.tap("Right")
    runner.tap("During runs")
    runner.tap("2 - mild")
    runner.tap("No")
    runner.tap("None")
    runner.tap("4 to 7")
    runner.tap("Hip drop")
    runner.tap("Do it now")
    runner.tap("Not sure")  # "how did it go?": the follow-ups then ask each part
    runner.tap("They felt the same")
    runner.tap("In my glutes")
    runner.tap("Do it now")
    runner.tap("Wobbled or dipped")
    runner.tap("My right leg")
    runner.tap("Yes")
    runner.tap("Do it now")
    runner.tap("Something felt off")
    runner.tap("Thighs came apart")
    runner.tap("7")
    runner.tap("3")
    slots = runner.slots()
    assert slots["triage"] == "gait_analysis", runner.log
    assert {"pain_in_linked_area", "pelvic_drop", "single_leg_instability",
            "lateral_hip_pain_on_balance", "donkey_kick_compensation"} <= set(slots["findings"]), runner.log
    assert "activation_asymmetry" not in slots["findings"]
    runner.tap("Book a gait analysis")
    runner.expect(CLINIC["booking_url"])


def test_all_clear_runner_gets_self_care(bot):
    runner = Runner(bot, "all-clear")
    clear_red_flags(runner)
    runner.say("nothing hurts at all")
    runner.expect("harder work")
    runner.say("no")
    runner.say("no injuries")
    runner.say("maybe 3 hours")
    runner.say("none of those")
    runner.say("do it now")
    runner.say("they felt the same")
    runner.say("in my glutes")
    runner.say("skip")
    runner.say("skip")
    slots = runner.slots()
    assert slots["triage"] == "self_care", runner.log
    assert slots["findings"] == []
    assert slots["pain_areas"] == []
    assert CLINIC["booking_url"] not in runner.text


def test_a_runner_who_keeps_nothing_leaves_no_conversation_behind(bot):
    runner = Runner(bot, "keep-nothing")
    clear_red_flags(runner, keep=False)
    runner.say("nothing hurts")
    runner.say("no")
    runner.say("never been injured")
    runner.say("2 hours")
    runner.say("no idea")
    for _ in range(3):
        runner.say("skip")
    runner.expect("keep this screen")
    runner.say("no, keep nothing")
    runner.expect("as you asked, nothing of this chat is kept")
    assert CLINIC["booking_url"] not in runner.text
    # until they leave, the result is theirs: follow-ups work and the contract can be read
    assert bot.tracker(runner.sender)["slots"]["triage"] == "self_care", runner.log
    runner.say("what does that mean?")
    assert "I don't have an explanation" not in runner.text, runner.log
    runner.say("bye")
    tracker = bot.tracker(runner.sender)
    assert tracker["slots"]["triage"] is None, runner.log
    assert not [e for e in tracker["events"] if e["event"] == "user"], "the conversation was kept"


@pytest.mark.parametrize("answers, flag, level", [
    (["I get chest pain when I run hills"], "chest_symptoms", "emergency"),
    (["no", "my calf is swollen and hot"], "calf_swelling", "urgent_care"),
    (["no", "none", "I've got numbness and tingling down my leg"], "nerve_symptoms", "see_clinician"),
])
def test_red_flags_end_the_screen_with_advice_and_no_self_checks(bot, answers, flag, level):
    runner = Runner(bot, level)
    start(runner)
    for answer in answers:
        runner.say(answer)
    slots = runner.slots()
    assert slots["triage"] == level, runner.log
    assert flag in slots["red_flags"]
    assert slots["findings"] == []
    runner.expect(CLINIC["phone"], CLINIC["emergency_number"])
    assert "self-check" not in runner.log.lower()


def test_not_sure_counts_as_yes(bot):
    runner = Runner(bot, "unsure")
    start(runner)
    runner.say("not sure")
    assert runner.slots()["triage"] == "emergency", runner.log


def test_interruptions_keep_the_screen_going(bot):
    runner = Runner(bot, "interruptions")
    start(runner)
    runner.say("why are you asking me this?")
    runner.expect("chest pain")  # explained, then the same question again
    runner.say("none of these")
    runner.say("no")
    runner.say("no")
    runner.say("my right knee hurts during runs")
    runner.say("what is the glute medius?")
    runner.expect("medius", "0 to 10")
    runner.say("3")
    runner.say("actually it's my left knee")
    runner.expect("left knee")
    assert runner.slots()["pain_side"] == "left", runner.log
    runner.say("what's the weather tomorrow")
    runner.expect("harder work")
    runner.say("can I talk to a real person")
    runner.expect(CLINIC["phone"], "harder work")
    runner.say("stop")
    runner.expect("stopped")
    runner.say("start over")
    runner.expect("chest pain")


@pytest.mark.parametrize("message", [
    "",
    "my knee hurts " * 400,
    "😀😀😀🏃‍♀️",
    "me duele la rodilla cuando corro mucho",
    "<script>alert('x')</script>",
])
def test_bad_input_gets_a_clear_reply_and_the_screen_goes_on(bot, message):
    runner = Runner(bot, "bad-input")
    clear_red_flags(runner)
    runner.say(message)
    assert runner.text.strip(), f"no reply to {message[:30]!r}\n{runner.log}"
    runner.say("my left shin")
    assert runner.slots()["pain_areas"] == ["shin"], runner.log


def test_an_opening_message_answers_questions_before_they_are_asked(bot):
    runner = Runner(bot, "opening")
    runner.say("my left knee hurts after runs, about 6/10, running feels way harder and I sit 9 hours a day")
    runner.expect("left knee", "9 hours")  # confirmed back
    runner.tap("Start & keep answers")
    for answer in ("none of those", "no", "no"):
        runner.say(answer)
    runner.expect("anything else hurt")  # a place said in passing: one short "anything else?"
    runner.say("just that")
    runner.expect("running injuries")  # where, side, when, how bad, effort and sitting not asked again
    slots = runner.slots()
    assert slots["pain_areas"] == ["knee"] and slots["pain_side"] == "left", runner.log
    assert slots["pain_timing"] == ["after_runs"] and slots["pain_severity"] == 6
    assert slots["running_effort"] == "yes" and slots["sitting_hours"] == 9


def test_a_red_flag_told_as_long_over_is_asked_about_and_a_no_lets_the_screen_go_on(bot):
    opening = ("Tore my Achilles in 2015 and had it repaired, run three marathons since with no "
               "problems. Now my knees ache on long runs.")
    over = Runner(bot, "past-over")
    over.say(opening)
    over.tap("Start & keep answers")
    over.expect("happening now")
    over.say("no, that's all long healed")
    over.expect("chest pain")  # the safety questions, then the screen
    for answer in ("none of those", "no", "nope, none"):
        over.say(answer)
    assert not over.slots().get("rf_urgent_care") or over.slots()["rf_urgent_care"] == ["none"], over.log
    assert over.slots()["pain_areas"] == ["knee"], over.log

    back = Runner(bot, "past-back")
    back.say(opening)
    back.tap("Start & keep answers")
    back.expect("happening now")
    back.say("yes actually, pushing off hurts again")
    back.say("none of those")  # the emergency group is still asked
    back.say("no")
    back.expect(CLINIC["urgent_care"], "Achilles")
    assert back.slots()["triage"] == "urgent_care", back.log
    assert "achilles_rupture" in back.slots()["red_flags"], back.log


def _non_loopback_address():
    """This machine's address on its default route, or None (no route: nothing to test)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # UDP: picks the outgoing interface, sends nothing
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


def test_the_action_server_answers_on_loopback_only(bot):
    import socket

    address = _non_loopback_address()
    if address is None:
        pytest.skip("this machine has no address besides loopback")
    with socket.create_connection(("127.0.0.1", bot.actions_port), timeout=5):
        pass
    with pytest.raises(OSError):
        socket.create_connection((address, bot.actions_port), timeout=5).close()
