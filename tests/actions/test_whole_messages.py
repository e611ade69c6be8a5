"""Everything a message holds is kept, wherever it is said: a report of checks not offered
yet, a forgotten injury, a pain score at a safety question, a question that is no skip, and
"once I stop" that is no request to stop. Messages go through the real extractor and the
form's validation action, as over the servers."""

import pytest

from actions import slots as s
from actions.screening_form import ValidateScreeningForm
from bot.nlu.clinical_extractor import build_nlp
from tests.actions.helpers import ALL_CLEAR, responses, run, slot_sets, texts, tracker

FORM = ValidateScreeningForm()
BEFORE_CHECKS = {**ALL_CLEAR, s.PAIN_AREAS: ["knee"], s.PAIN_SIDE: "left", s.PAIN_TIMING: ["after_runs"],
                 s.PAIN_SEVERITY: 4, s.RUNNING_EFFORT: "no", s.INJURIES: [s.NONE], s.SITTING_HOURS: 5,
                 s.GAIT_SIGNS: [s.NONE]}


def turn(text, requested, slots=None, intent="inform"):
    events, messages = run(FORM, tracker(slots or {}, intent, build_nlp().extract(text), text,
                                         requested_slot=requested))
    return slot_sets(events), messages


def test_a_report_of_all_three_checks_at_the_first_fills_all_three():
    slots = {**BEFORE_CHECKS, s.ACTIVATION_CHOICE: s.DO_NOW}
    updates, messages = turn(
        "Done all three, I read ahead. Squeeze: left took a second longer to switch on and I felt it in the "
        "back of my left thigh. Balance: right leg was fine for 30, on the left I wobbled all over and my hip "
        "dropped, and it hurt on the outside of my left hip. Donkey kicks: 8 each side, no problem.",
        s.ACTIVATION_REPORT, slots)
    assert updates[s.ACTIVATION_HARDER_SIDE] == "left" and updates[s.ACTIVATION_FELT_WHERE] == ["hamstring"]
    assert updates[s.BALANCE_CHOICE] == s.DO_NOW and updates[s.BALANCE_PROBLEM_SIDE] == "left"
    assert updates[s.BALANCE_HIP_PAIN] == "yes"
    assert updates[s.DONKEY_CHOICE] == s.DO_NOW
    assert updates[s.DONKEY_REPS_LEFT] == 8 and updates[s.DONKEY_REPS_RIGHT] == 8
    assert "one-leg balance" in texts(messages) and "donkey kicks" in texts(messages)  # said back
    assert updates[s.REQUESTED_SLOT] == s.DONKEY_FAULTS  # only what the report left out


def test_a_muscle_kicking_in_is_not_the_donkey_kick():
    slots = {**BEFORE_CHECKS, s.ACTIVATION_CHOICE: s.DO_NOW}
    updates, _ = turn("the right took ages to kick in, felt it in my glutes", s.ACTIVATION_REPORT, slots)
    assert updates[s.ACTIVATION_HARDER_SIDE] == "right"
    assert s.DONKEY_CHOICE not in updates


@pytest.mark.parametrize("text", ["done, see above", "already did it", "did them earlier"])
def test_done_at_try_it_now_means_it_was_done(text):
    slots = {**BEFORE_CHECKS, s.ACTIVATION_CHOICE: s.SKIP, s.BALANCE_CHOICE: s.SKIP}
    updates, _ = turn(text, s.DONKEY_CHOICE, slots)
    assert updates[s.DONKEY_CHOICE] == s.DO_NOW


def test_a_question_at_try_it_now_is_not_a_skip_even_when_the_classifier_says_skip():
    slots = {**BEFORE_CHECKS, s.ACTIVATION_CHOICE: s.SKIP, s.BALANCE_CHOICE: s.SKIP}
    updates, _ = turn("Is normal to feel the back in this exercise?", s.DONKEY_CHOICE, slots, intent="skip")
    assert updates.get(s.DONKEY_CHOICE) is None
    assert updates[s.REQUESTED_SLOT] == s.DONKEY_CHOICE


def test_a_forgotten_injury_is_added_and_the_question_comes_again_without_an_error():
    slots = {**ALL_CLEAR, s.PAIN_AREAS: [], s.NO_PAIN: True, s.RUNNING_EFFORT: "no", s.INJURIES: ["shin_splints"]}
    updates, messages = turn("oh and runner's knee a few years back, forgot that one", s.INJURY_RECURRING, slots)
    assert updates[s.INJURIES] == ["shin_splints", "patellofemoral_pain"]
    assert "utter_invalid_yes_no" not in responses(messages)
    assert "runner's knee" in texts(messages).lower()
    assert updates[s.REQUESTED_SLOT] == s.INJURY_RECURRING


@pytest.mark.parametrize("intent", ["inform", "stop", "not_sure", "out_of_scope"])
def test_a_pain_score_of_9_at_the_emergency_question_is_kept_and_is_no_emergency(intent):
    updates, _ = turn("IT band pain was a 9/10 on saturdays long run, had to stop n get a taxi",
                      s.RF_EMERGENCY, {}, intent=intent)
    assert updates[s.PAIN_SEVERITY] == 9
    assert updates.get(s.RF_EMERGENCY) is None and not updates.get(s.RF_PENDING)
    assert updates[s.REQUESTED_SLOT] == s.RF_EMERGENCY  # asked again; the severe pain waits in its group


def test_a_pain_score_of_8_at_its_own_group_is_that_groups_red_flag():
    slots = {s.RF_EMERGENCY: [s.NONE], s.RF_URGENT_CARE: [s.NONE]}
    updates, _ = turn("only my hamstring, but it's an 8 out of 10 when I try to run", s.RF_SEE_CLINICIAN, slots)
    assert updates[s.RF_SEE_CLINICIAN] == ["severe_pain"]


def test_yes_to_a_confirm_that_names_another_red_flag_records_both():
    slots = {s.RF_PENDING: ["severe_pain"], s.PAIN_AREAS: ["shin"]}
    updates, _ = turn("yes, it throbs at night", s.RF_CONFIRM, slots, intent="affirm")
    assert set(updates[s.RF_SEE_CLINICIAN]) == {"severe_pain", "bone_stress_signs"}


def test_once_i_stop_is_a_timing_not_a_request_to_stop():
    slots = {**ALL_CLEAR, s.PAIN_AREAS: ["ankle"], s.PAIN_SIDE: "right"}
    updates, _ = turn("during runs, it eases off once I stop", s.PAIN_TIMING, slots, intent="stop")
    assert updates[s.PAIN_TIMING] == ["during_runs"]


def test_a_report_with_cannot_in_it_is_a_report_not_a_skip():
    slots = {**BEFORE_CHECKS, s.ACTIVATION_CHOICE: s.SKIP, s.BALANCE_CHOICE: s.SKIP, s.DONKEY_CHOICE: s.DO_NOW}
    updates, _ = turn("My back is arching when I lift the leg, I cannot stop it. I did 6 in each leg.",
                      s.DONKEY_REPORT, slots, intent="skip")
    assert updates.get(s.DONKEY_CHOICE, s.DO_NOW) == s.DO_NOW and updates[s.DONKEY_REPORT] == s.TOLD
    assert updates[s.DONKEY_FAULTS] == ["back_arched"] and updates[s.DONKEY_REPS_LEFT] == 6


@pytest.mark.parametrize("text, keep", [("start, keep nothing", False), ("ok start and keep my answers", True)])
def test_the_welcome_choice_typed_at_a_safety_question_is_no_none_of_these(text, keep):
    updates, messages = turn(text, s.RF_EMERGENCY, {}, intent="start_screening")
    assert updates.get(s.RF_EMERGENCY) is None and updates[s.STORE_CONSENT] is keep
    assert updates[s.REQUESTED_SLOT] == s.RF_EMERGENCY
    assert "utter_invalid_red_flag" not in responses(messages)


def test_keep_in_a_story_at_a_safety_question_is_no_welcome_choice():
    updates, _ = turn("I keep going dizzy and I had to start walking", s.RF_EMERGENCY, {})
    assert s.STORE_CONSENT not in updates


def test_read_ahead_reps_go_with_the_side_in_their_own_part_of_the_sentence():
    slots = {**BEFORE_CHECKS, s.ACTIVATION_CHOICE: s.DO_NOW}
    updates, _ = turn("Squeeze: right one was slow to switch on. Balance: left leg wobbled and my knee caved in. "
                      "Donkey kicks: only managed 4 on the right, 8 on the left", s.ACTIVATION_REPORT, slots)
    assert updates[s.DONKEY_REPS_RIGHT] == 4 and updates[s.DONKEY_REPS_LEFT] == 8


def test_a_report_that_one_side_was_bad_is_no_fine_report():
    slots = {**BEFORE_CHECKS, s.ACTIVATION_CHOICE: s.SKIP, s.BALANCE_CHOICE: s.SKIP, s.DONKEY_CHOICE: s.DO_NOW}
    updates, _ = turn("left bad, right fine", s.DONKEY_REPORT, slots)
    assert updates.get(s.DONKEY_FAULTS) != [s.NONE]
    assert updates[s.REQUESTED_SLOT] == s.DONKEY_FAULTS  # what went wrong on the left is asked


@pytest.mark.parametrize("text, areas", [
    ("lower back I think, just above my bum", ["low_back"]),
    ("left calf and achilles sore after runs, wondering if it's my glutes", ["calf", "achilles"]),
    ("an ache in my right foot about 2 inches below the ankle", ["foot"]),
    ("pain just above my knee", ["knee"]),
])
def test_a_place_named_only_to_locate_the_pain_or_as_a_guess_is_not_a_sore_area(text, areas):
    slots = {**ALL_CLEAR}
    updates, _ = turn(text, s.PAIN_AREAS, slots)
    assert updates[s.PAIN_AREAS] == areas


@pytest.mark.parametrize("text, answer", [
    ("Well the foot obviously, it's back, isn't it", "yes"),
    ("no, it hasn't come back", "no"),
])
def test_it_is_back_means_the_injury_keeps_coming_back(text, answer):
    slots = {**BEFORE_CHECKS, s.INJURIES: ["plantar_fasciitis"]}
    slots.pop(s.SITTING_HOURS)
    updates, _ = turn(text, s.INJURY_RECURRING, slots)
    assert updates[s.INJURY_RECURRING] == answer


def test_a_plural_pair_is_both_sides_where_it_hurts_but_not_in_a_self_check_report():
    updates, _ = turn("loads of pain in my shins after sprints", s.PAIN_AREAS, {**ALL_CLEAR})
    assert updates[s.PAIN_AREAS] == ["shin"] and updates[s.PAIN_SIDE] == "both"
    slots = {**BEFORE_CHECKS, s.ACTIVATION_CHOICE: s.DO_NOW}
    updates, _ = turn("Felt it elsewhere, mostly the backs of my thighs", s.ACTIVATION_REPORT, slots)
    assert updates.get(s.ACTIVATION_HARDER_SIDE) != "both"
    assert updates[s.ACTIVATION_FELT_WHERE] == ["hamstring"]


def test_a_correction_taken_for_an_answer_to_the_next_question_changes_the_earlier_answer():
    slots = {**ALL_CLEAR, s.PAIN_AREAS: ["knee"], s.PAIN_SIDE: "both", s.NO_PAIN: False}
    updates, messages = turn("sorry not knees, i meant my shins. knees are fine", s.PAIN_TIMING, slots)
    assert updates[s.PAIN_AREAS] == ["shin"]
    assert "changed that" in texts(messages)
    assert updates[s.REQUESTED_SLOT] == s.PAIN_TIMING  # and the open question comes again


def test_more_sitting_hours_said_at_the_next_question_replace_the_first_figure():
    slots = {**BEFORE_CHECKS, s.SITTING_HOURS: 7, s.GAIT_SIGNS: None}
    updates, _ = turn("Sorry, with the train to work and back it's more like 9 hours", s.GAIT_SIGNS, slots)
    assert updates[s.SITTING_HOURS] == 9


def test_hours_on_your_feet_are_not_sitting():
    slots = {**BEFORE_CHECKS, s.SITTING_HOURS: None, s.GAIT_SIGNS: None}
    updates, _ = turn("hardly any! maybe 2 hours, I'm on my feet for 12 hour shifts", s.SITTING_HOURS, slots)
    assert updates[s.SITTING_HOURS] == 2


@pytest.mark.parametrize("text, effort", [
    ("yes, even on my own without the buggy I feel sluggish", "yes"),
    ("normal i think, its hard but im new", "no"),
])
def test_a_leading_yes_or_no_answers_the_effort_question(text, effort):
    slots = {**BEFORE_CHECKS, s.RUNNING_EFFORT: None}
    updates, _ = turn(text, s.RUNNING_EFFORT, slots)
    assert updates.get(s.RUNNING_EFFORT) == effort


def test_the_worst_pain_score_is_the_answer():
    slots = {**BEFORE_CHECKS, s.PAIN_SEVERITY: None}
    updates, _ = turn("3 most days, 8 on long runs", s.PAIN_SEVERITY, slots)
    assert updates[s.PAIN_SEVERITY] == 8


def test_a_self_check_report_misread_as_booking_is_read_as_the_report():
    slots = {**BEFORE_CHECKS, s.ACTIVATION_CHOICE: s.DO_NOW}
    updates, _ = turn("right side took a sec to kick in", s.ACTIVATION_REPORT, slots, intent="book_gait_analysis")
    assert updates[s.ACTIVATION_HARDER_SIDE] == "right"


def test_a_new_place_named_at_which_side_is_one_more_sore_place():
    slots = {**ALL_CLEAR, s.PAIN_AREAS: ["hamstring"], s.NO_PAIN: False}
    updates, _ = turn("right hammy and the left knee", s.PAIN_SIDE, slots)
    assert updates[s.PAIN_AREAS] == ["hamstring", "knee"]
    slots = {**ALL_CLEAR, s.PAIN_AREAS: ["hip_flexor"], s.PAIN_SIDE: "left", s.NO_PAIN: False}
    updates, _ = turn("the hip bit is at the front, in the crease", s.PAIN_TIMING, slots)
    assert s.PAIN_AREAS not in updates  # the same place, described


def test_a_hedged_pain_score_correction_at_the_effort_question_is_no_not_sure():
    slots = {**ALL_CLEAR, s.PAIN_AREAS: ["calf"], s.PAIN_SIDE: "left", s.PAIN_TIMING: ["after_runs"],
             s.PAIN_SEVERITY: 3, s.NO_PAIN: False}
    updates, _ = turn("actually on my worst days maybe a 5", s.RUNNING_EFFORT, slots)
    assert updates[s.PAIN_SEVERITY] == 5
    assert s.RUNNING_EFFORT not in updates and updates[s.REQUESTED_SLOT] == s.RUNNING_EFFORT


@pytest.mark.parametrize("intent", ["inform", "correct"])
def test_a_higher_pain_score_said_as_a_correction_is_the_score_not_a_question_about_severe_pain(intent):
    slots = {**ALL_CLEAR, s.PAIN_AREAS: ["knee"], s.PAIN_SIDE: "left", s.PAIN_TIMING: ["after_runs"],
             s.PAIN_SEVERITY: 6, s.NO_PAIN: False}
    updates, messages = turn("actually on my worst days it's more like 8", s.RUNNING_EFFORT, slots, intent=intent)
    assert updates[s.PAIN_SEVERITY] == 8 and not updates.get(s.RF_PENDING)
    assert texts(messages).count("8 out of 10") == 1  # said back once


@pytest.mark.parametrize("intent, text, before, after", [
    ("inform", "oh actually no, that was only during the heatwave, normally it's fine", "yes", "no"),
    ("correct", "oh actually no, that was only during the heatwave, normally it's fine", "yes", "no"),
    ("correct", "actually, thinking about it, yes. my usual 10k has felt way harder the last month", "no", "yes"),
])
def test_a_yes_taken_back_at_the_next_question_changes_that_answer(intent, text, before, after):
    # taken for "correct", the message goes to the correction action (a rule), else to the form
    from actions.apply_correction import ActionApplyCorrection

    slots = {**BEFORE_CHECKS, s.RUNNING_EFFORT: before, s.INJURIES: None, s.SITTING_HOURS: None,
             s.GAIT_SIGNS: None}
    answered = [{"event": "slot", "name": s.REQUESTED_SLOT, "value": s.RUNNING_EFFORT},
                {"event": "slot", "name": s.RUNNING_EFFORT, "value": before},
                {"event": "slot", "name": s.REQUESTED_SLOT, "value": s.INJURIES}]
    action = FORM if intent == "inform" else ActionApplyCorrection()
    events, messages = run(action, tracker(slots, intent, [], text, requested_slot=s.INJURIES, events=answered))
    updates = slot_sets(events)
    assert updates[s.RUNNING_EFFORT] == after and s.INJURIES not in updates
    assert "changed that" in texts(messages)


@pytest.mark.parametrize("text, hurts, side", [
    ("my right calf mostly. my feet used to be the problem but that's long gone", ["calf"], "right"),
    ("knees used to play up, these days it's my left hip", ["hip"], "left"),
    ("the tendon above my left heel, the achilles", ["achilles"], "left"),
    ("outside of R knee, itb i think", ["it_band"], "right"),
    ("back of my left thigh, right where it meets my bum", ["hamstring"], "left"),
])
def test_places_that_no_longer_hurt_or_only_say_where_are_not_sore(text, hurts, side):
    updates, _ = turn(text, s.PAIN_AREAS, ALL_CLEAR)
    assert updates[s.PAIN_AREAS] == hurts
    assert updates[s.PAIN_SIDE] == side


def test_a_body_part_of_the_past_at_the_injury_question_is_an_injury():
    slots = {**BEFORE_CHECKS, s.INJURIES: None}
    updates, _ = turn("tore my calf a few years ago, no trouble since", s.INJURIES, slots)
    assert updates[s.INJURIES] == ["calf_strain"]


@pytest.mark.parametrize("text, harder", [
    ("L fine, R was slow to wake up", "right"),
    ("couldn't really tell, something in my bum on both sides I think", None),
])
def test_squeeze_reports_with_letters_or_doubt(text, harder):
    slots = {**BEFORE_CHECKS, s.ACTIVATION_CHOICE: s.DO_NOW}
    updates, _ = turn(text, s.ACTIVATION_REPORT, slots)
    assert updates.get(s.ACTIVATION_HARDER_SIDE) == harder


@pytest.mark.parametrize("text", ["30 secs each leg, solid, nothing dipped",
                                  "held the full 30 both sides, nothing wobbled"])
def test_nothing_dipped_is_a_steady_balance(text):
    slots = {**BEFORE_CHECKS, s.ACTIVATION_CHOICE: s.SKIP, s.BALANCE_CHOICE: s.DO_NOW}
    updates, _ = turn(text, s.BALANCE_REPORT, slots)
    assert updates.get(s.BALANCE_PROBLEM_SIDE) in (None, "neither")
    assert "could_not_hold" not in (updates.get(s.BALANCE_FAULTS) or [])


def test_the_time_hip_pain_began_is_no_short_hold():
    slots = {**BEFORE_CHECKS, s.ACTIVATION_CHOICE: s.SKIP, s.BALANCE_CHOICE: s.DO_NOW}
    updates, _ = turn("managed the full 30 on each leg, but on the left the side of my hip began to ache after "
                      "10 seconds", s.BALANCE_REPORT, slots)
    assert updates[s.BALANCE_HIP_PAIN] == "yes"
    assert "could_not_hold" not in (updates.get(s.BALANCE_FAULTS) or [])
    updates, _ = turn("left only lasted 10 seconds then foot down", s.BALANCE_REPORT, slots)
    assert "could_not_hold" in updates[s.BALANCE_FAULTS]


@pytest.mark.parametrize("text", ["a little, yes", "a bit", "slightly yeah"])
def test_running_harder_to_a_degree_is_a_yes(text):
    slots = {**ALL_CLEAR, s.PAIN_AREAS: [s.NONE], s.NO_PAIN: True}
    updates, _ = turn(text, s.RUNNING_EFFORT, slots, intent="not_sure")
    assert updates[s.RUNNING_EFFORT] == "yes"


@pytest.mark.parametrize("text, signs", [
    ("my coach says i land with my feet in one line, like walking on a rope", ["crossover"]),
    ("my steps are too long and my knees don't come up high", ["overstriding", "low_knee_drive"]),
    ("pelvic drop and hips tipped forward according to the physio", ["pelvic_drop", "anterior_pelvic_tilt"]),
])
def test_gait_signs_in_everyday_words(text, signs):
    slots = {**BEFORE_CHECKS, s.GAIT_SIGNS: None}
    updates, _ = turn(text, s.GAIT_SIGNS, slots)
    assert sorted(updates[s.GAIT_SIGNS]) == sorted(signs)


def test_a_dated_body_part_among_injuries_named_late_is_one_more_injury():
    slots = {**BEFORE_CHECKS, s.INJURIES: [s.NONE], s.SITTING_HOURS: None, s.GAIT_SIGNS: None}
    updates, _ = turn("oh I forgot, achilles trouble in 2021 and shin splints before that", s.SITTING_HOURS, slots)
    assert sorted(updates[s.INJURIES]) == ["achilles_tendinopathy", "shin_splints"]
    assert s.PAIN_AREAS not in updates


def test_negative_on_all_answers_a_red_flag_group():
    updates, _ = turn("Negative on all.", s.RF_EMERGENCY, {}, intent="skip")
    assert updates[s.RF_EMERGENCY] == [s.NONE]


def test_nothing_hurts_in_a_longer_message_is_no_pain_whatever_the_classifier_said():
    updates, _ = turn("nothing hurts actually! legs feel tired the day after but nothing's sore",
                      s.PAIN_AREAS, ALL_CLEAR, intent="nlu_fallback")
    assert updates[s.NO_PAIN] is True


def test_nah_actually_more_like_corrects_the_earlier_number_not_the_question_on_screen():
    text = "nah actually more like 7 and a half, i always round up"
    slots = {**BEFORE_CHECKS, s.SITTING_HOURS: 8, s.GAIT_SIGNS: None}
    history = [{"event": "slot", "name": s.SITTING_HOURS, "value": 8}]
    from actions.apply_correction import ActionApplyCorrection

    events, messages = run(ActionApplyCorrection(), tracker(slots, "correct", build_nlp().extract(text), text,
                                                            requested_slot=s.GAIT_SIGNS, events=history))
    updates = slot_sets(events)
    assert 7 <= updates[s.SITTING_HOURS] < 8
    assert updates.get(s.GAIT_SIGNS) is None  # the gait question is still open


def test_steady_with_no_pain_completes_the_balance_check():
    slots = {**BEFORE_CHECKS, s.ACTIVATION_CHOICE: s.SKIP, s.BALANCE_CHOICE: s.DO_NOW}
    updates, _ = turn("solid, no pain", s.BALANCE_REPORT, slots)
    assert updates[s.BALANCE_REPORT] == s.FINE and updates[s.BALANCE_HIP_PAIN] == "no"
    assert updates[s.REQUESTED_SLOT] == s.DONKEY_CHOICE


def test_a_question_back_at_the_effort_question_answers_nothing():
    slots = {**ALL_CLEAR, s.PAIN_AREAS: [s.NONE], s.NO_PAIN: True}
    updates, _ = turn("would it matter if it did?", s.RUNNING_EFFORT, slots, intent="ask_why")
    assert updates.get(s.RUNNING_EFFORT) is None


def test_a_side_that_got_sloppy_is_the_donkey_kick_side_with_trouble():
    slots = {**BEFORE_CHECKS, s.ACTIVATION_CHOICE: s.SKIP, s.BALANCE_CHOICE: s.SKIP, s.DONKEY_CHOICE: s.DO_NOW}
    updates, _ = turn("left was spot on, the right one got sloppy towards the end", s.DONKEY_REPORT, slots)
    assert updates[s.DONKEY_REPORT] != s.FINE


def test_why_asked_in_any_words_gets_the_reason_and_the_question_again():
    updates, messages = turn("why u asking about my chest, its my calf", s.RF_EMERGENCY, {}, intent="inform")
    assert updates.get(s.RF_EMERGENCY) is None and updates[s.REQUESTED_SLOT] == s.RF_EMERGENCY
    assert responses(messages) and responses(messages)[0].startswith("utter_why")
    assert s.FAILED_ATTEMPTS not in updates


def test_yes_to_a_group_whose_sign_was_named_before_confirms_that_sign_only():
    from actions.reading import group_answer
    current = {s.RF_URGENT_CARE: ["hot_swollen_joint"], s.RF_ASKED: [s.RF_EMERGENCY]}
    assert group_answer(current, s.RF_URGENT_CARE, ["yes"])[s.RF_URGENT_CARE] == ["hot_swollen_joint"]
    assert group_answer({}, s.RF_URGENT_CARE, ["yes"])[s.RF_URGENT_CARE] == ["yes"]


def test_seconds_held_on_each_leg_in_letters_name_the_short_side():
    slots = {**BEFORE_CHECKS, s.ACTIVATION_CHOICE: s.SKIP, s.BALANCE_CHOICE: s.DO_NOW}
    updates, _ = turn("L 30 R 12", s.BALANCE_REPORT, slots)
    assert "could_not_hold" in updates[s.BALANCE_FAULTS] and updates[s.BALANCE_PROBLEM_SIDE] == "right"


def test_a_side_with_a_number_in_a_correction_is_never_the_sitting_hours():
    from actions.apply_correction import ActionApplyCorrection
    text = "sorry R was more like 20"
    slots = {**BEFORE_CHECKS, s.ACTIVATION_CHOICE: s.SKIP, s.BALANCE_CHOICE: s.DO_NOW}
    history = [{"event": "slot", "name": s.SITTING_HOURS, "value": 5}]
    events, _ = run(ActionApplyCorrection(), tracker(slots, "correct", build_nlp().extract(text), text,
                                                     requested_slot=s.BALANCE_REPORT, events=history))
    assert s.SITTING_HOURS not in slot_sets(events)
