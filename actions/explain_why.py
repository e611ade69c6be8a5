"""action_explain_why: "why are you asking?" explains the current question; the form re-asks it."""

from __future__ import annotations

from typing import Optional

from rasa_sdk import Action
from rasa_sdk.executor import CollectingDispatcher

from actions import slots as s

_CHECK_CHOICES = {s.ACTIVATION_CHOICE, s.BALANCE_CHOICE, s.DONKEY_CHOICE}


def why_response(slot: Optional[str]) -> str:
    if slot is None:
        return "utter_why_screen"
    if slot in s.RED_FLAG_SLOTS or slot == s.RF_CONFIRM:
        return "utter_why_red_flags"
    if slot in _CHECK_CHOICES:
        return "utter_why_self_check"
    if slot in s.SELF_CHECK_SLOTS:
        return "utter_why_self_check_answer"
    if slot in s.CONTACT_SLOTS:
        return "utter_why_contact"
    return f"utter_why_{slot}"


class ActionExplainWhy(Action):
    def name(self) -> str:
        return "action_explain_why"

    async def run(self, dispatcher: CollectingDispatcher, tracker, domain):
        dispatcher.utter_message(response=why_response(tracker.get_slot(s.REQUESTED_SLOT)))
        return []
