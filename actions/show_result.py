"""action_show_result: the engine's conclusion, explained, and the result slots filled.

The result contract (slots `triage`, `findings`, `red_flags`, `pain_areas` and the
clinician's summary in `screen_summary`) is read by the clinic's integrations.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any, Dict, List

from rasa_sdk import Action
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import slots as s
from core.clinic import load_clinic
from actions.records import RecordsError, save_screen
from actions.screen_state import answers_and_result, knowledge
from actions.screening import clinician_summary, compose_result_messages

logger = logging.getLogger(__name__)


def present_result(
    dispatcher: CollectingDispatcher, slot_values: Dict[str, Any], sender_id: str
) -> List[EventType]:
    """Send the result messages and return the events that record the result.

    With the runner's consent the clinician's summary goes into the clinic's records;
    without it nothing is stored beyond the conversation itself (see keep_or_close).
    """
    kb = knowledge()
    answers, result = answers_and_result(slot_values)
    if not result.stops_screen and not result.self_checks_allowed and result.self_checks_reason:
        dispatcher.utter_message(text=result.self_checks_reason)
    for text in compose_result_messages(result, answers, kb, load_clinic()):
        dispatcher.utter_message(text=text)
    if result.stops_screen:
        dispatcher.utter_message(response="utter_human_handoff")
    summary = clinician_summary(answers, result, kb, datetime.now(timezone.utc))
    privacy_events = keep_or_close(dispatcher, slot_values, sender_id, summary)
    dispatcher.utter_message(
        response="utter_next_steps_booking" if result.triage == "gait_analysis" else "utter_next_steps"
    )
    return privacy_events + [
        SlotSet(s.TRIAGE, result.triage),
        SlotSet(s.FINDINGS, list(result.findings)),
        SlotSet(s.RED_FLAGS, list(result.red_flags)),
        SlotSet(s.PAIN_AREAS, list(answers.pain_areas)),
        SlotSet(s.SCREEN_SUMMARY, summary),
    ]


def keep_or_close(dispatcher, slot_values, sender_id: str, summary: Dict[str, Any]) -> List[EventType]:
    """With consent the summary goes into the clinic's records. Without it the result stays
    with the runner while they talk (follow-ups, corrections, booking); the conversation is
    deleted when they end it (action_goodbye, action_stop_screen), when the session expires
    or after the clinic's idle time (bot/stores.py)."""
    if slot_values.get(s.STORE_CONSENT) is not True:
        asked = slot_values.get(s.STORE_CONSENT) is False
        dispatcher.utter_message(response="utter_nothing_kept" if asked else "utter_nothing_kept_unasked")
        return []
    try:
        save_screen(sender_id, summary)
    except RecordsError:
        logger.exception("Could not save a finished screen")
        dispatcher.utter_message(response="utter_records_unavailable")
        return []
    dispatcher.utter_message(response="utter_screen_kept")
    return [SlotSet(s.SCREEN_SAVED, True)]


class ActionShowResult(Action):
    def name(self) -> str:
        return "action_show_result"

    async def run(self, dispatcher, tracker, domain):
        return present_result(dispatcher, tracker.slots, tracker.sender_id)
