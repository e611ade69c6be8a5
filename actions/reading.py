"""Read one runner message into screening answers: plain Python, no Rasa.

`read_message` turns the message's intent and entities into slot updates for the question
being asked (the requested slot) and, where it is unambiguous, for questions not asked yet
("my left knee hurts after runs and I sit 9 hours a day" fills four answers at once).

Entities come from bot/nlu/clinical_extractor.py or from button payloads. A mention the NLU
marked as negated ("my knees are fine") carries the role "negated" and is never an answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional

from actions import slots as s
from actions.screening import vocabulary as v

# Roles the clinical extractor (bot/nlu/clinical_extractor.py) gives a mention.
NEGATED = "negated"
UNCERTAIN = "uncertain"

# Messages that are not an answer: the form steps aside and a rule handles them.
INTERRUPTION_INTENTS = {
    "ask_why", "ask_define", "correct", "start_over", "stop", "human_handoff",
    "book_gait_analysis", "bot_challenge", "out_of_scope", "greet", "goodbye", "thanks",
}
# Messages that ask about something: a red flag named in them ("what counts as chest
# pain?") may be a question rather than a report, so it is asked back, never dropped.
QUESTION_INTENTS = {"ask_why", "ask_define", "bot_challenge"}
# Of those, the ones a misread answer is most often taken for ("desk job so 9 hrs sitting"
# as out of scope): when the message does answer the question asked, the answer wins.
WEAK_INTERRUPTIONS = {"out_of_scope", "greet", "thanks", "bot_challenge"}

YES_NO = {"affirm": "yes", "deny": "no", "not_sure": "unsure"}

# Each self-check's detail questions, and the check they belong to.
CHECK_OF_DETAIL = {
    s.ACTIVATION_HARDER_SIDE: s.ACTIVATION_CHOICE, s.ACTIVATION_FELT_WHERE: s.ACTIVATION_CHOICE,
    s.BALANCE_PROBLEM_SIDE: s.BALANCE_CHOICE, s.BALANCE_HIP_PAIN: s.BALANCE_CHOICE,
    s.DONKEY_FAULTS: s.DONKEY_CHOICE, s.DONKEY_REPS_LEFT: s.DONKEY_CHOICE,
    s.DONKEY_REPS_RIGHT: s.DONKEY_CHOICE,
}

# Which "this didn't make sense" response each question uses.
INVALID_RESPONSE = {
    s.RF_EMERGENCY: "utter_invalid_red_flag",
    s.RF_URGENT_CARE: "utter_invalid_red_flag",
    s.RF_SEE_CLINICIAN: "utter_invalid_red_flag",
    s.PAIN_AREAS: "utter_invalid_pain_areas",
    s.PAIN_SIDE: "utter_invalid_pain_side",
    s.PAIN_TIMING: "utter_invalid_pain_timing",
    s.PAIN_SEVERITY: "utter_invalid_pain_severity",
    s.RUNNING_EFFORT: "utter_invalid_yes_no",
    s.INJURIES: "utter_invalid_injuries",
    s.INJURY_RECURRING: "utter_invalid_yes_no",
    s.SITTING_HOURS: "utter_invalid_sitting_hours",
    s.GAIT_SIGNS: "utter_invalid_gait_signs",
    s.ACTIVATION_CHOICE: "utter_invalid_check_choice",
    s.ACTIVATION_HARDER_SIDE: "utter_invalid_check_side",
    s.ACTIVATION_FELT_WHERE: "utter_invalid_effort_site",
    s.BALANCE_CHOICE: "utter_invalid_check_choice",
    s.BALANCE_PROBLEM_SIDE: "utter_invalid_check_side",
    s.BALANCE_HIP_PAIN: "utter_invalid_yes_no",
    s.DONKEY_CHOICE: "utter_invalid_check_choice",
    s.DONKEY_FAULTS: "utter_invalid_donkey_faults",
    s.DONKEY_REPS_LEFT: "utter_invalid_reps",
    s.DONKEY_REPS_RIGHT: "utter_invalid_reps",
    s.STORE_CONSENT: "utter_invalid_yes_no",
    s.RF_CONFIRM: "utter_invalid_yes_no",
}

INPUT_PROBLEM_RESPONSE = {
    "empty": "utter_input_empty",
    "too_long": "utter_input_too_long",
    "no_words": "utter_input_no_words",
    "not_english": "utter_input_not_english",
}

# Where it hurts, when the runner names the injury instead ("lower back pain", "shin splints").
INJURY_AREA = {
    "patellofemoral_pain": "knee", "shin_splints": "shin", "calf_strain": "calf",
    "achilles_tendinopathy": "achilles", "plantar_fasciitis": "foot", "hip_flexor_strain": "hip_flexor",
    "hip_injury": "hip", "itb_syndrome": "it_band", "hamstring_strain": "hamstring",
    "low_back_pain": "low_back", "ankle_sprain": "ankle",
}

_NUMBER_WORDS = {
    "zero": 0, "none": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}


@dataclass
class Message:
    intent: Optional[str]
    entities: List[Dict[str, Any]] = field(default_factory=list)
    text: str = ""

    @classmethod
    def from_latest(cls, latest_message: Dict[str, Any]) -> "Message":
        intent = (latest_message.get("intent") or {}).get("name")
        return cls(intent, list(latest_message.get("entities") or []), latest_message.get("text") or "")

    def values(self, entity: str, allowed: Iterable[str] = None, role: Optional[str] = None) -> List[str]:
        """Values of one entity type with the given role (None: plainly said, neither negated
        nor uncertain), first mention first, no repeats."""
        found: List[str] = []
        for e in self.entities:
            if e.get("entity") != entity or e.get("role") not in (role, *(() if role else ("",))):
                continue
            value = e.get("value")
            if isinstance(value, str) and (allowed is None or value in allowed) and value not in found:
                found.append(value)
        return found

    def numbers(self, roles: Iterable[Optional[str]] = (None,)) -> List[float]:
        """Numeric entity values whose role is one of `roles` (None = no role given)."""
        roles = set(roles)
        found = []
        for e in self.entities:
            if e.get("entity") != "number" or e.get("role") not in roles:
                continue
            number = to_number(e.get("value"))
            if number is not None:
                found.append(number)
        if not found and None in roles:
            found = _numbers_in_text(self.text)
        return found

    @property
    def input_problem(self) -> Optional[str]:
        for e in self.entities:
            if e.get("entity") == "input_problem":
                return e.get("value")
        return None


def to_number(value: Any) -> Optional[float]:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _NUMBER_WORDS:
            return float(_NUMBER_WORDS[text])
        try:
            return float(text)
        except ValueError:
            return None
    return None


def _numbers_in_text(text: str) -> List[float]:
    """Fallback for a bare answer such as '7' or 'seven' when no number entity came through."""
    words = re.findall(r"\d+(?:\.\d+)?|[a-z]+", (text or "").lower())
    if len(words) > 4:
        return []
    found = []
    for word in words:
        number = to_number(word)
        if number is not None and word != "none":
            found.append(number)
    return found


def side_from(message: Message) -> Optional[str]:
    sides = message.values("side", v.SIDES)
    if not sides:
        return None
    if "both" in sides or ("left" in sides and "right" in sides):
        return "both"
    return sides[0]


_YES_WORDS = {"yes", "yeah", "yea", "yep", "yup", "ya", "sure", "definitely", "absolutely", "y", "ok", "okay"}
_NO_WORDS = {"no", "nope", "nah", "never", "n", "not"}
_UNSURE = re.compile(r"\b(not sure|unsure|maybe|dunno|don'?t know|no idea|not certain)\b")
_SAME_SIDES = re.compile(r"\b(same|equal|equally|no difference|neither|similar|even|evenly)\b")


def yes_no_from(message: Message) -> Optional[str]:
    """yes / no / unsure from the intent, or from how the message starts ("yes they keep
    coming back" is a yes whatever the intent classifier made of the rest)."""
    if message.intent in YES_NO:
        return YES_NO[message.intent]
    text = message.text.lower().strip()
    if _UNSURE.search(text):
        return "unsure"
    first = re.split(r"[\s,.!]+", text, maxsplit=1)[0] if text else ""
    if first in _YES_WORDS:
        return "yes"
    if first in _NO_WORDS:
        return "no"
    return None


def effort_from(message: Message) -> Optional[str]:
    """"yes" when running is said to feel harder than it should, "no" when that is denied."""
    mentions = [e for e in message.entities if e.get("entity") == "effort"]
    if not mentions:
        return None
    return "no" if all(e.get("role") == "negated" for e in mentions) else "yes"


@dataclass
class Reading:
    """What one message means for the screen."""

    updates: Dict[str, Any] = field(default_factory=dict)
    # A response to send when the requested question was not answered in a usable way.
    problem_response: Optional[str] = None
    # True when the message is not an answer at all (a question, a request to stop, ...).
    not_an_answer: bool = False


def read_message(
    message: Message,
    requested_slot: Optional[str],
    current: Dict[str, Any],
    red_flag_groups: Dict[str, Iterable[str]],
) -> Reading:
    """Interpret `message` as the answer to `requested_slot`.

    `current` holds the slots as they are; `red_flag_groups` maps each red-flag group's slot
    to the red flag ids asked in it.
    """
    if message.input_problem:
        # Empty, emoji-only, very long or non-English: say so, and take nothing from it.
        return Reading(problem_response=INPUT_PROBLEM_RESPONSE.get(message.input_problem, "utter_rephrase"))
    safety = _red_flag_updates(message, requested_slot, current, red_flag_groups)
    if message.intent in INTERRUPTION_INTENTS and safety:
        # A red flag counts whatever else the message does ("stop, my chest hurts").
        message = Message("inform", message.entities, message.text)
    if message.intent in INTERRUPTION_INTENTS:
        if message.intent not in WEAK_INTERRUPTIONS or requested_slot is None:
            return Reading(not_an_answer=True)
        as_answer = Message("inform", message.entities, message.text)
        if not _answer_requested(as_answer, requested_slot, current, red_flag_groups):
            return Reading(not_an_answer=True)
        message = as_answer

    reading = Reading()
    reading.updates.update(safety)
    consent = message.values("consent", ("keep", "dont_keep"))
    if consent:  # the welcome buttons
        reading.updates[s.STORE_CONSENT] = consent[0] == "keep"

    if requested_slot is not None:
        answer = _answer_requested(message, requested_slot, current, red_flag_groups)
        if answer:
            # A red flag volunteered in this message outranks "none" for its group.
            for slot, value in answer.items():
                if slot in reading.updates and slot in s.RED_FLAG_SLOTS:
                    continue
                reading.updates[slot] = value
        elif requested_slot not in reading.updates and not safety:
            # (A red flag of another group said here is recorded and confirmed instead; the
            # question asked still needs its own answer, so it simply comes again.)
            reading.problem_response = INVALID_RESPONSE.get(requested_slot, "utter_rephrase")

    for slot, value in _volunteered(message, requested_slot, {**current, **reading.updates}).items():
        if slot not in reading.updates and current.get(slot) is None:
            reading.updates[slot] = value
    return reading


def _red_flag_updates(message, requested_slot, current, red_flag_groups) -> Dict[str, Any]:
    """Red flags named anywhere, at any point, are recorded in their own group at once.

    A mention whose negation may or may not cancel it ("I don't think I passed out"), or
    one inside a question ("does a racing heart count?"), is never dropped: it waits in
    RF_PENDING for one confirm question.
    """
    updates: Dict[str, Any] = {}
    asked = message.intent in QUESTION_INTENTS
    said = message.values("red_flag") if not asked else []
    unsure = message.values("red_flag", role=UNCERTAIN) + (message.values("red_flag") if asked else [])
    for slot, ids in red_flag_groups.items():
        named = [x for x in said if x in set(ids)]
        if named:
            before = [x for x in (current.get(slot) or []) if x in set(ids)]
            updates[slot] = before + [x for x in named if x not in before]
    recorded = {x for slot in red_flag_groups for x in (updates.get(slot) or current.get(slot) or [])}
    waiting = [x for x in (current.get(s.RF_PENDING) or []) if x not in recorded]
    new = [x for x in unsure if x not in recorded and x not in waiting]
    if new:
        updates[s.RF_PENDING] = waiting + new
    elif len(waiting) != len(current.get(s.RF_PENDING) or []):
        updates[s.RF_PENDING] = waiting or None
    return updates


def _confirm_pending(message: Message, current, red_flag_groups) -> Dict[str, Any]:
    """The answer to the confirm question: yes or not sure records the red flags asked
    about in their groups (not sure counts as yes); no drops them."""
    pending = current.get(s.RF_PENDING) or []
    answer = yes_no_from(message)
    if answer is None:
        return {}
    updates: Dict[str, Any] = {s.RF_PENDING: None, s.RF_CONFIRM: None}
    if answer in ("yes", "unsure"):
        for slot, ids in red_flag_groups.items():
            named = [x for x in pending if x in set(ids)]
            if named:
                before = [x for x in (current.get(slot) or []) if x in set(ids)]
                updates[slot] = before + [x for x in named if x not in before]
    return updates


def _answer_requested(message: Message, slot: str, current, red_flag_groups) -> Dict[str, Any]:
    intent = message.intent
    yes_no = yes_no_from(message)

    if slot == s.RF_CONFIRM:
        return _confirm_pending(message, current, red_flag_groups)

    if slot in s.RED_FLAG_SLOTS:
        own = set(red_flag_groups.get(slot, ()))
        named = message.values("red_flag", own)
        if named:
            return {slot: named}
        elsewhere = [x for x in message.values("red_flag") + message.values("red_flag", role=UNCERTAIN)
                     if x not in own]
        denies = intent == "deny" or yes_no == "no"
        if elsewhere:
            # Another group's red flag answers only its own group: this one is still open,
            # unless the runner also said "none of these".
            return {slot: [s.NONE]} if denies else {}
        if denies or (message.values("red_flag", own, role=NEGATED) and intent != "affirm"):
            return {slot: [s.NONE]}
        if intent in ("affirm", "not_sure", "report_red_flag"):
            # Yes without saying which one, or not sure: counts as yes to the whole group.
            return {slot: ["yes" if intent != "not_sure" else s.UNSURE]}
        return {}

    if slot == s.PAIN_AREAS:
        areas = message.values("body_part", v.BODY_AREAS) or [
            INJURY_AREA[i] for i in message.values("injury", v.INJURIES) if i in INJURY_AREA]
        if areas:
            return {s.PAIN_AREAS: areas, s.NO_PAIN: False}
        if intent in ("no_pain", "deny"):
            return {s.PAIN_AREAS: [], s.NO_PAIN: True}
        return {}

    if slot == s.PAIN_SIDE:
        side = side_from(message)
        return {slot: side} if side else {}

    if slot == s.PAIN_TIMING:
        timings = message.values("timing", v.PAIN_TIMINGS)
        return {slot: timings} if timings else {}

    if slot == s.PAIN_SEVERITY:
        for number in message.numbers(roles=("pain", None)):
            if 0 <= number <= 10:
                return {slot: number}
        if intent == "no_pain":
            return {slot: 0.0}
        return {}

    if slot == s.RUNNING_EFFORT and effort_from(message):
        return {slot: effort_from(message)}

    if slot in (s.RUNNING_EFFORT, s.INJURY_RECURRING, s.BALANCE_HIP_PAIN):
        return {slot: yes_no} if yes_no else {}

    if slot == s.STORE_CONSENT:
        # Only a clear yes keeps anything.
        return {slot: yes_no == "yes"} if yes_no else {}

    if slot == s.INJURIES:
        injuries = message.values("injury", v.INJURIES)
        if injuries:
            return {slot: injuries}
        if intent in ("deny", "no_pain"):
            return {slot: [s.NONE]}
        if intent in ("not_sure", "skip"):
            return {slot: [s.UNSURE]}
        return {}

    if slot == s.SITTING_HOURS:
        for number in message.numbers(roles=("hours", None)):
            if 0 <= number <= 24:
                return {slot: number}
        return {}

    if slot == s.GAIT_SIGNS:
        signs = message.values("gait_sign", v.GAIT_SIGNS)
        if signs:
            return {slot: signs}
        if intent == "deny":
            return {slot: [s.NONE]}
        if intent in ("skip", "not_sure"):
            return {slot: [s.SKIPPED]}
        return {}

    if slot in (s.ACTIVATION_CHOICE, s.BALANCE_CHOICE, s.DONKEY_CHOICE):
        if intent in ("affirm", "start_screening"):
            return {slot: s.DO_NOW}
        if intent in ("skip", "deny"):
            return {slot: s.SKIP}
        # Someone who already did the check and tells us how it went.
        if intent == "inform" and _check_result(message, slot):
            return {slot: s.DO_NOW, **_check_result(message, slot)}
        return {}

    if slot in CHECK_OF_DETAIL and intent == "skip":
        # "skip" in the middle of a check skips the rest of that check.
        return {CHECK_OF_DETAIL[slot]: s.SKIP}

    if slot in (s.ACTIVATION_HARDER_SIDE, s.BALANCE_PROBLEM_SIDE):
        side = side_from(message)
        if not side and _SAME_SIDES.search(message.text.lower()):
            return {slot: "neither"}
        updates = {}
        if slot == s.BALANCE_PROBLEM_SIDE:
            faults = message.values("check_fault", v.BALANCE_FAULTS)
            if faults:
                updates[s.BALANCE_FAULTS] = faults
        if side:
            updates[slot] = side
        elif intent in ("deny", "not_sure"):
            updates[slot] = "neither"
        else:
            return {}
        if slot == s.ACTIVATION_HARDER_SIDE:
            sites = message.values("body_part", v.EFFORT_SITES)
            if sites and current.get(s.ACTIVATION_FELT_WHERE) is None:
                updates[s.ACTIVATION_FELT_WHERE] = sites
        return updates

    if slot == s.ACTIVATION_FELT_WHERE:
        sites = message.values("body_part", v.EFFORT_SITES)
        return {slot: sites} if sites else {}

    if slot == s.DONKEY_FAULTS:
        faults = message.values("check_fault", v.DONKEY_FAULTS)
        if faults:
            return {slot: faults}
        if intent == "deny":
            return {slot: [s.NONE]}
        return {}

    if slot in (s.DONKEY_REPS_LEFT, s.DONKEY_REPS_RIGHT):
        for number in message.numbers(roles=("reps", None)):
            if 0 <= number <= 30:
                updates = {slot: number}
                if re.search(r"\b(each|both|either|every)\b", message.text.lower()):
                    updates[s.DONKEY_REPS_LEFT] = number
                    updates[s.DONKEY_REPS_RIGHT] = number
                return updates
        return {}

    return {}


def _check_result(message: Message, choice_slot: str) -> Dict[str, Any]:
    side = side_from(message)
    if choice_slot == s.ACTIVATION_CHOICE and side:
        return {s.ACTIVATION_HARDER_SIDE: side}
    if choice_slot == s.BALANCE_CHOICE and side:
        faults = message.values("check_fault", v.BALANCE_FAULTS)
        return {s.BALANCE_PROBLEM_SIDE: side, **({s.BALANCE_FAULTS: faults} if faults else {})}
    if choice_slot == s.DONKEY_CHOICE:
        faults = message.values("check_fault", v.DONKEY_FAULTS)
        if faults:
            return {s.DONKEY_FAULTS: faults}
    return {}


_CHECK_STAGE = set(s.SELF_CHECK_SLOTS)


def _volunteered(message: Message, requested_slot: Optional[str], current) -> Dict[str, Any]:
    """Answers to questions not asked yet, taken only where the meaning is unambiguous."""
    if message.intent not in ("inform", "report_red_flag", "start_screening", "affirm", "deny",
                              "nlu_fallback", None):
        return {}
    updates: Dict[str, Any] = {}
    # Body parts and sides mean "where it hurts" only before the self-checks, where the same
    # words describe where a squeeze was felt or which leg wobbled.
    if requested_slot not in _CHECK_STAGE:
        areas = message.values("body_part", v.BODY_AREAS)
        if areas and current.get(s.PAIN_AREAS) is None:
            updates[s.PAIN_AREAS] = areas
            updates[s.NO_PAIN] = False
        side = side_from(message)
        if side and (areas or requested_slot == s.PAIN_AREAS):
            updates[s.PAIN_SIDE] = side
    if requested_slot not in _CHECK_STAGE:
        timings = message.values("timing", v.PAIN_TIMINGS)
        if timings and (current.get(s.PAIN_AREAS) or updates.get(s.PAIN_AREAS)):
            updates[s.PAIN_TIMING] = timings
    updates.update(unambiguous_answers(message))
    return updates


def unambiguous_answers(message: Message) -> Dict[str, Any]:
    """Facts whose meaning does not depend on the question being asked: a pain score, daily
    sitting hours, named injuries and gait signs."""
    updates: Dict[str, Any] = {}
    effort = effort_from(message)
    if effort:
        updates[s.RUNNING_EFFORT] = effort
    pain = [n for n in message.numbers(roles=("pain",)) if 0 <= n <= 10]
    if pain:
        updates[s.PAIN_SEVERITY] = pain[0]
    hours = [n for n in message.numbers(roles=("hours",)) if 0 <= n <= 24]
    if hours:
        updates[s.SITTING_HOURS] = hours[0]
    injuries = message.values("injury", v.INJURIES)
    if injuries:
        updates[s.INJURIES] = injuries
    signs = message.values("gait_sign", v.GAIT_SIGNS)
    if signs:
        updates[s.GAIT_SIGNS] = signs
    return updates
