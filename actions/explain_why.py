"""action_explain_why: "why are you asking?" explains the current question; the form re-asks it.
After the result, "why?" explains the result: its warning signs and what stood out."""

from __future__ import annotations

import re
from typing import Optional

from rasa_sdk import Action
from rasa_sdk.executor import CollectingDispatcher

from actions import slots as s
from actions.define_term import result_summary
from actions.welcome import welcome_if_first
from actions.questions import answered, is_question, question
from actions.screen_state import answers_and_result, screening_plan


def why_response(slot: Optional[str]) -> str:
    if slot is None:
        return "utter_why_screen"
    if is_question(slot):
        return question(slot).why
    if slot in s.CONTACT_SLOTS:
        return "utter_why_contact"
    return "utter_why_screen"


HOW_LONG = re.compile(r"\b(how long|how much longer|how many (?:more )?questions|how much (?:more|time)|"
                      r"nearly (?:done|finished)|almost (?:done|finished)|much left)\b")


class ActionExplainWhy(Action):
    def name(self) -> str:
        return "action_explain_why"

    async def run(self, dispatcher: CollectingDispatcher, tracker, domain):
        if HOW_LONG.search((tracker.latest_message.get("text") or "").lower()) and tracker.get_slot(s.TRIAGE) is None:
            # "how long does this take?": the time, and how much is left
            _, result = answers_and_result(dict(tracker.slots))
            left = [q for q in screening_plan(dict(tracker.slots), result)
                    if is_question(q) and not answered(tracker.slots, q)]
            steps = {question(q).check or q for q in left}  # a self-check counts once
            dispatcher.utter_message(response="utter_how_long", remaining=len(steps))
            return _back_to_welcome(dispatcher, tracker)
        summary = None if tracker.get_slot(s.REQUESTED_SLOT) else result_summary(tracker)
        if summary:  # "why?" after the result asks why this result
            dispatcher.utter_message(text="Your result, in short: " + summary)
            return []
        dispatcher.utter_message(response=why_response(tracker.get_slot(s.REQUESTED_SLOT)))
        return _back_to_welcome(dispatcher, tracker)


def _back_to_welcome(dispatcher, tracker):
    """Before the screen starts, the question asked was the welcome's: it comes again (the
    whole welcome if it was never shown)."""
    events = welcome_if_first(dispatcher, tracker)
    if not events and tracker.active_loop_name is None and tracker.get_slot(s.TRIAGE) is None:
        dispatcher.utter_message(response="utter_welcome")
    return events
