"""action_start_over: clear every answer and the result; a rule then starts the form again."""

from rasa_sdk import Action
from rasa_sdk.events import SlotSet

from actions import slots as s
from actions.questions import SCREEN_SLOTS


class ActionStartOver(Action):
    def name(self) -> str:
        return "action_start_over"

    async def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(response="utter_start_over")
        events = [SlotSet(slot, None) for slot in SCREEN_SLOTS]
        events.append(SlotSet(s.FAILED_ATTEMPTS, 0))
        events.append(SlotSet(s.REQUESTED_SLOT, None))
        return events
