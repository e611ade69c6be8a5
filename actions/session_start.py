"""action_session_start: every conversation starts with the clinic's details in its slots."""

from rasa_sdk import Action
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet

from actions.clinic_config import clinic_slot_values
from core.clinic import load_clinic


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher, tracker, domain):
        events = [SessionStarted()]
        events += [SlotSet(slot, value) for slot, value in clinic_slot_values(load_clinic()).items()]
        events.append(ActionExecuted("action_listen"))
        return events
