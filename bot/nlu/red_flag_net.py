"""The red-flag safety net in the Rasa pipeline (the model is bot/nlu/red_flag_model.py).

It runs after the ClinicalEntityExtractor. When the lexicon found no red flag at all in a
message (said, hedged or denied), and the model thinks the message may describe one, the
message gets that red flag with role `uncertain`: the form then asks its one confirm
question, exactly as for "I think I might have fainted". It never records a red flag itself.

The model is trained when the server starts, from the examples and the lexicon, so an edit
to either needs a restart and no new Rasa model (like the lexicon itself).
"""

from __future__ import annotations

import logging
import os
import pickle
import re
import tempfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from spacy.lang.en.stop_words import STOP_WORDS

from bot.nlu.clinical_extractor import NEGATED, RED_FLAG, UNCERTAIN, red_flag_levels
from bot.nlu.red_flag_model import (DEFAULT_EXAMPLES, DEFAULT_LEXICON, DEFAULT_NLU, NONE, REPO_ROOT, RedFlagModel,
                                    load_examples)

logger = logging.getLogger(__name__)
NET_NAME = "RedFlagNet"
_WORD = re.compile(r"[A-Za-z]{2,}")
_MODELS: Dict[str, RedFlagModel] = {}
# Words that only say where: "top of my right foot" names a place and nothing that happened.
_WHERE_WORDS = {"top", "bottom", "front", "outside", "inside", "outer", "inner", "side", "sides", "middle", "centre",
                "center", "lower", "upper", "area", "part", "bit", "base", "edge", "left", "right", "both", "round",
                "near", "under", "behind", "along", "high", "low", "l", "r"}


# "no. breathing fine, no chest stuff": a no, and every part of the rest denies or is fine
_LEADING_NO = re.compile(r"^\W*(?:no|nope|nah|none|never|negative|not really)\b[\s,.!;:-]*")
_DENYING_PART = re.compile(r"\b(?:no|not|never|none|nothing|without|fine|ok|okay|good|normal|alright)\b|n't\b")


def plain_denial(text: str) -> bool:
    lowered = text.lower()
    leading = _LEADING_NO.match(lowered)
    if not leading:
        return False
    parts = [p for p in re.split(r"[,.;!?]+|\band\b", lowered[leading.end():]) if p.strip()]
    return all(_DENYING_PART.search(p) for p in parts)


def only_places(text: str, entities: List[Dict[str, Any]]) -> bool:
    """True when every word of the message is a body part, a side or a word of where."""
    chars = list(text.lower())
    for e in entities:
        if e.get("entity") in ("body_part", "side") and "start" in e and "end" in e:
            chars[e["start"]:e["end"]] = " " * (e["end"] - e["start"])
    rest = [w for w in _WORD.findall("".join(chars)) if w not in STOP_WORDS and w not in _WHERE_WORDS]
    return not rest


def build_model(examples_dir: str = DEFAULT_EXAMPLES, nlu_dir: str = DEFAULT_NLU,
                lexicon_path: str = DEFAULT_LEXICON) -> RedFlagModel:
    """The model for these examples, trained once per set of examples: kept in memory for the
    process and on disk (models/, beside the Rasa model) for the next server start, as the
    seeded training gives the same model for the same examples."""
    examples = load_examples(red_flag_levels(), examples_dir, nlu_dir, lexicon_path)
    key = examples.fingerprint()
    if key not in _MODELS:
        _MODELS[key] = _load_saved(key) or _train_and_save(examples, key)
    return _MODELS[key]


def _saved_path(key: str) -> Path:
    import sklearn

    return REPO_ROOT / "models" / f"red-flag-net-{key}-sklearn{sklearn.__version__}.pkl"


def _load_saved(key: str) -> Optional[RedFlagModel]:
    path = _saved_path(key)
    try:
        with path.open("rb") as file:
            model = pickle.load(file)  # written by _train_and_save on this machine, never downloaded
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    if getattr(model, "fingerprint", None) != key:
        return None
    logger.info("red-flag net loaded from %s", path.name)
    return model


def _train_and_save(examples, key: str) -> RedFlagModel:
    model = RedFlagModel(examples)
    logger.info("red-flag net trained on %d examples (%s)", len(examples.texts), key)
    path = _saved_path(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, delete=False, suffix=".tmp") as file:
            pickle.dump(model, file)
        os.replace(file.name, path)  # atomic: servers starting together never read half a file
    except OSError as exc:
        logger.warning("red-flag net not saved (%s): the next start trains it again", exc)
    return model


@dataclass(frozen=True)
class NetSettings:
    threshold: float = 0.5            # a guess where the lexicon found no red flag
    together: float = 1.0             # ... or several red flags this likely together
    floor: float = 0.15               # (each of them at least this likely)
    escalate_threshold: float = 0.7   # a more urgent guess than the lexicon's
    doubt_threshold: float = 1.0      # a red flag the lexicon read as denied
    min_words: int = 4


def net_guess(model: RedFlagModel, text: str, entities: List[Dict[str, Any]], settings: NetSettings,
              urgency: Dict[str, int]) -> Optional[Dict[str, Any]]:
    """The uncertain red flag to add to a message, or None.

    The model's guess is its likeliest red flag; when none is likely alone but together
    they are ("went wobbly and next thing I was on the grass": confusion 0.4, fainting 0.2),
    the most urgent of those above `floor`.
    - Where the lexicon found no red flag: a guess of at least `threshold` (`together`).
    - Where it found others: only a more urgent guess, at `escalate_threshold` or more ("I've
      been throwing up since the race and my head is killing me" is more than bad pain).
    - Where it found one denied: the same one guessed at `doubt_threshold` or more.
    `urgency` ranks red flags, 0 the most urgent (clinical_extractor.red_flag_levels).
    """
    if text.lstrip().startswith("/") or len(_WORD.findall(text)) < settings.min_words:
        return None  # a button payload, "yes", "no", "both legs", a number
    if only_places(text, entities) or plain_denial(text):
        return None
    scores = model.scores([text])[0]
    flags = {flag: p for flag, p in scores.items() if flag != NONE}
    flag = max(flags, key=flags.get)
    probability = flags[flag]
    if probability < settings.threshold:
        likely = [f for f, p in flags.items() if p >= settings.floor]
        probability = sum(flags[f] for f in likely)
        if not likely or probability < settings.together:
            return None
        flag = min(likely, key=lambda f: urgency[f])
    found = [e for e in entities if e.get("entity") == RED_FLAG]
    denied = {e.get("value") for e in found if e.get("role") == NEGATED}
    read = {e.get("value") for e in found} - denied
    if found:
        if flag in read:
            return None
        if flag in denied:
            if probability < settings.doubt_threshold:
                return None
        # a more urgent guess must be likely on its own: the sum of a "together" guess holds
        # the lexicon's own red flag too ("back ache, then my thigh went numb": nerve + saddle)
        elif not read or flags[flag] < settings.escalate_threshold \
                or urgency[flag] >= min(urgency[x] for x in read if x in urgency):
            return None
    return {"entity": RED_FLAG, "start": 0, "end": len(text), "value": flag, "role": UNCERTAIN,
            "confidence_entity": round(probability, 3)}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class RedFlagNet(GraphComponent, EntityExtractorMixin):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"examples_dir": DEFAULT_EXAMPLES, "nlu_dir": DEFAULT_NLU, "lexicon_path": DEFAULT_LEXICON,
                **asdict(NetSettings())}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.config = {**self.get_default_config(), **config}
        self.settings = NetSettings(**{f.name: type(f.default)(self.config[f.name]) for f in fields(NetSettings)})
        self.urgency = red_flag_levels()
        self.model = build_model(self.config["examples_dir"], self.config["nlu_dir"], self.config["lexicon_path"])

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "RedFlagNet":
        return cls(config)

    @property
    def name(self) -> Text:
        return NET_NAME

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            entities = message.get(ENTITIES) or []
            guess = net_guess(self.model, text, entities, self.settings, self.urgency)
            if guess:
                message.set(ENTITIES, entities + self.add_extractor_name([guess]), add_to_output=True)
        return messages
