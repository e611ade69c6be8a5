"""action_booking: how to book, and an offer to have the clinic's team get in touch.

After an emergency, urgent-care or see-a-clinician result a gait analysis is not the next
step: the runner is reminded of the step their result names, and given the clinic's
contact instead of a booking offer.
"""

from rasa_sdk import Action

from actions import slots as s
from core.clinic import load_clinic
from actions.screen_state import knowledge
from actions.screening import vocabulary as v
from actions.screening.wording import clinic_values, fill


class ActionBooking(Action):
    def name(self) -> str:
        return "action_booking"

    async def run(self, dispatcher, tracker, domain):
        triage = tracker.get_slot(s.TRIAGE)
        if triage in v.STOPPING_LEVELS:
            headline = fill(knowledge().triage[triage].headline, clinic_values(load_clinic()))
            dispatcher.utter_message(text=f"A gait analysis can wait: your result says the first step is this. {headline}")
            dispatcher.utter_message(response="utter_human_handoff")
            return []
        dispatcher.utter_message(response="utter_booking")
        dispatcher.utter_message(response="utter_offer_contact")
        return []
