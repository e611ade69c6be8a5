"""Translate between the conversation's slots and the engine's typed `Answers` record."""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional

from actions import slots as s
from actions.screening.answers import ActivationCheck, Answers, BalanceCheck, DonkeyKickCheck

MARKERS = {s.NONE, s.UNSURE, s.SKIPPED, "yes"}


def _real(values: Optional[Iterable[str]]) -> List[str]:
    return [x for x in (values or []) if x not in MARKERS]


def _int(value: Any) -> Optional[int]:
    return None if value is None else int(round(float(value)))


def _status(choice: Optional[str]) -> str:
    if choice == s.DO_NOW:
        return "done"
    if choice == s.SKIP:
        return "skipped"
    return "not_offered"


def red_flag_answers(slots: Dict[str, Any], groups: Dict[str, Iterable[str]]) -> Dict[str, str]:
    """Group answers ("none", "unsure", "yes" or named ids) as one answer per red flag id."""
    answers: Dict[str, str] = {}
    for slot, ids in groups.items():
        value = slots.get(slot)
        if value is None:
            continue
        named = set(_real(value))
        for flag_id in ids:
            if flag_id in named:
                answers[flag_id] = "yes"
            elif "yes" in value:
                answers[flag_id] = "yes"
            elif s.UNSURE in value:
                answers[flag_id] = "unsure"
            else:
                answers[flag_id] = "no"
    return answers


def answers_from_slots(slots: Dict[str, Any], groups: Dict[str, Iterable[str]]) -> Answers:
    gait = slots.get(s.GAIT_SIGNS)
    activation = ActivationCheck(
        status=_status(slots.get(s.ACTIVATION_CHOICE)),
        harder_side=slots.get(s.ACTIVATION_HARDER_SIDE),
        felt_where=_real(slots.get(s.ACTIVATION_FELT_WHERE)),
    )
    balance = BalanceCheck(
        status=_status(slots.get(s.BALANCE_CHOICE)),
        problem_side=slots.get(s.BALANCE_PROBLEM_SIDE),
        faults=_real(slots.get(s.BALANCE_FAULTS)),
        lateral_hip_pain=slots.get(s.BALANCE_HIP_PAIN),
    )
    donkey = DonkeyKickCheck(
        status=_status(slots.get(s.DONKEY_CHOICE)),
        faults=_real(slots.get(s.DONKEY_FAULTS)),
        reps_left=_int(slots.get(s.DONKEY_REPS_LEFT)),
        reps_right=_int(slots.get(s.DONKEY_REPS_RIGHT)),
    )
    severity = slots.get(s.PAIN_SEVERITY)
    return Answers(
        red_flags=red_flag_answers(slots, groups),
        no_pain=slots.get(s.NO_PAIN),
        pain_areas=_real(slots.get(s.PAIN_AREAS)),
        pain_side=slots.get(s.PAIN_SIDE),
        pain_timing=_real(slots.get(s.PAIN_TIMING)),
        pain_severity=_int(severity),
        running_effort=slots.get(s.RUNNING_EFFORT),
        injuries=_real(slots.get(s.INJURIES)),
        injury_recurring=slots.get(s.INJURY_RECURRING),
        sitting_hours=None if slots.get(s.SITTING_HOURS) is None else float(slots[s.SITTING_HOURS]),
        gait_signs=_real(gait),
        gait_signs_skipped=bool(gait) and s.SKIPPED in gait,
        activation=activation,
        balance=balance,
        donkey_kick=donkey,
    )
