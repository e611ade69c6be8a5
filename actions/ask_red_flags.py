"""action_ask_rf_*: the red-flag questions, one group (triage level) at a time.

The wording and the list of red flags come from the knowledge base
(clinic/screening_rules.yml), so a clinician who adds a red flag changes the question too.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod

from rasa_sdk import Action
from rasa_sdk.executor import CollectingDispatcher

from actions import slots as s
from actions.screen_state import knowledge


SHORT_QUESTION = "Have you had any of these?"


def red_flag_question(level: str):
    """The list of one red-flag group, and its buttons. The list goes in a message of its
    own and the buttons with a short question after it: a terminal (rasa shell) cuts a long
    message that carries buttons."""
    group = next(g for g in knowledge().red_flag_groups if g.level == level)
    lines = [group.prompt] + [f"- {flag.question}" for flag in group.flags]
    buttons = [
        {"title": flag.label, "payload": "/inform" + json.dumps({"red_flag": flag.id})}
        for flag in group.flags
    ]
    buttons += [
        {"title": "Not sure", "payload": "/not_sure"},
        {"title": "None of these", "payload": "/deny"},
    ]
    return "\n".join(lines), buttons


class _AskRedFlagGroup(Action, ABC):
    @property
    @abstractmethod
    def level(self) -> str:
        """The triage level whose red flags this action asks about."""

    def name(self) -> str:
        return f"action_ask_{s.RED_FLAG_GROUP_SLOTS[self.level]}"

    async def run(self, dispatcher: CollectingDispatcher, tracker, domain):
        text, buttons = red_flag_question(self.level)
        dispatcher.utter_message(text=text)
        dispatcher.utter_message(text=SHORT_QUESTION, buttons=buttons)
        return []


class ActionAskRfEmergency(_AskRedFlagGroup):
    level = "emergency"


class ActionAskRfUrgentCare(_AskRedFlagGroup):
    level = "urgent_care"


class ActionAskRfSeeClinician(_AskRedFlagGroup):
    level = "see_clinician"


_YES_NO_NOT_SURE = [
    {"title": "Yes", "payload": "/affirm"},
    {"title": "No", "payload": "/deny"},
    {"title": "Not sure", "payload": "/not_sure"},
]


class ActionAskRfConfirm(Action):
    """One short confirm question for red flags said with a negation that may not cancel
    them ("I don't think I passed out"), so a red flag is never dropped silently."""

    def name(self) -> str:
        return f"action_ask_{s.RF_CONFIRM}"

    async def run(self, dispatcher: CollectingDispatcher, tracker, domain):
        kb = knowledge()
        pending = tracker.get_slot(s.RF_PENDING) or []
        flags = [f for f in pending if f in {x.id for x in kb.red_flags}]
        opening = s.OPENING_STORY in pending
        groups = [g for g in kb.red_flag_groups if s.RED_FLAG_GROUP_SLOTS[g.level] in pending or opening]
        questions = [kb.red_flag(f).question for f in flags]
        for group in groups:  # an answer the bot could not tie to one red flag of the group
            questions += [flag.question for flag in group.flags if flag.question not in questions]
        if not questions:
            questions = ["Have you had any of the safety signs I asked about?"]
        if s.TOLD_AS_PAST in pending and flags and not groups:
            # "tore my achilles in 2015, fine since": it happened; what matters is now
            dispatcher.utter_message(text="\n".join(
                ["You told me about this as something in the past. Whether it is going on now "
                 "matters for your safety:"] + [f"- {q}" for q in questions]))
            dispatcher.utter_message(
                text="Is that happening now, or has it come back recently?" if len(questions) == 1 else
                "Is any of that happening now, or has it come back recently?", buttons=_YES_NO_NOT_SURE)
            return []
        lead = ("I couldn't tell whether what you wrote is one of these warning signs, and it matters for your "
                "safety. If it is, I'll ask you which one next." if opening and not flags else
                "I couldn't tell whether what you wrote is one of these, and it matters for your safety."
                if groups and not flags else
                "I want to be sure I read you right, because this matters for your safety.")
        dispatcher.utter_message(text="\n".join([lead] + [f"- {q}" for q in questions]))
        question = "Has that happened to you?" if len(questions) == 1 else "Has any of that happened to you?"
        dispatcher.utter_message(text=question, buttons=_YES_NO_NOT_SURE)
        return []
