"""validate_screening_form: what the runner sees and what gets recorded, turn by turn."""

import pytest

from actions import slots as s
from actions.screening_form import ValidateScreeningForm
from tests.actions.helpers import ALL_CLEAR, entity, render, responses, run, slot_sets, tracker

FORM = ValidateScreeningForm()


def turn(slots=None, requested=None, intent="inform", entities=None, text=""):
    events, messages = run(FORM, tracker(slots, intent, entities, text, requested_slot=requested))
    return slot_sets(events), messages


def test_form_starts_with_the_emergency_red_flags():
    updates, _ = turn(requested=None, intent="affirm", text="yes let's start")
    assert updates[s.REQUESTED_SLOT] == s.RF_EMERGENCY


@pytest.mark.parametrize("group_slot, flag, level_slot_next", [
    (s.RF_EMERGENCY, "chest_symptoms", None),
    (s.RF_URGENT_CARE, "calf_swelling", None),
    (s.RF_SEE_CLINICIAN, "nerve_symptoms", None),
])
def test_a_red_flag_ends_the_form_at_once(group_slot, flag, level_slot_next):
    answered = {k: v for k, v in ALL_CLEAR.items() if k != group_slot}
    updates, _ = turn(answered, requested=group_slot, entities=[entity("red_flag", flag)])
    assert updates[group_slot] == [flag]
    assert updates[s.REQUESTED_SLOT] is level_slot_next


def test_not_sure_to_a_red_flag_group_counts_as_yes_and_ends_the_form():
    updates, _ = turn(requested=s.RF_EMERGENCY, intent="not_sure", text="not sure")
    assert updates[s.RF_EMERGENCY] == [s.UNSURE]
    assert updates[s.REQUESTED_SLOT] is None


def test_none_of_these_moves_to_the_next_red_flag_group():
    updates, _ = turn(requested=s.RF_EMERGENCY, intent="deny", text="none of these")
    assert updates[s.RF_EMERGENCY] == [s.NONE]
    assert updates[s.REQUESTED_SLOT] == s.RF_URGENT_CARE


def test_red_flag_named_while_answering_something_else_ends_the_form():
    slots = {**ALL_CLEAR, s.PAIN_AREAS: ["calf"]}
    updates, _ = turn(slots, requested=s.PAIN_SIDE, intent="report_red_flag",
                      entities=[entity("red_flag", "clot_in_lung"), entity("side", "left")])
    assert updates[s.RF_EMERGENCY] == ["clot_in_lung"]
    assert updates[s.REQUESTED_SLOT] is None


def test_several_pain_areas_at_once_and_the_side_said_with_them():
    updates, _ = turn(ALL_CLEAR, requested=s.PAIN_AREAS, text="my left knee and shin",
                      entities=[entity("side", "left"), entity("body_part", "knee"), entity("body_part", "shin")])
    assert updates[s.PAIN_AREAS] == ["knee", "shin"]
    assert updates[s.PAIN_SIDE] == "left"
    assert updates[s.REQUESTED_SLOT] == s.PAIN_TIMING  # side is not asked again


def test_negated_body_part_is_not_taken_as_pain():
    updates, _ = turn(ALL_CLEAR, requested=s.PAIN_AREAS, text="knees are fine but my right foot kills",
                      entities=[entity("body_part", "knee", "negated"), entity("body_part", "foot"),
                                entity("side", "right")])
    assert updates[s.PAIN_AREAS] == ["foot"]


def test_nothing_hurts_skips_side_timing_and_severity():
    updates, _ = turn(ALL_CLEAR, requested=s.PAIN_AREAS, intent="no_pain", text="nothing hurts")
    assert updates[s.PAIN_AREAS] == []
    assert updates[s.NO_PAIN] is True
    assert updates[s.REQUESTED_SLOT] == s.RUNNING_EFFORT


def test_pain_at_rest_in_the_shin_stops_before_the_self_checks():
    slots = {**ALL_CLEAR, s.PAIN_AREAS: ["shin"], s.PAIN_SIDE: "left"}
    updates, _ = turn(slots, requested=s.PAIN_TIMING, entities=[entity("timing", "at_rest")])
    assert updates[s.PAIN_TIMING] == ["at_rest"]
    assert updates[s.REQUESTED_SLOT] is None


def test_severe_pain_ends_the_screen_before_any_self_check():
    slots = {**ALL_CLEAR, s.PAIN_AREAS: ["knee"], s.PAIN_SIDE: "left", s.PAIN_TIMING: ["during_runs"]}
    updates, _ = turn(slots, requested=s.PAIN_SEVERITY, intent="inform", text="8",
                      entities=[{"entity": "number", "value": 8}])
    assert updates[s.PAIN_SEVERITY] == 8
    assert updates[s.REQUESTED_SLOT] is None  # the severe_pain red flag ends the form


def test_mild_pain_leads_to_the_self_checks_with_an_intro():
    slots = {**ALL_CLEAR, s.PAIN_AREAS: ["knee"], s.PAIN_SIDE: "left", s.PAIN_TIMING: ["during_runs"],
             s.PAIN_SEVERITY: 3, s.RUNNING_EFFORT: "no", s.INJURIES: [s.NONE], s.SITTING_HOURS: 5}
    updates, messages = turn(slots, requested=s.GAIT_SIGNS, intent="deny", text="none")
    assert updates[s.REQUESTED_SLOT] == s.ACTIVATION_CHOICE
    assert "utter_self_checks_intro" in responses(messages)


def test_skipping_a_check_skips_its_questions():
    updates, _ = turn({**ALL_CLEAR, s.NO_PAIN: True, s.PAIN_AREAS: [], s.RUNNING_EFFORT: "no",
                       s.INJURIES: [s.NONE], s.SITTING_HOURS: 4, s.GAIT_SIGNS: [s.SKIPPED]},
                      requested=s.ACTIVATION_CHOICE, intent="skip", text="skip")
    assert updates[s.ACTIVATION_CHOICE] == s.SKIP
    assert updates[s.REQUESTED_SLOT] == s.BALANCE_CHOICE


def test_doing_a_check_asks_for_the_result_per_side():
    updates, _ = turn({**ALL_CLEAR, s.NO_PAIN: True, s.PAIN_AREAS: [], s.RUNNING_EFFORT: "no",
                       s.INJURIES: [s.NONE], s.SITTING_HOURS: 4, s.GAIT_SIGNS: [s.SKIPPED]},
                      requested=s.ACTIVATION_CHOICE, intent="affirm", text="do it now")
    assert updates[s.ACTIVATION_CHOICE] == s.DO_NOW
    assert updates[s.REQUESTED_SLOT] == s.ACTIVATION_REPORT  # one open "how did it go?" first


def test_an_unreadable_answer_gets_a_specific_reask_and_keeps_the_question():
    slots = {**ALL_CLEAR, s.PAIN_AREAS: ["knee"], s.PAIN_SIDE: "left", s.PAIN_TIMING: ["during_runs"]}
    updates, messages = turn(slots, requested=s.PAIN_SEVERITY, intent="inform", text="pretty bad tbh")
    assert responses(messages) == ["utter_invalid_pain_severity"]
    assert updates[s.PAIN_SEVERITY] is None
    assert updates[s.FAILED_ATTEMPTS] == 1
    assert updates[s.REQUESTED_SLOT] == s.PAIN_SEVERITY


def test_a_pain_score_above_ten_is_refused():
    updates, messages = turn(ALL_CLEAR, requested=s.PAIN_SEVERITY, entities=[entity("number", 15)], text="15")
    assert "utter_invalid_pain_severity" in responses(messages)
    assert updates[s.PAIN_SEVERITY] is None


def test_after_two_misses_the_bot_explains_why_the_question_matters():
    slots = {**ALL_CLEAR, s.FAILED_ATTEMPTS: 1}
    _, messages = turn(slots, requested=s.SITTING_HOURS, text="lots")
    assert responses(messages) == ["utter_invalid_sitting_hours", "utter_why_sitting_hours",
                                   "utter_not_sure_is_fine"]
    assert [b["title"] for b in messages[-1]["buttons"]] == ["Not sure", "Skip this one"]


def test_after_the_third_miss_the_question_is_recorded_as_not_sure_and_the_screen_moves_on():
    slots = {**ALL_CLEAR, s.FAILED_ATTEMPTS: 2, s.PAIN_AREAS: [], s.NO_PAIN: True, s.RUNNING_EFFORT: "no",
             s.INJURIES: [s.NONE]}
    updates, messages = turn(slots, requested=s.SITTING_HOURS, text="lots")
    assert responses(messages)[0] == "utter_moving_on"
    assert updates[s.UNANSWERED] == [s.SITTING_HOURS]
    assert updates[s.REQUESTED_SLOT] == s.GAIT_SIGNS


def test_three_misses_at_a_red_flag_question_count_as_not_sure_which_counts_as_yes():
    updates, _ = turn({s.FAILED_ATTEMPTS: 2}, requested=s.RF_EMERGENCY, text="hmm")
    assert updates[s.RF_EMERGENCY] == [s.UNSURE]
    assert updates[s.REQUESTED_SLOT] is None  # the emergency result follows


def test_a_good_answer_resets_the_miss_count():
    updates, _ = turn({**ALL_CLEAR, s.FAILED_ATTEMPTS: 2}, requested=s.SITTING_HOURS,
                      entities=[entity("number", 9, "hours")], text="9 hours")
    assert updates[s.SITTING_HOURS] == 9
    assert updates[s.FAILED_ATTEMPTS] == 0


@pytest.mark.parametrize("problem, response", [
    ("empty", "utter_input_empty"), ("too_long", "utter_input_too_long"),
    ("no_words", "utter_input_no_words"), ("not_english", "utter_input_not_english"),
])
def test_bad_input_gets_its_own_reply_and_the_question_again(problem, response):
    updates, messages = turn(ALL_CLEAR, requested=s.PAIN_AREAS, intent="nlu_fallback",
                             entities=[entity("input_problem", problem)], text="...")
    assert responses(messages) == [response]
    assert updates[s.REQUESTED_SLOT] == s.PAIN_AREAS


@pytest.mark.parametrize("intent, text", [
    ("ask_why", "why? my knee"), ("ask_define", "what's a knee"), ("correct", "actually my knee"),
    ("start_over", "start over, my knee"), ("stop", "stop please, my knee"), ("human_handoff", "a person, my knee"),
    ("book_gait_analysis", "book it, my knee"), ("goodbye", "bye, my knee"),
])
def test_messages_that_are_not_answers_set_no_answer_so_a_rule_can_handle_them(intent, text):
    updates, messages = turn(ALL_CLEAR, requested=s.PAIN_AREAS, intent=intent,
                             entities=[entity("body_part", "knee")], text=text)
    assert set(updates) == {s.REQUESTED_SLOT}
    assert messages == []


def test_an_answer_misread_as_start_over_is_an_answer_and_nothing_is_wiped():
    slots = {**ALL_CLEAR, s.PAIN_AREAS: [], s.NO_PAIN: True, s.RUNNING_EFFORT: "no", s.INJURIES: ["shin_splints"]}
    updates, _ = turn(slots, requested=s.INJURY_RECURRING, intent="start_over", text="No, it has not come again.")
    assert updates[s.INJURY_RECURRING] == "no"
    assert updates[s.REQUESTED_SLOT] == s.SITTING_HOURS


def test_an_opening_message_fills_several_answers_and_confirms_them():
    updates, messages = turn(
        ALL_CLEAR, requested=s.PAIN_AREAS,
        text="my left knee hurts after runs, about 6/10, running feels harder and I sit 9 hours a day",
        entities=[entity("side", "left"), entity("body_part", "knee"), entity("timing", "after_runs"),
                  entity("number", 6, "pain"), entity("effort", "running_harder"), entity("number", 9, "hours")])
    assert updates[s.PAIN_AREAS] == ["knee"]
    assert updates[s.PAIN_SIDE] == "left"
    assert updates[s.PAIN_TIMING] == ["after_runs"]
    assert updates[s.PAIN_SEVERITY] == 6
    assert updates[s.SITTING_HOURS] == 9
    assert updates[s.RUNNING_EFFORT] == "yes"
    assert updates[s.REQUESTED_SLOT] == s.INJURIES  # effort was answered too
    shown = render(messages)
    assert "9 hours of sitting" in shown and "after runs" in shown


def test_body_parts_during_the_squeeze_check_mean_where_it_was_felt_not_pain():
    slots = {**ALL_CLEAR, s.PAIN_AREAS: ["knee"], s.ACTIVATION_CHOICE: s.DO_NOW, s.ACTIVATION_HARDER_SIDE: "left"}
    updates, _ = turn(slots, requested=s.ACTIVATION_FELT_WHERE, entities=[entity("body_part", "hamstring")])
    assert updates[s.ACTIVATION_FELT_WHERE] == ["hamstring"]
    assert s.PAIN_AREAS not in updates


def test_reps_for_each_side_in_one_answer():
    updates, _ = turn(ALL_CLEAR, requested=s.DONKEY_REPS_LEFT, entities=[entity("number", 8)], text="8 on each side")
    assert updates[s.DONKEY_REPS_LEFT] == 8 and updates[s.DONKEY_REPS_RIGHT] == 8


@pytest.mark.parametrize("choice, kept", [("keep", True), ("dont_keep", False)])
def test_the_storage_choice_at_the_welcome_is_recorded_and_not_asked_again(choice, kept):
    updates, _ = turn(requested=None, intent="affirm", entities=[entity("consent", choice)])
    assert updates[s.STORE_CONSENT] is kept
    assert updates[s.REQUESTED_SLOT] == s.RF_EMERGENCY


@pytest.mark.parametrize("intent, kept", [("affirm", True), ("deny", False), ("not_sure", False)])
def test_storage_is_the_last_question_and_only_a_clear_yes_keeps_anything(intent, kept):
    slots = {**ALL_CLEAR, s.NO_PAIN: True, s.PAIN_AREAS: [], s.RUNNING_EFFORT: "no", s.INJURIES: [s.NONE],
             s.SITTING_HOURS: 4, s.GAIT_SIGNS: [s.SKIPPED], s.ACTIVATION_CHOICE: s.SKIP,
             s.BALANCE_CHOICE: s.SKIP, s.DONKEY_CHOICE: s.SKIP}
    updates, _ = turn(slots, requested=s.STORE_CONSENT, intent=intent)
    assert updates[s.STORE_CONSENT] is kept
    assert updates[s.REQUESTED_SLOT] is None


def test_naming_the_injury_answers_where_it_hurts():
    updates, _ = turn(ALL_CLEAR, requested=s.PAIN_AREAS, text="lower back pain after long runs",
                      entities=[entity("injury", "low_back_pain"), entity("timing", "after_runs")])
    assert updates[s.PAIN_AREAS] == ["low_back"]
    assert updates[s.PAIN_TIMING] == ["after_runs"]


@pytest.mark.parametrize("text, intent, expected", [
    ("yes they keep coming back", "inform", "yes"),
    ("nope, it cleared up", "inform", "no"),
    ("no idea to be honest", "inform", "unsure"),
])
def test_yes_no_questions_read_how_the_answer_starts_whatever_the_intent(text, intent, expected):
    slots = {**ALL_CLEAR, s.NO_PAIN: True, s.PAIN_AREAS: [], s.RUNNING_EFFORT: "no",
             s.INJURIES: ["shin_splints"]}
    updates, _ = turn(slots, requested=s.INJURY_RECURRING, intent=intent, text=text)
    assert updates[s.INJURY_RECURRING] == expected


def test_sides_that_felt_the_same_mean_neither_side():
    slots = {**ALL_CLEAR, s.ACTIVATION_CHOICE: s.DO_NOW}
    updates, _ = turn(slots, requested=s.ACTIVATION_HARDER_SIDE, intent="inform", text="they felt the same")
    assert updates[s.ACTIVATION_HARDER_SIDE] == "neither"


def test_skip_in_the_middle_of_a_check_skips_the_rest_of_it():
    slots = {**ALL_CLEAR, s.NO_PAIN: True, s.PAIN_AREAS: [], s.RUNNING_EFFORT: "no", s.INJURIES: [s.NONE],
             s.SITTING_HOURS: 4, s.GAIT_SIGNS: [s.NONE], s.ACTIVATION_CHOICE: s.DO_NOW}
    updates, _ = turn(slots, requested=s.ACTIVATION_FELT_WHERE, intent="skip", text="skip")
    assert updates[s.ACTIVATION_CHOICE] == s.SKIP
    assert updates[s.REQUESTED_SLOT] == s.BALANCE_CHOICE


def test_an_answer_misread_as_small_talk_still_counts_as_the_answer():
    updates, _ = turn(ALL_CLEAR, requested=s.SITTING_HOURS, intent="out_of_scope",
                      text="desk job so prob 9 hrs sitting plus the drive", entities=[entity("number", 9, "hours")])
    assert updates[s.SITTING_HOURS] == 9


def test_real_small_talk_in_the_form_is_left_to_the_rules():
    updates, messages = turn(ALL_CLEAR, requested=s.SITTING_HOURS, intent="out_of_scope", text="what's the weather")
    assert set(updates) == {s.REQUESTED_SLOT} and messages == []


def test_a_first_why_at_a_question_is_never_counted_as_a_miss():
    history = [{"event": "user", "text": "hi"}, {"event": "user", "text": "start"},
               {"event": "slot", "name": s.REQUESTED_SLOT, "value": s.RF_EMERGENCY},
               {"event": "user", "text": "why are you asking me this?"}]
    events, messages = run(FORM, tracker({}, "ask_why", [], "why are you asking me this?",
                                         requested_slot=s.RF_EMERGENCY, events=history))
    assert slot_sets(events) == {s.REQUESTED_SLOT: s.RF_EMERGENCY} and messages == []


def test_a_place_named_in_the_opening_is_followed_by_anything_else_then_the_side():
    slots = {s.RF_EMERGENCY: [s.NONE], s.RF_URGENT_CARE: [s.NONE], s.PAIN_AREAS: ["knee"],
             s.PAIN_AREAS_IN_PASSING: True, s.NO_PAIN: False}
    updates, messages = turn(slots, requested=s.RF_SEE_CLINICIAN, intent="deny", text="none")
    assert updates[s.REQUESTED_SLOT] == s.PAIN_AREAS_MORE
    updates, _ = turn({**slots, s.RF_SEE_CLINICIAN: [s.NONE]}, requested=s.PAIN_AREAS_MORE,
                      entities=[entity("body_part", "hamstring")], text="my hamstring too")
    assert updates[s.PAIN_AREAS] == ["knee", "hamstring"]
    assert updates[s.REQUESTED_SLOT] == s.PAIN_SIDE
