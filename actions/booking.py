"""action_booking: how to book, and an offer to have the clinic's team get in touch."""

from rasa_sdk import Action


class ActionBooking(Action):
    def name(self) -> str:
        return "action_booking"

    async def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(response="utter_booking")
        dispatcher.utter_message(response="utter_offer_contact")
        return []
