"""Turns empty, wordless, very long or clearly non-English messages into nlu_fallback."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from spacy.lang.en.stop_words import STOP_WORDS

from bot.nlu.intents import set_intent
from core.clinic import max_message_chars

PROBLEM_ENTITY = "input_problem"
# The longest message is `max_message_chars` in clinic/clinic.yml, the same number the channels
# check before a message reaches Rasa (bot/channels/limits.py); this guard is the last line,
# for `rasa shell` and the HTTP API.

# Everyday English and running words. Together with spaCy's stop words and the clinic
# lexicon this is the vocabulary the language check counts against; it is only used to
# spot messages where nearly nothing is English, so it can stay small.
_COMMON = """
able ache aches aching achy actually add advice again ago agree ahead all almost alone also
always am amazing an and another answer any anyway app appointment are area arm around ask
asked asking awful back bad badly balance ball band bang bar barely be because bed been before
begin behind being bend bent best better big bike bit bloody body bone book booking booked boot
bot both bother bottom break breath bruise bruised build built bump burn burning busy but butt
buy bye call calm came can cant car care careful case cause caused cheers chest clinic close
coach cold come comes coming commute completely cool could couldnt couple course cramp cramps
cross cycle daily damn day days deal definitely desk did didnt die diet different do doc doctor
does doesnt doing done dont down downhill drive drop dropped dull during each earlier early easy
easily effort else end ended enough even evening ever every everything exactly exercise
exercises fair fall far fast feel feeling feels feet fell felt few fine finish finished first
fit fix flare flares flat floor foam foot for forget forgot forward free friday friend from
front full fun funny further gait gave get gets getting give glad go goes going gone good got
great ground gym had half hand happen happened happens hard harder has hate have havent having
he hello help her here hey hi high hill hills him his hit hold holding home hope hot hour hours
how hurt hurting hurts i idea if ill im in injured injury inside into is isnt it its itch job
jog jogging joke just keep keeps kick kicked kind knee know known last late later lately lean
least leg legs less let level lie life lift light like little live long longer look looks lot
lots loud love low lying made make makes man many marathon maybe me mean meant means mid might
mile miles mind minute minutes miss mode monday month months more morning most mostly move much
must my myself name near need needs never new next nice night no none nope normal not nothing
now number of off ok okay old on once one only open or other our out outside over own pace pain
painful part past people person pet phone physio pick place plan please plus point pop pretty
probably problem problems pull pulled push put question quick quite race races rain rarely
rate rather really reason recently recovery relax rest resting right road roll rolled rough
run runner runners running runs said same saturday say says second seconds see seem seems seen
sent session set sharp she shoe shoes short should shouldnt side sit sitting sleep slight
slightly slow small so some someone something sometimes soon sore soreness sorry sort speak
speed spot sprint squat squeeze stairs stand standing start started starting stay step steps
stiff stiffness still stop stopped straight strain strength stretch stretching stride strong
stuff sunday sure swelling swollen take taken talk tell tempo tender tendon than thank thanks
that the their them then there these they thing things think this those though thought through
thursday tight tightness time times tiny tired to today toe toes together told too took top
totally track trail train trainer training treadmill tried trouble true try trying tuesday
turn twice twinge ugh uh um under understand until up uphill upper us use usual usually very
walk walking want wanted warm was wasnt watch way we wear wednesday week weekend weekly weeks
weird well went were what whatever when where whether which while who why will with without
wont work working workout worry worse worst would wouldnt wow wrong yeah year years yep yes yet
you your yours yup zero couldn wasn doesn didn isn aren haven hasn shouldn wouldn
kills killing killer niggle niggles niggly twinges tweak tweaked sore stabbing throbbing hammy
hammies ITB itbs glute glutes quads calves shins splints lol haha hmm ok thx ty pls plz cuz
cos coz gonna wanna gotta kinda sorta dunno yea ya nah nope
hrs hr mins min secs prob probs tbh idk rn ngl btw imo omg lmao smth bc abt approx ish rly tho thru
u ur parkrun pb km
""".split()
ENGLISH_WORDS = frozenset(w.lower() for w in _COMMON) | frozenset(STOP_WORDS)

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)


def _english_vocabulary() -> frozenset:
    from bot.nlu.clinical_extractor import build_nlp  # lexicon words count as English

    try:
        known = build_nlp().known
    except Exception:  # the extractor reports lexicon errors itself
        known = set()
    return ENGLISH_WORDS | frozenset(known)


def input_problem(text: Optional[Text], vocabulary: frozenset = ENGLISH_WORDS,
                  max_chars: Optional[int] = None) -> Optional[Text]:
    """Why this message cannot be understood, or None when it looks fine.

    `max_chars` defaults to `max_message_chars` in clinic/clinic.yml.
    """
    if text is None or not text.strip():
        return "empty"
    if len(text) > (max_message_chars() if max_chars is None else max_chars):
        return "too_long"
    words = [w.lower() for w in _WORD.findall(text)]
    if not words:
        return None if re.search(r"\d", text) else "no_words"
    if len(words) >= 3 and _looks_foreign(words, vocabulary):
        return "not_english"
    return None


def _looks_foreign(words: List[str], vocabulary: frozenset) -> bool:
    from bot.nlu.clinical_extractor import _dictionary_words, base_norm

    def known(word: str) -> bool:
        bare = word.replace("'", "")
        return (
            word in vocabulary
            or bare in vocabulary
            or base_norm(word) in vocabulary
            or word.split("'")[0] in vocabulary
        )

    known_words = [known(w) for w in words]
    hits = sum(known_words)
    # Conservative: only when (almost) nothing is English. The small vocabulary above misses
    # most of the language ("lectures + gaming prob 10+ hrs lol" was refused as not English),
    # so a full English word list has the last word; it counts only words of four letters or
    # more, because it also holds many short words of other languages ("la", "en", "mal").
    if hits / len(words) >= 0.25 or hits > 1:
        return False
    dictionary = _dictionary_words()
    words_in_dictionary = sum(1 for w, k in zip(words, known_words) if k or (len(w) >= 4 and (
        w in dictionary or base_norm(w) in dictionary)))
    return words_in_dictionary / len(words) < 0.5


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class InputGuard(GraphComponent):
    """Sets nlu_fallback (confidence 1.0) and an `input_problem` entity on unusable input."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.config = config
        self.vocabulary = _english_vocabulary()
        self.max_chars = max_message_chars()  # read when the model is loaded

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> InputGuard:
        return cls(config)

    def check(self, text: Optional[Text]) -> Optional[Text]:
        return input_problem(text, self.vocabulary, self.max_chars)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            problem = self.check(text)
            if problem is None:
                continue
            set_intent(message, DEFAULT_NLU_FALLBACK_INTENT_NAME)
            entity = {
                "entity": PROBLEM_ENTITY,
                "start": 0,
                "end": len(text or ""),
                "value": problem,
                "confidence_entity": 1.0,
                "extractor": self.__class__.__name__,
            }
            message.set(ENTITIES, (message.get(ENTITIES) or []) + [entity], add_to_output=True)
        return messages
