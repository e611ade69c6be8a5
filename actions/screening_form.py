"""validate_screening_form: reads each answer, re-asks clearly, and decides the next question.

Every slot of the form uses a custom mapping: the answer is read here (actions/reading.py)
rather than by declarative mappings, because one message may answer several questions, a
negated mention must never count, and each question needs its own re-ask.

Flow of one turn:
- the message is not an answer (a question, "stop", ...): no slot is set, so Rasa rejects the
  form for this turn and a rule handles the message; the form then asks its question again;
- the message answers: the slots are set, anything volunteered besides is confirmed, and the
  next question comes from the screening plan (actions/screen_state.py), which ends the form
  early on a red flag;
- the message cannot be read as an answer: a specific re-ask, and after two misses in a row,
  why the question matters.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions import slots as s
from actions.apply_correction import corrections, say_changed
from actions.explain_why import why_response
from actions.screening.glossary import define
from actions.questions import CHECK_CHOICES, QUESTIONS, is_question, question
from actions.reading import Message, is_correction, read_message
from actions.screen_state import answers_and_result, drop_moot_confirms, next_question, red_flag_groups
from actions.wording import describe_all

# No question is asked more than three times: after the second miss the bot explains why
# it asks and offers "not sure" and "skip"; after the third it records "not sure" and moves on.
EXPLAIN_AFTER_MISSES = 2
GIVE_UP_AFTER_MISSES = 3
# Slots that come with the requested one as a single answer ("my left knee"), so confirming
# them back would only repeat the runner's words.
ANSWERED_TOGETHER = {
    s.PAIN_AREAS: (s.PAIN_SIDE, s.NO_PAIN),
    s.INJURIES: (s.INJURY_RECURRING,),
}
# Messages that steer the conversation (stop, start over, a correction, a person, booking):
# never counted against the question being asked.
STEERING_INTENTS = {"stop", "start_over", "correct", "human_handoff", "book_gait_analysis", "goodbye"}
TERM_QUESTION = re.compile(r"^(what'?s|wats|whats|wat is|wat'?s|wots|wot'?s|wot is|what is|what are|what does|what do you mean|"
                           r"what'?s a|meaning of|define)\b.*", re.IGNORECASE)
HINT_BUTTONS = [{"title": "Not sure", "payload": "/not_sure"}, {"title": "Skip this one", "payload": "/skip"}]


def turns_on_question(tracker: Tracker, slot: str) -> int:
    """How many messages the runner has sent while this question was open, this one included."""
    count, since_asked = 0, 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            count += 1
        elif event.get("event") == "slot" and event.get("name") == s.REQUESTED_SLOT:
            if event.get("value") != slot:
                break
            since_asked = count  # messages after the question was first put, in this streak
    return since_asked


_WHY_ASKED = re.compile(r"(?<!which is )(?<!that's )(?<!thats )(?<!that is )(?<!this is )(?<!hence )"
                        r"\b(?:why|how come)\b[^.!?]{0,30}\b(?:ask|asking|asked|want to know|need to know|"
                        r"bring up|bringing up|matter|matters)\b")


def _records_red_flags(updates: Dict[str, Any]) -> bool:
    """A red flag read in the message ("...which is why I'm asking about glutes. Also something
    went snap above my heel"): it is kept, never traded for an explanation or a definition."""
    return any(slot in updates for slot in s.RED_FLAG_GROUP_SLOTS.values())


class ValidateScreeningForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_screening_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        requested = tracker.get_slot(s.REQUESTED_SLOT)
        current: Dict[str, Any] = dict(tracker.slots)
        message = Message.from_latest(tracker.latest_message)
        reading = read_message(message, requested, current, red_flag_groups())
        events: List[EventType] = []

        text = (tracker.latest_message.get("text") or "").strip()
        definition = define(text) if requested and TERM_QUESTION.match(text) else None
        if requested and _WHY_ASKED.search(text.lower()) and not reading.updates.get(s.RF_PENDING) \
                and requested not in reading.updates and is_question(requested) \
                and not _records_red_flags(reading.updates) \
                and (tracker.latest_message.get("intent") or {}).get("name") != "ask_why":  # (its rule answers)
            # "why u asking about my chest, its my calf": why the question matters, then the
            # question again (whatever the intent classifier made of it; not a miss)
            dispatcher.utter_message(response=why_response(requested))
            return [SlotSet(requested, None), SlotSet(s.REQUESTED_SLOT, requested)]
        if definition and not reading.updates.get(s.RF_PENDING) and not _records_red_flags(reading.updates):
            # "wats crossover?" asks about a term whatever the intent classifier made of it:
            # answer it and ask the same question again (not a miss, nothing recorded).
            dispatcher.utter_message(text=definition)
            return [SlotSet(requested, None), SlotSet(s.REQUESTED_SLOT, requested)]

        intent = (tracker.latest_message.get("intent") or {}).get("name")
        fixes: Dict[str, Any] = {}
        if (intent != "correct" or not reading.not_an_answer) and requested not in reading.updates \
                and is_correction(message):
            # "sorry not knees, I meant my shins" taken for an answer to the next question, or a
            # correction read here because it also held a red flag to confirm ("actually on a
            # bad day more like 8"): the earlier answer changes, as for a correction
            fixes = {k: v for k, v in corrections(message, tracker).items() if k not in reading.updates}
            if fixes:
                say_changed(dispatcher, fixes, {**current, **fixes})
                reading.updates.update(fixes)
                reading.problem_response = None
                reading.not_an_answer = False
                drop_moot_confirms(reading.updates)  # severe pain, now from the corrected score
        steering = intent in STEERING_INTENTS and not (
            intent == "correct" and not is_correction(message))
        stalled = (reading.not_an_answer and not steering and is_question(requested)
                   and turns_on_question(tracker, requested) >= GIVE_UP_AFTER_MISSES)
        if reading.not_an_answer and not stalled:
            # Only requested_slot is set, so Rasa rejects the form for this turn and a rule
            # handles the message. When the form comes back after that rule (a correction,
            # a restart), the next question is recomputed from the answers as they are now.
            return [SlotSet(s.REQUESTED_SLOT, next_question(current, answers_and_result(current)[1]))]
        if stalled:  # a third message at one question that still is no answer ("what?",
            # small talk, "I don't understand"): it counts as the third miss
            reading.problem_response = question(requested).invalid
            current[s.FAILED_ATTEMPTS] = GIVE_UP_AFTER_MISSES - 1

        misses = float(current.get(s.FAILED_ATTEMPTS) or 0)
        if reading.problem_response and requested is not None:
            misses += 1
            if misses >= GIVE_UP_AFTER_MISSES and is_question(requested):
                # Never stuck: record "not sure" (a red flag group: counts as yes) and move on.
                reading.updates.update(question(requested).give_up_updates(current, red_flag_groups()))
                dispatcher.utter_message(response="utter_moving_on")
                misses = 0
            else:
                dispatcher.utter_message(response=reading.problem_response)
                if misses >= EXPLAIN_AFTER_MISSES:
                    dispatcher.utter_message(response=why_response(requested))
                    dispatcher.utter_message(response="utter_not_sure_is_fine", buttons=HINT_BUTTONS)
                # Setting the question's slot to None tells Rasa the turn was handled, so the
                # form stays active and asks the same question again.
                events.append(SlotSet(requested, None))
        elif requested in reading.updates:
            misses = 0

        for slot, value in reading.updates.items():
            events.append(SlotSet(slot, value))
            current[slot] = value
        events.append(SlotSet(s.FAILED_ATTEMPTS, misses))

        part_of_answer = {requested, *ANSWERED_TOGETHER.get(requested, ())}
        if is_question(requested) and question(requested).check:
            part_of_answer |= {q.slot for q in QUESTIONS if q.check == question(requested).check}
            part_of_answer.add(s.BALANCE_FAULTS)
        volunteered = {k: v for k, v in reading.updates.items() if k not in part_of_answer and k not in fixes}
        confirmation = describe_all(volunteered, current)
        if confirmation:
            dispatcher.utter_message(text=f"Thanks, I've noted {confirmation}.")

        _, result = answers_and_result(current)
        next_slot = next_question(current, result)
        if next_slot == CHECK_CHOICES[0] and requested != next_slot:
            dispatcher.utter_message(response="utter_self_checks_intro")
        preamble = f"utter_preamble_{next_slot}"
        if next_slot != requested and preamble in (domain.get("responses") or {}):
            # Long text (a check's instructions, what is kept) goes in a message of its own,
            # before the short question that carries the buttons: a terminal cuts a long
            # message that has buttons, and a phone screen hides it.
            dispatcher.utter_message(response=preamble)
        events.append(SlotSet(s.REQUESTED_SLOT, next_slot))
        return events
