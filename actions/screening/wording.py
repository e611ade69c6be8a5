"""Plain words for the closed vocabularies, and the placeholders rule texts may use.

The knowledge base writes runner-facing text as templates such as
"You felt the squeeze mostly in {felt_where}." This module turns the runner's stored answers
(vocabulary ids) back into everyday words and fills those templates. The validator checks
every template against the placeholder names defined here.
"""

from __future__ import annotations

import string
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

from .answers import Answers

AREA_WORDS = {
    "knee": "knee", "shin": "shin", "calf": "calf", "achilles": "Achilles", "foot": "foot",
    "ankle": "ankle", "hip_flexor": "hip flexor", "hip": "hip", "groin": "groin",
    "it_band": "IT band", "hamstring": "hamstring", "quad": "thigh", "low_back": "lower back",
    "glute": "glute",
}
TIMING_WORDS = {
    "during_runs": "during runs", "after_runs": "after runs",
    "next_morning": "the morning after", "at_rest": "at rest",
}
EFFORT_WORDS = {
    "glute": "your glute", "hamstring": "your hamstring", "low_back": "your lower back",
    "hip_flexor": "the front of your hip",
}
SIDE_WORDS = {"left": "your left side", "right": "your right side", "both": "both sides"}
LEG_WORDS = {"left": "your left leg", "right": "your right leg", "both": "both legs"}
BALANCE_FAULT_WORDS = {
    "could_not_hold": "you could not hold the position", "hip_dropped": "your hip dropped",
    "knee_caved": "your knee caved in", "trunk_leaned": "your upper body tipped over",
}
DONKEY_FAULT_WORDS = {
    "thighs_apart": "your thighs came apart", "glute_not_felt": "you did not feel your glute work",
    "hips_lifted": "your hips came up off the pillow", "back_arched": "your back arched",
    "knee_dropped": "your knee dropped down fast",
}
INJURY_WORDS = {
    "patellofemoral_pain": "runner's knee", "shin_splints": "shin splints",
    "stress_fracture": "stress fractures", "calf_strain": "calf strains",
    "achilles_tendinopathy": "Achilles pain", "plantar_fasciitis": "plantar fasciitis (heel pain)",
    "hip_flexor_strain": "hip flexor strains", "hip_injury": "hip injuries",
    "itb_syndrome": "IT band pain", "hamstring_strain": "hamstring strains",
    "low_back_pain": "low back pain", "ankle_sprain": "ankle sprains",
    "other_injury": "other injuries",
}

LIST_LIMIT = 4  # longer lists are cut to four items "and more"

# Placeholders a finding's `explanation` may use. Each is filled from the runner's answers;
# where a finding fired on part of a list answer (say two of five sore areas), only the part
# that made it fire is named.
FINDING_PLACEHOLDERS = (
    "pain_areas", "pain_timing", "pain_severity", "felt_where", "weaker_side",
    "balance_what_happened", "donkey_what_happened", "donkey_min_reps", "injuries",
    "injury_count", "sitting_hours", "glute", "glute_job", "linked_injuries",
)
# Placeholders the clinic-level texts (triage advice, safety nets, red flag advice, messages)
# may use: the clinic's details from clinic/clinic.yml plus two answers. Texts the
# conversation shows as they are (red flag prompts, questions, labels) take none; the
# self-check reasons take only the two answers.
CLINIC_PLACEHOLDERS = (
    "clinic_name", "phone", "email", "booking_url", "emergency_number", "urgent_care",
    "opening_hours",
)
ANSWER_PLACEHOLDERS = ("sitting_hours", "pain_severity", "pain_areas")
TEXT_PLACEHOLDERS = CLINIC_PLACEHOLDERS + ANSWER_PLACEHOLDERS

# Used when clinic.yml lacks a detail: never leave a runner without an emergency route.
CLINIC_FALLBACKS = {
    "clinic_name": "the clinic", "phone": "the clinic's phone number", "email": "the clinic",
    "booking_url": "the clinic's website", "emergency_number": "your local emergency number",
    "urgent_care": "your nearest urgent care centre or emergency department",
    "opening_hours": "during opening hours",
}


def placeholders_in(template: str) -> List[str]:
    """Names of the {placeholders} in a template (raises ValueError on broken braces)."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]


def join_words(items: Sequence[str], limit: Optional[int] = None) -> str:
    """"a, b and c"; with a limit, "a, b, c, d and more" keeps chat bubbles short."""
    items = [i for i in items if i]
    if limit and len(items) > limit:
        items = items[:limit] + ["more"]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} and {items[-1]}"


def words_for(values: Iterable[str], table: Mapping[str, str]) -> List[str]:
    return [table.get(v, str(v).replace("_", " ")) for v in values]


def number_text(value: Any) -> str:
    if value is None:
        return "?"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def pain_areas_text(areas: Sequence[str], side: Optional[str]) -> str:
    names = join_words(words_for(areas, AREA_WORDS), limit=LIST_LIMIT)
    if not names:
        return "the places you named"
    if side in ("left", "right"):
        return f"your {side} {names}"
    if side == "both":
        return f"your {names} on both sides"
    return f"your {names}"


def balance_text(problem_side: Optional[str], faults: Sequence[str]) -> str:
    what = join_words(words_for(faults, BALANCE_FAULT_WORDS)) or "it was hard to stay steady"
    where = LEG_WORDS.get(problem_side or "")
    return f"on {where}, {what}" if where else what


def donkey_text(faults: Sequence[str], min_reps: Optional[int]) -> str:
    parts = words_for(faults, DONKEY_FAULT_WORDS)
    if min_reps is not None and min_reps < 5:
        parts.append(f"you managed only {number_text(min_reps)} good reps on your weaker side")
    return join_words(parts) or "it did not feel right"


def finding_values(answers: Answers, matched: Mapping[str, Any], glutes: Sequence[str],
                   glute_job: str, linked_injuries: Sequence[str]) -> Dict[str, str]:
    """Placeholder values for one finding: the runner's answers, in plain words.

    `matched` (answer path -> value that made the rule fire) wins over the full answer, so a
    finding names only what triggered it. `glutes` are display names ("glute medius").
    """

    def pick(path: str):
        return matched[path] if path in matched else answers.get(path)

    injuries = list(answers.injuries or [])
    return {
        "pain_areas": pain_areas_text(pick("pain_areas") or [], answers.pain_side),
        "pain_timing": join_words(words_for(pick("pain_timing") or [], TIMING_WORDS)) or "when you run",
        "pain_severity": number_text(answers.pain_severity),
        "felt_where": join_words(words_for(pick("activation.felt_where") or [], EFFORT_WORDS))
        or "somewhere other than your glute",
        "weaker_side": SIDE_WORDS.get(answers.activation.harder_side or "", "one side"),
        "balance_what_happened": balance_text(answers.balance.problem_side, answers.balance.faults or []),
        "donkey_what_happened": donkey_text(answers.donkey_kick.faults or [], answers.donkey_min_reps),
        "donkey_min_reps": number_text(answers.donkey_min_reps),
        "injuries": join_words(words_for(injuries, INJURY_WORDS), limit=LIST_LIMIT) or "your past injuries",
        "injury_count": str(len(injuries)),
        "sitting_hours": number_text(answers.sitting_hours),
        "glute": "your " + join_words(list(glutes)) if glutes else "your glutes",
        "glute_job": glute_job,
        "linked_injuries": join_words(words_for(linked_injuries, INJURY_WORDS), limit=LIST_LIMIT),
    }


def answer_values(answers: Optional[Answers]) -> Dict[str, str]:
    """Values of the ANSWER_PLACEHOLDERS."""
    return {"sitting_hours": number_text(answers.sitting_hours if answers else None),
            "pain_severity": number_text(answers.pain_severity if answers else None),
            "pain_areas": pain_areas_text(answers.pain_areas or [] if answers else [],
                                          answers.pain_side if answers else None)}


def clinic_values(clinic: Optional[Mapping[str, Any]], answers: Optional[Answers] = None) -> Dict[str, str]:
    """Values of the TEXT_PLACEHOLDERS: clinic details (with safe fallbacks) and two answers."""
    clinic = clinic or {}
    values = {}
    for key in CLINIC_PLACEHOLDERS:
        raw = clinic.get("name" if key == "clinic_name" else key)
        values[key] = str(raw) if raw not in (None, "") else CLINIC_FALLBACKS[key]
    values.update(answer_values(answers))
    return values


def fill(template: str, values: Mapping[str, str]) -> str:
    """Fill a validated template; collapse doubled spaces left by empty parts."""
    return " ".join(template.format_map(dict(values)).split())
