"""action_define_term: explain a term (glute medius, crossover, gait analysis...) in plain words.

"What does that mean?" after the result, with no term named, explains the result itself.
"""

from rasa_sdk import Action

from actions import slots as s
from actions.welcome import welcome_if_first
from core.clinic import load_clinic
from actions.screen_state import knowledge
from actions.screening.glossary import define
from actions.screening.wording import clinic_values, fill


def result_in_short(triage: str, findings, red_flags=None) -> str:
    kb = knowledge()
    texts = kb.triage[triage]
    parts = [fill(texts.headline, clinic_values(load_clinic())), fill(texts.advice, clinic_values(load_clinic()))]
    known = {x.id for x in kb.red_flags}
    signs = [kb.red_flag(f).label.lower() for f in (red_flags or []) if f in known]
    if signs:
        parts.append("This is because of the warning sign" + ("s" if len(signs) > 1 else "") + " you told me about: "
                     + ", ".join(signs) + ".")
    titles = [kb.finding(f).title for f in (findings or []) if f in {x.id for x in kb.findings}]
    if titles:
        parts.append("What stood out: " + ", ".join(titles) + ".")
    parts.append("Ask me about any word in it, for example 'what is a gait analysis?'.")
    return " ".join(p for p in parts if p)


def result_summary(tracker):
    """The finished screen's result in a few lines, or None while no result is shown."""
    if not tracker.get_slot(s.TRIAGE) or tracker.active_loop_name is not None:
        return None
    return result_in_short(tracker.get_slot(s.TRIAGE), tracker.get_slot(s.FINDINGS), tracker.get_slot(s.RED_FLAGS))


class ActionDefineTerm(Action):
    def name(self) -> str:
        return "action_define_term"

    async def run(self, dispatcher, tracker, domain):
        definition = define(tracker.latest_message.get("text") or "")
        summary = None if definition else result_summary(tracker)
        if definition:
            dispatcher.utter_message(text=definition)
        elif summary:
            dispatcher.utter_message(text="In short: " + summary)
        else:
            dispatcher.utter_message(response="utter_no_definition")
        return welcome_if_first(dispatcher, tracker)
