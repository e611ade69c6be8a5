"""A message that reports a red flag is a red-flag report, whatever else it sounds like.

"cola pee" or "periods stopped months ago" as a first message were classified as goodbye or
stop, and the bot said "take care" or "I've stopped the screen": the red flag was lost
before any form could read it. When the clinical extractor found a red flag that is not
clearly denied (role none or `uncertain`), and the intent is one of those that would end,
restart or sidestep the conversation (any intent but an answer or a question about the
screen; "is it normal to lose my periods?" was read as "are you a bot?"), the intent becomes
`report_red_flag` (confidence 1.0; the classifier's choice stays in the ranking). Questions ("does a racing heart count?"),
answers (inform, affirm, deny, ...) and the input guard's fallbacks keep their intent:
the form reads red flags in those itself, and a correction ("actually it's more like an 8")
keeps its own path.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.clinical_extractor import NEGATED, RED_FLAG
from bot.nlu.input_guard import PROBLEM_ENTITY
from bot.nlu.intents import intent_of, set_intent

REPORT = "report_red_flag"
# Intents that keep their meaning when the message also reports a red flag: answers and
# questions about the screen, which the form and its actions read red flags in themselves.
# Every other intent (goodbye, stop, greet, "are you a bot?", a new intent added later...) is
# overridden: it would close, restart or sidestep the screen, and the red flag would be lost.
KEEPS = {"affirm", "deny", "not_sure", "inform", "ask_why", "ask_define", "correct", REPORT}


def reports_red_flag(entities: List[Dict[str, Any]]) -> bool:
    return any(e.get("entity") == RED_FLAG and e.get("role") != NEGATED for e in entities)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RedFlagIntent(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "RedFlagIntent":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            entities = message.get(ENTITIES) or []
            if intent_of(message) in KEEPS or not reports_red_flag(entities):
                continue
            if any(e.get("entity") == PROBLEM_ENTITY and e.get("value") != "too_long" for e in entities):
                continue  # empty, wordless or not English: the guard's reply stands
            set_intent(message, REPORT)
        return messages
