"""action_explain_why: "why are you asking?" explains the current question; the form re-asks it.
After the result, "why?" explains the result: its warning signs and what stood out."""

from __future__ import annotations

from typing import Optional

from rasa_sdk import Action
from rasa_sdk.executor import CollectingDispatcher

from actions import slots as s
from actions.define_term import result_summary
from actions.welcome import welcome_if_first
from actions.questions import is_question, question

def why_response(slot: Optional[str]) -> str:
    if slot is None:
        return "utter_why_screen"
    if is_question(slot):
        return question(slot).why
    if slot in s.CONTACT_SLOTS:
        return "utter_why_contact"
    return "utter_why_screen"


class ActionExplainWhy(Action):
    def name(self) -> str:
        return "action_explain_why"

    async def run(self, dispatcher: CollectingDispatcher, tracker, domain):
        summary = None if tracker.get_slot(s.REQUESTED_SLOT) else result_summary(tracker)
        if summary:  # "why?" after the result asks why this result
            dispatcher.utter_message(text="Your result, in short: " + summary)
            return []
        dispatcher.utter_message(response=why_response(tracker.get_slot(s.REQUESTED_SLOT)))
        return welcome_if_first(dispatcher, tracker)
