"""Red flags count wherever they are said, never answer another group's question, and are
never dropped silently (protocol revision 2, "Reading red flags safely")."""

import pytest

from actions import slots as s
from actions.screening_form import ValidateScreeningForm
from tests.actions.helpers import ALL_CLEAR, entity, responses, run, slot_sets, tracker

FORM = ValidateScreeningForm()


def turn(slots=None, requested=None, intent="inform", entities=None, text=""):
    events, messages = run(FORM, tracker(slots, intent, entities, text, requested_slot=requested))
    return slot_sets(events), messages


def test_a_lower_groups_red_flag_at_the_emergency_question_is_not_an_emergency():
    updates, messages = turn(requested=s.RF_EMERGENCY, intent="report_red_flag",
                             text="one spot on my foot bone aches in bed",
                             entities=[entity("red_flag", "bone_stress_signs")])
    assert updates[s.RF_SEE_CLINICIAN] == ["bone_stress_signs"]
    assert s.RF_EMERGENCY not in updates  # the emergency group still needs its own answer
    assert updates[s.REQUESTED_SLOT] == s.RF_EMERGENCY
    assert "utter_invalid_red_flag" not in responses(messages)
    assert any("noted" in m.get("text", "") for m in messages)


def test_after_a_lower_red_flag_the_more_urgent_groups_are_still_asked():
    slots = {s.RF_SEE_CLINICIAN: ["bone_stress_signs"]}
    updates, _ = turn(slots, requested=s.RF_EMERGENCY, intent="deny", text="none of those")
    assert updates[s.RF_EMERGENCY] == [s.NONE]
    assert updates[s.REQUESTED_SLOT] == s.RF_URGENT_CARE
    updates, _ = turn({**slots, s.RF_EMERGENCY: [s.NONE]}, requested=s.RF_URGENT_CARE,
                      intent="deny", text="no")
    # its own group's question is still put (the sign was said elsewhere); groups below are not
    assert updates[s.REQUESTED_SLOT] == s.RF_SEE_CLINICIAN
    slots = {**slots, s.RF_EMERGENCY: [s.NONE], s.RF_URGENT_CARE: [s.NONE]}
    updates, _ = turn(slots, requested=s.RF_SEE_CLINICIAN, intent="deny", text="no, none of those")
    assert updates[s.RF_SEE_CLINICIAN] == ["bone_stress_signs"]  # "none" never erases it
    assert updates[s.REQUESTED_SLOT] is None


def test_a_more_urgent_sign_said_at_the_group_of_a_sign_said_in_passing_is_heard():
    slots = {s.RF_EMERGENCY: [s.NONE], s.RF_URGENT_CARE: [s.NONE], s.RF_SEE_CLINICIAN: ["severe_pain"]}
    updates, _ = turn(slots, requested=s.RF_SEE_CLINICIAN, intent="report_red_flag",
                      text="tingling both legs and numb round my bum",
                      entities=[entity("red_flag", "nerve_symptoms"), entity("red_flag", "saddle_numbness_or_bladder")])
    assert updates[s.RF_SEE_CLINICIAN] == ["severe_pain", "nerve_symptoms"]
    assert "saddle_numbness_or_bladder" in updates[s.RF_EMERGENCY]


def test_an_emergency_red_flag_said_at_the_last_group_is_recorded_as_an_emergency():
    slots = {s.RF_EMERGENCY: [s.NONE], s.RF_URGENT_CARE: [s.NONE]}
    updates, _ = turn(slots, requested=s.RF_SEE_CLINICIAN, intent="report_red_flag",
                      text="actually I blacked out last week", entities=[entity("red_flag", "chest_symptoms")])
    assert updates[s.RF_EMERGENCY] == ["chest_symptoms"]
    assert updates[s.REQUESTED_SLOT] is None


def test_none_of_these_plus_another_groups_red_flag_answers_both():
    updates, _ = turn(requested=s.RF_EMERGENCY, intent="deny", text="none of those but my calf is swollen",
                      entities=[entity("red_flag", "calf_swelling")])
    assert updates[s.RF_EMERGENCY] == [s.NONE]
    assert updates[s.RF_URGENT_CARE] == ["calf_swelling"]
    # the calf's own group still gets its question (it may hold more); nothing below it
    assert updates[s.REQUESTED_SLOT] == s.RF_URGENT_CARE


def test_a_bare_yes_means_the_group_being_asked_and_only_that_one():
    slots = {s.RF_EMERGENCY: [s.NONE]}
    updates, _ = turn(slots, requested=s.RF_URGENT_CARE, intent="affirm", text="yes")
    assert updates[s.RF_URGENT_CARE] == ["yes"]
    assert s.RF_SEE_CLINICIAN not in updates


def test_a_red_flag_inside_a_request_to_stop_still_counts():
    updates, _ = turn(ALL_CLEAR, requested=s.PAIN_AREAS, intent="stop", text="stop, my chest feels tight",
                      entities=[entity("red_flag", "chest_symptoms")])
    assert updates[s.RF_EMERGENCY] == ["chest_symptoms"]
    assert updates[s.REQUESTED_SLOT] is None


def test_a_pain_score_of_eight_at_a_red_flag_question_is_kept_and_the_question_comes_back():
    updates, _ = turn(requested=s.RF_EMERGENCY, intent="inform", text="my knee pain is 8/10",
                      entities=[entity("body_part", "knee"), entity("number", 8, role="pain")])
    assert updates[s.PAIN_SEVERITY] == 8
    assert updates[s.REQUESTED_SLOT] == s.RF_EMERGENCY


@pytest.mark.parametrize("answer, intent, recorded", [
    ("yes", "affirm", True), ("not sure", "not_sure", True), ("no", "deny", False),
])
def test_an_uncertain_red_flag_is_confirmed_before_anything_else(answer, intent, recorded):
    updates, _ = turn(requested=s.RF_EMERGENCY, intent="deny", text="no, I don't think I passed out",
                      entities=[entity("red_flag", "chest_symptoms", role="uncertain")])
    assert updates[s.RF_PENDING] == ["chest_symptoms"]
    assert updates[s.RF_EMERGENCY] == [s.NONE]  # "no" answers the rest of the group
    assert updates[s.REQUESTED_SLOT] == s.RF_CONFIRM

    slots = {s.RF_PENDING: ["chest_symptoms"], s.RF_EMERGENCY: updates.get(s.RF_EMERGENCY)}
    updates, _ = turn(slots, requested=s.RF_CONFIRM, intent=intent, text=answer)
    assert updates[s.RF_PENDING] is None
    if recorded:
        assert "chest_symptoms" in updates[s.RF_EMERGENCY]
        assert updates[s.REQUESTED_SLOT] is None
    else:  # "no" to the confirm question: the runner's "no" to the group stands
        assert updates.get(s.RF_EMERGENCY) is None
        assert updates[s.REQUESTED_SLOT] == s.RF_URGENT_CARE


@pytest.mark.parametrize("answer, intent, recorded", [
    ("yes it's come back", "affirm", True), ("not sure", "not_sure", True), ("no, long healed", "deny", False),
])
def test_a_red_flag_told_as_over_is_asked_about_now_and_a_no_drops_it(answer, intent, recorded):
    from actions.ask_red_flags import ActionAskRfConfirm

    updates, _ = turn(requested=s.RF_EMERGENCY, intent="inform",
                      text="tore my achilles in 2015, had it repaired, fine since",
                      entities=[entity("red_flag", "achilles_rupture", role="past")])
    assert updates[s.RF_PENDING] == ["achilles_rupture", s.TOLD_AS_PAST]
    assert s.RF_URGENT_CARE not in updates
    assert updates[s.REQUESTED_SLOT] == s.RF_CONFIRM
    _, messages = run(ActionAskRfConfirm(), tracker({s.RF_PENDING: updates[s.RF_PENDING]}, "inform", [], ""))
    shown = "\n".join(m.get("text") or "" for m in messages)
    assert "happening now" in shown and "pop, snap" in shown

    updates, _ = turn({s.RF_PENDING: ["achilles_rupture", s.TOLD_AS_PAST]}, requested=s.RF_CONFIRM,
                      intent=intent, text=answer)
    assert updates[s.RF_PENDING] is None
    assert (updates.get(s.RF_URGENT_CARE) == ["achilles_rupture"]) is recorded


def test_the_past_wording_is_kept_only_while_every_waiting_sign_was_told_as_over():
    past = s.add_pending([], ["achilles_rupture"], told_as_past=True)
    assert past == ["achilles_rupture", s.TOLD_AS_PAST]
    assert s.add_pending(past, ["hot_swollen_joint"], told_as_past=True) == [
        "achilles_rupture", "hot_swollen_joint", s.TOLD_AS_PAST]
    assert s.add_pending(past, ["bone_stress_signs"]) == ["achilles_rupture", "bone_stress_signs"]
    assert s.add_pending(["chest_symptoms"], ["achilles_rupture"], told_as_past=True) == [
        "chest_symptoms", "achilles_rupture"]
    assert s.add_pending(past, ["achilles_rupture"]) == past  # nothing new: unchanged


def test_a_clearly_denied_red_flag_is_a_no_for_its_group():
    updates, _ = turn(requested=s.RF_EMERGENCY, intent="inform", text="no chest pain",
                      entities=[entity("red_flag", "chest_symptoms", role="negated")])
    assert updates[s.RF_EMERGENCY] == [s.NONE]
    assert updates[s.REQUESTED_SLOT] == s.RF_URGENT_CARE


def test_a_red_flag_asked_about_in_a_question_is_confirmed_not_dropped():
    updates, _ = turn(requested=s.RF_EMERGENCY, intent="ask_define", text="what counts as a racing heart?",
                      entities=[entity("red_flag", "chest_symptoms")])
    assert updates[s.RF_PENDING] == ["chest_symptoms"]
    assert updates[s.REQUESTED_SLOT] == s.RF_CONFIRM


def test_a_story_the_bot_cannot_tie_to_a_red_flag_is_confirmed_for_the_group_not_taken_as_yes():
    updates, messages = turn(requested=s.RF_EMERGENCY, intent="report_red_flag",
                             text="got a pin-prick blister on my little toe from new socks")
    assert s.RF_EMERGENCY not in updates  # no "call the emergency number" for a blister
    assert updates[s.RF_PENDING] == [s.RF_EMERGENCY]
    assert updates[s.REQUESTED_SLOT] == s.RF_CONFIRM
    assert "utter_invalid_red_flag" not in responses(messages)


@pytest.mark.parametrize("answer, intent, recorded", [
    ("no", "deny", [s.NONE]), ("yes", "affirm", ["yes"]), ("not sure", "not_sure", [s.UNSURE]),
])
def test_the_group_confirm_answers_the_group(answer, intent, recorded):
    slots = {s.RF_PENDING: [s.RF_EMERGENCY]}
    updates, _ = turn(slots, requested=s.RF_CONFIRM, intent=intent, text=answer)
    assert updates[s.RF_EMERGENCY] == recorded
    assert updates[s.RF_PENDING] is None


def test_the_group_confirm_lists_the_groups_red_flags():
    from actions.ask_red_flags import ActionAskRfConfirm
    from actions.screen_state import knowledge

    _, messages = run(ActionAskRfConfirm(), tracker({s.RF_PENDING: [s.RF_EMERGENCY]}, "inform", [], ""))
    emergency = next(g for g in knowledge().red_flag_groups if g.level == "emergency")
    shown = "\n".join(m.get("text") or "" for m in messages)
    assert all(flag.question in shown for flag in emergency.flags)
    assert "couldn't tell" in shown


def test_another_groups_confirm_at_a_group_question_is_not_a_not_sure_for_that_group():
    # "maybe more" must not turn the emergency question into "not sure" (= yes)
    updates, _ = turn(requested=s.RF_EMERGENCY, intent="inform",
                      text="on a scale of one to ten my knee is a good seven, maybe more",
                      entities=[entity("red_flag", "severe_pain", role="uncertain")])
    assert s.RF_EMERGENCY not in updates
    assert updates[s.RF_PENDING] == ["severe_pain"]


def test_a_question_about_a_red_flag_at_its_own_group_is_confirmed_not_recorded():
    updates, _ = turn(requested=s.RF_URGENT_CARE, intent="ask_define", text="What mean 'warm' here, like hot to touch?",
                      entities=[entity("red_flag", "hot_swollen_joint")])
    assert s.RF_URGENT_CARE not in updates
    assert updates[s.RF_PENDING] == ["hot_swollen_joint"]


def test_a_story_at_a_groups_question_that_names_no_red_flag_is_confirmed_not_re_asked():
    from actions.reading import Message, read_message

    slot = s.RED_FLAG_GROUP_SLOTS["emergency"]
    text = "went all wobbly and strange at the finish line and my mates had to sit me down"
    reading = read_message(Message("inform", [], text), slot, {}, {slot: ["chest_symptoms"]})
    assert reading.updates.get(s.RF_PENDING) == [slot] and reading.problem_response is None


def test_an_opening_that_reads_as_a_warning_sign_the_bot_cannot_place_is_confirmed_against_every_list():
    from actions.welcome import ActionWelcome

    events, messages = run(ActionWelcome(), tracker(intent="report_red_flag", active_loop=None,
                                                    text="went all wobbly n blacked owt for a sec at the finish"))
    assert slot_sets(events).get(s.RF_PENDING) == [s.OPENING_STORY]
    assert "utter_red_flag_first" in responses(messages)
    events, _ = run(ActionWelcome(), tracker(intent="inform", active_loop=None, text="my knee hurts after long runs"))
    assert not slot_sets(events).get(s.RF_PENDING)
    # an everyday soreness report stays one, whatever the classifier made of it
    text = "evening, my left shin's been grumbling after my long runs for a couple weeks"
    events, messages = run(ActionWelcome(), tracker(intent="report_red_flag", active_loop=None, text=text,
                                                    entities=[entity("body_part", "shin")]))
    assert not slot_sets(events).get(s.RF_PENDING) and "utter_red_flag_first" not in responses(messages)
    # a borderline guess of the classifier is no warning sign to confirm
    events, messages = run(ActionWelcome(), tracker(intent="report_red_flag", active_loop=None, confidence=0.67,
                                                    text="hi, my coach wants me to get my mechanics looked at?"))
    assert not slot_sets(events).get(s.RF_PENDING) and "utter_red_flag_first" not in responses(messages)


def test_a_confirmed_opening_warning_sign_is_placed_by_the_groups_or_counts_for_the_most_urgent():
    from actions.reading import Message, read_message

    groups = {s.RED_FLAG_GROUP_SLOTS["emergency"]: ["chest_symptoms"],
              s.RED_FLAG_GROUP_SLOTS["urgent_care"]: ["groin_pain_weight_bearing"],
              s.RED_FLAG_GROUP_SLOTS["see_clinician"]: ["bone_stress_signs"]}
    emergency, urgent, see = groups
    confirmed = read_message(Message("affirm", [], "yes"), s.RF_CONFIRM, {s.RF_PENDING: [s.OPENING_STORY]}, groups)
    assert confirmed.updates[s.RF_UNPLACED] is True
    assert not any(confirmed.updates.get(slot) for slot in groups)  # every list is still asked
    slots = {s.RF_UNPLACED: True, emergency: [s.NONE], urgent: ["groin_pain_weight_bearing"]}
    placed = read_message(Message("deny", [], "none of these"), see, slots, groups).updates
    assert placed[s.RF_UNPLACED] is None and emergency not in placed
    slots = {s.RF_UNPLACED: True, emergency: [s.NONE], urgent: [s.NONE]}
    denied = read_message(Message("deny", [], "none of these"), see, slots, groups).updates
    assert denied[emergency] == [s.UNSURE]


def test_a_hedged_pain_score_at_a_group_question_is_no_not_sure_to_the_group():
    # "3/10 maybe" hedges the number; taken as "not sure" it counted as yes to the emergency group
    updates, _ = turn(requested=s.RF_EMERGENCY, intent="inform",
                      text="quads are a bit sore after the hill session, 3/10 maybe, gone by the next day usually",
                      entities=[entity("body_part", "quad")])
    assert s.UNSURE not in (updates.get(s.RF_EMERGENCY) or [])
    assert "yes" not in (updates.get(s.RF_EMERGENCY) or [])


def test_doubt_about_something_else_at_a_groups_question_is_asked_about_not_taken_as_yes():
    updates, _ = turn(requested=s.RF_EMERGENCY, intent="not_sure",
                      text="lost my phone on the run so not sure of my splits but it felt easy")
    assert s.RF_EMERGENCY not in updates  # neither yes nor no to the emergency signs
    assert updates[s.RF_PENDING]  # the runner is asked whether the group applies


def test_a_short_not_sure_at_a_groups_question_counts_as_that_group():
    updates, _ = turn(requested=s.RF_EMERGENCY, intent="not_sure", text="hmm not sure really")
    assert updates[s.RF_EMERGENCY] == [s.UNSURE]


def test_a_red_flag_beside_the_runners_own_why_is_kept_not_traded_for_an_explanation():
    text = "my knees ache, that's why I'm asking about glutes, and my achilles went pop on the stairs"
    updates, messages = turn(requested=s.RF_EMERGENCY, intent="report_red_flag", text=text,
                             entities=[entity("red_flag", "achilles_rupture")])
    assert updates[s.RF_URGENT_CARE] == ["achilles_rupture"]
    assert "utter_why_red_flags" not in responses(messages)
