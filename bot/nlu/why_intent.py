"""A "why" that asks nothing is no question about the screen.

"ya heaps harder lately, dunno why" was classified as ask_why: the bot explained why it
asks about effort and asked again, twice, and the runner's yes was lost. When the only
"why" in a message follows "dunno", "no idea", "not sure"... (the runner does not know the
cause of what they report) or gives the runner's own reason ("which is why I'm asking about
glutes": a red flag later in that message was lost to the bot's explanation of its question)
and the message asks nothing (no question mark), the intent
becomes `inform`, and the form reads the answer (and still explains the question when a
runner asks why in so many words).
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.intents import intent_of, set_intent

ASK_WHY = "ask_why"
INFORM = "inform"
_UNKNOWN_CAUSE = re.compile(r"\b(?:dunno|don'?t know|do not know|no idea|not sure|idk|no clue|who knows)\s+why\b"
                            # "... which is why I'm asking about glutes": the runner's own reason
                            r"|\b(?:which is|that'?s|that is|this is|it'?s|its|hence|partly|mainly|mostly)\s+why\b")
_OTHER_WHY = re.compile(r"\b(?:why|how come|what for)\b")


def asks_nothing(text: str) -> bool:
    lowered = text.lower()
    return "?" not in lowered and bool(_UNKNOWN_CAUSE.search(lowered)) \
        and not _OTHER_WHY.search(_UNKNOWN_CAUSE.sub(" ", lowered))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class WhyIntent(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "WhyIntent":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if intent_of(message) == ASK_WHY and asks_nothing(message.get(TEXT) or ""):
                set_intent(message, INFORM)
        return messages
