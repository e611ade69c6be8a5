"""A runner tells how a self-check went in one message, at whichever of the check's
questions is being asked; the report is read whole, and only what it left out is asked."""

import pytest

from actions import slots as s
from actions.reading import Message, read_message
from actions.screen_state import next_question, answers_and_result
from bot.nlu.clinical_extractor import build_nlp
from tests.actions.helpers import ALL_CLEAR

BEFORE_CHECKS = {**ALL_CLEAR, s.PAIN_AREAS: ["knee"], s.PAIN_SIDE: "left", s.PAIN_TIMING: ["after_runs"],
                 s.PAIN_SEVERITY: 4, s.RUNNING_EFFORT: "no", s.INJURIES: [s.NONE], s.SITTING_HOURS: 5,
                 s.GAIT_SIGNS: [s.NONE]}


def say(text, requested, slots):
    message = Message("inform", build_nlp().extract(text), text)
    updates = read_message(message, requested, slots, {}).updates
    merged = {**slots, **updates}
    return updates, next_question(merged, answers_and_result(merged)[1])


@pytest.mark.parametrize("text", ["all good", "easy", "no problems", "fine, felt it in my glutes both sides"])
def test_a_no_problem_squeeze_report_completes_the_check(text):
    slots = {**BEFORE_CHECKS, s.ACTIVATION_CHOICE: s.DO_NOW}
    updates, next_slot = say(text, s.ACTIVATION_REPORT, slots)
    assert updates[s.ACTIVATION_HARDER_SIDE] == "neither" and updates[s.ACTIVATION_FELT_WHERE] == ["glute"]
    assert next_slot == s.BALANCE_CHOICE


def test_a_report_of_the_hamstring_doing_the_work_asks_only_about_the_sides():
    slots = {**BEFORE_CHECKS, s.ACTIVATION_CHOICE: s.DO_NOW}
    updates, next_slot = say("mostly my hamstring doing the work, not my bum", s.ACTIVATION_REPORT, slots)
    assert updates[s.ACTIVATION_FELT_WHERE] == ["hamstring"]
    assert next_slot == s.ACTIVATION_HARDER_SIDE


def test_a_whole_report_at_the_do_it_now_question_answers_the_check():
    slots = dict(BEFORE_CHECKS)
    updates, next_slot = say("did it already, left side took ages to switch on and I felt it in my lower back",
                             s.ACTIVATION_CHOICE, slots)
    assert updates[s.ACTIVATION_CHOICE] == s.DO_NOW
    assert updates[s.ACTIVATION_HARDER_SIDE] == "left" and updates[s.ACTIVATION_FELT_WHERE] == ["low_back"]
    assert next_slot == s.BALANCE_CHOICE


@pytest.mark.parametrize("text", ["fine", "no difference between sides", "same"])
def test_fine_or_same_at_a_follow_up_is_an_answer(text):
    slots = {**BEFORE_CHECKS, s.ACTIVATION_CHOICE: s.DO_NOW, s.ACTIVATION_REPORT: s.TOLD,
             s.ACTIVATION_FELT_WHERE: ["hamstring"]}
    updates, _ = say(text, s.ACTIVATION_HARDER_SIDE, slots)
    assert updates[s.ACTIVATION_HARDER_SIDE] == "neither"


def test_a_wobbly_side_at_the_balance_report_is_a_problem_on_that_leg():
    slots = {**BEFORE_CHECKS, s.ACTIVATION_CHOICE: s.SKIP, s.BALANCE_CHOICE: s.DO_NOW}
    updates, next_slot = say("the right side was all over the place", s.BALANCE_REPORT, slots)
    assert updates[s.BALANCE_PROBLEM_SIDE] == "right"
    assert next_slot == s.BALANCE_HIP_PAIN


def test_reps_on_each_leg_in_the_donkey_report():
    slots = {**BEFORE_CHECKS, s.ACTIVATION_CHOICE: s.SKIP, s.BALANCE_CHOICE: s.SKIP, s.DONKEY_CHOICE: s.DO_NOW}
    updates, next_slot = say("managed 7 on each leg, no problems", s.DONKEY_REPORT, slots)
    assert updates[s.DONKEY_REPS_LEFT] == 7 and updates[s.DONKEY_REPS_RIGHT] == 7
    assert next_slot in (s.DONKEY_FAULTS, s.STORE_CONSENT)


@pytest.mark.parametrize("text, recurring", [
    ("tendon trouble most winters", True), ("the same problem as now", True), ("it keeps flaring up", True),
])
def test_one_answer_can_fill_the_injury_and_whether_it_comes_back(text, recurring):
    slots = {**ALL_CLEAR, s.PAIN_AREAS: ["achilles"], s.PAIN_SIDE: "left", s.PAIN_TIMING: ["after_runs"],
             s.PAIN_SEVERITY: 3, s.RUNNING_EFFORT: "no"}
    updates, next_slot = say(text, s.INJURIES, slots)
    assert updates[s.INJURIES]
    assert updates.get(s.INJURY_RECURRING) == ("yes" if recurring else None)
    assert next_slot == s.SITTING_HOURS


@pytest.mark.parametrize("text", ["right in the centre", "the middle", "tailbone", "neither, it's central"])
def test_an_area_without_a_side_is_not_a_dead_end(text):
    slots = {**ALL_CLEAR, s.PAIN_AREAS: ["low_back"]}
    updates, next_slot = say(text, s.PAIN_SIDE, slots)
    assert updates[s.PAIN_SIDE] == "both"
    assert next_slot == s.PAIN_TIMING


def test_a_side_button_at_a_follow_up_is_the_answer():
    slots = {**BEFORE_CHECKS, s.ACTIVATION_CHOICE: s.SKIP, s.BALANCE_CHOICE: s.DO_NOW, s.BALANCE_REPORT: s.TOLD}
    message = Message("inform", [{"entity": "side", "value": "right", "start": 15, "end": 20}],
                      '/inform{"side":"right"}')
    updates = read_message(message, s.BALANCE_PROBLEM_SIDE, slots, {}).updates
    assert updates[s.BALANCE_PROBLEM_SIDE] == "right"


def test_a_hold_stopped_early_by_hip_pain_is_a_short_hold_on_that_leg():
    text = ("On the left leg no problem, 30 seconds. On the right leg after maybe 20 seconds the side of my "
            "hip hurt, so I stop.")
    updates, _ = say(text, s.BALANCE_REPORT, {**BEFORE_CHECKS, s.BALANCE_CHOICE: "do_now"})
    assert "could_not_hold" in updates[s.BALANCE_FAULTS]
    assert updates[s.BALANCE_PROBLEM_SIDE] == "right" and updates[s.BALANCE_HIP_PAIN] == "yes"


def test_not_knowing_why_is_no_doubt_about_the_answer():
    updates, _ = say("ya heaps harder lately, dunno why", s.RUNNING_EFFORT, {**ALL_CLEAR, s.PAIN_AREAS: ["knee"]})
    assert updates[s.RUNNING_EFFORT] == "yes"


def test_a_yes_after_a_hedge_and_a_filler_is_a_yes():
    text = "Hmm, I think so, yes. My easy pace has felt like a tempo for a few weeks and I'm not sure why."
    updates, _ = say(text, s.RUNNING_EFFORT, {**ALL_CLEAR, s.PAIN_AREAS: ["knee"]})
    assert updates[s.RUNNING_EFFORT] == "yes"


@pytest.mark.parametrize("text", ["Hmm not sure", "um, no idea", "well... dunno"])
def test_not_sure_after_a_filler_is_not_sure(text):
    from actions.reading import yes_no_from
    assert yes_no_from(Message("inform", [], text)) == "unsure"


@pytest.mark.parametrize("text", ["shin splints last year, just the once", "pulled a hamstring in 2021, never came back"])
def test_a_one_off_injury_answers_whether_it_comes_back(text):
    updates, _ = say(text, s.INJURIES, {**ALL_CLEAR, s.PAIN_AREAS: ["knee"], s.PAIN_SIDE: "left"})
    assert updates[s.INJURIES] and updates[s.INJURY_RECURRING] == "no"


@pytest.mark.parametrize("text, answer", [
    ("no. no wait, yes actually, the last month even easy runs have felt way harder", "yes"),
    ("maybe a bit? yeah I'd say yes", "yes"),
    ("not sure, I guess no", "no"),
])
def test_a_changed_mind_or_a_hedge_ending_in_an_answer_is_that_answer(text, answer):
    from actions.reading import yes_no_from
    assert yes_no_from(Message("inform", [], text)) == answer


def test_a_terse_easy_balance_report_completes_the_check():
    updates, _ = say("ez 30 both", s.BALANCE_REPORT, {**BEFORE_CHECKS, s.BALANCE_CHOICE: "do_now"})
    assert updates.get(s.BALANCE_REPORT) and not updates.get(s.BALANCE_FAULTS)


def test_a_knee_going_to_the_inside_on_one_leg_is_that_legs_problem():
    text = ("On the left leg 30 seconds ok. On the right leg also 30 but my knee is going to the inside, "
            "I saw it in the mirror")
    updates, _ = say(text, s.BALANCE_REPORT, {**BEFORE_CHECKS, s.BALANCE_CHOICE: "do_now"})
    assert "knee_caved" in updates[s.BALANCE_FAULTS] and updates[s.BALANCE_PROBLEM_SIDE] == "right"


@pytest.mark.parametrize("text", ["my hammy took over on both legs", "felt it in the lower back more than the glute"])
def test_a_donkey_kick_lifted_by_another_muscle_is_a_glute_not_felt(text):
    slots = {**BEFORE_CHECKS, s.ACTIVATION_CHOICE: s.SKIP, s.BALANCE_CHOICE: s.SKIP, s.DONKEY_CHOICE: s.DO_NOW}
    updates, _ = say(text, s.DONKEY_REPORT, slots)
    assert updates[s.DONKEY_FAULTS] == ["glute_not_felt"]
