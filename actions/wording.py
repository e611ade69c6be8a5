"""Short runner-facing descriptions of answers, for confirmations ("I've noted ...").

The plain words for every vocabulary id live in actions/screening/wording.py, shared with
the result texts, so a body part or an injury is named the same way everywhere.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from actions import slots as s
from actions.screening.wording import (
    INJURY_WORDS, TIMING_WORDS, join_words, number_text, pain_areas_text, words_for,
)

GAIT_WORDS = {
    "overstriding": "overstriding", "low_knee_drive": "low knee drive",
    "anterior_pelvic_tilt": "hips tipped forward", "pelvic_drop": "hip drop",
    "crossover": "crossover", "forward_lean": "forward lean",
}


# Self-checks, as a confirmation names them when a runner reports one before it is offered.
CHECK_NAMES = {s.ACTIVATION_CHOICE: "glute squeeze", s.BALANCE_CHOICE: "one-leg balance",
               s.DONKEY_CHOICE: "donkey kicks"}


def _check_description(slot: str, value: Any) -> Optional[str]:
    """The phrase for a self-check's choice or report slot; None for any other slot."""
    from actions.questions import report_of  # the registry builds on the readers, which use this

    if slot in CHECK_NAMES:
        return f"that you're skipping the {CHECK_NAMES[slot]}" if value == s.SKIP else ""
    choice = next((c for c in CHECK_NAMES if report_of(c) == slot), None)
    if choice is None:
        return None
    name = CHECK_NAMES[choice]
    return f"that the {name} went fine" if value == s.FINE else f"how the {name} went"


def describe(slot: str, value: Any, slot_values: Dict[str, Any]) -> str:
    """One phrase for one answer, or '' when it needs no confirmation."""
    if value is None:
        return ""
    if slot == s.PAIN_AREAS:
        return f"pain in {pain_areas_text(value, slot_values.get(s.PAIN_SIDE))}" if value else "nothing hurts"
    if slot == s.PAIN_SIDE:
        return "both sides" if value == "both" else f"the {value} side"
    if slot == s.PAIN_TIMING:
        return "it hurts " + join_words(words_for(value, TIMING_WORDS))
    if slot == s.PAIN_SEVERITY:
        return f"pain of {number_text(value)} out of 10"
    if slot == s.SITTING_HOURS:
        return f"about {number_text(value)} hours of sitting a day"
    if slot == s.INJURIES:
        real = [i for i in value if i in INJURY_WORDS]
        return f"past injuries: {join_words(words_for(real, INJURY_WORDS))}" if real else "no past injuries"
    if slot == s.GAIT_SIGNS:
        real = [g for g in value if g in GAIT_WORDS]
        return f"running patterns spotted: {join_words(words_for(real, GAIT_WORDS))}" if real else ""
    if slot in s.RED_FLAG_SLOTS:
        from actions.screen_state import knowledge  # the red flags' labels live in the KB

        kb = knowledge()
        known = {f.id: f.label for f in kb.red_flags}
        labels = [known[x].lower() for x in value if x in known]
        return f"the safety sign you mentioned ({join_words(labels)})" if labels else ""
    check = _check_description(slot, value)
    if check is not None:
        return check
    if slot == s.RUNNING_EFFORT:
        return {"yes": "running feels harder than it should", "no": "running feels normal"}.get(value, "")
    return ""


def describe_all(updates: Dict[str, Any], slot_values: Dict[str, Any]) -> str:
    merged = {**slot_values, **updates}
    phrases = []
    from actions.questions import FORM_SLOTS

    for slot in FORM_SLOTS:
        if slot not in updates:
            continue
        if slot == s.PAIN_SIDE and s.PAIN_AREAS in updates:
            continue  # the areas phrase already names the side
        phrase = describe(slot, updates[slot], merged)
        if phrase:
            phrases.append(phrase)
    return join_words(phrases)
