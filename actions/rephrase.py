"""action_rephrase: low-confidence or unreadable input outside the form gets a clear reply."""

from rasa_sdk import Action

from actions import slots as s
from actions.reading import INPUT_PROBLEM_RESPONSE, Message
from actions.welcome import answer_to_welcome, never_welcomed, welcome


class ActionRephrase(Action):
    def name(self) -> str:
        return "action_rephrase"

    async def run(self, dispatcher, tracker, domain):
        problem = Message.from_latest(tracker.latest_message).input_problem
        if problem is None:
            # "ok I guess? keep it I suppose" right after "Shall we start?" is an answer to it,
            # however unsure the intent classifier was
            started = answer_to_welcome(dispatcher, tracker)
            if started is not None:
                return started
        first = never_welcomed(tracker)
        if not (first and problem is None):
            # (a first message the classifier was unsure of, "Coach here, trying this out" or
            # "is this the thing for IT band problems?", is answered by the welcome, noting any
            # facts in it, with no "sorry, I didn't follow" before it)
            dispatcher.utter_message(response=INPUT_PROBLEM_RESPONSE.get(problem, "utter_rephrase"))
        if first:  # a first message the bot could not read still gets the welcome
            return welcome(dispatcher, tracker, keep_facts=problem is None)
        if tracker.get_slot(s.TRIAGE) is None:
            dispatcher.utter_message(text="If you'd like to begin the screen, just type 'start'.")
        return []


class ActionOutOfScope(Action):
    """Something the screener does not cover, outside the screen: a short redirect, and the
    welcome (with the message's facts kept) when the conversation has not had it yet."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(response="utter_out_of_scope")
        if never_welcomed(tracker):
            return welcome(dispatcher, tracker)
        return []
