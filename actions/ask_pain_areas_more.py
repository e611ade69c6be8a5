"""action_ask_pain_areas_more: "anything else hurt?" after a place the runner named before the
pain question (in the first message, at a safety question). Runners open with the worst
complaint; the clinician needs every place that hurts."""

from __future__ import annotations

from rasa_sdk import Action
from rasa_sdk.executor import CollectingDispatcher

from actions import slots as s
from actions.reading import real_pain_areas
from actions.wording import pain_areas_text


class ActionAskPainAreasMore(Action):
    def name(self) -> str:
        return f"action_ask_{s.PAIN_AREAS_MORE}"

    async def run(self, dispatcher: CollectingDispatcher, tracker, domain):
        place = pain_areas_text(real_pain_areas(tracker.slots), tracker.get_slot(s.PAIN_SIDE))
        dispatcher.utter_message(
            text=f"You mentioned pain in {place}. Does anything else hurt when you run? Name it, or say 'just that'.",
            buttons=[{"title": "Just that", "payload": "/deny"}])
        return []
