"""The contact form (name, email or phone, preferred times) and saving the request.

Asked only when the runner accepts the offer to be contacted, which is also their consent to
keep this screen. Contact details are checked (a clear re-ask on a bad email or phone) and
never logged.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions import slots as s
from actions.reading import Message
from actions.records import RecordsError, save_contact_request, save_screen, validate_email, validate_phone

logger = logging.getLogger(__name__)

NOT_ANSWERS = {"stop", "start_over", "ask_why", "human_handoff"}
_NAME_PREFIX = re.compile(r"^(my name is|my name's|name is|i am|i'm|im|it's|its|this is|call me)\s+", re.I)
_EMAIL_LIKE = re.compile(r"\S+@\S+")
_PHONE_LIKE = re.compile(r"\+?[\d(][\d\s().\-/]{5,}\d")


def read_name(text: str) -> Optional[str]:
    name = _NAME_PREFIX.sub("", " ".join(text.split())).strip(" .!,")
    if not name or len(name) > 80 or not re.search(r"[^\W\d_]", name):
        return None
    return name


def read_reach(text: str) -> Optional[str]:
    """A validated email address or phone number found in the message, or None."""
    for candidate in _EMAIL_LIKE.findall(text):
        email = validate_email(candidate.strip(".,;"))
        if email:
            return email
    for candidate in [text] + _PHONE_LIKE.findall(text):
        phone = validate_phone(candidate.strip())
        if phone:
            return phone
    return None


def read_times(text: str) -> Optional[str]:
    times = " ".join(text.split())
    return times if times and len(times) <= 200 and re.search(r"\w", times) else None


READERS = {s.CONTACT_NAME: read_name, s.CONTACT_REACH: read_reach, s.CONTACT_TIMES: read_times}
REASK = {
    s.CONTACT_NAME: "utter_invalid_contact_name",
    s.CONTACT_REACH: "utter_invalid_contact_reach",
    s.CONTACT_TIMES: "utter_invalid_contact_times",
}


class ValidateContactForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_contact_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        requested = tracker.get_slot(s.REQUESTED_SLOT)
        message = Message.from_latest(tracker.latest_message)
        if requested is None or message.intent in NOT_ANSWERS:
            return []  # activation, or not an answer: a rule handles it
        value = READERS[requested](message.text)
        if value is None:
            dispatcher.utter_message(response=REASK[requested])
            return [SlotSet(requested, None)]
        return [SlotSet(requested, value)]


class ActionSaveContact(Action):
    def name(self) -> Text:
        return "action_save_contact"

    async def run(self, dispatcher, tracker: Tracker, domain) -> List[Dict[str, Any]]:
        reach = tracker.get_slot(s.CONTACT_REACH) or ""
        email, phone = (reach, None) if "@" in reach else (None, reach)
        events: List[Dict[str, Any]] = [SlotSet(s.STORE_CONSENT, True), SlotSet(s.SCREEN_CLOSED, None)]
        try:
            summary = tracker.get_slot(s.SCREEN_SUMMARY)
            if summary and not tracker.get_slot(s.SCREEN_SAVED):
                save_screen(tracker.sender_id, summary)
                events.append(SlotSet(s.SCREEN_SAVED, True))
            save_contact_request(tracker.sender_id, tracker.get_slot(s.CONTACT_NAME), email, phone,
                                 tracker.get_slot(s.CONTACT_TIMES))
        except RecordsError:
            logger.exception("Could not save a contact request")  # the message names no detail
            dispatcher.utter_message(response="utter_records_unavailable")
            return events
        dispatcher.utter_message(response="utter_contact_saved")
        return events
