"""action_stop_screen: the runner stops; the form ends, and without consent nothing is kept."""

import re

from rasa_sdk import Action
from rasa_sdk.events import ActiveLoop, SlotSet

from actions import slots as s


class ActionStopScreen(Action):
    def name(self) -> str:
        return "action_stop_screen"

    async def run(self, dispatcher, tracker, domain):
        from actions.reading import says_steering
        from actions.welcome import never_welcomed, welcome

        text = (tracker.latest_message.get("text") or "").lower()
        if tracker.active_loop_name is None and not says_steering(text):
            if never_welcomed(tracker):
                # "Evening! Thought I'd give this a go" misread as stop: nothing has started,
                # so there is nothing to stop, and the runner gets the welcome
                return welcome(dispatcher, tracker)
            # no screen running and no request to stop in so many words ("I don't quite
            # follow"): saying "stopped" again would go round in circles
            from actions.rephrase import ActionRephrase

            return await ActionRephrase().run(dispatcher, tracker, domain)
        dispatcher.utter_message(response="utter_screen_stopped")
        events = [ActiveLoop(None), SlotSet(s.REQUESTED_SLOT, None)]
        if tracker.get_slot(s.STORE_CONSENT) is not True:
            # Nothing is kept without consent: closing lets the tracker store delete the chat.
            events.append(SlotSet(s.SCREEN_CLOSED, True))
        return events


# Greetings the intent classifier has taken for goodbyes ("g'day" is Australian for hello)
HELLO = re.compile(r"^(?:g'?day|g day|gday|gidday|hiya|howdy|hello|hi|hey|heya|yo|oi)\b(?!.*\b(?:bye|later|cya|see ya)\b)")


class ActionGoodbye(Action):
    """Goodbye ends the conversation: without consent the tracker store then deletes it."""

    def name(self) -> str:
        return "action_goodbye"

    async def run(self, dispatcher, tracker, domain):
        from actions.welcome import never_welcomed, welcome

        text = (tracker.latest_message.get("text") or "").strip().lower()
        if tracker.active_loop_name is None and (never_welcomed(tracker) or HELLO.match(text)):
            # "g'day" taken for a goodbye: as the very first message there is nothing to end,
            # so it gets the welcome (whoever meant to leave just does not answer); a hello
            # is never a goodbye
            return welcome(dispatcher, tracker)
        dispatcher.utter_message(response="utter_goodbye")
        if tracker.get_slot(s.STORE_CONSENT) is not True:
            return [SlotSet(s.SCREEN_CLOSED, True)]
        return []
