"""action_apply_correction: "actually it's my left knee" changes an earlier answer.

Each kind of entity can correct a few answers; the one the runner gave most recently wins
(a side after the balance check corrects that check, not the pain side). When the screen
had already ended, the result is worked out again, or the form comes back for any question
the correction opened up (say "nothing hurts" became "my knee hurts").
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet

from actions import slots as s
from actions.reading import (ADDING, NEGATED, REAL_PAIN, TAKING_BACK, Message, read_injuries, is_asking, read_message, reps_by_side, real_pain_areas, red_flag_updates, side_from,
                             unambiguous_answers)
from actions.explain_why import why_response
from actions.screen_state import answers_and_result, drop_moot_confirms, next_question, red_flag_groups
from actions.screening import vocabulary as v
from actions.show_result import present_result
from actions.wording import describe_all


def _last_answered(tracker: Tracker, candidates: List[str]) -> Optional[str]:
    for event in reversed(tracker.events):
        if event.get("event") == "slot" and event.get("name") in candidates and event.get("value") is not None:
            return event["name"]
    return candidates[0]


def _yes_no_taken_back(message: Message, tracker: Tracker) -> Dict[str, Any]:
    from actions.questions import QUESTIONS, question

    taken_back = TAKING_BACK.match(message.text.lower().strip())
    if not taken_back:
        return {}
    yes_no = [q.slot for q in QUESTIONS if q.invalid == "utter_invalid_yes_no"
              and q.slot not in (s.RF_CONFIRM, s.STORE_CONSENT)]
    last = _last_answered(tracker, [q.slot for q in QUESTIONS])
    if last not in yes_no:
        return {}
    tail = Message("inform", [], message.text.strip()[taken_back.end():])
    answer = question(last).read(tail, dict(tracker.slots), red_flag_groups()).get(last)
    return {last: answer} if answer in ("yes", "no") else {}


# "nah actually more like 7 n a half" at the gait question: its "nah" answers nothing there,
# the message corrects an earlier answer
_NO_THEN_CORRECTING = re.compile(r"^(?:no|nah|nope|yes|yeah|yep)[,!.]*\s+(?:actually|i meant|i mean|sorry|wait|"
                                 r"scratch that|more like|make that)\b")
# "IT band trouble in 2020", "tore it last year", "both healed": the message is about past injuries
_PAST_INJURY = re.compile(r"\b(?:(?:19|20)\d\d|ago|last (?:year|summer|winter|spring|autumn|fall|season)|years? back|"
                          r"healed|recovered|injur\w*|strain\w*|sprain\w*|tore|torn|broke|fracture\w*)\b")


def _injuries_corrected(message: Message, tracker: Tracker) -> Dict[str, Any]:
    """Past injuries remembered or corrected after the injury question: "oh wait, I forgot:
    IT band trouble in 2020 and shin splints in 2018" adds both; without "forgot", "also"...
    the answer is replaced. The body parts in it are injuries there, not places that hurt now."""
    if _last_answered(tracker, [s.PAIN_AREAS, s.INJURIES]) != s.INJURIES:
        return {}
    text = message.text.lower()
    if not (message.values("injury", v.INJURIES) or _PAST_INJURY.search(text)):
        return {}
    said = [i for i in read_injuries(message, dict(tracker.slots), red_flag_groups()).get(s.INJURIES) or []
            if i not in (s.NONE, s.UNSURE)]
    if not said:
        return {}
    if ADDING.search(text):
        before = [i for i in tracker.get_slot(s.INJURIES) or [] if i not in (s.NONE, s.UNSURE)]
        said = before + [i for i in said if i not in before]
    return {s.INJURIES: said}


def corrections(message: Message, tracker: Tracker) -> Dict[str, Any]:
    requested = tracker.get_slot("requested_slot")
    if requested and tracker.active_loop_name and tracker.get_slot(requested) is None \
            and not _NO_THEN_CORRECTING.match(message.text.lower()):
        # "actually more like 11 on weekdays" while the question is still open (its first
        # answer was not understood) answers that question
        as_answer = Message("inform", message.entities, message.text)
        answer = read_message(as_answer, requested, dict(tracker.slots), red_flag_groups()).updates
        if answer.get(requested) is not None:
            return answer
    updates: Dict[str, Any] = dict(_yes_no_taken_back(message, tracker))
    injuries = _injuries_corrected(message, tracker)
    areas = [] if injuries else message.values("body_part", v.BODY_AREAS)
    if areas and _last_answered(tracker, [s.PAIN_AREAS, s.INJURIES]) == s.INJURIES \
            and not REAL_PAIN.search(message.text.lower()):
        areas = []  # "sorry, not two times, three times for the IT band": about the injuries
    side = side_from(message)
    if areas:
        target = s.PAIN_AREAS
        if set(areas) <= set(v.EFFORT_SITES):
            target = _last_answered(tracker, [s.PAIN_AREAS, s.ACTIVATION_FELT_WHERE])
        if target == s.PAIN_AREAS and ADDING.search(message.text.lower()):
            # "oh and the back of my thigh gets sore too, forgot that": one more place
            before = real_pain_areas(tracker.slots)
            areas = before + [a for a in areas if a not in before]
        elif target == s.PAIN_AREAS:
            # "sorry, not the hip, the hip is fine. I meant my left calf": only the hip goes
            before = real_pain_areas(tracker.slots)
            taken_back = [a for a in message.values("body_part", v.BODY_AREAS, role=NEGATED) if a in before]
            if taken_back:
                areas = [a for a in before if a not in taken_back] + [a for a in areas if a not in before]
        updates[target] = areas
        if target == s.PAIN_AREAS:
            updates[s.NO_PAIN] = False
            if side:
                updates[s.PAIN_SIDE] = side
    reps = reps_by_side(message) if tracker.get_slot(s.DONKEY_REPS_LEFT) is not None else {}
    if {"left", "right"} & set(reps) and _last_answered(
            tracker, [s.DONKEY_REPS_LEFT, s.DONKEY_REPS_RIGHT, s.PAIN_SIDE, s.ACTIVATION_HARDER_SIDE,
                      s.BALANCE_PROBLEM_SIDE, s.PAIN_SEVERITY, s.SITTING_HOURS]) in (s.DONKEY_REPS_LEFT, s.DONKEY_REPS_RIGHT):
        # "sorry no, 4 is the right leg, left is 10": the donkey kick counts, side by side
        for side_said, count in reps.items():
            if side_said in ("left", "right"):
                updates[s.DONKEY_REPS_LEFT if side_said == "left" else s.DONKEY_REPS_RIGHT] = count
        side = None
    if side and s.PAIN_SIDE not in updates:
        target = _last_answered(tracker, [s.PAIN_SIDE, s.ACTIVATION_HARDER_SIDE, s.BALANCE_PROBLEM_SIDE])
        updates[target] = side
    timings = message.values("timing", v.PAIN_TIMINGS)
    if timings:
        updates[s.PAIN_TIMING] = timings
    updates.update(unambiguous_answers(message))
    updates.update(injuries)
    # A red flag said after the result counts as much as one said before it.
    updates.update(red_flag_updates(message, None, dict(tracker.slots), red_flag_groups()))
    hours = [n for n in message.numbers(roles=("hours",)) if 0 <= n <= 24]
    if hours and s.SITTING_HOURS not in updates and tracker.get_slot(s.SITTING_HOURS) is not None:
        updates[s.SITTING_HOURS] = hours[-1]  # "more like 9 hrs": hours can only be the sitting answer
    bare = message.numbers(roles=(None,))
    if side_from(message) and tracker.get_slot(s.DONKEY_REPS_LEFT) is None:
        bare = []  # "sorry R was more like 20": a side's count or time, never the sitting hours or a score
    if bare and not ({s.PAIN_SEVERITY, s.SITTING_HOURS, s.DONKEY_REPS_LEFT, s.DONKEY_REPS_RIGHT} & set(updates)):
        target = _last_answered(tracker, [s.PAIN_SEVERITY, s.SITTING_HOURS, s.DONKEY_REPS_LEFT, s.DONKEY_REPS_RIGHT])
        # "after a 20 miler it's more like a 5": the last number that fits the answer is the
        # new one; a number that cannot be that answer (20 on a 0-10 scale) is never taken
        fitting = [n for n in bare if 0 <= n <= NUMBER_RANGE[target]]
        if fitting:
            updates[target] = fitting[-1]
    return drop_moot_confirms(updates)


def say_changed(dispatcher, updates: Dict[str, Any], current: Dict[str, Any]) -> None:
    changed = describe_all(updates, current)
    dispatcher.utter_message(text=f"Got it, I've changed that: {changed}." if changed else "Got it, I've changed that.")


NUMBER_RANGE = {s.PAIN_SEVERITY: 10, s.SITTING_HOURS: 24, s.DONKEY_REPS_LEFT: 30, s.DONKEY_REPS_RIGHT: 30}


class ActionApplyCorrection(Action):
    def name(self) -> str:
        return "action_apply_correction"

    async def run(self, dispatcher, tracker, domain):
        message = Message.from_latest(tracker.latest_message)
        if tracker.active_loop_name and is_asking(message.text):
            # "am I meant to feel it in my back?" asks about the question; it changes nothing
            dispatcher.utter_message(response=why_response(tracker.get_slot(s.REQUESTED_SLOT)))
            return []
        updates = corrections(message, tracker)
        if not updates and tracker.get_slot(s.TRIAGE) is None and tracker.active_loop_name is None:
            # nothing to correct before any screen ("hmm not sure" read as a correction)
            from actions.welcome import answer_to_welcome, welcome

            return answer_to_welcome(dispatcher, tracker) or welcome(dispatcher, tracker)
        if not updates:
            if tracker.latest_message.get("intent", {}).get("name") in ("affirm", "deny", "not_sure", "skip"):
                # a bare yes or no after the result: offer what can be done next
                triage = tracker.get_slot(s.TRIAGE)
                dispatcher.utter_message(
                    response="utter_next_steps_booking" if triage == "gait_analysis" else "utter_next_steps")
                return []
            dispatcher.utter_message(response="utter_correction_which")
            return []
        current = {**tracker.slots, **updates}
        say_changed(dispatcher, updates, current)
        events = [SlotSet(slot, value) for slot, value in updates.items()]

        screen_finished = tracker.get_slot(s.TRIAGE) is not None and tracker.active_loop_name is None
        if screen_finished:
            _, result = answers_and_result(current)
            if next_question(current, result) is not None:
                dispatcher.utter_message(text="I need a little more detail for that.")
                events.append(FollowupAction("screening_form"))
            else:
                dispatcher.utter_message(text="Here is your updated result.")
                events += present_result(dispatcher, current, tracker.sender_id)
        return events


class ActionAnswerOutsideScreen(Action):
    """An answer typed when no question is open: before the screen it gets the welcome (the
    facts in it are kept for later); after the result it is read as a correction."""

    def name(self) -> str:
        return "action_answer_outside_screen"

    async def run(self, dispatcher, tracker, domain):
        if tracker.get_slot(s.TRIAGE) is not None:
            return await ActionApplyCorrection().run(dispatcher, tracker, domain)
        from actions.welcome import answer_to_welcome, welcome  # they build on the reader too

        return answer_to_welcome(dispatcher, tracker) or welcome(dispatcher, tracker)
