"""Rule-based clinical entities: lexicon phrases, sides, numbers and negation (negspacy)."""

from __future__ import annotations

import importlib.util
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from functools import lru_cache
from typing import Any, Dict, FrozenSet, List, Optional, Sequence, Set, Text, Tuple

import spacy
import yaml
from negspacy.negation import Negex
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_LEXICON = "clinic/lexicon.yml"
EXTRACTOR_NAME = "ClinicalEntityExtractor"
NEGATED = "negated"

# The red flags and their levels come from the knowledge base, the one place they are
# declared; the lexicon must give every one of them phrases.
KNOWLEDGE_BASE = "clinic/screening_rules.yml"
RED_FLAG = "red_flag"
NEGATION_KEYS = ("preceding", "following", "pseudo", "termination")
GAP_MAX = 4  # words a "..." may skip
# A side may sit inside a place's name ("front of my right hip"); it stays a side as well.
SIDE_IN_PLACE = {"left": "left", "lft": "left", "right": "right", "rite": "right", "both": "both"}
SIDE_WORDS_IN_PLACES = tuple(SIDE_IN_PLACE)
# Red flags are told in longer stories ("threw up a few times and had the most horrendous
# headache"): their "..." may skip more words.
RED_FLAG_GAP_MAX = 7
RED_FLAG_GAP_STOPS = [".", "!", "?", ";", "but", "however", "though", "although", "except", "whereas"]
MAX_VARIANTS = 400  # a phrase with (a|b) groups may stand for at most this many phrases
# Only these types get typo tolerance: their words are rare in everyday English.
TYPO_TYPES = ("body_part", "injury", "gait_sign", RED_FLAG)
NEGATION_NORMS = {"not", "no", "never", "nothing", "none", "neither", "nor", "without"}
# Following cues ("fine", "ok") do not cancel injury history ("pulled hammy last year, fine
# now") nor a red flag ("passed out at the finish, fine now"; "calf swollen, not painful").
NO_FOLLOWING_NEGATION = {"injury", RED_FLAG}
# A red flag counts as denied only when a negation cue stands right before it ("no chest
# pain", "never fainted"); a negation further away may or may not reach it, so the role is
# UNCERTAIN and the conversation asks the runner to confirm.
UNCERTAIN = "uncertain"
CLEAR_DENIAL_GAP = 2  # words allowed between the cue and the red flag ("haven't ever fainted")
LIST_JOINERS = {",", "or", "nor", "and", "/"}
# Negation cues for body parts that say a red flag was there ("got rid of the night pain"):
# never a denial of one.
NO_DENIAL_CUES = {"got rid of", "get rid of", "comfy on", "comfortable on"}
# "I don't think I fainted" is not a denial: ask.
HEDGES = {"think", "believe", "remember", "recall", "know", "sure", "reckon", "suppose", "guess"}


# `ask_to_check` in the lexicon: words that together may mean a red flag the phrases did not
# catch ("calf" + "puffy"). They never report a red flag; they make it UNCERTAIN, so the
# runner gets one confirm question instead of the red flag being lost to an unusual wording.
ASK_TO_CHECK = "ask_to_check"


class LexiconError(ValueError):
    """The lexicon file is malformed; the message names the file and the entry."""


def _red_flags(path: Text) -> List[Tuple[int, Dict[str, Any]]]:
    """(urgency rank, red flag entry) of every red flag in the knowledge base."""
    file = resolve_lexicon_path(path)
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        return [(rank, dict(flag)) for rank, group in enumerate(data["red_flag_groups"]) for flag in group["flags"]]
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise LexiconError(f"{file}: cannot read the red flags of the knowledge base ({exc})")


def red_flag_levels(path: Text = KNOWLEDGE_BASE) -> Dict[str, int]:
    """Red flag id -> urgency rank (0 = most urgent group), read from the knowledge base."""
    return {flag["id"]: rank for rank, flag in _red_flags(path)}


def asked_when_past(path: Text = KNOWLEDGE_BASE) -> FrozenSet[str]:
    """Red flags that, told as over, are asked about (the knowledge base's `past_counts`)."""
    return frozenset(flag["id"] for _, flag in _red_flags(path) if not flag.get("past_counts"))


def _load_vocabulary() -> Dict[str, Tuple[str, ...]]:
    path = REPO_ROOT / "actions" / "screening" / "vocabulary.py"
    spec = importlib.util.spec_from_file_location("_screening_vocabulary", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return {
        "body_part": tuple(module.BODY_AREAS),
        "side": tuple(module.SIDES),
        "timing": tuple(module.PAIN_TIMINGS),
        "injury": tuple(module.INJURIES),
        "gait_sign": tuple(module.GAIT_SIGNS),
        RED_FLAG: tuple(red_flag_levels()),
        "check_fault": tuple(module.BALANCE_FAULTS) + tuple(module.DONKEY_FAULTS),
        "effort": tuple(module.EFFORT),
    }


@dataclass
class Lexicon:
    path: Path
    # (entity type, canonical id, phrase) in file order
    phrases: List[Tuple[str, str, str]] = field(default_factory=list)
    negation: Dict[str, List[str]] = field(default_factory=dict)
    number_words: Dict[str, float] = field(default_factory=dict)
    # (red flag id, "cue|cue + cue|cue") from `ask_to_check`, in file order
    ask_to_check: List[Tuple[str, str]] = field(default_factory=list)
    # how runners shorten everyday words: "aftr" -> "after", "rly" -> "really"
    spellings: Dict[str, str] = field(default_factory=dict)
    # "back to normal after a minute", "always been like that": a red flag said with these is
    # asked about (it may be the usual kind), never taken as said and never dropped
    ordinary: List[str] = field(default_factory=list)


def resolve_lexicon_path(path: Text) -> Path:
    candidate = Path(path)
    if candidate.is_absolute() or candidate.exists():
        return candidate
    return REPO_ROOT / candidate


def load_lexicon(path: Text = DEFAULT_LEXICON) -> Lexicon:
    """Reads and validates the clinic lexicon; raises LexiconError naming file and entry."""
    file = resolve_lexicon_path(path)
    where = str(file)
    try:
        # BaseLoader keeps every scalar a string: "no" and "on" are phrases, not booleans.
        raw = yaml.load(file.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    except FileNotFoundError:
        raise LexiconError(f"{where}: lexicon file not found")
    except yaml.YAMLError as e:
        raise LexiconError(f"{where}: not valid YAML: {e}")
    if not isinstance(raw, dict) or not isinstance(raw.get("entities"), dict):
        raise LexiconError(f"{where}: needs a top-level 'entities' mapping")

    vocabulary = _load_vocabulary()
    lexicon = Lexicon(path=file)
    for entity_type, ids in raw["entities"].items():
        if entity_type not in vocabulary:
            raise LexiconError(
                f"{where}: entities.{entity_type}: unknown entity type "
                f"(expected one of {', '.join(vocabulary)})"
            )
        if not isinstance(ids, dict):
            raise LexiconError(f"{where}: entities.{entity_type}: must map ids to phrase lists")
        for canonical, phrases in ids.items():
            entry = f"entities.{entity_type}.{canonical}"
            if canonical not in vocabulary[entity_type]:
                raise LexiconError(
                    f"{where}: {entry}: '{canonical}' is not a {entity_type} id "
                    f"(allowed: {', '.join(vocabulary[entity_type])})"
                )
            if not isinstance(phrases, list) or not phrases:
                raise LexiconError(f"{where}: {entry}: needs a non-empty list of phrases")
            for phrase in phrases:
                if not isinstance(phrase, str) or not phrase.strip():
                    raise LexiconError(f"{where}: {entry}: bad phrase {phrase!r}")
                lexicon.phrases.append((entity_type, canonical, phrase.strip().lower()))

    named = {canonical for label, canonical, _ in lexicon.phrases if label == RED_FLAG}
    missing = [flag for flag in vocabulary[RED_FLAG] if flag not in named]
    if missing:
        raise LexiconError(
            f"{where}: entities.red_flag: no phrases for {', '.join(missing)} (every red flag "
            f"in {KNOWLEDGE_BASE} needs phrases, or typed text can never report it)"
        )

    negation = raw.get("negation") or {}
    for key in NEGATION_KEYS:
        cues = negation.get(key)
        if not isinstance(cues, list):
            raise LexiconError(f"{where}: negation.{key}: needs a list of phrases")
        for cue in cues:
            if not isinstance(cue, str) or not cue.strip():
                raise LexiconError(f"{where}: negation.{key}: bad phrase {cue!r}")
        lexicon.negation[key] = [c.strip().lower() for c in cues]

    checks = raw.get(ASK_TO_CHECK) or {}
    if not isinstance(checks, dict):
        raise LexiconError(f"{where}: {ASK_TO_CHECK}: must map red flag ids to lists of cue sets")
    for flag, combos in checks.items():
        entry = f"{ASK_TO_CHECK}.{flag}"
        if flag not in vocabulary[RED_FLAG]:
            raise LexiconError(f"{where}: {entry}: '{flag}' is not a red flag id "
                               f"(allowed: {', '.join(vocabulary[RED_FLAG])})")
        if not isinstance(combos, list) or not combos:
            raise LexiconError(f"{where}: {entry}: needs a non-empty list of cue sets")
        for combo in combos:
            if not isinstance(combo, str) or not combo.strip() or any(
                    not part.strip() or any(not alt.strip(" *") for alt in part.split("|"))
                    for part in combo.split(" + ")):
                raise LexiconError(f"{where}: {entry}: bad cue set {combo!r} "
                                   f"(words joined by |, sets joined by ' + ')")
            lexicon.ask_to_check.append((flag, combo.strip().lower()))

    ordinary = raw.get("ordinary") or []
    if not isinstance(ordinary, list):
        raise LexiconError(f"{where}: ordinary: needs a list of phrases")
    for phrase in ordinary:
        if not isinstance(phrase, str) or not phrase.strip() or "..." in phrase:
            raise LexiconError(f"{where}: ordinary: bad phrase {phrase!r} (plain words, a|b allowed)")
        lexicon.ordinary.append(phrase.strip().lower())

    spellings = raw.get("spellings") or {}
    if not isinstance(spellings, dict):
        raise LexiconError(f"{where}: spellings: must map words to lists of the ways runners type them")
    for word, variants in spellings.items():
        if not isinstance(variants, list) or not variants or len(str(word).split()) != 1:
            raise LexiconError(f"{where}: spellings.{word}: needs one word and a non-empty list")
        for variant in variants:
            if not isinstance(variant, str) or len(variant.split()) != 1:
                raise LexiconError(f"{where}: spellings.{word}: bad variant {variant!r} (one word)")
            lexicon.spellings[base_norm(variant)] = base_norm(str(word))

    for word, value in (raw.get("number_words") or {}).items():
        try:
            lexicon.number_words[str(word).lower()] = float(value)
        except (TypeError, ValueError):
            raise LexiconError(f"{where}: number_words.{word}: value {value!r} is not a number")
    return lexicon


def _damerau(a: str, b: str) -> int:
    rows = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        rows[i][0] = i
    for j in range(len(b) + 1):
        rows[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[-1][-1]


def _deletes(word: str, depth: int) -> Set[str]:
    out, frontier = {word}, {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


# Acronyms ending in "s" that are not plurals ("ITBS" is not two ITBs).
NOT_PLURAL = {"itbs", "pfps", "mtss", "gtps", "bsis", "itbfs"}
# Bare "during" / "after" are timings only at the end of a phrase: "during and after".
BARE_TIMING = {"during", "after"}
BARE_TIMING_NEXT = {"", "and", "or", "too", "as", "&", "/", ",", ".", "!", "?", "mostly", "mainly"}


def _stems(word: str) -> List[str]:
    """What an inflected word may come from: "twinged" twinge, "tripped" trip."""
    out = []
    for suffix in ("ing", "ed", "es", "s", "d"):
        stem = word[:-len(suffix)]
        if word.endswith(suffix) and len(stem) >= 3:
            out += [stem, stem + "e"] + ([stem[:-1]] if stem[-1] == stem[-2] else [])
    return out


_FINE_WORDS = {"fine", "normal", "ok", "okay", "good", "grand", "alright", "great", "perfect", "unaffected"}
_LINKS = {"'s", "is", "was", "are", "were", "feels", "felt", "seems", "been", "has", "totally", "completely",
          "perfectly", "all", "absolutely", "100", "%", "about", "around",
          "home", "back", "off", "afterwards"}  # "walked home fine"


_CONDITIONS = {"when", "while", "whilst", "until", "unless", "except", "apart", "if", "at", "sitting", "lying",
               "but", "till", "til", "on", "in", "most", "mostly", "once", "before"}


def _denies(doc: Doc, i: int) -> bool:
    """A negation or good news inside a gapped phrase; "more out of breath than normal" is a
    comparison, no good news."""
    if doc[i].norm_ in NEGATION_NORMS:
        return True
    return doc[i].norm_ in GOOD_NEWS_NORMS and not (i > 0 and doc[i - 1].lower_ in ("than", "from"))


def _fine_after(lowers: List[str], end: int) -> bool:
    """A cue followed by good news ("breathing fine", "my breathing's normal"): not a cue."""
    if lowers[end - 1] in ("beyond", "than", "not", "above", "past", "outside", "worse", "unlike"):
        return False  # "way beyond normal DOMS"
    i = end
    while i < len(lowers) and i - end < 3 and lowers[i] in _LINKS:
        i += 1
    if i >= len(lowers) or lowers[i] not in _FINE_WORDS:
        return False
    # "groin is fine when I'm sitting": good news only some of the time is no good news;
    # "breathing is fine, before you ask" is no condition
    after = lowers[i + 1:i + 4]
    if after[:1] == [","] and after[1:2] == ["before"] and after[2:3] in (["you"], ["u"]):
        return True
    return not any(w in _CONDITIONS for w in after[:2])


def _forms(stem: str) -> Set[str]:
    return {stem + ending for ending in ("", "s", "es", "d", "ed", "ing", stem[-1] + "ed", stem[-1] + "ing")} \
        | {stem[:-1] + "ing"}


def _doubles(stem: str) -> bool:
    """A short word that doubles its last letter before an ending: hop, hopped, hopping."""
    vowels = "aeiou"
    return 3 <= len(stem) <= 4 and stem.isalpha() and stem[-1] not in vowels + "wxy" \
        and stem[-2] in vowels and stem[-3] not in vowels


def _regular_forms(stem: str) -> Set[str]:
    """The spellings of a common word's endings: "hope" hoping, "stop" stopped (not "stoped")."""
    if stem.endswith("e"):
        return {stem, stem + "s", stem + "d", stem[:-1] + "ing"}
    if _doubles(stem):
        return {stem, stem + "s", stem + stem[-1] + "ed", stem + stem[-1] + "ing"}
    return {stem, stem + "s", stem + "es", stem + "ed", stem + "ing"}


def base_norm(text: str) -> str:
    """Case, apostrophes, contractions and a plural -s folded away."""
    t = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    if t in ("n't", "nt", "not"):
        return "not"
    if t == "ca":  # "can't" -> "ca" + "n't"
        return "can"
    if t == "wo":  # "won't"
        return "will"
    if t in ("'s", "s"):
        return "'s"
    if t.endswith("'s"):
        t = t[:-2]
    t = t.strip("'")
    if len(t) > 3 and t.endswith("s") and not t.endswith("ss") and t.isalpha() and t not in NOT_PLURAL:
        t = t[:-1]
    return t


# Cues after a comma that still speak of what came before it
# ("not pain exactly, more an ache" is still a complaint)
_COMMA_REACHING = re.compile(r"^(?:not|never) (?:really )?(?:pain|painful|sore)\b(?! (?:exactly|as such|more|but))")


class _ScopedNegex(Negex):
    """Negex whose cues never come from inside an entity, with list-aware comma scoping."""

    def process_negations(self, doc: Doc):
        # negspacy drops any cue that starts where a pseudo-negation ends (it compares with
        # `<=`), so in "No, no chest pain" the pseudo "no ," swallowed the real "no" after it.
        # Here a cue is pseudo only when it starts inside the pseudo phrase.
        matches = self.matcher(doc)
        label = self.nlp.vocab.strings
        pseudo = [(start, end) for match_id, start, end in matches if label[match_id] == "pseudo"]
        found: Dict[str, list] = {"Preceding": [], "Following": [], "Termination": []}
        for match_id, start, end in matches:
            kind = label[match_id]
            if kind in found and not any(p_start <= start < p_end for p_start, p_end in pseudo):
                found[kind].append((match_id, start, end))
        preceding, following, terminating = found["Preceding"], found["Following"], found["Termination"]
        inside = set()
        for ent in doc.ents:
            inside.update(range(ent.start, ent.end))

        def outside(matches):
            return [m for m in matches if not inside.intersection(range(m[1], m[2]))]

        preceding, following = outside(preceding), outside(following)
        # a termination word inside a cue ("so" in "not so much in") ends nothing
        cue_tokens = {i for m in preceding + following for i in range(m[1], m[2])}
        terminating = [m for m in outside(terminating) if not cue_tokens.intersection(range(m[1], m[2]))]
        return preceding, following, terminating

    def _comma_breaks(self, doc: Doc) -> List[int]:
        # A comma ends the scope unless it separates a list of same-type mentions
        # ("no pain in my knees, shins or calves").
        end_label = {ent.end: ent.label_ for ent in doc.ents}
        start_label = {ent.start: ent.label_ for ent in doc.ents}
        breaks = []
        for token in doc:
            if token.text != ",":
                continue
            nxt = token.i + 1
            while nxt < len(doc) and doc[nxt].lower_ in ("and", "or", "nor"):
                nxt += 1
            after = " ".join(t.lower_ for t in doc[token.i + 1:token.i + 4])
            if _COMMA_REACHING.match(after):
                continue  # "stiffness in the knees, not pain though": it is about the knees
            before = end_label.get(token.i)
            # Sides are never listed: "not left, right" is a correction.
            if before is None or before == "side" or start_label.get(nxt) != before:
                breaks.append(token.i)
        return breaks

    def negex(self, doc: Doc) -> Doc:
        preceding, following, terminating = self.process_negations(doc)
        cuts = sorted(
            {s.start for s in doc.sents} | {t[1] for t in terminating} | set(self._comma_breaks(doc))
        )
        cuts = [c for c in cuts if c > 0] + [len(doc)]
        begin = 0
        for end in cuts:
            for ent in doc.ents:
                if not (begin <= ent.start < end):
                    continue
                if any(begin <= p[1] < ent.start for p in preceding):
                    ent._.set(self.extension_name, True)
                elif ent.label_ not in NO_FOLLOWING_NEGATION and any(
                    ent.end <= f[1] < end for f in following
                ):
                    ent._.set(self.extension_name, True)
            begin = end
        return doc


@dataclass
class _Pattern:
    label: str
    value: str
    phrase: str
    order: int
    gap_positions: Tuple[int, ...]
    negated: bool = False


UNIT_PATTERNS = [
    # (regex anchored right after the number, role, multiplier); first hit wins
    (r"\s*(?:/|out\s+of|outta|of)\s*(?:10|ten)\b", "pain", 1),
    (r"\s*/\s*\d", None, None),  # "50/50"
    (r"\s*(?:inch|inches|cm|centimet\w*|mm|fingers?|finger widths?)\b", None, None),  # "2 inches below the ankle"
    (r"\s*(?:h|hr|hrs|hour|hours)\b", "hours", 1),
    (r"\s*(?:s|sec|secs|second|seconds)\b", "seconds", 1),
    (r"\s*(?:x\s+)?(?:a|per)\s+(?:week|wk|month)\b", None, None),
    (r"\s*(?:times?)\s+(?:a|per|each)\s+(?:week|wk|month)\b", None, None),
    (r"\s*(?:min|mins|minute|minutes)\b(?!\s*(?:/|per)\s*(?:km|k|mile|mi))(?!\s+(?:in|into)\b)",
     "seconds", 60),
    (r"\s*(?:good\s+)?(?:reps?|repetitions?|times?|goes|good ones|lifts|kicks)\b", "reps", 1),
    # Distances, durations, paces, dates and weights are not answers the screener asks for.
    (r"\s*(?:days?|weeks?|wks?|months?|mo|years?|yrs?|yo|y/o|k|km|kms|kilomet\w*|mi|miles?|m|"
     r"metres?|meters?|am|pm|%|kg|kgs|lbs?|pounds|st|stone|mph|kph|marathons?|halfs?|races?|"
     r"runs?|weeks?|ish\s+weeks?|:\d\d)\b", None, None),
]
SEVERE_PAIN = "severe_pain"
BONE_STRESS = "bone_stress_signs"
GROIN_FLAG = "groin_pain_weight_bearing"
# The protocol's groin red flag names "a limp after running" beside groin or hip pain; a limp
# from a sore place elsewhere ("limping round the office with my knee") is pain that changes
# the walk, which is severe pain, and the groin red flag is asked about. With no sore place
# named, or the groin or hip among them, a limp stays the groin red flag.
LIMP_ONLY = re.compile(r"^(?:(?:i'?m|i am|been|started|walk(?:ing)? with|walked with|a|with a)\s+)*"
                       r"(?:limp\w*|hobbl\w*|walk\w* (?:stiff|on (?:my|the) toes)\w*.*|swing\w* (?:the|my) leg.*|"
                       r"(?:go|going|went|walk\w*) (?:up |down )?(?:the )?stairs sideways.*)(?:\s+(?:after|along)\b.*)?$")
# Periods missing for less than the protocol's 3 months ("went missing for about 2 months when
# I was 18") may be no red flag: the runner is asked (never dropped).
ENERGY_FLAG = "energy_deficiency"
PERIOD_WORDS = re.compile(r"\b(?:periods?|cycles?|menstrua\w*|time of the month)\b")
SHORT_ABSENCE = re.compile(r"\b(?:for|about|around|like|only|just|maybe)\s+(?:about |around |like |only |just )?"
                           r"(?:(?:a|an|one|1|a single)\s+month|(?:two|2|a couple of|a couple|couple of|a few|few|"
                           r"\d+)\s+(?:months|weeks)|(?:a|one|1)\s+week)\b")
# ... and so may periods that stopped with a pregnancy or while breastfeeding
PREGNANCY = re.compile(r"\b(?:pregnan\w*|breast ?feed\w*|breast-feed\w*|nursing|had (?:a|my) (?:baby|son|daughter)|"
                       r"after (?:the|my) (?:baby|birth)|post ?partum|postnatal)\b")
WALK_CHANGED = re.compile(r"\b(?:limp\w*|hobbl\w*|walk\w* (?:stiff\w*|on (?:my|the) toes)|swing\w* (?:the|my) leg|"
                          r"stairs sideways)")
LIMP_ELSEWHERE_PARTS = {"knee", "shin", "calf", "achilles", "foot", "ankle", "it_band", "hamstring", "quad"}
ASKS_WHY_ASKED = re.compile(r"\bwhy\b[^.!?]{0,30}\b(?:ask|asking|asked|want to know|need to know|bring up)\b")
PAIN_WORDS = re.compile(r"\b(pain\w*|hurt\w*|ach\w*|sore\w*|agony|scale|score|rate|rated|wince|"
                        r"killing|bad|worse|worst|unbearable|bearable)\b")
TRUE_PAIN_WORDS = re.compile(r"\b(pain\w*|hurt\w*|ach\w*|sore\w*|agony|wince|killing)\b")
# "an 8/10 effort", "I'd rate the race a 9 out of 10": a score of something else than pain
EFFORT_SCORE = re.compile(r"\b(effort|rpe|exertion|motivation|mood|energy|confidence|enjoyment|stress|sleep|fatigue|"
                          r"tiredness|fitness)\b|\brat(?:e|ed|ing) (?:the|my|that|this|today'?s) "
                          r"(?:race|run|session|course|event|workout|parkrun|marathon|tempo)\b")
# "8 each side", "10 reps", "held 30 seconds": a count or a time, not a pain score
COUNT_AFTER = re.compile(r"^\s*(?:each|on each|per|a side|on both|both|reps?|lifts?|kicks?|times|x\b|goes|"
                         r"good ones|seconds|secs?\b|s\b|min|mins|minutes|km|k\b|miles?|hours?|hrs?|weeks?|days?)")
# Places a pain score is said of ("the knee's about a 6")
_PAIN_PLACES = (r"knee|knees|shin|shins|calf|calves|achilles|foot|feet|ankle|ankles|hip|hips|groin|hammy|quad|quads|"
                r"back|heel|thigh|itb|glute|glutes")
PAIN_CONTEXT = re.compile(
    r"\b(?:pain|painful|hurts?|hurting|sore|soreness|rate|rated|rating|severity|level|score|"
    r"ache|aches|aching|scale)\b[^.!?\d]{0,35}$"
    # "the outside of my knee is now a 7 or 8": a body part rated with a number
    rf"|\b(?:{_PAIN_PLACES}|hamstring|it band|bum)(?:'s|\s+is|\s+was|\s+gets|\s+goes|\s+feels)"
    r"(?:\s+(?:now|about|around|like|probably|maybe|more like|at|up to|easily|still))*\s+(?:a|an)?\s*$"
)
# "about a 6", "more like an 8": a bare number after an article, in a message about pain
ARTICLE_SCORE = re.compile(r"\b(?:a|an)\s*$")
TO_AS_TWO = re.compile(r"\s*(?:touch|the touch|press|walk|run|stand|put|bear|sit|move|bend|hop|jump|go|be|get|do|"
                       r"the toilet|the loo|pee|wee|sleep)\b", re.IGNORECASE)
# "it's an 8 but I'm still running on it": a score of "it" (the complaint) in any message
IT_SCORE = re.compile(r"\b(?:it'?s|its|it is|it was|it'?s at|still|sitting at|running at)\s+(?:at\s+)?"
                      r"(?:(?:about|around|like|maybe|probably|easily|solid|a solid)\s+)?(?:a|an)\s*$")
PAIN_MESSAGE = re.compile(rf"\b(?:pain\w*|hurt\w*|ach\w*|sore\w*|{_PAIN_PLACES}|hamstrings?|splints?|"
                          r"sprain\w*|strain\w*|rolled|twisted|injur\w*)\b")
HOURS_CONTEXT = re.compile(r"\b(?:sit|sits|sitting|sat|seated|desk|commute|commuting)\b[^.!?\d]{0,30}$")
SECONDS_CONTEXT = re.compile(r"\b(?:held|hold|holding|lasted|balanced|balance|managed)\b[^.!?\d]{0,20}$")
DIGITS = r"\d+(?:\.\d+)?"
WEAK_NUMBER_WORDS = {"one", "zero", "nil"}


@lru_cache(maxsize=1)
def _dictionary_words() -> FrozenSet[str]:
    from english_words import get_english_words_set

    return frozenset(get_english_words_set(["web2"], lower=True, alpha=True))


# Labels whose values come in lists ("hip drop and hips tipped forward"): a gapped phrase
# never jumps over another value of its own label.
LISTED_LABELS = ("gait_sign", "check_fault")


def _skips_another(match, found) -> bool:
    start, end, pattern, gap = match
    return bool(gap) and pattern.label in LISTED_LABELS and any(
        o is not match and o[2].label == pattern.label and o[2].value != pattern.value
        and start <= o[0] and o[1] <= end for o in found)


# A capital L or R that starts a report ("sorry R was more like 20", "L only managed 12")
LETTER_SIDE_BEFORE = {"sorry", "oops", "actually", "no", "oh", "and", "but", "then", "so"}
LETTER_SIDE_AFTER = {"was", "is", "were", "had", "did", "only", "managed", "held", "lasted", "fine", "ok", "okay",
                     "good", "slow", "slower", "wobbled", "wobbly", "leg", "side", "went", "felt", "took"}


class ClinicalNLP:
    """The spaCy side of the extractor, usable without Rasa."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.urgency = red_flag_levels()
        self.asked_when_past = asked_when_past()
        self.nlp = spacy.blank("en")
        # Split units off numbers ("5k", "8hrs", "20s") so "after <num> k" can match.
        suffixes = list(self.nlp.Defaults.suffixes) + [r"(?<=[0-9])(?:k|km|mi|hrs|hr|h|s|secs|sec)$"]
        self.nlp.tokenizer.suffix_search = spacy.util.compile_suffix_regex(suffixes).search
        self.nlp.add_pipe("sentencizer")
        self._build_typo_index()
        self._build_matcher()
        self._build_checks()
        self._build_ordinary()
        neg = lexicon.negation
        self.negex = _ScopedNegex(
            self.nlp,
            "clinical_negex",
            neg_termset={
                "pseudo_negations": neg["pseudo"],
                "preceding_negations": neg["preceding"],
                "following_negations": neg["following"],
                "termination": neg["termination"],
            },
            ent_types=[],
            extension_name="negex",
            chunk_prefix=[],
        )
        self._build_number_regex()

    # -- lexicon compilation -------------------------------------------------------------
    def _tokens(self, text: str) -> List[str]:
        return [base_norm(t.text) for t in self.nlp.make_doc(self._clean(text))]

    def _build_typo_index(self) -> None:
        self.known: Set[str] = set()
        self.word_counts: Dict[str, int] = {}
        typo_words: Set[str] = set()
        short_words: Set[str] = set()
        for label, _, phrase in self.lexicon.phrases:
            phrase = phrase[len("not:"):] if phrase.startswith("not:") else phrase
            for slot in phrase.split():
                for alt in slot.split("|"):
                    for norm in self._tokens(alt):
                        self.known.add(norm)
                        self.word_counts[norm] = self.word_counts.get(norm, 0) + 1
                        if label in TYPO_TYPES and len(norm) >= 6 and norm.isalpha():
                            typo_words.add(norm)
                        elif label == RED_FLAG and len(norm) == 5 and norm.isalpha():
                            short_words.add(norm)
        for _, combo in self.lexicon.ask_to_check:  # "swolen" is a cue too
            for word in re.split(r"[\s|+]+", re.sub(r"\s+~\d+\s*$", "", combo)):
                if word and not word.endswith("*"):
                    for norm in self._tokens(word):
                        self.known.add(norm)
                        self.word_counts[norm] = self.word_counts.get(norm, 0) + 1
                        if len(norm) >= 6 and norm.isalpha():
                            typo_words.add(norm)
                        elif len(norm) == 5 and norm.isalpha():
                            short_words.add(norm)
        # Red-flag words of five letters ("chest", "faint", "numb" is too short) get one typo
        # too ("chset", "fiant"): a missed red flag costs more than a misread word.
        self.short_typo_words = short_words - typo_words
        typo_words |= self.short_typo_words
        self.typo_index: Dict[str, Set[str]] = {}
        for word in typo_words:
            for d in _deletes(word, 2 if len(word) >= 9 else 1):
                self.typo_index.setdefault(d, set()).add(word)
        from bot.nlu.input_guard import ENGLISH_WORDS  # real words are never "corrected"

        # ("cancel" is not "cancer", "screening" not "screaming")
        self.common = {base_norm(w) for w in ENGLISH_WORDS}
        self.protected = self.common | _dictionary_words()

    def _correct(self, norm: str) -> str:
        if norm.isalpha() and re.search(r"(.)\1\1", norm):  # "kneee", "shinnn", "sooo"
            double, single = re.sub(r"(.)\1+", r"\1\1", norm), re.sub(r"(.)\1+", r"\1", norm)
            for squeezed in (double, single):
                if squeezed in self.known or squeezed in self.protected:
                    return squeezed
            norm = double
        if len(norm) < 5 or not norm.isalpha() or norm in self.known or norm in self.protected:
            return norm
        if norm.endswith("ss") and base_norm(norm[:-1]) in self.known:
            return base_norm(norm[:-1])  # "shinss", "kneess": one key held too long
        stems = _stems(norm)
        if any(norm in _regular_forms(stem) for stem in stems if stem in self.common):
            return norm  # "hoping" is a form of "hope", not a typo of "hopping"
        if len(norm) == 5:
            found = {w for d in _deletes(norm, 1) for w in self.typo_index.get(d, ())
                     if w in self.short_typo_words and _damerau(norm, w) == 1}
            return min(found, key=lambda w: (-self.word_counts[w], w)) if found else norm
        depth = 2 if len(norm) >= 9 else 1
        best: Dict[int, Set[str]] = {}
        for d in _deletes(norm, depth):
            for word in self.typo_index.get(d, ()):
                dist = _damerau(norm, word)
                if dist <= (2 if len(word) >= 9 and len(norm) >= 9 else 1):
                    best.setdefault(dist, set()).add(word)
        if not best:
            return norm
        # Ties go to the word used in most phrases (the proper spelling), then alphabetically.
        word = min(best[min(best)], key=lambda w: (-self.word_counts[w], w))
        # "twinged", "numbed", "tripped" are real words with an ending the dictionary does not
        # list: not typos of "twanged", "number", "tipped" ("tingled" may still be "tingle")
        words = [stem for stem in stems if stem in self.protected]
        if words and not any(word in _forms(stem) for stem in words):
            return norm
        return word

    def _expand(self, phrase: str, entry: str) -> List[str]:
        """The plain variants of a phrase: "(can't feel|no feeling) ... bum" is two phrases,
        and so is "can't|cant walk" (an alternative of two words after tokenising)."""
        group = re.search(r"\(([^()]*)\)", phrase)
        if group:
            out: List[str] = []
            for alt in group.group(1).split("|"):
                out += self._expand(phrase[:group.start()] + alt.strip() + phrase[group.end():], entry)
            if len(out) > MAX_VARIANTS:
                raise LexiconError(f"{entry}: expands to more than {MAX_VARIANTS} phrases")
            return out
        if "(" in phrase or ")" in phrase:
            raise LexiconError(f"{entry}: unbalanced brackets")
        slots = phrase.split()
        for i, slot in enumerate(slots):
            if "|" in slot and any(len(self._tokens(alt)) != 1 for alt in slot.split("|")):
                out = []
                for alt in slot.split("|"):
                    out += self._expand(" ".join(slots[:i] + [alt] + slots[i + 1:]), entry)
                return out
        return [phrase]

    def _build_matcher(self) -> None:
        # Red flags have a layer of their own: they never hide a body part or a timing,
        # and nothing hides them ("my calf is swollen" is a sore calf AND a red flag).
        self.matcher = Matcher(self.nlp.vocab)
        self.rf_matcher = Matcher(self.nlp.vocab)
        self.patterns: Dict[str, _Pattern] = {}
        for order, (label, value, phrase) in enumerate(self.lexicon.phrases):
            entry = f"{self.lexicon.path}: entities.{label}.{value}: phrase '{phrase}'"
            negated = phrase.startswith("not:")
            if negated:
                phrase = phrase[len("not:"):].strip()
            variants = self._expand(phrase, entry)
            for variant in list(variants):
                if "'s " in variant or variant.endswith("'s"):
                    variants.append(variant.replace("'s", ""))  # "runners knee" == "runner's knee"
            for variant in variants:
                spec, gaps = [], []
                words = variant.split()
                for position, slot in enumerate(words):
                    if slot == "...":
                        for _ in range(RED_FLAG_GAP_MAX if label == RED_FLAG else GAP_MAX):
                            gaps.append(len(spec))
                            # a red flag's description may run over commas ("red, hot and
                            # fat"), never over the end of a sentence nor into a contrast
                            # ("sore after runs but I'm walking normally")
                            spec.append({"LOWER": {"NOT_IN": RED_FLAG_GAP_STOPS}, "OP": "?"}
                                        if label == RED_FLAG else {"IS_PUNCT": False, "OP": "?"})
                    elif slot == "<num>":
                        spec.append({"LIKE_NUM": True})
                    elif "|" in slot:
                        alts = []
                        for alt in slot.split("|"):
                            toks = self._tokens(alt)
                            if len(toks) != 1:
                                raise LexiconError(
                                    f"{entry}: alternative '{alt}' must be a single word"
                                )
                            alts.append(toks[0])
                        spec.append({"NORM": {"IN": alts}})
                    else:
                        for t in self._tokens(slot):
                            spec.append({"NORM": t})
                            if label == "body_part" and t in ("my", "the", "of") and position < len(words) - 1:
                                # "front of my right hip", "outside of left thigh"
                                spec.append({"NORM": {"IN": list(SIDE_WORDS_IN_PLACES)}, "OP": "?"})
                if not spec or all(s.get("OP") == "?" for s in spec):
                    raise LexiconError(f"{entry}: has no words to match")
                if spec[0].get("OP") == "?" or spec[-1].get("OP") == "?":
                    raise LexiconError(f"{entry}: '...' must sit between words")
                key = f"p{len(self.patterns)}"
                self.patterns[key] = _Pattern(label, value, phrase, order, tuple(gaps), negated)
                (self.rf_matcher if label == RED_FLAG else self.matcher).add(key, [spec])

    def _build_ordinary(self) -> None:
        self.ordinary_matcher = Matcher(self.nlp.vocab)
        for i, phrase in enumerate(self.lexicon.ordinary):
            for variant in self._expand(phrase, f"{self.lexicon.path}: ordinary: '{phrase}'"):
                spec = [{"NORM": {"IN": [t for alt in slot.split("|") for t in self._tokens(alt)]}}
                        for slot in variant.split()]
                self.ordinary_matcher.add(f"o{i}", [spec])

    def _build_checks(self) -> None:
        """`ask_to_check` cue sets: per red flag, lists of alternatives (token tuples; a
        final "*" makes the last word a prefix) that must all occur in one message."""
        self.checks: List[Tuple[str, List[List[Tuple[Tuple[str, ...], bool]]], Optional[int]]] = []
        for flag, combo in self.lexicon.ask_to_check:
            window = None
            found = re.search(r"\s+~(\d+)\s*$", combo)
            if found:  # "pee + can't ~8": the cues at most 8 words apart
                window, combo = int(found.group(1)), combo[:found.start()]
            cue_sets = []
            for part in combo.split(" + "):
                alts = []
                for alt in part.split("|"):
                    alt = alt.strip()
                    prefix = alt.endswith("*")
                    tokens = tuple(self._tokens(alt.rstrip("*")))
                    if prefix:  # the stem as typed: "swell*" must not lose letters to base_norm
                        raw = self.nlp.make_doc(self._clean(alt.rstrip("*")))
                        tokens = tokens[:-1] + (raw[-1].lower_,)
                    alts.append((tokens, prefix))
                cue_sets.append(alts)
            self.checks.append((flag, cue_sets, window))

    @staticmethod
    def _cue_spans(norms: List[str], lowers: List[str], alts) -> List[Tuple[int, int]]:
        """(start, end) token spans where one of the alternatives occurs."""
        found = []
        for tokens, prefix in alts:
            n = len(tokens)
            for i in range(len(norms) - n + 1):
                if norms[i:i + n - 1] != list(tokens[:-1]):
                    continue
                last_norm, last_lower = norms[i + n - 1], lowers[i + n - 1]
                if prefix and _doubles(tokens[-1]):
                    # "hop*" is hopped, hopping, hopper: never "hoping" (of hope)
                    stem = tokens[-1]
                    hit = last_lower in _regular_forms(stem) or last_lower.startswith(stem + stem[-1])
                elif prefix:
                    hit = last_norm.startswith(tokens[-1]) or last_lower.startswith(tokens[-1])
                else:
                    hit = last_norm == tokens[-1]
                if hit:
                    found.append((i, i + n))
        return found

    def _checks(self, doc: Doc, read: Set[str], covered: Dict[int, int], denied_at) -> List[Tuple[str, int, int]]:
        """Red flags to confirm: every cue set of a combo occurs outside the words already
        read as an everyday reading or as a red flag at least as urgent (a numb "undercarriage"
        read as a nerve symptom may still be saddle numbness), and is not plainly denied
        there (a negation that is itself one of the cues, "can't" + "walk", denies nothing)."""
        found: Dict[str, Tuple[int, int]] = {}
        norms, lowers = [t.norm_ for t in doc], [t.lower_ for t in doc]  # once per message
        for flag, cue_sets, window in self.checks:
            if flag in read or flag in found:
                continue
            level = self.urgency.get(flag, 99)
            spans = [[sp for sp in self._cue_spans(norms, lowers, alts)
                      if not any(covered.get(i, 100) <= level for i in range(*sp))]
                     for alts in cue_sets]
            if not all(spans):
                continue
            own = {i for group in spans for sp in group for i in range(*sp)}
            free = [[sp for sp in group if not denied_at(sp[0], own) and not _fine_after(lowers, sp[1])]
                    for group in spans]
            if not all(free):
                continue
            for anchor in free[0]:
                places = [anchor] + [min(group, key=lambda sp: abs(sp[0] - anchor[0])) for group in free[1:]]
                start, end = min(p[0] for p in places), max(p[1] for p in places)
                if window is None or end - start <= window + 1:
                    found[flag] = (start, end)
                    break
        return [(flag, start, end) for flag, (start, end) in found.items()]

    def _high_score_check(self, text: str, entities: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        """A bare 7 to 10 in a message about pain ("I'd put it at an 8 most days") may be a
        pain score the number reader could not tie to the pain: confirm severe pain."""
        if SEVERE_PAIN not in self.urgency or any(
                e["entity"] == RED_FLAG and e["value"] == SEVERE_PAIN and e.get("role") != NEGATED
                for e in entities):
            return []
        lowered = text.lower()
        pain_message = bool(PAIN_WORDS.search(lowered))
        for e in entities:
            if not pain_message and not IT_SCORE.search(lowered[max(0, e["start"] - 20):e["start"]]):
                continue
            if e["entity"] == "number" and not e.get("role") and 7 <= e["value"] <= 10 and not (
                    EFFORT_SCORE.search(text.lower()[max(0, e["start"] - 40):e["end"] + 12])) \
                    and not COUNT_AFTER.match(text.lower()[e["end"]:]):
                return [{"entity": RED_FLAG, "start": e["start"], "end": e["end"], "value": SEVERE_PAIN,
                         "confidence_entity": 1.0, "role": UNCERTAIN}]
        return []

    def _groin_bone_stress(self, entities: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        """A bone stress sign in the groin or at the front of the hip may be a stress fracture
        of the hip (the protocol's groin red flag, urgent care): confirm that one too."""
        if GROIN_FLAG not in self.urgency or any(
                e["entity"] == RED_FLAG and e["value"] == GROIN_FLAG and e.get("role") != NEGATED for e in entities):
            return []
        groin = any(e["entity"] == "body_part" and e["value"] in ("groin", "hip_flexor", "hip") and not e.get("role")
                    for e in entities)
        for e in entities:
            if groin and e["entity"] == RED_FLAG and e["value"] == BONE_STRESS and e.get("role") in (None, UNCERTAIN):
                return [{**e, "value": GROIN_FLAG, "role": UNCERTAIN}]
        return []

    def _build_number_regex(self) -> None:
        words = sorted(self.lexicon.number_words, key=len, reverse=True)
        tens = [w for w in words if self.lexicon.number_words[w] in (20, 30, 40, 50, 60)]
        ones = [w for w in words if 1 <= self.lexicon.number_words[w] <= 9]
        word_alt = "|".join(map(re.escape, words)) or "(?!)"
        compound = ""
        if tens and ones:
            compound = (
                rf"(?:{'|'.join(map(re.escape, tens))})[\s-](?:{'|'.join(map(re.escape, ones))})|"
            )
        self.number_re = re.compile(
            rf"(?<![\w.,/]){DIGITS}(?![.,]?\d)|\b(?:{compound}{word_alt})\b", re.IGNORECASE
        )
        self.range_re = re.compile(rf"\s*(?:-|–|to|or)\s*({DIGITS}|{word_alt})\b", re.IGNORECASE)
        self.unit_res = [(re.compile(p, re.IGNORECASE), role, mult) for p, role, mult in UNIT_PATTERNS]

    # -- extraction ---------------------------------------------------------------------
    @staticmethod
    def _clean(text: str) -> str:
        # Same-length rewrites only, so offsets stay valid for the original text.
        text = text.replace("\u2019", "'").replace("\u2018", "'")
        text = re.sub(r"(?<=[A-Za-z])[-/](?=[A-Za-z])", " ", text)
        return re.sub(r"(?<=s)'(?=\s)", " ", text)

    def _number_value(self, raw: str) -> Optional[float]:
        raw = raw.lower().strip()
        if re.fullmatch(DIGITS, raw):
            return float(raw)
        parts = re.split(r"[\s-]+", raw)
        if all(p in self.lexicon.number_words for p in parts):
            return float(sum(self.lexicon.number_words[p] for p in parts))
        return None

    def _doc(self, text: str) -> Doc:
        doc = self._split_run_together(self.nlp(self._clean(text)))
        for token in doc:
            token.norm_ = self._correct(self._respell(base_norm(token.text)))
        return doc

    def _respell(self, norm: str) -> str:
        """Text-speak the lexicon lists ("aftr"), and a plural typed with z ("kneez")."""
        if norm in self.lexicon.spellings:
            return self.lexicon.spellings[norm]
        if len(norm) > 3 and norm.endswith("z") and norm.isalpha():
            plural = base_norm(norm[:-1] + "s")
            if plural in self.known:
                return plural
        return norm

    def _split_point(self, word: str) -> Optional[int]:
        """Where two words typed without a space meet ("achillessnapped", "calfswollen"):
        both halves are words and one is a lexicon word. None for a word of its own."""
        norm = base_norm(word)
        if len(word) < 8 or not word.isalpha() or norm in self.known or norm in self.protected \
                or self._correct(norm) != norm:
            return None
        lowered = word.lower()
        for ending in ("ed", "d", "ing", "s", "es", "ly", "er", "ness"):  # "loosened" is no "loose"+"ned"
            if lowered.endswith(ending) and lowered[:-len(ending)] in self.protected:
                return None

        def is_word(part: str) -> bool:
            return part in self.known or part in self.protected

        best = None
        for i in range(3, len(word) - 2):
            left, right = base_norm(word[:i]), base_norm(word[i:])
            if is_word(left) and is_word(right) and (left in self.known or right in self.known):
                score = (left in self.known) + (right in self.known)
                if best is None or score > best[0]:
                    best = (score, i)
        return best[1] if best else None

    def _split_run_together(self, doc: Doc) -> Doc:
        splits = [(token, point) for token in doc if (point := self._split_point(token.text))]
        if splits:
            with doc.retokenize() as retokenizer:
                for token, point in splits:
                    retokenizer.split(token, [token.text[:point], token.text[point:]],
                                      heads=[(token, 1), (token, 1)])
        return doc

    def _matches(self, matcher: Matcher, doc: Doc):
        found = []
        for match_id, start, end, alignment in matcher(doc, with_alignments=True):
            pattern = self.patterns[self.nlp.vocab.strings[match_id]]
            gap = [start + i for i, a in enumerate(alignment) if a in pattern.gap_positions]
            gap_negated = any(_denies(doc, i) for i in gap)
            found.append((start, end, pattern, gap, gap_negated))
        return found

    def parse_red_flags(self, text: str):
        """Red flag mentions and their roles: None (reported), NEGATED (clearly denied) or
        UNCERTAIN (a negation that may or may not reach it: ask the runner); and the red
        flags to check ((id, start token, end token)) whose `ask_to_check` cues occur."""
        doc = self._doc(text)
        # 1. Within one red flag: an everyday reading ("not:" phrase, "out of breath on
        #    sprints") beats the red-flag phrase inside it; a reading without a negation in
        #    its gap beats one with ("calf is swollen and red and not painful" is a swollen
        #    calf); then the longest.
        by_flag: Dict[str, list] = {}
        benign: Set[int] = set()
        for match in self._matches(self.rf_matcher, doc):
            by_flag.setdefault(match[2].value, []).append(match)
        readings = []
        for matches in by_flag.values():
            matches.sort(key=lambda f: (0 if f[2].negated else 1 if not f[4] else 2,
                                        -(f[1] - f[0]), f[2].order, f[0]))
            taken: Set[int] = set()
            kept = []
            for start, end, pattern, _, negated in matches:
                if taken.intersection(range(start, end)):
                    if not pattern.negated and not negated:
                        # overlapping readings of one red flag are one mention: "no period
                        # for 6 months" is "no period for" and "period for 6 months"
                        for i, (s0, e0, p0, n0) in enumerate(kept):
                            if s0 < end and start < e0 and not p0.negated and not n0:
                                kept[i] = (min(s0, start), max(e0, end), p0, n0)
                                taken.update(range(start, end))
                    continue
                taken.update(range(start, end))
                kept.append((start, end, pattern, negated))
            # an everyday reading only silences its own flag
            readings += [k for k in kept if not k[2].negated]
            for k in kept:
                if k[2].negated:
                    benign.update(range(k[0], k[1]))
        # 2. Between red flags, where readings overlap the more urgent wins ("chest pain at
        #    rest" is a chest symptom, not a bone stress sign).
        readings.sort(key=lambda r: (self.urgency.get(r[2].value, 99), -(r[1] - r[0]), r[0]))
        taken = set()
        spans, gap_negated, gapped = [], set(), set()
        for start, end, pattern, negated in readings:
            if taken.intersection(range(start, end)):
                continue
            taken.update(range(start, end))
            spans.append(Span(doc, start, end, label=RED_FLAG, kb_id=pattern.value))
            if negated:
                gap_negated.add((start, end))
            if pattern.gap_positions:
                gapped.add((start, end))
        doc.ents = filter_spans(spans)
        roles: Dict[Tuple[int, int], Optional[str]] = {}
        preceding, _, terminating = self.negex.process_negations(doc)
        cuts = sorted({s.start for s in doc.sents} | {t[1] for t in terminating}
                      | set(self.negex._comma_breaks(doc)))
        denied: Set[int] = set()
        for ent in sorted(doc.ents, key=lambda e: e.start):
            key = (ent.start, ent.end)
            if key in gap_negated:
                # right before the phrase's last word ("calf is not swollen") a negation denies
                # it; further back ("dad died with no warning, it was his heart") it may not be
                # about the red flag at all: ask, never drop
                last_negation = max(i for i in range(ent.start, ent.end) if _denies(doc, i))
                roles[key] = NEGATED if ent.end - 1 - last_negation <= CLEAR_DENIAL_GAP else UNCERTAIN
                if roles[key] == NEGATED:
                    denied.update(range(ent.start, ent.end))
                continue
            begin = max([c for c in cuts if c <= ent.start] or [0])
            cues = [p for p in preceding if begin <= p[1] and p[2] <= ent.start]
            if not cues:
                roles[key] = None
                continue
            if any(doc[p[1]:p[2]].text.lower() in NO_DENIAL_CUES for p in cues):
                roles[key] = UNCERTAIN  # "got rid of the night pain": it was there: ask
                continue
            cue_end = max(p[2] for p in cues)
            between = [i for i in range(cue_end, ent.start)
                       if i not in denied and doc[i].lower_ not in LIST_JOINERS]
            hedged = any(doc[i].norm_ in HEDGES for i in range(cue_end, ent.start))
            if len(between) <= CLEAR_DENIAL_GAP and not hedged:
                roles[key] = NEGATED
                denied.update(range(ent.start, ent.end))
            else:
                roles[key] = UNCERTAIN

        # "heart going like the clappers on the hill reps, back to normal a minute after":
        # maybe the usual kind, so ask ("fine now" is no such cue: fainting counts all the same)
        usual = {doc[start].sent.start for _, start, _ in self.ordinary_matcher(doc)}
        for ent in doc.ents:
            if roles.get((ent.start, ent.end)) is None and ent.sent.start in usual:
                roles[(ent.start, ent.end)] = UNCERTAIN
        # "pain at rest? my knee aches in the cinema if I keep it bent": a red flag in a
        # sentence that asks is the runner checking a word, not saying it happened: ask
        for ent in doc.ents:
            if roles.get((ent.start, ent.end)) is None and ent.sent.text.rstrip().endswith("?"):
                roles[(ent.start, ent.end)] = UNCERTAIN
        # "groin ... walking" in "the groin's tight after speed work, walking about is fine":
        # good news about the phrase's last word may undo the reading: ask, never drop
        lowers = [t.lower_ for t in doc]
        for ent in doc.ents:
            key = (ent.start, ent.end)
            if roles.get(key) is None and key in gapped and _fine_after(lowers, ent.end):
                roles[key] = UNCERTAIN

        def clearly_denied(i: int, cue_tokens: Set[int]) -> bool:
            begin = max([c for c in cuts if c <= i] or [0])
            for p in preceding:
                if begin <= p[1] and p[2] <= i and not cue_tokens.intersection(range(p[1], p[2])):
                    between = [j for j in range(p[2], i) if doc[j].lower_ not in LIST_JOINERS]
                    if len(between) <= CLEAR_DENIAL_GAP and not any(doc[j].norm_ in HEDGES for j in between):
                        return True
            return False

        # token -> the urgency of the reading it belongs to (an everyday reading covers all)
        covered: Dict[int, int] = {i: -1 for i in benign}
        for ent in doc.ents:
            for i in range(ent.start, ent.end):
                covered[i] = min(covered.get(i, 99), self.urgency.get(ent.kb_id_, 99))
        read = {ent.kb_id_ for ent in doc.ents if roles.get((ent.start, ent.end)) != NEGATED}
        # "why u asking about my chest, its my calf" asks about the bot's question: the words
        # that together may mean a red flag are the bot's own (a red flag phrase still counts)
        checks = [] if ASKS_WHY_ASKED.search(text.lower()) else self._checks(doc, read, covered, clearly_denied)
        return doc, roles, checks

    def parse(self, text: str) -> Doc:
        doc = self._doc(text)

        found = []
        for match_id, start, end, alignment in self.matcher(doc, with_alignments=True):
            pattern = self.patterns[self.nlp.vocab.strings[match_id]]
            gap = [start + i for i, a in enumerate(alignment) if a in pattern.gap_positions]
            found.append((start, end, pattern, gap))
        found = [f for f in found if not _skips_another(f, found)]
        # Longest first; then a phrase without a gap; then lexicon order.
        found.sort(key=lambda f: (-(f[1] - f[0]), bool(f[3]), f[2].order, f[0]))
        taken: Set[int] = set()
        spans: List[Span] = []
        gap_negated: Set[Tuple[int, int]] = set()
        for start, end, pattern, gap in found:
            if taken.intersection(range(start, end)):
                continue
            taken.update(range(start, end))
            spans.append(Span(doc, start, end, label=pattern.label, kb_id=pattern.value))
            if pattern.negated or any(doc[i].norm_ in NEGATION_NORMS for i in gap):
                gap_negated.add((start, end))
        spans = [s for s in spans if self._keep(doc, s)]
        spans += self._letter_sides(doc, spans)
        doc.ents = filter_spans(spans)
        self.negex(doc)
        for ent in doc.ents:
            if (ent.start, ent.end) in gap_negated:
                ent._.negex = True
        return doc

    def _keep(self, doc: Doc, span: Span) -> bool:
        """Drops "right"/"left" used as ordinary words ("right after", "I left it")."""
        if len(span) != 1:
            return True
        if span.label_ == "timing" and span[0].norm_ in BARE_TIMING:
            nxt = doc[span.end].norm_ if span.end < len(doc) else ""
            return nxt in BARE_TIMING_NEXT
        if span.label_ != "side":
            return True
        word = span[0].norm_
        prev = doc[span.start - 1].norm_ if span.start > 0 else ""
        nxt = doc[span.end].norm_ if span.end < len(doc) else ""
        before = [t.norm_ for t in doc[max(0, span.start - 2):span.start]]
        after = [t.norm_ for t in doc[span.end:span.end + 4]]
        if before[-2:] in (["than", "the"], ["than", "my"]) or prev == "than":
            return False  # "less flexible than the left": the other side, for comparison
        if word == "both" and (nxt in BOTH_NOT_SIDE_NEXT or prev in ("us", "we", "you", "them")):
            return False  # "the train both ways", "both days", "to save us both time"
        if after[:1] and after[0] in ("corner", "edge", "bit", "part") and after[1:2] == ["of"] and \
                len(after) > 2 and {after[2], *after[3:4]} & {"left", "right"}:
            return False  # "the upper right corner of my left knee": the knee's side counts
        if word in ("right", "rigth", "rite", "rigt") and prev in ("the", "a") and nxt in RIGHT_CORRECT_NOUNS:
            return False  # "the right place", "a right mess"
        if word in ("right", "rigth", "rite", "rigt") and prev not in ("the", "my", "on", "your"):
            if nxt in RIGHT_NOT_SIDE_NEXT or prev in RIGHT_NOT_SIDE_PREV:
                return False
            if span.start == 0 and nxt in (",", "so", "ok", "okay") and len(doc) > 3:
                return False
            if nxt == "?" and span.start > 0:
                return False
        if word in ("left", "lef", "leftt") and prev in LEFT_NOT_SIDE_PREV:
            return False
        return True

    def _letter_sides(self, doc: Doc, spans: Sequence[Span]) -> List[Span]:  # noqa: C901
        """"L knee" / "R hip", "L 4 R 9" (reps), or a bare "L" / "R" answer."""
        starts = {s.start for s in spans if s.label_ == "body_part"}
        out = []
        words = [t for t in doc if not t.is_punct]

        def counted(token: Token) -> bool:
            nxt = token.i + 1
            while nxt < len(doc) and doc[nxt].text in (":", "=", "-"):
                nxt += 1
            return nxt < len(doc) and doc[nxt].like_num

        def leading(token: Token) -> bool:  # "L fine, R took longer": each starts a part
            return token.i == 0 or doc[token.i - 1].is_punct

        # a lower-case "r 2" is text-speak ("u r 2 kind") unless "l 4 r 9" pairs it
        paired = {t.lower_ for t in doc if t.lower_ in ("l", "r") and counted(t)} == {"l", "r"}
        both_lead = {t.lower_ for t in doc if t.lower_ in ("l", "r") and leading(t)} == {"l", "r"}
        for token in doc:
            letter = token.text.rstrip(".")
            if letter not in ("L", "R", "l", "r"):
                continue
            with_count = counted(token) and (letter.isupper() or paired)
            told = letter.isupper() and (leading(token) or doc[token.i - 1].lower_ in LETTER_SIDE_BEFORE) and \
                token.i + 1 < len(doc) and doc[token.i + 1].lower_ in LETTER_SIDE_AFTER  # "sorry R was more like 20"
            if token.i + 1 in starts or with_count or (both_lead and leading(token)) or told or (
                    len(words) == 1 and words[0].i == token.i):
                value = "left" if letter.lower() == "l" else "right"
                out.append(Span(doc, token.i, token.i + 1, label="side", kb_id=value))
        return out

    def numbers(self, text: str, taken: Sequence[Tuple[int, int]]) -> List[Dict[str, Any]]:
        out: List[Dict[str, Any]] = []
        lowered = text.lower()
        hour_phrases = [(r"\bhalf an hour\b", 0.5), (r"\ban hour and a half\b", 1.5),
                        (r"\ban hour\b", 1.0)]
        used: List[Tuple[int, int]] = list(taken)

        def free(s: int, e: int) -> bool:
            return all(e <= a or s >= b for a, b in used)

        for pattern, value in hour_phrases:
            for m in re.finditer(pattern, lowered):
                if free(m.start(), m.end()):
                    out.append(_number(m.start(), m.end(), text, value, "hours"))
                    used.append((m.start(), m.end()))

        words_only = re.sub(r"[^\w\s]", " ", lowered).split()
        for m in self.number_re.finditer(text):
            start, end = m.start(), m.end()
            if not free(start, end):
                continue
            value = self._number_value(m.group(0))
            if value is None or value >= 1900:
                continue
            rest = text[end:]
            if m.group(0) == "2" and TO_AS_TWO.match(rest):
                continue  # "sore 2 touch", "hurts 2 walk": text-speak for "to"
            before = lowered[max(0, start - 40):start]
            rng = self.range_re.match(rest)
            if rng and self._number_value(rng.group(1)) is not None:
                if value in (0, 1) and self._number_value(rng.group(1)) == 10:
                    used.append((start, end + rng.end()))  # "on a scale of one to ten": the scale
                    continue
                second = self._number_value(rng.group(1))
                clock = (second < value <= 12 and not re.match(r"\s*or\b", rest, re.IGNORECASE)
                         and not PAIN_CONTEXT.search(before))
                end += rng.end()
                rest = text[end:]
                if clock:  # "9 to 5", "8-6": a working day, not a range of two numbers
                    out.append(_number(start, end, text, (second - value) % 12, "hours"))
                    used.append((start, end))
                    continue
                # "a 6 or 7" of pain is a 7 (the worst counts); "7-8 hours" is 7.5
                value = max(value, second) if PAIN_CONTEXT.search(before) else (value + second) / 2
            role, skip = None, False
            for regex, unit_role, mult in self.unit_res:
                unit = regex.match(rest)
                if unit:
                    if unit_role is None:
                        skip = True
                    else:
                        role, value, end = unit_role, value * mult, end + unit.end()
                    break
            if skip:
                continue
            after = re.sub(r"^(?:for|of|in|on)\s+", "", lowered[end:end + 16].strip())  # "7/10 for effort"
            effort = role in ("pain", None) and not TRUE_PAIN_WORDS.search(before) and bool(
                EFFORT_SCORE.search(before) or EFFORT_SCORE.match(after))
            if effort and role == "pain":
                role = None
            if role is None and value <= 10 and PAIN_CONTEXT.search(before) and not effort:
                role = "pain"
            elif role is None and value <= 10 and not effort and ARTICLE_SCORE.search(before) \
                    and PAIN_MESSAGE.search(lowered):
                role = "pain"  # "shin splints, a 3 maybe, but the ankle is more like an 8"
            elif role is None and value <= 24 and HOURS_CONTEXT.search(before):
                role = "hours"
            elif role is None and SECONDS_CONTEXT.search(before) and 10 <= value <= 120:
                role = "seconds"
            if role is None and m.group(0).lower() in WEAK_NUMBER_WORDS and len(words_only) > 1:
                continue  # "one of my knees", "zero pain in my calf"
            out.append(_number(start, end, text, value, role))
            used.append((start, end))
        return out

    def extract(self, text: str) -> List[Dict[str, Any]]:
        """Entities in Rasa's format (without the extractor name)."""
        if not text or not text.strip():
            return []
        doc = self.parse(text)
        entities = []
        for ent in doc.ents:
            entity = {
                "entity": ent.label_,
                "start": ent.start_char,
                "end": ent.end_char,
                "value": ent.kb_id_,
                "confidence_entity": 1.0,
            }
            if ent._.negex:
                entity["role"] = NEGATED
            entities.append(entity)
            if ent.label_ == "body_part" and len(ent) > 2:
                for token in ent[1:-1]:  # "front of my right hip": the side inside the place
                    side = SIDE_IN_PLACE.get(token.norm_)
                    if side:
                        entities.append({**entity, "entity": "side", "start": token.idx,
                                         "end": token.idx + len(token.text), "value": side})
        rf_doc, roles, checks = self.parse_red_flags(text)
        for ent in rf_doc.ents:
            entity = {"entity": RED_FLAG, "start": ent.start_char, "end": ent.end_char,
                      "value": ent.kb_id_, "confidence_entity": 1.0}
            role = roles.get((ent.start, ent.end))
            if role:
                entity["role"] = role
            entities.append(entity)
        for flag, start, end in checks:
            span = rf_doc[start:end]
            entities.append({"entity": RED_FLAG, "start": span.start_char, "end": span.end_char,
                             "value": flag, "confidence_entity": 1.0, "role": UNCERTAIN})
        entities += self.numbers(
            text, [(e["start"], e["end"]) for e in entities if e["entity"] != RED_FLAG])
        entities += self._high_score_check(text, entities)
        entities += self._groin_bone_stress(entities)
        entities.sort(key=lambda e: (e["start"], e["end"]))
        _mark_places(text, entities)
        _mark_past(text, entities, self.asked_when_past)
        _limp_elsewhere(text, entities)
        _short_absence(text, entities)
        _mark_gait_sides(text, entities)
        entities += _both_from_plurals(entities, text)
        return entities


# Good news inside a gapped phrase: "sore after hill sessions, fine walking about"
GOOD_NEWS_NORMS = {"fine", "ok", "okay", "alright", "normal"}
BOTH_NOT_SIDE_NEXT = {"ways", "way", "time", "directions", "days", "times", "races", "runs", "sessions", "weekends",
                      "jobs", "kids", "us", "parents", "trips", "halves", "loops", "laps"}
PLACE = "place"  # a body part named only to say where, or as a guess at the cause: not a complaint
# "an ache in my right foot about 2 inches below the ankle", "lower back, just above my bum"
_LANDMARK_BEFORE = re.compile(r"\b(above|below|under|underneath|beneath|near|next to|beside|towards?|than|"
                              r"up from|down from|"
                              # "my quads screamed every time I bent my knees": a part moved, not sore
                              r"bend|bent|bending|straighten\w*|lift\w*|rais\w*|flex\w*|point\w*|"
                              r"move|moving|moved)\s+(?:the|my|me|your|a|both)?\s*$")
# "sore after runs, wondering if it's my glutes", "want to see if it's a glute thing"
_GUESS_BEFORE = re.compile(r"(\b(if|whether)\s+(?:it'?s|it is|its|is|this is|that'?s|it could be|it might be|"
                           r"the problem is|the cause is)|\b(?:is|could|might|can) (?:it|that|this)(?: be)?|"
                           r"\b(?:blame|because of|caused by|coming from)|\b(?:related|linked|connected|"
                           r"due) to)\s+(?:(?:a|my|the|your|weak|lazy|tight|dead)\s+){0,2}$")
_SENTENCE_END = re.compile(r"[.!?;\n]")
# "the achilles, on the right foot", "my heel on the left leg": the second part only says which leg
_ON_SIDE_BETWEEN = re.compile(r"^\s*,?\s*(?:on|of|in)\s+(?:the|my)\s+(?:left|right|l|r)\s+$")
# "wondering if my glutes are to blame", "lazy glutes are causing my knee pain", "my physio
# says my glutes are weak": the part is a suspected cause, not a sore place (unless its own
# clause says it hurts: "my weak left hip aches")
_CAUSE_AFTER = re.compile(r"^\s*(?:(?:is|are|were|was|might be|could be|may be|must be|probably)\s+)*"
                          r"(?:to blame|causing|the cause|the culprit|behind (?:it|this|that|my)|responsible)\b")
_WEAK_AFTER = re.compile(r"^\s*(?:(?:is|are|were|was|might be|could be|may be|must be|probably|so|too|really|very|"
                         r"a bit|quite|just|kinda|pretty)\s+)*(?:weak|lazy|asleep|sleepy|switched off|not firing|"
                         r"(?:do ?n'?t|dont|aren'?t|arent|not|never) (?:fire|firing|work\w*|activat\w*|engag\w*|"
                         r"switch\w* on|kick\w* in|turn\w* on))\b")
_WEAK_BEFORE = re.compile(r"\b(?:weak|weakness in|lazy|dead|sleepy|sleeping|inactive|underactive|switched off)\s+"
                          r"(?:my\s+|the\s+)?$")
_WEAK_PARTS = {"glute", "hip"}
# "your glute article", "hip exercises", "the hamstring video": the part names a topic
_TOPIC_AFTER = re.compile(r"^\s*(?:articles?|blog|posts?|page|videos?|exercises?|workouts?|routines?|drills?|"
                          r"programmes?|programs?|activation|strength(?:ening)?|tests?|self[- ]?checks?|checks?|quiz|"
                          r"screen(?:er|ing)?|stuff|content|tips?)\b")
_HURTS_IN_CLAUSE = re.compile(r"^(?:(?!\b(?:and|but) (?:my|the|it|your|me)\b)[^.!?;,])*?\b(?:hurt\w*|sore\w*|pain\w*|ach\w*|tender|throb\w*|sting\w*|burn\w*|"
                              r"tight\w*|niggl\w*|twing\w*|kill\w*)")


# "sort of where it meets my butt": the place where the sore one ends
_JOIN_BEFORE = re.compile(r"\bwhere (?:it|they|the \w+) (?:meets?|joins?|attaches?|connects?)(?: to| with| into)?\s+"
                          r"(?:the|my|your)?\s*$")
# "the tendon above my right heel, the achilles": the sore place is named right after the landmark
_APPOSITION = re.compile(r"^[^.!?;]{0,25}?(?:,|\(|-)\s*(?:(?:the|my|its|it'?s|ie|i\.e\.|aka|so|basically|"
                         r"probably|like|or)\s+)*$")
# IT band pain is felt at the outside of the knee: "outside of L knee. itb" is one place
_OUTSIDE_OF = re.compile(r"\b(?:outside|outer|side|lateral)(?: side)?(?: of)?\s+(?:the|my|your|l|r|left|right)?\s*"
                         r"(?:left|right)?\s*$")


def _limp_elsewhere(text: str, entities: List[Dict[str, Any]]) -> None:
    """A limp (or a walk changed by pain: WALK_CHANGED), where the message names only sore
    places away from the groin and hip, is severe pain; the groin red flag is then asked about,
    not dropped (the protocol names "a limp after running" there, and hip trouble can be felt
    at the knee)."""
    places = {e["value"] for e in entities if e["entity"] == "body_part" and e.get("role") in (None, NEGATED)}
    if not places or not places <= LIMP_ELSEWHERE_PARTS:
        return
    flags = [e for e in entities if e["entity"] == RED_FLAG]
    limps = [e for e in flags if e["value"] in (GROIN_FLAG, SEVERE_PAIN) and e.get("role") is None
             and LIMP_ONLY.match(text[e["start"]:e["end"]].lower().strip())]
    changed = WALK_CHANGED.search(text.lower())
    if changed and any(e.get("role") == NEGATED and e["start"] < changed.end() and changed.start() < e["end"]
                       for e in flags):
        changed = None  # "not limping"
    if not limps and not changed:
        return
    for e in limps:
        e["value"] = SEVERE_PAIN
    anchor = limps[0] if limps else {"entity": RED_FLAG, "start": changed.start(), "end": changed.end(),
                                     "value": SEVERE_PAIN, "confidence_entity": 1.0}
    if not any(e["value"] == SEVERE_PAIN and e.get("role") is None for e in flags) and not limps:
        entities.append(anchor)
    if not any(e["value"] == GROIN_FLAG and e.get("role") != NEGATED
               and not LIMP_ONLY.match(text[e["start"]:e["end"]].lower().strip()) for e in flags):
        entities.append({**anchor, "value": GROIN_FLAG, "role": UNCERTAIN})


def _short_absence(text: str, entities: List[Dict[str, Any]]) -> None:
    """Missing periods told with a time shorter than 3 months, or with a pregnancy, in the same
    sentence: asked."""
    lowered = text.lower()
    for e in entities:
        if e["entity"] != RED_FLAG or e["value"] != ENERGY_FLAG or e.get("role") not in (None, PAST):
            continue
        begin = max([m.end() for m in _SENTENCE_END.finditer(lowered, 0, e["start"])] or [0])
        found = _SENTENCE_END.search(lowered, e["end"])
        sentence = lowered[begin:found.start() if found else len(lowered)]
        if PERIOD_WORDS.search(sentence) and PREGNANCY.search(sentence):
            e["role"] = UNCERTAIN
        elif PERIOD_WORDS.search(sentence) and SHORT_ABSENCE.search(sentence) and not re.search(
                r"\b(?:[3-9]|1\d|three|four|five|six|seven|eight|nine|ten|eleven|twelve) months\b", sentence):
            e["role"] = UNCERTAIN


def _mark_places(text: str, entities: List[Dict[str, Any]]) -> None:
    """Role `place` for a body part that only locates another one named in the sentence
    ("below the ankle", "the tendon above my heel, the achilles", "where it meets my butt"),
    the knee of an IT band's "outside of my knee", or a guess at the cause ("if it's my glutes")."""
    lowered = text.lower()
    parts = [e for e in entities if e["entity"] == "body_part" and not e.get("role")]
    it_band = any(p["value"] == "it_band" for p in parts)
    for i, e in enumerate(parts):
        before = lowered[max(0, e["start"] - 40):e["start"]]
        before = _SENTENCE_END.split(before)[-1]
        ends = [m.end() for m in _SENTENCE_END.finditer(lowered, 0, e["start"])]
        sentence_start = ends[-1] if ends else 0
        said_before = any(p["start"] >= sentence_start and p["end"] <= e["start"] and not p.get("role")
                          for p in parts[:i])
        named_after = any(p["start"] >= e["end"] and _APPOSITION.match(lowered[e["end"]:p["start"]])
                          for p in parts[i + 1:])
        previous = next((p for p in reversed(parts[:i]) if p["end"] <= e["start"]), None)
        if previous and _ON_SIDE_BETWEEN.match(lowered[previous["end"]:e["start"]]):
            e["role"] = PLACE
            continue
        if _GUESS_BEFORE.search(before) or _JOIN_BEFORE.search(before) or (
                (said_before or named_after) and _LANDMARK_BEFORE.search(before)) or (
                it_band and e["value"] == "knee" and _OUTSIDE_OF.search(before)):
            e["role"] = PLACE
            continue
        after = lowered[e["end"]:]
        if _TOPIC_AFTER.match(after) and not _HURTS_IN_CLAUSE.match(after):
            e["role"] = PLACE  # "I read your glute article": a topic, not a sore place
            continue
        if _CAUSE_AFTER.match(after) or (e["value"] in _WEAK_PARTS and not _HURTS_IN_CLAUSE.match(after) and (
                _WEAK_AFTER.match(after) or _WEAK_BEFORE.search(before))):
            e["role"] = PLACE


# "my wife filmed me: I lean forward and my right hip drops": the side of a running pattern
# someone saw, not the side that hurts (a self-check's "right hip dropped" is a check fault,
# not a gait sign, and keeps its side)
GAIT = "gait"
_BEFORE_SIGN = re.compile(r"^\s*(?:hip|knee|foot|leg|side|arm|shoulder)?\s*$")


def _mark_gait_sides(text: str, entities: List[Dict[str, Any]]) -> None:
    for i, e in enumerate(entities):
        if e["entity"] != "side" or e.get("role"):
            continue
        following = next((x for x in entities[i + 1:] if x["start"] >= e["end"]), None)
        if following and following["entity"] == "gait_sign" and _BEFORE_SIGN.match(text[e["end"]:following["start"]]):
            e["role"] = GAIT


# Body parts (and their sides) in a part of a message that speaks of the past only: "my
# feet used to be the problem", "my left shin used to play up but that's been fine for a
# year". They hurt no more (role `past`); the injury question still counts them.
PAST = "past"
_PAST_CUE = re.compile(
    r"(?<!not )(?<!get )(?<!getting )(?<!got )(?<!be )(?<!been )(?<!am )(?<!'m )(?<!are )(?<!is )"
    r"\b(?:used to|use to)\b|\b(?:long gone|all gone|gone now|went away|cleared up|a thing of the past|"
    r"back then|(?:hasn'?t|has not|haven'?t|not) (?:bothered|troubled|hurt) me since|"
    r"(?:been|was) (?:fine|great|good|ok|okay|grand|perfect|quiet|no trouble) (?:since|for (?:a|the|over|years|months|ages|\d))|"
    r"(?:fine|ok|okay|good|great) for (?:a year|years|ages|months|\d+ (?:years|months))|"
    r"no (?:trouble|problems?|issues?|pain) since|(?:was|had|is|it'?s|its) (?:long |all )?gone|"
    r"(?:it |which )?(?:settled|cleared|calmed) (?:down )?after|(?:has |had |fully |all |completely )healed)\b"
    # "IT band trouble in 2020", "pulled a hamstring years ago" (not "since last year")
    r"|\b(?:past|previous|old|earlier) injur\w*")
# A date in the past reaches only its own clause: "a pain in my arch, had tendonitis years ago"
_DATED_CUE = re.compile(r"(?<!since )\b(?:\d+ years ago|years ago|years back|last (?:year|spring|summer|autumn|fall|winter|season)|in (?:19|20)\d\d|"
                        r"as a (?:kid|teenager|child))\b")
_PRESENT_CUE = re.compile(r"\b(?:now|still|again|these days|currently|at the moment|lately|nowadays|today|"
                          r"this (?:week|month|year|time)|right now|recently)\b")
_DATED_PARTS = re.compile(r"[.!?;,\n]+|\b(?:but|whereas|now|so|and)\b")
_PAST_PARTS = re.compile(r"[.!?;\n]+|\bbut\b|\bwhereas\b|\b(?:and )?now\b|\bthese days\b|\bnowadays\b|\bso\b")


def _mark_past(text: str, entities: List[Dict[str, Any]], flags: FrozenSet[str] = frozenset()) -> None:
    """Role `past` for body parts, sides and pain scores in a part of the message told as over,
    and for the red flags in `flags` said plainly there ("tore my achilles in 2015, run three
    marathons since"): the runner is asked whether it is happening now (never dropped)."""
    lowered = text.lower()
    for cues, breaks in ((_PAST_CUE, _PAST_PARTS), (_DATED_CUE, _DATED_PARTS)):
        cuts = [0] + [m.start() for m in breaks.finditer(lowered)] + [len(lowered) + 1]
        for begin, end in zip(cuts, cuts[1:]):
            part = lowered[begin:end]
            cue = cues.search(part)
            if not cue or _PRESENT_CUE.search(part[:cue.start()] + " " + part[cue.end():]):
                continue
            for e in entities:
                if begin <= e["start"] < end and (
                        (e["entity"] in ("body_part", "side") and not e.get("role"))
                        or (e["entity"] == "number" and e.get("role") == "pain")
                        or (e["entity"] == RED_FLAG and e.get("role") in (None, UNCERTAIN) and e["value"] in flags)):
                    e["role"] = PAST


# "my shins went sharp", "the calves tighten": a paired body part in the plural is both sides.
# ("feet" is left out: "on my feet all day" is no place that hurts.)
PLURAL = "plural"
PLURAL_PAIRS = {"knees", "shins", "calves", "calfs", "quads", "hamstrings", "hammies", "ankles", "hips",
                "thighs", "glutes", "achilleses", "achilles tendons", "it bands", "hip flexors", "heels", "legs"}


def _both_from_plurals(entities: List[Dict[str, Any]], text: str) -> List[Dict[str, Any]]:
    """Side "both" for a plural pair ("my knees"), when the message names no side at all. Its
    role `plural` keeps it to where it hurts: "the backs of my thighs" in a self-check report
    says where the squeeze was felt, not that both sides were harder."""
    if any(e["entity"] == "side" for e in entities):
        return []
    for e in entities:
        said = re.sub(r"z\b", "s", text[e["start"]:e["end"]].lower())  # "kneez"
        if e["entity"] == "body_part" and not e.get("role") and \
                (said in PLURAL_PAIRS or said.split()[-1] in PLURAL_PAIRS):
            return [{"entity": "side", "start": e["start"], "end": e["end"], "value": "both",
                     "confidence_entity": 1.0, "role": PLURAL}]
    return []


RIGHT_NOT_SIDE_NEXT = {
    "after", "away", "now", "before", "then", "there", "here", "when", "at", "as", "from", "up",
    "into", "in", "through", "on", "behind", "below", "above", "under", "where", "around", "by",
    "off", "down", "over", "across", "next", "along", "until", "till", "to", "thing", "or",
    "wrong", "way", "answer", "time", "!",
}
# "right" meaning correct (or "a right mess"), after "the" or "a"
RIGHT_CORRECT_NOUNS = {"place", "places", "thing", "way", "direction", "track", "time", "answer", "idea",
                       "question", "questions", "choice", "decision", "call", "person", "people", "bot",
                       "site", "website", "page", "chat", "shoes", "trainers", "kit", "mess",
                       "state", "nuisance", "amount", "pace", "level", "number", "word", "words"}
RIGHT_NOT_SIDE_PREV = {"that", "'s", "thats", "you", "re", "youre", "youre", "all", "alright",
                       "is", "get", "got", "do", "did", "doing", "feel", "feels", "felt", "quite",
                       "exactly", "not", "isn't"}
LEFT_NOT_SIDE_PREV = {"i", "we", "you", "they", "he", "she", "have", "had", "has", "'ve", "'d",
                      "just", "been", "being", "it", "nothing", "anything", "time", "only"}


def _number(start: int, end: int, text: str, value: float, role: Optional[str]) -> Dict[str, Any]:
    entity = {
        "entity": "number",
        "start": start,
        "end": end,
        "value": int(value) if float(value).is_integer() else round(value, 2),
        "confidence_entity": 1.0,
    }
    if role:
        entity["role"] = role
    return entity


_CACHE: Dict[Tuple[str, float], ClinicalNLP] = {}


def build_nlp(lexicon_path: Text = DEFAULT_LEXICON) -> ClinicalNLP:
    """A ClinicalNLP for the lexicon, rebuilt only when the file changes."""
    path = resolve_lexicon_path(lexicon_path)
    try:
        key = (str(path.resolve()), path.stat().st_mtime)
    except FileNotFoundError:
        raise LexiconError(f"{path}: lexicon file not found")
    if key not in _CACHE:
        _CACHE[key] = ClinicalNLP(load_lexicon(str(path)))
    return _CACHE[key]


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class ClinicalEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Finds body parts, sides, timings, injuries, gait signs, red flags, self-check
    faults and numbers, normalised to the screener's ids; negated mentions get role
    `negated`."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"lexicon_path": DEFAULT_LEXICON}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.config = config
        self.clinical = build_nlp(config.get("lexicon_path") or DEFAULT_LEXICON)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ClinicalEntityExtractor:
        return cls(config)

    @property
    def name(self) -> Text:
        return EXTRACTOR_NAME

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            entities = self.add_extractor_name(self.clinical.extract(text))
            message.set(ENTITIES, message.get(ENTITIES, []) + entities, add_to_output=True)
        return messages
