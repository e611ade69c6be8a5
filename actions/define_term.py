"""action_define_term: explain a term (glute medius, crossover, gait analysis...) in plain words."""

from rasa_sdk import Action

from actions.screening.glossary import define


class ActionDefineTerm(Action):
    def name(self) -> str:
        return "action_define_term"

    async def run(self, dispatcher, tracker, domain):
        definition = define(tracker.latest_message.get("text") or "")
        if definition:
            dispatcher.utter_message(text=definition)
        else:
            dispatcher.utter_message(response="utter_no_definition")
        return []
