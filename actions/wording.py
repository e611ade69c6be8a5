"""Short runner-facing descriptions of answers, for confirmations ("I've noted: ...")."""

from __future__ import annotations

from typing import Any, Dict, List

from actions import slots as s

AREA_WORDS = {
    "knee": "knee", "shin": "shin", "calf": "calf", "achilles": "Achilles", "foot": "foot",
    "ankle": "ankle", "hip_flexor": "front of the hip", "hip": "hip", "groin": "groin",
    "it_band": "outside of the thigh (IT band)", "hamstring": "hamstring", "quad": "thigh",
    "low_back": "low back", "glute": "glute",
}
TIMING_WORDS = {
    "during_runs": "during runs", "after_runs": "after runs",
    "next_morning": "the next morning", "at_rest": "at rest",
}
INJURY_WORDS = {
    "patellofemoral_pain": "runner's knee", "shin_splints": "shin splints",
    "stress_fracture": "a stress fracture", "calf_strain": "a calf strain",
    "achilles_tendinopathy": "an Achilles problem", "plantar_fasciitis": "plantar fasciitis",
    "hip_flexor_strain": "a hip flexor strain", "hip_injury": "a hip injury",
    "itb_syndrome": "IT band syndrome", "hamstring_strain": "a hamstring strain",
    "low_back_pain": "low back pain", "ankle_sprain": "an ankle sprain",
    "other_injury": "another injury",
}
GAIT_WORDS = {
    "overstriding": "overstriding", "low_knee_drive": "low knee drive",
    "anterior_pelvic_tilt": "hips tipped forward", "pelvic_drop": "hip drop",
    "crossover": "crossover", "forward_lean": "forward lean",
}


def join(words: List[str]) -> str:
    words = [w for w in words if w]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _number(value: float) -> str:
    return f"{value:g}"


def describe(slot: str, value: Any, slot_values: Dict[str, Any]) -> str:
    """One phrase for one answer, or '' when it needs no confirmation."""
    if value is None:
        return ""
    if slot == s.PAIN_AREAS:
        if not value:
            return "nothing hurts"
        side = slot_values.get(s.PAIN_SIDE)
        where = join([AREA_WORDS.get(a, a) for a in value])
        if side == "both":
            return f"pain on both sides: {where}"
        prefix = f"{side} " if side in ("left", "right") else ""
        return f"pain in your {prefix}{where}"
    if slot == s.PAIN_SIDE:
        return {"both": "both sides"}.get(value, f"the {value} side")
    if slot == s.PAIN_TIMING:
        return "it hurts " + join([TIMING_WORDS.get(t, t) for t in value])
    if slot == s.PAIN_SEVERITY:
        return f"pain of {_number(value)} out of 10"
    if slot == s.SITTING_HOURS:
        return f"about {_number(value)} hours of sitting a day"
    if slot == s.INJURIES:
        real = [INJURY_WORDS.get(i, i) for i in value if i in INJURY_WORDS]
        return f"past injuries: {join(real)}" if real else "no past injuries"
    if slot == s.GAIT_SIGNS:
        real = [GAIT_WORDS.get(g, g) for g in value if g in GAIT_WORDS]
        return f"running patterns spotted: {join(real)}" if real else ""
    if slot == s.RUNNING_EFFORT:
        return {"yes": "running feels harder than it should", "no": "running feels normal"}.get(value, "")
    return ""


def describe_all(updates: Dict[str, Any], slot_values: Dict[str, Any]) -> str:
    merged = {**slot_values, **updates}
    phrases = []
    for slot in s.FORM_SLOTS:
        if slot not in updates:
            continue
        if slot == s.PAIN_SIDE and s.PAIN_AREAS in updates:
            continue  # the areas phrase already names the side
        phrase = describe(slot, updates[slot], merged)
        if phrase:
            phrases.append(phrase)
    return join(phrases)
