"""action_stop_screen: the runner stops; the form ends and the answers so far stay unused."""

from rasa_sdk import Action
from rasa_sdk.events import ActiveLoop, SlotSet

from actions import slots as s


class ActionStopScreen(Action):
    def name(self) -> str:
        return "action_stop_screen"

    async def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(response="utter_screen_stopped")
        return [ActiveLoop(None), SlotSet(s.REQUESTED_SLOT, None)]
